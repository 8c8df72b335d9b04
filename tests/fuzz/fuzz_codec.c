/* libFuzzer target: per-page decompression of every codec on arbitrary input.
 * The first byte picks the codec and the expected size; the rest is the data. */
#include <stdint.h>
#include <stddef.h>

#include "elfcore/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum elfcore_codec codecs[] = {
		ELFCORE_CODEC_NONE, ELFCORE_CODEC_ZLIB, ELFCORE_CODEC_LZO, ELFCORE_CODEC_ZSTD,
	};
	static uint8_t out[4096];
	struct elfcore_ctx *ctx;
	struct elfcore_codec_ctx *cc = NULL;
	size_t expected;

	if (size < 1)
		return 0;
	expected = (data[0] & 0x80) ? 4096 : (size_t)(data[0] & 0x7c) * 32;
	ctx = elfcore_ctx_new();
	if (!ctx)
		return 0;
	if (elfcore_codec_new(ctx, codecs[data[0] & 3], 0, sizeof(out), &cc) == 0) {
		elfcore_codec_decompress(cc, data + 1, size - 1, out, expected);
		elfcore_codec_free(cc);
	}
	elfcore_ctx_free(ctx);
	return 0;
}
