/* ELF64 vmcores: /proc/vmcore, makedumpfile -E, our ELF output.
 *
 * The ELF header and program headers are read into memory and parsed with
 * libelf (elf_memory), so that a flattened ELF stream works the same way.
 * Physical pages come from the PT_LOADs by p_paddr; bytes of a page that no
 * PT_LOAD covers read as zeros, as do the bytes between p_filesz and p_memsz
 * (makedumpfile -E shrinks p_filesz instead of writing zero pages). A pfn
 * that no PT_LOAD touches is not in the dump.
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "format_priv.h"

#define ELF_MAX_HEADERS_SIZE (64u << 20)

struct elf_seg {
	uint64_t paddr, memsz, filesz, offset;
	unsigned index;                    /* program header number */
};

struct pfn_range {
	uint64_t start, end;
};

struct elf_priv {
	struct elf_seg *seg;               /* PT_LOADs sorted by paddr */
	size_t nseg;
	struct elfcore_dump_segment *pub;  /* the same in header order, for elfcore_dump_segments() */
	uint64_t *max_end;                 /* max paddr+memsz of seg[0..i] */
	struct pfn_range *ranges;          /* merged pfn ranges of p_memsz */
	size_t nranges;
	struct pfn_range *data;            /* merged pfn ranges of p_filesz */
	size_t ndata;
	uint8_t *notes;
	size_t notes_size;
};

static int elf_probe(const uint8_t *head, size_t len)
{
	return len >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct elf_seg *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Read the headers through the cursor enough to know how much to hand libelf. */
static int headers_size(struct elfcore_dump *d, struct ec_file *f, uint64_t *size)
{
	uint8_t e[64];
	struct ec_cursor c;
	uint64_t phoff, shoff, end;
	uint16_t phentsize, phnum, shentsize, shnum;
	int ret;

	ret = ec_file_pread(d->ctx, f, e, sizeof(e), 0, "ELF header");
	if (ret)
		return ret;
	if (e[EI_CLASS] != ELFCLASS64)
		return ec_err(d->ctx, -ENOTSUP, "%s: a 32-bit ELF core: not supported", f->path);
	if (e[EI_DATA] != ELFDATA2LSB)
		return ec_err(d->ctx, -ENOTSUP, "%s: a big-endian ELF core: not supported", f->path);
	ec_cursor_init(&c, d->ctx, "ELF header", e, sizeof(e));
	ec_cursor_seek(&c, 32);
	ec_cursor_u64le(&c, &phoff);
	ec_cursor_u64le(&c, &shoff);
	ec_cursor_seek(&c, 54);
	ec_cursor_u16le(&c, &phentsize);
	ec_cursor_u16le(&c, &phnum);
	ec_cursor_u16le(&c, &shentsize);
	ec_cursor_u16le(&c, &shnum);
	if (phentsize != sizeof(Elf64_Phdr))
		return ec_err(d->ctx, -EINVAL, "%s: ELF header: program header size %u, not %zu",
			      f->path, phentsize, sizeof(Elf64_Phdr));
	if (phoff < 64 || phoff > ELF_MAX_HEADERS_SIZE)
		return ec_err(d->ctx, -EINVAL, "%s: ELF header: program headers at offset %llu",
			      f->path, (unsigned long long)phoff);
	end = phoff + (uint64_t)(phnum == PN_XNUM ? 0 : phnum) * phentsize;
	if (phnum == PN_XNUM || shnum) {
		/* The real count is in section header 0 (more than 65534 PT_LOADs). */
		if (shentsize != sizeof(Elf64_Shdr) || shoff < 64 || shoff > ELF_MAX_HEADERS_SIZE)
			return ec_err(d->ctx, -EINVAL, "%s: ELF header: bad section headers (offset "
				      "%llu, entry size %u)", f->path, (unsigned long long)shoff,
				      shentsize);
		if (shoff + (uint64_t)(shnum ? shnum : 1) * shentsize > end)
			end = shoff + (uint64_t)(shnum ? shnum : 1) * shentsize;
		if (phnum == PN_XNUM) {
			uint8_t sh[sizeof(Elf64_Shdr)];
			uint32_t info;

			ret = ec_file_pread(d->ctx, f, sh, sizeof(sh), shoff, "section header 0");
			if (ret)
				return ret;
			ec_cursor_init(&c, d->ctx, "section header 0", sh, sizeof(sh));
			ec_cursor_seek(&c, offsetof(Elf64_Shdr, sh_info));
			ec_cursor_u32le(&c, &info);
			if (info > EC_MAX_PHDRS)
				return ec_err(d->ctx, -EINVAL, "%s: %u program headers, more than %u",
					      f->path, info, EC_MAX_PHDRS);
			if (phoff + (uint64_t)info * phentsize > end)
				end = phoff + (uint64_t)info * phentsize;
		}
	}
	if (end > ELF_MAX_HEADERS_SIZE)
		return ec_err(d->ctx, -EINVAL, "%s: ELF headers of %llu bytes, more than %u", f->path,
			      (unsigned long long)end, ELF_MAX_HEADERS_SIZE);
	if (end > f->size)
		return ec_err(d->ctx, -EIO, "%s: the file (%llu bytes) ends inside the program "
			      "headers (%llu bytes)", f->path, (unsigned long long)f->size,
			      (unsigned long long)end);
	*size = end;
	return 0;
}

/* Merge the pfn ranges PT_LOADs touch with p_memsz (data=0) or p_filesz (1). */
static int merge_ranges(struct elfcore_dump *d, struct elf_priv *p, int data,
			struct pfn_range **out, size_t *nout, uint64_t *pages)
{
	uint64_t ps = d->info.page_size;
	struct pfn_range *r;
	size_t n = 0;

	*pages = 0;
	r = calloc(p->nseg ? p->nseg : 1, sizeof(*r));
	if (!r)
		return ec_err(d->ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < p->nseg; i++) {
		uint64_t len = data ? p->seg[i].filesz : p->seg[i].memsz;
		uint64_t a = p->seg[i].paddr / ps;
		uint64_t b = (p->seg[i].paddr + len + ps - 1) / ps;

		if (len == 0)
			continue;
		if (n && a <= r[n - 1].end) {
			if (b > r[n - 1].end)
				r[n - 1].end = b;
			continue;
		}
		r[n].start = a;
		r[n].end = b;
		n++;
	}
	for (size_t i = 0; i < n; i++)
		*pages += r[i].end - r[i].start;
	*out = r;
	*nout = n;
	return 0;
}

static int build_ranges(struct elfcore_dump *d, struct elf_priv *p)
{
	int ret = merge_ranges(d, p, 0, &p->ranges, &p->nranges, &d->info.pages_present);

	if (!ret)
		ret = merge_ranges(d, p, 1, &p->data, &p->ndata, &d->info.pages_dumped);
	d->info.max_pfn = p->nranges ? p->ranges[p->nranges - 1].end : 0;
	return ret;
}

static int collect(struct elfcore_dump *d, struct elf_priv *p, Elf *elf, size_t phnum)
{
	struct ec_file *f = d->files[0];
	uint64_t note_total = 0;
	int ret;

	p->seg = calloc(phnum ? phnum : 1, sizeof(*p->seg));
	p->pub = calloc(phnum ? phnum : 1, sizeof(*p->pub));
	if (!p->seg || !p->pub)
		return ec_err(d->ctx, -ENOMEM, "out of memory for %zu program headers", phnum);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return ec_err(d->ctx, -EINVAL, "%s: program header %zu: %s", f->path, i,
				      elf_errmsg(-1));
		if (ph.p_type == PT_NOTE) {
			if (ph.p_filesz > EC_MAX_NOTES_SIZE - note_total)
				return ec_err(d->ctx, -EINVAL, "%s: PT_NOTE %zu: notes larger than %u "
					      "bytes", f->path, i, EC_MAX_NOTES_SIZE);
			note_total += ph.p_filesz;
			continue;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return ec_err(d->ctx, -EINVAL, "%s: PT_LOAD %zu: file size %llu larger than "
				      "memory size %llu", f->path, i, (unsigned long long)ph.p_filesz,
				      (unsigned long long)ph.p_memsz);
		if (ph.p_paddr > (1ull << 60) || ph.p_memsz > (1ull << 60) ||
		    ph.p_offset > (1ull << 62) || ph.p_filesz > (1ull << 60))
			return ec_err(d->ctx, -EINVAL, "%s: PT_LOAD %zu: address or size out of range",
				      f->path, i);
		if (ph.p_offset + ph.p_filesz > f->size)
			ec_dump_set_incomplete(d, "%s: the file (%llu bytes) ends before the data of "
					       "PT_LOAD %zu (up to %llu)", f->path,
					       (unsigned long long)f->size, i,
					       (unsigned long long)(ph.p_offset + ph.p_filesz));
		p->seg[p->nseg].paddr = ph.p_paddr;
		p->seg[p->nseg].memsz = ph.p_memsz;
		p->seg[p->nseg].filesz = ph.p_filesz;
		p->seg[p->nseg].offset = ph.p_offset;
		p->seg[p->nseg].index = (unsigned)i;
		p->pub[p->nseg] = (struct elfcore_dump_segment){
			.offset = ph.p_offset, .paddr = ph.p_paddr, .vaddr = ph.p_vaddr,
			.filesz = ph.p_filesz, .memsz = ph.p_memsz,
		};
		p->nseg++;
	}
	/* Concatenate every PT_NOTE. */
	p->notes = malloc(note_total + 1);
	if (!p->notes)
		return ec_err(d->ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < phnum && note_total; i++) {
		GElf_Phdr ph;

		gelf_getphdr(elf, (int)i, &ph);
		if (ph.p_type != PT_NOTE || !ph.p_filesz)
			continue;
		ret = ec_file_pread(d->ctx, f, p->notes + p->notes_size, ph.p_filesz, ph.p_offset,
				    "PT_NOTE data");
		if (ret)
			return ret;
		p->notes_size += ph.p_filesz;
	}
	d->segs = p->pub;
	d->nsegs = p->nseg;
	qsort(p->seg, p->nseg, sizeof(*p->seg), cmp_seg);
	p->max_end = calloc(p->nseg ? p->nseg : 1, sizeof(*p->max_end));
	if (!p->max_end)
		return ec_err(d->ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < p->nseg; i++) {
		uint64_t e = p->seg[i].paddr + p->seg[i].memsz;

		p->max_end[i] = i && p->max_end[i - 1] > e ? p->max_end[i - 1] : e;
	}
	return 0;
}

/* The page size: VMCOREINFO's PAGESIZE when the notes have it, else 4096. */
static uint64_t page_size_from_notes(struct elfcore_dump *d, struct elf_priv *p)
{
	static const char key[] = "PAGESIZE=";
	const uint8_t *s = p->notes, *end = p->notes + p->notes_size;

	for (; s && s + sizeof(key) - 1 < end; s++) {
		if (memcmp(s, key, sizeof(key) - 1) == 0 && (s == p->notes || s[-1] == '\n' ||
							       s[-1] == 0)) {
			uint64_t v = 0;

			for (s += sizeof(key) - 1; s < end && *s >= '0' && *s <= '9'; s++)
				v = v * 10 + (uint64_t)(*s - '0');
			if (v >= EC_MIN_PAGE_SIZE && v <= EC_MAX_PAGE_SIZE && !(v & (v - 1)))
				return v;
			break;
		}
	}
	return 4096;
}

static int elf_open(struct elfcore_dump *d)
{
	struct ec_file *f = d->files[0];
	struct elf_priv *p;
	uint8_t *image = NULL;
	uint64_t hsize = 0;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	size_t phnum;
	int ret;

	if (d->nfiles != 1)
		return ec_err(d->ctx, -EINVAL, "%s: an ELF dump cannot be part of a --split set",
			      f->path);
	p = calloc(1, sizeof(*p));
	if (!p)
		return ec_err(d->ctx, -ENOMEM, "out of memory");
	d->priv = p;
	ret = headers_size(d, f, &hsize);
	if (ret)
		return ret;
	ret = ec_file_read_blob(d->ctx, f, 0, hsize, ELF_MAX_HEADERS_SIZE, "ELF headers", &image);
	if (ret)
		return ret;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image, (size_t)hsize);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		ret = ec_err(d->ctx, -EINVAL, "%s: bad ELF header: %s", f->path, elf_errmsg(-1));
		goto out;
	}
	if (eh.e_type != ET_CORE) {
		ret = ec_err(d->ctx, -EINVAL, "%s: an ELF file but not a core (type %u)", f->path,
			     eh.e_type);
		goto out;
	}
	if (elf_getphdrnum(elf, &phnum) != 0) {
		ret = ec_err(d->ctx, -EINVAL, "%s: program headers: %s", f->path, elf_errmsg(-1));
		goto out;
	}
	if (phnum > EC_MAX_PHDRS) {
		ret = ec_err(d->ctx, -EINVAL, "%s: %zu program headers, more than %u", f->path, phnum,
			     EC_MAX_PHDRS);
		goto out;
	}
	d->info.elf_machine = eh.e_machine;
	ret = collect(d, p, elf, phnum);
	if (ret)
		goto out;
	d->info.page_size = page_size_from_notes(d, p);
	d->info.compression = ELFCORE_CODEC_NONE;
	ret = build_ranges(d, p);
out:
	if (elf)
		elf_end(elf);
	free(image);
	return ret;
}

static void elf_notes(struct elfcore_dump *d, const uint8_t **notes, size_t *notes_size,
		      const uint8_t **vmcoreinfo, size_t *vmcoreinfo_size)
{
	struct elf_priv *p = d->priv;

	*notes = p->notes;
	*notes_size = p->notes_size;
	*vmcoreinfo = NULL;
	*vmcoreinfo_size = 0;
}

static int elf_read_page(struct elfcore_dump *d, uint64_t pfn, void *buf)
{
	struct elf_priv *p = d->priv;
	struct ec_file *f = d->files[0];
	uint64_t ps = d->info.page_size, a = pfn * ps, b = a + ps;
	size_t lo = 0, hi = p->nseg, i;
	int touched = 0, full = 0, ret;

	/* Segments starting before the page's end; walk back while any of the
	 * earlier ones may still reach into the page. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->seg[mid].paddr < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0 && p->max_end[i] > a;) {
		const struct elf_seg *s = &p->seg[i];
		uint64_t from, to, fend;

		if (s->paddr + s->memsz <= a)
			continue;
		from = s->paddr > a ? s->paddr : a;
		to = s->paddr + s->memsz < b ? s->paddr + s->memsz : b;
		if (!touched && (from > a || to < b))
			memset(buf, 0, ps);
		if (!touched && from == a && to == b)
			full = 1;
		touched = 1;
		/* Bytes within p_filesz come from the file; beyond, zeros. */
		fend = s->paddr + s->filesz;
		if (from < fend) {
			uint64_t n = (to < fend ? to : fend) - from;

			ret = ec_file_pread(d->ctx, f, (uint8_t *)buf + (from - a), (size_t)n,
					    s->offset + (from - s->paddr), "page data");
			if (ret)
				return elfcore_ctx_prefix(d->ctx, -EIO, "pfn %#llx (PT_LOAD %u)",
							  (unsigned long long)pfn, s->index);
			if (n < to - from)
				memset((uint8_t *)buf + (from - a) + n, 0, (size_t)(to - from - n));
		} else {
			memset((uint8_t *)buf + (from - a), 0, (size_t)(to - from));
		}
		if (full)
			break;
	}
	if (!touched)
		return ec_err(d->ctx, -ENOENT, "pfn %#llx: not in the dump (no PT_LOAD)",
			      (unsigned long long)pfn);
	return 0;
}

static int next_in(const struct pfn_range *r, size_t n, uint64_t from, uint64_t *start,
		   uint64_t *end)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].end <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n)
		return -ENOENT;
	*start = r[lo].start > from ? r[lo].start : from;
	*end = r[lo].end;
	return 0;
}

static int elf_next_range(struct elfcore_dump *d, uint64_t from, uint64_t *start, uint64_t *end)
{
	struct elf_priv *p = d->priv;

	return next_in(p->ranges, p->nranges, from, start, end);
}

/* Pages with data in the file; the zero-filled tails past p_filesz read as
 * zeros but hold nothing to walk. */
static int elf_next_pfn(struct elfcore_dump *d, uint64_t from, uint64_t *pfn)
{
	struct elf_priv *p = d->priv;
	uint64_t end;

	return next_in(p->data, p->ndata, from, pfn, &end);
}

static int elf_check(struct elfcore_dump *d)
{
	struct elf_priv *p = d->priv;
	struct ec_file *f = d->files[0];

	for (size_t i = 0; i < p->nseg; i++) {
		const struct elf_seg *s = &p->seg[i];

		if (s->offset + s->filesz > f->size)
			return ec_err(d->ctx, -EIO, "%s: PT_LOAD %u (paddr %#llx): data up to offset "
				      "%llu, the file ends at %llu", f->path, s->index,
				      (unsigned long long)s->paddr,
				      (unsigned long long)(s->offset + s->filesz),
				      (unsigned long long)f->size);
		if (f->flat && s->filesz && !ec_flat_covered(f->flat, s->offset, s->filesz))
			return ec_err(d->ctx, -EIO, "%s: PT_LOAD %u (paddr %#llx): the flattened "
				      "stream has no data for part of it", f->path, s->index,
				      (unsigned long long)s->paddr);
	}
	return 0;
}

static void elf_close(struct elfcore_dump *d)
{
	struct elf_priv *p = d->priv;

	if (!p)
		return;
	free(p->seg);
	free(p->pub);
	d->segs = NULL;
	d->nsegs = 0;
	free(p->max_end);
	free(p->ranges);
	free(p->data);
	free(p->notes);
	free(p);
	d->priv = NULL;
}

const struct ec_format_ops ec_format_elf = {
	.name = "ELF",
	.format = ELFCORE_FORMAT_ELF,
	.probe = elf_probe,
	.open = elf_open,
	.notes = elf_notes,
	.read_page = elf_read_page,
	.next_pfn = elf_next_pfn,
	.next_range = elf_next_range,
	.check = elf_check,
	.close = elf_close,
};
