/* Reading a finished store: counts, id lookups, definitions by index. */
#include "core/alloc.h"
#include "retailfuse/status.h"
#include "store_internal.h"

void rf__store_destroy(rf_store *s) {
  if (s == NULL) return;
  const rf_allocator *a = &s->alloc;
  rf__idmap_free(&s->product_ids, a);
  rf__idmap_free(&s->shelf_ids, a);
  rf__idmap_free(&s->plate_ids, a);
  rf__free(a, s->products);
  rf__free(a, s->shelves);
  rf__free(a, s->plates);
  rf__free(a, s->plate_shelf);
  rf__free(a, s->facings);
  rf__free(a, s->facing_order);
  rf__strpool_free(&s->strings, a);
  rf_allocator copy = *a;
  rf__free(&copy, s);
}

void rf_store_free(rf_store *s) { rf__store_destroy(s); }

uint32_t rf_store_product_count(const rf_store *s) { return s ? (uint32_t)s->product_count : 0; }
uint32_t rf_store_shelf_count(const rf_store *s) { return s ? (uint32_t)s->shelf_count : 0; }
uint32_t rf_store_plate_count(const rf_store *s) { return s ? (uint32_t)s->plate_count : 0; }
uint32_t rf_store_facing_count(const rf_store *s) { return s ? (uint32_t)s->facing_count : 0; }

static int find(const rf_store *s, const rf__idmap *map, const char *id, uint32_t *out) {
  if (s == NULL || id == NULL || out == NULL) return RF_EINVAL;
  return rf__idmap_find(map, id, out);
}

int rf_store_find_product(const rf_store *s, const char *sku, uint32_t *out) {
  return find(s, s ? &s->product_ids : NULL, sku, out);
}

int rf_store_find_shelf(const rf_store *s, const char *shelf, uint32_t *out) {
  return find(s, s ? &s->shelf_ids : NULL, shelf, out);
}

int rf_store_find_plate(const rf_store *s, const char *plate, uint32_t *out) {
  return find(s, s ? &s->plate_ids : NULL, plate, out);
}

int rf_store_product(const rf_store *s, uint32_t index, rf_product_def *out) {
  if (s == NULL || out == NULL) return RF_EINVAL;
  if (index >= s->product_count) return RF_ERANGE;
  *out = s->products[index];
  return 0;
}

int rf_store_shelf(const rf_store *s, uint32_t index, rf_shelf_def *out) {
  if (s == NULL || out == NULL) return RF_EINVAL;
  if (index >= s->shelf_count) return RF_ERANGE;
  *out = s->shelves[index].def;
  return 0;
}

int rf_store_facing(const rf_store *s, uint32_t index, rf_facing_def *out) {
  if (s == NULL || out == NULL) return RF_EINVAL;
  if (index >= s->facing_count) return RF_ERANGE;
  *out = s->facings[index].def;
  return 0;
}

int rf_store_plate(const rf_store *s, uint32_t index, rf_plate_def *out, uint32_t *shelf_index) {
  if (s == NULL) return RF_EINVAL;
  if (index >= s->plate_count) return RF_ERANGE;
  if (out) *out = s->plates[index];
  if (shelf_index) *shelf_index = s->plate_shelf[index];
  return 0;
}

uint32_t rf_store_shelf_first_plate(const rf_store *s, uint32_t shelf_index) {
  if (s == NULL || shelf_index >= s->shelf_count) return RF__NONE;
  return s->shelves[shelf_index].first_plate;
}

int rf_store_shelf_facings(const rf_store *s, uint32_t shelf_index, const uint32_t **out,
                           size_t *count) {
  if (s == NULL || out == NULL || count == NULL) return RF_EINVAL;
  if (shelf_index >= s->shelf_count) return RF_ERANGE;
  *out = s->facing_order + s->shelves[shelf_index].first_facing;
  *count = s->shelves[shelf_index].facing_count;
  return 0;
}
