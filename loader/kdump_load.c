/* kdump-load: stage a capture kernel in the crashkernel region.
 * Front end only: options, messages, exit codes (0 ok, 1 failure, 2 usage). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "loader.h"
#include "kexec.h"

struct mapped {
	void *data;
	size_t size;
	int fd;
};

struct options {
	const char *kernel, *initrd, *cmdline, *append, *sysroot;
	int reuse, unload, status, dry_run, json, file, test_bad_digest, verbose;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -v: where the time goes (the benchmark's question). */
static void phase(const struct options *o, const char *what, double *t)
{
	double n = now();

	if (o->verbose)
		fprintf(stderr, "kdump-load: %-12s %.3f s\n", what, n - *t);
	*t = n;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kdump-load --kernel BZIMAGE [--initrd INITRD]\n"
		"                  [--cmdline STR | --append STR | --reuse-cmdline] [-s|--file]\n"
		"                  [--dry-run [--json]] [--sysroot DIR] [-v|--verbose]\n"
		"       kdump-load --unload | --status [--sysroot DIR]\n"
		"Loads a capture kernel for crash dumps (kexec_load with KEXEC_ON_CRASH, or\n"
		"kexec_file_load with --file). --dry-run builds every segment and prints the\n"
		"plan without loading; --sysroot reads /proc and /sys from DIR.\n");
}

static int map_file(const char *path, struct mapped *m)
{
	struct stat st;

	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0 || fstat(m->fd, &st) < 0) {
		fprintf(stderr, "kdump-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		fprintf(stderr, "kdump-load: %s: not a regular non-empty file\n", path);
		return -1;
	}
	m->size = (size_t)st.st_size;
	m->data = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, m->fd, 0);
	if (m->data == MAP_FAILED) {
		fprintf(stderr, "kdump-load: %s: mmap: %s\n", path, strerror(errno));
		m->data = NULL;
		return -1;
	}
	return 0;
}

static void unmap_file(struct mapped *m)
{
	if (m->data)
		munmap(m->data, m->size);
	if (m->fd >= 0)
		close(m->fd);
}

/* The running kernel's command line without what must not reach the capture kernel. */
static void reuse_cmdline(const char *in, char *out, size_t size)
{
	static const char *const drop[] = { "crashkernel=", "BOOT_IMAGE=", "initrd=", "elfcorehdr=", NULL };
	char buf[4096], *save = NULL, *tok;
	size_t used = 0;

	snprintf(buf, sizeof(buf), "%s", in);
	out[0] = '\0';
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		int skip = 0;

		for (int i = 0; drop[i]; i++)
			skip |= strncmp(tok, drop[i], strlen(drop[i])) == 0;
		if (!skip && used + strlen(tok) + 2 < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "", tok);
	}
}

static int do_status(struct elfcore_ctx *ctx, const char *root)
{
	struct ld_machine m;
	int ret = ld_machine_read(ctx, root, &m);

	if (ret < 0) {
		fprintf(stderr, "kdump-load: %s\n", elfcore_ctx_error(ctx));
		ld_machine_free(&m);
		return 1;
	}
	printf("crash kernel: %s\n", m.crash_loaded == 1 ? "loaded" :
	       m.crash_loaded == 0 ? "not loaded" : "unknown (no /sys/kernel/kexec_crash_loaded)");
	if (m.have_crash)
		printf("crashkernel region: 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " MiB)\n",
		       m.crash_start, m.crash_end, (m.crash_end - m.crash_start + 1) >> 20);
	else
		printf("crashkernel region: none reserved (boot with crashkernel=256M)\n");
	if (m.crash_size_sysfs)
		printf("kexec_crash_size: %" PRIu64 " bytes\n", m.crash_size_sysfs);
	if (m.lockdown[0])
		printf("lockdown: %s\n", m.lockdown);
	ld_machine_free(&m);
	return 0;
}

static int do_load(struct elfcore_ctx *ctx, const struct options *o)
{
	const struct ld_arch_ops *arch = &ld_arch_x86_64;
	struct mapped kernel = { .fd = -1 }, initrd = { .fd = -1 };
	struct ld_machine m;
	struct ld_plan *p = NULL;
	struct ld_load_args a = { 0 };
	char cmdline[4096];
	const char *root = o->sysroot ? o->sysroot : "";
	int ret, rc = 1;
	double t = now();

	memset(&m, 0, sizeof(m));
	if (!o->dry_run && geteuid() != 0) {
		fprintf(stderr, "kdump-load: loading a crash kernel needs root (use --dry-run to see the plan)\n");
		return 1;
	}
	if (ld_machine_read(ctx, root, &m) < 0) {
		fprintf(stderr, "kdump-load: %s\n", elfcore_ctx_error(ctx));
		goto out;
	}
	phase(o, "machine", &t);
	if (!m.have_crash) {
		fprintf(stderr, "kdump-load: no crashkernel memory is reserved (no \"Crash kernel\" in "
			"%s/proc/iomem): add crashkernel=256M to the kernel command line and reboot\n", root);
		goto out;
	}
	cmdline[0] = '\0';
	if (o->reuse)
		reuse_cmdline(m.cmdline, cmdline, sizeof(cmdline));
	if (o->cmdline)
		snprintf(cmdline, sizeof(cmdline), "%s", o->cmdline);
	if (o->append) {
		size_t l = strlen(cmdline);

		snprintf(cmdline + l, sizeof(cmdline) - l, "%s%s", l ? " " : "", o->append);
	}
	if (map_file(o->kernel, &kernel) < 0 || (o->initrd && map_file(o->initrd, &initrd) < 0))
		goto out;
	phase(o, "read files", &t);
	if ((ret = arch->probe(ctx, kernel.data, kernel.size)) < 0) {
		fprintf(stderr, "kdump-load: %s: %s\n", o->kernel, elfcore_ctx_error(ctx));
		goto out;
	}
	if (o->file) {
		if (o->dry_run) {
			printf("kexec_file_load kernel %s initrd %s cmdline %s flags on-crash\n",
			       o->kernel, o->initrd ? o->initrd : "-", cmdline);
			rc = 0;
			goto out;
		}
		ret = kdl_kexec_file_load(kernel.fd, o->initrd ? initrd.fd : -1, cmdline);
		if (ret < 0) {
			fprintf(stderr, "kdump-load: kexec_file_load: %s%s%s\n", strerror(-ret),
				*kdl_kexec_hint(ret, m.lockdown, 1) ? ": " : "", kdl_kexec_hint(ret, m.lockdown, 1));
			goto out;
		}
		rc = 0;
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fprintf(stderr, "kdump-load: out of memory\n");
		goto out;
	}
	p->test_bad_digest = o->test_bad_digest;
	a.kernel = kernel.data;
	a.kernel_size = kernel.size;
	a.initrd = initrd.data;
	a.initrd_size = initrd.size;
	a.cmdline = cmdline;
	if ((ret = arch->load(ctx, p, &m, &a)) < 0) {
		fprintf(stderr, "kdump-load: %s\n", elfcore_ctx_error(ctx));
		goto out;
	}
	phase(o, "plan+digests", &t);
	if (o->dry_run) {
		ld_plan_print(p, &m, o->json);
		rc = 0;
		goto out;
	}
	ret = kdl_kexec_load(p);
	if (ret < 0) {
		const char *hint = kdl_kexec_hint(ret, m.lockdown, 0);

		fprintf(stderr, "kdump-load: kexec_load: %s%s%s\n", strerror(-ret), *hint ? ": " : "", hint);
		goto out;
	}
	phase(o, "kexec_load", &t);
	rc = 0;
out:
	if (p) {
		ld_plan_free(p);
		free(p);
	}
	unmap_file(&kernel);
	unmap_file(&initrd);
	ld_machine_free(&m);
	return rc;
}

int main(int argc, char **argv)
{
	enum { OPT_TEST_BAD_DIGEST = 256, OPT_SYSROOT, OPT_JSON, OPT_REUSE };
	static const struct option long_opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "command-line", required_argument, NULL, 'c' },
		{ "append", required_argument, NULL, 'a' },
		{ "reuse-cmdline", no_argument, NULL, OPT_REUSE },
		{ "unload", no_argument, NULL, 'u' },
		{ "status", no_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "file", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		/* Test only: corrupt one digest so that the purgatory must refuse to boot. */
		{ "test-bad-digest", no_argument, NULL, OPT_TEST_BAD_DIGEST },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { 0 };
	struct elfcore_ctx *ctx;
	int c, rc;

	while ((c = getopt_long(argc, argv, "k:i:c:a:uSnshv", long_opts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'c': o.cmdline = optarg; break;
		case 'a': o.append = optarg; break;
		case OPT_REUSE: o.reuse = 1; break;
		case 'u': o.unload = 1; break;
		case 'S': o.status = 1; break;
		case 'n': o.dry_run = 1; break;
		case OPT_JSON: o.json = 1; break;
		case OPT_SYSROOT: o.sysroot = optarg; break;
		case 's': o.file = 1; break;
		case OPT_TEST_BAD_DIGEST: o.test_bad_digest = 1; break;
		case 'v': o.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (o.unload + o.status > 1) || (!o.unload && !o.status && !o.kernel) ||
	    (o.cmdline && o.reuse)) {
		usage(stderr);
		return 2;
	}
	ctx = elfcore_ctx_new();
	if (!ctx) {
		fprintf(stderr, "kdump-load: out of memory\n");
		return 1;
	}
	if (o.status) {
		rc = do_status(ctx, o.sysroot ? o.sysroot : "");
	} else if (o.unload) {
		if (o.dry_run || o.sysroot) {
			printf("kexec_load unload (on-crash)\n");
			rc = 0;
		} else if (geteuid() != 0) {
			fprintf(stderr, "kdump-load: unloading needs root\n");
			rc = 1;
		} else if ((rc = kdl_kexec_unload(ld_arch_x86_64.kexec_arch)) < 0) {
			fprintf(stderr, "kdump-load: unload: %s\n", strerror(-rc));
			rc = 1;
		}
	} else {
		rc = do_load(ctx, &o);
	}
	elfcore_ctx_free(ctx);
	return rc;
}
