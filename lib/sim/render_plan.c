/* What each camera will film, decided before a frame is drawn: an arm per reach on its shelves
 * (how deep, how slanted, how wide, how it moves), the bodies that pass, the light's steps,
 * drift and flicker, the shakes, and when its shelves' lanes change. Each camera draws from a
 * stream of its own, in a fixed order, so a camera's plan does not depend on another's; people
 * and products look the same on every camera (each from a stream of its own, by index). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "render.h"
#include "retailfuse/status.h"

#define PI 3.141592653589793
#define US 1e6
#define STREAM_CAMERA 0x43414d0000ULL  /* + camera index */
#define STREAM_PERSON 0x5045520000ULL  /* + shopper index */
#define STREAM_PRODUCT 0x50524f0000ULL /* + product index */
#define STREAM_MAINS 0x4d41494e53ULL

static int64_t us(double seconds) { return (int64_t)llround(seconds * US); }

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

vid_look rf__vid_person(uint64_t seed, int shopper) {
  rf__rng r;
  rf__rng_seed(&r, seed, STREAM_PERSON + (uint64_t)shopper);
  vid_look look;
  look.skin = rf__rng_int(&r, 60, 200);
  look.sleeve = rf__rng_int(&r, 20, 230);
  look.bare = rf__rng_chance(&r, 0.3);
  look.stripe_px = rf__rng_range(&r, 3.0, 9.0);
  look.stripe_amp = rf__rng_int(&r, 3, 14);
  return look;
}

void rf__vid_product(uint64_t seed, int product, int *base, int *label) {
  rf__rng r;
  rf__rng_seed(&r, seed, STREAM_PRODUCT + (uint64_t)product);
  *base = rf__rng_int(&r, 45, 200);
  int step = rf__rng_int(&r, 40, 90);
  *label = clampi(*base > 120 ? *base - step : *base + step, 15, 230);
}

/* Times of a Poisson process of `per_s` events a second over [0, end). */
static int poisson(const rf_allocator *a, rf__rng *r, double per_s, int64_t end, int64_t **out,
                   size_t *n) {
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  if (per_s <= 0) return 0;
  for (double t = 0;;) {
    t += -log(1.0 - rf__rng_uniform(r)) / per_s;
    if (t * US >= (double)end) return 0;
    if (RF__RESERVE(a, *out, cap, *n + 1) != 0) {
      rf__free(a, *out);
      *out = NULL;
      return RF_ENOMEM;
    }
    (*out)[(*n)++] = us(t);
  }
}

/* Steps of the light level by 10-30 % up or down, kept within 0.6-1.35 of the start. */
static int plan_steps(rf_sim_video *v, vid_camera *c, rf__rng *r) {
  int64_t *t;
  size_t n;
  if (poisson(&v->alloc, r, v->opt.steps_per_hour / 3600.0, v->end_us, &t, &n) != 0)
    return RF_ENOMEM;
  c->steps = rf__calloc(&v->alloc, n + 1, sizeof *c->steps);
  if (c->steps == NULL) {
    rf__free(&v->alloc, t);
    return RF_ENOMEM;
  }
  double level = 1.0;
  for (size_t k = 0; k < n; ++k) {
    double u = rf__rng_range(r, 0.1, 0.3);
    int up = rf__rng_chance(r, 0.5);
    if (level * (1 + u) > 1.35) up = 0;
    if (level * (1 - u) < 0.6) up = 1;
    level *= up ? 1 + u : 1 - u;
    c->steps[k] = (vid_step){t[k], level};
  }
  c->step_count = n;
  rf__free(&v->alloc, t);
  return 0;
}

/* Shakes of 0.1-0.5 s. */
static int plan_shakes(rf_sim_video *v, vid_camera *c, rf__rng *r) {
  int64_t *t;
  size_t n;
  if (poisson(&v->alloc, r, v->opt.shakes_per_hour / 3600.0, v->end_us, &t, &n) != 0)
    return RF_ENOMEM;
  c->shakes = rf__calloc(&v->alloc, n + 1, sizeof *c->shakes);
  if (c->shakes == NULL) {
    rf__free(&v->alloc, t);
    return RF_ENOMEM;
  }
  for (size_t k = 0; k < n; ++k)
    c->shakes[k] = (vid_shake){t[k], t[k] + us(rf__rng_range(r, 0.1, 0.5))};
  c->shake_count = n;
  rf__free(&v->alloc, t);
  return 0;
}

/* People walking along the aisle, from one side of the image to the other, at 0.8-1.5 m/s:
 * 0.35-0.6 m wide, the torso covering the image from its bottom up over 40-75 % of its height,
 * the head on top. */
static int plan_passers(rf_sim_video *v, vid_camera *c, rf__rng *r) {
  int64_t *t;
  size_t n;
  if (poisson(&v->alloc, r, v->opt.passers_per_min / 60.0, v->end_us, &t, &n) != 0)
    return RF_ENOMEM;
  c->passers = rf__calloc(&v->alloc, n + 1, sizeof *c->passers);
  if (c->passers == NULL) {
    rf__free(&v->alloc, t);
    return RF_ENOMEM;
  }
  int width = v->opt.width, height = v->opt.height;
  for (size_t k = 0; k < n; ++k) {
    vid_passer *p = &c->passers[k];
    int rightward = rf__rng_chance(r, 0.5);
    double speed = rf__rng_range(r, 0.8, 1.5) * c->ppm / US;
    p->width = (int)fmax(4, round(rf__rng_range(r, 0.35, 0.6) * c->ppm));
    p->height = (int)round(rf__rng_range(r, 0.4, 0.75) * height);
    p->head = (int)fmax(2, round(fmin(p->width * rf__rng_range(r, 0.38, 0.48), 0.3 * p->height)));
    p->cloth = rf__rng_int(r, 20, 230);
    p->face = rf__rng_int(r, 25, 200);
    p->fold_px = rf__rng_range(r, 0.03, 0.12) * c->ppm + 2;
    p->fold_amp = rf__rng_int(r, 4, 18);
    p->t0 = t[k];
    p->x0 = rightward ? -p->width / 2.0 : width + p->width / 2.0;
    p->speed = rightward ? speed : -speed;
    p->t1 = p->t0 + (int64_t)ceil((width + p->width) / speed);
    if (p->t1 - p->t0 > c->longest_passer_us) c->longest_passer_us = p->t1 - p->t0;
  }
  c->passer_count = n;
  rf__free(&v->alloc, t);
  return 0;
}

/* The slow light: drift as two sines of periods of minutes, amplitudes summing to `drift`; a
 * gradient across the image of a quarter to 60 % of that, turning over 5-20 minutes; mains
 * flicker at twice the store's mains frequency, read row by row by a rolling shutter. */
static void plan_light(rf_sim_video *v, vid_camera *c, rf__rng *r, double mains_hz) {
  vid_light *l = &c->light;
  double drift = v->opt.drift, share = rf__rng_range(r, 0.3, 0.7);
  l->drift_a[0] = drift * share;
  l->drift_a[1] = drift * (1 - share);
  l->drift_w[0] = 2 * PI / (rf__rng_range(r, 120, 480) * US);
  l->drift_w[1] = 2 * PI / (rf__rng_range(r, 480, 1800) * US);
  l->drift_phase[0] = rf__rng_range(r, 0, 2 * PI);
  l->drift_phase[1] = rf__rng_range(r, 0, 2 * PI);
  l->gx_a = drift * rf__rng_range(r, 0.25, 0.6) * (rf__rng_chance(r, 0.5) ? 1 : -1);
  l->gx_w = 2 * PI / (rf__rng_range(r, 300, 1200) * US);
  l->gx_phase = rf__rng_range(r, 0, 2 * PI);
  l->gy_a = drift * rf__rng_range(r, 0.25, 0.6) * (rf__rng_chance(r, 0.5) ? 1 : -1);
  l->gy_w = 2 * PI / (rf__rng_range(r, 300, 1200) * US);
  l->gy_phase = rf__rng_range(r, 0, 2 * PI);
  l->flicker_w = 2 * PI * 2 * mains_hz / US;
  l->flicker_phase = rf__rng_range(r, 0, 2 * PI);
  /* Rows are read over three quarters of a frame's time. */
  l->row_us = 0.75 * US * v->opt.fps_den / v->opt.fps_num / v->opt.height;
}

/* Reach q's arm in zone z: how it moves and looks. */
static void plan_arm(const rf_sim_video *v, const vid_camera *c, rf__rng *r, int q, int z,
                     vid_arm *a) {
  const sim_reach *reach = &v->w.reaches[q];
  const vid_zone *zone = &c->zones[z];
  double rows = zone->y1 - zone->y0, width = v->w.shelves[zone->shelf].width;
  memset(a, 0, sizeof *a);
  a->reach = q;
  a->zone = z;
  a->t0 = reach->t0;
  a->t1 = reach->t1;
  a->in_us = us(rf__rng_range(r, 0.15, 0.25));
  a->out_us = us(rf__rng_range(r, 0.15, 0.25));
  a->tip_x = zone->x0 + reach->x / width * (zone->x1 - zone->x0);
  a->depth = rf__rng_range(r, 0.55, 0.9) * rows;
  a->jitter = fmin(rf__rng_range(r, 0.5, 1.5), fmax(0.0, rows - 0.5 - a->depth));
  a->jitter_hz = rf__rng_range(r, 0.5, 2.5);
  a->jitter_phase = rf__rng_range(r, 0, 2 * PI);
  a->xjitter = rf__rng_range(r, 0.3, 1.0);
  a->xjitter_hz = rf__rng_range(r, 0.3, 1.5);
  a->xjitter_phase = rf__rng_range(r, 0, 2 * PI);
  a->slant = tan(rf__rng_range(r, -15.0, 15.0) * PI / 180);
  a->half_w = fmax(1.5, 0.5 * rf__rng_range(r, 0.06, 0.09) * c->ppm);
  a->hand_half_w = a->half_w * rf__rng_range(r, 1.15, 1.35);
  /* A hand is about as long as 1.2-1.6 of its widths, but seen from above most of what enters
   * a zone is arm: no more than 40 % of the reach's depth is hand. */
  a->hand_len = fmin(2 * a->hand_half_w * rf__rng_range(r, 1.2, 1.6), 0.4 * a->depth);
  a->look = rf__vid_person(v->seed, reach->shopper);
}

typedef struct reach_key {
  int64_t t0;
  int reach, zone;
} reach_key;

static int by_start(const void *x, const void *y) {
  const reach_key *a = x, *b = y;
  if (a->t0 != b->t0) return a->t0 < b->t0 ? -1 : 1;
  return a->reach - b->reach;
}

/* An arm per reach on the camera's shelves, in order of t0. */
static int plan_arms(rf_sim_video *v, vid_camera *c, rf__rng *r) {
  int first = c->zones[0].shelf;
  reach_key *keys = rf__calloc(&v->alloc, v->w.reach_count + 1, sizeof *keys);
  if (keys == NULL) return RF_ENOMEM;
  size_t n = 0;
  for (size_t q = 0; q < v->w.reach_count; ++q) {
    int z = v->w.reaches[q].shelf - first;
    if (z >= 0 && z < c->zone_count) keys[n++] = (reach_key){v->w.reaches[q].t0, (int)q, z};
  }
  qsort(keys, n, sizeof *keys, by_start);
  c->arms = rf__calloc(&v->alloc, n + 1, sizeof *c->arms);
  if (c->arms == NULL) {
    rf__free(&v->alloc, keys);
    return RF_ENOMEM;
  }
  for (size_t k = 0; k < n; ++k) {
    plan_arm(v, c, r, keys[k].reach, keys[k].zone, &c->arms[k]);
    int64_t span = c->arms[k].t1 - c->arms[k].t0;
    if (span > c->longest_arm_us) c->longest_arm_us = span;
  }
  c->arm_count = n;
  rf__free(&v->alloc, keys);
  return 0;
}

typedef struct change_key {
  vid_change change;
  size_t move;
} change_key;

static int by_time(const void *x, const void *y) {
  const change_key *a = x, *b = y;
  if (a->change.t != b->change.t) return a->change.t < b->change.t ? -1 : 1;
  return a->move < b->move ? -1 : a->move > b->move;
}

/* Every item that left or came onto the camera's shelves, in time order (a hand's pressure
 * changes nothing the camera sees). */
static int plan_changes(rf_sim_video *v, vid_camera *c) {
  int first = c->zones[0].shelf;
  change_key *keys = rf__calloc(&v->alloc, v->w.move_count + 1, sizeof *keys);
  if (keys == NULL) return RF_ENOMEM;
  size_t n = 0;
  for (size_t q = 0; q < v->w.move_count; ++q) {
    const sim_move *m = &v->w.moves[q];
    int z = m->shelf - first;
    if (m->product < 0 || z < 0 || z >= c->zone_count) continue;
    keys[n].change = (vid_change){m->t, z, m->facing, m->lane, m->loose, m->sign};
    keys[n++].move = q;
  }
  qsort(keys, n, sizeof *keys, by_time);
  c->changes = rf__calloc(&v->alloc, n + 1, sizeof *c->changes);
  if (c->changes == NULL) {
    rf__free(&v->alloc, keys);
    return RF_ENOMEM;
  }
  for (size_t k = 0; k < n; ++k) c->changes[k] = keys[k].change;
  c->change_count = n;
  rf__free(&v->alloc, keys);
  return 0;
}

int rf__vid_plan(rf_sim_video *v, size_t index) {
  vid_camera *c = &v->cameras[index];
  rf__rng r, mains;
  rf__rng_seed(&r, v->seed, STREAM_CAMERA + index);
  /* One store, one mains: 50 or 60 Hz, a little off (as the grid is). */
  rf__rng_seed(&mains, v->seed, STREAM_MAINS);
  double hz = (rf__rng_chance(&mains, 0.5) ? 50.0 : 60.0) *
              (1 + rf__rng_range(&mains, -1e-3, 1e-3));
  c->render_seed = rf__rng_next(&r);
  plan_light(v, c, &r, hz);
  int rc = plan_steps(v, c, &r);
  if (rc == 0) rc = plan_shakes(v, c, &r);
  if (rc == 0) rc = plan_passers(v, c, &r);
  if (rc == 0) rc = plan_arms(v, c, &r);
  if (rc == 0) rc = plan_changes(v, c);
  return rc;
}
