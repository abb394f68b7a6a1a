/* Fuzz target: arbitrary bytes as a stream of the service's protocol (lib/io/wire_decode.c),
 * either format, sniffed. The first byte says where the rest is cut in two: one decoder is fed
 * the two pieces (drained after each), another the whole at once, and both must give the same
 * messages and errors in the same order. Every message decoded must encode again in both
 * formats (a record the decoder gives has passed the format's checks, so the encoder cannot
 * refuse it), decode from that encoding, and encode the same bytes a second time. Errors are the
 * documented codes with a message naming the frame, line or byte; a stream that cannot be read
 * further keeps returning its error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "io/json_write.h"
#include "retailfuse/status.h"
#include "retailfuse/wire.h"
#include "test_text.h"

enum { MAX_FRAME = 1 << 12 };

/* m encoded alone in `format` into *out (emptied first): the encoder's code. */
static int encode_one(const rf_wire_msg *m, rf_scenario_format format, test_text *out, char *why,
                      size_t why_cap) {
  rf_wire_encoder *e = NULL;
  if (rf_wire_encoder_new(&e, format, NULL) != 0) fuzz_die("encoder: out of memory");
  size_t before, len;
  rf_wire_encoder_data(e, &before);
  int rc = rf_wire_encode(e, m);
  const uint8_t *data = rf_wire_encoder_data(e, &len);
  if (rc != 0 && len != before) fuzz_die("a refused message left %zu bytes", len - before);
  if (rc != 0 && rc != RF_EINVAL) fuzz_die("the encoder returned %d", rc);
  if (rc != 0 && rf_wire_encoder_errmsg(e)[0] == '\0') fuzz_die("a refusal without a message");
  out->len = 0;
  if (rc == 0 && test_text_write((const char *)data, len, out) != 0) fuzz_die("out of memory");
  if (why != NULL) snprintf(why, why_cap, "%s", rf_wire_encoder_errmsg(e));
  rf_wire_encoder_free(e);
  return rc;
}

/* m, a message the decoder gave, encodes in `format`, decodes from that as one message of its
 * kind, and that encodes to the same bytes. */
static void reencode(const rf_wire_msg *m, rf_scenario_format format) {
  test_text first = {0}, second = {0};
  char why[256];
  if (encode_one(m, format, &first, why, sizeof why) != 0) {
    if (m->kind == RF_WIRE_RECORD) fuzz_die("a record the decoder gave is refused: %s", why);
    fuzz_die("a %s the decoder gave is refused: %s", rf_wire_kind_name(m->kind), why);
  }
  rf_wire_decoder *d = NULL;
  if (rf_wire_decoder_new(&d, 0, NULL) != 0 || rf_wire_decoder_feed(d, first.data, first.len) != 0)
    fuzz_die("decoder: out of memory");
  rf_wire_msg back;
  int rc = rf_wire_decoder_next(d, &back);
  if (rc != 0)
    fuzz_die("an encoded %s does not decode: %s", rf_wire_kind_name(m->kind),
             rf_wire_decoder_errmsg(d));
  if (rc == 0) {
    if (back.kind != m->kind) fuzz_die("a %s decodes as another kind", rf_wire_kind_name(m->kind));
    if (encode_one(&back, format, &second, why, sizeof why) != 0)
      fuzz_die("a decoded %s is refused: %s", rf_wire_kind_name(m->kind), why);
    if ((second.len != first.len || memcmp(first.data, second.data, first.len) != 0))
      fuzz_die("a %s encoded twice differently (format %d)", rf_wire_kind_name(m->kind),
               (int)format);
    if ((rc = rf_wire_decoder_next(d, &back)) != RF_ITEROVER)
      fuzz_die("one message decodes as more (%d)", rc);
  }
  rf_wire_decoder_free(d);
  free(first.data);
  free(second.data);
}

static void note(test_text *t, const char *fmt, ...) {
  char line[600];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0 || test_text_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, t))
    fuzz_die("out of memory");
}

static int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Every message the bytes fed so far give, until RF_ITEROVER or an error the stream cannot go
 * past (*dead, its code), each noted in *log; `check` re-encodes each message. */
static void drain(rf_wire_decoder *d, int *dead, int check, test_text *log) {
  rf_wire_msg m;
  test_text pb = {0};
  int rc = rf_wire_decoder_next(d, &m);
  while (rc != RF_ITEROVER) {
    if (rc == 0) {
      if (check) {
        reencode(&m, RF_FORMAT_PB);
        reencode(&m, RF_FORMAT_JSONL);
      }
      char why[256];
      int refused = encode_one(&m, RF_FORMAT_PB, &pb, why, sizeof why);
      note(log, "%s line %llu: ", rf_wire_kind_name(m.kind),
           (unsigned long long)(m.kind == RF_WIRE_RECORD ? m.u.record.line : 0));
      if (refused) note(log, "refused %s", why);
      if (!refused && test_text_write(pb.data, pb.len, log) != 0) fuzz_die("out of memory");
      note(log, "\n");
      rc = rf_wire_decoder_next(d, &m);
      continue;
    }
    const char *msg = rf_wire_decoder_errmsg(d);
    if (rc != RF_EPARSE && rc != RF_ERANGE && rc != RF_EVERSION && rc != RF_ELIMIT)
      fuzz_die("the decoder returned %d: %s", rc, msg);
    if (!starts(msg, "frame ") && !starts(msg, "line ") && !starts(msg, "byte ") &&
        !starts(msg, "the stream is of format version "))
      fuzz_die("an error (%d) that names no frame, line or byte: '%s'", rc, msg);
    note(log, "error %d: %s\n", rc, msg);
    char was[600];
    snprintf(was, sizeof was, "%s", msg);
    /* A stream that cannot go on says the same again; one that passed the bad message over
     * goes on with the next (a later frame or line, or more bytes to wait for). */
    int again = rf_wire_decoder_next(d, &m);
    if (again == rc && strcmp(rf_wire_decoder_errmsg(d), was) == 0) {
      if (rc == RF_ERANGE || (rc == RF_EPARSE && !starts(was, "byte ") &&
                              strstr(was, "its length does not read") == NULL))
        fuzz_die("an error (%d) that should pass the message over ends the stream: %s", rc, was);
      *dead = rc;
      break;
    }
    if (rc == RF_EVERSION || rc == RF_ELIMIT)
      fuzz_die("after %d the stream went on (%d): %s", rc, again, was);
    rc = again;
  }
  free(pb.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const uint8_t *stream = data + 1;
  size_t len = size - 1, cut = data[0] % (len + 1);

  test_text pieces_log = {0}, whole_log = {0};
  rf_wire_decoder *pieces = NULL, *whole = NULL;
  if (rf_wire_decoder_new(&pieces, MAX_FRAME, NULL) != 0 ||
      rf_wire_decoder_new(&whole, MAX_FRAME, NULL) != 0)
    fuzz_die("decoder: out of memory");
  int pieces_dead = 0, whole_dead = 0;
  if (rf_wire_decoder_feed(pieces, stream, cut) != 0) fuzz_die("feed: out of memory");
  drain(pieces, &pieces_dead, 1, &pieces_log);
  if (rf_wire_decoder_feed(pieces, stream + cut, len - cut) != 0) fuzz_die("feed: out of memory");
  if (pieces_dead) {
    rf_wire_msg m;
    int rc = rf_wire_decoder_next(pieces, &m);
    if (rc != pieces_dead) fuzz_die("a dead stream returned %d after more bytes", rc);
  } else {
    drain(pieces, &pieces_dead, 1, &pieces_log);
  }
  if (rf_wire_decoder_feed(whole, stream, len) != 0) fuzz_die("feed: out of memory");
  drain(whole, &whole_dead, 0, &whole_log);

  if (pieces_dead != whole_dead || pieces_log.len != whole_log.len ||
      (whole_log.len > 0 && memcmp(pieces_log.data, whole_log.data, whole_log.len) != 0))
    fuzz_die("cut at %zu, the stream reads differently:\n%s\n--- whole:\n%s", cut,
             pieces_log.data ? pieces_log.data : "", whole_log.data ? whole_log.data : "");
  if (!whole_dead && (rf_wire_decoder_count(pieces) != rf_wire_decoder_count(whole) ||
                      rf_wire_decoder_pending(pieces) != rf_wire_decoder_pending(whole)))
    fuzz_die("cut at %zu: count or pending differ", cut);
  if (len > 0 &&
      rf_wire_decoder_format(whole) != (stream[0] == 0x89 ? RF_FORMAT_PB : RF_FORMAT_JSONL))
    fuzz_die("the format is not the first byte's");
  if (rf_wire_decoder_format(pieces) != rf_wire_decoder_format(whole))
    fuzz_die("cut at %zu: the formats differ", cut);

  rf_wire_decoder_free(pieces);
  rf_wire_decoder_free(whole);
  free(pieces_log.data);
  free(whole_log.data);
  return 0;
}
