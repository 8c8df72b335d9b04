#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kview.h"

int kview_exit_code(int err)
{
	switch (-err) {
	case 0:
		return KV_EXIT_OK;
	case EACCES: case EISDIR: case ENOTDIR: case EPERM: case ENOSPC: case EPIPE: case ENOMEM:
	case ENOSYS:
		return KV_EXIT_USAGE;
	default:
		return KV_EXIT_DAMAGED;
	}
}

int kview_fail(struct kview *kv, int err)
{
	const char *msg = kv->ctx ? elfcore_ctx_error(kv->ctx) : "";

	if (!msg[0])
		msg = strerror(-err);
	/* The readers' messages may already start with the file name. */
	if (strncmp(msg, kv->path, strlen(kv->path)) == 0)
		fprintf(stderr, "kdump-inspect: %s\n", msg);
	else
		fprintf(stderr, "kdump-inspect: %s: %s\n", kv->path, msg);
	return kview_exit_code(err);
}

int kview_open(struct kview *kv, const char *path, int want_kernel)
{
	int ret;

	memset(kv, 0, sizeof(*kv));
	kv->path = path;
	kv->ctx = elfcore_ctx_new();
	if (!kv->ctx) {
		fprintf(stderr, "kdump-inspect: out of memory\n");
		return KV_EXIT_USAGE;
	}
	ret = elfcore_dump_open(kv->ctx, path, &kv->dump);
	if (ret) {
		/* A file that cannot be opened is an I/O error, not a damaged dump. */
		int code = ret == -ENOENT || ret == -EACCES || ret == -EISDIR ? KV_EXIT_USAGE
									   : kview_exit_code(ret);

		kview_fail(kv, ret);
		kview_close(kv);
		return code;
	}
	if (want_kernel) {
		ret = elfcore_kernel_open(kv->ctx, kv->dump, &kv->kernel);
		if (ret) {
			int code = kview_fail(kv, ret);

			kview_close(kv);
			return code;
		}
	}
	return KV_EXIT_OK;
}

void kview_close(struct kview *kv)
{
	elfcore_kernel_close(kv->kernel);
	if (kv->dump)
		elfcore_dump_close(kv->dump);
	elfcore_ctx_free(kv->ctx);
	memset(kv, 0, sizeof(*kv));
}

int kview_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10, digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else {
		for (const char *p = s; *p; p++)
			if ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
				base = 16;
	}
	for (; *s; s++, digits++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + d;
	}
	if (!digits)
		return -1;
	*out = v;
	return 0;
}

void kview_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kdump-inspect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
