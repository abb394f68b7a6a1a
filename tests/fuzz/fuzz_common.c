/* The fuzz targets' fixed store and their way of reporting a broken property. */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void fuzz_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "fuzz: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}

static const rf_product_def products[] = {{"tea", "Sweet Tea", 540.67, 1, 3.0},
                                          {"green", "Green Tea", 540.67, 1, 3.0},
                                          {"bar", "Chocolate Bar", 52.7, 1, 1.2},
                                          {"water", "Sparkling Water", 523.4, 1, 2.5},
                                          {"chips", "Potato Chips", 226.8, 0, 0}};
static const rf_plate_def plates0[] = {{"P0", 0.0, 0.1}, {"P1", 0.1, 0.2}, {"P2", 0.2, 0.3}};
static const rf_plate_def plates1[] = {{"Q0", 0.0, 0.15}, {"Q1", 0.15, 0.3}};
static const rf_plate_def plates2[] = {{"R0", 0.0, 0.2}};
static const rf_shelf_def shelves[] = {{"S0", 1, 1.5, 1, 1.0, 0.5, plates0, 3, 0, 0, 0},
                                       {"S1", 1, 2.0, 1, 2.0, 0.5, plates1, 2, 0, 0, 0},
                                       {"S2", 0, 0.0, 0, 0.0, 0.0, plates2, 1, 0, 0, 0}};
static const rf_facing_def facings[] = {{"S0", "tea", 0.0, 0.15, 8},
                                        {"S0", "green", 0.15, 0.3, 8},
                                        {"S1", "bar", 0.0, 0.1, 24},
                                        {"S1", "water", 0.1, 0.3, RF_COUNT_UNKNOWN},
                                        {"S2", "chips", 0.0, 0.2, 5}};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static rf_store *build(void) {
  rf_store_builder *b;
  rf_store *store = NULL;
  int rc = rf_store_builder_new(&b, NULL);
  for (size_t i = 0; rc == 0 && i < COUNT(products); ++i)
    rc = rf_store_builder_add_product(b, &products[i]);
  for (size_t i = 0; rc == 0 && i < COUNT(shelves); ++i)
    rc = rf_store_builder_add_shelf(b, &shelves[i]);
  for (size_t i = 0; rc == 0 && i < COUNT(facings); ++i)
    rc = rf_store_builder_add_facing(b, &facings[i]);
  if (rc == 0) rc = rf_store_builder_finish(b, &store);
  if (rc != 0) fuzz_die("building the store: %s", rf_store_builder_errmsg(b));
  rf_store_builder_free(b);
  return store;
}

const rf_store *fuzz_store(void) {
  static rf_store *store; /* one for the whole run: the targets only read it */
  if (store == NULL) store = build();
  return store;
}
