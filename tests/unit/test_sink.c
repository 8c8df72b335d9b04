/* Unit tests for the sinks: sticky errors, the file backend's temporary name
 * and commit/abort, the sequential fd backend and the flattened stream. */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "elfcore/sink.h"
#include "mem_sink.h"

static struct elfcore_ctx *ctx;
static char dir[] = "/tmp/test_sink.XXXXXX";

static const struct elfcore_sink_ops mem_seq_ops = {
	.pwrite = mem_pwrite, .close = mem_close, .sequential = 1,
};

static int setup(void **state)
{
	ctx = elfcore_ctx_new();
	return ctx && mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	elfcore_ctx_free(ctx);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_sticky_error(void **state)
{
	struct mem m = { .limit = 100 };
	struct elfcore_sink *s;
	char buf[64] = { 1 };

	assert_int_equal(elfcore_sink_new(ctx, &mem_ops, &m, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, buf, 64, 0), 0);
	assert_int_equal(elfcore_sink_pwrite(s, buf, 64, 64), -ENOSPC);
	assert_int_equal(m.writes, 2);
	assert_string_equal(elfcore_ctx_error(ctx), "mem: No space left on device at 64");
	elfcore_ctx_clear(ctx);
	/* Later writes do not reach the backend and report the first error. */
	assert_int_equal(elfcore_sink_pwrite(s, buf, 1, 0), -ENOSPC);
	assert_int_equal(m.writes, 2);
	assert_string_equal(elfcore_ctx_error(ctx), "mem: No space left on device at 64");
	assert_int_equal(elfcore_sink_error(s), -ENOSPC);
	assert_int_equal(elfcore_sink_sync(s), -ENOSPC);
	assert_int_equal(elfcore_sink_commit(s), -ENOSPC);
	assert_int_equal(elfcore_sink_size(s), 64);
	assert_int_equal(elfcore_sink_close(s), -ENOSPC);
	assert_int_equal(m.closed, 1);
	free(m.data);
}

static void test_size_and_commit(void **state)
{
	struct mem m = { .limit = 1 << 20 };
	struct elfcore_sink *s;

	assert_int_equal(elfcore_sink_new(ctx, &mem_ops, &m, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "abc", 3, 1000), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "x", 1, 10), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "", 0, 5000), 0);
	assert_int_equal(elfcore_sink_size(s), 1003);
	assert_int_equal(elfcore_sink_commit(s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "x", 1, 0), -EINVAL);
	assert_int_equal(elfcore_sink_close(s), -EINVAL);
	free(m.data);
}

static int count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*size = n;
	return buf;
}

static void test_file_commit(void **state)
{
	struct elfcore_sink *s;
	char path[256], *data;
	struct stat st;
	size_t size;

	snprintf(path, sizeof(path), "%s/vmcore", dir);
	assert_int_equal(elfcore_sink_open_file(ctx, path, 0, &s), 0);
	assert_int_equal(elfcore_sink_sequential(s), 0);
	/* While writing, only the temporary name exists, mode 0600. */
	assert_int_equal(count_entries(), 1);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(elfcore_sink_pwrite(s, "world", 5, 6), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "hello ", 6, 0), 0);
	assert_int_equal(elfcore_sink_commit(s), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	assert_int_equal(count_entries(), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	data = read_file(path, &size);
	assert_int_equal(size, 11);
	assert_memory_equal(data, "hello world", 11);
	free(data);

	/* Never overwritten, unless asked. */
	assert_int_equal(elfcore_sink_open_file(ctx, path, 0, &s), -EEXIST);
	assert_null(s);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "refusing to overwrite"));
	assert_int_equal(elfcore_sink_open_file(ctx, path, ELFCORE_SINK_REPLACE, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "new", 3, 0), 0);
	assert_int_equal(elfcore_sink_commit(s), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	data = read_file(path, &size);
	assert_int_equal(size, 3);
	free(data);
	unlink(path);
	assert_int_equal(count_entries(), 0);
}

static void test_file_appears_meanwhile(void **state)
{
	struct elfcore_sink *s;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/race", dir);
	assert_int_equal(elfcore_sink_open_file(ctx, path, ELFCORE_SINK_NO_SYNC, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "x", 1, 0), 0);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(elfcore_sink_commit(s), -EEXIST);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "appeared"));
	assert_int_equal(elfcore_sink_close(s), -EEXIST);
	/* The temporary file was removed by the abort (no KEEP_PARTIAL). */
	assert_int_equal(count_entries(), 1);
	unlink(path);
}

static void test_file_abort(void **state)
{
	struct elfcore_sink *s;
	char path[256], keep[300], *data;
	size_t size;

	snprintf(path, sizeof(path), "%s/aborted", dir);
	assert_int_equal(elfcore_sink_open_file(ctx, path, 0, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "x", 1, 0), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	assert_int_equal(count_entries(), 0);

	assert_int_equal(elfcore_sink_open_file(ctx, path, ELFCORE_SINK_KEEP_PARTIAL, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "partial", 7, 0), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	snprintf(keep, sizeof(keep), "%s.incomplete", path);
	data = read_file(keep, &size);
	assert_non_null(data);
	assert_int_equal(size, 7);
	free(data);
	assert_int_equal(access(path, F_OK), -1);
	unlink(keep);

	/* Direct mode: PATH itself, O_EXCL. */
	assert_int_equal(elfcore_sink_open_file(ctx, path, ELFCORE_SINK_DIRECT, &s), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

static void test_fd_sequential(void **state)
{
	struct elfcore_sink *s;
	char path[256], *data;
	size_t size;
	int fd;

	snprintf(path, sizeof(path), "%s/stream", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(elfcore_sink_open_fd(ctx, fd, "stdout", &s), 0);
	assert_int_equal(elfcore_sink_sequential(s), 1);
	assert_int_equal(elfcore_sink_pwrite(s, "ab", 2, 0), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "cd", 2, 2), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "zz", 2, 0), -ESPIPE);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "stdout: write at offset 0"));
	assert_int_equal(elfcore_sink_close(s), -ESPIPE);
	close(fd);
	data = read_file(path, &size);
	assert_int_equal(size, 4);
	assert_memory_equal(data, "abcd", 4);
	free(data);
	unlink(path);
}

static uint64_t be64at(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

/* Rebuild a file image from a flattened stream, as makedumpfile -R does.
 * Returns the number of records, -1 when malformed or without end marker. */
static int unflatten(const unsigned char *s, size_t n, unsigned char *img, size_t cap)
{
	size_t pos = ELFCORE_FLAT_HEADER_SIZE;
	int records = 0;

	if (n < pos || memcmp(s, "makedumpfile\0\0\0\0", 16) ||
	    be64at(s + 16) != 1 || be64at(s + 24) != 1)
		return -1;
	while (pos + 16 <= n) {
		int64_t off = (int64_t)be64at(s + pos);
		int64_t len = (int64_t)be64at(s + pos + 8);

		pos += 16;
		if (off == -1 && len == -1)
			return pos == n ? records : -1;
		if (off < 0 || len <= 0 || pos + len > n || (size_t)(off + len) > cap)
			return -1;
		memcpy(img + off, s + pos, len);
		pos += len;
		records++;
	}
	return -1;
}

static void test_flat(void **state)
{
	struct mem m = { .limit = 1 << 24 };
	struct elfcore_sink *inner, *s;
	static unsigned char big[3 << 20], img[4 << 20], want[4 << 20];
	int i;

	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (unsigned char)(i * 7);
	assert_int_equal(elfcore_sink_new(ctx, &mem_seq_ops, &m, &inner), 0);
	assert_int_equal(elfcore_sink_flat_new(ctx, inner, &s), 0);
	/* Header, then 3 small adjacent writes (one record), a jump back, a big write. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(elfcore_sink_pwrite(s, "abcd", 4, 8192 + 4 * i), 0);
		memcpy(want + 8192 + 4 * i, "abcd", 4);
	}
	assert_int_equal(elfcore_sink_pwrite(s, "head", 4, 0), 0);
	memcpy(want, "head", 4);
	assert_int_equal(elfcore_sink_pwrite(s, big, sizeof(big), 100000), 0);
	memcpy(want + 100000, big, sizeof(big));
	assert_int_equal(elfcore_sink_pwrite(s, "HEAD", 4, 0), 0); /* a rewrite: later wins */
	memcpy(want, "HEAD", 4);
	assert_int_equal(elfcore_sink_size(s), 100000 + sizeof(big));
	assert_int_equal(elfcore_sink_commit(s), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	assert_int_equal(m.closed, 1);
	assert_int_equal(unflatten(m.data, m.size, img, sizeof(img)), 4);
	assert_memory_equal(img, want, sizeof(img));
	free(m.data);

	/* Without commit: no end marker. */
	memset(&m, 0, sizeof(m));
	m.limit = 1 << 24;
	assert_int_equal(elfcore_sink_new(ctx, &mem_seq_ops, &m, &inner), 0);
	assert_int_equal(elfcore_sink_flat_new(ctx, inner, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "abcd", 4, 0), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	assert_int_equal(m.size, 4096 + 16 + 4);
	assert_int_equal(unflatten(m.data, m.size, img, sizeof(img)), -1);
	free(m.data);
}

static void test_flat_enospc(void **state)
{
	struct mem m = { .limit = 4096 + 100 };
	struct elfcore_sink *inner, *s;
	char page[4096] = { 0 };
	int ret = 0, i;

	assert_int_equal(elfcore_sink_new(ctx, &mem_seq_ops, &m, &inner), 0);
	assert_int_equal(elfcore_sink_flat_new(ctx, inner, &s), 0);
	/* Buffered writes succeed until a flush reaches the stream. */
	for (i = 0; i < 1000 && ret == 0; i++)
		ret = elfcore_sink_pwrite(s, page, sizeof(page), (uint64_t)i * 8192);
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(elfcore_sink_pwrite(s, page, 1, 0), -ENOSPC);
	assert_int_equal(elfcore_sink_commit(s), -ENOSPC);
	assert_int_equal(elfcore_sink_close(s), -ENOSPC);
	assert_int_equal(m.closed, 1);
	free(m.data);

	/* The header itself does not fit. */
	memset(&m, 0, sizeof(m));
	m.limit = 100;
	assert_int_equal(elfcore_sink_new(ctx, &mem_seq_ops, &m, &inner), 0);
	assert_int_equal(elfcore_sink_flat_new(ctx, inner, &s), -ENOSPC);
	assert_null(s);
	assert_int_equal(m.closed, 1);
	free(m.data);
}

static void test_file_enospc(void **state)
{
	/* A real ENOSPC from the kernel: /dev/full accepts open and fails writes. */
	struct elfcore_sink *s;
	int fd = open("/dev/full", O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(elfcore_sink_open_fd(ctx, fd, "/dev/full", &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "x", 1, 0), -ENOSPC);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "No space left on device"));
	assert_int_equal(elfcore_sink_close(s), -ENOSPC);
	close(fd);
}

/* elfcore_flat_replay: the stream of test_flat read back from a file. */
static void test_flat_replay(void **state)
{
	struct mem m = { .limit = 1 << 24 }, out = { .limit = 1 << 24 };
	struct elfcore_sink *inner, *s, *o;
	char path[256];
	uint64_t n;
	int fd;

	assert_int_equal(elfcore_sink_new(ctx, &mem_seq_ops, &m, &inner), 0);
	assert_int_equal(elfcore_sink_flat_new(ctx, inner, &s), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "tail", 4, 9000), 0);
	assert_int_equal(elfcore_sink_pwrite(s, "head", 4, 0), 0);
	assert_int_equal(elfcore_sink_commit(s), 0);
	assert_int_equal(elfcore_sink_close(s), 0);
	snprintf(path, sizeof(path), "%s/replay", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_int_equal(write(fd, m.data, m.size), (ssize_t)m.size);

	lseek(fd, 0, SEEK_SET);
	assert_int_equal(elfcore_sink_new(ctx, &mem_ops, &out, &o), 0);
	assert_int_equal(elfcore_flat_replay(ctx, fd, "in", o, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out.size, 9004);
	assert_memory_equal(out.data, "head", 4);
	assert_memory_equal(out.data + 9000, "tail", 4);
	elfcore_sink_close(o);

	/* Cut before the end marker, and inside a record. */
	assert_int_equal(ftruncate(fd, m.size - 16), 0);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(elfcore_sink_new(ctx, &mem_ops, &out, &o), 0);
	assert_int_equal(elfcore_flat_replay(ctx, fd, "in", o, &n), -EIO);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "without its end marker"));
	elfcore_sink_close(o);
	assert_int_equal(ftruncate(fd, m.size - 18), 0);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(elfcore_sink_new(ctx, &mem_ops, &out, &o), 0);
	assert_int_equal(elfcore_flat_replay(ctx, fd, "in", o, &n), -EIO);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "inside record 1"));
	elfcore_sink_close(o);
	/* Not a flattened stream. */
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(write(fd, "KDUMP   ", 8), 8);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(elfcore_sink_new(ctx, &mem_ops, &out, &o), 0);
	assert_int_equal(elfcore_flat_replay(ctx, fd, "in", o, &n), -EINVAL);
	elfcore_sink_close(o);
	close(fd);
	unlink(path);
	free(out.data);
	free(m.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_size_and_commit),
		cmocka_unit_test(test_file_commit),
		cmocka_unit_test(test_file_appears_meanwhile),
		cmocka_unit_test(test_file_abort),
		cmocka_unit_test(test_fd_sequential),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_flat_enospc),
		cmocka_unit_test(test_file_enospc),
		cmocka_unit_test(test_flat_replay),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
