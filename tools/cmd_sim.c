/* retailfuse sim: write a simulated store's scenario and its ground truth. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

typedef struct counted_writer {
  rf_scenario_writer *writer;
  uint64_t records;
} counted_writer;

static int write_record(const rf_record *rec, void *payload) {
  counted_writer *cw = payload;
  cw->records++;
  return rf_scenario_writer_write(cw->writer, rec);
}

static void list_knobs(const rf_sim_params *p, const char *preset) {
  printf("knobs of preset '%s' (set with --set NAME=VALUE):\n", preset);
  for (size_t i = 0; i < rf_sim_knob_count(); ++i) {
    char value[64];
    rf_sim_get(p, rf_sim_knob_name(i), value, sizeof value);
    printf("  %-22s %-10s %s\n", rf_sim_knob_name(i), value, rf_sim_knob_help(i));
  }
}

/* One line on stderr when the stream faults injected anything, so a run's conditions are known. */
static void print_faults(const rf_sim_faults *f) {
  if (f->duplicates + f->stray_ids + f->unknown_shelves + f->outage_held == 0) return;
  fprintf(stderr,
          "retailfuse: sim: injected %" PRIu64 " duplicates, %" PRIu64 " stray ids, %" PRIu64
          " unknown-shelf records, %" PRIu64 " records held by an outage\n",
          f->duplicates, f->stray_ids, f->unknown_shelves, f->outage_held);
}

int cmd_sim(int argc, char **argv) {
  const char *preset = "busy", *out = NULL, *weights = "deltas";
  uint64_t seed = 1;
  int list = 0;
  rf_scenario_format format = RF_FORMAT_JSONL;
  rf_sim_params params;
  /* Presets first, so --set applies on top whatever the order on the line. */
  for (int i = 1; i + 1 < argc; ++i)
    if (strcmp(argv[i], "--preset") == 0) preset = argv[i + 1];
  if (rf_sim_preset(&params, preset) != 0)
    return usage_error("sim: unknown preset '%s' (easy, busy, adversarial, day, large, chaos, "
                       "realistic, rush, group, blind)",
                       preset);
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--preset") == 0) {
      ++i;
    } else if (strcmp(a, "--seed") == 0) {
      char *end;
      if (++i >= argc) return usage_error("sim: --seed needs a number");
      errno = 0;
      seed = strtoull(argv[i], &end, 10);
      if (errno != 0 || *end != '\0' || end == argv[i])
        return usage_error("sim: --seed needs a number");
    } else if (strcmp(a, "--layout-seed") == 0) {
      /* The store's own seed: held-out evaluations pair unseen runs with unseen layouts. */
      if (++i >= argc) return usage_error("sim: --layout-seed needs a number");
      if (rf_sim_set(&params, "layout_seed", argv[i]) != 0)
        return usage_error(
            "sim: --layout-seed needs a number from 0 (the run's seed) to 2147483647");
    } else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
      if (++i >= argc) return usage_error("sim: %s needs a directory", a);
      out = argv[i];
    } else if (strcmp(a, "--weights") == 0) {
      if (++i >= argc) return usage_error("sim: --weights needs samples or deltas");
      weights = argv[i];
      if (strcmp(weights, "deltas") == 0) params.samples_mode = 0;
      else if (strcmp(weights, "samples") == 0) params.samples_mode = 1;
      else return usage_error("sim: --weights takes samples or deltas, not '%s'", weights);
    } else if (strcmp(a, "--set") == 0) {
      if (++i >= argc) return usage_error("sim: --set needs NAME=VALUE");
      char knob[64];
      const char *eq = strchr(argv[i], '=');
      if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof knob)
        return usage_error("sim: --set needs NAME=VALUE, got '%s'", argv[i]);
      memcpy(knob, argv[i], (size_t)(eq - argv[i]));
      knob[eq - argv[i]] = '\0';
      int rc = rf_sim_set(&params, knob, eq + 1);
      if (rc == RF_ENOTFOUND) return usage_error("sim: no knob '%s' (see --list-knobs)", knob);
      if (rc != 0) return usage_error("sim: '%s' is not a valid value for %s", eq + 1, knob);
    } else if (strcmp(a, "--format") == 0) {
      if (++i >= argc) return usage_error("sim: --format needs jsonl or pb");
      if (strcmp(argv[i], "jsonl") == 0) format = RF_FORMAT_JSONL;
      else if (strcmp(argv[i], "pb") == 0) format = RF_FORMAT_PB;
      else return usage_error("sim: --format takes jsonl or pb, not '%s'", argv[i]);
    } else if (strcmp(a, "--list-knobs") == 0) {
      list = 1;
    } else {
      return usage_error("sim: unknown argument '%s'", a);
    }
  }
  if (list) {
    list_knobs(&params, preset);
    return 0;
  }
  if (out == NULL) return usage_error("sim: --out DIR is required");
  char msg[256];
  if (rf_sim_check(&params, msg, sizeof msg) != 0) {
    fprintf(stderr, "retailfuse: sim: %s\n", msg);
    return 1;
  }
  if (mkdir(out, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "retailfuse: cannot create '%s': %s\n", out, strerror(errno));
    return 1;
  }
  char scenario_path[4096], truth_path[4096];
  const char *ext = format == RF_FORMAT_PB ? "pb" : "jsonl";
  snprintf(scenario_path, sizeof scenario_path, "%s/scenario.%s", out, ext);
  snprintf(truth_path, sizeof truth_path, "%s/truth.%s", out, ext);
  counted_writer scenario = {NULL, 0}, truth = {NULL, 0};
  int rc = rf_scenario_writer_open(&scenario.writer, scenario_path, NULL);
  if (rc == 0) rc = rf_scenario_writer_open(&truth.writer, truth_path, NULL);
  if (rc == 0) rc = rf_scenario_writer_set_format(scenario.writer, format);
  if (rc == 0) rc = rf_scenario_writer_set_format(truth.writer, format);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: cannot write into '%s': %s\n", out, strerror(errno));
    rf_scenario_writer_close(scenario.writer);
    return 1;
  }
  rf_sim_faults faults;
  rc = rf_sim_run_faults(&params, seed, write_record, &scenario, write_record, &truth, NULL,
                         &faults);
  int close_scenario = rf_scenario_writer_close(scenario.writer);
  int close_truth = rf_scenario_writer_close(truth.writer);
  if (rc == 0) rc = close_scenario ? close_scenario : close_truth;
  if (rc != 0) {
    fprintf(stderr, "retailfuse: sim failed: %s\n", rf_strerror(rc));
    return 1;
  }
  print_faults(&faults);
  printf("%s: preset %s, seed %" PRIu64 ": %" PRIu64 " records in scenario.%s, %" PRIu64
         " in truth.%s\n",
         out, preset, seed, scenario.records, ext, truth.records, ext);
  return 0;
}
