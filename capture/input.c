/* kdump-capture's input: an ELF vmcore opened by elfcore's reader, page data
 * by mmap or pread of its segments. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

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

/* Append [start, end) with vaddr va (0: none) to the ranges. */
static void add_range(struct cap_input *in, uint64_t start, uint64_t end, uint64_t va)
{
	if (end <= start)
		return;
	in->ranges[in->nranges].paddr = start;
	in->ranges[in->nranges].vaddr = va;
	in->ranges[in->nranges].size = end - start;
	in->nranges++;
}

static int is_text_mapping(uint64_t vaddr)
{
	return vaddr >= 0xffffffff80000000ull;     /* x86_64 __START_KERNEL_map */
}

/* The writer's ranges: whole pages ([floor(start), floor(end)), as the
 * bitmaps count them), sorted, not overlapping. The kernel text mapping
 * lies inside a RAM load: it becomes a range of its own (with its vaddr)
 * cut out of the RAM range, so that ELF output keeps a PT_LOAD at the
 * kernel's virtual addresses, which readers (drgn) need to find the page
 * tables. */
static int build_ranges(struct cap_input *in)
{
	in->ranges = calloc(2 * in->nloads + 1, sizeof(*in->ranges));
	if (!in->ranges)
		return elfcore_ctx_set_error(in->ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < in->nloads; i++) {
		const struct cap_load *l = &in->loads[i];
		struct elfcore_mem_range *last = in->nranges ? &in->ranges[in->nranges - 1] : NULL;
		uint64_t start = l->paddr / in->page_size * in->page_size;
		uint64_t end = (l->paddr + l->memsz) / in->page_size * in->page_size;
		uint64_t va = l->vaddr ? l->vaddr - (l->paddr - start) : 0;
		uint64_t last_end;

		if (end <= start)
			continue;
		if (!last || start >= last->paddr + last->size) {
			add_range(in, start, end, va);
			continue;
		}
		last_end = last->paddr + last->size;
		if (is_text_mapping(va) && !is_text_mapping(last->vaddr) && end <= last_end) {
			struct elfcore_mem_range rest = *last;

			last->size = start - last->paddr;
			if (!last->size)
				in->nranges--;
			add_range(in, start, end, va);
			rest.vaddr = rest.vaddr ? rest.vaddr + (end - rest.paddr) : 0;
			add_range(in, end, last_end, rest.vaddr);
			continue;
		}
		/* any other overlap: merge */
		if (end > last_end)
			last->size = end - last->paddr;
	}
	return 0;
}

/* The headers, notes and VMCOREINFO come from elfcore's dump reader; the
 * page data is read here, through the segments' file offsets. */
static int open_dump(struct cap_input *in)
{
	const struct elfcore_dump_info *info;
	const struct elfcore_dump_segment *segs;
	const void *notes;
	size_t nsegs;
	int ret;

	ret = elfcore_dump_open(in->ctx, in->path, &in->dump);
	if (ret)
		return ret;
	info = elfcore_dump_info(in->dump);
	if (info->format != ELFCORE_FORMAT_ELF)
		return elfcore_ctx_set_error(in->ctx, -EINVAL, "%s: a %s dump, not an ELF core "
					     "(kdump-capture reads /proc/vmcore or a raw copy of it)",
					     in->path, elfcore_format_name(info->format));
	if (info->incomplete)
		return elfcore_ctx_set_error(in->ctx, -EINVAL, "%s (truncated copy?)",
					     info->incomplete_reason);
	ret = elfcore_dump_segments(in->dump, &segs, &nsegs);
	if (ret)
		return ret;
	if (!nsegs)
		return elfcore_ctx_set_error(in->ctx, -EINVAL, "%s: no PT_LOAD: no memory in this core",
					     in->path);
	in->loads = calloc(nsegs, sizeof(*in->loads));
	if (!in->loads)
		return elfcore_ctx_set_error(in->ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < nsegs; i++) {
		in->loads[i] = (struct cap_load){
			.paddr = segs[i].paddr, .vaddr = segs[i].vaddr, .filesz = segs[i].filesz,
			.memsz = segs[i].memsz, .offset = segs[i].offset,
		};
	}
	in->nloads = nsegs;
	qsort(in->loads, in->nloads, sizeof(*in->loads), cmp_load);
	elfcore_dump_notes(in->dump, &notes, &in->notes_size);
	in->notes = notes;
	in->vi = elfcore_dump_vmcoreinfo(in->dump);
	in->ncpus = info->ncpus;
	in->machine = info->elf_machine;
	in->page_size = (uint32_t)info->page_size;
	return 0;
}

int cap_input_open(struct elfcore_ctx *ctx, const char *path, int allow_mmap,
		   struct cap_input *in)
{
	int ret;

	memset(in, 0, sizeof(*in));
	in->ctx = ctx;
	in->path = path;
	in->use_mmap = allow_mmap;
	in->fd = -1;
	ret = open_dump(in);
	if (ret)
		goto out;
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		ret = elfcore_ctx_set_error(ctx, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < in->nloads; i++) {
		uint64_t end = in->loads[i].paddr + in->loads[i].memsz;
		uint64_t pfn = (end + in->page_size - 1) / in->page_size;

		if (pfn > in->max_pfn)
			in->max_pfn = pfn;
	}
	ret = build_ranges(in);
	{
		const char *eio = getenv("KDUMP_CAPTURE_TEST_EIO");
		unsigned long long a, b;

		if (eio && sscanf(eio, "%llu-%llu", &a, &b) == 2 && a < b) {
			in->eio_start = a;
			in->eio_end = b;
		}
	}
out:
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
	free(in->ranges);
	free(in->pcache);
	in->pcache = NULL;
	elfcore_dump_close(in->dump);
	in->loads = NULL;
	in->ranges = NULL;
	in->dump = NULL;
	in->notes = NULL;
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
	if (pfn < in->eio_end && pfn + n > in->eio_start)
		return -EIO;
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

/* Physical reads across loads; parts no load covers read as zeros only when
 * some load covers part of the request (as makedumpfile's readpage_elf). */
static int read_phys_raw(struct cap_input *in, uint64_t paddr, void *buf, size_t len)
{
	uint8_t *p = buf;
	int covered = 0;

	if (paddr < in->eio_end * in->page_size && paddr + len > in->eio_start * in->page_size)
		return -EIO;
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

int cap_input_read_page(struct cap_input *in, uint64_t pfn, void *buf)
{
	return read_phys_raw(in, pfn * in->page_size, buf, in->page_size) ? -EIO : 0;
}

/* The kernel view reads small scattered pieces (page tables, list links of
 * the free page lists): each goes through a small cache of whole pages
 * instead of a pread() of its own. Large reads (mem_map) go straight. */
int cap_input_read_phys(void *arg, uint64_t paddr, void *buf, size_t len)
{
	struct cap_input *in = arg;
	uint64_t pfn = paddr / in->page_size, off = paddr % in->page_size;
	unsigned slot = (unsigned)(pfn % CAP_PHYS_CACHE);
	uint8_t *page;

	if (len > in->page_size / 8 || off + len > in->page_size)
		return read_phys_raw(in, paddr, buf, len);
	if (!in->pcache) {
		in->pcache = malloc((size_t)CAP_PHYS_CACHE * in->page_size);
		if (!in->pcache)
			return read_phys_raw(in, paddr, buf, len);
	}
	page = in->pcache + (size_t)slot * in->page_size;
	if (in->pcache_tag[slot] != pfn + 1) {
		in->pcache_tag[slot] = 0;
		if (read_phys_raw(in, pfn * in->page_size, page, in->page_size))
			return read_phys_raw(in, paddr, buf, len);   /* partly unreadable */
		in->pcache_tag[slot] = pfn + 1;
	}
	memcpy(buf, page + off, len);
	return 0;
}
