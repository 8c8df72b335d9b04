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

#include "elfcore/codec.h"
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

/* ---- Added with the readers: what a dump says about itself. ---- */

/* Everything below is borrowed from the handle and valid until it is closed.
 * Strings are "" when the dump does not say. A handle is not thread-safe. */
struct elfcore_dump_info {
	enum elfcore_format format;     /* the container: ELF, KDUMP or FLAT */
	enum elfcore_format content;    /* ELF or KDUMP (what a FLAT stream holds) */
	unsigned nfiles;                /* > 1 for a --split set */
	int header_version;             /* kdump header_version; 0 for ELF */
	uint32_t status;                /* kdump header status flags (DUMP_DH_*) */
	enum elfcore_codec compression; /* kdump: the codec the header names; ELF: NONE */
	int dump_level;                 /* makedumpfile -d level; -1 unknown */
	uint64_t page_size;
	uint64_t max_pfn;
	uint64_t pages_present;         /* pfns the dump says exist (RAM) */
	uint64_t pages_dumped;          /* pfns the dump holds data for */
	int incomplete;                 /* flagged INCOMPLETE, truncated, or a split part missing */
	const char *incomplete_reason;  /* one line, "" when complete */
	int64_t crash_time;             /* seconds since the epoch (VMCOREINFO CRASHTIME or
					 * the kdump header's timestamp); 0 unknown */
	const char *sysname, *nodename, *release, *version, *machine; /* kdump utsname, or
					 * OSRELEASE from VMCOREINFO for release */
	uint16_t elf_machine;           /* EM_X86_64, ...; 0 unknown */
	uint64_t phys_base;             /* kdump sub header, or VMCOREINFO NUMBER(phys_base) */
	unsigned ncpus;                 /* NT_PRSTATUS notes */
	int panic_cpu;                  /* index of the panicking CPU's note; -1 unknown */
	const char *panic_cpu_reason;   /* how it was decided */
};

ELFCORE_API const struct elfcore_dump_info *elfcore_dump_info(const struct elfcore_dump *dump);

/* One CPU's NT_PRSTATUS, in note order. */
struct elfcore_dump_cpu {
	int32_t pid;                    /* pr_pid: the task running on it (0: idle) */
	int32_t signo;                  /* pr_cursig */
	size_t nregs;
	const uint64_t *regs;           /* pr_reg, in the arch's user_regs_struct order */
	const char *const *reg_names;   /* nregs names, or NULL for an unknown arch */
};
ELFCORE_API const struct elfcore_dump_cpu *elfcore_dump_cpu(const struct elfcore_dump *dump,
							    unsigned i);

/* The ELF notes of the dump (PT_NOTE contents, or the kdump sub header's
 * notes); *size 0 when none. Borrowed. */
ELFCORE_API void elfcore_dump_notes(const struct elfcore_dump *dump, const void **data,
				    size_t *size);

/* Memory ranges: the first run [*start, *end) of pfns that exist in memory
 * (kdump: 1st bitmap; ELF: PT_LOADs) ending after from; -ENOENT past the last. */
ELFCORE_API int elfcore_dump_next_range(struct elfcore_dump *dump, uint64_t from,
					uint64_t *start, uint64_t *end);

/* Walk every structure of the dump and read (decompress) every dumped page.
 * 0 when everything is sound; otherwise the first problem, -EIO (damaged or
 * incomplete) or -EINVAL (bad structure), with a message naming the block,
 * record or pfn. *pages (may be NULL) counts the pages read. */
ELFCORE_API int elfcore_dump_verify(struct elfcore_dump *dump, uint64_t *pages);

/* ---- For tools that read the page data themselves: kdump-capture maps
 * /proc/vmcore by these offsets instead of copying each page through the
 * handle. ---- */

/* A PT_LOAD of an ELF dump: filesz bytes of data at file offset `offset` hold
 * physical memory from paddr; up to memsz, memory reads as zeros. */
struct elfcore_dump_segment {
	uint64_t offset;
	uint64_t paddr, vaddr;
	uint64_t filesz, memsz;
};

/* The PT_LOADs of an ELF dump in program header order (*n may be 0),
 * checked: filesz <= memsz, no overflow; a segment past the end of the file
 * marks the dump incomplete (info). Borrowed from the handle. -ENOTSUP with
 * a message for the other formats, and for a flattened ELF stream, whose
 * offsets are not those of the file on disk. */
ELFCORE_API int elfcore_dump_segments(const struct elfcore_dump *dump,
				      const struct elfcore_dump_segment **segs, size_t *n);

/* "ELF", "kdump-compressed", "flattened". */
ELFCORE_API const char *elfcore_format_name(enum elfcore_format format);

#endif
