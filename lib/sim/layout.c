/* Varied store layouts (p->layout 1): stores unlike the classic simulator's, so a run does not
 * flatter the engine with the layout it was tuned on. The classic store (world.c) is one row of
 * identical gondolas with equal plates and a catalogue exactly as long as its facings; real
 * stores differ in every one of those. Here each layout, drawn from rng_store alone (the same
 * layout seed gives the same store), has
 *   - 2-8 gondolas of 4-7 shelves, each shelf 3-12 plates of its own width (8-15 cm), so plate
 *     edges and facing edges rarely line up and shelves of one gondola differ in length;
 *   - facings about one to three plates wide, placed without regard to plate edges;
 *   - a catalogue of 50-500 products, some never on a shelf, some on two facings, and at least
 *     10 % of neighbouring facings within 5 g of each other (some exactly equal), the case
 *     load cells alone cannot tell apart;
 *   - a floor plan of gondola rows along aisles, rows in pairs across an aisle and back to back
 *     between aisles, so a shopper's position is near several shelves, not one.
 * The store is built in passes — shelves and their facings' geometry, the floor plan, the
 * catalogue, then which product stands on each facing — so the share of near-identical
 * neighbours can be met exactly once the number of neighbouring pairs is known. */
#include <math.h>
#include <stdio.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "sim_internal.h"

enum {
  GONDOLAS_MIN = 2,
  GONDOLAS_MAX = 8,
  SHELVES_MIN = 4,
  SHELVES_MAX = 7,
  PLATES_MIN = 3,
  PLATES_MAX = 12,
  PLATE_MM_MIN = 80,
  PLATE_MM_MAX = 150,
  ROW_MIN = 2, /* gondolas in a row */
  ROW_MAX = 4,
  CATALOGUE_MIN = 50,
  CATALOGUE_MAX = 500
};

#define GAP_MAX_M 0.01    /* between neighbouring facings */
#define DEPTH_M 0.6       /* a gondola, front to back */
#define WEIGHT_MIN_G 20.0 /* the catalogue's weights, log-uniform between these */
#define WEIGHT_MAX_G 2500.0
#define NEAR_G 5.0       /* neighbours this close weigh "the same" to a load cell */
#define REUSE_SHARE 0.10 /* facings given a product already on another facing */

static double round_to(double v, double unit) { return round(v / unit) * unit; }

/* ---- shelves: plates and facings ---- */

/* Plates of their own widths, whole millimetres, contiguous from x = 0. The edges are computed
 * from integer millimetres so a plate's x1 is exactly its right neighbour's x0. */
static void draw_plates(sim_world *w, sim_shelf *sh) {
  rf__rng *r = &w->rng_store;
  sh->plate_count = rf__rng_int(r, PLATES_MIN, PLATES_MAX);
  sh->first_plate = w->plate_count;
  int mm = 0;
  for (int k = 0; k < sh->plate_count; ++k) {
    sim_plate *pl = &w->plates[w->plate_count++];
    snprintf(pl->id, sizeof pl->id, "%sP%d", sh->id, k + 1);
    pl->x0 = mm / 1000.0;
    mm += rf__rng_int(r, PLATE_MM_MIN, PLATE_MM_MAX);
    pl->x1 = mm / 1000.0;
    pl->noise = sh->noise * rf__rng_range(r, 0.7, 1.3);
  }
  sh->width = mm / 1000.0;
}

/* Facings left to right, each one to three of this shelf's mean plate widths, so their edges
 * fall anywhere on the plates; gaps of up to a centimetre; the last ends at the shelf's right
 * edge. A facing that would leave less than a plate for the next is stretched to the end (when
 * that keeps it within three plates) or the rest is halved, so no facing is a sliver: every
 * facing is at least a plate wide, so a shelf has at most as many facings as plates. */
static void draw_facings(sim_world *w, sim_shelf *sh, int shelf) {
  rf__rng *r = &w->rng_store;
  double unit = sh->width / sh->plate_count;
  sh->first_facing = w->facing_count;
  double x = rf__rng_range(r, 0.0, GAP_MAX_M);
  for (;;) {
    double rest = sh->width - x;
    double width = rf__rng_range(r, 1.0, 3.0) * unit;
    int last = 0;
    if (width > rest - unit - GAP_MAX_M) {
      if (rest <= 3.0 * unit) {
        width = rest;
        last = 1;
      } else {
        width = (rest - GAP_MAX_M) / 2;
      }
    }
    sim_facing *f = &w->facings[w->facing_count++];
    f->shelf = shelf;
    f->x0 = x;
    f->x1 = last ? sh->width : x + width;
    if (last) break;
    x += width + rf__rng_range(r, 0.0, GAP_MAX_M);
  }
  sh->facing_count = w->facing_count - sh->first_facing;
}

/* Gondola g's shelves, appended to w->shelves (so they are neighbours there). */
static void draw_gondola(sim_world *w, int g) {
  rf__rng *r = &w->rng_store;
  int shelves = rf__rng_int(r, SHELVES_MIN, SHELVES_MAX);
  for (int s = 0; s < shelves; ++s) {
    int index = w->shelf_count++;
    sim_shelf *sh = &w->shelves[index];
    snprintf(sh->id, sizeof sh->id, "G%dS%d", g + 1, s + 1);
    sh->gondola = g;
    sh->noise = w->p->noise_g * rf__rng_range(r, 0.7, 1.3);
    draw_plates(w, sh);
    draw_facings(w, sh, index);
  }
}

/* ---- the floor plan ---- */

/* How many of the `left` gondolas still to place go in the next row: 2-4, never leaving one
 * gondola alone for the last row. */
static int row_size(rf__rng *r, int left) {
  int sizes[ROW_MAX - ROW_MIN + 1], n = 0;
  for (int size = ROW_MIN; size <= ROW_MAX && size <= left; ++size)
    if (left - size == 0 || left - size >= ROW_MIN) sizes[n++] = size;
  return n > 0 ? sizes[rf__rng_int(r, 0, n - 1)] : left;
}

/* Gondola g's shelves on the floor: its footprint spans [x, x + width] along x, its front on
 * the line y = front, facing the aisle along (0, ny). All its shelves share that front; each
 * starts at the gondola's left end as a shopper facing it sees it, and runs along a = (ny, -nx),
 * the classic store's handedness (world.c: a = (1, 0) for n = (0, 1)). */
static void place_gondola(sim_world *w, int first, int end, double x, double width, double front,
                          double ny) {
  double nx = 0.0, ax = ny, ay = 0.0 - nx; /* 0.0 - nx: +0, not -0, when nx is 0 */
  double left_end = ax > 0 ? x : x + width;
  for (int s = first; s < end; ++s) {
    sim_shelf *sh = &w->shelves[s];
    sh->pos_x = left_end + ax * sh->width / 2;
    sh->pos_y = front + ay * sh->width / 2;
    sh->ax = ax;
    sh->ay = ay;
    sh->nx = nx;
    sh->ny = ny;
  }
}

/* Rows of 2-4 gondolas along x, left to right from x = 0 with 0.5-2 m between them. Rows come
 * in pairs across an aisle of 1.2-2 m: an even row faces +y, the odd row after it faces it
 * across the aisle (-y); that row's back touches the next even row's back. Every shelf front
 * thus faces an aisle at least 1.2 m wide, so a shopper half a metre in front of any shelf
 * stands in the aisle, at least 0.7 m from the gondolas across it. A gondola is as wide as its
 * widest shelf. first_shelf[g] .. first_shelf[g + 1] are gondola g's shelves. */
static void place_gondolas(sim_world *w, int gondolas, const int *first_shelf) {
  rf__rng *r = &w->rng_store;
  double back = 0.0, front = 0.0, aisle = 0.0;
  int g = 0;
  for (int row = 0; g < gondolas; ++row) {
    int size = row_size(r, gondolas - g);
    double ny = row % 2 == 0 ? 1.0 : -1.0;
    if (row % 2 == 0) {
      front = back + DEPTH_M;
      aisle = round_to(rf__rng_range(r, 1.2, 2.0), 0.01);
    } else {
      front += aisle;
      back = front + DEPTH_M;
    }
    double x = 0.0;
    for (int k = 0; k < size; ++k, ++g) {
      double width = 0.0;
      for (int s = first_shelf[g]; s < first_shelf[g + 1]; ++s)
        width = fmax(width, w->shelves[s].width);
      place_gondola(w, first_shelf[g], first_shelf[g + 1], x, width, front, ny);
      x += width + round_to(rf__rng_range(r, 0.5, 2.0), 0.01);
    }
  }
}

/* ---- the catalogue ---- */

/* A product's per-item spread: 0.5-3 % of its weight, to 0.01 g. */
static double draw_sd(rf__rng *r, double weight) {
  return fmax(0.01, round_to(weight * rf__rng_range(r, 0.005, 0.03), 0.01));
}

/* Every product named and weighed, none placed yet (facing -1). Weights are log-uniform: as
 * many 20-200 g products as 200-2000 g ones, as in a store's mix of snacks and bottles. */
static void draw_catalogue(sim_world *w) {
  rf__rng *r = &w->rng_store;
  for (int i = 0; i < w->product_count; ++i) {
    sim_product *pr = &w->products[i];
    rf__sim_name_product(w, pr, i);
    pr->weight = round_to(exp(rf__rng_range(r, log(WEIGHT_MIN_G), log(WEIGHT_MAX_G))), 0.01);
    pr->sd = draw_sd(r, pr->weight);
    pr->facing = -1;
  }
}

/* ---- which product stands on each facing ---- */

/* Products are placed in catalogue order, so 0 .. placed - 1 are on some facing. A product has
 * one weight wherever it stands, so a near-identical neighbour is made by re-weighing a product
 * not yet placed after its left neighbour; once none is left, an existing pair (`twin`) is
 * reused. */
typedef struct stocker {
  sim_world *w;
  int placed;
  int pairs_left, near_left; /* near pairs still to choose among the neighbour pairs to come */
  double equal_share;        /* of near pairs, those exactly equal */
  double reuse;              /* the chance a facing not near its left neighbour reuses */
  int twin[CATALOGUE_MAX];   /* a product within NEAR_G of it, or -1 */
} stocker;

/* Whether the pair this facing makes with its right neighbour is a near one: selection
 * sampling, so exactly near_left of the remaining pairs are, spread at random. */
static int next_pair_near(stocker *s) {
  int near = rf__rng_uniform(&s->w->rng_store) * s->pairs_left < s->near_left;
  s->pairs_left--;
  s->near_left -= near;
  return near;
}

/* New product p weighed like `like`: the same, or 0.3-4 g off (inside the catalogue's range). */
static void weigh_like(stocker *s, int p, int like) {
  rf__rng *r = &s->w->rng_store;
  sim_product *pr = &s->w->products[p];
  double base = s->w->products[like].weight;
  pr->weight = base;
  if (!rf__rng_chance(r, s->equal_share)) {
    double step = rf__rng_range(r, 0.3, 4.0) * (rf__rng_chance(r, 0.5) ? 1 : -1);
    if (base + step < WEIGHT_MIN_G || base + step > WEIGHT_MAX_G) step = -step;
    pr->weight = round_to(base + step, 0.01);
  }
  pr->sd = draw_sd(r, pr->weight);
  s->twin[p] = like;
  if (s->twin[like] < 0) s->twin[like] = p;
}

/* A product within NEAR_G of `left`'s: a new one weighed so while the catalogue lasts; then
 * `left`'s twin; else the nearest in weight; else `left` itself (a double facing). */
static int near_product(stocker *s, int left) {
  const sim_product *products = s->w->products;
  if (s->placed < s->w->product_count) {
    weigh_like(s, s->placed, left);
    return s->placed++;
  }
  if (s->twin[left] >= 0) return s->twin[left];
  int best = left;
  double best_d = NEAR_G;
  for (int p = 0; p < s->placed; ++p) {
    double d = fabs(products[p].weight - products[left].weight);
    if (p != left && d <= best_d) {
      best = p;
      best_d = d;
    }
  }
  return best;
}

/* A product for a facing not near its left neighbour: mostly a new one; sometimes (and always
 * once the catalogue is used up) one already placed, not the left neighbour's. Once it is used
 * up, a facing whose right neighbour must be near gets a product with a twin, for that
 * neighbour to take. */
static int other_product(stocker *s, int left, int near_right) {
  rf__rng *r = &s->w->rng_store;
  int fresh = s->placed < s->w->product_count;
  if (fresh && (s->placed < 2 || !rf__rng_chance(r, s->reuse))) return s->placed++;
  int start = rf__rng_int(r, 0, s->placed - 1);
  if (near_right && !fresh) {
    for (int k = 0; k < s->placed; ++k) {
      int p = (start + k) % s->placed;
      if (s->twin[p] >= 0 && p != left) return p;
    }
  }
  return start == left ? (start + 1) % s->placed : start;
}

/* A facing's lanes, full: items 5-10 cm wide, 3-8 deep, each its own weight around the
 * product's (at least a gram). */
static int fill_facing(sim_world *w, sim_facing *f) {
  rf__rng *r = &w->rng_store;
  const sim_product *pr = &w->products[f->product];
  double width = f->x1 - f->x0;
  double item_w = rf__rng_range(r, 0.05, 0.10);
  f->lanes = (int)fmax(1.0, floor(width / item_w));
  f->lane_w = width / f->lanes;
  f->depth = rf__rng_int(r, 3, 8);
  f->count = rf__calloc(w->alloc, (size_t)f->lanes, sizeof *f->count);
  f->weights = rf__calloc(w->alloc, (size_t)f->lanes * (size_t)f->depth, sizeof *f->weights);
  if (!f->count || !f->weights) return RF_ENOMEM;
  for (int lane = 0; lane < f->lanes; ++lane) {
    f->count[lane] = f->depth;
    for (int d = 0; d < f->depth; ++d)
      f->weights[lane * f->depth + d] = fmax(1.0, pr->weight + rf__rng_normal(r, pr->sd));
  }
  return 0;
}

/* Products onto the facings, left to right, shelf by shelf. A share of 10-30 % of the
 * neighbour pairs (rounded up, so never under 10 %) are near ones; a fifth to a half of those
 * exactly equal. */
static int stock_facings(sim_world *w) {
  rf__rng *r = &w->rng_store;
  stocker s;
  s.w = w;
  s.placed = 0;
  for (int i = 0; i < CATALOGUE_MAX; ++i) s.twin[i] = -1;
  s.pairs_left = w->facing_count - w->shelf_count;
  s.near_left = (int)ceil(rf__rng_range(r, 0.10, 0.30) * s.pairs_left);
  s.equal_share = rf__rng_range(r, 0.2, 0.5);
  /* Near facings take new products, so the others reuse more often, to make REUSE_SHARE of all
   * facings (a chance of at most about 0.14: near facings are under a third of all). */
  s.reuse = REUSE_SHARE;
  if (s.pairs_left > 0) s.reuse /= 1.0 - (double)s.near_left / w->facing_count;
  int near = 0; /* this facing and its left neighbour are a near pair */
  for (int i = 0; i < w->facing_count; ++i) {
    sim_facing *f = &w->facings[i];
    const sim_shelf *sh = &w->shelves[f->shelf];
    int left = i > sh->first_facing ? w->facings[i - 1].product : -1;
    int near_right = i + 1 < sh->first_facing + sh->facing_count && next_pair_near(&s);
    f->product = near ? near_product(&s, left) : other_product(&s, left, near_right);
    if (w->products[f->product].facing < 0) w->products[f->product].facing = i;
    if (fill_facing(w, f) != 0) return RF_ENOMEM;
    near = near_right;
  }
  return 0;
}

/* The store: sizes first (so every array is allocated once, to its bound: a shelf has at most
 * as many facings as plates), then the passes above. On RF_ENOMEM what was allocated stays in
 * *w for rf__sim_world_free, as with the classic store. */
int rf__sim_build_varied(sim_world *w) {
  rf__rng *r = &w->rng_store;
  int gondolas = rf__rng_int(r, GONDOLAS_MIN, GONDOLAS_MAX);
  int catalogue = rf__rng_int(r, CATALOGUE_MIN, CATALOGUE_MAX);
  size_t max_shelves = (size_t)gondolas * SHELVES_MAX;
  size_t max_plates = max_shelves * PLATES_MAX;
  w->shelves = rf__calloc(w->alloc, max_shelves, sizeof *w->shelves);
  w->plates = rf__calloc(w->alloc, max_plates, sizeof *w->plates);
  w->facings = rf__calloc(w->alloc, max_plates, sizeof *w->facings);
  w->products = rf__calloc(w->alloc, (size_t)catalogue, sizeof *w->products);
  if (!w->shelves || !w->plates || !w->facings || !w->products) return RF_ENOMEM;
  w->product_count = catalogue;

  int first_shelf[GONDOLAS_MAX + 1];
  for (int g = 0; g < gondolas; ++g) {
    first_shelf[g] = w->shelf_count;
    draw_gondola(w, g);
  }
  first_shelf[gondolas] = w->shelf_count;
  place_gondolas(w, gondolas, first_shelf);
  draw_catalogue(w);
  return stock_facings(w);
}
