/* The calibration's setup, what it reports, a host's seeds, and the whole system solved at once:
 * calib.h says what is estimated and how. */
#include <math.h>
#include <string.h>

#include "calib_internal.h"
#include "core/alloc.h"
#include "retailfuse/status.h"

static int config_ok(const rf__calib_config *cfg) {
  if (cfg == NULL || cfg->blocks == 0 || cfg->gains + cfg->weights == 0) return 0;
  if ((cfg->gains > 0 && cfg->gain_block == NULL) ||
      (cfg->weights > 0 && (cfg->weight_block == NULL || cfg->catalog == NULL)))
    return 0;
  if (!(cfg->gain_sd > 0) || !(cfg->weight_sd > 0) || !(cfg->memory_s > 0) || !(cfg->step > 0) ||
      !(cfg->reject_z > 0) || !isfinite(cfg->gain_sd + cfg->weight_sd + cfg->memory_s))
    return 0;
  for (size_t i = 0; i < cfg->gains; ++i)
    if (cfg->gain_block[i] >= cfg->blocks) return 0;
  for (size_t j = 0; j < cfg->weights; ++j)
    if (cfg->weight_block[j] >= cfg->blocks || !(cfg->catalog[j] > 0) || !isfinite(cfg->catalog[j]))
      return 0;
  return 1;
}

static uint32_t block_of_unknown(const rf__calib_config *cfg, size_t u) {
  return u < cfg->gains ? cfg->gain_block[u] : cfg->weight_block[u - cfg->gains];
}

/* Each block's unknowns, numbered within it in the order of their global numbers. */
static int lay_out_blocks(rf__calib *c, const rf__calib_config *cfg) {
  for (size_t u = 0; u < c->unknowns; ++u) {
    c_block *k = &c->block[block_of_unknown(cfg, u)];
    c->block_of[u] = block_of_unknown(cfg, u);
    c->local_of[u] = (uint32_t)k->n++;
  }
  /* Every block's numbers in one allocation (a store of thousands of plates has hundreds of
   * blocks): h, cov (n x n each) and b (n) per block, then every block's ids. */
  size_t doubles = 0;
  for (size_t i = 0; i < c->blocks; ++i) {
    const size_t n = c->block[i].n;
    doubles += 2 * n * n + n;
    if (n > c->most_n) c->most_n = n;
  }
  c->numbers = rf__calloc(&c->alloc, doubles + 1, sizeof *c->numbers);
  c->ids = rf__calloc(&c->alloc, c->unknowns + 1, sizeof *c->ids);
  if (c->numbers == NULL || c->ids == NULL) return RF_ENOMEM;
  double *at = c->numbers;
  uint32_t *id = c->ids;
  for (size_t i = 0; i < c->blocks; ++i) {
    c_block *k = &c->block[i];
    k->h = at;
    k->cov = at + k->n * k->n;
    k->b = at + 2 * k->n * k->n;
    at += 2 * k->n * k->n + k->n;
    k->ids = id;
    id += k->n;
  }
  for (size_t u = 0; u < c->unknowns; ++u)
    c->block[c->block_of[u]].ids[c->local_of[u]] = (uint32_t)u;
  return 0;
}

/* Each unknown's prior, and each block's covariance before any evidence: the priors' own,
 * diagonal — no factorisation until an equation or a forgetting step changes it. */
static void set_priors(rf__calib *c) {
  for (size_t u = 0; u < c->unknowns; ++u) {
    double sd = u < c->gains ? c->gain_sd : c->weight_sd;
    c->prior_m[u] = 0.0;
    c->prior_p[u] = 1.0 / (sd * sd);
    c->z[u] = 0.0;
    c_block *k = &c->block[c->block_of[u]];
    k->cov[c->local_of[u] * (k->n + 1)] = sd * sd;
  }
  for (size_t k = 0; k < c->blocks; ++k) c->block[k].stale = 0;
}

static int copy_homes(rf__calib *c, const rf__calib_config *cfg) {
  const size_t n = cfg->home_start[c->weights];
  c->home_start = rf__calloc(&c->alloc, c->weights + 1, sizeof *c->home_start);
  c->home_gain = rf__calloc(&c->alloc, n + 1, sizeof *c->home_gain);
  c->home_share = rf__calloc(&c->alloc, n + 1, sizeof *c->home_share);
  if (c->home_start == NULL || c->home_gain == NULL || c->home_share == NULL) return RF_ENOMEM;
  memcpy(c->home_start, cfg->home_start, (c->weights + 1) * sizeof *c->home_start);
  for (size_t i = 0; i < n; ++i) {
    if (cfg->home_gain[i] >= c->gains || !isfinite(cfg->home_share[i])) return RF_EINVAL;
    c->home_gain[i] = cfg->home_gain[i];
    c->home_share[i] = cfg->home_share[i];
  }
  return 0;
}

int rf__calib_new(rf__calib **out, const rf_allocator *alloc, const rf__calib_config *cfg) {
  rf_allocator a;
  *out = NULL;
  if (!config_ok(cfg)) return RF_EINVAL;
  if (rf__allocator_init(&a, alloc) != 0) return RF_EINVAL;
  rf__calib *c = rf__calloc(&a, 1, sizeof *c);
  if (c == NULL) return RF_ENOMEM;
  c->alloc = a;
  c->spd = cfg->spd != NULL ? cfg->spd : rf__spd_default();
  c->gains = cfg->gains;
  c->weights = cfg->weights;
  c->unknowns = cfg->gains + cfg->weights;
  c->blocks = cfg->blocks;
  c->memory_us = cfg->memory_s * 1e6;
  c->step = cfg->step;
  c->reject_z = cfg->reject_z;
  c->gain_sd = cfg->gain_sd;
  c->weight_sd = cfg->weight_sd;
  size_t nu = c->unknowns;
  c->block = rf__calloc(&a, c->blocks, sizeof *c->block);
  c->block_of = rf__calloc(&a, nu, sizeof *c->block_of);
  c->local_of = rf__calloc(&a, nu, sizeof *c->local_of);
  c->catalog = rf__calloc(&a, c->weights + 1, sizeof *c->catalog);
  c->z = rf__calloc(&a, nu, sizeof *c->z);
  c->prior_m = rf__calloc(&a, nu, sizeof *c->prior_m);
  c->prior_p = rf__calloc(&a, nu, sizeof *c->prior_p);
  c->seen = rf__calloc(&a, nu, sizeof *c->seen);
  int rc = c->block == NULL || c->block_of == NULL || c->local_of == NULL || c->catalog == NULL ||
                   c->z == NULL || c->prior_m == NULL || c->prior_p == NULL || c->seen == NULL
               ? RF_ENOMEM
               : lay_out_blocks(c, cfg);
  if (rc == 0) {
    c->work = rf__calloc(&c->alloc, 3 * (c->most_n + 1), sizeof *c->work);
    c->factor = rf__calloc(&c->alloc, c->most_n * c->most_n + 1, sizeof *c->factor);
    c->scale_sd = rf__calloc(&c->alloc, c->weights + 1, sizeof *c->scale_sd);
    if (c->work == NULL || c->factor == NULL || c->scale_sd == NULL) rc = RF_ENOMEM;
  }
  if (rc == 0 && cfg->home_start != NULL) rc = copy_homes(c, cfg);
  if (rc != 0) {
    rf__calib_free(c);
    return rc;
  }
  if (c->weights > 0) memcpy(c->catalog, cfg->catalog, c->weights * sizeof *c->catalog);
  set_priors(c);
  for (size_t k = 0; k < c->blocks; ++k) rf__calib_scale_sds(c, k); /* the priors' */
  *out = c;
  return 0;
}

void rf__calib_free(rf__calib *c) {
  if (c == NULL) return;
  const rf_allocator *a = &c->alloc;
  for (size_t i = 0; c->block != NULL && i < c->blocks; ++i) {
    rf__free(a, c->block[i].couple);
  }
  rf__free(a, c->block);
  rf__free(a, c->numbers);
  rf__free(a, c->ids);
  rf__free(a, c->block_of);
  rf__free(a, c->local_of);
  rf__free(a, c->catalog);
  rf__free(a, c->z);
  rf__free(a, c->prior_m);
  rf__free(a, c->prior_p);
  rf__free(a, c->seen);
  rf__free(a, c->terms);
  rf__free(a, c->staged);
  rf__free(a, c->work);
  rf__free(a, c->factor);
  rf__free(a, c->scale_sd);
  rf__free(a, c->home_start);
  rf__free(a, c->home_gain);
  rf__free(a, c->home_share);
  rf_allocator keep = *a;
  rf__free(&keep, c);
}

double rf__calib_correction(const rf__calib *c, uint32_t gain) { return 1.0 + c->z[gain]; }

double rf__calib_gain(const rf__calib *c, uint32_t gain) { return 1.0 / (1.0 + c->z[gain]); }

double rf__calib_weight(const rf__calib *c, uint32_t weight) {
  return c->catalog[weight] * (1.0 + c->z[c->gains + weight]);
}

/* The posterior sd of unknown u, as a share: its block's covariance's diagonal (before the
 * block is first made, from the priors and its data's diagonal alone). */
static double posterior_sd(const rf__calib *c, size_t u) {
  const c_block *k = &c->block[c->block_of[u]];
  const size_t i = c->local_of[u];
  if (k->stale) return 1.0 / sqrt(c->prior_p[u] + k->h[i * (k->n + 1)]);
  return sqrt(k->cov[i * (k->n + 1)]);
}

double rf__calib_gain_sd(const rf__calib *c, uint32_t gain) { return posterior_sd(c, gain); }

double rf__calib_weight_sd(const rf__calib *c, uint32_t weight) {
  return posterior_sd(c, c->gains + weight);
}

double rf__calib_gain_seen(const rf__calib *c, uint32_t gain) { return c->seen[gain]; }

double rf__calib_scale_sd(const rf__calib *c, uint32_t weight) { return c->scale_sd[weight]; }

double rf__calib_gain_prior(const rf__calib *c, uint32_t gain) {
  return 1.0 / (1.0 + c->prior_m[gain]);
}

double rf__calib_weight_prior(const rf__calib *c, uint32_t weight) {
  return c->catalog[weight] * (1.0 + c->prior_m[c->gains + weight]);
}

double rf__calib_weight_seen(const rf__calib *c, uint32_t weight) {
  return c->seen[c->gains + weight];
}

static void seed(rf__calib *c, size_t u, double mean, double sd, double default_sd) {
  if (!(sd > 0)) sd = default_sd;
  c->prior_m[u] = mean;
  c->prior_p[u] = 1.0 / (sd * sd);
  c->z[u] = mean;
  c->block[c->block_of[u]].stale = 1;
  rf__calib_refresh(c, c->block_of[u]);
}

/* A seed's sd, as a share: <= 0 for the default, else within [1e-6, 1] — tighter, it would pin
 * the value against any evidence (and 1 / sd^2 overflow); looser, it would leave it free. */
static int sd_ok(double share) { return share <= 0 || (share >= 1e-6 && share <= 1.0); }

int rf__calib_seed_gain(rf__calib *c, uint32_t gain, double value, double sd) {
  if (gain >= c->gains || !(value > 0.5 && value < 2.0) || !isfinite(sd) ||
      !sd_ok(sd / (value * value)))
    return RF_EINVAL;
  /* The correction is the gain's inverse: its sd, to first order, the gain's over value^2. */
  seed(c, gain, 1.0 / value - 1.0, sd / (value * value), c->gain_sd);
  return 0;
}

int rf__calib_seed_weight(rf__calib *c, uint32_t weight, double value_g, double sd_g) {
  if (weight >= c->weights || !(value_g > 0) || !isfinite(value_g) || !isfinite(sd_g))
    return RF_EINVAL;
  const double cat = c->catalog[weight];
  if (value_g < 0.5 * cat || value_g > 2.0 * cat || !sd_ok(sd_g / cat)) return RF_EINVAL;
  seed(c, c->gains + weight, value_g / cat - 1.0, sd_g / cat, c->weight_sd);
  return 0;
}

void rf__calib_settle(rf__calib *c, int sweeps) {
  /* Every block's data forgotten to one moment first: the couplings' two copies then agree with
   * the blocks they join, and the sweeps solve one symmetric system. */
  const int64_t latest = rf__calib_latest(c);
  for (size_t k = 0; k < c->blocks && latest > INT64_MIN; ++k)
    if (c->block[k].has_t) rf__calib_age(c, k, latest);
  for (int s = 0; s < sweeps; ++s)
    for (size_t k = 0; k < c->blocks; ++k)
      if (c->block[k].n > 0 && (c->block[k].couple_count > 0 || c->block[k].stale))
        rf__calib_refresh(c, k);
}

/* The dense system: every block's normal equations and priors on the diagonal, couplings off
 * it (each kept by both its blocks, so each side adds half). */
static void assemble(const rf__calib *c, double *a, double *rhs) {
  const size_t nu = c->unknowns;
  const int64_t latest = rf__calib_latest(c); /* everything as forgotten to one moment */
  for (size_t u = 0; u < nu; ++u) rhs[u] = c->prior_p[u] * c->prior_m[u];
  for (size_t bi = 0; bi < c->blocks; ++bi) {
    const c_block *k = &c->block[bi];
    const double f = k->has_t ? rf__calib_left(c, k->t_last, latest) : 1.0;
    for (size_t j = 0; j < k->n; ++j) {
      rhs[k->ids[j]] += f * k->b[j];
      for (size_t i = 0; i < k->n; ++i)
        a[(size_t)k->ids[j] * nu + k->ids[i]] = f * k->h[j * k->n + i];
    }
    for (size_t q = 0; q < k->couple_count; ++q) {
      const c_coupling *cp = &k->couple[q];
      const size_t i = k->ids[cp->local], o = cp->other;
      const double v = cp->v * rf__calib_left(c, cp->t, latest);
      a[o * nu + i] += 0.5 * v;
      a[i * nu + o] += 0.5 * v;
    }
  }
  for (size_t u = 0; u < nu; ++u) a[u * nu + u] += c->prior_p[u];
}

int rf__calib_solve_dense(const rf__calib *c, const rf__spd_ops *spd, double *corr,
                          double *weight_g) {
  const size_t nu = c->unknowns;
  double *a = rf__calloc(&c->alloc, nu * nu, sizeof *a);
  double *rhs = rf__calloc(&c->alloc, nu, sizeof *rhs);
  if (a == NULL || rhs == NULL) {
    rf__free(&c->alloc, a);
    rf__free(&c->alloc, rhs);
    return RF_ENOMEM;
  }
  assemble(c, a, rhs);
  int ok = spd->factor(a, nu) == 0;
  if (ok) spd->solve(a, nu, rhs);
  for (size_t u = 0; u < nu; ++u) ok = ok && isfinite(rhs[u]);
  for (size_t u = 0; u < nu && ok; ++u) {
    if (u < c->gains) corr[u] = 1.0 + rhs[u];
    else weight_g[u - c->gains] = c->catalog[u - c->gains] * (1.0 + rhs[u]);
  }
  rf__free(&c->alloc, a);
  rf__free(&c->alloc, rhs);
  return ok ? 0 : RF_ERANGE;
}

void rf__calib_get_counts(const rf__calib *c, rf__calib_counts *out) { *out = c->counts; }
