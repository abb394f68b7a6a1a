/* Reading Y4M (YUV4MPEG2) video: the header line, then each frame's FRAME line, luma plane and
 * chroma planes (read past, never sought: the input may be a pipe). Everything a frame needs is
 * allocated when the reader is made. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "retailfuse/camera.h"
#include "retailfuse/status.h"
#include "y4m.h"

/* Chroma is read past through a buffer of at most this many bytes. */
enum { SKIP_CHUNK = 1 << 16 };

struct rf_y4m_reader {
  rf_allocator alloc;
  FILE *in;
  rf_y4m_info info;
  size_t luma_bytes, chroma_bytes;
  uint8_t *skip; /* min(chroma_bytes, SKIP_CHUNK) bytes; NULL for mono */
  size_t skip_cap;
  int64_t frames;
  int error; /* the sticky error, 0 while there is none */
  rf__errbuf err;
};

/* ---- The header ---------------------------------------------------------------------------- */

/* Where the header parser writes its message: the caller's buffer, possibly none. */
typedef struct herr {
  char *buf;
  size_t cap;
} herr;

static int fail(herr *e, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(herr *e, int code, const char *fmt, ...) {
  if (e->buf != NULL && e->cap > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->buf, e->cap, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* A tag as it may be shown in a message: at most 32 bytes, bytes that do not print as '?'. */
static const char *shown(const char *tag, size_t len, char out[40]) {
  size_t n = len < 32 ? len : 32;
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)tag[i];
    out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
  }
  strcpy(out + n, len > n ? "..." : "");
  return out;
}

/* A whole number of decimal digits only (no sign, no space) within [0, max]: 0, or -1. */
static int whole(const char *s, size_t len, int64_t max, int64_t *out) {
  if (len == 0) return -1;
  int64_t v = 0;
  for (size_t i = 0; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
    if (v > max) return -1;
  }
  *out = v;
  return 0;
}

/* "num:den", each a whole number within [0, INT_MAX]: 0, or -1. */
static int ratio(const char *s, size_t len, int *num, int *den) {
  const char *colon = memchr(s, ':', len);
  int64_t n, d;
  if (colon == NULL || whole(s, (size_t)(colon - s), INT_MAX, &n) != 0 ||
      whole(colon + 1, len - (size_t)(colon - s) - 1, INT_MAX, &d) != 0)
    return -1;
  *num = (int)n;
  *den = (int)d;
  return 0;
}

/* Reads the rest of the header line after the magic and its space into line (NUL-terminated,
 * without its '\n'): the whole line, magic and '\n' included, is at most RF__Y4M_MAX_LINE. */
static int read_line(FILE *in, char line[RF__Y4M_MAX_LINE], herr *e) {
  const size_t max = RF__Y4M_MAX_LINE - sizeof RF__Y4M_MAGIC - 1; /* magic, space and '\n' */
  size_t n = 0;
  int c;
  while ((c = getc(in)) != EOF && c != '\n') {
    if (n == max) return fail(e, RF_EPARSE, "header line longer than %d bytes", RF__Y4M_MAX_LINE);
    if (c == '\0') return fail(e, RF_EPARSE, "header line holds a NUL byte");
    line[n++] = (char)c;
  }
  line[n] = '\0';
  if (c == EOF && ferror(in)) return fail(e, RF_EIO, "header: read error: %s", strerror(errno));
  if (c == EOF) return fail(e, RF_EPARSE, "header line has no end: the file ends within it");
  return 0;
}

/* The magic, and the space or newline after it. */
static int read_magic(FILE *in, herr *e) {
  const char *magic = RF__Y4M_MAGIC;
  size_t n = 0;
  int c;
  while ((c = getc(in)) != EOF) {
    if (magic[n] == '\0') {
      if (c == ' ' || c == '\n') return c;
      break;
    }
    if (c != magic[n]) break;
    n++;
  }
  if (c == EOF && ferror(in)) return fail(e, RF_EIO, "header: read error: %s", strerror(errno));
  if (c == EOF && n == 0) return fail(e, RF_EPARSE, "empty file: no YUV4MPEG2 header");
  if (c == EOF && magic[n] == '\0')
    return fail(e, RF_EPARSE, "header line has no end: the file ends within it");
  return fail(e, RF_EPARSE, "not a Y4M file: it does not begin with YUV4MPEG2");
}

static int parse_space(const char *v, size_t len, rf_y4m_space *space, herr *e) {
  for (int s = 0; s < RF_Y4M_SPACE_COUNT; ++s) {
    const char *tag = rf__y4m_space_tag((rf_y4m_space)s);
    if (strlen(tag) == len && memcmp(tag, v, len) == 0) {
      *space = (rf_y4m_space)s;
      return 0;
    }
  }
  char show[40];
  return fail(e, RF_EPARSE, "colour space C%s not supported: 4:2:0 and mono only",
              shown(v, len, show));
}

/* One tag: its letter and value (len bytes from v). Unknown letters are ignored. */
static int parse_tag(char letter, const char *v, size_t len, rf_y4m_info *info, unsigned *seen,
                     herr *e) {
  char show[40];
  int64_t n;
  if (len == 0) return fail(e, RF_EPARSE, "tag %s has no value", shown(&letter, 1, show));
  switch (letter) {
    case 'W':
    case 'H':
      if (whole(v, len, RF__Y4M_MAX_SIDE, &n) != 0 || n < 1)
        return fail(e, RF_EPARSE, "tag %c%s: the %s must be a whole number from 1 to %d", letter,
                    shown(v, len, show), letter == 'W' ? "width" : "height", RF__Y4M_MAX_SIDE);
      *(letter == 'W' ? &info->width : &info->height) = (int)n;
      *seen |= letter == 'W' ? 1u : 2u;
      return 0;
    case 'F':
      if (ratio(v, len, &info->fps_num, &info->fps_den) != 0 || info->fps_num == 0 ||
          info->fps_den == 0)
        return fail(e, RF_EPARSE,
                    "tag F%s: the frame rate must be num:den, both whole numbers above 0",
                    shown(v, len, show));
      *seen |= 4u;
      return 0;
    case 'I':
      if (len != 1 || strchr("ptbm?", v[0]) == NULL)
        return fail(e, RF_EPARSE, "tag I%s: the interlacing must be p, t, b, m or ?",
                    shown(v, len, show));
      info->interlace = v[0];
      return 0;
    case 'A':
      if (ratio(v, len, &info->aspect_num, &info->aspect_den) != 0 ||
          (info->aspect_num == 0) != (info->aspect_den == 0))
        return fail(e, RF_EPARSE,
                    "tag A%s: the pixel aspect must be num:den, both whole numbers above 0 "
                    "(or 0:0, unknown)",
                    shown(v, len, show));
      return 0;
    case 'C': return parse_space(v, len, &info->space, e);
    default: return 0; /* X (extensions) and letters the format may grow */
  }
}

static int parse_header(char *line, rf_y4m_info *info, herr *e) {
  *info = (rf_y4m_info){.space = RF_Y4M_420, .interlace = '?'};
  unsigned seen = 0;
  for (char *p = line; *p != '\0';) {
    if (*p == ' ') { /* one space between tags; more are tolerated */
      p++;
      continue;
    }
    size_t len = strcspn(p, " ");
    int rc = parse_tag(p[0], p + 1, len - 1, info, &seen, e);
    if (rc != 0) return rc;
    p += len;
  }
  if (!(seen & 1u)) return fail(e, RF_EPARSE, "header has no W (width)");
  if (!(seen & 2u)) return fail(e, RF_EPARSE, "header has no H (height)");
  if (!(seen & 4u)) return fail(e, RF_EPARSE, "header has no F (frame rate)");
  return 0;
}

/* ---- The reader ---------------------------------------------------------------------------- */

int rf_y4m_reader_new(rf_y4m_reader **out, FILE *in, const rf_allocator *allocator, char *err,
                      size_t err_cap) {
  herr e = {err, err_cap};
  if (err != NULL && err_cap > 0) err[0] = '\0';
  if (out == NULL) return fail(&e, RF_EINVAL, "no place for the reader");
  *out = NULL;
  rf_allocator alloc;
  if (in == NULL) return fail(&e, RF_EINVAL, "no file");
  if (rf__allocator_init(&alloc, allocator) != 0)
    return fail(&e, RF_EINVAL, "an allocator hook is missing");

  rf_y4m_info info;
  char line[RF__Y4M_MAX_LINE];
  int rc = read_magic(in, &e);
  if (rc < 0) return rc;
  if (rc == '\n') line[0] = '\0';
  else if ((rc = read_line(in, line, &e)) != 0) return rc;
  if ((rc = parse_header(line, &info, &e)) != 0) return rc;

  rf_y4m_reader *r = rf__calloc(&alloc, 1, sizeof *r);
  if (r == NULL) return fail(&e, RF_ENOMEM, "out of memory");
  r->alloc = alloc;
  r->in = in;
  r->info = info;
  r->luma_bytes = (size_t)info.width * (size_t)info.height;
  r->chroma_bytes = rf__y4m_chroma_bytes(&info);
  r->skip_cap = r->chroma_bytes < SKIP_CHUNK ? r->chroma_bytes : SKIP_CHUNK;
  if (r->skip_cap > 0 && (r->skip = rf__malloc(&alloc, r->skip_cap)) == NULL) {
    rf__free(&alloc, r);
    return fail(&e, RF_ENOMEM, "out of memory");
  }
  *out = r;
  return 0;
}

void rf_y4m_reader_free(rf_y4m_reader *reader) {
  if (reader == NULL) return;
  rf__free(&reader->alloc, reader->skip);
  rf__free(&reader->alloc, reader);
}

const rf_y4m_info *rf_y4m_reader_info(const rf_y4m_reader *reader) {
  return reader == NULL ? NULL : &reader->info;
}

int64_t rf_y4m_reader_frames(const rf_y4m_reader *reader) {
  return reader == NULL ? 0 : reader->frames;
}

const char *rf_y4m_reader_errmsg(const rf_y4m_reader *reader) {
  return reader == NULL ? "" : reader->err.msg;
}

/* ---- Frames -------------------------------------------------------------------------------- */

/* Records the reader's sticky error. */
static int frame_fail(rf_y4m_reader *r, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int frame_fail(rf_y4m_reader *r, int code, const char *fmt, ...) {
  char what[RF__ERRMSG_MAX - 32];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  r->error = code;
  return rf__error(&r->err, code, "frame %lld: %s", (long long)r->frames, what);
}

static int read_error(rf_y4m_reader *r) {
  return frame_fail(r, RF_EIO, "read error: %s", strerror(errno));
}

/* The FRAME line: 1 when read, 0 at the end of the file before it, or an error. */
static int frame_line(rf_y4m_reader *r) {
  static const char word[] = "FRAME";
  char got[8];
  size_t n = 0;
  int c;
  while (n < sizeof word - 1 && (c = getc(r->in)) != EOF) {
    got[n++] = (char)c;
    if (c != word[n - 1]) {
      char show[40];
      return frame_fail(r, RF_EPARSE, "expected FRAME, found '%s'", shown(got, n, show));
    }
  }
  if (n < sizeof word - 1) {
    if (ferror(r->in)) return read_error(r);
    return n == 0 ? 0 : frame_fail(r, RF_EPARSE, "truncated: the file ends within FRAME");
  }
  c = getc(r->in);
  if (c != '\n' && c != ' ' && c != EOF)
    return frame_fail(r, RF_EPARSE, "FRAME is followed by byte %d, not a space or newline", c);
  /* Frame parameters (the format allows them; none changes how the planes are read). */
  for (size_t len = sizeof word; c != '\n' && c != EOF; ++len) {
    if (len >= RF__Y4M_MAX_LINE)
      return frame_fail(r, RF_EPARSE, "FRAME line longer than %d bytes", RF__Y4M_MAX_LINE);
    c = getc(r->in);
  }
  if (c == EOF) {
    if (ferror(r->in)) return read_error(r);
    return frame_fail(r, RF_EPARSE, "truncated: the file ends within the FRAME line");
  }
  return 1;
}

int rf_y4m_read(rf_y4m_reader *reader, uint8_t *luma) {
  if (reader == NULL || luma == NULL) return RF_EINVAL;
  if (reader->error != 0) return reader->error;
  int rc = frame_line(reader);
  if (rc <= 0) return rc;
  size_t got = fread(luma, 1, reader->luma_bytes, reader->in);
  if (got < reader->luma_bytes) {
    if (ferror(reader->in)) return read_error(reader);
    return frame_fail(reader, RF_EPARSE, "truncated: %zu of %zu luma bytes", got,
                      reader->luma_bytes);
  }
  for (size_t done = 0; done < reader->chroma_bytes;) {
    size_t want = reader->chroma_bytes - done;
    if (want > reader->skip_cap) want = reader->skip_cap;
    size_t n = fread(reader->skip, 1, want, reader->in);
    done += n;
    if (n < want) {
      if (ferror(reader->in)) return read_error(reader);
      return frame_fail(reader, RF_EPARSE, "truncated: %zu of %zu chroma bytes", done,
                        reader->chroma_bytes);
    }
  }
  reader->frames++;
  return 1;
}
