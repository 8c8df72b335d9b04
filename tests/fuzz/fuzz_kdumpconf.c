/* libFuzzer target: the kdumpkit.conf parser, every getter and the shell rendering.
 * The rendering must stay safe to eval: every value is inside single quotes. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "elfcore/kdumpconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each line of the rendering is NAME='...' where a quote inside the value
 * only ever appears as the sequence '\'' . */
static void check_shell(const char *sh)
{
	for (const char *line = sh; *line;) {
		const char *end = strchr(line, '\n'), *p = strchr(line, '=');

		if (!end || !p || p > end || p[1] != '\'')
			abort();
		for (p += 2;; p++) {
			if (p >= end)
				abort();
			if (strncmp(p, "'\\''", 4) == 0)
				p += 3;
			else if (*p == '\'')
				break;
		}
		if (p + 1 != end)
			abort();
		line = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfcore_ctx *ctx = elfcore_ctx_new();
	struct elfcore_kdumpconf *conf = NULL;
	char *sh = NULL;

	if (!ctx)
		return 0;
	if (elfcore_kdumpconf_parse(ctx, data, size, &conf) == 0) {
		for (size_t i = 0; elfcore_kdumpconf_key(i); i++) {
			const char *key = elfcore_kdumpconf_key(i);
			unsigned u;

			if (!elfcore_kdumpconf_get(conf, key))
				abort();
			elfcore_kdumpconf_line(conf, key);
			elfcore_kdumpconf_uint(ctx, conf, key, &u);
		}
		if (elfcore_kdumpconf_shell(ctx, conf, &sh) == 0)
			check_shell(sh);
		free(sh);
		elfcore_kdumpconf_free(conf);
	}
	elfcore_ctx_free(ctx);
	return 0;
}
