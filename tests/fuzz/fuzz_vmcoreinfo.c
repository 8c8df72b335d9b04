/* libFuzzer target: the VMCOREINFO parser and every typed getter on its output. */
#include <stdint.h>
#include <stddef.h>

#include "elfcore/vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct elfcore_vmcoreinfo *vi = NULL;

	if (!ctx)
		return 0;
	if (elfcore_vmcoreinfo_parse(ctx, data, size, &vi) == 0) {
		for (size_t i = 0; i < elfcore_vmcoreinfo_count(vi); i++) {
			const char *key, *value;
			uint64_t u;
			int64_t n;

			elfcore_vmcoreinfo_entry(vi, i, &key, &value);
			elfcore_vmcoreinfo_hex(ctx, vi, key, &u);
			elfcore_vmcoreinfo_u64(ctx, vi, key, &u);
			elfcore_vmcoreinfo_symbol(ctx, vi, key, &u);
			elfcore_vmcoreinfo_number(ctx, vi, key, &n);
		}
		elfcore_vmcoreinfo_free(vi);
	}
	elfcore_ctx_free(ctx);
	return 0;
}
