/* rf_marginals: checks the likelihoods, scales each row to a maximum of 1 (the marginals do not
 * change, since every row takes exactly one option, and products stay in range), then picks the
 * exact method or belief propagation. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/errbuf.h"
#include "marginals.h"
#include "retailfuse/assign.h"
#include "retailfuse/status.h"

/* AUTO takes the exact method while its work, larger * smaller * 2^smaller, stays below this. */
#define AUTO_EXACT_WORK ((double)(1 << 22))

/* Belief propagation cannot tell an impossible problem: when some row must take a column (its
 * "none" is 0), ask the assignment solver whether those rows can all be matched. */
static int check_feasible(rf_assign_workspace *ws, const double *w, const double *w_none,
                          size_t rows, size_t cols) {
  size_t must = 0;
  for (size_t i = 0; i < rows; ++i) must += w_none[i] == 0.0;
  if (must == 0) return 0;
  if (must > cols)
    return rf__error(&ws->err, RF_EINFEASIBLE,
                     "%zu rows must take a column but "
                     "there are %zu columns",
                     must, cols);
  double *cost = rf__ws_get(ws, RF__WS_KBEST_DUALS, must * cols * sizeof(double));
  int32_t *match = rf__ws_get(ws, RF__WS_KBEST_SOLS, must * sizeof(int32_t));
  if (cost == NULL || match == NULL) return rf__error(&ws->err, RF_ENOMEM, "out of memory");
  size_t r = 0;
  for (size_t i = 0; i < rows; ++i) {
    if (w_none[i] != 0.0) continue;
    for (size_t j = 0; j < cols; ++j) cost[r * cols + j] = w[i * cols + j] > 0.0 ? 0.0 : INFINITY;
    ++r;
  }
  /* The workspace's matrix slot holds the scaled likelihoods: solve without it (the cost matrix
   * is wide or square, so rf_lsa reads it in place). */
  int rc = rf_lsa(ws, cost, must, cols, 0, match, NULL);
  if (rc == RF_EINFEASIBLE)
    return rf__error(&ws->err, rc, "no assignment has a non-zero likelihood");
  return rc;
}

/* Divides a row by its largest likelihood, top > 0. The reciprocal of a subnormal top is
 * beyond the double range, so such a row is divided entry by entry (exact ratios, at most 1). */
static void scale_row(double *w, double *w_none, const double *like, double like_none, size_t cols,
                      double top) {
  if (top < DBL_MIN) {
    *w_none = like_none / top;
    for (size_t j = 0; j < cols; ++j) w[j] = like[j] / top;
    return;
  }
  double inv = 1.0 / top;
  *w_none = like_none * inv;
  for (size_t j = 0; j < cols; ++j) w[j] = like[j] * inv;
}

static int solve(rf_assign_workspace *ws, const double *like, const double *like_none, size_t rows,
                 size_t cols, rf_marginals_method method, double *prob, double *prob_none) {
  rf__error_clear(&ws->err);
  if ((like == NULL && rows * cols != 0) ||
      (rows != 0 && (like_none == NULL || prob_none == NULL)) || (prob == NULL && rows * cols != 0))
    return rf__error(&ws->err, RF_EINVAL, "like, like_none, prob and prob_none are required");
  if (method != RF_MARGINALS_AUTO && method != RF_MARGINALS_EXACT && method != RF_MARGINALS_BP)
    return rf__error(&ws->err, RF_EINVAL, "unknown method %d", (int)method);
  if (cols != 0 && rows > SIZE_MAX / sizeof(double) / cols)
    return rf__error(&ws->err, RF_ELIMIT, "matrix of %zu x %zu is too large", rows, cols);
  double *w = rf__ws_get(ws, RF__WS_MATRIX, (rows * cols + rows) * sizeof(double));
  if (w == NULL) return rf__error(&ws->err, RF_ENOMEM, "out of memory");
  double *w_none = w + rows * cols;
  for (size_t i = 0; i < rows; ++i) {
    double top = like_none[i];
    if (!isfinite(top) || top < 0.0)
      return rf__error(&ws->err, RF_EINVAL, "like_none[%zu] is %g; likelihoods are finite and >= 0",
                       i, top);
    for (size_t j = 0; j < cols; ++j) {
      double x = like[i * cols + j];
      if (!isfinite(x) || x < 0.0)
        return rf__error(&ws->err, RF_EINVAL,
                         "like[%zu][%zu] is %g; likelihoods are finite and >= 0", i, j, x);
      if (x > top) top = x;
    }
    if (top == 0.0)
      return rf__error(&ws->err, RF_EINFEASIBLE, "row %zu has likelihood 0 for every option", i);
    scale_row(w + i * cols, w_none + i, like + i * cols, like_none[i], cols, top);
  }
  if (rows == 0) return 0;
  if (cols == 0) {
    for (size_t i = 0; i < rows; ++i) prob_none[i] = 1.0;
    return 0;
  }
  size_t small = rows < cols ? rows : cols, large = rows < cols ? cols : rows;
  int exact;
  if (method == RF_MARGINALS_EXACT) {
    if (small > RF__MARGINALS_EXACT_MAX)
      return rf__error(&ws->err, RF_ELIMIT,
                       "exact marginals take at most %d on the smaller side, "
                       "got %zu x %zu",
                       RF__MARGINALS_EXACT_MAX, rows, cols);
    exact = 1;
  } else if (method == RF_MARGINALS_BP) {
    exact = 0;
  } else {
    exact = small <= RF__MARGINALS_EXACT_MAX &&
            (double)large * (double)small * ldexp(1.0, (int)small) <= AUTO_EXACT_WORK;
  }
  int rc;
  if (!exact && (rc = check_feasible(ws, w, w_none, rows, cols)) != 0) return rc;
  rc = exact ? rf__marginals_exact(ws, w, w_none, rows, cols, prob, prob_none)
             : rf__marginals_bp(ws, w, w_none, rows, cols, prob, prob_none);
  if (rc == RF_EINFEASIBLE)
    return rf__error(&ws->err, rc, "no assignment has a non-zero likelihood");
  if (rc != 0) return rf__error(&ws->err, rc, "out of memory for %zu x %zu marginals", rows, cols);
  return 0;
}

int rf_marginals(rf_assign_workspace *ws, const double *like, const double *like_none, size_t rows,
                 size_t cols, rf_marginals_method method, double *prob, double *prob_none) {
  if (ws != NULL) return solve(ws, like, like_none, rows, cols, method, prob, prob_none);
  int rc = rf_assign_workspace_new(&ws, NULL);
  if (rc != 0) return rc;
  rc = solve(ws, like, like_none, rows, cols, method, prob, prob_none);
  rf_assign_workspace_free(ws);
  return rc;
}
