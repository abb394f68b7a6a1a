/* Exact marginals by dynamic programming over subsets of the smaller side.
 *
 * With columns as the subset side (m <= n), rows are taken in order: F[i][S] is the weight of all
 * ways rows 0..i-1 can use exactly the columns S, and B[i][S] the weight of all ways rows i..n-1
 * can be assigned avoiding S. Then P(i takes j) = sum over S without j of
 * F[i][S] w[i][j] B[i+1][S + j] / Z. F is kept whole, B only for the current row. When rows are
 * the smaller side the same is done over columns with subsets of rows. Cost is
 * O(larger * smaller * 2^smaller). */
#include <math.h>
#include <string.h>

#include "marginals.h"
#include "retailfuse/status.h"

/* The index of the lowest set bit of x (x != 0). */
static inline size_t lowest_bit(size_t x) {
#if defined(__GNUC__)
  return (size_t)__builtin_ctzll((unsigned long long)x);
#else
  size_t i = 0;
  while (!(x & 1)) x >>= 1, ++i;
  return i;
#endif
}

/* Divides a layer by its largest value, so long products neither underflow nor overflow;
 * returns the log of what was divided out, or -INFINITY for an all-zero layer. */
static double rescale(double *layer, size_t states) {
  double top = 0.0;
  for (size_t S = 0; S < states; ++S)
    if (layer[S] > top) top = layer[S];
  if (!(top > 0.0)) return -INFINITY;
  double inv = 1.0 / top;
  for (size_t S = 0; S < states; ++S) layer[S] *= inv;
  return log(top);
}

static void normalise_rows(double *prob, double *prob_none, size_t n, size_t m) {
  for (size_t i = 0; i < n; ++i) {
    double sum = prob_none[i];
    for (size_t j = 0; j < m; ++j) sum += prob[i * m + j];
    double inv = sum > 0 ? 1.0 / sum : 0.0;
    prob_none[i] *= inv;
    for (size_t j = 0; j < m; ++j) prob[i * m + j] *= inv;
  }
}

/* Subsets of columns; rows in order. */
static int over_columns(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                        size_t m, double *prob, double *prob_none) {
  const size_t states = (size_t)1 << m;
  double *F = rf__ws_get(ws, RF__WS_MARG_A, (n + 1) * states * sizeof(double));
  double *B = rf__ws_get(ws, RF__WS_MARG_B, 2 * states * sizeof(double));
  if (F == NULL || B == NULL) return RF_ENOMEM;
  memset(F, 0, states * sizeof(double));
  F[0] = 1.0;
  for (size_t i = 0; i < n; ++i) {
    const double *f = F + i * states, *wi = w + i * m;
    double *g = F + (i + 1) * states;
    for (size_t S = 0; S < states; ++S) {
      double acc = f[S] * w_none[i];
      for (size_t rest = S; rest; rest &= rest - 1) {
        size_t j = lowest_bit(rest);
        acc += f[S ^ ((size_t)1 << j)] * wi[j];
      }
      g[S] = acc;
    }
    if (rescale(g, states) == -INFINITY) return RF_EINFEASIBLE;
  }
  /* Row i's marginals use only F[i] and B[i + 1], so each layer may carry its own scale: the
   * row's normalisation removes it. */
  double *next = B, *cur = B + states;
  for (size_t S = 0; S < states; ++S) next[S] = 1.0;
  for (size_t i = n; i-- > 0;) {
    const double *f = F + i * states, *wi = w + i * m;
    double *pi = prob + i * m;
    double p_none = 0.0;
    memset(pi, 0, m * sizeof(double));
    for (size_t S = 0; S < states; ++S) {
      double fs = f[S];
      double acc = w_none[i] * next[S];
      if (fs != 0.0) p_none += fs * w_none[i] * next[S];
      for (size_t free_cols = (states - 1) & ~S; free_cols; free_cols &= free_cols - 1) {
        size_t j = lowest_bit(free_cols);
        double t = wi[j] * next[S | ((size_t)1 << j)];
        acc += t;
        if (fs != 0.0) pi[j] += fs * t;
      }
      cur[S] = acc;
    }
    prob_none[i] = p_none;
    if (rescale(cur, states) == -INFINITY) return RF_EINFEASIBLE;
    double *swap = next;
    next = cur;
    cur = swap;
  }
  if (!(next[0] > 0.0)) return RF_EINFEASIBLE;
  normalise_rows(prob, prob_none, n, m);
  return 0;
}

/* Subsets of rows; columns in order. */
/* Subsets of rows; columns in order. Each layer is rescaled and its log scale kept: unlike the
 * row-wise form, a row's marginals here come from every column's layers, so the scales must be
 * put back (relative to the final layer's) before the row is normalised. */
static int over_rows(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                     size_t m, double *prob, double *prob_none) {
  const size_t states = (size_t)1 << n;
  double *G = rf__ws_get(ws, RF__WS_MARG_A, (m + 1) * states * sizeof(double));
  double *H = rf__ws_get(ws, RF__WS_MARG_B, 2 * states * sizeof(double));
  double *log_scale = rf__ws_get(ws, RF__WS_MARG_C, (m + 1) * sizeof(double));
  if (G == NULL || H == NULL || log_scale == NULL) return RF_ENOMEM;
  memset(G, 0, states * sizeof(double));
  G[0] = 1.0;
  log_scale[0] = 0.0;
  for (size_t j = 0; j < m; ++j) {
    const double *g = G + j * states;
    double *h = G + (j + 1) * states;
    for (size_t S = 0; S < states; ++S) {
      double acc = g[S];
      for (size_t rest = S; rest; rest &= rest - 1) {
        size_t i = lowest_bit(rest);
        acc += g[S ^ ((size_t)1 << i)] * w[i * m + j];
      }
      h[S] = acc;
    }
    log_scale[j + 1] = log_scale[j] + rescale(h, states); /* G[0] = 1 keeps layers non-zero */
  }
  /* At the end, rows outside S take none: H[m][S] = product of w_none over rows not in S. */
  double *next = H, *cur = H + states;
  for (size_t S = 0; S < states; ++S) {
    double p = 1.0;
    for (size_t i = 0; i < n; ++i)
      if (!(S >> i & 1)) p *= w_none[i];
    next[S] = p;
  }
  double h_scale = rescale(next, states);
  if (h_scale == -INFINITY) return RF_EINFEASIBLE;
  const double reference = log_scale[m] + h_scale;
  memset(prob, 0, n * m * sizeof(double));
  memset(prob_none, 0, n * sizeof(double));
  const double *gm = G + m * states;
  for (size_t S = 0; S < states; ++S) {
    double t = gm[S] * next[S];
    if (t == 0.0) continue;
    for (size_t i = 0; i < n; ++i)
      if (!(S >> i & 1)) prob_none[i] += t;
  }
  for (size_t j = m; j-- > 0;) {
    const double *g = G + j * states;
    const double factor = exp(log_scale[j] + h_scale - reference);
    for (size_t S = 0; S < states; ++S) {
      double gs = g[S] * factor;
      double acc = next[S];
      for (size_t free_rows = (states - 1) & ~S; free_rows; free_rows &= free_rows - 1) {
        size_t i = lowest_bit(free_rows);
        double t = w[i * m + j] * next[S | ((size_t)1 << i)];
        acc += t;
        if (gs != 0.0) prob[i * m + j] += gs * t;
      }
      cur[S] = acc;
    }
    double step = rescale(cur, states);
    if (step == -INFINITY) return RF_EINFEASIBLE;
    h_scale += step;
    double *swap = next;
    next = cur;
    cur = swap;
  }
  if (!(next[0] > 0.0)) return RF_EINFEASIBLE;
  normalise_rows(prob, prob_none, n, m);
  return 0;
}

int rf__marginals_exact(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                        size_t m, double *prob, double *prob_none) {
  if (m <= n) return over_columns(ws, w, w_none, n, m, prob, prob_none);
  return over_rows(ws, w, w_none, n, m, prob, prob_none);
}
