/* Where along a shelf a shopper stands: with the shelf's direction (`dir`) the engine weighs a
 * shopper's track against the point of the front line where the change's weight centred, so two
 * shoppers at the same long shelf, one at each end, are told apart; without it both are as far
 * from the shelf's centre, and the take is a toss-up. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/engine.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "test_records.h"
#include "test_sink.h"

#define SEC 1000000LL
#define MS 1000LL

/* One shelf 4 m long, its front centre at (2, 0), running along x (dir (1, 0)) or with no
 * direction given; eight plates of 0.5 m. TEA stands on the first, COLA on the last. */
static rf_store *long_shelf(int has_dir, double dir_x, double dir_y) {
  static const rf_plate_def plates[] = {{"P1", 0.0, 0.5}, {"P2", 0.5, 1.0}, {"P3", 1.0, 1.5},
                                        {"P4", 1.5, 2.0}, {"P5", 2.0, 2.5}, {"P6", 2.5, 3.0},
                                        {"P7", 3.0, 3.5}, {"P8", 3.5, 4.0}};
  static const rf_product_def products[] = {{"TEA", NULL, 540.0, 1, 3.0},
                                            {"COLA", NULL, 330.0, 1, 3.0}};
  rf_shelf_def shelf = {"L", 1, 1.5, 1, 2.0, 0.0, plates, 8, has_dir, dir_x, dir_y};
  static const rf_facing_def facings[] = {{"L", "TEA", 0.0, 0.5, 8}, {"L", "COLA", 3.5, 4.0, 8}};
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  for (size_t i = 0; i < 2; ++i)
    assert_int_equal(rf_store_builder_add_product(b, &products[i]), RF_OK);
  assert_int_equal(rf_store_builder_add_shelf(b, &shelf), RF_OK);
  for (size_t i = 0; i < 2; ++i)
    assert_int_equal(rf_store_builder_add_facing(b, &facings[i]), RF_OK);
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(b, &s), RF_OK);
  rf_store_builder_free(b);
  return s;
}

/* S1 stands 0.5 m in front of the shelf's left end, S2 in front of its right end, tracked at
 * 10 Hz; nobody's hand is seen; the tea goes. Returns the diff's confidence for S1 (1 - it when
 * the diff named S2). */
static double tea_goes_to_s1(rf_store *store, double s1_x, double s1_y, double s2_x, double s2_y) {
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, store, NULL), RF_OK);
  static sink out; /* large: not on the stack */
  memset(&out, 0, sizeof out);
  rf_engine_set_output(e, sink_collect, &out);
  rf_record r = enter(0, "S1");
  assert_int_equal(rf_engine_push(e, &r), RF_OK);
  r = enter(0, "S2");
  assert_int_equal(rf_engine_push(e, &r), RF_OK);
  static const rf_plate_delta take[] = {{"P1", -540.2}};
  r = delta("L", 1200 * MS, 1600 * MS, take, 1);
  assert_int_equal(rf_engine_push(e, &r), RF_OK);
  for (rf_time_us t = 0; t <= 3 * SEC; t += 100 * MS) {
    r = position(t, "S1", s1_x, s1_y);
    assert_int_equal(rf_engine_push(e, &r), RF_OK);
    r = position(t, "S2", s2_x, s2_y);
    assert_int_equal(rf_engine_push(e, &r), RF_OK);
  }
  assert_int_equal(rf_engine_finish(e), RF_OK);
  assert_true(out.count >= 1);
  const out_rec *o = &out.rec[0];
  assert_int_equal(o->type, RF_RECORD_DIFF);
  assert_string_equal(o->sku, "TEA");
  double conf = strcmp(o->shopper, "S1") == 0 ? o->conf : 1.0 - o->conf;
  rf_engine_free(e);
  return conf;
}

static void direction_tells_the_ends_apart(void **state) {
  (void)state;
  rf_store *with = long_shelf(1, 1.0, 0.0), *without = long_shelf(0, 0.0, 0.0);
  /* The shelf faces -y here: shoppers stand at y = -0.5. */
  double c_with = tea_goes_to_s1(with, 0.25, -0.5, 3.75, -0.5);
  double c_without = tea_goes_to_s1(without, 0.25, -0.5, 3.75, -0.5);
  print_message("S1's probability: %.4f with dir, %.4f without\n", c_with, c_without);
  assert_true(c_with > 0.95);
  assert_true(fabs(c_without - 0.5) < 0.01);
  rf_store_free(with);
  rf_store_free(without);
}

/* Only the direction counts: (3, 0) is (1, 0); (-1, 0) runs the other way, so the shelf's left
 * end is at the right, where S2 stands. */
static void direction_is_normalised_and_signed(void **state) {
  (void)state;
  rf_store *long_dir = long_shelf(1, 3.0, 0.0), *reversed = long_shelf(1, -1.0, 0.0);
  rf_shelf_def def;
  rf_store_shelf(long_dir, 0, &def);
  assert_true(def.has_dir && def.dir_x == 1.0 && def.dir_y == 0.0);
  assert_true(tea_goes_to_s1(long_dir, 0.25, -0.5, 3.75, -0.5) > 0.95);
  assert_true(tea_goes_to_s1(reversed, 0.25, -0.5, 3.75, -0.5) < 0.05);
  rf_store_free(long_dir);
  rf_store_free(reversed);
}

/* A direction that is not one is refused, naming the shelf. */
static void bad_direction_is_refused(void **state) {
  (void)state;
  static const rf_plate_def plates[] = {{"P1", 0.0, 0.5}};
  const double bad[][2] = {{0.0, 0.0}, {NAN, 1.0}, {INFINITY, 0.0}, {1.0, -INFINITY}};
  for (size_t k = 0; k < 4; ++k) {
    rf_store_builder *b = NULL;
    assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
    rf_shelf_def shelf = {"L", 0, 0.0, 1, 0.0, 0.0, plates, 1, 1, bad[k][0], bad[k][1]};
    assert_int_equal(rf_store_builder_add_shelf(b, &shelf), RF_ERANGE);
    assert_string_equal(rf_store_builder_errmsg(b), "shelf 'L': dir must be finite and not [0, 0]");
    rf_store_builder_free(b);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(direction_tells_the_ends_apart),
      cmocka_unit_test(direction_is_normalised_and_signed),
      cmocka_unit_test(bad_direction_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
