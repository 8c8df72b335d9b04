/* kdump-inspect symbol DUMP NAME: the address VMCOREINFO gives for a symbol
 * (SYMBOL(NAME)), as 0x-prefixed hexadecimal; with no NAME, every symbol. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kview.h"
#include "cmd_kernel.h"

int cmd_symbol(int argc, char **argv)
{
	const struct elfcore_vmcoreinfo *vi;
	struct kview kv;
	char name[256];
	uint64_t addr;
	int ret, code;

	if (argc != 2 && argc != 3) {
		kview_usage_error("usage: kdump-inspect symbol DUMP [NAME]");
		return KV_EXIT_USAGE;
	}
	code = kview_open(&kv, argv[1], 0);
	if (code)
		return code;
	vi = elfcore_dump_vmcoreinfo(kv.dump);
	if (!vi) {
		fprintf(stderr, "kdump-inspect: %s: the dump has no VMCOREINFO\n", kv.path);
		kview_close(&kv);
		return KV_EXIT_DAMAGED;
	}
	if (argc == 2) {
		for (size_t i = 0; i < elfcore_vmcoreinfo_count(vi); i++) {
			const char *key, *value;

			elfcore_vmcoreinfo_entry(vi, i, &key, &value);
			if (strncmp(key, "SYMBOL(", 7) == 0 && elfcore_vmcoreinfo_hex(NULL, vi, key, &addr) == 0)
				printf("0x%016" PRIx64 " %.*s\n", addr, (int)(strlen(key) - 8), key + 7);
		}
		kview_close(&kv);
		return KV_EXIT_OK;
	}
	/* Accept "SYMBOL(name)" as well as "name". */
	snprintf(name, sizeof(name), "%s", argv[2]);
	if (strncmp(name, "SYMBOL(", 7) == 0 && name[strlen(name) - 1] == ')') {
		name[strlen(name) - 1] = '\0';
		memmove(name, name + 7, strlen(name + 7) + 1);
	}
	ret = elfcore_vmcoreinfo_symbol(kv.ctx, vi, name, &addr);
	if (ret) {
		fprintf(stderr, "kdump-inspect: %s: %s\n", kv.path, elfcore_ctx_error(kv.ctx));
		kview_close(&kv);
		return ret == -ENOENT ? KV_EXIT_USAGE : KV_EXIT_DAMAGED;
	}
	printf("0x%016" PRIx64 "\n", addr);
	kview_close(&kv);
	return KV_EXIT_OK;
}
