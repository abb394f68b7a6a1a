/* Property: the engine's output does not depend on how its sources' records interleave. A
 * simulated store's events are delivered as live sources would: each source (the tracker, the
 * shelves, the cameras — several of them in some runs) sends its own records in their order, each
 * arriving up to its allowed delay after its time, and the streams merge at random. Every
 * interleaving must give the same output, byte for byte, as the file's own order. (Sources never go
 * stale here: a stale source no longer holds the clock back, and then, by design, timing matters;
 * docs/format.md §9.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record/record.h"
#include "retailfuse/retailfuse.h"
#include "test_rng.h"
#include "test_text.h"

#define MAX_EVENTS 32768

static int to_writer(const rf_record *r, void *payload) {
  return rf_scenario_writer_write(payload, r);
}

static int ignore(const rf_record *r, void *payload) {
  (void)r;
  (void)payload;
  return 0;
}

/* One event line of the scenario, with what delivering it needs. */
typedef struct event {
  const char *line;
  size_t len;
  int kind;   /* 0 tracker, 1 shelves, 2 cameras: its allowed delay */
  int source; /* which stream: an index into the scenario's source names */
  rf_time_us t1, arrives;
} event;

#define MAX_SOURCES 16

typedef struct scenario {
  test_text all;
  rf_store *store;
  event ev[MAX_EVENTS];
  size_t count;
  char source[MAX_SOURCES][16]; /* the streams' names, as the records give them (or by kind) */
  int sources;
} scenario;

/* The index of the stream a record came from. */
static int stream_of(scenario *s, const rf_record *rec, int kind) {
  static const char *const defaults[] = {"tracker", "shelves", "cameras"};
  const char *name = rec->source != NULL ? rec->source : defaults[kind];
  for (int k = 0; k < s->sources; ++k)
    if (strcmp(s->source[k], name) == 0) return k;
  assert_true(s->sources < MAX_SOURCES);
  snprintf(s->source[s->sources], sizeof s->source[0], "%s", name);
  return s->sources++;
}

static int source_of(rf_record_type type) {
  if (type == RF_RECORD_HAND) return 2;
  return type == RF_RECORD_DELTA || type == RF_RECORD_SAMPLES ? 1 : 0;
}

/* A preset, shortened to `shoppers` over `duration` seconds: its store built by the checker, its
 * events kept as lines. With `cameras` > 0, the records name their sources: that many cameras,
 * each its own stream. */
static void simulate(scenario *s, const char *preset, const char *shoppers, const char *duration,
                     uint64_t seed, int cameras) {
  memset(s, 0, sizeof *s);
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, preset), RF_OK);
  assert_int_equal(rf_sim_set(&p, "duration_s", duration), RF_OK);
  assert_int_equal(rf_sim_set(&p, "shoppers", shoppers), RF_OK);
  if (cameras > 0) {
    char n[8];
    snprintf(n, sizeof n, "%d", cameras);
    assert_int_equal(rf_sim_set(&p, "sources", "1"), RF_OK);
    assert_int_equal(rf_sim_set(&p, "cameras", n), RF_OK);
  }
  rf_scenario_writer *w = NULL;
  assert_int_equal(rf_scenario_writer_new(&w, test_text_write, &s->all, NULL), RF_OK);
  assert_int_equal(rf_sim_run(&p, seed, to_writer, w, ignore, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_writer_close(w), RF_OK);
  rf_scenario_reader *r = NULL;
  rf_scenario_check *check = NULL;
  assert_int_equal(rf_scenario_reader_from_memory(&r, s->all.data, s->all.len, NULL, NULL), 0);
  assert_int_equal(rf_scenario_check_new(&check, NULL), RF_OK);
  const char *at = s->all.data;
  rf_record rec;
  while (rf_scenario_reader_next(r, &rec) == RF_OK) {
    const char *end = strchr(at, '\n');
    if (rf__record_is_store(rec.type)) {
      assert_int_equal(rf_scenario_check_record(check, &rec), RF_OK);
    } else {
      assert_true(s->count < MAX_EVENTS);
      event *e = &s->ev[s->count++];
      e->line = at;
      e->len = (size_t)(end - at) + 1;
      e->kind = source_of(rec.type);
      e->source = stream_of(s, &rec, e->kind);
      e->t1 = rec.type == RF_RECORD_DELTA  ? rec.u.delta.t1
              : rec.type == RF_RECORD_HAND ? rec.u.hand.t1
                                           : rec.u.enter.t;
    }
    at = end + 1;
  }
  rf_scenario_reader_free(r);
  s->store = rf_scenario_check_take_store(check);
  assert_non_null(s->store);
  rf_scenario_check_free(check);
}

static int by_arrival(const void *a, const void *b) {
  const event *x = a, *y = b;
  if (x->arrives != y->arrives) return x->arrives < y->arrives ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line; /* the file's order breaks ties */
}

/* Each source's records in their own order, each arriving up to just under its source's allowed
 * delay after its time (never before the one it sent before), merged by arrival. */
static void interleave(scenario *s, uint64_t *rng, event *out) {
  static const double delay_s[3] = {1.9, 0.9, 4.9}; /* tracker 2 s, shelves 1 s, cameras 5 s */
  rf_time_us last[MAX_SOURCES];
  for (int k = 0; k < MAX_SOURCES; ++k) last[k] = INT64_MIN;
  for (size_t i = 0; i < s->count; ++i) {
    out[i] = s->ev[i];
    rf_time_us a = out[i].t1 + (rf_time_us)(test_rng_uniform(rng) * delay_s[out[i].kind] * 1e6);
    if (a < last[out[i].source]) a = last[out[i].source];
    out[i].arrives = last[out[i].source] = a;
  }
  qsort(out, s->count, sizeof *out, by_arrival);
}

static void push_line(rf_engine *e, const event *ev) {
  rf_scenario_reader *r = NULL;
  rf_record rec;
  assert_int_equal(rf_scenario_reader_from_memory(&r, ev->line, ev->len, NULL, NULL), RF_OK);
  assert_int_equal(rf_scenario_reader_next(r, &rec), RF_OK);
  int rc = rf_engine_push(e, &rec);
  if (rc != RF_OK && rc != RF_SETASIDE) /* (a broken-off track's first fixes are set aside) */
    fail_msg("%.*s: %s (%s)", (int)ev->len - 1, ev->line, rf_err_name(rc), rf_engine_errmsg(e));
  rf_scenario_reader_free(r);
}

/* The engine's whole output for the events in this order. */
static void run(const scenario *s, const event *order, double tracker_delay_s, test_text *out) {
  rf_engine *e = NULL;
  rf_scenario_writer *w = NULL;
  memset(out, 0, sizeof *out);
  assert_int_equal(rf_engine_new(&e, s->store, NULL), RF_OK);
  assert_int_equal(rf_engine_param_set(e, RF_PARAM_SOURCE_TIMEOUT_S, 3600.0), RF_OK);
  if (tracker_delay_s > 0)
    assert_int_equal(rf_engine_param_set(e, RF_PARAM_TRACKER_DELAY_S, tracker_delay_s), RF_OK);
  assert_int_equal(rf_scenario_writer_new(&w, test_text_write, out, NULL), RF_OK);
  rf_engine_set_output(e, to_writer, w);
  for (size_t i = 0; i < s->count; ++i) push_line(e, &order[i]);
  assert_int_equal(rf_engine_finish(e), RF_OK);
  assert_int_equal(rf_scenario_writer_close(w), RF_OK);
  rf_engine_free(e);
}

/* Every interleaving of scenario s's records gives the output of the file's order. */
static void same_output(scenario *s, uint64_t seed, int interleavings, double tracker_delay_s,
                        uint64_t *rng) {
  static event order[MAX_EVENTS];
  test_text first, other;
  run(s, s->ev, tracker_delay_s, &first);
  assert_true(first.len > 0);
  for (int k = 0; k < interleavings; ++k) {
    interleave(s, rng, order);
    run(s, order, tracker_delay_s, &other);
    if (other.len != first.len || memcmp(other.data, first.data, first.len) != 0) {
      size_t at = 0;
      while (at < first.len && at < other.len && first.data[at] == other.data[at]) ++at;
      while (at > 0 && first.data[at - 1] != '\n') --at;
      fail_msg("seed %llu, interleaving %d differs from line:\n%.200s\n%.200s",
               (unsigned long long)seed, k, first.data + at, other.data + at);
    }
    free(other.data);
  }
  free(first.data);
  free(s->all.data);
  rf_store_free(s->store);
}

/* The busy store: a fix per reach. */
static void test_interleavings_give_the_same_output(void **state) {
  (void)state;
  static scenario s;
  uint64_t rng = 0x5eed;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    int cameras = seed > 4 ? (int)seed - 3 : 0; /* seeds 5-8: 2 to 5 cameras */
    simulate(&s, "busy", "8", "150", seed, cameras);
    assert_true(s.sources >= (cameras > 0 ? 2 + cameras : 3)); /* the streams really are there */
    same_output(&s, seed, 6, 0, &rng);
  }
}

/* The realistic store: a tracker reporting 12 times a second that runs ahead of the cameras,
 * swaps ids and breaks tracks off under new ones. What it reveals about ids counts for the
 * decisions due after the fix that revealed it, less TRACKER_DELAY_S — never for one due before,
 * however early the fix came. The last seed again with a tracker allowed 5 s (more than it
 * takes here), so swaps are applied while records of their time are still coming. */
static void test_interleavings_with_a_tracker(void **state) {
  (void)state;
  static scenario s;
  uint64_t rng = 0x7eed;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    simulate(&s, "realistic", "8", "240", seed, 0);
    same_output(&s, seed, 3, 0, &rng);
  }
  simulate(&s, "realistic", "8", "240", 4, 0);
  same_output(&s, 4, 3, 5.0, &rng);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_interleavings_give_the_same_output),
      cmocka_unit_test(test_interleavings_with_a_tracker),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
