/* k-best assignments against brute-force enumeration of every complete matching. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"
#include "test_alloc.h"
#include "test_rng.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next_u64(void) { return test_rng_next(&rng); }

#define MAX_ALL 20000

static double all_totals[MAX_ALL];
static size_t all_count;

/* Every complete matching of the smaller side, by recursion over its elements. */
static void enumerate(const double *c, size_t rows, size_t cols, int maximize, size_t depth,
                      int *used, double partial) {
  size_t n = rows <= cols ? rows : cols, m = rows <= cols ? cols : rows;
  if (depth == n) {
    assert_true(all_count < MAX_ALL);
    all_totals[all_count++] = partial;
    return;
  }
  for (size_t j = 0; j < m; ++j) {
    if (used[j]) continue;
    double x = rows <= cols ? c[depth * cols + j] : c[j * cols + depth];
    if (x == (maximize ? -INFINITY : INFINITY)) continue;
    used[j] = 1;
    enumerate(c, rows, cols, maximize, depth + 1, used, partial + x);
    used[j] = 0;
  }
}

static int ascending(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void check_solution(const double *c, size_t rows, size_t cols, int maximize,
                           const int32_t *sol, double total) {
  int used[16] = {0};
  double sum = 0;
  size_t assigned = 0;
  for (size_t r = 0; r < rows; ++r) {
    if (sol[r] == RF_UNASSIGNED) continue;
    assert_true(sol[r] >= 0 && (size_t)sol[r] < cols && !used[sol[r]]);
    used[sol[r]] = 1;
    double x = c[r * cols + (size_t)sol[r]];
    assert_true(x != (maximize ? -INFINITY : INFINITY));
    sum += x;
    assigned++;
  }
  assert_int_equal(assigned, rows < cols ? rows : cols);
  assert_true(fabs(sum - total) < 1e-9);
}

static void equals_brute_force_k_best(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  double c[49];
  int32_t sols[40 * 7];
  double totals[40];
  int exhausted = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    size_t rows = 1 + next_u64() % 6, cols = 1 + next_u64() % 6;
    int maximize = trial % 2;
    int kind = (trial / 2) % 3;
    for (size_t q = 0; q < rows * cols; ++q) {
      c[q] = kind == 0 ? (double)(next_u64() % 1000) / 7.0 : (double)(next_u64() % 4);
      if (kind == 2 && next_u64() % 4 == 0) c[q] = maximize ? -INFINITY : INFINITY;
    }
    int used[8] = {0};
    all_count = 0;
    enumerate(c, rows, cols, maximize, 0, used, 0.0);
    qsort(all_totals, all_count, sizeof(double), ascending);
    size_t k = 1 + next_u64() % 40, found = 99;
    int rc = rf_kbest(ws, c, rows, cols, maximize ? RF_LSA_MAXIMIZE : 0, k, sols, totals, &found);
    if (all_count == 0) {
      assert_int_equal(rc, RF_EINFEASIBLE);
      continue;
    }
    assert_int_equal(rc, 0);
    size_t expect = k < all_count ? k : all_count;
    assert_int_equal(found, expect);
    if (found == all_count) exhausted++;
    for (size_t s = 0; s < found; ++s) {
      double want = maximize ? all_totals[all_count - 1 - s] : all_totals[s];
      if (fabs(totals[s] - want) > 1e-9)
        fail_msg("trial %d %zux%zu k=%zu: solution %zu total %.17g, brute force %.17g", trial, rows,
                 cols, k, s, totals[s], want);
      check_solution(c, rows, cols, maximize, sols + s * rows, totals[s]);
      if (s > 0 && (maximize ? totals[s] > totals[s - 1] : totals[s] < totals[s - 1]))
        fail_msg("trial %d: solution %zu total %.17g after %.17g", trial, s, totals[s],
                 totals[s - 1]);
      for (size_t t = 0; t < s; ++t) /* distinct */
        assert_memory_not_equal(sols + s * rows, sols + t * rows, rows * sizeof(int32_t));
    }
  }
  assert_true(exhausted > 100); /* asking for more than exist was exercised */
  rf_assign_workspace_free(ws);
}

static void first_solution_is_the_optimum(void **state) {
  (void)state;
  enum { N = 50 };
  static double c[N * N];
  for (int q = 0; q < N * N; ++q) c[q] = (double)(next_u64() % 100000) / 1000.0;
  int32_t best[N], sols[25 * N];
  double opt, totals[25];
  size_t found;
  assert_int_equal(rf_lsa(NULL, c, N, N, 0, best, &opt), 0);
  assert_int_equal(rf_kbest(NULL, c, N, N, 0, 25, sols, totals, &found), 0);
  assert_int_equal(found, 25);
  assert_true(fabs(totals[0] - opt) < 1e-9);
  for (size_t s = 1; s < found; ++s) assert_true(totals[s] >= totals[s - 1]);
}

/* Entries of +-1e308 (differences overflow a double): every solution is found, in order. */
static void costs_of_1e308_all_found_in_order(void **state) {
  (void)state;
  const double row[7] = {1e308, -1e308, 0.0, -1e308, 1e308, 5e307, -5e307};
  const double order[7] = {-1e308, -1e308, -5e307, 0.0, 5e307, 1e308, 1e308};
  int32_t sols[7 * 2];
  double totals[7];
  size_t found = 0;
  int seen[7] = {0};
  assert_int_equal(rf_kbest(NULL, row, 1, 7, 0, 7, sols, totals, &found), 0);
  assert_int_equal(found, 7);
  for (size_t s = 0; s < 7; ++s) { /* each column once, in order of its cost */
    assert_true(totals[s] == order[s]);
    assert_true(sols[s] >= 0 && sols[s] < 7 && !seen[sols[s]]);
    seen[sols[s]] = 1;
    assert_true(row[sols[s]] == order[s]);
  }
  const double square[4] = {-1e308, 1e308, 0.0, 0.0};
  assert_int_equal(rf_kbest(NULL, square, 2, 2, 0, 5, sols, totals, &found), 0);
  assert_int_equal(found, 2);
  assert_true(totals[0] == -1e308);
  assert_true(totals[1] == 1e308);
  assert_int_equal(sols[0], 0);
  assert_int_equal(sols[1], 1);
  assert_int_equal(sols[2], 1);
  assert_int_equal(sols[3], 0);
  /* Maximised, the same two the other way round. */
  assert_int_equal(rf_kbest(NULL, square, 2, 2, RF_LSA_MAXIMIZE, 5, sols, totals, &found), 0);
  assert_int_equal(found, 2);
  assert_true(totals[0] == 1e308);
  assert_true(totals[1] == -1e308);
}

/* Scaling every cost by 2^1019 (exact) gives the same solutions, totals scaled alike; totals
 * past the largest double are RF_ERANGE (the solutions still listed, those totals +-inf). */
static void scaled_to_the_double_limit_same_list(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  const double big = ldexp(1.0, 1019);
  double c[25], s[25], ta[30], tb[30];
  int32_t a[30 * 5], b[30 * 5];
  for (int trial = 0; trial < 300; ++trial) {
    size_t rows = 1 + next_u64() % 5, cols = 1 + next_u64() % 5;
    int maximize = trial % 2;
    for (size_t q = 0; q < rows * cols; ++q) {
      c[q] = (double)((int)(next_u64() % 7) - 3);
      if (next_u64() % 6 == 0) c[q] = maximize ? -INFINITY : INFINITY;
      s[q] = c[q] * big;
    }
    size_t fa = 0, fb = 0;
    unsigned flags = maximize ? RF_LSA_MAXIMIZE : 0;
    int ra = rf_kbest(ws, c, rows, cols, flags, 30, a, ta, &fa);
    int rb = rf_kbest(ws, s, rows, cols, flags, 30, b, tb, &fb);
    assert_int_equal(rb, ra);
    assert_int_equal(fb, fa);
    for (size_t q = 0; q < fa; ++q) assert_true(tb[q] == ta[q] * big);
    if (fa > 0) assert_memory_equal(a, b, fa * rows * sizeof(int32_t));
  }
  double over[4] = {1e308, 1e308, 1e308, -1e308};
  size_t found = 0;
  assert_int_equal(rf_kbest(ws, over, 2, 2, RF_LSA_MAXIMIZE, 2, a, ta, &found), RF_ERANGE);
  assert_non_null(strstr(rf_assign_errmsg(ws), "beyond the range of a double"));
  assert_int_equal(found, 2);
  assert_true(ta[0] == INFINITY && ta[1] == 0.0); /* 2e308, then 1e308 - 1e308 */
  assert_int_equal(a[0], 1);
  assert_int_equal(a[1], 0);
  assert_int_equal(a[2], 0);
  assert_int_equal(a[3], 1);
  rf_assign_workspace_free(ws);
}

static void edge_cases(void **state) {
  (void)state;
  double totals[3];
  int32_t sols[6];
  size_t found = 7;
  const double c[] = {1, 2, 3, 4};
  assert_int_equal(rf_kbest(NULL, c, 2, 2, 0, 0, NULL, NULL, &found), 0);
  assert_int_equal(found, 0);
  assert_int_equal(rf_kbest(NULL, NULL, 3, 0, 0, 3, sols, totals, &found), 0);
  assert_int_equal(found, 1);
  assert_int_equal(sols[0], RF_UNASSIGNED);
  assert_true(totals[0] == 0.0);
  assert_int_equal(rf_kbest(NULL, c, 2, 2, 0, 3, sols, totals, &found), 0);
  assert_int_equal(found, 2); /* a 2 x 2 matrix has two assignments */
  assert_true(totals[0] == 5.0 && totals[1] == 5.0);
  const double bad[] = {1, NAN};
  assert_int_equal(rf_kbest(NULL, bad, 1, 2, 0, 3, sols, totals, &found), RF_EINVAL);
  assert_int_equal(rf_kbest(NULL, c, 2, 2, 0, 3, sols, totals, NULL), RF_EINVAL);
}

static void allocation_failure_is_clean(void **state) {
  (void)state;
  double c[20];
  for (int q = 0; q < 20; ++q) c[q] = (double)((q * 13) % 7);
  int32_t sols[10 * 4];
  double totals[10];
  size_t found;
  long k;
  for (k = 1;; ++k) {
    test_alloc t;
    rf_allocator a = test_alloc_make(&t, k);
    rf_assign_workspace *ws = NULL;
    int rc = rf_assign_workspace_new(&ws, &a);
    if (rc == 0) {
      rc = rf_kbest(ws, c, 4, 5, 0, 10, sols, totals, &found);
      if (rc != 0) {
        assert_int_equal(rc, RF_ENOMEM);
        t.fail_at = 0;
        assert_int_equal(rf_kbest(ws, c, 4, 5, 0, 10, sols, totals, &found), 0);
      }
      assert_int_equal(found, 10);
    } else {
      assert_int_equal(rc, RF_ENOMEM);
    }
    rf_assign_workspace_free(ws);
    assert_int_equal(t.live, 0);
    if (!t.failed) break;
  }
  assert_true(k > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(equals_brute_force_k_best),
      cmocka_unit_test(first_solution_is_the_optimum),
      cmocka_unit_test(edge_cases),
      cmocka_unit_test(costs_of_1e308_all_found_in_order),
      cmocka_unit_test(scaled_to_the_double_limit_same_list),
      cmocka_unit_test(allocation_failure_is_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
