/* writer_synth: write a synthetic dump through the elfcore writer.
 *
 *   writer_synth FORMAT CODEC OUT [MIN_GAP]
 *     FORMAT kdump|flat|elf, CODEC none|zlib|lzo|zstd, OUT a path or - (stdout)
 *
 * Memory: max_pfn 20480 with ranges [0x1000, 0x9f000), [0x100000, 0x3000000),
 * [0x3100000, 0x4fff800) (a range ending mid-page). Dumped: every page of the
 * ranges except pfn % 7 == 3 and the run [5000, 6000). Page contents are a
 * function of the pfn that tests/e2e/writer_check.py recomputes:
 *   pfn % 5 == 0  zeros;  pfn % 5 == 1  the byte pfn & 0xff repeated;
 *   otherwise xorshift64 words seeded with pfn * 0x9E3779B97F4A7C15 + 1.
 * Notes: one NT_PRSTATUS (zeros) and VMCOREINFO (OSRELEASE=6.1.0-synth).
 * Cycles of 4096 pfns, as kdump-capture would use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore/sink.h"
#include "elfcore/writer.h"

#define PS 4096u
#define MAX_PFN 20480u
#define CYCLE 4096u

static const struct elfcore_mem_range ranges[] = {
	{ 0x1000, 0xffff888000001000ull, 0x9e000 },
	{ 0x100000, 0xffff888000100000ull, 0x3000000 - 0x100000 },
	{ 0x3100000, 0xffff888003100000ull, 0x4fff800 - 0x3100000 },
};

static int in_ranges(uint64_t pfn)
{
	uint64_t lo = pfn * PS;
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (lo + PS > ranges[i].paddr && lo < ranges[i].paddr + ranges[i].size)
			return 1;
	return 0;
}

static int dumped(uint64_t pfn)
{
	return in_ranges(pfn) && pfn % 7 != 3 && !(pfn >= 5000 && pfn < 6000);
}

static void fill(uint64_t pfn, unsigned char *page)
{
	uint64_t x = pfn * 0x9E3779B97F4A7C15ull + 1;
	unsigned i;

	if (pfn % 5 == 0) {
		memset(page, 0, PS);
		return;
	}
	if (pfn % 5 == 1) {
		memset(page, (int)(pfn & 0xff), PS);
		return;
	}
	for (i = 0; i < PS; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(page + i, &x, 8);
	}
}

static size_t add_note(unsigned char *p, const char *name, uint32_t type, const void *desc,
		       uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t off = 12;

	memcpy(p, &namesz, 4);
	memcpy(p + 4, &descsz, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + off, name, namesz);
	off += (namesz + 3) & ~3u;
	memcpy(p + off, desc, descsz);
	off += (descsz + 3) & ~3u;
	return off;
}

int main(int argc, char **argv)
{
	static const char vmcoreinfo[] =
		"OSRELEASE=6.1.0-synth\nPAGESIZE=4096\nCRASHTIME=1764070000\n"
		"SYMBOL(init_uts_ns)=ffffffff82a13e40\nNUMBER(phys_base)=0\n";
	static unsigned char notes[4096], prstatus[336], page[PS];
	struct elfcore_writer_opts o = { .size = sizeof(o) };
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct elfcore_sink *sink = NULL, *inner;
	struct elfcore_writer *w = NULL;
	uint8_t bits[CYCLE / 8];
	uint64_t start, pfn;
	size_t nsz;
	int pass, ret;

	if (argc < 4) {
		fprintf(stderr, "usage: writer_synth kdump|flat|elf none|zlib|lzo|zstd OUT [MIN_GAP]\n");
		return 2;
	}
	o.format = !strcmp(argv[1], "elf") ? ELFCORE_FORMAT_ELF :
		   !strcmp(argv[1], "flat") ? ELFCORE_FORMAT_FLAT : ELFCORE_FORMAT_KDUMP;
	if (elfcore_codec_from_name(ctx, argv[2], &o.codec) < 0)
		goto fail;
	o.max_pfn = MAX_PFN;
	o.ranges = ranges;
	o.nr_ranges = sizeof(ranges) / sizeof(ranges[0]);
	nsz = add_note(notes, "CORE", 1, prstatus, sizeof(prstatus));
	nsz += add_note(notes + nsz, "VMCOREINFO", 0, vmcoreinfo, sizeof(vmcoreinfo) - 1);
	o.notes = notes;
	o.notes_size = nsz;
	o.dump_level = 0;
	o.elf_min_gap = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;

	if (!strcmp(argv[3], "-")) {
		ret = elfcore_sink_open_fd(ctx, 1, "stdout", &inner);
		if (ret == 0)
			ret = elfcore_sink_flat_new(ctx, inner, &sink);
	} else if (o.format == ELFCORE_FORMAT_FLAT) {
		ret = elfcore_sink_open_file(ctx, argv[3], ELFCORE_SINK_NO_SYNC, &inner);
		/* a flat stream into a file: positioned sink -> stream order is kept */
		if (ret == 0)
			ret = elfcore_sink_flat_new(ctx, inner, &sink);
	} else {
		ret = elfcore_sink_open_file(ctx, argv[3], ELFCORE_SINK_NO_SYNC, &sink);
	}
	if (ret < 0 || (ret = elfcore_writer_new(sink, &o, &w)) < 0)
		goto fail;
	for (pass = 0; pass < 2; pass++) {
		for (start = 0; start < MAX_PFN; start += CYCLE) {
			memset(bits, 0, sizeof(bits));
			for (pfn = start; pfn < start + CYCLE; pfn++)
				if (dumped(pfn))
					bits[(pfn - start) / 8] |= (uint8_t)(1u << ((pfn - start) % 8));
			if (pass == 0) {
				if ((ret = elfcore_writer_plan(w, start, CYCLE, bits)) < 0)
					goto fail;
				continue;
			}
			if ((ret = elfcore_writer_begin_cycle(w, start, CYCLE, bits)) < 0)
				goto fail;
			for (pfn = start; pfn < start + CYCLE && ret == 0; pfn++) {
				if (!dumped(pfn))
					continue;
				fill(pfn, page);
				ret = elfcore_writer_write_page(w, pfn, page);
			}
			if (ret < 0)
				goto fail;
		}
	}
	if ((ret = elfcore_writer_finish(w)) < 0 || (ret = elfcore_sink_commit(sink)) < 0)
		goto fail;
	elfcore_writer_free(w);
	ret = elfcore_sink_close(sink);
	if (ret < 0)
		goto fail_closed;
	elfcore_ctx_free(ctx);
	return 0;
fail:
	elfcore_writer_free(w);
	elfcore_sink_close(sink);
fail_closed:
	fprintf(stderr, "writer_synth: %s\n", elfcore_ctx_error(ctx));
	elfcore_ctx_free(ctx);
	return 1;
}
