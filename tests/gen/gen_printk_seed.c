/* Writes seeds for tests/fuzz/fuzz_printk: a lockless ringbuffer with wrapped
 * records (tests/unit/synth_printk.h) and a log_buf with records, as the
 * memory region the fuzz target maps. Usage: gen_printk_seed DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/synth_printk.h"

static int write_seed(const char *dir, const char *name, uint8_t mode, struct synth_mem *m,
		      size_t len)
{
	char path[4096];
	uint8_t *buf = calloc(1, len);
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || !buf) {
		perror(path);
		free(buf);
		return 1;
	}
	synth_read(m, SP_BASE_PA, buf, len);
	ok = fwrite(&mode, 1, 1, f) == 1 && fwrite(buf, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	free(buf);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct synth_mem m;
	static struct synth_prb p;
	char text[64];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	synth_init(&m, 4);
	synth_prb_init(&p, &m, 4, 9, SP_ID_MASK - 8);
	for (int i = 0; i < 40; i++) {
		int n = snprintf(text, sizeof(text), "record %d\n with a second line\t\x01", i);

		synth_prb_add(&p, (uint64_t)i * 123456789, text, (size_t)n, i % 9 ? 2 : 1);
	}
	synth_prb_finish(&p);
	ret = write_seed(argv[1], "lockless", 0, &m, p.data_pa + 512 - SP_BASE_PA);
	synth_free(&m);

	/* log_buf: pointer, len 256, first 32, next 96; records from 32. */
	synth_init(&m, 4);
	synth_w64(&m, SP_BASE_PA, m.page_offset + SP_BASE_PA + 32);
	synth_write(&m, SP_BASE_PA + 8, (uint8_t[]){ 0, 1, 0, 0, 32, 0, 0, 0, 96, 0, 0, 0 }, 12);
	synth_write(&m, SP_BASE_PA + 64, (uint8_t[]){ 1, 0, 0, 0, 0, 0, 0, 0, 32, 0, 5, 0 }, 12);
	synth_write(&m, SP_BASE_PA + 80, "hello", 5);
	synth_write(&m, SP_BASE_PA + 96, (uint8_t[]){ 2, 0, 0, 0, 0, 0, 0, 0, 32, 0, 5, 0 }, 12);
	synth_write(&m, SP_BASE_PA + 112, "world", 5);
	ret |= write_seed(argv[1], "logbuf", 1, &m, 32 + 256);
	synth_free(&m);
	return ret;
}
