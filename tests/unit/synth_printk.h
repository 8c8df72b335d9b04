/* A synthetic lockless printk ringbuffer (5.10+) in synth_mem memory, laid
 * out with the struct sizes and offsets of x86_64 6.1, written the way the
 * kernel writes it (kernel/printk/printk_ringbuffer.c):
 *  - a record's data block is [id][text], its size aligned to 8; a block that
 *    would cross the end of the data ring is stored at its start, and its
 *    logical next position then lies in the next wrap;
 *  - when a new block needs room, the oldest records lose their data and
 *    their descriptors become reusable; the tail moves past them;
 *  - descriptor ids start near the top of the id space, so they wrap too.
 *
 * Region at SP_BASE_PA (virtual: page_offset + pa):
 *   +0x000 prb (pointer)   +0x010 struct printk_ringbuffer (88 bytes)
 *   +0x100 descs[count] (24 bytes each), then infos[count] (88 bytes each),
 *   then the data ring (2^size_bits bytes). */
#ifndef TESTS_SYNTH_PRINTK_H
#define TESTS_SYNTH_PRINTK_H

#include "synth_mem.h"

#define SP_BASE_PA   UINT64_C(0x100000)
#define SP_ID_MASK   (~(UINT64_C(3) << 62))
#define SP_STATE(s)  ((uint64_t)(s) << 62)
#define SP_MAX_LIVE  4096

/* printk_ringbuffer, prb_desc_ring, prb_data_ring, prb_desc, printk_info */
static const char synth_prb_vmcoreinfo[] =
	"SIZE(printk_ringbuffer)=88\n"
	"OFFSET(printk_ringbuffer.desc_ring)=0\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=48\n"
	"OFFSET(printk_ringbuffer.fail)=80\n"
	"SIZE(prb_desc_ring)=48\n"
	"OFFSET(prb_desc_ring.count_bits)=0\n"
	"OFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\n"
	"OFFSET(prb_desc_ring.head_id)=24\n"
	"OFFSET(prb_desc_ring.tail_id)=32\n"
	"SIZE(prb_desc)=24\n"
	"OFFSET(prb_desc.state_var)=0\n"
	"OFFSET(prb_desc.text_blk_lpos)=8\n"
	"SIZE(prb_data_blk_lpos)=16\n"
	"OFFSET(prb_data_blk_lpos.begin)=0\n"
	"OFFSET(prb_data_blk_lpos.next)=8\n"
	"SIZE(printk_info)=88\n"
	"OFFSET(printk_info.seq)=0\n"
	"OFFSET(printk_info.ts_nsec)=8\n"
	"OFFSET(printk_info.text_len)=16\n"
	"OFFSET(printk_info.caller_id)=20\n"
	"OFFSET(printk_info.dev_info)=24\n"
	"SIZE(prb_data_ring)=32\n"
	"OFFSET(prb_data_ring.size_bits)=0\n"
	"OFFSET(prb_data_ring.data)=8\n"
	"OFFSET(prb_data_ring.head_lpos)=16\n"
	"OFFSET(prb_data_ring.tail_lpos)=24\n"
	"SIZE(atomic_long_t)=8\n"
	"OFFSET(atomic_long_t.counter)=0\n";

struct synth_prb {
	struct synth_mem *m;
	unsigned int count_bits, size_bits;
	uint64_t rb_pa, descs_pa, infos_pa, data_pa;
	uint64_t next_id, head_lpos, seq;
	/* live records, oldest first */
	uint64_t live_id[SP_MAX_LIVE], live_begin[SP_MAX_LIVE];
	size_t nlive;
	uint64_t tail_id;
};

static inline uint64_t sp_va(const struct synth_prb *p, uint64_t pa)
{
	return p->m->page_offset + pa;
}

static inline void sp_w16(struct synth_mem *m, uint64_t pa, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	synth_write(m, pa, b, 2);
}

static inline void sp_w32(struct synth_mem *m, uint64_t pa, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	synth_write(m, pa, b, 4);
}

static inline void synth_prb_init(struct synth_prb *p, struct synth_mem *m, unsigned int count_bits,
				  unsigned int size_bits, uint64_t first_id)
{
	uint64_t count = UINT64_C(1) << count_bits;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->count_bits = count_bits;
	p->size_bits = size_bits;
	p->rb_pa = SP_BASE_PA + 0x10;
	p->descs_pa = SP_BASE_PA + 0x100;
	p->infos_pa = p->descs_pa + count * 24;
	p->data_pa = (p->infos_pa + count * 88 + 4095) & ~UINT64_C(4095);
	p->next_id = first_id & SP_ID_MASK;
	p->tail_id = p->next_id;
	/* Every descriptor starts reusable with an id that never matches. */
	for (uint64_t i = 0; i < count; i++)
		synth_w64(m, p->descs_pa + 24 * i, SP_STATE(3) | ((p->next_id - count + i) & SP_ID_MASK));
	for (uint64_t i = 0; i < count * 88; i += 8)
		synth_w64(m, p->infos_pa + i, 0);
	for (uint64_t i = 0; i < (UINT64_C(1) << size_bits); i += 8)
		synth_w64(m, p->data_pa + i, 0);
	synth_w64(m, SP_BASE_PA, sp_va(p, p->rb_pa));
	synth_vi_add(m, "SYMBOL(prb)=%llx\n", (unsigned long long)sp_va(p, SP_BASE_PA));
	synth_vi_add(m, "%s", synth_prb_vmcoreinfo);
}

static inline void sp_drop_oldest(struct synth_prb *p)
{
	uint64_t id = p->live_id[0], count = UINT64_C(1) << p->count_bits;

	synth_w64(p->m, p->descs_pa + 24 * (id % count), SP_STATE(3) | id);
	memmove(p->live_id, p->live_id + 1, (p->nlive - 1) * sizeof(p->live_id[0]));
	memmove(p->live_begin, p->live_begin + 1, (p->nlive - 1) * sizeof(p->live_begin[0]));
	p->nlive--;
	p->tail_id = (id + 1) & SP_ID_MASK;
}

/* Append one record in state (1 committed, 2 finalized, 0 reserved). */
static inline void synth_prb_add(struct synth_prb *p, uint64_t ts_nsec, const char *text,
				 size_t len, unsigned int state)
{
	uint64_t size = UINT64_C(1) << p->size_bits, count = UINT64_C(1) << p->count_bits;
	uint64_t id = p->next_id, slot = id % count;
	uint64_t bsize = (8 + len + 7) & ~UINT64_C(7), begin = p->head_lpos, next = begin + bsize;
	uint64_t at = begin % size;

	if (begin / size != next / size) {
		/* Would cross the end: store at the start of the next wrap. */
		next = (next / size) * size + bsize;
		at = 0;
	}
	/* Free the descriptor slot and the data room the new record needs. */
	while (p->nlive && (((id - p->live_id[0]) & SP_ID_MASK) >= count ||
			    p->live_begin[0] < (next > size ? next - size : 0)))
		sp_drop_oldest(p);
	if (len == 0) {
		begin = next = UINT64_C(1);   /* data-less: begin == next */
	} else {
		synth_w64(p->m, p->data_pa + at, id);
		synth_write(p->m, p->data_pa + at + 8, text, len);
		p->head_lpos = next;
	}
	synth_w64(p->m, p->descs_pa + 24 * slot, SP_STATE(state) | id);
	synth_w64(p->m, p->descs_pa + 24 * slot + 8, begin);
	synth_w64(p->m, p->descs_pa + 24 * slot + 16, next);
	synth_w64(p->m, p->infos_pa + 88 * slot, p->seq++);
	synth_w64(p->m, p->infos_pa + 88 * slot + 8, ts_nsec);
	sp_w16(p->m, p->infos_pa + 88 * slot + 16, (uint16_t)len);
	if (p->nlive < SP_MAX_LIVE) {
		p->live_id[p->nlive] = id;
		p->live_begin[p->nlive] = len ? begin : p->head_lpos;
		p->nlive++;
	}
	p->next_id = (id + 1) & SP_ID_MASK;
}

/* Write the ringbuffer struct: head is the last record, tail the oldest live one. */
static inline void synth_prb_finish(struct synth_prb *p)
{
	struct synth_mem *m = p->m;

	sp_w32(m, p->rb_pa + 0, p->count_bits);
	synth_w64(m, p->rb_pa + 8, sp_va(p, p->descs_pa));
	synth_w64(m, p->rb_pa + 16, sp_va(p, p->infos_pa));
	synth_w64(m, p->rb_pa + 24, (p->next_id - 1) & SP_ID_MASK);
	synth_w64(m, p->rb_pa + 32, p->nlive ? p->live_id[0] : (p->next_id - 1) & SP_ID_MASK);
	sp_w32(m, p->rb_pa + 48, p->size_bits);
	synth_w64(m, p->rb_pa + 56, sp_va(p, p->data_pa));
	synth_w64(m, p->rb_pa + 64, p->head_lpos);
	synth_w64(m, p->rb_pa + 72, p->head_lpos > (UINT64_C(1) << p->size_bits)
		  ? p->head_lpos - (UINT64_C(1) << p->size_bits) : 0);
}

#endif
