/* What the sensors report about the simulated world: camera hand visits (jittered, missed,
 * anonymous, misidentified, false, with hints of configurable reliability) and load-cell weight
 * changes (every item that left or arrived, split over the plates under it by overlap, merged
 * per shelf when changes come close together — as a segmenter would see two hands in one
 * shelf — each plate reading its share times its gain, plus per-plate noise). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "sensors.h"
#include "tracker.h"

#define US 1000000.0
#define MERGE_WINDOW_US 800000 /* changes closer than this on one shelf are one event */

static int64_t us(double seconds) { return (int64_t)llround(seconds * US); }

/* A shopper other than `not` who is in the store at t, or -1. */
static int someone_present(sim_world *w, rf__rng *r, int64_t t, int not ) {
  int candidates = 0;
  for (int s = 0; s < w->shopper_count; ++s)
    if (s != not &&w->shoppers[s].enter_us < t && w->shoppers[s].exit_us > t) ++candidates;
  if (candidates == 0) return -1;
  int pick = rf__rng_int(r, 0, candidates - 1);
  for (int s = 0; s < w->shopper_count; ++s)
    if (s != not &&w->shoppers[s].enter_us < t && w->shoppers[s].exit_us > t && pick-- == 0)
      return s;
  return -1;
}

static int add_hand(sensor_log *log, const sim_world *w, const sensed_hand *h) {
  if (RF__RESERVE(w->alloc, log->hands, log->hand_cap, log->hand_count + 1) != 0) return RF_ENOMEM;
  log->hands[log->hand_count++] = *h;
  return 0;
}

static void hints(sim_world *w, sensed_hand *h, int took, int put, int product) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_camera;
  if (!rf__rng_chance(r, p->hint_share)) return;
  h->has_hints = 1;
  h->holding_in = rf__rng_chance(r, p->hint_reliability) ? put : !put;
  h->holding_out = rf__rng_chance(r, p->hint_reliability) ? took : !took;
  h->score_product = -1;
  if (product < 0) return;
  int shown = product;
  if (!rf__rng_chance(r, p->hint_reliability)) {
    /* Another product of the shelf: a wrong hint is wrong (the item's own facing may be here). */
    const sim_shelf *sh = &w->shelves[h->shelf];
    int own = w->products[product].facing - sh->first_facing;
    int here = own >= 0 && own < sh->facing_count;
    if (sh->facing_count > here) {
      int k = rf__rng_int(r, 0, sh->facing_count - 1 - here);
      if (here && k >= own) ++k;
      shown = w->facings[sh->first_facing + k].product;
    }
  }
  h->score_product = shown;
  h->score = round(rf__rng_range(r, 0.5, 0.95) * 100) / 100;
}

/* Other shoppers within 1.5 m of shopper s at t, and the nearest of them (-1: none). */
static int crowd_around(const sim_world *w, int s, int64_t t, int *nearest) {
  double x, y, best = INFINITY;
  int count = 0;
  rf__sim_where(w, s, t, &x, &y);
  *nearest = -1;
  for (int o = 0; o < w->shopper_count; ++o) {
    if (o == s || w->shoppers[o].enter_us >= t || w->shoppers[o].exit_us <= t) continue;
    double ox, oy;
    rf__sim_where(w, o, t, &ox, &oy);
    double d = hypot(ox - x, oy - y);
    count += d < 1.5;
    if (d < best) best = d, *nearest = o;
  }
  return count;
}

/* Cameras blind part of the time over each shelf (occlusion by shoppers, displays, glare): a
 * share of each period, periods of 10-40 s; NULL when blind_share is 0. */
typedef struct blind_zone {
  double period_s, share, phase;
} blind_zone;

static int plan_blind(sim_world *w, blind_zone **out) {
  *out = NULL;
  if (w->p->blind_share <= 0) return 0;
  blind_zone *z = rf__calloc(w->alloc, (size_t)w->shelf_count + 1, sizeof *z);
  if (z == NULL) return RF_ENOMEM;
  for (int s = 0; s < w->shelf_count; ++s) {
    z[s].period_s = rf__rng_range(&w->rng_blind, 10.0, 40.0);
    z[s].share = fmin(0.95, w->p->blind_share * rf__rng_range(&w->rng_blind, 2.0 / 3, 4.0 / 3));
    z[s].phase = rf__rng_uniform(&w->rng_blind);
  }
  *out = z;
  return 0;
}

static int is_blind(const blind_zone *z, int shelf, int64_t t) {
  if (z == NULL) return 0;
  double cycle = (double)t / US / z[shelf].period_s + z[shelf].phase;
  return cycle - floor(cycle) < z[shelf].share;
}

/* Who the cameras say a real reach's hand is: the tracker's id for its shopper, unless seen
 * anonymous or given another's id — both more often where it is crowded. -1: anonymous; <= -2:
 * a broken-off track's id (sensed_hand). */
static int identify(sim_world *w, const sim_reach *reach) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_camera;
  int64_t mid = reach->t0 + (reach->t1 - reach->t0) / 2;
  int nearest = -1, crowd = 0;
  if (p->crowd_gain > 0 || p->wrong_id_nearby > 0)
    crowd = crowd_around(w, reach->shopper, mid, &nearest);
  double grow = 1.0 + p->crowd_gain * crowd;
  if (rf__rng_chance(r, fmin(0.95, p->anonymous_rate * grow))) return -1;
  int label = rf__sim_track_label(w, reach->shopper, mid);
  if (rf__rng_chance(r, fmin(0.95, p->wrong_id_rate * grow))) {
    int other = p->wrong_id_nearby > 0 && nearest >= 0 && rf__rng_chance(r, p->wrong_id_nearby)
                    ? nearest
                    : someone_present(w, r, reach->t0, reach->shopper);
    if (other >= 0) label = rf__sim_track_label(w, other, mid);
  }
  return label >= 0 ? label : label - 1;
}

/* Two hands close together on one shelf at once, seen as one visit: the earlier reach's hand,
 * if any, that this one would merge into (overlapping in time, within 0.3 m). */
static int merges_into(sim_world *w, const sensor_log *log, const int *hand_of, size_t q) {
  const sim_reach *reach = &w->reaches[q];
  if (w->p->merge_rate <= 0) return -1;
  for (size_t o = 0; o < q; ++o) {
    const sim_reach *other = &w->reaches[o];
    int h = hand_of[o];
    if (h < 0 || other->shelf != reach->shelf || other->shopper == reach->shopper) continue;
    if (other->t1 < reach->t0 || reach->t1 < other->t0 || fabs(other->x - reach->x) > 0.3) continue;
    if (log->hands[h].merged) continue;
    return rf__rng_chance(&w->rng_camera, w->p->merge_rate) ? h : -1;
  }
  return -1;
}

static void merge(sim_world *w, sensed_hand *h, const sim_reach *reach) {
  h->t0 = reach->t0 < h->t0 ? reach->t0 : h->t0;
  h->t1 = reach->t1 > h->t1 ? reach->t1 : h->t1;
  h->x = round((h->x + reach->x) / 2 * 1000) / 1000;
  h->merged = 1;
  h->arrives = h->t1 + us(rf__rng_range(&w->rng_camera, 0.0, w->p->camera_delay_max_s));
}

/* The camera's record of a real reach. */
static void see(sim_world *w, const sim_reach *reach, size_t q, sensed_hand *h) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_camera;
  const sim_shelf *sh = &w->shelves[reach->shelf];
  memset(h, 0, sizeof *h);
  h->shelf = reach->shelf;
  h->reach = (int)q;
  h->shopper = identify(w, reach);
  h->t0 = reach->t0 + us(rf__rng_normal(r, p->time_jitter_s));
  h->t1 = reach->t1 + us(rf__rng_normal(r, p->time_jitter_s));
  if (h->t1 < h->t0) h->t1 = h->t0;
  h->x = fmin(fmax(reach->x + rf__rng_normal(r, p->x_noise_m), 0.0), sh->width);
  h->x = round(h->x * 1000) / 1000;
  h->conf =
      round((h->shopper == -1 ? rf__rng_range(r, 0.3, 0.8) : rf__rng_range(r, 0.6, 1.0)) * 100) /
      100;
  hints(w, h, reach->took, reach->put, reach->product);
  h->arrives = h->t1 + us(rf__rng_range(r, 0.0, p->camera_delay_max_s));
}

/* A hand seen where none was: someone in the store, any shelf, nothing moved. */
static int false_visit(sim_world *w, sensor_log *log, const sim_reach *reach) {
  rf__rng *r = &w->rng_camera;
  int who = someone_present(w, r, reach->t0, -1);
  if (who < 0) return 0;
  sensed_hand h;
  memset(&h, 0, sizeof h);
  h.reach = -1;
  h.shopper = who;
  h.shelf = rf__rng_int(r, 0, w->shelf_count - 1);
  h.t0 = reach->t0 + us(rf__rng_range(r, -5.0, 5.0));
  const sim_shopper *s = &w->shoppers[who];
  if (h.t0 <= s->enter_us) h.t0 = s->enter_us + us(1.0);
  h.t1 = h.t0 + us(rf__rng_range(r, 0.5, 3.0));
  if (h.t1 >= s->exit_us) {
    /* Nor after they left: a stay is at least 5 s, so this is still after the entry. */
    h.t0 -= h.t1 - (s->exit_us - us(1.0));
    h.t1 = s->exit_us - us(1.0);
  }
  h.x = round(rf__rng_range(r, 0.0, w->shelves[h.shelf].width) * 1000) / 1000;
  h.conf = round(rf__rng_range(r, 0.3, 0.9) * 100) / 100;
  hints(w, &h, 0, 0, -1);
  h.arrives = h.t1 + us(rf__rng_range(r, 0.0, w->p->camera_delay_max_s));
  return add_hand(log, w, &h);
}

/* A reach the cameras miss: by chance (more where it is crowded), or in a blind moment. */
static int missed(sim_world *w, const sim_reach *reach, const blind_zone *blind) {
  const rf_sim_params *p = w->p;
  double rate = p->missed_rate;
  if (p->crowd_gain > 0) {
    int nearest;
    rate = fmin(0.95,
                rate * (1.0 + p->crowd_gain * crowd_around(w, reach->shopper,
                                                           reach->t0 + (reach->t1 - reach->t0) / 2,
                                                           &nearest)));
  }
  if (rf__rng_chance(&w->rng_camera, rate)) return 1;
  return is_blind(blind, reach->shelf, reach->t0 + (reach->t1 - reach->t0) / 2);
}

static int cameras(sim_world *w, sensor_log *log) {
  const rf_sim_params *p = w->p;
  blind_zone *blind = NULL;
  int *hand_of = rf__calloc(w->alloc, w->reach_count + 1, sizeof *hand_of);
  int rc = hand_of == NULL ? RF_ENOMEM : plan_blind(w, &blind);
  for (size_t q = 0; q < w->reach_count && rc == 0; ++q) {
    const sim_reach *reach = &w->reaches[q];
    hand_of[q] = -1;
    if (!missed(w, reach, blind)) {
      int into = merges_into(w, log, hand_of, q);
      if (into >= 0) {
        merge(w, &log->hands[into], reach);
      } else {
        sensed_hand h;
        see(w, reach, q, &h);
        hand_of[q] = (int)log->hand_count;
        if ((rc = add_hand(log, w, &h)) != 0) break;
      }
    }
    if (rf__rng_chance(&w->rng_camera, p->false_rate)) rc = false_visit(w, log, reach);
  }
  rf__free(w->alloc, blind);
  rf__free(w->alloc, hand_of);
  return rc;
}

/* Moves keyed for sorting by shelf, then time (qsort has no context argument). */
typedef struct move_key {
  int shelf, index;
  int64_t t;
} move_key;

static int by_shelf_time(const void *a, const void *b) {
  const move_key *x = a, *y = b;
  if (x->shelf != y->shelf) return x->shelf - y->shelf;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->index - y->index;
}

/* Adds a move's weight to the plates under its footprint, by overlap. */
static void spread(const sim_world *w, const sim_move *m, double *grams) {
  const sim_shelf *sh = &w->shelves[m->shelf];
  double a = fmax(0.0, m->x - m->width / 2), b = fmin(sh->width, m->x + m->width / 2);
  if (b <= a) return;
  for (int k = 0; k < sh->plate_count; ++k) {
    const sim_plate *pl = &w->plates[sh->first_plate + k];
    double overlap = fmin(b, pl->x1) - fmax(a, pl->x0);
    if (overlap > 0) grams[k] += m->sign * m->weight * overlap / (b - a);
  }
}

static int load_cells(sim_world *w, sensor_log *log) {
  rf__rng *r = &w->rng_cells;
  size_t n = w->move_count;
  move_key *order = rf__calloc(w->alloc, n + 1, sizeof *order);
  int max_plates = 0;
  for (int s = 0; s < w->shelf_count; ++s)
    if (w->shelves[s].plate_count > max_plates) max_plates = w->shelves[s].plate_count;
  double *grams = rf__calloc(w->alloc, (size_t)max_plates + 1, sizeof *grams);
  if (order == NULL || grams == NULL) {
    rf__free(w->alloc, order);
    rf__free(w->alloc, grams);
    return RF_ENOMEM;
  }
  for (size_t q = 0; q < n; ++q) {
    order[q].shelf = w->moves[q].shelf;
    order[q].index = (int)q;
    order[q].t = w->moves[q].t;
  }
  qsort(order, n, sizeof *order, by_shelf_time);
  int rc = 0;
  for (size_t q = 0; q < n && rc == 0;) {
    const sim_move *first = &w->moves[order[q].index];
    const sim_shelf *sh = &w->shelves[first->shelf];
    memset(grams, 0, (size_t)sh->plate_count * sizeof *grams);
    size_t end = q;
    int64_t last_t = first->t;
    while (end < n && w->moves[order[end].index].shelf == first->shelf &&
           w->moves[order[end].index].t - last_t <= MERGE_WINDOW_US) {
      last_t = w->moves[order[end].index].t;
      spread(w, &w->moves[order[end].index], grams);
      ++end;
    }
    sensed_delta d;
    memset(&d, 0, sizeof d);
    d.shelf = first->shelf;
    d.t0 = first->t - us(0.15);
    d.t1 = last_t + us(rf__rng_range(r, 0.3, 0.7));
    d.first = (int)log->change_count;
    /* Changed plates and their neighbours, each read through its gain at the first change (a
     * gain drifts by well under 0.01 % in the seconds a delta spans) with its own noise. */
    for (int k = 0; k < sh->plate_count && rc == 0; ++k) {
      int near = fabs(grams[k]) > 1e-9 || (k > 0 && fabs(grams[k - 1]) > 1e-9) ||
                 (k + 1 < sh->plate_count && fabs(grams[k + 1]) > 1e-9);
      if (!near) continue;
      const sim_plate *pl = &w->plates[sh->first_plate + k];
      if (RF__RESERVE(w->alloc, log->changes, log->change_cap, log->change_count + 1) != 0) {
        rc = RF_ENOMEM;
        break;
      }
      log->changes[log->change_count].plate = sh->first_plate + k;
      double read = rf__sim_gain(w, sh->first_plate + k, first->t) * grams[k];
      log->changes[log->change_count].g = round((read + rf__rng_normal(r, pl->noise)) * 10) / 10;
      log->change_count++;
    }
    d.count = (int)log->change_count - d.first;
    if (rc == 0 && d.count > 0) {
      if (RF__RESERVE(w->alloc, log->deltas, log->delta_cap, log->delta_count + 1) != 0)
        rc = RF_ENOMEM;
      else log->deltas[log->delta_count++] = d;
    }
    q = end;
  }
  rf__free(w->alloc, order);
  rf__free(w->alloc, grams);
  return rc;
}

int rf__sim_sense(sim_world *w, sensor_log *log) {
  int rc = cameras(w, log);
  return rc != 0 ? rc : load_cells(w, log);
}

void rf__sensor_log_free(const sim_world *w, sensor_log *log) {
  rf__free(w->alloc, log->hands);
  rf__free(w->alloc, log->deltas);
  rf__free(w->alloc, log->changes);
  memset(log, 0, sizeof *log);
}
