/* Internal: decided takes kept for the revision horizon with the other ways they could have
 * gone, and the corrections a later put-back makes of them (undo and redo diffs that name the
 * diff they correct). */
#ifndef RF_FUSE_REVISE_H
#define RF_FUSE_REVISE_H

#include "hypotheses.h"

/* A row's decision as the batch made it. */
typedef struct f_choice {
  const f_change *c;
  const f_what *w;     /* the hypothesis chosen ... */
  const f_hyps *s;     /* ... among these */
  double all;          /* log of the summed (hinted) weight of every hypothesis */
  double conf;         /* the decision's probability */
  uint32_t best, cart; /* the shopper chosen and their cart */
  const double *post;  /* per shopper: their cart's posterior */
  uint32_t shoppers;
  const f_hand *their; /* the hand visit most likely theirs, NULL if none ... */
  int hinted;          /* ... and whether the hypotheses were weighed by it */
} f_choice;

/* Keeps a decided one-part take (its diff numbered seq) with the other ways it could have
 * gone: other carts (the same items) and, for the cart chosen, another product. Room for it
 * must be reserved (then it cannot fail); 0, or -1 when out of memory. */
int rf__remember(rf_engine *e, const f_choice *ch, int64_t seq);

/* The put-back of ch corrects the earlier take it names (ch->w->decision >= 0): undoes that
 * take and redoes it as its alternative, both diffs at t naming the diff they correct, and
 * moves the receipt's doubt with the decision. 0, or the emission's error. */
int rf__correct(rf_engine *e, const f_choice *ch, rf_time_us t);

/* Undoes decision d where its items are now and redoes it into cart `into` (correctable), with
 * probability p, at t: two diffs naming d's, room for which must be reserved. */
void rf__redo(rf_engine *e, f_decision *d, uint32_t into, double p, rf_time_us t);

/* Forgets the decisions the revision horizon no longer reaches at `now`. */
void rf__forget_decisions(rf_engine *e, rf_time_us horizon, rf_time_us now);

/* Whether a kept decision names this cart, or one of its alternatives this shopper. */
int rf__decisions_name(const rf_engine *e, uint32_t slot);

#endif
