/* Where each shelf is in its camera's image. The camera of a gondola looks at its shelf fronts
 * from above the aisle: shelves are horizontal bands, the gondola's first shelf highest, all at
 * one scale so the widest fills the image's width but for a small margin, left-aligned (a
 * narrower shelf ends earlier). Between two bands the shelf board, at least 6 px; below the last
 * one the lowest board and the aisle's floor. A zone is a band's products and, at its bottom,
 * its price rail; its front (where hands come in) is its bottom edge. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "render.h"
#include "retailfuse/status.h"

#define MIN_ZONE_ROWS 6
#define MIN_GAP_ROWS 6

static int imax(int a, int b) { return a > b ? a : b; }

/* Camera c's bands, top to bottom, for its zone_count shelves from `first`. */
static int place_bands(rf_sim_video *v, vid_camera *c, int first) {
  int width = v->opt.width, height = v->opt.height, n = c->zone_count;
  int top = imax(2, height / 25), bottom = imax(6, height / 12),
      gap = imax(MIN_GAP_ROWS, height / 40);
  int rows = (height - top - bottom - (n - 1) * gap) / n;
  int margin = imax(2, width / 50);
  if (rows < MIN_ZONE_ROWS || width - 2 * margin < 16) return RF_ELIMIT;
  double widest = 0.0;
  for (int k = 0; k < n; ++k) widest = fmax(widest, v->w.shelves[first + k].width);
  c->ppm = (width - 2 * margin) / widest;
  for (int k = 0; k < n; ++k) {
    vid_zone *z = &c->zones[k];
    z->shelf = first + k;
    z->x0 = margin;
    z->x1 = margin + (int)lround(v->w.shelves[first + k].width * c->ppm);
    if (z->x1 < z->x0 + 2) z->x1 = z->x0 + 2;
    z->y0 = top + k * (rows + gap);
    z->y1 = z->y0 + rows;
    z->rail_y = z->y1 - imax(2, (int)lround(rows * 0.14));
    /* The board below the band, or for the lowest the same depth of the floor. */
    z->stub = k + 1 < n ? gap : imax(0, (gap < height - z->y1 ? gap : height - z->y1));
  }
  return 0;
}

int rf__vid_layout(rf_sim_video *v) {
  const sim_world *w = &v->w;
  int gondolas = 0;
  for (int s = 0; s < w->shelf_count; ++s) gondolas = imax(gondolas, w->shelves[s].gondola + 1);
  v->cameras = rf__calloc(&v->alloc, (size_t)gondolas + 1, sizeof *v->cameras);
  if (v->cameras == NULL) return RF_ENOMEM;
  v->camera_count = (size_t)gondolas;
  /* A gondola's shelves are neighbours in the shelf list (sim_internal.h). */
  for (int s = 0, g = 0; g < gondolas; ++g) {
    vid_camera *c = &v->cameras[g];
    int first = s;
    while (s < w->shelf_count && w->shelves[s].gondola == g) ++s;
    c->gondola = g;
    snprintf(c->id, sizeof c->id, "cam-G%d", g + 1);
    c->zone_count = s - first;
    if (c->zone_count == 0) return RF_EINVAL;
    c->zones = rf__calloc(&v->alloc, (size_t)c->zone_count, sizeof *c->zones);
    if (c->zones == NULL) return RF_ENOMEM;
    int rc = place_bands(v, c, first);
    if (rc != 0) return rc;
    c->first_facing = w->shelves[first].first_facing;
    const sim_shelf *last = &w->shelves[s - 1];
    c->facing_count = last->first_facing + last->facing_count - c->first_facing;
  }
  return 0;
}

int rf_sim_video_layout(const rf_sim_video *v, rf_sim_sink sink, void *payload) {
  if (v == NULL || sink == NULL) return RF_EINVAL;
  rf_record rec;
  for (size_t i = 0; i < v->camera_count; ++i) {
    const vid_camera *c = &v->cameras[i];
    memset(&rec, 0, sizeof rec);
    rec.type = RF_RECORD_CAMERA;
    rec.u.camera.camera = c->id;
    rec.u.camera.width = v->opt.width;
    rec.u.camera.height = v->opt.height;
    rec.u.camera.fps = (double)v->opt.fps_num / v->opt.fps_den;
    rec.u.camera.t0 = 0;
    int rc = sink(&rec, payload);
    for (int k = 0; k < c->zone_count && rc == 0; ++k) {
      const vid_zone *z = &c->zones[k];
      memset(&rec, 0, sizeof rec);
      rec.type = RF_RECORD_ZONE;
      rec.u.zone.camera = c->id;
      rec.u.zone.shelf = v->w.shelves[z->shelf].id;
      rec.u.zone.x0 = z->x0;
      rec.u.zone.y0 = z->y0;
      rec.u.zone.x1 = z->x1;
      rec.u.zone.y1 = z->y1;
      rec.u.zone.front = RF_FRONT_BOTTOM;
      rec.u.zone.shelf_x0 = 0.0;
      rec.u.zone.shelf_x1 = v->w.shelves[z->shelf].width;
      rc = sink(&rec, payload);
    }
    if (rc != 0) return rc;
  }
  return 0;
}
