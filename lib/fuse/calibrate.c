/* The engine's side of the calibration: calibrate.h says what and when. Plates are the
 * calibration's gains (by the store's plate index), products its weights; a shelf is a block,
 * with the products whose (first) facing is on it, and products with no facing one block more. */
#include "calibrate.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"

/* A reading's residual beyond this many of its sds is set aside (calib.h): a wrong decision. */
#define REJECT_Z 5.0
/* The most plates a reading that teaches may list. */
#define MOST_PLATES 64

static int calibrating(const rf_engine *e) { return e->param[RF_PARAM_CALIBRATE] != 0; }

/* Each plate's block (its shelf) and each product's (its facing's shelf; a product with no
 * facing, one of its own after the shelves': nothing couples it, and one shared block of
 * thousands would be a dense matrix of thousands squared). Returns the blocks. */
static size_t lay_out(const rf_engine *e, uint32_t *plate_block, uint32_t *product_block,
                      double *catalog) {
  size_t blocks = e->shelves;
  for (uint32_t s = 0; s < e->shelves; ++s) {
    rf_shelf_def def;
    rf_store_shelf(e->store, s, &def);
    uint32_t first = rf_store_shelf_first_plate(e->store, s);
    for (size_t k = 0; k < def.plate_count; ++k) plate_block[first + k] = s;
  }
  for (uint32_t p = 0; p < e->products; ++p) {
    rf_product_def def;
    rf_store_product(e->store, p, &def);
    catalog[p] = def.weight_g > 0 ? def.weight_g : 1.0;
    if (e->product_facing[p] < 0) {
      product_block[p] = (uint32_t)blocks++;
      continue;
    }
    rf_facing_def f;
    rf_store_facing(e->store, (uint32_t)e->product_facing[p], &f);
    rf_store_find_shelf(e->store, f.shelf, &product_block[p]);
  }
  return blocks > 0 ? blocks : 1;
}

/* Each product's home: the plates under its (first) facing, each with the share of the facing's
 * width over it — where a typical item of it lies (calib.h). With gain NULL, only counted: the
 * entries needed are returned. */
static size_t homes(const rf_engine *e, size_t *start, uint32_t *gain, double *share) {
  size_t n = 0;
  for (uint32_t p = 0; p < e->products; ++p) {
    start[p] = n;
    if (e->product_facing[p] < 0) continue;
    rf_facing_def f;
    uint32_t shelf;
    rf_store_facing(e->store, (uint32_t)e->product_facing[p], &f);
    rf_store_find_shelf(e->store, f.shelf, &shelf);
    rf_shelf_def def;
    rf_store_shelf(e->store, shelf, &def);
    const uint32_t first = rf_store_shelf_first_plate(e->store, shelf);
    for (size_t k = 0; k < def.plate_count && f.x1 > f.x0; ++k) {
      double over = fmin(f.x1, def.plates[k].x1) - fmax(f.x0, def.plates[k].x0);
      if (over <= 0) continue;
      if (gain != NULL) {
        gain[n] = first + (uint32_t)k;
        share[n] = over / (f.x1 - f.x0);
      }
      ++n;
    }
  }
  start[e->products] = n;
  return n;
}

int rf__calibration_ready(rf_engine *e) {
  if (e->calib != NULL || !calibrating(e)) return 0;
  const rf_allocator *a = &e->alloc;
  uint32_t *plate_block = rf__calloc(a, (size_t)e->plates + 1, sizeof *plate_block);
  uint32_t *product_block = rf__calloc(a, (size_t)e->products + 1, sizeof *product_block);
  double *catalog = rf__calloc(a, (size_t)e->products + 1, sizeof *catalog);
  size_t *home_start = rf__calloc(a, (size_t)e->products + 1, sizeof *home_start);
  const size_t entries = home_start != NULL ? homes(e, home_start, NULL, NULL) : 0;
  uint32_t *home_gain = rf__calloc(a, entries + 1, sizeof *home_gain);
  double *home_share = rf__calloc(a, entries + 1, sizeof *home_share);
  int rc = RF_ENOMEM;
  if (plate_block != NULL && product_block != NULL && catalog != NULL && home_start != NULL &&
      home_gain != NULL && home_share != NULL) {
    const size_t blocks = lay_out(e, plate_block, product_block, catalog);
    homes(e, home_start, home_gain, home_share);
    rf__calib_config cfg = {
        .gains = e->plates,
        .weights = e->products,
        .blocks = blocks,
        .gain_block = plate_block,
        .weight_block = product_block,
        .catalog = catalog,
        .gain_sd = e->param[RF_PARAM_GAIN_SD],
        .weight_sd = e->param[RF_PARAM_WEIGHT_SD],
        .memory_s = e->param[RF_PARAM_CALIB_MEMORY_S],
        .step = e->param[RF_PARAM_CALIB_STEP],
        .reject_z = REJECT_Z,
        .spd = NULL,
        .home_start = home_start,
        .home_gain = home_gain,
        .home_share = home_share,
    };
    rc = rf__calib_new(&e->calib, a, &cfg);
  }
  rf__free(a, home_start);
  rf__free(a, home_gain);
  rf__free(a, home_share);
  rf__free(a, plate_block);
  rf__free(a, product_block);
  rf__free(a, catalog);
  return rc == 0 ? 0 : rf__error(&e->err, RF_ENOMEM, "out of memory");
}

void rf__calibrate_change(rf_engine *e, f_change *c) {
  if (c->calibrated || e->calib == NULL || !calibrating(e)) return;
  c->calibrated = 1;
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  const uint32_t first = rf_store_shelf_first_plate(e->store, c->shelf);
  double *g = e->g_pool + c->first_g;
  double total = 0.0, mass = 0.0, moment = 0.0;
  for (size_t k = 0; k < def.plate_count; ++k) {
    g[k] *= rf__calib_correction(e->calib, first + (uint32_t)k);
    total += g[k];
    mass += fabs(g[k]);
    moment += fabs(g[k]) * 0.5 * (def.plates[k].x0 + def.plates[k].x1);
  }
  c->total = total;
  if (mass > 0) c->center_x = moment / mass;
}

double rf__learned_weight(const rf_engine *e, uint32_t p, double catalog_g) {
  if (e->calib == NULL || !calibrating(e)) return catalog_g;
  return rf__calib_weight(e->calib, p);
}

double rf__scale_sd(const rf_engine *e, uint32_t p) {
  if (!calibrating(e)) return 0.0;
  if (e->calib == NULL) /* before the first decision: the priors' */
    return sqrt(e->param[RF_PARAM_WEIGHT_SD] * e->param[RF_PARAM_WEIGHT_SD] +
                e->param[RF_PARAM_GAIN_SD] * e->param[RF_PARAM_GAIN_SD]);
  return rf__calib_scale_sd(e->calib, p);
}

/* Whether plate k of the shelf bore the items, when they were within [lo, hi] along it (any
 * listed plate when lo >= hi: the reading does not say where). A plate beside them saw only
 * noise: counting it would add its noise to the equation and nothing else. */
static int under(const rf_shelf_def *def, size_t k, double lo, double hi) {
  return !(hi > lo) || (def->plates[k].x1 > lo && def->plates[k].x0 < hi);
}

/* Stages "the plates of c under [lo, hi], read raw, add up to these items" with the noise they
 * carry. */
static int stage(rf_engine *e, const f_change *c, double lo, double hi, const uint32_t *product,
                 const int64_t *qty, int parts, double p) {
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  const uint32_t first = rf_store_shelf_first_plate(e->store, c->shelf);
  const double *g = rf__change_g(e, c);
  const double sign = c->total < 0 ? -1.0 : 1.0; /* a take's items weigh what the plates lost */
  uint32_t plates[MOST_PLATES], items[2];
  double reading[MOST_PLATES], count[2], var = 0.0;
  size_t n = 0;
  for (size_t k = 0; k < def.plate_count; ++k) n += g[k] != 0.0 && under(&def, k, lo, hi);
  if (n > MOST_PLATES) return 0; /* a shelf wider than any real one teaches nothing */
  n = 0;
  for (size_t k = 0; k < def.plate_count; ++k) {
    if (g[k] == 0.0 || !under(&def, k, lo, hi)) continue; /* not listed, or beside the items */
    plates[n] = first + (uint32_t)k;
    /* The change was read with the gains committed now: undone, it is what the plate said. */
    reading[n++] = sign * g[k] / rf__calib_correction(e->calib, first + (uint32_t)k);
  }
  const double sigma = rf__noise_of(e, c->shelf);
  var = (double)n * sigma * sigma;
  for (int i = 0; i < parts; ++i) {
    double w, sd;
    rf__item_weight(e, product[i], &w, &sd); /* the item's own spread: the estimate's is known */
    items[i] = product[i];
    count[i] = (double)qty[i];
    var += count[i] * sd * sd;
  }
  rf__calib_eq eq = {c->t1, n, plates, reading, (size_t)parts, items, count, var, fmin(p, 1.0)};
  int rc = rf__calib_stage(e->calib, &eq);
  return rc == RF_ENOMEM ? rf__error(&e->err, RF_ENOMEM, "out of memory") : 0;
}

int rf__teach_reading(rf_engine *e, const f_change *c, const f_what *w, double p) {
  if (e->calib == NULL || !calibrating(e) || !c->calibrated || c->faulty ||
      !(p >= e->param[RF_PARAM_CALIB_CONF]))
    return 0;
  uint32_t product[2] = {w->product[0], w->product[1]};
  int64_t qty[2] = {w->qty[0], w->qty[1]};
  /* A take's items were within its span; a put-back's may be anywhere on the shelf. */
  return c->total < 0 ? stage(e, c, w->lo, w->hi, product, qty, w->parts, p)
                      : stage(e, c, 0.0, 0.0, product, qty, w->parts, p);
}

int rf__teach_items(rf_engine *e, const f_change *c, uint32_t product, int64_t qty, double p) {
  if (e->calib == NULL || !calibrating(e) || !c->calibrated || c->faulty || qty <= 0 ||
      !(p >= e->param[RF_PARAM_CALIB_CONF]))
    return 0;
  return stage(e, c, 0.0, 0.0, &product, &qty, 1, p);
}

void rf__calibration_commit(rf_engine *e) {
  if (e->calib != NULL) rf__calib_commit(e->calib);
}

void rf__calibration_unstage(rf_engine *e) {
  if (e->calib != NULL) rf__calib_unstage(e->calib);
}
