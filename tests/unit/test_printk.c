/* Unit tests for the kernel log reader: a synthetic lockless ringbuffer
 * (tests/unit/synth_printk.h) with known records, wrap-around of the data
 * ring and of descriptor ids, reused slots; the 3.5-5.9 log_buf records and
 * the plain pre-3.5 buffer; damaged rings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "elfcore/printk.h"
#include "synth_printk.h"

struct fixture {
	struct elfcore_ctx *ctx;
	struct synth_mem mem;
	struct synth_prb prb;
	struct elfcore_vmcoreinfo *vi;
	struct elfcore_kernel *k;
	char out[65536];
	size_t out_len;
};

static struct fixture *fx;

static int collect(void *arg, const void *buf, size_t len)
{
	struct fixture *f = arg;

	if (len > sizeof(f->out) - 1 - f->out_len)
		return -ENOSPC;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	f->out[f->out_len] = '\0';
	return 0;
}

static int run_dump(void)
{
	int ret = elfcore_vmcoreinfo_parse(fx->ctx, fx->mem.vmcoreinfo, fx->mem.vmcoreinfo_len, &fx->vi);

	if (!ret)
		ret = elfcore_kernel_open_mem(fx->ctx, fx->vi, synth_read, &fx->mem, &fx->k);
	if (!ret)
		ret = elfcore_printk_dump(fx->k, collect, fx);
	return ret;
}

static int setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->ctx = elfcore_ctx_new();
	synth_init(&fx->mem, 4);
	return 0;
}

static int teardown(void **state)
{
	elfcore_kernel_close(fx->k);
	elfcore_vmcoreinfo_free(fx->vi);
	synth_free(&fx->mem);
	elfcore_ctx_free(fx->ctx);
	free(fx);
	return 0;
}

#define ADD(ts, s, st) synth_prb_add(&fx->prb, ts, s, sizeof(s) - 1, st)

static void test_lockless_format(void **state)
{
	synth_prb_init(&fx->prb, &fx->mem, 4, 12, 0);
	ADD(0, "Linux version 6.1.0-synthetic", 2);
	ADD(1500000000, "line1\nline2", 2);
	ADD(UINT64_C(12345678901234), "\x01tab\there\x7f\xe9", 2);
	ADD(12000000000, "", 2);                       /* data-less: skipped */
	ADD(13000000000, "still being written", 0);   /* reserved: skipped */
	ADD(UINT64_C(123456789012345), "sysrq: Trigger a crash", 1);
	synth_prb_finish(&fx->prb);
	assert_int_equal(run_dump(), 0);
	assert_string_equal(fx->out,
			    "[    0.000000] Linux version 6.1.0-synthetic\n"
			    "[    1.500000] line1\n"
			    "               line2\n"
			    "[12345.678901] \\x01tab\there\\x7f\\xffffffe9\n"
			    "[123456.789012] sysrq: Trigger a crash\n");
}

/* 60 records through a 256-byte data ring and 16 descriptors, with ids
 * crossing the top of the id space: only the records still whole remain,
 * some of them stored wrapped at the start of the ring. */
static void test_lockless_wrap(void **state)
{
	char text[32], expect[4096] = "";
	size_t elen = 0;
	int wrapped = 0;

	synth_prb_init(&fx->prb, &fx->mem, 4, 8, SP_ID_MASK - 20);
	for (int i = 0; i < 60; i++) {
		int n = snprintf(text, sizeof(text), "message %02d%.*s", i, i % 7, "xxxxxxx");

		synth_prb_add(&fx->prb, (uint64_t)i * 1000000, text, (size_t)n, 2);
	}
	synth_prb_finish(&fx->prb);
	assert_true(fx->prb.nlive > 3 && fx->prb.nlive < 16);
	for (size_t j = 0; j < fx->prb.nlive; j++) {
		uint64_t id = fx->prb.live_id[j];
		int i = (int)((id - ((SP_ID_MASK - 20) & SP_ID_MASK)) & SP_ID_MASK);
		uint64_t slot = id % 16, b = synth_r64(&fx->mem, fx->prb.descs_pa + 24 * slot + 8),
			 nx = synth_r64(&fx->mem, fx->prb.descs_pa + 24 * slot + 16);

		wrapped |= b % 256 > nx % 256;
		elen += (size_t)snprintf(expect + elen, sizeof(expect) - elen, "[    0.%06d] message %02d%.*s\n",
					 i * 1000, i, i % 7, "xxxxxxx");
	}
	assert_true(wrapped);
	assert_int_equal(fx->prb.live_id[fx->prb.nlive - 1], (SP_ID_MASK - 20 + 59) & SP_ID_MASK);
	assert_int_equal(run_dump(), 0);
	assert_string_equal(fx->out, expect);
	assert_non_null(strstr(fx->out, "message 59xxx\n"));
}

/* A text_len longer than the block is cut at the block's end, padding
 * included, as makedumpfile does. */
static void test_lockless_truncated(void **state)
{
	synth_prb_init(&fx->prb, &fx->mem, 4, 12, 0);
	ADD(0, "abcde", 2);
	synth_prb_finish(&fx->prb);
	sp_w16(&fx->mem, fx->prb.infos_pa + 16, 200);
	assert_int_equal(run_dump(), 0);
	assert_string_equal(fx->out, "[    0.000000] abcde\\x00\\x00\\x00\n");
}

/* A slot reused by a newer id is skipped when walking an older id. */
static void test_lockless_reused_slot(void **state)
{
	synth_prb_init(&fx->prb, &fx->mem, 4, 12, 0);
	ADD(0, "one", 2);
	ADD(0, "two", 2);
	ADD(0, "three", 2);
	synth_prb_finish(&fx->prb);
	/* Slot of id 1 now claims id 17 (reused, not yet finished). */
	synth_w64(&fx->mem, fx->prb.descs_pa + 24 * 1, SP_STATE(2) | 17);
	assert_int_equal(run_dump(), 0);
	assert_string_equal(fx->out, "[    0.000000] one\n[    0.000000] three\n");
}

static void test_lockless_damaged(void **state)
{
	synth_prb_init(&fx->prb, &fx->mem, 4, 12, 0);
	ADD(0, "one", 2);
	synth_prb_finish(&fx->prb);
	sp_w32(&fx->mem, fx->prb.rb_pa, 60);  /* count_bits */
	assert_int_equal(run_dump(), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "descriptor ring of 2^60"));
	sp_w32(&fx->mem, fx->prb.rb_pa, 4);
	synth_w64(&fx->mem, fx->prb.rb_pa + 24, 1000);  /* head_id far from tail */
	assert_int_equal(elfcore_printk_dump(fx->k, collect, fx), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "apart in a ring of 16"));
	synth_w64(&fx->mem, fx->prb.rb_pa + 24, 0);
	synth_w64(&fx->mem, fx->prb.rb_pa + 56, fx->mem.page_offset + 0x30000000);  /* data not in the dump */
	assert_int_equal(elfcore_printk_dump(fx->k, collect, fx), -ENOENT);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "text data ring"));
}

/* 3.5 to 5.9: struct printk_log { u64 ts_nsec; u16 len, text_len, dict_len;
 * u8 facility; u8 flags:5, level:3; } (16 bytes), records padded to 8. */
#define LB_PA   UINT64_C(0x200000)
#define LB_VAR  UINT64_C(0x210000)

static size_t lb_put(size_t pos, uint64_t ts, const char *text)
{
	size_t tl = strlen(text), len = (16 + tl + 7) & ~(size_t)7;
	uint8_t hdr[16] = { 0 };

	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(ts >> (8 * i));
	hdr[8] = (uint8_t)len;
	hdr[10] = (uint8_t)tl;
	synth_write(&fx->mem, LB_PA + pos, hdr, 16);
	synth_write(&fx->mem, LB_PA + pos + 16, text, tl);
	return pos + len;
}

static void lb_setup(uint32_t first, uint32_t next)
{
	uint64_t po = fx->mem.page_offset;

	synth_w64(&fx->mem, LB_VAR, po + LB_PA);
	sp_w32(&fx->mem, LB_VAR + 8, 256);
	sp_w32(&fx->mem, LB_VAR + 12, first);
	sp_w32(&fx->mem, LB_VAR + 16, next);
	synth_vi_add(&fx->mem, "SYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\n",
		     (unsigned long long)(po + LB_VAR), (unsigned long long)(po + LB_VAR + 8));
	synth_vi_add(&fx->mem, "SYMBOL(log_first_idx)=%llx\nSYMBOL(log_next_idx)=%llx\n",
		     (unsigned long long)(po + LB_VAR + 12), (unsigned long long)(po + LB_VAR + 16));
	synth_vi_add(&fx->mem, "SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n"
		     "OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n"
		     "OFFSET(printk_log.dict_len)=12\n");
}

static void test_logbuf_wrap(void **state)
{
	uint8_t zero[16] = { 0 };
	size_t p;

	/* Older records at 160.., then an end marker at 232, newest at 0. */
	p = lb_put(160, 5000000000, "old record one");     /* 160..192 */
	p = lb_put(p, 6000000000, "old two\nindented");     /* 192..232 */
	synth_write(&fx->mem, LB_PA + p, zero, 16);         /* len 0: wrap */
	p = lb_put(0, 7000000000, "newest");                /* 0..24 */
	lb_setup(160, (uint32_t)p);
	assert_int_equal(run_dump(), 0);
	assert_string_equal(fx->out, "[    5.000000] old record one\n"
				     "[    6.000000] old two\n"
				     "               indented\n"
				     "[    7.000000] newest\n");
}

static void test_logbuf_loop(void **state)
{
	uint8_t zero[16] = { 0 };
	size_t p = lb_put(0, 0, "a");

	/* An end marker after the second record sends the walk back to the
	 * first, and log_next_idx (200) is never reached. */
	p = lb_put(p, 0, "b");
	synth_write(&fx->mem, LB_PA + p, zero, 16);
	lb_setup(0, 200);
	assert_int_equal(run_dump(), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "records loop"));
}

static void test_logbuf_outside(void **state)
{
	size_t p = lb_put(0, 0, "a");

	lb_put(p, 0, "b");
	/* The second record's len points past the buffer. */
	synth_write(&fx->mem, LB_PA + p + 8, (uint8_t[]){ 0xe8, 0x0f }, 2);
	lb_setup(0, 200);
	assert_int_equal(run_dump(), -EINVAL);
	assert_non_null(strstr(elfcore_ctx_error(fx->ctx), "outside log_buf"));
}

/* Before 3.5: plain text, log_end counts all bytes written. */
static void test_plain_wrap(void **state)
{
	uint64_t po = fx->mem.page_offset;
	char buf[256];

	memset(buf, '.', sizeof(buf));
	memcpy(buf, "end\n", 4);
	memcpy(buf + 250, "start ", 6);
	synth_write(&fx->mem, LB_PA, buf, sizeof(buf));
	synth_w64(&fx->mem, LB_VAR, po + LB_PA);
	sp_w32(&fx->mem, LB_VAR + 8, 256);
	sp_w32(&fx->mem, LB_VAR + 12, 256 * 3 + 250);
	synth_vi_add(&fx->mem, "SYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\nSYMBOL(log_end)=%llx\n",
		     (unsigned long long)(po + LB_VAR), (unsigned long long)(po + LB_VAR + 8),
		     (unsigned long long)(po + LB_VAR + 12));
	assert_int_equal(run_dump(), 0);
	assert_int_equal(fx->out_len, 256);
	assert_memory_equal(fx->out, "start end\n", 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lockless_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockless_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockless_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockless_reused_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockless_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logbuf_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logbuf_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logbuf_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_wrap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
