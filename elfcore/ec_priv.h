/* Library-internal helpers shared by elfcore modules. Not installed. */
#ifndef ELFCORE_EC_PRIV_H
#define ELFCORE_EC_PRIV_H

#include "elfcore/context.h"

struct elfcore_sink;
struct elfcore_sink_ops;
/* Whether sink was made with ops (sink.c); whether it writes a flattened
 * stream, where every write becomes a record (sink_flat.c). */
int ec_sink_has_ops(const struct elfcore_sink *sink, const struct elfcore_sink_ops *ops);
int ec_sink_is_flat(const struct elfcore_sink *sink);

/* Record an error message in ctx and return err. */
#define ec_err(ctx, err, ...) elfcore_ctx_set_error((ctx), (err), __VA_ARGS__)

#endif
