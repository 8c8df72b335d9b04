/* kdump-capture: filter, compress and save /proc/vmcore in bounded memory.
 *
 *   kdump-capture [options] [VMCORE] OUT
 *   kdump-capture -F [options] [VMCORE] > STREAM
 *
 * The front end: options, messages, files beside the dump (vmcore-dmesg.txt,
 * OUT.sha256, OUT.json) and exit codes. The work is in elfcore (page filter,
 * writers, sinks, manifest, printk) and capture/pipeline.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "pipeline.h"
#include "progress.h"
#include "ssh_out.h"
#include "elfcore/codec.h"
#include "elfcore/kernel.h"
#include "elfcore/manifest.h"
#include "elfcore/pagefilter.h"
#include "elfcore/printk.h"
#include "elfcore/sink.h"
#include "elfcore/writer.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define DEFAULT_MEM_LIMIT (64ull << 20)

struct opts {
	const char *in_path, *out_path;
	unsigned level;
	enum elfcore_format format;
	enum elfcore_codec codec;
	int codec_level;
	unsigned threads;
	uint64_t mem_limit;
	uint64_t cycle_pfns;
	enum cap_progress_mode progress;
	int no_mmap, no_manifest, no_dmesg, no_report;
	int buddy_only;               /* --free-pages buddy: makedumpfile's free page set */
	const char *dmesg_path, *report_path, *manifest_path;
	struct ssh_target ssh;        /* --ssh: OUT is a file name on that host */
	int use_ssh, check;
};

static void usage(FILE *f)
{
	fputs("usage: kdump-capture [options] [VMCORE] OUT\n"
	      "       kdump-capture -F [options] [VMCORE] > STREAM\n"
	      "Save a kernel crash dump: VMCORE (default /proc/vmcore), filtered by dump level,\n"
	      "compressed page by page, written to OUT under a temporary name and renamed when\n"
	      "complete. Never overwrites. Writes beside OUT: vmcore-dmesg.txt (first), OUT.sha256,\n"
	      "OUT.json.\n"
	      "  -d, --dump-level N     pages to leave out, a sum of 1 zero, 2 cache, 4 cache with\n"
	      "                         private data, 8 user, 16 free (default 31)\n"
	      "  --free-pages all|buddy which free pages level 16 leaves out: all (default) or\n"
	      "                         only the buddy allocator's, as makedumpfile (which keeps\n"
	      "                         the pages on the per-CPU free lists)\n"
	      "  --compress CODEC       zstd, lzo, zlib or none (default lzo)\n"
	      "  -c / -l / -z           zlib / lzo / zstd (makedumpfile's spellings)\n"
	      "  --compress-level N     codec level (0: fast default)\n"
	      "  -E, --elf              write an ELF core instead of kdump-compressed\n"
	      "  -F, --flatten          write the flattened format to stdout\n"
	      "  --threads N            compression workers (default: online CPUs)\n"
	      "  --mem-limit SIZE       memory budget, e.g. 32M (default 64M)\n"
	      "  --dmesg PATH           where to write the kernel log (default: OUT's directory/\n"
	      "                         vmcore-dmesg.txt); --no-dmesg to skip\n"
	      "  --report PATH          the JSON report (default OUT.json); --no-report to skip\n"
	      "  --no-manifest          no OUT.sha256 checksum manifest\n"
	      "  -q, --quiet            no progress;  --progress bar|lines  force a style\n"
	      "  --no-mmap              read() the input instead of mmap()\n"
	      "Over SSH (OUT and the files beside it go to --remote-dir on HOST):\n", f);
	ssh_target_usage(f);
	fputs("  --check                with --ssh: verify the host key, the key and the remote\n"
	      "                         directory's free space, write nothing\n"
	      "  -h, --help\n"
	      "Exit: 0 dump complete, 1 failed (a partial dump is kept as OUT.incomplete,\n"
	      "marked INCOMPLETE), 2 usage error.\n", f);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

enum {
	OPT_COMPRESS = 256, OPT_COMPRESS_LEVEL, OPT_THREADS, OPT_MEM_LIMIT, OPT_DMESG, OPT_NO_DMESG,
	OPT_REPORT, OPT_NO_REPORT, OPT_NO_MANIFEST, OPT_PROGRESS, OPT_NO_MMAP, OPT_CYCLE_PAGES,
	OPT_MESSAGE_LEVEL, OPT_MANIFEST, OPT_CHECK, OPT_FREE_PAGES,
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "dump-level", required_argument, NULL, 'd' },
		{ "free-pages", required_argument, NULL, OPT_FREE_PAGES },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "compress-level", required_argument, NULL, OPT_COMPRESS_LEVEL },
		{ "elf", no_argument, NULL, 'E' },
		{ "flatten", no_argument, NULL, 'F' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "num-threads", required_argument, NULL, OPT_THREADS },
		{ "mem-limit", required_argument, NULL, OPT_MEM_LIMIT },
		{ "dmesg", required_argument, NULL, OPT_DMESG },
		{ "no-dmesg", no_argument, NULL, OPT_NO_DMESG },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "no-report", no_argument, NULL, OPT_NO_REPORT },
		{ "manifest", required_argument, NULL, OPT_MANIFEST },
		{ "no-manifest", no_argument, NULL, OPT_NO_MANIFEST },
		{ "quiet", no_argument, NULL, 'q' },
		{ "progress", required_argument, NULL, OPT_PROGRESS },
		{ "no-mmap", no_argument, NULL, OPT_NO_MMAP },
		{ "cycle-pages", required_argument, NULL, OPT_CYCLE_PAGES },
		{ "message-level", required_argument, NULL, OPT_MESSAGE_LEVEL },
		{ "help", no_argument, NULL, 'h' },
		SSH_SINK_LONG_OPTIONS,
		{ "check", no_argument, NULL, OPT_CHECK },
		{ NULL, 0, NULL, 0 },
	};
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c, ret = 0;

	o->level = 31;
	o->format = ELFCORE_FORMAT_KDUMP;
	o->codec = ELFCORE_CODEC_LZO;
	o->threads = ncpu > 0 ? (unsigned)ncpu : 1;
	o->mem_limit = DEFAULT_MEM_LIMIT;
	o->progress = CAP_PROGRESS_AUTO;
	ssh_target_init(&o->ssh);
	while ((c = getopt_long(argc, argv, "d:clzpEFqhfD", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_uint(optarg, ELFCORE_DL_MAX, &o->level)) {
				fprintf(stderr, "kdump-capture: -d %s: the dump level is 0 to 31\n", optarg);
				ret = -1;
			}
			break;
		case 'c': o->codec = ELFCORE_CODEC_ZLIB; break;
		case 'l': o->codec = ELFCORE_CODEC_LZO; break;
		case 'z': o->codec = ELFCORE_CODEC_ZSTD; break;
		case 'p':
			fprintf(stderr, "kdump-capture: -p (snappy) is not supported; use -z (zstd) or -l (lzo)\n");
			ret = -1;
			break;
		case OPT_COMPRESS:
			if (!ctx || elfcore_codec_from_name(ctx, optarg, &o->codec) ||
			    !elfcore_codec_supported(o->codec)) {
				fprintf(stderr, "kdump-capture: --compress %s: use zstd, lzo, zlib or none\n", optarg);
				ret = -1;
			}
			break;
		case OPT_COMPRESS_LEVEL: {
			unsigned v;

			if (parse_uint(optarg, 22, &v)) {
				fprintf(stderr, "kdump-capture: --compress-level %s: not a level\n", optarg);
				ret = -1;
			}
			o->codec_level = (int)v;
			break;
		}
		case OPT_FREE_PAGES:
			if (!strcmp(optarg, "buddy") || !strcmp(optarg, "all")) {
				o->buddy_only = !strcmp(optarg, "buddy");
			} else {
				fprintf(stderr, "kdump-capture: --free-pages %s: all or buddy\n", optarg);
				ret = -1;
			}
			break;
		case 'E': o->format = ELFCORE_FORMAT_ELF; break;
		case 'F': o->format = ELFCORE_FORMAT_FLAT; break;
		case OPT_THREADS:
			if (parse_uint(optarg, 256, &o->threads) || !o->threads) {
				fprintf(stderr, "kdump-capture: --threads %s: 1 to 256\n", optarg);
				ret = -1;
			}
			break;
		case OPT_MEM_LIMIT:
			if (parse_size(optarg, &o->mem_limit) || o->mem_limit < (8u << 20)) {
				fprintf(stderr, "kdump-capture: --mem-limit %s: a size of at least 8M\n", optarg);
				ret = -1;
			}
			break;
		case OPT_DMESG: o->dmesg_path = optarg; break;
		case OPT_NO_DMESG: o->no_dmesg = 1; break;
		case OPT_REPORT: o->report_path = optarg; break;
		case OPT_NO_REPORT: o->no_report = 1; break;
		case OPT_MANIFEST: o->manifest_path = optarg; break;
		case OPT_NO_MANIFEST: o->no_manifest = 1; break;
		case 'q': o->progress = CAP_PROGRESS_QUIET; break;
		case OPT_PROGRESS:
			if (!strcmp(optarg, "bar"))
				o->progress = CAP_PROGRESS_BAR;
			else if (!strcmp(optarg, "lines"))
				o->progress = CAP_PROGRESS_LINES;
			else if (!strcmp(optarg, "none"))
				o->progress = CAP_PROGRESS_QUIET;
			else {
				fprintf(stderr, "kdump-capture: --progress %s: bar, lines or none\n", optarg);
				ret = -1;
			}
			break;
		case OPT_NO_MMAP: o->no_mmap = 1; break;
		case OPT_CYCLE_PAGES:
			if (parse_size(optarg, &o->cycle_pfns) || o->cycle_pfns < 8) {
				fprintf(stderr, "kdump-capture: --cycle-pages %s: at least 8\n", optarg);
				ret = -1;
			}
			break;
		case OPT_MESSAGE_LEVEL:
		case 'D':
			break;                  /* makedumpfile's verbosity knobs: accepted, ignored */
		case 'f':
			fprintf(stderr, "kdump-capture: -f: kdump-capture never overwrites a dump; "
				"remove the old one first\n");
			ret = -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_CHECK: o->check = 1; break;
		default: {
			int r = ctx ? ssh_target_option(ctx, &o->ssh, c, optarg) : -1;

			if (r < 0 && ctx)
				fprintf(stderr, "kdump-capture: %s\n", elfcore_ctx_error(ctx));
			if (r <= 0)
				ret = -1;
			if (c == SSH_OPT_SSH)
				o->use_ssh = 1;
		}
		}
	}
	if (!ret && (o->use_ssh || o->check) && ctx && ssh_target_validate(ctx, &o->ssh)) {
		fprintf(stderr, "kdump-capture: %s\n", elfcore_ctx_error(ctx));
		ret = -1;
	}
	elfcore_ctx_free(ctx);
	if (ret)
		return ret;
	if (o->check)
		return argc - optind ? (fprintf(stderr, "kdump-capture: --check takes no files\n"), -1) : 0;
	if (o->use_ssh && o->format == ELFCORE_FORMAT_FLAT) {
		fprintf(stderr, "kdump-capture: --ssh and -F: use --ssh-mode exec for a flattened "
			"stream\n");
		return -1;
	}
	if (o->format == ELFCORE_FORMAT_FLAT) {
		if (argc - optind > 1) {
			fprintf(stderr, "kdump-capture: -F writes to stdout: give at most VMCORE\n");
			return -1;
		}
		o->in_path = optind < argc ? argv[optind] : "/proc/vmcore";
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "kdump-capture: -F: stdout is a terminal; redirect it\n");
			return -1;
		}
		return 0;
	}
	if (argc - optind == 1) {
		o->in_path = "/proc/vmcore";
		o->out_path = argv[optind];
	} else if (argc - optind == 2) {
		o->in_path = argv[optind];
		o->out_path = argv[optind + 1];
	} else {
		fprintf(stderr, "kdump-capture: give [VMCORE] OUT\n");
		return -1;
	}
	if (o->format == ELFCORE_FORMAT_ELF)
		o->codec = ELFCORE_CODEC_NONE;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- files beside the dump ---- */

/* The checksum manifest is hashed on a thread of its own from the moment the
 * dump's content is final, while the main thread fsyncs and renames it:
 * hashing wants the CPU, the fsync waits for the disk. */
struct manifest_job {
	pthread_t tid;
	int started, fd, ret;
	unsigned threads;
	const char *name;
	struct elfcore_ctx *ctx;      /* the thread's own */
	struct elfcore_manifest *m;
	double seconds;
	char msg[256];                /* why it could not start */
};

static void *manifest_main(void *arg)
{
	struct manifest_job *j = arg;
	double t = now();

	j->ret = elfcore_manifest_compute(j->ctx, j->fd, j->name, 0, j->threads, &j->m);
	j->seconds = now() - t;
	return NULL;
}

/* Start hashing what sink holds; without a thread, manifest_finish() hashes. */
static void manifest_start(struct manifest_job *j, struct elfcore_sink *sink, const char *name,
			   unsigned threads)
{
	memset(j, 0, sizeof(*j));
	j->name = name;
	j->threads = threads;
	j->ctx = elfcore_ctx_new();
	j->fd = j->ctx ? elfcore_sink_open_read(sink) : -ENOMEM;
	if (j->fd < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", j->ctx ? elfcore_ctx_error(elfcore_sink_ctx(sink)) :
			 "out of memory");
	else if (!pthread_create(&j->tid, NULL, manifest_main, j))
		j->started = 1;
}

/* Wait for the hashes and, when save, write them to manifest_path; messages
 * go to ctx. */
static int manifest_finish(struct manifest_job *j, struct elfcore_ctx *ctx, int save,
			   const char *manifest_path)
{
	int ret;

	if (j->started)
		pthread_join(j->tid, NULL);
	else if (save && j->fd >= 0)
		manifest_main(j);
	else
		j->ret = j->fd < 0 ? j->fd : 0;
	ret = j->ret;
	if (ret)
		elfcore_ctx_set_error(ctx, ret, "%s", j->msg[0] ? j->msg : elfcore_ctx_error(j->ctx));
	else if (save)
		ret = elfcore_manifest_save(ctx, j->m, j->name, manifest_path);
	if (j->fd >= 0)
		close(j->fd);
	elfcore_manifest_free(j->m);
	elfcore_ctx_free(j->ctx);
	j->fd = -1;
	j->m = NULL;
	j->ctx = NULL;
	return ret;
}

struct seq_sink {
	struct elfcore_sink *sink;
	uint64_t off;
};

static int seq_write(void *arg, const void *buf, size_t len)
{
	struct seq_sink *s = arg;
	int ret = elfcore_sink_pwrite(s->sink, buf, len, s->off);

	s->off += len;
	return ret;
}

/* Write a small file (never replacing one) through a callback; with remote
 * (--ssh), path is a file name in the remote directory. */
static int write_small_file(struct elfcore_ctx *ctx, const struct ssh_target *remote,
			    const char *path, int (*fill)(void *arg, struct seq_sink *s), void *arg)
{
	struct seq_sink s = { 0 };
	int ret = remote ? cap_ssh_open(ctx, remote, path, 0, NULL, &s.sink) :
			   elfcore_sink_open_file(ctx, path, 0, &s.sink);

	if (ret)
		return ret;
	ret = fill(arg, &s);
	if (!ret)
		ret = elfcore_sink_commit(s.sink);
	{
		int r = elfcore_sink_close(s.sink);

		if (!ret)
			ret = r;
	}
	return ret;
}

static int fill_dmesg(void *arg, struct seq_sink *s)
{
	return elfcore_printk_dump(arg, seq_write, s);
}

struct report {
	const struct opts *o;
	const struct cap_input *in;
	const struct cap_pipeline_stats *ps;
	const struct elfcore_writer_stats *ws;
	double seconds;
	const double *tm;             /* phase end times, from t0 */
	uint64_t out_bytes;
	int complete;
	const char *error;
	const char *filter_note;
	const char *dmesg;
	const struct ssh_sink_stats *ssh;   /* --ssh: the network side of the dump */
	double manifest_hash;         /* seconds of hashing, overlapped with finish_sync */
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int fill_report(void *arg, struct seq_sink *s)
{
	const struct report *r = arg;
	const struct cap_pipeline_stats *ps = r->ps;
	const struct elfcore_pagefilter_stats *fs = &ps->filter;
	uint64_t in_bytes = ps->ram * r->in->page_size;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (!f)
		return -ENOMEM;
	fprintf(f, "{\n  \"tool\": \"kdump-capture\",\n  \"input\": ");
	json_str(f, r->o->in_path);
	fprintf(f, ",\n  \"output\": ");
	json_str(f, r->o->out_path ? r->o->out_path : "-");
	fprintf(f, ",\n  \"format\": \"%s\",\n  \"compression\": \"%s\",\n  \"dump_level\": %u,\n",
		r->o->format == ELFCORE_FORMAT_ELF ? "elf" :
		r->o->format == ELFCORE_FORMAT_FLAT ? "flattened" : "kdump",
		elfcore_codec_name(r->o->codec), r->o->level);
	fprintf(f, "  \"threads\": %u,\n  \"complete\": %s,\n", r->o->threads,
		r->complete ? "true" : "false");
	fprintf(f, "  \"input_bytes\": %" PRIu64 ",\n  \"page_size\": %u,\n", in_bytes,
		r->in->page_size);
	fprintf(f, "  \"pages\": {\"present\": %" PRIu64 ", \"excluded_zero\": %" PRIu64
		", \"excluded_cache\": %" PRIu64 ", \"excluded_cache_private\": %" PRIu64
		", \"excluded_user\": %" PRIu64 ", \"excluded_free\": %" PRIu64
		", \"excluded_free_percpu\": %" PRIu64
		", \"excluded_hwpoison\": %" PRIu64 ", \"excluded_offline\": %" PRIu64
		", \"unclassified\": %" PRIu64 ", \"unreadable\": %" PRIu64
		", \"written\": %" PRIu64 ", \"written_zero\": %" PRIu64
		", \"written_raw\": %" PRIu64 ", \"written_compressed\": %" PRIu64 "},\n",
		ps->ram, ps->zero_excluded, fs->cache, fs->cache_private, fs->user,
		fs->free + fs->free_pcp, fs->free_pcp, fs->hwpoison, fs->offline, fs->unclassified,
		ps->unreadable, r->ws->written,
		r->ws->zero, r->ws->raw, r->ws->compressed);
	if (ps->unreadable) {
		fprintf(f, "  \"unreadable_pfns\": [");
		for (uint64_t i = 0; i < ps->unreadable && i < 8; i++)
			fprintf(f, "%s%" PRIu64, i ? ", " : "", ps->first_unreadable[i]);
		fprintf(f, "],\n");
	}
	fprintf(f, "  \"bytes_written\": %" PRIu64 ",\n  \"ratio\": %.4f,\n", r->out_bytes,
		in_bytes ? (double)r->out_bytes / (double)in_bytes : 0.0);
	fprintf(f, "  \"seconds\": %.3f,\n  \"throughput_mb_s\": %.1f,\n", r->seconds,
		r->seconds > 0 ? (double)in_bytes / r->seconds / 1e6 : 0.0);
	fprintf(f, "  \"phases\": {\"open\": %.3f, \"dmesg\": %.3f, \"filter_setup\": %.3f, "
		"\"scan\": %.3f, \"write\": %.3f, \"finish_sync\": %.3f, \"manifest\": %.3f, "
		"\"manifest_hash\": %.3f},\n",
		r->tm[0], r->tm[1] - r->tm[0], r->tm[2] - r->tm[1], ps->scan_seconds,
		ps->write_seconds, r->tm[3] - r->tm[2] - ps->scan_seconds - ps->write_seconds,
		r->tm[4] - r->tm[3], r->manifest_hash);
	if (r->ssh) {
		fprintf(f, "  \"ssh\": {\"host\": ");
		json_str(f, r->o->ssh.host);
		fprintf(f, ", \"mode\": \"%s\", \"bytes\": %" PRIu64 ", \"bytes_sent\": %" PRIu64
			", \"seconds\": %.3f, \"throughput_mb_s\": %.1f, \"reconnects\": %u, "
			"\"remote_fsync\": %s},\n",
			r->o->ssh.mode == SSH_MODE_EXEC ? "exec" : "sftp", r->ssh->bytes,
			r->ssh->bytes_sent, r->ssh->seconds,
			r->ssh->seconds > 0 ? (double)r->ssh->bytes / r->ssh->seconds / 1e6 : 0.0,
			r->ssh->reconnects, r->ssh->sftp_fsync ? "true" : "false");
	}
	fprintf(f, "  \"dmesg\": ");
	json_str(f, r->dmesg ? r->dmesg : "");
	fprintf(f, ",\n  \"filter_note\": ");
	json_str(f, r->filter_note ? r->filter_note : "");
	fprintf(f, ",\n  \"error\": ");
	json_str(f, r->error ? r->error : "");
	fprintf(f, "\n}\n");
	fclose(f);
	ret = seq_write(s, buf, len);
	free(buf);
	return ret;
}

static char *sibling(const char *path, const char *name)
{
	char *copy = strdup(path), *dir, *out = NULL;

	if (!copy)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&out, "%s/%s", dir, name) < 0)
		out = NULL;
	free(copy);
	return out;
}

static char *suffixed(const char *path, const char *suffix)
{
	char *out = NULL;

	if (asprintf(&out, "%s%s", path, suffix) < 0)
		return NULL;
	return out;
}

/* ---- the capture ---- */

/* The dumped kernel's struct new_utsname (init_uts_ns.name), for the kdump
 * header; readers (libkdumpfile) want sysname, release, version and machine. */
static void read_uts(struct elfcore_kernel *k, const struct elfcore_vmcoreinfo *vi,
		     char uts[6][65])
{
	uint64_t sym, off = 0;

	memset(uts, 0, 6 * 65);
	if (k && vi && !elfcore_vmcoreinfo_symbol(NULL, vi, "init_uts_ns", &sym)) {
		elfcore_vmcoreinfo_offset(NULL, vi, "uts_namespace.name", &off);
		if (elfcore_kernel_read(k, sym + off, uts, 6 * 65) || strcmp(uts[0], "Linux"))
			memset(uts, 0, 6 * 65);
		for (int i = 0; i < 6; i++)
			uts[i][64] = '\0';
	}
	if (!uts[0][0])
		strcpy(uts[0], "Linux");
	if (!uts[3][0])
		strcpy(uts[3], "unknown");
}

/* Virtual reads for the page filter: mem_map is read in 32 KiB chunks
 * through vmemmap's 2M (or 1G) mappings, so the last translation is kept and
 * a physically contiguous span is read with one pread(). */
struct vreader {
	struct elfcore_kernel *k;
	struct cap_input *in;
	uint64_t va, pa, size;        /* the last leaf: [va, va + size) -> pa */
};

static int read_virt(void *priv, uint64_t vaddr, void *buf, size_t len)
{
	struct vreader *r = priv;
	uint8_t *out = buf;

	while (len) {
		uint64_t n;
		int ret;

		if (!r->size || vaddr < r->va || vaddr - r->va >= r->size) {
			struct elfcore_vtop_walk walk;

			ret = elfcore_kernel_vtop_walk(r->k, vaddr, &walk);
			if (ret)
				return ret;
			if (!walk.page_size || (walk.page_size & (walk.page_size - 1)))
				walk.page_size = 4096;
			r->size = walk.page_size;
			r->va = vaddr & ~(r->size - 1);
			r->pa = walk.paddr - (vaddr - r->va);
		}
		n = r->va + r->size - vaddr;
		if (n > len)
			n = len;
		ret = cap_input_read_phys(r->in, r->pa + (vaddr - r->va), out, (size_t)n);
		if (ret)
			return ret;
		out += n;
		vaddr += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sizes from the memory budget: a cycle's bitmap gets 1/8 of it, the batches
 * in flight at most half. */
static void budget(const struct opts *o, const struct cap_input *in, struct cap_pipeline_opts *po)
{
	uint64_t bm = o->mem_limit / 8, per_batch, pipe = o->mem_limit / 2;
	unsigned nw = po->threads > 1 ? po->threads : 1, slots;

	po->cycle_pfns = o->cycle_pfns ? o->cycle_pfns : bm * 8;
	if (po->cycle_pfns > ((in->max_pfn + 7) & ~7ull))
		po->cycle_pfns = (in->max_pfn + 7) & ~7ull;
	po->cycle_pfns = (po->cycle_pfns + 7) & ~7ull;
	po->batch_pages = 256;
	for (;;) {
		per_batch = po->batch_pages * (elfcore_page_encode_bound(po->codec, in->page_size) + 32);
		slots = po->threads > 1 ? 2 * nw + 2 : 1;
		if ((uint64_t)slots * per_batch + (uint64_t)nw * po->batch_pages * in->page_size <= pipe ||
		    po->batch_pages <= 16)
			break;
		po->batch_pages /= 2;
	}
	po->slots = slots;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct elfcore_ctx *ctx = NULL;
	struct cap_input in = { .fd = -1 };
	struct elfcore_kernel *kern = NULL;
	struct elfcore_pagefilter *pf = NULL;
	struct elfcore_pagefilter_mem mem;
	struct vreader vr = { 0 };
	struct elfcore_sink *sink = NULL;
	struct elfcore_writer *w = NULL;
	struct elfcore_writer_opts wo;
	struct elfcore_writer_stats ws = { 0 };
	struct cap_pipeline_opts po = { 0 };
	struct cap_pipeline_stats ps = { 0 };
	struct cap_progress *prog = NULL;
	char *dmesg_path = NULL, *report_path = NULL, *manifest_path = NULL, *partial = NULL;
	char errbuf[1100] = "", filter_note[600] = "";
	const char *dmesg_state = "skipped";
	char uts[6][65];
	int ret, rc = EXIT_FAIL, committed = 0;
	double t0 = now(), tm[5] = { 0 };
	struct manifest_job mj = { .fd = -1 };
	int want_manifest;
	struct stat st;
	unsigned level;
	struct ssh_sink_stats sshst = { 0 };

	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.check)
		return cap_ssh_check(&o.ssh);
	ctx = elfcore_ctx_new();
	prog = cap_progress_new(o.progress, 5);
	if (!ctx || !prog) {
		fprintf(stderr, "kdump-capture: out of memory\n");
		return EXIT_FAIL;
	}
	if (o.out_path && !o.use_ssh && lstat(o.out_path, &st) == 0) {
		fprintf(stderr, "kdump-capture: %s exists: kdump-capture never overwrites a dump\n",
			o.out_path);
		goto out;
	}
	ret = cap_input_open(ctx, o.in_path, !o.no_mmap, &in);
	if (ret) {
		fprintf(stderr, "kdump-capture: %s\n", elfcore_ctx_error(ctx));
		goto out;
	}
	if (o.out_path && o.use_ssh) {
		/* Remote names, in --remote-dir. */
		dmesg_path = strdup(o.dmesg_path ? o.dmesg_path : "vmcore-dmesg.txt");
		report_path = suffixed(o.report_path ? o.report_path : o.out_path,
				       o.report_path ? "" : ".json");
		manifest_path = o.manifest_path ? strdup(o.manifest_path) :
				suffixed(o.out_path, ELFCORE_MANIFEST_SUFFIX);
		partial = suffixed(o.out_path, ".XXXXXX.incomplete");
	} else if (o.out_path) {
		dmesg_path = o.dmesg_path ? strdup(o.dmesg_path) : sibling(o.out_path, "vmcore-dmesg.txt");
		report_path = suffixed(o.report_path ? o.report_path : o.out_path,
				       o.report_path ? "" : ".json");
		manifest_path = o.manifest_path ? strdup(o.manifest_path) :
				suffixed(o.out_path, ELFCORE_MANIFEST_SUFFIX);
		partial = suffixed(o.out_path, ".incomplete");
	} else if (o.dmesg_path) {
		dmesg_path = strdup(o.dmesg_path);
	}
	if (in.vi && elfcore_kernel_open_mem(ctx, in.vi, cap_input_read_phys, &in, &kern)) {
		cap_progress_msg(prog, "warning: no kernel view (%s): no dmesg, no page filtering",
				 elfcore_ctx_error(ctx));
		kern = NULL;
	}

	tm[0] = now() - t0;
	/* Triage first: the kernel log, before any page data. */
	if (dmesg_path && !o.no_dmesg) {
		if (!kern) {
			dmesg_state = "unavailable";
		} else if (write_small_file(ctx, o.use_ssh ? &o.ssh : NULL, dmesg_path, fill_dmesg, kern)) {
			cap_progress_msg(prog, "warning: kernel log: %s", elfcore_ctx_error(ctx));
			dmesg_state = "failed";
		} else {
			cap_progress_msg(prog, "kernel log written to %s", dmesg_path);
			dmesg_state = dmesg_path;
		}
	}

	tm[1] = now() - t0;
	/* The page filter; without it only zero pages can be left out. */
	level = o.level;
	vr.k = kern;
	vr.in = &in;
	mem.read_virt = read_virt;
	mem.priv = &vr;
	if (level & ~ELFCORE_DL_ZERO) {
		if (!kern || !in.vi) {
			snprintf(filter_note, sizeof(filter_note), "no VMCOREINFO or kernel view: "
				 "dump level %u reduced to %u", level, level & ELFCORE_DL_ZERO);
		} else if (elfcore_pagefilter_new(ctx, in.vi, &mem, in.max_pfn, level, &pf)) {
			snprintf(filter_note, sizeof(filter_note), "%s: dump level %u reduced to %u",
				 elfcore_ctx_error(ctx), level, level & ELFCORE_DL_ZERO);
			pf = NULL;
		}
		if (!pf) {
			cap_progress_msg(prog, "warning: %s", filter_note);
			level &= ELFCORE_DL_ZERO;
		} else if ((level & ELFCORE_DL_FREE) && !o.buddy_only &&
			   elfcore_pagefilter_set_pcp(pf, 1)) {
			cap_progress_msg(prog, "note: the free pages on per-CPU lists cannot be told "
					 "in this dump: they are kept, as by makedumpfile");
		}
	} else if (kern && in.vi && elfcore_pagefilter_new(ctx, in.vi, &mem, in.max_pfn, level, &pf) == 0 &&
		   !elfcore_pagefilter_active(pf)) {
		/* levels 0/1 still drop hwpoison/offline pages when the kernel marks them */
		elfcore_pagefilter_free(pf);
		pf = NULL;
	}

	/* The output. */
	if (o.format == ELFCORE_FORMAT_FLAT) {
		struct elfcore_sink *fd_sink = NULL;

		ret = elfcore_sink_open_fd(ctx, STDOUT_FILENO, "stdout", &fd_sink);
		if (!ret)
			ret = elfcore_sink_flat_new(ctx, fd_sink, &sink);
	} else if (o.use_ssh) {
		ret = cap_ssh_open(ctx, &o.ssh, o.out_path, 1, &sshst, &sink);
	} else {
		ret = elfcore_sink_open_file(ctx, o.out_path, ELFCORE_SINK_KEEP_PARTIAL, &sink);
	}
	if (ret) {
		fprintf(stderr, "kdump-capture: %s\n", elfcore_ctx_error(ctx));
		goto out;
	}
	memset(&wo, 0, sizeof(wo));
	wo.size = sizeof(wo);
	wo.format = o.format == ELFCORE_FORMAT_ELF ? ELFCORE_FORMAT_ELF : ELFCORE_FORMAT_KDUMP;
	wo.codec = o.codec;
	wo.level = o.codec_level;
	wo.page_size = in.page_size;
	wo.max_pfn = in.max_pfn;
	wo.ranges = in.ranges;
	wo.nr_ranges = in.nranges;
	wo.notes = in.notes;
	wo.notes_size = in.notes_size;
	wo.dump_level = (int)o.level;
	wo.elf_machine = in.machine;
	read_uts(kern, in.vi, uts);
	wo.uts.sysname = uts[0];
	wo.uts.nodename = uts[1];
	wo.uts.release = uts[2][0] ? uts[2] : NULL;
	wo.uts.version = uts[3];
	wo.uts.machine = uts[4][0] ? uts[4] : NULL;
	wo.uts.domainname = uts[5];
	if (in.vi) {
		int64_t pb;

		if (!elfcore_vmcoreinfo_number(NULL, in.vi, "phys_base", &pb))
			wo.phys_base = (uint64_t)pb;
	}
	ret = elfcore_writer_new(sink, &wo, &w);
	if (ret) {
		snprintf(errbuf, sizeof(errbuf), "%s", elfcore_ctx_error(ctx));
		fprintf(stderr, "kdump-capture: %s\n", errbuf);
		goto out;
	}

	po.threads = o.threads;
	po.dump_level = level;
	po.format = wo.format;
	po.codec = o.codec;
	po.codec_level = o.codec_level;
	po.progress = prog;
	budget(&o, &in, &po);
	tm[2] = now() - t0;
	ret = cap_pipeline_run(ctx, &in, pf, w, &po, &ps);
	if (!ret)
		ret = elfcore_writer_finish(w);
	elfcore_writer_stats(w, &ws);
	want_manifest = o.out_path && !o.use_ssh && !o.no_manifest;
	if (!ret && want_manifest)
		manifest_start(&mj, sink, o.out_path, o.threads > 1 ? 2 : 1);
	if (!ret)
		ret = elfcore_sink_commit(sink);
	if (ret) {
		snprintf(errbuf, sizeof(errbuf), "%s", elfcore_ctx_error(ctx));
	} else {
		committed = 1;
	}
	elfcore_writer_free(w);
	w = NULL;
	{
		uint64_t size = elfcore_sink_size(sink);
		int r = elfcore_sink_close(sink);

		sink = NULL;
		if (r && committed) {
			committed = 0;
			snprintf(errbuf, sizeof(errbuf), "%s", elfcore_ctx_error(ctx));
		}
		ws.bytes = size;
	}
	tm[3] = tm[4] = now() - t0;
	if (!committed) {
		if (o.out_path)
			fprintf(stderr, "kdump-capture: writing %s failed: %s\nkdump-capture: what was "
				"written is kept in %s%s%s, marked INCOMPLETE\n", o.out_path, errbuf,
				partial, o.use_ssh ? " on " : "", o.use_ssh ? o.ssh.host : "");
		else
			fprintf(stderr, "kdump-capture: writing the stream failed: %s\n", errbuf);
	} else {
		rc = 0;
		if (o.use_ssh && !o.no_manifest && o.ssh.mode == SSH_MODE_EXEC) {
			cap_progress_msg(prog, "note: no checksum manifest in exec mode (the remote "
					 "file is a flattened stream)");
		} else if (o.use_ssh && !o.no_manifest) {
			/* Hashed from what the remote host holds, read back. */
			if (cap_ssh_manifest(ctx, &o.ssh, o.out_path, manifest_path))
				cap_progress_msg(prog, "warning: manifest: %s", elfcore_ctx_error(ctx));
			else
				cap_progress_msg(prog, "checksum manifest written to %s on %s",
						 manifest_path, o.ssh.host);
		} else if (want_manifest && manifest_finish(&mj, ctx, 1, manifest_path))
			cap_progress_msg(prog, "warning: manifest: %s", elfcore_ctx_error(ctx));
		tm[4] = now() - t0;
	}
	if (mj.fd >= 0)
		manifest_finish(&mj, ctx, 0, NULL);       /* the dump failed: no manifest */
	if (report_path && !o.no_report) {
		struct report r = {
			.o = &o, .in = &in, .ps = &ps, .ws = &ws, .seconds = now() - t0, .tm = tm,
			.out_bytes = ws.bytes, .complete = committed, .error = errbuf,
			.filter_note = filter_note, .dmesg = dmesg_state,
			.ssh = o.use_ssh ? &sshst : NULL, .manifest_hash = mj.seconds,
		};

		if (write_small_file(ctx, o.use_ssh ? &o.ssh : NULL, report_path, fill_report, &r))
			cap_progress_msg(prog, "warning: report: %s", elfcore_ctx_error(ctx));
	}
	if (committed) {
		double secs = now() - t0;
		uint64_t in_bytes = ps.ram * in.page_size;

		cap_progress_msg(prog, "%s: %" PRIu64 " of %" PRIu64 " pages written, %.1f MB from "
				 "%.1f MB in %.2f s (%.0f MB/s)%s", o.out_path ? o.out_path : "stdout",
				 ws.written, ps.ram, (double)ws.bytes / 1e6, (double)in_bytes / 1e6,
				 secs, secs > 0 ? (double)in_bytes / secs / 1e6 : 0.0,
				 ps.unreadable ? ", some pages unreadable (see the report)" : "");
	}
out:
	elfcore_writer_free(w);
	elfcore_sink_close(sink);
	elfcore_pagefilter_free(pf);
	elfcore_kernel_close(kern);
	cap_input_close(&in);
	cap_progress_free(prog);
	elfcore_ctx_free(ctx);
	free(dmesg_path);
	free(report_path);
	free(manifest_path);
	free(partial);
	return rc;
}
