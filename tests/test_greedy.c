/* The nearest-hand greedy baseline: who (nearest hand visit in time on the shelf), what and how
 * many (nearest weight in standard deviations), put-backs, waiting out the lateness, shared carts
 * and receipts, refusals, and allocation failure at every point. Every expected output is worked
 * out by hand beside the assertion. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/greedy.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "test_alloc.h"
#include "test_records.h"
#include "test_sink.h"

#define SEC 1000000LL
#define MS 1000LL

static void assert_diff(const sink *s, size_t i, int64_t seq, rf_time_us t, const char *shopper,
                        const char *sku, int64_t qty, int64_t event) {
  assert_true(i < s->count);
  const out_rec *o = &s->rec[i];
  assert_int_equal(o->type, RF_RECORD_DIFF);
  assert_int_equal(o->seq, seq);
  assert_int_equal(o->t, t);
  assert_string_equal(o->shopper, shopper);
  assert_string_equal(o->sku, sku);
  assert_int_equal(o->qty, qty);
  assert_true(o->conf == 1.0); /* the baseline knows no doubt */
  assert_int_equal(o->review, 0);
  assert_int_equal(o->event, event);
  assert_int_equal(o->has_corrects, 0);
}

#define ITEMS(...)                    \
  (const rf_item_qty[]){__VA_ARGS__}, \
      sizeof((const rf_item_qty[]){__VA_ARGS__}) / sizeof(rf_item_qty)

static void assert_receipt(const sink *s, size_t i, rf_time_us t, const char *shopper,
                           const rf_item_qty *items, size_t n) {
  assert_true(i < s->count);
  const out_rec *o = &s->rec[i];
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

/* ---- stores ---------------------------------------------------------------------------------- */

static rf_store *make_store(const rf_product_def *products, size_t np, const rf_shelf_def *shelves,
                            size_t ns, const rf_facing_def *facings, size_t nf) {
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  for (size_t i = 0; i < np; ++i)
    assert_int_equal(rf_store_builder_add_product(b, &products[i]), 0);
  for (size_t i = 0; i < ns; ++i) assert_int_equal(rf_store_builder_add_shelf(b, &shelves[i]), 0);
  for (size_t i = 0; i < nf; ++i) assert_int_equal(rf_store_builder_add_facing(b, &facings[i]), 0);
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(b, &s), RF_OK);
  rf_store_builder_free(b);
  return s;
}

static const rf_plate_def s1_plates[] = {{"P1", 0.0, 0.5}, {"P2", 0.5, 1.0}};
static const rf_plate_def s2_plates[] = {{"Q1", 0.0, 1.0}};
static const rf_plate_def s3_plates[] = {{"R1", 0.0, 1.0}};
static const rf_plate_def s4_plates[] = {{"U1", 0.0, 1.0}};

/* Products A 100 g (sd 0.5), B 200.5 g (sd 10), C 300 g (sd 1). Shelf S1 (plates P1, P2; noise
 * 0.5 g) holds A and B; shelf S2 (plate Q1; noise 0.5 g) holds C. */
static rf_store *basic_store(void) {
  static const rf_product_def products[] = {
      {"A", NULL, 100.0, 1, 0.5}, {"B", NULL, 200.5, 1, 10.0}, {"C", NULL, 300.0, 1, 1.0}};
  static const rf_shelf_def shelves[] = {{"S1", 1, 0.5, 0, 0, 0, s1_plates, 2, 0, 0, 0},
                                         {"S2", 1, 0.5, 0, 0, 0, s2_plates, 1, 0, 0, 0}};
  static const rf_facing_def facings[] = {
      {"S1", "A", 0.0, 0.5, 10}, {"S1", "B", 0.5, 1.0, 10}, {"S2", "C", 0.0, 0.5, 10}};
  return make_store(products, 3, shelves, 2, facings, 3);
}

/* Products A 100 g (sd 0.5), B 200.5 g (sd 10: a loose weight), T 200.5 g (sd 0.01: a tight one),
 * E 250 g (sd 1). All shelves have noise 0.5 g. S1 (P1, P2): A and B. S2 (Q1): A and T.
 * S3 (R1): A alone. S4 (U1): E alone. */
static rf_store *weights_store(void) {
  static const rf_product_def products[] = {{"A", NULL, 100.0, 1, 0.5},
                                            {"B", NULL, 200.5, 1, 10.0},
                                            {"T", NULL, 200.5, 1, 0.01},
                                            {"E", NULL, 250.0, 1, 1.0}};
  static const rf_shelf_def shelves[] = {{"S1", 1, 0.5, 0, 0, 0, s1_plates, 2, 0, 0, 0},
                                         {"S2", 1, 0.5, 0, 0, 0, s2_plates, 1, 0, 0, 0},
                                         {"S3", 1, 0.5, 0, 0, 0, s3_plates, 1, 0, 0, 0},
                                         {"S4", 1, 0.5, 0, 0, 0, s4_plates, 1, 0, 0, 0}};
  static const rf_facing_def facings[] = {{"S1", "A", 0.0, 0.5, 10}, {"S1", "B", 0.5, 1.0, 10},
                                          {"S2", "A", 0.0, 0.5, 10}, {"S2", "T", 0.5, 1.0, 10},
                                          {"S3", "A", 0.0, 0.5, 10}, {"S4", "E", 0.0, 0.5, 10}};
  return make_store(products, 4, shelves, 4, facings, 6);
}

/* ---- input records --------------------------------------------------------------------------- */

/* A position record: it only moves the clock. */
static rf_record tick(rf_time_us t) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_POSITION;
  r.u.position.t = t;
  r.u.position.shopper = "nobody-in-particular";
  return r;
}

/* ---- fixture --------------------------------------------------------------------------------- */

typedef struct fixture {
  rf_store *store;
  rf_greedy *g;
  sink out;
} fixture;

static fixture *fx_new(rf_store *store) {
  static fixture fx;
  memset(&fx, 0, sizeof fx);
  fx.store = store;
  assert_int_equal(rf_greedy_new(&fx.g, store, NULL), RF_OK);
  assert_non_null(fx.g);
  rf_greedy_set_output(fx.g, sink_collect, &fx.out);
  assert_string_equal(rf_greedy_errmsg(fx.g), "");
  return &fx;
}

/* Sets a parameter (seconds) before the first push. */
static void fx_param(fixture *fx, rf_greedy_param param, double value) {
  assert_int_equal(rf_greedy_param_set(fx->g, param, value), RF_OK);
  assert_true(rf_greedy_param_get(fx->g, param) == value);
  assert_string_equal(rf_greedy_errmsg(fx->g), "");
}

static void fx_free(fixture *fx) {
  rf_greedy_free(fx->g);
  rf_store_free(fx->store);
}

/* Pushes a record that must be taken; returns the output count after it. */
static size_t push(fixture *fx, rf_record r) {
  assert_int_equal(rf_greedy_push(fx->g, &r), RF_OK);
  assert_string_equal(rf_greedy_errmsg(fx->g), "");
  return fx->out.count;
}

/* Pushes a one-plate delta of `g` grams. */
static size_t push_delta(fixture *fx, const char *shelf, const char *plate, rf_time_us t0,
                         rf_time_us t1, double g) {
  rf_plate_delta p = {plate, g};
  return push(fx, delta(shelf, t0, t1, &p, 1));
}

static size_t finish(fixture *fx) {
  assert_int_equal(rf_greedy_finish(fx->g), RF_OK);
  assert_string_equal(rf_greedy_errmsg(fx->g), "");
  return fx->out.count;
}

/* ---- who: the nearest hand ------------------------------------------------------------------- */

static void test_nearest_hand(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store()); /* defaults: lateness 2 s, max gap 10 s */
  assert_int_equal(push(fx, enter(0, "S1")), 0);
  assert_int_equal(push(fx, enter(0, "S2")), 0);
  assert_int_equal(push(fx, enter(0, "S3")), 0);

  /* A take of one A over [3.0 s, 3.2 s] on S1. Hands on S1: S1's over [1 s, 2 s] (1 s before),
   * S2's over [3.5 s, 4 s] (0.3 s after: nearest), an anonymous hand overlapping it (not a
   * shopper), and S3's overlapping it but on S2 (another shelf). -> S2. */
  assert_int_equal(push(fx, hand("S1", "S1", 1 * SEC, 2 * SEC)), 0);
  assert_int_equal(push_delta(fx, "S1", "P1", 3000 * MS, 3200 * MS, -100.0), 0);
  assert_int_equal(push(fx, hand(NULL, "S1", 2900 * MS, 3300 * MS)), 0);
  assert_int_equal(push(fx, hand("S3", "S2", 2900 * MS, 3300 * MS)), 0);
  assert_int_equal(push(fx, hand("S2", "S1", 3500 * MS, 4000 * MS)), 0);
  assert_int_equal(push(fx, tick(5200 * MS)), 1); /* due at 3.2 s + 2 s */
  assert_diff(&fx->out, 0, 0, 5200 * MS, "S2", "A", 1, 0);

  /* Overlap is distance 0 and beats 0.01 s: S3's hand on S1 over [9 s, 10.1 s] overlaps the
   * change [10 s, 10.2 s]; S1's over [10.21 s, 10.3 s] is 0.01 s after it. The old visits are 6 s
   * (S2) and 8 s (S1) away. -> S3. */
  assert_int_equal(push(fx, hand("S3", "S1", 9 * SEC, 10100 * MS)), 1);
  assert_int_equal(push_delta(fx, "S1", "P1", 10 * SEC, 10200 * MS, -100.0), 1);
  assert_int_equal(push(fx, hand("S1", "S1", 10210 * MS, 10300 * MS)), 1);
  assert_int_equal(push(fx, tick(12200 * MS)), 2);
  assert_diff(&fx->out, 1, 1, 12200 * MS, "S3", "A", 1, 1);

  /* No hand on S1 within 10 s of [30 s, 30.2 s] (the latest ended at 10.3 s): no diff, but the
   * change still has its event number (2). */
  assert_int_equal(push_delta(fx, "S1", "P1", 30 * SEC, 30200 * MS, -100.0), 2);
  assert_int_equal(push(fx, hand("S2", "S2", 30 * SEC, 30200 * MS)), 2); /* another shelf */
  assert_int_equal(push(fx, tick(40 * SEC)), 2);

  /* The next change is event 3 and the next diff seq 2. */
  assert_int_equal(push(fx, hand("S1", "S1", 40 * SEC, 40500 * MS)), 2);
  assert_int_equal(push_delta(fx, "S1", "P1", 40100 * MS, 40200 * MS, -100.0), 2);
  assert_int_equal(finish(fx), 3);
  assert_diff(&fx->out, 2, 2, 42200 * MS, "S1", "A", 1, 3);
  fx_free(fx);
}

static void test_max_gap(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  fx_param(fx, RF_GREEDY_MAX_GAP_S, 1.0);
  push(fx, enter(0, "S1"));
  push(fx, hand("S1", "S1", 0, 1 * SEC));
  /* 1 s exactly after the visit: within the gap. */
  push_delta(fx, "S1", "P1", 2 * SEC, 2100 * MS, -100.0);
  /* 1 s + 1 us after it: out of reach. */
  push_delta(fx, "S1", "P1", 2 * SEC + 1, 2100 * MS, -100.0);
  /* A visit starting 1 s after the change ends counts too. */
  push_delta(fx, "S1", "P1", 5 * SEC, 5100 * MS, -100.0);
  push(fx, hand("S1", "S1", 6100 * MS, 6200 * MS));
  assert_int_equal(finish(fx), 2);
  assert_diff(&fx->out, 0, 0, 4100 * MS, "S1", "A", 1, 0);
  assert_diff(&fx->out, 1, 1, 7100 * MS, "S1", "A", 1, 2);
  fx_free(fx);
}

/* Hand visits must be kept as long as the allowed gap reaches, however long that is. */
static void test_long_max_gap(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  fx_param(fx, RF_GREEDY_MAX_GAP_S, 100.0);
  push(fx, enter(0, "S1"));
  push(fx, hand("S1", "S1", 0, 1 * SEC));
  push(fx, tick(50 * SEC));
  /* 69 s after the visit: within the 100 s allowed. */
  assert_int_equal(push_delta(fx, "S1", "P1", 70 * SEC, 70100 * MS, -100.0), 0);
  assert_int_equal(push(fx, tick(90 * SEC)), 1);
  assert_diff(&fx->out, 0, 0, 72100 * MS, "S1", "A", 1, 0);
  fx_free(fx);
}

/* ---- what and how many: the nearest weight --------------------------------------------------- */

static void test_nearest_weight(void **state) {
  (void)state;
  fixture *fx = fx_new(weights_store());
  push(fx, enter(0, "W"));
  static const struct {
    const char *shelf, *plate;
    double g;
  } cases[] = {
      /* 0. S1, -200.0 g: A x2 fits exactly (0 sd) -> A 2, although B x1 is only 0.5 g off. */
      {"S1", NULL, -200.0},
      /* 1. S1, -199.8 g: A x2 is 0.2 g off, B x1 0.7 g. In standard deviations A x2 is
       *    0.2 / sqrt(2 * 0.5^2 + 0.5^2) = 0.23 and B x1 0.7 / sqrt(10^2 + 0.5^2) = 0.07: B's
       *    weight varies far more, so 0.7 g says less against it. -> B 1. */
      {"S1", "P2", -199.8},
      /* 2. S2, -200.3 g: T x1 is nearer in grams (0.2 vs 0.3) but T hardly varies:
       *    0.2 / sqrt(0.01^2 + 0.5^2) = 0.40 against A x2's 0.3 / sqrt(0.75) = 0.35. -> A 2. */
      {"S2", "Q1", -200.3},
      /* 3. S3, -300.2 g: A x3, 0.2 / sqrt(3 * 0.25 + 0.25) = 0.2. -> A 3. */
      {"S3", "R1", -300.2},
      /* 4. S3, -349 g: A x4 is 51 g off (45.6 sd), A x3 49 g (49 sd). x4 is nearer in sd but
       *    more than half an item off; x3 is within half an item. -> A 3. */
      {"S3", "R1", -349.0},
      /* 5. S3, -49 g: A x1 is 51 g off, more than half an item: nothing. */
      {"S3", "R1", -49.0},
      /* 6. S3, -51 g: A x1 is 49 g off, within half an item. -> A 1. */
      {"S3", "R1", -51.0},
      /* 7. S3, -2 g: noise. */
      {"S3", "R1", -2.0},
      /* 8. S3, -500 g: at most 4 items a change; A x4 is 100 g off. Nothing. */
      {"S3", "R1", -500.0},
      /* 9. S4, -100 g: A fits exactly but is not on S4; E x1 is 150 g off (> 125). Nothing. */
      {"S4", "U1", -100.0},
      /* 10. S4, -250.3 g -> E 1. */
      {"S4", "U1", -250.3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    rf_time_us t = (rf_time_us)(i + 1) * 10 * SEC;
    push(fx, hand("W", cases[i].shelf, t, t + 1 * SEC));
    if (cases[i].plate == NULL) { /* over two plates: 2 x 0.5^2 of noise */
      static const rf_plate_delta two[] = {{"P1", -100.0}, {"P2", -100.0}};
      push(fx, delta(cases[i].shelf, t + 200 * MS, t + 500 * MS, two, 2));
    } else {
      push_delta(fx, cases[i].shelf, cases[i].plate, t + 200 * MS, t + 500 * MS, cases[i].g);
    }
  }
  assert_int_equal(finish(fx), 7);
  /* Each decided 2 s after its change ended: t(i) + 0.5 s + 2 s. */
  assert_diff(&fx->out, 0, 0, 12500 * MS, "W", "A", 2, 0);
  assert_diff(&fx->out, 1, 1, 22500 * MS, "W", "B", 1, 1);
  assert_diff(&fx->out, 2, 2, 32500 * MS, "W", "A", 2, 2);
  assert_diff(&fx->out, 3, 3, 42500 * MS, "W", "A", 3, 3);
  assert_diff(&fx->out, 4, 4, 52500 * MS, "W", "A", 3, 4);
  assert_diff(&fx->out, 5, 5, 72500 * MS, "W", "A", 1, 6);
  assert_diff(&fx->out, 6, 6, 112500 * MS, "W", "E", 1, 10);
  fx_free(fx);
}

static void test_put_back(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  push(fx, enter(0, "P"));
  push(fx, hand("P", "S1", 0, 200 * SEC));
  push(fx, hand("P", "S2", 0, 200 * SEC));
  /* Nothing in the cart yet: an increase has nothing to take back. */
  push_delta(fx, "S1", "P1", 10 * SEC, 10 * SEC, 100.0);
  /* Takes: A 1 (S1), C 1 (S2), A 2 (S1) -> cart A 3, C 1. */
  push_delta(fx, "S1", "P1", 20 * SEC, 20 * SEC, -100.0);
  push_delta(fx, "S2", "Q1", 30 * SEC, 30 * SEC, -300.0);
  push_delta(fx, "S1", "P1", 40 * SEC, 40 * SEC, -200.0);
  /* +300.4 g on S1 (C came from S2: a put-back may land anywhere). From the cart: A x3 is
   * 0.4 / sqrt(3 * 0.25 + 0.25) = 0.4 sd, C x1 0.4 / sqrt(1 + 0.25) = 0.36 sd. -> C -1. */
  push_delta(fx, "S1", "P1", 50 * SEC, 50 * SEC, 300.4);
  /* +200.1 g on S2: A x2 (B is on the shelf but not in the cart). -> A -2; cart A 1. */
  push_delta(fx, "S2", "Q1", 60 * SEC, 60 * SEC, 200.1);
  /* +200 g: the cart holds one A only, 100 g off -> nothing. */
  push_delta(fx, "S1", "P1", 70 * SEC, 70 * SEC, 200.0);
  /* +100 g -> A -1; the cart is empty again. */
  push_delta(fx, "S1", "P1", 80 * SEC, 80 * SEC, 100.0);
  /* +100 g with an empty cart: nothing. */
  push_delta(fx, "S1", "P1", 90 * SEC, 90 * SEC, 100.0);
  push(fx, leave(100 * SEC, "P"));
  assert_int_equal(finish(fx), 7);
  assert_diff(&fx->out, 0, 0, 22 * SEC, "P", "A", 1, 1);
  assert_diff(&fx->out, 1, 1, 32 * SEC, "P", "C", 1, 2);
  assert_diff(&fx->out, 2, 2, 42 * SEC, "P", "A", 2, 3);
  assert_diff(&fx->out, 3, 3, 52 * SEC, "P", "C", -1, 4);
  assert_diff(&fx->out, 4, 4, 62 * SEC, "P", "A", -2, 5);
  assert_diff(&fx->out, 5, 5, 82 * SEC, "P", "A", -1, 7);
  assert_receipt(&fx->out, 6, 102 * SEC, "P", NULL, 0); /* everything went back */
  fx_free(fx);
}

/* A shopper who left before a change began cannot have made it, however near their last visit:
 * the change goes to the next nearest, and nothing is added to a cart after its receipt. */
static void test_left_before_change(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  push(fx, enter(0, "S1"));
  push(fx, enter(0, "S2"));
  push(fx, hand("S2", "S1", 0, 500 * MS));      /* 3.5 s before the change */
  push(fx, hand("S1", "S1", 1 * SEC, 2 * SEC)); /* 2 s before it, but S1 leaves at 3 s */
  assert_int_equal(push(fx, leave(3 * SEC, "S1")), 0);
  assert_int_equal(push_delta(fx, "S1", "P1", 4 * SEC, 4200 * MS, -100.0), 0);
  assert_int_equal(push(fx, tick(5 * SEC)), 1);
  assert_receipt(&fx->out, 0, 5 * SEC, "S1", NULL, 0);
  assert_int_equal(finish(fx), 2);
  assert_diff(&fx->out, 1, 0, 6200 * MS, "S2", "A", 1, 0);
  fx_free(fx);
}

/* ---- when: waiting out the lateness ---------------------------------------------------------- */

static void test_lateness(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store()); /* lateness 2 s */
  assert_int_equal(push(fx, enter(0, "S1")), 0);
  assert_int_equal(push_delta(fx, "S1", "P1", 1000 * MS, 1800 * MS, -100.0), 0);
  /* The hand record comes after the change it explains, within the lateness: it counts. */
  assert_int_equal(push(fx, hand("S1", "S1", 900 * MS, 1900 * MS)), 0);
  assert_int_equal(push(fx, tick(3800 * MS - 1)), 0); /* 1 us before 1.8 s + 2 s */
  assert_int_equal(push(fx, tick(3800 * MS)), 1);     /* due */
  assert_diff(&fx->out, 0, 0, 3800 * MS, "S1", "A", 1, 0);
  /* A second change [5 s, 5.5 s], its hand late again; then the shopper leaves at 6 s. */
  assert_int_equal(push_delta(fx, "S1", "P1", 5 * SEC, 5500 * MS, -200.0), 1);
  assert_int_equal(push(fx, hand("S1", "S1", 4900 * MS, 5200 * MS)), 1);
  assert_int_equal(push(fx, leave(6 * SEC, "S1")), 1);
  assert_int_equal(push(fx, tick(7500 * MS - 1)), 1);
  /* The end of input decides the rest at the times they were due: the change at 5.5 s + 2 s
   * (A x2: 0 sd, B x1 0.5 g / 10 g), the receipt at 6 s + 2 s. */
  assert_int_equal(finish(fx), 3);
  assert_diff(&fx->out, 1, 1, 7500 * MS, "S1", "A", 2, 1);
  assert_receipt(&fx->out, 2, 8 * SEC, "S1", ITEMS({"A", 3}));
  assert_int_equal(finish(fx), 3); /* nothing is left to decide */
  fx_free(fx);
}

/* A hand record later than the lateness does not change a decision already made. */
static void test_too_late(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  fx_param(fx, RF_GREEDY_LATENESS_S, 0.5);
  push(fx, enter(0, "S1"));
  push_delta(fx, "S1", "P1", 1000 * MS, 1800 * MS, -100.0);
  assert_int_equal(push(fx, tick(2300 * MS)), 0); /* due at 2.3 s: nobody's hand -> nothing */
  assert_int_equal(push(fx, hand("S1", "S1", 900 * MS, 1900 * MS)), 0);
  assert_int_equal(finish(fx), 0);
  fx_free(fx);
}

/* ---- shared carts ---------------------------------------------------------------------------- */

static void test_linked_shoppers(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  assert_int_equal(push(fx, enter(0, "P")), 0);
  assert_int_equal(push(fx, enter(500 * MS, "F")), 0);
  assert_int_equal(push(fx, link_to(1 * SEC, "F", "P")), 0); /* F shops into P's cart */
  /* F's take goes to P's cart. */
  assert_int_equal(push(fx, hand("F", "S1", 2 * SEC, 3 * SEC)), 0);
  assert_int_equal(push_delta(fx, "S1", "P1", 2500 * MS, 2600 * MS, -100.0), 0);
  assert_int_equal(push(fx, tick(4600 * MS)), 1);
  assert_diff(&fx->out, 0, 0, 4600 * MS, "P", "A", 1, 0);
  /* P's own take: -200.5 g is B x1 exactly (A x2 is 0.5 g / 0.87 g off). */
  assert_int_equal(push(fx, hand("P", "S1", 5 * SEC, 6 * SEC)), 1);
  assert_int_equal(push_delta(fx, "S1", "P2", 5500 * MS, 5600 * MS, -200.5), 1);
  assert_int_equal(push(fx, tick(7600 * MS)), 2);
  assert_diff(&fx->out, 1, 1, 7600 * MS, "P", "B", 1, 1);
  /* The owner leaves first: the receipt waits for F. */
  assert_int_equal(push(fx, leave(10 * SEC, "P")), 2);
  assert_int_equal(push(fx, tick(20 * SEC)), 2);
  assert_int_equal(push(fx, leave(30 * SEC, "F")), 2);
  assert_int_equal(push(fx, tick(32 * SEC - 1)), 2);
  assert_int_equal(push(fx, tick(32 * SEC)), 3); /* the last exit + 2 s */
  assert_receipt(&fx->out, 2, 32 * SEC, "P", ITEMS({"A", 1}, {"B", 1}));
  assert_int_equal(finish(fx), 3); /* F has no cart of its own: no receipt */
  fx_free(fx);
}

/* Joining a follower joins the owner; the owner leaving last also closes the cart. */
static void test_link_to_follower(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  push(fx, enter(0, "P"));
  push(fx, enter(0, "F"));
  push(fx, enter(0, "G"));
  push(fx, link_to(1 * SEC, "F", "P"));
  push(fx, link_to(1 * SEC, "G", "F"));
  push(fx, hand("G", "S2", 2 * SEC, 3 * SEC));
  push_delta(fx, "S2", "Q1", 2500 * MS, 2600 * MS, -300.0);
  push(fx, leave(5 * SEC, "G"));
  push(fx, leave(6 * SEC, "F"));
  assert_int_equal(push(fx, leave(20 * SEC, "P")), 1);
  assert_diff(&fx->out, 0, 0, 4600 * MS, "P", "C", 1, 0);
  assert_int_equal(push(fx, tick(22 * SEC)), 2);
  assert_receipt(&fx->out, 1, 22 * SEC, "P", ITEMS({"C", 1}));
  assert_int_equal(finish(fx), 2);
  fx_free(fx);
}

/* ---- refusals -------------------------------------------------------------------------------- */

static void expect_refusal(fixture *fx, rf_record r, int code, const char *msg) {
  size_t before = fx->out.count;
  assert_int_equal(rf_greedy_push(fx->g, &r), code);
  assert_string_equal(rf_greedy_errmsg(fx->g), msg);
  assert_int_equal(fx->out.count, before);
}

static void test_refusals(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  push(fx, enter(0, "S1"));
  push(fx, hand("S1", "S1", 900 * MS, 1900 * MS));
  push_delta(fx, "S1", "P1", 1000 * MS, 1800 * MS, -100.0);

  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_SAMPLES;
  static const double g[] = {1000.0, 1000.1};
  r.u.samples.plate = "P1";
  r.u.samples.t = 100 * SEC;
  r.u.samples.dt_us = 16667;
  r.u.samples.g = g;
  r.u.samples.count = 2;
  expect_refusal(fx, r, RF_EINVAL, "the greedy baseline needs delta records, not samples");
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_PRODUCT;
  r.u.product.sku = "A";
  r.u.product.weight_g = 100.0;
  expect_refusal(fx, r, RF_EINVAL, "product is not an input event");
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_CAMERA; /* cameras and zones describe the store as products do */
  r.u.camera = (rf_camera_rec){"C1", 640, 480, 30, 0};
  expect_refusal(fx, r, RF_EINVAL, "camera is not an input event");
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_ZONE;
  r.u.zone = (rf_zone_rec){"C1", "S1", 0, 0, 640, 480, RF_FRONT_BOTTOM, 0, 1};
  expect_refusal(fx, r, RF_EINVAL, "zone is not an input event");
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_TRUTH;
  r.u.truth.t = 100 * SEC;
  r.u.truth.shopper = "S1";
  r.u.truth.sku = "A";
  r.u.truth.qty = 1;
  expect_refusal(fx, r, RF_EINVAL, "truth is not an input event");

  /* Unknown shoppers and shelves. The refused records are late enough to decide the pending
   * change if they moved the clock: they must not. */
  expect_refusal(fx, leave(100 * SEC, "Z"), RF_ENOTFOUND, "shopper 'Z' has not entered");
  expect_refusal(fx, hand("Z", "S1", 99 * SEC, 100 * SEC), RF_ENOTFOUND,
                 "shopper 'Z' has not entered");
  expect_refusal(fx, link_to(100 * SEC, "Z", "S1"), RF_ENOTFOUND, "shopper 'Z' has not entered");
  expect_refusal(fx, link_to(100 * SEC, "S1", "Z"), RF_ENOTFOUND, "shopper 'Z' has not entered");
  expect_refusal(fx, hand("S1", "S9", 99 * SEC, 100 * SEC), RF_ENOTFOUND,
                 "shelf 'S9' is not in the store");
  rf_plate_delta p = {"P9", -100.0};
  expect_refusal(fx, delta("S9", 99 * SEC, 100 * SEC, &p, 1), RF_ENOTFOUND,
                 "shelf 'S9' is not in the store");
  expect_refusal(fx, enter(100 * SEC, "S1"), RF_EEXISTS, "shopper 'S1' is already in the store");
  assert_int_equal(fx->out.count, 0);

  /* Nothing refused changed anything: the change is still decided at 3.8 s, as event 0, and the
   * next good call clears the message. */
  assert_int_equal(push(fx, tick(3800 * MS)), 1);
  assert_diff(&fx->out, 0, 0, 3800 * MS, "S1", "A", 1, 0);

  push(fx, leave(5 * SEC, "S1"));
  expect_refusal(fx, leave(6 * SEC, "S1"), RF_ERANGE, "shopper 'S1' has already left");
  assert_int_equal(finish(fx), 2);
  assert_receipt(&fx->out, 1, 7 * SEC, "S1", ITEMS({"A", 1}));
  fx_free(fx);
}

/* A non-zero return of the output callback comes back from the push that produced it. */
static void test_output_error_passed_back(void **state) {
  (void)state;
  fixture *fx = fx_new(basic_store());
  push(fx, enter(0, "S1"));
  push(fx, hand("S1", "S1", 900 * MS, 1900 * MS));
  push_delta(fx, "S1", "P1", 1000 * MS, 1800 * MS, -100.0);
  fx->out.fail_with = -1234;
  rf_record t = tick(4 * SEC);
  assert_int_equal(rf_greedy_push(fx->g, &t), -1234);
  fx->out.fail_with = 0;
  assert_int_equal(fx->out.count, 0);
  fx_free(fx);
}

/* Parameters: defaults, bounds, names, unknown numbers, and fixed once events were pushed. */
static void test_params(void **state) {
  (void)state;
  rf_store *store = basic_store();
  rf_greedy *g = NULL;
  assert_int_equal(rf_greedy_new(&g, store, NULL), RF_OK);

  /* The defaults are the old options' (lateness 2 s, max gap 10 s). */
  assert_true(rf_greedy_param_get(g, RF_GREEDY_LATENESS_S) == 2.0);
  assert_true(rf_greedy_param_get(g, RF_GREEDY_MAX_GAP_S) == 10.0);
  assert_string_equal(rf_greedy_param_name(RF_GREEDY_LATENESS_S), "LATENESS_S");
  assert_string_equal(rf_greedy_param_name(RF_GREEDY_MAX_GAP_S), "MAX_GAP_S");
  assert_null(rf_greedy_param_name(RF_GREEDY_PARAM_COUNT));
  assert_null(rf_greedy_param_name((rf_greedy_param)-1));
  assert_null(rf_greedy_param_help(RF_GREEDY_PARAM_COUNT));
  double lo = -1, hi = -1, def = -1;
  for (int p = 0; p < RF_GREEDY_PARAM_COUNT; ++p) {
    assert_non_null(rf_greedy_param_help((rf_greedy_param)p));
    assert_true(strlen(rf_greedy_param_help((rf_greedy_param)p)) > 0);
    assert_int_equal(rf_greedy_param_bounds((rf_greedy_param)p, &lo, &hi, &def), 0);
    assert_true(lo <= def && def <= hi);
    assert_true(rf_greedy_param_get(g, (rf_greedy_param)p) == def);
    assert_int_equal(rf_greedy_param_bounds((rf_greedy_param)p, NULL, NULL, NULL), 0);
  }
  assert_int_equal(rf_greedy_param_bounds(RF_GREEDY_MAX_GAP_S, &lo, &hi, &def), 0);
  assert_true(lo == 0.0 && def == 10.0);
  assert_int_equal(rf_greedy_param_bounds(RF_GREEDY_PARAM_COUNT, &lo, &hi, &def), RF_ERANGE);

  /* Out of bounds (negative durations, past the maximum, not finite): refused, value unchanged. */
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_LATENESS_S, -1e-6), RF_ERANGE);
  assert_string_not_equal(rf_greedy_errmsg(g), "");
  assert_true(rf_greedy_param_get(g, RF_GREEDY_LATENESS_S) == 2.0);
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, -1.0), RF_ERANGE);
  assert_true(rf_greedy_param_get(g, RF_GREEDY_MAX_GAP_S) == 10.0);
  assert_int_equal(rf_greedy_param_bounds(RF_GREEDY_MAX_GAP_S, &lo, &hi, NULL), 0);
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, hi * 2 + 1), RF_ERANGE);
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, NAN), RF_ERANGE);
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, INFINITY), RF_ERANGE);
  assert_true(rf_greedy_param_get(g, RF_GREEDY_MAX_GAP_S) == 10.0);
  /* The bounds themselves are taken. */
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, hi), RF_OK);
  assert_true(rf_greedy_param_get(g, RF_GREEDY_MAX_GAP_S) == hi);
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, 10.0), RF_OK);
  /* Unknown parameters. */
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_PARAM_COUNT, 1.0), RF_EINVAL);
  assert_int_equal(rf_greedy_param_set(g, (rf_greedy_param)-1, 1.0), RF_EINVAL);
  assert_int_equal(rf_greedy_param_set(NULL, RF_GREEDY_LATENESS_S, 1.0), RF_EINVAL);
  assert_true(isnan(rf_greedy_param_get(g, RF_GREEDY_PARAM_COUNT)));
  assert_true(isnan(rf_greedy_param_get(NULL, RF_GREEDY_LATENESS_S)));

  /* Lateness 0: a change is decided as soon as the clock reaches its end. */
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_LATENESS_S, 0.0), RF_OK);
  assert_string_equal(rf_greedy_errmsg(g), "");

  /* No output yet: the first push is refused and fixes nothing. */
  sink out;
  memset(&out, 0, sizeof out);
  rf_record r = enter(0, "S1");
  assert_int_equal(rf_greedy_push(g, &r), RF_EMISUSE);
  assert_string_not_equal(rf_greedy_errmsg(g), "");
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, 10.0), RF_OK);
  rf_greedy_set_output(NULL, sink_collect, &out);
  rf_greedy_set_output(g, sink_collect, &out);

  assert_int_equal(rf_greedy_push(g, &r), RF_OK);
  r = hand("S1", "S1", 0, 1 * SEC);
  assert_int_equal(rf_greedy_push(g, &r), RF_OK);
  rf_plate_delta p = {"P1", -100.0};
  r = delta("S1", 500 * MS, 1500 * MS, &p, 1);
  assert_int_equal(rf_greedy_push(g, &r), RF_OK);
  assert_int_equal(out.count, 1);
  assert_diff(&out, 0, 0, 1500 * MS, "S1", "A", 1, 0);

  /* Once events were pushed the parameters are fixed; a bad value is still RF_ERANGE. */
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_LATENESS_S, 5.0), RF_EMISUSE);
  assert_string_not_equal(rf_greedy_errmsg(g), "");
  assert_true(rf_greedy_param_get(g, RF_GREEDY_LATENESS_S) == 0.0);
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, 1.0), RF_EMISUSE);
  assert_true(rf_greedy_param_get(g, RF_GREEDY_MAX_GAP_S) == 10.0);
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_MAX_GAP_S, -1.0), RF_ERANGE);

  assert_int_equal(rf_greedy_push(NULL, &r), RF_EINVAL);
  assert_int_equal(rf_greedy_push(g, NULL), RF_EINVAL);
  assert_int_equal(rf_greedy_finish(NULL), RF_EINVAL);
  assert_string_equal(rf_greedy_errmsg(NULL), "");
  rf_greedy_free(NULL);
  rf_greedy_free(g);
  rf_store_free(store);
}

static void test_arguments(void **state) {
  (void)state;
  rf_store *store = basic_store();
  sink out;
  rf_greedy *g = (rf_greedy *)&out; /* any non-NULL value: must be cleared on failure */
  assert_int_equal(rf_greedy_new(NULL, store, NULL), RF_EINVAL);
  assert_int_equal(rf_greedy_new(&g, NULL, NULL), RF_EINVAL);
  assert_null(g);
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, 0);
  a.malloc_fn = NULL;
  g = (rf_greedy *)&out;
  assert_int_equal(rf_greedy_new(&g, store, &a), RF_EINVAL);
  assert_null(g);
  assert_int_equal(st.calls, 0);
  rf_store_free(store);
}

/* ---- allocation failure at every point ------------------------------------------------------- */

/* Enough shoppers (one with a very long id), hand visits and waiting changes that every array,
 * the id map and the name pool grow past their first size. */
enum { AF_SHOPPERS = 12, AF_MAX_STEPS = 128 };

static char af_ids[AF_SHOPPERS][5000];
static rf_plate_delta af_plates[AF_SHOPPERS];
static rf_record af_steps[AF_MAX_STEPS];
static size_t af_n;

static void af_init(void) {
  af_n = 0;
  for (int i = 0; i < AF_SHOPPERS; ++i) snprintf(af_ids[i], sizeof af_ids[i], "shopper-%d", i);
  memset(af_ids[AF_SHOPPERS - 1], 'x', sizeof af_ids[0] - 1); /* longer than a pool chunk */
  af_ids[AF_SHOPPERS - 1][sizeof af_ids[0] - 1] = '\0';
  for (int i = 0; i < AF_SHOPPERS; ++i) af_steps[af_n++] = enter(i * MS, af_ids[i]);
  af_steps[af_n++] = link_to(20 * MS, af_ids[1], af_ids[0]);
  for (int i = 0; i < AF_SHOPPERS; ++i) {
    rf_time_us t = (1 + i) * SEC;
    const char *shelf = i % 2 ? "S2" : "S1";
    af_steps[af_n++] = hand(af_ids[i], shelf, t, t + 300 * MS);
    af_plates[i].plate = i % 2 ? "Q1" : "P1";
    af_plates[i].g = i % 2 ? -300.0 : -100.0 * (1 + i % 3);
    af_steps[af_n++] = delta(shelf, t + 100 * MS, t + 200 * MS, &af_plates[i], 1);
    if (i == 5) af_steps[af_n++] = hand(NULL, shelf, t, t + 300 * MS);
  }
  for (int i = 0; i < AF_SHOPPERS; ++i) af_steps[af_n++] = leave(30 * SEC + i * MS, af_ids[i]);
}

/* One run with allocation `fail_at` failing; a refused push (or finish) is repeated and must then
 * be taken. The output goes to *out; nothing may leak. Returns 0 when no failure was injected, 1
 * when one was and the run went on, 2 when the baseline could not be made. */
static int af_run(long fail_at, sink *out) {
  memset(out, 0, sizeof *out);
  rf_store *store = basic_store(); /* with its own allocator: not counted */
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, fail_at);
  rf_greedy *g = (rf_greedy *)&st;
  int rc = rf_greedy_new(&g, store, &a);
  if (st.failed) {
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(g);
    assert_int_equal(st.live, 0);
    rf_store_free(store);
    return 2;
  }
  assert_int_equal(rc, RF_OK);
  rf_greedy_set_output(g, sink_collect, out);
  /* every change waits at once; setting a parameter allocates nothing */
  assert_int_equal(rf_greedy_param_set(g, RF_GREEDY_LATENESS_S, 20.0), RF_OK);
  for (size_t j = 0; j < af_n; ++j) {
    int before = st.failed;
    rc = rf_greedy_push(g, &af_steps[j]);
    if (st.failed && !before) {
      assert_int_equal(rc, RF_ENOMEM);
      assert_string_equal(rf_greedy_errmsg(g), "out of memory");
      rc = rf_greedy_push(g, &af_steps[j]); /* the same record, now with memory */
    }
    assert_int_equal(rc, RF_OK);
    assert_string_equal(rf_greedy_errmsg(g), "");
  }
  int before = st.failed;
  rc = rf_greedy_finish(g);
  if (st.failed && !before) {
    assert_int_equal(rc, RF_ENOMEM);
    rc = rf_greedy_finish(g);
  }
  assert_int_equal(rc, RF_OK);
  rf_greedy_free(g);
  rf_store_free(store);
  assert_int_equal(st.live, 0);
  return st.failed;
}

static void assert_same_output(const sink *x, const sink *y) {
  assert_int_equal(x->count, y->count);
  for (size_t i = 0; i < x->count; ++i) {
    const out_rec *a = &x->rec[i], *b = &y->rec[i];
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->t, b->t);
    assert_string_equal(a->shopper, b->shopper);
    assert_int_equal(a->shopper_hash, b->shopper_hash);
    assert_string_equal(a->sku, b->sku);
    assert_int_equal(a->qty, b->qty);
    assert_int_equal(a->event, b->event);
    assert_int_equal(a->item_count, b->item_count);
    for (size_t k = 0; k < a->item_count; ++k) {
      assert_string_equal(a->items[k].sku, b->items[k].sku);
      assert_int_equal(a->items[k].qty, b->items[k].qty);
    }
  }
}

static void test_allocation_failures(void **state) {
  (void)state;
  static sink want, got;
  af_init();
  assert_int_equal(af_run(0, &want), 0);
  /* The run itself: shopper i takes at (1 + i) s on S1 (even i: A x1, x3, x2 in turn) or S2 (odd
   * i: C x1); shopper 1 shops into shopper 0's cart. 12 diffs, decided 20 s after each change,
   * then a receipt per cart owner (11) 20 s after the exits at 30 s + i ms. */
  assert_int_equal(want.count, 23);
  assert_diff(&want, 0, 0, 21200 * MS, "shopper-0", "A", 1, 0);
  assert_diff(&want, 1, 1, 22200 * MS, "shopper-0", "C", 1, 1);
  assert_diff(&want, 2, 2, 23200 * MS, "shopper-2", "A", 3, 2);
  assert_diff(&want, 4, 4, 25200 * MS, "shopper-4", "A", 2, 4);
  assert_receipt(&want, 12, 50001 * MS, "shopper-0", ITEMS({"A", 1}, {"C", 1}));
  long k = 1;
  for (int injected = 1; injected; ++k) {
    injected = af_run(k, &got);
    if (injected != 2) assert_same_output(&got, &want);
  }
  /* Not vacuous: the baseline, its shelf tables, shoppers, carts, ids, names, hands, changes. */
  assert_true(k > 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nearest_hand),
      cmocka_unit_test(test_max_gap),
      cmocka_unit_test(test_long_max_gap),
      cmocka_unit_test(test_nearest_weight),
      cmocka_unit_test(test_put_back),
      cmocka_unit_test(test_left_before_change),
      cmocka_unit_test(test_lateness),
      cmocka_unit_test(test_too_late),
      cmocka_unit_test(test_linked_shoppers),
      cmocka_unit_test(test_link_to_follower),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_output_error_passed_back),
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
