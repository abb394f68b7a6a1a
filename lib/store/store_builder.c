/* Building a store: every definition is checked as it is added, and a refused one leaves the
 * builder untouched (all allocation happens before anything is changed). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "retailfuse/status.h"
#include "store_internal.h"

struct rf_store_builder {
  rf_allocator alloc;
  rf_store *store; /* NULL once finished */
  rf__errbuf err;
};

static int is_id(const char *s) { return s != NULL && s[0] != '\0'; }

static int is_finite_nonneg(double v) { return isfinite(v) && v >= 0.0; }

int rf_store_builder_new(rf_store_builder **out, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_store_builder *b = rf__calloc(&a, 1, sizeof *b);
  if (b == NULL) return RF_ENOMEM;
  b->alloc = a;
  b->store = rf__calloc(&a, 1, sizeof *b->store);
  if (b->store == NULL) {
    rf__free(&a, b);
    return RF_ENOMEM;
  }
  b->store->alloc = a;
  rf__strpool_init(&b->store->strings);
  rf__idmap_init(&b->store->product_ids);
  rf__idmap_init(&b->store->shelf_ids);
  rf__idmap_init(&b->store->plate_ids);
  *out = b;
  return 0;
}

void rf_store_builder_free(rf_store_builder *b) {
  if (b == NULL) return;
  rf__store_destroy(b->store);
  rf__free(&b->alloc, b);
}

const char *rf_store_builder_errmsg(const rf_store_builder *b) {
  return b == NULL ? "" : b->err.msg;
}

const rf_store *rf__store_builder_peek(const rf_store_builder *b) {
  return b == NULL ? NULL : b->store;
}

static int begin_add(rf_store_builder *b, const void *def) {
  if (b == NULL) return RF_EINVAL;
  rf__error_clear(&b->err);
  if (def == NULL) return rf__error(&b->err, RF_EINVAL, "no definition given");
  if (b->store == NULL)
    return rf__error(&b->err, RF_EMISUSE, "the store builder is already finished");
  return 0;
}

int rf_store_builder_add_product(rf_store_builder *b, const rf_product_def *def) {
  int rc = begin_add(b, def);
  if (rc != 0) return rc;
  rf_store *s = b->store;

  if (!is_id(def->sku)) return rf__error(&b->err, RF_EINVAL, "product: sku is missing or empty");
  if (rf__idmap_find(&s->product_ids, def->sku, NULL) == 0)
    return rf__error(&b->err, RF_EEXISTS, "product '%s': sku defined twice", def->sku);
  if (!isfinite(def->weight_g) || def->weight_g <= 0.0)
    return rf__error(&b->err, RF_ERANGE,
                     "product '%s': weight_g must be a finite number > 0, got %g", def->sku,
                     def->weight_g);
  if (def->has_weight_sd && !is_finite_nonneg(def->weight_sd_g))
    return rf__error(&b->err, RF_ERANGE,
                     "product '%s': weight_sd_g must be a finite number >= 0, got %g", def->sku,
                     def->weight_sd_g);
  if (s->product_count >= RF__NONE)
    return rf__error(&b->err, RF_ELIMIT, "product '%s': too many products", def->sku);

  size_t bytes = strlen(def->sku) + 1 + (def->name ? strlen(def->name) + 1 : 0);
  if ((rc = RF__RESERVE(&s->alloc, s->products, s->product_cap, s->product_count + 1)) != 0 ||
      (rc = rf__idmap_reserve(&s->product_ids, &s->alloc, 1)) != 0 ||
      (rc = rf__strpool_reserve(&s->strings, &s->alloc, bytes)) != 0)
    return rf__error(&b->err, rc, "product '%s': %s", def->sku, rf_strerror(rc));

  rf_product_def *p = &s->products[s->product_count];
  *p = *def;
  p->sku = rf__strpool_add(&s->strings, def->sku);
  p->name = def->name ? rf__strpool_add(&s->strings, def->name) : NULL;
  if (!p->has_weight_sd) p->weight_sd_g = 0.0;
  rf__idmap_insert(&s->product_ids, p->sku, (uint32_t)s->product_count);
  s->product_count++;
  return 0;
}

static int compare_plate_x0(const void *a, const void *b) {
  const rf_plate_def *pa = a, *pb = b;
  return (pa->x0 > pb->x0) - (pa->x0 < pb->x0);
}

static int compare_plate_id(const void *a, const void *b) {
  return strcmp(((const rf_plate_def *)a)->plate, ((const rf_plate_def *)b)->plate);
}

/* Checks the plates of one shelf against each other and the store; needs a scratch copy. */
static int check_plates(rf_store_builder *b, const rf_shelf_def *def) {
  rf_store *s = b->store;
  for (size_t i = 0; i < def->plate_count; ++i) {
    const rf_plate_def *p = &def->plates[i];
    if (!is_id(p->plate))
      return rf__error(&b->err, RF_EINVAL, "shelf '%s': plate %zu has no id", def->shelf, i + 1);
    if (!isfinite(p->x0) || !isfinite(p->x1))
      return rf__error(&b->err, RF_ERANGE, "shelf '%s': plate '%s': x0 and x1 must be finite",
                       def->shelf, p->plate);
    if (p->x0 < 0.0)
      return rf__error(&b->err, RF_ERANGE,
                       "shelf '%s': plate '%s': x0 %g is left of the shelf's edge (x >= 0)",
                       def->shelf, p->plate, p->x0);
    if (p->x1 <= p->x0)
      return rf__error(&b->err, RF_ERANGE,
                       "shelf '%s': plate '%s': x1 %g must be greater than x0 %g", def->shelf,
                       p->plate, p->x1, p->x0);
    if (rf__idmap_find(&s->plate_ids, p->plate, NULL) == 0)
      return rf__error(&b->err, RF_EEXISTS, "shelf '%s': plate '%s' is already defined", def->shelf,
                       p->plate);
  }
  rf_plate_def *sorted = rf__malloc(&s->alloc, def->plate_count * sizeof *sorted);
  if (sorted == NULL)
    return rf__error(&b->err, RF_ENOMEM, "shelf '%s': %s", def->shelf, rf_strerror(RF_ENOMEM));
  memcpy(sorted, def->plates, def->plate_count * sizeof *sorted);
  int rc = 0;
  qsort(sorted, def->plate_count, sizeof *sorted, compare_plate_id);
  for (size_t i = 1; i < def->plate_count && rc == 0; ++i)
    if (strcmp(sorted[i - 1].plate, sorted[i].plate) == 0)
      rc = rf__error(&b->err, RF_EEXISTS, "shelf '%s': plate '%s' is listed twice", def->shelf,
                     sorted[i].plate);
  if (rc == 0) qsort(sorted, def->plate_count, sizeof *sorted, compare_plate_x0);
  for (size_t i = 1; i < def->plate_count && rc == 0; ++i)
    if (sorted[i].x0 < sorted[i - 1].x1 - RF__GEOMETRY_EPS)
      rc = rf__error(&b->err, RF_ERANGE,
                     "shelf '%s': plate '%s' [%g, %g] overlaps plate '%s' [%g, %g]", def->shelf,
                     sorted[i].plate, sorted[i].x0, sorted[i].x1, sorted[i - 1].plate,
                     sorted[i - 1].x0, sorted[i - 1].x1);
  rf__free(&s->alloc, sorted);
  return rc;
}

int rf_store_builder_add_shelf(rf_store_builder *b, const rf_shelf_def *def) {
  int rc = begin_add(b, def);
  if (rc != 0) return rc;
  rf_store *s = b->store;

  if (!is_id(def->shelf)) return rf__error(&b->err, RF_EINVAL, "shelf: id is missing or empty");
  if (rf__idmap_find(&s->shelf_ids, def->shelf, NULL) == 0)
    return rf__error(&b->err, RF_EEXISTS, "shelf '%s': defined twice", def->shelf);
  if (def->has_noise && !is_finite_nonneg(def->noise_g))
    return rf__error(&b->err, RF_ERANGE, "shelf '%s': noise_g must be a finite number >= 0, got %g",
                     def->shelf, def->noise_g);
  if (def->has_pos && !(isfinite(def->pos_x) && isfinite(def->pos_y)))
    return rf__error(&b->err, RF_ERANGE, "shelf '%s': pos must be finite", def->shelf);
  if (def->has_dir &&
      !(isfinite(def->dir_x) && isfinite(def->dir_y) && isfinite(hypot(def->dir_x, def->dir_y)) &&
        hypot(def->dir_x, def->dir_y) > 0))
    return rf__error(&b->err, RF_ERANGE, "shelf '%s': dir must be finite and not [0, 0]",
                     def->shelf);
  if (def->plate_count == 0 || def->plates == NULL)
    return rf__error(&b->err, RF_EINVAL, "shelf '%s': has no plates", def->shelf);
  if (s->shelf_count >= RF__NONE || def->plate_count >= RF__NONE - s->plate_count)
    return rf__error(&b->err, RF_ELIMIT, "shelf '%s': too many shelves or plates", def->shelf);
  if ((rc = check_plates(b, def)) != 0) return rc;

  size_t bytes = strlen(def->shelf) + 1;
  for (size_t i = 0; i < def->plate_count; ++i) bytes += strlen(def->plates[i].plate) + 1;
  size_t plates_after = s->plate_count + def->plate_count;
  if ((rc = RF__RESERVE(&s->alloc, s->shelves, s->shelf_cap, s->shelf_count + 1)) != 0 ||
      (rc = RF__RESERVE(&s->alloc, s->plates, s->plate_cap, plates_after)) != 0 ||
      (rc = RF__RESERVE(&s->alloc, s->plate_shelf, s->plate_shelf_cap, plates_after)) != 0 ||
      (rc = rf__idmap_reserve(&s->shelf_ids, &s->alloc, 1)) != 0 ||
      (rc = rf__idmap_reserve(&s->plate_ids, &s->alloc, def->plate_count)) != 0 ||
      (rc = rf__strpool_reserve(&s->strings, &s->alloc, bytes)) != 0)
    return rf__error(&b->err, rc, "shelf '%s': %s", def->shelf, rf_strerror(rc));

  uint32_t shelf_index = (uint32_t)s->shelf_count;
  rf__shelf *sh = &s->shelves[shelf_index];
  memset(sh, 0, sizeof *sh);
  sh->def = *def;
  sh->def.shelf = rf__strpool_add(&s->strings, def->shelf);
  sh->def.plates = NULL;
  if (!def->has_noise) sh->def.noise_g = 0.0;
  if (!def->has_pos) sh->def.pos_x = sh->def.pos_y = 0.0;
  if (def->has_dir) {
    double norm = hypot(def->dir_x, def->dir_y);
    sh->def.dir_x = def->dir_x / norm;
    sh->def.dir_y = def->dir_y / norm;
  } else {
    sh->def.dir_x = sh->def.dir_y = 0.0;
  }
  sh->first_plate = (uint32_t)s->plate_count;
  sh->x_min = def->plates[0].x0;
  sh->x_max = def->plates[0].x1;
  sh->newest_facing = RF__NONE;
  for (size_t i = 0; i < def->plate_count; ++i) {
    rf_plate_def *p = &s->plates[s->plate_count];
    p->plate = rf__strpool_add(&s->strings, def->plates[i].plate);
    p->x0 = def->plates[i].x0;
    p->x1 = def->plates[i].x1;
    if (p->x0 < sh->x_min) sh->x_min = p->x0;
    if (p->x1 > sh->x_max) sh->x_max = p->x1;
    s->plate_shelf[s->plate_count] = shelf_index;
    rf__idmap_insert(&s->plate_ids, p->plate, (uint32_t)s->plate_count);
    s->plate_count++;
  }
  rf__idmap_insert(&s->shelf_ids, sh->def.shelf, shelf_index);
  s->shelf_count++;
  return 0;
}

int rf_store_builder_add_facing(rf_store_builder *b, const rf_facing_def *def) {
  int rc = begin_add(b, def);
  if (rc != 0) return rc;
  rf_store *s = b->store;

  if (!is_id(def->shelf)) return rf__error(&b->err, RF_EINVAL, "facing: shelf is missing or empty");
  if (!is_id(def->sku))
    return rf__error(&b->err, RF_EINVAL, "facing on shelf '%s': sku is missing or empty",
                     def->shelf);
  uint32_t shelf_index, product_index;
  if (rf__idmap_find(&s->shelf_ids, def->shelf, &shelf_index) != 0)
    return rf__error(&b->err, RF_ENOTFOUND,
                     "facing of '%s': unknown shelf '%s' (shelves come before their facings)",
                     def->sku, def->shelf);
  if (rf__idmap_find(&s->product_ids, def->sku, &product_index) != 0)
    return rf__error(&b->err, RF_ENOTFOUND,
                     "facing on shelf '%s': unknown sku '%s' (products come before their facings)",
                     def->shelf, def->sku);
  const rf__shelf *sh = &s->shelves[shelf_index];
  if (!isfinite(def->x0) || !isfinite(def->x1) || def->x1 <= def->x0)
    return rf__error(&b->err, RF_ERANGE,
                     "facing of '%s' on shelf '%s': needs finite x0 < x1, got [%g, %g]", def->sku,
                     def->shelf, def->x0, def->x1);
  if (def->x0 < sh->x_min - RF__GEOMETRY_EPS || def->x1 > sh->x_max + RF__GEOMETRY_EPS)
    return rf__error(&b->err, RF_ERANGE,
                     "facing of '%s' on shelf '%s': [%g, %g] lies outside the shelf's plates "
                     "[%g, %g]",
                     def->sku, def->shelf, def->x0, def->x1, sh->x_min, sh->x_max);
  if (def->count < 0 && def->count != RF_COUNT_UNKNOWN)
    return rf__error(&b->err, RF_ERANGE, "facing of '%s' on shelf '%s': count %lld is negative",
                     def->sku, def->shelf, (long long)def->count);
  for (uint32_t f = sh->newest_facing; f != RF__NONE; f = s->facings[f].previous_on_shelf) {
    const rf_facing_def *o = &s->facings[f].def;
    double overlap = fmin(o->x1, def->x1) - fmax(o->x0, def->x0);
    if (overlap > RF__GEOMETRY_EPS)
      return rf__error(&b->err, RF_ERANGE,
                       "facing of '%s' on shelf '%s' [%g, %g] overlaps the facing of '%s' "
                       "[%g, %g]",
                       def->sku, def->shelf, def->x0, def->x1, o->sku, o->x0, o->x1);
  }
  if (s->facing_count >= RF__NONE)
    return rf__error(&b->err, RF_ELIMIT, "facing of '%s': too many facings", def->sku);
  if ((rc = RF__RESERVE(&s->alloc, s->facings, s->facing_cap, s->facing_count + 1)) != 0)
    return rf__error(&b->err, rc, "facing of '%s' on shelf '%s': %s", def->sku, def->shelf,
                     rf_strerror(rc));

  uint32_t index = (uint32_t)s->facing_count;
  rf__facing *f = &s->facings[index];
  /* Point at the store's own copies of the ids. */
  f->def.shelf = sh->def.shelf;
  f->def.sku = s->products[product_index].sku;
  f->def.x0 = def->x0;
  f->def.x1 = def->x1;
  f->def.count = def->count;
  f->shelf = shelf_index;
  f->product = product_index;
  f->previous_on_shelf = sh->newest_facing;
  s->shelves[shelf_index].newest_facing = index;
  s->facing_count++;
  return 0;
}

int rf_store_builder_finish(rf_store_builder *b, rf_store **out) {
  if (b == NULL) return RF_EINVAL;
  rf__error_clear(&b->err);
  if (out == NULL) return rf__error(&b->err, RF_EINVAL, "finishing the store: out is NULL");
  *out = NULL;
  rf_store *s = b->store;
  if (s == NULL) return rf__error(&b->err, RF_EMISUSE, "the store builder is already finished");

  s->facing_order = rf__malloc(&s->alloc, s->facing_count * sizeof *s->facing_order);
  if (s->facing_order == NULL)
    return rf__error(&b->err, RF_ENOMEM, "finishing the store: %s", rf_strerror(RF_ENOMEM));
  /* Group by shelf, left to right. Counting sort by shelf, then sort each small group by x0. */
  for (size_t i = 0; i < s->shelf_count; ++i) s->shelves[i].facing_count = 0;
  for (size_t f = 0; f < s->facing_count; ++f) s->shelves[s->facings[f].shelf].facing_count++;
  uint32_t next = 0;
  for (size_t i = 0; i < s->shelf_count; ++i) {
    s->shelves[i].first_facing = next;
    next += s->shelves[i].facing_count;
    s->shelves[i].facing_count = 0;
  }
  for (size_t f = 0; f < s->facing_count; ++f) {
    rf__shelf *sh = &s->shelves[s->facings[f].shelf];
    s->facing_order[sh->first_facing + sh->facing_count++] = (uint32_t)f;
  }
  for (size_t i = 0; i < s->shelf_count; ++i) {
    rf__shelf *sh = &s->shelves[i];
    sh->def.plates = &s->plates[sh->first_plate];
    /* Insertion sort: a shelf holds a few dozen facings at most and this runs once. */
    for (uint32_t x = 1; x < sh->facing_count; ++x) {
      uint32_t *order = &s->facing_order[sh->first_facing];
      uint32_t v = order[x];
      uint32_t y = x;
      while (y > 0 && s->facings[order[y - 1]].def.x0 > s->facings[v].def.x0) {
        order[y] = order[y - 1];
        --y;
      }
      order[y] = v;
    }
  }
  *out = s;
  b->store = NULL;
  return 0;
}
