#include "problem.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "retailfuse/assign.h"
#include "retailfuse/status.h"

/* The largest magnitude of a finite entry: a second pass, only for costs near the limit. */
static double largest_finite(const double *cost, size_t total) {
  double top = 0.0;
  for (size_t k = 0; k < total; ++k) {
    double a = fabs(cost[k]);
    if (a < INFINITY && a > top) top = a;
  }
  return top;
}

/* Per entry, from its bits alone (shifts, masks and sums, which compilers vectorise where
 * comparisons of doubles they do not): 1 if it is NaN or the infinity of sign `wrong_sign`. */
static inline uint64_t bad_bits(uint64_t b, uint64_t wrong_sign) {
  uint64_t all_ones = (((b >> 52) & 0x7ff) + 1) >> 11; /* exponent 0x7ff: NaN or inf */
  uint64_t mantissa = (((b & 0xfffffffffffffull) + 0xfffffffffffffull) >> 52) & 1;
  return all_ones & (mantissa | ((b >> 63) ^ wrong_sign ^ 1));
}

int rf__problem_check(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols,
                      int maximize, double *scale) {
  const uint64_t wrong_sign = maximize ? 0 : 1; /* -inf is wrong when minimizing */
  const int32_t m = (int32_t)(rows > cols ? rows : cols);
  const double limit = rf__problem_limit(m);
  uint64_t limit_bits, big = 0;
  memcpy(&limit_bits, &limit, sizeof limit_bits);
  size_t total = rows * cols;
  /* Checked a block at a time without branches (the whole matrix is read, so this must be as
   * fast as reading it); only a block with a bad entry is searched for it. */
  for (size_t start = 0; start < total; start += 4096) {
    size_t end = start + 4096 < total ? start + 4096 : total;
    uint64_t bad = 0;
    for (size_t k = start; k < end; ++k) {
      uint64_t b;
      memcpy(&b, &cost[k], sizeof b);
      bad |= bad_bits(b, wrong_sign);
      big |= rf__big_bits(b, limit_bits);
    }
    if (!bad) continue;
    for (size_t k = start; k < end; ++k) {
      double x = cost[k];
      if (isnan(x) || x == (maximize ? INFINITY : -INFINITY))
        return rf__error(&ws->err, RF_EINVAL, "cost[%zu][%zu] is %s", k / cols, k % cols,
                         isnan(x) ? "NaN"
                         : x > 0  ? "+inf (forbidden pairs are -inf when maximizing)"
                                  : "-inf (forbidden pairs are +inf)");
    }
  }
  if (scale) *scale = big ? rf__problem_scale(largest_finite(cost, total), m) : 1.0;
  return 0;
}

double rf__problem_limit(int32_t m) {
  /* The solvers' quantities are sums of at most 2m + 2 entries with both signs (an augmenting
   * path's length, a dual price, a total): 16 (m + 4) leaves room for all with a margin. */
  return DBL_MAX / (16.0 * ((double)m + 4.0));
}

double rf__problem_scale(double amax, int32_t m) {
  const double limit = rf__problem_limit(m);
  if (amax <= limit) return 1.0;
  return ldexp(1.0, ilogb(limit) - ilogb(amax) - 1);
}

int rf__problem_init(rf__problem *p, rf_assign_workspace *ws, const double *cost, size_t rows,
                     size_t cols, unsigned flags, int32_t extra_rows, int copy) {
  memset(p, 0, sizeof *p);
  p->orig = cost;
  p->rows = rows;
  p->cols = cols;
  p->maximize = (flags & RF_LSA_MAXIMIZE) != 0;
  p->transposed = rows > cols;
  p->scale = 1.0;
  p->factor = p->maximize ? -1.0 : 1.0;
  if (rows > INT32_MAX || cols > INT32_MAX ||
      (cols != 0 && rows > SIZE_MAX / sizeof(double) / cols))
    return rf__error(&ws->err, RF_ELIMIT, "matrix of %zu x %zu is too large", rows, cols);
  p->n = (int32_t)(p->transposed ? cols : rows);
  p->m = (int32_t)(p->transposed ? rows : cols);
  int32_t n_all = p->n + extra_rows;
  if (!copy && extra_rows == 0 && p->transposed) {
    p->lazy = 1; /* checked by the lazy pass */
    return 0;
  }
  int rc = rf__problem_check(ws, cost, rows, cols, p->maximize, &p->scale);
  if (rc != 0) return rc;
  p->factor *= p->scale;
  if (!copy && extra_rows == 0 && p->factor == 1.0) {
    p->c = cost;
    return 0;
  }
  size_t m = (size_t)p->m;
  double *c = rf__ws_get(ws, RF__WS_MATRIX, (size_t)n_all * m * sizeof(double));
  if (c == NULL)
    return rf__error(&ws->err, RF_ENOMEM, "out of memory for a %d x %d copy", n_all, p->m);
  const double sign = p->factor;
  if (p->transposed) {
    /* Blocked so both matrices are walked in cache-sized tiles. */
    const size_t tile = 32;
    for (size_t i0 = 0; i0 < rows; i0 += tile)
      for (size_t j0 = 0; j0 < cols; j0 += tile)
        for (size_t i = i0; i < i0 + tile && i < rows; ++i)
          for (size_t j = j0; j < j0 + tile && j < cols; ++j)
            c[j * m + i] = sign * cost[i * cols + j];
  } else {
    for (size_t k = 0; k < rows * cols; ++k) c[k] = sign * cost[k];
  }
  memset(c + (size_t)p->n * m, 0, (size_t)extra_rows * m * sizeof(double));
  p->c = c;
  return 0;
}

double rf__problem_answer(const rf__problem *p, const int32_t *rowsol, int32_t *row_to_col) {
  /* Summed as the solver saw the entries (scaled, so no partial sum overflows) and scaled back
   * once: +-inf only when the total itself is beyond the double range. */
  double total = 0.0, f = p->scale;
  if (p->transposed) {
    for (size_t r = 0; r < p->rows; ++r) row_to_col[r] = RF_UNASSIGNED;
    for (int32_t i = 0; i < p->n; ++i) {
      int32_t r = rowsol[i];
      row_to_col[r] = i;
      total += f * p->orig[(size_t)r * p->cols + (size_t)i];
    }
  } else {
    for (int32_t i = 0; i < p->n; ++i) {
      row_to_col[i] = rowsol[i];
      total += f * p->orig[(size_t)i * p->cols + (size_t)rowsol[i]];
    }
  }
  return f == 1.0 ? total : total / f;
}
