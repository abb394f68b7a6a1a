/* Reviewers' verdicts (review records): a doubtful decision judged while the carts are open
 * becomes correction diffs at confidence 1 and the receipts the reviewer chose; judged after
 * the receipts — even once the engine has forgotten the carts — it amends the receipts
 * directly; a verdict that agrees writes nothing; and each verdict that cannot be used is set
 * aside with its reason, changing nothing. */
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
#include "invariants.h"
#include "tea_shelf.h"
#include "test_records.h"

#define SEC 1000000LL
#define MS 1000LL

/* Every test's input and output also go through the host-side invariant checker. */
static inv_checker *checker;

static int push_checked(rf_engine *e, const rf_record *r) {
  int rc = rf_engine_push(e, r);
  if (rc == RF_OK) assert_int_equal(inv_input(checker, r), 0);
  return rc;
}

static int poll_checked(rf_engine *e, rf_record *r) {
  int rc = rf_engine_poll(e, r);
  if (rc == RF_OK && inv_output(checker, r) != 0) fail_msg("%s", inv_message(checker));
  return rc;
}

typedef struct fixture {
  rf_store *store;
  rf_engine *e;
  const char *decided, *other; /* who the doubtful take went to, and the other shopper */
} fixture;

/* S1 and S2 stand alike at shelf A, their hands in it at the same moment, as a tea leaves:
 * the engine cannot tell them apart and flags the take (diff 0). */
static void open_doubtful_take_with(fixture *f, const rf_record *extra) {
  f->store = tea_shelf_store();
  assert_int_equal(rf_engine_new(&f->e, f->store, NULL), RF_OK);
  assert_int_equal(inv_new(&checker), 0);
  static const rf_plate_delta tea[] = {{"A1", -270.4}, {"A2", -270.0}};
  const rf_record records[] = {enter(0, "S1"),
                               enter(0, "S2"),
                               position(1 * SEC, "S1", 0.3, 0.4),
                               position(1 * SEC, "S2", -0.3, 0.4),
                               hand_at("S1", "A", 1 * SEC, 2 * SEC, 0.1),
                               hand_at("S2", "A", 1 * SEC, 2 * SEC, 0.1),
                               delta("A", 1200 * MS, 1600 * MS, tea, 2)};
  if (extra != NULL) assert_int_equal(push_checked(f->e, extra), RF_OK);
  for (size_t i = 0; i < sizeof records / sizeof *records; ++i)
    assert_int_equal(push_checked(f->e, &records[i]), RF_OK);
  assert_int_equal(rf_engine_advance(f->e, 20 * SEC), RF_OK);
  rf_record r;
  assert_int_equal(poll_checked(f->e, &r), RF_OK);
  assert_int_equal(r.type, RF_RECORD_DIFF);
  assert_int_equal(r.u.diff.seq, 0);
  assert_int_equal(r.u.diff.review, 1);
  assert_string_equal(r.u.diff.sku, "TEA1");
  f->decided = strcmp(r.u.diff.shopper, "S1") == 0 ? "S1" : "S2";
  f->other = strcmp(f->decided, "S1") == 0 ? "S2" : "S1";
  assert_int_equal(poll_checked(f->e, &r), RF_ITEROVER);
}

static void open_doubtful_take(fixture *f) { open_doubtful_take_with(f, NULL); }

static void leave_both(fixture *f, rf_time_us t) {
  rf_record out1 = leave(t, "S1"), out2 = leave(t, "S2");
  assert_int_equal(push_checked(f->e, &out1), RF_OK);
  assert_int_equal(push_checked(f->e, &out2), RF_OK);
}

static void close_fixture(fixture *f) {
  if (inv_finish(checker) != 0) fail_msg("%s", inv_message(checker));
  inv_free(checker);
  rf_engine_free(f->e);
  rf_store_free(f->store);
}

static rf_record review(int64_t decision, const char *shopper, const rf_item_qty *items, size_t n) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_REVIEW;
  r.u.review.decision = decision;
  r.u.review.shopper = shopper;
  r.u.review.items = items;
  r.u.review.item_count = n;
  return r;
}

static void expect_diff(rf_engine *e, int64_t seq, const char *shopper, int64_t qty) {
  rf_record r;
  assert_int_equal(poll_checked(e, &r), RF_OK);
  assert_int_equal(r.type, RF_RECORD_DIFF);
  assert_int_equal(r.u.diff.seq, seq);
  assert_string_equal(r.u.diff.shopper, shopper);
  assert_string_equal(r.u.diff.sku, "TEA1");
  assert_int_equal(r.u.diff.qty, qty);
  assert_true(r.u.diff.conf == 1.0);
  assert_int_equal(r.u.diff.review, 0);
  assert_int_equal(r.u.diff.has_corrects, 0);
  assert_int_equal(r.u.diff.has_reviews, 1);
  assert_int_equal(r.u.diff.reviews, 0);
  assert_int_equal(r.u.diff.event, 0);
}

/* The next record is shopper's receipt: `teas` teas (none: empty), flagged or not. */
static void expect_receipt(rf_engine *e, const char *shopper, int64_t teas, int review,
                           int amends) {
  rf_record r;
  assert_int_equal(poll_checked(e, &r), RF_OK);
  assert_int_equal(r.type, RF_RECORD_RECEIPT);
  assert_string_equal(r.u.receipt.shopper, shopper);
  assert_int_equal(r.u.receipt.item_count, teas > 0);
  if (teas > 0) {
    assert_string_equal(r.u.receipt.items[0].sku, "TEA1");
    assert_int_equal(r.u.receipt.items[0].qty, teas);
  }
  assert_int_equal(r.u.receipt.review, review);
  assert_int_equal(r.u.receipt.amends, amends);
}

/* Judged while the carts are open: an undo and a redo, then the receipts the reviewer chose,
 * no longer flagged. */
static void test_round_trip_before_the_receipts(void **state) {
  (void)state;
  fixture f;
  open_doubtful_take(&f);
  const rf_item_qty one_tea[] = {{"TEA1", 1}};
  rf_record v = review(0, f.other, one_tea, 1);
  assert_int_equal(push_checked(f.e, &v), RF_OK);
  expect_diff(f.e, 1, f.decided, -1);
  expect_diff(f.e, 2, f.other, 1);
  rf_record none;
  assert_int_equal(poll_checked(f.e, &none), RF_ITEROVER);
  leave_both(&f, 30 * SEC);
  assert_int_equal(rf_engine_finish(f.e), RF_OK);
  expect_receipt(f.e, "S1", strcmp("S1", f.other) == 0, 0, 0);
  expect_receipt(f.e, "S2", strcmp("S2", f.other) == 0, 0, 0);
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(f.e, &st), RF_OK);
  assert_int_equal(st.verdicts, 1);
  assert_int_equal(st.amended, 0);
  close_fixture(&f);
}

/* Judged after the receipts, once the engine has forgotten the carts: both receipts again,
 * amended, and no diff. */
static void test_round_trip_after_the_carts_are_forgotten(void **state) {
  (void)state;
  fixture f;
  open_doubtful_take(&f);
  leave_both(&f, 30 * SEC);
  assert_int_equal(rf_engine_advance(f.e, 3600 * SEC), RF_OK);
  expect_receipt(f.e, "S1", strcmp("S1", f.decided) == 0, strcmp("S1", f.decided) == 0, 0);
  expect_receipt(f.e, "S2", strcmp("S2", f.decided) == 0, strcmp("S2", f.decided) == 0, 0);
  assert_int_equal(rf_engine_advance(f.e, 3700 * SEC), RF_OK); /* receipts out: forgotten */
  int64_t qty[2];
  assert_int_equal(rf_engine_cart(f.e, f.decided, qty), RF_ENOTFOUND);
  const rf_item_qty one_tea[] = {{"TEA1", 1}};
  rf_record v = review(0, f.other, one_tea, 1);
  assert_int_equal(push_checked(f.e, &v), RF_OK);
  expect_receipt(f.e, f.decided, 0, 0, 1);
  expect_receipt(f.e, f.other, 1, 0, 1);
  rf_record none;
  assert_int_equal(poll_checked(f.e, &none), RF_ITEROVER);
  /* Judged again, back the first way: amended again. */
  rf_record back = review(0, f.decided, one_tea, 1);
  assert_int_equal(push_checked(f.e, &back), RF_OK);
  expect_receipt(f.e, f.other, 0, 0, 1);
  expect_receipt(f.e, f.decided, 1, 0, 1);
  assert_int_equal(poll_checked(f.e, &none), RF_ITEROVER);
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(f.e, &st), RF_OK);
  assert_int_equal(st.verdicts, 2);
  assert_int_equal(st.amended, 4);
  close_fixture(&f);
}

/* Agreeing writes nothing, but settles the doubt: the receipt is not flagged. Nobody's takes
 * the tea out. */
static void test_accept_and_nobody(void **state) {
  (void)state;
  fixture f;
  open_doubtful_take(&f);
  const rf_item_qty one_tea[] = {{"TEA1", 1}};
  rf_record accept = review(0, f.decided, one_tea, 1);
  assert_int_equal(push_checked(f.e, &accept), RF_OK);
  rf_record r;
  assert_int_equal(poll_checked(f.e, &r), RF_ITEROVER);
  rf_record nobody = review(0, NULL, NULL, 0);
  assert_int_equal(push_checked(f.e, &nobody), RF_OK);
  expect_diff(f.e, 1, f.decided, -1);
  assert_int_equal(poll_checked(f.e, &r), RF_ITEROVER);
  leave_both(&f, 30 * SEC);
  assert_int_equal(rf_engine_finish(f.e), RF_OK);
  expect_receipt(f.e, "S1", 0, 0, 0);
  expect_receipt(f.e, "S2", 0, 0, 0);
  close_fixture(&f);
}

static void expect_set_aside(fixture *f, const rf_record *v, int reason, const char *msg) {
  assert_int_equal(push_checked(f->e, v), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(f->e), reason);
  assert_string_equal(rf_engine_errmsg(f->e), msg);
  rf_record r;
  assert_int_equal(poll_checked(f->e, &r), RF_ITEROVER);
}

static void test_set_aside(void **state) {
  (void)state;
  fixture f;
  open_doubtful_take(&f);
  const rf_item_qty one_tea[] = {{"TEA1", 1}}, a_cola[] = {{"COLA", 1}}, unknown[] = {{"MILK", 1}},
                    back[] = {{"TEA1", -2}};
  rf_record v = review(7, "S1", one_tea, 1);
  expect_set_aside(&f, &v, RF_SETASIDE_UNKNOWN_DECISION,
                   "review: decision 7: no such decision (or older than REVIEW_S)");
  v = review(0, "S9", one_tea, 1);
  expect_set_aside(&f, &v, RF_SETASIDE_UNKNOWN_SHOPPER,
                   "review: shopper 'S9' was not in the store at decision 0");
  v = review(0, "S1", unknown, 1);
  expect_set_aside(&f, &v, RF_SETASIDE_UNKNOWN_SKU,
                   "review: items: 'MILK' is not a product of the store");
  v = review(0, f.other, back, 1);
  assert_int_equal(push_checked(f.e, &v), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(f.e), RF_SETASIDE_NOT_IN_CART);
  /* Nobody's with items is a host's bug. */
  v = review(0, NULL, a_cola, 1);
  assert_int_equal(push_checked(f.e, &v), RF_EINVAL);
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(f.e, &st), RF_OK);
  assert_int_equal(st.verdicts, 0);
  assert_int_equal(st.by_reason[RF_SETASIDE_UNKNOWN_DECISION], 1);
  assert_int_equal(st.by_reason[RF_SETASIDE_NOT_IN_CART], 1);
  /* Nothing changed: the carts are as decided. */
  int64_t qty[2];
  assert_int_equal(rf_engine_cart(f.e, f.decided, qty), RF_OK);
  assert_int_equal(qty[0], 1);
  assert_int_equal(rf_engine_cart(f.e, f.other, qty), RF_OK);
  assert_int_equal(qty[0], 0);
  close_fixture(&f);
}

/* REVIEW_S after the decision, its verdict is no longer taken. */
static void test_too_late(void **state) {
  (void)state;
  fixture f;
  open_doubtful_take(&f);
  assert_int_equal(rf_engine_param_set(f.e, RF_PARAM_REVIEW_S, 600.0), RF_OK);
  leave_both(&f, 30 * SEC);
  assert_int_equal(rf_engine_advance(f.e, 2000 * SEC), RF_OK);
  rf_record r;
  while (poll_checked(f.e, &r) == RF_OK) assert_int_equal(r.type, RF_RECORD_RECEIPT);
  const rf_item_qty one_tea[] = {{"TEA1", 1}};
  rf_record v = review(0, f.other, one_tea, 1);
  expect_set_aside(&f, &v, RF_SETASIDE_UNKNOWN_DECISION,
                   "review: decision 0: no such decision (or older than REVIEW_S)");
  close_fixture(&f);
}

/* A member's slot, released after the cart they joined was receipted, taken by a newcomer: the
 * newcomer's decisions are theirs, not the old cart's (the book took them for the member's
 * merged visit before). */
static void test_reused_slot_of_a_member(void **state) {
  (void)state;
  fixture f;
  f.store = tea_shelf_store();
  assert_int_equal(rf_engine_new(&f.e, f.store, NULL), RF_OK);
  assert_int_equal(inv_new(&checker), 0);
  const rf_record before[] = {enter(0, "O"), enter(0, "M"), link_to(1 * SEC, "M", "O"),
                              leave(2 * SEC, "M"), leave(2 * SEC, "O")};
  for (size_t i = 0; i < sizeof before / sizeof *before; ++i)
    assert_int_equal(push_checked(f.e, &before[i]), RF_OK);
  assert_int_equal(rf_engine_advance(f.e, 1000 * SEC), RF_OK);
  rf_record r;
  expect_receipt(f.e, "O", 0, 0, 0);
  assert_int_equal(rf_engine_advance(f.e, 1100 * SEC), RF_OK); /* both slots released */
  static const rf_plate_delta tea[] = {{"A1", -270.4}, {"A2", -270.0}};
  const rf_record after[] = {enter(1200 * SEC, "N1"),
                             enter(1200 * SEC, "N2"),
                             position(1201 * SEC, "N1", 0.3, 0.4),
                             position(1201 * SEC, "N2", 3.0, 0.0),
                             hand_at("N1", "A", 1201 * SEC, 1202 * SEC, 0.1),
                             delta("A", 1201200 * MS, 1201600 * MS, tea, 2)};
  for (size_t i = 0; i < sizeof after / sizeof *after; ++i)
    assert_int_equal(push_checked(f.e, &after[i]), RF_OK);
  assert_int_equal(rf_engine_advance(f.e, 1220 * SEC), RF_OK);
  assert_int_equal(poll_checked(f.e, &r), RF_OK);
  assert_string_equal(r.u.diff.shopper, "N1");
  int64_t seq = r.u.diff.seq;
  const rf_item_qty one_tea[] = {{"TEA1", 1}};
  rf_record v = review(seq, "N2", one_tea, 1);
  assert_int_equal(push_checked(f.e, &v), RF_OK);
  assert_int_equal(poll_checked(f.e, &r), RF_OK);
  assert_int_equal(r.type, RF_RECORD_DIFF);
  assert_string_equal(r.u.diff.shopper, "N1");
  assert_int_equal(r.u.diff.qty, -1);
  assert_int_equal(poll_checked(f.e, &r), RF_OK);
  assert_string_equal(r.u.diff.shopper, "N2");
  assert_int_equal(r.u.diff.qty, 1);
  assert_int_equal(poll_checked(f.e, &r), RF_ITEROVER);
  close_fixture(&f);
}

/* Staff buy nothing: a verdict naming a member of staff is nobody's (the take is undone and no
 * diff names staff — the invariant checker sees to that). */
static void test_staff_is_nobody(void **state) {
  (void)state;
  fixture f;
  rf_record staff = enter(0, "STAFF1");
  staff.u.enter.staff = 1;
  open_doubtful_take_with(&f, &staff);
  const rf_item_qty one_tea[] = {{"TEA1", 1}};
  rf_record v = review(0, "STAFF1", one_tea, 1);
  assert_int_equal(push_checked(f.e, &v), RF_OK);
  expect_diff(f.e, 1, f.decided, -1);
  rf_record r;
  assert_int_equal(poll_checked(f.e, &r), RF_ITEROVER);
  close_fixture(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_before_the_receipts),
      cmocka_unit_test(test_round_trip_after_the_carts_are_forgotten),
      cmocka_unit_test(test_accept_and_nobody),
      cmocka_unit_test(test_set_aside),
      cmocka_unit_test(test_too_late),
      cmocka_unit_test(test_reused_slot_of_a_member),
      cmocka_unit_test(test_staff_is_nobody),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
