/* Flattened streams (makedumpfile -F): an index of the records, so that the
 * rebuilt file can be read in place without writing a copy of it.
 *
 * A record {be64 offset, be64 size, data} means "size bytes for offset of the
 * rebuilt file". Records may come in any order and may overlap (makedumpfile
 * rewrites the header at the end); the later one wins, as with -R. The index
 * is a sorted list of non-overlapping extents; bytes no record wrote read as
 * zeros, as in the sparse file -R would make.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "diskdump_priv.h"
#include "format_priv.h"

struct flat_extent {
	uint64_t dst;     /* offset in the rebuilt file */
	uint64_t len;
	uint64_t src;     /* offset of the data in the stream */
};

struct flat_record {
	uint64_t dst, len, src;
	uint64_t seq;
};

struct ec_flat {
	struct flat_extent *ext;
	size_t n;
	uint64_t records;
	char truncated[200];      /* "" when the end marker was seen */
};

void ec_flat_free(struct ec_flat *flat)
{
	if (!flat)
		return;
	free(flat->ext);
	free(flat);
}

uint64_t ec_flat_records(const struct ec_flat *flat)
{
	return flat ? flat->records : 0;
}

const char *ec_flat_truncated(const struct ec_flat *flat)
{
	return flat && flat->truncated[0] ? flat->truncated : NULL;
}

static int cmp_record(const void *a, const void *b)
{
	const struct flat_record *x = a, *y = b;

	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Max-heap of record indexes by seq, for the overlap sweep. */
static void heap_push(size_t *heap, size_t *n, const struct flat_record *r, size_t idx)
{
	size_t i = (*n)++;

	heap[i] = idx;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (r[heap[p]].seq >= r[heap[i]].seq)
			break;
		size_t t = heap[p];
		heap[p] = heap[i];
		heap[i] = t;
		i = p;
	}
}

static void heap_pop(size_t *heap, size_t *n, const struct flat_record *r)
{
	size_t i = 0;

	heap[0] = heap[--(*n)];
	for (;;) {
		size_t l = 2 * i + 1, rr = l + 1, m = i;

		if (l < *n && r[heap[l]].seq > r[heap[m]].seq)
			m = l;
		if (rr < *n && r[heap[rr]].seq > r[heap[m]].seq)
			m = rr;
		if (m == i)
			break;
		size_t t = heap[m];
		heap[m] = heap[i];
		heap[i] = t;
		i = m;
	}
}

static int add_extent(struct ec_flat *fl, uint64_t dst, uint64_t len, uint64_t src)
{
	if (fl->n > 0) {
		struct flat_extent *last = &fl->ext[fl->n - 1];

		if (last->dst + last->len == dst && last->src + last->len == src) {
			last->len += len;
			return 0;
		}
	}
	fl->ext[fl->n].dst = dst;
	fl->ext[fl->n].len = len;
	fl->ext[fl->n].src = src;
	fl->n++;
	return 0;
}

/* Turn records (sorted by dst, seq) into non-overlapping extents, the
 * latest record winning, by a sweep over every record boundary. */
static int resolve(struct elfcore_ctx *ctx, struct ec_flat *fl, struct flat_record *r, size_t n)
{
	uint64_t *bounds = NULL;
	size_t *heap = NULL, nb = 0, nh = 0, next = 0;
	int overlap = 0, ret = 0;

	for (size_t i = 1; i < n; i++)
		if (r[i - 1].dst + r[i - 1].len > r[i].dst)
			overlap = 1;
	fl->ext = calloc(n ? 2 * n : 1, sizeof(*fl->ext));
	if (!fl->ext)
		return ec_err(ctx, -ENOMEM, "flattened stream: out of memory for %zu records", n);
	if (!overlap) {
		for (size_t i = 0; i < n; i++)
			add_extent(fl, r[i].dst, r[i].len, r[i].src);
		return 0;
	}
	bounds = malloc(2 * n * sizeof(*bounds));
	heap = malloc(n * sizeof(*heap));
	if (!bounds || !heap) {
		ret = ec_err(ctx, -ENOMEM, "flattened stream: out of memory for %zu records", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		bounds[nb++] = r[i].dst;
		bounds[nb++] = r[i].dst + r[i].len;
	}
	qsort(bounds, nb, sizeof(*bounds), cmp_u64);
	for (size_t k = 0; k + 1 < nb; k++) {
		uint64_t a = bounds[k], b = bounds[k + 1];

		if (a == b)
			continue;
		while (next < n && r[next].dst <= a)
			heap_push(heap, &nh, r, next++);
		while (nh && r[heap[0]].dst + r[heap[0]].len <= a)
			heap_pop(heap, &nh, r);
		if (!nh)
			continue;
		/* Elementary intervals never straddle a boundary, so the top
		 * record covers all of [a, b). */
		const struct flat_record *w = &r[heap[0]];
		if (fl->n >= 2 * n) {
			ret = ec_err(ctx, -EINVAL, "flattened stream: too many overlapping records");
			goto out;
		}
		add_extent(fl, a, b - a, w->src + (a - w->dst));
	}
out:
	free(bounds);
	free(heap);
	return ret;
}

static int read_header(struct elfcore_ctx *ctx, struct ec_file *f, int *is_flat)
{
	uint8_t head[32];
	struct ec_cursor c;
	uint64_t type = 0, version = 0;
	ssize_t n;

	*is_flat = 0;
	if (f->disk_size < FLAT_SIG_LEN)
		return 0;
	n = pread(f->fd, head, sizeof(head), 0);
	if (n < FLAT_SIG_LEN)
		return 0;
	if (memcmp(head, FLAT_SIGNATURE, strlen(FLAT_SIGNATURE)) != 0 || head[12] != 0)
		return 0;
	*is_flat = 1;
	if (f->disk_size < FLAT_HEADER_SIZE || n < (ssize_t)sizeof(head))
		return ec_err(ctx, -EIO, "flattened stream: header truncated (%llu bytes of %d)",
			      (unsigned long long)f->disk_size, FLAT_HEADER_SIZE);
	ec_cursor_init(&c, ctx, "flattened header", head, sizeof(head));
	ec_cursor_seek(&c, FLAT_SIG_LEN);
	ec_cursor_u64be(&c, &type);
	ec_cursor_u64be(&c, &version);
	if (type != FLAT_TYPE || version != FLAT_VERSION)
		return ec_err(ctx, -EINVAL, "flattened stream: type %lld version %lld, expected 1 and 1",
			      (long long)type, (long long)version);
	return 0;
}

int ec_flat_index(struct elfcore_ctx *ctx, struct ec_file *f)
{
	struct flat_record *rec = NULL;
	struct ec_flat *fl = NULL;
	size_t n = 0, cap = 0;
	uint64_t pos = FLAT_HEADER_SIZE, size = 0, count = 0;
	int is_flat, ret;

	ret = read_header(ctx, f, &is_flat);
	if (ret || !is_flat)
		return ret;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return ec_err(ctx, -ENOMEM, "flattened stream: out of memory");
	for (;;) {
		uint8_t hdr[FLAT_RECORD_HEADER];
		struct ec_cursor c;
		uint64_t off, len;

		if (f->disk_size - pos < FLAT_RECORD_HEADER) {
			snprintf(fl->truncated, sizeof(fl->truncated),
				 "stream ends at %llu after record %llu without the end marker",
				 (unsigned long long)f->disk_size, (unsigned long long)count);
			break;
		}
		ret = pread(f->fd, hdr, sizeof(hdr), (off_t)pos) == (ssize_t)sizeof(hdr) ? 0 : -EIO;
		if (ret) {
			ec_err(ctx, ret, "flattened stream: cannot read record %llu at offset %llu",
			       (unsigned long long)count, (unsigned long long)pos);
			goto fail;
		}
		ec_cursor_init(&c, ctx, "flattened record", hdr, sizeof(hdr));
		ec_cursor_u64be(&c, &off);
		ec_cursor_u64be(&c, &len);
		if (off == (uint64_t)-1 && len == (uint64_t)-1)
			break;
		if ((int64_t)off < 0 || (int64_t)len < 0 || off > (1ull << 60) || len > (1ull << 60)) {
			ret = ec_err(ctx, -EINVAL, "flattened stream: record %llu at offset %llu: bad "
				     "offset %lld or size %lld", (unsigned long long)count,
				     (unsigned long long)pos, (long long)off, (long long)len);
			goto fail;
		}
		pos += FLAT_RECORD_HEADER;
		if (len > f->disk_size - pos) {
			snprintf(fl->truncated, sizeof(fl->truncated),
				 "record %llu at offset %llu: %llu data bytes, the stream ends after %llu",
				 (unsigned long long)count, (unsigned long long)(pos - FLAT_RECORD_HEADER),
				 (unsigned long long)len, (unsigned long long)(f->disk_size - pos));
			len = f->disk_size - pos;
		}
		count++;
		if (len) {
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 256;
				void *p;

				if (n >= EC_MAX_FLAT_RECORDS) {
					ret = ec_err(ctx, -EINVAL, "flattened stream: more than %u records",
						     EC_MAX_FLAT_RECORDS);
					goto fail;
				}
				p = realloc(rec, ncap * sizeof(*rec));
				if (!p) {
					ret = ec_err(ctx, -ENOMEM, "flattened stream: out of memory");
					goto fail;
				}
				rec = p;
				cap = ncap;
			}
			rec[n].dst = off;
			rec[n].len = len;
			rec[n].src = pos;
			rec[n].seq = n;
			n++;
			if (off + len > size)
				size = off + len;
		}
		pos += len;
		if (fl->truncated[0])
			break;
	}
	if (n)
		qsort(rec, n, sizeof(*rec), cmp_record);
	ret = resolve(ctx, fl, rec, n);
	if (ret)
		goto fail;
	fl->records = count;
	free(rec);
	f->flat = fl;
	f->size = size;
	return 1;
fail:
	free(rec);
	ec_flat_free(fl);
	return ret;
}

int ec_flat_pread(struct elfcore_ctx *ctx, struct ec_file *f, void *buf, size_t len, uint64_t off)
{
	const struct ec_flat *fl = f->flat;
	size_t lo = 0, hi = fl->n;
	uint8_t *out = buf;

	/* The first extent that ends after off. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fl->ext[mid].dst + fl->ext[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (len) {
		const struct flat_extent *e = lo < fl->n ? &fl->ext[lo] : NULL;
		size_t chunk;

		if (!e || e->dst > off) {
			/* A hole up to the next extent: zeros. */
			chunk = len;
			if (e && e->dst - off < chunk)
				chunk = (size_t)(e->dst - off);
			memset(out, 0, chunk);
		} else {
			uint64_t in = off - e->dst;
			size_t done = 0;

			chunk = len;
			if (e->len - in < chunk)
				chunk = (size_t)(e->len - in);
			while (done < chunk) {
				ssize_t r = pread(f->fd, out + done, chunk - done,
						  (off_t)(e->src + in + done));

				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					return ec_err(ctx, -EIO, "%s: flattened record data at offset %llu "
						      "unreadable", f->path,
						      (unsigned long long)(e->src + in + done));
				done += (size_t)r;
			}
			lo++;
		}
		out += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

int ec_flat_covered(const struct ec_flat *fl, uint64_t off, uint64_t len)
{
	size_t lo = 0, hi = fl->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fl->ext[mid].dst + fl->ext[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; len && lo < fl->n; lo++) {
		const struct flat_extent *e = &fl->ext[lo];
		uint64_t n;

		if (e->dst > off)
			return 0;
		n = e->dst + e->len - off;
		if (n >= len)
			return 1;
		off += n;
		len -= n;
	}
	return len == 0;
}
