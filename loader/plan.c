/* The segment plan: placement inside the crashkernel region, digests for the
 * purgatory, and the --dry-run report (text or JSON). */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "loader.h"
#include "../purgatory/sha256.h"
#include "ec_priv.h"

int ld_plan_add(struct elfcore_ctx *ctx, struct ld_plan *p, const char *name, const void *buf,
		uint64_t bufsz, uint64_t memsz, uint64_t align, int hashed)
{
	struct ld_segment *s;
	uint64_t addr, size;

	if (p->nseg == LD_MAX_SEGMENTS)
		return ec_err(ctx, -E2BIG, "%s: more than %u segments", name, LD_MAX_SEGMENTS);
	if (align < LD_PAGE_SIZE)
		align = LD_PAGE_SIZE;
	if (bufsz > memsz)
		memsz = bufsz;
	size = LD_ALIGN_UP(memsz, LD_PAGE_SIZE);
	addr = LD_ALIGN_UP(p->next_free, align);
	if (addr < p->next_free || size > p->region_end - addr + 1 || addr > p->region_end)
		return ec_err(ctx, -ENOSPC, "crashkernel region too small: %s needs %" PRIu64
			      " KiB at 0x%" PRIx64 ", %" PRIu64 " KiB of %" PRIu64 " KiB are left "
			      "(reserve more with crashkernel=)", name, size >> 10, addr,
			      addr > p->region_end ? 0 : (p->region_end - addr + 1) >> 10,
			      (p->region_end - p->region_start + 1) >> 10);
	s = &p->seg[p->nseg];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->buf = buf;
	s->bufsz = bufsz;
	s->mem = addr;
	s->memsz = size;
	s->hashed = hashed;
	p->next_free = addr + size;
	return (int)p->nseg++;
}

void ld_plan_own(struct ld_plan *p, void *buf)
{
	if (p->nowned < LD_MAX_SEGMENTS)
		p->owned[p->nowned++] = buf;
}

void ld_plan_free(struct ld_plan *p)
{
	for (unsigned i = 0; i < p->nowned; i++)
		free(p->owned[i]);
	p->nowned = 0;
	p->phdrs = NULL;
	p->phnum = 0;
}

struct digest_job {
	struct ld_segment *seg;
	pthread_t thread;
	int threaded;
};

static void *digest_one(void *arg)
{
	struct digest_job *j = arg;
	struct sha256_state st;

	pg_sha256_init(&st);
	pg_sha256_update(&st, j->seg->buf, (size_t)j->seg->bufsz);
	pg_sha256_final(&st, j->seg->digest);
	return NULL;
}

/* The purgatory's own SHA-256 (purgatory/sha256.c, built for the host): under
 * emulation (QEMU TCG) plain scalar code beats OpenSSL's AVX2 paths, and the big
 * segments (kernel, initrd) are hashed on their own threads. The unit tests
 * check these digests against OpenSSL. */
int ld_plan_digests(struct elfcore_ctx *ctx, struct ld_plan *p)
{
	struct digest_job jobs[LD_MAX_SEGMENTS];

	for (unsigned i = 0; i < p->nseg; i++) {
		struct digest_job *j = &jobs[i];

		j->seg = &p->seg[i];
		j->threaded = 0;
		if (!j->seg->hashed || j->seg->bufsz < (1u << 20))
			continue;
		j->threaded = pthread_create(&j->thread, NULL, digest_one, j) == 0;
	}
	for (unsigned i = 0; i < p->nseg; i++)
		if (p->seg[i].hashed && !jobs[i].threaded)
			digest_one(&jobs[i]);
	for (unsigned i = 0; i < p->nseg; i++)
		if (jobs[i].threaded)
			pthread_join(jobs[i].thread, NULL);
	(void)ctx;
	return 0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static const char *e820_name(unsigned type)
{
	switch (type) {
	case LD_RANGE_RAM: return "ram";
	case LD_RANGE_RESERVED: return "reserved";
	case LD_RANGE_ACPI: return "acpi";
	case LD_RANGE_NVS: return "acpi-nvs";
	default: return "other";
	}
}

static void print_text(const struct ld_plan *p, const struct ld_machine *m)
{
	const Elf64_Phdr *ph = p->phdrs;
	unsigned n = p->phnum;

	printf("crashkernel 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " MiB), used %" PRIu64 " KiB\n",
	       p->region_start, p->region_end, (p->region_end - p->region_start + 1) >> 20,
	       (p->next_free - p->region_start) >> 10);
	printf("entry 0x%" PRIx64 " flags 0x%lx\n", p->entry, p->flags);
	printf("segments %u\n", p->nseg);
	for (unsigned i = 0; i < p->nseg; i++) {
		const struct ld_segment *s = &p->seg[i];

		printf("  %-10s mem 0x%09" PRIx64 "-0x%09" PRIx64 " memsz 0x%08" PRIx64
		       " bufsz 0x%08" PRIx64 " sha256 ", s->name, s->mem, s->mem + s->memsz - 1,
		       s->memsz, s->bufsz);
		if (s->hashed)
			for (unsigned k = 0; k < 32; k++)
				printf("%02x", s->digest[k]);
		else
			printf("-");
		putchar('\n');
	}
	printf("cmdline %s\n", p->cmdline);
	printf("e820 %u\n", p->e820.n);
	for (unsigned i = 0; i < p->e820.n; i++)
		printf("  0x%09" PRIx64 "-0x%09" PRIx64 " %s\n", p->e820.r[i].start, p->e820.r[i].end,
		       e820_name(p->e820.r[i].type));
	printf("elfcorehdr 0x%" PRIx64 " phdrs %u\n", p->elfcorehdr, n);
	for (unsigned i = 0; ph && i < n; i++)
		printf("  %-7s offset 0x%09" PRIx64 " paddr 0x%09" PRIx64 " vaddr 0x%016" PRIx64
		       " size 0x%" PRIx64 "\n", ph[i].p_type == PT_LOAD ? "PT_LOAD" : "PT_NOTE",
		       (uint64_t)ph[i].p_offset, (uint64_t)ph[i].p_paddr, (uint64_t)ph[i].p_vaddr,
		       (uint64_t)ph[i].p_memsz);
}

static void print_json(const struct ld_plan *p, const struct ld_machine *m)
{
	const Elf64_Phdr *ph = p->phdrs;
	unsigned n = p->phnum;

	printf("{\"crashkernel\":{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"used\":%" PRIu64 "},",
	       p->region_start, p->region_end, p->next_free - p->region_start);
	printf("\"entry\":%" PRIu64 ",\"flags\":%lu,\"segments\":[", p->entry, p->flags);
	for (unsigned i = 0; i < p->nseg; i++) {
		const struct ld_segment *s = &p->seg[i];

		printf("%s{\"name\":", i ? "," : "");
		json_str(s->name);
		printf(",\"mem\":%" PRIu64 ",\"memsz\":%" PRIu64 ",\"bufsz\":%" PRIu64 ",\"sha256\":",
		       s->mem, s->memsz, s->bufsz);
		if (s->hashed) {
			putchar('"');
			for (unsigned k = 0; k < 32; k++)
				printf("%02x", s->digest[k]);
			putchar('"');
		} else {
			printf("null");
		}
		putchar('}');
	}
	printf("],\"cmdline\":");
	json_str(p->cmdline);
	printf(",\"e820\":[");
	for (unsigned i = 0; i < p->e820.n; i++)
		printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"type\":\"%s\"}", i ? "," : "",
		       p->e820.r[i].start, p->e820.r[i].end, e820_name(p->e820.r[i].type));
	printf("],\"elfcorehdr\":{\"addr\":%" PRIu64 ",\"phdrs\":[", p->elfcorehdr);
	for (unsigned i = 0; ph && i < n; i++)
		printf("%s{\"type\":\"%s\",\"offset\":%" PRIu64 ",\"paddr\":%" PRIu64 ",\"vaddr\":%" PRIu64
		       ",\"size\":%" PRIu64 "}", i ? "," : "", ph[i].p_type == PT_LOAD ? "load" : "note",
		       (uint64_t)ph[i].p_offset, (uint64_t)ph[i].p_paddr, (uint64_t)ph[i].p_vaddr,
		       (uint64_t)ph[i].p_memsz);
	printf("]}}\n");
}

void ld_plan_print(const struct ld_plan *p, const struct ld_machine *m, int json)
{
	if (json)
		print_json(p, m);
	else
		print_text(p, m);
}
