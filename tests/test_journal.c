/* The journal (lib/io/journal.c): what a run appended comes back in order after a reopen, a
 * torn tail of any length is cut to the last whole entry, a damaged frame stops the opening
 * unless skipped, segments rotate, and a journal replayed into a new engine gives the output
 * of the engine that wrote it. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, truncate */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"
#include "test_dir.h"
#include "test_rng.h"
#include "test_text.h"

/* A fresh directory under /tmp for one test's journal. */
static void fresh_dir(char *dir, size_t cap) {
  assert_int_equal(test_dir_make(dir, cap, "rf-journal"), 0);
}

/* What a replay saw, as JSON Lines ("advance T" lines for the clock). */
typedef struct seen {
  test_text text;
  rf_scenario_writer *w;
} seen;

static int seen_record(const rf_record *rec, void *payload) {
  seen *s = payload;
  assert_int_equal(rf_scenario_writer_write(s->w, rec), RF_OK);
  return rf_scenario_writer_flush(s->w);
}

static int seen_advance(rf_time_us clock, void *payload) {
  char line[64];
  int n = snprintf(line, sizeof line, "advance %lld\n", (long long)clock);
  return test_text_write(line, (size_t)n, &((seen *)payload)->text);
}

/* Everything the journal in dir holds, as text; its state in *st. */
static void replay_text(const char *dir, const rf_journal_options *o, test_text *out,
                        rf_journal_state *st) {
  rf_journal *j = NULL;
  int rc = rf_journal_open(&j, dir, o, NULL);
  if (rc != RF_OK) fail_msg("open: %s", rf_journal_errmsg(j));
  rf_journal_state_get(j, st);
  seen s = {{0}, NULL};
  assert_int_equal(rf_scenario_writer_new(&s.w, test_text_write, &s.text, NULL), RF_OK);
  assert_int_equal(rf_journal_replay(j, seen_record, seen_advance, &s), RF_OK);
  assert_int_equal(rf_scenario_writer_close(s.w), RF_OK);
  assert_int_equal(rf_journal_close(j), RF_OK);
  *out = s.text;
}

static const char events[] =
    "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
    "{\"type\":\"hand\",\"source\":\"cam-1\",\"seq\":4,\"shopper\":\"S1\",\"shelf\":\"A\","
    "\"t0\":1000,\"t1\":2000,\"x\":0.1}\n"
    "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":1500,\"t1\":1900,\"plates\":{\"A1\":-540.67}}\n"
    "{\"type\":\"exit\",\"t\":30000000,\"shopper\":\"S1\"}\n";

/* Appends every record of `text`, with an advance after each, to the journal in dir. */
static void append_text(const char *dir, const rf_journal_options *o, const char *text) {
  rf_journal *j = NULL;
  assert_int_equal(rf_journal_open(&j, dir, o, NULL), RF_OK);
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&r, text, strlen(text), NULL, NULL), RF_OK);
  rf_record rec;
  rf_time_us t = 0;
  while (rf_scenario_reader_next(r, &rec) == RF_OK) {
    assert_int_equal(rf_journal_append(j, &rec), RF_OK);
    assert_int_equal(rf_journal_advance(j, t += 1000), RF_OK);
  }
  rf_scenario_reader_free(r);
  assert_int_equal(rf_journal_close(j), RF_OK);
}

static const char expected[] =
    "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n"
    "advance 1000\n"
    "{\"type\":\"hand\",\"source\":\"cam-1\",\"seq\":4,\"shopper\":\"S1\",\"shelf\":\"A\","
    "\"t0\":1000,\"t1\":2000,\"x\":0.1}\n"
    "advance 2000\n"
    "{\"type\":\"delta\",\"shelf\":\"A\",\"t0\":1500,\"t1\":1900,\"plates\":{\"A1\":-540.67}}\n"
    "advance 3000\n"
    "{\"type\":\"exit\",\"t\":30000000,\"shopper\":\"S1\"}\n"
    "advance 4000\n";

/* Appended, closed, opened again: every entry in order; appending goes on after them. */
static void test_entries_come_back_in_order(void **state) {
  (void)state;
  char dir[64];
  fresh_dir(dir, sizeof dir);
  rf_journal_options o = RF_JOURNAL_OPTIONS_INIT;
  o.sync = RF_JOURNAL_SYNC_EVERY;
  append_text(dir, &o, events);
  test_text got = {0};
  rf_journal_state st;
  replay_text(dir, &o, &got, &st);
  assert_string_equal(got.data, expected);
  assert_int_equal(st.entries, 8);
  assert_int_equal(st.segments, 1);
  assert_int_equal(st.torn_bytes, 0);
  free(got.data);
  append_text(dir, &o, events); /* a second run, resumed */
  replay_text(dir, &o, &got, &st);
  assert_int_equal(st.entries, 16);
  assert_int_equal(strlen(got.data), 2 * strlen(expected));
  assert_memory_equal(got.data + strlen(expected), expected, strlen(expected));
  free(got.data);
  test_dir_remove(dir);
}

static char *segment_path(const char *dir, unsigned n, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/journal-%06u.rfj", dir, n);
  return buf;
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The first `n` lines of text, as a count of bytes. */
static size_t first_lines(const char *text, size_t n) {
  const char *p = text;
  for (size_t i = 0; i < n; ++i) p = strchr(p, '\n') + 1;
  return (size_t)(p - text);
}

/* Cut anywhere, the journal keeps exactly the whole entries before the cut, cuts the rest off
 * (counted in torn_bytes), and the file ends at the last whole entry. */
static void test_torn_tail_of_every_length(void **state) {
  (void)state;
  char dir[64], path[128];
  fresh_dir(dir, sizeof dir);
  rf_journal_options o = RF_JOURNAL_OPTIONS_INIT;
  append_text(dir, &o, events);
  segment_path(dir, 1, path, sizeof path);
  long whole = file_size(path);
  assert_true(whole > 10 && whole < 4096);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static unsigned char copy[4096];
  assert_int_equal(fread(copy, 1, (size_t)whole, f), (size_t)whole);
  fclose(f);
  /* Where each entry ends: the header is 10 bytes, each frame a one-byte length, the message
   * and 4 bytes of CRC. */
  size_t ends[16], frames = 0;
  for (size_t at = 10; at < (size_t)whole; at += 1 + copy[at] + 4)
    ends[frames++] = at + 1 + copy[at] + 4;
  assert_int_equal(frames, 8);
  assert_int_equal(ends[frames - 1], (size_t)whole);
  for (long cut = whole; cut >= 0; --cut) {
    f = fopen(path, "wb");
    assert_int_equal(fwrite(copy, 1, (size_t)cut, f), (size_t)cut);
    fclose(f);
    size_t kept = 0;
    while (kept < frames && ends[kept] <= (size_t)cut) ++kept;
    size_t keep_bytes = cut < 10 ? 0 : kept ? ends[kept - 1] : 10;
    test_text got = {0};
    rf_journal_state st;
    replay_text(dir, &o, &got, &st);
    assert_int_equal(st.entries, kept);
    assert_int_equal(st.torn_bytes, (size_t)cut - keep_bytes);
    assert_int_equal(got.len, first_lines(expected, kept));
    assert_true(kept == 0 || memcmp(got.data, expected, got.len) == 0);
    /* A header cut short is begun again. */
    assert_int_equal(file_size(path), cut < 10 ? 10 : (long)keep_bytes);
    free(got.data);
  }
  test_dir_remove(dir);
}

/* A flipped bit in any byte of a frame stops the opening with a message naming the segment,
 * the frame and its byte; with skip_bad the frame is skipped and the others come back. */
static void test_damaged_frame_stops_or_is_skipped(void **state) {
  (void)state;
  char dir[64], path[128];
  fresh_dir(dir, sizeof dir);
  rf_journal_options o = RF_JOURNAL_OPTIONS_INIT;
  append_text(dir, &o, "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n");
  segment_path(dir, 1, path, sizeof path);
  long whole = file_size(path);
  /* The first frame (the enter) runs from byte 10 to its advance. */
  for (long byte = 10; byte < whole; ++byte) {
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, byte, SEEK_SET);
    int c = fgetc(f);
    fseek(f, byte, SEEK_SET);
    fputc(c ^ 0x10, f);
    fclose(f);
    rf_journal *j = NULL;
    int rc = rf_journal_open(&j, dir, &o, NULL);
    if (rc == RF_OK) {
      /* A flipped length can still frame whole entries; then what is left is a torn tail. */
      rf_journal_state st;
      rf_journal_state_get(j, &st);
      assert_true(st.torn_bytes > 0 && st.entries < 2);
    } else {
      assert_int_equal(rc, RF_EPARSE);
      assert_true(strncmp(rf_journal_errmsg(j), "journal-000001.rfj: frame ", 26) == 0);
    }
    rf_journal_close(j);
    /* Put the byte back (a reopen that cut a tail needs the file whole again). */
    f = fopen(path, "r+b");
    fseek(f, byte, SEEK_SET);
    fputc(c, f);
    fclose(f);
    if (file_size(path) < whole) { /* cut: write it again */
      test_dir_remove(dir);
      fresh_dir(dir, sizeof dir);
      append_text(dir, &o, "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n");
      segment_path(dir, 1, path, sizeof path);
    }
  }
  /* A CRC byte flipped: stopped, or skipped with skip_bad. */
  FILE *f = fopen(path, "r+b");
  fseek(f, whole - 1, SEEK_SET);
  int c = fgetc(f);
  fseek(f, whole - 1, SEEK_SET);
  fputc(c ^ 1, f);
  fclose(f);
  rf_journal *j = NULL;
  assert_int_equal(rf_journal_open(&j, dir, &o, NULL), RF_EPARSE);
  assert_non_null(strstr(rf_journal_errmsg(j), "frame 2 (byte "));
  assert_non_null(strstr(rf_journal_errmsg(j), "its CRC does not match"));
  rf_journal_close(j);
  o.skip_bad = 1;
  test_text got = {0};
  rf_journal_state st;
  replay_text(dir, &o, &got, &st);
  assert_string_equal(got.data, "{\"type\":\"enter\",\"t\":0,\"shopper\":\"S1\"}\n");
  assert_int_equal(st.entries, 1);
  assert_int_equal(st.skipped, 1);
  free(got.data);
  test_dir_remove(dir);
}

/* Past segment_bytes a new segment begins; a replay reads them all in order. */
static void test_segments_rotate(void **state) {
  (void)state;
  char dir[64], path[128];
  fresh_dir(dir, sizeof dir);
  rf_journal_options o = RF_JOURNAL_OPTIONS_INIT;
  o.segment_bytes = 40;
  o.sync = RF_JOURNAL_SYNC_NEVER;
  append_text(dir, &o, events);
  assert_true(file_size(segment_path(dir, 3, path, sizeof path)) > 0);
  test_text got = {0};
  rf_journal_state st;
  replay_text(dir, &o, &got, &st);
  assert_true(st.segments >= 3);
  assert_string_equal(got.data, expected);
  free(got.data);
  /* A segment cut short with segments after it is damage, not a torn tail: named, or skipped. */
  assert_int_equal(truncate(segment_path(dir, 1, path, sizeof path), 12), 0);
  rf_journal *j = NULL;
  assert_int_equal(rf_journal_open(&j, dir, &o, NULL), RF_EPARSE);
  assert_string_equal(rf_journal_errmsg(j),
                      "journal-000001.rfj: cut short at byte 10, and segments follow it");
  rf_journal_close(j);
  o.skip_bad = 1;
  assert_int_equal(rf_journal_open(&j, dir, &o, NULL), RF_OK);
  rf_journal_state skipped;
  rf_journal_state_get(j, &skipped);
  assert_int_equal(skipped.skipped, 1);
  assert_true(skipped.entries < st.entries && skipped.entries > 0);
  rf_journal_close(j);
  test_dir_remove(dir);
}

/* A segment of another format version, or a file that is no segment at all, stops the opening
 * with RF_EVERSION or RF_EPARSE naming the file; the file is left as it was. */
static void test_other_versions_stop(void **state) {
  (void)state;
  char dir[64], path[128];
  fresh_dir(dir, sizeof dir);
  segment_path(dir, 1, path, sizeof path);
  FILE *f = fopen(path, "wb");
  fwrite("\x89RFP\r\n\x1a\n\x02\x01", 1, 10, f);
  fclose(f);
  rf_journal *j = NULL;
  assert_int_equal(rf_journal_open(&j, dir, NULL, NULL), RF_EVERSION);
  assert_string_equal(rf_journal_errmsg(j), "journal-000001.rfj: format version 2 (flags 1); this "
                                            "journal reads version 1");
  rf_journal_close(j);
  f = fopen(path, "wb");
  fputs("{\"type\":\"exit\"}\n", f);
  fclose(f);
  assert_int_equal(rf_journal_open(&j, dir, NULL, NULL), RF_EPARSE);
  assert_string_equal(rf_journal_errmsg(j), "journal-000001.rfj: not a journal segment");
  rf_journal_close(j);
  assert_int_equal(file_size(path), 16);
  test_dir_remove(dir);
}

/* ---- restoring an engine ---- */

typedef struct host_run {
  rf_host *host;
  test_text out;
  rf_scenario_writer *w;
} host_run;

static int to_text(const rf_record *rec, void *payload) {
  return rf_scenario_writer_write(((host_run *)payload)->w, rec);
}

static void host_open(host_run *h) {
  memset(h, 0, sizeof *h);
  assert_int_equal(rf_host_new(&h->host, RF_METHOD_FUSED, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_new(&h->w, test_text_write, &h->out, NULL), RF_OK);
  rf_host_set_output(h->host, to_text, h);
}

static int host_push(const rf_record *rec, void *payload) {
  int rc = rf_host_push(((host_run *)payload)->host, rec);
  return rc == RF_SETASIDE || rc == RF_EBEHIND ? 0 : rc;
}

/* The whole output, and the host freed. */
static void host_finish(host_run *h) {
  assert_int_equal(rf_host_finish(h->host), RF_OK);
  assert_int_equal(rf_scenario_writer_close(h->w), RF_OK);
  rf_host_free(h->host);
}

static int collect(const rf_record *rec, void *payload) {
  return rf_scenario_writer_write(payload, rec);
}

static int ignore(const rf_record *rec, void *payload) {
  (void)rec;
  (void)payload;
  return 0;
}

/* A run killed after any record and resumed from its journal — a new host given the journal,
 * then the records after it — writes exactly the output of a run never killed. */
static void test_resumed_run_equals_unkilled(void **state) {
  (void)state;
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, "busy"), RF_OK);
  assert_int_equal(rf_sim_set(&p, "shoppers", "8"), RF_OK);
  assert_int_equal(rf_sim_set(&p, "duration_s", "200"), RF_OK);
  test_text scenario = {0};
  rf_scenario_writer *w = NULL;
  assert_int_equal(rf_scenario_writer_new(&w, test_text_write, &scenario, NULL), RF_OK);
  assert_int_equal(rf_sim_run(&p, 3, collect, w, ignore, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_close(w), RF_OK);
  host_run whole;
  host_open(&whole);
  rf_scenario_reader *r = NULL;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(&r, scenario.data, scenario.len, NULL, NULL), 0);
  size_t records = 0;
  while (rf_scenario_reader_next(r, &rec) == RF_OK) {
    assert_int_equal(host_push(&rec, &whole), RF_OK);
    ++records;
  }
  rf_scenario_reader_free(r);
  host_finish(&whole);
  assert_true(records > 300 && whole.out.len > 1000);
  uint64_t rng = 5;
  for (int trial = 0; trial < 6; ++trial) {
    size_t kill_after = trial == 0 ? records : (size_t)(test_rng_uniform(&rng) * (double)records);
    char dir[64];
    fresh_dir(dir, sizeof dir);
    rf_journal *j = NULL;
    assert_int_equal(rf_journal_open(&j, dir, NULL, NULL), RF_OK);
    host_run killed;
    host_open(&killed);
    assert_int_equal(rf_scenario_reader_from_memory(&r, scenario.data, scenario.len, NULL, NULL),
                     0);
    for (size_t k = 0; k < kill_after && rf_scenario_reader_next(r, &rec) == RF_OK; ++k) {
      assert_int_equal(rf_journal_append(j, &rec), RF_OK);
      assert_int_equal(host_push(&rec, &killed), RF_OK);
    }
    assert_int_equal(rf_journal_close(j), RF_OK);
    rf_scenario_writer_close(killed.w); /* killed: its engine's state is gone */
    rf_host_free(killed.host);
    free(killed.out.data);
    host_run resumed;
    host_open(&resumed);
    assert_int_equal(rf_journal_open(&j, dir, NULL, NULL), RF_OK);
    assert_int_equal(rf_journal_replay(j, host_push, NULL, &resumed), RF_OK);
    assert_int_equal(rf_journal_close(j), RF_OK);
    while (rf_scenario_reader_next(r, &rec) == RF_OK)
      assert_int_equal(host_push(&rec, &resumed), RF_OK);
    rf_scenario_reader_free(r);
    host_finish(&resumed);
    assert_int_equal(resumed.out.len, whole.out.len);
    assert_memory_equal(resumed.out.data, whole.out.data, whole.out.len);
    free(resumed.out.data);
    test_dir_remove(dir);
  }
  free(whole.out.data);
  free(scenario.data);
}

/* What a group-committing host sees: entries appended in INTERVAL or NEVER mode wait in memory
 * (not durable, the segment file shorter); rf_journal_flush writes them (durable for the host
 * from then on) and rf_journal_bytes counts them all along. */
static void test_flush_writes_what_waits(void **state) {
  (void)state;
  const rf_journal_sync_mode modes[] = {RF_JOURNAL_SYNC_INTERVAL, RF_JOURNAL_SYNC_NEVER};
  for (size_t m = 0; m < 2; ++m) {
    char dir[64], path[128];
    fresh_dir(dir, sizeof dir);
    rf_journal_options o = RF_JOURNAL_OPTIONS_INIT;
    o.sync = modes[m];
    o.sync_ms = 60000; /* nothing is written on its own during the test */
    rf_journal *j = NULL;
    assert_int_equal(rf_journal_open(&j, dir, &o, NULL), RF_OK);
    long empty = file_size(segment_path(dir, 1, path, sizeof path));
    assert_int_equal(rf_journal_durable(j), 0);
    assert_int_equal(rf_journal_advance(j, 1000), RF_OK);
    assert_int_equal(rf_journal_advance(j, 2000), RF_OK);
    assert_int_equal(rf_journal_durable(j), 0);
    assert_int_equal(file_size(path), empty);
    uint64_t bytes = rf_journal_bytes(j);
    assert_true(bytes > (uint64_t)empty);
    assert_int_equal(rf_journal_flush(j), RF_OK);
    assert_int_equal(rf_journal_durable(j), 2);
    assert_int_equal(file_size(path), (long)bytes);
    assert_int_equal(rf_journal_bytes(j), bytes);
    assert_int_equal(rf_journal_flush(j), RF_OK); /* nothing waits: nothing to do */
    assert_int_equal(rf_journal_close(j), RF_OK);
    test_dir_remove(dir);
  }
  assert_int_equal(rf_journal_flush(NULL), RF_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_entries_come_back_in_order),
      cmocka_unit_test(test_torn_tail_of_every_length),
      cmocka_unit_test(test_damaged_frame_stops_or_is_skipped),
      cmocka_unit_test(test_segments_rotate),
      cmocka_unit_test(test_other_versions_stop),
      cmocka_unit_test(test_resumed_run_equals_unkilled),
      cmocka_unit_test(test_flush_writes_what_waits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
