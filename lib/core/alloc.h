/* Internal: allocation through an object's hooks, and growing arrays without losing the old. */
#ifndef RF_CORE_ALLOC_H
#define RF_CORE_ALLOC_H

#include "retailfuse/allocator.h"

/* Copies `in` (or the C library's functions when NULL) into *out; RF_EINVAL if a hook is missing.
 */
int rf__allocator_init(rf_allocator *out, const rf_allocator *in);

void *rf__malloc(const rf_allocator *a, size_t size);
void *rf__calloc(const rf_allocator *a, size_t count, size_t size);
void *rf__realloc(const rf_allocator *a, void *ptr, size_t size);
void rf__free(const rf_allocator *a, void *ptr);
char *rf__strdup(const rf_allocator *a, const char *s);

/* Makes room for at least `need` elements of `elem` bytes in *array (capacity *cap), growing
 * geometrically. Returns 0 or RF_ENOMEM/RF_ELIMIT with *array and *cap unchanged. */
int rf__reserve(const rf_allocator *a, void **array, size_t *cap, size_t need, size_t elem);

#define RF__RESERVE(a, arr, cap, need) \
  rf__reserve((a), (void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
