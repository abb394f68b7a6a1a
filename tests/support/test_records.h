/* Building input records in tests: one line per event instead of a struct filled by hand. The
 * strings and arrays passed in must outlive the push. */
#ifndef RF_TEST_RECORDS_H
#define RF_TEST_RECORDS_H

#include <string.h>

#include "retailfuse/scenario.h"

static inline rf_record shopper_record(rf_record_type type, rf_time_us t, const char *shopper) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = type;
  r.u.enter.t = t;
  r.u.enter.shopper = shopper;
  return r;
}

static inline rf_record enter(rf_time_us t, const char *shopper) {
  return shopper_record(RF_RECORD_ENTER, t, shopper);
}

static inline rf_record leave(rf_time_us t, const char *shopper) {
  return shopper_record(RF_RECORD_EXIT, t, shopper);
}

static inline rf_record link_to(rf_time_us t, const char *shopper, const char *cart) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_LINK;
  r.u.link.t = t;
  r.u.link.shopper = shopper;
  r.u.link.cart = cart;
  return r;
}

static inline rf_record position(rf_time_us t, const char *shopper, double x, double y) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_POSITION;
  r.u.position.t = t;
  r.u.position.shopper = shopper;
  r.u.position.x = x;
  r.u.position.y = y;
  return r;
}

/* A hand visit with no position, confidence or hints. */
static inline rf_record hand(const char *shopper, const char *shelf, rf_time_us t0, rf_time_us t1) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_HAND;
  r.u.hand.shopper = shopper;
  r.u.hand.shelf = shelf;
  r.u.hand.t0 = t0;
  r.u.hand.t1 = t1;
  r.u.hand.holding_in = RF_UNKNOWN;
  r.u.hand.holding_out = RF_UNKNOWN;
  return r;
}

static inline rf_record hand_at(const char *shopper, const char *shelf, rf_time_us t0,
                                rf_time_us t1, double x) {
  rf_record r = hand(shopper, shelf, t0, t1);
  r.u.hand.has_x = 1;
  r.u.hand.x = x;
  return r;
}

static inline rf_record delta(const char *shelf, rf_time_us t0, rf_time_us t1,
                              const rf_plate_delta *plates, size_t n) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_DELTA;
  r.u.delta.shelf = shelf;
  r.u.delta.t0 = t0;
  r.u.delta.t1 = t1;
  r.u.delta.plates = plates;
  r.u.delta.plate_count = n;
  return r;
}

#endif
