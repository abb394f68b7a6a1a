/* The simulator's varied store layouts (lib/sim/layout.c), built alone over hundreds of layout
 * seeds: every drawn size stays in its range (gondolas, shelves, plates and their widths,
 * facings, the catalogue, weights and their spreads); plates and facings tile each shelf; at
 * least 10 % of neighbouring facings weigh within 5 g in every layout; products link to their
 * first facing; the floor plan is rows of gondolas along aisles of 1.2-2 m, so a shopper half a
 * metre in front of any shelf stands in an aisle; layouts differ between seeds, one seed gives
 * the same store whatever the other streams hold; and every allocation failure gives
 * RF_ENOMEM with nothing leaked. */
#include <math.h>
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
#include "sim/rng.h"
#include "sim/sim_internal.h"
#include "test_alloc.h"

#define SEEDS 200
#define EPS 1e-9

static rf_sim_params layout_params(void) {
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, "busy"), 0);
  p.layout = 1;
  return p;
}

/* A varied store from `seed`, through the hooks in *a (all NULL: the C library's, written
 * into *a). */
static int build(sim_world *w, const rf_sim_params *p, rf_allocator *a, uint64_t seed) {
  memset(w, 0, sizeof *w);
  w->p = p;
  assert_int_equal(rf__allocator_init(a, a->malloc_fn ? a : NULL), 0);
  w->alloc = a;
  rf__rng_seed(&w->rng_store, seed, 1);
  return rf__sim_build_varied(w);
}

static void build_ok(sim_world *w, const rf_sim_params *p, rf_allocator *a, uint64_t seed) {
  memset(a, 0, sizeof *a);
  assert_int_equal(build(w, p, a, seed), 0);
}

static int on_grid(double v, double unit) { return fabs(v / unit - round(v / unit)) < 1e-6; }

static int gondola_count(const sim_world *w) {
  assert_true(w->shelf_count > 0);
  return w->shelves[w->shelf_count - 1].gondola + 1;
}

/* ---- shelves, plates, facings ---- */

/* Gondolas 0.. in order, each 4-7 consecutive shelves named G<g>S<s>. */
static void check_shelves(const sim_world *w) {
  int gondolas = gondola_count(w);
  assert_in_range(gondolas, 2, 8);
  int s = 0;
  for (int g = 0; g < gondolas; ++g) {
    int first = s;
    while (s < w->shelf_count && w->shelves[s].gondola == g) {
      char id[24];
      snprintf(id, sizeof id, "G%dS%d", g + 1, s - first + 1);
      assert_string_equal(w->shelves[s].id, id);
      ++s;
    }
    assert_in_range(s - first, 4, 7);
  }
  assert_int_equal(s, w->shelf_count);
}

/* 3-12 plates of 80-150 mm each, whole millimetres, contiguous from 0; the shelf as wide as
 * its plates; noise within 0.7-1.3 of the store's (shelf) and of the shelf's (plate). */
static void check_plates(const sim_world *w) {
  int next = 0;
  for (int s = 0; s < w->shelf_count; ++s) {
    const sim_shelf *sh = &w->shelves[s];
    assert_int_equal(sh->first_plate, next);
    assert_in_range(sh->plate_count, 3, 12);
    assert_true(sh->noise >= 0.7 * w->p->noise_g - EPS && sh->noise <= 1.3 * w->p->noise_g + EPS);
    double x = 0.0;
    for (int k = 0; k < sh->plate_count; ++k) {
      const sim_plate *pl = &w->plates[sh->first_plate + k];
      char id[48];
      snprintf(id, sizeof id, "%sP%d", sh->id, k + 1);
      assert_string_equal(pl->id, id);
      assert_true(pl->x0 == x); /* exactly: no gap, no overlap */
      double width = pl->x1 - pl->x0;
      assert_true(width >= 0.08 - EPS && width <= 0.15 + EPS);
      assert_true(on_grid(pl->x1, 0.001));
      assert_true(pl->noise >= 0.7 * sh->noise - EPS && pl->noise <= 1.3 * sh->noise + EPS);
      x = pl->x1;
    }
    assert_true(fabs(sh->width - x) < EPS);
    next += sh->plate_count;
  }
  assert_int_equal(next, w->plate_count);
}

/* Left to right, inside the shelf, not overlapping, gaps of at most 1 cm, the last ending at
 * the shelf's edge, each 0.8-3 mean plate widths; lanes as the classic store's, full. */
static void check_facings(const sim_world *w) {
  int next = 0;
  for (int s = 0; s < w->shelf_count; ++s) {
    const sim_shelf *sh = &w->shelves[s];
    double unit = sh->width / sh->plate_count;
    assert_int_equal(sh->first_facing, next);
    assert_in_range(sh->facing_count, 1, sh->plate_count);
    double x = 0.0;
    for (int k = 0; k < sh->facing_count; ++k) {
      const sim_facing *f = &w->facings[sh->first_facing + k];
      assert_int_equal(f->shelf, s);
      assert_true(f->x0 >= x - EPS && f->x0 <= x + 0.01 + EPS);
      double width = f->x1 - f->x0;
      assert_true(width >= 0.8 * unit - EPS && width <= 3.0 * unit + EPS);
      assert_true(f->x1 <= sh->width + EPS);
      assert_in_range(f->lanes, 1, 60);
      assert_true(fabs(f->lane_w * f->lanes - width) < 1e-6);
      assert_true(f->lane_w >= 0.05 - EPS && (f->lanes == 1 || f->lane_w <= 0.2 + EPS));
      assert_in_range(f->depth, 3, 8);
      x = f->x1;
    }
    assert_true(x == sh->width);
    next += sh->facing_count;
  }
  assert_int_equal(next, w->facing_count);
}

/* Each item weighs its product's weight within 7 of its sd (and at least a gram). */
static void check_items(const sim_world *w) {
  for (int i = 0; i < w->facing_count; ++i) {
    const sim_facing *f = &w->facings[i];
    const sim_product *pr = &w->products[f->product];
    for (int lane = 0; lane < f->lanes; ++lane) {
      assert_int_equal(f->count[lane], f->depth);
      for (int d = 0; d < f->depth; ++d) {
        double item = f->weights[lane * f->depth + d];
        assert_true(item >= 1.0);
        assert_true(fabs(item - pr->weight) <= 7 * pr->sd + EPS);
      }
    }
  }
}

static int by_string(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* 50-500 products, 20-2500 g and an sd of 0.5-3 % of it (both to 0.01 g), unique skus, each
 * named; a product's facing is the first it stands on, -1 if on none. */
static void check_catalogue(const sim_world *w) {
  assert_in_range(w->product_count, 50, 500);
  const char *skus[500];
  for (int i = 0; i < w->product_count; ++i) {
    const sim_product *pr = &w->products[i];
    assert_true(pr->weight >= 20.0 - EPS && pr->weight <= 2500.0 + EPS);
    assert_true(on_grid(pr->weight, 0.01) && on_grid(pr->sd, 0.01));
    assert_true(pr->sd >= 0.01 - EPS);
    assert_true(pr->sd >= 0.005 * pr->weight - 0.005 - EPS);
    assert_true(pr->sd <= 0.03 * pr->weight + 0.005 + EPS);
    assert_true(strlen(pr->sku) > 0 && strlen(pr->name) > 0);
    assert_in_range(pr->facing + 1, 0, w->facing_count);
    skus[i] = pr->sku;
  }
  qsort(skus, (size_t)w->product_count, sizeof *skus, by_string);
  for (int i = 1; i < w->product_count; ++i) assert_true(strcmp(skus[i - 1], skus[i]) != 0);
  for (int i = 0; i < w->facing_count; ++i) {
    int p = w->facings[i].product;
    assert_in_range(p, 0, w->product_count - 1);
    int first = w->products[p].facing;
    assert_in_range(first, 0, i);
    assert_int_equal(w->facings[first].product, p);
    for (int j = 0; j < first; ++j) assert_int_not_equal(w->facings[j].product, p);
  }
  for (int p = 0; p < w->product_count; ++p) {
    if (w->products[p].facing >= 0) continue;
    for (int i = 0; i < w->facing_count; ++i) assert_int_not_equal(w->facings[i].product, p);
  }
}

/* Neighbouring facing pairs on one shelf: how many, and how many weigh within 5 g. */
static void count_pairs(const sim_world *w, int *pairs, int *near, int *equal, int *twins) {
  *pairs = *near = *equal = *twins = 0;
  for (int s = 0; s < w->shelf_count; ++s) {
    const sim_shelf *sh = &w->shelves[s];
    for (int k = 1; k < sh->facing_count; ++k) {
      int a = w->facings[sh->first_facing + k - 1].product;
      int b = w->facings[sh->first_facing + k].product;
      double d = fabs(w->products[a].weight - w->products[b].weight);
      ++*pairs;
      if (d <= 5.0 + EPS) ++*near;
      if (a != b && d == 0.0) ++*equal;
      if (a != b && d > 0.0 && d <= 5.0 + EPS) ++*twins;
    }
  }
}

static void layouts_keep_their_ranges(void **state) {
  (void)state;
  rf_sim_params p = layout_params();
  for (uint64_t seed = 1; seed <= SEEDS; ++seed) {
    sim_world w;
    rf_allocator a;
    build_ok(&w, &p, &a, seed);
    check_shelves(&w);
    check_plates(&w);
    check_facings(&w);
    check_catalogue(&w);
    check_items(&w);
    int pairs, near, equal, twins;
    count_pairs(&w, &pairs, &near, &equal, &twins);
    assert_true(pairs > 0);
    assert_true(near >= 0.10 * pairs);
    rf__sim_world_free(&w);
  }
}

/* ---- the floor plan ---- */

/* A gondola as its shelves place it: its left end (as a shopper facing it sees it), its
 * direction along the front, its normal into the aisle, and its width (its widest shelf). */
typedef struct gondola_view {
  double lx, ly, ax, ay, nx, ny, width;
  double x0, y0, x1, y1; /* its footprint's bounding box */
} gondola_view;

static int gondolas_of(const sim_world *w, gondola_view *out) {
  int gondolas = gondola_count(w);
  for (int g = 0; g < gondolas; ++g) out[g].width = -1.0;
  for (int s = 0; s < w->shelf_count; ++s) {
    const sim_shelf *sh = &w->shelves[s];
    assert_true(fabs(hypot(sh->ax, sh->ay) - 1.0) < EPS);
    assert_true(fabs(hypot(sh->nx, sh->ny) - 1.0) < EPS);
    assert_true(fabs(sh->ax * sh->nx + sh->ay * sh->ny) < EPS);
    /* the classic store's handedness: a = (1, 0) for n = (0, 1) */
    assert_true(fabs(sh->ax - sh->ny) < EPS && fabs(sh->ay + sh->nx) < EPS);
    /* rows along x: fronts face +y or -y */
    assert_true(fabs(sh->nx) < EPS && fabs(fabs(sh->ny) - 1.0) < EPS);
    gondola_view *g = &out[sh->gondola];
    double lx = sh->pos_x - sh->ax * sh->width / 2, ly = sh->pos_y - sh->ay * sh->width / 2;
    if (g->width < 0) {
      *g = (gondola_view){lx, ly, sh->ax, sh->ay, sh->nx, sh->ny, sh->width, 0, 0, 0, 0};
    } else {
      /* one front line, one left end */
      assert_true(fabs(lx - g->lx) < EPS && fabs(ly - g->ly) < EPS);
      assert_true(sh->ax == g->ax && sh->ay == g->ay && sh->nx == g->nx && sh->ny == g->ny);
      g->width = fmax(g->width, sh->width);
    }
  }
  for (int g = 0; g < gondolas; ++g) {
    gondola_view *v = &out[g];
    double cx[4] = {v->lx, v->lx + v->ax * v->width, v->lx - v->nx * 0.6,
                    v->lx + v->ax * v->width - v->nx * 0.6};
    double cy[4] = {v->ly, v->ly + v->ay * v->width, v->ly - v->ny * 0.6,
                    v->ly + v->ay * v->width - v->ny * 0.6};
    v->x0 = v->x1 = cx[0];
    v->y0 = v->y1 = cy[0];
    for (int k = 1; k < 4; ++k) {
      v->x0 = fmin(v->x0, cx[k]), v->x1 = fmax(v->x1, cx[k]);
      v->y0 = fmin(v->y0, cy[k]), v->y1 = fmax(v->y1, cy[k]);
    }
  }
  return gondolas;
}

/* Point (x, y) on gondola g's footprint (borders included): along its front and behind it. */
static int inside(const gondola_view *g, double x, double y) {
  double s = (x - g->lx) * g->ax + (y - g->ly) * g->ay;
  double t = -((x - g->lx) * g->nx + (y - g->ly) * g->ny);
  return s >= -EPS && s <= g->width + EPS && t >= -EPS && t <= 0.6 + EPS;
}

static double distance_to_front(const gondola_view *g, double x, double y) {
  double s = (x - g->lx) * g->ax + (y - g->ly) * g->ay;
  s = fmax(0.0, fmin(g->width, s));
  return hypot(x - (g->lx + g->ax * s), y - (g->ly + g->ay * s));
}

/* Shoppers half a metre in front of every shelf, all along it, stand outside every gondola
 * and 0.25 m or more from every gondola's front; the first gondola across the aisle, if any
 * and if it faces the shelf, is 1.2-2 m away. Returns how many shelf points had one across. */
static int check_stand_points(const sim_world *w, const gondola_view *gv, int gondolas) {
  int across = 0;
  for (int s = 0; s < w->shelf_count; ++s) {
    const sim_shelf *sh = &w->shelves[s];
    for (int k = 0; k <= 10; ++k) {
      double along = sh->width * k / 10.0 - sh->width / 2;
      double fx = sh->pos_x + sh->ax * along, fy = sh->pos_y + sh->ay * along;
      double x = fx + 0.5 * sh->nx, y = fy + 0.5 * sh->ny;
      double nearest = INFINITY; /* the first footprint along the shelf's normal */
      int hit = -1;
      for (int g = 0; g < gondolas; ++g) {
        assert_false(inside(&gv[g], x, y));
        assert_true(distance_to_front(&gv[g], x, y) >= 0.25 - EPS);
        /* normals are (0, +-1) (gondolas_of), so the ray meets a box straight on */
        if (fx < gv[g].x0 - EPS || fx > gv[g].x1 + EPS) continue;
        double d = sh->ny > 0 ? gv[g].y0 - fy : fy - gv[g].y1;
        if (d > EPS && d < nearest) {
          nearest = d;
          hit = g;
        }
      }
      if (hit >= 0 && gv[hit].ny == -sh->ny) {
        assert_true(nearest >= 1.2 - EPS && nearest <= 2.0 + EPS);
        ++across;
      }
    }
  }
  return across;
}

static int by_x0(const void *a, const void *b) {
  double d = (*(const gondola_view *const *)a)->x0 - (*(const gondola_view *const *)b)->x0;
  return (d > 0) - (d < 0);
}

/* Rows: gondolas sharing a front line and a facing; 2-4 each, 0.5-2 m apart along x, the
 * first facing +y; footprints never overlap. Counts each row size seen in `sizes`. */
static void check_rows(const gondola_view *gv, int gondolas, int *sizes) {
  int row_of[8], rows = 0;
  assert_true(gv[0].ny > 0);
  for (int g = 0; g < gondolas; ++g) {
    row_of[g] = -1;
    for (int h = 0; h < g && row_of[g] < 0; ++h)
      if (gv[h].ny == gv[g].ny && fabs(gv[h].ly - gv[g].ly) < EPS) row_of[g] = row_of[h];
    if (row_of[g] < 0) row_of[g] = rows++;
    for (int h = 0; h < g; ++h) {
      double ox = fmin(gv[g].x1, gv[h].x1) - fmax(gv[g].x0, gv[h].x0);
      double oy = fmin(gv[g].y1, gv[h].y1) - fmax(gv[g].y0, gv[h].y0);
      assert_false(ox > EPS && oy > EPS);
    }
  }
  for (int r = 0; r < rows; ++r) {
    const gondola_view *row[8];
    int n = 0;
    for (int g = 0; g < gondolas; ++g)
      if (row_of[g] == r) row[n++] = &gv[g];
    assert_in_range(n, 2, 4);
    sizes[n]++;
    qsort(row, (size_t)n, sizeof *row, by_x0);
    for (int k = 1; k < n; ++k) {
      double gap = row[k]->x0 - row[k - 1]->x1;
      assert_true(gap >= 0.5 - EPS && gap <= 2.0 + EPS);
    }
  }
}

static void floor_plans_have_aisles(void **state) {
  (void)state;
  rf_sim_params p = layout_params();
  int sizes[5] = {0}, across = 0;
  for (uint64_t seed = 1; seed <= SEEDS; ++seed) {
    sim_world w;
    rf_allocator a;
    build_ok(&w, &p, &a, seed);
    gondola_view gv[8];
    int gondolas = gondolas_of(&w, gv);
    for (int g = 0; g < gondolas; ++g) assert_true(gv[g].width >= 0.24 - EPS);
    check_rows(gv, gondolas, sizes);
    across += check_stand_points(&w, gv, gondolas);
    rf__sim_world_free(&w);
  }
  /* every row size occurs, and many shelves have a row across their aisle */
  assert_true(sizes[2] > 0 && sizes[3] > 0 && sizes[4] > 0);
  assert_true(across > 1000);
}

/* ---- variety, determinism, allocation failures ---- */

/* Over the seeds every count takes each of its values; catalogues span their range; some run
 * out (every product placed) and some leave products off the shelves; near neighbours are
 * both exactly equal and a few grams apart; while the catalogue lasts about 10 % of the
 * facings reuse a product. */
static void layouts_differ_between_seeds(void **state) {
  (void)state;
  rf_sim_params p = layout_params();
  int gondolas_seen[9] = {0}, shelves_seen[8] = {0}, plates_seen[13] = {0};
  int catalogue_min = 1000, catalogue_max = 0, used_up = 0, left_over = 0;
  long equal = 0, twins = 0, reused = 0, facings = 0;
  for (uint64_t seed = 1; seed <= SEEDS; ++seed) {
    sim_world w;
    rf_allocator a;
    build_ok(&w, &p, &a, seed);
    gondolas_seen[gondola_count(&w)]++;
    for (int s = 0; s < w.shelf_count; ++s) {
      plates_seen[w.shelves[s].plate_count]++;
      if (s == 0 || w.shelves[s].gondola != w.shelves[s - 1].gondola) {
        int n = 0;
        while (s + n < w.shelf_count && w.shelves[s + n].gondola == w.shelves[s].gondola) ++n;
        shelves_seen[n]++;
      }
    }
    catalogue_min = w.product_count < catalogue_min ? w.product_count : catalogue_min;
    catalogue_max = w.product_count > catalogue_max ? w.product_count : catalogue_max;
    int unplaced = 0;
    for (int i = 0; i < w.product_count; ++i) unplaced += w.products[i].facing < 0;
    if (unplaced == 0) {
      ++used_up;
    } else {
      ++left_over;
      for (int i = 0; i < w.facing_count; ++i)
        reused += w.products[w.facings[i].product].facing != i;
      facings += w.facing_count;
    }
    int pairs, near, eq, tw;
    count_pairs(&w, &pairs, &near, &eq, &tw);
    equal += eq;
    twins += tw;
    rf__sim_world_free(&w);
  }
  for (int g = 2; g <= 8; ++g) assert_true(gondolas_seen[g] > 0);
  for (int s = 4; s <= 7; ++s) assert_true(shelves_seen[s] > 0);
  for (int k = 3; k <= 12; ++k) assert_true(plates_seen[k] > 0);
  assert_true(catalogue_min < 80 && catalogue_max > 450);
  assert_true(used_up > 5 && left_over > 5);
  assert_true(equal > 100 && twins > 100);
  double share = (double)reused / (double)facings;
  assert_true(share > 0.07 && share < 0.13);
}

static void assert_same_store(const sim_world *x, const sim_world *y) {
  assert_int_equal(x->shelf_count, y->shelf_count);
  assert_int_equal(x->plate_count, y->plate_count);
  assert_int_equal(x->facing_count, y->facing_count);
  assert_int_equal(x->product_count, y->product_count);
  for (int s = 0; s < x->shelf_count; ++s) {
    const sim_shelf *a = &x->shelves[s], *b = &y->shelves[s];
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->gondola, b->gondola);
    assert_int_equal(a->first_plate, b->first_plate);
    assert_int_equal(a->plate_count, b->plate_count);
    assert_int_equal(a->first_facing, b->first_facing);
    assert_int_equal(a->facing_count, b->facing_count);
    assert_true(a->width == b->width && a->noise == b->noise);
    assert_true(a->pos_x == b->pos_x && a->pos_y == b->pos_y);
    assert_true(a->ax == b->ax && a->ay == b->ay && a->nx == b->nx && a->ny == b->ny);
  }
  for (int k = 0; k < x->plate_count; ++k) {
    const sim_plate *a = &x->plates[k], *b = &y->plates[k];
    assert_string_equal(a->id, b->id);
    assert_true(a->x0 == b->x0 && a->x1 == b->x1 && a->noise == b->noise);
  }
  for (int i = 0; i < x->product_count; ++i) {
    const sim_product *a = &x->products[i], *b = &y->products[i];
    assert_string_equal(a->sku, b->sku);
    assert_string_equal(a->name, b->name);
    assert_true(a->weight == b->weight && a->sd == b->sd);
    assert_int_equal(a->facing, b->facing);
  }
  for (int i = 0; i < x->facing_count; ++i) {
    const sim_facing *a = &x->facings[i], *b = &y->facings[i];
    assert_int_equal(a->shelf, b->shelf);
    assert_int_equal(a->product, b->product);
    assert_true(a->x0 == b->x0 && a->x1 == b->x1 && a->lane_w == b->lane_w);
    assert_int_equal(a->lanes, b->lanes);
    assert_int_equal(a->depth, b->depth);
    assert_memory_equal(a->count, b->count, (size_t)a->lanes * sizeof *a->count);
    assert_memory_equal(a->weights, b->weights,
                        (size_t)a->lanes * (size_t)a->depth * sizeof *a->weights);
  }
}

/* The same layout seed gives the same store, whatever the other streams were seeded with;
 * the next seed gives another. */
static void same_seed_same_store(void **state) {
  (void)state;
  rf_sim_params p = layout_params();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    sim_world x, y, z;
    rf_allocator ax, ay, az;
    build_ok(&x, &p, &ax, seed * 7919);
    memset(&ay, 0, sizeof ay);
    memset(&y, 0, sizeof y);
    y.p = &p;
    assert_int_equal(rf__allocator_init(&ay, NULL), 0);
    y.alloc = &ay;
    rf__rng_seed(&y.rng_people, seed + 1000, 2);
    rf__rng_seed(&y.rng_actions, seed + 2000, 3);
    rf__rng_seed(&y.rng_store, seed * 7919, 1);
    assert_int_equal(rf__sim_build_varied(&y), 0);
    assert_same_store(&x, &y);
    build_ok(&z, &p, &az, seed * 7919 + 1);
    int differs = x.shelf_count != z.shelf_count || x.product_count != z.product_count ||
                  x.facing_count != z.facing_count || x.plates[0].x1 != z.plates[0].x1;
    assert_true(differs);
    rf__sim_world_free(&x);
    rf__sim_world_free(&y);
    rf__sim_world_free(&z);
  }
}

/* Every allocation of a build fails in turn: RF_ENOMEM, and rf__sim_world_free frees all that
 * was allocated. */
static void allocation_failures_are_clean(void **state) {
  (void)state;
  rf_sim_params p = layout_params();
  for (uint64_t seed = 3; seed <= 5; ++seed) {
    test_alloc ta;
    rf_allocator a = test_alloc_make(&ta, 0);
    sim_world w;
    assert_int_equal(build(&w, &p, &a, seed), 0);
    long calls = ta.calls;
    assert_int_equal(calls, 4 + 2 * w.facing_count);
    rf__sim_world_free(&w);
    assert_int_equal(ta.live, 0);
    for (long k = 1; k <= calls; ++k) {
      a = test_alloc_make(&ta, k);
      assert_int_equal(build(&w, &p, &a, seed), RF_ENOMEM);
      assert_true(ta.failed);
      rf__sim_world_free(&w);
      assert_int_equal(ta.live, 0);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(layouts_keep_their_ranges),     cmocka_unit_test(floor_plans_have_aisles),
      cmocka_unit_test(layouts_differ_between_seeds),  cmocka_unit_test(same_seed_same_store),
      cmocka_unit_test(allocation_failures_are_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
