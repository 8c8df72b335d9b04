/* Private to the SSH sink: the libssh connection and a small SFTP v3 client.
 *
 * The SFTP client is ours rather than libssh's sftp_* because libssh 0.10
 * (Debian 12) writes synchronously, one request per round trip; the sink
 * needs many writes in flight and to know exactly which ones the server
 * acknowledged, to resume after a dropped connection. */
#ifndef KDUMPKIT_SSH_PRIV_H
#define KDUMPKIT_SSH_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>

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

/* ---- SFTP v3 client (sftpc.c) ---- */

/* Status codes of SSH_FXP_STATUS. */
enum {
	SFTPC_OK = 0,
	SFTPC_EOF = 1,
	SFTPC_NO_SUCH_FILE = 2,
	SFTPC_PERMISSION_DENIED = 3,
	SFTPC_FAILURE = 4,
	SFTPC_OP_UNSUPPORTED = 8,
};

/* Open flags (SSH_FXF_*). */
enum {
	SFTPC_READ = 0x01,
	SFTPC_WRITE = 0x02,
	SFTPC_CREAT = 0x08,
	SFTPC_TRUNC = 0x10,
	SFTPC_EXCL = 0x20,
};

#define SFTPC_HANDLE_MAX 256
/* Bytes to reserve in front of write data so that a WRITE goes out as one
 * channel write: length, type, id, handle string, offset, data length. */
#define SFTPC_WRITE_HDR_MAX 64

struct sftpc {
	ssh_channel ch;
	struct elfcore_ctx *ctx;
	unsigned timeout_ms;
	uint32_t next_id;
	int has_fsync;               /* fsync@openssh.com */
	int has_statvfs;             /* statvfs@openssh.com */
	uint8_t *rx;                 /* received bytes not parsed yet */
	size_t rx_len, rx_cap;
};

/* One reply. body points into the client's buffer until the next read. */
struct sftpc_reply {
	uint8_t type;
	uint32_t id;
	const uint8_t *body;         /* after the id */
	size_t body_len;
	/* for SSH_FXP_STATUS */
	uint32_t status;
	char msg[160];
};

struct sftpc_handle {
	uint8_t data[SFTPC_HANDLE_MAX];
	uint32_t len;
};

struct sftpc_attrs {
	uint64_t size;
	uint32_t perm;
	int has_size, has_perm;
};

struct sftpc_statvfs {
	uint64_t bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax;
};

/* Start the "sftp" subsystem on c's channel and exchange INIT/VERSION. */
int sftpc_start(struct sftpc *s, struct elfcore_ctx *ctx, ssh_channel ch, unsigned timeout_ms);
void sftpc_free(struct sftpc *s);

/* Synchronous requests: only when no pipelined request is in flight. */
int sftpc_open(struct sftpc *s, const char *path, uint32_t flags, uint32_t mode,
	       struct sftpc_handle *h, uint32_t *status);
int sftpc_close(struct sftpc *s, const struct sftpc_handle *h);
int sftpc_fstat(struct sftpc *s, const struct sftpc_handle *h, struct sftpc_attrs *a);
int sftpc_stat(struct sftpc *s, const char *path, struct sftpc_attrs *a, uint32_t *status);
int sftpc_rename(struct sftpc *s, const char *from, const char *to, uint32_t *status);
int sftpc_remove(struct sftpc *s, const char *path);
int sftpc_statvfs(struct sftpc *s, const char *path, struct sftpc_statvfs *v);
int sftpc_realpath(struct sftpc *s, const char *path, char *out, size_t out_len);

/* Pipelined requests: send now, the reply comes through sftpc_read_reply().
 * For sftpc_send_write, buf must have SFTPC_WRITE_HDR_MAX writable bytes in
 * front of data (the header is built there). Return the request id in *id. */
int sftpc_send_write(struct sftpc *s, const struct sftpc_handle *h, uint64_t offset,
		     uint8_t *data, uint32_t len, uint32_t *id);
int sftpc_send_fsync(struct sftpc *s, const struct sftpc_handle *h, uint32_t *id);
/* Read one reply; wait up to the timeout when block, else return -EAGAIN
 * when none is complete yet. Network failures return -ECONNRESET. */
int sftpc_read_reply(struct sftpc *s, struct sftpc_reply *r, int block);
/* "Permission denied", "Failure" ... */
const char *sftpc_status_str(uint32_t status);

#endif
