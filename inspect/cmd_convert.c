/* kdump-inspect convert IN OUT --format elf|kdump|flat [--compress CODEC] [--force]
 *
 * Any dump elfcore reads (ELF, kdump-compressed, flattened, from a file) is
 * rewritten page by page through the elfcore writer, in bounded memory, into
 * a new file (temporary name, renamed when complete) or, for --format flat,
 * to stdout with OUT "-". A flattened input converted to the format it holds
 * without --compress is replayed record by record, exactly as
 * `makedumpfile -R` does; IN "-" reads such a stream from stdin.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcore/dump.h"
#include "elfcore/sink.h"
#include "elfcore/writer.h"
#include "cmd_convert.h"

#define EXIT_DAMAGED 1
#define EXIT_USAGE 2
#define CYCLE_PFNS (1u << 18)           /* 1 GiB of 4K pages: a 32 KiB bitmap */
#define MAX_RANGES 65536                /* more: let the dumped pages define memory */
#define MAX_DROP_WARNINGS 10

struct convert {
	const char *in, *out;
	enum elfcore_format format;
	enum elfcore_codec codec;
	int codec_given;
	unsigned sink_flags;
	uint64_t elf_min_gap;
	struct elfcore_ctx *ctx;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kdump-inspect convert IN OUT --format elf|kdump|flat "
		"[--compress zlib|lzo|zstd|none] [--force] [--elf-min-gap PAGES]\n"
		"  IN - reads a flattened stream from stdin; OUT - (with --format flat) "
		"writes to stdout\n");
}

static int fail(struct convert *c, const char *who, int code)
{
	fprintf(stderr, "kdump-inspect: %s: %s\n", who, elfcore_ctx_error(c->ctx));
	return code;
}

/* An output: a file sink (temporary name until commit), a flat sink over it,
 * or a flat sink over stdout. */
static int open_output(struct convert *c, enum elfcore_format fmt, struct elfcore_sink **out)
{
	struct elfcore_sink *inner;
	int ret;

	if (!strcmp(c->out, "-")) {
		if (fmt != ELFCORE_FORMAT_FLAT)
			return elfcore_ctx_set_error(c->ctx, -EINVAL, "only --format flat can go to "
						     "stdout (the others need a seekable file)");
		if (isatty(1))
			return elfcore_ctx_set_error(c->ctx, -EINVAL, "not writing a dump to a terminal");
		ret = elfcore_sink_open_fd(c->ctx, 1, "stdout", &inner);
	} else {
		ret = elfcore_sink_open_file(c->ctx, c->out, c->sink_flags, &inner);
	}
	if (ret < 0)
		return ret;
	if (fmt != ELFCORE_FORMAT_FLAT) {
		*out = inner;
		return 0;
	}
	return elfcore_sink_flat_new(c->ctx, inner, out);
}

/* ---- Flattened input replayed as makedumpfile -R --------------------------- */

/* A sink in front of the output that remembers the first bytes of the file,
 * to check the stream held the format asked for. */
struct peek {
	struct elfcore_sink *out;
	unsigned char magic[8];
	int have;
};

static int peek_pwrite(void *priv, struct elfcore_ctx *ctx, const void *buf, size_t len,
		       uint64_t off)
{
	struct peek *p = priv;

	if (off == 0 && len >= sizeof(p->magic)) {
		memcpy(p->magic, buf, sizeof(p->magic));
		p->have = 1;
	}
	return elfcore_sink_pwrite(p->out, buf, len, off);
}

static int peek_close(void *priv, struct elfcore_ctx *ctx)
{
	return 0;
}

static const struct elfcore_sink_ops peek_ops = { .pwrite = peek_pwrite, .close = peek_close };

static int replay(struct convert *c)
{
	struct peek p = { 0 };
	struct elfcore_sink *s = NULL;
	uint64_t records;
	int fd, ret, code = EXIT_USAGE;
	const char *want = c->format == ELFCORE_FORMAT_ELF ? "\177ELF" : "KDUMP   ";

	fd = strcmp(c->in, "-") ? open(c->in, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "kdump-inspect: %s: %s\n", c->in, strerror(errno));
		return EXIT_USAGE;
	}
	if ((ret = open_output(c, c->format, &p.out)) < 0) {
		code = fail(c, c->out, EXIT_USAGE);
		goto out;
	}
	if ((ret = elfcore_sink_new(c->ctx, &peek_ops, &p, &s)) < 0) {
		code = fail(c, c->out, EXIT_USAGE);
		goto out;
	}
	ret = elfcore_flat_replay(c->ctx, fd, strcmp(c->in, "-") ? c->in : "stdin", s, &records);
	if (ret < 0) {
		/* A damaged stream is the input's fault; a write error is ours. */
		code = elfcore_sink_error(p.out) ? EXIT_USAGE : EXIT_DAMAGED;
		fail(c, c->in, code);
		goto out;
	}
	if (!p.have || memcmp(p.magic, want, strlen(want))) {
		elfcore_ctx_set_error(c->ctx, -EINVAL, "the stream does not hold a %s dump",
				      c->format == ELFCORE_FORMAT_ELF ? "ELF" : "kdump-compressed");
		code = fail(c, c->in, EXIT_USAGE);
		goto out;
	}
	if ((ret = elfcore_sink_commit(p.out)) < 0) {
		code = fail(c, c->out, EXIT_USAGE);
		goto out;
	}
	code = 0;
out:
	elfcore_sink_close(s);
	if (elfcore_sink_close(p.out) < 0 && code == 0)
		code = fail(c, c->out, EXIT_USAGE);
	if (fd > 0)
		close(fd);
	return code;
}

/* ---- Page by page through the writer --------------------------------------- */

static int input_is_flat(const char *path)
{
	char sig[16] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC), flat;

	if (fd < 0)
		return 0;
	flat = pread(fd, sig, sizeof(sig), 0) == (ssize_t)sizeof(sig) &&
	       !memcmp(sig, ELFCORE_FLAT_SIGNATURE, sizeof(ELFCORE_FLAT_SIGNATURE));
	close(fd);
	return flat;
}

/* The dumped pfns of [start, start+n) as a bitmap. */
static int cycle_bits(struct elfcore_dump *d, uint64_t start, uint64_t n, uint8_t *bits)
{
	uint64_t pfn = start, p;
	int ret;

	memset(bits, 0, (n + 7) / 8);
	while ((ret = elfcore_dump_next_pfn(d, pfn, &p)) == 0 && p < start + n) {
		bits[(p - start) / 8] |= (uint8_t)(1u << ((p - start) % 8));
		pfn = p + 1;
	}
	return ret == -ENOENT || ret == 0 ? 0 : ret;
}

static int collect_ranges(struct elfcore_dump *d, uint64_t ps, struct elfcore_mem_range **out,
			  size_t *n)
{
	struct elfcore_mem_range *r = NULL;
	uint64_t from = 0, s, e;
	size_t cap = 0;
	int ret;

	*n = 0;
	while ((ret = elfcore_dump_next_range(d, from, &s, &e)) == 0) {
		if (*n == MAX_RANGES) {
			*n = 0;         /* too fragmented: use the dumped pages instead */
			break;
		}
		if (*n == cap) {
			struct elfcore_mem_range *nr;

			cap = cap ? 2 * cap : 64;
			nr = realloc(r, cap * sizeof(*r));
			if (!nr) {
				free(r);
				return -ENOMEM;
			}
			r = nr;
		}
		r[*n].paddr = s * ps;
		r[*n].vaddr = 0;
		r[*n].size = (e - s) * ps;
		(*n)++;
		if (e <= from)
			break;
		from = e;
	}
	*out = r;
	return ret == -ENOENT || ret == 0 ? 0 : ret;
}

/* x86_64: give the kernel image its own range at its virtual addresses, cut
 * out of the RAM range holding it, as /proc/vmcore has it: ELF readers (drgn)
 * find the page tables through that PT_LOAD. The image mapping is linear,
 * vaddr = __START_KERNEL_map + paddr - phys_base, over KERNEL_IMAGE_SIZE. */
#define START_KERNEL_MAP 0xffffffff80000000ull
#define KERNEL_IMAGE_SIZE (1ull << 30)

static int add_text_range(struct elfcore_dump *d, const struct elfcore_dump_info *info,
			  struct elfcore_mem_range **ranges, size_t *n)
{
	const struct elfcore_vmcoreinfo *vi = elfcore_dump_vmcoreinfo(d);
	struct elfcore_mem_range *r, *nr;
	uint64_t stext, start, end;
	size_t i;

	if (!vi || (info->elf_machine && info->elf_machine != 62) ||
	    elfcore_vmcoreinfo_symbol(NULL, vi, "_stext", &stext) < 0 || stext < START_KERNEL_MAP)
		return 0;
	start = stext - START_KERNEL_MAP + info->phys_base;
	for (i = 0; i < *n; i++) {
		r = &(*ranges)[i];
		if (start >= r->paddr && start < r->paddr + r->size)
			break;
	}
	if (i == *n)
		return 0;
	end = r->paddr + r->size;
	if (end - start > KERNEL_IMAGE_SIZE - (stext - START_KERNEL_MAP))
		end = start + KERNEL_IMAGE_SIZE - (stext - START_KERNEL_MAP);
	nr = realloc(*ranges, (*n + 2) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	*ranges = nr;
	r = &nr[i];
	/* [r.start, start) stays, then the image, then [end, r.end). */
	memmove(r + 3, r + 1, (*n - i - 1) * sizeof(*r));
	r[2].paddr = end;
	r[2].size = r->paddr + r->size - end;
	r[2].vaddr = 0;
	r[1].paddr = start;
	r[1].size = end - start;
	r[1].vaddr = stext;
	r->size = start - r->paddr;
	*n += 2;
	/* Drop the pieces that came out empty. */
	for (i = 0; i < *n; )
		if (!nr[i].size)
			memmove(&nr[i], &nr[i + 1], (--*n - i) * sizeof(*nr));
		else
			i++;
	return 0;
}

static int rewrite(struct convert *c)
{
	struct elfcore_writer_opts o = { .size = sizeof(o) };
	const struct elfcore_dump_info *info;
	struct elfcore_writer_stats st;
	struct elfcore_mem_range *ranges = NULL;
	struct elfcore_dump *d = NULL;
	struct elfcore_sink *sink = NULL;
	struct elfcore_writer *w = NULL;
	uint8_t *bits = NULL;
	unsigned char *page = NULL;
	uint64_t start, n, pfn, dropped = 0;
	int ret, pass, code = EXIT_USAGE;
	const char *who = c->in;

	if ((ret = elfcore_dump_open(c->ctx, c->in, &d)) < 0) {
		code = ret == -ENOENT || ret == -EACCES ? EXIT_USAGE : EXIT_DAMAGED;
		return fail(c, c->in, code);
	}
	info = elfcore_dump_info(d);
	o.format = c->format;
	o.codec = c->codec;
	if (!c->codec_given)
		o.codec = info->content == ELFCORE_FORMAT_KDUMP &&
			  elfcore_codec_supported(info->compression) ?
			  info->compression : ELFCORE_CODEC_ZLIB;
	o.page_size = (uint32_t)elfcore_dump_page_size(d);
	o.max_pfn = elfcore_dump_max_pfn(d);
	elfcore_dump_notes(d, &o.notes, &o.notes_size);
	o.uts.sysname = info->sysname && *info->sysname ? info->sysname : NULL;
	o.uts.nodename = info->nodename;
	o.uts.release = info->release && *info->release ? info->release : NULL;
	o.uts.version = info->version;
	o.uts.machine = info->machine && *info->machine ? info->machine : NULL;
	o.tv_sec = info->crash_time;
	o.phys_base = info->phys_base;
	o.dump_level = info->dump_level < 0 ? 0 : info->dump_level;
	o.nr_cpus = (int)info->ncpus;
	o.current_cpu = info->panic_cpu < 0 ? 0 : (uint32_t)info->panic_cpu;
	o.elf_machine = info->elf_machine;
	o.elf_min_gap = c->elf_min_gap;
	if ((ret = collect_ranges(d, o.page_size, &ranges, &o.nr_ranges)) < 0) {
		code = fail(c, c->in, EXIT_DAMAGED);
		goto out;
	}
	if (c->format == ELFCORE_FORMAT_ELF && o.nr_ranges &&
	    add_text_range(d, info, &ranges, &o.nr_ranges) < 0) {
		fprintf(stderr, "kdump-inspect: out of memory\n");
		goto out;
	}
	o.ranges = ranges;
	bits = malloc(CYCLE_PFNS / 8);
	page = malloc(o.page_size);
	if (!bits || !page) {
		fprintf(stderr, "kdump-inspect: out of memory\n");
		goto out;
	}
	who = c->out;
	if ((ret = open_output(c, c->format, &sink)) < 0 ||
	    (ret = elfcore_writer_new(sink, &o, &w)) < 0)
		goto fail_out;
	for (pass = 0; pass < 2; pass++) {
		for (start = 0; start < o.max_pfn; start += n) {
			n = o.max_pfn - start < CYCLE_PFNS ? o.max_pfn - start : CYCLE_PFNS;
			if ((ret = cycle_bits(d, start, n, bits)) < 0) {
				code = fail(c, c->in, EXIT_DAMAGED);
				goto out;
			}
			if (pass == 0) {
				if ((ret = elfcore_writer_plan(w, start, n, bits)) < 0)
					goto fail_out;
				continue;
			}
			if ((ret = elfcore_writer_begin_cycle(w, start, n, bits)) < 0)
				goto fail_out;
			for (pfn = start; pfn < start + n; pfn++) {
				if (!((bits[(pfn - start) / 8] >> ((pfn - start) % 8)) & 1))
					continue;
				ret = elfcore_dump_read_page(d, pfn, page);
				if (ret == -EIO || ret == -ENOENT || ret == -EINVAL) {
					/* Damaged or missing in the input: leave it out, go on. */
					if (dropped++ < MAX_DROP_WARNINGS)
						fprintf(stderr, "kdump-inspect: %s: %s: page left out\n",
							c->in, elfcore_ctx_error(c->ctx));
					ret = elfcore_writer_drop_page(w, pfn);
				} else if (ret < 0) {
					code = fail(c, c->in, EXIT_USAGE);
					goto out;
				} else {
					ret = elfcore_writer_write_page(w, pfn, page);
				}
				if (ret < 0)
					goto fail_out;
			}
		}
	}
	if ((ret = elfcore_writer_finish(w)) < 0 || (ret = elfcore_sink_commit(sink)) < 0)
		goto fail_out;
	elfcore_writer_stats(w, &st);
	if (dropped) {
		fprintf(stderr, "kdump-inspect: %s: %" PRIu64 " unreadable pages of %s were left out\n",
			c->out, dropped, c->in);
		code = EXIT_DAMAGED;
	} else {
		code = 0;
	}
	goto out;
fail_out:
	code = fail(c, who, EXIT_USAGE);
out:
	elfcore_writer_free(w);
	if (elfcore_sink_close(sink) < 0 && code == 0)
		code = fail(c, c->out, EXIT_USAGE);
	elfcore_dump_close(d);
	free(ranges);
	free(bits);
	free(page);
	return code;
}

int cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "compress", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'F' },
		{ "elf-min-gap", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct convert c = { .format = 0, .sink_flags = 0 };
	const char *fmt = NULL;
	char *end;
	int opt, code;

	c.ctx = elfcore_ctx_new();
	if (!c.ctx) {
		fprintf(stderr, "kdump-inspect: out of memory\n");
		return EXIT_USAGE;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:c:Fg:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			fmt = optarg;
			break;
		case 'c':
			if (elfcore_codec_from_name(c.ctx, optarg, &c.codec) < 0 ||
			    !elfcore_codec_supported(c.codec)) {
				fprintf(stderr, "kdump-inspect: convert: --compress %s: not one of "
					"zlib, lzo, zstd, none\n", optarg);
				code = EXIT_USAGE;
				goto out;
			}
			c.codec_given = 1;
			break;
		case 'F':
			c.sink_flags |= ELFCORE_SINK_REPLACE;
			break;
		case 'g':
			c.elf_min_gap = strtoull(optarg, &end, 0);
			if (*end || !c.elf_min_gap) {
				fprintf(stderr, "kdump-inspect: convert: --elf-min-gap %s: not a "
					"positive number\n", optarg);
				code = EXIT_USAGE;
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			code = 0;
			goto out;
		default:
			usage(stderr);
			code = EXIT_USAGE;
			goto out;
		}
	}
	if (argc - optind != 2 || !fmt) {
		usage(stderr);
		code = EXIT_USAGE;
		goto out;
	}
	c.in = argv[optind];
	c.out = argv[optind + 1];
	if (!strcmp(fmt, "elf"))
		c.format = ELFCORE_FORMAT_ELF;
	else if (!strcmp(fmt, "kdump"))
		c.format = ELFCORE_FORMAT_KDUMP;
	else if (!strcmp(fmt, "flat"))
		c.format = ELFCORE_FORMAT_FLAT;
	else {
		fprintf(stderr, "kdump-inspect: convert: --format %s: not one of elf, kdump, flat\n",
			fmt);
		code = EXIT_USAGE;
		goto out;
	}
	if (c.format == ELFCORE_FORMAT_ELF && c.codec_given && c.codec != ELFCORE_CODEC_NONE) {
		fprintf(stderr, "kdump-inspect: convert: ELF output is not compressed\n");
		code = EXIT_USAGE;
		goto out;
	}
	if (c.format != ELFCORE_FORMAT_FLAT && !c.codec_given &&
	    (!strcmp(c.in, "-") || input_is_flat(c.in)))
		code = replay(&c);
	else if (!strcmp(c.in, "-")) {
		fprintf(stderr, "kdump-inspect: convert: stdin is read only as a flattened stream "
			"rebuilt as it is (no --compress, --format kdump or elf)\n");
		code = EXIT_USAGE;
	} else
		code = rewrite(&c);
out:
	elfcore_ctx_free(c.ctx);
	return code;
}
