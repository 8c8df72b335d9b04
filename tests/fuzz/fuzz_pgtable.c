/* libFuzzer target: the x86_64 page table walker and the kernel view's setup
 * (direct map and vmemmap search) on arbitrary page tables.
 *
 * Input: byte 0 picks 4- or 5-level paging, bytes 1..8 are an address to
 * translate, the rest is physical memory from address 0, where the top page
 * table sits (phys_base is chosen so that init_top_pgt lands at 0). Memory
 * past the input reads as missing from the dump. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "elfcore/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *data;
	size_t size;
};

static int read_phys(void *arg, uint64_t paddr, void *buf, size_t len)
{
	struct mem *m = arg;

	if (paddr >= m->size || len > m->size - paddr)
		return -ENOENT;
	memcpy(buf, m->data + paddr, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx;
	struct elfcore_vmcoreinfo *vi = NULL;
	struct elfcore_kernel *k = NULL;
	struct elfcore_vtop_walk walk;
	struct mem m;
	char text[512];
	uint64_t va = 0, pa;
	uint8_t buf[64];
	int n;

	if (size < 9)
		return 0;
	for (int i = 8; i >= 1; i--)
		va = (va << 8) | data[i];
	m.data = data + 9;
	m.size = size - 9;
	n = snprintf(text, sizeof(text),
		     "OSRELEASE=6.1.0\nSYMBOL(init_top_pgt)=ffffffff81000000\n"
		     "NUMBER(phys_base)=-16777216\nNUMBER(pgtable_l5_enabled)=%d\n"
		     "KERNELOFFSET=0\nSYMBOL(mem_section)=ffff888000001000\n"
		     "OFFSET(mem_section.section_mem_map)=0\n", data[0] & 1);
	ctx = elfcore_ctx_new();
	if (!ctx)
		return 0;
	if (elfcore_vmcoreinfo_parse(ctx, text, (size_t)n, &vi) == 0 &&
	    elfcore_kernel_open_mem(ctx, vi, read_phys, &m, &k) == 0) {
		elfcore_kernel_vtop_walk(k, va, &walk);
		elfcore_kernel_vtop(k, va, &pa);
		elfcore_kernel_read(k, va, buf, sizeof(buf));
		elfcore_kernel_read(k, elfcore_kernel_page_offset(k) + (va & 0xffff), buf, sizeof(buf));
		elfcore_kernel_close(k);
	}
	elfcore_vmcoreinfo_free(vi);
	elfcore_ctx_free(ctx);
	return 0;
}
