/* Fuzz target: the load cells over the small fixed store, fed fuzzed readings: levels with
 * steps of items, noise, readings no plate should give (NaN, infinities, beyond the range,
 * absurd jumps), rates from 1 µs to 1 s, gaps, and records that go back in time; now and then
 * an advance of the clock, and the finish. Some inputs set the segmenter's parameters first
 * (within their bounds, moderately: extreme settings give infinite spreads, a known finding).
 * Checked: every call returns a documented code; every event names a shelf of the store with
 * its plates, t0 <= t1 within the times pushed, changes and spreads finite with spreads >= 0;
 * every fault names a plate of the store and a fault kind. RF_FUZZ_TRACE=1 prints each push. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "retailfuse/loadcell.h"
#include "retailfuse/status.h"

enum { MAX_CALLS = 300, MAX_READINGS = 64 };

typedef struct seen {
  rf_time_us t_min, t_max; /* the times readings were pushed for */
  int strict_times;        /* events within them (RF_FUZZ_IGNORE=event_time: t0 <= t1 only) */
} seen;

static int on_event(const rf_shelf_event *ev, void *payload) {
  const seen *s = payload;
  rf_shelf_def shelf;
  if (rf_store_shelf(fuzz_store(), ev->shelf, &shelf) != 0) fuzz_die("event: shelf %u", ev->shelf);
  if (ev->plate_count != shelf.plate_count) fuzz_die("event: %zu plates", ev->plate_count);
  if (ev->t0 > ev->t1 || (s->strict_times && (ev->t0 < s->t_min || ev->t1 > s->t_max)))
    fuzz_die("event: [%lld, %lld] outside [%lld, %lld]", (long long)ev->t0, (long long)ev->t1,
             (long long)s->t_min, (long long)s->t_max);
  for (size_t i = 0; i < ev->plate_count; ++i)
    if (!isfinite(ev->delta_g[i]) || !isfinite(ev->sd_g[i]) || ev->sd_g[i] < 0)
      fuzz_die("event: plate %zu: change %g, sd %g", i, ev->delta_g[i], ev->sd_g[i]);
  return 0;
}

static int on_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  (void)t;
  (void)payload;
  if (plate >= rf_store_plate_count(fuzz_store()) || rf_plate_fault_name(fault) == NULL)
    fuzz_die("fault %d on plate %u", (int)fault, plate);
  return 0;
}

/* A parameter from two bytes, within the middle of its range (log scale for wide ones). */
static void set_param(rf_loadcell *lc, fuzz_in *in) {
  rf_loadcell_param p = (rf_loadcell_param)(fuzz_byte(in) % RF_LOADCELL_PARAM_COUNT);
  double lo, hi, def, f = fuzz_byte(in) / 255.0;
  rf_loadcell_param_bounds(p, &lo, &hi, &def);
  double v = def > 0 ? def * pow(10.0, 2.0 * f - 1.0) : def + (f - 0.5) * 1000.0;
  int rc = rf_loadcell_param_set(lc, p, v);
  if (rc != 0 && rc != RF_ERANGE) fuzz_die("param_set returned %d", rc);
}

typedef struct state {
  fuzz_in in;
  rf_time_us now;
  double level[16];
  double g[MAX_READINGS];
} state;

static double reading(state *st, unsigned plate, unsigned b) {
  switch (b) {
    case 255: return NAN;
    case 254: return INFINITY;
    case 253: return -INFINITY;
    case 252: return 1e12;
    case 251: return st->level[plate] + 50000.0;
    case 250: st->level[plate] -= 540.67; return st->level[plate];
    case 249: st->level[plate] += 52.7; return st->level[plate];
    default: return st->level[plate] + (b % 32) * 0.05;
  }
}

static void push_readings(rf_loadcell *lc, state *st, seen *s, uint32_t plates) {
  static const int64_t rates[] = {16667, 16667, 100000, 1, 1000000, 5000};
  unsigned plate = fuzz_byte(&st->in) % plates, shape = fuzz_byte(&st->in);
  size_t n = 1 + fuzz_byte(&st->in) % MAX_READINGS;
  int64_t dt = rates[shape % 6];
  rf_time_us t = st->now + (rf_time_us)(int8_t)fuzz_byte(&st->in) * 20000;
  if (t < 0) t = 0;
  for (size_t i = 0; i < n; ++i) st->g[i] = reading(st, plate, fuzz_byte(&st->in));
  if (t < s->t_min) s->t_min = t;
  if (t + (rf_time_us)(n - 1) * dt > s->t_max) s->t_max = t + (rf_time_us)(n - 1) * dt;
  if (getenv("RF_FUZZ_TRACE") != NULL)
    fprintf(stderr, "push plate %u t %lld dt %lld n %zu first %g last %g\n", plate, (long long)t,
            (long long)dt, n, st->g[0], st->g[n - 1]);
  int rc = rf_loadcell_push(lc, plate, t, dt, st->g, n);
  if (rc != 0 && rc != RF_ERANGE) fuzz_die("push returned %d: %s", rc, rf_loadcell_errmsg(lc));
  if (t + (rf_time_us)n * dt > st->now) st->now = t + (rf_time_us)n * dt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rf_loadcell *lc;
  if (rf_loadcell_new(&lc, fuzz_store(), NULL) != 0) fuzz_die("rf_loadcell_new");
  state *st = calloc(1, sizeof *st);
  if (st == NULL) fuzz_die("out of memory");
  const char *ignore = getenv("RF_FUZZ_IGNORE");
  seen s = {INT64_MAX, 0, ignore == NULL || strstr(ignore, "event_time") == NULL};
  st->in = (fuzz_in){data, size};
  uint32_t plates = rf_store_plate_count(fuzz_store());
  for (uint32_t p = 0; p < plates; ++p) st->level[p] = 2000.0 + 300.0 * p;
  rf_loadcell_set_output(lc, on_event, on_fault, &s);
  for (unsigned k = fuzz_byte(&st->in) % 4; k > 0; --k) set_param(lc, &st->in);
  for (int i = 0; i < MAX_CALLS && st->in.left > 0; ++i) {
    unsigned op = fuzz_byte(&st->in) % 8;
    if (op == 7) {
      st->now += (rf_time_us)fuzz_byte(&st->in) * 50000;
      if (rf_loadcell_advance(lc, st->now) != 0) fuzz_die("advance: %s", rf_loadcell_errmsg(lc));
      if (st->now > s.t_max) s.t_max = st->now;
    } else {
      push_readings(lc, st, &s, plates);
    }
  }
  if (rf_loadcell_finish(lc) != 0) fuzz_die("finish: %s", rf_loadcell_errmsg(lc));
  free(st);
  rf_loadcell_free(lc);
  return 0;
}
