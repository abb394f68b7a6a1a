/* Internal: the store's scales, learned from its own evidence — each plate's gain and each
 * product's true item weight, which the catalogue only approximates.
 *
 * Every confident reading of a change, and every announced restock, is an equation: the plates'
 * raw changes, each scaled by its unknown correction (true grams per gram read: 1 / the plate's
 * gain), add up to the items' unknown true weights,
 *
 *     sum_k c_k r_k = sum_j q_j W_j  (+ the plates' noise and the items' spread).
 *
 * It is linear in the unknowns, which are kept as shares: c_k = 1 + z_k, W_j = catalogue_j (1 +
 * z_j), each with a normal prior (gain 1 within GAIN_SD; the catalogue within WEIGHT_SD; a
 * host's seed instead when it gave one). The estimate is the weighted, regularised least squares
 * solution: the normal equations (H + P) z = b + P m, where the data's part (H, b) is forgotten
 * with time constant `memory_s` (the gains drift with temperature, a product's weight with its
 * batch) and the priors' part (P, m) is not.
 *
 * Structure. An equation's plates are one shelf's and its items mostly that shelf's products, so
 * the unknowns fall into blocks, one per shelf (its plates, and the products whose facing is
 * there; a product with no facing is a block alone); an item put back on another shelf couples
 * two blocks. Each block keeps its normal equations and their inverse, the posterior covariance
 * S = (H + P)^-1: an equation within one block moves the estimate along S a and updates S by
 * Sherman-Morrison (its few nonzero coefficients: no solve); S is made anew — a Cholesky factor,
 * then its inverse (spd.h) — only at a forgetting step or for an equation joining two blocks.
 * Couplings are kept as sparse off-block terms and enter a block's right-hand side at the other
 * blocks' current values when it is made anew — block Gauss-Seidel, converging as equations
 * come.
 * rf__calib_solve_dense solves the whole system at once instead (the benchmark's and the tests'
 * reference).
 *
 * Robustness. An equation's blocks are first forgotten up to its time (whatever becomes of it:
 * a block whose every reading is now rejected must still forget, so that it can follow a step
 * in a gain). Then its residual at the current estimate is measured
 * against what its noise and the estimate's own uncertainty allow: beyond `reject_z` sds it is
 * set aside (most likely the decision was wrong after all); and however confident, it may move
 * no value by more than `step` (a share) — its weight is lowered to that — so one wrong
 * decision cannot poison the estimate; right ones agree, and move it the rest of the way.
 *
 * Equations are staged while a batch of decisions is made and committed once it stands, so a
 * batch that fails for memory teaches nothing. Deterministic: the same equations in the same
 * order give the same bits. The calibration knows nothing of stores: gains and weights are
 * numbered by the caller. */
#ifndef RF_CALIB_CALIB_H
#define RF_CALIB_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/allocator.h"
#include "spd.h"

typedef struct rf__calib rf__calib;

typedef struct rf__calib_config {
  size_t gains, weights, blocks;
  const uint32_t *gain_block;   /* per gain (plate): its block, < blocks */
  const uint32_t *weight_block; /* per weight (product): its block */
  const double *catalog;        /* per weight: the catalogue's grams, > 0 */
  double gain_sd, weight_sd;    /* the priors' spread, as shares, > 0 */
  double memory_s;              /* the data is forgotten with this time constant (s), > 0 */
  double step;                  /* the most one equation moves a value, as a share */
  double reject_z;              /* residuals beyond this many sds are set aside */
  const rf__spd_ops *spd;       /* NULL: rf__spd_default() */
  /* Optional: where each weight's items usually lie — for weight j, the gains home_gain[i] and
   * the share of an item's weight each bears, i in [home_start[j], home_start[j + 1]) — so that
   * rf__calib_scale_sd can say how well a typical reading of it is known. */
  const size_t *home_start;
  const uint32_t *home_gain;
  const double *home_share;
} rf__calib_config;

typedef struct rf__calib_eq {
  int64_t t; /* when (us): forgetting is counted from it */
  size_t readings;
  const uint32_t *gain;  /* the plates that read it ... */
  const double *reading; /* ... and what each read (g, signed so that the items' weight is +) */
  size_t items;
  const uint32_t *weight; /* the products moved ... */
  const double *qty;      /* ... and how many of each, > 0 */
  double var;             /* the noise's variance (g^2), > 0 */
  double p;               /* how sure the reading is, in (0, 1] */
} rf__calib_eq;

typedef struct rf__calib_counts {
  uint64_t staged, taken, rejected, clipped, cross;
} rf__calib_counts;

/* 0, RF_EINVAL for a config out of range, RF_ENOMEM. */
int rf__calib_new(rf__calib **out, const rf_allocator *alloc, const rf__calib_config *cfg);
void rf__calib_free(rf__calib *c);

/* Keeps an equation to commit: 0, RF_EINVAL for one with a number out of range or an index out
 * of bounds (nothing kept), RF_ENOMEM (nothing kept). Room for what committing it needs is
 * reserved here: committing cannot fail. */
int rf__calib_stage(rf__calib *c, const rf__calib_eq *eq);

/* Forgets the staged equations. */
void rf__calib_unstage(rf__calib *c);

/* Adds the staged equations, in order, each after its own check and clip. */
void rf__calib_commit(rf__calib *c);

/* The estimates: a plate's correction (true grams per gram read) and gain (its inverse), a
 * product's item weight (g); each one's posterior sd as a share (from its block's factor); the
 * weight of the equations that involved it (each counted by its confidence, not forgotten). */
double rf__calib_correction(const rf__calib *c, uint32_t gain);
double rf__calib_gain(const rf__calib *c, uint32_t gain);
double rf__calib_weight(const rf__calib *c, uint32_t weight);
double rf__calib_gain_sd(const rf__calib *c, uint32_t gain);
double rf__calib_weight_sd(const rf__calib *c, uint32_t weight);
double rf__calib_gain_seen(const rf__calib *c, uint32_t gain);
double rf__calib_weight_seen(const rf__calib *c, uint32_t weight);
/* What each started from: 1 or a seed (a gain), the catalogue or a seed (g). */
double rf__calib_gain_prior(const rf__calib *c, uint32_t gain);
double rf__calib_weight_prior(const rf__calib *c, uint32_t weight);

/* How well the weight of an item of product `weight`, read on its home plates, is known: the sd,
 * as a share, of (its learned weight against its plates' learned gains) — the one number the
 * engine's weight fit needs. Before any evidence it is the priors' (about WEIGHT_SD); it shrinks
 * as readings of the product come. The product's own weight sd without home plates. */
double rf__calib_scale_sd(const rf__calib *c, uint32_t weight);

/* A host's prior for a plate's gain or a product's weight (yesterday's estimate, say), with its
 * sd (same unit; <= 0: the default share), fitted with whatever evidence there is. RF_EINVAL
 * out of range, the sd included (as a share of the value, 1e-6..1).
 */
int rf__calib_seed_gain(rf__calib *c, uint32_t gain, double value, double sd);
int rf__calib_seed_weight(rf__calib *c, uint32_t weight, double value_g, double sd_g);

/* Every block's data forgotten to the latest moment any has seen, then block Gauss-Seidel sweeps
 * over every block, so couplings settle. Slow along the one scale the priors alone fix when the
 * blocks are coupled: a few sweeps settle what the data says, not that. */
void rf__calib_settle(rf__calib *c, int sweeps);

/* The whole system solved at once with `spd` (a dense N x N factor, N = gains + weights), every
 * block's data forgotten to the latest moment any has seen, into corr[gains] and
 * weight_g[weights], the estimates left as they were: 0, RF_ENOMEM, or RF_ERANGE when it is not
 * positive definite (nothing written). */
int rf__calib_solve_dense(const rf__calib *c, const rf__spd_ops *spd, double *corr,
                          double *weight_g);

void rf__calib_get_counts(const rf__calib *c, rf__calib_counts *out);

#endif
