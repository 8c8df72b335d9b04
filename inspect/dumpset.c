#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dumpset.h"

int dumpset_open(struct kview *kv, char **paths, int n)
{
	int ret;

	if (n == 1)
		return kview_open(kv, paths[0], 0);
	memset(kv, 0, sizeof(*kv));
	kv->path = paths[0];
	kv->ctx = elfcore_ctx_new();
	if (!kv->ctx) {
		fprintf(stderr, "kdump-inspect: out of memory\n");
		return KV_EXIT_USAGE;
	}
	ret = elfcore_dump_open_split(kv->ctx, (const char *const *)paths, (size_t)n, &kv->dump);
	if (ret) {
		int code = ret == -ENOENT || ret == -EACCES || ret == -EISDIR ? KV_EXIT_USAGE
									   : kview_exit_code(ret);

		kview_fail(kv, ret);
		kview_close(kv);
		return code;
	}
	return KV_EXIT_OK;
}
