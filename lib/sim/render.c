/* Rendering one camera's frames. The still scene is drawn once and changed only where the
 * shelves change (an item taken or put back); each frame draws the few moving things — arms,
 * passing bodies — onto a copy of it, lights that in one pass with the sensor's noise (shaken
 * when the camera shakes), hands the bytes out, and puts back what the moving things covered.
 * Every buffer is allocated before the first frame: a frame allocates nothing. The video is
 * only read, so cameras may be rendered on several threads at once. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "render.h"
#include "retailfuse/status.h"

#define MAX_BOXES 64

typedef struct vid_state {
  const rf_sim_video *v;
  const vid_camera *c;
  uint8_t *still, *work, *out;
  int *lanes, *lane_first, *loose;
  vid_stock stock;
  int *rows;
  int16_t *col;
  int boxes[MAX_BOXES][4];
  int box_count, all_dirty; /* all_dirty: more boxes than kept, restore everything */
  size_t next_change, first_arm, first_passer, next_shake;
  rf__rng rng;
} vid_state;

static void state_free(vid_state *s) {
  const rf_allocator *a = &s->v->alloc;
  rf__free(a, s->still);
  rf__free(a, s->work);
  rf__free(a, s->out);
  rf__free(a, s->lanes);
  rf__free(a, s->lane_first);
  rf__free(a, s->loose);
  rf__free(a, s->rows);
  rf__free(a, s->col);
}

/* The buffers, and the shelves full as they start (every lane at its depth, nothing loose). */
static int state_new(vid_state *s, const rf_sim_video *v, size_t camera) {
  const rf_allocator *a = &v->alloc;
  const vid_camera *c = &v->cameras[camera];
  size_t pixels = (size_t)v->opt.width * v->opt.height;
  memset(s, 0, sizeof *s);
  s->v = v;
  s->c = c;
  int lanes = 0;
  for (int f = 0; f < c->facing_count; ++f) lanes += v->w.facings[c->first_facing + f].lanes;
  s->still = rf__malloc(a, pixels);
  s->work = rf__malloc(a, pixels);
  s->out = rf__malloc(a, pixels);
  s->lanes = rf__calloc(a, (size_t)lanes + 1, sizeof *s->lanes);
  s->lane_first = rf__calloc(a, (size_t)c->facing_count + 1, sizeof *s->lane_first);
  s->loose = rf__calloc(a, v->w.loose_count + 1, sizeof *s->loose);
  s->rows = rf__calloc(a, (size_t)v->opt.height, sizeof *s->rows);
  s->col = rf__calloc(a, (size_t)v->opt.width, sizeof *s->col);
  if (!s->still || !s->work || !s->out || !s->lanes || !s->lane_first || !s->loose || !s->rows ||
      !s->col)
    return RF_ENOMEM;
  for (int f = 0, k = 0; f < c->facing_count; ++f) {
    const sim_facing *fc = &v->w.facings[c->first_facing + f];
    s->lane_first[f] = k;
    for (int lane = 0; lane < fc->lanes; ++lane) s->lanes[k++] = fc->depth;
  }
  s->stock = (vid_stock){s->lanes, s->lane_first, s->loose};
  rf__vid_draw_scene(v, c, &s->stock, s->still);
  memcpy(s->work, s->still, pixels);
  rf__rng_seed(&s->rng, c->render_seed, 1);
  return 0;
}

/* The columns of zone z a change touches: its lane's, or its loose item's. */
static void change_columns(const vid_state *s, const vid_change *ch, int *c0, int *c1) {
  const sim_world *w = &s->v->w;
  const vid_zone *z = &s->c->zones[ch->zone];
  double width = w->shelves[z->shelf].width;
  if (ch->facing >= 0) {
    const sim_facing *f = &w->facings[ch->facing];
    rf__vid_columns(z, width, f->x0 + ch->lane * f->lane_w, f->x0 + (ch->lane + 1) * f->lane_w, c0,
                    c1);
  } else {
    double x = w->loose[ch->loose].x;
    rf__vid_columns(z, width, x - 0.04, x + 0.04, c0, c1);
  }
}

/* The shelves as they are at t: each change due by then, redrawn in the still scene and copied
 * into the working one (which equals it between frames). */
static void apply_changes(vid_state *s, int64_t t) {
  const vid_camera *c = s->c;
  int width = s->v->opt.width;
  for (; s->next_change < c->change_count && c->changes[s->next_change].t <= t; ++s->next_change) {
    const vid_change *ch = &c->changes[s->next_change];
    if (ch->facing >= 0)
      s->lanes[s->lane_first[ch->facing - c->first_facing] + ch->lane] += ch->sign;
    else s->loose[ch->loose] += ch->sign;
    int c0, c1;
    change_columns(s, ch, &c0, &c1);
    const vid_zone *z = &c->zones[ch->zone];
    if (c0 < z->x0) c0 = z->x0;
    if (c1 > z->x1) c1 = z->x1;
    rf__vid_draw_products(s->v, c, &s->stock, ch->zone, c0, c1, s->still);
    for (int y = z->y0; y < z->rail_y && c0 < c1; ++y)
      memcpy(s->work + (size_t)y * width + c0, s->still + (size_t)y * width + c0,
             (size_t)(c1 - c0));
  }
}

static void keep_box(vid_state *s, const int box[4]) {
  if (box[0] >= box[2]) return;
  if (s->box_count == MAX_BOXES) {
    s->all_dirty = 1;
    return;
  }
  memcpy(s->boxes[s->box_count++], box, sizeof s->boxes[0]);
}

/* The arms in their zones at t, then the bodies passing in front of everything. */
static void draw_people(vid_state *s, int64_t t) {
  const vid_camera *c = s->c;
  int width = s->v->opt.width, height = s->v->opt.height, box[4];
  while (s->first_arm < c->arm_count && c->arms[s->first_arm].t0 < t - c->longest_arm_us)
    ++s->first_arm;
  for (size_t k = s->first_arm; k < c->arm_count && c->arms[k].t0 < t; ++k) {
    const vid_arm *a = &c->arms[k];
    if (t >= a->t1) continue;
    rf__vid_draw_arm(s->work, width, height, &c->zones[a->zone], a, rf__vid_arm_pose(a, t), box);
    keep_box(s, box);
  }
  while (s->first_passer < c->passer_count &&
         c->passers[s->first_passer].t0 < t - c->longest_passer_us)
    ++s->first_passer;
  for (size_t k = s->first_passer; k < c->passer_count && c->passers[k].t0 <= t; ++k) {
    rf__vid_draw_passer(s->work, width, height, &c->passers[k], t, box);
    keep_box(s, box);
  }
}

static void restore(vid_state *s) {
  int width = s->v->opt.width;
  if (s->all_dirty) memcpy(s->work, s->still, (size_t)width * s->v->opt.height);
  for (int b = 0; b < s->box_count && !s->all_dirty; ++b) {
    const int *box = s->boxes[b];
    for (int y = box[1]; y < box[3]; ++y)
      memcpy(s->work + (size_t)y * width + box[0], s->still + (size_t)y * width + box[0],
             (size_t)(box[2] - box[0]));
  }
  s->box_count = s->all_dirty = 0;
}

/* Where the shaken camera puts the scene at t: 1-2 px along x, y or both, anew each frame. */
static void shake_at(vid_state *s, int64_t t, int *dx, int *dy) {
  const vid_camera *c = s->c;
  *dx = *dy = 0;
  while (s->next_shake < c->shake_count && c->shakes[s->next_shake].t1 <= t) ++s->next_shake;
  if (s->next_shake == c->shake_count || c->shakes[s->next_shake].t0 > t) return;
  int axes = rf__rng_int(&s->rng, 1, 3);
  if (axes & 1) *dx = rf__rng_int(&s->rng, 1, 2) * (rf__rng_chance(&s->rng, 0.5) ? 1 : -1);
  if (axes & 2) *dy = rf__rng_int(&s->rng, 1, 2) * (rf__rng_chance(&s->rng, 0.5) ? 1 : -1);
}

/* Row y of the frame: the scene's row y - dy shifted right by dx (the edge column repeated where
 * the shift uncovers the image's side), lit, with noise read at a random place in the table. */
static void light_row(vid_state *s, int y, int dx, int dy) {
  const rf_sim_video *v = s->v;
  int width = v->opt.width, height = v->opt.height, sy = y - dy;
  sy = sy < 0 ? 0 : sy >= height ? height - 1 : sy;
  const uint8_t *src = s->work + (size_t)sy * width;
  uint8_t *out = s->out + (size_t)y * width;
  const int16_t *noise = v->noise + rf__rng_next(&s->rng) % VID_NOISE_LEN;
  int g = s->rows[y], shift = dx < 0 ? -dx : dx;
  if (dx >= 0) rf__vid_light_row(out + dx, src, g, s->col + dx, noise + dx, width - dx);
  else rf__vid_light_row(out, src + shift, g, s->col, noise, width - shift);
  for (int k = 0; k < shift; ++k) {
    int x = dx > 0 ? k : width - 1 - k, from = dx > 0 ? 0 : width - 1;
    rf__vid_light_row(out + x, src + from, g, s->col + x, noise + x, 1);
  }
}

static void light(vid_state *s, int64_t t) {
  int dx, dy;
  shake_at(s, t, &dx, &dy);
  rf__vid_gains(s->v, s->c, t, rf__vid_level(s->c, t), s->rows, s->col);
  for (int y = 0; y < s->v->opt.height; ++y) light_row(s, y, dx, dy);
}

int rf_sim_video_render(const rf_sim_video *v, size_t camera, rf_sim_frame_fn frame,
                        void *payload) {
  if (v == NULL || frame == NULL || camera >= v->camera_count) return RF_EINVAL;
  vid_state s;
  int rc = state_new(&s, v, camera);
  for (int64_t i = 0; i < v->frames && rc == 0; ++i) {
    int64_t t = rf__vid_frame_time(i, v->opt.fps_num, v->opt.fps_den);
    apply_changes(&s, t);
    draw_people(&s, t);
    light(&s, t);
    rc = frame(camera, i, t, s.out, payload);
    restore(&s);
  }
  state_free(&s);
  return rc;
}

int rf__vid_still(const rf_sim_video *v, size_t camera, int64_t t, uint8_t *img) {
  if (v == NULL || img == NULL || camera >= v->camera_count) return RF_EINVAL;
  vid_state s;
  int rc = state_new(&s, v, camera);
  if (rc == 0) {
    apply_changes(&s, t);
    memcpy(img, s.still, (size_t)v->opt.width * v->opt.height);
  }
  state_free(&s);
  return rc;
}
