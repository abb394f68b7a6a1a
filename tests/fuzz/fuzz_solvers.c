/* Fuzz target: the assignment solvers against brute force on matrices up to 5 x 5.
 *
 * Entries are hundredths in [-327.68, 327.67] or forbidden, so every total is exact to well
 * under 1e-9 and ties are real ties: rf_lsa must find the optimum (or RF_EINFEASIBLE exactly
 * when no finite matching exists), rf_kbest the k best totals in order, each solution a valid,
 * distinct matching with the total it claims. Likelihoods for rf_marginals are 0 or in
 * [1e-3, 63.5] (no underflow: subnormal scaling is a known finding); exact marginals must match
 * the enumeration within 1e-9, belief propagation must give rows of probabilities summing to 1
 * (it is approximate, so no closer comparison is made). */
#include <math.h>
#include <string.h>

#include "fuzz_common.h"
#include "retailfuse/assign.h"
#include "retailfuse/status.h"

enum { MAX_N = 5, MAX_K = 130 };

typedef struct problem {
  size_t rows, cols;
  unsigned flags;
  double m[MAX_N * MAX_N];
} problem;

/* Every matching of the smaller side: calls visit(total, row_to_col) with the finite ones. */
typedef struct enumeration {
  const problem *p;
  int32_t cur[MAX_N];
  int used[MAX_N];
  double totals[MAX_K];
  size_t count;
} enumeration;

static void enumerate(enumeration *e, size_t row, double total) {
  const problem *p = e->p;
  if (row == p->rows) {
    size_t used = 0;
    for (size_t c = 0; c < p->cols; ++c) used += e->used[c];
    if (isfinite(total) && used == (p->rows < p->cols ? p->rows : p->cols))
      e->totals[e->count++] = total;
    return;
  }
  int must = p->rows <= p->cols; /* the smaller side is matched whole */
  if (!must) {
    /* rows > cols: a row may go without, as long as every column is still used */
    size_t free_cols = 0, rows_left = p->rows - row - 1;
    for (size_t c = 0; c < p->cols; ++c) free_cols += !e->used[c];
    if (free_cols <= rows_left) {
      e->cur[row] = RF_UNASSIGNED;
      enumerate(e, row + 1, total);
    }
  }
  for (size_t c = 0; c < p->cols; ++c) {
    if (e->used[c]) continue;
    e->used[c] = 1;
    e->cur[row] = (int32_t)c;
    enumerate(e, row + 1, total + p->m[row * p->cols + c]);
    e->used[c] = 0;
  }
}

static int better(const problem *p, double a, double b) {
  return p->flags & RF_LSA_MAXIMIZE ? a > b : a < b;
}

/* Sorts the brute-force totals best first (insertion sort: at most 120). */
static void sort_totals(const problem *p, double *t, size_t n) {
  for (size_t i = 1; i < n; ++i)
    for (size_t j = i; j > 0 && better(p, t[j], t[j - 1]); --j) {
      double x = t[j];
      t[j] = t[j - 1];
      t[j - 1] = x;
    }
}

/* A solution: each row's column in range and used once, the smaller side matched whole, and
 * its entries summing to *total (returned). */
static double check_matching(const problem *p, const int32_t *row_to_col) {
  int used[MAX_N] = {0};
  size_t matched = 0;
  double total = 0;
  for (size_t r = 0; r < p->rows; ++r) {
    int32_t c = row_to_col[r];
    if (c == RF_UNASSIGNED) continue;
    if (c < 0 || (size_t)c >= p->cols || used[c]++) fuzz_die("row %zu: column %d", r, (int)c);
    total += p->m[r * p->cols + (size_t)c];
    matched++;
  }
  if (matched != (p->rows < p->cols ? p->rows : p->cols)) fuzz_die("%zu matched", matched);
  if (!isfinite(total)) fuzz_die("a forbidden pair chosen");
  return total;
}

static const double tol = 1e-9;

static void check_lsa(rf_assign_workspace *ws, const problem *p, const enumeration *e) {
  int32_t row_to_col[MAX_N];
  double total;
  int rc = rf_lsa(ws, p->m, p->rows, p->cols, p->flags, row_to_col, &total);
  if (e->count == 0) {
    if (rc != RF_EINFEASIBLE) fuzz_die("lsa: %d for a problem with no finite matching", rc);
    return;
  }
  if (rc != 0) fuzz_die("lsa: %d: %s", rc, rf_assign_errmsg(ws));
  double sum = check_matching(p, row_to_col);
  if (fabs(sum - total) > tol || fabs(total - e->totals[0]) > tol)
    fuzz_die("lsa: total %.17g, entries %.17g, best %.17g", total, sum, e->totals[0]);
}

static void check_kbest(rf_assign_workspace *ws, const problem *p, const enumeration *e, size_t k) {
  int32_t row_to_col[MAX_K * MAX_N];
  double totals[MAX_K];
  size_t found = 0;
  int rc = rf_kbest(ws, p->m, p->rows, p->cols, p->flags, k, row_to_col, totals, &found);
  if (e->count == 0 && (rc == RF_EINFEASIBLE || (rc == 0 && found == 0))) return;
  if (rc != 0) fuzz_die("kbest: %d: %s", rc, rf_assign_errmsg(ws));
  size_t want = k < e->count ? k : e->count;
  if (found != want) fuzz_die("kbest: %zu found of %zu wanted (%zu exist)", found, want, e->count);
  for (size_t s = 0; s < found; ++s) {
    const int32_t *sol = row_to_col + s * p->rows;
    double sum = check_matching(p, sol);
    if (fabs(sum - totals[s]) > tol || fabs(totals[s] - e->totals[s]) > tol)
      fuzz_die("kbest: solution %zu: total %.17g, entries %.17g, brute force %.17g", s, totals[s],
               sum, e->totals[s]);
    for (size_t o = 0; o < s; ++o)
      if (memcmp(sol, row_to_col + o * p->rows, p->rows * sizeof *sol) == 0)
        fuzz_die("kbest: solutions %zu and %zu are the same", o, s);
  }
}

/* Marginals by enumeration: every partial matching, weighed by its likelihoods. */
typedef struct weighing {
  const double *like, *none;
  size_t rows, cols;
  int32_t cur[MAX_N];
  int used[MAX_N];
  double z, prob[MAX_N * MAX_N], prob_none[MAX_N];
} weighing;

static void weigh(weighing *w, size_t row, double weight) {
  if (weight == 0) return;
  if (row >= w->rows || row >= MAX_N) { /* (rows <= MAX_N: the second says so to the compiler) */
    w->z += weight;
    for (size_t r = 0; r < w->rows; ++r)
      if (w->cur[r] < 0) w->prob_none[r] += weight;
      else w->prob[r * w->cols + (size_t)w->cur[r]] += weight;
    return;
  }
  w->cur[row] = -1;
  weigh(w, row + 1, weight * w->none[row]);
  for (size_t c = 0; c < w->cols; ++c) {
    if (w->used[c]) continue;
    w->used[c] = 1;
    w->cur[row] = (int32_t)c;
    weigh(w, row + 1, weight * w->like[row * w->cols + c]);
    w->used[c] = 0;
  }
}

static void check_rows(const weighing *w, const double *prob, const double *none, double tol_sum) {
  for (size_t r = 0; r < w->rows; ++r) {
    double sum = none[r];
    for (size_t c = 0; c < w->cols; ++c) {
      double q = prob[r * w->cols + c];
      if (!(q >= 0 && q <= 1 + 1e-12)) fuzz_die("marginals: P(%zu, %zu) = %g", r, c, q);
      sum += q;
    }
    if (!(none[r] >= 0) || fabs(sum - 1) > tol_sum)
      fuzz_die("marginals: row %zu sums to %g", r, sum);
  }
}

static void check_marginals(rf_assign_workspace *ws, weighing *w) {
  double prob[MAX_N * MAX_N], none[MAX_N];
  weigh(w, 0, 1.0);
  int rc = rf_marginals(ws, w->like, w->none, w->rows, w->cols, RF_MARGINALS_EXACT, prob, none);
  if (w->z == 0) {
    if (rc != RF_EINFEASIBLE) fuzz_die("marginals: %d for a problem of no weight", rc);
    return;
  }
  if (rc != 0) fuzz_die("marginals: %d: %s", rc, rf_assign_errmsg(ws));
  check_rows(w, prob, none, 1e-9);
  for (size_t r = 0; r < w->rows; ++r) {
    if (fabs(none[r] - w->prob_none[r] / w->z) > 1e-9) fuzz_die("marginals: row %zu: none", r);
    for (size_t c = 0; c < w->cols; ++c)
      if (fabs(prob[r * w->cols + c] - w->prob[r * w->cols + c] / w->z) > 1e-9)
        fuzz_die("marginals: P(%zu, %zu) = %.17g, enumerated %.17g", r, c, prob[r * w->cols + c],
                 w->prob[r * w->cols + c] / w->z);
  }
  rc = rf_marginals(ws, w->like, w->none, w->rows, w->cols, RF_MARGINALS_BP, prob, none);
  if (rc == 0) check_rows(w, prob, none, 1e-6);
  else if (rc != RF_EINFEASIBLE) fuzz_die("marginals (BP): %d: %s", rc, rf_assign_errmsg(ws));
}

/* A cost entry: hundredths, or forbidden now and then. */
static double cost(fuzz_in *in, unsigned flags) {
  unsigned v = fuzz_u16(in);
  if (v >= 0xfff0) return flags & RF_LSA_MAXIMIZE ? -INFINITY : INFINITY;
  return (double)(int16_t)v / 100.0;
}

static double likelihood(fuzz_in *in) {
  unsigned v = fuzz_u16(in);
  return v < 0x0800 ? 0.0 : (v - 0x07ff) / 1000.0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  unsigned shape = fuzz_byte(&in);
  problem p = {shape % (MAX_N + 1), (shape / 8) % (MAX_N + 1), (shape >> 6) & 1, {0}};
  size_t k = 1 + fuzz_byte(&in) % MAX_K;
  for (size_t i = 0; i < p.rows * p.cols; ++i) p.m[i] = cost(&in, p.flags);
  rf_assign_workspace *ws;
  if (rf_assign_workspace_new(&ws, NULL) != 0) fuzz_die("out of memory");
  enumeration e = {.p = &p};
  enumerate(&e, 0, 0.0);
  sort_totals(&p, e.totals, e.count);
  check_lsa(ws, &p, &e);
  check_kbest(ws, &p, &e, k);
  double like[MAX_N * MAX_N], none[MAX_N];
  for (size_t i = 0; i < p.rows * p.cols; ++i) like[i] = likelihood(&in);
  for (size_t r = 0; r < p.rows; ++r) none[r] = likelihood(&in);
  weighing w = {.like = like, .none = none, .rows = p.rows, .cols = p.cols};
  if (p.rows > 0 && p.cols > 0) check_marginals(ws, &w);
  rf_assign_workspace_free(ws);
  return 0;
}
