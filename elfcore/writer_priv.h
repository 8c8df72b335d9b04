/* Writer internals shared by writer.c and the format backends. Not installed. */
#ifndef ELFCORE_WRITER_PRIV_H
#define ELFCORE_WRITER_PRIV_H

#include <endian.h>
#include <string.h>

#include "ec_priv.h"
#include "elfcore/writer.h"

#define EC_WRITER_MSG_MAX 512
#define EC_WBUF_SIZE (1u << 20)   /* page data is written in runs of up to 1 MiB */
#define EC_HELD_MIN (EC_WBUF_SIZE / 4)   /* a shorter held run is copied after all */

struct elfcore_writer;

/* A format behind the writer. Every hook returns 0 or a negative errno. */
struct ec_writer_ops {
	const char *name;
	int (*init)(struct elfcore_writer *w);
	/* Pass 1 over one cycle (bits already masked to n). */
	int (*plan)(struct elfcore_writer *w, uint64_t start, uint64_t n, const uint8_t *bits);
	/* First begin_cycle(): headers and notes. */
	int (*begin)(struct elfcore_writer *w);
	int (*cycle)(struct elfcore_writer *w, uint64_t start, uint64_t n, const uint8_t *bits);
	int (*page)(struct elfcore_writer *w, const struct elfcore_encoded_page *p);
	int (*drop)(struct elfcore_writer *w, uint64_t pfn);
	/* Flush buffered state; final: everything arrived, write clean headers. */
	int (*flush)(struct elfcore_writer *w, int final);
	void (*free)(struct elfcore_writer *w);
};

extern const struct ec_writer_ops ec_writer_kdump_ops;
extern const struct ec_writer_ops ec_writer_elf_ops;

struct elfcore_writer {
	struct elfcore_sink *sink;
	struct elfcore_ctx *ctx;
	const struct ec_writer_ops *ops;
	struct elfcore_writer_opts o;       /* ranges and notes point to our copies */
	uint32_t page_size;
	int error;                          /* first error, sticky */
	char msg[EC_WRITER_MSG_MAX];
	enum { EC_W_PLAN, EC_W_WRITE, EC_W_FINISHED } phase;
	uint64_t plan_next;                 /* next cycle start of each pass */
	uint64_t write_next;
	/* The current cycle of pass 2. */
	uint64_t cyc_start, cyc_n, cyc_expected, cyc_done;
	const uint8_t *cyc_bits;
	uint64_t next_pfn;                  /* pages come in ascending order */
	struct elfcore_writer_stats st;
	struct elfcore_page_encoder *enc;   /* for write_page() */
	/* Found in the notes. */
	int have_vmcoreinfo;
	size_t vmcoreinfo_off, vmcoreinfo_size;
	int nr_prstatus;
	char osrelease[65];
	int64_t crashtime;
	/* Page data buffer: one contiguous run not yet in the sink. */
	unsigned char *dbuf;
	size_t dbuf_len;
	uint64_t dbuf_off;
	/* Between hold_begin() and hold_end(): page data is not copied into
	 * dbuf; a run of the caller's memory that is contiguous both there and
	 * in the file goes out in one write when it ends (copied into dbuf
	 * after all when shorter than EC_HELD_MIN). */
	int hold;
	const unsigned char *run;
	size_t run_len;
	uint64_t run_off;
	void *priv;                         /* the format's state */
};

/* Record the first error (its message is kept and replayed) and return it. */
int ec_writer_fail(struct elfcore_writer *w, int err);
/* Write through the sink; errors become the writer's. */
int ec_writer_pwrite(struct elfcore_writer *w, const void *buf, size_t len, uint64_t off);
/* Buffered page-data writes: contiguous runs are coalesced (copied into the
 * data buffer, or, while the caller holds its memory, written from it). */
int ec_writer_data(struct elfcore_writer *w, const void *buf, size_t len, uint64_t off);
int ec_writer_data_flush(struct elfcore_writer *w);

static inline int ec_bit(const uint8_t *bits, uint64_t i)
{
	return (bits[i >> 3] >> (i & 7)) & 1;
}

static inline void ec_put16(unsigned char *p, uint16_t v) { v = htole16(v); memcpy(p, &v, 2); }
static inline void ec_put32(unsigned char *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static inline void ec_put64(unsigned char *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }

#endif
