/* sftp-probe: how fast libssh's own SFTP API writes a file (bench/ssh).
 *
 *   sftp-probe --ssh USER@HOST[:PORT] --ssh-key KEY --known-hosts FILE
 *              --remote-dir DIR [--sessions N] [--write-size BYTES] INPUT NAME
 *
 * N SSH sessions (one thread each) open the same remote file and write
 * disjoint stripes of INPUT with synchronous sftp_write() calls of
 * --write-size bytes (default 255 KiB: OpenSSH's sftp-server takes messages
 * up to 256 KiB). Prints the seconds and MB/s. A measuring tool only: no
 * resume, no fsync. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/sftp.h>

#include "ec_priv.h"
#include "ssh_priv.h"

struct probe {
	struct ssh_target t;
	const char *input;
	char path[1024];
	unsigned sessions;
	size_t wsize;
	uint64_t size;
	int fd;
};

struct worker {
	struct probe *p;
	unsigned idx;
	int create;
	int ret;
	char err[512];
};

static void *run(void *arg)
{
	struct worker *w = arg;
	struct probe *p = w->p;
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct ssh_conn c;
	sftp_session sftp = NULL;
	sftp_file f = NULL;
	uint8_t *buf = malloc(p->wsize);
	int ret = -EIO;

	if (!ctx || !buf)
		goto out;
	ret = ssh_conn_open(ctx, &c, &p->t);
	if (ret) {
		snprintf(w->err, sizeof(w->err), "%s", elfcore_ctx_error(ctx));
		goto out;
	}
	ret = -EIO;
	sftp = sftp_new(c.session);
	if (!sftp || sftp_init(sftp) != SSH_OK) {
		snprintf(w->err, sizeof(w->err), "sftp: %s", ssh_get_error(c.session));
		goto close;
	}
	f = sftp_open(sftp, p->path, O_WRONLY | (w->create ? O_CREAT | O_EXCL : 0), 0600);
	if (!f) {
		snprintf(w->err, sizeof(w->err), "open %s: %s (sftp error %d)", p->path,
			 ssh_get_error(c.session), sftp_get_error(sftp));
		goto close;
	}
	for (uint64_t off = (uint64_t)w->idx * p->wsize; off < p->size;
	     off += (uint64_t)p->sessions * p->wsize) {
		size_t n = p->size - off < p->wsize ? (size_t)(p->size - off) : p->wsize;

		if (pread(p->fd, buf, n, (off_t)off) != (ssize_t)n ||
		    sftp_seek64(f, off) < 0 || sftp_write(f, buf, n) != (ssize_t)n) {
			snprintf(w->err, sizeof(w->err), "write at %llu: %s",
				 (unsigned long long)off, ssh_get_error(c.session));
			goto close;
		}
	}
	ret = sftp_close(f) == SSH_NO_ERROR ? 0 : -EIO;
	f = NULL;
close:
	if (f)
		sftp_close(f);
	sftp_free(sftp);
	ssh_conn_close(&c);
out:
	free(buf);
	elfcore_ctx_free(ctx);
	w->ret = ret;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		SSH_SINK_LONG_OPTIONS,
		{ "sessions", required_argument, NULL, 'n' },
		{ "write-size", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct probe p = { .sessions = 1, .wsize = 255 * 1024 };
	struct worker *w;
	struct timespec t0, t1;
	struct stat st;
	double secs;
	int opt, ret = 0;

	ssh_target_init(&p.t);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'n') {
			p.sessions = (unsigned)atoi(optarg);
		} else if (opt == 'w') {
			p.wsize = (size_t)atol(optarg);
		} else if (ssh_target_option(ctx, &p.t, opt, optarg) != 1) {
			fprintf(stderr, "sftp-probe: %s\n", opt == '?' ? "bad option" :
				elfcore_ctx_error(ctx));
			return 2;
		}
	}
	if (argc - optind != 2 || !p.sessions || p.sessions > 16 || !p.wsize ||
	    p.wsize > 1 << 20 || ssh_target_validate(ctx, &p.t)) {
		fprintf(stderr, "usage: sftp-probe --ssh U@H[:P] --ssh-key K [--known-hosts F] "
			"[--remote-dir D] [--sessions N] [--write-size B] INPUT NAME\n");
		return 2;
	}
	p.input = argv[optind];
	snprintf(p.path, sizeof(p.path), "%s/%s", p.t.remote_dir ? p.t.remote_dir : ".",
		 argv[optind + 1]);
	p.fd = open(p.input, O_RDONLY);
	if (p.fd < 0 || fstat(p.fd, &st)) {
		perror(p.input);
		return 1;
	}
	p.size = (uint64_t)st.st_size;
	w = calloc(p.sessions, sizeof(*w));
	if (!w)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The first session creates the file, the others open it. */
	w[0] = (struct worker){ .p = &p, .idx = 0, .create = 1 };
	if (p.sessions == 1) {
		run(&w[0]);
	} else {
		pthread_t th[16];
		struct ssh_conn c;
		sftp_session s;
		sftp_file f;

		/* Create it first so the others find it. */
		if (ssh_conn_open(ctx, &c, &p.t)) {
			fprintf(stderr, "sftp-probe: %s\n", elfcore_ctx_error(ctx));
			return 1;
		}
		s = sftp_new(c.session);
		f = s && sftp_init(s) == SSH_OK ?
		    sftp_open(s, p.path, O_WRONLY | O_CREAT | O_EXCL, 0600) : NULL;
		if (!f) {
			fprintf(stderr, "sftp-probe: cannot create %s\n", p.path);
			return 1;
		}
		sftp_close(f);
		sftp_free(s);
		ssh_conn_close(&c);
		for (unsigned i = 0; i < p.sessions; i++) {
			w[i] = (struct worker){ .p = &p, .idx = i };
			pthread_create(&th[i], NULL, run, &w[i]);
		}
		for (unsigned i = 0; i < p.sessions; i++)
			pthread_join(th[i], NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (unsigned i = 0; i < p.sessions; i++)
		if (w[i].ret) {
			fprintf(stderr, "sftp-probe: session %u: %s\n", i, w[i].err);
			ret = 1;
		}
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%u session(s), %zu-byte writes: %llu bytes in %.2f s, %.1f MB/s\n", p.sessions,
	       p.wsize, (unsigned long long)p.size, secs, (double)p.size / secs / 1e6);
	free(w);
	elfcore_ctx_free(ctx);
	return ret;
}
