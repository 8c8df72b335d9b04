/* kdump-inspect verify DUMP: walk every structure and read (decompress)
 * every dumped page; name the first bad block, record or page. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dumpset.h"

int cmd_verify(int argc, char **argv)
{
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
	ret = elfcore_dump_verify(kv.dump, &pages);
	if (ret) {
		code = kview_fail(&kv, ret);
		/* The pages before the bad one were fine: say how far it got. */
		if (pages)
			fprintf(stderr, "kdump-inspect: %s: %" PRIu64 " of %" PRIu64 " dumped pages read "
			"before the problem\n", kv.path, pages, in->pages_dumped);
	} else {
		printf("%s: OK: %s, %" PRIu64 " pages read and checked\n", kv.path,
		       elfcore_format_name(in->format), pages);
		code = fflush(stdout) == 0 ? KV_EXIT_OK : KV_EXIT_USAGE;
	}
	kview_close(&kv);
	return code;
}
