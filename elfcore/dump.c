/* Reading a dump: open and probe, then dispatch to the format backend. */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_priv.h"

static const struct ec_format_ops *const backends[] = {
	&ec_format_kdump,
	&ec_format_elf,
};

const char *elfcore_format_name(enum elfcore_format format)
{
	switch (format) {
	case ELFCORE_FORMAT_ELF:
		return "ELF";
	case ELFCORE_FORMAT_KDUMP:
		return "kdump-compressed";
	case ELFCORE_FORMAT_FLAT:
		return "flattened";
	}
	return "?";
}

void ec_dump_set_incomplete(struct elfcore_dump *d, const char *fmt, ...)
{
	va_list ap;

	d->info.incomplete = 1;
	if (d->incomplete_reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(d->incomplete_reason, sizeof(d->incomplete_reason), fmt, ap);
	va_end(ap);
}

int ec_dump_codec(struct elfcore_dump *d, enum elfcore_codec codec, struct elfcore_codec_ctx **out)
{
	int ret;

	if ((unsigned)codec > ELFCORE_CODEC_SNAPPY)
		return ec_err(d->ctx, -EINVAL, "unknown compression %d", (int)codec);
	if (!d->codecs[codec]) {
		ret = elfcore_codec_new(d->ctx, codec, 0, d->info.page_size, &d->codecs[codec]);
		if (ret)
			return ret;
	}
	*out = d->codecs[codec];
	return 0;
}

void elfcore_dump_close(struct elfcore_dump *d)
{
	if (!d)
		return;
	if (d->ops && d->ops->close)
		d->ops->close(d);
	for (size_t i = 0; i < sizeof(d->codecs) / sizeof(d->codecs[0]); i++)
		elfcore_codec_free(d->codecs[i]);
	for (size_t i = 0; i < d->nfiles; i++)
		ec_file_close(d->files[i]);
	elfcore_vmcoreinfo_free(d->vmcoreinfo);
	free(d->files);
	free(d->cpus);
	free(d->regs);
	free(d->page_buf);
	free(d);
}

/* Facts VMCOREINFO adds once the backend has opened the dump. */
static int apply_vmcoreinfo(struct elfcore_dump *d)
{
	const struct elfcore_vmcoreinfo *vi = d->vmcoreinfo;
	const char *s;
	uint64_t v;
	int64_t n;

	if (!vi)
		return 0;
	if (!d->uts[2][0] && elfcore_vmcoreinfo_string(NULL, vi, "OSRELEASE", &s) == 0)
		snprintf(d->uts[2], sizeof(d->uts[2]), "%s", s);
	if (elfcore_vmcoreinfo_u64(NULL, vi, "CRASHTIME", &v) == 0 && v < (1ull << 62))
		d->info.crash_time = (int64_t)v;
	if (elfcore_vmcoreinfo_number(NULL, vi, "phys_base", &n) == 0 && !d->info.phys_base)
		d->info.phys_base = (uint64_t)n;
	return 0;
}

static void finish_info(struct elfcore_dump *d)
{
	d->info.sysname = d->uts[0];
	d->info.nodename = d->uts[1];
	d->info.release = d->uts[2];
	d->info.version = d->uts[3];
	d->info.machine = d->uts[4];
	d->info.incomplete_reason = d->incomplete_reason;
	d->info.panic_cpu_reason = d->panic_reason;
	d->info.nfiles = (unsigned)d->nfiles;
	if (!d->info.elf_machine && strcmp(d->uts[4], "x86_64") == 0)
		d->info.elf_machine = EM_X86_64;
}

static int open_files(struct elfcore_ctx *ctx, const char *const *paths, size_t n,
		      struct elfcore_dump **out)
{
	struct elfcore_dump *d;
	uint8_t head[64];
	const uint8_t *np = NULL, *vp = NULL;
	size_t nsz = 0, vsz = 0, hlen;
	int ret;

	*out = NULL;
	if (n == 0 || n > EC_MAX_SPLIT_FILES)
		return ec_err(ctx, -EINVAL, "%zu dump files given (1 to %u)", n, EC_MAX_SPLIT_FILES);
	d = calloc(1, sizeof(*d));
	if (!d)
		return ec_err(ctx, -ENOMEM, "out of memory");
	d->ctx = ctx;
	d->info.dump_level = -1;
	d->info.panic_cpu = -1;
	d->files = calloc(n, sizeof(*d->files));
	if (!d->files) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		ret = ec_file_open(ctx, paths[i], &d->files[i]);
		if (ret)
			goto fail;
		d->nfiles++;
	}
	/* Probe the first file; all files of a set share its format. */
	hlen = d->files[0]->size < sizeof(head) ? (size_t)d->files[0]->size : sizeof(head);
	ret = ec_file_pread(ctx, d->files[0], head, hlen, 0, "file header");
	if (ret)
		goto fail;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (backends[i]->probe(head, hlen)) {
			d->ops = backends[i];
			break;
		}
	}
	if (!d->ops) {
		const char *why = ec_flat_truncated(d->files[0]->flat);

		if (d->files[0]->flat)
			ret = ec_err(ctx, -EINVAL, "%s: a flattened stream holding neither ELF nor "
				     "kdump-compressed data%s%s", paths[0], why ? ": " : "",
				     why ? why : "");
		else if (hlen >= 8 && memcmp(head, "DISKDUMP", 8) == 0)
			ret = ec_err(ctx, -ENOTSUP, "%s: an old diskdump (not kdump) dump: not supported",
				     paths[0]);
		else
			ret = ec_err(ctx, -EINVAL, "%s: not a dump: neither ELF, kdump-compressed nor "
				     "flattened", paths[0]);
		goto fail;
	}
	d->info.content = d->ops->format;
	d->info.format = d->files[0]->flat ? ELFCORE_FORMAT_FLAT : d->ops->format;
	for (size_t i = 0; i < n; i++) {
		const char *why = ec_flat_truncated(d->files[i]->flat);

		if (why)
			ec_dump_set_incomplete(d, "%s: %s", d->files[i]->path, why);
	}
	ret = d->ops->open(d);
	if (ret)
		goto fail;
	d->ops->notes(d, &np, &nsz, &vp, &vsz);
	if (vp && vsz) {
		ret = elfcore_vmcoreinfo_parse(ctx, vp, vsz, &d->vmcoreinfo);
		if (ret) {
			elfcore_ctx_prefix(ctx, ret, "%s: VMCOREINFO", paths[0]);
			goto fail;
		}
	}
	d->notes = np;
	d->notes_size = nsz;
	ret = ec_notes_parse(d);
	if (ret) {
		elfcore_ctx_prefix(ctx, ret, "%s", paths[0]);
		goto fail;
	}
	apply_vmcoreinfo(d);
	finish_info(d);
	d->page_buf = malloc(d->info.page_size);
	if (!d->page_buf) {
		ret = ec_err(ctx, -ENOMEM, "out of memory");
		goto fail;
	}
	*out = d;
	return 0;
fail:
	elfcore_dump_close(d);
	return ret;
}

int elfcore_dump_open(struct elfcore_ctx *ctx, const char *path, struct elfcore_dump **out)
{
	return open_files(ctx, &path, 1, out);
}

int elfcore_dump_open_split(struct elfcore_ctx *ctx, const char *const *paths, size_t n,
			    struct elfcore_dump **out)
{
	return open_files(ctx, paths, n, out);
}

enum elfcore_format elfcore_dump_format(const struct elfcore_dump *d)
{
	return d->info.format;
}

uint64_t elfcore_dump_page_size(const struct elfcore_dump *d)
{
	return d->info.page_size;
}

uint64_t elfcore_dump_max_pfn(const struct elfcore_dump *d)
{
	return d->info.max_pfn;
}

const struct elfcore_vmcoreinfo *elfcore_dump_vmcoreinfo(const struct elfcore_dump *d)
{
	return d->vmcoreinfo;
}

const struct elfcore_dump_info *elfcore_dump_info(const struct elfcore_dump *d)
{
	return &d->info;
}

const struct elfcore_dump_cpu *elfcore_dump_cpu(const struct elfcore_dump *d, unsigned i)
{
	return i < d->info.ncpus ? &d->cpus[i] : NULL;
}

void elfcore_dump_notes(const struct elfcore_dump *d, const void **data, size_t *size)
{
	*data = d->notes;
	*size = d->notes ? d->notes_size : 0;
}

int elfcore_dump_segments(const struct elfcore_dump *d, const struct elfcore_dump_segment **segs,
			  size_t *n)
{
	*segs = NULL;
	*n = 0;
	if (d->info.format != ELFCORE_FORMAT_ELF)
		return ec_err(d->ctx, -ENOTSUP, "%s: a %s dump: no ELF segments in the file to read "
			      "directly", d->files[0]->path, elfcore_format_name(d->info.format));
	*segs = d->segs;
	*n = d->nsegs;
	return 0;
}

int elfcore_dump_read_page(struct elfcore_dump *d, uint64_t pfn, void *buf)
{
	if (pfn >= d->info.max_pfn)
		return ec_err(d->ctx, -ENOENT, "pfn %#llx: beyond the end of memory (%#llx)",
			      (unsigned long long)pfn, (unsigned long long)d->info.max_pfn);
	return d->ops->read_page(d, pfn, buf);
}

int elfcore_dump_read_phys(struct elfcore_dump *d, uint64_t paddr, void *buf, size_t len)
{
	uint64_t ps = d->info.page_size;
	uint8_t *out = buf;

	while (len) {
		uint64_t pfn = paddr / ps, in = paddr % ps;
		size_t chunk = len < ps - in ? len : (size_t)(ps - in);
		int ret;

		if (in == 0 && chunk == ps) {
			ret = elfcore_dump_read_page(d, pfn, out);
		} else {
			ret = elfcore_dump_read_page(d, pfn, d->page_buf);
			if (!ret)
				memcpy(out, d->page_buf + in, chunk);
		}
		if (ret)
			return elfcore_ctx_prefix(d->ctx, ret, "physical address %#llx",
						  (unsigned long long)paddr);
		out += chunk;
		paddr += chunk;
		len -= chunk;
	}
	return 0;
}

int elfcore_dump_next_pfn(struct elfcore_dump *d, uint64_t from, uint64_t *pfn)
{
	if (from >= d->info.max_pfn)
		return -ENOENT;
	return d->ops->next_pfn(d, from, pfn);
}

int elfcore_dump_next_range(struct elfcore_dump *d, uint64_t from, uint64_t *start, uint64_t *end)
{
	if (from >= d->info.max_pfn)
		return -ENOENT;
	return d->ops->next_range(d, from, start, end);
}

int elfcore_dump_verify(struct elfcore_dump *d, uint64_t *pages)
{
	uint64_t pfn = 0, n = 0;
	int ret;

	if (pages)
		*pages = 0;
	ret = d->ops->check(d);
	if (ret)
		return ret;
	for (;;) {
		ret = elfcore_dump_next_pfn(d, pfn, &pfn);
		if (ret == -ENOENT)
			break;
		if (ret)
			return ret;
		ret = elfcore_dump_read_page(d, pfn, d->page_buf);
		if (ret) {
			if (ret == -ENOENT)
				ret = -EIO;
			return elfcore_ctx_prefix(d->ctx, ret, "page %llu (pfn %#llx)",
						  (unsigned long long)n, (unsigned long long)pfn);
		}
		n++;
		if (pages)
			*pages = n;
		pfn++;
	}
	if (d->info.incomplete)
		return ec_err(d->ctx, -EIO, "the dump is incomplete: %s", d->incomplete_reason);
	return 0;
}
