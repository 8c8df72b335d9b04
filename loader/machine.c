/* What the running kernel tells a crash loader, read from /proc and /sys or
 * from a recorded tree (--sysroot): /proc/iomem, the crashkernel region, the
 * per-CPU crash_notes, VMCOREINFO, /proc/kcore's program headers (direct-map
 * base and kernel text mapping, both moved by KASLR), /proc/cmdline. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "ec_priv.h"

#define START_KERNEL_MAP 0xffffffff80000000ULL
#define KCORE_HEAD_MAX   (256u << 10)

static int open_under(const char *root, const char *path)
{
	char full[1024];

	snprintf(full, sizeof(full), "%s%s", root, path);
	return open(full, O_RDONLY | O_CLOEXEC);
}

int ld_read_file(struct elfcore_ctx *ctx, const char *root, const char *path, char *buf, size_t size)
{
	size_t got = 0;
	int fd, ret;

	fd = open_under(root, path);
	if (fd < 0)
		return ec_err(ctx, -errno, "%s%s: %s", root, path, strerror(errno));
	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n < 0) {
			ret = ec_err(ctx, -errno, "%s%s: %s", root, path, strerror(errno));
			close(fd);
			return ret;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

/* Read a whole (bounded) file into a malloc()ed buffer. */
static int read_all(struct elfcore_ctx *ctx, const char *root, const char *path, size_t max,
		    char **out, size_t *len)
{
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap);
	int fd, ret = 0;

	if (!buf)
		return ec_err(ctx, -ENOMEM, "out of memory");
	fd = open_under(root, path);
	if (fd < 0) {
		ret = ec_err(ctx, -errno, "%s%s: %s", root, path, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (got == cap) {
			char *p;

			if (cap >= max) {
				ret = ec_err(ctx, -EFBIG, "%s%s: larger than %zu bytes", root, path, max);
				goto out;
			}
			p = realloc(buf, cap * 2);
			if (!p) {
				ret = ec_err(ctx, -ENOMEM, "out of memory");
				goto out;
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0) {
			ret = ec_err(ctx, -errno, "%s%s: %s", root, path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = got;
	return 0;
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, base);
	if (errno || end == s)
		return -EINVAL;
	while (*end == ' ' || *end == '\n')
		end++;
	return *end == '\0' ? 0 : -EINVAL;
}

int ld_kcore_parse(struct elfcore_ctx *ctx, const void *data, size_t size, struct ld_machine *m)
{
	uint64_t best_ram = UINT64_MAX;
	unsigned phnum;
	size_t have;
	GElf_Ehdr eh;
	Elf *elf = NULL;
	int ret = 0;

	m->have_kcore = 0;
	m->text_size = 0;
	/* libelf only reads the bytes (native little-endian: used in place). */
	if (size < sizeof(Elf64_Ehdr) || elf_version(EV_CURRENT) == EV_NONE ||
	    !(elf = elf_memory((char *)data, size)) || elf_kind(elf) != ELF_K_ELF ||
	    gelf_getclass(elf) != ELFCLASS64 || !gelf_getehdr(elf, &eh) ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		ret = ec_err(ctx, -EINVAL, "/proc/kcore: not a little-endian ELF64 file");
		goto out;
	}
	if (eh.e_type != ET_CORE || eh.e_machine != EM_X86_64) {
		ret = ec_err(ctx, -EINVAL, "/proc/kcore: not an x86_64 core (type %u machine %u)",
			     eh.e_type, eh.e_machine);
		goto out;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr)) {
		ret = ec_err(ctx, -EINVAL, "/proc/kcore: program header size %u", eh.e_phentsize);
		goto out;
	}
	/* libelf quietly drops the program headers past the end: only the header's count says
	 * whether the recorded bytes hold them all. */
	phnum = eh.e_phnum;
	have = eh.e_phoff > size ? 0 : (size - eh.e_phoff) / sizeof(Elf64_Phdr);
	if (have < phnum) {
		ret = ec_err(ctx, -EINVAL, "/proc/kcore: program header %zu past the recorded bytes", have);
		goto out;
	}
	for (unsigned i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph)) {
			ret = ec_err(ctx, -EINVAL, "/proc/kcore: program header %u: %s", i, elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type != PT_LOAD || ph.p_paddr == UINT64_MAX)
			continue;
		if (ph.p_vaddr >= START_KERNEL_MAP) {
			/* The kernel text (KCORE_TEXT): _text.._end, paddr = __pa_symbol(_text). */
			if (!m->text_size) {
				m->text_vaddr = ph.p_vaddr;
				m->text_paddr = ph.p_paddr;
				m->text_size = ph.p_memsz;
			}
		} else if (ph.p_vaddr >= 0xff00000000000000ULL && ph.p_vaddr - ph.p_paddr < best_ram) {
			/* KCORE_RAM: vaddr = __va(paddr); the lowest gives PAGE_OFFSET. */
			best_ram = ph.p_vaddr - ph.p_paddr;
		}
	}
	if (best_ram == UINT64_MAX || !m->text_size) {
		ret = ec_err(ctx, -EINVAL, "/proc/kcore: no %s mapping among %u program headers",
			     best_ram == UINT64_MAX ? "direct-map RAM" : "kernel text", phnum);
		goto out;
	}
	m->page_offset = best_ram;
	m->have_kcore = 1;
out:
	if (elf)
		elf_end(elf);
	return ret;
}

/* How much of /proc/kcore to read: the ELF header and the program headers
 * (at most KCORE_HEAD_MAX), from the first got bytes; 0 while they do not
 * hold an ELF64 header (ld_kcore_parse() then says what is wrong). */
static size_t kcore_head_size(char *buf, size_t got)
{
	uint64_t end = 0;
	GElf_Ehdr eh;
	Elf *elf;

	if (got < sizeof(Elf64_Ehdr) || elf_version(EV_CURRENT) == EV_NONE ||
	    !(elf = elf_memory(buf, got)))
		return 0;
	if (gelf_getclass(elf) == ELFCLASS64 && gelf_getehdr(elf, &eh)) {
		end = eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
		if (end < eh.e_phoff)
			end = UINT64_MAX;
	}
	elf_end(elf);
	return end < KCORE_HEAD_MAX ? (size_t)end : KCORE_HEAD_MAX;
}

/* Read only the ELF header and program headers: past them /proc/kcore is memory. */
static int read_kcore(struct elfcore_ctx *ctx, struct ld_machine *m)
{
	char *buf = malloc(KCORE_HEAD_MAX);
	size_t got = 0, want = 4096;
	int sized = 0;
	int fd, ret = 0;

	if (!buf)
		return ec_err(ctx, -ENOMEM, "out of memory");
	fd = open_under(m->root, "/proc/kcore");
	if (fd < 0) {
		ret = ec_err(ctx, -errno, "%s/proc/kcore: %s", m->root, strerror(errno));
		goto out;
	}
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, (off_t)got);

		if (n < 0) {
			ret = ec_err(ctx, -errno, "%s/proc/kcore: %s", m->root, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got >= sizeof(Elf64_Ehdr) && !sized) {
			size_t end = kcore_head_size(buf, got);

			sized = 1;
			if (end > want)
				want = end;
		}
	}
	ret = ld_kcore_parse(ctx, buf, got, m);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

static int read_cpu_notes(struct elfcore_ctx *ctx, struct ld_machine *m)
{
	char path[256], buf[64];
	DIR *d;
	struct dirent *de;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu", m->root);
	d = opendir(path);
	if (!d)   /* no CPUs with notes: the elfcorehdr builder reports it if it matters */
		return errno == ENOENT ? 0 : ec_err(ctx, -errno, "%s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		unsigned long id;
		char *end;
		uint64_t addr, size = 0;

		if (strncmp(de->d_name, "cpu", 3) != 0 || de->d_name[3] < '0' || de->d_name[3] > '9')
			continue;
		id = strtoul(de->d_name + 3, &end, 10);
		if (*end || id >= LD_MAX_CPUS)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%lu/crash_notes", id);
		if (ld_read_file(ctx, m->root, path, buf, sizeof(buf)) < 0)
			continue;   /* offline CPUs of old kernels, CPUs without notes */
		if (parse_u64(buf, 16, &addr) < 0) {
			ret = ec_err(ctx, -EINVAL, "%s%s: not a hex address", m->root, path);
			goto out;
		}
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%lu/crash_notes_size", id);
		if (ld_read_file(ctx, m->root, path, buf, sizeof(buf)) >= 0 && parse_u64(buf, 10, &size) < 0) {
			ret = ec_err(ctx, -EINVAL, "%s%s: not a decimal size", m->root, path);
			goto out;
		}
		if (!size)
			size = 1024;    /* kernels before crash_notes_size: the note buffer */
		if (m->ncpus == LD_MAX_CPUS) {
			ret = ec_err(ctx, -E2BIG, "more than %u CPUs", LD_MAX_CPUS);
			goto out;
		}
		m->cpu_notes[m->ncpus] = (struct ld_note_ptr){ addr, size };
		m->cpu_ids[m->ncpus++] = (unsigned)id;
	}
	/* readdir order is arbitrary: sort by CPU number so the notes are in order. */
	for (unsigned i = 1; i < m->ncpus; i++)
		for (unsigned j = i; j > 0 && m->cpu_ids[j - 1] > m->cpu_ids[j]; j--) {
			unsigned t = m->cpu_ids[j];
			struct ld_note_ptr n = m->cpu_notes[j];

			m->cpu_ids[j] = m->cpu_ids[j - 1];
			m->cpu_notes[j] = m->cpu_notes[j - 1];
			m->cpu_ids[j - 1] = t;
			m->cpu_notes[j - 1] = n;
		}
out:
	closedir(d);
	return ret;
}

static void read_lockdown(struct elfcore_ctx *ctx, struct ld_machine *m)
{
	char buf[256], *l, *r;

	if (ld_read_file(ctx, m->root, "/sys/kernel/security/lockdown", buf, sizeof(buf)) < 0)
		return;
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r && (size_t)(r - l - 1) < sizeof(m->lockdown)) {
		memcpy(m->lockdown, l + 1, (size_t)(r - l - 1));
		m->lockdown[r - l - 1] = '\0';
	}
}

/* Where the capture kernel finds the ACPI RSDP without scanning (boot_params
 * acpi_rsdp_addr): the EFI system table, else the value the first kernel's
 * decompressor found, kept in /sys/kernel/boot_params/data at offset 0x70. */
static void read_acpi_rsdp(struct elfcore_ctx *ctx, struct ld_machine *m)
{
	char buf[1024], *p;
	uint64_t v;
	int fd;

	if (ld_read_file(ctx, m->root, "/sys/firmware/efi/systab", buf, sizeof(buf)) >= 0 &&
	    ((p = strstr(buf, "ACPI20=")) != NULL || (p = strstr(buf, "ACPI=")) != NULL)) {
		m->acpi_rsdp = strtoull(strchr(p, '=') + 1, NULL, 0);
		return;
	}
	fd = open_under(m->root, "/sys/kernel/boot_params/data");
	if (fd < 0)
		return;
	if (pread(fd, &v, sizeof(v), 0x70) == (ssize_t)sizeof(v))
		m->acpi_rsdp = v;
	close(fd);
}

int ld_machine_read(struct elfcore_ctx *ctx, const char *root, struct ld_machine *m)
{
	char buf[256], *text = NULL;
	size_t len = 0, pos = 0;
	const struct ld_iomem_entry *e;
	uint64_t v;
	int ret;

	memset(m, 0, sizeof(*m));
	m->crash_loaded = -1;
	snprintf(m->root, sizeof(m->root), "%s", root);
	m->cpu_notes = calloc(LD_MAX_CPUS, sizeof(*m->cpu_notes));
	m->cpu_ids = calloc(LD_MAX_CPUS, sizeof(*m->cpu_ids));
	if (!m->cpu_notes || !m->cpu_ids)
		return ec_err(ctx, -ENOMEM, "out of memory");

	if ((ret = read_all(ctx, root, "/proc/iomem", LD_IOMEM_MAX_BYTES, &text, &len)) < 0)
		return ret;
	ret = ld_iomem_parse(ctx, text, len, &m->iomem);
	free(text);
	if (ret < 0)
		return elfcore_ctx_prefix(ctx, ret, "%s/proc/iomem", root);
	/* Non-root readers see every address as zero. */
	if (m->iomem.count > 1 && m->iomem.entries[m->iomem.count - 1].end == 0)
		return ec_err(ctx, -EACCES, "%s/proc/iomem shows no addresses: run as root, "
			      "or use --sysroot with a recorded tree", root);
	while ((e = ld_iomem_next(&m->iomem, "Crash kernel", &pos)) != NULL) {
		if (!m->have_crash || e->end - e->start > m->crash_end - m->crash_start) {
			m->crash_start = e->start;
			m->crash_end = e->end;
			m->have_crash = 1;
		}
	}
	if (ld_read_file(ctx, root, "/sys/kernel/kexec_crash_size", buf, sizeof(buf)) >= 0 &&
	    parse_u64(buf, 10, &v) == 0)
		m->crash_size_sysfs = v;
	if (ld_read_file(ctx, root, "/sys/kernel/kexec_crash_loaded", buf, sizeof(buf)) >= 0 &&
	    parse_u64(buf, 10, &v) == 0)
		m->crash_loaded = (int)v;
	if (ld_read_file(ctx, root, "/sys/kernel/vmcoreinfo", buf, sizeof(buf)) >= 0) {
		unsigned long long a, s;

		if (sscanf(buf, "%llx %llx", &a, &s) != 2)
			return ec_err(ctx, -EINVAL, "%s/sys/kernel/vmcoreinfo: expected \"ADDR SIZE\"", root);
		m->vmcoreinfo = (struct ld_note_ptr){ a, s };
	}
	if (ld_read_file(ctx, root, "/proc/cmdline", m->cmdline, sizeof(m->cmdline)) >= 0)
		m->cmdline[strcspn(m->cmdline, "\n")] = '\0';
	read_lockdown(ctx, m);
	read_acpi_rsdp(ctx, m);
	if ((ret = read_cpu_notes(ctx, m)) < 0)
		return ret;
	/* kcore is needed for the elfcorehdr only: remember failure, report later. */
	if (read_kcore(ctx, m) < 0)
		m->have_kcore = 0;
	elfcore_ctx_clear(ctx);
	return 0;
}

void ld_machine_free(struct ld_machine *m)
{
	ld_iomem_free(&m->iomem);
	free(m->cpu_notes);
	free(m->cpu_ids);
	m->cpu_notes = NULL;
	m->cpu_ids = NULL;
}
