/* Internal: stable storage for many small strings (ids), freed all at once. */
#ifndef RF_CORE_STRPOOL_H
#define RF_CORE_STRPOOL_H

#include <stddef.h>

#include "retailfuse/allocator.h"

typedef struct rf__strpool_chunk rf__strpool_chunk;

typedef struct rf__strpool {
  rf__strpool_chunk *head; /* the chunk being filled; older ones follow */
} rf__strpool;

void rf__strpool_init(rf__strpool *pool);
void rf__strpool_free(rf__strpool *pool, const rf_allocator *a);

/* Makes sure `bytes` more bytes (string lengths plus their terminators) can be added without
 * allocating. 0 or RF_ENOMEM (pool unchanged). */
int rf__strpool_reserve(rf__strpool *pool, const rf_allocator *a, size_t bytes);

/* Copies s into the pool after a reserve that covers it; the copy lives until the pool is freed. */
const char *rf__strpool_add(rf__strpool *pool, const char *s);

#endif
