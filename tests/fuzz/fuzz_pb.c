/* Fuzz target: arbitrary bytes as the frames of a protocol-buffer stream (the header is the
 * target's: version 1, with each frame's CRC32C when the first byte is odd, so the mutations
 * land in frames). Every frame goes through the reader; a record it accepts must write back as
 * a frame that reads as a record of its type writing the same bytes, as protocol buffers and as
 * JSON Lines alike. Reading must end with every call returning a documented code. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "io/pb_codec.h"
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"
#include "test_text.h"

enum { MAX_FRAME = 1 << 16 };

/* The record written in `format` into b (emptied first): 0, or the writer's refusal. */
static int write_one(const rf_record *r, rf_scenario_format format, test_text *b) {
  rf_scenario_writer *w;
  b->len = 0;
  if (rf_scenario_writer_new(&w, test_text_write, b, NULL) != 0) fuzz_die("writer: out of memory");
  if (rf_scenario_writer_set_format(w, format) != 0) fuzz_die("writer: set_format failed");
  int rc = rf_scenario_writer_write(w, r);
  int closed = rf_scenario_writer_close(w);
  if (rc == 0 && closed != 0) fuzz_die("writer: close failed (%d)", closed);
  return rc;
}

/* Written in `format`, r reads back as one record of its type that writes the same bytes. */
static void round_trip(const rf_record *r, rf_scenario_format format) {
  test_text first = {0}, second = {0};
  if (write_one(r, format, &first) != 0)
    fuzz_die("a record the reader took is refused by the writer");
  rf_scenario_reader *rd;
  rf_record back;
  if (rf_scenario_reader_from_memory(&rd, first.data, first.len, NULL, NULL) != 0)
    fuzz_die("reader: out of memory");
  int rc = rf_scenario_reader_next(rd, &back);
  if (rc != 0) fuzz_die("a written record does not read back: %s", rf_scenario_reader_errmsg(rd));
  if (back.type != r->type || write_one(&back, format, &second) != 0 || second.len != first.len ||
      memcmp(first.data, second.data, first.len) != 0)
    fuzz_die("written twice differently (format %d)", (int)format);
  rf_scenario_reader_free(rd);
  free(first.data);
  free(second.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  test_text stream = {0};
  uint8_t header[RF__PB_HEADER_MAX];
  size_t n = rf__pb_header(header, size > 0 && (data[0] & 1) ? RF__PB_FLAG_CRC : 0);
  if (test_text_write((const char *)header, n, &stream) != 0 ||
      (size > 1 && test_text_write((const char *)data + 1, size - 1, &stream) != 0))
    fuzz_die("out of memory");
  rf_scenario_reader_options opt = RF_SCENARIO_READER_OPTIONS_INIT;
  opt.max_line_bytes = MAX_FRAME;
  rf_scenario_reader *r;
  if (rf_scenario_reader_from_memory(&r, stream.data, stream.len, &opt, NULL) != 0)
    fuzz_die("out of memory");
  rf_record rec;
  int rc;
  while ((rc = rf_scenario_reader_next(r, &rec)) != RF_ITEROVER) {
    if (rc == RF_EIO || rc == RF_ENOMEM) break;
    if (rc == 0) {
      round_trip(&rec, RF_FORMAT_PB);
      round_trip(&rec, RF_FORMAT_JSONL);
    } else if (rc != RF_EPARSE && rc != RF_ERANGE && rc != RF_ELIMIT) {
      fuzz_die("the reader returned %d: %s", rc, rf_scenario_reader_errmsg(r));
    } else if (rf_scenario_reader_errmsg(r)[0] == '\0') {
      fuzz_die("an error (%d) without a message", rc);
    }
  }
  rf_scenario_reader_free(r);
  free(stream.data);
  return 0;
}
