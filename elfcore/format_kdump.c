/* kdump-compressed dumps (makedumpfile -c/-l/-p/-z, crash's "diskdump"),
 * single files and --split sets. Layout: elfcore/diskdump_priv.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "diskdump_priv.h"
#include "format_priv.h"

#define RANK_BITS  4096                    /* one rank entry per 4096 pfns */
#define DESC_CACHE 256                     /* descriptors read at a time */

struct kd_file {
	struct ec_file *f;
	uint64_t start_pfn, end_pfn;       /* the pfns this file holds */
	uint64_t desc_off;                 /* first page descriptor */
	uint64_t ndumped;                  /* descriptors it should hold */
	uint64_t ndesc_in_file;            /* descriptors the file is long enough for */
	uint8_t *bitmap2;                  /* dumped pfns (this file's copy) */
	uint64_t *rank;                    /* set bits of bitmap2 before each RANK_BITS chunk */
	uint64_t rank_base;                /* rank(start_pfn) */
	uint64_t cache_first;              /* descriptor cache */
	unsigned cache_n;
	uint8_t cache[DESC_CACHE * PD_ENTRY_SIZE];
};

struct kd_priv {
	struct kd_file *kf;                /* sorted by start_pfn */
	size_t n;
	uint8_t *bitmap1;                  /* pfns that exist (file 0) */
	uint64_t bitmap_bytes;             /* bytes kept of each bitmap */
	uint32_t block_size;
	int header_version;
	uint8_t *notes, *vmcoreinfo;
	size_t notes_size, vmcoreinfo_size;
	uint8_t *cbuf;                     /* one compressed page */
};

struct kd_header {
	int32_t version;
	char uts[6][KDUMP_UTS_LEN + 1];
	int64_t tv_sec;
	uint32_t status;
	int32_t block_size, sub_hdr_size;
	uint32_t bitmap_blocks, max_mapnr32, nr_cpus, current_cpu;
	/* sub header */
	uint64_t phys_base;
	int32_t dump_level, split;
	uint64_t start_pfn, end_pfn, max_mapnr;
	uint64_t off_vmcoreinfo, size_vmcoreinfo, off_note, size_note;
};

static int kdump_probe(const uint8_t *head, size_t len)
{
	return len >= KDUMP_SIG_LEN && memcmp(head, KDUMP_SIGNATURE, KDUMP_SIG_LEN) == 0;
}

static uint64_t popcount_bits(const uint8_t *map, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	while (from < to && (from & 7))
		n += ec_bit_test(map, from++);
	while (from + 64 <= to) {
		uint64_t w;

		memcpy(&w, map + (from >> 3), 8);
		n += (uint64_t)__builtin_popcountll(w);
		from += 64;
	}
	while (from + 8 <= to) {
		n += (uint64_t)__builtin_popcount(map[from >> 3]);
		from += 8;
	}
	while (from < to)
		n += ec_bit_test(map, from++);
	return n;
}

/* The first set (want=1) or clear (want=0) bit in [from, to), or to. */
static uint64_t find_bit(const uint8_t *map, uint64_t from, uint64_t to, int want)
{
	uint8_t skip = want ? 0x00 : 0xff;
	uint64_t skip64 = want ? 0 : ~0ull;

	while (from < to) {
		if ((from & 63) == 0 && from + 64 <= to) {
			uint64_t w;

			memcpy(&w, map + (from >> 3), 8);
			if (w == skip64) {
				from += 64;
				continue;
			}
		}
		if ((from & 7) == 0 && from + 8 <= to && map[from >> 3] == skip) {
			from += 8;
			continue;
		}
		if (ec_bit_test(map, from) == want)
			return from;
		from++;
	}
	return to;
}

static uint64_t rank(const struct kd_file *kf, uint64_t pfn)
{
	uint64_t chunk = pfn / RANK_BITS;

	return kf->rank[chunk] + popcount_bits(kf->bitmap2, chunk * RANK_BITS, pfn);
}

static int parse_header(struct elfcore_ctx *ctx, struct ec_file *f, struct kd_header *h)
{
	uint8_t buf[DH_SIZE], sub[SH_SIZE];
	struct ec_cursor c;
	uint32_t u32;
	uint64_t u64;
	int ret;

	memset(h, 0, sizeof(*h));
	h->dump_level = -1;
	ret = ec_file_pread(ctx, f, buf, sizeof(buf), 0, "kdump header");
	if (ret)
		return ret;
	ec_cursor_init(&c, ctx, "kdump header", buf, sizeof(buf));
	ec_cursor_seek(&c, DH_HEADER_VERSION);
	ec_cursor_u32le(&c, &u32);
	h->version = (int32_t)u32;
	for (int i = 0; i < 6; i++)
		ec_cursor_bytes(&c, h->uts[i], KDUMP_UTS_LEN);
	ec_cursor_seek(&c, DH_TV_SEC);
	ec_cursor_u64le(&c, &u64);
	h->tv_sec = (int64_t)u64;
	ec_cursor_seek(&c, DH_STATUS);
	ec_cursor_u32le(&c, &h->status);
	ec_cursor_u32le(&c, &u32);
	h->block_size = (int32_t)u32;
	ec_cursor_u32le(&c, &u32);
	h->sub_hdr_size = (int32_t)u32;
	ec_cursor_u32le(&c, &h->bitmap_blocks);
	ec_cursor_u32le(&c, &h->max_mapnr32);
	ec_cursor_seek(&c, DH_CURRENT_CPU);
	ec_cursor_u32le(&c, &h->current_cpu);
	ec_cursor_u32le(&c, &h->nr_cpus);

	if (h->version < 0 || h->version > KDUMP_MAX_HEADER_VERSION)
		return ec_err(ctx, -EINVAL, "%s: kdump header version %d not supported (0 to %d)",
			      f->path, h->version, KDUMP_MAX_HEADER_VERSION);
	if (h->block_size < EC_MIN_PAGE_SIZE || h->block_size > (int32_t)EC_MAX_PAGE_SIZE ||
	    (h->block_size & (h->block_size - 1)))
		return ec_err(ctx, -EINVAL, "%s: kdump header: bad block size %d", f->path,
			      h->block_size);
	if (h->sub_hdr_size < 0 || (h->version >= 1 && h->sub_hdr_size < 1))
		return ec_err(ctx, -EINVAL, "%s: kdump header: bad sub header size %d blocks",
			      f->path, h->sub_hdr_size);
	if (h->bitmap_blocks == 0)
		return ec_err(ctx, -EINVAL, "%s: kdump header: no bitmap blocks", f->path);
	h->max_mapnr = h->max_mapnr32;
	h->end_pfn = UINT64_MAX;
	if (h->version < 1)
		return 0;

	ret = ec_file_pread(ctx, f, sub, sizeof(sub), (uint64_t)h->block_size, "kdump sub header");
	if (ret)
		return ret;
	ec_cursor_init(&c, ctx, "kdump sub header", sub, sizeof(sub));
	ec_cursor_u64le(&c, &h->phys_base);
	ec_cursor_u32le(&c, &u32);
	h->dump_level = (int32_t)u32;
	if (h->version >= 2) {
		ec_cursor_u32le(&c, &u32);
		h->split = (int32_t)u32;
		ec_cursor_u64le(&c, &h->start_pfn);
		ec_cursor_u64le(&c, &h->end_pfn);
	}
	if (h->version >= 3) {
		ec_cursor_seek(&c, SH_OFFSET_VMCOREINFO);
		ec_cursor_u64le(&c, &h->off_vmcoreinfo);
		ec_cursor_u64le(&c, &h->size_vmcoreinfo);
	}
	if (h->version >= 4) {
		ec_cursor_u64le(&c, &h->off_note);
		ec_cursor_u64le(&c, &h->size_note);
	}
	if (h->version >= 6) {
		ec_cursor_seek(&c, SH_START_PFN_64);
		ec_cursor_u64le(&c, &u64);
		if (h->split)
			h->start_pfn = u64;
		ec_cursor_u64le(&c, &u64);
		if (h->split)
			h->end_pfn = u64;
		ec_cursor_u64le(&c, &h->max_mapnr);
	}
	if (!h->split) {
		h->start_pfn = 0;
		h->end_pfn = UINT64_MAX;
	}
	return 0;
}

/* Bitmaps, rank table and descriptor area of one file. */
static int load_file(struct elfcore_dump *d, struct kd_priv *p, struct kd_file *kf,
		     const struct kd_header *h, int first)
{
	struct ec_file *f = kf->f;
	uint64_t bs = (uint64_t)h->block_size;
	uint64_t bitmap_off = (1 + (uint64_t)h->sub_hdr_size) * bs;
	uint64_t half = (uint64_t)h->bitmap_blocks * bs / 2;
	uint64_t max = h->max_mapnr, chunks;
	int ret;

	if (max == 0)
		return ec_err(d->ctx, -EINVAL, "%s: kdump header: max_mapnr is 0", f->path);
	if (max > half * 8)
		return ec_err(d->ctx, -EINVAL, "%s: kdump header: bitmap of %llu bytes too small for "
			      "%llu pfns", f->path, (unsigned long long)half,
			      (unsigned long long)max);
	p->bitmap_bytes = (max + 7) / 8;
	if (p->bitmap_bytes > EC_MAX_BITMAP_BYTES)
		return ec_err(d->ctx, -EINVAL, "%s: kdump header: %llu pfns, more than supported",
			      f->path, (unsigned long long)max);
	kf->start_pfn = h->start_pfn;
	kf->end_pfn = h->end_pfn > max ? max : h->end_pfn;
	/* An empty range is fine: makedumpfile --split leaves parts empty when
	 * the pages do not spread over all of them. */
	if (kf->start_pfn > kf->end_pfn)
		return ec_err(d->ctx, -EINVAL, "%s: kdump sub header: bad split range %llu-%llu",
			      f->path, (unsigned long long)h->start_pfn,
			      (unsigned long long)h->end_pfn);
	if (first) {
		ret = ec_file_read_blob(d->ctx, f, bitmap_off, p->bitmap_bytes, EC_MAX_BITMAP_BYTES,
					"1st bitmap", &p->bitmap1);
		if (ret)
			return ret;
	}
	ret = ec_file_read_blob(d->ctx, f, bitmap_off + half, p->bitmap_bytes, EC_MAX_BITMAP_BYTES,
				"2nd bitmap", &kf->bitmap2);
	if (ret)
		return ret;
	chunks = (max + RANK_BITS - 1) / RANK_BITS + 1;
	kf->rank = calloc(chunks, sizeof(*kf->rank));
	if (!kf->rank)
		return ec_err(d->ctx, -ENOMEM, "%s: out of memory", f->path);
	for (uint64_t i = 1; i < chunks; i++) {
		uint64_t a = (i - 1) * RANK_BITS, b = i * RANK_BITS < max ? i * RANK_BITS : max;

		kf->rank[i] = kf->rank[i - 1] + popcount_bits(kf->bitmap2, a, b);
	}
	kf->rank_base = rank(kf, kf->start_pfn);
	kf->ndumped = rank(kf, kf->end_pfn) - kf->rank_base;
	kf->desc_off = bitmap_off + (uint64_t)h->bitmap_blocks * bs;
	kf->ndesc_in_file = f->size > kf->desc_off ? (f->size - kf->desc_off) / PD_ENTRY_SIZE : 0;
	kf->cache_n = 0;
	if (kf->ndesc_in_file < kf->ndumped)
		ec_dump_set_incomplete(d, "%s: the file ends after %llu of %llu page descriptors",
				       f->path, (unsigned long long)kf->ndesc_in_file,
				       (unsigned long long)kf->ndumped);
	return 0;
}

static int cmp_kf(const void *a, const void *b)
{
	const struct kd_file *x = a, *y = b;

	return x->start_pfn < y->start_pfn ? -1 : x->start_pfn > y->start_pfn;
}

static enum elfcore_codec codec_of(uint32_t flags)
{
	if (flags & DUMP_DH_COMPRESSED_ZLIB)
		return ELFCORE_CODEC_ZLIB;
	if (flags & DUMP_DH_COMPRESSED_LZO)
		return ELFCORE_CODEC_LZO;
	if (flags & DUMP_DH_COMPRESSED_ZSTD)
		return ELFCORE_CODEC_ZSTD;
	if (flags & DUMP_DH_COMPRESSED_SNAPPY)
		return ELFCORE_CODEC_SNAPPY;
	return ELFCORE_CODEC_NONE;
}

static int read_notes(struct elfcore_dump *d, struct kd_priv *p, const struct kd_header *h)
{
	struct ec_file *f = d->files[0];
	int ret;

	if (h->version >= 4 && h->off_note && h->size_note) {
		ret = ec_file_read_blob(d->ctx, f, h->off_note, h->size_note, EC_MAX_NOTES_SIZE,
					"ELF notes", &p->notes);
		if (ret)
			return ret;
		p->notes_size = (size_t)h->size_note;
	}
	if (h->version >= 3 && h->off_vmcoreinfo && h->size_vmcoreinfo) {
		ret = ec_file_read_blob(d->ctx, f, h->off_vmcoreinfo, h->size_vmcoreinfo,
					ELFCORE_VMCOREINFO_MAX_SIZE, "VMCOREINFO", &p->vmcoreinfo);
		if (ret)
			return ret;
		p->vmcoreinfo_size = (size_t)h->size_vmcoreinfo;
	}
	return 0;
}

static void set_info(struct elfcore_dump *d, struct kd_priv *p, const struct kd_header *h)
{
	struct elfcore_dump_info *in = &d->info;
	static const int uts_fields[5] = { 0, 1, 2, 3, 4 };

	for (int i = 0; i < 5; i++)
		snprintf(d->uts[i], sizeof(d->uts[i]), "%s", h->uts[uts_fields[i]]);
	in->header_version = h->version;
	in->status = h->status;
	in->compression = codec_of(h->status);
	in->dump_level = h->dump_level;
	in->page_size = (uint64_t)h->block_size;
	in->max_pfn = h->max_mapnr;
	in->crash_time = h->tv_sec;
	in->phys_base = h->phys_base;
	in->pages_present = popcount_bits(p->bitmap1, 0, h->max_mapnr);
	for (size_t i = 0; i < p->n; i++)
		in->pages_dumped += p->kf[i].ndumped;
	if (h->status & DUMP_DH_COMPRESSED_INCOMPLETE)
		ec_dump_set_incomplete(d, "%s: flagged INCOMPLETE in the header (the dump ran out "
				       "of space)", d->files[0]->path);
}

/* A --split set must be disjoint; pfns it should hold but no file covers
 * make it incomplete. */
static int check_split(struct elfcore_dump *d, struct kd_priv *p, const struct kd_header *h0)
{
	uint64_t at = 0;

	qsort(p->kf, p->n, sizeof(*p->kf), cmp_kf);
	for (size_t i = 0; i <= p->n; i++) {
		uint64_t next = i < p->n ? p->kf[i].start_pfn : h0->max_mapnr;

		if (next < at)
			return ec_err(d->ctx, -EINVAL, "%s: split range %llu-%llu overlaps another file",
				      p->kf[i].f->path, (unsigned long long)p->kf[i].start_pfn,
				      (unsigned long long)p->kf[i].end_pfn);
		if (next > at && popcount_bits(p->kf[0].bitmap2, at, next))
			ec_dump_set_incomplete(d, "pfns %#llx-%#llx are dumped in a part of the "
					       "--split set that was not given",
					       (unsigned long long)at, (unsigned long long)next);
		if (i < p->n)
			at = p->kf[i].end_pfn;
	}
	return 0;
}

static int kdump_open(struct elfcore_dump *d)
{
	struct kd_priv *p;
	struct kd_header h0, h;
	int ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return ec_err(d->ctx, -ENOMEM, "out of memory");
	d->priv = p;
	p->kf = calloc(d->nfiles, sizeof(*p->kf));
	if (!p->kf)
		return ec_err(d->ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < d->nfiles; i++) {
		struct ec_file *f = d->files[i];
		uint8_t sig[KDUMP_SIG_LEN];

		ret = ec_file_pread(d->ctx, f, sig, sizeof(sig), 0, "signature");
		if (ret)
			return ret;
		if (memcmp(sig, KDUMP_SIGNATURE, KDUMP_SIG_LEN) != 0)
			return ec_err(d->ctx, -EINVAL, "%s: not a kdump-compressed file like %s",
				      f->path, d->files[0]->path);
		ret = parse_header(d->ctx, f, i ? &h : &h0);
		if (ret)
			return ret;
		if (i && (h.block_size != h0.block_size || h.max_mapnr != h0.max_mapnr ||
			  h.bitmap_blocks != h0.bitmap_blocks))
			return ec_err(d->ctx, -EINVAL, "%s: header differs from %s: not parts of one "
				      "--split dump", f->path, d->files[0]->path);
		if (d->nfiles > 1 && !(i ? h.split : h0.split))
			return ec_err(d->ctx, -EINVAL, "%s: not a part of a --split dump", f->path);
		p->kf[i].f = f;
		ret = load_file(d, p, &p->kf[i], i ? &h : &h0, i == 0);
		if (ret)
			return ret;
		p->n++;
	}
	p->block_size = (uint32_t)h0.block_size;
	p->header_version = h0.version;
	p->cbuf = malloc(p->block_size);
	if (!p->cbuf)
		return ec_err(d->ctx, -ENOMEM, "out of memory");
	ret = check_split(d, p, &h0);
	if (ret)
		return ret;
	ret = read_notes(d, p, &h0);
	if (ret)
		return ret;
	set_info(d, p, &h0);
	return 0;
}

static void kdump_notes(struct elfcore_dump *d, const uint8_t **notes, size_t *notes_size,
			const uint8_t **vmcoreinfo, size_t *vmcoreinfo_size)
{
	struct kd_priv *p = d->priv;

	*notes = p->notes;
	*notes_size = p->notes_size;
	*vmcoreinfo = p->vmcoreinfo;
	*vmcoreinfo_size = p->vmcoreinfo_size;
}

static struct kd_file *file_of(struct kd_priv *p, uint64_t pfn)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->kf[mid].end_pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n && p->kf[lo].start_pfn <= pfn ? &p->kf[lo] : NULL;
}

struct page_desc {
	uint64_t offset;
	uint32_t size, flags;
	uint64_t page_flags;
};

/* Descriptor idx of kf; -EIO when the file is too short to hold it. */
static int get_desc(struct elfcore_dump *d, struct kd_file *kf, uint64_t idx, struct page_desc *pd)
{
	struct ec_cursor c;
	int ret;

	if (idx >= kf->ndesc_in_file)
		return ec_err(d->ctx, -EIO, "page descriptor %llu is past the end of the file%s",
			      (unsigned long long)idx,
			      d->info.status & DUMP_DH_COMPRESSED_INCOMPLETE ?
			      " (the dump is incomplete)" : " (the file is truncated)");
	if (!kf->cache_n || idx < kf->cache_first || idx >= kf->cache_first + kf->cache_n) {
		uint64_t n = kf->ndesc_in_file - idx;

		if (n > DESC_CACHE)
			n = DESC_CACHE;
		kf->cache_n = 0;
		ret = ec_file_pread(d->ctx, kf->f, kf->cache, (size_t)n * PD_ENTRY_SIZE,
				    kf->desc_off + idx * PD_ENTRY_SIZE, "page descriptors");
		if (ret)
			return ret;
		kf->cache_first = idx;
		kf->cache_n = (unsigned)n;
	}
	ec_cursor_init(&c, d->ctx, "page descriptor",
		       kf->cache + (idx - kf->cache_first) * PD_ENTRY_SIZE, PD_ENTRY_SIZE);
	ec_cursor_u64le(&c, &pd->offset);
	ec_cursor_u32le(&c, &pd->size);
	ec_cursor_u32le(&c, &pd->flags);
	ec_cursor_u64le(&c, &pd->page_flags);
	return 0;
}

/* Is the descriptor usable? -EIO naming the problem if not (the caller
 * puts the file and pfn in front). */
static int check_desc(struct elfcore_dump *d, struct kd_priv *p, struct kd_file *kf,
		      const struct page_desc *pd)
{
	uint32_t comp = pd->flags & DUMP_DH_COMPRESSED_ANY;

	if (pd->offset == 0 && pd->size == 0)
		return ec_err(d->ctx, -EIO, "page missing (empty descriptor)%s",
			      d->info.status & DUMP_DH_COMPRESSED_INCOMPLETE ?
			      ": the dump is incomplete" : "");
	if (pd->size == 0 || pd->size > p->block_size)
		return ec_err(d->ctx, -EIO, "bad page data size %u", pd->size);
	if (comp & (comp - 1))
		return ec_err(d->ctx, -EIO, "bad compression flags %#x", pd->flags);
	if (!comp && pd->size != p->block_size)
		return ec_err(d->ctx, -EIO, "raw page of %u bytes, not %u", pd->size, p->block_size);
	if (pd->offset > kf->f->size || pd->size > kf->f->size - pd->offset)
		return ec_err(d->ctx, -EIO, "page data at offset %llu past the end of the file "
			      "(%llu bytes)%s", (unsigned long long)pd->offset,
			      (unsigned long long)kf->f->size,
			      d->info.incomplete ? ": the dump is incomplete" : "");
	return 0;
}

static int not_present(struct elfcore_dump *d, struct kd_priv *p, uint64_t pfn)
{
	if (!ec_bit_test(p->bitmap1, pfn))
		return ec_err(d->ctx, -ENOENT, "pfn %#llx: no memory there",
			      (unsigned long long)pfn);
	return ec_err(d->ctx, -ENOENT, "pfn %#llx: excluded from the dump",
		      (unsigned long long)pfn);
}

static int kdump_read_page(struct elfcore_dump *d, uint64_t pfn, void *buf)
{
	struct kd_priv *p = d->priv;
	struct kd_file *kf = file_of(p, pfn);
	struct elfcore_codec_ctx *cc;
	struct page_desc pd;
	enum elfcore_codec codec;
	int ret;

	if (!kf) {
		if (ec_bit_test(p->kf[0].bitmap2, pfn))
			return ec_err(d->ctx, -EIO, "pfn %#llx: in a part of the --split set that was "
				      "not given", (unsigned long long)pfn);
		return not_present(d, p, pfn);
	}
	if (!ec_bit_test(kf->bitmap2, pfn))
		return not_present(d, p, pfn);
	ret = get_desc(d, kf, rank(kf, pfn) - kf->rank_base, &pd);
	if (!ret)
		ret = check_desc(d, p, kf, &pd);
	if (ret)
		return elfcore_ctx_prefix(d->ctx, ret, "%s: pfn %#llx", kf->f->path,
					  (unsigned long long)pfn);
	codec = codec_of(pd.flags);
	if (codec == ELFCORE_CODEC_NONE)
		return ec_file_pread(d->ctx, kf->f, buf, pd.size, pd.offset, "page data");
	if (codec == ELFCORE_CODEC_SNAPPY)
		return ec_err(d->ctx, -ENOTSUP, "%s: pfn %#llx: snappy-compressed pages are not "
			      "supported", kf->f->path, (unsigned long long)pfn);
	ret = ec_file_pread(d->ctx, kf->f, p->cbuf, pd.size, pd.offset, "page data");
	if (ret)
		return ret;
	ret = ec_dump_codec(d, codec, &cc);
	if (ret)
		return ret;
	ret = elfcore_codec_decompress(cc, p->cbuf, pd.size, buf, p->block_size);
	if (ret)
		return elfcore_ctx_prefix(d->ctx, -EIO, "%s: pfn %#llx (data at offset %llu)",
					  kf->f->path, (unsigned long long)pfn,
					  (unsigned long long)pd.offset);
	return 0;
}

static int kdump_next_pfn(struct elfcore_dump *d, uint64_t from, uint64_t *pfn)
{
	struct kd_priv *p = d->priv;

	for (size_t i = 0; i < p->n; i++) {
		struct kd_file *kf = &p->kf[i];
		uint64_t a = from > kf->start_pfn ? from : kf->start_pfn, hit;

		if (a >= kf->end_pfn)
			continue;
		hit = find_bit(kf->bitmap2, a, kf->end_pfn, 1);
		if (hit < kf->end_pfn) {
			*pfn = hit;
			return 0;
		}
	}
	return -ENOENT;
}

static int kdump_next_range(struct elfcore_dump *d, uint64_t from, uint64_t *start,
			    uint64_t *end)
{
	struct kd_priv *p = d->priv;
	uint64_t max = d->info.max_pfn;
	uint64_t a = find_bit(p->bitmap1, from, max, 1);

	if (a >= max)
		return -ENOENT;
	*start = a;
	*end = find_bit(p->bitmap1, a, max, 0);
	return 0;
}

/* Every descriptor of every file, before any page is decompressed. */
static int kdump_check(struct elfcore_dump *d)
{
	struct kd_priv *p = d->priv;

	for (size_t i = 0; i < p->n; i++) {
		struct kd_file *kf = &p->kf[i];
		uint64_t pfn = kf->start_pfn, idx = 0;

		for (;;) {
			struct page_desc pd;
			int ret;

			pfn = find_bit(kf->bitmap2, pfn, kf->end_pfn, 1);
			if (pfn >= kf->end_pfn)
				break;
			ret = get_desc(d, kf, idx, &pd);
			if (!ret)
				ret = check_desc(d, p, kf, &pd);
			if (ret)
				return elfcore_ctx_prefix(d->ctx, ret, "%s: page descriptor %llu (pfn %#llx)",
							  kf->f->path, (unsigned long long)idx,
							  (unsigned long long)pfn);
			idx++;
			pfn++;
		}
	}
	return 0;
}

static void kdump_close(struct elfcore_dump *d)
{
	struct kd_priv *p = d->priv;

	if (!p)
		return;
	for (size_t i = 0; i < d->nfiles && p->kf; i++) {
		free(p->kf[i].bitmap2);
		free(p->kf[i].rank);
	}
	free(p->kf);
	free(p->bitmap1);
	free(p->notes);
	free(p->vmcoreinfo);
	free(p->cbuf);
	free(p);
	d->priv = NULL;
}

const struct ec_format_ops ec_format_kdump = {
	.name = "kdump-compressed",
	.format = ELFCORE_FORMAT_KDUMP,
	.probe = kdump_probe,
	.open = kdump_open,
	.notes = kdump_notes,
	.read_page = kdump_read_page,
	.next_pfn = kdump_next_pfn,
	.next_range = kdump_next_range,
	.check = kdump_check,
	.close = kdump_close,
};
