/* Test allocators: one that counts and can be told to fail the n-th allocation, for checking
 * that every allocation failure gives a clean error, no leak and no change. */
#ifndef RF_TEST_ALLOC_H
#define RF_TEST_ALLOC_H

#include <stddef.h>

#include "retailfuse/allocator.h"

typedef struct test_alloc {
  long calls;   /* malloc and realloc calls so far */
  long fail_at; /* the call number (1-based) that fails; 0: never */
  long live;    /* blocks allocated and not yet freed */
  int failed;   /* whether the failure was injected */
} test_alloc;

/* An rf_allocator over `state`, reset to count from zero and fail at call `fail_at`. */
rf_allocator test_alloc_make(test_alloc *state, long fail_at);

#endif
