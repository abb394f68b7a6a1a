/* Exact marginals by dynamic programming over subsets of the smaller side.
 *
 * With columns as the subset side (m <= n), rows are taken in order: F[i][S] is the weight of all
 * ways rows 0..i-1 can use exactly the columns S, and B[i][S] the weight of all ways rows i..n-1
 * can be assigned avoiding S. Then P(i takes j) = sum over S without j of
 * F[i][S] w[i][j] B[i+1][S + j] / Z. F is kept whole, B only for the current row. When rows are
 * the smaller side the same is done over columns with subsets of rows. Cost is
 * O(larger * smaller * 2^smaller).
 *
 * Each layer is divided by its largest value, but the values within a layer can still span more
 * than a double holds (likelihoods of 1e-200 that the problem forces together). The passes track
 * each layer's smallest non-zero value and each row's smallest weight, and give up before a
 * product could leave the normal range; the problem is then solved again with every sum in
 * logarithms, slower but without limit. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "marginals.h"
#include "retailfuse/status.h"

/* Returned by the linear passes when a product could leave the normal range. */
#define OUT_OF_RANGE 1
/* The smallest product the linear passes allow: normal, with room for rounding. */
#define SAFE 0x1p-1000
/* The largest scale factor the row-subset pass applies to a layer. */
#define BIG 0x1p200

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
 * returns the log of what was divided out, or -INFINITY for an all-zero layer. *low receives
 * the smallest non-zero value left. */
static double rescale(double *layer, size_t states, double *low) {
  double top = 0.0, least = INFINITY;
  for (size_t S = 0; S < states; ++S) {
    double x = layer[S], y = x > 0.0 ? x : INFINITY; /* selects: zeros are common, at random */
    top = x > top ? x : top;
    least = y < least ? y : least;
  }
  if (!(top > 0.0)) return -INFINITY;
  double inv = 1.0 / top;
  for (size_t S = 0; S < states; ++S) layer[S] *= inv;
  *low = least * inv;
  return log(top);
}

/* The smallest non-zero of count values `stride` apart and `first` (1 if all are 0). */
static double least_positive(const double *x, size_t count, size_t stride, double first) {
  double least = first > 0.0 ? first : 1.0;
  for (size_t k = 0; k < count; ++k) {
    double v = x[k * stride];
    least = v > 0.0 && v < least ? v : least;
  }
  return least;
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
  double *low = rf__ws_get(ws, RF__WS_MARG_D, (n + 1) * sizeof(double));
  if (F == NULL || B == NULL || low == NULL) return RF_ENOMEM;
  memset(F, 0, states * sizeof(double));
  F[0] = low[0] = 1.0;
  for (size_t i = 0; i < n; ++i) {
    const double *f = F + i * states, *wi = w + i * m;
    double *g = F + (i + 1) * states;
    if (low[i] * least_positive(wi, m, 1, w_none[i]) < SAFE) return OUT_OF_RANGE;
    for (size_t S = 0; S < states; ++S) {
      double acc = f[S] * w_none[i];
      for (size_t rest = S; rest; rest &= rest - 1) {
        size_t j = lowest_bit(rest);
        acc += f[S ^ ((size_t)1 << j)] * wi[j];
      }
      g[S] = acc;
    }
    if (rescale(g, states, &low[i + 1]) == -INFINITY) return RF_EINFEASIBLE;
  }
  /* Row i's marginals use only F[i] and B[i + 1], so each layer may carry its own scale: the
   * row's normalisation removes it. */
  double *next = B, *cur = B + states, next_low = 1.0;
  for (size_t S = 0; S < states; ++S) next[S] = 1.0;
  for (size_t i = n; i-- > 0;) {
    const double *f = F + i * states, *wi = w + i * m;
    double *pi = prob + i * m;
    double p_none = 0.0;
    if (low[i] * least_positive(wi, m, 1, w_none[i]) * next_low < SAFE) return OUT_OF_RANGE;
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
    if (rescale(cur, states, &next_low) == -INFINITY) return RF_EINFEASIBLE;
    double *swap = next;
    next = cur;
    cur = swap;
  }
  if (!(next[0] > 0.0)) return RF_EINFEASIBLE;
  normalise_rows(prob, prob_none, n, m);
  return 0;
}

/* Subsets of rows; columns in order. Layer j of G is the weight of columns 0..j-1 taking exactly
 * the rows S; each is rescaled and its log scale kept in log_scale[j]. */
static int rows_forward(const double *w, size_t n, size_t m, double *G, double *log_scale,
                        double *low) {
  const size_t states = (size_t)1 << n;
  memset(G, 0, states * sizeof(double));
  G[0] = low[0] = 1.0;
  log_scale[0] = 0.0;
  for (size_t j = 0; j < m; ++j) {
    const double *g = G + j * states;
    double *h = G + (j + 1) * states;
    if (low[j] * least_positive(w + j, n, m, 0.0) < SAFE) return OUT_OF_RANGE;
    for (size_t S = 0; S < states; ++S) {
      double acc = g[S];
      for (size_t rest = S; rest; rest &= rest - 1) {
        size_t i = lowest_bit(rest);
        acc += g[S ^ ((size_t)1 << i)] * w[i * m + j];
      }
      h[S] = acc;
    }
    log_scale[j + 1] = log_scale[j] + rescale(h, states, &low[j + 1]); /* G[0] = 1: non-zero */
  }
  return 0;
}

/* At the end, rows outside S take none: H[m][S] = the product of w_none over rows not in S,
 * rescaled. Returns its log scale, or -INFINITY (*rc says why). */
static double rows_last(const double *w_none, size_t n, double *next, double *next_low, int *rc) {
  const size_t states = (size_t)1 << n;
  double least = 1.0;
  for (size_t i = 0; i < n; ++i)
    if (w_none[i] > 0.0) least *= w_none[i];
  *rc = OUT_OF_RANGE;
  if (least < SAFE) return -INFINITY;
  for (size_t S = 0; S < states; ++S) {
    double p = 1.0;
    for (size_t i = 0; i < n; ++i)
      if (!(S >> i & 1)) p *= w_none[i];
    next[S] = p;
  }
  *rc = RF_EINFEASIBLE;
  return rescale(next, states, next_low);
}

/* Each column's contributions are scaled to the final layer's reference by `factor`; a factor
 * or a product out of range sends the problem to the logarithms. */
static int over_rows(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                     size_t m, double *prob, double *prob_none) {
  const size_t states = (size_t)1 << n;
  double *G = rf__ws_get(ws, RF__WS_MARG_A, (m + 1) * states * sizeof(double));
  double *H = rf__ws_get(ws, RF__WS_MARG_B, 2 * states * sizeof(double));
  double *log_scale = rf__ws_get(ws, RF__WS_MARG_C, (m + 1) * sizeof(double));
  double *low = rf__ws_get(ws, RF__WS_MARG_D, (m + 1) * sizeof(double));
  if (G == NULL || H == NULL || log_scale == NULL || low == NULL) return RF_ENOMEM;
  int rc = rows_forward(w, n, m, G, log_scale, low);
  if (rc != 0) return rc;
  double *next = H, *cur = H + states, next_low = 1.0;
  double h_scale = rows_last(w_none, n, next, &next_low, &rc);
  if (h_scale == -INFINITY) return rc;
  const double reference = log_scale[m] + h_scale;
  memset(prob, 0, n * m * sizeof(double));
  memset(prob_none, 0, n * sizeof(double));
  const double *gm = G + m * states;
  if (low[m] * next_low < SAFE) return OUT_OF_RANGE;
  for (size_t S = 0; S < states; ++S) {
    double t = gm[S] * next[S];
    if (t == 0.0) continue;
    for (size_t i = 0; i < n; ++i)
      if (!(S >> i & 1)) prob_none[i] += t;
  }
  for (size_t j = m; j-- > 0;) {
    const double *g = G + j * states;
    const double factor = exp(log_scale[j] + h_scale - reference);
    if (factor > BIG || low[j] * factor * least_positive(w + j, n, m, 0.0) * next_low < SAFE)
      return OUT_OF_RANGE;
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
    double step = rescale(cur, states, &next_low);
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

/* ---- the same sums in logarithms ---- */

/* Items taken in order ("seq"), each choosing one element of the subset side ("sub") or none
 * (weight skip[i], 1 when skip is NULL); an element no item chose weighs unused[e] (1 when NULL).
 * Weights w(i, e) = w[i * w_seq + e * w_sub]; P(i takes e) goes to prob[i * p_seq + e * p_sub],
 * P(i takes none) to skip_prob[i] and P(e unused) to unused_prob[e] (each when not NULL). */
typedef struct log_problem {
  size_t seq, sub;
  const double *w;
  size_t w_seq, w_sub, p_seq, p_sub;
  const double *skip, *unused;
  double *prob, *skip_prob, *unused_prob;
} log_problem;

/* A running log-sum-exp: mx + log(sum). */
typedef struct lse {
  double mx, sum;
} lse;

static void lse_add(lse *a, double t) {
  if (t == -INFINITY) return;
  if (t > a->mx) {
    a->sum = a->sum * exp(a->mx - t) + 1.0;
    a->mx = t;
  } else {
    a->sum += exp(t - a->mx);
  }
}

static double lse_value(const lse *a) { return a->sum > 0.0 ? a->mx + log(a->sum) : -INFINITY; }

static double log_of(const double *x, size_t k) { return x == NULL ? 0.0 : log(x[k]); }

static double lw_of(const log_problem *q, size_t i, size_t e) {
  return log(q->w[i * q->w_seq + e * q->w_sub]);
}

/* F[i][S]: log weight of items 0..i-1 using exactly S. */
static void log_forward(const log_problem *q, double *F) {
  const size_t states = (size_t)1 << q->sub;
  for (size_t S = 0; S < states; ++S) F[S] = -INFINITY;
  F[0] = 0.0;
  for (size_t i = 0; i < q->seq; ++i) {
    const double *f = F + i * states, skip = log_of(q->skip, i);
    double *g = F + (i + 1) * states;
    for (size_t S = 0; S < states; ++S) {
      lse acc = {-INFINITY, 0.0};
      lse_add(&acc, f[S] + skip);
      for (size_t rest = S; rest; rest &= rest - 1) {
        size_t e = lowest_bit(rest);
        lse_add(&acc, f[S ^ ((size_t)1 << e)] + lw_of(q, i, e));
      }
      g[S] = lse_value(&acc);
    }
  }
}

/* The end layer (elements outside S unused) and, from it, log Z and P(e unused). */
static double log_last(const log_problem *q, const double *F, double *next, lse *acc) {
  const size_t states = (size_t)1 << q->sub;
  const double *fn = F + q->seq * states;
  lse z = {-INFINITY, 0.0};
  for (size_t e = 0; e < q->sub; ++e) acc[e] = z;
  for (size_t S = 0; S < states; ++S) {
    double b = 0.0;
    for (size_t e = 0; e < q->sub; ++e)
      if (!(S >> e & 1)) b += log_of(q->unused, e);
    next[S] = b;
    lse_add(&z, fn[S] + b);
    for (size_t e = 0; e < q->sub; ++e)
      if (!(S >> e & 1)) lse_add(&acc[e], fn[S] + b);
  }
  double log_z = lse_value(&z);
  for (size_t e = 0; q->unused_prob != NULL && e < q->sub; ++e)
    q->unused_prob[e] = exp(lse_value(&acc[e]) - log_z);
  return log_z;
}

/* Item i's marginals from F[i] and the layer after it (next); writes the layer before (cur). */
static void log_item(const log_problem *q, size_t i, const double *f, const double *next,
                     double *cur, lse *acc, double log_z) {
  const size_t states = (size_t)1 << q->sub;
  const double skip = log_of(q->skip, i);
  for (size_t e = 0; e <= q->sub; ++e) acc[e] = (lse){-INFINITY, 0.0};
  for (size_t S = 0; S < states; ++S) {
    lse b = {-INFINITY, 0.0};
    lse_add(&b, skip + next[S]);
    lse_add(&acc[q->sub], f[S] + skip + next[S]);
    for (size_t rest = (states - 1) & ~S; rest; rest &= rest - 1) {
      size_t e = lowest_bit(rest);
      double t = lw_of(q, i, e) + next[S | ((size_t)1 << e)];
      lse_add(&b, t);
      lse_add(&acc[e], f[S] + t);
    }
    cur[S] = lse_value(&b);
  }
  for (size_t e = 0; e < q->sub; ++e)
    q->prob[i * q->p_seq + e * q->p_sub] = exp(lse_value(&acc[e]) - log_z);
  if (q->skip_prob != NULL) q->skip_prob[i] = exp(lse_value(&acc[q->sub]) - log_z);
}

static int log_marginals(rf_assign_workspace *ws, const log_problem *q) {
  const size_t states = (size_t)1 << q->sub;
  double *F = rf__ws_get(ws, RF__WS_MARG_A, (q->seq + 1) * states * sizeof(double));
  double *B = rf__ws_get(ws, RF__WS_MARG_B, 2 * states * sizeof(double));
  lse *acc = rf__ws_get(ws, RF__WS_MARG_C, (q->sub + 1) * sizeof(lse));
  if (F == NULL || B == NULL || acc == NULL) return RF_ENOMEM;
  log_forward(q, F);
  double *next = B, *cur = B + states;
  double log_z = log_last(q, F, next, acc);
  if (log_z == -INFINITY) return RF_EINFEASIBLE;
  for (size_t i = q->seq; i-- > 0;) {
    log_item(q, i, F + i * states, next, cur, acc, log_z);
    double *swap = next;
    next = cur;
    cur = swap;
  }
  return 0;
}

int rf__marginals_exact(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                        size_t m, double *prob, double *prob_none) {
  int rc = m <= n ? over_columns(ws, w, w_none, n, m, prob, prob_none)
                  : over_rows(ws, w, w_none, n, m, prob, prob_none);
  if (rc != OUT_OF_RANGE) return rc;
  /* Rows in order over subsets of columns, or columns in order over subsets of rows (a column
   * may go untaken; a row left out takes none). */
  log_problem q;
  if (m <= n) q = (log_problem){n, m, w, m, 1, m, 1, w_none, NULL, prob, prob_none, NULL};
  else q = (log_problem){m, n, w, 1, m, 1, m, NULL, w_none, prob, NULL, prob_none};
  if ((rc = log_marginals(ws, &q)) != 0) return rc;
  normalise_rows(prob, prob_none, n, m);
  return 0;
}
