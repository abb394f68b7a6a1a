/* Allocation through per-object hooks; the C library's functions are the default. */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/status.h"

static void *default_malloc(size_t size, void *payload) {
  (void)payload;
  return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *payload) {
  (void)payload;
  return realloc(ptr, size);
}

static void default_free(void *ptr, void *payload) {
  (void)payload;
  free(ptr);
}

int rf__allocator_init(rf_allocator *out, const rf_allocator *in) {
  if (in == NULL) {
    out->malloc_fn = default_malloc;
    out->realloc_fn = default_realloc;
    out->free_fn = default_free;
    out->payload = NULL;
    return 0;
  }
  if (in->malloc_fn == NULL || in->realloc_fn == NULL || in->free_fn == NULL) return RF_EINVAL;
  *out = *in;
  return 0;
}

void *rf__malloc(const rf_allocator *a, size_t size) {
  return a->malloc_fn(size == 0 ? 1 : size, a->payload);
}

void *rf__calloc(const rf_allocator *a, size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  void *p = rf__malloc(a, count * size);
  if (p != NULL) memset(p, 0, count * size == 0 ? 1 : count * size);
  return p;
}

void *rf__realloc(const rf_allocator *a, void *ptr, size_t size) {
  if (ptr == NULL) return rf__malloc(a, size);
  return a->realloc_fn(ptr, size == 0 ? 1 : size, a->payload);
}

void rf__free(const rf_allocator *a, void *ptr) {
  if (ptr != NULL) a->free_fn(ptr, a->payload);
}

char *rf__strdup(const rf_allocator *a, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = rf__malloc(a, n);
  if (p != NULL) memcpy(p, s, n);
  return p;
}

int rf__reserve(const rf_allocator *a, void **array, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t new_cap = *cap < 8 ? 8 : *cap;
  while (new_cap < need) {
    if (new_cap > SIZE_MAX / 2) return RF_ELIMIT;
    new_cap *= 2;
  }
  if (elem != 0 && new_cap > SIZE_MAX / elem) return RF_ELIMIT;
  void *p = rf__realloc(a, *array, new_cap * elem);
  if (p == NULL) return RF_ENOMEM;
  *array = p;
  *cap = new_cap;
  return 0;
}
