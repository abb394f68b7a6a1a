/* retailfuse eval: score an output file against the ground truth. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

enum { OPT_TRUTH, OPT_JSON, OPT_COUNT };

static const cli_option eval_options[OPT_COUNT] = {
    [OPT_TRUTH] = {"--truth", NULL, "TRUTH",
                   "the ground truth: a simulator's truth.jsonl, or truth and receipt records "
                   "(required)"},
    [OPT_JSON] = {"--json", NULL, NULL,
                  "print the scores as one JSON object, with the reliability table behind the "
                  "calibration error"},
};

const cli_command eval_command = {
    "eval",
    "--truth TRUTH OUTPUT [--json]",
    "Scores an output (the diffs and receipts of 'retailfuse run') against the ground truth:\n"
    "receipt precision, recall and F1, exact receipts, review rate, F1 of the unflagged diffs,\n"
    "calibration error, and the errors by cause, in items.\n",
    eval_options,
    OPT_COUNT,
    NULL};

int cmd_eval(int argc, char **argv) {
  const char *truth_path = NULL, *output_path = NULL;
  int json = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int opt = cli_option_find(&eval_command, a);
    if (opt == OPT_TRUTH) {
      if (++i >= argc) return usage_error("eval: --truth needs a file");
      truth_path = argv[i];
    } else if (opt == OPT_JSON) {
      json = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("eval: unknown option '%s'", a);
    } else if (output_path != NULL) {
      return usage_error("eval: takes one OUTPUT, got '%s' and '%s'", output_path, a);
    } else {
      output_path = a;
    }
  }
  if (truth_path == NULL) return usage_error("eval: --truth TRUTH is required");
  if (output_path == NULL) return usage_error("eval: no OUTPUT given");
  rf_scenario_reader *truth = NULL, *output = NULL;
  const char *failed = NULL;
  if (rf_scenario_reader_open(&truth, truth_path, NULL, NULL) != 0) failed = truth_path;
  else if (rf_scenario_reader_open(&output, output_path, NULL, NULL) != 0) failed = output_path;
  if (failed != NULL) {
    fprintf(stderr, "retailfuse: cannot open '%s': %s\n", failed, strerror(errno));
    rf_scenario_reader_free(truth);
    return 1;
  }
  char err[600] = "";
  rf_eval_scores scores;
  int rc = score_output(truth, output, &scores, err, sizeof err);
  rf_scenario_reader_free(truth);
  rf_scenario_reader_free(output);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: eval: %s\n", err);
    return 1;
  }
  if (json) print_scores_json(stdout, &scores);
  else print_scores(stdout, &scores);
  return 0;
}
