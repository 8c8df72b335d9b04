/* kdump-inspect's subcommands. Each takes its argv with argv[0] = its own
 * name and returns the exit code: 0 ok, 1 the dump is damaged or incomplete,
 * 2 usage or I/O error. Adding a subcommand: one cmd_<name>.c and one line in
 * the table of main.c. */
#ifndef INSPECT_COMMANDS_H
#define INSPECT_COMMANDS_H

#include "cmd_kernel.h"

int cmd_info(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
