/* Taking events in: each checked before anything changes, then kept — hand visits for the
 * changes they may explain, weight changes (from delta records, or settled by the load cells
 * from raw samples) until they are decided. */
#include "intake.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "terms.h"

/* Whether visit h goes after one of (shelf, t0, t1, shopper) in the engine's order. */
static int hand_after(const f_hand *h, uint32_t shelf, rf_time_us t0, rf_time_us t1,
                      int64_t shopper) {
  if (h->t1 != t1) return h->t1 > t1;
  if (h->shelf != shelf) return h->shelf > shelf;
  if (h->t0 != t0) return h->t0 > t0;
  return h->shopper > shopper;
}

int rf__take_hand(rf_engine *e, const rf_hand_rec *r, const char *awaited) {
  uint32_t shelf, who;
  /* Screened (screen.c): the numbers are in range, the shelf and any shopper exist. */
  rf_store_find_shelf(e->store, r->shelf, &shelf);
  /* Cameras name hands by the tracker's ids: mapped as the tracker's own fixes are. */
  int64_t shopper =
      r->shopper != NULL && rf__ledger_lookup(&e->ledger, r->shopper, &who) == 0
          ? (int64_t)rf__aliases_map(&e->swaps.aliases, who, r->t0 + (r->t1 - r->t0) / 2)
          : -1;
  char *copy = awaited != NULL ? rf__malloc(&e->alloc, strlen(awaited) + 1) : NULL;
  if ((awaited != NULL && copy == NULL) ||
      RF__RESERVE(&e->alloc, e->hands, e->hand_cap, e->hand_count + 1) != 0) {
    rf__free(&e->alloc, copy);
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  }
  if (copy != NULL) memcpy(copy, awaited, strlen(awaited) + 1);
  /* Kept in the order of their ends (then shelf, start, shopper), not of arrival: the visits of
   * several cameras interleaved either way make the same columns in the same order. */
  size_t at = e->hand_count;
  while (at > 0 && hand_after(&e->hands[at - 1], shelf, r->t0, r->t1, shopper)) --at;
  memmove(e->hands + at + 1, e->hands + at, (e->hand_count - at) * sizeof *e->hands);
  f_hand *h = &e->hands[at];
  memset(h, 0, sizeof *h);
  h->shelf = shelf;
  h->shopper = shopper;
  h->awaited = copy;
  h->t0 = r->t0;
  h->t1 = r->t1;
  h->has_x = r->has_x;
  h->x = r->x;
  h->conf = r->has_conf ? r->conf : 1.0;
  h->holding_in = r->holding_in;
  h->holding_out = r->holding_out;
  h->hint_product = -1;
  for (size_t k = 0; k < r->sku_score_count; ++k) {
    uint32_t p;
    if (rf_store_find_product(e->store, r->sku_scores[k].sku, &p) != 0) continue;
    if (h->hint_product < 0 || r->sku_scores[k].score > h->hint_score) {
      h->hint_product = p;
      h->hint_score = r->sku_scores[k].score;
    }
  }
  rf__hint_terms(h, rf__shelf_facings(e, shelf));
  e->hand_count++;
  return 0;
}

/* Where a change ending at t1 on `shelf` after t0 goes among those waiting: they are kept in
 * the order of their ends (then shelf, then start), not of their arrival, so the records of two
 * shelf gateways interleaved either way wait, and are decided, in the same order. */
static size_t pending_place(const rf_engine *e, uint32_t shelf, rf_time_us t0, rf_time_us t1) {
  size_t at = e->pending_count;
  while (at > 0) {
    const f_change *p = &e->pending[at - 1];
    if (p->t1 < t1 || (p->t1 == t1 && (p->shelf < shelf || (p->shelf == shelf && p->t0 <= t0))))
      break;
    --at;
  }
  return at;
}

void rf__hands_identify(rf_engine *e, const char *id, uint32_t slot, rf_time_us entered) {
  for (size_t k = 0; k < e->hand_count; ++k) {
    f_hand *h = &e->hands[k];
    if (h->awaited == NULL || strcmp(h->awaited, id) != 0 || h->t1 < entered) continue;
    h->shopper = slot;
    rf__free(&e->alloc, h->awaited);
    h->awaited = NULL;
  }
}

void rf__hands_forget(rf_engine *e, size_t count) {
  if (count == 0) return;
  for (size_t k = 0; k < count; ++k) rf__free(&e->alloc, e->hands[k].awaited);
  memmove(e->hands, e->hands + count, (e->hand_count - count) * sizeof *e->hands);
  e->hand_count -= count;
}

/* Adds a settled change of a shelf to those waiting to be decided: g[k] for each plate of the
 * shelf, `reported` plates of it moved; `lists_quiet` when the plates it lists that did not move
 * show their noise (a delta record's; the load cells list only plates that moved). Room for it must
 * have been reserved (rf__reserve_changes). Its event number comes when it is decided (batch.c). */
static void add_change(rf_engine *e, uint32_t shelf, rf_time_us t0, rf_time_us t1,
                       const double *g_in, int reported, int faulty, int lists_quiet) {
  rf_shelf_def def;
  rf_store_shelf(e->store, shelf, &def);
  size_t n = def.plate_count;
  double *g = e->g_pool + e->g_len;
  memcpy(g, g_in, n * sizeof *g);
  double total = 0.0, mass = 0.0, moment = 0.0;
  for (size_t k = 0; k < n; ++k) {
    total += g[k];
    double w = fabs(g[k]);
    mass += w;
    moment += w * 0.5 * (def.plates[k].x0 + def.plates[k].x1);
  }
  size_t at = pending_place(e, shelf, t0, t1);
  memmove(e->pending + at + 1, e->pending + at, (e->pending_count - at) * sizeof *e->pending);
  e->pending_count++;
  f_change *c = &e->pending[at];
  memset(c, 0, sizeof *c);
  c->shelf = shelf;
  c->t0 = t0;
  c->t1 = t1;
  c->event = -1;
  c->first_g = e->g_len;
  c->reported = reported;
  c->faulty = faulty;
  c->lists_quiet = lists_quiet;
  c->total = total;
  c->center_x = mass > 0 ? moment / mass : 0.5 * (def.plates[0].x0 + def.plates[n - 1].x1);
  e->g_len += n;
}

/* The plates of pending change c (its shelf's). */
static size_t plates_of(const rf_engine *e, const f_change *c) {
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  return def.plate_count;
}

void rf__compact_changes(rf_engine *e) {
  size_t live = 0;
  for (size_t q = 0; q < e->pending_count; ++q) live += plates_of(e, &e->pending[q]);
  if (2 * live >= e->g_len) return;
  /* Each change moves down, in the order they sit in the pool, so none overwrites another's
   * plates (few are pending: the quadratic pick costs nothing). */
  size_t to = 0, from = 0;
  for (size_t moved = 0; moved < e->pending_count; ++moved) {
    f_change *next = NULL;
    for (size_t q = 0; q < e->pending_count; ++q)
      if (e->pending[q].first_g >= from && (next == NULL || e->pending[q].first_g < next->first_g))
        next = &e->pending[q];
    size_t n = plates_of(e, next);
    from = next->first_g + 1;
    memmove(e->g_pool + to, e->g_pool + next->first_g, n * sizeof *e->g_pool);
    next->first_g = to;
    to += n;
  }
  e->g_len = to;
}

/* Room for `changes` more changes of up to `plates` plates each. */
int rf__reserve_changes(rf_engine *e, size_t changes, size_t plates) {
  if (RF__RESERVE(&e->alloc, e->g_pool, e->g_cap, e->g_len + changes * plates) != 0 ||
      RF__RESERVE(&e->alloc, e->pending, e->pending_cap, e->pending_count + changes) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  return 0;
}

int rf__take_delta(rf_engine *e, const rf_delta_rec *r) {
  uint32_t shelf, plate;
  /* Screened (screen.c): times in order, changes finite, the shelf and its plates exist. */
  rf_store_find_shelf(e->store, r->shelf, &shelf);
  rf_shelf_def def;
  rf_store_shelf(e->store, shelf, &def);
  uint32_t first = rf_store_shelf_first_plate(e->store, shelf);
  if (rf__reserve_changes(e, 1, def.plate_count) != 0) return RF_ENOMEM;
  memset(e->event_g, 0, def.plate_count * sizeof *e->event_g);
  for (size_t k = 0; k < r->plate_count; ++k) {
    rf_store_find_plate(e->store, r->plates[k].plate, &plate);
    e->event_g[plate - first] += r->plates[k].g;
  }
  add_change(e, shelf, r->t0, r->t1, e->event_g, (int)r->plate_count, 0, 1);
  return 0;
}

/* The load cells settled a change of a shelf: the plates that moved (or changed by more than
 * three sd) are its per-plate changes, as a delta record would list them. A faulty plate's
 * change says nothing and is left out; the rest of the change is trusted less. */
int rf__take_shelf_event(const rf_shelf_event *ev, void *payload) {
  rf_engine *e = payload;
  int reported = 0, faulty = 0;
  for (size_t k = 0; k < ev->plate_count; ++k) {
    int counts = ev->moved[k] || fabs(ev->delta_g[k]) > 3.0 * ev->sd_g[k];
    faulty |= counts && ev->faulty[k];
    counts = counts && !ev->faulty[k];
    e->event_g[k] = counts ? ev->delta_g[k] : 0.0;
    reported += counts;
  }
  if (reported == 0) return 0; /* only faulty plates moved */
  /* Reserved before the readings were handed over (rf__take_samples): this cannot fail. */
  if (e->pending_count == e->pending_cap || e->g_len + ev->plate_count > e->g_cap)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  add_change(e, ev->shelf, ev->t0, ev->t1, e->event_g, reported, faulty, 0);
  return 0;
}

int rf__pass_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  rf_engine *e = payload;
  if (e->on_fault == NULL) return 0;
  rf_plate_def def;
  rf_store_plate(e->store, plate, &def, NULL);
  e->on_fault(def.plate, fault, t, e->fault_payload);
  return 0;
}

int rf__take_samples(rf_engine *e, const rf_samples_rec *r) {
  uint32_t plate, shelf;
  if (r->plate == NULL) return rf__error(&e->err, RF_EINVAL, "samples: the plate id is missing");
  if (rf_store_find_plate(e->store, r->plate, &plate) != 0)
    return rf__error(&e->err, RF_ENOTFOUND, "samples: plate '%s' is not in the store", r->plate);
  rf_store_plate(e->store, plate, NULL, &shelf);
  rf_shelf_def def;
  rf_store_shelf(e->store, shelf, &def);
  /* A plate settles at least 3 readings apart: at most that many of its shelf's events end in
   * these readings, with room reserved now so none is lost. */
  if (rf__reserve_changes(e, r->count / 3 + 2, def.plate_count) != 0) return RF_ENOMEM;
  int rc = rf_loadcell_push(e->loadcell, plate, r->t, r->dt_us, r->g, r->count);
  if (rc != 0)
    return rf__error(&e->err, rc, "%s (plate '%s')", rf_loadcell_errmsg(e->loadcell), r->plate);
  return 0;
}
