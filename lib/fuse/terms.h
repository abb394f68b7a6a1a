/* Internal: the likelihood terms the decisions share — how well items of a weight fit a change's
 * plates, the priors, how plausibly a shopper or a hand visit made a change, and the terms of
 * one change of a batch. docs/likelihood.md writes them out. */
#ifndef RF_FUSE_TERMS_H
#define RF_FUSE_TERMS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define RF__LOG_2PI 1.8378770664093453
/* Two shoppers whose hands are both in a shelf zone while it changes, and who both take: the
 * chance their takes fall close enough in time to read as one change. */
#define RF__SPLIT_MERGE_RATE 0.3
/* The chance one reach takes from two facings (each facing beyond the first costs this): the
 * take hypotheses of two neighbouring facings and a merged reading's hand at several facings
 * must weigh it alike. */
#define RF__TWO_FACING_PRIOR 0.05
/* Of the items of one reach: the chance it moved one item, and each further item's. */
#define RF__ONE_ITEM_PRIOR 0.8
#define RF__MORE_ITEM_PRIOR 0.2
/* An item lying loose (put back away from its facing) rests on about this much of the shelf
 * either side of where it was left (m); a take of loose items is half as likely a priori. */
#define RF__LOOSE_HALF_WIDTH 0.07
#define RF__LOOSE_TAKE_PRIOR 0.5

/* log(exp(a) + exp(b)), without overflow; either may be -inf. */
static inline double rf__logsumexp_add(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  /* Below -745.2 exp() is exactly 0 (reached through the C library's slow underflow path):
   * the larger term alone is the same sum. */
  if (a > b ? b - a < -745.2 : a - b < -745.2) return a > b ? a : b;
  return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* The noise of the shelf's plates in grams (its own, else the engine's), at least 0.05. */
double rf__noise_of(const rf_engine *e, uint32_t shelf);

/* The weight of one item of product p and its spread (sd), in grams, as hypotheses weigh it:
 * the calibration's learned weight, and the item's own spread widened by what the calibration
 * does not know yet (a 3 % catalogue error is no surprise before any evidence, and 5 sd after a
 * day of it). */
void rf__product_weight(const rf_engine *e, uint32_t p, double *w, double *sd);

/* The same with the item's own spread alone (what the store declared, or SD_FRACTION). */
void rf__item_weight(const rf_engine *e, uint32_t p, double *w, double *sd);

/* Log-likelihood of the change if weight[i] grams (spread var_items[i]) moved within the span
 * [lo[i], hi[i]] along the shelf, for each of `spans` spans (1 or 2): the total fits the summed
 * weight, and plates outside every span saw only noise. Two spans that share no plate say more:
 * how the total divides between their plates must follow their weights. That term is measured
 * against the one a single span implies (any division equally likely, density 1 / total), so
 * one- and two-span hypotheses stay comparable. In two steps: rf__spans_of, what the plates say
 * whatever the items weigh, once per set of spans; then rf__fit_weights for each count of items
 * on them (the plate loop is the engine's hottest: a facing's counts share one). */
typedef struct f_spans {
  int spans, reported, shared;
  int plates_in[2]; /* plates under span i alone */
  double mass[2];   /* the weight those plates lost (a take) or gained */
  double outside;   /* log L of the plates under no span seeing only noise */
  double sigma;     /* the shelf's plate noise */
} f_spans;

void rf__spans_of(const rf_engine *e, const f_change *c, const double *lo, const double *hi,
                  int spans, f_spans *out);
double rf__fit_weights(const f_change *c, const f_spans *s, const double *weight,
                       const double *var_items);

/* log L of "nobody: noise or an unknown item", spread flat over a couple of kilograms. */
double rf__unexplained_logl(const rf_engine *e);

/* The prior of moving q items at once: most reaches move one. */
static inline double rf__quantity_prior(int64_t q) {
  return log(RF__ONE_ITEM_PRIOR) + (double)(q - 1) * log(RF__MORE_ITEM_PRIOR);
}

/* Whether shopper s could have made change c: in the store at some moment of it. */
int rf__candidate(const rf_engine *e, uint32_t s, const f_change *c);

/* How plausible it is that shopper s stands at the shelf of change c, as a density over the
 * floor (per m^2): a shopper reaching a shelf stands within POSITION_SCALE_M of its front
 * centre — or, when the shelf's direction is known, of the point of its front line where the
 * change's weight centred (anyone near the front line can reach in). Their track says how
 * likely they stood there then: the mean over their fixes during the change or, with none then,
 * the fix nearest in time (within RF__TRACK_READ_BEFORE_US before it), its variance grown by
 * WANDER_M2_S a second between the two (never spread thinner than the floor, with a 5 % chance the
 * track was wrong); with no position, anywhere on the floor. Less so with a hand seen on another
 * shelf at the time. */
double rf__proximity(const rf_engine *e, uint32_t s, const f_change *c);

/* How far (m) shopper s stood from where change c's reach began — the point of the shelf's front
 * where its weight centred, or the front centre without a direction — by the mean of the fixes
 * rf__proximity reads: 0, or -1 with no fix (or a shelf with no position). */
int rf__distance_to_change(const rf_engine *e, uint32_t s, const f_change *c, double *out);

/* How long before a change a track is read at most (the nearest fix, when none fell during
 * it): the engine keeps every fix a decision still to come may read (push.c). */
#define RF__TRACK_READ_BEFORE_US ((rf_time_us)10000000)

/* log of how well hand visit h fits change c in time, and in place against the span [lo, hi]
 * of the shelf where the items were (-inf: not a candidate). */
double rf__hand_fit_at(const rf_engine *e, const f_hand *h, const f_change *c, double lo,
                       double hi);

/* The same, against where the change's weight centred. */
static inline double rf__hand_fit(const rf_engine *e, const f_hand *h, const f_change *c) {
  return rf__hand_fit_at(e, h, c, c->center_x, c->center_x);
}

/* log of how much a hand's sku hint supports product p: the hinted product gets the hint's
 * score and every other product of the shelf an equal share of the rest, against a hint-free
 * 1 / n each. 0 when the hand has no hint. */
double rf__hint_logl(const rf_engine *e, const f_hand *h, uint32_t p, size_t n);

/* Keeps h's hint terms for a shelf of n facings (its own), so rf__hint_logl takes no log. */
void rf__hint_terms(f_hand *h, size_t n);

/* log of how well hand visit h fits items of product p that were in [lo, hi]: its sku hint for
 * them, then its place and time (nf: the shelf's facings). */
static inline double rf__hand_items_logl(const rf_engine *e, const f_hand *h, const f_change *c,
                                         uint32_t p, double lo, double hi, size_t nf) {
  return rf__hint_logl(e, h, p, nf) + rf__hand_fit_at(e, h, c, lo, hi);
}

/* The number of facings on the shelf. */
size_t rf__shelf_facings(const rf_engine *e, uint32_t shelf);

typedef struct f_row_terms { /* one change of the batch */
  f_change change;
  double *what;        /* per shopper: log L(what | shopper) */
  double *prox;        /* per shopper: proximity, normalised over candidates */
  uint32_t candidates; /* shoppers with prox > 0 */
  double unexplained;  /* log L of "nobody: noise or an unknown item" */
} f_row_terms;

/* Who made hand visit hv, if it made this row's change: shopper k's probability given where
 * the candidates stood (prox) and the identity the camera gave. The camera names the right
 * shopper but for WRONG_ID_RATE, when it names any other candidate alike; so a name says less
 * the less likely it is that its shopper stood at the shelf. Anonymous: by position alone. */
double rf__hand_who(const rf_engine *e, const f_row_terms *row, const f_hand *hv, uint32_t k);

/* log L of row's change through hand visit hv made by shopper k (fit: the visit's fit to the
 * change, visit_fit in hypotheses.h; spared: the browse cost the visit no longer pays): the
 * column term of the batch's likelihood matrix. -inf when k is no candidate or not who hv
 * could be. */
static inline double rf__column_term(const rf_engine *e, const f_row_terms *row, const f_hand *hv,
                                     double fit, double spared, uint32_t k) {
  if (row->what[k] == -INFINITY || row->prox[k] <= 0) return -INFINITY;
  double id = rf__hand_who(e, row, hv, k);
  return id > 0 ? log(id) + fit + spared + row->what[k] : -INFINITY;
}

/* log L of row's change by shopper k in a reach the cameras missed (missed: the rate of those):
 * the no-column term. -inf when k is no candidate. */
static inline double rf__missed_term(const f_row_terms *row, double missed, uint32_t k) {
  if (row->what[k] == -INFINITY || row->prox[k] <= 0) return -INFINITY;
  return log(missed * row->prox[k]) + row->what[k];
}

/* The columns of a batch (batch.c): the hand visits that could explain one of its changes, and
 * the rows' likelihoods through each (L, due x cols) and through none (L0), each row scaled so
 * its largest term is 1. */
typedef struct f_columns {
  const int32_t *hand_of; /* per column: its hand visit */
  size_t cols;
  const double *L, *L0;
} f_columns;

/* Row r's evidence summed over every one-shopper explanation (each column, and none), on the
 * row's scale. */
static inline double rf__row_single(const f_columns *k, size_t r) {
  double single = k->L0[r];
  for (size_t j = 0; j < k->cols; ++j) single += k->L[r * k->cols + j];
  return single;
}

/* Plates that moved more than this read as part of a run (4 noise sigmas, at least 5 g). */
double rf__run_floor(const rf_engine *e, uint32_t shelf);

/* Which way plate change g moved past floor_g: -1 lost, 1 gained, 0 neither. */
static inline int rf__run_sign(double g, double floor_g) {
  return g < -floor_g ? -1 : g > floor_g ? 1 : 0;
}

#endif
