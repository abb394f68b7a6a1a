/* Internal: a shopper's track — where they were seen standing, and when — kept for the decisions
 * still to be made about them. A tracker may report as often as it likes; the track keeps about
 * one fix per RF__TRACK_STEP_US (the newest of each step of time: a fixed grid). How far back it
 * reaches is not a count: a fix goes only once it is older than what any decision still to come may
 * read (the caller's `keep_since`), so a change is judged by the same fixes whether the tracker's
 * records came seconds or minutes ahead of the others'. The track grows for that, up to
 * RF__TRACK_MAX fixes (half an hour at the step); past that the oldest goes. */
#ifndef RF_CART_TRACK_H
#define RF_CART_TRACK_H

#include <stdint.h>

#include "core/alloc.h"
#include "retailfuse/common.h"

/* Where a shopper was seen standing, and when. */
typedef struct rf__fix {
  rf_time_us t;
  double x, y;
} rf__fix;

#define RF__TRACK_STEP_US 500000
#define RF__TRACK_FIRST 64
#define RF__TRACK_MAX 4096

typedef struct rf__track {
  rf__fix *fix; /* a ring of `cap`, oldest first from `head` */
  int count, head, cap;
  rf_time_us step_us; /* the step kept; 0: RF__TRACK_STEP_US */
} rf__track;

/* Frees the fixes' room (the track is then empty, with none). */
void rf__track_free(rf__track *tr, const rf_allocator *a);

/* Empties the track, keeping its room and step. */
static inline void rf__track_clear(rf__track *tr) { tr->count = tr->head = 0; }

/* The k-th fix, oldest first (k below count). */
static inline const rf__fix *rf__track_at(const rf__track *tr, int k) {
  return &tr->fix[(tr->head + k) % tr->cap];
}

/* Adds fix f, dropping the oldest fix only when it is older than keep_since (or the track holds
 * RF__TRACK_MAX). 0, or RF_ENOMEM (nothing changed). */
int rf__track_add(rf__track *tr, const rf_allocator *a, const rf__fix *f, rf_time_us keep_since);

/* Room for one more fix with the same keep_since, so that adding it cannot fail: 0 or
 * RF_ENOMEM (nothing changed). */
int rf__track_reserve(rf__track *tr, const rf_allocator *a, rf_time_us keep_since);

/* Room for rf__track_swap of a and b: 0 or RF_ENOMEM (nothing changed). */
int rf__track_reserve_swap(rf__track *a, rf__track *b, const rf_allocator *alloc);

/* a and b exchange their fixes from t0 up to (not including) t1, each in time order. Room must
 * have been reserved (rf__track_reserve_swap) since either last grew. */
void rf__track_swap(rf__track *a, rf__track *b, rf_time_us t0, rf_time_us t1);

#endif
