/* Late evidence: a hand visit weighed into a take decided without it. */
#include "late.h"

#include <math.h>

#include "emit.h"
#include "hypotheses.h"
#include "retailfuse/status.h"
#include "revise.h"
#include "terms.h"

/* The hand record as the engine keeps visits, for the likelihood terms. */
static f_hand as_visit(uint32_t shelf, uint32_t shopper, const rf_hand_rec *r) {
  f_hand h = {0};
  h.shelf = shelf;
  h.shopper = shopper;
  h.t0 = r->t0;
  h.t1 = r->t1;
  h.has_x = r->has_x;
  h.x = r->x;
  h.conf = r->has_conf ? r->conf : 1.0;
  h.holding_in = r->holding_in;
  h.holding_out = r->holding_out;
  h.hint_product = -1;
  return h;
}

/* Decision d weighed again with visit h of cart `into`: the alternative's new probability, or
 * 0 when h says nothing for it. The visit is the alternative's reach (named right, fitting in
 * time and place) or, if the decision stands, a browse. */
static double reweigh(const rf_engine *e, const f_decision *d, const f_hand *h, uint32_t into) {
  const f_alt *alt = NULL;
  for (int a = 0; a < d->alt_count && alt == NULL; ++a)
    if (rf__ledger_cart_of(&e->ledger, d->alt[a].shopper) == into &&
        d->alt[a].product == d->product[0] && d->alt[a].qty == d->qty[0])
      alt = &d->alt[a];
  if (alt == NULL || h->t1 > d->t1 + rf__param_us(e, RF_PARAM_WAIT_S)) return 0.0;
  f_change c = {0};
  c.shelf = d->shelf;
  c.t0 = d->t0;
  c.t1 = d->t1;
  c.center_x = d->center_x;
  c.total = -1.0; /* a take */
  double fit = rf__hand_fit(e, h, &c);
  if (fit == -INFINITY) return 0.0;
  double ratio = (1.0 - e->param[RF_PARAM_WRONG_ID_RATE]) * exp(fit) /
                 e->param[RF_PARAM_BROWSE_RATE];
  double rest = fmax(0.0, 1.0 - d->conf - alt->prob);
  double x = alt->prob * ratio;
  return x / (x + d->conf + rest);
}

int rf__late_hand_corrects(rf_engine *e, const rf_hand_rec *r) {
  uint32_t shelf, who;
  if (r->shopper == NULL || rf_store_find_shelf(e->store, r->shelf, &shelf) != 0 ||
      rf__ledger_lookup(&e->ledger, r->shopper, &who) != 0 ||
      !rf__ledger_in_store_during(&e->ledger, who, r->t0, r->t1))
    return 0;
  f_hand h = as_visit(shelf, who, r);
  uint32_t into = rf__ledger_cart_of(&e->ledger, who);
  f_decision *best = NULL;
  double best_p = 0.5; /* more probable than not, and than the decision as it stands */
  for (size_t i = 0; i < e->decision_count; ++i) {
    f_decision *d = &e->decisions[i];
    if (d->shelf != shelf || d->parts != 1 || !rf__correctable(e, d, into) ||
        rf__ledger_cart_of(&e->ledger, d->cart) == into)
      continue;
    double p = reweigh(e, d, &h, into);
    if (p > best_p) { /* above a half: above the decision's own share too */
      best = d;
      best_p = p;
    }
  }
  if (best == NULL) return 0;
  if (rf__emit_reserve(e, 2) != 0) return RF_ENOMEM;
  rf__redo(e, best, into, best_p, e->clock);
  return 1;
}
