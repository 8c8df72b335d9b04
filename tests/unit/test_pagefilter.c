/* Unit tests for page filtering: a synthetic kernel memory with a mem_section
 * table and a mem_map holding each kind of page, classified at every dump
 * level and with every cycle size. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elfcore/pagefilter.h"
#include "elfcore/vmcoreinfo.h"

/* 512 pfns per section (SECTION_SIZE_BITS 21), 4 sections. */
#define SEC_PFNS   512
#define NSEC       4
#define MAX_PFN    (SEC_PFNS * NSEC)
#define PS         64                         /* SIZE(page) */
#define ROOT_VA    0xffff888000100000ull      /* the root array (mem_section) */
#define MS_VA      0xffff888000200000ull      /* one page of struct mem_section */
#define VMEMMAP_VA 0xffffea0000000000ull

/* struct page layout of 6.1 x86_64 */
#define O_FLAGS    0
#define O_HEAD     8
#define O_DTOR     16
#define O_ORDER    17
#define O_MAPPING  24
#define O_PRIVATE  40
#define O_MAPCOUNT 48
#define O_REFCOUNT 52
#define O_LRU      8

enum { PG_lru = 4, PG_slab = 9, PG_swapcache = 10, PG_private = 13, PG_head = 16,
       PG_swapbacked = 19, PG_hwpoison = 23 };

static const char vmcoreinfo_text[] =
	"OSRELEASE=6.1.0-56-amd64\n"
	"PAGESIZE=4096\n"
	"SYMBOL(mem_section)=ffff888000100000\n"
	"LENGTH(mem_section)=2048\n"
	"SIZE(mem_section)=16\n"
	"OFFSET(mem_section.section_mem_map)=0\n"
	"SIZE(page)=64\n"
	"OFFSET(page.flags)=0\n"
	"OFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\n"
	"OFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\n"
	"OFFSET(page.private)=40\n"
	"OFFSET(page.compound_dtor)=16\n"
	"OFFSET(page.compound_order)=17\n"
	"OFFSET(page.compound_head)=8\n"
	"LENGTH(zone.free_area)=11\n"
	"NUMBER(SECTION_SIZE_BITS)=21\n"
	"NUMBER(MAX_PHYSMEM_BITS)=40\n"
	"NUMBER(PG_lru)=4\n"
	"NUMBER(PG_private)=13\n"
	"NUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=19\n"
	"NUMBER(PG_slab)=9\n"
	"NUMBER(PG_hwpoison)=23\n"
	"NUMBER(PG_head_mask)=65536\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(HUGETLB_PAGE_DTOR)=2\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";

struct fake_mem {
	uint64_t root[1];
	uint8_t ms[4096];
	uint8_t memmap[MAX_PFN * PS];
	uint64_t bad_from, bad_to;            /* unreadable vmemmap range */
};

static struct fake_mem *mem;
static struct elfcore_ctx *ctx;
static struct elfcore_vmcoreinfo *vi;

static int fake_read(void *priv, uint64_t va, void *buf, size_t len)
{
	struct fake_mem *m = priv;

	if (va == ROOT_VA && len <= sizeof(m->root)) {
		memcpy(buf, m->root, len);
		return 0;
	}
	if (va >= MS_VA && va + len <= MS_VA + sizeof(m->ms)) {
		memcpy(buf, m->ms + (va - MS_VA), len);
		return 0;
	}
	if (va >= VMEMMAP_VA && va + len <= VMEMMAP_VA + sizeof(m->memmap)) {
		if (va < m->bad_to && va + len > m->bad_from)
			return -EFAULT;
		memcpy(buf, m->memmap + (va - VMEMMAP_VA), len);
		return 0;
	}
	return -EFAULT;
}

static struct elfcore_pagefilter_mem reader = { fake_read, NULL };

static uint8_t *sp(uint64_t pfn) { return mem->memmap + pfn * PS; }
static void set64(uint64_t pfn, int off, uint64_t v) { memcpy(sp(pfn) + off, &v, 8); }
static void set32(uint64_t pfn, int off, uint32_t v) { memcpy(sp(pfn) + off, &v, 4); }
static void flags(uint64_t pfn, uint64_t f) { set64(pfn, O_FLAGS, f); }

static void compound(uint64_t head, unsigned order, uint64_t head_flags, uint8_t dtor)
{
	flags(head, head_flags | 1ull << PG_head);
	sp(head + 1)[O_ORDER] = (uint8_t)order;
	sp(head + 1)[O_DTOR] = dtor;
	for (uint64_t t = 1; t < (1ull << order); t++)
		set64(head + t, O_HEAD, (VMEMMAP_VA + head * PS) | 1);
}

static void buddy(uint64_t pfn, uint64_t order)
{
	set32(pfn, O_MAPCOUNT, (uint32_t)-129);
	set64(pfn, O_PRIVATE, order);
}

static uint64_t lru_va(uint64_t pfn) { return VMEMMAP_VA + pfn * PS + O_LRU; }

/* A per-CPU free list: head (a list_head at MS_VA + head_off) -> pfns[0] ->
 * ... -> head, each page free-looking (_refcount 0, _mapcount -1). */
static void pcp_list(uint64_t head_off, const uint64_t *pfns, size_t n)
{
	uint64_t head = MS_VA + head_off;

	for (size_t i = 0; i < n; i++) {
		uint64_t next = i + 1 < n ? lru_va(pfns[i + 1]) : head;
		uint64_t prev = i ? lru_va(pfns[i - 1]) : head;

		set64(pfns[i], O_LRU, next);
		set64(pfns[i], O_LRU + 8, prev);
		set32(pfns[i], O_MAPCOUNT, (uint32_t)-1);
	}
	memcpy(mem->ms + head_off, &(uint64_t){ lru_va(pfns[0]) }, 8);
	memcpy(mem->ms + head_off + 8, &(uint64_t){ lru_va(pfns[n - 1]) }, 8);
}

static int setup(void **state)
{
	ctx = elfcore_ctx_new();
	mem = calloc(1, sizeof(*mem));
	if (!ctx || !mem)
		return -1;
	reader.priv = mem;
	if (elfcore_vmcoreinfo_parse(ctx, vmcoreinfo_text, sizeof(vmcoreinfo_text) - 1, &vi))
		return -1;
	mem->root[0] = MS_VA;
	/* sections 0, 1, 3 present; 2 has no mem_map */
	for (uint64_t nr = 0; nr < NSEC; nr++) {
		uint64_t coded = VMEMMAP_VA + nr * SEC_PFNS * PS - nr * SEC_PFNS * PS;

		if (nr == 2)
			continue;
		coded |= 1 | 2;                                /* PRESENT | HAS_MEM_MAP */
		memcpy(mem->ms + nr * 16, &coded, 8);
	}
	flags(10, 1ull << PG_lru);                                     /* cache */
	set64(10, O_MAPPING, 0xffff888001234560ull);
	flags(11, 1ull << PG_lru | 1ull << PG_private);                /* cache, private */
	flags(12, 1ull << PG_lru | 1ull << PG_swapbacked);             /* anonymous */
	set64(12, O_MAPPING, 0xffff888001234561ull);
	buddy(16, 3);                                                  /* free 16..23 */
	compound(32, 2, 0, 2);                                         /* hugetlb 32..35 */
	flags(40, 1ull << PG_slab);                                    /* slab, odd mapping */
	set64(40, O_MAPPING, 0xffff888001234561ull);
	flags(41, 1ull << PG_swapcache | 1ull << PG_swapbacked);       /* swap cache */
	flags(42, 1ull << PG_swapcache);                               /* not swap cache */
	flags(43, 1ull << PG_hwpoison);
	set32(44, O_MAPCOUNT, (uint32_t)-257);                         /* offline */
	flags(45, 1ull << PG_slab);                                    /* slab, buddy-like */
	set32(45, O_MAPCOUNT, (uint32_t)-129);
	buddy(46, 11);                                                 /* impossible order */
	compound(48, 4, 1ull << PG_lru, 0);                            /* cache 48..63 */
	buddy(496, 4);                                                 /* free 496..511 */
	buddy(512, 9);                                                 /* free 512..1023 */
	compound(1536, 3, 0, 0);                                       /* kernel compound */
	buddy(1600, 0);                                                /* unreadable below */
	mem->bad_from = VMEMMAP_VA + 1600 * PS;
	mem->bad_to = VMEMMAP_VA + 1601 * PS;

	pcp_list(1024, (const uint64_t[]){ 105, 100, 101 }, 3);         /* per-CPU free list */
	pcp_list(1040, (const uint64_t[]){ 200, 201 }, 2);              /* ring with no head: */
	set64(201, O_LRU, lru_va(200));
	set64(200, O_LRU + 8, lru_va(201));
	pcp_list(1056, (const uint64_t[]){ 300, 301 }, 2);              /* torn prev link */
	set64(301, O_LRU + 8, lru_va(302));
	pcp_list(1072, (const uint64_t[]){ 400, 401 }, 2);              /* a member in use */
	set32(401, O_REFCOUNT, 1);
	return 0;
}

static int teardown(void **state)
{
	elfcore_vmcoreinfo_free(vi);
	elfcore_ctx_free(ctx);
	free(mem);
	return 0;
}

/* RAM: every pfn except a hole at 700..799. */
static void fill_ram(uint8_t *bm, uint64_t start, uint64_t end)
{
	memset(bm, 0, (end - start + 7) / 8);
	for (uint64_t pfn = start; pfn < end; pfn++)
		if (pfn < 700 || pfn >= 800)
			bm[(pfn - start) / 8] |= (uint8_t)(1u << ((pfn - start) % 8));
}

static int pcp_on;       /* run() with elfcore_pagefilter_set_pcp */

/* Run a full pass with cycles of cycle pfns; result[pfn] = 1 when kept. */
static struct elfcore_pagefilter_stats run(unsigned level, uint64_t cycle, uint8_t *result)
{
	struct elfcore_pagefilter *pf = NULL;
	struct elfcore_pagefilter_stats st;
	uint8_t *bm = malloc((cycle + 7) / 8);

	assert_non_null(bm);
	assert_int_equal(elfcore_pagefilter_new(ctx, vi, &reader, MAX_PFN, level, &pf), 0);
	if (pcp_on)
		assert_int_equal(elfcore_pagefilter_set_pcp(pf, 1), 0);
	for (uint64_t s = 0; s < MAX_PFN; s += cycle) {
		uint64_t e = s + cycle > MAX_PFN ? MAX_PFN : s + cycle;

		fill_ram(bm, s, e);
		assert_int_equal(elfcore_pagefilter_cycle(pf, s, e, bm), 0);
		for (uint64_t pfn = s; pfn < e; pfn++)
			result[pfn] = (bm[(pfn - s) / 8] >> ((pfn - s) % 8)) & 1;
	}
	st = *elfcore_pagefilter_stats(pf);
	elfcore_pagefilter_free(pf);
	free(bm);
	return st;
}

static int kept(const uint8_t *r, uint64_t from, uint64_t to)
{
	for (uint64_t p = from; p < to; p++)
		if (!r[p])
			return 0;
	return 1;
}

static int dropped(const uint8_t *r, uint64_t from, uint64_t to)
{
	for (uint64_t p = from; p < to; p++)
		if (r[p])
			return 0;
	return 1;
}

static void test_level_31(void **state)
{
	uint8_t r[MAX_PFN];
	struct elfcore_pagefilter_stats st = run(31, MAX_PFN, r);

	assert_true(dropped(r, 10, 13));            /* cache, cache private, anon */
	assert_true(kept(r, 13, 16));
	assert_true(dropped(r, 16, 24));            /* buddy order 3 */
	assert_true(kept(r, 24, 32));
	assert_true(dropped(r, 32, 36));            /* hugetlb */
	assert_true(kept(r, 40, 41));               /* slab with odd mapping */
	assert_true(dropped(r, 41, 42));            /* swap cache */
	assert_true(kept(r, 42, 43));               /* swapcache without swapbacked */
	assert_true(dropped(r, 43, 45));            /* hwpoison, offline */
	assert_true(kept(r, 45, 47));               /* slab with buddy value, bad order */
	assert_true(dropped(r, 48, 64));            /* compound cache */
	assert_true(dropped(r, 496, 700));          /* buddy 496.., 512..1023 (hole after 700) */
	assert_true(dropped(r, 800, 1024));
	assert_true(kept(r, 1024, 1600));           /* no mem_map; kernel compound page */
	assert_true(kept(r, 1600, 1601));           /* unreadable struct page */
	assert_int_equal(st.cache, 1 + 1 + 16);
	assert_int_equal(st.cache_private, 1);
	assert_int_equal(st.user, 1 + 4);
	assert_int_equal(st.free, 8 + 16 + 512 - 100);
	assert_int_equal(st.hwpoison, 1);
	assert_int_equal(st.offline, 1);
	assert_int_equal(st.bad_order, 1);
	assert_int_equal(st.unclassified, 512 + 1);
}

static void test_levels(void **state)
{
	uint8_t r[MAX_PFN];
	struct elfcore_pagefilter_stats st;

	st = run(0, MAX_PFN, r);                    /* hwpoison/offline only */
	assert_true(kept(r, 0, 43) && dropped(r, 43, 45) && kept(r, 45, 700));
	assert_int_equal(st.hwpoison + st.offline, 2);

	st = run(2, MAX_PFN, r);                    /* cache without private */
	assert_true(dropped(r, 10, 11) && kept(r, 11, 13) && dropped(r, 41, 42));
	assert_true(dropped(r, 48, 64) && kept(r, 16, 24));

	st = run(4, MAX_PFN, r);                    /* every cache page */
	assert_true(dropped(r, 10, 12) && kept(r, 12, 13));
	assert_int_equal(st.cache_private, 1);

	st = run(8, MAX_PFN, r);                    /* user */
	assert_true(kept(r, 10, 12) && dropped(r, 12, 13) && dropped(r, 32, 36));
	assert_true(kept(r, 40, 41) && kept(r, 48, 64));

	st = run(16, MAX_PFN, r);                   /* free */
	assert_true(kept(r, 10, 16) && dropped(r, 16, 24) && kept(r, 45, 46));
	assert_true(dropped(r, 512, 700));
	assert_int_equal(st.user + st.cache, 0);
}

/* Whatever the cycle size, the same pages are kept and counted. */
static void test_cycles(void **state)
{
	static const uint64_t sizes[] = { 8, 16, 13, 500, 504, 511, 512, 513, 1000 };
	uint8_t ref[MAX_PFN], r[MAX_PFN];
	struct elfcore_pagefilter_stats st0 = run(31, MAX_PFN, ref), st;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		st = run(31, sizes[i], r);
		assert_memory_equal(ref, r, MAX_PFN);
		assert_memory_equal(&st0, &st, sizeof(st));
	}
}

/* Per-CPU free lists: only a consistent list with one head outside mem_map
 * and only free-looking members counts, whatever the cycle size. */
static void test_pcp_lists(void **state)
{
	static const uint64_t sizes[] = { 8, 13, 101, 104, 512, MAX_PFN };
	uint8_t r[MAX_PFN], ref[MAX_PFN];
	struct elfcore_pagefilter_stats st;
	struct elfcore_pagefilter *pf = NULL;

	st = run(31, MAX_PFN, ref);                  /* off: makedumpfile's set */
	assert_true(kept(ref, 100, 102) && kept(ref, 105, 106));
	assert_int_equal(st.free_pcp, 0);
	pcp_on = 1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		st = run(31, sizes[i], r);
		assert_true(dropped(r, 100, 102) && kept(r, 102, 105) && dropped(r, 105, 106));
		assert_true(kept(r, 200, 202) && kept(r, 300, 302) && kept(r, 400, 402));
		assert_int_equal(st.free_pcp, 3);
		r[100] = r[101] = r[105] = 1;
		assert_memory_equal(ref, r, MAX_PFN);    /* nothing else changes */
	}
	pcp_on = 0;
	assert_int_equal(elfcore_pagefilter_new(ctx, vi, &reader, MAX_PFN, 15, &pf), 0);
	assert_int_equal(elfcore_pagefilter_set_pcp(pf, 1), -ENOTSUP);
	elfcore_pagefilter_free(pf);
}

static void test_missing_info(void **state)
{
	static const char text[] = "OSRELEASE=6.1.0\nPAGESIZE=4096\nSIZE(page)=64\n";
	struct elfcore_vmcoreinfo *v = NULL;
	struct elfcore_pagefilter *pf = (void *)1;

	assert_int_equal(elfcore_vmcoreinfo_parse(ctx, text, sizeof(text) - 1, &v), 0);
	assert_int_equal(elfcore_pagefilter_new(ctx, v, &reader, MAX_PFN, 31, &pf), -ENOTSUP);
	assert_null(pf);
	/* level 1 needs no struct page: inactive filter */
	assert_int_equal(elfcore_pagefilter_new(ctx, v, &reader, MAX_PFN, 1, &pf), 0);
	assert_false(elfcore_pagefilter_active(pf));
	elfcore_pagefilter_free(pf);
	assert_int_equal(elfcore_pagefilter_new(ctx, v, &reader, MAX_PFN, 32, &pf), -EINVAL);
	elfcore_vmcoreinfo_free(v);
}

static void test_zero(void **state)
{
	uint8_t page[4096] = { 0 };

	assert_true(elfcore_page_is_zero(page, sizeof(page)));
	page[4095] = 1;
	assert_false(elfcore_page_is_zero(page, sizeof(page)));
	page[4095] = 0;
	page[0] = 1;
	assert_false(elfcore_page_is_zero(page, sizeof(page)));
	assert_true(elfcore_page_is_zero(page + 1, 13));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_31),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_pcp_lists),
		cmocka_unit_test(test_missing_info),
		cmocka_unit_test(test_zero),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
