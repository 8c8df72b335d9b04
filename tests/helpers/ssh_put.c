/* ssh-put: a test driver for the SSH sink. Streams LOCAL into REMOTE_NAME
 * the way a dump writer would, so tests can compare the remote file with
 * LOCAL byte for byte:
 *  - SFTP (random access): a zero placeholder for the head of the file, the
 *    rest in pieces of varying size, then the real head over the placeholder
 *    (as the kdump writer fills headers and bitmaps in last);
 *  - exec (sequential): the same writes through elfcore's flat sink, so
 *    `makedumpfile -R` rebuilds LOCAL.
 * --check runs the sink's --check instead. Prints one line of statistics. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore/context.h"
#include "elfcore/sink.h"
#include "ssh_sink.h"

#define HEAD_MAX (1u << 20)

struct put {
	struct elfcore_sink *sink;
	uint64_t fail_after;     /* act as a writer failing after this many bytes */
	uint64_t written;
	unsigned rate_mib;       /* throttle the writer (MiB/s, 0: none) */
};

static void log_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "ssh-put: %s\n", msg);
}

static int out(struct put *p, const void *buf, size_t len, uint64_t off)
{
	if (p->fail_after && p->written >= p->fail_after)
		return -ECANCELED;
	if (p->rate_mib)
		usleep((useconds_t)((double)len / (p->rate_mib * 1048576.0) * 1e6));
	p->written += len;
	return elfcore_sink_pwrite(p->sink, buf, len, off);
}

static int stream_file(struct put *p, int fd, uint64_t size)
{
	size_t head = size < HEAD_MAX ? (size_t)size : HEAD_MAX;
	static const size_t pieces[] = { 4096, 65536, 1000, 300000, 131072, 7, 1 << 20 };
	uint8_t *buf = malloc(1 << 20), *zero = calloc(1, HEAD_MAX);
	uint64_t off = head;
	unsigned k = 0;
	ssize_t n;
	int ret = -ENOMEM;

	if (!buf || !zero)
		goto done;
	ret = out(p, zero, head, 0);
	while (!ret && off < size) {
		size_t want = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];

		if (want > size - off)
			want = (size_t)(size - off);
		n = pread(fd, buf, want, (off_t)off);
		if (n != (ssize_t)want) {
			ret = -EIO;
			break;
		}
		ret = out(p, buf, want, off);
		off += want;
	}
	if (!ret && head) {
		n = pread(fd, zero, head, 0);
		ret = n == (ssize_t)head ? out(p, zero, head, 0) : -EIO;
	}
done:
	free(buf);
	free(zero);
	return ret;
}

static void usage(FILE *f)
{
	fputs("usage: ssh-put --ssh USER@HOST[:PORT] --ssh-key KEY [options] LOCAL REMOTE_NAME\n"
	      "       ssh-put --ssh USER@HOST[:PORT] --ssh-key KEY [options] --check\n", f);
	ssh_target_usage(f);
	fputs("  --fail-after BYTES      act as a writer failing after BYTES (discard)\n"
	      "  --rate MIB              throttle the writer to MIB MiB/s\n", f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SSH_SINK_LONG_OPTIONS,
		{ "check", no_argument, NULL, 'c' },
		{ "fail-after", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct put p = { 0 };
	const struct elfcore_sink_ops *ops;
	struct ssh_sink *ssh;
	struct elfcore_ctx *ctx;
	struct ssh_target t;
	struct ssh_sink_stats st = { 0 };
	struct stat sb;
	int check = 0, opt, ret, fd = -1, status = 1;

	ctx = elfcore_ctx_new();
	if (!ctx)
		return 1;
	ssh_target_init(&t);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		ret = ssh_target_option(ctx, &t, opt, optarg);
		if (ret < 0) {
			fprintf(stderr, "ssh-put: %s\n", elfcore_ctx_error(ctx));
			goto out;
		}
		if (ret)
			continue;
		switch (opt) {
		case 'c':
			check = 1;
			break;
		case 'f':
			p.fail_after = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			p.rate_mib = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default:
			usage(stderr);
			status = 2;
			goto out;
		}
	}
	if (check) {
		struct ssh_check_result res;

		ret = ssh_check(ctx, &t, &res);
		if (ret) {
			fprintf(stderr, "ssh-put: %s\n", elfcore_ctx_error(ctx));
			goto out;
		}
		printf("host key %s verified\nremote directory %s\n", res.fingerprint, res.remote_dir);
		if (res.have_statvfs)
			printf("free %llu bytes of %llu\n", (unsigned long long)res.free_bytes,
			       (unsigned long long)res.total_bytes);
		status = 0;
		goto out;
	}
	if (argc - optind != 2) {
		usage(stderr);
		status = 2;
		goto out;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "ssh-put: %s: %s\n", argv[optind], strerror(errno));
		goto out;
	}
	ret = ssh_sink_open(ctx, &t, argv[optind + 1], log_line, NULL, &ops, &ssh);
	if (ret) {
		fprintf(stderr, "ssh-put: %s\n", elfcore_ctx_error(ctx));
		goto out;
	}
	ssh_sink_stats_at_close(ssh, &st);
	ret = elfcore_sink_new(ctx, ops, ssh, &p.sink);
	if (!ret && ops->sequential) {
		struct elfcore_sink *inner = p.sink;

		ret = elfcore_sink_flat_new(ctx, inner, &p.sink);
	}
	if (!ret)
		ret = stream_file(&p, fd, (uint64_t)sb.st_size);
	if (!ret)
		ret = elfcore_sink_commit(p.sink);
	if (ret && ret != -ECANCELED)
		fprintf(stderr, "ssh-put: %s\n", elfcore_ctx_error(ctx));
	{
		int cret = elfcore_sink_close(p.sink);

		if (cret && !ret) {
			fprintf(stderr, "ssh-put: %s\n", elfcore_ctx_error(ctx));
			ret = cret;
		}
	}
	fprintf(stderr, "ssh-put: %llu bytes (%llu sent) in %.2f s, %.1f MB/s, %u reconnects, "
		"fsync %s\n", (unsigned long long)st.bytes, (unsigned long long)st.bytes_sent,
		st.seconds, st.seconds > 0 ? (double)st.bytes / st.seconds / 1e6 : 0.0,
		st.reconnects, st.sftp_fsync ? "yes" : "no");
	status = ret ? (ret == -ECANCELED ? 3 : 1) : 0;
out:
	if (fd >= 0)
		close(fd);
	elfcore_ctx_free(ctx);
	return status;
}
