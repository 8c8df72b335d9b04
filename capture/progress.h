/* Progress on stderr: a bar with rate and ETA on a terminal, one line every
 * few seconds otherwise (the capture kernel's console), nothing with --quiet. */
#ifndef CAPTURE_PROGRESS_H
#define CAPTURE_PROGRESS_H

#include <stdint.h>

struct cap_progress;

enum cap_progress_mode { CAP_PROGRESS_AUTO, CAP_PROGRESS_QUIET, CAP_PROGRESS_BAR, CAP_PROGRESS_LINES };

struct cap_progress *cap_progress_new(enum cap_progress_mode mode, unsigned line_seconds);
void cap_progress_free(struct cap_progress *p);
/* A new phase: "scanning", "writing"; total in pages (0: unknown). */
void cap_progress_phase(struct cap_progress *p, const char *name, uint64_t total);
/* done pages so far, bytes read so far; prints when due. Thread: one caller. */
void cap_progress_update(struct cap_progress *p, uint64_t done, uint64_t bytes);
/* End the phase (prints the final state). */
void cap_progress_end(struct cap_progress *p);
/* Print a message line without breaking a bar. */
void cap_progress_msg(struct cap_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
