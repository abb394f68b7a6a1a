/* Learning the store's nuisance rates: learn.h says what and why. */
#include "learn.h"

#include <math.h>
#include <string.h>

/* The prior is worth this many observations: a few minutes of a busy store. Until a rate has
 * seen LEARN_AFTER_N, it stays at its prior: a handful of decisions says little, and a short
 * stream (a test, a replay of one incident) is decided as set. */
#define LEARN_PRIOR_N 200.0
#define LEARN_AFTER_N 50.0
/* A rate is kept inside [RATE_MIN, RATE_MAX] whatever the store shows: a rate of 0 or 1 would
 * make one kind of evidence certain. */
#define RATE_MIN 0.002
#define RATE_MAX 0.6
/* The weighing noise's prior is worth this many readings (a squared gap says little alone: its
 * spread is as large as its mean), and it moves after LEARN_NOISE_AFTER_N of them. */
#define LEARN_NOISE_PRIOR_N 10.0
#define LEARN_NOISE_AFTER_N 10.0
/* A reading's squared gap counts up to this many times its expected variance: a misread item
 * (a gap of a whole other product) must not drag the noise up. For a reading read right it clips
 * one in two million. */
#define GAP_CLIP 25.0
/* The noise and spread learned stay within these, whatever the store shows (g, and a share). */
#define NOISE_MIN_G 0.05
#define NOISE_MAX_G 200.0
#define SPREAD_MIN 0.0005
#define SPREAD_MAX 0.2

static const rf_engine_param learned[F_LEARN_COUNT] = {RF_PARAM_MISSED_HAND_RATE,
                                                       RF_PARAM_WRONG_ID_RATE};

rf_engine_param rf__learned_param(f_learned which) { return learned[which]; }

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static double noise_var(double noise_g) {
  return clamp(noise_g, NOISE_MIN_G, NOISE_MAX_G) * clamp(noise_g, NOISE_MIN_G, NOISE_MAX_G);
}

static double spread_var(double share) {
  return clamp(share, SPREAD_MIN, SPREAD_MAX) * clamp(share, SPREAD_MIN, SPREAD_MAX);
}

void rf__learn_init(f_learn *l, const double *param) {
  for (int k = 0; k < F_LEARN_COUNT; ++k) {
    l->seen[k] = l->shown[k] = 0.0;
    l->prior[k] = param[learned[k]];
    l->fixed[k] = 0;
  }
  f_weighing *w = &l->weighing;
  memset(w, 0, sizeof *w);
  w->a = w->prior_a = noise_var(param[RF_PARAM_NOISE_G]);
  w->b = w->prior_b = spread_var(param[RF_PARAM_SD_FRACTION]);
}

void rf__learn_fix(f_learn *l, rf_engine_param p, double value) {
  for (int k = 0; k < F_LEARN_COUNT; ++k)
    if (learned[k] == p) {
      l->fixed[k] = 1;
      l->prior[k] = value;
    }
  f_weighing *w = &l->weighing;
  if (p == RF_PARAM_NOISE_G) {
    w->fixed_a = 1;
    w->a = w->prior_a = noise_var(value);
  }
  if (p == RF_PARAM_SD_FRACTION) {
    w->fixed_b = 1;
    w->b = w->prior_b = spread_var(value);
  }
}

void rf__learn_add(f_learn *l, f_learned which, double weight, double shown) {
  if (!(weight > 0) || !isfinite(weight) || !isfinite(shown)) return;
  l->seen[which] += weight;
  l->shown[which] += fmin(fmax(shown, 0.0), weight);
}

void rf__learn_weighing(f_learn *l, double weight, double r, double u, double y) {
  f_weighing *w = &l->weighing;
  double v = r * w->a + u * w->b;
  if (!(weight > 0) || !(v > 0) || !isfinite(y) || !isfinite(u)) return;
  /* Weighed by the inverse of y's variance (2v² for a normal gap) and by how probable. */
  double k = weight / (v * v);
  y = fmin(y, GAP_CLIP * v);
  w->rr += k * r * r;
  w->ru += k * r * u;
  w->uu += k * u * u;
  w->ry += k * r * y;
  w->uy += k * u * y;
  if (r > 0) w->seen_a += weight;
  if (u > 0) w->seen_b += weight;
}

/* σ² and f² from the normal equations, each with its prior's readings added (a fixed one is
 * known): the other given it when one hits its bounds. */
static void solve_weighing(f_weighing *w) {
  const double amin = NOISE_MIN_G * NOISE_MIN_G, amax = NOISE_MAX_G * NOISE_MAX_G;
  const double bmin = SPREAD_MIN * SPREAD_MIN, bmax = SPREAD_MAX * SPREAD_MAX;
  double a11 = w->rr + LEARN_NOISE_PRIOR_N / (w->prior_a * w->prior_a);
  double c1 = w->ry + LEARN_NOISE_PRIOR_N / w->prior_a;
  double a22 = w->uu + LEARN_NOISE_PRIOR_N / (w->prior_b * w->prior_b);
  double c2 = w->uy + LEARN_NOISE_PRIOR_N / w->prior_b;
  double a = w->prior_a, b = w->prior_b;
  if (w->fixed_a && w->fixed_b) return;
  if (w->fixed_a) {
    b = (c2 - w->ru * a) / a22;
  } else if (w->fixed_b) {
    a = (c1 - w->ru * b) / a11;
  } else {
    double det = a11 * a22 - w->ru * w->ru; /* > 0: the priors make it definite */
    a = (c1 * a22 - w->ru * c2) / det;
    b = (a11 * c2 - w->ru * c1) / det;
    if (a < amin || a > amax) b = (c2 - w->ru * clamp(a, amin, amax)) / a22;
    else if (b < bmin || b > bmax) a = (c1 - w->ru * clamp(b, bmin, bmax)) / a11;
  }
  w->a = clamp(a, amin, amax);
  w->b = clamp(b, bmin, bmax);
}

void rf__learn_apply(f_learn *l, double *param) {
  if (param[RF_PARAM_LEARN] == 0) return;
  f_weighing *w = &l->weighing;
  if (w->seen_a >= LEARN_NOISE_AFTER_N || w->seen_b >= LEARN_NOISE_AFTER_N) {
    solve_weighing(w);
    if (!w->fixed_a && w->seen_a >= LEARN_NOISE_AFTER_N) param[RF_PARAM_NOISE_G] = sqrt(w->a);
    if (!w->fixed_b && w->seen_b >= LEARN_NOISE_AFTER_N) param[RF_PARAM_SD_FRACTION] = sqrt(w->b);
  }
  for (int k = 0; k < F_LEARN_COUNT; ++k) {
    if (l->fixed[k] || l->seen[k] < LEARN_AFTER_N) continue;
    double rate = (LEARN_PRIOR_N * l->prior[k] + l->shown[k]) / (LEARN_PRIOR_N + l->seen[k]);
    param[learned[k]] = fmin(fmax(rate, RATE_MIN), RATE_MAX);
  }
}
