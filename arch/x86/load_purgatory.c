/* Relocating the purgatory: an x86_64 ET_REL object (built -mcmodel=large, -r)
 * laid out section by section, symbols resolved against the load address and
 * R_X86_64_64 / PC32 / PLT32 / 32 / 32S relocations applied. The object is
 * embedded in kdump-load, but it is still read through libelf with every bound
 * checked. */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "load_x86.h"
#include "../../purgatory/purgatory_abi.h"
#include "ec_priv.h"

struct pg_obj {
	Elf *elf;
	size_t size;
	size_t shnum;
	size_t *sec_off;            /* offset of each SHF_ALLOC section in the image */
	size_t bufsz, memsz;
};

/* A symbol table and the string table its names are in. */
struct pg_symtab {
	Elf_Data *data;
	size_t nsyms;
	size_t strndx;
};

static int obj_shdr(struct elfcore_ctx *ctx, const struct pg_obj *o, size_t i, GElf_Shdr *sh)
{
	Elf_Scn *scn = elf_getscn(o->elf, i);

	if (!scn || !gelf_getshdr(scn, sh))
		return ec_err(ctx, -ENOEXEC, "purgatory: section %zu: %s", i, elf_errmsg(-1));
	return 0;
}

static void obj_close(struct pg_obj *o)
{
	if (o->elf)
		elf_end(o->elf);
	o->elf = NULL;
	free(o->sec_off);
	o->sec_off = NULL;
}

static int obj_check(struct elfcore_ctx *ctx, struct pg_obj *o)
{
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;

	if (elf_kind(o->elf) != ELF_K_ELF || gelf_getclass(o->elf) != ELFCLASS64 ||
	    !gelf_getehdr(o->elf, &eh) || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_REL ||
	    eh.e_machine != EM_X86_64)
		return ec_err(ctx, -ENOEXEC, "purgatory: not an x86_64 relocatable ELF object");
	if (elf_getshdrnum(o->elf, &o->shnum) != 0 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shoff > o->size || (o->size - eh.e_shoff) / sizeof(Elf64_Shdr) < o->shnum)
		return ec_err(ctx, -ENOEXEC, "purgatory: section headers out of bounds");
	while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
		size_t i = elf_ndxscn(scn);
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return ec_err(ctx, -ENOEXEC, "purgatory: section %zu: %s", i, elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > o->size || sh.sh_size > o->size - sh.sh_offset))
			return ec_err(ctx, -ENOEXEC, "purgatory: section %zu out of bounds", i);
	}
	return 0;
}

static int obj_open(struct elfcore_ctx *ctx, const void *data, size_t size, struct pg_obj *o)
{
	int ret;

	memset(o, 0, sizeof(*o));
	o->size = size;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return ec_err(ctx, -ENOEXEC, "purgatory: libelf: %s", elf_errmsg(-1));
	if (size < sizeof(Elf64_Ehdr))
		return ec_err(ctx, -ENOEXEC, "purgatory: not an x86_64 relocatable ELF object");
	/* libelf only reads the image: a native little-endian object is used in place. */
	o->elf = elf_memory((char *)data, size);
	if (!o->elf)
		return ec_err(ctx, -ENOEXEC, "purgatory: not an ELF object: %s", elf_errmsg(-1));
	if ((ret = obj_check(ctx, o)) < 0)
		obj_close(o);
	return ret;
}

/* Sections with contents first, then .bss; then the stack. */
static int obj_layout(struct elfcore_ctx *ctx, struct pg_obj *o)
{
	size_t off = 0;

	o->sec_off = calloc(o->shnum ? o->shnum : 1, sizeof(*o->sec_off));
	if (!o->sec_off)
		return ec_err(ctx, -ENOMEM, "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
			size_t i = elf_ndxscn(scn);
			uint64_t align;
			GElf_Shdr s;

			if (!gelf_getshdr(scn, &s))
				return ec_err(ctx, -ENOEXEC, "purgatory: section %zu: %s", i, elf_errmsg(-1));
			if (!(s.sh_flags & SHF_ALLOC) || (s.sh_type == SHT_NOBITS) != pass)
				continue;
			align = s.sh_addralign ? s.sh_addralign : 1;
			if (align & (align - 1) || align > 4096 || s.sh_size > (1u << 20))
				return ec_err(ctx, -ENOEXEC, "purgatory: section %zu has bad size/alignment", i);
			off = LD_ALIGN_UP(off, align);
			o->sec_off[i] = off;
			off += s.sh_size;
		}
		if (pass == 0)
			o->bufsz = off;
	}
	o->memsz = LD_ALIGN_UP(off, 16) + PURGATORY_STACK_SIZE;
	return 0;
}

int x86_purgatory_size(struct elfcore_ctx *ctx, const void *obj, size_t size, size_t *memsz)
{
	struct pg_obj o;
	int ret;

	if ((ret = obj_open(ctx, obj, size, &o)) < 0)
		return ret;
	if ((ret = obj_layout(ctx, &o)) == 0)
		*memsz = o.memsz;
	obj_close(&o);
	return ret;
}

static int obj_symtab(struct elfcore_ctx *ctx, const struct pg_obj *o, size_t idx,
		      struct pg_symtab *st)
{
	Elf_Scn *scn = elf_getscn(o->elf, idx);
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
	    !(st->data = elf_getdata(scn, NULL)))
		return ec_err(ctx, -ENOEXEC, "purgatory: symbol table %zu: %s", idx, elf_errmsg(-1));
	st->nsyms = sh.sh_size / gelf_fsize(o->elf, ELF_T_SYM, 1, EV_CURRENT);
	st->strndx = sh.sh_link;
	return 0;
}

static int sym_get(struct elfcore_ctx *ctx, const struct pg_obj *o, const struct pg_symtab *st,
		   uint64_t idx, GElf_Sym *sym)
{
	if (idx >= st->nsyms || st->strndx >= o->shnum || !gelf_getsym(st->data, (int)idx, sym))
		return ec_err(ctx, -ENOEXEC, "purgatory: symbol %llu out of range", (unsigned long long)idx);
	return 0;
}

static int sym_addr(struct elfcore_ctx *ctx, const struct pg_obj *o, const struct pg_symtab *st,
		    const GElf_Sym *sym, uint64_t base, uint64_t *addr, const char **name)
{
	GElf_Shdr sh;

	*name = elf_strptr(o->elf, st->strndx, sym->st_name);
	if (!*name)
		*name = "?";
	if (sym->st_shndx == SHN_ABS) {
		*addr = sym->st_value;
		return 0;
	}
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= o->shnum ||
	    obj_shdr(ctx, o, sym->st_shndx, &sh) < 0 || !(sh.sh_flags & SHF_ALLOC))
		return ec_err(ctx, -ENOEXEC, "purgatory: symbol %s is undefined", *name);
	*addr = base + o->sec_off[sym->st_shndx] + sym->st_value;
	return 0;
}

static int find_symbol(struct elfcore_ctx *ctx, const struct pg_obj *o, const char *want,
		       uint64_t base, uint64_t *addr, uint64_t *size)
{
	Elf_Scn *scn = NULL;
	int ret;

	while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
		struct pg_symtab st;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		if ((ret = obj_symtab(ctx, o, elf_ndxscn(scn), &st)) < 0)
			return ret;
		for (uint64_t k = 1; k < st.nsyms; k++) {
			const char *name;
			GElf_Sym sym;
			uint64_t a;

			if ((ret = sym_get(ctx, o, &st, k, &sym)) < 0)
				return ret;
			if (GELF_ST_BIND(sym.st_info) != STB_GLOBAL)
				continue;
			if (sym_addr(ctx, o, &st, &sym, base, &a, &name) < 0)
				continue;
			if (strcmp(name, want) == 0) {
				*addr = a;
				*size = sym.st_size;
				elfcore_ctx_clear(ctx);
				return 0;
			}
		}
	}
	return ec_err(ctx, -ENOEXEC, "purgatory: no symbol %s", want);
}

/* Apply one relocation at where (image offset p - base), v = S + A. */
static int reloc_one(struct elfcore_ctx *ctx, uint32_t type, uint8_t *where, uint64_t p, uint64_t v,
		     const char *name)
{
	switch (type) {
	case R_X86_64_64:
		memcpy(where, &v, 8);
		break;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		v -= p;
		if ((int64_t)v != (int32_t)v)
			return ec_err(ctx, -ERANGE, "purgatory: PC32 to %s out of range", name);
		memcpy(where, &v, 4);
		break;
	case R_X86_64_32:
		if (v != (uint32_t)v)
			return ec_err(ctx, -ERANGE, "purgatory: R_X86_64_32 to %s above 4G", name);
		memcpy(where, &v, 4);
		break;
	case R_X86_64_32S:
		if ((int64_t)v != (int32_t)v)
			return ec_err(ctx, -ERANGE, "purgatory: R_X86_64_32S to %s out of range", name);
		memcpy(where, &v, 4);
		break;
	default:
		return ec_err(ctx, -ENOEXEC, "purgatory: unsupported relocation type %u", type);
	}
	return 0;
}

static int apply_rela(struct elfcore_ctx *ctx, const struct pg_obj *o, Elf_Scn *scn,
		      const GElf_Shdr *rs, uint64_t base, uint8_t *image)
{
	GElf_Shdr target, symtab;
	struct pg_symtab st;
	Elf_Data *d;
	size_t n;
	int ret;

	if (rs->sh_info >= o->shnum || rs->sh_link >= o->shnum)
		return ec_err(ctx, -ENOEXEC, "purgatory: relocation section links out of range");
	if ((ret = obj_shdr(ctx, o, rs->sh_info, &target)) < 0 ||
	    (ret = obj_shdr(ctx, o, rs->sh_link, &symtab)) < 0)
		return ret;
	if (!(target.sh_flags & SHF_ALLOC))
		return 0;
	if (target.sh_type == SHT_NOBITS || symtab.sh_type != SHT_SYMTAB)
		return ec_err(ctx, -ENOEXEC, "purgatory: relocations against section %u", rs->sh_info);
	if ((ret = obj_symtab(ctx, o, rs->sh_link, &st)) < 0)
		return ret;
	d = elf_getdata(scn, NULL);
	if (!d)
		return ec_err(ctx, -ENOEXEC, "purgatory: relocation section %zu: %s", elf_ndxscn(scn),
			      elf_errmsg(-1));
	n = rs->sh_size / gelf_fsize(o->elf, ELF_T_RELA, 1, EV_CURRENT);
	for (size_t i = 0; i < n; i++) {
		uint32_t type;
		const char *name;
		uint64_t s, off;
		GElf_Rela r;
		GElf_Sym sym;

		if (!gelf_getrela(d, (int)i, &r))
			return ec_err(ctx, -ENOEXEC, "purgatory: relocation %zu: %s", i, elf_errmsg(-1));
		type = GELF_R_TYPE(r.r_info);
		if (r.r_offset > target.sh_size || target.sh_size - r.r_offset < (type == R_X86_64_64 ? 8 : 4))
			return ec_err(ctx, -ENOEXEC, "purgatory: relocation %zu past its section", i);
		if (type == R_X86_64_NONE)
			continue;
		if ((ret = sym_get(ctx, o, &st, GELF_R_SYM(r.r_info), &sym)) < 0 ||
		    (ret = sym_addr(ctx, o, &st, &sym, base, &s, &name)) < 0)
			return ret;
		off = o->sec_off[rs->sh_info] + r.r_offset;
		if ((ret = reloc_one(ctx, type, image + off, base + off, s + (uint64_t)r.r_addend, name)) < 0)
			return ret;
	}
	return 0;
}

/* The bytes of every SHF_ALLOC section with contents, as they are in the file. */
static int copy_sections(struct elfcore_ctx *ctx, const struct pg_obj *o, uint8_t *image)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
		size_t i = elf_ndxscn(scn);
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return ec_err(ctx, -ENOEXEC, "purgatory: section %zu: %s", i, elf_errmsg(-1));
		if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS || !sh.sh_size)
			continue;
		d = elf_rawdata(scn, NULL);
		if (!d || d->d_size != sh.sh_size)
			return ec_err(ctx, -ENOEXEC, "purgatory: section %zu: %s", i,
				      d ? "short contents" : elf_errmsg(-1));
		memcpy(image + o->sec_off[i], d->d_buf, d->d_size);
	}
	return 0;
}

int x86_purgatory_relocate(struct elfcore_ctx *ctx, const void *obj, size_t size, uint64_t load_addr,
			   struct x86_purgatory *out)
{
	struct pg_obj o;
	Elf_Scn *scn = NULL;
	uint8_t *image = NULL;
	uint64_t params, psize, entry, esize;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = obj_open(ctx, obj, size, &o)) < 0)
		return ret;
	if ((ret = obj_layout(ctx, &o)) < 0)
		goto out;
	image = calloc(1, o.bufsz ? o.bufsz : 1);
	if (!image) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	if ((ret = copy_sections(ctx, &o, image)) < 0)
		goto out;
	while ((scn = elf_nextscn(o.elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			ret = ec_err(ctx, -ENOEXEC, "purgatory: section %zu: %s", elf_ndxscn(scn),
				     elf_errmsg(-1));
			goto out;
		}
		if (sh.sh_type == SHT_REL) {
			ret = ec_err(ctx, -ENOEXEC, "purgatory: SHT_REL sections are not supported");
			goto out;
		}
		if (sh.sh_type == SHT_RELA && (ret = apply_rela(ctx, &o, scn, &sh, load_addr, image)) < 0)
			goto out;
	}
	if ((ret = find_symbol(ctx, &o, PURGATORY_PARAMS_SYMBOL, load_addr, &params, &psize)) < 0 ||
	    (ret = find_symbol(ctx, &o, PURGATORY_ENTRY_SYMBOL, load_addr, &entry, &esize)) < 0)
		goto out;
	if (psize != sizeof(struct purgatory_params) || params - load_addr + psize > o.bufsz) {
		ret = ec_err(ctx, -ENOEXEC, "purgatory: %s has size %llu, expected %zu in .data",
			     PURGATORY_PARAMS_SYMBOL, (unsigned long long)psize, sizeof(struct purgatory_params));
		goto out;
	}
	out->image = image;
	out->bufsz = o.bufsz;
	out->memsz = o.memsz;
	out->params_off = params - load_addr;
	out->entry = entry;
	image = NULL;
out:
	free(image);
	obj_close(&o);
	return ret;
}
