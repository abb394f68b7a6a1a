/*
 * retailfuse/wire.h — the service's protocol as bytes: for gateways, subscribers and services.
 *
 * A connection to a retailfuse service (service.h) carries, each way, one stream in a format of
 * docs/format.md: protocol buffers (the stream header, then length-prefixed frames) or JSON
 * Lines. Besides records it carries the service's own messages (docs/format.md, "The service"):
 *
 *   hello   the first message of a connection: a gateway names its source, a subscriber the
 *           output seq it wants first; the service answers a subscriber with the seq that follows
 *   ack     the service's answer to each message of a gateway, in order: kept for good (and, for
 *           a record set aside, why: its reason and message)
 *   error   why the service closes the connection
 *   finish  from a gateway, the end of the day; to a subscriber, the end of the day's output
 *   fault   a plate the load cells found faulty
 *   source  a source gone silent (stale) or back
 *
 * An rf_wire_encoder turns messages into the bytes of one stream (a protocol-buffer stream's
 * header comes before its first message); an rf_wire_decoder takes bytes as they arrive and
 * gives back whole messages, the format sniffed from the first byte ('{' or whitespace: JSON
 * Lines).
 *
 * Ownership: a decoded message, and the strings and arrays it points at, are the decoder's until
 * its next call. Encoded bytes are the encoder's until it is cleared or freed.
 * Threads: one object per thread at a time.
 */
#ifndef RETAILFUSE_WIRE_H
#define RETAILFUSE_WIRE_H

#include "common.h"
#include "allocator.h"
#include "loadcell.h"
#include "record.h"
#include "scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rf_wire_kind {
  RF_WIRE_RECORD = 0, /* a record of docs/format.md */
  RF_WIRE_HELLO,
  RF_WIRE_ACK,
  RF_WIRE_ERROR,
  RF_WIRE_FINISH,
  RF_WIRE_FAULT,
  RF_WIRE_SOURCE
} rf_wire_kind;

typedef enum rf_wire_role {
  RF_WIRE_GATEWAY = 1, /* sends records */
  RF_WIRE_SUBSCRIBER,  /* receives output */
  RF_WIRE_SERVICE      /* the service's answer to a subscriber */
} rf_wire_role;

typedef struct rf_wire_hello {
  rf_wire_role role;
  const char *source; /* gateway: the source of its records that name none (NULL: their kind's) */
  int64_t from;       /* subscriber: the first output seq wanted (1: all of it); service: the
                         seq of the first output that follows */
} rf_wire_hello;

typedef struct rf_wire_ack {
  const char *source; /* the record's source and seq as it came (NULL / has_seq 0 if absent) */
  int has_seq;
  int64_t seq;
  const char *reason;  /* NULL: taken; else set aside, why (rf_host_reason_name) */
  const char *message; /* set aside: the detail; else NULL */
  int finish;          /* the answer to a finish */
} rf_wire_ack;

typedef struct rf_wire_fault {
  const char *plate;
  rf_plate_fault fault;
  rf_time_us t;
} rf_wire_fault;

typedef struct rf_wire_source {
  const char *source;
  int stale; /* 1: fell silent; 0: sent again */
  rf_time_us t;
} rf_wire_source;

typedef struct rf_wire_msg {
  rf_wire_kind kind;
  union {
    rf_record record;
    rf_wire_hello hello;
    rf_wire_ack ack;
    const char *error;
    rf_wire_fault fault;
    rf_wire_source source;
  } u;
} rf_wire_msg;

typedef struct rf_wire_encoder rf_wire_encoder;

RF_EXTERN int rf_wire_encoder_new(rf_wire_encoder **out, rf_scenario_format format,
                                  const rf_allocator *allocator);
RF_EXTERN void rf_wire_encoder_free(rf_wire_encoder *encoder);

/* Appends msg's bytes: 0; RF_EINVAL for a record the format refuses or a message missing what
 * it needs, with a string that is not UTF-8 or a number beyond 2^53 (nothing appended;
 * rf_wire_encoder_errmsg says why); RF_ENOMEM. */
RF_EXTERN int rf_wire_encode(rf_wire_encoder *encoder, const rf_wire_msg *msg);

/* The bytes encoded since the last clear. */
RF_EXTERN const uint8_t *rf_wire_encoder_data(const rf_wire_encoder *encoder, size_t *len);
RF_EXTERN void rf_wire_encoder_clear(rf_wire_encoder *encoder);
RF_EXTERN const char *rf_wire_encoder_errmsg(const rf_wire_encoder *encoder);

typedef struct rf_wire_decoder rf_wire_decoder;

/* A decoder refusing frames (or JSON lines) longer than max_frame bytes (0: 16 MiB). */
RF_EXTERN int rf_wire_decoder_new(rf_wire_decoder **out, size_t max_frame,
                                  const rf_allocator *allocator);
RF_EXTERN void rf_wire_decoder_free(rf_wire_decoder *decoder);

/* Takes the next bytes of the stream (copied; none is fine). RF_ENOMEM. */
RF_EXTERN int rf_wire_decoder_feed(rf_wire_decoder *decoder, const void *data, size_t len);

/* The next whole message: 0; RF_ITEROVER when the bytes fed end before it does. Errors, named
 * by the frame (or line) and its byte in rf_wire_decoder_errmsg: RF_EPARSE (or RF_ERANGE, for a
 * number out of its range) for a message that does not decode, a record the format refuses, or
 * a service message whose strings are not UTF-8 or hold a NUL, or whose numbers pass 2^53 — it is
 * passed over: the next call goes on after it; RF_EPARSE too for a stream header that is not one
 * or a frame length that is not a varint; RF_EVERSION for a stream of another format version or
 * with flags this library does not know; RF_ELIMIT for a frame or line longer than max_frame.
 * After any of those last ones the stream cannot be read further: every call returns the same. */
RF_EXTERN int rf_wire_decoder_next(rf_wire_decoder *decoder, rf_wire_msg *out);

/* The stream's format, once its first byte was fed (RF_FORMAT_JSONL before). */
RF_EXTERN rf_scenario_format rf_wire_decoder_format(const rf_wire_decoder *decoder);
/* Frames (or lines, blank ones included) read so far, those passed over included. */
RF_EXTERN uint64_t rf_wire_decoder_count(const rf_wire_decoder *decoder);
/* Bytes fed and not yet part of a whole message: a frame in progress. */
RF_EXTERN size_t rf_wire_decoder_pending(const rf_wire_decoder *decoder);
RF_EXTERN const char *rf_wire_decoder_errmsg(const rf_wire_decoder *decoder);

/* A kind's name in JSON ("record" for records, "hello", "ack", ...); NULL out of range. */
RF_EXTERN const char *rf_wire_kind_name(rf_wire_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_WIRE_H */
