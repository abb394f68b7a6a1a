/* People as the camera sees them: an arm reaching up into a zone from its front edge, the hand
 * a little wider at its tip; a body walking past in front of the gondola. Both are shaded across
 * (round things are darker at their sides) and textured (a sleeve's fabric, a coat's folds),
 * so neither is a flat patch a detector could match by its luma alone. Everything is drawn in
 * scanlines, clipped to the image. */
#include <math.h>
#include <stdlib.h>

#include "render.h"

#define PI 3.141592653589793

static uint8_t clamp8(int v) { return (uint8_t)(v < 6 ? 6 : v > 240 ? 240 : v); }

static void grow(int box[4], int x0, int y0, int x1, int y1) {
  if (x0 >= x1 || y0 >= y1) return;
  if (box[0] >= box[2]) {
    box[0] = x0, box[1] = y0, box[2] = x1, box[3] = y1;
    return;
  }
  if (x0 < box[0]) box[0] = x0;
  if (y0 < box[1]) box[1] = y0;
  if (x1 > box[2]) box[2] = x1;
  if (y1 > box[3]) box[3] = y1;
}

vid_pose rf__vid_arm_pose(const vid_arm *a, int64_t t) {
  vid_pose pose = {0.0, a->tip_x};
  if (t <= a->t0 || t >= a->t1) return pose;
  /* In over in_us, held, out over out_us: a reach too short for both meets in the middle. */
  double f = fmin(1.0, fmin((double)(t - a->t0) / a->in_us, (double)(a->t1 - t) / a->out_us));
  double s = (double)t / 1e6;
  pose.depth = f * (a->depth + a->jitter * sin(2 * PI * a->jitter_hz * s + a->jitter_phase));
  pose.tip_x = a->tip_x + f * a->xjitter * sin(2 * PI * a->xjitter_hz * s + a->xjitter_phase);
  return pose;
}

int rf__vid_tip_row(const vid_zone *z, double depth) {
  /* The rows whose centres the arm covers: from y1 - depth down. */
  return (int)ceil(z->y1 - depth - 0.5);
}

/* The columns of a row whose centres lie within half_w of cx (at least the one under cx). */
static void row_span(double cx, double half_w, int width, int *c0, int *c1) {
  *c0 = (int)ceil(cx - half_w - 0.5);
  *c1 = (int)floor(cx + half_w - 0.5) + 1;
  if (*c1 <= *c0) *c0 = (int)floor(cx), *c1 = *c0 + 1;
  if (*c0 < 0) *c0 = 0;
  if (*c1 > width) *c1 = width;
}

void rf__vid_draw_arm(uint8_t *img, int width, int height, const vid_zone *z, const vid_arm *a,
                      vid_pose pose, int box[4]) {
  box[0] = box[1] = box[2] = box[3] = 0;
  if (pose.depth <= 0) return;
  double tip = z->y1 - pose.depth, hand = fmin(a->hand_len, pose.depth);
  double arm_half = a->half_w * sqrt(1 + a->slant * a->slant); /* a slanted band, cut by rows */
  const vid_look *look = &a->look;
  int bottom = z->y1 + z->stub < height ? z->y1 + z->stub : height;
  for (int y = rf__vid_tip_row(z, pose.depth); y < bottom; ++y) {
    if (y < 0) continue;
    double dy = y + 0.5 - tip, cx = pose.tip_x + a->slant * dy, half = arm_half;
    int luma = look->bare ? look->skin : look->sleeve, is_hand = dy < hand;
    if (is_hand) {
      /* The fingertips round off the hand's top: a half disc. */
      double r = a->hand_half_w, e = fmin(dy + 0.5, r);
      half = sqrt(r * r - (r - e) * (r - e));
      luma = look->skin;
    }
    int c0, c1;
    row_span(cx, half, width, &c0, &c1);
    uint8_t *row = img + (size_t)y * width;
    /* The sleeve's stripes run across the arm, so they move as it reaches in. */
    int stripe = !is_hand && !look->bare && ((int)floor((pose.depth - dy) / look->stripe_px) & 1);
    for (int x = c0; x < c1; ++x) {
      double u = (x + 0.5 - cx) / fmax(half, 0.5);
      int shade = (int)(luma * (1.0 - 0.3 * u * u));
      row[x] = clamp8(shade + (stripe ? look->stripe_amp : 0) + ((x * 7 + y * 3) & 3) - 1);
    }
    grow(box, c0, y, c1, y + 1);
  }
}

/* A coat's columns: darker at the sides, with vertical folds (a triangle wave). */
static int cloth_at(const vid_passer *p, double u, int x) {
  int period = (int)fmax(2, p->fold_px), phase = ((x % period) + period) % period;
  int fold = (2 * abs(2 * phase - period) - period) * p->fold_amp / (2 * period);
  return (int)(p->cloth * (1.0 - 0.3 * u * u)) + fold;
}

/* The head, a disc resting on the torso's top row. */
static void draw_head(uint8_t *img, int width, const vid_passer *p, double cx, int torso,
                      int box[4]) {
  double r = p->head / 2.0, centre = torso - 0.35 * p->head;
  for (int y = (int)floor(centre - r); y < torso; ++y) {
    double e = y + 0.5 - centre, w = r * r - e * e;
    if (y < 0 || w <= 0) continue;
    int c0, c1;
    row_span(cx, sqrt(w), width, &c0, &c1);
    uint8_t *row = img + (size_t)y * width;
    for (int x = c0; x < c1; ++x) {
      double u = (x + 0.5 - cx) / r;
      row[x] = clamp8((int)(p->face * (1.0 - 0.35 * u * u)) + ((x ^ y) & 3));
    }
    grow(box, c0, y, c1, y + 1);
  }
}

void rf__vid_draw_passer(uint8_t *img, int width, int height, const vid_passer *p, int64_t t,
                         int box[4]) {
  box[0] = box[1] = box[2] = box[3] = 0;
  if (t < p->t0 || t >= p->t1) return;
  double cx = p->x0 + p->speed * (double)(t - p->t0), half = p->width / 2.0;
  /* The torso covers the image from its bottom up over p->height rows, its shoulders rounding
   * in over the top eighth; the head rests on it. */
  int top = height - p->height, shoulders = p->height / 8 + 1;
  draw_head(img, width, p, cx, top, box);
  for (int y = top < 0 ? 0 : top; y < height; ++y) {
    double k = fmin(1.0, (y - top + 1.0) / shoulders), w = half * (0.55 + 0.45 * sqrt(k));
    int c0, c1;
    row_span(cx, w, width, &c0, &c1);
    uint8_t *row = img + (size_t)y * width;
    int dim = (y - top) * 12 / (p->height + 1); /* less light toward the floor */
    for (int x = c0; x < c1; ++x) row[x] = clamp8(cloth_at(p, (x + 0.5 - cx) / half, x) - dim);
    grow(box, c0, y, c1, y + 1);
  }
}
