/* The still scene a camera films: the gondola's back panel, each shelf's products over its
 * price rail, the shelf boards between them, the aisle's floor at the bottom. Products stand in
 * lanes, each lane's items one behind the other: the fuller a lane, the higher and brighter its
 * front item shows (an emptier lane shows more of the dark shelf behind it); an empty lane or a
 * gap between facings is dark. Items put back on a wrong shelf lie loose in front. Everything
 * has a little fixed texture (lane edges, labels, seams), as real shelves do, so a background
 * model cannot take the scene for flat. */
#include <math.h>
#include <string.h>

#include "render.h"

#define PANEL 92  /* the gondola's back panel ... */
#define SEAM 70   /* ... and its seams */
#define EMPTY 30  /* the shelf behind and between products */
#define RAIL 176  /* the price rail, a uniform strip */
#define BOARD 160 /* a shelf board's front edge ... */
#define SHADOW 44 /* ... and the shadow under it */
#define FLOOR 118
#define LOOSE_M 0.07 /* a loose item's width */

/* A fixed pattern of 0..255 per pixel. */
static int speckle(int x, int y, uint32_t salt) {
  uint32_t h = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^ salt;
  h *= 0x9E3779B1u;
  return (int)(h >> 24);
}

static uint8_t clamp8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

void rf__vid_columns(const vid_zone *z, double shelf_width, double x0, double x1, int *c0,
                     int *c1) {
  /* Columns whose centres lie in [x0, x1) along the shelf, as the zone maps metres to columns. */
  double k = (z->x1 - z->x0) / shelf_width;
  *c0 = (int)ceil(z->x0 + x0 * k - 0.5);
  *c1 = (int)ceil(z->x0 + x1 * k - 0.5);
}

/* The panel, with vertical seams every 30 cm and light falling off toward the bottom. */
static void draw_panel(const rf_sim_video *v, const vid_camera *c, uint8_t *img) {
  int width = v->opt.width, height = v->opt.height;
  int seam = (int)fmax(4, round(0.3 * c->ppm));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      int luma = (x - c->zones[0].x0 + seam * 64) % seam < 2 ? SEAM : PANEL;
      luma += 6 - 12 * y / height + (speckle(x, y, 1) & 3) - 1;
      img[(size_t)y * width + x] = clamp8(luma);
    }
}

/* Zone z's rail, and the board below it (its front edge, then its shadow). */
static void draw_rail_and_board(const rf_sim_video *v, const vid_zone *z, uint8_t *img) {
  int width = v->opt.width;
  for (int y = z->rail_y; y < z->y1; ++y)
    memset(img + (size_t)y * width + z->x0, RAIL, (size_t)(z->x1 - z->x0));
  for (int k = 0; k < z->stub; ++k) {
    int luma = k < 2 ? BOARD : SHADOW + 3 * (k - 2);
    memset(img + (size_t)(z->y1 + k) * width + z->x0, clamp8(luma), (size_t)(z->x1 - z->x0));
  }
}

static void draw_floor(const rf_sim_video *v, int from, uint8_t *img) {
  int width = v->opt.width;
  for (int y = from; y < v->opt.height; ++y)
    for (int x = 0; x < width; ++x)
      img[(size_t)y * width + x] = clamp8(FLOOR + (speckle(x, y, 2) & 7) - 3);
}

typedef struct span {
  int c0, c1; /* the columns being drawn */
} span;

/* A lane of `count` items of `depth`, over columns [l0, l1) (drawn within the span). */
static void draw_lane(const rf_sim_video *v, const vid_zone *z, span s, int l0, int l1, int count,
                      int depth, int product, uint8_t *img) {
  if (count <= 0) return;
  if (count > depth) count = depth;
  int base, label, width = v->opt.width;
  rf__vid_product(v->seed, product, &base, &label);
  double full = (double)count / depth;
  int rows = z->rail_y - z->y0;
  int shown = (int)fmax(1, round(rows * (0.4 + 0.6 * full)));
  int top = z->rail_y - shown;
  int b = (int)round(base * (0.75 + 0.25 * full)), lb = (int)round(label * (0.75 + 0.25 * full));
  int label0 = top + (int)round(0.4 * shown), label1 = top + (int)round(0.62 * shown);
  int x0 = l0 > s.c0 ? l0 : s.c0, x1 = l1 < s.c1 ? l1 : s.c1;
  for (int y = top; y < z->rail_y; ++y) {
    int row = y == top ? b + 22 : (y >= label0 && y < label1 ? lb : b);
    for (int x = x0; x < x1; ++x) {
      int luma = x == l0 || x == l1 - 1 ? row * 6 / 10 : row;
      img[(size_t)y * width + x] = clamp8(luma + (speckle(x, y, 3) & 3) - 1);
    }
  }
}

/* An item lying loose at x (m) in front of the lanes. */
static void draw_loose(const rf_sim_video *v, const vid_zone *z, span s, double at, int product,
                       uint8_t *img) {
  int base, label, width = v->opt.width, l0, l1;
  rf__vid_product(v->seed, product, &base, &label);
  rf__vid_columns(z, v->w.shelves[z->shelf].width, at - LOOSE_M / 2, at + LOOSE_M / 2, &l0, &l1);
  int rows = (int)fmax(2, round(0.45 * (z->rail_y - z->y0)));
  int top = z->rail_y - rows, mid = top + rows / 2;
  int x0 = l0 > s.c0 ? l0 : s.c0, x1 = l1 < s.c1 ? l1 : s.c1;
  for (int y = top; y < z->rail_y; ++y)
    for (int x = x0; x < x1; ++x) {
      int edge = y == top || x == l0 || x == l1 - 1;
      int luma = edge ? base / 2 : (y == mid ? label : base);
      img[(size_t)y * width + x] = clamp8(luma);
    }
}

void rf__vid_draw_products(const rf_sim_video *v, const vid_camera *c, const vid_stock *stock,
                           int zone, int c0, int c1, uint8_t *img) {
  const sim_world *w = &v->w;
  const vid_zone *z = &c->zones[zone];
  const sim_shelf *sh = &w->shelves[z->shelf];
  span s = {c0 > z->x0 ? c0 : z->x0, c1 < z->x1 ? c1 : z->x1};
  if (s.c0 >= s.c1) return;
  int width = v->opt.width;
  for (int y = z->y0; y < z->rail_y; ++y)
    for (int x = s.c0; x < s.c1; ++x)
      img[(size_t)y * width + x] = clamp8(EMPTY + (speckle(x, y, 4) & 3) - 1);
  for (int f = sh->first_facing; f < sh->first_facing + sh->facing_count; ++f) {
    const sim_facing *fc = &w->facings[f];
    const int *lanes = stock->lanes + stock->lane_first[f - c->first_facing];
    for (int lane = 0; lane < fc->lanes; ++lane) {
      int l0, l1;
      rf__vid_columns(z, sh->width, fc->x0 + lane * fc->lane_w, fc->x0 + (lane + 1) * fc->lane_w,
                      &l0, &l1);
      if (l1 > s.c0 && l0 < s.c1)
        draw_lane(v, z, s, l0, l1, lanes[lane], fc->depth, fc->product, img);
    }
  }
  for (size_t q = 0; q < w->loose_count; ++q)
    if (stock->loose[q] > 0 && w->loose[q].shelf == z->shelf)
      draw_loose(v, z, s, w->loose[q].x, w->loose[q].product, img);
}

void rf__vid_draw_scene(const rf_sim_video *v, const vid_camera *c, const vid_stock *stock,
                        uint8_t *img) {
  draw_panel(v, c, img);
  for (int k = 0; k < c->zone_count; ++k) {
    draw_rail_and_board(v, &c->zones[k], img);
    rf__vid_draw_products(v, c, stock, k, c->zones[k].x0, c->zones[k].x1, img);
  }
  const vid_zone *last = &c->zones[c->zone_count - 1];
  draw_floor(v, last->y1 + (last->stub < 2 ? last->stub : 2), img);
}
