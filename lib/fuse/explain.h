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

#define MAX_ALTS 8
#define MAX_CANDIDATES 8
#define MAX_HANDS 16

/* An alternative while it is being chosen: who (a shopper slot standing for the cart, -1 for
 * nobody) and the hypothesis standing for the reading. */
typedef struct f_explain_draft {
  int64_t shopper;
  f_what w;
  int sign; /* what the cart gains per item: 1 a take, -1 a put-back */
  double p;
  rf_evidence terms;
} f_explain_draft;

/* What an explanation reads of the engine, read before the row is decided: deciding changes
 * carts (a put-back's items are gone from the cart once it is decided) and loose items. */
typedef struct f_explain_prep {
  f_explain_draft alts[MAX_ALTS];
  size_t na;
  uint32_t cands[MAX_CANDIDATES];
  size_t nc;
  int32_t hcols[MAX_HANDS];
  size_t nh;
} f_explain_prep;

/* Before the row is decided (x's how and diffs unused): its alternatives, candidates, hands. */
void rf__explain_prepare(rf_engine *e, const f_explain_row *x, f_explain_prep *p);

/* After: the explanation with the row's diffs, handed out after them, queued or to the
 * callback. Out of memory it is left out and counted (rf_engine_stats.explain_dropped): nothing
 * fails. */
void rf__explain_finish(rf_engine *e, const f_explain_row *x, const f_explain_prep *p);

/* The record of a queued explanation. */
const rf_explain_rec *rf__explain_record(const f_explain *x);

void rf__explain_free(rf_engine *e, f_explain *x);

#endif
