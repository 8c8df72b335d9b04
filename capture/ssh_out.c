/* kdump-capture's --ssh glue (capture/ssh_out.h). */
#include <errno.h>
#include <stdio.h>

#include "ec_priv.h"

#include "ssh_out.h"

static void log_line(void *arg, const char *msg)
{
	fprintf(stderr, "kdump-capture: ssh %s: %s\n", (const char *)arg, msg);
}

int cap_ssh_open(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *name, int flat,
		 struct ssh_sink_stats *stats, struct elfcore_sink **out)
{
	const struct elfcore_sink_ops *ops;
	struct elfcore_sink *sink = NULL;
	struct ssh_target small = *t;
	struct ssh_sink *ssh;
	int ret;

	*out = NULL;
	/* A small file: one SFTP session is enough. */
	if (!flat)
		small.sftp_sessions = 1;
	ret = ssh_sink_open(ctx, &small, name, log_line, (void *)name, &ops, &ssh);
	if (ret)
		return ret;
	if (stats)
		ssh_sink_stats_at_close(ssh, stats);
	if (!flat)
		ssh_sink_remove_partial(ssh);
	ret = elfcore_sink_new(ctx, ops, ssh, &sink);
	if (!ret && flat && ops->sequential) {
		struct elfcore_sink *inner = sink;

		ret = elfcore_sink_flat_new(ctx, inner, &sink);
	}
	if (!ret)
		*out = sink;
	return ret;
}

int cap_ssh_manifest(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *dump,
		     const char *manifest)
{
	struct elfcore_sink *out;
	int ret, r;

	ret = cap_ssh_open(ctx, t, manifest, 0, NULL, &out);
	if (ret)
		return ret;
	ret = ssh_remote_manifest(ctx, t, dump, out);
	if (!ret)
		ret = elfcore_sink_commit(out);
	r = elfcore_sink_close(out);
	return ret ? ret : r;
}

int cap_ssh_check(const struct ssh_target *t)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct ssh_check_result res;
	int ret;

	if (!ctx) {
		fprintf(stderr, "kdump-capture: out of memory\n");
		return 1;
	}
	ret = ssh_check(ctx, t, &res);
	if (ret) {
		fprintf(stderr, "kdump-capture: --check: %s\n", elfcore_ctx_error(ctx));
	} else {
		printf("ssh %s@%s port %u: host key %s verified, key accepted\n", t->user, t->host,
		       t->port, res.fingerprint);
		printf("remote directory %s", res.remote_dir);
		if (res.have_statvfs)
			printf(": %.1f MiB free of %.1f MiB", (double)res.free_bytes / 1048576.0,
			       (double)res.total_bytes / 1048576.0);
		printf("\n");
	}
	elfcore_ctx_free(ctx);
	return ret ? 1 : 0;
}
