/* The scenario reader: every record type of docs/format.md field by field, every malformed line
 * named by line and field (and reading going on after it), line framing (CRLF, blank lines, a
 * last line without a newline), line limits across reads, stream errors, bounded memory and
 * allocation failure.
 *
 * JSON text in this file is written with single quotes and turned into double quotes by q(). */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, unlink */

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "retailfuse/scenario.h"
#include "retailfuse/status.h"
#include "test_alloc.h"

/* ---- helpers ---- */

/* A heap copy of `s` with ' turned into ". */
static char *q(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(n + 1);
  assert_non_null(out);
  for (size_t i = 0; i <= n; ++i) out[i] = s[i] == '\'' ? '"' : s[i];
  return out;
}

/* A reader over a q() copy of `text`, which is kept in *keep (free it after the reader). */
static rf_scenario_reader *open_text(const char *text, char **keep) {
  *keep = q(text);
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&r, *keep, strlen(*keep), NULL, NULL), 0);
  assert_non_null(r);
  return r;
}

/* What the running loop is at, printed when a check fails. */
static char current_case[256];

static void set_case(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(current_case, sizeof current_case, fmt, ap);
  va_end(ap);
}

static void print_case(void) {
  if (current_case[0] != '\0') print_error("while checking: %s\n", current_case);
}

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* Asserts that the message names line `line` and, if given, the field and another fragment. */
static void assert_msg(const rf_scenario_reader *r, uint64_t line, const char *field,
                       const char *extra) {
  const char *msg = rf_scenario_reader_errmsg(r);
  char want[128];
  snprintf(want, sizeof want, "line %llu:", (unsigned long long)line);
  if (!contains(msg, want)) {
    print_case();
    fail_msg("message '%s' does not name %s", msg, want);
  }
  if (field != NULL) {
    snprintf(want, sizeof want, "field '%s'", field);
    if (!contains(msg, want)) {
      print_case();
      fail_msg("message '%s' does not name %s", msg, want);
    }
  }
  if (extra != NULL && !contains(msg, extra)) {
    print_case();
    fail_msg("message '%s' lacks '%s'", msg, extra);
  }
}

static void expect_next(rf_scenario_reader *r, rf_record *rec, rf_record_type type, uint64_t line) {
  int rc = rf_scenario_reader_next(r, rec);
  if (rc != 0) {
    print_case();
    fail_msg("line %llu: got %s: %s", (unsigned long long)line, rf_err_name(rc),
             rf_scenario_reader_errmsg(r));
  }
  assert_int_equal(rec->type, type);
  assert_int_equal(rec->line, line);
  assert_int_equal(rf_scenario_reader_line(r), line);
}

static void expect_error(rf_scenario_reader *r, int code, uint64_t line, const char *field,
                         const char *extra) {
  rf_record rec;
  int rc = rf_scenario_reader_next(r, &rec);
  if (rc != code) {
    print_case();
    fail_msg("line %llu: expected %s, got %s (%s)", (unsigned long long)line, rf_err_name(code),
             rf_err_name(rc), rf_scenario_reader_errmsg(r));
  }
  assert_msg(r, line, field, extra);
  assert_int_equal(rf_scenario_reader_line(r), line);
}

static void expect_end(rf_scenario_reader *r) {
  rf_record rec;
  int rc = rf_scenario_reader_next(r, &rec);
  if (rc != RF_ITEROVER) {
    print_case();
    fail_msg("expected the end, got %s: %s", rf_err_name(rc), rf_scenario_reader_errmsg(r));
  }
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
}

/* ---- every record type, every field ---- */

static void test_store_records(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'product','sku':'859000002121','name':'Sweet Tea','weight_g':540.67,"
      "'weight_sd_g':3.0}\n"
      "{'type':'product','sku':'A','weight_g':100}\n"
      "{'type':'shelf','shelf':'G1S3','noise_g':1.5,'pos':[2.25,-0.5],'plates':[{'plate':'G1S3P1',"
      "'x0':0.0,'x1':0.1016},{'plate':'G1S3P2','x0':0.1016,'x1':0.2032},{'x1':0.3048,'x0':0.2032,"
      "'plate':'G1S3P3'}]}\n"
      "{'type':'shelf','shelf':'S2','dir':[0,-2.5],'plates':[{'plate':'Q1','x0':0,'x1':0.1}]}\n"
      "{'type':'facing','shelf':'G1S3','sku':'859000002121','x0':0.3048,'x1':0.4064,'count':8}\n"
      "{'type':'facing','shelf':'G1S3','sku':'A','x0':0.1,'x1':0.2}\n"
      "{'type':'facing','shelf':'G1S3','sku':'A','x0':0.1,'x1':0.2,'count':0}\n",
      &text);
  rf_record rec;

  expect_next(r, &rec, RF_RECORD_PRODUCT, 1);
  assert_string_equal(rec.u.product.sku, "859000002121");
  assert_string_equal(rec.u.product.name, "Sweet Tea");
  assert_true(rec.u.product.weight_g == 540.67);
  assert_int_equal(rec.u.product.has_weight_sd, 1);
  assert_true(rec.u.product.weight_sd_g == 3.0);

  expect_next(r, &rec, RF_RECORD_PRODUCT, 2);
  assert_string_equal(rec.u.product.sku, "A");
  assert_null(rec.u.product.name);
  assert_true(rec.u.product.weight_g == 100.0);
  assert_int_equal(rec.u.product.has_weight_sd, 0);

  expect_next(r, &rec, RF_RECORD_SHELF, 3);
  const rf_shelf_def *s = &rec.u.shelf;
  assert_string_equal(s->shelf, "G1S3");
  assert_int_equal(s->has_noise, 1);
  assert_true(s->noise_g == 1.5);
  assert_int_equal(s->has_pos, 1);
  assert_true(s->pos_x == 2.25);
  assert_true(s->pos_y == -0.5);
  assert_int_equal(s->has_dir, 0);
  assert_int_equal(s->plate_count, 3);
  assert_string_equal(s->plates[0].plate, "G1S3P1");
  assert_true(s->plates[0].x0 == 0.0);
  assert_true(s->plates[0].x1 == 0.1016);
  assert_string_equal(s->plates[1].plate, "G1S3P2");
  assert_true(s->plates[1].x0 == 0.1016);
  assert_true(s->plates[1].x1 == 0.2032);
  assert_string_equal(s->plates[2].plate, "G1S3P3"); /* members in any order */
  assert_true(s->plates[2].x0 == 0.2032);
  assert_true(s->plates[2].x1 == 0.3048);

  expect_next(r, &rec, RF_RECORD_SHELF, 4);
  assert_string_equal(rec.u.shelf.shelf, "S2");
  assert_int_equal(rec.u.shelf.has_noise, 0);
  assert_int_equal(rec.u.shelf.has_pos, 0);
  assert_int_equal(rec.u.shelf.has_dir, 1); /* as written: the store normalises it */
  assert_true(rec.u.shelf.dir_x == 0.0 && rec.u.shelf.dir_y == -2.5);
  assert_int_equal(rec.u.shelf.plate_count, 1);
  assert_string_equal(rec.u.shelf.plates[0].plate, "Q1");
  assert_true(rec.u.shelf.plates[0].x1 == 0.1);

  expect_next(r, &rec, RF_RECORD_FACING, 5);
  assert_string_equal(rec.u.facing.shelf, "G1S3");
  assert_string_equal(rec.u.facing.sku, "859000002121");
  assert_true(rec.u.facing.x0 == 0.3048);
  assert_true(rec.u.facing.x1 == 0.4064);
  assert_int_equal(rec.u.facing.count, 8);

  expect_next(r, &rec, RF_RECORD_FACING, 6);
  assert_string_equal(rec.u.facing.sku, "A");
  assert_true(rec.u.facing.x0 == 0.1);
  assert_true(rec.u.facing.x1 == 0.2);
  assert_int_equal(rec.u.facing.count, RF_COUNT_UNKNOWN);

  expect_next(r, &rec, RF_RECORD_FACING, 7);
  assert_int_equal(rec.u.facing.count, 0);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

/* `staff` on enter: true, false or absent; never read on exit. */
static void test_staff_field(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text("{'type':'enter','t':0,'shopper':'E1','staff':true}\n"
                                    "{'type':'enter','t':0,'shopper':'E2','staff':false}\n"
                                    "{'type':'enter','t':0,'shopper':'S1'}\n"
                                    "{'type':'exit','t':9,'shopper':'E1','staff':true}\n",
                                    &text);
  rf_record rec;
  const int staff[] = {1, 0, 0, 0};
  for (size_t i = 0; i < 4; ++i) {
    expect_next(r, &rec, i < 3 ? RF_RECORD_ENTER : RF_RECORD_EXIT, i + 1);
    assert_int_equal(rec.u.enter.staff, staff[i]);
  }
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

static void test_event_records(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'enter','t':0,'shopper':'S1'}\n"
      "{'type':'exit','t':95000000,'shopper':'S1'}\n"
      "{'type':'link','t':1000,'shopper':'S2','cart':'S1'}\n"
      "{'type':'position','t':5000000,'shopper':'S1','x':2.1,'y':0.4}\n"
      "{'type':'samples','plate':'G1S3P4','t':1000000,'dt_us':16667,'g':[2210.4,2210.6,-3,1e3]}\n"
      "{'type':'samples','plate':'P','t':4503599627370000,'dt_us':1,'g':[7]}\n"
      "{'type':'delta','shelf':'G1S3','t0':1000000,'t1':1800000,'plates':{'G1S3P5':-0.4,"
      "'G1S3P4':-540.2,'G1S3P1':0}}\n"
      "{'type':'delta','shelf':'G1S3','t0':5,'t1':5,'plates':{'X':1}}\n"
      "{'type':'exit','t':-7,'shopper':'S1'}\n",
      &text);
  rf_record rec;

  expect_next(r, &rec, RF_RECORD_ENTER, 1);
  assert_int_equal(rec.u.enter.t, 0);
  assert_string_equal(rec.u.enter.shopper, "S1");

  expect_next(r, &rec, RF_RECORD_EXIT, 2);
  assert_int_equal(rec.u.exit.t, 95000000);
  assert_string_equal(rec.u.exit.shopper, "S1");

  expect_next(r, &rec, RF_RECORD_LINK, 3);
  assert_int_equal(rec.u.link.t, 1000);
  assert_string_equal(rec.u.link.shopper, "S2");
  assert_string_equal(rec.u.link.cart, "S1");

  expect_next(r, &rec, RF_RECORD_POSITION, 4);
  assert_int_equal(rec.u.position.t, 5000000);
  assert_string_equal(rec.u.position.shopper, "S1");
  assert_true(rec.u.position.x == 2.1);
  assert_true(rec.u.position.y == 0.4);

  expect_next(r, &rec, RF_RECORD_SAMPLES, 5);
  assert_string_equal(rec.u.samples.plate, "G1S3P4");
  assert_int_equal(rec.u.samples.t, 1000000);
  assert_int_equal(rec.u.samples.dt_us, 16667);
  assert_int_equal(rec.u.samples.count, 4);
  assert_true(rec.u.samples.g[0] == 2210.4);
  assert_true(rec.u.samples.g[1] == 2210.6);
  assert_true(rec.u.samples.g[2] == -3.0);
  assert_true(rec.u.samples.g[3] == 1000.0);

  expect_next(r, &rec, RF_RECORD_SAMPLES, 6);
  assert_int_equal(rec.u.samples.t, 4503599627370000LL);
  assert_int_equal(rec.u.samples.count, 1);
  assert_true(rec.u.samples.g[0] == 7.0);

  expect_next(r, &rec, RF_RECORD_DELTA, 7);
  const rf_delta_rec *d = &rec.u.delta;
  assert_string_equal(d->shelf, "G1S3");
  assert_int_equal(d->t0, 1000000);
  assert_int_equal(d->t1, 1800000);
  assert_int_equal(d->plate_count, 3);
  assert_string_equal(d->plates[0].plate, "G1S3P5"); /* file order, not sorted */
  assert_true(d->plates[0].g == -0.4);
  assert_string_equal(d->plates[1].plate, "G1S3P4");
  assert_true(d->plates[1].g == -540.2);
  assert_string_equal(d->plates[2].plate, "G1S3P1");
  assert_true(d->plates[2].g == 0.0);

  expect_next(r, &rec, RF_RECORD_DELTA, 8); /* t0 == t1 is allowed */
  assert_int_equal(rec.u.delta.t0, 5);
  assert_int_equal(rec.u.delta.t1, 5);
  assert_int_equal(rec.u.delta.plate_count, 1);
  assert_string_equal(rec.u.delta.plates[0].plate, "X");
  assert_true(rec.u.delta.plates[0].g == 1.0);

  expect_next(r, &rec, RF_RECORD_EXIT, 9);
  assert_int_equal(rec.u.exit.t, -7);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

/* restock: every field, source and seq as every input event may carry them, t0 == t1, and
 * quantities either way. */
static void test_restock_records(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'restock','shelf':'G1S3','sku':'859000002121','t0':1000000,'t1':9000000,'qty':6}\n"
      "{'qty':-2,'t1':7,'t0':7,'sku':'A','shelf':'S','type':'restock','source':'staff-app',"
      "'seq':12}\n"
      "{'type':'restock','source':null,'shelf':'S','sku':'A','t0':1e3,'t1':2000.0,'qty':1e1}\n",
      &text);
  rf_record rec;

  expect_next(r, &rec, RF_RECORD_RESTOCK, 1);
  assert_string_equal(rf_record_type_name(rec.type), "restock");
  assert_string_equal(rec.u.restock.shelf, "G1S3");
  assert_string_equal(rec.u.restock.sku, "859000002121");
  assert_int_equal(rec.u.restock.t0, 1000000);
  assert_int_equal(rec.u.restock.t1, 9000000);
  assert_int_equal(rec.u.restock.qty, 6);
  assert_null(rec.source);
  assert_int_equal(rec.has_seq, 0);

  expect_next(r, &rec, RF_RECORD_RESTOCK, 2); /* fields in any order */
  assert_string_equal(rec.u.restock.shelf, "S");
  assert_string_equal(rec.u.restock.sku, "A");
  assert_int_equal(rec.u.restock.t0, 7);
  assert_int_equal(rec.u.restock.t1, 7);
  assert_int_equal(rec.u.restock.qty, -2);
  assert_string_equal(rec.source, "staff-app");
  assert_int_equal(rec.has_seq, 1);
  assert_int_equal(rec.seq, 12);

  expect_next(r, &rec, RF_RECORD_RESTOCK, 3); /* integers in any number form; null source */
  assert_int_equal(rec.u.restock.t0, 1000);
  assert_int_equal(rec.u.restock.t1, 2000);
  assert_int_equal(rec.u.restock.qty, 10);
  assert_null(rec.source);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

/* camera and zone: every field, t0 absent (0), integers in any number form, every front, and
 * `source` and `seq` not read (store records carry neither). */
static void test_camera_zone_records(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'camera','camera':'C1','width':640,'height':480,'fps':30,'t0':0}\n"
      "{'fps':29.97,'t0':-1500000,'height':1.08e3,'width':1920.0,'camera':'C2','type':'camera'}\n"
      "{'type':'camera','camera':'C3','width':1,'height':65535,'fps':1e-3,'source':'x','seq':1}\n"
      "{'type':'zone','camera':'C1','shelf':'G1S3','px':[0,40,600,120],'front':'bottom',"
      "'shelf_x':[0.0,1.2]}\n"
      "{'shelf_x':[1.5,-0.25],'front':'top','px':[1e2,0,1920,1080.0],'shelf':'G1S1',"
      "'camera':'C2','type':'zone'}\n"
      "{'type':'zone','camera':'C2','shelf':'G1S1','px':[0,0,1,1],'front':'left','shelf_x':[0,1]}\n"
      "{'type':'zone','camera':'C3','shelf':'S','px':[0,0,1,65535],'front':'right',"
      "'shelf_x':[2,1],'source':'cam','seq':3}\n",
      &text);
  rf_record rec;

  expect_next(r, &rec, RF_RECORD_CAMERA, 1);
  assert_string_equal(rf_record_type_name(rec.type), "camera");
  assert_string_equal(rec.u.camera.camera, "C1");
  assert_int_equal(rec.u.camera.width, 640);
  assert_int_equal(rec.u.camera.height, 480);
  assert_true(rec.u.camera.fps == 30.0);
  assert_int_equal(rec.u.camera.t0, 0);

  expect_next(r, &rec, RF_RECORD_CAMERA, 2); /* fields in any order */
  assert_string_equal(rec.u.camera.camera, "C2");
  assert_int_equal(rec.u.camera.width, 1920);
  assert_int_equal(rec.u.camera.height, 1080);
  assert_true(rec.u.camera.fps == 29.97);
  assert_int_equal(rec.u.camera.t0, -1500000);

  expect_next(r, &rec, RF_RECORD_CAMERA, 3); /* t0 absent: 0; the smallest and largest sizes */
  assert_int_equal(rec.u.camera.width, 1);
  assert_int_equal(rec.u.camera.height, 65535);
  assert_true(rec.u.camera.fps == 1e-3);
  assert_int_equal(rec.u.camera.t0, 0);
  assert_null(rec.source);
  assert_int_equal(rec.has_seq, 0);

  expect_next(r, &rec, RF_RECORD_ZONE, 4);
  assert_string_equal(rf_record_type_name(rec.type), "zone");
  assert_string_equal(rec.u.zone.camera, "C1");
  assert_string_equal(rec.u.zone.shelf, "G1S3");
  assert_int_equal(rec.u.zone.x0, 0);
  assert_int_equal(rec.u.zone.y0, 40);
  assert_int_equal(rec.u.zone.x1, 600);
  assert_int_equal(rec.u.zone.y1, 120);
  assert_int_equal(rec.u.zone.front, RF_FRONT_BOTTOM);
  assert_true(rec.u.zone.shelf_x0 == 0.0 && rec.u.zone.shelf_x1 == 1.2);

  expect_next(r, &rec, RF_RECORD_ZONE, 5); /* right to left along the shelf */
  assert_string_equal(rec.u.zone.camera, "C2");
  assert_string_equal(rec.u.zone.shelf, "G1S1");
  assert_int_equal(rec.u.zone.x0, 100);
  assert_int_equal(rec.u.zone.y0, 0);
  assert_int_equal(rec.u.zone.x1, 1920);
  assert_int_equal(rec.u.zone.y1, 1080);
  assert_int_equal(rec.u.zone.front, RF_FRONT_TOP);
  assert_true(rec.u.zone.shelf_x0 == 1.5 && rec.u.zone.shelf_x1 == -0.25);

  expect_next(r, &rec, RF_RECORD_ZONE, 6); /* one pixel */
  assert_int_equal(rec.u.zone.x1 - rec.u.zone.x0, 1);
  assert_int_equal(rec.u.zone.y1 - rec.u.zone.y0, 1);
  assert_int_equal(rec.u.zone.front, RF_FRONT_LEFT);

  expect_next(r, &rec, RF_RECORD_ZONE, 7);
  assert_int_equal(rec.u.zone.y1, 65535);
  assert_int_equal(rec.u.zone.front, RF_FRONT_RIGHT);
  assert_true(rec.u.zone.shelf_x0 == 2.0 && rec.u.zone.shelf_x1 == 1.0);
  assert_null(rec.source);
  assert_int_equal(rec.has_seq, 0);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

typedef struct exact_case {
  const char *json; /* one line, single-quoted */
  int code;
  const char *message; /* the whole message */
} exact_case;

#define CAM "{'type':'camera','camera':'C1',"
#define ZONE "{'type':'zone','camera':'C1','shelf':'S',"

/* Every refusal of a camera or zone line, with its whole message. */
static const exact_case camera_zone_refusals[] = {
    {CAM "'height':480,'fps':30}", RF_EPARSE, "line 1: camera: field 'width': is missing"},
    {"{'type':'camera','width':640,'height':480,'fps':30}", RF_EPARSE,
     "line 1: camera: field 'camera': is missing"},
    {"{'type':'camera','camera':'','width':640,'height':480,'fps':30}", RF_EPARSE,
     "line 1: camera: field 'camera': id is empty"},
    {"{'type':'camera','camera':7,'width':640,'height':480,'fps':30}", RF_EPARSE,
     "line 1: camera: field 'camera': expected a string id, got a number"},
    {CAM "'width':0,'height':480,'fps':30}", RF_ERANGE,
     "line 1: camera: field 'width': must be within [1, 65535], got 0"},
    {CAM "'width':65536,'height':480,'fps':30}", RF_ERANGE,
     "line 1: camera: field 'width': must be within [1, 65535], got 65536"},
    {CAM "'width':640.5,'height':480,'fps':30}", RF_ERANGE,
     "line 1: camera: field 'width': expected an integer, got 640.5"},
    {CAM "'width':'640','height':480,'fps':30}", RF_EPARSE,
     "line 1: camera: field 'width': expected an integer, got a string"},
    {CAM "'width':640,'fps':30}", RF_EPARSE, "line 1: camera: field 'height': is missing"},
    {CAM "'width':640,'height':-480,'fps':30}", RF_ERANGE,
     "line 1: camera: field 'height': must be within [1, 65535], got -480"},
    {CAM "'width':640,'height':1e10,'fps':30}", RF_ERANGE,
     "line 1: camera: field 'height': must be within [1, 65535], got 10000000000"},
    {CAM "'width':640,'height':480}", RF_EPARSE, "line 1: camera: field 'fps': is missing"},
    {CAM "'width':640,'height':480,'fps':0}", RF_ERANGE,
     "line 1: camera: field 'fps': must be > 0, got 0"},
    {CAM "'width':640,'height':480,'fps':-25}", RF_ERANGE,
     "line 1: camera: field 'fps': must be > 0, got -25"},
    {CAM "'width':640,'height':480,'fps':1e999}", RF_ERANGE,
     "line 1: camera: field 'fps': number is not finite"},
    {CAM "'width':640,'height':480,'fps':'30'}", RF_EPARSE,
     "line 1: camera: field 'fps': expected a number, got a string"},
    {CAM "'width':640,'height':480,'fps':30,'t0':0.5}", RF_ERANGE,
     "line 1: camera: field 't0': expected an integer (microseconds), got 0.5"},
    {CAM "'width':640,'height':480,'fps':30,'t0':null}", RF_EPARSE,
     "line 1: camera: field 't0': expected an integer (microseconds), got null"},
    {CAM "'width':640,'height':480,'fps':30,'t0':4503599627370497}", RF_ERANGE,
     "line 1: camera: field 't0': out of range: more than 2^52 microseconds from 0, got "
     "4503599627370497"},
    {CAM "'width':640,'height':480,'fps':30,'fps':25}", RF_EPARSE,
     "line 1: camera: field 'fps': appears twice"},
    {"{'type':'zone','shelf':'S','px':[0,0,1,1],'front':'top','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'camera': is missing"},
    {"{'type':'zone','camera':'C1','px':[0,0,1,1],'front':'top','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'shelf': is missing"},
    {"{'type':'zone','camera':'C1','shelf':'','px':[0,0,1,1],'front':'top','shelf_x':[0,1]}",
     RF_EPARSE, "line 1: zone: field 'shelf': id is empty"},
    {ZONE "'front':'top','shelf_x':[0,1]}", RF_EPARSE, "line 1: zone: field 'px': is missing"},
    {ZONE "'px':{'x0':0},'front':'top','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'px': expected an array [x0, y0, x1, y1] of 4 integers, got an object"},
    {ZONE "'px':[0,0,1],'front':'top','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'px': expected an array [x0, y0, x1, y1] of 4 integers, got 3 values"},
    {ZONE "'px':[0,0,1,1,1],'front':'top','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'px': expected an array [x0, y0, x1, y1] of 4 integers, got 5 values"},
    {ZONE "'px':[0,-1,1,1],'front':'top','shelf_x':[0,1]}", RF_ERANGE,
     "line 1: zone: field 'px[1]': must be within [0, 65535], got -1"},
    {ZONE "'px':[0,0,65536,1],'front':'top','shelf_x':[0,1]}", RF_ERANGE,
     "line 1: zone: field 'px[2]': must be within [0, 65535], got 65536"},
    {ZONE "'px':[0,0,1,0.5],'front':'top','shelf_x':[0,1]}", RF_ERANGE,
     "line 1: zone: field 'px[3]': expected an integer, got 0.5"},
    {ZONE "'px':['0',0,1,1],'front':'top','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'px[0]': expected an integer, got a string"},
    {ZONE "'px':[40,0,40,1],'front':'top','shelf_x':[0,1]}", RF_ERANGE,
     "line 1: zone: field 'px': x1 40 must be greater than x0 40"},
    {ZONE "'px':[0,40,600,10],'front':'top','shelf_x':[0,1]}", RF_ERANGE,
     "line 1: zone: field 'px': y1 10 must be greater than y0 40"},
    {ZONE "'px':[0,0,1,1],'shelf_x':[0,1]}", RF_EPARSE, "line 1: zone: field 'front': is missing"},
    {ZONE "'px':[0,0,1,1],'front':'Bottom','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'front': expected \"top\", \"bottom\", \"left\" or \"right\", got "
     "'Bottom'"},
    {ZONE "'px':[0,0,1,1],'front':'aisle','shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'front': expected \"top\", \"bottom\", \"left\" or \"right\", got "
     "'aisle'"},
    {ZONE "'px':[0,0,1,1],'front':1,'shelf_x':[0,1]}", RF_EPARSE,
     "line 1: zone: field 'front': expected a string, got a number"},
    {ZONE "'px':[0,0,1,1],'front':'top'}", RF_EPARSE, "line 1: zone: field 'shelf_x': is missing"},
    {ZONE "'px':[0,0,1,1],'front':'top','shelf_x':1.2}", RF_EPARSE,
     "line 1: zone: field 'shelf_x': expected an array [a, b] of 2 numbers, got a number"},
    {ZONE "'px':[0,0,1,1],'front':'top','shelf_x':[1.2]}", RF_EPARSE,
     "line 1: zone: field 'shelf_x': expected an array [a, b] of 2 numbers, got 1 value"},
    {ZONE "'px':[0,0,1,1],'front':'top','shelf_x':[0,null]}", RF_EPARSE,
     "line 1: zone: field 'shelf_x[1]': expected a number, got null"},
    {ZONE "'px':[0,0,1,1],'front':'top','shelf_x':[-1e999,0]}", RF_ERANGE,
     "line 1: zone: field 'shelf_x[0]': number is not finite"},
    {ZONE "'px':[0,0,1,1],'front':'top','shelf_x':[0.5,0.5]}", RF_ERANGE,
     "line 1: zone: field 'shelf_x': its two ends must differ, got 0.5 twice"},
    {ZONE "'px':[0,0,1,1],'front':'top','shelf_x':[0,-0]}", RF_ERANGE,
     "line 1: zone: field 'shelf_x': its two ends must differ, got 0 twice"},
};

static void test_camera_zone_refusals(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof camera_zone_refusals / sizeof camera_zone_refusals[0]; ++i) {
    const exact_case *x = &camera_zone_refusals[i];
    char *text;
    rf_scenario_reader *r = open_text(x->json, &text);
    rf_record rec;
    set_case("camera/zone refusal %zu: %s", i, x->json);
    int rc = rf_scenario_reader_next(r, &rec);
    if (rc != x->code || strcmp(rf_scenario_reader_errmsg(r), x->message) != 0) {
      print_case();
      fail_msg("got %s '%s', expected %s '%s'", rf_err_name(rc), rf_scenario_reader_errmsg(r),
               rf_err_name(x->code), x->message);
    }
    expect_end(r);
    rf_scenario_reader_free(r);
    free(text);
  }
  current_case[0] = '\0';
}

/* review (an input event without a time), explain (output, nested), a diff a verdict made and an
 * amended receipt: every field, absent ones included. */
static void test_review_explain_records(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'review','decision':14,'shopper':'S7','items':{'040000004325':1,'A':-2},"
      "'reviewer':'ana'}\n"
      "{'type':'review','source':'desk','seq':3,'decision':15,'shopper':null,'items':{}}\n"
      "{'type':'diff','seq':21,'t':9007199254740992,'shopper':'S7','sku':'A','qty':2,'conf':1,"
      "'review':false,'event':4,'reviews':14}\n"
      "{'type':'receipt','t':52000000,'shopper':'S7','items':{'A':2},'review':false,"
      "'amends':true}\n"
      "{'type':'receipt','t':52000000,'shopper':'S8','items':{},'amends':false}\n"
      "{'type':'explain','event':3,'t':15600000,'shelf':'G1S2','t0':8100000,'t1':8600000,"
      "'total':-352.1,'x':0.42,'how':'whole','diffs':[5,7],'alternatives':[{'shopper':'S2',"
      "'items':{'X':1},'p':0.62,'terms':{'weight':-3.1,'plates':-0.4,'prior':-0.22,'hand':-1.1,"
      "'identity':-0.02,'position':-0.5}},{'shopper':'S5','items':{'X':1,'Y':-1},'p':0.35,"
      "'terms':{'hand':-1.9,'new_term':7}},{'shopper':null,'items':{},'p':0.001}],"
      "'candidates':[{'shopper':'S2','p':0.62,'distance':0.35},{'shopper':'S5','p':0.37}],"
      "'hands':[{'shopper':'S2','t0':7900000,'t1':8900000,'x':0.4,'p':0.6},{'shopper':null,"
      "'t0':-1,'t1':-1,'p':0}]}\n"
      "{'type':'explain','event':0,'t':9007199254740992,'shelf':'S','t0':-9007199254740992,"
      "'t1':9007199254740992,'total':0,'x':-1,'how':'nobody','diffs':[],'alternatives':[],"
      "'candidates':[],'hands':[]}\n",
      &text);
  rf_record rec;

  expect_next(r, &rec, RF_RECORD_REVIEW, 1);
  const rf_review_rec *v = &rec.u.review;
  assert_int_equal(v->decision, 14);
  assert_string_equal(v->shopper, "S7");
  assert_int_equal(v->item_count, 2);
  assert_string_equal(v->items[0].sku, "040000004325");
  assert_int_equal(v->items[0].qty, 1);
  assert_string_equal(v->items[1].sku, "A");
  assert_int_equal(v->items[1].qty, -2);
  assert_string_equal(v->reviewer, "ana");
  assert_null(rec.source);
  assert_int_equal(rec.has_seq, 0);

  expect_next(r, &rec, RF_RECORD_REVIEW, 2); /* nobody's; an input event: source and seq */
  assert_int_equal(v->decision, 15);
  assert_null(v->shopper);
  assert_int_equal(v->item_count, 0);
  assert_null(v->reviewer);
  assert_string_equal(rec.source, "desk");
  assert_int_equal(rec.has_seq, 1);
  assert_int_equal(rec.seq, 3);

  expect_next(r, &rec, RF_RECORD_DIFF, 3);
  assert_int_equal(rec.u.diff.t, 9007199254740992LL);
  assert_int_equal(rec.u.diff.has_corrects, 0);
  assert_int_equal(rec.u.diff.has_reviews, 1);
  assert_int_equal(rec.u.diff.reviews, 14);

  expect_next(r, &rec, RF_RECORD_RECEIPT, 4);
  assert_int_equal(rec.u.receipt.amends, 1);
  assert_int_equal(rec.u.receipt.review, 0);
  expect_next(r, &rec, RF_RECORD_RECEIPT, 5); /* false is as absent */
  assert_int_equal(rec.u.receipt.amends, 0);
  assert_int_equal(rec.u.receipt.review, RF_UNKNOWN);

  expect_next(r, &rec, RF_RECORD_EXPLAIN, 6);
  const rf_explain_rec *x = &rec.u.explain;
  assert_null(rec.source); /* output: no source */
  assert_int_equal(x->event, 3);
  assert_int_equal(x->t, 15600000);
  assert_string_equal(x->shelf, "G1S2");
  assert_int_equal(x->t0, 8100000);
  assert_int_equal(x->t1, 8600000);
  assert_true(x->total == -352.1);
  assert_true(x->x == 0.42);
  assert_string_equal(x->how, "whole");
  assert_int_equal(x->diff_count, 2);
  assert_int_equal(x->diffs[0], 5);
  assert_int_equal(x->diffs[1], 7);
  assert_int_equal(x->alternative_count, 3);
  const rf_alternative *a = x->alternatives;
  assert_string_equal(a[0].shopper, "S2");
  assert_int_equal(a[0].item_count, 1);
  assert_string_equal(a[0].items[0].sku, "X");
  assert_int_equal(a[0].items[0].qty, 1);
  assert_true(a[0].p == 0.62);
  assert_true(a[0].terms.weight == -3.1 && a[0].terms.plates == -0.4);
  assert_true(a[0].terms.prior == -0.22 && a[0].terms.hand == -1.1);
  assert_true(a[0].terms.identity == -0.02 && a[0].terms.position == -0.5);
  assert_string_equal(a[1].shopper, "S5");
  assert_int_equal(a[1].item_count, 2); /* each alternative's own items */
  assert_string_equal(a[1].items[0].sku, "X");
  assert_string_equal(a[1].items[1].sku, "Y");
  assert_int_equal(a[1].items[1].qty, -1);
  assert_true(a[1].terms.hand == -1.9);
  assert_true(isnan(a[1].terms.weight) && isnan(a[1].terms.plates) && isnan(a[1].terms.prior));
  assert_true(isnan(a[1].terms.identity) && isnan(a[1].terms.position));
  assert_null(a[2].shopper);
  assert_int_equal(a[2].item_count, 0);
  assert_true(a[2].p == 0.001);
  assert_true(isnan(a[2].terms.weight) && isnan(a[2].terms.hand));
  assert_int_equal(x->candidate_count, 2);
  assert_string_equal(x->candidates[0].shopper, "S2");
  assert_true(x->candidates[0].p == 0.62);
  assert_int_equal(x->candidates[0].has_distance, 1);
  assert_true(x->candidates[0].distance == 0.35);
  assert_string_equal(x->candidates[1].shopper, "S5");
  assert_int_equal(x->candidates[1].has_distance, 0);
  assert_int_equal(x->hand_count, 2);
  assert_string_equal(x->hands[0].shopper, "S2");
  assert_int_equal(x->hands[0].t0, 7900000);
  assert_int_equal(x->hands[0].t1, 8900000);
  assert_int_equal(x->hands[0].has_x, 1);
  assert_true(x->hands[0].x == 0.4);
  assert_true(x->hands[0].p == 0.6);
  assert_null(x->hands[1].shopper);
  assert_int_equal(x->hands[1].t0, -1);
  assert_int_equal(x->hands[1].has_x, 0);
  assert_true(x->hands[1].p == 0.0);

  expect_next(r, &rec, RF_RECORD_EXPLAIN, 7); /* output times to 2^53; nothing in the arrays */
  assert_int_equal(x->t, 9007199254740992LL);
  assert_int_equal(x->t0, -9007199254740992LL);
  assert_string_equal(x->how, "nobody");
  assert_int_equal(x->diff_count + x->alternative_count + x->candidate_count + x->hand_count, 0);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

#define REVIEW "{'type':'review',"
#define X_HEAD                                                                                     \
  "{'type':'explain','event':3,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,'how':'whole'," \
  "'diffs':[1],"
#define X_ALT "'alternatives':[{'shopper':'S1','items':{'A':1},'p':1}],"

/* Every refusal of a review or explain line (and of reviews and amends), with its whole message:
 * a field within an array named by its place. */
static const exact_case review_explain_refusals[] = {
    {REVIEW "'shopper':'S1','items':{}}", RF_EPARSE,
     "line 1: review: field 'decision': is missing"},
    {REVIEW "'decision':-1,'shopper':'S1','items':{}}", RF_ERANGE,
     "line 1: review: field 'decision': must be >= 0, got -1"},
    {REVIEW "'decision':1.5,'shopper':'S1','items':{}}", RF_ERANGE,
     "line 1: review: field 'decision': expected an integer, got 1.5"},
    {REVIEW "'decision':'14','shopper':'S1','items':{}}", RF_EPARSE,
     "line 1: review: field 'decision': expected an integer, got a string"},
    {REVIEW "'decision':1,'items':{}}", RF_EPARSE, "line 1: review: field 'shopper': is missing"},
    {REVIEW "'decision':1,'shopper':7,'items':{}}", RF_EPARSE,
     "line 1: review: field 'shopper': expected a string id, got a number"},
    {REVIEW "'decision':1,'shopper':'','items':{}}", RF_EPARSE,
     "line 1: review: field 'shopper': id is empty"},
    {REVIEW "'decision':1,'shopper':'S1'}", RF_EPARSE, "line 1: review: field 'items': is missing"},
    {REVIEW "'decision':1,'shopper':'S1','items':[]}", RF_EPARSE,
     "line 1: review: field 'items': expected an object, got an array"},
    {REVIEW "'decision':1,'shopper':'S1','items':{'A':0}}", RF_ERANGE,
     "line 1: review: field 'items.A': must not be 0"},
    {REVIEW "'decision':1,'shopper':'S1','items':{'A':0.5}}", RF_ERANGE,
     "line 1: review: field 'items.A': expected an integer, got 0.5"},
    {REVIEW "'decision':1,'shopper':'S1','items':{'':1}}", RF_EPARSE,
     "line 1: review: field 'items': a sku is empty"},
    {REVIEW "'decision':1,'shopper':'S1','items':{'A':1,'A':1}}", RF_EPARSE,
     "line 1: review: field 'items.A': appears twice"},
    {REVIEW "'decision':1,'shopper':null,'items':{'A':1}}", RF_ERANGE,
     "line 1: review: field 'items': must be {} when shopper is null"},
    {REVIEW "'decision':1,'shopper':'S1','items':{},'reviewer':5}", RF_EPARSE,
     "line 1: review: field 'reviewer': expected a string, got a number"},
    {REVIEW "'decision':1,'shopper':'S1','items':{},'reviewer':null}", RF_EPARSE,
     "line 1: review: field 'reviewer': expected a string, got null"},
    {REVIEW "'source':'','decision':1,'shopper':'S1','items':{}}", RF_EPARSE,
     "line 1: review: field 'source': id is empty"},
    {REVIEW "'seq':0.5,'decision':1,'shopper':'S1','items':{}}", RF_ERANGE,
     "line 1: review: field 'seq': expected an integer, got 0.5"},
    {"{'type':'diff','seq':2,'t':5,'shopper':'S','sku':'A','qty':1,'conf':1,'review':false,"
     "'event':0,'reviews':-2}",
     RF_ERANGE, "line 1: diff: field 'reviews': must be >= 0, got -2"},
    {"{'type':'diff','seq':2,'t':5,'shopper':'S','sku':'A','qty':1,'conf':1,'review':false,"
     "'event':0,'reviews':'1'}",
     RF_EPARSE, "line 1: diff: field 'reviews': expected an integer, got a string"},
    {"{'type':'receipt','t':5,'shopper':'S','items':{},'review':false,'amends':1}", RF_EPARSE,
     "line 1: receipt: field 'amends': expected true or false, got a number"},
    {"{'type':'explain','t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,'how':'whole',"
     "'diffs':[],'alternatives':[],'candidates':[],'hands':[]}",
     RF_EPARSE, "line 1: explain: field 'event': is missing"},
    {"{'type':'explain','event':-1,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,"
     "'how':'whole','diffs':[],'alternatives':[],'candidates':[],'hands':[]}",
     RF_ERANGE, "line 1: explain: field 'event': must be >= 0, got -1"},
    {"{'type':'explain','event':1,'t':9007199254740994,'shelf':'S','t0':1,'t1':2,'total':-5,"
     "'x':0.5,'how':'whole','diffs':[],'alternatives':[],'candidates':[],'hands':[]}",
     RF_ERANGE,
     "line 1: explain: field 't': out of range: more than 2^53 microseconds from 0, got "
     "9007199254740994"},
    {"{'type':'explain','event':1,'t':10,'shelf':'S','t0':2,'t1':1,'total':-5,'x':0.5,"
     "'how':'whole','diffs':[],'alternatives':[],'candidates':[],'hands':[]}",
     RF_ERANGE, "line 1: explain: field 't1': t1 1 is before t0 2"},
    {"{'type':'explain','event':1,'t':10,'shelf':'S','t0':1,'t1':2,'x':0.5,'how':'whole',"
     "'diffs':[],'alternatives':[],'candidates':[],'hands':[]}",
     RF_EPARSE, "line 1: explain: field 'total': is missing"},
    {"{'type':'explain','event':1,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,"
     "'how':'guess','diffs':[],'alternatives':[],'candidates':[],'hands':[]}",
     RF_EPARSE,
     "line 1: explain: field 'how': expected \"whole\", \"split\", \"merged\", \"runs\", "
     "\"restock\" or \"nobody\", got 'guess'"},
    {"{'type':'explain','event':1,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,'how':3,"
     "'diffs':[],'alternatives':[],'candidates':[],'hands':[]}",
     RF_EPARSE, "line 1: explain: field 'how': expected a string, got a number"},
    {"{'type':'explain','event':1,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,"
     "'how':'whole','alternatives':[],'candidates':[],'hands':[]}",
     RF_EPARSE, "line 1: explain: field 'diffs': is missing"},
    {"{'type':'explain','event':1,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,"
     "'how':'whole','diffs':{},'alternatives':[],'candidates':[],'hands':[]}",
     RF_EPARSE, "line 1: explain: field 'diffs': expected an array, got an object"},
    {"{'type':'explain','event':1,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,'x':0.5,"
     "'how':'whole','diffs':[4,-2],'alternatives':[],'candidates':[],'hands':[]}",
     RF_ERANGE, "line 1: explain: field 'diffs[1]': must be >= 0, got -2"},
    {X_HEAD "'candidates':[],'hands':[]}", RF_EPARSE,
     "line 1: explain: field 'alternatives': is missing"},
    {X_HEAD "'alternatives':[1],'candidates':[],'hands':[]}", RF_EPARSE,
     "line 1: explain: field 'alternatives[0]': expected an object, got a number"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{},'p':1},{'items':{},'p':0}]}", RF_EPARSE,
     "line 1: explain: field 'alternatives[1].shopper': is missing"},
    {X_HEAD "'alternatives':[{'shopper':null,'items':{'A':1},'p':1}]}", RF_ERANGE,
     "line 1: explain: field 'alternatives[0].items': must be {} when shopper is null"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{'A':0},'p':1}]}", RF_ERANGE,
     "line 1: explain: field 'alternatives[0].items.A': must not be 0"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{'A':1,'A':2},'p':1}]}", RF_EPARSE,
     "line 1: explain: field 'alternatives[0].items.A': appears twice"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{}}]}", RF_EPARSE,
     "line 1: explain: field 'alternatives[0].p': is missing"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{},'p':1.5}]}", RF_ERANGE,
     "line 1: explain: field 'alternatives[0].p': must be within [0, 1], got 1.5"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{},'p':1,'terms':[]}]}", RF_EPARSE,
     "line 1: explain: field 'alternatives[0].terms': expected an object, got an array"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{},'p':1,'terms':{'hand':null}}]}", RF_EPARSE,
     "line 1: explain: field 'alternatives[0].terms.hand': expected a number, got null"},
    {X_HEAD "'alternatives':[{'shopper':'S1','items':{},'p':1,'terms':{'prior':-1e999}}]}",
     RF_ERANGE, "line 1: explain: field 'alternatives[0].terms.prior': number is not finite"},
    {X_HEAD X_ALT "'hands':[]}", RF_EPARSE, "line 1: explain: field 'candidates': is missing"},
    {X_HEAD X_ALT "'candidates':[{'shopper':null,'p':1}],'hands':[]}", RF_EPARSE,
     "line 1: explain: field 'candidates[0].shopper': expected a string id, got null"},
    {X_HEAD X_ALT "'candidates':[{'shopper':'S1','p':1,'distance':-1}],'hands':[]}", RF_ERANGE,
     "line 1: explain: field 'candidates[0].distance': must be >= 0, got -1"},
    {X_HEAD X_ALT "'candidates':[{'shopper':'S1','p':-0.5}],'hands':[]}", RF_ERANGE,
     "line 1: explain: field 'candidates[0].p': must be within [0, 1], got -0.5"},
    {X_HEAD X_ALT "'candidates':[]}", RF_EPARSE, "line 1: explain: field 'hands': is missing"},
    {X_HEAD X_ALT "'candidates':[],'hands':[{'t0':1,'t1':2,'p':1}]}", RF_EPARSE,
     "line 1: explain: field 'hands[0].shopper': is missing"},
    {X_HEAD X_ALT "'candidates':[],'hands':[{'shopper':null,'t0':5,'t1':4,'p':1}]}", RF_ERANGE,
     "line 1: explain: field 'hands[0].t1': t1 4 is before t0 5"},
    {X_HEAD X_ALT "'candidates':[],'hands':[{'shopper':'S1','t0':1.5,'t1':2,'p':1}]}", RF_ERANGE,
     "line 1: explain: field 'hands[0].t0': expected an integer (microseconds), got 1.5"},
    {X_HEAD X_ALT "'candidates':[],'hands':[{'shopper':'S1','t0':1,'t1':2,'x':'0.5','p':1}]}",
     RF_EPARSE, "line 1: explain: field 'hands[0].x': expected a number, got a string"},
    {X_HEAD X_ALT "'candidates':[],'hands':[{'shopper':'S1','t0':1,'t1':2}]}", RF_EPARSE,
     "line 1: explain: field 'hands[0].p': is missing"},
};

static void test_review_explain_refusals(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof review_explain_refusals / sizeof review_explain_refusals[0]; ++i) {
    const exact_case *x = &review_explain_refusals[i];
    char *text;
    rf_scenario_reader *r = open_text(x->json, &text);
    rf_record rec;
    set_case("review/explain refusal %zu: %s", i, x->json);
    int rc = rf_scenario_reader_next(r, &rec);
    if (rc != x->code || strcmp(rf_scenario_reader_errmsg(r), x->message) != 0) {
      print_case();
      fail_msg("got %s '%s', expected %s '%s'", rf_err_name(rc), rf_scenario_reader_errmsg(r),
               rf_err_name(x->code), x->message);
    }
    expect_end(r);
    rf_scenario_reader_free(r);
    free(text);
  }
  current_case[0] = '\0';
}

static void test_hand_records(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'hand','shopper':'S1','shelf':'G1S3','t0':900000,'t1':1900000,'x':0.35,'conf':0.9,"
      "'holding_in':false,'holding_out':true,'sku_scores':{'859000002121':0.6,'A':0.25,'B':0}}\n"
      "{'type':'hand','shopper':null,'shelf':'G1S3','t0':1,'t1':2}\n"
      "{'type':'hand','shelf':'S','t0':3,'t1':3,'sku_scores':{}}\n"
      "{'type':'hand','shopper':'S2','shelf':'S','t0':4,'t1':9,'x':-0.25,'conf':0,"
      "'holding_in':true,'holding_out':false}\n"
      "{'type':'hand','shopper':'S2','shelf':'S','t0':4,'t1':9,'conf':1}\n",
      &text);
  rf_record rec;

  expect_next(r, &rec, RF_RECORD_HAND, 1);
  const rf_hand_rec *h = &rec.u.hand;
  assert_string_equal(h->shopper, "S1");
  assert_string_equal(h->shelf, "G1S3");
  assert_int_equal(h->t0, 900000);
  assert_int_equal(h->t1, 1900000);
  assert_int_equal(h->has_x, 1);
  assert_true(h->x == 0.35);
  assert_int_equal(h->has_conf, 1);
  assert_true(h->conf == 0.9);
  assert_int_equal(h->holding_in, 0);
  assert_int_equal(h->holding_out, 1);
  assert_int_equal(h->has_sku_scores, 1);
  assert_int_equal(h->sku_score_count, 3);
  assert_string_equal(h->sku_scores[0].sku, "859000002121");
  assert_true(h->sku_scores[0].score == 0.6);
  assert_string_equal(h->sku_scores[1].sku, "A");
  assert_true(h->sku_scores[1].score == 0.25);
  assert_string_equal(h->sku_scores[2].sku, "B");
  assert_true(h->sku_scores[2].score == 0.0);

  expect_next(r, &rec, RF_RECORD_HAND, 2); /* shopper null, nothing optional */
  assert_null(h->shopper);
  assert_string_equal(h->shelf, "G1S3");
  assert_int_equal(h->t0, 1);
  assert_int_equal(h->t1, 2);
  assert_int_equal(h->has_x, 0);
  assert_int_equal(h->has_conf, 0);
  assert_int_equal(h->holding_in, RF_UNKNOWN);
  assert_int_equal(h->holding_out, RF_UNKNOWN);
  assert_int_equal(h->has_sku_scores, 0);
  assert_int_equal(h->sku_score_count, 0);

  expect_next(r, &rec, RF_RECORD_HAND, 3); /* shopper absent; an empty sku_scores is present */
  assert_null(h->shopper);
  assert_string_equal(h->shelf, "S");
  assert_int_equal(h->t0, 3);
  assert_int_equal(h->t1, 3);
  assert_int_equal(h->has_sku_scores, 1);
  assert_int_equal(h->sku_score_count, 0);
  assert_int_equal(h->holding_in, RF_UNKNOWN);

  expect_next(r, &rec, RF_RECORD_HAND, 4);
  assert_string_equal(h->shopper, "S2");
  assert_int_equal(h->has_x, 1);
  assert_true(h->x == -0.25);
  assert_int_equal(h->has_conf, 1);
  assert_true(h->conf == 0.0);
  assert_int_equal(h->holding_in, 1);
  assert_int_equal(h->holding_out, 0);
  assert_int_equal(h->has_sku_scores, 0);

  expect_next(r, &rec, RF_RECORD_HAND, 5);
  assert_int_equal(h->has_conf, 1);
  assert_true(h->conf == 1.0);
  assert_int_equal(h->has_x, 0);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

static void test_output_records(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'diff','seq':7,'t':2400000,'shopper':'S1','sku':'859000002121','qty':1,'conf':0.97,"
      "'review':false,'event':3}\n"
      "{'type':'diff','seq':9,'t':5100000,'shopper':'S1','sku':'859000002121','qty':-1,'conf':0.88,"
      "'review':true,'event':3,'corrects':7}\n"
      "{'type':'receipt','t':96000000,'shopper':'S1','items':{'859000002121':1,'A':3,'B':0},"
      "'review':false}\n"
      "{'type':'receipt','shopper':'S1','items':{'859000002121':1}}\n"
      "{'type':'receipt','shopper':'S3','items':{},'review':true}\n"
      "{'type':'truth','t':1800000,'shopper':'S1','sku':'859000002121','qty':1}\n"
      "{'type':'truth','t':1900000,'shopper':'S2','sku':'A','qty':-2}\n",
      &text);
  rf_record rec;

  expect_next(r, &rec, RF_RECORD_DIFF, 1);
  const rf_diff_rec *d = &rec.u.diff;
  assert_int_equal(d->seq, 7);
  assert_int_equal(d->t, 2400000);
  assert_string_equal(d->shopper, "S1");
  assert_string_equal(d->sku, "859000002121");
  assert_int_equal(d->qty, 1);
  assert_true(d->conf == 0.97);
  assert_int_equal(d->review, 0);
  assert_int_equal(d->event, 3);
  assert_int_equal(d->has_corrects, 0);

  expect_next(r, &rec, RF_RECORD_DIFF, 2);
  assert_int_equal(d->seq, 9);
  assert_int_equal(d->t, 5100000);
  assert_int_equal(d->qty, -1);
  assert_true(d->conf == 0.88);
  assert_int_equal(d->review, 1);
  assert_int_equal(d->event, 3);
  assert_int_equal(d->has_corrects, 1);
  assert_int_equal(d->corrects, 7);

  expect_next(r, &rec, RF_RECORD_RECEIPT, 3);
  const rf_receipt_rec *rc = &rec.u.receipt;
  assert_int_equal(rc->has_t, 1);
  assert_int_equal(rc->t, 96000000);
  assert_string_equal(rc->shopper, "S1");
  assert_int_equal(rc->item_count, 3);
  assert_string_equal(rc->items[0].sku, "859000002121");
  assert_int_equal(rc->items[0].qty, 1);
  assert_string_equal(rc->items[1].sku, "A");
  assert_int_equal(rc->items[1].qty, 3);
  assert_string_equal(rc->items[2].sku, "B");
  assert_int_equal(rc->items[2].qty, 0);
  assert_int_equal(rc->review, 0);

  expect_next(r, &rec, RF_RECORD_RECEIPT, 4); /* ground truth: no t, no review */
  assert_int_equal(rc->has_t, 0);
  assert_string_equal(rc->shopper, "S1");
  assert_int_equal(rc->item_count, 1);
  assert_string_equal(rc->items[0].sku, "859000002121");
  assert_int_equal(rc->items[0].qty, 1);
  assert_int_equal(rc->review, RF_UNKNOWN);

  expect_next(r, &rec, RF_RECORD_RECEIPT, 5);
  assert_int_equal(rc->has_t, 0);
  assert_string_equal(rc->shopper, "S3");
  assert_int_equal(rc->item_count, 0);
  assert_int_equal(rc->review, 1);

  expect_next(r, &rec, RF_RECORD_TRUTH, 6);
  assert_int_equal(rec.u.truth.t, 1800000);
  assert_string_equal(rec.u.truth.shopper, "S1");
  assert_string_equal(rec.u.truth.sku, "859000002121");
  assert_int_equal(rec.u.truth.qty, 1);

  expect_next(r, &rec, RF_RECORD_TRUTH, 7);
  assert_int_equal(rec.u.truth.t, 1900000);
  assert_string_equal(rec.u.truth.shopper, "S2");
  assert_string_equal(rec.u.truth.sku, "A");
  assert_int_equal(rec.u.truth.qty, -2);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

static void test_unknown_fields_ignored(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'enter','t':5,'shopper':'S1','extra':{'a':[1,{'b':null}]},'zz':null,'flag':true}\n"
      "{'type':'product','sku':'A','weight_g':2,'color':'red','weight_sd':'oops'}\n"
      "{'type':'hand','shelf':'S','t0':1,'t1':2,'shopper_id':5,'X':'big x'}\n",
      &text);
  rf_record rec;
  expect_next(r, &rec, RF_RECORD_ENTER, 1);
  assert_int_equal(rec.u.enter.t, 5);
  assert_string_equal(rec.u.enter.shopper, "S1");
  expect_next(r, &rec, RF_RECORD_PRODUCT, 2);
  assert_true(rec.u.product.weight_g == 2.0);
  assert_int_equal(rec.u.product.has_weight_sd, 0); /* field names are exact */
  expect_next(r, &rec, RF_RECORD_HAND, 3);
  assert_null(rec.u.hand.shopper);
  assert_int_equal(rec.u.hand.has_x, 0); /* and case-sensitive */
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

static void test_line_framing(void **state) {
  (void)state;
  char *text;
  /* Blank lines (empty, spaces, tabs, a lone CR) are skipped but counted; CRLF endings; spaces
   * around the object; a last line without a newline (and one ending in a lone CR). */
  rf_scenario_reader *r = open_text("\n"
                                    "   \t\n"
                                    "{'type':'enter','t':1,'shopper':'S1'}\r\n"
                                    "\r\n"
                                    "  {'type':'link','t':2,'shopper':'S2','cart':'S1'}  \t\r\n"
                                    "\n"
                                    "{'type':'exit','t':3,'shopper':'S1'}",
                                    &text);
  rf_record rec;
  assert_int_equal(rf_scenario_reader_line(r), 0);
  expect_next(r, &rec, RF_RECORD_ENTER, 3);
  assert_string_equal(rec.u.enter.shopper, "S1"); /* no CR left in the last value */
  expect_next(r, &rec, RF_RECORD_LINK, 5);
  assert_string_equal(rec.u.link.cart, "S1");
  expect_next(r, &rec, RF_RECORD_EXIT, 7);
  assert_int_equal(rec.u.exit.t, 3);
  expect_end(r);
  assert_int_equal(rf_scenario_reader_line(r), 7);
  rf_scenario_reader_free(r);
  free(text);

  r = open_text("{'type':'exit','t':3,'shopper':'S9'}\r", &text);
  expect_next(r, &rec, RF_RECORD_EXIT, 1);
  assert_string_equal(rec.u.exit.shopper, "S9");
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);

  /* Trailing blank lines after the last record only move the line count. */
  r = open_text("{'type':'exit','t':3,'shopper':'S9'}\n\n  \n", &text);
  expect_next(r, &rec, RF_RECORD_EXIT, 1);
  expect_end(r);
  assert_int_equal(rf_scenario_reader_line(r), 3);
  rf_scenario_reader_free(r);
  free(text);
}

static void test_empty_input(void **state) {
  (void)state;
  rf_scenario_reader *r;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(&r, "", 0, NULL, NULL), 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  assert_int_equal(rf_scenario_reader_line(r), 0);
  rf_scenario_reader_free(r);

  assert_int_equal(rf_scenario_reader_from_memory(&r, NULL, 0, NULL, NULL), 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);

  const char *blank = "\n \r\n\t\n";
  assert_int_equal(rf_scenario_reader_from_memory(&r, blank, strlen(blank), NULL, NULL), 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  assert_int_equal(rf_scenario_reader_line(r), 3);
  rf_scenario_reader_free(r);
}

static void test_bad_arguments(void **state) {
  (void)state;
  rf_scenario_reader *r = (rf_scenario_reader *)&r; /* any non-NULL value, reset on failure */
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(NULL, "", 0, NULL, NULL), RF_EINVAL);
  assert_int_equal(rf_scenario_reader_from_memory(&r, NULL, 3, NULL, NULL), RF_EINVAL);
  assert_null(r);
  assert_int_equal(rf_scenario_reader_new(&r, NULL, NULL, NULL, NULL), RF_EINVAL);
  assert_null(r);
  rf_allocator half = {NULL, NULL, NULL, NULL};
  assert_int_equal(rf_scenario_reader_from_memory(&r, "", 0, NULL, &half), RF_EINVAL);
  assert_int_equal(rf_scenario_reader_open(&r, NULL, NULL, NULL), RF_EINVAL);
  assert_int_equal(rf_scenario_reader_next(NULL, &rec), RF_EINVAL);
  assert_int_equal(rf_scenario_reader_from_memory(&r, "", 0, NULL, NULL), 0);
  assert_int_equal(rf_scenario_reader_next(r, NULL), RF_EINVAL);
  rf_scenario_reader_free(r);
  rf_scenario_reader_free(NULL);
  assert_string_equal(rf_scenario_reader_errmsg(NULL), "");
  assert_int_equal(rf_scenario_reader_line(NULL), 0);
}

/* ---- malformed lines ---- */

typedef struct bad_case {
  const char *json; /* one line, single-quoted */
  int code;
  const char *field; /* named in the message as field '...', or NULL */
  const char *extra; /* another fragment the message must hold, or NULL */
} bad_case;

#define GOOD_BEFORE "{'type':'enter','t':1,'shopper':'S1'}"
#define GOOD_AFTER "{'type':'exit','t':2,'shopper':'S1'}"

static const bad_case bad_cases[] = {
    /* not a JSON object */
    {"{'type':'enter','t':1,", RF_EPARSE, NULL, "malformed JSON"},
    {"{'type':'enter','t':1,'shopper':'S1'", RF_EPARSE, NULL, "malformed JSON"},
    {"not json", RF_EPARSE, NULL, "malformed JSON"},
    {"{'type':'enter','t':NaN,'shopper':'S1'}", RF_EPARSE, NULL, "malformed JSON"},
    {"{'type':'enter','t':Infinity,'shopper':'S1'}", RF_EPARSE, NULL, "malformed JSON"},
    {"{'type':'enter','t':1,'shopper':'S1'} x", RF_EPARSE, NULL, "unexpected text"},
    {"{'type':'enter','t':1,'shopper':'S1'}{}", RF_EPARSE, NULL, "unexpected text"},
    {"{'type':'enter','t':1,'shopper':'S1'},", RF_EPARSE, NULL, "unexpected text"},
    {"[{'type':'enter','t':1,'shopper':'S1'}]", RF_EPARSE, NULL, "expected a JSON object"},
    {"42", RF_EPARSE, NULL, "expected a JSON object"},
    {"'enter'", RF_EPARSE, NULL, "expected a JSON object"},
    {"{'type':'enter','t':1,'shopper':'S1','staff':1}", RF_EPARSE, "staff", NULL},
    {"{'type':'enter','t':1,'shopper':'S1','staff':null}", RF_EPARSE, "staff", NULL},
    {"null", RF_EPARSE, NULL, "expected a JSON object"},
    {"true", RF_EPARSE, NULL, "expected a JSON object"},
    /* type */
    {"{}", RF_EPARSE, "type", "missing"},
    {"{'t':1,'shopper':'S1'}", RF_EPARSE, "type", "missing"},
    {"{'type':5,'t':1,'shopper':'S1'}", RF_EPARSE, "type", NULL},
    {"{'type':null,'t':1,'shopper':'S1'}", RF_EPARSE, "type", NULL},
    {"{'type':['enter'],'t':1,'shopper':'S1'}", RF_EPARSE, "type", NULL},
    {"{'type':'teleport','t':1,'shopper':'S1'}", RF_EPARSE, "type", "teleport"},
    {"{'type':'Enter','t':1,'shopper':'S1'}", RF_EPARSE, "type", "Enter"},
    {"{'type':'','t':1,'shopper':'S1'}", RF_EPARSE, "type", NULL},
    /* product */
    {"{'type':'product','weight_g':1.5}", RF_EPARSE, "sku", "missing"},
    {"{'type':'product','sku':'A'}", RF_EPARSE, "weight_g", "missing"},
    {"{'type':'product','sku':5,'weight_g':1.5}", RF_EPARSE, "sku", NULL},
    {"{'type':'product','sku':'','weight_g':1.5}", RF_EPARSE, "sku", "empty"},
    {"{'type':'product','sku':'A','weight_g':'1.5'}", RF_EPARSE, "weight_g", "a string"},
    {"{'type':'product','sku':'A','weight_g':1.5,'name':5}", RF_EPARSE, "name", NULL},
    {"{'type':'product','sku':'A','weight_g':1e999}", RF_ERANGE, "weight_g", "not finite"},
    {"{'type':'product','sku':'A','weight_g':1.5,'weight_sd_g':-1e999}", RF_ERANGE, "weight_sd_g",
     "not finite"},
    {"{'type':'product','sku':'A','weight_g':1.5,'weight_sd_g':null}", RF_EPARSE, "weight_sd_g",
     NULL},
    {"{'type':'product','sku':'A','weight_g':0}", RF_ERANGE, "weight_g", NULL},
    {"{'type':'product','sku':'A','weight_g':1.5,'weight_sd_g':-1}", RF_ERANGE, "weight_sd_g",
     NULL},
    /* shelf */
    {"{'type':'shelf','plates':[{'plate':'P1','x0':0,'x1':0.1}]}", RF_EPARSE, "shelf", "missing"},
    {"{'type':'shelf','shelf':'','plates':[{'plate':'P1','x0':0,'x1':0.1}]}", RF_EPARSE, "shelf",
     "empty"},
    {"{'type':'shelf','shelf':'S'}", RF_EPARSE, "plates", "missing"},
    {"{'type':'shelf','shelf':'S','plates':[]}", RF_EPARSE, "plates", NULL},
    {"{'type':'shelf','shelf':'S','plates':{'P1':1}}", RF_EPARSE, "plates", "an object"},
    {"{'type':'shelf','shelf':'S','plates':[5]}", RF_EPARSE, "plates[0]", NULL},
    {"{'type':'shelf','shelf':'S','plates':[{'x0':0,'x1':0.1}]}", RF_EPARSE, "plates[0].plate",
     "missing"},
    {"{'type':'shelf','shelf':'S','plates':[{'plate':'','x0':0,'x1':0.1}]}", RF_EPARSE,
     "plates[0].plate", "empty"},
    {"{'type':'shelf','shelf':'S','plates':[{'plate':'P1','x0':0,'x1':0.1},"
     "{'plate':'P2','x0':0.1}]}",
     RF_EPARSE, "plates[1].x1", "missing"},
    {"{'type':'shelf','shelf':'S','plates':[{'plate':'P1','x0':'0','x1':0.1}]}", RF_EPARSE,
     "plates[0].x0", NULL},
    {"{'type':'shelf','shelf':'S','plates':[{'plate':'P1','x0':0,'x1':1e999}]}", RF_ERANGE,
     "plates[0].x1", "not finite"},
    {"{'type':'shelf','shelf':'S','noise_g':'1','plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_EPARSE, "noise_g", NULL},
    {"{'type':'shelf','shelf':'S','noise_g':-1,'plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_ERANGE, "noise_g", NULL},
    {"{'type':'shelf','shelf':'S','pos':[1],'plates':[{'plate':'P1','x0':0,'x1':0.1}]}", RF_EPARSE,
     "pos", NULL},
    {"{'type':'shelf','shelf':'S','pos':'1,2','plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_EPARSE, "pos", NULL},
    {"{'type':'shelf','shelf':'S','pos':[1,'a'],'plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_EPARSE, "pos[1]", NULL},
    {"{'type':'shelf','shelf':'S','pos':[1e999,0],'plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_ERANGE, "pos[0]", "not finite"},
    {"{'type':'shelf','shelf':'S','dir':[0,0],'plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_ERANGE, "dir", "must not be [0, 0]"},
    {"{'type':'shelf','shelf':'S','dir':[1],'plates':[{'plate':'P1','x0':0,'x1':0.1}]}", RF_EPARSE,
     "dir", NULL},
    {"{'type':'shelf','shelf':'S','dir':[1,null],'plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_EPARSE, "dir[1]", NULL},
    {"{'type':'shelf','shelf':'S','dir':[-1e999,0],'plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_ERANGE, "dir[0]", "not finite"},
    /* facing */
    {"{'type':'facing','sku':'A','x0':0,'x1':0.1}", RF_EPARSE, "shelf", "missing"},
    {"{'type':'facing','shelf':'S','x0':0,'x1':0.1}", RF_EPARSE, "sku", "missing"},
    {"{'type':'facing','shelf':'S','sku':'A','x1':0.1}", RF_EPARSE, "x0", "missing"},
    {"{'type':'facing','shelf':'S','sku':'A','x0':0}", RF_EPARSE, "x1", "missing"},
    {"{'type':'facing','shelf':'S','sku':'','x0':0,'x1':0.1}", RF_EPARSE, "sku", "empty"},
    {"{'type':'facing','shelf':'S','sku':'A','x0':0,'x1':0.1,'count':-1}", RF_ERANGE, "count",
     NULL},
    {"{'type':'facing','shelf':'S','sku':'A','x0':0,'x1':0.1,'count':2.5}", RF_ERANGE, "count",
     "integer"},
    {"{'type':'facing','shelf':'S','sku':'A','x0':0,'x1':0.1,'count':'3'}", RF_EPARSE, "count",
     NULL},
    {"{'type':'facing','shelf':'S','sku':'A','x0':0.2,'x1':0.1}", RF_ERANGE, "x1", NULL},
    /* enter / exit */
    {"{'type':'enter','shopper':'S1'}", RF_EPARSE, "t", "missing"},
    {"{'type':'enter','t':1}", RF_EPARSE, "shopper", "missing"},
    {"{'type':'exit','shopper':'S1'}", RF_EPARSE, "t", "missing"},
    {"{'type':'exit','t':1}", RF_EPARSE, "shopper", "missing"},
    {"{'type':'enter','t':'5','shopper':'S1'}", RF_EPARSE, "t",
     "expected an integer (microseconds), got a string"},
    {"{'type':'enter','t':true,'shopper':'S1'}", RF_EPARSE, "t",
     "expected an integer (microseconds), got a boolean"},
    {"{'type':'enter','t':1.5,'shopper':'S1'}", RF_ERANGE, "t", "integer"},
    {"{'type':'enter','t':1e16,'shopper':'S1'}", RF_ERANGE, "t",
     "out of range: more than 2^52 microseconds from 0, got 10000000000000000"},
    {"{'type':'enter','t':-1e16,'shopper':'S1'}", RF_ERANGE, "t", "out of range"},
    {"{'type':'enter','t':9007199254740994,'shopper':'S1'}", RF_ERANGE, "t", "out of range"},
    {"{'type':'enter','t':1e999,'shopper':'S1'}", RF_ERANGE, "t", "not finite"},
    {"{'type':'enter','t':1,'shopper':5}", RF_EPARSE, "shopper", "a number"},
    {"{'type':'enter','t':1,'shopper':null}", RF_EPARSE, "shopper", "null"},
    {"{'type':'enter','t':1,'shopper':''}", RF_EPARSE, "shopper", "empty"},
    {"{'type':'exit','t':1,'shopper':''}", RF_EPARSE, "shopper", "empty"},
    /* link */
    {"{'type':'link','shopper':'S2','cart':'S1'}", RF_EPARSE, "t", "missing"},
    {"{'type':'link','t':1,'cart':'S1'}", RF_EPARSE, "shopper", "missing"},
    {"{'type':'link','t':1,'shopper':'S2'}", RF_EPARSE, "cart", "missing"},
    {"{'type':'link','t':1,'shopper':'S2','cart':''}", RF_EPARSE, "cart", "empty"},
    {"{'type':'link','t':1,'shopper':'S2','cart':1}", RF_EPARSE, "cart", NULL},
    /* position */
    {"{'type':'position','shopper':'S1','x':1,'y':2}", RF_EPARSE, "t", "missing"},
    {"{'type':'position','t':1,'x':1,'y':2}", RF_EPARSE, "shopper", "missing"},
    {"{'type':'position','t':1,'shopper':'S1','y':2}", RF_EPARSE, "x", "missing"},
    {"{'type':'position','t':1,'shopper':'S1','x':1}", RF_EPARSE, "y", "missing"},
    {"{'type':'position','t':1,'shopper':'S1','x':'1','y':2}", RF_EPARSE, "x", NULL},
    {"{'type':'position','t':1,'shopper':'S1','x':1,'y':1e999}", RF_ERANGE, "y", "not finite"},
    /* samples */
    {"{'type':'samples','t':0,'dt_us':10,'g':[1]}", RF_EPARSE, "plate", "missing"},
    {"{'type':'samples','plate':'P','dt_us':10,'g':[1]}", RF_EPARSE, "t", "missing"},
    {"{'type':'samples','plate':'P','t':0,'g':[1]}", RF_EPARSE, "dt_us", "missing"},
    {"{'type':'samples','plate':'P','t':0,'dt_us':10}", RF_EPARSE, "g", "missing"},
    {"{'type':'samples','plate':'','t':0,'dt_us':10,'g':[1]}", RF_EPARSE, "plate", "empty"},
    {"{'type':'samples','plate':'P','t':0,'dt_us':0,'g':[1]}", RF_ERANGE, "dt_us", NULL},
    {"{'type':'samples','plate':'P','t':0,'dt_us':-5,'g':[1]}", RF_ERANGE, "dt_us", NULL},
    {"{'type':'samples','plate':'P','t':0,'dt_us':16667.5,'g':[1]}", RF_ERANGE, "dt_us", "integer"},
    {"{'type':'samples','plate':'P','t':0.5,'dt_us':10,'g':[1]}", RF_ERANGE, "t", "integer"},
    {"{'type':'samples','plate':'P','t':0,'dt_us':10,'g':[]}", RF_EPARSE, "g", NULL},
    {"{'type':'samples','plate':'P','t':0,'dt_us':10,'g':{'a':1}}", RF_EPARSE, "g", "an object"},
    {"{'type':'samples','plate':'P','t':0,'dt_us':10,'g':5}", RF_EPARSE, "g", "a number"},
    {"{'type':'samples','plate':'P','t':0,'dt_us':10,'g':[1,'x']}", RF_EPARSE, "g[1]", NULL},
    {"{'type':'samples','plate':'P','t':0,'dt_us':10,'g':[1,2,1e999]}", RF_ERANGE, "g[2]",
     "not finite"},
    {"{'type':'samples','plate':'P','t':4503599627370496,'dt_us':10,'g':[1,2]}", RF_ERANGE, "dt_us",
     "the last reading's time is out of range (more than 2^52 microseconds from 0)"},
    /* delta */
    {"{'type':'delta','t0':10,'t1':20,'plates':{'P1':-5}}", RF_EPARSE, "shelf", "missing"},
    {"{'type':'delta','shelf':'S','t1':20,'plates':{'P1':-5}}", RF_EPARSE, "t0", "missing"},
    {"{'type':'delta','shelf':'S','t0':10,'plates':{'P1':-5}}", RF_EPARSE, "t1", "missing"},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20}", RF_EPARSE, "plates", "missing"},
    {"{'type':'delta','shelf':'S','t0':20,'t1':10,'plates':{'P1':-5}}", RF_ERANGE, "t1", NULL},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20,'plates':{}}", RF_EPARSE, "plates", NULL},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20,'plates':[-5]}", RF_EPARSE, "plates", "an array"},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20,'plates':{'P1':'x'}}", RF_EPARSE, "plates.P1",
     NULL},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20,'plates':{'P1':-5,'P2':1e999}}", RF_ERANGE,
     "plates.P2", "not finite"},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20,'plates':{'':1}}", RF_EPARSE, "plates", "empty"},
    {"{'type':'delta','shelf':'S','t0':1.5,'t1':20,'plates':{'P1':1}}", RF_ERANGE, "t0", "integer"},
    {"{'type':'delta','shelf':'','t0':10,'t1':20,'plates':{'P1':1}}", RF_EPARSE, "shelf", "empty"},
    /* hand */
    {"{'type':'hand','shopper':'S1','t0':10,'t1':20}", RF_EPARSE, "shelf", "missing"},
    {"{'type':'hand','shopper':'S1','shelf':'S','t1':20}", RF_EPARSE, "t0", "missing"},
    {"{'type':'hand','shopper':'S1','shelf':'S','t0':10}", RF_EPARSE, "t1", "missing"},
    {"{'type':'hand','shopper':'S1','shelf':'S','t0':20,'t1':10}", RF_ERANGE, "t1", NULL},
    {"{'type':'hand','shopper':5,'shelf':'S','t0':10,'t1':20}", RF_EPARSE, "shopper", NULL},
    {"{'type':'hand','shopper':'','shelf':'S','t0':10,'t1':20}", RF_EPARSE, "shopper", "empty"},
    {"{'type':'hand','shopper':'S1','shelf':'','t0':10,'t1':20}", RF_EPARSE, "shelf", "empty"},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'conf':1.5}", RF_ERANGE, "conf", NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'conf':-0.1}", RF_ERANGE, "conf", NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'conf':'0.5'}", RF_EPARSE, "conf", NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'x':'1'}", RF_EPARSE, "x", NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'x':1e999}", RF_ERANGE, "x", "not finite"},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'holding_in':1}", RF_EPARSE, "holding_in",
     "a number"},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'holding_out':'true'}", RF_EPARSE, "holding_out",
     NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'sku_scores':[]}", RF_EPARSE, "sku_scores", NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'sku_scores':{'A':'x'}}", RF_EPARSE,
     "sku_scores.A", NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'sku_scores':{'A':0.5,'B':1e999}}", RF_ERANGE,
     "sku_scores.B", NULL},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'sku_scores':{'':0.5}}", RF_EPARSE, "sku_scores",
     "empty"},
    /* restock */
    {"{'type':'restock','sku':'A','t0':10,'t1':20,'qty':6}", RF_EPARSE, "shelf", "missing"},
    {"{'type':'restock','shelf':'S','t0':10,'t1':20,'qty':6}", RF_EPARSE, "sku", "is missing"},
    {"{'type':'restock','shelf':'S','sku':'A','t1':20,'qty':6}", RF_EPARSE, "t0", "missing"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'qty':6}", RF_EPARSE, "t1", "missing"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':20}", RF_EPARSE, "qty", "is missing"},
    {"{'type':'restock','shelf':'','sku':'A','t0':10,'t1':20,'qty':6}", RF_EPARSE, "shelf",
     "empty"},
    {"{'type':'restock','shelf':'S','sku':'','t0':10,'t1':20,'qty':6}", RF_EPARSE, "sku",
     "id is empty"},
    {"{'type':'restock','shelf':'S','sku':5,'t0':10,'t1':20,'qty':6}", RF_EPARSE, "sku",
     "expected a string id, got a number"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':20,'qty':0}", RF_ERANGE, "qty",
     "line 2: restock: field 'qty': must not be 0"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':20,'qty':-0}", RF_ERANGE, "qty",
     "must not be 0"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':20,'qty':1.5}", RF_ERANGE, "qty",
     "expected an integer, got 1.5"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':20,'qty':'6'}", RF_EPARSE, "qty",
     "expected an integer, got a string"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':20,'qty':null}", RF_EPARSE, "qty",
     "got null"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':20,'qty':1e16}", RF_ERANGE, "qty",
     "expected an integer"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':20,'t1':10,'qty':6}", RF_ERANGE, "t1",
     "line 2: restock: field 't1': t1 10 is before t0 20"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':1.5,'t1':20,'qty':6}", RF_ERANGE, "t0",
     "integer"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':-4503599627370497,'t1':20,'qty':6}", RF_ERANGE,
     "t0", "out of range: more than 2^52 microseconds from 0"},
    {"{'type':'restock','shelf':'S','sku':'A','t0':10,'t1':4503599627370497,'qty':6}", RF_ERANGE,
     "t1", "out of range"},
    {"{'type':'restock','source':'','shelf':'S','sku':'A','t0':10,'t1':20,'qty':6}", RF_EPARSE,
     "source", "empty"},
    {"{'type':'restock','source':7,'shelf':'S','sku':'A','t0':10,'t1':20,'qty':6}", RF_EPARSE,
     "source", NULL},
    {"{'type':'restock','seq':'3','shelf':'S','sku':'A','t0':10,'t1':20,'qty':6}", RF_EPARSE, "seq",
     "expected an integer, got a string"},
    {"{'type':'restock','seq':1.5,'shelf':'S','sku':'A','t0':10,'t1':20,'qty':6}", RF_ERANGE, "seq",
     "integer"},
    {"{'type':'restock','shelf':'S','sku':'A\\u0000','t0':10,'t1':20,'qty':6}", RF_EPARSE, "sku",
     "contains a NUL"},
    {"{'type':'restock','shelf':'S','sku':'A','sku':'B','t0':10,'t1':20,'qty':6}", RF_EPARSE, "sku",
     "appears twice"},
    /* diff */
    {"{'type':'diff','t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'review':false,'event':2}",
     RF_EPARSE, "seq", "missing"},
    {"{'type':'diff','seq':1,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'review':false,'event':2}",
     RF_EPARSE, "t", "missing"},
    {"{'type':'diff','seq':1,'t':10,'sku':'A','qty':1,'conf':0.5,'review':false,'event':2}",
     RF_EPARSE, "shopper", "missing"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','qty':1,'conf':0.5,'review':false,'event':2}",
     RF_EPARSE, "sku", "missing"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','conf':0.5,'review':false,'event':2}",
     RF_EPARSE, "qty", "missing"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'review':false,'event':2}",
     RF_EPARSE, "conf", "missing"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'event':2}",
     RF_EPARSE, "review", "missing"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'review':false}",
     RF_EPARSE, "event", "missing"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':0,'conf':0.5,'review':false,"
     "'event':2}",
     RF_ERANGE, "qty", NULL},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1.5,'conf':0.5,'review':false,"
     "'event':2}",
     RF_ERANGE, "qty", "integer"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':1.01,'review':false,"
     "'event':2}",
     RF_ERANGE, "conf", NULL},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':-1e999,"
     "'review':false,'event':2}",
     RF_ERANGE, "conf", "not finite"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'review':0,"
     "'event':2}",
     RF_EPARSE, "review", NULL},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,"
     "'review':'false','event':2}",
     RF_EPARSE, "review", NULL},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'review':false,"
     "'event':2,'corrects':'7'}",
     RF_EPARSE, "corrects", NULL},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'review':false,"
     "'event':2,'corrects':1.5}",
     RF_ERANGE, "corrects", "integer"},
    {"{'type':'diff','seq':'1','t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,"
     "'review':false,'event':2}",
     RF_EPARSE, "seq", "expected an integer, got a string"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'A','qty':1,'conf':0.5,'review':false,"
     "'event':null}",
     RF_EPARSE, "event", "null"},
    {"{'type':'diff','seq':1,'t':10,'shopper':'S1','sku':'','qty':1,'conf':0.5,'review':false,"
     "'event':2}",
     RF_EPARSE, "sku", "empty"},
    /* receipt */
    {"{'type':'receipt','items':{'A':1}}", RF_EPARSE, "shopper", "missing"},
    {"{'type':'receipt','shopper':'S1'}", RF_EPARSE, "items", "missing"},
    {"{'type':'receipt','shopper':'','items':{'A':1}}", RF_EPARSE, "shopper", "empty"},
    {"{'type':'receipt','shopper':'S1','items':[]}", RF_EPARSE, "items", "an array"},
    {"{'type':'receipt','shopper':'S1','items':{'A':1.5}}", RF_ERANGE, "items.A", "integer"},
    {"{'type':'receipt','shopper':'S1','items':{'A':1,'B':-1}}", RF_ERANGE, "items.B", NULL},
    {"{'type':'receipt','shopper':'S1','items':{'A':'1'}}", RF_EPARSE, "items.A",
     "expected an integer, got a string"},
    {"{'type':'receipt','shopper':'S1','items':{'':1}}", RF_EPARSE, "items", "empty"},
    {"{'type':'receipt','t':1.5,'shopper':'S1','items':{'A':1}}", RF_ERANGE, "t", "integer"},
    {"{'type':'receipt','t':'5','shopper':'S1','items':{'A':1}}", RF_EPARSE, "t", NULL},
    {"{'type':'receipt','shopper':'S1','items':{'A':1},'review':'no'}", RF_EPARSE, "review", NULL},
    /* truth */
    {"{'type':'truth','shopper':'S1','sku':'A','qty':1}", RF_EPARSE, "t", "missing"},
    {"{'type':'truth','t':1,'sku':'A','qty':1}", RF_EPARSE, "shopper", "missing"},
    {"{'type':'truth','t':1,'shopper':'S1','qty':1}", RF_EPARSE, "sku", "missing"},
    {"{'type':'truth','t':1,'shopper':'S1','sku':'A'}", RF_EPARSE, "qty", "missing"},
    {"{'type':'truth','t':1,'shopper':'S1','sku':'A','qty':0}", RF_ERANGE, "qty", NULL},
    {"{'type':'truth','t':1,'shopper':'S1','sku':'A','qty':-0}", RF_ERANGE, "qty", NULL},
    {"{'type':'truth','t':1,'shopper':'S1','sku':'','qty':1}", RF_EPARSE, "sku", "empty"},
    {"{'type':'truth','t':1,'shopper':'S1','sku':'A','qty':'1'}", RF_EPARSE, "qty", NULL},
    /* Every time field within 2^52 us of 0 (RF_TIME_LIMIT_US); output times within 2^53. */
    {"{'type':'enter','t':4503599627370497,'shopper':'S1'}", RF_ERANGE, "t",
     "out of range: more than 2^52 microseconds from 0, got 4503599627370497"},
    {"{'type':'exit','t':-4503599627370497,'shopper':'S1'}", RF_ERANGE, "t", "out of range"},
    {"{'type':'link','t':4503599627370497,'shopper':'S2','cart':'S1'}", RF_ERANGE, "t", NULL},
    {"{'type':'position','t':-4503599627370497,'shopper':'S1','x':1,'y':2}", RF_ERANGE, "t", NULL},
    {"{'type':'samples','plate':'P','t':-4503599627370497,'dt_us':10,'g':[1]}", RF_ERANGE, "t",
     "out of range"},
    {"{'type':'samples','plate':'P','t':0,'dt_us':4503599627370497,'g':[1]}", RF_ERANGE, "dt_us",
     "out of range"},
    {"{'type':'samples','plate':'P','t':4503599627370486,'dt_us':10,'g':[1,2,3]}", RF_ERANGE,
     "dt_us", "the last reading's time is out of range"},
    {"{'type':'delta','shelf':'S','t0':-4503599627370497,'t1':20,'plates':{'P1':-5}}", RF_ERANGE,
     "t0", "out of range"},
    {"{'type':'delta','shelf':'S','t0':10,'t1':4503599627370497,'plates':{'P1':-5}}", RF_ERANGE,
     "t1", "out of range"},
    {"{'type':'hand','shelf':'S','t0':-9007199254740992,'t1':20}", RF_ERANGE, "t0", "out of range"},
    {"{'type':'hand','shelf':'S','t0':10,'t1':4503599627370497}", RF_ERANGE, "t1", "out of range"},
    {"{'type':'truth','t':4503599627370497,'shopper':'S1','sku':'A','qty':1}", RF_ERANGE, "t",
     "more than 2^52 microseconds"},
    {"{'type':'diff','seq':1,'t':9007199254740994,'shopper':'S1','sku':'A','qty':1,'conf':0.5,"
     "'review':false,'event':2}",
     RF_ERANGE, "t", "out of range: more than 2^53 microseconds from 0"},
    {"{'type':'receipt','t':-9007199254740994,'shopper':'S1','items':{}}", RF_ERANGE, "t",
     "more than 2^53 microseconds"},
    /* Every gram field within 1e7 g by magnitude (RF_WEIGHT_LIMIT_G). */
    {"{'type':'product','sku':'A','weight_g':10000000.000000002}", RF_ERANGE, "weight_g",
     "out of range: more than 1e7 g by magnitude, got 1e+07"},
    {"{'type':'product','sku':'HUGE','weight_g':1e308}", RF_ERANGE, "weight_g",
     "out of range: more than 1e7 g by magnitude, got 1e+308"},
    {"{'type':'product','sku':'A','weight_g':1.5,'weight_sd_g':2e7}", RF_ERANGE, "weight_sd_g",
     "out of range"},
    {"{'type':'shelf','shelf':'S','noise_g':1e8,'plates':[{'plate':'P1','x0':0,'x1':0.1}]}",
     RF_ERANGE, "noise_g", "out of range"},
    {"{'type':'samples','plate':'P','t':0,'dt_us':10,'g':[1,-10000001]}", RF_ERANGE, "g[1]",
     "out of range: more than 1e7 g by magnitude, got -1e+07"},
    {"{'type':'delta','shelf':'G1S1','t0':6000000,'t1':6800000,'plates':{'G1S1P3':-1e308,"
     "'G1S1P4':-1e308}}",
     RF_ERANGE, "plates.G1S1P3", "out of range: more than 1e7 g by magnitude, got -1e+308"},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20,'plates':{'P1':-5,'P2':2e308}}", RF_ERANGE,
     "plates.P2", "not finite"},
    /* No NUL in any string: cJSON would cut it there, so "A\u0000B" would read as "A". */
    {"{'type':'enter','t':0,'shopper':'A\\u0000B'}", RF_EPARSE, "shopper",
     "contains a NUL (\\u0000)"},
    {"{'type':'hand','shopper':'A\\u0000ZZZ','shelf':'G1S1','t0':5900000,'t1':6900000}", RF_EPARSE,
     "shopper", "contains a NUL"},
    {"{'type':'product','sku':'A','name':'\\u0000','weight_g':1}", RF_EPARSE, "name",
     "contains a NUL"},
    {"{'type':'shelf','shelf':'S','plates':[{'plate':'P1','x0':0,'x1':0.1},"
     "{'plate':'P\\u00002','x0':0.1,'x1':0.2}]}",
     RF_EPARSE, "plates[1].plate", "contains a NUL"},
    {"{'type':'delta','shelf':'S','t0':10,'t1':20,'plates':{'P1':-5,'P\\u0000':1}}", RF_EPARSE,
     "plates", "a key contains a NUL"},
    {"{'type':'enter','t':0,'shopper':'S1','x\\u0000y':1}", RF_EPARSE, NULL,
     "line 2: enter: a field name contains a NUL"},
    {"{'type':'enter','t':0,'shopper':'S1','note':'\\\\','other':'\\u0000'}", RF_EPARSE, "other",
     "contains a NUL"},
    /* UTF-8 only: bad bytes are refused, never echoed. */
    {"{'type':'enter','t':0,'shopper':'S\xff\xfe\xc0\x80'}", RF_EPARSE, "shopper",
     "is not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'\xc0\x80'}", RF_EPARSE, "shopper", "not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'\xed\xa0\x80'}", RF_EPARSE, "shopper", "not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'\xf4\x90\x80\x80'}", RF_EPARSE, "shopper",
     "not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'caf\xc3'}", RF_EPARSE, "shopper", "not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'\xe2\x82'}", RF_EPARSE, "shopper", "not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'\x80'}", RF_EPARSE, "shopper", "not valid UTF-8"},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'sku_scores':{'A':0.5,'\xff':0.1}}", RF_EPARSE,
     "sku_scores", "a key is not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'S1','ignored':['ok','\xfe']}", RF_EPARSE, "ignored[1]",
     "not valid UTF-8"},
    {"{'type':'enter','t':0,'shopper':'S1','\xff':1}", RF_EPARSE, NULL,
     "line 2: enter: a field name is not valid UTF-8"},
    /* Keys unique within each object, at any depth, known or not. */
    {"{'type':'enter','type':'exit','t':0,'shopper':'S9'}", RF_EPARSE, "type", "appears twice"},
    {"{'type':'enter','t':0,'shopper':'S1','shopper':'S2'}", RF_EPARSE, "shopper",
     "line 2: enter: field 'shopper': appears twice"},
    {"{'type':'delta','shelf':'G1S1','t0':6000000,'t1':6800000,'plates':{'G1S1P3':-270.1,"
     "'G1S1P3':-270.1}}",
     RF_EPARSE, "plates.G1S1P3", "appears twice"},
    {"{'type':'shelf','shelf':'S','plates':[{'plate':'P1','x0':0,'x0':0,'x1':0.1}]}", RF_EPARSE,
     "plates[0].x0", "appears twice"},
    {"{'type':'enter','t':0,'shopper':'S1','ignored':{'a':1,'b':{'c':1,'c':2}}}", RF_EPARSE,
     "ignored.b.c", "appears twice"},
    {"{'type':'hand','shelf':'S','t0':10,'t1':20,'sku_scores':{'k01':1,'k02':1,'k03':1,'k04':1,"
     "'k05':1,'k06':1,'k07':1,'k08':1,'k09':1,'k10':1,'k11':1,'k12':1,'k13':1,'k14':1,'k15':1,"
     "'k16':1,'k17':1,'k09':2,'k18':1}}",
     RF_EPARSE, "sku_scores.k09", "appears twice"},
    {"{'type':'teleport','x':1,'x':2}", RF_EPARSE, "x", "line 2: record: field 'x': appears twice"},
};

/* Each bad line sits between two good ones: the error names line 2 and its field, the good line
 * after it still parses as line 3. */
static void test_malformed_lines(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; ++i) {
    const bad_case *bc = &bad_cases[i];
    size_t n = strlen(GOOD_BEFORE) + strlen(bc->json) + strlen(GOOD_AFTER) + 4;
    char *raw = malloc(n);
    assert_non_null(raw);
    snprintf(raw, n, "%s\n%s\n%s\n", GOOD_BEFORE, bc->json, GOOD_AFTER);
    char *text;
    rf_scenario_reader *r = open_text(raw, &text);
    free(raw);
    rf_record rec;
    set_case("bad case %zu: %s", i, bc->json);
    expect_next(r, &rec, RF_RECORD_ENTER, 1);
    expect_error(r, bc->code, 2, bc->field, bc->extra);
    expect_next(r, &rec, RF_RECORD_EXIT, 3);
    assert_string_equal(rec.u.exit.shopper, "S1");
    assert_int_equal(rec.u.exit.t, 2);
    expect_end(r);
    rf_scenario_reader_free(r);
    free(text);
  }
  current_case[0] = '\0';
}

/* Values at the edge of what is allowed. */
static void test_edge_values_accepted(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'enter','t':4503599627370496,'shopper':'S1'}\n"
      "{'type':'enter','t':-4503599627370496,'shopper':'S1'}\n"
      "{'type':'enter','t':1e3,'shopper':'S1'}\n"
      "{'type':'enter','t':12.0,'shopper':'S1'}\n"
      "{'type':'diff','seq':-1,'t':10,'shopper':'S1','sku':'A','qty':-100,'conf':0,'review':true,"
      "'event':-2,'corrects':0}\n"
      "{'type':'position','t':1,'shopper':'S1','x':-1e300,'y':5e-324}\n",
      &text);
  rf_record rec;
  expect_next(r, &rec, RF_RECORD_ENTER, 1);
  assert_int_equal(rec.u.enter.t, 4503599627370496LL); /* RF_TIME_LIMIT_US itself */
  expect_next(r, &rec, RF_RECORD_ENTER, 2);
  assert_int_equal(rec.u.enter.t, -4503599627370496LL);
  expect_next(r, &rec, RF_RECORD_ENTER, 3);
  assert_int_equal(rec.u.enter.t, 1000);
  expect_next(r, &rec, RF_RECORD_ENTER, 4);
  assert_int_equal(rec.u.enter.t, 12);
  expect_next(r, &rec, RF_RECORD_DIFF, 5);
  assert_int_equal(rec.u.diff.seq, -1);
  assert_int_equal(rec.u.diff.qty, -100);
  assert_true(rec.u.diff.conf == 0.0);
  assert_int_equal(rec.u.diff.event, -2);
  assert_int_equal(rec.u.diff.has_corrects, 1);
  assert_int_equal(rec.u.diff.corrects, 0);
  expect_next(r, &rec, RF_RECORD_POSITION, 6);
  assert_true(rec.u.position.x == -1e300);
  assert_true(rec.u.position.y == 5e-324);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

/* The limits themselves, text that only looks like a NUL, and UTF-8 at its edges are read. */
static void test_limits_and_text_accepted(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'product','sku':'\xf0\x9f\x9b\x92','name':'caf\xc3\xa9 \xf4\x8f\xbf\xbf',"
      "'weight_g':10000000,'weight_sd_g':10000000}\n"
      "{'type':'samples','plate':'P','t':4503599627370486,'dt_us':10,'g':[-10000000,1e7]}\n"
      "{'type':'delta','shelf':'S','t0':-4503599627370496,'t1':4503599627370496,"
      "'plates':{'P1':-1e7}}\n"
      "{'type':'enter','t':0,'shopper':'A\\\\u0000B','note':'\\ud83d\\uded2'}\n"
      "{'type':'diff','seq':1,'t':9007199254740992,'shopper':'S1','sku':'A','qty':1,'conf':0.5,"
      "'review':false,'event':2}\n"
      "{'type':'receipt','t':-9007199254740992,'shopper':'S1','items':{}}\n"
      "{'type':'enter','t':0,'shopper':'S1','a':{'x':1},'b':{'x':1},'c':[{'x':1},{'x':2}]}\n",
      &text);
  rf_record rec;
  expect_next(r, &rec, RF_RECORD_PRODUCT, 1);
  assert_string_equal(rec.u.product.sku, "\xf0\x9f\x9b\x92");
  assert_string_equal(rec.u.product.name, "caf\xc3\xa9 \xf4\x8f\xbf\xbf");
  assert_true(rec.u.product.weight_g == 1e7);
  expect_next(r, &rec, RF_RECORD_SAMPLES, 2); /* the last reading exactly at 2^52 */
  assert_true(rec.u.samples.g[0] == -1e7 && rec.u.samples.g[1] == 1e7);
  expect_next(r, &rec, RF_RECORD_DELTA, 3);
  assert_int_equal(rec.u.delta.t0, -4503599627370496LL);
  assert_int_equal(rec.u.delta.t1, 4503599627370496LL);
  expect_next(r, &rec, RF_RECORD_ENTER, 4); /* an escaped backslash, then "u0000" */
  assert_string_equal(rec.u.enter.shopper, "A\\u0000B");
  expect_next(r, &rec, RF_RECORD_DIFF, 5);
  assert_int_equal(rec.u.diff.t, 9007199254740992LL);
  expect_next(r, &rec, RF_RECORD_RECEIPT, 6);
  assert_int_equal(rec.u.receipt.t, -9007199254740992LL);
  expect_next(r, &rec, RF_RECORD_ENTER, 7); /* one key in several objects is no repeat */
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

/* A line nested deeper than cJSON's limit (1000) says so, and reading goes on. */
static void test_nesting_too_deep(void **state) {
  (void)state;
  const char *head = "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\",\"deep\":";
  const char *next = "\n{\"type\":\"exit\",\"t\":1,\"shopper\":\"S1\"}\n";
  for (int levels = 998; levels <= 1001; ++levels) {
    /* levels - 1 arrays inside the record's object: `levels` in all */
    size_t n = strlen(head) + 2 * (size_t)levels + strlen(next) + 1;
    char *text = malloc(n), *p = text;
    assert_non_null(text);
    p += sprintf(p, "%s", head);
    for (int i = 1; i < levels; ++i) *p++ = '[';
    for (int i = 1; i < levels; ++i) *p++ = ']';
    sprintf(p, "}%s", next);
    rf_scenario_reader *r;
    assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), NULL, NULL), 0);
    rf_record rec;
    set_case("%d levels", levels);
    if (levels <= 1000) {
      expect_next(r, &rec, RF_RECORD_ENTER, 1);
    } else {
      expect_error(r, RF_EPARSE, 1, NULL, NULL);
      char want[128];
      snprintf(want, sizeof want,
               "line 1: JSON nested too deep (more than 1000 levels) near column %zu",
               strlen(head) + 1000);
      assert_string_equal(rf_scenario_reader_errmsg(r), want);
    }
    expect_next(r, &rec, RF_RECORD_EXIT, 2);
    expect_end(r);
    rf_scenario_reader_free(r);
    free(text);
  }
  current_case[0] = '\0';
}

/* Several bad lines give several errors with their own line numbers; good lines between them
 * parse with the right numbers and values. */
static void test_errors_then_go_on(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r =
      open_text("{'type':'enter','t':1,'shopper':'S1'}\n"                      /* 1 */
                "{'type':'enter','shopper':'S2'}\n"                            /* 2 */
                "{'type':'link','t':2,'shopper':'S2','cart':'S1'}\n"           /* 3 */
                "\n"                                                           /* 4 */
                "{{{\n"                                                        /* 5 */
                "{'type':'truth','t':3,'shopper':'S1','sku':'A','qty':0}\r\n"  /* 6 */
                "{'type':'hand','shelf':'S','t0':5,'t1':4}\n"                  /* 7 */
                "{'type':'truth','t':4,'shopper':'S1','sku':'A','qty':2}\n"    /* 8 */
                "{'type':'samples','plate':'P','t':0,'dt_us':10,'g':[1,'x']}", /* 9 */
                &text);
  rf_record rec;
  expect_next(r, &rec, RF_RECORD_ENTER, 1);
  expect_error(r, RF_EPARSE, 2, "t", "missing");
  expect_next(r, &rec, RF_RECORD_LINK, 3);
  assert_string_equal(rec.u.link.shopper, "S2");
  expect_error(r, RF_EPARSE, 5, NULL, "malformed JSON");
  expect_error(r, RF_ERANGE, 6, "qty", NULL);
  expect_error(r, RF_ERANGE, 7, "t1", NULL);
  expect_next(r, &rec, RF_RECORD_TRUTH, 8);
  assert_int_equal(rec.u.truth.t, 4);
  assert_int_equal(rec.u.truth.qty, 2);
  expect_error(r, RF_EPARSE, 9, "g[1]", NULL);
  expect_end(r);
  /* A successful read clears the message. */
  rf_scenario_reader_free(r);
  free(text);

  r = open_text("{'type':'enter'}\n{'type':'enter','t':1,'shopper':'S1'}\n", &text);
  expect_error(r, RF_EPARSE, 1, "t", NULL);
  expect_next(r, &rec, RF_RECORD_ENTER, 2);
  assert_string_equal(rf_scenario_reader_errmsg(r), "");
  rf_scenario_reader_free(r);
  free(text);
}

/* Records hand out arrays that are reused line to line: a short record after a long one must
 * see only its own entries. */
static void test_scratch_reuse(void **state) {
  (void)state;
  char *text;
  rf_scenario_reader *r = open_text(
      "{'type':'delta','shelf':'S','t0':1,'t1':2,'plates':{'P1':1,'P2':2,'P3':3,'P4':4,'P5':5,"
      "'P6':6,'P7':7,'P8':8,'P9':9,'P10':10,'P11':11}}\n"
      "{'type':'delta','shelf':'S','t0':1,'t1':2,'plates':{'Q':-1}}\n"
      "{'type':'samples','plate':'P','t':0,'dt_us':1,'g':[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
      "17,18,19]}\n"
      "{'type':'samples','plate':'P','t':0,'dt_us':1,'g':[42]}\n",
      &text);
  rf_record rec;
  expect_next(r, &rec, RF_RECORD_DELTA, 1);
  assert_int_equal(rec.u.delta.plate_count, 11);
  for (size_t i = 0; i < 11; ++i) {
    char name[8];
    snprintf(name, sizeof name, "P%zu", i + 1);
    assert_string_equal(rec.u.delta.plates[i].plate, name);
    assert_true(rec.u.delta.plates[i].g == (double)(i + 1));
  }
  expect_next(r, &rec, RF_RECORD_DELTA, 2);
  assert_int_equal(rec.u.delta.plate_count, 1);
  assert_string_equal(rec.u.delta.plates[0].plate, "Q");
  assert_true(rec.u.delta.plates[0].g == -1.0);
  expect_next(r, &rec, RF_RECORD_SAMPLES, 3);
  assert_int_equal(rec.u.samples.count, 20);
  for (size_t i = 0; i < 20; ++i) assert_true(rec.u.samples.g[i] == (double)i);
  expect_next(r, &rec, RF_RECORD_SAMPLES, 4);
  assert_int_equal(rec.u.samples.count, 1);
  assert_true(rec.u.samples.g[0] == 42.0);
  expect_end(r);
  rf_scenario_reader_free(r);
  free(text);
}

/* ---- sources, limits, streaming ---- */

/* A callback source over memory that hands out at most `step` bytes a call and can fail once
 * `fail_after` bytes have gone out. */
typedef struct chunk_src {
  const char *data;
  size_t len, pos, step;
  size_t fail_after; /* SIZE_MAX: never */
  long fail_code;
  long calls;
} chunk_src;

static long chunk_read(char *buf, size_t cap, void *payload) {
  chunk_src *s = payload;
  s->calls++;
  if (s->pos >= s->fail_after) return s->fail_code;
  size_t n = s->len - s->pos;
  if (n > s->step) n = s->step;
  if (n > cap) n = cap;
  if (s->fail_after != SIZE_MAX && n > s->fail_after - s->pos) n = s->fail_after - s->pos;
  memcpy(buf, s->data + s->pos, n);
  s->pos += n;
  return (long)n;
}

static chunk_src make_src(const char *data, size_t step) {
  chunk_src s = {data, strlen(data), 0, step, SIZE_MAX, 0, 0};
  return s;
}

/* A record line of exactly `len` bytes (len >= 48): an enter record padded with an unknown
 * field. The caller frees it. */
static char *padded_line(size_t len, int t) {
  char head[64];
  int n =
      snprintf(head, sizeof head, "{\"type\":\"enter\",\"t\":%d,\"shopper\":\"S1\",\"p\":\"", t);
  assert_true(len >= (size_t)n + 2);
  char *s = malloc(len + 1);
  assert_non_null(s);
  memcpy(s, head, (size_t)n);
  memset(s + n, 'x', len - (size_t)n - 2);
  memcpy(s + len - 2, "\"}", 2);
  s[len] = '\0';
  return s;
}

static void check_limit_text(const char *text, size_t step) {
  rf_scenario_reader_options opt = RF_SCENARIO_READER_OPTIONS_INIT;
  opt.max_line_bytes = 64;
  rf_scenario_reader *r;
  chunk_src src = make_src(text, step);
  if (step == 0)
    assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), &opt, NULL), 0);
  else assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, &opt, NULL), 0);
  rf_record rec;
  set_case("line limit, step %zu", step);
  expect_next(r, &rec, RF_RECORD_ENTER, 1); /* exactly 64 bytes: fits */
  assert_int_equal(rec.u.enter.t, 1);
  expect_error(r, RF_ELIMIT, 2, NULL, "longer than 64 bytes"); /* 65 bytes */
  expect_next(r, &rec, RF_RECORD_ENTER, 3);
  assert_int_equal(rec.u.enter.t, 3);
  expect_error(r, RF_ELIMIT, 4, NULL, "64"); /* 1000 bytes */
  expect_error(r, RF_ELIMIT, 5, NULL, "64"); /* 300 bytes right after */
  expect_next(r, &rec, RF_RECORD_EXIT, 7);   /* after a blank line */
  assert_int_equal(rec.u.exit.t, 7);
  expect_error(r, RF_ELIMIT, 8, NULL, "64"); /* the last line, 200 bytes, no newline */
  expect_end(r);
  rf_scenario_reader_free(r);
}

static void test_line_limit(void **state) {
  (void)state;
  char *l1 = padded_line(64, 1), *l2 = padded_line(65, 2), *l3 = padded_line(50, 3);
  char *l4 = padded_line(1000, 4), *l5 = padded_line(300, 5), *l8 = padded_line(200, 8);
  const char *l7 = "{\"type\":\"exit\",\"t\":7,\"shopper\":\"S1\"}";
  size_t n = strlen(l1) + strlen(l2) + strlen(l3) + strlen(l4) + strlen(l5) + strlen(l7) +
             strlen(l8) + 16;
  char *text = malloc(n);
  assert_non_null(text);
  snprintf(text, n, "%s\n%s\n%s\n%s\n%s\n\n%s\n%s", l1, l2, l3, l4, l5, l7, l8);
  check_limit_text(text, 0); /* all in one read */
  const size_t steps[] = {1, 3, 7, 13, 64, 65, 100, 4096};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; ++i) check_limit_text(text, steps[i]);
  free(text);
  free(l1);
  free(l2);
  free(l3);
  free(l4);
  free(l5);
  free(l8);
}

/* The default limit is far above ordinary lines: a 200 kB samples line reads whole, in one read
 * and across many. */
static void test_long_line_default_limit(void **state) {
  (void)state;
  size_t count = 20000;
  size_t cap = count * 12 + 128;
  char *text = malloc(cap);
  assert_non_null(text);
  size_t n = (size_t)snprintf(text, cap,
                              "{\"type\":\"samples\",\"plate\":\"P\",\"t\":0,"
                              "\"dt_us\":16667,\"g\":[");
  for (size_t i = 0; i < count; ++i)
    n += (size_t)snprintf(text + n, cap - n, "%s%zu.5", i ? "," : "", i);
  n += (size_t)snprintf(text + n, cap - n, "]}\n");
  for (int pass = 0; pass < 2; ++pass) {
    rf_scenario_reader *r;
    chunk_src src = make_src(text, 1000);
    if (pass == 0) assert_int_equal(rf_scenario_reader_from_memory(&r, text, n, NULL, NULL), 0);
    else assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, NULL, NULL), 0);
    rf_record rec;
    expect_next(r, &rec, RF_RECORD_SAMPLES, 1);
    assert_int_equal(rec.u.samples.count, count);
    for (size_t i = 0; i < count; ++i) assert_true(rec.u.samples.g[i] == (double)i + 0.5);
    expect_end(r);
    rf_scenario_reader_free(r);
  }
  free(text);
}

#define MIXED_SCENARIO                                                                         \
  "{'type':'product','sku':'859000002121','name':'Sweet Tea','weight_g':540.67,"               \
  "'weight_sd_g':3.0}\n"                                                                       \
  "{'type':'shelf','shelf':'G1S3','noise_g':1.5,'pos':[1,2],'plates':[{'plate':'G1S3P1',"      \
  "'x0':0.0,'x1':0.1016},{'plate':'G1S3P2','x0':0.1016,'x1':0.2032}]}\n"                       \
  "{'type':'facing','shelf':'G1S3','sku':'859000002121','x0':0.1,'x1':0.2,'count':8}\r\n"      \
  "\n"                                                                                         \
  "{'type':'enter','t':0,'shopper':'S1'}\n"                                                    \
  "{'type':'link','t':1000,'shopper':'S2','cart':'S1'}\n"                                      \
  "{'type':'position','t':5000000,'shopper':'S1','x':2.1,'y':0.4}\n"                           \
  "{'type':'samples','plate':'G1S3P1','t':1000000,'dt_us':16667,'g':[2210.4,2210.6]}\n"        \
  "{'type':'delta','shelf':'G1S3','t0':1000000,'t1':1800000,'plates':{'G1S3P2':-540.2,"        \
  "'G1S3P1':-0.4}}\n"                                                                          \
  "{'type':'hand','shopper':'S1','shelf':'G1S3','t0':900000,'t1':1900000,'x':0.35,'conf':0.9," \
  "'holding_in':false,'holding_out':true,'sku_scores':{'859000002121':0.6,'B':0.1}}\n"         \
  "{'type':'diff','seq':9,'t':5100000,'shopper':'S1','sku':'859000002121','qty':-1,"           \
  "'conf':0.88,'review':false,'event':3,'corrects':7}\n"                                       \
  "{'type':'receipt','t':96000000,'shopper':'S1','items':{'859000002121':1,'B':2},"            \
  "'review':false}\n"                                                                          \
  "{'type':'truth','t':1800000,'shopper':'S1','sku':'859000002121','qty':1}\n"                 \
  "{'type':'exit','t':95000000,'shopper':'S1'}"

static const rf_record_type mixed_types[] = {
    RF_RECORD_PRODUCT,  RF_RECORD_SHELF,   RF_RECORD_FACING, RF_RECORD_ENTER, RF_RECORD_LINK,
    RF_RECORD_POSITION, RF_RECORD_SAMPLES, RF_RECORD_DELTA,  RF_RECORD_HAND,  RF_RECORD_DIFF,
    RF_RECORD_RECEIPT,  RF_RECORD_TRUTH,   RF_RECORD_EXIT};
static const uint64_t mixed_lines[] = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
#define MIXED_COUNT (sizeof mixed_types / sizeof mixed_types[0])

/* Checks the values of the record at index i of MIXED_SCENARIO that hold arrays or strings most
 * at risk from being split across reads. */
static void check_mixed(size_t i, const rf_record *rec) {
  assert_int_equal(rec->type, mixed_types[i]);
  assert_int_equal(rec->line, mixed_lines[i]);
  switch (rec->type) {
    case RF_RECORD_PRODUCT:
      assert_string_equal(rec->u.product.name, "Sweet Tea");
      assert_true(rec->u.product.weight_g == 540.67);
      break;
    case RF_RECORD_SHELF:
      assert_int_equal(rec->u.shelf.plate_count, 2);
      assert_string_equal(rec->u.shelf.plates[1].plate, "G1S3P2");
      assert_true(rec->u.shelf.plates[1].x1 == 0.2032);
      assert_true(rec->u.shelf.pos_y == 2.0);
      break;
    case RF_RECORD_FACING: assert_int_equal(rec->u.facing.count, 8); break;
    case RF_RECORD_SAMPLES:
      assert_int_equal(rec->u.samples.count, 2);
      assert_true(rec->u.samples.g[1] == 2210.6);
      break;
    case RF_RECORD_DELTA:
      assert_int_equal(rec->u.delta.plate_count, 2);
      assert_string_equal(rec->u.delta.plates[0].plate, "G1S3P2");
      assert_true(rec->u.delta.plates[1].g == -0.4);
      break;
    case RF_RECORD_HAND:
      assert_int_equal(rec->u.hand.sku_score_count, 2);
      assert_string_equal(rec->u.hand.sku_scores[1].sku, "B");
      assert_int_equal(rec->u.hand.holding_out, 1);
      break;
    case RF_RECORD_DIFF: assert_int_equal(rec->u.diff.corrects, 7); break;
    case RF_RECORD_RECEIPT:
      assert_int_equal(rec->u.receipt.item_count, 2);
      assert_int_equal(rec->u.receipt.items[1].qty, 2);
      break;
    case RF_RECORD_EXIT: assert_int_equal(rec->u.exit.t, 95000000); break;
    default: break;
  }
}

static void test_callback_one_byte(void **state) {
  (void)state;
  char *text = q(MIXED_SCENARIO);
  const size_t steps[] = {1, 2, 5, 17};
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; ++k) {
    chunk_src src = make_src(text, steps[k]);
    rf_scenario_reader *r;
    assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, NULL, NULL), 0);
    rf_record rec;
    for (size_t i = 0; i < MIXED_COUNT; ++i) {
      int rc = rf_scenario_reader_next(r, &rec);
      if (rc != 0) fail_msg("step %zu: %s", steps[k], rf_scenario_reader_errmsg(r));
      check_mixed(i, &rec);
    }
    expect_end(r);
    if (steps[k] == 1) assert_true(src.calls > (long)strlen(text)); /* really byte by byte */
    rf_scenario_reader_free(r);
  }
  free(text);
}

static void test_read_error(void **state) {
  (void)state;
  const char *text = "{\"type\":\"enter\",\"t\":1,\"shopper\":\"S1\"}\n"
                     "{\"type\":\"exit\",\"t\":2,\"shop";
  const long codes[] = {RF_EIO, RF_EPARSE, -1000, -1};
  const long want[] = {RF_EIO, RF_EPARSE, RF_EIO, RF_ENOMEM};
  for (size_t k = 0; k < sizeof codes / sizeof codes[0]; ++k) {
    chunk_src src = make_src(text, 5);
    src.fail_after = strlen(text);
    src.fail_code = codes[k];
    rf_scenario_reader *r;
    assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, NULL, NULL), 0);
    rf_record rec;
    expect_next(r, &rec, RF_RECORD_ENTER, 1);
    assert_int_equal(rf_scenario_reader_next(r, &rec), want[k]);
    assert_true(contains(rf_scenario_reader_errmsg(r), "line 1"));
    assert_true(contains(rf_scenario_reader_errmsg(r), rf_strerror((int)want[k])));
    /* The reader is finished: the same error again, without asking the source again. */
    long calls = src.calls;
    assert_int_equal(rf_scenario_reader_next(r, &rec), want[k]);
    assert_int_equal(rf_scenario_reader_next(r, &rec), want[k]);
    assert_int_equal(src.calls, calls);
    rf_scenario_reader_free(r);
  }

  /* An error on the very first read. */
  chunk_src src = make_src(text, 5);
  src.fail_after = 0;
  src.fail_code = RF_EIO;
  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, NULL, NULL), 0);
  rf_record rec;
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_EIO);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_EIO);
  rf_scenario_reader_free(r);
}

/* The first read starts with no buffer at all (NULL): the reader must not do arithmetic on it
 * (clang's UBSan refuses even NULL + 0). A source of one line, and one of nothing. */
static void test_first_read_from_nothing(void **state) {
  (void)state;
  const char *text = "{\"type\":\"enter\",\"t\":1,\"shopper\":\"S1\"}";
  chunk_src src = make_src(text, 1000);
  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, NULL, NULL), 0);
  rf_record rec;
  expect_next(r, &rec, RF_RECORD_ENTER, 1);
  expect_end(r);
  rf_scenario_reader_free(r);
  src = make_src("", 1000);
  assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, NULL, NULL), 0);
  expect_end(r);
  rf_scenario_reader_free(r);
}

/* A source generating `total` samples lines on the fly, never all in memory. */
typedef struct gen_src {
  long total, made;
  char line[160];
  size_t len, pos;
} gen_src;

static long gen_read(char *buf, size_t cap, void *payload) {
  gen_src *g = payload;
  size_t out = 0;
  while (out < cap) {
    if (g->pos == g->len) {
      if (g->made == g->total) break;
      g->len = (size_t)snprintf(g->line, sizeof g->line,
                                "{\"type\":\"samples\",\"plate\":\"G1S3P%ld\",\"t\":%ld,"
                                "\"dt_us\":16667,\"g\":[%ld.25,2210.5,-0.125]}%s\n",
                                g->made % 12, g->made * 50000, g->made, (g->made % 3) ? "" : "\r");
      g->pos = 0;
      g->made++;
    }
    size_t n = g->len - g->pos;
    if (n > cap - out) n = cap - out;
    memcpy(buf + out, g->line + g->pos, n);
    g->pos += n;
    out += n;
  }
  return (long)out;
}

/* An allocator that tracks the bytes live and their peak. */
typedef struct size_alloc {
  size_t live, peak, largest;
} size_alloc;

#define SIZE_HDR 16 /* keeps malloc's alignment for what follows the header */

static void *sa_malloc(size_t size, void *payload) {
  size_alloc *s = payload;
  unsigned char *p = malloc(size + SIZE_HDR);
  if (p == NULL) return NULL;
  memcpy(p, &size, sizeof size);
  s->live += size;
  if (s->live > s->peak) s->peak = s->live;
  if (size > s->largest) s->largest = size;
  return p + SIZE_HDR;
}

static void sa_free(void *ptr, void *payload) {
  size_alloc *s = payload;
  if (ptr == NULL) return;
  unsigned char *p = (unsigned char *)ptr - SIZE_HDR;
  size_t size;
  memcpy(&size, p, sizeof size);
  s->live -= size;
  free(p);
}

static void *sa_realloc(void *ptr, size_t size, void *payload) {
  size_alloc *s = payload;
  if (ptr == NULL) return sa_malloc(size, payload);
  unsigned char *p = (unsigned char *)ptr - SIZE_HDR;
  size_t old;
  memcpy(&old, p, sizeof old);
  unsigned char *np = realloc(p, size + SIZE_HDR);
  if (np == NULL) return NULL;
  memcpy(np, &size, sizeof size);
  s->live = s->live - old + size;
  if (s->live > s->peak) s->peak = s->live;
  if (size > s->largest) s->largest = size;
  return np + SIZE_HDR;
}

static void test_many_lines_bounded(void **state) {
  (void)state;
  size_alloc sa = {0, 0, 0};
  rf_allocator a = {sa_malloc, sa_realloc, sa_free, &sa};
  gen_src g;
  memset(&g, 0, sizeof g);
  g.total = 100000;
  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_new(&r, gen_read, &g, NULL, &a), 0);
  rf_record rec;
  long count = 0;
  int rc;
  while ((rc = rf_scenario_reader_next(r, &rec)) == 0) {
    assert_int_equal(rec.type, RF_RECORD_SAMPLES);
    assert_int_equal(rec.line, (uint64_t)count + 1);
    assert_int_equal(rec.u.samples.t, count * 50000);
    assert_int_equal(rec.u.samples.count, 3);
    assert_true(rec.u.samples.g[0] == (double)count + 0.25);
    assert_true(rec.u.samples.g[2] == -0.125);
    count++;
  }
  assert_int_equal(rc, RF_ITEROVER);
  assert_int_equal(count, 100000);
  assert_int_equal(g.made, 100000);
  /* About 8 MB went through; the reader's own memory stayed at a read chunk or two. */
  print_message("peak %zu bytes, largest block %zu\n", sa.peak, sa.largest);
  assert_true(sa.peak < 512 * 1024);
  rf_scenario_reader_free(r);
  assert_int_equal(sa.live, 0);
}

static void test_options_version(void **state) {
  (void)state;
  rf_scenario_reader_options opt = RF_SCENARIO_READER_OPTIONS_INIT;
  opt.version = RF_SCENARIO_READER_OPTIONS_VERSION + 1;
  rf_scenario_reader *r = (rf_scenario_reader *)&opt;
  assert_int_equal(rf_scenario_reader_from_memory(&r, "", 0, &opt, NULL), RF_EVERSION);
  assert_null(r);
  chunk_src src = make_src("", 1);
  assert_int_equal(rf_scenario_reader_new(&r, chunk_read, &src, &opt, NULL), RF_EVERSION);
  assert_null(r);
  opt.version = 0;
  assert_int_equal(rf_scenario_reader_from_memory(&r, "", 0, &opt, NULL), RF_EVERSION);
  assert_null(r);
  char path[] = "/tmp/rf_test_read_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(rf_scenario_reader_open(&r, path, &opt, NULL), RF_EVERSION);
  assert_null(r);
  unlink(path);
  /* The current version with max_line_bytes 0 means the default. */
  opt.version = RF_SCENARIO_READER_OPTIONS_VERSION;
  opt.max_line_bytes = 0;
  const char *text = "{\"type\":\"enter\",\"t\":1,\"shopper\":\"S1\"}";
  assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), &opt, NULL), 0);
  rf_record rec;
  expect_next(r, &rec, RF_RECORD_ENTER, 1);
  rf_scenario_reader_free(r);
}

static void test_open_file(void **state) {
  (void)state;
  rf_scenario_reader *r = (rf_scenario_reader *)state;
  assert_int_equal(rf_scenario_reader_open(&r, "/nonexistent-dir-rf/none.jsonl", NULL, NULL),
                   RF_EIO);
  assert_null(r);
  /* A directory opens with fopen but cannot be read: refused at once, errno saying why. */
  r = (rf_scenario_reader *)state;
  errno = 0;
  assert_int_equal(rf_scenario_reader_open(&r, RF_TEST_DATA_DIR, NULL, NULL), RF_EIO);
  assert_int_equal(errno, EISDIR);
  assert_null(r);

  char path[] = "/tmp/rf_test_read_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  char *text = q(MIXED_SCENARIO);
  FILE *f = fdopen(fd, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  assert_int_equal(fclose(f), 0);
  free(text);

  test_alloc s;
  rf_allocator a = test_alloc_make(&s, 0);
  assert_int_equal(rf_scenario_reader_open(&r, path, NULL, &a), 0);
  rf_record rec;
  for (size_t i = 0; i < MIXED_COUNT; ++i) {
    assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
    check_mixed(i, &rec);
  }
  expect_end(r);
  rf_scenario_reader_free(r);
  assert_int_equal(s.live, 0);

  /* Opening fails cleanly when the reader cannot be allocated. */
  a = test_alloc_make(&s, 1);
  assert_int_equal(rf_scenario_reader_open(&r, path, NULL, &a), RF_ENOMEM);
  assert_null(r);
  assert_int_equal(s.live, 0);
  unlink(path);
}

/* ---- allocation failure ---- */

/* Reads MIXED_SCENARIO (plus records that grow every scratch array) with the k-th allocation
 * failing, for every k until a run has no failure. A failure is RF_ENOMEM from creation or from
 * next (after which the reader is finished); nothing leaks. The JSON parse trees come from
 * cJSON's own malloc and are not counted here. */
static void test_alloc_failure(void **state) {
  (void)state;
  char *text = q(MIXED_SCENARIO
                 "\n{'type':'delta','shelf':'S','t0':1,'t1':2,'plates':{'A':1,'B':2,'C':3,'D':4,"
                 "'E':5,'F':6,'G':7,'H':8,'I':9}}\n"
                 "{'type':'samples','plate':'P','t':0,'dt_us':1,'g':[1,2,3,4,5,6,7,8,9,10]}\n"
                 /* more keys than are compared pairwise: sorted, in memory of the reader's */
                 "{'type':'hand','shelf':'S','t0':1,'t1':2,'sku_scores':{'a':1,'b':1,'c':1,"
                 "'d':1,'e':1,'f':1,'g':1,'h':1,'i':1,'j':1,'k':1,'l':1,'m':1,'n':1,'o':1,'p':1,"
                 "'q':1,'r':1}}\n"
                 /* a verdict's items, an explanation's arrays and each alternative's items */
                 "{'type':'review','decision':3,'shopper':'S1','items':{'A':1,'B':-1}}\n"
                 "{'type':'explain','event':3,'t':10,'shelf':'S','t0':1,'t1':2,'total':-5,"
                 "'x':0.5,'how':'whole','diffs':[1,2,3],'alternatives':[{'shopper':'S1',"
                 "'items':{'A':1,'B':2},'p':0.5,'terms':{'hand':-1}},{'shopper':null,'items':{},"
                 "'p':0.5}],'candidates':[{'shopper':'S1','p':1}],'hands':[{'shopper':null,"
                 "'t0':1,'t1':2,'p':1}]}\n");
  const size_t want = MIXED_COUNT + 5;
  int done = 0;
  for (long k = 1; k < 1000 && !done; ++k) {
    test_alloc s;
    rf_allocator a = test_alloc_make(&s, k);
    rf_scenario_reader *r;
    int rc = rf_scenario_reader_from_memory(&r, text, strlen(text), NULL, &a);
    if (rc != 0) {
      assert_int_equal(rc, RF_ENOMEM);
      assert_true(s.failed);
      assert_null(r);
      assert_int_equal(s.live, 0);
      continue;
    }
    rf_record rec;
    size_t got = 0;
    while ((rc = rf_scenario_reader_next(r, &rec)) == 0) {
      if (got < MIXED_COUNT) check_mixed(got, &rec);
      got++;
    }
    if (rc == RF_ENOMEM) {
      assert_true(s.failed);
      assert_true(contains(rf_scenario_reader_errmsg(r), "out of memory"));
      assert_true(contains(rf_scenario_reader_errmsg(r), "line "));
      /* finished: the same error from then on */
      assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ENOMEM);
      assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ENOMEM);
    } else {
      if (rc != RF_ITEROVER) fail_msg("k=%ld: %s", k, rf_scenario_reader_errmsg(r));
      assert_false(s.failed);
      assert_int_equal(got, want);
      done = 1;
    }
    rf_scenario_reader_free(r);
    assert_int_equal(s.live, 0);
  }
  assert_true(done);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_records),
      cmocka_unit_test(test_event_records),
      cmocka_unit_test(test_staff_field),
      cmocka_unit_test(test_restock_records),
      cmocka_unit_test(test_camera_zone_records),
      cmocka_unit_test(test_camera_zone_refusals),
      cmocka_unit_test(test_review_explain_records),
      cmocka_unit_test(test_review_explain_refusals),
      cmocka_unit_test(test_hand_records),
      cmocka_unit_test(test_output_records),
      cmocka_unit_test(test_unknown_fields_ignored),
      cmocka_unit_test(test_line_framing),
      cmocka_unit_test(test_empty_input),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_malformed_lines),
      cmocka_unit_test(test_edge_values_accepted),
      cmocka_unit_test(test_limits_and_text_accepted),
      cmocka_unit_test(test_nesting_too_deep),
      cmocka_unit_test(test_first_read_from_nothing),
      cmocka_unit_test(test_errors_then_go_on),
      cmocka_unit_test(test_scratch_reuse),
      cmocka_unit_test(test_line_limit),
      cmocka_unit_test(test_long_line_default_limit),
      cmocka_unit_test(test_callback_one_byte),
      cmocka_unit_test(test_read_error),
      cmocka_unit_test(test_many_lines_bounded),
      cmocka_unit_test(test_options_version),
      cmocka_unit_test(test_open_file),
      cmocka_unit_test(test_alloc_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
