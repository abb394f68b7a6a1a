/* Internal: the Jonker–Volgenant core on an n x m cost matrix with n <= m (+inf forbidden).
 * rf__lap_solve solves from scratch; rf__lap_augment adds one free row to an optimal partial
 * solution by a shortest augmenting path, which is what Murty's children need. */
#ifndef RF_ASSIGN_JV_H
#define RF_ASSIGN_JV_H

#include <stdint.h>

#include "workspace.h"

typedef struct rf__lap {
  const double *c;     /* row-major, row stride m */
  int32_t n, m;
  double *v;           /* column duals */
  int32_t *rowsol;     /* row -> column, -1 free */
  int32_t *colsol;     /* column -> row, -1 free */
  double *d;
  int32_t *pred, *collist, *free_rows, *matches, *imin;
} rf__lap;

/* Points the problem at c and takes its buffers from the workspace. 0 or RF_ENOMEM. */
int rf__lap_prepare(rf__lap *p, rf_assign_workspace *ws, const double *c, int32_t n, int32_t m);

/* Solves from scratch. 0, or RF_EINFEASIBLE when some row cannot be matched. */
int rf__lap_solve(rf__lap *p);

/* Matches the free row `row` by a shortest augmenting path, never through a column with
 * blocked[j] != 0 (blocked may be NULL). Requires the other assignments optimal under v.
 * 0 or RF_EINFEASIBLE (nothing changed then). */
int rf__lap_augment(rf__lap *p, int32_t row, const unsigned char *blocked);

#endif
