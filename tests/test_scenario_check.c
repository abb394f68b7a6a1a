/* The whole-scenario checker: store before events, ids that exist, shoppers who entered, times
 * within the lateness; every refusal named and harmless. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"
#include "test_alloc.h"

#define STORE                                                                                   \
  "{\"type\":\"product\",\"sku\":\"A\",\"weight_g\":100}\n"                                     \
  "{\"type\":\"product\",\"sku\":\"B\",\"weight_g\":250.5,\"weight_sd_g\":2}\n"                 \
  "{\"type\":\"shelf\",\"shelf\":\"S1\",\"plates\":[{\"plate\":\"P1\",\"x0\":0,\"x1\":0.1},"    \
  "{\"plate\":\"P2\",\"x0\":0.1,\"x1\":0.2}]}\n"                                                \
  "{\"type\":\"shelf\",\"shelf\":\"S2\",\"plates\":[{\"plate\":\"Q1\",\"x0\":0,\"x1\":0.1}]}\n" \
  "{\"type\":\"facing\",\"shelf\":\"S1\",\"sku\":\"A\",\"x0\":0,\"x1\":0.1,\"count\":3}\n"      \
  "{\"type\":\"facing\",\"shelf\":\"S1\",\"sku\":\"B\",\"x0\":0.1,\"x1\":0.2}\n"

/* Feeds every line of `text` to `check`; returns the first refusal's code (reading must not
 * fail) and leaves the line number of that refusal in *line. */
static int feed(rf_scenario_check *check, const char *text, uint64_t *line) {
  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), NULL, NULL), 0);
  rf_record rec;
  int rc, first = 0;
  while ((rc = rf_scenario_reader_next(r, &rec)) == 0) {
    int c = rf_scenario_check_record(check, &rec);
    if (c != 0 && first == 0) {
      first = c;
      if (line) *line = rec.line;
    }
  }
  if (rc != RF_ITEROVER) fail_msg("reader: %s", rf_scenario_reader_errmsg(r));
  rf_scenario_reader_free(r);
  return first;
}

static rf_scenario_check *new_check(void) {
  rf_scenario_check *c;
  assert_int_equal(rf_scenario_check_new(&c, NULL), 0);
  return c;
}

/* Checks STORE + `events`, expecting exactly one refusal with `code` on `line` whose message
 * contains `needle`. */
static void expect_refusal(const char *events, int code, uint64_t line, const char *needle) {
  char text[4096];
  snprintf(text, sizeof text, "%s%s", STORE, events);
  rf_scenario_check *c = new_check();
  uint64_t at = 0;
  assert_int_equal(feed(c, text, &at), code);
  assert_int_equal(at, line);
  const char *msg = rf_scenario_check_errmsg(c);
  char prefix[32];
  snprintf(prefix, sizeof prefix, "line %llu: ", (unsigned long long)line);
  if (strncmp(msg, prefix, strlen(prefix)) != 0 || strstr(msg, needle) == NULL)
    fail_msg("message '%s' lacks '%s' or '%s'", msg, prefix, needle);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.refused, 1);
  rf_scenario_check_free(c);
}

static void a_valid_scenario_is_counted(void **state) {
  (void)state;
  const char *text = STORE
      "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
      "{\"type\":\"enter\",\"t\":100,\"shopper\":\"U2\"}\n"
      "{\"type\":\"link\",\"t\":100,\"shopper\":\"U2\",\"cart\":\"U1\"}\n"
      "{\"type\":\"position\",\"t\":200,\"shopper\":\"U1\",\"x\":1,\"y\":2}\n"
      "{\"type\":\"samples\",\"plate\":\"P1\",\"t\":1000,\"dt_us\":10,\"g\":[1,2,3,4]}\n"
      "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1000000,\"t1\":1500000,\"plates\":{\"P1\":-100,\"P2\":-0.3}}\n"
      "{\"type\":\"hand\",\"shopper\":null,\"shelf\":\"S1\",\"t0\":900000,\"t1\":1600000,\"sku_scores\":{\"A\":0.9}}\n"
      "{\"type\":\"hand\",\"shopper\":\"U1\",\"shelf\":\"S1\",\"t0\":900000,\"t1\":1600000}\n"
      "{\"type\":\"exit\",\"t\":3000000,\"shopper\":\"U1\"}\n"
      "{\"type\":\"enter\",\"t\":3000001,\"shopper\":\"U1\"}\n"
      "{\"type\":\"diff\",\"seq\":1,\"t\":2000000,\"shopper\":\"U1\",\"sku\":\"A\",\"qty\":1,\"conf\":0.9,\"review\":false,\"event\":0}\n"
      "{\"type\":\"truth\",\"t\":1500000,\"shopper\":\"U1\",\"sku\":\"A\",\"qty\":1}\n"
      "{\"type\":\"receipt\",\"t\":4000000,\"shopper\":\"U1\",\"items\":{\"A\":1}}\n";
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, text, NULL), 0);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.records, 19);
  assert_int_equal(s.refused, 0);
  assert_int_equal(s.products, 2);
  assert_int_equal(s.shelves, 2);
  assert_int_equal(s.plates, 3);
  assert_int_equal(s.facings, 2);
  assert_int_equal(s.shoppers, 2); /* U1 entered twice but is one shopper */
  assert_int_equal(s.samples, 4);
  assert_int_equal(s.by_type[RF_RECORD_PRODUCT], 2);
  assert_int_equal(s.by_type[RF_RECORD_ENTER], 3);
  assert_int_equal(s.by_type[RF_RECORD_HAND], 2);
  assert_int_equal(s.by_type[RF_RECORD_RECEIPT], 1);
  assert_true(s.has_time);
  assert_int_equal(s.t_min, 0);
  assert_int_equal(s.t_max, 4000000);
  const rf_store *store = rf_scenario_check_store(c);
  assert_non_null(store);
  assert_int_equal(rf_store_plate_count(store), 3);
  rf_scenario_check_free(c);
}

static void store_records_must_come_first(void **state) {
  (void)state;
  expect_refusal("{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
                 "{\"type\":\"product\",\"sku\":\"C\",\"weight_g\":5}\n",
                 RF_EMISUSE, 8, "product: the store description must come before the first event");
  /* Output records end the store description too. */
  expect_refusal(
      "{\"type\":\"truth\",\"t\":0,\"shopper\":\"U1\",\"sku\":\"A\",\"qty\":1}\n"
      "{\"type\":\"shelf\",\"shelf\":\"S9\",\"plates\":[{\"plate\":\"Z\",\"x0\":0,\"x1\":1}]}\n",
      RF_EMISUSE, 8, "shelf: the store description");
}

static void store_errors_name_line_and_id(void **state) {
  (void)state;
  expect_refusal("{\"type\":\"product\",\"sku\":\"A\",\"weight_g\":5}\n", RF_EEXISTS, 7,
                 "product 'A': sku defined twice");
  expect_refusal("{\"type\":\"facing\",\"shelf\":\"S2\",\"sku\":\"Z\",\"x0\":0,\"x1\":0.1}\n",
                 RF_ENOTFOUND, 7, "unknown sku 'Z'");
  expect_refusal("{\"type\":\"facing\",\"shelf\":\"S1\",\"sku\":\"A\",\"x0\":0.05,\"x1\":0.1}\n",
                 RF_ERANGE, 7, "overlaps the facing of 'A'");
}

static void events_must_name_what_exists(void **state) {
  (void)state;
  const char *enter = "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n";
  char buf[1024];
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"delta\",\"shelf\":\"S3\",\"t0\":1,\"t1\":2,\"plates\":{\"P1\":-1}}\n");
  expect_refusal(buf, RF_ENOTFOUND, 8, "delta: field 'shelf': shelf 'S3' is not in the store");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"plates\":{\"Q1\":-1}}\n");
  expect_refusal(buf, RF_ERANGE, 8, "plate 'Q1' is not on shelf 'S1'");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"plates\":{\"P9\":-1}}\n");
  expect_refusal(buf, RF_ENOTFOUND, 8, "plate 'P9' is not in the store");
  snprintf(
      buf, sizeof buf, "%s%s", enter,
      "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"plates\":{\"P1\":-1,\"P1\":-2}}\n");
  expect_refusal(buf, RF_EEXISTS, 8, "plate 'P1' is listed twice");
  expect_refusal("{\"type\":\"samples\",\"plate\":\"P7\",\"t\":0,\"dt_us\":10,\"g\":[1]}\n",
                 RF_ENOTFOUND, 7, "samples: field 'plate': plate 'P7' is not in the store");
  expect_refusal("{\"type\":\"hand\",\"shopper\":null,\"shelf\":\"S3\",\"t0\":1,\"t1\":2}\n",
                 RF_ENOTFOUND, 7, "hand: field 'shelf': shelf 'S3'");
  expect_refusal("{\"type\":\"hand\",\"shopper\":\"U5\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2}\n",
                 RF_ENOTFOUND, 7, "field 'shopper': shopper 'U5' has not entered");
  expect_refusal(
      "{\"type\":\"hand\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"sku_scores\":{\"A\":0.5,\"Q\":0.1}}\n",
      RF_ENOTFOUND, 7, "field 'sku_scores': sku 'Q' is not in the store");
  expect_refusal(
      "{\"type\":\"diff\",\"seq\":1,\"t\":2,\"shopper\":\"U1\",\"sku\":\"Q\",\"qty\":1,\"conf\":1,\"review\":false,\"event\":0}\n",
      RF_ENOTFOUND, 7, "diff: field 'sku': sku 'Q'");
  expect_refusal("{\"type\":\"receipt\",\"shopper\":\"U1\",\"items\":{\"A\":1,\"Q\":2}}\n",
                 RF_ENOTFOUND, 7, "receipt: field 'items': sku 'Q'");
}

static void shoppers_enter_before_they_act(void **state) {
  (void)state;
  const char *enter = "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n";
  char buf[1024];
  snprintf(buf, sizeof buf, "%s%s", enter, enter);
  expect_refusal(buf, RF_EEXISTS, 8, "shopper 'U1' is already in the store");
  expect_refusal("{\"type\":\"exit\",\"t\":0,\"shopper\":\"U1\"}\n", RF_ENOTFOUND, 7,
                 "exit: field 'shopper': shopper 'U1' has not entered");
  snprintf(buf, sizeof buf, "%s%s%s", enter, "{\"type\":\"exit\",\"t\":5,\"shopper\":\"U1\"}\n",
           "{\"type\":\"exit\",\"t\":6,\"shopper\":\"U1\"}\n");
  expect_refusal(buf, RF_ERANGE, 9, "shopper 'U1' has already left");
  expect_refusal("{\"type\":\"position\",\"t\":0,\"shopper\":\"U1\",\"x\":0,\"y\":0}\n",
                 RF_ENOTFOUND, 7, "position: field 'shopper'");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"link\",\"t\":1,\"shopper\":\"U1\",\"cart\":\"U9\"}\n");
  expect_refusal(buf, RF_ENOTFOUND, 8, "link: field 'cart': shopper 'U9' has not entered");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"link\",\"t\":1,\"shopper\":\"U1\",\"cart\":\"U1\"}\n");
  expect_refusal(buf, RF_ERANGE, 8, "cannot link to their own cart");
}

static void times_may_lag_by_the_lateness_only(void **state) {
  (void)state;
  /* The hand ends at 5 s; a delta ending at 3 s is exactly 2 s behind: allowed. */
  const char *ok = STORE
      "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
      "{\"type\":\"hand\",\"shopper\":\"U1\",\"shelf\":\"S1\",\"t0\":4000000,\"t1\":5000000}\n"
      "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":2500000,\"t1\":3000000,\"plates\":{\"P1\":-100}}\n";
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, ok, NULL), 0);
  rf_scenario_check_free(c);

  expect_refusal(
      "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
      "{\"type\":\"hand\",\"shopper\":\"U1\",\"shelf\":\"S1\",\"t0\":4000000,\"t1\":5000000}\n"
      "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":2500000,\"t1\":2999999,\"plates\":{\"P1\":-100}}\n",
      RF_ELATE, 9, "delta: time 2.999999 s is 2.000001 s behind the latest time seen (5.000000 s)");

  /* A refused late record does not move the clock, and a wider lateness accepts it. */
  assert_int_equal(rf_scenario_check_new(&c, NULL), 0);
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, 10.0), 0);
  assert_int_equal(feed(c,
                        STORE "{\"type\":\"enter\",\"t\":9000000,\"shopper\":\"U1\"}\n"
                              "{\"type\":\"exit\",\"t\":0,\"shopper\":\"U1\"}\n",
                        NULL),
                   0);
  rf_scenario_check_free(c);
}

static void a_refused_record_changes_nothing(void **state) {
  (void)state;
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, STORE "{\"type\":\"enter\",\"t\":5000000,\"shopper\":\"U1\"}\n", NULL),
                   0);
  rf_scenario_summary before, after;
  rf_scenario_check_summary(c, &before);
  /* Late, then a late enter of a new shopper: neither may register. */
  assert_int_equal(feed(c, "{\"type\":\"enter\",\"t\":1000000,\"shopper\":\"U2\"}\n", NULL),
                   RF_ELATE);
  assert_int_equal(
      feed(
          c,
          "{\"type\":\"hand\",\"shopper\":\"U2\",\"shelf\":\"S1\",\"t0\":5000000,\"t1\":5000001}\n",
          NULL),
      RF_ENOTFOUND);
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.refused, before.refused + 2);
  after.refused = before.refused;
  assert_memory_equal(&before, &after, sizeof before);
  rf_scenario_check_free(c);
}

static void files_without_a_store_check_what_they_can(void **state) {
  (void)state;
  /* A truth file: no store, no enters; skus and shoppers cannot be checked and are not. */
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c,
                        "{\"type\":\"truth\",\"t\":1,\"shopper\":\"S1\",\"sku\":\"X\",\"qty\":1}\n"
                        "{\"type\":\"receipt\",\"shopper\":\"S1\",\"items\":{\"X\":1}}\n",
                        NULL),
                   0);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.records, 2);
  assert_int_equal(s.products, 0);
  rf_scenario_check_free(c);
  /* Events that name a shelf need a store. */
  c = new_check();
  assert_int_equal(
      feed(c, "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"plates\":{\"P1\":-1}}\n",
           NULL),
      RF_ENOTFOUND);
  rf_scenario_check_free(c);
}

static void the_store_can_be_taken_over(void **state) {
  (void)state;
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, STORE, NULL), 0);
  rf_store *s = rf_scenario_check_take_store(c);
  assert_non_null(s);
  assert_int_equal(rf_store_product_count(s), 2);
  assert_int_equal(rf_store_facing_count(s), 2);
  assert_null(rf_scenario_check_take_store(c));
  assert_null(rf_scenario_check_store(c));
  /* Counting goes on; ids are no longer checked. */
  assert_int_equal(
      feed(c,
           "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
           "{\"type\":\"delta\",\"shelf\":\"S9\",\"t0\":1,\"t1\":2,\"plates\":{\"P1\":-1}}\n",
           NULL),
      0);
  rf_scenario_check_free(c);
  uint32_t i;
  assert_int_equal(rf_store_find_shelf(s, "S1", &i), 0);
  rf_store_free(s);
}

static void params_are_checked(void **state) {
  (void)state;
  rf_scenario_check *c = (rf_scenario_check *)1;
  assert_int_equal(rf_scenario_check_new(NULL, NULL), RF_EINVAL);
  test_alloc t;
  rf_allocator a = test_alloc_make(&t, 0);
  a.malloc_fn = NULL;
  assert_int_equal(rf_scenario_check_new(&c, &a), RF_EINVAL);
  assert_null(c);
  assert_int_equal(t.calls, 0);
  assert_int_equal(rf_scenario_check_record(NULL, NULL), RF_EINVAL);
  rf_scenario_check_free(NULL);

  /* The table: one parameter, LATENESS_S, 2 s by default (the old option's 2 s). */
  assert_string_equal(rf_scenario_check_param_name(RF_CHECK_LATENESS_S), "LATENESS_S");
  assert_non_null(rf_scenario_check_param_help(RF_CHECK_LATENESS_S));
  assert_null(rf_scenario_check_param_name(RF_CHECK_PARAM_COUNT));
  assert_null(rf_scenario_check_param_help(RF_CHECK_PARAM_COUNT));
  double lo = -1, hi = -1, def = -1;
  assert_int_equal(rf_scenario_check_param_bounds(RF_CHECK_LATENESS_S, &lo, &hi, &def), 0);
  assert_true(lo == 0.0 && def == 2.0 && hi >= 60.0);
  assert_int_equal(rf_scenario_check_param_bounds(RF_CHECK_LATENESS_S, NULL, NULL, NULL), 0);
  assert_int_equal(rf_scenario_check_param_bounds(RF_CHECK_PARAM_COUNT, &lo, &hi, &def), RF_ERANGE);

  c = new_check();
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 2.0);
  /* Out of bounds or not finite: refused, the value unchanged. */
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, -1e-6), RF_ERANGE);
  assert_non_null(strstr(rf_scenario_check_errmsg(c), "LATENESS_S"));
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, hi * 2 + 1), RF_ERANGE);
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, NAN), RF_ERANGE);
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, INFINITY), RF_ERANGE);
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 2.0);
  /* Unknown parameters. */
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_PARAM_COUNT, 1.0), RF_EINVAL);
  assert_int_equal(rf_scenario_check_param_set(c, (rf_check_param)-1, 1.0), RF_EINVAL);
  assert_int_equal(rf_scenario_check_param_set(NULL, RF_CHECK_LATENESS_S, 1.0), RF_EINVAL);
  assert_true(isnan(rf_scenario_check_param_get(c, RF_CHECK_PARAM_COUNT)));
  assert_true(isnan(rf_scenario_check_param_get(NULL, RF_CHECK_LATENESS_S)));
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 2.0);

  /* Lateness 0: any step back in time is late. */
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, 0.0), 0);
  assert_string_equal(rf_scenario_check_errmsg(c), "");
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 0.0);
  assert_int_equal(feed(c,
                        STORE "{\"type\":\"enter\",\"t\":1000000,\"shopper\":\"U1\"}\n"
                              "{\"type\":\"enter\",\"t\":1000000,\"shopper\":\"U2\"}\n",
                        NULL),
                   0);
  assert_int_equal(feed(c, "{\"type\":\"exit\",\"t\":999999,\"shopper\":\"U1\"}\n", NULL),
                   RF_ELATE);
  rf_scenario_check_free(c);
}

static void allocation_failure_is_clean_at_every_point(void **state) {
  (void)state;
  const char *text = STORE
      "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
      "{\"type\":\"enter\",\"t\":1,\"shopper\":\"U2\"}\n"
      "{\"type\":\"enter\",\"t\":2,\"shopper\":\"U3\"}\n"
      "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1000000,\"t1\":1500000,\"plates\":{\"P1\":-100}}\n";
  long k;
  for (k = 1;; ++k) {
    test_alloc t;
    rf_allocator a = test_alloc_make(&t, k);
    rf_scenario_check *c = NULL;
    int rc = rf_scenario_check_new(&c, &a);
    if (rc == 0) {
      rf_scenario_reader *r;
      assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), NULL, NULL), 0);
      rf_record rec;
      while (rf_scenario_reader_next(r, &rec) == 0) {
        int c_rc = rf_scenario_check_record(c, &rec);
        if (c_rc != 0) {
          assert_int_equal(c_rc, RF_ENOMEM);
          assert_true(t.failed);
          /* The same record goes through once memory is back. */
          t.fail_at = 0;
          assert_int_equal(rf_scenario_check_record(c, &rec), 0);
        }
      }
      rf_scenario_reader_free(r);
      rf_scenario_summary s;
      rf_scenario_check_summary(c, &s);
      assert_int_equal(s.records, 10);
      assert_int_equal(s.shoppers, 3);
    } else {
      assert_int_equal(rc, RF_ENOMEM);
      assert_null(c);
    }
    rf_scenario_check_free(c);
    assert_int_equal(t.live, 0);
    if (!t.failed) break;
  }
  assert_true(k > 10); /* failures were really injected along the way */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_valid_scenario_is_counted),
      cmocka_unit_test(store_records_must_come_first),
      cmocka_unit_test(store_errors_name_line_and_id),
      cmocka_unit_test(events_must_name_what_exists),
      cmocka_unit_test(shoppers_enter_before_they_act),
      cmocka_unit_test(times_may_lag_by_the_lateness_only),
      cmocka_unit_test(a_refused_record_changes_nothing),
      cmocka_unit_test(files_without_a_store_check_what_they_can),
      cmocka_unit_test(the_store_can_be_taken_over),
      cmocka_unit_test(params_are_checked),
      cmocka_unit_test(allocation_failure_is_clean_at_every_point),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
