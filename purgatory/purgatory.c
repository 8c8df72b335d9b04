/* The purgatory: runs between the crashed kernel and the capture kernel.
 *
 * relocate_kernel jumps here (entry.S) in 64-bit mode with identity-mapped
 * page tables. We check a SHA-256 digest of every segment the loader placed
 * in the crashkernel region, and only when all match copy the backup region
 * (the first kernel's low memory, which the capture kernel will reuse) and
 * return to entry.S, which jumps to the capture kernel. A mismatch means the
 * staged kernel was overwritten since it was loaded: we halt rather than boot
 * corrupted code. */
#include "purgatory_abi.h"
#include "sha256.h"

void purgatory_main(void);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* Filled in by kdump-load; in .data so that it is part of the image. */
struct purgatory_params purgatory_params __attribute__((section(".data"))) = {
	.magic = PURGATORY_MAGIC,
};

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void put_char(char c)
{
	uint16_t port = (uint16_t)purgatory_params.console_port;
	unsigned spin;

	if (!port)
		return;
	/* Wait for the transmitter holding register to empty, but not forever. */
	for (spin = 0; spin < 100000 && !(inb(port + 5) & 0x20); spin++)
		;
	outb(port, (uint8_t)c);
}

static void put_str(const char *s)
{
	while (*s) {
		if (*s == '\n')
			put_char('\r');
		put_char(*s++);
	}
}

static void put_hex(uint64_t v)
{
	int shift;

	put_str("0x");
	for (shift = 60; shift >= 0; shift -= 4)
		put_char("0123456789abcdef"[(v >> shift) & 0xf]);
}

static __attribute__((noreturn)) void halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static int digest_ok(const struct purgatory_region *r)
{
	struct sha256_state st;
	uint8_t digest[SHA256_DIGEST_SIZE];
	unsigned i;
	uint8_t diff = 0;

	pg_sha256_init(&st);
	pg_sha256_update(&st, (const void *)(uintptr_t)r->start, r->len);
	pg_sha256_final(&st, digest);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		diff |= digest[i] ^ r->digest[i];
	return diff == 0;
}

void purgatory_main(void)
{
	struct purgatory_params *p = &purgatory_params;
	uint32_t i;

	if (p->magic != PURGATORY_MAGIC || p->nr_regions > PURGATORY_MAX_REGIONS) {
		put_str("kdumpkit purgatory: parameters not set, halting\n");
		halt();
	}
	for (i = 0; i < p->nr_regions; i++) {
		if (!digest_ok(&p->regions[i])) {
			put_str("kdumpkit purgatory: SHA-256 mismatch in segment at ");
			put_hex(p->regions[i].start);
			put_str(", not booting the capture kernel\n");
			halt();
		}
	}
	if (p->backup_len)
		memcpy((void *)(uintptr_t)p->backup_dst, (const void *)(uintptr_t)p->backup_src,
		       p->backup_len);
	put_str("kdumpkit purgatory: digests ok, starting the capture kernel\n");
}
