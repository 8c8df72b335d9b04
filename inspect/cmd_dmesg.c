/* kdump-inspect dmesg DUMP: the kernel log, byte for byte as
 * makedumpfile --dump-dmesg writes it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "elfcore/printk.h"
#include "kview.h"
#include "cmd_kernel.h"

static int write_stdout(void *arg, const void *buf, size_t len)
{
	return fwrite(buf, 1, len, arg) == len ? 0 : -EIO;
}

int cmd_dmesg(int argc, char **argv)
{
	struct kview kv;
	int ret, code;

	if (argc != 2) {
		kview_usage_error("usage: kdump-inspect dmesg DUMP");
		return KV_EXIT_USAGE;
	}
	code = kview_open(&kv, argv[1], 1);
	if (code)
		return code;
	ret = elfcore_printk_dump(kv.kernel, write_stdout, stdout);
	if (!ret && fflush(stdout) != 0)
		ret = elfcore_ctx_set_error(kv.ctx, -EIO, "writing the log: %s", strerror(errno));
	code = ret ? kview_fail(&kv, ret) : KV_EXIT_OK;
	if (ret == -EIO && ferror(stdout))
		code = KV_EXIT_USAGE;
	kview_close(&kv);
	return code;
}
