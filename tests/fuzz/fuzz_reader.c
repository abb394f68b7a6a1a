/* Fuzz target: arbitrary bytes as a scenario file. Every line goes through the reader; a record
 * it accepts goes through the scenario checker, through the output invariant checker (events
 * the checker accepted as input, diffs and receipts as output: the bytes are arbitrary, so a
 * violation is only reported, never a crash), and through the writer: a record the writer
 * takes must read back, and write again to the same bytes. Reading must end (RF_ITEROVER, or
 * RF_EIO / RF_ENOMEM) with every call returning a documented code. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "test_text.h"
#include "invariants.h"
#include "retailfuse/check.h"
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"

enum { MAX_LINE = 1 << 16 };

/* The record as the writer writes it, into b (emptied first): 0, or the writer's refusal. */
static int write_one(const rf_record *r, test_text *b) {
  rf_scenario_writer *w;
  b->len = 0;
  if (rf_scenario_writer_new(&w, test_text_write, b, NULL) != 0) fuzz_die("writer: out of memory");
  int rc = rf_scenario_writer_write(w, r);
  int closed = rf_scenario_writer_close(w);
  if (rc == 0 && closed != 0) fuzz_die("writer: close failed (%d)", closed);
  return rc;
}

/* A written record reads back as one record of its type that writes the same bytes. */
static void round_trip(const rf_record *r) {
  test_text first = {0}, second = {0};
  if (write_one(r, &first) == 0) {
    rf_scenario_reader *rd;
    rf_record back;
    if (rf_scenario_reader_from_memory(&rd, first.data, first.len, NULL, NULL) != 0)
      fuzz_die("reader: out of memory");
    int rc = rf_scenario_reader_next(rd, &back);
    if (rc != 0)
      fuzz_die("a written record does not read back: %.*s: %s", (int)first.len, first.data,
               rf_scenario_reader_errmsg(rd));
    if (back.type != r->type || write_one(&back, &second) != 0 || second.len != first.len ||
        memcmp(first.data, second.data, first.len) != 0)
      fuzz_die("written twice differently: %.*s then %.*s", (int)first.len, first.data,
               (int)second.len, second.data ? second.data : "");
    rf_scenario_reader_free(rd);
  }
  free(first.data);
  free(second.data);
}

static int is_event(rf_record_type t) { return t >= RF_RECORD_ENTER && t <= RF_RECORD_HAND; }

static void take(rf_scenario_check *check, inv_checker *inv, const rf_record *r) {
  int rc = rf_scenario_check_record(check, r);
  if (rc > 0) fuzz_die("the checker returned %d", rc);
  /* Arbitrary bytes break invariants all the time: only memory errors and crashes count. */
  if (rc == 0 && is_event(r->type)) inv_input(inv, r);
  if (r->type == RF_RECORD_DIFF || r->type == RF_RECORD_RECEIPT) inv_output(inv, r);
  round_trip(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rf_scenario_reader_options opt = RF_SCENARIO_READER_OPTIONS_INIT;
  opt.max_line_bytes = MAX_LINE;
  rf_scenario_reader *r;
  rf_scenario_check *check;
  inv_checker *inv;
  if (rf_scenario_reader_from_memory(&r, (const char *)data, size, &opt, NULL) != 0 ||
      rf_scenario_check_new(&check, NULL) != 0 || inv_new(&inv) != 0)
    fuzz_die("out of memory");
  rf_record rec;
  int rc;
  while ((rc = rf_scenario_reader_next(r, &rec)) != RF_ITEROVER) {
    if (rc == RF_EIO || rc == RF_ENOMEM) break;
    if (rc == 0) take(check, inv, &rec);
    else if (rc != RF_EPARSE && rc != RF_ERANGE && rc != RF_ELIMIT && rc != RF_EVERSION)
      fuzz_die("the reader returned %d: %s", rc, rf_scenario_reader_errmsg(r));
    else if (rf_scenario_reader_errmsg(r)[0] == '\0')
      fuzz_die("an error (%d) without a message", rc);
  }
  rf_scenario_summary sum;
  rf_scenario_check_summary(check, &sum);
  inv_finish(inv);
  inv_free(inv);
  rf_scenario_check_free(check);
  rf_scenario_reader_free(r);
  return 0;
}
