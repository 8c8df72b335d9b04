/* A sink backend in memory for unit tests: grows as written, fails with
 * -ENOSPC once a write would end past limit, counts writes and closes.
 * Include once, in the test program's .c file. */
#ifndef TESTS_UNIT_MEM_SINK_H
#define TESTS_UNIT_MEM_SINK_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore/sink.h"

struct mem {
	unsigned char *data;
	size_t size, limit;
	unsigned writes;            /* pwrite calls */
	size_t max_write;           /* the longest */
	int closed;                 /* close calls */
};

static int mem_pwrite(void *priv, struct elfcore_ctx *c, const void *buf, size_t len, uint64_t off)
{
	struct mem *m = priv;

	m->writes++;
	if (len > m->max_write)
		m->max_write = len;
	if (off + len > m->limit)
		return elfcore_ctx_set_error(c, -ENOSPC, "mem: No space left on device at %llu",
					     (unsigned long long)off);
	if (off + len > m->size) {
		m->data = realloc(m->data, off + len);
		memset(m->data + m->size, 0, off + len - m->size);
		m->size = off + len;
	}
	memcpy(m->data + off, buf, len);
	return 0;
}

static int mem_close(void *priv, struct elfcore_ctx *c)
{
	(void)c;
	((struct mem *)priv)->closed++;
	return 0;
}

static const struct elfcore_sink_ops mem_ops = { .pwrite = mem_pwrite, .close = mem_close };

#endif
