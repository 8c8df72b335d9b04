/* kdump-capture's --ssh glue: the dump and the files beside it go to a
 * collection host through the SSH sink (capture/ssh_sink.h). */
#ifndef KDUMPKIT_SSH_OUT_H
#define KDUMPKIT_SSH_OUT_H

#include "elfcore/sink.h"
#include "ssh_sink.h"

/* Open a remote file NAME as an elfcore sink. flat: the dump itself, which
 * exec mode (sequential) gets as makedumpfile's flattened stream; small files
 * beside it are written sequentially, go as they are, and are removed when
 * not committed (the dump is kept as NAME.XXXXXX.incomplete). stats (may be NULL)
 * is filled when the sink is closed. Messages name NAME on the host. */
int cap_ssh_open(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *name, int flat,
		 struct ssh_sink_stats *stats, struct elfcore_sink **out);

/* Read the committed remote dump back (SFTP mode) and write its checksum
 * manifest beside it, under the remote name manifest. */
int cap_ssh_manifest(struct elfcore_ctx *ctx, const struct ssh_target *t, const char *dump,
		     const char *manifest);

/* --check: print what ssh_check() found; returns the exit status. */
int cap_ssh_check(const struct ssh_target *t);

#endif
