/* Per-page compression codecs: zlib, lzo (lzo1x_1), zstd, none.
 *
 * The kdump-compressed format stores each page compressed on its own, or raw
 * when compressing did not make it smaller. A codec context holds the state a
 * codec reuses from page to page (zlib's z_stream reset with deflateReset(),
 * zstd's CCtx/DCtx, lzo's work memory, one scratch output page): creating it
 * per page costs several times the compression itself. A context is NOT
 * thread-safe: make one per thread (each with its own elfcore_ctx).
 *
 * Decompression is strict: the output must be exactly the expected size
 * (a page), otherwise -EINVAL with a message; corrupt input never writes past
 * the destination.
 */
#ifndef ELFCORE_CODEC_H
#define ELFCORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"

enum elfcore_codec {
	ELFCORE_CODEC_NONE = 0,
	ELFCORE_CODEC_ZLIB,         /* zlib stream (compress2/uncompress compatible) */
	ELFCORE_CODEC_LZO,          /* lzo1x_1 / lzo1x_decompress_safe */
	ELFCORE_CODEC_ZSTD,         /* one zstd frame */
	ELFCORE_CODEC_SNAPPY,       /* named so readers can say so; not supported */
};

struct elfcore_codec_ctx;

/* "none", "zlib", "lzo", "zstd", "snappy"; "?" for an unknown value. */
ELFCORE_API const char *elfcore_codec_name(enum elfcore_codec codec);
/* Parse a name as above; -EINVAL with a message when unknown. */
ELFCORE_API int elfcore_codec_from_name(struct elfcore_ctx *ctx, const char *name,
					enum elfcore_codec *out);
/* Whether this build can compress and decompress with codec (snappy: no). */
ELFCORE_API int elfcore_codec_supported(enum elfcore_codec codec);

/* Worst-case compressed size of len input bytes (>= len). */
ELFCORE_API size_t elfcore_codec_bound(enum elfcore_codec codec, size_t len);

/* A context for pages of up to max_len bytes (usually the page size).
 * level: 0 = the codec's fast default (zlib: 2, see codec.c; zstd 1, as makedumpfile);
 * otherwise zlib 1..9, zstd 1..19; ignored by lzo and none.
 * ctx receives the messages and must outlive the codec context.
 * Returns 0, -EINVAL (bad codec/level), -ENOTSUP (snappy) or -ENOMEM. */
ELFCORE_API int elfcore_codec_new(struct elfcore_ctx *ctx, enum elfcore_codec codec, int level,
				  size_t max_len, struct elfcore_codec_ctx **out);
ELFCORE_API void elfcore_codec_free(struct elfcore_codec_ctx *cc);
ELFCORE_API enum elfcore_codec elfcore_codec_type(const struct elfcore_codec_ctx *cc);

/* Compress len (<= max_len) bytes of src into dst (dst_cap bytes). On success
 * *out_len is the compressed size. -ENOSPC when it does not fit in dst_cap
 * (give elfcore_codec_bound() bytes to be sure); other errors negative errno.
 * With ELFCORE_CODEC_NONE this copies. */
ELFCORE_API int elfcore_codec_compress(struct elfcore_codec_ctx *cc, const void *src, size_t len,
				       void *dst, size_t dst_cap, size_t *out_len);

/* The "raw when not smaller" decision of the kdump-compressed format, in one
 * call: compress src into the context's scratch buffer. Returns 1 when the
 * compressed form is strictly smaller than len: *out points to it (owned by
 * cc, valid until the next call on cc) and *out_len is its size. Returns 0
 * when the page should be stored raw: *out = src, *out_len = len. Negative
 * errno on a codec failure. With ELFCORE_CODEC_NONE it always returns 0. */
ELFCORE_API int elfcore_codec_compress_page(struct elfcore_codec_ctx *cc, const void *src,
					    size_t len, const void **out, size_t *out_len);

/* The same, compressing into dst (dst_cap bytes; give at least len - 1, or
 * elfcore_codec_bound() for lzo to avoid a copy): returns 1 with the
 * compressed form in dst when it is smaller than len, 0 when the page should
 * be stored raw (dst's content is then undefined), negative errno. */
ELFCORE_API int elfcore_codec_compress_page_into(struct elfcore_codec_ctx *cc, const void *src,
						 size_t len, void *dst, size_t dst_cap,
						 size_t *out_len);

/* Decompress len bytes of src into dst, which must come out exactly
 * expected bytes (<= max_len). -EINVAL with a message when the input is
 * corrupt, or decompresses to more or fewer bytes than expected. */
ELFCORE_API int elfcore_codec_decompress(struct elfcore_codec_ctx *cc, const void *src, size_t len,
					 void *dst, size_t expected);

#endif
