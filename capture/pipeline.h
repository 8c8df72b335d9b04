/* kdump-capture's page pipeline: cycles of bitmaps, page reads, compression
 * workers and an ordered writer.
 *
 *   for each cycle (a range of pfns, its bitmap in bounded memory):
 *     bits = RAM pfns (PT_LOADs) minus the pages the dump level excludes
 *   pass 1: the writer plans the layout from every cycle's bits
 *   pass 2: the same bits again; the dispatcher cuts the dumped pfns into
 *           batches, N workers read (mmap window or pread) and encode them,
 *           the writer thread stores the batches in pfn order.
 * The output does not depend on the number of workers: batches are cut the
 * same way and written in order.
 */
#ifndef CAPTURE_PIPELINE_H
#define CAPTURE_PIPELINE_H

#include <stdint.h>

#include "input.h"
#include "elfcore/pagefilter.h"
#include "elfcore/writer.h"

struct cap_progress;

struct cap_pipeline_opts {
	unsigned threads;            /* 1: everything on the calling thread */
	uint64_t cycle_pfns;         /* pfns per cycle (multiple of 8) */
	unsigned batch_pages;        /* pages per batch */
	unsigned slots;              /* batches in flight */
	unsigned dump_level;
	enum elfcore_format format;
	enum elfcore_codec codec;
	int codec_level;
	struct cap_progress *progress;   /* may be NULL */
};

struct cap_pipeline_stats {
	uint64_t ram;                /* pfns present in the input */
	uint64_t zero_excluded;      /* zero pages left out (level 1) */
	uint64_t unreadable;         /* pages that could not be read (dropped) */
	uint64_t first_unreadable[8];
	uint64_t planned;
	double scan_seconds, write_seconds;   /* pass 1, pass 2 */
	struct elfcore_pagefilter_stats filter;
};

/* Run both passes into w. pf may be NULL (no struct page filtering). Errors:
 * negative errno, message in ctx. */
int cap_pipeline_run(struct elfcore_ctx *ctx, struct cap_input *in, struct elfcore_pagefilter *pf,
		     struct elfcore_writer *w, const struct cap_pipeline_opts *o,
		     struct cap_pipeline_stats *st);

#endif
