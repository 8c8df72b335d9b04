/* Dump readers: the format ops table and what the backends share. Not installed.
 *
 * dump.c opens the file(s), probes the first bytes and hands the handle to a
 * backend (format_elf.c, format_kdump.c). A flattened stream is not a backend
 * of its own: flat.c indexes its records and the file layer (ec_file_pread)
 * reads the rebuilt file through that index, so the ELF and kdump backends
 * read flattened streams unchanged.
 */
#ifndef ELFCORE_FORMAT_PRIV_H
#define ELFCORE_FORMAT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "ec_priv.h"
#include "elfcore/codec.h"
#include "elfcore/dump.h"

/* Caps on what file contents may make us allocate. */
#define EC_MAX_NOTES_SIZE     (16u << 20)
#define EC_MAX_CPUS           8192
#define EC_MAX_PAGE_SIZE      (1u << 18)
#define EC_MIN_PAGE_SIZE      1024
#define EC_MAX_BITMAP_BYTES   (1ull << 30)
#define EC_MAX_FLAT_RECORDS   (1u << 23)
#define EC_MAX_PHDRS          (1u << 22)
#define EC_MAX_SPLIT_FILES    256

/* ---- The file layer: a plain file, or a flattened stream seen rebuilt. ---- */

struct ec_flat;

struct ec_file {
	int fd;
	char *path;               /* for messages */
	uint64_t size;            /* logical size (the rebuilt size of a flattened stream) */
	uint64_t disk_size;       /* bytes on disk */
	struct ec_flat *flat;     /* NULL unless flattened */
};

int ec_file_open(struct elfcore_ctx *ctx, const char *path, struct ec_file **out);
void ec_file_close(struct ec_file *f);
/* Read exactly len bytes at off of the logical file. -EIO with a message
 * naming what when the range is past the end; holes of a flattened stream
 * read as zeros. */
int ec_file_pread(struct elfcore_ctx *ctx, struct ec_file *f, void *buf, size_t len,
		  uint64_t off, const char *what);
/* Read a blob of size bytes (size <= cap) into a new buffer (+1 NUL byte). */
int ec_file_read_blob(struct elfcore_ctx *ctx, struct ec_file *f, uint64_t off, uint64_t size,
		      uint64_t cap, const char *what, uint8_t **out);

/* flat.c: index a flattened stream's records. 0 when the file is not one
 * (nothing done), 1 when it is (f->flat and f->size set), or a negative errno. */
int ec_flat_index(struct elfcore_ctx *ctx, struct ec_file *f);
void ec_flat_free(struct ec_flat *flat);
int ec_flat_pread(struct elfcore_ctx *ctx, struct ec_file *f, void *buf, size_t len, uint64_t off);
/* Whether records cover every byte of [off, off + len) of the rebuilt file. */
int ec_flat_covered(const struct ec_flat *flat, uint64_t off, uint64_t len);
/* Structural facts for info and verify. */
uint64_t ec_flat_records(const struct ec_flat *flat);
const char *ec_flat_truncated(const struct ec_flat *flat);   /* NULL when ended properly */

/* ---- Backends. ---- */

struct ec_format_ops {
	const char *name;
	enum elfcore_format format;
	/* 1 when the first bytes of a (logical) file look like this format. */
	int (*probe)(const uint8_t *head, size_t len);
	/* Parse d->files[]; set d->priv and the info fields the format knows. */
	int (*open)(struct elfcore_dump *d);
	/* The raw ELF notes and the VMCOREINFO text when the format stores it
	 * apart from the notes (kdump v3+); borrowed from priv, may be NULL. */
	void (*notes)(struct elfcore_dump *d, const uint8_t **notes, size_t *notes_size,
		      const uint8_t **vmcoreinfo, size_t *vmcoreinfo_size);
	int (*read_page)(struct elfcore_dump *d, uint64_t pfn, void *buf);
	int (*next_pfn)(struct elfcore_dump *d, uint64_t from, uint64_t *pfn);
	int (*next_range)(struct elfcore_dump *d, uint64_t from, uint64_t *start, uint64_t *end);
	/* Check every structure (not the page data); first problem as -EIO/-EINVAL. */
	int (*check)(struct elfcore_dump *d);
	void (*close)(struct elfcore_dump *d);
};

extern const struct ec_format_ops ec_format_elf;
extern const struct ec_format_ops ec_format_kdump;

struct elfcore_dump {
	struct elfcore_ctx *ctx;
	const struct ec_format_ops *ops;
	struct ec_file **files;
	size_t nfiles;
	void *priv;

	struct elfcore_dump_info info;
	char uts[5][66];                    /* sysname nodename release version machine */
	char incomplete_reason[256];
	char panic_reason[128];

	struct elfcore_vmcoreinfo *vmcoreinfo;
	const uint8_t *notes;
	size_t notes_size;
	struct elfcore_dump_cpu *cpus;
	uint64_t *regs;                     /* storage behind cpus[].regs */

	const struct elfcore_dump_segment *segs;   /* ELF: set by the backend */
	size_t nsegs;

	struct elfcore_codec_ctx *codecs[ELFCORE_CODEC_SNAPPY + 1];
	uint8_t *page_buf;                  /* one page, for read_phys */
};

/* Mark the dump incomplete with a reason (the first reason wins). */
void ec_dump_set_incomplete(struct elfcore_dump *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The dump's codec context for codec, created on first use. */
int ec_dump_codec(struct elfcore_dump *d, enum elfcore_codec codec, struct elfcore_codec_ctx **out);

/* notes.c: walk ELF notes; calls fn for each, stops on its non-zero return. */
struct ec_note {
	const char *name;                   /* NUL-terminated within namesz, or "" */
	uint32_t type;
	const uint8_t *desc;
	size_t descsz;
	size_t offset;                      /* of the note header in the blob */
};
int ec_notes_walk(struct elfcore_ctx *ctx, const uint8_t *data, size_t size,
		  int (*fn)(void *arg, const struct ec_note *note), void *arg);
/* Fill d->cpus, d->vmcoreinfo (unless set) from d->notes. */
int ec_notes_parse(struct elfcore_dump *d);

/* Bit helpers shared by the kdump reader and the tests' generators. */
static inline int ec_bit_test(const uint8_t *map, uint64_t bit)
{
	return (map[bit >> 3] >> (bit & 7)) & 1;
}

#endif
