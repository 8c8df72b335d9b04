/* Unit tests for the ELF64 core header serializer (elfcore/corehdr.h): every
 * header it builds is parsed back with libelf (elf_memory) and checked field
 * by field, with and without extended numbering; the streaming parts give the
 * bytes of the whole; misuse fails with a message. */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elfcore/corehdr.h"

static struct elfcore_ctx *ctx;

/* Program header i, every field distinct and using its full width. */
static void fill_phdr(Elf64_Phdr *ph, uint64_t i)
{
	memset(ph, 0, sizeof(*ph));
	ph->p_type = i == 0 ? PT_NOTE : PT_LOAD;
	ph->p_flags = i == 0 ? 0 : PF_R | PF_W | PF_X;
	ph->p_offset = 0x1000 * i + 0x123;
	ph->p_vaddr = 0xffff888000000000ull + 0x10000 * i;
	ph->p_paddr = 0x100000000ull * (i % 7) + 0x2000 * i;
	ph->p_filesz = 0x1000 + i;
	ph->p_memsz = 0x2000 + i;
	ph->p_align = i % 3 ? 4096 : 0;
}

static Elf64_Phdr *make_phdrs(uint64_t n)
{
	Elf64_Phdr *ph = calloc(n ? n : 1, sizeof(*ph));

	assert_non_null(ph);
	for (uint64_t i = 0; i < n; i++)
		fill_phdr(&ph[i], i);
	return ph;
}

/* Build a header of phnum program headers, parse it back with libelf and
 * compare every field; returns the bytes for more checks (caller frees). */
static unsigned char *roundtrip(uint64_t phnum, uint16_t machine, uint32_t flags, size_t *len)
{
	struct elfcore_corehdr h = { .size = sizeof(h), .machine = machine, .flags = flags,
				     .phnum = phnum };
	Elf64_Phdr *ph = make_phdrs(phnum);
	uint64_t size = elfcore_corehdr_size(phnum);
	unsigned char *buf = malloc(size);
	size_t n = 0, shnum = 0, shstrndx = 1;
	int xnum = phnum >= PN_XNUM;
	GElf_Ehdr eh;
	GElf_Phdr gp;
	Elf *elf;

	assert_non_null(buf);
	memset(buf, 0xa5, size);
	assert_int_equal(elfcore_corehdr_build(ctx, &h, ph, buf, size), 0);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_memory((char *)buf, size);
	assert_non_null(elf);
	assert_int_equal(elf_kind(elf), ELF_K_ELF);
	assert_int_equal(gelf_getclass(elf), ELFCLASS64);
	assert_non_null(gelf_getehdr(elf, &eh));
	assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh.e_ident[EI_DATA], ELFDATA2LSB);
	assert_int_equal(eh.e_ident[EI_VERSION], EV_CURRENT);
	assert_int_equal(eh.e_ident[EI_OSABI], ELFOSABI_NONE);
	for (int i = EI_ABIVERSION; i < EI_NIDENT; i++)
		assert_int_equal(eh.e_ident[i], 0);
	assert_int_equal(eh.e_type, ET_CORE);
	assert_int_equal(eh.e_machine, machine ? machine : EM_X86_64);
	assert_int_equal(eh.e_version, EV_CURRENT);
	assert_int_equal(eh.e_entry, 0);
	assert_int_equal(eh.e_phoff, phnum ? sizeof(Elf64_Ehdr) : 0);
	assert_int_equal(eh.e_flags, flags);
	assert_int_equal(eh.e_ehsize, sizeof(Elf64_Ehdr));
	assert_int_equal(eh.e_phentsize, sizeof(Elf64_Phdr));
	assert_int_equal(eh.e_shstrndx, 0);
	/* Extended numbering: the count in section 0, which e_shoff points at. */
	assert_int_equal(eh.e_phnum, xnum ? PN_XNUM : phnum);
	assert_int_equal(eh.e_shoff, xnum ? sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr) : 0);
	assert_int_equal(eh.e_shentsize, xnum ? sizeof(Elf64_Shdr) : 0);
	assert_int_equal(eh.e_shnum, xnum);
	assert_int_equal(elf_getshdrnum(elf, &shnum), 0);
	assert_int_equal(shnum, xnum);
	if (xnum) {
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(elf, 0);

		assert_non_null(scn);
		assert_non_null(gelf_getshdr(scn, &sh));
		assert_int_equal(sh.sh_info, phnum);
		assert_int_equal(sh.sh_name, 0);
		assert_int_equal(sh.sh_type, SHT_NULL);
		assert_int_equal(sh.sh_flags, 0);
		assert_int_equal(sh.sh_addr, 0);
		assert_int_equal(sh.sh_offset, 0);
		assert_int_equal(sh.sh_size, 0);
		assert_int_equal(sh.sh_link, 0);
		assert_int_equal(sh.sh_addralign, 0);
		assert_int_equal(sh.sh_entsize, 0);
		assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
		assert_int_equal(shstrndx, 0);
	}
	assert_int_equal(elf_getphdrnum(elf, &n), 0);
	assert_int_equal(n, phnum);
	for (uint64_t i = 0; i < phnum; i++) {
		assert_non_null(gelf_getphdr(elf, (int)i, &gp));
		assert_int_equal(gp.p_type, ph[i].p_type);
		assert_int_equal(gp.p_flags, ph[i].p_flags);
		assert_int_equal(gp.p_offset, ph[i].p_offset);
		assert_int_equal(gp.p_vaddr, ph[i].p_vaddr);
		assert_int_equal(gp.p_paddr, ph[i].p_paddr);
		assert_int_equal(gp.p_filesz, ph[i].p_filesz);
		assert_int_equal(gp.p_memsz, ph[i].p_memsz);
		assert_int_equal(gp.p_align, ph[i].p_align);
	}
	elf_end(elf);
	free(ph);
	*len = size;
	return buf;
}

static void test_roundtrip(void **state)
{
	size_t len;
	unsigned char *b;

	/* The loader's and generators' shapes: a few program headers. */
	b = roundtrip(7, 0, 0, &len);
	assert_int_equal(len, 64 + 7 * 56);
	free(b);
	/* The ELF writer's incomplete mark, another machine. */
	b = roundtrip(2, EM_AARCH64, 1, &len);
	assert_int_equal(len, 64 + 2 * 56);
	free(b);
	/* Only the ELF header. */
	b = roundtrip(0, 0, 0, &len);
	assert_int_equal(len, 64);
	free(b);
}

/* The same bytes as the structures in memory on this little-endian host:
 * what the hand-written headers used to be. */
static void test_layout(void **state)
{
	struct elfcore_corehdr h = { .size = sizeof(h), .phnum = 3, .flags = 1 };
	Elf64_Phdr *ph = make_phdrs(3);
	unsigned char buf[64 + 3 * 56 + 8];
	Elf64_Ehdr eh = { 0 };

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = 64;
	eh.e_flags = 1;
	eh.e_ehsize = 64;
	eh.e_phentsize = 56;
	eh.e_phnum = 3;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(elfcore_corehdr_build(ctx, &h, ph, buf, sizeof(buf)), 0);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	assert_memory_equal(buf, &eh, 64);
	assert_memory_equal(buf + 64, ph, 3 * 56);
#endif
	/* Nothing written past the header. */
	for (size_t i = 64 + 3 * 56; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	free(ph);
}

/* 65534 program headers still fit e_phnum; 65535 and more use section 0. */
static void test_extended_numbering(void **state)
{
	static const uint64_t counts[] = { PN_XNUM - 1, PN_XNUM, 70001 };
	unsigned char *b;
	size_t len;

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		b = roundtrip(counts[i], 0, 1, &len);
		assert_int_equal(len, 64 + counts[i] * 56 + (counts[i] >= PN_XNUM ? 64 : 0));
		free(b);
	}
}

/* The parts a streaming writer uses put together give build()'s bytes. */
static void test_parts(void **state)
{
	static const uint64_t counts[] = { 1, 5, 70001 };

	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct elfcore_corehdr h = { .size = sizeof(h), .flags = 1, .phnum = counts[c] };
		uint64_t n = counts[c], size = elfcore_corehdr_size(n);
		Elf64_Phdr *ph = make_phdrs(n);
		unsigned char *whole = malloc(size), *parts = malloc(size);

		assert_non_null(whole);
		assert_non_null(parts);
		assert_int_equal(elfcore_corehdr_build(ctx, &h, ph, whole, size), 0);
		assert_int_equal(elfcore_corehdr_ehdr(ctx, &h, parts, 64), 0);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(elfcore_corehdr_phdr(ctx, &ph[i], parts + 64 + 56 * i, 56), 0);
		if (n >= PN_XNUM)
			assert_int_equal(elfcore_corehdr_shdr0(ctx, &h, parts + 64 + 56 * n, 64), 0);
		else
			assert_int_equal(elfcore_corehdr_shdr0(ctx, &h, parts + 64 + 56 * n, 64), -EINVAL);
		assert_memory_equal(whole, parts, size);
		free(whole);
		free(parts);
		free(ph);
	}
}

static void test_errors(void **state)
{
	struct elfcore_corehdr h = { .size = sizeof(h), .phnum = 2 };
	Elf64_Phdr ph[2];
	unsigned char buf[64 + 2 * 56];

	fill_phdr(&ph[0], 0);
	fill_phdr(&ph[1], 1);
	/* Buffers too small. */
	assert_int_equal(elfcore_corehdr_build(ctx, &h, ph, buf, sizeof(buf) - 1), -ENOSPC);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "the buffer has 175"));
	assert_int_equal(elfcore_corehdr_ehdr(ctx, &h, buf, 63), -ENOSPC);
	assert_int_equal(elfcore_corehdr_phdr(ctx, ph, buf, 55), -ENOSPC);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "program header"));
	/* An options struct from nowhere, no program headers given. */
	h.size = 0;
	assert_int_equal(elfcore_corehdr_build(ctx, &h, ph, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(elfcore_corehdr_ehdr(ctx, NULL, buf, sizeof(buf)), -EINVAL);
	h.size = sizeof(h);
	assert_int_equal(elfcore_corehdr_build(ctx, &h, NULL, buf, sizeof(buf)), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "none given"));
	/* More program headers than sh_info can count. */
	assert_int_equal(elfcore_corehdr_size(ELFCORE_COREHDR_MAX_PHNUM + 1), UINT64_MAX);
	assert_int_equal(elfcore_corehdr_size(ELFCORE_COREHDR_MAX_PHNUM),
			 64 + ELFCORE_COREHDR_MAX_PHNUM * 56 + 64);
	h.phnum = ELFCORE_COREHDR_MAX_PHNUM + 1;
	assert_int_equal(elfcore_corehdr_ehdr(ctx, &h, buf, sizeof(buf)), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "program headers, at most"));
	/* Section 0 only with extended numbering. */
	h.phnum = 2;
	assert_int_equal(elfcore_corehdr_shdr0(ctx, &h, buf, sizeof(buf)), -EINVAL);
	/* The largest count still makes a valid ELF header. */
	h.phnum = ELFCORE_COREHDR_MAX_PHNUM;
	assert_int_equal(elfcore_corehdr_ehdr(ctx, &h, buf, 64), 0);
	assert_int_equal(buf[56] | buf[57] << 8, PN_XNUM);
}

/* Notes: a core with a PT_NOTE of two notes, read back by libelf's gelf_getnote. */
static void test_notes(void **state)
{
	static const char vmcoreinfo[] = "OSRELEASE=6.1.0\nPAGESIZE=4096\n";   /* 31 bytes: padded */
	uint8_t prstatus[336], file[4096] = { 0 }, small[32];
	struct elfcore_corehdr h = { .size = sizeof(h), .phnum = 1 };
	Elf64_Phdr ph = { .p_type = PT_NOTE };
	size_t hdr = (size_t)elfcore_corehdr_size(1), n1, n2, off = 0, name_off, desc_off;
	GElf_Nhdr nh;
	Elf_Data *d;
	Elf *e;

	(void)state;
	for (size_t i = 0; i < sizeof(prstatus); i++)
		prstatus[i] = (uint8_t)i;
	assert_int_equal(elfcore_note_size("CORE", 336), 12 + 8 + 336);
	assert_int_equal(elfcore_note_size("VMCOREINFO", 31), 12 + 12 + 32);
	n1 = elfcore_note_put(file + hdr, sizeof(file) - hdr, "CORE", NT_PRSTATUS, prstatus, 336);
	n2 = elfcore_note_put(file + hdr + n1, sizeof(file) - hdr - n1, "VMCOREINFO", 0, vmcoreinfo,
			      sizeof(vmcoreinfo) - 1);
	assert_int_equal(n1, 356);
	assert_int_equal(n2, 56);
	ph.p_offset = hdr;
	ph.p_filesz = n1 + n2;
	assert_int_equal(elfcore_corehdr_build(NULL, &h, &ph, file, hdr), 0);

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	e = elf_memory((char *)file, sizeof(file));
	assert_non_null(e);
	d = elf_getdata_rawchunk(e, (int64_t)hdr, n1 + n2, ELF_T_NHDR);
	assert_non_null(d);
	off = gelf_getnote(d, 0, &nh, &name_off, &desc_off);
	assert_int_equal(nh.n_type, NT_PRSTATUS);
	assert_int_equal(nh.n_descsz, 336);
	assert_string_equal((char *)d->d_buf + name_off, "CORE");
	assert_memory_equal((char *)d->d_buf + desc_off, prstatus, 336);
	off = gelf_getnote(d, off, &nh, &name_off, &desc_off);
	assert_int_equal(off, n1 + n2);
	assert_int_equal(nh.n_type, 0);
	assert_string_equal((char *)d->d_buf + name_off, "VMCOREINFO");
	assert_memory_equal((char *)d->d_buf + desc_off, vmcoreinfo, sizeof(vmcoreinfo) - 1);
	assert_int_equal(((uint8_t *)d->d_buf)[desc_off + 31], 0);     /* padding is zero */
	elf_end(e);

	memset(small, 0xaa, sizeof(small));                               /* too small: nothing */
	assert_int_equal(elfcore_note_put(small, sizeof(small), "VMCOREINFO", 0, vmcoreinfo, 31), 0);
	for (size_t i = 0; i < sizeof(small); i++)
		assert_int_equal(small[i], 0xaa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_extended_numbering),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_notes),
	};

	int ret;

	ctx = elfcore_ctx_new();
	if (!ctx)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	elfcore_ctx_free(ctx);
	return ret;
}
