/* Scenario streams as protocol buffers (lib/io/pb_codec.c, the reader's and writer's frames):
 * every record kind and every optional field travels and comes back the same, the reader tells
 * the formats apart by themselves, and broken streams give their documented errors. */
#define _GNU_SOURCE /* memmem */
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
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"
#include "test_text.h"

static void test_text_free(test_text *t) {
  free(t->data);
  memset(t, 0, sizeof *t);
}

static void test_text_append(test_text *t, const char *data, size_t len) {
  assert_int_equal(test_text_write(data, len, t), RF_OK);
}

/* Every record kind, every optional field present and absent, and the numbers the centigram
 * coding must leave alone: -0, grams that are not whole centigrams, readings of both kinds. */
static const char every_kind[] =
    "{\"type\":\"product\",\"sku\":\"A\",\"weight_g\":540.67}\n"
    "{\"type\":\"product\",\"sku\":\"B\",\"name\":\"Tea \xc3\xa9\",\"weight_g\":0.1,\"weight_sd_g\":0}\n"
    "{\"type\":\"shelf\",\"shelf\":\"S\",\"plates\":[{\"plate\":\"P1\",\"x0\":0,\"x1\":0.5}]}\n"
    "{\"type\":\"shelf\",\"shelf\":\"T\",\"noise_g\":1.5,\"pos\":[1,-2.5],\"dir\":[0,1],"
    "\"plates\":[{\"plate\":\"Q1\",\"x0\":0,\"x1\":0.1},{\"plate\":\"Q2\",\"x0\":0.1,\"x1\":0.2}]}\n"
    "{\"type\":\"facing\",\"shelf\":\"S\",\"sku\":\"A\",\"x0\":0,\"x1\":0.5}\n"
    "{\"type\":\"facing\",\"shelf\":\"T\",\"sku\":\"B\",\"x0\":0,\"x1\":0.2,\"count\":0}\n"
    "{\"type\":\"camera\",\"camera\":\"C1\",\"width\":640,\"height\":480,\"fps\":30,\"t0\":-7}\n"
    "{\"type\":\"zone\",\"camera\":\"C1\",\"shelf\":\"T\",\"px\":[0,40,600,120],"
    "\"front\":\"bottom\",\"shelf_x\":[0.2,-0]}\n"
    "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
    "{\"type\":\"enter\",\"source\":\"door\",\"seq\":7,\"t\":-5,\"shopper\":\"E1\",\"staff\":true}\n"
    "{\"type\":\"link\",\"t\":3,\"shopper\":\"E1\",\"cart\":\"S1\"}\n"
    "{\"type\":\"position\",\"t\":4,\"shopper\":\"S1\",\"x\":0.6735,\"y\":-0}\n"
    "{\"type\":\"samples\",\"plate\":\"P1\",\"t\":10,\"dt_us\":16667,\"g\":[4610.3,4610.31,-0.01,0]}\n"
    "{\"type\":\"samples\",\"plate\":\"Q1\",\"t\":10,\"dt_us\":1,\"g\":[1.005,0.1]}\n"
    "{\"type\":\"delta\",\"shelf\":\"T\",\"t0\":5,\"t1\":9,\"plates\":{\"Q1\":-540.67,\"Q2\":-0,"
    "\"P1\":0.123}}\n"
    "{\"type\":\"hand\",\"shopper\":null,\"shelf\":\"S\",\"t0\":1,\"t1\":2}\n"
    "{\"type\":\"hand\",\"source\":\"cam-2\",\"shopper\":\"S1\",\"shelf\":\"S\",\"t0\":1,\"t1\":2,"
    "\"x\":0.25,\"conf\":1,\"holding_in\":false,\"holding_out\":true,\"sku_scores\":{}}\n"
    "{\"type\":\"hand\",\"shopper\":\"S1\",\"shelf\":\"S\",\"t0\":1,\"t1\":1,"
    "\"sku_scores\":{\"A\":0.9,\"B\":0.1}}\n"
    "{\"type\":\"restock\",\"source\":\"staff-app\",\"seq\":4,\"shelf\":\"T\",\"sku\":\"B\","
    "\"t0\":10,\"t1\":20,\"qty\":-3}\n"
    "{\"type\":\"exit\",\"t\":30,\"shopper\":\"S1\"}\n"
    "{\"type\":\"diff\",\"seq\":0,\"t\":9007199254740992,\"shopper\":\"S1\",\"sku\":\"A\","
    "\"qty\":-2,\"conf\":0.5,\"review\":true,\"event\":3}\n"
    "{\"type\":\"diff\",\"seq\":1,\"t\":12,\"shopper\":\"S1\",\"sku\":\"A\",\"qty\":1,\"conf\":0,"
    "\"review\":false,\"event\":3,\"corrects\":0}\n"
    "{\"type\":\"receipt\",\"t\":40,\"shopper\":\"S1\",\"items\":{\"A\":1,\"B\":0},\"review\":false}\n"
    "{\"type\":\"receipt\",\"shopper\":\"S1\",\"items\":{}}\n"
    "{\"type\":\"truth\",\"t\":2,\"shopper\":\"S1\",\"sku\":\"A\",\"qty\":1}\n";

/* text, read in whatever format it is in, written as `format` into *out. */
static void rewrite(const char *text, size_t len, rf_scenario_format format, test_text *out) {
  rf_scenario_reader *r = NULL;
  rf_scenario_writer *w = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&r, text, len, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_new(&w, test_text_write, out, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_set_format(w, format), RF_OK);
  rf_record rec;
  int rc;
  while ((rc = rf_scenario_reader_next(r, &rec)) == RF_OK) {
    int wrc = rf_scenario_writer_write(w, &rec);
    if (wrc != RF_OK) fail_msg("writing: %s", rf_scenario_writer_errmsg(w));
  }
  if (rc != RF_ITEROVER) fail_msg("reading: %s", rf_scenario_reader_errmsg(r));
  rf_scenario_reader_free(r);
  assert_int_equal(rf_scenario_writer_close(w), RF_OK);
}

/* JSON Lines to protocol buffers and back: the same text, byte for byte; and smaller. */
static void test_every_kind_round_trips(void **state) {
  (void)state;
  test_text pb = {0}, back = {0};
  rewrite(every_kind, sizeof every_kind - 1, RF_FORMAT_PB, &pb);
  assert_memory_equal(pb.data, RF__PB_MAGIC, RF__PB_MAGIC_LEN);
  rewrite(pb.data, pb.len, RF_FORMAT_JSONL, &back);
  assert_int_equal(back.len, sizeof every_kind - 1);
  assert_memory_equal(back.data, every_kind, back.len);
  assert_true(pb.len < back.len);
  test_text_free(&pb);
  test_text_free(&back);
}

/* The reader says which format it found, and frames count as lines. */
static void test_reader_tells_the_format(void **state) {
  (void)state;
  test_text pb = {0};
  rewrite(every_kind, sizeof every_kind - 1, RF_FORMAT_PB, &pb);
  rf_scenario_reader *r = NULL;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(&r, pb.data, pb.len, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_reader_format(r), RF_FORMAT_JSONL); /* not looked at yet */
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rf_scenario_reader_format(r), RF_FORMAT_PB);
  assert_int_equal(rec.type, RF_RECORD_PRODUCT);
  assert_int_equal(rec.line, 1);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rf_scenario_reader_line(r), 2);
  assert_string_equal(rec.u.product.name, "Tea \xc3\xa9");
  rf_scenario_reader_free(r);
  test_text_free(&pb);
  assert_int_equal(rf_scenario_format_of_path("a/b.pb"), RF_FORMAT_PB);
  assert_int_equal(rf_scenario_format_of_path("a/b.jsonl"), RF_FORMAT_JSONL);
  assert_int_equal(rf_scenario_format_of_path("pb"), RF_FORMAT_JSONL);
}

/* Reads every record of data[0, len); the messages of the errors, joined by '|', in *errors
 * (up to cap bytes), and the count of records read. */
static size_t read_all(const char *data, size_t len, char *errors, size_t cap) {
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&r, data, len, NULL, NULL), RF_OK);
  rf_record rec;
  size_t records = 0, at = 0;
  int rc;
  errors[0] = '\0';
  for (int guard = 0; guard < 1000 && (rc = rf_scenario_reader_next(r, &rec)) != RF_ITEROVER;
       ++guard) {
    if (rc == RF_OK) {
      ++records;
      continue;
    }
    at += (size_t)snprintf(errors + at, cap - at, "%s|", rf_scenario_reader_errmsg(r));
    if (at >= cap || rc == RF_EVERSION || rc == RF_EIO || rc == RF_ENOMEM) break;
  }
  rf_scenario_reader_free(r);
  return records;
}

/* A stream cut anywhere keeps every whole frame before the cut; a cut inside a frame is one
 * error naming that frame and its byte, and the stream ends there. */
static void test_torn_tails(void **state) {
  (void)state;
  test_text pb = {0};
  rewrite(every_kind, sizeof every_kind - 1, RF_FORMAT_PB, &pb);
  /* Where each frame starts. */
  size_t starts[64], frames = 0, at = RF__PB_MAGIC_LEN + 2;
  while (at < pb.len) {
    uint64_t n;
    int k = rf__pb_get_varint((const uint8_t *)pb.data + at, pb.len - at, &n);
    assert_true(k > 0);
    starts[frames++] = at;
    at += (size_t)k + (size_t)n;
  }
  assert_int_equal(at, pb.len);
  char errors[1024];
  for (size_t cut = RF__PB_MAGIC_LEN + 2; cut <= pb.len; ++cut) {
    size_t whole = 0;
    while (whole < frames && (whole + 1 == frames ? pb.len : starts[whole + 1]) <= cut) ++whole;
    size_t got = read_all(pb.data, cut, errors, sizeof errors);
    assert_int_equal(got, whole);
    if (whole == frames || starts[whole] == cut) {
      assert_string_equal(errors, "");
    } else {
      char want[128];
      snprintf(want, sizeof want, "frame %zu (byte %zu): ", whole + 1, starts[whole]);
      assert_true(strncmp(errors, want, strlen(want)) == 0);
      assert_non_null(strstr(errors, "cut short"));
      assert_ptr_equal(strchr(errors, '|'), errors + strlen(errors) - 1); /* one error */
    }
  }
  test_text_free(&pb);
}

/* A header of another version, or with flags this reader does not know, ends the reader with
 * RF_EVERSION; a header cut short is malformed. */
static void test_other_versions_refused(void **state) {
  (void)state;
  char errors[512];
  static const char v2[] = RF__PB_MAGIC "\x02\x00";
  assert_int_equal(read_all(v2, sizeof v2 - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "byte 8: protocol buffers of format version 2 (flags 0); this "
                              "reader reads version 1|");
  static const char flags[] = RF__PB_MAGIC "\x01\x04";
  assert_int_equal(read_all(flags, sizeof flags - 1, errors, sizeof errors), 0);
  assert_non_null(strstr(errors, "version 1 (flags 4)"));
  static const char cut[] = RF__PB_MAGIC "\x01";
  assert_int_equal(read_all(cut, sizeof cut - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "byte 8: the protocol-buffer header is cut short|");
  /* The magic alone, nothing after it: not protocol buffers, and not JSON either. */
  static const char only[] = RF__PB_MAGIC;
  assert_int_equal(read_all(only, sizeof only - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "byte 8: the protocol-buffer header is cut short|");
}

/* One record as a whole stream: the header and its frame. */
static void one_frame(const char *json, test_text *pb) {
  rewrite(json, strlen(json), RF_FORMAT_PB, pb);
}

/* The same, from a record the JSON reader would refuse but the writer writes. */
static void frame_of(const rf_record *rec, test_text *pb) {
  rf_scenario_writer *w = NULL;
  assert_int_equal(rf_scenario_writer_new(&w, test_text_write, pb, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_set_format(w, RF_FORMAT_PB), RF_OK);
  assert_int_equal(rf_scenario_writer_write(w, rec), RF_OK);
  assert_int_equal(rf_scenario_writer_close(w), RF_OK);
}

/* A frame whose message is broken is one error naming it; the frames after it are read. */
static void test_bad_frames_are_reported_and_skipped(void **state) {
  (void)state;
  char errors[1024];
  /* A NUL inside a string: protocol buffers allow it, the format does not. */
  test_text a = {0};
  one_frame("{\"type\":\"exit\",\"t\":30,\"shopper\":\"S12\"}\n", &a);
  char *s = memmem(a.data, a.len, "S12", 3);
  assert_non_null(s);
  s[1] = '\0';
  test_text twice = {0};
  test_text_append(&twice, a.data, a.len);
  test_text_append(&twice, a.data + RF__PB_MAGIC_LEN + 2, a.len - RF__PB_MAGIC_LEN - 2);
  s[1] = '1';
  test_text_append(&twice, a.data + RF__PB_MAGIC_LEN + 2, a.len - RF__PB_MAGIC_LEN - 2);
  assert_int_equal(read_all(twice.data, twice.len, errors, sizeof errors), 1);
  char want[256];
  const size_t frame = a.len - (RF__PB_MAGIC_LEN + 2);
  snprintf(want, sizeof want,
           "frame 1 (byte 10): a string holds a NUL|"
           "frame 2 (byte %zu): a string holds a NUL|",
           10 + frame);
  assert_string_equal(errors, want);
  /* Not a message at all. */
  static const char junk[] = RF__PB_MAGIC "\x01\x00\x03\xff\xff\xff";
  assert_int_equal(read_all(junk, sizeof junk - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): not a Record message (malformed, or a required "
                              "field is missing)|");
  /* A plate named twice in a delta: its JSON twin would hold a key twice. */
  test_text d = {0};
  static const rf_plate_delta same[] = {{"Q1", -1.0}, {"Q1", 2.0}};
  rf_record delta = {.type = RF_RECORD_DELTA};
  delta.u.delta = (rf_delta_rec){"T", 5, 9, same, 2};
  frame_of(&delta, &d);
  assert_int_equal(read_all(d.data, d.len, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): delta: field 'plates.Q1' appears twice|");
  test_text_free(&a);
  test_text_free(&twice);
  test_text_free(&d);
}

/* The format's rules hold for frames as for lines: an input time beyond 2^52, a confidence
 * beyond 1. */
static void test_rules_hold_for_frames(void **state) {
  (void)state;
  char errors[512];
  test_text late = {0}, conf = {0};
  one_frame("{\"type\":\"diff\",\"seq\":0,\"t\":9007199254740992,\"shopper\":\"S1\",\"sku\":\"A\","
            "\"qty\":-2,\"conf\":0.5,\"review\":true,\"event\":3}\n",
            &late);
  assert_int_equal(read_all(late.data, late.len, errors, sizeof errors), 1); /* output: 2^53 */
  /* The same time on an exit, an input: refused. */
  test_text exit = {0};
  rf_record late_exit = {.type = RF_RECORD_EXIT};
  late_exit.u.exit = (rf_shopper_rec){((int64_t)1 << 52) + 1, "S1", 0};
  frame_of(&late_exit, &exit);
  assert_int_equal(read_all(exit.data, exit.len, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): exit: field 't': out of range: more than 2^52 "
                              "microseconds from 0|");
  /* A writer refuses what a reader would: conf is checked before any frame is made. */
  rf_scenario_writer *w = NULL;
  assert_int_equal(rf_scenario_writer_new(&w, test_text_write, &conf, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_set_format(w, RF_FORMAT_PB), RF_OK);
  rf_record rec = {.type = RF_RECORD_DIFF};
  rec.u.diff = (rf_diff_rec){0, 1, "S1", "A", 1, 1.5, 0, 0, 0, 0, 0, 0};
  assert_int_equal(rf_scenario_writer_write(w, &rec), RF_EINVAL);
  assert_string_equal(rf_scenario_writer_errmsg(w), "diff: field 'conf' must be within [0, 1]");
  assert_int_equal(rf_scenario_writer_set_format(w, RF_FORMAT_JSONL), RF_EMISUSE);
  assert_int_equal(rf_scenario_writer_close(w), RF_OK);
  assert_int_equal(conf.len, RF__PB_MAGIC_LEN + 2); /* the header alone */
  test_text_free(&late);
  test_text_free(&exit);
  test_text_free(&conf);
}

/* Frames that end in a CRC32C (journals): a flipped bit anywhere in a message is caught, that
 * frame reported, the next one read. */
static void test_crc_frames(void **state) {
  (void)state;
  assert_int_equal(rf__crc32c((const uint8_t *)"123456789", 9), 0xe3069283u);
  test_text plain = {0};
  one_frame("{\"type\":\"exit\",\"t\":30,\"shopper\":\"S1\"}\n", &plain);
  const uint8_t *frame = (const uint8_t *)plain.data + RF__PB_MAGIC_LEN + 2;
  size_t flen = plain.len - RF__PB_MAGIC_LEN - 2, mlen = flen - 1;
  assert_int_equal(frame[0], mlen); /* a one-byte length */
  uint8_t stream[256];
  size_t n = rf__pb_header(stream, RF__PB_FLAG_CRC);
  const size_t first = n;
  for (int k = 0; k < 2; ++k) {
    memcpy(stream + n, frame, flen);
    n += flen;
    uint32_t crc = rf__crc32c(frame + 1, mlen);
    for (int b = 0; b < 4; ++b) stream[n++] = (uint8_t)(crc >> (8 * b));
  }
  char errors[512];
  assert_int_equal(read_all((const char *)stream, n, errors, sizeof errors), 2);
  assert_string_equal(errors, "");
  for (size_t byte = 0; byte < mlen + 4; ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      stream[first + 1 + byte] ^= (uint8_t)(1u << bit);
      assert_int_equal(read_all((const char *)stream, n, errors, sizeof errors), 1);
      assert_string_equal(errors, "frame 1 (byte 10): its CRC does not match|");
      stream[first + 1 + byte] ^= (uint8_t)(1u << bit);
    }
  test_text_free(&plain);
}

/* A frame longer than the reader allows is an RF_ELIMIT error, and reading goes on after it. */
static void test_long_frame_skipped(void **state) {
  (void)state;
  test_text pb = {0};
  rewrite(every_kind, sizeof every_kind - 1, RF_FORMAT_PB, &pb);
  rf_scenario_reader_options o = RF_SCENARIO_READER_OPTIONS_INIT;
  o.max_line_bytes = 40; /* the shelf with two plates and the three-plate delta are longer */
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&r, pb.data, pb.len, &o, NULL), RF_OK);
  rf_record rec;
  int rc, ok = 0, limit = 0;
  while ((rc = rf_scenario_reader_next(r, &rec)) != RF_ITEROVER) {
    if (rc == RF_OK) ++ok;
    else if (rc == RF_ELIMIT) ++limit;
    else fail_msg("unexpected: %s", rf_scenario_reader_errmsg(r));
  }
  assert_true(limit >= 2);
  assert_int_equal(ok + limit, 25);
  rf_scenario_reader_free(r);
  test_text_free(&pb);
}

/* Another writer's valid encoding reads the same: a samples record whose readings come unpacked
 * (each a field of its own), written by hand. */
static void test_unpacked_repeated_fields_read(void **state) {
  (void)state;
  static const char stream[] = RF__PB_MAGIC
      "\x01\x00"
      "\x10"                       /* the frame: 16 bytes */
      "\x8a\x01"                   /* Record.samples (17), length-delimited */
      "\x0d"                       /* 13 bytes */
      "\x0a\x02P1\x10\x14\x18\x01" /* plate, t 10, dt_us 1 */
      "\x20\xc8\x01\x20\x02";      /* cg_steps 100, then 1: unpacked */
  test_text json = {0};
  rewrite(stream, sizeof stream - 1, RF_FORMAT_JSONL, &json);
  assert_string_equal(
      json.data, "{\"type\":\"samples\",\"plate\":\"P1\",\"t\":10,\"dt_us\":1,\"g\":[1,1.01]}\n");
  test_text_free(&json);
}

/* Restock records go to protocol buffers and back byte for byte, as Record field 23; each field
 * comes back, source and seq included. */
static void test_restock_round_trips(void **state) {
  (void)state;
  static const char json[] =
      "{\"type\":\"restock\",\"shelf\":\"G1S3\",\"sku\":\"859000002121\",\"t0\":1000000,"
      "\"t1\":9000000,\"qty\":6}\n"
      "{\"type\":\"restock\",\"source\":\"staff-app\",\"seq\":41,\"shelf\":\"S\",\"sku\":\"A\","
      "\"t0\":-4503599627370496,\"t1\":-4503599627370496,\"qty\":-9007199254740992}\n";
  test_text pb = {0}, back = {0};
  rewrite(json, sizeof json - 1, RF_FORMAT_PB, &pb);
  /* The first frame: its length, then Record.restock (field 23, length-delimited: key 0xba 0x01)
   * and nothing before it (no source, no seq). */
  const uint8_t *frame = (const uint8_t *)pb.data + RF__PB_MAGIC_LEN + 2;
  assert_int_equal(frame[1], 0xba);
  assert_int_equal(frame[2], 0x01);
  rewrite(pb.data, pb.len, RF_FORMAT_JSONL, &back);
  assert_int_equal(back.len, sizeof json - 1);
  assert_memory_equal(back.data, json, back.len);

  rf_scenario_reader *r = NULL;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(&r, pb.data, pb.len, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rf_scenario_reader_format(r), RF_FORMAT_PB);
  assert_int_equal(rec.type, RF_RECORD_RESTOCK);
  assert_int_equal(rec.line, 1);
  assert_string_equal(rec.u.restock.shelf, "G1S3");
  assert_string_equal(rec.u.restock.sku, "859000002121");
  assert_int_equal(rec.u.restock.t0, 1000000);
  assert_int_equal(rec.u.restock.t1, 9000000);
  assert_int_equal(rec.u.restock.qty, 6);
  assert_null(rec.source);
  assert_int_equal(rec.has_seq, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.type, RF_RECORD_RESTOCK);
  assert_string_equal(rec.source, "staff-app");
  assert_int_equal(rec.has_seq, 1);
  assert_int_equal(rec.seq, 41);
  assert_string_equal(rec.u.restock.shelf, "S");
  assert_string_equal(rec.u.restock.sku, "A");
  assert_int_equal(rec.u.restock.t0, -4503599627370496LL);
  assert_int_equal(rec.u.restock.t1, -4503599627370496LL);
  assert_int_equal(rec.u.restock.qty, -9007199254740992LL);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);
  test_text_free(&pb);
  test_text_free(&back);
}

/* Restock frames another writer made, breaking the format's rules: each is its frame's error,
 * naming the field, as the JSON reader names it. */
static void test_bad_restock_frames(void **state) {
  (void)state;
  char errors[512];
  /* Record.restock (23) holding shelf "S", sku "A", t0 5, t1 9 and qty 0 (sint64: zigzag). */
  static const char qty0[] = RF__PB_MAGIC "\x01\x00"
                                          "\x0f\xba\x01\x0c"
                                          "\x0a\x01"
                                          "S"
                                          "\x12\x01"
                                          "A"
                                          "\x18\x0a\x20\x12\x28\x00";
  assert_int_equal(read_all(qty0, sizeof qty0 - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): restock: field 'qty' must not be 0|");
  /* t0 9 after t1 5, qty 6. */
  static const char order[] = RF__PB_MAGIC "\x01\x00"
                                           "\x0f\xba\x01\x0c"
                                           "\x0a\x01"
                                           "S"
                                           "\x12\x01"
                                           "A"
                                           "\x18\x12\x20\x0a\x28\x0c";
  assert_int_equal(read_all(order, sizeof order - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): restock: field 't1' is before t0|");
  /* An empty sku. */
  static const char empty[] = RF__PB_MAGIC "\x01\x00"
                                           "\x0e\xba\x01\x0b"
                                           "\x0a\x01"
                                           "S"
                                           "\x12\x00"
                                           "\x18\x0a\x20\x12\x28\x0c";
  assert_int_equal(read_all(empty, sizeof empty - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): restock: field 'sku' is missing or empty|");
  /* qty missing: a required field, so not a Record message at all. */
  static const char no_qty[] = RF__PB_MAGIC "\x01\x00"
                                            "\x0d\xba\x01\x0a"
                                            "\x0a\x01"
                                            "S"
                                            "\x12\x01"
                                            "A"
                                            "\x18\x0a\x20\x12";
  assert_int_equal(read_all(no_qty, sizeof no_qty - 1, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): not a Record message (malformed, or a required "
                              "field is missing)|");
  /* The writer refuses what the reader would, before any frame is made. */
  test_text out = {0};
  rf_scenario_writer *w = NULL;
  assert_int_equal(rf_scenario_writer_new(&w, test_text_write, &out, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_set_format(w, RF_FORMAT_PB), RF_OK);
  rf_record rec = {.type = RF_RECORD_RESTOCK};
  rec.u.restock = (rf_restock_rec){"S", "A", 5, 9, 0};
  assert_int_equal(rf_scenario_writer_write(w, &rec), RF_EINVAL);
  assert_string_equal(rf_scenario_writer_errmsg(w), "restock: field 'qty' must not be 0");
  assert_int_equal(rf_scenario_writer_close(w), RF_OK);
  assert_int_equal(out.len, RF__PB_MAGIC_LEN + 2); /* the header alone */
  test_text_free(&out);
}

/* Camera and zone records go to protocol buffers and back byte for byte, as Record fields 24 and
 * 25; each field comes back. */
static void test_camera_zone_round_trips(void **state) {
  (void)state;
  static const char json[] =
      "{\"type\":\"camera\",\"camera\":\"C1\",\"width\":640,\"height\":480,\"fps\":30,"
      "\"t0\":0}\n"
      "{\"type\":\"camera\",\"camera\":\"cam-2\",\"width\":65535,\"height\":1,"
      "\"fps\":29.97002997002997,\"t0\":-4503599627370496}\n"
      "{\"type\":\"zone\",\"camera\":\"C1\",\"shelf\":\"G1S3\",\"px\":[0,40,600,120],"
      "\"front\":\"bottom\",\"shelf_x\":[0,1.2]}\n"
      "{\"type\":\"zone\",\"camera\":\"cam-2\",\"shelf\":\"S\",\"px\":[65534,0,65535,1],"
      "\"front\":\"left\",\"shelf_x\":[-0,-1e-7]}\n";
  test_text pb = {0}, back = {0};
  rewrite(json, sizeof json - 1, RF_FORMAT_PB, &pb);
  /* The first frame: its length, then Record.camera (field 24, length-delimited: key 0xc2
   * 0x01); the third's Record.zone (field 25: 0xca 0x01). */
  const uint8_t *frame = (const uint8_t *)pb.data + RF__PB_MAGIC_LEN + 2;
  assert_int_equal(frame[1], 0xc2);
  assert_int_equal(frame[2], 0x01);
  frame += 1 + frame[0];
  frame += 1 + frame[0];
  assert_int_equal(frame[1], 0xca);
  assert_int_equal(frame[2], 0x01);
  rewrite(pb.data, pb.len, RF_FORMAT_JSONL, &back);
  assert_int_equal(back.len, sizeof json - 1);
  assert_memory_equal(back.data, json, back.len);

  rf_scenario_reader *r = NULL;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(&r, pb.data, pb.len, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.type, RF_RECORD_CAMERA);
  assert_string_equal(rec.u.camera.camera, "C1");
  assert_int_equal(rec.u.camera.width, 640);
  assert_int_equal(rec.u.camera.height, 480);
  assert_true(rec.u.camera.fps == 30.0);
  assert_int_equal(rec.u.camera.t0, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.u.camera.width, 65535);
  assert_int_equal(rec.u.camera.height, 1);
  assert_true(rec.u.camera.fps == 30000.0 / 1001.0);
  assert_int_equal(rec.u.camera.t0, -4503599627370496LL);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.type, RF_RECORD_ZONE);
  assert_int_equal(rec.line, 3);
  assert_string_equal(rec.u.zone.camera, "C1");
  assert_string_equal(rec.u.zone.shelf, "G1S3");
  assert_int_equal(rec.u.zone.x0, 0);
  assert_int_equal(rec.u.zone.y0, 40);
  assert_int_equal(rec.u.zone.x1, 600);
  assert_int_equal(rec.u.zone.y1, 120);
  assert_int_equal(rec.u.zone.front, RF_FRONT_BOTTOM);
  assert_true(rec.u.zone.shelf_x0 == 0.0 && rec.u.zone.shelf_x1 == 1.2);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.u.zone.x0, 65534);
  assert_int_equal(rec.u.zone.front, RF_FRONT_LEFT);
  assert_true(rec.u.zone.shelf_x1 == -1e-7);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);
  test_text_free(&pb);
  test_text_free(&back);
}

/* A stream holding rec's frame as rf__pb_encode makes it, whatever rec holds: the frames another
 * writer could send. */
static void stream_of(const rf_record *rec, test_text *stream) {
  rf_allocator a;
  assert_int_equal(rf__allocator_init(&a, NULL), 0);
  rf__pb_encoder enc;
  rf__pb_encoder_init(&enc, &a);
  uint8_t header[RF__PB_HEADER_MAX], *buf = NULL;
  size_t len = 0, cap = 0;
  assert_int_equal(rf__pb_encode(&enc, rec, &buf, &len, &cap), RF_OK);
  memset(stream, 0, sizeof *stream);
  test_text_append(stream, (const char *)header, rf__pb_header(header, 0));
  test_text_append(stream, (const char *)buf, len);
  rf__free(&a, buf);
  rf__pb_encoder_free(&enc);
}

/* Camera and zone frames another writer made, breaking the format's rules: each is its frame's
 * error, named as the writer names it. */
static void test_bad_camera_zone_frames(void **state) {
  (void)state;
  static const struct {
    rf_record rec;
    const char *error;
  } cases[] = {
      {{.type = RF_RECORD_CAMERA, .u.camera = {"C1", 0, 480, 30, 0}},
       "frame 1 (byte 10): camera: field 'width' must be within [1, 65535]|"},
      {{.type = RF_RECORD_CAMERA, .u.camera = {"C1", 640, 70000, 30, 0}},
       "frame 1 (byte 10): camera: field 'height' must be within [1, 65535]|"},
      {{.type = RF_RECORD_CAMERA, .u.camera = {"C1", 640, 480, -1, 0}},
       "frame 1 (byte 10): camera: field 'fps' must be > 0|"},
      {{.type = RF_RECORD_CAMERA, .u.camera = {"", 640, 480, 30, 0}},
       "frame 1 (byte 10): camera: field 'camera' is missing or empty|"},
      {{.type = RF_RECORD_CAMERA, .u.camera = {"C1", 640, 480, 30, 4503599627370497LL}},
       "frame 1 (byte 10): camera: field 't0': out of range: more than 2^52 microseconds from "
       "0|"},
      {{.type = RF_RECORD_ZONE, .u.zone = {"C1", "S", 5, 0, 5, 10, RF_FRONT_TOP, 0, 1}},
       "frame 1 (byte 10): zone: field 'px' must have x1 greater than x0|"},
      {{.type = RF_RECORD_ZONE, .u.zone = {"C1", "S", -1, 0, 5, 10, RF_FRONT_TOP, 0, 1}},
       "frame 1 (byte 10): zone: field 'px' must be within [0, 65535]|"},
      {{.type = RF_RECORD_ZONE, .u.zone = {"C1", "S", 0, 0, 5, 10, RF_FRONT_TOP, 1, 1}},
       "frame 1 (byte 10): zone: field 'shelf_x' must have two different ends|"},
      {{.type = RF_RECORD_ZONE, .u.zone = {"C1", "", 0, 0, 5, 10, RF_FRONT_TOP, 0, 1}},
       "frame 1 (byte 10): zone: field 'shelf' is missing or empty|"},
  };
  char errors[512];
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    test_text stream;
    stream_of(&cases[k].rec, &stream);
    assert_int_equal(read_all(stream.data, stream.len, errors, sizeof errors), 0);
    if (strcmp(errors, cases[k].error) != 0)
      fail_msg("case %zu: '%s', wanted '%s'", k, errors, cases[k].error);
    test_text_free(&stream);
  }
  /* A front that is no front's name: the frame of a valid zone with "bottom" made "bottoM". */
  rf_record zone = {.type = RF_RECORD_ZONE};
  zone.u.zone = (rf_zone_rec){"C1", "S", 0, 0, 5, 10, RF_FRONT_BOTTOM, 0, 1};
  test_text stream;
  stream_of(&zone, &stream);
  char *front = memmem(stream.data, stream.len, "bottom", 6);
  assert_non_null(front);
  front[5] = 'M';
  assert_int_equal(read_all(stream.data, stream.len, errors, sizeof errors), 0);
  assert_string_equal(errors,
                      "frame 1 (byte 10): zone: field 'front' must be top, bottom, left or right|");
  /* Without its px (a required field), not a Record message at all: the zone message is cut
   * where px begins (its key 0x1a), and the lengths before it shortened to match. */
  test_text_free(&stream);
  stream_of(&zone, &stream);
  uint8_t *frame = (uint8_t *)stream.data + RF__PB_MAGIC_LEN + 2;
  /* frame: its length, 0xca 0x01, the zone's length, camera (0x0a 0x02 "C1"), shelf (0x12 0x01
   * "S"), px (0x1a, its length, ...) */
  assert_int_equal(frame[1], 0xca);
  assert_int_equal(frame[8], 0x12);
  assert_int_equal(frame[11], 0x1a);
  size_t px_at = (size_t)(frame + 11 - (uint8_t *)stream.data), px_len = 2 + frame[12];
  memmove(frame + 11, frame + 11 + px_len, stream.len - px_at - px_len);
  stream.len -= px_len;
  frame[0] = (uint8_t)(frame[0] - px_len);
  frame[3] = (uint8_t)(frame[3] - px_len);
  assert_int_equal(read_all(stream.data, stream.len, errors, sizeof errors), 0);
  assert_string_equal(errors, "frame 1 (byte 10): not a Record message (malformed, or a required "
                              "field is missing)|");
  test_text_free(&stream);
}

/* Reviews (Record field 26), explanations (27), diffs a verdict made (Diff.reviews 10) and
 * amended receipts (Receipt.amends 5) go to protocol buffers and back byte for byte: nobody
 * (null), terms in part or none, a hand without x, a candidate without distance. */
static void test_review_explain_round_trips(void **state) {
  (void)state;
  static const char json[] =
      "{\"type\":\"review\",\"decision\":14,\"shopper\":\"S7\",\"items\":{\"040000004325\":1,"
      "\"A\":-2},\"reviewer\":\"ana\"}\n"
      "{\"type\":\"review\",\"source\":\"desk\",\"seq\":3,\"decision\":0,\"shopper\":null,"
      "\"items\":{}}\n"
      "{\"type\":\"review\",\"decision\":9007199254740992,\"shopper\":\"S\xc3\xa9\",\"items\":{},"
      "\"reviewer\":\"\"}\n"
      "{\"type\":\"diff\",\"seq\":21,\"t\":9007199254740992,\"shopper\":\"S7\",\"sku\":\"A\","
      "\"qty\":2,\"conf\":1,\"review\":false,\"event\":4,\"corrects\":20,\"reviews\":0}\n"
      "{\"type\":\"receipt\",\"t\":52000000,\"shopper\":\"S7\",\"items\":{\"A\":2},"
      "\"review\":false,\"amends\":true}\n"
      "{\"type\":\"explain\",\"event\":3,\"t\":15600000,\"shelf\":\"G1S2\",\"t0\":8100000,"
      "\"t1\":8600000,\"total\":-352.1,\"x\":0.42,\"how\":\"whole\",\"diffs\":[5,7],"
      "\"alternatives\":[{\"shopper\":\"S2\",\"items\":{\"X\":1},\"p\":0.62,\"terms\":{"
      "\"weight\":-3.1,\"plates\":-0.4,\"prior\":-0.22,\"hand\":-1.1,\"identity\":-0.02,"
      "\"position\":-0.5}},{\"shopper\":\"S5\",\"items\":{\"X\":1,\"Y\":-1},\"p\":0.35,"
      "\"terms\":{\"plates\":-0,\"identity\":-3.9}},{\"shopper\":null,\"items\":{},\"p\":0.001}],"
      "\"candidates\":[{\"shopper\":\"S2\",\"p\":0.62,\"distance\":0.35},{\"shopper\":\"S5\","
      "\"p\":0.37}],\"hands\":[{\"shopper\":\"S2\",\"t0\":7900000,\"t1\":8900000,\"x\":0.4,"
      "\"p\":0.6},{\"shopper\":null,\"t0\":-9007199254740992,\"t1\":9007199254740992,\"p\":0}]}\n"
      "{\"type\":\"explain\",\"event\":0,\"t\":-1,\"shelf\":\"S\",\"t0\":0,\"t1\":0,\"total\":0,"
      "\"x\":-1e-7,\"how\":\"nobody\",\"diffs\":[],\"alternatives\":[],\"candidates\":[],"
      "\"hands\":[]}\n";
  test_text pb = {0}, back = {0};
  rewrite(json, sizeof json - 1, RF_FORMAT_PB, &pb);
  /* The first frame: its length, then Record.review (field 26, length-delimited: key 0xd2
   * 0x01); the sixth's Record.explain (field 27: 0xda 0x01, its length two bytes). */
  const uint8_t *frame = (const uint8_t *)pb.data + RF__PB_MAGIC_LEN + 2;
  assert_int_equal(frame[1], 0xd2);
  assert_int_equal(frame[2], 0x01);
  for (int k = 0; k < 5; ++k) frame += 1 + frame[0];
  assert_true(frame[0] & 0x80); /* over 127 bytes */
  assert_int_equal(frame[2], 0xda);
  assert_int_equal(frame[3], 0x01);
  rewrite(pb.data, pb.len, RF_FORMAT_JSONL, &back);
  assert_int_equal(back.len, sizeof json - 1);
  assert_memory_equal(back.data, json, back.len);
  assert_true(pb.len < back.len);

  rf_scenario_reader *r = NULL;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(&r, pb.data, pb.len, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.type, RF_RECORD_REVIEW);
  assert_int_equal(rec.u.review.decision, 14);
  assert_string_equal(rec.u.review.shopper, "S7");
  assert_int_equal(rec.u.review.item_count, 2);
  assert_string_equal(rec.u.review.items[1].sku, "A");
  assert_int_equal(rec.u.review.items[1].qty, -2);
  assert_string_equal(rec.u.review.reviewer, "ana");
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_null(rec.u.review.shopper);
  assert_null(rec.u.review.reviewer);
  assert_string_equal(rec.source, "desk");
  assert_int_equal(rec.seq, 3);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.u.diff.has_reviews, 1);
  assert_int_equal(rec.u.diff.reviews, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.u.receipt.amends, 1);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  const rf_explain_rec *x = &rec.u.explain;
  assert_int_equal(rec.type, RF_RECORD_EXPLAIN);
  assert_int_equal(rec.line, 6);
  assert_int_equal(x->diff_count, 2);
  assert_int_equal(x->diffs[1], 7);
  assert_int_equal(x->alternative_count, 3);
  assert_int_equal(x->alternatives[1].item_count, 2);
  assert_string_equal(x->alternatives[1].items[1].sku, "Y");
  assert_true(isnan(x->alternatives[1].terms.weight));
  assert_true(x->alternatives[1].terms.plates == 0.0 && signbit(x->alternatives[1].terms.plates));
  assert_true(x->alternatives[1].terms.identity == -3.9);
  assert_null(x->alternatives[2].shopper);
  assert_true(isnan(x->alternatives[2].terms.hand));
  assert_int_equal(x->candidates[1].has_distance, 0);
  assert_null(x->hands[1].shopper);
  assert_int_equal(x->hands[1].has_x, 0);
  assert_int_equal(x->hands[1].t0, -9007199254740992LL);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.u.explain.alternative_count, 0);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_ITEROVER);
  rf_scenario_reader_free(r);
  test_text_free(&pb);
  test_text_free(&back);
}

/* Review and explain frames another writer made, breaking the format's rules: each is its
 * frame's error, named as the writer names it (a sku twice as the JSON reader names it). */
static void test_bad_review_explain_frames(void **state) {
  (void)state;
  static const rf_item_qty twice[] = {{"A", 1}, {"A", 2}};
  static const rf_item_qty zero[] = {{"A", 0}};
  static const int64_t seqs[] = {1, -1};
  static const rf_alternative alts[] = {{"S1", zero, 0, 0.5, {NAN, NAN, NAN, NAN, NAN, NAN}},
                                        {"S2", twice, 2, 0.5, {NAN, NAN, NAN, NAN, NAN, NAN}}};
  static const rf_alternative bad_p[] = {{"S1", NULL, 0, 2, {NAN, NAN, NAN, NAN, NAN, NAN}}};
  static const rf_alternative inf_term[] = {
      {"S1", NULL, 0, 1, {NAN, NAN, NAN, -INFINITY, NAN, NAN}}};
  static const rf_candidate far[] = {{"S1", 1, 1, -1}};
  static const rf_explain_hand backwards[] = {{NULL, 5, 4, 0, 0, 1}};
  static const struct {
    rf_record rec;
    const char *error;
  } cases[] = {
      {{.type = RF_RECORD_REVIEW, .u.review = {-1, "S1", NULL, 0, NULL}},
       "frame 1 (byte 10): review: field 'decision' must be >= 0|"},
      {{.type = RF_RECORD_REVIEW, .u.review = {1, NULL, twice, 1, NULL}},
       "frame 1 (byte 10): review: field 'items' must be empty when shopper is null|"},
      {{.type = RF_RECORD_REVIEW, .u.review = {1, "S1", zero, 1, NULL}},
       "frame 1 (byte 10): review: field 'items' holds a quantity of 0|"},
      {{.type = RF_RECORD_REVIEW, .u.review = {1, "S1", twice, 2, NULL}},
       "frame 1 (byte 10): review: field 'items.A' appears twice|"},
      {{.type = RF_RECORD_REVIEW, .u.review = {1, "", NULL, 0, NULL}},
       "frame 1 (byte 10): review: field 'shopper' is missing or empty|"},
      {{.type = RF_RECORD_DIFF, .u.diff = {0, 1, "S1", "A", 1, 1, 0, 0, 0, 0, 1, -4}},
       "frame 1 (byte 10): diff: field 'reviews' must be >= 0|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {0, 1, "S", 0, 1, 0, 0, "whole", NULL, 0, alts, 2, NULL, 0, NULL, 0}},
       "frame 1 (byte 10): explain: field 'alternatives[1].items.A' appears twice|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {0, 1, "S", 0, 1, 0, 0, "hunch", NULL, 0, NULL, 0, NULL, 0, NULL, 0}},
       "frame 1 (byte 10): explain: field 'how' must be whole, split, merged, runs, restock or "
       "nobody|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {0, 1, "S", 0, 1, 0, 0, "whole", seqs, 2, NULL, 0, NULL, 0, NULL, 0}},
       "frame 1 (byte 10): explain: field 'diffs' holds a seq < 0|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {0, 1, "S", 0, 1, 0, 0, "whole", NULL, 0, bad_p, 1, NULL, 0, NULL, 0}},
       "frame 1 (byte 10): explain: field 'alternatives[0].p' must be within [0, 1]|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {0, 1, "S", 0, 1, 0, 0, "whole", NULL, 0, inf_term, 1, NULL, 0, NULL, 0}},
       "frame 1 (byte 10): explain: field 'alternatives[0].terms.hand' is not finite|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {0, 1, "S", 0, 1, 0, 0, "whole", NULL, 0, NULL, 0, far, 1, NULL, 0}},
       "frame 1 (byte 10): explain: field 'candidates[0].distance' must be >= 0|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {0, 1, "S", 0, 1, 0, 0, "whole", NULL, 0, NULL, 0, NULL, 0, backwards, 1}},
       "frame 1 (byte 10): explain: field 'hands[0].t1' is before t0|"},
      {{.type = RF_RECORD_EXPLAIN,
        .u.explain = {-2, 1, "S", 0, 1, 0, 0, "whole", NULL, 0, NULL, 0, NULL, 0, NULL, 0}},
       "frame 1 (byte 10): explain: field 'event' must be >= 0|"},
  };
  char errors[512];
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    test_text stream;
    stream_of(&cases[k].rec, &stream);
    assert_int_equal(read_all(stream.data, stream.len, errors, sizeof errors), 0);
    if (strcmp(errors, cases[k].error) != 0)
      fail_msg("case %zu: '%s', wanted '%s'", k, errors, cases[k].error);
    test_text_free(&stream);
  }
}

/* A source that hands out its bytes, then fails. */
typedef struct failing {
  const char *data;
  size_t len, at;
} failing;

static long failing_read(char *buf, size_t cap, void *payload) {
  failing *f = payload;
  if (f->at == f->len) return RF_EIO;
  size_t n = f->len - f->at < cap ? f->len - f->at : cap;
  memcpy(buf, f->data + f->at, n);
  f->at += n;
  return (long)n;
}

/* A stream error while reading frames ends the reader: RF_EIO from then on. */
static void test_stream_failure_is_final(void **state) {
  (void)state;
  test_text pb = {0};
  one_frame("{\"type\":\"exit\",\"t\":30,\"shopper\":\"S1\"}\n", &pb);
  failing f = {pb.data, pb.len, 0};
  rf_scenario_reader *r = NULL;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_new(&r, failing_read, &f, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  assert_int_equal(rec.type, RF_RECORD_EXIT);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_EIO);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_EIO);
  rf_scenario_reader_free(r);
  test_text_free(&pb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind_round_trips),
      cmocka_unit_test(test_reader_tells_the_format),
      cmocka_unit_test(test_torn_tails),
      cmocka_unit_test(test_other_versions_refused),
      cmocka_unit_test(test_bad_frames_are_reported_and_skipped),
      cmocka_unit_test(test_rules_hold_for_frames),
      cmocka_unit_test(test_crc_frames),
      cmocka_unit_test(test_long_frame_skipped),
      cmocka_unit_test(test_stream_failure_is_final),
      cmocka_unit_test(test_unpacked_repeated_fields_read),
      cmocka_unit_test(test_restock_round_trips),
      cmocka_unit_test(test_bad_restock_frames),
      cmocka_unit_test(test_camera_zone_round_trips),
      cmocka_unit_test(test_bad_camera_zone_frames),
      cmocka_unit_test(test_review_explain_round_trips),
      cmocka_unit_test(test_bad_review_explain_frames),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
