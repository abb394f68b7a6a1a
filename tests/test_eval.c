/* The scorer: receipt precision, recall and F1, exact receipts, review rate, calibration, the
 * error breakdown, bad input and allocation failure at every point. Every expected value is
 * worked out by hand in the comment beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "retailfuse/eval.h"
#include "retailfuse/status.h"
#include "test_alloc.h"

#define SEC 1000000LL

/* ---- helpers --------------------------------------------------------------------------------- */

static void near_at(double got, double want, const char *expr, const char *file, int line) {
  if (fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want))) return;
  print_error("%s = %.17g, want %.17g\n", expr, got, want);
  _fail(file, line);
}
#define assert_near(got, want) near_at((got), (want), #got, __FILE__, __LINE__)

/* A receipt's items: ITEMS({"x", 2}, {"y", 1}) gives the array and its length. */
#define ITEMS(...)                    \
  (const rf_item_qty[]){__VA_ARGS__}, \
      sizeof((const rf_item_qty[]){__VA_ARGS__}) / sizeof(rf_item_qty)
#define NO_ITEMS NULL, 0

static rf_record truth(rf_time_us t, const char *shopper, const char *sku, int64_t qty) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_TRUTH;
  r.u.truth.t = t;
  r.u.truth.shopper = shopper;
  r.u.truth.sku = sku;
  r.u.truth.qty = qty;
  return r;
}

/* A receipt as the ground truth writes it (no t, no review flag). */
static rf_record true_receipt(const char *shopper, const rf_item_qty *items, size_t n) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_RECEIPT;
  r.u.receipt.shopper = shopper;
  r.u.receipt.items = items;
  r.u.receipt.item_count = n;
  r.u.receipt.review = RF_UNKNOWN;
  return r;
}

/* A receipt as an engine writes it. */
static rf_record out_receipt(const char *shopper, const rf_item_qty *items, size_t n) {
  rf_record r = true_receipt(shopper, items, n);
  r.u.receipt.has_t = 1;
  r.u.receipt.t = 500 * SEC;
  r.u.receipt.review = 0;
  return r;
}

static rf_record diff(int64_t seq, rf_time_us t, const char *shopper, const char *sku, int64_t qty,
                      double conf, int review) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_DIFF;
  r.u.diff.seq = seq;
  r.u.diff.t = t;
  r.u.diff.shopper = shopper;
  r.u.diff.sku = sku;
  r.u.diff.qty = qty;
  r.u.diff.conf = conf;
  r.u.diff.review = review;
  r.u.diff.event = seq;
  return r;
}

static rf_record correction(int64_t seq, rf_time_us t, const char *shopper, const char *sku,
                            int64_t qty, double conf, int64_t corrects) {
  rf_record r = diff(seq, t, shopper, sku, qty, conf, 0);
  r.u.diff.has_corrects = 1;
  r.u.diff.corrects = corrects;
  return r;
}

static rf_eval *new_eval(void) {
  rf_eval *e = NULL;
  assert_int_equal(rf_eval_new(&e, NULL), RF_OK);
  assert_non_null(e);
  assert_string_equal(rf_eval_errmsg(e), "");
  return e;
}

static void add_truth(rf_eval *e, rf_record r) {
  assert_int_equal(rf_eval_add_truth(e, &r), RF_OK);
  assert_string_equal(rf_eval_errmsg(e), "");
}

static void add_output(rf_eval *e, rf_record r) {
  assert_int_equal(rf_eval_add_output(e, &r), RF_OK);
  assert_string_equal(rf_eval_errmsg(e), "");
}

static rf_eval_scores score(rf_eval *e) {
  rf_eval_scores s;
  memset(&s, 0xab, sizeof s); /* every field must be written */
  assert_int_equal(rf_eval_score(e, &s), RF_OK);
  assert_string_equal(rf_eval_errmsg(e), "");
  return s;
}

static void assert_errors(const rf_eval_scores *s, uint64_t wrong_shopper, uint64_t wrong_product,
                          uint64_t wrong_quantity, uint64_t missed, uint64_t spurious) {
  assert_int_equal(s->wrong_shopper, wrong_shopper);
  assert_int_equal(s->wrong_product, wrong_product);
  assert_int_equal(s->wrong_quantity, wrong_quantity);
  assert_int_equal(s->missed, missed);
  assert_int_equal(s->spurious, spurious);
}

static void assert_scores_equal(const rf_eval_scores *a, const rf_eval_scores *b) {
  assert_int_equal(a->carts, b->carts);
  assert_int_equal(a->true_items, b->true_items);
  assert_int_equal(a->predicted_items, b->predicted_items);
  assert_int_equal(a->matched_items, b->matched_items);
  assert_true(a->precision == b->precision);
  assert_true(a->recall == b->recall);
  assert_true(a->f1 == b->f1);
  assert_int_equal(a->exact_carts, b->exact_carts);
  assert_true(a->exact == b->exact);
  assert_int_equal(a->diffs, b->diffs);
  assert_int_equal(a->reviewed, b->reviewed);
  assert_true(a->review_rate == b->review_rate);
  assert_true(a->f1_unflagged == b->f1_unflagged);
  assert_int_equal(a->calibrated, b->calibrated);
  assert_true(a->calibration_error == b->calibration_error);
  assert_errors(a, b->wrong_shopper, b->wrong_product, b->wrong_quantity, b->missed, b->spurious);
}

/* ---- receipt precision, recall, F1 ----------------------------------------------------------- */

static void test_receipt_f1(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 2}, {"y", 1})));
  add_truth(e, true_receipt("B", ITEMS({"z", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1}, {"y", 1}, {"w", 1})));
  add_output(e, out_receipt("B", NO_ITEMS));
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 2);           /* A and B */
  assert_int_equal(s.true_items, 4);      /* 2 + 1 + 1 */
  assert_int_equal(s.predicted_items, 3); /* 1 + 1 + 1 + 0 */
  assert_int_equal(s.matched_items, 2);   /* A: min(1,2) + min(1,1) + min(1,0); B: min(0,1) */
  assert_near(s.precision, 2.0 / 3.0);    /* 2 / 3 */
  assert_near(s.recall, 0.5);             /* 2 / 4 */
  assert_near(s.f1, 4.0 / 7.0);           /* 2 * (2/3) * (1/2) / (2/3 + 1/2) = (2/3) / (7/6) */
  assert_int_equal(s.exact_carts, 0);     /* neither cart is right */
  assert_near(s.exact, 0.0);
  assert_int_equal(s.diffs, 0);
  assert_int_equal(s.reviewed, 0);
  assert_near(s.review_rate, 0.0);  /* no diffs: nothing flagged */
  assert_near(s.f1_unflagged, 0.0); /* no diffs: nothing predicted, 4 true -> P 0, R 0 */
  assert_int_equal(s.calibrated, 0);
  assert_near(s.calibration_error, 0.0);
  /* A: x one missing and w one extra in the same cart -> wrong product; B: z missing -> missed. */
  assert_errors(&s, 0, 1, 0, 1, 0);
  /* Scoring does not consume anything: a second score is the same. */
  rf_eval_scores again = score(e);
  assert_scores_equal(&again, &s);
  rf_eval_free(e);
}

static void test_exact_receipts(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 1})));
  add_truth(e, true_receipt("B", ITEMS({"y", 2})));
  add_truth(e, true_receipt("C", ITEMS({"z", 1}, {"x", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  add_output(e, out_receipt("B", ITEMS({"y", 1})));
  add_output(e, out_receipt("C", ITEMS({"x", 1}, {"z", 1}))); /* order of items does not matter */
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 3);
  assert_int_equal(s.exact_carts, 2); /* A and C; B has one y too few */
  assert_near(s.exact, 2.0 / 3.0);
  assert_int_equal(s.true_items, 5);      /* 1 + 2 + 2 */
  assert_int_equal(s.predicted_items, 4); /* 1 + 1 + 2 */
  assert_int_equal(s.matched_items, 4);
  assert_near(s.precision, 1.0);    /* 4 / 4 */
  assert_near(s.recall, 0.8);       /* 4 / 5 */
  assert_near(s.f1, 8.0 / 9.0);     /* 2 * 1 * 0.8 / 1.8 */
  assert_errors(&s, 0, 0, 1, 0, 0); /* B: y both ways, one short -> wrong quantity */
  rf_eval_free(e);
}

static void test_cart_only_in_output(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  add_output(e, out_receipt("C", ITEMS({"y", 2}))); /* a shopper the truth does not know */
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 2);       /* A, and C from the output */
  assert_int_equal(s.exact_carts, 1); /* A */
  assert_near(s.exact, 0.5);
  assert_int_equal(s.true_items, 1);
  assert_int_equal(s.predicted_items, 3); /* 1 + 2 */
  assert_int_equal(s.matched_items, 1);
  assert_near(s.precision, 1.0 / 3.0);
  assert_near(s.recall, 1.0);
  assert_near(s.f1, 0.5);           /* 2 * (1/3) * 1 / (4/3) */
  assert_errors(&s, 0, 0, 0, 0, 2); /* C's two y are spurious */
  rf_eval_free(e);
}

static void test_cart_only_in_truth(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 1})));
  add_truth(e, true_receipt("D", ITEMS({"y", 1}, {"z", 1}))); /* the output never saw D */
  add_truth(e, true_receipt("E", NO_ITEMS));                  /* E bought nothing */
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 3);       /* A, D, and E (a true receipt, empty) */
  assert_int_equal(s.exact_carts, 2); /* A; E: empty and nothing predicted */
  assert_near(s.exact, 2.0 / 3.0);
  assert_int_equal(s.true_items, 3);
  assert_int_equal(s.predicted_items, 1);
  assert_int_equal(s.matched_items, 1);
  assert_near(s.precision, 1.0);
  assert_near(s.recall, 1.0 / 3.0);
  assert_near(s.f1, 0.5);           /* 2 * 1 * (1/3) / (4/3) */
  assert_errors(&s, 0, 0, 0, 2, 0); /* D's y and z: missing, nothing extra anywhere */
  rf_eval_free(e);
}

/* Without an output receipt a cart is the sum of its diffs; with one, the receipt wins. */
static void test_carts_from_diffs(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 2})));
  add_truth(e, true_receipt("B", ITEMS({"y", 1})));
  add_output(e, diff(0, 1 * SEC, "A", "x", 1, 0.9, 0));
  add_output(e, diff(1, 2 * SEC, "A", "x", 1, 0.9, 0));
  add_output(e, diff(2, 3 * SEC, "A", "x", -1, 0.9, 0));
  add_output(e, diff(3, 4 * SEC, "A", "x", 1, 0.9, 0)); /* A: x 1 + 1 - 1 + 1 = 2 */
  add_output(e, diff(4, 5 * SEC, "B", "y", 3, 0.9, 0)); /* overridden by B's receipt */
  add_output(e, out_receipt("B", ITEMS({"y", 1})));
  add_output(e, diff(5, 6 * SEC, "C", "w", -1, 0.9, 0)); /* C: -1 -> holds nothing */
  add_output(e, diff(6, 7 * SEC, "D", "v", 1, 0.9, 0));
  add_output(e, correction(7, 8 * SEC, "D", "v", -1, 0.9, 6)); /* D: 1 - 1 = 0 */
  rf_record enter;
  memset(&enter, 0, sizeof enter);
  enter.type = RF_RECORD_ENTER;
  enter.u.enter.shopper = "Z";
  add_output(e, enter); /* not output: ignored */
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 2); /* A, B; C and D have no receipt and hold nothing */
  assert_int_equal(s.exact_carts, 2);
  assert_near(s.exact, 1.0);
  assert_int_equal(s.true_items, 3);      /* A x 2, B y 1 */
  assert_int_equal(s.predicted_items, 3); /* A x 2 (diffs), B y 1 (receipt), C 0, D 0 */
  assert_int_equal(s.matched_items, 3);
  assert_near(s.precision, 1.0);
  assert_near(s.recall, 1.0);
  assert_near(s.f1, 1.0);
  assert_int_equal(s.diffs, 8); /* the enter record is not a diff */
  assert_int_equal(s.reviewed, 0);
  assert_near(s.review_rate, 0.0);
  /* Unflagged carts come from the diffs alone, receipts aside: A x 2, B y 3, C 0, D 0 ->
   * predicted 5, matched 2 + 1 = 3, true 3; P 3/5, R 1, F1 2 * 0.6 / 1.6 = 0.75. */
  assert_near(s.f1_unflagged, 0.75);
  assert_errors(&s, 0, 0, 0, 0, 0);
  rf_eval_free(e);
}

/* Without a true receipt, a true cart is the sum of its truth actions; with one, it wins. */
static void test_truth_from_actions(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, truth(1 * SEC, "A", "x", 1));
  add_truth(e, truth(2 * SEC, "A", "x", 1));
  add_truth(e, truth(3 * SEC, "A", "x", -1));
  add_truth(e, truth(4 * SEC, "A", "y", 2)); /* A: x 1, y 2 */
  add_truth(e, truth(5 * SEC, "B", "z", 1));
  add_truth(e, truth(6 * SEC, "B", "z", -1)); /* B: empty */
  add_truth(e, truth(7 * SEC, "C", "z", 5));
  add_truth(e, true_receipt("C", ITEMS({"z", 1}))); /* C: the receipt says 1, not 5 */
  add_output(e, out_receipt("A", ITEMS({"y", 2}, {"x", 1})));
  add_output(e, out_receipt("C", ITEMS({"z", 1})));
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 2); /* A, C; B has no receipt and holds nothing */
  assert_int_equal(s.exact_carts, 2);
  assert_int_equal(s.true_items, 4); /* A 1 + 2, C 1 */
  assert_int_equal(s.predicted_items, 4);
  assert_int_equal(s.matched_items, 4);
  assert_near(s.f1, 1.0);
  assert_errors(&s, 0, 0, 0, 0, 0);
  rf_eval_free(e);
}

static void test_review_rate_and_unflagged_f1(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 2}, {"y", 1})));
  add_output(e, diff(0, 1 * SEC, "A", "x", 1, 0.9, 0));
  add_output(e, diff(1, 2 * SEC, "A", "x", 1, 0.5, 1)); /* flagged */
  add_output(e, diff(2, 3 * SEC, "A", "y", 1, 0.9, 0));
  add_output(e, diff(3, 4 * SEC, "A", "w", 1, 0.4, 1)); /* flagged */
  rf_eval_scores s = score(e);
  assert_int_equal(s.diffs, 4);
  assert_int_equal(s.reviewed, 2);
  assert_near(s.review_rate, 0.5); /* 2 / 4 */
  /* All diffs: A x 2, y 1, w 1 -> predicted 4, matched 3, true 3: P 0.75, R 1,
   * F1 2 * 0.75 / 1.75 = 6/7. */
  assert_int_equal(s.predicted_items, 4);
  assert_int_equal(s.matched_items, 3);
  assert_near(s.precision, 0.75);
  assert_near(s.recall, 1.0);
  assert_near(s.f1, 6.0 / 7.0);
  /* Unflagged only: A x 1, y 1 -> predicted 2, matched 2, true 3: P 1, R 2/3,
   * F1 2 * (2/3) / (5/3) = 0.8. */
  assert_near(s.f1_unflagged, 0.8);
  assert_int_equal(s.exact_carts, 0);
  assert_errors(&s, 0, 0, 0, 0, 1); /* w: extra, nothing of another sku missing */
  rf_eval_free(e);
}

static void test_truth_against_itself(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  static const struct {
    rf_time_us t;
    const char *cart, *sku;
    int64_t qty;
  } moves[] = {{1 * SEC, "A", "x", 1},
               {2 * SEC, "A", "x", 1},
               {3 * SEC, "A", "y", 1},
               {4 * SEC, "A", "x", -1},
               {5 * SEC, "B", "z", 1}};
  for (size_t i = 0; i < sizeof moves / sizeof moves[0]; ++i) {
    add_truth(e, truth(moves[i].t, moves[i].cart, moves[i].sku, moves[i].qty));
    add_output(e, diff((int64_t)i, moves[i].t, moves[i].cart, moves[i].sku, moves[i].qty, 1.0, 0));
  }
  add_truth(e, true_receipt("A", ITEMS({"x", 1}, {"y", 1})));
  add_truth(e, true_receipt("B", ITEMS({"z", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1}, {"y", 1})));
  add_output(e, out_receipt("B", ITEMS({"z", 1})));
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 2);
  assert_int_equal(s.true_items, 3);
  assert_int_equal(s.predicted_items, 3);
  assert_int_equal(s.matched_items, 3);
  assert_near(s.precision, 1.0);
  assert_near(s.recall, 1.0);
  assert_near(s.f1, 1.0);
  assert_int_equal(s.exact_carts, 2);
  assert_near(s.exact, 1.0);
  assert_int_equal(s.diffs, 5);
  assert_near(s.review_rate, 0.0);
  assert_near(s.f1_unflagged, 1.0);      /* the diffs alone also give A x 1, y 1; B z 1 */
  assert_int_equal(s.calibrated, 5);     /* each diff matches its own action, conf 1 */
  assert_near(s.calibration_error, 0.0); /* |5/5 - 1| */
  assert_errors(&s, 0, 0, 0, 0, 0);
  rf_eval_free(e);
}

/* Nothing added: nothing to get wrong. */
static void test_empty(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  rf_eval_scores s = score(e);
  assert_int_equal(s.carts, 0);
  assert_int_equal(s.true_items, 0);
  assert_near(s.precision, 1.0);
  assert_near(s.recall, 1.0);
  assert_near(s.f1, 1.0);
  assert_near(s.exact, 1.0);
  assert_near(s.review_rate, 0.0);
  assert_near(s.f1_unflagged, 1.0);
  assert_int_equal(s.calibrated, 0);
  assert_near(s.calibration_error, 0.0);
  assert_errors(&s, 0, 0, 0, 0, 0);
  rf_eval_free(e);
}

/* ---- the error breakdown --------------------------------------------------------------------- */

static void test_error_wrong_shopper(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 1})));
  add_truth(e, true_receipt("B", ITEMS({"y", 1})));
  add_output(e, out_receipt("A", NO_ITEMS));
  add_output(e, out_receipt("B", ITEMS({"x", 1}, {"y", 1})));
  rf_eval_scores s = score(e);
  assert_errors(&s, 1, 0, 0, 0, 0); /* x extra in B, missing in A */
  assert_near(s.f1, 0.5);           /* matched 1 (B y), predicted 2, true 2 */
  rf_eval_free(e);

  /* Counted in items, and before a wrong quantity: A x 3 true, 1 predicted; B x 2 extra. */
  e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 3})));
  add_truth(e, true_receipt("B", NO_ITEMS));
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  add_output(e, out_receipt("B", ITEMS({"x", 2})));
  s = score(e);
  assert_errors(&s, 2, 0, 0, 0, 0); /* both of B's x are A's missing x */
  rf_eval_free(e);
}

static void test_error_wrong_product(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"y", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  rf_eval_scores s = score(e);
  assert_errors(&s, 0, 1, 0, 0, 0); /* extra x and missing y in the same cart */
  rf_eval_free(e);

  e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"y", 2})));
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  s = score(e);
  assert_errors(&s, 0, 1, 0, 1, 0); /* one y read as x; the other y missed (no y predicted) */
  rf_eval_free(e);
}

static void test_error_wrong_quantity(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 2})));
  add_truth(e, true_receipt("B", ITEMS({"z", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1}))); /* no other cart holds x */
  add_output(e, out_receipt("B", ITEMS({"z", 3})));
  rf_eval_scores s = score(e);
  assert_errors(&s, 0, 0, 3, 0, 0); /* A: 1 short; B: 2 too many; both ways in each cart */
  rf_eval_free(e);
}

static void test_error_missed(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 1})));
  add_output(e, out_receipt("A", NO_ITEMS));
  rf_eval_scores s = score(e);
  assert_errors(&s, 0, 0, 0, 1, 0);
  rf_eval_free(e);
}

static void test_error_spurious(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", NO_ITEMS));
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  rf_eval_scores s = score(e);
  assert_errors(&s, 0, 0, 0, 0, 1);
  rf_eval_free(e);
}

static void test_error_mixed(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 2}, {"y", 1})));
  add_truth(e, true_receipt("B", ITEMS({"z", 1})));
  add_truth(e, true_receipt("C", ITEMS({"u", 3})));
  add_truth(e, true_receipt("E", ITEMS({"r", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1}, {"w", 1})));
  add_output(e, out_receipt("B", ITEMS({"z", 1}, {"x", 1})));
  add_output(e, out_receipt("C", ITEMS({"u", 1}, {"v", 1})));
  add_output(e, out_receipt("D", ITEMS({"q", 1})));
  rf_eval_scores s = score(e);
  /* Gaps: A x -1 (both), A y -1, A w +1, B x +1, C u -2 (both), C v +1, D q +1, E r -1.
   * 1. by sku: x: B's extra is A's missing -> wrong shopper 1.
   * 2. by cart: A: w for y -> wrong product 1; C: v for one u -> wrong product 1 (u -1 left).
   * 3. rest: C u -1, both ways -> wrong quantity 1; D q +1 -> spurious 1; E r -1 -> missed 1. */
  assert_errors(&s, 1, 2, 1, 1, 1);
  assert_int_equal(s.true_items, 8);      /* 3 + 1 + 3 + 1 */
  assert_int_equal(s.predicted_items, 7); /* 2 + 2 + 2 + 1 */
  assert_int_equal(s.matched_items, 3);   /* A x 1, B z 1, C u 1 */
  assert_near(s.f1, 0.4);                 /* 2 * 3 / (7 + 8) */
  assert_int_equal(s.carts, 5);
  assert_int_equal(s.exact_carts, 0);
  rf_eval_free(e);
}

/* ---- calibration ----------------------------------------------------------------------------- */

static void test_calibration_ece(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, truth(10 * SEC, "A", "x", 1));
  add_truth(e, truth(20 * SEC, "A", "x", 1));
  add_truth(e, truth(30 * SEC, "A", "y", 1));
  add_output(e, diff(0, 12 * SEC, "A", "x", 1, 0.95, 0)); /* the x at 10 s: right */
  add_output(e, diff(1, 21 * SEC, "A", "x", 1, 0.95, 0)); /* the x at 20 s: right */
  add_output(e, diff(2, 31 * SEC, "A", "y", 1, 0.95, 0)); /* the y at 30 s: right */
  add_output(e, diff(3, 40 * SEC, "A", "z", 1, 0.95, 0)); /* no z was taken: wrong */
  rf_eval_scores s = score(e);
  assert_int_equal(s.calibrated, 4);
  assert_near(s.calibration_error, 0.2); /* one bin: |3/4 - 0.95| */
  rf_eval_free(e);
}

/* The calibration error of one diff at confidence 0.95 against the truth actions: 0.05 when it
 * counts as right, 0.95 when wrong. */
static double one_diff(const rf_record *truths, size_t n, rf_record d) {
  rf_eval *e = new_eval();
  for (size_t i = 0; i < n; ++i) add_truth(e, truths[i]);
  d.u.diff.conf = 0.95;
  add_output(e, d);
  rf_eval_scores s = score(e);
  assert_int_equal(s.calibrated, 1);
  rf_eval_free(e);
  return s.calibration_error;
}

#define RIGHT 0.05
#define WRONG 0.95

static void test_calibration_matching(void **state) {
  (void)state;
  const rf_record one[] = {truth(100 * SEC, "A", "x", 1)};
  /* Same cart, sku and direction, at or up to 60 s after the action: right. */
  assert_near(one_diff(one, 1, diff(0, 100 * SEC, "A", "x", 1, 0, 0)), RIGHT);
  assert_near(one_diff(one, 1, diff(0, 130 * SEC, "A", "x", 1, 0, 0)), RIGHT);
  assert_near(one_diff(one, 1, diff(0, 160 * SEC, "A", "x", 1, 0, 0)), RIGHT); /* 60 s exactly */
  /* The action more than 60 s before the diff: wrong. */
  assert_near(one_diff(one, 1, diff(0, 160 * SEC + 1, "A", "x", 1, 0, 0)), WRONG);
  /* The action 10 s after the diff: the diff did not report it. */
  assert_near(one_diff(one, 1, diff(0, 90 * SEC, "A", "x", 1, 0, 0)), WRONG);
  /* Another cart, another sku, the other direction: wrong. */
  assert_near(one_diff(one, 1, diff(0, 101 * SEC, "B", "x", 1, 0, 0)), WRONG);
  assert_near(one_diff(one, 1, diff(0, 101 * SEC, "A", "y", 1, 0, 0)), WRONG);
  assert_near(one_diff(one, 1, diff(0, 101 * SEC, "A", "x", -1, 0, 0)), WRONG);
  /* A put-back diff matches a put-back action. */
  const rf_record back[] = {truth(100 * SEC, "A", "x", -1)};
  assert_near(one_diff(back, 1, diff(0, 101 * SEC, "A", "x", -1, 0, 0)), RIGHT);
  /* Two items need two actions. */
  assert_near(one_diff(one, 1, diff(0, 101 * SEC, "A", "x", 2, 0, 0)), WRONG);
  const rf_record two[] = {truth(90 * SEC, "A", "x", 1), truth(95 * SEC, "A", "x", 1)};
  assert_near(one_diff(two, 2, diff(0, 101 * SEC, "A", "x", 2, 0, 0)), RIGHT);
  const rf_record pair[] = {truth(95 * SEC, "A", "x", 2)}; /* one record of two items */
  assert_near(one_diff(pair, 1, diff(0, 101 * SEC, "A", "x", 2, 0, 0)), RIGHT);
  /* A true receipt is not an action. */
  const rf_record receipt_only[] = {true_receipt("A", ITEMS({"x", 1}))};
  assert_near(one_diff(receipt_only, 1, diff(0, 101 * SEC, "A", "x", 1, 0, 0)), WRONG);

  /* An action backs one diff only: two diffs, one action -> one right in a bin of two,
   * |1/2 - 0.95| = 0.45. */
  rf_eval *e = new_eval();
  add_truth(e, truth(100 * SEC, "A", "x", 1));
  add_output(e, diff(0, 101 * SEC, "A", "x", 1, 0.95, 0));
  add_output(e, diff(1, 102 * SEC, "A", "x", 1, 0.95, 0));
  rf_eval_scores s = score(e);
  assert_int_equal(s.calibrated, 2);
  assert_near(s.calibration_error, 0.45);
  rf_eval_free(e);
}

static void test_calibration_bins(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, truth(10 * SEC, "A", "x", 1));
  add_truth(e, truth(20 * SEC, "A", "y", 1));
  add_output(e, diff(0, 11 * SEC, "A", "x", 1, 1.0, 0));  /* right, bin 9 (1.0 falls in it) */
  add_output(e, diff(1, 21 * SEC, "A", "y", 1, 0.55, 0)); /* right, bin 5 */
  add_output(e, diff(2, 22 * SEC, "A", "z", 1, 0.55, 0)); /* wrong, bin 5 */
  add_output(e, diff(3, 23 * SEC, "B", "x", 1, 0.05, 0)); /* wrong, bin 0 */
  rf_eval_scores s = score(e);
  assert_int_equal(s.calibrated, 4);
  /* bin 9: |1 - 1.0| = 0; bin 5: |1 - (0.55 + 0.55)| = 0.1; bin 0: |0 - 0.05| = 0.05;
   * weighted by count: (0 + 0.1 + 0.05) / 4 = 0.0375. */
  assert_near(s.calibration_error, 0.0375);
  /* The table behind it. */
  static const uint64_t count[10] = {1, 0, 0, 0, 0, 2, 0, 0, 0, 1};
  static const uint64_t right[10] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 1};
  static const double conf_sum[10] = {0.05, 0, 0, 0, 0, 1.1, 0, 0, 0, 1.0};
  for (int b = 0; b < 10; ++b) {
    assert_int_equal(s.bin_count[b], count[b]);
    assert_int_equal(s.bin_right[b], right[b]);
    assert_near(s.bin_conf_sum[b], conf_sum[b]);
  }
  rf_eval_free(e);
}

static void test_calibration_undo(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, truth(9 * SEC, "A", "x", 1));
  /* Added out of seq order: the evaluator takes any order. */
  add_output(e, correction(2, 11 * SEC, "B", "x", 1, 0.7, 0));  /* a re-decision: counts */
  add_output(e, correction(1, 11 * SEC, "A", "x", -1, 0.6, 0)); /* undoes seq 0: excluded */
  add_output(e, diff(0, 10 * SEC, "A", "x", 1, 0.9, 0));        /* right, and still counts */
  rf_eval_scores s = score(e);
  assert_int_equal(s.diffs, 3);
  assert_int_equal(s.calibrated, 2); /* seq 0 and seq 2 */
  /* bin 9: |1 - 0.9| = 0.1; bin 7: |0 - 0.7| = 0.7; (0.1 + 0.7) / 2 = 0.4. Had the undo counted
   * (bin 6, wrong: no put-back happened), it would be (0.1 + 0.7 + 0.6) / 3. */
  assert_near(s.calibration_error, 0.4);
  /* The carts: A x 1 - 1 = 0, B x 1; truth A x 1 -> the item went to the wrong shopper. */
  assert_errors(&s, 1, 0, 0, 0, 0);
  rf_eval_free(e);

  /* Only an exact undo is bookkeeping: a correction with another quantity or sku, or naming a seq
   * that does not exist, is a decision. */
  e = new_eval();
  add_truth(e, truth(9 * SEC, "A", "x", 1));
  add_output(e, diff(0, 10 * SEC, "A", "x", 2, 0.9, 0));         /* one action for 2: wrong */
  add_output(e, correction(1, 11 * SEC, "A", "x", -1, 0.3, 0));  /* -1 is not -2: counts */
  add_output(e, correction(2, 12 * SEC, "A", "y", -2, 0.3, 0));  /* other sku: counts */
  add_output(e, correction(3, 13 * SEC, "A", "x", -1, 0.3, 99)); /* no seq 99: counts */
  s = score(e);
  assert_int_equal(s.calibrated, 4);
  /* All wrong (no put-back actions): bin 9 |0 - 0.9| + bin 3 |0 - 0.9| = 1.8, over 4 -> 0.45. */
  assert_near(s.calibration_error, 0.45);
  rf_eval_free(e);
}

/* ---- bad input ------------------------------------------------------------------------------- */

static void test_truth_rejects_other_records(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 1})));
  rf_eval_scores before = score(e);

  rf_record d = diff(0, 1 * SEC, "A", "x", 1, 0.9, 0);
  d.line = 7;
  assert_int_equal(rf_eval_add_truth(e, &d), RF_EINVAL);
  assert_string_equal(rf_eval_errmsg(e),
                      "line 7: a truth file holds truth and receipt records, not diff");
  rf_record enter;
  memset(&enter, 0, sizeof enter);
  enter.type = RF_RECORD_ENTER;
  enter.line = 12;
  enter.u.enter.shopper = "A";
  assert_int_equal(rf_eval_add_truth(e, &enter), RF_EINVAL);
  assert_string_equal(rf_eval_errmsg(e),
                      "line 12: a truth file holds truth and receipt records, not enter");

  /* Refusals change nothing; the next good call clears the message. */
  rf_eval_scores after = score(e);
  assert_scores_equal(&after, &before);
  add_truth(e, truth(1 * SEC, "A", "x", 1));
  rf_eval_free(e);
}

static void test_second_receipt(void **state) {
  (void)state;
  rf_eval *e = new_eval();
  add_truth(e, true_receipt("A", ITEMS({"x", 1})));
  add_output(e, out_receipt("A", ITEMS({"x", 1})));
  rf_eval_scores before = score(e);

  rf_record again = true_receipt("A", ITEMS({"x", 5}));
  assert_int_equal(rf_eval_add_truth(e, &again), RF_EEXISTS);
  assert_string_equal(rf_eval_errmsg(e), "a second true receipt for cart 'A'");
  rf_record out_again = out_receipt("A", ITEMS({"y", 5}));
  assert_int_equal(rf_eval_add_output(e, &out_again), RF_EEXISTS);
  assert_string_equal(rf_eval_errmsg(e), "a second output receipt for cart 'A'");

  rf_eval_scores after = score(e);
  assert_scores_equal(&after, &before);
  assert_int_equal(after.exact_carts, 1); /* still x 1 against x 1 */
  rf_eval_free(e);
}

static void test_null_arguments(void **state) {
  (void)state;
  assert_int_equal(rf_eval_new(NULL, NULL), RF_EINVAL);
  rf_eval *e = new_eval();
  rf_record r = truth(0, "A", "x", 1);
  rf_eval_scores s;
  assert_int_equal(rf_eval_add_truth(NULL, &r), RF_EINVAL);
  assert_int_equal(rf_eval_add_truth(e, NULL), RF_EINVAL);
  assert_int_equal(rf_eval_add_output(NULL, &r), RF_EINVAL);
  assert_int_equal(rf_eval_add_output(e, NULL), RF_EINVAL);
  assert_int_equal(rf_eval_score(NULL, &s), RF_EINVAL);
  assert_int_equal(rf_eval_score(e, NULL), RF_EINVAL);
  assert_string_equal(rf_eval_errmsg(NULL), "");
  rf_eval_free(NULL);
  s = score(e);
  assert_int_equal(s.carts, 0); /* none of the refused calls added anything */

  /* An allocator missing a hook is refused before anything is allocated. */
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, 0);
  a.free_fn = NULL;
  rf_eval *bad = (rf_eval *)&st; /* any non-NULL value: must be cleared */
  assert_int_equal(rf_eval_new(&bad, &a), RF_EINVAL);
  assert_null(bad);
  assert_int_equal(st.calls, 0);
  rf_eval_free(e);
}

/* ---- allocation failure at every point ------------------------------------------------------- */

/* Enough carts, skus, cells, actions and diffs that every table grows past its first capacity,
 * and receipts long enough that growth happens between two items of one receipt. */
enum { AF_CARTS = 12, AF_SKUS = 40, AF_MAX_STEPS = 128 };

typedef struct af_step {
  int truth;
  rf_record rec;
} af_step;

static char af_carts[AF_CARTS][8], af_skus[AF_SKUS][8];
static rf_item_qty af_items[AF_CARTS][AF_SKUS];
static af_step af_steps[AF_MAX_STEPS];
static size_t af_n;

static void af_push(int is_truth, rf_record r) {
  assert_true(af_n < AF_MAX_STEPS);
  af_steps[af_n].truth = is_truth;
  af_steps[af_n].rec = r;
  ++af_n;
}

static void af_init(void) {
  af_n = 0;
  for (int c = 0; c < AF_CARTS; ++c) snprintf(af_carts[c], sizeof af_carts[c], "C%d", c);
  for (int k = 0; k < AF_SKUS; ++k) snprintf(af_skus[k], sizeof af_skus[k], "K%d", k);
  for (int c = 0; c < AF_CARTS; ++c)
    for (int k = 0; k < AF_SKUS; ++k) {
      af_items[c][k].sku = af_skus[(k + c) % AF_SKUS];
      af_items[c][k].qty = 1 + (k + c) % 3;
    }
  /* Truth: C0 and C1 with every sku, the rest by actions (some of several items, some back).
   * The first record names a new cart and a new sku, so that the run without it is a store of
   * one name that failed half way. */
  af_push(1, truth(0, af_carts[AF_CARTS - 1], af_skus[AF_SKUS - 1], 1));
  af_push(1, true_receipt(af_carts[0], af_items[0], AF_SKUS));
  af_push(1, true_receipt(af_carts[1], af_items[1], AF_SKUS / 2));
  for (int i = 0; i < 30; ++i)
    af_push(1, truth(i * SEC, af_carts[2 + i % (AF_CARTS - 2)], af_skus[i % AF_SKUS],
                     i % 7 == 6 ? -1 : 1 + i % 3));
  /* Output: receipts for C0 (other content) and C3, diffs for the rest, some flagged, undos. */
  af_push(0, out_receipt(af_carts[0], af_items[2], AF_SKUS));
  af_push(0, out_receipt(af_carts[3], af_items[3], 5));
  size_t first_diff = af_n;
  for (int i = 0; i < 30; ++i)
    af_push(0, diff(i, i * SEC + SEC / 2, af_carts[2 + (i * 5) % (AF_CARTS - 2)],
                    af_skus[(i * 3) % AF_SKUS], 1 + i % 2, 0.05 + 0.03 * i, i % 4 == 0));
  for (size_t i = 0; i < 5; ++i) { /* undo the diffs of seq 0, 2, 4, 6, 8 */
    const rf_diff_rec *d = &af_steps[first_diff + 2 * i].rec.u.diff;
    af_push(0, correction(100 + i, d->t + SEC, d->shopper, d->sku, -d->qty, 0.5, d->seq));
  }
}

static int af_apply(rf_eval *e, const af_step *s) {
  return s->truth ? rf_eval_add_truth(e, &s->rec) : rf_eval_add_output(e, &s->rec);
}

/* The scores of every step but `skip` (SIZE_MAX: all), with the default allocator. */
static rf_eval_scores af_reference(size_t skip) {
  rf_eval *e = new_eval();
  for (size_t j = 0; j < af_n; ++j)
    if (j != skip) assert_int_equal(af_apply(e, &af_steps[j]), RF_OK);
  rf_eval_scores s = score(e);
  rf_eval_free(e);
  return s;
}

/* Every item a cart has too many or too few: a pair of a wrong shopper or product is two. */
static uint64_t error_items(const rf_eval_scores *s) {
  return 2 * s->wrong_shopper + 2 * s->wrong_product + s->wrong_quantity + s->missed + s->spurious;
}

/* One run with allocation `fail_at` failing. With `retry`, the failed call is repeated and must
 * then succeed; without, its record is left out. Either way the scores must be those of the
 * records accepted, and nothing may leak. Returns whether the failure was injected. */
static int af_run(long fail_at, int retry) {
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, fail_at);
  rf_eval *e = (rf_eval *)&st;
  int rc = rf_eval_new(&e, &a);
  if (st.failed) {
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(e);
    assert_int_equal(st.live, 0);
    return 1;
  }
  assert_int_equal(rc, RF_OK);
  size_t skipped = SIZE_MAX;
  for (size_t j = 0; j < af_n; ++j) {
    int before = st.failed;
    rc = af_apply(e, &af_steps[j]);
    if (st.failed && !before) {
      assert_int_equal(rc, RF_ENOMEM);
      assert_string_equal(rf_eval_errmsg(e), "out of memory");
      if (!retry) {
        skipped = j;
        continue;
      }
      rc = af_apply(e, &af_steps[j]);
    }
    assert_int_equal(rc, RF_OK);
  }
  rf_eval_scores s;
  int before = st.failed;
  rc = rf_eval_score(e, &s);
  if (st.failed && !before) {
    assert_int_equal(rc, RF_ENOMEM);
    assert_string_equal(rf_eval_errmsg(e), "out of memory");
    rc = rf_eval_score(e, &s);
  }
  assert_int_equal(rc, RF_OK);
  rf_eval_scores want = af_reference(skipped);
  if (skipped != SIZE_MAX) {
    /* A refused record may leave its ids known, so carts and skus can be numbered in another
     * order than in the run without it, and where the error breakdown has a choice of pairs, it
     * pairs in that order. The items it explains stay the same. */
    assert_int_equal(error_items(&s), error_items(&want));
    s.wrong_shopper = want.wrong_shopper;
    s.wrong_product = want.wrong_product;
    s.wrong_quantity = want.wrong_quantity;
    s.missed = want.missed;
    s.spurious = want.spurious;
  }
  assert_scores_equal(&s, &want);
  rf_eval_free(e);
  assert_int_equal(st.live, 0);
  return st.failed;
}

/* A first record refused for want of memory at any point leaves nothing to score: no cart, no
 * item, and no cart half known. */
static void test_allocation_failure_first_record(void **state) {
  (void)state;
  for (int kind = 0; kind < 3; ++kind) {
    long k = 2; /* 1 is the evaluator itself */
    for (;; ++k) {
      test_alloc st;
      rf_allocator a = test_alloc_make(&st, k);
      rf_eval *e = NULL;
      assert_int_equal(rf_eval_new(&e, &a), RF_OK);
      rf_record r = kind == 0   ? truth(1 * SEC, "A", "x", 2)
                    : kind == 1 ? diff(0, 1 * SEC, "A", "x", 2, 0.9, 0)
                                : true_receipt("A", ITEMS({"x", 2}, {"y", 1}));
      int rc = kind == 1 ? rf_eval_add_output(e, &r) : rf_eval_add_truth(e, &r);
      int injected = st.failed;
      st.fail_at = 0; /* this test is about the add */
      rf_eval_scores s;
      if (injected) {
        assert_int_equal(rc, RF_ENOMEM);
        assert_string_equal(rf_eval_errmsg(e), "out of memory");
        assert_int_equal(rf_eval_score(e, &s), RF_OK);
        assert_int_equal(s.carts, 0);
        assert_int_equal(s.true_items, 0);
        assert_int_equal(s.predicted_items, 0);
        assert_int_equal(s.diffs, 0);
        assert_int_equal(s.calibrated, 0);
      } else {
        assert_int_equal(rc, RF_OK);
        assert_int_equal(rf_eval_score(e, &s), RF_OK);
        assert_int_equal(s.carts, 1);
      }
      rf_eval_free(e);
      assert_int_equal(st.live, 0);
      if (!injected) break;
    }
    assert_true(k > 4);
  }
}

static void test_allocation_failures(void **state) {
  (void)state;
  af_init();
  assert_int_equal(af_run(0, 1), 0);
  long k = 1;
  while (af_run(k, 1)) {
    assert_int_equal(af_run(k, 0), 1);
    ++k;
  }
  /* Not vacuous: the evaluator, names, id maps, cells, slots, flags, actions, diffs, scratch. */
  assert_true(k > 25);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_receipt_f1),
      cmocka_unit_test(test_exact_receipts),
      cmocka_unit_test(test_cart_only_in_output),
      cmocka_unit_test(test_cart_only_in_truth),
      cmocka_unit_test(test_carts_from_diffs),
      cmocka_unit_test(test_truth_from_actions),
      cmocka_unit_test(test_review_rate_and_unflagged_f1),
      cmocka_unit_test(test_truth_against_itself),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_error_wrong_shopper),
      cmocka_unit_test(test_error_wrong_product),
      cmocka_unit_test(test_error_wrong_quantity),
      cmocka_unit_test(test_error_missed),
      cmocka_unit_test(test_error_spurious),
      cmocka_unit_test(test_error_mixed),
      cmocka_unit_test(test_calibration_ece),
      cmocka_unit_test(test_calibration_matching),
      cmocka_unit_test(test_calibration_bins),
      cmocka_unit_test(test_calibration_undo),
      cmocka_unit_test(test_truth_rejects_other_records),
      cmocka_unit_test(test_second_receipt),
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_allocation_failure_first_record),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
