/* store_summary — a small host program over the installed library: reads a scenario file's
 * store description and prints each shelf's facings left to right.
 *
 *   store_summary FILE
 */
#include <inttypes.h>
#include <stdio.h>

#include <retailfuse/retailfuse.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: store_summary FILE\n");
    return 2;
  }
  if (rf_version() != RF_VERSION_NUMBER) {
    fprintf(stderr, "store_summary: headers %s, library %s\n", RF_VERSION_STRING,
            rf_version_string());
    return 1;
  }
  rf_scenario_reader *reader;
  rf_scenario_check *check;
  if (rf_scenario_reader_open(&reader, argv[1], NULL, NULL) != 0) {
    fprintf(stderr, "store_summary: cannot open %s\n", argv[1]);
    return 1;
  }
  if (rf_scenario_check_new(&check, NULL) != 0) return 1;

  /* Take records until the first event: the store description comes first. */
  rf_record rec;
  int rc, status = 0;
  while ((rc = rf_scenario_reader_next(reader, &rec)) == 0 && rec.type <= RF_RECORD_FACING) {
    if (rf_scenario_check_record(check, &rec) != 0) {
      fprintf(stderr, "%s: %s\n", argv[1], rf_scenario_check_errmsg(check));
      status = 1;
    }
  }
  if (rc != 0 && rc != RF_ITEROVER) {
    fprintf(stderr, "%s: %s\n", argv[1], rf_scenario_reader_errmsg(reader));
    status = 1;
  }
  rf_store *store = rf_scenario_check_take_store(check);
  if (store == NULL) status = 1;
  if (status == 0) {
    printf("%" PRIu32 " products, %" PRIu32 " shelves, %" PRIu32 " plates, %" PRIu32 " facings\n",
           rf_store_product_count(store), rf_store_shelf_count(store), rf_store_plate_count(store),
           rf_store_facing_count(store));
    for (uint32_t s = 0; s < rf_store_shelf_count(store); ++s) {
      rf_shelf_def shelf;
      const uint32_t *facings;
      size_t n;
      rf_store_shelf(store, s, &shelf);
      rf_store_shelf_facings(store, s, &facings, &n);
      printf("%s:", shelf.shelf);
      for (size_t i = 0; i < n; ++i) {
        rf_facing_def f;
        rf_product_def p;
        uint32_t pi;
        rf_store_facing(store, facings[i], &f);
        rf_store_find_product(store, f.sku, &pi);
        rf_store_product(store, pi, &p);
        printf(" %s (%.2f g) [%.4f, %.4f]", p.name ? p.name : p.sku, p.weight_g, f.x0, f.x1);
      }
      printf("\n");
    }
  }
  rf_store_free(store);
  rf_scenario_check_free(check);
  rf_scenario_reader_free(reader);
  return status;
}
