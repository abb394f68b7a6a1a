#include "strpool.h"

#include <string.h>

#include "alloc.h"
#include "retailfuse/status.h"

#define CHUNK_MIN 4096

struct rf__strpool_chunk {
  rf__strpool_chunk *next;
  size_t used, cap;
  char data[];
};

void rf__strpool_init(rf__strpool *pool) { pool->head = NULL; }

void rf__strpool_free(rf__strpool *pool, const rf_allocator *a) {
  rf__strpool_chunk *c = pool->head;
  while (c != NULL) {
    rf__strpool_chunk *next = c->next;
    rf__free(a, c);
    c = next;
  }
  pool->head = NULL;
}

int rf__strpool_reserve(rf__strpool *pool, const rf_allocator *a, size_t bytes) {
  if (pool->head != NULL && pool->head->cap - pool->head->used >= bytes) return 0;
  size_t cap = bytes < CHUNK_MIN ? CHUNK_MIN : bytes;
  if (cap > SIZE_MAX - sizeof(rf__strpool_chunk)) return RF_ELIMIT;
  rf__strpool_chunk *c = rf__malloc(a, sizeof *c + cap);
  if (c == NULL) return RF_ENOMEM;
  c->used = 0;
  c->cap = cap;
  c->next = pool->head;
  pool->head = c;
  return 0;
}

const char *rf__strpool_add(rf__strpool *pool, const char *s) {
  size_t n = strlen(s) + 1;
  rf__strpool_chunk *c = pool->head;
  char *dst = c->data + c->used;
  memcpy(dst, s, n);
  c->used += n;
  return dst;
}
