/* Identity swaps between tracks: swaps.h says what and why. */
#include "swaps.h"

#include <math.h>
#include <string.h>

#include "aliases.h"
#include "core/alloc.h"
#include "retailfuse/status.h"
#include "state.h"

/* Two tracks this close (m), in fixes this close in time (us), are passing each other: where a
 * tracker may swap them. Closeness again within EPISODE_GAP_US continues the same pass. */
#define CLOSE_M 0.7
#define STEP_US 500000
#define EPISODE_GAP_US 2000000
/* Nobody walks JUMP_M in JUMP_WITHIN_US: a track that does was corrected by its tracker. */
#define JUMP_M 1.5
#define JUMP_WITHIN_US 1000000
/* Between two fixes at most STEP_WITHIN_US apart a track moves little more than a walker does:
 * a step of SMALL_JUMP_M beyond that is an id moved to another person close by. */
#define STEP_WITHIN_US 250000
#define SMALL_JUMP_M 0.3
#define WALK_M_PER_S 1.0
/* Two jumps make a swap back when they come within PAIR_WITHIN_US of each other and each lands
 * within MATCH_M of where the other left. */
#define PAIR_WITHIN_US 1000000
#define MATCH_M 1.0
/* Two ids crossing at once make opposite steps: within STEP_WITHIN_US of each other, adding up
 * to less than OPPOSITE_M. It is a swap beginning when the two came close within MEET_US before;
 * one not seen to end is taken as ended after OPEN_US (an assumption: trackers notice a swap
 * within a minute or so), and a swap seen only ending began within LONGEST_SWAP_US. */
#define OPPOSITE_M 0.3
#define MEET_US 1500000
#define OPEN_US 60000000
#define LONGEST_SWAP_US 90000000
static double distance(const rf__fix *a, const rf__fix *b) {
  return hypot(a->x - b->x, a->y - b->y);
}

static rf_time_us gap(rf_time_us a, rf_time_us b) { return a > b ? a - b : b - a; }

/* The tracker's own fixes of each id are kept RAW_KEEP_US back at about one per RAW_STEP_US:
 * enough to read a pass's motion, and the step before a jump. */
#define RAW_KEEP_US 4000000
#define RAW_STEP_US 100000
/* How long before and after a pass a track's motion is read. */
#define MOTION_US 2000000
/* A pass older than the latest one must look this much likelier crossed (log-odds) to be taken
 * as where a swap began: most passes tell nothing, and then the latest is the likeliest. */
#define OLDER_MARGIN 1.0

/* An id's motion over [t0, t1], from the tracker's own fixes of it. */
static f_motion motion(const rf_engine *e, uint32_t id, rf_time_us t0, rf_time_us t1) {
  const rf__track *tr = rf__swaps_raw(e, id);
  return tr != NULL ? rf__motion_of(tr, t0, t1) : (f_motion){0, 0, 0};
}

/* Notes that a and b were close at t: the pass they are in, or a new one (with how each was
 * moving as it began). */
static void note_pass(rf_engine *e, uint32_t a, uint32_t b, rf_time_us t) {
  f_swaps *w = &e->swaps;
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
  const rf_time_us from = t > MOTION_US ? t - MOTION_US : 0;
  w->episode[w->episode_next] = (f_episode){.a = a,
                                            .b = b,
                                            .first = t,
                                            .last = t,
                                            .a_before = motion(e, a, from, t),
                                            .b_before = motion(e, b, from, t)};
  w->episode_next = (w->episode_next + 1) % RF__EPISODES;
  if (w->episode_count < RF__EPISODES) w->episode_count++;
}

/* Every shopper in the store whose newest fix is near `now`, in time and place, passes `who`. */
static void note_passes(rf_engine *e, uint32_t who, const rf__fix *now) {
  const rf__ledger *l = &e->ledger;
  for (uint32_t o = 0; o < l->slots && o < e->swaps.raw_cap; ++o) {
    const rf__track *tr = &e->swaps.raw[o];
    if (o == who || !rf__ledger_present(l, o) || tr->count == 0) continue;
    const rf__fix *f = rf__track_at(tr, tr->count - 1);
    if (gap(f->t, now->t) <= STEP_US && distance(f, now) < CLOSE_M) note_pass(e, who, o, now->t);
  }
}

/* The passes of `who` over long enough for their motion after to be read are judged. */
static void judge_passes(rf_engine *e, uint32_t who, rf_time_us now) {
  f_swaps *w = &e->swaps;
  for (size_t k = 0; k < w->episode_count; ++k) {
    f_episode *p = &w->episode[k];
    if (p->judged || (p->a != who && p->b != who) || now < p->last + MOTION_US) continue;
    f_motion a_after = motion(e, p->a, p->last, p->last + MOTION_US);
    f_motion b_after = motion(e, p->b, p->last, p->last + MOTION_US);
    p->crossed =
        rf__crossing_log_odds(p->a_before, p->b_before, a_after, b_after, p->last - p->first);
    p->judged = 1;
  }
}

static int is_pass_of(const f_episode *p, uint32_t a, uint32_t b, rf_time_us before) {
  return ((p->a == a && p->b == b) || (p->a == b && p->b == a)) && p->first < before &&
         p->first + LONGEST_SWAP_US >= before;
}

/* Where the swap of a and b seen undone at t began: of their passes begun before t (the first
 * jump back: after it the two tracks lie together until the second), the one likeliest crossed,
 * the latest unless an older one leads it by OLDER_MARGIN. -1 if none is known. */
static int swap_start(const f_swaps *w, uint32_t a, uint32_t b, rf_time_us t, rf_time_us *start) {
  const f_episode *latest = NULL, *best = NULL;
  for (size_t k = 0; k < w->episode_count; ++k)
    if (is_pass_of(&w->episode[k], a, b, t) &&
        (latest == NULL || w->episode[k].first > latest->first))
      latest = &w->episode[k];
  if (latest == NULL) return -1;
  double best_score = 0;
  for (size_t k = 0; k < w->episode_count; ++k) {
    const f_episode *p = &w->episode[k];
    if (!is_pass_of(p, a, b, t)) continue;
    double score = (p->judged ? p->crossed : 0) + (p == latest ? OLDER_MARGIN : 0);
    if (best == NULL || score > best_score || (score == best_score && p->first > best->first)) {
      best = p;
      best_score = score;
    }
  }
  *start = best->first;
  return 0;
}

/* Whether j lands where o left (an exit lands nowhere known: the door). */
static int lands_on(const f_jump *j, const f_jump *o) {
  return j->exit || distance(&j->to, &o->from) < MATCH_M;
}

static int small(const f_jump *j) { return !j->exit && distance(&j->from, &j->to) <= JUMP_M; }

/* Whether j and o are the opposite steps of two ids crossing at once. */
static int opposite(const f_jump *j, const f_jump *o) {
  double sx = (j->to.x - j->from.x) + (o->to.x - o->from.x);
  double sy = (j->to.y - j->from.y) + (o->to.y - o->from.y);
  return gap(j->t, o->t) <= STEP_WITHIN_US && hypot(sx, sy) < OPPOSITE_M;
}

/* A jump of another track that makes a crossing of ids with j, or -1. Two exits make none. */
static int partner(const f_swaps *w, const f_jump *j) {
  for (size_t k = 0; k < w->jump_count; ++k) {
    const f_jump *o = &w->jump[k];
    if (o->spent || o->who == j->who || (o->exit && j->exit) || gap(o->t, j->t) > PAIR_WITHIN_US)
      continue;
    if ((small(j) || small(o)) ? !j->exit && !o->exit && opposite(j, o)
                               : lands_on(o, j) && lands_on(j, o))
      return (int)k;
  }
  return -1;
}

/* The swap of a and b from `since` until `until` was found by the fix or exit at `found`: it
 * is applied once every decision due before then is made (relabel.c). 0, or 1 when RF__FOUND
 * found swaps wait already (the clock minutes behind the tracker): this one goes unapplied. */
static int found_swap(rf_engine *e, uint32_t a, uint32_t b, rf_time_us since, rf_time_us until,
                      rf_time_us found) {
  f_swaps *w = &e->swaps;
  if (w->found_count == RF__FOUND) return 1;
  size_t at = w->found_count;
  while (at > 0 && w->found[at - 1].found > found) --at;
  memmove(w->found + at + 1, w->found + at, (w->found_count - at) * sizeof *w->found);
  w->found[at] = (f_found){a, b, since, until, found};
  w->found_count++;
  return 0;
}

/* Whether a and b are swapped from a crossing seen begin, not yet seen end; with `toggle`, it
 * is now ended if so, begun if not. */
static int open_swap(f_swaps *w, uint32_t a, uint32_t b, rf_time_us t, int toggle) {
  for (size_t k = 0; k < w->open_count; ++k) {
    const f_pair *p = &w->open[k];
    if (!((p->a == a && p->b == b) || (p->a == b && p->b == a))) continue;
    if (toggle) w->open[k] = w->open[--w->open_count];
    return 1;
  }
  if (toggle && w->open_count < RF__OPEN) w->open[w->open_count++] = (f_pair){a, b, t};
  return 0;
}

/* Whether a and b came close only just before t: where a tracker mixes people up. */
static int meeting(const f_swaps *w, uint32_t a, uint32_t b, rf_time_us t) {
  for (size_t k = 0; k < w->episode_count; ++k) {
    const f_episode *p = &w->episode[k];
    if (is_pass_of(p, a, b, t + 1) && p->first + MEET_US >= t) return 1;
  }
  return 0;
}

/* Jumps j and o (found together) cross the ids of their tracks at t: 0, or 1 if they cannot (a
 * big crossing with no pass before it, or too many found waiting). A tracker swaps people only
 * where they stand close: a big crossing ends a swap — one seen begin, or else one begun at the
 * pass where the ids likeliest crossed — and a small one with no swap open begins one. */
static int crossed(rf_engine *e, const f_jump *j, const f_jump *o, rf_time_us t) {
  f_swaps *w = &e->swaps;
  rf_time_us since = t, found = j->t > o->t ? j->t : o->t;
  if (open_swap(w, j->who, o->who, t, 0) ||
      ((small(j) || small(o)) && meeting(w, j->who, o->who, t))) {
    int rc = found_swap(e, j->who, o->who, t, RF__FOREVER, found);
    if (rc == 0) open_swap(w, j->who, o->who, t, 1);
    return rc;
  }
  if (small(j) || small(o) || swap_start(w, j->who, o->who, t, &since) != 0)
    return 1; /* a step where people stand close, or no pass known: no swap seen */
  return found_swap(e, j->who, o->who, since, t, found);
}

/* Jump j either crosses ids with an earlier one (1) or is kept (0). */
static int jumped(rf_engine *e, const f_jump *j) {
  f_swaps *w = &e->swaps;
  int k = partner(w, j);
  int rc = k < 0 ? 1 : crossed(e, j, &w->jump[k], w->jump[k].t < j->t ? w->jump[k].t : j->t);
  if (rc != 0) {
    w->jump[w->jump_next] = *j;
    w->jump_next = (w->jump_next + 1) % RF__JUMPS;
    if (w->jump_count < RF__JUMPS) w->jump_count++;
    return 0;
  }
  w->jump[k].spent = 1;
  return 1;
}

/* A swap seen begin and not end for longer than most last is taken as ended unseen. */
static void expire(rf_engine *e, rf_time_us now) {
  f_swaps *w = &e->swaps;
  for (size_t k = 0; k < w->open_count; ++k) {
    f_pair p = w->open[k];
    if (now - p.since >= OPEN_US &&
        found_swap(e, p.a, p.b, p.since + OPEN_US, RF__FOREVER, p.since + OPEN_US) == 0)
      w->open[k--] = w->open[--w->open_count];
  }
}

const rf__track *rf__swaps_raw(const rf_engine *e, uint32_t id) {
  return id < e->swaps.raw_cap ? &e->swaps.raw[id] : NULL;
}

int rf__swaps_reserve(rf_engine *e, uint32_t who, rf_time_us t) {
  f_swaps *w = &e->swaps;
  size_t had = w->raw_cap;
  if (who >= had && RF__RESERVE(&e->alloc, w->raw, w->raw_cap, (size_t)who + 1) != 0)
    return RF_ENOMEM;
  for (size_t k = had; k < w->raw_cap; ++k) w->raw[k] = (rf__track){.step_us = RAW_STEP_US};
  return rf__track_reserve(&w->raw[who], &e->alloc, t - RAW_KEEP_US);
}

void rf__swaps_free(rf_engine *e) {
  for (size_t k = 0; k < e->swaps.raw_cap; ++k) rf__track_free(&e->swaps.raw[k], &e->alloc);
  rf__free(&e->alloc, e->swaps.raw);
  e->swaps.raw = NULL;
  e->swaps.raw_cap = 0;
}

int rf__swaps_position(rf_engine *e, uint32_t who, const rf__fix *now) {
  rf__track *tr = &e->swaps.raw[who]; /* reserved: rf__swaps_reserve */
  const int had = tr->count > 0;
  const rf__fix before_fix = had ? *rf__track_at(tr, tr->count - 1) : *now;
  const rf__fix *before = had ? &before_fix : NULL;
  rf__track_add(tr, &e->alloc, now, now->t - RAW_KEEP_US); /* cannot fail: room reserved */
  expire(e, now->t);
  rf_time_us dt = before == NULL || now->t < before->t ? JUMP_WITHIN_US + 1 : now->t - before->t;
  double moved = before == NULL ? 0 : distance(before, now);
  int big = dt <= JUMP_WITHIN_US && moved > JUMP_M;
  int step = dt <= STEP_WITHIN_US && moved > SMALL_JUMP_M + WALK_M_PER_S * (double)dt / 1e6;
  if (!big && !step) {
    note_passes(e, who, now);
    judge_passes(e, who, now->t);
    return 0;
  }
  /* A jump is no pass: it lands where the other track still is until that one jumps too. */
  const f_jump j = {who, 0, 0, now->t, *before, *now};
  return jumped(e, &j);
}

/* An id swap seen begin with `who`, not yet seen end: the other's slot, or -1. */
static int64_t open_with(const f_swaps *w, uint32_t who) {
  for (size_t k = 0; k < w->open_count; ++k)
    if (w->open[k].a == who || w->open[k].b == who)
      return w->open[k].a == who ? w->open[k].b : w->open[k].a;
  return -1;
}

void rf__swaps_forget(rf_engine *e, uint32_t slot) {
  f_swaps *w = &e->swaps;
  rf__aliases_forget(&w->aliases, slot);
  if (slot < w->raw_cap) rf__track_clear(&w->raw[slot]);
  for (size_t k = 0; k < w->open_count; ++k)
    if (w->open[k].a == slot || w->open[k].b == slot) w->open[k--] = w->open[--w->open_count];
  size_t kept = 0; /* swaps found for the slot's old shopper are theirs, not the new one's */
  for (size_t k = 0; k < w->found_count; ++k)
    if (w->found[k].a != slot && w->found[k].b != slot) w->found[kept++] = w->found[k];
  w->found_count = kept;
  for (size_t k = 0; k < w->episode_count; ++k)
    if (w->episode[k].a == slot || w->episode[k].b == slot)
      w->episode[k].a = w->episode[k].b = UINT32_MAX; /* a pass of no one now */
  for (size_t k = 0; k < w->jump_count; ++k)
    if (w->jump[k].who == slot) w->jump[k].spent = 1;
}

int rf__swaps_exit(rf_engine *e, uint32_t who, rf_time_us t) {
  /* The door tells who left: a tracker takes back the ids it had swapped on that person. */
  int64_t other = open_with(&e->swaps, who);
  if (other >= 0) {
    if (found_swap(e, who, (uint32_t)other, t, RF__FOREVER, t) != 0) return 0;
    open_swap(&e->swaps, who, (uint32_t)other, t, 1);
    return 1;
  }
  const rf__track *tr = rf__swaps_raw(e, who);
  if (tr == NULL || tr->count == 0) return 0;
  const rf__fix *last = rf__track_at(tr, tr->count - 1);
  if (t < last->t || t - last->t > JUMP_WITHIN_US) return 0; /* their track had ended already */
  const f_jump j = {who, 0, 1, t, *last, *last};
  return jumped(e, &j);
}
