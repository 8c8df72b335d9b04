/* A bounds-checked cursor over untrusted bytes.
 *
 * Every parser of dump bytes reads through one. A read past the end records an
 * error naming what was being read and where, returns -EINVAL, and does not
 * advance: the caller never sees uninitialised data. */
#ifndef ELFCORE_CURSOR_H
#define ELFCORE_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "ec_priv.h"

struct ec_cursor {
	const uint8_t *data;
	size_t size;
	size_t pos;
	const char *what;        /* names the buffer in messages, e.g. "ELF header" */
	struct elfcore_ctx *ctx;
};

void ec_cursor_init(struct ec_cursor *c, struct elfcore_ctx *ctx, const char *what,
		    const void *data, size_t size);
size_t ec_cursor_left(const struct ec_cursor *c);
int ec_cursor_seek(struct ec_cursor *c, size_t pos);
int ec_cursor_skip(struct ec_cursor *c, size_t n);
int ec_cursor_bytes(struct ec_cursor *c, void *out, size_t n);
/* Point *out at the next n bytes without copying, and advance. */
int ec_cursor_ref(struct ec_cursor *c, const void **out, size_t n);
int ec_cursor_u8(struct ec_cursor *c, uint8_t *out);
int ec_cursor_u16le(struct ec_cursor *c, uint16_t *out);
int ec_cursor_u32le(struct ec_cursor *c, uint32_t *out);
int ec_cursor_u64le(struct ec_cursor *c, uint64_t *out);
int ec_cursor_u32be(struct ec_cursor *c, uint32_t *out);
int ec_cursor_u64be(struct ec_cursor *c, uint64_t *out);
/* Advance to the next multiple of align (a power of two) from the start. */
int ec_cursor_align(struct ec_cursor *c, size_t align);

#endif
