/* libFuzzer target: the kernel log walker (lockless ringbuffer and log_buf
 * records) and the dmesg formatter, on arbitrary ring memory.
 *
 * Input: byte 0 picks the layout (bit 0: 3.5-5.9 log_buf, else lockless),
 * the rest is kernel memory at physical SP_BASE_PA (up to 64K), reachable
 * through the synthetic direct map of tests/unit/synth_mem.h. The lockless
 * layout's VMCOREINFO is the one of tests/unit/synth_printk.h; seeds come
 * from tests/gen/gen_printk_seed.c. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "elfcore/printk.h"
#include "../unit/synth_printk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int discard(void *arg, const void *buf, size_t len)
{
	size_t *total = arg;

	*total += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct synth_mem m;
	struct elfcore_ctx *ctx;
	struct elfcore_vmcoreinfo *vi = NULL;
	struct elfcore_kernel *k = NULL;
	size_t total = 0;
	uint64_t va;

	if (size < 1 || size > 65536 + 1)
		return 0;
	synth_init(&m, 4);
	synth_write(&m, SP_BASE_PA, data + 1, size - 1);
	va = m.page_offset + SP_BASE_PA;
	if (data[0] & 1) {
		synth_vi_add(&m, "SYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\n"
			     "SYMBOL(log_first_idx)=%llx\nSYMBOL(log_next_idx)=%llx\n",
			     (unsigned long long)va, (unsigned long long)(va + 8),
			     (unsigned long long)(va + 12), (unsigned long long)(va + 16));
		synth_vi_add(&m, "SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n"
			     "OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n");
	} else {
		synth_vi_add(&m, "SYMBOL(prb)=%llx\n%s", (unsigned long long)va, synth_prb_vmcoreinfo);
	}
	ctx = elfcore_ctx_new();
	if (ctx && elfcore_vmcoreinfo_parse(ctx, m.vmcoreinfo, m.vmcoreinfo_len, &vi) == 0 &&
	    elfcore_kernel_open_mem(ctx, vi, synth_read, &m, &k) == 0)
		elfcore_printk_dump(k, discard, &total);
	elfcore_kernel_close(k);
	elfcore_vmcoreinfo_free(vi);
	elfcore_ctx_free(ctx);
	synth_free(&m);
	return 0;
}
