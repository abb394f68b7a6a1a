/* Internal: the Jonker–Volgenant core on an n x m cost matrix with n <= m (+inf forbidden).
 * rf__lap_solve solves from scratch; rf__lap_augment adds one free row to an optimal partial
 * solution by a shortest augmenting path, which is what Murty's children need. */
#ifndef RF_ASSIGN_JV_H
#define RF_ASSIGN_JV_H

#include <stdint.h>

#include "workspace.h"

/* A tall caller matrix solved as its transpose without copying it whole: row i of the problem is
 * column i of `orig`, copied into `rows` the first time it is needed. `first` holds each row's
 * two cheapest entries, found in one pass in memory order, which is all the first round of
 * bidding needs; most rows of a tall matrix are never read again. */
typedef struct rf__lap_lazy {
  const double *orig;
  size_t orig_cols;
  double sign;  /* -1 when maximizing, times the problem's scale */
  double *rows; /* n x m; row i valid once ready[i] */
  unsigned char *ready;
  double *min1, *min2;  /* each row's cheapest and second cheapest entry */
  int32_t *arg1, *arg2; /* where they are (-1: none finite) */
} rf__lap_lazy;

typedef struct rf__lap {
  const double *c;    /* row-major, row stride m (unused when lazy) */
  rf__lap_lazy *lazy; /* NULL, or rows made on demand */
  int32_t n, m;
  double *v;       /* column duals */
  int32_t *rowsol; /* row -> column, -1 free */
  int32_t *colsol; /* column -> row, -1 free */
  double *d;
  int32_t *pred, *collist, *free_rows, *matches, *imin;
} rf__lap;

/* Points the problem at c and takes its buffers from the workspace. 0 or RF_ENOMEM. */
int rf__lap_prepare(rf__lap *p, rf_assign_workspace *ws, const double *c, int32_t n, int32_t m);

/* Returned by rf__lap_lazy_init for an odd entry (see there). */
#define RF__LAP_ODD 1

/* Sets up lazy rows of the transposed `orig` (rows x cols = m x n) in the workspace, computing
 * every row's two cheapest entries. 0, RF_ENOMEM, or RF__LAP_ODD for an entry (after the sign,
 * which may also scale) that is NaN, -inf, or finite beyond `limit`, which it does not locate. */
int rf__lap_lazy_init(rf__lap_lazy *lazy, rf_assign_workspace *ws, const double *orig,
                      size_t orig_rows, size_t orig_cols, double sign, double limit);

/* Solves from scratch. 0, or RF_EINFEASIBLE when some row cannot be matched. */
int rf__lap_solve(rf__lap *p);

/* Matches the free row `row` by a shortest augmenting path, never through a column with
 * blocked[j] != 0 (blocked may be NULL). Requires the other assignments optimal under v.
 * 0 or RF_EINFEASIBLE (nothing changed then). */
int rf__lap_augment(rf__lap *p, int32_t row, const unsigned char *blocked);

#endif
