/* libFuzzer target: the bzImage setup header parser. Seeds: the head of the
 * installed Debian kernel ($(O)/fuzz/seeds/fuzz_bzimage, made by loader.mk). */
#include <stddef.h>
#include <stdint.h>

#include "../../arch/x86/load_x86.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct x86_bzimage bz;

	if (!ctx)
		return 0;
	if (x86_bzimage_parse(ctx, data, size, &bz) == 0) {
		/* What the loader then reads: the header copy and the kernel bytes. */
		volatile uint8_t sink = 0;

		for (size_t i = 0x1f1; i < bz.header_end; i++)
			sink ^= bz.image[i];
		sink ^= bz.kernel[0] ^ bz.kernel[bz.kernel_size - 1];
		(void)sink;
	}
	elfcore_ctx_free(ctx);
	return 0;
}
