/* Shared body of the dump-reader fuzz targets (fuzz_elf, fuzz_kdump, fuzz_flat).
 * Each target is seeded with its own generator output; the reader probes the
 * format itself, so any target may reach any backend. */
#ifndef FUZZ_DUMP_H
#define FUZZ_DUMP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore/dump.h"

static int fuzz_dump_one(const uint8_t *data, size_t size, const char *tag)
{
	static char path[64];
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct elfcore_dump *d = NULL;
	FILE *f;

	if (!ctx)
		return 0;
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_%s.%d", tag, (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		goto out;
	fwrite(data, 1, size, f);
	fclose(f);
	if (elfcore_dump_open(ctx, path, &d) == 0) {
		const struct elfcore_dump_info *in = elfcore_dump_info(d);
		uint8_t *page = malloc(elfcore_dump_page_size(d));
		uint64_t pfn = 0, s, e;

		for (unsigned i = 0; i < in->ncpus; i++)
			(void)elfcore_dump_cpu(d, i);
		/* A bounded walk: at most 64 pages and 64 ranges. */
		for (int n = 0; n < 64 && elfcore_dump_next_pfn(d, pfn, &pfn) == 0; n++, pfn++)
			elfcore_dump_read_page(d, pfn, page);
		pfn = 0;
		for (int n = 0; n < 64 && elfcore_dump_next_range(d, pfn, &s, &e) == 0; n++)
			pfn = e;
		for (uint64_t p = 0; p < 16; p++)
			elfcore_dump_read_page(d, p * 7, page);
		if (in->pages_dumped < 4096)
			elfcore_dump_verify(d, NULL);
		free(page);
		elfcore_dump_close(d);
	}
	unlink(path);
out:
	elfcore_ctx_free(ctx);
	return 0;
}

#endif
