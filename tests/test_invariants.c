/* The output invariant checker (tests/support/invariants.h) on hand-made output streams: for
 * each rule a stream that breaks it, with the exact message, and one that keeps it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka after the standard headers it needs */
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "invariants.h"
#include "retailfuse/status.h"

/* One step of a stream: an input event the method took, or an output record. */
typedef struct step {
  int input;
  rf_record rec;
} step;

static step diff(int64_t seq, const char *shopper, const char *sku, int64_t qty) {
  step s = {0, {.type = RF_RECORD_DIFF}};
  s.rec.u.diff = (rf_diff_rec){seq, 1000, shopper, sku, qty, 0.9, 0, seq, 0, 0, 0, 0};
  return s;
}

/* A correction of diff `corrects` (of event `event`). */
static step fix(int64_t seq, const char *shopper, const char *sku, int64_t qty, int64_t event,
                int64_t corrects) {
  step s = diff(seq, shopper, sku, qty);
  s.rec.u.diff.event = event;
  s.rec.u.diff.has_corrects = 1;
  s.rec.u.diff.corrects = corrects;
  return s;
}

static step receipt(rf_time_us t, const char *shopper, const rf_item_qty *items, size_t n) {
  step s = {0, {.type = RF_RECORD_RECEIPT}};
  s.rec.u.receipt = (rf_receipt_rec){1, t, shopper, items, n, 0, 0};
  return s;
}

static step enter(rf_time_us t, const char *shopper) {
  step s = {1, {.type = RF_RECORD_ENTER}};
  s.rec.u.enter = (rf_shopper_rec){t, shopper, 0};
  return s;
}

static step staff_enters(rf_time_us t, const char *shopper) {
  step s = enter(t, shopper);
  s.rec.u.enter.staff = 1;
  return s;
}

static step leave(rf_time_us t, const char *shopper) {
  step s = {1, {.type = RF_RECORD_EXIT}};
  s.rec.u.exit = (rf_shopper_rec){t, shopper, 0};
  return s;
}

static step joins(rf_time_us t, const char *shopper, const char *cart) {
  step s = {1, {.type = RF_RECORD_LINK}};
  s.rec.u.link = (rf_link_rec){t, shopper, cart};
  return s;
}

#define N(a) (sizeof(a) / sizeof *(a))
#define NONE NULL, 0

static const rf_item_qty X1[] = {{"X", 1}}, X2[] = {{"X", 2}}, X1Y1[] = {{"X", 1}, {"Y", 1}},
                         X1Z1[] = {{"X", 1}, {"Z", 1}}, X1X1[] = {{"X", 1}, {"X", 1}},
                         X0[] = {{"X", 0}};

static char message[512];

/* Feeds the stream and finishes (wait_us < 0: receipt times unchecked); the checker's result,
 * its message in `message`. */
static int run_wait(const step *s, size_t n, rf_time_us wait_us) {
  inv_checker *inv;
  assert_int_equal(inv_new(&inv), 0);
  inv_set_wait(inv, wait_us);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; ++i)
    rc = s[i].input ? inv_input(inv, &s[i].rec) : inv_output(inv, &s[i].rec);
  if (rc == 0) rc = inv_finish(inv);
  snprintf(message, sizeof message, "%s", inv_message(inv));
  inv_free(inv);
  return rc;
}

static int run(const step *s, size_t n) { return run_wait(s, n, -1); }

static void breaks(const step *s, size_t n, const char *expected) {
  assert_int_equal(run(s, n), INV_VIOLATION);
  assert_string_equal(message, expected);
}

static void keeps(const step *s, size_t n) {
  int rc = run(s, n);
  if (rc != 0) fail_msg("%s", message);
  assert_string_equal(message, "");
}

static void seq_increases(void **state) {
  (void)state;
  step bad[] = {diff(0, "A", "X", 1), diff(0, "A", "X", 1)};
  breaks(bad, N(bad), "record 1: diff #0: seq does not increase (the last was #0)");
  step bad2[] = {diff(3, "A", "X", 1), diff(2, "A", "X", 1)};
  breaks(bad2, N(bad2), "record 1: diff #2: seq does not increase (the last was #3)");
  step good[] = {diff(0, "A", "X", 1), diff(1, "A", "X", 1), diff(5, "B", "X", 1)};
  keeps(good, N(good));
}

static void receipt_is_the_diffs_sum(void **state) {
  (void)state;
  step more[] = {diff(0, "A", "X", 1), receipt(9, "A", X2, 1)};
  breaks(more, N(more), "record 1: receipt of 'A': lists X 2, the diffs give 1");
  step missing[] = {diff(0, "A", "X", 1), diff(1, "A", "Y", 1), receipt(9, "A", X1, 1)};
  breaks(missing, N(missing), "record 2: receipt of 'A': misses Y 1 that the diffs give");
  step extra[] = {diff(0, "A", "X", 1), receipt(9, "A", X1Z1, 2)};
  breaks(extra, N(extra), "record 1: receipt of 'A': lists Z 1, the diffs give 0");
  step twice[] = {diff(0, "A", "X", 2), receipt(9, "A", X1X1, 2)};
  breaks(twice, N(twice), "record 1: receipt of 'A': lists X twice");
  step zero[] = {diff(0, "A", "X", 1), diff(1, "A", "X", -1), receipt(9, "A", X0, 1)};
  breaks(zero, N(zero),
         "record 2: receipt of 'A': lists X 0: only quantities above 0 belong on it");
  step nothing[] = {receipt(9, "A", X1, 1)};
  breaks(nothing, N(nothing), "record 0: receipt of 'A': lists X 1, the diffs give 0");
  step good[] = {diff(0, "A", "X", 2),    diff(1, "A", "X", -1), diff(2, "A", "Y", 1),
                 diff(3, "B", "Y", 1),    diff(4, "A", "Z", 1),  diff(5, "A", "Z", -1),
                 receipt(9, "A", X1Y1, 2)};
  keeps(good, N(good));
}

static void carts_never_negative(void **state) {
  (void)state;
  step bad[] = {diff(0, "A", "X", 1), diff(1, "A", "X", -2)};
  breaks(bad, N(bad), "record 1: diff #1: takes 'A' to -1 of X");
  step other_cart[] = {diff(0, "A", "X", 1), diff(1, "B", "X", -1)};
  breaks(other_cart, N(other_cart), "record 1: diff #1: takes 'B' to -1 of X");
  step good[] = {diff(0, "A", "X", 2), diff(1, "A", "X", -2), diff(2, "A", "X", 1)};
  keeps(good, N(good));
}

static void receipt_is_final(void **state) {
  (void)state;
  step bad[] = {diff(0, "A", "X", 1), receipt(9, "A", X1, 1), diff(1, "A", "X", 1)};
  breaks(bad, N(bad), "record 2: diff #1: charges 'A', whose receipt was handed out (record 1)");
  step put_back[] = {diff(0, "A", "X", 1), receipt(9, "A", X1, 1), diff(1, "A", "X", -1)};
  breaks(put_back, N(put_back),
         "record 2: diff #1: charges 'A', whose receipt was handed out (record 1)");
  step second[] = {receipt(9, "A", NONE), receipt(10, "A", NONE)};
  breaks(second, N(second),
         "record 1: receipt of 'A': a second receipt for this visit (the first: record 0)");
  /* Entering again after the receipt is a new visit with a new, empty cart. */
  step good[] = {enter(0, "A"),  diff(0, "A", "X", 1), leave(5, "A"),  receipt(9, "A", X1, 1),
                 enter(20, "A"), diff(1, "A", "X", 2), leave(30, "A"), receipt(37, "A", X2, 1)};
  keeps(good, N(good));
  /* Entering again before the receipt is the same visit. */
  step same_visit[] = {enter(0, "A"),          diff(0, "A", "X", 1), leave(5, "A"),
                       enter(6, "A"),          diff(1, "A", "X", 1), leave(8, "A"),
                       receipt(15, "A", X2, 1)};
  keeps(same_visit, N(same_visit));
}

static void merged_carts(void **state) {
  (void)state;
  step adds[] = {joins(1, "B", "A"), diff(0, "B", "X", 1)};
  breaks(adds, N(adds), "record 0: diff #0: adds to 'B', whose cart was merged into 'A' by a link");
  step corrects[] = {diff(0, "B", "X", 1), joins(1, "B", "A"), fix(1, "B", "X", -1, 0, 0)};
  breaks(corrects, N(corrects),
         "record 1: diff #1: a correction naming 'B', whose cart was merged into 'A' by a link");
  step own_receipt[] = {joins(1, "B", "A"), receipt(9, "B", NONE)};
  breaks(own_receipt, N(own_receipt),
         "record 0: receipt of 'B': none is due: the cart was merged into 'A' by a link");
  step left_behind[] = {diff(0, "B", "X", 1), joins(1, "B", "A"), receipt(9, "A", NONE)};
  breaks(left_behind, N(left_behind),
         "record 1: receipt of 'A': 'B', merged into this cart by a link, still holds X 1 that "
         "no receipt lists");
  /* Joining a joiner joins the owner; a cart's own members move with it. */
  step chain[] = {joins(1, "C", "B"), joins(2, "B", "A"), diff(0, "C", "X", 1)};
  breaks(chain, N(chain),
         "record 0: diff #0: adds to 'C', whose cart was merged into 'A' by a link");
  /* Items moved out of the merged cart by diffs, and later takes charged to the owner. */
  step good[] = {diff(0, "B", "X", 1), joins(1, "B", "A"),   diff(1, "B", "X", -1),
                 diff(2, "A", "X", 1), diff(3, "A", "Y", 1), receipt(9, "A", X1Y1, 2)};
  keeps(good, N(good));
}

static void corrections_name_an_earlier_diff(void **state) {
  (void)state;
  step unknown[] = {diff(0, "A", "X", 1), fix(1, "A", "X", -1, 0, 5)};
  breaks(unknown, N(unknown), "record 1: diff #1: corrects #5, which is not an earlier diff");
  step itself[] = {diff(0, "A", "X", 1), fix(1, "A", "X", -1, 0, 0), fix(2, "B", "X", 1, 0, 0),
                   fix(3, "B", "X", -1, 0, 2)};
  breaks(itself, N(itself), "record 3: diff #3: corrects #2, itself a correction");
  step again[] = {diff(0, "A", "X", 1), fix(1, "A", "X", -1, 0, 0), fix(2, "B", "X", 1, 0, 0),
                  fix(3, "A", "X", -1, 0, 0)};
  breaks(again, N(again), "record 3: diff #3: corrects #0, already corrected by #1");
  step earlier_visit[] = {enter(0, "A"),
                          diff(0, "A", "X", 1),
                          leave(5, "A"),
                          receipt(12, "A", X1, 1),
                          enter(20, "A"),
                          diff(1, "A", "X", 1),
                          fix(2, "A", "X", -1, 0, 0)};
  breaks(earlier_visit, N(earlier_visit),
         "record 3: diff #2: corrects #0, made in an earlier visit of 'A'");
}

static void corrections_undo_then_redo(void **state) {
  (void)state;
  step wrong_cart[] = {diff(0, "A", "X", 1), fix(1, "B", "X", -1, 0, 0)};
  breaks(wrong_cart, N(wrong_cart),
         "record 1: diff #1: the undo of #0 ('A' X -1, event 0) is ('B' X -1, event 0)");
  step wrong_qty[] = {diff(0, "A", "X", 2), fix(1, "A", "X", -1, 0, 0)};
  breaks(wrong_qty, N(wrong_qty),
         "record 1: diff #1: the undo of #0 ('A' X -2, event 0) is ('A' X -1, event 0)");
  step wrong_event[] = {diff(0, "A", "X", 1), fix(1, "A", "X", -1, 7, 0)};
  breaks(wrong_event, N(wrong_event),
         "record 1: diff #1: the undo of #0 ('A' X -1, event 0) is ('A' X -1, event 7)");
  step no_redo[] = {diff(0, "A", "X", 1), fix(1, "A", "X", -1, 0, 0), diff(2, "B", "X", 1)};
  breaks(no_redo, N(no_redo), "record 2: the undo #1 of #0 is not followed by its redo");
  step redo_event[] = {diff(0, "A", "X", 1), fix(1, "A", "X", -1, 0, 0), fix(2, "B", "X", 1, 3, 0)};
  breaks(redo_event, N(redo_event), "record 2: diff #2: the redo of #0 has event 3, not 0");
  step ends[] = {diff(0, "A", "X", 1), fix(1, "A", "X", -1, 0, 0)};
  breaks(ends, N(ends), "finish: the undo #1 of #0 has no redo");
  /* docs/format.md's example: undo, redo, then the put-back's own diff. */
  step good[] = {diff(0, "A", "X", 1),  fix(1, "A", "X", -1, 0, 0), fix(2, "B", "X", 1, 0, 0),
                 diff(3, "B", "X", -1), receipt(9, "A", NONE),      receipt(9, "B", NONE)};
  keeps(good, N(good));
}

static void receipts_when_all_left(void **state) {
  (void)state;
  step in_store[] = {enter(0, "A"), diff(0, "A", "X", 1), receipt(9, "A", X1, 1)};
  breaks(in_store, N(in_store), "record 1: receipt of 'A': 'A' of this cart is still in the store");
  step member_in[] = {enter(0, "A"), enter(0, "B"), joins(1, "B", "A"), leave(2, "A"),
                      receipt(9, "A", NONE)};
  breaks(member_in, N(member_in),
         "record 0: receipt of 'A': 'B' of this cart is still in the store");
  step missing[] = {enter(0, "A"), enter(0, "B"), leave(2, "A"), receipt(9, "A", NONE),
                    leave(3, "B")};
  breaks(missing, N(missing), "finish: no receipt for 'B', whose shoppers all left");
  step member_left[] = {enter(0, "A"), enter(0, "B"), joins(1, "B", "A"), leave(2, "A"),
                        leave(3, "B")};
  breaks(member_left, N(member_left), "finish: no receipt for 'A', whose shoppers all left");
  /* Members get no receipt of their own; a shopper still in the store needs none yet. */
  step good[] = {enter(0, "A"), enter(0, "B"), enter(0, "C"),         joins(1, "B", "A"),
                 leave(2, "A"), leave(3, "B"), receipt(10, "A", NONE)};
  keeps(good, N(good));
}

static void receipt_time(void **state) {
  (void)state;
  step bad[] = {enter(-100000000, "A"), leave(-90000000, "A"), receipt(7000000, "A", NONE)};
  assert_int_equal(run_wait(bad, N(bad), 7000000), INV_VIOLATION);
  assert_string_equal(message,
                      "record 0: receipt of 'A': t 7000000 is not the last exit -90000000 + the "
                      "wait 7000000");
  step good[] = {enter(-100000000, "A"), leave(-90000000, "A"), receipt(-83000000, "A", NONE)};
  assert_int_equal(run_wait(good, N(good), 7000000), 0);
  /* The cart's last exit counts, a member's too. */
  step members[] = {enter(0, "A"),  enter(0, "B"),  joins(1, "B", "A"),
                    leave(20, "B"), leave(10, "A"), receipt(27, "A", NONE)};
  assert_int_equal(run_wait(members, N(members), 7), 0);
  assert_int_equal(run(bad, N(bad)), 0); /* unchecked without a wait */
}

/* Output a push made during the call comes after the record it took. */
static void hold_and_release(void **state) {
  (void)state;
  inv_checker *inv;
  step l = joins(1, "B", "A"), d = diff(0, "B", "X", 1);
  assert_int_equal(inv_new(&inv), 0);
  inv_hold(inv);
  assert_int_equal(inv_output(inv, &d.rec), 0);
  assert_int_equal(inv_records(inv), 0);
  assert_int_equal(inv_release(inv, &l.rec), INV_VIOLATION);
  assert_string_equal(inv_message(inv),
                      "record 0: diff #0: adds to 'B', whose cart was merged into 'A' by a link");
  /* Once broken, it stays broken with its first message. */
  assert_int_equal(inv_output(inv, &d.rec), INV_VIOLATION);
  assert_int_equal(inv_finish(inv), INV_VIOLATION);
  inv_free(inv);
  /* A record the method did not take is not fed. */
  assert_int_equal(inv_new(&inv), 0);
  inv_hold(inv);
  assert_int_equal(inv_output(inv, &d.rec), 0);
  assert_int_equal(inv_release(inv, NULL), 0);
  assert_int_equal(inv_records(inv), 1);
  assert_int_equal(inv_finish(inv), 0);
  inv_free(inv);
}

/* Staff are named by no diff and get no receipt; their leaving asks for none. */
static void staff_buy_nothing(void **state) {
  (void)state;
  step diffed[] = {staff_enters(0, "E"), diff(0, "E", "X", 1)};
  breaks(diffed, N(diffed), "record 0: diff #0: names 'E', whose cart is staff's");
  step receipted[] = {staff_enters(0, "E"), leave(5, "E"), receipt(9, "E", NONE)};
  breaks(receipted, N(receipted), "record 0: receipt of 'E': staff get none");
  step good[] = {staff_enters(0, "E"), enter(0, "A"), diff(0, "A", "X", 1),
                 leave(5, "E"),        leave(5, "A"), receipt(9, "A", X1, 1)};
  keeps(good, N(good));
  assert_string_equal(inv_rule_name(INV_STAFF), "staff");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(seq_increases),
      cmocka_unit_test(receipt_is_the_diffs_sum),
      cmocka_unit_test(carts_never_negative),
      cmocka_unit_test(receipt_is_final),
      cmocka_unit_test(merged_carts),
      cmocka_unit_test(corrections_name_an_earlier_diff),
      cmocka_unit_test(corrections_undo_then_redo),
      cmocka_unit_test(receipts_when_all_left),
      cmocka_unit_test(receipt_time),
      cmocka_unit_test(hold_and_release),
      cmocka_unit_test(staff_buy_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
