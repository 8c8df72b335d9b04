/* Per-page codecs behind one small interface (elfcore/codec.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "ec_priv.h"
#include "elfcore/codec.h"

/* Pages are at most this big; a larger max_len is a caller bug or a hostile
 * header, and would let one page drive a huge allocation. */
#define CODEC_MAX_LEN (1u << 24)

struct elfcore_codec_ctx {
	struct elfcore_ctx *ctx;
	enum elfcore_codec codec;
	int level;
	size_t max_len;
	uint8_t *scratch;          /* elfcore_codec_bound(max_len) bytes */
	size_t scratch_cap;
	/* zlib streams are written by libdeflate (a whole-buffer compressor,
	 * 2-3x faster than zlib's deflate on 4 KiB pages, and smaller at the
	 * same speed) and read by zlib's inflate. */
	struct libdeflate_compressor *zc;
	z_stream zd;               /* zlib inflate, reset per page */
	int zd_ready;
	ZSTD_CCtx *zstd_c;
	ZSTD_DCtx *zstd_d;
	void *lzo_wrk;             /* LZO1X_1_MEM_COMPRESS bytes */
};

static const char *const names[] = {
	[ELFCORE_CODEC_NONE] = "none",
	[ELFCORE_CODEC_ZLIB] = "zlib",
	[ELFCORE_CODEC_LZO] = "lzo",
	[ELFCORE_CODEC_ZSTD] = "zstd",
	[ELFCORE_CODEC_SNAPPY] = "snappy",
};

const char *elfcore_codec_name(enum elfcore_codec codec)
{
	if ((unsigned)codec < sizeof(names) / sizeof(names[0]) && names[codec])
		return names[codec];
	return "?";
}

int elfcore_codec_from_name(struct elfcore_ctx *ctx, const char *name, enum elfcore_codec *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i] && name && strcmp(name, names[i]) == 0) {
			*out = (enum elfcore_codec)i;
			return 0;
		}
	}
	return ec_err(ctx, -EINVAL, "unknown compression \"%s\" (none, zlib, lzo, zstd)",
		      name ? name : "");
}

int elfcore_codec_supported(enum elfcore_codec codec)
{
	return codec == ELFCORE_CODEC_NONE || codec == ELFCORE_CODEC_ZLIB ||
	       codec == ELFCORE_CODEC_LZO || codec == ELFCORE_CODEC_ZSTD;
}

size_t elfcore_codec_bound(enum elfcore_codec codec, size_t len)
{
	switch (codec) {
	case ELFCORE_CODEC_ZLIB: {
		size_t a = compressBound(len), b = libdeflate_zlib_compress_bound(NULL, len);

		return a > b ? a : b;
	}
	case ELFCORE_CODEC_LZO:
		/* The bound documented with lzo1x_1_compress. */
		return len + len / 16 + 64 + 3;
	case ELFCORE_CODEC_ZSTD:
		return ZSTD_compressBound(len);
	default:
		return len;
	}
}

enum elfcore_codec elfcore_codec_type(const struct elfcore_codec_ctx *cc)
{
	return cc->codec;
}

void elfcore_codec_free(struct elfcore_codec_ctx *cc)
{
	if (!cc)
		return;
	if (cc->zc)
		libdeflate_free_compressor(cc->zc);
	if (cc->zd_ready)
		inflateEnd(&cc->zd);
	ZSTD_freeCCtx(cc->zstd_c);
	ZSTD_freeDCtx(cc->zstd_d);
	free(cc->lzo_wrk);
	free(cc->scratch);
	free(cc);
}

static int setup_zlib(struct elfcore_codec_ctx *cc)
{
	cc->zc = libdeflate_alloc_compressor(cc->level);
	if (!cc->zc)
		return ec_err(cc->ctx, -ENOMEM, "zlib: cannot allocate a compressor");
	if (inflateInit(&cc->zd) != Z_OK)
		return ec_err(cc->ctx, -ENOMEM, "zlib: inflateInit failed");
	cc->zd_ready = 1;
	return 0;
}

static int setup_codec(struct elfcore_codec_ctx *cc)
{
	switch (cc->codec) {
	case ELFCORE_CODEC_ZLIB:
		return setup_zlib(cc);
	case ELFCORE_CODEC_LZO:
		/* lzo_init() only checks the library's configuration: safe to repeat. */
		if (lzo_init() != LZO_E_OK)
			return ec_err(cc->ctx, -EINVAL, "lzo: lzo_init failed");
		cc->lzo_wrk = malloc(LZO1X_1_MEM_COMPRESS);
		if (!cc->lzo_wrk)
			return ec_err(cc->ctx, -ENOMEM, "lzo: out of memory");
		return 0;
	case ELFCORE_CODEC_ZSTD:
		cc->zstd_c = ZSTD_createCCtx();
		cc->zstd_d = ZSTD_createDCtx();
		if (!cc->zstd_c || !cc->zstd_d)
			return ec_err(cc->ctx, -ENOMEM, "zstd: out of memory");
		return 0;
	default:
		return 0;
	}
}

int elfcore_codec_new(struct elfcore_ctx *ctx, enum elfcore_codec codec, int level,
		      size_t max_len, struct elfcore_codec_ctx **out)
{
	struct elfcore_codec_ctx *cc;
	int ret;

	*out = NULL;
	if (codec == ELFCORE_CODEC_SNAPPY)
		return ec_err(ctx, -ENOTSUP, "snappy compression is not supported");
	if (!elfcore_codec_supported(codec))
		return ec_err(ctx, -EINVAL, "unknown compression %d", (int)codec);
	if (max_len == 0 || max_len > CODEC_MAX_LEN)
		return ec_err(ctx, -EINVAL, "%s: page size %zu out of range", elfcore_codec_name(codec),
			      max_len);
	/* The fast default: libdeflate's level 2 makes zlib streams both
	 * smaller and about twice as fast as zlib's level 1 (makedumpfile's
	 * -c) on the pages of a dump; zstd 1 as makedumpfile. */
	if (level == 0)
		level = codec == ELFCORE_CODEC_ZLIB ? 2 : 1;
	if ((codec == ELFCORE_CODEC_ZLIB && (level < 1 || level > 9)) ||
	    (codec == ELFCORE_CODEC_ZSTD && (level < 1 || level > ZSTD_maxCLevel())))
		return ec_err(ctx, -EINVAL, "%s: compression level %d out of range",
			      elfcore_codec_name(codec), level);
	cc = calloc(1, sizeof(*cc));
	if (!cc)
		return ec_err(ctx, -ENOMEM, "codec: out of memory");
	cc->ctx = ctx;
	cc->codec = codec;
	cc->level = level;
	cc->max_len = max_len;
	cc->scratch_cap = elfcore_codec_bound(codec, max_len);
	cc->scratch = malloc(cc->scratch_cap);
	if (!cc->scratch) {
		ret = ec_err(ctx, -ENOMEM, "codec: out of memory");
		goto fail;
	}
	ret = setup_codec(cc);
	if (ret)
		goto fail;
	*out = cc;
	return 0;
fail:
	elfcore_codec_free(cc);
	return ret;
}

static int zlib_compress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			 size_t dst_cap, size_t *out_len)
{
	size_t n = libdeflate_zlib_compress(cc->zc, src, len, dst, dst_cap);

	if (n == 0)
		return -ENOSPC;
	*out_len = n;
	return 0;
}

static int zlib_decompress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			   size_t expected)
{
	z_stream *z = &cc->zd;
	int zr;

	if (inflateReset(z) != Z_OK)
		return ec_err(cc->ctx, -EIO, "zlib: inflateReset failed");
	z->next_in = (Bytef *)(uintptr_t)src;
	z->avail_in = (uInt)len;
	z->next_out = dst;
	z->avail_out = (uInt)expected;
	zr = inflate(z, Z_FINISH);
	if (zr == Z_STREAM_END) {
		if (z->total_out != expected)
			return ec_err(cc->ctx, -EINVAL, "zlib: data decompresses to %lu bytes, not %zu",
				      (unsigned long)z->total_out, expected);
		return 0;
	}
	if (zr == Z_BUF_ERROR && z->avail_out == 0)
		return ec_err(cc->ctx, -EINVAL, "zlib: data decompresses to more than %zu bytes",
			      expected);
	if (zr == Z_BUF_ERROR)
		return ec_err(cc->ctx, -EINVAL, "zlib: data truncated after %lu of %zu bytes",
			      (unsigned long)z->total_out, expected);
	return ec_err(cc->ctx, -EINVAL, "zlib: corrupt data (%s)", z->msg ? z->msg : "error");
}

static int lzo_compress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			size_t dst_cap, size_t *out_len)
{
	lzo_uint n = 0;
	void *out = dst;
	int r;

	/* lzo1x_1_compress does not check its output space: go through the
	 * scratch buffer unless dst is big enough for the worst case. */
	if (dst_cap < elfcore_codec_bound(ELFCORE_CODEC_LZO, len))
		out = cc->scratch;
	r = lzo1x_1_compress(src, len, out, &n, cc->lzo_wrk);
	if (r != LZO_E_OK)
		return ec_err(cc->ctx, -EIO, "lzo: compression failed (%d)", r);
	if (out != dst) {
		if (n > dst_cap)
			return -ENOSPC;
		memcpy(dst, out, n);
	}
	*out_len = n;
	return 0;
}

static int lzo_decompress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			  size_t expected)
{
	lzo_uint n = expected;
	int r = lzo1x_decompress_safe(src, len, dst, &n, NULL);

	if (r == LZO_E_OK && n == expected)
		return 0;
	if (r == LZO_E_OK)
		return ec_err(cc->ctx, -EINVAL, "lzo: data decompresses to %lu bytes, not %zu",
			      (unsigned long)n, expected);
	if (r == LZO_E_OUTPUT_OVERRUN)
		return ec_err(cc->ctx, -EINVAL, "lzo: data decompresses to more than %zu bytes",
			      expected);
	if (r == LZO_E_INPUT_OVERRUN)
		return ec_err(cc->ctx, -EINVAL, "lzo: data truncated");
	if (r == LZO_E_INPUT_NOT_CONSUMED)
		return ec_err(cc->ctx, -EINVAL, "lzo: trailing bytes after the compressed data");
	return ec_err(cc->ctx, -EINVAL, "lzo: corrupt data (%d)", r);
}

static int zstd_compress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			 size_t dst_cap, size_t *out_len)
{
	size_t n = ZSTD_compressCCtx(cc->zstd_c, dst, dst_cap, src, len, cc->level);

	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
			return -ENOSPC;
		return ec_err(cc->ctx, -EIO, "zstd: compression failed (%s)", ZSTD_getErrorName(n));
	}
	*out_len = n;
	return 0;
}

static int zstd_decompress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			   size_t expected)
{
	unsigned long long fsz = ZSTD_getFrameContentSize(src, len);
	size_t n;

	if (fsz == ZSTD_CONTENTSIZE_ERROR)
		return ec_err(cc->ctx, -EINVAL, "zstd: not a zstd frame");
	if (fsz != ZSTD_CONTENTSIZE_UNKNOWN && fsz != expected)
		return ec_err(cc->ctx, -EINVAL, "zstd: frame holds %llu bytes, not %zu", fsz, expected);
	n = ZSTD_decompressDCtx(cc->zstd_d, dst, expected, src, len);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
			return ec_err(cc->ctx, -EINVAL, "zstd: data decompresses to more than %zu bytes",
				      expected);
		return ec_err(cc->ctx, -EINVAL, "zstd: corrupt data (%s)", ZSTD_getErrorName(n));
	}
	if (n != expected)
		return ec_err(cc->ctx, -EINVAL, "zstd: data decompresses to %zu bytes, not %zu", n,
			      expected);
	return 0;
}

int elfcore_codec_compress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			   size_t dst_cap, size_t *out_len)
{
	if (len > cc->max_len)
		return ec_err(cc->ctx, -EINVAL, "%s: %zu bytes to compress, more than %zu",
			      elfcore_codec_name(cc->codec), len, cc->max_len);
	switch (cc->codec) {
	case ELFCORE_CODEC_ZLIB:
		return zlib_compress(cc, src, len, dst, dst_cap, out_len);
	case ELFCORE_CODEC_LZO:
		return lzo_compress(cc, src, len, dst, dst_cap, out_len);
	case ELFCORE_CODEC_ZSTD:
		return zstd_compress(cc, src, len, dst, dst_cap, out_len);
	default:
		if (len > dst_cap)
			return -ENOSPC;
		memcpy(dst, src, len);
		*out_len = len;
		return 0;
	}
}

int elfcore_codec_compress_page_into(struct elfcore_codec_ctx *cc, const void *src, size_t len,
				     void *dst, size_t dst_cap, size_t *out_len)
{
	size_t n = 0;
	int ret;

	*out_len = len;
	if (cc->codec == ELFCORE_CODEC_NONE || len == 0)
		return 0;
	/* Only a result smaller than len is worth keeping, so len - 1 bytes of
	 * room suffice; zlib and zstd stop early when it does not fit (lzo
	 * goes through the scratch buffer unless dst has its worst case). */
	if (dst_cap > len - 1 && cc->codec != ELFCORE_CODEC_LZO)
		dst_cap = len - 1;
	ret = elfcore_codec_compress(cc, src, len, dst, dst_cap, &n);
	if (ret == -ENOSPC)
		return 0;
	if (ret)
		return ret;
	if (n >= len)
		return 0;
	*out_len = n;
	return 1;
}

int elfcore_codec_compress_page(struct elfcore_codec_ctx *cc, const void *src, size_t len,
				const void **out, size_t *out_len)
{
	int ret = elfcore_codec_compress_page_into(cc, src, len, cc->scratch, cc->scratch_cap,
						   out_len);

	*out = ret == 1 ? (const void *)cc->scratch : src;
	if (ret != 1)
		*out_len = len;
	return ret;
}

int elfcore_codec_decompress(struct elfcore_codec_ctx *cc, const void *src, size_t len, void *dst,
			     size_t expected)
{
	if (expected > cc->max_len)
		return ec_err(cc->ctx, -EINVAL, "%s: %zu bytes expected, more than the page size %zu",
			      elfcore_codec_name(cc->codec), expected, cc->max_len);
	if (len > UINT_MAX)
		return ec_err(cc->ctx, -EINVAL, "%s: %zu compressed bytes for one page",
			      elfcore_codec_name(cc->codec), len);
	switch (cc->codec) {
	case ELFCORE_CODEC_ZLIB:
		return zlib_decompress(cc, src, len, dst, expected);
	case ELFCORE_CODEC_LZO:
		return lzo_decompress(cc, src, len, dst, expected);
	case ELFCORE_CODEC_ZSTD:
		return zstd_decompress(cc, src, len, dst, expected);
	default:
		if (len != expected)
			return ec_err(cc->ctx, -EINVAL, "raw page of %zu bytes, not %zu", len, expected);
		memcpy(dst, src, len);
		return 0;
	}
}
