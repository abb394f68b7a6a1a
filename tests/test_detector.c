/* The zone detector (lib/camera) on small synthetic frames with known answers: a block coming in
 * over a zone's front edge is one visit with known t0, t1 and x, whichever side the front is;
 * a global brightness step, a bar crossing the zone sideways, a body wider than a hand, and a
 * change in the middle of the shelf are none; two hands at once are two visits. The three
 * background models, any batch size and BLAS against plain C give the same visits. Bad cameras,
 * zones and options are refused with a message; frames allocate nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/camera.h"
#include "retailfuse/status.h"
#include "test_alloc.h"

#define W 100
#define H 60
#define FPS 30
#define MAX_VISITS 16

/* The zone's rectangle and what it maps to: 1 cm a pixel. */
enum { ZX0 = 10, ZY0 = 10, ZX1 = 90, ZY1 = 50 };

typedef struct visit {
  char shelf[16], source[16];
  int64_t t0, t1;
  double x, conf;
  int has_shopper;
} visit;

typedef struct sink {
  visit v[MAX_VISITS];
  int count;
} sink;

static int collect(const rf_record *r, void *payload) {
  sink *s = payload;
  assert_int_equal(r->type, RF_RECORD_HAND);
  assert_true(s->count < MAX_VISITS);
  visit *v = &s->v[s->count++];
  snprintf(v->shelf, sizeof v->shelf, "%s", r->u.hand.shelf);
  snprintf(v->source, sizeof v->source, "%s", r->source);
  v->t0 = r->u.hand.t0;
  v->t1 = r->u.hand.t1;
  assert_true(r->u.hand.has_x && r->u.hand.has_conf);
  v->x = r->u.hand.x;
  v->conf = r->u.hand.conf;
  v->has_shopper = r->u.hand.shopper != NULL;
  return 0;
}

/* A textured shelf with a little noise of its own each frame, times a light level. */
static void background(uint8_t *f, int frame, double light) {
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      uint32_t h = (uint32_t)(x * 73856093u) ^ (uint32_t)(y * 19349663u) ^
                   (uint32_t)(frame * 83492791u);
      h ^= h >> 13, h *= 0x5bd1e995u, h ^= h >> 15;
      int noise = (int)(h % 5) - 2;
      double v = (70 + 40 * (((x / 7) + (y / 5)) & 1) + noise) * light;
      f[y * W + x] = (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v);
    }
}

static void fill(uint8_t *f, int x0, int y0, int x1, int y1, uint8_t luma) {
  for (int y = y0 < 0 ? 0 : y0; y < y1 && y < H; y++)
    for (int x = x0 < 0 ? 0 : x0; x < x1 && x < W; x++) f[y * W + x] = luma;
}

/* How far the hand is in at frame f of a visit starting at `start`: 8, 14, 20, 26 pixels in, 30
 * for 20 frames, then 26, 20, 14, 8 out, then gone — in at frame start, last in at start + 28. */
static int hand_depth(int f, int start) {
  static const int depth[] = {8,  14, 20, 26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
                              30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 26, 20, 14, 8};
  int i = f - start;
  return i < 0 || i >= (int)(sizeof depth / sizeof depth[0]) ? 0 : depth[i];
}

/* A hand `depth` pixels in from `front`, lateral pixels [l0, l1) (columns for top and bottom,
 * rows for left and right), with a stub outside the zone where the arm comes from. */
static void hand(uint8_t *f, rf_zone_front front, int l0, int l1, int depth) {
  if (depth <= 0) return;
  switch (front) {
    case RF_FRONT_BOTTOM: fill(f, l0, ZY1 - depth, l1, ZY1 + 4, 200); break;
    case RF_FRONT_TOP: fill(f, l0, ZY0 - 4, l1, ZY0 + depth, 200); break;
    case RF_FRONT_LEFT: fill(f, ZX0 - 4, l0, ZX0 + depth, l1, 200); break;
    default: fill(f, ZX1 - depth, l0, ZX1 + 4, l1, 200); break;
  }
}

static rf_camera_rec camera(void) {
  rf_camera_rec c = {"cam-1", W, H, FPS, 0};
  return c;
}

static rf_zone_rec zone(rf_zone_front front) {
  rf_zone_rec z = {"cam-1", "G1S1", ZX0, ZY0, ZX1, ZY1, front, 0.0, 0.8};
  return z;
}

/* What is drawn on top of the shelf at frame f. */
typedef void (*scene_fn)(uint8_t *f, int frame, double *light);

typedef struct run_opts {
  rf_background background;
  int batch;
  rf_zone_front front;
  int frames;
  rf_time_us t0; /* frame i at t0 + i frames */
} run_opts;

static run_opts defaults(void) {
  run_opts o = {RF_BACKGROUND_EIGEN, 8, RF_FRONT_BOTTOM, 150, 0};
  return o;
}

static rf_detector_stats run(const run_opts *o, scene_fn scene, sink *out) {
  rf_camera_rec cam = camera();
  rf_zone_rec z = zone(o->front);
  rf_detector_options opt;
  rf_detector_options_init(&opt);
  opt.background = o->background;
  opt.batch = o->batch;
  rf_detector *d = NULL;
  char err[200] = "";
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, &opt, NULL, err, sizeof err), 0);
  memset(out, 0, sizeof *out);
  rf_detector_set_output(d, collect, out);
  static uint8_t f[W * H];
  for (int i = 0; i < o->frames; i++) {
    double light = 1;
    scene(NULL, i, &light);
    background(f, i, light);
    scene(f, i, &light);
    assert_int_equal(rf_detector_frame(d, f, W, rf_frame_time(o->t0, i, FPS, 1)), 0);
  }
  assert_int_equal(rf_detector_finish(d), 0);
  rf_detector_stats st;
  assert_int_equal(rf_detector_get_stats(d, &st), 0);
  rf_detector_free(d);
  assert_int_equal(st.frames, o->frames);
  assert_int_equal(st.visits, out->count);
  return st;
}

/* The hand at lateral pixels [36, 44): 0.30 m along the shelf for top and bottom fronts. */
static rf_zone_front scene_front;
static void one_hand(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f != NULL)
    hand(f, scene_front, scene_front <= RF_FRONT_BOTTOM ? 36 : 26,
         scene_front <= RF_FRONT_BOTTOM ? 44 : 34, hand_depth(frame, 60));
}

static void assert_one_hand(const sink *s, double x) {
  assert_int_equal(s->count, 1);
  assert_string_equal(s->v[0].shelf, "G1S1");
  assert_string_equal(s->v[0].source, "cam-1");
  assert_false(s->v[0].has_shopper);
  assert_int_equal(s->v[0].t0, rf_frame_time(0, 60, FPS, 1));
  assert_int_equal(s->v[0].t1, rf_frame_time(0, 88, FPS, 1));
  assert_true(s->v[0].x > x - 0.011 && s->v[0].x < x + 0.011);
  assert_true(s->v[0].conf >= 0.5 && s->v[0].conf <= 1);
}

static void block_from_the_front_is_one_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  scene_front = RF_FRONT_BOTTOM;
  run(&o, one_hand, &s);
  assert_one_hand(&s, 0.30);
}

/* Top: the same hand from above. Left and right: the hand comes in sideways at rows [26, 34);
 * its deepest pixel is column 39 from the left (x 0.295) or 60 from the right (x 0.505). */
static void every_front(void **state) {
  (void)state;
  const double expect[RF_FRONT_COUNT] = {0.30, 0.30, 0.295, 0.505};
  for (int front = 0; front < RF_FRONT_COUNT; front++) {
    run_opts o = defaults();
    o.front = (rf_zone_front)front;
    scene_front = o.front;
    sink s;
    run(&o, one_hand, &s);
    assert_one_hand(&s, expect[front]);
  }
}

static void same_visits_every_model_and_batch(void **state) {
  (void)state;
  const rf_background models[] = {RF_BACKGROUND_EIGEN, RF_BACKGROUND_EIGEN_PLAIN,
                                  RF_BACKGROUND_AVERAGE};
  const int batches[] = {1, 3, 8, 64};
  scene_front = RF_FRONT_BOTTOM;
  for (size_t m = 0; m < 3; m++)
    for (size_t b = 0; b < 4; b++) {
      run_opts o = defaults();
      o.background = models[m];
      o.batch = batches[b];
      sink s;
      run(&o, one_hand, &s);
      assert_one_hand(&s, 0.30);
    }
}

static void light_step(uint8_t *f, int frame, double *light) {
  (void)f;
  *light = frame >= 60 ? 1.3 : 1.0;
}

static void brightness_step_is_no_visit(void **state) {
  (void)state;
  for (int m = 0; m < RF_BACKGROUND_COUNT; m++) {
    run_opts o = defaults();
    o.background = (rf_background)m;
    sink s;
    rf_detector_stats st = run(&o, light_step, &s);
    assert_int_equal(s.count, 0);
    /* The eigenbackground explains the step at once; the average is blinded a while. */
    if (o.background == RF_BACKGROUND_AVERAGE) assert_true(st.disturbed > 0);
    else assert_int_equal(st.disturbed, 0);
  }
}

static void bar_sideways(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f != NULL && frame >= 60) fill(f, (frame - 60) * 3 - 6, 0, (frame - 60) * 3, H, 200);
}

static void bar_crossing_sideways_is_no_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  rf_detector_stats st = run(&o, bar_sideways, &s);
  assert_int_equal(s.count, 0);
  assert_true(st.from_side >= 1);
}

/* A body 40 cm wide walking past, covering the zone's lower two thirds. */
static void body_passing(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f != NULL && frame >= 60) fill(f, (frame - 60) * 4 - 40, 24, (frame - 60) * 4, H, 30);
}

static void body_passing_is_no_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  rf_detector_stats st = run(&o, body_passing, &s);
  assert_int_equal(s.count, 0);
  assert_true(st.from_side + st.too_wide >= 1);
}

/* A product gone from the middle of the shelf: a change that does not touch the front edge. */
static void product_taken(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f != NULL && frame >= 60) fill(f, 50, 15, 62, 38, 20);
}

static void change_inside_the_shelf_is_no_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  run(&o, product_taken, &s);
  assert_int_equal(s.count, 0);
}

/* Two hands far apart at once: at 0.20 m and 0.60 m. */
static void two_hands(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f == NULL) return;
  hand(f, RF_FRONT_BOTTOM, 26, 34, hand_depth(frame, 60));
  hand(f, RF_FRONT_BOTTOM, 66, 74, hand_depth(frame, 70));
}

static void two_hands_are_two_visits(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  run(&o, two_hands, &s);
  assert_int_equal(s.count, 2);
  assert_int_equal(s.v[0].t0, rf_frame_time(0, 60, FPS, 1));
  assert_int_equal(s.v[1].t0, rf_frame_time(0, 70, FPS, 1));
  assert_int_equal(s.v[1].t1, rf_frame_time(0, 98, FPS, 1));
  assert_true(s.v[0].x > 0.19 && s.v[0].x < 0.21);
  assert_true(s.v[1].x > 0.59 && s.v[1].x < 0.61);
}

/* A brief touch of the front edge, four frames: too short for a visit. */
static void flick(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f != NULL && frame >= 60 && frame < 64) hand(f, RF_FRONT_BOTTOM, 36, 44, 10);
}

static void too_short_is_no_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  rf_detector_stats st = run(&o, flick, &s);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.too_short, 1);
}

/* A hand whose rows alternate with the shelf's own luma (a striped sleeve that matches it): the
 * mask has holes across the arm, yet it is one visit at the same place and times. */
static void striped(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f == NULL) return;
  int depth = hand_depth(frame, 60);
  if (depth <= 0) return;
  for (int y = ZY1 - depth; y < ZY1 + 4; y++)
    for (int x = 36; x < 44; x++)
      if ((y / 2) % 3 != 0 || y >= ZY1 - 4) f[y * W + x] = 200;
}

static void striped_hand_is_one_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  run(&o, striped, &s);
  assert_one_hand(&s, 0.30);
}

/* A hand at the shelf's left end, touching the zone's side, reaching to its back edge: it grew
 * in over the front, so it is a hand. */
static void hand_at_the_end(uint8_t *f, int frame, double *light) {
  (void)light;
  int depth = hand_depth(frame, 60);
  if (f != NULL && depth > 0) fill(f, ZX0, ZY1 - (depth == 30 ? 40 : depth), ZX0 + 8, ZY1 + 4, 200);
}

static void hand_at_the_end_reaching_the_back(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  run(&o, hand_at_the_end, &s);
  assert_one_hand(&s, 0.04);
}

/* A body's shoulder: in from the zone's right side, a third of the zone deep, then through it
 * and wider than a hand, walking left. */
static void shoulder(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f == NULL || frame < 60) return;
  int right = W + 40 - (frame - 60) * 4;
  int top = frame - 60 < 6 ? ZY1 - 14 : 0;
  fill(f, right - 50, top, right, H, 40);
}

static void shoulder_from_the_side_is_no_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  rf_detector_stats st = run(&o, shoulder, &s);
  assert_int_equal(s.count, 0);
  assert_true(st.from_side + st.too_wide >= 1);
}

/* A head passing along the shelf's front: hand-sized, from the front edge, there 0.3 s, moving
 * 3 px a frame (0.9 m/s), so no more than 25 cm in all: only its speed says it is no hand. */
static void head_sweeping(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f != NULL && frame >= 60 && frame < 69)
    fill(f, 20 + (frame - 60) * 3, ZY1 - 12, 30 + (frame - 60) * 3, H, 40);
}

static void head_sweeping_is_no_visit(void **state) {
  (void)state;
  run_opts o = defaults();
  sink s;
  rf_detector_stats st = run(&o, head_sweeping, &s);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.from_side, 1);
}

/* Something left on the shelf's rail at frame 60, staying: no visit; it becomes background, and
 * a hand reaching in beside it 30 s later is one visit. */
static void left_on_the_rail(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f == NULL) return;
  if (frame >= 60) fill(f, 60, ZY1 - 10, 72, ZY1, 230);
  hand(f, RF_FRONT_BOTTOM, 26, 34, hand_depth(frame, 1000));
}

static void a_thing_left_becomes_background(void **state) {
  (void)state;
  run_opts o = defaults();
  o.frames = 1100;
  sink s;
  rf_detector_stats st = run(&o, left_on_the_rail, &s);
  assert_int_equal(st.too_long, 1);
  assert_int_equal(s.count, 1);
  assert_int_equal(s.v[0].t0, rf_frame_time(0, 1000, FPS, 1));
  assert_true(s.v[0].x > 0.19 && s.v[0].x < 0.21);
}

/* A hand, the whole zone covered for 5 s, another hand: the cover is a disturbance longer than
 * 2 s, so the first visit ends with it — also with negative times (the start of a disturbance was
 * kept as a time with -1 for none: before any frame at t < 0 it never lasted, and the two hands
 * became one visit 8 s long). */
static void cover_then_hand(uint8_t *f, int frame, double *light) {
  (void)light;
  if (f == NULL) return;
  hand(f, RF_FRONT_BOTTOM, 36, 44, hand_depth(frame, 60));
  if (frame >= 100 && frame < 250) fill(f, 0, 0, W, H, 30);
  hand(f, RF_FRONT_BOTTOM, 36, 44, hand_depth(frame, 300));
}

static void long_disturbance_at_negative_times(void **state) {
  (void)state;
  sink at_zero, below;
  run_opts o = defaults();
  o.background = RF_BACKGROUND_AVERAGE;
  o.frames = 400;
  run(&o, cover_then_hand, &at_zero);
  o.t0 = -100000000;
  run(&o, cover_then_hand, &below);
  assert_true(at_zero.count >= 1);
  assert_int_equal(at_zero.v[0].t0, rf_frame_time(0, 60, FPS, 1));
  assert_int_equal(at_zero.v[0].t1, rf_frame_time(0, 88, FPS, 1));
  assert_int_equal(below.count, at_zero.count);
  for (int i = 0; i < below.count; i++) {
    assert_int_equal(below.v[i].t0 - o.t0, at_zero.v[i].t0);
    assert_int_equal(below.v[i].t1 - o.t0, at_zero.v[i].t1);
  }
}

/* A hand, then something wider parked over it for a minute: the hand is held no longer than 2 s
 * unseen, so its visit goes out then (ending when it was last seen), not after the cover left. */
static int64_t last_output_frame;
static int frame_now;
static int note_output(const rf_record *r, void *payload) {
  last_output_frame = frame_now;
  return collect(r, payload);
}

static void hidden_hand_is_not_held_for_ever(void **state) {
  (void)state;
  rf_camera_rec cam = camera();
  rf_zone_rec z = zone(RF_FRONT_BOTTOM);
  rf_detector *d = NULL;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, NULL, NULL, 0), 0);
  sink s = {0};
  rf_detector_set_output(d, note_output, &s);
  static uint8_t f[W * H];
  last_output_frame = -1;
  for (frame_now = 0; frame_now < 2000; frame_now++) {
    background(f, frame_now, 1);
    int depth = frame_now >= 60 && frame_now < 1900 ? 30 : hand_depth(frame_now, 60);
    hand(f, RF_FRONT_BOTTOM, 36, 44, depth);
    if (frame_now >= 80 && frame_now < 1880) fill(f, 25, ZY0 + 10, 75, H, 30);
    assert_int_equal(rf_detector_frame(d, f, W, rf_frame_time(0, frame_now, FPS, 1)), 0);
    if (s.count > 0) break;
  }
  rf_detector_free(d);
  assert_int_equal(s.count, 1);
  assert_int_equal(s.v[0].t0, rf_frame_time(0, 60, FPS, 1));
  assert_true(s.v[0].t1 <= rf_frame_time(0, 80, FPS, 1));
  assert_true(last_output_frame < 80 + 3 * FPS); /* out within 3 s of its last sighting */
}

/* An output that refuses a record stops the detector: that call returns its code, so does every
 * later one, finish included. */
static int refuse(const rf_record *r, void *payload) {
  (void)r;
  (void)payload;
  return -42;
}

static void output_error_is_sticky(void **state) {
  (void)state;
  rf_camera_rec cam = camera();
  rf_zone_rec z = zone(RF_FRONT_BOTTOM);
  rf_detector *d = NULL;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, NULL, NULL, 0), 0);
  rf_detector_set_output(d, refuse, NULL);
  static uint8_t f[W * H];
  int rc = 0, i = 0;
  scene_front = RF_FRONT_BOTTOM;
  for (; i < 150 && rc == 0; i++) {
    background(f, i, 1);
    one_hand(f, i, NULL);
    rc = rf_detector_frame(d, f, W, rf_frame_time(0, i, FPS, 1));
  }
  assert_int_equal(rc, -42);
  assert_int_equal(rf_detector_frame(d, f, W, rf_frame_time(0, i, FPS, 1)), -42);
  assert_int_equal(rf_detector_finish(d), -42);
  assert_int_equal(rf_detector_finish(d), -42);
  rf_detector_free(d);
}

/* Zones too shallow to see a hand grow in, or too large to index, are refused. */
static void zone_sizes_refused(void **state) {
  (void)state;
  rf_camera_rec cam = camera();
  rf_zone_rec z = zone(RF_FRONT_BOTTOM);
  rf_detector *d = NULL;
  char err[200];
  z.y1 = z.y0 + 5;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, NULL, err, sizeof err), RF_EINVAL);
  assert_string_equal(err, "zone 0 (shelf G1S1): 5 samples deep from its front, at least 6 needed");
  rf_detector_options o;
  rf_detector_options_init(&o);
  o.step = 8;
  z = zone(RF_FRONT_BOTTOM); /* 40 pixels deep: 5 samples at step 8 */
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, &o, NULL, err, sizeof err), RF_EINVAL);
  z.front = RF_FRONT_LEFT; /* 80 wide: 10 samples deep from the left */
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, &o, NULL, err, sizeof err), 0);
  rf_detector_free(d);
  rf_camera_rec huge = {"cam-1", 65535, 65535, FPS, 0};
  rf_zone_rec all = {"cam-1", "G1S1", 0, 0, 65535, 65535, RF_FRONT_BOTTOM, 0.0, 1.0};
  o.step = 1;
  assert_int_equal(rf_detector_new(&d, &huge, &all, 1, &o, NULL, err, sizeof err), RF_EINVAL);
  assert_string_equal(err, "zone 0 (shelf G1S1): 4294836225 samples, at most 16777216");
  assert_null(d);
}

static void refusals(void **state) {
  (void)state;
  rf_camera_rec cam = camera();
  rf_zone_rec z = zone(RF_FRONT_BOTTOM);
  rf_detector *d = NULL;
  char err[200];
  z.x1 = W + 1;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, NULL, err, sizeof err), RF_EINVAL);
  assert_string_equal(err, "zone 0 (shelf G1S1): px [10,10,101,50] is not a rectangle within the "
                           "100x60 image");
  assert_null(d);
  z = zone(RF_FRONT_BOTTOM);
  z.camera = "cam-2";
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, NULL, err, sizeof err), RF_EINVAL);
  assert_string_equal(err, "zone 0: camera 'cam-2' is not this detector's ('cam-1')");
  z = zone(RF_FRONT_BOTTOM);
  z.shelf_x1 = z.shelf_x0;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, NULL, err, sizeof err), RF_EINVAL);
  assert_string_equal(err, "zone 0 (shelf G1S1): shelf_x must be two different numbers");
  z = zone(RF_FRONT_BOTTOM);
  rf_detector_options opt;
  rf_detector_options_init(&opt);
  opt.batch = 65;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, &opt, NULL, err, sizeof err), RF_EINVAL);
  assert_string_equal(err, "detector options: batch (1..64) out of range");
  opt.batch = 8;
  opt.version = 99;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, &opt, NULL, err, sizeof err), RF_EVERSION);
  cam.width = 0;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, NULL, err, sizeof err), RF_EINVAL);
  assert_string_equal(err, "camera cam-1: image size 0x60 out of range");
}

static void frames_in_order_and_no_allocation(void **state) {
  (void)state;
  test_alloc counter;
  rf_allocator a = test_alloc_make(&counter, 0);
  rf_camera_rec cam = camera();
  rf_zone_rec z = zone(RF_FRONT_BOTTOM);
  rf_detector *d = NULL;
  assert_int_equal(rf_detector_new(&d, &cam, &z, 1, NULL, &a, NULL, 0), 0);
  sink s = {0};
  rf_detector_set_output(d, collect, &s);
  long after_new = counter.calls;
  static uint8_t f[W * H];
  scene_front = RF_FRONT_BOTTOM;
  for (int i = 0; i < 120; i++) {
    background(f, i, 1);
    one_hand(f, i, NULL);
    assert_int_equal(rf_detector_frame(d, f, W, rf_frame_time(0, i, FPS, 1)), 0);
  }
  /* Not after the last frame's time; a stride narrower than the image. */
  assert_int_equal(rf_detector_frame(d, f, W, rf_frame_time(0, 119, FPS, 1)), RF_ELATE);
  assert_int_equal(rf_detector_frame(d, f, W - 1, rf_frame_time(0, 120, FPS, 1)), RF_EINVAL);
  assert_int_equal(counter.calls, after_new);
  assert_int_equal(rf_detector_finish(d), 0);
  assert_int_equal(s.count, 1);
  assert_int_equal(rf_detector_frame(d, f, W, rf_frame_time(0, 121, FPS, 1)), RF_EMISUSE);
  rf_detector_free(d);
  assert_int_equal(counter.live, 0);
}

static void allocation_failures_are_clean(void **state) {
  (void)state;
  rf_camera_rec cam = camera();
  rf_zone_rec z = zone(RF_FRONT_BOTTOM);
  for (long fail = 1; fail < 60; fail++) {
    test_alloc counter;
    rf_allocator a = test_alloc_make(&counter, fail);
    rf_detector *d = NULL;
    int rc = rf_detector_new(&d, &cam, &z, 1, NULL, &a, NULL, 0);
    if (!counter.failed) {
      assert_int_equal(rc, 0);
      rf_detector_free(d);
      break;
    }
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(d);
    assert_int_equal(counter.live, 0);
  }
}

static void names(void **state) {
  (void)state;
  assert_string_equal(rf_background_name(RF_BACKGROUND_EIGEN), "eigen");
  assert_string_equal(rf_background_name(RF_BACKGROUND_EIGEN_PLAIN), "eigen-plain");
  assert_string_equal(rf_background_name(RF_BACKGROUND_AVERAGE), "average");
  assert_null(rf_background_name(RF_BACKGROUND_COUNT));
  assert_int_equal(rf_background_parse("average"), RF_BACKGROUND_AVERAGE);
  assert_int_equal(rf_background_parse("pca"), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(block_from_the_front_is_one_visit),
      cmocka_unit_test(every_front),
      cmocka_unit_test(same_visits_every_model_and_batch),
      cmocka_unit_test(brightness_step_is_no_visit),
      cmocka_unit_test(bar_crossing_sideways_is_no_visit),
      cmocka_unit_test(body_passing_is_no_visit),
      cmocka_unit_test(change_inside_the_shelf_is_no_visit),
      cmocka_unit_test(two_hands_are_two_visits),
      cmocka_unit_test(too_short_is_no_visit),
      cmocka_unit_test(striped_hand_is_one_visit),
      cmocka_unit_test(hand_at_the_end_reaching_the_back),
      cmocka_unit_test(shoulder_from_the_side_is_no_visit),
      cmocka_unit_test(head_sweeping_is_no_visit),
      cmocka_unit_test(a_thing_left_becomes_background),
      cmocka_unit_test(long_disturbance_at_negative_times),
      cmocka_unit_test(hidden_hand_is_not_held_for_ever),
      cmocka_unit_test(output_error_is_sticky),
      cmocka_unit_test(zone_sizes_refused),
      cmocka_unit_test(refusals),
      cmocka_unit_test(frames_in_order_and_no_allocation),
      cmocka_unit_test(allocation_failures_are_clean),
      cmocka_unit_test(names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
