/* /proc/iomem parsing and memory range arithmetic.
 *
 * Lines look like "  00100000-3ffdffff : System RAM": two spaces of indentation
 * per nesting level, hex start and inclusive end, " : ", a name. The text is
 * untrusted (a --sysroot may hold anything), so every step is checked and the
 * number of entries is capped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "ec_priv.h"

static int parse_hex(const char *s, size_t len, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = *pos, start = *pos;

	while (i < len) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (v >> 60)
			return -ERANGE;
		v = v << 4 | d;
		i++;
	}
	if (i == start)
		return -EINVAL;
	*pos = i;
	*out = v;
	return 0;
}

static int parse_line(struct elfcore_ctx *ctx, const char *s, size_t len, unsigned lineno,
		      struct ld_iomem_entry *e)
{
	size_t i = 0, n;
	int ret;

	while (i < len && s[i] == ' ')
		i++;
	e->depth = (unsigned)(i / 2);
	if ((ret = parse_hex(s, len, &i, &e->start)) < 0)
		return ec_err(ctx, -EINVAL, "line %u: expected a hex start address", lineno);
	if (i >= len || s[i] != '-')
		return ec_err(ctx, -EINVAL, "line %u: expected '-' after the start address", lineno);
	i++;
	if ((ret = parse_hex(s, len, &i, &e->end)) < 0)
		return ec_err(ctx, -EINVAL, "line %u: expected a hex end address", lineno);
	if (len - i < 3 || memcmp(s + i, " : ", 3) != 0)
		return ec_err(ctx, -EINVAL, "line %u: expected ' : ' after the range", lineno);
	i += 3;
	if (e->end < e->start)
		return ec_err(ctx, -EINVAL, "line %u: range ends before it starts", lineno);
	n = len - i;
	if (n >= sizeof(e->name))
		n = sizeof(e->name) - 1;
	memcpy(e->name, s + i, n);
	e->name[n] = '\0';
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)e->name[k] < 0x20)
			e->name[k] = '?';
	return 0;
}

int ld_iomem_parse(struct elfcore_ctx *ctx, const char *text, size_t len, struct ld_iomem *out)
{
	struct ld_iomem io = { 0 };
	size_t pos = 0, cap = 0;
	unsigned lineno = 0;
	int ret = 0;

	if (len > LD_IOMEM_MAX_BYTES)
		return ec_err(ctx, -EFBIG, "%zu bytes: larger than any real /proc/iomem", len);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (l == 0) {
			pos += 1;
			continue;
		}
		if (io.count == LD_IOMEM_MAX_ENTRIES) {
			ret = ec_err(ctx, -E2BIG, "more than %u entries", LD_IOMEM_MAX_ENTRIES);
			goto out;
		}
		if (io.count == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(io.entries, ncap * sizeof(*io.entries));

			if (!p) {
				ret = ec_err(ctx, -ENOMEM, "out of memory");
				goto out;
			}
			io.entries = p;
			cap = ncap;
		}
		ret = parse_line(ctx, text + pos, l, lineno, &io.entries[io.count]);
		if (ret < 0)
			goto out;
		io.count++;
		pos += l + (nl ? 1 : 0);
	}
out:
	if (ret < 0) {
		free(io.entries);
		return ret;
	}
	*out = io;
	return 0;
}

void ld_iomem_free(struct ld_iomem *io)
{
	free(io->entries);
	io->entries = NULL;
	io->count = 0;
}

const struct ld_iomem_entry *ld_iomem_next(const struct ld_iomem *io, const char *name, size_t *pos)
{
	for (; *pos < io->count; (*pos)++) {
		if (strcmp(io->entries[*pos].name, name) == 0)
			return &io->entries[(*pos)++];
	}
	return NULL;
}

int ld_ranges_add(struct elfcore_ctx *ctx, struct ld_ranges *rs, uint64_t start, uint64_t end, unsigned type)
{
	if (end < start)
		return 0;
	if (rs->n == LD_MAX_RANGES)
		return ec_err(ctx, -E2BIG, "more than %u memory ranges", LD_MAX_RANGES);
	rs->r[rs->n++] = (struct ld_range){ start, end, type };
	return 0;
}

int ld_ranges_exclude(struct elfcore_ctx *ctx, struct ld_ranges *rs, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < rs->n; i++) {
		struct ld_range *r = &rs->r[i];

		if (end < r->start || start > r->end)
			continue;
		if (start <= r->start && end >= r->end) {
			memmove(r, r + 1, (rs->n - i - 1) * sizeof(*r));
			rs->n--;
			i--;
		} else if (start > r->start && end < r->end) {
			struct ld_range tail = { end + 1, r->end, r->type };

			if (rs->n == LD_MAX_RANGES)
				return ec_err(ctx, -E2BIG, "more than %u memory ranges", LD_MAX_RANGES);
			r->end = start - 1;
			memmove(r + 2, r + 1, (rs->n - i - 1) * sizeof(*r));
			r[1] = tail;
			rs->n++;
			i++;
		} else if (start <= r->start) {
			r->start = end + 1;
		} else {
			r->end = start - 1;
		}
	}
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct ld_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void ld_ranges_sort(struct ld_ranges *rs)
{
	qsort(rs->r, rs->n, sizeof(rs->r[0]), range_cmp);
}
