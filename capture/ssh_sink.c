/* The SSH sink: a queue of writes filled by the writer, drained by network
 * threads that own the SSH connections (capture/ssh_sink.h).
 *
 * Every accepted write is copied into chunks of up to SSH_CHUNK_DATA bytes
 * kept in order on one list (struct chunk, ssh_priv.h). A chunk is freed once
 * durable; the writer blocks while the list holds more than SSH_RETAIN_CAP
 * bytes, which bounds memory in the capture kernel. SFTP mode (ssh_sftp.c)
 * writes the chunks with libssh's sftp_* API from several sessions; exec mode
 * (here) streams them into `cat` on the remote host and frees a chunk as soon
 * as libssh took it. */
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

double ssh_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void ssh_logf(struct ssh_sink *s, const char *fmt, ...)
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

int ssh_is_net_err(int err)
{
	return err == -ECONNRESET || err == -ECONNREFUSED || err == -ETIMEDOUT || err == -EPIPE ||
	       err == -EHOSTUNREACH || err == -ENETUNREACH;
}

void ssh_set_error(struct ssh_sink *s, struct elfcore_ctx *ctx, int err)
{
	pthread_mutex_lock(&s->mu);
	if (!s->err) {
		s->err = err;
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", elfcore_ctx_error(ctx));
	}
	pthread_cond_broadcast(&s->space);
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
}

static int report(struct ssh_sink *s, struct elfcore_ctx *ctx)
{
	return ec_err(ctx, s->err, "ssh %s: %s", s->final_path, s->errmsg);
}

int ssh_random_suffix(char *out, size_t n)
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

void ssh_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void ssh_free_durable_locked(struct ssh_sink *s)
{
	while (s->head && s->head->state == CH_DURABLE) {
		struct chunk *c = s->head;

		if (c->off + c->len > s->durable_end)
			s->durable_end = c->off + c->len;
		s->head = c->next;
		if (!s->head)
			s->tail = NULL;
		s->retained -= SSH_CHUNK_DATA;
		free(c);
	}
	pthread_cond_broadcast(&s->space);
}

static void mark_committed(struct ssh_sink *s)
{
	pthread_mutex_lock(&s->mu);
	s->committed = 1;
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
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
	char qdir[2 * SSH_PATH_MAX], qname[2 * 256], qtmp[2 * SSH_PATH_MAX], rnd[8];
	int ret;

	if (ssh_random_suffix(rnd, 6))
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
	char qdir[2 * SSH_PATH_MAX], qname[2 * 256], qtmp[2 * SSH_PATH_MAX];
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
	char cmd[8 * SSH_PATH_MAX];
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
	char cmd[8 * SSH_PATH_MAX];
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
			if (ssh_since(&t0) > s->t.timeout_seconds)
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
	char qdir[2 * SSH_PATH_MAX], qname[2 * 256], qtmp[2 * SSH_PATH_MAX];
	char cmd[8 * SSH_PATH_MAX];

	if (!s->remove_partial) {
		ssh_logf(s, "not committed: remote file left as %s", s->tmp_path);
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
		ret = exec_send(s, c->buf, c->len);
		if (ret)
			break;
		pthread_mutex_lock(&s->mu);
		s->stats.bytes_sent += c->len;
		c->state = CH_DURABLE;
		ssh_free_durable_locked(s);
		pthread_mutex_unlock(&s->mu);
	}
	if (ret)
		ssh_set_error(s, s->nctx, ret);
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
	s->retained += SSH_CHUNK_DATA;
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

		if (!c || c->state != CH_QUEUED || c->off + c->len != offset || c->len == SSH_CHUNK_DATA) {
			while (s->retained >= SSH_RETAIN_CAP && !s->err)
				pthread_cond_wait(&s->space, &s->mu);
			if (s->err)
				break;
			c = new_chunk(s, offset);
			if (!c) {
				ret = ec_err(ctx, -ENOMEM, "ssh %s: out of memory", s->final_path);
				goto out;
			}
		}
		n = SSH_CHUNK_DATA - c->len < len ? SSH_CHUNK_DATA - c->len : len;
		memcpy(c->buf + c->len, p, n);
		c->len += (uint32_t)n;
		p += n;
		len -= n;
		offset += n;
		s->accepted += n;
		if (offset > s->size_hi)
			s->size_hi = offset;
		/* SFTP lanes take full chunks (or the last one when told to). */
		if (s->t.mode == SSH_MODE_EXEC || c->len == SSH_CHUNK_DATA || c != s->tail ||
		    c == s->head)
			pthread_cond_broadcast(&s->work);
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
	pthread_cond_broadcast(&s->work);
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
	pthread_cond_broadcast(&s->work);
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
	ssh_sftp_join(s);
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
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	if (s->t.mode == SSH_MODE_SFTP)
		ssh_sftp_join(s);
	else
		pthread_join(s->thread, NULL);
	if (s->err)
		ret = report(s, ctx);
	s->stats.bytes = s->accepted;
	s->stats.seconds = ssh_since(&s->t0);
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
		ret = ssh_sftp_start(s);
	else
		ret = exec_session_open(s);
	if (ret) {
		ret = ec_err(ctx, ret, "ssh %s@%s: %s", t->user, t->host, elfcore_ctx_error(s->nctx));
		goto fail;
	}
	if (t->mode == SSH_MODE_EXEC) {
		ret = -pthread_create(&s->thread, NULL, exec_thread, s);
		if (ret) {
			ec_err(ctx, ret, "ssh: cannot start the network thread");
			ssh_conn_close(&s->conn);
			goto fail;
		}
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
	char cmd[2 * SSH_PATH_MAX + 64], qdir[2 * SSH_PATH_MAX], out[2048];
	uint64_t total, avail;
	size_t have = 0;
	int n;

	if (shell_quote(qdir, sizeof(qdir), t->remote_dir ? t->remote_dir : "."))
		return ec_err(ctx, -ENAMETOOLONG, "remote path too long");
	snprintf(cmd, sizeof(cmd), "cd -- %s && pwd && df -Pk .", qdir);
	if (ssh_conn_channel(ctx, c))
		return -ECONNRESET;
	if (ssh_channel_request_exec(c->channel, cmd) != SSH_OK)
		return ec_err(ctx, -ECONNRESET, "cannot run df: %s", ssh_get_error(c->session));
	while (have < sizeof(out) &&
	       (n = ssh_channel_read_timeout(c->channel, out + have, (uint32_t)(sizeof(out) - have),
					     0, (int)t->timeout_seconds * 1000)) > 0)
		have += (size_t)n;
	if (ssh_channel_get_exit_status(c->channel) != 0)
		return ec_err(ctx, -ENOENT, "remote directory %s: cannot enter it or run df",
			      t->remote_dir ? t->remote_dir : ".");
	if (ssh_parse_df(out, have, res->remote_dir, sizeof(res->remote_dir), &total, &avail))
		return ec_err(ctx, -EPROTO, "unexpected df output");
	res->total_bytes = total;
	res->free_bytes = avail;
	res->have_statvfs = 1;
	return 0;
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
		ret = ssh_sftp_check(ctx, &c, t, res);
	else
		ret = check_df(ctx, &c, t, res);
	ssh_conn_close(&c);
	if (ret)
		return elfcore_ctx_prefix(ctx, ret, "ssh %s@%s", t->user, t->host);
	return 0;
}
