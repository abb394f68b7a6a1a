/* retailfuse validate: read a scenario through the checker and report its size or its errors. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

static int parse_seconds(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0 && v <= 1e9)) return -1;
  *out = v;
  return 0;
}

static void print_summary(const char *path, const rf_scenario_summary *s) {
  printf("%s: valid\n", path);
  printf("store: %" PRIu32 " products, %" PRIu32 " shelves, %" PRIu32 " plates, %" PRIu32
         " facings\n",
         s->products, s->shelves, s->plates, s->facings);
  printf("records: %" PRIu64, s->records);
  const char *sep = " (";
  for (int t = 0; t < RF_RECORD_TYPE_COUNT; ++t) {
    if (s->by_type[t] == 0) continue;
    printf("%s%s %" PRIu64, sep, rf_record_type_name((rf_record_type)t), s->by_type[t]);
    sep = ", ";
  }
  printf("%s\n", s->records ? ")" : "");
  printf("shoppers: %" PRIu32 "\n", s->shoppers);
  if (s->samples) printf("plate readings: %" PRIu64 "\n", s->samples);
  if (s->has_time)
    printf("time: %.6f s to %.6f s\n", (double)s->t_min / 1e6, (double)s->t_max / 1e6);
}

int cmd_validate(int argc, char **argv) {
  double lateness_s = RF_LATENESS_DEFAULT_S;
  long max_errors = 20;
  const char *path = NULL;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--lateness") == 0) {
      if (++i >= argc || parse_seconds(argv[i], &lateness_s) != 0)
        return usage_error("validate: --lateness needs a number of seconds >= 0");
    } else if (strcmp(a, "--max-errors") == 0) {
      char *end;
      if (++i >= argc || (max_errors = strtol(argv[i], &end, 10)) < 1 || *end != '\0')
        return usage_error("validate: --max-errors needs a whole number >= 1");
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("validate: unknown option '%s'", a);
    } else if (path != NULL) {
      return usage_error("validate: takes one FILE, got '%s' and '%s'", path, a);
    } else {
      path = a;
    }
  }
  if (path == NULL) return usage_error("validate: no FILE given");

  rf_scenario_reader *reader = NULL;
  rf_scenario_check *check = NULL;
  int rc = rf_scenario_reader_open(&reader, path, NULL, NULL);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: cannot open '%s': %s\n", path,
            rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    return 1;
  }
  if ((rc = rf_scenario_check_new(&check, NULL)) != 0 ||
      (rc = rf_scenario_check_param_set(check, RF_CHECK_LATENESS_S, lateness_s)) != 0) {
    rf_scenario_check_free(check);
    fprintf(stderr, "retailfuse: %s\n", rf_strerror(rc));
    rf_scenario_reader_free(reader);
    return 1;
  }

  uint64_t errors = 0;
  int fatal = 0;
  rf_record rec;
  for (;;) {
    rc = rf_scenario_reader_next(reader, &rec);
    if (rc == RF_ITEROVER) break;
    const char *msg = NULL;
    if (rc != 0) {
      msg = rf_scenario_reader_errmsg(reader);
      fatal = rc == RF_EIO || rc == RF_ENOMEM;
    } else if ((rc = rf_scenario_check_record(check, &rec)) != 0) {
      msg = rf_scenario_check_errmsg(check);
      fatal = rc == RF_ENOMEM;
    }
    if (msg != NULL) {
      if (errors < (uint64_t)max_errors) fprintf(stderr, "%s: %s\n", path, msg);
      errors++;
    }
    if (fatal) break;
  }
  int status = 0;
  if (errors > 0) {
    if (errors > (uint64_t)max_errors)
      fprintf(stderr, "%s: ... and %" PRIu64 " more\n", path, errors - (uint64_t)max_errors);
    fprintf(stderr, "%s: %" PRIu64 " error%s%s\n", path, errors, errors == 1 ? "" : "s",
            fatal ? " (stopped reading)" : "");
    status = 1;
  } else {
    rf_scenario_summary summary;
    rf_scenario_check_summary(check, &summary);
    print_summary(path, &summary);
  }
  rf_scenario_check_free(check);
  rf_scenario_reader_free(reader);
  return status;
}
