/* kdumpconf: the parser of /etc/kdumpkit.conf, the kdump service's one config file.
 *
 * The file is text written by people, so it is parsed as untrusted input: one
 * "key value" per line, '#' starts a comment line, blank lines are ignored.
 * Every key is known and typed; an unknown key, a bad value, a duplicate key
 * or a contradiction between keys is an error naming the line:
 *   "line 12: dump_level: 42 is not in 0..31".
 * The keys, their types and defaults are documented in doc/kdumpkit.conf.5
 * and listed in kdumpconf.c's table.
 *
 * The service's shell scripts never parse the file themselves: kdump-config
 * turns a parsed config into shell assignments (elfcore_kdumpconf_shell()),
 * single-quoted so that no value can run code.
 */
#ifndef ELFCORE_KDUMPCONF_H
#define ELFCORE_KDUMPCONF_H

#include <stddef.h>

#include "elfcore/context.h"

/* Limits on the input; a real config has a few dozen short lines. */
#define ELFCORE_KDUMPCONF_MAX_SIZE  (256u * 1024)
#define ELFCORE_KDUMPCONF_MAX_LINES 4096
#define ELFCORE_KDUMPCONF_MAX_LINE  4096

struct elfcore_kdumpconf;

/* Parse size bytes of config text (no NUL bytes allowed). On success *out
 * owns the parsed config, to release with elfcore_kdumpconf_free().
 * Returns 0, -EINVAL with a message "line N: ..." in ctx, or -ENOMEM. */
ELFCORE_API int elfcore_kdumpconf_parse(struct elfcore_ctx *ctx, const void *text, size_t size,
					struct elfcore_kdumpconf **out);
ELFCORE_API void elfcore_kdumpconf_free(struct elfcore_kdumpconf *conf);

/* The keys the file may hold, in the documented order: i from 0 while the
 * result is not NULL. */
ELFCORE_API const char *elfcore_kdumpconf_key(size_t i);

/* The effective value of key: the value given in the file (normalised: booleans
 * read "yes"/"no"), else the default ("" when the key has none). NULL when key
 * is not a known key. Borrowed from conf. */
ELFCORE_API const char *elfcore_kdumpconf_get(const struct elfcore_kdumpconf *conf, const char *key);

/* The line that set key, 0 when it has its default (or is unknown). */
ELFCORE_API unsigned elfcore_kdumpconf_line(const struct elfcore_kdumpconf *conf, const char *key);

/* The effective value of a numeric key. 0, or -ENOENT/-EINVAL with a message. */
ELFCORE_API int elfcore_kdumpconf_uint(struct elfcore_ctx *ctx, const struct elfcore_kdumpconf *conf,
				       const char *key, unsigned *out);

/* Render the config as POSIX shell assignments, one per line:
 *   KDUMP_DUMP_LEVEL='31'
 * for every key (name upper-cased, '-' as '_'), plus the parts of ssh
 * (KDUMP_SSH_USER, KDUMP_SSH_HOST, KDUMP_SSH_PORT) and KDUMP_TARGET (local or
 * ssh). Values are single-quoted; the text is safe to eval. *out is a
 * NUL-terminated string the caller frees. 0 or -ENOMEM. */
ELFCORE_API int elfcore_kdumpconf_shell(struct elfcore_ctx *ctx, const struct elfcore_kdumpconf *conf,
					char **out);

#endif
