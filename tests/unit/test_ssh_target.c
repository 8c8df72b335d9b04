/* Unit tests for the SSH sink's option parsing (capture/ssh_conn.c):
 * USER@HOST[:PORT] with IPv6 brackets, the option table, validation. */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ssh_df.h"
#include "ssh_sink.h"

#include "unit_ctx.h"

static void test_parse_good(void **state)
{
	struct ssh_target t;

	(void)state;
	ssh_target_init(&t);
	assert_int_equal(t.port, 22);
	assert_int_equal(t.mode, SSH_MODE_SFTP);
	assert_int_equal(ssh_target_parse(ctx, &t, "root@collector"), 0);
	assert_string_equal(t.user, "root");
	assert_string_equal(t.host, "collector");
	assert_int_equal(t.port, 22);
	assert_int_equal(ssh_target_parse(ctx, &t, "dumps@10.0.2.2:2222"), 0);
	assert_string_equal(t.user, "dumps");
	assert_string_equal(t.host, "10.0.2.2");
	assert_int_equal(t.port, 2222);
	assert_int_equal(ssh_target_parse(ctx, &t, "u@[fd00::1]:65535"), 0);
	assert_string_equal(t.host, "fd00::1");
	assert_int_equal(t.port, 65535);
	assert_int_equal(ssh_target_parse(ctx, &t, "u@[::1]"), 0);
	assert_string_equal(t.host, "::1");
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"host", "@host", "u@", "u@host:", "u@host:0", "u@host:65536", "u@host:-1",
		"u@host:22x", "u@[::1", "u@[::1]x", "u@[]:22",
	};
	struct ssh_target t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ssh_target_init(&t);
		assert_int_equal(ssh_target_parse(ctx, &t, bad[i]), -EINVAL);
		assert_non_null(strstr(elfcore_ctx_error(ctx), "--ssh"));
	}
}

static void test_options(void **state)
{
	struct ssh_target t;

	(void)state;
	ssh_target_init(&t);
	assert_int_equal(ssh_target_validate(ctx, &t), -EINVAL);
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_SSH, "a@b:2"), 1);
	assert_int_equal(ssh_target_validate(ctx, &t), -EINVAL);   /* no key */
	assert_non_null(strstr(elfcore_ctx_error(ctx), "--ssh-key"));
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_KEY, "/k"), 1);
	assert_int_equal(ssh_target_validate(ctx, &t), 0);
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_MODE, "exec"), 1);
	assert_int_equal(t.mode, SSH_MODE_EXEC);
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_MODE, "scp"), -EINVAL);
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_RETRY, "7"), 1);
	assert_int_equal(t.retry_seconds, 7);
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_RETRY, "x"), -EINVAL);
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_TIMEOUT, "0"), -EINVAL);
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_KNOWN_HOSTS, "/kh"), 1);
	assert_string_equal(t.known_hosts, "/kh");
	assert_int_equal(ssh_target_option(ctx, &t, SSH_OPT_REMOTE_DIR, "/d"), 1);
	assert_string_equal(t.remote_dir, "/d");
	assert_int_equal(ssh_target_option(ctx, &t, 'x', "whatever"), 0);   /* not ours */
}

static void test_open_rejects_names(void **state)
{
	const struct elfcore_sink_ops *ops;
	struct ssh_sink *s;
	struct ssh_target t;

	(void)state;
	ssh_target_init(&t);
	assert_int_equal(ssh_target_parse(ctx, &t, "a@127.0.0.1:1"), 0);
	t.key_path = "/nonexistent";
	/* Checked before any connection is attempted. */
	assert_int_equal(ssh_sink_open(ctx, &t, "a/b", NULL, NULL, &ops, &s), -EINVAL);
	assert_int_equal(ssh_sink_open(ctx, &t, "..", NULL, NULL, &ops, &s), -EINVAL);
	assert_int_equal(ssh_sink_open(ctx, &t, "", NULL, NULL, &ops, &s), -EINVAL);
}

/* Exec mode's --check: the remote `pwd && df -Pk .` reply. */
static void test_parse_df(void **state)
{
	static const char good[] = "/srv/dumps\nFilesystem 1024-blocks Used Available Capacity "
				   "Mounted on\n/dev/sda1 1000 400 600 40% /\n";
	char dir[64];
	uint64_t total = 0, avail = 0;

	(void)state;
	assert_int_equal(ssh_parse_df(good, strlen(good), dir, sizeof(dir), &total, &avail), 0);
	assert_string_equal(dir, "/srv/dumps");
	assert_int_equal(total, 1000 * 1024);
	assert_int_equal(avail, 600 * 1024);
	/* Too long for dir, cut short, not numbers, no numbers line. */
	assert_int_equal(ssh_parse_df(good, strlen(good), dir, 5, &total, &avail), -EPROTO);
	assert_int_equal(ssh_parse_df(good, 20, dir, sizeof(dir), &total, &avail), -EPROTO);
	assert_int_equal(ssh_parse_df("/\nh\nfs 1 x 2\n", 14, dir, sizeof(dir), &total, &avail),
			 -EPROTO);
	assert_int_equal(ssh_parse_df("/\nh\n", 5, dir, sizeof(dir), &total, &avail), -EPROTO);
	assert_int_equal(ssh_parse_df("/\nh\nfs 99999999999999999999 1 1\n", 33, dir,
				      sizeof(dir), &total, &avail), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_open_rejects_names),
		cmocka_unit_test(test_parse_df),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
