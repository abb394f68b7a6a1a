/* The simulated store: gondolas of shelves of plates, filled left to right with facings of a
 * crowded catalog — neighbours on a shelf often weigh within a few grams of each other, some
 * exactly the same, as in real stores — each facing a few lanes of items, each item with its
 * own true weight around its product's. The scales (drawn after the store is built) make plates
 * misread by their gain and products weigh other than the catalogue says. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "sim_internal.h"

static const char *const kinds[] = {
    "Sweet Tea", "Green Tea", "Cola",       "Sparkling Water", "Orange Juice",  "Potato Chips",
    "Pretzels",  "Chocolate", "Granola",    "Coffee",          "Pasta",         "Rice",
    "Soup",      "Beans",     "Tuna",       "Cereal",          "Crackers",      "Cookies",
    "Shampoo",   "Soap",      "Toothpaste", "Yogurt",          "Peanut Butter", "Jam"};

void rf__sim_name_product(sim_world *w, sim_product *pr, int index) {
  snprintf(pr->sku, sizeof pr->sku, "%012llu",
           859000000000ULL + (unsigned long long)index * 7919ULL);
  const char *kind =
      kinds[rf__rng_int(&w->rng_store, 0, (int)(sizeof kinds / sizeof kinds[0]) - 1)];
  snprintf(pr->name, sizeof pr->name, "%s %d", kind, index + 1);
}

static int build_row(sim_world *w) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_store;
  int shelves = p->gondolas * p->shelves_per_gondola;
  int max_plates = shelves * p->plates_max;
  /* A facing is at least 0.8 plates wide, so this bounds the facings. */
  int max_facings = shelves * (int)ceil(p->plates_max / 0.8 + 1);
  w->shelves = rf__calloc(w->alloc, (size_t)shelves, sizeof *w->shelves);
  w->plates = rf__calloc(w->alloc, (size_t)max_plates, sizeof *w->plates);
  w->facings = rf__calloc(w->alloc, (size_t)max_facings, sizeof *w->facings);
  w->products = rf__calloc(w->alloc, (size_t)max_facings, sizeof *w->products);
  if (!w->shelves || !w->plates || !w->facings || !w->products) return RF_ENOMEM;

  for (int g = 0; g < p->gondolas; ++g) {
    for (int s = 0; s < p->shelves_per_gondola; ++s) {
      sim_shelf *sh = &w->shelves[w->shelf_count];
      snprintf(sh->id, sizeof sh->id, "G%dS%d", g + 1, s + 1);
      sh->plate_count = rf__rng_int(r, p->plates_min, p->plates_max);
      sh->first_plate = w->plate_count;
      sh->width = sh->plate_count * p->plate_width_m;
      sh->noise = p->noise_g * rf__rng_range(r, 0.7, 1.3);
      /* Gondolas stand in a row 2 m apart; a shelf's front centre is at its middle. */
      sh->gondola = g;
      sh->pos_x = 2.0 * g + sh->width / 2;
      sh->pos_y = 0.3 + 0.35 * s;
      sh->ax = 1.0;
      sh->ny = 1.0;
      for (int k = 0; k < sh->plate_count; ++k) {
        sim_plate *pl = &w->plates[w->plate_count++];
        snprintf(pl->id, sizeof pl->id, "%sP%d", sh->id, k + 1);
        pl->x0 = k * p->plate_width_m;
        pl->x1 = (k + 1) * p->plate_width_m;
        pl->noise = sh->noise * rf__rng_range(r, 0.7, 1.3);
      }
      /* Facings left to right with small gaps, 0.8 to 2.8 plates wide. */
      sh->first_facing = w->facing_count;
      double x = rf__rng_range(r, 0.0, 0.01);
      double previous_weight = 0.0;
      while (sh->width - x >= 0.5 * p->plate_width_m) {
        double width = fmin(rf__rng_range(r, 0.8, 2.8) * p->plate_width_m, sh->width - x);
        int index = w->facing_count++;
        sim_facing *f = &w->facings[index];
        sim_product *pr = &w->products[w->product_count];
        f->shelf = w->shelf_count;
        f->product = w->product_count++;
        f->x0 = x;
        f->x1 = x + width;
        rf__sim_name_product(w, pr, f->product);
        pr->facing = index;
        if (previous_weight > 0.0 && rf__rng_chance(r, p->similar_weight_share)) {
          pr->weight = rf__rng_chance(r, p->equal_weight_share)
                           ? previous_weight
                           : previous_weight +
                                 (rf__rng_chance(r, 0.5) ? 1 : -1) * rf__rng_range(r, 0.3, 4.0);
        } else {
          pr->weight = exp(rf__rng_range(r, log(40.0), log(1200.0)));
        }
        /* A long run of ever lighter neighbours stops at a gram, as items do. */
        pr->weight = fmax(1.0, round(pr->weight * 100.0) / 100.0);
        pr->sd = fmax(0.5, pr->weight * rf__rng_range(r, 0.003, 0.012));
        pr->sd = round(pr->sd * 100.0) / 100.0;
        previous_weight = pr->weight;
        double item_w = rf__rng_range(r, 0.05, 0.10);
        f->lanes = (int)fmax(1.0, floor(width / item_w));
        f->lane_w = width / f->lanes;
        f->depth = rf__rng_int(r, 3, 8);
        f->count = rf__calloc(w->alloc, (size_t)f->lanes, sizeof *f->count);
        f->weights = rf__calloc(w->alloc, (size_t)(f->lanes * f->depth), sizeof *f->weights);
        if (!f->count || !f->weights) return RF_ENOMEM;
        for (int lane = 0; lane < f->lanes; ++lane) {
          f->count[lane] = f->depth;
          for (int d = 0; d < f->depth; ++d)
            f->weights[lane * f->depth + d] = fmax(1.0, pr->weight + rf__rng_normal(r, pr->sd));
        }
        x += width + rf__rng_range(r, 0.0, 0.01);
      }
      sh->facing_count = w->facing_count - sh->first_facing;
      w->shelf_count++;
    }
  }
  return 0;
}

void rf__sim_seed(sim_world *w, uint64_t seed) {
  const rf_sim_params *p = w->p;
  rf__rng_seed(&w->rng_store, p->layout_seed > 0 ? (uint64_t)p->layout_seed : seed, 1);
  rf__rng_seed(&w->rng_people, seed, 2);
  rf__rng_seed(&w->rng_actions, seed, 3);
  rf__rng_seed(&w->rng_camera, seed, 4);
  rf__rng_seed(&w->rng_cells, seed, 5);
  rf__rng_seed(&w->rng_stray, seed, 6);
  rf__rng_seed(&w->rng_unknown, seed, 7);
  rf__rng_seed(&w->rng_delivery, seed, 8);
  rf__rng_seed(&w->rng_duplicate, seed, 9);
  rf__rng_seed(&w->rng_track, seed, 10);
  rf__rng_seed(&w->rng_blind, seed, 11);
  rf__rng_seed(&w->rng_gain, seed, 12);
  rf__rng_seed(&w->rng_weight, seed, 13);
  rf__rng_seed(&w->rng_batch, seed, 14);
  rf__rng_seed(&w->rng_announce, seed, 15);
}

#define TWO_PI 6.283185307179586
#define DAY_US 86400e6

double rf__sim_gain(const sim_world *w, int plate, int64_t t) {
  const sim_plate *pl = &w->plates[plate];
  double gain = 1.0 + pl->gain_error;
  if (pl->gain_swing == 0.0) return gain;
  return gain * (1.0 + pl->gain_swing * sin(TWO_PI * (double)t / DAY_US + w->gain_phase));
}

double rf__sim_true_weight(const sim_product *pr) { return pr->weight * (1.0 + pr->weight_error); }

double rf__sim_batch_mean(sim_world *w, int product) {
  return rf__sim_true_weight(&w->products[product]) *
         (1.0 + rf__rng_normal(&w->rng_batch, w->p->batch_sd));
}

/* The store as it really is, not as declared: each plate's gain and its daily swing, the
 * temperature cycle's phase, each product's true mean, and each facing's first stock one batch:
 * its items, drawn around the catalogue weight while building, moved to the batch's mean. Each
 * from its own stream, in a fixed order, so none moves the store or anything after it; with the
 * knobs 0 every value is exactly as built. */
static void draw_scales(sim_world *w) {
  const rf_sim_params *p = w->p;
  w->gain_phase = rf__rng_range(&w->rng_gain, 0.0, TWO_PI);
  for (int k = 0; k < w->plate_count; ++k) {
    w->plates[k].gain_error = rf__rng_normal(&w->rng_gain, p->gain_sd);
    w->plates[k].gain_swing = rf__rng_normal(&w->rng_gain, p->gain_drift);
  }
  for (int i = 0; i < w->product_count; ++i)
    w->products[i].weight_error = rf__rng_range(&w->rng_weight, -p->weight_error, p->weight_error);
  for (int f = 0; f < w->facing_count; ++f) {
    sim_facing *fc = &w->facings[f];
    double shift = rf__sim_batch_mean(w, fc->product) - w->products[fc->product].weight;
    for (int q = 0; q < fc->lanes * fc->depth; ++q)
      fc->weights[q] = fmax(1.0, fc->weights[q] + shift);
  }
}

int rf__sim_build_store(sim_world *w) {
  int rc = w->p->layout == 1 ? rf__sim_build_varied(w) : build_row(w);
  if (rc == 0) draw_scales(w);
  return rc;
}

int rf__sim_play(sim_world *w, const rf_sim_params *p, uint64_t seed, const rf_allocator *a,
                 sim_full_fn full, void *payload) {
  memset(w, 0, sizeof *w);
  w->p = p;
  w->alloc = a;
  rf__sim_seed(w, seed);
  int rc = rf__sim_build_store(w);
  if (rc == 0 && full != NULL) rc = full(w, payload);
  if (rc == 0) rc = rf__sim_shop(w);
  return rc;
}
