/* The purgatory's SHA-256, compiled for the host from the same source, against
 * the FIPS 180-4 / NIST example vectors and against OpenSSL on odd chunkings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "../../purgatory/sha256.h"

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check(const void *data, size_t len, const char *want)
{
	struct sha256_state s;
	uint8_t d[32];
	char got[65];

	pg_sha256_init(&s);
	pg_sha256_update(&s, data, len);
	pg_sha256_final(&s, d);
	hex(d, got);
	assert_string_equal(got, want);
}

static void test_vectors(void **state)
{
	check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	      112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	char *a = malloc(1000000);

	assert_non_null(a);
	memset(a, 'a', 1000000);
	check(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Every length around the block and padding boundaries, fed in uneven chunks. */
static void test_against_openssl(void **state)
{
	uint8_t buf[300], mine[32], ref[32];
	unsigned rl;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		struct sha256_state s;
		size_t pos = 0, step = 1 + len % 7;

		pg_sha256_init(&s);
		while (pos < len) {
			size_t n = len - pos < step ? len - pos : step;

			pg_sha256_update(&s, buf + pos, n);
			pos += n;
			step = step * 3 % 70 + 1;
		}
		pg_sha256_final(&s, mine);
		assert_true(EVP_Digest(buf, len, ref, &rl, EVP_sha256(), NULL));
		assert_memory_equal(mine, ref, 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_against_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
