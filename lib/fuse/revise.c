/* Decisions kept for revision, and the corrections later evidence makes of them. */
#include "revise.h"

#include <string.h>

#include "core/alloc.h"
#include "emit.h"

void rf__forget_decisions(rf_engine *e, rf_time_us horizon, rf_time_us now) {
  /* Called on every push: a pass only when the oldest kept decision has aged out. */
  if (e->decision_count == 0 || e->decisions_oldest_t1 + horizon >= now) return;
  size_t keep = 0;
  rf_time_us oldest = INT64_MAX;
  for (size_t i = 0; i < e->decision_count; ++i)
    if (e->decisions[i].t1 + horizon >= now) {
      e->decisions[keep++] = e->decisions[i];
      if (e->decisions[i].t1 < oldest) oldest = e->decisions[i].t1;
    }
  e->decision_count = keep;
  e->decisions_oldest_t1 = oldest;
}

int rf__decisions_name(const rf_engine *e, uint32_t slot) {
  for (size_t i = 0; i < e->decision_count; ++i) {
    const f_decision *d = &e->decisions[i];
    if (d->cart == slot) return 1;
    for (int a = 0; a < d->alt_count; ++a)
      if (d->alt[a].shopper == slot) return 1;
  }
  return 0;
}

/* The other carts the items could have gone to, likeliest first, each once (post[] is its
 * members' sum), as long as they are at least 1 % probable. */
static void other_carts(const rf_engine *e, const f_choice *ch, f_decision *d) {
  const rf__ledger *l = &e->ledger;
  double what_p = ch->conf / (ch->post[ch->best] > 0 ? ch->post[ch->best] : 1);
  for (int n = 0; n < RF__ALTS - 1; ++n) {
    int64_t pick = -1;
    for (uint32_t k = 0; k < ch->shoppers; ++k) {
      uint32_t cart_k = rf__ledger_cart_of(l, k);
      if (cart_k == rf__ledger_cart_of(l, ch->best) || ch->post[k] < 0.01) continue;
      int taken = 0;
      for (int a = 0; a < d->alt_count && !taken; ++a)
        taken = rf__ledger_cart_of(l, d->alt[a].shopper) == cart_k;
      if (!taken && (pick < 0 || ch->post[k] > ch->post[pick])) pick = k;
    }
    if (pick < 0) break;
    d->alt[d->alt_count++] =
        (f_alt){(uint32_t)pick, ch->w->product[0], ch->w->qty[0], ch->post[pick] * what_p};
  }
}

/* The other product for the shopper chosen, weighed as the decision weighed it: with the sku
 * hint and place of their hand. */
static void other_product(const rf_engine *e, const f_choice *ch, f_decision *d) {
  size_t nf = rf__shelf_facings(e, ch->c->shelf);
  const f_what *other = NULL;
  double other_l = -INFINITY;
  for (size_t i = 0; i < ch->s->take_count; ++i) {
    const f_what *o = &ch->s->takes[i];
    if (o->parts != 1 || o->loose >= 0 || o->product[0] == ch->w->product[0]) continue;
    double l = o->logl +
               (ch->their && ch->hinted
                    ? rf__hand_items_logl(e, ch->their, ch->c, o->product[0], o->lo, o->hi, nf)
                    : 0.0);
    if (other == NULL || l > other_l) {
      other = o;
      other_l = l;
    }
  }
  if (other != NULL && d->alt_count < RF__ALTS) {
    double p = ch->post[ch->best] * exp(other_l - ch->all);
    if (p >= 0.01) d->alt[d->alt_count++] = (f_alt){ch->best, other->product[0], other->qty[0], p};
  }
}

int rf__remember(rf_engine *e, const f_choice *ch, int64_t seq) {
  /* Aged by the decision's own time, not the clock: a tracker id swap found before it and applied
   * after it then finds the same decisions, however far the clock had run. */
  rf__forget_decisions(e, rf__param_us(e, RF_PARAM_REVISION_S),
                       ch->c->t1 + rf__param_us(e, RF_PARAM_WAIT_S));
  if (RF__RESERVE(&e->alloc, e->decisions, e->decision_cap, e->decision_count + 1) != 0) return -1;
  const f_change *c = ch->c;
  if (e->decision_count == 0 || c->t1 < e->decisions_oldest_t1) e->decisions_oldest_t1 = c->t1;
  f_decision *d = &e->decisions[e->decision_count++];
  memset(d, 0, sizeof *d);
  d->event = c->event;
  d->shelf = c->shelf;
  d->cart = ch->cart;
  d->t0 = c->t0;
  d->t1 = c->t1;
  d->center_x = c->center_x;
  d->parts = 1;
  d->product[0] = ch->w->product[0];
  d->qty[0] = ch->w->qty[0];
  d->seq[0] = seq;
  d->conf = ch->conf;
  d->review = rf__emit_flags_review(e, ch->conf);
  other_carts(e, ch, d);
  other_product(e, ch, d);
  return 0;
}

void rf__redo(rf_engine *e, f_decision *d, uint32_t into, double p, rf_time_us t) {
  uint32_t from = rf__ledger_cart_of(&e->ledger, d->cart);
  rf__emit_diff(e, d->event, from, d->product[0], -d->qty[0], p, t, d->seq[0], NULL);
  rf__emit_diff(e, d->event, into, d->product[0], d->qty[0], p, t, d->seq[0], NULL);
  d->corrected = 1;
  if (d->review) rf__ledger_unflag(&e->ledger, from);
  if (rf__emit_flags_review(e, p)) rf__ledger_flag(&e->ledger, into);
}

int rf__correct(rf_engine *e, const f_choice *ch, rf_time_us t) {
  f_decision *d = &e->decisions[ch->w->decision];
  const f_alt *alt = &d->alt[ch->w->alt];
  /* The items are undone where they are now: a link may have moved them to another cart. */
  uint32_t from = rf__ledger_cart_of(&e->ledger, d->cart);
  int rc;
  if ((rc = rf__emit_diff(e, d->event, from, d->product[0], -d->qty[0], ch->conf, t, d->seq[0],
                          NULL)) != 0 ||
      (rc = rf__emit_diff(e, d->event, ch->cart, alt->product, alt->qty, ch->conf, t, d->seq[0],
                          NULL)) != 0)
    return rc;
  d->corrected = 1;
  /* The receipt's doubt follows the decision: the undone take's flag goes, the redo's comes. */
  if (d->review) rf__ledger_unflag(&e->ledger, from);
  if (rf__emit_flags_review(e, ch->conf)) rf__ledger_flag(&e->ledger, ch->cart);
  return 0;
}
