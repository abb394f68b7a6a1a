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
  const double *c; /* the solver's n x m matrix: orig itself or a copy in RF__WS_MATRIX;
                      NULL when `lazy` */
  int32_t n, m;
  int lazy; /* transposed without a copy: see rf__lap_lazy */
} rf__problem;

/* RF_EINVAL naming the first entry that is NaN or the wrong infinity (+inf when maximizing,
 * -inf otherwise); 0 if there is none. */
int rf__problem_check(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols,
                      int maximize);

/* Checks every entry (see rf__problem_check) unless the matrix is left lazy, and
 * builds the solver's form, with `extra_rows` zero rows appended after the n real ones (k-best
 * pads to square this way). Always copies when extra_rows > 0 or `copy` is set; otherwise a
 * tall matrix is left for lazy transposition (p->lazy). */
int rf__problem_init(rf__problem *p, rf_assign_workspace *ws, const double *cost, size_t rows,
                     size_t cols, unsigned flags, int32_t extra_rows, int copy);

/* Writes the caller's row_to_col from the solver's rowsol, and returns the total in the caller's
 * terms. */
double rf__problem_answer(const rf__problem *p, const int32_t *rowsol, int32_t *row_to_col);

#endif
