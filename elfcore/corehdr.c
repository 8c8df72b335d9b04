/* ELF64 core file headers (elfcore/include/elfcore/corehdr.h): the structures
 * are filled in host representation and converted by libelf. */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include "ec_priv.h"
#include "elfcore/corehdr.h"

uint64_t elfcore_corehdr_size(uint64_t phnum)
{
	if (phnum > ELFCORE_COREHDR_MAX_PHNUM)
		return UINT64_MAX;
	return sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr) +
	       (phnum >= PN_XNUM ? sizeof(Elf64_Shdr) : 0);
}

static int check_hdr(struct elfcore_ctx *ctx, const struct elfcore_corehdr *h)
{
	if (!h || h->size < sizeof(*h))
		return ec_err(ctx, -EINVAL, "ELF core header: options of %zu bytes, %zu expected",
			      h ? h->size : 0, sizeof(*h));
	if (h->phnum > ELFCORE_COREHDR_MAX_PHNUM)
		return ec_err(ctx, -EINVAL, "ELF core header: %llu program headers, at most %llu",
			      (unsigned long long)h->phnum, ELFCORE_COREHDR_MAX_PHNUM);
	return 0;
}

/* n structures of type from host to file representation (little-endian). */
static int to_file(struct elfcore_ctx *ctx, Elf_Type type, const void *src, size_t size,
		   void *dst, size_t cap, const char *what)
{
	Elf_Data s = { .d_buf = (void *)src, .d_type = type, .d_size = size,
		       .d_version = EV_CURRENT };
	Elf_Data d = { .d_buf = dst, .d_type = type, .d_size = cap, .d_version = EV_CURRENT };

	if (cap < size)
		return ec_err(ctx, -ENOSPC, "ELF core header: %s needs %zu bytes, the buffer has %zu",
			      what, size, cap);
	if (elf_version(EV_CURRENT) == EV_NONE || !elf64_xlatetof(&d, &s, ELFDATA2LSB))
		return ec_err(ctx, -EINVAL, "ELF core header: %s: libelf: %s", what, elf_errmsg(-1));
	return 0;
}

int elfcore_corehdr_ehdr(struct elfcore_ctx *ctx, const struct elfcore_corehdr *h, void *buf,
			 size_t cap)
{
	Elf64_Ehdr eh;
	int ret = check_hdr(ctx, h);

	if (ret)
		return ret;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = h->machine ? h->machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = h->phnum ? sizeof(Elf64_Ehdr) : 0;       /* no table: 0, says the gABI */
	eh.e_flags = h->flags;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	if (h->phnum >= PN_XNUM) {
		eh.e_phnum = PN_XNUM;
		eh.e_shoff = sizeof(Elf64_Ehdr) + h->phnum * sizeof(Elf64_Phdr);
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 1;
	} else {
		eh.e_phnum = (Elf64_Half)h->phnum;
	}
	return to_file(ctx, ELF_T_EHDR, &eh, sizeof(eh), buf, cap, "ELF header");
}

int elfcore_corehdr_phdr(struct elfcore_ctx *ctx, const Elf64_Phdr *phdr, void *buf, size_t cap)
{
	return to_file(ctx, ELF_T_PHDR, phdr, sizeof(*phdr), buf, cap, "program header");
}

int elfcore_corehdr_shdr0(struct elfcore_ctx *ctx, const struct elfcore_corehdr *h, void *buf,
			  size_t cap)
{
	Elf64_Shdr sh;
	int ret = check_hdr(ctx, h);

	if (ret)
		return ret;
	if (h->phnum < PN_XNUM)
		return ec_err(ctx, -EINVAL, "ELF core header: %llu program headers need no section "
			      "header", (unsigned long long)h->phnum);
	memset(&sh, 0, sizeof(sh));
	sh.sh_info = (Elf64_Word)h->phnum;
	return to_file(ctx, ELF_T_SHDR, &sh, sizeof(sh), buf, cap, "section header 0");
}

int elfcore_corehdr_build(struct elfcore_ctx *ctx, const struct elfcore_corehdr *h,
			  const Elf64_Phdr *phdr, void *buf, size_t cap)
{
	uint64_t size, phsize;
	char *p = buf;
	int ret = check_hdr(ctx, h);

	if (ret)
		return ret;
	size = elfcore_corehdr_size(h->phnum);
	phsize = h->phnum * sizeof(Elf64_Phdr);
	if (cap < size)
		return ec_err(ctx, -ENOSPC, "ELF core header: %llu program headers need %llu bytes, "
			      "the buffer has %zu", (unsigned long long)h->phnum,
			      (unsigned long long)size, cap);
	if (h->phnum && !phdr)
		return ec_err(ctx, -EINVAL, "ELF core header: %llu program headers, none given",
			      (unsigned long long)h->phnum);
	if ((ret = elfcore_corehdr_ehdr(ctx, h, p, sizeof(Elf64_Ehdr))) < 0)
		return ret;
	p += sizeof(Elf64_Ehdr);
	if (phsize && (ret = to_file(ctx, ELF_T_PHDR, phdr, phsize, p, phsize,
				     "program headers")) < 0)
		return ret;
	p += phsize;
	if (h->phnum >= PN_XNUM)
		ret = elfcore_corehdr_shdr0(ctx, h, p, sizeof(Elf64_Shdr));
	return ret;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t elfcore_note_size(const char *name, size_t descsz)
{
	return sizeof(Elf64_Nhdr) + pad4(strlen(name) + 1) + pad4(descsz);
}

size_t elfcore_note_put(void *buf, size_t cap, const char *name, uint32_t type, const void *desc,
			size_t descsz)
{
	size_t namesz = strlen(name) + 1, size = elfcore_note_size(name, descsz);
	Elf64_Nhdr nh = { .n_namesz = (Elf64_Word)namesz, .n_descsz = (Elf64_Word)descsz,
			  .n_type = type };
	uint8_t *p = buf;

	if (size > cap || descsz > UINT32_MAX ||
	    to_file(NULL, ELF_T_NHDR, &nh, sizeof(nh), p, cap, "note header"))
		return 0;
	memset(p + sizeof(nh), 0, size - sizeof(nh));
	memcpy(p + sizeof(nh), name, namesz);
	if (descsz)
		memcpy(p + sizeof(nh) + pad4(namesz), desc, descsz);
	return size;
}
