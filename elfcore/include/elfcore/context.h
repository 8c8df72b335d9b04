/* elfcore context: the error state every library call reports into.
 *
 * Library functions return 0 (or a count) on success and a negative errno on
 * failure; the context then holds a one-line message saying what went wrong.
 * Callers may add their own context in front with elfcore_ctx_prefix(), so a
 * final message reads like a short backtrace:
 *   "vmcore.kdump: page descriptor 12: offset past end of file".
 */
#ifndef ELFCORE_CONTEXT_H
#define ELFCORE_CONTEXT_H

#include <stdarg.h>

#define ELFCORE_API __attribute__((visibility("default")))

struct elfcore_ctx;

/* Allocate a context; NULL with errno set when out of memory. */
ELFCORE_API struct elfcore_ctx *elfcore_ctx_new(void);
ELFCORE_API void elfcore_ctx_free(struct elfcore_ctx *ctx);

/* The message of the last failure ("" when none). Owned by the context;
 * valid until the next call that fails. */
ELFCORE_API const char *elfcore_ctx_error(const struct elfcore_ctx *ctx);

/* Forget the last message. */
ELFCORE_API void elfcore_ctx_clear(struct elfcore_ctx *ctx);

/* Put "PREFIX: " in front of the current message; returns err unchanged so
 * that callers can write `return elfcore_ctx_prefix(ctx, ret, "%s", path);`. */
ELFCORE_API int elfcore_ctx_prefix(struct elfcore_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a message and return err (a negative errno). */
ELFCORE_API int elfcore_ctx_set_error(struct elfcore_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
