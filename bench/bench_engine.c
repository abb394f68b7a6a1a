/* The engine's own speed and memory, in C, on simulated stores: every event of a preset's
 * scenario goes to rf_engine_push as the simulator makes it (in memory, no JSON), and only the
 * engine's calls are timed.
 *
 *   decisions/s   settled weight changes decided, over the CPU time of all engine calls;
 *   latency       for each decided change, the time of the engine call that decided it — what a
 *                 host waits once the change's wait is over (median, p99, max);
 *   memory        bytes the engine holds (through its allocator hooks) at one hour of store time
 *                 and at the end, and the most after the first hour; the process's peak RSS
 *                 (simulator included) at the hour and at the end.
 *
 *   build-release/bin/bench_engine [--param NAME=VALUE]... [--set KNOB=VALUE]... [PRESET...]
 *                                                 (default: busy large day)
 * --param sets an engine parameter (CALIBRATE=0, say), --set a simulator knob of every preset.
 * Prints one line per preset; with RF_BENCH_JSON=1 one JSON object per line instead, with the
 * engine's bytes every five minutes of store time and every decision's latency. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#define _DEFAULT_SOURCE         /* getrusage */
#include <stdint.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retailfuse/retailfuse.h"

/* ---- an allocator that knows how many bytes are live ---- */

typedef struct counter {
  size_t live, peak;
} counter;

static void *count_malloc(size_t size, void *payload) {
  counter *c = payload;
  size_t *p = malloc(size + sizeof(size_t) * 2);
  if (p == NULL) return NULL;
  p[0] = size;
  c->live += size;
  if (c->live > c->peak) c->peak = c->live;
  return p + 2;
}

static void count_free(void *ptr, void *payload) {
  counter *c = payload;
  size_t *p = (size_t *)ptr - 2;
  c->live -= p[0];
  free(p);
}

static void *count_realloc(void *ptr, size_t size, void *payload) {
  counter *c = payload;
  if (ptr == NULL) return count_malloc(size, payload);
  size_t *p = (size_t *)ptr - 2, old = p[0];
  size_t *q = realloc(p, size + sizeof(size_t) * 2);
  if (q == NULL) return NULL;
  q[0] = size;
  c->live = c->live - old + size;
  if (c->live > c->peak) c->peak = c->live;
  return q + 2;
}

/* ---- the run ---- */

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define MOST_SETTINGS 16

typedef struct setting {
  char name[64];
  const char *value;
} setting;

static setting params[MOST_SETTINGS], knobs[MOST_SETTINGS];
static int param_count, knob_count;

typedef struct run {
  rf_scenario_check *check;
  rf_engine *engine;
  counter mem;
  rf_allocator alloc;
  double engine_s; /* time inside engine calls */
  long pushes;
  int64_t last_event; /* the last change a diff was made for */
  long decided;       /* changes that got a diff */
  long made_now;      /* changes decided in the current call */
  double *latency;    /* per decided change: the deciding call's time */
  size_t latency_n, latency_cap;
  size_t live_at_hour, peak_after_hour;
  long rss_at_hour_kb;
  int past_hour;
  size_t series[1024]; /* engine bytes every five minutes of store time */
  int series_n;
} run;

static long peak_rss_kb(void) {
  struct rusage u;
  return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : 0;
}

static int on_output(const rf_record *rec, void *payload) {
  run *r = payload;
  if (rec->type == RF_RECORD_DIFF && rec->u.diff.event != r->last_event) {
    r->last_event = rec->u.diff.event;
    r->made_now++;
  }
  return 0;
}

static void note_latency(run *r, double dt) {
  for (long k = 0; k < r->made_now; ++k) {
    if (r->latency_n == r->latency_cap) {
      r->latency_cap = r->latency_cap ? 2 * r->latency_cap : 1024;
      r->latency = realloc(r->latency, r->latency_cap * sizeof *r->latency);
      if (r->latency == NULL) abort();
    }
    r->latency[r->latency_n++] = dt;
  }
  r->decided += r->made_now;
  r->made_now = 0;
}

static int on_record(const rf_record *rec, void *payload) {
  run *r = payload;
  if (rec->type <= RF_RECORD_FACING || rec->type == RF_RECORD_CAMERA || rec->type == RF_RECORD_ZONE)
    return rf_scenario_check_record(r->check, rec); /* the store, cameras and zones */
  if (rec->type < RF_RECORD_ENTER || rec->type > RF_RECORD_HAND) return 0;
  if (r->engine == NULL) {
    const rf_store *store = rf_scenario_check_store(r->check);
    if (store == NULL || rf_engine_new(&r->engine, store, &r->alloc) != 0) return RF_ENOMEM;
    rf_engine_set_output(r->engine, on_output, r);
    for (int k = 0; k < param_count; ++k) {
      rf_engine_param which = RF_PARAM_COUNT;
      for (int q = 0; q < RF_PARAM_COUNT; ++q)
        if (strcmp(rf_engine_param_name((rf_engine_param)q), params[k].name) == 0)
          which = (rf_engine_param)q;
      if (which == RF_PARAM_COUNT ||
          rf_engine_param_set(r->engine, which, strtod(params[k].value, NULL)) != 0) {
        fprintf(stderr, "bench_engine: cannot set %s=%s\n", params[k].name, params[k].value);
        exit(2);
      }
    }
  }
  rf_time_us t0 = 0, t1 = 0;
  switch (rec->type) {
    case RF_RECORD_HAND: t1 = rec->u.hand.t1; break;
    case RF_RECORD_DELTA: t1 = rec->u.delta.t1; break;
    case RF_RECORD_SAMPLES: t1 = rec->u.samples.t; break;
    default: t1 = rec->u.enter.t; break; /* enter, exit, link, position: t first */
  }
  (void)t0;
  if (!r->past_hour && t1 >= (rf_time_us)3600 * 1000000) {
    r->past_hour = 1;
    r->live_at_hour = r->mem.live;
    r->rss_at_hour_kb = peak_rss_kb();
    r->mem.peak = r->mem.live;
  }
  while (r->series_n < 1024 && t1 >= (rf_time_us)r->series_n * 300 * 1000000)
    r->series[r->series_n++] = r->mem.live;
  double s = now_s();
  int rc = rf_engine_push(r->engine, rec);
  double dt = now_s() - s;
  r->engine_s += dt;
  r->pushes++;
  note_latency(r, dt);
  /* A record set aside (a tracker's broken-off id, a stray) is the engine doing its job. */
  return rc == RF_ELATE || rc == RF_SETASIDE ? 0 : rc;
}

static int ignore(const rf_record *rec, void *payload) {
  (void)rec, (void)payload;
  return 0;
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* NAME=VALUE into one of the settings; 0, or -1 when it has no '=' or there are too many. */
static int add_setting(setting *list, int *count, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (eq == NULL || *count == MOST_SETTINGS || (size_t)(eq - arg) >= sizeof list->name) return -1;
  memcpy(list[*count].name, arg, (size_t)(eq - arg));
  list[*count].name[eq - arg] = '\0';
  list[(*count)++].value = eq + 1;
  return 0;
}

int main(int argc, char **argv) {
  static const char *defaults[] = {"busy", "large", "day"};
  int first = 1;
  while (first + 1 < argc &&
         (strcmp(argv[first], "--param") == 0 || strcmp(argv[first], "--set") == 0)) {
    int param = strcmp(argv[first], "--param") == 0;
    if (add_setting(param ? params : knobs, param ? &param_count : &knob_count, argv[first + 1]) !=
        0) {
      fprintf(stderr, "bench_engine: %s takes NAME=VALUE\n", argv[first]);
      return 2;
    }
    first += 2;
  }
  argc -= first - 1;
  argv += first - 1;
  int count = argc > 1 ? argc - 1 : 3;
  int json = getenv("RF_BENCH_JSON") != NULL;
  if (!json)
    printf("%-8s %8s %9s %12s %10s %10s %10s %12s %12s %12s\n", "preset", "events", "decided",
           "decisions/s", "lat med", "lat p99", "lat max", "mem @1h", "mem end", "peak >1h");
  for (int i = 0; i < count; ++i) {
    const char *preset = argc > 1 ? argv[i + 1] : defaults[i];
    rf_sim_params p;
    if (rf_sim_preset(&p, preset) != 0) {
      fprintf(stderr, "bench_engine: unknown preset '%s'\n", preset);
      return 2;
    }
    for (int k = 0; k < knob_count; ++k)
      if (rf_sim_set(&p, knobs[k].name, knobs[k].value) != 0) {
        fprintf(stderr, "bench_engine: cannot set knob %s=%s\n", knobs[k].name, knobs[k].value);
        return 2;
      }
    run r;
    memset(&r, 0, sizeof r);
    r.last_event = -1;
    r.alloc = (rf_allocator){count_malloc, count_realloc, count_free, &r.mem};
    if (rf_scenario_check_new(&r.check, NULL) != 0) return 1;
    int rc = rf_sim_run(&p, 1, on_record, &r, ignore, NULL, NULL);
    if (rc != 0) {
      fprintf(stderr, "bench_engine: %s: %s\n", preset, rf_strerror(rc));
      return 1;
    }
    double s = now_s();
    rf_engine_finish(r.engine);
    double dt = now_s() - s;
    r.engine_s += dt;
    note_latency(&r, dt);
    size_t live_end = r.mem.live;
    qsort(r.latency, r.latency_n, sizeof *r.latency, by_double);
    double med = r.latency_n ? r.latency[r.latency_n / 2] : 0.0;
    double p99 = r.latency_n ? r.latency[(size_t)(0.99 * (double)(r.latency_n - 1))] : 0.0;
    double max = r.latency_n ? r.latency[r.latency_n - 1] : 0.0;
    double rate = r.engine_s > 0 ? (double)r.decided / r.engine_s : 0.0;
    if (json) {
      printf("{\"preset\":\"%s\",\"events\":%ld,\"decided\":%ld,\"engine_s\":%.6f,"
             "\"decisions_per_s\":%.1f,\"latency_median_us\":%.2f,\"latency_p99_us\":%.2f,"
             "\"latency_max_us\":%.2f,\"mem_at_hour\":%zu,\"mem_end\":%zu,"
             "\"mem_peak_after_hour\":%zu,\"past_hour\":%d,\"rss_at_hour_kb\":%ld,"
             "\"rss_end_kb\":%ld,\"mem_every_5min\":[",
             preset, r.pushes, r.decided, r.engine_s, rate, med * 1e6, p99 * 1e6, max * 1e6,
             r.live_at_hour, live_end, r.past_hour ? r.mem.peak : 0, r.past_hour, r.rss_at_hour_kb,
             peak_rss_kb());
      for (int k = 0; k < r.series_n; ++k) printf("%s%zu", k ? "," : "", r.series[k]);
      printf("],\"latency_us\":[");
      for (size_t k = 0; k < r.latency_n; ++k) printf("%s%.1f", k ? "," : "", r.latency[k] * 1e6);
      printf("]}\n");
    } else
      printf("%-8s %8ld %9ld %12.0f %8.1f us %8.1f us %8.1f us %10zu B %10zu B %10zu B\n", preset,
             r.pushes, r.decided, rate, med * 1e6, p99 * 1e6, max * 1e6, r.live_at_hour, live_end,
             r.past_hour ? r.mem.peak : 0);
    rf_engine_free(r.engine);
    rf_scenario_check_free(r.check);
    free(r.latency);
  }
  return 0;
}
