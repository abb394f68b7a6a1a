/* The load-cell segmenter, from raw plate readings to shelf events: clean steps, steps in heavy
 * noise, drift, a hand pressing without a pick, a hand resting before a pick, an item over two
 * plates, an item sliding between plates, an arrival waiting hold_s, shelves kept apart,
 * grouping in time, each kind of fault (and that no fault becomes an event), faulty plates in
 * events, a dead plate, refused readings changing nothing, callbacks' complaints, bad
 * arguments, allocation failure, and determinism.
 *
 * Readings come from a generated trace, as a real feed or the simulator sends them: 60 Hz, each
 * plate with its own offset (2000 g + 500 g a plate), Gaussian noise from a seeded generator,
 * optional drift, and load changes as linear ramps (150 ms for an item), rounded to 0.1 g and
 * pushed a record of one second per plate, plates interleaved second by second. Tolerances
 * follow from the noise: a settled level is the mean of 18 readings, so at 1.5 g of noise a
 * change is good to well within 3 g. Set RF_TEST_TRACE=1 to see every event and fault, and
 * RF_TEST_SEED=n to run every trace with other seeds (the tolerances must hold for any). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/loadcell.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "test_alloc.h"
#include "test_rng.h"

#define SEC 1000000LL
#define MS 1000LL
#define DT_US 16667

/* ---- the store ------------------------------------------------------------------------------- *
 *
 * Shelf A: plates A1..A4 of 0.1 m, noise 1.5 g; shelf B: plates B1, B2. Plates are numbered shelf
 * by shelf: A1 0 .. A4 3, B1 4, B2 5. One product on one facing (the segmenter needs neither). */

enum { A1, A2, A3, A4, B1, B2, N_PLATES };
enum { SHELF_A, SHELF_B };

static rf_store *build_store(void) {
  static const rf_plate_def plates_a[] = {
      {"A1", 0.0, 0.1}, {"A2", 0.1, 0.2}, {"A3", 0.2, 0.3}, {"A4", 0.3, 0.4}};
  static const rf_plate_def plates_b[] = {{"B1", 0.0, 0.1}, {"B2", 0.1, 0.2}};
  static const rf_product_def product = {"TEA", NULL, 300.0, 1, 3.0};
  static const rf_shelf_def shelves[] = {{"A", 1, 1.5, 1, 0.0, 0.0, plates_a, 4, 0, 0, 0},
                                         {"B", 1, 1.5, 1, 6.0, 0.0, plates_b, 2, 0, 0, 0}};
  static const rf_facing_def facing = {"A", "TEA", 0.0, 0.4, 8};
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  assert_int_equal(rf_store_builder_add_product(b, &product), RF_OK);
  for (size_t i = 0; i < 2; ++i)
    assert_int_equal(rf_store_builder_add_shelf(b, &shelves[i]), RF_OK);
  assert_int_equal(rf_store_builder_add_facing(b, &facing), RF_OK);
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(b, &s), RF_OK);
  rf_store_builder_free(b);
  assert_int_equal(rf_store_plate_count(s), N_PLATES);
  static const char *ids[N_PLATES] = {"A1", "A2", "A3", "A4", "B1", "B2"};
  for (uint32_t p = 0; p < N_PLATES; ++p) {
    uint32_t at = UINT32_MAX;
    assert_int_equal(rf_store_find_plate(s, ids[p], &at), RF_OK);
    assert_int_equal(at, p);
  }
  uint32_t shelf = UINT32_MAX;
  assert_int_equal(rf_store_find_shelf(s, "B", &shelf), RF_OK);
  assert_int_equal(shelf, SHELF_B);
  return s;
}

/* ---- what the segmenter said ----------------------------------------------------------------- */

enum { MAX_EVENTS = 16, MAX_FAULTS = 16, MAX_SHELF_PLATES = 8 };

typedef struct got_event {
  uint32_t shelf;
  rf_time_us t0, t1;
  size_t plate_count;
  double delta_g[MAX_SHELF_PLATES], sd_g[MAX_SHELF_PLATES];
  unsigned char moved[MAX_SHELF_PLATES], faulty[MAX_SHELF_PLATES];
  rf_time_us at; /* the second of the feed it was reported in */
} got_event;

typedef struct got_fault {
  uint32_t plate;
  rf_plate_fault fault;
  rf_time_us t;
} got_fault;

typedef struct got {
  got_event ev[MAX_EVENTS];
  size_t events; /* reported (may exceed MAX_EVENTS; only the first are kept) */
  got_fault f[MAX_FAULTS];
  size_t faults;
  rf_time_us now; /* the second being fed */
  int event_rc;   /* what the callbacks return */
  int fault_rc;
} got;

static void print_event(uint32_t shelf, rf_time_us t0, rf_time_us t1, rf_time_us at, size_t n,
                        const double *delta_g, const double *sd_g, const unsigned char *moved,
                        const unsigned char *faulty) {
  print_message("event shelf %u [%.3f, %.3f] s in second %.0f:", shelf, (double)t0 / SEC,
                (double)t1 / SEC, (double)at / SEC);
  for (size_t k = 0; k < n; ++k)
    print_message(" %+.2f(%.2f)%s%s", delta_g[k], sd_g[k], moved[k] ? " moved" : "",
                  faulty[k] ? " faulty" : "");
  print_message("\n");
}

static void print_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t) {
  print_message("fault plate %u %s at %.3f s\n", plate, rf_plate_fault_name(fault),
                (double)t / SEC);
}

static int on_event(const rf_shelf_event *e, void *payload) {
  got *g = payload;
  if (g->events < MAX_EVENTS && e->plate_count <= MAX_SHELF_PLATES) {
    got_event *x = &g->ev[g->events];
    x->shelf = e->shelf;
    x->t0 = e->t0;
    x->t1 = e->t1;
    x->plate_count = e->plate_count;
    memcpy(x->delta_g, e->delta_g, e->plate_count * sizeof *e->delta_g);
    memcpy(x->sd_g, e->sd_g, e->plate_count * sizeof *e->sd_g);
    memcpy(x->moved, e->moved, e->plate_count);
    memcpy(x->faulty, e->faulty, e->plate_count);
    x->at = g->now;
  }
  g->events++;
  if (getenv("RF_TEST_TRACE"))
    print_event(e->shelf, e->t0, e->t1, g->now, e->plate_count, e->delta_g, e->sd_g, e->moved,
                e->faulty);
  return g->event_rc;
}

static int on_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  got *g = payload;
  if (g->faults < MAX_FAULTS) g->f[g->faults] = (got_fault){plate, fault, t};
  g->faults++;
  if (getenv("RF_TEST_TRACE")) print_fault(plate, fault, t);
  return g->fault_rc;
}

static void print_got(const got *g) {
  for (size_t i = 0; i < g->events && i < MAX_EVENTS; ++i) {
    const got_event *x = &g->ev[i];
    print_event(x->shelf, x->t0, x->t1, x->at, x->plate_count, x->delta_g, x->sd_g, x->moved,
                x->faulty);
  }
  for (size_t i = 0; i < g->faults && i < MAX_FAULTS; ++i)
    print_fault(g->f[i].plate, g->f[i].fault, g->f[i].t);
}

/* Fails, showing everything said, unless there were exactly `events` events and `faults`
 * faults. */
static void expect_counts(const got *g, size_t events, size_t faults) {
  if (g->events != events || g->faults != faults) {
    print_got(g);
    fail_msg("%zu events and %zu faults, expected %zu and %zu", g->events, g->faults, events,
             faults);
  }
}

/* Two runs said the same, bit for bit. */
static void assert_same_events(const got *a, const got *b) {
  assert_int_equal(a->events, b->events);
  for (size_t i = 0; i < a->events && i < MAX_EVENTS; ++i) {
    const got_event *x = &a->ev[i], *y = &b->ev[i];
    assert_int_equal(x->shelf, y->shelf);
    assert_int_equal(x->t0, y->t0);
    assert_int_equal(x->t1, y->t1);
    assert_int_equal(x->plate_count, y->plate_count);
    assert_int_equal(x->at, y->at);
    size_t n = x->plate_count;
    assert_memory_equal(x->delta_g, y->delta_g, n * sizeof *x->delta_g);
    assert_memory_equal(x->sd_g, y->sd_g, n * sizeof *x->sd_g);
    assert_memory_equal(x->moved, y->moved, n);
    assert_memory_equal(x->faulty, y->faulty, n);
  }
}

static void assert_near(double value, double want, double tol) {
  if (!(fabs(value - want) <= tol)) fail_msg("%.4f is not within %.4f of %.4f", value, tol, want);
}

/* ---- segmenters, freed even when a test fails ------------------------------------------------ */

enum { MAX_SEGMENTERS = 2 };
static rf_store *g_store;
static rf_loadcell *g_lc[MAX_SEGMENTERS];
static got g_got[MAX_SEGMENTERS];

static int teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < MAX_SEGMENTERS; ++i) {
    rf_loadcell_free(g_lc[i]);
    g_lc[i] = NULL;
  }
  rf_store_free(g_store);
  g_store = NULL;
  return 0;
}

static rf_store *store(void) {
  if (g_store == NULL) g_store = build_store();
  return g_store;
}

/* Segmenter i with the default parameters, its output collected into g_got[i]. */
static rf_loadcell *open_lc(size_t i) {
  assert_true(i < MAX_SEGMENTERS && g_lc[i] == NULL);
  memset(&g_got[i], 0, sizeof g_got[i]);
  assert_int_equal(rf_loadcell_new(&g_lc[i], store(), NULL), RF_OK);
  assert_non_null(g_lc[i]);
  assert_string_equal(rf_loadcell_errmsg(g_lc[i]), "");
  rf_loadcell_set_output(g_lc[i], on_event, on_fault, &g_got[i]);
  return g_lc[i];
}

/* ---- the trace ------------------------------------------------------------------------------- */

enum { HZ = 60, MAX_CHANGES = 16 };

/* A load change on one plate: `g` grams more (or less), ramping linearly in from t over ramp. */
typedef struct change {
  uint32_t plate;
  rf_time_us t, ramp;
  double g;
} change;

/* Edits plate `plate`'s readings of second `second` before they are pushed; *skip drops them. */
typedef void (*tamper_fn)(void *arg, uint32_t plate, int second, double *g, int *skip);

typedef struct trace {
  double noise_g[N_PLATES];
  double drift_g_per_h[N_PLATES];
  change change[MAX_CHANGES];
  size_t changes;
  tamper_fn tamper;
  void *tamper_arg;
  uint64_t rng[N_PLATES]; /* each plate its own stream, so tampering with one moves no other */
} trace;

static double offset_g(uint32_t plate) { return 2000.0 + 500.0 * plate; }

/* RF_TEST_SEED, 0 if unset. */
static uint64_t seed_base(void) {
  const char *env = getenv("RF_TEST_SEED");
  return env ? strtoull(env, NULL, 10) : 0;
}

static void trace_init(trace *tr, uint64_t seed) {
  memset(tr, 0, sizeof *tr);
  seed += 7919 * seed_base();
  for (uint32_t p = 0; p < N_PLATES; ++p) {
    tr->noise_g[p] = 1.5;
    tr->rng[p] = (seed + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(p + 1) * 0xBF58476D1CE4E5B9ULL;
    if (tr->rng[p] == 0) tr->rng[p] = 1;
    for (int i = 0; i < 8; ++i) test_rng_next(&tr->rng[p]);
  }
}

static void trace_change(trace *tr, uint32_t plate, double t_s, double ramp_s, double g) {
  assert_true(tr->changes < MAX_CHANGES);
  tr->change[tr->changes++] =
      (change){plate, (rf_time_us)llround(t_s * SEC), (rf_time_us)llround(ramp_s * SEC), g};
}

/* An item of `g` grams arrives (g > 0) or leaves (g < 0) over 150 ms from t_s. */
static void trace_item(trace *tr, uint32_t plate, double t_s, double g) {
  trace_change(tr, plate, t_s, 0.15, g);
}

/* A hand presses `g` grams on the plate from t_s for hold_s, building and fading over 0.2 s. */
static void trace_press(trace *tr, uint32_t plate, double t_s, double hold_s, double g) {
  trace_change(tr, plate, t_s, 0.2, g);
  trace_change(tr, plate, t_s + 0.2 + hold_s, 0.2, -g);
}

static double normal(uint64_t *rng) {
  double u1 = 1.0 - test_rng_uniform(rng), u2 = test_rng_uniform(rng);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The true load on a plate at t: its offset, drift and changes, without noise. */
static double true_g(const trace *tr, uint32_t plate, rf_time_us t) {
  double g = offset_g(plate) + tr->drift_g_per_h[plate] * (double)t / (3600.0 * SEC);
  for (size_t c = 0; c < tr->changes; ++c) {
    const change *ch = &tr->change[c];
    if (ch->plate != plate || t <= ch->t) continue;
    g += t >= ch->t + ch->ramp ? ch->g : ch->g * (double)(t - ch->t) / (double)ch->ramp;
  }
  return g;
}

/* Plate p's record of second s (readings at s + i * DT_US), rounded to 0.1 g as a feed sends. */
static void make_record(trace *tr, uint32_t p, int s, double g[HZ]) {
  for (int i = 0; i < HZ; ++i) {
    double x = true_g(tr, p, s * SEC + i * DT_US) + tr->noise_g[p] * normal(&tr->rng[p]);
    g[i] = round(x * 10.0) / 10.0;
  }
}

/* Pushes second `s` of every plate, A1's record first. */
static void feed_second(trace *tr, rf_loadcell *lc, got *out, int s) {
  out->now = s * SEC;
  for (uint32_t p = 0; p < N_PLATES; ++p) {
    double g[HZ];
    make_record(tr, p, s, g);
    int skip = 0;
    if (tr->tamper) tr->tamper(tr->tamper_arg, p, s, g, &skip);
    if (skip) continue;
    int rc = rf_loadcell_push(lc, p, s * SEC, DT_US, g, HZ);
    if (rc != RF_OK)
      fail_msg("second %d plate %u: %s: %s", s, p, rf_err_name(rc), rf_loadcell_errmsg(lc));
    assert_string_equal(rf_loadcell_errmsg(lc), "");
  }
}

/* Pushes seconds [from, to). */
static void feed(trace *tr, rf_loadcell *lc, got *out, int from, int to) {
  for (int s = from; s < to; ++s) feed_second(tr, lc, out, s);
}

/* The whole trace, seconds [0, seconds), then the end of input. */
static void run(trace *tr, rf_loadcell *lc, got *out, int seconds) {
  feed(tr, lc, out, 0, seconds);
  out->now = seconds * SEC;
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
}

static double event_total(const got_event *e) {
  double total = 0.0;
  for (size_t k = 0; k < e->plate_count; ++k) total += e->delta_g[k];
  return total;
}

/* ==== steps =================================================================================== */

/* 300 g leaves A2 at 3.55 s and the readings end at 4 s, before the event's wait is over:
 * rf_loadcell_finish reports it, with no fault (readings that stop are no gap). It was lost,
 * every plate taken for silent (and the time subtraction overflowed). */
static void test_step_at_the_end_reported_by_finish(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 41);
  trace_item(&tr, A2, 3.55, -300.0);
  run(&tr, lc, g, 4);
  expect_counts(g, 1, 0);
  assert_int_equal(g->ev[0].shelf, SHELF_A);
  assert_near(g->ev[0].delta_g[1], -300.0, 3.0);
  assert_int_equal(g->ev[0].faulty[1], 0);
}

/* 300 g leaves A2 at 3 s: one event on shelf A, A2 down 300 g (within 3 g), the other plates
 * not moved and near 0, starting at most 0.2 s before 3 s and settled within 0.6 s after, each
 * change with a small positive sd; no faults. */
static void test_clean_step(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 1);
  trace_item(&tr, A2, 3.0, -300.0);
  run(&tr, lc, g, 8);
  expect_counts(g, 1, 0);
  const got_event *e = &g->ev[0];
  assert_int_equal(e->shelf, SHELF_A);
  assert_int_equal(e->plate_count, 4);
  assert_near(e->delta_g[1], -300.0, 3.0);
  assert_int_equal(e->moved[1], 1);
  for (size_t k = 0; k < 4; ++k) {
    assert_int_equal(e->faulty[k], 0);
    assert_true(e->sd_g[k] > 0.0 && e->sd_g[k] < 1.0);
    if (k == 1) continue;
    assert_int_equal(e->moved[k], 0);
    assert_near(e->delta_g[k], 0.0, 1.0);
  }
  assert_true(e->t0 >= 3 * SEC - 200 * MS && e->t0 <= 3 * SEC);
  assert_true(e->t1 > 3 * SEC && e->t1 <= 3 * SEC + 600 * MS);
  /* Reported once every plate of the shelf has readings group_s past the settle. */
  assert_int_equal(e->at, 3 * SEC);
  /* A2 has settled at its new level. */
  double level = 0.0, noise = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A2, &level, &noise), RF_OK);
  assert_near(level, offset_g(A2) - 300.0, 1.0);
  assert_near(noise, 1.5, 0.3);
}

/* 300 g leaves A2 at 3 s with 8 g of noise on A2 (1.5 g elsewhere): one event, A2 down 300 g
 * within 8 g, and nothing else in the 60 s of quiet after; the noise is estimated per plate. */
static void test_step_in_heavy_noise(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 2);
  tr.noise_g[A2] = 8.0;
  trace_item(&tr, A2, 3.0, -300.0);
  run(&tr, lc, g, 64);
  expect_counts(g, 1, 0);
  assert_int_equal(g->ev[0].shelf, SHELF_A);
  assert_near(g->ev[0].delta_g[1], -300.0, 8.0);
  assert_int_equal(g->ev[0].moved[1], 1);
  assert_near(event_total(&g->ev[0]), -300.0, 8.0);
  double level = 0.0, noise = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A2, &level, &noise), RF_OK);
  assert_near(noise, 8.0, 1.0);
  assert_near(level, offset_g(A2) - 300.0, 3.0);
  assert_int_equal(rf_loadcell_level(lc, A1, &level, &noise), RF_OK);
  assert_near(noise, 1.5, 0.2);
}

/* 20 g an hour of drift on every plate (up on some, down on others) for 10 minutes: no event,
 * no fault, and each plate's level follows the drift to within 2 g at the end. */
static void test_drift_alone(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 3);
  for (uint32_t p = 0; p < N_PLATES; ++p) tr.drift_g_per_h[p] = p % 2 ? -20.0 : 20.0;
  enum { SECONDS = 600 };
  run(&tr, lc, g, SECONDS);
  expect_counts(g, 0, 0);
  for (uint32_t p = 0; p < N_PLATES; ++p) {
    double level = 0.0, noise = 0.0;
    assert_int_equal(rf_loadcell_level(lc, p, &level, &noise), RF_OK);
    assert_near(level, true_g(&tr, p, SECONDS * SEC), 2.0);
    assert_near(noise, 1.5, 0.2);
  }
}

/* A hand presses 300 g on A2 (building over 0.2 s, held 1.5 s, fading over 0.2 s) and takes
 * nothing: no event. */
static void test_press_without_pick(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 4);
  trace_press(&tr, A2, 3.0, 1.5, 300.0);
  run(&tr, lc, g, 14);
  expect_counts(g, 0, 0);
}

/* A hand rests 250 g on A2 and A3 (125 g each) for 4 s, then a 400 g item leaves A2 while the
 * pressure fades: one event of -400 g in all (within 5 g), A2 -400 g and A3 back to 0. */
static void test_rest_then_pick(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 5);
  trace_press(&tr, A2, 3.0, 4.0, 125.0);
  trace_press(&tr, A3, 3.0, 4.0, 125.0);
  trace_item(&tr, A2, 7.2, -400.0);
  run(&tr, lc, g, 16);
  expect_counts(g, 1, 0);
  const got_event *e = &g->ev[0];
  assert_int_equal(e->shelf, SHELF_A);
  assert_near(event_total(e), -400.0, 5.0);
  assert_near(e->delta_g[1], -400.0, 3.0);
  assert_near(e->delta_g[2], 0.0, 3.0);
  assert_int_equal(e->moved[0], 0);
  assert_int_equal(e->moved[1], 1);
  assert_int_equal(e->moved[2], 1);
  assert_int_equal(e->moved[3], 0);
  assert_true(e->t0 >= 3 * SEC - 200 * MS && e->t0 <= 3 * SEC);
  assert_true(e->t1 > 7200 * MS && e->t1 <= 7800 * MS);
}

/* A 300 g item lying across A2 and A3 (150 g on each) leaves: one event, both plates moved and
 * each down 150 g within 3 g. */
static void test_two_plates_together(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 6);
  trace_item(&tr, A2, 3.0, -150.0);
  trace_item(&tr, A3, 3.0, -150.0);
  run(&tr, lc, g, 8);
  expect_counts(g, 1, 0);
  const got_event *e = &g->ev[0];
  assert_int_equal(e->shelf, SHELF_A);
  assert_int_equal(e->moved[1], 1);
  assert_int_equal(e->moved[2], 1);
  assert_int_equal(e->moved[0], 0);
  assert_int_equal(e->moved[3], 0);
  assert_near(e->delta_g[1], -150.0, 3.0);
  assert_near(e->delta_g[2], -150.0, 3.0);
  assert_near(event_total(e), -300.0, 4.0);
}

/* An item of 200 g slides from A2 onto A3: A2 -200 g and A3 +200 g at once, nothing left the
 * shelf, so no event. */
static void test_slide_to_neighbour(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 7);
  trace_item(&tr, A2, 3.0, -200.0);
  trace_item(&tr, A3, 3.0, 200.0);
  run(&tr, lc, g, 14);
  expect_counts(g, 0, 0);
  double level = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A3, &level, NULL), RF_OK);
  assert_near(level, offset_g(A3) + 200.0, 1.0);
}

/* A 300 g item arrives on A4 at 3 s: it is a rise, so the event waits hold_s (6 s) past the
 * settle for a take that may follow, and is reported in second 9, not before; A4 up 300 g. */
static void test_arrival_waits_hold(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 8);
  trace_item(&tr, A4, 3.0, 300.0);
  feed(&tr, lc, g, 0, 9);
  expect_counts(g, 0, 0);
  feed(&tr, lc, g, 9, 10);
  expect_counts(g, 1, 0);
  const got_event *e = &g->ev[0];
  assert_int_equal(e->at, 9 * SEC);
  assert_near(e->delta_g[3], 300.0, 3.0);
  assert_int_equal(e->moved[3], 1);
  assert_true(e->t1 + 6 * SEC <= 10 * SEC && e->t1 + 6 * SEC > 9 * SEC);
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(g, 1, 0);
}

/* 250 g leaves B1 and 300 g leaves A2 at the same moment: two events, one a shelf, each with its
 * own plates only. */
static void test_shelves_apart(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 9);
  trace_item(&tr, B1, 3.0, -250.0);
  trace_item(&tr, A2, 3.0, -300.0);
  run(&tr, lc, g, 8);
  expect_counts(g, 2, 0);
  const got_event *a = g->ev[0].shelf == SHELF_A ? &g->ev[0] : &g->ev[1];
  const got_event *b = g->ev[0].shelf == SHELF_A ? &g->ev[1] : &g->ev[0];
  assert_int_equal(a->shelf, SHELF_A);
  assert_int_equal(b->shelf, SHELF_B);
  assert_int_equal(a->plate_count, 4);
  assert_int_equal(b->plate_count, 2);
  assert_near(a->delta_g[1], -300.0, 3.0);
  assert_near(event_total(a), -300.0, 4.0);
  assert_int_equal(a->moved[0] + a->moved[1] + a->moved[2] + a->moved[3], 1);
  assert_near(b->delta_g[0], -250.0, 3.0);
  assert_near(b->delta_g[1], 0.0, 1.0);
  assert_int_equal(b->moved[0], 1);
  assert_int_equal(b->moved[1], 0);
}

/* ==== faults ================================================================================== */

/* What test_* tampering does: to plate `plate`, in seconds [from, to). */
typedef struct fault_plan {
  uint32_t plate;
  int from, to;
  int at;       /* a reading's index, for one-reading faults */
  double value; /* the reading(s) put in */
} fault_plan;

static void tamper_skip(void *arg, uint32_t plate, int second, double *g, int *skip) {
  const fault_plan *f = arg;
  (void)g;
  if (plate == f->plate && second >= f->from && second < f->to) *skip = 1;
}

static void tamper_fill(void *arg, uint32_t plate, int second, double *g, int *skip) {
  const fault_plan *f = arg;
  (void)skip;
  if (plate != f->plate || second < f->from || second >= f->to) return;
  for (int i = 0; i < HZ; ++i) g[i] = f->value;
}

static void tamper_one(void *arg, uint32_t plate, int second, double *g, int *skip) {
  const fault_plan *f = arg;
  (void)skip;
  if (plate == f->plate && second == f->from) g[f->at] = f->value;
}

static void expect_fault(const got *g, size_t i, uint32_t plate, rf_plate_fault fault,
                         rf_time_us from, rf_time_us to) {
  assert_true(i < g->faults);
  assert_int_equal(g->f[i].plate, plate);
  assert_string_equal(rf_plate_fault_name(g->f[i].fault), rf_plate_fault_name(fault));
  if (g->f[i].t < from || g->f[i].t > to)
    fail_msg("fault at %.3f s, expected in [%.3f, %.3f] s", (double)g->f[i].t / SEC,
             (double)from / SEC, (double)to / SEC);
}

/* A1 sends nothing in seconds 3 and 4 while the others go on, then resumes at the same level:
 * one gap, reported for A1 when its readings come back at 5 s; no event; A1 settles afresh at
 * its level. */
static void test_fault_gap(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 10);
  fault_plan f = {A1, 3, 5, 0, 0.0};
  tr.tamper = tamper_skip;
  tr.tamper_arg = &f;
  run(&tr, lc, g, 10);
  expect_counts(g, 0, 1);
  expect_fault(g, 0, A1, RF_FAULT_GAP, 5 * SEC, 5 * SEC);
  double level = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A1, &level, NULL), RF_OK);
  assert_near(level, offset_g(A1), 1.0);
}

/* A1 falls silent after second 4 while the others go on; at 5.4 s the host's clock shows no
 * gap yet, at 6 s (1 s past A1's last reading) rf_loadcell_advance reports one, once (not again
 * when A1 comes back at 7 s); no event, and A1 settles afresh at its level. */
static void test_fault_gap_by_advance(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 11);
  fault_plan f = {A1, 5, 7, 0, 0.0};
  tr.tamper = tamper_skip;
  tr.tamper_arg = &f;
  feed(&tr, lc, g, 0, 6);
  assert_int_equal(rf_loadcell_advance(lc, 5400 * MS), RF_OK); /* 0.42 s of silence */
  expect_counts(g, 0, 0);
  assert_int_equal(rf_loadcell_advance(lc, 6 * SEC), RF_OK);
  expect_counts(g, 0, 1);
  expect_fault(g, 0, A1, RF_FAULT_GAP, 6 * SEC, 6 * SEC);
  assert_int_equal(rf_loadcell_level(lc, A1, NULL, NULL), RF_ENOTFOUND);
  feed(&tr, lc, g, 6, 12);
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(g, 0, 1);
  double level = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A1, &level, NULL), RF_OK);
  assert_near(level, offset_g(A1), 1.0);
}

/* A1 reports exactly 2000.0 g (its true level) for seconds 3..5: one stuck fault, no event. Its
 * noise (1.5 g) makes a settle window (0.3 s) of identical readings all but impossible, so it
 * is stuck as soon as one has passed: 17 readings after 3 s (stuck_s is for quieter plates). */
static void test_fault_stuck(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 12);
  fault_plan f = {A1, 3, 6, 0, offset_g(A1)};
  tr.tamper = tamper_fill;
  tr.tamper_arg = &f;
  run(&tr, lc, g, 10);
  expect_counts(g, 0, 1);
  expect_fault(g, 0, A1, RF_FAULT_STUCK, 3200 * MS, 3400 * MS);
}

/* With max_g 10000, A1 reads 10000 g through second 3: one saturation fault at 3 s; no event. */
static void test_fault_saturated(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MAX_G, 10000.0), RF_OK);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 13);
  fault_plan f = {A1, 3, 4, 0, 10000.0};
  tr.tamper = tamper_fill;
  tr.tamper_arg = &f;
  run(&tr, lc, g, 10);
  expect_counts(g, 0, 1);
  expect_fault(g, 0, A1, RF_FAULT_SATURATED, 3 * SEC, 3 * SEC);
}

/* One reading of A1 (3.5 s) is 50 kg above the rest: one jump fault then; no event, and A1
 * settles again at its level. */
static void test_fault_jump(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 14);
  fault_plan f = {A1, 3, 4, 30, offset_g(A1) + 50000.0};
  tr.tamper = tamper_one;
  tr.tamper_arg = &f;
  run(&tr, lc, g, 10);
  expect_counts(g, 0, 1);
  expect_fault(g, 0, A1, RF_FAULT_JUMP, 3 * SEC + 30 * DT_US, 3 * SEC + 30 * DT_US);
  double level = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A1, &level, NULL), RF_OK);
  assert_near(level, offset_g(A1), 1.0);
}

/* One reading of A1 (3.5 s) is NaN: one non-finite fault then; no event. */
static void test_fault_nonfinite(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 15);
  fault_plan f = {A1, 3, 4, 30, NAN};
  tr.tamper = tamper_one;
  tr.tamper_arg = &f;
  run(&tr, lc, g, 10);
  expect_counts(g, 0, 1);
  expect_fault(g, 0, A1, RF_FAULT_NONFINITE, 3 * SEC + 30 * DT_US, 3 * SEC + 30 * DT_US);
  double level = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A1, &level, NULL), RF_OK);
  assert_near(level, offset_g(A1), 1.0);
}

/* Readings of A1 older than its last (and one batch at exactly its last reading's time) are
 * refused whole with RF_ERANGE and an order fault, and change nothing: a step on A1 and A2 after
 * them gives, bit for bit, the events and levels of a run without them. */
static void test_fault_order_changes_nothing(void **state) {
  (void)state;
  static trace clean, dirty;
  trace_init(&clean, 16);
  trace_item(&clean, A1, 5.0, -300.0);
  trace_item(&clean, A2, 5.0, -100.0);
  dirty = clean;

  rf_loadcell *a = open_lc(0);
  run(&clean, a, &g_got[0], 12);
  expect_counts(&g_got[0], 1, 0);

  rf_loadcell *b = open_lc(1);
  got *g = &g_got[1];
  feed(&dirty, b, g, 0, 4);
  double old[HZ];
  for (int i = 0; i < HZ; ++i) old[i] = offset_g(A1) + 400.0;
  assert_int_equal(rf_loadcell_push(b, A1, 2 * SEC, DT_US, old, HZ), RF_ERANGE);
  assert_string_not_equal(rf_loadcell_errmsg(b), "");
  expect_counts(g, 0, 1);
  expect_fault(g, 0, A1, RF_FAULT_ORDER, 2 * SEC, 2 * SEC);
  rf_time_us last = 3 * SEC + (HZ - 1) * DT_US;
  assert_int_equal(rf_loadcell_push(b, A1, last, DT_US, old, 1), RF_ERANGE);
  expect_counts(g, 0, 2);
  expect_fault(g, 1, A1, RF_FAULT_ORDER, last, last);
  feed(&dirty, b, g, 4, 12);
  g->now = 12 * SEC;
  assert_int_equal(rf_loadcell_finish(b), RF_OK);
  expect_counts(g, 1, 2);
  assert_same_events(&g_got[0], g);
  for (uint32_t p = 0; p < N_PLATES; ++p) {
    double la = 0.0, lb = 0.0, na = 0.0, nb = 0.0;
    assert_int_equal(rf_loadcell_level(a, p, &la, &na), RF_OK);
    assert_int_equal(rf_loadcell_level(b, p, &lb, &nb), RF_OK);
    assert_memory_equal(&la, &lb, sizeof la);
    assert_memory_equal(&na, &nb, sizeof na);
  }
}

/* ==== arguments =============================================================================== */

/* Every refused call: NULL segmenter or readings, no readings, dt_us <= 0, an unknown plate, bad
 * a NULL store or out, a half-made allocator (bad parameters: test_params); each refusal says why
 * in errmsg and the next good call clears it. Fault names, and NULL for a value that is no fault.
 */
static void test_bad_arguments(void **state) {
  (void)state;
  double g[HZ];
  for (int i = 0; i < HZ; ++i) g[i] = 2000.0 + (i % 3) * 0.5;

  assert_int_equal(rf_loadcell_push(NULL, A1, 0, DT_US, g, HZ), RF_EINVAL);
  assert_int_equal(rf_loadcell_advance(NULL, 0), RF_EINVAL);
  assert_int_equal(rf_loadcell_finish(NULL), RF_EINVAL);
  assert_int_equal(rf_loadcell_level(NULL, A1, NULL, NULL), RF_EINVAL);
  assert_string_equal(rf_loadcell_errmsg(NULL), "");
  rf_loadcell_free(NULL);
  rf_loadcell_set_output(NULL, on_event, on_fault, NULL);

  rf_loadcell *lc = open_lc(0);
  got *out = &g_got[0];
  assert_int_equal(rf_loadcell_push(lc, A1, 0, DT_US, NULL, HZ), RF_EINVAL);
  assert_string_not_equal(rf_loadcell_errmsg(lc), "");
  assert_int_equal(rf_loadcell_push(lc, A1, 0, DT_US, g, 0), RF_EINVAL);
  assert_int_equal(rf_loadcell_push(lc, A1, 0, 0, g, HZ), RF_EINVAL);
  assert_int_equal(rf_loadcell_push(lc, A1, 0, -DT_US, g, HZ), RF_EINVAL);
  assert_int_equal(rf_loadcell_push(lc, N_PLATES, 0, DT_US, g, HZ), RF_ERANGE);
  assert_string_not_equal(rf_loadcell_errmsg(lc), "");
  assert_int_equal(rf_loadcell_push(lc, UINT32_MAX, 0, DT_US, g, HZ), RF_ERANGE);
  assert_int_equal(rf_loadcell_level(lc, N_PLATES, NULL, NULL), RF_ERANGE);
  /* None of the refused pushes was taken: A1 has no readings yet, so 0 s is still new to it. */
  assert_int_equal(rf_loadcell_level(lc, A1, NULL, NULL), RF_ENOTFOUND);
  assert_int_equal(rf_loadcell_push(lc, A1, 0, DT_US, g, HZ), RF_OK);
  assert_string_equal(rf_loadcell_errmsg(lc), "");
  double level = 0.0, noise = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A1, &level, &noise), RF_OK);
  assert_near(level, 2000.5, 0.01);
  assert_int_equal(rf_loadcell_level(lc, A2, &level, &noise), RF_ENOTFOUND);
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(out, 0, 0);

  /* Creation. */
  rf_loadcell *x = (rf_loadcell *)0x1;
  assert_int_equal(rf_loadcell_new(NULL, store(), NULL), RF_EINVAL);
  assert_int_equal(rf_loadcell_new(&x, NULL, NULL), RF_EINVAL);
  assert_null(x);
  rf_allocator half = {NULL, NULL, NULL, NULL};
  x = (rf_loadcell *)0x1;
  assert_int_equal(rf_loadcell_new(&x, store(), &half), RF_EINVAL);
  assert_null(x);
  static const char *names[] = {"gap", "stuck", "saturated", "jump", "nonfinite", "order"};
  static const rf_plate_fault kinds[] = {RF_FAULT_GAP,  RF_FAULT_STUCK,     RF_FAULT_SATURATED,
                                         RF_FAULT_JUMP, RF_FAULT_NONFINITE, RF_FAULT_ORDER};
  for (size_t i = 0; i < 6; ++i) assert_string_equal(rf_plate_fault_name(kinds[i]), names[i]);
  assert_null(rf_plate_fault_name((rf_plate_fault)0));
  assert_null(rf_plate_fault_name((rf_plate_fault)(RF_FAULT_ORDER + 1)));
  assert_null(rf_plate_fault_name((rf_plate_fault)-1));
}

/* ==== parameters ============================================================================= */

/* The defaults are the old options' (0.3 s, 5 g, 0.5 s, 6 s, 0.5 s, 2 s, -20 kg, 200 kg, 30 kg);
 * names, help and bounds; every value out of bounds or not finite, and every value that breaks
 * HOLD_S >= GROUP_S or MIN_G < MAX_G, is RF_ERANGE and changes nothing; unknown numbers are
 * RF_EINVAL; once a reading was taken every set is RF_EMISUSE. */
static void test_params(void **state) {
  (void)state;
  static const struct {
    rf_loadcell_param p;
    const char *name;
    double def;
  } table[] = {{RF_LOADCELL_SETTLE_S, "SETTLE_S", 0.3},
               {RF_LOADCELL_MIN_STEP_G, "MIN_STEP_G", 5.0},
               {RF_LOADCELL_GROUP_S, "GROUP_S", 0.5},
               {RF_LOADCELL_HOLD_S, "HOLD_S", 6.0},
               {RF_LOADCELL_GAP_S, "GAP_S", 0.5},
               {RF_LOADCELL_STUCK_S, "STUCK_S", 2.0},
               {RF_LOADCELL_MIN_G, "MIN_G", -20000.0},
               {RF_LOADCELL_MAX_G, "MAX_G", 200000.0},
               {RF_LOADCELL_MAX_JUMP_G, "MAX_JUMP_G", 30000.0}};
  assert_int_equal(sizeof table / sizeof table[0], RF_LOADCELL_PARAM_COUNT);
  rf_loadcell *lc = open_lc(0);
  for (size_t i = 0; i < RF_LOADCELL_PARAM_COUNT; ++i) {
    double lo = 0, hi = 0, def = 0;
    assert_string_equal(rf_loadcell_param_name(table[i].p), table[i].name);
    assert_non_null(rf_loadcell_param_help(table[i].p));
    assert_true(strlen(rf_loadcell_param_help(table[i].p)) > 0);
    assert_int_equal(rf_loadcell_param_bounds(table[i].p, &lo, &hi, &def), RF_OK);
    assert_true(def == table[i].def);
    assert_true(lo <= def && def <= hi);
    assert_true(rf_loadcell_param_get(lc, table[i].p) == table[i].def);
    assert_int_equal(rf_loadcell_param_bounds(table[i].p, NULL, NULL, NULL), RF_OK);
  }
  assert_null(rf_loadcell_param_name(RF_LOADCELL_PARAM_COUNT));
  assert_null(rf_loadcell_param_name((rf_loadcell_param)-1));
  assert_null(rf_loadcell_param_help(RF_LOADCELL_PARAM_COUNT));
  assert_int_equal(rf_loadcell_param_bounds(RF_LOADCELL_PARAM_COUNT, NULL, NULL, NULL), RF_ERANGE);
  assert_true(isnan(rf_loadcell_param_get(lc, RF_LOADCELL_PARAM_COUNT)));
  assert_true(isnan(rf_loadcell_param_get(NULL, RF_LOADCELL_SETTLE_S)));

  /* The old option checks, one by one. */
  static const struct {
    rf_loadcell_param p;
    double v;
  } bad[] = {{RF_LOADCELL_SETTLE_S, 0.0},   {RF_LOADCELL_SETTLE_S, NAN},
             {RF_LOADCELL_MIN_STEP_G, 0.0}, {RF_LOADCELL_MIN_STEP_G, -5.0},
             {RF_LOADCELL_GROUP_S, -0.1},   {RF_LOADCELL_HOLD_S, 0.25}, /* below GROUP_S */
             {RF_LOADCELL_GAP_S, 0.0},      {RF_LOADCELL_STUCK_S, -1.0},
             {RF_LOADCELL_MIN_G, 200000.0}, /* = MAX_G */
             {RF_LOADCELL_MAX_G, INFINITY}, {RF_LOADCELL_MIN_G, -INFINITY},
             {RF_LOADCELL_MAX_JUMP_G, 0.0}, {RF_LOADCELL_MAX_JUMP_G, NAN},
             {RF_LOADCELL_GAP_S, NAN},      {RF_LOADCELL_HOLD_S, NAN},
             {RF_LOADCELL_SETTLE_S, 11.0},  {RF_LOADCELL_GROUP_S, 6.5}, /* above HOLD_S */
             {RF_LOADCELL_MAX_G, -20000.0},                             /* = MIN_G */
             {RF_LOADCELL_MAX_G, -30000.0}, {RF_LOADCELL_MIN_G, 300000.0}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    int rc = rf_loadcell_param_set(lc, bad[i].p, bad[i].v);
    if (rc != RF_ERANGE) fail_msg("bad value %zu: %s", i, rf_err_name(rc));
    assert_string_not_equal(rf_loadcell_errmsg(lc), "");
    for (size_t k = 0; k < RF_LOADCELL_PARAM_COUNT; ++k)
      assert_true(rf_loadcell_param_get(lc, table[k].p) == table[k].def);
  }
  /* Every bound outside the table's own is refused too. */
  for (size_t i = 0; i < RF_LOADCELL_PARAM_COUNT; ++i) {
    double lo = 0, hi = 0;
    assert_int_equal(rf_loadcell_param_bounds(table[i].p, &lo, &hi, NULL), RF_OK);
    assert_int_equal(rf_loadcell_param_set(lc, table[i].p, hi + fabs(hi) + 1.0), RF_ERANGE);
    assert_int_equal(rf_loadcell_param_set(lc, table[i].p, lo - fabs(lo) - 1.0), RF_ERANGE);
    assert_true(rf_loadcell_param_get(lc, table[i].p) == table[i].def);
  }
  /* Unknown numbers and a NULL segmenter. */
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_PARAM_COUNT, 1.0), RF_EINVAL);
  assert_int_equal(rf_loadcell_param_set(lc, (rf_loadcell_param)-1, 1.0), RF_EINVAL);
  assert_int_equal(rf_loadcell_param_set(NULL, RF_LOADCELL_SETTLE_S, 1.0), RF_EINVAL);

  /* The cross-constraints at their edges, and in an order that keeps them. */
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_HOLD_S, 0.5), RF_OK); /* = GROUP_S */
  assert_string_equal(rf_loadcell_errmsg(lc), "");
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_GROUP_S, 0.6), RF_ERANGE);
  assert_true(rf_loadcell_param_get(lc, RF_LOADCELL_GROUP_S) == 0.5);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_HOLD_S, 10.0), RF_OK);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_GROUP_S, 8.0), RF_OK);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_HOLD_S, 7.9), RF_ERANGE);
  assert_true(rf_loadcell_param_get(lc, RF_LOADCELL_HOLD_S) == 10.0);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MIN_G, 199999.0), RF_OK);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MAX_G, 199999.0), RF_ERANGE);
  assert_true(rf_loadcell_param_get(lc, RF_LOADCELL_MAX_G) == 200000.0);
  /* Back to the defaults, each value taken as given. */
  for (size_t i = 0; i < RF_LOADCELL_PARAM_COUNT; ++i)
    assert_int_equal(rf_loadcell_param_set(lc, table[i].p, table[i].def), RF_OK);
  for (size_t i = 0; i < RF_LOADCELL_PARAM_COUNT; ++i)
    assert_true(rf_loadcell_param_get(lc, table[i].p) == table[i].def);

  /* A refused push takes no reading: parameters may still be set. */
  double g[HZ];
  for (int i = 0; i < HZ; ++i) g[i] = 2000.0 + (i % 3) * 0.5;
  assert_int_equal(rf_loadcell_push(lc, N_PLATES, 0, DT_US, g, HZ), RF_ERANGE);
  assert_int_equal(rf_loadcell_push(lc, A1, 0, 0, g, HZ), RF_EINVAL);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_SETTLE_S, 0.3), RF_OK);
  /* After the first reading: RF_EMISUSE for every parameter, the value unchanged. */
  assert_int_equal(rf_loadcell_push(lc, A1, 0, DT_US, g, HZ), RF_OK);
  for (size_t i = 0; i < RF_LOADCELL_PARAM_COUNT; ++i) {
    assert_int_equal(rf_loadcell_param_set(lc, table[i].p, table[i].def), RF_EMISUSE);
    assert_string_not_equal(rf_loadcell_errmsg(lc), "");
    assert_true(rf_loadcell_param_get(lc, table[i].p) == table[i].def);
  }
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_SETTLE_S, 1.0), RF_EMISUSE);
  assert_true(rf_loadcell_param_get(lc, RF_LOADCELL_SETTLE_S) == 0.3);
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(&g_got[0], 0, 0);
}

/* MIN_STEP_G reaches the segmenter: a 300 g step is reported at the default 5 g and not at 400 g.
 */
static void test_min_step_param(void **state) {
  (void)state;
  static trace tr;
  rf_loadcell *a = open_lc(0);
  rf_loadcell *b = open_lc(1);
  assert_int_equal(rf_loadcell_param_set(b, RF_LOADCELL_MIN_STEP_G, 400.0), RF_OK);
  trace_init(&tr, 17);
  trace_item(&tr, A3, 2.0, -300.0);
  run(&tr, a, &g_got[0], 5);
  trace_init(&tr, 17);
  trace_item(&tr, A3, 2.0, -300.0);
  run(&tr, b, &g_got[1], 5);
  expect_counts(&g_got[0], 1, 0);
  expect_counts(&g_got[1], 0, 0);
}

/* ==== ranges ================================================================================== */

/* Times outside |t| <= 2^52 us (RF_TIME_LIMIT_US) are refused whole with RF_ERANGE naming the
 * field, nothing taken; the edges themselves are taken. (Before: any t and now were taken, and
 * differences of such times overflowed.) */
static void test_time_range(void **state) {
  (void)state;
  double g[HZ];
  for (int i = 0; i < HZ; ++i) g[i] = 2000.0 + (i % 3) * 0.5;
  rf_loadcell *lc = open_lc(0);
  got *out = &g_got[0];
  const rf_time_us lim = RF_TIME_LIMIT_US;
  assert_int_equal(rf_loadcell_push(lc, A1, INT64_MIN, DT_US, g, HZ), RF_ERANGE);
  assert_non_null(strstr(rf_loadcell_errmsg(lc), "field 't'"));
  assert_int_equal(rf_loadcell_push(lc, A1, -lim - 1, DT_US, g, HZ), RF_ERANGE);
  assert_int_equal(rf_loadcell_push(lc, A1, lim + 1, DT_US, g, 1), RF_ERANGE);
  assert_int_equal(rf_loadcell_push(lc, A1, lim - (HZ - 2) * DT_US, DT_US, g, HZ), RF_ERANGE);
  assert_non_null(strstr(rf_loadcell_errmsg(lc), "field 't'"));
  assert_int_equal(rf_loadcell_push(lc, A1, 0, lim + 1, g, 2), RF_ERANGE);
  assert_non_null(strstr(rf_loadcell_errmsg(lc), "field 'dt_us'"));
  assert_int_equal(rf_loadcell_push(lc, A1, 0, INT64_MAX, g, 2), RF_ERANGE);
  assert_int_equal(rf_loadcell_advance(lc, INT64_MIN), RF_ERANGE);
  assert_non_null(strstr(rf_loadcell_errmsg(lc), "'now'"));
  assert_int_equal(rf_loadcell_advance(lc, lim + 1), RF_ERANGE);
  assert_int_equal(rf_loadcell_level(lc, A1, NULL, NULL), RF_ENOTFOUND); /* nothing taken */
  expect_counts(out, 0, 0);
  /* The first and last times of the range: a level at each end, one gap between. */
  assert_int_equal(rf_loadcell_push(lc, A1, -lim, DT_US, g, HZ), RF_OK);
  assert_int_equal(rf_loadcell_advance(lc, -lim), RF_OK);
  assert_int_equal(rf_loadcell_push(lc, A1, lim - (HZ - 1) * DT_US, DT_US, g, HZ), RF_OK);
  assert_int_equal(rf_loadcell_advance(lc, lim), RF_OK);
  double level = 0.0;
  assert_int_equal(rf_loadcell_level(lc, A1, &level, NULL), RF_OK);
  assert_near(level, 2000.5, 0.01);
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(out, 0, 1);
  expect_fault(out, 0, A1, RF_FAULT_GAP, lim - (HZ - 1) * DT_US, lim - (HZ - 1) * DT_US);
}

/* A finite reading beyond RF_WEIGHT_LIMIT_G (1e7 g) by magnitude refuses the whole push; one
 * at the limit is a reading (here past MAX_G: saturated); a non-finite one is still a fault. */
static void test_weight_limit(void **state) {
  (void)state;
  double g[HZ];
  for (int i = 0; i < HZ; ++i) g[i] = 2000.0 + (i % 3) * 0.5;
  rf_loadcell *lc = open_lc(0);
  got *out = &g_got[0];
  /* Beyond any shelf, or at the plate's limit: a saturated reading, the plate's fault; the
   * other readings of the push are taken. */
  g[7] = -DBL_MAX;
  assert_int_equal(rf_loadcell_push(lc, A1, 0, DT_US, g, HZ), RF_OK);
  expect_counts(out, 0, 1);
  expect_fault(out, 0, A1, RF_FAULT_SATURATED, 7 * DT_US, 7 * DT_US);
  g[7] = INFINITY;
  assert_int_equal(rf_loadcell_push(lc, A1, SEC, DT_US, g, HZ), RF_OK);
  expect_counts(out, 0, 2);
  expect_fault(out, 1, A1, RF_FAULT_NONFINITE, SEC + 7 * DT_US, SEC + 7 * DT_US);
}

/* The plate's range and jump bound stop at the weight limit (they were 1e9 g; at the fuzzed
 * commit any finite value, where readings near 1e308 gave sd_g = inf). At the new extremes a
 * full-range step of 1.8e7 g is reported with a finite sd. */
static void test_extreme_params(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *out = &g_got[0];
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MIN_G, -1e9), RF_ERANGE);
  assert_non_null(strstr(rf_loadcell_errmsg(lc), "MIN_G"));
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MAX_G, 1e9), RF_ERANGE);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MAX_JUMP_G, 1e9), RF_ERANGE);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MIN_G, -RF_WEIGHT_LIMIT_G), RF_OK);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MAX_G, RF_WEIGHT_LIMIT_G), RF_OK);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MAX_JUMP_G, 2 * RF_WEIGHT_LIMIT_G), RF_OK);
  assert_int_equal(rf_loadcell_param_set(lc, RF_LOADCELL_MIN_STEP_G, 1e6), RF_OK);
  double g[HZ];
  for (int s = 0; s < 4; ++s) {
    for (int i = 0; i < HZ; ++i) g[i] = (s < 2 ? -9e6 : 9e6) + (i % 3) * 0.5;
    for (uint32_t p = A1; p <= A4; ++p)
      assert_int_equal(rf_loadcell_push(lc, p, s * SEC, DT_US, g, HZ), RF_OK);
  }
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(out, 1, 0);
  for (size_t k = 0; k < 4; ++k) {
    assert_near(out->ev[0].delta_g[k], 1.8e7, 1.0);
    assert_true(isfinite(out->ev[0].sd_g[k]));
    assert_true(out->ev[0].sd_g[k] > 0.0 && out->ev[0].sd_g[k] < 1.0);
  }
}

/* ==== memory ================================================================================== */

/* Each allocation of rf_loadcell_new in turn fails: RF_ENOMEM, *out NULL, nothing left
 * allocated. The first run that succeeds then takes a whole trace with a step without one more
 * allocation, and frees everything. */
static void test_allocation_failure(void **state) {
  (void)state;
  static trace tr;
  long k = 1;
  for (;; ++k) {
    test_alloc st;
    rf_allocator a = test_alloc_make(&st, k);
    rf_loadcell *lc = NULL;
    int rc = rf_loadcell_new(&lc, store(), &a);
    if (!st.failed) {
      assert_int_equal(rc, RF_OK);
      assert_non_null(lc);
      got *g = &g_got[0];
      memset(g, 0, sizeof *g);
      rf_loadcell_set_output(lc, on_event, on_fault, g);
      long calls = st.calls;
      trace_init(&tr, 17);
      trace_item(&tr, A3, 2.0, -300.0);
      g_lc[0] = lc; /* freed by the teardown if the run fails */
      run(&tr, lc, g, 5);
      g_lc[0] = NULL;
      assert_int_equal(st.calls, calls);
      expect_counts(g, 1, 0);
      rf_loadcell_free(lc);
      assert_int_equal(st.live, 0);
      break;
    }
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(lc);
    assert_int_equal(st.live, 0);
    assert_true(k < 1000);
  }
  assert_true(k > 1);
}

/* ==== determinism ============================================================================= */

/* The same busy trace (a rest and a pick, a slide, a step on B, a press) fed to two segmenters
 * gives the same events and faults, bit for bit. */
static void test_deterministic(void **state) {
  (void)state;
  static trace tr[2];
  for (size_t i = 0; i < 2; ++i) {
    trace_init(&tr[i], 18);
    tr[i].noise_g[A4] = 4.0;
    tr[i].drift_g_per_h[B2] = 30.0;
    trace_press(&tr[i], A2, 2.0, 3.0, 125.0);
    trace_press(&tr[i], A3, 2.0, 3.0, 125.0);
    trace_item(&tr[i], A2, 5.2, -400.0);
    trace_item(&tr[i], A1, 12.0, -180.0);
    trace_item(&tr[i], A4, 12.0, 180.0);
    trace_item(&tr[i], B1, 13.0, -250.0);
    trace_press(&tr[i], B2, 16.0, 1.0, 200.0);
    run(&tr[i], open_lc(i), &g_got[i], 24);
  }
  expect_counts(&g_got[0], 2, 0);
  assert_same_events(&g_got[0], &g_got[1]);
  assert_int_equal(g_got[0].faults, g_got[1].faults);
}

/* A1 reads exactly its level from 3 s to 9 s (stuck from 3.3 s) while 300 g leaves A2 at 6 s:
 * the event is reported all the same, with A1 not moved but marked faulty; one stuck fault. */
static void test_event_marks_faulty_plate(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 20);
  fault_plan f = {A1, 3, 9, 0, offset_g(A1)};
  tr.tamper = tamper_fill;
  tr.tamper_arg = &f;
  trace_item(&tr, A2, 6.0, -300.0);
  run(&tr, lc, g, 12);
  expect_counts(g, 1, 1);
  expect_fault(g, 0, A1, RF_FAULT_STUCK, 3200 * MS, 3400 * MS);
  const got_event *e = &g->ev[0];
  assert_near(e->delta_g[1], -300.0, 3.0);
  assert_int_equal(e->moved[0], 0);
  assert_int_equal(e->faulty[0], 1);
  assert_int_equal(e->faulty[1], 0);
  assert_int_equal(e->faulty[2], 0);
  assert_int_equal(e->faulty[3], 0);
}

/* A1 falls silent for good at 2 s and the host advances its clock after every second: the gap
 * is reported at 3 s, and 300 g leaving A2 at 5 s is still reported in second 5 (the dead plate
 * holds nothing up), A1 unmoved and marked faulty. */
static void test_dead_plate_holds_nothing_up(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 21);
  fault_plan f = {A1, 2, 1000, 0, 0.0};
  tr.tamper = tamper_skip;
  tr.tamper_arg = &f;
  trace_item(&tr, A2, 5.0, -300.0);
  for (int s = 0; s < 10; ++s) {
    feed(&tr, lc, g, s, s + 1);
    assert_int_equal(rf_loadcell_advance(lc, (s + 1) * SEC), RF_OK);
  }
  expect_counts(g, 1, 1);
  expect_fault(g, 0, A1, RF_FAULT_GAP, 3 * SEC, 3 * SEC);
  const got_event *e = &g->ev[0];
  assert_int_equal(e->at, 5 * SEC);
  assert_near(e->delta_g[1], -300.0, 3.0);
  assert_int_equal(e->moved[0], 0);
  assert_int_equal(e->faulty[0], 1);
  assert_int_equal(e->faulty[1], 0);
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(g, 1, 1);
}

/* Changes of one shelf close in time are one event, changes apart are two: 300 g leaves A2 at
 * 3.95 s (its ramp runs into the next record), 100 g leaves A4 0.3 s later, 200 g leaves A3 3 s
 * later. Two events: {A2 -300, A4 -100} from 3.95 s, then {A3 -200} from 6.95 s. */
static void test_grouping_in_time(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  static trace tr;
  trace_init(&tr, 22);
  trace_item(&tr, A2, 3.95, -300.0);
  trace_item(&tr, A4, 4.25, -100.0);
  trace_item(&tr, A3, 6.95, -200.0);
  run(&tr, lc, g, 12);
  expect_counts(g, 2, 0);
  const got_event *e = &g->ev[0];
  assert_true(e->t0 >= 3750 * MS && e->t0 <= 3950 * MS + DT_US); /* a reading's time */
  assert_true(e->t1 > 4250 * MS && e->t1 <= 4850 * MS);
  assert_int_equal(e->moved[0], 0);
  assert_int_equal(e->moved[1], 1);
  assert_int_equal(e->moved[2], 0);
  assert_int_equal(e->moved[3], 1);
  assert_near(e->delta_g[1], -300.0, 3.0);
  assert_near(e->delta_g[3], -100.0, 3.0);
  e = &g->ev[1];
  assert_true(e->t0 >= 6750 * MS && e->t0 <= 6950 * MS + DT_US);
  assert_int_equal(e->moved[0] + e->moved[1] + e->moved[3], 0);
  assert_int_equal(e->moved[2], 1);
  assert_near(e->delta_g[2], -200.0, 3.0);
  assert_near(event_total(e), -200.0, 4.0);
}

/* A callback's non-zero return comes back from the call that delivered it, and the event or
 * fault still counts as delivered once: the push of A4's record in second 3 (the last reading
 * the event waits for) returns the event callback's 5, the push with a NaN the fault
 * callback's 9; every other push returns RF_OK. */
static void test_output_callback_complaint(void **state) {
  (void)state;
  rf_loadcell *lc = open_lc(0);
  got *g = &g_got[0];
  g->event_rc = 5;
  g->fault_rc = 9;
  static trace tr;
  trace_init(&tr, 23);
  trace_item(&tr, A2, 3.0, -300.0);
  for (int s = 0; s < 6; ++s) {
    g->now = s * SEC;
    for (uint32_t p = 0; p < N_PLATES; ++p) {
      double r[HZ];
      make_record(&tr, p, s, r);
      int want = RF_OK;
      if (s == 3 && p == A4) want = 5;
      if (s == 5 && p == B2) {
        r[10] = NAN;
        want = 9;
      }
      assert_int_equal(rf_loadcell_push(lc, p, s * SEC, DT_US, r, HZ), want);
    }
  }
  assert_int_equal(rf_loadcell_finish(lc), RF_OK);
  expect_counts(g, 1, 1);
  expect_fault(g, 0, B2, RF_FAULT_NONFINITE, 5 * SEC + 10 * DT_US, 5 * SEC + 10 * DT_US);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_clean_step, teardown),
      cmocka_unit_test_teardown(test_step_at_the_end_reported_by_finish, teardown),
      cmocka_unit_test_teardown(test_step_in_heavy_noise, teardown),
      cmocka_unit_test_teardown(test_drift_alone, teardown),
      cmocka_unit_test_teardown(test_press_without_pick, teardown),
      cmocka_unit_test_teardown(test_rest_then_pick, teardown),
      cmocka_unit_test_teardown(test_two_plates_together, teardown),
      cmocka_unit_test_teardown(test_slide_to_neighbour, teardown),
      cmocka_unit_test_teardown(test_arrival_waits_hold, teardown),
      cmocka_unit_test_teardown(test_shelves_apart, teardown),
      cmocka_unit_test_teardown(test_grouping_in_time, teardown),
      cmocka_unit_test_teardown(test_fault_gap, teardown),
      cmocka_unit_test_teardown(test_fault_gap_by_advance, teardown),
      cmocka_unit_test_teardown(test_fault_stuck, teardown),
      cmocka_unit_test_teardown(test_fault_saturated, teardown),
      cmocka_unit_test_teardown(test_fault_jump, teardown),
      cmocka_unit_test_teardown(test_fault_nonfinite, teardown),
      cmocka_unit_test_teardown(test_fault_order_changes_nothing, teardown),
      cmocka_unit_test_teardown(test_event_marks_faulty_plate, teardown),
      cmocka_unit_test_teardown(test_dead_plate_holds_nothing_up, teardown),
      cmocka_unit_test_teardown(test_output_callback_complaint, teardown),
      cmocka_unit_test_teardown(test_bad_arguments, teardown),
      cmocka_unit_test_teardown(test_params, teardown),
      cmocka_unit_test_teardown(test_min_step_param, teardown),
      cmocka_unit_test_teardown(test_time_range, teardown),
      cmocka_unit_test_teardown(test_weight_limit, teardown),
      cmocka_unit_test_teardown(test_extreme_params, teardown),
      cmocka_unit_test_teardown(test_allocation_failure, teardown),
      cmocka_unit_test_teardown(test_deterministic, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
