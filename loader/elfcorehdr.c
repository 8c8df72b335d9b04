/* The ELF core header the capture kernel turns into /proc/vmcore.
 *
 *   Elf64_Ehdr (ET_CORE, EM_X86_64)
 *   PT_NOTE  per CPU: crash_notes (p_offset = p_paddr = physical address)
 *   PT_NOTE  VMCOREINFO (/sys/kernel/vmcoreinfo)
 *   PT_LOAD  kernel text: p_vaddr = _text (KASLR), p_paddr = "Kernel code"
 *   PT_LOAD  per System RAM range outside the crashkernel region, p_vaddr in
 *            the direct map; the low range (below 640 KiB) has p_offset = its
 *            backup copy in the crashkernel region.
 *
 * This is the PT_LOAD set kexec-tools builds for kexec_load (see
 * tests/data/loader/README for the recorded comparison). */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore/corehdr.h"
#include "loader.h"
#include "ec_priv.h"

int ld_crash_ram_ranges(struct elfcore_ctx *ctx, const struct ld_machine *m,
			const struct ld_backup *bk, struct ld_ranges *out)
{
	const struct ld_iomem_entry *e;
	size_t pos = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (bk->len && (ret = ld_ranges_add(ctx, out, bk->src, bk->src + bk->len - 1, LD_RANGE_RAM)) < 0)
		return ret;
	while ((e = ld_iomem_next(&m->iomem, "System RAM", &pos)) != NULL) {
		if (e->depth != 0)
			continue;
		/* The low range is described once, by the backup entry above. */
		if (bk->len && e->end < LD_LOW_END)
			continue;
		if ((ret = ld_ranges_add(ctx, out, e->start, e->end, LD_RANGE_RAM)) < 0)
			return ret;
	}
	pos = 0;
	while ((e = ld_iomem_next(&m->iomem, "Crash kernel", &pos)) != NULL)
		if ((ret = ld_ranges_exclude(ctx, out, e->start, e->end)) < 0)
			return ret;
	ld_ranges_sort(out);
	return 0;
}

static void put_phdr(Elf64_Phdr *ph, uint32_t type, uint64_t off, uint64_t vaddr, uint64_t paddr,
		     uint64_t size)
{
	memset(ph, 0, sizeof(*ph));
	ph->p_type = type;
	ph->p_flags = type == PT_LOAD ? PF_R | PF_W | PF_X : 0;
	ph->p_offset = off;
	ph->p_vaddr = vaddr;
	ph->p_paddr = paddr;
	ph->p_filesz = size;
	ph->p_memsz = size;
	ph->p_align = 0;
}

int ld_elfcorehdr_build(struct elfcore_ctx *ctx, const struct ld_machine *m,
			const struct ld_backup *bk, void **buf, size_t *size,
			Elf64_Phdr **phdrs, unsigned *phnum)
{
	struct elfcore_corehdr h = { .size = sizeof(h), .machine = EM_X86_64 };
	struct ld_ranges *ram;
	Elf64_Phdr *ph = NULL;
	const struct ld_iomem_entry *code;
	uint64_t text_paddr;
	size_t nph, bytes, pos;
	unsigned i, k = 0;
	void *out = NULL;
	int ret;

	if (!m->have_kcore)
		return ec_err(ctx, -ENOENT, "%s/proc/kcore: cannot read the kernel text and direct-map "
			      "addresses (needs root, or a recorded tree)", m->root);
	if (!m->ncpus)
		return ec_err(ctx, -ENOENT, "%s/sys/devices/system/cpu/cpu*/crash_notes: none found "
			      "(kernel without CONFIG_CRASH_DUMP?)", m->root);
	if (!m->vmcoreinfo.addr)
		return ec_err(ctx, -ENOENT, "%s/sys/kernel/vmcoreinfo: missing", m->root);
	ram = calloc(1, sizeof(*ram));
	if (!ram)
		return ec_err(ctx, -ENOMEM, "out of memory");
	if ((ret = ld_crash_ram_ranges(ctx, m, bk, ram)) < 0)
		goto out;
	nph = m->ncpus + 1 + 1 + ram->n;
	if (nph >= PN_XNUM) {
		ret = ec_err(ctx, -E2BIG, "%zu program headers", nph);
		goto out;
	}
	h.phnum = nph;
	bytes = (size_t)elfcore_corehdr_size(nph);
	ph = calloc(nph, sizeof(*ph));
	out = malloc(bytes);
	if (!ph || !out) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < m->ncpus; i++)
		put_phdr(&ph[k++], PT_NOTE, m->cpu_notes[i].addr, 0, m->cpu_notes[i].addr,
			 m->cpu_notes[i].size);
	put_phdr(&ph[k++], PT_NOTE, m->vmcoreinfo.addr, 0, m->vmcoreinfo.addr, m->vmcoreinfo.size);
	pos = 0;
	code = ld_iomem_next(&m->iomem, "Kernel code", &pos);
	text_paddr = code ? code->start : m->text_paddr;
	put_phdr(&ph[k++], PT_LOAD, text_paddr, m->text_vaddr, text_paddr,
		 LD_ALIGN_UP(m->text_size, LD_PAGE_SIZE));
	for (i = 0; i < ram->n; i++) {
		const struct ld_range *r = &ram->r[i];
		uint64_t off = r->start;

		if (bk->len && r->start == bk->src)
			off = bk->dst;
		put_phdr(&ph[k++], PT_LOAD, off, m->page_offset + r->start, r->start,
			 r->end - r->start + 1);
	}
	if ((ret = elfcore_corehdr_build(ctx, &h, ph, out, bytes)) < 0) {
		ret = elfcore_ctx_prefix(ctx, ret, "elfcorehdr");
		goto out;
	}
	*buf = out;
	*size = bytes;
	out = NULL;
	if (phdrs) {
		*phdrs = ph;
		*phnum = k;
		ph = NULL;
	}
out:
	free(out);
	free(ph);
	free(ram);
	return ret;
}
