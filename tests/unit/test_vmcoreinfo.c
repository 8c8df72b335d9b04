/* Unit tests for the VMCOREINFO parser and the bounds-checked cursor. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cursor.h"
#include "elfcore/vmcoreinfo.h"

/* An excerpt of a real 6.1 x86_64 VMCOREINFO note, as the kernel writes it. */
static const char sample[] =
	"OSRELEASE=6.1.0-56-amd64\n"
	"BUILD-ID=3a2b1c\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff96a13e40\n"
	"OFFSET(uts_namespace.name)=0\n"
	"SYMBOL(node_online_map)=ffffffff96b0b4a8\n"
	"SIZE(page)=64\n"
	"OFFSET(page.flags)=0\n"
	"LENGTH(zone.free_area)=11\n"
	"NUMBER(PG_lru)=4\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(pgtable_l5_enabled)=1\n"
	"KERNELOFFSET=14a00000\n"
	"CRASHTIME=1764070000\n";

#include "unit_ctx.h"

static struct elfcore_vmcoreinfo *parse_ok(const char *text, size_t size)
{
	struct elfcore_vmcoreinfo *vi = NULL;

	assert_int_equal(elfcore_vmcoreinfo_parse(ctx, text, size, &vi), 0);
	assert_non_null(vi);
	return vi;
}

static void parse_fails(const char *text, size_t size, const char *expected_msg)
{
	struct elfcore_vmcoreinfo *vi = (void *)1;

	assert_int_equal(elfcore_vmcoreinfo_parse(ctx, text, size, &vi), -EINVAL);
	assert_null(vi);
	assert_non_null(strstr(elfcore_ctx_error(ctx), expected_msg));
}

static void test_typed_values(void **state)
{
	struct elfcore_vmcoreinfo *vi = parse_ok(sample, sizeof(sample) - 1);
	const char *s;
	uint64_t u;
	int64_t n;

	assert_int_equal(elfcore_vmcoreinfo_count(vi), 14);
	assert_int_equal(elfcore_vmcoreinfo_string(ctx, vi, "OSRELEASE", &s), 0);
	assert_string_equal(s, "6.1.0-56-amd64");
	assert_int_equal(elfcore_vmcoreinfo_symbol(ctx, vi, "init_uts_ns", &u), 0);
	assert_true(u == 0xffffffff96a13e40ull);
	assert_int_equal(elfcore_vmcoreinfo_size(ctx, vi, "page", &u), 0);
	assert_int_equal(u, 64);
	assert_int_equal(elfcore_vmcoreinfo_offset(ctx, vi, "uts_namespace.name", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(elfcore_vmcoreinfo_length(ctx, vi, "zone.free_area", &u), 0);
	assert_int_equal(u, 11);
	assert_int_equal(elfcore_vmcoreinfo_number(ctx, vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &n), 0);
	assert_int_equal(n, -129);
	assert_int_equal(elfcore_vmcoreinfo_number(ctx, vi, "pgtable_l5_enabled", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(elfcore_vmcoreinfo_hex(ctx, vi, "KERNELOFFSET", &u), 0);
	assert_true(u == 0x14a00000ull);
	assert_int_equal(elfcore_vmcoreinfo_u64(ctx, vi, "PAGESIZE", &u), 0);
	assert_int_equal(u, 4096);
	assert_int_equal(elfcore_vmcoreinfo_u64(ctx, vi, "CRASHTIME", &u), 0);
	assert_int_equal(u, 1764070000);
	elfcore_vmcoreinfo_free(vi);
}

static void test_missing_and_mistyped(void **state)
{
	struct elfcore_vmcoreinfo *vi = parse_ok(sample, sizeof(sample) - 1);
	uint64_t u = 77;
	int64_t n;

	assert_int_equal(elfcore_vmcoreinfo_symbol(ctx, vi, "no_such_symbol", &u), -ENOENT);
	assert_int_equal(u, 77);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "SYMBOL(no_such_symbol)"));
	/* A symbol is hex, so a SIZE lookup of a hex-looking value must not pass as decimal. */
	assert_int_equal(elfcore_vmcoreinfo_u64(ctx, vi, "OSRELEASE", &u), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "OSRELEASE"));
	assert_int_equal(elfcore_vmcoreinfo_u64(ctx, vi, "KERNELOFFSET", &u), -EINVAL);
	assert_int_equal(elfcore_vmcoreinfo_number(ctx, vi, "PG_lru", &n), 0);
	assert_int_equal(elfcore_vmcoreinfo_get(vi, "OSRELEASE=6"), NULL);
	elfcore_vmcoreinfo_free(vi);
}

static void test_overflow_rejected(void **state)
{
	static const char text[] = "SIZE(x)=18446744073709551616\nNUMBER(y)=-9223372036854775809\n"
				   "NUMBER(z)=-9223372036854775808\nSYMBOL(w)=\n";
	struct elfcore_vmcoreinfo *vi = parse_ok(text, sizeof(text) - 1);
	uint64_t u;
	int64_t n;

	assert_int_equal(elfcore_vmcoreinfo_size(ctx, vi, "x", &u), -EINVAL);
	assert_int_equal(elfcore_vmcoreinfo_number(ctx, vi, "y", &n), -EINVAL);
	assert_int_equal(elfcore_vmcoreinfo_number(ctx, vi, "z", &n), 0);
	assert_true(n == INT64_MIN);
	assert_int_equal(elfcore_vmcoreinfo_symbol(ctx, vi, "w", &u), -EINVAL);
	elfcore_vmcoreinfo_free(vi);
}

static void test_note_padding(void **state)
{
	static const char text[] = "OSRELEASE=6.1\nPAGESIZE=4096\n\0\0\0";
	struct elfcore_vmcoreinfo *vi = parse_ok(text, sizeof(text));

	assert_int_equal(elfcore_vmcoreinfo_count(vi), 2);
	elfcore_vmcoreinfo_free(vi);
}

static void test_bad_input(void **state)
{
	static const char nul_inside[] = "OSRELEASE=6.1\n\0PAGESIZE=4096\n";
	char big[ELFCORE_VMCOREINFO_MAX_LINE + 16];

	parse_fails("OSRELEASE=6.1\ngarbage line\n", 28, "line 2: no '='");
	parse_fails("=value\n", 7, "line 1: bad key");
	parse_fails("KEY WITH SPACE=1\n", 17, "bad key");
	parse_fails("A=1\nA=2\n", 8, "duplicate key A");
	parse_fails(nul_inside, sizeof(nul_inside) - 1, "NUL byte");
	parse_fails("", 0, "no entries");
	parse_fails("\n\n\n", 3, "no entries");
	memset(big, 'A', sizeof(big));
	big[0] = 'K';
	big[1] = '=';
	parse_fails(big, sizeof(big), "longer than");
}

static void test_too_many_lines(void **state)
{
	static char text[(ELFCORE_VMCOREINFO_MAX_LINES + 1) * 4];

	for (size_t i = 0; i + 4 <= sizeof(text); i += 4)
		memcpy(text + i, "A=1\n", 4);
	parse_fails(text, sizeof(text), "lines, more than");
}

static void test_cursor_bounds(void **state)
{
	static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };
	struct ec_cursor c;
	uint64_t v64 = 0;
	uint32_t v32 = 0;
	uint16_t v16 = 0;

	ec_cursor_init(&c, ctx, "test buffer", bytes, sizeof(bytes));
	assert_int_equal(ec_cursor_u16le(&c, &v16), 0);
	assert_int_equal(v16, 0x0201);
	assert_int_equal(ec_cursor_u32be(&c, &v32), 0);
	assert_int_equal(v32, 0x03040506);
	/* 3 bytes left: an 8-byte read fails and leaves the position alone. */
	assert_int_equal(ec_cursor_u64le(&c, &v64), -EINVAL);
	assert_int_equal(v64, 0);
	assert_int_equal(c.pos, 6);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "test buffer: truncated"));
	assert_int_equal(ec_cursor_align(&c, 16), -EINVAL);
	assert_int_equal(ec_cursor_seek(&c, 10), -EINVAL);
	assert_int_equal(ec_cursor_seek(&c, 1), 0);
	assert_int_equal(ec_cursor_align(&c, 8), 0);
	assert_int_equal(c.pos, 8);
	assert_int_equal(ec_cursor_u64be(&c, &v64), -EINVAL);
	assert_int_equal(ec_cursor_skip(&c, 1), 0);
	assert_int_equal(ec_cursor_left(&c), 0);
	assert_int_equal(ec_cursor_skip(&c, SIZE_MAX), -EINVAL);
}

static void test_ctx_prefix(void **state)
{
	elfcore_ctx_clear(ctx);
	assert_int_equal(elfcore_ctx_set_error(ctx, -EINVAL, "page %d: bad", 7), -EINVAL);
	assert_int_equal(elfcore_ctx_prefix(ctx, -EINVAL, "%s", "dump.kdump"), -EINVAL);
	assert_string_equal(elfcore_ctx_error(ctx), "dump.kdump: page 7: bad");
	elfcore_ctx_clear(ctx);
	elfcore_ctx_prefix(ctx, -ENOENT, "x");
	assert_string_equal(elfcore_ctx_error(ctx), "x: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_values),
		cmocka_unit_test(test_missing_and_mistyped),
		cmocka_unit_test(test_overflow_rejected),
		cmocka_unit_test(test_note_padding),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_cursor_bounds),
		cmocka_unit_test(test_ctx_prefix),
	};
	return cmocka_run_group_tests_name("vmcoreinfo", tests, setup, teardown);
}
