/*
 * retailfuse/allocator.h — memory hooks.
 *
 * Every object that allocates takes an optional `const rf_allocator *`; NULL means the C
 * library's malloc/realloc/free. The hooks are copied into the object at creation, so the struct
 * itself need not outlive the call; `payload` must stay valid as long as the object lives.
 * Hooks must behave like their C counterparts: return NULL on failure and leave the old block of
 * a failed realloc untouched. free is never called with NULL.
 *
 * Exception: the JSON parser behind the scenario reader (cJSON) allocates its short-lived parse
 * trees with the C library's malloc, because its hooks are process-wide; retailfuse never changes
 * them.
 *
 * Threads: the hooks are called from whichever thread uses the object.
 */
#ifndef RETAILFUSE_ALLOCATOR_H
#define RETAILFUSE_ALLOCATOR_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_allocator {
  void *(*malloc_fn)(size_t size, void *payload);
  void *(*realloc_fn)(void *ptr, size_t size, void *payload);
  void (*free_fn)(void *ptr, void *payload);
  void *payload;
} rf_allocator;

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_ALLOCATOR_H */
