/* A shopper's track (lib/cart/track.c): about a fix per step kept, none dropped that a decision
 * may still read (newer than keep_since) — the track grows for them instead — and two tracks
 * exchange a span of fixes when a tracker had their ids swapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cart/track.h"
#include "core/alloc.h"

#define MS 1000LL
#define SEC 1000000LL

static rf_allocator g_alloc;

static void add(rf__track *tr, rf_time_us t, double x, rf_time_us keep_since) {
  const rf__fix f = {t, x, 0.0};
  assert_int_equal(rf__track_add(tr, &g_alloc, &f, keep_since), 0);
}

/* A 12 Hz tracker: the newest fix of each half second of the clock is kept (a fixed grid, so
 * the same fixes stay whatever else came in between). */
static void test_track_thins_to_a_step(void **state) {
  (void)state;
  rf__track tr = {0};
  for (rf_time_us t = 0; t <= 10 * SEC; t += 83 * MS) add(&tr, t, (double)t, INT64_MIN);
  assert_int_equal(tr.count, 20);
  for (int k = 0; k < tr.count; ++k) {
    rf_time_us t = rf__track_at(&tr, k)->t;
    assert_true(t / (500 * MS) == k);               /* one in each half second */
    assert_true(t + 83 * MS >= (k + 1) * 500 * MS); /* its newest */
  }
  rf__track_free(&tr, &g_alloc);
}

/* Full, with its oldest fix still wanted (newer than keep_since), the track grows; once the
 * oldest is older than keep_since, the newest takes its place. */
static void test_track_keeps_what_may_be_read(void **state) {
  (void)state;
  rf__track tr = {0};
  for (int k = 0; k < 200; ++k) add(&tr, k * SEC, k, 0);
  assert_int_equal(tr.count, 200);
  assert_true(tr.cap >= 200);
  assert_int_equal(rf__track_at(&tr, 0)->t, 0);
  int cap = tr.cap;
  for (int k = 200; k < cap; ++k) add(&tr, k * SEC, k, 0); /* fill it */
  add(&tr, (rf_time_us)cap * SEC, cap, 1); /* fix 0 is older than keep_since: it goes */
  assert_int_equal(tr.cap, cap);
  assert_int_equal(tr.count, cap);
  assert_int_equal(rf__track_at(&tr, 0)->t, 1 * SEC);
  assert_int_equal(rf__track_at(&tr, cap - 1)->t, (rf_time_us)cap * SEC);
  rf__track_free(&tr, &g_alloc);
}

/* However much is wanted, RF__TRACK_MAX fixes at most: past that the oldest goes. */
static void test_track_bounded(void **state) {
  (void)state;
  rf__track tr = {0};
  for (int k = 0; k <= RF__TRACK_MAX; ++k) add(&tr, k * SEC, k, INT64_MIN);
  assert_int_equal(tr.count, RF__TRACK_MAX);
  assert_int_equal(tr.cap, RF__TRACK_MAX);
  assert_int_equal(rf__track_at(&tr, 0)->t, 1 * SEC);
  rf__track_free(&tr, &g_alloc);
}

/* a and b exchange their fixes from 3 s to 6 s, each track staying in time order — also when
 * one ring has wrapped round. */
static void test_track_swap(void **state) {
  (void)state;
  rf__track a = {0}, b = {0};
  for (int k = 0; k < 80; ++k) add(&a, k * SEC, 1.0, 70 * SEC); /* wraps: keeps 10 s on */
  for (int k = 0; k < 80; ++k) add(&b, k * SEC, 2.0, INT64_MIN);
  assert_int_equal(rf__track_at(&a, 0)->t != 0, 1);
  int na = a.count, nb = b.count;
  assert_int_equal(rf__track_reserve_swap(&a, &b, &g_alloc), 0);
  rf__track_swap(&a, &b, 72 * SEC, 75 * SEC);
  assert_int_equal(a.count, na);
  assert_int_equal(b.count, nb);
  for (int k = 0; k < a.count; ++k) {
    const rf__fix *f = rf__track_at(&a, k);
    assert_true(k == 0 || f->t > rf__track_at(&a, k - 1)->t);
    assert_float_equal(f->x, f->t >= 72 * SEC && f->t < 75 * SEC ? 2.0 : 1.0, 0);
  }
  for (int k = 0; k < b.count; ++k) {
    const rf__fix *f = rf__track_at(&b, k);
    assert_true(k == 0 || f->t > rf__track_at(&b, k - 1)->t);
    assert_float_equal(f->x, f->t >= 72 * SEC && f->t < 75 * SEC ? 1.0 : 2.0, 0);
  }
  rf__track_free(&a, &g_alloc);
  rf__track_free(&b, &g_alloc);
}

int main(void) {
  rf__allocator_init(&g_alloc, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_track_thins_to_a_step),
      cmocka_unit_test(test_track_keeps_what_may_be_read),
      cmocka_unit_test(test_track_bounded),
      cmocka_unit_test(test_track_swap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
