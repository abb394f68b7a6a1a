/* Internal: a growing set of string ids (shoppers, carts, skus met in a stream), numbered 0, 1,
 * 2, ... in the order first seen. The set keeps its own copies of the strings. */
#ifndef RF_CORE_NAMES_H
#define RF_CORE_NAMES_H

#include <stdint.h>

#include "idmap.h"
#include "strpool.h"

typedef struct rf__names {
  rf__strpool pool;
  rf__idmap map;
  const char **ids; /* by number */
  size_t cap;
  uint32_t count;
} rf__names;

void rf__names_init(rf__names *n);
void rf__names_free(rf__names *n, const rf_allocator *a);

/* 0 and the number of id, or RF_ENOTFOUND. */
int rf__names_find(const rf__names *n, const char *id, uint32_t *out);

/* The number of id, added at the end when new (*added says which; may be NULL). RF_ENOMEM
 * leaves the set as it was. */
int rf__names_intern(rf__names *n, const rf_allocator *a, const char *id, uint32_t *out,
                     int *added);

/* The set's copy of id number i. */
static inline const char *rf__names_get(const rf__names *n, uint32_t i) { return n->ids[i]; }

#endif
