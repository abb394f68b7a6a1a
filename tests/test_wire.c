/* The service's protocol as bytes (lib/io/wire_encode.c, wire_decode.c): every message kind
 * travels in both formats and comes back the same, the JSON of the service's messages is pinned
 * as docs/format.md gives it, bytes may arrive in any pieces, and broken streams and messages
 * the encoder cannot write give their documented errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "io/pb_codec.h"
#include "retailfuse/status.h"
#include "retailfuse/wire.h"
#include "test_text.h"

/* Five bugs this file found, each with its test: service messages' strings not checked for UTF-8
 * or NULs (test_service_strings_checked_as_records_are), unknown header flags read on
 * (test_pb_header_unknown_flags_refused), integers beyond 2^53 written in JSON
 * (test_json_big_integers_round_trip_or_are_refused), feeding NULL with no bytes
 * (test_pending_counts_a_half_frame), a double cast to int64_t before its range was checked
 * (test_json_numbers_beyond_2_53_refused). */

static const rf_scenario_format formats[] = {RF_FORMAT_PB, RF_FORMAT_JSONL};

static const char *format_name(rf_scenario_format f) { return f == RF_FORMAT_PB ? "pb" : "jsonl"; }

/* ---- building messages ---- */

static const rf_plate_delta delta_plates[] = {{"P1", -540.67}, {"P2", 12.5}};
static const rf_sku_score hand_scores[] = {{"A", 0.9}, {"B", 0.1}};
static const rf_item_qty receipt_items[] = {{"A", 2}, {"B", 0}};
static const rf_item_qty verdict_items[] = {{"B", 1}, {"A", -1}};
static const int64_t explain_diffs[] = {5, 6};
static const rf_alternative explain_alternatives[] = {
    {"S1", verdict_items, 2, 0.75, {-1.5, -0.25, -2, -0.5, -0.125, NAN}},
    {NULL, NULL, 0, 0.25, {NAN, NAN, NAN, NAN, NAN, NAN}}};
static const rf_candidate explain_candidates[] = {{"S1", 0.75, 1, 0.5}, {"S2", 0.25, 0, 0}};
static const rf_explain_hand explain_hands[] = {{"S1", 900, 1900, 1, 0.3, 0.7},
                                                {NULL, 1000, 1200, 0, 0, 0.2}};

static rf_wire_msg record_msg(rf_record_type type) {
  rf_wire_msg m;
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_RECORD;
  rf_record *r = &m.u.record;
  r->type = type;
  switch (type) {
    case RF_RECORD_DELTA:
      r->source = "shelf-gw";
      r->has_seq = 1;
      r->seq = 41;
      r->u.delta = (rf_delta_rec){"S", 1500, 1900, delta_plates, 2};
      break;
    case RF_RECORD_HAND:
      r->u.hand.shopper = "S1";
      r->u.hand.shelf = "S";
      r->u.hand.t0 = 1000;
      r->u.hand.t1 = 2000;
      r->u.hand.has_x = 1;
      r->u.hand.x = 0.25;
      r->u.hand.has_conf = 1;
      r->u.hand.conf = 0.75;
      r->u.hand.holding_in = 1;
      r->u.hand.holding_out = 0;
      r->u.hand.has_sku_scores = 1;
      r->u.hand.sku_scores = hand_scores;
      r->u.hand.sku_score_count = 2;
      break;
    case RF_RECORD_DIFF: /* a verdict's correction of a correction: both links travel */
      r->u.diff = (rf_diff_rec){5, 2500, "S1", "A", -2, 0.5, 1, 3, 1, 4, 1, 2};
      break;
    case RF_RECORD_REVIEW: /* a gateway's verdict: no time */
      r->source = "review-desk";
      r->has_seq = 1;
      r->seq = 12;
      r->u.review = (rf_review_rec){2, "S1", verdict_items, 2, "ana"};
      break;
    case RF_RECORD_EXPLAIN:
      r->u.explain = (rf_explain_rec){3,
                                      9007199254740992LL,
                                      "S",
                                      1500,
                                      1900,
                                      -540.67,
                                      0.25,
                                      "whole",
                                      explain_diffs,
                                      2,
                                      explain_alternatives,
                                      2,
                                      explain_candidates,
                                      2,
                                      explain_hands,
                                      2};
      break;
    case RF_RECORD_RESTOCK:
      r->source = "staff-app";
      r->has_seq = 1;
      r->seq = 3;
      r->u.restock = (rf_restock_rec){"S", "B", 1000000, 9000000, -6};
      break;
    case RF_RECORD_CAMERA: r->u.camera = (rf_camera_rec){"C1", 1920, 1080, 29.97, -2500000}; break;
    case RF_RECORD_ZONE:
      r->u.zone = (rf_zone_rec){"C1", "S", 100, 700, 1800, 1080, RF_FRONT_BOTTOM, 1.2, 0};
      break;
    default: /* an amended receipt */
      r->u.receipt = (rf_receipt_rec){1, 40000000, "S1", receipt_items, 2, 0, 1};
      break;
  }
  return m;
}

static rf_wire_msg hello_msg(rf_wire_role role, const char *source, int64_t from) {
  rf_wire_msg m;
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_HELLO;
  m.u.hello = (rf_wire_hello){role, source, from};
  return m;
}

static rf_wire_msg ack_msg(const char *source, int has_seq, int64_t seq, const char *reason,
                           const char *message, int finish) {
  rf_wire_msg m;
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_ACK;
  m.u.ack = (rf_wire_ack){source, has_seq, seq, reason, message, finish};
  return m;
}

static rf_wire_msg error_msg(const char *text) {
  rf_wire_msg m;
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_ERROR;
  m.u.error = text;
  return m;
}

static rf_wire_msg finish_msg(void) {
  rf_wire_msg m;
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_FINISH;
  return m;
}

static rf_wire_msg fault_msg(const char *plate, rf_plate_fault fault, rf_time_us t) {
  rf_wire_msg m;
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_FAULT;
  m.u.fault = (rf_wire_fault){plate, fault, t};
  return m;
}

static rf_wire_msg source_msg(const char *source, int stale, rf_time_us t) {
  rf_wire_msg m;
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_SOURCE;
  m.u.source = (rf_wire_source){source, stale, t};
  return m;
}

/* Every kind of message, and after decoding what each must come back as (a gateway's hello
 * carries no from: it comes back as 1, the default). */
enum { EVERY_COUNT = 25, EVERY_RECORDS = 9 };

static void every_message(rf_wire_msg *sent, rf_wire_msg *back) {
  size_t n = 0;
  sent[n++] = record_msg(RF_RECORD_DELTA);
  sent[n++] = record_msg(RF_RECORD_HAND);
  sent[n++] = record_msg(RF_RECORD_DIFF);
  sent[n++] = record_msg(RF_RECORD_RECEIPT);
  sent[n++] = record_msg(RF_RECORD_RESTOCK);
  sent[n++] = record_msg(RF_RECORD_CAMERA); /* a store description travels too (serve's store) */
  sent[n++] = record_msg(RF_RECORD_ZONE);
  sent[n++] = record_msg(RF_RECORD_REVIEW);
  sent[n++] = record_msg(RF_RECORD_EXPLAIN); /* output, to a subscriber */
  sent[n++] = hello_msg(RF_WIRE_GATEWAY, "cam-1", 0);
  sent[n++] = hello_msg(RF_WIRE_SUBSCRIBER, NULL, 42);
  sent[n++] = hello_msg(RF_WIRE_SERVICE, NULL, 77);
  sent[n++] = ack_msg("cam-1", 1, 9, NULL, NULL, 0);
  sent[n++] = ack_msg("s", 1, 7, "late", "t 5 is before the clock", 0);
  sent[n++] = ack_msg(NULL, 0, 0, NULL, NULL, 1);
  sent[n++] = error_msg("closing: \"bye\"\n\t\xc3\xa9");
  sent[n++] = finish_msg();
  for (int f = RF_FAULT_GAP; f <= RF_FAULT_ORDER; ++f)
    sent[n++] = fault_msg("P1", (rf_plate_fault)f, -5 + 1000 * f);
  sent[n++] = source_msg("cam-2", 1, 9007199254740992LL);
  sent[n++] = source_msg("cam-2", 0, 9007199254740991LL);
  assert_int_equal(n, EVERY_COUNT);
  memcpy(back, sent, n * sizeof *sent);
  back[EVERY_RECORDS].u.hello.from = 1;
  for (size_t i = 0; i < EVERY_RECORDS; ++i) back[i].u.record.line = i + 1; /* its line or frame */
}

/* ---- comparing ---- */

static void same_string(const char *want, const char *got, const char *what) {
  if (want == NULL && got == NULL) return;
  if (want == NULL || got == NULL || strcmp(want, got) != 0)
    fail_msg("%s: want '%s', got '%s'", what, want ? want : "(null)", got ? got : "(null)");
}

static void same_double(double want, double got, const char *what) {
  if (want != got) fail_msg("%s: want %.17g, got %.17g", what, want, got);
}

/* Doubles the same, NAN included (a term that does not apply). */
static void same_term(double want, double got, const char *what) {
  if (isnan(want) && isnan(got)) return;
  same_double(want, got, what);
}

static void same_items(const rf_item_qty *want, size_t nw, const rf_item_qty *got, size_t ng,
                       const char *what) {
  assert_int_equal(ng, nw);
  for (size_t i = 0; i < nw; ++i) {
    same_string(want[i].sku, got[i].sku, what);
    assert_int_equal(got[i].qty, want[i].qty);
  }
}

static void same_explain(const rf_explain_rec *w, const rf_explain_rec *g) {
  assert_int_equal(g->event, w->event);
  assert_int_equal(g->t, w->t);
  same_string(w->shelf, g->shelf, "explain.shelf");
  assert_int_equal(g->t0, w->t0);
  assert_int_equal(g->t1, w->t1);
  same_double(w->total, g->total, "explain.total");
  same_double(w->x, g->x, "explain.x");
  same_string(w->how, g->how, "explain.how");
  assert_int_equal(g->diff_count, w->diff_count);
  for (size_t i = 0; i < w->diff_count; ++i) assert_int_equal(g->diffs[i], w->diffs[i]);
  assert_int_equal(g->alternative_count, w->alternative_count);
  for (size_t i = 0; i < w->alternative_count; ++i) {
    const rf_alternative *a = &w->alternatives[i], *b = &g->alternatives[i];
    same_string(a->shopper, b->shopper, "alternative.shopper");
    same_items(a->items, a->item_count, b->items, b->item_count, "alternative.items");
    same_double(a->p, b->p, "alternative.p");
    same_term(a->terms.weight, b->terms.weight, "terms.weight");
    same_term(a->terms.plates, b->terms.plates, "terms.plates");
    same_term(a->terms.prior, b->terms.prior, "terms.prior");
    same_term(a->terms.hand, b->terms.hand, "terms.hand");
    same_term(a->terms.identity, b->terms.identity, "terms.identity");
    same_term(a->terms.position, b->terms.position, "terms.position");
  }
  assert_int_equal(g->candidate_count, w->candidate_count);
  for (size_t i = 0; i < w->candidate_count; ++i) {
    same_string(w->candidates[i].shopper, g->candidates[i].shopper, "candidate.shopper");
    same_double(w->candidates[i].p, g->candidates[i].p, "candidate.p");
    assert_int_equal(g->candidates[i].has_distance, w->candidates[i].has_distance);
    if (w->candidates[i].has_distance)
      same_double(w->candidates[i].distance, g->candidates[i].distance, "candidate.distance");
  }
  assert_int_equal(g->hand_count, w->hand_count);
  for (size_t i = 0; i < w->hand_count; ++i) {
    const rf_explain_hand *a = &w->hands[i], *b = &g->hands[i];
    same_string(a->shopper, b->shopper, "hand.shopper");
    assert_int_equal(b->t0, a->t0);
    assert_int_equal(b->t1, a->t1);
    assert_int_equal(b->has_x, a->has_x);
    if (a->has_x) same_double(a->x, b->x, "hand.x");
    same_double(a->p, b->p, "hand.p");
  }
}

static void same_record(const rf_record *want, const rf_record *got) {
  assert_int_equal(got->type, want->type);
  assert_int_equal(got->line, want->line);
  same_string(want->source, got->source, "source");
  assert_int_equal(got->has_seq, want->has_seq);
  if (want->has_seq) assert_int_equal(got->seq, want->seq);
  switch (want->type) {
    case RF_RECORD_DELTA: {
      const rf_delta_rec *w = &want->u.delta, *g = &got->u.delta;
      same_string(w->shelf, g->shelf, "delta.shelf");
      assert_int_equal(g->t0, w->t0);
      assert_int_equal(g->t1, w->t1);
      assert_int_equal(g->plate_count, w->plate_count);
      for (size_t i = 0; i < w->plate_count; ++i) {
        same_string(w->plates[i].plate, g->plates[i].plate, "delta.plate");
        same_double(w->plates[i].g, g->plates[i].g, "delta.g");
      }
      break;
    }
    case RF_RECORD_HAND: {
      const rf_hand_rec *w = &want->u.hand, *g = &got->u.hand;
      same_string(w->shopper, g->shopper, "hand.shopper");
      same_string(w->shelf, g->shelf, "hand.shelf");
      assert_int_equal(g->t0, w->t0);
      assert_int_equal(g->t1, w->t1);
      assert_int_equal(g->has_x, w->has_x);
      same_double(w->x, g->x, "hand.x");
      assert_int_equal(g->has_conf, w->has_conf);
      same_double(w->conf, g->conf, "hand.conf");
      assert_int_equal(g->holding_in, w->holding_in);
      assert_int_equal(g->holding_out, w->holding_out);
      assert_int_equal(g->has_sku_scores, w->has_sku_scores);
      assert_int_equal(g->sku_score_count, w->sku_score_count);
      for (size_t i = 0; i < w->sku_score_count; ++i) {
        same_string(w->sku_scores[i].sku, g->sku_scores[i].sku, "hand.sku");
        same_double(w->sku_scores[i].score, g->sku_scores[i].score, "hand.score");
      }
      break;
    }
    case RF_RECORD_DIFF: {
      const rf_diff_rec *w = &want->u.diff, *g = &got->u.diff;
      assert_int_equal(g->seq, w->seq);
      assert_int_equal(g->t, w->t);
      same_string(w->shopper, g->shopper, "diff.shopper");
      same_string(w->sku, g->sku, "diff.sku");
      assert_int_equal(g->qty, w->qty);
      same_double(w->conf, g->conf, "diff.conf");
      assert_int_equal(g->review, w->review);
      assert_int_equal(g->event, w->event);
      assert_int_equal(g->has_corrects, w->has_corrects);
      assert_int_equal(g->corrects, w->corrects);
      assert_int_equal(g->has_reviews, w->has_reviews);
      assert_int_equal(g->reviews, w->reviews);
      break;
    }
    case RF_RECORD_RECEIPT: {
      const rf_receipt_rec *w = &want->u.receipt, *g = &got->u.receipt;
      assert_int_equal(g->has_t, w->has_t);
      assert_int_equal(g->t, w->t);
      same_string(w->shopper, g->shopper, "receipt.shopper");
      assert_int_equal(g->item_count, w->item_count);
      for (size_t i = 0; i < w->item_count; ++i) {
        same_string(w->items[i].sku, g->items[i].sku, "receipt.sku");
        assert_int_equal(g->items[i].qty, w->items[i].qty);
      }
      assert_int_equal(g->review, w->review);
      assert_int_equal(g->amends, w->amends);
      break;
    }
    case RF_RECORD_REVIEW: {
      const rf_review_rec *w = &want->u.review, *g = &got->u.review;
      assert_int_equal(g->decision, w->decision);
      same_string(w->shopper, g->shopper, "review.shopper");
      same_items(w->items, w->item_count, g->items, g->item_count, "review.items");
      same_string(w->reviewer, g->reviewer, "review.reviewer");
      break;
    }
    case RF_RECORD_EXPLAIN: same_explain(&want->u.explain, &got->u.explain); break;
    case RF_RECORD_RESTOCK: {
      const rf_restock_rec *w = &want->u.restock, *g = &got->u.restock;
      same_string(w->shelf, g->shelf, "restock.shelf");
      same_string(w->sku, g->sku, "restock.sku");
      assert_int_equal(g->t0, w->t0);
      assert_int_equal(g->t1, w->t1);
      assert_int_equal(g->qty, w->qty);
      break;
    }
    case RF_RECORD_CAMERA: {
      const rf_camera_rec *w = &want->u.camera, *g = &got->u.camera;
      same_string(w->camera, g->camera, "camera.camera");
      assert_int_equal(g->width, w->width);
      assert_int_equal(g->height, w->height);
      same_double(w->fps, g->fps, "camera.fps");
      assert_int_equal(g->t0, w->t0);
      break;
    }
    case RF_RECORD_ZONE: {
      const rf_zone_rec *w = &want->u.zone, *g = &got->u.zone;
      same_string(w->camera, g->camera, "zone.camera");
      same_string(w->shelf, g->shelf, "zone.shelf");
      assert_int_equal(g->x0, w->x0);
      assert_int_equal(g->y0, w->y0);
      assert_int_equal(g->x1, w->x1);
      assert_int_equal(g->y1, w->y1);
      assert_int_equal(g->front, w->front);
      same_double(w->shelf_x0, g->shelf_x0, "zone.shelf_x0");
      same_double(w->shelf_x1, g->shelf_x1, "zone.shelf_x1");
      break;
    }
    default: fail_msg("no comparison for record type %d", (int)want->type);
  }
}

static void same_message(const rf_wire_msg *want, const rf_wire_msg *got) {
  assert_int_equal(got->kind, want->kind);
  switch (want->kind) {
    case RF_WIRE_RECORD: same_record(&want->u.record, &got->u.record); break;
    case RF_WIRE_HELLO:
      assert_int_equal(got->u.hello.role, want->u.hello.role);
      same_string(want->u.hello.source, got->u.hello.source, "hello.source");
      assert_int_equal(got->u.hello.from, want->u.hello.from);
      break;
    case RF_WIRE_ACK:
      same_string(want->u.ack.source, got->u.ack.source, "ack.source");
      assert_int_equal(got->u.ack.has_seq, want->u.ack.has_seq);
      assert_int_equal(got->u.ack.seq, want->u.ack.seq);
      same_string(want->u.ack.reason, got->u.ack.reason, "ack.reason");
      same_string(want->u.ack.message, got->u.ack.message, "ack.message");
      assert_int_equal(got->u.ack.finish, want->u.ack.finish);
      break;
    case RF_WIRE_ERROR: same_string(want->u.error, got->u.error, "error"); break;
    case RF_WIRE_FINISH: break;
    case RF_WIRE_FAULT:
      same_string(want->u.fault.plate, got->u.fault.plate, "fault.plate");
      assert_int_equal(got->u.fault.fault, want->u.fault.fault);
      assert_int_equal(got->u.fault.t, want->u.fault.t);
      break;
    case RF_WIRE_SOURCE:
      same_string(want->u.source.source, got->u.source.source, "source.source");
      assert_int_equal(got->u.source.stale, want->u.source.stale);
      assert_int_equal(got->u.source.t, want->u.source.t);
      break;
    default: fail_msg("no such kind %d", (int)want->kind);
  }
}

/* ---- encoding and decoding ---- */

/* msgs[0, n) as one stream of `format` into *out (which the caller frees). */
static void encode_all(rf_scenario_format format, const rf_wire_msg *msgs, size_t n,
                       test_text *out) {
  rf_wire_encoder *e = NULL;
  assert_int_equal(rf_wire_encoder_new(&e, format, NULL), RF_OK);
  for (size_t i = 0; i < n; ++i) {
    int rc = rf_wire_encode(e, &msgs[i]);
    if (rc != RF_OK)
      fail_msg("%s: message %zu: %d %s", format_name(format), i, rc, rf_wire_encoder_errmsg(e));
  }
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(e, &len);
  memset(out, 0, sizeof *out);
  assert_int_equal(test_text_write((const char *)data, len, out), 0);
  rf_wire_encoder_free(e);
}

/* A decoder with `max_frame` fed bytes[0, len) at once. */
static rf_wire_decoder *decoder_of(const void *bytes, size_t len, size_t max_frame) {
  rf_wire_decoder *d = NULL;
  assert_int_equal(rf_wire_decoder_new(&d, max_frame, NULL), RF_OK);
  assert_int_equal(rf_wire_decoder_feed(d, bytes, len), RF_OK);
  return d;
}

/* The next call returns rc, with errmsg exactly `msg`. */
static void next_fails(rf_wire_decoder *d, int rc, const char *msg) {
  rf_wire_msg m;
  int got = rf_wire_decoder_next(d, &m);
  if (got != rc)
    fail_msg("want %s, got %s (%s)", rf_err_name(rc), rf_err_name(got), rf_wire_decoder_errmsg(d));
  assert_string_equal(rf_wire_decoder_errmsg(d), msg);
}

static void next_is(rf_wire_decoder *d, const rf_wire_msg *want) {
  rf_wire_msg m;
  int rc = rf_wire_decoder_next(d, &m);
  if (rc != RF_OK) fail_msg("%s: %s", rf_err_name(rc), rf_wire_decoder_errmsg(d));
  same_message(want, &m);
}

/* The stream header the encoder writes: the magic, version 1, flags 0. */
static const char pb_header[] = RF__PB_MAGIC "\x01\x00";
#define PB_HEADER_LEN (sizeof pb_header - 1)

/* ---- the tests ---- */

/* Every message kind, encoded into one stream of each format, decodes to the same fields. */
static void test_every_kind_round_trips_in_both_formats(void **state) {
  (void)state;
  rf_wire_msg sent[EVERY_COUNT], back[EVERY_COUNT];
  every_message(sent, back);
  for (size_t f = 0; f < 2; ++f) {
    test_text stream;
    encode_all(formats[f], sent, EVERY_COUNT, &stream);
    if (formats[f] == RF_FORMAT_PB) {
      assert_true(stream.len > PB_HEADER_LEN);
      assert_memory_equal(stream.data, pb_header, PB_HEADER_LEN);
    } else {
      assert_int_equal(stream.data[0], '{');
    }
    rf_wire_decoder *d = decoder_of(stream.data, stream.len, 0);
    for (size_t i = 0; i < EVERY_COUNT; ++i) next_is(d, &back[i]);
    rf_wire_msg m;
    assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
    assert_int_equal(rf_wire_decoder_count(d), EVERY_COUNT);
    assert_int_equal(rf_wire_decoder_pending(d), 0);
    assert_int_equal(rf_wire_decoder_format(d), formats[f]);
    rf_wire_decoder_free(d);
    free(stream.data);
  }
}

/* The JSON text of `msg`, exactly. */
static void json_is(const rf_wire_msg *msg, const char *want) {
  test_text text;
  encode_all(RF_FORMAT_JSONL, msg, 1, &text);
  assert_string_equal(text.data, want);
  free(text.data);
}

/* The service's messages as JSON, member by member in docs/format.md's order. */
static void test_service_messages_json_text(void **state) {
  (void)state;
  rf_wire_msg m = ack_msg("s", 1, 7, "late", "m", 0);
  json_is(&m,
          "{\"type\":\"ack\",\"source\":\"s\",\"seq\":7,\"reason\":\"late\",\"message\":\"m\"}\n");
  m = ack_msg("cam-1", 1, 9, NULL, NULL, 0);
  json_is(&m, "{\"type\":\"ack\",\"source\":\"cam-1\",\"seq\":9}\n");
  m = ack_msg(NULL, 0, 0, NULL, NULL, 1);
  json_is(&m, "{\"type\":\"ack\",\"finish\":true}\n");
  m = ack_msg(NULL, 0, 0, NULL, NULL, 0);
  json_is(&m, "{\"type\":\"ack\"}\n");
  m = finish_msg();
  json_is(&m, "{\"type\":\"finish\"}\n");
  m = hello_msg(RF_WIRE_SUBSCRIBER, NULL, 3);
  json_is(&m, "{\"type\":\"hello\",\"role\":\"subscriber\",\"from\":3}\n");
  m = hello_msg(RF_WIRE_GATEWAY, "g", 99); /* a gateway's from is not sent */
  json_is(&m, "{\"type\":\"hello\",\"role\":\"gateway\",\"source\":\"g\"}\n");
  m = hello_msg(RF_WIRE_GATEWAY, NULL, 0);
  json_is(&m, "{\"type\":\"hello\",\"role\":\"gateway\"}\n");
  m = hello_msg(RF_WIRE_SERVICE, NULL, 12);
  json_is(&m, "{\"type\":\"hello\",\"role\":\"service\",\"from\":12}\n");
  m = error_msg("bye \"x\"\n");
  json_is(&m, "{\"type\":\"error\",\"message\":\"bye \\\"x\\\"\\n\"}\n");
  m = fault_msg("P1", RF_FAULT_STUCK, -5);
  json_is(&m, "{\"type\":\"fault\",\"t\":-5,\"plate\":\"P1\",\"fault\":\"stuck\"}\n");
  m = source_msg("cam", 1, 10);
  json_is(&m, "{\"type\":\"source\",\"t\":10,\"source\":\"cam\",\"stale\":true}\n");
  m = source_msg("cam", 0, 10);
  json_is(&m, "{\"type\":\"source\",\"t\":10,\"source\":\"cam\",\"stale\":false}\n");
  static const char *const fault_names[] = {"gap",  "stuck",     "saturated",
                                            "jump", "nonfinite", "order"};
  for (int f = RF_FAULT_GAP; f <= RF_FAULT_ORDER; ++f) {
    char want[128];
    snprintf(want, sizeof want, "{\"type\":\"fault\",\"t\":1,\"plate\":\"P\",\"fault\":\"%s\"}\n",
             fault_names[f - 1]);
    m = fault_msg("P", (rf_plate_fault)f, 1);
    json_is(&m, want);
  }
  assert_string_equal(rf_wire_kind_name(RF_WIRE_RECORD), "record");
  assert_string_equal(rf_wire_kind_name(RF_WIRE_SOURCE), "source");
  assert_null(rf_wire_kind_name((rf_wire_kind)7));
}

/* A verdict, an amended receipt and a diff a verdict made travel as the scenario writer writes
 * them; an explanation too (a subscriber's output). */
static void test_review_and_explain_json_text(void **state) {
  (void)state;
  rf_wire_msg m = record_msg(RF_RECORD_REVIEW);
  json_is(&m, "{\"type\":\"review\",\"source\":\"review-desk\",\"seq\":12,\"decision\":2,"
              "\"shopper\":\"S1\",\"items\":{\"B\":1,\"A\":-1},\"reviewer\":\"ana\"}\n");
  m = record_msg(RF_RECORD_RECEIPT);
  json_is(&m, "{\"type\":\"receipt\",\"t\":40000000,\"shopper\":\"S1\",\"items\":{\"A\":2,"
              "\"B\":0},\"review\":false,\"amends\":true}\n");
  m = record_msg(RF_RECORD_DIFF);
  json_is(&m, "{\"type\":\"diff\",\"seq\":5,\"t\":2500,\"shopper\":\"S1\",\"sku\":\"A\","
              "\"qty\":-2,\"conf\":0.5,\"review\":true,\"event\":3,\"corrects\":4,"
              "\"reviews\":2}\n");
  m = record_msg(RF_RECORD_EXPLAIN);
  json_is(&m, "{\"type\":\"explain\",\"event\":3,\"t\":9007199254740992,\"shelf\":\"S\","
              "\"t0\":1500,\"t1\":1900,\"total\":-540.67,\"x\":0.25,\"how\":\"whole\","
              "\"diffs\":[5,6],\"alternatives\":[{\"shopper\":\"S1\",\"items\":{\"B\":1,"
              "\"A\":-1},\"p\":0.75,\"terms\":{\"weight\":-1.5,\"plates\":-0.25,\"prior\":-2,"
              "\"hand\":-0.5,\"identity\":-0.125}},{\"shopper\":null,\"items\":{},\"p\":0.25}],"
              "\"candidates\":[{\"shopper\":\"S1\",\"p\":0.75,\"distance\":0.5},"
              "{\"shopper\":\"S2\",\"p\":0.25}],\"hands\":[{\"shopper\":\"S1\",\"t0\":900,"
              "\"t1\":1900,\"x\":0.3,\"p\":0.7},{\"shopper\":null,\"t0\":1000,\"t1\":1200,"
              "\"p\":0.2}]}\n");
  /* The encoder refuses a verdict the format refuses, in either format, naming the field. */
  for (size_t f = 0; f < 2; ++f) {
    rf_wire_encoder *e = NULL;
    assert_int_equal(rf_wire_encoder_new(&e, formats[f], NULL), RF_OK);
    m = record_msg(RF_RECORD_REVIEW);
    m.u.record.u.review.shopper = NULL; /* nobody gains no items */
    assert_int_equal(rf_wire_encode(e, &m), RF_EINVAL);
    assert_string_equal(rf_wire_encoder_errmsg(e),
                        "review: field 'items' must be empty when shopper is null");
    rf_wire_encoder_free(e);
  }
}

/* A protocol-buffer stream: the header once, when the encoder is made; then frames. After a
 * clear, the data is the frames encoded since. */
static void test_pb_header_and_frames_bytes(void **state) {
  (void)state;
  rf_wire_encoder *e = NULL;
  assert_int_equal(rf_wire_encoder_new(&e, RF_FORMAT_PB, NULL), RF_OK);
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(e, &len);
  assert_int_equal(len, PB_HEADER_LEN);
  assert_memory_equal(data, pb_header, PB_HEADER_LEN);
  rf_wire_msg m = finish_msg();
  assert_int_equal(rf_wire_encode(e, &m), RF_OK);
  data = rf_wire_encoder_data(e, &len);
  /* Record.finish is field 43, length-delimited: key 346 = da 02; an empty Finish. */
  assert_int_equal(len, PB_HEADER_LEN + 4);
  assert_memory_equal(data + PB_HEADER_LEN, "\x03\xda\x02\x00", 4);
  rf_wire_encoder_clear(e);
  rf_wire_encoder_data(e, &len);
  assert_int_equal(len, 0);
  m = ack_msg("s", 1, 7, NULL, NULL, 0);
  assert_int_equal(rf_wire_encode(e, &m), RF_OK);
  data = rf_wire_encoder_data(e, &len);
  assert_int_equal(len, 9);
  assert_memory_equal(data, "\x08\xca\x02\x05\x0a\x01s\x10\x07", 9);
  rf_wire_encoder_free(e);
  rf_wire_encoder_free(NULL);
}

/* Feeding a stream a byte at a time gives the messages feeding it at once gives, each as soon
 * as its last byte came, RF_ITEROVER before. */
static void bytewise_equals_whole(rf_scenario_format format) {
  rf_wire_msg sent[EVERY_COUNT], back[EVERY_COUNT];
  every_message(sent, back);
  test_text stream;
  encode_all(format, sent, EVERY_COUNT, &stream);
  rf_wire_decoder *whole = decoder_of(stream.data, stream.len, 0), *bytewise = NULL;
  assert_int_equal(rf_wire_decoder_new(&bytewise, 0, NULL), RF_OK);
  size_t got = 0, iterovers = 0;
  for (size_t i = 0; i < stream.len; ++i) {
    assert_int_equal(rf_wire_decoder_feed(bytewise, stream.data + i, 1), RF_OK);
    rf_wire_msg m, w;
    int rc;
    while ((rc = rf_wire_decoder_next(bytewise, &m)) == RF_OK) {
      assert_int_equal(rf_wire_decoder_next(whole, &w), RF_OK);
      same_message(&w, &m);
      same_message(&back[got], &m);
      ++got;
      assert_int_equal(rf_wire_decoder_count(bytewise), got);
    }
    assert_int_equal(rc, RF_ITEROVER);
    ++iterovers;
  }
  assert_int_equal(got, EVERY_COUNT);
  assert_int_equal(iterovers, stream.len);
  assert_int_equal(rf_wire_decoder_pending(bytewise), 0);
  assert_int_equal(rf_wire_decoder_format(bytewise), format);
  rf_wire_decoder_free(whole);
  rf_wire_decoder_free(bytewise);
  free(stream.data);
}

static void test_byte_at_a_time_equals_whole(void **state) {
  (void)state;
  bytewise_equals_whole(RF_FORMAT_PB);
  bytewise_equals_whole(RF_FORMAT_JSONL);
}

/* Half a frame after the header: RF_ITEROVER, and pending counts its bytes; the rest of it
 * makes the message, and nothing is pending. */
static void test_pending_counts_a_half_frame(void **state) {
  (void)state;
  rf_wire_msg ack = ack_msg("s", 1, 7, "late", "m", 0);
  test_text stream;
  encode_all(RF_FORMAT_PB, &ack, 1, &stream);
  size_t frame = stream.len - PB_HEADER_LEN, half = frame / 2;
  rf_wire_decoder *d = NULL;
  assert_int_equal(rf_wire_decoder_new(&d, 0, NULL), RF_OK);
  assert_int_equal(rf_wire_decoder_pending(d), 0);
  assert_int_equal(rf_wire_decoder_feed(d, stream.data, PB_HEADER_LEN + half), RF_OK);
  rf_wire_msg m;
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_pending(d), half);
  assert_int_equal(rf_wire_decoder_count(d), 0);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER); /* asking again changes nothing */
  assert_int_equal(rf_wire_decoder_pending(d), half);
  assert_int_equal(rf_wire_decoder_feed(d, stream.data + PB_HEADER_LEN + half, frame - half - 1),
                   RF_OK);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_pending(d), frame - 1);
  assert_int_equal(rf_wire_decoder_feed(d, stream.data + stream.len - 1, 1), RF_OK);
  next_is(d, &ack);
  assert_int_equal(rf_wire_decoder_pending(d), 0);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  {
    assert_int_equal(rf_wire_decoder_feed(d, NULL, 0), RF_OK);
    assert_int_equal(rf_wire_decoder_pending(d), 0);
  }
  assert_int_equal(rf_wire_decoder_feed(d, NULL, 1), RF_EINVAL);
  assert_int_equal(rf_wire_decoder_feed(d, "", 0), RF_OK);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  rf_wire_decoder_free(d);
  /* JSON: a line without its newline yet. */
  static const char line[] = "{\"type\":\"finish\"}";
  d = decoder_of(line, sizeof line - 1, 0);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_pending(d), sizeof line - 1);
  assert_int_equal(rf_wire_decoder_feed(d, "\n", 1), RF_OK);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_FINISH);
  assert_int_equal(rf_wire_decoder_pending(d), 0);
  rf_wire_decoder_free(d);
  free(stream.data);
}

/* A protocol-buffer stream of the header, frames of `msgs` and the raw frame `bad` (with its
 * length) put at index `at` among them; *bad_at is the byte where the bad frame starts. */
static void pb_with_raw_frame(const rf_wire_msg *msgs, size_t n, size_t at, const char *bad,
                              size_t bad_len, test_text *out, size_t *bad_at) {
  test_text before, after;
  encode_all(RF_FORMAT_PB, msgs, at, &before);
  encode_all(RF_FORMAT_PB, msgs + at, n - at, &after);
  memset(out, 0, sizeof *out);
  assert_int_equal(test_text_write(before.data, before.len, out), 0);
  *bad_at = out->len;
  assert_int_equal(test_text_write(bad, bad_len, out), 0);
  assert_int_equal(test_text_write(after.data + PB_HEADER_LEN, after.len - PB_HEADER_LEN, out), 0);
  free(before.data);
  free(after.data);
}

/* A frame that does not decode is that frame's error, named by its number and byte; the next
 * frame decodes. */
static void test_pb_bad_frame_is_passed_over(void **state) {
  (void)state;
  rf_wire_msg msgs[2] = {hello_msg(RF_WIRE_GATEWAY, "g", 1), finish_msg()};
  test_text stream;
  size_t at;
  pb_with_raw_frame(msgs, 2, 1, "\x02\xff\xff", 3, &stream, &at);
  rf_wire_decoder *d = decoder_of(stream.data, stream.len, 0);
  next_is(d, &msgs[0]);
  char want[160];
  snprintf(want, sizeof want,
           "frame 2 (byte %zu): not a Record message (malformed, or a required field is "
           "missing)",
           at);
  next_fails(d, RF_EPARSE, want);
  assert_int_equal(rf_wire_decoder_count(d), 2);
  next_is(d, &msgs[1]);
  assert_int_equal(rf_wire_decoder_count(d), 3);
  rf_wire_msg m;
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  rf_wire_decoder_free(d);
  free(stream.data);
}

/* A frame longer than max_frame ends the stream: RF_ELIMIT, and again for every call, even
 * with more bytes fed. */
static void test_pb_frame_over_the_limit_is_dead(void **state) {
  (void)state;
  rf_wire_msg msgs[2] = {hello_msg(RF_WIRE_GATEWAY, "g", 1), finish_msg()};
  test_text stream;
  size_t at;
  pb_with_raw_frame(msgs, 2, 1, "\x11", 1, &stream, &at); /* 17 bytes, none of them here */
  rf_wire_decoder *d = decoder_of(stream.data, stream.len, 16);
  next_is(d, &msgs[0]);
  char want[160];
  snprintf(want, sizeof want, "frame 2 (byte %zu): 17 bytes, over the limit of 16", at);
  next_fails(d, RF_ELIMIT, want);
  next_fails(d, RF_ELIMIT, want);
  assert_int_equal(rf_wire_decoder_feed(d, stream.data + PB_HEADER_LEN, 4), RF_OK);
  next_fails(d, RF_ELIMIT, want);
  assert_int_equal(rf_wire_decoder_count(d), 1);
  rf_wire_decoder_free(d);
  free(stream.data);
  /* A frame of exactly max_frame bytes is read. */
  rf_wire_msg ack = ack_msg("s", 1, 7, NULL, NULL, 0); /* a frame of 8 bytes (and its length) */
  encode_all(RF_FORMAT_PB, &ack, 1, &stream);
  assert_int_equal(stream.len, PB_HEADER_LEN + 9);
  d = decoder_of(stream.data, stream.len, 8);
  next_is(d, &ack);
  rf_wire_decoder_free(d);
  d = decoder_of(stream.data, stream.len, 7);
  snprintf(want, sizeof want, "frame 1 (byte %zu): 8 bytes, over the limit of 7", PB_HEADER_LEN);
  next_fails(d, RF_ELIMIT, want);
  rf_wire_decoder_free(d);
  free(stream.data);
}

/* A header of version 2 ends the stream with RF_EVERSION; bytes starting 0x89 that are not the
 * magic with RF_EPARSE; part of the magic waits for more. */
static void test_pb_bad_headers_are_dead(void **state) {
  (void)state;
  static const char v2[] = RF__PB_MAGIC "\x02\x00\x03\xda\x02\x00";
  rf_wire_decoder *d = decoder_of(v2, sizeof v2 - 1, 0);
  next_fails(d, RF_EVERSION, "byte 8: the stream is of format version 2; this library reads 1");
  next_fails(d, RF_EVERSION, "byte 8: the stream is of format version 2; this library reads 1");
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_PB);
  rf_wire_decoder_free(d);

  static const char png[] = "\x89PNG\r\n\x1a\n\x01\x00";
  d = decoder_of(png, sizeof png - 1, 0);
  next_fails(d, RF_EPARSE, "byte 0: not a retailfuse stream header");
  assert_int_equal(rf_wire_decoder_feed(d, "\x03\xda\x02\x00", 4), RF_OK);
  next_fails(d, RF_EPARSE, "byte 0: not a retailfuse stream header");
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_PB);
  rf_wire_decoder_free(d);

  /* The magic's first bytes: more to come; then a byte that breaks it. */
  d = decoder_of("\x89RF", 3, 0);
  rf_wire_msg m;
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_PB);
  assert_int_equal(rf_wire_decoder_feed(d, "X", 1), RF_OK);
  next_fails(d, RF_EPARSE, "byte 0: not a retailfuse stream header");
  rf_wire_decoder_free(d);

  /* The whole magic and version, the flags not yet: more to come. */
  static const char part[] = RF__PB_MAGIC "\x01";
  d = decoder_of(part, sizeof part - 1, 0);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_feed(d, "\x00\x03\xda\x02\x00", 5), RF_OK);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_FINISH);
  rf_wire_decoder_free(d);
}

/* A header with a flag this library does not know: docs/format.md, "Stream": other bits are
 * refused, RF_EVERSION. */
static void test_pb_header_unknown_flags_refused(void **state) {
  (void)state;
  static const char flags4[] = RF__PB_MAGIC "\x01\x04\x03\xda\x02\x00";
  rf_wire_decoder *d = decoder_of(flags4, sizeof flags4 - 1, 0);
  rf_wire_msg m;
  int rc = rf_wire_decoder_next(d, &m);
  {
    assert_int_equal(rc, RF_EVERSION);
    assert_int_equal(rf_wire_decoder_next(d, &m), RF_EVERSION);
  }
  rf_wire_decoder_free(d);
  /* Bit 0 (frames end in a CRC32C) is known: a frame with its CRC reads; a wrong CRC is that
   * frame's error, and the next frame reads. */
  test_text stream = {0};
  static const char crc_header[] = RF__PB_MAGIC "\x01\x01";
  assert_int_equal(test_text_write(crc_header, sizeof crc_header - 1, &stream), 0);
  const uint8_t finish[] = {0xda, 0x02, 0x00};
  uint32_t crc = rf__crc32c(finish, 3);
  uint8_t frame[8] = {3,
                      0xda,
                      0x02,
                      0x00,
                      (uint8_t)crc,
                      (uint8_t)(crc >> 8),
                      (uint8_t)(crc >> 16),
                      (uint8_t)(crc >> 24)};
  assert_int_equal(test_text_write((const char *)frame, 8, &stream), 0);
  frame[4] ^= 1;
  assert_int_equal(test_text_write((const char *)frame, 8, &stream), 0);
  frame[4] ^= 1;
  assert_int_equal(test_text_write((const char *)frame, 8, &stream), 0);
  d = decoder_of(stream.data, stream.len, 0);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_FINISH);
  next_fails(d, RF_EPARSE, "frame 2 (byte 18): its CRC does not match");
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_FINISH);
  assert_int_equal(rf_wire_decoder_count(d), 3);
  rf_wire_decoder_free(d);
  free(stream.data);
}

/* A line that is not JSON is that line's error; the next line decodes. */
static void test_json_bad_line_is_passed_over(void **state) {
  (void)state;
  static const char text[] = "{\"type\":\"hello\",\"role\":\"gateway\",\"source\":\"g\"}\n"
                             "{not json\n"
                             "{\"type\":\"finish\"}\n"
                             "{\"type\":\"finish\"} x\n"
                             "{\"type\":\"ack\",\"seq\":1.5}\n"
                             "{\"type\":\"error\"}\n"
                             "{\"type\":\"source\",\"t\":1}\n"
                             "{\"type\":\"ack\",\"seq\":3}\r\n";
  rf_wire_decoder *d = decoder_of(text, sizeof text - 1, 0);
  rf_wire_msg hello = hello_msg(RF_WIRE_GATEWAY, "g", 1), fin = finish_msg();
  next_is(d, &hello);
  next_fails(d, RF_EPARSE, "line 2: malformed JSON near column 3");
  next_is(d, &fin);
  next_fails(d, RF_EPARSE, "line 4: unexpected text after the JSON value at column 19");
  next_fails(d, RF_EPARSE, "line 5: field 'seq' is not a whole number");
  next_fails(d, RF_EPARSE, "line 6: error: no 'message'");
  next_fails(d, RF_EPARSE, "line 7: source: needs 'source' and 't'");
  rf_wire_msg ack = ack_msg(NULL, 1, 3, NULL, NULL, 0);
  next_is(d, &ack);
  assert_int_equal(rf_wire_decoder_count(d), 8);
  rf_wire_msg m;
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_JSONL);
  rf_wire_decoder_free(d);
}

/* A JSON line longer than max_frame ends the stream with RF_ELIMIT: once its newline came, or
 * as soon as more than max_frame bytes of it did. */
static void test_json_line_over_the_limit_is_dead(void **state) {
  (void)state;
  static const char text[] = "{\"type\":\"finish\"}\n"                        /* 17 bytes */
                             "{\"type\":\"error\",\"message\":\"0123456\"}\n" /* 37 bytes */
                             "{\"type\":\"finish\"}\n";
  rf_wire_decoder *d = decoder_of(text, sizeof text - 1, 32);
  rf_wire_msg fin = finish_msg();
  next_is(d, &fin);
  next_fails(d, RF_ELIMIT, "line 2: longer than the limit of 32 bytes");
  next_fails(d, RF_ELIMIT, "line 2: longer than the limit of 32 bytes");
  assert_int_equal(rf_wire_decoder_feed(d, "{\"type\":\"finish\"}\n", 18), RF_OK);
  next_fails(d, RF_ELIMIT, "line 2: longer than the limit of 32 bytes");
  rf_wire_decoder_free(d);
  /* No newline yet: 32 bytes wait, the 33rd is over. */
  d = decoder_of(text + 18, 32, 32);
  rf_wire_msg m;
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_feed(d, text + 18 + 32, 1), RF_OK);
  next_fails(d, RF_ELIMIT, "line 1: longer than the limit of 32 bytes");
  rf_wire_decoder_free(d);
  /* A line of exactly max_frame bytes is read. */
  d = decoder_of(text, 18, 17);
  next_is(d, &fin);
  rf_wire_decoder_free(d);
}

/* A hello of a role that is none, or a fault of no known name: that message's error, in both
 * formats, and the next one decodes. */
static void test_unknown_role_and_fault_refused(void **state) {
  (void)state;
  static const char text[] = "{\"type\":\"hello\",\"role\":\"boss\"}\n"
                             "{\"type\":\"hello\"}\n"
                             "{\"type\":\"fault\",\"t\":1,\"plate\":\"P1\",\"fault\":\"melted\"}\n"
                             "{\"type\":\"fault\",\"t\":1,\"plate\":\"P1\",\"fault\":\"gap\"}\n";
  rf_wire_decoder *d = decoder_of(text, sizeof text - 1, 0);
  next_fails(d, RF_EPARSE, "line 1: hello: role 'boss' is none of gateway, subscriber, service");
  next_fails(d, RF_EPARSE, "line 2: hello: role '' is none of gateway, subscriber, service");
  next_fails(d, RF_EPARSE, "line 3: fault: needs 'plate', a known 'fault' and 't'");
  rf_wire_msg gap = fault_msg("P1", RF_FAULT_GAP, 1);
  next_is(d, &gap);
  rf_wire_decoder_free(d);

  /* Record.hello (field 40: c2 02) { role: "boss" }, Record.plate_fault (field 44: e2 02)
   * { plate: "P1", fault: "melted", t: 1 (zigzag 2) }, then a good fault. */
  test_text stream = {0};
  assert_int_equal(test_text_write(pb_header, PB_HEADER_LEN, &stream), 0);
  static const char boss[] = "\x09\xc2\x02\x06\x0a\x04"
                             "boss";
  static const char melted[] = "\x11\xe2\x02\x0e\x0a\x02P1\x12\x06"
                               "melted\x18\x02";
  assert_int_equal(test_text_write(boss, sizeof boss - 1, &stream), 0);
  assert_int_equal(test_text_write(melted, sizeof melted - 1, &stream), 0);
  test_text good;
  encode_all(RF_FORMAT_PB, &gap, 1, &good);
  assert_int_equal(test_text_write(good.data + PB_HEADER_LEN, good.len - PB_HEADER_LEN, &stream),
                   0);
  d = decoder_of(stream.data, stream.len, 0);
  next_fails(d, RF_EPARSE,
             "frame 1 (byte 10): hello: role 'boss' is none of gateway, subscriber, service");
  next_fails(d, RF_EPARSE, "frame 2 (byte 20): fault: no fault 'melted'");
  next_is(d, &gap);
  assert_int_equal(rf_wire_decoder_count(d), 3);
  rf_wire_decoder_free(d);
  free(stream.data);
  free(good.data);
}

/* A record the format refuses is that message's error (it names the record and field), and the
 * next decodes. The codes are the scenario reader's: RF_ERANGE for a qty of 0 or a time beyond
 * RF_TIME_LIMIT_US (wire.h lists only RF_EPARSE for a record the format refuses: reported). */
static void test_refused_record_is_passed_over(void **state) {
  (void)state;
  static const char text[] =
      "{\"type\":\"diff\",\"seq\":1,\"t\":2,\"shopper\":\"S1\",\"sku\":\"A\",\"qty\":0,"
      "\"conf\":0.5,\"review\":false,\"event\":1}\n"
      "{\"type\":\"delta\",\"shelf\":\"S\",\"t0\":1e17,\"t1\":1e17,\"plates\":{\"P\":1}}\n"
      "{\"type\":\"finish\"}\n";
  rf_wire_decoder *d = decoder_of(text, sizeof text - 1, 0);
  next_fails(d, RF_ERANGE, "line 1: diff: field 'qty': must not be 0");
  next_fails(d, RF_ERANGE,
             "line 2: delta: field 't0': out of range: more than 2^52 microseconds from 0, got "
             "1e+17");
  rf_wire_msg fin = finish_msg();
  next_is(d, &fin);
  rf_wire_decoder_free(d);
}

/* The decoder gives out only what the encoder takes back: strings of service messages that are
 * not UTF-8, or that hold a NUL, are that message's error as they are a record's. */
static void test_service_strings_checked_as_records_are(void **state) {
  (void)state;
  static const char text[] = "{\"type\":\"error\",\"message\":\"\xff\"}\n"
                             "{\"type\":\"ack\",\"source\":\"a\\u0000b\",\"seq\":1}\n"
                             "{\"type\":\"finish\"}\n";
  rf_wire_decoder *d = decoder_of(text, sizeof text - 1, 0);
  rf_wire_msg m;
  int rc = rf_wire_decoder_next(d, &m);
  {
    assert_int_equal(rc, RF_EPARSE);
    assert_memory_equal(rf_wire_decoder_errmsg(d), "line 1: ", 8);
  }
  rc = rf_wire_decoder_next(d, &m);
  {
    assert_int_equal(rc, RF_EPARSE);
    assert_memory_equal(rf_wire_decoder_errmsg(d), "line 2: ", 8);
  }
  rf_wire_msg fin = finish_msg();
  next_is(d, &fin);
  rf_wire_decoder_free(d);

  /* Record.error (field 42: d2 02) { message: "\xff" }: protobuf-c does not check UTF-8. */
  test_text stream = {0};
  assert_int_equal(test_text_write(pb_header, PB_HEADER_LEN, &stream), 0);
  assert_int_equal(test_text_write("\x06\xd2\x02\x03\x0a\x01\xff\x03\xda\x02\x00", 11, &stream), 0);
  d = decoder_of(stream.data, stream.len, 0);
  rc = rf_wire_decoder_next(d, &m);
  {
    assert_int_equal(rc, RF_EPARSE);
    assert_memory_equal(rf_wire_decoder_errmsg(d), "frame 1 (byte 10): ", 19);
  }
  next_is(d, &fin);
  rf_wire_decoder_free(d);
  free(stream.data);
}

/* What the JSON encoder writes, the JSON decoder reads back the same (or the encoder refuses
 * it): integers beyond 2^53 do not survive a double. */
static void test_json_big_integers_round_trip_or_are_refused(void **state) {
  (void)state;
  const int64_t values[] = {9007199254740993LL, INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; ++i) {
    rf_wire_msg msgs[2] = {ack_msg("s", 1, values[i], NULL, NULL, 0),
                           fault_msg("P1", RF_FAULT_GAP, values[i])};
    for (size_t k = 0; k < 2; ++k) {
      rf_wire_encoder *e = NULL;
      assert_int_equal(rf_wire_encoder_new(&e, RF_FORMAT_JSONL, NULL), RF_OK);
      int rc = rf_wire_encode(e, &msgs[k]);
      size_t len;
      const uint8_t *data = rf_wire_encoder_data(e, &len);
      if (rc != RF_OK) {
        assert_int_equal(rc, RF_EINVAL);
        assert_int_equal(len, 0);
      } else {
        rf_wire_decoder *d = decoder_of(data, len, 0);
        next_is(d, &msgs[k]);
        rf_wire_decoder_free(d);
      }
      rf_wire_encoder_free(e);
    }
  }
}

/* A number of a service message that is not a whole number within 2^53 is that line's error. */
static void test_json_numbers_beyond_2_53_refused(void **state) {
  (void)state;
  static const char text[] = "{\"type\":\"ack\",\"seq\":9007199254740994}\n"
                             "{\"type\":\"fault\",\"t\":-9007199254740994,\"plate\":\"P\","
                             "\"fault\":\"gap\"}\n"
                             "{\"type\":\"hello\",\"role\":\"service\",\"from\":\"7\"}\n"
                             "{\"type\":\"source\",\"t\":1e1,\"source\":\"c\",\"stale\":1}\n";
  rf_wire_decoder *d = decoder_of(text, sizeof text - 1, 0);
  next_fails(d, RF_EPARSE, "line 1: field 'seq' is not a whole number");
  next_fails(d, RF_EPARSE, "line 2: field 't' is not a whole number");
  next_fails(d, RF_EPARSE, "line 3: field 'from' is not a whole number");
  rf_wire_msg src = source_msg("c", 0, 10); /* stale only when true */
  next_is(d, &src);
  rf_wire_decoder_free(d);
  {
    static const char huge[] = "{\"type\":\"ack\",\"seq\":1e19}\n"
                               "{\"type\":\"source\",\"t\":-1e300,\"source\":\"c\"}\n";
    d = decoder_of(huge, sizeof huge - 1, 0);
    next_fails(d, RF_EPARSE, "line 1: field 'seq' is not a whole number");
    next_fails(d, RF_EPARSE, "line 2: field 't' is not a whole number");
    rf_wire_decoder_free(d);
  }
}

/* One refusal: RF_EINVAL, errmsg `why`, not a byte appended. */
static void refused(rf_wire_encoder *e, const rf_wire_msg *m, const char *why) {
  size_t before, after;
  rf_wire_encoder_data(e, &before);
  assert_int_equal(rf_wire_encode(e, m), RF_EINVAL);
  rf_wire_encoder_data(e, &after);
  assert_int_equal(after, before);
  assert_string_equal(rf_wire_encoder_errmsg(e), why);
}

/* Messages missing what they need, strings that are not UTF-8 and records the format refuses:
 * RF_EINVAL, nothing appended; the encoder goes on and its stream still decodes. */
static void test_encoder_refuses_bad_messages(void **state) {
  (void)state;
  for (size_t f = 0; f < 2; ++f) {
    rf_wire_encoder *e = NULL;
    assert_int_equal(rf_wire_encoder_new(&e, formats[f], NULL), RF_OK);
    rf_wire_msg good = finish_msg();
    assert_int_equal(rf_wire_encode(e, &good), RF_OK);
    rf_wire_msg m = error_msg(NULL);
    refused(e, &m, "error: message: missing");
    m = error_msg("\xff");
    refused(e, &m, "error: message: not UTF-8");
    m = error_msg("\xc3");
    refused(e, &m, "error: message: not UTF-8");
    m = ack_msg("\xff", 1, 1, NULL, NULL, 0);
    refused(e, &m, "ack: source: not UTF-8");
    m = ack_msg("s", 1, 1, "late", "\x80", 0);
    refused(e, &m, "ack: message: not UTF-8");
    m = hello_msg((rf_wire_role)0, NULL, 1);
    refused(e, &m, "hello: no such role");
    m = hello_msg((rf_wire_role)4, NULL, 1);
    refused(e, &m, "hello: no such role");
    m = hello_msg(RF_WIRE_GATEWAY, "\xfe", 1);
    refused(e, &m, "hello: source: not UTF-8");
    m = fault_msg("P1", (rf_plate_fault)0, 1);
    refused(e, &m, "fault: no such fault");
    m = fault_msg("P1", (rf_plate_fault)7, 1);
    refused(e, &m, "fault: no such fault");
    m = fault_msg(NULL, RF_FAULT_GAP, 1);
    refused(e, &m, "fault: plate: missing");
    m = source_msg(NULL, 1, 1);
    refused(e, &m, "source: source: missing");
    m.kind = (rf_wire_kind)9;
    refused(e, &m, "no such message kind");
    m = record_msg(RF_RECORD_DIFF);
    m.u.record.u.diff.qty = 0;
    refused(e, &m, "diff: field 'qty' must not be 0");
    m = record_msg(RF_RECORD_DELTA);
    m.u.record.u.delta.plate_count = 0;
    size_t before, after;
    rf_wire_encoder_data(e, &before);
    assert_int_equal(rf_wire_encode(e, &m), RF_EINVAL);
    rf_wire_encoder_data(e, &after);
    assert_int_equal(after, before);
    assert_memory_equal(rf_wire_encoder_errmsg(e), "delta: ", 7);
    /* It goes on: the stream holds the two good messages alone. */
    rf_wire_msg diff = record_msg(RF_RECORD_DIFF);
    assert_int_equal(rf_wire_encode(e, &diff), RF_OK);
    assert_string_equal(rf_wire_encoder_errmsg(e), "");
    size_t len;
    const uint8_t *data = rf_wire_encoder_data(e, &len);
    rf_wire_decoder *d = decoder_of(data, len, 0);
    next_is(d, &good);
    diff.u.record.line = 2;
    next_is(d, &diff);
    rf_wire_msg last;
    assert_int_equal(rf_wire_decoder_next(d, &last), RF_ITEROVER);
    rf_wire_decoder_free(d);
    assert_int_equal(rf_wire_encode(e, NULL), RF_EINVAL);
    assert_int_equal(rf_wire_encode(NULL, &good), RF_EINVAL);
    rf_wire_encoder_free(e);
  }
  rf_wire_encoder *e = NULL;
  assert_int_equal(rf_wire_encoder_new(&e, (rf_scenario_format)2, NULL), RF_EINVAL);
  assert_null(e);
  assert_int_equal(rf_wire_encoder_new(NULL, RF_FORMAT_PB, NULL), RF_EINVAL);
}

/* The count takes in messages decoded and passed over; the format is sniffed from the first
 * byte (JSON Lines until then). */
static void test_count_and_format(void **state) {
  (void)state;
  rf_wire_msg msgs[2] = {hello_msg(RF_WIRE_SUBSCRIBER, NULL, 5), finish_msg()};
  test_text stream;
  size_t at;
  pb_with_raw_frame(msgs, 2, 1, "\x01\xff", 2, &stream, &at);
  rf_wire_decoder *d = NULL;
  assert_int_equal(rf_wire_decoder_new(&d, 0, NULL), RF_OK);
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_JSONL);
  assert_int_equal(rf_wire_decoder_count(d), 0);
  rf_wire_msg m;
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER); /* nothing to sniff */
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_JSONL);
  assert_int_equal(rf_wire_decoder_feed(d, stream.data, stream.len), RF_OK);
  next_is(d, &msgs[0]);
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_PB);
  assert_int_equal(rf_wire_decoder_count(d), 1);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_EPARSE);
  assert_int_equal(rf_wire_decoder_count(d), 2);
  next_is(d, &msgs[1]);
  assert_int_equal(rf_wire_decoder_count(d), 3);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  assert_int_equal(rf_wire_decoder_count(d), 3);
  rf_wire_decoder_free(d);
  free(stream.data);

  static const char text[] = "{\"type\":\"finish\"}\n[1]\n{\"type\":\"finish\"}\n";
  d = decoder_of(text, sizeof text - 1, 0);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_JSONL);
  assert_int_equal(rf_wire_decoder_count(d), 1);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_EPARSE);
  assert_int_equal(rf_wire_decoder_count(d), 2);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(rf_wire_decoder_count(d), 3);
  rf_wire_decoder_free(d);
  /* Whitespace first is JSON Lines too. */
  d = decoder_of(" \t{\"type\":\"finish\"}\n", 20, 0);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_FINISH);
  assert_int_equal(rf_wire_decoder_format(d), RF_FORMAT_JSONL);
  rf_wire_decoder_free(d);
  /* NULL objects. */
  assert_int_equal(rf_wire_decoder_count(NULL), 0);
  assert_int_equal(rf_wire_decoder_pending(NULL), 0);
  assert_int_equal(rf_wire_decoder_format(NULL), RF_FORMAT_JSONL);
  assert_int_equal(rf_wire_decoder_new(NULL, 0, NULL), RF_EINVAL);
  rf_wire_decoder_free(NULL);
}

/* A record from a protocol-buffer frame without a line is numbered by its frame; one with a line
 * (a journal's) keeps it. */
static void test_pb_record_line_is_its_frame(void **state) {
  (void)state;
  rf_wire_msg msgs[3] = {hello_msg(RF_WIRE_GATEWAY, NULL, 1), record_msg(RF_RECORD_DELTA),
                         record_msg(RF_RECORD_DIFF)};
  msgs[1].u.record.line = 99; /* not sent: the encoder writes no line */
  test_text stream;
  encode_all(RF_FORMAT_PB, msgs, 3, &stream);
  /* A frame with line 77, as a journal writes it. */
  rf_allocator a;
  assert_int_equal(rf__allocator_init(&a, NULL), RF_OK);
  rf__pb_encoder enc;
  rf__pb_encoder_init(&enc, &a);
  enc.with_line = 1;
  rf_record journaled = record_msg(RF_RECORD_RECEIPT).u.record;
  journaled.line = 77;
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  assert_int_equal(rf__pb_encode(&enc, &journaled, &buf, &len, &cap), RF_OK);
  assert_int_equal(test_text_write((const char *)buf, len, &stream), 0);
  free(buf);
  rf__pb_encoder_free(&enc);

  rf_wire_decoder *d = decoder_of(stream.data, stream.len, 0);
  rf_wire_msg m;
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_HELLO);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_RECORD);
  assert_int_equal(m.u.record.type, RF_RECORD_DELTA);
  assert_int_equal(m.u.record.line, 2);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.u.record.type, RF_RECORD_DIFF);
  assert_int_equal(m.u.record.line, 3);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_OK);
  assert_int_equal(m.u.record.type, RF_RECORD_RECEIPT);
  assert_int_equal(m.u.record.line, 77);
  assert_int_equal(rf_wire_decoder_next(d, &m), RF_ITEROVER);
  rf_wire_decoder_free(d);
  free(stream.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind_round_trips_in_both_formats),
      cmocka_unit_test(test_service_messages_json_text),
      cmocka_unit_test(test_review_and_explain_json_text),
      cmocka_unit_test(test_pb_header_and_frames_bytes),
      cmocka_unit_test(test_byte_at_a_time_equals_whole),
      cmocka_unit_test(test_pending_counts_a_half_frame),
      cmocka_unit_test(test_pb_bad_frame_is_passed_over),
      cmocka_unit_test(test_pb_frame_over_the_limit_is_dead),
      cmocka_unit_test(test_pb_bad_headers_are_dead),
      cmocka_unit_test(test_pb_header_unknown_flags_refused),
      cmocka_unit_test(test_json_bad_line_is_passed_over),
      cmocka_unit_test(test_json_line_over_the_limit_is_dead),
      cmocka_unit_test(test_unknown_role_and_fault_refused),
      cmocka_unit_test(test_refused_record_is_passed_over),
      cmocka_unit_test(test_service_strings_checked_as_records_are),
      cmocka_unit_test(test_json_big_integers_round_trip_or_are_refused),
      cmocka_unit_test(test_json_numbers_beyond_2_53_refused),
      cmocka_unit_test(test_encoder_refuses_bad_messages),
      cmocka_unit_test(test_count_and_format),
      cmocka_unit_test(test_pb_record_line_is_its_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
