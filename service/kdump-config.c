/* kdump-config: read /etc/kdumpkit.conf through the library's parser and hand
 * it to the service's shell scripts (kdump-ctl, kdump-mkinitramfs) as safely
 * quoted shell assignments. The scripts never parse the file themselves. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "elfcore/corehdr.h"
#include "elfcore/kdumpconf.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF SYSCONFDIR "/kdumpkit.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kdump-config [-c FILE] check      validate the config\n"
		"       kdump-config [-c FILE] shell      print it as shell assignments (KDUMP_*)\n"
		"       kdump-config [-c FILE] get KEY    print one effective value\n"
		"       kdump-config keys                 list the known keys\n"
		"       kdump-config synth-dump FILE      write a small synthetic ELF vmcore (kdump-ctl test)\n"
		"FILE defaults to $KDUMPKIT_CONF, then %s.\n", DEFAULT_CONF);
}

/* Read the whole file, refusing more than the parser accepts. */
static int read_file(const char *path, char **out, size_t *size)
{
	size_t cap = ELFCORE_KDUMPCONF_MAX_SIZE + 1, len = 0, n;
	char *buf = malloc(cap);
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!buf || !f) {
		ret = -errno;
		goto out;
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0 && len + n < cap)
		len += n;
	if (ferror(f)) {
		ret = -EIO;
		goto out;
	}
	if (n > 0)
		len += n;       /* one byte too many: the parser names the limit */
	*out = buf;
	*size = len;
	buf = NULL;
out:
	if (f)
		fclose(f);
	free(buf);
	return ret;
}

/* A small ELF vmcore as the kernel's /proc/vmcore looks: one PT_NOTE holding a VMCOREINFO note
 * (this kernel's release, PAGESIZE, CRASHTIME), one PT_LOAD of SYNTH_PAGES pages of a pattern.
 * kdump-ctl test runs the capture tool on it: a rehearsal that needs no crash. */
#define SYNTH_PAGES 64
#define SYNTH_PAGE  4096

static int synth_dump(const char *path)
{
	char info[512], page[SYNTH_PAGE];
	struct utsname uts;
	struct elfcore_corehdr h = { .size = sizeof(h), .machine = EM_X86_64, .phnum = 2 };
	Elf64_Phdr ph[2] = { { 0 } };
	size_t info_len, note_len, hdr_len = (size_t)elfcore_corehdr_size(2);
	FILE *f;
	int ret = 0;

	if (uname(&uts))
		return -errno;
	info_len = (size_t)snprintf(info, sizeof(info),
				    "OSRELEASE=%s\nPAGESIZE=%d\nCRASHTIME=%lld\nKDUMPKIT_SYNTHETIC=1\n",
				    uts.release, SYNTH_PAGE, (long long)time(NULL));
	if (info_len >= sizeof(info))
		return -EINVAL;
	/* The first page: the header, the note, zeros. */
	memset(page, 0, sizeof(page));
	note_len = elfcore_note_put(page + hdr_len, sizeof(page) - hdr_len, "VMCOREINFO", 0, info,
				    info_len);
	if (!note_len)
		return -EINVAL;

	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = hdr_len;
	ph[0].p_filesz = ph[0].p_memsz = note_len;
	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R | PF_W | PF_X;
	ph[1].p_offset = SYNTH_PAGE;
	ph[1].p_paddr = 0x1000000;
	ph[1].p_vaddr = 0xffff888001000000ull;
	ph[1].p_filesz = ph[1].p_memsz = (uint64_t)SYNTH_PAGES * SYNTH_PAGE;
	ph[1].p_align = SYNTH_PAGE;
	if (elfcore_corehdr_build(NULL, &h, ph, page, hdr_len))
		return -EINVAL;

	f = fopen(path, "wbx");
	if (!f)
		return -errno;
	fwrite(page, sizeof(page), 1, f);
	for (unsigned i = 0; i < SYNTH_PAGES; i++) {
		/* zero pages, and pages of text: both kinds a dump level filters or compresses */
		if (i % 4 == 0)
			memset(page, 0, sizeof(page));
		else
			for (size_t j = 0; j < sizeof(page); j++)
				page[j] = "kdumpkit synthetic dump page\n"[j % 29];
		fwrite(page, sizeof(page), 1, f);
	}
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		remove(path);
	return ret;
}

int main(int argc, char **argv)
{
	const char *path = getenv("KDUMPKIT_CONF"), *cmd;
	struct elfcore_kdumpconf *conf = NULL;
	struct elfcore_ctx *ctx = NULL;
	char *text = NULL, *shell = NULL;
	size_t size = 0;
	int argi = 1, status = 1, ret;

	if (!path || !*path)
		path = DEFAULT_CONF;
	if (argi + 1 < argc && strcmp(argv[argi], "-c") == 0) {
		path = argv[argi + 1];
		argi += 2;
	}
	if (argi >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[argi++];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "synth-dump") == 0 && argi + 1 == argc) {
		ret = synth_dump(argv[argi]);
		if (ret)
			fprintf(stderr, "kdump-config: %s: %s\n", argv[argi], strerror(-ret));
		return ret ? 1 : 0;
	}
	if (strcmp(cmd, "keys") == 0 && argi == argc) {
		for (size_t i = 0; elfcore_kdumpconf_key(i); i++)
			printf("%s\n", elfcore_kdumpconf_key(i));
		return 0;
	}
	if (!((strcmp(cmd, "check") == 0 && argi == argc) || (strcmp(cmd, "shell") == 0 && argi == argc) ||
	      (strcmp(cmd, "get") == 0 && argi + 1 == argc))) {
		usage(stderr);
		return 2;
	}

	ctx = elfcore_ctx_new();
	if (!ctx) {
		fprintf(stderr, "kdump-config: out of memory\n");
		goto out;
	}
	ret = read_file(path, &text, &size);
	if (ret) {
		fprintf(stderr, "kdump-config: %s: %s\n", path, strerror(-ret));
		goto out;
	}
	if (elfcore_kdumpconf_parse(ctx, text, size, &conf)) {
		fprintf(stderr, "kdump-config: %s: %s\n", path, elfcore_ctx_error(ctx));
		goto out;
	}
	if (strcmp(cmd, "shell") == 0) {
		if (elfcore_kdumpconf_shell(ctx, conf, &shell)) {
			fprintf(stderr, "kdump-config: %s\n", elfcore_ctx_error(ctx));
			goto out;
		}
		fputs(shell, stdout);
	} else if (strcmp(cmd, "get") == 0) {
		const char *v = elfcore_kdumpconf_get(conf, argv[argi]);

		if (!v) {
			fprintf(stderr, "kdump-config: unknown key \"%s\"\n", argv[argi]);
			goto out;
		}
		printf("%s\n", v);
	}
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	free(shell);
	free(text);
	elfcore_kdumpconf_free(conf);
	elfcore_ctx_free(ctx);
	return status;
}
