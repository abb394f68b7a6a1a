/* Raw plate readings. Every reading is computed on its own from the world and a counter-based
 * random number (the seed, the plate and the reading's index), so readings do not depend on the
 * order they are asked for in, and emitting them interleaved with other events costs nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "samples.h"

#define RAMP_US 150000.0       /* an item takes this long to leave or settle */
#define PRESS_RISE_US 200000.0 /* a hand's pressure builds and fades over this */

static uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double unit(uint64_t bits) { return (double)(bits >> 11) * 0x1.0p-53; }

/* A standard normal number fixed by (seed, a, b). */
static double hashed_normal(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t h1 = mix64(seed ^ mix64(a * 0x100000001B3ULL ^ mix64(b)));
  uint64_t h2 = mix64(h1 ^ 0xD6E8FEB86659FD93ULL);
  double u1 = unit(h1), u2 = unit(h2);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double hashed_uniform(uint64_t seed, uint64_t a, uint64_t b) {
  return unit(mix64(seed ^ mix64(a * 0x9E3779B97F4A7C15ULL ^ mix64(b + 0x1234567ULL))));
}

/* Grams of a weight w centred at x over [x - width/2, x + width/2] that rest on plate k. */
static double share_on(const sim_world *w, int shelf, int k, double x, double width, double g) {
  const sim_shelf *sh = &w->shelves[shelf];
  double a = fmax(0.0, x - width / 2), b = fmin(sh->width, x + width / 2);
  const sim_plate *pl = &w->plates[sh->first_plate + k];
  double overlap = fmin(b, pl->x1) - fmax(a, pl->x0);
  return (b > a && overlap > 0) ? g * overlap / (b - a) : 0.0;
}

int rf__samples_prepare(sample_model *m, sim_world *w, uint64_t seed) {
  memset(m, 0, sizeof *m);
  m->seed = seed;
  size_t n = (size_t)w->plate_count + 1;
  m->initial = rf__calloc(w->alloc, n, sizeof *m->initial);
  m->offset = rf__calloc(w->alloc, n, sizeof *m->offset);
  m->drift = rf__calloc(w->alloc, n, sizeof *m->drift);
  m->plate_shelf = rf__calloc(w->alloc, n, sizeof *m->plate_shelf);
  if (!m->initial || !m->offset || !m->drift || !m->plate_shelf) return RF_ENOMEM;
  for (int s = 0; s < w->shelf_count; ++s)
    for (int k = 0; k < w->shelves[s].plate_count; ++k)
      m->plate_shelf[w->shelves[s].first_plate + k] = s;
  for (int f = 0; f < w->facing_count; ++f) {
    const sim_facing *fc = &w->facings[f];
    const sim_shelf *sh = &w->shelves[fc->shelf];
    for (int lane = 0; lane < fc->lanes; ++lane) {
      double lane_g = 0.0;
      for (int d = 0; d < fc->count[lane]; ++d) lane_g += fc->weights[lane * fc->depth + d];
      double x = fc->x0 + (lane + 0.5) * fc->lane_w;
      for (int k = 0; k < sh->plate_count; ++k)
        m->initial[sh->first_plate + k] += share_on(w, fc->shelf, k, x, 0.9 * fc->lane_w, lane_g);
    }
  }
  for (int p = 0; p < w->plate_count; ++p) {
    m->offset[p] = 800.0 + 3200.0 * hashed_uniform(seed, (uint64_t)p, 1);
    m->drift[p] = w->p->drift_g_per_h / 3600.0 * hashed_normal(seed, (uint64_t)p, 2);
  }
  return 0;
}

typedef struct step_key {
  int plate;
  plate_step step;
} step_key;

static int by_plate_time(const void *a, const void *b) {
  const step_key *x = a, *y = b;
  if (x->plate != y->plate) return x->plate - y->plate;
  return (x->step.t > y->step.t) - (x->step.t < y->step.t);
}

typedef struct reach_key {
  int shelf, index;
  int64_t t0;
} reach_key;

static int by_shelf_start(const void *a, const void *b) {
  const reach_key *x = a, *y = b;
  if (x->shelf != y->shelf) return x->shelf - y->shelf;
  if (x->t0 != y->t0) return x->t0 < y->t0 ? -1 : 1;
  return x->index - y->index;
}

int rf__samples_plan(sample_model *m, sim_world *w) {
  const rf_sim_params *p = w->p;
  size_t cap = 0, count = 0;
  step_key *keys = NULL;
  for (size_t q = 0; q < w->move_count; ++q) {
    const sim_move *mv = &w->moves[q];
    const sim_shelf *sh = &w->shelves[mv->shelf];
    for (int k = 0; k < sh->plate_count; ++k) {
      double g = share_on(w, mv->shelf, k, mv->x, mv->width, mv->sign * mv->weight);
      if (g == 0.0) continue;
      if (RF__RESERVE(w->alloc, keys, cap, count + 1) != 0) {
        rf__free(w->alloc, keys);
        return RF_ENOMEM;
      }
      keys[count].plate = sh->first_plate + k;
      keys[count].step.t = mv->t;
      keys[count].step.g = g;
      ++count;
    }
  }
  if (count > 1) qsort(keys, count, sizeof *keys, by_plate_time);
  m->steps = rf__calloc(w->alloc, count + 1, sizeof *m->steps);
  m->first_step = rf__calloc(w->alloc, (size_t)w->plate_count + 1, sizeof *m->first_step);
  reach_key *rk = rf__calloc(w->alloc, w->reach_count + 1, sizeof *rk);
  m->reach_order = rf__calloc(w->alloc, w->reach_count + 1, sizeof *m->reach_order);
  m->first_reach = rf__calloc(w->alloc, (size_t)w->shelf_count + 1, sizeof *m->first_reach);
  if (!m->steps || !m->first_step || !rk || !m->reach_order || !m->first_reach) {
    rf__free(w->alloc, keys);
    rf__free(w->alloc, rk);
    return RF_ENOMEM;
  }
  for (size_t q = 0, plate = 0; plate <= (size_t)w->plate_count; ++plate) {
    m->first_step[plate] = q;
    while (q < count && (size_t)keys[q].plate == plate) {
      m->steps[q] = keys[q].step;
      ++q;
    }
  }
  rf__free(w->alloc, keys);
  for (size_t q = 0; q < w->reach_count; ++q)
    rk[q] = (reach_key){w->reaches[q].shelf, (int)q, w->reaches[q].t0};
  if (w->reach_count > 1) qsort(rk, w->reach_count, sizeof *rk, by_shelf_start);
  for (size_t q = 0, shelf = 0; shelf <= (size_t)w->shelf_count; ++shelf) {
    m->first_reach[shelf] = q;
    while (q < w->reach_count && (size_t)rk[q].shelf == shelf) m->reach_order[q] = rk[q].index, ++q;
  }
  rf__free(w->alloc, rk);
  /* Readings run from the first arrival to the last exit, in records of one second. */
  m->period_us = (int64_t)llround(1e6 / p->sample_hz);
  m->per_record = (int)fmax(1.0, round(p->sample_hz));
  m->start_us = 0;
  m->end_us = 0;
  for (int s = 0; s < w->shopper_count; ++s)
    if (w->shoppers[s].exit_us > m->end_us) m->end_us = w->shoppers[s].exit_us;
  int64_t record_us = m->period_us * m->per_record;
  m->records_per_plate = (size_t)((m->end_us - m->start_us) / record_us) + 1;
  return 0;
}

/* The part of a step of g grams at time ts that shows at time t. */
static double ramp(int64_t t, int64_t ts, double g) {
  double dt = (double)(t - ts);
  if (dt <= 0) return 0.0;
  return dt >= RAMP_US ? g : g * dt / RAMP_US;
}

/* Extra grams a resting hand puts on plate k at time t, from the reaches [lo, hi) of the shelf
 * (those that can be active during the record). */
static double pressure(const sample_model *m, const sim_world *w, int shelf, int k, int64_t t,
                       size_t lo, size_t hi) {
  double g = 0.0;
  for (size_t q = lo; q < hi; ++q) {
    const sim_reach *r = &w->reaches[m->reach_order[q]];
    if (r->t0 > t) break;
    /* The hand rests from just after it enters until the item moves (or it leaves). */
    int64_t until = r->move_count > 0 ? w->moves[r->first_move].t : r->t1 - 100000;
    if (t >= until + (int64_t)PRESS_RISE_US) continue;
    double force = 100.0 + 500.0 * hashed_uniform(m->seed, (uint64_t)m->reach_order[q], 3);
    double rise = fmin(1.0, (double)(t - r->t0) / PRESS_RISE_US);
    double fall = t > until ? 1.0 - (double)(t - until) / PRESS_RISE_US : 1.0;
    g += share_on(w, shelf, k, r->x, 0.08, force * rise * fmax(0.0, fall));
  }
  return g;
}

/* A reach lasts at most a few seconds; this bounds how early one can start and still press. */
#define LONGEST_REACH_US 10000000

int64_t rf__samples_fill(const sample_model *m, const sim_world *w, int plate, size_t k,
                         double *out, size_t *count) {
  int shelf = m->plate_shelf[plate];
  const sim_plate *pl = &w->plates[plate];
  int local = plate - w->shelves[shelf].first_plate;
  int64_t first = m->start_us + (int64_t)k * m->per_record * m->period_us;
  int64_t last = first + (m->per_record - 1) * m->period_us;
  /* The shelf's reaches that can press during this record: binary search on start time. */
  size_t lo = m->first_reach[shelf], hi = m->first_reach[shelf + 1], end;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (w->reaches[m->reach_order[mid]].t0 < first - LONGEST_REACH_US) lo = mid + 1;
    else hi = mid;
  }
  for (end = lo; end < m->first_reach[shelf + 1] && w->reaches[m->reach_order[end]].t0 <= last;
       ++end) {}
  size_t s0 = m->first_step[plate], s1 = m->first_step[plate + 1];
  for (int i = 0; i < m->per_record; ++i) {
    uint64_t index = (uint64_t)k * (uint64_t)m->per_record + (uint64_t)i;
    int64_t t = first + i * m->period_us;
    double load = m->initial[plate];
    for (size_t q = s0; q < s1 && m->steps[q].t < t; ++q)
      load += ramp(t, m->steps[q].t, m->steps[q].g);
    /* The load on the plate (items and a hand's pressure) is read through its gain; the offset
     * and drift are the cell's own. */
    double gain = rf__sim_gain(w, plate, t);
    double reading = m->offset[plate] + m->drift[plate] * (double)t / 1e6 + gain * load +
                     gain * pressure(m, w, shelf, local, t, lo, end) +
                     pl->noise * hashed_normal(m->seed, (uint64_t)plate + 1000003ULL, index);
    out[i] = round(reading * 10) / 10;
  }
  *count = (size_t)m->per_record;
  return first;
}

void rf__samples_free(sample_model *m, const sim_world *w) {
  rf__free(w->alloc, m->initial);
  rf__free(w->alloc, m->offset);
  rf__free(w->alloc, m->drift);
  rf__free(w->alloc, m->steps);
  rf__free(w->alloc, m->first_step);
  rf__free(w->alloc, m->reach_order);
  rf__free(w->alloc, m->first_reach);
  rf__free(w->alloc, m->plate_shelf);
  memset(m, 0, sizeof *m);
}
