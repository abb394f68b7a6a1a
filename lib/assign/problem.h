/* Internal: turning a caller's matrix into the solver's form — n <= m rows by columns, minimise,
 * +inf forbidden — and the answer back into the caller's orientation. */
#ifndef RF_ASSIGN_PROBLEM_H
#define RF_ASSIGN_PROBLEM_H

#include <stddef.h>
#include <stdint.h>

#include "workspace.h"

typedef struct rf__problem {
  const double *orig; /* the caller's matrix */
  size_t rows, cols;  /* the caller's shape */
  int maximize, transposed;
  double scale;    /* 1, or the power of two 2^-k that brings costs near the double limit down */
  double factor;   /* scale, negated when maximizing: the solver's entry is factor * orig */
  const double *c; /* the solver's n x m matrix: orig itself or a copy in RF__WS_MATRIX;
                      NULL when `lazy` */
  int32_t n, m;
  int lazy; /* transposed without a copy: see rf__lap_lazy */
} rf__problem;

/* RF_EINVAL naming the first entry that is NaN or the wrong infinity (+inf when maximizing,
 * -inf otherwise); 0 if there is none. *scale (may be NULL) receives rf__problem_scale's for the
 * matrix. */
int rf__problem_check(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols,
                      int maximize, double *scale);

/* The largest finite cost the solvers take unscaled in a problem with m columns (the larger
 * side): every dual price, path length and total they form then stays far inside the double
 * range. */
double rf__problem_limit(int32_t m);

/* 1 if the double with bits b is finite and its magnitude's bits exceed limit_bits (positive
 * doubles order as their bits do). Shifts and masks, which compilers vectorise where they do not
 * comparisons of doubles: the check passes read the whole matrix. */
static inline uint64_t rf__big_bits(uint64_t b, uint64_t limit_bits) {
  uint64_t mag = b & 0x7fffffffffffffffull;
  return ((limit_bits - mag) >> 63) & ((mag - 0x7ff0000000000000ull) >> 63);
}

/* The scale for finite costs of magnitude up to amax: 1 up to rf__problem_limit, else the power
 * of two 2^-k that brings amax under it. A power of two rounds nothing (short of entries pushed
 * below the normal range, which a sum with entries near the limit cannot tell apart anyway):
 * the same optima. */
double rf__problem_scale(double amax, int32_t m);

/* Checks every entry (see rf__problem_check) unless the matrix is left lazy, and
 * builds the solver's form, with `extra_rows` zero rows appended after the n real ones (k-best
 * pads to square this way). Always copies when extra_rows > 0 or `copy` is set; otherwise a
 * tall matrix is left for lazy transposition (p->lazy). */
int rf__problem_init(rf__problem *p, rf_assign_workspace *ws, const double *cost, size_t rows,
                     size_t cols, unsigned flags, int32_t extra_rows, int copy);

/* Writes the caller's row_to_col from the solver's rowsol, and returns the total in the caller's
 * terms: +-inf when it is beyond the double range (possible only when scaled). */
double rf__problem_answer(const rf__problem *p, const int32_t *rowsol, int32_t *row_to_col);

#endif
