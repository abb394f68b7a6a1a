/* Internal: a map from string ids to dense uint32 indices (open addressing, linear probing).
 * The map does not own its keys: they must outlive their entries (the store keeps them in a
 * rf__strpool). Growth is split from insertion so callers can reserve first and then change
 * several structures without a failure in between. */
#ifndef RF_CORE_IDMAP_H
#define RF_CORE_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/allocator.h"

typedef struct rf__idmap_slot {
  const char *key; /* NULL: empty */
  uint32_t hash;
  uint32_t value;
} rf__idmap_slot;

typedef struct rf__idmap {
  rf__idmap_slot *slots;
  size_t cap; /* 0 or a power of two */
  size_t count;
} rf__idmap;

void rf__idmap_init(rf__idmap *map);
void rf__idmap_free(rf__idmap *map, const rf_allocator *a);

/* 0 and *value, or RF_ENOTFOUND. */
int rf__idmap_find(const rf__idmap *map, const char *key, uint32_t *value);

/* Makes sure `extra` more inserts need no allocation. 0 or RF_ENOMEM (map unchanged). */
int rf__idmap_reserve(rf__idmap *map, const rf_allocator *a, size_t extra);

/* Inserts a key that is not in the map, after a reserve that covers it. */
void rf__idmap_insert(rf__idmap *map, const char *key, uint32_t value);

/* Removes a key if present; returns whether it was. */
int rf__idmap_remove(rf__idmap *map, const char *key);

#endif
