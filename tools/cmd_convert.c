/* retailfuse convert: a scenario (or output, or truth) file from JSON Lines to protocol buffers
 * or back. Records that cannot be read are reported and left out; the rest are converted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

/* Errors printed before the rest are only counted. */
#define SHOWN_ERRORS 20

static int cannot(const char *what, const char *path) {
  fprintf(stderr, "retailfuse: convert: cannot %s '%s': %s\n", what, path,
          errno ? strerror(errno) : "failed");
  return 1;
}

/* Every record of `reader` through `writer`: 0, or 1 when a record was left out or the output
 * failed. */
static int convert(rf_scenario_reader *reader, rf_scenario_writer *writer, const char *in) {
  rf_record rec;
  uint64_t records = 0, bad = 0;
  int rc;
  while ((rc = rf_scenario_reader_next(reader, &rec)) != RF_ITEROVER) {
    if (rc == 0 && (rc = rf_scenario_writer_write(writer, &rec)) != 0) {
      fprintf(stderr, "retailfuse: convert: %s: %s\n", in, rf_scenario_writer_errmsg(writer));
      if (rc != RF_EINVAL) return 1; /* the output failed */
      ++bad;
      continue;
    }
    if (rc == RF_EIO || rc == RF_ENOMEM || rc == RF_EVERSION) {
      fprintf(stderr, "retailfuse: convert: %s: %s\n", in, rf_scenario_reader_errmsg(reader));
      return 1;
    }
    if (rc != 0) {
      if (++bad <= SHOWN_ERRORS)
        fprintf(stderr, "retailfuse: convert: %s: %s\n", in, rf_scenario_reader_errmsg(reader));
      continue;
    }
    ++records;
  }
  if (bad > SHOWN_ERRORS)
    fprintf(stderr, "retailfuse: convert: %s: %llu more records left out\n", in,
            (unsigned long long)(bad - SHOWN_ERRORS));
  fprintf(stderr, "retailfuse: convert: %llu records converted, %llu left out\n",
          (unsigned long long)records, (unsigned long long)bad);
  return bad > 0;
}

int cmd_convert(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *to = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--to") == 0) {
      if (++i >= argc) return usage_error("convert: --to needs pb or jsonl");
      to = argv[i];
      if (strcmp(to, "pb") != 0 && strcmp(to, "jsonl") != 0)
        return usage_error("convert: --to takes pb or jsonl, not '%s'", to);
    } else if (in == NULL) {
      in = argv[i];
    } else if (out == NULL) {
      out = argv[i];
    } else {
      return usage_error("convert: unexpected argument '%s'", argv[i]);
    }
  }
  if (in == NULL || out == NULL) return usage_error("convert: needs IN and OUT");
  rf_scenario_format format = to ? (strcmp(to, "pb") == 0 ? RF_FORMAT_PB : RF_FORMAT_JSONL)
                                 : rf_scenario_format_of_path(out);
  rf_scenario_reader *reader = NULL;
  rf_scenario_writer *writer = NULL;
  errno = 0;
  if (rf_scenario_reader_open(&reader, in, NULL, NULL) != 0) return cannot("open", in);
  errno = 0;
  if (rf_scenario_writer_open(&writer, out, NULL) != 0 ||
      rf_scenario_writer_set_format(writer, format) != 0) {
    rf_scenario_writer_close(writer);
    rf_scenario_reader_free(reader);
    return cannot("write", out);
  }
  int status = convert(reader, writer, in);
  if (rf_scenario_writer_close(writer) != 0) status = cannot("write", out);
  rf_scenario_reader_free(reader);
  return status;
}
