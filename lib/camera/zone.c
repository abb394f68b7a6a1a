/* A zone's grid, seen from its front edge: how far foreground reaches in at each lateral
 * position, and the runs of positions where it does — what might be a hand. A hand comes in
 * over the front edge, so only foreground joined to that edge counts; a changed product in the
 * middle of the shelf does not. */
#include <string.h>

#include "detector_internal.h"

/* Foreground reaching in must start within this many samples of the front edge. */
#define FRONT_SLACK 2
/* No hand, even a child's finger tips, is narrower than this along the shelf (m). */
#define HAND_MIN_M 0.03

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

/* The mask closed over small holes: a sample is kept when it or a neighbour (the 3 x 3 around
 * it) is foreground, so a hand whose stripes match the shelf's stays one piece. */
static void dilate(const cam_zone *z, const uint8_t *m, uint8_t *tmp, uint8_t *out) {
  const int rows = z->rows, cols = z->cols;
  for (int i = 0; i < rows; i++) {
    const uint8_t *r = m + (size_t)i * cols;
    uint8_t *t = tmp + (size_t)i * cols;
    for (int j = 0; j < cols; j++)
      t[j] = r[j] | (j > 0 ? r[j - 1] : 0) | (j + 1 < cols ? r[j + 1] : 0);
  }
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) {
      size_t p = (size_t)i * cols + j;
      out[p] = tmp[p] | (i > 0 ? tmp[p - cols] : 0) | (i + 1 < rows ? tmp[p + cols] : 0);
    }
}

/* Marks in z->joined every sample of the closed mask joined (4-connected) to the front edge:
 * seeds within FRONT_SLACK samples of it. Returns 0 when there are none. */
static int flood_from_front(cam_zone *z, const uint8_t *closed) {
  uint8_t *joined = z->joined;
  int *stack = z->stack, top = 0;
  memset(joined, 0, (size_t)z->n);
  for (int l = 0; l < z->lat; l++)
    for (int d = 0; d < FRONT_SLACK && d < z->depth; d++) {
      int p = z->base + l * z->dl + d * z->dd;
      if (closed[p] && !joined[p]) joined[p] = 1, stack[top++] = p;
    }
  if (top == 0) return 0;
  while (top > 0) {
    int p = stack[--top], i = p / z->cols, j = p % z->cols;
    int next[4] = {i > 0 ? p - z->cols : -1, i + 1 < z->rows ? p + z->cols : -1, j > 0 ? p - 1 : -1,
                   j + 1 < z->cols ? p + 1 : -1};
    for (int k = 0; k < 4; k++)
      if (next[k] >= 0 && closed[next[k]] && !joined[next[k]])
        joined[next[k]] = 1, stack[top++] = next[k];
  }
  return 1;
}

/* How deep foreground joined to the front edge reaches at each lateral position (0: none): the
 * deepest foreground sample of the closed mask's part joined to the edge. */
static void reaches(cam_zone *z, const uint8_t *m) {
  memset(z->reach, 0, sizeof *z->reach * (size_t)z->lat);
  int near_front = 0;
  for (int l = 0; l < z->lat && !near_front; l++)
    for (int d = 0; d < FRONT_SLACK && d < z->depth; d++)
      near_front |= m[z->base + l * z->dl + d * z->dd];
  if (!near_front) return; /* the common case: nothing at the edge, nothing to follow */
  dilate(z, m, z->scratch, z->closed);
  if (!flood_from_front(z, z->closed)) return;
  for (int l = 0; l < z->lat; l++)
    for (int d = z->depth - 1; d >= 0; d--) {
      int p = z->base + l * z->dl + d * z->dd;
      if (m[p] && z->joined[p]) {
        z->reach[l] = d + 1;
        break;
      }
    }
}

/* Closes the run [l0, l1] into an interval — unless it is narrower than any hand: a speck of
 * noise or an edge that shivered. */
static void close_run(cam_zone *z, int l0, int l1, double hand_max_m) {
  if ((l1 - l0 + 1) * z->metres_per_lat < HAND_MIN_M) return;
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
  reaches(z, m);
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
