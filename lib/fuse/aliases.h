/* Internal: whose a tracker's id is, at a given time. Once the engine has seen a tracker carry
 * two ids on each other's people (swaps.c), the records still to come that name either — fixes
 * from the tracker, hand visits from cameras that take their ids from it, some of them seconds
 * late — must go to the person, not the id. Each such finding is a flip: from time t on, the
 * tracker's ids a and b are on each other's people, whoever those were by the flips before. A
 * record is mapped through the flips up to its own time, so a late record lands where it belongs
 * whatever its arrival. A swap found over, [t0, t1), is two flips; one found beginning is one,
 * until the swap back. */
#ifndef RF_FUSE_ALIASES_H
#define RF_FUSE_ALIASES_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/engine.h"

typedef struct f_flip {
  uint32_t a, b; /* ledger slots */
  rf_time_us t;
} f_flip;

/* Far more than a store's trackers swap in the time records may arrive late; when full, the
 * oldest flip is forgotten (fixed size: nothing is allocated). */
#define RF__FLIPS 512

typedef struct f_aliases {
  f_flip flip[RF__FLIPS]; /* by time, then by when they were found */
  size_t count;
} f_aliases;

/* From t on, the tracker's ids a and b are on each other's people: each names whom the other
 * named before. */
void rf__aliases_flip(f_aliases *x, uint32_t a, uint32_t b, rf_time_us t);

/* The shopper that tracker id `slot` names at time t. */
uint32_t rf__aliases_map(const f_aliases *x, uint32_t slot, rf_time_us t);

/* Slot is taken by a new shopper: the flips that named its old one go. */
void rf__aliases_forget(f_aliases *x, uint32_t slot);

#endif
