/* Unit tests for the dump writers: the kdump layout field by field, zero page
 * sharing, raw-when-not-smaller, dropped pages, the incomplete mark after
 * ENOSPC or an early stop, misuse checks, ELF segment splitting, and encoded
 * pages giving the same bytes as write_page(). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>

#include "elfcore/dump.h"

#include "elfcore/sink.h"
#include "elfcore/writer.h"

#define PS 4096u

#include "unit_ctx.h"
#include "mem_sink.h"

static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Page contents: 0 zero, 1 compressible, 2 random (incompressible). */
static void fill(uint64_t pfn, unsigned char *page)
{
	uint64_t x = pfn * 0x9E3779B97F4A7C15ull + 1;
	unsigned i;

	switch (pfn % 3) {
	case 0: memset(page, 0, PS); break;
	case 1: memset(page, (int)pfn, PS); break;
	default:
		for (i = 0; i < PS; i += 8) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			memcpy(page + i, &x, 8);
		}
	}
}

struct run {
	struct mem m;
	struct elfcore_sink *sink;
	struct elfcore_writer *w;
	enum elfcore_codec w_codec;    /* the encoder's, for write_all(ENCODED, HELD) */
	unsigned cycle;                /* pfns a cycle of write_all(), at most MAX_CYCLE */
};

#define MAX_CYCLE 512u

static void start(struct run *r, struct elfcore_writer_opts *o, size_t limit)
{
	memset(r, 0, sizeof(*r));
	r->m.limit = limit ? limit : (64u << 20);
	r->w_codec = o->format == ELFCORE_FORMAT_ELF ? ELFCORE_CODEC_NONE : o->codec;
	r->cycle = 64;
	o->size = sizeof(*o);
	assert_int_equal(elfcore_sink_new(ctx, &mem_ops, &r->m, &r->sink), 0);
	assert_int_equal(elfcore_writer_new(r->sink, o, &r->w), 0);
}

static void stop(struct run *r)
{
	elfcore_writer_free(r->w);
	elfcore_sink_close(r->sink);
	free(r->m.data);
}

enum { BY_PAGE, ENCODED, HELD };

/* A cycle's pages encoded into one buffer, packed, then written without
 * copies (elfcore_writer_hold_begin/end), as kdump-capture's batches. */
static int write_held(struct run *r, struct elfcore_page_encoder *enc, uint64_t s, uint64_t n,
		      const uint8_t *bits)
{
	static unsigned char page[PS], pack[MAX_CYCLE * (PS + 128)];
	struct elfcore_encoded_page ep[MAX_CYCLE];
	size_t used = 0;
	unsigned k = 0;
	int ret, end;

	for (uint64_t pfn = s; pfn < s + n; pfn++) {
		if (!((bits[pfn / 8] >> (pfn % 8)) & 1))
			continue;
		fill(pfn, page);
		assert_int_equal(elfcore_page_encode_into(enc, pfn, page, pack + used, PS + 128,
							  &ep[k]), 0);
		if (!ep[k].zero && ep[k].data == page)
			memcpy(pack + used, page, ep[k].size);
		ep[k].data = pack + used;
		used += ep[k].size;
		k++;
	}
	ret = elfcore_writer_hold_begin(r->w);
	for (unsigned i = 0; i < k && !ret; i++)
		ret = elfcore_writer_write_encoded(r->w, &ep[i]);
	end = elfcore_writer_hold_end(r->w);
	memset(pack, 0xee, used);   /* the writer must be done with it */
	return ret ? ret : end;
}

/* Dump every pfn whose bit is set in bits (one cycle per r->cycle pfns). */
static int write_all(struct run *r, uint64_t max_pfn, const uint8_t *bits, int encoded)
{
	const uint64_t cyc = r->cycle;
	static unsigned char page[PS];
	struct elfcore_page_encoder *enc = NULL;
	struct elfcore_encoded_page ep;
	uint64_t s, pfn;
	int ret = 0;

	for (s = 0; s < max_pfn; s += cyc)
		if ((ret = elfcore_writer_plan(r->w, s, max_pfn - s < cyc ? max_pfn - s : cyc,
					       bits + s / 8)) < 0)
			return ret;
	if (encoded)
		assert_int_equal(elfcore_page_encoder_new(ctx, r->w_codec, 0, PS, &enc), 0);
	for (s = 0; s < max_pfn && !ret; s += cyc) {
		uint64_t n = max_pfn - s < cyc ? max_pfn - s : cyc;

		if ((ret = elfcore_writer_begin_cycle(r->w, s, n, bits + s / 8)) < 0)
			break;
		if (encoded == HELD) {
			ret = write_held(r, enc, s, n, bits);
			continue;
		}
		for (pfn = s; pfn < s + n && !ret; pfn++) {
			if (!((bits[pfn / 8] >> (pfn % 8)) & 1))
				continue;
			fill(pfn, page);
			if (encoded) {
				assert_int_equal(elfcore_page_encode(enc, pfn, page, &ep), 0);
				ret = elfcore_writer_write_encoded(r->w, &ep);
			} else {
				ret = elfcore_writer_write_page(r->w, pfn, page);
			}
		}
	}
	elfcore_page_encoder_free(enc);
	return ret ? ret : elfcore_writer_finish(r->w);
}

static const char notes_vmcoreinfo[] =
	"\x0b\0\0\0\x1f\0\0\0\0\0\0\0VMCOREINFO\0\0OSRELEASE=6.1.0-t\nCRASHTIME=77\n";

static void test_kdump_layout(void **state)
{
	struct elfcore_writer_opts o = { .format = ELFCORE_FORMAT_KDUMP, .codec = ELFCORE_CODEC_ZLIB,
					 .max_pfn = 100, .notes = notes_vmcoreinfo,
					 .notes_size = sizeof(notes_vmcoreinfo) - 1, .dump_level = 31 };
	struct elfcore_mem_range range = { 10 * PS, 0, 80 * PS };
	struct elfcore_writer_stats st;
	struct elfcore_codec_ctx *cc;
	uint8_t bits[13] = { 0 };
	unsigned char page[PS], out[PS];
	const unsigned char *d, *pd;
	uint64_t pfn, idx = 0, zero_off = 0, bm;
	struct run r;

	o.ranges = &range;
	o.nr_ranges = 1;
	for (pfn = 10; pfn < 90; pfn++)
		if (pfn % 4)
			bits[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	start(&r, &o, 0);
	assert_int_equal(write_all(&r, 100, bits, 0), 0);
	elfcore_writer_stats(r.w, &st);
	assert_int_equal(st.planned, 60);
	assert_int_equal(st.written, 60);
	assert_int_equal(st.zero + st.raw + st.compressed, 60);
	{
		uint64_t z = 0, raw = 0;

		for (pfn = 10; pfn < 90; pfn++)
			if (pfn % 4) {
				z += pfn % 3 == 0;
				raw += pfn % 3 == 2;
			}
		assert_int_equal(st.zero, z);
		assert_int_equal(st.raw, raw);
	}
	d = r.m.data;
	assert_memory_equal(d, "KDUMP   ", 8);
	assert_int_equal(get32(d + 8), 6);
	assert_string_equal((const char *)d + 12, "Linux");
	assert_string_equal((const char *)d + 12 + 2 * 65, "6.1.0-t");
	assert_int_equal(get64(d + 408), 77);
	assert_int_equal(get32(d + 424), 0x1);            /* zlib, not incomplete */
	assert_int_equal(get32(d + 428), PS);
	assert_int_equal(get32(d + 432), 1);              /* sub header + notes: 1 block */
	assert_int_equal(get32(d + 436), 2);              /* two 1-block bitmaps */
	assert_int_equal(get32(d + 440), 100);
	/* Sub header: dump level, VMCOREINFO inside the copied notes, max_mapnr_64. */
	assert_int_equal(get32(d + PS + 8), 31);
	assert_int_equal(get64(d + PS + 48), PS + 104);
	assert_int_equal(get64(d + PS + 32), PS + 104 + 24);
	assert_int_equal(get64(d + PS + 40), 31);
	assert_memory_equal(d + get64(d + PS + 32), "OSRELEASE=6.1.0-t\n", 18);
	assert_int_equal(get64(d + PS + 96), 100);
	/* Bitmaps: the first has the range [10, 90), the second the dumped pages. */
	bm = 2 * PS;
	for (pfn = 0; pfn < 100; pfn++) {
		assert_int_equal((d[bm + pfn / 8] >> (pfn % 8)) & 1, pfn >= 10 && pfn < 90);
		assert_int_equal((d[bm + PS + pfn / 8] >> (pfn % 8)) & 1,
				 pfn >= 10 && pfn < 90 && pfn % 4);
	}
	/* Page descriptors in pfn order, zero pages sharing one stored page. */
	assert_int_equal(elfcore_codec_new(ctx, ELFCORE_CODEC_ZLIB, 0, PS, &cc), 0);
	for (pfn = 10; pfn < 90; pfn++) {
		if (!(pfn % 4))
			continue;
		pd = d + 4 * PS + 24 * idx++;
		fill(pfn, page);
		if (pfn % 3 == 0) {
			if (!zero_off)
				zero_off = get64(pd);
			assert_int_equal(get64(pd), zero_off);
			assert_int_equal(get32(pd + 12), 0);
		} else if (pfn % 3 == 2) {
			assert_int_equal(get32(pd + 8), PS);      /* raw: not smaller */
			assert_int_equal(get32(pd + 12), 0);
		} else {
			assert_int_equal(get32(pd + 12), 0x1);
			assert_true(get32(pd + 8) < PS);
		}
		if (get32(pd + 12))
			assert_int_equal(elfcore_codec_decompress(cc, d + get64(pd), get32(pd + 8),
								  out, PS), 0);
		else
			memcpy(out, d + get64(pd), PS);
		assert_memory_equal(out, page, PS);
	}
	assert_true(zero_off >= 4 * PS + 24 * 60);         /* data after the descs */
	elfcore_codec_free(cc);
	stop(&r);
}

/* A dump of the pfns set in bits written in mode, cycles of cycle pfns. */
static void dump_in(struct run *r, struct elfcore_writer_opts *o, const uint8_t *bits, int mode,
		    unsigned cycle)
{
	start(r, o, 0);
	r->cycle = cycle;
	assert_int_equal(write_all(r, o->max_pfn, bits, mode), 0);
}

static void assert_same_dump(const struct run *a, const struct run *b)
{
	assert_int_equal(a->m.size, b->m.size);
	assert_memory_equal(a->m.data, b->m.data, a->m.size);
}

/* Page by page, encoded elsewhere, or encoded and written without copies
 * (held): the same bytes, kdump (zlib, lzo, level 1 with its shared zero
 * page) and ELF (zero pages as holes). Held, the data goes out in runs, and
 * before hold_end() returns (write_held() overwrites it then). */
static void test_encoded_identical(void **state)
{
	struct elfcore_writer_opts opts[] = {
		{ .format = ELFCORE_FORMAT_KDUMP, .codec = ELFCORE_CODEC_ZLIB, .max_pfn = 300 },
		{ .format = ELFCORE_FORMAT_KDUMP, .codec = ELFCORE_CODEC_LZO, .max_pfn = 300,
		  .dump_level = 1 },
		{ .format = ELFCORE_FORMAT_ELF, .max_pfn = 300 },
	};
	uint8_t bits[38];
	struct run a, b, c;

	memset(bits, 0xa7, sizeof(bits));
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		dump_in(&a, &opts[i], bits, BY_PAGE, 64);
		dump_in(&b, &opts[i], bits, ENCODED, 64);
		dump_in(&c, &opts[i], bits, HELD, 64);
		assert_same_dump(&a, &b);
		assert_same_dump(&a, &c);
		/* 188 pages in 5 cycles: held, runs of them, not a write a page */
		if (opts[i].format == ELFCORE_FORMAT_KDUMP)
			assert_true(c.m.writes < 188 / 4);
		stop(&a);
		stop(&b);
		stop(&c);
	}
}

/* Held runs long enough to be written straight from the caller's memory
 * (raw pages, 512-pfn cycles: ~340 pages, 1.3 MiB a run) and short ones
 * copied (lzo), in one dump: the same bytes as page by page. */
static void test_held_long_runs(void **state)
{
	struct elfcore_writer_opts o = { .format = ELFCORE_FORMAT_KDUMP, .codec = ELFCORE_CODEC_NONE,
					 .max_pfn = 2048 };
	uint8_t bits[256];
	struct run a, c;

	memset(bits, 0xff, sizeof(bits));
	for (int lzo = 0; lzo <= 1; lzo++) {
		o.codec = lzo ? ELFCORE_CODEC_LZO : ELFCORE_CODEC_NONE;
		dump_in(&a, &o, bits, BY_PAGE, MAX_CYCLE);
		dump_in(&c, &o, bits, HELD, MAX_CYCLE);
		assert_same_dump(&a, &c);
		if (!lzo)    /* the runs went out whole, not through the 1 MiB buffer */
			assert_true(c.m.max_write > (1u << 20));
		stop(&a);
		stop(&c);
	}
}

static void test_enospc_incomplete(void **state)
{
	struct elfcore_writer_opts o = { .format = ELFCORE_FORMAT_KDUMP, .codec = ELFCORE_CODEC_NONE,
					 .max_pfn = 4096 };
	uint8_t bits[512];
	struct run r;
	int ret;

	memset(bits, 0xff, sizeof(bits));
	for (int mode = BY_PAGE; mode <= HELD; mode++) {
		start(&r, &o, 3u << 20); /* room for ~700 of the 4096 pages */
		ret = write_all(&r, 4096, bits, mode);
		assert_int_equal(ret, -ENOSPC);
		assert_non_null(strstr(elfcore_ctx_error(ctx), "No space left"));
		assert_int_equal(elfcore_writer_finish(r.w), -ENOSPC);
		assert_int_equal(get32(r.m.data + 424) & 0x8, 0x8);  /* INCOMPLETE stays */
		stop(&r);
	}
}

static void test_early_stop(void **state)
{
	struct elfcore_writer_opts o = { .format = ELFCORE_FORMAT_KDUMP, .codec = ELFCORE_CODEC_NONE,
					 .max_pfn = 64 };
	uint8_t bits[8];
	unsigned char page[PS];
	struct run r;
	uint64_t pfn;

	memset(bits, 0xff, sizeof(bits));
	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_begin_cycle(r.w, 0, 64, bits), 0);
	for (pfn = 0; pfn < 10; pfn++) {
		fill(pfn | 2, page); /* never zero */
		assert_int_equal(elfcore_writer_write_page(r.w, pfn, page), 0);
	}
	elfcore_writer_free(r.w);   /* gives up: flushes the 10 pages, mark stays */
	r.w = NULL;
	assert_int_equal(get32(r.m.data + 424) & 0x8, 0x8);
	/* The 10th descriptor is on disk, the 11th is not. */
	assert_int_not_equal(get64(r.m.data + 4 * PS + 24 * 9), 0);
	assert_int_equal(get64(r.m.data + 4 * PS + 24 * 10), 0);
	stop(&r);
}

static void test_drop(void **state)
{
	struct elfcore_writer_opts o = { .format = ELFCORE_FORMAT_KDUMP, .max_pfn = 16 };
	uint8_t bits[2] = { 0xff, 0xff };
	unsigned char page[PS];
	struct elfcore_writer_stats st;
	struct run r;
	uint64_t pfn;

	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 0, 16, bits), 0);
	assert_int_equal(elfcore_writer_begin_cycle(r.w, 0, 16, bits), 0);
	for (pfn = 0; pfn < 16; pfn++) {
		fill(pfn, page);
		if (pfn == 3 || pfn == 5 || pfn == 12)
			assert_int_equal(elfcore_writer_drop_page(r.w, pfn), 0);
		else
			assert_int_equal(elfcore_writer_write_page(r.w, pfn, page), 0);
	}
	assert_int_equal(elfcore_writer_finish(r.w), 0);
	elfcore_writer_stats(r.w, &st);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.written, 13);
	assert_int_equal(r.m.data[3 * PS], 0xd7);          /* bitmap 2, pfns 0-7 without 3, 5 */
	assert_int_equal(r.m.data[3 * PS + 1], 0xef);      /* pfns 8-15 without 12 */
	assert_int_equal(r.m.data[2 * PS], 0xff);          /* bitmap 1 untouched */
	stop(&r);
}

static void test_misuse(void **state)
{
	struct elfcore_writer_opts o = { .format = ELFCORE_FORMAT_KDUMP, .max_pfn = 64 };
	uint8_t bits[8] = { 0x0f };
	unsigned char page[PS] = { 1 };
	struct run r;

	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 8, 56, bits), -EINVAL);  /* not from 0 */
	stop(&r);

	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 0, 12, bits), -EINVAL);  /* not a multiple of 8 */
	assert_non_null(strstr(elfcore_ctx_error(ctx), "multiple of 8"));
	stop(&r);

	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_begin_cycle(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_write_page(r.w, 1, page), 0);
	assert_int_equal(elfcore_writer_write_page(r.w, 0, page), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "ascending"));
	/* Sticky: the next call fails the same way. */
	assert_int_equal(elfcore_writer_write_page(r.w, 2, page), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "ascending"));
	stop(&r);

	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_begin_cycle(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_write_page(r.w, 7, page), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "not a dumped page"));
	stop(&r);

	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_begin_cycle(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_write_page(r.w, 0, page), 0);
	assert_int_equal(elfcore_writer_finish(r.w), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "1 of its 4 pages"));
	assert_int_equal(get32(r.m.data + 424) & 0x8, 0x8);
	stop(&r);

	/* ELF takes no compressed page; a sequential sink is refused. */
	o.format = ELFCORE_FORMAT_ELF;
	start(&r, &o, 0);
	assert_int_equal(elfcore_writer_plan(r.w, 0, 64, bits), 0);
	assert_int_equal(elfcore_writer_begin_cycle(r.w, 0, 64, bits), 0);
	{
		struct elfcore_encoded_page ep = { .pfn = 0, .data = page, .size = 10,
						   .codec = ELFCORE_CODEC_ZLIB };

		assert_int_equal(elfcore_writer_write_encoded(r.w, &ep), -EINVAL);
	}
	stop(&r);
	{
		static const struct elfcore_sink_ops seq = { .pwrite = mem_pwrite, .close = mem_close,
							     .sequential = 1 };
		struct mem m = { .limit = 100 };
		struct elfcore_sink *s;
		struct elfcore_writer *w;

		assert_int_equal(elfcore_sink_new(ctx, &seq, &m, &s), 0);
		assert_int_equal(elfcore_writer_new(s, &o, &w), -EINVAL);
		assert_non_null(strstr(elfcore_ctx_error(ctx), "flat sink"));
		elfcore_sink_close(s);
	}
}

static void test_elf_segments(void **state)
{
	/* Two ranges; the second ends mid-page. Dumped: all but [20, 23) (short
	 * gap: zeros inside) and [30, 40) (long gap with min_gap 5: split). */
	struct elfcore_mem_range ranges[] = {
		{ 0, 0xffff880000000000ull, 50 * PS },
		{ 60 * PS, 0, 9 * PS + 100 },
	};
	struct elfcore_writer_opts o = { .format = ELFCORE_FORMAT_ELF, .max_pfn = 80,
					 .ranges = ranges, .nr_ranges = 2, .elf_min_gap = 5,
					 .notes = notes_vmcoreinfo,
					 .notes_size = sizeof(notes_vmcoreinfo) - 1 };
	uint8_t bits[10] = { 0 };
	const unsigned char *d, *ph;
	unsigned char page[PS];
	struct elfcore_writer_stats st;
	struct run r;
	uint64_t pfn;

	for (pfn = 0; pfn < 70; pfn++)
		if (pfn < 50 ? !(pfn >= 20 && pfn < 23) && !(pfn >= 30 && pfn < 40) : pfn >= 60)
			bits[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	start(&r, &o, 0);
	assert_int_equal(write_all(&r, 80, bits, 0), 0);
	elfcore_writer_stats(r.w, &st);
	assert_int_equal(st.segments, 3);
	d = r.m.data;
	assert_memory_equal(d, "\x7f" "ELF\x02\x01\x01", 7);
	assert_int_equal(get32(d + 48), 0);                 /* not incomplete */
	assert_int_equal(d[56], 4);                          /* PT_NOTE + 3 PT_LOAD */
	ph = d + 64;
	assert_int_equal(get32(ph), 4);
	assert_memory_equal(d + get64(ph + 8) + 12, "VMCOREINFO", 10);
	ph += 56;                                            /* [0, 30) with zeros at 20..22 */
	assert_int_equal(get32(ph), 1);
	assert_int_equal(get64(ph + 24), 0);
	assert_int_equal(get64(ph + 16), 0xffff880000000000ull);
	assert_int_equal(get64(ph + 32), 30 * PS);
	fill(19, page);
	assert_memory_equal(d + get64(ph + 8) + 19 * PS, page, PS);
	memset(page, 0, PS);
	assert_memory_equal(d + get64(ph + 8) + 21 * PS, page, PS);
	fill(29, page);
	assert_memory_equal(d + get64(ph + 8) + 29 * PS, page, PS);
	ph += 56;                                            /* [40, 50) */
	assert_int_equal(get64(ph + 24), 40 * PS);
	assert_int_equal(get64(ph + 16), 0xffff880000000000ull + 40 * PS);
	assert_int_equal(get64(ph + 32), 10 * PS);
	ph += 56;                                            /* [60, 69) + 100 bytes, no vaddr */
	assert_int_equal(get64(ph + 24), 60 * PS);
	assert_int_equal(get64(ph + 16), 0);
	assert_int_equal(get64(ph + 32), 9 * PS + 100);
	assert_int_equal(get64(ph + 40), 9 * PS + 100);
	fill(69, page);
	assert_memory_equal(d + get64(ph + 8) + 9 * PS, page, 100);
	assert_true(r.m.size >= get64(ph + 8) + 9 * PS + 100);
	stop(&r);
}

/* Over 65535 program headers: PN_XNUM with the count in section 0, read back
 * by our reader. All pages are zero, so the 280 MB file is holes. */
static void test_elf_xnum(void **state)
{
	struct elfcore_writer_opts o = { .size = sizeof(o), .format = ELFCORE_FORMAT_ELF,
					 .max_pfn = 140000, .elf_min_gap = 1 };
	static uint8_t bits[140000 / 8];
	static unsigned char page[PS];
	char path[] = "/tmp/test_writer_xnum.XXXXXX";
	struct elfcore_sink *sink;
	struct elfcore_writer *w;
	struct elfcore_dump *d;
	unsigned char h[64], sh[64];
	uint32_t n;
	uint64_t s, pfn;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	memset(bits, 0x55, sizeof(bits));           /* every even pfn: 70000 segments */
	assert_int_equal(elfcore_sink_open_file(ctx, path, ELFCORE_SINK_NO_SYNC | ELFCORE_SINK_DIRECT,
						&sink), 0);
	assert_int_equal(elfcore_writer_new(sink, &o, &w), 0);
	for (s = 0; s < o.max_pfn; s += 8192)
		assert_int_equal(elfcore_writer_plan(w, s, o.max_pfn - s < 8192 ? o.max_pfn - s : 8192,
						     bits + s / 8), 0);
	for (s = 0; s < o.max_pfn; s += 8192) {
		uint64_t cn = o.max_pfn - s < 8192 ? o.max_pfn - s : 8192;

		assert_int_equal(elfcore_writer_begin_cycle(w, s, cn, bits + s / 8), 0);
		for (pfn = s; pfn < s + cn; pfn += 2)
			assert_int_equal(elfcore_writer_write_page(w, pfn, page), 0);
	}
	assert_int_equal(elfcore_writer_finish(w), 0);
	elfcore_writer_free(w);
	assert_int_equal(elfcore_sink_close(sink), 0);

	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, h, 64, 0), 64);
	assert_int_equal(h[56] | h[57] << 8, 0xffff);
	assert_int_equal(pread(fd, sh, 64, (off_t)get64(h + 40)), 64);
	memcpy(&n, sh + 44, 4);
	assert_int_equal(n, 70001);
	close(fd);
	assert_int_equal(elfcore_dump_open(ctx, path, &d), 0);
	assert_int_equal(elfcore_dump_next_pfn(d, 139997, &pfn), 0);
	assert_int_equal(pfn, 139998);
	assert_int_equal(elfcore_dump_read_page(d, 139998, page), 0);
	assert_int_equal(elfcore_dump_read_page(d, 139999, page), -ENOENT);
	elfcore_dump_close(d);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdump_layout),
		cmocka_unit_test(test_encoded_identical),
		cmocka_unit_test(test_held_long_runs),
		cmocka_unit_test(test_enospc_incomplete),
		cmocka_unit_test(test_early_stop),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_elf_segments),
		cmocka_unit_test(test_elf_xnum),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
