/* Unit tests for the per-page codecs: round trips, "raw when not smaller",
 * strict output sizes and corrupt input rejected. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elfcore/codec.h"

#define PAGE 4096

static const enum elfcore_codec all[] = {
	ELFCORE_CODEC_NONE, ELFCORE_CODEC_ZLIB, ELFCORE_CODEC_LZO, ELFCORE_CODEC_ZSTD,
};

#include "unit_ctx.h"

/* A page that compresses well: text-like, repetitive. */
static void fill_text(uint8_t *p, unsigned seed)
{
	for (size_t i = 0; i < PAGE; i++)
		p[i] = (uint8_t)("kdumpkit page "[(i + seed) % 14]);
}

/* A page that does not compress: xorshift noise. */
static void fill_noise(uint8_t *p, uint32_t seed)
{
	uint32_t x = seed | 1;

	for (size_t i = 0; i < PAGE; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static struct elfcore_codec_ctx *new_codec(enum elfcore_codec c)
{
	struct elfcore_codec_ctx *cc = NULL;

	assert_int_equal(elfcore_codec_new(ctx, c, 0, PAGE, &cc), 0);
	assert_non_null(cc);
	assert_int_equal(elfcore_codec_type(cc), c);
	return cc;
}

static void test_names(void **state)
{
	enum elfcore_codec c;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_int_equal(elfcore_codec_from_name(ctx, elfcore_codec_name(all[i]), &c), 0);
		assert_int_equal(c, all[i]);
		assert_true(elfcore_codec_supported(all[i]));
	}
	assert_int_equal(elfcore_codec_from_name(ctx, "gzip9", &c), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "gzip9"));
	assert_false(elfcore_codec_supported(ELFCORE_CODEC_SNAPPY));
	assert_string_equal(elfcore_codec_name((enum elfcore_codec)77), "?");
}

static void test_new_rejects(void **state)
{
	struct elfcore_codec_ctx *cc = (void *)1;

	assert_int_equal(elfcore_codec_new(ctx, ELFCORE_CODEC_SNAPPY, 0, PAGE, &cc), -ENOTSUP);
	assert_null(cc);
	assert_int_equal(elfcore_codec_new(ctx, (enum elfcore_codec)42, 0, PAGE, &cc), -EINVAL);
	assert_int_equal(elfcore_codec_new(ctx, ELFCORE_CODEC_ZLIB, 10, PAGE, &cc), -EINVAL);
	assert_int_equal(elfcore_codec_new(ctx, ELFCORE_CODEC_ZSTD, 0, 0, &cc), -EINVAL);
	assert_int_equal(elfcore_codec_new(ctx, ELFCORE_CODEC_ZSTD, 0, (size_t)1 << 40, &cc),
			 -EINVAL);
}

/* The same context reused for many pages of both kinds. */
static void test_round_trip(void **state)
{
	uint8_t *page = malloc(PAGE), *back = malloc(PAGE);

	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		struct elfcore_codec_ctx *cc = new_codec(all[k]);
		size_t cap = elfcore_codec_bound(all[k], PAGE);
		uint8_t *buf = malloc(cap);

		assert_true(cap >= PAGE);
		for (unsigned i = 0; i < 40; i++) {
			size_t n = 0;
			const void *out;
			int r;

			if (i & 1)
				fill_noise(page, i);
			else
				fill_text(page, i);
			/* Plain compress into a worst-case buffer. */
			assert_int_equal(elfcore_codec_compress(cc, page, PAGE, buf, cap, &n), 0);
			assert_true(n > 0 && n <= cap);
			memset(back, 0xee, PAGE);
			assert_int_equal(elfcore_codec_decompress(cc, buf, n, back, PAGE), 0);
			assert_memory_equal(page, back, PAGE);

			/* The raw-or-compressed decision. */
			r = elfcore_codec_compress_page(cc, page, PAGE, &out, &n);
			assert_true(r == 0 || r == 1);
			if (all[k] == ELFCORE_CODEC_NONE || (i & 1)) {
				/* Noise never shrinks; none never compresses. */
				assert_int_equal(r, 0);
				assert_ptr_equal(out, page);
				assert_int_equal(n, PAGE);
			} else {
				assert_int_equal(r, 1);
				assert_true(n < PAGE / 4);
				memset(back, 0, PAGE);
				assert_int_equal(elfcore_codec_decompress(cc, out, n, back, PAGE), 0);
				assert_memory_equal(page, back, PAGE);
			}
		}
		free(buf);
		elfcore_codec_free(cc);
	}
	free(page);
	free(back);
}

static void test_zero_page(void **state)
{
	uint8_t *page = calloc(1, PAGE), *back = malloc(PAGE);

	for (size_t k = 1; k < sizeof(all) / sizeof(all[0]); k++) {
		struct elfcore_codec_ctx *cc = new_codec(all[k]);
		const void *out;
		size_t n;

		assert_int_equal(elfcore_codec_compress_page(cc, page, PAGE, &out, &n), 1);
		assert_true(n < 100);
		memset(back, 1, PAGE);
		assert_int_equal(elfcore_codec_decompress(cc, out, n, back, PAGE), 0);
		assert_memory_equal(page, back, PAGE);
		elfcore_codec_free(cc);
	}
	free(page);
	free(back);
}

static void test_small_dst(void **state)
{
	uint8_t page[PAGE], small[16];

	fill_noise(page, 7);
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		struct elfcore_codec_ctx *cc = new_codec(all[k]);
		size_t n;

		assert_int_equal(elfcore_codec_compress(cc, page, PAGE, small, sizeof(small), &n),
				 -ENOSPC);
		assert_int_equal(elfcore_codec_compress(cc, page, PAGE + 1, small, sizeof(small), &n),
				 -EINVAL);
		elfcore_codec_free(cc);
	}
}

/* Size mismatches: a valid stream of a different length is refused. */
static void test_size_mismatch(void **state)
{
	uint8_t page[PAGE], back[PAGE];

	fill_text(page, 3);
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		struct elfcore_codec_ctx *cc = new_codec(all[k]);
		size_t cap = elfcore_codec_bound(all[k], PAGE), n = 0;
		uint8_t *buf = malloc(cap);

		/* Half a page compressed, read as a whole page: too short. */
		assert_int_equal(elfcore_codec_compress(cc, page, PAGE / 2, buf, cap, &n), 0);
		assert_int_equal(elfcore_codec_decompress(cc, buf, n, back, PAGE), -EINVAL);
		assert_true(strlen(elfcore_ctx_error(ctx)) > 0);
		/* A whole page compressed, read as half a page: too long. */
		assert_int_equal(elfcore_codec_compress(cc, page, PAGE, buf, cap, &n), 0);
		assert_int_equal(elfcore_codec_decompress(cc, buf, n, back, PAGE / 2), -EINVAL);
		/* More than the context's page size is refused before decoding. */
		assert_int_equal(elfcore_codec_decompress(cc, buf, n, back, PAGE * 2), -EINVAL);
		/* And the context still works afterwards. */
		assert_int_equal(elfcore_codec_decompress(cc, buf, n, back, PAGE), 0);
		assert_memory_equal(page, back, PAGE);
		free(buf);
		elfcore_codec_free(cc);
	}
}

/* Truncated, flipped and garbage inputs fail cleanly (ASan would catch overruns). */
static void test_corrupt(void **state)
{
	uint8_t page[PAGE], back[PAGE];

	fill_text(page, 5);
	for (size_t k = 1; k < sizeof(all) / sizeof(all[0]); k++) {
		struct elfcore_codec_ctx *cc = new_codec(all[k]);
		size_t cap = elfcore_codec_bound(all[k], PAGE), n = 0;
		uint8_t *buf = malloc(cap), *bad = malloc(cap);
		unsigned rejected = 0;

		assert_int_equal(elfcore_codec_compress(cc, page, PAGE, buf, cap, &n), 0);
		/* Every truncation is rejected. */
		for (size_t cut = 0; cut < n; cut++)
			assert_int_equal(elfcore_codec_decompress(cc, buf, cut, back, PAGE), -EINVAL);
		/* Bit flips: must never succeed with wrong bytes silently going past
		 * the buffer; most are rejected (lzo has no checksum, so a flip in a
		 * literal may decode to other bytes of the right length). */
		for (size_t i = 0; i < n; i++) {
			memcpy(bad, buf, n);
			bad[i] ^= 0x5a;
			if (elfcore_codec_decompress(cc, bad, n, back, PAGE) != 0)
				rejected++;
		}
		assert_true(rejected > 0);
		/* Garbage. */
		for (size_t i = 0; i < 64; i++)
			bad[i] = (uint8_t)(i * 37 + 11);
		assert_int_equal(elfcore_codec_decompress(cc, bad, 64, back, PAGE), -EINVAL);
		free(buf);
		free(bad);
		elfcore_codec_free(cc);
	}
}

static void test_none_strict(void **state)
{
	struct elfcore_codec_ctx *cc = new_codec(ELFCORE_CODEC_NONE);
	uint8_t page[PAGE], back[PAGE];

	fill_text(page, 1);
	assert_int_equal(elfcore_codec_decompress(cc, page, PAGE - 1, back, PAGE), -EINVAL);
	assert_int_equal(elfcore_codec_decompress(cc, page, PAGE, back, PAGE), 0);
	assert_memory_equal(page, back, PAGE);
	elfcore_codec_free(cc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_new_rejects),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_small_dst),
		cmocka_unit_test(test_size_mismatch),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_none_strict),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
