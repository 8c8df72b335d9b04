/* A kernel view over a dump: kernel virtual addresses, translated through the
 * dumped kernel's own page tables.
 *
 * The view needs two things: the dump's VMCOREINFO (which names the paging
 * mode, KASLR offset, phys_base and the page table root) and a way to read
 * physical memory. elfcore_kernel_open() takes both from an open dump;
 * elfcore_kernel_open_mem() takes them from the caller (live memory, tests,
 * a capture in progress). The architecture is recognised from VMCOREINFO and
 * its code sits behind an ops table (elfcore/arch_priv.h); x86_64 is the one
 * implemented.
 *
 * All functions return 0 or a negative errno and leave a message in the
 * context given at open:
 *   -EFAULT  the address is not mapped (a page table entry is not present,
 *            or the address is not canonical);
 *   -ENOENT  the page holding it (or one of its page tables) is not in the dump;
 *   -EINVAL  the page tables are damaged (a loop, an entry past the physical
 *            address width).
 */
#ifndef ELFCORE_KERNEL_H
#define ELFCORE_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"
#include "elfcore/dump.h"
#include "elfcore/vmcoreinfo.h"

struct elfcore_kernel;

/* Reads len bytes of physical memory at paddr into buf: 0 or a negative errno
 * (-ENOENT when the memory is not available). May record a message in ctx. */
typedef int (*elfcore_read_phys_fn)(void *arg, uint64_t paddr, void *buf, size_t len);

/* Open a kernel view over dump. dump and ctx must outlive the view; the view
 * borrows the dump's VMCOREINFO. */
ELFCORE_API int elfcore_kernel_open(struct elfcore_ctx *ctx, struct elfcore_dump *dump,
				    struct elfcore_kernel **out);

/* Open a kernel view over any physical memory: vi, read_phys and arg are
 * borrowed and must outlive the view. */
ELFCORE_API int elfcore_kernel_open_mem(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
					int (*read_phys)(void *arg, uint64_t paddr, void *buf,
							 size_t len),
					void *arg, struct elfcore_kernel **out);

ELFCORE_API void elfcore_kernel_close(struct elfcore_kernel *k);

/* Translate a kernel virtual address to a physical one. */
ELFCORE_API int elfcore_kernel_vtop(struct elfcore_kernel *k, uint64_t vaddr, uint64_t *paddr);

/* Copy len bytes of kernel virtual memory from vaddr, across pages. */
ELFCORE_API int elfcore_kernel_read(struct elfcore_kernel *k, uint64_t vaddr, void *buf, size_t len);

/* Copy len bytes of physical memory from paddr (through the view's reader). */
ELFCORE_API int elfcore_kernel_read_phys(struct elfcore_kernel *k, uint64_t paddr, void *buf,
					 size_t len);

/* Read a little-endian integer of the kernel at vaddr. */
ELFCORE_API int elfcore_kernel_read_u64(struct elfcore_kernel *k, uint64_t vaddr, uint64_t *out);
ELFCORE_API int elfcore_kernel_read_u32(struct elfcore_kernel *k, uint64_t vaddr, uint32_t *out);

/* One level of a page table walk. */
struct elfcore_vtop_level {
	const char *name;       /* "pgd", "p4d", "pud", "pmd", "pte" (static string) */
	uint64_t table;         /* physical address of the table */
	unsigned int index;     /* index of the entry in the table */
	uint64_t entry;         /* the entry's value */
};

#define ELFCORE_VTOP_MAX_LEVELS 5

enum elfcore_vtop_method {
	ELFCORE_VTOP_PAGE_TABLES = 1,   /* walked the kernel's page tables */
	ELFCORE_VTOP_KERNEL_TEXT,       /* vaddr - __START_KERNEL_map + phys_base (no tables yet) */
	ELFCORE_VTOP_DIRECT_MAP,        /* vaddr - page_offset_base (no tables yet) */
};

/* The report of one translation. On failure the levels walked so far are
 * filled in, so a caller can show where the walk stopped. */
struct elfcore_vtop_walk {
	uint64_t vaddr;
	enum elfcore_vtop_method method;
	unsigned int nlevels;   /* levels filled in level[] */
	struct elfcore_vtop_level level[ELFCORE_VTOP_MAX_LEVELS];
	uint64_t paddr;         /* the result (valid when the call returned 0) */
	uint64_t page_size;     /* size of the page that maps it: 4K, 2M or 1G */
};

/* Translate vaddr and report every level walked. */
ELFCORE_API int elfcore_kernel_vtop_walk(struct elfcore_kernel *k, uint64_t vaddr,
					 struct elfcore_vtop_walk *walk);

/* Facts about the dumped kernel, found at open. */
ELFCORE_API const char *elfcore_kernel_arch(const struct elfcore_kernel *k);          /* "x86_64" */
ELFCORE_API unsigned int elfcore_kernel_paging_levels(const struct elfcore_kernel *k); /* 4 or 5 */
ELFCORE_API uint64_t elfcore_kernel_kaslr_offset(const struct elfcore_kernel *k);     /* KERNELOFFSET */
ELFCORE_API uint64_t elfcore_kernel_phys_base(const struct elfcore_kernel *k);
/* Base of the direct map of all physical memory (page_offset_base). */
ELFCORE_API uint64_t elfcore_kernel_page_offset(const struct elfcore_kernel *k);
/* Base of the virtual mem_map (vmemmap_base): struct page of pfn n is at
 * vmemmap_base + n * SIZE(page). 0 when it could not be found. */
ELFCORE_API uint64_t elfcore_kernel_vmemmap_base(const struct elfcore_kernel *k);
/* The VMCOREINFO the view was opened with (borrowed). */
ELFCORE_API const struct elfcore_vmcoreinfo *elfcore_kernel_vmcoreinfo(const struct elfcore_kernel *k);
ELFCORE_API struct elfcore_ctx *elfcore_kernel_ctx(const struct elfcore_kernel *k);

#endif
