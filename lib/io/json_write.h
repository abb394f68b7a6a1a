/* Internal: appending JSON text to a growable buffer. A failed allocation is sticky (`failed`)
 * so a whole record can be emitted and checked once at the end. */
#ifndef RF_IO_JSON_WRITE_H
#define RF_IO_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/allocator.h"

typedef struct rf__jbuf {
  const rf_allocator *alloc;
  char *data;
  size_t len, cap;
  int failed;
  int discard; /* takes nothing: a record emitted into it is only checked */
} rf__jbuf;

void rf__jbuf_init(rf__jbuf *b, const rf_allocator *a);
void rf__jbuf_free(rf__jbuf *b);

void rf__jbuf_raw(rf__jbuf *b, const char *s, size_t n);
void rf__jbuf_cstr(rf__jbuf *b, const char *s);
/* A quoted, escaped JSON string. */
void rf__jbuf_string(rf__jbuf *b, const char *s);
void rf__jbuf_int(rf__jbuf *b, int64_t v);
/* The shortest decimal that reads back to exactly v; v must be finite. */
void rf__jbuf_double(rf__jbuf *b, double v);
/* `"key":`, preceded by a comma unless it is the object's first member. */
void rf__jbuf_key(rf__jbuf *b, const char *key, int first);

/* Whether the NUL-terminated s is well-formed UTF-8: no stray or missing continuation bytes, no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing past U+10FFFF. The reader refuses other
 * strings and the writer does not write them, so every file either side handles is UTF-8. */
int rf__utf8_valid(const char *s);

/* Formats v like rf__jbuf_double into buf (at least 32 bytes); returns the length. */
size_t rf__format_double(char *buf, size_t cap, double v);

#endif
