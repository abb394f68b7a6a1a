/* Items left where they do not belong, kept as spots on their shelves. */
#include "loose.h"

#include <string.h>

#include "core/alloc.h"

int rf__note_loose(rf_engine *e, const f_change *c, const f_what *w) {
  if (w->loose >= 0 || w->misplaced) e->loose_version++; /* takes enumerated before are stale */
  if (w->loose >= 0 && (e->loose[w->loose].count -= w->qty[0]) <= 0) {
    /* All taken: forget the spot (in order, so later hypotheses keep theirs). */
    memmove(e->loose + w->loose, e->loose + w->loose + 1,
            (e->loose_count - (size_t)w->loose - 1) * sizeof *e->loose);
    e->loose_count--;
  }
  if (!w->misplaced) return 0;
  if (e->loose_count == RF__LOOSE_MAX) {
    memmove(e->loose, e->loose + 1, (e->loose_count - 1) * sizeof *e->loose);
    e->loose_count--;
  }
  if (RF__RESERVE(&e->alloc, e->loose, e->loose_cap, e->loose_count + 1) != 0) return -1;
  f_loose *lo = &e->loose[e->loose_count++];
  lo->shelf = c->shelf;
  lo->product = w->product[0];
  lo->x = c->center_x;
  lo->count = w->qty[0];
  return 0;
}
