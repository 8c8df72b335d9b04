/* Fuzz elfcore_flat_replay (makedumpfile -R of an untrusted stream): the
 * input goes through a memfd, the output into a sink that only checks bounds. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfcore/sink.h"

static int null_pwrite(void *priv, struct elfcore_ctx *ctx, const void *buf, size_t len,
		       uint64_t off)
{
	volatile const unsigned char *p = buf;

	(void)p[0];
	(void)p[len - 1];
	return 0;
}

static int null_close(void *priv, struct elfcore_ctx *ctx)
{
	return 0;
}

static const struct elfcore_sink_ops null_ops = { .pwrite = null_pwrite, .close = null_close };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct elfcore_sink *sink;
	int fd = memfd_create("fuzz", 0);

	if (fd >= 0 && ctx && write(fd, data, size) == (ssize_t)size &&
	    lseek(fd, 0, SEEK_SET) == 0 && elfcore_sink_new(ctx, &null_ops, NULL, &sink) == 0) {
		elfcore_flat_replay(ctx, fd, "fuzz", sink, NULL);
		elfcore_sink_close(sink);
	}
	if (fd >= 0)
		close(fd);
	elfcore_ctx_free(ctx);
	return 0;
}
