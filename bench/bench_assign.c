/* The solvers' own time on small, store-shaped problems, measured in C: at these sizes a call
 * from Python costs more than the solve, so the comparison with scipy (bench/run-solvers) is
 * mostly a comparison of call overheads. Prints the median of repeated runs per shape.
 *
 *   build-release/bin/bench_assign */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "retailfuse/retailfuse.h"

static uint64_t rng = 0x853C49E6748FEA9BULL;
static double uniform(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Events x shoppers with a planted matching and `density` of the other pairs possible. */
static void store_shaped(double *c, size_t rows, size_t cols, double density) {
  for (size_t k = 0; k < rows * cols; ++k) c[k] = uniform() < density ? 10 * uniform() : INFINITY;
  for (size_t i = 0; i < rows; ++i) c[i * cols + (i * 7) % cols] = 10 * uniform();
}

int main(void) {
  static const size_t shapes[][2] = {{5, 20}, {10, 50}, {20, 100}, {50, 200}};
  static const double densities[] = {0.02, 0.2};
  rf_assign_workspace *ws;
  if (rf_assign_workspace_new(&ws, NULL) != 0) return 1;
  printf("rf_lsa on store-shaped matrices, median of 201 runs (a warm workspace)\n");
  printf("%-10s %8s %12s\n", "shape", "finite", "ns/solve");
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    for (size_t d = 0; d < 2; ++d) {
      size_t rows = shapes[s][0], cols = shapes[s][1];
      double *c = malloc(rows * cols * sizeof *c);
      int32_t *sol = malloc(rows * sizeof *sol);
      double times[201];
      store_shaped(c, rows, cols, densities[d]);
      for (int r = 0; r < 201; ++r) {
        double t0 = now_ns();
        int reps = 0;
        do {
          if (rf_lsa(ws, c, rows, cols, 0, sol, NULL) != 0) return 1;
          ++reps;
        } while (now_ns() - t0 < 20000.0);
        times[r] = (now_ns() - t0) / reps;
      }
      qsort(times, 201, sizeof(double), compare);
      char shape[32];
      snprintf(shape, sizeof shape, "%zux%zu", rows, cols);
      printf("%-10s %7.0f%% %12.0f\n", shape, densities[d] * 100, times[100]);
      free(c);
      free(sol);
    }
  }
  rf_assign_workspace_free(ws);
  return 0;
}
