/* rf_lsa: one linear sum assignment through the Jonker–Volgenant core. */
#include <math.h>

#include "core/errbuf.h"
#include "jv.h"
#include "problem.h"
#include "retailfuse/assign.h"
#include "retailfuse/status.h"

/* A tall matrix read lazily: its pass flags entries that are bad or need scaling (see
 * rf__problem_scale); then the full check says which, and a scaled problem is set up again with
 * the scale in the sign. */
static int init_lazy(rf__problem *prob, rf__lap_lazy *lazy, rf_assign_workspace *ws) {
  size_t rows = prob->rows, cols = prob->cols;
  const double limit = rf__problem_limit(prob->m);
  int rc = rf__lap_lazy_init(lazy, ws, prob->orig, rows, cols, prob->factor, limit);
  if (rc == RF__LAP_ODD) {
    rc = rf__problem_check(ws, prob->orig, rows, cols, prob->maximize, &prob->scale);
    if (rc != 0) return rc;
    prob->factor *= prob->scale;
    rc = rf__lap_lazy_init(lazy, ws, prob->orig, rows, cols, prob->factor, INFINITY);
  }
  if (rc != 0) return rf__error(&ws->err, rc, "out of memory for a %zu x %zu problem", rows, cols);
  return 0;
}

static int solve(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols,
                 unsigned flags, int32_t *row_to_col, double *total) {
  rf__error_clear(&ws->err);
  if ((cost == NULL && rows * cols != 0) || (row_to_col == NULL && rows != 0))
    return rf__error(&ws->err, RF_EINVAL, "cost and row_to_col are required");
  if (flags & ~RF_LSA_MAXIMIZE) return rf__error(&ws->err, RF_EINVAL, "unknown flags %#x", flags);
  rf__problem prob;
  int rc = rf__problem_init(&prob, ws, cost, rows, cols, flags, 0, 0);
  if (rc != 0) return rc;
  if (prob.n == 0) {
    for (size_t r = 0; r < rows; ++r) row_to_col[r] = RF_UNASSIGNED;
    if (total) *total = 0.0;
    return 0;
  }
  rf__lap lap;
  rf__lap_lazy lazy;
  if (rf__lap_prepare(&lap, ws, prob.c, prob.n, prob.m) != 0)
    return rf__error(&ws->err, RF_ENOMEM, "out of memory for a %zu x %zu problem", rows, cols);
  if (prob.lazy) {
    if ((rc = init_lazy(&prob, &lazy, ws)) != 0) return rc;
    lap.lazy = &lazy;
  }
  rc = rf__lap_solve(&lap);
  if (rc != 0)
    return rf__error(&ws->err, rc, "no complete matching of the %s exists (forbidden pairs)",
                     prob.transposed ? "columns" : "rows");
  double t = rf__problem_answer(&prob, lap.rowsol, row_to_col);
  if (total == NULL) return 0;
  *total = t;
  if (isinf(t))
    return rf__error(&ws->err, RF_ERANGE,
                     "the optimal total is beyond the range of a double (%s); row_to_col holds "
                     "the assignment",
                     t > 0 ? "+inf" : "-inf");
  return 0;
}

int rf_lsa(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols, unsigned flags,
           int32_t *row_to_col, double *total) {
  if (ws != NULL) return solve(ws, cost, rows, cols, flags, row_to_col, total);
  int rc = rf_assign_workspace_new(&ws, NULL);
  if (rc != 0) return rc;
  rc = solve(ws, cost, rows, cols, flags, row_to_col, total);
  rf_assign_workspace_free(ws);
  return rc;
}
