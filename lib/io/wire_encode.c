/* The service's messages as the bytes of a stream (retailfuse/wire.h): records through the
 * scenario formats' own encoders, the service's messages as their protocol-buffer messages or
 * JSON objects. */
#include "retailfuse/wire.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "json_write.h"
#include "pb_codec.h"
#include "retailfuse.pb-c.h"
#include "record_check.h"
#include "retailfuse/status.h"
#include "wire_names.h"

/* protobuf-c's messages hold char *; they are only read while packed. */
#define STR(s) ((char *)(uintptr_t)(s))

struct rf_wire_encoder {
  rf_allocator alloc;
  rf_scenario_format format;
  uint8_t *data;
  size_t len, cap;
  rf__pb_encoder pb;
  rf_scenario_writer *json; /* JSON records, written into data */
  rf__jbuf text;            /* a JSON message being built */
  rf__errbuf err;
};

static int take_json(const char *data, size_t len, void *payload) {
  rf_wire_encoder *e = payload;
  if (RF__RESERVE(&e->alloc, e->data, e->cap, e->len + len) != 0) return RF_ENOMEM;
  memcpy(e->data + e->len, data, len);
  e->len += len;
  return 0;
}

int rf_wire_encoder_new(rf_wire_encoder **out, rf_scenario_format format,
                        const rf_allocator *allocator) {
  if (out == NULL || (format != RF_FORMAT_JSONL && format != RF_FORMAT_PB)) return RF_EINVAL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_wire_encoder *e = rf__calloc(&a, 1, sizeof *e);
  if (e == NULL) return RF_ENOMEM;
  e->alloc = a;
  e->format = format;
  rf__pb_encoder_init(&e->pb, &e->alloc);
  rf__jbuf_init(&e->text, &e->alloc);
  if (rf_scenario_writer_new(&e->json, take_json, e, &e->alloc) != 0) {
    rf_wire_encoder_free(e);
    return RF_ENOMEM;
  }
  if (format == RF_FORMAT_PB) { /* the stream's header comes first */
    uint8_t header[RF__PB_HEADER_MAX];
    size_t n = rf__pb_header(header, 0);
    if (take_json((const char *)header, n, e) != 0) {
      rf_wire_encoder_free(e);
      return RF_ENOMEM;
    }
  }
  *out = e;
  return 0;
}

void rf_wire_encoder_free(rf_wire_encoder *e) {
  if (e == NULL) return;
  rf_scenario_writer_close(e->json);
  rf__pb_encoder_free(&e->pb);
  rf__jbuf_free(&e->text);
  rf_allocator a = e->alloc;
  rf__free(&a, e->data);
  rf__free(&a, e);
}

const uint8_t *rf_wire_encoder_data(const rf_wire_encoder *e, size_t *len) {
  *len = e ? e->len : 0;
  return e ? e->data : NULL;
}

void rf_wire_encoder_clear(rf_wire_encoder *e) {
  if (e != NULL) e->len = 0;
}

const char *rf_wire_encoder_errmsg(const rf_wire_encoder *e) { return e ? e->err.msg : ""; }

static int encode_record(rf_wire_encoder *e, const rf_record *rec) {
  if (e->format == RF_FORMAT_JSONL) {
    int rc = rf_scenario_writer_write(e->json, rec);
    if (rc == 0) rc = rf_scenario_writer_flush(e->json);
    if (rc != 0) rf__error(&e->err, rc, "%s", rf_scenario_writer_errmsg(e->json));
    return rc;
  }
  if (rf__record_check(rec, &e->err) != 0) return RF_EINVAL;
  size_t before = e->len;
  int rc = rf__pb_encode(&e->pb, rec, &e->data, &e->len, &e->cap);
  if (rc != 0) e->len = before;
  return rc;
}

/* Whether every string a message carries is there when it must be, and UTF-8. */
static int strings_ok(rf_wire_encoder *e, const char *what, const char *s, int required) {
  if (s == NULL && !required) return 1;
  if (s == NULL) return rf__error(&e->err, RF_EINVAL, "%s: missing", what), 0;
  if (!rf__utf8_valid(s)) return rf__error(&e->err, RF_EINVAL, "%s: not UTF-8", what), 0;
  return 1;
}

/* Whether a number is within 2^53, as every integer the format carries is (JSON's readers hold
 * numbers as doubles). */
static int number_ok(rf_wire_encoder *e, const char *what, int64_t v) {
  if (v >= -((int64_t)1 << 53) && v <= ((int64_t)1 << 53)) return 1;
  return rf__error(&e->err, RF_EINVAL, "%s: beyond 2^53", what), 0;
}

static int check_message(rf_wire_encoder *e, const rf_wire_msg *m) {
  switch (m->kind) {
    case RF_WIRE_HELLO:
      if (m->u.hello.role < RF_WIRE_GATEWAY || m->u.hello.role > RF_WIRE_SERVICE)
        return rf__error(&e->err, RF_EINVAL, "hello: no such role");
      return strings_ok(e, "hello: source", m->u.hello.source, 0) &&
                     number_ok(e, "hello: from", m->u.hello.from)
                 ? 0
                 : RF_EINVAL;
    case RF_WIRE_ACK:
      return strings_ok(e, "ack: source", m->u.ack.source, 0) &&
                     strings_ok(e, "ack: reason", m->u.ack.reason, 0) &&
                     strings_ok(e, "ack: message", m->u.ack.message, 0) &&
                     number_ok(e, "ack: seq", m->u.ack.seq)
                 ? 0
                 : RF_EINVAL;
    case RF_WIRE_ERROR: return strings_ok(e, "error: message", m->u.error, 1) ? 0 : RF_EINVAL;
    case RF_WIRE_FINISH: return 0;
    case RF_WIRE_FAULT:
      if (rf_plate_fault_name(m->u.fault.fault) == NULL)
        return rf__error(&e->err, RF_EINVAL, "fault: no such fault");
      return strings_ok(e, "fault: plate", m->u.fault.plate, 1) &&
                     number_ok(e, "fault: t", m->u.fault.t)
                 ? 0
                 : RF_EINVAL;
    case RF_WIRE_SOURCE:
      return strings_ok(e, "source: source", m->u.source.source, 1) &&
                     number_ok(e, "source: t", m->u.source.t)
                 ? 0
                 : RF_EINVAL;
    default: return rf__error(&e->err, RF_EINVAL, "no such message kind");
  }
}

/* The message as a Record of the proto's service kinds; `parts` holds its sub-message. */
typedef union service_parts {
  Retailfuse__Hello hello;
  Retailfuse__Ack ack;
  Retailfuse__Error error;
  Retailfuse__Finish finish;
  Retailfuse__PlateFault fault;
  Retailfuse__SourceState source;
} service_parts;

static void as_proto(const rf_wire_msg *m, service_parts *p, Retailfuse__Record *r) {
  switch (m->kind) {
    case RF_WIRE_HELLO:
      retailfuse__hello__init(&p->hello);
      p->hello.role = STR(rf__wire_role_name(m->u.hello.role));
      p->hello.source = STR(m->u.hello.source);
      p->hello.has_from = m->u.hello.role != RF_WIRE_GATEWAY;
      p->hello.from = m->u.hello.from;
      r->kind_case = RETAILFUSE__RECORD__KIND_HELLO;
      r->hello = &p->hello;
      break;
    case RF_WIRE_ACK:
      retailfuse__ack__init(&p->ack);
      p->ack.source = STR(m->u.ack.source);
      p->ack.has_seq = m->u.ack.has_seq;
      p->ack.seq = m->u.ack.seq;
      p->ack.reason = STR(m->u.ack.reason);
      p->ack.message = STR(m->u.ack.message);
      p->ack.has_finish = m->u.ack.finish != 0;
      p->ack.finish = m->u.ack.finish != 0;
      r->kind_case = RETAILFUSE__RECORD__KIND_ACK;
      r->ack = &p->ack;
      break;
    case RF_WIRE_ERROR:
      retailfuse__error__init(&p->error);
      p->error.message = STR(m->u.error);
      r->kind_case = RETAILFUSE__RECORD__KIND_ERROR;
      r->error = &p->error;
      break;
    case RF_WIRE_FINISH:
      retailfuse__finish__init(&p->finish);
      r->kind_case = RETAILFUSE__RECORD__KIND_FINISH;
      r->finish = &p->finish;
      break;
    case RF_WIRE_FAULT:
      retailfuse__plate_fault__init(&p->fault);
      p->fault.plate = STR(m->u.fault.plate);
      p->fault.fault = STR(rf_plate_fault_name(m->u.fault.fault));
      p->fault.t = m->u.fault.t;
      r->kind_case = RETAILFUSE__RECORD__KIND_PLATE_FAULT;
      r->plate_fault = &p->fault;
      break;
    default:
      retailfuse__source_state__init(&p->source);
      p->source.source = STR(m->u.source.source);
      p->source.stale = m->u.source.stale != 0;
      p->source.t = m->u.source.t;
      r->kind_case = RETAILFUSE__RECORD__KIND_SOURCE_STATE;
      r->source_state = &p->source;
      break;
  }
}

static void json_string_member(rf__jbuf *b, const char *key, const char *value) {
  if (value == NULL) return;
  rf__jbuf_key(b, key, 0);
  rf__jbuf_string(b, value);
}

static void json_int_member(rf__jbuf *b, const char *key, int64_t value) {
  rf__jbuf_key(b, key, 0);
  rf__jbuf_int(b, value);
}

/* The members after "type", in the order docs/format.md lists them. */
static void as_json(const rf_wire_msg *m, rf__jbuf *b) {
  switch (m->kind) {
    case RF_WIRE_HELLO:
      json_string_member(b, "role", rf__wire_role_name(m->u.hello.role));
      json_string_member(b, "source", m->u.hello.source);
      if (m->u.hello.role != RF_WIRE_GATEWAY) json_int_member(b, "from", m->u.hello.from);
      break;
    case RF_WIRE_ACK:
      json_string_member(b, "source", m->u.ack.source);
      if (m->u.ack.has_seq) json_int_member(b, "seq", m->u.ack.seq);
      json_string_member(b, "reason", m->u.ack.reason);
      json_string_member(b, "message", m->u.ack.message);
      if (m->u.ack.finish) rf__jbuf_cstr(b, ",\"finish\":true");
      break;
    case RF_WIRE_ERROR: json_string_member(b, "message", m->u.error); break;
    case RF_WIRE_FINISH: break;
    case RF_WIRE_FAULT:
      json_int_member(b, "t", m->u.fault.t);
      json_string_member(b, "plate", m->u.fault.plate);
      json_string_member(b, "fault", rf_plate_fault_name(m->u.fault.fault));
      break;
    default:
      json_int_member(b, "t", m->u.source.t);
      json_string_member(b, "source", m->u.source.source);
      rf__jbuf_cstr(b, m->u.source.stale ? ",\"stale\":true" : ",\"stale\":false");
      break;
  }
}

static int encode_service(rf_wire_encoder *e, const rf_wire_msg *m) {
  int rc = check_message(e, m);
  if (rc != 0) return rc;
  if (e->format == RF_FORMAT_PB) {
    service_parts parts;
    Retailfuse__Record r = RETAILFUSE__RECORD__INIT;
    as_proto(m, &parts, &r);
    size_t before = e->len;
    rc = rf__pb_pack(&e->pb, &r, &e->data, &e->len, &e->cap);
    if (rc != 0) e->len = before;
    return rc;
  }
  rf__jbuf *b = &e->text;
  b->len = 0;
  b->failed = 0;
  rf__jbuf_cstr(b, "{\"type\":");
  rf__jbuf_string(b, rf_wire_kind_name(m->kind));
  as_json(m, b);
  rf__jbuf_cstr(b, "}\n");
  return b->failed ? RF_ENOMEM : take_json(b->data, b->len, e);
}

int rf_wire_encode(rf_wire_encoder *e, const rf_wire_msg *msg) {
  if (e == NULL || msg == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  return msg->kind == RF_WIRE_RECORD ? encode_record(e, &msg->u.record) : encode_service(e, msg);
}
