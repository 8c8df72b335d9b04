/* Unit tests for checksum manifests: write, verify, damage detection,
 * malformed manifests, no overwrite. */
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

#include <openssl/evp.h>

#include "elfcore/manifest.h"

static struct elfcore_ctx *ctx;
static char dir[] = "/tmp/test_manifest.XXXXXX";
static char dump[4200], man[4200];

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static char *read_text(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static uint8_t data[4096 * 2 + 100];

static int setup(void **state)
{
	ctx = elfcore_ctx_new();
	if (!ctx || !mkdtemp(dir))
		return -1;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
	snprintf(dump, sizeof(dump), "%s/vmcore", dir);
	snprintf(man, sizeof(man), "%s/vmcore.sha256", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(dump);
	unlink(man);
	rmdir(dir);
	elfcore_ctx_free(ctx);
	return 0;
}

static void test_roundtrip(void **state)
{
	struct elfcore_manifest_result res;
	unsigned char md[32];
	char hx[65], *text;
	struct stat st;

	write_file(dump, data, sizeof(data));
	unlink(man);
	assert_int_equal(elfcore_manifest_write(ctx, dump, man, 4096, 2), 0);
	assert_int_equal(stat(man, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = read_text(man);
	assert_non_null(strstr(text, "file vmcore\nsize 8292\nblock-size 4096\n"));
	assert_non_null(strstr(text, "block 2 "));
	assert_null(strstr(text, "block 3 "));
	/* the whole-file hash is what sha256sum prints */
	EVP_Digest(data, sizeof(data), md, NULL, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(hx + 2 * i, "%02x", md[i]);
	assert_non_null(strstr(text, hx));

	assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, &res), 0);
	assert_int_equal(res.blocks, 3);
	assert_int_equal(res.bad_blocks, 0);
	assert_true(res.whole_ok);
	assert_string_equal(res.file, "vmcore");

	/* never replaced */
	assert_int_equal(elfcore_manifest_write(ctx, dump, man, 4096, 1), -EEXIST);
}

/* compute + save, as kdump-capture does (hashing an open descriptor under
 * another name), one thread and two, write the same manifest as
 * elfcore_manifest_write(). */
static void test_compute_save(void **state)
{
	struct elfcore_manifest *m = NULL;
	char man2[4300], expect[65536];
	int fd;

	write_file(dump, data, sizeof(data));
	unlink(man);
	assert_int_equal(elfcore_manifest_write(ctx, dump, man, 4096, 1), 0);
	snprintf(expect, sizeof(expect), "%s", read_text(man));
	snprintf(man2, sizeof(man2), "%s.2", man);
	for (unsigned threads = 1; threads <= 2; threads++) {
		fd = open(dump, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(elfcore_manifest_compute(ctx, fd, "tmpname", 4096, threads, &m), 0);
		close(fd);
		assert_int_equal(elfcore_manifest_save(ctx, m, dump, man2), 0);
		elfcore_manifest_free(m);
		assert_string_equal(read_text(man2), expect);
		assert_int_equal(elfcore_manifest_verify(ctx, man2, dump, NULL), 0);
		unlink(man2);
	}
	/* an empty file: no blocks, the hash of nothing */
	write_file(dump, data, 0);
	fd = open(dump, O_RDONLY);
	assert_int_equal(elfcore_manifest_compute(ctx, fd, "empty", 0, 1, &m), 0);
	close(fd);
	assert_int_equal(elfcore_manifest_save(ctx, m, dump, man2), 0);
	elfcore_manifest_free(m);
	assert_non_null(strstr(read_text(man2), "size 0\n"));
	assert_int_equal(elfcore_manifest_verify(ctx, man2, dump, NULL), 0);
	unlink(man2);
}

static void test_damage(void **state)
{
	struct elfcore_manifest_result res;
	uint8_t copy[sizeof(data)];

	write_file(dump, data, sizeof(data));
	unlink(man);
	assert_int_equal(elfcore_manifest_write(ctx, dump, man, 4096, 1), 0);

	memcpy(copy, data, sizeof(copy));
	copy[4096 + 17] ^= 1;
	write_file(dump, copy, sizeof(copy));
	assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, &res), -EIO);
	assert_int_equal(res.bad_blocks, 1);
	assert_int_equal(res.first_bad, 1);
	assert_false(res.whole_ok);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "at byte 4096"));

	write_file(dump, data, 5000);                      /* truncated copy */
	assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, &res), -EIO);
	assert_int_equal(res.actual_size, 5000);
	assert_true(res.bad_blocks >= 1);

	write_file(dump, data, sizeof(data));
	assert_int_equal(elfcore_manifest_verify(ctx, man, dump, &res), 0);
}

/* A sparse dump (holes where the zero pages were, and at the end): its
 * holes are not read but hash as the zeros they are, so the manifest is the
 * one of the same bytes written out in full, and verify still finds a byte
 * written into a hole. */
static void test_sparse(void **state)
{
	static uint8_t dense[4096 * 6 + 300];
	char dense_dir[4300], dense_path[4400], dense_man[4400], expect[65536];
	struct elfcore_manifest_result res;
	struct elfcore_manifest *m = NULL;
	int fd;

	memset(dense, 0, sizeof(dense));
	memcpy(dense, data, 4096);                          /* block 0 */
	memcpy(dense + 4096 * 4, data + 4096, 100);         /* block 4, then zeros */
	unlink(dump);
	fd = open(dump, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, dense, 4096, 0), 4096);
	assert_int_equal(pwrite(fd, dense + 4096 * 4, 100, 4096 * 4), 100);
	assert_int_equal(ftruncate(fd, sizeof(dense)), 0);
	close(fd);
	fd = open(dump, O_RDONLY);
	assert_true(lseek(fd, 0, SEEK_HOLE) < (off_t)sizeof(dense));   /* really sparse */
	close(fd);

	snprintf(dense_dir, sizeof(dense_dir), "%s/dense", dir);
	snprintf(dense_path, sizeof(dense_path), "%s/vmcore", dense_dir);
	snprintf(dense_man, sizeof(dense_man), "%s/vmcore.sha256", dense_dir);
	assert_int_equal(mkdir(dense_dir, 0700), 0);
	write_file(dense_path, dense, sizeof(dense));
	assert_int_equal(elfcore_manifest_write(ctx, dense_path, dense_man, 4096, 1), 0);
	snprintf(expect, sizeof(expect), "%s", read_text(dense_man));

	for (unsigned threads = 1; threads <= 2; threads++) {
		unlink(man);
		assert_int_equal(elfcore_manifest_write(ctx, dump, man, 4096, threads), 0);
		assert_string_equal(read_text(man), expect);
		unlink(man);
		fd = open(dump, O_RDONLY);
		assert_int_equal(elfcore_manifest_compute(ctx, fd, "tmpname", 4096, threads, &m), 0);
		close(fd);
		assert_int_equal(elfcore_manifest_save(ctx, m, dump, man), 0);
		elfcore_manifest_free(m);
		assert_string_equal(read_text(man), expect);
	}
	assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, &res), 0);
	assert_int_equal(res.blocks, 7);

	/* a byte written into the hole of block 2 */
	fd = open(dump, O_WRONLY);
	assert_int_equal(pwrite(fd, "x", 1, 4096 * 2 + 5), 1);
	close(fd);
	assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, &res), -EIO);
	assert_int_equal(res.bad_blocks, 1);
	assert_int_equal(res.first_bad, 2);
	assert_false(res.whole_ok);
	/* cut in the tail hole: too short, the missing block counted bad */
	fd = open(dump, O_WRONLY);
	assert_int_equal(pwrite(fd, "\0", 1, 4096 * 2 + 5), 1);
	assert_int_equal(ftruncate(fd, 4096 * 5), 0);
	close(fd);
	assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, &res), -EIO);
	assert_int_equal(res.bad_blocks, 2);
	assert_int_equal(res.first_bad, 5);

	unlink(dense_man);
	unlink(dense_path);
	rmdir(dense_dir);
	unlink(man);
}

static void test_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"kdumpkit-manifest 2\n",
		"kdumpkit-manifest 1\nfile ../x\nsize 1\nblock-size 1\n",
		"kdumpkit-manifest 1\nfile vmcore\nsize 8292\nblock-size 0\n",
		"kdumpkit-manifest 1\nfile vmcore\nsize 8292\nblock-size 4096\nblock 1 00\n",
		"kdumpkit-manifest 1\nfile vmcore\nsize 0\nblock-size 4096\nsha256 zz\n",
		"kdumpkit-manifest 1\nfile vmcore\nsize 0\nblock-size 4096\nsha256 "
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",   /* no newline */
	};

	write_file(dump, data, sizeof(data));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unlink(man);
		write_file(man, bad[i], strlen(bad[i]));
		assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, NULL), -EINVAL);
	}
	/* an empty dump is fine */
	unlink(man);
	write_file(man, "kdumpkit-manifest 1\nfile vmcore\nsize 0\nblock-size 4096\nsha256 "
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n", 127);
	write_file(dump, "", 0);
	assert_int_equal(elfcore_manifest_verify(ctx, man, NULL, NULL), 0);
	unlink(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_compute_save),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
