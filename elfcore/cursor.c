#include <errno.h>
#include <string.h>

#include "cursor.h"

void ec_cursor_init(struct ec_cursor *c, struct elfcore_ctx *ctx, const char *what,
		    const void *data, size_t size)
{
	c->data = data;
	c->size = data ? size : 0;
	c->pos = 0;
	c->what = what ? what : "buffer";
	c->ctx = ctx;
}

size_t ec_cursor_left(const struct ec_cursor *c)
{
	return c->size - c->pos;
}

static int truncated(struct ec_cursor *c, size_t need)
{
	return ec_err(c->ctx, -EINVAL, "%s: truncated: need %zu bytes at offset %zu of %zu",
		      c->what, need, c->pos, c->size);
}

int ec_cursor_seek(struct ec_cursor *c, size_t pos)
{
	if (pos > c->size)
		return ec_err(c->ctx, -EINVAL, "%s: offset %zu past end (%zu bytes)",
			      c->what, pos, c->size);
	c->pos = pos;
	return 0;
}

int ec_cursor_skip(struct ec_cursor *c, size_t n)
{
	if (n > ec_cursor_left(c))
		return truncated(c, n);
	c->pos += n;
	return 0;
}

int ec_cursor_ref(struct ec_cursor *c, const void **out, size_t n)
{
	if (n > ec_cursor_left(c))
		return truncated(c, n);
	*out = c->data + c->pos;
	c->pos += n;
	return 0;
}

int ec_cursor_bytes(struct ec_cursor *c, void *out, size_t n)
{
	const void *src = NULL;
	int ret = ec_cursor_ref(c, &src, n);

	if (ret == 0 && n)
		memcpy(out, src, n);
	return ret;
}

int ec_cursor_align(struct ec_cursor *c, size_t align)
{
	size_t rem = c->pos & (align - 1);

	return rem ? ec_cursor_skip(c, align - rem) : 0;
}

/* Assemble an unsigned integer of n bytes in either byte order. */
static int read_uint(struct ec_cursor *c, size_t n, int big_endian, uint64_t *out)
{
	const uint8_t *p = NULL;
	uint64_t v = 0;
	int ret = ec_cursor_ref(c, (const void **)&p, n);

	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		size_t idx = big_endian ? i : n - 1 - i;
		v = (v << 8) | p[idx];
	}
	*out = v;
	return 0;
}

int ec_cursor_u8(struct ec_cursor *c, uint8_t *out)
{
	uint64_t v;
	int ret = read_uint(c, 1, 0, &v);

	if (!ret)
		*out = (uint8_t)v;
	return ret;
}

int ec_cursor_u16le(struct ec_cursor *c, uint16_t *out)
{
	uint64_t v;
	int ret = read_uint(c, 2, 0, &v);

	if (!ret)
		*out = (uint16_t)v;
	return ret;
}

int ec_cursor_u32le(struct ec_cursor *c, uint32_t *out)
{
	uint64_t v;
	int ret = read_uint(c, 4, 0, &v);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

int ec_cursor_u64le(struct ec_cursor *c, uint64_t *out)
{
	return read_uint(c, 8, 0, out);
}

int ec_cursor_u32be(struct ec_cursor *c, uint32_t *out)
{
	uint64_t v;
	int ret = read_uint(c, 4, 1, &v);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

int ec_cursor_u64be(struct ec_cursor *c, uint64_t *out)
{
	return read_uint(c, 8, 1, out);
}
