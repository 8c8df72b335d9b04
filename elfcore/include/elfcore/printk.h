/* The kernel log of a dumped kernel, read through a kernel view.
 *
 * Three layouts, picked from VMCOREINFO, every offset taken from it:
 *  - the lockless ringbuffer of 5.10+ (SYMBOL(prb), OFFSET(printk_ringbuffer.*),
 *    prb_desc_ring, prb_desc, prb_data_ring, printk_info);
 *  - the variable-length records of 3.5 to 5.9 (SYMBOL(log_buf),
 *    log_first_idx, log_next_idx, struct printk_log);
 *  - the plain text buffer of older kernels (SYMBOL(log_end)).
 * Damaged rings (loops, indexes outside the buffer, absurd sizes) give an
 * error with a message, never a crash or a hang.
 */
#ifndef ELFCORE_PRINTK_H
#define ELFCORE_PRINTK_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/kernel.h"

/* Caps on sizes read from the dump (a kernel booted with log_buf_len=256M
 * stays inside them). */
#define ELFCORE_PRINTK_MAX_RING (UINT64_C(1) << 28)    /* text bytes */
#define ELFCORE_PRINTK_MAX_DESC_BITS 23                 /* descriptors */

struct elfcore_printk_record {
	uint64_t seq;           /* sequence number (lockless ring: the descriptor id) */
	uint64_t ts_nsec;       /* timestamp, nanoseconds since boot */
	const char *text;       /* text_len bytes, not NUL-terminated; borrowed */
	size_t text_len;
};

/* Output callback: write len bytes, return 0 or a negative errno. */
typedef int (*elfcore_printk_write_fn)(void *arg, const void *buf, size_t len);

/* Call cb for every record, oldest first; a non-zero return from cb stops
 * the walk and is returned. Kernels older than 3.5 have no records:
 * -ENOTSUP (elfcore_printk_dump() still prints their log). */
ELFCORE_API int elfcore_printk_foreach(struct elfcore_kernel *k,
				       int (*cb)(void *arg, const struct elfcore_printk_record *rec),
				       void *arg);

/* Format one record exactly as makedumpfile --dump-dmesg (1.7.x) does:
 * "[%5llu.%06lu] " then the text, a newline inside the text followed by as
 * many spaces as the prefix is wide, bytes that are neither printable nor
 * white space in the C locale as \xNN (bytes >= 0x80 as \xffffffNN, as a
 * signed char prints), and a final newline. */
ELFCORE_API int elfcore_printk_format(const struct elfcore_printk_record *rec,
				      elfcore_printk_write_fn write, void *arg);

/* The whole log, formatted as makedumpfile --dump-dmesg writes it. */
ELFCORE_API int elfcore_printk_dump(struct elfcore_kernel *k, elfcore_printk_write_fn write,
				    void *arg);

#endif
