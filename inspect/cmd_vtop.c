/* kdump-inspect vtop DUMP VADDR: translate a kernel virtual address through
 * the dumped kernel's page tables and show every level walked. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kview.h"
#include "cmd_kernel.h"

static const char *size_name(uint64_t size)
{
	return size == (UINT64_C(1) << 30) ? "1G" : size == (UINT64_C(1) << 21) ? "2M" : "4K";
}

int cmd_vtop(int argc, char **argv)
{
	struct elfcore_vtop_walk w;
	struct kview kv;
	uint64_t vaddr;
	int ret, code;

	if (argc != 3) {
		kview_usage_error("usage: kdump-inspect vtop DUMP VADDR");
		return KV_EXIT_USAGE;
	}
	if (kview_parse_u64(argv[2], &vaddr)) {
		kview_usage_error("vtop: bad address \"%s\"", argv[2]);
		return KV_EXIT_USAGE;
	}
	code = kview_open(&kv, argv[1], 1);
	if (code)
		return code;
	ret = elfcore_kernel_vtop_walk(kv.kernel, vaddr, &w);
	printf("virtual   0x%016" PRIx64 " (%s, %u-level paging)\n", vaddr,
	       elfcore_kernel_arch(kv.kernel), elfcore_kernel_paging_levels(kv.kernel));
	switch (w.method) {
	case ELFCORE_VTOP_KERNEL_TEXT:
		printf("kernel image mapping: virtual - __START_KERNEL_map + phys_base\n");
		break;
	case ELFCORE_VTOP_DIRECT_MAP:
		printf("direct map: virtual - page_offset_base\n");
		break;
	default:
		break;
	}
	for (unsigned int i = 0; i < w.nlevels; i++)
		printf("%-4s      table 0x%016" PRIx64 " index %3u entry 0x%016" PRIx64 "\n",
		       w.level[i].name, w.level[i].table, w.level[i].index, w.level[i].entry);
	if (ret) {
		code = kview_fail(&kv, ret);
		/* An unmapped address is an answer about the address, not damage. */
		if (ret == -EFAULT)
			code = KV_EXIT_USAGE;
	} else {
		printf("physical  0x%016" PRIx64 " (%s page)\n", w.paddr, size_name(w.page_size));
	}
	kview_close(&kv);
	return code;
}
