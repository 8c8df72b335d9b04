/* kdump-inspect info DUMP [--json]: what the dump is and what it holds. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "dumpset.h"
#include "elfcore/kernel.h"

#define MAX_RANGES_TEXT 32
#define MAX_RANGES_JSON 4096

/* Either "label:  value" lines or one JSON object, field by field. */
struct out {
	int json;
	int n;            /* fields printed at the current level */
};

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void key(struct out *o, const char *k, const char *label)
{
	if (o->json) {
		printf("%s\n  ", o->n ? "," : "");
		json_string(k);
		printf(": ");
	} else {
		printf("%-16s ", label);
	}
	o->n++;
}

static void end_line(struct out *o)
{
	if (!o->json)
		putchar('\n');
}

static void field_str(struct out *o, const char *k, const char *label, const char *v)
{
	key(o, k, label);
	if (o->json)
		v ? json_string(v) : (void)printf("null");
	else
		printf("%s", v && *v ? v : "unknown");
	end_line(o);
}

static void field_u64(struct out *o, const char *k, const char *label, uint64_t v, int known)
{
	key(o, k, label);
	if (!known)
		printf(o->json ? "null" : "unknown");
	else
		printf("%" PRIu64, v);
	end_line(o);
}

static void field_hex(struct out *o, const char *k, const char *label, uint64_t v, int known)
{
	key(o, k, label);
	if (!known)
		printf(o->json ? "null" : "unknown");
	else if (o->json)
		printf("\"%#" PRIx64 "\"", v);
	else
		printf("%#" PRIx64, v);
	end_line(o);
}

static void print_ranges(struct out *o, struct elfcore_dump *d)
{
	uint64_t ps = elfcore_dump_page_size(d), from = 0, s, e, n = 0;

	key(o, "memory_ranges", "memory ranges:");
	if (o->json)
		printf("[");
	while (elfcore_dump_next_range(d, from, &s, &e) == 0) {
		if (o->json && n < MAX_RANGES_JSON)
			printf("%s{\"start\": \"%#" PRIx64 "\", \"end\": \"%#" PRIx64 "\"}",
			       n ? ", " : "", s * ps, e * ps - 1);
		else if (!o->json && n < MAX_RANGES_TEXT)
			printf("\n  %#018" PRIx64 "-%#018" PRIx64 " (%" PRIu64 " pages)", s * ps,
			       e * ps - 1, e - s);
		n++;
		from = e;
	}
	if (o->json)
		printf("]");
	else if (n > MAX_RANGES_TEXT)
		printf("\n  ... %" PRIu64 " ranges in all", n);
	else if (!n)
		printf("none");
	end_line(o);
}

static void print_time(struct out *o, int64_t t)
{
	char buf[64] = "";
	time_t tt = (time_t)t;
	struct tm tm;

	if (t && gmtime_r(&tt, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	key(o, "crash_time", "crash time:");
	if (o->json)
		t ? (void)printf("%" PRId64, t) : (void)printf("null");
	else if (t)
		printf("%s (%" PRId64 ")", buf, t);
	else
		printf("unknown");
	end_line(o);
}

static void print_cpus(struct out *o, struct elfcore_dump *d)
{
	const struct elfcore_dump_info *in = elfcore_dump_info(d);

	field_u64(o, "cpus", "CPUs:", in->ncpus, 1);
	key(o, "panic_cpu", "panicking CPU:");
	if (o->json) {
		if (in->panic_cpu >= 0)
			printf("%d", in->panic_cpu);
		else
			printf("null");
		printf(",\n  \"panic_cpu_reason\": ");
		json_string(in->panic_cpu_reason);
	} else if (in->panic_cpu >= 0) {
		const struct elfcore_dump_cpu *c = elfcore_dump_cpu(d, (unsigned)in->panic_cpu);

		printf("%d (pid %d; %s)", in->panic_cpu, c ? c->pid : 0, in->panic_cpu_reason);
	} else {
		printf("%s", in->panic_cpu_reason[0] ? in->panic_cpu_reason : "unknown");
	}
	end_line(o);
	if (o->json) {
		printf(",\n  \"cpu_notes\": [");
		for (unsigned i = 0; i < in->ncpus; i++) {
			const struct elfcore_dump_cpu *c = elfcore_dump_cpu(d, i);

			printf("%s{\"pid\": %d", i ? ", " : "", c->pid);
			for (size_t r = 0; c->reg_names && r < c->nregs; r++)
				if (!strcmp(c->reg_names[r], "rip") || !strcmp(c->reg_names[r], "rsp"))
					printf(", \"%s\": \"%#" PRIx64 "\"", c->reg_names[r], c->regs[r]);
			printf("}");
		}
		printf("]");
	}
}

/* The utsname fields an ELF dump does not carry (VMCOREINFO has only the
 * release): read init_uts_ns through the kernel's page tables. Best effort:
 * on any failure the fields stay empty and "unknown" is printed. */
struct uts {
	char nodename[66], version[66], machine[66];
};

static void uts_from_memory(struct kview *kv, struct uts *u)
{
	const struct elfcore_vmcoreinfo *vi = elfcore_dump_vmcoreinfo(kv->dump);
	struct elfcore_kernel *k = NULL;
	uint64_t addr, off;
	char name[6 * 65];

	memset(u, 0, sizeof(*u));
	if (!vi || elfcore_vmcoreinfo_symbol(NULL, vi, "init_uts_ns", &addr) ||
	    elfcore_vmcoreinfo_offset(NULL, vi, "uts_namespace.name", &off))
		return;
	if (elfcore_kernel_open(kv->ctx, kv->dump, &k) == 0 &&
	    elfcore_kernel_read(k, addr + off, name, sizeof(name)) == 0) {
		/* struct new_utsname: sysname nodename release version machine domainname */
		snprintf(u->nodename, sizeof(u->nodename), "%.64s", name + 65);
		snprintf(u->version, sizeof(u->version), "%.64s", name + 3 * 65);
		snprintf(u->machine, sizeof(u->machine), "%.64s", name + 4 * 65);
	}
	elfcore_kernel_close(k);
	elfcore_ctx_clear(kv->ctx);
}

static const char *format_text(const struct elfcore_dump_info *in, char *buf, size_t len)
{
	if (in->format == ELFCORE_FORMAT_FLAT)
		snprintf(buf, len, "flattened %s", elfcore_format_name(in->content));
	else
		snprintf(buf, len, "%s", elfcore_format_name(in->format));
	if (in->content == ELFCORE_FORMAT_KDUMP)
		snprintf(buf + strlen(buf), len - strlen(buf), " (header version %d%s)",
			 in->header_version, in->nfiles > 1 ? ", --split set" : "");
	return buf;
}

int cmd_info(int argc, char **argv)
{
	const struct elfcore_dump_info *in;
	const struct elfcore_vmcoreinfo *vi;
	char *paths[256], fmt[128];
	struct out o = { 0 };
	struct kview kv;
	int npaths = 0, code;
	uint64_t koff = 0;
	int64_t l5 = 0;
	int has_koff, has_l5;
	struct uts u;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o.json = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			npaths = -1000;
		else if (npaths >= 0 && npaths < 256)
			paths[npaths++] = argv[i];
	}
	if (npaths < 1) {
		kview_usage_error("usage: kdump-inspect info DUMP [SPLIT_PART...] [--json]");
		return KV_EXIT_USAGE;
	}
	code = dumpset_open(&kv, paths, npaths);
	if (code)
		return code;
	in = elfcore_dump_info(kv.dump);
	vi = elfcore_dump_vmcoreinfo(kv.dump);
	has_koff = vi && elfcore_vmcoreinfo_hex(NULL, vi, "KERNELOFFSET", &koff) == 0;
	has_l5 = vi && elfcore_vmcoreinfo_number(NULL, vi, "pgtable_l5_enabled", &l5) == 0;
	memset(&u, 0, sizeof(u));
	if (!in->version[0])
		uts_from_memory(&kv, &u);

	if (o.json)
		printf("{");
	field_str(&o, "file", "file:", kv.path);
	field_str(&o, "format", "format:", format_text(in, fmt, sizeof(fmt)));
	field_str(&o, "compression", "compression:", elfcore_codec_name(in->compression));
	field_str(&o, "release", "kernel release:", in->release);
	field_str(&o, "version", "kernel version:", in->version[0] ? in->version : u.version);
	field_str(&o, "machine", "machine:", in->machine[0] ? in->machine : u.machine[0] ?
		  u.machine : in->elf_machine == 62 ? "x86_64" : "");
	field_str(&o, "nodename", "node name:", in->nodename[0] ? in->nodename : u.nodename);
	field_u64(&o, "page_size", "page size:", in->page_size, 1);
	field_u64(&o, "dump_level", "dump level:", (uint64_t)in->dump_level, in->dump_level >= 0);
	field_u64(&o, "paging_levels", "paging levels:", l5 ? 5 : 4, has_l5);
	field_hex(&o, "kaslr_offset", "KASLR offset:", koff, has_koff);
	field_hex(&o, "phys_base", "phys_base:", in->phys_base, 1);
	print_time(&o, in->crash_time);
	print_cpus(&o, kv.dump);
	field_u64(&o, "max_pfn", "max pfn:", in->max_pfn, 1);
	print_ranges(&o, kv.dump);
	field_u64(&o, "pages_present", "pages present:", in->pages_present, 1);
	field_u64(&o, "pages_dumped", "pages dumped:", in->pages_dumped, 1);
	key(&o, "incomplete", "complete:");
	if (o.json) {
		printf("%s,\n  \"incomplete_reason\": ", in->incomplete ? "true" : "false");
		json_string(in->incomplete_reason);
		printf("\n}\n");
	} else {
		printf("%s%s\n", in->incomplete ? "no: " : "yes", in->incomplete_reason);
	}
	code = fflush(stdout) == 0 ? KV_EXIT_OK : KV_EXIT_USAGE;
	if (!code && in->incomplete) {
		if (strncmp(in->incomplete_reason, kv.path, strlen(kv.path)) == 0)
			fprintf(stderr, "kdump-inspect: the dump is incomplete: %s\n",
				in->incomplete_reason);
		else
			fprintf(stderr, "kdump-inspect: %s: the dump is incomplete: %s\n", kv.path,
				in->incomplete_reason);
		code = KV_EXIT_DAMAGED;
	}
	kview_close(&kv);
	return code;
}
