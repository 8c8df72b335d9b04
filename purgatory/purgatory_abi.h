/* The contract between kdump-load and its purgatory: every variable the loader
 * patches into the relocated purgatory lives in one struct, found by the symbol
 * PURGATORY_PARAMS_SYMBOL. Shared by loader (host C), purgatory (freestanding C)
 * and purgatory/entry.S (offsets below, checked against the struct in C).
 *
 * The loader fills it in after it has placed every segment:
 *   entry        64-bit entry of the capture kernel (load address + 0x200)
 *   boot_params  physical address of struct boot_params, passed in %rsi
 *   stack_top    top of the purgatory's stack (inside the purgatory segment)
 *   backup_*     copy backup_len bytes from backup_src to backup_dst once the
 *                digests are checked
 *   regions      one SHA-256 digest per segment with contents (the bufsz
 *                bytes; not the purgatory itself, not the zero-filled backup
 *                segment); a mismatch halts the CPU
 */
#ifndef KDUMPKIT_PURGATORY_ABI_H
#define KDUMPKIT_PURGATORY_ABI_H

#define PURGATORY_PARAMS_SYMBOL  "purgatory_params"
#define PURGATORY_ENTRY_SYMBOL   "purgatory_start"
#define PURGATORY_MAGIC          0x4b44554d50475431ULL /* "KDUMPGT1" */
#define PURGATORY_MAX_REGIONS    16
#define PURGATORY_STACK_SIZE     16384

/* Byte offsets used by entry.S. */
#define PURGATORY_OFF_ENTRY       8
#define PURGATORY_OFF_BOOT_PARAMS 16
#define PURGATORY_OFF_STACK_TOP   24

#ifndef __ASSEMBLER__
#include <stdint.h>

struct purgatory_region {
	uint64_t start;
	uint64_t len;
	uint8_t digest[32];
};

struct purgatory_params {
	uint64_t magic;
	uint64_t entry;
	uint64_t boot_params;
	uint64_t stack_top;
	uint64_t backup_src;
	uint64_t backup_dst;
	uint64_t backup_len;
	uint32_t console_port;      /* 16550 I/O port for messages, 0 = silent */
	uint32_t nr_regions;
	struct purgatory_region regions[PURGATORY_MAX_REGIONS];
};

_Static_assert(__builtin_offsetof(struct purgatory_params, entry) == PURGATORY_OFF_ENTRY, "abi");
_Static_assert(__builtin_offsetof(struct purgatory_params, boot_params) == PURGATORY_OFF_BOOT_PARAMS, "abi");
_Static_assert(__builtin_offsetof(struct purgatory_params, stack_top) == PURGATORY_OFF_STACK_TOP, "abi");
#endif

#endif
