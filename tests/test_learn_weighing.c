/* Learning a store's weighing noise (lib/fuse/learn.c, weighing.c): the plates' noise and the
 * items' spread that a store does not declare are fitted from the engine's own readings, so a
 * store whose shelves are noisier than NOISE_G assumes is still read right. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fuse/learn.h"
#include "retailfuse/eval.h"
#include "retailfuse/host.h"
#include "retailfuse/sim.h"
#include "retailfuse/status.h"
#include "test_rng.h"

/* A normal draw (Box–Muller) from the tests' generator. */
static double normal(uint64_t *rng) {
  double u = test_rng_uniform(rng), v = test_rng_uniform(rng);
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static void learn_with(f_learn *l, double noise_g, double share) {
  double param[RF_PARAM_COUNT];
  for (int p = 0; p < RF_PARAM_COUNT; ++p) {
    double lo, hi;
    rf_engine_param_bounds((rf_engine_param)p, &lo, &hi, &param[p]);
  }
  param[RF_PARAM_NOISE_G] = noise_g;
  param[RF_PARAM_SD_FRACTION] = share;
  rf__learn_init(l, param);
}

/* Readings of a store of 4 g plates and items of a 2 % spread, weighed as 1.5 g and 1 %: quiet
 * plates (r = 1), light items on two plates (noise mostly) and heavy ones (spread mostly). Both
 * are found, and a gap of a whole other item does not drag them. */
static void test_fits_noise_and_spread(void **state) {
  (void)state;
  static f_learn l;
  learn_with(&l, 1.5, 0.01);
  double param[RF_PARAM_COUNT] = {0};
  param[RF_PARAM_LEARN] = 1;
  param[RF_PARAM_NOISE_G] = 1.5;
  param[RF_PARAM_SD_FRACTION] = 0.01;
  uint64_t rng = 7;
  for (int k = 0; k < 3000; ++k) {
    double noise = 4.0 * normal(&rng);
    rf__learn_weighing(&l, 1.0, 1.0, 0.0, noise * noise); /* a quiet plate */
    double light = 40.0, heavy = 1500.0;
    double gap = 4.0 * sqrt(2.0) * normal(&rng) + 0.02 * light * normal(&rng);
    rf__learn_weighing(&l, 1.0, 2.0, light * light, gap * gap);
    gap = 4.0 * sqrt(2.0) * normal(&rng) + 0.02 * heavy * normal(&rng);
    rf__learn_weighing(&l, 1.0, 2.0, heavy * heavy, gap * gap);
    if (k % 100 == 0) rf__learn_weighing(&l, 1.0, 2.0, light * light, 120.0 * 120.0); /* misread */
    if (k % 50 == 0) rf__learn_apply(&l, param);
  }
  rf__learn_apply(&l, param);
  print_message("learnt noise %.3f g, spread %.4f\n", param[RF_PARAM_NOISE_G],
                param[RF_PARAM_SD_FRACTION]);
  assert_true(fabs(param[RF_PARAM_NOISE_G] - 4.0) < 0.3);
  assert_true(fabs(param[RF_PARAM_SD_FRACTION] - 0.02) < 0.002);
}

/* Nothing moves before LEARN_NOISE_AFTER_N readings, with LEARN 0, or for a value the host
 * set; the other is still fitted, given the one set. */
static void test_noise_kept_when_set_or_off(void **state) {
  (void)state;
  static f_learn l;
  double param[RF_PARAM_COUNT] = {0};
  param[RF_PARAM_LEARN] = 1;
  param[RF_PARAM_NOISE_G] = 1.5;
  param[RF_PARAM_SD_FRACTION] = 0.01;
  learn_with(&l, 1.5, 0.01);
  for (int k = 0; k < 9; ++k) rf__learn_weighing(&l, 1.0, 1.0, 0.0, 16.0);
  rf__learn_apply(&l, param);
  assert_true(param[RF_PARAM_NOISE_G] == 1.5); /* 9 readings: too few */
  rf__learn_weighing(&l, 1.0, 1.0, 0.0, 16.0);
  rf__learn_apply(&l, param);
  assert_true(param[RF_PARAM_NOISE_G] > 1.5);       /* the 10th */
  assert_true(param[RF_PARAM_SD_FRACTION] == 0.01); /* no item readings */

  learn_with(&l, 1.5, 0.01);
  param[RF_PARAM_NOISE_G] = 1.5;
  param[RF_PARAM_LEARN] = 0;
  for (int k = 0; k < 100; ++k) rf__learn_weighing(&l, 1.0, 1.0, 0.0, 16.0);
  rf__learn_apply(&l, param);
  assert_true(param[RF_PARAM_NOISE_G] == 1.5);

  learn_with(&l, 1.5, 0.01);
  param[RF_PARAM_LEARN] = 1;
  rf__learn_fix(&l, RF_PARAM_NOISE_G, 4.0);
  param[RF_PARAM_NOISE_G] = 4.0;
  for (int k = 0; k < 200; ++k) {
    rf__learn_weighing(&l, 1.0, 1.0, 0.0, 1.0);                      /* would say 1 g */
    rf__learn_weighing(&l, 1.0, 1.0, 1000.0 * 1000.0, 16.0 + 900.0); /* 3 % of 1 kg, given 4 g */
  }
  rf__learn_apply(&l, param);
  assert_true(param[RF_PARAM_NOISE_G] == 4.0);
  assert_true(fabs(param[RF_PARAM_SD_FRACTION] - 0.03) < 0.003);
}

/* ---- a simulated store whose shelves and products declare nothing ------------------------- */

typedef struct run {
  rf_host *host;
  rf_eval *eval;
} run;

static int to_eval(const rf_record *rec, void *payload) {
  return rf_eval_add_output(((run *)payload)->eval, rec);
}

static int to_host(const rf_record *rec, void *payload) {
  int rc = rf_host_push(((run *)payload)->host, rec);
  return rc == RF_SETASIDE ? 0 : rc;
}

static int to_truth(const rf_record *rec, void *payload) {
  return rf_eval_add_truth(((run *)payload)->eval, rec);
}

/* The busy store with 4 g shelves, shortened, its noise and spreads `declared` or not, run with
 * LEARN `learn`; its receipt F1, and the engine's NOISE_G and SD_FRACTION at the end. */
static double run_store(int declared, int learn, double *noise_g, double *share) {
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, "busy"), RF_OK);
  assert_int_equal(rf_sim_set(&p, "noise_g", "4"), RF_OK);
  assert_int_equal(rf_sim_set(&p, "duration_s", "420"), RF_OK);
  assert_int_equal(rf_sim_set(&p, "shoppers", "16"), RF_OK);
  assert_int_equal(rf_sim_set(&p, "declared", declared ? "1" : "0"), RF_OK);
  run x = {0};
  assert_int_equal(rf_host_new(&x.host, RF_METHOD_FUSED, NULL), RF_OK);
  assert_int_equal(rf_eval_new(&x.eval, NULL), RF_OK);
  assert_int_equal(rf_host_param_set(x.host, "LEARN", learn), RF_OK);
  rf_host_set_output(x.host, to_eval, &x);
  assert_int_equal(rf_sim_run(&p, 12, to_host, &x, to_truth, &x, NULL), RF_OK);
  assert_int_equal(rf_host_finish(x.host), RF_OK);
  const rf_engine *e = rf_host_engine(x.host);
  *noise_g = rf_engine_param_get(e, RF_PARAM_NOISE_G);
  *share = rf_engine_param_get(e, RF_PARAM_SD_FRACTION);
  rf_eval_scores s;
  assert_int_equal(rf_eval_score(x.eval, &s), RF_OK);
  rf_eval_free(x.eval);
  rf_host_free(x.host);
  return s.f1;
}

/* Read with the 1.5 g and 1 % the engine assumes, the noisy store loses items; learning finds
 * its noise (each shelf 0.7–1.3 × 4 g) and spread (0.3–1.2 %) and wins most of them back. A
 * store that declares both learns neither. */
static void test_undeclared_store_learns_its_noise(void **state) {
  (void)state;
  double noise, share, noise0, share0;
  double declared = run_store(1, 1, &noise, &share);
  assert_true(noise == 1.5 && share == 0.01);
  double fixed = run_store(0, 0, &noise0, &share0);
  double learnt = run_store(0, 1, &noise, &share);
  print_message("F1 declared %.4f, undeclared %.4f, learnt %.4f (noise %.2f g, spread %.4f)\n",
                declared, fixed, learnt, noise, share);
  assert_true(noise0 == 1.5 && share0 == 0.01);
  assert_true(noise > 3.0 && noise < 5.0);
  assert_true(share > 0.003 && share < 0.013);
  assert_true(learnt > fixed + 0.03);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fits_noise_and_spread),
      cmocka_unit_test(test_noise_kept_when_set_or_off),
      cmocka_unit_test(test_undeclared_store_learns_its_noise),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
