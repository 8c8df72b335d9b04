/* A small SFTP version 3 client (draft-ietf-secsh-filexfer-02) with the
 * OpenSSH extensions fsync@openssh.com and statvfs@openssh.com, over a libssh
 * channel. Replies are untrusted bytes: they are parsed with the bounds-checked
 * cursor, and a reply larger than SFTPC_REPLY_MAX ends the session. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "ec_priv.h"
#include "ssh_priv.h"

enum {
	FXP_INIT = 1,
	FXP_VERSION = 2,
	FXP_OPEN = 3,
	FXP_CLOSE = 4,
	FXP_WRITE = 6,
	FXP_FSTAT = 8,
	FXP_REMOVE = 13,
	FXP_REALPATH = 16,
	FXP_STAT = 17,
	FXP_RENAME = 18,
	FXP_STATUS = 101,
	FXP_HANDLE = 102,
	FXP_NAME = 104,
	FXP_ATTRS = 105,
	FXP_EXTENDED = 200,
	FXP_EXTENDED_REPLY = 201,
};

#define ATTR_SIZE 0x1u
#define ATTR_UIDGID 0x2u
#define ATTR_PERMISSIONS 0x4u
#define ATTR_ACMODTIME 0x8u
#define ATTR_EXTENDED 0x80000000u

#define SFTPC_REPLY_MAX (1u << 20)
#define REQ_MAX 4096

/* An outgoing request being built. */
struct req {
	uint8_t buf[REQ_MAX];
	size_t len;
	int overflow;
};

static void put(struct req *q, const void *p, size_t n)
{
	if (q->overflow || n > sizeof(q->buf) - q->len) {
		q->overflow = 1;
		return;
	}
	memcpy(q->buf + q->len, p, n);
	q->len += n;
}

static void put_u8(struct req *q, uint8_t v)
{
	put(q, &v, 1);
}

static void put_u32(struct req *q, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	put(q, b, 4);
}

static void put_u64(struct req *q, uint64_t v)
{
	put_u32(q, (uint32_t)(v >> 32));
	put_u32(q, (uint32_t)v);
}

static void put_str(struct req *q, const void *p, size_t n)
{
	put_u32(q, (uint32_t)n);
	put(q, p, n);
}

static void put_cstr(struct req *q, const char *s)
{
	put_str(q, s, strlen(s));
}

/* Start a request: room for the length, then type and id. */
static uint32_t req_begin(struct sftpc *s, struct req *q, uint8_t type)
{
	uint32_t id = s->next_id++;

	q->len = 4;
	q->overflow = 0;
	put_u8(q, type);
	put_u32(q, id);
	return id;
}

static int chan_write(struct sftpc *s, const void *buf, size_t len)
{
	int n = ssh_channel_write(s->ch, buf, (uint32_t)len);

	if (n < 0 || (size_t)n != len)
		return ec_err(s->ctx, -ECONNRESET, "SFTP: sending failed: %s",
			      ssh_get_error(ssh_channel_get_session(s->ch)));
	return 0;
}

static int req_send(struct sftpc *s, struct req *q)
{
	uint32_t body = (uint32_t)(q->len - 4);

	if (q->overflow)
		return ec_err(s->ctx, -ENAMETOOLONG, "SFTP: request too long");
	q->buf[0] = body >> 24;
	q->buf[1] = body >> 16;
	q->buf[2] = body >> 8;
	q->buf[3] = body;
	return chan_write(s, q->buf, q->len);
}

/* Pull more bytes from the channel into s->rx. */
static int fill(struct sftpc *s, int block)
{
	int n;

	if (s->rx_cap - s->rx_len < 65536) {
		size_t cap = s->rx_cap ? s->rx_cap * 2 : 131072;
		uint8_t *p;

		if (cap > 2 * SFTPC_REPLY_MAX + 65536)
			return ec_err(s->ctx, -EPROTO, "SFTP: reply too large");
		p = realloc(s->rx, cap);
		if (!p)
			return ec_err(s->ctx, -ENOMEM, "SFTP: out of memory");
		s->rx = p;
		s->rx_cap = cap;
	}
	if (block)
		n = ssh_channel_read_timeout(s->ch, s->rx + s->rx_len,
					     (uint32_t)(s->rx_cap - s->rx_len), 0,
					     (int)s->timeout_ms);
	else
		n = ssh_channel_read_nonblocking(s->ch, s->rx + s->rx_len,
						 (uint32_t)(s->rx_cap - s->rx_len), 0);
	if (n > 0) {
		s->rx_len += (size_t)n;
		return 0;
	}
	if (n == SSH_ERROR || ssh_channel_is_eof(s->ch) || ssh_channel_is_closed(s->ch))
		return ec_err(s->ctx, -ECONNRESET, "SFTP: connection lost: %s",
			      n == SSH_ERROR ? ssh_get_error(ssh_channel_get_session(s->ch))
					     : "server closed the channel");
	if (block)
		return ec_err(s->ctx, -ETIMEDOUT, "SFTP: no reply from the server in %u s",
			      s->timeout_ms / 1000);
	return -EAGAIN;
}

static int parse_reply(struct sftpc *s, struct sftpc_reply *r, const uint8_t *p, size_t len)
{
	struct ec_cursor c;
	uint32_t mlen;
	const void *msg;
	int ret;

	ec_cursor_init(&c, s->ctx, "SFTP reply", p, len);
	ret = ec_cursor_u8(&c, &r->type);
	if (!ret && r->type != FXP_VERSION)
		ret = ec_cursor_u32be(&c, &r->id);
	if (ret)
		return -EPROTO;
	r->body = p + c.pos;
	r->body_len = len - c.pos;
	r->status = SFTPC_OK;
	r->msg[0] = '\0';
	if (r->type == FXP_STATUS) {
		ret = ec_cursor_u32be(&c, &r->status);
		/* The message is optional in some servers' replies. */
		if (!ret && ec_cursor_left(&c) >= 4 && !ec_cursor_u32be(&c, &mlen) &&
		    mlen <= ec_cursor_left(&c) && !ec_cursor_ref(&c, &msg, mlen)) {
			size_t n = mlen < sizeof(r->msg) - 1 ? mlen : sizeof(r->msg) - 1;

			memcpy(r->msg, msg, n);
			r->msg[n] = '\0';
		}
		if (ret)
			return -EPROTO;
	}
	return 0;
}

/* 1 when rx holds a whole reply (its length in *len), 0 when more is needed. */
static int have_reply(struct sftpc *s, uint32_t *len)
{
	if (s->rx_len < 4)
		return 0;
	*len = (uint32_t)s->rx[0] << 24 | (uint32_t)s->rx[1] << 16 | (uint32_t)s->rx[2] << 8 |
	       s->rx[3];
	if (*len > SFTPC_REPLY_MAX || *len == 0)
		return ec_err(s->ctx, -EPROTO, "SFTP: bad reply length %u", *len);
	return s->rx_len >= 4 + (size_t)*len;
}

static void consume(struct sftpc *s, uint32_t len)
{
	s->rx_len -= 4 + (size_t)len;
	memmove(s->rx, s->rx + 4 + len, s->rx_len);
}

/* Pipelined replies carry no body the caller needs (STATUS): body is NULL. */
int sftpc_read_reply(struct sftpc *s, struct sftpc_reply *r, int block)
{
	uint32_t len = 0;
	int ret;

	while (!(ret = have_reply(s, &len))) {
		ret = fill(s, block);
		if (ret)
			return ret;
	}
	if (ret < 0)
		return ret;
	ret = parse_reply(s, r, s->rx + 4, len);
	consume(s, len);
	r->body = NULL;
	r->body_len = 0;
	if (ret)
		return ec_err(s->ctx, -EPROTO, "SFTP: malformed reply");
	return 0;
}

/* Read the reply to request id, its body kept in *copy (malloc'd). */
static int wait_reply(struct sftpc *s, uint32_t id, struct sftpc_reply *r, uint8_t **copy)
{
	uint32_t len = 0;
	int ret;

	*copy = NULL;
	while (!(ret = have_reply(s, &len))) {
		ret = fill(s, 1);
		if (ret)
			return ret;
	}
	if (ret < 0)
		return ret;
	*copy = malloc(len);
	if (!*copy)
		return ec_err(s->ctx, -ENOMEM, "SFTP: out of memory");
	memcpy(*copy, s->rx + 4, len);
	consume(s, len);
	if (parse_reply(s, r, *copy, len))
		return ec_err(s->ctx, -EPROTO, "SFTP: malformed reply");
	/* Nothing else is in flight when this is used. */
	if (r->type != FXP_VERSION && r->id != id)
		return ec_err(s->ctx, -EPROTO, "SFTP: unexpected reply id %u (waiting for %u)",
			      r->id, id);
	return 0;
}

const char *sftpc_status_str(uint32_t status)
{
	static const char *const names[] = {
		"OK", "end of file", "no such file", "permission denied", "failure",
		"bad message", "no connection", "connection lost", "operation unsupported",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "unknown status";
}

/* Send q and wait for a reply of type want (or a STATUS). */
static int transact(struct sftpc *s, struct req *q, uint32_t id, struct sftpc_reply *r,
		    uint8_t **copy)
{
	int ret = req_send(s, q);

	if (ret)
		return ret;
	return wait_reply(s, id, r, copy);
}

static int expect_status(struct sftpc *s, struct sftpc_reply *r, const char *what,
			 uint32_t *status)
{
	if (r->type != FXP_STATUS)
		return ec_err(s->ctx, -EPROTO, "SFTP %s: unexpected reply type %u", what, r->type);
	if (status)
		*status = r->status;
	if (r->status != SFTPC_OK)
		return ec_err(s->ctx, r->status == SFTPC_PERMISSION_DENIED ? -EACCES :
				      r->status == SFTPC_NO_SUCH_FILE ? -ENOENT :
				      r->status == SFTPC_OP_UNSUPPORTED ? -EOPNOTSUPP : -EIO,
			      "%s: %s", what, r->msg[0] ? r->msg : sftpc_status_str(r->status));
	return 0;
}

int sftpc_start(struct sftpc *s, struct elfcore_ctx *ctx, ssh_channel ch, unsigned timeout_ms)
{
	struct sftpc_reply r;
	struct ec_cursor c;
	uint8_t *copy = NULL;
	struct req q;
	uint32_t version;
	int ret;

	memset(s, 0, sizeof(*s));
	s->ch = ch;
	s->ctx = ctx;
	s->timeout_ms = timeout_ms;
	s->next_id = 1;
	if (ssh_channel_request_subsystem(ch, "sftp") != SSH_OK)
		return ec_err(ctx, -EOPNOTSUPP, "the server has no SFTP subsystem (try --ssh-mode exec)");
	q.len = 4;
	q.overflow = 0;
	put_u8(&q, FXP_INIT);
	put_u32(&q, 3);
	ret = req_send(s, &q);
	if (!ret)
		ret = wait_reply(s, 0, &r, &copy);
	if (ret)
		goto out;
	if (r.type != FXP_VERSION) {
		ret = ec_err(ctx, -EPROTO, "SFTP: expected VERSION, got type %u", r.type);
		goto out;
	}
	ec_cursor_init(&c, ctx, "SFTP version", r.body, r.body_len);
	if (ec_cursor_u32be(&c, &version) || version < 3) {
		ret = ec_err(ctx, -EPROTO, "SFTP: server version unusable");
		goto out;
	}
	while (ec_cursor_left(&c) > 0) {
		uint32_t nlen, dlen;
		const void *name, *data;

		if (ec_cursor_u32be(&c, &nlen) || ec_cursor_ref(&c, &name, nlen) ||
		    ec_cursor_u32be(&c, &dlen) || ec_cursor_ref(&c, &data, dlen))
			break;
		if (nlen == 17 && !memcmp(name, "fsync@openssh.com", 17))
			s->has_fsync = 1;
		if (nlen == 19 && !memcmp(name, "statvfs@openssh.com", 19))
			s->has_statvfs = 1;
	}
	elfcore_ctx_clear(ctx);
	ret = 0;
out:
	free(copy);
	if (ret)
		sftpc_free(s);
	return ret;
}

void sftpc_free(struct sftpc *s)
{
	free(s->rx);
	s->rx = NULL;
	s->rx_len = s->rx_cap = 0;
}

static int parse_attrs(struct ec_cursor *c, struct sftpc_attrs *a)
{
	uint32_t flags, v32, n;
	int ret;

	memset(a, 0, sizeof(*a));
	ret = ec_cursor_u32be(c, &flags);
	if (!ret && (flags & ATTR_SIZE)) {
		ret = ec_cursor_u64be(c, &a->size);
		a->has_size = 1;
	}
	if (!ret && (flags & ATTR_UIDGID))
		ret = ec_cursor_skip(c, 8);
	if (!ret && (flags & ATTR_PERMISSIONS)) {
		ret = ec_cursor_u32be(c, &v32);
		a->perm = v32;
		a->has_perm = 1;
	}
	if (!ret && (flags & ATTR_ACMODTIME))
		ret = ec_cursor_skip(c, 8);
	if (!ret && (flags & ATTR_EXTENDED)) {
		ret = ec_cursor_u32be(c, &n);
		for (uint32_t i = 0; !ret && i < n * 2; i++) {
			ret = ec_cursor_u32be(c, &v32);
			if (!ret)
				ret = ec_cursor_skip(c, v32);
		}
	}
	return ret;
}

int sftpc_open(struct sftpc *s, const char *path, uint32_t flags, uint32_t mode,
	       struct sftpc_handle *h, uint32_t *status)
{
	struct sftpc_reply r;
	struct ec_cursor c;
	uint8_t *copy = NULL;
	const void *p;
	struct req q;
	uint32_t id, len;
	int ret;

	if (status)
		*status = SFTPC_OK;
	id = req_begin(s, &q, FXP_OPEN);
	put_cstr(&q, path);
	put_u32(&q, flags);
	put_u32(&q, ATTR_PERMISSIONS);
	put_u32(&q, mode);
	ret = transact(s, &q, id, &r, &copy);
	if (ret)
		goto out;
	if (r.type != FXP_HANDLE) {
		ret = expect_status(s, &r, path, status);
		if (!ret)
			ret = ec_err(s->ctx, -EPROTO, "%s: open returned no handle", path);
		goto out;
	}
	ec_cursor_init(&c, s->ctx, "SFTP handle", r.body, r.body_len);
	if (ec_cursor_u32be(&c, &len) || len == 0 || len > SFTPC_HANDLE_MAX ||
	    ec_cursor_ref(&c, &p, len)) {
		ret = ec_err(s->ctx, -EPROTO, "%s: bad handle in reply", path);
		goto out;
	}
	memcpy(h->data, p, len);
	h->len = len;
out:
	free(copy);
	return ret;
}

static int handle_req(struct sftpc *s, uint8_t type, const struct sftpc_handle *h,
		      const char *what)
{
	struct sftpc_reply r;
	uint8_t *copy = NULL;
	struct req q;
	uint32_t id;
	int ret;

	id = req_begin(s, &q, type);
	put_str(&q, h->data, h->len);
	ret = transact(s, &q, id, &r, &copy);
	if (!ret)
		ret = expect_status(s, &r, what, NULL);
	free(copy);
	return ret;
}

int sftpc_close(struct sftpc *s, const struct sftpc_handle *h)
{
	return handle_req(s, FXP_CLOSE, h, "SFTP close");
}

static int attrs_reply(struct sftpc *s, struct sftpc_reply *r, const char *what,
		       struct sftpc_attrs *a, uint32_t *status)
{
	struct ec_cursor c;

	if (r->type != FXP_ATTRS) {
		int ret = expect_status(s, r, what, status);

		return ret ? ret : ec_err(s->ctx, -EPROTO, "%s: no attributes in reply", what);
	}
	ec_cursor_init(&c, s->ctx, "SFTP attributes", r->body, r->body_len);
	if (parse_attrs(&c, a))
		return ec_err(s->ctx, -EPROTO, "%s: malformed attributes", what);
	return 0;
}

int sftpc_fstat(struct sftpc *s, const struct sftpc_handle *h, struct sftpc_attrs *a)
{
	struct sftpc_reply r;
	uint8_t *copy = NULL;
	struct req q;
	uint32_t id;
	int ret;

	id = req_begin(s, &q, FXP_FSTAT);
	put_str(&q, h->data, h->len);
	ret = transact(s, &q, id, &r, &copy);
	if (!ret)
		ret = attrs_reply(s, &r, "SFTP fstat", a, NULL);
	free(copy);
	return ret;
}

int sftpc_stat(struct sftpc *s, const char *path, struct sftpc_attrs *a, uint32_t *status)
{
	struct sftpc_reply r;
	uint8_t *copy = NULL;
	struct req q;
	uint32_t id;
	int ret;

	if (status)
		*status = SFTPC_OK;
	id = req_begin(s, &q, FXP_STAT);
	put_cstr(&q, path);
	ret = transact(s, &q, id, &r, &copy);
	if (!ret)
		ret = attrs_reply(s, &r, path, a, status);
	free(copy);
	return ret;
}

/* Plain SSH_FXP_RENAME: OpenSSH's server refuses to replace an existing
 * target (it links, then unlinks), which is the never-overwrite we want;
 * posix-rename@openssh.com would replace it. */
int sftpc_rename(struct sftpc *s, const char *from, const char *to, uint32_t *status)
{
	struct sftpc_reply r;
	uint8_t *copy = NULL;
	struct req q;
	uint32_t id;
	int ret;

	id = req_begin(s, &q, FXP_RENAME);
	put_cstr(&q, from);
	put_cstr(&q, to);
	ret = transact(s, &q, id, &r, &copy);
	if (!ret)
		ret = expect_status(s, &r, to, status);
	free(copy);
	return ret;
}

int sftpc_remove(struct sftpc *s, const char *path)
{
	struct sftpc_reply r;
	uint8_t *copy = NULL;
	struct req q;
	uint32_t id;
	int ret;

	id = req_begin(s, &q, FXP_REMOVE);
	put_cstr(&q, path);
	ret = transact(s, &q, id, &r, &copy);
	if (!ret)
		ret = expect_status(s, &r, path, NULL);
	free(copy);
	return ret;
}

int sftpc_statvfs(struct sftpc *s, const char *path, struct sftpc_statvfs *v)
{
	struct sftpc_reply r;
	struct ec_cursor c;
	uint8_t *copy = NULL;
	uint64_t *f[] = { &v->bsize, &v->frsize, &v->blocks, &v->bfree, &v->bavail, &v->files,
			  &v->ffree, &v->favail, &v->fsid, &v->flag, &v->namemax };
	struct req q;
	uint32_t id;
	int ret;

	if (!s->has_statvfs)
		return ec_err(s->ctx, -EOPNOTSUPP, "%s: the server has no statvfs@openssh.com", path);
	id = req_begin(s, &q, FXP_EXTENDED);
	put_cstr(&q, "statvfs@openssh.com");
	put_cstr(&q, path);
	ret = transact(s, &q, id, &r, &copy);
	if (ret)
		goto out;
	if (r.type != FXP_EXTENDED_REPLY) {
		ret = expect_status(s, &r, path, NULL);
		if (!ret)
			ret = ec_err(s->ctx, -EPROTO, "%s: statvfs returned nothing", path);
		goto out;
	}
	ec_cursor_init(&c, s->ctx, "SFTP statvfs", r.body, r.body_len);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (ec_cursor_u64be(&c, f[i])) {
			ret = ec_err(s->ctx, -EPROTO, "%s: short statvfs reply", path);
			goto out;
		}
	}
out:
	free(copy);
	return ret;
}

int sftpc_realpath(struct sftpc *s, const char *path, char *out, size_t out_len)
{
	struct sftpc_reply r;
	struct ec_cursor c;
	uint8_t *copy = NULL;
	const void *name;
	struct req q;
	uint32_t id, count, len;
	int ret;

	id = req_begin(s, &q, FXP_REALPATH);
	put_cstr(&q, path);
	ret = transact(s, &q, id, &r, &copy);
	if (ret)
		goto out;
	if (r.type != FXP_NAME) {
		ret = expect_status(s, &r, path, NULL);
		if (!ret)
			ret = ec_err(s->ctx, -EPROTO, "%s: realpath returned nothing", path);
		goto out;
	}
	ec_cursor_init(&c, s->ctx, "SFTP name", r.body, r.body_len);
	if (ec_cursor_u32be(&c, &count) || count < 1 || ec_cursor_u32be(&c, &len) ||
	    ec_cursor_ref(&c, &name, len) || len >= out_len) {
		ret = ec_err(s->ctx, -EPROTO, "%s: bad realpath reply", path);
		goto out;
	}
	memcpy(out, name, len);
	out[len] = '\0';
out:
	free(copy);
	return ret;
}

int sftpc_send_write(struct sftpc *s, const struct sftpc_handle *h, uint64_t offset,
		     uint8_t *data, uint32_t len, uint32_t *id)
{
	size_t hdr = 4 + 1 + 4 + 4 + h->len + 8 + 4;
	struct req q;
	uint8_t *p;

	*id = req_begin(s, &q, FXP_WRITE);
	put_str(&q, h->data, h->len);
	put_u64(&q, offset);
	put_u32(&q, len);
	if (hdr > SFTPC_WRITE_HDR_MAX) {
		/* A long handle: two channel writes, still one SFTP request. */
		uint32_t body = (uint32_t)(q.len - 4 + len);

		q.buf[0] = body >> 24;
		q.buf[1] = body >> 16;
		q.buf[2] = body >> 8;
		q.buf[3] = body;
		return chan_write(s, q.buf, q.len) ?: chan_write(s, data, len);
	}
	p = data - hdr;
	memcpy(p, q.buf, hdr);
	{
		uint32_t body = (uint32_t)(hdr - 4 + len);

		p[0] = body >> 24;
		p[1] = body >> 16;
		p[2] = body >> 8;
		p[3] = body;
	}
	return chan_write(s, p, hdr + len);
}

int sftpc_send_fsync(struct sftpc *s, const struct sftpc_handle *h, uint32_t *id)
{
	struct req q;

	*id = req_begin(s, &q, FXP_EXTENDED);
	put_cstr(&q, "fsync@openssh.com");
	put_str(&q, h->data, h->len);
	return req_send(s, &q);
}
