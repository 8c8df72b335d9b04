#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_priv.h"

#define EC_MSG_MAX 1024

struct elfcore_ctx {
	char msg[EC_MSG_MAX];
};

struct elfcore_ctx *elfcore_ctx_new(void)
{
	return calloc(1, sizeof(struct elfcore_ctx));
}

void elfcore_ctx_free(struct elfcore_ctx *ctx)
{
	free(ctx);
}

const char *elfcore_ctx_error(const struct elfcore_ctx *ctx)
{
	return ctx ? ctx->msg : "";
}

void elfcore_ctx_clear(struct elfcore_ctx *ctx)
{
	if (ctx)
		ctx->msg[0] = '\0';
}

int elfcore_ctx_set_error(struct elfcore_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return err;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	return err;
}

int elfcore_ctx_prefix(struct elfcore_ctx *ctx, int err, const char *fmt, ...)
{
	char prefix[EC_MSG_MAX], old[EC_MSG_MAX];
	va_list ap;

	if (!ctx)
		return err;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, ctx->msg, sizeof(old));
	if (old[0])
		snprintf(ctx->msg, sizeof(ctx->msg), "%s: %s", prefix, old);
	else
		snprintf(ctx->msg, sizeof(ctx->msg), "%s: %s", prefix, strerror(-err));
	return err;
}
