/* The engine's face: parameters, making and freeing it, taking each record (intake.c checks and
 * stores events), and catching up — deciding what is due (batch.c), handing out receipts, and
 * forgetting what can no longer matter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "catchup.h"
#include "core/alloc.h"
#include "core/params.h"
#include "emit.h"
#include "explain.h"
#include "intake.h"
#include "record/record.h"
#include "retailfuse/status.h"
#include "revise.h"

static const rf__param_def params[RF_PARAM_COUNT] = {
    RF_ENGINE_PARAM_MAP(RF__PARAM_DEF)
#define RF__PARAM_LOADCELL_DEF(name, def, lo, hi, desc) {"LOADCELL_" #name, desc, def, lo, hi},
        RF_LOADCELL_PARAM_MAP(RF__PARAM_LOADCELL_DEF)
#undef RF__PARAM_LOADCELL_DEF
};

const char *rf_engine_param_name(rf_engine_param p) {
  return rf__param_name(params, RF_PARAM_COUNT, (int)p);
}

const char *rf_engine_param_help(rf_engine_param p) {
  return rf__param_help(params, RF_PARAM_COUNT, (int)p);
}

int rf_engine_param_bounds(rf_engine_param p, double *min, double *max, double *def) {
  return rf__param_bounds(params, RF_PARAM_COUNT, (int)p, min, max, def);
}

int rf_engine_param_set(rf_engine *e, rf_engine_param p, double value) {
  if (e == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  int rc = rf__param_check(params, RF_PARAM_COUNT, (int)p, value, &e->err);
  if (rc != 0) return rc;
  if (p >= RF_PARAM_LOADCELL_SETTLE_S) {
    rc = rf_loadcell_param_set(e->loadcell, (rf_loadcell_param)(p - RF_PARAM_LOADCELL_SETTLE_S),
                               value);
    if (rc != 0) return rf__error(&e->err, rc, "LOADCELL_%s", rf_loadcell_errmsg(e->loadcell));
  }
  e->param[p] = value;
  rf__learn_fix(&e->learn, p, value);
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

void rf_engine_free(rf_engine *e) {
  if (e == NULL) return;
  const rf_allocator *a = &e->alloc;
  rf__ledger_free(&e->ledger);
  rf__book_free(&e->book, a);
  rf__swaps_free(e);
  rf__sources_free(&e->sources, a);
  rf__dedup_free(&e->dedup, a);
  rf__hands_forget(e, e->hand_count);
  rf__free(a, e->hands);
  rf__free(a, e->pending);
  rf__free(a, e->g_pool);
  rf__free(a, e->loose);
  for (size_t o = e->out_head; o < e->out_head + e->out_count; ++o)
    rf__explain_free(e, e->out[o].explain);
  rf__explain_free(e, e->polled_explain);
  rf__free(a, e->out);
  rf__free(a, e->decisions);
  rf__slots_free(&e->scratch, a);
  rf__free(a, e->item_pool);
  rf__free(a, e->poll_items);
  rf__free(a, e->facing_product);
  rf__free(a, e->product_facing);
  rf_assign_workspace_free(e->ws);
  rf_loadcell_free(e->loadcell);
  rf__free(a, e->event_g);
  rf__calib_free(e->calib);
  rf__free(a, e->restocks);
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
  rf__param_defaults(params, RF_PARAM_COUNT, e->param);
  rf__learn_init(&e->learn, e->param);
  e->products = rf_store_product_count(store);
  e->shelves = rf_store_shelf_count(store);
  e->plates = rf_store_plate_count(store);
  rf__ledger_init(&e->ledger, e->products, &e->alloc);
  rf__sources_init(&e->sources);
  e->setaside = -1;
  e->stats.version = RF_ENGINE_STATS_VERSION;
  uint32_t facings = rf_store_facing_count(store);
  e->poll_items = rf__calloc(&a, (size_t)e->products + 1, sizeof *e->poll_items);
  e->facing_product = rf__calloc(&a, (size_t)facings + 1, sizeof *e->facing_product);
  e->product_facing = rf__calloc(&a, (size_t)e->products + 1, sizeof *e->product_facing);
  e->event_g = rf__calloc(&a, widest_shelf(e), sizeof *e->event_g);
  if (e->poll_items == NULL || e->facing_product == NULL || e->product_facing == NULL ||
      e->event_g == NULL || rf_assign_workspace_new(&e->ws, &e->alloc) != 0 ||
      rf_loadcell_new(&e->loadcell, store, &e->alloc) != 0) {
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
    if (e->product_facing[e->facing_product[f]] < 0)
      e->product_facing[e->facing_product[f]] = (int32_t)f;
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
  rf_loadcell_set_output(e->loadcell, rf__take_shelf_event, rf__pass_fault, e);
  *out = e;
  return 0;
}

void rf_engine_set_output(rf_engine *e, rf_output_fn output, void *payload) {
  if (e == NULL) return;
  e->output = output;
  e->payload = payload;
}

void rf_engine_set_explain(rf_engine *e, int on) {
  if (e != NULL) e->explain_on = on != 0;
}

void rf_engine_set_fault_output(rf_engine *e, rf_engine_fault_fn on_fault, void *payload) {
  if (e == NULL) return;
  e->on_fault = on_fault;
  e->fault_payload = payload;
}

const char *rf_engine_errmsg(const rf_engine *e) { return e ? e->err.msg : ""; }

static rf_time_us lateness(const rf_engine *e) { return rf__param_us(e, RF_PARAM_LATENESS_S); }

/* Whether a hand visit, a decision within the revision horizon or a queued output still names
 * this shopper or cart. */
static int slot_used(uint32_t slot, void *payload) {
  const rf_engine *e = payload;
  for (size_t h = 0; h < e->hand_count; ++h)
    if (e->hands[h].shopper == (int64_t)slot) return 1;
  return rf__decisions_name(e, slot) || rf__emit_names(e, slot);
}

/* Decides what is due, then hands out receipts that are due, and forgets what can no longer
 * matter: hand visits no change can use, decisions past the revision horizon, and shoppers
 * whose receipt is that far behind. */
/* Receipts due before `upto` (all that are due, with `everything`) whose carts no open change
 * began before the last exit of. */
static int receipts_due(rf_engine *e, rf_time_us upto, int everything) {
  rf_time_us first_open = INT64_MAX;
  for (size_t q = 0; q < e->pending_count; ++q)
    if (e->pending[q].t0 < first_open) first_open = e->pending[q].t0;
  return rf__ledger_receipts(&e->ledger, upto, rf__param_us(e, RF_PARAM_WAIT_S), first_open,
                             everything, rf__emit_receipt, e);
}

/* Decisions, receipts and tracker id swaps found, in the order they fell due, a batch at a time,
 * whatever way the clock got here: a receipt due before a decision goes out before it, and a
 * swap found before a decision is applied before it (after it, after it — however early the
 * tracker's records came). */
static int decide_and_receipt(rf_engine *e, int everything) {
  for (;;) {
    rf_time_us next = rf__next_due(e, everything);
    rf_time_us upto = next == INT64_MAX || next - 1 > e->clock ? e->clock : next - 1;
    /* A swap counts from a tracker's lead before it was found: the tracker has surely sent
     * every record that far ahead of the clock, so the swap is known by then however the
     * records interleaved. */
    rf_time_us found = rf__swaps_next_found(e);
    if (found != INT64_MAX)
      found -= rf__sources_lead_us(&e->sources, F_TRACKER, &e->param[RF_PARAM_SHELVES_DELAY_S]);
    rf_time_us limit = !everything ? upto : next == INT64_MAX ? INT64_MAX - 1 : next - 1;
    if (found <= limit) {
      int rc = receipts_due(e, found - 1 < upto ? found - 1 : upto, 0);
      if (rc == 0) rc = rf__swaps_apply_next(e, found);
      if (rc != 0) return rc;
      continue;
    }
    int rc = receipts_due(e, upto, 0);
    if (rc == 0 && next != INT64_MAX) rc = rf__decide_next(e, everything);
    if (rc != 0 || next == INT64_MAX) return rc;
  }
}

static int catch_up(rf_engine *e, int everything) {
  int rc = decide_and_receipt(e, everything);
  if (rc == 0 && everything) rc = receipts_due(e, e->clock, 1);
  if (rc != 0) return rc; /* what is left is made on the next call, on the same state */
  /* Forget hand visits no change can still use. They arrive nearly in time order (late by the
   * lateness at most), so the stale ones gather at the front: drop that prefix once it is a
   * good share of them, a pass that costs O(1) a push on average. */
  rf_time_us keep_us = (rf_time_us)llround((e->param[RF_PARAM_MAX_GAP_S] + 60.0) * 1e6) +
                       lateness(e);
  size_t stale = 0;
  while (stale < e->hand_count && e->clock - e->hands[stale].t1 > keep_us) ++stale;
  if (stale > 0 && (stale >= 64 || 2 * stale >= e->hand_count || everything)) {
    rf__hands_forget(e, stale);
  }
  rf_time_us horizon = rf__param_us(e, RF_PARAM_REVISION_S);
  rf__forget_decisions(e, horizon, e->clock);
  if (!everything) rf__ledger_release(&e->ledger, e->clock, horizon, slot_used, e);
  /* The book names its carts' owners in queued receipts: it forgets only with none queued. */
  if (e->out_count == 0)
    rf__book_forget(&e->book, &e->alloc, e->clock - rf__param_us(e, RF_PARAM_REVIEW_S));
  rf__compact_changes(e);
  return rc;
}

/* At the clock as it stands, so a failed catch-up is finished on the same state as it was begun
 * on (the clean run's). */
int rf__settle(rf_engine *e) {
  if (!e->behind) return 0;
  int rc = catch_up(e, 0);
  if (rc == 0) e->behind = 0;
  return rc;
}

int rf__catch_up_or_owe(rf_engine *e, int everything) {
  int rc = catch_up(e, everything);
  e->behind = rc != 0;
  return rc;
}

int rf__output_complaint(rf_engine *e) {
  int rc = e->output_rc;
  e->output_rc = 0;
  if (rc != 0) rf__error(&e->err, rc, "the output callback returned %d", rc);
  return rc;
}

#define RF__PUSH_KIND(fn, rec_type, field, arg_type) \
  int fn(rf_engine *e, const arg_type *event) {      \
    if (event == NULL) return RF_EINVAL;             \
    rf_record r;                                     \
    memset(&r, 0, sizeof r);                         \
    r.type = rec_type;                               \
    r.u.field = *event;                              \
    return rf_engine_push(e, &r);                    \
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
  int rc = rf__settle(e);
  if (rc != 0) return rc;
  /* Within RF_TIME_LIMIT_US, as every time the engine takes: sums and differences never
   * overflow, and its output stays within 2^53. */
  if (now < -RF_TIME_LIMIT_US || now > RF_TIME_LIMIT_US)
    return rf__error(&e->err, RF_ERANGE, "advance: %lld us is beyond the engine's time range",
                     (long long)now);
  /* No readings can come from before the lateness any more: plates silent since are in a gap,
   * and events their shelves gathered may be done. Room for those is reserved first. */
  if (rf__reserve_changes(e, rf_store_shelf_count(e->store), widest_shelf(e)) != 0)
    return RF_ENOMEM;
  if (!e->has_clock || now > e->clock) e->clock = now;
  e->has_clock = 1;
  rf_loadcell_advance(e->loadcell, e->clock - lateness(e));
  if ((rc = rf__catch_up_or_owe(e, 0)) != 0) return rc;
  return rf__output_complaint(e);
}

int rf_engine_finish(rf_engine *e) {
  if (e == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  e->output_rc = 0;
  int rc = rf__settle(e);
  if (rc != 0) return rc;
  if (rf__reserve_changes(e, rf_store_shelf_count(e->store), widest_shelf(e)) != 0)
    return RF_ENOMEM;
  rf_loadcell_finish(e->loadcell);
  rc = rf__catch_up_or_owe(e, 1);
  if (rc != 0) return rc;
  return rf__output_complaint(e);
}

int rf_engine_cart(const rf_engine *e, const char *shopper, int64_t *qty) {
  uint32_t i;
  if (e == NULL || shopper == NULL || qty == NULL) return RF_EINVAL;
  if (rf__ledger_lookup(&e->ledger, shopper, &i) != 0) return RF_ENOTFOUND;
  memcpy(qty, rf__ledger_qty(&e->ledger, rf__ledger_cart_of(&e->ledger, i)),
         (size_t)e->products * sizeof *qty);
  return 0;
}

int rf_engine_poll(rf_engine *e, rf_record *out) {
  if (e == NULL || out == NULL) return RF_EINVAL;
  return rf__emit_next(e, out);
}
