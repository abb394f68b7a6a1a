/* The engine's bookkeeping: parameters, the pushes of each event kind, shoppers and carts,
 * receipts, and the output queue. The decisions themselves are in decide.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "engine_internal.h"
#include "io/record.h"
#include "retailfuse/status.h"

typedef struct param_info {
  const char *name, *help;
  double def, min, max;
} param_info;

static const param_info params[RF_PARAM_COUNT] = {
#define RF__PARAM_INFO(name, def, lo, hi, desc) {#name, desc, def, lo, hi},
    RF_ENGINE_PARAM_MAP(RF__PARAM_INFO)
#undef RF__PARAM_INFO
};

const char *rf_engine_param_name(rf_engine_param p) {
  return (unsigned)p < RF_PARAM_COUNT ? params[p].name : NULL;
}

const char *rf_engine_param_help(rf_engine_param p) {
  return (unsigned)p < RF_PARAM_COUNT ? params[p].help : NULL;
}

int rf_engine_param_bounds(rf_engine_param p, double *min, double *max, double *def) {
  if ((unsigned)p >= RF_PARAM_COUNT) return RF_ERANGE;
  if (min) *min = params[p].min;
  if (max) *max = params[p].max;
  if (def) *def = params[p].def;
  return 0;
}

int rf_engine_param_set(rf_engine *e, rf_engine_param p, double value) {
  if (e == NULL || (unsigned)p >= RF_PARAM_COUNT) return RF_EINVAL;
  rf__error_clear(&e->err);
  if (!isfinite(value) || value < params[p].min || value > params[p].max)
    return rf__error(&e->err, RF_ERANGE, "%s = %g is outside [%g, %g]", params[p].name, value,
                     params[p].min, params[p].max);
  e->param[p] = value;
  return 0;
}

double rf_engine_param_get(const rf_engine *e, rf_engine_param p) {
  return (e != NULL && (unsigned)p < RF_PARAM_COUNT) ? e->param[p] : NAN;
}

/* The most plates one shelf has. */
static size_t widest_shelf(const rf_engine *e) {
  size_t widest = 1;
  for (uint32_t s = 0; s < e->shelves; ++s) {
    rf_shelf_def def;
    rf_store_shelf(e->store, s, &def);
    if (def.plate_count > widest) widest = def.plate_count;
  }
  return widest;
}

static int take_shelf_event(const rf_shelf_event *ev, void *payload);
static int pass_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload);

void rf_engine_free(rf_engine *e) {
  if (e == NULL) return;
  const rf_allocator *a = &e->alloc;
  rf__ledger_free(&e->ledger);
  rf__free(a, e->hands);
  rf__free(a, e->pending);
  rf__free(a, e->g_pool);
  rf__free(a, e->loose);
  rf__free(a, e->out);
  rf__free(a, e->decisions);
  f_scratch *sc = &e->scratch;
  rf__free(a, sc->takes);
  rf__free(a, sc->puts);
  rf__free(a, sc->rows);
  rf__free(a, sc->per_shopper);
  rf__free(a, sc->L);
  rf__free(a, sc->L0);
  rf__free(a, sc->P);
  rf__free(a, sc->P0);
  rf__free(a, sc->post);
  rf__free(a, sc->column_of);
  rf__free(a, sc->hand_of);
  rf__free(a, sc->split_fit);
  rf__free(a, sc->hinted);
  rf__free(a, sc->order);
  rf__free(a, sc->order_tmp);
  rf__free(a, e->item_pool);
  rf__free(a, e->poll_items);
  rf__free(a, e->facing_product);
  rf__free(a, e->product_facing);
  rf_assign_workspace_free(e->ws);
  rf_loadcell_free(e->loadcell);
  rf__free(a, e->event_g);
  rf_allocator copy = e->alloc;
  rf__free(&copy, e);
}

int rf_engine_new(rf_engine **out, const rf_store *store, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (store == NULL) return RF_EINVAL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_engine *e = rf__calloc(&a, 1, sizeof *e);
  if (e == NULL) return RF_ENOMEM;
  e->alloc = a;
  e->store = store;
  for (int p = 0; p < RF_PARAM_COUNT; ++p) e->param[p] = params[p].def;
  e->products = rf_store_product_count(store);
  e->shelves = rf_store_shelf_count(store);
  e->plates = rf_store_plate_count(store);
  rf__ledger_init(&e->ledger, e->products, &e->alloc);
  uint32_t facings = rf_store_facing_count(store);
  e->poll_items = rf__calloc(&a, (size_t)e->products + 1, sizeof *e->poll_items);
  e->facing_product = rf__calloc(&a, (size_t)facings + 1, sizeof *e->facing_product);
  e->product_facing = rf__calloc(&a, (size_t)e->products + 1, sizeof *e->product_facing);
  e->event_g = rf__calloc(&a, widest_shelf(e), sizeof *e->event_g);
  if (e->poll_items == NULL || e->facing_product == NULL || e->product_facing == NULL ||
      e->event_g == NULL || rf_assign_workspace_new(&e->ws, &e->alloc) != 0 ||
      rf_loadcell_new(&e->loadcell, store, NULL, &e->alloc) != 0) {
    rf_engine_free(e);
    return RF_ENOMEM;
  }
  for (uint32_t p = 0; p < e->products; ++p) e->product_facing[p] = -1;
  for (uint32_t s = 0; s < e->shelves; ++s) {
    const uint32_t *fac;
    size_t nf;
    rf_store_shelf_facings(store, s, &fac, &nf);
    if (nf > e->most_facings) e->most_facings = nf;
  }
  for (uint32_t f = 0; f < facings; ++f) {
    rf_facing_def def;
    rf_store_facing(store, f, &def);
    rf_store_find_product(store, def.sku, &e->facing_product[f]);
    if (e->product_facing[e->facing_product[f]] < 0) e->product_facing[e->facing_product[f]] = (int32_t)f;
  }
  /* Where a shopper of unknown position may be: the shelves' span, 2 m around. */
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (uint32_t s = 0; s < e->shelves; ++s) {
    rf_shelf_def def;
    rf_store_shelf(store, s, &def);
    if (!def.has_pos) continue;
    x0 = fmin(x0, def.pos_x), x1 = fmax(x1, def.pos_x);
    y0 = fmin(y0, def.pos_y), y1 = fmax(y1, def.pos_y);
  }
  e->floor_area = x0 <= x1 ? fmax((x1 - x0 + 4.0) * (y1 - y0 + 4.0), 1.0) : 1.0;
  rf_loadcell_set_output(e->loadcell, take_shelf_event, pass_fault, e);
  *out = e;
  return 0;
}

void rf_engine_set_output(rf_engine *e, rf_output_fn output, void *payload) {
  if (e == NULL) return;
  e->output = output;
  e->payload = payload;
}

void rf_engine_set_fault_output(rf_engine *e, rf_engine_fault_fn on_fault, void *payload) {
  if (e == NULL) return;
  e->on_fault = on_fault;
  e->fault_payload = payload;
}

const char *rf_engine_errmsg(const rf_engine *e) { return e ? e->err.msg : ""; }

static int nomem(rf_engine *e) { return rf__error(&e->err, RF_ENOMEM, "out of memory"); }

static rf_time_us lateness(const rf_engine *e) {
  return (rf_time_us)llround(e->param[RF_PARAM_LATENESS_S] * 1e6);
}

/* ---- output ---- */

static void to_record(rf_engine *e, const f_out *o, rf_record *rec) {
  memset(rec, 0, sizeof *rec);
  if (o->is_receipt) {
    rec->type = RF_RECORD_RECEIPT;
    rec->u.receipt.has_t = 1;
    rec->u.receipt.t = o->t;
    rec->u.receipt.shopper = rf__ledger_id(&e->ledger, o->cart);
    memcpy(e->poll_items, e->item_pool + o->first_item, o->item_count * sizeof *e->poll_items);
    rec->u.receipt.items = e->poll_items;
    rec->u.receipt.item_count = o->item_count;
    rec->u.receipt.review = o->review;
    return;
  }
  rf_product_def p;
  rf_store_product(e->store, o->product, &p);
  rec->type = RF_RECORD_DIFF;
  rec->u.diff.seq = o->seq;
  rec->u.diff.t = o->t;
  rec->u.diff.shopper = rf__ledger_id(&e->ledger, o->cart);
  rec->u.diff.sku = p.sku;
  rec->u.diff.qty = o->qty;
  rec->u.diff.conf = o->conf;
  rec->u.diff.review = o->review;
  rec->u.diff.event = o->event;
  rec->u.diff.has_corrects = o->has_corrects;
  rec->u.diff.corrects = o->corrects;
}

int rf__engine_reserve_output(rf_engine *e, size_t count) {
  if (e->output != NULL) return 0;
  if (e->out_count == 0) e->out_head = 0;
  if (RF__RESERVE(&e->alloc, e->out, e->out_cap, e->out_head + e->out_count + count) != 0)
    return nomem(e);
  return 0;
}

/* Queues o (room reserved by the caller), or hands it to the callback at once. The callback's
 * complaint does not stop the engine (what it was handed stands): the call that made the record
 * returns the first one. */
static int emit(rf_engine *e, const f_out *o) {
  if (e->output != NULL) {
    rf_record rec;
    to_record(e, o, &rec);
    int rc = e->output(&rec, e->payload);
    if (rc != 0 && e->output_rc == 0) e->output_rc = rc;
    if (o->is_receipt) e->item_len = o->first_item;  /* the items were only needed for the call */
    return 0;
  }
  if (e->out_count == 0) e->out_head = 0;
  e->out[e->out_head + e->out_count++] = *o;
  return 0;
}

int rf_engine_poll(rf_engine *e, rf_record *out) {
  if (e == NULL || out == NULL) return RF_EINVAL;
  if (e->out_count == 0) {
    e->item_len = 0;
    return RF_ITEROVER;
  }
  to_record(e, &e->out[e->out_head++], out);
  e->out_count--;
  return 0;
}

int rf__engine_flags_review(const rf_engine *e, double conf) {
  return round(conf * 1e4) / 1e4 < e->param[RF_PARAM_REVIEW_BELOW];
}

int rf__engine_emit_diff(rf_engine *e, int64_t event, uint32_t cart, uint32_t product,
                         int64_t qty, double conf, rf_time_us t, int64_t corrects, int64_t *seq) {
  e->ledger.carts[cart].qty[product] += qty;
  f_out o;
  memset(&o, 0, sizeof o);
  o.seq = e->next_seq++;
  o.event = event;
  o.qty = qty;
  o.t = t;
  o.cart = cart;
  o.product = product;
  /* A change resting on a faulty plate is trusted half as much. */
  if (e->deciding_faulty) conf *= 0.5;
  o.conf = round(conf * 1e4) / 1e4;  /* four decimals say all a confidence can */
  o.review = rf__engine_flags_review(e, conf);
  if (o.review && corrects < 0) e->ledger.carts[cart].flagged++;
  o.has_corrects = corrects >= 0;
  o.corrects = corrects;
  if (seq) *seq = o.seq;
  return emit(e, &o);
}

static int emit_receipt(uint32_t cart, rf_time_us t, void *payload) {
  rf_engine *e = payload;
  if (RF__RESERVE(&e->alloc, e->item_pool, e->item_cap, e->item_len + e->products + 1) != 0 ||
      rf__engine_reserve_output(e, 1) != 0)
    return nomem(e);
  f_out o;
  memset(&o, 0, sizeof o);
  o.is_receipt = 1;
  o.t = t;
  o.cart = cart;
  o.first_item = e->item_len;
  o.review = e->ledger.carts[cart].flagged > 0;
  o.item_count = rf__ledger_items(&e->ledger, cart, e->store, e->item_pool + e->item_len);
  e->item_len += o.item_count;
  return emit(e, &o);
}

/* Whether a hand visit, a decision within the revision horizon or a queued output still names
 * this shopper or cart. */
static int slot_used(uint32_t slot, void *payload) {
  const rf_engine *e = payload;
  for (size_t h = 0; h < e->hand_count; ++h)
    if (e->hands[h].shopper == (int64_t)slot) return 1;
  for (size_t i = 0; i < e->decision_count; ++i) {
    const f_decision *d = &e->decisions[i];
    if (d->cart == slot) return 1;
    for (int a = 0; a < d->alt_count; ++a)
      if (d->alt[a].shopper == slot) return 1;
  }
  for (size_t o = e->out_head; o < e->out_head + e->out_count; ++o)
    if (e->out[o].cart == slot) return 1;
  return 0;
}

/* Decides what is due, then hands out receipts that are due, and forgets what can no longer
 * matter: hand visits no change can use, decisions past the revision horizon, and shoppers
 * whose receipt is that far behind. */
static int catch_up(rf_engine *e, int everything) {
  int rc = rf__engine_decide_due(e, everything);
  if (rc != 0) return rc;  /* what is left is made on the next call, on the same state */
  rf_time_us first_open = INT64_MAX;
  for (size_t q = 0; q < e->pending_count; ++q)
    if (e->pending[q].t0 < first_open) first_open = e->pending[q].t0;
  rc = rf__ledger_receipts(&e->ledger, e->clock,
                          (rf_time_us)llround(e->param[RF_PARAM_WAIT_S] * 1e6), first_open,
                          everything, emit_receipt, e);
  if (rc != 0) return rc;
  /* Forget hand visits no change can still use. They arrive nearly in time order (late by the
   * lateness at most), so the stale ones gather at the front: drop that prefix once it is a
   * good share of them, a pass that costs O(1) a push on average. */
  rf_time_us keep_us = (rf_time_us)llround((e->param[RF_PARAM_MAX_GAP_S] + 60.0) * 1e6) + lateness(e);
  size_t stale = 0;
  while (stale < e->hand_count && e->clock - e->hands[stale].t1 > keep_us) ++stale;
  if (stale > 0 && (stale >= 64 || 2 * stale >= e->hand_count || everything)) {
    memmove(e->hands, e->hands + stale, (e->hand_count - stale) * sizeof *e->hands);
    e->hand_count -= stale;
  }
  rf_time_us horizon = (rf_time_us)llround(e->param[RF_PARAM_REVISION_S] * 1e6);
  rf__engine_forget_decisions(e, horizon);
  if (!everything) rf__ledger_release(&e->ledger, e->clock, horizon, slot_used, e);
  if (e->pending_count == 0) e->g_len = 0;
  return rc;
}

/* ---- pushes ---- */

static int push_hand(rf_engine *e, const rf_hand_rec *r) {
  uint32_t shelf, who;
  if (r->shelf == NULL) return rf__error(&e->err, RF_EINVAL, "hand: the shelf id is missing");
  if (r->t1 < r->t0) return rf__error(&e->err, RF_ERANGE, "hand: t1 is before t0");
  if (r->has_x && !isfinite(r->x)) return rf__error(&e->err, RF_EINVAL, "hand: x is not finite");
  if (r->has_conf && !isfinite(r->conf)) return rf__error(&e->err, RF_EINVAL, "hand: conf is not finite");
  if (r->has_conf && (r->conf < 0.0 || r->conf > 1.0))
    return rf__error(&e->err, RF_ERANGE, "hand: conf must be within [0, 1]");
  if (rf_store_find_shelf(e->store, r->shelf, &shelf) != 0)
    return rf__error(&e->err, RF_ENOTFOUND, "hand: shelf '%s' is not in the store", r->shelf);
  int64_t shopper = -1;
  if (r->shopper != NULL) {
    int rc = rf__ledger_find(&e->ledger, r->shopper, &who, &e->err);
    if (rc != 0) return rc;
    shopper = who;
  }
  if (RF__RESERVE(&e->alloc, e->hands, e->hand_cap, e->hand_count + 1) != 0) return nomem(e);
  f_hand *h = &e->hands[e->hand_count];
  memset(h, 0, sizeof *h);
  h->shelf = shelf;
  h->shopper = shopper;
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
  e->hand_count++;
  return 0;
}

/* Adds a settled change of a shelf to those waiting to be decided: g[k] for each plate of the
 * shelf, `reported` plates of it moved. Room for it must have been reserved (reserve_change). */
static void add_change(rf_engine *e, uint32_t shelf, rf_time_us t0, rf_time_us t1,
                       const double *g_in, int reported, int faulty) {
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
  f_change *c = &e->pending[e->pending_count++];
  memset(c, 0, sizeof *c);
  c->shelf = shelf;
  c->t0 = t0;
  c->t1 = t1;
  c->event = e->next_event++;
  c->first_g = e->g_len;
  c->reported = reported;
  c->faulty = faulty;
  c->total = total;
  c->center_x = mass > 0 ? moment / mass : 0.5 * (def.plates[0].x0 + def.plates[n - 1].x1);
  e->g_len += n;
}

/* Room for `changes` more changes of up to `plates` plates each. */
static int reserve_changes(rf_engine *e, size_t changes, size_t plates) {
  if (RF__RESERVE(&e->alloc, e->g_pool, e->g_cap, e->g_len + changes * plates) != 0 ||
      RF__RESERVE(&e->alloc, e->pending, e->pending_cap, e->pending_count + changes) != 0)
    return nomem(e);
  return 0;
}

static int push_delta(rf_engine *e, const rf_delta_rec *r) {
  uint32_t shelf, plate, plate_shelf;
  if (r->shelf == NULL) return rf__error(&e->err, RF_EINVAL, "delta: the shelf id is missing");
  if (r->t1 < r->t0) return rf__error(&e->err, RF_ERANGE, "delta: t1 is before t0");
  if (r->plate_count == 0 || r->plates == NULL)
    return rf__error(&e->err, RF_EINVAL, "delta: no plates");
  if (rf_store_find_shelf(e->store, r->shelf, &shelf) != 0)
    return rf__error(&e->err, RF_ENOTFOUND, "delta: shelf '%s' is not in the store", r->shelf);
  rf_shelf_def def;
  rf_store_shelf(e->store, shelf, &def);
  uint32_t first = rf_store_shelf_first_plate(e->store, shelf);
  for (size_t k = 0; k < r->plate_count; ++k) {
    if (r->plates[k].plate == NULL) return rf__error(&e->err, RF_EINVAL, "delta: a plate id is missing");
    if (rf_store_find_plate(e->store, r->plates[k].plate, &plate) != 0)
      return rf__error(&e->err, RF_ENOTFOUND, "delta: plate '%s' is not in the store",
                       r->plates[k].plate);
    rf_store_plate(e->store, plate, NULL, &plate_shelf);
    if (plate_shelf != shelf)
      return rf__error(&e->err, RF_EINVAL, "delta: plate '%s' is not on shelf '%s'",
                       r->plates[k].plate, r->shelf);
    if (!isfinite(r->plates[k].g))
      return rf__error(&e->err, RF_EINVAL, "delta: plate '%s' change is not finite",
                       r->plates[k].plate);
  }
  if (reserve_changes(e, 1, def.plate_count) != 0) return RF_ENOMEM;
  memset(e->event_g, 0, def.plate_count * sizeof *e->event_g);
  for (size_t k = 0; k < r->plate_count; ++k) {
    rf_store_find_plate(e->store, r->plates[k].plate, &plate);
    e->event_g[plate - first] += r->plates[k].g;
  }
  add_change(e, shelf, r->t0, r->t1, e->event_g, (int)r->plate_count, 0);
  return 0;
}

/* The load cells settled a change of a shelf: the plates that moved (or changed by more than
 * three sd) are its per-plate changes, as a delta record would list them. A faulty plate's
 * change says nothing and is left out; the rest of the change is trusted less. */
static int take_shelf_event(const rf_shelf_event *ev, void *payload) {
  rf_engine *e = payload;
  int reported = 0, faulty = 0;
  for (size_t k = 0; k < ev->plate_count; ++k) {
    int counts = ev->moved[k] || fabs(ev->delta_g[k]) > 3.0 * ev->sd_g[k];
    faulty |= counts && ev->faulty[k];
    counts = counts && !ev->faulty[k];
    e->event_g[k] = counts ? ev->delta_g[k] : 0.0;
    reported += counts;
  }
  if (reported == 0) return 0;  /* only faulty plates moved */
  /* Reserved before the readings were handed over (push_samples): this cannot fail. */
  if (e->pending_count == e->pending_cap ||
      e->g_len + ev->plate_count > e->g_cap)
    return nomem(e);
  add_change(e, ev->shelf, ev->t0, ev->t1, e->event_g, reported, faulty);
  return 0;
}

static int pass_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  rf_engine *e = payload;
  if (e->on_fault == NULL) return 0;
  rf_plate_def def;
  rf_store_plate(e->store, plate, &def, NULL);
  e->on_fault(def.plate, fault, t, e->fault_payload);
  return 0;
}

static int push_samples(rf_engine *e, const rf_samples_rec *r) {
  uint32_t plate, shelf;
  if (r->plate == NULL) return rf__error(&e->err, RF_EINVAL, "samples: the plate id is missing");
  if (rf_store_find_plate(e->store, r->plate, &plate) != 0)
    return rf__error(&e->err, RF_ENOTFOUND, "samples: plate '%s' is not in the store", r->plate);
  rf_store_plate(e->store, plate, NULL, &shelf);
  rf_shelf_def def;
  rf_store_shelf(e->store, shelf, &def);
  /* A plate settles at least 3 readings apart: at most that many of its shelf's events end in
   * these readings, with room reserved now so none is lost. */
  if (reserve_changes(e, r->count / 3 + 2, def.plate_count) != 0) return RF_ENOMEM;
  int rc = rf_loadcell_push(e->loadcell, plate, r->t, r->dt_us, r->g, r->count);
  if (rc != 0)
    return rf__error(&e->err, rc, "%s (plate '%s')", rf_loadcell_errmsg(e->loadcell), r->plate);
  return 0;
}

/* Catches up at the clock as it stands, so a failed catch-up is finished on the same state as
 * it was begun on (the clean run's). */
static int settle(rf_engine *e) {
  if (!e->behind) return 0;
  int rc = catch_up(e, 0);
  if (rc == 0) e->behind = 0;
  return rc;
}

/* Catches up; after a failure for memory the next call finishes the work first. */
static int catch_up_or_owe(rf_engine *e, int everything) {
  int rc = catch_up(e, everything);
  e->behind = rc != 0;
  return rc;
}

/* What a call that went through returns: 0, or the output callback's first complaint. */
static int output_complaint(rf_engine *e) {
  int rc = e->output_rc;
  e->output_rc = 0;
  if (rc != 0) rf__error(&e->err, rc, "the output callback returned %d", rc);
  return rc;
}

int rf_engine_push(rf_engine *e, const rf_record *r) {
  if (e == NULL || r == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  e->output_rc = 0;
  rf_time_us t0 = 0, t1 = 0;
  /* Work a failed catch-up left first, so it is done as it would have been. */
  int rc = settle(e);
  if (rc != 0) return rc;
  if (r->type < RF_RECORD_ENTER || r->type > RF_RECORD_HAND)
    return rf__error(&e->err, RF_EINVAL, "%s is not an input event",
                     rf_record_type_name(r->type) ? rf_record_type_name(r->type) : "record");
  if (r->type == RF_RECORD_SAMPLES && (r->u.samples.count == 0 || r->u.samples.g == NULL))
    return rf__error(&e->err, RF_EINVAL, "samples: no readings");
  if (r->type == RF_RECORD_SAMPLES && r->u.samples.dt_us <= 0)
    return rf__error(&e->err, RF_EINVAL, "samples: dt_us must be positive");
  if (r->type == RF_RECORD_SAMPLES &&
      (r->u.samples.t < -RF__TIME_LIMIT || r->u.samples.t > RF__TIME_LIMIT ||
       r->u.samples.count > (size_t)(RF__TIME_LIMIT / r->u.samples.dt_us)))
    return rf__error(&e->err, RF_ERANGE, "samples: the readings run beyond the engine's time range");
  rf__record_span(r, &t0, &t1);
  if (t0 < -RF__TIME_LIMIT || t1 > RF__TIME_LIMIT)
    return rf__error(&e->err, RF_ERANGE, "%s: times beyond the engine's time range (2^62 us)",
                     rf_record_type_name(r->type));
  if (e->has_clock && t1 < e->clock - lateness(e))
    return rf__error(&e->err, RF_ELATE, "%s at %.6f s is more than %.3f s behind the clock "
                     "(%.6f s)", rf_record_type_name(r->type), (double)t1 / 1e6,
                     e->param[RF_PARAM_LATENESS_S], (double)e->clock / 1e6);
  switch (r->type) {
    case RF_RECORD_ENTER: rc = rf__ledger_enter(&e->ledger, &r->u.enter, &e->err); break;
    case RF_RECORD_EXIT: rc = rf__ledger_exit(&e->ledger, &r->u.exit, &e->err); break;
    case RF_RECORD_LINK: rc = rf__ledger_link(&e->ledger, &r->u.link, &e->err); break;
    case RF_RECORD_POSITION: rc = rf__ledger_position(&e->ledger, &r->u.position, &e->err); break;
    case RF_RECORD_HAND: rc = push_hand(e, &r->u.hand); break;
    case RF_RECORD_DELTA: rc = push_delta(e, &r->u.delta); break;
    case RF_RECORD_SAMPLES: rc = push_samples(e, &r->u.samples); break;
    default: break;
  }
  if (rc != 0) return rc;
  if (!e->has_clock || t1 > e->clock) e->clock = t1;
  e->has_clock = 1;
  if (catch_up_or_owe(e, 0) != 0)
    return rf__error(&e->err, RF_EBEHIND, "out of memory deciding what the %s made due: the "
                     "record is taken, the decisions are made on the next call",
                     rf_record_type_name(r->type));
  return output_complaint(e);
}

#define RF__PUSH_KIND(fn, rec_type, field, arg_type)        \
  int fn(rf_engine *e, const arg_type *event) {            \
    if (event == NULL) return RF_EINVAL;                   \
    rf_record r;                                           \
    memset(&r, 0, sizeof r);                               \
    r.type = rec_type;                                     \
    r.u.field = *event;                                    \
    return rf_engine_push(e, &r);                          \
  }

RF__PUSH_KIND(rf_engine_push_enter, RF_RECORD_ENTER, enter, rf_shopper_rec)
RF__PUSH_KIND(rf_engine_push_exit, RF_RECORD_EXIT, exit, rf_shopper_rec)
RF__PUSH_KIND(rf_engine_push_link, RF_RECORD_LINK, link, rf_link_rec)
RF__PUSH_KIND(rf_engine_push_position, RF_RECORD_POSITION, position, rf_position_rec)
RF__PUSH_KIND(rf_engine_push_delta, RF_RECORD_DELTA, delta, rf_delta_rec)
RF__PUSH_KIND(rf_engine_push_hand, RF_RECORD_HAND, hand, rf_hand_rec)
RF__PUSH_KIND(rf_engine_push_samples, RF_RECORD_SAMPLES, samples, rf_samples_rec)

int rf_engine_advance(rf_engine *e, rf_time_us now) {
  if (e == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  e->output_rc = 0;
  int rc = settle(e);
  if (rc != 0) return rc;
  if (now < -RF__TIME_LIMIT || now > RF__TIME_LIMIT)
    return rf__error(&e->err, RF_ERANGE, "advance: %lld us is beyond the engine's time range",
                     (long long)now);
  /* No readings can come from before the lateness any more: plates silent since are in a gap,
   * and events their shelves gathered may be done. Room for those is reserved first. */
  if (reserve_changes(e, rf_store_shelf_count(e->store), widest_shelf(e)) != 0) return RF_ENOMEM;
  if (!e->has_clock || now > e->clock) e->clock = now;
  e->has_clock = 1;
  rf_loadcell_advance(e->loadcell, e->clock - lateness(e));
  if ((rc = catch_up_or_owe(e, 0)) != 0) return rc;
  return output_complaint(e);
}

int rf_engine_finish(rf_engine *e) {
  if (e == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  e->output_rc = 0;
  int rc = settle(e);
  if (rc != 0) return rc;
  if (reserve_changes(e, rf_store_shelf_count(e->store), widest_shelf(e)) != 0) return RF_ENOMEM;
  rf_loadcell_finish(e->loadcell);
  rc = catch_up_or_owe(e, 1);
  if (rc != 0) return rc;
  return output_complaint(e);
}

int rf_engine_cart(const rf_engine *e, const char *shopper, int64_t *qty) {
  uint32_t i;
  if (e == NULL || shopper == NULL || qty == NULL) return RF_EINVAL;
  if (rf__idmap_find(&e->ledger.map, shopper, &i) != 0) return RF_ENOTFOUND;
  memcpy(qty, e->ledger.carts[e->ledger.shoppers[i].cart].qty, (size_t)e->products * sizeof *qty);
  return 0;
}
