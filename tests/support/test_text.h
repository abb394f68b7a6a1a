/* Growing text for tests: an rf_write_fn (scenario.h) that appends to it, keeping a NUL just
 * past the end so the text reads as a C string. Free `data` when done. */
#ifndef RF_TEST_TEXT_H
#define RF_TEST_TEXT_H

#include <stdlib.h>
#include <string.h>

#include "retailfuse/status.h"

typedef struct test_text {
  char *data;
  size_t len, cap;
} test_text;

static inline int test_text_write(const char *data, size_t len, void *payload) {
  test_text *t = payload;
  if (t->len + len + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + len + 1) cap *= 2;
    char *grown = realloc(t->data, cap);
    if (grown == NULL) return RF_ENOMEM;
    t->data = grown;
    t->cap = cap;
  }
  memcpy(t->data + t->len, data, len);
  t->len += len;
  t->data[t->len] = '\0';
  return 0;
}

#endif
