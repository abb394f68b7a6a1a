/* Regression runs of the hostile-input findings (tests/data/fuzz-findings/, from an earlier fuzz
 * run; what each shows is in /work/shared/fuzz/README.md and docs/format.md §9): each file goes
 * through the library as `retailfuse run` does — the scenario reader, then rf_host with the
 * fusion engine — with the output invariant checker (tests/support/invariants.h) on the output.
 *
 * Expected of every file: the run finishes (no record stops it: a push returns 0 or sets the
 * record aside with RF_SETASIDE, and rf_host_finish returns 0), and every invariant holds,
 * receipt times included (the last exit + WAIT_S). Files of input that must be refused also
 * have exactly the lines listed refused by the reader, each naming its field (or an entry of
 * it: 'plates.P1'); the rest of the file runs as above. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka after the standard headers it needs */
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "invariants.h"
#include "retailfuse/engine.h"
#include "retailfuse/host.h"
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"

#define FINDINGS RF_TEST_DATA_DIR "/fuzz-findings/"

enum { MAX_REFUSED = 6 };

/* A line the reader must refuse, and the field its message must name. */
typedef struct refusal {
  uint64_t line;
  const char *field;
} refusal;

typedef struct finding {
  const char *file;
  refusal refused[MAX_REFUSED]; /* none: every line must read */
} finding;

static finding findings[] = {
    {"negative-cart-put-back-then-correction.jsonl", {{0}}},
    {"negative-cart-unbilled-take.jsonl", {{0}}},
    {"diff-after-receipt.jsonl", {{0}}},
    {"link-moves-items-without-diff.jsonl", {{0}}},
    {"correction-names-linked-shopper.jsonl", {{0}}},
    {"link-into-receipted-cart-unbilled.jsonl", {{0}}},
    {"negative-time-receipt-time-wrong.jsonl", {{0}}},
    {"forgotten-shopper-position-run-aborts.jsonl", {{0}}},
    {"forgotten-shopper-hand-run-aborts.jsonl", {{0}}},
    {"forgotten-shopper-link-run-aborts.jsonl", {{0}}},
    {"nul-in-id-truncated.jsonl", {{13, "shopper"}, {15, "shopper"}}},
    {"invalid-utf8-id-echoed.jsonl", {{13, "shopper"}, {15, "shopper"}, {16, "shopper"}}},
    {"duplicate-keys-first-wins.jsonl", {{13, "shopper"}, {14, "type"}, {15, "plates"}}},
    {"weight-1e308-change-dropped.jsonl", {{6, "weight_g"}, {15, "plates"}, {17, "plates"}}},
    {"output-time-beyond-2p53-run-fails.jsonl", {{13, "t"}, {14, "t0"}, {15, "t0"}, {16, "t"}}},
    /* Found by the engine target (bench/fuzz) after the first findings were fixed. */
    {"relink-leaves-cart-unreceipted.jsonl", {{0}}},
    /* Found by a review: a shopper back before their receipt linking their own cart away got
     * a receipt for it; a correction after a link names the cart the items moved into. */
    {"review-merged-receipt.jsonl", {{0}}},
    {"review-correct-after-link.jsonl", {{0}}},
};

#define FINDING_COUNT (sizeof findings / sizeof *findings)

/* What a run found wrong, each kind's first instance, for one message listing them all. */
typedef struct verdict {
  inv_checker *inv;
  char refused[1024]; /* reader refusals that were not expected, or expected and missing */
  char stopped[512];  /* the first record the host did not take or set aside */
  char finish[512];
} verdict;

static int on_output(const rf_record *rec, void *payload) {
  verdict *v = payload;
  inv_output(v->inv, rec); /* a violation is kept in the checker, read at the end */
  return 0;
}

static void note(char *buf, size_t cap, const char *fmt, ...) {
  size_t len = strlen(buf);
  va_list ap;
  va_start(ap, fmt);
  if (len < cap) vsnprintf(buf + len, cap - len, fmt, ap);
  va_end(ap);
}

static const refusal *expected_refusal(const finding *f, uint64_t line) {
  for (size_t i = 0; i < MAX_REFUSED && f->refused[i].line != 0; ++i)
    if (f->refused[i].line == line) return &f->refused[i];
  return NULL;
}

/* Whether msg names the field: "field 'plates'", or one of its entries, "field 'plates.P1'". */
static int names_field(const char *msg, const char *field) {
  char want[64];
  snprintf(want, sizeof want, "field '%s", field);
  for (const char *p = strstr(msg, want); p != NULL; p = strstr(p + 1, want))
    if (p[strlen(want)] == '\'' || p[strlen(want)] == '.') return 1;
  return 0;
}

/* A line the reader refused: expected, and naming the field expected? */
static void check_refusal(const finding *f, verdict *v, uint64_t line, const char *msg) {
  const refusal *want = expected_refusal(f, line);
  if (want == NULL) note(v->refused, sizeof v->refused, " [refused: %s]", msg);
  else if (!names_field(msg, want->field))
    note(v->refused, sizeof v->refused, " [line %llu refused without naming field '%s': %s]",
         (unsigned long long)line, want->field, msg);
}

/* Lines that should have been refused and were read. */
static void check_missed(const finding *f, verdict *v, const uint64_t *lines, size_t n) {
  for (size_t i = 0; i < MAX_REFUSED && f->refused[i].line != 0; ++i) {
    size_t k = 0;
    while (k < n && lines[k] != f->refused[i].line) ++k;
    if (k == n)
      note(v->refused, sizeof v->refused, " [line %llu read, should be refused naming '%s']",
           (unsigned long long)f->refused[i].line, f->refused[i].field);
  }
}

/* One record pushed to the host, its output checked after the record took effect. */
static void push(rf_host *host, verdict *v, const rf_record *rec) {
  inv_hold(v->inv);
  int rc = rf_host_push(host, rec);
  inv_release(v->inv, rc == 0 ? rec : NULL);
  if (rc != 0 && rc != RF_SETASIDE && v->stopped[0] == '\0')
    snprintf(v->stopped, sizeof v->stopped, "%s: %s", rf_err_name(rc), rf_host_errmsg(host));
}

/* Reads the file and runs the host over it. */
static void run(const finding *f, verdict *v, rf_host *host) {
  rf_scenario_reader *r;
  rf_record rec;
  uint64_t refused[64];
  size_t n_refused = 0;
  int rc;
  assert_int_equal(rf_scenario_reader_open(&r, f->file, NULL, NULL), 0);
  while ((rc = rf_scenario_reader_next(r, &rec)) != RF_ITEROVER) {
    assert_true(rc != RF_EIO && rc != RF_ENOMEM);
    if (rc == 0) {
      push(host, v, &rec);
      continue;
    }
    uint64_t line = rf_scenario_reader_line(r);
    if (n_refused < 64) refused[n_refused++] = line;
    check_refusal(f, v, line, rf_scenario_reader_errmsg(r));
  }
  check_missed(f, v, refused, n_refused);
  rf_scenario_reader_free(r);
  if ((rc = rf_host_finish(host)) != 0)
    snprintf(v->finish, sizeof v->finish, "%s: %s", rf_err_name(rc), rf_host_errmsg(host));
}

static void finding_holds(void **state) {
  const finding *f = *state;
  char path[512];
  snprintf(path, sizeof path, "%s%s", FINDINGS, f->file);
  finding here = *f;
  here.file = path;
  verdict v = {0};
  double lo, hi, wait_s;
  assert_int_equal(inv_new(&v.inv), 0);
  assert_int_equal(rf_engine_param_bounds(RF_PARAM_WAIT_S, &lo, &hi, &wait_s), 0);
  inv_set_wait(v.inv, (rf_time_us)llround(wait_s * 1e6)); /* the host runs with the defaults */
  rf_host *host;
  assert_int_equal(rf_host_new(&host, RF_METHOD_FUSED, NULL), 0);
  rf_host_set_output(host, on_output, &v);
  run(&here, &v, host);
  rf_host_free(host);
  inv_finish(v.inv);
  char all[2048] = "";
  if (v.refused[0]) note(all, sizeof all, "%s", v.refused);
  if (v.stopped[0]) note(all, sizeof all, " [stops: %s]", v.stopped);
  if (v.finish[0]) note(all, sizeof all, " [finish: %s]", v.finish);
  if (inv_message(v.inv)[0]) note(all, sizeof all, " [invariant: %s]", inv_message(v.inv));
  inv_free(v.inv);
  if (all[0]) fail_msg("%s:%s", f->file, all);
}

int main(void) {
  struct CMUnitTest tests[FINDING_COUNT];
  for (size_t i = 0; i < FINDING_COUNT; ++i)
    tests[i] = (struct CMUnitTest){findings[i].file, finding_holds, NULL, NULL, &findings[i]};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
