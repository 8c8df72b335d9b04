/* kdump-inspect read DUMP ADDR LEN [--phys] [--raw]: memory of the dumped
 * kernel, virtual by default (through its page tables), as a hexdump or as
 * raw bytes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kview.h"
#include "cmd_kernel.h"

#define CHUNK 65536

static void hexdump(uint64_t addr, const uint8_t *buf, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		printf("%016" PRIx64 " ", addr + off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				putchar(' ');
			if (i < n)
				printf(" %02x", buf[off + i]);
			else
				fputs("   ", stdout);
		}
		fputs("  |", stdout);
		for (size_t i = 0; i < n; i++)
			putchar(buf[off + i] >= 0x20 && buf[off + i] < 0x7f ? buf[off + i] : '.');
		fputs("|\n", stdout);
	}
}

int cmd_read(int argc, char **argv)
{
	static uint8_t buf[CHUNK];
	const char *pos[3];
	int npos = 0, phys = 0, raw = 0, ret = 0, code;
	uint64_t addr, len;
	struct kview kv;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--phys") == 0)
			phys = 1;
		else if (strcmp(argv[i], "--raw") == 0)
			raw = 1;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			npos = 99;
		else if (npos < 3)
			pos[npos++] = argv[i];
		else
			npos = 99;
	}
	if (npos != 3) {
		kview_usage_error("usage: kdump-inspect read DUMP ADDR LEN [--phys] [--raw]");
		return KV_EXIT_USAGE;
	}
	if (kview_parse_u64(pos[1], &addr) || kview_parse_u64(pos[2], &len) || addr + len < addr) {
		kview_usage_error("read: bad address or length \"%s\" \"%s\"", pos[1], pos[2]);
		return KV_EXIT_USAGE;
	}
	code = kview_open(&kv, pos[0], !phys);
	if (code)
		return code;
	for (uint64_t done = 0; done < len && !ret; done += CHUNK) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;

		if (phys)
			ret = elfcore_dump_read_phys(kv.dump, addr + done, buf, n);
		else
			ret = elfcore_kernel_read(kv.kernel, addr + done, buf, n);
		if (ret)
			break;
		if (raw) {
			if (fwrite(buf, 1, n, stdout) != n)
				ret = elfcore_ctx_set_error(kv.ctx, -EIO, "writing: %s", strerror(errno));
		} else {
			hexdump(addr + done, buf, n);
		}
	}
	if (!ret && fflush(stdout) != 0)
		ret = elfcore_ctx_set_error(kv.ctx, -EIO, "writing: %s", strerror(errno));
	code = ret ? kview_fail(&kv, ret) : KV_EXIT_OK;
	if (ret == -EFAULT)
		code = KV_EXIT_USAGE;   /* not mapped: a question about the address */
	kview_close(&kv);
	return code;
}
