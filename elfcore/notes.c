/* ELF notes of a dump: NT_PRSTATUS per CPU and the VMCOREINFO note. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "format_priv.h"

/* struct elf_prstatus (LP64): pr_cursig at 12, pr_pid at 32, pr_reg at 112. */
#define PRSTATUS_CURSIG 12
#define PRSTATUS_PID    32
#define PRSTATUS_REG    112

/* x86_64 struct user_regs_struct, the order of pr_reg. */
static const char *const x86_64_regs[] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
	"rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base",
	"gs_base", "ds", "es", "fs", "gs",
};
#define X86_64_NREGS (sizeof(x86_64_regs) / sizeof(x86_64_regs[0]))

int ec_notes_walk(struct elfcore_ctx *ctx, const uint8_t *data, size_t size,
		  int (*fn)(void *arg, const struct ec_note *note), void *arg)
{
	struct ec_cursor c;
	int ret = 0;

	ec_cursor_init(&c, ctx, "ELF notes", data, size);
	while (ec_cursor_left(&c) >= 12) {
		uint32_t namesz, descsz, type;
		const void *name = NULL, *desc = NULL;
		struct ec_note n;
		size_t at = c.pos;

		ec_cursor_u32le(&c, &namesz);
		ec_cursor_u32le(&c, &descsz);
		ec_cursor_u32le(&c, &type);
		/* Zeros after the last note are padding (/proc/vmcore, kexec-tools). */
		if (namesz == 0 && descsz == 0 && type == 0)
			break;
		if ((ret = ec_cursor_ref(&c, &name, namesz)) || (ret = ec_cursor_align(&c, 4)) ||
		    (ret = ec_cursor_ref(&c, &desc, descsz)))
			return elfcore_ctx_prefix(ctx, ret, "note at offset %zu", at);
		/* The last note's descriptor padding may be cut off. */
		if (ec_cursor_left(&c) > 0 && (ret = ec_cursor_align(&c, 4)))
			return elfcore_ctx_prefix(ctx, ret, "note at offset %zu", at);
		n.name = "";
		if (namesz && memchr(name, 0, namesz))
			n.name = name;
		n.type = type;
		n.desc = desc;
		n.descsz = descsz;
		n.offset = at;
		ret = fn(arg, &n);
		if (ret)
			return ret;
	}
	return 0;
}

struct note_scan {
	struct elfcore_dump *d;
	size_t ncpus;
	const struct ec_note *vmcoreinfo;
	struct ec_note vmci;
	int fill;                      /* second pass: fill cpus[] */
};

static int scan_note(void *arg, const struct ec_note *n)
{
	struct note_scan *s = arg;
	struct elfcore_dump *d = s->d;

	if (strcmp(n->name, "VMCOREINFO") == 0 && !s->vmcoreinfo) {
		s->vmci = *n;
		s->vmcoreinfo = &s->vmci;
		return 0;
	}
	if (strcmp(n->name, "CORE") != 0 || n->type != NT_PRSTATUS)
		return 0;
	if (n->descsz < PRSTATUS_REG)
		return ec_err(d->ctx, -EINVAL, "NT_PRSTATUS note at offset %zu: %zu bytes, too short",
			      n->offset, n->descsz);
	if (s->ncpus >= EC_MAX_CPUS)
		return ec_err(d->ctx, -EINVAL, "more than %u NT_PRSTATUS notes", EC_MAX_CPUS);
	if (s->fill) {
		struct elfcore_dump_cpu *cpu = &d->cpus[s->ncpus];
		uint64_t *regs = d->regs + s->ncpus * X86_64_NREGS;
		struct ec_cursor c;
		uint16_t sig = 0;
		uint32_t pid = 0;
		size_t nregs = (n->descsz - PRSTATUS_REG) / 8;

		if (nregs > X86_64_NREGS)
			nregs = X86_64_NREGS;
		ec_cursor_init(&c, d->ctx, "NT_PRSTATUS", n->desc, n->descsz);
		ec_cursor_seek(&c, PRSTATUS_CURSIG);
		ec_cursor_u16le(&c, &sig);
		ec_cursor_seek(&c, PRSTATUS_PID);
		ec_cursor_u32le(&c, &pid);
		ec_cursor_seek(&c, PRSTATUS_REG);
		for (size_t i = 0; i < nregs; i++)
			ec_cursor_u64le(&c, &regs[i]);
		cpu->pid = (int32_t)pid;
		cpu->signo = sig;
		cpu->regs = regs;
		cpu->nregs = nregs;
		cpu->reg_names = (d->info.elf_machine == EM_X86_64 || d->info.elf_machine == 0) &&
					 nregs == X86_64_NREGS ? x86_64_regs : NULL;
	}
	s->ncpus++;
	return 0;
}

/* Which CPU panicked: the notes do not say. The CPU that ran crash_kexec()
 * saved the registers of the task that panicked, while the others were
 * stopped by an NMI, usually in the idle task (pid 0). When exactly one CPU
 * ran a task, it is the one; otherwise the kdump header's current_cpu would
 * be the only hint, and makedumpfile leaves it 0. */
static void guess_panic_cpu(struct elfcore_dump *d)
{
	int found = -1, busy = 0;

	d->info.panic_cpu = -1;
	for (unsigned i = 0; i < d->info.ncpus; i++) {
		if (d->cpus[i].pid != 0) {
			busy++;
			found = (int)i;
		}
	}
	if (d->info.ncpus == 0) {
		snprintf(d->panic_reason, sizeof(d->panic_reason), "unknown: no NT_PRSTATUS notes");
	} else if (d->info.ncpus == 1) {
		d->info.panic_cpu = 0;
		snprintf(d->panic_reason, sizeof(d->panic_reason), "the only CPU");
	} else if (busy == 1) {
		d->info.panic_cpu = found;
		snprintf(d->panic_reason, sizeof(d->panic_reason),
			 "the only CPU not in the idle task");
	} else {
		snprintf(d->panic_reason, sizeof(d->panic_reason),
			 "unknown: %d CPUs were running tasks", busy);
	}
}

int ec_notes_parse(struct elfcore_dump *d)
{
	struct note_scan s = { .d = d };
	int ret;

	if (!d->notes || !d->notes_size)
		goto vmcoreinfo;
	ret = ec_notes_walk(d->ctx, d->notes, d->notes_size, scan_note, &s);
	if (ret)
		return elfcore_ctx_prefix(d->ctx, ret, "ELF notes");
	if (s.ncpus) {
		d->cpus = calloc(s.ncpus, sizeof(*d->cpus));
		d->regs = calloc(s.ncpus * X86_64_NREGS, sizeof(*d->regs));
		if (!d->cpus || !d->regs)
			return ec_err(d->ctx, -ENOMEM, "out of memory for %zu CPUs", s.ncpus);
		s.ncpus = 0;
		s.fill = 1;
		s.vmcoreinfo = NULL;
		ret = ec_notes_walk(d->ctx, d->notes, d->notes_size, scan_note, &s);
		if (ret)
			return elfcore_ctx_prefix(d->ctx, ret, "ELF notes");
		d->info.ncpus = (unsigned)s.ncpus;
	}
vmcoreinfo:
	guess_panic_cpu(d);
	if (!d->vmcoreinfo && s.vmcoreinfo) {
		ret = elfcore_vmcoreinfo_parse(d->ctx, s.vmcoreinfo->desc, s.vmcoreinfo->descsz,
					       &d->vmcoreinfo);
		if (ret)
			return elfcore_ctx_prefix(d->ctx, ret, "VMCOREINFO note");
	}
	return 0;
}
