/* The steps the commands share: running a method over a scenario, scoring an output against the
 * truth, and an in-memory buffer to pass files between them. */
#ifndef RF_TOOLS_PIPELINE_H
#define RF_TOOLS_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "progress.h"
#include "retailfuse/retailfuse.h"

typedef struct membuf {
  char *data;
  size_t len, cap;
} membuf;

/* An rf_write_fn appending to a membuf (payload). */
int membuf_write(const char *data, size_t len, void *payload);
void membuf_free(membuf *b);

/* NAME=NUMBER into *name (pointing into arg, cut at the '=') and *value; 0, or the status of a
 * usage error naming the command and option. */
int name_value(const char *command, const char *option, char *arg, const char **name,
               double *value);

/* A method parameter by name (rf_host_param_set). */
typedef struct run_setting {
  const char *name;
  double value;
} run_setting;

/* How a run goes: the method with its parameters and per-source delays (a run_setting's name is
 * the source's); `strict` stops at the first record that cannot be used (else it is set aside,
 * counted, and listed in `rejects` when that is not NULL, one JSON line each). */
typedef struct run_options {
  rf_method method;
  const run_setting *settings;
  size_t setting_count;
  const run_setting *delays;
  size_t delay_count;
  int strict;
  FILE *rejects;
  FILE *sources_to; /* when not NULL, a line per source at the end (the engine's stats) */
  /* When not NULL, every record read is journaled before the host takes it; with `resume`, what
   * the journal holds goes through the host first and the input's records it holds are read
   * past (rf_journal, journal.h). */
  rf_journal *journal;
  int resume;
  /* When not NULL: the engine's calibration is seeded from this file before it starts, and
   * written to that one at the end (read_calibration_seeds, write_calibration). */
  const char *calibration_seed, *calibration_out;
  /* Explanations in the output (rf_host_set_explain); when not NULL, the review records of this
   * file taken after the input's end (their lines named as "FILE: line N" when set aside). */
  int explain;
  const char *reviews_path;
  /* When not NULL, shown as the input is read (progress.h): the bytes read so far are
   * *bytes_read (when not NULL), the records those read. Ended before run_method returns. */
  progress *progress;
  const uint64_t *bytes_read;
} run_options;

/* rf_plate_fault's values are 1 to 6; a report counts faults by value, 0 for any other. */
#define PLATE_FAULT_KINDS 7

/* What a run set aside: the host's counts, and lines that did not read; and the plate faults
 * the load cells found, each reported on stderr as it began. */
typedef struct run_report {
  rf_host_counts counts;
  uint64_t malformed;
  uint64_t faults, faults_by_kind[PLATE_FAULT_KINDS];
} run_report;

/* Reads a scenario and runs a method over it through the library's host loop (host.h), writing
 * diffs and receipts to `out`, plate faults and sources going stale to stderr. On failure (an
 * input/output error, memory, or any problem under `strict`) returns non-zero with a message
 * (naming the line) in err. */
int run_method(rf_scenario_reader *in, rf_scenario_writer *out, const run_options *options,
               run_report *report, char *err, size_t cap);

/* One line of what was set aside and of the plate faults found, each by kind, e.g.
 *   "PATH: set aside 11 (4 duplicate, 5 unknown_shopper, 2 late); plate faults 3 (2 gap, 1 stuck)"
 * either half alone when the other is none, nothing when both are. */
void print_run_summary(FILE *f, const char *path, const run_report *report);

/* s as a JSON string: quotes, backslashes and control characters escaped. */
void put_json_string(FILE *f, const char *s);

/* The same, with in_script: <, > and & escaped too, for JSON inside an HTML <script>. */
void put_json_text(FILE *f, const char *s, int in_script);

/* The engine's calibration as one JSON object (docs/format.md, "Calibration"):
 * {"plates":[{"plate","gain","sd","prior","evidence"}...],
 *  "products":[{"sku","weight_g","sd_g","catalog_g","prior_g","evidence"}...]}. 0, or non-zero
 * with a message in err. */
int write_calibration(const char *path, const rf_engine *engine, const rf_store *store, char *err,
                      size_t cap);

/* Each scale of a file write_calibration wrote (yesterday's) to fn: each plate's gain and each
 * product's weight_g, with their sd. 0, or non-zero with a message in err (fn's, or the file's
 * naming it). */
typedef int (*seed_fn)(const rf_scale *scale, void *payload, char *err, size_t cap);
int read_calibration_file(const char *path, seed_fn fn, void *payload, char *err, size_t cap);

/* The same, seeding the host's calibration (rf_host_calibration_seed). */
int read_calibration_seeds(const char *path, rf_host *host, char *err, size_t cap);

/* Scores `output` against `truth`. On failure returns non-zero with a message in err. */
int score_output(rf_scenario_reader *truth, rf_scenario_reader *output, rf_eval_scores *scores,
                 char *err, size_t cap);

/* The scores as text lines, or as one JSON object. */
void print_scores(FILE *f, const rf_eval_scores *s);
void print_scores_json(FILE *f, const rf_eval_scores *s);

#endif
