/* retailfuse validate: read a scenario through the checker and report its size or its errors. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

/* Seconds within the checker's bounds for a delay (those of LATENESS_S). */
static int parse_seconds(const char *s, double *out) {
  char *end;
  double lo, hi;
  rf_scenario_check_param_bounds(RF_CHECK_LATENESS_S, &lo, &hi, NULL);
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) return -1;
  *out = v;
  return 0;
}

/* --source-delay NAME=SECONDS (split at the last '=', so a name may hold one). The name is cut
 * out of argv in place: it lives as long as the program. */
static int source_delay(rf_scenario_check *check, char *arg) {
  char *eq = arg != NULL ? strrchr(arg, '=') : NULL;
  double seconds;
  if (eq == NULL || eq == arg || parse_seconds(eq + 1, &seconds) != 0)
    return usage_error("validate: --source-delay needs NAME=SECONDS, SECONDS within [0, 3600]");
  *eq = '\0';
  int rc = rf_scenario_check_source_delay(check, arg, seconds);
  if (rc != 0) fprintf(stderr, "retailfuse: %s\n", rf_scenario_check_errmsg(check));
  return rc != 0;
}

enum { OPT_LATENESS, OPT_SOURCE_DELAY, OPT_MAX_ERRORS, OPT_COUNT };

static const cli_option validate_options[OPT_COUNT] = {
    [OPT_LATENESS] = {"--lateness", NULL, "SECONDS",
                      "how far behind its source's latest time a record may come, for every "
                      "source not named by --source-delay (default: its kind's: shelves 1 s, "
                      "cameras 5 s, the tracker 2 s)"},
    [OPT_SOURCE_DELAY] = {"--source-delay", NULL, "SOURCE=SECONDS",
                          "the same for one source by name (repeatable; the last for a name "
                          "holds)"},
    [OPT_MAX_ERRORS] = {"--max-errors", NULL, "N",
                        "print at most N errors (default 20), then count the rest"},
};

const cli_command validate_command = {
    "validate",
    "[OPTION]... FILE",
    "Checks a scenario file (JSON Lines or protocol buffers; '-' for standard input) against\n"
    "docs/format.md and prints the store's size and the count of each record type, or each\n"
    "bad line with its number and field on standard error (exit status 1).\n",
    validate_options,
    OPT_COUNT,
    NULL};

typedef struct options {
  long max_errors;
  const char *path;
} options;

/* Reads the options into *o and the delays into the checker: 0, or the exit status. */
static int parse_options(int argc, char **argv, options *o, rf_scenario_check *check) {
  double lateness_s;
  int rc;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int opt = cli_option_find(&validate_command, a);
    if (opt == OPT_LATENESS) {
      /* Set only when given: unset, each source keeps its kind's delay. */
      if (++i >= argc || parse_seconds(argv[i], &lateness_s) != 0)
        return usage_error("validate: --lateness needs a number of seconds within [0, 3600]");
      rf_scenario_check_param_set(check, RF_CHECK_LATENESS_S, lateness_s);
    } else if (opt == OPT_SOURCE_DELAY) {
      if ((rc = source_delay(check, ++i < argc ? argv[i] : NULL)) != 0) return rc;
    } else if (opt == OPT_MAX_ERRORS) {
      char *end;
      if (++i >= argc || (o->max_errors = strtol(argv[i], &end, 10)) < 1 || *end != '\0')
        return usage_error("validate: --max-errors needs a whole number >= 1");
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("validate: unknown option '%s'", a);
    } else if (o->path != NULL) {
      return usage_error("validate: takes one FILE, got '%s' and '%s'", o->path, a);
    } else {
      o->path = a;
    }
  }
  return o->path == NULL ? usage_error("validate: no FILE given") : 0;
}

static int is_store(int type) {
  return type <= RF_RECORD_FACING || type == RF_RECORD_CAMERA || type == RF_RECORD_ZONE;
}

static void print_summary(const char *path, const rf_scenario_summary *s) {
  printf("%s: valid\n", path);
  printf("store: %" PRIu32 " products, %" PRIu32 " shelves, %" PRIu32 " plates, %" PRIu32
         " facings",
         s->products, s->shelves, s->plates, s->facings);
  if (s->cameras > 0 || s->zones > 0) /* files before cameras read as they always did */
    printf(", %" PRIu32 " cameras, %" PRIu32 " zones", s->cameras, s->zones);
  printf("\nrecords: %" PRIu64, s->records);
  const char *sep = " (";
  /* The store's kinds first (cameras and zones were added after the events' kinds), then the
   * others, each in the order of docs/format.md. */
  for (int store = 1; store >= 0; --store)
    for (int t = 0; t < RF_RECORD_TYPE_COUNT; ++t) {
      if (s->by_type[t] == 0 || is_store(t) != store) continue;
      printf("%s%s %" PRIu64, sep, rf_record_type_name((rf_record_type)t), s->by_type[t]);
      sep = ", ";
    }
  printf("%s\n", s->records ? ")" : "");
  printf("shoppers: %" PRIu32 "\n", s->shoppers);
  if (s->samples) printf("plate readings: %" PRIu64 "\n", s->samples);
  if (s->has_time)
    printf("time: %.6f s to %.6f s\n", (double)s->t_min / 1e6, (double)s->t_max / 1e6);
}

/* Reads every record through the checker, printing each error (up to max_errors) and then the
 * count, or the summary; returns the exit status. */
static int check_file(const char *path, rf_scenario_reader *reader, rf_scenario_check *check,
                      uint64_t max_errors) {
  uint64_t errors = 0;
  int rc, fatal = 0;
  rf_record rec;
  while (!fatal && (rc = rf_scenario_reader_next(reader, &rec)) != RF_ITEROVER) {
    const char *msg = NULL;
    if (rc != 0) {
      msg = rf_scenario_reader_errmsg(reader);
      fatal = rc == RF_EIO || rc == RF_ENOMEM;
    } else if ((rc = rf_scenario_check_record(check, &rec)) != 0) {
      msg = rf_scenario_check_errmsg(check);
      fatal = rc == RF_ENOMEM;
    }
    if (msg != NULL && errors++ < max_errors) fprintf(stderr, "%s: %s\n", path, msg);
  }
  if (errors == 0) {
    rf_scenario_summary summary;
    rf_scenario_check_summary(check, &summary);
    print_summary(path, &summary);
    return 0;
  }
  if (errors > max_errors)
    fprintf(stderr, "%s: ... and %" PRIu64 " more\n", path, errors - max_errors);
  fprintf(stderr, "%s: %" PRIu64 " error%s%s\n", path, errors, errors == 1 ? "" : "s",
          fatal ? " (stopped reading)" : "");
  return 1;
}

int cmd_validate(int argc, char **argv) {
  options o = {20, NULL};
  rf_scenario_reader *reader = NULL;
  rf_scenario_check *check = NULL;
  int rc = rf_scenario_check_new(&check, NULL);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: %s\n", rf_strerror(rc));
    return 1;
  }
  if ((rc = parse_options(argc, argv, &o, check)) != 0) {
    rf_scenario_check_free(check);
    return rc;
  }
  if ((rc = rf_scenario_reader_open(&reader, o.path, NULL, NULL)) != 0) {
    fprintf(stderr, "retailfuse: cannot open '%s': %s\n", o.path,
            rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    rf_scenario_check_free(check);
    return 1;
  }
  int status = check_file(o.path, reader, check, (uint64_t)o.max_errors);
  rf_scenario_check_free(check);
  rf_scenario_reader_free(reader);
  return status;
}
