/* Learning the store's nuisance rates: learn.h says what and why. */
#include "learn.h"

#include <math.h>

/* The prior is worth this many observations: a few minutes of a busy store. Until a rate has
 * seen LEARN_AFTER_N, it stays at its prior: a handful of decisions says little, and a short
 * stream (a test, a replay of one incident) is decided as set. */
#define LEARN_PRIOR_N 200.0
#define LEARN_AFTER_N 50.0
/* A rate is kept inside [RATE_MIN, RATE_MAX] whatever the store shows: a rate of 0 or 1 would
 * make one kind of evidence certain. */
#define RATE_MIN 0.002
#define RATE_MAX 0.6

static const rf_engine_param learned[F_LEARN_COUNT] = {RF_PARAM_MISSED_HAND_RATE,
                                                       RF_PARAM_WRONG_ID_RATE};

rf_engine_param rf__learned_param(f_learned which) { return learned[which]; }

void rf__learn_init(f_learn *l, const double *param) {
  for (int k = 0; k < F_LEARN_COUNT; ++k) {
    l->seen[k] = l->shown[k] = 0.0;
    l->prior[k] = param[learned[k]];
    l->fixed[k] = 0;
  }
}

void rf__learn_fix(f_learn *l, rf_engine_param p, double value) {
  for (int k = 0; k < F_LEARN_COUNT; ++k)
    if (learned[k] == p) {
      l->fixed[k] = 1;
      l->prior[k] = value;
    }
}

void rf__learn_add(f_learn *l, f_learned which, double weight, double shown) {
  if (!(weight > 0) || !isfinite(weight) || !isfinite(shown)) return;
  l->seen[which] += weight;
  l->shown[which] += fmin(fmax(shown, 0.0), weight);
}

void rf__learn_apply(const f_learn *l, double *param) {
  if (param[RF_PARAM_LEARN] == 0) return;
  for (int k = 0; k < F_LEARN_COUNT; ++k) {
    if (l->fixed[k] || l->seen[k] < LEARN_AFTER_N) continue;
    double rate = (LEARN_PRIOR_N * l->prior[k] + l->shown[k]) / (LEARN_PRIOR_N + l->seen[k]);
    param[learned[k]] = fmin(fmax(rate, RATE_MIN), RATE_MAX);
  }
}
