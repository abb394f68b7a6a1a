/* Internal: what a change could have been — the take hypotheses of a decrease (items of one
 * facing, of two neighbouring facings, or lying loose) and the put-back hypotheses of an
 * increase for one shopper (items of their cart, home or left there, and items an earlier take
 * may have given them after all) — with their likelihoods, how well a hand visit fits them, and
 * which of them make the same diffs. */
#ifndef RF_FUSE_HYPOTHESES_H
#define RF_FUSE_HYPOTHESES_H

#include "terms.h"

/* The most items staff are read as putting on a facing at once (each count equally likely). */
#define RF__RESTOCK_MOST 12

/* The most hypotheses one change (or one shopper's put-backs) is read as. */
#define RF__MAX_WHAT 2048

typedef struct f_what { /* one hypothesis */
  double logl;
  double lo, hi; /* where along the shelf the items were (takes) */
  uint32_t product[2];
  int64_t qty[2];
  int parts;
  int loose;         /* taken from e->loose[loose], or -1 */
  int misplaced;     /* put back away from its facing */
  int decision, alt; /* a put-back of an item an earlier take should have given this
                        shopper: e->decisions[decision].alt[alt]; -1 if none */
} f_what;

typedef struct f_hyps { /* one change's hypotheses, in the engine's scratch */
  f_what *takes;
  size_t take_count;
  double take_logl;         /* log of the summed likelihood of all takes */
  const f_change *takes_of; /* the change they were enumerated for (NULL: none) ... */
  size_t loose_seen;        /* ... with the engine's loose items as they were then */
  f_what *puts;             /* for one shopper at a time */
  size_t put_count;
} f_hyps;

/* Every way the shelf could have lost this weight into s->takes (none for an increase). */
void rf__enumerate_takes(const rf_engine *e, const f_change *c, f_hyps *s);

/* The same, enumerated again only if another change's (or a loose item's) were enumerated
 * since. */
void rf__takes_of(const rf_engine *e, const f_change *c, f_hyps *s);

/* Every item this shopper could have put back into s->puts (none for a decrease); returns the
 * log of their summed likelihood. */
double rf__enumerate_puts(const rf_engine *e, const f_change *c, uint32_t shopper, f_hyps *s);

/* Whether decision d may still be corrected into cart `into`: not corrected yet, neither cart
 * receipted, `into` not staff's, and the cart its items are in now (a link moves them) still
 * holds them, so undoing it takes no cart below zero. */
int rf__correctable(const rf_engine *e, const f_decision *d, uint32_t into);

/* log L(what | shopper): takes do not depend on the shopper (enumerated already), put-backs on
 * their cart. */
double rf__what_logl(const rf_engine *e, const f_change *c, uint32_t shopper, f_hyps *s);

/* log of how well a hand visit fits a change: for a decrease, its place (and sku hint) scored
 * against where each take hypothesis says the items were, weighed by the hypotheses'
 * likelihoods, and spared what it explained in earlier batches; for an increase, against the
 * change's centre of weight. -inf: not a candidate. */
double rf__visit_fit(const rf_engine *e, const f_change *c, const f_hyps *s, const f_hand *h);

/* Hypotheses that make the same diffs (the same items, the same earlier decision corrected) are
 * one decision: their weights (log, hinted[i] for list[i]) add. Returns the hypothesis that
 * stands for the most probable decision — its group's weightiest — and its group's summed
 * weight in *group_logl; ties go to the group seen first in the list. order and tmp: room for
 * count indices each. */
const f_what *rf__most_probable(const f_what *list, const double *hinted, size_t count,
                                int32_t *order, int32_t *tmp, double *group_logl);

#endif
