/* Cholesky factor and triangular solves in plain C (spd.h): the column-oriented loops of the
 * textbook (Golub & Van Loan, Algorithm 4.2.1), which on the calibration's small blocks cost
 * less than a library call's setup. */
#include <math.h>

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

static void plain_lower(const double *l, size_t n, double *b) {
  for (size_t j = 0; j < n; ++j) {
    const double *cj = l + j * n;
    b[j] /= cj[j];
    for (size_t i = j + 1; i < n; ++i) b[i] -= cj[i] * b[j];
  }
}

static void plain_solve(const double *l, size_t n, double *b) {
  plain_lower(l, n, b);
  for (size_t j = n; j-- > 0;) { /* L^T x = y: row j of L^T is column j of L */
    const double *cj = l + j * n;
    double s = b[j];
    for (size_t i = j + 1; i < n; ++i) s -= cj[i] * b[i];
    b[j] = s / cj[j];
  }
}

void rf__spd_update(double *l, size_t n, double *x) {
  for (size_t k = 0; k < n; ++k) {
    if (x[k] == 0.0) continue; /* a rotation by 0: nothing moves */
    double *ck = l + k * n;
    const double r = hypot(ck[k], x[k]), c = r / ck[k], s = x[k] / ck[k];
    ck[k] = r;
    for (size_t i = k + 1; i < n; ++i) {
      ck[i] = (ck[i] + s * x[i]) / c;
      x[i] = c * x[i] - s * ck[i];
    }
  }
}

const rf__spd_ops rf__spd_plain_ops = {plain_factor, plain_solve, plain_lower};
