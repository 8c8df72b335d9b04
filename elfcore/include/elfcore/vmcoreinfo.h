/* VMCOREINFO: the KEY=value text the kernel exports for dump tools.
 *
 * The text comes from the dump and is untrusted: lines without '=', empty keys,
 * NUL bytes, over-long lines and absurd line counts are rejected with a message
 * naming the line. Values are kept as text and typed on request:
 *   SYMBOL(name)   hexadecimal address     elfcore_vmcoreinfo_symbol()
 *   OFFSET(a.b)    decimal byte offset     elfcore_vmcoreinfo_offset()
 *   SIZE(name)     decimal size            elfcore_vmcoreinfo_size()
 *   LENGTH(name)   decimal length          elfcore_vmcoreinfo_length()
 *   NUMBER(name)   signed decimal          elfcore_vmcoreinfo_number()
 *   other KEY      string                  elfcore_vmcoreinfo_string()
 * (KERNELOFFSET is hexadecimal: elfcore_vmcoreinfo_hex(); PAGESIZE, CRASHTIME
 * decimal: elfcore_vmcoreinfo_u64().)
 */
#ifndef ELFCORE_VMCOREINFO_H
#define ELFCORE_VMCOREINFO_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"

/* Limits on untrusted input; real 6.x kernels have ~250 lines of < 80 bytes. */
#define ELFCORE_VMCOREINFO_MAX_SIZE  (1u << 20)
#define ELFCORE_VMCOREINFO_MAX_LINES 8192
#define ELFCORE_VMCOREINFO_MAX_LINE  1024

struct elfcore_vmcoreinfo;

/* Parse size bytes of text (a trailing NUL padding, as in ELF notes, is
 * allowed). On success *out owns a table to release with
 * elfcore_vmcoreinfo_free(). Returns 0 or -EINVAL/-ENOMEM with a message. */
ELFCORE_API int elfcore_vmcoreinfo_parse(struct elfcore_ctx *ctx, const void *text, size_t size,
					 struct elfcore_vmcoreinfo **out);
ELFCORE_API void elfcore_vmcoreinfo_free(struct elfcore_vmcoreinfo *vi);

/* Number of entries, and entry i's key and value (borrowed from vi). */
ELFCORE_API size_t elfcore_vmcoreinfo_count(const struct elfcore_vmcoreinfo *vi);
ELFCORE_API int elfcore_vmcoreinfo_entry(const struct elfcore_vmcoreinfo *vi, size_t i,
					 const char **key, const char **value);

/* The raw value of KEY, or NULL when absent (borrowed from vi). */
ELFCORE_API const char *elfcore_vmcoreinfo_get(const struct elfcore_vmcoreinfo *vi, const char *key);

/* Typed getters: 0 on success, -ENOENT when the key is absent, -EINVAL when
 * its value is not a number of the expected form. ctx may be NULL when the
 * caller only probes for a key. */
ELFCORE_API int elfcore_vmcoreinfo_string(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
					  const char *key, const char **out);
ELFCORE_API int elfcore_vmcoreinfo_hex(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
				       const char *key, uint64_t *out);
ELFCORE_API int elfcore_vmcoreinfo_u64(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
				       const char *key, uint64_t *out);
ELFCORE_API int elfcore_vmcoreinfo_symbol(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
					  const char *name, uint64_t *addr);
ELFCORE_API int elfcore_vmcoreinfo_offset(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
					  const char *name, uint64_t *offset);
ELFCORE_API int elfcore_vmcoreinfo_size(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
					const char *name, uint64_t *size);
ELFCORE_API int elfcore_vmcoreinfo_length(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
					  const char *name, uint64_t *length);
ELFCORE_API int elfcore_vmcoreinfo_number(struct elfcore_ctx *ctx, const struct elfcore_vmcoreinfo *vi,
					  const char *name, int64_t *number);

#endif
