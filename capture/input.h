/* kdump-capture's input: an ELF vmcore (/proc/vmcore or a copy of one).
 *
 * elfcore's dump reader parses the program headers and notes (untrusted, with
 * bounds checks) and gives the segments' file offsets (elfcore_dump_segments);
 * page data is then reached through mmap() of the file where the kernel
 * allows it (/proc/vmcore does since 3.11) and pread() otherwise (--no-mmap,
 * or after mmap failed once), one window per thread so the resident set
 * stays small whatever the dump size.
 */
#ifndef CAPTURE_INPUT_H
#define CAPTURE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"
#include "elfcore/dump.h"
#include "elfcore/vmcoreinfo.h"
#include "elfcore/writer.h"

struct cap_load {
	uint64_t paddr, vaddr, filesz, memsz, offset;
};

#define CAP_PHYS_CACHE 64

struct cap_input {
	struct elfcore_ctx *ctx;
	const char *path;
	struct elfcore_dump *dump;    /* the headers and notes */
	int fd;                       /* the page data */
	int use_mmap;                 /* 0 after mmap failed once, or when disabled */
	uint32_t page_size;
	uint16_t machine;
	struct cap_load *loads;       /* PT_LOADs sorted by paddr */
	size_t nloads;
	const uint8_t *notes;         /* the PT_NOTE contents, concatenated (dump's) */
	size_t notes_size;
	const struct elfcore_vmcoreinfo *vi;  /* the dump's; NULL when it has none */
	uint64_t max_pfn;
	/* RAM ranges for the writer: merged, non-overlapping */
	struct elfcore_mem_range *ranges;
	size_t nranges;
	unsigned ncpus;               /* NT_PRSTATUS notes */
	/* cap_input_read_phys()'s cache of whole pages (the kernel view's
	 * thread only): slot i holds pfn tag[i] - 1 (0: empty). */
	uint8_t *pcache;
	uint64_t pcache_tag[CAP_PHYS_CACHE];
	/* Tests: pfns [eio_start, eio_end) read as -EIO, as bad memory does in
	 * /proc/vmcore (set from KDUMP_CAPTURE_TEST_EIO=START-END). */
	uint64_t eio_start, eio_end;
};

int cap_input_open(struct elfcore_ctx *ctx, const char *path, int allow_mmap,
		   struct cap_input *in);
void cap_input_close(struct cap_input *in);

/* Bits of the cycle [start, start + n): set for pfns whose page starts in a
 * PT_LOAD. bits holds (n + 7) / 8 bytes. Returns the number of bits set. */
uint64_t cap_input_ram_bits(const struct cap_input *in, uint64_t start, uint64_t n,
			    uint8_t *bits);

/* A window over the pages [pfn, pfn + n) that all start inside one load's
 * file data: *data points at the first page, inside a mapping of up to
 * CAP_WINDOW bytes that the window keeps for the next calls (mmap and munmap
 * are costly, in a capture kernel under emulation most of all), or inside
 * buf (n pages) when mmap is not possible. -ENOENT when the pages are not all
 * backed by the same load's file bytes (use cap_input_read_page()).
 * One window per thread; cap_input_unmap() releases it. */
#define CAP_WINDOW (4u << 20)
struct cap_window {
	void *map;
	size_t map_len;
	uint64_t map_off;
	const uint8_t *data;
};
int cap_input_window(struct cap_input *in, uint64_t pfn, uint64_t n, void *buf,
		     struct cap_window *w);
void cap_input_unmap(struct cap_window *w);
/* How many pages from pfn on are file-backed by the same load (0 if none). */
uint64_t cap_input_run(const struct cap_input *in, uint64_t pfn, uint64_t max);

/* Copy one page (zero-filling the parts no load holds). -EIO on read error. */
int cap_input_read_page(struct cap_input *in, uint64_t pfn, void *buf);

/* Read physical memory for the kernel view (elfcore_kernel_open_mem); not
 * thread-safe (a cache for small reads): workers use cap_input_read_page(). */
int cap_input_read_phys(void *arg, uint64_t paddr, void *buf, size_t len);

#endif
