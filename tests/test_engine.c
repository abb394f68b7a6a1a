/* The fusion engine, scenario by scenario: where on the shelf (two teas of the same weight side by
 * side), how many, who (hands on different shelves, in time), put-backs home and elsewhere,
 * imperfect cameras (anonymous and missing hand visits), doubt (no product fits, two equally good
 * hands), late hand records, groups and receipts, determinism, every refused push (and that a
 * refusal changes nothing), the parameters, and allocation failure at every point.
 *
 * Each scenario is small enough that its right answer is obvious to a person; the expected output
 * is written beside the pushes. Decisions come at a change's end plus the engine's wait
 * (RF_PARAM_WAIT_S, read from the engine as W), receipts at a cart's last exit plus W; records
 * may arrive up to RF_PARAM_LATENESS_S behind the clock. Set RF_TEST_TRACE=1 to see every output
 * record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/engine.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "test_alloc.h"
#include "test_records.h"
#include "test_rng.h"
#include "test_sink.h"

#define SEC 1000000LL
#define MS 1000LL

/* ---- the store ------------------------------------------------------------------------------- *
 *
 * Shelf A (front centre at (0, 0) in the store), plates A1..A4 of 0.1 m, noise 1.5 g:
 *     | A1  A2 | A3  A4 |
 *     |  TEA1  |  TEA2  |      two teas of exactly 540.67 g (sd 3 g), side by side
 * Shelf B (front centre at (6, 0)), plates B1..B4 of 0.1 m, noise 1.5 g:
 *     |   B1   |  B2  |  B3  |  B4  |
 *     | CRISPS | COLA | NUTS | (free)|   250 g, 330 g, 120 g
 * Product indices: TEA1 0, TEA2 1, CRISPS 2, COLA 3, NUTS 4. Weight and place together leave no
 * doubt about each scenario's items: where two readings weigh alike (two nuts, 240 g, and a
 * crisps bag, 250 g) they lie on different plates. */

enum { P_TEA1, P_TEA2, P_CRISPS, P_COLA, P_NUTS, N_PRODUCTS };

static const rf_plate_def plates_a[] = {
    {"A1", 0.0, 0.1}, {"A2", 0.1, 0.2}, {"A3", 0.2, 0.3}, {"A4", 0.3, 0.4}};
static const rf_plate_def plates_b[] = {
    {"B1", 0.0, 0.1}, {"B2", 0.1, 0.2}, {"B3", 0.2, 0.3}, {"B4", 0.3, 0.4}};

static rf_store *build_store(void) {
  static const rf_product_def products[N_PRODUCTS] = {{"TEA1", "Sweet Tea", 540.67, 1, 3.0},
                                                      {"TEA2", "Green Tea", 540.67, 1, 3.0},
                                                      {"CRISPS", NULL, 250.0, 1, 2.0},
                                                      {"COLA", NULL, 330.0, 1, 3.0},
                                                      {"NUTS", NULL, 120.0, 1, 1.5}};
  static const rf_shelf_def shelves[] = {{"A", 1, 1.5, 1, 0.0, 0.0, plates_a, 4, 0, 0, 0},
                                         {"B", 1, 1.5, 1, 6.0, 0.0, plates_b, 4, 0, 0, 0}};
  static const rf_facing_def facings[] = {{"A", "TEA1", 0.0, 0.2, 8},
                                          {"A", "TEA2", 0.2, 0.4, 8},
                                          {"B", "CRISPS", 0.0, 0.1, 10},
                                          {"B", "COLA", 0.1, 0.2, 6},
                                          {"B", "NUTS", 0.2, 0.3, 12}};
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  for (size_t i = 0; i < N_PRODUCTS; ++i)
    assert_int_equal(rf_store_builder_add_product(b, &products[i]), RF_OK);
  for (size_t i = 0; i < 2; ++i)
    assert_int_equal(rf_store_builder_add_shelf(b, &shelves[i]), RF_OK);
  for (size_t i = 0; i < 5; ++i)
    assert_int_equal(rf_store_builder_add_facing(b, &facings[i]), RF_OK);
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(b, &s), RF_OK);
  rf_store_builder_free(b);
  assert_int_equal(rf_store_product_count(s), N_PRODUCTS);
  return s;
}

/* ---- engines, and freeing them even when a test fails or is skipped -------------------------- */

typedef struct eng {
  rf_engine *e;
  int polled; /* output taken with rf_engine_poll after every call, instead of the callback */
  sink out;
} eng;

enum { MAX_ENGINES = 4 };
static rf_store *g_store;
/* The engine's default wait after a change's end (and after a cart's last exit) before it
 * decides: RF_PARAM_WAIT_S. Expected times are written relative to it. */
static rf_time_us W;
static eng g_eng[MAX_ENGINES];

static int teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < MAX_ENGINES; ++i) {
    rf_engine_free(g_eng[i].e);
    g_eng[i].e = NULL;
  }
  rf_store_free(g_store);
  g_store = NULL;
  return 0;
}

static rf_store *store(void) {
  if (g_store == NULL) g_store = build_store();
  return g_store;
}

static eng *eng_open_mode(int polled) {
  for (size_t i = 0; i < MAX_ENGINES; ++i) {
    if (g_eng[i].e != NULL) continue;
    eng *x = &g_eng[i];
    memset(x, 0, sizeof *x);
    x->e = (rf_engine *)0x1;
    assert_int_equal(rf_engine_new(&x->e, store(), NULL), RF_OK);
    assert_non_null(x->e);
    assert_string_equal(rf_engine_errmsg(x->e), "");
    x->polled = polled;
    W = (rf_time_us)llround(rf_engine_param_get(x->e, RF_PARAM_WAIT_S) * 1e6);
    if (!polled) rf_engine_set_output(x->e, sink_collect, &x->out);
    return x;
  }
  fail_msg("too many engines in one test");
  return NULL;
}

static eng *eng_open(void) { return eng_open_mode(0); }

static rf_engine_stats stats_of(eng *x); /* the engine's counts (below) */

static void eng_close(eng *x) {
  rf_engine_free(x->e);
  x->e = NULL;
}

static void drain(eng *x) {
  if (!x->polled) return;
  rf_record r;
  int rc;
  while ((rc = rf_engine_poll(x->e, &r)) == RF_OK) sink_take(&x->out, &r);
  assert_int_equal(rc, RF_ITEROVER);
}

/* What a loop of cases is doing, for failure messages. */
static const char *g_context = "";

/* A push that must be taken; returns the number of output records so far. */
static size_t push(eng *x, rf_record r) {
  int rc = rf_engine_push(x->e, &r);
  if (rc != RF_OK)
    fail_msg("%s%spush refused: %s: %s", g_context, *g_context ? ": " : "", rf_err_name(rc),
             rf_engine_errmsg(x->e));
  assert_string_equal(rf_engine_errmsg(x->e), "");
  drain(x);
  return x->out.count;
}

static size_t advance(eng *x, rf_time_us now) {
  assert_int_equal(rf_engine_advance(x->e, now), RF_OK);
  drain(x);
  return x->out.count;
}

static size_t finish(eng *x) {
  assert_int_equal(rf_engine_finish(x->e), RF_OK);
  drain(x);
  return x->out.count;
}

/* Pushes every record of JSON Lines text through the scenario reader; returns the output count. */
static size_t push_json(eng *x, const char *text) {
  rf_scenario_reader *rd = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  int rc;
  while ((rc = rf_scenario_reader_next(rd, &r)) == RF_OK) {
    int prc = rf_engine_push(x->e, &r);
    if (prc != RF_OK) {
      print_error("line %llu: %s: %s\n", (unsigned long long)r.line, rf_err_name(prc),
                  rf_engine_errmsg(x->e));
      rf_scenario_reader_free(rd);
      fail();
    }
    drain(x);
  }
  if (rc != RF_ITEROVER) print_error("%s\n", rf_scenario_reader_errmsg(rd));
  rf_scenario_reader_free(rd);
  assert_int_equal(rc, RF_ITEROVER);
  return x->out.count;
}

/* ---- input records --------------------------------------------------------------------------- */

static size_t push_delta1(eng *x, const char *shelf, rf_time_us t0, rf_time_us t1, const char *p1,
                          double g1) {
  rf_plate_delta p[1] = {{p1, g1}};
  return push(x, delta(shelf, t0, t1, p, 1));
}

static size_t push_delta2(eng *x, const char *shelf, rf_time_us t0, rf_time_us t1, const char *p1,
                          double g1, const char *p2, double g2) {
  rf_plate_delta p[2] = {{p1, g1}, {p2, g2}};
  return push(x, delta(shelf, t0, t1, p, 2));
}

/* ---- checking the output --------------------------------------------------------------------- */

static const double REVIEW_BELOW = 0.8; /* the default of RF_PARAM_REVIEW_BELOW */

/* Diff i is exactly this; its confidence agrees with its review flag. */
static void assert_diff(const eng *x, size_t i, int64_t seq, rf_time_us t, const char *shopper,
                        const char *sku, int64_t qty, int64_t event, int review) {
  assert_true(i < x->out.count);
  const out_rec *o = &x->out.rec[i];
  assert_int_equal(o->type, RF_RECORD_DIFF);
  assert_int_equal(o->seq, seq);
  assert_int_equal(o->t, t);
  assert_string_equal(o->shopper, shopper);
  assert_string_equal(o->sku, sku);
  assert_int_equal(o->qty, qty);
  assert_int_equal(o->event, event);
  assert_int_equal(o->has_corrects, 0);
  assert_true(o->conf >= 0.0 && o->conf <= 1.0);
  assert_int_equal(o->review, o->conf < REVIEW_BELOW);
  assert_int_equal(o->review, review);
}

static double conf_of(const eng *x, size_t i) {
  assert_true(i < x->out.count);
  assert_int_equal(x->out.rec[i].type, RF_RECORD_DIFF);
  return x->out.rec[i].conf;
}

#define ITEMS(...)                    \
  (const rf_item_qty[]){__VA_ARGS__}, \
      sizeof((const rf_item_qty[]){__VA_ARGS__}) / sizeof(rf_item_qty)
#define NO_ITEMS NULL, 0

static void assert_receipt(const eng *x, size_t i, rf_time_us t, const char *shopper,
                           const rf_item_qty *items, size_t n) {
  assert_true(i < x->out.count);
  const out_rec *o = &x->out.rec[i];
  assert_int_equal(o->type, RF_RECORD_RECEIPT);
  assert_int_equal(o->has_t, 1);
  assert_int_equal(o->t, t);
  assert_int_equal(o->review, 0);
  assert_string_equal(o->shopper, shopper);
  assert_int_equal(o->item_count, n);
  for (size_t k = 0; k < n; ++k) {
    assert_string_equal(o->items[k].sku, items[k].sku);
    assert_int_equal(o->items[k].qty, items[k].qty);
  }
}

static size_t receipts_for(const eng *x, const char *shopper) {
  size_t n = 0;
  for (size_t i = 0; i < x->out.count; ++i)
    n += x->out.rec[i].type == RF_RECORD_RECEIPT && strcmp(x->out.rec[i].shopper, shopper) == 0;
  return n;
}

/* The cart `shopper` shops into, product by product. */
static void assert_cart(const eng *x, const char *shopper, int64_t tea1, int64_t tea2,
                        int64_t crisps, int64_t cola, int64_t nuts) {
  int64_t qty[N_PRODUCTS + 1];
  qty[N_PRODUCTS] = 12345; /* the engine writes exactly one per product */
  assert_int_equal(rf_engine_cart(x->e, shopper, qty), RF_OK);
  assert_int_equal(qty[P_TEA1], tea1);
  assert_int_equal(qty[P_TEA2], tea2);
  assert_int_equal(qty[P_CRISPS], crisps);
  assert_int_equal(qty[P_COLA], cola);
  assert_int_equal(qty[P_NUTS], nuts);
  assert_int_equal(qty[N_PRODUCTS], 12345);
}

/* The whole output of two runs is the same, field by field (conf bit for bit). */
static void assert_same_output(const sink *a, const sink *b) {
  assert_int_equal(a->count, b->count);
  for (size_t i = 0; i < a->count; ++i) {
    if (memcmp(&a->rec[i], &b->rec[i], sizeof a->rec[i]) != 0) {
      const out_rec *p = &a->rec[i], *q = &b->rec[i];
      print_error("record %zu differs: %s %s %s %lld conf %.17g / %s %s %s %lld conf %.17g\n", i,
                  rf_record_type_name(p->type), p->shopper, p->sku, (long long)p->qty, p->conf,
                  rf_record_type_name(q->type), q->shopper, q->sku, (long long)q->qty, q->conf);
      fail();
    }
  }
}

/* ==== where on the shelf ====================================================================== */

/* Two teas of exactly the same weight: only the plates the weight left from tell them apart.
 * Read through the scenario reader, as a host with JSON Lines input would. No hand carries an x. */
static void test_where_identical_weights(void **state) {
  (void)state;
  eng *x = eng_open();
  static const char scenario[] =
      "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
      /* under the second tea (A3 + A4): TEA2, event 0 */
      "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"A\",\"t0\":1000000,\"t1\":2000000}\n"
      "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":1200000,\"t1\":1600000,"
      "\"plates\":{\"A3\":-300.2,\"A4\":-240.3}}\n"
      /* under the first tea (A1 + A2), a little noise on A3: TEA1, event 1 */
      "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"A\",\"t0\":5000000,\"t1\":6000000}\n"
      "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":5200000,\"t1\":5600000,"
      "\"plates\":{\"A1\":-270.4,\"A2\":-270.0,\"A3\":0.4}}\n"
      /* all of it on A3 alone, the second tea's left plate: TEA2, event 2 */
      "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"A\",\"t0\":9000000,\"t1\":10000000}\n"
      "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":9200000,\"t1\":9600000,"
      "\"plates\":{\"A3\":-540.6}}\n"
      /* all of it on A2 alone, the first tea's right plate: TEA1, event 3 */
      "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"A\",\"t0\":13000000,\"t1\":14000000}\n"
      "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":13200000,\"t1\":13600000,"
      "\"plates\":{\"A2\":-540.1}}\n";
  assert_true(push_json(x, scenario) < 4);
  assert_int_equal(advance(x, 13600 * MS + W - 1), 3); /* the last is decided at t1 + wait */
  assert_int_equal(advance(x, 13600 * MS + W), 4);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA2", 1, 0, 0);
  assert_diff(x, 1, 1, 5600 * MS + W, "S1", "TEA1", 1, 1, 0);
  assert_diff(x, 2, 2, 9600 * MS + W, "S1", "TEA2", 1, 2, 0);
  assert_diff(x, 3, 3, 13600 * MS + W, "S1", "TEA1", 1, 3, 0);
  for (size_t i = 0; i < 4; ++i) assert_true(conf_of(x, i) > 0.95); /* nothing else fits */
  assert_cart(x, "S1", 2, 2, 0, 0, 0);
}

/* S1's hand at the first tea and S2's at the second, over the same second, while shelf A
 * changes by `p`; returns the engine once the change is decided, with its output count. */
static eng *two_hands_at_the_teas(const rf_plate_delta *p, size_t *n) {
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, hand_at("S1", "A", 1 * SEC, 2 * SEC, 0.1));
  push(x, hand_at("S2", "A", 1 * SEC, 2 * SEC, 0.3));
  push(x, delta("A", 1200 * MS, 1600 * MS, p, 4));
  *n = advance(x, 1600 * MS + W);
  return x;
}

/* Two shoppers reach into the two teas in one change: S1's hand at the first tea, S2's at the
 * second; 540 g leaves each. Each gets the tea under their own hand. */
static void test_where_two_hands_one_change(void **state) {
  (void)state;
  static const rf_plate_delta p[4] = {
      {"A1", -270.2}, {"A2", -270.5}, {"A3", -270.0}, {"A4", -270.8}};
  size_t n;
  eng *x = two_hands_at_the_teas(p, &n);
  assert_int_equal(n, 2);
  const out_rec *a = &x->out.rec[0], *b = &x->out.rec[1];
  const out_rec *s1 = strcmp(a->shopper, "S1") == 0 ? a : b, *s2 = s1 == a ? b : a;
  assert_string_equal(s1->shopper, "S1");
  assert_string_equal(s1->sku, "TEA1");
  assert_int_equal(s1->qty, 1);
  assert_string_equal(s2->shopper, "S2");
  assert_string_equal(s2->sku, "TEA2");
  assert_int_equal(s2->qty, 1);
  assert_int_equal(a->event, 0);
  assert_int_equal(b->event, 0);
  assert_int_equal(a->seq, 0);
  assert_int_equal(b->seq, 1);
  assert_cart(x, "S1", 1, 0, 0, 0, 0);
  assert_cart(x, "S2", 0, 1, 0, 0, 0);
}

/* Two hands in the shelf at once, two teas gone, all their weight off TEA1's plates. A tea of
 * each kind fits the total as well, but would have TEA2's plates lose 540 g they did not lose:
 * both are TEA1 (S1's two, or one each; S2's hand is near enough for either), none TEA2. */
static void test_where_two_hands_one_facing(void **state) {
  (void)state;
  static const rf_plate_delta p[4] = {{"A1", -540.2}, {"A2", -541.5}, {"A3", 0.4}, {"A4", -0.3}};
  size_t n;
  eng *x = two_hands_at_the_teas(p, &n);
  assert_true(n == 1 || n == 2);
  int64_t s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const out_rec *o = &x->out.rec[i];
    assert_int_equal(o->type, RF_RECORD_DIFF);
    assert_string_equal(o->sku, "TEA1");
    assert_int_equal(o->event, 0);
    *(strcmp(o->shopper, "S1") == 0 ? &s1 : &s2) += o->qty;
  }
  assert_true(s1 >= 1);
  assert_int_equal(s1 + s2, 2);
  assert_cart(x, "S1", s1, 0, 0, 0, 0);
  assert_cart(x, "S2", s2, 0, 0, 0, 0);
}

/* S2 takes `sku` from `plate` (their hand at x); later one change holds S1 taking crisps off B1
 * and S2 putting that item back where it came from: B1 loses 250 g, `plate` gains `grams`. Each
 * run of plates goes to the hand there (the put-back to the hand whose shopper holds the item). */
static void take_and_put_back_in_one_change(const char *sku, const char *plate, double grams,
                                            double x_at) {
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, hand_at("S2", "B", 1 * SEC, 2 * SEC, x_at));
  push_delta1(x, "B", 1200 * MS, 1600 * MS, plate, -grams - 0.6);
  push(x, hand_at("S1", "B", 20 * SEC, 21 * SEC, 0.05));
  push(x, hand_at("S2", "B", 20 * SEC, 21 * SEC, x_at));
  rf_plate_delta p[4] = {{"B1", -250.3}, {"B2", 0.4}, {"B3", -0.3}, {"B4", -0.2}};
  for (size_t i = 0; i < 4; ++i)
    if (strcmp(p[i].plate, plate) == 0) p[i].g = grams;
  push(x, delta("B", 20200 * MS, 20600 * MS, p, 4));
  assert_int_equal(finish(x), 3);
  assert_diff(x, 0, 0, 1600 * MS + W, "S2", sku, 1, 0, 0);
  assert_diff(x, 1, 1, 20600 * MS + W, "S1", "CRISPS", 1, 1, conf_of(x, 1) < REVIEW_BELOW);
  assert_diff(x, 2, 2, 20600 * MS + W, "S2", sku, -1, 1, conf_of(x, 2) < REVIEW_BELOW);
  assert_true(conf_of(x, 1) > 0.5);
  assert_true(conf_of(x, 2) > 0.5);
  assert_cart(x, "S1", 0, 0, 1, 0, 0);
  assert_cart(x, "S2", 0, 0, 0, 0, 0);
}

/* The nuts back onto B3, a quiet plate between the two runs. */
static void test_where_take_and_put_back_in_one_change(void **state) {
  (void)state;
  take_and_put_back_in_one_change("NUTS", "B3", 119.8, 0.25);
}

/* A cola back onto B2, right next to B1: each run is explained without the other's plate. */
static void test_where_take_and_put_back_side_by_side(void **state) {
  (void)state;
  take_and_put_back_in_one_change("COLA", "B2", 329.8, 0.15);
}

/* One reach takes from three facings side by side: crisps, cola and nuts. No hypothesis covers
 * three facings; the run is cut where both sides read as takes, and S1 gets all three. */
static void test_where_one_reach_three_facings(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, hand_at("S1", "B", 1 * SEC, 3 * SEC, 0.15));
  rf_plate_delta p[4] = {{"B1", -250.6}, {"B2", -329.5}, {"B3", -120.3}, {"B4", 0.3}};
  push(x, delta("B", 1200 * MS, 2600 * MS, p, 4));
  assert_int_equal(finish(x), 3);
  for (size_t i = 0; i < 3; ++i) {
    assert_string_equal(x->out.rec[i].shopper, "S1");
    assert_int_equal(x->out.rec[i].event, 0);
    assert_int_equal(x->out.rec[i].qty, 1);
  }
  assert_cart(x, "S1", 0, 0, 1, 1, 1);
}

/* ==== how many ================================================================================ */

static void test_how_many(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  /* 750.4 g off the crisps' plate: 3 x 250 g -> one diff of qty 3 (not three diffs of 1). */
  push(x, hand("S1", "B", 1 * SEC, 2 * SEC));
  push_delta1(x, "B", 1200 * MS, 1600 * MS, "B1", -750.4);
  /* 660.3 g off the cola's plate: 2 x 330 g. */
  push(x, hand("S1", "B", 5 * SEC, 6 * SEC));
  push_delta1(x, "B", 5200 * MS, 5600 * MS, "B2", -660.3);
  /* 1081.1 g off the second tea (A3, A4): 2 x 540.67 g of TEA2. */
  push(x, hand("S1", "A", 9 * SEC, 10 * SEC));
  push_delta2(x, "A", 9200 * MS, 9600 * MS, "A3", -540.9, "A4", -540.2);
  /* 120.3 g off the nuts: one. */
  push(x, hand("S1", "B", 13 * SEC, 14 * SEC));
  push_delta1(x, "B", 13200 * MS, 13600 * MS, "B3", -120.3);
  assert_int_equal(advance(x, 13600 * MS + W), 4);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "CRISPS", 3, 0, 0);
  assert_diff(x, 1, 1, 5600 * MS + W, "S1", "COLA", 2, 1, 0);
  assert_diff(x, 2, 2, 9600 * MS + W, "S1", "TEA2", 2, 2, 0);
  assert_diff(x, 3, 3, 13600 * MS + W, "S1", "NUTS", 1, 3, 0);
  assert_cart(x, "S1", 0, 2, 3, 2, 1);
}

/* ==== who ===================================================================================== */

/* Two shoppers reach into different shelves at the same moment: each gets their own item. */
static void test_who_different_shelves_at_once(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push(x, hand("S2", "B", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A1", -540.5); /* event 0: TEA1 */
  push_delta1(x, "B", 1300 * MS, 1700 * MS, "B2", -330.2); /* event 1: COLA */
  assert_int_equal(advance(x, 1600 * MS + W - 1), 0);
  assert_int_equal(advance(x, 1700 * MS + W), 2);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_diff(x, 1, 1, 1700 * MS + W, "S2", "COLA", 1, 1, 0);
  assert_true(conf_of(x, 0) > 0.9 && conf_of(x, 1) > 0.9);

  /* The same again with the roles swapped (so the order shoppers entered decides nothing):
   * S2 at A, S1 at B, 30 s later. */
  push(x, hand("S2", "A", 31 * SEC, 32 * SEC));
  push(x, hand("S1", "B", 31 * SEC, 32 * SEC));
  push_delta1(x, "B", 31200 * MS, 31600 * MS, "B1", -250.1); /* event 2: CRISPS */
  push_delta1(x, "A", 31300 * MS, 31700 * MS, "A4", -540.9); /* event 3: TEA2 */
  assert_int_equal(advance(x, 31700 * MS + W), 4);
  assert_diff(x, 2, 2, 31600 * MS + W, "S1", "CRISPS", 1, 2, 0);
  assert_diff(x, 3, 3, 31700 * MS + W, "S2", "TEA2", 1, 3, 0);
  assert_cart(x, "S1", 1, 0, 1, 0, 0);
  assert_cart(x, "S2", 0, 1, 0, 1, 0);
}

/* A hand visit that overlaps the change beats one that ended 5 s before it. */
static void test_who_overlap_beats_earlier_visit(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  /* S1's hand left shelf A at 1.0 s; S2's is in it during the change [6.0 s, 6.4 s]. -> S2. */
  push(x, hand("S1", "A", 500 * MS, 1000 * MS));
  push(x, hand("S2", "A", 5800 * MS, 6600 * MS));
  push_delta1(x, "A", 6000 * MS, 6400 * MS, "A3", -540.5);
  assert_int_equal(advance(x, 6400 * MS + W), 1);
  assert_diff(x, 0, 0, 6400 * MS + W, "S2", "TEA2", 1, 0, 0);
  assert_true(conf_of(x, 0) > 0.9);

  /* Swapped: S2's hand left at 45.0 s, S1's overlaps the change [50.0 s, 50.4 s]. -> S1. */
  push(x, hand("S2", "A", 44500 * MS, 45000 * MS));
  push(x, hand("S1", "A", 49800 * MS, 50600 * MS));
  push_delta1(x, "A", 50000 * MS, 50400 * MS, "A1", -540.5);
  assert_int_equal(advance(x, 50400 * MS + W), 2);
  assert_diff(x, 1, 1, 50400 * MS + W, "S1", "TEA1", 1, 1, 0);
  assert_true(conf_of(x, 1) > 0.9);
  assert_cart(x, "S1", 1, 0, 0, 0, 0);
  assert_cart(x, "S2", 0, 1, 0, 0, 0);
}

/* ==== put-back ================================================================================ */

/* A cart item's weight comes back on its home facing: the item leaves that shopper's cart. S2
 * (empty-handed) is in the store too, with a hand on the other shelf. */
static void test_put_back_home(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta2(x, "A", 1200 * MS, 1600 * MS, "A3", -300.1, "A4", -240.5);
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA2", 1, 0, 0);
  /* S1 puts it back where it came from. */
  push(x, hand("S1", "A", 20 * SEC, 21 * SEC));
  push(x, hand("S2", "B", 20 * SEC, 21 * SEC));
  push_delta2(x, "A", 20200 * MS, 20600 * MS, "A3", 290.0, "A4", 250.4);
  assert_int_equal(advance(x, 20600 * MS + W), 2);
  const out_rec *o = &x->out.rec[1];
  assert_int_equal(o->type, RF_RECORD_DIFF);
  assert_string_equal(o->shopper, "S1");
  assert_string_equal(o->sku, "TEA2");
  assert_int_equal(o->qty, -1);
  assert_int_equal(o->event, 1);
  assert_cart(x, "S1", 0, 0, 0, 0, 0);
  assert_cart(x, "S2", 0, 0, 0, 0, 0);
  /* Nothing else can explain 540 g arriving on the tea's facing: S1 held a tea and had a hand
   * there, S2 held nothing. The diff does not go to review. */
  assert_diff(x, 1, 1, 20600 * MS + W, "S1", "TEA2", -1, 1, 0);
  assert_true(conf_of(x, 1) > 0.9);
}

/* ==== staff ====================================================================================
 */

static rf_record staff_enter(rf_time_us t, const char *id) {
  rf_record r = enter(t, id);
  r.u.enter.staff = 1;
  return r;
}

/* Staff restock a facing beside a shopper's reach: the restock is nobody's put-back (the
 * shopper's cart keeps its tea), makes no diff, and staff get no receipt. */
static void test_staff_restock_is_nobodys(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, staff_enter(0, "E1"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta2(x, "A", 1200 * MS, 1600 * MS, "A3", -300.1, "A4", -240.5);
  push(x, hand("E1", "A", 20 * SEC, 24 * SEC));
  push(x, hand("S1", "B", 20 * SEC, 21 * SEC));
  push_delta2(x, "A", 20500 * MS, 23000 * MS, "A3", 1081.0, "A4", 1082.1); /* four teas */
  push(x, leave(40 * SEC, "E1"));
  push(x, leave(40 * SEC, "S1"));
  assert_int_equal(finish(x), 2);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA2", 1, 0, 0);
  const out_rec *o = &x->out.rec[1];
  assert_int_equal(o->type, RF_RECORD_RECEIPT);
  assert_string_equal(o->shopper, "S1");
  assert_int_equal(o->item_count, 1);
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_OK);
  assert_int_equal(st.staff_moves, 4);
  assert_int_equal(st.receipts, 1);
}

/* Staff taking items off a shelf (tidying, expired stock) is not a purchase: no diff, and the
 * shopper beside them is not billed either. A stats caller of version 1 still gets its fields. */
static void test_staff_take_is_no_purchase(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, staff_enter(0, "E1"));
  push(x, hand("E1", "B", 1 * SEC, 3 * SEC));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "B", 1500 * MS, 2500 * MS, "B2", -660.2); /* two colas */
  push(x, leave(10 * SEC, "E1"));
  push(x, leave(10 * SEC, "S1"));
  assert_int_equal(finish(x), 1);
  const out_rec *o = &x->out.rec[0];
  assert_int_equal(o->type, RF_RECORD_RECEIPT);
  assert_string_equal(o->shopper, "S1");
  assert_int_equal(o->item_count, 0);
  rf_engine_stats st;
  memset(&st, 0xab, sizeof st);
  st.version = 1;
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_OK);
  assert_int_equal(st.version, 1);
  assert_int_equal(st.receipts, 1);
  uint64_t untouched;
  memset(&untouched, 0xab, sizeof untouched);
  assert_memory_equal(&st.staff_moves, &untouched, sizeof untouched);
  memset(&st, 0xab, sizeof st);
  st.version = 2;
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_OK);
  assert_int_equal(st.version, 2);
  assert_int_equal(st.track_swaps, 0);
  assert_memory_equal(&st.stitched, &untouched, sizeof untouched);
  memset(&st, 0xab, sizeof st);
  st.version = 3;
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_OK);
  assert_int_equal(st.stitched, 0);
  assert_memory_equal(&st.verdicts, &untouched, sizeof untouched);
  st.version = 4;
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_OK);
  assert_int_equal(st.verdicts, 0);
  assert_int_equal(st.amended, 0);
  assert_int_equal(st.explain_dropped, 0);
  st.version = 5;
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_EVERSION);
}

/* Staff share no cart: a link into staff's, or of staff into a shopper's, is set aside (once
 * the items a shopper's cart held would have vanished into staff's, and staff's moves would
 * have been billed to the shopper). A shopper back before the receipt goes on as a shopper. */
static void test_staff_share_no_cart(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, staff_enter(0, "E1"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta2(x, "A", 1200 * MS, 1600 * MS, "A3", -300.1, "A4", -240.5);
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  rf_record into_staff = link_to(10 * SEC, "S1", "E1"), of_staff = link_to(10 * SEC, "E1", "S1");
  assert_int_equal(rf_engine_push(x->e, &into_staff), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_UNKNOWN_CART);
  assert_string_equal(rf_engine_errmsg(x->e), "link: cart 'E1' is staff's: they have none");
  assert_int_equal(rf_engine_push(x->e, &of_staff), RF_SETASIDE);
  assert_string_equal(rf_engine_errmsg(x->e), "link: 'E1' is staff, who share no cart");
  /* S1 steps out and back in saying staff, before the receipt: still shopping, still billed.
   * E1 steps out and back in as a shopper: staff hold nothing to go on with; now a shopper. */
  push(x, leave(11 * SEC, "S1"));
  push(x, staff_enter(12 * SEC, "S1"));
  push(x, leave(11 * SEC, "E1"));
  push(x, enter(12 * SEC, "E1"));
  push(x, hand("S1", "B", 13 * SEC, 14 * SEC));
  push_delta1(x, "B", 13200 * MS, 13600 * MS, "B2", -330.4);
  push(x, leave(20 * SEC, "E1"));
  push(x, leave(20 * SEC, "S1"));
  assert_int_equal(finish(x), 4);
  assert_diff(x, 1, 1, 13600 * MS + W, "S1", "COLA", 1, 1, 0);
  const char *who[2] = {"S1", "E1"};
  for (size_t i = 0; i < 2; ++i) {
    assert_int_equal(x->out.rec[2 + i].type, RF_RECORD_RECEIPT);
    assert_string_equal(x->out.rec[2 + i].shopper, who[i]);
    assert_int_equal(x->out.rec[2 + i].item_count, i == 0 ? 2 : 0);
  }
  assert_int_equal(stats_of(x).staff_moves, 0);
}

/* A member whose cart's owner began a new visit has a cart of their own to come back to: a
 * new visit, in the role its enter gives (once it went on as a shopper's, and staff's reach was
 * billed to them). */
static void test_released_member_back_as_staff(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, link_to(1 * SEC, "S2", "S1"));
  push(x, leave(2 * SEC, "S2"));
  push(x, leave(3 * SEC, "S1"));
  assert_int_equal(advance(x, 3 * SEC + W), 1); /* S1's receipt */
  push(x, enter(20 * SEC, "S1"));
  push(x, staff_enter(21 * SEC, "S2"));
  push(x, hand("S2", "B", 22 * SEC, 24 * SEC));
  push_delta1(x, "B", 22500 * MS, 23500 * MS, "B2", -330.4);
  push(x, leave(30 * SEC, "S2"));
  push(x, leave(30 * SEC, "S1"));
  assert_int_equal(finish(x), 2);
  assert_receipt(x, 1, 30 * SEC + W, "S1", NULL, 0);
  assert_int_equal(stats_of(x).staff_moves, 1);
}

/* Staff who come back begin a new visit whatever their silent receipt's state: its receipt is
 * due after its own exits only (once the staff visit's later exit, arriving first, set it). */
static void test_staff_back_is_a_new_visit(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, staff_enter(0, "E1"));
  push(x, leave(20 * SEC, "E1"));
  push(x, enter(16 * SEC, "E1")); /* the tracker's record of an earlier moment, late */
  push(x, leave(17 * SEC, "E1"));
  assert_int_equal(finish(x), 1);
  assert_receipt(x, 0, 17 * SEC + W, "E1", NULL, 0);
}

/* A take decided for a shopper while staff stood as near is not corrected into staff by a late
 * hand of theirs: a correction is an undo and a redo, and staff get no diff to redo it with. */
static void test_late_staff_hand_corrects_nothing(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, staff_enter(0, "E1"));
  push_delta1(x, "A", 1000 * MS, 1400 * MS, "A1", -540.5);
  assert_int_equal(advance(x, 1400 * MS + W), 1);
  assert_diff(x, 0, 0, 1400 * MS + W, "S1", "TEA1", 1, 0, 1);
  assert_int_equal(advance(x, 20 * SEC), 1);
  rf_record late = hand("E1", "A", 900 * MS, 1450 * MS);
  assert_int_equal(rf_engine_push(x->e, &late), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_LATE);
  assert_int_equal(x->out.count, 1);
  assert_cart(x, "S1", 1, 0, 0, 0, 0);
}

/* An item put back on the wrong shelf lies there; someone else can take it from there. */
static void test_put_back_elsewhere_then_taken(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  /* S1 takes the second tea... */
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta2(x, "A", 1200 * MS, 1600 * MS, "A3", -270.1, "A4", -270.4);
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  /* ...and leaves it on shelf B's free plate B4. */
  push(x, hand_at("S1", "B", 20 * SEC, 21 * SEC, 0.35));
  push_delta1(x, "B", 20200 * MS, 20600 * MS, "B4", 540.4);
  assert_int_equal(advance(x, 20600 * MS + W), 2);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA2", 1, 0, 0);
  assert_diff(x, 1, 1, 20600 * MS + W, "S1", "TEA2", -1, 1, 0);
  assert_cart(x, "S1", 0, 0, 0, 0, 0);
  /* S2 picks 540 g up from B4, where no facing is: the tea S1 left there. */
  push(x, hand("S2", "B", 40 * SEC, 41 * SEC));
  push_delta1(x, "B", 40200 * MS, 40600 * MS, "B4", -540.6);
  assert_int_equal(advance(x, 40600 * MS + W), 3);
  assert_diff(x, 2, 2, 40600 * MS + W, "S2", "TEA2", 1, 2, 0);
  assert_cart(x, "S2", 0, 1, 0, 0, 0);
  /* It is gone now: the same change again is nothing anyone could have taken. */
  push(x, hand("S2", "B", 60 * SEC, 61 * SEC));
  push_delta1(x, "B", 60200 * MS, 60600 * MS, "B4", -540.6);
  assert_int_equal(finish(x), 3);
  assert_cart(x, "S2", 0, 1, 0, 0, 0);

  /* Control: without the misplaced tea, 540 g off B4 is nobody's. */
  eng *y = eng_open();
  push(y, enter(0, "S1"));
  push(y, enter(0, "S2"));
  push(y, hand("S2", "B", 40 * SEC, 41 * SEC));
  push_delta1(y, "B", 40200 * MS, 40600 * MS, "B4", -540.6);
  assert_int_equal(finish(y), 0);
}

/* A take and its put-back both decided in one call (input paused for a while, or the end of
 * input) must still give +1 then -1. */
static void test_take_and_put_back_decided_together(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A1", -540.5); /* takes TEA1 */
  push(x, hand("S1", "A", 2500 * MS, 3500 * MS));
  push_delta1(x, "A", 2800 * MS, 3200 * MS, "A1", 540.3); /* puts it back */
  /* The next record comes much later (a quiet store): both are due in the same call. */
  size_t n = push(x, position(100 * SEC, "S1", 0.0, 0.5));
  assert_int_equal(n, 2);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_diff(x, 1, 1, 3200 * MS + W, "S1", "TEA1", -1, 1, 0);
  assert_cart(x, "S1", 0, 0, 0, 0, 0);
}

/* The same at the end of input: rf_engine_finish decides everything at once. */
static void test_take_and_put_back_at_finish(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, hand("S1", "B", 1 * SEC, 2 * SEC));
  push_delta1(x, "B", 1200 * MS, 1600 * MS, "B2", -330.2);
  push(x, hand("S1", "B", 2500 * MS, 3500 * MS));
  push_delta1(x, "B", 2800 * MS, 3200 * MS, "B2", 330.0);
  push(x, leave(3500 * MS, "S1"));
  size_t n = finish(x);
  assert_int_equal(n, 3);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "COLA", 1, 0, 0);
  assert_diff(x, 1, 1, 3200 * MS + W, "S1", "COLA", -1, 1, 0);
  assert_receipt(x, 2, 3500 * MS + W, "S1", NO_ITEMS);
}

/* A shopper who leaves and comes back is charged on the second visit for what they took then. */
static void test_second_visit_receipt(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A3", -540.4);
  push(x, leave(5 * SEC, "S1"));
  assert_int_equal(advance(x, 5 * SEC + W), 2);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA2", 1, 0, 0);
  assert_receipt(x, 1, 5 * SEC + W, "S1", ITEMS({"TEA2", 1}));
  /* Back 30 s later for crisps, out again 5 s after that. */
  push(x, enter(5 * SEC + W + 30 * SEC, "S1"));
  const rf_time_us t = 5 * SEC + W + 31 * SEC;
  push(x, hand("S1", "B", t, t + 1 * SEC));
  push_delta1(x, "B", t + 200 * MS, t + 600 * MS, "B1", -250.2);
  push(x, leave(t + 4 * SEC, "S1"));
  size_t n = advance(x, t + 4 * SEC + W);
  assert_int_equal(n, 4);
  assert_diff(x, 2, 1, t + 600 * MS + W, "S1", "CRISPS", 1, 1, 0);
  /* What they took this time, not the tea they already had a receipt for. */
  assert_receipt(x, 3, t + 4 * SEC + W, "S1", ITEMS({"CRISPS", 1}));
  assert_int_equal(finish(x), 4); /* and nothing more */
}

/* ==== imperfect cameras ======================================================================= */

/* An anonymous hand visit, one shopper in the store and near the shelf: theirs. */
static void test_anonymous_hand_one_shopper_near(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, leave(1 * SEC, "S2")); /* S2 left before anything happened */
  assert_int_equal(advance(x, 1 * SEC + W), 1);
  assert_receipt(x, 0, 1 * SEC + W, "S2", NO_ITEMS); /* S2's (empty) receipt */
  const rf_time_us t = 1 * SEC + W;
  push(x, position(t + 500 * MS, "S1", 0.2, 0.6)); /* S1 stands at shelf A */
  push(x, hand(NULL, "A", t + 900 * MS, t + 1700 * MS));
  push_delta1(x, "A", t + 1000 * MS, t + 1400 * MS, "A2", -540.5);
  assert_int_equal(advance(x, t + 1400 * MS + W), 2);
  assert_diff(x, 1, 0, t + 1400 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_true(conf_of(x, 1) > 0.9);
}

/* An anonymous hand with two shoppers in the store: the one standing at the shelf, not the one
 * six metres away. */
static void test_anonymous_hand_nearest_shopper(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, position(2 * SEC, "S1", 6.1, 0.5)); /* S1 at shelf B */
  push(x, position(2 * SEC, "S2", 0.2, 0.5)); /* S2 at shelf A */
  push(x, hand(NULL, "A", 2900 * MS, 3700 * MS));
  push_delta1(x, "A", 3000 * MS, 3400 * MS, "A4", -540.5);
  push(x, hand(NULL, "B", 2900 * MS, 3700 * MS));
  push_delta1(x, "B", 3100 * MS, 3500 * MS, "B3", -120.2);
  assert_int_equal(advance(x, 3500 * MS + W), 2);
  assert_diff(x, 0, 0, 3400 * MS + W, "S2", "TEA2", 1, 0, 0);
  assert_diff(x, 1, 1, 3500 * MS + W, "S1", "NUTS", 1, 1, 0);
}

/* S1 and S2 in the store, placed at 1 s at x1 and x2 (y 0.5; shelf A's front is at x 0, B's at
 * x 6), a hand at shelf A (of `who`, NULL: anonymous) from 1 s to 2 s, and TEA1 leaving A1. */
static eng *tea_with_two_placed(const char *who, double x1, double x2) {
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, position(1 * SEC, "S1", x1, 0.5));
  push(x, position(1 * SEC, "S2", x2, 0.5));
  push(x, hand(who, "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A1", -540.5);
  return x;
}

/* Where each shopper stood when the change happened, not where they went after: S1 stands at
 * shelf A while the tea goes, S2 at shelf B; by the time the change is decided they have swapped
 * places. The anonymous hand is S1's. */
static void test_anonymous_hand_position_at_the_time(void **state) {
  (void)state;
  eng *x = tea_with_two_placed(NULL, 0.2, 6.1); /* S1 at shelf A, S2 at shelf B */
  push(x, position(5 * SEC, "S1", 6.1, 0.5));   /* then S1 at B */
  push(x, position(5 * SEC, "S2", 0.2, 0.5));   /* and S2 at A */
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_true(conf_of(x, 0) > 0.95);
}

/* The same from a tracker reporting at 12 Hz: S1 stands at shelf A while the tea goes and walks
 * to B, S2 the other way. The track keeps a fix every half second or so, so where each stood
 * during the change is still known when it is decided (once, every new fix within half a second
 * of the last stored replaced it: only the newest survived, and the tea went to S2). */
static void test_anonymous_hand_continuous_track(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, hand(NULL, "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A1", -540.5);
  for (rf_time_us t = 0; t <= 1600 * MS + W; t += 83 * MS) {
    double walked = t < 3 * SEC ? 0.0 : fmin(1.0, (double)(t - 3 * SEC) / (4 * SEC));
    push(x, position(t, "S1", 0.2 + 5.9 * walked, 0.5));
    push(x, position(t, "S2", 6.1 - 5.9 * walked, 0.5));
  }
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_true(conf_of(x, 0) > 0.95);
}

/* Where the tracker puts "S1" and "S2" at t: two people walk from (0.2, 0.5) and (6.1, 0.5)
 * past each other at 2 s (within 0.2 m) to the other's end, where they stay; the tracker swaps
 * their ids as they pass, from `swap` until `back` (-1: never) — then each track jumps to the
 * other's place. The person who ends at shelf A (x 0.2) is S2. */
static void tracked(rf_time_us t, rf_time_us swap, rf_time_us back, double *s1, double *s2) {
  double walked = fmin(1.0, (double)t / (4 * SEC));
  double p1 = 0.2 + 5.9 * walked, p2 = 6.1 - 5.9 * walked; /* S1's body, S2's body */
  int swapped = t >= swap && (back < 0 || t < back);
  *s1 = swapped ? p2 : p1;
  *s2 = swapped ? p1 : p2;
}

/* A tracker swaps two ids where two people pass, and a take at shelf A is decided for the one
 * whose id the reaching person carried; when the tracker swaps them back (both tracks jump at
 * once, each to where the other was), the take is corrected into the other's cart — undo and
 * redo naming the diff. Without the jump back, or with only one track jumping, nothing
 * changes. */
static int swap_scenario(rf_time_us back, int both_jump, int pass_close) {
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  rf_time_us swap = 2 * SEC;
  for (rf_time_us t = 0; t <= 30 * SEC; t += 100 * MS) {
    double s1, s2;
    tracked(t, swap, back, &s1, &s2);
    if (!both_jump && back >= 0 && t >= back) s2 = 6.1; /* S2's track stays put */
    push(x, position(t, "S1", s1, pass_close || t < 1 * SEC || t > 3 * SEC ? 0.5 : 1.8));
    push(x, position(t, "S2", s2, 0.5));
    if (t == 5 * SEC) {
      push(x, hand("S1", "A", 5 * SEC, 6 * SEC)); /* the camera names the reach by the track */
      push_delta1(x, "A", 5200 * MS, 5600 * MS, "A1", -540.5);
    }
  }
  return (int)x->out.count;
}

/* Records 1 and 2 undo take 0 from S1 and redo it for S2 (event 0), dated from lo to hi. */
static void assert_swap_corrected(const eng *x, rf_time_us lo, rf_time_us hi) {
  for (size_t i = 1; i <= 2; ++i) {
    const out_rec *o = &x->out.rec[i];
    assert_string_equal(o->shopper, i == 1 ? "S1" : "S2");
    assert_int_equal(o->qty, i == 1 ? -1 : 1);
    assert_true(o->has_corrects && o->corrects == 0);
    assert_int_equal(o->event, 0);
    assert_true(o->t >= lo && o->t <= hi);
  }
}

static void test_tracker_swap_undone(void **state) {
  (void)state;
  assert_int_equal(swap_scenario(20 * SEC, 1, 1), 3);
  eng *x = &g_eng[0];
  assert_diff(x, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_swap_corrected(x, 20 * SEC - 2 * SEC, 20 * SEC);
  assert_cart(x, "S1", 0, 0, 0, 0, 0);
  assert_cart(x, "S2", 1, 0, 0, 0, 0);
  assert_int_equal(stats_of(x).track_swaps, 1);
}

/* The same swap, ended by the door: the person carrying "S2" on the tracker leaves as S1 at
 * `out` (the door knows who leaves); the tracker hands "S2" back to the one at shelf A, whose
 * track then jumps to where "S1" last was. */
static eng *swap_ended_by_exit(rf_time_us out) {
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  for (rf_time_us t = 0; t <= 30 * SEC; t += 100 * MS) {
    double s1, s2;
    tracked(t, 2 * SEC, -1, &s1, &s2);
    if (t < out) push(x, position(t, "S1", s1, 0.5));
    if (t == out) push(x, leave(t, "S1"));
    push(x, position(t, "S2", t < out ? s2 : s1, 0.5));
    if (t == 5 * SEC) {
      push(x, hand("S1", "A", 5 * SEC, 6 * SEC));
      push_delta1(x, "A", 5200 * MS, 5600 * MS, "A1", -540.5);
    }
  }
  push(x, leave(31 * SEC, "S2"));
  return x;
}

/* Decided already: the take is corrected into S2's cart before S1's receipt. */
static void test_tracker_swap_undone_at_exit(void **state) {
  (void)state;
  eng *x = swap_ended_by_exit(25 * SEC);
  assert_int_equal(finish(x), 5);
  assert_diff(x, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_string_equal(x->out.rec[1].shopper, "S1");
  assert_int_equal(x->out.rec[1].qty, -1);
  assert_string_equal(x->out.rec[2].shopper, "S2");
  assert_int_equal(x->out.rec[2].qty, 1);
  assert_true(x->out.rec[2].has_corrects && x->out.rec[2].corrects == 0);
  assert_receipt(x, 3, 25 * SEC + W, "S1", NULL, 0);
  assert_int_equal(x->out.rec[4].item_count, 1);
  assert_int_equal(stats_of(x).track_swaps, 1);
}

/* Found after the take fell due (S1 leaves at 15 s, the take is due at 12.6 s), the swap counts
 * from the tracker's allowed delay (TRACKER_DELAY_S, 2 s) before it was found, however early the
 * tracker's records came (here they run ahead, the cameras and shelves holding the clock back):
 * the take goes to S1 when due and is corrected into S2's cart, dated 13 s — the output a
 * tracker that ran no earlier than it must gives. */
static void test_tracker_swap_found_after_the_decision(void **state) {
  (void)state;
  eng *x = swap_ended_by_exit(15 * SEC);
  assert_int_equal(finish(x), 5);
  assert_diff(x, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_swap_corrected(x, 13 * SEC, 13 * SEC);
  assert_receipt(x, 3, 15 * SEC + W, "S1", NULL, 0);
  assert_int_equal(x->out.rec[4].item_count, 1);
  assert_int_equal(stats_of(x).track_swaps, 1);
}

static void test_tracker_swap_needs_both_jumps_and_a_pass(void **state) {
  (void)state;
  const int cases[][3] = {{-1, 1, 1}, {20, 0, 1}, {20, 1, 0}};
  for (size_t k = 0; k < 3; ++k) {
    rf_time_us back = cases[k][0] < 0 ? -1 : cases[k][0] * SEC;
    assert_int_equal(swap_scenario(back, cases[k][1], cases[k][2]), 1);
    eng *x = &g_eng[k];
    assert_diff(x, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
    assert_int_equal(stats_of(x).track_swaps, 0);
  }
}

/* A swap seen as it begins: S1 stands at shelf A (x 0.2); S2 walks up from x 4 and stops beside
 * them at x 0.7 at 2 s, where the tracker swaps their ids — both tracks step half a metre at
 * once, each onto the other — and keeps them swapped (`swapped`: if it does at all). The camera
 * takes its ids from the tracker, so S1's reach at 5 s is named "S2". S1 leaves at `out` (-1:
 * never); the door knows who, and the tracker hands "S2" back to the one still at the shelf, who
 * reaches again at 12 s, named rightly. */
static eng *swap_seen_begin(int swapped, rf_time_us out) {
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  for (rf_time_us t = 0; t <= 20 * SEC; t += 100 * MS) {
    double s1 = 0.2, s2 = t >= 2 * SEC ? 0.7 : 4.0 - 3.3 * (double)t / (2 * SEC);
    int crossed = swapped && t >= 2 * SEC && (out < 0 || t < out);
    if (out < 0 || t < out) push(x, position(t, crossed ? "S2" : "S1", s1, 0.5));
    if (t == out) push(x, leave(t, "S1"));
    push(x, position(t, crossed ? "S1" : "S2", s2, 0.5));
    if (t == 5 * SEC) {
      push(x, hand(swapped ? "S2" : "S1", "A", 5 * SEC, 6 * SEC));
      push_delta1(x, "A", 5200 * MS, 5600 * MS, "A1", -540.5);
    }
    if (t == 12 * SEC && out >= 0) {
      push(x, hand("S2", "A", 12 * SEC, 13 * SEC));
      push_delta1(x, "A", 12200 * MS, 12600 * MS, "A1", -540.5);
    }
  }
  return x;
}

/* The reach named "S2" is S1's: the tracker's ids are read through the swap seen at 2 s, so the
 * take goes to S1 straight away, with no correction (before, it went to S2). */
static void test_tracker_swap_seen_begin(void **state) {
  (void)state;
  eng *x = swap_seen_begin(1, -1);
  assert_int_equal(advance(x, 5600 * MS + W), 1);
  assert_diff(x, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_int_equal(stats_of(x).track_swaps, 1);
  eng *y = swap_seen_begin(0, -1); /* the same people, no swap: the same take */
  assert_int_equal(advance(y, 5600 * MS + W), 1);
  assert_diff(y, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_int_equal(stats_of(y).track_swaps, 0);
}

/* S1 leaves at 10 s: the swap ends with them, and the reach named "S2" at 12 s is S2's (before,
 * "S2" still read as S1, gone). */
static void test_tracker_swap_seen_begin_ends_at_the_door(void **state) {
  (void)state;
  eng *x = swap_seen_begin(1, 10 * SEC);
  assert_int_equal(advance(x, 12600 * MS + W), 3);
  assert_diff(x, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_int_equal(x->out.rec[1].type, RF_RECORD_RECEIPT);
  assert_string_equal(x->out.rec[1].shopper, "S1");
  assert_diff(x, 2, 1, 12600 * MS + W, "S2", "TEA1", 1, 1, 0);
  assert_int_equal(stats_of(x).track_swaps, 2);
}

/* A tracker loses S1, standing at shelf A, at 3 s and finds them again at once as "T1", an id
 * the store never announced; S2 stands at `s2_x`, their track ending at 3 s too when
 * `s2_lost`. The camera names S1's reach at 5 s by the tracker's id, "T1". Returns how many of
 * T1's fixes were set aside. */
static int broken_track(eng *x, double s2_x, int s2_lost) {
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  int aside = 0;
  for (rf_time_us t = 0; t <= 10 * SEC; t += 100 * MS) {
    rf_record fix = position(t, t < 3 * SEC ? "S1" : "T1", 0.2, 0.5);
    int rc = rf_engine_push(x->e, &fix);
    assert_true(rc == RF_OK || (rc == RF_SETASIDE && t >= 3 * SEC));
    aside += rc == RF_SETASIDE;
    if (t < 3 * SEC || !s2_lost) push(x, position(t, "S2", s2_x, 0.5));
  }
  return aside;
}

/* T1 runs on from where S1's track stopped, and no one else's: it is S1's, and so is the reach
 * named "T1" — taken as S1's (not set aside as anonymous). Only T1's first fixes, before its
 * track could tell, are set aside. */
static void test_broken_track_stitched(void **state) {
  (void)state;
  eng *x = eng_open();
  assert_int_equal(broken_track(x, 6.1, 0), 5);
  rf_record h = hand("T1", "A", 5 * SEC, 6 * SEC);
  assert_int_equal(rf_engine_push(x->e, &h), RF_OK);
  push_delta1(x, "A", 5200 * MS, 5600 * MS, "A1", -540.5);
  assert_int_equal(advance(x, 5600 * MS + W), 1);
  assert_diff(x, 0, 0, 5600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_true(conf_of(x, 0) > 0.95);
  rf_engine_stats st = stats_of(x);
  assert_int_equal(st.stitched, 67); /* T1's fixes from 3.5 s to 10 s, and the hand */
  assert_int_equal(st.by_reason[RF_SETASIDE_UNKNOWN_SHOPPER], 5);
}

/* S2's track ended at 3 s too, 0.4 m away: T1 could be either, so it is no one's — its fixes
 * are set aside and its reach stays anonymous. */
static void test_broken_track_ambiguous(void **state) {
  (void)state;
  eng *x = eng_open();
  assert_int_equal(broken_track(x, 0.6, 1), 71);
  rf_record h = hand("T1", "A", 5 * SEC, 6 * SEC);
  assert_int_equal(rf_engine_push(x->e, &h), RF_SETASIDE);
  assert_int_equal(stats_of(x).stitched, 0);
}

/* A hand the camera gave S1 while S1 stood at the other shelf, 6 m away, and S2 stood at this
 * one: a wrong identity is rare (WRONG_ID_RATE), but S1 reaching from 6 m is rarer. The tea is
 * S2's, with less confidence than a name and a place that agree give (about 0.84). */
static void test_named_hand_far_from_its_shopper(void **state) {
  (void)state;
  eng *x = tea_with_two_placed("S1", 6.1, 0.2); /* S1 at shelf B, S2 at shelf A */
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  assert_diff(x, 0, 0, 1600 * MS + W, "S2", "TEA1", 1, 0, 0);
  double doubt = conf_of(x, 0);
  assert_true(doubt > 0.6 && doubt < 0.95);
  /* The same hand with S1 standing at A is S1's, without doubt. */
  eng *y = tea_with_two_placed("S1", 0.2, 0.3);
  assert_int_equal(advance(y, 1600 * MS + W), 1);
  assert_diff(y, 0, 0, 1600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_true(conf_of(y, 0) > 0.95);
}

/* An anonymous hand, three shoppers nobody has placed: S1 alone, S2 and S3 in one group. Each is
 * as likely as the others, so the item went to the group's cart two times in three; the diff
 * names the cart's owner with that probability, not S1 with one in three. */
static void test_anonymous_hand_group_cart(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, enter(0, "S3"));
  push(x, link_to(0, "S3", "S2"));
  push(x, hand(NULL, "A", 2900 * MS, 3700 * MS));
  push_delta1(x, "A", 3000 * MS, 3400 * MS, "A4", -540.5);
  assert_int_equal(advance(x, 3400 * MS + W), 1);
  assert_diff(x, 0, 0, 3400 * MS + W, "S2", "TEA2", 1, 0, 1);
  assert_true(fabs(conf_of(x, 0) - 2.0 / 3.0) < 0.01);
}

/* No hand visit at all, one shopper in the store: still theirs (review allowed). */
static void test_no_hand_one_shopper(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push_delta1(x, "B", 3000 * MS, 3400 * MS, "B1", -250.3);
  assert_int_equal(advance(x, 3400 * MS + W), 1);
  const out_rec *o = &x->out.rec[0];
  assert_int_equal(o->type, RF_RECORD_DIFF);
  assert_int_equal(o->seq, 0);
  assert_int_equal(o->t, 3400 * MS + W);
  assert_string_equal(o->shopper, "S1");
  assert_string_equal(o->sku, "CRISPS");
  assert_int_equal(o->qty, 1);
  assert_int_equal(o->event, 0);
  assert_int_equal(o->review, o->conf < REVIEW_BELOW);
  assert_true(o->conf > 0.5); /* the only shopper in the store */
  assert_cart(x, "S1", 0, 0, 1, 0, 0);
}

/* A shopper who walks in after a change cannot have made it: the lone shopper's diff must be the
 * same as if nobody had come in. */
static void test_shopper_entering_after_change_is_no_candidate(void **state) {
  (void)state;
  eng *alone = eng_open(), *x = eng_open(), *back = eng_open();
  const rf_time_us t = 500 * MS + W; /* after S2's first visit's receipt in `back` */
  for (int run = 0; run < 3; ++run) {
    eng *y = run == 0 ? alone : run == 1 ? x : back;
    if (y == back) { /* back: S2 was in the store earlier and left at 0.5 s */
      push(y, enter(0, "S2"));
      push(y, leave(500 * MS, "S2"));
    }
    push(y, enter(600 * MS, "S1"));
    advance(y, t);
    /* A crisps bag leaves B1 over [t + 0.5 s, t + 0.9 s]; no hand is seen. */
    push_delta1(y, "B", t + 500 * MS, t + 900 * MS, "B1", -250.3);
    /* x and back: S2 walks in 0.6 s after the change, before it is decided. */
    if (y != alone) push(y, enter(t + 1500 * MS, "S2"));
    advance(y, t + 900 * MS + W);
  }
  assert_int_equal(alone->out.count, 1);
  assert_int_equal(x->out.count, 1);
  assert_int_equal(back->out.count, 2);
  assert_receipt(back, 0, 500 * MS + W, "S2", NO_ITEMS);
  assert_diff(alone, 0, 0, t + 900 * MS + W, "S1", "CRISPS", 1, 0, alone->out.rec[0].review);

  const out_rec *a = &alone->out.rec[0], *o = &x->out.rec[0], *b = &back->out.rec[1];
  assert_diff(x, 0, 0, t + 900 * MS + W, "S1", "CRISPS", 1, 0, a->review);
  assert_true(o->conf == a->conf);
  assert_diff(back, 1, 0, t + 900 * MS + W, "S1", "CRISPS", 1, 0, a->review);
  assert_true(b->conf == a->conf);
}

/* ==== doubt =================================================================================== */

/* 37 g matches no product (the lightest weighs 120 g): no diff, neither off the shelf nor onto it,
 * and the change still uses up its event number. */
static void test_no_product_fits(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, hand("S1", "B", 1 * SEC, 2 * SEC));
  push_delta1(x, "B", 1200 * MS, 1600 * MS, "B3", -37.0); /* event 0 */
  push(x, hand("S1", "A", 5 * SEC, 6 * SEC));
  push_delta1(x, "A", 5200 * MS, 5600 * MS, "A1", 37.0); /* event 1: nothing in the cart anyway */
  assert_int_equal(advance(x, 5600 * MS + W), 0);
  /* A real take (event 2), then 37 g arriving with a cart that holds a tea: still nothing. */
  push(x, hand("S1", "A", 30 * SEC, 31 * SEC));
  push_delta1(x, "A", 30200 * MS, 30600 * MS, "A1", -540.5);
  assert_int_equal(advance(x, 30600 * MS + W), 1);
  push(x, hand("S1", "A", 50 * SEC, 51 * SEC));
  push_delta1(x, "A", 50200 * MS, 50600 * MS, "A1", 37.0); /* event 3 */
  assert_int_equal(finish(x), 1);
  assert_diff(x, 0, 0, 30600 * MS + W, "S1", "TEA1", 1, 2, 0);
  assert_cart(x, "S1", 1, 0, 0, 0, 0);
}

/* Two shoppers' hands in the shelf over the same interval, nothing else to tell them apart: one
 * diff, flagged for review, its confidence near a coin toss. */
static void test_two_equal_hands_review(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push(x, hand("S2", "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A1", -540.5);
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  const out_rec *o = &x->out.rec[0];
  assert_true(strcmp(o->shopper, "S1") == 0 || strcmp(o->shopper, "S2") == 0);
  assert_diff(x, 0, 0, 1600 * MS + W, o->shopper, "TEA1", 1, 0, 1);
  assert_true(o->conf > 0.3 && o->conf < 0.65);
}

/* A receipt holding a doubtful decision is doubtful too: flagged for review, while the other
 * shopper's receipt, whose only diff was sure, is not. */
static void test_receipt_review_follows_its_diffs(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, enter(0, "S3"));
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push(x, hand("S2", "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A1", -540.5);
  push(x, hand("S3", "B", 3 * SEC, 4 * SEC));
  push_delta1(x, "B", 3200 * MS, 3600 * MS, "B1", -250.1);
  push(x, leave(10 * SEC, "S1"));
  push(x, leave(10 * SEC, "S2"));
  push(x, leave(10 * SEC, "S3"));
  assert_int_equal(finish(x), 5);
  const char *taker = x->out.rec[0].shopper;
  assert_diff(x, 0, 0, 1600 * MS + W, taker, "TEA1", 1, 0, 1);
  assert_diff(x, 1, 1, 3600 * MS + W, "S3", "CRISPS", 1, 1, 0);
  for (size_t i = 2; i < 5; ++i) {
    const out_rec *o = &x->out.rec[i];
    assert_int_equal(o->type, RF_RECORD_RECEIPT);
    int doubtful = strcmp(o->shopper, taker) == 0;
    assert_int_equal(o->review, doubtful);
    assert_int_equal(o->item_count, strcmp(o->shopper, "S3") == 0 || doubtful ? 1 : 0);
  }
}

/* ==== late hand records ======================================================================= */

static void test_late_hand_is_used(void **state) {
  (void)state;
  eng *x = eng_open(), *ctl = eng_open();
  for (int run = 0; run < 2; ++run) {
    eng *y = run == 0 ? x : ctl;
    push(y, enter(0, "S1"));
    push(y, enter(0, "S2"));
    push_delta1(y, "A", 1000 * MS, 1400 * MS, "A1", -540.5);
    assert_int_equal(advance(y, 2500 * MS), 0);
  }
  /* S2's hand record arrives 1.1 s after the delta (at clock 2.5 s), within the 5 s lateness. */
  assert_int_equal(push(x, hand("S2", "A", 900 * MS, 1500 * MS)), 0);
  assert_int_equal(advance(x, 1400 * MS + W - 1), 0); /* not before t1 + wait */
  assert_int_equal(advance(x, 1400 * MS + W), 1);
  assert_diff(x, 0, 0, 1400 * MS + W, "S2", "TEA1", 1, 0, 0);
  assert_true(conf_of(x, 0) > 0.9);
  /* Control: without that hand the two shoppers are equally likely. */
  assert_int_equal(advance(ctl, 1400 * MS + W), 1);
  assert_int_equal(ctl->out.rec[0].review, 1);

  /* A hand record more than the lateness behind the clock is set aside, and changes nothing. */
  rf_record late = hand("S1", "A", 1000 * MS, 1400 * MS + W - 5 * SEC - 1);
  assert_int_equal(rf_engine_push(x->e, &late), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_LATE);
  assert_string_equal(rf_engine_errmsg(x->e),
                      "hand at 3.399999 s is more than 5.000 s behind the clock (8.400000 s)");
  late.u.hand.t1 += 1; /* exactly the lateness behind: taken */
  assert_int_equal(rf_engine_push(x->e, &late), RF_OK);
}

/* WAIT_S sets when a change is decided and a receipt made; LATENESS_S how far behind the clock a
 * record may arrive. */
static void test_wait_and_lateness_parameters(void **state) {
  (void)state;
  eng *x = eng_open();
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_WAIT_S, 0.5), RF_OK);
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_LATENESS_S, 0.3), RF_OK);
  push(x, enter(0, "S1"));
  push_delta1(x, "B", 1200 * MS, 1600 * MS, "B2", -330.4);
  push(x, hand("S1", "B", 1 * SEC, 1700 * MS));
  assert_int_equal(advance(x, 2099 * MS), 0);
  assert_int_equal(advance(x, 2100 * MS), 1);
  assert_diff(x, 0, 0, 2100 * MS, "S1", "COLA", 1, 0, 0);
  /* Exit at 10 s: the receipt at 10.5 s. */
  assert_int_equal(push(x, leave(10 * SEC, "S1")), 1);
  assert_int_equal(advance(x, 10499 * MS), 1);
  assert_int_equal(advance(x, 10500 * MS), 2);
  assert_receipt(x, 1, 10500 * MS, "S1", ITEMS({"COLA", 1}));
  /* A record 0.31 s behind the clock is now late; 0.3 s is not. */
  rf_record r = position(10190 * MS, "S1", 0, 0);
  assert_int_equal(rf_engine_push(x->e, &r), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_LATE);
  r.u.position.t = 10200 * MS;
  assert_int_equal(rf_engine_push(x->e, &r), RF_OK);
}

/* ==== groups and receipts ===================================================================== */

static void test_group_and_receipts(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, enter(0, "S3"));
  push(x, link_to(500 * MS, "S2", "S1")); /* S2 shops into S1's cart */
  /* S2 takes crisps (event 0), S1 the second tea (event 1). */
  push(x, hand("S2", "B", 1 * SEC, 2 * SEC));
  push_delta1(x, "B", 1200 * MS, 1600 * MS, "B1", -250.2);
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta2(x, "A", 1300 * MS, 1700 * MS, "A3", -540.0, "A2", -0.3);
  assert_int_equal(advance(x, 1700 * MS + W), 2);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "CRISPS", 1, 0, 0); /* the owner's cart */
  assert_diff(x, 1, 1, 1700 * MS + W, "S1", "TEA2", 1, 1, 0);
  assert_cart(x, "S1", 0, 1, 1, 0, 0);
  assert_cart(x, "S2", 0, 1, 1, 0, 0); /* the same cart */
  assert_cart(x, "S3", 0, 0, 0, 0, 0);
  int64_t qty[N_PRODUCTS];
  assert_int_equal(rf_engine_cart(x->e, "S9", qty), RF_ENOTFOUND);

  /* S1, the owner, leaves at 20 s; S2 is still shopping: no receipt for S1 yet. */
  push(x, leave(20 * SEC, "S1"));
  /* S3 takes a cola over [22.8 s, 23.5 s] while walking out at 23.0 s: S3's receipt (due at
   * 23 s + wait) waits for that change (decided at 23.5 s + wait) and includes it. */
  push(x, hand("S3", "B", 22500 * MS, 23000 * MS));
  push_delta1(x, "B", 22800 * MS, 23500 * MS, "B2", -330.1);
  push(x, leave(23 * SEC, "S3"));
  assert_int_equal(advance(x, 23500 * MS + W - 1), 2);
  assert_int_equal(advance(x, 23500 * MS + W), 4);
  assert_diff(x, 2, 2, 23500 * MS + W, "S3", "COLA", 1, 2, 0);
  assert_receipt(x, 3, 23 * SEC + W, "S3", ITEMS({"COLA", 1}));
  assert_int_equal(receipts_for(x, "S1"), 0);
  /* S2 takes two nuts on the way, then leaves: S1's receipt at S2's exit + wait, all of it. */
  const rf_time_us t = 23500 * MS + W;
  push(x, hand("S2", "B", t + 1 * SEC, t + 2 * SEC));
  push_delta1(x, "B", t + 1200 * MS, t + 1600 * MS, "B3", -240.3);
  push(x, leave(t + 3 * SEC, "S2"));
  assert_int_equal(advance(x, t + 3 * SEC + W - 1), 5);
  assert_diff(x, 4, 3, t + 1600 * MS + W, "S1", "NUTS", 2, 3, 0);
  assert_int_equal(advance(x, t + 3 * SEC + W), 6);
  assert_receipt(x, 5, t + 3 * SEC + W, "S1", ITEMS({"TEA2", 1}, {"CRISPS", 1}, {"NUTS", 2}));
  /* Exactly one receipt per cart owner, none for the member; the end adds nothing. */
  assert_int_equal(finish(x), 6);
  assert_int_equal(receipts_for(x, "S1"), 1);
  assert_int_equal(receipts_for(x, "S2"), 0);
  assert_int_equal(receipts_for(x, "S3"), 1);
  assert_cart(x, "S2", 0, 1, 1, 0, 2);
}

/* Linking moves what the joining shopper already had into the group's cart, as two diffs (out of
 * the joiner's, into the group's: event -1, certain), so a host keeping carts from the diffs
 * alone sees it. Polled output. */
static void test_link_merges_cart(void **state) {
  (void)state;
  eng *x = eng_open_mode(1);
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push(x, hand("S2", "B", 1 * SEC, 2 * SEC));
  push_delta1(x, "B", 1200 * MS, 1600 * MS, "B2", -330.0);
  assert_int_equal(advance(x, 1600 * MS + W), 1);
  assert_diff(x, 0, 0, 1600 * MS + W, "S2", "COLA", 1, 0, 0);
  const rf_time_us t = 1600 * MS + W;
  assert_int_equal(push(x, link_to(t + 1 * SEC, "S2", "S1")), 3);
  assert_diff(x, 1, 1, t + 1 * SEC, "S2", "COLA", -1, -1, 0);
  assert_diff(x, 2, 2, t + 1 * SEC, "S1", "COLA", 1, -1, 0);
  assert_true(conf_of(x, 1) == 1.0 && conf_of(x, 2) == 1.0);
  assert_cart(x, "S1", 0, 0, 0, 1, 0);
  assert_cart(x, "S2", 0, 0, 0, 1, 0);
  push(x, leave(t + 2 * SEC, "S2"));
  push(x, leave(t + 3 * SEC, "S1"));
  assert_int_equal(finish(x), 4);
  assert_receipt(x, 3, t + 3 * SEC + W, "S1", ITEMS({"COLA", 1}));
  assert_int_equal(receipts_for(x, "S2"), 0);
}

/* ==== determinism ============================================================================= */

static const char busy_scenario[] =
    "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
    "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S2\"}\n"
    "{\"type\":\"enter\",\"t\":100000,\"shopper\":\"S3\"}\n"
    "{\"type\":\"link\",\"t\":200000,\"shopper\":\"S3\",\"cart\":\"S2\"}\n"
    "{\"type\":\"position\",\"t\":500000,\"shopper\":\"S1\",\"x\":0.3,\"y\":0.5}\n"
    "{\"type\":\"position\",\"t\":500000,\"shopper\":\"S2\",\"x\":5.8,\"y\":0.4}\n"
    "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":1000000,\"t1\":1400000,"
    "\"plates\":{\"A3\":-270.0,\"A4\":-271.0}}\n"
    "{\"type\":\"hand\",\"shopper\":null,\"shelf\":\"A\",\"t0\":900000,\"t1\":1600000,\"x\":0.3}\n"
    "{\"type\":\"hand\",\"shopper\":\"S2\",\"shelf\":\"B\",\"t0\":1000000,\"t1\":1800000,"
    "\"x\":0.05,\"conf\":0.9,\"holding_in\":false,\"holding_out\":true}\n"
    "{\"type\":\"delta\",\"shelf\":\"B\",\"t0\":1100000,\"t1\":1500000,"
    "\"plates\":{\"B1\":-500.4}}\n"
    "{\"type\":\"hand\",\"shopper\":\"S3\",\"shelf\":\"B\",\"t0\":4000000,\"t1\":4500000}\n"
    "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"B\",\"t0\":4100000,\"t1\":4600000}\n"
    "{\"type\":\"delta\",\"shelf\":\"B\",\"t0\":4200000,\"t1\":4400000,"
    "\"plates\":{\"B2\":-330.3}}\n"
    "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"B\",\"t0\":18000000,"
    "\"t1\":18500000,\"x\":0.35}\n"
    "{\"type\":\"delta\",\"shelf\":\"B\",\"t0\":18100000,\"t1\":18400000,"
    "\"plates\":{\"B4\":540.2}}\n"
    "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":19000000,\"t1\":19300000,"
    "\"plates\":{\"A1\":-37.0}}\n"
    "{\"type\":\"hand\",\"shopper\":\"S3\",\"shelf\":\"B\",\"t0\":32000000,\"t1\":32500000}\n"
    "{\"type\":\"delta\",\"shelf\":\"B\",\"t0\":32100000,\"t1\":32400000,"
    "\"plates\":{\"B4\":-540.9}}\n"
    "{\"type\":\"exit\",\"t\":45000000,\"shopper\":\"S1\"}\n"
    "{\"type\":\"exit\",\"t\":46000000,\"shopper\":\"S3\"}\n"
    "{\"type\":\"exit\",\"t\":47000000,\"shopper\":\"S2\"}\n";

/* The same pushes give the same output, bit for bit, whether taken by callback or by polling. */
static void test_deterministic(void **state) {
  (void)state;
  eng *a = eng_open(), *b = eng_open_mode(1), *c = eng_open();
  push_json(a, busy_scenario);
  finish(a);
  push_json(b, busy_scenario);
  finish(b);
  push_json(c, busy_scenario);
  finish(c);
  assert_true(a->out.count >= 6); /* diffs and receipts: a real run, not an empty one */
  assert_int_equal(receipts_for(a, "S1"), 1);
  assert_int_equal(receipts_for(a, "S2"), 1);
  assert_int_equal(receipts_for(a, "S3"), 0);
  assert_same_output(&a->out, &b->out);
  assert_same_output(&a->out, &c->out);
  /* Seq numbers count diffs from 0 without gaps. */
  int64_t seq = 0;
  for (size_t i = 0; i < a->out.count; ++i)
    if (a->out.rec[i].type == RF_RECORD_DIFF) assert_int_equal(a->out.rec[i].seq, seq++);
}

/* A shopper gone after their receipt is linked (late) into another's cart, that cart is
 * receipted, then the first comes back for a long visit. Their own cart must wait for its new
 * receipt: not be released (its old receipt listed it as done) while they shop. It was: the
 * cart read RF_ENOTFOUND before the receipt and the receipt named no shopper. */
static void test_link_after_receipt_then_back_keeps_the_cart(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "A"));
  push(x, leave(1 * SEC, "A"));
  push(x, enter(2 * SEC, "B"));
  advance(x, 10 * SEC); /* A's (empty) receipt is out */
  /* A left: a link of theirs is set aside (not in the store), and changes nothing. */
  rf_record stray = link_to(10 * SEC, "A", "B");
  assert_int_equal(rf_engine_push(x->e, &stray), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_NOT_IN);
  assert_string_equal(rf_engine_errmsg(x->e), "link: shopper 'A' is not in the store");
  push(x, leave(11 * SEC, "B"));
  advance(x, 19 * SEC);          /* B's receipt is out */
  push(x, enter(20 * SEC, "A")); /* back, with a cart of their own */
  push(x, leave(126 * SEC, "A"));
  advance(x, 129 * SEC); /* past the horizon of A's first receipt */
  int64_t qty[N_PRODUCTS];
  assert_int_equal(rf_engine_cart(x->e, "A", qty), RF_OK);
  size_t n = advance(x, 126 * SEC + W);
  assert_int_equal(receipts_for(x, "A"), 2);
  assert_receipt(x, n - 1, 126 * SEC + W, "A", NO_ITEMS);
}

/* ==== raw plate readings =======================================================================
 */

/* Shelf A's four plates read at 60 Hz, a record a second each, as a store's feed delivers them:
 * offsets of 1000 g and more, noise of 0.5 g, and whatever `load` puts on each plate at t. */
typedef double (*plate_load)(int plate, rf_time_us t);

static void push_second(eng *x, int second, plate_load load, uint64_t *rng) {
  static const char *ids[4] = {"A1", "A2", "A3", "A4"};
  for (int k = 0; k < 4; ++k) {
    double g[60];
    for (int i = 0; i < 60; ++i) {
      rf_time_us t = (rf_time_us)second * SEC + (rf_time_us)i * 16667;
      double u = test_rng_uniform(rng), v = test_rng_uniform(rng);
      double noise = 0.5 * sqrt(-2.0 * log(u > 1e-12 ? u : 1e-12)) * cos(6.283185307179586 * v);
      g[i] = round((1000.0 + 250.0 * k + load(k, t) + noise) * 10) / 10;
    }
    rf_record r;
    memset(&r, 0, sizeof r);
    r.type = RF_RECORD_SAMPLES;
    r.u.samples.plate = ids[k];
    r.u.samples.t = (rf_time_us)second * SEC;
    r.u.samples.dt_us = 16667;
    r.u.samples.g = g;
    r.u.samples.count = 60;
    push(x, r);
  }
}

/* TEA1 (540.67 g over A1 and A2) leaves at 3 s, over 150 ms. */
static double tea_taken(int plate, rf_time_us t) {
  if (plate > 1 || t <= 3 * SEC) return 0.0;
  return -270.3 * fmin(1.0, (double)(t - 3 * SEC) / 150000.0);
}

/* From raw readings: the engine's load cells find the tea leaving A1 and A2 (offsets, noise and
 * all), and S1's hand there makes it S1's. */
static void test_samples_take(void **state) {
  (void)state;
  eng *x = eng_open();
  uint64_t rng = 0x1234567;
  push(x, enter(0, "S1"));
  for (int second = 0; second < 12; ++second) {
    push_second(x, second, tea_taken, &rng);
    if (second == 3) push(x, hand("S1", "A", 2800 * MS, 3600 * MS));
  }
  push(x, leave(12 * SEC, "S1"));
  finish(x);
  assert_int_equal(x->out.count, 2);
  assert_int_equal(x->out.rec[0].type, RF_RECORD_DIFF);
  assert_string_equal(x->out.rec[0].shopper, "S1");
  assert_string_equal(x->out.rec[0].sku, "TEA1");
  assert_int_equal(x->out.rec[0].qty, 1);
  assert_true(x->out.rec[0].conf > 0.9);
  assert_receipt(x, 1, 12 * SEC + W, "S1", ITEMS({"TEA1", 1}));
}

/* The engine's LOADCELL_ parameters reach its segmenter: with LOADCELL_MIN_STEP_G at 1000 g the
 * tea leaving A1 and A2 (270 g a plate, 540 g in all) is no step, so no diff; the same readings
 * at the default 5 g give the tea. Set after other events, before the first samples record;
 * RF_EMISUSE after it, the value unchanged. */
static void test_loadcell_params_reach_the_segmenter(void **state) {
  (void)state;
  eng *x = eng_open(), *y = eng_open();
  uint64_t rx = 0x1234567, ry = 0x1234567;
  push(x, enter(0, "S1"));
  push(y, enter(0, "S1"));
  assert_int_equal(rf_engine_param_set(y->e, RF_PARAM_LOADCELL_MIN_STEP_G, 1000.0), RF_OK);
  assert_true(rf_engine_param_get(y->e, RF_PARAM_LOADCELL_MIN_STEP_G) == 1000.0);
  assert_true(rf_engine_param_get(x->e, RF_PARAM_LOADCELL_MIN_STEP_G) == 5.0);
  /* The segmenter's cross-constraints hold through the engine too. */
  assert_int_equal(rf_engine_param_set(y->e, RF_PARAM_LOADCELL_HOLD_S, 0.1), RF_ERANGE);
  assert_non_null(strstr(rf_engine_errmsg(y->e), "HOLD_S"));
  assert_true(rf_engine_param_get(y->e, RF_PARAM_LOADCELL_HOLD_S) == 6.0);
  assert_int_equal(rf_engine_param_set(y->e, RF_PARAM_LOADCELL_MAX_G, -20000.0), RF_ERANGE);
  assert_true(rf_engine_param_get(y->e, RF_PARAM_LOADCELL_MAX_G) == 200000.0);
  for (int second = 0; second < 12; ++second) {
    push_second(x, second, tea_taken, &rx);
    push_second(y, second, tea_taken, &ry);
    if (second == 0) {
      /* Samples were taken: the segmenter's parameters are fixed, its own still are not. */
      for (int p = RF_PARAM_LOADCELL_SETTLE_S; p < RF_PARAM_COUNT; ++p) {
        double was = rf_engine_param_get(y->e, (rf_engine_param)p), def = NAN;
        assert_int_equal(rf_engine_param_bounds((rf_engine_param)p, NULL, NULL, &def), RF_OK);
        assert_int_equal(rf_engine_param_set(y->e, (rf_engine_param)p, def), RF_EMISUSE);
        assert_string_not_equal(rf_engine_errmsg(y->e), "");
        assert_true(rf_engine_param_get(y->e, (rf_engine_param)p) == was);
      }
      assert_int_equal(rf_engine_param_set(y->e, RF_PARAM_LOADCELL_MIN_STEP_G, 5.0), RF_EMISUSE);
      assert_true(rf_engine_param_get(y->e, RF_PARAM_LOADCELL_MIN_STEP_G) == 1000.0);
      /* Out of bounds is still RF_ERANGE. */
      assert_int_equal(rf_engine_param_set(y->e, RF_PARAM_LOADCELL_MIN_STEP_G, -1.0), RF_ERANGE);
    }
    if (second == 3) {
      push(x, hand("S1", "A", 2800 * MS, 3600 * MS));
      push(y, hand("S1", "A", 2800 * MS, 3600 * MS));
    }
  }
  push(x, leave(12 * SEC, "S1"));
  push(y, leave(12 * SEC, "S1"));
  finish(x);
  finish(y);
  assert_int_equal(x->out.count, 2);
  assert_int_equal(x->out.rec[0].type, RF_RECORD_DIFF);
  assert_string_equal(x->out.rec[0].sku, "TEA1");
  assert_int_equal(x->out.rec[0].qty, 1);
  assert_receipt(x, 1, 12 * SEC + W, "S1", ITEMS({"TEA1", 1}));
  assert_int_equal(y->out.count, 1);
  assert_receipt(y, 0, 12 * SEC + W, "S1", NO_ITEMS);
}

/* Faults the engine's load cells find go to the host's fault callback. */
typedef struct fault_log {
  int count;
  char plate[8][8];
  rf_plate_fault fault[8];
} fault_log;

static void log_fault(const char *plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  (void)t;
  fault_log *f = payload;
  if (f->count == 8) return;
  snprintf(f->plate[f->count], sizeof f->plate[0], "%s", plate);
  f->fault[f->count++] = fault;
}

/* A3 stuck from 4 s at a value 200 g under its level (as if an item had gone), and A4 reading
 * NaN at 7 s while S1's hand is at the shelf: both faults are reported, once each, naming the
 * plate, and nothing lands in a cart. */
static double stuck_a3(int plate, rf_time_us t) {
  (void)plate;
  (void)t;
  return 0.0;
}

static void test_samples_faults_reported_not_bought(void **state) {
  (void)state;
  eng *x = eng_open();
  fault_log log;
  memset(&log, 0, sizeof log);
  rf_engine_set_fault_output(x->e, log_fault, &log);
  uint64_t rng = 0x7654321;
  push(x, enter(0, "S1"));
  for (int second = 0; second < 12; ++second) {
    static const char *ids[4] = {"A1", "A2", "A3", "A4"};
    if (second < 4) {
      push_second(x, second, stuck_a3, &rng);
      continue;
    }
    for (int k = 0; k < 4; ++k) {
      double g[60];
      for (int i = 0; i < 60; ++i) g[i] = 1000.0 + 250.0 * k + 0.3 * (double)((i * 7 + k) % 5);
      if (k == 2)
        for (int i = 0; i < 60; ++i) g[i] = 1300.0; /* stuck */
      if (k == 3 && second == 7) g[30] = NAN;
      rf_record r;
      memset(&r, 0, sizeof r);
      r.type = RF_RECORD_SAMPLES;
      r.u.samples.plate = ids[k];
      r.u.samples.t = (rf_time_us)second * SEC;
      r.u.samples.dt_us = 16667;
      r.u.samples.g = g;
      r.u.samples.count = 60;
      push(x, r);
    }
    if (second == 4 || second == 7)
      push(x, hand("S1", "A", second * SEC - 200 * MS, second * SEC + 600 * MS));
  }
  push(x, leave(12 * SEC, "S1"));
  finish(x);
  assert_int_equal(log.count, 2);
  assert_string_equal(log.plate[0], "A3");
  assert_int_equal(log.fault[0], RF_FAULT_STUCK);
  assert_string_equal(log.plate[1], "A4");
  assert_int_equal(log.fault[1], RF_FAULT_NONFINITE);
  assert_int_equal(x->out.count, 1);
  assert_receipt(x, 0, 12 * SEC + W, "S1", NO_ITEMS);
}

/* ==== bounded memory ========================================================================= */

/* What a long run handed out: every diff and receipt checked as it came. */
typedef struct tally {
  long diffs, receipts, wrong;
} tally;

static int tally_one_tea_each(const rf_record *r, void *payload) {
  tally *t = payload;
  if (r->type == RF_RECORD_DIFF) {
    t->diffs++;
    t->wrong += strcmp(r->u.diff.sku, "TEA1") != 0 || r->u.diff.qty != 1 || r->u.diff.review;
  } else {
    t->receipts++;
    t->wrong += r->u.receipt.item_count != 1 || strcmp(r->u.receipt.items[0].sku, "TEA1") != 0 ||
                r->u.receipt.items[0].qty != 1;
  }
  return 0;
}

/* One shopper after another, each taking one tea and leaving: the engine holds no more memory
 * after the 400th than after the 50th (engine.h: state is released after a receipt and the
 * revision horizon, and the book of diffs for verdicts after REVIEW_S, here one minute), and a
 * shopper's cart can be read until then but not after. */
static void test_memory_bounded_over_many_shoppers(void **state) {
  (void)state;
  static const rf_plate_delta take[] = {{"A1", -540.5}};
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, 0);
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, store(), &a), RF_OK);
  assert_int_equal(rf_engine_param_set(e, RF_PARAM_REVIEW_S, 60.0), RF_OK);
  tally t = {0, 0, 0};
  rf_engine_set_output(e, tally_one_tea_each, &t);
  const rf_time_us every = 20 * SEC;
  const rf_time_us horizon = (rf_time_us)llround(rf_engine_param_get(e, RF_PARAM_REVISION_S) * 1e6);
  long live_at_50 = 0;
  int64_t qty[N_PRODUCTS];
  for (int i = 0; i < 400; ++i) {
    char id[16];
    snprintf(id, sizeof id, "S%d", i);
    rf_time_us t0 = i * every;
    rf_record r[] = {enter(t0, id), hand(id, "A", t0 + 1 * SEC, t0 + 2 * SEC),
                     delta("A", t0 + 1200 * MS, t0 + 1600 * MS, take, 1), leave(t0 + 5 * SEC, id)};
    for (size_t k = 0; k < 4; ++k) assert_int_equal(rf_engine_push(e, &r[k]), RF_OK);
    if (i == 50) live_at_50 = st.live;
  }
  /* The last shopper's receipt is out; their cart stays readable through the horizon. */
  const rf_time_us last_exit = 399 * every + 5 * SEC;
  assert_int_equal(rf_engine_advance(e, last_exit + W + horizon - 1 * SEC), RF_OK);
  assert_int_equal(t.diffs, 400);
  assert_int_equal(t.receipts, 400);
  assert_int_equal(t.wrong, 0);
  assert_int_equal(rf_engine_cart(e, "S399", qty), RF_OK);
  assert_int_equal(qty[P_TEA1], 1);
  assert_int_equal(rf_engine_cart(e, "S0", qty), RF_ENOTFOUND);
  assert_true(live_at_50 > 0);
  assert_true(st.live <= live_at_50);
  /* Past it, the shopper is forgotten; the same id entering again starts an empty cart. */
  assert_int_equal(rf_engine_advance(e, last_exit + W + horizon + 1 * SEC), RF_OK);
  assert_int_equal(rf_engine_cart(e, "S399", qty), RF_ENOTFOUND);
  rf_record again = enter(last_exit + W + horizon + 2 * SEC, "S399");
  assert_int_equal(rf_engine_push(e, &again), RF_OK);
  assert_int_equal(rf_engine_cart(e, "S399", qty), RF_OK);
  for (int p = 0; p < N_PRODUCTS; ++p) assert_int_equal(qty[p], 0);
  rf_engine_free(e);
  assert_int_equal(st.live, 0);
}

/* ==== refused pushes ========================================================================== */

/* A valid run (every input kind) to insert bad records into. */
enum { GOOD_LEN = 16 };
static const rf_plate_delta good_a[] = {{"A3", -300.2}, {"A4", -240.3}};
static const rf_plate_delta good_b[] = {{"B1", -250.1}};
static const rf_plate_delta good_back[] = {{"B4", 540.5}};

static void good_run(rf_record *r) {
  size_t n = 0;
  r[n++] = enter(0, "S1");
  r[n++] = enter(0, "S2");
  r[n++] = enter(0, "S3");
  r[n++] = link_to(100 * MS, "S3", "S2");
  r[n++] = position(500 * MS, "S1", 0.2, 0.5);
  r[n++] = hand("S1", "A", 1 * SEC, 2 * SEC);
  r[n++] = delta("A", 1200 * MS, 1600 * MS, good_a, 2);
  r[n++] = hand("S3", "B", 1100 * MS, 2100 * MS);
  r[n++] = delta("B", 1300 * MS, 1700 * MS, good_b, 1);
  r[n++] = hand(NULL, "B", 5 * SEC, 5500 * MS);
  r[n++] = hand("S1", "B", 6 * SEC, 7 * SEC);
  r[n++] = delta("B", 6200 * MS, 6600 * MS, good_back, 1);
  r[n++] = leave(8 * SEC, "S1");
  r[n++] = leave(9 * SEC, "S3");
  r[n++] = leave(10 * SEC, "S2");
  r[n++] = position(11 * SEC, "S2", 1.0, 1.0); /* after exit: still a known shopper */
  assert_int_equal(n, GOOD_LEN);
}

/* An engine for the refusal cases: no allowed delays, so the clock is the least latest time of
 * the sources (easy to follow by hand), and a lateness of 0.5 s. */
static eng *eng_open_strict_clock(void) {
  eng *x = eng_open();
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_SHELVES_DELAY_S, 0), RF_OK);
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_CAMERAS_DELAY_S, 0), RF_OK);
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_TRACKER_DELAY_S, 0), RF_OK);
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_LATENESS_S, 0.5), RF_OK);
  return x;
}

typedef struct bad_case {
  const char *what;
  size_t at;
  rf_record rec;
  int code;        /* RF_SETASIDE, or the error a host's bug gets */
  int reason;      /* with RF_SETASIDE */
  const char *msg; /* the exact message */
  int used;        /* set aside, yet used (an anonymous hand): the output may change */
} bad_case;

/* Runs the good records into x, inserting the bad one before record `at` (GOOD_LEN: after the
 * last); it must get its code, reason and message, and make no output; then finishes. */
static void run_with_refusal(eng *x, const bad_case *bad) {
  rf_record r[GOOD_LEN];
  good_run(r);
  for (size_t i = 0; i <= GOOD_LEN; ++i) {
    if (bad != NULL && i == bad->at) {
      size_t before = x->out.count;
      int rc = rf_engine_push(x->e, &bad->rec);
      if (rc != bad->code)
        fail_msg("%s, before record %zu: got %s (%s), wanted %s", g_context, i, rf_err_name(rc),
                 rf_engine_errmsg(x->e), rf_err_name(bad->code));
      assert_int_equal(rf_engine_setaside_reason(x->e), rc == RF_SETASIDE ? bad->reason : -1);
      assert_string_equal(rf_engine_errmsg(x->e), bad->msg);
      drain(x);
      /* A record set aside makes no output; an anonymous hand may move the clock. */
      if (!bad->used) assert_int_equal(x->out.count, before);
    }
    if (i < GOOD_LEN) push(x, r[i]);
  }
  finish(x);
}

/* The stats after a run with one bad record: taken and set aside as they should be. */
static void assert_counted(eng *x, const bad_case *bad) {
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_OK);
  int aside = bad->code == RF_SETASIDE;
  assert_int_equal(st.taken, GOOD_LEN + (uint64_t)bad->used);
  assert_int_equal(st.set_aside, (uint64_t)aside);
  for (int k = 0; k < RF_SETASIDE_REASON_COUNT; ++k)
    assert_int_equal(st.by_reason[k], (uint64_t)(aside && k == bad->reason));
}

static const double samples_g[] = {1000.0, 1000.1};
static const rf_plate_delta unknown_plate[] = {{"A3", -300.0}, {"A9", -240.0}};
static const rf_plate_delta foreign_plate[] = {{"A3", -300.0}, {"B2", -240.0}};
static const rf_plate_delta nan_plate[] = {{"A3", NAN}};

static rf_record samples_rec(const char *plate, int64_t dt_us, const double *g, size_t count) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_SAMPLES;
  r.u.samples.plate = plate;
  r.u.samples.t = 1 * SEC;
  r.u.samples.dt_us = dt_us;
  r.u.samples.g = g;
  r.u.samples.count = count;
  return r;
}

#define ASIDE(reason) RF_SETASIDE, RF_SETASIDE_##reason

enum { MOST_BAD_CASES = 64 };

/* Each kind of record that cannot be used, where in the good run it goes, and what it gets. */
static size_t bad_cases(bad_case *out) {
  const bad_case cases[] = {
      {"samples, unknown plate", 6, samples_rec("A9", 16667, samples_g, 2), ASIDE(UNKNOWN_PLATE),
       "samples: plate 'A9' is not in the store", 0},
      {"samples, no dt", 6, samples_rec("A1", 0, samples_g, 2), ASIDE(BAD_NUMBER),
       "samples: field 'dt_us' must be positive", 0},
      {"samples, none", 6, samples_rec("A1", 16667, samples_g, 0), RF_EINVAL, -1,
       "samples: no readings", 0},
      {"delta, unknown shelf", 6, delta("Z", 1200 * MS, 1600 * MS, good_a, 2), ASIDE(UNKNOWN_SHELF),
       "delta: shelf 'Z' is not in the store", 0},
      {"delta, unknown plate", 6, delta("A", 1200 * MS, 1600 * MS, unknown_plate, 2),
       ASIDE(UNKNOWN_PLATE), "delta: plate 'A9' is not in the store", 0},
      {"delta, plate of another shelf", 6, delta("A", 1200 * MS, 1600 * MS, foreign_plate, 2),
       ASIDE(UNKNOWN_PLATE), "delta: plate 'B2' is not on the delta's shelf", 0},
      {"delta, NaN", 6, delta("A", 1200 * MS, 1600 * MS, nan_plate, 1), ASIDE(BAD_NUMBER),
       "delta: field 'plates' holds a change not finite or beyond 1e7 g", 0},
      {"delta, times out of order", 6, delta("A", 1600 * MS, 1200 * MS, good_a, 2),
       ASIDE(BAD_NUMBER), "delta: field 't1' is before t0", 0},
      {"delta, beyond the time range", 6, delta("A", 0, RF_TIME_LIMIT_US + 1, good_a, 2),
       ASIDE(BAD_NUMBER), "delta: field 't1' is beyond the time range (2^52 us)", 0},
      /* Records far ahead of the clock that are set aside must not move it (else later records
       * would be late). */
      {"hand, unknown shelf", 6, hand("S1", "Q", 30 * SEC, 31 * SEC), ASIDE(UNKNOWN_SHELF),
       "hand: shelf 'Q' is not in the store", 0},
      {"delta far ahead, unknown plate", 6, delta("A", 30 * SEC, 31 * SEC, unknown_plate, 2),
       ASIDE(UNKNOWN_PLATE), "delta: plate 'A9' is not in the store", 0},
      {"enter twice, far ahead", 6, enter(40 * SEC, "S2"), ASIDE(ALREADY_IN),
       "enter: shopper 'S2' is already in the store", 0},
      /* A hand naming a shopper not in the store is used as an anonymous visit. */
      {"hand, unknown shopper", 15, hand("S9", "A", 17 * SEC, 18 * SEC), ASIDE(UNKNOWN_SHOPPER),
       "hand: shopper 'S9' is not in the store (used as an anonymous visit)", 1},
      {"hand, shopper gone", 15, hand("S1", "A", 17 * SEC, 18 * SEC), ASIDE(UNKNOWN_SHOPPER),
       "hand: shopper 'S1' is not in the store (used as an anonymous visit)", 1},
      {"exit, unknown shopper", 6, leave(1 * SEC, "S9"), ASIDE(NOT_IN),
       "exit: shopper 'S9' is not in the store", 0},
      {"link, unknown shopper", 6, link_to(1 * SEC, "S9", "S1"), ASIDE(NOT_IN),
       "link: shopper 'S9' is not in the store", 0},
      {"link, unknown cart", 6, link_to(1 * SEC, "S1", "S9"), ASIDE(UNKNOWN_CART),
       "link: cart 'S9' is not in the store", 0},
      {"position, unknown shopper", 6, position(1 * SEC, "S9", 0, 0), ASIDE(UNKNOWN_SHOPPER),
       "position: shopper 'S9' is not in the store", 0},
      {"position, NaN", 6, position(1 * SEC, "S1", NAN, 0), ASIDE(BAD_NUMBER),
       "position: field 'x' is not finite", 0},
      {"hand, conf above 1", 6, hand("S1", "A", 1 * SEC, 2 * SEC), ASIDE(BAD_NUMBER),
       "hand: field 'conf' is not in [0, 1]", 0},
      {"enter twice", 6, enter(1 * SEC, "S1"), ASIDE(ALREADY_IN),
       "enter: shopper 'S1' is already in the store", 0},
      {"enter twice, member", 9, enter(1 * SEC, "S3"), ASIDE(ALREADY_IN),
       "enter: shopper 'S3' is already in the store", 0},
      {"exit twice", 13, leave(8500 * MS, "S1"), ASIDE(NOT_IN),
       "exit: shopper 'S1' is not in the store", 0},
      {"exit twice, owner", 15, leave(10500 * MS, "S2"), ASIDE(NOT_IN),
       "exit: shopper 'S2' is not in the store", 0},
      {"exit twice, member", 15, leave(10500 * MS, "S3"), ASIDE(NOT_IN),
       "exit: shopper 'S3' is not in the store", 0},
      /* Before record 10 the clock is at 0.5 s (the tracker's position): a hand ending before
       * 0 s is more than the lateness behind. */
      {"late hand", 10, hand("S1", "A", -1 * SEC, -1), ASIDE(LATE),
       "hand at -0.000001 s is more than 0.500 s behind the clock (0.500000 s)", 0},
      {"late delta", 12, delta("A", -2 * SEC, -1 * SEC, good_a, 2), ASIDE(LATE),
       "delta at -1.000000 s is more than 0.500 s behind the clock (0.500000 s)", 0},
      /* Before record 15 the clock is at 6.6 s (the shelves' last change). */
      {"late enter", 15, enter(6 * SEC, "S4"), ASIDE(LATE),
       "enter at 6.000000 s is more than 0.500 s behind the clock (6.600000 s)", 0},
      /* The same record twice: the copy is dropped. */
      {"duplicate delta", 7, delta("A", 1200 * MS, 1600 * MS, good_a, 2), ASIDE(DUPLICATE),
       "delta: the same record again", 0},
      {"product record", 6, shopper_record(RF_RECORD_PRODUCT, 0, "x"), RF_EINVAL, -1,
       "product is not an input event", 0},
      {"shelf record", 6, shopper_record(RF_RECORD_SHELF, 0, "x"), RF_EINVAL, -1,
       "shelf is not an input event", 0},
      {"facing record", 6, shopper_record(RF_RECORD_FACING, 0, "x"), RF_EINVAL, -1,
       "facing is not an input event", 0},
      /* Cameras and zones describe the store as products do (the zone detector's, not the
       * engine's). */
      {"camera record", 6, shopper_record(RF_RECORD_CAMERA, 0, "x"), RF_EINVAL, -1,
       "camera is not an input event", 0},
      {"zone record", 6, shopper_record(RF_RECORD_ZONE, 0, "x"), RF_EINVAL, -1,
       "zone is not an input event", 0},
      {"diff record", 6, shopper_record(RF_RECORD_DIFF, 0, "x"), RF_EINVAL, -1,
       "diff is not an input event", 0},
      {"receipt record", 6, shopper_record(RF_RECORD_RECEIPT, 0, "x"), RF_EINVAL, -1,
       "receipt is not an input event", 0},
      {"truth record", 6, shopper_record(RF_RECORD_TRUTH, 0, "x"), RF_EINVAL, -1,
       "truth is not an input event", 0},
      {"type out of range", 6, shopper_record((rf_record_type)RF_RECORD_TYPE_COUNT, 0, "x"),
       RF_EINVAL, -1, "record is not an input event", 0},
      {"type way out of range", 6, shopper_record((rf_record_type)-3, 0, "x"), RF_EINVAL, -1,
       "record is not an input event", 0},
  };
  assert_true(sizeof cases / sizeof cases[0] <= MOST_BAD_CASES);
  memcpy(out, cases, sizeof cases);
  return sizeof cases / sizeof cases[0];
}

static void test_refusals_change_nothing(void **state) {
  (void)state;
  eng *clean = eng_open_strict_clock();
  run_with_refusal(clean, NULL);
  /* The clean run itself: S1's tea, S3's crisps into S2's cart, S1's tea put back elsewhere
   * (decided at the end, as S1's receipt waits for it). */
  assert_int_equal(clean->out.count, 5);
  assert_diff(clean, 0, 0, 1600 * MS + W, "S1", "TEA2", 1, 0, 0);
  assert_diff(clean, 1, 1, 1700 * MS + W, "S2", "CRISPS", 1, 1, 0);
  assert_diff(clean, 2, 2, 6600 * MS + W, "S1", "TEA2", -1, 2, 0);
  assert_receipt(clean, 3, 8 * SEC + W, "S1", NO_ITEMS);
  assert_receipt(clean, 4, 10 * SEC + W, "S2", ITEMS({"CRISPS", 1}));

  bad_case cases[MOST_BAD_CASES];
  size_t n_cases = bad_cases(cases);
  for (size_t k = 0; k < n_cases; ++k) {
    g_context = cases[k].what;
    eng *x = eng_open_strict_clock();
    bad_case c = cases[k];
    if (strcmp(c.what, "hand, conf above 1") == 0)
      c.rec.u.hand.has_conf = 1, c.rec.u.hand.conf = 1.5;
    run_with_refusal(x, &c);
    assert_counted(x, &c);
    /* A hand used as anonymous moves the cameras' clock, and with it when (so with what known)
     * decisions are made: its run is not compared. */
    if (c.used) {
      eng_close(x);
      continue;
    }
    if (x->out.count != clean->out.count ||
        memcmp(x->out.rec, clean->out.rec, x->out.count * sizeof x->out.rec[0]) != 0)
      print_error("after refusing %s:\n", c.what);
    assert_same_output(&clean->out, &x->out);
    eng_close(x);
  }
  g_context = "";

  /* The late hand above: at record 10 the clock is at 0.5 s; a hand ending at 0 s is 0.5 s
   * behind (taken), one ending before that is more (set aside). Check the edge here. */
  eng *y = eng_open_strict_clock();
  rf_record r[GOOD_LEN];
  good_run(r);
  for (size_t i = 0; i < 9; ++i) push(y, r[i]);
  rf_record edge = hand("S2", "B", -100 * MS, 0);
  assert_int_equal(rf_engine_push(y->e, &edge), RF_OK);
  edge = hand("S2", "B", -100 * MS, -1);
  assert_int_equal(rf_engine_push(y->e, &edge), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(y->e), RF_SETASIDE_LATE);
}

/* ==== sources and the clock ====================================================================
 */

static rf_engine_stats stats_of(eng *x) {
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(x->e, &st), RF_OK);
  return st;
}

static rf_engine_source_stats source_of(eng *x, size_t i) {
  rf_engine_source_stats st = {.version = RF_ENGINE_SOURCE_STATS_VERSION};
  assert_int_equal(rf_engine_get_source_stats(x->e, i, &st), RF_OK);
  return st;
}

static rf_record from(const char *source, rf_record r) {
  r.source = source;
  return r;
}

/* The clock is the least, over live sources, of (latest time - allowed delay): the defaults
 * (shelves 1 s, cameras 5 s, tracker 2 s), a delay set by name, and never backwards. */
static void test_clock_is_the_sources_watermark(void **state) {
  (void)state;
  eng *x = eng_open();
  assert_int_equal(rf_engine_source_delay(x->e, "cam-1", 3.0), RF_OK);
  push(x, enter(0, "S1"));
  assert_int_equal(stats_of(x).clock, -2 * SEC);
  push_delta1(x, "A", 1000 * MS, 1400 * MS, "A1", -540.5);
  assert_int_equal(stats_of(x).clock, -2 * SEC); /* the tracker holds it: 0 - 2 s */
  push(x, position(4 * SEC, "S1", 0.5, 0.5));
  assert_int_equal(stats_of(x).clock, 400 * MS); /* now the shelves: 1.4 - 1 s */
  push(x, from("cam-1", hand("S1", "A", 900 * MS, 1500 * MS)));
  assert_int_equal(stats_of(x).clock, 400 * MS); /* cam-1 is at 1.5 - 3 s, behind the clock */
  assert_int_equal(stats_of(x).sources, 3);
  rf_engine_source_stats cam = source_of(x, 0); /* named first, by its delay */
  assert_string_equal(cam.name, "cam-1");
  assert_true(cam.delay_s == 3.0 && cam.records == 1 && cam.last_t == 1500 * MS && !cam.stale);
  /* It arrived 2.5 s behind the latest time seen (the position at 4 s). */
  assert_true(cam.delay_p50_s <= 2.5 && cam.delay_p50_s > 2.5 * 15 / 16);
  assert_string_equal(source_of(x, 1).name, "tracker");
  assert_string_equal(source_of(x, 2).name, "shelves");
  assert_true(source_of(x, 1).delay_s == 2.0 && source_of(x, 2).delay_s == 1.0);
  rf_engine_source_stats none = {.version = RF_ENGINE_SOURCE_STATS_VERSION};
  assert_int_equal(rf_engine_get_source_stats(x->e, 3, &none), RF_ERANGE);
  none.version = 0;
  assert_int_equal(rf_engine_get_source_stats(x->e, 0, &none), RF_EVERSION);
  assert_int_equal(rf_engine_source_delay(x->e, "cam-2", 61.0), RF_ERANGE);
  assert_int_equal(rf_engine_source_delay(x->e, "", 1.0), RF_EINVAL);
  /* The change waits for the clock to pass 1.4 + W: the slowest source holds it back. */
  push(x, position(9 * SEC, "S1", 0.5, 0.5));
  push(x, from("cam-1", hand(NULL, "B", 11 * SEC, 11 * SEC)));
  assert_int_equal(stats_of(x).clock, 400 * MS); /* the shelves, silent 9.6 s, still hold it */
  push(x, from("cam-1", hand(NULL, "B", 12 * SEC, 12 * SEC)));
  assert_int_equal(stats_of(x).clock, 7 * SEC); /* tracker 9 - 2 s; the shelves are stale */
  assert_int_equal(x->out.count, 0);
  assert_int_equal(push(x, position(1400 * MS + W + 2 * SEC, "S1", 0.5, 0.5)), 1);
  assert_diff(x, 0, 0, 1400 * MS + W, "S1", "TEA1", 1, 0, 0);
}

typedef struct source_log {
  int count;
  char name[8][16];
  int stale[8];
  rf_time_us t[8];
} source_log;

static void log_source(const char *source, int stale, rf_time_us t, void *payload) {
  source_log *log = payload;
  if (log->count == 8) return;
  snprintf(log->name[log->count], sizeof log->name[0], "%s", source);
  log->stale[log->count] = stale;
  log->t[log->count++] = t;
}

/* A camera silent for more than SOURCE_TIMEOUT_S of the others' time is stale: the host is
 * told, decisions go on without it; when it sends again it is live, and its records that came
 * too late are set aside as late. */
static void test_stale_source_and_recovery(void **state) {
  (void)state;
  eng *x = eng_open();
  source_log log;
  memset(&log, 0, sizeof log);
  rf_engine_set_source_output(x->e, log_source, &log);
  push(x, enter(0, "S1"));
  push(x, from("cam-1", hand("S1", "A", 900 * MS, 1500 * MS)));
  push_delta1(x, "A", 1000 * MS, 1400 * MS, "A1", -540.5);
  /* The tracker goes on; cam-1 and the shelves say nothing for 10 s and more. */
  for (int s = 2; s <= 11; ++s) push(x, position(s * SEC, "S1", 0.5, 0.5));
  assert_int_equal(log.count, 0);
  assert_int_equal(x->out.count, 0);             /* cam-1, at 1.5 - 5 s, holds the clock back */
  push(x, position(11500 * MS, "S1", 0.5, 0.5)); /* the shelves: 11.5 - 1.4 > 10 s */
  assert_int_equal(log.count, 1);
  assert_string_equal(log.name[0], "shelves");
  assert_int_equal(x->out.count, 0);
  rf_record copy = position(11500 * MS, "S1", 0.5, 0.5);
  assert_int_equal(rf_engine_push(x->e, &copy), RF_SETASIDE);
  push(x, position(11600 * MS, "S1", 0.5, 0.5)); /* cam-1: 11.6 - 1.5 > 10 s */
  assert_int_equal(log.count, 2);
  assert_string_equal(log.name[1], "cam-1");
  assert_int_equal(log.stale[1], 1);
  assert_int_equal(log.t[1], 11600 * MS);
  assert_true(source_of(x, 1).stale && source_of(x, 1).went_stale == 1);
  /* The clock is the tracker's now, 11.6 - 2 s: the change is decided without cam-1. */
  assert_int_equal(stats_of(x).clock, 9600 * MS);
  assert_int_equal(x->out.count, 1);
  assert_diff(x, 0, 0, 1400 * MS + W, "S1", "TEA1", 1, 0, 0);
  /* cam-1 comes back: live again, the host told; a record far behind the clock is set aside. */
  push(x, from("cam-1", hand(NULL, "B", 12500 * MS, 13 * SEC)));
  assert_int_equal(log.count, 3);
  assert_string_equal(log.name[2], "cam-1");
  assert_int_equal(log.stale[2], 0);
  assert_false(source_of(x, 1).stale);
  assert_true(source_of(x, 2).stale); /* the shelves still are */
  rf_record old = from("cam-1", hand("S1", "B", 2 * SEC, 3 * SEC));
  assert_int_equal(rf_engine_push(x->e, &old), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_LATE);
  rf_engine_stats st = stats_of(x);
  assert_int_equal(st.by_reason[RF_SETASIDE_LATE], 1);
  assert_int_equal(st.set_aside, 2); /* and the copy of the position at 11.5 s */
  assert_int_equal(st.by_reason[RF_SETASIDE_DUPLICATE], 1);
}

/* A record delivered twice is dropped the second time: by its source, seq and end time when it
 * has a seq (whatever else it says), by its content otherwise; the same content from another
 * source, or with another seq, is another record, and so is one under a number its source used
 * before at another time (the source restarted its count). */
static void test_duplicates(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  rf_record h = from("cam-1", hand("S1", "A", 900 * MS, 1500 * MS));
  h.has_seq = 1;
  h.seq = 7;
  push(x, h);
  rf_record again = h;
  again.u.hand.x = 0.3; /* the same number at the same time: the number decides */
  again.u.hand.has_x = 1;
  assert_int_equal(rf_engine_push(x->e, &again), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_DUPLICATE);
  assert_string_equal(rf_engine_errmsg(x->e), "hand: the same record again");
  again.seq = 8;
  assert_int_equal(rf_engine_push(x->e, &again), RF_OK);
  rf_record restarted = h;
  restarted.u.hand.t0 += 2 * SEC, restarted.u.hand.t1 += 2 * SEC;
  assert_int_equal(rf_engine_push(x->e, &restarted), RF_OK);
  rf_record plain = hand("S1", "B", 900 * MS, 1500 * MS);
  push(x, plain);
  assert_int_equal(rf_engine_push(x->e, &plain), RF_SETASIDE);
  push(x, from("cam-2", plain)); /* another camera saw the same */
  rf_engine_stats st = stats_of(x);
  assert_int_equal(st.taken, 6);
  assert_int_equal(st.set_aside, 2);
  assert_int_equal(st.by_reason[RF_SETASIDE_DUPLICATE], 2);
  assert_int_equal(source_of(x, 1).records, 4); /* cam-1: copies are counted as received */
}

/* A camera back from an outage: its hand visit comes after the take it bears on was decided
 * without it (between two shoppers, a toss-up). Too late for the open changes, it still corrects
 * that decision: undo and redo naming the diff, the hand's shopper now the likelier. One that
 * says nothing new (the shopper already charged) is set aside as late. */
static void test_late_hand_corrects_a_decision(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  push_delta1(x, "A", 1000 * MS, 1400 * MS, "A1", -540.5);
  assert_int_equal(advance(x, 1400 * MS + W), 1);
  const char *chosen = x->out.rec[0].shopper, *other = strcmp(chosen, "S1") == 0 ? "S2" : "S1";
  assert_int_equal(x->out.rec[0].review, 1);
  assert_int_equal(advance(x, 20 * SEC), 1);
  rf_record same = hand(chosen, "A", 900 * MS, 1500 * MS);
  assert_int_equal(rf_engine_push(x->e, &same), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_LATE);
  rf_record late = hand(other, "A", 900 * MS, 1450 * MS);
  assert_int_equal(push(x, late), 3);
  /* 0.5 for each before; the hand (its shopper's reach, or a browse) makes it about 0.8. */
  const char *who[2] = {chosen, other};
  for (size_t i = 1; i <= 2; ++i) {
    const out_rec *o = &x->out.rec[i];
    assert_int_equal(o->seq, (int64_t)i);
    assert_int_equal(o->t, 20 * SEC);
    assert_string_equal(o->shopper, who[i - 1]);
    assert_string_equal(o->sku, "TEA1");
    assert_int_equal(o->qty, i == 1 ? -1 : 1);
    assert_int_equal(o->event, 0);
    assert_true(o->has_corrects && o->corrects == 0);
    assert_true(o->conf == 0.7965 && o->review == 1);
  }
  rf_engine_stats st = stats_of(x);
  assert_int_equal(st.corrections, 2);
  assert_int_equal(st.late_used, 1);
  assert_int_equal(st.by_reason[RF_SETASIDE_LATE], 1);
}

/* ==== learning the store's nuisance rates ===================================================== */

/* n takes of a tea from shelf A, 20 s apart; named: each with a hand naming S1 (S1 is placed at
 * shelf B, 6 m away, and S2 at A, before each); else no hand at all. wrong_id >= 0: the host
 * sets WRONG_ID_RATE to it first. */
static eng *takes_for_learning(int n, int named, int learn, double wrong_id) {
  eng *x = eng_open();
  if (wrong_id >= 0)
    assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_WRONG_ID_RATE, wrong_id), RF_OK);
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_LEARN, learn), RF_OK);
  push(x, enter(0, "S1"));
  push(x, enter(0, "S2"));
  for (int k = 0; k < n; ++k) {
    rf_time_us t = (rf_time_us)k * 20 * SEC + SEC;
    if (named) {
      push(x, position(t, "S1", 6.0, 0.5));
      push(x, position(t, "S2", 0.1, 0.5));
      push(x, hand("S1", "A", t, t + SEC));
    }
    push_delta1(x, "A", t + 200 * MS, t + 600 * MS, "A1", -540.5);
    x->out.count = 0; /* the diffs are not what is looked at */
  }
  advance(x, (rf_time_us)n * 20 * SEC + 2 * W);
  return x;
}

/* Takes nobody's hand was seen in teach that the cameras miss reaches: the rate climbs from
 * its prior 0.05 by the posterior mean (prior worth 200 observations), once 50 are seen. */
static void test_learns_missed_hand_rate(void **state) {
  (void)state;
  eng *few = takes_for_learning(40, 0, 1, -1), *many = takes_for_learning(100, 0, 1, -1);
  assert_true(rf_engine_param_get(few->e, RF_PARAM_MISSED_HAND_RATE) == 0.05);
  double learnt = rf_engine_param_get(many->e, RF_PARAM_MISSED_HAND_RATE);
  assert_true(fabs(learnt - (200 * 0.05 + 99) / (200 + 99)) < 0.01); /* the last still waits */
  eng *off = takes_for_learning(100, 0, 0, -1);
  assert_true(rf_engine_param_get(off->e, RF_PARAM_MISSED_HAND_RATE) == 0.05);
  assert_true(rf_engine_param_get(many->e, RF_PARAM_WRONG_ID_RATE) == 0.02); /* no names seen */
}

/* Named hands whose shopper stood 6 m away while another stood at the shelf teach that names
 * are wrong more often; a rate the host set is kept. */
static void test_learns_wrong_id_rate(void **state) {
  (void)state;
  eng *x = takes_for_learning(100, 1, 1, -1);
  double learnt = rf_engine_param_get(x->e, RF_PARAM_WRONG_ID_RATE);
  print_message("wrong id rate learnt: %.4f\n", learnt);
  assert_true(learnt > 0.2);
  eng *fixed = takes_for_learning(100, 1, 1, 0.03);
  assert_true(rf_engine_param_get(fixed->e, RF_PARAM_WRONG_ID_RATE) == 0.03);
  assert_true(rf_engine_param_get(fixed->e, RF_PARAM_MISSED_HAND_RATE) != 0.05); /* learnt */
}

/* The per-event path allocates only while the store is busier than it has been: a steady stream
 * of takes, hands, positions (and the duplicate prints and hands they leave, forgotten as they
 * age) allocates nothing once warm. */
static void test_steady_stream_allocates_nothing(void **state) {
  (void)state;
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, 0);
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, store(), &a), RF_OK);
  /* The book of diffs for verdicts keeps a minute of them: it stops growing too. */
  assert_int_equal(rf_engine_param_set(e, RF_PARAM_REVIEW_S, 60.0), RF_OK);
  static sink out;
  memset(&out, 0, sizeof out);
  rf_engine_set_output(e, sink_collect, &out);
  static const rf_plate_delta take[] = {{"A1", -540.5}};
  long warm = 0;
  rf_record r = enter(0, "S1");
  assert_int_equal(rf_engine_push(e, &r), RF_OK);
  for (int k = 0; k < 4000; ++k) {
    rf_time_us t = (rf_time_us)k * 2 * SEC;
    rf_record recs[3] = {position(t, "S1", 0.2, 0.5), hand("S1", "A", t + 100 * MS, t + 600 * MS),
                         delta("A", t + 200 * MS, t + 500 * MS, take, 1)};
    for (int i = 0; i < 3; ++i) assert_int_equal(rf_engine_push(e, &recs[i]), RF_OK);
    out.count = 0;
    if (k == 1000) warm = st.calls;
  }
  assert_int_equal(st.calls, warm);
  rf_engine_free(e);
  assert_int_equal(st.live, 0);
}

/* An exit (or link) dated before the shopper's enter is no exit: set aside, the shopper stays in.
 */
static void test_exit_before_enter(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(10 * SEC, "S1"));
  rf_record early = leave(9500 * MS, "S1");
  assert_int_equal(rf_engine_push(x->e, &early), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_NOT_IN);
  assert_string_equal(rf_engine_errmsg(x->e), "exit: shopper 'S1' is not in the store");
  rf_record link = link_to(9 * SEC, "S1", "S1");
  assert_int_equal(rf_engine_push(x->e, &link), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_NOT_IN);
  push(x, leave(12 * SEC, "S1"));
  assert_int_equal(finish(x), 1);
  assert_receipt(x, 0, 12 * SEC + W, "S1", NO_ITEMS);
}

/* A source is made by a record of it that is used: records set aside, from however many names,
 * make none (they cannot fill the engine), and their prints age out with the clock. */
static void test_set_aside_records_make_no_source(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  char name[32];
  for (int k = 0; k < 500; ++k) {
    snprintf(name, sizeof name, "cam-%d", k);
    rf_record stray = from(name, hand("S1", "NOPE", k * MS, k * MS + 1));
    assert_int_equal(rf_engine_push(x->e, &stray), RF_SETASIDE);
    assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_UNKNOWN_SHELF);
  }
  rf_engine_stats st = stats_of(x);
  assert_int_equal(st.sources, 1); /* the tracker */
  assert_int_equal(st.by_reason[RF_SETASIDE_UNKNOWN_SHELF], 500);
  /* Once one of its records is taken, a source is known with its kind's delay. */
  push(x, from("cam-7", hand("S1", "A", 1 * SEC, 2 * SEC)));
  assert_int_equal(stats_of(x).sources, 2);
  assert_true(source_of(x, 1).delay_s == 5.0 && source_of(x, 1).records == 1);
}

/* A hand naming a shopper the tracker does not know (or one who left) is used as an anonymous
 * visit: the change goes to the shopper standing there. */
static void test_stray_hand_used_as_anonymous(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  push(x, position(500 * MS, "S1", 0.3, 0.6));
  rf_record stray = hand("S7", "A", 900 * MS, 1500 * MS);
  assert_int_equal(rf_engine_push(x->e, &stray), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_UNKNOWN_SHOPPER);
  push_delta1(x, "A", 1000 * MS, 1400 * MS, "A1", -540.5);
  finish(x);
  assert_int_equal(x->out.count, 1);
  assert_diff(x, 0, 0, 1400 * MS + W, "S1", "TEA1", 1, 0, 0);
  rf_engine_stats st = stats_of(x);
  assert_int_equal(st.taken, 4);
  assert_int_equal(st.by_reason[RF_SETASIDE_UNKNOWN_SHOPPER], 1);
  assert_int_equal(st.decisions, 1);
  assert_int_equal(st.diffs, 1);
}

/* The per-kind push functions are rf_engine_push with the record built for the caller: the good
 * run pushed through them gives the same output, and a NULL event is refused. */
static int push_by_kind(rf_engine *e, const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_ENTER: return rf_engine_push_enter(e, &r->u.enter);
    case RF_RECORD_EXIT: return rf_engine_push_exit(e, &r->u.exit);
    case RF_RECORD_LINK: return rf_engine_push_link(e, &r->u.link);
    case RF_RECORD_POSITION: return rf_engine_push_position(e, &r->u.position);
    case RF_RECORD_DELTA: return rf_engine_push_delta(e, &r->u.delta);
    case RF_RECORD_HAND: return rf_engine_push_hand(e, &r->u.hand);
    case RF_RECORD_SAMPLES: return rf_engine_push_samples(e, &r->u.samples);
    default: return -1;
  }
}

static void test_push_per_kind(void **state) {
  (void)state;
  eng *generic = eng_open(), *by_kind = eng_open();
  rf_record r[GOOD_LEN];
  good_run(r);
  for (size_t i = 0; i < GOOD_LEN; ++i) {
    push(generic, r[i]);
    assert_int_equal(push_by_kind(by_kind->e, &r[i]), RF_OK);
  }
  finish(generic);
  finish(by_kind);
  assert_int_equal(generic->out.count, 5);
  assert_same_output(&generic->out, &by_kind->out);

  assert_int_equal(rf_engine_push_enter(by_kind->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_push_exit(by_kind->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_push_link(by_kind->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_push_position(by_kind->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_push_delta(by_kind->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_push_hand(by_kind->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_push_samples(by_kind->e, NULL), RF_EINVAL);
  rf_record late = enter(-60 * SEC, "S9"); /* a per-kind push sets aside as the generic one */
  assert_int_equal(rf_engine_push_enter(by_kind->e, &late.u.enter), RF_SETASIDE);
  assert_int_equal(rf_engine_setaside_reason(by_kind->e), RF_SETASIDE_LATE);
}

/* NULL arguments everywhere. */
static void test_null_arguments(void **state) {
  (void)state;
  rf_engine *e = (rf_engine *)0x1;
  assert_int_equal(rf_engine_new(NULL, store(), NULL), RF_EINVAL);
  assert_int_equal(rf_engine_new(&e, NULL, NULL), RF_EINVAL);
  assert_null(e);
  rf_allocator half = {NULL, NULL, NULL, NULL};
  e = (rf_engine *)0x1;
  assert_int_equal(rf_engine_new(&e, store(), &half), RF_EINVAL);
  assert_null(e);
  rf_engine_free(NULL);

  rf_record r = enter(0, "S1");
  assert_int_equal(rf_engine_push(NULL, &r), RF_EINVAL);
  assert_int_equal(rf_engine_advance(NULL, 0), RF_EINVAL);
  assert_int_equal(rf_engine_finish(NULL), RF_EINVAL);
  rf_record out;
  assert_int_equal(rf_engine_poll(NULL, &out), RF_EINVAL);
  int64_t qty[N_PRODUCTS];
  assert_int_equal(rf_engine_cart(NULL, "S1", qty), RF_EINVAL);
  assert_string_equal(rf_engine_errmsg(NULL), "");
  assert_int_equal(rf_engine_param_set(NULL, RF_PARAM_LATENESS_S, 1.0), RF_EINVAL);
  assert_true(isnan(rf_engine_param_get(NULL, RF_PARAM_LATENESS_S)));
  rf_engine_set_output(NULL, sink_collect, NULL);

  eng *x = eng_open_mode(1);
  push(x, enter(0, "S1"));
  assert_int_equal(rf_engine_push(x->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_poll(x->e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_cart(x->e, NULL, qty), RF_EINVAL);
  assert_int_equal(rf_engine_cart(x->e, "S1", NULL), RF_EINVAL);
  assert_int_equal(rf_engine_poll(x->e, &out), RF_ITEROVER);
  /* Still working. */
  push(x, hand("S1", "A", 1 * SEC, 2 * SEC));
  push_delta1(x, "A", 1200 * MS, 1600 * MS, "A1", -540.0);
  assert_int_equal(finish(x), 1);
  assert_diff(x, 0, 0, 1600 * MS + W, "S1", "TEA1", 1, 0, 0);
}

/* A NULL id inside a record (other than a hand's anonymous shopper) names nobody: it should be
 * refused like an unknown id. */
static void test_null_ids_in_records(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  static const rf_plate_delta null_plate[] = {{NULL, -540.0}};
  rf_record shelfless = hand("S1", NULL, 0, 1);
  rf_record plateless = delta("A", 0, 1, null_plate, 1);
  int rc = rf_engine_push(x->e, &shelfless);
  assert_true(rc == RF_EINVAL || rc == RF_ENOTFOUND);
  rc = rf_engine_push(x->e, &plateless);
  assert_true(rc == RF_EINVAL || rc == RF_ENOTFOUND);
  /* Records with no shopper id are refused (they once crashed the engine: the id was hashed
   * without a NULL check). */
  const rf_record nulls[] = {enter(1, NULL), leave(1, NULL), link_to(1, NULL, "S1"),
                             link_to(1, "S1", NULL), position(1, NULL, 0, 0)};
  for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; ++i) {
    rc = rf_engine_push(x->e, &nulls[i]);
    assert_true(rc == RF_EINVAL || rc == RF_ENOTFOUND);
  }
}

/* What a record must not carry, though the engine takes it: NaN positions along the shelf, NaN
 * or out-of-range confidences, intervals that end before they start. The library's rule: "Bad input
 * (unknown ids, NaN, ...) is refused". */
static void test_unchecked_hand_and_interval(void **state) {
  (void)state;
  eng *x = eng_open();
  push(x, enter(0, "S1"));
  rf_record bad[5];
  bad[0] = hand_at("S1", "A", 1 * SEC, 2 * SEC, NAN);
  bad[1] = hand("S1", "A", 1 * SEC, 2 * SEC);
  bad[1].u.hand.has_conf = 1;
  bad[1].u.hand.conf = NAN;
  bad[2] = hand("S1", "A", 1 * SEC, 2 * SEC);
  bad[2].u.hand.has_conf = 1;
  bad[2].u.hand.conf = 1.5;
  bad[3] = hand("S1", "A", 2 * SEC, 1 * SEC);
  static const rf_plate_delta d[] = {{"A1", -540.0}};
  bad[4] = delta("A", 2 * SEC, 1 * SEC, d, 1);
  /* Each is set aside as a bad number, naming its field, and changes nothing. */
  const char *msg[5] = {"hand: field 'x' is not finite", "hand: field 'conf' is not in [0, 1]",
                        "hand: field 'conf' is not in [0, 1]", "hand: field 't1' is before t0",
                        "delta: field 't1' is before t0"};
  for (size_t i = 0; i < 5; ++i) {
    assert_int_equal(rf_engine_push(x->e, &bad[i]), RF_SETASIDE);
    assert_int_equal(rf_engine_setaside_reason(x->e), RF_SETASIDE_BAD_NUMBER);
    assert_string_equal(rf_engine_errmsg(x->e), msg[i]);
  }
  finish(x);
  assert_int_equal(x->out.count, 0);
}

/* ==== parameters ============================================================================== */

/* Whether the engine's segmenter takes `value` for `param` with its other parameters as they
 * are (loadcell.h: HOLD_S >= GROUP_S, MIN_G < MAX_G); 1 for every other parameter. */
static int loadcell_cross_ok(const rf_engine *e, rf_engine_param param, double value) {
  switch (param) {
    case RF_PARAM_LOADCELL_HOLD_S:
      return value >= rf_engine_param_get(e, RF_PARAM_LOADCELL_GROUP_S);
    case RF_PARAM_LOADCELL_GROUP_S:
      return value <= rf_engine_param_get(e, RF_PARAM_LOADCELL_HOLD_S);
    case RF_PARAM_LOADCELL_MIN_G: return value < rf_engine_param_get(e, RF_PARAM_LOADCELL_MAX_G);
    case RF_PARAM_LOADCELL_MAX_G: return value > rf_engine_param_get(e, RF_PARAM_LOADCELL_MIN_G);
    default: return 1;
  }
}

static void test_parameters(void **state) {
  (void)state;
  static const struct {
    const char *name;
    double def, min, max;
  } want[RF_PARAM_COUNT] = {
#define WANT(name, def, lo, hi, desc) {#name, def, lo, hi},
      RF_ENGINE_PARAM_MAP(WANT)
#undef WANT
#define WANT_LOADCELL(name, def, lo, hi, desc) {"LOADCELL_" #name, def, lo, hi},
          RF_LOADCELL_PARAM_MAP(WANT_LOADCELL)
#undef WANT_LOADCELL
  };
  assert_int_equal(RF_PARAM_LOADCELL_SETTLE_S + RF_LOADCELL_PARAM_COUNT, RF_PARAM_COUNT);
  eng *x = eng_open();
  for (int p = 0; p < RF_PARAM_COUNT; ++p) {
    rf_engine_param param = (rf_engine_param)p;
    assert_string_equal(rf_engine_param_name(param), want[p].name);
    const char *help = rf_engine_param_help(param);
    assert_non_null(help);
    assert_true(strlen(help) > 10);
    double lo = NAN, hi = NAN, def = NAN;
    assert_int_equal(rf_engine_param_bounds(param, &lo, &hi, &def), RF_OK);
    assert_true(lo == want[p].min && hi == want[p].max && def == want[p].def);
    assert_true(lo <= def && def <= hi && lo < hi);
    assert_int_equal(rf_engine_param_bounds(param, NULL, NULL, NULL), RF_OK);
    assert_true(rf_engine_param_get(x->e, param) == def);

    /* Within the bounds, both ends included: get returns what was set — unless the value
     * breaks the segmenter's HOLD_S >= GROUP_S or MIN_G < MAX_G with the others as they are:
     * RF_ERANGE, and the value stays. */
    const double inside[] = {lo, hi, lo + 0.25 * (hi - lo), def};
    for (size_t i = 0; i < 4; ++i) {
      double was = rf_engine_param_get(x->e, param);
      if (!loadcell_cross_ok(x->e, param, inside[i])) {
        assert_int_equal(rf_engine_param_set(x->e, param, inside[i]), RF_ERANGE);
        assert_non_null(strstr(rf_engine_errmsg(x->e), "LOADCELL_"));
        assert_true(rf_engine_param_get(x->e, param) == was);
        continue;
      }
      assert_int_equal(rf_engine_param_set(x->e, param, inside[i]), RF_OK);
      assert_string_equal(rf_engine_errmsg(x->e), "");
      assert_true(rf_engine_param_get(x->e, param) == inside[i]);
    }
    /* Outside, or not a number: RF_ERANGE, the value stays, the message names the parameter. */
    double keep = lo + 0.5 * (hi - lo);
    if (!loadcell_cross_ok(x->e, param, keep)) keep = def;
    assert_int_equal(rf_engine_param_set(x->e, param, keep), RF_OK);
    const double outside[] = {nextafter(lo, -INFINITY),
                              nextafter(hi, INFINITY),
                              lo - 1.0,
                              hi + 1.0,
                              NAN,
                              INFINITY,
                              -INFINITY};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; ++i) {
      assert_int_equal(rf_engine_param_set(x->e, param, outside[i]), RF_ERANGE);
      assert_non_null(strstr(rf_engine_errmsg(x->e), want[p].name));
      assert_true(rf_engine_param_get(x->e, param) == keep);
    }
    assert_int_equal(rf_engine_param_set(x->e, param, def), RF_OK);
  }
  /* Unknown parameters. */
  const rf_engine_param bad[] = {RF_PARAM_COUNT, (rf_engine_param)(RF_PARAM_COUNT + 7),
                                 (rf_engine_param)-1};
  for (size_t i = 0; i < 3; ++i) {
    assert_null(rf_engine_param_name(bad[i]));
    assert_null(rf_engine_param_help(bad[i]));
    double lo = 5, hi = 6, def = 7;
    assert_int_equal(rf_engine_param_bounds(bad[i], &lo, &hi, &def), RF_ERANGE);
    assert_true(lo == 5 && hi == 6 && def == 7);
    assert_int_equal(rf_engine_param_set(x->e, bad[i], 1.0), RF_EINVAL);
    assert_true(isnan(rf_engine_param_get(x->e, bad[i])));
  }
  /* Parameters are per engine. */
  eng *y = eng_open();
  assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_REVIEW_BELOW, 0.3), RF_OK);
  assert_true(rf_engine_param_get(y->e, RF_PARAM_REVIEW_BELOW) == 0.8);
}

/* REVIEW_BELOW moves the review flag, not the decision or its confidence. */
static void test_review_threshold(void **state) {
  (void)state;
  eng *x = eng_open(), *y = eng_open();
  assert_int_equal(rf_engine_param_set(y->e, RF_PARAM_REVIEW_BELOW, 0.3), RF_OK);
  for (int run = 0; run < 2; ++run) {
    eng *z = run == 0 ? x : y;
    push(z, enter(0, "S1"));
    push(z, enter(0, "S2"));
    push(z, hand("S1", "A", 1 * SEC, 2 * SEC));
    push(z, hand("S2", "A", 1 * SEC, 2 * SEC));
    push_delta1(z, "A", 1200 * MS, 1600 * MS, "A1", -540.5);
    assert_int_equal(finish(z), 1);
  }
  assert_int_equal(x->out.rec[0].review, 1);
  assert_int_equal(y->out.rec[0].review, 0);
  assert_true(x->out.rec[0].conf == y->out.rec[0].conf);
  assert_string_equal(x->out.rec[0].shopper, y->out.rec[0].shopper);
}

/* The review flag and the confidence a host reads agree: review exactly when conf is below
 * REVIEW_BELOW. Probed with the threshold set to the reported confidence and just above it: if
 * the flag came from a different (unrounded) value c, one of the two disagrees (c below the
 * reported value: the first; c above it: the second). */
static void test_review_flag_matches_reported_conf(void **state) {
  (void)state;
  double reported = -1;
  for (int run = 0; run < 3; ++run) {
    eng *x = eng_open();
    if (run > 0)
      assert_int_equal(rf_engine_param_set(x->e, RF_PARAM_REVIEW_BELOW,
                                           run == 1 ? reported : reported + 1e-9),
                       RF_OK);
    /* The anonymous-hand scenario: a confidence around 0.94. */
    push(x, enter(0, "S1"));
    push(x, enter(0, "S2"));
    push(x, position(2 * SEC, "S1", 6.1, 0.5));
    push(x, position(2 * SEC, "S2", 0.2, 0.5));
    push(x, hand(NULL, "A", 2900 * MS, 3700 * MS));
    push_delta1(x, "A", 3000 * MS, 3400 * MS, "A4", -540.5);
    assert_int_equal(finish(x), 1);
    const out_rec *o = &x->out.rec[0];
    if (run == 0) reported = o->conf;
    assert_true(o->conf == reported);
    double below = rf_engine_param_get(x->e, RF_PARAM_REVIEW_BELOW);
    assert_int_equal(o->review, o->conf < below);
    /* Not flagged at the default 0.8 nor at the reported value itself; flagged just above it. */
    assert_int_equal(o->review, run == 2);
    eng_close(x);
  }
}

/* ==== allocation failure ====================================================================== */

/* A short scenario with every kind of work: shoppers, a link, hands, takes, a put-back elsewhere,
 * an item taken from where it was left, receipts. */
static void short_run(rf_record *r, size_t *n) {
  size_t k = 0;
  static const rf_plate_delta take_a[] = {{"A1", -540.5}};
  static const rf_plate_delta take_b[] = {{"B2", -330.1}};
  static const rf_plate_delta put_b[] = {{"B4", 540.4}};
  static const rf_plate_delta retake_b[] = {{"B4", -540.2}};
  r[k++] = enter(0, "S1");
  r[k++] = enter(0, "S2");
  r[k++] = position(200 * MS, "S2", 6.0, 0.5);
  r[k++] = hand("S1", "A", 1 * SEC, 2 * SEC);
  r[k++] = delta("A", 1200 * MS, 1600 * MS, take_a, 1);
  r[k++] = hand(NULL, "B", 1 * SEC, 2 * SEC);
  r[k++] = delta("B", 1300 * MS, 1700 * MS, take_b, 1);
  r[k++] = hand("S1", "B", 5 * SEC, 6 * SEC);
  r[k++] = delta("B", 5200 * MS, 5600 * MS, put_b, 1);
  r[k++] = position(1700 * MS + W, "S2", 6.0, 0.5); /* the first two are decided here */
  r[k++] = enter(1800 * MS + W, "S3");
  r[k++] = link_to(1900 * MS + W, "S3", "S2");
  r[k++] = hand("S3", "B", 2 * SEC + W, 3 * SEC + W);
  r[k++] = delta("B", 2200 * MS + W, 2600 * MS + W, retake_b, 1);
  r[k++] = leave(5600 * MS + W, "S1"); /* the put-back is decided here */
  r[k++] = leave(5700 * MS + W, "S3");
  r[k++] = leave(5800 * MS + W, "S2");
  *n = k;
}

/* No allowed delays: the clock is the least latest time of the sources, so the short run's
 * decisions are made during its pushes (where allocation failures are most varied). */
static void zero_delays(rf_engine *e) {
  assert_int_equal(rf_engine_param_set(e, RF_PARAM_SHELVES_DELAY_S, 0), RF_OK);
  assert_int_equal(rf_engine_param_set(e, RF_PARAM_CAMERAS_DELAY_S, 0), RF_OK);
  assert_int_equal(rf_engine_param_set(e, RF_PARAM_TRACKER_DELAY_S, 0), RF_OK);
}

/* What happened in one run of the short scenario over a failing allocator. */
typedef struct alloc_result {
  int nomem;    /* an RF_ENOMEM or RF_EBEHIND was returned */
  int behind;   /* it was RF_EBEHIND: the record was taken */
  size_t at;    /* by which call: record index, or the record count for rf_engine_finish */
  int retry_rc; /* retry mode: what the next call returned */
} alloc_result;

/* Runs the short scenario into x->e (polling the output). On RF_ENOMEM (the record was not
 * taken), with `retry` the same record is pushed again and the run goes on; on RF_EBEHIND (the
 * record was taken) the run goes on with the next one, as engine.h tells a host to. Without
 * `retry`, the run stops pushing and only finishes (which must then work: the failure left a
 * usable engine). */
static void alloc_run(eng *x, int retry, alloc_result *res) {
  rf_record r[32];
  size_t n = 0;
  short_run(r, &n);
  zero_delays(x->e);
  for (size_t i = 0; i <= n; ++i) {
    int rc = i < n ? rf_engine_push(x->e, &r[i]) : rf_engine_finish(x->e);
    if (rc == RF_ENOMEM || rc == RF_EBEHIND) {
      if (rc == RF_ENOMEM) assert_string_equal(rf_engine_errmsg(x->e), "out of memory");
      else
        assert_true(strncmp(rf_engine_errmsg(x->e), "out of memory deciding what the ", 32) == 0);
      assert_true(rc == RF_ENOMEM || i < n); /* finish takes no record */
      res->nomem = 1;
      res->behind = rc == RF_EBEHIND;
      res->at = i;
      if (!retry) {
        assert_int_equal(rf_engine_finish(x->e), RF_OK);
        drain(x);
        return;
      }
      drain(x);
      if (rc == RF_EBEHIND) continue;
      rc = i < n ? rf_engine_push(x->e, &r[i]) : rf_engine_finish(x->e);
      res->retry_rc = rc;
      if (rc != RF_OK) return;
    }
    if (rc != RF_OK) fail_msg("record %zu: %s (%s)", i, rf_err_name(rc), rf_engine_errmsg(x->e));
    drain(x);
  }
}

static void run_clean_short(eng *clean) {
  rf_record r[32];
  size_t n = 0;
  short_run(r, &n);
  zero_delays(clean->e);
  for (size_t i = 0; i < n; ++i) push(clean, r[i]);
  finish(clean);
}

/* Every allocation in turn fails: rf_engine_new and each push return RF_ENOMEM cleanly (with the
 * message), the engine still finishes, nothing leaks; with no failure the output is the clean
 * run's. */
static void test_allocation_failure(void **state) {
  (void)state;
  eng *clean = eng_open_mode(1);
  run_clean_short(clean);
  /* S1 takes TEA1, S2 (anonymous hand; S2 stands at B, S1's hand is in A) COLA, S1 puts the tea
   * on B4, S3 (who came in later and joined S2) takes it from there into S2's cart. */
  assert_int_equal(clean->out.count, 6);
  assert_diff(clean, 0, 0, 1600 * MS + W, "S1", "TEA1", 1, 0, 0);
  assert_diff(clean, 1, 1, 1700 * MS + W, "S2", "COLA", 1, 1, 0);
  assert_diff(clean, 2, 2, 5600 * MS + W, "S1", "TEA1", -1, 2, 0);
  assert_diff(clean, 3, 3, 2600 * MS + 2 * W, "S2", "TEA1", 1, 3, 0);
  assert_receipt(clean, 4, 5600 * MS + 2 * W, "S1", NO_ITEMS);
  assert_receipt(clean, 5, 5800 * MS + 2 * W, "S2", ITEMS({"TEA1", 1}, {"COLA", 1}));

  static eng x; /* not registered: freed here, so the allocator's count can be checked */
  long k = 1;
  size_t new_failures = 0, push_failures = 0;
  for (;; ++k) {
    test_alloc st;
    rf_allocator a = test_alloc_make(&st, k);
    memset(&x, 0, sizeof x);
    x.polled = 1;
    x.e = (rf_engine *)0x1;
    int rc = rf_engine_new(&x.e, store(), &a);
    alloc_result res = {0, 0, 0, 0};
    if (rc != RF_OK) {
      assert_int_equal(rc, RF_ENOMEM);
      assert_null(x.e);
      assert_true(st.failed);
      new_failures++;
    } else {
      alloc_run(&x, 0, &res);
      rf_engine_free(x.e);
      x.e = NULL;
      assert_int_equal(res.nomem, st.failed); /* reported exactly when injected */
      push_failures += (size_t)res.nomem;
    }
    assert_int_equal(st.live, 0);
    if (!st.failed) {
      assert_same_output(&clean->out, &x.out); /* nothing injected: the clean run */
      break;
    }
    assert_true(k < 100000);
  }
  assert_true(new_failures >= 3 && push_failures >= 10);
}

/* A callback that takes every record but complains about the one numbered `at` (from 0). */
typedef struct complaining {
  sink out;
  size_t at;
} complaining;

static int complain_once(const rf_record *r, void *payload) {
  complaining *c = payload;
  sink_take(&c->out, r);
  return c->out.count - 1 == c->at ? 42 : 0;
}

/* The output callback's complaint does not stop the engine: the call that made the record
 * returns it (and says so), every record is still delivered once, and the run's output is the
 * clean one whichever record is complained about. */
static void test_output_callback_complaint(void **state) {
  (void)state;
  eng *clean = eng_open_mode(1);
  run_clean_short(clean);
  rf_record r[32];
  size_t n = 0;
  short_run(r, &n);
  for (size_t at = 0; at < clean->out.count; ++at) {
    static complaining c;
    memset(&c, 0, sizeof c);
    c.at = at;
    eng *x = eng_open();
    zero_delays(x->e);
    rf_engine_set_output(x->e, complain_once, &c);
    int complaints = 0;
    for (size_t i = 0; i <= n; ++i) {
      size_t before = c.out.count;
      int rc = i < n ? rf_engine_push(x->e, &r[i]) : rf_engine_finish(x->e);
      int made_it = before <= at && at < c.out.count;
      assert_int_equal(rc, made_it ? 42 : RF_OK);
      if (made_it) assert_string_equal(rf_engine_errmsg(x->e), "the output callback returned 42");
      complaints += made_it;
    }
    assert_int_equal(complaints, 1);
    assert_same_output(&clean->out, &c.out);
    eng_close(x);
  }
}

/* A host that handles memory failures as engine.h says — pushes an RF_ENOMEM record again, goes
 * on after RF_EBEHIND — gets the output of a run that never failed, whichever allocation fails:
 * a refused push left the engine as it was, a deferred catch-up is finished on the state it was
 * due in, and nothing is decided twice. */
static void test_allocation_failure_then_retry(void **state) {
  (void)state;
  eng *clean = eng_open_mode(1);
  run_clean_short(clean);

  static eng x;
  long runs = 0, behind = 0;
  for (long k = 1;; ++k) {
    test_alloc st;
    rf_allocator a = test_alloc_make(&st, k);
    memset(&x, 0, sizeof x);
    x.polled = 1;
    if (rf_engine_new(&x.e, store(), &a) == RF_OK) {
      alloc_result res = {0, 0, 0, 0};
      alloc_run(&x, 1, &res);
      rf_engine_free(x.e);
      x.e = NULL;
      assert_int_equal(res.nomem, st.failed);
      if (res.nomem && !res.behind && res.retry_rc != RF_OK)
        fail_msg("allocation %ld: retrying record %zu: %s", k, res.at, rf_err_name(res.retry_rc));
      runs += res.nomem;
      behind += res.behind;
      g_context = "";
      assert_same_output(&clean->out, &x.out);
    }
    assert_int_equal(st.live, 0);
    if (!st.failed) break;
    assert_true(k < 100000);
  }
  assert_true(runs >= 10);
  assert_true(behind >= 1); /* the deferred path was taken, not only refusals */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_where_identical_weights, teardown),
      cmocka_unit_test_teardown(test_where_two_hands_one_change, teardown),
      cmocka_unit_test_teardown(test_where_two_hands_one_facing, teardown),
      cmocka_unit_test_teardown(test_where_take_and_put_back_in_one_change, teardown),
      cmocka_unit_test_teardown(test_where_take_and_put_back_side_by_side, teardown),
      cmocka_unit_test_teardown(test_where_one_reach_three_facings, teardown),
      cmocka_unit_test_teardown(test_how_many, teardown),
      cmocka_unit_test_teardown(test_who_different_shelves_at_once, teardown),
      cmocka_unit_test_teardown(test_who_overlap_beats_earlier_visit, teardown),
      cmocka_unit_test_teardown(test_put_back_home, teardown),
      cmocka_unit_test_teardown(test_staff_restock_is_nobodys, teardown),
      cmocka_unit_test_teardown(test_staff_take_is_no_purchase, teardown),
      cmocka_unit_test_teardown(test_late_staff_hand_corrects_nothing, teardown),
      cmocka_unit_test_teardown(test_staff_share_no_cart, teardown),
      cmocka_unit_test_teardown(test_released_member_back_as_staff, teardown),
      cmocka_unit_test_teardown(test_staff_back_is_a_new_visit, teardown),
      cmocka_unit_test_teardown(test_put_back_elsewhere_then_taken, teardown),
      cmocka_unit_test_teardown(test_take_and_put_back_decided_together, teardown),
      cmocka_unit_test_teardown(test_take_and_put_back_at_finish, teardown),
      cmocka_unit_test_teardown(test_second_visit_receipt, teardown),
      cmocka_unit_test_teardown(test_anonymous_hand_one_shopper_near, teardown),
      cmocka_unit_test_teardown(test_anonymous_hand_nearest_shopper, teardown),
      cmocka_unit_test_teardown(test_anonymous_hand_position_at_the_time, teardown),
      cmocka_unit_test_teardown(test_anonymous_hand_continuous_track, teardown),
      cmocka_unit_test_teardown(test_tracker_swap_undone, teardown),
      cmocka_unit_test_teardown(test_tracker_swap_undone_at_exit, teardown),
      cmocka_unit_test_teardown(test_tracker_swap_found_after_the_decision, teardown),
      cmocka_unit_test_teardown(test_tracker_swap_needs_both_jumps_and_a_pass, teardown),
      cmocka_unit_test_teardown(test_tracker_swap_seen_begin, teardown),
      cmocka_unit_test_teardown(test_tracker_swap_seen_begin_ends_at_the_door, teardown),
      cmocka_unit_test_teardown(test_broken_track_stitched, teardown),
      cmocka_unit_test_teardown(test_broken_track_ambiguous, teardown),
      cmocka_unit_test_teardown(test_learns_missed_hand_rate, teardown),
      cmocka_unit_test_teardown(test_learns_wrong_id_rate, teardown),
      cmocka_unit_test_teardown(test_named_hand_far_from_its_shopper, teardown),
      cmocka_unit_test_teardown(test_anonymous_hand_group_cart, teardown),
      cmocka_unit_test_teardown(test_no_hand_one_shopper, teardown),
      cmocka_unit_test_teardown(test_shopper_entering_after_change_is_no_candidate, teardown),
      cmocka_unit_test_teardown(test_no_product_fits, teardown),
      cmocka_unit_test_teardown(test_two_equal_hands_review, teardown),
      cmocka_unit_test_teardown(test_receipt_review_follows_its_diffs, teardown),
      cmocka_unit_test_teardown(test_late_hand_is_used, teardown),
      cmocka_unit_test_teardown(test_wait_and_lateness_parameters, teardown),
      cmocka_unit_test_teardown(test_group_and_receipts, teardown),
      cmocka_unit_test_teardown(test_link_merges_cart, teardown),
      cmocka_unit_test_teardown(test_deterministic, teardown),
      cmocka_unit_test_teardown(test_memory_bounded_over_many_shoppers, teardown),
      cmocka_unit_test_teardown(test_link_after_receipt_then_back_keeps_the_cart, teardown),
      cmocka_unit_test_teardown(test_samples_take, teardown),
      cmocka_unit_test_teardown(test_loadcell_params_reach_the_segmenter, teardown),
      cmocka_unit_test_teardown(test_samples_faults_reported_not_bought, teardown),
      cmocka_unit_test_teardown(test_push_per_kind, teardown),
      cmocka_unit_test_teardown(test_refusals_change_nothing, teardown),
      cmocka_unit_test_teardown(test_clock_is_the_sources_watermark, teardown),
      cmocka_unit_test_teardown(test_stale_source_and_recovery, teardown),
      cmocka_unit_test_teardown(test_duplicates, teardown),
      cmocka_unit_test_teardown(test_set_aside_records_make_no_source, teardown),
      cmocka_unit_test_teardown(test_exit_before_enter, teardown),
      cmocka_unit_test_teardown(test_steady_stream_allocates_nothing, teardown),
      cmocka_unit_test_teardown(test_late_hand_corrects_a_decision, teardown),
      cmocka_unit_test_teardown(test_stray_hand_used_as_anonymous, teardown),
      cmocka_unit_test_teardown(test_null_arguments, teardown),
      cmocka_unit_test_teardown(test_null_ids_in_records, teardown),
      cmocka_unit_test_teardown(test_unchecked_hand_and_interval, teardown),
      cmocka_unit_test_teardown(test_parameters, teardown),
      cmocka_unit_test_teardown(test_review_threshold, teardown),
      cmocka_unit_test_teardown(test_review_flag_matches_reported_conf, teardown),
      cmocka_unit_test_teardown(test_allocation_failure, teardown),
      cmocka_unit_test_teardown(test_allocation_failure_then_retry, teardown),
      cmocka_unit_test_teardown(test_output_callback_complaint, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
