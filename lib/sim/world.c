/* The simulated store: gondolas of shelves of plates, filled left to right with facings of a
 * crowded catalog — neighbours on a shelf often weigh within a few grams of each other, some
 * exactly the same, as in real stores — each facing a few lanes of items, each item with its
 * own true weight around its product's. */
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

int rf__sim_build_store(sim_world *w) {
  return w->p->layout == 1 ? rf__sim_build_varied(w) : build_row(w);
}
