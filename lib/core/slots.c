/* Scratch buffers by slot: reserved through the same growth rule as every array of the library
 * (rf__reserve), so a run that reuses them allocates only while its problems grow. */
#include "slots.h"

#include <string.h>

#include "alloc.h"

void *rf__slots_reserve(rf__slots *s, const rf_allocator *a, int slot, size_t count, size_t elem) {
  if (slot < 0 || slot >= RF__SLOTS_MAX) return NULL;
  if (count == 0) count = 1; /* a valid pointer even for nothing */
  if (rf__reserve(a, &s->buf[slot], &s->cap[slot], count, elem) != 0) return NULL;
  return s->buf[slot];
}

void rf__slots_free(rf__slots *s, const rf_allocator *a) {
  for (int i = 0; i < RF__SLOTS_MAX; ++i) rf__free(a, s->buf[i]);
  memset(s, 0, sizeof *s);
}
