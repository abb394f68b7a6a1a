/* retailfuse convert: a scenario (or output, or truth) file from JSON Lines to protocol buffers
 * or back. Records that cannot be read are reported and left out; the rest are converted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
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
static int convert(rf_scenario_reader *reader, const counted_input *input,
                   rf_scenario_writer *writer, const char *in) {
  rf_record rec;
  uint64_t records = 0, bad = 0;
  int rc;
  progress shown;
  progress_begin(&shown, in, input->size);
  while ((rc = rf_scenario_reader_next(reader, &rec)) != RF_ITEROVER) {
    progress_update(&shown, input->bytes, records + bad + 1);
    if (rc == 0 && (rc = rf_scenario_writer_write(writer, &rec)) != 0) {
      progress_clear();
      fprintf(stderr, "retailfuse: convert: %s: %s\n", in, rf_scenario_writer_errmsg(writer));
      if (rc != RF_EINVAL) return 1; /* the output failed */
      ++bad;
      continue;
    }
    if (rc == RF_EIO || rc == RF_ENOMEM || rc == RF_EVERSION) {
      progress_clear();
      fprintf(stderr, "retailfuse: convert: %s: %s\n", in, rf_scenario_reader_errmsg(reader));
      return 1;
    }
    if (rc != 0) {
      if (++bad <= SHOWN_ERRORS) progress_clear();
      if (bad <= SHOWN_ERRORS)
        fprintf(stderr, "retailfuse: convert: %s: %s\n", in, rf_scenario_reader_errmsg(reader));
      continue;
    }
    ++records;
  }
  progress_end(&shown);
  if (bad > SHOWN_ERRORS)
    fprintf(stderr, "retailfuse: convert: %s: %llu more records left out\n", in,
            (unsigned long long)(bad - SHOWN_ERRORS));
  fprintf(stderr, "retailfuse: convert: %llu records converted, %llu left out\n",
          (unsigned long long)records, (unsigned long long)bad);
  return bad > 0;
}

enum { OPT_TO, OPT_COUNT };

static const cli_option convert_options[OPT_COUNT] = {
    [OPT_TO] = {"--to", NULL, "pb|jsonl",
                "the output's format (default: by OUT's extension, protocol buffers for .pb, "
                "else JSON Lines)"},
};

const cli_command convert_command = {
    "convert",
    "IN OUT [--to pb|jsonl]",
    "Converts a scenario, output or truth file between JSON Lines and protocol buffers\n"
    "(docs/format.md §10); IN's format is told by its first bytes. Records that cannot be read\n"
    "are reported and left out (exit status 1). IN and OUT may be '-' for standard input and\n"
    "output. Progress is shown on standard error when it is a terminal (RETAILFUSE_PROGRESS=0\n"
    "turns it off, =1 on).\n",
    convert_options,
    OPT_COUNT,
    NULL};

int cmd_convert(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *to = NULL;
  for (int i = 1; i < argc; ++i) {
    int opt = cli_option_find(&convert_command, argv[i]);
    if (opt == OPT_TO) {
      if (++i >= argc) return usage_error("convert: --to needs pb or jsonl");
      to = argv[i];
      if (strcmp(to, "pb") != 0 && strcmp(to, "jsonl") != 0)
        return usage_error("convert: --to takes pb or jsonl, not '%s'", to);
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return usage_error("convert: unknown option '%s'", argv[i]);
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
  counted_input input; /* the reader's file, its bytes counted for the progress */
  errno = 0;
  if (counted_input_open(&input, &reader, in) != 0) return cannot("open", in);
  errno = 0;
  if (rf_scenario_writer_open(&writer, out, NULL) != 0 ||
      rf_scenario_writer_set_format(writer, format) != 0) {
    rf_scenario_writer_close(writer);
    counted_input_close(&input, reader);
    return cannot("write", out);
  }
  int status = convert(reader, &input, writer, in);
  if (rf_scenario_writer_close(writer) != 0) status = cannot("write", out);
  counted_input_close(&input, reader);
  return status;
}
