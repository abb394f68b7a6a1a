/* Cholesky factor, solves and inverse in plain C (spd.h): the column-oriented loops of the
 * textbook (Golub & Van Loan, Algorithm 4.2.1), which on the calibration's small blocks cost
 * less than a library call's setup. */
#include <math.h>
#include <string.h>

#include "spd.h"

static int plain_factor(double *a, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    double *cj = a + j * n;
    for (size_t k = 0; k < j; ++k) {
      const double *ck = a + k * n;
      const double ljk = ck[j];
      for (size_t i = j; i < n; ++i) cj[i] -= ljk * ck[i];
    }
    if (!(cj[j] > 0) || !isfinite(cj[j])) return -1;
    const double d = sqrt(cj[j]);
    for (size_t i = j; i < n; ++i) cj[i] /= d;
  }
  return 0;
}

static void plain_solve(const double *l, size_t n, double *b) {
  for (size_t j = 0; j < n; ++j) { /* L y = b */
    const double *cj = l + j * n;
    b[j] /= cj[j];
    for (size_t i = j + 1; i < n; ++i) b[i] -= cj[i] * b[j];
  }
  for (size_t j = n; j-- > 0;) { /* L^T x = y: row j of L^T is column j of L */
    const double *cj = l + j * n;
    double s = b[j];
    for (size_t i = j + 1; i < n; ++i) s -= cj[i] * b[i];
    b[j] = s / cj[j];
  }
}

/* (L L^T)^-1 = L^-T L^-1, as LAPACK's dpotri makes it: first M = L^-1 (lower triangular, in out's
 * lower triangle, column by column), then P = M^T M — P(i, j) for i >= j is the sum over k >= i of
 * M(k, i) M(k, j), written to out's upper triangle at (j, i) (M leaves it zero), columns j in
 * order: what an entry needs of M is below the diagonal of columns j and i >= j, or M(i, i) of a
 * column not yet begun, and column j's diagonal is overwritten only as the column begins, when
 * nothing left needs it. Then mirrored. About 2n^3/3 flops, a third of a solve per column. */
static void plain_inverse(const double *l, size_t n, double *out) {
  memset(out, 0, n * n * sizeof *out);
  for (size_t j = 0; j < n; ++j) {
    out[j * n + j] = 1.0 / l[j * n + j];
    for (size_t i = j + 1; i < n; ++i) {
      double s = 0.0;
      for (size_t k = j; k < i; ++k) s += l[k * n + i] * out[j * n + k];
      out[j * n + i] = -s / l[i * n + i];
    }
  }
  for (size_t j = 0; j < n; ++j)
    for (size_t i = j; i < n; ++i) {
      double s = 0.0;
      for (size_t k = i; k < n; ++k) s += out[i * n + k] * out[j * n + k];
      out[i * n + j] = s; /* upper triangle, (j, i): M's upper triangle is zero, free to use */
    }
  for (size_t j = 0; j < n; ++j)
    for (size_t i = j; i < n; ++i) out[j * n + i] = out[i * n + j];
}

const rf__spd_ops rf__spd_plain_ops = {plain_factor, plain_solve, plain_inverse};
