/* The engine's calibration (lib/fuse/calibrate.c, restock.c, scales.c; the estimator alone is
 * test_calib.c): a shelf whose plates read 2 % high is learned from confident takes, what no
 * reading touched keeps its prior exactly, CALIBRATE 0 learns nothing and reads with the
 * catalogue, announced restocks are nobody's and teach, seeds (the engine's and the host's) are
 * what the listing starts from, and the same records give the same bits — pushed twice, or
 * replayed from a journal.
 *
 * The store: shelf A, plates A1..A4 of 0.1 m (noise 1.5 g), X (250 g, sd 1 g) over A1-A2 and Y
 * (540 g, sd 2 g) over A3-A4; shelf B, plates B1-B2, Z (130 g, sd 1 g) over both. A1 and A2
 * read every load 2 % high (a delta of one X taken says -255 g); nothing ever moves on A3, A4,
 * B1, B2, nor is Y or Z ever taken. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
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
#include "retailfuse/host.h"
#include "retailfuse/journal.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "test_dir.h"
#include "test_records.h"
#include "test_rng.h"

#define SEC 1000000LL
#define MS 1000LL

/* ---- the store ------------------------------------------------------------------------------- */

enum { P_X, P_Y, P_Z, N_PRODUCTS };
enum { PL_A1, PL_A2, PL_A3, PL_A4, PL_B1, PL_B2, N_PLATES };

static const double X_G = 250.0;
static const double HIGH = 1.02; /* what A1 and A2 read per gram laid on them */

static const rf_product_def products[N_PRODUCTS] = {
    {"X", NULL, 250.0, 1, 1.0}, {"Y", NULL, 540.0, 1, 2.0}, {"Z", NULL, 130.0, 1, 1.0}};
static const rf_plate_def plates_a[] = {
    {"A1", 0.0, 0.1}, {"A2", 0.1, 0.2}, {"A3", 0.2, 0.3}, {"A4", 0.3, 0.4}};
static const rf_plate_def plates_b[] = {{"B1", 0.0, 0.1}, {"B2", 0.1, 0.2}};
static const rf_shelf_def shelves[] = {{"A", 1, 1.5, 1, 0.0, 0.0, plates_a, 4, 0, 0, 0},
                                       {"B", 1, 1.5, 1, 6.0, 0.0, plates_b, 2, 0, 0, 0}};
static const rf_facing_def facings[] = {
    {"A", "X", 0.0, 0.2, 20}, {"A", "Y", 0.2, 0.4, 8}, {"B", "Z", 0.0, 0.2, 10}};
static const char *const plate_ids[N_PLATES] = {"A1", "A2", "A3", "A4", "B1", "B2"};
static const char *const skus[N_PRODUCTS] = {"X", "Y", "Z"};

static rf_store *g_store;

/* Engines and hosts a test made, freed by the teardown even when the test fails. */
enum { MOST_LIVE = 8 };
static rf_engine *g_engines[MOST_LIVE];
static rf_host *g_hosts[MOST_LIVE];

static rf_store *store(void) {
  if (g_store != NULL) return g_store;
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  for (size_t i = 0; i < N_PRODUCTS; ++i)
    assert_int_equal(rf_store_builder_add_product(b, &products[i]), RF_OK);
  for (size_t i = 0; i < 2; ++i)
    assert_int_equal(rf_store_builder_add_shelf(b, &shelves[i]), RF_OK);
  for (size_t i = 0; i < 3; ++i)
    assert_int_equal(rf_store_builder_add_facing(b, &facings[i]), RF_OK);
  assert_int_equal(rf_store_builder_finish(b, &g_store), RF_OK);
  rf_store_builder_free(b);
  return g_store;
}

static int teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < MOST_LIVE; ++i) {
    rf_engine_free(g_engines[i]);
    rf_host_free(g_hosts[i]);
    g_engines[i] = NULL;
    g_hosts[i] = NULL;
  }
  rf_store_free(g_store);
  g_store = NULL;
  return 0;
}

/* ---- input streams --------------------------------------------------------------------------- */

enum { MAX_REC = 512 };

typedef struct stream {
  rf_record rec[MAX_REC];
  rf_plate_delta plate[MAX_REC]; /* the deltas' plates */
  size_t n, plates;
} stream;

static void add(stream *s, rf_record r) {
  assert_true(s->n < MAX_REC);
  s->rec[s->n++] = r;
}

/* A delta moving g1 on plate p1 and, when p2 is not NULL, g2 on p2. */
static void add_delta2(stream *s, const char *shelf, rf_time_us t0, rf_time_us t1, const char *p1,
                       double g1, const char *p2, double g2) {
  assert_true(s->plates + 2 <= MAX_REC);
  rf_plate_delta *d = &s->plate[s->plates];
  d[0] = (rf_plate_delta){p1, g1};
  d[1] = (rf_plate_delta){p2, g2};
  s->plates += p2 != NULL ? 2 : 1;
  add(s, delta(shelf, t0, t1, d, p2 != NULL ? 2 : 1));
}

static void add_delta(stream *s, const char *shelf, rf_time_us t0, rf_time_us t1, const char *plate,
                      double g) {
  add_delta2(s, shelf, t0, t1, plate, g, NULL, 0.0);
}

static void add_restock(stream *s, const char *shelf, const char *sku, rf_time_us t0, rf_time_us t1,
                        int64_t qty) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_RESTOCK;
  r.u.restock.shelf = shelf;
  r.u.restock.sku = sku;
  r.u.restock.t0 = t0;
  r.u.restock.t1 = t1;
  r.u.restock.qty = qty;
  add(s, r);
}

/* When take i (0-based) of a stream of takes begins. */
static rf_time_us take_t(int i) { return 10 * SEC + (rf_time_us)i * 20 * SEC; }

/* S1 enters, takes n items of X one by one — its hand on A at the item, the item leaving A1 (even
 * takes) or A2 (odd), read as `gain` times its 250 g give or take 0.5 g — and leaves. */
static void takes(stream *s, int n, double gain) {
  uint64_t rng = 17;
  s->n = s->plates = 0;
  add(s, enter(0, "S1"));
  for (int i = 0; i < n; ++i) {
    const rf_time_us t = take_t(i);
    const double noise = test_rng_uniform(&rng) - 0.5;
    add(s, hand_at("S1", "A", t, t + SEC, i % 2 ? 0.15 : 0.05));
    add_delta(s, "A", t + 200 * MS, t + 800 * MS, i % 2 ? "A2" : "A1", -(X_G * gain + noise));
  }
  add(s, leave(take_t(n) + 5 * SEC, "S1"));
}

/* ---- output and the calibration -------------------------------------------------------------- */

enum { MAX_DIFFS = 128 };

typedef struct outs {
  size_t diffs, receipts;
  double conf[MAX_DIFFS];
  char shopper[MAX_DIFFS][16], sku[MAX_DIFFS][16];
  int64_t qty[MAX_DIFFS];
} outs;

static int collect(const rf_record *r, void *payload) {
  outs *o = payload;
  if (r->type == RF_RECORD_RECEIPT) {
    o->receipts++;
    return 0;
  }
  assert_int_equal(r->type, RF_RECORD_DIFF);
  assert_true(o->diffs < MAX_DIFFS);
  o->conf[o->diffs] = r->u.diff.conf;
  snprintf(o->shopper[o->diffs], sizeof o->shopper[0], "%s", r->u.diff.shopper);
  snprintf(o->sku[o->diffs], sizeof o->sku[0], "%s", r->u.diff.sku);
  o->qty[o->diffs++] = r->u.diff.qty;
  return 0;
}

/* The listing, copied: plates first (store order), then products. */
typedef struct scales {
  size_t n;
  rf_scale s[N_PLATES + N_PRODUCTS];
  char id[N_PLATES + N_PRODUCTS][16];
} scales;

static int copy_scale(const rf_scale *s, void *payload) {
  scales *c = payload;
  assert_true(c->n < N_PLATES + N_PRODUCTS);
  c->s[c->n] = *s;
  snprintf(c->id[c->n], sizeof c->id[0], "%s", s->id);
  c->s[c->n].id = c->id[c->n];
  c->n++;
  return 0;
}

static void listing(const rf_engine *e, scales *out) {
  memset(out, 0, sizeof *out);
  assert_int_equal(rf_engine_calibration(e, copy_scale, out), RF_OK);
  assert_int_equal(out->n, N_PLATES + N_PRODUCTS);
  for (size_t i = 0; i < N_PLATES; ++i) {
    assert_int_equal(out->s[i].kind, RF_SCALE_GAIN);
    assert_string_equal(out->s[i].id, plate_ids[i]);
  }
  for (size_t i = 0; i < N_PRODUCTS; ++i) {
    assert_int_equal(out->s[N_PLATES + i].kind, RF_SCALE_WEIGHT);
    assert_string_equal(out->s[N_PLATES + i].id, skus[i]);
  }
}

static const rf_scale *plate(const scales *c, int k) { return &c->s[k]; }
static const rf_scale *product(const scales *c, int p) { return &c->s[N_PLATES + p]; }

/* A plate that no reading touched: gain exactly 1, its prior, no evidence. */
static void assert_untouched_plate(const scales *c, int k, double gain_sd) {
  const rf_scale *s = plate(c, k);
  assert_true(s->value == 1.0);
  assert_true(s->prior == 1.0);
  assert_true(s->evidence == 0.0);
  assert_true(fabs(s->sd - gain_sd) < 1e-9);
}

/* A product that no reading touched: its catalogue weight exactly, no evidence. */
static void assert_untouched_product(const scales *c, int p, double weight_sd) {
  const rf_scale *s = product(c, p);
  assert_true(s->value == products[p].weight_g);
  assert_true(s->prior == products[p].weight_g);
  assert_true(s->evidence == 0.0);
  assert_true(fabs(s->sd - weight_sd * products[p].weight_g) < 1e-9);
}

/* The listing, with RF_TEST_TRACE set. */
static void dump(const scales *c) {
  if (getenv("RF_TEST_TRACE") == NULL) return;
  for (size_t i = 0; i < c->n; ++i)
    print_message("  %-3s value %.7f sd %.7f prior %.7f evidence %.4f\n", c->s[i].id, c->s[i].value,
                  c->s[i].sd, c->s[i].prior, c->s[i].evidence);
}

/* Every value of two listings the same, bit for bit. */
static void assert_same_bits(const scales *a, const scales *b) {
  assert_int_equal(a->n, b->n);
  for (size_t i = 0; i < a->n; ++i) {
    assert_int_equal(a->s[i].kind, b->s[i].kind);
    assert_string_equal(a->s[i].id, b->s[i].id);
    assert_memory_equal(&a->s[i].value, &b->s[i].value, sizeof(double));
    assert_memory_equal(&a->s[i].sd, &b->s[i].sd, sizeof(double));
    assert_memory_equal(&a->s[i].prior, &b->s[i].prior, sizeof(double));
    assert_memory_equal(&a->s[i].evidence, &b->s[i].evidence, sizeof(double));
  }
}

/* ---- engines --------------------------------------------------------------------------------- */

static void keep(void **live, void *p) {
  for (size_t i = 0; i < MOST_LIVE; ++i)
    if (live[i] == NULL) {
      live[i] = p;
      return;
    }
  fail_msg("too many engines or hosts in one test");
}

/* Frees what keep() kept. */
static void engine_free(rf_engine *e) {
  for (size_t i = 0; i < MOST_LIVE; ++i)
    if (g_engines[i] == e) g_engines[i] = NULL;
  rf_engine_free(e);
}

static void host_free(rf_host *h) {
  for (size_t i = 0; i < MOST_LIVE; ++i)
    if (g_hosts[i] == h) g_hosts[i] = NULL;
  rf_host_free(h);
}

typedef struct setting {
  rf_engine_param param;
  double value;
} setting;

static rf_engine *engine_new(outs *o, const setting *set, size_t n_set) {
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, store(), NULL), RF_OK);
  keep((void **)g_engines, e);
  for (size_t i = 0; i < n_set; ++i)
    assert_int_equal(rf_engine_param_set(e, set[i].param, set[i].value), RF_OK);
  memset(o, 0, sizeof *o);
  rf_engine_set_output(e, collect, o);
  return e;
}

static void push_range(rf_engine *e, const stream *s, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    int rc = rf_engine_push(e, &s->rec[i]);
    if (rc != RF_OK)
      fail_msg("record %zu refused: %s: %s", i, rf_err_name(rc), rf_engine_errmsg(e));
  }
}

static void push_all(rf_engine *e, const stream *s) { push_range(e, s, 0, s->n); }

/* The stream through a new engine with these settings (and seeds), to its end: its output and
 * its calibration. */
static void run_engine(const stream *s, const setting *set, size_t n_set, const rf_scale *seeds,
                       size_t n_seeds, outs *o, scales *c) {
  rf_engine *e = engine_new(o, set, n_set);
  for (size_t i = 0; i < n_seeds; ++i)
    assert_int_equal(rf_engine_calibration_seed(e, &seeds[i]), RF_OK);
  push_all(e, s);
  assert_int_equal(rf_engine_finish(e), RF_OK);
  listing(e, c);
  engine_free(e);
}

/* Diff i: S1's, one more (qty) of sku. */
static void assert_diff(const outs *o, size_t i, const char *sku, int64_t qty) {
  assert_true(i < o->diffs);
  assert_string_equal(o->shopper[i], "S1");
  assert_string_equal(o->sku[i], sku);
  assert_int_equal(o->qty[i], qty);
}

/* ---- 1. plates that read high ---------------------------------------------------------------- */

enum { TAKES = 40 };

/* S1's 40 takes of X, sure (hand named, alone at the shelf), from A1 and A2, which read 2 % high.
 * A reading says "gain x weight", so that product is what the takes teach: about 1.02 x 250 g.
 * How it splits between the plates' gains and X's weight is the priors' (gain within 1 %, weight
 * within 2 %): both move up. With X's weight seeded at its true 250 g within 0.01 g, the gains
 * alone explain the readings: 1.02 within 0.3 %. Every take counts, as sure as it was (1), on
 * its plate and on X; A3, A4, B1, B2, Y and Z keep their priors exactly, with no evidence. */
static void test_high_plates_learned(void **state) {
  (void)state;
  static stream s;
  takes(&s, TAKES, HIGH);
  outs o;
  scales c;
  run_engine(&s, NULL, 0, NULL, 0, &o, &c);
  assert_int_equal(o.diffs, TAKES);
  for (size_t i = 0; i < TAKES; ++i) {
    assert_diff(&o, i, "X", 1);
    assert_true(o.conf[i] >= 0.95);
  }
  assert_int_equal(o.receipts, 1);
  for (int k = PL_A1; k <= PL_A2; ++k) {
    const rf_scale *g = plate(&c, k);
    assert_true(g->value > 1.001 && g->value < 1.01);
    assert_true(g->prior == 1.0);
    assert_true(g->sd > 0.0 && g->sd < 0.01); /* narrower than GAIN_SD: learned */
    assert_true(fabs(g->evidence - TAKES / 2) < 1e-9);
    /* The identifiable product: what a plate reads per gram over what the catalogue says. */
    const double read = g->value * product(&c, P_X)->value / X_G;
    print_message("%s: gain %.5f x weight %.3f g / 250 g = %.5f\n", g->id, g->value,
                  product(&c, P_X)->value, read);
    assert_true(fabs(read / HIGH - 1.0) < 0.003);
  }
  assert_true(product(&c, P_X)->value > X_G * 1.005 && product(&c, P_X)->value < X_G * HIGH);
  assert_true(product(&c, P_X)->prior == X_G);
  assert_true(fabs(product(&c, P_X)->evidence - TAKES) < 1e-9);
  for (int k = PL_A3; k < N_PLATES; ++k) assert_untouched_plate(&c, k, 0.01);
  assert_untouched_product(&c, P_Y, 0.02);
  assert_untouched_product(&c, P_Z, 0.02);

  /* X's weight known: the gains take the whole 2 %. */
  const rf_scale seed = {RF_SCALE_WEIGHT, "X", X_G, 0.01, 0, 0};
  run_engine(&s, NULL, 0, &seed, 1, &o, &c);
  assert_int_equal(o.diffs, TAKES);
  for (int k = PL_A1; k <= PL_A2; ++k) {
    const rf_scale *g = plate(&c, k);
    print_message("%s: gain %.5f, sd %.5f, with X's weight seeded\n", g->id, g->value, g->sd);
    assert_true(fabs(g->value / HIGH - 1.0) < 0.003);
    assert_true(g->sd < 0.005);
    assert_true(fabs(g->evidence - TAKES / 2) < 1e-9);
  }
  assert_true(fabs(product(&c, P_X)->value - X_G) < 0.05);
  assert_true(fabs(product(&c, P_X)->sd - 0.01) < 0.001);
  assert_true(product(&c, P_X)->prior == X_G);
  assert_true(fabs(product(&c, P_X)->evidence - TAKES) < 1e-9);
  for (int k = PL_A3; k < N_PLATES; ++k) assert_untouched_plate(&c, k, 0.01);
  assert_untouched_product(&c, P_Y, 0.02);
  assert_untouched_product(&c, P_Z, 0.02);
}

/* No one reading moves a value by more than CALIB_STEP (a share of the plate's correction, true
 * grams per gram read): with X's weight known, each take's 2 % would move its plate's gain most
 * of the way at once; it moves it by exactly the step, reading after reading — 0.3 % by default,
 * 0.1 % when set so. */
static void test_steps_are_bounded(void **state) {
  (void)state;
  static stream s;
  takes(&s, TAKES, HIGH);
  const double steps[] = {0.003, 0.001};
  for (size_t k = 0; k < 2; ++k) {
    outs o;
    const setting step = {RF_PARAM_CALIB_STEP, steps[k]};
    rf_engine *e = engine_new(&o, &step, 1);
    const rf_scale seed = {RF_SCALE_WEIGHT, "X", X_G, 0.01, 0, 0};
    assert_int_equal(rf_engine_calibration_seed(e, &seed), RF_OK);
    /* The enter, then take i's hand and delta (records 1 + 2i, 2 + 2i): decided one by one. */
    for (int i = 0; i < 6; ++i) {
      push_range(e, &s, i == 0 ? 0 : (size_t)(2 * i + 1), (size_t)(2 * i + 3));
      assert_int_equal(rf_engine_advance(e, take_t(i) + 19 * SEC), RF_OK);
      assert_int_equal(o.diffs, (size_t)i + 1);
      scales c;
      listing(e, &c);
      const rf_scale *g = plate(&c, i % 2 ? PL_A2 : PL_A1);
      const int readings = i / 2 + 1; /* of this plate */
      assert_true(fabs(g->evidence - readings) < 1e-9);
      /* Its correction 1 / gain has come down by the step, once per reading. */
      const double want = 1.0 / (1.0 - steps[k] * readings);
      if (fabs(g->value - want) > 1e-5)
        fail_msg("step %g, take %d: %s's gain %.7f, not %.7f", steps[k], i, g->id, g->value, want);
      assert_untouched_plate(&c, PL_A3, 0.01);
      assert_untouched_plate(&c, PL_A4, 0.01);
    }
    engine_free(e);
  }
}

/* ---- 2. CALIBRATE 0 -------------------------------------------------------------------------- */

/* NOBODY_PRIOR 0.5 makes a take's confidence hang on how well its weight fits (the other
 * reading, nobody's, is flat over 2 kg); LEARN 0 keeps the noise as set. */
static const setting weigh_fits[] = {{RF_PARAM_NOBODY_PRIOR, 0.5}, {RF_PARAM_LEARN, 0.0}};

/* With CALIBRATE 0 the same takes teach nothing: unit gains (sd GAIN_SD) and the catalogue
 * (sd WEIGHT_SD) with no evidence, the priors they are. And the changes are read with them:
 * the output is, diff for diff, that of an engine that calibrates but was seeded with unit gains
 * and the catalogue so tightly that it cannot learn; an engine that learns gives other
 * confidences (the test can tell). */
static void test_calibrate_off(void **state) {
  (void)state;
  static stream s;
  takes(&s, TAKES, HIGH);
  const setting off[] = {weigh_fits[0], weigh_fits[1], {RF_PARAM_CALIBRATE, 0.0}};
  outs o_off, o_pinned, o_on;
  scales c;
  run_engine(&s, off, 3, NULL, 0, &o_off, &c);
  for (int k = 0; k < N_PLATES; ++k) assert_untouched_plate(&c, k, 0.01);
  for (int p = 0; p < N_PRODUCTS; ++p) assert_untouched_product(&c, p, 0.02);
  /* Other priors' spreads are listed as set. */
  const setting off_sd[] = {
      {RF_PARAM_CALIBRATE, 0.0}, {RF_PARAM_GAIN_SD, 0.005}, {RF_PARAM_WEIGHT_SD, 0.04}};
  outs o;
  run_engine(&s, off_sd, 3, NULL, 0, &o, &c);
  for (int k = 0; k < N_PLATES; ++k) assert_untouched_plate(&c, k, 0.005);
  for (int p = 0; p < N_PRODUCTS; ++p) assert_untouched_product(&c, p, 0.04);

  rf_scale pins[N_PLATES + N_PRODUCTS];
  for (int k = 0; k < N_PLATES; ++k)
    pins[k] = (rf_scale){RF_SCALE_GAIN, plate_ids[k], 1.0, 1e-6, 0, 0};
  for (int p = 0; p < N_PRODUCTS; ++p)
    pins[N_PLATES + p] = (rf_scale){
        RF_SCALE_WEIGHT, skus[p], products[p].weight_g, 1e-6 * products[p].weight_g, 0, 0};
  run_engine(&s, weigh_fits, 2, pins, N_PLATES + N_PRODUCTS, &o_pinned, &c);
  run_engine(&s, weigh_fits, 2, NULL, 0, &o_on, &c);
  assert_int_equal(o_off.diffs, TAKES);
  assert_int_equal(o_pinned.diffs, TAKES);
  assert_int_equal(o_on.diffs, TAKES);
  int differ = 0;
  for (size_t i = 0; i < TAKES; ++i) {
    if (i < 4 || i == TAKES - 1)
      print_message("take %zu: conf %.4f off, %.4f pinned, %.4f learning\n", i, o_off.conf[i],
                    o_pinned.conf[i], o_on.conf[i]);
    assert_diff(&o_off, i, "X", 1);
    assert_diff(&o_pinned, i, "X", 1);
    assert_true(o_off.conf[i] == o_pinned.conf[i]);
    differ += o_on.conf[i] != o_off.conf[i];
  }
  assert_true(differ > TAKES / 2);
  /* Reading 255 g for a 250 g item costs the engine that does not learn; learning, it is sure. */
  assert_true(o_on.conf[TAKES - 1] > o_off.conf[TAKES - 1]);
}

/* ---- 3. announced restocks ------------------------------------------------------------------- */

/* S1 takes 4 X (10 s to 70 s); at 100 s, S1's hand still at the shelf, 4 X go back on A (500 g on
 * each of A1 and A2). Announced (staff: 4 X on A over 95-102 s, said once it was done), the change
 * is staff's: no diff, S1 keeps the 4, and it teaches X (and A1, A2) as a sure reading. Not
 * announced, it is S1 putting the 4 back. */
static void restock_stream(stream *s, int announced) {
  s->n = s->plates = 0;
  add(s, enter(0, "S1"));
  for (int i = 0; i < 4; ++i) {
    add(s, hand_at("S1", "A", take_t(i), take_t(i) + SEC, 0.05));
    add_delta(s, "A", take_t(i) + 200 * MS, take_t(i) + 800 * MS, "A1", -X_G);
  }
  add(s, hand_at("S1", "A", 100 * SEC, 101 * SEC, 0.1));
  add_delta2(s, "A", 100 * SEC + 200 * MS, 100 * SEC + 800 * MS, "A1", 2 * X_G, "A2", 2 * X_G);
  if (announced) add_restock(s, "A", "X", 95 * SEC, 102 * SEC, 4);
  add(s, leave(130 * SEC, "S1"));
}

static void test_restock_is_nobodys(void **state) {
  (void)state;
  static stream s;
  outs o;
  scales c, before;
  restock_stream(&s, 0);
  run_engine(&s, NULL, 0, NULL, 0, &o, &c);
  assert_int_equal(o.diffs, 5);
  for (size_t i = 0; i < 4; ++i) assert_diff(&o, i, "X", 1);
  assert_diff(&o, 4, "X", -4);

  /* The 4 takes alone: what X had learned before the restock. */
  restock_stream(&s, 1);
  rf_engine *e = engine_new(&o, NULL, 0);
  push_range(e, &s, 0, 9);
  assert_int_equal(rf_engine_advance(e, 99 * SEC), RF_OK);
  assert_int_equal(o.diffs, 4);
  listing(e, &before);
  assert_true(fabs(product(&before, P_X)->evidence - 4.0) < 1e-9);
  push_range(e, &s, 9, s.n);
  assert_int_equal(rf_engine_finish(e), RF_OK);
  listing(e, &c);
  dump(&c);
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(e, &st), RF_OK);
  engine_free(e);
  assert_int_equal(o.diffs, 4); /* the takes; the restock made none */
  for (size_t i = 0; i < 4; ++i) assert_diff(&o, i, "X", 1);
  assert_int_equal(o.receipts, 1);
  assert_int_equal(st.set_aside, 0);
  assert_true(fabs(product(&c, P_X)->evidence - 5.0) < 1e-9);
  assert_true(fabs(plate(&c, PL_A2)->evidence - 1.0) < 1e-9);
  assert_true(product(&c, P_X)->sd < product(&before, P_X)->sd);
}

/* Staff announce 2 X taken off A (qty -2) over 8-12 s; at 10 s A loses 500 g with S1's hand
 * there. Announced, it is staff's: no diff, and X is taught once; not announced, S1 took 2 X. */
static void test_restock_taken_off(void **state) {
  (void)state;
  static stream s;
  for (int announced = 0; announced <= 1; ++announced) {
    s.n = s.plates = 0;
    add(&s, enter(0, "S1"));
    add(&s, hand_at("S1", "A", 10 * SEC, 11 * SEC, 0.05));
    add_delta(&s, "A", 10 * SEC + 200 * MS, 10 * SEC + 800 * MS, "A1", -2 * X_G);
    if (announced) add_restock(&s, "A", "X", 8 * SEC, 12 * SEC, -2);
    add(&s, leave(40 * SEC, "S1"));
    outs o;
    scales c;
    run_engine(&s, NULL, 0, NULL, 0, &o, &c);
    assert_int_equal(o.receipts, 1);
    if (!announced) {
      assert_int_equal(o.diffs, 1);
      assert_diff(&o, 0, "X", 2);
      continue;
    }
    assert_int_equal(o.diffs, 0);
    assert_true(fabs(product(&c, P_X)->evidence - 1.0) < 1e-9);
    assert_true(fabs(plate(&c, PL_A1)->evidence - 1.0) < 1e-9);
    assert_untouched_plate(&c, PL_A2, 0.01);
  }
}

/* A restock that names a product the store lacks is set aside as unknown_sku; one of no items
 * as bad_number, and so is one that ends before it begins; one on a shelf the store lacks as
 * unknown_shelf. None is taken. */
static void test_restock_set_aside(void **state) {
  (void)state;
  static stream s;
  outs o;
  s.n = s.plates = 0;
  add_restock(&s, "A", "NOPE", 1 * SEC, 2 * SEC, 4);
  add_restock(&s, "A", "X", 1 * SEC, 2 * SEC, 0);
  add_restock(&s, "Q", "X", 1 * SEC, 2 * SEC, 4);
  add_restock(&s, "A", "X", 3 * SEC, 2 * SEC, 4); /* ends before it begins */
  const int want[] = {RF_SETASIDE_UNKNOWN_SKU, RF_SETASIDE_BAD_NUMBER, RF_SETASIDE_UNKNOWN_SHELF,
                      RF_SETASIDE_BAD_NUMBER};
  const char *const says[] = {"sku 'NOPE'", "'qty'", "shelf 'Q'", "'t1'"};
  rf_engine *e = engine_new(&o, NULL, 0);
  for (size_t i = 0; i < s.n; ++i) {
    assert_int_equal(rf_engine_push(e, &s.rec[i]), RF_SETASIDE);
    assert_int_equal(rf_engine_setaside_reason(e), want[i]);
    if (strstr(rf_engine_errmsg(e), says[i]) == NULL)
      fail_msg("restock %zu: '%s' does not say %s", i, rf_engine_errmsg(e), says[i]);
  }
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(e, &st), RF_OK);
  assert_int_equal(st.set_aside, 4);
  assert_int_equal(st.by_reason[RF_SETASIDE_UNKNOWN_SKU], 1);
  assert_int_equal(st.by_reason[RF_SETASIDE_BAD_NUMBER], 2);
  assert_int_equal(st.by_reason[RF_SETASIDE_UNKNOWN_SHELF], 1);
  assert_int_equal(st.taken, 0);
  assert_string_equal(rf_setaside_reason_name(RF_SETASIDE_UNKNOWN_SKU), "unknown_sku");
  engine_free(e);
}

/* An announced restock of 4 X over 90-122 s (WAIT_S 30, so that it comes before either of its
 * changes is decided); at 100 s A gains 375 g, one and a half X: no whole number of them, so not
 * the restock's, and it teaches nothing (X's evidence, once it is decided, still that of the 4
 * takes). At 120 s, with S1 reaching, 4 X (1000 g): the restock's — no diff, X taught once. */
static void test_restock_must_fit(void **state) {
  (void)state;
  static stream s;
  outs o;
  s.n = s.plates = 0;
  add(&s, enter(0, "S1"));
  for (int i = 0; i < 4; ++i) {
    add(&s, hand_at("S1", "A", take_t(i), take_t(i) + SEC, 0.05));
    add_delta(&s, "A", take_t(i) + 200 * MS, take_t(i) + 800 * MS, "A1", -X_G);
  }
  add_delta(&s, "A", 100 * SEC + 200 * MS, 100 * SEC + 800 * MS, "A1", 1.5 * X_G);
  add(&s, hand_at("S1", "A", 120 * SEC, 121 * SEC, 0.05));
  add_delta(&s, "A", 120 * SEC + 200 * MS, 120 * SEC + 800 * MS, "A1", 4 * X_G);
  add_restock(&s, "A", "X", 90 * SEC, 122 * SEC, 4);
  add(&s, leave(150 * SEC, "S1"));
  const size_t before_exit = s.n - 1;

  const setting wait = {RF_PARAM_WAIT_S, 30.0};
  rf_engine *e = engine_new(&o, &wait, 1);
  push_range(e, &s, 0, before_exit);
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(e, &st), RF_OK);
  assert_int_equal(st.decisions, 4); /* the takes: neither the 375 g change nor the 1000 g one */
  assert_int_equal(rf_engine_advance(e, 135 * SEC), RF_OK);
  assert_int_equal(rf_engine_get_stats(e, &st), RF_OK);
  assert_int_equal(st.decisions, 5); /* the 375 g change decided, not the 1000 g one */
  scales c;
  listing(e, &c);
  dump(&c);
  assert_true(fabs(product(&c, P_X)->evidence - 4.0) < 1e-9);
  const size_t diffs_then = o.diffs;
  push_range(e, &s, before_exit, s.n);
  assert_int_equal(rf_engine_finish(e), RF_OK);
  listing(e, &c);
  assert_int_equal(rf_engine_get_stats(e, &st), RF_OK);
  assert_int_equal(st.decisions, 6);
  engine_free(e);
  assert_int_equal(o.diffs, diffs_then); /* the 1000 g change: staff's */
  for (size_t i = 0; i < 4; ++i) assert_diff(&o, i, "X", 1);
  assert_true(fabs(product(&c, P_X)->evidence - 5.0) < 1e-9);
}

/* ---- 4. seeds -------------------------------------------------------------------------------- */

/* A seed is what the listing starts from (value, sd, prior; no evidence), before any event; the
 * other scales keep their priors exactly. Refused seeds — an id the store lacks, a value out of
 * range, a seed with CALIBRATE 0 — change nothing. */
/* A refused seed changes nothing — not even by making the calibration early with the
 * parameters of that moment: GAIN_SD set after it still counts (it did not, when the
 * calibration was made before the seed's range was checked). An sd of 1e200, or one that
 * would pin the value (1e-9 of it), is refused. */
static void test_refused_seed_changes_nothing(void **state) {
  (void)state;
  outs o;
  rf_engine *e = engine_new(&o, NULL, 0);
  const rf_scale wide = {RF_SCALE_GAIN, "A1", 1.01, 1e200, 0, 0};
  const rf_scale pin = {RF_SCALE_WEIGHT, "X", 250.0, 250e-9, 0, 0};
  assert_int_equal(rf_engine_calibration_seed(e, &wide), RF_ERANGE);
  assert_int_equal(rf_engine_calibration_seed(e, &pin), RF_ERANGE);
  assert_int_equal(rf_engine_param_set(e, RF_PARAM_GAIN_SD, 0.005), RF_OK);
  const rf_scale ok = {RF_SCALE_GAIN, "A1", 1.01, 0.001, 0, 0};
  assert_int_equal(rf_engine_calibration_seed(e, &ok), RF_OK);
  scales c;
  listing(e, &c);
  assert_untouched_plate(&c, PL_A2, 0.005);
  assert_true(fabs(plate(&c, PL_A1)->value - 1.01) < 1e-12);
}

/* Bytes live through an allocator, the most ever, for the memory test below. */
typedef struct counting {
  size_t live, peak;
} counting;

static void *count_malloc(size_t n, void *payload) {
  counting *k = payload;
  size_t *p = malloc(n + sizeof(size_t) * 2);
  if (p == NULL) return NULL;
  p[0] = n;
  k->live += n;
  if (k->live > k->peak) k->peak = k->live;
  return p + 2;
}

static void count_free(void *ptr, void *payload) {
  if (ptr == NULL) return;
  counting *k = payload;
  size_t *p = (size_t *)ptr - 2;
  k->live -= p[0];
  free(p);
}

static void *count_realloc(void *ptr, size_t n, void *payload) {
  if (ptr == NULL) return count_malloc(n, payload);
  size_t old = ((size_t *)ptr - 2)[0];
  void *fresh = count_malloc(n, payload);
  if (fresh == NULL) return NULL;
  memcpy(fresh, ptr, old < n ? old : n);
  count_free(ptr, payload);
  return fresh;
}

/* Products with no facing (sold from a counter, or not yet placed) each make a block of their
 * own: 3,000 of them cost kilobytes, where one shared block cost 3,000^2 doubles three times
 * over (216 MB) and an inverse of that size for every reading of one. A seed of one is taken. */
static void test_products_without_facing_stay_small(void **state) {
  (void)state;
  enum { LOOSE = 3000 };
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  static char ids[LOOSE][12];
  for (int i = 0; i < LOOSE; ++i) {
    snprintf(ids[i], sizeof ids[i], "P%d", i);
    const rf_product_def d = {ids[i], NULL, 100.0 + i, 1, 1.0};
    assert_int_equal(rf_store_builder_add_product(b, &d), RF_OK);
  }
  assert_int_equal(rf_store_builder_add_shelf(b, &shelves[1]), RF_OK);
  rf_store *st = NULL;
  assert_int_equal(rf_store_builder_finish(b, &st), RF_OK);
  rf_store_builder_free(b);
  counting k = {0, 0};
  const rf_allocator a = {count_malloc, count_realloc, count_free, &k};
  rf_engine *e = NULL;
  assert_int_equal(rf_engine_new(&e, st, &a), RF_OK);
  const rf_scale seed = {RF_SCALE_WEIGHT, "P7", 108.0, 0.5, 0, 0};
  assert_int_equal(rf_engine_calibration_seed(e, &seed), RF_OK);
  assert_true(k.peak < 8u << 20); /* 8 MB, the engine included */
  rf_engine_free(e);
  rf_store_free(st);
  assert_int_equal(k.live, 0);
}

static void test_engine_seeds(void **state) {
  (void)state;
  outs o;
  rf_engine *e = engine_new(&o, NULL, 0);
  const rf_scale a1 = {RF_SCALE_GAIN, "A1", 1.01, 0.001, 7.0, 9.0}; /* prior, evidence ignored */
  const rf_scale y = {RF_SCALE_WEIGHT, "Y", 530.0, 2.5, 0, 0};
  const rf_scale z = {RF_SCALE_WEIGHT, "Z", 131.0, 0.0, 0, 0}; /* sd <= 0: WEIGHT_SD's */
  assert_int_equal(rf_engine_calibration_seed(e, &a1), RF_OK);
  assert_int_equal(rf_engine_calibration_seed(e, &y), RF_OK);
  assert_int_equal(rf_engine_calibration_seed(e, &z), RF_OK);
  scales c, again;
  listing(e, &c);
  dump(&c);
  const rf_scale *g = plate(&c, PL_A1);
  assert_true(fabs(g->value - 1.01) < 1e-12);
  assert_true(fabs(g->sd - 0.001) < 1e-9);
  assert_true(fabs(g->prior - 1.01) < 1e-12);
  assert_true(g->evidence == 0.0);
  assert_true(fabs(product(&c, P_Y)->value - 530.0) < 1e-9);
  assert_true(fabs(product(&c, P_Y)->sd - 2.5) < 1e-9);
  assert_true(fabs(product(&c, P_Y)->prior - 530.0) < 1e-9);
  assert_true(product(&c, P_Y)->evidence == 0.0);
  assert_true(fabs(product(&c, P_Z)->value - 131.0) < 1e-9);
  assert_true(fabs(product(&c, P_Z)->sd - 0.02 * 131.0) < 0.02 * 131.0 * 0.05);
  for (int k = PL_A2; k < N_PLATES; ++k) assert_untouched_plate(&c, k, 0.01);
  assert_untouched_product(&c, P_X, 0.02);

  const struct {
    rf_scale s;
    int rc;
  } bad[] = {
      {{RF_SCALE_GAIN, "Q9", 1.0, 0.01, 0, 0}, RF_ENOTFOUND},
      {{RF_SCALE_WEIGHT, "NOPE", 100.0, 1.0, 0, 0}, RF_ENOTFOUND},
      {{RF_SCALE_WEIGHT, "A1", 100.0, 1.0, 0, 0}, RF_ENOTFOUND}, /* a plate is no product */
      {{RF_SCALE_GAIN, "X", 1.0, 0.01, 0, 0}, RF_ENOTFOUND},     /* nor a product a plate */
      {{RF_SCALE_GAIN, "A2", 3.0, 0.01, 0, 0}, RF_ERANGE},
      {{RF_SCALE_GAIN, "A2", 0.5, 0.01, 0, 0}, RF_ERANGE},
      {{RF_SCALE_GAIN, "A2", 2.0, 0.01, 0, 0}, RF_ERANGE},
      {{RF_SCALE_GAIN, "A2", NAN, 0.01, 0, 0}, RF_ERANGE},
      {{RF_SCALE_GAIN, "A2", 1.0, INFINITY, 0, 0}, RF_ERANGE},
      {{RF_SCALE_WEIGHT, "X", 501.0, 1.0, 0, 0}, RF_ERANGE}, /* more than twice the catalogue */
      {{RF_SCALE_WEIGHT, "X", 124.0, 1.0, 0, 0}, RF_ERANGE}, /* less than half */
      {{(rf_scale_kind)7, "X", 250.0, 1.0, 0, 0}, RF_EINVAL},
      {{RF_SCALE_GAIN, NULL, 1.0, 0.01, 0, 0}, RF_EINVAL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    int rc = rf_engine_calibration_seed(e, &bad[i].s);
    if (rc != bad[i].rc)
      fail_msg("seed %zu: %s, not %s (%s)", i, rf_err_name(rc), rf_err_name(bad[i].rc),
               rf_engine_errmsg(e));
    if (bad[i].s.id != NULL) assert_non_null(strstr(rf_engine_errmsg(e), bad[i].s.id));
  }
  assert_int_equal(rf_engine_calibration_seed(e, NULL), RF_EINVAL);
  assert_int_equal(rf_engine_calibration_seed(NULL, &a1), RF_EINVAL);
  assert_int_equal(rf_engine_calibration(NULL, copy_scale, &again), RF_EINVAL);
  assert_int_equal(rf_engine_calibration(e, NULL, &again), RF_EINVAL);
  listing(e, &again);
  assert_same_bits(&c, &again);
  engine_free(e);

  const setting off = {RF_PARAM_CALIBRATE, 0.0};
  e = engine_new(&o, &off, 1);
  assert_int_equal(rf_engine_calibration_seed(e, &a1), RF_EMISUSE);
  assert_non_null(strstr(rf_engine_errmsg(e), "CALIBRATE"));
  listing(e, &c);
  assert_untouched_plate(&c, PL_A1, 0.01);
  engine_free(e);
}

/* "RF_ERANGE for ... an sd not finite" (engine.h): a NaN sd too, for a gain or a weight — not
 * read as "no sd given" (the default share), which is what an sd <= 0 means. */
static void test_seed_sd_nan(void **state) {
  (void)state;
  outs o;
  rf_engine *e = engine_new(&o, NULL, 0);
  const rf_scale gain = {RF_SCALE_GAIN, "A1", 1.01, NAN, 0, 0};
  const rf_scale weight = {RF_SCALE_WEIGHT, "X", 252.0, NAN, 0, 0};
  scales before, after;
  listing(e, &before);
  int rc_gain = rf_engine_calibration_seed(e, &gain);
  int rc_weight = rf_engine_calibration_seed(e, &weight);
  listing(e, &after);
  print_message("a NaN sd: gain seed %s, weight seed %s\n", rf_err_name(rc_gain),
                rf_err_name(rc_weight));
  assert_int_equal(rc_gain, RF_ERANGE);
  assert_int_equal(rc_weight, RF_ERANGE);
  assert_same_bits(&before, &after);
  engine_free(e);
}

/* A listing callback's non-zero return stops the listing and is returned. */
static int stop_at_third(const rf_scale *s, void *payload) {
  (void)s;
  return ++*(int *)payload == 3 ? -42 : 0;
}

static void test_listing_stops(void **state) {
  (void)state;
  outs o;
  rf_engine *e = engine_new(&o, NULL, 0);
  int seen = 0;
  assert_int_equal(rf_engine_calibration(e, stop_at_third, &seen), -42);
  assert_int_equal(seen, 3);
  engine_free(e);
}

/* ---- hosts ----------------------------------------------------------------------------------- */

/* The store description as records, for a host. */
static void store_records(stream *s) {
  for (size_t i = 0; i < N_PRODUCTS; ++i) {
    rf_record r;
    memset(&r, 0, sizeof r);
    r.type = RF_RECORD_PRODUCT;
    r.u.product = products[i];
    add(s, r);
  }
  for (size_t i = 0; i < 2; ++i) {
    rf_record r;
    memset(&r, 0, sizeof r);
    r.type = RF_RECORD_SHELF;
    r.u.shelf = shelves[i];
    add(s, r);
  }
  for (size_t i = 0; i < 3; ++i) {
    rf_record r;
    memset(&r, 0, sizeof r);
    r.type = RF_RECORD_FACING;
    r.u.facing = facings[i];
    add(s, r);
  }
}

/* The store, then the takes of X on the high plates. */
static void host_takes(stream *s, int n) {
  static stream t;
  takes(&t, n, HIGH);
  s->n = s->plates = 0;
  store_records(s);
  for (size_t i = 0; i < t.n; ++i) add(s, t.rec[i]);
  /* The deltas' plates still point into t, which is static: they stay valid. */
}

static rf_host *host_new(outs *o) {
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  keep((void **)g_hosts, h);
  memset(o, 0, sizeof *o);
  rf_host_set_output(h, collect, o);
  return h;
}

static void host_push_range(rf_host *h, const stream *s, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    int rc = rf_host_push(h, &s->rec[i]);
    if (rc != RF_OK) fail_msg("record %zu refused: %s: %s", i, rf_err_name(rc), rf_host_errmsg(h));
  }
}

/* Seeds given to a host before the first event are the engine's from its start; after it,
 * RF_EMISUSE. A seed the engine refuses (a plate the store lacks, a gain out of range) is left
 * out, counted, and the run goes on; the baseline has no calibration. */
static void test_host_seeds(void **state) {
  (void)state;
  static stream s;
  host_takes(&s, 4);
  outs o;
  rf_host *h = host_new(&o);
  const rf_scale a1 = {RF_SCALE_GAIN, "A1", 1.01, 0.001, 0, 0};
  const rf_scale q9 = {RF_SCALE_GAIN, "Q9", 1.01, 0.001, 0, 0};
  const rf_scale a2 = {RF_SCALE_GAIN, "A2", 3.0, 0.001, 0, 0};
  char id[8] = "B1";
  const rf_scale b1 = {RF_SCALE_GAIN, id, 0.99, 0.002, 0, 0};
  assert_int_equal(rf_host_calibration_seed(h, &a1), RF_OK);
  assert_int_equal(rf_host_calibration_seed(h, &q9), RF_OK); /* checked when the engine starts */
  assert_int_equal(rf_host_calibration_seed(h, &a2), RF_OK);
  assert_int_equal(rf_host_calibration_seed(h, &b1), RF_OK);
  strcpy(id, "B2"); /* the host copied the id */
  assert_int_equal(rf_host_calibration_seed(h, NULL), RF_EINVAL);
  assert_int_equal(rf_host_calibration_seed(NULL, &a1), RF_EINVAL);
  host_push_range(h, &s, 0, 9); /* the store and the first event (enter) */
  assert_non_null(rf_host_engine(h));
  scales c;
  listing(rf_host_engine(h), &c);
  assert_true(fabs(plate(&c, PL_A1)->value - 1.01) < 1e-12);
  assert_true(fabs(plate(&c, PL_A1)->prior - 1.01) < 1e-12);
  assert_true(fabs(plate(&c, PL_A1)->sd - 0.001) < 1e-9);
  assert_true(fabs(plate(&c, PL_B1)->value - 0.99) < 1e-12);
  assert_untouched_plate(&c, PL_A2, 0.01);
  assert_untouched_plate(&c, PL_B2, 0.01);
  rf_host_counts counts;
  rf_host_get_counts(h, &counts);
  assert_int_equal(counts.seeds_refused, 2);
  assert_int_equal(rf_host_calibration_seed(h, &a1), RF_EMISUSE);
  host_push_range(h, &s, 9, s.n);
  assert_int_equal(rf_host_finish(h), RF_OK);
  assert_int_equal(o.diffs, 4);
  for (size_t i = 0; i < 4; ++i) assert_diff(&o, i, "X", 1);
  listing(rf_host_engine(h), &c);
  assert_true(fabs(plate(&c, PL_A1)->prior - 1.01) < 1e-12);
  assert_true(plate(&c, PL_A1)->evidence > 0.0);
  rf_host_get_counts(h, &counts);
  assert_int_equal(counts.seeds_refused, 2);
  host_free(h);

  assert_int_equal(rf_host_new(&h, RF_METHOD_GREEDY, NULL), RF_OK);
  keep((void **)g_hosts, h);
  assert_int_equal(rf_host_calibration_seed(h, &a1), RF_ENOTFOUND);
  host_free(h);
}

/* ---- 5. the same records, the same bits ------------------------------------------------------ */

/* The takes, and the restock's stream, pushed into two new engines give the same listing, bit
 * for bit; so do the takes with each hand record sent after its delta instead of before (the
 * cameras' and the shelves' records interleaved otherwise, each within its source's delay). */
static void test_deterministic(void **state) {
  (void)state;
  static stream s, swapped;
  takes(&s, TAKES, HIGH);
  outs o;
  scales a, b;
  run_engine(&s, NULL, 0, NULL, 0, &o, &a);
  run_engine(&s, NULL, 0, NULL, 0, &o, &b);
  assert_same_bits(&a, &b);
  assert_true(plate(&a, PL_A1)->evidence > 0.0);
  assert_true(plate(&a, PL_A1)->value != 1.0);
  swapped = s;
  for (size_t i = 1; i + 1 < s.n; i += 2) { /* the enter, then (hand, delta) pairs */
    assert_int_equal(s.rec[i].type, RF_RECORD_HAND);
    swapped.rec[i] = s.rec[i + 1];
    swapped.rec[i + 1] = s.rec[i];
  }
  run_engine(&swapped, NULL, 0, NULL, 0, &o, &b);
  assert_same_bits(&a, &b);
  restock_stream(&s, 1);
  run_engine(&s, NULL, 0, NULL, 0, &o, &a);
  run_engine(&s, NULL, 0, NULL, 0, &o, &b);
  assert_same_bits(&a, &b);
  assert_true(fabs(product(&a, P_X)->evidence - 5.0) < 1e-9);
}

typedef struct journaled {
  rf_host *host;
} journaled;

static int replay_into(const rf_record *r, void *payload) {
  int rc = rf_host_push(((journaled *)payload)->host, r);
  return rc == RF_SETASIDE ? 0 : rc;
}

/* A journaled host, and a host restarted from its journal halfway (replayed, then given the
 * rest) end with the same calibration, bit for bit, as one never stopped — seeds given again
 * at the restart, as a host does. */
static void test_journal_restore(void **state) {
  (void)state;
  static stream s;
  host_takes(&s, TAKES);
  const rf_scale seed = {RF_SCALE_GAIN, "A2", 1.005, 0.002, 0, 0};
  char dir[64];
  assert_int_equal(test_dir_make(dir, sizeof dir, "rf-calibration"), 0);

  outs o_ref, o_cut, o_resumed;
  rf_host *ref = host_new(&o_ref);
  assert_int_equal(rf_host_calibration_seed(ref, &seed), RF_OK);
  host_push_range(ref, &s, 0, s.n);
  assert_int_equal(rf_host_finish(ref), RF_OK);
  scales want, got;
  listing(rf_host_engine(ref), &want);
  assert_true(plate(&want, PL_A1)->evidence > 0.0);

  /* The run that stops halfway: its journal holds the first half. */
  const size_t half = s.n / 2;
  rf_journal_options jo = RF_JOURNAL_OPTIONS_INIT;
  jo.sync = RF_JOURNAL_SYNC_NEVER;
  rf_journal *j = NULL;
  assert_int_equal(rf_journal_open(&j, dir, &jo, NULL), RF_OK);
  rf_host *cut = host_new(&o_cut);
  assert_int_equal(rf_host_calibration_seed(cut, &seed), RF_OK);
  for (size_t i = 0; i < half; ++i) {
    assert_int_equal(rf_journal_append(j, &s.rec[i]), RF_OK);
    host_push_range(cut, &s, i, i + 1);
  }
  assert_int_equal(rf_journal_close(j), RF_OK);
  scales at_cut;
  listing(rf_host_engine(cut), &at_cut);
  host_free(cut);

  /* Restarted: the journal replayed, then the rest. */
  j = NULL;
  assert_int_equal(rf_journal_open(&j, dir, &jo, NULL), RF_OK);
  journaled r = {host_new(&o_resumed)};
  assert_int_equal(rf_host_calibration_seed(r.host, &seed), RF_OK);
  assert_int_equal(rf_journal_replay(j, replay_into, NULL, &r), RF_OK);
  listing(rf_host_engine(r.host), &got);
  assert_same_bits(&at_cut, &got); /* the state at the cut, restored */
  host_push_range(r.host, &s, half, s.n);
  assert_int_equal(rf_host_finish(r.host), RF_OK);
  listing(rf_host_engine(r.host), &got);
  assert_same_bits(&want, &got);
  assert_int_equal(o_resumed.diffs, o_ref.diffs);
  assert_memory_equal(o_resumed.conf, o_ref.conf, o_ref.diffs * sizeof(double));
  assert_true(fabs(plate(&got, PL_A2)->prior - 1.005) < 1e-12);
  host_free(r.host);
  host_free(ref);
  assert_int_equal(rf_journal_close(j), RF_OK);
  test_dir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_high_plates_learned, teardown),
      cmocka_unit_test_teardown(test_steps_are_bounded, teardown),
      cmocka_unit_test_teardown(test_calibrate_off, teardown),
      cmocka_unit_test_teardown(test_restock_is_nobodys, teardown),
      cmocka_unit_test_teardown(test_restock_taken_off, teardown),
      cmocka_unit_test_teardown(test_restock_set_aside, teardown),
      cmocka_unit_test_teardown(test_restock_must_fit, teardown),
      cmocka_unit_test_teardown(test_engine_seeds, teardown),
      cmocka_unit_test_teardown(test_refused_seed_changes_nothing, teardown),
      cmocka_unit_test_teardown(test_products_without_facing_stay_small, teardown),
      cmocka_unit_test_teardown(test_seed_sd_nan, teardown),
      cmocka_unit_test_teardown(test_listing_stops, teardown),
      cmocka_unit_test_teardown(test_host_seeds, teardown),
      cmocka_unit_test_teardown(test_deterministic, teardown),
      cmocka_unit_test_teardown(test_journal_restore, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
