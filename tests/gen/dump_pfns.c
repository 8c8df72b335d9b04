/* dump_pfns: list the pfns a dump holds data for, as runs "START END" (END
 * exclusive, decimal), one per line, read with elfcore's reader. Tests
 * compare the lists of kdump-capture's and makedumpfile's outputs.
 *
 *   dump_pfns DUMP
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "elfcore/dump.h"

int main(int argc, char **argv)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct elfcore_dump *d = NULL;
	uint64_t pfn = 0, start = 0, prev = 0, n = 0;
	int have = 0, ret;

	if (argc != 2 || !ctx) {
		fprintf(stderr, "usage: dump_pfns DUMP\n");
		return 2;
	}
	if (elfcore_dump_open(ctx, argv[1], &d)) {
		fprintf(stderr, "dump_pfns: %s\n", elfcore_ctx_error(ctx));
		return 1;
	}
	while ((ret = elfcore_dump_next_pfn(d, pfn, &pfn)) == 0) {
		if (!have) {
			start = pfn;
			have = 1;
		} else if (pfn != prev + 1) {
			printf("%" PRIu64 " %" PRIu64 "\n", start, prev + 1);
			start = pfn;
		}
		prev = pfn++;
		n++;
	}
	if (have)
		printf("%" PRIu64 " %" PRIu64 "\n", start, prev + 1);
	if (ret != -ENOENT) {
		fprintf(stderr, "dump_pfns: %s\n", elfcore_ctx_error(ctx));
		return 1;
	}
	fprintf(stderr, "dump_pfns: %" PRIu64 " pages\n", n);
	elfcore_dump_close(d);
	elfcore_ctx_free(ctx);
	return 0;
}
