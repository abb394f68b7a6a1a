/* Assignment marginals: exact equals brute-force enumeration within 1e-12; belief propagation's
 * error against exact on random 10 x 10 problems is measured, printed and bounded. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"
#include "test_alloc.h"
#include "test_rng.h"

static uint64_t rng = 0xD1B54A32D192ED03ULL;
static uint64_t next_u64(void) { return test_rng_next(&rng); }
static double uniform(void) { return test_rng_uniform(&rng); }

/* Every joint assignment (each row a column or none, columns used once), weighted. */
static void brute(const double *L, const double *L0, size_t n, size_t m, size_t i, int *used,
                  int *choice, double weight, double *P, double *P0, double *Z) {
  if (weight == 0.0) return;
  if (i == n) {
    *Z += weight;
    for (size_t r = 0; r < n; ++r) {
      if (choice[r] < 0) P0[r] += weight;
      else P[r * m + (size_t)choice[r]] += weight;
    }
    return;
  }
  choice[i] = -1;
  brute(L, L0, n, m, i + 1, used, choice, weight * L0[i], P, P0, Z);
  for (size_t j = 0; j < m; ++j) {
    if (used[j]) continue;
    used[j] = 1;
    choice[i] = (int)j;
    brute(L, L0, n, m, i + 1, used, choice, weight * L[i * m + j], P, P0, Z);
    used[j] = 0;
  }
}

static void exact_equals_enumeration(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  double L[36], L0[6], P[36], P0[6], B[36], B0[6];
  int checked = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    size_t n = 1 + next_u64() % 6, m = 1 + next_u64() % 6;
    int kind = trial % 4;
    for (size_t k = 0; k < n * m; ++k) {
      L[k] = kind == 3 ? exp(-30.0 * uniform()) : uniform() * 5.0;
      if (kind >= 1 && next_u64() % 3 == 0) L[k] = 0.0;
    }
    for (size_t i = 0; i < n; ++i) L0[i] = (kind == 2 && next_u64() % 2) ? 0.0 : uniform();
    int used[6] = {0}, choice[6];
    double Z = 0.0;
    memset(B, 0, sizeof B);
    memset(B0, 0, sizeof B0);
    brute(L, L0, n, m, 0, used, choice, 1.0, B, B0, &Z);
    int rc = rf_marginals(ws, L, L0, n, m, RF_MARGINALS_EXACT, P, P0);
    if (Z == 0.0) {
      assert_int_equal(rc, RF_EINFEASIBLE);
      continue;
    }
    assert_int_equal(rc, 0);
    for (size_t i = 0; i < n; ++i) {
      double row = P0[i];
      if (fabs(P0[i] - B0[i] / Z) > 1e-12)
        fail_msg("trial %d: P0[%zu] %.17g vs %.17g", trial, i, P0[i], B0[i] / Z);
      for (size_t j = 0; j < m; ++j) {
        row += P[i * m + j];
        if (fabs(P[i * m + j] - B[i * m + j] / Z) > 1e-12)
          fail_msg("trial %d (%zux%zu): P[%zu][%zu] %.17g vs %.17g", trial, n, m, i, j,
                   P[i * m + j], B[i * m + j] / Z);
      }
      assert_true(fabs(row - 1.0) < 1e-12);
    }
    checked++;
  }
  assert_true(checked > 2500);
  rf_assign_workspace_free(ws);
}

/* Largest absolute difference between BP and exact over `trials` random n x m problems. */
static double bp_error(rf_assign_workspace *ws, size_t n, size_t m, int trials, int sparse) {
  static double L[400], L0[20], E[400], E0[20], A[400], A0[20];
  double worst = 0.0;
  for (int t = 0; t < trials; ++t) {
    for (size_t k = 0; k < n * m; ++k) L[k] = (sparse && next_u64() % 2) ? 0.0 : uniform();
    for (size_t i = 0; i < n; ++i) L0[i] = uniform();
    assert_int_equal(rf_marginals(ws, L, L0, n, m, RF_MARGINALS_EXACT, E, E0), 0);
    assert_int_equal(rf_marginals(ws, L, L0, n, m, RF_MARGINALS_BP, A, A0), 0);
    for (size_t i = 0; i < n; ++i) {
      double row = A0[i];
      worst = fmax(worst, fabs(A0[i] - E0[i]));
      for (size_t j = 0; j < m; ++j) {
        row += A[i * m + j];
        worst = fmax(worst, fabs(A[i * m + j] - E[i * m + j]));
      }
      assert_true(fabs(row - 1.0) < 1e-9);
    }
  }
  return worst;
}

static void bp_error_on_random_10x10_is_small(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  double dense = bp_error(ws, 10, 10, 200, 0);
  double sparse = bp_error(ws, 10, 10, 200, 1);
  double wide = bp_error(ws, 6, 12, 200, 0);
  print_message("BP max abs error vs exact: dense 10x10 %.4f, sparse 10x10 %.4f, 6x12 %.4f\n",
                dense, sparse, wide);
  assert_true(dense < 0.05);
  assert_true(sparse < 0.05);
  assert_true(wide < 0.05);
  rf_assign_workspace_free(ws);
}

static void obvious_cases(void **state) {
  (void)state;
  /* One row, one column: odds 3:1 for taking it. */
  double L[4] = {3.0}, L0[2] = {1.0}, P[4], P0[2];
  assert_int_equal(rf_marginals(NULL, L, L0, 1, 1, RF_MARGINALS_AUTO, P, P0), 0);
  assert_true(fabs(P[0] - 0.75) < 1e-15 && fabs(P0[0] - 0.25) < 1e-15);
  /* Two rows that must take one of two columns, row 0 sure of column 0: row 1 gets column 1. */
  double L2[4] = {1.0, 0.0, 1.0, 1.0}, N2[2] = {0.0, 0.0};
  for (int method = 0; method < 3; ++method) {
    assert_int_equal(rf_marginals(NULL, L2, N2, 2, 2, (rf_marginals_method)method, P, P0), 0);
    assert_true(fabs(P[0] - 1.0) < 1e-9 && fabs(P[3] - 1.0) < 1e-9 && fabs(P[2]) < 1e-9);
  }
  /* Huge and tiny likelihoods are scaled, not overflowed. */
  double L3[2] = {1e300, 1e300}, N3[1] = {0.0};
  assert_int_equal(rf_marginals(NULL, L3, N3, 1, 2, RF_MARGINALS_AUTO, P, P0), 0);
  assert_true(fabs(P[0] - 0.5) < 1e-15);
  /* Long products are rescaled, not underflowed: 100 rows compete for one column that each
   * is 1e5 times likelier to take than none, so each takes it with probability about 1/100. */
  static double tallL[100], tall0[100], tallP[100], tallP0[100];
  for (int k = 0; k < 100; ++k) {
    tallL[k] = 1.0;
    tall0[k] = 1e-5;
  }
  assert_int_equal(rf_marginals(NULL, tallL, tall0, 100, 1, RF_MARGINALS_EXACT, tallP, tallP0), 0);
  double expect = 1.0 / (100.0 + 1e-5); /* exactly: 1 / (100 + w_none / w) */
  for (int k = 0; k < 100; ++k) assert_true(fabs(tallP[k] - expect) < 1e-12);
  /* The same as one row over 100 columns (the other orientation of the subset DP). */
  double wideP0[1], wide0[1] = {1e-300};
  assert_int_equal(rf_marginals(NULL, tallL, wide0, 1, 100, RF_MARGINALS_EXACT, tallP, wideP0), 0);
  for (int k = 0; k < 100; ++k) assert_true(fabs(tallP[k] - 0.01) < 1e-12);
  /* No columns: every row takes none. */
  assert_int_equal(rf_marginals(NULL, NULL, L0, 1, 0, RF_MARGINALS_AUTO, NULL, P0), 0);
  assert_true(P0[0] == 1.0);
}

static void assert_near(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol)) fail_msg("got %.17g, want %.17g (within %g)", got, want, tol);
}

/* Likelihoods scaled into the subnormals (each row by 2^-1060, exactly: small integers) give the
 * marginals of the same problem at unit scale, by every method. (Before: 1 / max overflowed;
 * BP gave NaN, exact RF_EINFEASIBLE.) */
static void subnormal_likelihoods_are_scaled(void **state) {
  (void)state;
  const size_t n = 3, m = 4;
  const double L[12] = {1, 3, 0, 2, 5, 1, 1, 0, 0, 2, 7, 1}, L0[3] = {1, 0, 2};
  double S[12], S0[3], P[12], P0[3], Q[12], Q0[3];
  for (size_t k = 0; k < n * m; ++k) S[k] = ldexp(L[k], -1060);
  for (size_t i = 0; i < n; ++i) S0[i] = ldexp(L0[i], -1060);
  for (int method = 0; method < 3; ++method) {
    rf_marginals_method mm = (rf_marginals_method)method;
    assert_int_equal(rf_marginals(NULL, L, L0, n, m, mm, P, P0), 0);
    assert_int_equal(rf_marginals(NULL, S, S0, n, m, mm, Q, Q0), 0);
    for (size_t k = 0; k < n * m; ++k) assert_near(Q[k], P[k], 1e-14);
    for (size_t i = 0; i < n; ++i) assert_near(Q0[i], P0[i], 1e-14);
  }
  /* One subnormal row among normal ones, and a transposed shape (the other subset pass). */
  const double T[12] = {1, 5, 0, 3, 1, 2, 0, 1, 7, 2, 0, 1}, T0[4] = {1, 1, 0, 2};
  double U[12], U0[4], R[12], R0[4], V[12], V0[4];
  memcpy(U, T, sizeof U);
  memcpy(U0, T0, sizeof U0);
  for (size_t j = 0; j < 3; ++j) U[3 + j] = ldexp(T[3 + j], -1070);
  U0[1] = ldexp(T0[1], -1070);
  for (int method = 0; method < 3; ++method) {
    rf_marginals_method mm = (rf_marginals_method)method;
    assert_int_equal(rf_marginals(NULL, T, T0, 4, 3, mm, R, R0), 0);
    assert_int_equal(rf_marginals(NULL, U, U0, 4, 3, mm, V, V0), 0);
    for (size_t k = 0; k < 12; ++k) assert_near(V[k], R[k], 1e-14);
    for (size_t i = 0; i < 4; ++i) assert_near(V0[i], R0[i], 1e-14);
  }
}

/* Rows 0 and 1 must take a column; row 2 takes column 0 or none. Every assignment multiplies
 * two likelihoods of 1e-200 (a product of 1e-400, beyond a double): with a = 1e-200 and row 2's
 * none b, Z = a^2 + b (2a + a^2). Such problems are summed in logarithms, whose rounding grows
 * with the logs' size (here ~1e3 eps): hence 1e-12. */
static void fill_tiny(double *L, double *L0, size_t m, double b) {
  const double a = 1e-200;
  memset(L, 0, 3 * m * sizeof(double));
  L[0] = 1.0; /* row 0: column 0, or column 1 at a */
  L[1] = a;
  L[m] = 1.0; /* row 1: column 0, or column 2 at a */
  L[m + 2] = a;
  L[2 * m] = 1.0; /* row 2: column 0 */
  L0[0] = L0[1] = 0.0;
  L0[2] = b;
}

static void underflowing_products_are_exact(void **state) {
  (void)state;
  double L[12], L0[3], P[12], P0[3];
  for (size_t m = 3; m <= 4; ++m) { /* square, then wide (the row-subset pass) */
    /* b = 0: one assignment, certain. (Before: RF_EINFEASIBLE.) */
    fill_tiny(L, L0, m, 0.0);
    for (int method = 0; method < 3; ++method) {
      assert_int_equal(rf_marginals(NULL, L, L0, 3, m, (rf_marginals_method)method, P, P0), 0);
      double tol = method == RF_MARGINALS_BP ? 1e-9 : 1e-12;
      assert_near(P[1], 1.0, tol);
      assert_near(P[m + 2], 1.0, tol);
      assert_near(P[2 * m], 1.0, tol);
      assert_near(P0[2], 0.0, tol);
    }
    /* b = a: Z = 3a^2 + a^3, so row 2 takes column 0 with 1/3, row 0 column 0 with 1/3. */
    fill_tiny(L, L0, m, 1e-200);
    for (int method = 0; method < 2; ++method) {
      assert_int_equal(rf_marginals(NULL, L, L0, 3, m, (rf_marginals_method)method, P, P0), 0);
      assert_near(P[2 * m], 1.0 / 3.0, 1e-12);
      assert_near(P0[2], 2.0 / 3.0, 1e-12);
      assert_near(P[0], 1.0 / 3.0, 1e-12);
      assert_near(P[1], 2.0 / 3.0, 1e-12);
      assert_near(P[m], 1.0 / 3.0, 1e-12);
      assert_near(P[m + 2], 2.0 / 3.0, 1e-12);
    }
  }
}

/* Beside such a block, an ordinary one keeps its own marginals (no pair links them): checks the
 * exact method's slow, logarithmic path against enumeration. */
static void logarithmic_path_equals_enumeration(void **state) {
  (void)state;
  enum { N = 7, M = 7 };
  double L[N * M], L0[N], P[N * M], P0[N], A[16], A0[4], B[16], B0[4];
  for (int trial = 0; trial < 40; ++trial) {
    size_t n = 1 + next_u64() % 4, m = 1 + next_u64() % 4; /* the ordinary block */
    for (size_t k = 0; k < n * m; ++k) A[k] = next_u64() % 3 ? uniform() : 0.0;
    for (size_t i = 0; i < n; ++i) A0[i] = 0.05 + uniform();
    double tiny[9], tiny0[3];
    fill_tiny(tiny, tiny0, 3, trial % 2 ? 1e-200 : 0.0);
    size_t rows = n + 3, cols = m + 3;
    memset(L, 0, sizeof L);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < m; ++j) L[i * cols + j] = A[i * m + j];
      L0[i] = A0[i];
    }
    for (size_t i = 0; i < 3; ++i) {
      for (size_t j = 0; j < 3; ++j) L[(n + i) * cols + m + j] = tiny[i * 3 + j];
      L0[n + i] = tiny0[i];
    }
    int used[4] = {0}, choice[4];
    double Z = 0.0;
    memset(B, 0, sizeof B);
    memset(B0, 0, sizeof B0);
    brute(A, A0, n, m, 0, used, choice, 1.0, B, B0, &Z);
    assert_int_equal(rf_marginals(NULL, L, L0, rows, cols, RF_MARGINALS_EXACT, P, P0), 0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < m; ++j) assert_near(P[i * cols + j], B[i * m + j] / Z, 1e-12);
      assert_near(P0[i], B0[i] / Z, 1e-12);
    }
    assert_near(P[(n + 2) * cols + m], trial % 2 ? 1.0 / 3.0 : 1.0, 1e-12);
  }
}

static void bad_input_and_infeasible(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  double L[4] = {1, -1, 1, 1}, L0[2] = {1, 1}, P[4], P0[2];
  assert_int_equal(rf_marginals(ws, L, L0, 2, 2, RF_MARGINALS_AUTO, P, P0), RF_EINVAL);
  assert_non_null(strstr(rf_assign_errmsg(ws), "like[0][1] is -1"));
  L[1] = NAN;
  assert_int_equal(rf_marginals(ws, L, L0, 2, 2, RF_MARGINALS_AUTO, P, P0), RF_EINVAL);
  L[1] = 1;
  L0[1] = INFINITY;
  assert_int_equal(rf_marginals(ws, L, L0, 2, 2, RF_MARGINALS_AUTO, P, P0), RF_EINVAL);
  assert_non_null(strstr(rf_assign_errmsg(ws), "like_none[1]"));
  /* A row with nothing possible. */
  double Z[4] = {0, 0, 1, 1}, Z0[2] = {0, 1};
  assert_int_equal(rf_marginals(ws, Z, Z0, 2, 2, RF_MARGINALS_AUTO, P, P0), RF_EINFEASIBLE);
  assert_non_null(strstr(rf_assign_errmsg(ws), "row 0"));
  /* Two rows that must both take the only column: no method may pretend otherwise. */
  double C[2] = {1, 1}, C0[2] = {0, 0};
  assert_int_equal(rf_marginals(ws, C, C0, 2, 1, RF_MARGINALS_EXACT, P, P0), RF_EINFEASIBLE);
  assert_int_equal(rf_marginals(ws, C, C0, 2, 1, RF_MARGINALS_BP, P, P0), RF_EINFEASIBLE);
  assert_int_equal(rf_marginals(ws, C, C0, 2, 1, RF_MARGINALS_AUTO, P, P0), RF_EINFEASIBLE);
  assert_int_equal(rf_marginals(ws, C, C0, 2, 1, (rf_marginals_method)7, P, P0), RF_EINVAL);
  static double big[21 * 21], big0[21], bp[21 * 21], bp0[21];
  for (int k = 0; k < 21 * 21; ++k) big[k] = 1.0;
  for (int k = 0; k < 21; ++k) big0[k] = 1.0;
  assert_int_equal(rf_marginals(ws, big, big0, 21, 21, RF_MARGINALS_EXACT, bp, bp0), RF_ELIMIT);
  assert_int_equal(rf_marginals(ws, big, big0, 21, 21, RF_MARGINALS_AUTO, bp, bp0), 0);
  /* Symmetric: every row alike. */
  for (int k = 1; k < 21; ++k) assert_true(fabs(bp0[k] - bp0[0]) < 1e-12);
  rf_assign_workspace_free(ws);
}

static void allocation_failure_is_clean(void **state) {
  (void)state;
  double L[12], L0[3], P[12], P0[3];
  for (int k = 0; k < 12; ++k) L[k] = 0.1 + (double)(k % 5);
  for (int k = 0; k < 3; ++k) L0[k] = 1.0;
  for (int method = 1; method <= 2; ++method) {
    long k;
    for (k = 1;; ++k) {
      test_alloc t;
      rf_allocator a = test_alloc_make(&t, k);
      rf_assign_workspace *ws = NULL;
      int rc = rf_assign_workspace_new(&ws, &a);
      if (rc == 0) {
        rc = rf_marginals(ws, L, L0, 3, 4, (rf_marginals_method)method, P, P0);
        if (rc != 0) assert_int_equal(rc, RF_ENOMEM);
      } else {
        assert_int_equal(rc, RF_ENOMEM);
      }
      rf_assign_workspace_free(ws);
      assert_int_equal(t.live, 0);
      if (!t.failed) break;
    }
    assert_true(k > 2);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exact_equals_enumeration),
      cmocka_unit_test(bp_error_on_random_10x10_is_small),
      cmocka_unit_test(obvious_cases),
      cmocka_unit_test(subnormal_likelihoods_are_scaled),
      cmocka_unit_test(underflowing_products_are_exact),
      cmocka_unit_test(logarithmic_path_equals_enumeration),
      cmocka_unit_test(bad_input_and_infeasible),
      cmocka_unit_test(allocation_failure_is_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
