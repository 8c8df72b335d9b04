/* kdump-capture's input: an ELF vmcore (/proc/vmcore or a copy of one).
 *
 * Page data is reached through mmap() of the file where the kernel allows it
 * (/proc/vmcore does since 3.11) and pread() otherwise, one window per batch
 * so the resident set stays small whatever the dump size. The program headers
 * and notes are parsed with bounds checks; they are untrusted.
 */
#ifndef CAPTURE_INPUT_H
#define CAPTURE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore/context.h"
#include "elfcore/vmcoreinfo.h"
#include "elfcore/writer.h"

struct cap_load {
	uint64_t paddr, vaddr, filesz, memsz, offset;
};

struct cap_input {
	struct elfcore_ctx *ctx;
	const char *path;
	int fd;
	int use_mmap;                 /* 0 after mmap failed once, or when disabled */
	uint64_t file_size;
	uint32_t page_size;
	uint16_t machine;
	struct cap_load *loads;       /* PT_LOADs sorted by paddr */
	size_t nloads;
	uint8_t *notes;               /* the PT_NOTE contents, concatenated */
	size_t notes_size;
	struct elfcore_vmcoreinfo *vi;/* NULL when the dump has none */
	uint64_t max_pfn;
	/* RAM ranges for the writer: merged, non-overlapping */
	struct elfcore_mem_range *ranges;
	size_t nranges;
	unsigned ncpus;               /* NT_PRSTATUS notes */
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

/* Read physical memory for the kernel view (elfcore_kernel_open_mem). */
int cap_input_read_phys(void *arg, uint64_t paddr, void *buf, size_t len);

#endif
