/* Architecture ops behind the kernel view (elfcore/include/elfcore/kernel.h).
 *
 * Each architecture lives in arch/<arch>/ec_<name>.c and exports one
 * struct ec_arch_ops; kernel.c keeps the table of them and picks the first
 * whose probe() recognises the VMCOREINFO. Not installed. */
#ifndef ELFCORE_ARCH_PRIV_H
#define ELFCORE_ARCH_PRIV_H

#include <stdint.h>

#include "ec_priv.h"
#include "elfcore/kernel.h"
#include "elfcore/vmcoreinfo.h"

/* The last translated leaf: sequential reads of one page (or one 2M/1G
 * mapping) do not walk the tables again. */
struct ec_tlb {
	int valid;
	uint64_t vbase, pbase, size;
};

struct elfcore_kernel {
	struct elfcore_ctx *ctx;
	const struct elfcore_vmcoreinfo *vi;
	int (*read_phys)(void *arg, uint64_t paddr, void *buf, size_t len);
	void *arg;
	const struct ec_arch_ops *arch;
	void *arch_priv;        /* owned by the arch code; released by its fini() */

	/* Filled in by the arch's init(). */
	unsigned int levels;
	uint64_t kaslr_offset;
	uint64_t phys_base;
	uint64_t page_offset;
	uint64_t vmemmap_base;

	struct ec_tlb tlb;
};

struct ec_arch_ops {
	const char *name;
	/* 1 when vi describes a kernel of this architecture, else 0. */
	int (*probe)(const struct elfcore_vmcoreinfo *vi);
	/* Find the paging mode, KASLR offset, bases; set k->arch_priv. */
	int (*init)(struct elfcore_kernel *k);
	/* Translate one address, filling in the report; 0 or a negative errno
	 * with a message in k->ctx. */
	int (*vtop)(struct elfcore_kernel *k, uint64_t vaddr, struct elfcore_vtop_walk *walk);
	void (*fini)(struct elfcore_kernel *k);
};

extern const struct ec_arch_ops ec_arch_x86_64;

/* Physical read through the view's reader, with a message on failure. */
int ec_kernel_read_phys(struct elfcore_kernel *k, uint64_t paddr, void *buf, size_t len,
			const char *what);

#endif
