/* Page filtering for dump levels from the dumped kernel's struct pages.
 *
 * The rules follow makedumpfile's __exclude_unnecessary_pages() (the meaning
 * users know from -d N), written here from its documented behaviour:
 *   - a compound tail page (compound_head & 1) is never examined on its own;
 *   - a buddy page (_mapcount == PAGE_BUDDY_MAPCOUNT_VALUE and not slab, or
 *     PG_buddy on old kernels) is free with its 2^private pages;
 *   - a page cache page (PG_lru, or PG_swapcache with PG_swapbacked) that is
 *     not anonymous is cache, "private" when PG_private;
 *   - an anonymous page (mapping & 1, not slab) or a hugetlb compound page is
 *     user data;
 *   - hwpoison and offline pages are always left out;
 *   - a compound head excludes its 2^order pages at once.
 * The order of the tests matters and is the same as makedumpfile's.
 *
 * One addition (elfcore_pagefilter_set_pcp): free pages parked on the per-CPU
 * free lists (struct per_cpu_pages) are not PageBuddy, so makedumpfile keeps
 * them; their old contents (freed user and cache data) stay in its dumps. They
 * are recognised by the list itself, see "per-CPU free lists" below.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_priv.h"
#include "elfcore/pagefilter.h"

#define PF_CHUNK        512             /* struct pages read at once (a power of 2) */
#define PF_MAX_SECTIONS (1u << 21)      /* 16 MiB of section table at most */
#define NOT_FOUND       INT64_MIN
#define IS_HUGETLB      UINT64_MAX      /* dtor value meaning "known hugetlb" */
#define PCP_LIST_MAX    (1u << 20)      /* pages on one per-CPU free list, at most */
#define PCP_PAGES_MAX   (1u << 19)      /* per-CPU free pages remembered (4 MiB) */
#define PCP_STEPS_MAX   (1u << 23)      /* list steps walked in all, at most */
#define PCP_HEADS_MAX   (1u << 16)      /* per-CPU lists walked, at most */
#define PCP_PAGE_STRUCT_MAX 256

enum pf_class { PF_KEEP, PF_CACHE, PF_CACHE_PRIVATE, PF_USER, PF_FREE, PF_FREE_PCP, PF_HWPOISON,
		PF_OFFLINE };

/* Numbers from VMCOREINFO; NOT_FOUND when absent. */
struct pf_numbers {
	int64_t pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_slab, pg_hwpoison, pg_buddy;
	int64_t pg_hugetlb, pg_head_mask;
	int64_t buddy_mapcount, offline_mapcount, slab_mapcount, hugetlb_mapcount;
	int64_t unaccepted_mapcount, hugetlb_dtor, free_area_len;
	uint64_t free_huge_page;          /* SYMBOL(free_huge_page) or 0 */
};

struct elfcore_pagefilter {
	struct elfcore_ctx *ctx;
	const struct elfcore_pagefilter_mem *mem;
	unsigned level;
	int active;
	int buddy;                        /* 0 none, 2 PG_buddy flag, 3 _mapcount value */
	uint64_t max_pfn;
	struct pf_numbers n;

	/* struct page layout */
	size_t page_struct;               /* SIZE(page) */
	int64_t off_flags, off_mapping, off_mapcount, off_private, off_compound_head;
	int64_t order_off, dtor_off;      /* in the first tail page; -1 when unknown */
	int order_width, dtor_width;

	/* mem_map of each section (0 = none), pfns per section */
	uint64_t *mem_maps;
	uint64_t nsections;
	uint64_t section_pfns;

	/* the current chunk of struct pages */
	uint8_t *chunk;
	uint8_t *chunk_ok;                /* per entry: read successfully */
	uint64_t chunk_start, chunk_n;    /* pfns [chunk_start, chunk_start + chunk_n) */

	/* free pages on per-CPU lists (level 16 with elfcore_pagefilter_set_pcp) */
	int pcp;
	int64_t off_refcount, off_lru, lh_next, lh_prev;
	uint64_t vmemmap;                 /* linear virtual mem_map base, 0 when not linear */
	uint64_t *pcp_pfns;               /* sorted */
	size_t pcp_n;
	uint64_t *pcp_heads;              /* list heads already walked */
	size_t heads_n, heads_cap;
	uint64_t pcp_steps;

	/* a multi-page exclusion that runs into the next cycle */
	uint64_t carry_start, carry_end;
	enum pf_class carry_class;

	struct elfcore_pagefilter_stats stats;
};

static int64_t vi_number(const struct elfcore_vmcoreinfo *vi, const char *name)
{
	int64_t v;

	return elfcore_vmcoreinfo_number(NULL, vi, name, &v) ? NOT_FOUND : v;
}

static int64_t vi_offset(const struct elfcore_vmcoreinfo *vi, const char *name)
{
	uint64_t v;

	if (elfcore_vmcoreinfo_offset(NULL, vi, name, &v) || v > 4096)
		return -1;
	return (int64_t)v;
}

static int64_t vi_size(const struct elfcore_vmcoreinfo *vi, const char *name)
{
	uint64_t v;

	if (elfcore_vmcoreinfo_size(NULL, vi, name, &v) || v > 4096)
		return -1;
	return (int64_t)v;
}

static int64_t vi_length(const struct elfcore_vmcoreinfo *vi, const char *name)
{
	uint64_t v;

	if (elfcore_vmcoreinfo_length(NULL, vi, name, &v) || v > INT32_MAX)
		return NOT_FOUND;
	return (int64_t)v;
}

/* Kernel version as major << 16 | minor << 8 | patch (0 when unknown). */
static unsigned kernel_version(const struct elfcore_vmcoreinfo *vi)
{
	const char *rel = elfcore_vmcoreinfo_get(vi, "OSRELEASE");
	unsigned a = 0, b = 0, c = 0;

	if (!rel || sscanf(rel, "%u.%u.%u", &a, &b, &c) < 2 || a > 255 || b > 255)
		return 0;
	return a << 16 | b << 8 | (c > 255 ? 255 : c);
}
#define KV(a, b, c) ((a) << 16 | (b) << 8 | (c))

static void read_numbers(struct elfcore_pagefilter *pf, const struct elfcore_vmcoreinfo *vi)
{
	struct pf_numbers *n = &pf->n;
	uint64_t sym;

	n->pg_lru = vi_number(vi, "PG_lru");
	n->pg_private = vi_number(vi, "PG_private");
	n->pg_swapcache = vi_number(vi, "PG_swapcache");
	n->pg_swapbacked = vi_number(vi, "PG_swapbacked");
	n->pg_slab = vi_number(vi, "PG_slab");
	n->pg_hwpoison = vi_number(vi, "PG_hwpoison");
	n->pg_buddy = vi_number(vi, "PG_buddy");
	n->pg_hugetlb = vi_number(vi, "PG_hugetlb");
	n->pg_head_mask = vi_number(vi, "PG_head_mask");
	n->buddy_mapcount = vi_number(vi, "PAGE_BUDDY_MAPCOUNT_VALUE");
	n->offline_mapcount = vi_number(vi, "PAGE_OFFLINE_MAPCOUNT_VALUE");
	n->slab_mapcount = vi_number(vi, "PAGE_SLAB_MAPCOUNT_VALUE");
	n->hugetlb_mapcount = vi_number(vi, "PAGE_HUGETLB_MAPCOUNT_VALUE");
	n->unaccepted_mapcount = vi_number(vi, "PAGE_UNACCEPTED_MAPCOUNT_VALUE");
	n->hugetlb_dtor = vi_number(vi, "HUGETLB_PAGE_DTOR");
	n->free_area_len = vi_length(vi, "zone.free_area");
	n->free_huge_page = elfcore_vmcoreinfo_symbol(NULL, vi, "free_huge_page", &sym) ? 0 : sym;
}

static void read_layout(struct elfcore_pagefilter *pf, const struct elfcore_vmcoreinfo *vi)
{
	unsigned kv = kernel_version(vi);
	int64_t lru, prev, next;

	pf->page_struct = (size_t)(vi_size(vi, "page") > 0 ? vi_size(vi, "page") : 0);
	pf->off_flags = vi_offset(vi, "page.flags");
	pf->off_mapping = vi_offset(vi, "page.mapping");
	pf->off_mapcount = vi_offset(vi, "page._mapcount");
	pf->off_private = vi_offset(vi, "page.private");
	pf->off_compound_head = vi_offset(vi, "page.compound_head");
	pf->order_off = vi_offset(vi, "page.compound_order");
	pf->dtor_off = vi_offset(vi, "page.compound_dtor");
	/* Before 4.4 the order and destructor lived in the first tail's lru. */
	lru = vi_offset(vi, "page.lru");
	prev = vi_offset(vi, "list_head.prev");
	next = vi_offset(vi, "list_head.next");
	if (kv && kv < KV(4, 4, 0) && lru >= 0) {
		if (pf->order_off < 0 && prev >= 0)
			pf->order_off = lru + prev;
		if (pf->dtor_off < 0 && next >= 0)
			pf->dtor_off = lru + next;
	}
	pf->off_refcount = vi_offset(vi, "page._refcount");
	pf->off_lru = lru;
	pf->lh_next = next >= 0 ? next : 0;
	pf->lh_prev = prev >= 0 ? prev : 8;
	pf->order_width = (!kv || kv >= KV(4, 16, 0)) ? 1 : 2;
	pf->dtor_width = (!kv || kv >= KV(4, 16, 0)) ? 1 : kv >= KV(4, 4, 0) ? 2 : 8;
}

static int in_struct(const struct elfcore_pagefilter *pf, int64_t off, int width)
{
	return off >= 0 && (uint64_t)off + (uint64_t)width <= pf->page_struct;
}

static int is_kvaddr(uint64_t addr)
{
	return (addr >> 63) != 0;
}

static int read_u64(struct elfcore_pagefilter *pf, uint64_t vaddr, uint64_t *out)
{
	uint64_t v;
	int ret = pf->mem->read_virt(pf->mem->priv, vaddr, &v, sizeof(v));

	if (!ret)
		*out = le64toh(v);
	return ret;
}

/* The section table of SPARSEMEM: mem_section is either the root array itself
 * (VMCOREINFO since 4.15, and static arrays) or a pointer to it (a symbol
 * table read elsewhere); try the first, then the second, as makedumpfile. */
static int sections_from(struct elfcore_pagefilter *pf, uint64_t table, int extreme,
			 uint64_t per_root, uint64_t ms_size, uint64_t ms_map_off, int *valid)
{
	uint64_t nroots = (pf->nsections + per_root - 1) / per_root;
	uint64_t root = 0, cur_root = UINT64_MAX;
	int found = 0;

	*valid = 0;
	for (uint64_t nr = 0; nr < pf->nsections; nr++) {
		uint64_t base, map, mem_map = 0;

		if (extreme) {
			if (nr / per_root != cur_root) {
				cur_root = nr / per_root;
				if (cur_root >= nroots || read_u64(pf, table + cur_root * 8, &root))
					return 0;
			}
			if (!root) {
				pf->mem_maps[nr] = 0;
				continue;
			}
			if (!is_kvaddr(root))
				return 0;
			base = root + (nr % per_root) * ms_size;
		} else {
			base = table + nr * ms_size;
		}
		if (read_u64(pf, base + ms_map_off, &map)) {
			pf->mem_maps[nr] = 0;
			continue;
		}
		/* bit 0: SECTION_MARKED_PRESENT; the low bits up to
		 * SECTION_MAP_LAST_BIT (1 << 5 at most so far) are flags. */
		if (map & 1) {
			mem_map = (map & ~(uint64_t)0x1f) + nr * pf->section_pfns * pf->page_struct;
			if (!is_kvaddr(mem_map))
				return 0;
			found = 1;
		}
		pf->mem_maps[nr] = mem_map;
	}
	*valid = found;
	return 0;
}

static int find_mem_maps(struct elfcore_pagefilter *pf, const struct elfcore_vmcoreinfo *vi)
{
	struct elfcore_ctx *ctx = pf->ctx;
	uint64_t sym, page_size = 4096, ms_map_off, ptr;
	int64_t ssb, mpb, ms_size, len;
	unsigned page_shift = 0;
	int extreme, valid = 0;

	if (elfcore_vmcoreinfo_u64(NULL, vi, "PAGESIZE", &page_size) || !page_size ||
	    (page_size & (page_size - 1)) || page_size > (1u << 20))
		page_size = 4096;
	while ((1ull << page_shift) < page_size)
		page_shift++;

	if (elfcore_vmcoreinfo_symbol(NULL, vi, "mem_section", &sym)) {
		/* FLATMEM: one mem_map for every pfn. */
		if (elfcore_vmcoreinfo_symbol(NULL, vi, "mem_map", &sym))
			return ec_err(ctx, -ENOTSUP, "VMCOREINFO has neither SYMBOL(mem_section) nor SYMBOL(mem_map)");
		pf->nsections = 1;
		pf->section_pfns = pf->max_pfn ? pf->max_pfn : 1;
		pf->mem_maps = calloc(1, sizeof(uint64_t));
		if (!pf->mem_maps)
			return ec_err(ctx, -ENOMEM, "out of memory");
		if (read_u64(pf, sym, &ptr) || !is_kvaddr(ptr))
			return ec_err(ctx, -ENOTSUP, "mem_map pointer at %#" PRIx64 " is not in the dump", sym);
		pf->mem_maps[0] = ptr;
		return 0;
	}
	ssb = vi_number(vi, "SECTION_SIZE_BITS");
	mpb = vi_number(vi, "MAX_PHYSMEM_BITS");
	ms_size = vi_size(vi, "mem_section");
	if (ssb == NOT_FOUND || ssb <= page_shift || ssb > 40)
		return ec_err(ctx, -ENOTSUP, "VMCOREINFO lacks a usable NUMBER(SECTION_SIZE_BITS)");
	if (ms_size <= 0 || vi_offset(vi, "mem_section.section_mem_map") < 0)
		return ec_err(ctx, -ENOTSUP, "VMCOREINFO lacks SIZE(mem_section) or OFFSET(mem_section.section_mem_map)");
	ms_map_off = (uint64_t)vi_offset(vi, "mem_section.section_mem_map");
	if (ms_map_off + 8 > (uint64_t)ms_size)
		return ec_err(ctx, -EINVAL, "OFFSET(mem_section.section_mem_map) past SIZE(mem_section)");
	pf->section_pfns = 1ull << (ssb - page_shift);
	pf->nsections = (pf->max_pfn + pf->section_pfns - 1) / pf->section_pfns;
	if (pf->nsections > PF_MAX_SECTIONS)
		return ec_err(ctx, -ENOTSUP, "%" PRIu64 " memory sections: more than %u supported",
			      pf->nsections, PF_MAX_SECTIONS);
	pf->mem_maps = calloc(pf->nsections ? pf->nsections : 1, sizeof(uint64_t));
	if (!pf->mem_maps)
		return ec_err(ctx, -ENOMEM, "out of memory for %" PRIu64 " sections", pf->nsections);

	/* SPARSEMEM_EXTREME unless LENGTH(mem_section) says the table is flat. */
	len = vi_length(vi, "mem_section");
	extreme = 1;
	if (len != NOT_FOUND && mpb != NOT_FOUND && mpb > ssb && mpb < 64) {
		uint64_t nr_mem = 1ull << (mpb - ssb);
		uint64_t per_root = page_size / (uint64_t)ms_size;

		extreme = (uint64_t)len == (nr_mem + per_root - 1) / per_root;
	}
	sections_from(pf, sym, extreme, extreme ? page_size / (uint64_t)ms_size : 1,
		      (uint64_t)ms_size, ms_map_off, &valid);
	if (!valid && extreme && !read_u64(pf, sym, &ptr) && is_kvaddr(ptr))
		sections_from(pf, ptr, extreme, page_size / (uint64_t)ms_size, (uint64_t)ms_size,
			      ms_map_off, &valid);
	if (!valid)
		return ec_err(ctx, -EIO, "mem_section at %#" PRIx64 ": no valid section in the dump", sym);
	return 0;
}

/* SPARSEMEM_VMEMMAP: every section's mem_map is one slice of a single virtual
 * array; then the struct page at an address can be told (per-CPU lists). */
static void find_linear_mem_map(struct elfcore_pagefilter *pf)
{
	uint64_t base = 0;

	for (uint64_t nr = 0; nr < pf->nsections; nr++) {
		uint64_t b;

		if (!pf->mem_maps[nr])
			continue;
		b = pf->mem_maps[nr] - nr * pf->section_pfns * pf->page_struct;
		if (base && b != base)
			return;
		base = b;
	}
	pf->vmemmap = base;
}

static int setup(struct elfcore_pagefilter *pf, const struct elfcore_vmcoreinfo *vi)
{
	struct elfcore_ctx *ctx = pf->ctx;
	struct pf_numbers *n = &pf->n;
	int ret;

	read_numbers(pf, vi);
	if (pf->off_private >= 0 && n->buddy_mapcount != NOT_FOUND && pf->off_mapcount >= 0)
		pf->buddy = 3;
	else if (pf->off_private >= 0 && n->pg_buddy != NOT_FOUND)
		pf->buddy = 2;

	pf->active = (pf->level & (ELFCORE_DL_CACHE | ELFCORE_DL_CACHE_PRIVATE | ELFCORE_DL_USER)) ||
		     n->pg_hwpoison != NOT_FOUND || ((pf->level & ELFCORE_DL_FREE) && pf->buddy);
	if ((pf->level & ELFCORE_DL_FREE) && !pf->buddy)
		return ec_err(ctx, -ENOTSUP, "dump level 16 needs NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE) "
			      "or NUMBER(PG_buddy), OFFSET(page._mapcount) and OFFSET(page.private) in VMCOREINFO");
	if (!pf->active)
		return 0;

	read_layout(pf, vi);
	if (pf->page_struct < 16 || !in_struct(pf, pf->off_flags, 8) ||
	    !in_struct(pf, pf->off_mapping, 8))
		return ec_err(ctx, -ENOTSUP, "VMCOREINFO lacks SIZE(page), OFFSET(page.flags) or OFFSET(page.mapping)");
	if (pf->off_mapcount >= 0 && !in_struct(pf, pf->off_mapcount, 4))
		pf->off_mapcount = -1;
	if (pf->off_private >= 0 && !in_struct(pf, pf->off_private, 8))
		pf->off_private = -1;
	if (pf->off_compound_head >= 0 && !in_struct(pf, pf->off_compound_head, 8))
		pf->off_compound_head = -1;
	if (!in_struct(pf, pf->order_off, pf->order_width))
		pf->order_off = -1;
	if (!in_struct(pf, pf->dtor_off, pf->dtor_width))
		pf->dtor_off = -1;
	if (pf->buddy == 3 && pf->off_mapcount < 0)
		pf->buddy = 0;

	pf->chunk = malloc(pf->page_struct * PF_CHUNK);
	pf->chunk_ok = malloc(PF_CHUNK);
	if (!pf->chunk || !pf->chunk_ok)
		return ec_err(ctx, -ENOMEM, "out of memory");
	ret = find_mem_maps(pf, vi);
	if (!ret)
		find_linear_mem_map(pf);
	return ret;
}

int elfcore_pagefilter_new(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
			   const struct elfcore_pagefilter_mem *mem, uint64_t max_pfn,
			   unsigned dump_level, struct elfcore_pagefilter **out)
{
	struct elfcore_pagefilter *pf;
	int ret;

	*out = NULL;
	if (dump_level > ELFCORE_DL_MAX)
		return ec_err(ctx, -EINVAL, "dump level %u: must be 0 to %d", dump_level, ELFCORE_DL_MAX);
	if (!vi || !mem || !mem->read_virt)
		return ec_err(ctx, -EINVAL, "page filter: no VMCOREINFO or memory reader");
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return ec_err(ctx, -ENOMEM, "out of memory");
	pf->ctx = ctx;
	pf->mem = mem;
	pf->level = dump_level;
	pf->max_pfn = max_pfn;
	pf->chunk_n = 0;
	ret = setup(pf, vi);
	if (ret) {
		elfcore_pagefilter_free(pf);
		return ret;
	}
	*out = pf;
	return 0;
}

void elfcore_pagefilter_free(struct elfcore_pagefilter *pf)
{
	if (!pf)
		return;
	free(pf->mem_maps);
	free(pf->pcp_pfns);
	free(pf->pcp_heads);
	free(pf->chunk);
	free(pf->chunk_ok);
	free(pf);
}

int elfcore_pagefilter_set_pcp(struct elfcore_pagefilter *pf, int on)
{
	pf->pcp = 0;
	if (!on)
		return 0;
	if (!pf->active || !(pf->level & ELFCORE_DL_FREE) || !pf->vmemmap ||
	    pf->page_struct > PCP_PAGE_STRUCT_MAX || !in_struct(pf, pf->off_refcount, 4) ||
	    !in_struct(pf, pf->off_lru, 16) || pf->off_mapcount < 0)
		return -ENOTSUP;
	pf->pcp = 1;
	return 0;
}

int elfcore_pagefilter_active(const struct elfcore_pagefilter *pf)
{
	return pf && pf->active;
}

const struct elfcore_pagefilter_stats *elfcore_pagefilter_stats(const struct elfcore_pagefilter *pf)
{
	return &pf->stats;
}

/* One pass of 8-byte loads ORed 64 bytes at a time (the compiler makes SSE2
 * of it): cheaper than memcmp against the page itself, which reads it twice,
 * and no AVX2, which QEMU's TCG runs slowly in the lab's guests. */
static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);           /* the page may be unaligned */
	return v;
}

int elfcore_page_is_zero(const void *page, size_t len)
{
	const uint8_t *p = page;
	size_t i = 0;

	for (; i + 64 <= len; i += 64)
		if (load64(p + i) | load64(p + i + 8) | load64(p + i + 16) | load64(p + i + 24) |
		    load64(p + i + 32) | load64(p + i + 40) | load64(p + i + 48) | load64(p + i + 56))
			return 0;
	for (; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- classification of one struct page ---- */

static int test_nr(uint64_t flags, int64_t nr)
{
	return nr != NOT_FOUND && nr >= 0 && nr < 64 && ((flags >> nr) & 1);
}

static uint64_t get_u(const uint8_t *p, int64_t off, int width)
{
	uint64_t v = 0;

	switch (width) {
	case 1:
		return p[off];
	case 2: {
		uint16_t x;

		memcpy(&x, p + off, 2);
		return le16toh(x);
	}
	case 4: {
		uint32_t x;

		memcpy(&x, p + off, 4);
		return le32toh(x);
	}
	default:
		memcpy(&v, p + off, 8);
		return le64toh(v);
	}
}

static int is_slab(const struct pf_numbers *n, uint64_t flags, int32_t mapcount)
{
	if (n->slab_mapcount != NOT_FOUND && mapcount == (int32_t)n->slab_mapcount)
		return 1;
	return test_nr(flags, n->pg_slab);
}

static int is_anon(const struct pf_numbers *n, uint64_t mapping, uint64_t flags, int32_t mapcount)
{
	return (mapping & 1) && !is_slab(n, flags, mapcount);
}

static int is_cache(const struct pf_numbers *n, uint64_t flags)
{
	if (test_nr(flags, n->pg_lru))
		return 1;
	/* PG_swapcache means swap cache only with PG_swapbacked (4.10+). */
	return (n->pg_swapbacked == NOT_FOUND || test_nr(flags, n->pg_swapbacked)) &&
	       test_nr(flags, n->pg_swapcache);
}

static int is_hugetlb(const struct pf_numbers *n, uint64_t dtor)
{
	return dtor == IS_HUGETLB ||
	       (n->hugetlb_dtor != NOT_FOUND && (uint64_t)n->hugetlb_dtor == dtor) ||
	       (n->free_huge_page && n->free_huge_page == dtor);
}

static int is_buddy(const struct elfcore_pagefilter *pf, uint64_t flags, int32_t mapcount)
{
	if (pf->buddy == 2)
		return test_nr(flags, pf->n.pg_buddy);
	if (pf->buddy == 3)
		return !is_slab(&pf->n, flags, mapcount) && mapcount == (int32_t)pf->n.buddy_mapcount;
	return 0;
}

/* ---- per-CPU free lists ----
 * A page freed to a per-CPU list (struct per_cpu_pages) has _refcount 0, no
 * type and no mapping, but it is not PageBuddy: nothing in its struct page
 * says "free". _refcount 0 alone is not proof (the tail pages of an in-use
 * non-compound high-order allocation have it too), so a page counts as free
 * only when it sits on a list that is consistent all the way round (next->prev
 * is the node at every step), whose every member is such a page, and which
 * closes through exactly one node outside mem_map: the list head inside
 * struct per_cpu_pages. Buddy lists fail (their members are PageBuddy), so do
 * stale or torn links: then the pages are kept. Only the first page of a
 * high-order entry is on the list; the others are kept. */

static int pcp_candidate(const struct elfcore_pagefilter *pf, const uint8_t *p)
{
	const struct pf_numbers *n = &pf->n;
	int64_t nrs[] = { n->pg_lru, n->pg_private, n->pg_swapcache, n->pg_swapbacked, n->pg_slab,
			  n->pg_hwpoison, n->pg_buddy };
	uint64_t flags = get_u(p, pf->off_flags, 8);

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		if (test_nr(flags, nrs[i]))
			return 0;
	if (n->pg_head_mask != NOT_FOUND && (flags & (uint64_t)n->pg_head_mask))
		return 0;
	if (pf->off_compound_head >= 0 && (get_u(p, pf->off_compound_head, 8) & 1))
		return 0;
	return get_u(p, pf->off_refcount, 4) == 0 && get_u(p, pf->off_mapping, 8) == 0 &&
	       (int32_t)get_u(p, pf->off_mapcount, 4) == -1;
}

/* A list node at addr: 1 the lru of a free candidate page (*pfn), 0 outside
 * mem_map (a list head), -1 anything else. */
static int pcp_node(struct elfcore_pagefilter *pf, uint64_t addr, uint64_t *pfn)
{
	uint8_t page[PCP_PAGE_STRUCT_MAX];
	uint64_t end = pf->vmemmap + pf->max_pfn * pf->page_struct, rel;

	if (addr < pf->vmemmap || addr >= end)
		return 0;
	rel = addr - pf->vmemmap;
	if (rel % pf->page_struct != (uint64_t)pf->off_lru)
		return -1;
	*pfn = rel / pf->page_struct;
	if (pf->mem->read_virt(pf->mem->priv, addr - (uint64_t)pf->off_lru, page, pf->page_struct))
		return -1;
	return pcp_candidate(pf, page) ? 1 : -1;
}

/* Follow one link: *next = cur->next, checked by next->prev == cur. */
static int pcp_link(struct elfcore_pagefilter *pf, uint64_t cur, uint64_t *next)
{
	uint64_t back;

	if (pf->pcp_steps >= PCP_STEPS_MAX)
		return 0;
	pf->pcp_steps++;
	return !read_u64(pf, cur + (uint64_t)pf->lh_next, next) && is_kvaddr(*next) &&
	       !read_u64(pf, *next + (uint64_t)pf->lh_prev, &back) && back == cur;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Add the sorted pfns new[0..n) to the remembered set (bounded). */
static void pcp_remember(struct elfcore_pagefilter *pf, const uint64_t *add, size_t n)
{
	size_t total = pf->pcp_n + n, i = 0, j = 0, k = 0;
	uint64_t *merged;

	if (total > PCP_PAGES_MAX)
		return;                                   /* too many: keep them */
	merged = malloc((total ? total : 1) * sizeof(*merged));
	if (!merged)
		return;
	while (i < pf->pcp_n || j < n) {
		uint64_t v = j >= n || (i < pf->pcp_n && pf->pcp_pfns[i] <= add[j]) ? pf->pcp_pfns[i++]
										 : add[j++];

		if (!k || merged[k - 1] != v)
			merged[k++] = v;
	}
	free(pf->pcp_pfns);
	pf->pcp_pfns = merged;
	pf->pcp_n = k;
}

/* Record a list head; 0 when it was seen before (its list was walked then:
 * not a free list, or its pages would be known) or cannot be recorded. */
static int pcp_new_head(struct elfcore_pagefilter *pf, uint64_t head)
{
	size_t i;

	if (pf->heads_n >= PCP_HEADS_MAX ||
	    (pf->heads_n && bsearch(&head, pf->pcp_heads, pf->heads_n, sizeof(head), cmp_u64)))
		return 0;
	if (pf->heads_n == pf->heads_cap) {
		size_t c = pf->heads_cap ? 2 * pf->heads_cap : 64;
		uint64_t *h = realloc(pf->pcp_heads, c * sizeof(*h));

		if (!h)
			return 0;
		pf->pcp_heads = h;
		pf->heads_cap = c;
	}
	for (i = pf->heads_n++; i > 0 && pf->pcp_heads[i - 1] > head; i--)
		pf->pcp_heads[i] = pf->pcp_heads[i - 1];
	pf->pcp_heads[i] = head;
	return 1;
}

/* Walk once round the list the candidate page pfn is on; remember its pages
 * when it is a per-CPU free list: every node a free candidate but exactly one,
 * the head outside mem_map. */
static void pcp_walk(struct elfcore_pagefilter *pf, uint64_t pfn)
{
	uint64_t start = pf->vmemmap + pfn * pf->page_struct + (uint64_t)pf->off_lru;
	uint64_t cur = start, next, member, *pages = NULL;
	size_t n = 0, cap = 0;
	int kind, heads = 0;

	for (;; cur = next) {
		if (n >= PCP_LIST_MAX || !pcp_link(pf, cur, &next) ||
		    (kind = pcp_node(pf, cur, &member)) < 0)
			goto out;
		if (kind == 0) {
			if (heads++ || !pcp_new_head(pf, cur))
				goto out;
		} else {
			if (n == cap) {
				size_t c = cap ? 2 * cap : 256;
				uint64_t *g = realloc(pages, c * sizeof(*g));

				if (!g)
					goto out;
				pages = g;
				cap = c;
			}
			pages[n++] = member;
		}
		if (next == start)
			break;
	}
	if (heads != 1)
		goto out;
	qsort(pages, n, sizeof(*pages), cmp_u64);
	pcp_remember(pf, pages, n);
out:
	free(pages);
}

static int pcp_known(const struct elfcore_pagefilter *pf, uint64_t pfn)
{
	return pf->pcp_n && bsearch(&pfn, pf->pcp_pfns, pf->pcp_n, sizeof(pfn), cmp_u64);
}

/* Whether the free candidate page pfn is on a per-CPU free list. The lowest
 * pfn of a list reaches here first and walks it for all its pages. */
static int pcp_member(struct elfcore_pagefilter *pf, uint64_t pfn)
{
	if (pcp_known(pf, pfn))
		return 1;
	pcp_walk(pf, pfn);
	return pcp_known(pf, pfn);
}

/* Classify the page at pfn from its struct page p and, for a compound head,
 * the first tail page next (NULL when unknown). *nr: pages the decision covers. */
static enum pf_class classify(struct elfcore_pagefilter *pf, uint64_t pfn, const uint8_t *p,
			      const uint8_t *next, uint64_t *nr)
{
	const struct pf_numbers *n = &pf->n;
	uint64_t flags = get_u(p, pf->off_flags, 8);
	uint64_t mapping = get_u(p, pf->off_mapping, 8);
	int32_t mapcount = pf->off_mapcount >= 0 ? (int32_t)get_u(p, pf->off_mapcount, 4) : 0;
	uint64_t private = pf->off_private >= 0 ? get_u(p, pf->off_private, 8) : 0;
	uint64_t head = pf->off_compound_head >= 0 ? get_u(p, pf->off_compound_head, 8) : 0;
	uint64_t order = 0, dtor = 0;
	unsigned level = pf->level;

	if (next && n->pg_head_mask != NOT_FOUND && (flags & (uint64_t)n->pg_head_mask)) {
		if (n->hugetlb_mapcount != NOT_FOUND) {           /* 6.9+ */
			order = get_u(next, pf->off_flags, 8) & 0xff;
			if (mapcount == (int32_t)n->hugetlb_mapcount)
				dtor = IS_HUGETLB;
		} else if (n->pg_hugetlb != NOT_FOUND) {          /* 6.6+: folio._flags_1 */
			uint64_t flags1 = get_u(next, pf->off_flags, 8);

			order = flags1 & 0xff;
			if (test_nr(flags1, n->pg_hugetlb))
				dtor = IS_HUGETLB;
		} else {
			if (pf->order_off >= 0)
				order = get_u(next, pf->order_off, pf->order_width);
			if (pf->dtor_off >= 0)
				dtor = get_u(next, pf->dtor_off, pf->dtor_width);
		}
		if (order >= 64 || (pfn & ((1ull << order) - 1)))
			order = 0;                                /* not a real head */
	}
	*nr = 1ull << order;

	if (head & 1)
		return PF_KEEP;                                   /* tail: its head decides */
	if ((level & ELFCORE_DL_FREE) && is_buddy(pf, flags, mapcount)) {
		if ((n->free_area_len != NOT_FOUND && private >= (uint64_t)n->free_area_len) ||
		    private >= 64) {
			pf->stats.bad_order++;
			*nr = 1;
			return PF_KEEP;
		}
		*nr = 1ull << private;
		return PF_FREE;
	}
	if ((level & ELFCORE_DL_FREE) && pf->pcp && pcp_candidate(pf, p) && pcp_member(pf, pfn)) {
		*nr = 1;
		return PF_FREE_PCP;
	}
	if ((level & ELFCORE_DL_FREE) && n->unaccepted_mapcount != NOT_FOUND &&
	    mapcount == (int32_t)n->unaccepted_mapcount && n->free_area_len != NOT_FOUND &&
	    n->free_area_len >= 1 && n->free_area_len <= 64) {
		*nr = 1ull << (n->free_area_len - 1);
		return PF_FREE;
	}
	if ((level & ELFCORE_DL_CACHE) && is_cache(n, flags) && !test_nr(flags, n->pg_private) &&
	    !is_anon(n, mapping, flags, mapcount))
		return PF_CACHE;
	if ((level & ELFCORE_DL_CACHE_PRIVATE) && is_cache(n, flags) &&
	    !is_anon(n, mapping, flags, mapcount))
		return test_nr(flags, n->pg_private) ? PF_CACHE_PRIVATE : PF_CACHE;
	if ((level & ELFCORE_DL_USER) && (is_anon(n, mapping, flags, mapcount) || is_hugetlb(n, dtor)))
		return PF_USER;
	if (test_nr(flags, n->pg_hwpoison))
		return PF_HWPOISON;
	if (n->offline_mapcount != NOT_FOUND && !is_slab(n, flags, mapcount) &&
	    mapcount == (int32_t)n->offline_mapcount)
		return PF_OFFLINE;
	*nr = 1;
	return PF_KEEP;
}

/* ---- cycles ---- */

static uint64_t *counter(struct elfcore_pagefilter *pf, enum pf_class c)
{
	switch (c) {
	case PF_CACHE:         return &pf->stats.cache;
	case PF_CACHE_PRIVATE: return &pf->stats.cache_private;
	case PF_USER:          return &pf->stats.user;
	case PF_FREE:          return &pf->stats.free;
	case PF_FREE_PCP:      return &pf->stats.free_pcp;
	case PF_HWPOISON:      return &pf->stats.hwpoison;
	case PF_OFFLINE:       return &pf->stats.offline;
	default:               return &pf->stats.unclassified;
	}
}

static int bit_test(const uint8_t *bm, uint64_t i)
{
	return (bm[i >> 3] >> (i & 7)) & 1;
}

/* Clear [from, to) of the cycle [start, end); count the bits that were set. */
static void exclude(struct elfcore_pagefilter *pf, uint64_t start, uint64_t end, uint8_t *bm,
		    uint64_t from, uint64_t to, enum pf_class c)
{
	uint64_t *cnt = counter(pf, c);

	if (to > end) {
		pf->carry_start = end;
		pf->carry_end = to;
		pf->carry_class = c;
		to = end;
	}
	for (uint64_t pfn = from; pfn < to; pfn++) {
		uint64_t i = pfn - start;

		if (bit_test(bm, i)) {
			bm[i >> 3] &= (uint8_t)~(1u << (i & 7));
			(*cnt)++;
		}
	}
}

/* Make the struct page of pfn (in section sec) available in the chunk buffer. */
static void load_chunk(struct elfcore_pagefilter *pf, uint64_t pfn, uint64_t sec)
{
	uint64_t sec_start = sec * pf->section_pfns;
	uint64_t sec_end = sec_start + pf->section_pfns;
	uint64_t cstart = pfn & ~(uint64_t)(PF_CHUNK - 1);
	uint64_t n, base;
	size_t sz = pf->page_struct;

	if (cstart < sec_start)
		cstart = sec_start;
	n = PF_CHUNK - (cstart & (PF_CHUNK - 1));
	if (cstart + n > sec_end)
		n = sec_end - cstart;
	if (cstart + n > pf->max_pfn && pf->max_pfn > cstart)
		n = pf->max_pfn - cstart;
	base = pf->mem_maps[sec] + (cstart - sec_start) * sz;
	pf->chunk_start = cstart;
	pf->chunk_n = n;
	if (!pf->mem->read_virt(pf->mem->priv, base, pf->chunk, n * sz)) {
		memset(pf->chunk_ok, 1, n);
		return;
	}
	/* Part of the mem_map is missing: take what can be read. */
	for (uint64_t i = 0; i < n; i++)
		pf->chunk_ok[i] = !pf->mem->read_virt(pf->mem->priv, base + i * sz,
						      pf->chunk + i * sz, sz);
}

int elfcore_pagefilter_cycle(struct elfcore_pagefilter *pf, uint64_t start, uint64_t end,
			     uint8_t *bm)
{
	uint64_t pfn = start;

	if (start == 0) {
		memset(&pf->stats, 0, sizeof(pf->stats));
		pf->carry_start = pf->carry_end = 0;
	}
	if (!pf->active || end <= start)
		return 0;
	if (end > pf->max_pfn)
		end = pf->max_pfn;
	pf->chunk_n = 0;

	if (pf->carry_end > start && pf->carry_start <= start) {
		uint64_t to = pf->carry_end;

		pf->carry_start = pf->carry_end = 0;
		exclude(pf, start, end, bm, start, to, pf->carry_class);
		pfn = to;
	}

	while (pfn < end) {
		uint64_t i = pfn - start, sec, idx, nr;
		const uint8_t *p, *next = NULL;
		enum pf_class c;

		/* Skip runs of absent pfns a byte at a time. */
		if (!(i & 7) && !bm[i >> 3]) {
			pfn += 8;
			continue;
		}
		if (!bit_test(bm, i)) {
			pfn++;
			continue;
		}
		sec = pfn / pf->section_pfns;
		if (sec >= pf->nsections || !pf->mem_maps[sec]) {
			pf->stats.unclassified++;
			pfn++;
			continue;
		}
		if (!pf->chunk_n || pfn < pf->chunk_start || pfn >= pf->chunk_start + pf->chunk_n)
			load_chunk(pf, pfn, sec);
		idx = pfn - pf->chunk_start;
		if (!pf->chunk_ok[idx]) {
			pf->stats.unclassified++;
			pfn++;
			continue;
		}
		p = pf->chunk + idx * pf->page_struct;
		if (idx + 1 < pf->chunk_n && pf->chunk_ok[idx + 1])
			next = p + pf->page_struct;
		c = classify(pf, pfn, p, next, &nr);
		if (c == PF_KEEP) {
			pfn++;
			continue;
		}
		exclude(pf, start, end, bm, pfn, pfn + nr, c);
		pfn += nr;
	}
	return 0;
}
