/* The store model: building (every validation rule, allocation failure at every point) and
 * reading a finished store back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "test_alloc.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* The builder's last error message must mention `id` in quotes, as every message does. */
static void assert_msg_names(const rf_store_builder *b, const char *id) {
  char quoted[256];
  snprintf(quoted, sizeof quoted, "'%s'", id);
  const char *msg = rf_store_builder_errmsg(b);
  assert_non_null(msg);
  if (strstr(msg, quoted) == NULL) {
    print_error("error message \"%s\" does not name %s\n", msg, quoted);
    fail();
  }
}

static void assert_no_msg(const rf_store_builder *b) {
  assert_string_equal(rf_store_builder_errmsg(b), "");
}

/* Overwrites a caller buffer so that any pointer the store kept into it would read garbage. */
static void scribble(char *buf, size_t size) {
  memset(buf, '#', size - 1);
  buf[size - 1] = '\0';
}

static rf_product_def product(const char *sku, double weight_g) {
  rf_product_def d = {sku, NULL, weight_g, 0, 0.0};
  return d;
}

static rf_shelf_def shelf(const char *id, const rf_plate_def *plates, size_t count) {
  rf_shelf_def d = {id, 0, 0.0, 0, 0.0, 0.0, plates, count, 0, 0.0, 0.0};
  return d;
}

static rf_facing_def facing(const char *shelf_id, const char *sku, double x0, double x1,
                            int64_t count) {
  rf_facing_def d = {shelf_id, sku, x0, x1, count};
  return d;
}

static rf_store_builder *new_builder(void) {
  rf_store_builder *b = (rf_store_builder *)0x1;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  assert_non_null(b);
  assert_no_msg(b);
  return b;
}

static const rf_plate_def base_plates[] = {{"S1P1", 0.0, 0.5}, {"S1P2", 0.5, 1.0}};

/* Products PA (index 0, 100 g) and PB (1, 200 g); shelf S1 (0) with plates S1P1 [0, 0.5] (0) and
 * S1P2 [0.5, 1] (1); one facing (0) of PA on S1 at [0, 0.3], count 5. */
static rf_store_builder *base_builder(void) {
  rf_store_builder *b = new_builder();
  rf_product_def pa = product("PA", 100.0), pb = product("PB", 200.0);
  assert_int_equal(rf_store_builder_add_product(b, &pa), RF_OK);
  assert_int_equal(rf_store_builder_add_product(b, &pb), RF_OK);
  rf_shelf_def s1 = shelf("S1", base_plates, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &s1), RF_OK);
  rf_facing_def f = facing("S1", "PA", 0.0, 0.3, 5);
  assert_int_equal(rf_store_builder_add_facing(b, &f), RF_OK);
  assert_no_msg(b);
  return b;
}

static void assert_counts(const rf_store *s, uint32_t products, uint32_t shelves, uint32_t plates,
                          uint32_t facings) {
  assert_int_equal(rf_store_product_count(s), products);
  assert_int_equal(rf_store_shelf_count(s), shelves);
  assert_int_equal(rf_store_plate_count(s), plates);
  assert_int_equal(rf_store_facing_count(s), facings);
}

/* Finishes and frees the builder, checks the counts, returns the store. */
static rf_store *finish_ok(rf_store_builder *b, uint32_t products, uint32_t shelves,
                           uint32_t plates, uint32_t facings) {
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(b, &s), RF_OK);
  assert_non_null(s);
  assert_no_msg(b);
  rf_store_builder_free(b);
  assert_counts(s, products, shelves, plates, facings);
  return s;
}

/* The base store's contents, unchanged by whatever was refused. */
static void assert_base_intact(const rf_store *s) {
  uint32_t i = 99;
  rf_product_def p;
  assert_int_equal(rf_store_find_product(s, "PA", &i), RF_OK);
  assert_int_equal(i, 0);
  assert_int_equal(rf_store_product(s, 0, &p), RF_OK);
  assert_string_equal(p.sku, "PA");
  assert_null(p.name);
  assert_true(p.weight_g == 100.0);
  assert_int_equal(rf_store_find_product(s, "PB", &i), RF_OK);
  assert_int_equal(i, 1);
  assert_int_equal(rf_store_product(s, 1, &p), RF_OK);
  assert_true(p.weight_g == 200.0);

  rf_shelf_def sh;
  assert_int_equal(rf_store_find_shelf(s, "S1", &i), RF_OK);
  assert_int_equal(i, 0);
  assert_int_equal(rf_store_shelf(s, 0, &sh), RF_OK);
  assert_string_equal(sh.shelf, "S1");
  assert_int_equal(sh.plate_count, 2);
  assert_string_equal(sh.plates[0].plate, "S1P1");
  assert_string_equal(sh.plates[1].plate, "S1P2");
  assert_true(sh.plates[1].x0 == 0.5 && sh.plates[1].x1 == 1.0);
  assert_int_equal(rf_store_find_plate(s, "S1P1", &i), RF_OK);
  assert_int_equal(i, 0);
  assert_int_equal(rf_store_find_plate(s, "S1P2", &i), RF_OK);
  assert_int_equal(i, 1);

  rf_facing_def f;
  assert_int_equal(rf_store_facing(s, 0, &f), RF_OK);
  assert_string_equal(f.shelf, "S1");
  assert_string_equal(f.sku, "PA");
  assert_true(f.x0 == 0.0 && f.x1 == 0.3);
  assert_int_equal(f.count, 5);
}

static uint32_t find_product(const rf_store *s, const char *sku) {
  uint32_t i = UINT32_MAX;
  assert_int_equal(rf_store_find_product(s, sku, &i), RF_OK);
  return i;
}

static uint32_t find_shelf(const rf_store *s, const char *id) {
  uint32_t i = UINT32_MAX;
  assert_int_equal(rf_store_find_shelf(s, id, &i), RF_OK);
  return i;
}

static uint32_t find_plate(const rf_store *s, const char *id) {
  uint32_t i = UINT32_MAX;
  assert_int_equal(rf_store_find_plate(s, id, &i), RF_OK);
  return i;
}

static void assert_no_product(const rf_store *s, const char *sku) {
  uint32_t i = 77;
  assert_int_equal(rf_store_find_product(s, sku, &i), RF_ENOTFOUND);
}

static void assert_no_shelf(const rf_store *s, const char *id) {
  uint32_t i = 77;
  assert_int_equal(rf_store_find_shelf(s, id, &i), RF_ENOTFOUND);
}

static void assert_no_plate(const rf_store *s, const char *id) {
  uint32_t i = 77;
  assert_int_equal(rf_store_find_plate(s, id, &i), RF_ENOTFOUND);
}

/* ---- happy path ---------------------------------------------------------------------------- */

static void test_build_and_read_back(void **state) {
  (void)state;
  rf_store_builder *b = new_builder();

  /* Every string comes from a caller buffer that is overwritten right after the add. */
  char sku[32], name[32], sid[32], pid[3][32];

  strcpy(sku, "SKU-A");
  strcpy(name, "Apple juice 1L");
  rf_product_def pd = {sku, name, 1050.0, 1, 12.5};
  assert_int_equal(rf_store_builder_add_product(b, &pd), RF_OK);
  assert_no_msg(b);
  scribble(sku, sizeof sku);
  scribble(name, sizeof name);

  strcpy(sku, "SKU-B");
  rf_product_def pb = {sku, NULL, 330.0, 0, 99.0}; /* spread not declared: 99 is ignored */
  assert_int_equal(rf_store_builder_add_product(b, &pb), RF_OK);
  scribble(sku, sizeof sku);

  strcpy(sku, "SKU-C");
  strcpy(name, "Crisps");
  rf_product_def pc = {sku, name, 150.0, 1, 0.0};
  assert_int_equal(rf_store_builder_add_product(b, &pc), RF_OK);
  scribble(sku, sizeof sku);
  scribble(name, sizeof name);

  /* S1: noise and position; plates given out of x order (kept in the order given). */
  strcpy(sid, "S1");
  strcpy(pid[0], "S1-P3");
  strcpy(pid[1], "S1-P1");
  strcpy(pid[2], "S1-P2");
  rf_plate_def p1[3] = {{pid[0], 1.0, 1.6}, {pid[1], 0.0, 0.5}, {pid[2], 0.5, 1.0}};
  rf_shelf_def s1 = {sid, 1, 2.5, 1, 1.5, -2.0, p1, 3, 1, 0.0, -4.0}; /* dir kept as (0, -1) */
  assert_int_equal(rf_store_builder_add_shelf(b, &s1), RF_OK);
  assert_no_msg(b);
  scribble(sid, sizeof sid);
  for (int i = 0; i < 3; ++i) scribble(pid[i], sizeof pid[i]);
  memset(p1, 0, sizeof p1);

  /* S2: neither noise nor position declared (the values given are ignored). */
  strcpy(sid, "S2");
  strcpy(pid[0], "S2-P1");
  rf_plate_def p2[1] = {{pid[0], 0.0, 1.2}};
  rf_shelf_def s2 = {sid, 0, 7.0, 0, 3.0, 4.0, p2, 1, 0, 5.0, 5.0};
  assert_int_equal(rf_store_builder_add_shelf(b, &s2), RF_OK);
  scribble(sid, sizeof sid);
  scribble(pid[0], sizeof pid[0]);

  /* S3: noise declared as 0, plates not starting at 0; it gets no facings. */
  strcpy(sid, "S3");
  strcpy(pid[0], "S3-P1");
  strcpy(pid[1], "S3-P2");
  rf_plate_def p3[2] = {{pid[0], 0.2, 0.6}, {pid[1], 0.6, 1.0}};
  rf_shelf_def s3 = {sid, 1, 0.0, 1, -4.25, 8.0, p3, 2, 0, 0.0, 0.0};
  assert_int_equal(rf_store_builder_add_shelf(b, &s3), RF_OK);
  scribble(sid, sizeof sid);
  scribble(pid[0], sizeof pid[0]);
  scribble(pid[1], sizeof pid[1]);

  /* Facings, added out of left-to-right order. */
  struct {
    const char *shelf, *sku;
    double x0, x1;
    int64_t count;
  } fdefs[] = {
      {"S1", "SKU-B", 1.0, 1.5, 4},                /* 0 */
      {"S2", "SKU-A", 0.0, 0.6, RF_COUNT_UNKNOWN}, /* 1 */
      {"S1", "SKU-A", 0.0, 0.4, 0},                /* 2 */
      {"S1", "SKU-C", 0.4, 1.0, 12},               /* 3 */
      {"S2", "SKU-A", 0.6, 1.2, 2},                /* 4: same product again, touching */
  };
  for (size_t i = 0; i < sizeof fdefs / sizeof fdefs[0]; ++i) {
    strcpy(sid, fdefs[i].shelf);
    strcpy(sku, fdefs[i].sku);
    rf_facing_def fd = {sid, sku, fdefs[i].x0, fdefs[i].x1, fdefs[i].count};
    assert_int_equal(rf_store_builder_add_facing(b, &fd), RF_OK);
    assert_no_msg(b);
    scribble(sid, sizeof sid);
    scribble(sku, sizeof sku);
  }

  rf_store *s = finish_ok(b, 3, 3, 6, 5); /* the builder is freed: the store stands alone */

  /* Products. */
  assert_int_equal(find_product(s, "SKU-A"), 0);
  assert_int_equal(find_product(s, "SKU-B"), 1);
  assert_int_equal(find_product(s, "SKU-C"), 2);
  rf_product_def p;
  assert_int_equal(rf_store_product(s, 0, &p), RF_OK);
  assert_string_equal(p.sku, "SKU-A");
  assert_non_null(p.name);
  assert_string_equal(p.name, "Apple juice 1L");
  assert_true(p.weight_g == 1050.0);
  assert_int_equal(p.has_weight_sd, 1);
  assert_true(p.weight_sd_g == 12.5);
  assert_int_equal(rf_store_product(s, 1, &p), RF_OK);
  assert_string_equal(p.sku, "SKU-B");
  assert_null(p.name);
  assert_true(p.weight_g == 330.0);
  assert_int_equal(p.has_weight_sd, 0);
  assert_true(p.weight_sd_g == 0.0);
  assert_int_equal(rf_store_product(s, 2, &p), RF_OK);
  assert_string_equal(p.sku, "SKU-C");
  assert_string_equal(p.name, "Crisps");
  assert_int_equal(p.has_weight_sd, 1);
  assert_true(p.weight_sd_g == 0.0);

  /* Shelves and their plates, numbered shelf by shelf in the order given. */
  assert_int_equal(find_shelf(s, "S1"), 0);
  assert_int_equal(find_shelf(s, "S2"), 1);
  assert_int_equal(find_shelf(s, "S3"), 2);
  assert_int_equal(rf_store_shelf_first_plate(s, 0), 0);
  assert_int_equal(rf_store_shelf_first_plate(s, 1), 3);
  assert_int_equal(rf_store_shelf_first_plate(s, 2), 4);

  rf_shelf_def sh;
  assert_int_equal(rf_store_shelf(s, 0, &sh), RF_OK);
  assert_string_equal(sh.shelf, "S1");
  assert_int_equal(sh.has_noise, 1);
  assert_true(sh.noise_g == 2.5);
  assert_int_equal(sh.has_pos, 1);
  assert_true(sh.pos_x == 1.5 && sh.pos_y == -2.0);
  assert_int_equal(sh.has_dir, 1);
  assert_true(sh.dir_x == 0.0 && sh.dir_y == -1.0);
  assert_int_equal(sh.plate_count, 3);
  assert_non_null(sh.plates);
  assert_string_equal(sh.plates[0].plate, "S1-P3");
  assert_true(sh.plates[0].x0 == 1.0 && sh.plates[0].x1 == 1.6);
  assert_string_equal(sh.plates[1].plate, "S1-P1");
  assert_true(sh.plates[1].x0 == 0.0 && sh.plates[1].x1 == 0.5);
  assert_string_equal(sh.plates[2].plate, "S1-P2");
  assert_true(sh.plates[2].x0 == 0.5 && sh.plates[2].x1 == 1.0);

  assert_int_equal(rf_store_shelf(s, 1, &sh), RF_OK);
  assert_string_equal(sh.shelf, "S2");
  assert_int_equal(sh.has_noise, 0);
  assert_true(sh.noise_g == 0.0);
  assert_int_equal(sh.has_pos, 0);
  assert_true(sh.pos_x == 0.0 && sh.pos_y == 0.0);
  assert_int_equal(sh.has_dir, 0); /* not declared: the values given are not kept */
  assert_true(sh.dir_x == 0.0 && sh.dir_y == 0.0);
  assert_int_equal(sh.plate_count, 1);
  assert_string_equal(sh.plates[0].plate, "S2-P1");
  assert_true(sh.plates[0].x0 == 0.0 && sh.plates[0].x1 == 1.2);

  assert_int_equal(rf_store_shelf(s, 2, &sh), RF_OK);
  assert_string_equal(sh.shelf, "S3");
  assert_int_equal(sh.has_noise, 1);
  assert_true(sh.noise_g == 0.0);
  assert_int_equal(sh.has_pos, 1);
  assert_true(sh.pos_x == -4.25 && sh.pos_y == 8.0);
  assert_int_equal(sh.plate_count, 2);

  static const struct {
    const char *id;
    double x0, x1;
    uint32_t shelf;
  } want_plates[] = {{"S1-P3", 1.0, 1.6, 0}, {"S1-P1", 0.0, 0.5, 0}, {"S1-P2", 0.5, 1.0, 0},
                     {"S2-P1", 0.0, 1.2, 1}, {"S3-P1", 0.2, 0.6, 2}, {"S3-P2", 0.6, 1.0, 2}};
  for (uint32_t i = 0; i < 6; ++i) {
    rf_plate_def pl;
    uint32_t shelf_index = 99;
    assert_int_equal(find_plate(s, want_plates[i].id), i);
    assert_int_equal(rf_store_plate(s, i, &pl, &shelf_index), RF_OK);
    assert_string_equal(pl.plate, want_plates[i].id);
    assert_true(pl.x0 == want_plates[i].x0 && pl.x1 == want_plates[i].x1);
    assert_int_equal(shelf_index, want_plates[i].shelf);
    /* The shelf's plate array is the same storage, indexed from its first plate. */
    assert_int_equal(rf_store_shelf(s, shelf_index, &sh), RF_OK);
    uint32_t first = rf_store_shelf_first_plate(s, shelf_index);
    assert_true(i >= first && i - first < sh.plate_count);
    assert_string_equal(sh.plates[i - first].plate, want_plates[i].id);
  }
  /* Either output may be left out. */
  uint32_t shelf_only = 99;
  assert_int_equal(rf_store_plate(s, 4, NULL, &shelf_only), RF_OK);
  assert_int_equal(shelf_only, 2);
  rf_plate_def plate_only;
  assert_int_equal(rf_store_plate(s, 3, &plate_only, NULL), RF_OK);
  assert_string_equal(plate_only.plate, "S2-P1");

  /* Facings, in the order added, with the store's own ids. */
  for (uint32_t i = 0; i < 5; ++i) {
    rf_facing_def f;
    assert_int_equal(rf_store_facing(s, i, &f), RF_OK);
    assert_string_equal(f.shelf, fdefs[i].shelf);
    assert_string_equal(f.sku, fdefs[i].sku);
    assert_true(f.x0 == fdefs[i].x0 && f.x1 == fdefs[i].x1);
    assert_int_equal(f.count, fdefs[i].count);
  }

  /* Each shelf's facings, left to right. */
  const uint32_t *order = NULL;
  size_t n = 99;
  assert_int_equal(rf_store_shelf_facings(s, 0, &order, &n), RF_OK);
  assert_int_equal(n, 3);
  assert_int_equal(order[0], 2);
  assert_int_equal(order[1], 3);
  assert_int_equal(order[2], 0);
  assert_int_equal(rf_store_shelf_facings(s, 1, &order, &n), RF_OK);
  assert_int_equal(n, 2);
  assert_int_equal(order[0], 1);
  assert_int_equal(order[1], 4);
  assert_int_equal(rf_store_shelf_facings(s, 2, &order, &n), RF_OK);
  assert_int_equal(n, 0);

  /* Unknown ids, and ids of another kind. */
  assert_no_product(s, "SKU-Z");
  assert_no_product(s, "");
  assert_no_product(s, "S1");
  assert_no_shelf(s, "S4");
  assert_no_shelf(s, "SKU-A");
  assert_no_shelf(s, "S1-P1");
  assert_no_plate(s, "S1-P4");
  assert_no_plate(s, "S1");

  /* Past the end. */
  assert_int_equal(rf_store_product(s, 3, &p), RF_ERANGE);
  assert_int_equal(rf_store_product(s, UINT32_MAX, &p), RF_ERANGE);
  assert_int_equal(rf_store_shelf(s, 3, &sh), RF_ERANGE);
  rf_plate_def pl;
  uint32_t si;
  assert_int_equal(rf_store_plate(s, 6, &pl, &si), RF_ERANGE);
  rf_facing_def f;
  assert_int_equal(rf_store_facing(s, 5, &f), RF_ERANGE);
  assert_int_equal(rf_store_shelf_facings(s, 3, &order, &n), RF_ERANGE);
  assert_int_equal(rf_store_shelf_first_plate(s, 3), UINT32_MAX);

  rf_store_free(s);
}

static void test_empty_store(void **state) {
  (void)state;
  rf_store *s = finish_ok(new_builder(), 0, 0, 0, 0);
  assert_no_product(s, "A");
  assert_no_shelf(s, "A");
  assert_no_plate(s, "A");
  rf_product_def p;
  rf_shelf_def sh;
  rf_plate_def pl;
  rf_facing_def f;
  const uint32_t *order;
  size_t n;
  assert_int_equal(rf_store_product(s, 0, &p), RF_ERANGE);
  assert_int_equal(rf_store_shelf(s, 0, &sh), RF_ERANGE);
  assert_int_equal(rf_store_plate(s, 0, &pl, NULL), RF_ERANGE);
  assert_int_equal(rf_store_facing(s, 0, &f), RF_ERANGE);
  assert_int_equal(rf_store_shelf_facings(s, 0, &order, &n), RF_ERANGE);
  assert_int_equal(rf_store_shelf_first_plate(s, 0), UINT32_MAX);
  rf_store_free(s);
}

/* The base fixture as a sanity check, and the store outliving its (freed) builder. */
static void test_base_fixture(void **state) {
  (void)state;
  rf_store *s = finish_ok(base_builder(), 2, 1, 2, 1);
  assert_base_intact(s);
  rf_store_free(s);
}

/* ---- products ------------------------------------------------------------------------------- */

static void test_product_duplicate_sku(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  rf_product_def d = {"PB", "impostor", 999.0, 1, 1.0};
  assert_int_equal(rf_store_builder_add_product(b, &d), RF_EEXISTS);
  assert_msg_names(b, "PB");
  /* The builder still works, and the next product gets the next index. */
  rf_product_def ok = product("PC", 300.0);
  assert_int_equal(rf_store_builder_add_product(b, &ok), RF_OK);
  assert_no_msg(b);
  rf_store *s = finish_ok(b, 3, 1, 2, 1);
  assert_base_intact(s); /* PB kept its own definition */
  rf_product_def p;
  assert_int_equal(rf_store_product(s, 1, &p), RF_OK);
  assert_null(p.name);
  assert_int_equal(p.has_weight_sd, 0);
  assert_int_equal(find_product(s, "PC"), 2);
  rf_store_free(s);
}

static void test_product_missing_sku(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  rf_product_def d = product(NULL, 10.0);
  assert_int_equal(rf_store_builder_add_product(b, &d), RF_EINVAL);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");
  d.sku = "";
  assert_int_equal(rf_store_builder_add_product(b, &d), RF_EINVAL);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");
  rf_store *s = finish_ok(b, 2, 1, 2, 1);
  assert_base_intact(s);
  assert_no_product(s, "");
  rf_store_free(s);
}

static void test_product_bad_weight(void **state) {
  (void)state;
  static const double bad[] = {0.0, -0.0, -1.0, -1e-300, NAN, INFINITY, -INFINITY};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    rf_product_def d = product("PC", bad[i]);
    assert_int_equal(rf_store_builder_add_product(b, &d), RF_ERANGE);
    assert_msg_names(b, "PC");
  }
  rf_product_def d = product("PC", 1e-6); /* tiny but positive is fine */
  assert_int_equal(rf_store_builder_add_product(b, &d), RF_OK);
  assert_no_msg(b);
  rf_store *s = finish_ok(b, 3, 1, 2, 1);
  assert_base_intact(s);
  assert_int_equal(find_product(s, "PC"), 2);
  rf_product_def p;
  assert_int_equal(rf_store_product(s, 2, &p), RF_OK);
  assert_true(p.weight_g == 1e-6);
  rf_store_free(s);
}

static void test_product_bad_weight_sd(void **state) {
  (void)state;
  static const double bad[] = {-0.1, -INFINITY, INFINITY, NAN};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    rf_product_def d = {"PC", "c", 10.0, 1, bad[i]};
    assert_int_equal(rf_store_builder_add_product(b, &d), RF_ERANGE);
    assert_msg_names(b, "PC");
  }
  /* Not declared: the value is not looked at. */
  rf_product_def undeclared = {"PC", "c", 10.0, 0, NAN};
  assert_int_equal(rf_store_builder_add_product(b, &undeclared), RF_OK);
  assert_no_msg(b);
  rf_product_def zero = {"PD", NULL, 10.0, 1, 0.0};
  assert_int_equal(rf_store_builder_add_product(b, &zero), RF_OK);
  rf_store *s = finish_ok(b, 4, 1, 2, 1);
  assert_base_intact(s);
  rf_product_def p;
  assert_int_equal(rf_store_product(s, find_product(s, "PC"), &p), RF_OK);
  assert_int_equal(find_product(s, "PC"), 2);
  assert_int_equal(p.has_weight_sd, 0);
  assert_true(p.weight_sd_g == 0.0);
  assert_int_equal(rf_store_product(s, find_product(s, "PD"), &p), RF_OK);
  assert_int_equal(find_product(s, "PD"), 3);
  assert_int_equal(p.has_weight_sd, 1);
  assert_true(p.weight_sd_g == 0.0);
  rf_store_free(s);
}

/* ---- shelves and plates --------------------------------------------------------------------- */

/* After a refused S2, a valid S2 with plates S2P1 [0, 1] and S2P2 [1, 2] is accepted as shelf 1,
 * plates 2 and 3, and the base is intact. */
static void add_valid_s2_and_check(rf_store_builder *b) {
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}, {"S2P2", 1.0, 2.0}};
  rf_shelf_def d = shelf("S2", plates, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_OK);
  assert_no_msg(b);
  rf_store *s = finish_ok(b, 2, 2, 4, 1);
  assert_base_intact(s);
  assert_int_equal(find_shelf(s, "S2"), 1);
  assert_int_equal(rf_store_shelf_first_plate(s, 1), 2);
  assert_int_equal(find_plate(s, "S2P1"), 2);
  assert_int_equal(find_plate(s, "S2P2"), 3);
  uint32_t si = 9;
  assert_int_equal(rf_store_plate(s, 3, NULL, &si), RF_OK);
  assert_int_equal(si, 1);
  rf_store_free(s);
}

static void test_shelf_duplicate_id(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}};
  rf_shelf_def d = shelf("S1", plates, 1);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EEXISTS);
  assert_msg_names(b, "S1");
  /* The refused shelf registered none of its plates: S2P1 is still free. */
  add_valid_s2_and_check(b);
}

static void test_plate_duplicate_across_shelves(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}, {"S1P2", 1.0, 2.0}};
  rf_shelf_def d = shelf("S2", plates, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EEXISTS);
  assert_msg_names(b, "S1P2");
  assert_msg_names(b, "S2");
  add_valid_s2_and_check(b); /* S1P2 still belongs to S1 (checked there) */
}

static void test_plate_duplicate_within_shelf(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}, {"S2PX", 1.0, 1.5}, {"S2P1", 1.5, 2.0}};
  rf_shelf_def d = shelf("S2", plates, 3);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EEXISTS);
  assert_msg_names(b, "S2P1");
  assert_msg_names(b, "S2");
  add_valid_s2_and_check(b);
}

static void test_plates_overlap(void **state) {
  (void)state;
  static const rf_plate_def partial[] = {{"S2P2", 0.4, 1.0}, {"S2P1", 0.0, 0.5}};
  static const rf_plate_def contained[] = {
      {"S2P1", 0.0, 2.0}, {"S2P3", 2.0, 3.0}, {"S2P2", 0.5, 0.7}};
  static const rf_plate_def same[] = {{"S2P1", 0.0, 1.0}, {"S2P2", 0.0, 1.0}};
  static const rf_plate_def far_apart[] = {
      {"S2P1", 0.0, 1.0}, {"S2P3", 2.0, 3.0}, {"S2P4", 3.0, 4.0}, {"S2P2", 2.5, 2.6}};
  static const struct {
    const rf_plate_def *plates;
    size_t n;
    const char *a, *b;
  } cases[] = {{partial, 2, "S2P1", "S2P2"},
               {contained, 3, "S2P1", "S2P2"},
               {same, 2, "S2P1", "S2P2"},
               {far_apart, 4, "S2P3", "S2P2"}};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    rf_shelf_def d = shelf("S2", cases[i].plates, cases[i].n);
    assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_ERANGE);
    assert_msg_names(b, "S2");
    assert_msg_names(b, cases[i].a);
    assert_msg_names(b, cases[i].b);
  }
  add_valid_s2_and_check(b);
}

static void test_plate_x1_not_after_x0(void **state) {
  (void)state;
  static const rf_plate_def empty[] = {{"S2P1", 0.0, 1.0}, {"S2P2", 1.5, 1.5}};
  static const rf_plate_def reversed[] = {{"S2P2", 1.5, 1.2}, {"S2P1", 0.0, 1.0}};
  rf_store_builder *b = base_builder();
  rf_shelf_def d = shelf("S2", empty, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_ERANGE);
  assert_msg_names(b, "S2P2");
  assert_msg_names(b, "S2");
  d = shelf("S2", reversed, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_ERANGE);
  assert_msg_names(b, "S2P2");
  add_valid_s2_and_check(b);
}

static void test_plate_negative_x0(void **state) {
  (void)state;
  static const rf_plate_def plates[] = {{"S2P1", -0.1, 1.0}};
  rf_store_builder *b = base_builder();
  rf_shelf_def d = shelf("S2", plates, 1);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_ERANGE);
  assert_msg_names(b, "S2P1");
  assert_msg_names(b, "S2");
  add_valid_s2_and_check(b);
}

static void test_plate_non_finite_x(void **state) {
  (void)state;
  static const double xs[][2] = {
      {NAN, 1.0}, {0.0, NAN}, {0.0, INFINITY}, {-INFINITY, 1.0}, {INFINITY, INFINITY}};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    rf_plate_def plates[] = {{"S2P1", 0.0, 0.5}, {"S2P2", xs[i][0], xs[i][1]}};
    rf_shelf_def d = shelf("S2", plates, 2);
    assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_ERANGE);
    assert_msg_names(b, "S2P2");
    assert_msg_names(b, "S2");
  }
  add_valid_s2_and_check(b);
}

static void test_shelf_without_plates(void **state) {
  (void)state;
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}};
  rf_store_builder *b = base_builder();
  rf_shelf_def d = shelf("S2", plates, 0);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EINVAL);
  assert_msg_names(b, "S2");
  d = shelf("S2", NULL, 1);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EINVAL);
  assert_msg_names(b, "S2");
  add_valid_s2_and_check(b);
}

static void test_shelf_missing_id(void **state) {
  (void)state;
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}};
  rf_store_builder *b = base_builder();
  rf_shelf_def d = shelf(NULL, plates, 1);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EINVAL);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");
  d = shelf("", plates, 1);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EINVAL);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");
  add_valid_s2_and_check(b); /* S2P1 was not registered */
}

static void test_plate_missing_id(void **state) {
  (void)state;
  static const rf_plate_def null_id[] = {{"S2P1", 0.0, 1.0}, {NULL, 1.0, 2.0}};
  static const rf_plate_def empty_id[] = {{"", 0.0, 1.0}, {"S2P1", 1.0, 2.0}};
  rf_store_builder *b = base_builder();
  rf_shelf_def d = shelf("S2", null_id, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EINVAL);
  assert_msg_names(b, "S2"); /* the plate has no id: the shelf is named */
  d = shelf("S2", empty_id, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_EINVAL);
  assert_msg_names(b, "S2");
  add_valid_s2_and_check(b);
}

static void test_shelf_bad_noise(void **state) {
  (void)state;
  static const double bad[] = {-0.5, -INFINITY, INFINITY, NAN};
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    rf_shelf_def d = shelf("S2", plates, 1);
    d.has_noise = 1;
    d.noise_g = bad[i];
    assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_ERANGE);
    assert_msg_names(b, "S2");
  }
  /* Not declared: not looked at, read back as 0. Declared 0 is fine. */
  rf_shelf_def d = shelf("S2", plates, 1);
  d.noise_g = NAN;
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_OK);
  assert_no_msg(b);
  static const rf_plate_def plates3[] = {{"S3P1", 0.0, 1.0}};
  rf_shelf_def d3 = shelf("S3", plates3, 1);
  d3.has_noise = 1;
  d3.noise_g = 0.0;
  assert_int_equal(rf_store_builder_add_shelf(b, &d3), RF_OK);
  rf_store *s = finish_ok(b, 2, 3, 4, 1);
  assert_base_intact(s);
  rf_shelf_def sh;
  assert_int_equal(find_shelf(s, "S2"), 1);
  assert_int_equal(rf_store_shelf(s, 1, &sh), RF_OK);
  assert_int_equal(sh.has_noise, 0);
  assert_true(sh.noise_g == 0.0);
  assert_int_equal(find_plate(s, "S2P1"), 2);
  assert_int_equal(rf_store_shelf(s, 2, &sh), RF_OK);
  assert_int_equal(sh.has_noise, 1);
  assert_true(sh.noise_g == 0.0);
  rf_store_free(s);
}

static void test_shelf_bad_pos(void **state) {
  (void)state;
  static const double bad[][2] = {{NAN, 0.0}, {0.0, NAN}, {INFINITY, 1.0}, {1.0, -INFINITY}};
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}, {"S2P2", 1.0, 2.0}};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    rf_shelf_def d = shelf("S2", plates, 2);
    d.has_pos = 1;
    d.pos_x = bad[i][0];
    d.pos_y = bad[i][1];
    assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_ERANGE);
    assert_msg_names(b, "S2");
  }
  rf_shelf_def d = shelf("S2", plates, 2);
  d.has_pos = 0; /* not declared: not looked at */
  d.pos_x = NAN;
  d.pos_y = INFINITY;
  assert_int_equal(rf_store_builder_add_shelf(b, &d), RF_OK);
  rf_store *s = finish_ok(b, 2, 2, 4, 1);
  assert_base_intact(s);
  rf_shelf_def sh;
  assert_int_equal(rf_store_shelf(s, find_shelf(s, "S2"), &sh), RF_OK);
  assert_int_equal(sh.has_pos, 0);
  assert_true(sh.pos_x == 0.0 && sh.pos_y == 0.0);
  rf_store_free(s);
}

/* ---- facings -------------------------------------------------------------------------------- */

/* After refused facings, a valid facing of PB on S1 at [0.5, 0.8] is accepted as facing 1. */
static void add_valid_facing_and_check(rf_store_builder *b) {
  rf_facing_def d = facing("S1", "PB", 0.5, 0.8, 3);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_OK);
  assert_no_msg(b);
  rf_store *s = finish_ok(b, 2, 1, 2, 2);
  assert_base_intact(s);
  rf_facing_def f;
  assert_int_equal(rf_store_facing(s, 1, &f), RF_OK);
  assert_string_equal(f.sku, "PB");
  assert_true(f.x0 == 0.5 && f.x1 == 0.8);
  assert_int_equal(f.count, 3);
  const uint32_t *order;
  size_t n;
  assert_int_equal(rf_store_shelf_facings(s, 0, &order, &n), RF_OK);
  assert_int_equal(n, 2);
  assert_int_equal(order[0], 0);
  assert_int_equal(order[1], 1);
  rf_store_free(s);
}

static void test_facing_outside_plates(void **state) {
  (void)state;
  static const double xs[][2] = {{0.5, 1.2},  {0.9, 1.0 + 1e-6}, {1.5, 2.0},
                                 {-0.2, 0.1}, {-1.0, -0.5},      {-0.1, 1.1}};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    rf_facing_def d = facing("S1", "PB", xs[i][0], xs[i][1], 1);
    assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
    assert_msg_names(b, "PB");
    assert_msg_names(b, "S1");
  }
  add_valid_facing_and_check(b);
}

/* A shelf whose plates do not start at 0: [0, x_min) is outside it. */
static void test_facing_left_of_plates(void **state) {
  (void)state;
  static const rf_plate_def plates[] = {{"S2P2", 0.6, 1.0}, {"S2P1", 0.2, 0.6}};
  rf_store_builder *b = base_builder();
  rf_shelf_def sd = shelf("S2", plates, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &sd), RF_OK);
  rf_facing_def d = facing("S2", "PB", 0.1, 0.4, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
  assert_msg_names(b, "PB");
  assert_msg_names(b, "S2");
  d = facing("S2", "PB", 0.2, 1.0, 1); /* exactly the plates' extent */
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_OK);
  rf_store *s = finish_ok(b, 2, 2, 4, 2);
  assert_base_intact(s);
  rf_facing_def f;
  assert_int_equal(rf_store_facing(s, 1, &f), RF_OK);
  assert_string_equal(f.shelf, "S2");
  assert_true(f.x0 == 0.2 && f.x1 == 1.0);
  rf_store_free(s);
}

static void test_facing_x1_not_after_x0(void **state) {
  (void)state;
  static const double xs[][2] = {{0.6, 0.6}, {0.8, 0.5},      {NAN, 0.8},
                                 {0.5, NAN}, {0.5, INFINITY}, {-INFINITY, 0.8}};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    rf_facing_def d = facing("S1", "PB", xs[i][0], xs[i][1], 1);
    assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
    assert_msg_names(b, "PB");
    assert_msg_names(b, "S1");
  }
  add_valid_facing_and_check(b);
}

static void test_facing_unknown_sku(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  rf_facing_def d = facing("S1", "PZ", 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ENOTFOUND);
  assert_msg_names(b, "PZ");
  d = facing("S1", "S1", 0.5, 0.8, 1); /* a shelf id is not a sku */
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ENOTFOUND);
  add_valid_facing_and_check(b);
}

static void test_facing_unknown_shelf(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  rf_facing_def d = facing("S9", "PB", 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ENOTFOUND);
  assert_msg_names(b, "S9");
  d = facing("S1P1", "PB", 0.5, 0.8, 1); /* a plate id is not a shelf */
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ENOTFOUND);
  assert_msg_names(b, "S1P1");
  add_valid_facing_and_check(b);
}

static void test_facing_missing_ids(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  rf_facing_def d = facing(NULL, "PB", 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_EINVAL);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");
  d = facing("", "PB", 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_EINVAL);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");
  d = facing("S1", NULL, 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_EINVAL);
  assert_msg_names(b, "S1");
  d = facing("S1", "", 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_EINVAL);
  assert_msg_names(b, "S1");
  add_valid_facing_and_check(b);
}

static void test_facings_overlap_other_product(void **state) {
  (void)state;
  static const double xs[][2] = {{0.2, 0.5}, {0.0, 1.0}, {0.1, 0.2}, {0.0, 0.3}};
  rf_store_builder *b = base_builder(); /* PA at [0, 0.3] */
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    rf_facing_def d = facing("S1", "PB", xs[i][0], xs[i][1], 1);
    assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
    assert_msg_names(b, "PB");
    assert_msg_names(b, "PA");
    assert_msg_names(b, "S1");
  }
  add_valid_facing_and_check(b);
}

static void test_facings_overlap_same_product(void **state) {
  (void)state;
  rf_store_builder *b = base_builder(); /* PA at [0, 0.3] */
  rf_facing_def d = facing("S1", "PA", 0.25, 0.6, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
  assert_msg_names(b, "PA");
  assert_msg_names(b, "S1");
  d = facing("S1", "PA", 0.0, 0.3, 1); /* the very same facing again */
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
  assert_msg_names(b, "PA");
  add_valid_facing_and_check(b);
}

/* The overlap check covers every earlier facing on the shelf, not just the newest. */
static void test_facings_overlap_older_facing(void **state) {
  (void)state;
  rf_store_builder *b = base_builder(); /* PA at [0, 0.3] */
  rf_facing_def d = facing("S1", "PB", 0.7, 0.9, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_OK);
  d = facing("S1", "PB", 0.9, 1.0, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_OK);
  d = facing("S1", "PB", 0.1, 0.2, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
  assert_msg_names(b, "PA");
  d = facing("S1", "PA", 0.75, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
  assert_msg_names(b, "PB");
  rf_store *s = finish_ok(b, 2, 1, 2, 3);
  assert_base_intact(s);
  rf_store_free(s);
}

static void test_facing_negative_count(void **state) {
  (void)state;
  static const int64_t bad[] = {-2, -100, INT64_MIN};
  rf_store_builder *b = base_builder();
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    rf_facing_def d = facing("S1", "PB", 0.5, 0.8, bad[i]);
    assert_int_equal(rf_store_builder_add_facing(b, &d), RF_ERANGE);
    assert_msg_names(b, "PB");
    assert_msg_names(b, "S1");
  }
  static const int64_t good[] = {RF_COUNT_UNKNOWN, 0, INT64_MAX};
  for (size_t i = 0; i < 3; ++i) {
    rf_facing_def d =
        facing("S1", "PB", 0.5 + 0.1 * (double)i, 0.5 + 0.1 * (double)(i + 1), good[i]);
    assert_int_equal(rf_store_builder_add_facing(b, &d), RF_OK);
  }
  rf_store *s = finish_ok(b, 2, 1, 2, 4);
  assert_base_intact(s);
  for (uint32_t i = 0; i < 3; ++i) {
    rf_facing_def f;
    assert_int_equal(rf_store_facing(s, i + 1, &f), RF_OK);
    assert_int_equal(f.count, good[i]);
  }
  rf_store_free(s);
}

/* Plates and facings that touch (end where the next begins, up to float rounding) are fine, and
 * facings on different shelves never clash. */
static void test_touching_accepted(void **state) {
  (void)state;
  const double third = 0.1 + 0.2; /* 0.30000000000000004 */
  /* Ids deliberately not in x order: the overlap check must sort by position, not by id. */
  const rf_plate_def plates[] = {{"S2PA", 0.3, 0.6}, {"S2PC", 0.0, third}, {"S2PB", 0.6, 1.0}};
  rf_store_builder *b = base_builder();
  rf_shelf_def sd = shelf("S2", plates, 3);
  assert_int_equal(rf_store_builder_add_shelf(b, &sd), RF_OK);
  assert_no_msg(b);
  const rf_facing_def fs[] = {
      facing("S2", "PB", 0.3, 0.6, 1), facing("S2", "PA", 0.0, third, 1),
      facing("S2", "PA", 0.6, 1.0, 1), /* right at the shelf's edge */
      facing("S1", "PB", 0.3, 0.6, 1), /* touches PA [0, 0.3] on S1 */
      facing("S1", "PA", 0.6, 1.0, 1),
  };
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; ++i) {
    assert_int_equal(rf_store_builder_add_facing(b, &fs[i]), RF_OK);
    assert_no_msg(b);
  }
  rf_store *s = finish_ok(b, 2, 2, 5, 6);
  assert_base_intact(s);
  assert_int_equal(find_plate(s, "S2PA"), 2); /* still in the order given */
  assert_int_equal(find_plate(s, "S2PC"), 3);
  assert_int_equal(find_plate(s, "S2PB"), 4);
  const uint32_t *order;
  size_t n;
  assert_int_equal(rf_store_shelf_facings(s, 1, &order, &n), RF_OK);
  assert_int_equal(n, 3);
  assert_int_equal(order[0], 2);
  assert_int_equal(order[1], 1);
  assert_int_equal(order[2], 3);
  assert_int_equal(rf_store_shelf_facings(s, 0, &order, &n), RF_OK);
  assert_int_equal(n, 3);
  assert_int_equal(order[0], 0);
  assert_int_equal(order[1], 4);
  assert_int_equal(order[2], 5);
  rf_store_free(s);
}

/* Ids longer than the string pool's usual block, on every kind of definition. */
static void test_long_ids(void **state) {
  (void)state;
  enum { LEN = 3000 };
  static char sku[LEN + 1], name[LEN + 1], sid[LEN + 1], pid[3][LEN + 1];
  memset(sku, 'k', LEN);
  memset(name, 'n', LEN);
  memset(sid, 's', LEN);
  for (int i = 0; i < 3; ++i) {
    memset(pid[i], 'p', LEN);
    pid[i][LEN - 1] = (char)('0' + i); /* distinct, differing only at the end */
  }
  rf_store_builder *b = base_builder();
  rf_product_def pd = {sku, name, 5.0, 0, 0.0};
  assert_int_equal(rf_store_builder_add_product(b, &pd), RF_OK);
  rf_plate_def plates[3] = {{pid[0], 0.0, 1.0}, {pid[1], 1.0, 2.0}, {pid[2], 2.0, 3.0}};
  rf_shelf_def sd = shelf(sid, plates, 3);
  assert_int_equal(rf_store_builder_add_shelf(b, &sd), RF_OK);
  rf_facing_def fd = facing(sid, sku, 0.5, 2.5, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &fd), RF_OK);
  /* A refused duplicate still names the long id (the message may be truncated, so check the
   * start only). */
  assert_int_equal(rf_store_builder_add_product(b, &pd), RF_EEXISTS);
  assert_non_null(strstr(rf_store_builder_errmsg(b), "'kkkkkkkk"));

  char copy[3][LEN + 1];
  memcpy(copy, pid, sizeof copy);
  char sku_copy[LEN + 1], name_copy[LEN + 1], sid_copy[LEN + 1];
  memcpy(sku_copy, sku, sizeof sku);
  memcpy(name_copy, name, sizeof name);
  memcpy(sid_copy, sid, sizeof sid);
  scribble(sku, sizeof sku);
  scribble(name, sizeof name);
  scribble(sid, sizeof sid);
  for (int i = 0; i < 3; ++i) scribble(pid[i], sizeof pid[i]);

  rf_store *s = finish_ok(b, 3, 2, 5, 2);
  assert_base_intact(s);
  assert_int_equal(find_product(s, sku_copy), 2);
  rf_product_def p;
  assert_int_equal(rf_store_product(s, 2, &p), RF_OK);
  assert_string_equal(p.sku, sku_copy);
  assert_string_equal(p.name, name_copy);
  assert_int_equal(find_shelf(s, sid_copy), 1);
  for (uint32_t i = 0; i < 3; ++i) {
    assert_int_equal(find_plate(s, copy[i]), 2 + i);
    rf_plate_def pl;
    assert_int_equal(rf_store_plate(s, 2 + i, &pl, NULL), RF_OK);
    assert_string_equal(pl.plate, copy[i]);
  }
  rf_facing_def f;
  assert_int_equal(rf_store_facing(s, 1, &f), RF_OK);
  assert_string_equal(f.shelf, sid_copy);
  assert_string_equal(f.sku, sku_copy);
  rf_store_free(s);
}

/* One shelf with many plates and many facings, added right to left: every plate id is found,
 * and the facings come back left to right. */
static void test_many_plates_and_facings(void **state) {
  (void)state;
  enum { N = 100 };
  static char pids[N][16];
  static rf_plate_def plates[N];
  for (int i = 0; i < N; ++i) {
    snprintf(pids[i], sizeof pids[i], "BIG-P%d", i);
    plates[i].plate = pids[i];
    plates[i].x0 = 0.25 * i;
    plates[i].x1 = 0.25 * (i + 1);
  }
  rf_store_builder *b = base_builder();
  rf_shelf_def sd = shelf("BIG", plates, N);
  assert_int_equal(rf_store_builder_add_shelf(b, &sd), RF_OK);
  for (int i = N - 1; i >= 0; --i) {
    rf_facing_def fd = facing("BIG", i % 2 ? "PA" : "PB", 0.25 * i, 0.25 * (i + 1), i);
    assert_int_equal(rf_store_builder_add_facing(b, &fd), RF_OK);
  }
  rf_facing_def clash = facing("BIG", "PA", 0.25 * 37 + 0.1, 0.25 * 37 + 0.2, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &clash), RF_ERANGE);
  rf_store *s = finish_ok(b, 2, 2, 2 + N, 1 + N);
  assert_base_intact(s);
  assert_int_equal(rf_store_shelf_first_plate(s, 1), 2);
  for (uint32_t i = 0; i < N; ++i) {
    uint32_t si = 9;
    assert_int_equal(find_plate(s, pids[i]), 2 + i);
    assert_int_equal(rf_store_plate(s, 2 + i, NULL, &si), RF_OK);
    assert_int_equal(si, 1);
  }
  const uint32_t *order;
  size_t n;
  assert_int_equal(rf_store_shelf_facings(s, 1, &order, &n), RF_OK);
  assert_int_equal(n, N);
  for (uint32_t i = 0; i < N; ++i) {
    /* Facing at slot i was added (N - 1 - i)-th after the base facing. */
    assert_int_equal(order[i], 1 + (N - 1 - i));
    rf_facing_def f;
    assert_int_equal(rf_store_facing(s, order[i], &f), RF_OK);
    assert_true(f.x0 == 0.25 * i);
    assert_int_equal(f.count, i);
  }
  assert_int_equal(rf_store_shelf_facings(s, 0, &order, &n), RF_OK);
  assert_int_equal(n, 1);
  assert_int_equal(order[0], 0);
  rf_store_free(s);
}

/* ---- misuse, NULL arguments, allocators ------------------------------------------------------ */

static void test_adds_after_finish(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(b, &s), RF_OK);
  assert_non_null(s);

  rf_product_def p = product("PC", 1.0);
  assert_int_equal(rf_store_builder_add_product(b, &p), RF_EMISUSE);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}};
  rf_shelf_def sd = shelf("S2", plates, 1);
  assert_int_equal(rf_store_builder_add_shelf(b, &sd), RF_EMISUSE);
  rf_facing_def f = facing("S1", "PB", 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_facing(b, &f), RF_EMISUSE);
  /* Even an invalid definition gets EMISUSE, not a validation error. */
  rf_product_def bad = product("PA", -1.0);
  assert_int_equal(rf_store_builder_add_product(b, &bad), RF_EMISUSE);

  rf_store *again = (rf_store *)0x1;
  assert_int_equal(rf_store_builder_finish(b, &again), RF_EMISUSE);
  assert_null(again);
  assert_string_not_equal(rf_store_builder_errmsg(b), "");

  /* The store did not see any of it. */
  rf_store_builder_free(b);
  assert_counts(s, 2, 1, 2, 1);
  assert_base_intact(s);
  assert_no_product(s, "PC");
  assert_no_shelf(s, "S2");
  rf_store_free(s);
}

static void test_null_arguments(void **state) {
  (void)state;
  assert_int_equal(rf_store_builder_new(NULL, NULL), RF_EINVAL);

  rf_store_builder *b = base_builder();
  rf_product_def p = product("PC", 1.0);
  static const rf_plate_def plates[] = {{"S2P1", 0.0, 1.0}};
  rf_shelf_def sd = shelf("S2", plates, 1);
  rf_facing_def f = facing("S1", "PB", 0.5, 0.8, 1);
  assert_int_equal(rf_store_builder_add_product(NULL, &p), RF_EINVAL);
  assert_int_equal(rf_store_builder_add_shelf(NULL, &sd), RF_EINVAL);
  assert_int_equal(rf_store_builder_add_facing(NULL, &f), RF_EINVAL);
  assert_int_equal(rf_store_builder_add_product(b, NULL), RF_EINVAL);
  assert_int_equal(rf_store_builder_add_shelf(b, NULL), RF_EINVAL);
  assert_int_equal(rf_store_builder_add_facing(b, NULL), RF_EINVAL);
  rf_store *s = NULL;
  assert_int_equal(rf_store_builder_finish(NULL, &s), RF_EINVAL);
  assert_int_equal(rf_store_builder_finish(b, NULL), RF_EINVAL);
  assert_string_equal(rf_store_builder_errmsg(NULL), "");

  s = finish_ok(b, 2, 1, 2, 1); /* none of the above touched the builder */
  assert_base_intact(s);

  uint32_t i;
  assert_int_equal(rf_store_find_product(NULL, "PA", &i), RF_EINVAL);
  assert_int_equal(rf_store_find_product(s, NULL, &i), RF_EINVAL);
  assert_int_equal(rf_store_find_product(s, "PA", NULL), RF_EINVAL);
  assert_int_equal(rf_store_find_shelf(NULL, "S1", &i), RF_EINVAL);
  assert_int_equal(rf_store_find_shelf(s, NULL, &i), RF_EINVAL);
  assert_int_equal(rf_store_find_shelf(s, "S1", NULL), RF_EINVAL);
  assert_int_equal(rf_store_find_plate(NULL, "S1P1", &i), RF_EINVAL);
  assert_int_equal(rf_store_find_plate(s, NULL, &i), RF_EINVAL);
  assert_int_equal(rf_store_find_plate(s, "S1P1", NULL), RF_EINVAL);
  rf_product_def pd;
  rf_shelf_def shd;
  rf_facing_def fd;
  rf_plate_def pl;
  assert_int_equal(rf_store_product(NULL, 0, &pd), RF_EINVAL);
  assert_int_equal(rf_store_product(s, 0, NULL), RF_EINVAL);
  assert_int_equal(rf_store_shelf(NULL, 0, &shd), RF_EINVAL);
  assert_int_equal(rf_store_shelf(s, 0, NULL), RF_EINVAL);
  assert_int_equal(rf_store_facing(NULL, 0, &fd), RF_EINVAL);
  assert_int_equal(rf_store_facing(s, 0, NULL), RF_EINVAL);
  assert_int_equal(rf_store_plate(NULL, 0, &pl, &i), RF_EINVAL);
  const uint32_t *order;
  size_t n;
  assert_int_equal(rf_store_shelf_facings(NULL, 0, &order, &n), RF_EINVAL);
  assert_int_equal(rf_store_shelf_facings(s, 0, NULL, &n), RF_EINVAL);
  assert_int_equal(rf_store_shelf_facings(s, 0, &order, NULL), RF_EINVAL);
  assert_int_equal(rf_store_shelf_first_plate(NULL, 0), UINT32_MAX);
  assert_counts(NULL, 0, 0, 0, 0);
  rf_store_free(s);
}

/* The message is the detail of the last error: a call refused for a NULL argument must not leave
 * an older error's message (naming some other id) in place. */
static void test_null_argument_replaces_message(void **state) {
  (void)state;
  rf_store_builder *b = base_builder();
  rf_product_def dup = product("PA", 1.0);
  static const rf_plate_def plates[] = {{"S1P1", 0.0, 1.0}};
  rf_shelf_def dup_shelf = shelf("S1", plates, 1);
  rf_facing_def unknown = facing("S1", "PZ", 0.5, 0.8, 1);

  assert_int_equal(rf_store_builder_add_product(b, &dup), RF_EEXISTS);
  assert_msg_names(b, "PA");
  assert_int_equal(rf_store_builder_add_product(b, NULL), RF_EINVAL);
  assert_null(strstr(rf_store_builder_errmsg(b), "'PA'"));

  assert_int_equal(rf_store_builder_add_shelf(b, &dup_shelf), RF_EEXISTS);
  assert_msg_names(b, "S1");
  assert_int_equal(rf_store_builder_add_shelf(b, NULL), RF_EINVAL);
  assert_null(strstr(rf_store_builder_errmsg(b), "'S1'"));

  assert_int_equal(rf_store_builder_add_facing(b, &unknown), RF_ENOTFOUND);
  assert_msg_names(b, "PZ");
  assert_int_equal(rf_store_builder_add_facing(b, NULL), RF_EINVAL);
  assert_null(strstr(rf_store_builder_errmsg(b), "'PZ'"));

  assert_int_equal(rf_store_builder_add_facing(b, &unknown), RF_ENOTFOUND);
  assert_int_equal(rf_store_builder_finish(b, NULL), RF_EINVAL);
  assert_null(strstr(rf_store_builder_errmsg(b), "'PZ'"));

  rf_store *s = finish_ok(b, 2, 1, 2, 1);
  assert_base_intact(s);
  rf_store_free(s);
}

static void test_free_null(void **state) {
  (void)state;
  rf_store_free(NULL);
  rf_store_builder_free(NULL);
  /* And a builder freed without finishing gives everything back. */
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, 0);
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, &a), RF_OK);
  rf_product_def p = product("PA", 1.0);
  assert_int_equal(rf_store_builder_add_product(b, &p), RF_OK);
  rf_shelf_def sd = shelf("S1", base_plates, 2);
  assert_int_equal(rf_store_builder_add_shelf(b, &sd), RF_OK);
  rf_facing_def f = facing("S1", "PA", 0.0, 0.3, 5);
  assert_int_equal(rf_store_builder_add_facing(b, &f), RF_OK);
  assert_true(st.live > 0);
  rf_store_builder_free(b);
  assert_int_equal(st.live, 0);
}

static void test_allocator_missing_hook(void **state) {
  (void)state;
  test_alloc st;
  for (int hook = 0; hook < 3; ++hook) {
    rf_allocator a = test_alloc_make(&st, 0);
    if (hook == 0) a.malloc_fn = NULL;
    if (hook == 1) a.realloc_fn = NULL;
    if (hook == 2) a.free_fn = NULL;
    rf_store_builder *b = (rf_store_builder *)0x1;
    assert_int_equal(rf_store_builder_new(&b, &a), RF_EINVAL);
    assert_null(b);
    assert_int_equal(st.calls, 0);
    assert_int_equal(st.live, 0);
  }
  /* The allocator struct need not outlive the call: only the payload must. */
  rf_store_builder *b = NULL;
  {
    rf_allocator a = test_alloc_make(&st, 0);
    assert_int_equal(rf_store_builder_new(&b, &a), RF_OK);
    memset(&a, 0, sizeof a);
  }
  rf_product_def p = product("PA", 1.0);
  assert_int_equal(rf_store_builder_add_product(b, &p), RF_OK);
  rf_store *s = finish_ok(b, 1, 0, 0, 0);
  assert_true(st.live > 0);
  rf_store_free(s);
  assert_int_equal(st.live, 0);
}

/* ---- allocation failure at every allocation point -------------------------------------------- */

/* Enough of everything that every array and id map grows past its first capacity, and one name
 * too long for a regular string-pool chunk. */
enum { AF_PRODUCTS = 10, AF_SHELVES = 3, AF_PLATES = 4, AF_FACINGS = 10 };
enum { AF_STEPS = AF_PRODUCTS + AF_SHELVES + AF_FACINGS };
enum { AF_LONG = 3 };

typedef struct af_fixture {
  char skus[AF_PRODUCTS][16];
  char names[AF_PRODUCTS][16];
  char long_name[5000];
  rf_product_def products[AF_PRODUCTS];
  char shelf_ids[AF_SHELVES][16];
  char plate_ids[AF_SHELVES][AF_PLATES][16];
  rf_plate_def plates[AF_SHELVES][AF_PLATES];
  rf_shelf_def shelves[AF_SHELVES];
  rf_facing_def facings[AF_FACINGS];
} af_fixture;

static void af_init(af_fixture *fx) {
  memset(fx, 0, sizeof *fx);
  memset(fx->long_name, 'n', sizeof fx->long_name - 1);
  for (int k = 0; k < AF_PRODUCTS; ++k) {
    snprintf(fx->skus[k], sizeof fx->skus[k], "AF-P%d", k);
    snprintf(fx->names[k], sizeof fx->names[k], "name %d", k);
    rf_product_def *p = &fx->products[k];
    p->sku = fx->skus[k];
    p->name = k == AF_LONG ? fx->long_name : (k % 3 == 1 ? NULL : fx->names[k]);
    p->weight_g = 100.0 + k;
    p->has_weight_sd = k % 2;
    p->weight_sd_g = k % 2 ? 0.5 * k : 0.0;
  }
  for (int i = 0; i < AF_SHELVES; ++i) {
    snprintf(fx->shelf_ids[i], sizeof fx->shelf_ids[i], "AF-S%d", i);
    for (int j = 0; j < AF_PLATES; ++j) {
      snprintf(fx->plate_ids[i][j], sizeof fx->plate_ids[i][j], "AF-S%dP%d", i, j);
      fx->plates[i][j].plate = fx->plate_ids[i][j];
      fx->plates[i][j].x0 = 0.5 * j;
      fx->plates[i][j].x1 = 0.5 * (j + 1);
    }
    rf_shelf_def *s = &fx->shelves[i];
    s->shelf = fx->shelf_ids[i];
    s->has_noise = 1;
    s->noise_g = 1.0 + i;
    s->plates = fx->plates[i];
    s->plate_count = AF_PLATES;
  }
  /* Facing k: product k on shelf k % 3, slot k / 3 from the left. */
  for (int k = 0; k < AF_FACINGS; ++k) {
    rf_facing_def *f = &fx->facings[k];
    f->shelf = fx->shelf_ids[k % AF_SHELVES];
    f->sku = fx->skus[k];
    f->x0 = 0.5 * (k / AF_SHELVES);
    f->x1 = f->x0 + 0.4;
    f->count = k;
  }
}

/* Steps: all products, then all shelves, then all facings. */
static int af_step(rf_store_builder *b, const af_fixture *fx, int j) {
  if (j < AF_PRODUCTS) return rf_store_builder_add_product(b, &fx->products[j]);
  j -= AF_PRODUCTS;
  if (j < AF_SHELVES) return rf_store_builder_add_shelf(b, &fx->shelves[j]);
  j -= AF_SHELVES;
  return rf_store_builder_add_facing(b, &fx->facings[j]);
}

static void af_assert_msg(const rf_store_builder *b, const af_fixture *fx, int j) {
  if (j < AF_PRODUCTS) {
    assert_msg_names(b, fx->skus[j]);
  } else if (j < AF_PRODUCTS + AF_SHELVES) {
    assert_msg_names(b, fx->shelf_ids[j - AF_PRODUCTS]);
  } else {
    const rf_facing_def *f = &fx->facings[j - AF_PRODUCTS - AF_SHELVES];
    assert_msg_names(b, f->sku);
    assert_msg_names(b, f->shelf);
  }
}

static int af_clamp(int v, int hi) { return v < 0 ? 0 : (v > hi ? hi : v); }

/* The store holds exactly the first `done` steps' definitions. */
static void af_check(const rf_store *s, const af_fixture *fx, int done) {
  int np = af_clamp(done, AF_PRODUCTS);
  int ns = af_clamp(done - AF_PRODUCTS, AF_SHELVES);
  int nf = af_clamp(done - AF_PRODUCTS - AF_SHELVES, AF_FACINGS);
  assert_counts(s, (uint32_t)np, (uint32_t)ns, (uint32_t)(ns * AF_PLATES), (uint32_t)nf);
  for (int k = 0; k < AF_PRODUCTS; ++k) {
    if (k >= np) {
      assert_no_product(s, fx->skus[k]);
      continue;
    }
    assert_int_equal(find_product(s, fx->skus[k]), k);
    rf_product_def p;
    assert_int_equal(rf_store_product(s, (uint32_t)k, &p), RF_OK);
    assert_string_equal(p.sku, fx->skus[k]);
    if (fx->products[k].name == NULL) assert_null(p.name);
    else assert_string_equal(p.name, fx->products[k].name);
    assert_true(p.weight_g == fx->products[k].weight_g);
    assert_int_equal(p.has_weight_sd, fx->products[k].has_weight_sd);
    assert_true(p.weight_sd_g == fx->products[k].weight_sd_g);
  }
  for (int i = 0; i < AF_SHELVES; ++i) {
    if (i >= ns) {
      assert_no_shelf(s, fx->shelf_ids[i]);
      for (int j = 0; j < AF_PLATES; ++j) assert_no_plate(s, fx->plate_ids[i][j]);
      continue;
    }
    assert_int_equal(find_shelf(s, fx->shelf_ids[i]), i);
    assert_int_equal(rf_store_shelf_first_plate(s, (uint32_t)i), i * AF_PLATES);
    rf_shelf_def sh;
    assert_int_equal(rf_store_shelf(s, (uint32_t)i, &sh), RF_OK);
    assert_string_equal(sh.shelf, fx->shelf_ids[i]);
    assert_true(sh.noise_g == fx->shelves[i].noise_g);
    assert_int_equal(sh.plate_count, AF_PLATES);
    for (int j = 0; j < AF_PLATES; ++j) {
      uint32_t index = (uint32_t)(i * AF_PLATES + j), si = 99;
      assert_int_equal(find_plate(s, fx->plate_ids[i][j]), index);
      rf_plate_def pl;
      assert_int_equal(rf_store_plate(s, index, &pl, &si), RF_OK);
      assert_string_equal(pl.plate, fx->plate_ids[i][j]);
      assert_true(pl.x0 == fx->plates[i][j].x0 && pl.x1 == fx->plates[i][j].x1);
      assert_int_equal(si, i);
      assert_string_equal(sh.plates[j].plate, fx->plate_ids[i][j]);
    }
  }
  for (int k = 0; k < nf; ++k) {
    rf_facing_def f;
    assert_int_equal(rf_store_facing(s, (uint32_t)k, &f), RF_OK);
    assert_string_equal(f.shelf, fx->facings[k].shelf);
    assert_string_equal(f.sku, fx->facings[k].sku);
    assert_true(f.x0 == fx->facings[k].x0 && f.x1 == fx->facings[k].x1);
    assert_int_equal(f.count, fx->facings[k].count);
  }
  rf_facing_def f;
  assert_int_equal(rf_store_facing(s, (uint32_t)nf, &f), RF_ERANGE);
  /* Facings were added left to right within each shelf, so each shelf lists k, k + 3, ... */
  for (int i = 0; i < ns; ++i) {
    const uint32_t *order;
    size_t n;
    assert_int_equal(rf_store_shelf_facings(s, (uint32_t)i, &order, &n), RF_OK);
    size_t want = 0;
    for (int k = i; k < nf; k += AF_SHELVES) {
      assert_true(want < n);
      assert_int_equal(order[want], k);
      ++want;
    }
    assert_int_equal(n, want);
  }
}

/* One build with allocation `fail_at` failing (0: none). With `retry`, the failed call is repeated
 * and the build completed; without, the builder is finished right away. Checks the result and
 * that nothing leaked; returns the number of allocations made and whether one was refused. */
static long af_run(const af_fixture *fx, long fail_at, int retry, int *injected) {
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, fail_at);
  rf_store_builder *b = (rf_store_builder *)0x1;
  int rc = rf_store_builder_new(&b, &a);
  if (st.failed) {
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(b);
    assert_int_equal(st.live, 0);
    *injected = 1;
    return st.calls;
  }
  assert_int_equal(rc, RF_OK);

  int done = 0;
  for (int j = 0; j < AF_STEPS; ++j) {
    int before = st.failed;
    rc = af_step(b, fx, j);
    if (st.failed && !before) {
      assert_int_equal(rc, RF_ENOMEM);
      af_assert_msg(b, fx, j);
      if (!retry) break;
      rc = af_step(b, fx, j); /* the same add, now with memory */
    }
    assert_int_equal(rc, RF_OK);
    assert_no_msg(b);
    done = j + 1;
  }

  rf_store *s = (rf_store *)0x1;
  int before = st.failed;
  rc = rf_store_builder_finish(b, &s);
  if (st.failed && !before) {
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(s);
    assert_string_not_equal(rf_store_builder_errmsg(b), "");
    rc = rf_store_builder_finish(b, &s); /* the builder is not spent by a failed finish */
  }
  assert_int_equal(rc, RF_OK);
  assert_non_null(s);
  rf_store_builder_free(b);
  af_check(s, fx, done);
  rf_store_free(s);
  assert_int_equal(st.live, 0);
  *injected = st.failed;
  return st.calls;
}

static void test_allocation_failures(void **state) {
  (void)state;
  static af_fixture fx;
  af_init(&fx);

  int injected = 0;
  long total = af_run(&fx, 0, 1, &injected);
  assert_false(injected);
  /* Not vacuous: the build allocates at many points (builder, store, each array's first block and
   * growth, id maps, string-pool chunks, shelf scratch, finish). */
  assert_true(total >= 20);

  long failures = 0;
  for (long k = 1; k <= total; ++k) {
    for (int retry = 0; retry <= 1; ++retry) {
      injected = 0;
      af_run(&fx, k, retry, &injected);
      if (!injected) {
        print_error("allocation %ld of %ld was never made (retry %d)\n", k, total, retry);
        fail();
      }
    }
    ++failures;
  }
  assert_int_equal(failures, total);

  /* Past the last allocation nothing fails. */
  injected = 1;
  assert_int_equal(af_run(&fx, total + 1, 0, &injected), total);
  assert_false(injected);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build_and_read_back),
      cmocka_unit_test(test_empty_store),
      cmocka_unit_test(test_base_fixture),
      cmocka_unit_test(test_product_duplicate_sku),
      cmocka_unit_test(test_product_missing_sku),
      cmocka_unit_test(test_product_bad_weight),
      cmocka_unit_test(test_product_bad_weight_sd),
      cmocka_unit_test(test_shelf_duplicate_id),
      cmocka_unit_test(test_plate_duplicate_across_shelves),
      cmocka_unit_test(test_plate_duplicate_within_shelf),
      cmocka_unit_test(test_plates_overlap),
      cmocka_unit_test(test_plate_x1_not_after_x0),
      cmocka_unit_test(test_plate_negative_x0),
      cmocka_unit_test(test_plate_non_finite_x),
      cmocka_unit_test(test_shelf_without_plates),
      cmocka_unit_test(test_shelf_missing_id),
      cmocka_unit_test(test_plate_missing_id),
      cmocka_unit_test(test_shelf_bad_noise),
      cmocka_unit_test(test_shelf_bad_pos),
      cmocka_unit_test(test_facing_outside_plates),
      cmocka_unit_test(test_facing_left_of_plates),
      cmocka_unit_test(test_facing_x1_not_after_x0),
      cmocka_unit_test(test_facing_unknown_sku),
      cmocka_unit_test(test_facing_unknown_shelf),
      cmocka_unit_test(test_facing_missing_ids),
      cmocka_unit_test(test_facings_overlap_other_product),
      cmocka_unit_test(test_facings_overlap_same_product),
      cmocka_unit_test(test_facings_overlap_older_facing),
      cmocka_unit_test(test_facing_negative_count),
      cmocka_unit_test(test_touching_accepted),
      cmocka_unit_test(test_long_ids),
      cmocka_unit_test(test_many_plates_and_facings),
      cmocka_unit_test(test_adds_after_finish),
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_null_argument_replaces_message),
      cmocka_unit_test(test_free_null),
      cmocka_unit_test(test_allocator_missing_hook),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
