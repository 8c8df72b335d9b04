/* Dump writers: kdump-compressed, ELF64 core, and the flattened stream.
 *
 * The writer streams a dump into a sink (elfcore/sink.h) in bounded memory,
 * whatever the dump size: no per-page table is ever held. It works in two
 * passes over the caller's page bitmap, cycle by cycle (as makedumpfile's
 * cyclic mode), because the kdump layout puts the page descriptors, whose
 * count must be known, before the page data:
 *
 *   elfcore_writer_new()
 *   pass 1: elfcore_writer_plan(start, n, bits)          for every cycle, ascending
 *   pass 2: elfcore_writer_begin_cycle(start, n, bits)   same cycles, same bits
 *              elfcore_writer_write_page()/_write_encoded()/_drop_page()
 *              for every pfn whose bit is set, in ascending pfn order
 *   elfcore_writer_finish()       final headers; then elfcore_sink_commit()
 *   elfcore_writer_free()
 *
 * Cycles: the first starts at pfn 0, each starts where the previous ended and
 * at a multiple of 8; together they cover [0, max_pfn). bits: bit i (LSB
 * first within each byte) = pfn start+i is dumped; the caller keeps the
 * buffer valid and unchanged until the next begin_cycle() or finish().
 *
 * Formats:
 *   KDUMP  kdump-compressed (makedumpfile -c/-l/-z/-p layout, header v6),
 *          pages compressed one by one, raw when not smaller, zero pages
 *          sharing one stored page;
 *   FLAT   the same bytes as KDUMP, for a sequential output: the caller gives
 *          a flat sink (elfcore_sink_flat_new()); `makedumpfile -R` turns the
 *          stream into the identical KDUMP file;
 *   ELF    ELF64 core: one PT_NOTE, PT_LOADs with p_paddr, excluded runs of at
 *          least elf_min_gap pages left out by splitting PT_LOADs, shorter
 *          runs stored as zeros (as makedumpfile -E).
 * doc/formats.md draws the layouts.
 *
 * Never a fake dump: the header goes out first marked incomplete (kdump
 * status INCOMPLETE, ELF e_flags 1) and only a successful finish() rewrites
 * it clean. After any error (the sink's errors are sticky), calls return the
 * first error; finish() then flushes what it can and leaves the mark, and
 * elfcore_sink_close() without commit keeps or discards the file.
 *
 * Threads: a writer is used by one thread. Compression can run elsewhere:
 * each worker thread owns an elfcore_page_encoder, and the writer thread
 * passes the results, in pfn order, to elfcore_writer_write_encoded().
 */
#ifndef ELFCORE_WRITER_H
#define ELFCORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/codec.h"
#include "elfcore/context.h"
#include "elfcore/dump.h"
#include "elfcore/sink.h"

struct elfcore_writer;

/* A range of physical memory (a PT_LOAD of /proc/vmcore). */
struct elfcore_mem_range {
	uint64_t paddr;
	uint64_t vaddr;      /* its virtual address (p_vaddr), 0 if none */
	uint64_t size;
};

/* The kernel's struct new_utsname, for the kdump header. */
struct elfcore_utsname {
	const char *sysname, *nodename, *release, *version, *machine, *domainname;
};

/* opts.flags */
#define ELFCORE_WRITER_EXCLUDED_VMEMMAP 0x1u  /* kdump status flag 0x10 */

struct elfcore_writer_opts {
	size_t size;                      /* sizeof(struct elfcore_writer_opts) */
	enum elfcore_format format;       /* ELFCORE_FORMAT_KDUMP, _FLAT or _ELF */
	enum elfcore_codec codec;         /* kdump/flat: page compression (NONE ok) */
	int level;                        /* codec level, 0 = fast default */
	uint32_t page_size;               /* 0 = 4096 */
	uint64_t max_pfn;                 /* one past the highest pfn */
	/* Physical memory, sorted by paddr, not overlapping (copied). Pages
	 * outside every range may still be dumped. With no ranges, the memory is
	 * what is dumped: kdump's first bitmap = the second; ELF PT_LOADs are the
	 * runs of dumped pages with p_vaddr = vaddr_base + paddr (or 0). */
	const struct elfcore_mem_range *ranges;
	size_t nr_ranges;
	uint64_t vaddr_base;
	/* The ELF notes of the dumped kernel (PT_NOTE contents: NT_PRSTATUS per
	 * CPU, VMCOREINFO, ...), copied into the output; may be NULL. Parsed
	 * with bounds checks to find VMCOREINFO and count the CPUs. */
	const void *notes;
	size_t notes_size;
	/* kdump header fields. */
	struct elfcore_utsname uts;       /* NULL members: "" (release: OSRELEASE of VMCOREINFO,
					   * sysname "Linux", machine "x86_64") */
	int64_t tv_sec, tv_usec;          /* crash time; 0: CRASHTIME of VMCOREINFO */
	uint64_t phys_base;
	int dump_level;
	int nr_cpus;                      /* 0: the number of NT_PRSTATUS notes */
	uint32_t current_cpu;
	unsigned flags;                   /* ELFCORE_WRITER_* */
	/* ELF: e_machine (0 = EM_X86_64); excluded runs shorter than elf_min_gap
	 * pages are stored as zeros inside a PT_LOAD (0 = 256, as makedumpfile;
	 * 1 = every excluded page splits). */
	uint16_t elf_machine;
	uint64_t elf_min_gap;
};

/* A page ready to store: what an encoder produced, or raw data. */
struct elfcore_encoded_page {
	uint64_t pfn;
	const void *data;                 /* stored bytes; ignored when zero */
	uint32_t size;                    /* bytes at data; page_size when raw */
	enum elfcore_codec codec;         /* NONE: raw page */
	int zero;                         /* all zeros: stored as the shared zero page */
};

/* Start a writer on sink (borrowed: the caller commits and closes it; it must
 * not be sequential: wrap a stream in elfcore_sink_flat_new()). Reports into
 * the sink's context. Nothing is written before the first begin_cycle(). */
ELFCORE_API int elfcore_writer_new(struct elfcore_sink *sink,
				   const struct elfcore_writer_opts *opts,
				   struct elfcore_writer **out);

/* Pass 1: account for the dumped pages of [start, start+n). */
ELFCORE_API int elfcore_writer_plan(struct elfcore_writer *w, uint64_t start, uint64_t n,
				    const uint8_t *bits);

/* Pass 2: the first call writes the headers and notes. Each call writes the
 * cycle's part of the bitmaps and expects its dumped pages next. */
ELFCORE_API int elfcore_writer_begin_cycle(struct elfcore_writer *w, uint64_t start, uint64_t n,
					   const uint8_t *bits);

/* Store page pfn from its page_size bytes: zero detection and compression
 * with the writer's codec happen here. */
ELFCORE_API int elfcore_writer_write_page(struct elfcore_writer *w, uint64_t pfn,
					  const void *page);
/* Store a page an encoder prepared (or raw data with codec NONE). ELF takes
 * only raw or zero pages. */
ELFCORE_API int elfcore_writer_write_encoded(struct elfcore_writer *w,
					     const struct elfcore_encoded_page *page);
/* Zero-copy writing of a batch: between hold_begin() and hold_end(), the
 * data of the pages given to elfcore_writer_write_encoded() is not copied;
 * pages whose data lie back to back in memory and in the file go out in one
 * write, by hold_end() at the latest, so the caller must leave that memory
 * untouched until hold_end() returns (a run shorter than 256 KiB is copied
 * after all, to be written with what follows). hold_end() returns the first error of
 * the writer (sticky), if any. A flattened stream is written with copies as
 * usual, so that its records do not depend on the batches. */
ELFCORE_API int elfcore_writer_hold_begin(struct elfcore_writer *w);
ELFCORE_API int elfcore_writer_hold_end(struct elfcore_writer *w);
/* Page pfn could not be read: kdump leaves it out (its bit in the second
 * bitmap is cleared), ELF stores zeros. Counted in stats.dropped. */
ELFCORE_API int elfcore_writer_drop_page(struct elfcore_writer *w, uint64_t pfn);

/* Check every page arrived, flush, and rewrite the headers without the
 * incomplete mark. Returns the first error of the whole write (then the
 * output stays marked incomplete). Does not commit the sink. */
ELFCORE_API int elfcore_writer_finish(struct elfcore_writer *w);
/* Free the writer; without a successful finish(), flushes what it can first
 * (best effort) so the pages written so far stay readable. NULL allowed. */
ELFCORE_API void elfcore_writer_free(struct elfcore_writer *w);

struct elfcore_writer_stats {
	uint64_t planned;        /* pages counted by plan() */
	uint64_t written;        /* pages stored (zero + raw + compressed) */
	uint64_t zero;           /* stored as the shared zero page (ELF: zeros) */
	uint64_t raw;            /* stored uncompressed */
	uint64_t compressed;
	uint64_t dropped;        /* drop_page() */
	uint64_t segments;       /* ELF: PT_LOADs */
	uint64_t bytes;          /* output size so far */
};
ELFCORE_API void elfcore_writer_stats(const struct elfcore_writer *w,
				      struct elfcore_writer_stats *st);

/* ---- Page encoders: compression off the writer thread ---------------------- */

struct elfcore_page_encoder;

/* One encoder per thread; ctx receives its messages (one per thread too). */
ELFCORE_API int elfcore_page_encoder_new(struct elfcore_ctx *ctx, enum elfcore_codec codec,
					 int level, uint32_t page_size,
					 struct elfcore_page_encoder **out);
ELFCORE_API void elfcore_page_encoder_free(struct elfcore_page_encoder *enc);
/* Encode one page: zero check, then compression, raw when not smaller.
 * out->data points into the encoder or into page; valid until the next call
 * on enc (copy it to hand it to another thread). */
ELFCORE_API int elfcore_page_encode(struct elfcore_page_encoder *enc, uint64_t pfn,
				    const void *page, struct elfcore_encoded_page *out);
/* The same, compressing into dst (dst_cap bytes, elfcore_page_encode_bound()
 * to compress in place): out->data is dst when the page was compressed, page
 * when it is stored raw. */
ELFCORE_API int elfcore_page_encode_into(struct elfcore_page_encoder *enc, uint64_t pfn,
					 const void *page, void *dst, size_t dst_cap,
					 struct elfcore_encoded_page *out);
/* Bytes of dst for elfcore_page_encode_into() to compress in place (>= the
 * largest out->size). */
ELFCORE_API size_t elfcore_page_encode_bound(enum elfcore_codec codec, uint32_t page_size);

/* kdump page_desc / header flag of a codec (0 for NONE, -1 unsupported). */
ELFCORE_API int elfcore_kdump_codec_flag(enum elfcore_codec codec);

#endif
