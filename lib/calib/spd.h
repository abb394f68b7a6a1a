/* Internal: solving symmetric positive definite systems, the calibration's one numerical need —
 * a Cholesky factor, solves with it, and the inverse it gives (a block's posterior covariance).
 * Two implementations of the same calls: plain C, always built (a build without BLAS uses it,
 * and the benchmark races it), and LAPACK (dpotrf, dpotrs, dpotri through LAPACKE, over
 * OpenBLAS) when built with RF_WITH_BLAS. Matrices are column-major, n x n, leading dimension n. */
#ifndef RF_CALIB_SPD_H
#define RF_CALIB_SPD_H

#include <stddef.h>

typedef enum rf__spd_kind { RF__SPD_PLAIN, RF__SPD_LAPACK } rf__spd_kind;

typedef struct rf__spd_ops {
  /* A = L L^T, L over A's lower triangle (its upper triangle untouched): 0, or -1 when A is not
   * positive definite. */
  int (*factor)(double *a, size_t n);
  /* b <- (L L^T)^-1 b. */
  void (*solve)(const double *l, size_t n, double *b);
  /* out <- (L L^T)^-1, whole (both triangles); l is left as it was. */
  void (*inverse)(const double *l, size_t n, double *out);
} rf__spd_ops;

/* The plain C implementation (spd_plain.c). */
extern const rf__spd_ops rf__spd_plain_ops;

/* The implementation of kind k; NULL for LAPACK in a build without it. */
const rf__spd_ops *rf__spd(rf__spd_kind k);

/* The one the engine uses: the faster on the calibration's blocks (bench/run-calibration). */
const rf__spd_ops *rf__spd_default(void);

#endif
