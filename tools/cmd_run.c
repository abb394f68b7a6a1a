/* retailfuse run: read a scenario and write what the method decides: cart diffs and receipts.
 * The fusion engine by default; --method greedy for the baseline. A record that cannot be used
 * is set aside and counted (listed with --rejects); --strict stops at the first instead. With
 * --journal DIR every record is journaled before the method takes it; --resume restores a killed
 * run from it (the output is written again from the start, the same bytes). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

#define MOST_DELAYS 64

typedef struct run_args {
  const char *path, *out_path, *method, *rejects_path, *journal, *journal_sync;
  const char *calibration_out, *calibration_seed, *reviews_path;
  int strict, sources, resume, explain;
  run_setting settings[RF_PARAM_COUNT];
  char names[RF_PARAM_COUNT][64];
  size_t setting_count;
  run_setting delays[MOST_DELAYS];
  size_t delay_count;
} run_args;

static void list_params(void) {
  for (int p = 0; p < RF_PARAM_COUNT; ++p) {
    double lo, hi, def;
    rf_engine_param_bounds((rf_engine_param)p, &lo, &hi, &def);
    printf("%-20s %-8g [%g, %g]  %s\n", rf_engine_param_name((rf_engine_param)p), def, lo, hi,
           rf_engine_param_help((rf_engine_param)p));
  }
}

static int add_param(run_args *a, char *arg) {
  const char *name = NULL;
  double v = 0.0;
  int rc = name_value("run", "--param", arg, &name, &v);
  if (rc != 0) return rc;
  int found = -1;
  for (int p = 0; p < RF_PARAM_COUNT; ++p)
    if (strcmp(rf_engine_param_name((rf_engine_param)p), name) == 0) found = p;
  if (found < 0)
    return usage_error("run: --param takes NAME=VALUE with a NAME of --list-params, got '%s'",
                       name);
  double lo, hi;
  rf_engine_param_bounds((rf_engine_param)found, &lo, &hi, NULL);
  if (!(v >= lo && v <= hi))
    return usage_error("run: --param %s = %g is outside [%g, %g]", name, v, lo, hi);
  if (a->setting_count < RF_PARAM_COUNT) {
    snprintf(a->names[a->setting_count], sizeof a->names[0], "%s", name);
    a->settings[a->setting_count].name = a->names[a->setting_count];
    a->settings[a->setting_count++].value = v;
  }
  return 0;
}

static int add_delay(run_args *a, char *arg) {
  const char *name = NULL;
  double v = 0.0;
  int rc = name_value("run", "--source-delay", arg, &name, &v);
  if (rc != 0) return rc;
  if (!(v >= 0.0 && v <= 60.0))
    return usage_error("run: --source-delay %s = %g s is outside [0, 60]", name, v);
  if (a->delay_count == MOST_DELAYS)
    return usage_error("run: more than %d --source-delay options", MOST_DELAYS);
  a->delays[a->delay_count].name = name;
  a->delays[a->delay_count++].value = v;
  return 0;
}

enum {
  OPT_OUTPUT,
  OPT_METHOD,
  OPT_PARAM,
  OPT_LIST_PARAMS,
  OPT_SOURCE_DELAY,
  OPT_REJECTS,
  OPT_STRICT,
  OPT_SOURCES,
  OPT_JOURNAL,
  OPT_RESUME,
  OPT_JOURNAL_SYNC,
  OPT_CALIBRATION,
  OPT_CALIBRATION_SEED,
  OPT_EXPLAIN,
  OPT_REVIEWS,
  OPT_COUNT
};

static const cli_option run_flags[OPT_COUNT] = {
    [OPT_OUTPUT] = {"--output", "-o", "OUT",
                    "write the diffs and receipts to OUT (default: standard output; protocol "
                    "buffers when OUT ends in .pb)"},
    [OPT_METHOD] = {"--method", NULL, "fused|greedy",
                    "the fusion engine (default) or the nearest-hand greedy baseline"},
    [OPT_PARAM] = {"--param", NULL, "NAME=VALUE",
                   "set a parameter of the method (repeatable; --list-params names them)"},
    [OPT_LIST_PARAMS] = {"--list-params", NULL, NULL,
                         "list the engine's parameters with their defaults, bounds and meaning, "
                         "and exit"},
    [OPT_SOURCE_DELAY] = {"--source-delay", NULL, "SOURCE=SECONDS",
                          "allow one source this delay, 0 to 60 s (repeatable; the defaults: "
                          "shelves 1 s, cameras 5 s, tracker 2 s)"},
    [OPT_REJECTS] = {"--rejects", NULL, "FILE",
                     "list each record set aside in FILE, one JSON line each (line, reason, "
                     "message, the record as read)"},
    [OPT_STRICT] = {"--strict", NULL, NULL,
                    "stop at the first record that cannot be used (exit status 1) instead of "
                    "setting it aside"},
    [OPT_SOURCES] = {"--sources", NULL, NULL,
                     "at the end, print a line per source on standard error: its records, how "
                     "late they came, how often it fell silent"},
    [OPT_JOURNAL] = {"--journal", NULL, "DIR",
                     "journal every record in DIR (an empty directory) before the method takes "
                     "it, so a killed run can be resumed"},
    [OPT_RESUME] = {"--resume", NULL, NULL,
                    "go on from the journal of --journal DIR where a killed run stopped, "
                    "writing OUT again whole"},
    [OPT_JOURNAL_SYNC] = {"--journal-sync", NULL, "every|interval|never",
                          "when the journal is made durable: after every record, every 10 ms "
                          "(default) or never"},
    [OPT_CALIBRATION] = {"--calibration", NULL, "OUT.json",
                         "write the plate gains and product weights the engine learned to "
                         "OUT.json"},
    [OPT_CALIBRATION_SEED] = {"--calibration-seed", NULL, "IN.json",
                              "start the engine's calibration from a file of --calibration "
                              "(yesterday's)"},
    [OPT_EXPLAIN] = {"--explain", NULL, NULL,
                     "after each decision's diffs, an explain record: its alternatives with "
                     "their probabilities and evidence, the candidates, the hand visits "
                     "(docs/format.md; 'retailfuse review' draws them)"},
    [OPT_REVIEWS] = {"--reviews", NULL, "FILE",
                     "after the scenario's end, take the reviewers' verdicts of FILE (review "
                     "records, e.g. a review page's verdicts.jsonl): amended receipts"},
};

const cli_command run_command = {
    "run",
    "FILE [OPTION]...",
    "Reads a scenario (JSON Lines or protocol buffers; '-' for standard input) and writes the\n"
    "cart diffs and receipts the method decides. A record that cannot be used is set aside and\n"
    "counted, and the run goes on. On standard error: a line when a plate fault begins, and at\n"
    "the end a line of counts and one of what was set aside and of the plate faults found.\n"
    "Progress is shown there too while the file is read, when it is a terminal\n"
    "(RETAILFUSE_PROGRESS=0 turns it off, =1 on).\n",
    run_flags,
    OPT_COUNT,
    NULL};

/* 0, or the exit status of a usage error (or of --list-params, with *done set). */
static int parse_args(int argc, char **argv, run_args *a, int *done) {
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int opt = cli_option_find(&run_command, arg), rc = 0;
    char *v = NULL;
    if (opt >= 0 && run_flags[opt].value != NULL) {
      if (i + 1 >= argc)
        return usage_error("run: %s needs %s", arg,
                           opt == OPT_OUTPUT || opt == OPT_REJECTS || opt == OPT_CALIBRATION ||
                                   opt == OPT_CALIBRATION_SEED || opt == OPT_REVIEWS
                               ? "a file name"
                               : "a value");
      v = argv[++i];
    }
    switch (opt) {
      case OPT_OUTPUT: a->out_path = v; break;
      case OPT_PARAM: rc = add_param(a, v); break;
      case OPT_SOURCE_DELAY: rc = add_delay(a, v); break;
      case OPT_REJECTS: a->rejects_path = v; break;
      case OPT_METHOD: a->method = v; break;
      case OPT_JOURNAL: a->journal = v; break;
      case OPT_JOURNAL_SYNC: a->journal_sync = v; break;
      case OPT_CALIBRATION: a->calibration_out = v; break;
      case OPT_CALIBRATION_SEED: a->calibration_seed = v; break;
      case OPT_STRICT: a->strict = 1; break;
      case OPT_SOURCES: a->sources = 1; break;
      case OPT_RESUME: a->resume = 1; break;
      case OPT_EXPLAIN: a->explain = 1; break;
      case OPT_REVIEWS: a->reviews_path = v; break;
      case OPT_LIST_PARAMS:
        list_params();
        *done = 1;
        return 0;
      default:
        if (arg[0] == '-' && arg[1] != '\0') return usage_error("run: unknown option '%s'", arg);
        if (a->path != NULL)
          return usage_error("run: takes one FILE, got '%s' and '%s'", a->path, arg);
        a->path = arg;
    }
    if (rc != 0) return rc;
  }
  if (a->path == NULL) return usage_error("run: no FILE given");
  if (strcmp(a->method, "greedy") != 0 && strcmp(a->method, "fused") != 0)
    return usage_error("run: unknown method '%s' (fused, greedy)", a->method);
  if (a->delay_count > 0 && strcmp(a->method, "greedy") == 0)
    return usage_error("run: --source-delay is the engine's; the baseline has no sources");
  if ((a->calibration_out || a->calibration_seed) && strcmp(a->method, "greedy") == 0)
    return usage_error("run: --calibration is the engine's; the baseline has none");
  if ((a->explain || a->reviews_path) && strcmp(a->method, "greedy") == 0)
    return usage_error("run: %s is the engine's; the baseline has none",
                       a->explain ? "--explain" : "--reviews");
  if (a->reviews_path && a->journal)
    return usage_error("run: --reviews is not journaled: give the verdicts in the scenario "
                       "instead");
  if ((a->resume || a->journal_sync) && a->journal == NULL)
    return usage_error("run: %s needs --journal DIR", a->resume ? "--resume" : "--journal-sync");
  if (a->journal_sync && strcmp(a->journal_sync, "every") != 0 &&
      strcmp(a->journal_sync, "interval") != 0 && strcmp(a->journal_sync, "never") != 0)
    return usage_error("run: --journal-sync takes every, interval or never, not '%s'",
                       a->journal_sync);
  return 0;
}

static int cannot(const char *what, const char *path, int rc) {
  fprintf(stderr, "retailfuse: cannot %s '%s': %s\n", what, path,
          rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
  return 1;
}

/* The journal of --journal, opened (recovered) for the run, or NULL: on failure *status is 1. */
static rf_journal *open_journal(const run_args *a, int *status) {
  *status = 0;
  if (a->journal == NULL) return NULL;
  rf_journal_options jo = RF_JOURNAL_OPTIONS_INIT;
  if (a->journal_sync && strcmp(a->journal_sync, "every") == 0) jo.sync = RF_JOURNAL_SYNC_EVERY;
  if (a->journal_sync && strcmp(a->journal_sync, "never") == 0) jo.sync = RF_JOURNAL_SYNC_NEVER;
  rf_journal *j = NULL;
  int rc = rf_journal_open(&j, a->journal, &jo, NULL);
  rf_journal_state st;
  rf_journal_state_get(j, &st);
  if (rc == 0 && st.entries > 0 && !a->resume) {
    fprintf(stderr,
            "retailfuse: run: the journal '%s' holds %llu entries: --resume goes on from them "
            "(or give an empty directory)\n",
            a->journal, (unsigned long long)st.entries);
    rc = RF_EEXISTS;
  } else if (rc != 0) {
    fprintf(stderr, "retailfuse: run: journal '%s': %s\n", a->journal,
            rf_journal_errmsg(j)[0] ? rf_journal_errmsg(j) : rf_strerror(rc));
  } else if (st.torn_bytes > 0 || st.skipped > 0) {
    fprintf(stderr,
            "retailfuse: run: journal '%s': cut a torn tail of %llu bytes, skipped %llu "
            "bad frames\n",
            a->journal, (unsigned long long)st.torn_bytes, (unsigned long long)st.skipped);
  }
  if (rc == 0) return j;
  rf_journal_close(j);
  *status = 1;
  return NULL;
}

/* The run itself, files open: 0 or 1. */
static int run_files(const run_args *a, rf_scenario_reader *reader, const counted_input *input,
                     rf_scenario_writer *writer, FILE *rejects) {
  int status;
  rf_journal *journal = open_journal(a, &status);
  if (status != 0) {
    rf_scenario_writer_close(writer);
    return status;
  }
  progress shown;
  run_options o = {.method = strcmp(a->method, "fused") == 0 ? RF_METHOD_FUSED : RF_METHOD_GREEDY,
                   .settings = a->settings,
                   .setting_count = a->setting_count,
                   .delays = a->delays,
                   .delay_count = a->delay_count,
                   .strict = a->strict,
                   .rejects = rejects,
                   .sources_to = a->sources ? stderr : NULL,
                   .journal = journal,
                   .resume = a->resume,
                   .calibration_seed = a->calibration_seed,
                   .calibration_out = a->calibration_out,
                   .explain = a->explain,
                   .reviews_path = a->reviews_path,
                   .progress = &shown,
                   .bytes_read = &input->bytes};
  progress_begin(&shown, a->path, input->size);
  char err[600] = "";
  run_report report;
  int rc = run_method(reader, writer, &o, &report, err, sizeof err);
  int closed = rf_scenario_writer_close(writer);
  if (rf_journal_close(journal) != 0 && rc == 0) {
    fprintf(stderr, "retailfuse: run: closing the journal '%s' failed\n", a->journal);
    return 1;
  }
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", a->path, err);
    return 1;
  }
  if (closed != 0 || (rejects != NULL && ferror(rejects))) {
    fprintf(stderr, "retailfuse: writing '%s' failed\n",
            closed != 0 ? a->out_path : a->rejects_path);
    return 1;
  }
  const rf_host_counts *c = &report.counts;
  fprintf(stderr,
          "%s: %" PRIu64 " events (%" PRIu64 " weight changes, %" PRIu64 " hand visits) -> %" PRIu64
          " diffs, %" PRIu64 " receipts (method %s)\n",
          a->path, c->events, c->deltas, c->hands, c->diffs, c->receipts, a->method);
  if (c->verdicts > 0) fprintf(stderr, "%s: %" PRIu64 " verdicts taken\n", a->path, c->verdicts);
  print_run_summary(stderr, a->path, &report);
  if (c->seeds_refused > 0)
    fprintf(stderr,
            "%s: %" PRIu64
            " calibration seed%s of '%s' left out (not in the store, or out of range)\n",
            a->path, c->seeds_refused, c->seeds_refused == 1 ? "" : "s", a->calibration_seed);
  return 0;
}

int cmd_run(int argc, char **argv) {
  run_args a = {.out_path = "-", .method = "fused"};
  int done = 0, rc = parse_args(argc, argv, &a, &done);
  if (rc != 0 || done) return rc;
  rf_scenario_reader *reader = NULL;
  rf_scenario_writer *writer = NULL;
  counted_input input; /* the reader's file, its bytes counted for the progress */
  if ((rc = counted_input_open(&input, &reader, a.path)) != 0) return cannot("open", a.path, rc);
  if ((rc = rf_scenario_writer_open(&writer, a.out_path, NULL)) != 0 ||
      (rc = rf_scenario_writer_set_format(writer, rf_scenario_format_of_path(a.out_path))) != 0) {
    rf_scenario_writer_close(writer);
    counted_input_close(&input, reader);
    return cannot("write", a.out_path, rc);
  }
  FILE *rejects = NULL;
  if (a.rejects_path != NULL && (rejects = fopen(a.rejects_path, "w")) == NULL) {
    rf_scenario_writer_close(writer);
    counted_input_close(&input, reader);
    return cannot("write", a.rejects_path, RF_EIO);
  }
  FILE *reviews = a.reviews_path != NULL ? fopen(a.reviews_path, "rb") : NULL;
  if (a.reviews_path != NULL && reviews == NULL) { /* said before the run, not after it */
    int errno_was = errno;
    if (rejects != NULL) fclose(rejects);
    rf_scenario_writer_close(writer);
    counted_input_close(&input, reader);
    errno = errno_was;
    return cannot("read", a.reviews_path, RF_EIO);
  }
  if (reviews != NULL) fclose(reviews);
  int status = run_files(&a, reader, &input, writer, rejects);
  if (rejects != NULL && fclose(rejects) != 0 && status == 0) {
    fprintf(stderr, "retailfuse: writing '%s' failed\n", a.rejects_path);
    status = 1;
  }
  counted_input_close(&input, reader);
  return status;
}
