/* The kdump-compressed writer (doc/formats.md, "kdump-compressed").
 *
 *   block 0            disk_dump_header (464 bytes on x86_64/LP64)
 *   block 1            kdump_sub_header (104 bytes), then the ELF notes
 *   1 + sub_hdr_size   first bitmap (pfns that exist), then the second
 *                      (pfns dumped), each rounded up to a block
 *   then               one 24-byte page_desc per dumped pfn, in pfn order
 *   then               page data: the shared zero page (when one occurs),
 *                      then each page, compressed or raw
 *
 * Everything is little-endian with the LP64 layout of makedumpfile's
 * structs; we serialise field by field instead of writing structs.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "diskdump_priv.h"
#include "writer_priv.h"

#define KDUMP_HDR_SIZE     DH_SIZE
#define KDUMP_SUBHDR_SIZE  SH_SIZE
#define PAGE_DESC_SIZE     PD_ENTRY_SIZE
#define PD_BUF_COUNT       2730          /* ~64 KiB of page descriptors per write */
#define BM_CHUNK           4096          /* bitmap bytes computed at a time */

struct kdump_state {
	uint32_t bs;                  /* block size = page size */
	uint32_t sub_hdr_blocks;
	uint64_t bitmap_len;          /* of one bitmap, bytes, block-aligned */
	uint64_t off_bm1, off_bm2, off_pd, off_data;
	uint64_t data_pos;            /* where the next page data goes */
	uint64_t zero_off;            /* the shared zero page; 0 until one is needed */
	uint64_t pd_next;             /* index of the next page_desc */
	uint64_t pd_buf_first;        /* index of pd_buf[0] */
	unsigned pd_buf_n;
	unsigned char pd_buf[PD_BUF_COUNT * PAGE_DESC_SIZE];
	unsigned char bm[BM_CHUNK];
	uint64_t drop_byte;           /* second-bitmap byte of the last dropped pfn */
	uint8_t drop_mask;
};

static void put_str(unsigned char *dst, const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max - 1) : 0;

	memcpy(dst, s ? s : "", n);
}

static int write_header(struct elfcore_writer *w, int complete)
{
	struct kdump_state *k = w->priv;
	unsigned char h[KDUMP_HDR_SIZE];
	const struct elfcore_utsname *u = &w->o.uts;
	uint32_t status = (uint32_t)elfcore_kdump_codec_flag(w->o.codec);

	if (!complete)
		status |= DUMP_DH_COMPRESSED_INCOMPLETE;
	if (w->o.flags & ELFCORE_WRITER_EXCLUDED_VMEMMAP)
		status |= DUMP_DH_EXCLUDED_VMEMMAP;
	memset(h, 0, sizeof(h));
	memcpy(h + DH_SIGNATURE, KDUMP_SIGNATURE, KDUMP_SIG_LEN);
	ec_put32(h + DH_HEADER_VERSION, 6);
	put_str(h + DH_UTSNAME + 0 * KDUMP_UTS_LEN, u->sysname ? u->sysname : "Linux", KDUMP_UTS_LEN);
	put_str(h + DH_UTSNAME + 1 * KDUMP_UTS_LEN, u->nodename, KDUMP_UTS_LEN);
	put_str(h + DH_UTSNAME + 2 * KDUMP_UTS_LEN, u->release ? u->release : w->osrelease, KDUMP_UTS_LEN);
	put_str(h + DH_UTSNAME + 3 * KDUMP_UTS_LEN, u->version, KDUMP_UTS_LEN);
	put_str(h + DH_UTSNAME + 4 * KDUMP_UTS_LEN, u->machine ? u->machine : "x86_64", KDUMP_UTS_LEN);
	put_str(h + DH_UTSNAME + 5 * KDUMP_UTS_LEN, u->domainname, KDUMP_UTS_LEN);
	ec_put64(h + DH_TV_SEC, (uint64_t)(w->o.tv_sec ? w->o.tv_sec : w->crashtime));
	ec_put64(h + DH_TV_USEC, (uint64_t)w->o.tv_usec);
	ec_put32(h + DH_STATUS, status);
	ec_put32(h + DH_BLOCK_SIZE, k->bs);
	ec_put32(h + DH_SUB_HDR_SIZE, k->sub_hdr_blocks);
	ec_put32(h + DH_BITMAP_BLOCKS, (uint32_t)(2 * k->bitmap_len / k->bs));
	ec_put32(h + DH_MAX_MAPNR, (uint32_t)(w->o.max_pfn > UINT_MAX ? UINT_MAX : w->o.max_pfn));
	ec_put32(h + DH_CURRENT_CPU, w->o.current_cpu);
	ec_put32(h + DH_NR_CPUS, (uint32_t)(w->o.nr_cpus ? w->o.nr_cpus : w->nr_prstatus));
	return ec_writer_pwrite(w, h, sizeof(h), 0);
}

static int kdump_init(struct elfcore_writer *w)
{
	struct kdump_state *k;
	uint64_t blocks;

	if (elfcore_kdump_codec_flag(w->o.codec) < 0)
		return ec_err(w->ctx, -EINVAL, "kdump writer: unknown codec %d", (int)w->o.codec);
	k = calloc(1, sizeof(*k));
	if (!k)
		return ec_err(w->ctx, -ENOMEM, "kdump writer: out of memory");
	w->priv = k;
	k->bs = w->page_size;
	blocks = (KDUMP_SUBHDR_SIZE + w->o.notes_size + k->bs - 1) / k->bs;
	k->bitmap_len = ((w->o.max_pfn + 7) / 8 + k->bs - 1) / k->bs * k->bs;
	if (blocks > INT_MAX || 2 * k->bitmap_len / k->bs > UINT_MAX)
		return ec_err(w->ctx, -EFBIG, "kdump writer: notes or bitmaps too large for the header");
	k->sub_hdr_blocks = (uint32_t)blocks;
	k->off_bm1 = (1 + blocks) * k->bs;
	k->off_bm2 = k->off_bm1 + k->bitmap_len;
	k->off_pd = k->off_bm2 + k->bitmap_len;
	return 0;
}

static int kdump_plan(struct elfcore_writer *w, uint64_t start, uint64_t n, const uint8_t *bits)
{
	return 0; /* the count is all we need, and writer.c keeps it */
}

static int kdump_begin(struct elfcore_writer *w)
{
	struct kdump_state *k = w->priv;
	unsigned char s[KDUMP_SUBHDR_SIZE];
	uint64_t off_note = (uint64_t)k->bs + KDUMP_SUBHDR_SIZE;
	int ret;

	k->off_data = k->off_pd + w->st.planned * PAGE_DESC_SIZE;
	k->data_pos = k->off_data;
	k->pd_next = k->pd_buf_first = 0;
	if ((ret = write_header(w, 0)) < 0)
		return ret;
	memset(s, 0, sizeof(s));
	ec_put64(s + SH_PHYS_BASE, w->o.phys_base);
	ec_put32(s + SH_DUMP_LEVEL, (uint32_t)w->o.dump_level);
	if (w->have_vmcoreinfo) {
		ec_put64(s + SH_OFFSET_VMCOREINFO, off_note + w->vmcoreinfo_off);
		ec_put64(s + SH_SIZE_VMCOREINFO, w->vmcoreinfo_size);
	}
	if (w->o.notes_size) {
		ec_put64(s + SH_OFFSET_NOTE, off_note);
		ec_put64(s + SH_SIZE_NOTE, w->o.notes_size);
	}
	ec_put64(s + SH_MAX_MAPNR_64, w->o.max_pfn);
	if ((ret = ec_writer_pwrite(w, s, sizeof(s), k->bs)) < 0)
		return ret;
	if (w->o.notes_size)
		ret = ec_writer_pwrite(w, w->o.notes, w->o.notes_size, off_note);
	return ret;
}

/* Set bits [from, to) of a bitmap chunk that starts at pfn base. */
static void set_run(uint8_t *bm, uint64_t base, uint64_t from, uint64_t to)
{
	uint64_t i;

	for (i = from; i < to && (i - base) % 8; i++)
		bm[(i - base) / 8] |= (uint8_t)(1u << ((i - base) % 8));
	if (i + 8 <= to) {
		memset(bm + (i - base) / 8, 0xff, (to - i) / 8);
		i += (to - i) / 8 * 8;
	}
	for (; i < to; i++)
		bm[(i - base) / 8] |= (uint8_t)(1u << ((i - base) % 8));
}

/* Both bitmaps of the cycle, chunk by chunk: the second is the caller's
 * bits, the first the memory ranges plus whatever is dumped. */
static int kdump_cycle(struct elfcore_writer *w, uint64_t start, uint64_t n, const uint8_t *bits)
{
	struct kdump_state *k = w->priv;
	uint64_t nbytes = (n + 7) / 8, done, ps = w->page_size;
	size_t i, r;
	int ret;

	for (done = 0; done < nbytes; done += BM_CHUNK) {
		size_t len = nbytes - done < BM_CHUNK ? (size_t)(nbytes - done) : BM_CHUNK;
		uint64_t base = start + done * 8, end = base + (uint64_t)len * 8;

		if (end > start + n)
			end = start + n;
		memcpy(k->bm, bits + done, len);
		if (end - base < (uint64_t)len * 8)   /* the last byte of the dump */
			k->bm[len - 1] &= (uint8_t)(0xffu >> ((uint64_t)len * 8 - (end - base)));
		if ((ret = ec_writer_pwrite(w, k->bm, len, k->off_bm2 + start / 8 + done)) < 0)
			return ret;
		for (r = 0; r < w->o.nr_ranges; r++) {
			const struct elfcore_mem_range *m = &w->o.ranges[r];
			uint64_t lo = m->paddr / ps, hi = (m->paddr + m->size + ps - 1) / ps;

			if (hi <= base || lo >= end)
				continue;
			set_run(k->bm, base, lo > base ? lo : base, hi < end ? hi : end);
		}
		for (i = 0; i < len; i++)
			k->bm[i] |= bits[done + i];
		if (end - base < (uint64_t)len * 8)
			k->bm[len - 1] &= (uint8_t)(0xffu >> ((uint64_t)len * 8 - (end - base)));
		if ((ret = ec_writer_pwrite(w, k->bm, len, k->off_bm1 + start / 8 + done)) < 0)
			return ret;
	}
	k->drop_mask = 0;
	return 0;
}

static int flush_pds(struct elfcore_writer *w)
{
	struct kdump_state *k = w->priv;
	int ret;

	if (!k->pd_buf_n)
		return 0;
	/* Data first: a descriptor must never point at bytes not yet written. */
	if ((ret = ec_writer_data_flush(w)) < 0)
		return ret;
	ret = ec_writer_pwrite(w, k->pd_buf, (size_t)k->pd_buf_n * PAGE_DESC_SIZE,
			       k->off_pd + k->pd_buf_first * PAGE_DESC_SIZE);
	k->pd_buf_first += k->pd_buf_n;
	k->pd_buf_n = 0;
	return ret;
}

static int add_pd(struct elfcore_writer *w, uint64_t off, uint32_t size, uint32_t flags)
{
	struct kdump_state *k = w->priv;
	unsigned char *pd;

	if (k->pd_next >= w->st.planned)
		return ec_err(w->ctx, -EINVAL, "kdump writer: more pages than the %llu planned",
			      (unsigned long long)w->st.planned);
	pd = k->pd_buf + (size_t)k->pd_buf_n * PAGE_DESC_SIZE;
	ec_put64(pd + PD_OFFSET, off);
	ec_put32(pd + PD_SIZE, size);
	ec_put32(pd + PD_FLAGS, flags);
	ec_put64(pd + PD_PAGE_FLAGS, 0);
	k->pd_buf_n++;
	k->pd_next++;
	return k->pd_buf_n == PD_BUF_COUNT ? flush_pds(w) : 0;
}

static int kdump_page(struct elfcore_writer *w, const struct elfcore_encoded_page *p)
{
	struct kdump_state *k = w->priv;
	int ret, flag;

	if (p->zero) {
		if (!k->zero_off) {
			static const unsigned char zeros[4096];
			uint32_t done;

			k->zero_off = k->data_pos;
			for (done = 0; done < w->page_size; done += sizeof(zeros))
				if ((ret = ec_writer_data(w, zeros, sizeof(zeros),
							  k->data_pos + done)) < 0)
					return ret;
			k->data_pos += w->page_size;
		}
		return add_pd(w, k->zero_off, w->page_size, 0);
	}
	flag = elfcore_kdump_codec_flag(p->codec);
	if (flag < 0)
		return ec_err(w->ctx, -EINVAL, "kdump writer: page %llu: unknown codec %d",
			      (unsigned long long)p->pfn, (int)p->codec);
	if ((ret = ec_writer_data(w, p->data, p->size, k->data_pos)) < 0)
		return ret;
	ret = add_pd(w, k->data_pos, p->size, (uint32_t)flag);
	k->data_pos += p->size;
	return ret;
}

/* Leave pfn out: clear its bit in the second bitmap on disk. Its byte is the
 * caller's byte minus every pfn dropped in it so far (they come in order). */
static int kdump_drop(struct elfcore_writer *w, uint64_t pfn)
{
	struct kdump_state *k = w->priv;
	uint64_t rel = pfn - w->cyc_start;
	uint8_t byte;

	if (!k->drop_mask || k->drop_byte != rel / 8)
		k->drop_mask = 0;
	k->drop_byte = rel / 8;
	k->drop_mask |= (uint8_t)(1u << (rel % 8));
	byte = w->cyc_bits[rel / 8] & (uint8_t)~k->drop_mask;
	return ec_writer_pwrite(w, &byte, 1, k->off_bm2 + pfn / 8);
}

static int kdump_flush(struct elfcore_writer *w, int final)
{
	int ret = flush_pds(w);

	if (!ret)
		ret = ec_writer_data_flush(w);
	if (!ret && final)
		ret = write_header(w, 1);
	return ret;
}

static void kdump_free(struct elfcore_writer *w)
{
	free(w->priv);
}

const struct ec_writer_ops ec_writer_kdump_ops = {
	.name = "kdump",
	.init = kdump_init,
	.plan = kdump_plan,
	.begin = kdump_begin,
	.cycle = kdump_cycle,
	.page = kdump_page,
	.drop = kdump_drop,
	.flush = kdump_flush,
	.free = kdump_free,
};
