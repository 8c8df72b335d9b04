/* The SSH sink: a queue of writes filled by the writer, drained by a network
 * thread that owns the SSH connection.
 *
 * Every accepted write is copied into 64 KiB chunks kept in order on one list:
 *
 *   head ............................ next_send ................ tail
 *   [acked, waiting for fsync][sent, in flight][queued, not sent yet]
 *
 * SFTP mode frees a chunk once it is durable: after the reply to an
 * fsync@openssh.com sent after it, or, when the server lacks that extension,
 * after its own acknowledgement. On a dropped connection the thread
 * reconnects, reopens the temporary file and re-sends the list from head in
 * the original order: overlapping positioned writes land in the same order
 * as the first time, so the file ends byte-identical. Exec mode frees a chunk
 * as soon as libssh took it. The writer blocks while the list holds more
 * than RETAIN_CAP bytes, which bounds memory in the capture kernel. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ec_priv.h"
#include "ssh_priv.h"

#define CHUNK_DATA (64u * 1024)
#define MAX_INFLIGHT 64
#define SYNC_INTERVAL (16u << 20)
#define RETAIN_CAP (40u << 20)
#define PATH_MAX_REMOTE 1024

enum chunk_state { CH_QUEUED, CH_SENT, CH_ACKED };

struct chunk {
	struct chunk *next;
	uint64_t off;
	uint32_t len;
	enum chunk_state state;
	uint8_t buf[SFTPC_WRITE_HDR_MAX + CHUNK_DATA];  /* data at buf + SFTPC_WRITE_HDR_MAX */
};

struct inflight {
	uint32_t id;
	struct chunk *c;
};

struct ssh_sink {
	struct ssh_target t;
	char name[256];
	char final_path[PATH_MAX_REMOTE];
	char tmp_path[PATH_MAX_REMOTE];
	ssh_log_fn *log;
	void *log_arg;
	struct timespec t0;

	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;      /* the network thread waits for chunks, sync, close */
	pthread_cond_t space;     /* the writer waits for room, durability, errors */

	/* Shared, under mu. */
	struct chunk *head, *tail, *next_send;
	size_t retained;
	uint64_t accepted;        /* payload bytes taken from the writer */
	uint64_t size_hi;         /* highest offset written + 1 */
	int sync_wanted;          /* the writer waits until everything is durable */
	int commit_wanted;        /* ... and then for the rename (or publish) */
	int committed;
	int closing;              /* close: after commit, or an abort */
	int finished;             /* the network thread ended */
	int remove_partial;       /* an abort removes the temporary file */
	int err;
	char errmsg[1024];
	struct ssh_sink_stats stats;
	struct ssh_sink_stats *stats_out;

	/* Network thread only. */
	struct elfcore_ctx *nctx;
	struct ssh_conn conn;
	struct sftpc sftp;
	struct sftpc_handle handle;
	int have_session, have_file;
	struct inflight inflight[MAX_INFLIGHT];
	unsigned n_inflight;
	struct chunk *last_sent;
	char cmd_err[256];        /* exec mode: the end of the command's stderr */
	int fsync_pending;
	uint32_t fsync_id;
	struct chunk *fsync_upto;
	size_t unsynced;
	uint64_t durable_end;     /* highest end offset among freed (durable) chunks */
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void logf_(struct ssh_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct ssh_sink *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->log(s->log_arg, msg);
}

static int is_net_err(int err)
{
	return err == -ECONNRESET || err == -ECONNREFUSED || err == -ETIMEDOUT || err == -EPIPE ||
	       err == -EHOSTUNREACH || err == -ENETUNREACH;
}

/* Record the thread's error (first one wins) and wake the writer. */
static void set_error(struct ssh_sink *s, int err)
{
	pthread_mutex_lock(&s->mu);
	if (!s->err) {
		s->err = err;
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", elfcore_ctx_error(s->nctx));
	}
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
}

static int report(struct ssh_sink *s, struct elfcore_ctx *ctx)
{
	return ec_err(ctx, s->err, "ssh %s: %s", s->final_path, s->errmsg);
}

/* ---- remote session ---- */

static void session_close(struct ssh_sink *s)
{
	if (s->have_session)
		sftpc_free(&s->sftp);
	ssh_conn_close(&s->conn);
	s->have_session = 0;
	s->have_file = 0;
}

enum open_how { OPEN_CREATE, OPEN_RESUME, OPEN_NOFILE };

static int random_suffix(char *out, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[16];

	if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t)n)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		out[i] = set[r[i] % (sizeof(set) - 1)];
	out[n] = '\0';
	return 0;
}

static int create_tmp(struct ssh_sink *s)
{
	struct elfcore_ctx *ctx = s->nctx;
	struct sftpc_attrs a;
	char rnd[8];
	uint32_t st;
	int ret;

	ret = sftpc_stat(&s->sftp, s->final_path, &a, &st);
	if (!ret)
		return ec_err(ctx, -EEXIST, "remote file exists; never overwriting it");
	if (st != SFTPC_NO_SUCH_FILE)
		return ret;
	if (random_suffix(rnd, 6))
		return ec_err(ctx, -EIO, "no random bytes for the temporary name");
	snprintf(s->tmp_path, sizeof(s->tmp_path), "%s.%s.incomplete", s->final_path, rnd);
	ret = sftpc_open(&s->sftp, s->tmp_path, SFTPC_WRITE | SFTPC_CREAT | SFTPC_EXCL, 0600,
			 &s->handle, &st);
	if (ret == -EACCES)
		return ec_err(ctx, ret, "remote directory %s is not writable",
			      s->t.remote_dir ? s->t.remote_dir : "(login directory)");
	if (ret == -EIO && st == SFTPC_FAILURE) {
		/* OpenSSH says only "Failure" for EROFS, ENOSPC, EDQUOT...: ask. */
		struct sftpc_statvfs v;
		const char *dir = s->t.remote_dir ? s->t.remote_dir : ".";

		if (s->sftp.has_statvfs && !sftpc_statvfs(&s->sftp, dir, &v)) {
			if (v.flag & 0x1)   /* SSH2_FXE_STATVFS_ST_RDONLY */
				return ec_err(ctx, -EROFS, "remote directory %s is on a read-only "
					      "file system", dir);
			if (v.bavail == 0 || v.favail == 0)
				return ec_err(ctx, -ENOSPC, "remote file system of %s is full", dir);
		}
		return ec_err(ctx, ret, "cannot create the remote file %s (the server says only "
			      "\"Failure\")", s->tmp_path);
	}
	if (ret == -ENOENT)
		return ec_err(ctx, ret, "remote directory %s does not exist",
			      s->t.remote_dir ? s->t.remote_dir : "(login directory)");
	if (ret)
		return elfcore_ctx_prefix(ctx, ret, "cannot create the remote file");
	return 0;
}

static int resume_tmp(struct ssh_sink *s)
{
	struct sftpc_attrs a;
	uint32_t st;
	int ret;

	ret = sftpc_open(&s->sftp, s->tmp_path, SFTPC_WRITE, 0600, &s->handle, &st);
	if (ret)
		return elfcore_ctx_prefix(s->nctx, ret, "cannot reopen the remote file");
	s->have_file = 1;
	ret = sftpc_fstat(&s->sftp, &s->handle, &a);
	if (ret)
		return ret;
	/* Durable data must still be there; anything else means someone else
	 * touched the file and resuming would not give the same bytes. */
	if (!a.has_size || a.size < s->durable_end)
		return ec_err(s->nctx, -EIO, "%s has %llu bytes, fewer than the %llu already "
			      "durable: cannot resume", s->tmp_path, (unsigned long long)a.size,
			      (unsigned long long)s->durable_end);
	return 0;
}

static int sftp_session_open(struct ssh_sink *s, enum open_how how)
{
	int ret;

	ret = ssh_conn_open(s->nctx, &s->conn, &s->t);
	if (ret)
		return ret;
	ret = ssh_conn_channel(s->nctx, &s->conn);
	if (!ret)
		ret = sftpc_start(&s->sftp, s->nctx, s->conn.channel, s->t.timeout_seconds * 1000);
	if (ret)
		goto fail;
	s->have_session = 1;
	s->stats.sftp_fsync = s->sftp.has_fsync;
	if (how == OPEN_CREATE) {
		ret = create_tmp(s);
		if (ret)
			goto fail;
		s->have_file = 1;
	} else if (how == OPEN_RESUME) {
		ret = resume_tmp(s);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	session_close(s);
	return ret;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Reconnect after err; OPEN_RESUME reopens the file, OPEN_NOFILE does not. */
static int reconnect(struct ssh_sink *s, int err, enum open_how how)
{
	unsigned delay = 250;
	struct timespec t0;
	uint64_t resume_at;
	struct chunk *c;
	int ret = err;

	logf_(s, "connection lost (%s); reconnecting for up to %u s",
	      elfcore_ctx_error(s->nctx), s->t.retry_seconds);
	session_close(s);
	pthread_mutex_lock(&s->mu);
	for (c = s->head; c; c = c->next)
		c->state = CH_QUEUED;
	s->next_send = s->head;
	resume_at = s->head ? s->head->off : s->durable_end;
	pthread_mutex_unlock(&s->mu);
	s->n_inflight = 0;
	s->fsync_pending = 0;
	s->fsync_upto = NULL;
	s->last_sent = NULL;
	s->unsynced = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (since(&t0) >= s->t.retry_seconds) {
			char last[512];

			snprintf(last, sizeof(last), "%s", elfcore_ctx_error(s->nctx));
			return ec_err(s->nctx, ret, "gave up reconnecting after %u s (last: %s); the "
				      "remote file %s is incomplete (durable up to offset %llu)",
				      s->t.retry_seconds, last, s->tmp_path,
				      (unsigned long long)s->durable_end);
		}
		sleep_ms(delay);
		delay = delay * 2 > 4000 ? 4000 : delay * 2;
		pthread_mutex_lock(&s->mu);
		if (s->closing && !s->committed) {
			pthread_mutex_unlock(&s->mu);
			return ec_err(s->nctx, -ECANCELED, "dump aborted while reconnecting");
		}
		pthread_mutex_unlock(&s->mu);
		ret = sftp_session_open(s, how);
		if (!ret)
			break;
		if (!is_net_err(ret))
			return ret;
	}
	s->stats.reconnects++;
	logf_(s, "reconnected after %.1f s; re-sending from offset %llu (durable up to %llu)",
	      since(&t0), (unsigned long long)resume_at, (unsigned long long)s->durable_end);
	return 0;
}

/* ---- SFTP network thread ---- */

/* Free chunks from head up to and including last (NULL: every acked one). */
static void free_durable(struct ssh_sink *s, struct chunk *last)
{
	pthread_mutex_lock(&s->mu);
	while (s->head && s->head->state == CH_ACKED) {
		struct chunk *c = s->head;

		if (c->off + c->len > s->durable_end)
			s->durable_end = c->off + c->len;
		s->head = c->next;
		if (!s->head)
			s->tail = NULL;
		s->retained -= CHUNK_DATA;
		free(c);
		if (c == last)
			break;
	}
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
}

/* A remote write failed: describe it, with the free space when it is a
 * plain "Failure" (OpenSSH maps ENOSPC to that). */
static int write_failed(struct ssh_sink *s, const struct sftpc_reply *r, uint64_t off)
{
	struct sftpc_reply drain;
	struct sftpc_statvfs v;
	int ret;

	unsigned pending = s->n_inflight - 1;   /* the failed one has answered */

	/* Collect the other replies, so that one more request can be made. */
	while (pending || s->fsync_pending) {
		if (sftpc_read_reply(&s->sftp, &drain, 1))
			break;
		if (s->fsync_pending && drain.id == s->fsync_id)
			s->fsync_pending = 0;
		else
			pending--;
	}
	s->n_inflight = 0;
	ret = r->status == SFTPC_PERMISSION_DENIED ? -EACCES : -EIO;
	if (r->status == SFTPC_FAILURE && s->sftp.has_statvfs &&
	    !sftpc_statvfs(&s->sftp, s->tmp_path, &v) && v.bavail * v.frsize < 2 * CHUNK_DATA)
		return ec_err(s->nctx, -ENOSPC, "remote write at offset %llu failed: the remote "
			      "file system is full (%llu bytes free); %s left incomplete",
			      (unsigned long long)off, (unsigned long long)(v.bavail * v.frsize),
			      s->tmp_path);
	return ec_err(s->nctx, ret, "remote write at offset %llu failed: %s; %s left incomplete",
		      (unsigned long long)off, r->msg[0] ? r->msg : sftpc_status_str(r->status),
		      s->tmp_path);
}

static int handle_reply(struct ssh_sink *s, const struct sftpc_reply *r)
{
	if (s->fsync_pending && r->id == s->fsync_id) {
		s->fsync_pending = 0;
		if (r->status != SFTPC_OK)
			return ec_err(s->nctx, -EIO, "remote fsync failed: %s",
				      r->msg[0] ? r->msg : sftpc_status_str(r->status));
		free_durable(s, s->fsync_upto);
		s->fsync_upto = NULL;
		return 0;
	}
	for (unsigned i = 0; i < s->n_inflight; i++) {
		struct chunk *c = s->inflight[i].c;

		if (s->inflight[i].id != r->id)
			continue;
		if (r->status != SFTPC_OK)
			return write_failed(s, r, c->off);
		c->state = CH_ACKED;
		s->inflight[i] = s->inflight[--s->n_inflight];
		if (!s->sftp.has_fsync)
			free_durable(s, NULL);
		return 0;
	}
	return ec_err(s->nctx, -EPROTO, "SFTP: reply to unknown request %u", r->id);
}

static int read_replies(struct ssh_sink *s, int block)
{
	struct sftpc_reply r;
	int ret;

	while (s->n_inflight || s->fsync_pending) {
		ret = sftpc_read_reply(&s->sftp, &r, block);
		if (ret == -EAGAIN)
			return 0;
		if (ret)
			return ret;
		ret = handle_reply(s, &r);
		if (ret)
			return ret;
		block = 0;
	}
	return 0;
}

static int read_replies_all(struct ssh_sink *s)
{
	int ret = 0;

	while (!ret && (s->n_inflight || s->fsync_pending))
		ret = read_replies(s, 1);
	return ret;
}

static int maybe_fsync(struct ssh_sink *s)
{
	int want, ret;

	if (!s->sftp.has_fsync || s->fsync_pending || !s->last_sent)
		return 0;
	pthread_mutex_lock(&s->mu);
	want = s->unsynced >= SYNC_INTERVAL ||
	       ((s->sync_wanted || s->commit_wanted) && !s->next_send && s->head);
	pthread_mutex_unlock(&s->mu);
	if (!want)
		return 0;
	ret = sftpc_send_fsync(&s->sftp, &s->handle, &s->fsync_id);
	if (ret)
		return ret;
	s->fsync_pending = 1;
	s->fsync_upto = s->last_sent;
	s->last_sent = NULL;
	s->unsynced = 0;
	return 0;
}

static void mark_committed(struct ssh_sink *s)
{
	pthread_mutex_lock(&s->mu);
	s->committed = 1;
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
}

static int sftp_finish(struct ssh_sink *s)
{
	struct sftpc_attrs a;
	uint32_t st;
	int ret;

	if (s->have_file) {
		ret = sftpc_close(&s->sftp, &s->handle);
		if (ret)
			return ret;
		s->have_file = 0;
	}
	ret = sftpc_rename(&s->sftp, s->tmp_path, s->final_path, &st);
	if (!ret)
		return 0;
	if (is_net_err(ret))
		return ret;
	/* A retried rename after a lost reply: the file is already in place. */
	if (sftpc_stat(&s->sftp, s->tmp_path, &a, NULL) == -ENOENT &&
	    !sftpc_stat(&s->sftp, s->final_path, &a, NULL) && a.has_size && a.size == s->size_hi)
		return 0;
	if (!sftpc_stat(&s->sftp, s->final_path, &a, NULL))
		return ec_err(s->nctx, -EEXIST, "remote file appeared during the dump; not "
			      "overwriting it, the dump stays in %s", s->tmp_path);
	return elfcore_ctx_prefix(s->nctx, ret, "cannot rename %s", s->tmp_path);
}

/* Not committed: leave the file under its .incomplete name, or remove it. */
static int sftp_abort(struct ssh_sink *s)
{
	if (!s->remove_partial) {
		logf_(s, "not committed: remote file left as %s", s->tmp_path);
		return 1;
	}
	/* Best effort: the replies in flight first, then close and remove. */
	if (!read_replies_all(s) && s->have_file && !sftpc_close(&s->sftp, &s->handle)) {
		s->have_file = 0;
		sftpc_remove(&s->sftp, s->tmp_path);
	}
	return 1;
}

/* One round: send what is queued, maybe an fsync, read replies. Returns 1
 * when everything is done. */
static int sftp_round(struct ssh_sink *s)
{
	struct chunk *batch[MAX_INFLIGHT];
	unsigned n = 0;
	int finish = 0, block, ret;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->next_send && s->n_inflight < MAX_INFLIGHT)
			break;
		if (s->n_inflight || s->fsync_pending)
			break;
		if (s->closing && !s->committed) {
			pthread_mutex_unlock(&s->mu);
			return sftp_abort(s);
		}
		if (s->head && (s->sync_wanted || s->commit_wanted))
			break;
		if (s->commit_wanted && !s->committed && !s->head) {
			finish = 1;
			break;
		}
		if (s->sync_wanted && !s->head) {
			s->sync_wanted = 0;
			pthread_cond_broadcast(&s->space);
		}
		pthread_cond_wait(&s->work, &s->mu);
	}
	while (s->next_send && s->n_inflight + n < MAX_INFLIGHT) {
		struct chunk *c = s->next_send;

		c->state = CH_SENT;
		batch[n++] = c;
		s->next_send = c->next;
	}
	pthread_mutex_unlock(&s->mu);
	if (finish) {
		ret = sftp_finish(s);
		if (!ret)
			mark_committed(s);
		return ret ?: 1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct chunk *c = batch[i];
		struct inflight *f = &s->inflight[s->n_inflight];

		ret = sftpc_send_write(&s->sftp, &s->handle, c->off, c->buf + SFTPC_WRITE_HDR_MAX,
				       c->len, &f->id);
		if (ret)
			return ret;
		f->c = c;
		s->n_inflight++;
		s->unsynced += c->len;
		s->last_sent = c;
		s->stats.bytes_sent += c->len;
		/* Keep the reply stream flowing while sending. */
		if ((i & 7) == 7) {
			ret = read_replies(s, 0);
			if (ret)
				return ret;
		}
	}
	ret = maybe_fsync(s);
	if (ret)
		return ret;
	pthread_mutex_lock(&s->mu);
	block = s->n_inflight >= MAX_INFLIGHT || !s->next_send;
	pthread_mutex_unlock(&s->mu);
	return read_replies(s, block);
}

static void *sftp_thread(void *arg)
{
	struct ssh_sink *s = arg;
	int ret;

	for (;;) {
		ret = sftp_round(s);
		if (ret == 1)
			break;
		if (ret && is_net_err(ret)) {
			pthread_mutex_lock(&s->mu);
			int finishing = s->commit_wanted && !s->head;
			pthread_mutex_unlock(&s->mu);
			ret = reconnect(s, ret, finishing && !s->have_file ? OPEN_NOFILE : OPEN_RESUME);
			if (!ret)
				continue;
		}
		if (ret) {
			set_error(s, ret);
			break;
		}
	}
	session_close(s);
	pthread_mutex_lock(&s->mu);
	s->finished = 1;
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- exec mode ---- */

/* Single-quote for a POSIX shell. */
static int shell_quote(char *out, size_t out_len, const char *in)
{
	size_t o = 0;

	if (out_len < 3)
		return -ENAMETOOLONG;
	out[o++] = '\'';
	for (; *in; in++) {
		const char *piece = *in == '\'' ? "'\\''" : NULL;
		size_t n = piece ? 4 : 1;

		if (o + n + 2 > out_len)
			return -ENAMETOOLONG;
		if (piece)
			memcpy(out + o, piece, n);
		else
			out[o] = *in;
		o += n;
	}
	out[o++] = '\'';
	out[o] = '\0';
	return 0;
}

/* Collect the remote command's stderr (at most len-1 bytes) for messages. */
static void exec_stderr(struct ssh_sink *s, char *buf, size_t len)
{
	size_t have;
	int n;

	snprintf(buf, len, "%s", s->cmd_err);
	have = strlen(buf);
	s->cmd_err[0] = '\0';
	if (!s->conn.channel)
		return;
	while (have < len - 1) {
		n = ssh_channel_read_timeout(s->conn.channel, buf + have, (uint32_t)(len - 1 - have),
					     1, 2000);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	while (have && (buf[have - 1] == '\n' || buf[have - 1] == '\r'))
		buf[--have] = '\0';
	for (size_t i = 0; i < have; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
}

/* Run cmd on a fresh channel of the open session. */
static int exec_start(struct ssh_sink *s, const char *cmd)
{
	int ret;

	if (s->conn.channel) {
		ssh_channel_free(s->conn.channel);
		s->conn.channel = NULL;
	}
	ret = ssh_conn_channel(s->nctx, &s->conn);
	if (ret)
		return ret;
	if (ssh_channel_request_exec(s->conn.channel, cmd) != SSH_OK)
		return ec_err(s->nctx, -ECONNRESET, "cannot run the remote command: %s",
			      ssh_get_error(s->conn.session));
	return 0;
}

/* Wait for the command to end; 0 when it exited 0. */
static int exec_wait(struct ssh_sink *s, const char *what)
{
	char err[512];
	char sink[4096];
	int status;

	while (ssh_channel_read_timeout(s->conn.channel, sink, sizeof(sink), 0,
					(int)s->t.timeout_seconds * 1000) > 0)
		;
	exec_stderr(s, err, sizeof(err));
	status = ssh_channel_get_exit_status(s->conn.channel);
	if (status == 0)
		return 0;
	return ec_err(s->nctx, -EIO, "%s failed (exit status %d)%s%s", what, status,
		      err[0] ? ": " : "", err);
}

static int quote_paths(struct ssh_sink *s, char *qdir, size_t dlen, char *qname, size_t nlen,
		       char *qtmp, size_t tlen)
{
	if (shell_quote(qdir, dlen, s->t.remote_dir ? s->t.remote_dir : ".") ||
	    shell_quote(qname, nlen, s->name) || shell_quote(qtmp, tlen, s->tmp_path))
		return ec_err(s->nctx, -ENAMETOOLONG, "remote path too long");
	return 0;
}

/* The streaming command; picks the temporary name. noclobber (set -C) makes
 * the shell create the file exclusively; umask 077 gives mode 0600. "ready"
 * tells the sink that the file exists before it sends a byte, so refusals
 * (existing dump, read-only or missing directory) come back at once. */
static int exec_stream_cmd(struct ssh_sink *s, char *out, size_t len)
{
	char qdir[2 * PATH_MAX_REMOTE], qname[2 * 256], qtmp[2 * PATH_MAX_REMOTE], rnd[8];
	int ret;

	if (random_suffix(rnd, 6))
		return ec_err(s->nctx, -EIO, "no random bytes for the temporary name");
	snprintf(s->tmp_path, sizeof(s->tmp_path), "%s.%s.incomplete", s->name, rnd);
	ret = quote_paths(s, qdir, sizeof(qdir), qname, sizeof(qname), qtmp, sizeof(qtmp));
	if (ret)
		return ret;
	snprintf(out, len,
		 "cd -- %s || exit 1; if test -e %s; then echo %s: exists, never overwriting it >&2; "
		 "exit 17; fi; umask 077; set -C; : > %s || exit 1; echo ready; exec cat >> %s",
		 qdir, qname, qname, qtmp, qtmp);
	return 0;
}

/* Publish only a file of the expected size, and never over an existing one
 * (ln fails when the name exists). */
static int exec_publish_cmd(struct ssh_sink *s, char *out, size_t len)
{
	char qdir[2 * PATH_MAX_REMOTE], qname[2 * 256], qtmp[2 * PATH_MAX_REMOTE];
	int ret;

	ret = quote_paths(s, qdir, sizeof(qdir), qname, sizeof(qname), qtmp, sizeof(qtmp));
	if (ret)
		return ret;
	snprintf(out, len,
		 "cd -- %s || exit 1; n=$(wc -c < %s) || exit 1; if test \"$n\" -ne %llu; then "
		 "echo %s: has $n bytes, expected %llu >&2; exit 1; fi; ln -- %s %s && rm -f -- %s",
		 qdir, qtmp, (unsigned long long)s->size_hi, qtmp,
		 (unsigned long long)s->size_hi, qtmp, qname, qtmp);
	return 0;
}

static int exec_finish(struct ssh_sink *s)
{
	char cmd[8 * PATH_MAX_REMOTE];
	int ret;

	if (ssh_channel_send_eof(s->conn.channel) != SSH_OK)
		return ec_err(s->nctx, -ECONNRESET, "remote command: sending EOF failed: %s",
			      ssh_get_error(s->conn.session));
	ret = exec_wait(s, "remote `cat`");
	if (ret)
		return ret;
	ret = exec_publish_cmd(s, cmd, sizeof(cmd));
	if (!ret)
		ret = exec_start(s, cmd);
	if (!ret)
		ret = exec_wait(s, "publishing the remote file");
	return ret;
}

static int exec_ready(struct ssh_sink *s)
{
	char buf[16];
	size_t have = 0;
	int n;

	while (have < 6) {
		n = ssh_channel_read_timeout(s->conn.channel, buf + have, (uint32_t)(6 - have), 0,
					     (int)s->t.timeout_seconds * 1000);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have == 6 && !memcmp(buf, "ready\n", 6))
		return 0;
	/* The command ended (or said something else): its status says why. */
	n = exec_wait(s, "remote command");
	return n ? n : ec_err(s->nctx, -EPROTO, "remote command did not start streaming");
}

static int exec_session_open(struct ssh_sink *s)
{
	char cmd[8 * PATH_MAX_REMOTE];
	int ret;

	ret = ssh_conn_open(s->nctx, &s->conn, &s->t);
	if (!ret)
		ret = exec_stream_cmd(s, cmd, sizeof(cmd));
	if (!ret)
		ret = exec_start(s, cmd);
	if (!ret)
		ret = exec_ready(s);
	if (ret) {
		ssh_conn_close(&s->conn);
		return ret;
	}
	s->have_session = 0;   /* no SFTP state to free */
	return 0;
}

/* Keep the command's stderr (its last bytes) in s->cmd_err; drop stdout. */
static int drain_output(struct ssh_sink *s)
{
	char buf[512];
	int n;

	while ((n = ssh_channel_read_nonblocking(s->conn.channel, buf, sizeof(buf), 1)) > 0) {
		size_t keep = sizeof(s->cmd_err) - 1, have = strlen(s->cmd_err);

		if ((size_t)n >= keep) {
			memcpy(s->cmd_err, buf + n - keep, keep);
			have = keep;
		} else {
			if (have + (size_t)n > keep) {
				memmove(s->cmd_err, s->cmd_err + have + n - keep, keep - (size_t)n);
				have = keep - (size_t)n;
			}
			memcpy(s->cmd_err + have, buf, (size_t)n);
			have += (size_t)n;
		}
		s->cmd_err[have] = '\0';
	}
	if (n == SSH_ERROR)
		return -1;
	while ((n = ssh_channel_read_nonblocking(s->conn.channel, buf, sizeof(buf), 0)) > 0)
		;
	return n == SSH_ERROR ? -1 : 0;
}

/* Send within the channel window only: libssh's blocking write would wait
 * the whole timeout for a window that a dead command never opens, where
 * this loop sees the command's end (EOF) at once. */
static int exec_send(struct ssh_sink *s, const uint8_t *p, size_t len)
{
	ssh_channel ch = s->conn.channel;
	struct pollfd pfd = { .fd = ssh_get_fd(s->conn.session), .events = POLLIN };
	struct timespec t0;
	char err[512];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len) {
		uint32_t win;

		/* Drain what the command prints: pending output hides its EOF
		 * from ssh_channel_is_eof() and stops libssh's packet processing. */
		if (drain_output(s) < 0)
			goto fail;
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
			goto fail;
		win = ssh_channel_window_size(ch);
		if (!win) {
			if (since(&t0) > s->t.timeout_seconds)
				return ec_err(s->nctx, -ETIMEDOUT, "remote command: no progress in %u s",
					      s->t.timeout_seconds);
			poll(&pfd, 1, 100);
			continue;
		}
		n = ssh_channel_write(ch, p, win < len ? win : (uint32_t)len);
		if (n <= 0)
			goto fail;
		p += n;
		len -= (size_t)n;
		clock_gettime(CLOCK_MONOTONIC, &t0);
	}
	return 0;
fail:
	/* The command died (disk full, permissions): say why. */
	exec_stderr(s, err, sizeof(err));
	return ec_err(s->nctx, -EIO, "sending to the remote command failed: %s",
		      err[0] ? err : ssh_channel_is_eof(ch) ? "it ended early" :
		      ssh_get_error(s->conn.session));
}

static void exec_abort(struct ssh_sink *s)
{
	char qdir[2 * PATH_MAX_REMOTE], qname[2 * 256], qtmp[2 * PATH_MAX_REMOTE];
	char cmd[8 * PATH_MAX_REMOTE];

	if (!s->remove_partial) {
		logf_(s, "not committed: remote file left as %s", s->tmp_path);
		return;
	}
	ssh_channel_send_eof(s->conn.channel);
	if (exec_wait(s, "remote `cat`") ||
	    quote_paths(s, qdir, sizeof(qdir), qname, sizeof(qname), qtmp, sizeof(qtmp)))
		return;
	snprintf(cmd, sizeof(cmd), "cd -- %s && rm -f -- %s", qdir, qtmp);
	if (!exec_start(s, cmd))
		exec_wait(s, "removing the partial file");
}

static void *exec_thread(void *arg)
{
	struct ssh_sink *s = arg;
	struct chunk *c;
	int ret = 0;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->next_send && !s->closing && !s->commit_wanted) {
			if (s->sync_wanted) {
				s->sync_wanted = 0;
				pthread_cond_broadcast(&s->space);
			}
			pthread_cond_wait(&s->work, &s->mu);
		}
		if (s->closing && !s->committed) {
			/* Aborted: closing the channel ends `cat`; nothing is published. */
			pthread_mutex_unlock(&s->mu);
			exec_abort(s);
			break;
		}
		c = s->next_send;
		if (c) {
			c->state = CH_SENT;
			s->next_send = c->next;
		}
		pthread_mutex_unlock(&s->mu);
		if (!c) {
			ret = exec_finish(s);
			if (!ret)
				mark_committed(s);
			break;
		}
		ret = exec_send(s, c->buf + SFTPC_WRITE_HDR_MAX, c->len);
		if (ret)
			break;
		s->stats.bytes_sent += c->len;
		c->state = CH_ACKED;
		free_durable(s, NULL);
	}
	if (ret)
		set_error(s, ret);
	ssh_conn_close(&s->conn);
	pthread_mutex_lock(&s->mu);
	s->finished = 1;
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- the sink ops, called by the writer ---- */

static struct chunk *new_chunk(struct ssh_sink *s, uint64_t off)
{
	struct chunk *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	c->next = NULL;
	c->off = off;
	c->len = 0;
	c->state = CH_QUEUED;
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	if (!s->next_send)
		s->next_send = c;
	s->retained += CHUNK_DATA;
	return c;
}

static int sink_pwrite(void *priv, struct elfcore_ctx *ctx, const void *buf, size_t len,
		       uint64_t offset)
{
	struct ssh_sink *s = priv;
	const uint8_t *p = buf;
	int ret = 0;

	pthread_mutex_lock(&s->mu);
	if (s->t.mode == SSH_MODE_EXEC && offset != s->accepted && !s->err) {
		ret = ec_err(ctx, -ESPIPE, "ssh %s: exec mode takes a sequential stream (write at "
			     "%llu, expected %llu)", s->final_path, (unsigned long long)offset,
			     (unsigned long long)s->accepted);
		goto out;
	}
	while (len && !s->err) {
		struct chunk *c = s->tail;
		size_t n;

		if (!c || c->state != CH_QUEUED || c->off + c->len != offset || c->len == CHUNK_DATA) {
			while (s->retained >= RETAIN_CAP && !s->err)
				pthread_cond_wait(&s->space, &s->mu);
			if (s->err)
				break;
			c = new_chunk(s, offset);
			if (!c) {
				ret = ec_err(ctx, -ENOMEM, "ssh %s: out of memory", s->final_path);
				goto out;
			}
		}
		n = CHUNK_DATA - c->len < len ? CHUNK_DATA - c->len : len;
		memcpy(c->buf + SFTPC_WRITE_HDR_MAX + c->len, p, n);
		c->len += (uint32_t)n;
		p += n;
		len -= n;
		offset += n;
		s->accepted += n;
		if (offset > s->size_hi)
			s->size_hi = offset;
		pthread_cond_signal(&s->work);
	}
	if (s->err)
		ret = report(s, ctx);
out:
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static int sink_sync(void *priv, struct elfcore_ctx *ctx)
{
	struct ssh_sink *s = priv;
	int ret = 0;

	pthread_mutex_lock(&s->mu);
	s->sync_wanted = 1;
	pthread_cond_signal(&s->work);
	while (s->sync_wanted && !s->err && !s->finished)
		pthread_cond_wait(&s->space, &s->mu);
	if (s->err)
		ret = report(s, ctx);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static int sink_commit(void *priv, struct elfcore_ctx *ctx)
{
	struct ssh_sink *s = priv;
	int ret = 0;

	pthread_mutex_lock(&s->mu);
	s->commit_wanted = 1;
	pthread_cond_signal(&s->work);
	while (!s->committed && !s->err && !s->finished)
		pthread_cond_wait(&s->space, &s->mu);
	if (s->err)
		ret = report(s, ctx);
	else if (!s->committed)
		ret = ec_err(ctx, -EIO, "ssh %s: the network thread ended", s->final_path);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static void sink_free(struct ssh_sink *s)
{
	while (s->head) {
		struct chunk *c = s->head;

		s->head = c->next;
		free(c);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->space);
	elfcore_ctx_free(s->nctx);
	free(s);
}

static int sink_close(void *priv, struct elfcore_ctx *ctx)
{
	struct ssh_sink *s = priv;
	int ret = 0;

	pthread_mutex_lock(&s->mu);
	s->closing = 1;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	if (s->err)
		ret = report(s, ctx);
	s->stats.bytes = s->accepted;
	s->stats.seconds = since(&s->t0);
	if (s->stats_out)
		*s->stats_out = s->stats;
	sink_free(s);
	return ret;
}

static const struct elfcore_sink_ops sftp_ops = {
	.pwrite = sink_pwrite,
	.sync = sink_sync,
	.close = sink_close,
	.sequential = 0,
	.commit = sink_commit,
};

static const struct elfcore_sink_ops exec_ops = {
	.pwrite = sink_pwrite,
	.sync = sink_sync,
	.close = sink_close,
	.sequential = 1,
	.commit = sink_commit,
};

static int valid_name(const char *name)
{
	return name[0] && strlen(name) < 200 && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

int ssh_sink_open(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *name,
		  ssh_log_fn *log, void *log_arg, const struct elfcore_sink_ops **ops,
		  struct ssh_sink **priv)
{
	struct ssh_sink *s;
	int ret;

	ret = ssh_target_validate(ctx, t);
	if (ret)
		return ret;
	if (!valid_name(name))
		return ec_err(ctx, -EINVAL, "ssh: remote file name %s: expected a plain file name",
			      name);
	s = calloc(1, sizeof(*s));
	if (!s)
		return ec_err(ctx, -ENOMEM, "ssh: out of memory");
	s->nctx = elfcore_ctx_new();
	if (!s->nctx) {
		free(s);
		return ec_err(ctx, -ENOMEM, "ssh: out of memory");
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->space, NULL);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->t = *t;
	s->log = log;
	s->log_arg = log_arg;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (t->remote_dir)
		snprintf(s->final_path, sizeof(s->final_path), "%s/%s", t->remote_dir, name);
	else
		snprintf(s->final_path, sizeof(s->final_path), "%s", name);
	/* Connect here, so refusals (host key, user key, existing file) come
	 * back before the writer starts. */
	if (t->mode == SSH_MODE_SFTP)
		ret = sftp_session_open(s, OPEN_CREATE);
	else
		ret = exec_session_open(s);
	if (ret) {
		ret = ec_err(ctx, ret, "ssh %s@%s: %s", t->user, t->host, elfcore_ctx_error(s->nctx));
		goto fail;
	}
	ret = -pthread_create(&s->thread, NULL,
			      t->mode == SSH_MODE_SFTP ? sftp_thread : exec_thread, s);
	if (ret) {
		ec_err(ctx, ret, "ssh: cannot start the network thread");
		session_close(s);
		goto fail;
	}
	*ops = t->mode == SSH_MODE_SFTP ? &sftp_ops : &exec_ops;
	*priv = s;
	return 0;
fail:
	sink_free(s);
	return ret;
}

void ssh_sink_stats_at_close(struct ssh_sink *s, struct ssh_sink_stats *out)
{
	pthread_mutex_lock(&s->mu);
	s->stats_out = out;
	pthread_mutex_unlock(&s->mu);
}

void ssh_sink_remove_partial(struct ssh_sink *s)
{
	pthread_mutex_lock(&s->mu);
	s->remove_partial = 1;
	pthread_mutex_unlock(&s->mu);
}

const char *ssh_sink_remote_path(const struct ssh_sink *s)
{
	return s->final_path;
}

/* ---- --check ---- */

static int check_df(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t,
		    struct ssh_check_result *res)
{
	char cmd[2 * PATH_MAX_REMOTE + 64], qdir[2 * PATH_MAX_REMOTE], out[2048];
	unsigned long long total, used, avail;
	size_t have = 0;
	char *line;
	int n;

	if (shell_quote(qdir, sizeof(qdir), t->remote_dir ? t->remote_dir : "."))
		return ec_err(ctx, -ENAMETOOLONG, "remote path too long");
	snprintf(cmd, sizeof(cmd), "cd -- %s && pwd && df -Pk .", qdir);
	if (ssh_conn_channel(ctx, c))
		return -ECONNRESET;
	if (ssh_channel_request_exec(c->channel, cmd) != SSH_OK)
		return ec_err(ctx, -ECONNRESET, "cannot run df: %s", ssh_get_error(c->session));
	while (have < sizeof(out) - 1 &&
	       (n = ssh_channel_read_timeout(c->channel, out + have, (uint32_t)(sizeof(out) - 1 - have),
					     0, (int)t->timeout_seconds * 1000)) > 0)
		have += (size_t)n;
	out[have] = '\0';
	if (ssh_channel_get_exit_status(c->channel) != 0)
		return ec_err(ctx, -ENOENT, "remote directory %s: cannot enter it or run df",
			      t->remote_dir ? t->remote_dir : ".");
	line = strchr(out, '\n');
	if (!line)
		return ec_err(ctx, -EPROTO, "unexpected df output");
	*line = '\0';
	snprintf(res->remote_dir, sizeof(res->remote_dir), "%s", out);
	line = strchr(line + 1, '\n');   /* skip df's header */
	if (!line || sscanf(line + 1, "%*s %llu %llu %llu", &total, &used, &avail) != 3)
		return ec_err(ctx, -EPROTO, "unexpected df output");
	res->total_bytes = total * 1024;
	res->free_bytes = avail * 1024;
	res->have_statvfs = 1;
	return 0;
}

static int check_sftp(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t,
		      struct ssh_check_result *res)
{
	const char *dir = t->remote_dir ? t->remote_dir : ".";
	struct sftpc_statvfs v;
	struct sftpc_attrs a;
	struct sftpc sftp = { 0 };
	int ret;

	ret = ssh_conn_channel(ctx, c);
	if (!ret)
		ret = sftpc_start(&sftp, ctx, c->channel, t->timeout_seconds * 1000);
	if (ret)
		return ret;
	ret = sftpc_stat(&sftp, dir, &a, NULL);
	if (ret) {
		ret = elfcore_ctx_prefix(ctx, ret, "remote directory");
		goto out;
	}
	if (a.has_perm && (a.perm & 0170000) != 0040000) {
		ret = ec_err(ctx, -ENOTDIR, "remote %s is not a directory", dir);
		goto out;
	}
	ret = sftpc_realpath(&sftp, dir, res->remote_dir, sizeof(res->remote_dir));
	if (ret)
		goto out;
	if (sftp.has_statvfs) {
		ret = sftpc_statvfs(&sftp, dir, &v);
		if (ret)
			goto out;
		res->free_bytes = v.bavail * v.frsize;
		res->total_bytes = v.blocks * v.frsize;
		res->have_statvfs = 1;
	}
out:
	sftpc_free(&sftp);
	return ret;
}

int ssh_check(struct elfcore_ctx *ctx, const struct ssh_target *t, struct ssh_check_result *res)
{
	struct ssh_conn c;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = ssh_target_validate(ctx, t);
	if (ret)
		return ret;
	ret = ssh_conn_open(ctx, &c, t);
	if (ret)
		return elfcore_ctx_prefix(ctx, ret, "ssh %s@%s", t->user, t->host);
	memcpy(res->fingerprint, c.fingerprint, sizeof(res->fingerprint));
	if (t->mode == SSH_MODE_SFTP)
		ret = check_sftp(ctx, &c, t, res);
	else
		ret = check_df(ctx, &c, t, res);
	ssh_conn_close(&c);
	if (ret)
		return elfcore_ctx_prefix(ctx, ret, "ssh %s@%s", t->user, t->host);
	return 0;
}
