/* The steps the commands share: running a method over a scenario, scoring an output against the
 * truth, and an in-memory buffer to pass files between them. */
#ifndef RF_TOOLS_PIPELINE_H
#define RF_TOOLS_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "retailfuse/retailfuse.h"

typedef struct membuf {
  char *data;
  size_t len, cap;
} membuf;

/* An rf_write_fn appending to a membuf (payload). */
int membuf_write(const char *data, size_t len, void *payload);
void membuf_free(membuf *b);

/* A method parameter by name (rf_host_param_set). */
typedef struct run_setting {
  const char *name;
  double value;
} run_setting;

/* Reads a scenario and runs a method over it through the library's host loop (host.h), writing
 * diffs and receipts to `out` and plate faults to stderr. On failure returns non-zero with a
 * message (naming the line) in err. */
int run_method(rf_scenario_reader *in, rf_scenario_writer *out, rf_method method,
               const run_setting *settings, size_t setting_count, rf_host_counts *counts, char *err,
               size_t cap);

/* Scores `output` against `truth`. On failure returns non-zero with a message in err. */
int score_output(rf_scenario_reader *truth, rf_scenario_reader *output, rf_eval_scores *scores,
                 char *err, size_t cap);

/* The scores as text lines, or as one JSON object. */
void print_scores(FILE *f, const rf_eval_scores *s);
void print_scores_json(FILE *f, const rf_eval_scores *s);

#endif
