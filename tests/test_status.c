/* Status codes and the version: every code has a name and a message, and the linked library's
 * version matches the headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"

static void every_code_has_a_distinct_name_and_message(void **state) {
  (void)state;
  int codes[] = {
#define CODE(name, value, msg) RF_##name,
      RF_STATUS_MAP(CODE)
#undef CODE
  };
  size_t n = sizeof codes / sizeof codes[0];
  assert_int_equal(n, 14);
  for (size_t i = 0; i < n; ++i) {
    assert_int_equal(codes[i], -(int)(i + 1)); /* dense, negative, stable */
    assert_string_not_equal(rf_strerror(codes[i]), "unknown status code");
    assert_string_not_equal(rf_err_name(codes[i]), "UNKNOWN");
    for (size_t j = 0; j < i; ++j) {
      assert_string_not_equal(rf_strerror(codes[i]), rf_strerror(codes[j]));
      assert_string_not_equal(rf_err_name(codes[i]), rf_err_name(codes[j]));
    }
  }
  assert_true(RF__STATUS_LAST < codes[n - 1]);
}

static void known_codes_read_as_documented(void **state) {
  (void)state;
  assert_string_equal(rf_strerror(RF_OK), "success");
  assert_string_equal(rf_err_name(RF_OK), "OK");
  assert_string_equal(rf_strerror(RF_ENOMEM), "out of memory");
  assert_string_equal(rf_err_name(RF_ENOMEM), "ENOMEM");
  assert_string_equal(rf_err_name(RF_ELATE), "ELATE");
  assert_string_equal(rf_strerror(RF_ITEROVER), "no more items");
  /* The one notice: positive, so `rc < 0` is every error and `rc > 0` every notice. */
  assert_int_equal(RF_SETASIDE, 1);
  assert_string_equal(rf_err_name(RF_SETASIDE), "SETASIDE");
  assert_string_equal(rf_strerror(RF_SETASIDE), "record set aside");
}

static void unknown_codes_are_named_unknown(void **state) {
  (void)state;
  assert_string_equal(rf_strerror(2), "unknown status code");
  assert_string_equal(rf_strerror(-1000), "unknown status code");
  assert_string_equal(rf_err_name(RF__STATUS_LAST), "UNKNOWN");
}

static void linked_version_matches_headers(void **state) {
  (void)state;
  assert_int_equal(rf_version(), RF_VERSION_NUMBER);
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", RF_VERSION_MAJOR, RF_VERSION_MINOR,
           RF_VERSION_PATCH);
  assert_string_equal(rf_version_string(), expected);
  assert_string_equal(RF_VERSION_STRING, expected);
  assert_int_equal(RF_VERSION_NUMBER,
                   RF_VERSION_MAJOR * 10000 + RF_VERSION_MINOR * 100 + RF_VERSION_PATCH);
}

static void record_type_names_follow_the_format(void **state) {
  (void)state;
  /* restock, then camera and zone, then review and explain, added later, come last: the
   * numbers of the types before them hold */
  const char *expected[] = {"product",  "shelf",   "facing", "enter", "exit",   "link",
                            "position", "samples", "delta",  "hand",  "diff",   "receipt",
                            "truth",    "restock", "camera", "zone",  "review", "explain"};
  assert_int_equal(RF_RECORD_TYPE_COUNT, 18);
  for (int i = 0; i < RF_RECORD_TYPE_COUNT; ++i)
    assert_string_equal(rf_record_type_name((rf_record_type)i), expected[i]);
  assert_null(rf_record_type_name(RF_RECORD_TYPE_COUNT));
  assert_null(rf_record_type_name((rf_record_type)-1));
}

static void zone_fronts_read_and_write_by_name(void **state) {
  (void)state;
  const char *expected[] = {"top", "bottom", "left", "right"};
  assert_int_equal(RF_FRONT_COUNT, 4);
  for (int i = 0; i < RF_FRONT_COUNT; ++i) {
    assert_string_equal(rf_zone_front_name((rf_zone_front)i), expected[i]);
    assert_int_equal(rf_zone_front_parse(expected[i]), i);
  }
  assert_null(rf_zone_front_name(RF_FRONT_COUNT));
  assert_null(rf_zone_front_name((rf_zone_front)-1));
  assert_int_equal(rf_zone_front_parse("Top"), -1); /* exact, as every name of the format */
  assert_int_equal(rf_zone_front_parse("front"), -1);
  assert_int_equal(rf_zone_front_parse(""), -1);
  assert_int_equal(rf_zone_front_parse(NULL), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_code_has_a_distinct_name_and_message),
      cmocka_unit_test(known_codes_read_as_documented),
      cmocka_unit_test(unknown_codes_are_named_unknown),
      cmocka_unit_test(linked_version_matches_headers),
      cmocka_unit_test(zone_fronts_read_and_write_by_name),
      cmocka_unit_test(record_type_names_follow_the_format),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
