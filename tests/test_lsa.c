/* Linear sum assignment against brute force on thousands of small random matrices, the known
 * traps, and every input error. */
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

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_u64(void) { return test_rng_next(&rng); }
static double uniform(void) { return test_rng_uniform(&rng); }

/* Best total over injective maps of the smaller side, +inf/-inf entries forbidden; returns 0 if
 * no complete matching exists. */
static int brute_best(const double *c, size_t rows, size_t cols, int maximize, double *best) {
  size_t n = rows <= cols ? rows : cols, m = rows <= cols ? cols : rows;
  int32_t choice[12];
  int used[12] = {0};
  int found = 0;
  double forbidden = maximize ? -INFINITY : INFINITY;
  /* Iterative depth-first enumeration. */
  size_t depth = 0;
  choice[0] = -1;
  double partial[13];
  partial[0] = 0.0;
  while (1) {
    if (depth == n) {
      if (!found || (maximize ? partial[n] > *best : partial[n] < *best)) *best = partial[n];
      found = 1;
      --depth;
      used[choice[depth]] = 0;
      if (n == 0) break;
    }
    int32_t j = choice[depth] + 1;
    if (choice[depth] >= 0) used[choice[depth]] = 0;
    double x = 0;
    for (; j < (int32_t)m; ++j) {
      if (used[j]) continue;
      x = rows <= cols ? c[depth * cols + (size_t)j] : c[(size_t)j * cols + depth];
      if (x != forbidden) break;
    }
    if (j >= (int32_t)m) {
      choice[depth] = -1;
      if (depth == 0) break;
      --depth;
      continue;
    }
    choice[depth] = j;
    used[j] = 1;
    partial[depth + 1] = partial[depth] + x;
    ++depth;
    if (depth < n) choice[depth] = -1;
  }
  return found;
}

/* The answer is a valid matching of the smaller side with the stated total. */
static void check_valid(const double *c, size_t rows, size_t cols, int maximize,
                        const int32_t *row_to_col, double total) {
  int used[64] = {0};
  size_t assigned = 0;
  double sum = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    int32_t j = row_to_col[r];
    if (j == RF_UNASSIGNED) continue;
    assert_true(j >= 0 && (size_t)j < cols);
    assert_false(used[j]);
    used[j] = 1;
    double x = c[r * cols + (size_t)j];
    assert_true(x != (maximize ? -INFINITY : INFINITY));
    sum += x;
    assigned++;
  }
  assert_int_equal(assigned, rows < cols ? rows : cols);
  assert_true(fabs(sum - total) <= 1e-9 * (1.0 + fabs(sum)));
}

typedef enum family {
  UNIFORM,
  INTEGER,
  BINARY,
  CONSTANT,
  SPARSE_INF,
  LARGE_RANGE,
  FAMILIES
} family;

static void fill(double *c, size_t count, family f, int maximize) {
  for (size_t k = 0; k < count; ++k) {
    switch (f) {
      case UNIFORM: c[k] = uniform(); break;
      case INTEGER: c[k] = (double)(next_u64() % 10); break;
      case BINARY: c[k] = (double)(next_u64() % 2); break;
      case CONSTANT: c[k] = 3.0; break;
      case SPARSE_INF:
        c[k] = next_u64() % 3 == 0 ? (maximize ? -INFINITY : INFINITY) : (double)(next_u64() % 100);
        break;
      case LARGE_RANGE: c[k] = (uniform() - 0.5) * 1e6; break;
      case FAMILIES: break;
    }
  }
}

static void matches_brute_force_on_random_small_matrices(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  double c[64];
  int32_t sol[8];
  int infeasible = 0, solved = 0;
  for (int trial = 0; trial < 6000; ++trial) {
    size_t rows = 1 + next_u64() % 7, cols = 1 + next_u64() % 7;
    family f = (family)(trial % FAMILIES);
    int maximize = (trial / FAMILIES) % 2;
    fill(c, rows * cols, f, maximize);
    double best = 0, total = 0;
    int feasible = brute_best(c, rows, cols, maximize, &best);
    int rc = rf_lsa(ws, c, rows, cols, maximize ? RF_LSA_MAXIMIZE : 0, sol, &total);
    if (!feasible) {
      assert_int_equal(rc, RF_EINFEASIBLE);
      infeasible++;
      continue;
    }
    if (rc != 0)
      fail_msg("trial %d (%zux%zu family %d): %s", trial, rows, cols, f, rf_assign_errmsg(ws));
    check_valid(c, rows, cols, maximize, sol, total);
    if (fabs(total - best) > 1e-9 * (1.0 + fabs(best)))
      fail_msg("trial %d (%zux%zu family %d max %d): total %.17g, brute force %.17g", trial, rows,
               cols, f, maximize, total, best);
    solved++;
  }
  assert_true(infeasible > 20); /* both outcomes were exercised */
  assert_true(solved > 5000);
  rf_assign_workspace_free(ws);
}

static void known_traps(void **state) {
  (void)state;
  int32_t sol[3];
  double total;
  const double trap[] = {INFINITY, 11, 8, 8, INFINITY, 7};
  assert_int_equal(rf_lsa(NULL, trap, 2, 3, 0, sol, &total), 0);
  assert_true(total == 16.0);
  assert_int_equal(sol[0], 2);
  assert_int_equal(sol[1], 0);
  /* Its transpose, tall. */
  const double tall[] = {INFINITY, 8, 11, INFINITY, 8, 7};
  assert_int_equal(rf_lsa(NULL, tall, 3, 2, 0, sol, &total), 0);
  assert_true(total == 16.0);
  assert_int_equal(sol[0], 1);
  assert_int_equal(sol[1], RF_UNASSIGNED);
  assert_int_equal(sol[2], 0);
  /* A single row takes its cheapest column; a single column its cheapest row. */
  const double one_row[] = {4, 2, 9};
  assert_int_equal(rf_lsa(NULL, one_row, 1, 3, 0, sol, &total), 0);
  assert_int_equal(sol[0], 1);
  assert_int_equal(rf_lsa(NULL, one_row, 3, 1, RF_LSA_MAXIMIZE, sol, &total), 0);
  assert_int_equal(sol[0], RF_UNASSIGNED);
  assert_int_equal(sol[2], 0);
  assert_true(total == 9.0);
  /* Empty matrices. */
  assert_int_equal(rf_lsa(NULL, NULL, 0, 0, 0, NULL, &total), 0);
  assert_true(total == 0.0);
  assert_int_equal(rf_lsa(NULL, NULL, 0, 5, 0, NULL, &total), 0);
  assert_int_equal(rf_lsa(NULL, NULL, 3, 0, 0, sol, &total), 0);
  assert_int_equal(sol[0], RF_UNASSIGNED);
  assert_int_equal(sol[2], RF_UNASSIGNED);
  /* A row with only forbidden entries; a column with only forbidden entries in a square one. */
  const double dead_row[] = {1, 2, INFINITY, INFINITY};
  assert_int_equal(rf_lsa(NULL, dead_row, 2, 2, 0, sol, &total), RF_EINFEASIBLE);
  const double dead_col[] = {1, INFINITY, 2, INFINITY};
  assert_int_equal(rf_lsa(NULL, dead_col, 2, 2, 0, sol, &total), RF_EINFEASIBLE);
  /* Two rows that both can only take column 0. */
  const double clash[] = {1, INFINITY, INFINITY, 2, INFINITY, INFINITY};
  assert_int_equal(rf_lsa(NULL, clash, 2, 3, 0, sol, &total), RF_EINFEASIBLE);
}

static void bad_input_is_refused_with_its_position(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  int32_t sol[2];
  double c[4] = {1, 2, 3, NAN};
  assert_int_equal(rf_lsa(ws, c, 2, 2, 0, sol, NULL), RF_EINVAL);
  assert_string_equal(rf_assign_errmsg(ws), "cost[1][1] is NaN");
  c[3] = -INFINITY;
  assert_int_equal(rf_lsa(ws, c, 2, 2, 0, sol, NULL), RF_EINVAL);
  assert_non_null(strstr(rf_assign_errmsg(ws), "cost[1][1] is -inf"));
  /* When maximizing, -inf is forbidden and +inf invalid. */
  double total;
  assert_int_equal(rf_lsa(ws, c, 2, 2, RF_LSA_MAXIMIZE, sol, &total), 0);
  assert_true(total == 5.0);
  c[3] = INFINITY;
  assert_int_equal(rf_lsa(ws, c, 2, 2, RF_LSA_MAXIMIZE, sol, NULL), RF_EINVAL);
  assert_non_null(strstr(rf_assign_errmsg(ws), "cost[1][1] is +inf"));
  assert_int_equal(rf_lsa(ws, c, 2, 2, 4u, sol, NULL), RF_EINVAL);
  /* Tall matrices are checked in the pass that reads them for the solver; same messages. */
  double tall[3 * 2] = {1, 2, 3, 4, 5, 6};
  int32_t tsol[3];
  tall[5] = NAN;
  assert_int_equal(rf_lsa(ws, tall, 3, 2, 0, tsol, NULL), RF_EINVAL);
  assert_string_equal(rf_assign_errmsg(ws), "cost[2][1] is NaN");
  tall[5] = -INFINITY;
  assert_int_equal(rf_lsa(ws, tall, 3, 2, 0, tsol, NULL), RF_EINVAL);
  assert_non_null(strstr(rf_assign_errmsg(ws), "cost[2][1] is -inf"));
  assert_int_equal(rf_lsa(ws, tall, 3, 2, RF_LSA_MAXIMIZE, tsol, &total), 0);
  assert_true(total == 5.0 + 4.0);
  tall[2] = INFINITY;
  assert_int_equal(rf_lsa(ws, tall, 3, 2, RF_LSA_MAXIMIZE, tsol, NULL), RF_EINVAL);
  assert_non_null(strstr(rf_assign_errmsg(ws), "cost[1][0] is +inf"));
  assert_int_equal(rf_lsa(ws, NULL, 2, 2, 0, sol, NULL), RF_EINVAL);
  rf_assign_workspace_free(ws);
}

static void larger_problems_agree_across_orientations(void **state) {
  (void)state;
  /* No brute force at this size: the optimum of a matrix, of its transpose and of its negation
   * maximized must agree. */
  enum { R = 60, C = 90 };
  static double c[R * C], t[C * R], neg[R * C];
  int32_t a[R], b[C], d[R];
  for (int trial = 0; trial < 20; ++trial) {
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j) {
        double x = trial % 2 ? (double)(next_u64() % 5) : uniform();
        if (trial % 4 == 3 && next_u64() % 4 == 0) x = INFINITY;
        c[i * C + j] = x;
        t[j * R + i] = x;
        neg[i * C + j] = -x;
      }
    double ta, tb, td;
    int ra = rf_lsa(NULL, c, R, C, 0, a, &ta);
    int rb = rf_lsa(NULL, t, C, R, 0, b, &tb);
    int rd = rf_lsa(NULL, neg, R, C, RF_LSA_MAXIMIZE, d, &td);
    assert_int_equal(ra, 0);
    assert_int_equal(rb, 0);
    assert_int_equal(rd, 0);
    assert_true(fabs(ta - tb) < 1e-9);
    assert_true(fabs(ta + td) < 1e-9);
    check_valid(t, C, R, 0, b, tb);
  }
}

/* The fuzzer's 7 x 5 maximisations with entries of +-1e308 (differences overflow a double): the
 * optimum of the same matrix in units of 1e308, its total when that is a double, else
 * RF_ERANGE with the assignment written. (Before: RF_EINFEASIBLE, and a total of inf.) */
static double units_of(const double *u, const int32_t *sol) {
  double sum = 0.0;
  for (int r = 0; r < 7; ++r)
    if (sol[r] != RF_UNASSIGNED) sum += u[r * 5 + sol[r]];
  return sum;
}

static void costs_of_1e308_are_solved(void **state) {
  (void)state;
  const double I = INFINITY;
  const double a[35] = {-1, -I, -I, -I, -1, -1, 1, 0, -1, -1, -I, -I, 0,  -I, -1, 1,  0, -1,
                        -1, -1, -1, -I, 0,  -I, 1, 1, 1,  1,  -I, 1,  -1, 0,  -I, -I, 1};
  const double b[35] = {0,  -1, -I, -I, 0, -1, 0, -1, -I, -1, 1,  1,  -I, 0,  1,  -1, -I, -I,
                        -1, -1, -1, -I, 0, -1, 0, 1,  0,  1,  -I, -1, -I, -1, -I, -1, -1};
  double big[35];
  int32_t sol[7];
  double total = 0.0;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  for (int k = 0; k < 35; ++k) big[k] = a[k] * 1e308;
  assert_int_equal(rf_lsa(ws, big, 7, 5, RF_LSA_MAXIMIZE, sol, &total), RF_ERANGE);
  assert_true(units_of(a, sol) == 2.0); /* optimal: 2e308 */
  assert_int_equal(rf_lsa(ws, big, 7, 5, RF_LSA_MAXIMIZE, sol, NULL), 0);
  assert_true(units_of(a, sol) == 2.0);
  for (int k = 0; k < 35; ++k) big[k] = b[k] * 1e308;
  assert_int_equal(rf_lsa(ws, big, 7, 5, RF_LSA_MAXIMIZE, sol, &total), 0);
  assert_true(units_of(b, sol) == 1.0);
  assert_true(total == 1e308);
  rf_assign_workspace_free(ws);
}

/* Scaling every cost by 2^1019 (exact) changes neither the assignment nor, beyond the same
 * factor, the total; totals past the largest double are RF_ERANGE with the assignment kept. */
static void scaled_to_the_double_limit_same_answer(void **state) {
  (void)state;
  rf_assign_workspace *ws;
  assert_int_equal(rf_assign_workspace_new(&ws, NULL), 0);
  static const size_t shapes[][2] = {{7, 5}, {5, 7}, {6, 6}, {1, 7}, {7, 1}, {3, 9}};
  const double big = ldexp(1.0, 1019);
  for (int trial = 0; trial < 600; ++trial) {
    size_t rows = shapes[trial % 6][0], cols = shapes[trial % 6][1];
    int maximize = (trial / 6) % 2;
    double c[81], s[81];
    for (size_t k = 0; k < rows * cols; ++k) {
      c[k] = (double)((int)(next_u64() % 7) - 3); /* totals stay within 15 */
      if (next_u64() % 5 == 0) c[k] = maximize ? -INFINITY : INFINITY;
      s[k] = c[k] * big;
    }
    int32_t a[9], b[9];
    double ta = 0.0, tb = 0.0;
    int ra = rf_lsa(ws, c, rows, cols, maximize ? RF_LSA_MAXIMIZE : 0, a, &ta);
    int rb = rf_lsa(ws, s, rows, cols, maximize ? RF_LSA_MAXIMIZE : 0, b, &tb);
    assert_int_equal(rb, ra);
    if (ra != 0) continue;
    for (size_t r = 0; r < rows; ++r) assert_int_equal(b[r], a[r]);
    assert_true(tb == ta * big);
  }
  /* Five entries of 1e308: the assignment is found, its total is beyond a double. */
  double c[7 * 5];
  for (int k = 0; k < 35; ++k) c[k] = -1e308;
  for (int i = 0; i < 5; ++i) c[i * 5 + i] = 1e308;
  int32_t sol[7];
  double total;
  assert_int_equal(rf_lsa(ws, c, 7, 5, RF_LSA_MAXIMIZE, sol, &total), RF_ERANGE);
  assert_non_null(strstr(rf_assign_errmsg(ws), "beyond the range of a double"));
  for (int i = 0; i < 5; ++i) assert_int_equal(sol[i], i);
  assert_int_equal(rf_lsa(ws, c, 7, 5, RF_LSA_MAXIMIZE, sol, NULL), 0); /* no total asked */
  assert_int_equal(sol[4], 4);
  rf_assign_workspace_free(ws);
}

static void allocation_failure_is_clean(void **state) {
  (void)state;
  double c[30];
  for (int k = 0; k < 30; ++k) c[k] = (double)((k * 7) % 11);
  int32_t sol[6];
  long k;
  for (k = 1;; ++k) {
    test_alloc t;
    rf_allocator a = test_alloc_make(&t, k);
    rf_assign_workspace *ws = NULL;
    int rc = rf_assign_workspace_new(&ws, &a);
    if (rc == 0) {
      rc = rf_lsa(ws, c, 6, 5, RF_LSA_MAXIMIZE, sol, NULL); /* tall: needs a copy */
      if (rc != 0) {
        assert_int_equal(rc, RF_ENOMEM);
        /* The workspace still works once memory is back. */
        t.fail_at = 0;
        assert_int_equal(rf_lsa(ws, c, 6, 5, RF_LSA_MAXIMIZE, sol, NULL), 0);
      }
    } else {
      assert_int_equal(rc, RF_ENOMEM);
    }
    rf_assign_workspace_free(ws);
    assert_int_equal(t.live, 0);
    if (!t.failed) break;
  }
  assert_true(k > 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(matches_brute_force_on_random_small_matrices),
      cmocka_unit_test(known_traps),
      cmocka_unit_test(bad_input_is_refused_with_its_position),
      cmocka_unit_test(larger_problems_agree_across_orientations),
      cmocka_unit_test(costs_of_1e308_are_solved),
      cmocka_unit_test(scaled_to_the_double_limit_same_answer),
      cmocka_unit_test(allocation_failure_is_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
