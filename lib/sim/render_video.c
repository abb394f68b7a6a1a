/* The rendered video as an object: made from the world rf_sim_run plays (rf__sim_play, the path
 * both share), laid out and planned once (render_layout.c, render_plan.c), then only read — so
 * several threads may render its cameras at once (render.c). Also the truth of what the cameras
 * see: one hand visit per reach. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "render.h"
#include "retailfuse/status.h"

void rf_sim_video_options_init(rf_sim_video_options *o) {
  if (o == NULL) return;
  memset(o, 0, sizeof *o);
  o->version = RF_SIM_VIDEO_OPTIONS_VERSION;
  o->width = 640;
  o->height = 480;
  o->fps_num = 30;
  o->fps_den = 1;
  o->noise_sd = 2.5;
  o->flicker = 0.02;
  o->drift = 0.08;
  o->steps_per_hour = 6;
  o->passers_per_min = 2;
  o->shakes_per_hour = 6;
}

static int within(double x, double lo, double hi) { return x >= lo && x <= hi; }

/* The bounds sim.h gives each option. */
static int check_options(const rf_sim_video_options *o) {
  if (o->version != RF_SIM_VIDEO_OPTIONS_VERSION) return RF_EVERSION;
  if (o->width < 32 || o->width > 8192 || o->height < 32 || o->height > 8192) return RF_EINVAL;
  if (o->fps_num < 1 || o->fps_den < 1 || o->fps_num > 1000 * (int64_t)o->fps_den) return RF_EINVAL;
  if (!within(o->noise_sd, 0, 50) || !within(o->flicker, 0, 0.25) || !within(o->drift, 0, 0.3))
    return RF_EINVAL;
  if (!within(o->steps_per_hour, 0, 3600) || !within(o->passers_per_min, 0, 120) ||
      !within(o->shakes_per_hour, 0, 3600))
    return RF_EINVAL;
  return 0;
}

int64_t rf__vid_frame_time(int64_t index, int num, int den) {
  /* lib/camera/frame_time.c's rf_frame_time(0, index, num, den), repeated here because the
   * simulator may not use the camera part: exactly, in integers, rounded half up. */
  if (num <= 0 || den <= 0 || index < 0) return 0;
  int64_t whole = index / num, rest = index % num;
  int64_t secs = whole * den + (rest * den) / num;
  int64_t r = (rest * den) % num;
  int64_t us = (r * 1000000 + num / 2) / num;
  return secs * 1000000 + us;
}

/* Frames from 0 to the last exit plus a second: every frame taken at or before that time. */
static int64_t count_frames(const rf_sim_video *v) {
  int num = v->opt.fps_num, den = v->opt.fps_den;
  int64_t i = (int64_t)floor((double)v->end_us * num / (1e6 * den));
  while (i > 0 && rf__vid_frame_time(i, num, den) > v->end_us) --i;
  while (rf__vid_frame_time(i + 1, num, den) <= v->end_us) ++i;
  return i + 1;
}

/* The sensor's noise: normal deviates of sd noise_sd, in the light pass's fixed point. */
static int make_noise(rf_sim_video *v) {
  size_t n = VID_NOISE_LEN + (size_t)v->opt.width;
  v->noise = rf__calloc(&v->alloc, n, sizeof *v->noise);
  if (v->noise == NULL) return RF_ENOMEM;
  rf__rng r;
  rf__rng_seed(&r, v->seed, 0x4e4f495345ULL);
  double scale = v->opt.noise_sd * (1 << VID_LUMA_SHIFT);
  for (size_t i = 0; i < n && scale > 0; ++i)
    v->noise[i] = (int16_t)fmax(-32767.0, fmin(32767.0, round(rf__rng_normal(&r, scale))));
  return 0;
}

/* Every camera's arms in one list, in order of t0 (ties: by camera): the cameras' lists, each
 * in that order already, merged. */
static int order_visits(rf_sim_video *v) {
  size_t n = 0;
  for (size_t c = 0; c < v->camera_count; ++c) n += v->cameras[c].arm_count;
  vid_visit *out = rf__calloc(&v->alloc, n + 1, sizeof *out);
  size_t *next = rf__calloc(&v->alloc, v->camera_count + 1, sizeof *next);
  if (out == NULL || next == NULL) {
    rf__free(&v->alloc, out);
    rf__free(&v->alloc, next);
    return RF_ENOMEM;
  }
  for (size_t q = 0; q < n; ++q) {
    int best = -1;
    for (size_t c = 0; c < v->camera_count; ++c) {
      if (next[c] >= v->cameras[c].arm_count) continue;
      if (best < 0 || v->cameras[c].arms[next[c]].t0 < v->cameras[best].arms[next[best]].t0)
        best = (int)c;
    }
    out[q] = (vid_visit){best, (int)next[best]++};
  }
  rf__free(&v->alloc, next);
  v->visits = out;
  v->visit_count = n;
  return 0;
}

static void free_cameras(rf_sim_video *v) {
  for (size_t i = 0; i < v->camera_count && v->cameras != NULL; ++i) {
    vid_camera *c = &v->cameras[i];
    rf__free(&v->alloc, c->zones);
    rf__free(&v->alloc, c->arms);
    rf__free(&v->alloc, c->passers);
    rf__free(&v->alloc, c->steps);
    rf__free(&v->alloc, c->shakes);
    rf__free(&v->alloc, c->changes);
  }
  rf__free(&v->alloc, v->cameras);
}

void rf_sim_video_free(rf_sim_video *v) {
  if (v == NULL) return;
  free_cameras(v);
  rf__free(&v->alloc, v->visits);
  rf__free(&v->alloc, v->noise);
  rf__sim_world_free(&v->w);
  rf_allocator a = v->alloc;
  rf__free(&a, v);
}

/* The world, its span (to the last exit plus a second), the cameras and their plans. */
static int make(rf_sim_video *v) {
  int rc = rf__sim_play(&v->w, &v->params, v->seed, &v->alloc, NULL, NULL);
  if (rc != 0) return rc;
  int64_t last = 0;
  for (int s = 0; s < v->w.shopper_count; ++s)
    if (v->w.shoppers[s].exit_us > last) last = v->w.shoppers[s].exit_us;
  v->end_us = last + 1000000;
  v->frames = count_frames(v);
  if ((rc = rf__vid_layout(v)) != 0) return rc;
  for (size_t c = 0; c < v->camera_count && rc == 0; ++c) rc = rf__vid_plan(v, c);
  if (rc == 0) rc = order_visits(v);
  if (rc == 0) rc = make_noise(v);
  return rc;
}

int rf_sim_video_new(rf_sim_video **out, const rf_sim_params *params, uint64_t seed,
                     const rf_sim_video_options *options, const rf_allocator *allocator) {
  char msg[256];
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (params == NULL) return RF_EINVAL;
  int rc = rf_sim_check(params, msg, sizeof msg);
  if (rc != 0) return rc;
  rf_sim_video_options defaults;
  rf_sim_video_options_init(&defaults);
  if (options == NULL) options = &defaults;
  if ((rc = check_options(options)) != 0) return rc;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_sim_video *v = rf__calloc(&a, 1, sizeof *v);
  if (v == NULL) return RF_ENOMEM;
  v->alloc = a;
  v->params = *params;
  v->opt = *options;
  v->seed = seed;
  if ((rc = make(v)) != 0) {
    rf_sim_video_free(v);
    return rc;
  }
  *out = v;
  return 0;
}

size_t rf_sim_video_camera_count(const rf_sim_video *v) { return v != NULL ? v->camera_count : 0; }

int64_t rf_sim_video_frame_count(const rf_sim_video *v) { return v != NULL ? v->frames : 0; }

int rf_sim_video_visits(const rf_sim_video *v, rf_sim_sink sink, void *payload) {
  if (v == NULL || sink == NULL) return RF_EINVAL;
  rf_record rec;
  for (size_t q = 0; q < v->visit_count; ++q) {
    const vid_camera *c = &v->cameras[v->visits[q].camera];
    const vid_arm *a = &c->arms[v->visits[q].arm];
    const sim_reach *r = &v->w.reaches[a->reach];
    memset(&rec, 0, sizeof rec);
    rec.type = RF_RECORD_HAND;
    rec.source = c->id;
    rf_hand_rec *h = &rec.u.hand;
    h->shopper = v->w.shoppers[r->shopper].id;
    h->shelf = v->w.shelves[r->shelf].id;
    h->t0 = r->t0;
    h->t1 = r->t1;
    h->has_x = 1;
    h->x = r->x;
    h->has_conf = 1;
    h->conf = 1.0;
    h->holding_in = h->holding_out = RF_UNKNOWN;
    int rc = sink(&rec, payload);
    if (rc != 0) return rc;
  }
  return 0;
}

int rf_sim_video_events(const rf_sim_video *v, rf_sim_video_event_fn fn, void *payload) {
  if (v == NULL || fn == NULL) return RF_EINVAL;
  for (size_t i = 0; i < v->camera_count; ++i) {
    const vid_camera *c = &v->cameras[i];
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < c->passer_count; ++k)
      rc = fn(i, RF_SIM_VIDEO_PASSER, c->passers[k].t0, c->passers[k].t1, payload);
    for (size_t k = 0; rc == 0 && k < c->step_count; ++k)
      rc = fn(i, RF_SIM_VIDEO_LIGHT_STEP, c->steps[k].t, c->steps[k].t, payload);
    for (size_t k = 0; rc == 0 && k < c->shake_count; ++k)
      rc = fn(i, RF_SIM_VIDEO_SHAKE, c->shakes[k].t0, c->shakes[k].t1, payload);
    if (rc != 0) return rc;
  }
  return 0;
}
