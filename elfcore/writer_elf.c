/* The ELF64 core writer (doc/formats.md, "ELF vmcore").
 *
 *   0                    Elf64_Ehdr (e_flags 1 = incomplete until finish)
 *   64                   PT_NOTE, then one PT_LOAD per segment
 *   64 + 56 * e_phnum    the notes
 *   page-aligned         segment data, in pfn order; zero pages left as holes
 *
 * Segments follow the memory ranges; inside one, a run of at least
 * elf_min_gap excluded pages ends the segment (a new PT_LOAD starts at the
 * next dumped page), a shorter run is stored as zeros. The PT_LOAD count must
 * be known before any data: pass 1 replays the same rule to count them. Each
 * PT_LOAD header is written when its segment closes, and refreshed at every
 * cycle so that an interrupted dump stays readable up to where it stopped.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore/corehdr.h"
#include "writer_priv.h"

#define DUMP_ELF_INCOMPLETE 0x1       /* e_flags, as makedumpfile */
#define DEFAULT_MIN_GAP 256           /* makedumpfile's PFN_EXCLUDED */

/* Where the segment rule stands; pass 1 and pass 2 each keep one. */
struct elf_track {
	size_t ri;            /* range cursor: first range not entirely below the pfn */
	int open;
	long region;          /* the open segment's range (>= 0) or gap before range -region-1 */
	uint64_t last_pfn;
	uint64_t segments;
};

struct elf_state {
	uint64_t min_gap;
	struct elf_track plan, cur;
	uint64_t off_notes, off_data, data_pos;
	/* The open segment (cur.segments - 1 is its PT_LOAD index). */
	uint64_t seg_paddr, seg_vaddr, seg_off, seg_size;
};

static long region_of(struct elfcore_writer *w, struct elf_track *t, uint64_t pfn)
{
	uint64_t ps = w->page_size, lo = pfn * ps;

	while (t->ri < w->o.nr_ranges &&
	       w->o.ranges[t->ri].paddr + w->o.ranges[t->ri].size <= lo)
		t->ri++;
	if (t->ri < w->o.nr_ranges && w->o.ranges[t->ri].paddr < lo + ps)
		return (long)t->ri;
	return -(long)t->ri - 1;
}

/* Returns 1 when pfn starts a new segment, 0 when it continues the open one
 * after *gap excluded pages (stored as zeros). */
static int track(struct elfcore_writer *w, struct elf_state *e, struct elf_track *t, uint64_t pfn,
		 uint64_t *gap)
{
	long reg = region_of(w, t, pfn);

	*gap = 0;
	if (t->open && reg == t->region && pfn - t->last_pfn - 1 < e->min_gap) {
		*gap = pfn - t->last_pfn - 1;
		t->last_pfn = pfn;
		return 0;
	}
	t->open = 1;
	t->region = reg;
	t->last_pfn = pfn;
	t->segments++;
	return 1;
}

/* The bytes of page pfn that belong to its region: [*lo, *hi) physical. */
static void page_span(struct elfcore_writer *w, long reg, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	uint64_t ps = w->page_size;

	*lo = pfn * ps;
	*hi = *lo + ps;
	if (reg >= 0) {
		const struct elfcore_mem_range *r = &w->o.ranges[reg];

		if (r->paddr > *lo)
			*lo = r->paddr;
		if (r->paddr + r->size < *hi)
			*hi = r->paddr + r->size;
	}
}

static int elf_init(struct elfcore_writer *w)
{
	struct elf_state *e = calloc(1, sizeof(*e));

	if (!e)
		return ec_err(w->ctx, -ENOMEM, "ELF writer: out of memory");
	w->priv = e;
	e->min_gap = w->o.elf_min_gap ? w->o.elf_min_gap : DEFAULT_MIN_GAP;
	return 0;
}

static int elf_plan(struct elfcore_writer *w, uint64_t start, uint64_t n, const uint8_t *bits)
{
	struct elf_state *e = w->priv;
	uint64_t i, gap;

	for (i = 0; i < n; i++) {
		if (!bits[i / 8]) {                 /* skip empty bytes quickly */
			i |= 7;
			continue;
		}
		if (ec_bit(bits, i))
			track(w, e, &e->plan, start + i, &gap);
	}
	return 0;
}

/* The ELF header as it stands: 1 PT_NOTE + the planned PT_LOADs. */
static void core_hdr(struct elfcore_writer *w, int complete, struct elfcore_corehdr *h)
{
	struct elf_state *e = w->priv;

	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->machine = w->o.elf_machine;
	h->flags = complete ? 0 : DUMP_ELF_INCOMPLETE;
	h->phnum = 1 + e->plan.segments;
}

static int write_ehdr(struct elfcore_writer *w, int complete)
{
	struct elfcore_corehdr h;
	unsigned char b[sizeof(Elf64_Ehdr)];
	int ret;

	core_hdr(w, complete, &h);
	if ((ret = elfcore_corehdr_ehdr(w->ctx, &h, b, sizeof(b))) < 0)
		return ec_writer_fail(w, ret);
	return ec_writer_pwrite(w, b, sizeof(b), 0);
}

static int write_phdr(struct elfcore_writer *w, uint64_t index, uint32_t type, uint64_t off,
		      uint64_t vaddr, uint64_t paddr, uint64_t size)
{
	Elf64_Phdr ph = {
		.p_type = type,
		.p_flags = type == PT_LOAD ? PF_R | PF_W | PF_X : 0,    /* as the kernel's */
		.p_offset = off,
		.p_vaddr = vaddr,
		.p_paddr = paddr,
		.p_filesz = size,
		.p_memsz = size,
	};
	unsigned char b[sizeof(Elf64_Phdr)];
	int ret;

	if ((ret = elfcore_corehdr_phdr(w->ctx, &ph, b, sizeof(b))) < 0)
		return ec_writer_fail(w, ret);
	return ec_writer_pwrite(w, b, sizeof(b), sizeof(Elf64_Ehdr) + index * sizeof(Elf64_Phdr));
}

static int elf_begin(struct elfcore_writer *w)
{
	struct elf_state *e = w->priv;
	struct elfcore_corehdr h;
	uint64_t ps = w->page_size;
	int ret;

	if (e->plan.segments > ELFCORE_COREHDR_MAX_PHNUM - 1)
		return ec_err(w->ctx, -EFBIG, "ELF writer: %llu PT_LOADs needed, at most %llu fit; "
			      "raise the minimum excluded run that splits a segment (now %llu pages)",
			      (unsigned long long)e->plan.segments, ELFCORE_COREHDR_MAX_PHNUM - 1,
			      (unsigned long long)e->min_gap);
	core_hdr(w, 0, &h);
	e->off_notes = elfcore_corehdr_size(h.phnum);
	if (h.phnum >= PN_XNUM) {
		/* Extended numbering (as the kernel's ELF core dumps): section 0's
		 * sh_info holds the program header count; it sits before the notes. */
		unsigned char sh[sizeof(Elf64_Shdr)];

		if ((ret = elfcore_corehdr_shdr0(w->ctx, &h, sh, sizeof(sh))) < 0)
			return ec_writer_fail(w, ret);
		if ((ret = ec_writer_pwrite(w, sh, sizeof(sh), e->off_notes - sizeof(sh))) < 0)
			return ret;
	}
	e->off_data = (e->off_notes + w->o.notes_size + ps - 1) / ps * ps;
	e->data_pos = e->off_data;
	if ((ret = write_ehdr(w, 0)) < 0)
		return ret;
	if ((ret = write_phdr(w, 0, PT_NOTE, e->off_notes, 0, 0, w->o.notes_size)) < 0)
		return ret;
	if (w->o.notes_size)
		ret = ec_writer_pwrite(w, w->o.notes, w->o.notes_size, e->off_notes);
	return ret;
}

/* Write the open segment's PT_LOAD as it stands (after its data). */
static int put_segment(struct elfcore_writer *w)
{
	struct elf_state *e = w->priv;
	int ret;

	if (!e->cur.open)
		return 0;
	if ((ret = ec_writer_data_flush(w)) < 0)
		return ret;
	return write_phdr(w, e->cur.segments, PT_LOAD, e->seg_off, e->seg_vaddr, e->seg_paddr,
			  e->seg_size);
}

static int elf_cycle(struct elfcore_writer *w, uint64_t start, uint64_t n, const uint8_t *bits)
{
	return put_segment(w);
}

static int elf_store(struct elfcore_writer *w, uint64_t pfn, const void *data)
{
	struct elf_state *e = w->priv;
	uint64_t gap, lo, hi;
	int ret;

	if (track(w, e, &e->cur, pfn, &gap)) {
		if (e->cur.segments > e->plan.segments)
			return ec_err(w->ctx, -EINVAL, "ELF writer: more segments than the %llu planned",
				      (unsigned long long)e->plan.segments);
		if (e->cur.segments > 1) {
			/* put_segment() writes the open one; the index moved already. */
			e->cur.segments--;
			ret = put_segment(w);
			e->cur.segments++;
			if (ret < 0)
				return ret;
		}
		page_span(w, e->cur.region, pfn, &lo, &hi);
		e->seg_paddr = lo;
		e->seg_off = e->data_pos;
		e->seg_size = 0;
		if (e->cur.region >= 0 && w->o.ranges[e->cur.region].vaddr)
			e->seg_vaddr = w->o.ranges[e->cur.region].vaddr +
				       (lo - w->o.ranges[e->cur.region].paddr);
		else
			e->seg_vaddr = w->o.vaddr_base ? w->o.vaddr_base + lo : 0;
	}
	/* Excluded pages inside the segment are zeros: holes in the file. */
	e->data_pos += gap * w->page_size;
	e->seg_size += gap * w->page_size;
	page_span(w, e->cur.region, pfn, &lo, &hi);
	if (data && (ret = ec_writer_data(w, (const char *)data + (lo - pfn * w->page_size),
					  hi - lo, e->data_pos)) < 0)
		return ret;
	e->data_pos += hi - lo;
	e->seg_size += hi - lo;
	return 0;
}

static int elf_page(struct elfcore_writer *w, const struct elfcore_encoded_page *p)
{
	if (!p->zero && p->codec != ELFCORE_CODEC_NONE)
		return ec_err(w->ctx, -EINVAL, "ELF writer: page %llu is compressed (%s)",
			      (unsigned long long)p->pfn, elfcore_codec_name(p->codec));
	return elf_store(w, p->pfn, p->zero ? NULL : p->data);
}

static int elf_drop(struct elfcore_writer *w, uint64_t pfn)
{
	return elf_store(w, pfn, NULL);
}

static int elf_flush(struct elfcore_writer *w, int final)
{
	struct elf_state *e = w->priv;
	static const unsigned char zero;
	int ret = put_segment(w);

	if (ret || !final)
		return ret ? ret : ec_writer_data_flush(w);
	if (e->cur.segments != e->plan.segments)
		return ec_err(w->ctx, -EINVAL, "ELF writer: %llu segments written, %llu planned",
			      (unsigned long long)e->cur.segments,
			      (unsigned long long)e->plan.segments);
	/* Trailing zero pages are holes: give the file its full length. */
	if (e->data_pos > elfcore_sink_size(w->sink) &&
	    (ret = ec_writer_pwrite(w, &zero, 1, e->data_pos - 1)) < 0)
		return ret;
	w->st.segments = e->cur.segments;
	return write_ehdr(w, 1);
}

static void elf_free(struct elfcore_writer *w)
{
	free(w->priv);
}

const struct ec_writer_ops ec_writer_elf_ops = {
	.name = "ELF",
	.init = elf_init,
	.plan = elf_plan,
	.begin = elf_begin,
	.cycle = elf_cycle,
	.page = elf_page,
	.drop = elf_drop,
	.flush = elf_flush,
	.free = elf_free,
};
