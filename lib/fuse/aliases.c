/* Tracker ids mapped to shoppers through the flips found: aliases.h says what and why. */
#include "aliases.h"

#include <string.h>

void rf__aliases_flip(f_aliases *x, uint32_t a, uint32_t b, rf_time_us t) {
  if (x->count == RF__FLIPS) {
    memmove(x->flip, x->flip + 1, (RF__FLIPS - 1) * sizeof *x->flip);
    x->count--;
  }
  size_t at = x->count;
  while (at > 0 && x->flip[at - 1].t > t) --at;
  memmove(x->flip + at + 1, x->flip + at, (x->count - at) * sizeof *x->flip);
  x->flip[at] = (f_flip){a, b, t};
  x->count++;
}

uint32_t rf__aliases_map(const f_aliases *x, uint32_t slot, rf_time_us t) {
  /* Each flip exchanged two of the tracker's ids on whoever carried them then: the id is taken
   * back through the latest flip first. */
  size_t n = 0;
  while (n < x->count && x->flip[n].t <= t) ++n;
  for (size_t k = n; k-- > 0;) {
    if (slot == x->flip[k].a) slot = x->flip[k].b;
    else if (slot == x->flip[k].b) slot = x->flip[k].a;
  }
  return slot;
}

void rf__aliases_forget(f_aliases *x, uint32_t slot) {
  size_t kept = 0;
  for (size_t k = 0; k < x->count; ++k)
    if (x->flip[k].a != slot && x->flip[k].b != slot) x->flip[kept++] = x->flip[k];
  x->count = kept;
}
