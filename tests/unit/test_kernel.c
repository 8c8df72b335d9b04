/* Unit tests for the kernel view and x86_64 translation, on synthetic page
 * tables (tests/unit/synth_mem.h) in both paging modes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "elfcore/kernel.h"
#include "synth_mem.h"

struct fixture {
	struct elfcore_ctx *ctx;
	struct synth_mem mem;
	struct elfcore_vmcoreinfo *vi;
	struct elfcore_kernel *k;
};

static struct fixture *fx;

static int open_view(void)
{
	int ret = elfcore_vmcoreinfo_parse(fx->ctx, fx->mem.vmcoreinfo, fx->mem.vmcoreinfo_len, &fx->vi);

	if (ret)
		return ret;
	return elfcore_kernel_open_mem(fx->ctx, fx->vi, synth_read, &fx->mem, &fx->k);
}

static int setup_levels(unsigned int levels)
{
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->ctx = elfcore_ctx_new();
	synth_init(&fx->mem, levels);
	return 0;
}

static int setup4(void **state) { return setup_levels(4); }
static int setup5(void **state) { return setup_levels(5); }

static int teardown(void **state)
{
	elfcore_kernel_close(fx->k);
	elfcore_vmcoreinfo_free(fx->vi);
	synth_free(&fx->mem);
	elfcore_ctx_free(fx->ctx);
	free(fx);
	fx = NULL;
	return 0;
}

static void test_open_finds_bases(void **state)
{
	unsigned int levels = fx->mem.levels;

	assert_int_equal(open_view(), 0);
	assert_string_equal(elfcore_kernel_arch(fx->k), "x86_64");
	assert_int_equal(elfcore_kernel_paging_levels(fx->k), levels);
	assert_int_equal(elfcore_kernel_kaslr_offset(fx->k), SYNTH_KASLR);
	assert_int_equal(elfcore_kernel_phys_base(fx->k), SYNTH_PHYS_BASE);
	assert_int_equal(elfcore_kernel_page_offset(fx->k), fx->mem.page_offset);
	assert_int_equal(elfcore_kernel_vmemmap_base(fx->k), fx->mem.vmemmap);
}

static void test_kernel_text_2m(void **state)
{
	struct elfcore_vtop_walk w;
	uint64_t va = SYNTH_INIT_TOP_PGT + 0x123, pa;
	unsigned int levels = fx->mem.levels;

	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_vtop_walk(fx->k, va, &w), 0);
	assert_int_equal(w.method, ELFCORE_VTOP_PAGE_TABLES);
	assert_int_equal(w.paddr, fx->mem.pgd + 0x123);
	assert_int_equal(w.page_size, 2u << 20);
	assert_int_equal(w.nlevels, levels - 1);
	assert_string_equal(w.level[0].name, "pgd");
	assert_int_equal(w.level[0].table, fx->mem.pgd);
	assert_int_equal(w.level[0].index, levels == 5 ? 511 : 511);
	assert_string_equal(w.level[w.nlevels - 1].name, "pmd");
	assert_true(w.level[w.nlevels - 1].entry & 0x80);
	assert_int_equal(elfcore_kernel_vtop(fx->k, va, &pa), 0);
	assert_int_equal(pa, fx->mem.pgd + 0x123);
}

static void test_direct_map_1g(void **state)
{
	struct elfcore_vtop_walk w;
	uint64_t va = fx->mem.page_offset + (1u << 30) + 0x5678;
	unsigned char in[16] = "direct map 1G!!", out[16];

	synth_write(&fx->mem, (1u << 30) + 0x5678, in, sizeof(in));
	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_vtop_walk(fx->k, va, &w), 0);
	assert_int_equal(w.paddr, (1u << 30) + 0x5678);
	assert_int_equal(w.page_size, 1u << 30);
	assert_string_equal(w.level[w.nlevels - 1].name, "pud");
	assert_int_equal(elfcore_kernel_read(fx->k, va, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
}

/* A vmalloc-style 4K mapping of two pages that are not adjacent physically;
 * a read across them must stitch the two. */
static void test_vmalloc_4k_across_pages(void **state)
{
	uint64_t va = fx->mem.levels == 5 ? UINT64_C(0xffa0000000010000) : UINT64_C(0xffffc90000010000);
	struct elfcore_vtop_walk w;
	char buf[16];

	synth_map(&fx->mem, va, 0x800000, 4096);
	synth_map(&fx->mem, va + 4096, 0x700000, 4096);
	synth_write(&fx->mem, 0x800000 + 4088, "ABCDEFGH", 8);
	synth_write(&fx->mem, 0x700000, "IJKLMNOP", 8);
	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_vtop_walk(fx->k, va + 4097, &w), 0);
	assert_int_equal(w.nlevels, fx->mem.levels);
	assert_string_equal(w.level[w.nlevels - 1].name, "pte");
	assert_int_equal(w.level[w.nlevels - 1].index, 17);
	assert_int_equal(w.paddr, 0x700001);
	assert_int_equal(w.page_size, 4096);
	if (fx->mem.levels == 5)
		assert_string_equal(w.level[1].name, "p4d");
	assert_int_equal(elfcore_kernel_read(fx->k, va + 4088, buf, 16), 0);
	assert_memory_equal(buf, "ABCDEFGHIJKLMNOP", 16);
	/* The TLB must not serve the second page from the first's mapping. */
	assert_int_equal(elfcore_kernel_read(fx->k, va + 4088, buf, 8), 0);
	assert_int_equal(elfcore_kernel_read(fx->k, va + 4096, buf + 8, 8), 0);
	assert_memory_equal(buf, "ABCDEFGHIJKLMNOP", 16);
}

static void test_not_present(void **state)
{
	struct elfcore_vtop_walk w;
	uint64_t pa, va = fx->mem.levels == 5 ? UINT64_C(0xffa0000000400000) : UINT64_C(0xffffc90000400000);

	synth_map(&fx->mem, va + 0x1000, 0x800000, 4096);  /* a neighbour in the same pte table */
	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_vtop_walk(fx->k, va, &w), -EFAULT);
	assert_int_equal(w.nlevels, fx->mem.levels);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "not mapped (pte entry 0"));
	/* An empty pgd slot stops the walk at the first level. */
	assert_int_equal(elfcore_kernel_vtop_walk(fx->k, fx->mem.levels == 5 ? UINT64_C(0xff00000000000000)
						  : UINT64_C(0xffff800000000000), &w), -EFAULT);
	assert_int_equal(w.nlevels, 1);
	/* Not canonical. */
	assert_int_equal(elfcore_kernel_vtop(fx->k, UINT64_C(0x8000000000000000), &pa), -EFAULT);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "canonical"));
}

static void test_page_missing_from_dump(void **state)
{
	uint64_t va = fx->mem.page_offset + 0x12345000;
	char c;

	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_read(fx->k, va, &c, 1), -ENOENT);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "not in the dump"));
}

/* A pmd entry pointing back at the pgd: an error naming the loop, no hang. */
static void test_loop(void **state)
{
	uint64_t va = fx->mem.levels == 5 ? UINT64_C(0xffa0000000800000) : UINT64_C(0xffffc90000800000);
	unsigned int levels = fx->mem.levels;
	uint64_t table = fx->mem.pgd, e, pa;

	synth_map(&fx->mem, va, 0x800000, 4096);
	/* Find the pmd slot for va and point it at the pgd. */
	for (unsigned int d = 0; d < levels - 2; d++) {
		e = synth_r64(&fx->mem, table + 8 * ((va >> (12 + 9 * (levels - 1 - d))) & 511));
		table = e & UINT64_C(0x000ffffffffff000);
	}
	synth_w64(&fx->mem, table + 8 * ((va >> 21) & 511), fx->mem.pgd | 0x63);
	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_vtop(fx->k, va, &pa), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "page table loop"));
}

static void test_absurd_entry(void **state)
{
	uint64_t va = fx->mem.levels == 5 ? UINT64_C(0xffa0000000c00000) : UINT64_C(0xffffc90000c00000);
	uint64_t pa;

	if (fx->mem.levels == 4) {
		/* Past MAX_PHYSMEM_BITS (46). */
		synth_map(&fx->mem, va, UINT64_C(0x000ff00000000000), 4096);
		assert_int_equal(open_view(), 0);
		assert_int_equal(elfcore_kernel_vtop(fx->k, va, &pa), -EINVAL);
		assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "physical address bits"));
		return;
	}
	/* With 52 bits every address fits: a page size bit in a pgd entry is absurd. */
	synth_map(&fx->mem, va, 0x800000, 4096);
	synth_w64(&fx->mem, fx->mem.pgd + 8 * ((va >> 48) & 511),
		  synth_r64(&fx->mem, fx->mem.pgd + 8 * ((va >> 48) & 511)) | 0x80);
	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_vtop(fx->k, va, &pa), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "page size bit"));
}

static void test_not_x86(void **state)
{
	struct elfcore_vmcoreinfo *vi;
	struct elfcore_kernel *k = (void *)1;
	static const char text[] = "OSRELEASE=6.1\nNUMBER(VA_BITS)=48\n";

	assert_int_equal(elfcore_vmcoreinfo_parse(fx->ctx, text, sizeof(text) - 1, &vi), 0);
	assert_int_equal(elfcore_kernel_open_mem(fx->ctx, vi, synth_read, &fx->mem, &k), -ENOTSUP);
	assert_null(k);
	elfcore_vmcoreinfo_free(vi);
}

/* Without a page_offset_base found in the tables, the view falls back to the
 * unrandomised base; with SYMBOL(page_offset_base) it reads the variable. */
static void test_page_offset_symbol(void **state)
{
	uint64_t var = SYNTH_INIT_TOP_PGT + 0x10000;

	synth_w64(&fx->mem, var - SYNTH_START_KERNEL_MAP + SYNTH_PHYS_BASE, UINT64_C(0xffff9abc00000000));
	synth_vi_add(&fx->mem, "SYMBOL(page_offset_base)=%llx\n", (unsigned long long)var);
	assert_int_equal(open_view(), 0);
	assert_int_equal(elfcore_kernel_page_offset(fx->k), UINT64_C(0xffff9abc00000000));
}

#define BOTH(t) cmocka_unit_test_setup_teardown(t, setup4, teardown), \
		cmocka_unit_test_setup_teardown(t, setup5, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_open_finds_bases),
		BOTH(test_kernel_text_2m),
		BOTH(test_direct_map_1g),
		BOTH(test_vmalloc_4k_across_pages),
		BOTH(test_not_present),
		BOTH(test_page_missing_from_dump),
		BOTH(test_loop),
		BOTH(test_absurd_entry),
		cmocka_unit_test_setup_teardown(test_not_x86, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_page_offset_symbol, setup4, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
