/* kdump-inspect verify DUMP: walk every structure and read (decompress)
 * every dumped page; name the first bad block, record or page. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elfcore/manifest.h"

#include "commands.h"
#include "dumpset.h"

/* The checksum manifest beside a dump (DUMP.sha256), when there is one:
 * it says whether the bytes are the ones the capture wrote, and where not. */
static int check_manifest(struct kview *kv, const char *path, int *checked)
{
	char mpath[4096];
	struct elfcore_manifest_result res;
	int ret;

	snprintf(mpath, sizeof(mpath), "%s%s", path, ELFCORE_MANIFEST_SUFFIX);
	if (access(mpath, F_OK) != 0)
		return KV_EXIT_OK;
	ret = elfcore_manifest_verify(kv->ctx, mpath, path, &res);
	if (ret) {
		fprintf(stderr, "kdump-inspect: %s: checksum manifest %s: %s\n", path, mpath,
			elfcore_ctx_error(kv->ctx));
		return ret == -EIO || ret == -EINVAL ? KV_EXIT_DAMAGED : KV_EXIT_USAGE;
	}
	(*checked)++;
	return KV_EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
	int manifests = 0;
	const struct elfcore_dump_info *in;
	struct kview kv;
	uint64_t pages = 0;
	int code, ret;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			kview_usage_error("verify: unknown option %s", argv[i]);
			return KV_EXIT_USAGE;
		}
	}
	if (argc < 2) {
		kview_usage_error("usage: kdump-inspect verify DUMP [SPLIT_PART...]");
		return KV_EXIT_USAGE;
	}
	code = dumpset_open(&kv, argv + 1, argc - 1);
	if (code)
		return code;
	in = elfcore_dump_info(kv.dump);
	for (int i = 1; i < argc; i++) {
		code = check_manifest(&kv, argv[i], &manifests);
		if (code) {
			kview_close(&kv);
			return code;
		}
	}
	ret = elfcore_dump_verify(kv.dump, &pages);
	if (ret) {
		code = kview_fail(&kv, ret);
		/* The pages before the bad one were fine: say how far it got. */
		if (pages)
			fprintf(stderr, "kdump-inspect: %s: %" PRIu64 " of %" PRIu64 " dumped pages read "
			"before the problem\n", kv.path, pages, in->pages_dumped);
	} else {
		printf("%s: OK: %s, %" PRIu64 " pages read and checked%s\n", kv.path,
		       elfcore_format_name(in->format), pages,
		       manifests ? ", checksum manifest matches" : "");
		code = fflush(stdout) == 0 ? KV_EXIT_OK : KV_EXIT_USAGE;
	}
	kview_close(&kv);
	return code;
}
