/* Internal: identity swaps between tracks. A tracker that mixes two people up where they pass
 * close carries each one's id on the other's track until it notices and swaps them back. Where
 * both tracks step onto each other at once as the two meet, the swap is seen beginning: from
 * then on the records naming either id go to the other (aliases.h) until it is seen ending (the
 * same steps again, a jump back, a door) or a minute has gone by. Where it is seen only ending —
 * both tracks jump at the same moment, each to where the other was — the time since the pass
 * where the ids most likely crossed (by motion, crossing.h; the latest pass when none tells) was
 * swapped: the decisions made for either in it are corrected into the other's cart, and the hand
 * visits and fixes of that time change hands, for the changes still to be decided. */
#ifndef RF_FUSE_SWAPS_H
#define RF_FUSE_SWAPS_H

#include <stddef.h>
#include <stdint.h>

#include "cart/ledger.h"
#include "aliases.h"
#include "crossing.h"
#include "retailfuse/engine.h"

/* Two shoppers' tracks within a step of each other, from `first` to `last`, with how each moved
 * before, and once it is over, the log-odds that the tracker crossed their ids in it. */
typedef struct f_episode {
  uint32_t a, b; /* a < b, ledger slots */
  rf_time_us first, last;
  f_motion a_before, b_before;
  int judged;     /* the pass is over and `crossed` is known */
  double crossed; /* crossing.h */
} f_episode;

/* A track that moved farther between two fixes than anyone walks — or ended: a shopper who
 * leaves while their id is on another's track takes it back from there. */
typedef struct f_jump {
  uint32_t who;
  int spent; /* it made a swap back already */
  int exit;  /* the shopper left: `to` is unknown (the door) */
  rf_time_us t;
  rf__fix from, to;
} f_jump;

#define RF__EPISODES 256
#define RF__JUMPS 16
#define RF__OPEN 64
#define RF__FOREVER INT64_MAX

typedef struct f_pair {
  uint32_t a, b;
  rf_time_us since;
} f_pair;

/* Fixed rings: nothing is allocated, the oldest is overwritten. */
typedef struct f_swaps {
  f_episode episode[RF__EPISODES];
  size_t episode_next, episode_count;
  f_jump jump[RF__JUMPS];
  size_t jump_next, jump_count;
  f_pair open[RF__OPEN]; /* swaps seen begin and not yet end */
  size_t open_count;
  f_aliases aliases; /* whose each id is, with the swaps found */
} f_swaps;

/* A new fix `now` of shopper `who`, whose newest fix before it was *before (NULL: none): notes
 * who they came close to, and, when this fix and another track's make a swap back, undoes the
 * swap. 1 a swap was undone, 0 not, RF_ENOMEM (nothing changed; the caller reserves output room
 * for two diffs per kept decision first, and then it cannot happen). */
int rf__swaps_position(rf_engine *e, uint32_t who, const rf__fix *before, const rf__fix *now);

/* Slot is taken by a new shopper: no id is swapped with it yet. */
void rf__swaps_forget(rf_engine *e, uint32_t slot);

/* Shopper `who` left at t (an id swap seen begin with them ends): when another track just jumped to
 * where theirs last was, or does within a second, the two were swapped (as rf__swaps_position). 1,
 * 0 or RF_ENOMEM. */
int rf__swaps_exit(rf_engine *e, uint32_t who, rf_time_us t);

#endif
