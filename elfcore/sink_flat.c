/* The flattened-stream sink: positioned writes become makedumpfile flattened
 * records on a sequential inner sink (doc/formats.md, "Flattened format").
 *
 *   [4096-byte header: "makedumpfile\0..." be64 type=1, be64 version=1, zeros]
 *   [be64 offset][be64 size][size bytes]   ... one record per run of bytes
 *   [be64 -1][be64 -1]                     end marker, written by commit only
 *
 * Adjacent writes are coalesced in one buffer so a page-at-a-time writer does
 * not pay 16 bytes of record header per page descriptor.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ec_priv.h"
#include "elfcore/sink.h"

#define FLAT_BUF_SIZE (1u << 20)

struct flat_sink {
	struct elfcore_sink *inner;
	uint64_t pos;              /* next byte of the stream */
	uint64_t pend_off;         /* file offset of the buffered run */
	size_t pend_len;
	unsigned char *buf;
};

static int emit(struct flat_sink *f, const void *buf, size_t len)
{
	int ret = elfcore_sink_pwrite(f->inner, buf, len, f->pos);

	if (ret == 0)
		f->pos += len;
	return ret;
}

static int emit_record(struct flat_sink *f, uint64_t offset, const void *data, size_t len)
{
	uint64_t hdr[2] = { htobe64(offset), htobe64((uint64_t)len) };
	int ret = emit(f, hdr, sizeof(hdr));

	return ret ? ret : emit(f, data, len);
}

static int flush(struct flat_sink *f)
{
	int ret = 0;

	if (f->pend_len)
		ret = emit_record(f, f->pend_off, f->buf, f->pend_len);
	f->pend_len = 0;
	return ret;
}

static int flat_pwrite(void *priv, struct elfcore_ctx *ctx, const void *buf, size_t len,
		       uint64_t offset)
{
	struct flat_sink *f = priv;
	int ret;

	if (offset > INT64_MAX || len > INT64_MAX - offset)
		return ec_err(ctx, -EFBIG, "flattened stream: offset %llu too large",
			      (unsigned long long)offset);
	if (f->pend_len && offset == f->pend_off + f->pend_len &&
	    len <= FLAT_BUF_SIZE - f->pend_len) {
		memcpy(f->buf + f->pend_len, buf, len);
		f->pend_len += len;
		return 0;
	}
	ret = flush(f);
	if (ret)
		return ret;
	if (len >= FLAT_BUF_SIZE)
		return emit_record(f, offset, buf, len);
	memcpy(f->buf, buf, len);
	f->pend_off = offset;
	f->pend_len = len;
	return 0;
}

static int flat_sync(void *priv, struct elfcore_ctx *ctx)
{
	struct flat_sink *f = priv;
	int ret = flush(f);

	return ret ? ret : elfcore_sink_sync(f->inner);
}

static int flat_commit(void *priv, struct elfcore_ctx *ctx)
{
	struct flat_sink *f = priv;
	static const uint64_t end[2] = { UINT64_MAX, UINT64_MAX }; /* -1, -1 in any byte order */
	int ret = flush(f);

	if (!ret)
		ret = emit(f, end, sizeof(end));
	return ret ? ret : elfcore_sink_commit(f->inner);
}

static int flat_abort(void *priv, struct elfcore_ctx *ctx)
{
	struct flat_sink *f = priv;

	/* Hand over what we have (it helps whoever salvages the stream), no end marker. */
	if (!elfcore_sink_error(f->inner))
		(void)flush(f);
	return 0;
}

static int flat_close(void *priv, struct elfcore_ctx *ctx)
{
	struct flat_sink *f = priv;
	int ret = elfcore_sink_close(f->inner);

	free(f->buf);
	free(f);
	return ret;
}

static const struct elfcore_sink_ops flat_ops = {
	.pwrite = flat_pwrite,
	.sync = flat_sync,
	.close = flat_close,
	.commit = flat_commit,
	.abort = flat_abort,
	.sequential = 0, /* takes any offsets; the stream below is sequential */
};

int ec_sink_is_flat(const struct elfcore_sink *sink)
{
	return ec_sink_has_ops(sink, &flat_ops);
}

int elfcore_sink_flat_new(struct elfcore_ctx *ctx, struct elfcore_sink *inner,
			  struct elfcore_sink **out)
{
	unsigned char hdr[ELFCORE_FLAT_HEADER_SIZE];
	struct flat_sink *f;
	uint64_t v;
	int ret;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->buf = malloc(FLAT_BUF_SIZE))) {
		free(f);
		elfcore_sink_close(inner);
		return ec_err(ctx, -ENOMEM, "flattened stream: out of memory");
	}
	f->inner = inner;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, ELFCORE_FLAT_SIGNATURE, strlen(ELFCORE_FLAT_SIGNATURE));
	v = htobe64(ELFCORE_FLAT_TYPE);
	memcpy(hdr + 16, &v, 8);
	v = htobe64(ELFCORE_FLAT_VERSION);
	memcpy(hdr + 24, &v, 8);
	ret = emit(f, hdr, sizeof(hdr));
	if (ret < 0) {
		flat_close(f, ctx);
		return ret;
	}
	return elfcore_sink_new(ctx, &flat_ops, f, out);
}
