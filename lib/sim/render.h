/* Internal: the simulator's rendered video (sim.h, "Rendered video"; docs/simulator.md, "Video").
 * One camera per gondola films its shelf fronts: each shelf a horizontal band of the image (its
 * zone), arms reaching into the zones at the reaches' places and times, bodies passing in front,
 * and the light and the sensor between the scene and the bytes.
 *
 * Everything random about a camera's video — its arms, passers, light steps, shakes, drift — is
 * planned when the video is made (render_plan.c), from a stream of that camera's own, so a video
 * is read-only afterwards; rendering draws from a second stream of the camera's (noise offsets,
 * shake offsets) and keeps its moving state in buffers of its own (render.c). */
#ifndef RF_SIM_RENDER_H
#define RF_SIM_RENDER_H

#include <stdint.h>

#include "retailfuse/sim.h"
#include "sim_internal.h"

/* The light pass computes in fixed point: gains with 14 fraction bits (below 2.0), lit luma and
 * noise with 6 (render_light.c). */
#define VID_GAIN_ONE 16384
#define VID_LUMA_SHIFT 6
/* Normal deviates of the sensor noise, read at a random offset per row and frame. */
#define VID_NOISE_LEN (1 << 18)

/* A shelf's zone in its camera's image: the rectangle [x0, x1) x [y0, y1) of its products and
 * (from rail_y down) its price rail; the front edge is y1. An arm is drawn `stub` rows below it
 * (the shelf board; the rest of the arm is foreshortened toward the camera). */
typedef struct vid_zone {
  int shelf; /* index in the world's shelves */
  int x0, y0, x1, y1;
  int rail_y, stub;
} vid_zone;

/* How a person's arm looks: the sleeve (or bare skin) and the hand. */
typedef struct vid_look {
  int skin, sleeve; /* luma */
  int bare;         /* short sleeves: the arm is skin too */
  double stripe_px; /* the sleeve's fabric stripes: period (px) ... */
  int stripe_amp;   /* ... and luma amplitude */
} vid_look;

/* One hand visit (a reach) as drawn: the tip at column tip_x (pixel-edge units, so column c's
 * centre is c + 0.5), depth 0 at t0, growing linearly to `depth` rows over in_us, held (with a
 * jitter), and back to 0 over the last out_us before t1. */
typedef struct vid_arm {
  int reach, zone; /* the world's reach; the camera's zone */
  int64_t t0, t1, in_us, out_us;
  double tip_x, depth;
  double slant; /* columns the arm moves per row down from the tip: tan of its angle */
  double half_w, hand_half_w, hand_len;
  double jitter, jitter_hz, jitter_phase;    /* of the held tip's depth (rows) */
  double xjitter, xjitter_hz, xjitter_phase; /* and of its column */
  vid_look look;
} vid_arm;

/* The arm of a visit at time t: rows reached from the front edge (0 outside the visit) and the
 * tip's column; the tip's row is rf__vid_tip_row. */
typedef struct vid_pose {
  double depth, tip_x;
} vid_pose;

/* A body walking along the aisle in front of the gondola: centre column x0 at t0, moving
 * `speed` columns a microsecond (negative: right to left) until t1, when it is out of sight. */
typedef struct vid_passer {
  int64_t t0, t1;
  double x0, speed;
  int width, height, head; /* px: the torso, from the image's bottom up; the head's diameter */
  int cloth, face;         /* luma */
  double fold_px;          /* the clothing's folds: period */
  int fold_amp;
} vid_passer;

/* The light level after a step at t (it stays until the next). */
typedef struct vid_step {
  int64_t t;
  double level;
} vid_step;

typedef struct vid_shake {
  int64_t t0, t1;
} vid_shake;

/* A change of the scene: an item leaving (sign -1) or arriving (+1) at a facing's lane, or a
 * loose item (index into the world's loose items). */
typedef struct vid_change {
  int64_t t;
  int zone, facing, lane, loose, sign;
} vid_change;

/* The slow parts of a camera's light: gain(t, x, y) = level(t) x (1 + drift(t) + flicker(t_y) +
 * gx(t) u + gy(t) v), u and v the pixel's place across the image from -0.5 to 0.5, t_y the time
 * row y is read (a rolling shutter). Angular rates are per microsecond. */
typedef struct vid_light {
  double drift_a[2], drift_w[2], drift_phase[2];
  double gx_a, gx_w, gx_phase, gy_a, gy_w, gy_phase;
  double flicker_w, flicker_phase;
  double row_us; /* between the readings of two rows */
} vid_light;

typedef struct vid_camera {
  char id[32];
  int gondola;
  double ppm; /* pixels per metre along the shelves */
  vid_zone *zones;
  int zone_count;
  int first_facing, facing_count; /* the world's facings on its shelves */
  vid_arm *arms;                  /* in order of t0 */
  size_t arm_count;
  int64_t longest_arm_us;
  vid_passer *passers; /* in order of t0 */
  size_t passer_count;
  int64_t longest_passer_us;
  vid_step *steps; /* in time order */
  size_t step_count;
  vid_shake *shakes;
  size_t shake_count;
  vid_change *changes; /* in time order */
  size_t change_count;
  vid_light light;
  uint64_t render_seed; /* the stream rendering draws from */
} vid_camera;

/* One entry of the truth: camera c's arm k. */
typedef struct vid_visit {
  int camera;
  int arm;
} vid_visit;

struct rf_sim_video {
  rf_allocator alloc;
  rf_sim_params params;
  rf_sim_video_options opt;
  uint64_t seed;
  sim_world w; /* the run's world, shopped; only read once the video is made */
  int64_t end_us, frames;
  vid_camera *cameras;
  size_t camera_count;
  vid_visit *visits; /* every arm, in order of t0 */
  size_t visit_count;
  int16_t *noise; /* VID_NOISE_LEN + width deviates, luma << VID_LUMA_SHIFT */
};

/* render_layout.c: the cameras' zones (one camera per gondola, its shelves top to bottom, the
 * first shelf highest), with their scale; 0, RF_ELIMIT when the image is too small for a gondola's
 * shelves, RF_ENOMEM. */
int rf__vid_layout(rf_sim_video *v);

/* render_plan.c: camera `index`'s plan — its arms (one per reach on its shelves), passers,
 * light steps, shakes, the scene's changes, its light — drawn from the camera's own stream.
 * 0 or RF_ENOMEM. */
int rf__vid_plan(rf_sim_video *v, size_t index);
/* How person `shopper` looks, the same on every camera; how product `product` looks: its luma
 * and its label's. */
vid_look rf__vid_person(uint64_t seed, int shopper);
void rf__vid_product(uint64_t seed, int product, int *base, int *label);

/* render_video.c: the time of frame `index` (rf_frame_time's computation, which the simulator may
 * not call: lib/camera is not among its parts). */
int64_t rf__vid_frame_time(int64_t index, int num, int den);

/* render_people.c: the pose of arm a at t, and its tip's row (the topmost row it covers) in
 * zone z; drawing an arm and a passing body into an image. Each returns the rectangle it drew
 * in (*box: x0, y0, x1, y1; empty when x0 >= x1). */
vid_pose rf__vid_arm_pose(const vid_arm *a, int64_t t);
int rf__vid_tip_row(const vid_zone *z, double depth);
void rf__vid_draw_arm(uint8_t *img, int width, int height, const vid_zone *z, const vid_arm *a,
                      vid_pose pose, int box[4]);
void rf__vid_draw_passer(uint8_t *img, int width, int height, const vid_passer *p, int64_t t,
                         int box[4]);

/* render_scene.c: the still scene of camera c with its shelves as `lanes` (items in each lane of
 * its facings, from lane_first[f - first_facing]) and `loose` (per loose item of the world, > 0
 * when it lies on its shelf) say; and the columns [c0, c1) of zone z's products redrawn after a
 * change. */
typedef struct vid_stock {
  const int *lanes, *lane_first, *loose;
} vid_stock;
void rf__vid_draw_scene(const rf_sim_video *v, const vid_camera *c, const vid_stock *stock,
                        uint8_t *img);
void rf__vid_draw_products(const rf_sim_video *v, const vid_camera *c, const vid_stock *stock,
                           int zone, int c0, int c1, uint8_t *img);
/* The columns whose centres lie in [x0, x1) (metres along zone z's shelf, shelf_width long). */
void rf__vid_columns(const vid_zone *z, double shelf_width, double x0, double x1, int *c0, int *c1);

/* render_light.c: the light level of camera c at t (its steps alone); a frame's gains at t —
 * row y's without the column term in rows[y], column x's term in col[x], in VID_GAIN_ONE units,
 * so that pixel (x, y) is lit by rows[y] + col[x], kept within [0, 2 VID_GAIN_ONE); and one row
 * lit into bytes: out[x] = clamp(round(src[x] x (row + col[x]) / VID_GAIN_ONE + noise[x] /
 * 2^VID_LUMA_SHIFT)), the same bytes with or without SSE2. */
double rf__vid_level(const vid_camera *c, int64_t t);
void rf__vid_gains(const rf_sim_video *v, const vid_camera *c, int64_t t, double level, int *rows,
                   int16_t *col);
void rf__vid_light_row(uint8_t *out, const uint8_t *src, int row_gain, const int16_t *col,
                       const int16_t *noise, int n);

/* render.c: camera `camera`'s still scene at t (the shelves as the changes up to t left them, no
 * people, no light or noise) into img (width x height). 0, RF_EINVAL or RF_ENOMEM. */
int rf__vid_still(const rf_sim_video *v, size_t camera, int64_t t, uint8_t *img);

#endif
