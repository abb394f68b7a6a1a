/* The scenario writer: exact bytes for every record type (type first, docs/format.md field order,
 * optional fields omitted), shortest round-tripping numbers, string escaping, reader/writer round
 * trip to a fixed point, refusals that write nothing, sink and file errors, allocation failure.
 *
 * Expected JSON text in this file is written with single quotes and turned into double quotes by
 * q(). */
#define _POSIX_C_SOURCE 200809L /* mkstemp, unlink */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>

#include "retailfuse/scenario.h"
#include "retailfuse/status.h"
#include "test_alloc.h"

/* ---- helpers ---- */

static char *q(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(n + 1);
  assert_non_null(out);
  for (size_t i = 0; i <= n; ++i) out[i] = s[i] == '\'' ? '"' : s[i];
  return out;
}

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* A write callback collecting into memory; returns `fail` instead while it is nonzero. */
typedef struct sink {
  char *data;
  size_t len, cap;
  int fail;
  long calls;
} sink;

static int sink_write(const char *data, size_t len, void *payload) {
  sink *s = payload;
  s->calls++;
  if (s->fail != 0) return s->fail;
  if (s->len + len + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->len + len + 1) cap *= 2;
    char *p = realloc(s->data, cap);
    if (p == NULL) return RF_ENOMEM;
    s->data = p;
    s->cap = cap;
  }
  memcpy(s->data + s->len, data, len);
  s->len += len;
  s->data[s->len] = '\0';
  return 0;
}

static const char *sink_text(const sink *s) { return s->data ? s->data : ""; }

static void sink_free(sink *s) {
  free(s->data);
  memset(s, 0, sizeof *s);
}

static rf_scenario_writer *new_writer(sink *s) {
  memset(s, 0, sizeof *s);
  rf_scenario_writer *w = NULL;
  assert_int_equal(rf_scenario_writer_new(&w, sink_write, s, NULL), 0);
  assert_non_null(w);
  return w;
}

/* The line a record writes on its own (a heap string the caller frees). */
static char *write_one(const rf_record *rec) {
  sink s;
  rf_scenario_writer *w = new_writer(&s);
  int rc = rf_scenario_writer_write(w, rec);
  if (rc != 0) fail_msg("write refused: %s", rf_scenario_writer_errmsg(w));
  assert_int_equal(rf_scenario_writer_close(w), 0);
  char *line = s.data;
  assert_non_null(line);
  return line;
}

/* Asserts that `rec` writes exactly `want` (single-quoted, without the newline). */
static void expect_line(const rf_record *rec, const char *want) {
  char *line = write_one(rec);
  char *w = q(want);
  size_t n = strlen(w);
  if (strlen(line) != n + 1 || memcmp(line, w, n) != 0 || line[n] != '\n')
    fail_msg("wrote\n  %s\nwanted\n  %s", line, w);
  free(w);
  free(line);
}

static rf_record blank(rf_record_type type) {
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = type;
  return r;
}

/* ---- valid records of every type ---- */

static rf_plate_def v_plates[2];
static rf_plate_delta v_deltas[2];
static double v_g[3];
static rf_sku_score v_scores[2];
static rf_item_qty v_items[2];
static int64_t v_seqs[2];
static rf_item_qty v_alt_items[2];
static rf_alternative v_alts[3];
static rf_candidate v_cands[2];
static rf_explain_hand v_ehands[2];

/* An explanation's evidence terms, NAN where one does not apply. */
static rf_evidence terms(double weight, double plates, double prior, double hand, double identity,
                         double position) {
  rf_evidence t = {weight, plates, prior, hand, identity, position};
  return t;
}

/* A valid, full record of each type, pointing into the arrays above (reset on each call). */
static rf_record valid(rf_record_type type) {
  v_plates[0] = (rf_plate_def){"G1S3P1", 0.0, 0.1016};
  v_plates[1] = (rf_plate_def){"G1S3P2", 0.1016, 0.2032};
  v_deltas[0] = (rf_plate_delta){"G1S3P4", -540.2};
  v_deltas[1] = (rf_plate_delta){"G1S3P5", -0.4};
  v_g[0] = 2210.4;
  v_g[1] = 2210.6;
  v_g[2] = 2210.5;
  v_scores[0] = (rf_sku_score){"859000002121", 0.6};
  v_scores[1] = (rf_sku_score){"A", 0.25};
  v_items[0] = (rf_item_qty){"859000002121", 1};
  v_items[1] = (rf_item_qty){"A", 2};
  v_seqs[0] = 5;
  v_seqs[1] = 6;
  v_alt_items[0] = (rf_item_qty){"859000002121", 1};
  v_alt_items[1] = (rf_item_qty){"A", -2};
  v_alts[0] =
      (rf_alternative){"S1", v_alt_items, 1, 0.62, terms(-3.1, -0.4, -0.22, -1.1, -0.02, -0.5)};
  v_alts[1] =
      (rf_alternative){"S2", v_alt_items + 1, 1, 0.37, terms(-3.1, NAN, -0.22, -1.9, NAN, NAN)};
  v_alts[2] = (rf_alternative){NULL, NULL, 0, 0.01, terms(NAN, NAN, NAN, NAN, NAN, NAN)};
  v_cands[0] = (rf_candidate){"S1", 0.62, 1, 0.35};
  v_cands[1] = (rf_candidate){"S2", 0.37, 0, 0.0};
  v_ehands[0] = (rf_explain_hand){"S1", 7900000, 8900000, 1, 0.4, 0.6};
  v_ehands[1] = (rf_explain_hand){NULL, 8000000, 8500000, 0, 0.0, 0.25};
  rf_record r = blank(type);
  switch (type) {
    case RF_RECORD_PRODUCT:
      r.u.product = (rf_product_def){"859000002121", "Sweet Tea", 540.67, 1, 3.0};
      break;
    case RF_RECORD_SHELF:
      r.u.shelf = (rf_shelf_def){"G1S3", 1, 1.5, 1, 2.25, -0.5, v_plates, 2, 0, 0, 0};
      break;
    case RF_RECORD_FACING:
      r.u.facing = (rf_facing_def){"G1S3", "859000002121", 0.3048, 0.4064, 8};
      break;
    case RF_RECORD_ENTER: r.u.enter = (rf_shopper_rec){0, "S1", 0}; break;
    case RF_RECORD_EXIT: r.u.exit = (rf_shopper_rec){95000000, "S1", 0}; break;
    case RF_RECORD_LINK: r.u.link = (rf_link_rec){1000, "S2", "S1"}; break;
    case RF_RECORD_POSITION: r.u.position = (rf_position_rec){5000000, "S1", 2.1, 0.4}; break;
    case RF_RECORD_SAMPLES: r.u.samples = (rf_samples_rec){"G1S3P4", 1000000, 16667, v_g, 3}; break;
    case RF_RECORD_DELTA: r.u.delta = (rf_delta_rec){"G1S3", 1000000, 1800000, v_deltas, 2}; break;
    case RF_RECORD_HAND:
      r.u.hand =
          (rf_hand_rec){"S1", "G1S3", 900000, 1900000, 1, 0.35, 1, 0.9, 0, 1, 1, v_scores, 2};
      break;
    case RF_RECORD_DIFF:
      r.u.diff = (rf_diff_rec){7, 2400000, "S1", "859000002121", 1, 0.97, 0, 3, 0, 0, 0, 0};
      break;
    case RF_RECORD_RECEIPT:
      r.u.receipt = (rf_receipt_rec){1, 96000000, "S1", v_items, 2, 0, 0};
      break;
    case RF_RECORD_TRUTH: r.u.truth = (rf_truth_rec){1800000, "S1", "859000002121", 1}; break;
    case RF_RECORD_RESTOCK:
      r.u.restock = (rf_restock_rec){"G1S3", "859000002121", 1000000, 9000000, 6};
      break;
    case RF_RECORD_CAMERA: r.u.camera = (rf_camera_rec){"C1", 640, 480, 29.97, 1500000}; break;
    case RF_RECORD_ZONE:
      r.u.zone = (rf_zone_rec){"C1", "G1S3", 0, 40, 600, 120, RF_FRONT_BOTTOM, 0.0, 1.2};
      break;
    case RF_RECORD_REVIEW: r.u.review = (rf_review_rec){14, "S1", v_items, 2, "ana"}; break;
    case RF_RECORD_EXPLAIN:
      r.u.explain = (rf_explain_rec){3,       15600000, "G1S3",   8100000, 8600000, -352.1,
                                     0.42,    "whole",  v_seqs,   2,       v_alts,  3,
                                     v_cands, 2,        v_ehands, 2};
      break;
    case RF_RECORD_TYPE_COUNT: break;
  }
  return r;
}

/* ---- exact output ---- */

static void test_exact_output(void **state) {
  (void)state;
  rf_record r = valid(RF_RECORD_PRODUCT);
  expect_line(&r, "{'type':'product','sku':'859000002121','name':'Sweet Tea','weight_g':540.67,"
                  "'weight_sd_g':3}");
  r.u.product.name = NULL;
  r.u.product.has_weight_sd = 0;
  expect_line(&r, "{'type':'product','sku':'859000002121','weight_g':540.67}");

  r = valid(RF_RECORD_SHELF);
  expect_line(&r, "{'type':'shelf','shelf':'G1S3','noise_g':1.5,'pos':[2.25,-0.5],'plates':["
                  "{'plate':'G1S3P1','x0':0,'x1':0.1016},{'plate':'G1S3P2','x0':0.1016,"
                  "'x1':0.2032}]}");
  r.u.shelf.has_dir = 1;
  r.u.shelf.dir_x = -1;
  r.u.shelf.dir_y = 0.5;
  expect_line(&r, "{'type':'shelf','shelf':'G1S3','noise_g':1.5,'pos':[2.25,-0.5],'dir':[-1,0.5],"
                  "'plates':[{'plate':'G1S3P1','x0':0,'x1':0.1016},{'plate':'G1S3P2',"
                  "'x0':0.1016,'x1':0.2032}]}");
  r.u.shelf.has_dir = 0;
  r.u.shelf.has_noise = 0;
  r.u.shelf.has_pos = 0;
  r.u.shelf.plate_count = 1;
  expect_line(&r, "{'type':'shelf','shelf':'G1S3','plates':[{'plate':'G1S3P1','x0':0,"
                  "'x1':0.1016}]}");

  r = valid(RF_RECORD_FACING);
  expect_line(&r, "{'type':'facing','shelf':'G1S3','sku':'859000002121','x0':0.3048,"
                  "'x1':0.4064,'count':8}");
  r.u.facing.count = 0;
  expect_line(&r, "{'type':'facing','shelf':'G1S3','sku':'859000002121','x0':0.3048,"
                  "'x1':0.4064,'count':0}");
  r.u.facing.count = RF_COUNT_UNKNOWN;
  expect_line(&r, "{'type':'facing','shelf':'G1S3','sku':'859000002121','x0':0.3048,"
                  "'x1':0.4064}");

  r = valid(RF_RECORD_ENTER);
  expect_line(&r, "{'type':'enter','t':0,'shopper':'S1'}");
  r.u.enter.staff = 1;
  expect_line(&r, "{'type':'enter','t':0,'shopper':'S1','staff':true}");
  r = valid(RF_RECORD_EXIT);
  expect_line(&r, "{'type':'exit','t':95000000,'shopper':'S1'}");
  r.u.exit.staff = 1; /* staff is said at the door on the way in only */
  expect_line(&r, "{'type':'exit','t':95000000,'shopper':'S1'}");
  r = valid(RF_RECORD_LINK);
  expect_line(&r, "{'type':'link','t':1000,'shopper':'S2','cart':'S1'}");
  r = valid(RF_RECORD_POSITION);
  expect_line(&r, "{'type':'position','t':5000000,'shopper':'S1','x':2.1,'y':0.4}");

  r = valid(RF_RECORD_SAMPLES);
  expect_line(&r, "{'type':'samples','plate':'G1S3P4','t':1000000,'dt_us':16667,"
                  "'g':[2210.4,2210.6,2210.5]}");
  r.u.samples.count = 1;
  expect_line(&r, "{'type':'samples','plate':'G1S3P4','t':1000000,'dt_us':16667,'g':[2210.4]}");

  r = valid(RF_RECORD_DELTA);
  expect_line(&r, "{'type':'delta','shelf':'G1S3','t0':1000000,'t1':1800000,"
                  "'plates':{'G1S3P4':-540.2,'G1S3P5':-0.4}}");
  v_deltas[0] = (rf_plate_delta){"Z9", 1.0}; /* kept in the given order, not sorted */
  v_deltas[1] = (rf_plate_delta){"A1", -2.5};
  r.u.delta.t1 = r.u.delta.t0;
  expect_line(&r, "{'type':'delta','shelf':'G1S3','t0':1000000,'t1':1000000,"
                  "'plates':{'Z9':1,'A1':-2.5}}");

  r = valid(RF_RECORD_HAND);
  expect_line(&r, "{'type':'hand','shopper':'S1','shelf':'G1S3','t0':900000,'t1':1900000,"
                  "'x':0.35,'conf':0.9,'holding_in':false,'holding_out':true,"
                  "'sku_scores':{'859000002121':0.6,'A':0.25}}");
  r.u.hand.shopper = NULL;
  r.u.hand.has_x = 0;
  r.u.hand.has_conf = 0;
  r.u.hand.holding_in = RF_UNKNOWN;
  r.u.hand.holding_out = RF_UNKNOWN;
  r.u.hand.has_sku_scores = 0;
  expect_line(&r, "{'type':'hand','shopper':null,'shelf':'G1S3','t0':900000,'t1':1900000}");
  r.u.hand.has_sku_scores = 1; /* present but empty */
  r.u.hand.sku_scores = NULL;
  r.u.hand.sku_score_count = 0;
  r.u.hand.holding_out = 0;
  r.u.hand.has_conf = 1;
  r.u.hand.conf = 1.0;
  expect_line(&r, "{'type':'hand','shopper':null,'shelf':'G1S3','t0':900000,'t1':1900000,"
                  "'conf':1,'holding_out':false,'sku_scores':{}}");

  r = valid(RF_RECORD_DIFF);
  expect_line(&r, "{'type':'diff','seq':7,'t':2400000,'shopper':'S1','sku':'859000002121',"
                  "'qty':1,'conf':0.97,'review':false,'event':3}");
  r.u.diff = (rf_diff_rec){9, 5100000, "S1", "859000002121", -1, 0.88, 1, 3, 1, 7, 0, 0};
  expect_line(&r, "{'type':'diff','seq':9,'t':5100000,'shopper':'S1','sku':'859000002121',"
                  "'qty':-1,'conf':0.88,'review':true,'event':3,'corrects':7}");
  /* a reviewer's verdict's undo: reviews names the decision judged */
  r.u.diff = (rf_diff_rec){10, 5200000, "S1", "859000002121", -1, 1.0, 0, 3, 0, 0, 1, 7};
  expect_line(&r, "{'type':'diff','seq':10,'t':5200000,'shopper':'S1','sku':'859000002121',"
                  "'qty':-1,'conf':1,'review':false,'event':3,'reviews':7}");
  r.u.diff.has_corrects = 1; /* both, in the table's order */
  r.u.diff.corrects = 9;
  r.u.diff.reviews = 0;
  expect_line(&r, "{'type':'diff','seq':10,'t':5200000,'shopper':'S1','sku':'859000002121',"
                  "'qty':-1,'conf':1,'review':false,'event':3,'corrects':9,'reviews':0}");

  r = valid(RF_RECORD_RECEIPT);
  expect_line(&r, "{'type':'receipt','t':96000000,'shopper':'S1',"
                  "'items':{'859000002121':1,'A':2},'review':false}");
  r.u.receipt.has_t = 0;
  r.u.receipt.review = RF_UNKNOWN;
  r.u.receipt.item_count = 1;
  expect_line(&r, "{'type':'receipt','shopper':'S1','items':{'859000002121':1}}");
  r.u.receipt.item_count = 0;
  r.u.receipt.items = NULL;
  r.u.receipt.review = 1;
  expect_line(&r, "{'type':'receipt','shopper':'S1','items':{},'review':true}");
  /* amends is written only when true, after review */
  r = valid(RF_RECORD_RECEIPT);
  r.u.receipt.amends = 1;
  expect_line(&r, "{'type':'receipt','t':96000000,'shopper':'S1',"
                  "'items':{'859000002121':1,'A':2},'review':false,'amends':true}");

  r = valid(RF_RECORD_TRUTH);
  expect_line(&r, "{'type':'truth','t':1800000,'shopper':'S1','sku':'859000002121','qty':1}");
  r.u.truth.qty = -3;
  expect_line(&r, "{'type':'truth','t':1800000,'shopper':'S1','sku':'859000002121','qty':-3}");

  r = valid(RF_RECORD_RESTOCK);
  expect_line(&r, "{'type':'restock','shelf':'G1S3','sku':'859000002121','t0':1000000,"
                  "'t1':9000000,'qty':6}");
  /* staff taking stock off, over an instant, from a named source with its own count */
  r.u.restock.qty = -2;
  r.u.restock.t1 = r.u.restock.t0;
  r.source = "staff-app";
  r.has_seq = 1;
  r.seq = 41;
  expect_line(&r, "{'type':'restock','source':'staff-app','seq':41,'shelf':'G1S3',"
                  "'sku':'859000002121','t0':1000000,'t1':1000000,'qty':-2}");

  r = valid(RF_RECORD_CAMERA);
  expect_line(&r, "{'type':'camera','camera':'C1','width':640,'height':480,'fps':29.97,"
                  "'t0':1500000}");
  /* t0 is written when 0 too (a record cannot tell 0 from absent), and never source or seq:
   * a store record carries neither. */
  r.u.camera.t0 = 0;
  r.u.camera.fps = 30;
  r.source = "cam";
  r.has_seq = 1;
  r.seq = 3;
  expect_line(&r, "{'type':'camera','camera':'C1','width':640,'height':480,'fps':30,'t0':0}");

  r = valid(RF_RECORD_ZONE);
  expect_line(&r, "{'type':'zone','camera':'C1','shelf':'G1S3','px':[0,40,600,120],"
                  "'front':'bottom','shelf_x':[0,1.2]}");
  const char *fronts[] = {"top", "bottom", "left", "right"};
  for (int f = RF_FRONT_TOP; f < RF_FRONT_COUNT; ++f) {
    char want[160];
    r.u.zone = (rf_zone_rec){"C2", "S", 1, 2, 65535, 65535, (rf_zone_front)f, 2.5, -0.125};
    snprintf(want, sizeof want,
             "{'type':'zone','camera':'C2','shelf':'S','px':[1,2,65535,65535],'front':'%s',"
             "'shelf_x':[2.5,-0.125]}",
             fronts[f]);
    expect_line(&r, want);
  }

  r = valid(RF_RECORD_REVIEW);
  expect_line(&r, "{'type':'review','decision':14,'shopper':'S1','items':{'859000002121':1,'A':2},"
                  "'reviewer':'ana'}");
  /* nobody's, from a named source with its count; no reviewer */
  r.u.review = (rf_review_rec){0, NULL, NULL, 0, NULL};
  r.source = "review-desk";
  r.has_seq = 1;
  r.seq = 2;
  expect_line(&r, "{'type':'review','source':'review-desk','seq':2,'decision':0,'shopper':null,"
                  "'items':{}}");
  /* items put back (< 0); an empty reviewer is a string, written */
  r = valid(RF_RECORD_REVIEW);
  v_items[0].qty = -1;
  r.u.review.item_count = 1;
  r.u.review.reviewer = "";
  expect_line(&r, "{'type':'review','decision':14,'shopper':'S1','items':{'859000002121':-1},"
                  "'reviewer':''}");

  r = valid(RF_RECORD_EXPLAIN);
  expect_line(&r, "{'type':'explain','event':3,'t':15600000,'shelf':'G1S3','t0':8100000,"
                  "'t1':8600000,'total':-352.1,'x':0.42,'how':'whole','diffs':[5,6],"
                  "'alternatives':[{'shopper':'S1','items':{'859000002121':1},'p':0.62,"
                  "'terms':{'weight':-3.1,'plates':-0.4,'prior':-0.22,'hand':-1.1,"
                  "'identity':-0.02,'position':-0.5}},{'shopper':'S2','items':{'A':-2},'p':0.37,"
                  "'terms':{'weight':-3.1,'prior':-0.22,'hand':-1.9}},{'shopper':null,"
                  "'items':{},'p':0.01}],'candidates':[{'shopper':'S1','p':0.62,'distance':0.35},"
                  "{'shopper':'S2','p':0.37}],'hands':[{'shopper':'S1','t0':7900000,"
                  "'t1':8900000,'x':0.4,'p':0.6},{'shopper':null,'t0':8000000,'t1':8500000,"
                  "'p':0.25}]}");
  /* A change nobody made: no diffs, nobody the only alternative, no candidates, no hands; a
   * term alone; source and seq are never written (output). */
  r.u.explain.how = "nobody";
  r.u.explain.diff_count = 0;
  r.u.explain.diffs = NULL;
  r.u.explain.alternatives = v_alts + 2;
  r.u.explain.alternative_count = 1;
  v_alts[2].terms.position = 0.0;
  r.u.explain.candidates = NULL;
  r.u.explain.candidate_count = 0;
  r.u.explain.hands = NULL;
  r.u.explain.hand_count = 0;
  r.source = "engine";
  r.has_seq = 1;
  expect_line(&r, "{'type':'explain','event':3,'t':15600000,'shelf':'G1S3','t0':8100000,"
                  "'t1':8600000,'total':-352.1,'x':0.42,'how':'nobody','diffs':[],"
                  "'alternatives':[{'shopper':null,'items':{},'p':0.01,'terms':{'position':0}}],"
                  "'candidates':[],'hands':[]}");

  /* The `line` field is ignored. */
  r = valid(RF_RECORD_ENTER);
  r.line = 12345;
  expect_line(&r, "{'type':'enter','t':0,'shopper':'S1'}");
}

static void test_type_names(void **state) {
  (void)state;
  const char *names[] = {"product",  "shelf",   "facing", "enter", "exit",   "link",
                         "position", "samples", "delta",  "hand",  "diff",   "receipt",
                         "truth",    "restock", "camera", "zone",  "review", "explain"};
  assert_int_equal(sizeof names / sizeof names[0], RF_RECORD_TYPE_COUNT);
  for (int i = 0; i < RF_RECORD_TYPE_COUNT; ++i)
    assert_string_equal(rf_record_type_name((rf_record_type)i), names[i]);
  assert_null(rf_record_type_name(RF_RECORD_TYPE_COUNT));
  assert_null(rf_record_type_name((rf_record_type)-1));
}

/* ---- numbers ---- */

/* The text of the x value in a position record holding v. */
static char *x_text(double v) {
  rf_record r = valid(RF_RECORD_POSITION);
  r.u.position.x = v;
  char *line = write_one(&r);
  const char *p = strstr(line, "\"x\":");
  assert_non_null(p);
  p += 4;
  const char *end = strstr(p, ",\"y\":");
  assert_non_null(end);
  size_t n = (size_t)(end - p);
  char *out = malloc(n + 1);
  assert_non_null(out);
  memcpy(out, p, n);
  out[n] = '\0';
  free(line);
  return out;
}

static void expect_number(double v, const char *want) {
  char *got = x_text(v);
  if (strcmp(got, want) != 0) fail_msg("%.17g wrote '%s', wanted '%s'", v, got, want);
  free(got);
}

static void test_number_format(void **state) {
  (void)state;
  expect_number(540.67, "540.67");
  expect_number(0.1, "0.1");
  expect_number(1e-7, "1e-7");
  expect_number(-0.4, "-0.4");
  expect_number(2210.4, "2210.4");
  expect_number(0.0, "0");
  expect_number(-0.0, "-0");
  expect_number(100.0, "100");
  expect_number(-3.0, "-3");
  expect_number(123456789012.0, "123456789012");
  expect_number(1e21, "1e21");
  expect_number(1.5e300, "1.5e300");
  expect_number(-2.5e-300, "-2.5e-300");
  expect_number(1.0 / 3.0, "0.3333333333333333");
  expect_number(0.1 + 0.2, "0.30000000000000004");
  expect_number(1.7976931348623157e308, "1.7976931348623157e308");
  expect_number(2.2250738585072014e-308, "2.2250738585072014e-308");
  expect_number(5e-324, "5e-324");     /* the smallest subnormal */
  expect_number(2.5e-310, "2.5e-310"); /* subnormals are shortest too */

  /* Times and other integers are written as integers, however large. */
  rf_record r = valid(RF_RECORD_EXIT);
  r.u.exit.t = 1700000000000LL;
  expect_line(&r, "{'type':'exit','t':1700000000000,'shopper':'S1'}");
  r.u.exit.t = -5;
  expect_line(&r, "{'type':'exit','t':-5,'shopper':'S1'}");
  r.u.exit.t = 9007199254740992LL; /* 2^53: the largest the reader takes */
  expect_line(&r, "{'type':'exit','t':9007199254740992,'shopper':'S1'}");
  r.u.exit.t = -9007199254740992LL;
  expect_line(&r, "{'type':'exit','t':-9007199254740992,'shopper':'S1'}");
  r = valid(RF_RECORD_DIFF);
  r.u.diff.seq = 1234567890123LL;
  r.u.diff.event = 4000000000LL;
  r.u.diff.qty = -100;
  expect_line(&r, "{'type':'diff','seq':1234567890123,'t':2400000,'shopper':'S1',"
                  "'sku':'859000002121','qty':-100,'conf':0.97,'review':false,'event':4000000000}");
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next_rand(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545F4914F6CDD1DULL;
}

static double random_double(int i) {
  uint64_t bits = next_rand();
  double v;
  switch (i % 5) {
    case 0: /* any finite bit pattern */
      memcpy(&v, &bits, sizeof v);
      if (!isfinite(v)) v = (double)(bits >> 11);
      return v;
    case 1: /* grams and metres */
      return ((double)(bits >> 11) / 9007199254740992.0 - 0.5) * 20000.0;
    case 2: /* a few decimals, as a person would write them */
      return (double)((int64_t)(bits % 2000001) - 1000000) / 100.0;
    case 3: /* a random mantissa at a moderate exponent */
      return ldexp((double)(bits >> 11), (int)(next_rand() % 120) - 113);
    default: /* subnormal */
      bits &= 0x800FFFFFFFFFFFFFULL;
      memcpy(&v, &bits, sizeof v);
      return v;
  }
}

/* Whether s is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number(const char *s) {
  if (*s == '-') ++s;
  if (*s == '0') ++s;
  else if (*s >= '1' && *s <= '9')
    while (*s >= '0' && *s <= '9') ++s;
  else return 0;
  if (*s == '.') {
    ++s;
    if (!(*s >= '0' && *s <= '9')) return 0;
    while (*s >= '0' && *s <= '9') ++s;
  }
  if (*s == 'e' || *s == 'E') {
    ++s;
    if (*s == '+' || *s == '-') ++s;
    if (!(*s >= '0' && *s <= '9')) return 0;
    while (*s >= '0' && *s <= '9') ++s;
  }
  return *s == '\0';
}

/* Significant digits of a number's text (without leading and trailing zeros). */
static int sig_digits(const char *s) {
  char digits[64];
  int n = 0;
  for (; *s && *s != 'e'; ++s)
    if (*s >= '0' && *s <= '9' && n < 63) digits[n++] = *s;
  int lo = 0;
  while (lo < n && digits[lo] == '0') ++lo;
  while (n > lo && digits[n - 1] == '0') --n;
  return n - lo;
}

static void same_bits(double a, double b, const char *text) {
  if (memcmp(&a, &b, sizeof a) != 0) fail_msg("%.17g wrote '%s', read back %.17g", a, text, b);
}

static void test_double_round_trip(void **state) {
  (void)state;
  enum { N = 10000 };
  double *values = malloc(N * sizeof *values);
  assert_non_null(values);
  sink s;
  rf_scenario_writer *w = new_writer(&s);
  for (int i = 0; i < N; ++i) {
    values[i] = random_double(i);
    rf_record r = valid(RF_RECORD_POSITION);
    r.u.position.x = values[i];
    r.u.position.y = -values[i];
    assert_int_equal(rf_scenario_writer_write(w, &r), 0);
  }
  assert_int_equal(rf_scenario_writer_close(w), 0);

  /* Each x reads back bit-identical with strtod, is valid JSON and has no needless digit. */
  const char *line = s.data;
  for (int i = 0; i < N; ++i) {
    const char *p = strstr(line, "\"x\":");
    assert_non_null(p);
    p += 4;
    const char *end = strchr(p, ',');
    assert_non_null(end);
    char text[64];
    assert_true((size_t)(end - p) < sizeof text);
    memcpy(text, p, (size_t)(end - p));
    text[end - p] = '\0';
    if (!json_number(text)) fail_msg("'%s' is not a JSON number", text);
    char *stop;
    double back = strtod(text, &stop);
    assert_true(*stop == '\0');
    same_bits(values[i], back, text);
    int digits = sig_digits(text);
    if (digits > 1) {
      char shorter[400];
      snprintf(shorter, sizeof shorter, "%.*g", digits - 1, values[i]);
      if (strtod(shorter, NULL) == values[i])
        fail_msg("%.17g wrote '%s' but '%s' is shorter", values[i], text, shorter);
    }
    line = strchr(end, '\n');
    assert_non_null(line);
    ++line;
  }
  assert_int_equal(*line, '\0');

  /* And the same through the reader. */
  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_from_memory(&r, s.data, s.len, NULL, NULL), 0);
  rf_record rec;
  for (int i = 0; i < N; ++i) {
    assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
    same_bits(values[i], rec.u.position.x, "(reader)");
    same_bits(-values[i], rec.u.position.y, "(reader)");
  }
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);
  sink_free(&s);
  free(values);
}

/* ---- strings ---- */

static void test_string_escaping(void **state) {
  (void)state;
  /* quotes, backslash, the named escapes, other control characters as \u00XX, DEL and UTF-8
   * passed through as they are */
  const char *nasty = "a\"b\\c/d\n\r\t\b\f\x01\x1f\x7f Caf\xc3\xa9 \xe2\x98\x95 \xe4\xb8\xad";
  const char *want = "{\"type\":\"link\",\"t\":1,\"shopper\":\"a\\\"b\\\\c/d\\n\\r\\t\\b\\f"
                     "\\u0001\\u001f\x7f Caf\xc3\xa9 \xe2\x98\x95 \xe4\xb8\xad\","
                     "\"cart\":\"S1\"}\n";
  rf_record r = blank(RF_RECORD_LINK);
  r.u.link = (rf_link_rec){1, nasty, "S1"};
  char *line = write_one(&r);
  assert_string_equal(line, want);
  free(line);

  /* Every control character, and the same in keys (delta plates, hand sku_scores, receipt
   * items): the output has no raw control byte and reads back to the same strings. */
  char all[40];
  for (int c = 1; c < 32; ++c) all[c - 1] = (char)c;
  memcpy(all + 31, "\"\\x\xc3\xa9", 6); /* with the NUL */
  rf_plate_delta pd[2] = {{all, -1.0}, {"q\"uote", 2.0}};
  rf_sku_score sc[1] = {{all, 0.5}};
  rf_item_qty it[2] = {{"back\\slash", 1}, {all, 2}};
  rf_record recs[4];
  recs[0] = blank(RF_RECORD_DELTA);
  recs[0].u.delta = (rf_delta_rec){all, 1, 2, pd, 2};
  recs[1] = blank(RF_RECORD_HAND);
  recs[1].u.hand = (rf_hand_rec){all, "S", 1, 2, 0, 0, 0, 0, RF_UNKNOWN, RF_UNKNOWN, 1, sc, 1};
  recs[2] = blank(RF_RECORD_RECEIPT);
  recs[2].u.receipt = (rf_receipt_rec){0, 0, all, it, 2, RF_UNKNOWN, 0};
  recs[3] = blank(RF_RECORD_PRODUCT);
  recs[3].u.product = (rf_product_def){"p", all, 1.0, 0, 0};
  sink s;
  rf_scenario_writer *w = new_writer(&s);
  for (int i = 0; i < 4; ++i) assert_int_equal(rf_scenario_writer_write(w, &recs[i]), 0);
  assert_int_equal(rf_scenario_writer_close(w), 0);
  for (size_t i = 0; i < s.len; ++i)
    if ((unsigned char)s.data[i] < 0x20 && s.data[i] != '\n') fail_msg("raw byte %d", s.data[i]);
  rf_scenario_reader *rd;
  assert_int_equal(rf_scenario_reader_from_memory(&rd, s.data, s.len, NULL, NULL), 0);
  rf_record rec;
  assert_int_equal(rf_scenario_reader_next(rd, &rec), 0);
  assert_string_equal(rec.u.delta.shelf, all);
  assert_string_equal(rec.u.delta.plates[0].plate, all);
  assert_string_equal(rec.u.delta.plates[1].plate, "q\"uote");
  assert_int_equal(rf_scenario_reader_next(rd, &rec), 0);
  assert_string_equal(rec.u.hand.shopper, all);
  assert_string_equal(rec.u.hand.sku_scores[0].sku, all);
  assert_int_equal(rf_scenario_reader_next(rd, &rec), 0);
  assert_string_equal(rec.u.receipt.shopper, all);
  assert_string_equal(rec.u.receipt.items[0].sku, "back\\slash");
  assert_string_equal(rec.u.receipt.items[1].sku, all);
  assert_int_equal(rf_scenario_reader_next(rd, &rec), 0);
  assert_string_equal(rec.u.product.name, all);
  assert_int_equal(rf_scenario_reader_next(rd, &rec), RF_ITEROVER);
  rf_scenario_reader_free(rd);
  sink_free(&s);
}

/* ---- round trip ---- */

static void same_str(const char *a, const char *b) {
  if (a == NULL || b == NULL) assert_ptr_equal(a, b);
  else assert_string_equal(a, b);
}

static void same_num(double a, double b) { same_bits(a, b, "(record)"); }

static void same_items(const rf_item_qty *a, size_t na, const rf_item_qty *b, size_t nb) {
  assert_int_equal(na, nb);
  for (size_t i = 0; i < na; ++i) {
    same_str(a[i].sku, b[i].sku);
    assert_int_equal(a[i].qty, b[i].qty);
  }
}

static void same_explain(const rf_explain_rec *x, const rf_explain_rec *y) {
  assert_int_equal(x->event, y->event);
  assert_int_equal(x->t, y->t);
  same_str(x->shelf, y->shelf);
  assert_int_equal(x->t0, y->t0);
  assert_int_equal(x->t1, y->t1);
  same_num(x->total, y->total);
  same_num(x->x, y->x);
  same_str(x->how, y->how);
  assert_int_equal(x->diff_count, y->diff_count);
  for (size_t i = 0; i < x->diff_count; ++i) assert_int_equal(x->diffs[i], y->diffs[i]);
  assert_int_equal(x->alternative_count, y->alternative_count);
  for (size_t i = 0; i < x->alternative_count; ++i) {
    const rf_alternative *p = &x->alternatives[i], *q = &y->alternatives[i];
    same_str(p->shopper, q->shopper);
    same_items(p->items, p->item_count, q->items, q->item_count);
    same_num(p->p, q->p);
    same_num(p->terms.weight, q->terms.weight);
    same_num(p->terms.plates, q->terms.plates);
    same_num(p->terms.prior, q->terms.prior);
    same_num(p->terms.hand, q->terms.hand);
    same_num(p->terms.identity, q->terms.identity);
    same_num(p->terms.position, q->terms.position);
  }
  assert_int_equal(x->candidate_count, y->candidate_count);
  for (size_t i = 0; i < x->candidate_count; ++i) {
    const rf_candidate *p = &x->candidates[i], *q = &y->candidates[i];
    same_str(p->shopper, q->shopper);
    same_num(p->p, q->p);
    assert_int_equal(p->has_distance, q->has_distance);
    if (p->has_distance) same_num(p->distance, q->distance);
  }
  assert_int_equal(x->hand_count, y->hand_count);
  for (size_t i = 0; i < x->hand_count; ++i) {
    const rf_explain_hand *p = &x->hands[i], *q = &y->hands[i];
    same_str(p->shopper, q->shopper);
    assert_int_equal(p->t0, q->t0);
    assert_int_equal(p->t1, q->t1);
    assert_int_equal(p->has_x, q->has_x);
    if (p->has_x) same_num(p->x, q->x);
    same_num(p->p, q->p);
  }
}

static void assert_record_equal(const rf_record *a, const rf_record *b) {
  assert_int_equal(a->type, b->type);
  switch (a->type) {
    case RF_RECORD_PRODUCT: {
      const rf_product_def *x = &a->u.product, *y = &b->u.product;
      same_str(x->sku, y->sku);
      same_str(x->name, y->name);
      same_num(x->weight_g, y->weight_g);
      assert_int_equal(x->has_weight_sd, y->has_weight_sd);
      same_num(x->weight_sd_g, y->weight_sd_g);
      break;
    }
    case RF_RECORD_SHELF: {
      const rf_shelf_def *x = &a->u.shelf, *y = &b->u.shelf;
      same_str(x->shelf, y->shelf);
      assert_int_equal(x->has_noise, y->has_noise);
      same_num(x->noise_g, y->noise_g);
      assert_int_equal(x->has_pos, y->has_pos);
      same_num(x->pos_x, y->pos_x);
      same_num(x->pos_y, y->pos_y);
      assert_int_equal(x->has_dir, y->has_dir);
      same_num(x->dir_x, y->dir_x);
      same_num(x->dir_y, y->dir_y);
      assert_int_equal(x->plate_count, y->plate_count);
      for (size_t i = 0; i < x->plate_count; ++i) {
        same_str(x->plates[i].plate, y->plates[i].plate);
        same_num(x->plates[i].x0, y->plates[i].x0);
        same_num(x->plates[i].x1, y->plates[i].x1);
      }
      break;
    }
    case RF_RECORD_FACING: {
      const rf_facing_def *x = &a->u.facing, *y = &b->u.facing;
      same_str(x->shelf, y->shelf);
      same_str(x->sku, y->sku);
      same_num(x->x0, y->x0);
      same_num(x->x1, y->x1);
      assert_int_equal(x->count, y->count);
      break;
    }
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT:
      assert_int_equal(a->u.enter.t, b->u.enter.t);
      same_str(a->u.enter.shopper, b->u.enter.shopper);
      assert_int_equal(a->u.enter.staff, b->u.enter.staff);
      break;
    case RF_RECORD_LINK:
      assert_int_equal(a->u.link.t, b->u.link.t);
      same_str(a->u.link.shopper, b->u.link.shopper);
      same_str(a->u.link.cart, b->u.link.cart);
      break;
    case RF_RECORD_POSITION:
      assert_int_equal(a->u.position.t, b->u.position.t);
      same_str(a->u.position.shopper, b->u.position.shopper);
      same_num(a->u.position.x, b->u.position.x);
      same_num(a->u.position.y, b->u.position.y);
      break;
    case RF_RECORD_SAMPLES: {
      const rf_samples_rec *x = &a->u.samples, *y = &b->u.samples;
      same_str(x->plate, y->plate);
      assert_int_equal(x->t, y->t);
      assert_int_equal(x->dt_us, y->dt_us);
      assert_int_equal(x->count, y->count);
      for (size_t i = 0; i < x->count; ++i) same_num(x->g[i], y->g[i]);
      break;
    }
    case RF_RECORD_DELTA: {
      const rf_delta_rec *x = &a->u.delta, *y = &b->u.delta;
      same_str(x->shelf, y->shelf);
      assert_int_equal(x->t0, y->t0);
      assert_int_equal(x->t1, y->t1);
      assert_int_equal(x->plate_count, y->plate_count);
      for (size_t i = 0; i < x->plate_count; ++i) {
        same_str(x->plates[i].plate, y->plates[i].plate);
        same_num(x->plates[i].g, y->plates[i].g);
      }
      break;
    }
    case RF_RECORD_HAND: {
      const rf_hand_rec *x = &a->u.hand, *y = &b->u.hand;
      same_str(x->shopper, y->shopper);
      same_str(x->shelf, y->shelf);
      assert_int_equal(x->t0, y->t0);
      assert_int_equal(x->t1, y->t1);
      assert_int_equal(x->has_x, y->has_x);
      same_num(x->x, y->x);
      assert_int_equal(x->has_conf, y->has_conf);
      same_num(x->conf, y->conf);
      assert_int_equal(x->holding_in, y->holding_in);
      assert_int_equal(x->holding_out, y->holding_out);
      assert_int_equal(x->has_sku_scores, y->has_sku_scores);
      assert_int_equal(x->sku_score_count, y->sku_score_count);
      for (size_t i = 0; i < x->sku_score_count; ++i) {
        same_str(x->sku_scores[i].sku, y->sku_scores[i].sku);
        same_num(x->sku_scores[i].score, y->sku_scores[i].score);
      }
      break;
    }
    case RF_RECORD_DIFF: {
      const rf_diff_rec *x = &a->u.diff, *y = &b->u.diff;
      assert_int_equal(x->seq, y->seq);
      assert_int_equal(x->t, y->t);
      same_str(x->shopper, y->shopper);
      same_str(x->sku, y->sku);
      assert_int_equal(x->qty, y->qty);
      same_num(x->conf, y->conf);
      assert_int_equal(x->review, y->review);
      assert_int_equal(x->event, y->event);
      assert_int_equal(x->has_corrects, y->has_corrects);
      assert_int_equal(x->corrects, y->corrects);
      assert_int_equal(x->has_reviews, y->has_reviews);
      assert_int_equal(x->reviews, y->reviews);
      break;
    }
    case RF_RECORD_RECEIPT: {
      const rf_receipt_rec *x = &a->u.receipt, *y = &b->u.receipt;
      assert_int_equal(x->has_t, y->has_t);
      assert_int_equal(x->t, y->t);
      same_str(x->shopper, y->shopper);
      assert_int_equal(x->item_count, y->item_count);
      for (size_t i = 0; i < x->item_count; ++i) {
        same_str(x->items[i].sku, y->items[i].sku);
        assert_int_equal(x->items[i].qty, y->items[i].qty);
      }
      assert_int_equal(x->review, y->review);
      assert_int_equal(x->amends, y->amends);
      break;
    }
    case RF_RECORD_TRUTH:
      assert_int_equal(a->u.truth.t, b->u.truth.t);
      same_str(a->u.truth.shopper, b->u.truth.shopper);
      same_str(a->u.truth.sku, b->u.truth.sku);
      assert_int_equal(a->u.truth.qty, b->u.truth.qty);
      break;
    case RF_RECORD_RESTOCK:
      same_str(a->u.restock.shelf, b->u.restock.shelf);
      same_str(a->u.restock.sku, b->u.restock.sku);
      assert_int_equal(a->u.restock.t0, b->u.restock.t0);
      assert_int_equal(a->u.restock.t1, b->u.restock.t1);
      assert_int_equal(a->u.restock.qty, b->u.restock.qty);
      same_str(a->source, b->source);
      assert_int_equal(a->has_seq, b->has_seq);
      assert_int_equal(a->seq, b->seq);
      break;
    case RF_RECORD_CAMERA:
      same_str(a->u.camera.camera, b->u.camera.camera);
      assert_int_equal(a->u.camera.width, b->u.camera.width);
      assert_int_equal(a->u.camera.height, b->u.camera.height);
      same_num(a->u.camera.fps, b->u.camera.fps);
      assert_int_equal(a->u.camera.t0, b->u.camera.t0);
      break;
    case RF_RECORD_ZONE: {
      const rf_zone_rec *x = &a->u.zone, *y = &b->u.zone;
      same_str(x->camera, y->camera);
      same_str(x->shelf, y->shelf);
      assert_int_equal(x->x0, y->x0);
      assert_int_equal(x->y0, y->y0);
      assert_int_equal(x->x1, y->x1);
      assert_int_equal(x->y1, y->y1);
      assert_int_equal(x->front, y->front);
      same_num(x->shelf_x0, y->shelf_x0);
      same_num(x->shelf_x1, y->shelf_x1);
      break;
    }
    case RF_RECORD_REVIEW: {
      const rf_review_rec *x = &a->u.review, *y = &b->u.review;
      assert_int_equal(x->decision, y->decision);
      same_str(x->shopper, y->shopper);
      same_items(x->items, x->item_count, y->items, y->item_count);
      same_str(x->reviewer, y->reviewer);
      same_str(a->source, b->source);
      assert_int_equal(a->has_seq, b->has_seq);
      assert_int_equal(a->seq, b->seq);
      break;
    }
    case RF_RECORD_EXPLAIN: same_explain(&a->u.explain, &b->u.explain); break;
    case RF_RECORD_TYPE_COUNT: fail(); break;
  }
}

#define ROUND_TRIP_SCENARIO                                                                     \
  "{'type':'product','sku':'859000002121','name':'Sweet \\u0022Tea\\u0022 \\\\ caf\xc3\xa9',"   \
  "'weight_g':540.67,'weight_sd_g':3.0}\n"                                                      \
  "{'type':'product','sku':'A','weight_g':0.1}\n"                                               \
  "{'type':'shelf','shelf':'G1S3','noise_g':1.5,'pos':[2.25,-0.5],'plates':[{'plate':'G1S3P1'," \
  "'x0':0.0,'x1':0.1016},{'plate':'G1S3P2','x0':0.1016,'x1':0.2032}]}\n"                        \
  "{'type':'shelf','shelf':'S2','dir':[0.6,-0.8],'plates':[{'plate':'Q1','x0':0,'x1':0.1}]}\n"  \
  "\n"                                                                                          \
  "{'type':'facing','shelf':'G1S3','sku':'859000002121','x0':0.3048,'x1':0.4064,'count':8}\n"   \
  "{'type':'facing','shelf':'G1S3','sku':'A','x0':0.1,'x1':0.2}\r\n"                            \
  "{'type':'camera','camera':'C1','width':640,'height':480,'fps':30,'t0':0}\n"                  \
  "{'fps':12.5,'height':1.08e3,'width':1920.0,'camera':'C2','type':'camera'}\n"                 \
  "{'type':'zone','camera':'C1','shelf':'G1S3','px':[0,40,600,120],'front':'bottom',"           \
  "'shelf_x':[0.0,1.2]}\n"                                                                      \
  "{'shelf_x':[0.2032,-0],'front':'left','px':[1e1,0,20.0,1080],'shelf':'S2','camera':'C2',"    \
  "'type':'zone'}\n"                                                                            \
  "{'type':'enter','t':0,'shopper':'S1','ignored':[1,2,{'a':null}]}\n"                          \
  "{'shopper':'S2','type':'enter','t':10}\n"                                                    \
  "{'type':'enter','t':11,'shopper':'E1','staff':true}\n"                                       \
  "{'type':'enter','t':12,'shopper':'E2','staff':false}\n"                                      \
  "{'type':'link','t':1000,'shopper':'S2','cart':'S1'}\n"                                       \
  "{'type':'position','t':5000000,'shopper':'S1','x':2.1,'y':-1e-7}\n"                          \
  "{'type':'samples','plate':'G1S3P4','t':1000000,'dt_us':16667,"                               \
  "'g':[2210.4,2210.6,0.30000000000000004,-0,1e7,5e-324]}\n"                                    \
  "{'type':'delta','shelf':'G1S3','t0':1000000,'t1':1800000,'plates':{'G1S3P5':-0.4,"           \
  "'G1S3P4':-540.2}}\n"                                                                         \
  "{'type':'hand','shopper':'S1','shelf':'G1S3','t0':900000,'t1':1900000,'x':0.35,'conf':0.9,"  \
  "'holding_in':false,'holding_out':true,'sku_scores':{'859000002121':0.6,'A':0.4}}\n"          \
  "{'type':'hand','shopper':null,'shelf':'G1S3','t0':900000,'t1':1900000}\n"                    \
  "{'type':'hand','shelf':'G1S3','t0':1,'t1':1,'sku_scores':{},'holding_in':true,'conf':0}\n"   \
  "{'type':'diff','seq':7,'t':2400000,'shopper':'S1','sku':'859000002121','qty':1,'conf':0.97," \
  "'review':false,'event':3}\n"                                                                 \
  "{'type':'diff','seq':9,'t':9007199254740992,'shopper':'S1','sku':'859000002121','qty':-1,"   \
  "'conf':0.88,'review':true,'event':3,'corrects':7}\n"                                         \
  "{'type':'receipt','t':96000000,'shopper':'S1','items':{'859000002121':1,'A':0},"             \
  "'review':false}\n"                                                                           \
  "{'type':'receipt','shopper':'S1','items':{'859000002121':1}}\n"                              \
  "{'type':'receipt','shopper':'S9','items':{}}\n"                                              \
  "{'type':'truth','t':1800000,'shopper':'S1','sku':'859000002121','qty':1}\n"                  \
  "{'type':'truth','t':4503599627370496,'shopper':'S1','sku':'A','qty':-3}\n"                   \
  "{'type':'restock','shelf':'G1S3','sku':'859000002121','t0':1000000,'t1':9000000,'qty':6}\n"  \
  "{'qty':-1e1,'t1':2e6,'t0':2e6,'sku':'A','shelf':'G1S3','seq':3,'source':'staff-app',"        \
  "'type':'restock','note':'ignored'}\n"                                                        \
  "{'type':'exit','t':95000000,'shopper':'S1'}"
#define ROUND_TRIP_COUNT 31

/* Reads text and writes every record; returns what was written. */
static sink rewrite(const char *text, size_t len, size_t *count) {
  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_from_memory(&r, text, len, NULL, NULL), 0);
  sink s;
  rf_scenario_writer *w = new_writer(&s);
  rf_record rec;
  int rc;
  *count = 0;
  while ((rc = rf_scenario_reader_next(r, &rec)) == 0) {
    if (rf_scenario_writer_write(w, &rec) != 0)
      fail_msg("line %llu refused: %s", (unsigned long long)rec.line, rf_scenario_writer_errmsg(w));
    ++*count;
  }
  if (rc != RF_ITEROVER) fail_msg("%s", rf_scenario_reader_errmsg(r));
  rf_scenario_reader_free(r);
  assert_int_equal(rf_scenario_writer_close(w), 0);
  return s;
}

static void test_round_trip(void **state) {
  (void)state;
  char *orig = q(ROUND_TRIP_SCENARIO);
  size_t n1, n2;
  sink once = rewrite(orig, strlen(orig), &n1);
  assert_int_equal(n1, ROUND_TRIP_COUNT);

  /* The rewritten records equal the original ones, field by field. */
  rf_scenario_reader *ra, *rb;
  assert_int_equal(rf_scenario_reader_from_memory(&ra, orig, strlen(orig), NULL, NULL), 0);
  assert_int_equal(rf_scenario_reader_from_memory(&rb, once.data, once.len, NULL, NULL), 0);
  rf_record a, b;
  for (size_t i = 0; i < n1; ++i) {
    assert_int_equal(rf_scenario_reader_next(ra, &a), 0);
    assert_int_equal(rf_scenario_reader_next(rb, &b), 0);
    assert_int_equal(b.line, i + 1); /* one line per record, no blank lines */
    assert_record_equal(&a, &b);
  }
  assert_int_equal(rf_scenario_reader_next(ra, &a), RF_ITEROVER);
  assert_int_equal(rf_scenario_reader_next(rb, &b), RF_ITEROVER);
  rf_scenario_reader_free(ra);
  rf_scenario_reader_free(rb);

  /* Writing again gives the same bytes: a fixed point. */
  sink twice = rewrite(once.data, once.len, &n2);
  assert_int_equal(n2, n1);
  assert_int_equal(twice.len, once.len);
  assert_string_equal(twice.data, once.data);

  /* Spot checks of the canonical form. */
  assert_true(contains(once.data, "{\"type\":\"enter\",\"t\":10,\"shopper\":\"S2\"}\n"));
  assert_true(
      contains(once.data, "{\"type\":\"enter\",\"t\":11,\"shopper\":\"E1\",\"staff\":true}\n"));
  assert_true(contains(once.data, "{\"type\":\"enter\",\"t\":12,\"shopper\":\"E2\"}\n"));
  assert_true(contains(once.data, "\"name\":\"Sweet \\\"Tea\\\" \\\\ caf\xc3\xa9\""));
  assert_true(contains(once.data, "\"y\":-1e-7}"));
  assert_true(contains(once.data, "\"g\":[2210.4,2210.6,0.30000000000000004,-0,10000000,5e-324]"));
  /* Output times past RF_TIME_LIMIT_US (input plus the engine's waits) come back. */
  assert_true(contains(
      once.data, "\"t\":9007199254740992,\"shopper\":\"S1\",\"sku\":\"859000002121\",\"qty\":-1"));
  assert_true(contains(once.data, "{\"type\":\"hand\",\"shopper\":null,\"shelf\":\"G1S3\","
                                  "\"t0\":1,\"t1\":1,\"conf\":0,\"holding_in\":true,"
                                  "\"sku_scores\":{}}\n"));
  /* A restock in any field order and number form comes out in the canonical order. */
  assert_true(contains(once.data, "{\"type\":\"restock\",\"source\":\"staff-app\",\"seq\":3,"
                                  "\"shelf\":\"G1S3\",\"sku\":\"A\",\"t0\":2000000,"
                                  "\"t1\":2000000,\"qty\":-10}\n"));
  /* Cameras and zones likewise; a camera without t0 gets it written. */
  assert_true(contains(once.data, "{\"type\":\"camera\",\"camera\":\"C2\",\"width\":1920,"
                                  "\"height\":1080,\"fps\":12.5,\"t0\":0}\n"));
  assert_true(contains(once.data, "{\"type\":\"zone\",\"camera\":\"C2\",\"shelf\":\"S2\","
                                  "\"px\":[10,0,20,1080],\"front\":\"left\","
                                  "\"shelf_x\":[0.2032,-0]}\n"));
  assert_false(contains(once.data, "ignored"));
  assert_false(contains(once.data, "\r"));
  sink_free(&once);
  sink_free(&twice);
  free(orig);
}

/* Restock lines as the writer writes them read back and are written again byte for byte: with
 * and without source and seq, putting on and taking off, over an instant. */
static void test_restock_round_trip(void **state) {
  (void)state;
  char *orig = q("{'type':'restock','shelf':'G1S3','sku':'859000002121','t0':1000000,"
                 "'t1':9000000,'qty':6}\n"
                 "{'type':'restock','source':'staff-app','seq':0,'shelf':'S2','sku':'A',"
                 "'t0':-5,'t1':-5,'qty':-1}\n"
                 "{'type':'restock','seq':9007199254740992,'shelf':'G1S3','sku':'A',"
                 "'t0':-4503599627370496,'t1':4503599627370496,'qty':-9007199254740992}\n");
  size_t n;
  sink once = rewrite(orig, strlen(orig), &n);
  assert_int_equal(n, 3);
  assert_string_equal(once.data, orig);

  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_from_memory(&r, once.data, once.len, NULL, NULL), 0);
  rf_record rec;
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rec.type, RF_RECORD_RESTOCK);
  assert_string_equal(rec.u.restock.shelf, "G1S3");
  assert_string_equal(rec.u.restock.sku, "859000002121");
  assert_int_equal(rec.u.restock.t0, 1000000);
  assert_int_equal(rec.u.restock.t1, 9000000);
  assert_int_equal(rec.u.restock.qty, 6);
  assert_null(rec.source);
  assert_int_equal(rec.has_seq, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_string_equal(rec.source, "staff-app");
  assert_int_equal(rec.has_seq, 1);
  assert_int_equal(rec.seq, 0);
  assert_string_equal(rec.u.restock.shelf, "S2");
  assert_string_equal(rec.u.restock.sku, "A");
  assert_int_equal(rec.u.restock.t0, -5);
  assert_int_equal(rec.u.restock.t1, -5);
  assert_int_equal(rec.u.restock.qty, -1);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_null(rec.source);
  assert_int_equal(rec.seq, 9007199254740992LL);
  assert_int_equal(rec.u.restock.t0, -4503599627370496LL);
  assert_int_equal(rec.u.restock.t1, 4503599627370496LL);
  assert_int_equal(rec.u.restock.qty, -9007199254740992LL);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);
  sink_free(&once);
  free(orig);
}

/* Camera and zone lines as the writer writes them read back and are written again byte for
 * byte, at the edges of what they allow. */
static void test_camera_zone_round_trip(void **state) {
  (void)state;
  char *orig = q("{'type':'camera','camera':'C1','width':640,'height':480,'fps':30,'t0':0}\n"
                 "{'type':'camera','camera':'cam-\xc3\xa9','width':65535,'height':1,"
                 "'fps':0.1,'t0':-4503599627370496}\n"
                 "{'type':'camera','camera':'C3','width':1,'height':65535,'fps':5e-324,"
                 "'t0':4503599627370496}\n"
                 "{'type':'zone','camera':'C1','shelf':'G1S3','px':[0,40,600,120],"
                 "'front':'bottom','shelf_x':[0,1.2]}\n"
                 "{'type':'zone','camera':'C1','shelf':'G1S3','px':[0,0,65535,65535],"
                 "'front':'top','shelf_x':[0.30000000000000004,-1e-7]}\n"
                 "{'type':'zone','camera':'C1','shelf':'G1S3','px':[65534,0,65535,1],"
                 "'front':'right','shelf_x':[-0,1e21]}\n");
  size_t n;
  sink once = rewrite(orig, strlen(orig), &n);
  assert_int_equal(n, 6);
  assert_string_equal(once.data, orig);

  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_from_memory(&r, once.data, once.len, NULL, NULL), 0);
  rf_record rec;
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_string_equal(rec.u.camera.camera, "cam-\xc3\xa9");
  assert_int_equal(rec.u.camera.width, 65535);
  assert_int_equal(rec.u.camera.height, 1);
  assert_true(rec.u.camera.fps == 0.1);
  assert_int_equal(rec.u.camera.t0, -4503599627370496LL);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_true(rec.u.camera.fps == 5e-324);
  assert_int_equal(rec.u.camera.t0, 4503599627370496LL);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_true(rec.u.zone.shelf_x0 == 0.30000000000000004 && rec.u.zone.shelf_x1 == -1e-7);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rec.u.zone.x0, 65534);
  assert_int_equal(rec.u.zone.front, RF_FRONT_RIGHT);
  assert_true(rec.u.zone.shelf_x0 == 0.0 && signbit(rec.u.zone.shelf_x0));
  assert_true(rec.u.zone.shelf_x1 == 1e21);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);
  sink_free(&once);
  free(orig);
}

/* ---- refusals ---- */

/* Builds refusal case i into *r (from a valid record) and returns the message fragment it must
 * give, or NULL past the last case. */
static const char *bad_record(int i, rf_record *r) {
  int k = 0;
  const double NaN = NAN, Inf = INFINITY;
#define BAD(TYPE, FIELD, ...)   \
  if (i == k++) {               \
    *r = valid(TYPE);           \
    __VA_ARGS__;                \
    return "field '" FIELD "'"; \
  }
  BAD(RF_RECORD_PRODUCT, "sku", r->u.product.sku = NULL)
  BAD(RF_RECORD_PRODUCT, "sku", r->u.product.sku = "")
  BAD(RF_RECORD_PRODUCT, "weight_g", r->u.product.weight_g = NaN)
  BAD(RF_RECORD_PRODUCT, "weight_g", r->u.product.weight_g = Inf)
  BAD(RF_RECORD_PRODUCT, "weight_g", r->u.product.weight_g = -Inf)
  BAD(RF_RECORD_PRODUCT, "weight_g", r->u.product.weight_g = 0)
  BAD(RF_RECORD_PRODUCT, "weight_g", r->u.product.weight_g = -1)
  BAD(RF_RECORD_PRODUCT, "weight_sd_g", r->u.product.weight_sd_g = NaN)
  BAD(RF_RECORD_PRODUCT, "weight_sd_g", r->u.product.weight_sd_g = -0.5)
  BAD(RF_RECORD_SHELF, "shelf", r->u.shelf.shelf = NULL)
  BAD(RF_RECORD_SHELF, "shelf", r->u.shelf.shelf = "")
  BAD(RF_RECORD_SHELF, "noise_g", r->u.shelf.noise_g = Inf)
  BAD(RF_RECORD_SHELF, "noise_g", r->u.shelf.noise_g = -1)
  BAD(RF_RECORD_SHELF, "pos", r->u.shelf.pos_x = NaN)
  BAD(RF_RECORD_SHELF, "pos", r->u.shelf.pos_y = -Inf)
  BAD(RF_RECORD_SHELF, "dir", r->u.shelf.has_dir = 1)
  BAD(RF_RECORD_SHELF, "dir", r->u.shelf.has_dir = 1, r->u.shelf.dir_x = NaN)
  BAD(RF_RECORD_SHELF, "dir", r->u.shelf.has_dir = 1, r->u.shelf.dir_y = Inf)
  BAD(RF_RECORD_SHELF, "x0", v_plates[0].x0 = NaN)
  BAD(RF_RECORD_SHELF, "x1", v_plates[1].x1 = Inf)
  BAD(RF_RECORD_SHELF, "plates.plate", v_plates[1].plate = NULL)
  BAD(RF_RECORD_SHELF, "plates.plate", v_plates[0].plate = "")
  BAD(RF_RECORD_SHELF, "plates", r->u.shelf.plate_count = 0)
  BAD(RF_RECORD_SHELF, "plates", r->u.shelf.plates = NULL)
  BAD(RF_RECORD_FACING, "shelf", r->u.facing.shelf = NULL)
  BAD(RF_RECORD_FACING, "sku", r->u.facing.sku = "")
  BAD(RF_RECORD_FACING, "x0", r->u.facing.x0 = NaN)
  BAD(RF_RECORD_FACING, "x1", r->u.facing.x1 = Inf)
  BAD(RF_RECORD_FACING, "x1", r->u.facing.x1 = r->u.facing.x0)
  BAD(RF_RECORD_FACING, "x1", r->u.facing.x1 = 0.1)
  BAD(RF_RECORD_FACING, "count", r->u.facing.count = -2)
  BAD(RF_RECORD_ENTER, "shopper", r->u.enter.shopper = NULL)
  BAD(RF_RECORD_ENTER, "shopper", r->u.enter.shopper = "")
  BAD(RF_RECORD_ENTER, "t", r->u.enter.t = 9007199254740993LL)
  BAD(RF_RECORD_ENTER, "t", r->u.enter.t = INT64_MIN)
  BAD(RF_RECORD_EXIT, "shopper", r->u.exit.shopper = NULL)
  BAD(RF_RECORD_EXIT, "t", r->u.exit.t = INT64_MAX)
  BAD(RF_RECORD_LINK, "shopper", r->u.link.shopper = "")
  BAD(RF_RECORD_LINK, "cart", r->u.link.cart = NULL)
  BAD(RF_RECORD_LINK, "cart", r->u.link.cart = "")
  BAD(RF_RECORD_POSITION, "shopper", r->u.position.shopper = NULL)
  BAD(RF_RECORD_POSITION, "x", r->u.position.x = NaN)
  BAD(RF_RECORD_POSITION, "y", r->u.position.y = -Inf)
  BAD(RF_RECORD_SAMPLES, "plate", r->u.samples.plate = NULL)
  BAD(RF_RECORD_SAMPLES, "plate", r->u.samples.plate = "")
  BAD(RF_RECORD_SAMPLES, "dt_us", r->u.samples.dt_us = 0)
  BAD(RF_RECORD_SAMPLES, "dt_us", r->u.samples.dt_us = -16667)
  BAD(RF_RECORD_SAMPLES, "g", r->u.samples.count = 0)
  BAD(RF_RECORD_SAMPLES, "g", r->u.samples.g = NULL)
  BAD(RF_RECORD_SAMPLES, "g", v_g[1] = NaN)
  BAD(RF_RECORD_SAMPLES, "g", v_g[2] = Inf)
  BAD(RF_RECORD_SAMPLES, "t", r->u.samples.t = -9007199254740993LL)
  BAD(RF_RECORD_SAMPLES, "dt_us", r->u.samples.t = 9007199254740992LL) /* last reading past 2^53 */
  BAD(RF_RECORD_DELTA, "shelf", r->u.delta.shelf = NULL)
  BAD(RF_RECORD_DELTA, "t1", r->u.delta.t1 = r->u.delta.t0 - 1)
  BAD(RF_RECORD_DELTA, "t0", r->u.delta.t0 = -9007199254740993LL)
  BAD(RF_RECORD_DELTA, "plates", r->u.delta.plate_count = 0)
  BAD(RF_RECORD_DELTA, "plates", r->u.delta.plates = NULL)
  BAD(RF_RECORD_DELTA, "plates", v_deltas[1].plate = NULL)
  BAD(RF_RECORD_DELTA, "plates", v_deltas[0].plate = "")
  BAD(RF_RECORD_DELTA, "plates", v_deltas[1].g = NaN)
  BAD(RF_RECORD_DELTA, "plates", v_deltas[0].g = -Inf)
  BAD(RF_RECORD_HAND, "shelf", r->u.hand.shelf = NULL)
  BAD(RF_RECORD_HAND, "shelf", r->u.hand.shelf = "")
  BAD(RF_RECORD_HAND, "shopper", r->u.hand.shopper = "")
  BAD(RF_RECORD_HAND, "t1", r->u.hand.t1 = r->u.hand.t0 - 1)
  BAD(RF_RECORD_HAND, "x", r->u.hand.x = NaN)
  BAD(RF_RECORD_HAND, "conf", r->u.hand.conf = NaN)
  BAD(RF_RECORD_HAND, "conf", r->u.hand.conf = Inf)
  BAD(RF_RECORD_HAND, "conf", r->u.hand.conf = 1.5)
  BAD(RF_RECORD_HAND, "conf", r->u.hand.conf = -0.01)
  BAD(RF_RECORD_HAND, "sku_scores", v_scores[0].sku = NULL)
  BAD(RF_RECORD_HAND, "sku_scores", v_scores[1].sku = "")
  BAD(RF_RECORD_HAND, "sku_scores", v_scores[1].score = NaN)
  BAD(RF_RECORD_HAND, "sku_scores", r->u.hand.sku_scores = NULL)
  BAD(RF_RECORD_DIFF, "shopper", r->u.diff.shopper = NULL)
  BAD(RF_RECORD_DIFF, "sku", r->u.diff.sku = "")
  BAD(RF_RECORD_DIFF, "qty", r->u.diff.qty = 0)
  BAD(RF_RECORD_DIFF, "conf", r->u.diff.conf = 1.0000001)
  BAD(RF_RECORD_DIFF, "conf", r->u.diff.conf = -0.1)
  BAD(RF_RECORD_DIFF, "conf", r->u.diff.conf = NaN)
  BAD(RF_RECORD_DIFF, "seq", r->u.diff.seq = INT64_MAX)
  BAD(RF_RECORD_DIFF, "event", r->u.diff.event = 9007199254740993LL)
  BAD(RF_RECORD_DIFF, "corrects", r->u.diff.has_corrects = 1; r->u.diff.corrects = INT64_MIN)
  BAD(RF_RECORD_RECEIPT, "shopper", r->u.receipt.shopper = NULL)
  BAD(RF_RECORD_RECEIPT, "shopper", r->u.receipt.shopper = "")
  BAD(RF_RECORD_RECEIPT, "items", v_items[0].sku = NULL)
  BAD(RF_RECORD_RECEIPT, "items", v_items[1].sku = "")
  BAD(RF_RECORD_RECEIPT, "items", v_items[1].qty = -1)
  BAD(RF_RECORD_RECEIPT, "items", v_items[0].qty = 9007199254740993LL)
  BAD(RF_RECORD_RECEIPT, "items", r->u.receipt.items = NULL)
  BAD(RF_RECORD_RECEIPT, "t", r->u.receipt.t = INT64_MAX)
  BAD(RF_RECORD_TRUTH, "shopper", r->u.truth.shopper = NULL)
  BAD(RF_RECORD_TRUTH, "sku", r->u.truth.sku = NULL)
  BAD(RF_RECORD_TRUTH, "qty", r->u.truth.qty = 0)
  BAD(RF_RECORD_TRUTH, "t", r->u.truth.t = -9007199254740993LL)
  BAD(RF_RECORD_RESTOCK, "shelf", r->u.restock.shelf = NULL)
  BAD(RF_RECORD_RESTOCK, "shelf", r->u.restock.shelf = "")
  BAD(RF_RECORD_RESTOCK, "sku", r->u.restock.sku = NULL)
  BAD(RF_RECORD_RESTOCK, "sku", r->u.restock.sku = "")
  BAD(RF_RECORD_RESTOCK, "t1", r->u.restock.t1 = r->u.restock.t0 - 1)
  BAD(RF_RECORD_RESTOCK, "t0", r->u.restock.t0 = -9007199254740993LL)
  BAD(RF_RECORD_RESTOCK, "t1", r->u.restock.t1 = 9007199254740993LL)
  BAD(RF_RECORD_RESTOCK, "qty", r->u.restock.qty = 0)
  BAD(RF_RECORD_RESTOCK, "qty", r->u.restock.qty = -9007199254740993LL)
  BAD(RF_RECORD_RESTOCK, "source", r->source = "")
  BAD(RF_RECORD_RESTOCK, "seq", r->has_seq = 1; r->seq = INT64_MAX)
  BAD(RF_RECORD_CAMERA, "camera", r->u.camera.camera = NULL)
  BAD(RF_RECORD_CAMERA, "camera", r->u.camera.camera = "")
  BAD(RF_RECORD_CAMERA, "width", r->u.camera.width = 0)
  BAD(RF_RECORD_CAMERA, "width", r->u.camera.width = 65536)
  BAD(RF_RECORD_CAMERA, "height", r->u.camera.height = -1)
  BAD(RF_RECORD_CAMERA, "fps", r->u.camera.fps = 0)
  BAD(RF_RECORD_CAMERA, "fps", r->u.camera.fps = -30)
  BAD(RF_RECORD_CAMERA, "fps", r->u.camera.fps = NaN)
  BAD(RF_RECORD_CAMERA, "fps", r->u.camera.fps = Inf)
  BAD(RF_RECORD_CAMERA, "t0", r->u.camera.t0 = 9007199254740993LL)
  BAD(RF_RECORD_ZONE, "camera", r->u.zone.camera = NULL)
  BAD(RF_RECORD_ZONE, "shelf", r->u.zone.shelf = "")
  BAD(RF_RECORD_ZONE, "px", r->u.zone.x0 = -1)
  BAD(RF_RECORD_ZONE, "px", r->u.zone.y1 = 65536)
  BAD(RF_RECORD_ZONE, "px", r->u.zone.x1 = r->u.zone.x0)
  BAD(RF_RECORD_ZONE, "px", r->u.zone.y0 = r->u.zone.y1 + 1)
  BAD(RF_RECORD_ZONE, "front", r->u.zone.front = RF_FRONT_COUNT)
  BAD(RF_RECORD_ZONE, "front", r->u.zone.front = (rf_zone_front)-1)
  BAD(RF_RECORD_ZONE, "shelf_x", r->u.zone.shelf_x0 = NaN)
  BAD(RF_RECORD_ZONE, "shelf_x", r->u.zone.shelf_x1 = -Inf)
  BAD(RF_RECORD_ZONE, "shelf_x", r->u.zone.shelf_x1 = r->u.zone.shelf_x0)
  /* Grams beyond RF_WEIGHT_LIMIT_G, which the reader would refuse. */
  BAD(RF_RECORD_PRODUCT, "weight_g", r->u.product.weight_g = 10000000.000000002)
  BAD(RF_RECORD_PRODUCT, "weight_g", r->u.product.weight_g = 1e308)
  BAD(RF_RECORD_PRODUCT, "weight_sd_g", r->u.product.weight_sd_g = 2e7)
  BAD(RF_RECORD_SHELF, "noise_g", r->u.shelf.noise_g = 1e8)
  BAD(RF_RECORD_SAMPLES, "g", v_g[2] = -1.5e7)
  BAD(RF_RECORD_DELTA, "plates", v_deltas[1].g = -1e308)
  /* Text that is not UTF-8, which the reader would refuse. */
  BAD(RF_RECORD_ENTER, "shopper", r->u.enter.shopper = "S\xff\xfe")
  BAD(RF_RECORD_EXIT, "shopper", r->u.exit.shopper = "\xc0\x80")
  BAD(RF_RECORD_PRODUCT, "name", r->u.product.name = "caf\xc3")
  BAD(RF_RECORD_PRODUCT, "sku", r->u.product.sku = "\xed\xa0\x80")
  BAD(RF_RECORD_SHELF, "plates.plate", v_plates[0].plate = "\xf4\x90\x80\x80")
  BAD(RF_RECORD_DELTA, "plates", v_deltas[0].plate = "\x80")
  BAD(RF_RECORD_HAND, "shopper", r->u.hand.shopper = "\xe2\x82")
  BAD(RF_RECORD_HAND, "sku_scores", v_scores[1].sku = "\xff")
  BAD(RF_RECORD_RECEIPT, "items", v_items[0].sku = "A\xfe")
  BAD(RF_RECORD_LINK, "source", r->source = "cam\xff")
  BAD(RF_RECORD_RESTOCK, "sku", r->u.restock.sku = "85900\xc3")
  BAD(RF_RECORD_CAMERA, "camera", r->u.camera.camera = "C\xff")
  BAD(RF_RECORD_ZONE, "shelf", r->u.zone.shelf = "G1\xc0\x80")
  /* Diffs a verdict made, amended receipts, verdicts and explanations. */
  BAD(RF_RECORD_DIFF, "reviews", r->u.diff.has_reviews = 1; r->u.diff.reviews = -1)
  BAD(RF_RECORD_DIFF, "reviews", r->u.diff.has_reviews = 1; r->u.diff.reviews = INT64_MAX)
  BAD(RF_RECORD_RECEIPT, "items", r->u.receipt.amends = 1; v_items[1].qty = -2)
  BAD(RF_RECORD_REVIEW, "decision", r->u.review.decision = -1)
  BAD(RF_RECORD_REVIEW, "decision", r->u.review.decision = 9007199254740993LL)
  BAD(RF_RECORD_REVIEW, "shopper", r->u.review.shopper = "")
  BAD(RF_RECORD_REVIEW, "shopper", r->u.review.shopper = "S\xff")
  BAD(RF_RECORD_REVIEW, "items", r->u.review.shopper = NULL)
  BAD(RF_RECORD_REVIEW, "items", v_items[1].qty = 0)
  BAD(RF_RECORD_REVIEW, "items", v_items[0].qty = -9007199254740993LL)
  BAD(RF_RECORD_REVIEW, "items", v_items[0].sku = "")
  BAD(RF_RECORD_REVIEW, "items", r->u.review.items = NULL)
  BAD(RF_RECORD_REVIEW, "reviewer", r->u.review.reviewer = "an\xc3")
  BAD(RF_RECORD_REVIEW, "source", r->source = "")
  BAD(RF_RECORD_REVIEW, "seq", r->has_seq = 1; r->seq = INT64_MIN)
  BAD(RF_RECORD_EXPLAIN, "event", r->u.explain.event = -1)
  BAD(RF_RECORD_EXPLAIN, "t", r->u.explain.t = INT64_MAX)
  BAD(RF_RECORD_EXPLAIN, "shelf", r->u.explain.shelf = NULL)
  BAD(RF_RECORD_EXPLAIN, "t1", r->u.explain.t1 = r->u.explain.t0 - 1)
  BAD(RF_RECORD_EXPLAIN, "total", r->u.explain.total = NaN)
  BAD(RF_RECORD_EXPLAIN, "x", r->u.explain.x = -Inf)
  BAD(RF_RECORD_EXPLAIN, "how", r->u.explain.how = "guess")
  BAD(RF_RECORD_EXPLAIN, "how", r->u.explain.how = NULL)
  BAD(RF_RECORD_EXPLAIN, "diffs", v_seqs[1] = -1)
  BAD(RF_RECORD_EXPLAIN, "diffs", r->u.explain.diffs = NULL)
  BAD(RF_RECORD_EXPLAIN, "alternatives", r->u.explain.alternatives = NULL)
  BAD(RF_RECORD_EXPLAIN, "alternatives[0].shopper", v_alts[0].shopper = "")
  BAD(RF_RECORD_EXPLAIN, "alternatives[1].items", v_alt_items[1].qty = 0)
  BAD(RF_RECORD_EXPLAIN, "alternatives[0].items", v_alt_items[0].sku = "\xfe")
  BAD(RF_RECORD_EXPLAIN, "alternatives[2].items", v_alts[2].items = v_alt_items;
      v_alts[2].item_count = 1)
  BAD(RF_RECORD_EXPLAIN, "alternatives[1].p", v_alts[1].p = 1.5)
  BAD(RF_RECORD_EXPLAIN, "alternatives[2].p", v_alts[2].p = NaN)
  BAD(RF_RECORD_EXPLAIN, "alternatives[0].terms.identity", v_alts[0].terms.identity = -Inf)
  BAD(RF_RECORD_EXPLAIN, "candidates", r->u.explain.candidates = NULL)
  BAD(RF_RECORD_EXPLAIN, "candidates[1].shopper", v_cands[1].shopper = NULL)
  BAD(RF_RECORD_EXPLAIN, "candidates[0].p", v_cands[0].p = -0.1)
  BAD(RF_RECORD_EXPLAIN, "candidates[0].distance", v_cands[0].distance = -0.5)
  BAD(RF_RECORD_EXPLAIN, "candidates[0].distance", v_cands[0].distance = Inf)
  BAD(RF_RECORD_EXPLAIN, "hands", r->u.explain.hands = NULL)
  BAD(RF_RECORD_EXPLAIN, "hands[0].shopper", v_ehands[0].shopper = "")
  BAD(RF_RECORD_EXPLAIN, "hands[1].t1", v_ehands[1].t1 = v_ehands[1].t0 - 1)
  BAD(RF_RECORD_EXPLAIN, "hands[0].t0", v_ehands[0].t0 = INT64_MIN)
  BAD(RF_RECORD_EXPLAIN, "hands[0].x", v_ehands[0].x = NaN)
  BAD(RF_RECORD_EXPLAIN, "hands[1].p", v_ehands[1].p = 2)
#undef BAD
  if (i == k++) {
    *r = valid(RF_RECORD_ENTER);
    r->type = RF_RECORD_TYPE_COUNT;
    return "unknown type";
  }
  if (i == k++) {
    *r = valid(RF_RECORD_ENTER);
    r->type = (rf_record_type)-1;
    return "unknown type";
  }
  return NULL;
}

#define ENTER_LINE "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
#define EXIT_LINE "{\"type\":\"exit\",\"t\":95000000,\"shopper\":\"S1\"}\n"

/* A refused record gives RF_EINVAL and a message naming its field, writes nothing, and leaves
 * what was buffered before and what is written after whole. */
static void test_refusals(void **state) {
  (void)state;
  rf_record bad;
  const char *needle;
  int cases = 0;
  for (int i = 0; (needle = bad_record(i, &bad)) != NULL; ++i, ++cases) {
    sink s;
    rf_scenario_writer *w = new_writer(&s);
    rf_record enter = valid(RF_RECORD_ENTER), exit_rec = valid(RF_RECORD_EXIT);
    assert_int_equal(rf_scenario_writer_write(w, &enter), 0);
    bad_record(i, &bad); /* valid() above reset the shared arrays */
    int rc = rf_scenario_writer_write(w, &bad);
    const char *msg = rf_scenario_writer_errmsg(w);
    if (rc != RF_EINVAL) fail_msg("case %d (%s): got %s", i, needle, rf_err_name(rc));
    if (!contains(msg, needle)) fail_msg("case %d: message '%s' lacks %s", i, msg, needle);
    const char *type = rf_record_type_name(bad.type);
    if (type != NULL && strncmp(msg, type, strlen(type)) != 0)
      fail_msg("case %d: message '%s' does not start with the type", i, msg);
    /* Refusing again is the same, and nothing reached the sink. */
    assert_int_equal(rf_scenario_writer_write(w, &bad), RF_EINVAL);
    assert_int_equal(rf_scenario_writer_flush(w), 0);
    assert_string_equal(sink_text(&s), ENTER_LINE);
    assert_int_equal(rf_scenario_writer_write(w, &exit_rec), 0);
    assert_string_equal(rf_scenario_writer_errmsg(w), "");
    assert_int_equal(rf_scenario_writer_close(w), 0);
    assert_string_equal(sink_text(&s), ENTER_LINE EXIT_LINE);
    sink_free(&s);
  }
  assert_true(cases > 130);
}

/* A camera's and a zone's refusals, message by message. */
static void test_camera_zone_refusal_messages(void **state) {
  (void)state;
  static const struct {
    rf_record_type type;
    int what;
    const char *message;
  } cases[] = {
      {RF_RECORD_CAMERA, 0, "camera: field 'camera' is missing or empty"},
      {RF_RECORD_CAMERA, 1, "camera: field 'width' must be within [1, 65535]"},
      {RF_RECORD_CAMERA, 2, "camera: field 'height' must be within [1, 65535]"},
      {RF_RECORD_CAMERA, 3, "camera: field 'fps' must be > 0"},
      {RF_RECORD_CAMERA, 4, "camera: field 'fps' is not finite"},
      {RF_RECORD_CAMERA, 5, "camera: field 't0' is beyond 2^53"},
      {RF_RECORD_CAMERA, 6, "camera: field 'camera' is not valid UTF-8"},
      {RF_RECORD_ZONE, 0, "zone: field 'camera' is missing or empty"},
      {RF_RECORD_ZONE, 1, "zone: field 'shelf' is missing or empty"},
      {RF_RECORD_ZONE, 2, "zone: field 'px' must be within [0, 65535]"},
      {RF_RECORD_ZONE, 3, "zone: field 'px' must have x1 greater than x0"},
      {RF_RECORD_ZONE, 4, "zone: field 'px' must have y1 greater than y0"},
      {RF_RECORD_ZONE, 5, "zone: field 'front' must be top, bottom, left or right"},
      {RF_RECORD_ZONE, 6, "zone: field 'shelf_x' is not finite"},
      {RF_RECORD_ZONE, 7, "zone: field 'shelf_x' must have two different ends"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    rf_record r = valid(cases[k].type);
    rf_camera_rec *c = &r.u.camera;
    rf_zone_rec *z = &r.u.zone;
    if (cases[k].type == RF_RECORD_CAMERA) {
      const int what = cases[k].what;
      if (what == 0) c->camera = NULL;
      if (what == 1) c->width = 0;
      if (what == 2) c->height = 65536;
      if (what == 3) c->fps = -0.0;
      if (what == 4) c->fps = NAN;
      if (what == 5) c->t0 = INT64_MIN;
      if (what == 6) c->camera = "\xed\xa0\x80";
    } else {
      const int what = cases[k].what;
      if (what == 0) z->camera = "";
      if (what == 1) z->shelf = NULL;
      if (what == 2) z->y0 = -40;
      if (what == 3) z->x1 = 0;
      if (what == 4) z->y1 = 39;
      if (what == 5) z->front = (rf_zone_front)7;
      if (what == 6) z->shelf_x0 = INFINITY;
      if (what == 7) z->shelf_x1 = 0.0;
    }
    sink s;
    rf_scenario_writer *w = new_writer(&s);
    assert_int_equal(rf_scenario_writer_write(w, &r), RF_EINVAL);
    if (strcmp(rf_scenario_writer_errmsg(w), cases[k].message) != 0)
      fail_msg("case %zu: '%s', wanted '%s'", k, rf_scenario_writer_errmsg(w), cases[k].message);
    assert_int_equal(rf_scenario_writer_close(w), 0);
    assert_int_equal(s.len, 0);
    sink_free(&s);
  }
}

/* Asserts that rec is refused with exactly `message`, writing nothing. */
static void expect_refusal(const rf_record *rec, const char *message) {
  sink s;
  rf_scenario_writer *w = new_writer(&s);
  assert_int_equal(rf_scenario_writer_write(w, rec), RF_EINVAL);
  if (strcmp(rf_scenario_writer_errmsg(w), message) != 0)
    fail_msg("'%s', wanted '%s'", rf_scenario_writer_errmsg(w), message);
  assert_int_equal(rf_scenario_writer_close(w), 0);
  assert_int_equal(s.len, 0);
  sink_free(&s);
}

/* A verdict's and an explanation's refusals, message by message: the field within its array. */
static void test_review_explain_refusal_messages(void **state) {
  (void)state;
  rf_record r = valid(RF_RECORD_REVIEW);
  r.u.review.decision = -3;
  expect_refusal(&r, "review: field 'decision' must be >= 0");
  r = valid(RF_RECORD_REVIEW);
  r.u.review.shopper = NULL;
  expect_refusal(&r, "review: field 'items' must be empty when shopper is null");
  r = valid(RF_RECORD_REVIEW);
  v_items[1].qty = 0;
  expect_refusal(&r, "review: field 'items' holds a quantity of 0");
  r = valid(RF_RECORD_REVIEW);
  v_items[1].sku = v_items[0].sku; /* the readers refuse a sku twice */
  expect_refusal(&r, "review: field 'items' names a sku twice");
  r = valid(RF_RECORD_RECEIPT);
  v_items[1].sku = v_items[0].sku;
  expect_refusal(&r, "receipt: field 'items' names a sku twice");
  r = valid(RF_RECORD_REVIEW);
  r.u.review.reviewer = "\xc3";
  expect_refusal(&r, "review: field 'reviewer' is not valid UTF-8");
  r = valid(RF_RECORD_DIFF);
  r.u.diff.has_reviews = 1;
  r.u.diff.reviews = -1;
  expect_refusal(&r, "diff: field 'reviews' must be >= 0");

  r = valid(RF_RECORD_EXPLAIN);
  r.u.explain.how = "guess";
  expect_refusal(&r, "explain: field 'how' must be whole, split, merged, runs, restock or nobody");
  r = valid(RF_RECORD_EXPLAIN);
  v_seqs[0] = -5;
  expect_refusal(&r, "explain: field 'diffs' holds a seq < 0");
  r = valid(RF_RECORD_EXPLAIN);
  v_alts[2].items = v_alt_items;
  v_alts[2].item_count = 2;
  expect_refusal(&r, "explain: field 'alternatives[2].items' must be empty when shopper is null");
  r = valid(RF_RECORD_EXPLAIN);
  v_alts[1].p = 1.0000001;
  expect_refusal(&r, "explain: field 'alternatives[1].p' must be within [0, 1]");
  r = valid(RF_RECORD_EXPLAIN);
  v_alts[1].terms.plates = INFINITY;
  expect_refusal(&r, "explain: field 'alternatives[1].terms.plates' is not finite");
  r = valid(RF_RECORD_EXPLAIN);
  v_cands[1].shopper = "";
  expect_refusal(&r, "explain: field 'candidates[1].shopper' is missing or empty");
  r = valid(RF_RECORD_EXPLAIN);
  v_cands[0].distance = -0.25;
  expect_refusal(&r, "explain: field 'candidates[0].distance' must be >= 0");
  r = valid(RF_RECORD_EXPLAIN);
  v_ehands[1].t0 = v_ehands[1].t1 + 1;
  expect_refusal(&r, "explain: field 'hands[1].t1' is before t0");
  r = valid(RF_RECORD_EXPLAIN);
  r.u.explain.hands = NULL;
  expect_refusal(&r, "explain: field 'hands' is NULL");
}

/* Review and explain lines as the writer writes them read back and are written again byte for
 * byte, at the edges of what they allow: output times up to 2^53, -0, terms in part, nobody. */
static void test_review_explain_round_trip(void **state) {
  (void)state;
  char *orig =
      q("{'type':'review','decision':14,'shopper':'S7','items':{'040000004325':1},"
        "'reviewer':'ana'}\n"
        "{'type':'review','decision':15,'shopper':null,'items':{}}\n"
        "{'type':'review','source':'desk','seq':9007199254740992,'decision':9007199254740992,"
        "'shopper':'S\xc3\xa9','items':{'A':-9007199254740992,'B':3},'reviewer':''}\n"
        "{'type':'diff','seq':20,'t':9007199254740992,'shopper':'S7','sku':'A','qty':-1,'conf':1,"
        "'review':false,'event':4,'reviews':14}\n"
        "{'type':'receipt','t':9007199254740992,'shopper':'S7','items':{},'review':false,"
        "'amends':true}\n"
        "{'type':'explain','event':3,'t':15600000,'shelf':'G1S2','t0':8100000,'t1':8600000,"
        "'total':-352.1,'x':0.42,'how':'whole','diffs':[5],'alternatives':[{'shopper':'S2',"
        "'items':{'X':1},'p':0.62,'terms':{'weight':-3.1,'plates':-0.4,'prior':-0.22,"
        "'hand':-1.1,'identity':-0.02,'position':-0.5}},{'shopper':'S5','items':{'X':1},"
        "'p':0.35,'terms':{'weight':-3.1,'plates':-0.4,'prior':-0.22,'hand':-1.9,"
        "'identity':-3.9,'position':-1.1}},{'shopper':null,'items':{},'p':0.001}],"
        "'candidates':[{'shopper':'S2','p':0.62,'distance':0.35},{'shopper':'S5','p':0.37,"
        "'distance':0.8}],'hands':[{'shopper':'S2','t0':7900000,'t1':8900000,'x':0.4,"
        "'p':0.6}]}\n"
        "{'type':'explain','event':0,'t':-9007199254740992,'shelf':'S','t0':-9007199254740992,"
        "'t1':9007199254740992,'total':-0,'x':-1e-7,'how':'runs','diffs':[0,9007199254740992],"
        "'alternatives':[{'shopper':'S1','items':{'A':2,'B':-1},'p':1,'terms':{'hand':-0}}],"
        "'candidates':[{'shopper':'S1','p':0,'distance':0}],'hands':[{'shopper':null,"
        "'t0':-9007199254740992,'t1':-9007199254740992,'p':5e-324},{'shopper':'S1','t0':0,"
        "'t1':1,'x':-0,'p':1}]}\n"
        "{'type':'explain','event':1,'t':1,'shelf':'S','t0':0,'t1':0,'total':0,'x':0,"
        "'how':'nobody','diffs':[],'alternatives':[],'candidates':[],'hands':[]}\n");
  size_t n;
  sink once = rewrite(orig, strlen(orig), &n);
  assert_int_equal(n, 8);
  assert_string_equal(once.data, orig);

  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_from_memory(&r, once.data, once.len, NULL, NULL), 0);
  rf_record rec;
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rec.type, RF_RECORD_REVIEW);
  assert_int_equal(rec.u.review.decision, 14);
  assert_string_equal(rec.u.review.shopper, "S7");
  assert_int_equal(rec.u.review.item_count, 1);
  assert_string_equal(rec.u.review.items[0].sku, "040000004325");
  assert_int_equal(rec.u.review.items[0].qty, 1);
  assert_string_equal(rec.u.review.reviewer, "ana");
  assert_null(rec.source);
  assert_int_equal(rec.has_seq, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rec.u.review.decision, 15);
  assert_null(rec.u.review.shopper);
  assert_int_equal(rec.u.review.item_count, 0);
  assert_null(rec.u.review.reviewer);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_string_equal(rec.source, "desk");
  assert_int_equal(rec.seq, 9007199254740992LL);
  assert_int_equal(rec.u.review.items[0].qty, -9007199254740992LL);
  assert_string_equal(rec.u.review.reviewer, "");
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rec.u.diff.has_reviews, 1);
  assert_int_equal(rec.u.diff.reviews, 14);
  assert_int_equal(rec.u.diff.has_corrects, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(rec.u.receipt.amends, 1);
  assert_int_equal(rec.u.receipt.t, 9007199254740992LL);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  const rf_explain_rec *x = &rec.u.explain;
  assert_int_equal(rec.type, RF_RECORD_EXPLAIN);
  assert_int_equal(x->event, 3);
  assert_int_equal(x->t, 15600000);
  assert_string_equal(x->shelf, "G1S2");
  assert_true(x->total == -352.1 && x->x == 0.42);
  assert_string_equal(x->how, "whole");
  assert_int_equal(x->diff_count, 1);
  assert_int_equal(x->diffs[0], 5);
  assert_int_equal(x->alternative_count, 3);
  assert_string_equal(x->alternatives[1].shopper, "S5");
  assert_int_equal(x->alternatives[1].item_count, 1);
  assert_string_equal(x->alternatives[1].items[0].sku, "X");
  assert_true(x->alternatives[1].p == 0.35);
  assert_true(x->alternatives[1].terms.identity == -3.9);
  assert_null(x->alternatives[2].shopper);
  assert_int_equal(x->alternatives[2].item_count, 0);
  assert_true(isnan(x->alternatives[2].terms.weight) && isnan(x->alternatives[2].terms.position));
  assert_int_equal(x->candidate_count, 2);
  assert_int_equal(x->candidates[1].has_distance, 1);
  assert_true(x->candidates[1].distance == 0.8);
  assert_int_equal(x->hand_count, 1);
  assert_int_equal(x->hands[0].has_x, 1);
  assert_true(x->hands[0].p == 0.6);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(x->t, -9007199254740992LL);
  assert_true(x->total == 0.0 && signbit(x->total));
  assert_int_equal(x->alternatives[0].item_count, 2);
  assert_int_equal(x->alternatives[0].items[1].qty, -1);
  assert_true(isnan(x->alternatives[0].terms.weight));
  assert_true(x->alternatives[0].terms.hand == 0.0 && signbit(x->alternatives[0].terms.hand));
  assert_int_equal(x->candidates[0].has_distance, 1);
  assert_null(x->hands[0].shopper);
  assert_int_equal(x->hands[0].has_x, 0);
  assert_true(x->hands[0].p == 5e-324);
  assert_int_equal(rf_scenario_reader_next(r, &rec), 0);
  assert_int_equal(x->diff_count, 0);
  assert_int_equal(x->alternative_count + x->candidate_count + x->hand_count, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);
  sink_free(&once);
  free(orig);

  /* Read in another order and form, written in the canonical one: terms of none are left out,
   * amends false is not written, a missing x of a hand stays missing. */
  orig = q("{'items':{'B':-1.0},'shopper':'S1','decision':2e0,'type':'review'}\n"
           "{'type':'receipt','t':5,'shopper':'S7','items':{},'amends':false}\n"
           "{'type':'explain','hands':[{'p':0.5,'t1':2,'t0':1,'shopper':null}],'candidates':[],"
           "'alternatives':[{'terms':{},'p':0,'items':{},'shopper':null},{'terms':{'other':1,"
           "'prior':-2.50},'p':1e-3,'items':{'A':1},'shopper':'S1'}],'diffs':[],'how':'split',"
           "'x':1,'total':2,'t1':3,'t0':3,'shelf':'S','t':4,'event':5}\n");
  once = rewrite(orig, strlen(orig), &n);
  assert_int_equal(n, 3);
  char *want = q("{'type':'review','decision':2,'shopper':'S1','items':{'B':-1}}\n"
                 "{'type':'receipt','t':5,'shopper':'S7','items':{}}\n"
                 "{'type':'explain','event':5,'t':4,'shelf':'S','t0':3,'t1':3,'total':2,'x':1,"
                 "'how':'split','diffs':[],'alternatives':[{'shopper':null,'items':{},'p':0},"
                 "{'shopper':'S1','items':{'A':1},'p':0.001,'terms':{'prior':-2.5}}],"
                 "'candidates':[],'hands':[{'shopper':null,'t0':1,'t1':2,'p':0.5}]}\n");
  assert_string_equal(once.data, want);
  sink_free(&once);
  free(orig);
  free(want);
}

/* Values at the edges that are allowed. */
static void test_edges_accepted(void **state) {
  (void)state;
  rf_record r = valid(RF_RECORD_HAND);
  r.u.hand.conf = 0.0;
  r.u.hand.holding_in = RF_UNKNOWN;
  r.u.hand.has_sku_scores = 0;
  r.u.hand.sku_scores = NULL; /* not looked at when absent */
  r.u.hand.t1 = r.u.hand.t0;
  expect_line(&r, "{'type':'hand','shopper':'S1','shelf':'G1S3','t0':900000,'t1':900000,"
                  "'x':0.35,'conf':0,'holding_out':true}");
  r.u.hand.has_conf = 0;
  r.u.hand.conf = nan(""); /* not looked at when absent */
  r.u.hand.has_x = 0;
  r.u.hand.x = INFINITY;
  expect_line(&r, "{'type':'hand','shopper':'S1','shelf':'G1S3','t0':900000,'t1':900000,"
                  "'holding_out':true}");
  r = valid(RF_RECORD_PRODUCT);
  r.u.product.has_weight_sd = 1;
  r.u.product.weight_sd_g = 0.0;
  r.u.product.name = ""; /* a name is not an id and may be empty */
  expect_line(&r, "{'type':'product','sku':'859000002121','name':'','weight_g':540.67,"
                  "'weight_sd_g':0}");
  r.u.product.has_weight_sd = 0;
  r.u.product.weight_sd_g = -1; /* not looked at when absent */
  r.u.product.name = NULL;
  expect_line(&r, "{'type':'product','sku':'859000002121','weight_g':540.67}");
  r = valid(RF_RECORD_SAMPLES);
  r.u.samples.t = 9007199254740992LL - 2 * 16667; /* the last reading exactly at 2^53 */
  expect_line(&r, "{'type':'samples','plate':'G1S3P4','t':9007199254707658,'dt_us':16667,"
                  "'g':[2210.4,2210.6,2210.5]}");
  /* Grams at the limit and UTF-8 at its edges (U+1F6D2, U+10FFFF) are written. */
  r = valid(RF_RECORD_PRODUCT);
  r.u.product.weight_g = 1e7;
  r.u.product.sku = "\xf0\x9f\x9b\x92";
  r.u.product.name = "caf\xc3\xa9 \xf4\x8f\xbf\xbf";
  expect_line(&r, "{'type':'product','sku':'\xf0\x9f\x9b\x92','name':'caf\xc3\xa9 "
                  "\xf4\x8f\xbf\xbf','weight_g':10000000,'weight_sd_g':3}");
  r = valid(RF_RECORD_DELTA);
  v_deltas[0].g = -1e7;
  v_deltas[1].g = 1e7;
  expect_line(&r, "{'type':'delta','shelf':'G1S3','t0':1000000,'t1':1800000,"
                  "'plates':{'G1S3P4':-10000000,'G1S3P5':10000000}}");
  r = valid(RF_RECORD_RECEIPT);
  v_items[1].qty = 0;
  expect_line(&r, "{'type':'receipt','t':96000000,'shopper':'S1',"
                  "'items':{'859000002121':1,'A':0},'review':false}");
  r = valid(RF_RECORD_SHELF);
  r.u.shelf.noise_g = 0.0;
  r.u.shelf.has_pos = 0;
  r.u.shelf.pos_x = nan(""); /* not looked at when absent */
  r.u.shelf.plate_count = 1;
  expect_line(&r, "{'type':'shelf','shelf':'G1S3','noise_g':0,'plates':[{'plate':'G1S3P1',"
                  "'x0':0,'x1':0.1016}]}");
}

static void test_bad_arguments(void **state) {
  (void)state;
  rf_scenario_writer *w = (rf_scenario_writer *)state;
  sink s;
  memset(&s, 0, sizeof s);
  assert_int_equal(rf_scenario_writer_new(NULL, sink_write, &s, NULL), RF_EINVAL);
  assert_int_equal(rf_scenario_writer_new(&w, NULL, &s, NULL), RF_EINVAL);
  assert_null(w);
  rf_allocator half = {NULL, NULL, NULL, NULL};
  assert_int_equal(rf_scenario_writer_new(&w, sink_write, &s, &half), RF_EINVAL);
  assert_int_equal(rf_scenario_writer_open(&w, NULL, NULL), RF_EINVAL);
  rf_record r = valid(RF_RECORD_ENTER);
  assert_int_equal(rf_scenario_writer_write(NULL, &r), RF_EINVAL);
  assert_int_equal(rf_scenario_writer_flush(NULL), RF_EINVAL);
  assert_int_equal(rf_scenario_writer_close(NULL), 0);
  assert_string_equal(rf_scenario_writer_errmsg(NULL), "");
  w = new_writer(&s);
  assert_int_equal(rf_scenario_writer_write(w, NULL), RF_EINVAL);
  assert_int_equal(rf_scenario_writer_close(w), 0);
  assert_int_equal(s.len, 0);
  assert_int_equal(s.calls, 0); /* nothing buffered, nothing handed over */
  sink_free(&s);
}

/* ---- sinks ---- */

static void test_sink_errors(void **state) {
  (void)state;
  const int codes[] = {RF_EIO, RF_ENOMEM, RF_EINVAL, 5};
  const int want[] = {RF_EIO, RF_ENOMEM, RF_EINVAL, RF_EIO};
  rf_record enter = valid(RF_RECORD_ENTER), exit_rec = valid(RF_RECORD_EXIT);
  for (size_t k = 0; k < sizeof codes / sizeof codes[0]; ++k) {
    sink s;
    rf_scenario_writer *w = new_writer(&s);
    s.fail = codes[k];
    assert_int_equal(rf_scenario_writer_write(w, &enter), 0); /* buffered */
    assert_int_equal(rf_scenario_writer_flush(w), want[k]);
    assert_true(contains(rf_scenario_writer_errmsg(w), "writing"));
    /* Nothing is lost: once the sink works again, a flush hands over everything once. */
    s.fail = 0;
    assert_int_equal(rf_scenario_writer_flush(w), 0);
    assert_string_equal(sink_text(&s), ENTER_LINE);
    assert_int_equal(rf_scenario_writer_write(w, &exit_rec), 0);
    /* close reports the sink's error (and still frees: ASan would see a leak) */
    s.fail = codes[k];
    assert_int_equal(rf_scenario_writer_close(w), want[k]);
    assert_string_equal(sink_text(&s), ENTER_LINE);
    sink_free(&s);
  }

  /* A closing flush with nothing buffered does not call the sink. */
  sink s;
  rf_scenario_writer *w = new_writer(&s);
  s.fail = RF_EIO;
  assert_int_equal(rf_scenario_writer_close(w), 0);
  assert_int_equal(s.calls, 0);
  sink_free(&s);
}

/* Output goes to the sink in large pieces once enough is buffered; a failing sink makes the
 * write that triggers it fail, and the output stays made of whole lines. */
static void test_sink_large_output(void **state) {
  (void)state;
  enum { N = 5000 };
  char line[128];
  sink s;
  rf_scenario_writer *w = new_writer(&s);
  size_t expected_len = 0;
  for (int i = 0; i < N; ++i) {
    rf_record r = valid(RF_RECORD_SAMPLES);
    r.u.samples.t = (rf_time_us)i * 50000;
    assert_int_equal(rf_scenario_writer_write(w, &r), 0);
    expected_len += (size_t)snprintf(line, sizeof line,
                                     "{\"type\":\"samples\",\"plate\":\"G1S3P4\",\"t\":%d,"
                                     "\"dt_us\":16667,\"g\":[2210.4,2210.6,2210.5]}\n",
                                     i * 50000);
  }
  assert_true(s.calls > 1); /* handed over before the end */
  long calls = s.calls;
  assert_int_equal(rf_scenario_writer_close(w), 0);
  assert_true(s.calls == calls || s.calls == calls + 1);
  assert_int_equal(s.len, expected_len);
  const char *p = s.data;
  for (int i = 0; i < N; ++i) {
    int n = snprintf(line, sizeof line,
                     "{\"type\":\"samples\",\"plate\":\"G1S3P4\",\"t\":%d,"
                     "\"dt_us\":16667,\"g\":[2210.4,2210.6,2210.5]}\n",
                     i * 50000);
    assert_memory_equal(p, line, (size_t)n);
    p += n;
  }
  sink_free(&s);

  /* The sink fails: some write reports it. */
  w = new_writer(&s);
  s.fail = RF_EIO;
  int failed_at = -1;
  for (int i = 0; i < N && failed_at < 0; ++i) {
    rf_record r = valid(RF_RECORD_SAMPLES);
    r.u.samples.t = i;
    int rc = rf_scenario_writer_write(w, &r);
    if (rc != 0) {
      assert_int_equal(rc, RF_EIO);
      assert_true(contains(rf_scenario_writer_errmsg(w), "writing"));
      failed_at = i;
    }
  }
  assert_true(failed_at > 0);
  s.fail = 0;
  assert_int_equal(rf_scenario_writer_close(w), 0);
  /* Whole lines, in order, every record whose write succeeded, none twice. */
  p = s.data;
  int lines = 0;
  while (p != NULL && *p != '\0') {
    int n = snprintf(line, sizeof line,
                     "{\"type\":\"samples\",\"plate\":\"G1S3P4\",\"t\":%d,"
                     "\"dt_us\":16667,\"g\":[2210.4,2210.6,2210.5]}\n",
                     lines);
    assert_memory_equal(p, line, (size_t)n);
    p += n;
    lines++;
  }
  assert_true(lines == failed_at || lines == failed_at + 1);
  sink_free(&s);
}

static void test_file_writer(void **state) {
  (void)state;
  rf_scenario_writer *w = (rf_scenario_writer *)state;
  assert_int_equal(rf_scenario_writer_open(&w, "/nonexistent-dir-rf/out.jsonl", NULL), RF_EIO);
  assert_null(w);

  char path[] = "/tmp/rf_test_write_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);

  test_alloc ta;
  rf_allocator a = test_alloc_make(&ta, 1);
  assert_int_equal(rf_scenario_writer_open(&w, path, &a), RF_ENOMEM);
  assert_null(w);
  assert_int_equal(ta.live, 0);

  a = test_alloc_make(&ta, 0);
  assert_int_equal(rf_scenario_writer_open(&w, path, &a), 0);
  for (int t = 0; t < RF_RECORD_TYPE_COUNT; ++t) {
    rf_record r = valid((rf_record_type)t);
    assert_int_equal(rf_scenario_writer_write(w, &r), 0);
  }
  assert_int_equal(rf_scenario_writer_flush(w), 0);
  assert_int_equal(rf_scenario_writer_close(w), 0);
  assert_int_equal(ta.live, 0);

  rf_scenario_reader *r;
  assert_int_equal(rf_scenario_reader_open(&r, path, NULL, NULL), 0);
  rf_record rec;
  for (int t = 0; t < RF_RECORD_TYPE_COUNT; ++t) {
    int rc = rf_scenario_reader_next(r, &rec);
    if (rc != 0) fail_msg("%s", rf_scenario_reader_errmsg(r));
    rf_record want = valid((rf_record_type)t);
    assert_int_equal(rec.line, (uint64_t)t + 1);
    assert_record_equal(&want, &rec);
  }
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);

  /* The file is truncated when opened again. */
  assert_int_equal(rf_scenario_writer_open(&w, path, NULL), 0);
  rf_record one = valid(RF_RECORD_ENTER);
  assert_int_equal(rf_scenario_writer_write(w, &one), 0);
  assert_int_equal(rf_scenario_writer_close(w), 0);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  assert_string_equal(buf, ENTER_LINE);
  unlink(path);
}

/* ---- allocation failure ---- */

/* Writes one record of every type and a large samples record, with the k-th allocation failing,
 * for every k until a run has no failure: a failed write is RF_ENOMEM and writes nothing, the
 * others are written whole, and nothing leaks. */
static void test_alloc_failure(void **state) {
  (void)state;
  enum { BIG = 3000 };
  double *big = malloc(BIG * sizeof *big);
  assert_non_null(big);
  for (int i = 0; i < BIG; ++i) big[i] = 2210.0 + i / 8.0;
  rf_record recs[RF_RECORD_TYPE_COUNT + 2];
  size_t nrec = 0;
  for (int t = 0; t < RF_RECORD_TYPE_COUNT; ++t) recs[nrec++] = valid((rf_record_type)t);
  recs[nrec] = valid(RF_RECORD_SAMPLES);
  recs[nrec].u.samples.g = big;
  recs[nrec++].u.samples.count = BIG;
  recs[nrec++] = valid(RF_RECORD_ENTER);
  char *lines[RF_RECORD_TYPE_COUNT + 2];
  for (size_t i = 0; i < nrec; ++i) lines[i] = write_one(&recs[i]);

  int done = 0;
  for (long k = 1; k < 1000 && !done; ++k) {
    test_alloc ta;
    rf_allocator a = test_alloc_make(&ta, k);
    sink s;
    memset(&s, 0, sizeof s);
    rf_scenario_writer *w;
    int rc = rf_scenario_writer_new(&w, sink_write, &s, &a);
    if (rc != 0) {
      assert_int_equal(rc, RF_ENOMEM);
      assert_true(ta.failed);
      assert_null(w);
      assert_int_equal(ta.live, 0);
      continue;
    }
    size_t want_len = 0;
    char *want = malloc(1 << 16);
    assert_non_null(want);
    want[0] = '\0';
    for (size_t i = 0; i < nrec; ++i) {
      rc = rf_scenario_writer_write(w, &recs[i]);
      if (rc == RF_ENOMEM) {
        assert_true(ta.failed);
        assert_true(contains(rf_scenario_writer_errmsg(w), "out of memory"));
        continue;
      }
      assert_int_equal(rc, 0);
      size_t n = strlen(lines[i]);
      assert_true(want_len + n < (1 << 16));
      memcpy(want + want_len, lines[i], n + 1);
      want_len += n;
    }
    assert_int_equal(rf_scenario_writer_close(w), 0);
    assert_int_equal(ta.live, 0);
    assert_string_equal(sink_text(&s), want);
    if (!ta.failed) done = 1;
    free(want);
    sink_free(&s);
  }
  assert_true(done);
  for (size_t i = 0; i < nrec; ++i) free(lines[i]);
  free(big);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_output),
      cmocka_unit_test(test_type_names),
      cmocka_unit_test(test_number_format),
      cmocka_unit_test(test_double_round_trip),
      cmocka_unit_test(test_string_escaping),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_restock_round_trip),
      cmocka_unit_test(test_camera_zone_round_trip),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_camera_zone_refusal_messages),
      cmocka_unit_test(test_review_explain_refusal_messages),
      cmocka_unit_test(test_review_explain_round_trip),
      cmocka_unit_test(test_edges_accepted),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_sink_errors),
      cmocka_unit_test(test_sink_large_output),
      cmocka_unit_test(test_file_writer),
      cmocka_unit_test(test_alloc_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
