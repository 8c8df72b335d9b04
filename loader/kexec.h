/* kexec_load / kexec_file_load for crash kernels. Return 0 or -errno. */
#ifndef KDUMPKIT_LOADER_KEXEC_H
#define KDUMPKIT_LOADER_KEXEC_H

#include "loader.h"

#define KDL_KEXEC_ON_CRASH           0x00000001UL
#define KDL_KEXEC_FILE_UNLOAD        0x00000001UL
#define KDL_KEXEC_FILE_ON_CRASH      0x00000002UL
#define KDL_KEXEC_FILE_NO_INITRAMFS  0x00000004UL

int kdl_kexec_load(const struct ld_plan *p);
int kdl_kexec_unload(unsigned long arch);
int kdl_kexec_file_load(int kernel_fd, int initrd_fd, const char *cmdline);
/* A sentence for the user about err ("" when there is nothing to add). */
const char *kdl_kexec_hint(int err, const char *lockdown, int file);

#endif
