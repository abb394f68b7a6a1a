/* The tracker: where shoppers truly walk, and what an overhead people-tracker reports of it.
 *
 * A shopper stands half a metre in front of the place they reach into, walks at 1 m/s from
 * one reach to the next, and comes from and goes back to the door. Real overhead trackers
 * report each person 10-15 times a second with 10-30 cm of error that wanders rather than
 * jitters (the detector's box drifts over a body for about a second), lose people for seconds
 * behind shelves and other shoppers, swap ids where two people pass close, and sometimes lose a
 * person and re-find them under a new id. The fixes model each of these, so a host that names
 * hands by the tracker's id (as the cameras do, through rf__sim_track_label) is tested against
 * the mistakes a real one makes: noise per axis is an AR(1) process with a 1 s correlation
 * time; dropouts alternate seen and lost periods (lost 1-5 s); swaps and breaks relabel a body
 * for a while. Only w->rng_track draws, so the tracker's knobs move nothing else. */
#include "tracker.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"

#define US 1000000.0
#define STAND_M 0.5         /* shoppers stand this far in front of the shelf */
#define WALK_M_PER_S 1.0    /* a shopper's walking pace */
#define DOOR_M 1.5          /* the door: this far beyond the store's front-left corner */
#define NOISE_TAU_S 1.0     /* the tracker's error forgets itself over about a second */
#define CLOSE_M 0.5         /* two people this close may have their ids swapped */
#define PASS_STEP_US 500000 /* close passes are looked for every half second */

typedef struct point {
  double x, y;
} point;

/* A body relabelled over [t0, t1): swapped with another's id, or broken off under a new one. */
typedef struct relabel {
  int64_t t0, t1;
  int shopper, label;
} relabel;

struct sim_track {
  point door;
  sim_fix *fixes;
  size_t fix_count, fix_cap;
  relabel *spans; /* by shopper, then start */
  size_t span_count, span_cap;
  size_t *first_span; /* shopper_count + 1 offsets into spans */
  int broken;         /* ids minted for broken tracks */
};

/* qsort, but not on an array never allocated because nothing went into it. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  if (n > 1) qsort(base, n, size, cmp);
}

/* ---- where shoppers are ---- */

static point find_door(const sim_world *w) {
  point d = {0, 0};
  for (int i = 0; i < w->shelf_count; ++i) {
    const sim_shelf *sh = &w->shelves[i];
    double left = sh->pos_x - sh->ax * sh->width / 2;
    double x = fmin(left, sh->pos_x) - DOOR_M, y = sh->pos_y - DOOR_M;
    if (i == 0 || x < d.x) d.x = x;
    if (i == 0 || y < d.y) d.y = y;
  }
  return d;
}

static point stand_point(const sim_world *w, const sim_reach *r) {
  const sim_shelf *sh = &w->shelves[r->shelf];
  double along = r->x - sh->width / 2; /* from the front's centre */
  point p = {sh->pos_x + sh->ax * along + sh->nx * STAND_M,
             sh->pos_y + sh->ay * along + sh->ny * STAND_M};
  return p;
}

/* Where a walk from a (free from ta) to b (due at tb) is at t: at walking pace, leaving at ta
 * and waiting at b, or leaving as late as it can when `late` (to the door, arriving as they
 * leave); over the whole gap when it is too short to walk. */
static point walk(point a, int64_t ta, point b, int64_t tb, int late, int64_t t) {
  double need = hypot(b.x - a.x, b.y - a.y) / WALK_M_PER_S * US;
  double dur = fmin(need, (double)(tb - ta));
  double start = late ? (double)tb - dur : (double)ta;
  double f = dur > 0 ? ((double)t - start) / dur : 1.0;
  f = fmax(0.0, fmin(1.0, f));
  point p = {a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f};
  return p;
}

void rf__sim_where(const sim_world *w, int s, int64_t t, double *x, double *y) {
  const sim_shopper *sh = &w->shoppers[s];
  if (t > sh->exit_us) t = sh->exit_us;
  if (t < sh->enter_us) t = sh->enter_us;
  /* Reaches may come out of order and overlap (two hands): the latest-started one holding t
   * decides, else the walk from the last one ended to the first one to come. */
  const sim_reach *in = NULL, *prev = NULL, *next = NULL;
  for (int k = 0; k < sh->reach_count; ++k) {
    const sim_reach *r = &w->reaches[sh->first_reach + k];
    if (r->t0 <= t && t <= r->t1) {
      if (in == NULL || r->t0 >= in->t0) in = r;
    } else if (r->t1 < t) {
      if (prev == NULL || r->t1 > prev->t1) prev = r;
    } else if (next == NULL || r->t0 < next->t0) {
      next = r;
    }
  }
  point p;
  if (in != NULL) {
    p = stand_point(w, in);
  } else {
    point door = w->track != NULL ? w->track->door : find_door(w);
    p = walk(prev ? stand_point(w, prev) : door, prev ? prev->t1 : sh->enter_us,
             next ? stand_point(w, next) : door, next ? next->t0 : sh->exit_us, next == NULL, t);
  }
  *x = p.x;
  *y = p.y;
}

/* ---- relabelled spans: breaks and swaps ---- */

/* What a body is doing to its label, per shopper, while the spans are planned. */
typedef struct body {
  int64_t break0, break1; /* its broken-off span, empty if none */
  int64_t swapped_until;
} body;

static int add_span(sim_world *w, int shopper, int64_t t0, int64_t t1, int label) {
  struct sim_track *tr = w->track;
  if (RF__RESERVE(w->alloc, tr->spans, tr->span_cap, tr->span_count + 1) != 0) return RF_ENOMEM;
  tr->spans[tr->span_count++] = (relabel){t0, t1, shopper, label};
  return 0;
}

static int by_start(const void *a, const void *b) {
  const relabel *x = a, *y = b;
  if (x->t0 != y->t0) return x->t0 < y->t0 ? -1 : 1;
  return x->shopper - y->shopper;
}

/* Each shopper's track breaks at most once, for 5-30 s; ids are minted in the order the breaks
 * happen, so T1 is the first one a host sees. */
static int plan_breaks(sim_world *w, body *bodies) {
  rf__rng *r = &w->rng_track;
  for (int s = 0; s < w->shopper_count; ++s) {
    const sim_shopper *sh = &w->shoppers[s];
    if (w->p->track_break_rate <= 0 || !rf__rng_chance(r, w->p->track_break_rate)) continue;
    if (sh->exit_us <= sh->enter_us) continue;
    int64_t t0 = sh->enter_us +
                 (int64_t)(rf__rng_uniform(r) * (double)(sh->exit_us - sh->enter_us));
    int64_t t1 = t0 + llround(rf__rng_range(r, 5.0, 30.0) * US);
    if (t1 > sh->exit_us) t1 = sh->exit_us;
    bodies[s].break0 = t0;
    bodies[s].break1 = t1;
    if (add_span(w, s, t0, t1, 0) != 0) return RF_ENOMEM;
  }
  struct sim_track *tr = w->track;
  sort(tr->spans, tr->span_count, sizeof *tr->spans, by_start);
  for (size_t q = 0; q < tr->span_count; ++q) tr->spans[q].label = -1 - (int)q;
  tr->broken = (int)tr->span_count;
  return 0;
}

/* A shopper seen at a coarse step of the close-pass scan. */
typedef struct placed {
  double x, y;
  int s;
} placed;

/* When a shopper enters. */
typedef struct entry {
  int64_t t;
  int s;
} entry;

/* The close-pass scan: who is in the store, where, and which pairs were close a step ago. */
typedef struct scan {
  body *bodies;
  entry *order; /* shoppers by entry */
  int entered;
  int *active;
  int active_count;
  placed *at;
  uint64_t *close, *was; /* pairs (lower << 32 | higher), sorted */
  size_t close_count, was_count, close_cap, was_cap;
} scan;

static int by_entry(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->s - y->s;
}

static int by_x(const void *a, const void *b) {
  const placed *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return p->s - q->s;
}

static int by_key(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Brings in who has entered by t and lets go of who has left. */
static void update_active(const sim_world *w, scan *sc, int64_t t) {
  while (sc->entered < w->shopper_count && sc->order[sc->entered].t <= t)
    sc->active[sc->active_count++] = sc->order[sc->entered++].s;
  int kept = 0;
  for (int k = 0; k < sc->active_count; ++k)
    if (w->shoppers[sc->active[k]].exit_us >= t) sc->active[kept++] = sc->active[k];
  sc->active_count = kept;
}

/* The pairs within CLOSE_M at t, sorted: a sweep over the shoppers sorted by x. */
static int find_close(sim_world *w, scan *sc, int64_t t) {
  int n = sc->active_count;
  for (int k = 0; k < n; ++k) {
    sc->at[k].s = sc->active[k];
    rf__sim_where(w, sc->active[k], t, &sc->at[k].x, &sc->at[k].y);
  }
  sort(sc->at, (size_t)n, sizeof *sc->at, by_x);
  sc->close_count = 0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n && sc->at[j].x - sc->at[i].x < CLOSE_M; ++j) {
      if (hypot(sc->at[j].x - sc->at[i].x, sc->at[j].y - sc->at[i].y) >= CLOSE_M) continue;
      int a = sc->at[i].s < sc->at[j].s ? sc->at[i].s : sc->at[j].s;
      int b = sc->at[i].s ^ sc->at[j].s ^ a;
      if (RF__RESERVE(w->alloc, sc->close, sc->close_cap, sc->close_count + 1) != 0)
        return RF_ENOMEM;
      sc->close[sc->close_count++] = (uint64_t)a << 32 | (uint64_t)b;
    }
  sort(sc->close, sc->close_count, sizeof *sc->close, by_key);
  return 0;
}

static int relabelled(const body *b, int64_t t) {
  return b->swapped_until > t || (b->break0 <= t && t < b->break1);
}

/* A close pass of a and b begun at t: a chance their ids swap for 5-60 s (until one leaves).
 * Not while either is already relabelled: two ids on one body at once is not a swap. */
static int maybe_swap(sim_world *w, scan *sc, int a, int b, int64_t t) {
  if (relabelled(&sc->bodies[a], t) || relabelled(&sc->bodies[b], t)) return 0;
  if (!rf__rng_chance(&w->rng_track, w->p->track_swap_rate)) return 0;
  int64_t t1 = t + llround(rf__rng_range(&w->rng_track, 5.0, 60.0) * US);
  if (t1 > w->shoppers[a].exit_us) t1 = w->shoppers[a].exit_us;
  if (t1 > w->shoppers[b].exit_us) t1 = w->shoppers[b].exit_us;
  if (t1 <= t) return 0;
  sc->bodies[a].swapped_until = sc->bodies[b].swapped_until = t1;
  if (add_span(w, a, t, t1, b) != 0 || add_span(w, b, t, t1, a) != 0) return RF_ENOMEM;
  return 0;
}

/* One step of the scan: the pairs close now that were not a step ago begin a pass. */
static int scan_step(sim_world *w, scan *sc, int64_t t) {
  update_active(w, sc, t);
  if (find_close(w, sc, t) != 0) return RF_ENOMEM;
  for (size_t q = 0; q < sc->close_count; ++q) {
    uint64_t key = sc->close[q];
    if (sc->was_count > 0 && bsearch(&key, sc->was, sc->was_count, sizeof key, by_key) != NULL)
      continue;
    if (maybe_swap(w, sc, (int)(key >> 32), (int)(key & 0xffffffffu), t) != 0) return RF_ENOMEM;
  }
  uint64_t *keys = sc->was;
  size_t cap = sc->was_cap;
  sc->was = sc->close, sc->was_cap = sc->close_cap, sc->was_count = sc->close_count;
  sc->close = keys, sc->close_cap = cap, sc->close_count = 0;
  return 0;
}

/* Steps through the run at PASS_STEP_US, only among shoppers in the store at the time, and
 * skips ahead over an empty store. */
static int scan_passes(sim_world *w, scan *sc) {
  int n = w->shopper_count;
  for (int s = 0; s < n; ++s) sc->order[s] = (entry){w->shoppers[s].enter_us, s};
  sort(sc->order, (size_t)n, sizeof *sc->order, by_entry);
  int64_t t = n > 0 ? sc->order[0].t : 0;
  while (sc->entered < n || sc->active_count > 0) {
    if (sc->active_count == 0 && sc->order[sc->entered].t > t) t = sc->order[sc->entered].t;
    if (scan_step(w, sc, t) != 0) return RF_ENOMEM;
    t += PASS_STEP_US;
  }
  return 0;
}

static int plan_swaps(sim_world *w, body *bodies) {
  if (w->p->track_swap_rate <= 0) return 0;
  scan sc;
  memset(&sc, 0, sizeof sc);
  sc.bodies = bodies;
  size_t n = (size_t)w->shopper_count + 1;
  sc.order = rf__calloc(w->alloc, n, sizeof *sc.order);
  sc.active = rf__calloc(w->alloc, n, sizeof *sc.active);
  sc.at = rf__calloc(w->alloc, n, sizeof *sc.at);
  int rc = sc.order && sc.active && sc.at ? scan_passes(w, &sc) : RF_ENOMEM;
  rf__free(w->alloc, sc.order);
  rf__free(w->alloc, sc.active);
  rf__free(w->alloc, sc.at);
  rf__free(w->alloc, sc.close);
  rf__free(w->alloc, sc.was);
  return rc;
}

static int by_shopper(const void *a, const void *b) {
  const relabel *x = a, *y = b;
  if (x->shopper != y->shopper) return x->shopper - y->shopper;
  if (x->t0 != y->t0) return x->t0 < y->t0 ? -1 : 1;
  return x->label - y->label;
}

/* Sorts the spans by shopper and notes where each shopper's begin. */
static int index_spans(sim_world *w) {
  struct sim_track *tr = w->track;
  tr->first_span = rf__calloc(w->alloc, (size_t)w->shopper_count + 1, sizeof *tr->first_span);
  if (tr->first_span == NULL) return RF_ENOMEM;
  sort(tr->spans, tr->span_count, sizeof *tr->spans, by_shopper);
  size_t q = 0;
  for (int s = 0; s <= w->shopper_count; ++s) {
    while (q < tr->span_count && tr->spans[q].shopper < s) ++q;
    tr->first_span[s] = q;
  }
  return 0;
}

static int plan_spans(sim_world *w) {
  body *bodies = rf__calloc(w->alloc, (size_t)w->shopper_count + 1, sizeof *bodies);
  if (bodies == NULL) return RF_ENOMEM;
  int rc = plan_breaks(w, bodies);
  if (rc == 0) rc = plan_swaps(w, bodies);
  rf__free(w->alloc, bodies);
  return rc != 0 ? rc : index_spans(w);
}

int rf__sim_track_label(const sim_world *w, int s, int64_t t) {
  const struct sim_track *tr = w->track;
  if (tr == NULL || tr->first_span == NULL) return s;
  /* The latest-started span holding t: a break within a swap names the body for its while. */
  int label = s;
  for (size_t q = tr->first_span[s]; q < tr->first_span[s + 1] && tr->spans[q].t0 <= t; ++q)
    if (t < tr->spans[q].t1) label = tr->spans[q].label;
  return label;
}

/* ---- the fixes ---- */

/* The tracker's error on one axis: AR(1) with stationary sd, forgetting over NOISE_TAU_S. */
typedef struct drift {
  double phi, kick, x, y;
} drift;

static drift drift_start(rf__rng *r, double sd, double period_s) {
  drift d;
  d.phi = exp(-period_s / NOISE_TAU_S);
  d.kick = sd * sqrt(1 - d.phi * d.phi);
  d.x = rf__rng_normal(r, sd);
  d.y = rf__rng_normal(r, sd);
  return d;
}

static void drift_step(rf__rng *r, drift *d) {
  d->x = d->phi * d->x + rf__rng_normal(r, d->kick);
  d->y = d->phi * d->y + rf__rng_normal(r, d->kick);
}

/* Dropouts: seen and lost periods in turn, lost 1-5 s (3 s on average) and seen for an
 * exponential time of mean 3 (1 - rate) / rate s, so a share `rate` of the time is lost. */
typedef struct dropout {
  int lost;
  int64_t until;
} dropout;

static int64_t period_us(rf__rng *r, double rate, int lost) {
  if (lost) return llround(rf__rng_range(r, 1.0, 5.0) * US);
  double mean = 3.0 * (1 - rate) / rate;
  return llround(-mean * log(1 - rf__rng_uniform(r)) * US);
}

static dropout dropout_start(rf__rng *r, double rate, int64_t t) {
  dropout d = {0, INT64_MAX};
  if (rate <= 0) return d;
  d.lost = rf__rng_chance(r, rate); /* as likely lost at the door as anywhere */
  d.until = t + period_us(r, rate, d.lost);
  return d;
}

static int dropout_lost(rf__rng *r, double rate, dropout *d, int64_t t) {
  while (t >= d->until) {
    d->lost = !d->lost;
    d->until += period_us(r, rate, d->lost);
  }
  return d->lost;
}

static double cm(double v) { return (double)llround(v * 100) / 100; }

static int add_fix(sim_world *w, int s, int64_t t, const drift *e) {
  struct sim_track *tr = w->track;
  if (RF__RESERVE(w->alloc, tr->fixes, tr->fix_cap, tr->fix_count + 1) != 0) return RF_ENOMEM;
  double x, y;
  rf__sim_where(w, s, t, &x, &y);
  tr->fixes[tr->fix_count++] =
      (sim_fix){t, rf__sim_track_label(w, s, t), cm(x + e->x), cm(y + e->y)};
  return 0;
}

/* One body's fixes, every 1/track_hz s from a random phase after entering until leaving. */
static int track_body(sim_world *w, int s) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_track;
  const sim_shopper *sh = &w->shoppers[s];
  double period = US / p->track_hz, phase = rf__rng_uniform(r) * period;
  drift e = drift_start(r, p->track_noise_m, period / US);
  dropout d = dropout_start(r, p->track_dropout_rate, sh->enter_us);
  for (int64_t k = 0;; ++k) {
    int64_t t = sh->enter_us + llround(phase + (double)k * period);
    if (t > sh->exit_us) break;
    if (k > 0) drift_step(r, &e); /* the error wanders on while the body is lost */
    if (dropout_lost(r, p->track_dropout_rate, &d, t)) continue;
    if (add_fix(w, s, t, &e) != 0) return RF_ENOMEM;
  }
  return 0;
}

static int by_fix(const void *a, const void *b) {
  const sim_fix *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  if (x->label != y->label) return x->label < y->label ? -1 : 1;
  /* Never reached while one id names one body at a time; keeps qsort's order fixed anyway. */
  if (x->x != y->x) return x->x < y->x ? -1 : 1;
  return (x->y > y->y) - (x->y < y->y);
}

int rf__sim_track(sim_world *w) {
  if (w->p->track_hz <= 0) return 0;
  w->track = rf__calloc(w->alloc, 1, sizeof *w->track);
  if (w->track == NULL) return RF_ENOMEM;
  w->track->door = find_door(w);
  int rc = plan_spans(w);
  for (int s = 0; s < w->shopper_count && rc == 0; ++s) rc = track_body(w, s);
  if (rc != 0) {
    rf__sim_track_free(w);
    return rc;
  }
  sort(w->track->fixes, w->track->fix_count, sizeof *w->track->fixes, by_fix);
  return 0;
}

/* ---- accessors ---- */

size_t rf__sim_fix_count(const sim_world *w) { return w->track ? w->track->fix_count : 0; }

const sim_fix *rf__sim_fix_at(const sim_world *w, size_t i) {
  return i < rf__sim_fix_count(w) ? &w->track->fixes[i] : NULL;
}

int rf__sim_broken_ids(const sim_world *w) { return w->track ? w->track->broken : 0; }

void rf__sim_track_free(sim_world *w) {
  struct sim_track *tr = w->track;
  if (tr == NULL) return;
  rf__free(w->alloc, tr->fixes);
  rf__free(w->alloc, tr->spans);
  rf__free(w->alloc, tr->first_span);
  rf__free(w->alloc, tr);
  w->track = NULL;
}
