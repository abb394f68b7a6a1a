/* Internal to lib/calib: the estimator's state, shared by its setup (calib.c) and its updates
 * (calib_commit.c). Unknowns are numbered gains first, then weights; each belongs to one block. */
#ifndef RF_CALIB_INTERNAL_H
#define RF_CALIB_INTERNAL_H

#include "calib.h"

/* A term of the normal equations between a block's unknown and another block's. */
typedef struct c_coupling {
  uint32_t local; /* the block's own unknown */
  uint32_t other; /* the other block's, by global number */
  double v;       /* its value at time t: forgotten from there as the data is, whenever it is read,
                     so the two blocks' copies of it always agree */
  int64_t t;
} c_coupling;

typedef struct c_block {
  size_t n;
  uint32_t *ids; /* its unknowns' global numbers */
  double *h, *b; /* the data's normal equations, n x n and n */
  double *cov;   /* (h + the priors' precisions)^-1: the posterior covariance, n x n */
  c_coupling *couple;
  size_t couple_count, couple_cap;
  size_t couple_pending; /* room staged equations may take */
  int64_t t_last;        /* the data is forgotten up to here */
  int has_t;
  int stale; /* h changed other than by one equation since cov was made */
} c_block;

typedef struct c_term {
  uint32_t u; /* unknown */
  double a;   /* its coefficient */
} c_term;

typedef struct c_staged {
  int64_t t;
  size_t first, count; /* terms */
  double y, var, p;
} c_staged;

struct rf__calib {
  rf_allocator alloc;
  const rf__spd_ops *spd;
  size_t gains, weights, unknowns, blocks, most_n;
  double memory_us, step, reject_z, gain_sd, weight_sd;
  c_block *block;
  double *numbers;               /* every block's h, cov and b */
  uint32_t *ids;                 /* every block's ids */
  uint32_t *block_of, *local_of; /* per unknown */
  double *catalog;               /* per weight */
  double *z;                     /* per unknown: the estimate, as a share */
  double *prior_m, *prior_p;     /* per unknown: the prior's mean (share) and precision */
  double *seen;                  /* per unknown: the confidence of equations it was in */
  double *scale_sd;              /* per weight: rf__calib_scale_sd */
  size_t *home_start;            /* per weight + 1: its home gains (calib.h), or NULL */
  uint32_t *home_gain;
  double *home_share;
  c_term *terms;
  size_t term_count, term_cap;
  c_staged *staged;
  size_t staged_count, staged_cap;
  double *work;   /* 3 x most_n */
  double *factor; /* most_n x most_n: a block's Cholesky factor, while its cov is made */
  rf__calib_counts counts;
};

/* How much of data from time `from` is left at time `to`, in whole forgetting steps (1 when
 * `to` is not in a later step). */
double rf__calib_left(const rf__calib *c, int64_t from, int64_t to);

/* The latest time any block's data is at: where rf__calib_settle and the dense solve look from. */
int64_t rf__calib_latest(const rf__calib *c);

/* Forgets block k's data up to the forgetting step of time t (calib_commit.c). Returns whether
 * it did. */
int rf__calib_age(rf__calib *c, size_t k, int64_t t);

/* Every weight's of block k, rf__calib_scale_sd: when its covariance is made (at the start, the
 * priors' diagonal; then anew); between, commit_one updates those of an equation's products. */
void rf__calib_scale_sds(rf__calib *c, size_t k);

/* Brings block k up to date: its factor, then its unknowns from its equations, its prior and the
 * other blocks' current values. */
void rf__calib_refresh(rf__calib *c, size_t k);

#endif
