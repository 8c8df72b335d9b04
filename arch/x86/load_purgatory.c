/* Relocating the purgatory: an x86_64 ET_REL object (built -mcmodel=large, -r)
 * laid out section by section, symbols resolved against the load address and
 * R_X86_64_64 / PC32 / PLT32 / 32 / 32S relocations applied. The object is
 * embedded in kdump-load, but it is still parsed with every bound checked. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "load_x86.h"
#include "../../purgatory/purgatory_abi.h"
#include "ec_priv.h"

struct pg_obj {
	const uint8_t *data;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	size_t *sec_off;            /* offset of each SHF_ALLOC section in the image */
	size_t bufsz, memsz;
};

static int obj_open(struct elfcore_ctx *ctx, const void *data, size_t size, struct pg_obj *o)
{
	const Elf64_Ehdr *eh = data;

	memset(o, 0, sizeof(*o));
	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL || eh->e_machine != EM_X86_64)
		return ec_err(ctx, -ENOEXEC, "purgatory: not an x86_64 relocatable ELF object");
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > size ||
	    (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
		return ec_err(ctx, -ENOEXEC, "purgatory: section headers out of bounds");
	o->data = data;
	o->size = size;
	o->eh = eh;
	o->sh = (const Elf64_Shdr *)(o->data + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (o->sh[i].sh_type != SHT_NOBITS &&
		    (o->sh[i].sh_offset > size || o->sh[i].sh_size > size - o->sh[i].sh_offset))
			return ec_err(ctx, -ENOEXEC, "purgatory: section %u out of bounds", i);
	return 0;
}

/* Sections with contents first, then .bss; then the stack. */
static int obj_layout(struct elfcore_ctx *ctx, struct pg_obj *o)
{
	size_t off = 0;

	o->sec_off = calloc(o->eh->e_shnum ? o->eh->e_shnum : 1, sizeof(*o->sec_off));
	if (!o->sec_off)
		return ec_err(ctx, -ENOMEM, "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < o->eh->e_shnum; i++) {
			const Elf64_Shdr *s = &o->sh[i];
			uint64_t align = s->sh_addralign ? s->sh_addralign : 1;

			if (!(s->sh_flags & SHF_ALLOC) || (s->sh_type == SHT_NOBITS) != pass)
				continue;
			if (align & (align - 1) || align > 4096 || s->sh_size > (1u << 20))
				return ec_err(ctx, -ENOEXEC, "purgatory: section %u has bad size/alignment", i);
			off = LD_ALIGN_UP(off, align);
			o->sec_off[i] = off;
			off += s->sh_size;
		}
		if (pass == 0)
			o->bufsz = off;
	}
	o->memsz = LD_ALIGN_UP(off, 16) + PURGATORY_STACK_SIZE;
	return 0;
}

static void obj_close(struct pg_obj *o)
{
	free(o->sec_off);
	o->sec_off = NULL;
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

static int sym_addr(struct elfcore_ctx *ctx, const struct pg_obj *o, const Elf64_Shdr *symtab,
		    uint64_t idx, uint64_t base, uint64_t *addr, const char **name)
{
	const Elf64_Shdr *strtab;
	const Elf64_Sym *sym;

	if (idx >= symtab->sh_size / sizeof(Elf64_Sym) || symtab->sh_link >= o->eh->e_shnum)
		return ec_err(ctx, -ENOEXEC, "purgatory: symbol %llu out of range", (unsigned long long)idx);
	sym = (const Elf64_Sym *)(o->data + symtab->sh_offset) + idx;
	strtab = &o->sh[symtab->sh_link];
	*name = "?";
	if (sym->st_name < strtab->sh_size &&
	    memchr(o->data + strtab->sh_offset + sym->st_name, 0, strtab->sh_size - sym->st_name))
		*name = (const char *)o->data + strtab->sh_offset + sym->st_name;
	if (sym->st_shndx == SHN_ABS) {
		*addr = sym->st_value;
		return 0;
	}
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= o->eh->e_shnum ||
	    !(o->sh[sym->st_shndx].sh_flags & SHF_ALLOC))
		return ec_err(ctx, -ENOEXEC, "purgatory: symbol %s is undefined", *name);
	*addr = base + o->sec_off[sym->st_shndx] + sym->st_value;
	return 0;
}

static int find_symbol(struct elfcore_ctx *ctx, const struct pg_obj *o, const char *want,
		       uint64_t base, uint64_t *addr, uint64_t *size)
{
	for (unsigned i = 0; i < o->eh->e_shnum; i++) {
		const Elf64_Shdr *st = &o->sh[i];

		if (st->sh_type != SHT_SYMTAB)
			continue;
		for (uint64_t k = 1; k < st->sh_size / sizeof(Elf64_Sym); k++) {
			const Elf64_Sym *sym = (const Elf64_Sym *)(o->data + st->sh_offset) + k;
			const char *name;
			uint64_t a;

			if (ELF64_ST_BIND(sym->st_info) != STB_GLOBAL)
				continue;
			if (sym_addr(ctx, o, st, k, base, &a, &name) < 0)
				continue;
			if (strcmp(name, want) == 0) {
				*addr = a;
				*size = sym->st_size;
				elfcore_ctx_clear(ctx);
				return 0;
			}
		}
	}
	return ec_err(ctx, -ENOEXEC, "purgatory: no symbol %s", want);
}

static int apply_rela(struct elfcore_ctx *ctx, const struct pg_obj *o, const Elf64_Shdr *rs,
		      uint64_t base, uint8_t *image)
{
	const Elf64_Shdr *target, *symtab;
	const Elf64_Rela *r;
	size_t n;

	if (rs->sh_info >= o->eh->e_shnum || rs->sh_link >= o->eh->e_shnum)
		return ec_err(ctx, -ENOEXEC, "purgatory: relocation section links out of range");
	target = &o->sh[rs->sh_info];
	symtab = &o->sh[rs->sh_link];
	if (!(target->sh_flags & SHF_ALLOC))
		return 0;
	if (target->sh_type == SHT_NOBITS || symtab->sh_type != SHT_SYMTAB)
		return ec_err(ctx, -ENOEXEC, "purgatory: relocations against section %u", rs->sh_info);
	r = (const Elf64_Rela *)(o->data + rs->sh_offset);
	n = rs->sh_size / sizeof(*r);
	for (size_t i = 0; i < n; i++) {
		uint32_t type = ELF64_R_TYPE(r[i].r_info);
		const char *name;
		uint8_t *where;
		int ret;

		size_t need = type == R_X86_64_64 ? 8 : 4;

		if (r[i].r_offset > target->sh_size || target->sh_size - r[i].r_offset < need)
			return ec_err(ctx, -ENOEXEC, "purgatory: relocation %zu past its section", i);
		uint64_t s, p, v;
		if (type == R_X86_64_NONE)
			continue;
		if ((ret = sym_addr(ctx, o, symtab, ELF64_R_SYM(r[i].r_info), base, &s, &name)) < 0)
			return ret;
		where = image + o->sec_off[rs->sh_info] + r[i].r_offset;
		p = base + o->sec_off[rs->sh_info] + r[i].r_offset;
		v = s + (uint64_t)r[i].r_addend;
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
	}
	return 0;
}

int x86_purgatory_relocate(struct elfcore_ctx *ctx, const void *obj, size_t size, uint64_t load_addr,
			   struct x86_purgatory *out)
{
	struct pg_obj o;
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
	for (unsigned i = 0; i < o.eh->e_shnum; i++)
		if ((o.sh[i].sh_flags & SHF_ALLOC) && o.sh[i].sh_type != SHT_NOBITS)
			memcpy(image + o.sec_off[i], o.data + o.sh[i].sh_offset, o.sh[i].sh_size);
	for (unsigned i = 0; i < o.eh->e_shnum; i++) {
		if (o.sh[i].sh_type == SHT_REL) {
			ret = ec_err(ctx, -ENOEXEC, "purgatory: SHT_REL sections are not supported");
			goto out;
		}
		if (o.sh[i].sh_type == SHT_RELA && (ret = apply_rela(ctx, &o, &o.sh[i], load_addr, image)) < 0)
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
