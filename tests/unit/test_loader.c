/* kdump-load's loader: /proc/iomem and sysfs parsing on recorded trees, the
 * elfcorehdr against the PT_LOAD set kexec-tools builds in the same guests
 * (tests/data/loader/kexec-debug-*.txt), bzImage checks on the real Debian
 * kernel and damaged copies, and the whole x86_64 plan. Run from the top of the
 * tree (make check does). */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "../../loader/loader.h"
#include "../../loader/kexec.h"
#include "../../arch/x86/load_x86.h"
#include "../../purgatory/purgatory_abi.h"

#define TREES "tests/data/sysroot/"

static struct elfcore_ctx *ctx;
static uint8_t *kernel;
static size_t kernel_size;

static int setup(void **state)
{
	glob_t g;
	FILE *f;

	ctx = elfcore_ctx_new();
	if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "no /boot/vmlinuz-*: install linux-image-amd64 (make deps)\n");
		return -1;
	}
	f = fopen(g.gl_pathv[g.gl_pathc - 1], "rb");
	globfree(&g);
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	kernel_size = (size_t)ftell(f);
	rewind(f);
	kernel = malloc(kernel_size);
	if (!kernel || fread(kernel, 1, kernel_size, f) != kernel_size)
		return -1;
	fclose(f);
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	free(kernel);
	elfcore_ctx_free(ctx);
	return 0;
}

static void test_iomem_parse(void **state)
{
	static const char text[] =
		"00000000-00000fff : Reserved\n"
		"00001000-0009fbff : System RAM\n"
		"00100000-3ffdcfff : System RAM\n"
		"  06800000-07601d31 : Kernel code\n"
		"  2f000000-3effffff : Crash kernel\n"
		"fd000000-fdffffff : 0000:00:02.0\n"
		"    fe000000-fe003fff : virtio-pci-modern\n"
		"100000000-17fffffff : System RAM";     /* no final newline */
	struct ld_iomem io;
	const struct ld_iomem_entry *e;
	size_t pos = 0;

	assert_int_equal(ld_iomem_parse(ctx, text, sizeof(text) - 1, &io), 0);
	assert_int_equal(io.count, 8);
	assert_int_equal(io.entries[3].depth, 1);
	assert_int_equal(io.entries[6].depth, 2);
	assert_string_equal(io.entries[6].name, "virtio-pci-modern");
	e = ld_iomem_next(&io, "Crash kernel", &pos);
	assert_non_null(e);
	assert_int_equal(e->start, 0x2f000000);
	assert_int_equal(e->end, 0x3effffff);
	assert_null(ld_iomem_next(&io, "Crash kernel", &pos));
	assert_int_equal(io.entries[7].end, 0x17fffffffULL);
	ld_iomem_free(&io);
}

static void iomem_fails(const char *text, const char *msg)
{
	struct ld_iomem io = { 0 };

	assert_true(ld_iomem_parse(ctx, text, strlen(text), &io) < 0);
	assert_non_null(strstr(elfcore_ctx_error(ctx), msg));
}

static void test_iomem_errors(void **state)
{
	iomem_fails("zz-10 : x\n", "line 1: expected a hex start");
	iomem_fails("00-10 : ok\n10 : x\n", "line 2: expected '-'");
	iomem_fails("10-\n", "line 1: expected a hex end");
	iomem_fails("10-20 x\n", "expected ' : '");
	iomem_fails("20-10 : backwards\n", "ends before it starts");
	iomem_fails("11111111111111111-2 : big\n", "line 1");
}

static void test_ranges(void **state)
{
	struct ld_ranges rs = { 0 };

	assert_int_equal(ld_ranges_add(ctx, &rs, 0x1000, 0x9ffff, LD_RANGE_RAM), 0);
	assert_int_equal(ld_ranges_add(ctx, &rs, 0x100000, 0x3fffffff, LD_RANGE_RAM), 0);
	assert_int_equal(ld_ranges_exclude(ctx, &rs, 0x2f000000, 0x3effffff), 0);    /* split */
	assert_int_equal(ld_ranges_exclude(ctx, &rs, 0x0, 0x1fff), 0);               /* trim head */
	assert_int_equal(ld_ranges_exclude(ctx, &rs, 0x3f000000, 0x3fffffff), 0);    /* drop whole */
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[0].start, 0x2000);
	assert_int_equal(rs.r[1].start, 0x100000);
	assert_int_equal(rs.r[1].end, 0x2effffff);
}

static void read_tree(const char *name, struct ld_machine *m)
{
	char root[256];

	snprintf(root, sizeof(root), TREES "%s", name);
	if (ld_machine_read(ctx, root, m) != 0)
		fail_msg("%s: %s", root, elfcore_ctx_error(ctx));
}

static void test_machine_guest(void **state)
{
	struct ld_machine m;

	read_tree("qemu-1g-5level", &m);
	assert_true(m.have_crash);
	assert_int_equal(m.crash_start, 0x2f000000);
	assert_int_equal(m.crash_end, 0x3effffff);
	assert_int_equal(m.crash_size_sysfs, 256u << 20);
	assert_int_equal(m.crash_loaded, 1);
	assert_int_equal(m.ncpus, 2);
	assert_int_equal(m.cpu_notes[0].addr, 0x3f63a400);
	assert_int_equal(m.cpu_notes[1].addr, 0x3f73a400);
	assert_int_equal(m.cpu_notes[0].size, 368);
	assert_int_equal(m.vmcoreinfo.addr, 0x11e6000);
	assert_int_equal(m.vmcoreinfo.size, 0x1024);     /* printed "%x": hex */
	assert_true(m.have_kcore);
	assert_int_equal(m.page_offset, 0xff46de5100000000ULL);   /* 5-level, KASLR */
	assert_int_equal(m.text_vaddr, 0xffffffff8c600000ULL);
	assert_int_equal(m.text_paddr, 0x6800000);
	assert_int_equal(m.text_size, 0x3430000);
	ld_machine_free(&m);
}

/* /proc/kcore's headers through libelf: the recorded bytes, then damaged copies. */
static void test_kcore_parse(void **state)
{
	FILE *f = fopen(TREES "qemu-5g-4level/proc/kcore", "rb");
	uint8_t buf[4096], bad[4096];
	struct ld_machine m;
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	memset(&m, 0, sizeof(m));
	assert_int_equal(ld_kcore_parse(ctx, buf, n, &m), 0);
	assert_true(m.have_kcore);
	assert_int_equal(m.page_offset, 0xffff8a5b40000000ULL);
	/* Cut inside the program headers: refused, never read past the bytes. */
	assert_int_equal(ld_kcore_parse(ctx, buf, 64 + 56 + 20, &m), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "program header 1 past the recorded bytes"));
	assert_false(m.have_kcore);
	assert_int_equal(ld_kcore_parse(ctx, buf, 40, &m), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "not a little-endian ELF64 file"));
	memcpy(bad, buf, n);
	bad[EI_CLASS] = ELFCLASS32;
	assert_int_equal(ld_kcore_parse(ctx, bad, n, &m), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "not a little-endian ELF64 file"));
	memcpy(bad, buf, n);
	bad[16] = ET_EXEC;
	assert_int_equal(ld_kcore_parse(ctx, bad, n, &m), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "not an x86_64 core (type 2"));
	memcpy(bad, buf, n);
	bad[54] = 32;                       /* e_phentsize */
	assert_int_equal(ld_kcore_parse(ctx, bad, n, &m), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "program header size 32"));
}

static void test_machine_nocrash(void **state)
{
	struct ld_machine m;

	read_tree("host-nocrash", &m);
	assert_false(m.have_crash);
	assert_int_equal(m.crash_loaded, -1);
	assert_int_equal(m.ncpus, 0);
	ld_machine_free(&m);
}

struct want_phdr {
	uint32_t type;
	uint64_t offset, paddr, vaddr, size;
};

#define BACKUP_OFFSET UINT64_MAX    /* the backup copy: wherever the plan put it */

static void check_elfcorehdr(const char *tree, const struct want_phdr *want, unsigned n)
{
	struct ld_machine m;
	struct ld_backup bk = { 0x1000, 0x9ec00, 0x12345000 };
	void *buf;
	size_t size, phnum;
	Elf64_Phdr *native;
	unsigned nnative;
	GElf_Ehdr eh;
	Elf *elf;

	read_tree(tree, &m);
	assert_int_equal(ld_elfcorehdr_build(ctx, &m, &bk, &buf, &size, &native, &nnative), 0);
	assert_int_equal(nnative, n);
	/* The bytes, read back by libelf; the plan reports the native headers: the same. */
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_memory(buf, size);
	assert_non_null(elf);
	assert_int_equal(elf_kind(elf), ELF_K_ELF);
	assert_int_equal(gelf_getclass(elf), ELFCLASS64);
	assert_non_null(gelf_getehdr(elf, &eh));
	assert_int_equal(eh.e_ident[EI_DATA], ELFDATA2LSB);
	assert_int_equal(eh.e_type, ET_CORE);
	assert_int_equal(eh.e_machine, EM_X86_64);
	assert_int_equal(elf_getphdrnum(elf, &phnum), 0);
	assert_int_equal(phnum, n);
	assert_int_equal(size, sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr));
	for (unsigned i = 0; i < n; i++) {
		GElf_Phdr ph;

		assert_non_null(gelf_getphdr(elf, (int)i, &ph));
		assert_int_equal(ph.p_type, want[i].type);
		assert_int_equal(ph.p_offset, want[i].offset == BACKUP_OFFSET ? bk.dst : want[i].offset);
		assert_int_equal(ph.p_paddr, want[i].paddr);
		assert_int_equal(ph.p_vaddr, want[i].vaddr);
		assert_int_equal(ph.p_filesz, want[i].size);
		assert_int_equal(ph.p_memsz, want[i].size);
		assert_int_equal(native[i].p_type, ph.p_type);
		assert_int_equal(native[i].p_flags, ph.p_flags);
		assert_int_equal(native[i].p_offset, ph.p_offset);
		assert_int_equal(native[i].p_vaddr, ph.p_vaddr);
		assert_int_equal(native[i].p_paddr, ph.p_paddr);
		assert_int_equal(native[i].p_filesz, ph.p_filesz);
		assert_int_equal(native[i].p_memsz, ph.p_memsz);
		assert_int_equal(native[i].p_align, ph.p_align);
	}
	elf_end(elf);
	free(native);
	free(buf);
	ld_machine_free(&m);
}

/* tests/data/loader/kexec-debug-qemu-1g-5level.txt: the "Elf header" lines of
 * `kexec -p --debug` in the guest the tree was recorded from. */
static void test_elfcorehdr_like_kexec_tools_1g(void **state)
{
	static const struct want_phdr want[] = {
		{ PT_NOTE, 0x3f63a400, 0x3f63a400, 0, 0x170 },
		{ PT_NOTE, 0x3f73a400, 0x3f73a400, 0, 0x170 },
		{ PT_NOTE, 0x11e6000, 0x11e6000, 0, 0x1024 },
		{ PT_LOAD, 0x6800000, 0x6800000, 0xffffffff8c600000ULL, 0x3430000 },
		{ PT_LOAD, BACKUP_OFFSET, 0x1000, 0xff46de5100001000ULL, 0x9ec00 },
		{ PT_LOAD, 0x100000, 0x100000, 0xff46de5100100000ULL, 0x2ef00000 },
		{ PT_LOAD, 0x3f000000, 0x3f000000, 0xff46de513f000000ULL, 0xfdd000 },
	};

	check_elfcorehdr("qemu-1g-5level", want, sizeof(want) / sizeof(want[0]));
}

/* tests/data/loader/kexec-debug-qemu-5g-4level.txt: RAM above 4G, 4-level map. */
static void test_elfcorehdr_like_kexec_tools_5g(void **state)
{
	static const struct want_phdr want[] = {
		{ PT_NOTE, 0x17ac3a600, 0x17ac3a600, 0, 0x170 },
		{ PT_NOTE, 0x17ad3a600, 0x17ad3a600, 0, 0x170 },
		{ PT_NOTE, 0x100866000, 0x100866000, 0, 0x1024 },
		{ PT_LOAD, 0x86600000, 0x86600000, 0xffffffff91000000ULL, 0x3430000 },
		{ PT_LOAD, BACKUP_OFFSET, 0x1000, 0xffff8a5b40001000ULL, 0x9ec00 },
		{ PT_LOAD, 0x100000, 0x100000, 0xffff8a5b40100000ULL, 0xaef00000 },
		{ PT_LOAD, 0xbf000000, 0xbf000000, 0xffff8a5bff000000ULL, 0xfdd000 },
		{ PT_LOAD, 0x100000000ULL, 0x100000000ULL, 0xffff8a5c40000000ULL, 0x80000000 },
	};

	check_elfcorehdr("qemu-5g-4level", want, sizeof(want) / sizeof(want[0]));
}

/* The synthesized host shape: RAM 0x100000-0xbfffffff minus the 256M region,
 * and 0x100000000-0x63fffffff. */
static void test_crash_ranges_host(void **state)
{
	struct ld_machine m;
	struct ld_backup bk = { 0x1000, 0x9ec00, 0 };
	struct ld_ranges rs;

	read_tree("host-crash", &m);
	assert_int_equal(m.ncpus, 4);
	assert_int_equal(ld_crash_ram_ranges(ctx, &m, &bk, &rs), 0);
	assert_int_equal(rs.n, 4);
	assert_int_equal(rs.r[0].start, 0x1000);
	assert_int_equal(rs.r[1].start, 0x100000);
	assert_int_equal(rs.r[1].end, 0xa6ffffff);
	assert_int_equal(rs.r[2].start, 0xb7000000);
	assert_int_equal(rs.r[2].end, 0xbfffffff);
	assert_int_equal(rs.r[3].start, 0x100000000ULL);
	assert_int_equal(rs.r[3].end, 0x63fffffffULL);
	ld_machine_free(&m);
}

static void test_bzimage_real(void **state)
{
	struct x86_bzimage bz;

	assert_int_equal(x86_bzimage_parse(ctx, kernel, kernel_size, &bz), 0);
	assert_true(bz.version >= 0x020c);
	assert_true(bz.xloadflags & XLF_KERNEL_64);
	assert_true(bz.relocatable);
	assert_true(bz.init_size >= bz.kernel_size);
	assert_int_equal(bz.setup_size + bz.kernel_size, kernel_size);
	assert_int_equal(bz.header_end, 0x202 + kernel[0x201]);
}

static void damaged(size_t off, uint8_t value, size_t size, const char *msg)
{
	uint8_t *copy = malloc(kernel_size);
	struct x86_bzimage bz;

	memcpy(copy, kernel, kernel_size);
	if (off != SIZE_MAX)
		copy[off] = value;
	if (x86_bzimage_parse(ctx, copy, size, &bz) == 0)
		fail_msg("damage at 0x%zx (size %zu) accepted, want \"%s\"", off, size, msg);
	if (!strstr(elfcore_ctx_error(ctx), msg))
		fail_msg("want \"%s\", got \"%s\"", msg, elfcore_ctx_error(ctx));
	free(copy);
}

static void test_bzimage_damaged(void **state)
{
	damaged(SIZE_MAX, 0, 0x100, "too short");
	damaged(BP_BOOT_FLAG, 0, kernel_size, "not a bzImage");
	damaged(BP_HEADER, 'X', kernel_size, "not a bzImage");
	damaged(BP_VERSION + 1, 1, kernel_size, "older than 2.12");
	damaged(BP_XLOADFLAGS, 0, kernel_size, "no 64-bit entry");
	damaged(BP_RELOCATABLE, 0, kernel_size, "not relocatable");
	damaged(BP_KERNEL_ALIGNMENT + 1, 0x30, kernel_size, "kernel_alignment");
	damaged(BP_INIT_SIZE + 3, 0x40, kernel_size, "init_size");  /* > 1G */
	damaged(BP_SETUP_SECTS, 0xff, 0x20000, "covers the whole");
	damaged(SIZE_MAX, 0, 0x262, "bzImage setup header");  /* cut inside init_size */
}

static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static struct ld_plan *plan_for(const char *tree, struct ld_machine *m, const char *cmdline, int *ret)
{
	static const uint8_t initrd[100000] = { 1, 2, 3 };
	struct ld_plan *p = calloc(1, sizeof(*p));
	struct ld_load_args a = { kernel, kernel_size, initrd, sizeof(initrd), cmdline };

	read_tree(tree, m);
	*ret = ld_arch_x86_64.load(ctx, p, m, &a);
	return p;
}

static void test_plan_guest(void **state)
{
	struct ld_machine m;
	int ret;
	struct ld_plan *p = plan_for("qemu-1g-5level", &m, "console=ttyS0 nr_cpus=1", &ret);
	const struct ld_segment *kseg = NULL, *iseg = NULL, *bpseg = NULL, *pseg = NULL;
	const struct purgatory_params *pp;
	const uint8_t *bp;

	if (ret)
		fail_msg("%s", elfcore_ctx_error(ctx));
	assert_int_equal(p->nseg, 6);
	assert_int_equal(p->flags, 0x1 | (62UL << 16));
	for (unsigned i = 0; i < p->nseg; i++) {
		const struct ld_segment *s = &p->seg[i];

		assert_int_equal(s->mem % 4096, 0);
		assert_int_equal(s->memsz % 4096, 0);
		assert_true(s->bufsz <= s->memsz);
		assert_true(s->mem >= m.crash_start && s->mem + s->memsz - 1 <= m.crash_end);
		if (i)
			assert_true(p->seg[i - 1].mem + p->seg[i - 1].memsz <= s->mem);
		if (!strcmp(s->name, "kernel")) kseg = s;
		if (!strcmp(s->name, "initrd")) iseg = s;
		if (!strcmp(s->name, "bootparams")) bpseg = s;
		if (!strcmp(s->name, "purgatory")) pseg = s;
	}
	assert_non_null(kseg); assert_non_null(iseg); assert_non_null(bpseg); assert_non_null(pseg);
	assert_int_equal(kseg->mem % 0x200000, 0);
	assert_true(kseg->memsz >= 0x3f98000);
	assert_true(p->entry >= pseg->mem && p->entry < pseg->mem + pseg->memsz);
	assert_non_null(strstr(p->cmdline, "console=ttyS0 nr_cpus=1 elfcorehdr=0x"));
	assert_int_equal(strtoull(strstr(p->cmdline, "elfcorehdr=") + 11, NULL, 0), p->elfcorehdr);

	/* boot_params: a copy of the setup header, our fields, the e820 map. */
	bp = bpseg->buf;
	assert_int_equal(rd32(bp + BP_HEADER), 0x53726448);
	assert_int_equal(bp[BP_TYPE_OF_LOADER], 0xff);
	assert_int_equal(rd32(bp + BP_CMD_LINE_PTR), bpseg->mem + 4096);
	assert_string_equal((const char *)bp + 4096, p->cmdline);
	assert_int_equal(rd32(bp + BP_RAMDISK_IMAGE), iseg->mem);
	assert_int_equal(rd32(bp + BP_RAMDISK_SIZE), 100000);
	assert_int_equal(bp[BP_E820_ENTRIES], p->e820.n);
	assert_int_equal(rd64(bp + BP_E820_TABLE + 8), p->e820.r[0].end - p->e820.r[0].start + 1);
	/* The capture kernel's RAM: the low range and the region minus backup/elfcorehdr. */
	for (unsigned i = 0; i < p->e820.n; i++) {
		const struct ld_range *r = &p->e820.r[i];

		if (r->type != LD_RANGE_RAM)
			continue;
		assert_true(r->end < 0xa0000 || (r->start >= m.crash_start && r->end <= m.crash_end));
		assert_true(r->end < p->elfcorehdr || r->start > p->elfcorehdr);
	}

	/* The purgatory's parameters: entry, boot_params, stack, one digest per segment. */
	pp = NULL;
	for (size_t off = 0; off + sizeof(*pp) <= pseg->bufsz; off += 8) {
		uint64_t magic = rd64((const uint8_t *)pseg->buf + off);

		if (magic == PURGATORY_MAGIC) {
			pp = (const void *)((const uint8_t *)pseg->buf + off);
			break;
		}
	}
	assert_non_null(pp);
	assert_int_equal(pp->entry, kseg->mem + 0x200);
	assert_int_equal(pp->boot_params, bpseg->mem);
	assert_true(pp->stack_top > pseg->mem + pseg->bufsz && pp->stack_top <= pseg->mem + pseg->memsz);
	assert_int_equal(pp->nr_regions, 4);      /* kernel, initrd, elfcorehdr, bootparams */
	assert_int_equal(pp->console_port, 0x3f8);
	assert_int_equal(pp->backup_src, 0x1000);
	assert_int_equal(pp->backup_len, 0x9ec00);
	for (unsigned i = 0, k = 0; i < p->nseg; i++) {
		const struct ld_segment *s = &p->seg[i];
		uint8_t d[32];
		unsigned dl;

		if (!s->hashed)
			continue;
		assert_int_equal(pp->regions[k].start, s->mem);
		assert_int_equal(pp->regions[k].len, s->bufsz);
		assert_true(EVP_Digest(s->buf, s->bufsz, d, &dl, EVP_sha256(), NULL));
		assert_memory_equal(d, pp->regions[k].digest, 32);
		k++;
	}
	ld_plan_free(p);
	free(p);
	ld_machine_free(&m);
}

static void test_plan_above_4g_host_shape(void **state)
{
	struct ld_machine m;
	int ret;
	struct ld_plan *p = plan_for("host-crash", &m, "", &ret);

	if (ret)
		fail_msg("%s", elfcore_ctx_error(ctx));
	assert_int_equal(p->seg[0].mem, 0xa7000000);
	assert_non_null(strstr(p->cmdline, "elfcorehdr="));
	assert_int_equal(p->cmdline[0], 'e');
	ld_plan_free(p);
	free(p);
	ld_machine_free(&m);
}

static void test_plan_errors(void **state)
{
	struct ld_machine m;
	int ret;
	struct ld_plan *p;

	p = plan_for("host-nocrash", &m, "", &ret);
	assert_true(ret < 0);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "no crashkernel"));
	ld_plan_free(p);
	free(p);
	ld_machine_free(&m);

	/* A 48M region: the kernel alone needs init_size (~64M). */
	read_tree("qemu-1g-5level", &m);
	m.crash_end = m.crash_start + (48u << 20) - 1;
	p = calloc(1, sizeof(*p));
	{
		struct ld_load_args a = { kernel, kernel_size, NULL, 0, "" };

		assert_true(ld_arch_x86_64.load(ctx, p, &m, &a) < 0);
	}
	assert_non_null(strstr(elfcore_ctx_error(ctx), "crashkernel region too small: kernel needs"));
	ld_plan_free(p);
	free(p);

	/* A bad kernel is named. */
	p = calloc(1, sizeof(*p));
	{
		struct ld_load_args a = { "not a kernel", 12, NULL, 0, "" };

		assert_true(ld_arch_x86_64.load(ctx, p, &m, &a) < 0);
	}
	assert_non_null(strstr(elfcore_ctx_error(ctx), "kernel: not a bzImage"));
	ld_plan_free(p);
	free(p);
	ld_machine_free(&m);
}

static void test_purgatory_relocation(void **state)
{
	size_t size = (size_t)(kdl_purgatory_blob_end - kdl_purgatory_blob), memsz;
	struct x86_purgatory a, b;

	assert_int_equal(x86_purgatory_size(ctx, kdl_purgatory_blob, size, &memsz), 0);
	assert_int_equal(x86_purgatory_relocate(ctx, kdl_purgatory_blob, size, 0x10000000, &a), 0);
	assert_int_equal(x86_purgatory_relocate(ctx, kdl_purgatory_blob, size, 0x20000000, &b), 0);
	assert_int_equal(a.memsz, memsz);
	assert_true(a.memsz >= a.bufsz + PURGATORY_STACK_SIZE);
	assert_int_equal(b.entry - 0x20000000, a.entry - 0x10000000);
	assert_int_equal(a.params_off, b.params_off);
	assert_int_equal(rd64(a.image + a.params_off), PURGATORY_MAGIC);
	/* Only absolute relocations differ, by exactly the load delta. */
	{
		uint8_t *covered = calloc(1, a.bufsz + 8);

		for (size_t off = 0; off + 8 <= a.bufsz; off++)
			if (rd64(b.image + off) - rd64(a.image + off) == 0x10000000)
				memset(covered + off, 1, 8);
		for (size_t off = 0; off < a.bufsz; off++)
			if (a.image[off] != b.image[off] && !covered[off])
				fail_msg("byte 0x%zx differs outside an absolute relocation", off);
		free(covered);
	}
	/* A damaged object is refused, not followed. */
	{
		uint8_t *bad = malloc(size);
		struct x86_purgatory c;

		memcpy(bad, kdl_purgatory_blob, size);
		memset(bad + 0x28, 0xff, 8);      /* e_shoff */
		assert_true(x86_purgatory_relocate(ctx, bad, size, 0x10000000, &c) < 0);
		free(bad);
	}
	/* A relocation type the relocator does not know: refused, by its number. */
	{
		uint8_t *bad = malloc(size);
		struct x86_purgatory c;
		Elf_Scn *scn = NULL;
		size_t off = 0;
		Elf *elf;

		memcpy(bad, kdl_purgatory_blob, size);
		assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
		elf = elf_memory((char *)bad, size);
		assert_non_null(elf);
		while (!off && (scn = elf_nextscn(elf, scn)) != NULL) {
			GElf_Shdr sh;

			assert_non_null(gelf_getshdr(scn, &sh));
			if (sh.sh_type == SHT_RELA && sh.sh_size)
				off = sh.sh_offset;
		}
		elf_end(elf);
		assert_int_not_equal(off, 0);
		bad[off + 8] = R_X86_64_GOTPCREL;   /* the low byte of the first r_info's type */
		memset(bad + off + 9, 0, 3);
		assert_int_equal(x86_purgatory_relocate(ctx, bad, size, 0x10000000, &c), -ENOEXEC);
		assert_non_null(strstr(elfcore_ctx_error(ctx), "unsupported relocation type 9"));
		free(bad);
	}
	free(a.image);
	free(b.image);
}

/* The sentences users get for the errors they actually hit. */
static void test_kexec_hints(void **state)
{
	assert_non_null(strstr(kdl_kexec_hint(-EPERM, "integrity", 0), "use --file"));
	assert_non_null(strstr(kdl_kexec_hint(-EPERM, "confidentiality", 0), "locked down"));
	assert_null(strstr(kdl_kexec_hint(-EPERM, "none", 0), "--file"));
	assert_non_null(strstr(kdl_kexec_hint(-EPERM, "", 0), "root"));
	assert_null(strstr(kdl_kexec_hint(-EPERM, "integrity", 1), "use --file"));
	assert_non_null(strstr(kdl_kexec_hint(-EKEYREJECTED, "", 1), "signature"));
	assert_non_null(strstr(kdl_kexec_hint(-EBUSY, "", 0), "in progress"));
	assert_string_equal(kdl_kexec_hint(-EIO, "", 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iomem_parse),
		cmocka_unit_test(test_iomem_errors),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_machine_guest),
		cmocka_unit_test(test_kcore_parse),
		cmocka_unit_test(test_machine_nocrash),
		cmocka_unit_test(test_elfcorehdr_like_kexec_tools_1g),
		cmocka_unit_test(test_elfcorehdr_like_kexec_tools_5g),
		cmocka_unit_test(test_crash_ranges_host),
		cmocka_unit_test(test_bzimage_real),
		cmocka_unit_test(test_bzimage_damaged),
		cmocka_unit_test(test_plan_guest),
		cmocka_unit_test(test_plan_above_4g_host_shape),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_purgatory_relocation),
		cmocka_unit_test(test_kexec_hints),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
