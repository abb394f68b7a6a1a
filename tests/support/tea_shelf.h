/* tea_shelf.h — the one-shelf store of the explanation and verdict tests (cmocka asserts; include
 * after <cmocka.h>). Shelf A, front centre at (0, 0), no direction: plates A1..A4 of 0.1 m;
 * TEA1 (540.67 g) over A1-A2 and COLA (330 g) over A3-A4, so the plates and the total agree on
 * what moved. */
#ifndef RF_TEST_TEA_SHELF_H
#define RF_TEST_TEA_SHELF_H

#include "retailfuse/status.h"
#include "retailfuse/store.h"

static inline rf_store *tea_shelf_store(void) {
  static const rf_plate_def plates[] = {
      {"A1", 0.0, 0.1}, {"A2", 0.1, 0.2}, {"A3", 0.2, 0.3}, {"A4", 0.3, 0.4}};
  static const rf_product_def products[] = {{"TEA1", "Sweet Tea", 540.67, 1, 3.0},
                                            {"COLA", NULL, 330.0, 1, 3.0}};
  static const rf_shelf_def shelf = {"A", 1, 1.5, 1, 0.0, 0.0, plates, 4, 0, 0, 0};
  static const rf_facing_def facings[] = {{"A", "TEA1", 0.0, 0.2, 8}, {"A", "COLA", 0.2, 0.4, 6}};
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  for (size_t i = 0; i < 2; ++i)
    assert_int_equal(rf_store_builder_add_product(b, &products[i]), RF_OK);
  assert_int_equal(rf_store_builder_add_shelf(b, &shelf), RF_OK);
  for (size_t i = 0; i < 2; ++i)
    assert_int_equal(rf_store_builder_add_facing(b, &facings[i]), RF_OK);
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(b, &s), RF_OK);
  rf_store_builder_free(b);
  return s;
}

#endif
