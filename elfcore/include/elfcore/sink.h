/* Output sinks: where a dump is written (a file, a flattened stream, SSH).
 *
 * A sink takes positioned writes. The first failure is sticky: later writes
 * do nothing and return the same error (and put the first message back in the
 * context), so a writer can emit a whole dump and check once at the end (as
 * redis' rio does). Backends implement struct elfcore_sink_ops; the file, fd
 * stream and flattened backends are in elfcore, SSH in capture/.
 *
 * Life cycle: open -> pwrite... -> elfcore_sink_commit() -> elfcore_sink_close().
 * Closing a sink that was not committed aborts it: the file backend removes
 * its temporary file (or keeps it as PATH.incomplete, see the flags), the
 * flattened backend leaves out its end marker. So a dump being written is never
 * mistaken for a finished one.
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
	/* Optional: make the output final (after sync), e.g. rename a temporary
	 * file to its name. NULL: committing only syncs. */
	int (*commit)(void *priv, struct elfcore_ctx *ctx);
	/* Optional: called by elfcore_sink_close() before close when the sink was
	 * never committed (discard or mark the partial output). */
	int (*abort)(void *priv, struct elfcore_ctx *ctx);
	/* Optional: a new read-only file descriptor of what was written so far
	 * (the caller closes it), or a negative errno. */
	int (*open_read)(void *priv, struct elfcore_ctx *ctx);
};

/* Wrap a backend; ops must outlive the sink, priv belongs to it afterwards
 * (on failure too: ops->close is called). ctx must outlive the sink. */
ELFCORE_API int elfcore_sink_new(struct elfcore_ctx *ctx, const struct elfcore_sink_ops *ops,
				 void *priv, struct elfcore_sink **out);
/* Positioned write; returns the sticky error once one happened. */
ELFCORE_API int elfcore_sink_pwrite(struct elfcore_sink *sink, const void *buf, size_t len,
				    uint64_t offset);
ELFCORE_API int elfcore_sink_sync(struct elfcore_sink *sink);
/* Sync, then make the output final (ops->commit). Fails (and does nothing)
 * when an error is pending. After success, close no longer aborts. */
ELFCORE_API int elfcore_sink_commit(struct elfcore_sink *sink);
/* The first error seen (0 if none). */
ELFCORE_API int elfcore_sink_error(const struct elfcore_sink *sink);
/* Highest offset written + 1. */
ELFCORE_API uint64_t elfcore_sink_size(const struct elfcore_sink *sink);
/* Whether writes must be sequential (see elfcore_sink_ops.sequential). */
ELFCORE_API int elfcore_sink_sequential(const struct elfcore_sink *sink);
/* A new read-only descriptor of the output as written so far (file sinks:
 * the temporary file before commit), e.g. to checksum it while commit syncs
 * it; the caller closes it. -ENOTSUP with a message for other backends. */
ELFCORE_API int elfcore_sink_open_read(struct elfcore_sink *sink);
/* The context the sink reports into. */
ELFCORE_API struct elfcore_ctx *elfcore_sink_ctx(const struct elfcore_sink *sink);
/* Abort unless committed, close the backend; returns the sticky error, the
 * abort or the close error (0 when committed and closed cleanly). Frees sink.
 * NULL is allowed. */
ELFCORE_API int elfcore_sink_close(struct elfcore_sink *sink);

/* ---- File backend --------------------------------------------------------- */

/* Flags of elfcore_sink_open_file(). */
#define ELFCORE_SINK_REPLACE      0x1u  /* commit may replace an existing PATH */
#define ELFCORE_SINK_KEEP_PARTIAL 0x2u  /* abort renames the data to PATH.incomplete
					 * (synced) instead of deleting it */
#define ELFCORE_SINK_NO_SYNC      0x4u  /* no fsync (tests, scratch files) */
#define ELFCORE_SINK_DIRECT       0x8u  /* write PATH itself (created O_EXCL), no
					 * temporary name; abort leaves it in place */

/* Create a dump file: the data goes to a new temporary file "PATH.partXXXXXX"
 * (O_EXCL, mode 0600) in the same directory; elfcore_sink_commit() fsyncs it
 * and renames it to PATH, never replacing an existing file unless
 * ELFCORE_SINK_REPLACE, then fsyncs the directory. Fails with -EEXIST at once
 * when PATH exists (without ELFCORE_SINK_REPLACE). Writes are pwrite()s, so the
 * sink is not sequential. */
ELFCORE_API int elfcore_sink_open_file(struct elfcore_ctx *ctx, const char *path, unsigned flags,
				       struct elfcore_sink **out);

/* ---- Sequential fd backend ------------------------------------------------ */

/* A sequential sink over an open fd (a pipe, stdout, a socket): every write
 * must start where the previous one ended (offsets from 0), else -ESPIPE. The
 * fd stays the caller's (not closed). name is used in messages ("stdout"). */
ELFCORE_API int elfcore_sink_open_fd(struct elfcore_ctx *ctx, int fd, const char *name,
				     struct elfcore_sink **out);

/* ---- Flattened stream (makedumpfile -F) ----------------------------------- */

/* Turn positioned writes into makedumpfile flattened records written in order
 * to inner (a sequential sink, owned by the flat sink afterwards, closed with
 * it): the 4096-byte header ("makedumpfile", type 1, version 1, big-endian),
 * then {be64 offset, be64 size} + data per record, adjacent writes coalesced;
 * commit writes the end record {-1, -1} and commits inner. Closing without a
 * commit leaves the end marker out, so `makedumpfile -R` rejects the stream.
 * On failure inner is closed too. */
ELFCORE_API int elfcore_sink_flat_new(struct elfcore_ctx *ctx, struct elfcore_sink *inner,
				      struct elfcore_sink **out);

/* Rebuild a file from a flattened stream read sequentially from fd (a pipe
 * is fine), as `makedumpfile -R` does: each record's bytes are written at its
 * offset in out; later records win. Returns 0 once the end marker was read,
 * -EINVAL for a bad header or record, -EIO for a stream that ends before its
 * end marker (name is used in messages). *records (may be NULL) counts them.
 * Does not commit out. Memory use is bounded (records are copied in chunks). */
ELFCORE_API int elfcore_flat_replay(struct elfcore_ctx *ctx, int fd, const char *name,
				    struct elfcore_sink *out, uint64_t *records);

/* Flattened format constants (doc/formats.md). */
#define ELFCORE_FLAT_SIGNATURE   "makedumpfile"
#define ELFCORE_FLAT_HEADER_SIZE 4096
#define ELFCORE_FLAT_TYPE        1
#define ELFCORE_FLAT_VERSION     1

#endif
