/* Explanations (rf_engine_set_explain): what the engine says of a decision — its alternatives
 * with probabilities and evidence terms, the candidates and their distance to the spot, the
 * hand visits weighed — queued after the decision's diffs or handed to the callback, and
 * nothing at all when they are off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "retailfuse/engine.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "tea_shelf.h"
#include "test_records.h"

#define SEC 1000000LL
#define MS 1000LL

static rf_time_us wait_us(const rf_engine *e) {
  return (rf_time_us)llround(rf_engine_param_get(e, RF_PARAM_WAIT_S) * 1e6);
}

/* S1 stands 0.5 m from the shelf's front centre with a hand in it; S2 3 m away with none. A
 * tea leaves A1-A2 while S1's hand is there. */
static void push_one_take(rf_engine *e) {
  static const rf_plate_delta tea[] = {{"A1", -270.4}, {"A2", -270.0}};
  const rf_record records[] = {enter(0, "S1"),
                               enter(0, "S2"),
                               position(1 * SEC, "S1", 0.3, 0.4),
                               position(1 * SEC, "S2", 3.0, 0.0),
                               hand_at("S1", "A", 1 * SEC, 2 * SEC, 0.1),
                               delta("A", 1200 * MS, 1600 * MS, tea, 2)};
  for (size_t i = 0; i < sizeof records / sizeof *records; ++i)
    assert_int_equal(rf_engine_push(e, &records[i]), RF_OK);
  assert_int_equal(rf_engine_advance(e, 1600 * MS + wait_us(e)), RF_OK);
}

static double p_sum(const rf_explain_rec *x) {
  double sum = 0.0;
  for (size_t i = 0; i < x->alternative_count; ++i) sum += x->alternatives[i].p;
  return sum;
}

static const rf_alternative *nobody_of(const rf_explain_rec *x) {
  for (size_t i = 0; i < x->alternative_count; ++i)
    if (x->alternatives[i].shopper == NULL) return &x->alternatives[i];
  return NULL;
}

/* The take's explanation, checked against what the scenario makes plain. */
static void check_one_take(const rf_explain_rec *x, const rf_diff_rec *d, rf_time_us wait) {
  assert_int_equal(x->event, d->event);
  assert_int_equal(x->t, 1600 * MS + wait);
  assert_string_equal(x->shelf, "A");
  assert_int_equal(x->t0, 1200 * MS);
  assert_int_equal(x->t1, 1600 * MS);
  assert_true(fabs(x->total + 540.4) < 1e-9);
  assert_string_equal(x->how, "whole");
  assert_int_equal(x->diff_count, 1);
  assert_int_equal(x->diffs[0], d->seq);
  /* The decided alternative first: S1, one tea, as probable as the diff. */
  const rf_alternative *a = &x->alternatives[0];
  assert_string_equal(a->shopper, "S1");
  assert_int_equal(a->item_count, 1);
  assert_string_equal(a->items[0].sku, "TEA1");
  assert_int_equal(a->items[0].qty, 1);
  assert_true(fabs(a->p - d->conf) < 1e-3);
  /* Its terms: the weight fits (540.67 g against 540.4 g), the hand is S1's and near. */
  assert_true(a->terms.weight > -6.0 && a->terms.weight < 0.0);
  assert_true(isfinite(a->terms.plates) && isfinite(a->terms.prior));
  assert_true(fabs(a->terms.prior - log(0.8)) < 1e-9); /* one item, one facing */
  assert_true(isfinite(a->terms.hand) && isfinite(a->terms.identity));
  assert_true(a->terms.position > log(0.5)); /* S1 is the likelier of two to stand there */
  /* Nobody is listed, with no terms; nothing adds up to more than 1. */
  const rf_alternative *nobody = nobody_of(x);
  assert_non_null(nobody);
  assert_int_equal(nobody->item_count, 0);
  assert_true(isnan(nobody->terms.weight) && isnan(nobody->terms.hand));
  assert_true(p_sum(x) <= 1.0 + 1e-9);
  for (size_t i = 1; i < x->alternative_count; ++i)
    assert_true(x->alternatives[i].p <= x->alternatives[i - 1].p);
  /* The candidates by probability, with their distances from the shelf's front centre. */
  assert_true(x->candidate_count >= 1);
  assert_string_equal(x->candidates[0].shopper, "S1");
  assert_int_equal(x->candidates[0].has_distance, 1);
  assert_true(fabs(x->candidates[0].distance - 0.5) < 1e-9);
  /* S2, 3 m away and without a hand, is less than 0.001 likely: not listed. */
  assert_int_equal(x->candidate_count, 1);
  /* The one hand visit, S1's, made it. */
  assert_int_equal(x->hand_count, 1);
  assert_string_equal(x->hands[0].shopper, "S1");
  assert_int_equal(x->hands[0].t0, 1 * SEC);
  assert_int_equal(x->hands[0].t1, 2 * SEC);
  assert_int_equal(x->hands[0].has_x, 1);
  assert_true(fabs(x->hands[0].x - 0.1) < 1e-12);
  assert_true(x->hands[0].p > 0.9);
}

static void test_queued_after_its_diffs(void **state) {
  (void)state;
  rf_store *s = tea_shelf_store();
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, s, NULL), RF_OK);
  rf_engine_set_explain(e, 1);
  push_one_take(e);
  rf_record diff, explain, none;
  assert_int_equal(rf_engine_poll(e, &diff), RF_OK);
  assert_int_equal(diff.type, RF_RECORD_DIFF);
  assert_string_equal(diff.u.diff.shopper, "S1");
  assert_int_equal(rf_engine_poll(e, &explain), RF_OK);
  assert_int_equal(explain.type, RF_RECORD_EXPLAIN);
  check_one_take(&explain.u.explain, &diff.u.diff, wait_us(e));
  assert_int_equal(rf_engine_poll(e, &none), RF_ITEROVER);
  rf_engine_free(e);
  rf_store_free(s);
}

typedef struct seen {
  int count;
  rf_diff_rec diff;
  int explained; /* the explanation was checked while valid (in the callback) */
  rf_time_us wait;
} seen;

static int on_output(const rf_record *r, void *payload) {
  seen *s = payload;
  s->count++;
  if (r->type == RF_RECORD_DIFF) s->diff = r->u.diff;
  if (r->type == RF_RECORD_EXPLAIN) {
    assert_int_equal(s->count, 2); /* after its diff */
    check_one_take(&r->u.explain, &s->diff, s->wait);
    s->explained = 1;
  }
  return 0;
}

static void test_handed_to_the_callback(void **state) {
  (void)state;
  rf_store *s = tea_shelf_store();
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, s, NULL), RF_OK);
  seen got = {0, {0}, 0, wait_us(e)};
  rf_engine_set_output(e, on_output, &got);
  rf_engine_set_explain(e, 1);
  push_one_take(e);
  assert_int_equal(got.count, 2);
  assert_int_equal(got.explained, 1);
  rf_engine_free(e);
  rf_store_free(s);
}

static void test_off_by_default(void **state) {
  (void)state;
  rf_store *s = tea_shelf_store();
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, s, NULL), RF_OK);
  push_one_take(e);
  rf_record r;
  assert_int_equal(rf_engine_poll(e, &r), RF_OK);
  assert_int_equal(r.type, RF_RECORD_DIFF);
  assert_int_equal(rf_engine_poll(e, &r), RF_ITEROVER);
  /* Switched on, then off again: nothing either. */
  rf_engine_set_explain(e, 1);
  rf_engine_set_explain(e, 0);
  assert_int_equal(rf_engine_finish(e), RF_OK);
  while (rf_engine_poll(e, &r) == RF_OK) assert_int_not_equal(r.type, RF_RECORD_EXPLAIN);
  rf_engine_free(e);
  rf_store_free(s);
}

/* A change in an empty store: nobody's, and said so. */
static void test_nobody(void **state) {
  (void)state;
  rf_store *s = tea_shelf_store();
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, s, NULL), RF_OK);
  rf_engine_set_explain(e, 1);
  static const rf_plate_delta cola[] = {{"A3", -165.0}, {"A4", -165.2}};
  rf_record d = delta("A", 1200 * MS, 1600 * MS, cola, 2);
  assert_int_equal(rf_engine_push(e, &d), RF_OK);
  assert_int_equal(rf_engine_finish(e), RF_OK);
  rf_record r;
  assert_int_equal(rf_engine_poll(e, &r), RF_OK);
  assert_int_equal(r.type, RF_RECORD_EXPLAIN);
  const rf_explain_rec *x = &r.u.explain;
  assert_string_equal(x->how, "nobody");
  assert_int_equal(x->diff_count, 0);
  assert_int_equal(x->candidate_count, 0);
  assert_int_equal(x->hand_count, 0);
  assert_int_equal(x->alternative_count, 1);
  assert_null(x->alternatives[0].shopper);
  assert_true(x->alternatives[0].p > 0.99);
  assert_int_equal(rf_engine_poll(e, &r), RF_ITEROVER);
  rf_engine_free(e);
  rf_store_free(s);
}

/* Explanations queued and never polled are freed with the engine (the sanitizers check). */
static void test_queued_freed_with_the_engine(void **state) {
  (void)state;
  rf_store *s = tea_shelf_store();
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, s, NULL), RF_OK);
  rf_engine_set_explain(e, 1);
  push_one_take(e);
  rf_record r;
  assert_int_equal(rf_engine_poll(e, &r), RF_OK);
  assert_int_equal(rf_engine_poll(e, &r), RF_OK); /* the explanation, held until the next call */
  assert_int_equal(r.type, RF_RECORD_EXPLAIN);
  static const rf_plate_delta cola[] = {{"A3", -165.0}, {"A4", -165.2}};
  rf_record d = delta("A", 5 * SEC, 6 * SEC, cola, 2);
  assert_int_equal(rf_engine_push(e, &d), RF_OK);
  assert_int_equal(rf_engine_finish(e), RF_OK); /* its diff and explanation stay queued */
  rf_engine_free(e);
  rf_store_free(s);
}

/* A put-back is explained with the cart as it was before it: the tea back from S1's cart (the
 * explanation was read after the decision, when the tea was gone, and listed nobody alone). */
static void test_put_back(void **state) {
  (void)state;
  rf_store *s = tea_shelf_store();
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, s, NULL), RF_OK);
  rf_engine_set_explain(e, 1);
  push_one_take(e);
  static const rf_plate_delta back[] = {{"A1", 270.4}, {"A2", 270.0}};
  const rf_record records[] = {hand_at("S1", "A", 20 * SEC, 21 * SEC, 0.1),
                               delta("A", 20200 * MS, 20600 * MS, back, 2)};
  for (size_t i = 0; i < 2; ++i) assert_int_equal(rf_engine_push(e, &records[i]), RF_OK);
  assert_int_equal(rf_engine_advance(e, 20600 * MS + wait_us(e)), RF_OK);
  rf_record r;
  int64_t put_seq = -1;
  int explained = 0;
  while (rf_engine_poll(e, &r) == RF_OK) {
    if (r.type == RF_RECORD_DIFF && r.u.diff.qty < 0) put_seq = r.u.diff.seq;
    if (r.type != RF_RECORD_EXPLAIN || r.u.explain.total < 0) continue;
    const rf_explain_rec *x = &r.u.explain;
    assert_string_equal(x->how, "whole");
    assert_int_equal(x->diff_count, 1);
    assert_int_equal(x->diffs[0], put_seq);
    assert_true(x->alternative_count >= 2);
    assert_string_equal(x->alternatives[0].shopper, "S1");
    assert_int_equal(x->alternatives[0].item_count, 1);
    assert_string_equal(x->alternatives[0].items[0].sku, "TEA1");
    assert_int_equal(x->alternatives[0].items[0].qty, -1);
    assert_true(x->alternatives[0].p > 0.9);
    explained = 1;
  }
  assert_int_equal(explained, 1);
  rf_engine_free(e);
  rf_store_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_queued_after_its_diffs),
      cmocka_unit_test(test_handed_to_the_callback),
      cmocka_unit_test(test_off_by_default),
      cmocka_unit_test(test_nobody),
      cmocka_unit_test(test_queued_freed_with_the_engine),
      cmocka_unit_test(test_put_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
