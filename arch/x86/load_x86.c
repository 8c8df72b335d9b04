/* x86_64 crash loading: a bzImage staged in the crashkernel region with
 * boot_params, an e820 map limited to the region (plus the firmware ranges the
 * capture kernel needs), the backup region, the elfcorehdr and the purgatory.
 *
 * Layout, lowest address first (all inside the crashkernel region):
 *   kernel      protected-mode part at kernel_alignment, memsz = init_size
 *   initrd      page aligned
 *   backup      receives the first kernel's RAM below 640 KiB (purgatory copy)
 *   elfcorehdr  the ELF core header for /proc/vmcore
 *   bootparams  struct boot_params (4 KiB) then the command line
 *   purgatory   relocated code, data, .bss and its stack; the kexec entry
 * The capture kernel's e820 makes the region RAM except backup and elfcorehdr,
 * which it must not overwrite before /proc/vmcore has read them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_x86.h"
#include "../../purgatory/purgatory_abi.h"
#include "ec_priv.h"

#define KEXEC_ON_CRASH      0x00000001UL
#define KEXEC_ARCH_X86_64   (62UL << 16)

static void put16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

static int x86_probe(struct elfcore_ctx *ctx, const void *kernel, size_t size)
{
	struct x86_bzimage bz;

	return x86_bzimage_parse(ctx, kernel, size, &bz);
}

/* The first kernel's RAM below 640 KiB (0x1000-0x9fbff on most PCs). */
static void find_backup(const struct ld_machine *m, struct ld_backup *bk)
{
	const struct ld_iomem_entry *e;
	size_t pos = 0;

	bk->src = 0;
	bk->len = LD_LOW_END;
	while ((e = ld_iomem_next(&m->iomem, "System RAM", &pos)) != NULL) {
		if (e->depth == 0 && e->end < LD_LOW_END) {
			bk->src = e->start;
			bk->len = e->end - e->start + 1;
			return;
		}
	}
}

static int build_e820(struct elfcore_ctx *ctx, struct ld_plan *p, const struct ld_machine *m,
		      const struct ld_backup *bk, const struct ld_segment *keep1,
		      const struct ld_segment *keep2)
{
	static const struct { const char *name; unsigned type; } firmware[] = {
		{ "Reserved", LD_RANGE_RESERVED },
		{ "reserved", LD_RANGE_RESERVED },
		{ "ACPI Tables", LD_RANGE_ACPI },
		{ "ACPI Non-volatile Storage", LD_RANGE_NVS },
	};
	const struct ld_iomem_entry *e;
	struct ld_ranges *rs = &p->e820;
	size_t pos;
	int ret;

	memset(rs, 0, sizeof(*rs));
	if ((ret = ld_ranges_add(ctx, rs, bk->src, bk->src + bk->len - 1, LD_RANGE_RAM)) < 0)
		return ret;
	pos = 0;
	while ((e = ld_iomem_next(&m->iomem, "Crash kernel", &pos)) != NULL)
		if ((ret = ld_ranges_add(ctx, rs, e->start, e->end, LD_RANGE_RAM)) < 0)
			return ret;
	if ((ret = ld_ranges_exclude(ctx, rs, keep1->mem, keep1->mem + keep1->memsz - 1)) < 0 ||
	    (ret = ld_ranges_exclude(ctx, rs, keep2->mem, keep2->mem + keep2->memsz - 1)) < 0)
		return ret;
	for (size_t i = 0; i < sizeof(firmware) / sizeof(firmware[0]); i++) {
		pos = 0;
		while ((e = ld_iomem_next(&m->iomem, firmware[i].name, &pos)) != NULL)
			if (e->depth == 0 && (ret = ld_ranges_add(ctx, rs, e->start, e->end, firmware[i].type)) < 0)
				return ret;
	}
	ld_ranges_sort(rs);
	if (rs->n > BP_E820_MAX)
		return ec_err(ctx, -E2BIG, "capture kernel memory map has %u entries, boot_params holds %u",
			      rs->n, BP_E820_MAX);
	return 0;
}

static void fill_boot_params(uint8_t *bp, const struct x86_bzimage *bz, const struct ld_plan *p,
			     const struct ld_segment *kernel, const struct ld_segment *initrd,
			     uint64_t bp_addr, const struct ld_machine *m)
{
	uint64_t cmd = bp_addr + BP_SIZE;
	uint64_t ram_kb = 0;

	memset(bp, 0, BP_SIZE);
	memcpy(bp + BP_SETUP_SECTS, bz->image + BP_SETUP_SECTS, bz->header_end - BP_SETUP_SECTS);
	bp[BP_TYPE_OF_LOADER] = 0xff;       /* "undefined": not a registered boot loader */
	bp[BP_LOADFLAGS] |= LOADED_HIGH;
	put32(bp, BP_CODE32_START, (uint32_t)kernel->mem);
	if (initrd) {
		put32(bp, BP_RAMDISK_IMAGE, (uint32_t)initrd->mem);
		put32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd->mem >> 32));
		put32(bp, BP_RAMDISK_SIZE, (uint32_t)initrd->bufsz);
		put32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd->bufsz >> 32));
	}
	put32(bp, BP_CMD_LINE_PTR, (uint32_t)cmd);
	put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(cmd >> 32));
	put64(bp, BP_ACPI_RSDP_ADDR, m->acpi_rsdp);
	bp[BP_E820_ENTRIES] = (uint8_t)p->e820.n;
	for (unsigned i = 0; i < p->e820.n; i++) {
		const struct ld_range *r = &p->e820.r[i];
		size_t off = BP_E820_TABLE + (size_t)i * 20;

		put64(bp, off, r->start);
		put64(bp, off + 8, r->end - r->start + 1);
		put32(bp, off + 16, r->type);
		if (r->type == LD_RANGE_RAM && r->end >= 0x100000)
			ram_kb = (r->end + 1 - 0x100000) >> 10;
	}
	put32(bp, BP_ALT_MEM_K, (uint32_t)(ram_kb > UINT32_MAX ? UINT32_MAX : ram_kb));
	put16(bp, BP_BOOT_FLAG, 0xaa55);
	memcpy(bp + BP_SIZE, p->cmdline, strlen(p->cmdline) + 1);
}

static int x86_load(struct elfcore_ctx *ctx, struct ld_plan *p, const struct ld_machine *m,
		    const struct ld_load_args *a)
{
	struct x86_bzimage bz;
	struct x86_purgatory pg = { 0 };
	struct ld_backup bk;
	struct purgatory_params params;
	const size_t blob_size = (size_t)(kdl_purgatory_blob_end - kdl_purgatory_blob);
	void *hdr = NULL;
	Elf64_Phdr *phdrs = NULL;
	uint8_t *bp = NULL;
	size_t hdr_size, pg_memsz;
	int ik, ii = -1, ib, ih, ibp, ip, ret;

	if ((ret = x86_bzimage_parse(ctx, a->kernel, a->kernel_size, &bz)) < 0)
		return elfcore_ctx_prefix(ctx, ret, "kernel");
	if (!m->have_crash)
		return ec_err(ctx, -ENOMEM, "no crashkernel memory is reserved");
	p->region_start = m->crash_start;
	p->region_end = m->crash_end;
	p->next_free = m->crash_start;
	p->flags = KEXEC_ON_CRASH | KEXEC_ARCH_X86_64;

	ik = ld_plan_add(ctx, p, "kernel", bz.kernel, bz.kernel_size, bz.init_size, bz.kernel_alignment, 1);
	if (ik < 0)
		return ik;
	if (a->initrd) {
		ii = ld_plan_add(ctx, p, "initrd", a->initrd, a->initrd_size, a->initrd_size, LD_PAGE_SIZE, 1);
		if (ii < 0)
			return ii;
		if (!(bz.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) &&
		    p->seg[ii].mem + a->initrd_size - 1 > bz.initrd_addr_max)
			return ec_err(ctx, -ERANGE, "initrd would end at 0x%" PRIx64 ", above the kernel's "
				      "initrd_addr_max 0x%x", p->seg[ii].mem + a->initrd_size - 1,
				      bz.initrd_addr_max);
	}
	find_backup(m, &bk);
	if ((ib = ld_plan_add(ctx, p, "backup", NULL, 0, bk.len, LD_PAGE_SIZE, 0)) < 0)
		return ib;
	bk.dst = p->seg[ib].mem;
	if ((ret = ld_elfcorehdr_build(ctx, m, &bk, &hdr, &hdr_size, &phdrs, &p->phnum)) < 0)
		return elfcore_ctx_prefix(ctx, ret, "elfcorehdr");
	ld_plan_own(p, hdr);
	ld_plan_own(p, phdrs);
	p->phdrs = phdrs;
	if ((ih = ld_plan_add(ctx, p, "elfcorehdr", hdr, hdr_size, hdr_size, LD_PAGE_SIZE, 1)) < 0)
		return ih;
	p->elfcorehdr = p->seg[ih].mem;

	ret = snprintf(p->cmdline, sizeof(p->cmdline), "%s%selfcorehdr=0x%" PRIx64 "",
		       a->cmdline, a->cmdline[0] ? " " : "", p->elfcorehdr);
	if (ret < 0 || (size_t)ret > bz.cmdline_size || (size_t)ret >= sizeof(p->cmdline))
		return ec_err(ctx, -E2BIG, "command line with elfcorehdr= is %d bytes, the kernel "
			      "takes at most %u", ret, bz.cmdline_size);
	bp = calloc(1, BP_SIZE + bz.cmdline_size + 1);
	if (!bp)
		return ec_err(ctx, -ENOMEM, "out of memory");
	ld_plan_own(p, bp);
	ibp = ld_plan_add(ctx, p, "bootparams", bp, BP_SIZE + strlen(p->cmdline) + 1,
			  BP_SIZE + bz.cmdline_size + 1, LD_PAGE_SIZE, 1);
	if (ibp < 0)
		return ibp;
	if ((ret = build_e820(ctx, p, m, &bk, &p->seg[ib], &p->seg[ih])) < 0)
		return ret;
	fill_boot_params(bp, &bz, p, &p->seg[ik], ii >= 0 ? &p->seg[ii] : NULL, p->seg[ibp].mem, m);

	if ((ret = x86_purgatory_size(ctx, kdl_purgatory_blob, blob_size, &pg_memsz)) < 0)
		return ret;
	if ((ip = ld_plan_add(ctx, p, "purgatory", NULL, 0, pg_memsz, LD_PAGE_SIZE, 0)) < 0)
		return ip;
	if ((ret = x86_purgatory_relocate(ctx, kdl_purgatory_blob, blob_size, p->seg[ip].mem, &pg)) < 0)
		return ret;
	ld_plan_own(p, pg.image);
	p->seg[ip].buf = pg.image;
	p->seg[ip].bufsz = pg.bufsz;

	if ((ret = ld_plan_digests(ctx, p)) < 0)
		return ret;
	memset(&params, 0, sizeof(params));
	params.magic = PURGATORY_MAGIC;
	params.entry = p->seg[ik].mem + 0x200;      /* 64-bit entry point */
	params.boot_params = p->seg[ibp].mem;
	params.stack_top = (p->seg[ip].mem + pg.memsz) & ~15ULL;
	params.backup_src = bk.src;
	params.backup_dst = bk.dst;
	params.backup_len = bk.len;
	params.console_port = strstr(p->cmdline, "console=ttyS0") ? 0x3f8 : 0;
	for (unsigned i = 0; i < p->nseg; i++) {
		struct purgatory_region *r;

		if (!p->seg[i].hashed)
			continue;
		r = &params.regions[params.nr_regions++];
		r->start = p->seg[i].mem;
		r->len = p->seg[i].bufsz;
		memcpy(r->digest, p->seg[i].digest, 32);
	}
	if (p->test_bad_digest)
		params.regions[0].digest[0] ^= 0xff;
	memcpy(pg.image + pg.params_off, &params, sizeof(params));
	p->entry = pg.entry;
	return 0;
}

const struct ld_arch_ops ld_arch_x86_64 = {
	.name = "x86_64",
	.probe = x86_probe,
	.load = x86_load,
	.kexec_arch = KEXEC_ARCH_X86_64,
};
