/* Swaps found, applied in the order they were found as the clock passes them: swaps.h says what
 * and why. */
#include <string.h>

#include "aliases.h"
#include "emit.h"
#include "hypotheses.h"
#include "retailfuse/status.h"
#include "revise.h"
#include "state.h"
#include "swaps.h"

/* A swap's ends moved up to the tracks' grid (track.h): a track keeps the newest fix of each
 * step, so a swap that splits no step moves the same fixes as mapping each as it comes would. */
static rf_time_us on_grid(rf_time_us t) {
  rf_time_us r = t % RF__TRACK_STEP_US;
  if (r < 0) r += RF__TRACK_STEP_US;
  return r == 0 ? t : t - r + RF__TRACK_STEP_US;
}

/* The cart a decision made for one of a and b goes to once they are swapped back, or -1. */
static int64_t swapped_cart(const rf_engine *e, const f_decision *d, uint32_t a, uint32_t b) {
  const rf__ledger *l = &e->ledger;
  uint32_t from = rf__ledger_cart_of(l, d->cart), ca = rf__ledger_cart_of(l, a),
           cb = rf__ledger_cart_of(l, b);
  if (ca == cb || (from != ca && from != cb)) return -1;
  uint32_t into = from == ca ? cb : ca;
  return rf__correctable(e, d, into) ? (int64_t)into : -1;
}

static int in_swap(const f_decision *d, const f_found *f) {
  return d->t0 >= f->since && d->t0 < f->until;
}

/* The tracker's ids a and b were swapped from `since` until `until`: the decisions, visits and
 * fixes of that time of the shoppers they named (through the swaps applied before) change hands,
 * and records of it still to come are mapped. 0 or RF_ENOMEM (nothing changed). */
static int relabel(rf_engine *e, const f_found *found, rf_time_us t) {
  f_found f = *found;
  f.since = on_grid(found->since);
  f.until = found->until == RF__FOREVER ? RF__FOREVER : on_grid(found->until);
  if (f.since >= f.until) return 0; /* within one step: nothing to relabel */
  f.a = rf__aliases_map(&e->swaps.aliases, found->a, found->since);
  f.b = rf__aliases_map(&e->swaps.aliases, found->b, found->since);
  size_t corrections = 0;
  for (size_t i = 0; i < e->decision_count; ++i)
    corrections += in_swap(&e->decisions[i], &f) &&
                   swapped_cart(e, &e->decisions[i], f.a, f.b) >= 0;
  if (rf__emit_reserve(e, 2 * corrections) != 0 ||
      rf__ledger_reserve_swap(&e->ledger, f.a, f.b) != 0)
    return RF_ENOMEM;
  for (size_t i = 0; i < e->decision_count; ++i) {
    f_decision *d = &e->decisions[i];
    int64_t into = in_swap(d, &f) ? swapped_cart(e, d, f.a, f.b) : -1;
    if (into >= 0) rf__redo(e, d, (uint32_t)into, d->conf, t);
  }
  for (size_t h = 0; h < e->hand_count; ++h) {
    f_hand *hv = &e->hands[h];
    rf_time_us mid = hv->t0 + (hv->t1 - hv->t0) / 2; /* as intake maps them (intake.c) */
    if (mid < f.since || mid >= f.until) continue;
    if (hv->shopper == (int64_t)f.a) hv->shopper = f.b;
    else if (hv->shopper == (int64_t)f.b) hv->shopper = f.a;
  }
  rf__ledger_swap_tracks(&e->ledger, f.a, f.b, f.since, f.until);
  rf__aliases_flip(&e->swaps.aliases, found->a, found->b, f.since);
  if (f.until != RF__FOREVER) rf__aliases_flip(&e->swaps.aliases, found->a, found->b, f.until);
  e->stats.track_swaps++;
  return 0;
}

rf_time_us rf__swaps_next_found(const rf_engine *e) {
  return e->swaps.found_count > 0 ? e->swaps.found[0].found : INT64_MAX;
}

int rf__swaps_apply_next(rf_engine *e, rf_time_us t) {
  f_swaps *w = &e->swaps;
  if (w->found_count == 0) return 0;
  int rc = relabel(e, &w->found[0], t);
  if (rc != 0) return rc;
  memmove(w->found, w->found + 1, (w->found_count - 1) * sizeof *w->found);
  w->found_count--;
  return 0;
}
