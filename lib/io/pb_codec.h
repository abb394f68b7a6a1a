/* Internal: records as protocol buffers (proto/retailfuse.proto, docs/format.md "Protocol
 * buffers") — one rf_record to one Record message and back, and the stream's framing: a header
 * (magic, format version, flags) and frames, each a varint length and a message. */
#ifndef RF_IO_PB_CODEC_H
#define RF_IO_PB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/errbuf.h"
#include "retailfuse/allocator.h"
#include "retailfuse/record.h"

/* protoc-c's message (retailfuse.pb-c.h, built into the io part only). */
struct Retailfuse__Record;

/* The stream's first bytes: not UTF-8 (0x89), and line ends that a text-mode copy would change. */
#define RF__PB_MAGIC "\x89RFP\r\n\x1a\n"
#define RF__PB_MAGIC_LEN 8
#define RF__PB_VERSION 1
/* Header flags: each frame ends in a CRC32C of its message (journals). */
#define RF__PB_FLAG_CRC 1u
/* A header is the magic, then the version and the flags as varints. */
#define RF__PB_HEADER_MAX (RF__PB_MAGIC_LEN + 2 * 10)

/* Appends v as a base-128 varint to buf (room for 10 bytes); returns the bytes written. */
size_t rf__pb_put_varint(uint8_t *buf, uint64_t v);

/* Reads a varint from data[0, len): the bytes it took, 0 when len ends before it does, or -1
 * when it is longer than 10 bytes or overflows 64 bits. */
int rf__pb_get_varint(const uint8_t *data, size_t len, uint64_t *v);

/* The CRC32C (Castagnoli) of data[0, len), as journals end their frames with it. */
uint32_t rf__crc32c(const uint8_t *data, size_t len);

/* Four bytes, little-endian, as a frame's CRC is written. */
static inline uint32_t rf__pb_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A stream header with these flags into buf (RF__PB_HEADER_MAX bytes); returns its length. */
size_t rf__pb_header(uint8_t *buf, unsigned flags);

/* What an encoder keeps between records (the arrays a message points into). */
typedef struct rf__pb_encoder {
  rf_allocator alloc;
  int with_line; /* journals: a record's `line` travels too */
  void *slots[11];
  size_t caps[11];
} rf__pb_encoder;

void rf__pb_encoder_init(rf__pb_encoder *enc, const rf_allocator *a);
void rf__pb_encoder_free(rf__pb_encoder *enc);

/* The Record message of rec (which must already have passed the format's checks) appended to
 * *buf (grown through the encoder's allocator; *len and *cap as RF__RESERVE keeps them), its
 * length first as a varint. 0 or RF_ENOMEM. */
int rf__pb_encode(rf__pb_encoder *enc, const rf_record *rec, uint8_t **buf, size_t *len,
                  size_t *cap);

/* The message r as a frame (its length first, as a varint) appended to *buf, as rf__pb_encode. */
int rf__pb_pack(rf__pb_encoder *enc, const struct Retailfuse__Record *r, uint8_t **buf, size_t *len,
                size_t *cap);

/* A journal's clock advance to `clock` as a frame appended to *buf, as rf__pb_encode. */
int rf__pb_encode_advance(rf__pb_encoder *enc, rf_time_us clock, uint8_t **buf, size_t *len,
                          size_t *cap);

/* What a decoder keeps between records: the last message, and the arrays handed out. */
typedef struct rf__pb_decoder {
  rf_allocator alloc;
  ProtobufCAllocator pb_alloc; /* protobuf-c's view of alloc */
  void *message;
  void *slots[9];
  size_t caps[9];
} rf__pb_decoder;

void rf__pb_decoder_init(rf__pb_decoder *dec, const rf_allocator *a);
/* Frees the last message and the arrays. */
void rf__pb_decoder_free(rf__pb_decoder *dec);

/* The record of one message, data[0, len); its strings and arrays stay valid until the next
 * call or _free. 0, or RF_EPARSE / RF_ERANGE / RF_ENOMEM with the reason in err (without the
 * frame's place, which the caller adds). Checks what the JSON reader checks: a message that
 * does not parse, a required field missing, a string that holds a NUL or is not UTF-8, a number
 * out of range, a plate, sku or item named twice where JSON has an object. */
int rf__pb_decode(rf__pb_decoder *dec, const uint8_t *data, size_t len, rf_record *out,
                  rf__errbuf *err);

/* The Record message data[0, len), its strings checked for NULs; it stays the decoder's until
 * the next call. NULL (RF_EPARSE in err) when it does not decode. */
const struct Retailfuse__Record *rf__pb_unpack(rf__pb_decoder *dec, const uint8_t *data, size_t len,
                                               rf__errbuf *err);

/* The record an unpacked message of a record kind holds, checked as rf__pb_decode checks it. */
int rf__pb_record_of(rf__pb_decoder *dec, const struct Retailfuse__Record *m, rf_record *out,
                     rf__errbuf *err);

/* A journal's entry: a record (as rf__pb_decode; *is_advance 0) or a clock advance (*is_advance
 * 1, the time in *clock). */
int rf__pb_decode_entry(rf__pb_decoder *dec, const uint8_t *data, size_t len, rf_record *out,
                        int *is_advance, rf_time_us *clock, rf__errbuf *err);

#endif
