/* The kernel log: the lockless printk ringbuffer (5.10+), the variable-length
 * log_buf records (3.5 to 5.9) and the plain log_buf of older kernels.
 *
 * Lockless ring (kernel/printk/printk_ringbuffer.h), all offsets from VMCOREINFO:
 *
 *   prb --> struct printk_ringbuffer
 *           +- desc_ring: count_bits, descs, infos, head_id, tail_id
 *           |     descs[id % 2^count_bits] = { state_var, text_blk_lpos {begin, next} }
 *           |     infos[id % 2^count_bits] = { seq, ts_nsec, text_len, ... }
 *           +- text_data_ring: size_bits, data
 *                 data[begin % size]: [unsigned long id][text ...]
 *                 a block that would cross the end is stored at data[0]
 *                 (then begin % size > next % size)
 *
 * state_var holds the id in its low bits and the state in the top two:
 * committed (1) and finalized (2) records are printed, reserved (0) and
 * reusable (3) ones, or ones whose id does not match (reused slots), are not.
 * We walk ids from tail_id to head_id as makedumpfile does, so the output is
 * the same as its --dump-dmesg.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_priv.h"
#include "elfcore/printk.h"

#define DESC_STATE_SHIFT 62
#define DESC_ID_MASK     (~(UINT64_C(3) << DESC_STATE_SHIFT))
#define DESC_COMMITTED   1
#define DESC_FINALIZED   2

/* Struct sizes from VMCOREINFO are bounded: the real ones are < 128 bytes. */
#define MAX_STRUCT 4096

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* --- formatting, byte for byte as makedumpfile 1.7's dump_record() --- */

struct outbuf {
	char buf[4096];
	size_t len;
	elfcore_printk_write_fn write;
	void *arg;
	int err;
};

static void out_flush(struct outbuf *o)
{
	if (o->len && !o->err)
		o->err = o->write(o->arg, o->buf, o->len);
	o->len = 0;
}

static void out_bytes(struct outbuf *o, const char *s, size_t n)
{
	while (n) {
		size_t c = sizeof(o->buf) - o->len;

		if (c > n)
			c = n;
		memcpy(o->buf + o->len, s, c);
		o->len += c;
		s += c;
		n -= c;
		if (o->len == sizeof(o->buf))
			out_flush(o);
	}
}

/* isprint() || isspace() in the C locale, which makedumpfile runs in. */
static int c_printable(unsigned char c)
{
	return (c >= 0x20 && c <= 0x7e) || (c >= '\t' && c <= '\r');
}

static void format_record(struct outbuf *o, const struct elfcore_printk_record *rec)
{
	char prefix[64], esc[16];
	int indent;

	indent = snprintf(prefix, sizeof(prefix), "[%5llu.%06lu] ",
			  (unsigned long long)(rec->ts_nsec / 1000000000u),
			  (unsigned long)(rec->ts_nsec % 1000000000u / 1000u));
	out_bytes(o, prefix, (size_t)indent);
	for (size_t i = 0; i < rec->text_len; i++) {
		unsigned char c = (unsigned char)rec->text[i];

		if (c == '\n') {
			out_bytes(o, "\n", 1);
			for (int s = 0; s < indent; s++)
				out_bytes(o, " ", 1);
		} else if (c_printable(c)) {
			out_bytes(o, (const char *)&c, 1);
		} else {
			/* makedumpfile passes a (signed) char to %02x. */
			int n = snprintf(esc, sizeof(esc), "\\x%02x", (unsigned int)(int)(signed char)c);

			out_bytes(o, esc, (size_t)n);
		}
	}
	out_bytes(o, "\n", 1);
}

int elfcore_printk_format(const struct elfcore_printk_record *rec, elfcore_printk_write_fn write,
			  void *arg)
{
	struct outbuf o = { .write = write, .arg = arg };

	format_record(&o, rec);
	out_flush(&o);
	return o.err;
}

/* --- reading --- */

struct vi_need {
	const char *kind;       /* "OFFSET", "SIZE" */
	const char *name;
	uint64_t *out;
};

static int need_all(struct elfcore_kernel *k, const struct vi_need *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int ret;

		if (n[i].kind[0] == 'O')
			ret = elfcore_vmcoreinfo_offset(k->ctx, k->vi, n[i].name, n[i].out);
		else
			ret = elfcore_vmcoreinfo_size(k->ctx, k->vi, n[i].name, n[i].out);
		if (ret)
			return elfcore_ctx_prefix(k->ctx, ret, "kernel log");
		if (*n[i].out > MAX_STRUCT)
			return ec_err(k->ctx, -EINVAL, "kernel log: %s(%s)=%" PRIu64 " is absurd",
				      n[i].kind, n[i].name, *n[i].out);
	}
	return 0;
}

/* Read len bytes of kernel memory into a new buffer, chunk by chunk, so that
 * a size from a damaged dump fails at the first unreadable page instead of
 * allocating it all up front. */
static int read_alloc(struct elfcore_kernel *k, uint64_t vaddr, size_t len, uint8_t **out,
		      const char *what)
{
	uint8_t *buf = NULL;
	size_t done = 0, cap = 0;
	int ret = 0;

	while (done < len) {
		size_t chunk = len - done < (1u << 20) ? len - done : (1u << 20);

		if (done + chunk > cap) {
			size_t ncap = cap ? cap * 2 : chunk;
			uint8_t *n;

			if (ncap > len)
				ncap = len;
			if (ncap < done + chunk)
				ncap = done + chunk;
			n = realloc(buf, ncap);
			if (!n) {
				ret = ec_err(k->ctx, -ENOMEM, "kernel log: out of memory for %s", what);
				goto out;
			}
			buf = n;
			cap = ncap;
		}
		ret = elfcore_kernel_read(k, vaddr + done, buf + done, chunk);
		if (ret) {
			ret = elfcore_ctx_prefix(k->ctx, ret, "kernel log: %s", what);
			goto out;
		}
		done += chunk;
	}
	if (!buf)
		buf = malloc(1);
	*out = buf;
	buf = NULL;
out:
	free(buf);
	return ret;
}

struct prb {
	uint64_t desc_size, info_size;
	uint64_t off_state, off_counter, off_text_lpos, off_begin, off_next;
	uint64_t off_text_len, off_ts, off_seq;
	int has_seq;
	uint64_t count;         /* descriptors */
	uint64_t data_size;
	uint8_t *descs, *infos, *data;
	uint64_t head_id, tail_id;
};

static int lockless_record(struct elfcore_kernel *k, struct prb *r, uint64_t id,
			   int (*cb)(void *, const struct elfcore_printk_record *), void *arg)
{
	uint64_t slot = id % r->count, sv, begin, next, state;
	const uint8_t *desc = r->descs + slot * r->desc_size;
	const uint8_t *info = r->infos + slot * r->info_size;
	struct elfcore_printk_record rec;
	uint64_t text_len;

	sv = get_le(desc + r->off_state + r->off_counter, 8);
	state = sv >> DESC_STATE_SHIFT;
	if ((sv & DESC_ID_MASK) != id || (state != DESC_COMMITTED && state != DESC_FINALIZED))
		return 0;
	begin = get_le(desc + r->off_text_lpos + r->off_begin, 8) % r->data_size;
	next = get_le(desc + r->off_text_lpos + r->off_next, 8) % r->data_size;
	if (begin == next)
		return 0;       /* a record without text */
	text_len = get_le(info + r->off_text_len, 2);
	if (begin > next)
		begin = 0;      /* the block wrapped: its data is at the start */
	begin += 8;             /* skip the id that heads the block */
	if (next - begin < text_len)
		text_len = next - begin;
	/* makedumpfile would read past its copy of the ring here; stop at its end. */
	if (begin > r->data_size)
		begin = r->data_size;
	if (text_len > r->data_size - begin)
		text_len = r->data_size - begin;
	rec.seq = r->has_seq ? get_le(info + r->off_seq, 8) : id;
	rec.ts_nsec = get_le(info + r->off_ts, 8);
	rec.text = (const char *)r->data + begin;
	rec.text_len = (size_t)text_len;
	return cb(arg, &rec);
}

static void prb_free(struct prb *r)
{
	free(r->descs);
	free(r->infos);
	free(r->data);
}

static int lockless_foreach(struct elfcore_kernel *k, uint64_t prb_sym,
			    int (*cb)(void *, const struct elfcore_printk_record *), void *arg)
{
	uint64_t rb_size, off_desc_ring, off_text_ring, off_count_bits, off_descs, off_infos;
	uint64_t off_head, off_tail, off_size_bits, off_data, prb_addr, descs, infos, data;
	uint8_t rb[MAX_STRUCT];
	struct prb r = { 0 };
	uint32_t count_bits, size_bits;
	uint64_t span;
	const struct vi_need need[] = {
		{ "SIZE", "printk_ringbuffer", &rb_size },
		{ "OFFSET", "printk_ringbuffer.desc_ring", &off_desc_ring },
		{ "OFFSET", "printk_ringbuffer.text_data_ring", &off_text_ring },
		{ "OFFSET", "prb_desc_ring.count_bits", &off_count_bits },
		{ "OFFSET", "prb_desc_ring.descs", &off_descs },
		{ "OFFSET", "prb_desc_ring.infos", &off_infos },
		{ "OFFSET", "prb_desc_ring.head_id", &off_head },
		{ "OFFSET", "prb_desc_ring.tail_id", &off_tail },
		{ "SIZE", "prb_desc", &r.desc_size },
		{ "OFFSET", "prb_desc.state_var", &r.off_state },
		{ "OFFSET", "prb_desc.text_blk_lpos", &r.off_text_lpos },
		{ "OFFSET", "prb_data_blk_lpos.begin", &r.off_begin },
		{ "OFFSET", "prb_data_blk_lpos.next", &r.off_next },
		{ "SIZE", "printk_info", &r.info_size },
		{ "OFFSET", "printk_info.ts_nsec", &r.off_ts },
		{ "OFFSET", "printk_info.text_len", &r.off_text_len },
		{ "OFFSET", "prb_data_ring.size_bits", &off_size_bits },
		{ "OFFSET", "prb_data_ring.data", &off_data },
		{ "OFFSET", "atomic_long_t.counter", &r.off_counter },
	};
	int ret;

	ret = need_all(k, need, sizeof(need) / sizeof(need[0]));
	if (ret)
		return ret;
	r.has_seq = elfcore_vmcoreinfo_offset(NULL, k->vi, "printk_info.seq", &r.off_seq) == 0 &&
		    r.off_seq + 8 <= r.info_size;
	/* Every field must lie inside its struct. */
	if (off_desc_ring + off_head + r.off_counter + 8 > rb_size ||
	    off_desc_ring + off_tail + r.off_counter + 8 > rb_size ||
	    off_desc_ring + off_count_bits + 4 > rb_size || off_desc_ring + off_descs + 8 > rb_size ||
	    off_desc_ring + off_infos + 8 > rb_size || off_text_ring + off_size_bits + 4 > rb_size ||
	    off_text_ring + off_data + 8 > rb_size ||
	    r.off_state + r.off_counter + 8 > r.desc_size ||
	    r.off_text_lpos + r.off_begin + 8 > r.desc_size ||
	    r.off_text_lpos + r.off_next + 8 > r.desc_size ||
	    r.off_ts + 8 > r.info_size || r.off_text_len + 2 > r.info_size)
		return ec_err(k->ctx, -EINVAL, "kernel log: printk ringbuffer offsets in VMCOREINFO lie outside their structs");

	ret = elfcore_kernel_read_u64(k, prb_sym, &prb_addr);
	if (ret)
		return elfcore_ctx_prefix(k->ctx, ret, "kernel log: prb");
	ret = elfcore_kernel_read(k, prb_addr, rb, rb_size);
	if (ret)
		return elfcore_ctx_prefix(k->ctx, ret, "kernel log: printk_ringbuffer");
	count_bits = (uint32_t)get_le(rb + off_desc_ring + off_count_bits, 4);
	size_bits = (uint32_t)get_le(rb + off_text_ring + off_size_bits, 4);
	descs = get_le(rb + off_desc_ring + off_descs, 8);
	infos = get_le(rb + off_desc_ring + off_infos, 8);
	data = get_le(rb + off_text_ring + off_data, 8);
	r.head_id = get_le(rb + off_desc_ring + off_head + r.off_counter, 8) & DESC_ID_MASK;
	r.tail_id = get_le(rb + off_desc_ring + off_tail + r.off_counter, 8) & DESC_ID_MASK;
	if (count_bits > ELFCORE_PRINTK_MAX_DESC_BITS)
		return ec_err(k->ctx, -EINVAL, "kernel log: descriptor ring of 2^%u entries is absurd", count_bits);
	if (size_bits < 3 || (UINT64_C(1) << (size_bits > 62 ? 62 : size_bits)) > ELFCORE_PRINTK_MAX_RING)
		return ec_err(k->ctx, -EINVAL, "kernel log: text ring of 2^%u bytes is absurd", size_bits);
	r.count = UINT64_C(1) << count_bits;
	r.data_size = UINT64_C(1) << size_bits;
	span = (r.head_id - r.tail_id) & DESC_ID_MASK;
	if (span >= r.count)
		return ec_err(k->ctx, -EINVAL,
			      "kernel log: tail id %" PRIu64 " and head id %" PRIu64 " are %" PRIu64 " apart in a ring of %" PRIu64,
			      r.tail_id, r.head_id, span, r.count);

	ret = read_alloc(k, descs, r.count * r.desc_size, &r.descs, "descriptors");
	if (!ret)
		ret = read_alloc(k, infos, r.count * r.info_size, &r.infos, "printk_info records");
	if (!ret)
		ret = read_alloc(k, data, r.data_size, &r.data, "text data ring");
	for (uint64_t i = 0, id = r.tail_id; !ret && i <= span; i++, id = (id + 1) & DESC_ID_MASK)
		ret = lockless_record(k, &r, id, cb, arg);
	prb_free(&r);
	return ret;
}

/* 3.5 to 5.9: struct printk_log records in log_buf; a record with len 0
 * marks the end of the used part: the next record is at the start. */
static int logbuf_foreach(struct elfcore_kernel *k, uint64_t log_buf_sym,
			  int (*cb)(void *, const struct elfcore_printk_record *), void *arg)
{
	uint64_t log_size, off_ts, off_len, off_text_len, sym, buf_addr;
	uint32_t first, next, len32;
	uint8_t *buf = NULL;
	size_t len, pos, steps = 0;
	const struct vi_need need[] = {
		{ "SIZE", "printk_log", &log_size },
		{ "OFFSET", "printk_log.ts_nsec", &off_ts },
		{ "OFFSET", "printk_log.len", &off_len },
		{ "OFFSET", "printk_log.text_len", &off_text_len },
	};
	int ret;

	ret = need_all(k, need, sizeof(need) / sizeof(need[0]));
	if (ret)
		return ret;
	if (off_ts + 8 > log_size || off_len + 2 > log_size || off_text_len + 2 > log_size || log_size == 0)
		return ec_err(k->ctx, -EINVAL, "kernel log: printk_log offsets lie outside the struct");
	ret = elfcore_vmcoreinfo_symbol(k->ctx, k->vi, "log_buf_len", &sym);
	if (!ret)
		ret = elfcore_kernel_read_u32(k, sym, &len32);
	if (!ret)
		ret = elfcore_vmcoreinfo_symbol(k->ctx, k->vi, "log_first_idx", &sym);
	if (!ret)
		ret = elfcore_kernel_read_u32(k, sym, &first);
	if (!ret)
		ret = elfcore_vmcoreinfo_symbol(k->ctx, k->vi, "log_next_idx", &sym);
	if (!ret)
		ret = elfcore_kernel_read_u32(k, sym, &next);
	if (!ret)
		ret = elfcore_kernel_read_u64(k, log_buf_sym, &buf_addr);
	if (ret)
		return elfcore_ctx_prefix(k->ctx, ret, "kernel log");
	len = len32;
	if (len > ELFCORE_PRINTK_MAX_RING || len < log_size)
		return ec_err(k->ctx, -EINVAL, "kernel log: log_buf_len %zu is absurd", len);
	if (first > len - log_size || next > len)
		return ec_err(k->ctx, -EINVAL, "kernel log: log_first_idx %u or log_next_idx %u outside log_buf (%zu bytes)",
			      first, next, len);
	ret = read_alloc(k, buf_addr, len, &buf, "log_buf");
	if (ret)
		return ret;
	for (pos = first; pos != next && !ret; steps++) {
		size_t rec_pos = pos, msglen, text_len;
		struct elfcore_printk_record rec;

		/* Each step moves to another record; more steps than the buffer
		 * can hold records means the chain loops. */
		if (steps > len / log_size) {
			ret = ec_err(k->ctx, -EINVAL, "kernel log: log_buf records loop (at index %zu)", pos);
			break;
		}
		msglen = get_le(buf + pos + off_len, 2);
		if (!msglen) {
			rec_pos = 0;
			msglen = get_le(buf + off_len, 2);
		}
		text_len = get_le(buf + rec_pos + off_text_len, 2);
		if (msglen < log_size || text_len > len - rec_pos - log_size) {
			ret = ec_err(k->ctx, -EINVAL, "kernel log: record at log_buf index %zu is damaged (len %zu, text_len %zu)",
				     rec_pos, msglen, text_len);
			break;
		}
		rec.seq = steps;
		rec.ts_nsec = get_le(buf + rec_pos + off_ts, 8);
		rec.text = (const char *)buf + rec_pos + log_size;
		rec.text_len = text_len;
		ret = cb(arg, &rec);
		if (ret)
			break;
		pos = rec_pos + msglen;
		if (pos > len - log_size && pos != next) {
			ret = ec_err(k->ctx, -EINVAL, "kernel log: index %zu outside log_buf (%zu bytes)", pos, len);
			break;
		}
	}
	free(buf);
	return ret;
}

int elfcore_printk_foreach(struct elfcore_kernel *k,
			   int (*cb)(void *arg, const struct elfcore_printk_record *rec), void *arg)
{
	uint64_t sym;

	if (elfcore_vmcoreinfo_symbol(NULL, k->vi, "prb", &sym) == 0)
		return lockless_foreach(k, sym, cb, arg);
	if (elfcore_vmcoreinfo_get(k->vi, "SYMBOL(log_end)"))
		return ec_err(k->ctx, -ENOTSUP, "kernel log: a pre-3.5 log_buf has no records");
	if (elfcore_vmcoreinfo_symbol(NULL, k->vi, "log_buf", &sym) == 0)
		return logbuf_foreach(k, sym, cb, arg);
	return ec_err(k->ctx, -ENOENT, "kernel log: VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf)");
}

/* Before 3.5: log_buf is plain text; log_end counts every byte ever written. */
static int plain_dump(struct elfcore_kernel *k, uint64_t log_end_sym, struct outbuf *o)
{
	uint64_t sym, buf_addr;
	uint32_t len, end;
	uint8_t *buf = NULL;
	int ret;

	ret = elfcore_vmcoreinfo_symbol(k->ctx, k->vi, "log_buf", &sym);
	if (!ret)
		ret = elfcore_kernel_read_u64(k, sym, &buf_addr);
	if (!ret)
		ret = elfcore_vmcoreinfo_symbol(k->ctx, k->vi, "log_buf_len", &sym);
	if (!ret)
		ret = elfcore_kernel_read_u32(k, sym, &len);
	if (!ret)
		ret = elfcore_kernel_read_u32(k, log_end_sym, &end);
	if (ret)
		return elfcore_ctx_prefix(k->ctx, ret, "kernel log");
	if (len == 0 || len > ELFCORE_PRINTK_MAX_RING || (len & (len - 1)))
		return ec_err(k->ctx, -EINVAL, "kernel log: log_buf_len %u is absurd", len);
	ret = read_alloc(k, buf_addr, len, &buf, "log_buf");
	if (ret)
		return ret;
	if (end < len) {
		out_bytes(o, (const char *)buf, end);
	} else {
		uint32_t idx = end & (len - 1);

		out_bytes(o, (const char *)buf + idx, len - idx);
		out_bytes(o, (const char *)buf, idx);
	}
	free(buf);
	return 0;
}

static int dump_one(void *arg, const struct elfcore_printk_record *rec)
{
	struct outbuf *o = arg;

	format_record(o, rec);
	return o->err;
}

int elfcore_printk_dump(struct elfcore_kernel *k, elfcore_printk_write_fn write, void *arg)
{
	struct outbuf *o = calloc(1, sizeof(*o));
	uint64_t sym;
	int ret;

	if (!o)
		return ec_err(k->ctx, -ENOMEM, "kernel log: out of memory");
	o->write = write;
	o->arg = arg;
	if (elfcore_vmcoreinfo_symbol(NULL, k->vi, "prb", &sym) != 0 &&
	    elfcore_vmcoreinfo_symbol(NULL, k->vi, "log_end", &sym) == 0)
		ret = plain_dump(k, sym, o);
	else
		ret = elfcore_printk_foreach(k, dump_one, o);
	out_flush(o);
	if (o->err)
		ret = ec_err(k->ctx, o->err, "kernel log: writing the output failed");
	free(o);
	return ret;
}
