/* libFuzzer target: the /proc/iomem parser and the range arithmetic on its output. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct ld_iomem io;
	static struct ld_ranges rs;

	if (!ctx)
		return 0;
	if (ld_iomem_parse(ctx, (const char *)data, size, &io) == 0) {
		const struct ld_iomem_entry *e;
		size_t pos = 0;

		memset(&rs, 0, sizeof(rs));
		while ((e = ld_iomem_next(&io, "System RAM", &pos)) != NULL)
			ld_ranges_add(ctx, &rs, e->start, e->end, LD_RANGE_RAM);
		pos = 0;
		while ((e = ld_iomem_next(&io, "Crash kernel", &pos)) != NULL)
			ld_ranges_exclude(ctx, &rs, e->start, e->end);
		for (size_t i = 0; i < io.count && i < 64; i++)
			ld_ranges_exclude(ctx, &rs, io.entries[i].start, io.entries[i].end);
		ld_ranges_sort(&rs);
		ld_iomem_free(&io);
	}
	elfcore_ctx_free(ctx);
	return 0;
}
