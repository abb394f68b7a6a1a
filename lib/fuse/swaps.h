/* Internal: identity swaps between tracks. A tracker that mixes two people up where they pass
 * close carries each one's id on the other's track until it notices and swaps them back. The
 * search reads the tracker's own ids and fixes. Where both tracks step onto each other at once
 * as the two meet, a swap is found beginning: it lasts until it is found ending (the same steps
 * again, a jump back, a door) or a minute has gone by. Where it is found only ending — both tracks
 * jump at the same moment, each to where the other was — it began at the pass where the ids most
 * likely crossed (by motion, crossing.h; the latest pass when none tells). A swap found is not
 * applied at once: relabel.c applies it once every decision due before TRACKER_DELAY_S ahead of
 * its finding is made — the decisions made for either in its time corrected into the other's
 * cart, the hand visits and fixes of that time moved, the records still to come mapped
 * (aliases.h) — so what a decision sees does not depend on how early the tracker's records came. */
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

/* A swap found: ids a and b named each other's people from `since` until `until` (RF__FOREVER:
 * until it is found ending), as the fix or exit at `found` showed. */
typedef struct f_found {
  uint32_t a, b;
  rf_time_us since, until, found;
} f_found;

#define RF__FOUND 64

typedef struct f_pair {
  uint32_t a, b;
  rf_time_us since;
} f_pair;

/* The search works on the tracker's own ids and fixes (`raw`, per ledger slot), so what it finds
 * does not depend on when earlier findings were applied; fixed rings, the oldest overwritten. */
typedef struct f_swaps {
  rf__track *raw; /* per slot: the tracker's recent fixes of that id */
  size_t raw_cap;
  f_episode episode[RF__EPISODES];
  size_t episode_next, episode_count;
  f_jump jump[RF__JUMPS];
  size_t jump_next, jump_count;
  f_pair open[RF__OPEN]; /* swaps seen begin and not yet end */
  size_t open_count;
  f_found found[RF__FOUND]; /* found, not yet applied: by `found` */
  size_t found_count;
  f_aliases aliases; /* whose each id is, with the swaps applied */
} f_swaps;

/* A new fix `now` of the tracker's id `who` (as the tracker named it; room reserved): notes who
 * it came close to and, when this fix and another id's make a crossing of ids, the swap found.
 * 1 a swap was found, 0 not. */
int rf__swaps_position(rf_engine *e, uint32_t who, const rf__fix *now);

/* Room for a fix of id `who` at t, so that rf__swaps_position cannot fail for memory: 0 or
 * RF_ENOMEM (nothing changed). */
int rf__swaps_reserve(rf_engine *e, uint32_t who, rf_time_us t);

/* The tracker's recent fixes of id `who`, NULL if none came. */
const rf__track *rf__swaps_raw(const rf_engine *e, uint32_t who);

/* When the next swap found and not yet applied was found (INT64_MAX: none). The engine applies
 * each once every decision due before then is made, so what a decision sees of swaps does not
 * depend on how far the tracker's records ran ahead of the others'. */
rf_time_us rf__swaps_next_found(const rf_engine *e);

/* Applies that swap (relabel.c) at t: the decisions made for either in its time are corrected
 * into the other's cart (the diffs dated t), their hand visits and fixes of that time change
 * hands, and records still to come are mapped. 0 or RF_ENOMEM (nothing changed). */
int rf__swaps_apply_next(rf_engine *e, rf_time_us t);

void rf__swaps_free(rf_engine *e);

/* Slot is taken by a new shopper: no id is swapped with it yet. */
void rf__swaps_forget(rf_engine *e, uint32_t slot);

/* Shopper `who` left at t (an id swap seen begin with them ends): when another id's track just
 * jumped to where theirs last was, or does within a second, the two were swapped (as
 * rf__swaps_position). 1 a swap was found, 0 not. */
int rf__swaps_exit(rf_engine *e, uint32_t who, rf_time_us t);

#endif
