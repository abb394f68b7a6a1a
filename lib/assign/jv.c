/* Jonker & Volgenant (1987), "A shortest augmenting path algorithm for dense and sparse linear
 * assignment problems": initialisation by column reduction, reduction transfer and augmenting
 * row reduction assigns most rows cheaply; the rest get shortest augmenting paths (Dijkstra on
 * reduced costs, scanning every column at the current minimum distance at once).
 *
 * Rectangular problems (n < m) skip the column reduction, whose prices would break the rule that
 * an unassigned column keeps price 0; augmenting row reduction and augmentation keep every price
 * <= 0 and leave unassigned columns at 0, so the result is optimal for the rectangular problem
 * too (as in Crouse, 2016). Forbidden (+inf) entries never become prices: a row whose second
 * best is infinite is left to the augmenting phase. */
#include "jv.h"

#include <math.h>
#include <string.h>

#include "retailfuse/status.h"

int rf__lap_lazy_init(rf__lap_lazy *lz, rf_assign_workspace *ws, const double *orig,
                      size_t orig_rows, size_t orig_cols, double sign, double limit) {
  size_t n = orig_cols, m = orig_rows;
  lz->orig = orig;
  lz->orig_cols = orig_cols;
  lz->sign = sign;
  lz->rows = rf__ws_get(ws, RF__WS_MATRIX, n * m * sizeof(double));
  lz->ready = rf__ws_get(ws, RF__WS_LAZY_READY, n);
  lz->min1 = rf__ws_get(ws, RF__WS_LAZY_MIN1, n * sizeof(double));
  lz->min2 = rf__ws_get(ws, RF__WS_LAZY_MIN2, n * sizeof(double));
  lz->arg1 = rf__ws_get(ws, RF__WS_LAZY_ARG1, n * sizeof(int32_t));
  lz->arg2 = rf__ws_get(ws, RF__WS_LAZY_ARG2, n * sizeof(int32_t));
  if (!lz->rows || !lz->ready || !lz->min1 || !lz->min2 || !lz->arg1 || !lz->arg2) return RF_ENOMEM;
  for (size_t i = 0; i < n; ++i) {
    lz->ready[i] = 0;
    lz->min1[i] = lz->min2[i] = INFINITY;
    lz->arg1[i] = lz->arg2[i] = -1;
  }
  /* The same choice, ties included, as a scan of the transposed row at zero prices. This pass
   * reads the whole matrix, so it also checks it, in one test of the bits: an entry whose
   * magnitude is beyond `limit` and that is not +inf (forbidden) is NaN, -inf or a cost too
   * large to take unscaled. The caller finds which. */
  double *min1 = lz->min1, *min2 = lz->min2;
  int32_t *arg1 = lz->arg1, *arg2 = lz->arg2;
  uint64_t limit_bits;
  memcpy(&limit_bits, &limit, sizeof limit_bits);
  for (size_t r = 0; r < m; ++r) {
    const double *line = orig + r * orig_cols;
    int odd = 0;
    for (size_t i = 0; i < n; ++i) {
      double h = sign * line[i];
      uint64_t bits;
      memcpy(&bits, &h, sizeof bits);
      odd |= ((bits & 0x7fffffffffffffffull) > limit_bits) & (bits != 0x7ff0000000000000ull);
      if (h < min2[i]) {
        if (h >= min1[i]) {
          min2[i] = h;
          arg2[i] = (int32_t)r;
        } else {
          min2[i] = min1[i];
          arg2[i] = arg1[i];
          min1[i] = h;
          arg1[i] = (int32_t)r;
        }
      }
    }
    if (odd) return RF__LAP_ODD;
  }
  return 0;
}

static const double *lazy_row(rf__lap_lazy *lz, int32_t i, int32_t m) {
  double *row = lz->rows + (size_t)i * (size_t)m;
  if (!lz->ready[i]) {
    const double *src = lz->orig + i;
    for (int32_t r = 0; r < m; ++r) row[r] = lz->sign * src[(size_t)r * lz->orig_cols];
    lz->ready[i] = 1;
  }
  return row;
}

static inline const double *row_of(rf__lap *p, int32_t i) {
  if (p->lazy != NULL) return lazy_row(p->lazy, i, p->m);
  return p->c + (size_t)i * (size_t)p->m;
}

int rf__lap_prepare(rf__lap *p, rf_assign_workspace *ws, const double *c, int32_t n, int32_t m) {
  size_t un = (size_t)n, um = (size_t)m;
  p->c = c;
  p->lazy = NULL;
  p->n = n;
  p->m = m;
  p->v = rf__ws_get(ws, RF__WS_V, um * sizeof(double));
  p->d = rf__ws_get(ws, RF__WS_D, um * sizeof(double));
  p->rowsol = rf__ws_get(ws, RF__WS_ROWSOL, un * sizeof(int32_t));
  p->colsol = rf__ws_get(ws, RF__WS_COLSOL, um * sizeof(int32_t));
  p->pred = rf__ws_get(ws, RF__WS_PRED, um * sizeof(int32_t));
  p->collist = rf__ws_get(ws, RF__WS_COLLIST, um * sizeof(int32_t));
  p->free_rows = rf__ws_get(ws, RF__WS_FREE, un * sizeof(int32_t));
  p->matches = rf__ws_get(ws, RF__WS_MATCHES, un * sizeof(int32_t));
  p->imin = rf__ws_get(ws, RF__WS_IMIN, um * sizeof(int32_t));
  if (!p->v || !p->d || !p->rowsol || !p->colsol || !p->pred || !p->collist || !p->free_rows ||
      !p->matches || !p->imin)
    return RF_ENOMEM;
  return 0;
}

/* Square only (so never lazy): every column's cheapest row gets it if that row has nothing cheaper;
 * then each row matched once passes its slack to its column's price. Returns the number of free
 * rows (listed in free_rows) or RF_EINFEASIBLE for a column with no finite entry. */
static int32_t column_reduction(rf__lap *p) {
  const int32_t n = p->n, m = p->m;
  double *v = p->v;
  int32_t *imin = p->imin;
  for (int32_t j = 0; j < m; ++j) {
    v[j] = INFINITY;
    imin[j] = -1;
  }
  /* Row by row so the matrix is read in memory order; strict < keeps the first minimum. */
  for (int32_t i = 0; i < n; ++i) {
    const double *row = p->c + (size_t)i * (size_t)m;
    for (int32_t j = 0; j < m; ++j) {
      if (row[j] < v[j]) {
        v[j] = row[j];
        imin[j] = i;
      }
    }
  }
  for (int32_t i = 0; i < n; ++i) p->matches[i] = 0;
  for (int32_t j = m - 1; j >= 0; --j) {
    int32_t i = imin[j];
    if (i < 0) return RF_EINFEASIBLE;
    if (++p->matches[i] == 1) {
      p->rowsol[i] = j;
      p->colsol[j] = i;
    } else if (v[j] < v[p->rowsol[i]]) {
      int32_t j1 = p->rowsol[i];
      p->rowsol[i] = j;
      p->colsol[j] = i;
      p->colsol[j1] = -1;
    } else {
      p->colsol[j] = -1;
    }
  }
  int32_t nfree = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (p->matches[i] == 0) {
      p->free_rows[nfree++] = i;
    } else if (p->matches[i] == 1) {
      /* Reduction transfer: lower the price by the row's slack to its second best column. */
      const double *row = p->c + (size_t)i * (size_t)m;
      int32_t j1 = p->rowsol[i];
      double slack = INFINITY;
      for (int32_t j = 0; j < m; ++j) {
        if (j == j1) continue;
        double h = row[j] - v[j];
        if (h < slack) slack = h;
      }
      if (slack < INFINITY) v[j1] -= slack;
    }
  }
  return nfree;
}

/* Bids made by augmenting row reduction, per row of the problem. On classes with many near ties
 * (points in the plane with squared distances) the bidding turns into a price war of tiny steps
 * that costs far more than the augmenting paths it saves; past this budget the remaining free
 * rows go to the augmenting phase. 4 bids a row was the fastest on scipy's benchmark families. */
#define ARR_BIDS_PER_ROW 4

/* Two passes of auction-like bidding: a free row takes its cheapest column, lowering that
 * column's price by its margin over the second cheapest, and the column's previous row becomes
 * free. Returns the number of rows still free, or RF_EINFEASIBLE for a row with no finite
 * entry. */
static int32_t augmenting_row_reduction(rf__lap *p, int32_t nfree) {
  const int32_t m = p->m;
  double *v = p->v;
  int32_t *free_rows = p->free_rows;
  int64_t bids_left = (int64_t)ARR_BIDS_PER_ROW * p->n;
  for (int pass = 0; pass < 2 && nfree > 0; ++pass) {
    int32_t k = 0, previous = nfree;
    nfree = 0;
    while (k < previous) {
      if (bids_left-- == 0) { /* out of budget: the rest are left to augmentation */
        while (k < previous) free_rows[nfree++] = free_rows[k++];
        return nfree;
      }
      int32_t i = free_rows[k++];
      double umin = INFINITY, usubmin = INFINITY;
      int32_t j1 = -1, j2 = -1;
      const rf__lap_lazy *lz = p->lazy;
      if (lz != NULL && lz->arg2[i] >= 0 && v[lz->arg1[i]] == 0.0 && v[lz->arg2[i]] == 0.0) {
        /* Prices only ever fall, so with both still at 0 nothing else can have got cheaper. */
        umin = lz->min1[i];
        usubmin = lz->min2[i];
        j1 = lz->arg1[i];
        j2 = lz->arg2[i];
      } else {
        const double *row = row_of(p, i);
        for (int32_t j = 0; j < m; ++j) {
          double h = row[j] - v[j];
          if (h < usubmin) {
            if (h >= umin) {
              usubmin = h;
              j2 = j;
            } else {
              usubmin = umin;
              umin = h;
              j2 = j1;
              j1 = j;
            }
          }
        }
      }
      if (j1 < 0) return RF_EINFEASIBLE;
      if (usubmin == INFINITY) { /* one finite choice: no finite price to bid; augment later */
        free_rows[nfree++] = i;
        continue;
      }
      int32_t i0 = p->colsol[j1];
      if (umin < usubmin) {
        v[j1] -= usubmin - umin;
      } else if (i0 >= 0) { /* a tie: take the second column instead of bumping */
        j1 = j2;
        i0 = p->colsol[j2];
      }
      p->rowsol[i] = j1;
      p->colsol[j1] = i;
      if (i0 >= 0) {
        p->rowsol[i0] = -1;
        if (umin < usubmin) free_rows[--k] = i0; /* bid again at once while the margin is fresh */
        else free_rows[nfree++] = i0;
      }
    }
  }
  return nfree;
}

int rf__lap_augment(rf__lap *p, int32_t f, const unsigned char *blocked) {
  const int32_t m = p->m;
  double *v = p->v, *d = p->d;
  int32_t *pred = p->pred, *collist = p->collist, *colsol = p->colsol, *rowsol = p->rowsol;
  const double *row = row_of(p, f);
  /* First the distances and their minimum alone, a loop the compiler can vectorise: when the
   * cheapest column is free (common with many ties, as in 0/1 matrices, or with more columns
   * than rows) the row takes it with no path to search and no price to move. */
  double nearest = INFINITY;
  for (int32_t j = 0; j < m; ++j) {
    double h = row[j] - v[j];
    d[j] = h;
    nearest = h < nearest ? h : nearest;
  }
  if (blocked) {
    nearest = INFINITY;
    for (int32_t j = 0; j < m; ++j) {
      if (blocked[j]) d[j] = INFINITY;
      nearest = d[j] < nearest ? d[j] : nearest;
    }
  }
  if (nearest == INFINITY) return RF_EINFEASIBLE;
  for (int32_t j = 0; j < m; ++j) {
    if (d[j] == nearest && colsol[j] < 0) {
      colsol[j] = f;
      rowsol[f] = j;
      return 0;
    }
  }
  int32_t count = 0;
  for (int32_t j = 0; j < m; ++j) {
    if (blocked && blocked[j]) continue;
    collist[count++] = j;
    pred[j] = f;
  }
  /* collist: [0, low) scanned, [low, up) at the current minimum, [up, count) still to do. */
  int32_t low = 0, up = 0, last = 0, end = -1;
  double min = 0.0;
  while (end < 0) {
    if (up == low) {
      last = low - 1;
      if (up >= count) return RF_EINFEASIBLE;
      min = d[collist[up++]];
      for (int32_t k = up; k < count; ++k) {
        int32_t j = collist[k];
        double h = d[j];
        if (h <= min) {
          if (h < min) {
            up = low;
            min = h;
          }
          collist[k] = collist[up];
          collist[up++] = j;
        }
      }
      if (min == INFINITY) return RF_EINFEASIBLE;
      for (int32_t k = low; k < up; ++k) {
        if (colsol[collist[k]] < 0) {
          end = collist[k];
          break;
        }
      }
      if (end >= 0) break;
    }
    int32_t j1 = collist[low++];
    int32_t i = colsol[j1];
    const double *ri = row_of(p, i);
    double h = ri[j1] - v[j1] - min;
    for (int32_t k = up; k < count; ++k) {
      int32_t j = collist[k];
      double v2 = ri[j] - v[j] - h;
      if (v2 < d[j]) {
        pred[j] = i;
        if (v2 == min) {
          if (colsol[j] < 0) {
            end = j;
            break;
          }
          collist[k] = collist[up];
          collist[up++] = j;
        }
        d[j] = v2;
      }
    }
  }
  /* Columns scanned before the last minimum was found move their prices by their distance. */
  for (int32_t k = 0; k <= last; ++k) {
    int32_t j = collist[k];
    v[j] += d[j] - min;
  }
  int32_t i;
  do {
    i = pred[end];
    colsol[end] = i;
    int32_t next = rowsol[i];
    rowsol[i] = end;
    end = next;
  } while (i != f);
  return 0;
}

int rf__lap_solve(rf__lap *p) {
  const int32_t n = p->n, m = p->m;
  for (int32_t i = 0; i < n; ++i) p->rowsol[i] = -1;
  for (int32_t j = 0; j < m; ++j) {
    p->colsol[j] = -1;
    p->v[j] = 0.0;
  }
  int32_t nfree;
  if (n == m) {
    nfree = column_reduction(p);
  } else {
    nfree = n;
    for (int32_t i = 0; i < n; ++i) p->free_rows[i] = i;
  }
  if (nfree < 0) return nfree;
  nfree = augmenting_row_reduction(p, nfree);
  if (nfree < 0) return nfree;
  for (int32_t k = 0; k < nfree; ++k) {
    int rc = rf__lap_augment(p, p->free_rows[k], NULL);
    if (rc != 0) return rc;
  }
  return 0;
}
