/* Synthetic physical memory with x86_64 page tables, for the kernel view's
 * unit tests and fuzz targets. Pages are allocated on first write; reading a
 * page never written fails with -ENOENT, as a page missing from a dump does.
 *
 * The layout mirrors a KASLR'd 6.1 kernel: the image is mapped with 2M pages
 * at __START_KERNEL_map + KERNELOFFSET, the direct map with 1G pages at a
 * moved page_offset_base, and whatever a test adds with synth_map(). */
#ifndef TESTS_SYNTH_MEM_H
#define TESTS_SYNTH_MEM_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNTH_START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define SYNTH_KASLR            UINT64_C(0x5000000)
#define SYNTH_PHYS_BASE        UINT64_C(0x2000000)
/* init_top_pgt at 0xffffffff861a0000: physical 0x61a0000 + phys_base */
#define SYNTH_INIT_TOP_PGT     (UINT64_C(0xffffffff811a0000) + SYNTH_KASLR)
#define SYNTH_TEXT_VA          (UINT64_C(0xffffffff81000000) + SYNTH_KASLR - UINT64_C(0x1000000))
#define SYNTH_PAGE_OFFSET_L4   UINT64_C(0xffff8f4c40000000)
#define SYNTH_PAGE_OFFSET_L5   UINT64_C(0xff3a46f000000000)
#define SYNTH_VMEMMAP_L4       UINT64_C(0xffffd8c000000000)
#define SYNTH_VMEMMAP_L5       UINT64_C(0xffd9b00000000000)
#define SYNTH_MEM_SECTION_PA   UINT64_C(0x300000)
#define SYNTH_TABLES_PA        UINT64_C(0x40000000)   /* page tables from 1G up */
#define SYNTH_MAX_PAGES        4096

struct synth_page {
	uint64_t pfn;
	uint8_t data[4096];
};

struct synth_mem {
	struct synth_page *pages[SYNTH_MAX_PAGES];
	size_t n;
	unsigned int levels;
	uint64_t pgd;
	uint64_t next_table;
	uint64_t page_offset;
	uint64_t vmemmap;
	char vmcoreinfo[8192];
	size_t vmcoreinfo_len;
};

static inline uint8_t *synth_page(struct synth_mem *m, uint64_t pfn, int create)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->pages[i]->pfn == pfn)
			return m->pages[i]->data;
	if (!create || m->n == SYNTH_MAX_PAGES)
		return NULL;
	m->pages[m->n] = calloc(1, sizeof(struct synth_page));
	if (!m->pages[m->n])
		return NULL;
	m->pages[m->n]->pfn = pfn;
	return m->pages[m->n++]->data;
}

static inline int synth_read(void *arg, uint64_t paddr, void *buf, size_t len)
{
	struct synth_mem *m = arg;
	uint8_t *out = buf;

	while (len) {
		size_t off = paddr & 4095, n = 4096 - off;
		uint8_t *p = synth_page(m, paddr >> 12, 0);

		if (n > len)
			n = len;
		if (!p)
			return -ENOENT;
		memcpy(out, p + off, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

static inline void synth_write(struct synth_mem *m, uint64_t paddr, const void *buf, size_t len)
{
	const uint8_t *in = buf;

	while (len) {
		size_t off = paddr & 4095, n = 4096 - off;
		uint8_t *p = synth_page(m, paddr >> 12, 1);

		if (n > len)
			n = len;
		if (p)
			memcpy(p + off, in, n);
		in += n;
		paddr += n;
		len -= n;
	}
}

static inline void synth_w64(struct synth_mem *m, uint64_t paddr, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	synth_write(m, paddr, b, 8);
}

static inline uint64_t synth_r64(struct synth_mem *m, uint64_t paddr)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	synth_read(m, paddr, b, 8);
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static inline uint64_t synth_new_table(struct synth_mem *m)
{
	uint64_t pa = m->next_table;

	m->next_table += 4096;
	synth_page(m, pa >> 12, 1);
	return pa;
}

/* Map [va, va + size) to pa with one leaf of size 4K, 2M or 1G. */
static inline void synth_map(struct synth_mem *m, uint64_t va, uint64_t pa, uint64_t size)
{
	unsigned int leaf_depth = m->levels - 1 - (size == (1u << 30) ? 2 : size == (1u << 21) ? 1 : 0);
	uint64_t table = m->pgd;

	for (unsigned int d = 0;; d++) {
		unsigned int shift = 12 + 9 * (m->levels - 1 - d);
		uint64_t slot = table + 8 * ((va >> shift) & 511), e;

		if (d == leaf_depth) {
			synth_w64(m, slot, pa | 0x63 | (size > 4096 ? 0x80 : 0));
			return;
		}
		e = synth_r64(m, slot);
		if (!(e & 1)) {
			e = synth_new_table(m) | 0x63;
			synth_w64(m, slot, e);
		}
		table = e & UINT64_C(0x000ffffffffff000);
	}
}

static inline void synth_vi_add(struct synth_mem *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void synth_vi_add(struct synth_mem *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m->vmcoreinfo + m->vmcoreinfo_len, sizeof(m->vmcoreinfo) - m->vmcoreinfo_len,
		      fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(m->vmcoreinfo) - m->vmcoreinfo_len)
		m->vmcoreinfo_len += (size_t)n;
}

/* A kernel with the image, the direct map (first 2G) and a mem_section. */
static inline void synth_init(struct synth_mem *m, unsigned int levels)
{
	memset(m, 0, sizeof(*m));
	m->levels = levels;
	m->pgd = SYNTH_INIT_TOP_PGT - SYNTH_START_KERNEL_MAP + SYNTH_PHYS_BASE;
	m->next_table = SYNTH_TABLES_PA;
	m->page_offset = levels == 5 ? SYNTH_PAGE_OFFSET_L5 : SYNTH_PAGE_OFFSET_L4;
	m->vmemmap = levels == 5 ? SYNTH_VMEMMAP_L5 : SYNTH_VMEMMAP_L4;
	synth_page(m, m->pgd >> 12, 1);
	/* The image: 32M of 2M pages from its start. */
	for (uint64_t off = 0; off < (32u << 20); off += 2u << 20)
		synth_map(m, SYNTH_TEXT_VA + off, SYNTH_TEXT_VA - SYNTH_START_KERNEL_MAP + SYNTH_PHYS_BASE + off,
			  2u << 20);
	synth_map(m, m->page_offset, 0, 1u << 30);
	synth_map(m, m->page_offset + (1u << 30), 1u << 30, 1u << 30);
	/* mem_section (SPARSEMEM_EXTREME): root array -> sections -> encoded mem_map. */
	synth_w64(m, SYNTH_MEM_SECTION_PA, m->page_offset + SYNTH_MEM_SECTION_PA + 4096);
	synth_w64(m, SYNTH_MEM_SECTION_PA + 4096, m->vmemmap | 0x1b);

	synth_vi_add(m, "OSRELEASE=6.1.0-synthetic\nPAGESIZE=4096\n");
	synth_vi_add(m, "SYMBOL(swapper_pg_dir)=%llx\n", (unsigned long long)SYNTH_INIT_TOP_PGT);
	synth_vi_add(m, "SYMBOL(mem_section)=%llx\n",
		     (unsigned long long)(m->page_offset + SYNTH_MEM_SECTION_PA));
	synth_vi_add(m, "OFFSET(mem_section.section_mem_map)=0\nNUMBER(MAX_PHYSMEM_BITS)=%u\n",
		     levels == 5 ? 52 : 46);
	synth_vi_add(m, "NUMBER(phys_base)=%llu\n", (unsigned long long)SYNTH_PHYS_BASE);
	synth_vi_add(m, "SYMBOL(init_top_pgt)=%llx\n", (unsigned long long)SYNTH_INIT_TOP_PGT);
	synth_vi_add(m, "NUMBER(pgtable_l5_enabled)=%d\n", levels == 5);
	synth_vi_add(m, "KERNELOFFSET=%llx\n", (unsigned long long)SYNTH_KASLR);
	synth_vi_add(m, "NUMBER(KERNEL_IMAGE_SIZE)=1073741824\nNUMBER(sme_mask)=0\n");
}

static inline void synth_free(struct synth_mem *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->pages[i]);
	m->n = 0;
}

#endif
