/* kdump-inspect: read a kernel crash dump offline. */
#include <stdio.h>
#include <string.h>

#include "cmd_convert.h"
#include "commands.h"
#include "kview.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "info",   cmd_info,   "info DUMP [SPLIT_PART...] [--json]" },
	{ "verify", cmd_verify, "verify DUMP [SPLIT_PART...]" },
	{ "dmesg",  cmd_dmesg,  "dmesg DUMP" },
	{ "read",   cmd_read,   "read DUMP ADDR LEN [--phys] [--raw]" },
	{ "vtop",   cmd_vtop,   "vtop DUMP VADDR" },
	{ "symbol", cmd_symbol, "symbol DUMP [NAME]" },
	{ "convert", cmd_convert, "convert IN OUT --format elf|kdump|flat [--compress zlib|lzo|zstd|none]" },
};

static int usage(FILE *out)
{
	fprintf(out, "usage: kdump-inspect COMMAND ARGS...\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  kdump-inspect %s\n", commands[i].usage);
	fprintf(out, "Exit status: 0 ok, 1 damaged or incomplete dump, 2 usage or I/O error.\n");
	return KV_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return KV_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kdump-inspect: unknown command \"%s\"\n", argv[1]);
	return usage(stderr);
}
