/* kdump-capture's page pipeline (capture/pipeline.h). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "progress.h"

#include <time.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

struct page_res {
	uint32_t off, size;
	uint8_t codec, zero, err;
};

struct batch {
	int state;
	uint64_t seq;
	unsigned n;
	uint64_t *pfns;
	struct page_res *res;
	/* The pages' data, packed in pfn order: the writer writes runs of it
	 * straight from here (elfcore_writer_hold_begin()). */
	uint8_t *out;
	size_t used;
};

struct worker {
	struct pipe *p;
	pthread_t tid;
	int started;
	struct elfcore_ctx *ctx;
	struct elfcore_page_encoder *enc;
	uint8_t *buf;                 /* pread window: batch_pages pages */
	uint8_t *page;                /* one page for partial pages */
	struct cap_window win;        /* the input mapping this thread reads */
};

struct pipe {
	struct elfcore_ctx *ctx;
	struct cap_input *in;
	const struct cap_pipeline_opts *o;
	struct cap_pipeline_stats *st;
	struct elfcore_writer *w;
	size_t bound;
	uint32_t ps;

	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct batch *slots;
	unsigned nslots;
	uint64_t next_dispatch, next_encode, next_write;
	int stop;

	struct worker *workers;
	unsigned nworkers;
	uint64_t written;             /* pages handed to the writer */
};

/* ---- workers ---- */

/* Compress straight into the batch's data, after the pages before it; a raw
 * page is copied there (the input window moves on before the writer stores
 * it). Pages come in order and none takes more than bound bytes, so the
 * batch_pages * bound bytes of out always have room. */
static void encode_one(struct worker *wk, struct batch *b, unsigned i, const void *data)
{
	struct elfcore_encoded_page e;
	struct page_res *r = &b->res[i];
	uint8_t *slot = b->out + b->used;

	memset(r, 0, sizeof(*r));
	if (elfcore_page_encode_into(wk->enc, b->pfns[i], data, slot, wk->p->bound, &e) < 0) {
		r->err = 1;
		return;
	}
	r->zero = (uint8_t)e.zero;
	r->codec = (uint8_t)e.codec;
	if (e.zero)
		return;
	r->off = (uint32_t)b->used;
	r->size = e.size;
	if (e.data != slot)
		memcpy(slot, e.data, e.size);
	b->used += e.size;
}

static void process_batch(struct worker *wk, struct batch *b)
{
	struct cap_input *in = wk->p->in;
	uint32_t ps = wk->p->ps;
	unsigned i = 0;

	b->used = 0;
	while (i < b->n) {
		unsigned j = i + 1;

		while (j < b->n && b->pfns[j] == b->pfns[j - 1] + 1)
			j++;
		while (i < j) {
			uint64_t run = cap_input_run(in, b->pfns[i], j - i);

			if (run && !cap_input_window(in, b->pfns[i], run, wk->buf, &wk->win)) {
				for (uint64_t m = 0; m < run; m++)
					encode_one(wk, b, i + (unsigned)m, wk->win.data + m * ps);
				i += (unsigned)run;
				continue;
			}
			/* A partial page, or a read error somewhere in the run: page by page. */
			if (!run)
				run = 1;
			for (uint64_t m = 0; m < run; m++, i++) {
				if (cap_input_read_page(in, b->pfns[i], wk->page)) {
					memset(&b->res[i], 0, sizeof(b->res[i]));
					b->res[i].err = 1;
				} else {
					encode_one(wk, b, i, wk->page);
				}
			}
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct pipe *p = wk->p;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct batch *b = &p->slots[p->next_encode % p->nslots];

		while (!p->stop && !(b->state == SLOT_READY && b->seq == p->next_encode)) {
			pthread_cond_wait(&p->work, &p->lock);
			b = &p->slots[p->next_encode % p->nslots];
		}
		if (p->stop)
			break;
		b->state = SLOT_BUSY;
		p->next_encode++;
		pthread_mutex_unlock(&p->lock);
		process_batch(wk, b);
		pthread_mutex_lock(&p->lock);
		b->state = SLOT_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ---- the writer side ---- */

static int write_batch(struct pipe *p, struct batch *b)
{
	const struct cap_pipeline_opts *o = p->o;
	int ret = elfcore_writer_hold_begin(p->w), end;

	for (unsigned i = 0; i < b->n && !ret; i++) {
		const struct page_res *r = &b->res[i];
		uint64_t pfn = b->pfns[i];

		if (r->err) {
			if (p->st->unreadable < 8)
				p->st->first_unreadable[p->st->unreadable] = pfn;
			p->st->unreadable++;
			ret = elfcore_writer_drop_page(p->w, pfn);
		} else {
			/* kdump format at level 1: a zero page stays in the bitmap and
			 * points at the shared zero page, as makedumpfile stores it. */
			if (r->zero && (o->dump_level & ELFCORE_DL_ZERO))
				p->st->zero_excluded++;
			struct elfcore_encoded_page e = {
				.pfn = pfn, .data = b->out + r->off, .size = r->size,
				.codec = (enum elfcore_codec)r->codec, .zero = r->zero,
			};

			ret = elfcore_writer_write_encoded(p->w, &e);
		}
	}
	end = elfcore_writer_hold_end(p->w);    /* before the slot is reused */
	if (!ret)
		ret = end;
	p->written += b->n;
	if (o->progress)
		cap_progress_update(o->progress, p->written, p->written * p->ps);
	return ret;
}

/* Hand batch seq to the workers (or process it here with no workers). */
static int dispatch(struct pipe *p, struct batch *b)
{
	if (!p->nworkers) {
		process_batch(&p->workers[0], b);
		return write_batch(p, b);
	}
	pthread_mutex_lock(&p->lock);
	b->seq = p->next_dispatch++;
	b->state = SLOT_READY;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Write the oldest batch in flight once it is done. */
static int write_oldest(struct pipe *p)
{
	struct batch *b = &p->slots[p->next_write % p->nslots];
	int ret;

	pthread_mutex_lock(&p->lock);
	while (b->state != SLOT_DONE)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
	ret = write_batch(p, b);
	pthread_mutex_lock(&p->lock);
	b->state = SLOT_FREE;
	p->next_write++;
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* A free slot for the next batch (writing finished batches to make room). */
static int free_slot(struct pipe *p, struct batch **out)
{
	int ret = 0;

	if (!p->nworkers) {
		*out = &p->slots[0];
		return 0;
	}
	while (!ret && p->next_dispatch - p->next_write >= p->nslots)
		ret = write_oldest(p);
	*out = &p->slots[p->next_dispatch % p->nslots];
	return ret;
}

static int drain(struct pipe *p)
{
	int ret = 0;

	while (p->nworkers && p->next_write < p->next_dispatch) {
		int r = write_oldest(p);

		if (!ret)
			ret = r;
	}
	return ret;
}

/* ---- cycles ---- */

/* ELF at level 1: zero pages must be known before the layout is planned,
 * so they are found here, in both passes (as makedumpfile -E does). */
static int exclude_zero_pages(struct pipe *p, uint64_t start, uint64_t n, uint8_t *bits,
			      uint64_t *count)
{
	struct worker *wk = &p->workers[0];

	for (uint64_t i = 0; i < n; i++) {
		uint64_t run, pfn = start + i;

		if (!(bits[i >> 3] >> (i & 7) & 1)) {
			if (!(i & 7) && !bits[i >> 3])
				i += 7;
			continue;
		}
		run = cap_input_run(p->in, pfn, 1);
		if (run && !cap_input_window(p->in, pfn, 1, wk->page, &wk->win)) {
			if (!elfcore_page_is_zero(wk->win.data, p->ps))
				continue;
		} else if (cap_input_read_page(p->in, pfn, wk->page) ||
			   !elfcore_page_is_zero(wk->page, p->ps)) {
			continue;            /* unreadable pages are dropped when written */
		}
		bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
		(*count)++;
	}
	return 0;
}

static int cycle_bits(struct pipe *p, struct elfcore_pagefilter *pf, uint64_t start, uint64_t n,
		      uint8_t *bits, uint64_t *ram, uint64_t *zero)
{
	int ret;

	*ram += cap_input_ram_bits(p->in, start, n, bits);
	if (pf && (ret = elfcore_pagefilter_cycle(pf, start, start + n, bits)) < 0)
		return ret;
	if ((p->o->dump_level & ELFCORE_DL_ZERO) && p->o->format == ELFCORE_FORMAT_ELF)
		return exclude_zero_pages(p, start, n, bits, zero);
	return 0;
}

static int write_cycle(struct pipe *p, uint64_t start, uint64_t n, const uint8_t *bits)
{
	struct batch *b = NULL;
	int ret = 0;

	for (uint64_t i = 0; i < n && !ret; i++) {
		if (!(bits[i >> 3] >> (i & 7) & 1)) {
			if (!(i & 7) && !bits[i >> 3])
				i += 7;
			continue;
		}
		if (!b) {
			ret = free_slot(p, &b);
			if (ret)
				break;
			b->n = 0;
		}
		b->pfns[b->n++] = start + i;
		if (b->n == p->o->batch_pages) {
			ret = dispatch(p, b);
			b = NULL;
		}
	}
	if (!ret && b && b->n)
		ret = dispatch(p, b);
	if (!ret)
		ret = drain(p);
	else
		drain(p);
	return ret;
}

static void stop_workers(struct pipe *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nworkers; i++)
		if (p->workers[i].started)
			pthread_join(p->workers[i].tid, NULL);
}

static void free_pipe(struct pipe *p)
{
	unsigned nw = p->nworkers ? p->nworkers : 1;

	if (p->workers) {
		for (unsigned i = 0; i < nw; i++) {
			cap_input_unmap(&p->workers[i].win);
			elfcore_page_encoder_free(p->workers[i].enc);
			elfcore_ctx_free(p->workers[i].ctx);
			free(p->workers[i].buf);
			free(p->workers[i].page);
		}
	}
	if (p->slots) {
		for (unsigned i = 0; i < p->nslots; i++) {
			free(p->slots[i].pfns);
			free(p->slots[i].res);
			free(p->slots[i].out);
		}
	}
	free(p->workers);
	free(p->slots);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
}

static int setup_pipe(struct pipe *p)
{
	const struct cap_pipeline_opts *o = p->o;
	unsigned nw;

	p->nworkers = o->threads > 1 ? o->threads : 0;
	nw = p->nworkers ? p->nworkers : 1;
	p->nslots = p->nworkers ? (o->slots ? o->slots : 2 * p->nworkers + 2) : 1;
	p->bound = elfcore_page_encode_bound(o->codec, p->ps);
	p->workers = calloc(nw, sizeof(*p->workers));
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	if (!p->workers || !p->slots)
		return elfcore_ctx_set_error(p->ctx, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < p->nslots; i++) {
		struct batch *b = &p->slots[i];

		b->pfns = malloc(o->batch_pages * sizeof(*b->pfns));
		b->res = malloc(o->batch_pages * sizeof(*b->res));
		b->out = malloc(o->batch_pages * p->bound);
		if (!b->pfns || !b->res || !b->out)
			return elfcore_ctx_set_error(p->ctx, -ENOMEM, "out of memory for batches");
	}
	for (unsigned i = 0; i < nw; i++) {
		struct worker *wk = &p->workers[i];
		int ret;

		wk->p = p;
		wk->ctx = elfcore_ctx_new();
		wk->buf = malloc((size_t)o->batch_pages * p->ps);
		wk->page = malloc(p->ps);
		if (!wk->ctx || !wk->buf || !wk->page)
			return elfcore_ctx_set_error(p->ctx, -ENOMEM, "out of memory for workers");
		ret = elfcore_page_encoder_new(wk->ctx, o->codec, o->codec_level, p->ps, &wk->enc);
		if (ret)
			return elfcore_ctx_set_error(p->ctx, ret, "%s", elfcore_ctx_error(wk->ctx));
	}
	for (unsigned i = 0; i < p->nworkers; i++) {
		if (pthread_create(&p->workers[i].tid, NULL, worker_main, &p->workers[i]))
			return elfcore_ctx_set_error(p->ctx, -EAGAIN, "cannot start worker thread %u", i);
		p->workers[i].started = 1;
	}
	return 0;
}

int cap_pipeline_run(struct elfcore_ctx *ctx, struct cap_input *in, struct elfcore_pagefilter *pf,
		     struct elfcore_writer *w, const struct cap_pipeline_opts *o,
		     struct cap_pipeline_stats *st)
{
	struct pipe p = { .ctx = ctx, .in = in, .o = o, .st = st, .w = w, .ps = in->page_size };
	uint64_t cyc = o->cycle_pfns, ram = 0, zero = 0;
	double t;
	int single;
	uint8_t *bits = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.done, NULL);
	if (cyc < 8 || cyc % 8)
		cyc = (cyc + 7) & ~(uint64_t)7;
	bits = malloc((size_t)(cyc / 8));
	if (!bits) {
		ret = elfcore_ctx_set_error(ctx, -ENOMEM, "out of memory for a %" PRIu64 "-page cycle", cyc);
		goto out;
	}
	ret = setup_pipe(&p);
	if (ret)
		goto out;

	/* Pass 1: plan. */
	t = mono();
	if (o->progress)
		cap_progress_phase(o->progress, "scanning", in->max_pfn);
	for (uint64_t s = 0; s < in->max_pfn; s += cyc) {
		uint64_t n = in->max_pfn - s < cyc ? in->max_pfn - s : cyc;

		ret = cycle_bits(&p, pf, s, n, bits, &ram, &zero);
		if (!ret)
			ret = elfcore_writer_plan(w, s, n, bits);
		if (ret)
			goto out;
		if (o->progress)
			cap_progress_update(o->progress, s + n, 0);
	}
	if (o->progress)
		cap_progress_end(o->progress);
	{
		struct elfcore_writer_stats ws;

		elfcore_writer_stats(w, &ws);
		st->planned = ws.planned;
	}
	st->ram = ram;
	st->scan_seconds = mono() - t;

	/* Pass 2: write. With a single cycle, its bits from pass 1 are still
	 * in the buffer: no second scan of the struct pages. */
	t = mono();
	single = in->max_pfn <= cyc;
	if (!single)
		zero = 0;
	if (pf)
		st->filter = *elfcore_pagefilter_stats(pf);
	if (o->progress)
		cap_progress_phase(o->progress, "writing", st->planned);
	for (uint64_t s = 0; s < in->max_pfn; s += cyc) {
		uint64_t n = in->max_pfn - s < cyc ? in->max_pfn - s : cyc;

		ret = single ? 0 : cycle_bits(&p, pf, s, n, bits, &ram, &zero);
		if (!ret)
			ret = elfcore_writer_begin_cycle(w, s, n, bits);
		if (!ret)
			ret = write_cycle(&p, s, n, bits);
		if (ret)
			goto out;
	}
	if (o->progress)
		cap_progress_end(o->progress);
	st->zero_excluded += zero;
	st->write_seconds = mono() - t;
	if (pf && !single)
		st->filter = *elfcore_pagefilter_stats(pf);
out:
	stop_workers(&p);
	free_pipe(&p);
	free(bits);
	return ret;
}
