/* SSH connection for the sink: target parsing, host key verification against
 * known_hosts, public-key authentication. Nothing is sent to the server
 * beyond the key exchange before the host key has been checked. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ec_priv.h"
#include "ssh_priv.h"

void ssh_target_init(struct ssh_target *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->port = 22;
	t->mode = SSH_MODE_SFTP;
	t->retry_seconds = 120;
	t->timeout_seconds = 15;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int ssh_target_parse(struct elfcore_ctx *ctx, struct ssh_target *t, const char *spec)
{
	const char *at = strchr(spec, '@'), *host, *port = NULL;
	size_t ulen, hlen;

	if (!at || at == spec)
		return ec_err(ctx, -EINVAL, "--ssh %s: expected USER@HOST[:PORT]", spec);
	ulen = (size_t)(at - spec);
	host = at + 1;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		if (!close || (close[1] && close[1] != ':'))
			return ec_err(ctx, -EINVAL, "--ssh %s: bad [address]", spec);
		hlen = (size_t)(close - host - 1);
		host++;
		if (close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(host, ':');

		hlen = colon ? (size_t)(colon - host) : strlen(host);
		if (colon)
			port = colon + 1;
	}
	if (ulen >= sizeof(t->user) || hlen == 0 || hlen >= sizeof(t->host))
		return ec_err(ctx, -EINVAL, "--ssh %s: user or host empty or too long", spec);
	if (port && (parse_uint(port, 65535, &t->port) || t->port == 0))
		return ec_err(ctx, -EINVAL, "--ssh %s: bad port", spec);
	memcpy(t->user, spec, ulen);
	t->user[ulen] = '\0';
	memcpy(t->host, host, hlen);
	t->host[hlen] = '\0';
	return 0;
}

int ssh_target_option(struct elfcore_ctx *ctx, struct ssh_target *t, int opt, const char *arg)
{
	switch (opt) {
	case SSH_OPT_SSH:
		return ssh_target_parse(ctx, t, arg) ?: 1;
	case SSH_OPT_KEY:
		t->key_path = arg;
		return 1;
	case SSH_OPT_KNOWN_HOSTS:
		t->known_hosts = arg;
		return 1;
	case SSH_OPT_REMOTE_DIR:
		t->remote_dir = arg;
		return 1;
	case SSH_OPT_MODE:
		if (!strcmp(arg, "sftp"))
			t->mode = SSH_MODE_SFTP;
		else if (!strcmp(arg, "exec"))
			t->mode = SSH_MODE_EXEC;
		else
			return ec_err(ctx, -EINVAL, "--ssh-mode %s: expected sftp or exec", arg);
		return 1;
	case SSH_OPT_RETRY:
		if (parse_uint(arg, 86400, &t->retry_seconds))
			return ec_err(ctx, -EINVAL, "--ssh-retry %s: expected seconds", arg);
		return 1;
	case SSH_OPT_TIMEOUT:
		if (parse_uint(arg, 3600, &t->timeout_seconds) || !t->timeout_seconds)
			return ec_err(ctx, -EINVAL, "--ssh-timeout %s: expected seconds", arg);
		return 1;
	case SSH_OPT_SESSIONS:
		if (parse_uint(arg, 8, &t->sftp_sessions) || !t->sftp_sessions)
			return ec_err(ctx, -EINVAL, "--ssh-sessions %s: expected 1 to 8", arg);
		return 1;
	}
	return 0;
}

int ssh_target_validate(struct elfcore_ctx *ctx, const struct ssh_target *t)
{
	if (!t->host[0])
		return ec_err(ctx, -EINVAL, "--ssh USER@HOST[:PORT] is required");
	if (!t->key_path)
		return ec_err(ctx, -EINVAL, "--ssh needs --ssh-key KEY (public-key authentication only)");
	return 0;
}

void ssh_target_usage(FILE *f)
{
	fputs("  --ssh USER@HOST[:PORT]  stream the dump to HOST over SSH; OUT names the remote file\n"
	      "  --ssh-key KEY           private key file (no passphrase); the only authentication\n"
	      "  --known-hosts FILE      host keys to trust (default ~/.ssh/known_hosts)\n"
	      "  --remote-dir DIR        remote directory (default: the login directory)\n"
	      "  --ssh-mode sftp|exec    SFTP random-access writes (default) or a flattened\n"
	      "                          stream into `cat` on the remote host\n"
	      "  --ssh-retry SECONDS     how long to try reconnecting after a drop (default 120)\n"
	      "  --ssh-timeout SECONDS   connect and I/O timeout (default 15)\n"
	      "  --ssh-sessions N        SFTP sessions writing in parallel (1-8, default 2; more\n"
	      "                          for long round trips: each has one 255 KiB write in flight)\n",
	      f);
}

static int fingerprint(ssh_session session, char *out, size_t out_len)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;
	int ret = -EIO;

	if (ssh_get_server_publickey(session, &key) != SSH_OK)
		goto out;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		goto out;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	if (!fp)
		goto out;
	snprintf(out, out_len, "%s %s", ssh_key_type_to_char(ssh_key_type(key)), fp);
	ret = 0;
out:
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return ret;
}

static int verify_host(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t)
{
	const char *file = t->known_hosts ? t->known_hosts : "~/.ssh/known_hosts";
	enum ssh_known_hosts_e known;

	if (fingerprint(c->session, c->fingerprint, sizeof(c->fingerprint)))
		return ec_err(ctx, -EIO, "%s: cannot read the server's host key: %s", t->host,
			      ssh_get_error(c->session));
	known = ssh_session_is_known_server(c->session);
	switch (known) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
		return ec_err(ctx, -EACCES,
			      "%s port %u: HOST KEY CHANGED: server offered %s, which does not match "
			      "%s; refusing to connect", t->host, t->port, c->fingerprint, file);
	case SSH_KNOWN_HOSTS_OTHER:
		return ec_err(ctx, -EACCES,
			      "%s port %u: server offered %s but %s holds a key of another type "
			      "for it; refusing to connect", t->host, t->port, c->fingerprint, file);
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		return ec_err(ctx, -EACCES,
			      "%s port %u: unknown host key %s (not in %s); refusing to connect",
			      t->host, t->port, c->fingerprint, file);
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		return ec_err(ctx, -EACCES, "%s: cannot check the host key against %s: %s", t->host,
			      file, ssh_get_error(c->session));
	}
}

static int set_options(struct elfcore_ctx *ctx, ssh_session s, const struct ssh_target *t)
{
	long timeout = (long)t->timeout_seconds;
	int no = 0, yes = 1, verbosity = SSH_LOG_NOLOG;
	unsigned int port = t->port;
	/* Fast AEAD ciphers first (AES-NI), chacha20 for CPUs without it. */
	const char *ciphers = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
			      "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr";

	if (ssh_options_set(s, SSH_OPTIONS_HOST, t->host) ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) ||
	    ssh_options_set(s, SSH_OPTIONS_USER, t->user) ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) ||
	    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) ||
	    /* Neither ~/.ssh/config nor /etc/ssh/ssh_config may change what we trust. */
	    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) ||
	    ssh_options_set(s, SSH_OPTIONS_CIPHERS_C_S, ciphers) ||
	    ssh_options_set(s, SSH_OPTIONS_CIPHERS_S_C, ciphers) ||
	    ssh_options_set(s, SSH_OPTIONS_COMPRESSION, "no") ||
	    /* SFTP writes wait for their reply: no Nagle delay on the request. */
	    ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes))
		return ec_err(ctx, -EINVAL, "%s: cannot set SSH options: %s", t->host,
			      ssh_get_error(s));
	/* libssh derives its defaults from ~/.ssh; the capture kernel may have
	 * neither HOME nor /etc/passwd, so point it at the known_hosts directory. */
	if (t->known_hosts) {
		char dir[1024], *slash;

		snprintf(dir, sizeof(dir), "%s", t->known_hosts);
		slash = strrchr(dir, '/');
		if (slash && slash != dir)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
		if (ssh_options_set(s, SSH_OPTIONS_SSH_DIR, dir))
			return ec_err(ctx, -EINVAL, "%s: cannot set the SSH directory: %s", t->host,
				      ssh_get_error(s));
	}
	if (t->known_hosts &&
	    (ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, t->known_hosts) ||
	     /* Only the file we were given. */
	     ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null")))
		return ec_err(ctx, -EINVAL, "%s: cannot set known_hosts %s: %s", t->host,
			      t->known_hosts, ssh_get_error(s));
	return 0;
}

static int authenticate(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t)
{
	ssh_key key = NULL;
	int rc, ret;

	rc = ssh_pki_import_privkey_file(t->key_path, NULL, NULL, NULL, &key);
	if (rc != SSH_OK) {
		ret = ec_err(ctx, -EACCES, "%s: cannot read the private key (missing, unreadable, "
			     "or protected by a passphrase)", t->key_path);
		goto out;
	}
	rc = ssh_userauth_publickey(c->session, NULL, key);
	if (rc == SSH_AUTH_SUCCESS) {
		ret = 0;
	} else if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL) {
		ret = ec_err(ctx, -EACCES, "%s@%s: key %s refused by the server", t->user, t->host,
			     t->key_path);
	} else {
		ret = ec_err(ctx, -ECONNRESET, "%s@%s: authentication failed: %s", t->user, t->host,
			     ssh_get_error(c->session));
	}
out:
	ssh_key_free(key);
	return ret;
}

int ssh_conn_open(struct elfcore_ctx *ctx, struct ssh_conn *c, const struct ssh_target *t)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->session = ssh_new();
	if (!c->session)
		return ec_err(ctx, -ENOMEM, "%s: cannot allocate an SSH session", t->host);
	ret = set_options(ctx, c->session, t);
	if (ret)
		goto fail;
	if (ssh_connect(c->session) != SSH_OK) {
		ret = ec_err(ctx, -ECONNREFUSED, "%s port %u: %s", t->host, t->port,
			     ssh_get_error(c->session));
		goto fail;
	}
	ret = verify_host(ctx, c, t);
	if (ret)
		goto fail;
	ret = authenticate(ctx, c, t);
	if (ret)
		goto fail;
	return 0;
fail:
	ssh_conn_close(c);
	return ret;
}

int ssh_conn_channel(struct elfcore_ctx *ctx, struct ssh_conn *c)
{
	c->channel = ssh_channel_new(c->session);
	if (!c->channel)
		return ec_err(ctx, -ENOMEM, "cannot allocate an SSH channel");
	if (ssh_channel_open_session(c->channel) != SSH_OK) {
		ssh_channel_free(c->channel);
		c->channel = NULL;
		return ec_err(ctx, -ECONNRESET, "cannot open an SSH channel: %s",
			      ssh_get_error(c->session));
	}
	return 0;
}

void ssh_conn_close(struct ssh_conn *c)
{
	if (c->channel) {
		ssh_channel_free(c->channel);
		c->channel = NULL;
	}
	if (c->session) {
		ssh_disconnect(c->session);
		ssh_free(c->session);
		c->session = NULL;
	}
}
