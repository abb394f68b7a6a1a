/* retailfuse run: read a scenario and write what the engine decides.
 * The fusion engine is not built yet (issue 5): for now this reads and checks the scenario,
 * reports how many events it holds, and writes an empty output. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

int cmd_run(int argc, char **argv) {
  const char *path = NULL, *out_path = "-";
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (++i >= argc) return usage_error("run: %s needs a file name", a);
      out_path = argv[i];
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("run: unknown option '%s'", a);
    } else if (path != NULL) {
      return usage_error("run: takes one FILE, got '%s' and '%s'", path, a);
    } else {
      path = a;
    }
  }
  if (path == NULL) return usage_error("run: no FILE given");

  rf_scenario_reader *reader = NULL;
  rf_scenario_check *check = NULL;
  rf_scenario_writer *writer = NULL;
  int rc = rf_scenario_reader_open(&reader, path, NULL, NULL);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: cannot open '%s': %s\n", path,
            rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    return 1;
  }
  int status = 1;
  if ((rc = rf_scenario_check_new(&check, NULL, NULL)) != 0) {
    fprintf(stderr, "retailfuse: %s\n", rf_strerror(rc));
    goto done;
  }
  if ((rc = rf_scenario_writer_open(&writer, out_path, NULL)) != 0) {
    fprintf(stderr, "retailfuse: cannot write '%s': %s\n", out_path,
            rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    goto done;
  }
  rf_record rec;
  while ((rc = rf_scenario_reader_next(reader, &rec)) == 0) {
    if ((rc = rf_scenario_check_record(check, &rec)) != 0) {
      fprintf(stderr, "%s: %s\n", path, rf_scenario_check_errmsg(check));
      goto done;
    }
  }
  if (rc != RF_ITEROVER) {
    fprintf(stderr, "%s: %s\n", path, rf_scenario_reader_errmsg(reader));
    goto done;
  }
  rf_scenario_summary s;
  rf_scenario_check_summary(check, &s);
  uint64_t events = 0;
  for (int t = RF_RECORD_ENTER; t <= RF_RECORD_HAND; ++t) events += s.by_type[t];
  fprintf(stderr, "%s: %" PRIu64 " events read (%" PRIu64 " weight changes, %" PRIu64
          " hand visits, %" PRIu32 " shoppers); the fusion engine is not built yet, so no diffs "
          "were written\n",
          path, events, s.by_type[RF_RECORD_DELTA], s.by_type[RF_RECORD_HAND], s.shoppers);
  status = 0;
done:
  if (writer != NULL && rf_scenario_writer_close(writer) != 0 && status == 0) {
    fprintf(stderr, "retailfuse: writing '%s' failed\n", out_path);
    status = 1;
  }
  rf_scenario_check_free(check);
  rf_scenario_reader_free(reader);
  return status;
}
