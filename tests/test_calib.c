/* The calibration (lib/calib): plate gains and product weights learned by weighted, regularised
 * least squares with forgetting, outlier rejection and bounded steps, solved per block with a
 * Cholesky factor (spd.h). Known answers: exact data from chosen gains and weights gives them
 * back; a wrong equation moves nothing by more than `step`; an outlier changes nothing; a drift
 * is followed with a short memory and lags with a long one; what no equation involves keeps its
 * prior; no NaN gets in; the block Gauss-Seidel estimate is the dense solve's; LAPACK and plain C
 * agree (and each solves a known system right); unstaged equations teach nothing; seeds.
 *
 * The scale: every equation reads sum_k c_k r_k = sum_j q_j W_j, which holds as well with every
 * correction c_k and every weight W_j multiplied by the same factor — the data cannot tell the
 * common scale, only the priors anchor it. Tests that compare with true values either anchor it
 * (one product's weight seeded with a tiny sd) or compare scale-free ratios. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calib/calib.h"
#include "calib/calib_internal.h" /* a block's covariance, against a fresh inverse */
#include "calib/spd.h"
#include "retailfuse/status.h"
#include "test_alloc.h"
#include "test_rng.h"

#define MAX_UNKNOWNS 16

/* A normal draw (Box–Muller) from the tests' generator. */
static double normal(uint64_t *rng) {
  double u = test_rng_uniform(rng), v = test_rng_uniform(rng);
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* An equation with its own storage. */
typedef struct eqbuf {
  uint32_t gain[4];
  double reading[4];
  uint32_t weight[4];
  double qty[4];
  rf__calib_eq eq;
} eqbuf;

static void eq_wire(eqbuf *e, int64_t t, size_t readings, size_t items, double var, double p) {
  e->eq.t = t;
  e->eq.readings = readings;
  e->eq.gain = e->gain;
  e->eq.reading = e->reading;
  e->eq.items = items;
  e->eq.weight = e->weight;
  e->eq.qty = e->qty;
  e->eq.var = var;
  e->eq.p = p;
}

/* The true world: each plate's correction (true grams per gram read) and each product's true
 * item weight. */
typedef struct world {
  double corr[MAX_UNKNOWNS];
  double wt[MAX_UNKNOWNS];
} world;

/* Items of `items` products (qty each) lying over `readings` plates in the shares given: each
 * plate reads its share of their true weight, through its gain, plus noise. */
static void eq_true(eqbuf *e, const world *w, int64_t t, size_t readings, const uint32_t *plates,
                    const double *share, size_t items, const uint32_t *prods, const double *qty,
                    double var, double noise_sd, uint64_t *rng) {
  double load = 0.0;
  for (size_t j = 0; j < items; ++j) {
    e->weight[j] = prods[j];
    e->qty[j] = qty[j];
    load += qty[j] * w->wt[prods[j]];
  }
  for (size_t k = 0; k < readings; ++k) {
    e->gain[k] = plates[k];
    e->reading[k] = share[k] * load / w->corr[plates[k]];
    if (noise_sd > 0) e->reading[k] += noise_sd * normal(rng);
  }
  eq_wire(e, t, readings, items, var, 1.0);
}

/* A random equation of one block: one or two of its products (1-3 items each) over one plate
 * or two neighbouring plates of it, in a random proportion. */
static void eq_random(eqbuf *e, const world *w, int64_t t, const uint32_t *plates, size_t np,
                      const uint32_t *prods, size_t nq, double var, double noise_sd,
                      uint64_t *rng) {
  uint32_t pl[2], pr[2];
  double share[2], qty[2];
  size_t items = nq > 1 && test_rng_uniform(rng) < 0.5 ? 2 : 1;
  size_t first = (size_t)(test_rng_uniform(rng) * (double)nq);
  for (size_t j = 0; j < items; ++j) {
    pr[j] = prods[(first + j) % nq];
    qty[j] = 1.0 + floor(3.0 * test_rng_uniform(rng));
  }
  size_t readings = np > 1 && test_rng_uniform(rng) < 0.5 ? 2 : 1;
  size_t at = (size_t)(test_rng_uniform(rng) * (double)(np - readings + 1));
  share[0] = readings == 1 ? 1.0 : 0.15 + 0.7 * test_rng_uniform(rng);
  share[1] = 1.0 - share[0];
  for (size_t k = 0; k < readings; ++k) pl[k] = plates[at + k];
  eq_true(e, w, t, readings, pl, share, items, pr, qty, var, noise_sd, rng);
}

static rf__calib_config config(size_t gains, size_t weights, size_t blocks,
                               const uint32_t *gain_block, const uint32_t *weight_block,
                               const double *catalog) {
  rf__calib_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.gains = gains;
  cfg.weights = weights;
  cfg.blocks = blocks;
  cfg.gain_block = gain_block;
  cfg.weight_block = weight_block;
  cfg.catalog = catalog;
  cfg.gain_sd = 0.02;
  cfg.weight_sd = 0.05;
  cfg.memory_s = 86400.0;
  cfg.step = 0.05;
  cfg.reject_z = 5.0;
  cfg.spd = NULL;
  return cfg;
}

/* The calibrations a test made, freed by the teardown even when an assertion fails. */
static rf__calib *live[8];

static rf__calib *make(const rf__calib_config *cfg) {
  rf__calib *c = NULL;
  assert_int_equal(rf__calib_new(&c, NULL, cfg), 0);
  assert_non_null(c);
  for (size_t i = 0; i < sizeof live / sizeof live[0]; ++i)
    if (live[i] == NULL) {
      live[i] = c;
      return c;
    }
  fail_msg("too many calibrations at once");
  return NULL;
}

static void drop(rf__calib *c) {
  for (size_t i = 0; i < sizeof live / sizeof live[0]; ++i)
    if (live[i] == c) live[i] = NULL;
  rf__calib_free(c);
}

static int drop_all(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof live / sizeof live[0]; ++i) {
    rf__calib_free(live[i]);
    live[i] = NULL;
  }
  return 0;
}

static void stage_ok(rf__calib *c, const eqbuf *e) {
  assert_int_equal(rf__calib_stage(c, &e->eq), 0);
}

static void take(rf__calib *c, const eqbuf *e) {
  stage_ok(c, e);
  rf__calib_commit(c);
}

/* Every estimate of c: corrections, then weights as shares of the catalogue. */
typedef struct snap {
  double corr[MAX_UNKNOWNS], share[MAX_UNKNOWNS], seen[MAX_UNKNOWNS + MAX_UNKNOWNS];
} snap;

static void snapshot(const rf__calib *c, size_t gains, size_t weights, const double *catalog,
                     snap *s) {
  for (uint32_t i = 0; i < gains; ++i) {
    s->corr[i] = rf__calib_correction(c, i);
    s->seen[i] = rf__calib_gain_seen(c, i);
  }
  for (uint32_t j = 0; j < weights; ++j) {
    s->share[j] = rf__calib_weight(c, j) / catalog[j];
    s->seen[gains + j] = rf__calib_weight_seen(c, j);
  }
}

/* The largest change of any value between two snapshots. */
static double most_moved(const snap *a, const snap *b, size_t gains, size_t weights) {
  double m = 0.0;
  for (size_t i = 0; i < gains; ++i) m = fmax(m, fabs(a->corr[i] - b->corr[i]));
  for (size_t j = 0; j < weights; ++j) m = fmax(m, fabs(a->share[j] - b->share[j]));
  return m;
}

static void assert_same_bits(const snap *a, const snap *b, size_t gains, size_t weights) {
  assert_memory_equal(a->corr, b->corr, gains * sizeof a->corr[0]);
  assert_memory_equal(a->share, b->share, weights * sizeof a->share[0]);
  assert_memory_equal(a->seen, b->seen, (gains + weights) * sizeof a->seen[0]);
}

static void assert_near(double got, double want, double tol, const char *what, unsigned i) {
  if (!(fabs(got - want) <= tol))
    fail_msg("%s %u: got %.10f, want %.10f (tolerance %g)", what, i, got, want, tol);
}

/* One block of 4 plates and 2 products (the layout of several tests). */
static const uint32_t one_block_gains[4] = {0, 0, 0, 0};
static const uint32_t one_block_weights[2] = {0, 0};
static const double one_block_catalog[2] = {250.0, 400.0};
static const uint32_t one_block_plates[4] = {0, 1, 2, 3};
static const uint32_t one_block_prods[2] = {0, 1};

static world one_block_world(void) {
  world w;
  memset(&w, 0, sizeof w);
  w.corr[0] = 1.012;
  w.corr[1] = 0.991;
  w.corr[2] = 1.004;
  w.corr[3] = 0.997;
  w.wt[0] = 1.02 * one_block_catalog[0];
  w.wt[1] = 0.985 * one_block_catalog[1];
  return w;
}

/* Exact equations (noise variance 1e-6 g^2) from chosen gains and weights give them back. With
 * product 0's weight seeded at its true value with a tiny sd, the scale is anchored and every
 * value is compared directly; without the anchor, the scale is the priors' and the scale-free
 * ratios (corrections to plate 0's, weights to product 0's) are compared. */
static void test_exact_data_recovers_gains_and_weights(void **state) {
  (void)state;
  const world w = one_block_world();
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
  rf__calib *anchored = make(&cfg), *free_scale = make(&cfg);
  assert_int_equal(rf__calib_seed_weight(anchored, 0, w.wt[0], 1e-5 * w.wt[0]), 0);
  uint64_t rng = 11;
  for (int n = 0; n < 400; ++n) {
    eqbuf e;
    eq_random(&e, &w, (int64_t)n * 10000000, one_block_plates, 4, one_block_prods, 2, 1e-6, 0.0,
              &rng);
    take(anchored, &e);
    take(free_scale, &e);
  }
  for (uint32_t i = 0; i < 4; ++i) {
    assert_near(rf__calib_correction(anchored, i), w.corr[i], 1e-4, "correction", i);
    assert_near(rf__calib_gain(anchored, i), 1.0 / w.corr[i], 1e-4, "gain", i);
    assert_near(rf__calib_correction(free_scale, i) / rf__calib_correction(free_scale, 0),
                w.corr[i] / w.corr[0], 1e-4, "correction ratio", i);
    assert_true(rf__calib_gain_seen(anchored, i) > 0);
  }
  for (uint32_t j = 0; j < 2; ++j) {
    assert_near(rf__calib_weight(anchored, j) / w.wt[j], 1.0, 1e-4, "weight share", j);
    assert_near(rf__calib_weight(free_scale, j) / rf__calib_weight(free_scale, 0),
                w.wt[j] / w.wt[0], 1e-4, "weight ratio", j);
    /* And the unanchored weights relative to the corrections (c_k / W_j is what the data fix). */
    assert_near(rf__calib_correction(free_scale, 1) / rf__calib_weight(free_scale, j),
                w.corr[1] / w.wt[j], 1e-4 * w.corr[1] / w.wt[j], "correction per weight", j);
  }
  rf__calib_counts k;
  rf__calib_get_counts(anchored, &k);
  assert_int_equal(k.staged, 400);
  assert_int_equal(k.taken + k.rejected, 400);
  assert_int_equal(k.rejected, 0);
  assert_int_equal(k.cross, 0);
  drop(anchored);
  drop(free_scale);
}

/* The same with a small step (0.003): the first equations are clipped, but right ones agree and
 * move the estimate the rest of the way (calib.h), so it still ends at the true values. */
static void test_exact_data_recovered_through_clipping(void **state) {
  (void)state;
  const world w = one_block_world();
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
  cfg.step = 0.003;
  cfg.memory_s = 3600.0;
  rf__calib *c = make(&cfg);
  assert_int_equal(rf__calib_seed_weight(c, 0, w.wt[0], 1e-5 * w.wt[0]), 0);
  uint64_t rng = 12;
  for (int n = 0; n < 2000; ++n) {
    eqbuf e;
    eq_random(&e, &w, (int64_t)n * 30000000, one_block_plates, 4, one_block_prods, 2, 1e-6, 0.0,
              &rng);
    take(c, &e);
  }
  rf__calib_counts k;
  rf__calib_get_counts(c, &k);
  print_message("clipped %llu, rejected %llu of %llu\n", (unsigned long long)k.clipped,
                (unsigned long long)k.rejected, (unsigned long long)k.staged);
  assert_true(k.clipped > 0);
  for (uint32_t i = 0; i < 4; ++i)
    assert_near(rf__calib_correction(c, i), w.corr[i], 1e-4, "correction", i);
  assert_near(rf__calib_weight(c, 1) / w.wt[1], 1.0, 1e-4, "weight share", 1);
  drop(c);
}

/* A wrong but confident equation (p = 1, var 1 g^2: a 2 kg item read as 1.9 kg, within
 * reject_z) is taken but clipped: no correction and no weight (as a share of its catalogue:
 * `step` is a share) moves by more than `step` — nor does it when repeated, on a fresh
 * calibration and on one a little trained. (A gain, the correction's inverse, moves by the same
 * share to first order.) */
static void test_wrong_equation_moves_at_most_step(void **state) {
  (void)state;
  static const double catalog[2] = {2000.0, 400.0};
  const double step = 0.003;
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, catalog);
  cfg.step = step;
  cfg.reject_z = 4.0;
  rf__calib *c = make(&cfg);
  world w;
  memset(&w, 0, sizeof w);
  for (int i = 0; i < 4; ++i) w.corr[i] = 1.0;
  w.wt[0] = catalog[0];
  w.wt[1] = catalog[1];
  uint64_t rng = 21;
  for (int round = 0; round < 2; ++round) {
    const int64_t t = (int64_t)round * 60000000;
    if (round == 1) /* a little training: still a loose estimate, that one confident equation
                       could move a long way */
      for (int n = 0; n < 6; ++n) {
        eqbuf e;
        eq_random(&e, &w, t - 10000000 + n * 1000000, one_block_plates, 4, one_block_prods, 2,
                  400.0, 0.0, &rng);
        take(c, &e);
      }
    for (int repeat = 0; repeat < 3; ++repeat) {
      eqbuf e;
      e.gain[0] = 1;
      e.reading[0] = 1900.0;
      e.weight[0] = 0;
      e.qty[0] = 1.0;
      eq_wire(&e, t, 1, 1, 1.0, 1.0);
      snap before, after;
      rf__calib_counts k0, k1;
      snapshot(c, 4, 2, catalog, &before);
      rf__calib_get_counts(c, &k0);
      take(c, &e);
      snapshot(c, 4, 2, catalog, &after);
      rf__calib_get_counts(c, &k1);
      double moved = most_moved(&before, &after, 4, 2);
      print_message("round %d repeat %d: moved %.6f\n", round, repeat, moved);
      assert_int_equal(k1.rejected, k0.rejected);
      assert_int_equal(k1.taken, k0.taken + 1);
      if (repeat == 0) {
        assert_int_equal(k1.clipped, k0.clipped + 1);
        assert_true(moved > 0.5 * step); /* it was taken, and the clip is what held it */
      }
      assert_true(moved <= step * (1.0 + 1e-9));
    }
  }
  drop(c);
}

/* The same across blocks: a 2 kg item of block 0's product put back on block 1's plate and read
 * as 1.9 kg moves no value of either block by more than `step`. */
static void test_wrong_cross_equation_moves_at_most_step(void **state) {
  (void)state;
  static const uint32_t gain_block[4] = {0, 0, 1, 1};
  static const uint32_t weight_block[2] = {0, 1};
  static const double catalog[2] = {2000.0, 400.0};
  const double step = 0.003;
  rf__calib_config cfg = config(4, 2, 2, gain_block, weight_block, catalog);
  cfg.step = step;
  cfg.reject_z = 4.0;
  rf__calib *c = make(&cfg);
  eqbuf e;
  e.gain[0] = 2;
  e.reading[0] = 1900.0;
  e.weight[0] = 0;
  e.qty[0] = 1.0;
  eq_wire(&e, 0, 1, 1, 1.0, 1.0);
  snap before, after;
  rf__calib_counts k;
  snapshot(c, 4, 2, catalog, &before);
  take(c, &e);
  snapshot(c, 4, 2, catalog, &after);
  rf__calib_get_counts(c, &k);
  double moved = most_moved(&before, &after, 4, 2);
  print_message("cross: moved %.6f (corr 2 %+.6f, weight 0 %+.6f)\n", moved,
                after.corr[2] - before.corr[2], after.share[0] - before.share[0]);
  assert_int_equal(k.taken, 1);
  assert_int_equal(k.cross, 1);
  assert_int_equal(k.clipped, 1);
  assert_true(moved > 0.5 * step);
  assert_true(moved <= step * (1.0 + 1e-9));
  drop(c);
}

/* Trains one block on noisy data from the one-block world, from t = 0 to (n - 1) * 10 s. */
static void train(rf__calib *c, const world *w, int n, uint64_t *rng) {
  for (int i = 0; i < n; ++i) {
    eqbuf e;
    eq_random(&e, w, (int64_t)i * 10000000, one_block_plates, 4, one_block_prods, 2, 0.25, 0.5,
              rng);
    take(c, &e);
  }
}

/* An equation far beyond reject_z sds (500 g too much on a trained block) changes nothing —
 * not an estimate, not an sd, not an evidence count — and counts as rejected. Later in time, it
 * still teaches nothing: a twin that never saw it ends where it does after the next equation
 * (both 5 min apart, so each forgetting tick of 60 s falls the same way). */
static void test_outlier_rejected_changes_nothing(void **state) {
  (void)state;
  const world w = one_block_world();
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
  rf__calib *c = make(&cfg), *twin = make(&cfg);
  uint64_t rng = 31, rng_twin = 31;
  train(c, &w, 300, &rng);
  train(twin, &w, 300, &rng_twin);
  const int64_t last = (int64_t)299 * 10000000;
  eqbuf out;
  static const uint32_t plate[1] = {2}, prod[1] = {1};
  static const double share[1] = {1.0}, qty[1] = {2.0};
  eq_true(&out, &w, last, 1, plate, share, 1, prod, qty, 0.25, 0.0, NULL);
  out.reading[0] += 500.0;
  snap before, after;
  rf__calib_counts k0, k1;
  snapshot(c, 4, 2, one_block_catalog, &before);
  rf__calib_get_counts(c, &k0);
  take(c, &out);
  snapshot(c, 4, 2, one_block_catalog, &after);
  rf__calib_get_counts(c, &k1);
  assert_int_equal(k1.rejected, k0.rejected + 1);
  assert_int_equal(k1.taken, k0.taken);
  assert_int_equal(k1.clipped, k0.clipped);
  assert_same_bits(&before, &after, 4, 2);
  for (uint32_t i = 0; i < 4; ++i)
    assert_true(rf__calib_gain_sd(c, i) == rf__calib_gain_sd(twin, i));

  /* Five minutes later the same outlier; ten minutes later a right equation, to both. */
  out.eq.t = last + 300000000;
  take(c, &out);
  rf__calib_get_counts(c, &k1);
  assert_int_equal(k1.rejected, k0.rejected + 2);
  eqbuf good;
  eq_true(&good, &w, last + 600000000, 1, plate, share, 1, prod, qty, 0.25, 0.0, NULL);
  take(c, &good);
  take(twin, &good);
  snapshot(c, 4, 2, one_block_catalog, &after);
  snapshot(twin, 4, 2, one_block_catalog, &before);
  /* Not the same bits: c forgot its data in two steps (at the outlier, then at the right one),
   * the twin in one, and exp(a) exp(b) need not round as exp(a + b) does. */
  assert_true(most_moved(&before, &after, 4, 2) < 1e-9);
  for (size_t u = 0; u < 6; ++u) assert_true(before.seen[u] == after.seen[u]);
  drop(c);
  drop(twin);
}

/* Drift: plate 0's correction is 1.000 for 4 h, ramps to 1.020 over the next hour and stays
 * there 4 h (an equation every 30 s, 2 g noise). With a memory of an hour the estimate at the
 * end is the end value (within 0.0015); with a memory of ten years it lags well behind — below
 * even the time average 1.010, as it grows confident and sets the drifted readings aside. Product
 * 0's weight is seeded with a tiny sd, so the common scale cannot absorb the drift. */
static void test_drift_followed_with_short_memory(void **state) {
  (void)state;
  static const uint32_t gain_block[2] = {0, 0};
  static const double catalog[2] = {250.0, 400.0};
  static const uint32_t plates[2] = {0, 1};
  rf__calib_config cfg = config(2, 2, 1, gain_block, one_block_weights, catalog);
  cfg.memory_s = 3600.0;
  rf__calib *fast = make(&cfg);
  cfg.memory_s = 3.15e8;
  rf__calib *slow = make(&cfg);
  world w;
  memset(&w, 0, sizeof w);
  w.corr[0] = 1.0;
  w.corr[1] = 0.995;
  w.wt[0] = catalog[0];
  w.wt[1] = 1.01 * catalog[1];
  assert_int_equal(rf__calib_seed_weight(fast, 0, w.wt[0], 1e-3), 0);
  assert_int_equal(rf__calib_seed_weight(slow, 0, w.wt[0], 1e-3), 0);
  uint64_t rng = 41;
  const int64_t dt = 30000000, hour = 3600000000;
  double mid_fast = 0.0;
  for (int64_t t = 0; t <= 9 * hour; t += dt) {
    double h = (double)t / (double)hour;
    w.corr[0] = h < 4.0 ? 1.0 : h < 5.0 ? 1.0 + 0.02 * (h - 4.0) : 1.02;
    eqbuf e;
    eq_random(&e, &w, t, plates, 2, one_block_prods, 2, 8.0, 2.0, &rng);
    take(fast, &e);
    take(slow, &e);
    if (t == 4 * hour) mid_fast = rf__calib_correction(fast, 0);
  }
  double end_fast = rf__calib_correction(fast, 0), end_slow = rf__calib_correction(slow, 0);
  rf__calib_counts kf, ks;
  rf__calib_get_counts(fast, &kf);
  rf__calib_get_counts(slow, &ks);
  print_message("correction 0: at 4 h %.5f; end: fast %.5f, slow %.5f (true 1.02); rejected "
                "fast %llu, slow %llu\n",
                mid_fast, end_fast, end_slow, (unsigned long long)kf.rejected,
                (unsigned long long)ks.rejected);
  assert_true(fabs(mid_fast - 1.0) < 0.001);
  assert_true(fabs(end_fast - 1.02) < 0.0015);
  assert_true(fabs(end_slow - 1.02) > 0.005);
  assert_true(end_slow < 1.015);
  /* Plate 1 and product 1 did not drift: both estimates have them. */
  assert_near(rf__calib_correction(fast, 1), 0.995, 0.001, "fast correction", 1);
  assert_near(rf__calib_weight(fast, 1) / w.wt[1], 1.0, 0.001, "fast weight share", 1);
  drop(fast);
  drop(slow);
}

/* What no equation involves keeps its prior exactly: a plate never read keeps gain 1 (or its
 * seed), a product never taken its catalogue weight, a block never touched everything; their
 * evidence is 0 and their sd the prior's. */
static void test_unseen_values_keep_priors(void **state) {
  (void)state;
  static const uint32_t gain_block[6] = {0, 0, 0, 0, 1, 0};
  static const uint32_t weight_block[4] = {0, 0, 0, 1};
  static const double catalog[4] = {250.0, 400.0, 90.0, 1200.0};
  static const uint32_t plates[3] = {0, 1, 2}, prods[2] = {0, 1};
  rf__calib_config cfg = config(6, 4, 2, gain_block, weight_block, catalog);
  cfg.memory_s = 3600.0;
  rf__calib *c = make(&cfg);
  assert_int_equal(rf__calib_seed_gain(c, 5, 1.01, 0.001), 0);
  const world w = one_block_world();
  uint64_t rng = 51;
  for (int n = 0; n < 500; ++n) {
    eqbuf e;
    eq_random(&e, &w, (int64_t)n * 45000000, plates, 3, prods, 2, 0.25, 0.5, &rng);
    take(c, &e);
  }
  rf__calib_settle(c, 5);
  assert_true(rf__calib_gain(c, 3) == 1.0);
  assert_true(rf__calib_correction(c, 3) == 1.0);
  assert_true(rf__calib_gain(c, 4) == 1.0);
  assert_near(rf__calib_gain(c, 5), 1.01, 1e-12, "seeded gain", 5);
  assert_true(rf__calib_weight(c, 2) == catalog[2]);
  assert_true(rf__calib_weight(c, 3) == catalog[3]);
  for (uint32_t i = 3; i < 6; ++i) assert_true(rf__calib_gain_seen(c, i) == 0.0);
  for (uint32_t j = 2; j < 4; ++j) assert_true(rf__calib_weight_seen(c, j) == 0.0);
  assert_near(rf__calib_gain_sd(c, 3), 0.02, 1e-12, "gain sd", 3);
  assert_near(rf__calib_gain_sd(c, 4), 0.02, 1e-12, "gain sd", 4);
  assert_near(rf__calib_weight_sd(c, 2), 0.05, 1e-12, "weight sd", 2);
  assert_near(rf__calib_gain_prior(c, 5), 1.01, 1e-12, "gain prior", 5);
  assert_true(rf__calib_weight_prior(c, 2) == catalog[2]);
  /* The others did learn. */
  for (uint32_t i = 0; i < 3; ++i) assert_true(rf__calib_gain_seen(c, i) > 0);
  assert_true(rf__calib_weight_seen(c, 0) > 0 && rf__calib_weight_seen(c, 1) > 0);
  assert_true(rf__calib_gain_sd(c, 0) < 0.02);
  /* The dense solve agrees. */
  double corr[6], wg[4];
  assert_int_equal(rf__calib_solve_dense(c, rf__spd(RF__SPD_PLAIN), corr, wg), 0);
  assert_near(corr[3], 1.0, 1e-12, "dense correction", 3);
  assert_near(corr[4], 1.0, 1e-12, "dense correction", 4);
  assert_near(1.0 / corr[5], 1.01, 1e-12, "dense seeded gain", 5);
  assert_near(wg[2], catalog[2], 1e-9, "dense weight", 2);
  assert_near(wg[3], catalog[3], 1e-9, "dense weight", 3);
  drop(c);
}

static int stage_rc(rf__calib *c, const eqbuf *e) { return rf__calib_stage(c, &e->eq); }

/* Whether every estimate, sd and evidence count of c is finite (and every gain and weight > 0). */
static int all_finite(const rf__calib *c, size_t gains, size_t weights) {
  int ok = 1;
  for (uint32_t i = 0; i < gains; ++i)
    ok &= isfinite(rf__calib_gain(c, i)) && isfinite(rf__calib_correction(c, i)) &&
          isfinite(rf__calib_gain_sd(c, i)) && isfinite(rf__calib_gain_seen(c, i)) &&
          rf__calib_gain(c, i) > 0;
  for (uint32_t j = 0; j < weights; ++j)
    ok &= isfinite(rf__calib_weight(c, j)) && rf__calib_weight(c, j) > 0 &&
          isfinite(rf__calib_weight_sd(c, j)) && isfinite(rf__calib_weight_seen(c, j));
  return ok;
}

static void assert_all_finite(const rf__calib *c, size_t gains, size_t weights) {
  assert_true(all_finite(c, gains, weights));
}

/* Staging refuses an equation with a NaN or infinite reading or quantity, a variance <= 0 (or
 * not finite), p outside (0, 1], an index out of range, nothing in it, or a NULL array: RF_EINVAL
 * and nothing staged. Then many random equations, confident and doubtful, leave every estimate
 * finite. */
static void test_nan_never_enters(void **state) {
  (void)state;
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
  rf__calib *c = make(&cfg);
  eqbuf good;
  good.gain[0] = 0;
  good.gain[1] = 1;
  good.reading[0] = 120.0;
  good.reading[1] = 130.0;
  good.weight[0] = 0;
  good.qty[0] = 1.0;
  eq_wire(&good, 0, 2, 1, 1.0, 1.0);
  assert_int_equal(stage_rc(c, &good), 0);
  rf__calib_unstage(c);
  rf__calib_counts k0;
  rf__calib_get_counts(c, &k0);
  snap before, after;
  snapshot(c, 4, 2, one_block_catalog, &before);

  for (int bad = 0; bad < 23; ++bad) {
    eqbuf e = good;
    eq_wire(&e, 0, 2, 1, 1.0, 1.0);
    switch (bad) {
      case 0: e.reading[1] = NAN; break;
      case 1: e.reading[0] = INFINITY; break;
      case 2: e.reading[0] = -INFINITY; break;
      case 3: e.eq.var = 0.0; break;
      case 4: e.eq.var = -1.0; break;
      case 5: e.eq.var = NAN; break;
      case 6: e.eq.var = INFINITY; break;
      case 7: e.eq.p = 0.0; break;
      case 8: e.eq.p = -0.5; break;
      case 9: e.eq.p = 1.0000001; break;
      case 10: e.eq.p = NAN; break;
      case 11: e.gain[1] = 4; break;
      case 12: e.gain[0] = UINT32_MAX; break;
      case 13: e.weight[0] = 2; break;
      case 14: e.qty[0] = 0.0; break;
      case 15: e.qty[0] = -1.0; break;
      case 16: e.qty[0] = NAN; break;
      case 17: e.qty[0] = INFINITY; break;
      case 18:
        e.eq.readings = 0;
        e.eq.items = 0;
        break;
      case 19: e.eq.gain = NULL; break;
      case 20: e.eq.reading = NULL; break;
      case 21: e.eq.qty = NULL; break;
      case 22: e.eq.weight = NULL; break;
      default: break;
    }
    if (stage_rc(c, &e) != RF_EINVAL) fail_msg("bad equation %d was staged", bad);
  }
  rf__calib_counts k1;
  rf__calib_get_counts(c, &k1);
  assert_int_equal(k1.staged, k0.staged);
  rf__calib_commit(c); /* nothing staged: nothing taken, nothing changed */
  rf__calib_get_counts(c, &k1);
  assert_int_equal(k1.taken, 0);
  assert_int_equal(k1.rejected, 0);
  snapshot(c, 4, 2, one_block_catalog, &after);
  assert_same_bits(&before, &after, 4, 2);

  /* Random streams: tiny and huge variances, sure and unsure, right and wrong readings. */
  const world w = one_block_world();
  uint64_t rng = 61;
  for (int n = 0; n < 3000; ++n) {
    eqbuf e;
    double var = pow(10.0, -6.0 + 14.0 * test_rng_uniform(&rng));
    eq_random(&e, &w, (int64_t)n * 20000000, one_block_plates, 4, one_block_prods, 2, var,
              sqrt(var), &rng);
    e.eq.p = 1e-6 + (1.0 - 1e-6) * test_rng_uniform(&rng);
    if (n % 7 == 0) e.reading[0] *= 0.5 + test_rng_uniform(&rng);
    stage_ok(c, &e);
    if (n % 5 == 4) rf__calib_commit(c);
  }
  rf__calib_commit(c);
  rf__calib_settle(c, 3);
  assert_all_finite(c, 4, 2);
  double corr[4], wg[2];
  assert_int_equal(rf__calib_solve_dense(c, rf__spd(RF__SPD_PLAIN), corr, wg), 0);
  for (int i = 0; i < 4; ++i) assert_true(isfinite(corr[i]));
  for (int j = 0; j < 2; ++j) assert_true(isfinite(wg[j]));
  drop(c);
}

/* Extreme but finite numbers — a reading of 1e300 g, a quantity of 1e300, 1e200 items read as
 * 1e200 g, a variance of 1e-300 g^2 (a right reading) or a subnormal one (a reading 0.01 % off) —
 * are either refused when staged or set aside or taken like any other equation: every estimate
 * and sd stays finite, nothing moves by more than `step`, and the block goes on learning as a
 * twin that never saw the equation does — past the next forgetting tick too, when the block's
 * normal equations are factored again from scratch (a block whose numbers overflowed would fail
 * that factor and start again from its priors, its learning lost). Product 0's weight is seeded
 * tight, so values compare directly. */
static void test_extreme_equation_neither_poisons_nor_wipes(void **state) {
  (void)state;
  const world w = one_block_world();
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
  cfg.step = 0.003;
  int failed = 0;
  for (int kind = 0; kind < 5; ++kind) {
    rf__calib *c = make(&cfg), *twin = make(&cfg);
    assert_int_equal(rf__calib_seed_weight(c, 0, w.wt[0], 0.01), 0);
    assert_int_equal(rf__calib_seed_weight(twin, 0, w.wt[0], 0.01), 0);
    uint64_t rng = 71, rng_twin = 71;
    train(c, &w, 300, &rng);
    train(twin, &w, 300, &rng_twin);
    snap before, after;
    snapshot(c, 4, 2, one_block_catalog, &before);
    eqbuf e;
    static const uint32_t plate[1] = {1}, prod[1] = {0};
    static const double share[1] = {1.0}, qty[1] = {1.0};
    eq_true(&e, &w, (int64_t)300 * 10000000, 1, plate, share, 1, prod, qty, 0.25, 0.0, NULL);
    switch (kind) {
      case 0: e.reading[0] = 1e300; break;
      case 1: e.qty[0] = 1e300; break;
      case 2:
        e.qty[0] = 1e200;
        e.reading[0] *= 1e200;
        break;
      case 3: e.eq.var = 1e-300; break;
      case 4:
        e.eq.var = 1e-320;
        e.reading[0] *= 1.0001;
        break;
      default: break;
    }
    rf__calib_counts k0, k1;
    rf__calib_get_counts(c, &k0);
    int rc = rf__calib_stage(c, &e.eq);
    assert_true(rc == 0 || rc == RF_EINVAL);
    rf__calib_commit(c);
    rf__calib_get_counts(c, &k1);
    const char *fate = rc != 0 ? "refused" : k1.rejected > k0.rejected ? "rejected" : "taken";
    if (!all_finite(c, 4, 2)) {
      print_message("extreme equation %d (%s): not finite: gain 0 %g, its sd %g; weight 0 %g, "
                    "its sd %g\n",
                    kind, fate, rf__calib_gain(c, 0), rf__calib_gain_sd(c, 0),
                    rf__calib_weight(c, 0), rf__calib_weight_sd(c, 0));
      failed++;
    }
    snapshot(c, 4, 2, one_block_catalog, &after);
    double moved = most_moved(&before, &after, 4, 2);
    if (!(moved <= cfg.step * (1.0 + 1e-9))) {
      print_message("extreme equation %d (%s) moved an estimate by %g (step %g)\n", kind, fate,
                    moved, cfg.step);
      failed++;
    }
    /* Two more minutes of right equations, to both. */
    for (int n = 1; n <= 12; ++n) {
      eqbuf g;
      eq_random(&g, &w, (int64_t)(300 + n) * 10000000, one_block_plates, 4, one_block_prods, 2,
                0.25, 0.5, &rng);
      take(c, &g);
      take(twin, &g);
    }
    snapshot(c, 4, 2, one_block_catalog, &after);
    snapshot(twin, 4, 2, one_block_catalog, &before);
    moved = most_moved(&before, &after, 4, 2);
    if (!all_finite(c, 4, 2) || !(moved <= 2.0 * cfg.step) ||
        !(rf__calib_gain_sd(c, 0) < 1.5 * rf__calib_gain_sd(twin, 0))) {
      print_message("extreme equation %d (%s): two minutes on, %g from a twin that never saw it "
                    "(correction 0 %.6f, twin %.6f; its sd %.3g, twin %.3g)\n",
                    kind, fate, moved, after.corr[0], before.corr[0], rf__calib_gain_sd(c, 0),
                    rf__calib_gain_sd(twin, 0));
      failed++;
    }
    drop(c);
    drop(twin);
  }
  assert_int_equal(failed, 0);
}

/* Two blocks (3 plates and 2 products each) coupled by items of block 0's products put back on
 * block 1's plates. */
static const uint32_t two_gain_block[6] = {0, 0, 0, 1, 1, 1};
static const uint32_t two_weight_block[4] = {0, 0, 1, 1};
static const double two_catalog[4] = {250.0, 400.0, 120.0, 800.0};

static world two_block_world(void) {
  world w;
  memset(&w, 0, sizeof w);
  static const double corr[6] = {1.012, 0.991, 1.004, 0.997, 1.008, 0.985};
  static const double share[4] = {1.02, 0.985, 1.01, 0.995};
  for (int i = 0; i < 6; ++i) w.corr[i] = corr[i];
  for (int j = 0; j < 4; ++j) w.wt[j] = share[j] * two_catalog[j];
  return w;
}

/* A stream over the two blocks, 90 s a step: each step one equation of each block, and every
 * third a cross one (block 0's product on block 1's plates); from step `idle_from` on, block 1
 * sees nothing more. */
static void two_block_stream(rf__calib *c, int steps, int idle_from, uint64_t *rng) {
  static const uint32_t plates0[3] = {0, 1, 2}, plates1[3] = {3, 4, 5};
  static const uint32_t prods0[2] = {0, 1}, prods1[2] = {2, 3};
  const world w = two_block_world();
  for (int n = 0; n < steps; ++n) {
    int64_t t = (int64_t)n * 90000000;
    eqbuf e;
    eq_random(&e, &w, t, plates0, 3, prods0, 2, 4.0, 1.0, rng);
    stage_ok(c, &e);
    if (n < idle_from) {
      eq_random(&e, &w, t, plates1, 3, prods1, 2, 4.0, 1.0, rng);
      stage_ok(c, &e);
      if (n % 3 == 0) {
        eq_random(&e, &w, t, plates1, 3, prods0, 2, 4.0, 1.0, rng);
        stage_ok(c, &e);
      }
    }
    rf__calib_commit(c);
  }
}

/* The spd ops given, with the last factor's result kept: the dense solve falls back to the
 * current estimates when its factor fails, which would make a comparison with them vacuous. */
static const rf__spd_ops *watched_spd;
static int watched_factor_rc;

static int watched_factor(double *a, size_t n) {
  watched_factor_rc = watched_spd->factor(a, n);
  return watched_factor_rc;
}

static void assert_matches_dense(rf__calib *c, const rf__spd_ops *spd, double tol) {
  rf__spd_ops ops = *spd;
  watched_spd = spd;
  ops.factor = watched_factor;
  watched_factor_rc = 99;
  double corr[6], wg[4];
  assert_int_equal(rf__calib_solve_dense(c, &ops, corr, wg), 0);
  if (watched_factor_rc != 0)
    fail_msg("the dense system (H + P, the couplings between) is not positive definite: its "
             "factor gave %d",
             watched_factor_rc);
  double worst = 0.0;
  for (uint32_t i = 0; i < 6; ++i) worst = fmax(worst, fabs(rf__calib_correction(c, i) - corr[i]));
  for (uint32_t j = 0; j < 4; ++j)
    worst = fmax(worst, fabs(rf__calib_weight(c, j) - wg[j]) / two_catalog[j]);
  print_message("largest difference from the dense solve: %.3g\n", worst);
  for (uint32_t i = 0; i < 6; ++i)
    assert_near(rf__calib_correction(c, i), corr[i], tol, "correction vs dense", i);
  for (uint32_t j = 0; j < 4; ++j)
    assert_near(rf__calib_weight(c, j) / two_catalog[j], wg[j] / two_catalog[j], tol,
                "weight share vs dense", j);
}

/* After the commits and 50 Gauss-Seidel sweeps, the block estimates are the dense solve's within
 * 1e-6, with the common scale anchored (product 0's weight seeded with a tiny sd); and the
 * answer is the world's. */
static void test_gauss_seidel_matches_dense_anchored(void **state) {
  (void)state;
  rf__calib_config cfg = config(6, 4, 2, two_gain_block, two_weight_block, two_catalog);
  cfg.memory_s = 3600.0;
  rf__calib *c = make(&cfg);
  const world w = two_block_world();
  assert_int_equal(rf__calib_seed_weight(c, 0, w.wt[0], 1e-3), 0);
  uint64_t rng = 81;
  two_block_stream(c, 200, 200, &rng);
  rf__calib_counts k;
  rf__calib_get_counts(c, &k);
  assert_true(k.cross > 0);
  rf__calib_settle(c, 50);
  assert_matches_dense(c, rf__spd(RF__SPD_PLAIN), 1e-6);
  for (uint32_t i = 0; i < 6; ++i)
    assert_near(rf__calib_correction(c, i), w.corr[i], 2e-3, "correction", i);
  for (uint32_t j = 0; j < 4; ++j)
    assert_near(rf__calib_weight(c, j) / w.wt[j], 1.0, 2e-3, "weight share", j);
  drop(c);
}

/* The same with the scale left to the priors (no seed), as in a store. Block Gauss-Seidel is
 * slow along that one direction — the common scale of two coupled blocks, which only the priors
 * fix (calib.h says so): 50 sweeps leave it off by a few 1e-3, thousands reach the dense solve
 * within 1e-6. What the data fixes (the ratios within a block) is settled long before. */
static void test_gauss_seidel_matches_dense(void **state) {
  (void)state;
  rf__calib_config cfg = config(6, 4, 2, two_gain_block, two_weight_block, two_catalog);
  cfg.memory_s = 3600.0;
  rf__calib *c = make(&cfg);
  uint64_t rng = 81;
  two_block_stream(c, 200, 200, &rng);
  double corr[6], wg[4];
  assert_int_equal(rf__calib_solve_dense(c, rf__spd(RF__SPD_PLAIN), corr, wg), 0);
  rf__calib_settle(c, 50);
  for (uint32_t i = 1; i < 6; ++i) /* ratios to plate 0: scale-free */
    assert_near(rf__calib_correction(c, i) / rf__calib_correction(c, 0), corr[i] / corr[0], 1e-4,
                "correction ratio", i);
  rf__calib_settle(c, 8192);
  assert_matches_dense(c, rf__spd(RF__SPD_PLAIN), 1e-6);
  drop(c);
}

/* The same when block 1 has been idle for the last hour while block 0 went on: each block's data
 * is forgotten on its own clock, but the system the blocks solve together is still one symmetric
 * positive definite system, the dense one. The scale is anchored, so 50 sweeps are plenty. */
static void test_gauss_seidel_matches_dense_after_idle_block(void **state) {
  (void)state;
  rf__calib_config cfg = config(6, 4, 2, two_gain_block, two_weight_block, two_catalog);
  cfg.memory_s = 3600.0;
  const world w = two_block_world();
  rf__calib *c = make(&cfg);
  assert_int_equal(rf__calib_seed_weight(c, 0, w.wt[0], 1e-3), 0);
  uint64_t rng = 82;
  two_block_stream(c, 200, 160, &rng);
  rf__calib_settle(c, 50);
  assert_matches_dense(c, rf__spd(RF__SPD_PLAIN), 1e-6);
  drop(c);
}

/* The dense system after block 1's idle hour, the scale left to the priors: its data and priors
 * make it positive definite whatever the clocks, so the dense solve's factor succeeds (rather
 * than falling back, silently, to the current estimates). */
static void test_dense_system_positive_definite_after_idle_block(void **state) {
  (void)state;
  rf__calib_config cfg = config(6, 4, 2, two_gain_block, two_weight_block, two_catalog);
  cfg.memory_s = 3600.0;
  rf__calib *c = make(&cfg);
  uint64_t rng = 82;
  two_block_stream(c, 200, 160, &rng);
  rf__spd_ops ops = *rf__spd(RF__SPD_PLAIN);
  watched_spd = rf__spd(RF__SPD_PLAIN);
  ops.factor = watched_factor;
  watched_factor_rc = 99;
  double corr[6], wg[4];
  assert_int_equal(rf__calib_solve_dense(c, &ops, corr, wg), 0);
  assert_int_equal(watched_factor_rc, 0);
  drop(c);
}

/* A known SPD system, column-major: A = L L^T with L = [2 0 0; 1 3 0; -1 1 2], so
 * A = [4 2 -2; 2 10 2; -2 2 6]; A x = b for x = (1, -1, 2), b = (-2, -4, 8); A^-1 = [56 -16 24;
 * -16 20 -12; 24 -12 36] / 144. The factor's strict upper triangle holds a sentinel, neither
 * read nor written. */
static void check_spd_ops(const rf__spd_ops *ops, const char *name) {
  const double s = 12345.0;
  double a[9] = {4, 2, -2, s, 10, 2, s, s, 6};
  assert_int_equal(ops->factor(a, 3), 0);
  const double l[9] = {2, 1, -1, s, 3, 1, s, s, 2};
  for (unsigned i = 0; i < 9; ++i) assert_near(a[i], l[i], 1e-14, name, i);
  double b[3] = {-2, -4, 8};
  ops->solve(a, 3, b);
  const double x[3] = {1, -1, 2};
  for (unsigned i = 0; i < 3; ++i) assert_near(b[i], x[i], 1e-14, name, i);
  double inv[9];
  ops->inverse(a, 3, inv);
  const double want[9] = {56, -16, 24, -16, 20, -12, 24, -12, 36};
  for (unsigned i = 0; i < 9; ++i) assert_near(inv[i], want[i] / 144.0, 1e-15, name, i);
  for (unsigned i = 0; i < 9; ++i) assert_near(a[i], l[i], 0.0, name, i); /* the factor kept */
  /* 1 x 1, and matrices that are not positive definite. */
  double one[1] = {9.0}, rhs[1] = {3.0};
  assert_int_equal(ops->factor(one, 1), 0);
  assert_near(one[0], 3.0, 0.0, name, 0);
  ops->solve(one, 1, rhs);
  assert_near(rhs[0], 1.0 / 3.0, 1e-15, name, 0);
  double indefinite[4] = {1, 2, 2, 1};
  assert_int_equal(ops->factor(indefinite, 2), -1);
  double singular[4] = {1, 1, 1, 1};
  assert_int_equal(ops->factor(singular, 2), -1);
  double negative[1] = {-4.0};
  assert_int_equal(ops->factor(negative, 1), -1);
}

static void test_spd_ops_known_answers(void **state) {
  (void)state;
  assert_ptr_equal(rf__spd(RF__SPD_PLAIN), &rf__spd_plain_ops);
  assert_non_null(rf__spd_default());
  check_spd_ops(rf__spd(RF__SPD_PLAIN), "plain");
  const rf__spd_ops *lapack = rf__spd(RF__SPD_LAPACK);
#ifdef RF_WITH_BLAS
  assert_non_null(lapack);
#endif
  if (lapack == NULL) {
    print_message("LAPACK not built: its checks skipped\n");
    return;
  }
  check_spd_ops(lapack, "lapack");
  /* A larger random SPD matrix: both factors agree. */
  enum { N = 12 };
  double m[N * N], p[N * N], q[N * N], bp[N], bq[N], ip[N * N], iq[N * N];
  uint64_t rng = 91;
  for (int j = 0; j < N; ++j)
    for (int i = 0; i < N; ++i) m[j * N + i] = test_rng_uniform(&rng) - 0.5;
  for (int j = 0; j < N; ++j)
    for (int i = 0; i < N; ++i) {
      double v = i == j ? 0.5 : 0.0;
      for (int k = 0; k < N; ++k) v += m[k * N + i] * m[k * N + j];
      p[j * N + i] = q[j * N + i] = v;
    }
  for (int i = 0; i < N; ++i) bp[i] = bq[i] = test_rng_uniform(&rng) - 0.5;
  assert_int_equal(rf__spd(RF__SPD_PLAIN)->factor(p, N), 0);
  assert_int_equal(lapack->factor(q, N), 0);
  rf__spd(RF__SPD_PLAIN)->solve(p, N, bp);
  lapack->solve(q, N, bq);
  rf__spd(RF__SPD_PLAIN)->inverse(p, N, ip);
  lapack->inverse(q, N, iq);
  for (unsigned j = 0; j < N; ++j) {
    for (unsigned i = j; i < N; ++i) assert_near(p[j * N + i], q[j * N + i], 1e-12, "L", i);
    assert_near(bp[j], bq[j], 1e-9, "solve", j);
    for (unsigned i = 0; i < N; ++i) {
      assert_near(ip[j * N + i], iq[j * N + i], 1e-9 * fabs(ip[j * N + j]), "inverse", i);
      assert_near(ip[j * N + i], ip[i * N + j], 0.0, "inverse symmetric", i);
    }
  }
}

/* A step in a plate's gain (re-tared, replaced) that every later reading of its shelf shows:
 * at first each is set aside (the estimate is sure of the old gain), but the block still forgets
 * with time, its uncertainty grows back, and the new readings are then taken and followed —
 * a block whose every reading is rejected must not stay stuck on its old value forever (it did,
 * when forgetting waited for a reading to be taken). One plate, one product of 500 g, a reading
 * a minute; a 4 % step after 3 hours; memory of an hour. */
static void test_rejected_readings_still_forget(void **state) {
  (void)state;
  static const uint32_t gb[1] = {0}, wb[1] = {0}, pl[1] = {0}, pr[1] = {0};
  static const double cat[1] = {500.0}, share[1] = {1.0}, qty[1] = {1.0};
  rf__calib_config cfg = config(1, 1, 1, gb, wb, cat);
  cfg.memory_s = 3600.0;
  cfg.step = 0.003;
  rf__calib *c = make(&cfg);
  world w;
  memset(&w, 0, sizeof w);
  w.corr[0] = 1.0;
  w.wt[0] = 500.0;
  uint64_t rng = 95;
  const int64_t minute = 60000000;
  int64_t t = 0;
  for (; t < 3 * 60 * minute; t += minute) {
    eqbuf e;
    eq_true(&e, &w, t, 1, pl, share, 1, pr, qty, 4.0, 0.0, &rng);
    take(c, &e);
  }
  w.corr[0] = 1.0 / 1.04; /* the plate now reads 4 % high */
  rf__calib_counts before, after;
  rf__calib_get_counts(c, &before);
  for (; t < 27 * 60 * minute; t += minute) {
    eqbuf e;
    eq_true(&e, &w, t, 1, pl, share, 1, pr, qty, 4.0, 0.0, &rng);
    take(c, &e);
  }
  rf__calib_get_counts(c, &after);
  assert_true(after.rejected > before.rejected); /* the step was doubted at first ... */
  assert_true(after.taken - before.taken > 600); /* ... then taken, most of the day */
  /* The data's one identifiable number, correction x reading / weight, is right again. */
  const double fit = rf__calib_correction(c, 0) * 520.0 / rf__calib_weight(c, 0);
  assert_near(fit, 1.0, 0.002, "corrected reading / weight", 0);
  drop(c);
}

/* A block's covariance follows each one-block equation by a rank-one (Sherman-Morrison) update,
 * not a new inverse: after many equations (no forgetting step between them) it equals the
 * inverse of its normal equations made afresh, (h + P)^-1, within 1e-9 of its scale. */
static void test_covariance_follows_equations(void **state) {
  (void)state;
  const world w = one_block_world();
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
  rf__calib *c = make(&cfg);
  uint64_t rng = 93;
  for (int n = 0; n < 60; ++n) {
    eqbuf e;
    eq_random(&e, &w, 1000 + n, one_block_plates, 4, one_block_prods, 2, 4.0, 2.0, &rng);
    take(c, &e);
  }
  rf__calib_counts k;
  rf__calib_get_counts(c, &k);
  assert_true(k.taken > 50);
  const c_block *b = &c->block[0];
  enum { N = 6 };
  double f[N * N], fresh[N * N];
  memcpy(f, b->h, sizeof f);
  for (int i = 0; i < N; ++i) f[i * (N + 1)] += c->prior_p[b->ids[i]];
  assert_int_equal(rf__spd(RF__SPD_PLAIN)->factor(f, N), 0);
  rf__spd(RF__SPD_PLAIN)->inverse(f, N, fresh);
  assert_false(b->stale);
  for (unsigned i = 0; i < N * N; ++i)
    assert_near(b->cov[i], fresh[i], 1e-9 * fabs(fresh[(i / N) * (N + 1)]), "covariance", i);
  drop(c);
}

/* The same equation stream through a calibration on plain C and one on LAPACK gives the same
 * estimates (within 1e-9), and the same dense solve. */
static void test_lapack_and_plain_agree(void **state) {
  (void)state;
  const rf__spd_ops *lapack = rf__spd(RF__SPD_LAPACK);
  if (lapack == NULL) {
    print_message("LAPACK not built: skipped\n");
    return;
  }
  rf__calib_config cfg = config(6, 4, 2, two_gain_block, two_weight_block, two_catalog);
  cfg.memory_s = 3600.0;
  cfg.step = 0.003;
  cfg.spd = rf__spd(RF__SPD_PLAIN);
  rf__calib *plain = make(&cfg);
  cfg.spd = lapack;
  rf__calib *lp = make(&cfg);
  uint64_t rng_a = 101, rng_b = 101;
  two_block_stream(plain, 150, 150, &rng_a);
  two_block_stream(lp, 150, 150, &rng_b);
  rf__calib_counts ka, kb;
  rf__calib_get_counts(plain, &ka);
  rf__calib_get_counts(lp, &kb);
  assert_memory_equal(&ka, &kb, sizeof ka);
  for (uint32_t i = 0; i < 6; ++i) {
    assert_near(rf__calib_correction(lp, i), rf__calib_correction(plain, i), 1e-9, "correction", i);
    assert_near(rf__calib_gain_sd(lp, i), rf__calib_gain_sd(plain, i), 1e-9, "gain sd", i);
  }
  for (uint32_t j = 0; j < 4; ++j) {
    assert_near(rf__calib_weight(lp, j) / two_catalog[j],
                rf__calib_weight(plain, j) / two_catalog[j], 1e-9, "weight share", j);
    assert_near(rf__calib_weight_sd(lp, j), rf__calib_weight_sd(plain, j), 1e-9, "weight sd", j);
  }
  double ca[6], wa[4], cb[6], wb[4];
  assert_int_equal(rf__calib_solve_dense(plain, rf__spd(RF__SPD_PLAIN), ca, wa), 0);
  assert_int_equal(rf__calib_solve_dense(plain, lapack, cb, wb), 0);
  for (uint32_t i = 0; i < 6; ++i) assert_near(ca[i], cb[i], 1e-9, "dense correction", i);
  for (uint32_t j = 0; j < 4; ++j)
    assert_near(wa[j] / two_catalog[j], wb[j] / two_catalog[j], 1e-9, "dense weight", j);
  drop(plain);
  drop(lp);
}

/* Staged then unstaged equations teach nothing: the estimates and counts of what was taken stay,
 * and an equation staged after the unstage commits to the bits of a twin that only ever saw it.
 * The same equations in the same order give the same bits. */
static void test_unstaged_teach_nothing(void **state) {
  (void)state;
  rf__calib_config cfg = config(6, 4, 2, two_gain_block, two_weight_block, two_catalog);
  rf__calib *c = make(&cfg), *twin = make(&cfg);
  uint64_t rng = 111, rng_twin = 111;
  two_block_stream(c, 20, 20, &rng);
  two_block_stream(twin, 20, 20, &rng_twin);
  snap before, after;
  snapshot(c, 6, 4, two_catalog, &before);
  snapshot(twin, 6, 4, two_catalog, &after);
  assert_same_bits(&before, &after, 6, 4); /* deterministic */
  rf__calib_counts k0, k1;
  rf__calib_get_counts(c, &k0);

  const world w = two_block_world();
  static const uint32_t plates1[3] = {3, 4, 5}, prods0[2] = {0, 1};
  for (int n = 0; n < 10; ++n) { /* cross ones too, so couplings were reserved */
    eqbuf e;
    eq_random(&e, &w, 20 * 90000000, plates1, 3, prods0, 2, 4.0, 1.0, &rng);
    e.reading[0] *= 1.1;
    stage_ok(c, &e);
  }
  rf__calib_unstage(c);
  rf__calib_commit(c);
  rf__calib_get_counts(c, &k1);
  assert_int_equal(k1.staged, k0.staged + 10);
  assert_int_equal(k1.taken, k0.taken);
  assert_int_equal(k1.rejected, k0.rejected);
  assert_int_equal(k1.cross, k0.cross);
  snapshot(c, 6, 4, two_catalog, &after);
  assert_same_bits(&before, &after, 6, 4);

  eqbuf e;
  eq_random(&e, &w, 21 * 90000000, plates1, 3, prods0, 2, 4.0, 1.0, &rng);
  stage_ok(c, &e);
  rf__calib_commit(c);
  take(twin, &e);
  snapshot(c, 6, 4, two_catalog, &after);
  snapshot(twin, 6, 4, two_catalog, &before);
  assert_same_bits(&before, &after, 6, 4);
  for (uint32_t i = 0; i < 6; ++i)
    assert_true(rf__calib_gain_sd(c, i) == rf__calib_gain_sd(twin, i));
  drop(c);
  drop(twin);
}

/* A seed is the estimate before any equation, and its prior after; out of range, RF_EINVAL and
 * nothing changes. */
static void test_seeds(void **state) {
  (void)state;
  rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
  rf__calib *c = make(&cfg);
  assert_true(rf__calib_gain(c, 0) == 1.0 && rf__calib_gain_prior(c, 0) == 1.0);
  assert_near(rf__calib_gain_sd(c, 0), 0.02, 1e-12, "default gain sd", 0);
  assert_int_equal(rf__calib_seed_gain(c, 1, 1.01, 0.001), 0);
  assert_near(rf__calib_gain(c, 1), 1.01, 1e-12, "seeded gain", 1);
  assert_near(rf__calib_correction(c, 1), 1.0 / 1.01, 1e-12, "seeded correction", 1);
  assert_near(rf__calib_gain_prior(c, 1), 1.01, 1e-12, "seeded gain prior", 1);
  /* The sd is the correction's, as a share: the gain's over value^2. */
  assert_near(rf__calib_gain_sd(c, 1), 0.001 / (1.01 * 1.01), 1e-12, "seeded gain sd", 1);
  assert_int_equal(rf__calib_seed_gain(c, 2, 0.98, 0.0), 0); /* sd <= 0: the default */
  assert_near(rf__calib_gain(c, 2), 0.98, 1e-12, "seeded gain", 2);
  assert_near(rf__calib_gain_sd(c, 2), 0.02, 1e-12, "default-sd seed", 2);
  assert_int_equal(rf__calib_seed_weight(c, 1, 410.0, 2.0), 0);
  assert_near(rf__calib_weight(c, 1), 410.0, 1e-9, "seeded weight", 1);
  assert_near(rf__calib_weight_prior(c, 1), 410.0, 1e-9, "seeded weight prior", 1);
  assert_near(rf__calib_weight_sd(c, 1), 2.0 / 400.0, 1e-12, "seeded weight sd", 1);
  assert_true(rf__calib_weight(c, 0) == 250.0);
  assert_true(rf__calib_gain(c, 0) == 1.0 && rf__calib_gain(c, 3) == 1.0);

  snap before, after;
  snapshot(c, 4, 2, one_block_catalog, &before);
  assert_int_equal(rf__calib_seed_gain(c, 4, 1.01, 0.001), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, UINT32_MAX, 1.01, 0.001), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, 0.5, 0.001), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, 2.0, 0.001), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, 0.0, 0.001), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, -1.0, 0.001), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, NAN, 0.001), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, 1.01, NAN), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, 1.01, INFINITY), RF_EINVAL);
  assert_int_equal(rf__calib_seed_weight(c, 2, 250.0, 1.0), RF_EINVAL);
  assert_int_equal(rf__calib_seed_weight(c, 0, 0.0, 1.0), RF_EINVAL);
  assert_int_equal(rf__calib_seed_weight(c, 0, 100.0, 1.0), RF_EINVAL); /* < half the catalogue */
  assert_int_equal(rf__calib_seed_weight(c, 0, 600.0, 1.0), RF_EINVAL); /* > twice */
  assert_int_equal(rf__calib_seed_weight(c, 0, NAN, 1.0), RF_EINVAL);
  assert_int_equal(rf__calib_seed_weight(c, 0, INFINITY, 1.0), RF_EINVAL);
  assert_int_equal(rf__calib_seed_weight(c, 0, 250.0, NAN), RF_EINVAL);
  /* An sd beyond 1e-5..1 of the value: 1 / sd^2 would pin it, or overflow, or free it. */
  assert_int_equal(rf__calib_seed_gain(c, 0, 1.01, 1e200), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, 1.01, 1e-200), RF_EINVAL);
  assert_int_equal(rf__calib_seed_gain(c, 0, 1.01, 2.0), RF_EINVAL);
  assert_int_equal(rf__calib_seed_weight(c, 0, 250.0, 1e-4), RF_EINVAL);
  assert_int_equal(rf__calib_seed_weight(c, 0, 250.0, 300.0), RF_EINVAL);
  snapshot(c, 4, 2, one_block_catalog, &after);
  assert_same_bits(&before, &after, 4, 2);
  drop(c);
}

/* A configuration out of range is refused. */
static void test_config_checked(void **state) {
  (void)state;
  static const uint32_t bad_block[4] = {0, 0, 1, 0};
  static const double bad_catalog[2] = {250.0, 0.0};
  for (int bad = 0; bad < 11; ++bad) {
    rf__calib_config cfg = config(4, 2, 1, one_block_gains, one_block_weights, one_block_catalog);
    switch (bad) {
      case 0: cfg.blocks = 0; break;
      case 1: cfg.gain_block = bad_block; break;
      case 2: cfg.catalog = bad_catalog; break;
      case 3: cfg.gain_sd = 0.0; break;
      case 4: cfg.weight_sd = NAN; break;
      case 5: cfg.memory_s = 0.0; break;
      case 6: cfg.step = -1.0; break;
      case 7: cfg.reject_z = 0.0; break;
      case 8: cfg.catalog = NULL; break;
      case 9: cfg.memory_s = INFINITY; break;
      case 10:
        cfg.gains = 0;
        cfg.weights = 0;
        break;
      default: break;
    }
    rf__calib *c = (rf__calib *)1;
    if (rf__calib_new(&c, NULL, &cfg) != RF_EINVAL) fail_msg("bad config %d accepted", bad);
    assert_null(c);
  }
}

/* A stage that fails for memory keeps nothing: what is committed after it is what a twin that
 * never tried it commits; and creation fails cleanly at every allocation. */
static void test_out_of_memory_keeps_nothing(void **state) {
  (void)state;
  rf__calib_config cfg = config(6, 4, 2, two_gain_block, two_weight_block, two_catalog);
  for (long at = 1;; ++at) {
    test_alloc ta;
    rf_allocator a = test_alloc_make(&ta, at);
    rf__calib *c = NULL;
    int rc = rf__calib_new(&c, &a, &cfg);
    if (!ta.failed) {
      assert_int_equal(rc, 0);
      drop(c);
      assert_int_equal(ta.live, 0);
      break;
    }
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(c);
    assert_int_equal(ta.live, 0);
  }
  const world w = two_block_world();
  static const uint32_t plates1[3] = {3, 4, 5}, prods0[2] = {0, 1};
  int all_failures = 0;
  for (long extra = 1; extra < 40; ++extra) {
    test_alloc ta;
    rf_allocator a = test_alloc_make(&ta, 0);
    rf__calib *c = NULL, *twin = make(&cfg);
    assert_int_equal(rf__calib_new(&c, &a, &cfg), 0);
    ta.fail_at = ta.calls + extra;
    uint64_t rng = 121;
    eqbuf e;
    int failures = 0;
    for (int n = 0; n < 12; ++n) {
      eq_random(&e, &w, n * 1000000, plates1, 3, prods0, 2, 4.0, 1.0, &rng);
      int rc = rf__calib_stage(c, &e.eq);
      if (rc == RF_ENOMEM) {
        failures++;
        continue;
      }
      assert_int_equal(rc, 0);
      stage_ok(twin, &e);
    }
    rf__calib_commit(c);
    rf__calib_commit(twin);
    snap sc, st;
    snapshot(c, 6, 4, two_catalog, &sc);
    snapshot(twin, 6, 4, two_catalog, &st);
    assert_same_bits(&sc, &st, 6, 4);
    assert_true(failures <= 1);
    all_failures += failures;
    drop(c);
    drop(twin);
    assert_int_equal(ta.live, 0);
  }
  assert_true(all_failures > 0); /* some stage did fail */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_exact_data_recovers_gains_and_weights, drop_all),
      cmocka_unit_test_teardown(test_exact_data_recovered_through_clipping, drop_all),
      cmocka_unit_test_teardown(test_wrong_equation_moves_at_most_step, drop_all),
      cmocka_unit_test_teardown(test_wrong_cross_equation_moves_at_most_step, drop_all),
      cmocka_unit_test_teardown(test_outlier_rejected_changes_nothing, drop_all),
      cmocka_unit_test_teardown(test_drift_followed_with_short_memory, drop_all),
      cmocka_unit_test_teardown(test_unseen_values_keep_priors, drop_all),
      cmocka_unit_test_teardown(test_nan_never_enters, drop_all),
      cmocka_unit_test_teardown(test_extreme_equation_neither_poisons_nor_wipes, drop_all),
      cmocka_unit_test_teardown(test_gauss_seidel_matches_dense_anchored, drop_all),
      cmocka_unit_test_teardown(test_gauss_seidel_matches_dense, drop_all),
      cmocka_unit_test_teardown(test_gauss_seidel_matches_dense_after_idle_block, drop_all),
      cmocka_unit_test_teardown(test_dense_system_positive_definite_after_idle_block, drop_all),
      cmocka_unit_test_teardown(test_spd_ops_known_answers, drop_all),
      cmocka_unit_test_teardown(test_covariance_follows_equations, drop_all),
      cmocka_unit_test_teardown(test_rejected_readings_still_forget, drop_all),
      cmocka_unit_test_teardown(test_lapack_and_plain_agree, drop_all),
      cmocka_unit_test_teardown(test_unstaged_teach_nothing, drop_all),
      cmocka_unit_test_teardown(test_seeds, drop_all),
      cmocka_unit_test_teardown(test_config_checked, drop_all),
      cmocka_unit_test_teardown(test_out_of_memory_keeps_nothing, drop_all),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
