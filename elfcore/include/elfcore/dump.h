/* Reading a dump: one handle over every format elfcore understands.
 *
 * Formats (ELF64 vmcore, kdump-compressed, flattened, makedumpfile --split
 * sets) are backends behind a format ops table (elfcore/format_priv.h); this
 * header is what tools see. All functions return 0 or a negative errno and
 * leave a message in the context given to elfcore_dump_open().
 */
#ifndef ELFCORE_DUMP_H
#define ELFCORE_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"
#include "elfcore/vmcoreinfo.h"

struct elfcore_dump;

enum elfcore_format {
	ELFCORE_FORMAT_ELF = 1,     /* ELF64 core: /proc/vmcore, makedumpfile -E */
	ELFCORE_FORMAT_KDUMP,       /* kdump-compressed (diskdump) */
	ELFCORE_FORMAT_FLAT,        /* makedumpfile flattened stream (-F) */
};

/* Open the dump in path; the format is probed from its first bytes.
 * ctx must outlive the handle; errors are reported into it. */
ELFCORE_API int elfcore_dump_open(struct elfcore_ctx *ctx, const char *path,
				  struct elfcore_dump **out);
/* Open a makedumpfile --split set: n files that together hold one dump. */
ELFCORE_API int elfcore_dump_open_split(struct elfcore_ctx *ctx, const char *const *paths,
					size_t n, struct elfcore_dump **out);
ELFCORE_API void elfcore_dump_close(struct elfcore_dump *dump);

ELFCORE_API enum elfcore_format elfcore_dump_format(const struct elfcore_dump *dump);
ELFCORE_API uint64_t elfcore_dump_page_size(const struct elfcore_dump *dump);
/* One past the highest pfn the dump describes. */
ELFCORE_API uint64_t elfcore_dump_max_pfn(const struct elfcore_dump *dump);
/* The dump's VMCOREINFO (NULL when it has none); borrowed from the handle. */
ELFCORE_API const struct elfcore_vmcoreinfo *elfcore_dump_vmcoreinfo(const struct elfcore_dump *dump);

/* Copy page pfn into buf (page_size bytes). -ENOENT: the page is not in the
 * dump (excluded or no RAM there); -EIO: it should be there but the dump is
 * incomplete or damaged (the message says which). */
ELFCORE_API int elfcore_dump_read_page(struct elfcore_dump *dump, uint64_t pfn, void *buf);

/* Copy len bytes of physical memory from paddr, across pages. */
ELFCORE_API int elfcore_dump_read_phys(struct elfcore_dump *dump, uint64_t paddr, void *buf,
				       size_t len);

/* The first pfn >= from that the dump holds data for, in *pfn; -ENOENT past the last. */
ELFCORE_API int elfcore_dump_next_pfn(struct elfcore_dump *dump, uint64_t from, uint64_t *pfn);

#endif
