/* SHA-256 (FIPS 180-4), freestanding: built into the purgatory and, from the
 * same source, into a host unit test checked against known vectors. */
#ifndef KDUMPKIT_PURGATORY_SHA256_H
#define KDUMPKIT_PURGATORY_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

struct sha256_state {
	uint32_t h[8];
	uint64_t length;        /* bytes hashed so far */
	uint8_t block[64];
	unsigned fill;          /* bytes waiting in block */
};

void pg_sha256_init(struct sha256_state *s);
void pg_sha256_update(struct sha256_state *s, const void *data, size_t len);
void pg_sha256_final(struct sha256_state *s, uint8_t out[SHA256_DIGEST_SIZE]);

#endif
