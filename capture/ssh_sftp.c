/* The SSH sink's SFTP transport, on libssh's own sftp_* API.
 *
 * libssh 0.10 (Debian 12) writes synchronously: sftp_write() sends one
 * SSH_FXP_WRITE and waits for its status. So the sink runs SSH_SFTP_LANES
 * sessions ("lanes"), one thread each, all writing the same temporary file
 * through handles of their own; each takes the next chunk of the queue:
 *
 *   head ........................................ next_send ........ tail
 *   [durable | acked | being written by a lane ...][queued, not sent yet]
 *
 * Order: a chunk overlapping one that another lane is writing waits for it,
 * and chunks leave the queue in order, so overlapping positioned writes
 * (headers and bitmaps rewritten at the end) land in the writer's order.
 *
 * Durability: fsync@openssh.com (on any lane's handle: it flushes the file)
 * makes every chunk acked before it was sent durable; without the extension
 * an acknowledgement counts (the data is in the remote page cache, which
 * survives a dropped connection). Durable chunks are freed from the head.
 *
 * Resume: when one lane loses its connection, every lane stops (a barrier),
 * the last one to stop puts every chunk still held back in the queue, and
 * each lane reconnects with backoff, reopens the file (checking it still
 * holds the durable bytes) and writes again from the head in the original
 * order: the result is byte-identical to an uninterrupted run. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ec_priv.h"
#include "elfcore/manifest.h"
#include "ssh_priv.h"

#define SYNC_INTERVAL (16u << 20)

struct ssh_lane {
	struct ssh_sink *s;
	unsigned idx;
	pthread_t thread;
	struct elfcore_ctx *ctx;
	struct ssh_conn conn;
	sftp_session sftp;
	sftp_file file;
	struct chunk *cur;        /* being written (under s->mu) */
	int down;                 /* no session: reconnect before working */
	int stopped;              /* counted in s->lanes_stopped (under s->mu) */
};

enum open_how { OPEN_CREATE, OPEN_FILE, OPEN_RESUME, OPEN_NOFILE };

/* ---- errors ---- */

/* After a failed sftp_* call: network trouble (worth a reconnect) or what
 * the server's status says. */
static int lane_errno(struct ssh_lane *l)
{
	ssh_session ss = l->conn.session;

	if (!ss || !l->sftp || (ssh_get_status(ss) & (SSH_CLOSED | SSH_CLOSED_ERROR)) ||
	    ssh_channel_is_closed(l->sftp->channel) || ssh_channel_is_eof(l->sftp->channel))
		return -ECONNRESET;
	switch (sftp_get_error(l->sftp)) {
	case SSH_FX_NO_SUCH_FILE:
	case SSH_FX_NO_SUCH_PATH:
		return -ENOENT;
	case SSH_FX_PERMISSION_DENIED:
		return -EACCES;
	case SSH_FX_FILE_ALREADY_EXISTS:
		return -EEXIST;
	case SSH_FX_OP_UNSUPPORTED:
		return -EOPNOTSUPP;
	case SSH_FX_WRITE_PROTECT:
		return -EROFS;
	case SSH_FX_FAILURE:
		return -EIO;
	default:
		/* No status from the server: the transport failed (timeout...). */
		return -ECONNRESET;
	}
}

static int lane_err(struct ssh_lane *l, const char *what)
{
	int ret = lane_errno(l);

	return ec_err(l->ctx, ret, "%s: %s", what, ssh_get_error(l->conn.session));
}

/* ---- sessions ---- */

static void lane_close(struct ssh_lane *l)
{
	if (l->file)
		sftp_close(l->file);
	l->file = NULL;
	if (l->sftp)
		sftp_free(l->sftp);
	l->sftp = NULL;
	ssh_conn_close(&l->conn);
	l->down = 1;
}

/* OpenSSH answers only "Failure" for EROFS, ENOSPC, EDQUOT...: ask statvfs. */
static int why_failure(struct ssh_lane *l, const char *path, int ret, const char *what)
{
	struct ssh_sink *s = l->s;
	sftp_statvfs_t v = s->has_statvfs ? sftp_statvfs(l->sftp, path) : NULL;

	if (v && (v->f_flag & SSH_FXE_STATVFS_ST_RDONLY))
		ret = ec_err(l->ctx, -EROFS, "%s: the remote file system is read-only", what);
	else if (v && (v->f_bavail * v->f_frsize < 2 * SSH_CHUNK_DATA || v->f_favail == 0))
		ret = ec_err(l->ctx, -ENOSPC, "%s: the remote file system is full (%llu bytes free)",
			     what, (unsigned long long)(v->f_bavail * v->f_frsize));
	else
		ret = ec_err(l->ctx, ret, "%s (the server says only \"Failure\")", what);
	sftp_statvfs_free(v);
	return ret;
}

static int create_tmp(struct ssh_lane *l)
{
	struct ssh_sink *s = l->s;
	const char *dir = s->t.remote_dir ? s->t.remote_dir : "(login directory)";
	sftp_attributes a;
	char rnd[8];
	int ret;

	a = sftp_stat(l->sftp, s->final_path);
	if (a) {
		sftp_attributes_free(a);
		return ec_err(l->ctx, -EEXIST, "remote file exists; never overwriting it");
	}
	ret = lane_errno(l);
	if (ret != -ENOENT)
		return ec_err(l->ctx, ret, "cannot check for %s: %s", s->final_path,
			      ssh_get_error(l->conn.session));
	if (ssh_random_suffix(rnd, 6))
		return ec_err(l->ctx, -EIO, "no random bytes for the temporary name");
	snprintf(s->tmp_path, sizeof(s->tmp_path), "%s.%s.incomplete", s->final_path, rnd);
	l->file = sftp_open(l->sftp, s->tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (l->file)
		return 0;
	ret = lane_errno(l);
	if (ret == -EACCES)
		return ec_err(l->ctx, ret, "remote directory %s is not writable", dir);
	if (ret == -ENOENT)
		return ec_err(l->ctx, ret, "remote directory %s does not exist", dir);
	if (ret == -EIO)
		return why_failure(l, s->t.remote_dir ? s->t.remote_dir : ".", ret,
				   "cannot create the remote file");
	return ec_err(l->ctx, ret, "cannot create the remote file %s: %s", s->tmp_path,
		      ssh_get_error(l->conn.session));
}

static int open_tmp(struct ssh_lane *l, int check_size)
{
	struct ssh_sink *s = l->s;
	sftp_attributes a;
	uint64_t durable;
	int ret = 0;

	l->file = sftp_open(l->sftp, s->tmp_path, O_WRONLY, 0);
	if (!l->file)
		return lane_err(l, "cannot reopen the remote file");
	if (!check_size)
		return 0;
	a = sftp_fstat(l->file);
	if (!a)
		return lane_err(l, "cannot stat the remote file");
	pthread_mutex_lock(&s->mu);
	durable = s->durable_end;
	pthread_mutex_unlock(&s->mu);
	/* Durable data must still be there; anything else means someone else
	 * touched the file and resuming would not give the same bytes. */
	if (a->size < durable)
		ret = ec_err(l->ctx, -EIO, "%s has %llu bytes, fewer than the %llu already "
			     "durable: cannot resume", s->tmp_path, (unsigned long long)a->size,
			     (unsigned long long)durable);
	sftp_attributes_free(a);
	return ret;
}

static int lane_open(struct ssh_lane *l, enum open_how how)
{
	struct ssh_sink *s = l->s;
	int ret;

	ret = ssh_conn_open(l->ctx, &l->conn, &s->t);
	if (ret)
		return ret;
	l->sftp = sftp_new(l->conn.session);
	if (!l->sftp || sftp_init(l->sftp) != SSH_OK) {
		ret = ec_err(l->ctx, -ECONNRESET, "cannot start SFTP: %s",
			     ssh_get_error(l->conn.session));
		goto fail;
	}
	if (how == OPEN_CREATE) {
		s->has_fsync = sftp_extension_supported(l->sftp, "fsync@openssh.com", "1");
		s->has_statvfs = sftp_extension_supported(l->sftp, "statvfs@openssh.com", "2");
		s->stats.sftp_fsync = s->has_fsync;
		ret = create_tmp(l);
	} else if (how != OPEN_NOFILE) {
		ret = open_tmp(l, how == OPEN_RESUME);
	}
	if (ret)
		goto fail;
	l->down = 0;
	return 0;
fail:
	lane_close(l);
	return ret;
}

/* Reconnect with backoff until retry_seconds after the loss. */
static int lane_reconnect(struct ssh_lane *l, enum open_how how)
{
	struct ssh_sink *s = l->s;
	unsigned delay = 250;
	struct timespec t0;
	int ret;

	pthread_mutex_lock(&s->mu);
	t0 = s->broken_at;
	pthread_mutex_unlock(&s->mu);
	for (;;) {
		if (ssh_since(&t0) >= s->t.retry_seconds) {
			char last[512];

			snprintf(last, sizeof(last), "%s", elfcore_ctx_error(l->ctx));
			return ec_err(l->ctx, -ETIMEDOUT, "gave up reconnecting after %u s (last: %s); "
				      "the remote file %s is incomplete (durable up to offset %llu)",
				      s->t.retry_seconds, last, s->tmp_path,
				      (unsigned long long)s->durable_end);
		}
		ssh_sleep_ms(delay);
		delay = delay * 2 > 4000 ? 4000 : delay * 2;
		pthread_mutex_lock(&s->mu);
		if (s->committed || s->closing) {
			pthread_mutex_unlock(&s->mu);
			return ec_err(l->ctx, -ECANCELED, "dump aborted while reconnecting");
		}
		pthread_mutex_unlock(&s->mu);
		ret = lane_open(l, how);
		if (!ret)
			break;
		if (!ssh_is_net_err(ret))
			return ret;
	}
	if (l->idx == 0) {
		uint64_t from, durable;

		pthread_mutex_lock(&s->mu);
		from = s->head ? s->head->off : s->durable_end;
		durable = s->durable_end;
		pthread_mutex_unlock(&s->mu);
		ssh_logf(s, "reconnected after %.1f s; re-sending from offset %llu (durable up to "
			 "%llu)", ssh_since(&t0), (unsigned long long)from,
			 (unsigned long long)durable);
	}
	return 0;
}

/* ---- the work ---- */

static int lane_write(struct ssh_lane *l, struct chunk *c)
{
	struct ssh_sink *s = l->s;
	ssize_t n = -1;
	int ret = 0;

	if (sftp_seek64(l->file, c->off) == 0)
		n = sftp_write(l->file, c->buf, c->len);
	if (n != (ssize_t)c->len) {
		char what[128];

		snprintf(what, sizeof(what), "remote write at offset %llu failed",
			 (unsigned long long)c->off);
		ret = lane_errno(l);
		if (ret == -EIO)
			ret = why_failure(l, s->tmp_path, ret, what);
		else
			ret = ec_err(l->ctx, ret, "%s: %s", what, ssh_get_error(l->conn.session));
		if (!ssh_is_net_err(ret))
			ret = elfcore_ctx_prefix(l->ctx, ret, "%s left incomplete", s->tmp_path);
	}
	pthread_mutex_lock(&s->mu);
	l->cur = NULL;
	s->in_flight--;
	if (!ret) {
		c->state = s->has_fsync ? CH_ACKED : CH_DURABLE;
		c->gen = s->ack_gen;
		s->unsynced += c->len;
		s->stats.bytes_sent += c->len;
		ssh_free_durable_locked(s);
	}
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static int lane_fsync(struct ssh_lane *l)
{
	struct ssh_sink *s = l->s;
	unsigned gen;
	int ret = 0;

	pthread_mutex_lock(&s->mu);
	gen = s->ack_gen++;
	s->fsync_running = 1;
	s->unsynced = 0;
	pthread_mutex_unlock(&s->mu);
	if (sftp_fsync(l->file))
		ret = lane_err(l, "remote fsync failed");
	pthread_mutex_lock(&s->mu);
	s->fsync_running = 0;
	if (!ret) {
		for (struct chunk *c = s->head; c; c = c->next)
			if (c->state == CH_ACKED && c->gen <= gen)
				c->state = CH_DURABLE;
		ssh_free_durable_locked(s);
	}
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	return ret;
}

static int lane_finish(struct ssh_lane *l)
{
	struct ssh_sink *s = l->s;
	sftp_attributes a;
	int ret;

	if (l->file && sftp_close(l->file) != SSH_NO_ERROR) {
		l->file = NULL;
		return lane_err(l, "closing the remote file failed");
	}
	l->file = NULL;
	/* SFTP v3's rename never replaces an existing file (OpenSSH links, then
	 * unlinks), which is what "never overwrite" needs. */
	if (!sftp_rename(l->sftp, s->tmp_path, s->final_path))
		return 0;
	ret = lane_errno(l);
	if (ssh_is_net_err(ret))
		return ec_err(l->ctx, ret, "rename: %s", ssh_get_error(l->conn.session));
	/* A retried rename after a lost reply: the file is already in place. */
	a = sftp_stat(l->sftp, s->tmp_path);
	if (!a) {
		a = sftp_stat(l->sftp, s->final_path);
		if (a && a->size == s->size_hi) {
			sftp_attributes_free(a);
			return 0;
		}
	}
	if (a) {
		sftp_attributes_free(a);
		a = sftp_stat(l->sftp, s->final_path);
		if (a) {
			sftp_attributes_free(a);
			return ec_err(l->ctx, -EEXIST, "remote file appeared during the dump; not "
				      "overwriting it, the dump stays in %s", s->tmp_path);
		}
	}
	return ec_err(l->ctx, ret, "cannot rename %s: %s", s->tmp_path,
		      ssh_get_error(l->conn.session));
}

/* Not committed: leave the file under its .incomplete name, or remove it. */
static void lane_abort(struct ssh_lane *l)
{
	struct ssh_sink *s = l->s;

	if (!s->remove_partial) {
		ssh_logf(s, "not committed: remote file left as %s", s->tmp_path);
		return;
	}
	if (l->down)
		return;
	if (l->file)
		sftp_close(l->file);
	l->file = NULL;
	sftp_unlink(l->sftp, s->tmp_path);
}

/* ---- scheduling ---- */

enum job { JOB_WRITE, JOB_FSYNC, JOB_FINISH, JOB_RECOVER, JOB_ABORT, JOB_EXIT };

static int overlaps_in_flight(struct ssh_sink *s, const struct chunk *c)
{
	for (unsigned i = 0; i < s->n_lanes; i++) {
		const struct chunk *o = s->lanes[i].cur;

		if (o && o->off < c->off + c->len && c->off < o->off + o->len)
			return 1;
	}
	return 0;
}

/* Under mu: a chunk goes out full, unless nothing more will come for now. */
static int chunk_ready(struct ssh_sink *s, const struct chunk *c)
{
	return c->len == SSH_CHUNK_DATA || c->next || s->sync_wanted || s->commit_wanted ||
	       s->closing;
}

static int need_fsync(struct ssh_sink *s)
{
	int acked = 0;

	if (!s->has_fsync || s->fsync_running)
		return 0;
	if (s->unsynced >= SYNC_INTERVAL)
		return 1;
	for (struct chunk *c = s->head; c && !acked; c = c->next)
		acked = c->state == CH_ACKED;
	if (!acked)
		return 0;
	/* The writer waits for everything to be written, or soon for room:
	 * small writes fill chunk buffers long before SYNC_INTERVAL bytes. */
	return ((s->sync_wanted || s->commit_wanted) && !s->next_send && !s->in_flight) ||
	       s->retained >= SSH_RETAIN_CAP / 2;
}

/* The recovery barrier, under mu: the last lane to stop re-queues every
 * chunk still held, from the head. Returns 1 when this lane must wait. */
static int barrier(struct ssh_lane *l)
{
	struct ssh_sink *s = l->s;

	if (!l->stopped) {
		/* Closing may wait on a dead socket: not under the lock. */
		pthread_mutex_unlock(&s->mu);
		lane_close(l);
		pthread_mutex_lock(&s->mu);
		l->stopped = 1;
		s->lanes_stopped++;
	}
	if (!s->broken)
		return 0;
	if (s->lanes_stopped < s->lanes_running)
		return 1;
	for (struct chunk *c = s->head; c; c = c->next)
		c->state = CH_QUEUED;
	s->next_send = s->head;
	s->in_flight = 0;
	s->unsynced = 0;
	s->broken = 0;
	s->lanes_stopped = 0;
	for (unsigned i = 0; i < s->n_lanes; i++)
		s->lanes[i].stopped = 0;
	s->stats.reconnects++;
	pthread_cond_broadcast(&s->work);
	return 0;
}

static enum job next_job(struct ssh_lane *l, struct chunk **out)
{
	struct ssh_sink *s = l->s;
	enum job j;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct chunk *c = s->next_send;

		if (s->err) {
			j = JOB_EXIT;
			break;
		}
		if (s->closing && !s->committed) {
			j = l->idx == 0 ? JOB_ABORT : JOB_EXIT;
			break;
		}
		if (s->committed) {
			j = JOB_EXIT;
			break;
		}
		if (s->broken) {
			if (barrier(l))
				pthread_cond_wait(&s->work, &s->mu);
			continue;
		}
		if (l->down) {
			j = JOB_RECOVER;
			break;
		}
		if (need_fsync(s)) {
			j = JOB_FSYNC;
			break;
		}
		if (c && chunk_ready(s, c) && !overlaps_in_flight(s, c)) {
			c->state = CH_SENT;
			s->next_send = c->next;
			s->in_flight++;
			l->cur = c;
			*out = c;
			j = JOB_WRITE;
			break;
		}
		if (!s->head && !s->in_flight && !s->fsync_running) {
			if (s->commit_wanted && l->idx == 0) {
				j = JOB_FINISH;
				break;
			}
			if (s->sync_wanted) {
				s->sync_wanted = 0;
				pthread_cond_broadcast(&s->space);
			}
		}
		pthread_cond_wait(&s->work, &s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return j;
}

static void *lane_thread(void *arg)
{
	struct ssh_lane *l = arg;
	struct ssh_sink *s = l->s;
	int ret = 0, done = 0;

	while (!done) {
		struct chunk *c = NULL;
		enum job j = next_job(l, &c);

		switch (j) {
		case JOB_WRITE:
			ret = lane_write(l, c);
			break;
		case JOB_FSYNC:
			ret = lane_fsync(l);
			break;
		case JOB_FINISH:
			ret = lane_finish(l);
			if (!ret) {
				pthread_mutex_lock(&s->mu);
				s->committed = 1;
				pthread_cond_broadcast(&s->space);
				pthread_cond_broadcast(&s->work);
				pthread_mutex_unlock(&s->mu);
			}
			break;
		case JOB_RECOVER:
			/* Everything durable, the rename is left: a session is enough. */
			pthread_mutex_lock(&s->mu);
			j = s->commit_wanted && !s->head && !s->in_flight ? JOB_FINISH : JOB_RECOVER;
			pthread_mutex_unlock(&s->mu);
			ret = lane_reconnect(l, j == JOB_FINISH ? OPEN_NOFILE : OPEN_RESUME);
			break;
		case JOB_ABORT:
			lane_abort(l);
			done = 1;
			break;
		case JOB_EXIT:
			done = 1;
			break;
		}
		if (ret && ssh_is_net_err(ret) && j != JOB_RECOVER) {
			pthread_mutex_lock(&s->mu);
			if (!s->broken) {
				s->broken = 1;
				clock_gettime(CLOCK_MONOTONIC, &s->broken_at);
				ssh_logf(s, "connection lost (%s); reconnecting for up to %u s",
					 elfcore_ctx_error(l->ctx), s->t.retry_seconds);
			}
			pthread_cond_broadcast(&s->work);
			pthread_mutex_unlock(&s->mu);
			ret = 0;
		} else if (ret) {
			/* After the rename nothing can go wrong any more (a lane still
			 * reconnecting finds no temporary file). */
			pthread_mutex_lock(&s->mu);
			int after_commit = s->committed;
			pthread_mutex_unlock(&s->mu);
			if (!after_commit)
				ssh_set_error(s, l->ctx, ret);
			done = 1;
		}
	}
	lane_close(l);
	pthread_mutex_lock(&s->mu);
	if (--s->lanes_running == 0)
		s->finished = 1;
	/* A lane gone can no longer be waited for at the barrier. */
	if (l->stopped)
		s->lanes_stopped--;
	l->stopped = 0;
	pthread_cond_broadcast(&s->work);
	pthread_cond_broadcast(&s->space);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int ssh_sftp_start(struct ssh_sink *s)
{
	unsigned n = 0;
	int ret;

	unsigned want = s->t.sftp_sessions ? s->t.sftp_sessions : SSH_SFTP_LANES;

	if (want > SSH_SFTP_LANES_MAX)
		want = SSH_SFTP_LANES_MAX;
	s->lanes = calloc(want, sizeof(*s->lanes));
	if (!s->lanes)
		return ec_err(s->nctx, -ENOMEM, "out of memory");
	s->lanes_alloc = want;
	for (unsigned i = 0; i < want; i++) {
		struct ssh_lane *l = &s->lanes[i];

		l->s = s;
		l->idx = i;
		l->down = 1;
		l->ctx = elfcore_ctx_new();
		if (!l->ctx)
			return ec_err(s->nctx, -ENOMEM, "out of memory");
	}
	/* Lane 0 creates the file: refusals (host key, user key, existing file)
	 * come back before the writer starts. */
	ret = lane_open(&s->lanes[0], OPEN_CREATE);
	if (ret)
		return ec_err(s->nctx, ret, "%s", elfcore_ctx_error(s->lanes[0].ctx));
	/* More lanes only speed things up: one that cannot connect is left out. */
	for (n = 1; n < want; n++)
		if (lane_open(&s->lanes[n], OPEN_FILE)) {
			ssh_logf(s, "one SFTP session only: %s", elfcore_ctx_error(s->lanes[n].ctx));
			break;
		}
	s->n_lanes = 0;
	for (unsigned i = 0; i < n; i++) {
		ret = -pthread_create(&s->lanes[i].thread, NULL, lane_thread, &s->lanes[i]);
		if (ret)
			break;
		pthread_mutex_lock(&s->mu);
		s->n_lanes++;
		s->lanes_running++;
		pthread_mutex_unlock(&s->mu);
	}
	if (!s->n_lanes)
		return ec_err(s->nctx, ret, "cannot start the network thread");
	return 0;
}

void ssh_sftp_join(struct ssh_sink *s)
{
	if (!s->lanes)
		return;
	for (unsigned i = 0; i < s->n_lanes; i++)
		pthread_join(s->lanes[i].thread, NULL);
	for (unsigned i = 0; i < s->lanes_alloc; i++) {
		lane_close(&s->lanes[i]);
		elfcore_ctx_free(s->lanes[i].ctx);
	}
	free(s->lanes);
	s->lanes = NULL;
}

/* ---- --check ---- */

int ssh_sftp_check(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t,
		   struct ssh_check_result *res)
{
	const char *dir = t->remote_dir ? t->remote_dir : ".";
	sftp_session sftp = sftp_new(c->session);
	sftp_attributes a = NULL;
	sftp_statvfs_t v = NULL;
	char *canon = NULL;
	int ret = 0;

	if (!sftp || sftp_init(sftp) != SSH_OK) {
		ret = ec_err(ctx, -ECONNRESET, "cannot start SFTP: %s", ssh_get_error(c->session));
		goto out;
	}
	a = sftp_stat(sftp, dir);
	if (!a) {
		ret = ec_err(ctx, sftp_get_error(sftp) == SSH_FX_NO_SUCH_FILE ? -ENOENT : -EIO,
			     "remote directory %s: %s", dir, ssh_get_error(c->session));
		goto out;
	}
	if ((a->permissions & S_IFMT) != S_IFDIR) {
		ret = ec_err(ctx, -ENOTDIR, "remote %s is not a directory", dir);
		goto out;
	}
	canon = sftp_canonicalize_path(sftp, dir);
	if (!canon) {
		ret = ec_err(ctx, -EIO, "remote directory %s: %s", dir, ssh_get_error(c->session));
		goto out;
	}
	snprintf(res->remote_dir, sizeof(res->remote_dir), "%s", canon);
	if (sftp_extension_supported(sftp, "statvfs@openssh.com", "2")) {
		v = sftp_statvfs(sftp, dir);
		if (!v) {
			ret = ec_err(ctx, -EIO, "statvfs %s: %s", dir, ssh_get_error(c->session));
			goto out;
		}
		res->free_bytes = v->f_bavail * v->f_frsize;
		res->total_bytes = v->f_blocks * v->f_frsize;
		res->have_statvfs = 1;
	}
out:
	sftp_statvfs_free(v);
	ssh_string_free_char(canon);
	sftp_attributes_free(a);
	if (sftp)
		sftp_free(sftp);
	return ret;
}

/* ---- the manifest of the remote dump ---- */

/* Reads run ahead: up to READ_AHEAD requests of READ_SIZE bytes in flight
 * (libssh's sftp_async_read_begin/sftp_async_read), so the read-back is not
 * one round trip per request. The manifest reads each byte once, in order,
 * in blocks of a multiple of READ_SIZE (but the last), so a request never
 * straddles two calls. */
#define READ_AHEAD 16
#define READ_SIZE (128u * 1024)

struct remote_reader {
	struct ssh_conn *c;
	sftp_file f;
	const char *path;
	uint64_t size;
	uint64_t req_off;            /* next offset to ask for */
	struct { int id; uint32_t len; } q[READ_AHEAD];
	unsigned q_head, q_len;
};

static int remote_read(void *arg, struct elfcore_ctx *ctx, void *buf, size_t len, uint64_t off)
{
	struct remote_reader *r = arg;
	size_t done = 0;

	while (done < len) {
		unsigned i;
		int n;

		while (r->q_len < READ_AHEAD && r->req_off < r->size) {
			uint32_t want = r->size - r->req_off < READ_SIZE ?
					(uint32_t)(r->size - r->req_off) : READ_SIZE;
			int id;

			if (sftp_seek64(r->f, r->req_off) ||
			    (id = sftp_async_read_begin(r->f, want)) < 0)
				return ec_err(ctx, -ECONNRESET, "%s: reading back at %llu: %s", r->path,
					      (unsigned long long)r->req_off,
					      ssh_get_error(r->c->session));
			i = (r->q_head + r->q_len++) % READ_AHEAD;
			r->q[i].id = id;
			r->q[i].len = want;
			r->req_off += want;
		}
		i = r->q_head;
		if (!r->q_len || r->q[i].len > len - done)
			return ec_err(ctx, -EIO, "%s: read-back out of step at %llu", r->path,
				      (unsigned long long)(off + done));
		n = sftp_async_read(r->f, (uint8_t *)buf + done, r->q[i].len, (uint32_t)r->q[i].id);
		if (n != (int)r->q[i].len)
			return ec_err(ctx, n < 0 ? -ECONNRESET : -EIO, "%s: reading back at %llu: %s",
				      r->path, (unsigned long long)(off + done),
				      n < 0 ? ssh_get_error(r->c->session) : "short read");
		r->q_head = (r->q_head + 1) % READ_AHEAD;
		r->q_len--;
		done += (size_t)n;
	}
	return 0;
}

int ssh_remote_manifest(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *name,
			struct elfcore_sink *out)
{
	struct remote_reader rd = { 0 };
	char path[SSH_PATH_MAX];
	struct ssh_conn c;
	sftp_session sftp = NULL;
	sftp_attributes a = NULL;
	int ret;

	if (t->remote_dir)
		snprintf(path, sizeof(path), "%s/%s", t->remote_dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	ret = ssh_conn_open(ctx, &c, t);
	if (ret)
		return ret;
	sftp = sftp_new(c.session);
	if (!sftp || sftp_init(sftp) != SSH_OK) {
		ret = ec_err(ctx, -ECONNRESET, "cannot start SFTP: %s", ssh_get_error(c.session));
		goto out;
	}
	rd.c = &c;
	rd.path = path;
	rd.f = sftp_open(sftp, path, O_RDONLY, 0);
	a = rd.f ? sftp_fstat(rd.f) : NULL;
	if (!a) {
		ret = ec_err(ctx, -EIO, "%s: cannot read it back: %s", path, ssh_get_error(c.session));
		goto out;
	}
	rd.size = a->size;
	_Static_assert(ELFCORE_MANIFEST_BLOCK_SIZE % READ_SIZE == 0, "reads straddle blocks");
	ret = elfcore_manifest_write_reader(ctx, name, a->size, remote_read, &rd, out, 0);
out:
	sftp_attributes_free(a);
	if (rd.f)
		sftp_close(rd.f);
	if (sftp)
		sftp_free(sftp);
	ssh_conn_close(&c);
	return ret;
}
