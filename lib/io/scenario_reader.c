/* Streaming JSON Lines: frames lines out of a byte source in a bounded buffer, parses each with
 * cJSON and converts it with record_parse. Memory is bounded by the longest line allowed. A
 * stream that begins with the protocol-buffer magic is read as frames instead (pb_codec). */
#define _POSIX_C_SOURCE 200809L /* fileno, fstat */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "pb_codec.h"
#include "record_parse.h"
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"

#define READ_CHUNK (64 * 1024)
#define DEFAULT_MAX_LINE ((size_t)64 * 1024 * 1024)

struct rf_scenario_reader {
  rf_allocator alloc;
  rf_read_fn read;
  void *payload;
  FILE *file;      /* opened by rf_scenario_reader_open, closed on free */
  const char *mem; /* rf_scenario_reader_from_memory */
  size_t mem_len, mem_pos;
  size_t max_line;
  char *buf;
  size_t cap, start, end; /* unread bytes are buf[start, end) */
  int eof;                /* the source has no more bytes */
  int fatal;              /* a stream error, returned from then on */
  int skipping;           /* discarding the rest of an over-long line */
  uint64_t line;
  int sniffed;               /* the first bytes were looked at: the format is known */
  rf_scenario_format format; /* RF_FORMAT_PB: frames */
  unsigned pb_flags;         /* the header's flags (RF__PB_FLAG_CRC) */
  uint64_t pos;              /* protocol buffers: the stream offset of buf[start] */
  rf__pb_decoder pb;
  cJSON *root; /* the last record's parse tree; its strings are handed out */
  rf__record_scratch scratch;
  rf__errbuf err;
};

static long read_file(char *buf, size_t cap, void *payload) {
  rf_scenario_reader *r = payload;
  size_t n = fread(buf, 1, cap, r->file);
  if (n == 0 && ferror(r->file)) return RF_EIO;
  return (long)n;
}

static long read_memory(char *buf, size_t cap, void *payload) {
  rf_scenario_reader *r = payload;
  size_t n = r->mem_len - r->mem_pos;
  if (n > cap) n = cap;
  if (n == 0) return 0; /* mem may be NULL when mem_len is 0 */
  memcpy(buf, r->mem + r->mem_pos, n);
  r->mem_pos += n;
  return (long)n;
}

int rf_scenario_reader_new(rf_scenario_reader **out, rf_read_fn read, void *payload,
                           const rf_scenario_reader_options *options,
                           const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (read == NULL) return RF_EINVAL;
  if (options != NULL && options->version != RF_SCENARIO_READER_OPTIONS_VERSION) return RF_EVERSION;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_scenario_reader *r = rf__calloc(&a, 1, sizeof *r);
  if (r == NULL) return RF_ENOMEM;
  r->alloc = a;
  r->read = read;
  r->payload = payload;
  r->max_line = (options && options->max_line_bytes) ? options->max_line_bytes : DEFAULT_MAX_LINE;
  rf__pb_decoder_init(&r->pb, &r->alloc);
  *out = r;
  return 0;
}

int rf_scenario_reader_open(rf_scenario_reader **out, const char *path,
                            const rf_scenario_reader_options *options,
                            const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (path == NULL) return RF_EINVAL;
  int is_stdin = strcmp(path, "-") == 0;
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  if (f == NULL) return RF_EIO;
  /* fopen takes a directory, and only the first read fails ("input/output error" after line 0):
   * refuse it here, with errno saying why, as for any file that cannot be opened. */
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    if (!is_stdin) fclose(f);
    errno = EISDIR;
    return RF_EIO;
  }
  rf_scenario_reader *r;
  /* The payload is the reader itself, so set the callback after it exists. */
  int rc = rf_scenario_reader_new(&r, read_file, NULL, options, allocator);
  if (rc != 0) {
    if (!is_stdin) fclose(f);
    return rc;
  }
  r->payload = r;
  r->file = f;
  *out = r;
  return 0;
}

int rf_scenario_reader_from_memory(rf_scenario_reader **out, const char *data, size_t len,
                                   const rf_scenario_reader_options *options,
                                   const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (data == NULL && len != 0) return RF_EINVAL;
  rf_scenario_reader *r;
  int rc = rf_scenario_reader_new(&r, read_memory, NULL, options, allocator);
  if (rc != 0) return rc;
  r->payload = r;
  r->mem = data;
  r->mem_len = len;
  *out = r;
  return 0;
}

void rf_scenario_reader_free(rf_scenario_reader *r) {
  if (r == NULL) return;
  if (r->file != NULL && r->file != stdin) fclose(r->file);
  cJSON_Delete(r->root);
  rf__pb_decoder_free(&r->pb);
  rf__record_scratch_free(&r->scratch, &r->alloc);
  rf__free(&r->alloc, r->buf);
  rf_allocator a = r->alloc;
  rf__free(&a, r);
}

const char *rf_scenario_reader_errmsg(const rf_scenario_reader *r) { return r ? r->err.msg : ""; }

uint64_t rf_scenario_reader_line(const rf_scenario_reader *r) { return r ? r->line : 0; }

rf_scenario_format rf_scenario_reader_format(const rf_scenario_reader *r) {
  return r ? r->format : RF_FORMAT_JSONL;
}

/* Parses buf[from, from + len) (NUL-terminated by the caller) as the current line. */
static int parse_line(rf_scenario_reader *r, char *text, size_t len, rf_record *out) {
  int rc = rf__json_line_parse(text, len, r->line, &r->root, &r->err);
  if (rc != 0) return rc;
  return rf__record_from_json(r->root, r->line, rf__json_first_nul_string(text, len), out,
                              &r->scratch, &r->alloc, &r->err);
}

/* Reads more bytes after moving the unread ones to the front. 0, or a stream error. */
static int fill(rf_scenario_reader *r) {
  size_t pending = r->end - r->start;
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, pending);
    r->start = 0;
    r->end = pending;
  }
  /* +1 keeps room for the NUL that ends the last line. Text in memory needs no more room than
   * it has left (a record pushed from a host is often one short line). */
  size_t chunk = READ_CHUNK;
  if (r->read == read_memory && r->mem_len - r->mem_pos < chunk) chunk = r->mem_len - r->mem_pos;
  int rc = RF__RESERVE(&r->alloc, r->buf, r->cap, r->end + chunk + 1);
  if (rc != 0)
    return rf__error(&r->err, rc, "reading line %llu: %s", (unsigned long long)r->line + 1,
                     rf_strerror(rc));
  long n = r->read(r->buf + r->end, r->cap - r->end - 1, r->payload);
  if (n < 0) {
    int code = (n > RF__STATUS_LAST) ? (int)n : RF_EIO;
    return rf__error(&r->err, code, "reading after line %llu: %s", (unsigned long long)r->line,
                     rf_strerror(code));
  }
  if (n == 0) r->eof = 1;
  r->end += (size_t)n;
  return 0;
}

/* ---- protocol buffers ---- */

/* Reads until `need` bytes are unread or the source ends. 0, or a stream error. */
static int want(rf_scenario_reader *r, size_t need) {
  while (r->end - r->start < need && !r->eof) {
    int rc = fill(r);
    if (rc != 0) return rc;
  }
  return 0;
}

/* The varint `off` bytes into the unread ones, reading no further than it ends (a live stream
 * may send nothing after it for a while): its length in bytes, 0 when the stream ends first,
 * -1 when it is not a varint; *rc a stream error, if one came. */
static int varint_at(rf_scenario_reader *r, size_t off, uint64_t *v, int *rc) {
  *rc = 0;
  for (;;) {
    size_t avail = r->end - r->start;
    int k = avail > off
                ? rf__pb_get_varint((const uint8_t *)r->buf + r->start + off, avail - off, v)
                : 0;
    if (k != 0 || r->eof) return k;
    if ((*rc = want(r, avail + 1)) != 0) return 0;
  }
}

static void consume(rf_scenario_reader *r, size_t n) {
  r->start += n;
  r->pos += n;
}

/* A header this reader cannot read: reported once, and the stream ends there. */
static int bad_header(rf_scenario_reader *r, int code) {
  r->start = r->end;
  r->eof = 1;
  return code;
}

/* Whether the stream is protocol buffers: its magic, then a version this reader reads. 0 (either
 * way: r->format says), a stream error, or a header it cannot read (reported once: the stream
 * ends there). */
static int sniff(rf_scenario_reader *r) {
  r->sniffed = 1;
  /* JSON never begins with the magic's first byte: a JSON stream waits for no more bytes. */
  int rc = want(r, 1);
  if (rc != 0 || r->end == r->start || r->buf[r->start] != RF__PB_MAGIC[0]) return rc;
  if ((rc = want(r, RF__PB_MAGIC_LEN)) != 0) return rc;
  if (r->end - r->start < RF__PB_MAGIC_LEN ||
      memcmp(r->buf + r->start, RF__PB_MAGIC, RF__PB_MAGIC_LEN) != 0)
    return 0;
  r->format = RF_FORMAT_PB;
  uint64_t version = 0, flags = 0;
  int a = varint_at(r, RF__PB_MAGIC_LEN, &version, &rc);
  int b = a > 0 && rc == 0 ? varint_at(r, RF__PB_MAGIC_LEN + (size_t)a, &flags, &rc) : 0;
  if (rc != 0) return rc;
  if (a <= 0 || b <= 0)
    return bad_header(r, rf__error(&r->err, RF_EPARSE,
                                   "byte %d: the protocol-buffer header is cut short",
                                   RF__PB_MAGIC_LEN));
  if (version != RF__PB_VERSION || (flags & ~(uint64_t)RF__PB_FLAG_CRC) != 0)
    return bad_header(
        r, rf__error(&r->err, RF_EVERSION,
                     "byte %d: protocol buffers of format version %llu (flags %llu); this reader "
                     "reads version %d",
                     RF__PB_MAGIC_LEN, (unsigned long long)version, (unsigned long long)flags,
                     RF__PB_VERSION));
  r->pb_flags = (unsigned)flags;
  consume(r, RF__PB_MAGIC_LEN + (size_t)a + (size_t)b);
  return 0;
}

/* A frame the stream cannot go on from (its length unreadable, or cut short): reported once,
 * and the stream ends there. */
static int broken_frame(rf_scenario_reader *r, uint64_t at, const char *why) {
  r->start = r->end;
  r->eof = 1;
  return rf__error(&r->err, RF_EPARSE, "frame %llu (byte %llu): %s", (unsigned long long)r->line,
                   (unsigned long long)at, why);
}

/* The next frame's record. Errors as rf_scenario_reader_next's. */
static int next_frame(rf_scenario_reader *r, rf_record *out) {
  int rc = want(r, 1);
  if (rc != 0) return rc;
  if (r->end == r->start) return RF_ITEROVER;
  const uint64_t at = r->pos;
  r->line++;
  uint64_t len = 0;
  int k = varint_at(r, 0, &len, &rc);
  if (rc != 0) return rc;
  if (k < 0) return broken_frame(r, at, "its length is not a varint");
  if (k == 0) return broken_frame(r, at, "cut short in its length");
  size_t crc = (r->pb_flags & RF__PB_FLAG_CRC) ? 4 : 0;
  if (len > r->max_line) {
    /* Too long to hold: skip it, a read at a time. */
    uint64_t skip = (uint64_t)k + len + crc;
    while (skip > 0) {
      size_t n = r->end - r->start < skip ? r->end - r->start : (size_t)skip;
      consume(r, n);
      skip -= n;
      if (skip > 0 && (r->eof || (rc = fill(r)) != 0))
        return rc ? rc : broken_frame(r, at, "cut short");
    }
    return rf__error(&r->err, RF_ELIMIT, "frame %llu (byte %llu): longer than %zu bytes",
                     (unsigned long long)r->line, (unsigned long long)at, r->max_line);
  }
  size_t total = (size_t)k + (size_t)len + crc;
  if ((rc = want(r, total)) != 0) return rc;
  if (r->end - r->start < total) return broken_frame(r, at, "cut short: the stream ends inside it");
  const uint8_t *message = (const uint8_t *)r->buf + r->start + k;
  if (crc && rf__crc32c(message, (size_t)len) != rf__pb_get_u32(message + len)) {
    consume(r, total);
    return rf__error(&r->err, RF_EPARSE, "frame %llu (byte %llu): its CRC does not match",
                     (unsigned long long)r->line, (unsigned long long)at);
  }
  rf__errbuf why;
  rf__error_clear(&why);
  rc = rf__pb_decode(&r->pb, message, (size_t)len, out, &why);
  consume(r, total);
  if (rc == RF_ENOMEM) r->fatal = rc;
  if (rc != 0)
    return rf__error(&r->err, rc, "frame %llu (byte %llu): %s", (unsigned long long)r->line,
                     (unsigned long long)at, why.msg);
  out->line = r->line;
  return 0;
}

int rf_scenario_reader_next(rf_scenario_reader *r, rf_record *out) {
  if (r == NULL || out == NULL) return RF_EINVAL;
  cJSON_Delete(r->root);
  r->root = NULL;
  if (r->fatal) return r->fatal;
  rf__error_clear(&r->err);
  if (!r->sniffed) {
    int rc = sniff(r);
    if (rc != 0 && rc != RF_EPARSE && rc != RF_EVERSION) r->fatal = rc; /* the stream failed */
    if (rc != 0) return rc;
  }
  if (r->format == RF_FORMAT_PB) {
    int rc = next_frame(r, out);
    if (rc != 0 && rc != RF_ITEROVER && rc != RF_EPARSE && rc != RF_ERANGE && rc != RF_ELIMIT)
      r->fatal = rc; /* the stream failed */
    return rc;
  }
  for (;;) {
    size_t avail = r->end - r->start;
    /* buf is NULL before the first fill, and even NULL + 0 is undefined. */
    char *from = avail > 0 ? r->buf + r->start : NULL;
    char *nl = avail ? memchr(from, '\n', avail) : NULL;
    if (nl != NULL || (r->eof && avail > 0)) {
      size_t len = nl ? (size_t)(nl - from) : avail;
      r->start += len + (nl ? 1 : 0);
      if (r->skipping) { /* the end of a line already reported as too long */
        r->skipping = 0;
        continue;
      }
      r->line++;
      if (len > r->max_line)
        return rf__error(&r->err, RF_ELIMIT, "line %llu: longer than %zu bytes",
                         (unsigned long long)r->line, r->max_line);
      from[len] = '\0';
      if (rf__json_is_blank(from, len)) continue;
      int rc = parse_line(r, from, len, out);
      if (rc == RF_ENOMEM) r->fatal = rc; /* a stream error: the reader is finished */
      return rc;
    }
    if (r->eof) return RF_ITEROVER;
    if (avail > r->max_line) {
      /* Too long to hold: report it now and drop what came so far. */
      r->start = r->end;
      if (!r->skipping) {
        r->skipping = 1;
        r->line++;
        return rf__error(&r->err, RF_ELIMIT, "line %llu: longer than %zu bytes",
                         (unsigned long long)r->line, r->max_line);
      }
    }
    int rc = fill(r);
    if (rc != 0) {
      r->fatal = rc;
      return rc;
    }
  }
}
