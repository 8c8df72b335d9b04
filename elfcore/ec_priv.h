/* Library-internal helpers shared by elfcore modules. Not installed. */
#ifndef ELFCORE_EC_PRIV_H
#define ELFCORE_EC_PRIV_H

#include "elfcore/context.h"

/* Record an error message in ctx and return err. */
#define ec_err(ctx, err, ...) elfcore_ctx_set_error((ctx), (err), __VA_ARGS__)

#endif
