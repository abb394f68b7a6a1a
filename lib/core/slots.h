/* Internal: named scratch buffers that grow and are reused, released together. A user numbers
 * its buffers with an enum and keeps an rf__slots of that many; each buffer grows on demand
 * (geometrically, keeping its contents) and lives until rf__slots_free. */
#ifndef RF_CORE_SLOTS_H
#define RF_CORE_SLOTS_H

#include <stddef.h>

#include "retailfuse/allocator.h"

#define RF__SLOTS_MAX 24

typedef struct rf__slots {
  void *buf[RF__SLOTS_MAX];
  size_t cap[RF__SLOTS_MAX]; /* in elements of the size the slot was last reserved with */
} rf__slots;

/* Room for at least `count` elements of `elem` bytes in slot `slot`, its contents kept: the
 * buffer, or NULL when out of memory (the slot's old buffer stays valid). */
void *rf__slots_reserve(rf__slots *s, const rf_allocator *a, int slot, size_t count, size_t elem);

/* Releases every buffer; the slots are empty and usable again. */
void rf__slots_free(rf__slots *s, const rf_allocator *a);

#endif
