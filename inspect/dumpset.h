/* Opening a dump given as one file or as the parts of a --split set. */
#ifndef INSPECT_DUMPSET_H
#define INSPECT_DUMPSET_H

#include "kview.h"

/* Like kview_open(path, 0) for n == 1; n > 1 opens a --split set (kv->path
 * is the first part). Prints the one-line error; returns the exit code. */
int dumpset_open(struct kview *kv, char **paths, int n);

#endif
