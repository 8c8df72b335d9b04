/* Private to the SSH sink: the libssh connection, the queue of writes shared
 * by the writer and the network threads, and the two transports (SFTP
 * through libssh's sftp_* API in ssh_sftp.c, exec mode in ssh_sink.c). */
#ifndef KDUMPKIT_SSH_PRIV_H
#define KDUMPKIT_SSH_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "ssh_df.h"
#include "ssh_sink.h"

/* ---- connection (ssh_conn.c) ---- */

struct ssh_conn {
	ssh_session session;
	ssh_channel channel;
	char fingerprint[128];       /* of the host key seen, "TYPE SHA256:..." */
};

/* Connect, verify the host key against known_hosts, authenticate with the
 * key file. Returns 0, -EACCES for a refused host key or user key (never
 * worth retrying), or another negative errno (network: worth retrying). */
int ssh_conn_open(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t);
/* Open a session channel. */
int ssh_conn_channel(struct elfcore_ctx *ctx, struct ssh_conn *c);
void ssh_conn_close(struct ssh_conn *c);

/* ---- the queue (ssh_sink.c) ---- */

/* One write of the dump. 255 KiB: OpenSSH's sftp-server takes SFTP messages
 * of up to 256 KiB, so one chunk is one SSH_FXP_WRITE. */
#define SSH_CHUNK_DATA (255u * 1024)
/* SFTP sessions writing in parallel (one thread each): libssh's sftp_write()
 * waits for its reply, so one session leaves the link idle half the time. */
#define SSH_SFTP_LANES 2
#define SSH_SFTP_LANES_MAX 8
#define SSH_PATH_MAX 1024
/* The writer waits while the queue holds this much (chunk buffers, whatever
 * their fill): it bounds memory in the capture kernel. */
#define SSH_RETAIN_CAP (40u << 20)

enum chunk_state {
	CH_QUEUED,                   /* not sent yet (again) */
	CH_SENT,                     /* a lane is writing it */
	CH_ACKED,                    /* the server wrote it; not fsync'ed yet */
	CH_DURABLE,                  /* fsync'ed (or acked, without fsync@openssh.com) */
};

struct chunk {
	struct chunk *next;
	uint64_t off;
	uint32_t len;
	enum chunk_state state;
	unsigned gen;                /* CH_ACKED: sync generation it was acked in */
	uint8_t buf[SSH_CHUNK_DATA];
};

struct ssh_lane;

struct ssh_sink {
	struct ssh_target t;
	char name[256];
	char final_path[SSH_PATH_MAX];
	char tmp_path[SSH_PATH_MAX];
	ssh_log_fn *log;
	void *log_arg;
	struct timespec t0;

	pthread_mutex_t mu;
	pthread_cond_t work;      /* network threads wait for chunks, sync, close */
	pthread_cond_t space;     /* the writer waits for room, durability, errors */

	/* Shared, under mu. */
	struct chunk *head, *tail, *next_send;
	size_t retained;
	uint64_t accepted;        /* payload bytes taken from the writer */
	uint64_t size_hi;         /* highest offset written + 1 */
	uint64_t durable_end;     /* highest end offset among freed (durable) chunks */
	int sync_wanted;          /* the writer waits until everything is durable */
	int commit_wanted;        /* ... and then for the rename (or publish) */
	int committed;
	int closing;              /* close: after commit, or an abort */
	int finished;             /* every network thread ended */
	int remove_partial;       /* an abort removes the temporary file */
	int err;
	char errmsg[1024];
	struct ssh_sink_stats stats;
	struct ssh_sink_stats *stats_out;

	/* SFTP lanes (ssh_sftp.c), under mu. */
	struct ssh_lane *lanes;
	unsigned lanes_alloc;
	unsigned n_lanes;         /* started */
	unsigned lanes_running;   /* threads not ended */
	unsigned lanes_stopped;   /* at the recovery barrier */
	int broken;               /* a lane lost its connection: every lane reconnects */
	struct timespec broken_at;
	unsigned in_flight;       /* chunks in CH_SENT */
	unsigned ack_gen;         /* current sync generation */
	int fsync_running;
	size_t unsynced;          /* bytes acked since the last fsync started */
	int has_fsync, has_statvfs;

	/* Exec mode: one network thread. */
	pthread_t thread;
	struct elfcore_ctx *nctx;
	struct ssh_conn conn;
	char cmd_err[256];        /* the end of the command's stderr */
};

double ssh_since(const struct timespec *t0);
void ssh_logf(struct ssh_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ssh_is_net_err(int err);
/* Record a network thread's error (first one wins) and wake everyone. */
void ssh_set_error(struct ssh_sink *s, struct elfcore_ctx *ctx, int err);
/* The temporary name's random part. */
int ssh_random_suffix(char *out, size_t n);
void ssh_sleep_ms(unsigned ms);
/* Under mu: free durable chunks from the head. */
void ssh_free_durable_locked(struct ssh_sink *s);

/* ---- SFTP transport (ssh_sftp.c) ---- */

/* Connect lane 0 and create the temporary file (refusals come back here),
 * then the other lanes; start their threads. */
int ssh_sftp_start(struct ssh_sink *s);
/* Join the lanes' threads. */
void ssh_sftp_join(struct ssh_sink *s);
int ssh_sftp_check(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t,
		   struct ssh_check_result *res);

#endif
