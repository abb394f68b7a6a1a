#include "test_alloc.h"

#include <stdlib.h>

static int should_fail(test_alloc *t) {
  t->calls++;
  if (t->fail_at != 0 && t->calls == t->fail_at) {
    t->failed = 1;
    return 1;
  }
  return 0;
}

static void *t_malloc(size_t size, void *payload) {
  test_alloc *t = payload;
  if (should_fail(t)) return NULL;
  void *p = malloc(size);
  if (p) t->live++;
  return p;
}

static void *t_realloc(void *ptr, size_t size, void *payload) {
  test_alloc *t = payload;
  if (should_fail(t)) return NULL;
  void *p = realloc(ptr, size);
  if (p && ptr == NULL) t->live++;
  return p;
}

static void t_free(void *ptr, void *payload) {
  test_alloc *t = payload;
  t->live--;
  free(ptr);
}

rf_allocator test_alloc_make(test_alloc *state, long fail_at) {
  state->calls = 0;
  state->fail_at = fail_at;
  state->live = 0;
  state->failed = 0;
  rf_allocator a = {t_malloc, t_realloc, t_free, state};
  return a;
}
