/* x86_64 address translation for the kernel view.
 *
 * What VMCOREINFO of an x86_64 kernel (6.1: arch_crash_save_vmcoreinfo())
 * gives us: NUMBER(phys_base), SYMBOL(init_top_pgt) (the runtime address,
 * KASLR already applied), NUMBER(pgtable_l5_enabled), KERNELOFFSET,
 * NUMBER(KERNEL_IMAGE_SIZE), NUMBER(sme_mask); the generic part adds
 * SYMBOL(swapper_pg_dir), SYMBOL(mem_section) and NUMBER(MAX_PHYSMEM_BITS).
 *
 * The kernel image is mapped at __START_KERNEL_map: its physical address is
 * vaddr - __START_KERNEL_map + phys_base, so the top page table is found
 * without any table. Everything else walks the tables: 4 levels
 * (pgd/pud/pmd/pte) or 5 (pgd/p4d/pud/pmd/pte), with 1G leaves at the pud and
 * 2M leaves at the pmd.
 *
 * KASLR also moves the direct map (page_offset_base), vmalloc and vmemmap in
 * 1G steps (arch/x86/mm/kaslr.c), and none of those bases is in VMCOREINFO.
 * The direct map is the first mapping of the kernel half from the start of
 * the randomised region, and it maps physical 0 at its base: we take the
 * first present leaf from there. vmemmap_base is what the first memory
 * section's encoded mem_map decodes to (section_mem_map = mem_map - its first
 * pfn, ORed with flags in the low bits).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch_priv.h"

#define START_KERNEL_MAP      UINT64_C(0xffffffff80000000)
#define PAGE_OFFSET_BASE_L4   UINT64_C(0xffff888000000000)
#define PAGE_OFFSET_BASE_L5   UINT64_C(0xff11000000000000)
#define VMEMMAP_BASE_L4       UINT64_C(0xffffea0000000000)
#define VMEMMAP_BASE_L5       UINT64_C(0xffd4000000000000)
#define KASLR_REGION_END      UINT64_C(0xfffffe0000000000)  /* CPU_ENTRY_AREA_BASE */

#define PTE_PRESENT           UINT64_C(0x1)
#define PTE_PSE               UINT64_C(0x80)
#define PTE_ADDR_MASK         UINT64_C(0x000ffffffffff000)
#define PUD_SIZE              (UINT64_C(1) << 30)

/* Table reads allowed when searching the tables for the direct map. */
#define SCAN_BUDGET 4096

struct x86_64 {
	uint64_t pgd;           /* physical address of the top table; 0 when unknown */
	uint64_t addr_mask;     /* PTE_ADDR_MASK without the SME encryption bit */
	unsigned int phys_bits; /* MAX_PHYSMEM_BITS */
	uint64_t page_offset_default;
};

static const char *const names4[] = { "pgd", "pud", "pmd", "pte" };
static const char *const names5[] = { "pgd", "p4d", "pud", "pmd", "pte" };

static int x86_64_probe(const struct elfcore_vmcoreinfo *vi)
{
	return elfcore_vmcoreinfo_get(vi, "SYMBOL(init_top_pgt)") != NULL;
}

static uint64_t sign_extend(uint64_t v, unsigned int bits)
{
	uint64_t m = UINT64_C(1) << (bits - 1);

	v &= (m << 1) - 1;
	return (v ^ m) - m;
}

/* Shift of the virtual address bits that index a table at depth d
 * (0 = top) of an n-level walk. */
static unsigned int level_shift(unsigned int levels, unsigned int d)
{
	return 12 + 9 * (levels - 1 - d);
}

static int read_table_entry(struct elfcore_kernel *k, uint64_t table, unsigned int index,
			    const char *name, uint64_t *entry)
{
	uint8_t b[8];
	int ret = ec_kernel_read_phys(k, table + 8 * (uint64_t)index, b, sizeof(b), name);

	if (ret)
		return ret;
	*entry = 0;
	for (int i = 7; i >= 0; i--)
		*entry = (*entry << 8) | b[i];
	return 0;
}

static int walk_tables(struct elfcore_kernel *k, struct x86_64 *x, uint64_t vaddr,
		       struct elfcore_vtop_walk *walk)
{
	const char *const *names = k->levels == 5 ? names5 : names4;
	uint64_t table = x->pgd, entry;
	unsigned int vbits = k->levels == 5 ? 57 : 48;

	walk->method = ELFCORE_VTOP_PAGE_TABLES;
	if (sign_extend(vaddr, vbits) != vaddr)
		return ec_err(k->ctx, -EFAULT, "0x%016" PRIx64 ": not a canonical address with %u-level paging",
			      vaddr, k->levels);
	for (unsigned int d = 0; d < k->levels; d++) {
		unsigned int shift = level_shift(k->levels, d);
		unsigned int index = (unsigned int)(vaddr >> shift) & 511;
		struct elfcore_vtop_level *lv = &walk->level[d];
		int ret, leaf;

		for (unsigned int j = 0; j < d; j++)
			if (walk->level[j].table == table)
				return ec_err(k->ctx, -EINVAL,
					      "0x%016" PRIx64 ": page table loop: the %s table at 0x%" PRIx64
					      " is also the %s table", vaddr, names[d], table, names[j]);
		lv->name = names[d];
		lv->table = table;
		lv->index = index;
		ret = read_table_entry(k, table, index, names[d], &entry);
		if (ret)
			return elfcore_ctx_prefix(k->ctx, ret, "0x%016" PRIx64, vaddr);
		lv->entry = entry;
		walk->nlevels = d + 1;
		if (!(entry & PTE_PRESENT))
			return ec_err(k->ctx, -EFAULT, "0x%016" PRIx64 ": not mapped (%s entry %u is 0x%" PRIx64 ")",
				      vaddr, names[d], index, entry);
		leaf = d == k->levels - 1;
		if (entry & PTE_PSE) {
			/* 1G at the pud, 2M at the pmd; elsewhere the bit is reserved. */
			if (shift != 30 && shift != 21 && !leaf)
				return ec_err(k->ctx, -EINVAL, "0x%016" PRIx64 ": %s entry %u has the page size bit: 0x%" PRIx64,
					      vaddr, names[d], index, entry);
			leaf = 1;
		}
		if (leaf) {
			uint64_t size = UINT64_C(1) << shift;
			uint64_t base = entry & x->addr_mask & ~(size - 1);

			if (x->phys_bits < 64 && base >> x->phys_bits)
				return ec_err(k->ctx, -EINVAL, "0x%016" PRIx64 ": %s entry %u points past %u physical address bits: 0x%" PRIx64,
					      vaddr, names[d], index, x->phys_bits, entry);
			walk->page_size = size;
			walk->paddr = base | (vaddr & (size - 1));
			return 0;
		}
		table = entry & x->addr_mask;
		if (x->phys_bits < 64 && table >> x->phys_bits)
			return ec_err(k->ctx, -EINVAL, "0x%016" PRIx64 ": %s entry %u points past %u physical address bits: 0x%" PRIx64,
				      vaddr, names[d], index, x->phys_bits, entry);
	}
	return ec_err(k->ctx, -EINVAL, "0x%016" PRIx64 ": page table walk did not end", vaddr);
}

static int x86_64_vtop(struct elfcore_kernel *k, uint64_t vaddr, struct elfcore_vtop_walk *walk)
{
	struct x86_64 *x = k->arch_priv;

	if (x->pgd)
		return walk_tables(k, x, vaddr, walk);
	/* No tables (yet): only the two linear mappings are known. */
	if (vaddr >= START_KERNEL_MAP) {
		walk->method = ELFCORE_VTOP_KERNEL_TEXT;
		walk->paddr = vaddr - START_KERNEL_MAP + k->phys_base;
		walk->page_size = 4096;
		return 0;
	}
	if (k->page_offset && vaddr >= k->page_offset &&
	    vaddr - k->page_offset < (UINT64_C(1) << x->phys_bits)) {
		walk->method = ELFCORE_VTOP_DIRECT_MAP;
		walk->paddr = vaddr - k->page_offset;
		walk->page_size = 4096;
		return 0;
	}
	return ec_err(k->ctx, -EFAULT, "0x%016" PRIx64 ": no page tables to translate it", vaddr);
}

/* The first present leaf at or after [from, to) under table (depth d of the
 * walk, covering virtual addresses from vbase). *budget bounds the number of
 * tables read, so damaged tables cannot make this search long. Returns 1 when
 * found, 0 when not, or a negative errno. */
static int first_leaf(struct elfcore_kernel *k, struct x86_64 *x, uint64_t table, unsigned int d,
		      uint64_t vbase, uint64_t from, uint64_t to, int *budget, uint64_t *va,
		      uint64_t *pa)
{
	unsigned int shift = level_shift(k->levels, d);
	unsigned int vbits = k->levels == 5 ? 57 : 48;
	uint8_t buf[4096];
	int ret;

	if (--*budget < 0)
		return 0;
	ret = ec_kernel_read_phys(k, table, buf, sizeof(buf), "page table");
	if (ret)
		return ret;
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t start = sign_extend(vbase + ((uint64_t)i << shift), vbits);
		uint64_t last = start + ((UINT64_C(1) << shift) - 1);
		uint64_t entry = 0;

		if (last < from)
			continue;
		if (start >= to)
			break;
		for (int b = 7; b >= 0; b--)
			entry = (entry << 8) | buf[8 * i + b];
		if (!(entry & PTE_PRESENT))
			continue;
		if (d == k->levels - 1 || ((entry & PTE_PSE) && (shift == 30 || shift == 21))) {
			*va = start;
			*pa = entry & x->addr_mask & ~((UINT64_C(1) << shift) - 1);
			return 1;
		}
		ret = first_leaf(k, x, entry & x->addr_mask, d + 1, start, from, to, budget, va, pa);
		if (ret)
			return ret;
	}
	return 0;
}

static void find_page_offset(struct elfcore_kernel *k, struct x86_64 *x)
{
	uint64_t sym, va, pa, v;
	int budget = SCAN_BUDGET;

	/* A VMCOREINFO that names the variable (some distributions add it). */
	if (elfcore_vmcoreinfo_symbol(NULL, k->vi, "page_offset_base", &sym) == 0 &&
	    elfcore_kernel_read_u64(k, sym, &v) == 0 && v) {
		k->page_offset = v;
		return;
	}
	if (x->pgd && first_leaf(k, x, x->pgd, 0, 0, x->page_offset_default, KASLR_REGION_END,
				 &budget, &va, &pa) == 1 && ((va - pa) & (PUD_SIZE - 1)) == 0) {
		k->page_offset = va - pa;
		return;
	}
	k->page_offset = x->page_offset_default;
}

static void find_vmemmap_base(struct elfcore_kernel *k)
{
	uint64_t sym, root, v;

	if (elfcore_vmcoreinfo_symbol(NULL, k->vi, "vmemmap_base", &sym) == 0 &&
	    elfcore_kernel_read_u64(k, sym, &v) == 0 && v) {
		k->vmemmap_base = v;
		return;
	}
	/* SYMBOL(mem_section) is the array of section roots (SPARSEMEM_EXTREME)
	 * or the static array of sections; section 0 holds pfn 0. */
	if (elfcore_vmcoreinfo_symbol(NULL, k->vi, "mem_section", &sym) == 0 &&
	    elfcore_kernel_read_u64(k, sym, &root) == 0) {
		uint64_t off = 0;

		elfcore_vmcoreinfo_offset(NULL, k->vi, "mem_section.section_mem_map", &off);
		if (root & 1)
			v = root;       /* already a section_mem_map: present bit set */
		else if (root < UINT64_C(0xff00000000000000) ||
			 elfcore_kernel_read_u64(k, root + off, &v) != 0)
			v = 0;
		v &= ~UINT64_C(0xfff);
		if (v >= (k->levels == 5 ? PAGE_OFFSET_BASE_L5 : PAGE_OFFSET_BASE_L4) && !(v & (PUD_SIZE - 1))) {
			k->vmemmap_base = v;
			return;
		}
	}
	if (k->page_offset == (k->levels == 5 ? PAGE_OFFSET_BASE_L5 : PAGE_OFFSET_BASE_L4))
		k->vmemmap_base = k->levels == 5 ? VMEMMAP_BASE_L5 : VMEMMAP_BASE_L4;
	elfcore_ctx_clear(k->ctx);
}

static int x86_64_init(struct elfcore_kernel *k)
{
	struct x86_64 *x;
	int64_t n;
	uint64_t root;
	int ret;

	x = calloc(1, sizeof(*x));
	if (!x)
		return ec_err(k->ctx, -ENOMEM, "x86_64: out of memory");
	k->arch_priv = x;

	ret = elfcore_vmcoreinfo_number(k->ctx, k->vi, "pgtable_l5_enabled", &n);
	if (ret == -ENOENT)
		n = 0;
	else if (ret)
		return ret;
	k->levels = n ? 5 : 4;
	x->page_offset_default = n ? PAGE_OFFSET_BASE_L5 : PAGE_OFFSET_BASE_L4;

	ret = elfcore_vmcoreinfo_hex(k->ctx, k->vi, "KERNELOFFSET", &k->kaslr_offset);
	if (ret == -ENOENT)
		k->kaslr_offset = 0;
	else if (ret)
		return ret;

	/* VMCOREINFO_NUMBER prints with %ld: a large value reads as negative. */
	ret = elfcore_vmcoreinfo_number(k->ctx, k->vi, "phys_base", &n);
	if (ret == -ENOENT)
		n = 0;
	else if (ret)
		return ret;
	k->phys_base = (uint64_t)n;

	x->phys_bits = k->levels == 5 ? 52 : 46;
	if (elfcore_vmcoreinfo_number(NULL, k->vi, "MAX_PHYSMEM_BITS", &n) == 0 && n >= 32 && n <= 52)
		x->phys_bits = (unsigned int)n;
	x->addr_mask = PTE_ADDR_MASK;
	if (elfcore_vmcoreinfo_number(NULL, k->vi, "sme_mask", &n) == 0)
		x->addr_mask &= ~(uint64_t)n;

	ret = elfcore_vmcoreinfo_symbol(k->ctx, k->vi, "init_top_pgt", &root);
	if (ret)
		return elfcore_ctx_prefix(k->ctx, ret, "x86_64");
	if (root < START_KERNEL_MAP)
		return ec_err(k->ctx, -EINVAL, "x86_64: SYMBOL(init_top_pgt)=%" PRIx64 " is not in the kernel image",
			      root);
	x->pgd = root - START_KERNEL_MAP + k->phys_base;
	if (x->pgd & 0xfff)
		return ec_err(k->ctx, -EINVAL, "x86_64: page table root 0x%" PRIx64 " is not page aligned", x->pgd);

	find_page_offset(k, x);
	find_vmemmap_base(k);
	elfcore_ctx_clear(k->ctx);
	return 0;
}

static void x86_64_fini(struct elfcore_kernel *k)
{
	free(k->arch_priv);
	k->arch_priv = NULL;
}

const struct ec_arch_ops ec_arch_x86_64 = {
	.name = "x86_64",
	.probe = x86_64_probe,
	.init = x86_64_init,
	.vtop = x86_64_vtop,
	.fini = x86_64_fini,
};
