/* Unit tests for the kdumpkit.conf parser (elfcore/kdumpconf.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elfcore/kdumpconf.h"

#include "unit_ctx.h"

static struct elfcore_kdumpconf *parse_ok(const char *text)
{
	struct elfcore_kdumpconf *conf = NULL;
	int ret = elfcore_kdumpconf_parse(ctx, text, strlen(text), &conf);

	if (ret)
		fail_msg("parse failed: %s", elfcore_ctx_error(ctx));
	assert_non_null(conf);
	return conf;
}

static void parse_fails(const char *text, const char *expected_msg)
{
	struct elfcore_kdumpconf *conf = (void *)1;

	elfcore_ctx_clear(ctx);
	assert_int_equal(elfcore_kdumpconf_parse(ctx, text, strlen(text), &conf), -EINVAL);
	assert_null(conf);
	if (!strstr(elfcore_ctx_error(ctx), expected_msg))
		fail_msg("message \"%s\" lacks \"%s\"", elfcore_ctx_error(ctx), expected_msg);
}

static void test_defaults(void **state)
{
	struct elfcore_kdumpconf *conf = parse_ok("");
	unsigned u;

	assert_string_equal(elfcore_kdumpconf_get(conf, "path"), "/var/crash");
	assert_string_equal(elfcore_kdumpconf_get(conf, "dump_level"), "31");
	assert_string_equal(elfcore_kdumpconf_get(conf, "compress"), "lzo");
	assert_string_equal(elfcore_kdumpconf_get(conf, "failure_action"), "reboot");
	assert_string_equal(elfcore_kdumpconf_get(conf, "dmesg_only"), "no");
	assert_string_equal(elfcore_kdumpconf_get(conf, "ssh"), "");
	assert_null(elfcore_kdumpconf_get(conf, "nonsense"));
	assert_int_equal(elfcore_kdumpconf_line(conf, "path"), 0);
	assert_int_equal(elfcore_kdumpconf_uint(ctx, conf, "keep", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(elfcore_kdumpconf_uint(ctx, conf, "path", &u), -ENOENT);
	elfcore_kdumpconf_free(conf);
}

static void test_full_local(void **state)
{
	struct elfcore_kdumpconf *conf = parse_ok(
		"# kdumpkit.conf\n"
		"\n"
		"kernel /boot/vmlinuz-6.1.0-56-amd64\n"
		"  append   irqpoll  nr_cpus=1 \t\n"
		"disk UUID=0b3e-11\r\n"
		"fstype ext4\n"
		"path /dumps\n"
		"dump_level 1\n"
		"compress zlib\n"
		"threads 4\n"
		"keep 2\n"
		"dmesg_only On\n"
		"kdump_pre /etc/kdumpkit/pre.sh\n"
		"failure_action dump_to_rootfs\n"
		"final_action poweroff\n"
		"modules virtio_blk ext4\n"
		"loader kexec\n"
		"capturer makedumpfile");
	unsigned u;

	assert_string_equal(elfcore_kdumpconf_get(conf, "append"), "irqpoll  nr_cpus=1");
	assert_string_equal(elfcore_kdumpconf_get(conf, "disk"), "UUID=0b3e-11");
	assert_string_equal(elfcore_kdumpconf_get(conf, "dmesg_only"), "yes");
	assert_string_equal(elfcore_kdumpconf_get(conf, "capturer"), "makedumpfile");
	assert_int_equal(elfcore_kdumpconf_line(conf, "path"), 7);
	assert_int_equal(elfcore_kdumpconf_line(conf, "capturer"), 18);
	assert_int_equal(elfcore_kdumpconf_uint(ctx, conf, "threads", &u), 0);
	assert_int_equal(u, 4);
	elfcore_kdumpconf_free(conf);
}

static void test_ssh(void **state)
{
	struct elfcore_kdumpconf *conf = parse_ok(
		"ssh kdump@collector.example.org:2222\n"
		"sshkey /root/.ssh/id_kdump\n"
		"net_iface eth0\n"
		"net_addr 10.0.2.15/24\n"
		"net_gateway 10.0.2.2\n");
	char *sh = NULL;

	assert_int_equal(elfcore_kdumpconf_shell(ctx, conf, &sh), 0);
	assert_non_null(strstr(sh, "KDUMP_TARGET='ssh'\n"));
	assert_non_null(strstr(sh, "KDUMP_SSH_USER='kdump'\n"));
	assert_non_null(strstr(sh, "KDUMP_SSH_HOST='collector.example.org'\n"));
	assert_non_null(strstr(sh, "KDUMP_SSH_PORT='2222'\n"));
	assert_non_null(strstr(sh, "KDUMP_NET_ADDR='10.0.2.15/24'\n"));
	free(sh);
	elfcore_kdumpconf_free(conf);

	conf = parse_ok("ssh root@[::1]\n");
	assert_int_equal(elfcore_kdumpconf_shell(ctx, conf, &sh), 0);
	assert_non_null(strstr(sh, "KDUMP_SSH_HOST='::1'\n"));
	assert_non_null(strstr(sh, "KDUMP_SSH_PORT='22'\n"));
	free(sh);
	elfcore_kdumpconf_free(conf);
}

static void test_shell_quoting(void **state)
{
	struct elfcore_kdumpconf *conf = parse_ok("append a='$(reboot)' b=\"`x`\" c=it's\n");
	char *sh = NULL;

	assert_int_equal(elfcore_kdumpconf_shell(ctx, conf, &sh), 0);
	assert_non_null(strstr(sh, "KDUMP_APPEND='a='\\''$(reboot)'\\'' b=\"`x`\" c=it'\\''s'\n"));
	assert_non_null(strstr(sh, "KDUMP_TARGET='local'\n"));
	assert_non_null(strstr(sh, "KDUMP_SSH_PORT=''\n"));
	assert_non_null(strstr(sh, "KDUMP_DUMP_LEVEL='31'\n"));
	free(sh);
	elfcore_kdumpconf_free(conf);
}

static void test_errors_name_the_line(void **state)
{
	parse_fails("path /a\n\nfoo bar\n", "line 3: unknown key \"foo\"");
	parse_fails("path /a\npath /b\n", "line 2: path given twice (first on line 1)");
	parse_fails("dump_level 32\n", "line 1: dump_level: 32 is not in 0..31");
	parse_fails("dump_level -1\n", "line 1: dump_level: -1 is not in 0..31");
	parse_fails("dump_level 99999999999999999999\n", "is not in 0..31");
	parse_fails("threads 0\n", "line 1: threads: 0 is not in 1..256");
	parse_fails("# c\ncompress bzip2\n", "line 2: compress: \"bzip2\" is not one of none, zlib, lzo, zstd");
	parse_fails("path var/crash\n", "line 1: path: \"var/crash\" is not an absolute path");
	parse_fails("path /var/my crash\n", "blanks are not allowed");
	parse_fails("keep\n", "line 1: keep: no value");
	parse_fails("dmesg_only maybe\n", "is not yes or no");
	parse_fails("ssh host.example\n", "is not user@host[:port]");
	parse_fails("ssh -oProxyCommand=x@h\n", "bad user name");
	parse_fails("ssh u@-oProxyCommand=x\n", "bad host name");
	parse_fails("ssh u@h:0\n", "bad port");
	parse_fails("ssh u@h:65536\n", "bad port");
	parse_fails("ssh u@[::1\n", "bad IPv6");
	parse_fails("disk sda1\n", "is not /dev/...");
	parse_fails("disk /dev/\n", "bad device");
	parse_fails("disk /dev/vd$a\n", "bad character");
	parse_fails("fstype ext 4\n", "bad character");
	parse_fails("modules virtio;reboot\n", "bad character");
	parse_fails("append a\001b\n", "byte 0x01 is not printable");
	parse_fails("net_addr 10.0.0.256/24\n", "is not dhcp or a.b.c.d/prefix");
	parse_fails("net_addr 10.0.0.1/33\n", "is not dhcp");
	parse_fails("ssh a@b\nnet_gateway 10.0.0\n", "line 2: net_gateway: \"10.0.0\" is not an IPv4 address");
	parse_fails("failure_action explode\n", "is not one of reboot, halt, poweroff, shell, dump_to_rootfs");
}

static void test_combinations(void **state)
{
	parse_fails("path /x\nsshkey /k\n", "line 2: sshkey needs an ssh target");
	parse_fails("ssh a@b\ndisk /dev/vda\n", "line 2: disk and ssh (line 1) are two targets");
	parse_fails("fstype ext4\n", "line 1: fstype needs disk");
	parse_fails("ssh a@b\nnet_gateway 1.2.3.4\n", "line 2: net_gateway needs a static net_addr");
	parse_fails("format elf\ncompress zlib\n", "line 2: compress zlib needs format kdump");

	struct elfcore_kdumpconf *conf = parse_ok("format elf\n");
	assert_string_equal(elfcore_kdumpconf_get(conf, "compress"), "none");
	elfcore_kdumpconf_free(conf);
}

static void test_limits(void **state)
{
	struct elfcore_kdumpconf *conf = (void *)1;
	size_t big = ELFCORE_KDUMPCONF_MAX_SIZE + 1;
	char *text = malloc(big);

	assert_non_null(text);
	assert_int_equal(elfcore_kdumpconf_parse(ctx, "path /a\0x", 9, &conf), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "NUL byte at offset 7"));

	memset(text, '#', big);
	assert_int_equal(elfcore_kdumpconf_parse(ctx, text, big, &conf), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "more than"));

	memset(text, '#', ELFCORE_KDUMPCONF_MAX_LINE + 1);
	assert_int_equal(elfcore_kdumpconf_parse(ctx, text, ELFCORE_KDUMPCONF_MAX_LINE + 1, &conf), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "line 1: longer than"));

	memset(text, '\n', ELFCORE_KDUMPCONF_MAX_LINES + 1);
	assert_int_equal(elfcore_kdumpconf_parse(ctx, text, ELFCORE_KDUMPCONF_MAX_LINES + 1, &conf), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(ctx), "more than 4096 lines"));
	free(text);
}

static void test_key_list(void **state)
{
	size_t n = 0;

	while (elfcore_kdumpconf_key(n))
		n++;
	assert_true(n >= 20);
	assert_string_equal(elfcore_kdumpconf_key(0), "kernel");
	for (size_t i = 0; i < n; i++) {
		struct elfcore_kdumpconf *conf = parse_ok("");

		/* every listed key has an effective value */
		assert_non_null(elfcore_kdumpconf_get(conf, elfcore_kdumpconf_key(i)));
		elfcore_kdumpconf_free(conf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_local),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_shell_quoting),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_combinations),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_key_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
