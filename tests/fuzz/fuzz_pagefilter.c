/* Fuzz the page filter: the struct pages, the mem_section table and the
 * VMCOREINFO numbers come from the dumped kernel, so all of them are input.
 * Layout of the input: 2 bytes dump level (bit 5: per-CPU free lists too) and cycle size, then VMCOREINFO
 * text up to a NUL, then the kernel memory: the root array, mem_section
 * pages and the mem_map, all read at fixed virtual addresses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore/pagefilter.h"
#include "elfcore/vmcoreinfo.h"

#define MEM_VA 0xffff888000000000ull

struct fmem {
	const uint8_t *data;
	size_t size;
};

static int fread_virt(void *priv, uint64_t va, void *buf, size_t len)
{
	const struct fmem *m = priv;

	if (va < MEM_VA || va - MEM_VA > m->size || len > m->size - (va - MEM_VA))
		return -14;
	memcpy(buf, m->data + (va - MEM_VA), len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx;
	struct elfcore_vmcoreinfo *vi = NULL;
	struct elfcore_pagefilter *pf = NULL;
	struct fmem mem;
	struct elfcore_pagefilter_mem reader = { fread_virt, &mem };
	const uint8_t *nul;
	unsigned level, cycle;
	uint8_t *bm;

	if (size < 2)
		return 0;
	level = data[0] & 31;
	cycle = 8u * (1u + data[1]);
	data += 2;
	size -= 2;
	nul = memchr(data, 0, size);
	if (!nul)
		return 0;
	ctx = elfcore_ctx_new();
	if (!ctx)
		return 0;
	mem.data = nul + 1;
	mem.size = size - (size_t)(nul + 1 - data);
	if (elfcore_vmcoreinfo_parse(ctx, data, (size_t)(nul - data), &vi) == 0 &&
	    elfcore_pagefilter_new(ctx, vi, &reader, 4096, level, &pf) == 0) {
		elfcore_pagefilter_set_pcp(pf, data[-2] & 32);
		bm = malloc(cycle / 8);
		for (uint64_t s = 0; bm && s < 4096; s += cycle) {
			uint64_t n = 4096 - s < cycle ? 4096 - s : cycle;

			memset(bm, 0xff, (n + 7) / 8);
			elfcore_pagefilter_cycle(pf, s, s + n, bm);
		}
		free(bm);
	}
	elfcore_pagefilter_free(pf);
	elfcore_vmcoreinfo_free(vi);
	elfcore_ctx_free(ctx);
	return 0;
}
