/* The host loop (host.h): records checked, the store built, the method started at the first event
 * with the parameters set on the host by name, events pushed, output counted and handed on. The
 * host must give exactly what the engine (or the baseline) gives when driven directly; a refused
 * record changes nothing; parameters are looked up by name and fixed once the method started;
 * LATENESS_S reaches the checker too; allocation failure at every point is clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/engine.h"
#include "retailfuse/greedy.h"
#include "retailfuse/host.h"
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"
#include "test_alloc.h"
#include "test_records.h"
#include "test_sink.h"

#define SEC 1000000LL
#define MS 1000LL

#define SMALL_PATH RF_TEST_DATA_DIR "/../../examples/small.jsonl"

/* ---- input ----------------------------------------------------------------------------------- */

/* examples/small.jsonl, read once: 28 records, the store description (12) then 16 events —
 * 3 enters, a link, a position, 4 deltas, 4 hand visits (one anonymous) and 3 exits. */
static char *g_small;

static const char *small_text(void) {
  if (g_small != NULL) return g_small;
  FILE *f = fopen(SMALL_PATH, "rb");
  if (f == NULL) fail_msg("cannot open %s", SMALL_PATH);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  assert_true(n > 0);
  assert_int_equal(fseek(f, 0, SEEK_SET), 0);
  g_small = malloc((size_t)n + 1);
  assert_non_null(g_small);
  assert_int_equal(fread(g_small, 1, (size_t)n, f), (size_t)n);
  g_small[n] = '\0';
  fclose(f);
  return g_small;
}

/* A few lines after the store description of small.jsonl: the same store, other events. */
static char *store_only_text(void) {
  static char buf[8192];
  const char *s = small_text();
  const char *first_event = strstr(s, "{\"type\":\"enter\"");
  assert_non_null(first_event);
  size_t n = (size_t)(first_event - s);
  assert_true(n < sizeof buf);
  memcpy(buf, s, n);
  buf[n] = '\0';
  return buf;
}

static int is_event(const rf_record *r) {
  return r->type >= RF_RECORD_ENTER && r->type <= RF_RECORD_HAND;
}

/* ---- runs ------------------------------------------------------------------------------------ */

typedef struct setting {
  const char *name;
  double value;
} setting;

/* The host over `text` with these settings; every record must be taken. */
static void run_host(rf_method method, const setting *set, size_t n_set, const char *text,
                     sink *out, rf_host_counts *counts) {
  memset(out, 0, sizeof *out);
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, method, NULL), RF_OK);
  assert_non_null(h);
  assert_string_equal(rf_host_errmsg(h), "");
  for (size_t i = 0; i < n_set; ++i) {
    int rc = rf_host_param_set(h, set[i].name, set[i].value);
    if (rc != RF_OK) fail_msg("%s: %s: %s", set[i].name, rf_err_name(rc), rf_host_errmsg(h));
  }
  rf_host_set_output(h, sink_collect, out);
  rf_scenario_reader *rd = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  int rc;
  while ((rc = rf_scenario_reader_next(rd, &r)) == RF_OK) {
    int prc = rf_host_push(h, &r);
    if (prc != RF_OK)
      fail_msg("line %llu: %s: %s", (unsigned long long)r.line, rf_err_name(prc),
               rf_host_errmsg(h));
    assert_string_equal(rf_host_errmsg(h), "");
  }
  assert_int_equal(rc, RF_ITEROVER);
  rf_scenario_reader_free(rd);
  assert_int_equal(rf_host_finish(h), RF_OK);
  if (counts) rf_host_get_counts(h, counts);
  rf_host_free(h);
}

/* The same by hand: the store built from the store records, the engine (or baseline) made at the
 * first event with the parameters set by number, every event pushed, finished. */
typedef struct direct_param {
  int param;
  double value;
} direct_param;

static void run_direct(rf_method method, const direct_param *set, size_t n_set, const char *text,
                       sink *out) {
  memset(out, 0, sizeof *out);
  rf_store_builder *b = NULL;
  assert_int_equal(rf_store_builder_new(&b, NULL), RF_OK);
  rf_store *store = NULL;
  rf_engine *e = NULL;
  rf_greedy *g = NULL;
  rf_scenario_reader *rd = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  int rc;
  while ((rc = rf_scenario_reader_next(rd, &r)) == RF_OK) {
    switch (r.type) {
      case RF_RECORD_PRODUCT:
        assert_int_equal(rf_store_builder_add_product(b, &r.u.product), 0);
        continue;
      case RF_RECORD_SHELF:
        assert_int_equal(rf_store_builder_add_shelf(b, &r.u.shelf), 0);
        continue;
      case RF_RECORD_FACING:
        assert_int_equal(rf_store_builder_add_facing(b, &r.u.facing), 0);
        continue;
      default: break;
    }
    if (!is_event(&r)) continue;
    if (store == NULL) {
      assert_int_equal(rf_store_builder_finish(b, &store), RF_OK);
      if (method == RF_METHOD_FUSED) {
        assert_int_equal(rf_engine_new(&e, store, NULL), RF_OK);
        rf_engine_set_output(e, sink_collect, out);
        for (size_t i = 0; i < n_set; ++i)
          assert_int_equal(rf_engine_param_set(e, (rf_engine_param)set[i].param, set[i].value), 0);
      } else {
        assert_int_equal(rf_greedy_new(&g, store, NULL), RF_OK);
        rf_greedy_set_output(g, sink_collect, out);
        for (size_t i = 0; i < n_set; ++i)
          assert_int_equal(rf_greedy_param_set(g, (rf_greedy_param)set[i].param, set[i].value), 0);
      }
    }
    int prc = method == RF_METHOD_FUSED ? rf_engine_push(e, &r) : rf_greedy_push(g, &r);
    assert_int_equal(prc, RF_OK);
  }
  assert_int_equal(rc, RF_ITEROVER);
  rf_scenario_reader_free(rd);
  if (method == RF_METHOD_FUSED) assert_int_equal(rf_engine_finish(e), RF_OK);
  else assert_int_equal(rf_greedy_finish(g), RF_OK);
  rf_engine_free(e);
  rf_greedy_free(g);
  rf_store_free(store);
  rf_store_builder_free(b);
}

/* The two outputs agree record by record, field by field (conf bit for bit). */
static void assert_same_output(const sink *a, const sink *b) {
  assert_int_equal(a->count, b->count);
  for (size_t i = 0; i < a->count; ++i) {
    const out_rec *p = &a->rec[i], *q = &b->rec[i];
    assert_int_equal(p->type, q->type);
    assert_int_equal(p->seq, q->seq);
    assert_int_equal(p->t, q->t);
    assert_int_equal(p->has_t, q->has_t);
    assert_string_equal(p->shopper, q->shopper);
    assert_int_equal(p->shopper_hash, q->shopper_hash);
    assert_string_equal(p->sku, q->sku);
    assert_int_equal(p->qty, q->qty);
    assert_memory_equal(&p->conf, &q->conf, sizeof p->conf);
    assert_int_equal(p->review, q->review);
    assert_int_equal(p->event, q->event);
    assert_int_equal(p->has_corrects, q->has_corrects);
    assert_int_equal(p->corrects, q->corrects);
    assert_int_equal(p->item_count, q->item_count);
    for (size_t k = 0; k < p->item_count; ++k) {
      assert_string_equal(p->items[k].sku, q->items[k].sku);
      assert_int_equal(p->items[k].qty, q->items[k].qty);
    }
  }
  assert_memory_equal(a->rec, b->rec, a->count * sizeof a->rec[0]);
}

static size_t count_type(const sink *s, rf_record_type type) {
  size_t n = 0;
  for (size_t i = 0; i < s->count; ++i) n += s->rec[i].type == type;
  return n;
}

static size_t count_review(const sink *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->count; ++i) n += s->rec[i].type == RF_RECORD_DIFF && s->rec[i].review;
  return n;
}

static void assert_counts(const rf_host_counts *c, const sink *out) {
  assert_int_equal(c->records, 28);
  assert_int_equal(c->events, 16);
  assert_int_equal(c->deltas, 4);
  assert_int_equal(c->hands, 4);
  assert_int_equal(c->diffs, count_type(out, RF_RECORD_DIFF));
  assert_int_equal(c->receipts, count_type(out, RF_RECORD_RECEIPT));
}

/* ==== the host gives what the method gives ==================================================== */

static void test_fused_equals_the_engine_driven_directly(void **state) {
  (void)state;
  static sink via_host, direct;
  rf_host_counts c;
  run_host(RF_METHOD_FUSED, NULL, 0, small_text(), &via_host, &c);
  run_direct(RF_METHOD_FUSED, NULL, 0, small_text(), &direct);
  assert_true(count_type(&direct, RF_RECORD_DIFF) >= 3);
  assert_int_equal(count_type(&direct, RF_RECORD_RECEIPT), 2); /* S1's cart, S2's (with S3) */
  assert_same_output(&via_host, &direct);
  assert_counts(&c, &via_host);
}

static void test_greedy_equals_the_baseline_driven_directly(void **state) {
  (void)state;
  static sink via_host, direct, fused;
  rf_host_counts c;
  run_host(RF_METHOD_GREEDY, NULL, 0, small_text(), &via_host, &c);
  run_direct(RF_METHOD_GREEDY, NULL, 0, small_text(), &direct);
  assert_true(count_type(&direct, RF_RECORD_DIFF) >= 1);
  assert_int_equal(count_type(&direct, RF_RECORD_RECEIPT), 2);
  for (size_t i = 0; i < direct.count; ++i)
    if (direct.rec[i].type == RF_RECORD_DIFF) assert_true(direct.rec[i].conf == 1.0);
  assert_same_output(&via_host, &direct);
  assert_counts(&c, &via_host);
  /* The method chosen is the method run. */
  run_host(RF_METHOD_FUSED, NULL, 0, small_text(), &fused, NULL);
  int differ = fused.count != via_host.count ||
               memcmp(fused.rec, via_host.rec, fused.count * sizeof fused.rec[0]) != 0;
  assert_true(differ);
}

/* small.jsonl with two cameras and three zones among its store records, as a store that has
 * cameras describes them (the last zone overlapping the first, of another camera). */
static const char *small_with_cameras(void) {
  static char buf[16384];
  const char *s = small_text();
  const char *facings = strstr(s, "{\"type\":\"facing\"");
  const char *first_event = strstr(s, "{\"type\":\"enter\"");
  assert_non_null(facings);
  assert_non_null(first_event);
  int n = snprintf(buf, sizeof buf, "%.*s%s%.*s%s%s%s", (int)(facings - s), s,
                   "{\"type\":\"camera\",\"camera\":\"C1\",\"width\":640,\"height\":480,\"fps\":30,"
                   "\"t0\":0}\n"
                   "{\"type\":\"zone\",\"camera\":\"C1\",\"shelf\":\"G1S1\",\"px\":[0,40,600,200],"
                   "\"front\":\"bottom\",\"shelf_x\":[0,0.4064]}\n",
                   (int)(first_event - facings), facings,
                   "{\"type\":\"zone\",\"camera\":\"C1\",\"shelf\":\"G1S2\",\"px\":[0,260,600,420],"
                   "\"front\":\"bottom\",\"shelf_x\":[0,0.4064]}\n",
                   "{\"type\":\"camera\",\"camera\":\"C2\",\"width\":1920,\"height\":1080,"
                   "\"fps\":29.97}\n"
                   "{\"type\":\"zone\",\"camera\":\"C2\",\"shelf\":\"G1S1\",\"px\":[0,0,1920,300],"
                   "\"front\":\"top\",\"shelf_x\":[0.4064,0]}\n",
                   first_event);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  return buf;
}

/* Cameras and zones are the zone detector's: a scenario with them runs as one without them, for
 * either method, and they are counted as records taken. */
static void test_cameras_and_zones_change_nothing(void **state) {
  (void)state;
  static sink plain, with, direct;
  for (int m = 0; m < 2; ++m) {
    rf_method method = m == 0 ? RF_METHOD_FUSED : RF_METHOD_GREEDY;
    rf_host_counts pc, wc;
    run_host(method, NULL, 0, small_text(), &plain, &pc);
    run_host(method, NULL, 0, small_with_cameras(), &with, &wc);
    run_direct(method, NULL, 0, small_text(), &direct);
    assert_true(count_type(&with, RF_RECORD_DIFF) >= 1);
    assert_int_equal(count_type(&with, RF_RECORD_RECEIPT), 2);
    assert_same_output(&with, &plain);
    assert_same_output(&with, &direct);
    assert_int_equal(wc.records, pc.records + 5);
    assert_int_equal(wc.events, 16);
    assert_int_equal(wc.set_aside, 0);
    wc.records = pc.records;
    assert_memory_equal(&wc, &pc, sizeof wc);
  }
}

/* A camera or zone after the first event is set aside as any store record there is: invalid,
 * named by its line, changing nothing. */
static void test_late_camera_set_aside(void **state) {
  (void)state;
  static sink clean, out;
  run_host(RF_METHOD_FUSED, NULL, 0, small_text(), &clean, NULL);
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  memset(&out, 0, sizeof out);
  rf_host_set_output(h, sink_collect, &out);
  rf_scenario_reader *rd = NULL;
  const char *text = small_text();
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r, camera = {.type = RF_RECORD_CAMERA, .line = 99};
  camera.u.camera = (rf_camera_rec){"C1", 640, 480, 30, 0};
  rf_record zone = {.type = RF_RECORD_ZONE, .line = 100};
  zone.u.zone = (rf_zone_rec){"C1", "G1S1", 0, 0, 640, 480, RF_FRONT_BOTTOM, 0, 0.4064};
  while (rf_scenario_reader_next(rd, &r) == RF_OK) {
    assert_int_equal(rf_host_push(h, &r), RF_OK);
    if (r.line != 20) continue;
    assert_int_equal(rf_host_push(h, &camera), RF_SETASIDE);
    assert_int_equal(rf_host_setaside_reason(h), RF_HOST_INVALID);
    assert_string_equal(rf_host_errmsg(h),
                        "line 99: camera: the store description must come before the first event");
    assert_int_equal(rf_host_push(h, &zone), RF_SETASIDE);
    assert_int_equal(rf_host_setaside_reason(h), RF_HOST_INVALID);
    assert_string_equal(rf_host_errmsg(h),
                        "line 100: zone: the store description must come before the first event");
  }
  rf_scenario_reader_free(rd);
  assert_int_equal(rf_host_finish(h), RF_OK);
  rf_host_counts c;
  rf_host_get_counts(h, &c);
  assert_int_equal(c.set_aside, 2);
  assert_int_equal(c.by_reason[RF_HOST_INVALID], 2);
  assert_int_equal(c.records, 28);
  rf_host_free(h);
  assert_same_output(&out, &clean);
}

/* ==== parameters by name ====================================================================== */

/* REVIEW_BELOW = 0.99 by name reaches the engine: more diffs are flagged, and the output is the
 * engine's with the same parameter set by number. */
static void test_param_by_name_reaches_the_engine(void **state) {
  (void)state;
  static sink plain, tuned, direct;
  run_host(RF_METHOD_FUSED, NULL, 0, small_text(), &plain, NULL);
  const setting set[] = {{"REVIEW_BELOW", 0.99}};
  run_host(RF_METHOD_FUSED, set, 1, small_text(), &tuned, NULL);
  const direct_param dset[] = {{RF_PARAM_REVIEW_BELOW, 0.99}};
  run_direct(RF_METHOD_FUSED, dset, 1, small_text(), &direct);
  assert_same_output(&tuned, &direct);
  assert_true(count_review(&tuned) > count_review(&plain));

  /* Several, and the last of one name wins: WAIT_S moves when decisions come. */
  const setting set2[] = {{"WAIT_S", 3.0}, {"REVIEW_BELOW", 0.5}, {"WAIT_S", 1.0}};
  run_host(RF_METHOD_FUSED, set2, 3, small_text(), &tuned, NULL);
  const direct_param dset2[] = {{RF_PARAM_WAIT_S, 1.0}, {RF_PARAM_REVIEW_BELOW, 0.5}};
  run_direct(RF_METHOD_FUSED, dset2, 2, small_text(), &direct);
  assert_same_output(&tuned, &direct);
}

/* MAX_GAP_S by name reaches the baseline: with 0 s no hand is near enough and no diff is made. */
static void test_param_by_name_reaches_the_baseline(void **state) {
  (void)state;
  static sink tuned, direct;
  const setting set[] = {{"MAX_GAP_S", 0.0}};
  run_host(RF_METHOD_GREEDY, set, 1, small_text(), &tuned, NULL);
  const direct_param dset[] = {{RF_GREEDY_MAX_GAP_S, 0.0}};
  run_direct(RF_METHOD_GREEDY, dset, 1, small_text(), &direct);
  assert_same_output(&tuned, &direct);
  const setting set2[] = {{"LATENESS_S", 5.0}, {"MAX_GAP_S", 1.0}};
  run_host(RF_METHOD_GREEDY, set2, 2, small_text(), &tuned, NULL);
  const direct_param dset2[] = {{RF_GREEDY_LATENESS_S, 5.0}, {RF_GREEDY_MAX_GAP_S, 1.0}};
  run_direct(RF_METHOD_GREEDY, dset2, 2, small_text(), &direct);
  assert_same_output(&tuned, &direct);
}

/* Unknown names (the other method's, wrong case, empty), values out of range or not finite, and
 * any setting once the method started; none of them changes the run. */
static void test_param_refusals(void **state) {
  (void)state;
  static sink plain, out;
  run_host(RF_METHOD_FUSED, NULL, 0, small_text(), &plain, NULL);

  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  const char *unknown[] = {"wait_s", "WAIT", "", "WAIT_S ", "SETTLE_S"};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
    assert_int_equal(rf_host_param_set(h, unknown[i], 1.0), RF_ENOTFOUND);
    assert_string_not_equal(rf_host_errmsg(h), "");
  }
  assert_int_equal(rf_host_param_set(h, NULL, 1.0), RF_EINVAL);
  assert_int_equal(rf_host_param_set(NULL, "WAIT_S", 1.0), RF_EINVAL);
  const double bad[] = {-1.0, 120.000001, 500.0, NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    assert_int_equal(rf_host_param_set(h, "WAIT_S", bad[i]), RF_ERANGE);
    assert_non_null(strstr(rf_host_errmsg(h), "WAIT_S"));
  }
  assert_int_equal(rf_host_param_set(h, "REVIEW_BELOW", 1.5), RF_ERANGE);
  assert_int_equal(rf_host_param_set(h, "LOADCELL_MIN_STEP_G", 0.0), RF_ERANGE);
  assert_int_equal(rf_host_param_set(h, "LATENESS_S", 61.0), RF_ERANGE);
  /* The engine's load-cell parameters are its own, by name. */
  assert_int_equal(rf_host_param_set(h, "LOADCELL_MIN_STEP_G", 5.0), RF_OK);
  assert_string_equal(rf_host_errmsg(h), "");
  assert_int_equal(rf_host_param_set(h, "REVIEW_BELOW", 0.8), RF_OK);

  rf_host_set_output(h, sink_collect, &out);
  memset(&out, 0, sizeof out);
  rf_scenario_reader *rd = NULL;
  const char *text = small_text();
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  int first_event = 1;
  while (rf_scenario_reader_next(rd, &r) == RF_OK) {
    /* The store description does not start the method: parameters may still be set. */
    if (!is_event(&r)) assert_int_equal(rf_host_param_set(h, "WAIT_S", 7.0), RF_OK);
    assert_int_equal(rf_host_push(h, &r), RF_OK);
    if (is_event(&r) && first_event) {
      first_event = 0;
      assert_int_equal(rf_host_param_set(h, "WAIT_S", 1.0), RF_EMISUSE);
      assert_non_null(strstr(rf_host_errmsg(h), "WAIT_S"));
      assert_int_equal(rf_host_param_set(h, "LATENESS_S", 10.0), RF_EMISUSE);
      assert_int_equal(rf_host_param_set(h, "LOADCELL_SETTLE_S", 1.0), RF_EMISUSE);
    }
  }
  rf_scenario_reader_free(rd);
  assert_int_equal(rf_host_finish(h), RF_OK);
  rf_host_free(h);
  assert_same_output(&out, &plain);

  /* The baseline has its own table: the engine's names are unknown to it. */
  assert_int_equal(rf_host_new(&h, RF_METHOD_GREEDY, NULL), RF_OK);
  assert_int_equal(rf_host_param_set(h, "REVIEW_BELOW", 0.99), RF_ENOTFOUND);
  assert_int_equal(rf_host_param_set(h, "WAIT_S", 1.0), RF_ENOTFOUND);
  assert_int_equal(rf_host_param_set(h, "LOADCELL_MIN_STEP_G", 10.0), RF_ENOTFOUND);
  assert_int_equal(rf_host_param_set(h, "MAX_GAP_S", -1.0), RF_ERANGE);
  assert_int_equal(rf_host_param_set(h, "MAX_GAP_S", 601.0), RF_ERANGE);
  assert_int_equal(rf_host_param_set(h, "LATENESS_S", NAN), RF_ERANGE);
  assert_int_equal(rf_host_param_set(h, "MAX_GAP_S", 10.0), RF_OK);
  rf_host_free(h);
}

/* ==== lateness ================================================================================ */

/* The store description followed by `events`, into text (which must be big enough). */
static void with_store(char *text, size_t cap, const char *events) {
  int n = snprintf(text, cap, "%s%s", store_only_text(), events);
  assert_true(n > 0 && (size_t)n < cap);
}

/* A hand record far behind the clock: the tracker at 16 s made the silent shelves stale, so the
 * clock is the tracker's (16 - 2 s), and the hand ending at 4.5 s is 9.5 s behind it. The engine
 * sets it aside at the default lateness of 5 s (the line named) and takes it with LATENESS_S =
 * 10; WAIT_S = 12 keeps the change it explains undecided until then. */
static void late_hand_run(const setting *set, size_t n_set, int want_rc, sink *out) {
  char text[8192];
  with_store(text, sizeof text,
             "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
             "{\"type\":\"delta\",\"shelf\":\"G1S2\",\"t0\":4000000,\"t1\":4500000,"
             "\"plates\":{\"G1S2P1\":-52.7}}\n"
             "{\"type\":\"position\",\"t\":16000000,\"shopper\":\"S1\",\"x\":1.1,\"y\":0.4}\n"
             "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"G1S2\",\"t0\":3900000,"
             "\"t1\":4500000,\"x\":0.05}\n"
             "{\"type\":\"exit\",\"t\":30000000,\"shopper\":\"S1\"}\n");
  memset(out, 0, sizeof *out);
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  assert_int_equal(rf_host_param_set(h, "WAIT_S", 12.0), RF_OK);
  for (size_t i = 0; i < n_set; ++i)
    assert_int_equal(rf_host_param_set(h, set[i].name, set[i].value), RF_OK);
  rf_host_set_output(h, sink_collect, out);
  rf_scenario_reader *rd = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  while (rf_scenario_reader_next(rd, &r) == RF_OK) {
    int rc = rf_host_push(h, &r);
    if (r.type == RF_RECORD_HAND) {
      assert_int_equal(rc, want_rc);
      if (want_rc != RF_OK) {
        char want[160];
        snprintf(want, sizeof want,
                 "line %llu: hand at 4.500000 s is more than 5.000 s behind the clock "
                 "(14.000000 s)",
                 (unsigned long long)r.line);
        assert_string_equal(rf_host_errmsg(h), want);
        assert_int_equal(rf_host_setaside_reason(h), RF_SETASIDE_LATE);
        rf_host_counts c;
        rf_host_get_counts(h, &c);
        assert_int_equal(c.hands, 0);
        assert_int_equal(c.by_reason[RF_SETASIDE_LATE], 1);
      }
    } else {
      assert_int_equal(rc, RF_OK);
    }
  }
  rf_scenario_reader_free(rd);
  assert_int_equal(rf_host_finish(h), RF_OK);
  rf_host_counts c;
  rf_host_get_counts(h, &c);
  assert_int_equal(c.hands, want_rc == RF_OK);
  assert_int_equal(c.set_aside, want_rc != RF_OK);
  rf_host_free(h);
}

static void test_lateness_reaches_the_engine(void **state) {
  (void)state;
  static sink refused, taken;
  late_hand_run(NULL, 0, RF_SETASIDE, &refused);
  const setting set[] = {{"LATENESS_S", 10.0}};
  late_hand_run(set, 1, RF_OK, &taken);
  /* Without the hand the chocolate bar is only a doubtful guess; with it, S1's for sure. */
  size_t i;
  for (i = 0; i < taken.count; ++i)
    if (taken.rec[i].type == RF_RECORD_DIFF) break;
  assert_true(i < taken.count);
  assert_string_equal(taken.rec[i].shopper, "S1");
  assert_string_equal(taken.rec[i].sku, "040000004325");
  assert_int_equal(taken.rec[i].qty, 1);
  assert_true(taken.count != refused.count ||
              memcmp(taken.rec, refused.rec, taken.count * sizeof taken.rec[0]) != 0);
}

/* ==== refusals ================================================================================ */

/* small.jsonl with bad records in between: each is set aside (its reason, the line named), the
 * other counts do not move, and the run's output and counts are those of the clean run, with
 * every bad record counted as set aside. */
typedef struct bad_record {
  rf_record rec;
  int reason;
  uint64_t from, to; /* the lines after which it is wrong in one way only */
  int fused;         /* 0: the baseline only (the engine uses a stray hand as anonymous) */
} bad_record;

static void push_bad_records(rf_host *h, const rf_record *r, bad_record *bad, size_t n,
                             const sink *out, int method, int *n_bad) {
  for (size_t i = 0; i < n; ++i) {
    if ((r->line + i) % 2 != 0) continue; /* a few a line, all of them over the run */
    if (r->line < bad[i].from || r->line > bad[i].to) continue;
    if (method == RF_METHOD_FUSED && !bad[i].fused) continue;
    rf_host_counts before, after;
    rf_host_get_counts(h, &before);
    size_t out_before = out->count;
    /* Each one a microsecond apart from its last: the same record again would be a duplicate. */
    rf_record one = bad[i].rec;
    one.line = 1000 + r->line;
    if (one.type == RF_RECORD_HAND)
      one.u.hand.t0 += (rf_time_us)r->line, one.u.hand.t1 += (rf_time_us)r->line;
    if (one.type == RF_RECORD_DELTA)
      one.u.delta.t0 += (rf_time_us)r->line, one.u.delta.t1 += (rf_time_us)r->line;
    if (one.type == RF_RECORD_ENTER) one.u.enter.t += (rf_time_us)r->line;
    int rc = rf_host_push(h, &one);
    if (rc != RF_SETASIDE || rf_host_setaside_reason(h) != bad[i].reason)
      fail_msg("bad record %zu after line %llu: %s (%s)", i, (unsigned long long)r->line,
               rf_err_name(rc), rf_host_errmsg(h));
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %llu: ", (unsigned long long)(1000 + r->line));
    assert_true(strncmp(rf_host_errmsg(h), prefix, strlen(prefix)) == 0);
    rf_host_get_counts(h, &after);
    before.set_aside++;
    before.by_reason[bad[i].reason]++;
    assert_memory_equal(&before, &after, sizeof before);
    assert_int_equal(out->count, out_before);
    (*n_bad)++;
  }
}

static void test_refused_record_changes_nothing(void **state) {
  (void)state;
  for (int m = 0; m < 2; ++m) {
    rf_method method = m == 0 ? RF_METHOD_FUSED : RF_METHOD_GREEDY;
    static sink clean, out;
    rf_host_counts clean_counts;
    run_host(method, NULL, 0, small_text(), &clean, &clean_counts);

    rf_host *h = NULL;
    assert_int_equal(rf_host_new(&h, method, NULL), RF_OK);
    memset(&out, 0, sizeof out);
    rf_host_set_output(h, sink_collect, &out);
    rf_scenario_reader *rd = NULL;
    const char *text = small_text();
    assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
    rf_record r;
    int n_bad = 0;
    rf_plate_delta p = {"G1S1P1", -540.0}, q = {"NOPE", -540.0};
    /* Each wrong in one way only: later than every record (but the late one), naming S1 only
     * while S1 is in the store (it leaves on line 26), late only once the clock is past 5 s (the
     * engine's, from line 24; the checker's, by the shelves' 1 s, from line 18). */
    bad_record bad[] = {
        {hand("Z", "G1S1", 50 * SEC, 51 * SEC), RF_SETASIDE_UNKNOWN_SHOPPER, 0, 99, 0},
        {hand("S1", "NOPE", 50 * SEC, 51 * SEC), RF_SETASIDE_UNKNOWN_SHELF, 0, 25, 1},
        {delta("G1S1", 50 * SEC, 51 * SEC, &q, 1), RF_SETASIDE_UNKNOWN_PLATE, 0, 99, 1},
        {enter(50 * SEC, "S1"), RF_SETASIDE_ALREADY_IN, 0, 25, 1},
        {delta("G1S1", 0, 1, &p, 1), RF_SETASIDE_LATE, 24, 99, 1},
    };
    if (method == RF_METHOD_GREEDY) bad[2].reason = RF_SETASIDE_UNKNOWN_SHELF; /* the checker's */
    while (rf_scenario_reader_next(rd, &r) == RF_OK) {
      assert_int_equal(rf_host_push(h, &r), RF_OK);
      if (r.line < 14) continue; /* after the enter of S1 */
      push_bad_records(h, &r, bad, sizeof bad / sizeof bad[0], &out, method, &n_bad);
    }
    rf_scenario_reader_free(rd);
    assert_true(n_bad >= 10);
    assert_int_equal(rf_host_finish(h), RF_OK);
    assert_string_equal(rf_host_errmsg(h), "");
    rf_host_counts c;
    rf_host_get_counts(h, &c);
    assert_int_equal(c.set_aside, (uint64_t)n_bad);
    c.set_aside = 0;
    memset(c.by_reason, 0, sizeof c.by_reason);
    assert_memory_equal(&c, &clean_counts, sizeof c);
    rf_host_free(h);
    assert_same_output(&out, &clean);
  }
}

/* The method's own refusal comes back with its code, the line named: the baseline takes no
 * samples. The record changes nothing and the next is taken. */
static void test_method_refusal_names_the_line(void **state) {
  (void)state;
  static sink out;
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_GREEDY, NULL), RF_OK);
  memset(&out, 0, sizeof out);
  rf_host_set_output(h, sink_collect, &out);
  char text[8192];
  with_store(text, sizeof text,
             "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
             "{\"type\":\"samples\",\"plate\":\"G1S1P1\",\"t\":1000000,\"dt_us\":16667,"
             "\"g\":[1000,1000.1,1000]}\n"
             "{\"type\":\"exit\",\"t\":2000000,\"shopper\":\"S1\"}\n");
  rf_scenario_reader *rd = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  while (rf_scenario_reader_next(rd, &r) == RF_OK) {
    int rc = rf_host_push(h, &r);
    if (r.type == RF_RECORD_SAMPLES) {
      assert_int_equal(rc, RF_SETASIDE);
      assert_int_equal(rf_host_setaside_reason(h), RF_HOST_INVALID);
      char want[128];
      snprintf(want, sizeof want, "line %llu: the greedy baseline needs delta records, not samples",
               (unsigned long long)r.line);
      assert_string_equal(rf_host_errmsg(h), want);
    } else {
      assert_int_equal(rc, RF_OK);
      assert_string_equal(rf_host_errmsg(h), "");
    }
  }
  rf_scenario_reader_free(rd);
  assert_int_equal(rf_host_finish(h), RF_OK);
  assert_int_equal(out.count, 1);
  assert_int_equal(out.rec[0].type, RF_RECORD_RECEIPT);
  assert_string_equal(out.rec[0].shopper, "S1");
  assert_int_equal(out.rec[0].item_count, 0);
  rf_host_free(h);
}

/* Whether a call's rc is the complaint `want` (its message containing `says`); else it is 0. */
static int complained(const rf_host *h, int rc, int want, const char *says) {
  assert_true(rc == RF_OK || rc == want);
  if (rc == want) assert_non_null(strstr(rf_host_errmsg(h), says));
  return rc == want;
}

/* small.jsonl through a host whose output callback returns `fail_with` for every record: each
 * push returns 0 or `want` (the message containing `says`); how many returned `want`. */
static int run_complaining(int fail_with, int want, const char *says, rf_host_counts *counts) {
  static sink out;
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  memset(&out, 0, sizeof out);
  out.fail_with = fail_with;
  rf_host_set_output(h, sink_collect, &out);
  rf_scenario_reader *rd = NULL;
  const char *text = small_text();
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  int complaints = 0;
  while (rf_scenario_reader_next(rd, &r) == RF_OK)
    complaints += complained(h, rf_host_push(h, &r), want, says);
  complaints += complained(h, rf_host_finish(h), want, says);
  rf_scenario_reader_free(rd);
  rf_host_get_counts(h, counts);
  rf_host_free(h);
  return complaints;
}

/* An output callback's complaint comes back from the call that made the record. */
static void test_output_complaint_passed_back(void **state) {
  (void)state;
  rf_host_counts c;
  assert_true(run_complaining(77, 77, "the output callback returned 77", &c) >= 1);
}

/* A callback returning 1 must not read as a record set aside (RF_SETASIDE is 1): the host says
 * what happened instead of counting a set-aside record with no reason. */
static void test_callback_returning_one(void **state) {
  (void)state;
  rf_host_counts c;
  assert_true(run_complaining(1, RF_EINVAL, "the output callback returned 1", &c) >= 1);
  assert_int_equal(c.set_aside, 0);
}

/* ==== edges =================================================================================== */

/* No event: finish emits nothing and returns 0, with or without a store, with or without an
 * output; the store is not there until the first event. */
static void test_finish_without_events(void **state) {
  (void)state;
  for (int m = 0; m < 2; ++m) {
    rf_method method = m == 0 ? RF_METHOD_FUSED : RF_METHOD_GREEDY;
    rf_host *h = NULL;
    assert_int_equal(rf_host_new(&h, method, NULL), RF_OK);
    assert_null(rf_host_store(h));
    assert_int_equal(rf_host_finish(h), RF_OK);
    rf_host_free(h);

    static sink out;
    memset(&out, 0, sizeof out);
    assert_int_equal(rf_host_new(&h, method, NULL), RF_OK);
    rf_host_set_output(h, sink_collect, &out);
    rf_scenario_reader *rd = NULL;
    const char *text = store_only_text();
    assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
    rf_record r;
    while (rf_scenario_reader_next(rd, &r) == RF_OK) assert_int_equal(rf_host_push(h, &r), RF_OK);
    rf_scenario_reader_free(rd);
    assert_null(rf_host_store(h));
    assert_int_equal(rf_host_finish(h), RF_OK);
    assert_string_equal(rf_host_errmsg(h), "");
    assert_int_equal(out.count, 0);
    rf_host_counts c;
    rf_host_get_counts(h, &c);
    assert_int_equal(c.records, 12);
    assert_int_equal(c.events + c.deltas + c.hands + c.diffs + c.receipts, 0);
    /* Parameters are still open. */
    assert_int_equal(rf_host_param_set(h, "LATENESS_S", 3.0), RF_OK);
    rf_host_free(h);
  }
}

/* The store the host built, from the first event on. */
static void test_store(void **state) {
  (void)state;
  static sink out;
  memset(&out, 0, sizeof out);
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  rf_host_set_output(h, sink_collect, &out);
  rf_scenario_reader *rd = NULL;
  const char *text = small_text();
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  while (rf_scenario_reader_next(rd, &r) == RF_OK) {
    if (!is_event(&r)) assert_null(rf_host_store(h));
    assert_int_equal(rf_host_push(h, &r), RF_OK);
  }
  rf_scenario_reader_free(rd);
  const rf_store *s = rf_host_store(h);
  assert_non_null(s);
  assert_int_equal(rf_store_product_count(s), 5);
  assert_int_equal(rf_store_shelf_count(s), 2);
  assert_int_equal(rf_store_plate_count(s), 8);
  assert_int_equal(rf_store_facing_count(s), 5);
  assert_int_equal(rf_host_finish(h), RF_OK);
  rf_host_free(h);
}

static void test_arguments(void **state) {
  (void)state;
  rf_host *h = (rf_host *)0x1;
  assert_int_equal(rf_host_new(NULL, RF_METHOD_FUSED, NULL), RF_EINVAL);
  assert_int_equal(rf_host_new(&h, (rf_method)2, NULL), RF_EINVAL);
  assert_null(h);
  h = (rf_host *)0x1;
  assert_int_equal(rf_host_new(&h, (rf_method)-1, NULL), RF_EINVAL);
  assert_null(h);
  test_alloc st;
  rf_allocator half = test_alloc_make(&st, 0);
  half.malloc_fn = NULL;
  h = (rf_host *)0x1;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, &half), RF_EINVAL);
  assert_null(h);
  assert_int_equal(st.calls, 0);

  rf_record r = enter(0, "S1");
  assert_int_equal(rf_host_push(NULL, &r), RF_EINVAL);
  assert_int_equal(rf_host_finish(NULL), RF_EINVAL);
  assert_string_equal(rf_host_errmsg(NULL), "");
  assert_null(rf_host_store(NULL));
  rf_host_set_output(NULL, sink_collect, NULL);
  rf_host_set_fault_output(NULL, NULL, NULL);
  rf_host_counts c;
  memset(&c, 0xab, sizeof c);
  rf_host_get_counts(NULL, &c);
  rf_host_free(NULL);

  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  assert_int_equal(rf_host_push(h, NULL), RF_EINVAL);
  rf_host_get_counts(h, NULL);
  rf_host_get_counts(h, &c);
  assert_int_equal(c.records + c.events + c.deltas + c.hands + c.diffs + c.receipts, 0);
  rf_host_free(h);
}

/* A method that cannot start (no output yet) leaves the first event untaken: once the output is
 * set, the same record is taken, and the run gives the clean run's output. (It was refused as
 * "already in the store": the checker had taken it before the method failed to start.) */
static void test_failed_start_leaves_the_record_untaken(void **state) {
  (void)state;
  sink clean, out;
  run_host(RF_METHOD_FUSED, NULL, 0, small_text(), &clean, NULL);
  memset(&out, 0, sizeof out);
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  rf_scenario_reader *rd = NULL;
  assert_int_equal(
      rf_scenario_reader_from_memory(&rd, small_text(), strlen(small_text()), NULL, NULL), RF_OK);
  rf_record r;
  int tried = 0;
  while (rf_scenario_reader_next(rd, &r) == RF_OK) {
    if (is_event(&r) && !tried) {
      tried = 1;
      assert_int_equal(rf_host_push(h, &r), RF_EMISUSE);
      assert_null(rf_host_store(h));
      rf_host_set_output(h, sink_collect, &out);
    }
    assert_int_equal(rf_host_push(h, &r), RF_OK);
  }
  assert_true(tried);
  rf_scenario_reader_free(rd);
  assert_int_equal(rf_host_finish(h), RF_OK);
  rf_host_free(h);
  assert_same_output(&clean, &out);
}

/* ==== allocation failure ====================================================================== */

/* One run of small.jsonl with allocation `fail_at` failing. A push (or finish) refused with
 * RF_ENOMEM is reported as such; nothing leaks whatever fails. Returns whether a failure was
 * injected; *nomem counts the RF_ENOMEM returns. */
static int af_run(rf_method method, long fail_at, sink *out, int *nomem) {
  memset(out, 0, sizeof *out);
  *nomem = 0;
  test_alloc st;
  rf_allocator a = test_alloc_make(&st, fail_at);
  rf_host *h = (rf_host *)0x1;
  int rc = rf_host_new(&h, method, &a);
  if (rc != RF_OK) {
    assert_int_equal(rc, RF_ENOMEM);
    assert_true(st.failed);
    assert_null(h);
    assert_int_equal(st.live, 0);
    *nomem = 1;
    return 1;
  }
  assert_int_equal(rf_host_param_set(h, "LATENESS_S", 3.0), RF_OK);
  rf_host_set_output(h, sink_collect, out);
  rf_scenario_reader *rd = NULL;
  const char *text = small_text();
  assert_int_equal(rf_scenario_reader_from_memory(&rd, text, strlen(text), NULL, NULL), RF_OK);
  rf_record r;
  while (rf_scenario_reader_next(rd, &r) == RF_OK) {
    int before = st.failed;
    rc = rf_host_push(h, &r);
    if (st.failed && !before && rc != RF_OK) {
      assert_true(rc == RF_ENOMEM || rc == RF_EBEHIND);
      assert_string_not_equal(rf_host_errmsg(h), "");
      *nomem += 1;
      continue;
    }
    /* Whatever follows a failure may be refused for it (a shopper whose enter was lost). */
    if (!st.failed) assert_int_equal(rc, RF_OK);
  }
  rf_scenario_reader_free(rd);
  int before = st.failed;
  rc = rf_host_finish(h);
  if (st.failed && !before) {
    assert_int_equal(rc, RF_ENOMEM);
    *nomem += 1;
  } else if (!st.failed) {
    assert_int_equal(rc, RF_OK);
  }
  rf_host_free(h);
  assert_int_equal(st.live, 0);
  return st.failed;
}

static void test_allocation_failure_at_every_point(void **state) {
  (void)state;
  for (int m = 0; m < 2; ++m) {
    rf_method method = m == 0 ? RF_METHOD_FUSED : RF_METHOD_GREEDY;
    static sink clean, got;
    run_host(method, (const setting[]){{"LATENESS_S", 3.0}}, 1, small_text(), &clean, NULL);
    long k = 1;
    int nomem_total = 0;
    for (;; ++k) {
      int nomem = 0;
      int injected = af_run(method, k, &got, &nomem);
      if (!injected) {
        assert_same_output(&got, &clean);
        break;
      }
      assert_int_equal(nomem, 1); /* reported exactly once, where it happened */
      nomem_total += nomem;
      assert_true(k < 100000);
    }
    assert_true(k > 10); /* the host, its checker, the store, the method, their growth */
    assert_int_equal(nomem_total, k - 1);
  }
}

static int teardown_all(void **state) {
  (void)state;
  free(g_small);
  g_small = NULL;
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fused_equals_the_engine_driven_directly),
      cmocka_unit_test(test_greedy_equals_the_baseline_driven_directly),
      cmocka_unit_test(test_cameras_and_zones_change_nothing),
      cmocka_unit_test(test_late_camera_set_aside),
      cmocka_unit_test(test_param_by_name_reaches_the_engine),
      cmocka_unit_test(test_param_by_name_reaches_the_baseline),
      cmocka_unit_test(test_param_refusals),
      cmocka_unit_test(test_lateness_reaches_the_engine),
      cmocka_unit_test(test_callback_returning_one),
      cmocka_unit_test(test_refused_record_changes_nothing),
      cmocka_unit_test(test_method_refusal_names_the_line),
      cmocka_unit_test(test_output_complaint_passed_back),
      cmocka_unit_test(test_finish_without_events),
      cmocka_unit_test(test_store),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_failed_start_leaves_the_record_untaken),
      cmocka_unit_test(test_allocation_failure_at_every_point),
  };
  return cmocka_run_group_tests(tests, NULL, teardown_all);
}
