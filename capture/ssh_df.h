/* Exec mode's --check reads the free space from the remote `df`: bytes from
 * the server, so parsed here on their own (and fuzzed: tests/fuzz/fuzz_ssh_df.c). */
#ifndef KDUMPKIT_SSH_DF_H
#define KDUMPKIT_SSH_DF_H

#include <stddef.h>
#include <stdint.h>

/* Parse the output of `pwd && df -Pk .` (len bytes, not NUL-terminated):
 * the directory on the first line, df's header, then "FS TOTAL USED AVAIL ..."
 * in KiB. dir gets the directory (NUL-terminated, dir_len > 0); total and
 * avail are in bytes. 0, or -EPROTO when the output is not that. */
int ssh_parse_df(const char *out, size_t len, char *dir, size_t dir_len, uint64_t *total,
		 uint64_t *avail);

#endif
