/* retailfuse run: read a scenario and write what the method decides: cart diffs and receipts.
 * The fusion engine by default; --method greedy for the baseline. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"

int cmd_run(int argc, char **argv) {
  const char *path = NULL, *out_path = "-", *method = "fused";
  run_setting settings[RF_PARAM_COUNT];
  char names[RF_PARAM_COUNT][64];
  size_t setting_count = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (++i >= argc) return usage_error("run: %s needs a file name", a);
      out_path = argv[i];
    } else if (strcmp(a, "--param") == 0) {
      if (++i >= argc) return usage_error("run: --param needs NAME=VALUE");
      const char *eq = strchr(argv[i], '=');
      int found = -1;
      for (int p = 0; eq != NULL && p < RF_PARAM_COUNT; ++p) {
        const char *name = rf_engine_param_name((rf_engine_param)p);
        if (strlen(name) == (size_t)(eq - argv[i]) && strncmp(name, argv[i], strlen(name)) == 0)
          found = p;
      }
      if (found < 0)
        return usage_error("run: --param takes NAME=VALUE with a NAME of --list-params, got '%s'",
                           argv[i]);
      char *end;
      double v = strtod(eq + 1, &end);
      if (end == eq + 1 || *end != '\0') return usage_error("run: '%s' is not a number", eq + 1);
      if (setting_count < RF_PARAM_COUNT) {
        snprintf(names[setting_count], sizeof names[setting_count], "%s",
                 rf_engine_param_name((rf_engine_param)found));
        settings[setting_count].name = names[setting_count];
        settings[setting_count].value = v;
        setting_count++;
      }
    } else if (strcmp(a, "--list-params") == 0) {
      for (int p = 0; p < RF_PARAM_COUNT; ++p) {
        double lo, hi, def;
        rf_engine_param_bounds((rf_engine_param)p, &lo, &hi, &def);
        printf("%-20s %-8g [%g, %g]  %s\n", rf_engine_param_name((rf_engine_param)p), def, lo, hi,
               rf_engine_param_help((rf_engine_param)p));
      }
      return 0;
    } else if (strcmp(a, "--method") == 0) {
      if (++i >= argc) return usage_error("run: --method needs a name");
      method = argv[i];
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("run: unknown option '%s'", a);
    } else if (path != NULL) {
      return usage_error("run: takes one FILE, got '%s' and '%s'", path, a);
    } else {
      path = a;
    }
  }
  if (path == NULL) return usage_error("run: no FILE given");
  if (strcmp(method, "greedy") != 0 && strcmp(method, "fused") != 0)
    return usage_error("run: unknown method '%s' (fused, greedy)", method);

  rf_scenario_reader *reader = NULL;
  rf_scenario_writer *writer = NULL;
  int rc = rf_scenario_reader_open(&reader, path, NULL, NULL);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: cannot open '%s': %s\n", path,
            rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    return 1;
  }
  if ((rc = rf_scenario_writer_open(&writer, out_path, NULL)) != 0) {
    fprintf(stderr, "retailfuse: cannot write '%s': %s\n", out_path,
            rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    rf_scenario_reader_free(reader);
    return 1;
  }
  char err[600] = "";
  rf_host_counts counts;
  rc = run_method(reader, writer, strcmp(method, "fused") == 0 ? RF_METHOD_FUSED : RF_METHOD_GREEDY,
                  settings, setting_count, &counts, err, sizeof err);
  int closed = rf_scenario_writer_close(writer);
  rf_scenario_reader_free(reader);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", path, err);
    return 1;
  }
  if (closed != 0) {
    fprintf(stderr, "retailfuse: writing '%s' failed\n", out_path);
    return 1;
  }
  fprintf(stderr,
          "%s: %" PRIu64 " events (%" PRIu64 " weight changes, %" PRIu64 " hand visits) -> %" PRIu64
          " diffs, %" PRIu64 " receipts (method %s)\n",
          path, counts.events, counts.deltas, counts.hands, counts.diffs, counts.receipts, method);
  return 0;
}
