/* kdump-capture's input: ELF vmcore program headers, notes and page data. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define MAX_PHDRS      (1u << 16)
#define MAX_NOTES_SIZE (16u << 20)

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		done += (size_t)n;
	}
	return 0;
}

static int cmp_load(const void *a, const void *b)
{
	const struct cap_load *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	/* the larger first: RAM before the kernel text mapping inside it */
	return x->memsz > y->memsz ? -1 : x->memsz < y->memsz;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* Walk the notes: count NT_PRSTATUS, find VMCOREINFO. */
static int parse_notes(struct cap_input *in)
{
	const uint8_t *p = in->notes, *end = in->notes + in->notes_size;

	while (end - p >= 12) {
		uint32_t namesz = rd32(p), descsz = rd32(p + 4), type = rd32(p + 8);
		uint64_t name_len = ((uint64_t)namesz + 3) & ~3ull;
		uint64_t desc_len = ((uint64_t)descsz + 3) & ~3ull;
		const uint8_t *name = p + 12, *desc = name + name_len;

		if (namesz == 0 && descsz == 0 && type == 0)
			break;                          /* padding at the end */
		if (name_len > (uint64_t)(end - name) || desc_len > (uint64_t)(end - desc) ||
		    descsz > (uint64_t)(end - desc))
			return elfcore_ctx_set_error(in->ctx, -EINVAL, "%s: ELF note runs past its PT_NOTE",
						     in->path);
		if (namesz == 5 && !memcmp(name, "CORE", 5) && type == NT_PRSTATUS)
			in->ncpus++;
		if (namesz == 11 && !memcmp(name, "VMCOREINFO", 11) && !in->vi) {
			int ret = elfcore_vmcoreinfo_parse(in->ctx, desc, descsz, &in->vi);

			if (ret)
				return elfcore_ctx_prefix(in->ctx, ret, "%s", in->path);
		}
		p = desc + desc_len;
	}
	return 0;
}

static int build_ranges(struct cap_input *in)
{
	in->ranges = calloc(in->nloads ? in->nloads : 1, sizeof(*in->ranges));
	if (!in->ranges)
		return elfcore_ctx_set_error(in->ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < in->nloads; i++) {
		const struct cap_load *l = &in->loads[i];
		struct elfcore_mem_range *last = in->nranges ? &in->ranges[in->nranges - 1] : NULL;
		/* whole pages, as the bitmaps count them: [floor(start), floor(end)) */
		uint64_t start = l->paddr / in->page_size * in->page_size;
		uint64_t end = (l->paddr + l->memsz) / in->page_size * in->page_size;

		if (end <= start)
			continue;
		if (last && start <= last->paddr + last->size) {
			/* overlapping (the kernel text mapping inside RAM): merge */
			if (end > last->paddr + last->size)
				last->size = end - last->paddr;
			continue;
		}
		in->ranges[in->nranges].paddr = start;
		in->ranges[in->nranges].vaddr = l->vaddr ? l->vaddr - (l->paddr - start) : 0;
		in->ranges[in->nranges].size = end - start;
		in->nranges++;
	}
	return 0;
}

int cap_input_open(struct elfcore_ctx *ctx, const char *path, int allow_mmap,
		   struct cap_input *in)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph = NULL;
	struct stat st;
	uint64_t vi_ps;
	int ret;

	memset(in, 0, sizeof(*in));
	in->ctx = ctx;
	in->path = path;
	in->use_mmap = allow_mmap;
	in->page_size = 4096;
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return elfcore_ctx_set_error(ctx, -errno, "%s: %s", path, strerror(errno));
	if (fstat(in->fd, &st) == 0)
		in->file_size = (uint64_t)st.st_size;    /* 0 for /proc/vmcore on old kernels */
	ret = pread_all(in->fd, &eh, sizeof(eh), 0);
	if (ret)
		return elfcore_ctx_set_error(ctx, ret, "%s: cannot read the ELF header: %s", path,
					     ret == -ENODATA ? "file too short" : strerror(-ret));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_CORE)
		return elfcore_ctx_set_error(ctx, -EINVAL, "%s: not a little-endian ELF64 core file "
					     "(kdump-capture reads /proc/vmcore or a raw copy of it)", path);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum || eh.e_phnum >= PN_XNUM)
		return elfcore_ctx_set_error(ctx, -EINVAL, "%s: %u program headers of %u bytes: unsupported",
					     path, eh.e_phnum, eh.e_phentsize);
	in->machine = eh.e_machine;
	ph = calloc(eh.e_phnum, sizeof(*ph));
	in->loads = calloc(eh.e_phnum, sizeof(*in->loads));
	if (!ph || !in->loads) {
		ret = elfcore_ctx_set_error(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	ret = pread_all(in->fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff);
	if (ret) {
		ret = elfcore_ctx_set_error(ctx, ret, "%s: cannot read the program headers", path);
		goto out;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE) {
			uint8_t *n;

			if (ph[i].p_filesz > MAX_NOTES_SIZE - in->notes_size) {
				ret = elfcore_ctx_set_error(ctx, -EINVAL, "%s: notes larger than %u bytes",
							    path, MAX_NOTES_SIZE);
				goto out;
			}
			n = realloc(in->notes, in->notes_size + ph[i].p_filesz + 1);
			if (!n) {
				ret = elfcore_ctx_set_error(ctx, -ENOMEM, "out of memory");
				goto out;
			}
			in->notes = n;
			ret = pread_all(in->fd, n + in->notes_size, ph[i].p_filesz, ph[i].p_offset);
			if (ret) {
				ret = elfcore_ctx_set_error(ctx, ret, "%s: cannot read PT_NOTE %u", path, i);
				goto out;
			}
			in->notes_size += ph[i].p_filesz;
		} else if (ph[i].p_type == PT_LOAD) {
			struct cap_load *l = &in->loads[in->nloads];

			if (ph[i].p_filesz > ph[i].p_memsz ||
			    ph[i].p_paddr + ph[i].p_memsz < ph[i].p_paddr ||
			    ph[i].p_offset + ph[i].p_filesz < ph[i].p_offset) {
				ret = elfcore_ctx_set_error(ctx, -EINVAL, "%s: PT_LOAD %u: bad sizes", path, i);
				goto out;
			}
			if (in->file_size && ph[i].p_offset + ph[i].p_filesz > in->file_size) {
				ret = elfcore_ctx_set_error(ctx, -EINVAL, "%s: PT_LOAD %u ends past the end of "
							    "the file (truncated copy?)", path, i);
				goto out;
			}
			l->paddr = ph[i].p_paddr;
			l->vaddr = ph[i].p_vaddr;
			l->filesz = ph[i].p_filesz;
			l->memsz = ph[i].p_memsz;
			l->offset = ph[i].p_offset;
			in->nloads++;
		}
	}
	if (!in->nloads) {
		ret = elfcore_ctx_set_error(ctx, -EINVAL, "%s: no PT_LOAD: no memory in this core", path);
		goto out;
	}
	qsort(in->loads, in->nloads, sizeof(*in->loads), cmp_load);
	ret = parse_notes(in);
	if (ret)
		goto out;
	if (in->vi && !elfcore_vmcoreinfo_u64(NULL, in->vi, "PAGESIZE", &vi_ps) && vi_ps >= 4096 &&
	    vi_ps <= 65536 && !(vi_ps & (vi_ps - 1)))
		in->page_size = (uint32_t)vi_ps;
	for (size_t i = 0; i < in->nloads; i++) {
		uint64_t end = in->loads[i].paddr + in->loads[i].memsz;
		uint64_t pfn = (end + in->page_size - 1) / in->page_size;

		if (pfn > in->max_pfn)
			in->max_pfn = pfn;
	}
	ret = build_ranges(in);
out:
	free(ph);
	if (ret)
		cap_input_close(in);
	return ret;
}

void cap_input_close(struct cap_input *in)
{
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	free(in->loads);
	free(in->notes);
	free(in->ranges);
	elfcore_vmcoreinfo_free(in->vi);
	in->loads = NULL;
	in->notes = NULL;
	in->ranges = NULL;
	in->vi = NULL;
}

uint64_t cap_input_ram_bits(const struct cap_input *in, uint64_t start, uint64_t n,
			    uint8_t *bits)
{
	uint64_t set = 0, end = start + n;

	memset(bits, 0, (n + 7) / 8);
	/* As makedumpfile: a load covers pfns [floor(start), floor(end)). */
	for (size_t i = 0; i < in->nloads; i++) {
		uint64_t a = in->loads[i].paddr / in->page_size;
		uint64_t b = (in->loads[i].paddr + in->loads[i].memsz) / in->page_size;

		if (a < start)
			a = start;
		if (b > end)
			b = end;
		for (uint64_t p = a; p < b; p++) {
			uint64_t bit = p - start;

			if ((bit & 7) == 0 && p + 8 <= b) {
				set += 8 - (uint64_t)__builtin_popcount(bits[bit >> 3]);
				bits[bit >> 3] = 0xff;
				p += 7;
				continue;
			}
			if (!(bits[bit >> 3] & (1u << (bit & 7)))) {
				bits[bit >> 3] |= (uint8_t)(1u << (bit & 7));
				set++;
			}
		}
	}
	return set;
}

/* The load whose file data holds the whole page pfn, or NULL. */
static const struct cap_load *load_of(const struct cap_input *in, uint64_t pfn)
{
	uint64_t pa = pfn * in->page_size;
	size_t lo = 0, hi = in->nloads;

	/* last load with paddr <= pa */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (in->loads[mid].paddr <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		const struct cap_load *l = &in->loads[i];

		if (pa >= l->paddr && pa + in->page_size <= l->paddr + l->filesz)
			return l;
	}
	return NULL;
}

uint64_t cap_input_run(const struct cap_input *in, uint64_t pfn, uint64_t max)
{
	const struct cap_load *l = load_of(in, pfn);
	uint64_t end;

	if (!l)
		return 0;
	end = (l->paddr + l->filesz) / in->page_size;      /* first pfn not wholly inside */
	return end - pfn < max ? end - pfn : max;
}

int cap_input_window(struct cap_input *in, uint64_t pfn, uint64_t n, void *buf,
		     struct cap_window *w)
{
	const struct cap_load *l = load_of(in, pfn);
	uint64_t off, len = n * in->page_size;
	int ret;

	w->data = NULL;
	if (!l || cap_input_run(in, pfn, n) < n)
		return -ENOENT;
	off = l->offset + (pfn * in->page_size - l->paddr);
	if (w->map && off >= w->map_off && off + len <= w->map_off + w->map_len) {
		w->data = (const uint8_t *)w->map + (off - w->map_off);
		return 0;
	}
	if (in->use_mmap) {
		uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
		uint64_t lo = off & ~(pg - 1), hi = lo + CAP_WINDOW;
		uint64_t load_end = l->offset + l->filesz;
		void *m;

		if (hi < off + len)
			hi = off + len;
		if (hi > load_end)
			hi = load_end > off + len ? load_end : off + len;
		cap_input_unmap(w);
		m = mmap(NULL, (size_t)(hi - lo), PROT_READ, MAP_SHARED, in->fd, (off_t)lo);
		if (m != MAP_FAILED) {
			w->map = m;
			w->map_len = (size_t)(hi - lo);
			w->map_off = lo;
			w->data = (const uint8_t *)m + (off - lo);
			return 0;
		}
		__atomic_store_n(&in->use_mmap, 0, __ATOMIC_RELAXED);   /* read() from now on */
	}
	ret = pread_all(in->fd, buf, (size_t)len, off);
	if (ret)
		return ret == -ENODATA ? -EIO : ret;
	w->data = buf;
	return 0;
}

void cap_input_unmap(struct cap_window *w)
{
	if (w->map)
		munmap(w->map, w->map_len);
	w->map = NULL;
	w->map_len = 0;
}

int cap_input_read_page(struct cap_input *in, uint64_t pfn, void *buf)
{
	return cap_input_read_phys(in, pfn * in->page_size, buf, in->page_size) ? -EIO : 0;
}

/* Physical reads across loads; parts no load covers read as zeros only when
 * some load covers part of the request (as makedumpfile's readpage_elf). */
int cap_input_read_phys(void *arg, uint64_t paddr, void *buf, size_t len)
{
	struct cap_input *in = arg;
	uint8_t *p = buf;
	int covered = 0;

	memset(buf, 0, len);
	for (size_t i = 0; i < in->nloads; i++) {
		const struct cap_load *l = &in->loads[i];
		uint64_t a = paddr > l->paddr ? paddr : l->paddr;
		uint64_t b = paddr + len < l->paddr + l->memsz ? paddr + len : l->paddr + l->memsz;
		uint64_t fend = l->paddr + l->filesz;

		if (a >= b)
			continue;
		covered = 1;
		if (a < fend) {
			uint64_t e = b < fend ? b : fend;
			int ret = pread_all(in->fd, p + (a - paddr), (size_t)(e - a),
					    l->offset + (a - l->paddr));

			if (ret)
				return -EIO;
		}
	}
	return covered ? 0 : -ENOENT;
}
