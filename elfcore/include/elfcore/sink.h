/* Output sinks: where a dump is written (a file, a flattened stream, SSH).
 *
 * A sink takes positioned writes. The first failure is sticky: later writes
 * do nothing and return the same error, so a writer can emit a whole dump and
 * check once at the end (as redis' rio does). Backends implement
 * struct elfcore_sink_ops; the file backend is in elfcore, SSH in capture/.
 */
#ifndef ELFCORE_SINK_H
#define ELFCORE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"

struct elfcore_sink;

struct elfcore_sink_ops {
	/* Write all len bytes at offset; 0 or a negative errno with a message in ctx. */
	int (*pwrite)(void *priv, struct elfcore_ctx *ctx, const void *buf, size_t len,
		      uint64_t offset);
	/* Make everything written so far durable (fsync, or the remote's equivalent). */
	int (*sync)(void *priv, struct elfcore_ctx *ctx);
	/* Release the backend; called once by elfcore_sink_close(). */
	int (*close)(void *priv, struct elfcore_ctx *ctx);
	/* True when writes must be sequential (pipes): writers then emit the
	 * flattened format's offset records through an elfcore flat sink. */
	int sequential;
};

/* Wrap a backend; ops must outlive the sink, priv belongs to it afterwards. */
ELFCORE_API int elfcore_sink_new(struct elfcore_ctx *ctx, const struct elfcore_sink_ops *ops,
				 void *priv, struct elfcore_sink **out);
/* Positioned write; returns the sticky error once one happened. */
ELFCORE_API int elfcore_sink_pwrite(struct elfcore_sink *sink, const void *buf, size_t len,
				    uint64_t offset);
ELFCORE_API int elfcore_sink_sync(struct elfcore_sink *sink);
/* The first error seen (0 if none). */
ELFCORE_API int elfcore_sink_error(const struct elfcore_sink *sink);
/* Highest offset written + 1. */
ELFCORE_API uint64_t elfcore_sink_size(const struct elfcore_sink *sink);
/* Close the backend; returns the sticky error or the close error. Frees sink. */
ELFCORE_API int elfcore_sink_close(struct elfcore_sink *sink);

#endif
