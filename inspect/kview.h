/* Shared by the kernel-view subcommands of kdump-inspect (dmesg, read, vtop,
 * symbol): opening a dump and its kernel view, parsing numbers, exit codes. */
#ifndef INSPECT_KVIEW_H
#define INSPECT_KVIEW_H

#include <stdint.h>

#include "elfcore/dump.h"
#include "elfcore/kernel.h"

/* Exit codes of kdump-inspect. */
#define KV_EXIT_OK      0
#define KV_EXIT_DAMAGED 1       /* the dump is damaged or incomplete */
#define KV_EXIT_USAGE   2       /* usage or I/O error */

struct kview {
	const char *path;
	struct elfcore_ctx *ctx;
	struct elfcore_dump *dump;
	struct elfcore_kernel *kernel;  /* NULL unless kview_open(..., 1) */
};

/* Open path (and its kernel view when want_kernel); on failure print
 * "kdump-inspect: PATH: message" and return the exit code to use. */
int kview_open(struct kview *kv, const char *path, int want_kernel);
void kview_close(struct kview *kv);

/* Print "kdump-inspect: PATH: <context message>" for a failed call and
 * return the exit code for err. */
int kview_fail(struct kview *kv, int err);

/* The exit code for a library error: an unreadable file is an I/O error,
 * anything the dump's content caused means the dump is damaged. */
int kview_exit_code(int err);

/* Parse an address or length: "0x..." is hexadecimal, so is a string with
 * any of a-f in it (addresses as VMCOREINFO prints them); other all-digit
 * strings are decimal. Returns 0 or -1. */
int kview_parse_u64(const char *s, uint64_t *out);

void kview_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
