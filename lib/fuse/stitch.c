/* Broken-off tracks taken for the shopper they continue: stitch.h says what and why. */
#include "stitch.h"

#include <math.h>
#include <string.h>

#include "intake.h"
#include "state.h"

/* A new id is judged once it has run FOLLOW_US with FOLLOW_FIXES fixes, and given up on if no
 * one matches within GIVE_UP_US of its first fix. */
#define FOLLOW_US 500000
#define FOLLOW_FIXES 4
#define GIVE_UP_US 3000000
/* The shopper it continues stopped at most STOPPED_US before it began, within REACH_M plus a
 * walker's WALK_M_PER_S for the time between; another as near within AMBIGUOUS_M makes it no
 * one's. */
#define STOPPED_US 5000000
#define REACH_M 1.0
#define WALK_M_PER_S 1.5
#define AMBIGUOUS_M 0.5

static f_stitch *find(f_stitches *s, const char *id) {
  for (size_t k = 0; k < s->count; ++k)
    if (strcmp(s->list[k].id, id) == 0) return &s->list[k];
  return NULL;
}

int64_t rf__stitch_lookup(const rf_engine *e, const char *id) {
  const f_stitches *s = &e->stitches;
  for (size_t k = 0; k < s->count; ++k)
    if (strcmp(s->list[k].id, id) == 0) return s->list[k].slot >= 0 ? s->list[k].slot : -1;
  return -1;
}

/* How far shopper o's track ended from where `st` began (m, less a walker's way), or -1 when o
 * is no candidate: not in the store, no track, or fixes after the new id began. */
static double stopped_near(const rf_engine *e, uint32_t o, const f_stitch *st) {
  const rf__ledger *l = &e->ledger;
  const rf__track *tr = rf__ledger_present(l, o) ? rf__swaps_raw(e, o) : NULL;
  if (tr == NULL || tr->count == 0) return -1;
  const rf__fix *last = rf__track_at(tr, tr->count - 1); /* the tracker's own, as it named it */
  if (last->t > st->first.t || st->first.t - last->t > STOPPED_US) return -1;
  double d = hypot(last->x - st->first.x, last->y - st->first.y);
  double allowed = REACH_M + WALK_M_PER_S * (double)(st->first.t - last->t) / 1e6;
  return d <= allowed ? d : -1;
}

/* The one shopper whose track st continues, or -1 (no one, or two alike). */
static int64_t whose(const rf_engine *e, const f_stitch *st) {
  int64_t best = -1;
  double best_d = 0, second_d = INFINITY;
  for (uint32_t o = 0; o < e->ledger.slots; ++o) {
    double d = stopped_near(e, o, st);
    if (d < 0) continue;
    if (best < 0 || d < best_d) {
      second_d = best < 0 ? second_d : best_d;
      best = o;
      best_d = d;
    } else if (d < second_d) {
      second_d = d;
    }
  }
  return best >= 0 && second_d - best_d >= AMBIGUOUS_M ? best : -1;
}

static f_stitch *follow(f_stitches *s, const rf_position_rec *p) {
  f_stitch *st = &s->list[s->next];
  s->next = (s->next + 1) % RF__STITCHES;
  if (s->count < RF__STITCHES) s->count++;
  memset(st, 0, sizeof *st);
  memcpy(st->id, p->shopper, strlen(p->shopper) + 1);
  st->slot = -1;
  st->first = (rf__fix){p->t, p->x, p->y};
  return st;
}

int64_t rf__stitch_position(rf_engine *e, const rf_position_rec *p) {
  if (strlen(p->shopper) >= RF__STITCH_ID || !isfinite(p->x) || !isfinite(p->y)) return -1;
  f_stitch *st = find(&e->stitches, p->shopper);
  if (st == NULL) st = follow(&e->stitches, p);
  if (st->slot != -1) return st->slot >= 0 ? st->slot : -1;
  if (p->t > st->last.t) st->last = (rf__fix){p->t, p->x, p->y};
  st->fixes++;
  if (st->fixes < FOLLOW_FIXES || st->last.t - st->first.t < FOLLOW_US) return -1;
  int64_t who = whose(e, st);
  if (who < 0) {
    if (st->last.t - st->first.t >= GIVE_UP_US) st->slot = -2;
    return -1;
  }
  st->slot = who;
  rf__hands_identify(e, st->id, (uint32_t)who, st->first.t);
  return who;
}

void rf__stitch_forget(rf_engine *e, uint32_t slot) {
  f_stitches *s = &e->stitches;
  for (size_t k = 0; k < s->count; ++k)
    if (s->list[k].slot == (int64_t)slot) s->list[k].slot = -2;
}
