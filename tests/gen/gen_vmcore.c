/* gen_vmcore: a synthetic sparse ELF vmcore of an x86_64 6.1-like kernel,
 * big (64 GiB by default) but mostly holes, to prove kdump-capture's memory
 * stays bounded and its page selection equals makedumpfile's.
 *
 *   gen_vmcore OUT [GIB]
 *
 * Physical memory (4-level paging, no KASLR, phys_base 0):
 *   [0x1000, 0x9f000)      low memory: a byte pattern
 *   16M..48M               the kernel image (text mapping PT_LOAD too); the
 *                          page tables at 32M, mem_section at 52M
 *   1G..1G+GIB*16M         vmemmap backing: the struct pages (2M mappings)
 *   2G..2G+256M            page cache pages (PG_lru), text content
 *   2G+256M..2G+512M       anonymous pages (mapping | 1), text content
 *   2G+512M..+64M          slab pages, every 16th a compound head of order 4
 *   the rest               free: buddy blocks of order 10 (zeros, file holes)
 * Every other page is a kernel page of zeros (kept at level 0/2/4/8/16).
 * VMCOREINFO carries the keys the page filter and the kernel view need, with
 * 6.1's values. The file is written with holes: its apparent size is the
 * memory size, its real size a few hundred MiB.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore/corehdr.h"

#define PS          4096ull
#define MB          (1ull << 20)
#define GB          (1ull << 30)
#define PAGE_OFFSET 0xffff888000000000ull
#define VMEMMAP     0xffffea0000000000ull
#define KTEXT_VA    0xffffffff81000000ull
#define KTEXT_PA    (16 * MB)
#define KTEXT_SIZE  (32 * MB)
#define PGD_PA      (32 * MB)            /* init_top_pgt: 0xffffffff82000000 */
#define MS_ROOT_PA  (52 * MB)
#define MEMMAP_PA   (1 * GB)
#define CACHE_PA    (2 * GB)
#define ANON_PA     (2 * GB + 256 * MB)
#define SLAB_PA     (2 * GB + 512 * MB)
#define FREE_PA     (2 * GB + 576 * MB)
#define SPS         64                    /* SIZE(page) */

static int fd;
static uint64_t mem_size, hdr_size = 0x2000;

/* File offset of a physical address in the RAM PT_LOADs. */
static uint64_t off_of(uint64_t pa)
{
	if (pa < 0x9f000)
		return hdr_size + (pa - 0x1000);
	return hdr_size + 0x9e000 + KTEXT_SIZE + (pa - 0x100000);
}

static void pw(const void *buf, size_t len, uint64_t pa)
{
	if (pwrite(fd, buf, len, (off_t)off_of(pa)) != (ssize_t)len) {
		perror("gen_vmcore: pwrite");
		exit(1);
	}
}

static void w64(uint64_t pa, uint64_t v)
{
	pw(&v, 8, pa);
}

static void text_page(uint8_t *p, uint64_t pfn, const char *word)
{
	int n = 0;

	while (n < (int)PS - 64)
		n += snprintf((char *)p + n, PS - (size_t)n, "%s %llu ", word, (unsigned long long)pfn);
	memset(p + n, 0, PS - (size_t)n);
}

/* struct page: flags 0, _mapcount 48, private 40, mapping 24, compound_head 8 */
static void spage(uint64_t pfn, uint64_t flags, uint64_t mapping, int32_t mapcount,
		  uint64_t private, uint64_t head)
{
	uint8_t s[SPS] = { 0 };

	memcpy(s, &flags, 8);
	memcpy(s + 8, &head, 8);
	memcpy(s + 24, &mapping, 8);
	memcpy(s + 40, &private, 8);
	memcpy(s + 48, &mapcount, 4);
	pw(s, SPS, MEMMAP_PA + pfn * SPS);
}

static uint64_t next_table = PGD_PA + PS;

static uint64_t table(uint64_t parent_pa, unsigned idx)
{
	uint64_t e = 0, pa;

	if (pread(fd, &e, 8, (off_t)off_of(parent_pa + idx * 8)) == 8 && (e & 1))
		return e & 0x000ffffffffff000ull;
	pa = next_table;
	next_table += PS;
	w64(parent_pa + idx * 8, pa | 0x63);
	return pa;
}

static void map(uint64_t va, uint64_t pa, uint64_t size)
{
	uint64_t pud = table(PGD_PA, (va >> 39) & 511);

	if (size == GB) {
		w64(pud + ((va >> 30) & 511) * 8, pa | 0xe3);
		return;
	}
	w64(table(pud, (va >> 30) & 511) + ((va >> 21) & 511) * 8, pa | 0xe3);
}

int main(int argc, char **argv)
{
	uint64_t gib = argc > 2 ? strtoull(argv[2], NULL, 10) : 64;
	uint64_t max_pfn, nsec;
	static uint8_t page[PS], notes[8192];
	char vi[4096];
	uint8_t prstatus[336] = { 0 };
	size_t nlen = 0;
	int vlen;

	if (argc < 2 || gib < 4 || gib > 4096) {
		fprintf(stderr, "usage: gen_vmcore OUT [GIB >= 4]\n");
		return 2;
	}
	mem_size = gib * GB;
	max_pfn = mem_size / PS;
	nsec = mem_size / (128 * MB);
	fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (ftruncate(fd, (off_t)off_of(mem_size))) {
		perror("gen_vmcore: ftruncate");
		return 1;
	}

	/* Contents. */
	for (uint64_t pa = 0x1000; pa < 0x9f000; pa += PS) {
		memset(page, (int)(pa >> 12), PS);
		pw(page, PS, pa);
	}
	for (uint64_t pa = KTEXT_PA; pa < KTEXT_PA + KTEXT_SIZE; pa += PS)
		if ((pa >> 12) % 7 && (pa < PGD_PA || pa >= PGD_PA + 4 * MB)) {   /* tables there */
			text_page(page, pa >> 12, "kernel-text");
			pw(page, PS, pa);
		}
	for (uint64_t pa = CACHE_PA; pa < ANON_PA; pa += PS) {
		uint64_t pfn = pa / PS;

		text_page(page, pfn, "GEN-CACHE-PAGE");
		pw(page, PS, pa);
		spage(pfn, 1ull << 4 | (pfn % 3 == 0 ? 1ull << 13 : 0), PAGE_OFFSET + 0x3500000, -1, 0, 0);
	}
	for (uint64_t pa = ANON_PA; pa < SLAB_PA; pa += PS) {
		uint64_t pfn = pa / PS;

		text_page(page, pfn, "GEN-ANON-PAGE");
		pw(page, PS, pa);
		spage(pfn, 1ull << 4 | 1ull << 19, PAGE_OFFSET + 0x3600001, 0, 0, 0);
	}
	for (uint64_t pa = SLAB_PA; pa < FREE_PA; pa += PS) {
		uint64_t pfn = pa / PS;

		text_page(page, pfn, "slab");
		pw(page, PS, pa);
		if (pfn % 16 == 0)
			spage(pfn, 1ull << 9 | 1ull << 16, PAGE_OFFSET + 0x3700000, -1, 0, 0);
		else
			spage(pfn, 1ull << 9, 0, -1, 0, (VMEMMAP + (pfn & ~15ull) * SPS) | 1);
		if (pfn % 16 == 1) {
			uint8_t order = 4;

			pw(&order, 1, MEMMAP_PA + pfn * SPS + 17);     /* compound_order */
		}
	}
	for (uint64_t pfn = FREE_PA / PS; pfn + 1024 <= max_pfn; pfn += 1024)
		spage(pfn, 0, 0, -129, 10, 0);

	/* init_uts_ns.name at 0xffffffff82200000 (34M) */
	{
		char uts[6][65] = { "Linux", "synth", "6.1.0-synthetic", "#1 SMP synthetic",
				    "x86_64", "(none)" };

		pw(uts, sizeof(uts), 34 * MB);
	}
	/* Page tables: the image (2M), the direct map (1G), vmemmap (2M). */
	for (uint64_t off = 0; off < KTEXT_SIZE; off += 2 * MB)
		map(KTEXT_VA + off, KTEXT_PA + off, 2 * MB);
	for (uint64_t pa = 0; pa < mem_size; pa += GB)
		map(PAGE_OFFSET + pa, pa, GB);
	for (uint64_t off = 0; off < max_pfn * SPS; off += 2 * MB)
		map(VMEMMAP + off, MEMMAP_PA + off, 2 * MB);

	/* mem_section: root array at 52M, section pages after it; 4-level:
	 * NR_MEM_SECTIONS 2^19, 256 per root, 2048 roots. */
	for (uint64_t nr = 0; nr < nsec; nr++) {
		uint64_t root_page = MS_ROOT_PA + 4 * PS + (nr / 256) * PS;

		if (nr % 256 == 0)
			w64(MS_ROOT_PA + (nr / 256) * 8, PAGE_OFFSET + root_page);
		w64(root_page + (nr % 256) * 16, VMEMMAP | 0x3);
	}

	vlen = snprintf(vi, sizeof(vi),
		"OSRELEASE=6.1.0-synthetic\nPAGESIZE=4096\n"
		"SYMBOL(init_uts_ns)=ffffffff82200000\nOFFSET(uts_namespace.name)=0\nSYMBOL(swapper_pg_dir)=ffffffff82000000\n"
		"SYMBOL(init_top_pgt)=ffffffff82000000\nSYMBOL(_stext)=ffffffff81000000\n"
		"SYMBOL(mem_section)=%llx\nLENGTH(mem_section)=2048\nSIZE(mem_section)=16\n"
		"OFFSET(mem_section.section_mem_map)=0\nNUMBER(SECTION_SIZE_BITS)=27\n"
		"NUMBER(MAX_PHYSMEM_BITS)=46\n"
		"SIZE(page)=64\nSIZE(pglist_data)=171776\nSIZE(zone)=1536\nSIZE(free_area)=104\n"
		"SIZE(list_head)=16\nSIZE(nodemask_t)=128\n"
		"OFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n"
		"OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n"
		"OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
		"OFFSET(page.compound_head)=8\nOFFSET(list_head.next)=0\nOFFSET(list_head.prev)=8\n"
		"LENGTH(zone.free_area)=11\n"
		"NUMBER(PG_lru)=4\nNUMBER(PG_private)=13\nNUMBER(PG_swapcache)=10\n"
		"NUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\nNUMBER(PG_hwpoison)=23\n"
		"NUMBER(PG_head_mask)=65536\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
		"NUMBER(HUGETLB_PAGE_DTOR)=2\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"
		"NUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=0\nKERNELOFFSET=0\n"
		"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\nNUMBER(sme_mask)=0\nCRASHTIME=1764000000\n",
		(unsigned long long)(PAGE_OFFSET + MS_ROOT_PA));
	nlen += elfcore_note_put(notes + nlen, sizeof(notes) - nlen, "CORE", NT_PRSTATUS, prstatus,
				 sizeof(prstatus));
	nlen += elfcore_note_put(notes + nlen, sizeof(notes) - nlen, "VMCOREINFO", 0, vi, vlen);

	{
		struct elfcore_corehdr h = { .size = sizeof(h), .machine = EM_X86_64, .phnum = 4 };
		Elf64_Phdr ph[4] = { { 0 } };
		uint8_t hdr[sizeof(Elf64_Ehdr) + sizeof(ph)];

		ph[0].p_type = PT_NOTE;
		ph[0].p_offset = 0x1000;
		ph[0].p_filesz = ph[0].p_memsz = nlen;
		ph[1].p_type = PT_LOAD;
		ph[1].p_flags = PF_R | PF_W | PF_X;
		ph[1].p_offset = off_of(KTEXT_PA);
		ph[1].p_vaddr = KTEXT_VA;
		ph[1].p_paddr = KTEXT_PA;
		ph[1].p_filesz = ph[1].p_memsz = KTEXT_SIZE;
		ph[2] = ph[1];
		ph[2].p_offset = off_of(0x1000);
		ph[2].p_vaddr = PAGE_OFFSET + 0x1000;
		ph[2].p_paddr = 0x1000;
		ph[2].p_filesz = ph[2].p_memsz = 0x9e000;
		ph[3] = ph[1];
		ph[3].p_offset = off_of(0x100000);
		ph[3].p_vaddr = PAGE_OFFSET + 0x100000;
		ph[3].p_paddr = 0x100000;
		ph[3].p_filesz = ph[3].p_memsz = mem_size - 0x100000;
		/* The text mapping's data sits in its own file range, as in /proc/vmcore. */
		ph[1].p_offset = hdr_size + 0x9e000;
		if (elfcore_corehdr_build(NULL, &h, ph, hdr, sizeof(hdr)) ||
		    pwrite(fd, hdr, sizeof(hdr), 0) != sizeof(hdr) ||
		    pwrite(fd, notes, nlen, 0x1000) != (ssize_t)nlen) {
			perror("gen_vmcore: headers");
			return 1;
		}
		/* copy the image into the text mapping's file range */
		for (uint64_t off = 0; off < KTEXT_SIZE; off += PS) {
			if (pread(fd, page, PS, (off_t)off_of(KTEXT_PA + off)) != (ssize_t)PS ||
			    pwrite(fd, page, PS, (off_t)(ph[1].p_offset + off)) != (ssize_t)PS) {
				perror("gen_vmcore: text");
				return 1;
			}
		}
	}
	if (fsync(fd) || close(fd)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
