/* The generic sink: a backend behind a sticky error (elfcore/include/elfcore/sink.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_priv.h"
#include "elfcore/sink.h"

#define SINK_MSG_MAX 512

struct elfcore_sink {
	struct elfcore_ctx *ctx;
	const struct elfcore_sink_ops *ops;
	void *priv;
	int error;                  /* first error, sticky */
	int committed;
	uint64_t size;              /* highest offset written + 1 */
	char msg[SINK_MSG_MAX];     /* the first error's message, restored on reuse */
};

int elfcore_sink_new(struct elfcore_ctx *ctx, const struct elfcore_sink_ops *ops, void *priv,
		     struct elfcore_sink **out)
{
	struct elfcore_sink *sink;

	*out = NULL;
	if (!ops || !ops->pwrite || !ops->close) {
		if (ops && ops->close)
			ops->close(priv, ctx);
		return ec_err(ctx, -EINVAL, "sink: backend without pwrite or close");
	}
	sink = calloc(1, sizeof(*sink));
	if (!sink) {
		ops->close(priv, ctx);
		return ec_err(ctx, -ENOMEM, "sink: out of memory");
	}
	sink->ctx = ctx;
	sink->ops = ops;
	sink->priv = priv;
	*out = sink;
	return 0;
}

/* Remember the first failure; later calls replay it. */
static int fail(struct elfcore_sink *sink, int err)
{
	if (!sink->error) {
		sink->error = err;
		snprintf(sink->msg, sizeof(sink->msg), "%s", elfcore_ctx_error(sink->ctx));
		if (!sink->msg[0])
			snprintf(sink->msg, sizeof(sink->msg), "sink: %s", strerror(-err));
	}
	return err;
}

static int replay(struct elfcore_sink *sink)
{
	return ec_err(sink->ctx, sink->error, "%s", sink->msg);
}

int elfcore_sink_pwrite(struct elfcore_sink *sink, const void *buf, size_t len, uint64_t offset)
{
	int ret;

	if (sink->error)
		return replay(sink);
	if (sink->committed)
		return fail(sink, ec_err(sink->ctx, -EINVAL, "sink: write after commit"));
	if (len == 0)
		return 0;
	if (offset + len < offset)
		return fail(sink, ec_err(sink->ctx, -EOVERFLOW,
					 "sink: write of %zu bytes at offset %llu overflows",
					 len, (unsigned long long)offset));
	ret = sink->ops->pwrite(sink->priv, sink->ctx, buf, len, offset);
	if (ret < 0)
		return fail(sink, ret);
	if (offset + len > sink->size)
		sink->size = offset + len;
	return 0;
}

int elfcore_sink_sync(struct elfcore_sink *sink)
{
	int ret;

	if (sink->error)
		return replay(sink);
	if (!sink->ops->sync)
		return 0;
	ret = sink->ops->sync(sink->priv, sink->ctx);
	return ret < 0 ? fail(sink, ret) : 0;
}

int elfcore_sink_commit(struct elfcore_sink *sink)
{
	int ret;

	if (sink->error)
		return replay(sink);
	if (sink->committed)
		return 0;
	ret = elfcore_sink_sync(sink);
	if (ret < 0)
		return ret;
	if (sink->ops->commit) {
		ret = sink->ops->commit(sink->priv, sink->ctx);
		if (ret < 0)
			return fail(sink, ret);
	}
	sink->committed = 1;
	return 0;
}

int elfcore_sink_error(const struct elfcore_sink *sink)
{
	return sink->error;
}

uint64_t elfcore_sink_size(const struct elfcore_sink *sink)
{
	return sink->size;
}

int ec_sink_has_ops(const struct elfcore_sink *sink, const struct elfcore_sink_ops *ops)
{
	return sink->ops == ops;
}

int elfcore_sink_sequential(const struct elfcore_sink *sink)
{
	return sink->ops->sequential;
}

int elfcore_sink_open_read(struct elfcore_sink *sink)
{
	if (!sink->ops->open_read)
		return ec_err(sink->ctx, -ENOTSUP, "sink: this output cannot be read back");
	return sink->ops->open_read(sink->priv, sink->ctx);
}

struct elfcore_ctx *elfcore_sink_ctx(const struct elfcore_sink *sink)
{
	return sink->ctx;
}

int elfcore_sink_close(struct elfcore_sink *sink)
{
	int ret = 0, r;

	if (!sink)
		return 0;
	if (!sink->committed && sink->ops->abort) {
		r = sink->ops->abort(sink->priv, sink->ctx);
		if (r < 0)
			ret = r;
	}
	r = sink->ops->close(sink->priv, sink->ctx);
	if (r < 0 && !ret)
		ret = r;
	if (sink->error) {
		/* The first failure is what the caller should see. */
		ret = replay(sink);
	}
	free(sink);
	return ret;
}
