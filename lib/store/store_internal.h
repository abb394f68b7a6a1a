/* Internal: the store's layout, shared by the builder, the accessors and later the engine. */
#ifndef RF_STORE_INTERNAL_H
#define RF_STORE_INTERNAL_H

#include "core/idmap.h"
#include "core/strpool.h"
#include "retailfuse/store.h"

#define RF__NONE UINT32_MAX

/* Geometry tolerance in metres: plates and facings written with rounding still line up. */
#define RF__GEOMETRY_EPS 1e-9

typedef struct rf__shelf {
  rf_shelf_def def;      /* ids in the pool; def.plates points into store->plates once finished */
  uint32_t first_plate;  /* plates of one shelf are contiguous in store->plates */
  double x_min, x_max;   /* the extent its plates cover */
  uint32_t first_facing; /* into store->facing_order, set when finished */
  uint32_t facing_count;
  uint32_t newest_facing; /* while building: newest facing added here, RF__NONE if none */
} rf__shelf;

typedef struct rf__facing {
  rf_facing_def def; /* ids in the pool */
  uint32_t shelf, product;
  uint32_t previous_on_shelf; /* while building: the facing added to this shelf before it */
} rf__facing;

struct rf_store {
  rf_allocator alloc;
  rf__strpool strings;

  rf_product_def *products;
  size_t product_count, product_cap;

  rf__shelf *shelves;
  size_t shelf_count, shelf_cap;

  rf_plate_def *plates;
  size_t plate_count, plate_cap;
  uint32_t *plate_shelf; /* shelf index of each plate */
  size_t plate_shelf_cap;

  rf__facing *facings;
  size_t facing_count, facing_cap;
  uint32_t *facing_order; /* facing indices grouped by shelf, each shelf's left to right */

  rf__idmap product_ids, shelf_ids, plate_ids;
};

/* Frees a store or a builder's unfinished store; NULL is harmless. */
void rf__store_destroy(rf_store *s);

/* The store a builder is filling, NULL once finished: ids added so far are looked up in it with
 * rf_store_find_shelf and the others (counts and definitions by index wait for the finish). The
 * checker finds a zone's shelf so before the store is finished. */
const rf_store *rf__store_builder_peek(const rf_store_builder *b);

#endif
