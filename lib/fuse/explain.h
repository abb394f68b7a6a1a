/* Internal: explanations (docs/format.md, "explain"). For a change just decided: the ways it
 * could have gone — each cart likely enough, each reading of what moved likely enough for that
 * cart, and nobody — with their probabilities and evidence terms, the candidates with their
 * distance to the spot, and the hand visits weighed. Made only when the host asked for them
 * (rf_engine_set_explain); a deciding job knows nothing of them: batch.c hands over the row. */
#ifndef RF_FUSE_EXPLAIN_H
#define RF_FUSE_EXPLAIN_H

#include "hypotheses.h"

/* What a deciding batch knows of one row once it is decided. */
typedef struct f_explain_row {
  const f_change *c;
  const f_row_terms *row; /* NULL: not weighed (staff announced it) */
  const double *post;     /* per shopper: their cart's posterior */
  double nobody;          /* the probability nobody made it */
  const int32_t *hand_of; /* the batch's columns: their hand visits ... */
  size_t cols;
  const double *P; /* ... and this row's marginal of each */
  f_hyps *s;       /* the batch's hypotheses (scratch: overwritten) */
  double missed;   /* MISSED_HAND_RATE */
  rf_time_us t;    /* when it was decided */
  const char *how;
} f_explain_row;

/* An explanation as it is queued: the record and everything it points at, in one block. */
typedef struct f_explain f_explain;

/* The diffs the row being decided makes are noted as they go out (emit.c). */
void rf__explain_begin_row(rf_engine *e, int64_t event);
void rf__explain_note_diff(rf_engine *e, const f_out *diff);

/* Makes the row's explanation and hands it out after its diffs, queued or to the callback. Out
 * of memory it is left out and counted (rf_engine_stats.explain_dropped): nothing fails. */
void rf__explain(rf_engine *e, const f_explain_row *x);

/* The record of a queued explanation. */
const rf_explain_rec *rf__explain_record(const f_explain *x);

void rf__explain_free(rf_engine *e, f_explain *x);

#endif
