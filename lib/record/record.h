/* Internal: facts about records that several parts need. */
#ifndef RF_RECORD_RECORD_H
#define RF_RECORD_RECORD_H

#include "retailfuse/record.h"

/* The largest width or height of a camera's image, in pixels (docs/format.md, `camera`): beyond
 * any camera's, and small enough that a frame's pixel count (width x height) fits in 32 bits. */
#define RF__IMAGE_MAX 65535

/* The time span a record covers in *t0..*t1; returns 0 if it has none (store records, a
 * receipt without t, a review, an explanation) and leaves them unset. An input event is
 * complete at *t1: lateness is measured on that. */
int rf__record_span(const rf_record *r, rf_time_us *t0, rf_time_us *t1);

/* Whether records of `type` are input events (docs/format.md §3): those that carry `source` and
 * `seq`. Restock and review came later than the others, so they are not within ENTER..HAND. A
 * review bears no time (rf__record_span gives none). */
static inline int rf__record_is_input(rf_record_type type) {
  return (type >= RF_RECORD_ENTER && type <= RF_RECORD_HAND) || type == RF_RECORD_RESTOCK ||
         type == RF_RECORD_REVIEW;
}

/* The evidence terms of an explanation's alternative (record.h, rf_evidence), in the order
 * docs/format.md lists them ("weight", "plates", "prior", "hand", "identity", "position"): term
 * k's name and value, and setting it. */
#define RF__EVIDENCE_TERMS 6
const char *rf__evidence_term_name(int k);
double rf__evidence_term(const rf_evidence *e, int k);
void rf__evidence_set(rf_evidence *e, int k, double v);

/* Whether `how` is one of the ways an explanation says a change was read (docs/format.md,
 * "explain": "whole", "split", "merged", "runs", "restock", "nobody"). */
int rf__explain_how_known(const char *how);

/* Whether records of `type` describe the store (docs/format.md §2), coming before any event.
 * Cameras and zones came later than the others, so they are not within PRODUCT..FACING. */
static inline int rf__record_is_store(rf_record_type type) {
  return (unsigned)type <= RF_RECORD_FACING || type == RF_RECORD_CAMERA || type == RF_RECORD_ZONE;
}

#endif
