/* Bytes of a stream, as they arrive, back into the service's messages (retailfuse/wire.h). */
#include "retailfuse/wire.h"

#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "json_write.h"
#include "pb_codec.h"
#include "retailfuse.pb-c.h"
#include "record_parse.h"
#include "wire_internal.h"
#include "retailfuse/status.h"
#include "wire_names.h"

#define DEFAULT_MAX_FRAME (16u << 20)
#define RF__WIRE_INT_LIMIT 9007199254740992.0 /* 2^53: every integer within it is a double */

struct rf_wire_decoder {
  rf_allocator alloc;
  size_t max_frame;
  uint8_t *buf; /* bytes fed: [start, len) not yet taken */
  size_t start, len, cap;
  uint64_t offset; /* the stream's byte at buf[start] */
  int sniffed;
  rf_scenario_format format;
  int crc;  /* frames end in a CRC32C */
  int dead; /* a stream that cannot be read further: its error, returned again */
  uint64_t count;
  rf__pb_decoder pb;
  cJSON *root;
  rf__record_scratch scratch;
  const uint8_t *message; /* the last record's Record message, as it came (protobuf) */
  size_t message_len;
  rf__errbuf err;
};

const uint8_t *rf__wire_decoder_message(const rf_wire_decoder *d, size_t *len) {
  *len = d ? d->message_len : 0;
  return d ? d->message : NULL;
}

int rf_wire_decoder_new(rf_wire_decoder **out, size_t max_frame, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_wire_decoder *d = rf__calloc(&a, 1, sizeof *d);
  if (d == NULL) return RF_ENOMEM;
  d->alloc = a;
  d->max_frame = max_frame ? max_frame : DEFAULT_MAX_FRAME;
  rf__pb_decoder_init(&d->pb, &d->alloc);
  *out = d;
  return 0;
}

void rf_wire_decoder_free(rf_wire_decoder *d) {
  if (d == NULL) return;
  cJSON_Delete(d->root);
  rf__record_scratch_free(&d->scratch, &d->alloc);
  rf__pb_decoder_free(&d->pb);
  rf_allocator a = d->alloc;
  rf__free(&a, d->buf);
  rf__free(&a, d);
}

int rf_wire_decoder_feed(rf_wire_decoder *d, const void *data, size_t len) {
  if (d == NULL || (data == NULL && len > 0)) return RF_EINVAL;
  if (len == 0) return 0;
  if (!d->sniffed) { /* the format is known from the first byte on */
    d->format = ((const uint8_t *)data)[0] == (uint8_t)RF__PB_MAGIC[0] ? RF_FORMAT_PB
                                                                       : RF_FORMAT_JSONL;
    d->sniffed = 1;
  }
  if (d->start > 0 && d->start == d->len) d->start = d->len = 0;
  if (d->start > 0 && d->len + len + 1 > d->cap) { /* move the unread bytes to the front */
    memmove(d->buf, d->buf + d->start, d->len - d->start);
    d->len -= d->start;
    d->start = 0;
  }
  if (RF__RESERVE(&d->alloc, d->buf, d->cap, d->len + len + 1) != 0) return RF_ENOMEM;
  memcpy(d->buf + d->len, data, len);
  d->len += len;
  return 0;
}

rf_scenario_format rf_wire_decoder_format(const rf_wire_decoder *d) {
  return d ? d->format : RF_FORMAT_JSONL;
}
uint64_t rf_wire_decoder_count(const rf_wire_decoder *d) { return d ? d->count : 0; }
size_t rf_wire_decoder_pending(const rf_wire_decoder *d) { return d ? d->len - d->start : 0; }
const char *rf_wire_decoder_errmsg(const rf_wire_decoder *d) { return d ? d->err.msg : ""; }

static void take(rf_wire_decoder *d, size_t n) {
  d->start += n;
  d->offset += n;
}

static int die(rf_wire_decoder *d, int rc) {
  d->dead = rc;
  return rc;
}

/* The header of a protocol-buffer stream: 0, RF_ITEROVER for more bytes, or the stream dies. */
static int read_header(rf_wire_decoder *d) {
  const uint8_t *p = d->buf + d->start;
  size_t n = d->len - d->start;
  size_t m = n < RF__PB_MAGIC_LEN ? n : RF__PB_MAGIC_LEN;
  if (memcmp(p, RF__PB_MAGIC, m) != 0)
    return die(d, rf__error(&d->err, RF_EPARSE, "byte 0: not a retailfuse stream header"));
  if (n < RF__PB_MAGIC_LEN) return RF_ITEROVER;
  uint64_t version, flags;
  int k = rf__pb_get_varint(p + RF__PB_MAGIC_LEN, n - RF__PB_MAGIC_LEN, &version);
  int l = k > 0 ? rf__pb_get_varint(p + RF__PB_MAGIC_LEN + k, n - RF__PB_MAGIC_LEN - k, &flags) : k;
  if (k < 0 || l < 0)
    return die(d, rf__error(&d->err, RF_EPARSE, "byte 8: the stream header does not read"));
  if (k == 0 || l == 0) return RF_ITEROVER;
  if (version != RF__PB_VERSION)
    return die(d, rf__error(&d->err, RF_EVERSION,
                            "byte 8: the stream is of format version %llu; this library reads %d",
                            (unsigned long long)version, RF__PB_VERSION));
  if ((flags & ~(uint64_t)RF__PB_FLAG_CRC) != 0)
    return die(d, rf__error(&d->err, RF_EVERSION,
                            "byte 8: the stream header sets flags this library does not know "
                            "(%#llx)",
                            (unsigned long long)flags));
  d->crc = (flags & RF__PB_FLAG_CRC) != 0;
  take(d, RF__PB_MAGIC_LEN + (size_t)k + (size_t)l);
  return 0;
}

/* ---- the service's messages ---- */

/* A service message's strings are checked as a record's are: UTF-8 (protobuf-c and cJSON do not
 * check it), and within 2^53 for its numbers. */
static int string_ok(rf_wire_decoder *d, const char *what, const char *s) {
  if (s == NULL || rf__utf8_valid(s)) return 1;
  rf__error(&d->err, RF_EPARSE, "%s: not UTF-8", what);
  return 0;
}

static int number_ok(rf_wire_decoder *d, const char *what, int64_t v) {
  if (v >= -(int64_t)RF__WIRE_INT_LIMIT && v <= (int64_t)RF__WIRE_INT_LIMIT) return 1;
  rf__error(&d->err, RF_EPARSE, "%s: beyond 2^53", what);
  return 0;
}

static int check_service(rf_wire_decoder *d, const rf_wire_msg *m) {
  int ok = 1;
  switch (m->kind) {
    case RF_WIRE_HELLO:
      ok = string_ok(d, "hello: source", m->u.hello.source) &&
           number_ok(d, "hello: from", m->u.hello.from);
      break;
    case RF_WIRE_ACK:
      ok = string_ok(d, "ack: source", m->u.ack.source) &&
           string_ok(d, "ack: reason", m->u.ack.reason) &&
           string_ok(d, "ack: message", m->u.ack.message) && number_ok(d, "ack: seq", m->u.ack.seq);
      break;
    case RF_WIRE_ERROR: ok = string_ok(d, "error: message", m->u.error); break;
    case RF_WIRE_FAULT:
      ok = string_ok(d, "fault: plate", m->u.fault.plate) && number_ok(d, "fault: t", m->u.fault.t);
      break;
    case RF_WIRE_SOURCE:
      ok = string_ok(d, "source: source", m->u.source.source) &&
           number_ok(d, "source: t", m->u.source.t);
      break;
    default: break;
  }
  return ok ? 0 : RF_EPARSE;
}

static int from_hello(rf_wire_decoder *d, const char *role, const char *source, int has_from,
                      int64_t from, rf_wire_msg *out) {
  out->kind = RF_WIRE_HELLO;
  out->u.hello.role = rf__wire_role_of(role);
  out->u.hello.source = source;
  out->u.hello.from = has_from ? from : 1;
  if (out->u.hello.role == 0)
    return rf__error(&d->err, RF_EPARSE, "hello: role '%s' is none of gateway, subscriber, service",
                     role ? role : "");
  return 0;
}

static int from_proto_kind(rf_wire_decoder *d, const Retailfuse__Record *m, rf_wire_msg *out) {
  switch (m->kind_case) {
    case RETAILFUSE__RECORD__KIND_HELLO:
      return from_hello(d, m->hello->role, m->hello->source, m->hello->has_from, m->hello->from,
                        out);
    case RETAILFUSE__RECORD__KIND_ACK:
      out->kind = RF_WIRE_ACK;
      out->u.ack = (rf_wire_ack){m->ack->source,  m->ack->has_seq,
                                 m->ack->seq,     m->ack->reason,
                                 m->ack->message, m->ack->has_finish && m->ack->finish};
      return 0;
    case RETAILFUSE__RECORD__KIND_ERROR:
      out->kind = RF_WIRE_ERROR;
      out->u.error = m->error->message;
      return 0;
    case RETAILFUSE__RECORD__KIND_FINISH: out->kind = RF_WIRE_FINISH; return 0;
    case RETAILFUSE__RECORD__KIND_PLATE_FAULT:
      out->kind = RF_WIRE_FAULT;
      out->u.fault = (rf_wire_fault){m->plate_fault->plate,
                                     rf__wire_fault_of(m->plate_fault->fault), m->plate_fault->t};
      if (out->u.fault.fault == 0)
        return rf__error(&d->err, RF_EPARSE, "fault: no fault '%s'", m->plate_fault->fault);
      return 0;
    case RETAILFUSE__RECORD__KIND_SOURCE_STATE:
      out->kind = RF_WIRE_SOURCE;
      out->u.source =
          (rf_wire_source){m->source_state->source, m->source_state->stale, m->source_state->t};
      return 0;
    case RETAILFUSE__RECORD__KIND_ADVANCE:
      return rf__error(&d->err, RF_EPARSE, "record: no known record kind");
    default:
      out->kind = RF_WIRE_RECORD;
      return rf__pb_record_of(&d->pb, m, &out->u.record, &d->err);
  }
}

static int from_proto(rf_wire_decoder *d, const Retailfuse__Record *m, rf_wire_msg *out) {
  int rc = from_proto_kind(d, m, out);
  return rc == 0 && out->kind != RF_WIRE_RECORD ? check_service(d, out) : rc;
}

/* One whole frame of a protocol-buffer stream: 0, RF_ITEROVER, or an error. */
static int next_frame(rf_wire_decoder *d, rf_wire_msg *out) {
  uint64_t size;
  const uint8_t *p = d->buf + d->start;
  size_t n = d->len - d->start;
  int k = rf__pb_get_varint(p, n, &size);
  uint64_t frame = d->count + 1, at = d->offset;
  if (k < 0)
    return die(d, rf__error(&d->err, RF_EPARSE, "frame %llu (byte %llu): its length does not read",
                            (unsigned long long)frame, (unsigned long long)at));
  if (k == 0) return RF_ITEROVER;
  if (size > d->max_frame)
    return die(d, rf__error(&d->err, RF_ELIMIT,
                            "frame %llu (byte %llu): %llu bytes, over the limit of %zu",
                            (unsigned long long)frame, (unsigned long long)at,
                            (unsigned long long)size, d->max_frame));
  size_t whole = (size_t)k + (size_t)size + (d->crc ? 4 : 0);
  if (n < whole) return RF_ITEROVER;
  take(d, whole);
  d->count++;
  const uint8_t *msg = p + k;
  if (d->crc && rf__pb_get_u32(msg + size) != rf__crc32c(msg, (size_t)size))
    return rf__error(&d->err, RF_EPARSE, "frame %llu (byte %llu): its CRC does not match",
                     (unsigned long long)frame, (unsigned long long)at);
  const Retailfuse__Record *m = rf__pb_unpack(&d->pb, msg, (size_t)size, &d->err);
  int rc = m != NULL ? from_proto(d, m, out) : RF_EPARSE;
  if (rc == 0 && out->kind == RF_WIRE_RECORD) {
    if (out->u.record.line == 0) out->u.record.line = frame; /* as a file's record its line */
    d->message = msg;
    d->message_len = (size_t)size;
  }
  if (rc != 0) {
    char why[RF__ERRMSG_MAX];
    memcpy(why, d->err.msg, sizeof why);
    rf__error(&d->err, rc, "frame %llu (byte %llu): %s", (unsigned long long)frame,
              (unsigned long long)at, why);
  }
  return rc;
}

/* ---- JSON Lines ---- */

static const char *json_string(const cJSON *root, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An integer member (absent: *has 0). RF_EPARSE for one that is not a whole number. */
static int json_int(rf_wire_decoder *d, const cJSON *root, const char *key, int *has, int64_t *v) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, key);
  *has = x != NULL;
  if (x == NULL) return 0;
  double f = cJSON_IsNumber(x) ? x->valuedouble : 0.5;
  /* the range first: casting a double beyond int64 is undefined */
  if (!(f >= -RF__WIRE_INT_LIMIT && f <= RF__WIRE_INT_LIMIT) || f != (double)(int64_t)f)
    return rf__error(&d->err, RF_EPARSE, "field '%s' is not a whole number", key);
  *v = (int64_t)f;
  return 0;
}

static int json_service(rf_wire_decoder *d, int kind, const cJSON *root, rf_wire_msg *out) {
  int has = 0, rc = 0;
  int64_t v = 0;
  out->kind = (rf_wire_kind)kind;
  switch (kind) {
    case RF_WIRE_HELLO:
      if ((rc = json_int(d, root, "from", &has, &v)) != 0) return rc;
      return from_hello(d, json_string(root, "role"), json_string(root, "source"), has, v, out);
    case RF_WIRE_ACK:
      out->u.ack.source = json_string(root, "source");
      rc = json_int(d, root, "seq", &out->u.ack.has_seq, &out->u.ack.seq);
      out->u.ack.reason = json_string(root, "reason");
      out->u.ack.message = json_string(root, "message");
      out->u.ack.finish = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "finish"));
      return rc;
    case RF_WIRE_ERROR:
      out->u.error = json_string(root, "message");
      return out->u.error ? 0 : rf__error(&d->err, RF_EPARSE, "error: no 'message'");
    case RF_WIRE_FINISH: return 0;
    case RF_WIRE_FAULT:
      out->u.fault.plate = json_string(root, "plate");
      out->u.fault.fault = rf__wire_fault_of(json_string(root, "fault"));
      rc = json_int(d, root, "t", &has, &out->u.fault.t);
      if (rc == 0 && (out->u.fault.plate == NULL || out->u.fault.fault == 0 || !has))
        rc = rf__error(&d->err, RF_EPARSE, "fault: needs 'plate', a known 'fault' and 't'");
      return rc;
    default:
      out->u.source.source = json_string(root, "source");
      out->u.source.stale = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "stale"));
      rc = json_int(d, root, "t", &has, &out->u.source.t);
      if (rc == 0 && (out->u.source.source == NULL || !has))
        rc = rf__error(&d->err, RF_EPARSE, "source: needs 'source' and 't'");
      return rc;
  }
}

static int parse_json(rf_wire_decoder *d, char *text, size_t len, uint64_t line, rf_wire_msg *out) {
  int rc = rf__json_line_parse(text, len, line, &d->root, &d->err);
  if (rc != 0) return rc;
  int kind = rf__wire_kind_of(json_string(d->root, "type"));
  if (kind < 0) {
    out->kind = RF_WIRE_RECORD;
    return rf__record_from_json(d->root, line, rf__json_first_nul_string(text, len), &out->u.record,
                                &d->scratch, &d->alloc, &d->err);
  }
  rc = json_service(d, kind, d->root, out);
  if (rc == 0 && rf__json_first_nul_string(text, len) >= 0)
    rc = rf__error(&d->err, RF_EPARSE, "a string holds a NUL");
  if (rc == 0) rc = check_service(d, out);
  if (rc != 0) {
    char why[RF__ERRMSG_MAX];
    memcpy(why, d->err.msg, sizeof why);
    rf__error(&d->err, rc, "line %llu: %s", (unsigned long long)line, why);
  }
  return rc;
}

/* The next non-blank whole line: 0, RF_ITEROVER, or an error. */
static int next_line(rf_wire_decoder *d, rf_wire_msg *out) {
  for (;;) {
    char *text = (char *)d->buf + d->start;
    size_t n = d->len - d->start;
    char *end = memchr(text, '\n', n);
    if (end == NULL && n > d->max_frame)
      return die(d, rf__error(&d->err, RF_ELIMIT, "line %llu: longer than the limit of %zu bytes",
                              (unsigned long long)d->count + 1, d->max_frame));
    if (end == NULL) return RF_ITEROVER;
    size_t len = (size_t)(end - text);
    *end = '\0';
    take(d, len + 1);
    uint64_t line = ++d->count;
    if (len > d->max_frame)
      return die(d, rf__error(&d->err, RF_ELIMIT, "line %llu: longer than the limit of %zu bytes",
                              (unsigned long long)line, d->max_frame));
    if (!rf__json_is_blank(text, len)) return parse_json(d, text, len, line, out);
  }
}

int rf_wire_decoder_next(rf_wire_decoder *d, rf_wire_msg *out) {
  if (d == NULL || out == NULL) return RF_EINVAL;
  if (d->dead) return d->dead;
  cJSON_Delete(d->root);
  d->root = NULL;
  d->message = NULL;
  d->message_len = 0;
  memset(out, 0, sizeof *out);
  if (!d->sniffed) return RF_ITEROVER; /* nothing fed yet */
  int rc;
  if (d->format == RF_FORMAT_JSONL) return next_line(d, out);
  if (d->offset == 0 && (rc = read_header(d)) != 0) return rc;
  return next_frame(d, out);
}
