/* Dump writers: the part common to every format (elfcore/include/elfcore/writer.h):
 * options, the two passes and their checks, page encoders, the data buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "diskdump_priv.h"
#include "elfcore/pagefilter.h"
#include "elfcore/vmcoreinfo.h"
#include "writer_priv.h"

int ec_writer_fail(struct elfcore_writer *w, int err)
{
	if (!w->error) {
		w->error = err;
		snprintf(w->msg, sizeof(w->msg), "%s", elfcore_ctx_error(w->ctx));
		if (!w->msg[0])
			snprintf(w->msg, sizeof(w->msg), "writer: %s", strerror(-err));
	}
	return err;
}

static int replay(struct elfcore_writer *w)
{
	return ec_err(w->ctx, w->error, "%s", w->msg);
}

int ec_writer_pwrite(struct elfcore_writer *w, const void *buf, size_t len, uint64_t off)
{
	int ret = elfcore_sink_pwrite(w->sink, buf, len, off);

	return ret < 0 ? ec_writer_fail(w, ret) : 0;
}

static int dbuf_flush(struct elfcore_writer *w)
{
	int ret = 0;

	if (w->dbuf_len)
		ret = ec_writer_pwrite(w, w->dbuf, w->dbuf_len, w->dbuf_off);
	w->dbuf_len = 0;
	return ret;
}

/* Copy into the data buffer, which collects one contiguous run. */
static int buffer_data(struct elfcore_writer *w, const void *buf, size_t len, uint64_t off)
{
	int ret;

	if (w->dbuf_len && off == w->dbuf_off + w->dbuf_len && len <= EC_WBUF_SIZE - w->dbuf_len) {
		memcpy(w->dbuf + w->dbuf_len, buf, len);
		w->dbuf_len += len;
		return 0;
	}
	ret = dbuf_flush(w);
	if (ret)
		return ret;
	if (len > EC_WBUF_SIZE)
		return ec_writer_pwrite(w, buf, len, off);
	memcpy(w->dbuf, buf, len);
	w->dbuf_off = off;
	w->dbuf_len = len;
	return 0;
}

/* The held run goes out: a long one straight from the caller's memory, a
 * short one into the data buffer, so that batches that compress well still
 * make large writes (an SSH sink sends each write as requests of its own). */
static int held_run_out(struct elfcore_writer *w)
{
	size_t len = w->run_len;
	int ret;

	w->run_len = 0;
	if (!len)
		return 0;
	if (len < EC_HELD_MIN)
		return buffer_data(w, w->run, len, w->run_off);
	ret = dbuf_flush(w);
	return ret ? ret : ec_writer_pwrite(w, w->run, len, w->run_off);
}

int ec_writer_data_flush(struct elfcore_writer *w)
{
	int ret = held_run_out(w);

	return ret ? ret : dbuf_flush(w);
}

/* ec_writer_data() while the caller holds its memory: no copy. */
static int held_data(struct elfcore_writer *w, const void *buf, size_t len, uint64_t off)
{
	int ret;

	if (w->run_len && (const unsigned char *)buf == w->run + w->run_len &&
	    off == w->run_off + w->run_len) {
		w->run_len += len;
		return 0;
	}
	ret = held_run_out(w);
	w->run = buf;
	w->run_len = len;
	w->run_off = off;
	return ret;
}

int ec_writer_data(struct elfcore_writer *w, const void *buf, size_t len, uint64_t off)
{
	return w->hold ? held_data(w, buf, len, off) : buffer_data(w, buf, len, off);
}

/* ---- Notes ----------------------------------------------------------------- */

#define NOTE_ALIGN(x) (((x) + 3) & ~(size_t)3)

/* Walk the ELF notes (untrusted): find VMCOREINFO and count NT_PRSTATUS. */
static int scan_notes(struct elfcore_writer *w)
{
	struct ec_cursor c;
	int ret = 0;

	ec_cursor_init(&c, w->ctx, "ELF notes", w->o.notes, w->o.notes_size);
	while (ec_cursor_left(&c) >= 12) {
		uint32_t namesz, descsz, type;
		const void *name, *desc;
		size_t desc_off;

		if ((ret = ec_cursor_u32le(&c, &namesz)) || (ret = ec_cursor_u32le(&c, &descsz)) ||
		    (ret = ec_cursor_u32le(&c, &type)) ||
		    (ret = ec_cursor_ref(&c, &name, namesz)) || (ret = ec_cursor_align(&c, 4)))
			break;
		desc_off = c.pos;
		if ((ret = ec_cursor_ref(&c, &desc, descsz)))
			break;
		if (c.pos < c.size && (ret = ec_cursor_align(&c, 4)))
			break;
		if (namesz >= 4 && !memcmp(name, "CORE", 4) && type == 1 /* NT_PRSTATUS */)
			w->nr_prstatus++;
		if (namesz >= 10 && !memcmp(name, "VMCOREINFO", 10) && !w->have_vmcoreinfo) {
			w->have_vmcoreinfo = 1;
			w->vmcoreinfo_off = desc_off;
			w->vmcoreinfo_size = descsz;
		}
	}
	if (ret)
		return ec_writer_fail(w, elfcore_ctx_prefix(w->ctx, ret, "writer"));
	return 0;
}

/* Defaults for the kdump header from VMCOREINFO; a bad VMCOREINFO is copied
 * as it is, only the defaults stay empty. */
static void read_vmcoreinfo(struct elfcore_writer *w)
{
	struct elfcore_vmcoreinfo *vi = NULL;
	const char *rel;
	uint64_t t;

	if (!w->have_vmcoreinfo)
		return;
	if (elfcore_vmcoreinfo_parse(w->ctx, (const char *)w->o.notes + w->vmcoreinfo_off,
				     w->vmcoreinfo_size, &vi) < 0) {
		elfcore_ctx_clear(w->ctx);
		return;
	}
	if (elfcore_vmcoreinfo_string(NULL, vi, "OSRELEASE", &rel) == 0)
		snprintf(w->osrelease, sizeof(w->osrelease), "%s", rel);
	if (elfcore_vmcoreinfo_u64(NULL, vi, "CRASHTIME", &t) == 0 && t <= INT64_MAX)
		w->crashtime = (int64_t)t;
	elfcore_vmcoreinfo_free(vi);
}

/* ---- Life cycle ------------------------------------------------------------ */

int elfcore_writer_new(struct elfcore_sink *sink, const struct elfcore_writer_opts *opts,
		       struct elfcore_writer **out)
{
	struct elfcore_ctx *ctx = elfcore_sink_ctx(sink);
	struct elfcore_writer *w;
	enum elfcore_codec codec;
	size_t i;
	int ret;

	*out = NULL;
	if (!opts || opts->size < sizeof(*opts))
		return ec_err(ctx, -EINVAL, "writer: options of an unknown size");
	if (elfcore_sink_sequential(sink))
		return ec_err(ctx, -EINVAL, "writer: the output is a stream: wrap it in a flat sink");
	w = calloc(1, sizeof(*w));
	if (!w)
		return ec_err(ctx, -ENOMEM, "writer: out of memory");
	w->sink = sink;
	w->ctx = ctx;
	w->o = *opts;
	w->o.ranges = NULL;
	w->o.notes = NULL;
	w->page_size = opts->page_size ? opts->page_size : 4096;
	switch (opts->format) {
	case ELFCORE_FORMAT_KDUMP:
	case ELFCORE_FORMAT_FLAT:
		w->ops = &ec_writer_kdump_ops;
		codec = opts->codec;
		break;
	case ELFCORE_FORMAT_ELF:
		w->ops = &ec_writer_elf_ops;
		codec = ELFCORE_CODEC_NONE;
		break;
	default:
		ret = ec_err(ctx, -EINVAL, "writer: unknown output format %d", (int)opts->format);
		goto fail;
	}
	if (w->page_size < 512 || (w->page_size & (w->page_size - 1)) || w->page_size > (1u << 20)) {
		ret = ec_err(ctx, -EINVAL, "writer: page size %u is not a power of two in 512..1M",
			     w->page_size);
		goto fail;
	}
	if (opts->max_pfn == 0 || opts->max_pfn > (UINT64_MAX >> 1) / w->page_size) {
		ret = ec_err(ctx, -EINVAL, "writer: max_pfn %llu out of range",
			     (unsigned long long)opts->max_pfn);
		goto fail;
	}
	if (opts->nr_ranges) {
		struct elfcore_mem_range *r = calloc(opts->nr_ranges, sizeof(*r));

		if (!r) {
			ret = ec_err(ctx, -ENOMEM, "writer: out of memory");
			goto fail;
		}
		memcpy(r, opts->ranges, opts->nr_ranges * sizeof(*r));
		w->o.ranges = r;
		for (i = 0; i < opts->nr_ranges; i++) {
			if (r[i].size == 0 || r[i].paddr + r[i].size < r[i].paddr ||
			    (i && r[i].paddr < r[i - 1].paddr + r[i - 1].size)) {
				ret = ec_err(ctx, -EINVAL,
					     "writer: memory range %zu (0x%llx+0x%llx) empty, "
					     "unsorted or overlapping", i,
					     (unsigned long long)r[i].paddr,
					     (unsigned long long)r[i].size);
				goto fail;
			}
		}
	}
	if (opts->notes_size) {
		void *n = malloc(opts->notes_size);

		if (!n || !opts->notes) {
			free(n);
			ret = ec_err(ctx, n ? -EINVAL : -ENOMEM, "writer: notes: %s",
				     n ? "size without data" : "out of memory");
			goto fail;
		}
		memcpy(n, opts->notes, opts->notes_size);
		w->o.notes = n;
		if ((ret = scan_notes(w)) < 0)
			goto fail;
		read_vmcoreinfo(w);
	}
	w->dbuf = malloc(EC_WBUF_SIZE);
	if (!w->dbuf) {
		ret = ec_err(ctx, -ENOMEM, "writer: out of memory");
		goto fail;
	}
	if ((ret = elfcore_page_encoder_new(ctx, codec, opts->level, w->page_size, &w->enc)) < 0)
		goto fail;
	if (w->ops->init && (ret = w->ops->init(w)) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	w->error = 0; /* nothing written: freeing must not flush */
	w->phase = EC_W_FINISHED;
	elfcore_writer_free(w);
	return ret;
}

/* Check a cycle's bounds; returns the count of dumped pages in it. */
static int check_cycle(struct elfcore_writer *w, uint64_t expect_start, uint64_t start, uint64_t n,
		       const uint8_t *bits, uint64_t *count)
{
	uint64_t i, nbytes = (n + 7) / 8, c = 0;

	if (start != expect_start)
		return ec_err(w->ctx, -EINVAL, "writer: cycle starts at pfn %llu, expected %llu",
			      (unsigned long long)start, (unsigned long long)expect_start);
	if (n == 0 || n > w->o.max_pfn - start)
		return ec_err(w->ctx, -EINVAL, "writer: cycle [%llu, +%llu) past max_pfn %llu",
			      (unsigned long long)start, (unsigned long long)n,
			      (unsigned long long)w->o.max_pfn);
	if (n % 8 && start + n != w->o.max_pfn)
		return ec_err(w->ctx, -EINVAL, "writer: cycle [%llu, +%llu) does not end on a "
			      "multiple of 8 pfns", (unsigned long long)start, (unsigned long long)n);
	if (!bits)
		return ec_err(w->ctx, -EINVAL, "writer: cycle without a bitmap");
	for (i = 0; i + 1 < nbytes; i++)
		c += (uint64_t)__builtin_popcount(bits[i]);
	c += (uint64_t)__builtin_popcount(bits[nbytes - 1] & (0xffu >> (nbytes * 8 - n)));
	*count = c;
	return 0;
}

int elfcore_writer_plan(struct elfcore_writer *w, uint64_t start, uint64_t n, const uint8_t *bits)
{
	uint64_t count;
	int ret;

	if (w->error)
		return replay(w);
	if (w->phase != EC_W_PLAN)
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL, "writer: plan() after the write began"));
	ret = check_cycle(w, w->plan_next, start, n, bits, &count);
	if (!ret)
		ret = w->ops->plan(w, start, n, bits);
	if (ret)
		return ec_writer_fail(w, ret);
	w->st.planned += count;
	w->plan_next = start + n;
	return 0;
}

/* The previous cycle must have received all its pages. */
static int close_cycle(struct elfcore_writer *w)
{
	if (w->cyc_done != w->cyc_expected)
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL,
			"writer: cycle at pfn %llu: %llu of its %llu pages were written",
			(unsigned long long)w->cyc_start, (unsigned long long)w->cyc_done,
			(unsigned long long)w->cyc_expected));
	return 0;
}

int elfcore_writer_begin_cycle(struct elfcore_writer *w, uint64_t start, uint64_t n,
			       const uint8_t *bits)
{
	uint64_t count;
	int ret;

	if (w->error)
		return replay(w);
	if (w->phase == EC_W_PLAN) {
		if (w->plan_next != w->o.max_pfn)
			return ec_writer_fail(w, ec_err(w->ctx, -EINVAL,
				"writer: the plan covers pfns up to %llu, not max_pfn %llu",
				(unsigned long long)w->plan_next, (unsigned long long)w->o.max_pfn));
		w->phase = EC_W_WRITE;
		if ((ret = w->ops->begin(w)) < 0)
			return ec_writer_fail(w, ret);
	} else if (w->phase != EC_W_WRITE || (ret = close_cycle(w)) < 0) {
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL, "writer: begin_cycle() after finish()"));
	}
	if ((ret = check_cycle(w, w->write_next, start, n, bits, &count)) < 0)
		return ec_writer_fail(w, ret);
	w->cyc_start = start;
	w->cyc_n = n;
	w->cyc_bits = bits;
	w->cyc_expected = count;
	w->cyc_done = 0;
	w->write_next = start + n;
	if ((ret = w->ops->cycle(w, start, n, bits)) < 0)
		return ec_writer_fail(w, ret);
	return 0;
}

static int accept_pfn(struct elfcore_writer *w, uint64_t pfn)
{
	if (w->phase != EC_W_WRITE)
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL, "writer: page %llu outside a cycle",
						(unsigned long long)pfn));
	if (pfn < w->next_pfn)
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL,
			"writer: page %llu after page %llu: pages must come in ascending order",
			(unsigned long long)pfn, (unsigned long long)(w->next_pfn - 1)));
	if (pfn < w->cyc_start || pfn - w->cyc_start >= w->cyc_n ||
	    !ec_bit(w->cyc_bits, pfn - w->cyc_start))
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL,
			"writer: page %llu is not a dumped page of the current cycle",
			(unsigned long long)pfn));
	w->next_pfn = pfn + 1;
	w->cyc_done++;
	return 0;
}

int elfcore_writer_write_encoded(struct elfcore_writer *w, const struct elfcore_encoded_page *p)
{
	int ret;

	if (w->error)
		return replay(w);
	if ((ret = accept_pfn(w, p->pfn)) < 0)
		return ret;
	if (!p->zero && (!p->data || p->size == 0 || p->size > w->page_size ||
			 (p->codec == ELFCORE_CODEC_NONE && p->size != w->page_size)))
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL,
			"writer: page %llu: %u bytes of %s data for a %u-byte page",
			(unsigned long long)p->pfn, p->size, elfcore_codec_name(p->codec),
			w->page_size));
	if ((ret = w->ops->page(w, p)) < 0)
		return ec_writer_fail(w, ret);
	w->st.written++;
	if (p->zero)
		w->st.zero++;
	else if (p->codec == ELFCORE_CODEC_NONE)
		w->st.raw++;
	else
		w->st.compressed++;
	return 0;
}

int elfcore_writer_hold_begin(struct elfcore_writer *w)
{
	if (w->error)
		return replay(w);
	/* A flattened stream keeps the copies: its records stay the data
	 * buffer's runs, the same whatever batches the caller makes. */
	if (!ec_sink_is_flat(w->sink))
		w->hold = 1;
	return 0;
}

int elfcore_writer_hold_end(struct elfcore_writer *w)
{
	int ret = w->hold ? held_run_out(w) : 0;

	w->hold = 0;
	if (!ret && w->error)
		ret = replay(w);
	return ret;
}

int elfcore_writer_write_page(struct elfcore_writer *w, uint64_t pfn, const void *page)
{
	struct elfcore_encoded_page p;
	int ret;

	if (w->error)
		return replay(w);
	if ((ret = elfcore_page_encode(w->enc, pfn, page, &p)) < 0)
		return ec_writer_fail(w, ret);
	return elfcore_writer_write_encoded(w, &p);
}

int elfcore_writer_drop_page(struct elfcore_writer *w, uint64_t pfn)
{
	int ret;

	if (w->error)
		return replay(w);
	if ((ret = accept_pfn(w, pfn)) < 0)
		return ret;
	if ((ret = w->ops->drop(w, pfn)) < 0)
		return ec_writer_fail(w, ret);
	w->st.dropped++;
	return 0;
}

int elfcore_writer_finish(struct elfcore_writer *w)
{
	int ret;

	if (w->error)
		goto failed;
	if (w->phase == EC_W_PLAN) {
		ec_writer_fail(w, ec_err(w->ctx, -EINVAL, "writer: finish() before any cycle"));
		return replay(w);
	}
	if (w->phase != EC_W_WRITE)
		return ec_writer_fail(w, ec_err(w->ctx, -EINVAL, "writer: finish() called twice"));
	if ((ret = close_cycle(w)) < 0)
		goto failed;
	if (w->write_next != w->o.max_pfn) {
		ec_writer_fail(w, ec_err(w->ctx, -EINVAL,
			"writer: cycles end at pfn %llu, before max_pfn %llu",
			(unsigned long long)w->write_next, (unsigned long long)w->o.max_pfn));
		goto failed;
	}
	if (w->st.written + w->st.dropped != w->st.planned) {
		ec_writer_fail(w, ec_err(w->ctx, -EINVAL,
			"writer: %llu pages written, %llu planned: the two passes disagree",
			(unsigned long long)(w->st.written + w->st.dropped),
			(unsigned long long)w->st.planned));
		goto failed;
	}
	if ((ret = w->ops->flush(w, 1)) < 0) {
		ec_writer_fail(w, ret);
		goto failed;
	}
	w->phase = EC_W_FINISHED;
	return 0;
failed:
	/* Keep what was written readable; the header keeps its incomplete mark. */
	if (w->phase == EC_W_WRITE) {
		w->phase = EC_W_FINISHED;
		w->ops->flush(w, 0);
	}
	return replay(w);
}

void elfcore_writer_free(struct elfcore_writer *w)
{
	if (!w)
		return;
	if (w->phase == EC_W_WRITE) {
		if (!w->error)
			ec_writer_fail(w, ec_err(w->ctx, -ECANCELED, "writer: stopped before the end"));
		w->ops->flush(w, 0);
	}
	if (w->ops && w->ops->free)
		w->ops->free(w);
	elfcore_page_encoder_free(w->enc);
	free(w->dbuf);
	free((void *)w->o.ranges);
	free((void *)w->o.notes);
	free(w);
}

void elfcore_writer_stats(const struct elfcore_writer *w, struct elfcore_writer_stats *st)
{
	*st = w->st;
	st->bytes = elfcore_sink_size(w->sink);
}

/* ---- Page encoders ---------------------------------------------------------- */

struct elfcore_page_encoder {
	struct elfcore_codec_ctx *cc;       /* NULL for NONE */
	enum elfcore_codec codec;
	uint32_t page_size;
	uint8_t *buf;                       /* elfcore_page_encode()'s output */
	size_t buf_size;
};

int elfcore_kdump_codec_flag(enum elfcore_codec codec)
{
	switch (codec) {
	case ELFCORE_CODEC_NONE: return 0;
	case ELFCORE_CODEC_ZLIB: return DUMP_DH_COMPRESSED_ZLIB;
	case ELFCORE_CODEC_LZO: return DUMP_DH_COMPRESSED_LZO;
	case ELFCORE_CODEC_SNAPPY: return DUMP_DH_COMPRESSED_SNAPPY;
	case ELFCORE_CODEC_ZSTD: return DUMP_DH_COMPRESSED_ZSTD;
	}
	return -1;
}

int elfcore_page_encoder_new(struct elfcore_ctx *ctx, enum elfcore_codec codec, int level,
			     uint32_t page_size, struct elfcore_page_encoder **out)
{
	struct elfcore_page_encoder *enc;
	int ret = 0;

	*out = NULL;
	if (elfcore_kdump_codec_flag(codec) < 0 || !elfcore_codec_supported(codec))
		return ec_err(ctx, -ENOTSUP, "writer: codec %s is not supported",
			      elfcore_codec_name(codec));
	enc = calloc(1, sizeof(*enc));
	if (!enc)
		return ec_err(ctx, -ENOMEM, "writer: out of memory");
	enc->codec = codec;
	enc->page_size = page_size;
	if (codec != ELFCORE_CODEC_NONE) {
		enc->buf_size = elfcore_page_encode_bound(codec, page_size);
		enc->buf = malloc(enc->buf_size);
		ret = enc->buf ? elfcore_codec_new(ctx, codec, level, page_size, &enc->cc) :
				 ec_err(ctx, -ENOMEM, "writer: out of memory");
	}
	if (ret < 0) {
		free(enc->buf);
		free(enc);
		return ret;
	}
	*out = enc;
	return 0;
}

void elfcore_page_encoder_free(struct elfcore_page_encoder *enc)
{
	if (!enc)
		return;
	elfcore_codec_free(enc->cc);
	free(enc->buf);
	free(enc);
}

int elfcore_page_encode_into(struct elfcore_page_encoder *enc, uint64_t pfn, const void *page,
			     void *dst, size_t dst_cap, struct elfcore_encoded_page *out)
{
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	out->pfn = pfn;
	if (elfcore_page_is_zero(page, enc->page_size)) {
		out->zero = 1;
		return 0;
	}
	out->data = page;
	out->size = enc->page_size;
	if (!enc->cc)
		return 0;
	ret = elfcore_codec_compress_page_into(enc->cc, page, enc->page_size, dst, dst_cap, &len);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		out->data = dst;
		out->size = (uint32_t)len;
		out->codec = enc->codec;
	}
	return 0;
}

int elfcore_page_encode(struct elfcore_page_encoder *enc, uint64_t pfn, const void *page,
			struct elfcore_encoded_page *out)
{
	if (!enc->cc)
		return elfcore_page_encode_into(enc, pfn, page, NULL, 0, out);
	return elfcore_page_encode_into(enc, pfn, page, enc->buf, enc->buf_size, out);
}

size_t elfcore_page_encode_bound(enum elfcore_codec codec, uint32_t page_size)
{
	/* lzo needs room for its worst case to compress in place; the others
	 * stop at page_size - 1 (a page is stored compressed only when smaller). */
	return codec == ELFCORE_CODEC_LZO ? elfcore_codec_bound(codec, page_size) : page_size;
}
