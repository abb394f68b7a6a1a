/* Identity swaps between tracks: swaps.h says what and why. */
#include "swaps.h"

#include <math.h>

#include "emit.h"
#include "hypotheses.h"
#include "retailfuse/status.h"
#include "revise.h"
#include "state.h"

/* Two tracks this close (m), in fixes this close in time (us), are passing each other: where a
 * tracker may swap them. Closeness again within EPISODE_GAP_US continues the same pass. */
#define CLOSE_M 0.7
#define STEP_US 500000
#define EPISODE_GAP_US 2000000
/* Nobody walks JUMP_M in JUMP_WITHIN_US: a track that does was corrected by its tracker. */
#define JUMP_M 1.5
#define JUMP_WITHIN_US 1000000
/* Two jumps make a swap back when they come within PAIR_WITHIN_US of each other and each lands
 * within MATCH_M of where the other left. */
#define PAIR_WITHIN_US 1000000
#define MATCH_M 1.0

static double distance(const rf__fix *a, const rf__fix *b) {
  return hypot(a->x - b->x, a->y - b->y);
}

static rf_time_us gap(rf_time_us a, rf_time_us b) { return a > b ? a - b : b - a; }

/* Notes that a and b were close at t: the pass they are in, or a new one. */
static void note_pass(f_swaps *w, uint32_t a, uint32_t b, rf_time_us t) {
  if (a > b) {
    uint32_t x = a;
    a = b;
    b = x;
  }
  for (size_t k = 0; k < w->episode_count; ++k) {
    f_episode *p = &w->episode[k];
    if (p->a == a && p->b == b && t <= p->last + EPISODE_GAP_US && t >= p->first) {
      if (t > p->last) p->last = t;
      return;
    }
  }
  w->episode[w->episode_next] = (f_episode){a, b, t, t};
  w->episode_next = (w->episode_next + 1) % RF__EPISODES;
  if (w->episode_count < RF__EPISODES) w->episode_count++;
}

/* Every shopper in the store whose newest fix is near `now`, in time and place, passes `who`. */
static void note_passes(rf_engine *e, uint32_t who, const rf__fix *now) {
  const rf__ledger *l = &e->ledger;
  for (uint32_t o = 0; o < l->slots; ++o) {
    int n = o == who || !rf__ledger_present(l, o) ? 0 : rf__ledger_track_count(l, o);
    if (n == 0) continue;
    const rf__fix *f = rf__ledger_track_fix(l, o, n - 1);
    if (gap(f->t, now->t) <= STEP_US && distance(f, now) < CLOSE_M)
      note_pass(&e->swaps, who, o, now->t);
  }
}

/* The start of the last pass of a and b that began before t (the first jump back: after it the
 * two tracks lie together until the second), or -1 if none is known. */
static int last_pass(const f_swaps *w, uint32_t a, uint32_t b, rf_time_us t, rf_time_us *start) {
  int found = 0;
  for (size_t k = 0; k < w->episode_count; ++k) {
    const f_episode *p = &w->episode[k];
    if (!((p->a == a && p->b == b) || (p->a == b && p->b == a)) || p->first >= t) continue;
    if (!found || p->first > *start) *start = p->first;
    found = 1;
  }
  return found ? 0 : -1;
}

/* Whether j lands where o left (an exit lands nowhere known: the door). */
static int lands_on(const f_jump *j, const f_jump *o) {
  return j->exit || distance(&j->to, &o->from) < MATCH_M;
}

/* A jump of another track that makes a swap back with j, or -1. Two exits make none. */
static int partner(const f_swaps *w, const f_jump *j) {
  for (size_t k = 0; k < w->jump_count; ++k) {
    const f_jump *o = &w->jump[k];
    if (!o->spent && o->who != j->who && !(o->exit && j->exit) &&
        gap(o->t, j->t) <= PAIR_WITHIN_US && lands_on(o, j) && lands_on(j, o))
      return (int)k;
  }
  return -1;
}

/* The cart a decision made for one of a and b goes to once they are swapped back, or -1. */
static int64_t swapped_cart(const rf_engine *e, const f_decision *d, uint32_t a, uint32_t b) {
  const rf__ledger *l = &e->ledger;
  uint32_t from = rf__ledger_cart_of(l, d->cart), ca = rf__ledger_cart_of(l, a),
           cb = rf__ledger_cart_of(l, b);
  if (ca == cb || (from != ca && from != cb)) return -1;
  uint32_t into = from == ca ? cb : ca;
  return rf__correctable(e, d, into) ? (int64_t)into : -1;
}

/* a and b were swapped from `since` until `until`: their decisions, visits and fixes of that
 * time change hands. 0 or RF_ENOMEM (nothing changed). */
static int undo_swap(rf_engine *e, uint32_t a, uint32_t b, rf_time_us since, rf_time_us until) {
  size_t corrections = 0;
  for (size_t i = 0; i < e->decision_count; ++i) {
    const f_decision *d = &e->decisions[i];
    corrections += d->t0 >= since && d->t0 < until && swapped_cart(e, d, a, b) >= 0;
  }
  if (rf__emit_reserve(e, 2 * corrections) != 0) return RF_ENOMEM;
  rf_time_us t = e->has_clock ? e->clock : until;
  for (size_t i = 0; i < e->decision_count; ++i) {
    f_decision *d = &e->decisions[i];
    int64_t into = d->t0 >= since && d->t0 < until ? swapped_cart(e, d, a, b) : -1;
    if (into >= 0) rf__redo(e, d, (uint32_t)into, d->conf, t);
  }
  for (size_t h = 0; h < e->hand_count; ++h) {
    f_hand *hv = &e->hands[h];
    if (hv->t1 < since || hv->t0 >= until) continue;
    if (hv->shopper == (int64_t)a) hv->shopper = b;
    else if (hv->shopper == (int64_t)b) hv->shopper = a;
  }
  rf__ledger_swap_tracks(&e->ledger, a, b, since, until);
  e->stats.track_swaps++;
  return 0;
}

/* Jump j either completes a swap back with an earlier one (undone: 1) or is kept (0). */
static int jumped(rf_engine *e, const f_jump *j) {
  f_swaps *w = &e->swaps;
  int k = partner(w, j);
  rf_time_us since = 0, until = k < 0 ? j->t : w->jump[k].t < j->t ? w->jump[k].t : j->t;
  if (k < 0 || last_pass(w, j->who, w->jump[k].who, until, &since) != 0) {
    w->jump[w->jump_next] = *j;
    w->jump_next = (w->jump_next + 1) % RF__JUMPS;
    if (w->jump_count < RF__JUMPS) w->jump_count++;
    return 0;
  }
  int rc = undo_swap(e, j->who, w->jump[k].who, since, until);
  if (rc != 0) return rc;
  w->jump[k].spent = 1;
  return 1;
}

int rf__swaps_position(rf_engine *e, uint32_t who, const rf__fix *before, const rf__fix *now) {
  if (before == NULL || now->t < before->t || now->t - before->t > JUMP_WITHIN_US ||
      distance(before, now) <= JUMP_M) {
    note_passes(e, who, now);
    return 0;
  }
  /* A jump is no pass: it lands where the other track still is until that one jumps too. */
  const f_jump j = {who, 0, 0, now->t, *before, *now};
  return jumped(e, &j);
}

int rf__swaps_exit(rf_engine *e, uint32_t who, rf_time_us t) {
  const rf__ledger *l = &e->ledger;
  int n = rf__ledger_track_count(l, who);
  if (n == 0) return 0;
  const rf__fix *last = rf__ledger_track_fix(l, who, n - 1);
  if (t < last->t || t - last->t > JUMP_WITHIN_US) return 0; /* their track had ended already */
  const f_jump j = {who, 0, 1, t, *last, *last};
  return jumped(e, &j);
}
