/* Page filtering for dump levels: which pages of the dumped kernel a dump may leave out.
 *
 * The meaning of the dump level is makedumpfile's (-d N, a sum of):
 *    1  pages filled with zeros                  (decided from the data: see
 *                                                 elfcore_page_is_zero(), not here)
 *    2  page cache pages without private data
 *    4  page cache pages with private data (buffers)
 *    8  user pages: anonymous and hugetlbfs
 *   16  free pages (the buddy allocator's; with elfcore_pagefilter_set_pcp
 *       also those on the per-CPU free lists)
 * Hardware-poisoned and logically offline pages are always left out, as
 * makedumpfile does.
 *
 * The decision comes from the dumped kernel's own struct page array (mem_map,
 * through mem_section for SPARSEMEM/SPARSEMEM_VMEMMAP) and page flags. Every
 * offset, size and flag value is taken from VMCOREINFO: SIZE(page),
 * OFFSET(page.flags/_mapcount/mapping/private/compound_head/compound_order/
 * compound_dtor), NUMBER(PG_lru/PG_private/PG_swapcache/PG_swapbacked/PG_slab/
 * PG_hwpoison/PG_head_mask/PG_hugetlb), NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE),
 * NUMBER(PAGE_OFFLINE/SLAB/HUGETLB/UNACCEPTED_MAPCOUNT_VALUE),
 * NUMBER(HUGETLB_PAGE_DTOR), SYMBOL(mem_section), LENGTH(mem_section),
 * SIZE(mem_section), OFFSET(mem_section.section_mem_map),
 * NUMBER(SECTION_SIZE_BITS), NUMBER(MAX_PHYSMEM_BITS), LENGTH(zone.free_area).
 * Nothing is hard-coded for one kernel version.
 *
 * Bitmaps are built in cycles (ranges of pfns) so that memory stays bounded
 * whatever the dump size: the caller passes one cycle's bitmap at a time, in
 * increasing pfn order; a free block or compound page that runs past the end
 * of a cycle is carried into the next one.
 *
 * Where a struct page cannot be read (its mem_map is not in the dump) the page
 * is kept and counted in stats.unclassified: a dump is never made smaller by
 * guessing.
 */
#ifndef ELFCORE_PAGEFILTER_H
#define ELFCORE_PAGEFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"
#include "elfcore/vmcoreinfo.h"

/* Dump level bits (makedumpfile's values). */
#define ELFCORE_DL_ZERO          0x01
#define ELFCORE_DL_CACHE         0x02
#define ELFCORE_DL_CACHE_PRIVATE 0x04
#define ELFCORE_DL_USER          0x08
#define ELFCORE_DL_FREE          0x10
#define ELFCORE_DL_MAX           0x1f

/* Where the filter reads the dumped kernel's memory from. */
struct elfcore_pagefilter_mem {
	/* Copy len bytes at kernel virtual address vaddr into buf. Returns 0, or
	 * a negative errno when any part is not mapped or not in the dump (the
	 * filter then keeps the pages concerned). Must not print. */
	int (*read_virt)(void *priv, uint64_t vaddr, void *buf, size_t len);
	void *priv;
};

/* Pages left out, by reason; counted once per pfn whose bit was set. */
struct elfcore_pagefilter_stats {
	uint64_t cache;            /* page cache without private data (level 2 or 4) */
	uint64_t cache_private;    /* page cache with private data (level 4) */
	uint64_t user;             /* anonymous and hugetlbfs pages (level 8) */
	uint64_t free;             /* buddy free pages (level 16) */
	uint64_t free_pcp;         /* free pages on per-CPU lists (level 16, set_pcp) */
	uint64_t hwpoison;         /* always left out */
	uint64_t offline;          /* always left out */
	uint64_t unclassified;     /* kept because their struct page is not in the dump */
	uint64_t bad_order;        /* buddy pages with an impossible order: kept */
};

struct elfcore_pagefilter;

/* Prepare filtering for dump_level (0..31) on a dump whose pfns are below
 * max_pfn. vi and mem must outlive the filter. Reads the mem_section tables
 * through mem when the level needs struct pages.
 * Returns 0, -EINVAL (bad level), -ENOTSUP (VMCOREINFO lacks what the level
 * needs: the message names the key), -ENOMEM. */
ELFCORE_API int elfcore_pagefilter_new(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
				       const struct elfcore_pagefilter_mem *mem, uint64_t max_pfn,
				       unsigned dump_level, struct elfcore_pagefilter **out);
ELFCORE_API void elfcore_pagefilter_free(struct elfcore_pagefilter *pf);

/* Level 16 also leaves out the free pages parked on the per-CPU free lists
 * (struct per_cpu_pages), which are not PageBuddy: makedumpfile keeps them,
 * and with them whatever freed user or cache data they still hold. A page is
 * taken as free only when it is on a list that is consistent all the way
 * round, made only of pages with _refcount 0, no flags, type or mapping,
 * closing through one head outside mem_map (see pagefilter.c). Off by default:
 * the page set is then exactly makedumpfile's. Returns 0, or -ENOTSUP (level
 * without 16, or no OFFSET(page._refcount)/OFFSET(page.lru)/_mapcount or no
 * linear vmemmap): the filter then works as without it. */
ELFCORE_API int elfcore_pagefilter_set_pcp(struct elfcore_pagefilter *pf, int on);

/* Whether cycles need to read struct pages at all (levels 2..16, or the
 * kernel marks hwpoison pages). When 0, elfcore_pagefilter_cycle() is a no-op. */
ELFCORE_API int elfcore_pagefilter_active(const struct elfcore_pagefilter *pf);

/* Filter the cycle [start, end): bitmap holds one bit per pfn (bit i for
 * pfn start + i, LSB first in each byte, as the kdump bitmaps), set for the
 * pfns present in the dump. Clears the bits of the pages the level leaves out.
 * Pfns whose bit is clear on entry are not examined. Cycles must come in
 * increasing order; start == 0 begins a new pass (forgets the carry and the
 * statistics). Returns 0 or a negative errno; pages whose struct page cannot
 * be read are kept, not an error. */
ELFCORE_API int elfcore_pagefilter_cycle(struct elfcore_pagefilter *pf, uint64_t start,
					 uint64_t end, uint8_t *bitmap);

/* Statistics of the current pass (borrowed). */
ELFCORE_API const struct elfcore_pagefilter_stats *
elfcore_pagefilter_stats(const struct elfcore_pagefilter *pf);

/* 1 when the len bytes at page are all zero. */
ELFCORE_API int elfcore_page_is_zero(const void *page, size_t len);

#endif
