/* Unit tests for the dump readers on synthetic dumps (tests/gen/dumpgen.h):
 * every page's bytes, excluded pages -ENOENT, incomplete dumps -EIO, notes,
 * VMCOREINFO and damaged files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../gen/dumpgen.h"
#include "elfcore/dump.h"

static struct elfcore_ctx *ctx;
static char dir[] = "/tmp/test_dump.XXXXXX";

static int setup(void **state)
{
	ctx = elfcore_ctx_new();
	return ctx && mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	elfcore_ctx_free(ctx);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write the dump of o; names in paths[] (static storage). */
static int make(const struct gen_opts *o, const char *tag, char paths[][256])
{
	struct gen_buf bufs[8];
	int n = gen_build(o, bufs, 8);

	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		snprintf(paths[i], 256, "%s/%s.%d", dir, tag, i);
		assert_int_equal(gen_write(paths[i], &bufs[i]), 0);
		gen_free(&bufs[i]);
	}
	return n;
}

static struct elfcore_dump *open_ok(char paths[][256], int n)
{
	const char *p[8];
	struct elfcore_dump *d = NULL;
	int ret;

	for (int i = 0; i < n; i++)
		p[i] = paths[i];
	ret = n == 1 ? elfcore_dump_open(ctx, p[0], &d) : elfcore_dump_open_split(ctx, p, (size_t)n, &d);
	if (ret)
		fail_msg("open %s: %s", p[0], elfcore_ctx_error(ctx));
	return d;
}

/* Every pfn: the known bytes, or -ENOENT where the page is not dumped; with
 * lost_from, dumped pages from that index on must be -EIO. */
static void check_pages(const struct gen_opts *o, struct elfcore_dump *d, uint64_t lost_from)
{
	uint8_t *want = malloc(o->page_size), *got = malloc(o->page_size);
	uint64_t idx = 0, next = 0;

	assert_int_equal(elfcore_dump_page_size(d), o->page_size);
	for (uint64_t pfn = 0; pfn < o->npages + 4; pfn++) {
		int ret = elfcore_dump_read_page(d, pfn, got);
		int dumped = pfn < o->npages && gen_is_dumped(o, pfn);

		if (!dumped) {
			if (ret != -ENOENT)
				fail_msg("pfn %llu: want -ENOENT, got %d (%s)", (unsigned long long)pfn,
					 ret, elfcore_ctx_error(ctx));
			continue;
		}
		if (idx >= lost_from) {
			if (ret != -EIO)
				fail_msg("pfn %llu: want -EIO, got %d", (unsigned long long)pfn, ret);
			idx++;
			continue;
		}
		if (ret)
			fail_msg("pfn %llu: %s", (unsigned long long)pfn, elfcore_ctx_error(ctx));
		gen_page(o, pfn, want);
		assert_memory_equal(want, got, o->page_size);
		idx++;
	}
	/* next_pfn walks exactly the dumped pfns (ELF: those with file data). */
	for (uint64_t pfn = 0, n = 0;; pfn = next + 1, n++) {
		if (elfcore_dump_next_pfn(d, pfn, &next) == -ENOENT)
			break;
		assert_true(gen_is_dumped(o, next));
		assert_true(n < o->npages);
	}
	free(want);
	free(got);
}

static void check_info(const struct gen_opts *o, struct elfcore_dump *d, int ncpus)
{
	const struct elfcore_dump_info *in = elfcore_dump_info(d);
	const struct elfcore_vmcoreinfo *vi = elfcore_dump_vmcoreinfo(d);
	const struct elfcore_dump_cpu *cpu;
	uint64_t v;

	assert_string_equal(in->release, GEN_RELEASE);
	assert_int_equal(in->crash_time, GEN_CRASHTIME);
	assert_int_equal(in->elf_machine, EM_X86_64);
	assert_int_equal(in->ncpus, ncpus);
	if (ncpus) {
		assert_int_equal(in->panic_cpu, 1);
		cpu = elfcore_dump_cpu(d, 1);
		assert_non_null(cpu);
		assert_int_equal(cpu->pid, GEN_PANIC_PID);
		assert_int_equal(cpu->nregs, 27);
		assert_string_equal(cpu->reg_names[16], "rip");
		assert_true(cpu->regs[16] == GEN_PANIC_RIP);
		assert_null(elfcore_dump_cpu(d, (unsigned)ncpus));
	}
	assert_non_null(vi);
	assert_int_equal(elfcore_vmcoreinfo_hex(ctx, vi, "KERNELOFFSET", &v), 0);
	assert_true(v == 0x1a000000);
}

static void check_ranges(const struct gen_opts *o, struct elfcore_dump *d)
{
	uint64_t s, e, from = 0, n = 0;

	while (elfcore_dump_next_range(d, from, &s, &e) == 0) {
		for (uint64_t pfn = s; pfn < e; pfn++)
			assert_true(gen_is_ram(o, pfn));
		n++;
		from = e;
	}
	assert_true(n >= 2);
}

static void test_kdump_codecs(void **state)
{
	static const enum gen_codec codecs[] = { GEN_NONE, GEN_ZLIB, GEN_LZO, GEN_ZSTD };
	static const enum elfcore_codec want[] = {
		ELFCORE_CODEC_NONE, ELFCORE_CODEC_ZLIB, ELFCORE_CODEC_LZO, ELFCORE_CODEC_ZSTD,
	};
	char paths[8][256];
	struct gen_opts o;

	for (size_t i = 0; i < 4; i++) {
		struct elfcore_dump *d;
		const struct elfcore_dump_info *in;
		uint64_t pages = 0, dumped = 0, ram = 0;

		gen_opts_default(&o);
		o.codec = codecs[i];
		make(&o, "kdump", paths);
		d = open_ok(paths, 1);
		in = elfcore_dump_info(d);
		assert_int_equal(in->format, ELFCORE_FORMAT_KDUMP);
		assert_int_equal(in->compression, want[i]);
		assert_int_equal(in->header_version, 6);
		assert_int_equal(in->dump_level, GEN_DUMP_LEVEL);
		assert_int_equal(in->max_pfn, o.npages);
		assert_false(in->incomplete);
		assert_string_equal(in->nodename, GEN_NODENAME);
		assert_string_equal(in->machine, "x86_64");
		for (uint64_t pfn = 0; pfn < o.npages; pfn++) {
			dumped += gen_is_dumped(&o, pfn);
			ram += gen_is_ram(&o, pfn);
		}
		assert_int_equal(in->pages_dumped, dumped);
		assert_int_equal(in->pages_present, ram);
		check_info(&o, d, 2);
		check_pages(&o, d, UINT64_MAX);
		check_ranges(&o, d);
		assert_int_equal(elfcore_dump_verify(d, &pages), 0);
		assert_int_equal(pages, dumped);
		elfcore_dump_close(d);
	}
}

static void test_kdump_old_versions(void **state)
{
	char paths[8][256];
	struct gen_opts o;

	for (int v = 1; v <= 5; v++) {
		struct elfcore_dump *d;

		gen_opts_default(&o);
		o.header_version = v;
		o.codec = GEN_LZO;
		make(&o, "old", paths);
		d = open_ok(paths, 1);
		assert_int_equal(elfcore_dump_info(d)->header_version, v);
		/* utsname is in every version; VMCOREINFO from v3, notes from v4. */
		assert_string_equal(elfcore_dump_info(d)->release, GEN_RELEASE);
		assert_true((elfcore_dump_vmcoreinfo(d) != NULL) == (v >= 3));
		assert_int_equal(elfcore_dump_info(d)->ncpus, v >= 4 ? 2 : 0);
		check_pages(&o, d, UINT64_MAX);
		elfcore_dump_close(d);
	}
}

static void test_elf(void **state)
{
	char paths[8][256];
	struct gen_opts o;
	struct elfcore_dump *d;
	const struct elfcore_dump_info *in;
	uint8_t buf[64];
	uint64_t pages;

	gen_opts_default(&o);
	o.format = GEN_ELF;
	make(&o, "elf", paths);
	d = open_ok(paths, 1);
	in = elfcore_dump_info(d);
	assert_int_equal(in->format, ELFCORE_FORMAT_ELF);
	assert_int_equal(in->compression, ELFCORE_CODEC_NONE);
	assert_int_equal(in->max_pfn, o.npages);
	check_info(&o, d, 2);
	check_pages(&o, d, UINT64_MAX);
	check_ranges(&o, d);
	/* A read across the partial page's edge and into the zero-filled tail. */
	assert_int_equal(elfcore_dump_read_phys(d, o.npages / 2 * 4096 + 3072 - 32, buf, 64), 0);
	for (int i = 32; i < 64; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(elfcore_dump_read_phys(d, (o.npages - 1) * 4096, buf, 64), 0);
	assert_int_equal(buf[0], 0);
	assert_int_equal(elfcore_dump_read_phys(d, 4 * 4096 - 8, buf, 16), -ENOENT);
	assert_int_equal(elfcore_dump_verify(d, &pages), 0);
	elfcore_dump_close(d);
}

/* More than 65534 program headers: e_phnum = PN_XNUM and the real count in
 * section header 0, as the kernel and makedumpfile write it. */
static void test_elf_pn_xnum(void **state)
{
	char paths[8][256];
	struct gen_opts o;
	struct gen_buf b = { 0 };
	struct elfcore_dump *d;
	uint16_t phnum;
	size_t shoff;

	gen_opts_default(&o);
	o.format = GEN_ELF;
	gen_build(&o, &b, 1);
	memcpy(&phnum, b.data + 56, 2);
	shoff = b.size;
	gen_reserve(&b, shoff + 64);
	gen_u32(&b, shoff + 44, phnum);          /* sh_info */
	gen_u64(&b, 40, shoff);                  /* e_shoff */
	gen_u16(&b, 58, 64);                     /* e_shentsize */
	gen_u16(&b, 60, 1);                      /* e_shnum */
	gen_u16(&b, 56, PN_XNUM);
	snprintf(paths[0], sizeof(paths[0]), "%s/xnum", dir);
	assert_int_equal(gen_write(paths[0], &b), 0);
	gen_free(&b);
	d = open_ok(paths, 1);
	check_info(&o, d, 2);
	check_pages(&o, d, UINT64_MAX);
	elfcore_dump_close(d);
}

static void test_flat(void **state)
{
	char paths[8][256];
	struct gen_opts o;

	for (int f = 0; f < 2; f++) {
		struct elfcore_dump *d;

		gen_opts_default(&o);
		o.format = f ? GEN_ELF : GEN_KDUMP;
		o.codec = GEN_ZSTD;
		o.flat = 1;
		make(&o, "flat", paths);
		d = open_ok(paths, 1);
		assert_int_equal(elfcore_dump_format(d), ELFCORE_FORMAT_FLAT);
		assert_int_equal(elfcore_dump_info(d)->content,
				 f ? ELFCORE_FORMAT_ELF : ELFCORE_FORMAT_KDUMP);
		check_info(&o, d, 2);
		check_pages(&o, d, UINT64_MAX);
		assert_int_equal(elfcore_dump_verify(d, NULL), 0);
		elfcore_dump_close(d);
	}
}

static void test_incomplete(void **state)
{
	char paths[8][256];
	struct gen_opts o;
	struct elfcore_dump *d;
	uint64_t dumped = 0;

	gen_opts_default(&o);
	o.incomplete = 1;
	make(&o, "inc", paths);
	d = open_ok(paths, 1);
	assert_true(elfcore_dump_info(d)->incomplete);
	assert_non_null(strstr(elfcore_dump_info(d)->incomplete_reason, "INCOMPLETE"));
	for (uint64_t pfn = 0; pfn < o.npages; pfn++)
		dumped += gen_is_dumped(&o, pfn);
	check_pages(&o, d, dumped / 2);
	assert_int_equal(elfcore_dump_verify(d, NULL), -EIO);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "incomplete"));
	elfcore_dump_close(d);
}

static void test_split(void **state)
{
	char paths[8][256];
	struct gen_opts o;
	struct elfcore_dump *d;

	gen_opts_default(&o);
	o.nsplit = 3;
	o.codec = GEN_ZLIB;
	assert_int_equal(make(&o, "split", paths), 3);
	d = open_ok(paths, 3);
	assert_int_equal(elfcore_dump_info(d)->nfiles, 3);
	assert_false(elfcore_dump_info(d)->incomplete);
	check_info(&o, d, 2);
	check_pages(&o, d, UINT64_MAX);
	assert_int_equal(elfcore_dump_verify(d, NULL), 0);
	elfcore_dump_close(d);

	/* A set whose last part is empty, as makedumpfile --split writes when the
	 * pages do not spread over every part. */
	o.split_empty_last = 1;
	assert_int_equal(make(&o, "split-empty", paths), 3);
	d = open_ok(paths, 3);
	assert_false(elfcore_dump_info(d)->incomplete);
	check_pages(&o, d, UINT64_MAX);
	assert_int_equal(elfcore_dump_verify(d, NULL), 0);
	elfcore_dump_close(d);
	o.split_empty_last = 0;
	assert_int_equal(make(&o, "split", paths), 3);

	/* The middle part alone: its pages read, the others are missing (-EIO). */
	strcpy(paths[0], paths[1]);
	d = open_ok(paths, 1);
	assert_true(elfcore_dump_info(d)->incomplete);
	assert_int_equal(elfcore_dump_verify(d, NULL), -EIO);
	elfcore_dump_close(d);
}

/* Copy src's first len bytes to a new file, optionally patching bytes. */
static void copy_file(const char *src, const char *dst, size_t len, size_t patch_at,
		      const void *patch, size_t patch_len)
{
	FILE *f = fopen(src, "rb");
	uint8_t *b = malloc(len + patch_len + 1);
	size_t n;

	assert_non_null(f);
	n = fread(b, 1, len, f);
	fclose(f);
	if (patch && patch_at + patch_len <= n)
		memcpy(b + patch_at, patch, patch_len);
	f = fopen(dst, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
	free(b);
}

/* Truncation at every 97th byte and damaged fields: never a crash; either
 * open fails with a message naming the file, or verify reports the damage. */
static void test_damaged(void **state)
{
	static const struct { enum gen_format f; int flat; } kinds[] = {
		{ GEN_KDUMP, 0 }, { GEN_ELF, 0 }, { GEN_KDUMP, 1 },
	};
	char paths[8][256], bad[300];
	struct gen_opts o;

	for (size_t k = 0; k < 3; k++) {
		FILE *f;
		long size;

		gen_opts_default(&o);
		o.format = kinds[k].f;
		o.flat = kinds[k].flat;
		o.npages = 16;
		o.page_size = 1024;
		make(&o, "dmg", paths);
		f = fopen(paths[0], "rb");
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fclose(f);
		snprintf(bad, sizeof(bad), "%s/bad", dir);
		for (long cut = 0; cut < size; cut += 97) {
			struct elfcore_dump *d = NULL;
			int ret;

			copy_file(paths[0], bad, (size_t)cut, 0, NULL, 0);
			ret = elfcore_dump_open(ctx, bad, &d);
			if (ret) {
				assert_true(ret < 0);
				assert_non_null(strstr(elfcore_ctx_error(ctx), bad));
				continue;
			}
			ret = elfcore_dump_verify(d, NULL);
			assert_true(ret == -EIO || ret == -EINVAL);
			elfcore_dump_close(d);
		}
	}
}

static void test_bad_fields(void **state)
{
	char paths[8][256], bad[300];
	struct gen_opts o;
	struct elfcore_dump *d = NULL;
	uint8_t huge[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
	uint8_t b4[4] = { 0xff, 0xff, 0xff, 0x7f };

	gen_opts_default(&o);
	make(&o, "fields", paths);
	snprintf(bad, sizeof(bad), "%s/badf", dir);
	/* Huge bitmap_blocks, block size, max_mapnr, header version. */
	copy_file(paths[0], bad, 1 << 20, DH_BITMAP_BLOCKS, b4, 4);
	assert_true(elfcore_dump_open(ctx, bad, &d) < 0);
	copy_file(paths[0], bad, 1 << 20, DH_BLOCK_SIZE, b4, 4);
	assert_int_equal(elfcore_dump_open(ctx, bad, &d), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "block size"));
	copy_file(paths[0], bad, 1 << 20, 4096 + SH_MAX_MAPNR_64, huge, 8);
	assert_int_equal(elfcore_dump_open(ctx, bad, &d), -EINVAL);
	copy_file(paths[0], bad, 1 << 20, DH_HEADER_VERSION, b4, 4);
	assert_int_equal(elfcore_dump_open(ctx, bad, &d), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "version"));
	/* Note offset far past the end. */
	copy_file(paths[0], bad, 1 << 20, 4096 + SH_OFFSET_NOTE, huge, 8);
	assert_true(elfcore_dump_open(ctx, bad, &d) < 0);
	/* Not a dump at all. */
	copy_file(paths[0], bad, 1 << 20, 0, "NOTADUMP", 8);
	assert_int_equal(elfcore_dump_open(ctx, bad, &d), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "not a dump"));
	assert_int_equal(elfcore_dump_open(ctx, "/nonexistent/x", &d), -ENOENT);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdump_codecs),
		cmocka_unit_test(test_kdump_old_versions),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_elf_pn_xnum),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_bad_fields),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
