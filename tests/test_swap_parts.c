/* The parts the engine reads tracker id swaps with (lib/fuse): which shopper an id names at a
 * time once swaps are found (aliases), and whether two tracks' motion says their ids crossed
 * where they passed (crossing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fuse/aliases.h"
#include "fuse/crossing.h"

#define SEC 1000000LL

/* A swap found over [10 s, 20 s) of ids 1 and 2: records of that time go to the other shopper,
 * records before and after to their own, whatever order the flips were found in. */
static void test_alias_over_a_span(void **state) {
  (void)state;
  static f_aliases x;
  memset(&x, 0, sizeof x);
  rf__aliases_flip(&x, 1, 2, 20 * SEC); /* found first: the end, then the start */
  rf__aliases_flip(&x, 1, 2, 10 * SEC);
  assert_int_equal(rf__aliases_map(&x, 1, 9 * SEC), 1);
  assert_int_equal(rf__aliases_map(&x, 1, 10 * SEC), 2);
  assert_int_equal(rf__aliases_map(&x, 2, 15 * SEC), 1);
  assert_int_equal(rf__aliases_map(&x, 3, 15 * SEC), 3);
  assert_int_equal(rf__aliases_map(&x, 1, 20 * SEC), 1);
  assert_int_equal(rf__aliases_map(&x, 2, 25 * SEC), 2);
}

/* Flips compose as the tracker made them: ids 1 and 2 swap people at 10 s (id 1 then on
 * shopper 2), then ids 2 and 3 at 20 s — id 2 was on shopper 1, so from 20 s id 3 is, and id 2
 * on shopper 3; id 1 stays on shopper 2. A slot taken by a new shopper loses its flips. */
static void test_alias_chain(void **state) {
  (void)state;
  static f_aliases x;
  memset(&x, 0, sizeof x);
  rf__aliases_flip(&x, 1, 2, 10 * SEC);
  rf__aliases_flip(&x, 2, 3, 20 * SEC);
  assert_int_equal(rf__aliases_map(&x, 1, 15 * SEC), 2);
  assert_int_equal(rf__aliases_map(&x, 2, 15 * SEC), 1);
  assert_int_equal(rf__aliases_map(&x, 1, 25 * SEC), 2);
  assert_int_equal(rf__aliases_map(&x, 3, 25 * SEC), 1);
  assert_int_equal(rf__aliases_map(&x, 2, 25 * SEC), 3);
  rf__aliases_forget(&x, 3);
  assert_int_equal(x.count, 1);
  assert_int_equal(rf__aliases_map(&x, 2, 25 * SEC), 1);
}

/* Full: the oldest flip goes, the newest are kept. */
static void test_alias_bounded(void **state) {
  (void)state;
  static f_aliases x;
  memset(&x, 0, sizeof x);
  for (int k = 0; k <= RF__FLIPS; ++k) rf__aliases_flip(&x, 1, 2, (rf_time_us)k * SEC);
  assert_int_equal(x.count, RF__FLIPS);
  assert_int_equal(x.flip[0].t, 1 * SEC);
  assert_int_equal(x.flip[RF__FLIPS - 1].t, (rf_time_us)RF__FLIPS * SEC);
}

static f_motion moving(double vx, double vy) { return (f_motion){vx, vy, 1}; }

/* A walker (1 m/s) passes someone standing. If afterwards the walker's id still walks, the ids
 * stayed (log-odds about -5.6 over a one-second pass); if the other id walks on, they crossed
 * (+5.6). Side by side, both walking alike, nothing tells; over a long pass the evidence fades;
 * an unknown motion tells nothing. */
static void test_crossing_log_odds(void **state) {
  (void)state;
  const f_motion walk = moving(1, 0), stand = moving(0, 0);
  double stayed = rf__crossing_log_odds(walk, stand, walk, stand, 1 * SEC);
  double crossed = rf__crossing_log_odds(walk, stand, stand, walk, 1 * SEC);
  assert_float_equal(stayed, -1.0 / 0.18, 1e-9);
  assert_float_equal(crossed, 1.0 / 0.18, 1e-9);
  assert_float_equal(rf__crossing_log_odds(walk, walk, walk, walk, 1 * SEC), 0, 1e-12);
  double long_pass = rf__crossing_log_odds(walk, stand, stand, walk, 20 * SEC);
  assert_true(long_pass > 0 && long_pass < crossed / 5);
  assert_float_equal(rf__crossing_log_odds(walk, (f_motion){0, 0, 0}, stand, walk, SEC), 0, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alias_over_a_span),
      cmocka_unit_test(test_alias_chain),
      cmocka_unit_test(test_alias_bounded),
      cmocka_unit_test(test_crossing_log_odds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
