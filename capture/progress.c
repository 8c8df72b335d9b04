/* Progress display of kdump-capture (capture/progress.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

struct cap_progress {
	enum cap_progress_mode mode;
	unsigned line_seconds;
	const char *phase;
	uint64_t total, done, bytes;
	double start, last;
	int bar_shown;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct cap_progress *cap_progress_new(enum cap_progress_mode mode, unsigned line_seconds)
{
	struct cap_progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (mode == CAP_PROGRESS_AUTO)
		mode = isatty(STDERR_FILENO) ? CAP_PROGRESS_BAR : CAP_PROGRESS_LINES;
	p->mode = mode;
	p->line_seconds = line_seconds ? line_seconds : 5;
	return p;
}

void cap_progress_free(struct cap_progress *p)
{
	free(p);
}

void cap_progress_phase(struct cap_progress *p, const char *name, uint64_t total)
{
	if (!p)
		return;
	p->phase = name;
	p->total = total;
	p->done = p->bytes = 0;
	p->start = p->last = now();
	p->bar_shown = 0;
}

static void fmt_eta(char *buf, size_t n, double secs)
{
	if (secs < 0 || secs > 359999)
		snprintf(buf, n, "--:--");
	else
		snprintf(buf, n, "%d:%02d", (int)secs / 60, (int)secs % 60);
}

static void show(struct cap_progress *p, int final)
{
	double t = now(), el = t - p->start;
	double rate = el > 0 ? (double)p->bytes / el / 1e6 : 0;
	double frac = p->total ? (double)p->done / (double)p->total : 0;
	char eta[16];

	if (frac > 1)
		frac = 1;
	fmt_eta(eta, sizeof(eta), frac > 0 && !final ? el / frac - el : final ? el : -1);
	if (p->mode == CAP_PROGRESS_BAR) {
		char bar[31];
		int fill = (int)(frac * 30);

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(30 - fill));
		bar[30] = '\0';
		fprintf(stderr, "\r%-8s [%s] %3d%% %8.1f MB/s %s %s", p->phase, bar, (int)(frac * 100),
			rate, final ? "took" : "ETA", eta);
		if (final)
			fputc('\n', stderr);
		p->bar_shown = !final;
	} else {
		fprintf(stderr, "kdump-capture: %s %3d%% (%llu/%llu pages) %.1f MB/s %s %s\n", p->phase,
			(int)(frac * 100), (unsigned long long)p->done, (unsigned long long)p->total,
			rate, final ? "took" : "ETA", eta);
	}
	fflush(stderr);
	p->last = t;
}

void cap_progress_update(struct cap_progress *p, uint64_t done, uint64_t bytes)
{
	double t;

	if (!p || p->mode == CAP_PROGRESS_QUIET)
		return;
	p->done = done;
	p->bytes = bytes;
	t = now();
	if (t - p->last >= (p->mode == CAP_PROGRESS_BAR ? 0.2 : p->line_seconds))
		show(p, 0);
}

void cap_progress_end(struct cap_progress *p)
{
	if (!p || p->mode == CAP_PROGRESS_QUIET)
		return;
	if (p->total)
		p->done = p->total;
	show(p, 1);
}

void cap_progress_msg(struct cap_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p && p->mode == CAP_PROGRESS_QUIET)
		return;
	if (p && p->bar_shown) {
		fputc('\n', stderr);
		p->bar_shown = 0;
	}
	fputs("kdump-capture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
