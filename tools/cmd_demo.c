/* retailfuse demo: simulate a store, run every method over it, score each against the truth,
 * and print the scores side by side. Everything stays in memory. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"
#include "progress.h"

typedef struct sim_out {
  rf_scenario_writer *writer;
  uint64_t records, deltas, hands, truths;
} sim_out;

static int to_writer(const rf_record *rec, void *payload) {
  sim_out *o = payload;
  o->records++;
  o->deltas += rec->type == RF_RECORD_DELTA;
  o->hands += rec->type == RF_RECORD_HAND;
  o->truths += rec->type == RF_RECORD_TRUTH;
  return rf_scenario_writer_write(o->writer, rec);
}

enum { OPT_PRESET, OPT_SEED, OPT_COUNT };

static const cli_option demo_options[OPT_COUNT] = {
    [OPT_PRESET] = {"--preset", NULL, "NAME",
                    "the simulator's preset (default busy; 'retailfuse sim --help' lists them)"},
    [OPT_SEED] = {"--seed", NULL, "N", "the simulation's seed (default 1)"},
};

const cli_command demo_command = {
    "demo",
    "[--preset NAME] [--seed N]",
    "Simulates a store in memory, runs the greedy baseline and the fusion engine over it,\n"
    "scores each against the truth and prints their scores side by side. The step it is at is\n"
    "shown on standard error when it is a terminal (RETAILFUSE_PROGRESS=0 turns it off, =1\n"
    "on).\n",
    demo_options,
    OPT_COUNT,
    NULL};

int cmd_demo(int argc, char **argv) {
  const char *preset = "busy";
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    int opt = i + 1 < argc ? cli_option_find(&demo_command, argv[i]) : -1;
    if (opt == OPT_PRESET) {
      preset = argv[++i];
    } else if (opt == OPT_SEED) {
      char *end;
      errno = 0;
      seed = strtoull(argv[++i], &end, 10);
      if (errno != 0 || *end != '\0') return usage_error("demo: --seed needs a number");
    } else {
      return usage_error("demo: unknown argument '%s'", argv[i]);
    }
  }
  rf_sim_params params;
  if (rf_sim_preset(&params, preset) != 0) return usage_error("demo: unknown preset '%s'", preset);

  membuf scenario = {0}, truth = {0}, output = {0};
  sim_out s = {0}, t = {0};
  int status = 1;
  char err[600] = "";
  progress steps; /* the step it is at, on stderr */
  progress_begin_count(&steps, "demo", "steps", 0);
  progress_note(&steps, "simulating...");
  if (rf_scenario_writer_new(&s.writer, membuf_write, &scenario, NULL) != 0 ||
      rf_scenario_writer_new(&t.writer, membuf_write, &truth, NULL) != 0 ||
      rf_sim_run(&params, seed, to_writer, &s, to_writer, &t, NULL) != 0 ||
      rf_scenario_writer_flush(s.writer) != 0 || rf_scenario_writer_flush(t.writer) != 0) {
    progress_end(&steps);
    fprintf(stderr, "retailfuse: demo: the simulation failed\n");
    goto done;
  }
  rf_eval_scores scores[2];
  const char *names[2] = {"greedy baseline", "fused engine"};
  int rc = 0;
  for (int m = 0; m < 2 && rc == 0; ++m) {
    progress_note(&steps,
                  m == 0 ? "running the greedy baseline..." : "running the fused engine...");
    rf_scenario_reader *in = NULL, *truth_in = NULL, *out_in = NULL;
    rf_scenario_writer *out = NULL;
    output.len = 0;
    rc = rf_scenario_reader_from_memory(&in, scenario.data, scenario.len, NULL, NULL);
    if (rc == 0) rc = rf_scenario_writer_new(&out, membuf_write, &output, NULL);
    run_options options = {.method = m == 1 ? RF_METHOD_FUSED : RF_METHOD_GREEDY, .strict = 1};
    run_report report;
    if (rc == 0) rc = run_method(in, out, &options, &report, err, sizeof err);
    if (rc == 0) rc = rf_scenario_writer_flush(out);
    rf_scenario_writer_close(out);
    rf_scenario_reader_free(in);
    if (rc != 0) break;
    progress_note(&steps, "scoring...");
    rc = rf_scenario_reader_from_memory(&truth_in, truth.data, truth.len, NULL, NULL);
    if (rc == 0) rc = rf_scenario_reader_from_memory(&out_in, output.data, output.len, NULL, NULL);
    if (rc == 0) rc = score_output(truth_in, out_in, &scores[m], err, sizeof err);
    rf_scenario_reader_free(truth_in);
    rf_scenario_reader_free(out_in);
  }
  progress_end(&steps);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: demo: %s\n", err[0] ? err : rf_strerror(rc));
    goto done;
  }
  printf("retailfuse demo: preset %s, seed %" PRIu64 ", %d shoppers over %.0f minutes\n", preset,
         seed, params.shoppers, params.duration_s / 60);
  printf("  scenario: %" PRIu64 " records, %" PRIu64 " weight changes, %" PRIu64
         " hand visits; truth: %" PRIu64 " takes and put-backs\n\n",
         s.records, s.deltas, s.hands, t.truths);
  printf("%-24s %16s %16s\n", "", names[0], names[1]);
  printf("%-24s %16.4f %16.4f\n", "receipt F1", scores[0].f1, scores[1].f1);
  printf("%-24s %16.4f %16.4f\n", "precision", scores[0].precision, scores[1].precision);
  printf("%-24s %16.4f %16.4f\n", "recall", scores[0].recall, scores[1].recall);
  printf("%-24s %10" PRIu64 " of %-3" PRIu64 " %10" PRIu64 " of %-3" PRIu64 "\n", "exact receipts",
         scores[0].exact_carts, scores[0].carts, scores[1].exact_carts, scores[1].carts);
  printf("%-24s %16.4f %16.4f\n", "review rate", scores[0].review_rate, scores[1].review_rate);
  printf("%-24s %16.4f %16.4f\n", "F1 of unflagged diffs", scores[0].f1_unflagged,
         scores[1].f1_unflagged);
  printf("%-24s %16.4f %16.4f\n", "calibration error", scores[0].calibration_error,
         scores[1].calibration_error);
  printf("%-24s %16" PRIu64 " %16" PRIu64 "\n", "wrong shopper (items)", scores[0].wrong_shopper,
         scores[1].wrong_shopper);
  printf("%-24s %16" PRIu64 " %16" PRIu64 "\n", "wrong product (items)", scores[0].wrong_product,
         scores[1].wrong_product);
  printf("%-24s %16" PRIu64 " %16" PRIu64 "\n", "wrong quantity (items)", scores[0].wrong_quantity,
         scores[1].wrong_quantity);
  printf("%-24s %16" PRIu64 " %16" PRIu64 "\n", "missed (items)", scores[0].missed,
         scores[1].missed);
  printf("%-24s %16" PRIu64 " %16" PRIu64 "\n", "spurious (items)", scores[0].spurious,
         scores[1].spurious);
  status = 0;
done:
  rf_scenario_writer_close(s.writer);
  rf_scenario_writer_close(t.writer);
  membuf_free(&scenario);
  membuf_free(&truth);
  membuf_free(&output);
  return status;
}
