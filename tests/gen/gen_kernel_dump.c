/* gen_kernel_dump: an ELF64 vmcore of a small synthetic x86_64 kernel, for the
 * kernel-view commands of kdump-inspect (tests/e2e/test_inspect_synth.sh).
 *
 *   gen_kernel_dump -l 4|5 OUT
 *
 * The kernel (tests/unit/synth_mem.h, synth_printk.h): KASLR'd image mapped
 * with 2M pages, a moved direct map of 1G pages, 4- or 5-level tables;
 * init_uts_ns in the image holding "Linux" and release "6.1.0-synthetic";
 * a 4K vmalloc mapping holding "vmalloc page"; a lockless printk ring
 * (64 descriptors, 1 KiB of text) with these records, oldest first:
 *   "Linux version 6.1.0-synthetic" at 0 s,
 *   "line one\nline two" at 1.5 s,
 *   "filler NN" at NN.25 s for NN = 0..59, of which the ring keeps the last,
 *   "escapes:\t\x01\x7f\xe9\xff end" at 99 s, "multi\nline\ntext" at 100.000001 s,
 *   "sysrq: Trigger a crash" and
 *   "Kernel panic - not syncing: sysrq triggered crash" at 12345.678901234 s.
 * The file is what /proc/vmcore looks like: one PT_NOTE with the VMCOREINFO
 * note, one PT_LOAD per run of present pages (p_paddr physical, p_vaddr in
 * the direct map). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/synth_printk.h"
#include "elfcore/corehdr.h"

#define UTS_PA     (SYNTH_TEXT_VA - SYNTH_START_KERNEL_MAP + SYNTH_PHYS_BASE + 0x400000)
#define UTS_VA     (SYNTH_TEXT_VA + 0x400000)
#define VMALLOC_L4 UINT64_C(0xffffc90000123000)
#define VMALLOC_L5 UINT64_C(0xffa0000000123000)

static int cmp_page(const void *a, const void *b)
{
	const struct synth_page *x = *(struct synth_page *const *)a, *y = *(struct synth_page *const *)b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static int write_elf(struct synth_mem *m, const char *path)
{
	size_t nload = 0, i, j;
	size_t notesz = elfcore_note_size("VMCOREINFO", m->vmcoreinfo_len);
	struct elfcore_corehdr h = { .size = sizeof(h), .machine = EM_X86_64 };
	Elf64_Phdr *ph;
	uint8_t *hdr, *note;
	uint64_t off, hdrsz;
	FILE *f;
	int ok = 1;

	qsort(m->pages, m->n, sizeof(m->pages[0]), cmp_page);
	for (i = 0; i < m->n; i++)
		if (i == 0 || m->pages[i]->pfn != m->pages[i - 1]->pfn + 1)
			nload++;
	h.phnum = nload + 1;
	hdrsz = elfcore_corehdr_size(h.phnum);
	ph = calloc(nload + 1, sizeof(*ph));
	hdr = malloc(hdrsz);
	note = calloc(1, notesz);
	if (!ph || !hdr || !note)
		return 1;

	elfcore_note_put(note, notesz, "VMCOREINFO", 0, m->vmcoreinfo, m->vmcoreinfo_len);
	off = hdrsz;
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = off;
	ph[0].p_filesz = notesz;
	off = (off + notesz + 4095) & ~UINT64_C(4095);
	for (i = 0, j = 1; i < m->n; i++) {
		if (i == 0 || m->pages[i]->pfn != m->pages[i - 1]->pfn + 1) {
			ph[j].p_type = PT_LOAD;
			ph[j].p_flags = PF_R | PF_W | PF_X;
			ph[j].p_offset = off;
			ph[j].p_paddr = m->pages[i]->pfn << 12;
			ph[j].p_vaddr = m->page_offset + ph[j].p_paddr;
			ph[j].p_align = 4096;
			j++;
		}
		ph[j - 1].p_filesz += 4096;
		ph[j - 1].p_memsz += 4096;
		off += 4096;
	}

	if (elfcore_corehdr_build(NULL, &h, ph, hdr, hdrsz))
		return 1;
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	ok &= fwrite(hdr, hdrsz, 1, f) == 1;
	ok &= fwrite(note, notesz, 1, f) == 1;
	ok &= fseek(f, (long)ph[1].p_offset, SEEK_SET) == 0;
	for (i = 0; i < m->n; i++)
		ok &= fwrite(m->pages[i]->data, 4096, 1, f) == 1;
	ok &= fclose(f) == 0;
	free(ph);
	free(hdr);
	free(note);
	if (!ok)
		perror(path);
	return !ok;
}

int main(int argc, char **argv)
{
	static struct synth_mem m;
	static struct synth_prb p;
	char uts[6 * 65] = { 0 }, text[64];
	unsigned int levels = 0;
	uint64_t vmalloc;
	int opt, ret;

	while ((opt = getopt(argc, argv, "l:")) != -1)
		if (opt == 'l')
			levels = (unsigned int)atoi(optarg);
	if ((levels != 4 && levels != 5) || optind != argc - 1) {
		fprintf(stderr, "usage: gen_kernel_dump -l 4|5 OUT\n");
		return 2;
	}
	synth_init(&m, levels);
	strcpy(uts, "Linux");
	strcpy(uts + 65, "synthetic");
	strcpy(uts + 130, "6.1.0-synthetic");
	strcpy(uts + 195, "#1 SMP PREEMPT_DYNAMIC");
	strcpy(uts + 260, "x86_64");
	synth_write(&m, UTS_PA, uts, sizeof(uts));
	synth_vi_add(&m, "SYMBOL(init_uts_ns)=%llx\nOFFSET(uts_namespace.name)=0\n",
		     (unsigned long long)UTS_VA);
	/* What makedumpfile needs to accept the dump (SPARSEMEM_EXTREME mem_map):
	 * the whole root array (2^(MAX_PHYSMEM_BITS - 27) sections, 256 a root). */
	synth_vi_add(&m, "SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
		     "OFFSET(page.mapping)=24\nOFFSET(page.lru)=8\nSIZE(mem_section)=16\n"
		     "NUMBER(SECTION_SIZE_BITS)=27\n");
	for (uint64_t off = 4096; off < ((UINT64_C(1) << ((levels == 5 ? 52 : 46) - 27)) / 256) * 8; off += 4096)
		synth_write(&m, SYNTH_MEM_SECTION_PA + off, "", 0), synth_page(&m, (SYNTH_MEM_SECTION_PA + off) >> 12, 1);
	vmalloc = levels == 5 ? VMALLOC_L5 : VMALLOC_L4;
	synth_map(&m, vmalloc, 0x500000, 4096);
	synth_write(&m, 0x500000, "vmalloc page", 12);
	synth_vi_add(&m, "SYMBOL(vmap_area_list)=%llx\n", (unsigned long long)vmalloc);

	synth_prb_init(&p, &m, 6, 10, SP_ID_MASK - 30);
	synth_prb_add(&p, 0, "Linux version 6.1.0-synthetic", 29, 2);
	synth_prb_add(&p, 1500000000, "line one\nline two", 17, 2);
	for (int i = 0; i < 60; i++) {
		int n = snprintf(text, sizeof(text), "filler %02d", i);

		synth_prb_add(&p, (uint64_t)i * 1000000000 + 250000000, text, (size_t)n, 2);
	}
	synth_prb_add(&p, UINT64_C(99000000000), "escapes:\t\x01\x7f\xe9\xff end", 17, 2);
	synth_prb_add(&p, UINT64_C(100000001000), "multi\nline\ntext", 15, 2);
	synth_prb_add(&p, UINT64_C(12345678901234), "sysrq: Trigger a crash", 22, 2);
	synth_prb_add(&p, UINT64_C(12345678901234), "Kernel panic - not syncing: sysrq triggered crash",
		      49, 1);
	synth_prb_finish(&p);
	ret = write_elf(&m, argv[optind]);
	synth_free(&m);
	return ret;
}
