/* retailfuse demo: simulate a store, run every method over it, score each against the truth,
 * and print the scores side by side. Everything stays in memory. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

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

static void progress(const char *step) {
  fprintf(stderr, "\r%-60s", step);
  fflush(stderr);
}

int cmd_demo(int argc, char **argv) {
  const char *preset = "busy";
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) {
      preset = argv[++i];
    } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
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
  progress("simulating...");
  if (rf_scenario_writer_new(&s.writer, membuf_write, &scenario, NULL) != 0 ||
      rf_scenario_writer_new(&t.writer, membuf_write, &truth, NULL) != 0 ||
      rf_sim_run(&params, seed, to_writer, &s, to_writer, &t, NULL) != 0 ||
      rf_scenario_writer_flush(s.writer) != 0 || rf_scenario_writer_flush(t.writer) != 0) {
    fprintf(stderr, "\nretailfuse: demo: the simulation failed\n");
    goto done;
  }
  progress("running the greedy baseline...");
  rf_scenario_reader *in = NULL, *truth_in = NULL, *out_in = NULL;
  rf_scenario_writer *out = NULL;
  run_counts counts;
  rf_eval_scores greedy;
  int rc = rf_scenario_reader_from_memory(&in, scenario.data, scenario.len, NULL, NULL);
  if (rc == 0) rc = rf_scenario_writer_new(&out, membuf_write, &output, NULL);
  if (rc == 0) rc = run_method(in, out, 0, &counts, err, sizeof err);
  if (rc == 0) rc = rf_scenario_writer_flush(out);
  rf_scenario_writer_close(out);
  rf_scenario_reader_free(in);
  if (rc == 0) {
    progress("scoring...");
    rc = rf_scenario_reader_from_memory(&truth_in, truth.data, truth.len, NULL, NULL);
    if (rc == 0) rc = rf_scenario_reader_from_memory(&out_in, output.data, output.len, NULL, NULL);
    if (rc == 0) rc = score_output(truth_in, out_in, &greedy, err, sizeof err);
    rf_scenario_reader_free(truth_in);
    rf_scenario_reader_free(out_in);
  }
  progress("");
  fprintf(stderr, "\r");
  if (rc != 0) {
    fprintf(stderr, "retailfuse: demo: %s\n", err[0] ? err : rf_strerror(rc));
    goto done;
  }
  printf("retailfuse demo: preset %s, seed %" PRIu64 ", %d shoppers over %.0f minutes\n", preset,
         seed, params.shoppers, params.duration_s / 60);
  printf("  scenario: %" PRIu64 " records, %" PRIu64 " weight changes, %" PRIu64
         " hand visits; truth: %" PRIu64 " takes and put-backs\n\n",
         s.records, s.deltas, s.hands, t.truths);
  printf("%-22s %18s\n", "", "greedy baseline");
  printf("%-22s %18.4f\n", "receipt F1", greedy.f1);
  printf("%-22s %11.3f / %.3f\n", "precision / recall", greedy.precision, greedy.recall);
  printf("%-22s %13" PRIu64 " of %" PRIu64 "\n", "exact receipts", greedy.exact_carts, greedy.carts);
  printf("%-22s %18.4f\n", "review rate", greedy.review_rate);
  printf("%-22s %18.4f\n", "calibration error", greedy.calibration_error);
  printf("%-22s %18" PRIu64 "\n", "wrong shopper (items)", greedy.wrong_shopper);
  printf("%-22s %18" PRIu64 "\n", "wrong product (items)", greedy.wrong_product);
  printf("%-22s %18" PRIu64 "\n", "wrong quantity", greedy.wrong_quantity);
  printf("%-22s %18" PRIu64 "\n", "missed (items)", greedy.missed);
  printf("%-22s %18" PRIu64 "\n", "spurious (items)", greedy.spurious);
  printf("\nThe fused engine, when built, runs in the column beside the baseline.\n");
  status = 0;
done:
  rf_scenario_writer_close(s.writer);
  rf_scenario_writer_close(t.writer);
  membuf_free(&scenario);
  membuf_free(&truth);
  membuf_free(&output);
  return status;
}
