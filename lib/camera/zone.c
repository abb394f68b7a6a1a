/* A zone's grid, seen from its front edge: how far foreground reaches in at each lateral
 * position, and the runs of positions where it does — what might be a hand. A hand comes in
 * over the front edge, so only foreground joined to that edge counts; a changed product in the
 * middle of the shelf does not. */
#include "detector_internal.h"

/* The first foreground sample must be within this many samples of the front edge, and a reach
 * goes on over holes of at most this many (a hand's pixels close to the shelf's own luma). */
#define FRONT_SLACK 2
#define HOLE_MAX 2

void rf__cam_zone_geometry(cam_zone *z, int step) {
  const rf_zone_rec *r = &z->rec;
  z->step = step;
  z->cols = (r->x1 - r->x0 + step - 1) / step;
  z->rows = (r->y1 - r->y0 + step - 1) / step;
  z->n = z->cols * z->rows;
  int vertical = r->front == RF_FRONT_TOP || r->front == RF_FRONT_BOTTOM;
  z->lat = vertical ? z->cols : z->rows;
  z->depth = vertical ? z->rows : z->cols;
  switch (r->front) {
    case RF_FRONT_TOP: z->base = 0, z->dl = 1, z->dd = z->cols; break;
    case RF_FRONT_BOTTOM: z->base = (z->rows - 1) * z->cols, z->dl = 1, z->dd = -z->cols; break;
    case RF_FRONT_LEFT: z->base = 0, z->dl = z->cols, z->dd = 1; break;
    default: z->base = z->cols - 1, z->dl = z->cols, z->dd = -1; break;
  }
  /* Pixels are taken as square: a lateral sample is `step` pixels, and a pixel is the shelf's
   * width over the rectangle's width. */
  double per_px = (r->shelf_x1 - r->shelf_x0) / (double)(r->x1 - r->x0);
  z->metres_per_lat = (per_px < 0 ? -per_px : per_px) * step;
}

double rf__cam_zone_column(const cam_zone *z, double l, int d) {
  double col;
  switch (z->rec.front) {
    case RF_FRONT_TOP:
    case RF_FRONT_BOTTOM: col = l; break;
    case RF_FRONT_LEFT: col = d; break;
    default: col = z->cols - 1 - d; break;
  }
  return z->rec.x0 + col * z->step + 0.5 * z->step;
}

double rf__cam_zone_metres(const cam_zone *z, double column) {
  const rf_zone_rec *r = &z->rec;
  double u = (column - r->x0) / (double)(r->x1 - r->x0);
  return r->shelf_x0 + u * (r->shelf_x1 - r->shelf_x0);
}

double rf__cam_zone_fg_share(const cam_zone *z, int b) {
  const uint8_t *m = z->mask + (size_t)b * (size_t)z->n;
  long count = 0;
  for (int i = 0; i < z->n; i++) count += m[i];
  return (double)count / z->n;
}

/* How deep foreground joined to the front edge reaches at lateral position l: 0 for none. */
static int reach_at(const cam_zone *z, const uint8_t *m, int l) {
  int idx = z->base + l * z->dl, last = -1, hole = 0;
  for (int d = 0; d < z->depth; d++, idx += z->dd) {
    if (m[idx]) {
      last = d;
      hole = 0;
    } else if (last < 0 ? d >= FRONT_SLACK : ++hole > HOLE_MAX) {
      break;
    }
  }
  return last + 1;
}

/* Closes the run [l0, l1] into an interval. */
static void close_run(cam_zone *z, int l0, int l1, double hand_max_m) {
  cam_interval *iv = &z->intervals[z->interval_count++];
  iv->l0 = l0;
  iv->l1 = l1;
  iv->reach = 0;
  int through = 0, width = l1 - l0 + 1, best_first = l0, best_last = l0;
  for (int l = l0; l <= l1; l++) {
    int r = z->reach[l];
    if (r > iv->reach) iv->reach = r, best_first = best_last = l;
    else if (r == iv->reach) best_last = l;
    through += r >= z->depth;
  }
  /* Where several positions reach equally deep, the middle of them. */
  iv->deep_l = 0.5 * (best_first + best_last);
  iv->through = 2 * through >= width;
  iv->wide = width * z->metres_per_lat > hand_max_m;
  iv->touches_side = l0 == 0 || l1 == z->lat - 1;
}

void rf__cam_zone_intervals(cam_zone *z, int b, double hand_max_m) {
  const uint8_t *m = z->mask + (size_t)b * (size_t)z->n;
  /* A reach shorter than this is noise at the edge, not a hand coming in. */
  int min_reach = z->depth / 12 > 3 ? z->depth / 12 : 3;
  for (int l = 0; l < z->lat; l++) z->reach[l] = reach_at(z, m, l);
  z->interval_count = 0;
  int start = -1, end = -1;
  for (int l = 0; l < z->lat; l++) {
    if (z->reach[l] < min_reach) continue;
    /* Runs a sample apart are one thing: a hole in the mask, not two hands. */
    if (start >= 0 && l > end + 2) {
      close_run(z, start, end, hand_max_m);
      start = -1;
    }
    if (start < 0) start = l;
    end = l;
  }
  if (start >= 0) close_run(z, start, end, hand_max_m);
}
