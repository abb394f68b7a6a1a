/* The id map and string pool behind every id lookup: checked against a plain reference under
 * random inserts and removals, and under allocation failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/idmap.h"
#include "core/strpool.h"
#include "retailfuse/status.h"
#include "test_alloc.h"
#include "test_rng.h"

#define KEYS 2000

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t next_random(void) { return test_rng_next(&rng_state); }

static void random_inserts_and_removals_match_a_reference(void **state) {
  (void)state;
  rf_allocator a;
  assert_int_equal(rf__allocator_init(&a, NULL), 0);
  static char keys[KEYS][16];
  static int present[KEYS];
  rf__idmap map;
  rf__idmap_init(&map);
  for (int i = 0; i < KEYS; ++i) snprintf(keys[i], sizeof keys[i], "G%dS%dP%d", i % 7, i / 7, i);
  size_t count = 0;
  for (int step = 0; step < 50000; ++step) {
    int k = (int)(next_random() % KEYS);
    uint32_t v = 12345;
    if (next_random() % 3 != 0) {
      if (!present[k]) {
        assert_int_equal(rf__idmap_reserve(&map, &a, 1), 0);
        rf__idmap_insert(&map, keys[k], (uint32_t)k);
        present[k] = 1;
        count++;
      }
    } else {
      assert_int_equal(rf__idmap_remove(&map, keys[k]), present[k]);
      if (present[k]) count--;
      present[k] = 0;
    }
    if (step % 1000 == 0) {
      for (int i = 0; i < KEYS; ++i) {
        int rc = rf__idmap_find(&map, keys[i], &v);
        if (present[i]) {
          assert_int_equal(rc, 0);
          assert_int_equal(v, (uint32_t)i);
        } else {
          assert_int_equal(rc, RF_ENOTFOUND);
        }
      }
    }
    assert_int_equal(map.count, count);
  }
  /* Lookups compare contents, not pointers. */
  char copy[16];
  for (int i = 0; i < KEYS; ++i) {
    strcpy(copy, keys[i]);
    assert_int_equal(rf__idmap_find(&map, copy, NULL), present[i] ? 0 : RF_ENOTFOUND);
  }
  rf__idmap_free(&map, &a);
  assert_int_equal(rf__idmap_find(&map, "x", NULL), RF_ENOTFOUND);
  assert_int_equal(rf__idmap_remove(&map, "x"), 0);
}

static void failed_reserve_leaves_the_map_usable(void **state) {
  (void)state;
  test_alloc t;
  rf_allocator a = test_alloc_make(&t, 0);
  rf__idmap map;
  rf__idmap_init(&map);
  static char keys[100][8];
  for (int i = 0; i < 100; ++i) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    t.fail_at = t.calls + 1; /* the next allocation fails, if there is one */
    int rc = rf__idmap_reserve(&map, &a, 1);
    if (rc == RF_ENOMEM) {
      /* Nothing lost: every key so far is still found. */
      for (int j = 0; j < i; ++j) assert_int_equal(rf__idmap_find(&map, keys[j], NULL), 0);
      t.fail_at = 0;
      assert_int_equal(rf__idmap_reserve(&map, &a, 1), 0);
    } else {
      assert_int_equal(rc, 0);
    }
    rf__idmap_insert(&map, keys[i], (uint32_t)i);
  }
  assert_true(t.failed);
  for (int j = 0; j < 100; ++j) {
    uint32_t v;
    assert_int_equal(rf__idmap_find(&map, keys[j], &v), 0);
    assert_int_equal(v, (uint32_t)j);
  }
  rf__idmap_free(&map, &a);
  assert_int_equal(t.live, 0);
}

static void pool_strings_stay_put(void **state) {
  (void)state;
  test_alloc t;
  rf_allocator a = test_alloc_make(&t, 0);
  rf__strpool pool;
  rf__strpool_init(&pool);
  const char *saved[600];
  char buf[64];
  for (int i = 0; i < 600; ++i) {
    snprintf(buf, sizeof buf, "shopper-%d-%s", i, i % 50 == 0 ? "with-a-longer-name" : "");
    assert_int_equal(rf__strpool_reserve(&pool, &a, strlen(buf) + 1), 0);
    saved[i] = rf__strpool_add(&pool, buf);
  }
  /* A string larger than a chunk gets its own. */
  static char big[10000];
  memset(big, 'x', sizeof big - 1);
  assert_int_equal(rf__strpool_reserve(&pool, &a, sizeof big), 0);
  const char *big_copy = rf__strpool_add(&pool, big);
  for (int i = 0; i < 600; ++i) {
    snprintf(buf, sizeof buf, "shopper-%d-%s", i, i % 50 == 0 ? "with-a-longer-name" : "");
    assert_string_equal(saved[i], buf);
  }
  assert_int_equal(strlen(big_copy), sizeof big - 1);
  t.fail_at = t.calls + 1;
  assert_int_equal(rf__strpool_reserve(&pool, &a, 100000), RF_ENOMEM);
  assert_string_equal(saved[0], "shopper-0-with-a-longer-name");
  rf__strpool_free(&pool, &a);
  assert_int_equal(t.live, 0);
}

static void reserve_grows_or_leaves_the_array(void **state) {
  (void)state;
  test_alloc t;
  rf_allocator a = test_alloc_make(&t, 0);
  int *arr = NULL;
  size_t cap = 0;
  assert_int_equal(RF__RESERVE(&a, arr, cap, 5), 0);
  assert_int_equal(cap, 8);
  for (int i = 0; i < 5; ++i) arr[i] = i;
  t.fail_at = t.calls + 1;
  assert_int_equal(RF__RESERVE(&a, arr, cap, 100), RF_ENOMEM);
  assert_int_equal(cap, 8);
  for (int i = 0; i < 5; ++i) assert_int_equal(arr[i], i);
  assert_int_equal(RF__RESERVE(&a, arr, cap, 8), 0); /* fits: no allocation */
  assert_int_equal(RF__RESERVE(&a, arr, cap, 100), 0);
  assert_int_equal(cap, 128);
  assert_int_equal(rf__reserve(&a, (void **)&arr, &cap, SIZE_MAX / 2, sizeof *arr), RF_ELIMIT);
  rf__free(&a, arr);
  assert_int_equal(t.live, 0);
}

static void allocator_needs_every_hook(void **state) {
  (void)state;
  rf_allocator out, in = {NULL, NULL, NULL, NULL};
  assert_int_equal(rf__allocator_init(&out, &in), RF_EINVAL);
  test_alloc t;
  in = test_alloc_make(&t, 0);
  in.free_fn = NULL;
  assert_int_equal(rf__allocator_init(&out, &in), RF_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(random_inserts_and_removals_match_a_reference),
      cmocka_unit_test(failed_reserve_leaves_the_map_usable),
      cmocka_unit_test(pool_strings_stay_put),
      cmocka_unit_test(reserve_grows_or_leaves_the_array),
      cmocka_unit_test(allocator_needs_every_hook),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
