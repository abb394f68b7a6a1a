/* Internal: solving symmetric positive definite systems, the calibration's one numerical need —
 * a Cholesky factor, then triangular solves with it. Two implementations of the same calls:
 * plain C, always built (a build without BLAS uses it, and the benchmark races it), and LAPACK
 * (dpotrf, dpotrs, dtrtrs through LAPACKE, over OpenBLAS) when built with RF_WITH_BLAS.
 * Matrices are column-major, n x n, leading dimension n; only the lower triangle is read and
 * written. */
#ifndef RF_CALIB_SPD_H
#define RF_CALIB_SPD_H

#include <stddef.h>

typedef enum rf__spd_kind { RF__SPD_PLAIN, RF__SPD_LAPACK } rf__spd_kind;

typedef struct rf__spd_ops {
  /* A = L L^T, L over A's lower triangle: 0, or -1 when A is not positive definite. */
  int (*factor)(double *a, size_t n);
  /* b <- (L L^T)^-1 b. */
  void (*solve)(const double *l, size_t n, double *b);
  /* b <- L^-1 b: the half solve whose squared norm is b^T A^-1 b. */
  void (*lower)(const double *l, size_t n, double *b);
} rf__spd_ops;

/* L <- the factor of L L^T + x x^T (x is overwritten): the rank-one update that adds one
 * equation to a factored block in O(n^2) instead of factoring it again (LINPACK's dchud;
 * LAPACK has none, so both implementations share this one). */
void rf__spd_update(double *l, size_t n, double *x);

/* The plain C implementation (spd_plain.c). */
extern const rf__spd_ops rf__spd_plain_ops;

/* The implementation of kind k; NULL for LAPACK in a build without it. */
const rf__spd_ops *rf__spd(rf__spd_kind k);

/* The one the engine uses: the faster on the calibration's blocks (bench/run-calibration). */
const rf__spd_ops *rf__spd_default(void);

#endif
