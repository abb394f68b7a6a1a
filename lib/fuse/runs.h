/* Internal: a change nobody explains whole, read as several reaches at their own places. */
#ifndef RF_FUSE_RUNS_H
#define RF_FUSE_RUNS_H

#include "hypotheses.h"

/* A change nobody explains whole may be several reaches merged into one, each at its own place
 * on the shelf, some taking and some putting back: its plates split into runs that lost or
 * gained weight, each run explained on its own and decided for the identified hand that fits
 * it best (diffs at c->t1 + wait). A single run that lost weight (a reach of three facings, or
 * two reaches side by side) is cut in two where both sides are best explained as takes. s:
 * the batch's hypothesis scratch, overwritten. Returns the number of runs decided, or -1 when
 * out of memory. */
int rf__decide_runs(rf_engine *e, const f_change *c, f_hyps *s, rf_time_us wait);

#endif
