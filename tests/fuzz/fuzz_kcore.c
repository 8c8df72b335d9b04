/* libFuzzer target: the parser of /proc/kcore's ELF header and program headers
 * (kdump-load reads the direct-map base and the kernel's physical start there). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	static struct ld_machine m;

	if (!ctx)
		return 0;
	memset(&m, 0, sizeof(m));
	ld_kcore_parse(ctx, data, size, &m);
	elfcore_ctx_free(ctx);
	return 0;
}
