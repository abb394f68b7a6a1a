/* How well the load-cell segmenter finds the shelf changes in raw readings: for each preset and
 * seed the simulator runs twice, once writing settled deltas (the reference: every change of a
 * shelf, reaches within 0.8 s merged, as the simulator's load cells settle them) and once raw
 * 60 Hz readings of every plate (offsets, drift, noise, hand pressure, ramps), which go through
 * rf_loadcell in memory. An event matches a reference change of the same shelf whose span,
 * widened by a second either side, overlaps its own; each is matched once, the closest in
 * total weight first. Prints per preset the events' precision and recall and the error of the
 * matched totals (median and 95th percentile, grams).
 *
 *   build-release/bin/bench_detection [seeds, default 20] [presets...] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/retailfuse.h"

typedef struct change {
  uint32_t shelf;
  rf_time_us t0, t1;
  double total;
  int matched;
} change;

typedef struct list {
  change *v;
  size_t n, cap;
} list;

static void push(list *l, change c) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 256;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
    if (l->v == NULL) abort();
  }
  l->v[l->n++] = c;
}

typedef struct run {
  rf_scenario_check *check; /* builds the store from the store records */
  rf_loadcell *loadcell;    /* samples mode */
  list *out;
  long faults;
} run;

static int on_event(const rf_shelf_event *ev, void *payload) {
  run *r = payload;
  double total = 0.0;
  for (size_t k = 0; k < ev->plate_count; ++k) total += ev->delta_g[k];
  push(r->out, (change){ev->shelf, ev->t0, ev->t1, total, 0});
  return 0;
}

static int on_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  (void)plate, (void)fault, (void)t;
  ((run *)payload)->faults++;
  return 0;
}

static int on_record(const rf_record *rec, void *payload) {
  run *r = payload;
  if (rec->type <= RF_RECORD_FACING || rec->type == RF_RECORD_CAMERA || rec->type == RF_RECORD_ZONE)
    return rf_scenario_check_record(r->check, rec); /* the store, cameras and zones */
  const rf_store *store = rf_scenario_check_store(r->check);
  if (store == NULL) return RF_EINVAL;
  if (rec->type == RF_RECORD_DELTA) {
    uint32_t shelf;
    rf_store_find_shelf(store, rec->u.delta.shelf, &shelf);
    double total = 0.0;
    for (size_t k = 0; k < rec->u.delta.plate_count; ++k) total += rec->u.delta.plates[k].g;
    push(r->out, (change){shelf, rec->u.delta.t0, rec->u.delta.t1, total, 0});
  } else if (rec->type == RF_RECORD_SAMPLES) {
    if (r->loadcell == NULL) {
      if (rf_loadcell_new(&r->loadcell, store, NULL) != 0) return RF_ENOMEM;
      rf_loadcell_set_output(r->loadcell, on_event, on_fault, r);
    }
    uint32_t plate;
    rf_store_find_plate(store, rec->u.samples.plate, &plate);
    rf_loadcell_push(r->loadcell, plate, rec->u.samples.t, rec->u.samples.dt_us, rec->u.samples.g,
                     rec->u.samples.count);
  }
  return 0;
}

static int ignore(const rf_record *rec, void *payload) {
  (void)rec, (void)payload;
  return 0;
}

static int simulate(const char *preset, uint64_t seed, int samples, list *out, long *faults) {
  rf_sim_params p;
  if (rf_sim_preset(&p, preset) != 0) return RF_ENOTFOUND;
  p.samples_mode = samples;
  run r = {NULL, NULL, out, 0};
  if (rf_scenario_check_new(&r.check, NULL) != 0) return RF_ENOMEM;
  int rc = rf_sim_run(&p, seed, on_record, &r, ignore, NULL, NULL);
  if (r.loadcell) rf_loadcell_finish(r.loadcell);
  rf_loadcell_free(r.loadcell);
  rf_scenario_check_free(r.check);
  *faults += r.faults;
  return rc;
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int seeds = argc > 1 ? atoi(argv[1]) : 20;
  static const char *defaults[] = {"easy", "busy", "adversarial"};
  int preset_count = argc > 2 ? argc - 2 : 3;
  if (!getenv("RF_BENCH_JSON")) {
    printf("segmenter events vs the simulator's settled changes, seeds 1-%d\n", seeds);
    printf("%-12s %8s %8s %9s %7s %12s %10s %7s\n", "preset", "changes", "events", "precision",
           "recall", "|err| median", "|err| p95", "faults");
  }
  for (int pi = 0; pi < preset_count; ++pi) {
    const char *preset = argc > 2 ? argv[pi + 2] : defaults[pi];
    size_t refs = 0, events = 0, matched = 0;
    long faults = 0;
    double *err = NULL;
    size_t err_n = 0;
    for (int seed = 1; seed <= seeds; ++seed) {
      list ref = {0}, got = {0};
      if (simulate(preset, (uint64_t)seed, 0, &ref, &faults) != 0 ||
          simulate(preset, (uint64_t)seed, 1, &got, &faults) != 0) {
        fprintf(stderr, "bench_detection: preset '%s' seed %d failed\n", preset, seed);
        return 1;
      }
      err = realloc(err, (err_n + got.n + 1) * sizeof *err);
      for (size_t i = 0; i < got.n; ++i) {
        change *ev = &got.v[i];
        change *best = NULL;
        for (size_t j = 0; j < ref.n; ++j) {
          change *c = &ref.v[j];
          if (c->matched || c->shelf != ev->shelf || ev->t1 < c->t0 - 1000000 ||
              ev->t0 > c->t1 + 1000000)
            continue;
          if (best == NULL || fabs(c->total - ev->total) < fabs(best->total - ev->total)) best = c;
        }
        if (best == NULL) continue;
        best->matched = ev->matched = 1;
        err[err_n++] = fabs(best->total - ev->total);
        matched++;
      }
      refs += ref.n;
      events += got.n;
      free(ref.v);
      free(got.v);
    }
    qsort(err, err_n, sizeof *err, by_double);
    double median = err_n ? err[err_n / 2] : NAN,
           p95 = err_n ? err[(size_t)(0.95 * (double)(err_n - 1))] : NAN;
    if (getenv("RF_BENCH_JSON"))
      printf("{\"preset\":\"%s\",\"seeds\":%d,\"changes\":%zu,\"events\":%zu,"
             "\"precision\":%.6f,\"recall\":%.6f,\"err_median_g\":%.3f,\"err_p95_g\":%.3f,"
             "\"faults\":%ld}\n",
             preset, seeds, refs, events, events ? (double)matched / (double)events : 0.0,
             refs ? (double)matched / (double)refs : 0.0, median, p95, faults);
    else
      printf("%-12s %8zu %8zu %9.4f %7.4f %12.2f %10.2f %7ld\n", preset, refs, events,
             events ? (double)matched / (double)events : NAN,
             refs ? (double)matched / (double)refs : NAN, median, p95, faults);
    free(err);
  }
  return 0;
}
