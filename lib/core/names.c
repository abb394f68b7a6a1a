#include "names.h"

#include <string.h>

#include "alloc.h"
#include "retailfuse/status.h"

void rf__names_init(rf__names *n) {
  rf__strpool_init(&n->pool);
  rf__idmap_init(&n->map);
  n->ids = NULL;
  n->cap = 0;
  n->count = 0;
}

void rf__names_free(rf__names *n, const rf_allocator *a) {
  rf__strpool_free(&n->pool, a);
  rf__idmap_free(&n->map, a);
  rf__free(a, (void *)n->ids);
  rf__names_init(n);
}

int rf__names_find(const rf__names *n, const char *id, uint32_t *out) {
  return rf__idmap_find(&n->map, id, out);
}

int rf__names_intern(rf__names *n, const rf_allocator *a, const char *id, uint32_t *out,
                     int *added) {
  if (added) *added = 0;
  if (rf__idmap_find(&n->map, id, out) == 0) return 0;
  if (n->count == UINT32_MAX) return RF_ELIMIT;
  int rc;
  if ((rc = RF__RESERVE(a, n->ids, n->cap, (size_t)n->count + 1)) != 0 ||
      (rc = rf__idmap_reserve(&n->map, a, 1)) != 0 ||
      (rc = rf__strpool_reserve(&n->pool, a, strlen(id) + 1)) != 0)
    return rc;
  const char *copy = rf__strpool_add(&n->pool, id);
  n->ids[n->count] = copy;
  rf__idmap_insert(&n->map, copy, n->count);
  *out = n->count++;
  if (added) *added = 1;
  return 0;
}
