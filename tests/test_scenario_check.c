/* The whole-scenario checker: store before events, ids that exist, shoppers who entered, times
 * within the lateness; every refusal named and harmless. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"
#include "test_alloc.h"

#define STORE                                                                                   \
  "{\"type\":\"product\",\"sku\":\"A\",\"weight_g\":100}\n"                                     \
  "{\"type\":\"product\",\"sku\":\"B\",\"weight_g\":250.5,\"weight_sd_g\":2}\n"                 \
  "{\"type\":\"shelf\",\"shelf\":\"S1\",\"plates\":[{\"plate\":\"P1\",\"x0\":0,\"x1\":0.1},"    \
  "{\"plate\":\"P2\",\"x0\":0.1,\"x1\":0.2}]}\n"                                                \
  "{\"type\":\"shelf\",\"shelf\":\"S2\",\"plates\":[{\"plate\":\"Q1\",\"x0\":0,\"x1\":0.1}]}\n" \
  "{\"type\":\"facing\",\"shelf\":\"S1\",\"sku\":\"A\",\"x0\":0,\"x1\":0.1,\"count\":3}\n"      \
  "{\"type\":\"facing\",\"shelf\":\"S1\",\"sku\":\"B\",\"x0\":0.1,\"x1\":0.2}\n"

/* Feeds every line of `text` to `check`; returns the first refusal's code (reading must not
 * fail) and leaves the line number of that refusal in *line. */
static int feed(rf_scenario_check *check, const char *text, uint64_t *line) {
  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), NULL, NULL), 0);
  rf_record rec;
  int rc, first = 0;
  while ((rc = rf_scenario_reader_next(r, &rec)) == 0) {
    int c = rf_scenario_check_record(check, &rec);
    if (c != 0 && first == 0) {
      first = c;
      if (line) *line = rec.line;
    }
  }
  if (rc != RF_ITEROVER) fail_msg("reader: %s", rf_scenario_reader_errmsg(r));
  rf_scenario_reader_free(r);
  return first;
}

static rf_scenario_check *new_check(void) {
  rf_scenario_check *c;
  assert_int_equal(rf_scenario_check_new(&c, NULL), 0);
  return c;
}

/* Checks STORE + `events`, expecting exactly one refusal with `code` on `line` whose message
 * contains `needle`. */
static void expect_refusal(const char *events, int code, uint64_t line, const char *needle) {
  char text[4096];
  snprintf(text, sizeof text, "%s%s", STORE, events);
  rf_scenario_check *c = new_check();
  uint64_t at = 0;
  assert_int_equal(feed(c, text, &at), code);
  assert_int_equal(at, line);
  const char *msg = rf_scenario_check_errmsg(c);
  char prefix[32];
  snprintf(prefix, sizeof prefix, "line %llu: ", (unsigned long long)line);
  if (strncmp(msg, prefix, strlen(prefix)) != 0 || strstr(msg, needle) == NULL)
    fail_msg("message '%s' lacks '%s' or '%s'", msg, prefix, needle);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.refused, 1);
  rf_scenario_check_free(c);
}

static void a_valid_scenario_is_counted(void **state) {
  (void)state;
  const char *text = STORE
      "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
      "{\"type\":\"enter\",\"t\":100,\"shopper\":\"U2\"}\n"
      "{\"type\":\"link\",\"t\":100,\"shopper\":\"U2\",\"cart\":\"U1\"}\n"
      "{\"type\":\"position\",\"t\":200,\"shopper\":\"U1\",\"x\":1,\"y\":2}\n"
      "{\"type\":\"samples\",\"plate\":\"P1\",\"t\":1000,\"dt_us\":10,\"g\":[1,2,3,4]}\n"
      "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1000000,\"t1\":1500000,\"plates\":{\"P1\":-100,\"P2\":-0.3}}\n"
      "{\"type\":\"hand\",\"shopper\":null,\"shelf\":\"S1\",\"t0\":900000,\"t1\":1600000,\"sku_scores\":{\"A\":0.9}}\n"
      "{\"type\":\"hand\",\"shopper\":\"U1\",\"shelf\":\"S1\",\"t0\":900000,\"t1\":1600000}\n"
      "{\"type\":\"exit\",\"t\":3000000,\"shopper\":\"U1\"}\n"
      "{\"type\":\"enter\",\"t\":3000001,\"shopper\":\"U1\"}\n"
      "{\"type\":\"diff\",\"seq\":1,\"t\":2000000,\"shopper\":\"U1\",\"sku\":\"A\",\"qty\":1,\"conf\":0.9,\"review\":false,\"event\":0}\n"
      "{\"type\":\"truth\",\"t\":1500000,\"shopper\":\"U1\",\"sku\":\"A\",\"qty\":1}\n"
      "{\"type\":\"receipt\",\"t\":4000000,\"shopper\":\"U1\",\"items\":{\"A\":1}}\n";
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, text, NULL), 0);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.records, 19);
  assert_int_equal(s.refused, 0);
  assert_int_equal(s.products, 2);
  assert_int_equal(s.shelves, 2);
  assert_int_equal(s.plates, 3);
  assert_int_equal(s.facings, 2);
  assert_int_equal(s.shoppers, 2); /* U1 entered twice but is one shopper */
  assert_int_equal(s.samples, 4);
  assert_int_equal(s.by_type[RF_RECORD_PRODUCT], 2);
  assert_int_equal(s.by_type[RF_RECORD_ENTER], 3);
  assert_int_equal(s.by_type[RF_RECORD_HAND], 2);
  assert_int_equal(s.by_type[RF_RECORD_RECEIPT], 1);
  assert_true(s.has_time);
  assert_int_equal(s.t_min, 0);
  assert_int_equal(s.t_max, 4000000);
  const rf_store *store = rf_scenario_check_store(c);
  assert_non_null(store);
  assert_int_equal(rf_store_plate_count(store), 3);
  rf_scenario_check_free(c);
}

static void store_records_must_come_first(void **state) {
  (void)state;
  expect_refusal("{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
                 "{\"type\":\"product\",\"sku\":\"C\",\"weight_g\":5}\n",
                 RF_EMISUSE, 8, "product: the store description must come before the first event");
  /* Output records end the store description too. */
  expect_refusal(
      "{\"type\":\"truth\",\"t\":0,\"shopper\":\"U1\",\"sku\":\"A\",\"qty\":1}\n"
      "{\"type\":\"shelf\",\"shelf\":\"S9\",\"plates\":[{\"plate\":\"Z\",\"x0\":0,\"x1\":1}]}\n",
      RF_EMISUSE, 8, "shelf: the store description");
}

#define CAMERA(id, w, h) \
  "{\"type\":\"camera\",\"camera\":\"" id "\",\"width\":" #w ",\"height\":" #h ",\"fps\":30}\n"
#define ZONE(cam, shelf, px, front, a, b)                                        \
  "{\"type\":\"zone\",\"camera\":\"" cam "\",\"shelf\":\"" shelf "\",\"px\":" px \
  ",\"front\":\"" front "\",\"shelf_x\":[" #a "," #b "]}\n"

#define CAMERAS \
  CAMERA("C1", 640, 480) CAMERA("C2", 64, 48) ZONE("C2", "S1", "[0,0,64,48]", "top", 0, 1)
#define ENTER_U1 "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"

/* Checks STORE + `records`, expecting exactly one refusal, with `code` and `message` whole. */
static void expect_exact(const char *records, int code, uint64_t line, const char *message) {
  char text[4096];
  snprintf(text, sizeof text, "%s%s", STORE, records);
  rf_scenario_check *c = new_check();
  uint64_t at = 0;
  assert_int_equal(feed(c, text, &at), code);
  assert_int_equal(at, line);
  assert_string_equal(rf_scenario_check_errmsg(c), message);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.refused, 1);
  rf_scenario_check_free(c);
}

/* Cameras and zones are store records: counted with the store (no time: a camera's t0 is when
 * its frame 0 was taken, not an event), zones of several cameras on one shelf and several of
 * one camera, overlapping, and the store built is the one without them. */
static void cameras_and_zones_are_checked_and_counted(void **state) {
  (void)state;
  const char *text = STORE
      "{\"type\":\"camera\",\"camera\":\"C1\",\"width\":640,\"height\":480,\"fps\":30}\n"
      "{\"type\":\"zone\",\"camera\":\"C1\",\"shelf\":\"S1\",\"px\":[0,40,600,120],"
      "\"front\":\"bottom\",\"shelf_x\":[0,0.2]}\n"
      "{\"type\":\"zone\",\"camera\":\"C1\",\"shelf\":\"S2\",\"px\":[0,0,640,480],"
      "\"front\":\"top\",\"shelf_x\":[0.1,0]}\n"
      "{\"type\":\"camera\",\"camera\":\"C2\",\"width\":1920,\"height\":1080,\"fps\":29.97,"
      "\"t0\":-5000000}\n"
      "{\"type\":\"zone\",\"camera\":\"C2\",\"shelf\":\"S1\",\"px\":[100,100,1900,1000],"
      "\"front\":\"left\",\"shelf_x\":[0.2,0]}\n"
      "{\"type\":\"zone\",\"camera\":\"C2\",\"shelf\":\"S1\",\"px\":[0,0,1,1],"
      "\"front\":\"right\",\"shelf_x\":[0,1]}\n"
      "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n";
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, text, NULL), 0);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.records, 13);
  assert_int_equal(s.refused, 0);
  assert_int_equal(s.products, 2);
  assert_int_equal(s.shelves, 2);
  assert_int_equal(s.plates, 3);
  assert_int_equal(s.facings, 2);
  assert_int_equal(s.cameras, 2);
  assert_int_equal(s.zones, 4);
  assert_int_equal(s.by_type[RF_RECORD_CAMERA], 2);
  assert_int_equal(s.by_type[RF_RECORD_ZONE], 4);
  assert_int_equal(s.by_type[RF_RECORD_ENTER], 1);
  assert_true(s.has_time);
  assert_int_equal(s.t_min, 0);
  assert_int_equal(s.t_max, 0);
  const rf_store *store = rf_scenario_check_store(c);
  assert_non_null(store);
  assert_int_equal(rf_store_shelf_count(store), 2);
  assert_int_equal(rf_store_facing_count(store), 2);
  rf_scenario_check_free(c);
  /* A camera may come first, before the products and shelves. */
  c = new_check();
  assert_int_equal(
      feed(c,
           "{\"type\":\"camera\",\"camera\":\"C1\",\"width\":640,\"height\":480,\"fps\":30}\n"
           "{\"type\":\"shelf\",\"shelf\":\"S1\",\"plates\":[{\"plate\":\"P1\",\"x0\":0,"
           "\"x1\":1}]}\n"
           "{\"type\":\"zone\",\"camera\":\"C1\",\"shelf\":\"S1\",\"px\":[0,0,640,480],"
           "\"front\":\"bottom\",\"shelf_x\":[0,1]}\n",
           NULL),
      0);
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.cameras, 1);
  assert_int_equal(s.zones, 1);
  assert_int_equal(s.shelves, 1);
  assert_false(s.has_time);
  rf_scenario_check_free(c);
}

/* Every rule of a camera or zone, each refusal whole: what the reader cannot know (ids given
 * before, the camera's image) from a file, and the rest from records made in C. */
static void camera_and_zone_rules(void **state) {
  (void)state;
  expect_exact(CAMERA("C1", 640, 480) CAMERA("C1", 320, 240), RF_EEXISTS, 8,
               "line 8: camera: field 'camera': camera 'C1' is defined twice");
  expect_exact(CAMERA("C1", 640, 480) ZONE("C9", "S1", "[0,0,10,10]", "top", 0, 1), RF_ENOTFOUND, 8,
               "line 8: zone: field 'camera': camera 'C9' is not defined (cameras come before "
               "their zones)");
  expect_exact(CAMERA("C1", 640, 480) ZONE("C1", "S9", "[0,0,10,10]", "top", 0, 1), RF_ENOTFOUND, 8,
               "line 8: zone: field 'shelf': shelf 'S9' is not in the store (shelves come before "
               "their zones)");
  expect_exact(CAMERA("C1", 640, 480) ZONE("C1", "S1", "[0,40,641,120]", "bottom", 0, 1), RF_ERANGE,
               8,
               "line 8: zone: field 'px': [0, 40, 641, 120] is not within the image of camera 'C1' "
               "(640 x 480)");
  expect_exact(CAMERA("C1", 640, 480) CAMERA("C2", 64, 48)
                   ZONE("C1", "S1", "[0,0,640,480]", "bottom", 0, 1)
                       ZONE("C2", "S1", "[0,0,64,49]", "bottom", 0, 1),
               RF_ERANGE, 10,
               "line 10: zone: field 'px': [0, 0, 64, 49] is not within the image of camera 'C2' "
               "(64 x 48)");
  expect_exact(ENTER_U1 CAMERA("C1", 640, 480), RF_EMISUSE, 8,
               "line 8: camera: the store description must come before the first event");
  expect_exact(CAMERA("C1", 640, 480) ENTER_U1 ZONE("C1", "S1", "[0,0,10,10]", "top", 0, 1),
               RF_EMISUSE, 9,
               "line 9: zone: the store description must come before the first event");
  /* A zone's camera and shelf come before it, as a facing's shelf and product do. */
  rf_scenario_check *c = new_check();
  uint64_t at = 0;
  assert_int_equal(feed(c, STORE ZONE("C1", "S1", "[0,0,10,10]", "top", 0, 1), &at), RF_ENOTFOUND);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 7: zone: field 'camera': camera 'C1' is not defined (cameras come "
                      "before their zones)");
  assert_int_equal(
      feed(c, CAMERA("C1", 640, 480) ZONE("C1", "S1", "[0,0,10,10]", "top", 0, 1), NULL), 0);
  rf_scenario_check_free(c);
  c = new_check();
  assert_int_equal(feed(c, CAMERA("C1", 640, 480) ZONE("C1", "S1", "[0,0,10,10]", "top", 0, 1),
                        &at),
                   RF_ENOTFOUND);
  assert_int_equal(at, 2);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 2: zone: field 'shelf': shelf 'S1' is not in the store (shelves come "
                      "before their zones)");
  assert_int_equal(feed(c,
                        "{\"type\":\"shelf\",\"shelf\":\"S1\",\"plates\":[{\"plate\":\"P1\","
                        "\"x0\":0,\"x1\":1}]}\n" ZONE("C1", "S1", "[0,0,10,10]", "top", 0, 1),
                        NULL),
                   0);
  rf_scenario_check_free(c);

  /* What the reader refuses, a record made in C can still hold: each is named by its field, and
   * changes nothing. */
  c = new_check();
  assert_int_equal(feed(c, STORE CAMERA("C1", 640, 480), NULL), 0);
  rf_scenario_summary before, after;
  rf_scenario_check_summary(c, &before);
  static const struct {
    rf_record rec;
    int code;
    const char *message;
  } cases[] = {
      {{.type = RF_RECORD_CAMERA, .line = 9, .u.camera = {NULL, 640, 480, 30, 0}},
       RF_EINVAL,
       "line 9: camera: field 'camera': id is missing or empty"},
      {{.type = RF_RECORD_CAMERA, .line = 9, .u.camera = {"C2", 0, 480, 30, 0}},
       RF_ERANGE,
       "line 9: camera: field 'width': must be within [1, 65535], got 0"},
      {{.type = RF_RECORD_CAMERA, .line = 9, .u.camera = {"C2", 640, 65536, 30, 0}},
       RF_ERANGE,
       "line 9: camera: field 'height': must be within [1, 65535], got 65536"},
      {{.type = RF_RECORD_CAMERA, .line = 9, .u.camera = {"C2", 640, 480, NAN, 0}},
       RF_ERANGE,
       "line 9: camera: field 'fps': must be a finite number > 0, got nan"},
      {{.type = RF_RECORD_CAMERA, .line = 9, .u.camera = {"C2", 640, 480, 0, 0}},
       RF_ERANGE,
       "line 9: camera: field 'fps': must be a finite number > 0, got 0"},
      {{.type = RF_RECORD_CAMERA,
        .line = 9,
        .u.camera = {"C2", 640, 480, 30, -RF_TIME_LIMIT_US - 1}},
       RF_ERANGE,
       "line 9: camera: field 't0': time -4503599627370497 us is out of range (more than 2^52 us "
       "from 0)"},
      {{.type = RF_RECORD_ZONE, .line = 9, .u.zone = {"C1", "", 0, 0, 10, 10, RF_FRONT_TOP, 0, 1}},
       RF_EINVAL,
       "line 9: zone: field 'shelf': id is missing or empty"},
      {{.type = RF_RECORD_ZONE,
        .line = 9,
        .u.zone = {NULL, "S1", 0, 0, 10, 10, RF_FRONT_TOP, 0, 1}},
       RF_EINVAL,
       "line 9: zone: field 'camera': id is missing or empty"},
      {{.type = RF_RECORD_ZONE,
        .line = 9,
        .u.zone = {"C1", "S1", 10, 0, 10, 10, RF_FRONT_TOP, 0, 1}},
       RF_ERANGE,
       "line 9: zone: field 'px': x1 10 must be greater than x0 10"},
      {{.type = RF_RECORD_ZONE,
        .line = 9,
        .u.zone = {"C1", "S1", 0, 20, 10, 10, RF_FRONT_TOP, 0, 1}},
       RF_ERANGE,
       "line 9: zone: field 'px': y1 10 must be greater than y0 20"},
      {{.type = RF_RECORD_ZONE,
        .line = 9,
        .u.zone = {"C1", "S1", -1, 0, 10, 10, RF_FRONT_TOP, 0, 1}},
       RF_ERANGE,
       "line 9: zone: field 'px': [-1, 0, 10, 10] is not within the image of camera 'C1' (640 x "
       "480)"},
      {{.type = RF_RECORD_ZONE,
        .line = 9,
        .u.zone = {"C1", "S1", 0, 0, 10, 10, RF_FRONT_COUNT, 0, 1}},
       RF_ERANGE,
       "line 9: zone: field 'front': must be top, bottom, left or right, got 4"},
      {{.type = RF_RECORD_ZONE,
        .line = 9,
        .u.zone = {"C1", "S1", 0, 0, 10, 10, RF_FRONT_TOP, NAN, 1}},
       RF_ERANGE,
       "line 9: zone: field 'shelf_x': must be finite, got [nan, 1]"},
      {{.type = RF_RECORD_ZONE,
        .line = 9,
        .u.zone = {"C1", "S1", 0, 0, 10, 10, RF_FRONT_TOP, 0, -0.0}},
       RF_ERANGE,
       "line 9: zone: field 'shelf_x': its two ends must differ, got 0 twice"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    assert_int_equal(rf_scenario_check_record(c, &cases[k].rec), cases[k].code);
    if (strcmp(rf_scenario_check_errmsg(c), cases[k].message) != 0)
      fail_msg("case %zu: '%s', wanted '%s'", k, rf_scenario_check_errmsg(c), cases[k].message);
  }
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.refused, before.refused + sizeof cases / sizeof cases[0]);
  after.refused = before.refused;
  assert_memory_equal(&before, &after, sizeof before);
  /* The camera refused above was not kept: a C2 is new still, and its zone fits. */
  assert_int_equal(
      feed(c, CAMERA("C2", 64, 48) ZONE("C2", "S2", "[0,0,64,48]", "left", 1, 0), NULL), 0);
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.cameras, 2);
  assert_int_equal(after.zones, 1);
  rf_scenario_check_free(c);
}

static void store_errors_name_line_and_id(void **state) {
  (void)state;
  expect_refusal("{\"type\":\"product\",\"sku\":\"A\",\"weight_g\":5}\n", RF_EEXISTS, 7,
                 "product 'A': sku defined twice");
  expect_refusal("{\"type\":\"facing\",\"shelf\":\"S2\",\"sku\":\"Z\",\"x0\":0,\"x1\":0.1}\n",
                 RF_ENOTFOUND, 7, "unknown sku 'Z'");
  expect_refusal("{\"type\":\"facing\",\"shelf\":\"S1\",\"sku\":\"A\",\"x0\":0.05,\"x1\":0.1}\n",
                 RF_ERANGE, 7, "overlaps the facing of 'A'");
}

static void events_must_name_what_exists(void **state) {
  (void)state;
  const char *enter = "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n";
  char buf[1024];
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"delta\",\"shelf\":\"S3\",\"t0\":1,\"t1\":2,\"plates\":{\"P1\":-1}}\n");
  expect_refusal(buf, RF_ENOTFOUND, 8, "delta: field 'shelf': shelf 'S3' is not in the store");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"plates\":{\"Q1\":-1}}\n");
  expect_refusal(buf, RF_ERANGE, 8, "plate 'Q1' is not on shelf 'S1'");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"plates\":{\"P9\":-1}}\n");
  expect_refusal(buf, RF_ENOTFOUND, 8, "plate 'P9' is not in the store");
  /* The reader refuses a key twice in an object; a record made in C can still list one plate
   * twice. */
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, STORE, NULL), 0);
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_DELTA;
  r.line = 8;
  r.u.delta = (rf_delta_rec){"S1", 1, 2, (rf_plate_delta[]){{"P1", -1}, {"P1", -2}}, 2};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_EEXISTS);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 8: delta: field 'plates': plate 'P1' is listed twice");
  rf_scenario_check_free(c);
  expect_refusal("{\"type\":\"samples\",\"plate\":\"P7\",\"t\":0,\"dt_us\":10,\"g\":[1]}\n",
                 RF_ENOTFOUND, 7, "samples: field 'plate': plate 'P7' is not in the store");
  expect_refusal("{\"type\":\"hand\",\"shopper\":null,\"shelf\":\"S3\",\"t0\":1,\"t1\":2}\n",
                 RF_ENOTFOUND, 7, "hand: field 'shelf': shelf 'S3'");
  expect_refusal("{\"type\":\"hand\",\"shopper\":\"U5\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2}\n",
                 RF_ENOTFOUND, 7, "field 'shopper': shopper 'U5' has not entered");
  expect_refusal(
      "{\"type\":\"hand\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"sku_scores\":{\"A\":0.5,\"Q\":0.1}}\n",
      RF_ENOTFOUND, 7, "field 'sku_scores': sku 'Q' is not in the store");
  expect_refusal(
      "{\"type\":\"diff\",\"seq\":1,\"t\":2,\"shopper\":\"U1\",\"sku\":\"Q\",\"qty\":1,\"conf\":1,\"review\":false,\"event\":0}\n",
      RF_ENOTFOUND, 7, "diff: field 'sku': sku 'Q'");
  expect_refusal("{\"type\":\"receipt\",\"shopper\":\"U1\",\"items\":{\"A\":1,\"Q\":2}}\n",
                 RF_ENOTFOUND, 7, "receipt: field 'items': sku 'Q'");
}

static void shoppers_enter_before_they_act(void **state) {
  (void)state;
  const char *enter = "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n";
  char buf[1024];
  snprintf(buf, sizeof buf, "%s%s", enter, enter);
  expect_refusal(buf, RF_EEXISTS, 8, "shopper 'U1' is already in the store");
  expect_refusal("{\"type\":\"exit\",\"t\":0,\"shopper\":\"U1\"}\n", RF_ENOTFOUND, 7,
                 "exit: field 'shopper': shopper 'U1' has not entered");
  snprintf(buf, sizeof buf, "%s%s%s", enter, "{\"type\":\"exit\",\"t\":5,\"shopper\":\"U1\"}\n",
           "{\"type\":\"exit\",\"t\":6,\"shopper\":\"U1\"}\n");
  expect_refusal(buf, RF_ERANGE, 9, "shopper 'U1' has already left");
  expect_refusal("{\"type\":\"position\",\"t\":0,\"shopper\":\"U1\",\"x\":0,\"y\":0}\n",
                 RF_ENOTFOUND, 7, "position: field 'shopper'");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"link\",\"t\":1,\"shopper\":\"U1\",\"cart\":\"U9\"}\n");
  expect_refusal(buf, RF_ENOTFOUND, 8, "link: field 'cart': shopper 'U9' has not entered");
  snprintf(buf, sizeof buf, "%s%s", enter,
           "{\"type\":\"link\",\"t\":1,\"shopper\":\"U1\",\"cart\":\"U1\"}\n");
  expect_refusal(buf, RF_ERANGE, 8, "cannot link to their own cart");
}

static void times_may_lag_by_the_lateness_only(void **state) {
  (void)state;
  /* The tracker's records (2 s by default): an exit exactly 2 s behind the enter is allowed. */
  const char *ok = STORE "{\"type\":\"enter\",\"t\":5000000,\"shopper\":\"U1\"}\n"
                         "{\"type\":\"exit\",\"t\":3000000,\"shopper\":\"U1\"}\n";
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, ok, NULL), 0);
  rf_scenario_check_free(c);

  expect_refusal("{\"type\":\"enter\",\"t\":5000000,\"shopper\":\"U1\"}\n"
                 "{\"type\":\"exit\",\"t\":2999999,\"shopper\":\"U1\"}\n",
                 RF_ELATE, 8,
                 "line 8: exit: time 2.999999 s is 2.000001 s behind the latest time of source "
                 "'tracker' (5.000000 s); at most 2.000000 s is allowed");

  /* A refused late record does not move the clock, and a wider lateness accepts it. */
  assert_int_equal(rf_scenario_check_new(&c, NULL), 0);
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, 10.0), 0);
  assert_int_equal(feed(c,
                        STORE "{\"type\":\"enter\",\"t\":9000000,\"shopper\":\"U1\"}\n"
                              "{\"type\":\"exit\",\"t\":0,\"shopper\":\"U1\"}\n",
                        NULL),
                   0);
  rf_scenario_check_free(c);
}

/* Feeds STORE + an enter of U1 at 0 + `events` to a checker with `delays` ("name=seconds;...",
 * or NULL) set and LATENESS_S set when lateness_s >= 0. Expects `code` for the record on `line`
 * (0: every record accepted) with exactly `message`. */
static void expect_sources(const char *delays, double lateness_s, const char *events, int code,
                           uint64_t line, const char *message) {
  char text[4096];
  snprintf(text, sizeof text, "%s{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n%s", STORE,
           events);
  rf_scenario_check *c = new_check();
  if (lateness_s >= 0)
    assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, lateness_s), 0);
  for (const char *d = delays; d != NULL && *d != '\0';) {
    char name[32];
    double seconds;
    int n = 0;
    assert_int_equal(sscanf(d, "%31[^=]=%lf;%n", name, &seconds, &n), 2);
    assert_int_equal(rf_scenario_check_source_delay(c, name, seconds), 0);
    d += n > 0 ? (size_t)n : strlen(d);
  }
  uint64_t at = 0;
  int rc = feed(c, text, &at);
  if (rc != code)
    fail_msg("expected %s, got %s: %s", rf_err_name(code), rf_err_name(rc),
             rf_scenario_check_errmsg(c));
  if (code != 0) {
    assert_int_equal(at, line);
    assert_string_equal(rf_scenario_check_errmsg(c), message);
  }
  rf_scenario_check_free(c);
}

#define HAND(src, t1) "{\"type\":\"hand\"," src "\"shelf\":\"S1\",\"t0\":0,\"t1\":" #t1 "}\n"
#define DELTA(src, t1) \
  "{\"type\":\"delta\"," src "\"shelf\":\"S1\",\"t0\":0,\"t1\":" #t1 ",\"plates\":{\"P1\":-100}}\n"
#define POSITION(src, t) \
  "{\"type\":\"position\"," src "\"t\":" #t ",\"shopper\":\"U1\",\"x\":0,\"y\":0}\n"

static void each_source_has_its_own_clock_and_delay(void **state) {
  (void)state;
  /* Kinds' defaults: shelves 1 s, cameras 5 s, tracker 2 s; at the limit is in time. */
  expect_sources(NULL, -1, DELTA("", 5000000) DELTA("", 4000000), 0, 0, NULL);
  expect_sources(NULL, -1, DELTA("", 5000000) DELTA("", 3999999), RF_ELATE, 9,
                 "line 9: delta: time 3.999999 s is 1.000001 s behind the latest time of source "
                 "'shelves' (5.000000 s); at most 1.000000 s is allowed");
  expect_sources(NULL, -1, HAND("", 10000000) HAND("", 5000000), 0, 0, NULL);
  expect_sources(NULL, -1, HAND("", 10000000) HAND("", 4999999), RF_ELATE, 9,
                 "line 9: hand: time 4.999999 s is 5.000001 s behind the latest time of source "
                 "'cameras' (10.000000 s); at most 5.000000 s is allowed");
  expect_sources(NULL, -1, POSITION("", 10000000) POSITION("", 7999999), RF_ELATE, 9,
                 "line 9: position: time 7.999999 s is 2.000001 s behind the latest time of "
                 "source 'tracker' (10.000000 s); at most 2.000000 s is allowed");
  /* Sources do not hold each other back: shelves far behind the cameras and the tracker. */
  expect_sources(NULL, -1, HAND("", 60000000) POSITION("", 50000000) DELTA("", 1000000), 0, 0,
                 NULL);
  /* A named source has its own clock and its kind's delay; naming a default joins it. */
  expect_sources(NULL, -1,
                 HAND("\"source\":\"cam-3\",", 20000000) HAND("", 1000000)
                     HAND("\"source\":\"cam-3\",", 15000000),
                 0, 0, NULL);
  expect_sources(NULL, -1,
                 HAND("\"source\":\"cam-3\",", 20000000) HAND("\"source\":\"cam-3\",", 14999999),
                 RF_ELATE, 9,
                 "line 9: hand: time 14.999999 s is 5.000001 s behind the latest time of source "
                 "'cam-3' (20.000000 s); at most 5.000000 s is allowed");
  expect_sources(NULL, -1, DELTA("\"source\":\"shelves\",", 5000000) DELTA("", 3000000), RF_ELATE,
                 9,
                 "line 9: delta: time 3.000000 s is 2.000000 s behind the latest time of source "
                 "'shelves' (5.000000 s); at most 1.000000 s is allowed");
  /* A source's records of several kinds: each record has its kind's delay. */
  expect_sources(NULL, -1,
                 POSITION("\"source\":\"mix\",", 10000000) HAND("\"source\":\"mix\",", 6000000)
                     POSITION("\"source\":\"mix\",", 8000000),
                 0, 0, NULL);
}

static void delays_can_be_set_by_source_or_for_all(void **state) {
  (void)state;
  /* By name: wins over the kind's default, for that source only. */
  expect_sources("cam-3=4", -1,
                 HAND("\"source\":\"cam-3\",", 10000000) HAND("\"source\":\"cam-3\",", 6000000)
                     HAND("\"source\":\"cam-4\",", 10000000) HAND("\"source\":\"cam-4\",", 5000000),
                 0, 0, NULL);
  expect_sources("cam-3=4", -1,
                 HAND("\"source\":\"cam-3\",", 10000000) HAND("\"source\":\"cam-3\",", 5999999),
                 RF_ELATE, 9,
                 "line 9: hand: time 5.999999 s is 4.000001 s behind the latest time of source "
                 "'cam-3' (10.000000 s); at most 4.000000 s is allowed");
  /* The last delay set for a name holds; a default source can be given one too. */
  expect_sources("shelves=0.5;shelves=3", -1, DELTA("", 5000000) DELTA("", 2000000), 0, 0, NULL);
  /* LATENESS_S, once set, is every source's delay but those set by name. 2 s is not the
   * cameras' 5 s: setting it to its default value still sets it. */
  expect_sources(NULL, 2.0, HAND("", 10000000) HAND("", 7999999), RF_ELATE, 9,
                 "line 9: hand: time 7.999999 s is 2.000001 s behind the latest time of source "
                 "'cameras' (10.000000 s); at most 2.000000 s is allowed");
  expect_sources(NULL, 3.0, DELTA("", 5000000) DELTA("", 2000000), 0, 0, NULL);
  expect_sources("cam-3=6", 3.0,
                 HAND("\"source\":\"cam-3\",", 10000000) HAND("\"source\":\"cam-3\",", 4000000), 0,
                 0, NULL);

  rf_scenario_check *c = new_check();
  assert_int_equal(rf_scenario_check_source_delay(NULL, "x", 1.0), RF_EINVAL);
  assert_int_equal(rf_scenario_check_source_delay(c, NULL, 1.0), RF_EINVAL);
  assert_int_equal(rf_scenario_check_source_delay(c, "", 1.0), RF_EINVAL);
  assert_string_equal(rf_scenario_check_errmsg(c), "a source delay needs a source name");
  assert_int_equal(rf_scenario_check_source_delay(c, "cam-3", -0.5), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "the delay of source 'cam-3' (-0.5 s) is outside [0, 3600] s");
  assert_int_equal(rf_scenario_check_source_delay(c, "cam-3", 3600.001), RF_ERANGE);
  assert_int_equal(rf_scenario_check_source_delay(c, "cam-3", NAN), RF_ERANGE);
  assert_int_equal(rf_scenario_check_source_delay(c, "cam-3", INFINITY), RF_ERANGE);
  assert_int_equal(rf_scenario_check_source_delay(c, "cam-3", 3600), 0);
  assert_string_equal(rf_scenario_check_errmsg(c), "");
  assert_int_equal(rf_scenario_check_source_delay(c, "cam-3", 0), 0);
  rf_scenario_check_free(c);
}

static void a_source_seq_may_not_come_twice(void **state) {
  (void)state;
  expect_sources(NULL, -1,
                 "{\"type\":\"hand\",\"source\":\"cam-1\",\"seq\":7,\"shelf\":\"S1\",\"t0\":0,"
                 "\"t1\":1000000}\n"
                 "{\"type\":\"hand\",\"source\":\"cam-1\",\"seq\":7,\"shelf\":\"S1\",\"t0\":0,"
                 "\"t1\":1000000}\n",
                 RF_EEXISTS, 9,
                 "line 9: hand: field 'seq': duplicate: source 'cam-1' already sent seq 7");
  /* Another source, or no seq: no duplicate. Default sources count: delta and samples are both
   * "shelves". */
  expect_sources(NULL, -1,
                 "{\"type\":\"hand\",\"source\":\"cam-1\",\"seq\":7,\"shelf\":\"S1\",\"t0\":0,"
                 "\"t1\":1000000}\n"
                 "{\"type\":\"hand\",\"source\":\"cam-2\",\"seq\":7,\"shelf\":\"S1\",\"t0\":0,"
                 "\"t1\":1000000}\n"
                 "{\"type\":\"hand\",\"seq\":7,\"shelf\":\"S1\",\"t0\":0,\"t1\":1000000}\n" HAND(
                     "", 1000000) HAND("", 1000000),
                 0, 0, NULL);
  expect_sources(NULL, -1,
                 "{\"type\":\"delta\",\"seq\":3,\"shelf\":\"S1\",\"t0\":0,\"t1\":1000000,"
                 "\"plates\":{\"P1\":-100}}\n"
                 "{\"type\":\"samples\",\"seq\":3,\"plate\":\"P1\",\"t\":500000,\"dt_us\":10,"
                 "\"g\":[1]}\n",
                 RF_EEXISTS, 9,
                 "line 9: samples: field 'seq': duplicate: source 'shelves' already sent seq 3");
  /* Once a copy would be late the seq is forgotten: the same seq later in time is new (a
   * source that restarted its counter), and a copy at the first time is refused as late. */
  expect_sources(NULL, -1,
                 "{\"type\":\"enter\",\"seq\":1,\"t\":1000000,\"shopper\":\"U2\"}\n"
                 "{\"type\":\"exit\",\"seq\":2,\"t\":3000001,\"shopper\":\"U2\"}\n"
                 "{\"type\":\"enter\",\"seq\":1,\"t\":3000002,\"shopper\":\"U2\"}\n",
                 0, 0, NULL);
  expect_sources(NULL, -1,
                 "{\"type\":\"enter\",\"seq\":1,\"t\":1000000,\"shopper\":\"U2\"}\n"
                 "{\"type\":\"exit\",\"seq\":2,\"t\":3000001,\"shopper\":\"U2\"}\n"
                 "{\"type\":\"enter\",\"seq\":1,\"t\":1000000,\"shopper\":\"U2\"}\n",
                 RF_ELATE, 10,
                 "line 10: enter: time 1.000000 s is 2.000001 s behind the latest time of source "
                 "'tracker' (3.000001 s); at most 2.000000 s is allowed");
  /* Still within the delay: the copy is a duplicate, even at the limit. */
  expect_sources(NULL, -1,
                 "{\"type\":\"enter\",\"seq\":1,\"t\":1000000,\"shopper\":\"U2\"}\n"
                 "{\"type\":\"exit\",\"seq\":2,\"t\":3000000,\"shopper\":\"U2\"}\n"
                 "{\"type\":\"enter\",\"seq\":1,\"t\":1000000,\"shopper\":\"U2\"}\n",
                 RF_EEXISTS, 10,
                 "line 10: enter: field 'seq': duplicate: source 'tracker' already sent seq 1");
}

#define RESTOCK(src, shelf, sku, t0, t1, qty)                                            \
  "{\"type\":\"restock\"," src "\"shelf\":\"" shelf "\",\"sku\":\"" sku "\",\"t0\":" #t0 \
  ",\"t1\":" #t1 ",\"qty\":" #qty "}\n"

/* restock: the shelf and the sku exist; it is counted, and its times are its span. */
static void restock_names_a_shelf_and_a_product(void **state) {
  (void)state;
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c,
                        STORE RESTOCK("", "S1", "B", 1000000, 9000000, 6)
                            RESTOCK("", "S2", "A", 9000000, 9000000, -2),
                        NULL),
                   0);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.records, 8);
  assert_int_equal(s.refused, 0);
  assert_int_equal(s.by_type[RF_RECORD_RESTOCK], 2);
  assert_true(s.has_time);
  assert_int_equal(s.t_min, 1000000);
  assert_int_equal(s.t_max, 9000000);
  rf_scenario_check_free(c);

  expect_refusal(RESTOCK("", "S3", "A", 1, 2, 6), RF_ENOTFOUND, 7,
                 "line 7: restock: field 'shelf': shelf 'S3' is not in the store");
  expect_refusal(RESTOCK("", "S1", "Q", 1, 2, 6), RF_ENOTFOUND, 7,
                 "line 7: restock: field 'sku': sku 'Q' is not in the store");
  /* The product need not face on that shelf (A's facing is on S1); ids are exact: no 's2'. */
  expect_refusal(RESTOCK("", "S2", "A", 1, 2, 6) RESTOCK("", "s2", "A", 3, 4, 6), RF_ENOTFOUND, 8,
                 "field 'shelf': shelf 's2' is not in the store");

  /* What the reader refuses, a record made in C can still hold: each is named by its field. */
  c = new_check();
  assert_int_equal(feed(c, STORE, NULL), 0);
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_RESTOCK;
  r.line = 7;
  r.u.restock = (rf_restock_rec){"S1", "A", 1000000, 2000000, 0};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c), "line 7: restock: field 'qty': must not be 0");
  r.u.restock = (rf_restock_rec){"S1", "A", 2000000, 1999999, 3};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 7: restock: field 't1': t1 1999999 is before t0 2000000");
  r.u.restock = (rf_restock_rec){"S1", "A", -RF_TIME_LIMIT_US - 1, 0, 3};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 7: restock: field 't0': time -4503599627370497 us is out of range "
                      "(more than 2^52 us from 0)");
  r.u.restock = (rf_restock_rec){"S1", "A", 0, INT64_MAX, 3};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_non_null(
      strstr(rf_scenario_check_errmsg(c), "restock: field 't1': time 9223372036854775807"));
  r.u.restock = (rf_restock_rec){"S1", "A", 0, 0, 3};
  r.source = "";
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c), "line 7: restock: field 'source': is empty");
  rf_scenario_summary after;
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.refused, 5);
  assert_int_equal(after.by_type[RF_RECORD_RESTOCK], 0);
  /* The same record, whole, is taken. */
  r.source = NULL;
  r.u.restock = (rf_restock_rec){"S1", "A", -RF_TIME_LIMIT_US, RF_TIME_LIMIT_US, -1};
  assert_int_equal(rf_scenario_check_record(c, &r), 0);
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.by_type[RF_RECORD_RESTOCK], 1);
  rf_scenario_check_free(c);
}

/* A restock naming no source is the "shelves" source's, with the shelves' delay (1 s), and its
 * time is its t1: it shares the clock and the seqs of deltas and samples, not the tracker's. */
static void restock_is_the_shelves_by_default(void **state) {
  (void)state;
  expect_sources(NULL, -1, DELTA("", 5000000) RESTOCK("", "S1", "A", 0, 4000000, 6), 0, 0, NULL);
  expect_sources(NULL, -1, DELTA("", 5000000) RESTOCK("", "S1", "A", 0, 3999999, 6), RF_ELATE, 9,
                 "line 9: restock: time 3.999999 s is 1.000001 s behind the latest time of source "
                 "'shelves' (5.000000 s); at most 1.000000 s is allowed");
  /* Its t1 moves the shelves' clock (t0 is long before). */
  expect_sources(NULL, -1, RESTOCK("", "S1", "A", 0, 5000000, 6) DELTA("", 3999999), RF_ELATE, 9,
                 "line 9: delta: time 3.999999 s is 1.000001 s behind the latest time of source "
                 "'shelves' (5.000000 s); at most 1.000000 s is allowed");
  /* Not the tracker's: an enter far behind is in time. */
  const char *enter_u2 = "{\"type\":\"enter\",\"t\":1000000,\"shopper\":\"U2\"}\n";
  char events[512];
  snprintf(events, sizeof events, "%s%s", RESTOCK("", "S1", "A", 0, 60000000, 6), enter_u2);
  expect_sources(NULL, -1, events, 0, 0, NULL);
  /* One seq count with the deltas: the same seq from "shelves" is a duplicate. */
  expect_sources(NULL, -1,
                 "{\"type\":\"delta\",\"seq\":3,\"shelf\":\"S1\",\"t0\":0,\"t1\":1000000,"
                 "\"plates\":{\"P1\":-100}}\n" RESTOCK("\"seq\":3,", "S1", "A", 0, 1000000, 6),
                 RF_EEXISTS, 9,
                 "line 9: restock: field 'seq': duplicate: source 'shelves' already sent seq 3");
  /* Naming "shelves" joins the default; another name has its own clock, with the shelves'
   * delay (its kind's). */
  expect_sources(NULL, -1,
                 DELTA("", 5000000) RESTOCK("\"source\":\"shelves\",", "S1", "A", 0, 3000000, 6),
                 RF_ELATE, 9,
                 "line 9: restock: time 3.000000 s is 2.000000 s behind the latest time of source "
                 "'shelves' (5.000000 s); at most 1.000000 s is allowed");
  expect_sources(NULL, -1,
                 DELTA("", 5000000) RESTOCK("\"source\":\"staff-app\",", "S1", "A", 0, 3000000, 6)
                     RESTOCK("\"source\":\"staff-app\",", "S1", "A", 0, 1999999, 6),
                 RF_ELATE, 10,
                 "line 10: restock: time 1.999999 s is 1.000001 s behind the latest time of source "
                 "'staff-app' (3.000000 s); at most 1.000000 s is allowed");
}

#define REVIEW(src, decision, shopper, items)                                   \
  "{\"type\":\"review\"," src "\"decision\":" #decision ",\"shopper\":" shopper \
  ",\"items\":" items "}\n"
#define EXPLAIN(shelf, alternatives, hands)                                                                 \
  "{\"type\":\"explain\",\"event\":0,\"t\":7000000,\"shelf\":\"" shelf "\",\"t0\":0,"                       \
  "\"t1\":1000000,\"total\":-100,\"x\":0.05,\"how\":\"whole\",\"diffs\":[0],\"alternatives\":" alternatives \
  ",\"candidates\":[{\"shopper\":\"U1\",\"p\":1}],\"hands\":" hands "}\n"
#define ALT_U1 "[{\"shopper\":\"U1\",\"items\":{\"A\":1},\"p\":1,\"terms\":{\"weight\":-1}}]"
#define DIFF_0                                                                             \
  "{\"type\":\"diff\",\"seq\":0,\"t\":7000000,\"shopper\":\"U1\",\"sku\":\"A\",\"qty\":1," \
  "\"conf\":0.5,\"review\":true,\"event\":0}\n"

/* A verdict names a shopper who entered (or nobody) and skus of the store; it bears no time, so
 * it is never late and moves no source's clock. An explanation names a shelf and skus of the
 * store. Both are counted; neither widens the file's time span. */
static void reviews_and_explanations_are_checked_and_counted(void **state) {
  (void)state;
  rf_scenario_check *c = new_check();
  assert_int_equal(
      feed(c,
           STORE ENTER_U1 DELTA("", 1000000) DIFF_0 EXPLAIN("S1", ALT_U1, "[]")
               REVIEW("", 0, "\"U1\"", "{\"B\":1,\"A\":-1}") REVIEW(
                   "\"source\":\"desk\",\"seq\":1,", 0, "null",
                   "{}") "{\"type\":\"diff\",\"seq\":1,\"t\":7000000,\"shopper\":\"U1\",\"sku\":"
                         "\"A\",\"qty\":-1,\"conf\":1,\"review\":false,\"event\":0,\"reviews\":0}\n"
                         "{\"type\":\"exit\",\"t\":20000000,\"shopper\":\"U1\"}\n"
                         "{\"type\":\"receipt\",\"t\":27000000,\"shopper\":\"U1\",\"items\":{},"
                         "\"review\":false,\"amends\":true}\n",
           NULL),
      0);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.refused, 0);
  assert_int_equal(s.records, 15);
  assert_int_equal(s.by_type[RF_RECORD_REVIEW], 2);
  assert_int_equal(s.by_type[RF_RECORD_EXPLAIN], 1);
  assert_int_equal(s.by_type[RF_RECORD_DIFF], 2);
  assert_int_equal(s.t_min, 0);
  assert_int_equal(s.t_max, 27000000);
  rf_scenario_check_free(c);

  /* A verdict after the shelves' clock reached 60 s is not late, and does not move it: a delta
   * 1 s behind is still in time. */
  expect_sources(NULL, -1,
                 DELTA("", 60000000) REVIEW("\"source\":\"shelves\",", 3, "null", "{}")
                     DELTA("", 59000000),
                 0, 0, NULL);

  expect_exact(REVIEW("", 0, "\"U9\"", "{\"A\":1}"), RF_ENOTFOUND, 7,
               "line 7: review: field 'shopper': shopper 'U9' has not entered");
  expect_exact(ENTER_U1 REVIEW("", 0, "\"U1\"", "{\"A\":1,\"Q\":-1}"), RF_ENOTFOUND, 8,
               "line 8: review: field 'items': sku 'Q' is not in the store");
  expect_exact(ENTER_U1 EXPLAIN("S9", ALT_U1, "[]"), RF_ENOTFOUND, 8,
               "line 8: explain: field 'shelf': shelf 'S9' is not in the store");
  expect_exact(
      ENTER_U1 EXPLAIN("S1",
                       "[{\"shopper\":\"U1\",\"items\":{\"A\":1},\"p\":0.5},{\"shopper\":\"U1\","
                       "\"items\":{\"Q\":1},\"p\":0.5}]",
                       "[]"),
      RF_ENOTFOUND, 8,
      "line 8: explain: field 'alternatives[1].items': sku 'Q' is not in the store");

  /* What the reader refuses, a record made in C can still hold: each is named by its field. */
  c = new_check();
  assert_int_equal(feed(c, STORE ENTER_U1, NULL), 0);
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_REVIEW;
  r.line = 9;
  rf_item_qty items[2] = {{"A", 1}, {"B", 0}};
  r.u.review = (rf_review_rec){-1, "U1", items, 1, NULL};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 9: review: field 'decision': must be >= 0, got -1");
  r.u.review = (rf_review_rec){4, NULL, items, 1, NULL};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 9: review: field 'items': must be {} when shopper is null");
  r.u.review = (rf_review_rec){4, "U1", items, 2, NULL};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 9: review: field 'items.B': must not be 0");
  r.u.review = (rf_review_rec){4, "U1", items, 1, NULL};
  r.source = "";
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c), "line 9: review: field 'source': is empty");
  r.source = NULL;
  r.type = RF_RECORD_EXPLAIN;
  rf_explain_hand hand = {NULL, 0, ((rf_time_us)1 << 53) + 1, 0, 0.0, 1.0};
  r.u.explain = (rf_explain_rec){0,    7000000, "S1", 0, 1000000, -100, 0.05,  "whole",
                                 NULL, 0,       NULL, 0, NULL,    0,    &hand, 1};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 9: explain: field 'hands[0].t1': time 9007199254740993 us is out of "
                      "range (more than 2^53 us from 0)");
  r.u.explain.hands = NULL; /* a host's bug, refused rather than followed */
  assert_int_equal(rf_scenario_check_record(c, &r), RF_EINVAL);
  assert_string_equal(rf_scenario_check_errmsg(c), "line 9: explain: field 'hands': is NULL");
  r.u.explain.hands = &hand;
  hand.t1 = (rf_time_us)1 << 53; /* output times reach 2^53 */
  assert_int_equal(rf_scenario_check_record(c, &r), 0);
  rf_scenario_summary after;
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.refused, 6);
  assert_int_equal(after.by_type[RF_RECORD_REVIEW], 0);
  assert_int_equal(after.by_type[RF_RECORD_EXPLAIN], 1);
  rf_scenario_check_free(c);

  /* A file of verdicts alone (no store, nobody entering) is checked for what it can be. */
  c = new_check();
  assert_int_equal(feed(c, REVIEW("", 7, "\"S1\"", "{\"X\":2}") REVIEW("", 8, "null", "{}"), NULL),
                   0);
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.by_type[RF_RECORD_REVIEW], 2);
  assert_false(after.has_time);
  rf_scenario_check_free(c);
}

/* An allocator that counts the bytes live and their peak. */
typedef struct bytes_alloc {
  size_t live, peak;
} bytes_alloc;

#define BYTES_HDR 16 /* keeps malloc's alignment for what follows */

static void *ba_malloc(size_t size, void *payload) {
  bytes_alloc *b = payload;
  unsigned char *p = malloc(size + BYTES_HDR);
  if (p == NULL) return NULL;
  memcpy(p, &size, sizeof size);
  b->live += size;
  if (b->live > b->peak) b->peak = b->live;
  return p + BYTES_HDR;
}

static void ba_free(void *ptr, void *payload) {
  bytes_alloc *b = payload;
  if (ptr == NULL) return;
  unsigned char *p = (unsigned char *)ptr - BYTES_HDR;
  size_t size;
  memcpy(&size, p, sizeof size);
  b->live -= size;
  free(p);
}

static void *ba_realloc(void *ptr, size_t size, void *payload) {
  void *fresh = ba_malloc(size, payload);
  if (fresh == NULL || ptr == NULL) return fresh;
  size_t old;
  memcpy(&old, (unsigned char *)ptr - BYTES_HDR, sizeof old);
  memcpy(fresh, ptr, old < size ? old : size);
  ba_free(ptr, payload);
  return fresh;
}

/* A source sending a seq a millisecond for an hour: the checker keeps the seqs within the
 * delay (2,000 of them), not the hour's 3.6 million. */
static void seqs_are_kept_within_the_delay_only(void **state) {
  (void)state;
  bytes_alloc b = {0, 0};
  rf_allocator a = {ba_malloc, ba_realloc, ba_free, &b};
  rf_scenario_check *c;
  assert_int_equal(rf_scenario_check_new(&c, &a), 0);
  assert_int_equal(feed(c, STORE "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n", NULL), 0);
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_POSITION;
  r.u.position.shopper = "U1";
  r.has_seq = 1;
  size_t after_warmup = 0;
  for (int64_t i = 0; i < 3600000; ++i) {
    r.seq = i;
    r.u.position.t = i * 1000;
    assert_int_equal(rf_scenario_check_record(c, &r), 0);
    if (i == 100000) after_warmup = b.peak;
  }
  assert_true(b.peak == after_warmup); /* no growth after the first 100 s */
  assert_true(b.peak < 512 * 1024);
  r.seq = 3599000; /* within the last 2 s: a duplicate */
  assert_int_equal(rf_scenario_check_record(c, &r), RF_EEXISTS);
  rf_scenario_check_free(c);
  assert_int_equal(b.live, 0);
}

static void times_are_within_the_time_range(void **state) {
  (void)state;
  rf_scenario_check *c = new_check();
  assert_int_equal(
      feed(c, STORE "{\"type\":\"enter\",\"t\":-4503599627370496,\"shopper\":\"U1\"}\n", NULL), 0);
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_POSITION;
  r.line = 9;
  r.u.position.shopper = "U1";
  /* Before, a record at INT64_MIN was taken and the next record's lateness overflowed. */
  r.u.position.t = INT64_MIN;
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 9: position: field 't': time -9223372036854775808 us is out of "
                      "range (more than 2^52 us from 0)");
  r.u.position.t = RF_TIME_LIMIT_US + 1;
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  r.u.position.t = -RF_TIME_LIMIT_US;
  assert_int_equal(rf_scenario_check_record(c, &r), 0);
  /* The widest lateness with the earliest times: no overflow. */
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, 3600), 0);
  assert_int_equal(rf_scenario_check_record(c, &r), 0);
  r.u.position.t = RF_TIME_LIMIT_US;
  assert_int_equal(rf_scenario_check_record(c, &r), 0);

  r.type = RF_RECORD_DELTA;
  r.u.delta = (rf_delta_rec){"S1", 0, INT64_MAX, (rf_plate_delta[]){{"P1", -1}}, 1};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_non_null(
      strstr(rf_scenario_check_errmsg(c), "delta: field 't1': time 9223372036854775807"));
  /* Samples whose last reading would overflow, or that have none. */
  double g[3] = {1, 2, 3};
  r.type = RF_RECORD_SAMPLES;
  r.u.samples = (rf_samples_rec){"P1", RF_TIME_LIMIT_US - 19, 10, g, 3};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c),
                      "line 9: samples: field 'dt_us': the last reading's time is out of range");
  r.u.samples.t = RF_TIME_LIMIT_US - 20; /* the last reading at the limit */
  assert_int_equal(rf_scenario_check_record(c, &r), 0);
  r.u.samples = (rf_samples_rec){"P1", 0, INT64_MAX, g, 3};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  r.u.samples = (rf_samples_rec){"P1", 0, 10, g, 0};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_non_null(strstr(rf_scenario_check_errmsg(c), "field 'g': has no readings"));
  r.u.samples = (rf_samples_rec){"P1", 0, 0, g, 1};
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  /* Output times may reach 2^53 (input times plus the engine's waits). */
  r.type = RF_RECORD_DIFF;
  r.u.diff = (rf_diff_rec){0, (rf_time_us)1 << 53, "U1", "A", 1, 1.0, 0, 0, 0, 0, 0, 0};
  assert_int_equal(rf_scenario_check_record(c, &r), 0);
  r.u.diff.t = ((rf_time_us)1 << 53) + 1;
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_non_null(strstr(rf_scenario_check_errmsg(c), "more than 2^53 us"));
  /* An empty source name is no source. */
  r.type = RF_RECORD_POSITION;
  r.u.position.t = RF_TIME_LIMIT_US;
  r.source = "";
  assert_int_equal(rf_scenario_check_record(c, &r), RF_ERANGE);
  assert_string_equal(rf_scenario_check_errmsg(c), "line 9: position: field 'source': is empty");
  rf_scenario_check_free(c);
}

static void a_refused_record_changes_nothing(void **state) {
  (void)state;
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, STORE "{\"type\":\"enter\",\"t\":5000000,\"shopper\":\"U1\"}\n", NULL),
                   0);
  rf_scenario_summary before, after;
  rf_scenario_check_summary(c, &before);
  /* Late, then a late enter of a new shopper: neither may register. */
  assert_int_equal(feed(c, "{\"type\":\"enter\",\"t\":1000000,\"shopper\":\"U2\"}\n", NULL),
                   RF_ELATE);
  assert_int_equal(
      feed(
          c,
          "{\"type\":\"hand\",\"shopper\":\"U2\",\"shelf\":\"S1\",\"t0\":5000000,\"t1\":5000001}\n",
          NULL),
      RF_ENOTFOUND);
  rf_scenario_check_summary(c, &after);
  assert_int_equal(after.refused, before.refused + 2);
  after.refused = before.refused;
  assert_memory_equal(&before, &after, sizeof before);
  rf_scenario_check_free(c);
}

static void files_without_a_store_check_what_they_can(void **state) {
  (void)state;
  /* A truth file: no store, no enters; skus and shoppers cannot be checked and are not. */
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c,
                        "{\"type\":\"truth\",\"t\":1,\"shopper\":\"S1\",\"sku\":\"X\",\"qty\":1}\n"
                        "{\"type\":\"receipt\",\"shopper\":\"S1\",\"items\":{\"X\":1}}\n",
                        NULL),
                   0);
  rf_scenario_summary s;
  rf_scenario_check_summary(c, &s);
  assert_int_equal(s.records, 2);
  assert_int_equal(s.products, 0);
  rf_scenario_check_free(c);
  /* Events that name a shelf need a store. */
  c = new_check();
  assert_int_equal(
      feed(c, "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1,\"t1\":2,\"plates\":{\"P1\":-1}}\n",
           NULL),
      RF_ENOTFOUND);
  rf_scenario_check_free(c);
}

static void the_store_can_be_taken_over(void **state) {
  (void)state;
  rf_scenario_check *c = new_check();
  assert_int_equal(feed(c, STORE, NULL), 0);
  rf_store *s = rf_scenario_check_take_store(c);
  assert_non_null(s);
  assert_int_equal(rf_store_product_count(s), 2);
  assert_int_equal(rf_store_facing_count(s), 2);
  assert_null(rf_scenario_check_take_store(c));
  assert_null(rf_scenario_check_store(c));
  /* Counting goes on; ids are no longer checked. */
  assert_int_equal(
      feed(c,
           "{\"type\":\"enter\",\"t\":0,\"shopper\":\"U1\"}\n"
           "{\"type\":\"delta\",\"shelf\":\"S9\",\"t0\":1,\"t1\":2,\"plates\":{\"P1\":-1}}\n",
           NULL),
      0);
  rf_scenario_check_free(c);
  uint32_t i;
  assert_int_equal(rf_store_find_shelf(s, "S1", &i), 0);
  rf_store_free(s);
}

static void params_are_checked(void **state) {
  (void)state;
  rf_scenario_check *c = (rf_scenario_check *)1;
  assert_int_equal(rf_scenario_check_new(NULL, NULL), RF_EINVAL);
  test_alloc t;
  rf_allocator a = test_alloc_make(&t, 0);
  a.malloc_fn = NULL;
  assert_int_equal(rf_scenario_check_new(&c, &a), RF_EINVAL);
  assert_null(c);
  assert_int_equal(t.calls, 0);
  assert_int_equal(rf_scenario_check_record(NULL, NULL), RF_EINVAL);
  rf_scenario_check_free(NULL);

  /* The table: one parameter, LATENESS_S, 2 s by default (the old option's 2 s). */
  assert_string_equal(rf_scenario_check_param_name(RF_CHECK_LATENESS_S), "LATENESS_S");
  assert_non_null(rf_scenario_check_param_help(RF_CHECK_LATENESS_S));
  assert_null(rf_scenario_check_param_name(RF_CHECK_PARAM_COUNT));
  assert_null(rf_scenario_check_param_help(RF_CHECK_PARAM_COUNT));
  double lo = -1, hi = -1, def = -1;
  assert_int_equal(rf_scenario_check_param_bounds(RF_CHECK_LATENESS_S, &lo, &hi, &def), 0);
  assert_true(lo == 0.0 && def == 2.0 && hi == 3600.0);
  assert_int_equal(rf_scenario_check_param_bounds(RF_CHECK_LATENESS_S, NULL, NULL, NULL), 0);
  assert_int_equal(rf_scenario_check_param_bounds(RF_CHECK_PARAM_COUNT, &lo, &hi, &def), RF_ERANGE);

  c = new_check();
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 2.0);
  /* Out of bounds or not finite: refused, the value unchanged. */
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, -1e-6), RF_ERANGE);
  assert_non_null(strstr(rf_scenario_check_errmsg(c), "LATENESS_S"));
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, hi * 2 + 1), RF_ERANGE);
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, NAN), RF_ERANGE);
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, INFINITY), RF_ERANGE);
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 2.0);
  /* Unknown parameters. */
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_PARAM_COUNT, 1.0), RF_EINVAL);
  assert_int_equal(rf_scenario_check_param_set(c, (rf_check_param)-1, 1.0), RF_EINVAL);
  assert_int_equal(rf_scenario_check_param_set(NULL, RF_CHECK_LATENESS_S, 1.0), RF_EINVAL);
  assert_true(isnan(rf_scenario_check_param_get(c, RF_CHECK_PARAM_COUNT)));
  assert_true(isnan(rf_scenario_check_param_get(NULL, RF_CHECK_LATENESS_S)));
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 2.0);

  /* Lateness 0: any step back in time is late. */
  assert_int_equal(rf_scenario_check_param_set(c, RF_CHECK_LATENESS_S, 0.0), 0);
  assert_string_equal(rf_scenario_check_errmsg(c), "");
  assert_true(rf_scenario_check_param_get(c, RF_CHECK_LATENESS_S) == 0.0);
  assert_int_equal(feed(c,
                        STORE "{\"type\":\"enter\",\"t\":1000000,\"shopper\":\"U1\"}\n"
                              "{\"type\":\"enter\",\"t\":1000000,\"shopper\":\"U2\"}\n",
                        NULL),
                   0);
  assert_int_equal(feed(c, "{\"type\":\"exit\",\"t\":999999,\"shopper\":\"U1\"}\n", NULL),
                   RF_ELATE);
  rf_scenario_check_free(c);
}

static void allocation_failure_is_clean_at_every_point(void **state) {
  (void)state;
  /* Cameras are kept by name: the checker allocates for them too. */
  const char *text = STORE CAMERAS ENTER_U1
      "{\"type\":\"enter\",\"t\":1,\"shopper\":\"U2\"}\n"
      "{\"type\":\"enter\",\"t\":2,\"shopper\":\"U3\"}\n"
      "{\"type\":\"delta\",\"shelf\":\"S1\",\"t0\":1000000,\"t1\":1500000,\"plates\":{\"P1\":-100}}\n"
      "{\"type\":\"hand\",\"source\":\"cam-1\",\"seq\":1,\"shelf\":\"S1\",\"t0\":0,\"t1\":2}\n"
      "{\"type\":\"enter\",\"source\":\"door\",\"seq\":1,\"t\":3,\"shopper\":\"U4\"}\n";
  long k;
  for (k = 1;; ++k) {
    test_alloc t;
    rf_allocator a = test_alloc_make(&t, k);
    rf_scenario_check *c = NULL;
    int rc = rf_scenario_check_new(&c, &a);
    if (rc == 0) {
      rf_scenario_reader *r;
      assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), NULL, NULL), 0);
      rf_record rec;
      while (rf_scenario_reader_next(r, &rec) == 0) {
        int c_rc = rf_scenario_check_record(c, &rec);
        if (c_rc != 0) {
          assert_int_equal(c_rc, RF_ENOMEM);
          assert_true(t.failed);
          /* The same record goes through once memory is back. */
          t.fail_at = 0;
          assert_int_equal(rf_scenario_check_record(c, &rec), 0);
        }
      }
      rf_scenario_reader_free(r);
      rf_scenario_summary s;
      rf_scenario_check_summary(c, &s);
      assert_int_equal(s.records, 15);
      assert_int_equal(s.shoppers, 4);
      assert_int_equal(s.cameras, 2);
    } else {
      assert_int_equal(rc, RF_ENOMEM);
      assert_null(c);
    }
    rf_scenario_check_free(c);
    assert_int_equal(t.live, 0);
    if (!t.failed) break;
  }
  assert_true(k > 10); /* failures were really injected along the way */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_valid_scenario_is_counted),
      cmocka_unit_test(store_records_must_come_first),
      cmocka_unit_test(store_errors_name_line_and_id),
      cmocka_unit_test(cameras_and_zones_are_checked_and_counted),
      cmocka_unit_test(camera_and_zone_rules),
      cmocka_unit_test(events_must_name_what_exists),
      cmocka_unit_test(shoppers_enter_before_they_act),
      cmocka_unit_test(times_may_lag_by_the_lateness_only),
      cmocka_unit_test(each_source_has_its_own_clock_and_delay),
      cmocka_unit_test(delays_can_be_set_by_source_or_for_all),
      cmocka_unit_test(a_source_seq_may_not_come_twice),
      cmocka_unit_test(restock_names_a_shelf_and_a_product),
      cmocka_unit_test(restock_is_the_shelves_by_default),
      cmocka_unit_test(reviews_and_explanations_are_checked_and_counted),
      cmocka_unit_test(seqs_are_kept_within_the_delay_only),
      cmocka_unit_test(times_are_within_the_time_range),
      cmocka_unit_test(a_refused_record_changes_nothing),
      cmocka_unit_test(files_without_a_store_check_what_they_can),
      cmocka_unit_test(the_store_can_be_taken_over),
      cmocka_unit_test(params_are_checked),
      cmocka_unit_test(allocation_failure_is_clean_at_every_point),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
