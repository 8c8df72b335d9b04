/* The kernel-view subcommands of kdump-inspect; each takes argv[0] = its
 * own name and returns the exit code (0 ok, 1 damaged dump, 2 usage/I/O). */
#ifndef INSPECT_CMD_KERNEL_H
#define INSPECT_CMD_KERNEL_H

int cmd_dmesg(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_vtop(int argc, char **argv);
int cmd_symbol(int argc, char **argv);

#endif
