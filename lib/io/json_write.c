#include "json_write.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void rf__jbuf_init(rf__jbuf *b, const rf_allocator *a) {
  b->alloc = a;
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = 0;
  b->discard = 0;
}

void rf__jbuf_free(rf__jbuf *b) {
  rf__free(b->alloc, b->data);
  rf__jbuf_init(b, b->alloc);
}

void rf__jbuf_raw(rf__jbuf *b, const char *s, size_t n) {
  if (b->failed || b->discard) return;
  if (RF__RESERVE(b->alloc, b->data, b->cap, b->len + n + 1) != 0) {
    b->failed = 1;
    return;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void rf__jbuf_cstr(rf__jbuf *b, const char *s) { rf__jbuf_raw(b, s, strlen(s)); }

void rf__jbuf_string(rf__jbuf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  if (b->discard) return;
  rf__jbuf_raw(b, "\"", 1);
  const char *run = s;
  for (const char *p = s; *p; ++p) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    rf__jbuf_raw(b, run, (size_t)(p - run));
    run = p + 1;
    char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        n = 6;
    }
    rf__jbuf_raw(b, esc, n);
  }
  rf__jbuf_cstr(b, run);
  rf__jbuf_raw(b, "\"", 1);
}

void rf__jbuf_int(rf__jbuf *b, int64_t v) {
  if (b->discard) return;
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%" PRId64, v);
  rf__jbuf_raw(b, buf, (size_t)n);
}

size_t rf__format_double(char *buf, size_t cap, double v) {
  int n = 0;
  /* 15 significant digits are never too many for a normal double; a subnormal may need fewer. */
  int first = (v != 0.0 && fabs(v) < DBL_MIN) ? 1 : 15;
  for (int precision = first; precision <= 17; ++precision) {
    n = snprintf(buf, cap, "%.*g", precision, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* A host may have set a locale with a decimal comma; JSON wants a point. */
  for (int i = 0; i < n; ++i)
    if (buf[i] != '-' && buf[i] != '+' && buf[i] != 'e' && (buf[i] < '0' || buf[i] > '9'))
      buf[i] = '.';
  /* printf pads the exponent ("1e-07", "1e+21"); the shortest form has no '+' or leading 0. */
  char *e = memchr(buf, 'e', (size_t)n);
  if (e != NULL) {
    char *src = e + 1, *dst = e + 1;
    if (*src == '-') *dst++ = *src++;
    else if (*src == '+') ++src;
    while (*src == '0' && src[1] != '\0') ++src;
    while (*src != '\0') *dst++ = *src++;
    *dst = '\0';
    n = (int)(dst - buf);
  }
  return (size_t)n;
}

void rf__jbuf_double(rf__jbuf *b, double v) {
  if (b->discard) return;
  char buf[40];
  size_t n = rf__format_double(buf, sizeof buf, v);
  rf__jbuf_raw(b, buf, n);
}

void rf__jbuf_key(rf__jbuf *b, const char *key, int first) {
  if (!first) rf__jbuf_raw(b, ",", 1);
  rf__jbuf_string(b, key);
  rf__jbuf_raw(b, ":", 1);
}

/* The length of the sequence a lead byte starts (0: not a lead byte) and the smallest code point
 * that length may encode (anything smaller is an overlong form). */
static int utf8_lead(unsigned char c, unsigned long *min) {
  int n = (c >= 0xC2 && c <= 0xDF)   ? 2
          : (c >= 0xE0 && c <= 0xEF) ? 3
          : (c >= 0xF0 && c <= 0xF4) ? 4
                                     : 0;
  *min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
  return n;
}

int rf__utf8_valid(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p != 0) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    unsigned long min, cp;
    int n = utf8_lead(*p, &min);
    if (n == 0) return 0;
    cp = *p & (0x7Fu >> n);
    /* A NUL ends the string and fails the test, so nothing past it is read. */
    for (int i = 1; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    p += n;
  }
  return 1;
}
