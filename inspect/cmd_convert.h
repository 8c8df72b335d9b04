/* kdump-inspect convert: any readable dump format to any writable one. */
#ifndef INSPECT_CMD_CONVERT_H
#define INSPECT_CMD_CONVERT_H

/* argv[0] = "convert"; returns the exit code (0 ok, 1 damaged input, 2 usage/I/O). */
int cmd_convert(int argc, char **argv);

#endif
