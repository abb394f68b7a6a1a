/* rf_record_span: when a record's span begins and ends — events of an instant, of a span, raw
 * readings (the last one's time), the store's records, a receipt without t, a review and an
 * explanation (none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/record.h"

static void spans(void **state) {
  (void)state;
  rf_record r;
  rf_time_us t0 = -1, t1 = -1;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_POSITION;
  r.u.position.t = 7;
  assert_int_equal(rf_record_span(&r, &t0, &t1), 1);
  assert_int_equal(t0, 7);
  assert_int_equal(t1, 7);
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_DELTA;
  r.u.delta.t0 = -20;
  r.u.delta.t1 = 30;
  assert_int_equal(rf_record_span(&r, &t0, &t1), 1);
  assert_int_equal(t0, -20);
  assert_int_equal(t1, 30);
  static const double g[3] = {1, 2, 3};
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_SAMPLES;
  r.u.samples.t = 1000;
  r.u.samples.dt_us = 250;
  r.u.samples.g = g;
  r.u.samples.count = 3;
  assert_int_equal(rf_record_span(&r, &t0, &t1), 1);
  assert_int_equal(t0, 1000);
  assert_int_equal(t1, 1500);
}

static void no_span(void **state) {
  (void)state;
  rf_record r;
  rf_time_us t0 = 5, t1 = 6;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_ZONE;
  assert_int_equal(rf_record_span(&r, &t0, &t1), 0);
  r.type = RF_RECORD_PRODUCT;
  assert_int_equal(rf_record_span(&r, &t0, &t1), 0);
  r.type = RF_RECORD_RECEIPT; /* no t */
  assert_int_equal(rf_record_span(&r, &t0, &t1), 0);
  /* A verdict bears no time (it takes effect when it comes); an explanation is no event: its
   * t is its diffs', and it spans nothing of the store's clock. */
  r.type = RF_RECORD_REVIEW;
  r.u.review.decision = 12;
  assert_int_equal(rf_record_span(&r, &t0, &t1), 0);
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_EXPLAIN;
  r.u.explain.t = 15600000;
  r.u.explain.t0 = 8100000;
  r.u.explain.t1 = 8600000;
  assert_int_equal(rf_record_span(&r, &t0, &t1), 0);
  assert_int_equal(t0, 5);
  assert_int_equal(t1, 6);
  assert_int_equal(rf_record_span(NULL, &t0, &t1), 0);
  assert_int_equal(rf_record_span(&r, NULL, &t1), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(spans), cmocka_unit_test(no_span)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
