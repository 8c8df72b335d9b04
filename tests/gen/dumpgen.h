/* Synthetic dumps with known contents, written struct by struct, independent
 * of elfcore's writers (and of its codec: the compressors are called directly);
 * only the ELF header and notes come from elfcore/corehdr.h, the one ELF header
 * serializer, which tests/unit/test_corehdr.c checks against libelf.
 *
 * The "machine" has npages pfns of page_size bytes:
 *   RAM   pfns 1 .. npages/2 (the last one only 3/4 covered: a partial page)
 *         and npages/2+3 .. npages-1; pfn 0 and the gap are not RAM
 *   excluded (as by a dump level): pfn % 5 == 4, except the partial page and
 *         the last 3 pfns
 *   zero pages: pfn % 7 == 3, and the last two pfns (an ELF dump stores them
 *         as p_filesz < p_memsz, as makedumpfile -E does)
 *   others: pfn % 3 == 1 incompressible noise, else compressible text; the
 *         first 8 bytes of a non-zero page hold its pfn
 * VMCOREINFO and two NT_PRSTATUS notes (CPU 1 runs pid 1234: the panicking
 * one) are known too (GEN_* below).
 */
#ifndef DUMPGEN_H
#define DUMPGEN_H

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "diskdump_priv.h"
#include "elfcore/corehdr.h"

#define GEN_UNUSED __attribute__((unused))

#define GEN_RELEASE    "6.1.0-gen-amd64"
#define GEN_VERSION    "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-gen"
#define GEN_NODENAME   "genhost"
#define GEN_CRASHTIME  1764070000
#define GEN_KASLR      "1a000000"
#define GEN_PANIC_PID  1234
#define GEN_PANIC_RIP  0xffffffff81234567ull
#define GEN_DUMP_LEVEL 31

enum gen_format { GEN_ELF, GEN_KDUMP };
enum gen_codec { GEN_NONE, GEN_ZLIB, GEN_LZO, GEN_ZSTD };

struct gen_opts {
	enum gen_format format;
	enum gen_codec codec;
	uint32_t page_size;
	uint64_t npages;
	int header_version;       /* kdump: 1..6 */
	int flat;                 /* write a flattened stream */
	int incomplete;           /* kdump: INCOMPLETE flag, second half of the pages lost */
	int nsplit;               /* kdump: > 1 writes a --split set of that many files */
	int split_empty_last;     /* the last part holds no pfns (makedumpfile does that) */
};

struct gen_buf {
	uint8_t *data;
	size_t size, cap;
};

static GEN_UNUSED void gen_opts_default(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = GEN_KDUMP;
	o->codec = GEN_ZLIB;
	o->page_size = 4096;
	o->npages = 64;
	o->header_version = 6;
}

/* ---- The truth. ---- */

static GEN_UNUSED int gen_is_ram(const struct gen_opts *o, uint64_t pfn)
{
	uint64_t half = o->npages / 2;

	return (pfn >= 1 && pfn <= half) || (pfn >= half + 3 && pfn < o->npages);
}

static GEN_UNUSED int gen_is_partial(const struct gen_opts *o, uint64_t pfn)
{
	return pfn == o->npages / 2;
}

static GEN_UNUSED int gen_is_dumped(const struct gen_opts *o, uint64_t pfn)
{
	if (!gen_is_ram(o, pfn))
		return 0;
	return !(pfn % 5 == 4 && !gen_is_partial(o, pfn) && pfn < o->npages - 3);
}

static GEN_UNUSED int gen_is_zero(const struct gen_opts *o, uint64_t pfn)
{
	return pfn % 7 == 3 || pfn >= o->npages - 2;
}

static GEN_UNUSED void gen_page(const struct gen_opts *o, uint64_t pfn, uint8_t *buf)
{
	size_t ps = o->page_size;

	memset(buf, 0, ps);
	if (gen_is_zero(o, pfn))
		return;
	if (pfn % 3 == 1) {
		uint64_t x = pfn * 0x9e3779b97f4a7c15ull + 1;

		for (size_t i = 0; i < ps; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)(x >> 24);
		}
	} else {
		for (size_t i = 0; i < ps; i += 32)
			snprintf((char *)buf + i, ps - i < 32 ? ps - i : 32, "pfn %06llx line %04zx kdump\n",
				 (unsigned long long)pfn, i / 32);
	}
	memcpy(buf, &pfn, 8);
	if (gen_is_partial(o, pfn))
		memset(buf + ps * 3 / 4, 0, ps - ps * 3 / 4);
}

/* ---- Byte buffers. ---- */

static GEN_UNUSED void gen_reserve(struct gen_buf *b, size_t size)
{
	if (size > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < size)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data) {
			perror("gen");
			exit(2);
		}
		memset(b->data + b->cap, 0, cap - b->cap);
		b->cap = cap;
	}
	if (size > b->size)
		b->size = size;
}

static GEN_UNUSED void gen_put(struct gen_buf *b, size_t off, const void *p, size_t n)
{
	gen_reserve(b, off + n);
	memcpy(b->data + off, p, n);
}

static GEN_UNUSED void gen_u16(struct gen_buf *b, size_t off, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	gen_put(b, off, x, 2);
}

static GEN_UNUSED void gen_u32(struct gen_buf *b, size_t off, uint32_t v)
{
	uint8_t x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	gen_put(b, off, x, 4);
}

static GEN_UNUSED void gen_u64(struct gen_buf *b, size_t off, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	gen_put(b, off, x, 8);
}

static GEN_UNUSED void gen_be64(struct gen_buf *b, size_t off, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	gen_put(b, off, x, 8);
}

static GEN_UNUSED void gen_free(struct gen_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* ---- Notes. ---- */

static GEN_UNUSED size_t gen_vmcoreinfo(const struct gen_opts *o, char *out, size_t cap)
{
	return (size_t)snprintf(out, cap,
		"OSRELEASE=%s\n"
		"BUILD-ID=0123456789abcdef\n"
		"PAGESIZE=%u\n"
		"SYMBOL(init_uts_ns)=ffffffff82a13e40\n"
		"OFFSET(uts_namespace.name)=0\n"
		"SYMBOL(swapper_pg_dir)=ffffffff82a0c000\n"
		"SIZE(page)=64\n"
		"NUMBER(pgtable_l5_enabled)=1\n"
		"NUMBER(phys_base)=16777216\n"
		"KERNELOFFSET=%s\n"
		"CRASHTIME=%d\n",
		GEN_RELEASE, o->page_size, GEN_KASLR, GEN_CRASHTIME);
}

static GEN_UNUSED void gen_note(struct gen_buf *b, const char *name, uint32_t type,
				const void *desc, size_t descsz)
{
	size_t at = b->size, size = elfcore_note_size(name, descsz);

	gen_reserve(b, at + size);
	elfcore_note_put(b->data + at, size, name, type, desc, descsz);
}

/* NT_PRSTATUS for two CPUs (CPU 0 idle, CPU 1 pid GEN_PANIC_PID), then VMCOREINFO. */
static GEN_UNUSED void gen_notes(const struct gen_opts *o, struct gen_buf *b)
{
	char vi[1024];
	size_t vlen = gen_vmcoreinfo(o, vi, sizeof(vi));

	for (uint32_t cpu = 0; cpu < 2; cpu++) {
		struct gen_buf pr = { 0 };

		gen_reserve(&pr, 336);
		gen_u16(&pr, 12, cpu ? 9 : 0);                 /* pr_cursig */
		gen_u32(&pr, 32, cpu ? GEN_PANIC_PID : 0);     /* pr_pid */
		for (int r = 0; r < 27; r++)
			gen_u64(&pr, 112 + 8 * (size_t)r, 0x1000ull * (cpu + 1) + (uint64_t)r);
		if (cpu)
			gen_u64(&pr, 112 + 16 * 8, GEN_PANIC_RIP);   /* rip */
		gen_note(b, "CORE", NT_PRSTATUS, pr.data, 336);
		gen_free(&pr);
	}
	gen_note(b, "VMCOREINFO", 0, vi, vlen);
}

/* ---- ELF (like /proc/vmcore after makedumpfile -E). ---- */

struct gen_load {
	uint64_t paddr, vaddr, memsz, filesz, offset;
};

static GEN_UNUSED void gen_elf(const struct gen_opts *o, struct gen_buf *out)
{
	uint64_t ps = o->page_size, n = o->npages;
	struct gen_load *ld = calloc(n + 2, sizeof(*ld));
	struct gen_buf notes = { 0 };
	uint8_t *page = malloc(ps);
	size_t nld = 0, phnum, off;

	/* The kernel text mapping first, as kexec-tools does: pfns 2-3 again. */
	ld[nld++] = (struct gen_load){ 2 * ps, 0xffffffff81000000ull, 2 * ps, 2 * ps, 0 };
	for (uint64_t pfn = 0; pfn < n;) {
		uint64_t end;

		if (!gen_is_dumped(o, pfn)) {
			pfn++;
			continue;
		}
		for (end = pfn; end < n && gen_is_dumped(o, end) && !(end > pfn && gen_is_partial(o, end - 1)); end++)
			;
		ld[nld].paddr = pfn * ps;
		ld[nld].vaddr = 0xffff888000000000ull + pfn * ps;
		ld[nld].memsz = (end - pfn) * ps;
		if (gen_is_partial(o, end - 1))
			ld[nld].memsz -= ps / 4;
		ld[nld].filesz = ld[nld].memsz;
		if (end == n)
			ld[nld].filesz -= 2 * ps;        /* zero tail, not in the file */
		nld++;
		pfn = end;
	}
	gen_notes(o, &notes);
	phnum = 1 + nld;
	off = (size_t)elfcore_corehdr_size(phnum);
	gen_put(out, off, notes.data, notes.size);
	off = (off + notes.size + ps - 1) / ps * ps;
	for (size_t i = 0; i < nld; i++) {
		ld[i].offset = off;
		for (uint64_t a = 0; a < ld[i].filesz; a += ps) {
			uint64_t len = ld[i].filesz - a < ps ? ld[i].filesz - a : ps;

			gen_page(o, (ld[i].paddr + a) / ps, page);
			gen_put(out, off + a, page, len);
		}
		off += ld[i].filesz;
	}
	/* The ELF header and program headers, through elfcore's one serializer
	 * (itself checked against libelf by tests/unit/test_corehdr.c). */
	{
		struct elfcore_corehdr h = { .size = sizeof(h), .machine = EM_X86_64, .phnum = phnum };
		Elf64_Phdr *ph = calloc(phnum, sizeof(*ph));
		size_t hsize = (size_t)elfcore_corehdr_size(phnum);
		uint8_t *hdr = malloc(hsize);

		if (!ph || !hdr)
			abort();
		ph[0].p_type = PT_NOTE;
		ph[0].p_offset = hsize;
		ph[0].p_filesz = ph[0].p_memsz = notes.size;
		for (size_t i = 0; i < nld; i++) {
			ph[1 + i].p_type = PT_LOAD;
			ph[1 + i].p_flags = PF_R | PF_W | PF_X;
			ph[1 + i].p_offset = ld[i].offset;
			ph[1 + i].p_vaddr = ld[i].vaddr;
			ph[1 + i].p_paddr = ld[i].paddr;
			ph[1 + i].p_filesz = ld[i].filesz;
			ph[1 + i].p_memsz = ld[i].memsz;
		}
		if (elfcore_corehdr_build(NULL, &h, ph, hdr, hsize))
			abort();
		gen_put(out, 0, hdr, hsize);
		free(hdr);
		free(ph);
	}
	gen_free(&notes);
	free(page);
	free(ld);
}

/* ---- kdump-compressed. ---- */

/* Compress into out; returns the size, or 0 to store the page raw. */
static GEN_UNUSED size_t gen_compress(const struct gen_opts *o, const uint8_t *in, uint8_t *out,
				      size_t cap, uint32_t *flag)
{
	size_t ps = o->page_size, n = 0;

	switch (o->codec) {
	case GEN_ZLIB: {
		uLongf zn = cap;

		if (compress2(out, &zn, in, ps, 1) == Z_OK)
			n = zn;
		*flag = DUMP_DH_COMPRESSED_ZLIB;
		break;
	}
	case GEN_LZO: {
		static uint8_t wrk[LZO1X_1_MEM_COMPRESS];
		lzo_uint ln = 0;

		lzo_init();
		if (lzo1x_1_compress(in, ps, out, &ln, wrk) == LZO_E_OK)
			n = ln;
		*flag = DUMP_DH_COMPRESSED_LZO;
		break;
	}
	case GEN_ZSTD: {
		size_t r = ZSTD_compress(out, cap, in, ps, 1);

		if (!ZSTD_isError(r))
			n = r;
		*flag = DUMP_DH_COMPRESSED_ZSTD;
		break;
	}
	default:
		*flag = 0;
		return 0;
	}
	return n && n < ps ? n : 0;
}

static GEN_UNUSED uint32_t gen_status_flag(enum gen_codec c)
{
	return c == GEN_ZLIB ? DUMP_DH_COMPRESSED_ZLIB : c == GEN_LZO ? DUMP_DH_COMPRESSED_LZO :
	       c == GEN_ZSTD ? DUMP_DH_COMPRESSED_ZSTD : 0;
}

/* One kdump file holding the dumped pfns of [start, end); split when nsplit > 1. */
static GEN_UNUSED void gen_kdump_file(const struct gen_opts *o, uint64_t start, uint64_t end,
				      struct gen_buf *out)
{
	uint64_t ps = o->page_size, n = o->npages, bs = ps;
	struct gen_buf notes = { 0 };
	char vi[1024];
	size_t vlen = gen_vmcoreinfo(o, vi, sizeof(vi));
	uint64_t bitmap_len = (n + 7) / 8, bitmap_blocks = 2 * ((bitmap_len + bs - 1) / bs);
	uint64_t sub_len, sub_blocks, bitmap_off, desc_off, data_off, ndumped = 0, idx = 0;
	uint64_t zero_off = 0, lost_from = UINT64_MAX;
	uint8_t *page = malloc(ps), *cbuf = malloc(2 * ps + 1024);
	int v = o->header_version;
	const char *uts[6] = { "Linux", GEN_NODENAME, GEN_RELEASE, GEN_VERSION, "x86_64", "(none)" };

	gen_notes(o, &notes);
	sub_len = SH_SIZE + vlen + notes.size;
	sub_blocks = (sub_len + bs - 1) / bs;
	bitmap_off = (1 + sub_blocks) * bs;
	desc_off = bitmap_off + bitmap_blocks * bs;
	for (uint64_t pfn = start; pfn < end; pfn++)
		ndumped += gen_is_dumped(o, pfn);
	data_off = desc_off + ndumped * PD_ENTRY_SIZE;
	if (o->incomplete)
		lost_from = ndumped / 2;

	/* disk_dump_header */
	gen_put(out, DH_SIGNATURE, KDUMP_SIGNATURE, KDUMP_SIG_LEN);
	gen_u32(out, DH_HEADER_VERSION, (uint32_t)v);
	for (int i = 0; i < 6; i++)
		gen_put(out, DH_UTSNAME + (size_t)i * KDUMP_UTS_LEN, uts[i], strlen(uts[i]));
	gen_u64(out, DH_TV_SEC, GEN_CRASHTIME);
	gen_u32(out, DH_STATUS, gen_status_flag(o->codec) |
		(o->incomplete ? DUMP_DH_COMPRESSED_INCOMPLETE : 0));
	gen_u32(out, DH_BLOCK_SIZE, (uint32_t)bs);
	gen_u32(out, DH_SUB_HDR_SIZE, (uint32_t)sub_blocks);
	gen_u32(out, DH_BITMAP_BLOCKS, (uint32_t)bitmap_blocks);
	gen_u32(out, DH_MAX_MAPNR, (uint32_t)n);
	gen_u32(out, DH_NR_CPUS, 2);

	/* kdump_sub_header, VMCOREINFO and notes after it */
	gen_u64(out, bs + SH_PHYS_BASE, 0x1000000);
	gen_u32(out, bs + SH_DUMP_LEVEL, GEN_DUMP_LEVEL);
	if (v >= 2 && o->nsplit > 1) {
		gen_u32(out, bs + SH_SPLIT, 1);
		gen_u64(out, bs + SH_START_PFN, start);
		gen_u64(out, bs + SH_END_PFN, end);
	}
	if (v >= 3) {
		gen_u64(out, bs + SH_OFFSET_VMCOREINFO, bs + SH_SIZE);
		gen_u64(out, bs + SH_SIZE_VMCOREINFO, vlen);
		gen_put(out, bs + SH_SIZE, vi, vlen);
	}
	if (v >= 4) {
		gen_u64(out, bs + SH_OFFSET_NOTE, bs + SH_SIZE + vlen);
		gen_u64(out, bs + SH_SIZE_NOTE, notes.size);
		gen_put(out, bs + SH_SIZE + vlen, notes.data, notes.size);
	}
	if (v >= 6) {
		if (o->nsplit > 1) {
			gen_u64(out, bs + SH_START_PFN_64, start);
			gen_u64(out, bs + SH_END_PFN_64, end);
		}
		gen_u64(out, bs + SH_MAX_MAPNR_64, n);
	}

	/* Both bitmaps cover every pfn, in every file of a split set. */
	gen_reserve(out, desc_off);
	for (uint64_t pfn = 0; pfn < n; pfn++) {
		if (gen_is_ram(o, pfn))
			out->data[bitmap_off + pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		if (gen_is_dumped(o, pfn))
			out->data[bitmap_off + bitmap_blocks * bs / 2 + pfn / 8] |=
				(uint8_t)(1u << (pfn % 8));
	}

	/* Descriptors and data; zero pages share one stored copy. */
	for (uint64_t pfn = start; pfn < end; pfn++) {
		size_t d = desc_off + idx * PD_ENTRY_SIZE, len;
		uint32_t flag = 0;

		if (!gen_is_dumped(o, pfn))
			continue;
		if (idx >= lost_from) {
			gen_reserve(out, d + PD_ENTRY_SIZE);     /* empty descriptor */
			idx++;
			continue;
		}
		gen_page(o, pfn, page);
		len = gen_compress(o, page, cbuf, 2 * ps + 1024, &flag);
		gen_u32(out, d + PD_SIZE, len ? (uint32_t)len : (uint32_t)ps);
		gen_u32(out, d + PD_FLAGS, len ? flag : 0);
		if (gen_is_zero(o, pfn) && zero_off) {
			gen_u64(out, d, zero_off);
			idx++;
			continue;
		}
		if (gen_is_zero(o, pfn))
			zero_off = data_off;
		gen_u64(out, d, data_off);
		gen_put(out, data_off, len ? cbuf : page, len ? len : ps);
		data_off += len ? len : ps;
		idx++;
	}
	if (o->incomplete)
		out->size = data_off;     /* the disk was full: nothing after the last page */
	gen_free(&notes);
	free(page);
	free(cbuf);
}

/* ---- Flattened stream around an image. ---- */

static GEN_UNUSED void gen_flatten(const struct gen_buf *img, struct gen_buf *out)
{
	size_t off = FLAT_HEADER_SIZE, chunk = 3000;
	size_t nchunks = (img->size + chunk - 1) / chunk;
	uint8_t junk[100];

	gen_put(out, 0, FLAT_SIGNATURE, strlen(FLAT_SIGNATURE));
	gen_be64(out, FLAT_SIG_LEN, FLAT_TYPE);
	gen_be64(out, FLAT_SIG_LEN + 8, FLAT_VERSION);
	gen_reserve(out, FLAT_HEADER_SIZE);
	/* A record later overridden, like makedumpfile's header rewrite. */
	memset(junk, 0xaa, sizeof(junk));
	gen_be64(out, off, 0);
	gen_be64(out, off + 8, sizeof(junk));
	gen_put(out, off + 16, junk, sizeof(junk));
	off += 16 + sizeof(junk);
	/* The rest back to front, to exercise the index. */
	for (size_t i = nchunks; i-- > 0;) {
		size_t a = i * chunk, len = img->size - a < chunk ? img->size - a : chunk;

		gen_be64(out, off, a);
		gen_be64(out, off + 8, len);
		gen_put(out, off + 16, img->data + a, len);
		off += 16 + len;
	}
	gen_be64(out, off, (uint64_t)-1);
	gen_be64(out, off + 8, (uint64_t)-1);
}

/* Build the dump's files in memory: out[0..nfiles). Returns nfiles. */
static GEN_UNUSED int gen_build(const struct gen_opts *o, struct gen_buf *out, int max_files)
{
	int nfiles = o->format == GEN_KDUMP && o->nsplit > 1 ? o->nsplit : 1;

	if (nfiles > max_files)
		return -1;
	for (int i = 0; i < nfiles; i++) {
		struct gen_buf img = { 0 };

		if (o->format == GEN_ELF) {
			gen_elf(o, &img);
		} else {
			uint64_t parts = (uint64_t)nfiles - (o->split_empty_last ? 1 : 0);
			uint64_t a = o->npages * (uint64_t)i / parts;
			uint64_t b = o->npages * (uint64_t)(i + 1) / parts;

			if (a > o->npages)
				a = o->npages;
			if (b > o->npages)
				b = o->npages;

			gen_kdump_file(o, a, b, &img);
		}
		memset(&out[i], 0, sizeof(out[i]));
		if (o->flat) {
			gen_flatten(&img, &out[i]);
			gen_free(&img);
		} else {
			out[i] = img;
		}
	}
	return nfiles;
}

static GEN_UNUSED int gen_write(const char *path, const struct gen_buf *b)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(b->data, 1, b->size, f) != b->size || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

#endif
