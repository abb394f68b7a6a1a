/* Screening records: numbers in range, ids that exist, shoppers where the record says. */
#include "screen.h"

#include <math.h>

#include "record/record.h"

static int bad(rf_engine *e, const rf_record *r, const char *field, const char *why) {
  rf__error(&e->err, RF_SETASIDE, "%s: field '%s' %s", rf_record_type_name(r->type), field, why);
  return RF_SETASIDE_BAD_NUMBER;
}

static int time_ok(rf_time_us t) { return t >= -RF_TIME_LIMIT_US && t <= RF_TIME_LIMIT_US; }

static int weight_ok(double g) { return isfinite(g) && fabs(g) <= RF_WEIGHT_LIMIT_G; }

static int span_numbers(rf_engine *e, const rf_record *r, rf_time_us t0, rf_time_us t1) {
  if (!time_ok(t0)) return bad(e, r, "t0", "is beyond the time range (2^52 us)");
  if (!time_ok(t1)) return bad(e, r, "t1", "is beyond the time range (2^52 us)");
  if (t1 < t0) return bad(e, r, "t1", "is before t0");
  return -1;
}

static int samples_numbers(rf_engine *e, const rf_record *r) {
  const rf_samples_rec *s = &r->u.samples;
  if (!time_ok(s->t)) return bad(e, r, "t", "is beyond the time range (2^52 us)");
  if (s->dt_us <= 0) return bad(e, r, "dt_us", "must be positive");
  if (s->dt_us > RF_TIME_LIMIT_US || s->count - 1 > (size_t)((RF_TIME_LIMIT_US - s->t) / s->dt_us))
    return bad(e, r, "g", "the readings run beyond the time range (2^52 us)");
  /* Readings are not judged here: one not a number, or beyond the plate's range, is the plate's
   * fault, which the load cells find and report (RF_FAULT_NONFINITE, RF_FAULT_SATURATED). */
  return -1;
}

static int hand_numbers(rf_engine *e, const rf_record *r) {
  const rf_hand_rec *h = &r->u.hand;
  int rc = span_numbers(e, r, h->t0, h->t1);
  if (rc >= 0) return rc;
  if (h->has_x && !isfinite(h->x)) return bad(e, r, "x", "is not finite");
  if (h->has_conf && !(h->conf >= 0.0 && h->conf <= 1.0))
    return bad(e, r, "conf", "is not in [0, 1]");
  for (size_t k = 0; k < h->sku_score_count; ++k)
    if (!isfinite(h->sku_scores[k].score))
      return bad(e, r, "sku_scores", "holds a score not finite");
  return -1;
}

int rf__screen_numbers(rf_engine *e, const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT:
    case RF_RECORD_LINK:
    case RF_RECORD_POSITION: {
      rf_time_us t0, t1;
      rf__record_span(r, &t0, &t1);
      if (!time_ok(t0)) return bad(e, r, "t", "is beyond the time range (2^52 us)");
      if (r->type == RF_RECORD_POSITION &&
          (!isfinite(r->u.position.x) || !isfinite(r->u.position.y)))
        return bad(e, r, isfinite(r->u.position.x) ? "y" : "x", "is not finite");
      return -1;
    }
    case RF_RECORD_SAMPLES: return samples_numbers(e, r);
    case RF_RECORD_DELTA: {
      int rc = span_numbers(e, r, r->u.delta.t0, r->u.delta.t1);
      for (size_t k = 0; rc < 0 && k < r->u.delta.plate_count; ++k)
        if (!weight_ok(r->u.delta.plates[k].g))
          rc = bad(e, r, "plates", "holds a change not finite or beyond 1e7 g");
      return rc;
    }
    case RF_RECORD_HAND: return hand_numbers(e, r);
    case RF_RECORD_RESTOCK: {
      int rc = span_numbers(e, r, r->u.restock.t0, r->u.restock.t1);
      const int64_t q = r->u.restock.qty;
      if (rc < 0 && q == 0) rc = bad(e, r, "qty", "is 0");
      if (rc < 0 && (q > ((int64_t)1 << 53) || q < -((int64_t)1 << 53)))
        rc = bad(e, r, "qty", "is beyond 2^53 items");
      return rc;
    }
    default: return -1;
  }
}

static int refuse(rf_engine *e, int reason, const char *fmt, const char *id) {
  rf__error(&e->err, RF_SETASIDE, fmt, id);
  return reason;
}

/* The shopper's slot if the ledger knows them, else -1. */
static int64_t shopper_slot(const rf_engine *e, const char *id) {
  uint32_t i;
  return rf__ledger_lookup(&e->ledger, id, &i) == 0 ? (int64_t)i : -1;
}

static int link_ids(rf_engine *e, const rf_link_rec *l) {
  int64_t who = shopper_slot(e, l->shopper), into = shopper_slot(e, l->cart);
  if (who < 0 || !rf__ledger_in_at(&e->ledger, (uint32_t)who, l->t))
    return refuse(e, RF_SETASIDE_NOT_IN, "link: shopper '%s' is not in the store", l->shopper);
  /* Into the cart of someone in the store: a receipted cart is closed, and a cart nobody is in
   * may be (its receipt may be out, or due). */
  if (into < 0 || !rf__ledger_in_at(&e->ledger, (uint32_t)into, l->t) ||
      rf__ledger_receipted(&e->ledger, rf__ledger_cart_of(&e->ledger, (uint32_t)into)))
    return refuse(e, RF_SETASIDE_UNKNOWN_CART, "link: cart '%s' is not in the store", l->cart);
  /* Staff buy nothing: they share no cart, nor does anyone shop into theirs. */
  if (rf__ledger_staff_cart(&e->ledger, rf__ledger_cart_of(&e->ledger, (uint32_t)into)))
    return refuse(e, RF_SETASIDE_UNKNOWN_CART, "link: cart '%s' is staff's: they have none",
                  l->cart);
  if (rf__ledger_staff_cart(&e->ledger, (uint32_t)who))
    return refuse(e, RF_SETASIDE_UNKNOWN_CART, "link: '%s' is staff, who share no cart",
                  l->shopper);
  return -1;
}

static int plate_ids(rf_engine *e, const rf_delta_rec *d, uint32_t shelf) {
  for (size_t k = 0; k < d->plate_count; ++k) {
    uint32_t plate, on;
    if (rf_store_find_plate(e->store, d->plates[k].plate, &plate) != 0)
      return refuse(e, RF_SETASIDE_UNKNOWN_PLATE, "delta: plate '%s' is not in the store",
                    d->plates[k].plate);
    rf_store_plate(e->store, plate, NULL, &on);
    if (on != shelf)
      return refuse(e, RF_SETASIDE_UNKNOWN_PLATE, "delta: plate '%s' is not on the delta's shelf",
                    d->plates[k].plate);
  }
  return -1;
}

static int hand_ids(rf_engine *e, const rf_hand_rec *h, int *anonymous) {
  uint32_t shelf;
  if (rf_store_find_shelf(e->store, h->shelf, &shelf) != 0)
    return refuse(e, RF_SETASIDE_UNKNOWN_SHELF, "hand: shelf '%s' is not in the store", h->shelf);
  if (h->shopper == NULL) return -1;
  int64_t who = shopper_slot(e, h->shopper);
  if (who >= 0 && rf__ledger_in_store_during(&e->ledger, (uint32_t)who, h->t0, h->t1)) return -1;
  *anonymous = 1;
  return refuse(e, RF_SETASIDE_UNKNOWN_SHOPPER,
                "hand: shopper '%s' is not in the store (used as an anonymous visit)", h->shopper);
}

int rf__screen_ids(rf_engine *e, const rf_record *r, int *anonymous) {
  uint32_t found;
  int64_t who;
  *anonymous = 0;
  switch (r->type) {
    case RF_RECORD_ENTER:
      who = shopper_slot(e, r->u.enter.shopper);
      if (who >= 0 && rf__ledger_present(&e->ledger, (uint32_t)who))
        return refuse(e, RF_SETASIDE_ALREADY_IN, "enter: shopper '%s' is already in the store",
                      r->u.enter.shopper);
      return -1;
    case RF_RECORD_EXIT:
      who = shopper_slot(e, r->u.exit.shopper);
      /* (In the store, and since before the exit: an exit dated before the enter is no exit.) */
      if (who < 0 || !rf__ledger_in_at(&e->ledger, (uint32_t)who, r->u.exit.t))
        return refuse(e, RF_SETASIDE_NOT_IN, "exit: shopper '%s' is not in the store",
                      r->u.exit.shopper);
      return -1;
    case RF_RECORD_LINK: return link_ids(e, &r->u.link);
    case RF_RECORD_POSITION:
      if (shopper_slot(e, r->u.position.shopper) < 0)
        return refuse(e, RF_SETASIDE_UNKNOWN_SHOPPER, "position: shopper '%s' is not in the store",
                      r->u.position.shopper);
      return -1;
    case RF_RECORD_SAMPLES:
      if (rf_store_find_plate(e->store, r->u.samples.plate, &found) != 0)
        return refuse(e, RF_SETASIDE_UNKNOWN_PLATE, "samples: plate '%s' is not in the store",
                      r->u.samples.plate);
      return -1;
    case RF_RECORD_DELTA:
      if (rf_store_find_shelf(e->store, r->u.delta.shelf, &found) != 0)
        return refuse(e, RF_SETASIDE_UNKNOWN_SHELF, "delta: shelf '%s' is not in the store",
                      r->u.delta.shelf);
      return plate_ids(e, &r->u.delta, found);
    case RF_RECORD_HAND: return hand_ids(e, &r->u.hand, anonymous);
    case RF_RECORD_RESTOCK:
      if (rf_store_find_shelf(e->store, r->u.restock.shelf, &found) != 0)
        return refuse(e, RF_SETASIDE_UNKNOWN_SHELF, "restock: shelf '%s' is not in the store",
                      r->u.restock.shelf);
      if (rf_store_find_product(e->store, r->u.restock.sku, &found) != 0)
        return refuse(e, RF_SETASIDE_UNKNOWN_SKU, "restock: sku '%s' is not in the store",
                      r->u.restock.sku);
      return -1;
    default: return -1;
  }
}
