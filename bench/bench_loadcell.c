/* The load-cell sample path on one core: readings per second through rf_loadcell_push for a
 * store of 360 plates (30 shelves of 12) fed a second of 60 Hz readings per plate at a time, as
 * a store's feed arrives, with an item taken somewhere every few seconds. The peer, in the same
 * run, is the least any segmenter must do: one pass that reads every reading (a sum). Prints
 * the median of repeated runs and the ratio.
 *
 *   build-release/bin/bench_loadcell [seconds of store time, default 120] */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "retailfuse/retailfuse.h"

enum { SHELVES = 30, PLATES_PER_SHELF = 12, HZ = 60, RUNS = 7 };

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static double uniform(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static double normal(void) {
  double u = uniform(), v = uniform();
  return sqrt(-2.0 * log(u > 1e-300 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static rf_store *make_store(void) {
  rf_store_builder *b;
  if (rf_store_builder_new(&b, NULL) != 0) return NULL;
  static char ids[SHELVES][PLATES_PER_SHELF + 1][16];
  rf_plate_def plates[PLATES_PER_SHELF];
  for (int s = 0; s < SHELVES; ++s) {
    snprintf(ids[s][PLATES_PER_SHELF], sizeof ids[s][0], "S%d", s);
    for (int k = 0; k < PLATES_PER_SHELF; ++k) {
      snprintf(ids[s][k], sizeof ids[s][k], "S%dP%d", s, k);
      plates[k] = (rf_plate_def){ids[s][k], 0.1 * k, 0.1 * (k + 1)};
    }
    rf_shelf_def shelf = {ids[s][PLATES_PER_SHELF], 1, 1.5, 0,  0.0, 0.0, plates,
                          PLATES_PER_SHELF,         0, 0.0, 0.0};
    if (rf_store_builder_add_shelf(b, &shelf) != 0) return NULL;
  }
  rf_store *store = NULL;
  rf_store_builder_finish(b, &store);
  rf_store_builder_free(b);
  return store;
}

static int count_event(const rf_shelf_event *ev, void *payload) {
  (void)ev;
  ++*(long *)payload;
  return 0;
}

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 120;
  if (seconds < 1) seconds = 1;
  const int plates = SHELVES * PLATES_PER_SHELF;
  /* The whole feed, made beforehand: offsets, noise, and a 300 g take every 4 s somewhere. */
  size_t n = (size_t)seconds * plates * HZ;
  double *feed = malloc(n * sizeof *feed);
  rf_store *store = make_store();
  if (feed == NULL || store == NULL) return 1;
  for (int p = 0; p < plates; ++p) {
    double level = 1000.0 + 3000.0 * uniform();
    for (int s = 0; s < seconds; ++s) {
      if (s % 4 == 0 && (p * 7 + s) % plates == 0) level -= 300.0;
      for (int i = 0; i < HZ; ++i)
        feed[((size_t)s * plates + p) * HZ + i] = round((level + 1.5 * normal()) * 10) / 10;
    }
  }
  double seg[RUNS], peer[RUNS], sink = 0.0;
  long events = 0;
  for (int run = 0; run < RUNS; ++run) {
    rf_loadcell *lc;
    if (rf_loadcell_new(&lc, store, NULL) != 0) return 1;
    long run_events = 0;
    rf_loadcell_set_output(lc, count_event, NULL, &run_events);
    double t0 = now_s();
    for (int s = 0; s < seconds; ++s)
      for (int p = 0; p < plates; ++p)
        rf_loadcell_push(lc, (uint32_t)p, (rf_time_us)s * 1000000, 16667,
                         feed + ((size_t)s * plates + p) * HZ, HZ);
    seg[run] = now_s() - t0;
    rf_loadcell_free(lc);
    events = run_events;
    t0 = now_s();
    double sum = 0.0;
    for (size_t k = 0; k < n; ++k) sum += feed[k];
    peer[run] = now_s() - t0;
    sink += sum;
  }
  qsort(seg, RUNS, sizeof seg[0], compare);
  qsort(peer, RUNS, sizeof peer[0], compare);
  double rate = (double)n / seg[RUNS / 2], peer_rate = (double)n / peer[RUNS / 2];
  if (getenv("RF_BENCH_JSON")) {
    printf("{\"readings\":%zu,\"runs\":%d,\"readings_per_s\":%.0f,\"peer_per_s\":%.0f,"
           "\"events\":%ld}\n",
           n, RUNS, rate, peer_rate, events);
    free(feed);
    rf_store_free(store);
    return 0;
  }
  printf("load-cell sample path: %d plates x %d s at %d Hz = %zu readings, median of %d runs\n",
         plates, seconds, HZ, n, RUNS);
  printf("  rf_loadcell_push   %8.1f M readings/s  (%ld events)\n", rate / 1e6, events);
  printf("  peer: one sum      %8.1f M readings/s  (ratio %.2f)\n", peer_rate / 1e6,
         peer_rate / rate);
  printf("  target >= 20 M readings/s: %s\n", rate >= 20e6 ? "met" : "not met");
  if (sink == 0.5) printf("\n"); /* keep the peer's sum alive */
  free(feed);
  rf_store_free(store);
  return 0;
}
