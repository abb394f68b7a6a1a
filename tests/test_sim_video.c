/* The simulator's rendered video (sim.h, "Rendered video"): the same seed gives the same bytes;
 * rendering changes nothing of rf_sim_run's; a camera per gondola with a zone per shelf as the
 * layout promises; one truth visit per reach, at the reach's times and place; an arm drawn where
 * and when the truth says, reaching up from the zone's front edge; nothing else in a frame when
 * nobody reaches and the light is off; bodies covering the lower shelves; light steps, noise and
 * shakes as documented; frames at rf_frame_time's times. Small images and the small "easy"
 * preset keep it fast. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "retailfuse/retailfuse.h"
#include "sim/render.h"
#include "test_alloc.h"

#define W 160
#define H 120

static rf_sim_params preset(const char *name) {
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, name), 0);
  return p;
}

static rf_sim_video_options small(void) {
  rf_sim_video_options o;
  rf_sim_video_options_init(&o);
  o.width = W;
  o.height = H;
  return o;
}

/* No light changes, no noise, nobody passing, no shakes: a frame is its scene. */
static rf_sim_video_options quiet(void) {
  rf_sim_video_options o = small();
  o.noise_sd = o.flicker = o.drift = 0;
  o.steps_per_hour = o.passers_per_min = o.shakes_per_hour = 0;
  return o;
}

static rf_sim_video *video(const char *name, uint64_t seed, const rf_sim_video_options *o) {
  rf_sim_params p = preset(name);
  rf_sim_video *v = NULL;
  int rc = rf_sim_video_new(&v, &p, seed, o, NULL);
  if (rc != 0)
    fail_msg("rf_sim_video_new(%s, %llu): %s", name, (unsigned long long)seed, rf_err_name(rc));
  return v;
}

static uint64_t fnv(uint64_t h, const void *data, size_t n) {
  const uint8_t *b = data;
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}

/* ---- frames kept or hashed ---- */

typedef struct frames {
  const rf_sim_video *v;
  uint64_t hash;
  int64_t count;
  size_t pixels;
  /* frames to keep: index -> copy */
  int64_t *want;
  uint8_t **kept;
  size_t want_count;
  int64_t stop_at; /* return -77 at this frame; -1: never */
} frames;

static int on_frame(size_t camera, int64_t index, rf_time_us t, const uint8_t *luma,
                    void *payload) {
  frames *f = payload;
  (void)camera;
  assert_int_equal(index, f->count);
  assert_int_equal(t, rf_frame_time(0, index, f->v->opt.fps_num, f->v->opt.fps_den));
  f->count++;
  f->hash = fnv(f->hash, luma, f->pixels);
  for (size_t k = 0; k < f->want_count; ++k)
    if (f->want[k] == index) {
      f->kept[k] = malloc(f->pixels);
      assert_non_null(f->kept[k]);
      memcpy(f->kept[k], luma, f->pixels);
    }
  return index == f->stop_at ? -77 : 0;
}

static frames render(const rf_sim_video *v, size_t camera, const int64_t *want, size_t n) {
  frames f;
  memset(&f, 0, sizeof f);
  f.v = v;
  f.hash = 0xcbf29ce484222325ULL;
  f.pixels = (size_t)v->opt.width * v->opt.height;
  f.stop_at = -1;
  if (n > 0) {
    f.want = malloc(n * sizeof *f.want);
    f.kept = calloc(n, sizeof *f.kept);
    assert_true(f.want != NULL && f.kept != NULL);
    memcpy(f.want, want, n * sizeof *want);
    f.want_count = n;
  }
  assert_int_equal(rf_sim_video_render(v, camera, on_frame, &f), 0);
  assert_int_equal(f.count, rf_sim_video_frame_count(v));
  return f;
}

static void frames_free(frames *f) {
  for (size_t k = 0; k < f->want_count; ++k) free(f->kept[k]);
  free(f->kept);
  free(f->want);
}

static uint8_t *still(const rf_sim_video *v, size_t camera, int64_t t) {
  uint8_t *img = malloc((size_t)v->opt.width * v->opt.height);
  assert_non_null(img);
  assert_int_equal(rf__vid_still(v, camera, t, img), 0);
  return img;
}

/* The frame nearest to t. */
static int64_t frame_at(const rf_sim_video *v, int64_t t) {
  int64_t i = (int64_t)llround((double)t * v->opt.fps_num / (1e6 * v->opt.fps_den));
  return i < v->frames ? i : v->frames - 1;
}

static int64_t time_of(const rf_sim_video *v, int64_t i) {
  return rf_frame_time(0, i, v->opt.fps_num, v->opt.fps_den);
}

/* Whether an arm of camera c other than `except` is in a zone at t. */
static int arm_active(const vid_camera *c, int64_t t, size_t except) {
  for (size_t k = 0; k < c->arm_count; ++k)
    if (k != except && c->arms[k].t0 < t && t < c->arms[k].t1) return 1;
  return 0;
}

/* ---- records ---- */

typedef struct records {
  rf_record *r;
  char **strings;
  size_t count, cap, nstrings, strings_cap;
  int64_t stop_after; /* return -5 after this many; 0: never */
  unsigned types;     /* keep only records of these types (1 << type); 0: all */
} records;

static const char *keep_string(records *rs, const char *s) {
  if (s == NULL) return NULL;
  if (rs->nstrings == rs->strings_cap) {
    rs->strings_cap = rs->strings_cap ? 2 * rs->strings_cap : 64;
    rs->strings = realloc(rs->strings, rs->strings_cap * sizeof *rs->strings);
    assert_non_null(rs->strings);
  }
  rs->strings[rs->nstrings] = malloc(strlen(s) + 1);
  assert_non_null(rs->strings[rs->nstrings]);
  strcpy(rs->strings[rs->nstrings], s);
  return rs->strings[rs->nstrings++];
}

static int on_record(const rf_record *rec, void *payload) {
  records *rs = payload;
  if (rs->types != 0 && !(rs->types & (1u << rec->type))) return 0;
  if (rs->count == rs->cap) {
    rs->cap = rs->cap ? 2 * rs->cap : 64;
    rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
    assert_non_null(rs->r);
  }
  rf_record copy = *rec;
  copy.source = keep_string(rs, rec->source);
  if (rec->type == RF_RECORD_HAND) {
    copy.u.hand.shopper = keep_string(rs, rec->u.hand.shopper);
    copy.u.hand.shelf = keep_string(rs, rec->u.hand.shelf);
  } else if (rec->type == RF_RECORD_CAMERA) {
    copy.u.camera.camera = keep_string(rs, rec->u.camera.camera);
  } else if (rec->type == RF_RECORD_ZONE) {
    copy.u.zone.camera = keep_string(rs, rec->u.zone.camera);
    copy.u.zone.shelf = keep_string(rs, rec->u.zone.shelf);
  } else if (rec->type == RF_RECORD_SHELF) {
    copy.u.shelf.shelf = keep_string(rs, rec->u.shelf.shelf);
    /* The shelf's width: its last plate's right edge. */
    copy.u.shelf.pos_x = rec->u.shelf.plates[rec->u.shelf.plate_count - 1].x1;
    copy.u.shelf.plates = NULL;
  } else if (rec->type == RF_RECORD_ENTER || rec->type == RF_RECORD_EXIT) {
    copy.u.enter.shopper = keep_string(rs, rec->u.enter.shopper);
  }
  rs->r[rs->count++] = copy;
  return rs->stop_after > 0 && (int64_t)rs->count >= rs->stop_after ? -5 : 0;
}

static void records_free(records *rs) {
  for (size_t i = 0; i < rs->nstrings; ++i) free(rs->strings[i]);
  free(rs->strings);
  free(rs->r);
  memset(rs, 0, sizeof *rs);
}

typedef struct hasher {
  uint64_t h;
  records kept; /* the scenario's records (strings kept) */
  int keep;
} hasher;

/* rf_sim_run's records, hashed by their fields that matter here (times, ids, places). */
static int hash_record(const rf_record *rec, void *payload) {
  hasher *hs = payload;
  hs->h = fnv(hs->h, &rec->type, sizeof rec->type);
  switch (rec->type) {
    case RF_RECORD_HAND:
      hs->h = fnv(hs->h, &rec->u.hand.t0, sizeof rec->u.hand.t0);
      hs->h = fnv(hs->h, &rec->u.hand.x, sizeof rec->u.hand.x);
      hs->h = fnv(hs->h, rec->u.hand.shelf, strlen(rec->u.hand.shelf));
      break;
    case RF_RECORD_DELTA: hs->h = fnv(hs->h, &rec->u.delta.t0, sizeof rec->u.delta.t0); break;
    case RF_RECORD_TRUTH: hs->h = fnv(hs->h, &rec->u.truth.t, sizeof rec->u.truth.t); break;
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT: hs->h = fnv(hs->h, &rec->u.enter.t, sizeof rec->u.enter.t); break;
    default: break;
  }
  return hs->keep ? on_record(rec, &hs->kept) : 0;
}

/* rf_sim_run's records hashed; its scenario's records of `types` kept in *scenario when not
 * NULL. */
static uint64_t run_hash(const char *name, uint64_t seed, records *scenario, unsigned types) {
  rf_sim_params p = preset(name);
  hasher s = {0xcbf29ce484222325ULL, {0}, scenario != NULL}, t = {0x84222325ULL, {0}, 0};
  s.kept.types = types;
  assert_int_equal(rf_sim_run(&p, seed, hash_record, &s, hash_record, &t, NULL), 0);
  if (scenario != NULL) *scenario = s.kept;
  return s.h ^ (t.h * 31);
}

/* ---- the tests ---- */

static void options_and_refusals(void **state) {
  (void)state;
  rf_sim_video_options o;
  rf_sim_video_options_init(&o);
  assert_int_equal(o.version, RF_SIM_VIDEO_OPTIONS_VERSION);
  assert_true(o.width == 640 && o.height == 480 && o.fps_num == 30 && o.fps_den == 1);
  assert_true(o.noise_sd == 2.5 && o.flicker == 0.02 && o.drift == 0.08);
  assert_true(o.steps_per_hour == 6 && o.passers_per_min == 2 && o.shakes_per_hour == 6);
  rf_sim_params p = preset("easy");
  rf_sim_video *v = NULL;
  assert_int_equal(rf_sim_video_new(NULL, &p, 1, &o, NULL), RF_EINVAL);
  assert_int_equal(rf_sim_video_new(&v, NULL, 1, &o, NULL), RF_EINVAL);
  assert_null(v);
  rf_sim_video_options bad = o;
  bad.version = 99;
  assert_int_equal(rf_sim_video_new(&v, &p, 1, &bad, NULL), RF_EVERSION);
  const struct {
    int width, height, num, den;
    double noise;
  } refused[] = {{0, 480, 30, 1, 2},   {640, 20, 30, 1, 2},   {640, 480, 0, 1, 2},
                 {640, 480, 30, 0, 2}, {640, 480, 30, 1, -1}, {640, 480, 30, 1, NAN}};
  for (size_t k = 0; k < sizeof refused / sizeof refused[0]; ++k) {
    bad = o;
    bad.width = refused[k].width;
    bad.height = refused[k].height;
    bad.fps_num = refused[k].num;
    bad.fps_den = refused[k].den;
    bad.noise_sd = refused[k].noise;
    assert_int_equal(rf_sim_video_new(&v, &p, 1, &bad, NULL), RF_EINVAL);
  }
  /* Twenty shelves a gondola do not fit in 120 rows with 6-row boards between them. */
  rf_sim_params tall = p;
  tall.shelves_per_gondola = 20;
  bad = small();
  assert_int_equal(rf_sim_video_new(&v, &tall, 1, &bad, NULL), RF_ELIMIT);
  p.reaches_min = -1;
  assert_int_equal(rf_sim_video_new(&v, &p, 1, &o, NULL), RF_ERANGE);
  /* NULL options are the defaults. */
  p = preset("easy");
  assert_int_equal(rf_sim_video_new(&v, &p, 1, NULL, NULL), 0);
  assert_int_equal(v->opt.width, 640);
  assert_int_equal(rf_sim_video_render(v, 2, on_frame, NULL), RF_EINVAL);
  assert_int_equal(rf_sim_video_render(v, 0, NULL, NULL), RF_EINVAL);
  assert_int_equal(rf_sim_video_layout(v, NULL, NULL), RF_EINVAL);
  assert_int_equal(rf_sim_video_visits(v, NULL, NULL), RF_EINVAL);
  rf_sim_video_free(v);
  rf_sim_video_free(NULL);
  assert_int_equal(rf_sim_video_camera_count(NULL), 0);
  assert_int_equal(rf_sim_video_frame_count(NULL), 0);
}

/* Same seed, same bytes, camera by camera; another seed, other bytes. */
static void same_seed_same_frames(void **state) {
  (void)state;
  rf_sim_video_options o = small();
  rf_sim_video *a = video("easy", 5, &o), *b = video("easy", 5, &o), *c = video("easy", 6, &o);
  assert_int_equal(rf_sim_video_camera_count(a), 2);
  for (size_t cam = 0; cam < 2; ++cam) {
    frames fa = render(a, cam, NULL, 0), fb = render(b, cam, NULL, 0),
           again = render(a, cam, NULL, 0);
    assert_true(fa.hash == fb.hash);
    assert_true(fa.hash == again.hash);
    frames fc = render(c, cam, NULL, 0);
    assert_true(fa.hash != fc.hash);
  }
  rf_sim_video_free(a);
  rf_sim_video_free(b);
  rf_sim_video_free(c);
}

/* The video is of rf_sim_run's world, and making and rendering it changes nothing of the run. */
static void run_unchanged_by_rendering(void **state) {
  (void)state;
  const char *names[] = {"easy", "realistic"};
  for (size_t n = 0; n < 2; ++n) {
    uint64_t before = run_hash(names[n], 3, NULL, 0);
    rf_sim_video_options o = small();
    rf_sim_video *v = video(names[n], 3, &o);
    frames f = render(v, 0, NULL, 0);
    (void)f;
    rf_sim_video_free(v);
    assert_true(run_hash(names[n], 3, NULL, 0) == before);
  }
}

/* One camera per gondola, "cam-G<g>", and one zone per shelf, top to bottom in shelf order, as
 * docs/simulator.md ("Video") lays them out. */
static void check_layout(const char *name, uint64_t seed) {
  rf_sim_video_options o = small();
  rf_sim_video *v = video(name, seed, &o);
  records layout = {0}, scenario = {0};
  assert_int_equal(rf_sim_video_layout(v, on_record, &layout), 0);
  run_hash(name, seed, &scenario, 1u << RF_RECORD_SHELF);
  size_t shelves = 0, zones = 0, cameras = 0;
  for (size_t i = 0; i < scenario.count; ++i) shelves += scenario.r[i].type == RF_RECORD_SHELF;
  const rf_camera_rec *cam = NULL;
  const rf_zone_rec *prev = NULL;
  int widest = 0;
  for (size_t i = 0; i < layout.count; ++i) {
    const rf_record *r = &layout.r[i];
    if (r->type == RF_RECORD_CAMERA) {
      if (cam != NULL) assert_true(widest >= W - W / 50 - 2 - 1);
      cam = &r->u.camera;
      char id[32];
      snprintf(id, sizeof id, "cam-G%zu", ++cameras);
      assert_string_equal(cam->camera, id);
      assert_true(cam->width == W && cam->height == H && cam->fps == 30.0 && cam->t0 == 0);
      prev = NULL;
      widest = 0;
      continue;
    }
    assert_int_equal(r->type, RF_RECORD_ZONE);
    const rf_zone_rec *z = &r->u.zone;
    ++zones;
    assert_non_null(cam);
    assert_string_equal(z->camera, cam->camera);
    /* The zone's shelf is of this camera's gondola: "G<g>S<s>" of "cam-G<g>". */
    assert_int_equal(strncmp(z->shelf, cam->camera + 4, strlen(cam->camera + 4)), 0);
    assert_int_equal(z->shelf[strlen(cam->camera + 4)], 'S');
    assert_true(0 <= z->x0 && z->x0 < z->x1 && z->x1 <= W);
    assert_true(0 <= z->y0 && z->y0 < z->y1 && z->y1 <= H);
    assert_int_equal(z->front, RF_FRONT_BOTTOM);
    assert_true(z->shelf_x0 == 0.0);
    double width = -1;
    for (size_t k = 0; k < scenario.count; ++k)
      if (scenario.r[k].type == RF_RECORD_SHELF &&
          strcmp(scenario.r[k].u.shelf.shelf, z->shelf) == 0)
        width = scenario.r[k].u.shelf.pos_x;
    assert_true(width > 0);
    assert_true(fabs(z->shelf_x1 - width) < 1e-9);
    if (prev != NULL) {
      assert_true(z->y0 - prev->y1 >= 6); /* the board between */
      assert_int_equal(z->x0, prev->x0);  /* left-aligned */
    }
    if (z->x1 > widest) widest = z->x1;
    prev = z;
    /* One scale for the camera: every zone as wide as its shelf at the widest's scale, to a
     * pixel's rounding. */
    double widest_m = 0, ppm = 0;
    for (size_t k = i; k > 0 && layout.r[k].type == RF_RECORD_ZONE; --k)
      if (layout.r[k].u.zone.shelf_x1 > widest_m) {
        widest_m = layout.r[k].u.zone.shelf_x1;
        ppm = (layout.r[k].u.zone.x1 - layout.r[k].u.zone.x0) / widest_m;
      }
    for (size_t k = i; k > 0 && layout.r[k].type == RF_RECORD_ZONE; --k) {
      const rf_zone_rec *zk = &layout.r[k].u.zone;
      assert_true(fabs((zk->x1 - zk->x0) - zk->shelf_x1 * ppm) <= 1.0);
    }
  }
  assert_true(widest >= W - W / 50 - 2 - 1); /* the widest shelf nearly fills the width */
  assert_int_equal(zones, shelves);
  assert_int_equal(cameras, rf_sim_video_camera_count(v));
  /* A sink's code stops the layout. */
  records stopped = {0};
  stopped.stop_after = 2;
  assert_int_equal(rf_sim_video_layout(v, on_record, &stopped), -5);
  assert_int_equal(stopped.count, 2);
  records_free(&stopped);
  records_free(&layout);
  records_free(&scenario);
  rf_sim_video_free(v);
}

static void layout_records(void **state) {
  (void)state;
  check_layout("easy", 1);
  check_layout("realistic", 2); /* varied layouts: shelves of one gondola differ in width */
  check_layout("realistic", 7);
}

/* One visit per reach of the world rf_sim_run plays, at its times and place, in order of t0:
 * the same shelves and shoppers as the scenario's hand records (easy misses nothing). */
static void visits_are_the_reaches(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    rf_sim_params p = preset("easy");
    rf_allocator a;
    assert_int_equal(rf__allocator_init(&a, NULL), 0);
    sim_world w;
    assert_int_equal(rf__sim_play(&w, &p, seed, &a, NULL, NULL), 0);
    rf_sim_video_options o = small();
    rf_sim_video *v = video("easy", seed, &o);
    records visits = {0}, scenario = {0};
    assert_int_equal(rf_sim_video_visits(v, on_record, &visits), 0);
    run_hash("easy", seed, &scenario, 1u << RF_RECORD_HAND);
    assert_int_equal(visits.count, w.reach_count);
    int *used = calloc(w.reach_count + 1, sizeof *used);
    assert_non_null(used);
    for (size_t i = 0; i < visits.count; ++i) {
      const rf_record *r = &visits.r[i];
      assert_int_equal(r->type, RF_RECORD_HAND);
      if (i > 0) assert_true(visits.r[i - 1].u.hand.t0 <= r->u.hand.t0);
      assert_true(r->u.hand.has_x && r->u.hand.has_conf && r->u.hand.conf == 1.0);
      size_t q = 0;
      while (q < w.reach_count &&
             (used[q] || w.reaches[q].t0 != r->u.hand.t0 || w.reaches[q].t1 != r->u.hand.t1 ||
              w.reaches[q].x != r->u.hand.x ||
              strcmp(w.shelves[w.reaches[q].shelf].id, r->u.hand.shelf) != 0 ||
              strcmp(w.shoppers[w.reaches[q].shopper].id, r->u.hand.shopper) != 0))
        ++q;
      if (q == w.reach_count) fail_msg("visit %zu matches no reach", i);
      used[q] = 1;
      /* Its source is the camera of the shelf's gondola. */
      char cam[32];
      snprintf(cam, sizeof cam, "cam-G%d", w.shelves[w.reaches[q].shelf].gondola + 1);
      assert_string_equal(r->source, cam);
    }
    /* The scenario's hands: the same (shopper, shelf) pairs. */
    size_t hands = 0;
    for (size_t k = 0; k < scenario.count; ++k) {
      const rf_record *h = &scenario.r[k];
      if (h->type != RF_RECORD_HAND) continue;
      ++hands;
      size_t i = 0;
      while (i < visits.count && (strcmp(visits.r[i].u.hand.shopper, h->u.hand.shopper) != 0 ||
                                  strcmp(visits.r[i].u.hand.shelf, h->u.hand.shelf) != 0 ||
                                  llabs(visits.r[i].u.hand.t0 - h->u.hand.t0) > 500000))
        ++i;
      assert_true(i < visits.count);
    }
    assert_int_equal(hands, visits.count);
    records stopped = {0};
    stopped.stop_after = 1;
    assert_int_equal(rf_sim_video_visits(v, on_record, &stopped), -5);
    records_free(&stopped);
    free(used);
    records_free(&visits);
    records_free(&scenario);
    rf_sim_video_free(v);
    rf__sim_world_free(&w);
  }
}

/* At a visit's midpoint the arm's tip is where the truth puts it: its row within 2 px of the
 * planned depth above the front edge (55-90 % of the zone's height), its column within 2 px of
 * the truth's x mapped as the zone record says; the arm covers the tip's column from the tip
 * down to the front edge. */
static void check_arm(const rf_sim_video *v, size_t cam, size_t k, const uint8_t *frame,
                      const uint8_t *scene) {
  const vid_camera *c = &v->cameras[cam];
  const vid_arm *a = &c->arms[k];
  const vid_zone *z = &c->zones[a->zone];
  const sim_reach *r = &v->w.reaches[a->reach];
  double width = v->w.shelves[z->shelf].width, rows = z->y1 - z->y0;
  double col = z->x0 + r->x / width * (z->x1 - z->x0) - 0.5; /* the truth's column centre */
  int expect_row = (int)lround(z->y1 - a->depth), c0 = (int)floor(col) - 3, c1 = (int)ceil(col) + 3;
  assert_true(a->depth >= 0.55 * rows - 1e-9 && a->depth <= 0.9 * rows + 1e-9);
  int top = -1;
  for (int y = z->y0; y < z->y1 && top < 0; ++y)
    for (int x = c0 < 0 ? 0 : c0; x <= c1 && x < W; ++x)
      if (frame[y * W + x] != scene[y * W + x]) top = y;
  if (top < 0 || abs(top - expect_row) > 2)
    fail_msg("camera %zu arm %zu: tip row %d, expected %d", cam, k, top, expect_row);
  int first = -1, last = -1;
  for (int x = c0 - 20 < 0 ? 0 : c0 - 20; x < W && x <= c1 + 20; ++x)
    if (frame[top * W + x] != scene[top * W + x]) {
      if (first < 0) first = x;
      last = x;
    }
  if (fabs((first + last) / 2.0 - col) > 2)
    fail_msg("camera %zu arm %zu: tip at columns %d-%d, expected %.1f", cam, k, first, last, col);
  /* The arm covers its axis from the tip down to the front edge: the tip's column at the tip,
   * then as far to the side as its slant takes it. */
  int differ = 0;
  for (int y = top; y < z->y1; ++y) {
    int x = (int)lround(col + a->slant * (y - top));
    differ += frame[y * W + x] != scene[y * W + x];
  }
  assert_true(differ >= (z->y1 - top) * 3 / 4);
}

static void arms_where_the_truth_says(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  int checked = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    rf_sim_video *v = video("easy", seed, &o);
    for (size_t cam = 0; cam < v->camera_count; ++cam) {
      const vid_camera *c = &v->cameras[cam];
      int64_t *want = calloc(c->arm_count + 1, sizeof *want);
      assert_non_null(want);
      for (size_t k = 0; k < c->arm_count; ++k)
        want[k] = frame_at(v, (c->arms[k].t0 + c->arms[k].t1) / 2);
      frames f = render(v, cam, want, c->arm_count);
      for (size_t k = 0; k < c->arm_count; ++k) {
        int64_t t = time_of(v, want[k]);
        if (arm_active(c, t, k)) continue; /* another hand could be the higher one */
        uint8_t *scene = still(v, cam, t);
        check_arm(v, cam, k, f.kept[k], scene);
        ++checked;
        free(scene);
      }
      frames_free(&f);
      free(want);
    }
    rf_sim_video_free(v);
  }
  assert_true(checked >= 20);
}

/* The arm grows from the front edge over 0.15-0.25 s and leaves the same way: just after t0 it
 * is shallower than at the midpoint, and it is gone at t1. */
static void arms_enter_and_leave(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  rf_sim_video *v = video("easy", 2, &o);
  const vid_camera *c = &v->cameras[0];
  assert_true(c->arm_count > 0);
  for (size_t k = 0; k < c->arm_count; ++k) {
    const vid_arm *a = &c->arms[k];
    assert_true(a->in_us >= 150000 && a->in_us <= 250000);
    assert_true(a->out_us >= 150000 && a->out_us <= 250000);
    assert_true(fabs(atan(a->slant)) <= 15 * 3.141592653589793 / 180 + 1e-12);
    double cm = 2 * a->half_w / c->ppm * 100;
    assert_true(cm >= 6 - 1e-9 && cm <= 9 + 1e-9);
    assert_true(rf__vid_arm_pose(a, a->t0).depth == 0 && rf__vid_arm_pose(a, a->t1).depth == 0);
    double early = rf__vid_arm_pose(a, a->t0 + a->in_us / 2).depth;
    double mid = rf__vid_arm_pose(a, (a->t0 + a->t1) / 2).depth;
    assert_true(fabs(early - mid / 2) <= 1.5);
    assert_true(fabs(mid - a->depth) <= 1.5 + 1e-9);
  }
  rf_sim_video_free(v);
}

/* With the light, noise, passers and shakes off, a frame in which nobody reaches is exactly the
 * still scene — which changes where items were taken and put back. */
static void frames_are_the_scene_between_visits(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  rf_sim_video *v = video("easy", 3, &o);
  size_t pixels = (size_t)W * H;
  int changed = 0;
  for (size_t cam = 0; cam < v->camera_count; ++cam) {
    const vid_camera *c = &v->cameras[cam];
    size_t n = 0;
    int64_t *want = calloc((size_t)v->frames / 25 + 2, sizeof *want);
    assert_non_null(want);
    for (int64_t i = 0; i < v->frames; i += 25)
      if (!arm_active(c, time_of(v, i), (size_t)-1)) want[n++] = i;
    assert_true(n > 10);
    frames f = render(v, cam, want, n);
    for (size_t k = 0; k < n; ++k) {
      uint8_t *scene = still(v, cam, time_of(v, want[k]));
      if (memcmp(f.kept[k], scene, pixels) != 0)
        fail_msg("camera %zu frame %lld", cam, (long long)want[k]);
      free(scene);
    }
    uint8_t *first = still(v, cam, 0), *last = still(v, cam, v->end_us);
    /* Only the products' rows of zones change. */
    for (size_t p = 0; p < pixels; ++p) {
      if (first[p] == last[p]) continue;
      int y = (int)(p / W), in_products = 0;
      for (int z = 0; z < c->zone_count; ++z)
        in_products |= y >= c->zones[z].y0 && y < c->zones[z].rail_y;
      assert_true(in_products);
      changed = 1;
    }
    free(first);
    free(last);
    frames_free(&f);
    free(want);
  }
  assert_true(changed);
  rf_sim_video_free(v);
}

/* A body walking past covers the lowest zones from the image's bottom up; passers change no
 * visit. */
/* rf_sim_video_events: each camera's passers, light steps and shakes as its plan has them, camera
 * by camera, each kind in time order; none when their rates are 0; a callback's code stops it. */
typedef struct event_log {
  size_t count[3], last_camera;
  int64_t last_t0[3];
  const rf_sim_video *v;
  int stop_after;
} event_log;

static int on_event(size_t camera, rf_sim_video_event kind, rf_time_us t0, rf_time_us t1,
                    void *payload) {
  event_log *log = payload;
  assert_true(camera < rf_sim_video_camera_count(log->v));
  assert_true(camera >= log->last_camera);
  if (camera != log->last_camera) memset(log->last_t0, 0, sizeof log->last_t0);
  log->last_camera = camera;
  assert_true((int)kind >= 0 && (int)kind < 3);
  assert_true(t0 >= log->last_t0[kind]);
  log->last_t0[kind] = t0;
  if (kind == RF_SIM_VIDEO_LIGHT_STEP) assert_int_equal(t0, t1);
  else assert_true(t1 > t0);
  log->count[kind]++;
  return log->stop_after > 0 && --log->stop_after == 0 ? 7 : 0;
}

static void events_are_the_plan(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  o.passers_per_min = 6;
  o.steps_per_hour = 120;
  o.shakes_per_hour = 120;
  rf_sim_video *v = video("easy", 4, &o);
  event_log log;
  memset(&log, 0, sizeof log);
  log.v = v;
  assert_int_equal(rf_sim_video_events(v, on_event, &log), 0);
  size_t passers = 0, steps = 0, shakes = 0;
  for (size_t i = 0; i < v->camera_count; i++) {
    passers += v->cameras[i].passer_count;
    steps += v->cameras[i].step_count;
    shakes += v->cameras[i].shake_count;
  }
  assert_true(passers > 0 && steps > 0 && shakes > 0);
  assert_int_equal(log.count[RF_SIM_VIDEO_PASSER], passers);
  assert_int_equal(log.count[RF_SIM_VIDEO_LIGHT_STEP], steps);
  assert_int_equal(log.count[RF_SIM_VIDEO_SHAKE], shakes);
  memset(&log, 0, sizeof log);
  log.v = v;
  log.stop_after = 2;
  assert_int_equal(rf_sim_video_events(v, on_event, &log), 7);
  assert_int_equal(rf_sim_video_events(v, NULL, NULL), RF_EINVAL);
  rf_sim_video_free(v);
  o = quiet();
  v = video("easy", 4, &o);
  memset(&log, 0, sizeof log);
  log.v = v;
  assert_int_equal(rf_sim_video_events(v, on_event, &log), 0);
  assert_int_equal(log.count[0] + log.count[1] + log.count[2], 0);
  rf_sim_video_free(v);
}

static void bodies_cover_lower_zones(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  o.passers_per_min = 6;
  rf_sim_video *v = video("easy", 4, &o);
  const vid_camera *c = &v->cameras[0];
  assert_true(c->passer_count >= 3);
  int64_t *want = calloc(c->passer_count, sizeof *want);
  assert_non_null(want);
  for (size_t k = 0; k < c->passer_count; ++k) {
    const vid_passer *p = &c->passers[k];
    assert_true(p->width >= 0.35 * c->ppm - 1 && p->width <= 0.6 * c->ppm + 1);
    assert_true(p->height >= 0.4 * H - 1 && p->height <= 0.75 * H + 1);
    double speed = fabs(p->speed) * 1e6 / c->ppm;
    assert_true(speed >= 0.8 - 1e-9 && speed <= 1.5 + 1e-9);
    /* It enters from one edge and leaves by the other. */
    assert_true(p->x0 + p->width / 2.0 <= 0 || p->x0 - p->width / 2.0 >= W);
    want[k] = frame_at(v, p->t0 + (int64_t)((W / 2.0 - p->x0) / p->speed));
  }
  frames f = render(v, 0, want, c->passer_count);
  int covered = 0;
  for (size_t k = 0; k < c->passer_count; ++k) {
    const vid_passer *p = &c->passers[k];
    int64_t t = time_of(v, want[k]);
    if (t >= p->t1 || arm_active(c, t, (size_t)-1)) continue;
    for (size_t q = 0; q < c->passer_count; ++q)
      if (q != k && c->passers[q].t0 <= t && t < c->passers[q].t1) goto next;
    uint8_t *scene = still(v, 0, t);
    int cx = (int)(p->x0 + p->speed * (double)(t - p->t0)), same = 0, all = 0;
    /* The zones the torso's height reaches, whole, over the body's middle half. */
    for (int z = 0; z < c->zone_count; ++z) {
      if (c->zones[z].y0 < H - p->height) continue;
      for (int y = c->zones[z].y0; y < c->zones[z].y1; ++y)
        for (int x = cx - p->width / 4; x < cx + p->width / 4; ++x) {
          if (x < 0 || x >= W) continue;
          ++all;
          same += f.kept[k][y * W + x] == scene[y * W + x];
        }
    }
    assert_true(all > 0 && same * 20 <= all);
    /* Covered from the bottom up over its height, and the head above. */
    int rows = 0, differ = 0;
    for (int y = H - p->height - p->head / 2; y < H; ++y, ++rows)
      differ += f.kept[k][y * W + cx] != scene[y * W + cx];
    assert_true(differ * 10 >= rows * 9);
    ++covered;
    free(scene);
  next:;
  }
  assert_true(covered >= 2);
  /* Passers are no visits: the truth is the same without them. */
  rf_sim_video_options none = quiet();
  rf_sim_video *u = video("easy", 4, &none);
  records a = {0}, b = {0};
  assert_int_equal(rf_sim_video_visits(v, on_record, &a), 0);
  assert_int_equal(rf_sim_video_visits(u, on_record, &b), 0);
  assert_int_equal(a.count, b.count);
  for (size_t i = 0; i < a.count; ++i)
    assert_true(a.r[i].u.hand.t0 == b.r[i].u.hand.t0 && a.r[i].u.hand.x == b.r[i].u.hand.x);
  records_free(&a);
  records_free(&b);
  rf_sim_video_free(u);
  frames_free(&f);
  free(want);
  rf_sim_video_free(v);
}

/* A light step multiplies every pixel the light does not clip by its factor: 10-30 % up or
 * down, and it stays. */
static void light_steps_scale_luma(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  o.steps_per_hour = 600;
  rf_sim_video *v = video("easy", 5, &o);
  const vid_camera *c = &v->cameras[0];
  assert_true(c->step_count >= 5);
  int64_t *want = calloc(2 * c->step_count, sizeof *want);
  assert_non_null(want);
  for (size_t k = 0; k < c->step_count; ++k) {
    int64_t after = frame_at(v, c->steps[k].t);
    if (time_of(v, after) < c->steps[k].t) ++after;
    want[2 * k] = after - 1;
    want[2 * k + 1] = after;
  }
  frames f = render(v, 0, want, 2 * c->step_count);
  int measured = 0;
  double level = 1.0;
  for (size_t k = 0; k < c->step_count; ++k) {
    double factor = c->steps[k].level / level;
    level = c->steps[k].level;
    assert_true((factor >= 0.7 - 1e-9 && factor <= 0.9 + 1e-9) ||
                (factor >= 1.1 - 1e-9 && factor <= 1.3 + 1e-9));
    int64_t t0 = time_of(v, want[2 * k]), t1 = time_of(v, want[2 * k + 1]);
    if (want[2 * k] < 0 || want[2 * k + 1] >= v->frames) continue;
    if (arm_active(c, t0, (size_t)-1) || arm_active(c, t1, (size_t)-1)) continue;
    if (k + 1 < c->step_count && c->steps[k + 1].t <= t1) continue;
    assert_true(fabs(rf__vid_level(c, t1) - level) < 1e-12);
    uint8_t *scene = still(v, 0, t1);
    double sum0 = 0, sum1 = 0;
    for (size_t p = 0; p < (size_t)W * H; ++p) {
      if (scene[p] * fmax(level, level / factor) > 250) continue;
      sum0 += f.kept[2 * k][p];
      sum1 += f.kept[2 * k + 1][p];
    }
    if (fabs(sum1 / sum0 - factor) > 0.01)
      fail_msg("step %zu: mean luma x %.4f, the step x %.4f", k, sum1 / sum0, factor);
    ++measured;
    free(scene);
  }
  assert_true(measured >= 3);
  frames_free(&f);
  free(want);
  rf_sim_video_free(v);
}

/* Sensor noise: Gaussian of the configured sd around the scene, new every frame. */
static void noise_is_as_configured(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  o.noise_sd = 2.5;
  rf_sim_video *v = video("easy", 6, &o);
  int64_t want[] = {0, 1};
  frames f = render(v, 0, want, 2);
  uint8_t *scene = still(v, 0, 0);
  double n = 0, sum = 0, sq = 0, cross = 0;
  for (size_t p = 0; p < (size_t)W * H; ++p) {
    if (scene[p] < 20 || scene[p] > 235) continue;
    double d0 = f.kept[0][p] - scene[p], d1 = f.kept[1][p] - scene[p];
    n += 1;
    sum += d0;
    sq += d0 * d0;
    cross += d0 * d1;
  }
  double mean = sum / n, sd = sqrt(sq / n - mean * mean);
  assert_true(fabs(mean) < 0.1);
  assert_true(fabs(sd - 2.5) < 0.15);
  assert_true(fabs(cross / n) / (sd * sd) < 0.05); /* frames' noise independent */
  free(scene);
  frames_free(&f);
  rf_sim_video_free(v);
}

/* A shake moves the whole image by 1-2 px; outside shakes it stays put. */
static void shakes_shift_the_image(void **state) {
  (void)state;
  rf_sim_video_options o = quiet();
  o.shakes_per_hour = 1800;
  rf_sim_video *v = video("easy", 7, &o);
  const vid_camera *c = &v->cameras[1];
  assert_true(c->shake_count >= 10);
  size_t n = 0;
  int64_t *want = calloc(c->shake_count, sizeof *want);
  assert_non_null(want);
  for (size_t k = 0; k < c->shake_count; ++k) {
    int64_t ms = (c->shakes[k].t1 - c->shakes[k].t0) / 1000;
    assert_true(ms >= 100 && ms <= 500);
    int64_t i = frame_at(v, (c->shakes[k].t0 + c->shakes[k].t1) / 2);
    if (!arm_active(c, time_of(v, i), (size_t)-1)) want[n++] = i;
  }
  frames f = render(v, 1, want, n);
  int shifted = 0;
  for (size_t k = 0; k < n; ++k) {
    uint8_t *scene = still(v, 1, time_of(v, want[k]));
    int found = 0;
    for (int dy = -2; dy <= 2 && !found; ++dy)
      for (int dx = -2; dx <= 2 && !found; ++dx) {
        int same = 1;
        for (int y = 2; y < H - 2 && same; ++y)
          for (int x = 2; x < W - 2 && same; ++x)
            same = f.kept[k][y * W + x] == scene[(y - dy) * W + x - dx];
        if (same) found = 1 + (dx != 0 || dy != 0);
      }
    assert_true(found > 0);
    shifted += found == 2;
    free(scene);
  }
  assert_true(shifted >= (int)n - 1 && shifted >= 5);
  frames_free(&f);
  free(want);
  rf_sim_video_free(v);
}

/* The light's gain stays within its parts' amplitudes, and drift and flicker move it. */
static void light_within_its_amplitudes(void **state) {
  (void)state;
  rf_sim_video_options o = small();
  o.steps_per_hour = 0;
  rf_sim_video *v = video("easy", 8, &o);
  const vid_camera *c = &v->cameras[0];
  int rows[H];
  int16_t col[W];
  /* drift, the gradient's two tilts (up to 0.6 of drift, times half the image), flicker */
  double lo = 1e9, hi = -1e9, bound = o.drift * 1.6 + o.flicker + 1e-3;
  for (int64_t t = 0; t < v->end_us; t += 1000003) {
    rf__vid_gains(v, c, t, 1.0, rows, col);
    for (int y = 0; y < H; y += 7)
      for (int x = 0; x < W; x += 11) {
        double g = (double)(rows[y] + col[x]) / VID_GAIN_ONE;
        assert_true(fabs(g - 1) <= bound);
        lo = fmin(lo, g);
        hi = fmax(hi, g);
      }
  }
  assert_true(hi - lo > 0.01);
  rf_sim_video_free(v);
}

/* The light pass gives the same bytes 16 pixels at a time (SSE2, where built) as one by one (plain
 * C), and what its contract says: round(src x gain + noise), clamped. */
static void light_row_same_bytes(void **state) {
  (void)state;
  enum { N = 1000 };
  uint8_t src[N], wide[N], one[N];
  int16_t col[N], noise[N];
  uint64_t x = 12345;
  for (int round = 0; round < 50; ++round) {
    int row = (int)((round * 2654435761u) % (2 * VID_GAIN_ONE - 2000)) + 1000;
    for (int k = 0; k < N; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      src[k] = (uint8_t)(x >> 56);
      col[k] = (int16_t)((int)((x >> 20) & 1023) - 512);
      noise[k] = (int16_t)((int)((x >> 8) & 4095) - 2048);
      if (round == 49) noise[k] = (int16_t)(k % 2 ? 32767 : -32767); /* saturating */
    }
    rf__vid_light_row(wide, src, row, col, noise, N);
    for (int k = 0; k < N; ++k) rf__vid_light_row(one + k, src + k, row, col + k, noise + k, 1);
    assert_memory_equal(wide, one, N);
    for (int k = 0; k < N && round < 49; ++k) {
      double want = src[k] * (double)(row + col[k]) / VID_GAIN_ONE + noise[k] / 64.0;
      want = want < 0 ? 0 : want > 255 ? 255 : want;
      assert_true(fabs(wide[k] - want) <= 0.5 + 1.0 / 64);
    }
  }
}

/* Frames from 0 to the last exit plus a second, at rf_frame_time's times, at any rate. */
static void frame_count_and_times(void **state) {
  (void)state;
  records scenario = {0};
  run_hash("easy", 9, &scenario, 1u << RF_RECORD_EXIT);
  int64_t last_exit = 0;
  for (size_t k = 0; k < scenario.count; ++k)
    if (scenario.r[k].type == RF_RECORD_EXIT && scenario.r[k].u.exit.t > last_exit)
      last_exit = scenario.r[k].u.exit.t;
  records_free(&scenario);
  const int rates[][2] = {{30, 1}, {30000, 1001}, {15, 1}, {25, 2}};
  for (size_t k = 0; k < 4; ++k) {
    rf_sim_video_options o = quiet();
    o.width = 32;
    o.height = 80;
    o.fps_num = rates[k][0];
    o.fps_den = rates[k][1];
    rf_sim_video *v = video("easy", 9, &o);
    int64_t n = rf_sim_video_frame_count(v), end = last_exit + 1000000;
    assert_true(rf_frame_time(0, n - 1, o.fps_num, o.fps_den) <= end);
    assert_true(rf_frame_time(0, n, o.fps_num, o.fps_den) > end);
    frames f = render(v, 1, NULL, 0); /* on_frame checks each index and time */
    assert_int_equal(f.count, n);
    rf_sim_video_free(v);
  }
}

typedef struct job {
  const rf_sim_video *v;
  size_t camera;
  uint64_t hash;
} job;

static void *render_job(void *arg) {
  job *j = arg;
  frames f;
  memset(&f, 0, sizeof f);
  f.v = j->v;
  f.hash = 0xcbf29ce484222325ULL;
  f.pixels = (size_t)j->v->opt.width * j->v->opt.height;
  f.stop_at = -1;
  if (rf_sim_video_render(j->v, j->camera, on_frame, &f) != 0) return NULL;
  j->hash = f.hash;
  return arg;
}

/* Cameras rendered at once on two threads give the bytes they give one after the other. */
static void cameras_render_on_threads(void **state) {
  (void)state;
  rf_sim_video_options o = small();
  rf_sim_video *v = video("easy", 10, &o);
  job jobs[2] = {{v, 0, 0}, {v, 1, 0}};
  pthread_t threads[2];
  for (int k = 0; k < 2; ++k)
    assert_int_equal(pthread_create(&threads[k], NULL, render_job, &jobs[k]), 0);
  for (int k = 0; k < 2; ++k) {
    void *out;
    assert_int_equal(pthread_join(threads[k], &out), 0);
    assert_non_null(out);
  }
  for (int k = 0; k < 2; ++k) {
    frames f = render(v, (size_t)k, NULL, 0);
    assert_true(f.hash == jobs[k].hash);
  }
  rf_sim_video_free(v);
}

/* A callback's code stops rendering; every allocation failing in turn gives RF_ENOMEM and
 * leaves nothing allocated. */
static void stops_and_allocation_failures(void **state) {
  (void)state;
  rf_sim_params p = preset("easy");
  rf_sim_video_options o = quiet();
  o.width = 80;
  o.height = 80;
  rf_sim_video *v;
  assert_int_equal(rf_sim_video_new(&v, &p, 1, &o, NULL), 0);
  frames f;
  memset(&f, 0, sizeof f);
  f.v = v;
  f.pixels = 80 * 80;
  f.stop_at = 5;
  assert_int_equal(rf_sim_video_render(v, 0, on_frame, &f), -77);
  assert_int_equal(f.count, 6);
  rf_sim_video_free(v);
  test_alloc ta;
  rf_allocator a = test_alloc_make(&ta, 0);
  assert_int_equal(rf_sim_video_new(&v, &p, 1, &o, &a), 0);
  long calls = ta.calls;
  memset(&f, 0, sizeof f);
  f.v = v;
  f.pixels = 80 * 80;
  f.stop_at = 2;
  assert_int_equal(rf_sim_video_render(v, 0, on_frame, &f), -77);
  long render_calls = ta.calls - calls;
  assert_true(render_calls > 0);
  rf_sim_video_free(v);
  assert_int_equal(ta.live, 0);
  for (long k = 1; k <= calls; ++k) {
    a = test_alloc_make(&ta, k);
    assert_int_equal(rf_sim_video_new(&v, &p, 1, &o, &a), RF_ENOMEM);
    assert_null(v);
    assert_int_equal(ta.live, 0);
  }
  for (long k = 1; k <= render_calls; ++k) {
    a = test_alloc_make(&ta, 0);
    assert_int_equal(rf_sim_video_new(&v, &p, 1, &o, &a), 0);
    ta.fail_at = ta.calls + k;
    memset(&f, 0, sizeof f);
    f.v = v;
    f.pixels = 80 * 80;
    f.stop_at = -1;
    assert_int_equal(rf_sim_video_render(v, 0, on_frame, &f), RF_ENOMEM);
    assert_int_equal(f.count, 0);
    rf_sim_video_free(v);
    assert_int_equal(ta.live, 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(options_and_refusals),
      cmocka_unit_test(same_seed_same_frames),
      cmocka_unit_test(run_unchanged_by_rendering),
      cmocka_unit_test(layout_records),
      cmocka_unit_test(visits_are_the_reaches),
      cmocka_unit_test(arms_where_the_truth_says),
      cmocka_unit_test(arms_enter_and_leave),
      cmocka_unit_test(frames_are_the_scene_between_visits),
      cmocka_unit_test(bodies_cover_lower_zones),
      cmocka_unit_test(events_are_the_plan),
      cmocka_unit_test(light_steps_scale_luma),
      cmocka_unit_test(noise_is_as_configured),
      cmocka_unit_test(shakes_shift_the_image),
      cmocka_unit_test(light_within_its_amplitudes),
      cmocka_unit_test(light_row_same_bytes),
      cmocka_unit_test(frame_count_and_times),
      cmocka_unit_test(cameras_render_on_threads),
      cmocka_unit_test(stops_and_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
