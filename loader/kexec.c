/* The two system calls, and the messages for the errors users actually hit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kexec.h"

#ifndef SYS_kexec_file_load
#define SYS_kexec_file_load 320
#endif

struct kexec_segment_abi {         /* struct kexec_segment, include/uapi/linux/kexec.h */
	const void *buf;
	size_t bufsz;
	const void *mem;
	size_t memsz;
};

int kdl_kexec_load(const struct ld_plan *p)
{
	struct kexec_segment_abi segs[LD_MAX_SEGMENTS];

	for (unsigned i = 0; i < p->nseg; i++) {
		segs[i].buf = p->seg[i].buf;
		segs[i].bufsz = (size_t)p->seg[i].bufsz;
		segs[i].mem = (const void *)(uintptr_t)p->seg[i].mem;
		segs[i].memsz = (size_t)p->seg[i].memsz;
	}
	if (syscall(SYS_kexec_load, (unsigned long)p->entry, (unsigned long)p->nseg, segs, p->flags) < 0)
		return -errno;
	return 0;
}

int kdl_kexec_unload(unsigned long arch)
{
	if (syscall(SYS_kexec_load, 0UL, 0UL, NULL, KDL_KEXEC_ON_CRASH | arch) < 0) {
		int err = errno;

		/* Under lockdown only the file interface is allowed, for unloading too. */
		if (err == EPERM &&
		    syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
			    KDL_KEXEC_FILE_UNLOAD | KDL_KEXEC_FILE_ON_CRASH) == 0)
			return 0;
		return -err;
	}
	return 0;
}

int kdl_kexec_file_load(int kernel_fd, int initrd_fd, const char *cmdline)
{
	unsigned long flags = KDL_KEXEC_FILE_ON_CRASH;

	if (initrd_fd < 0)
		flags |= KDL_KEXEC_FILE_NO_INITRAMFS;
	if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, strlen(cmdline) + 1, cmdline, flags) < 0)
		return -errno;
	return 0;
}

const char *kdl_kexec_hint(int err, const char *lockdown, int file)
{
	switch (-err) {
	case EPERM:
		if (!file && lockdown[0] && strcmp(lockdown, "none") != 0)
			return "the kernel is locked down: kexec_load is refused, use --file "
			       "(kexec_file_load, with a kernel signed for this machine)";
		return "not permitted: needs root (CAP_SYS_BOOT), and kernel.kexec_load_disabled must be 0";
	case EBUSY:
		return "another kexec operation is in progress";
	case ENOSYS:
		return "the kernel was built without kexec support";
	case EKEYREJECTED:
	case EBADMSG:
		return "the kernel image signature was rejected (Secure Boot / KEXEC_SIG)";
	case ENOMEM:
		return "the segments do not fit the crashkernel region";
	case EADDRNOTAVAIL:
	case EINVAL:
		return "the kernel rejected the segment list (outside the crashkernel region?)";
	default:
		return "";
	}
}
