/* SSH output sink: stream a dump to a collection host with libssh.
 *
 * Two modes:
 *  - SFTP (default): positioned writes straight into the final file on the
 *    remote host, under a temporary name NAME.XXXXXX.incomplete (mode 0600,
 *    created exclusively) renamed to NAME on success; NAME is never
 *    overwritten. libssh's sftp_* API, from sftp_sessions sessions writing in
 *    parallel (libssh 0.10's sftp_write waits for each reply); every write
 *    stays in memory until the remote has made it durable (fsync@openssh.com
 *    when the server offers it, else the server's acknowledgement: the data
 *    is then in the remote page cache and survives a dropped connection).
 *    When a connection drops, the sink reconnects with backoff for a bounded
 *    time and re-sends everything after the last durable write, so the
 *    result is byte-identical.
 *  - exec: a sequential byte stream into `cat` on the remote host (for hosts
 *    without the SFTP subsystem). The sink is sequential (ops->sequential), so
 *    writers send it the flattened format; no resume.
 *
 * Security: the host key must match known_hosts before anything else happens
 * (unknown or changed key: refused, with the fingerprint seen in the
 * message); public-key authentication with one key file only, no password,
 * no agent, no ssh_config.
 *
 * Network I/O runs in a thread of its own so compression and network overlap.
 * Errors are sticky, as for every elfcore sink.
 */
#ifndef KDUMPKIT_SSH_SINK_H
#define KDUMPKIT_SSH_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "elfcore/context.h"
#include "elfcore/sink.h"

enum ssh_mode {
	SSH_MODE_SFTP,
	SSH_MODE_EXEC,
};

/* Where and how to connect. Strings are borrowed: they must outlive the sink. */
struct ssh_target {
	size_t size;                 /* sizeof(struct ssh_target), for later growth */
	char user[64];
	char host[256];
	unsigned port;               /* 22 unless given */
	const char *key_path;        /* private key file (--ssh-key), required */
	const char *known_hosts;     /* --known-hosts; NULL: ~/.ssh/known_hosts + global */
	const char *remote_dir;      /* --remote-dir; NULL: the login directory */
	enum ssh_mode mode;
	unsigned retry_seconds;      /* how long to try reconnecting (SFTP), default 120 */
	unsigned timeout_seconds;    /* connect and I/O timeout, default 15 */
	unsigned sftp_sessions;      /* --ssh-sessions: SFTP sessions writing in parallel (1-8);
	                                0: the default (2) */
};

/* Set defaults (port 22, SFTP, retry 120 s, timeout 15 s). */
void ssh_target_init(struct ssh_target *t);

/* Parse "USER@HOST[:PORT]" (HOST may be "[v6addr]"). 0 or -EINVAL with a message in ctx. */
int ssh_target_parse(struct elfcore_ctx *ctx, struct ssh_target *t, const char *spec);

/* Option parsing pieces shared by kdump-capture and the test driver. */
enum {
	SSH_OPT_SSH = 0x5300,
	SSH_OPT_KEY,
	SSH_OPT_KNOWN_HOSTS,
	SSH_OPT_REMOTE_DIR,
	SSH_OPT_MODE,
	SSH_OPT_RETRY,
	SSH_OPT_TIMEOUT,
	SSH_OPT_SESSIONS,
};
/* Entries for a struct option array (getopt_long). */
#define SSH_SINK_LONG_OPTIONS                                              \
	{ "ssh", required_argument, NULL, SSH_OPT_SSH },                   \
	{ "ssh-key", required_argument, NULL, SSH_OPT_KEY },               \
	{ "known-hosts", required_argument, NULL, SSH_OPT_KNOWN_HOSTS },   \
	{ "remote-dir", required_argument, NULL, SSH_OPT_REMOTE_DIR },     \
	{ "ssh-mode", required_argument, NULL, SSH_OPT_MODE },             \
	{ "ssh-retry", required_argument, NULL, SSH_OPT_RETRY },           \
	{ "ssh-timeout", required_argument, NULL, SSH_OPT_TIMEOUT },       \
	{ "ssh-sessions", required_argument, NULL, SSH_OPT_SESSIONS }
/* Apply one of the options above (optarg borrowed). Returns 1 when opt was
 * one of ours and applied, 0 when it is not ours, -EINVAL with a message. */
int ssh_target_option(struct elfcore_ctx *ctx, struct ssh_target *t, int opt, const char *arg);
/* 0 when every required setting is there (--ssh given implies --ssh-key). */
int ssh_target_validate(struct elfcore_ctx *ctx, const struct ssh_target *t);
/* The option lines for --help. */
void ssh_target_usage(FILE *f);

/* Progress and resume messages ("connection lost: ...; resumed at offset N"). */
typedef void ssh_log_fn(void *arg, const char *msg);

struct ssh_sink_stats {
	uint64_t bytes;              /* payload bytes accepted from the writer */
	uint64_t bytes_sent;         /* bytes put on the wire, re-sends included */
	double seconds;              /* from open to the end of close */
	unsigned reconnects;
	int sftp_fsync;              /* the server offered fsync@openssh.com */
};

struct ssh_sink;

/* Connect, verify the host key, authenticate and create the remote file for
 * NAME (a plain file name inside the remote directory, no '/').
 * On success *ops and *priv are ready for elfcore_sink_new() (priv then
 * belongs to the sink; the pointer stays valid until the sink is closed).
 * elfcore_sink_commit() renames the file to NAME (SFTP) or publishes it
 * (exec); closing without a commit leaves it as NAME.XXXXXX.incomplete.
 * Exec mode is sequential: wrap it with elfcore_sink_flat_new(). log may be
 * NULL; it is called from the network thread. */
int ssh_sink_open(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *name,
		  ssh_log_fn *log, void *log_arg, const struct elfcore_sink_ops **ops,
		  struct ssh_sink **priv);

/* Closing without a commit removes the remote file instead of leaving it as
 * NAME.XXXXXX.incomplete (for small files beside the dump). */
void ssh_sink_remove_partial(struct ssh_sink *s);

/* Copy the statistics; final once the sink is closed, so pass a pointer
 * before close with ssh_sink_stats_at_close(). */
void ssh_sink_stats_at_close(struct ssh_sink *s, struct ssh_sink_stats *out);

/* The remote path the dump ends up at ("DIR/NAME"); valid until close. */
const char *ssh_sink_remote_path(const struct ssh_sink *s);

/* Read the remote file NAME (in the remote directory) back through SFTP and
 * write its checksum manifest (elfcore/manifest.h) to out, which the caller
 * commits and closes. */
int ssh_remote_manifest(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *name,
			struct elfcore_sink *out);

struct ssh_check_result {
	char fingerprint[128];       /* "ssh-ed25519 SHA256:..." */
	char remote_dir[1024];       /* canonical remote directory */
	uint64_t free_bytes;         /* available to the user (statvfs f_bavail * f_frsize) */
	uint64_t total_bytes;
	int have_statvfs;            /* 0 when the server could not say (exec mode: df) */
};

/* --check: connect, verify the host key, authenticate, check that the remote
 * directory exists and measure its free space; nothing is written. */
int ssh_check(struct elfcore_ctx *ctx, const struct ssh_target *t, struct ssh_check_result *res);

#endif
