/* A shopper's track, kept as long as decisions may read it: track.h says what and why. */
#include "track.h"

#include <string.h>

#include "retailfuse/status.h"

void rf__track_free(rf__track *tr, const rf_allocator *a) {
  rf__free(a, tr->fix);
  rf_time_us step = tr->step_us;
  memset(tr, 0, sizeof *tr);
  tr->step_us = step;
}

/* The fixes laid out oldest first from index 0, in room for `cap`. 0 or RF_ENOMEM. */
static int regrow(rf__track *tr, const rf_allocator *a, int cap) {
  rf__fix *fix = rf__malloc(a, (size_t)cap * sizeof *fix);
  if (fix == NULL) return RF_ENOMEM;
  for (int k = 0; k < tr->count; ++k) fix[k] = *rf__track_at(tr, k);
  rf__free(a, tr->fix);
  tr->fix = fix;
  tr->cap = cap;
  tr->head = 0;
  return 0;
}

static rf_time_us floor_div(rf_time_us t, rf_time_us step) {
  return t >= 0 ? t / step : -((-t + step - 1) / step);
}

int rf__track_reserve(rf__track *tr, const rf_allocator *a, rf_time_us keep_since) {
  if (tr->count < tr->cap || tr->cap >= RF__TRACK_MAX ||
      (tr->count > 0 && rf__track_at(tr, 0)->t < keep_since))
    return 0; /* room, or the oldest goes */
  int cap = tr->cap == 0 ? RF__TRACK_FIRST : 2 * tr->cap;
  return regrow(tr, a, cap < RF__TRACK_MAX ? cap : RF__TRACK_MAX);
}

int rf__track_add(rf__track *tr, const rf_allocator *a, const rf__fix *f, rf_time_us keep_since) {
  if (tr->count > 0) {
    /* The newest fix of each step of the clock's time is kept: a fixed grid, so which fixes
     * stay does not depend on which others came in between (a swap of ids moves some over). */
    rf__fix *last = &tr->fix[(tr->head + tr->count - 1) % tr->cap];
    rf_time_us step = tr->step_us > 0 ? tr->step_us : RF__TRACK_STEP_US;
    if (f->t >= last->t && floor_div(f->t, step) == floor_div(last->t, step)) {
      *last = *f;
      return 0;
    }
  }
  if (rf__track_reserve(tr, a, keep_since) != 0) return RF_ENOMEM;
  if (tr->count < tr->cap) {
    tr->fix[(tr->head + tr->count++) % tr->cap] = *f;
  } else {
    tr->fix[tr->head] = *f;
    tr->head = (tr->head + 1) % tr->cap;
  }
  return 0;
}

int rf__track_reserve_swap(rf__track *a, rf__track *b, const rf_allocator *alloc) {
  /* Each may end with all of both, and the swap lays them out in the other's spare room. */
  int need = 2 * (a->count + b->count);
  if (a->cap < need && regrow(a, alloc, need) != 0) return RF_ENOMEM;
  if (b->cap < need && regrow(b, alloc, need) != 0) return RF_ENOMEM;
  return 0;
}

/* The fixes of `keep` outside [t0, t1) and of `take` inside it, in time order, into out;
 * returns how many. */
static int merged(const rf__track *keep, const rf__track *take, rf_time_us t0, rf_time_us t1,
                  rf__fix *out) {
  int n = 0, i = 0, j = 0;
  while (i < keep->count || j < take->count) {
    while (i < keep->count && rf__track_at(keep, i)->t >= t0 && rf__track_at(keep, i)->t < t1) ++i;
    while (j < take->count && !(rf__track_at(take, j)->t >= t0 && rf__track_at(take, j)->t < t1))
      ++j;
    const rf__fix *x = i < keep->count ? rf__track_at(keep, i) : NULL;
    const rf__fix *y = j < take->count ? rf__track_at(take, j) : NULL;
    if (x == NULL && y == NULL) break;
    if (y == NULL || (x != NULL && x->t <= y->t)) {
      out[n++] = *x;
      ++i;
    } else {
      out[n++] = *y;
      ++j;
    }
  }
  return n;
}

static void reverse(rf__fix *f, int n) {
  for (int i = 0, j = n - 1; i < j; ++i, --j) {
    rf__fix x = f[i];
    f[i] = f[j];
    f[j] = x;
  }
}

/* Lays tr's fixes out oldest first from index 0: the ring turned in place (three reversals). */
static void unwind(rf__track *tr) {
  if (tr->head == 0) return;
  reverse(tr->fix, tr->head);
  reverse(tr->fix + tr->head, tr->cap - tr->head);
  reverse(tr->fix, tr->cap);
  tr->head = 0;
}

void rf__track_swap(rf__track *a, rf__track *b, rf_time_us t0, rf_time_us t1) {
  if (a->count + b->count == 0) return;
  unwind(a);
  unwind(b);
  /* Both merged lists fit in the spare halves: a's from a's half, b's from b's half. */
  rf__fix *for_a = a->fix + a->cap / 2, *for_b = b->fix + b->cap / 2;
  int na = merged(a, b, t0, t1, for_a);
  int nb = merged(b, a, t0, t1, for_b);
  memmove(a->fix, for_a, (size_t)na * sizeof *for_a);
  memmove(b->fix, for_b, (size_t)nb * sizeof *for_b);
  a->count = na;
  b->count = nb;
}
