/* Internal: tracks broken off under a new id. A tracker that loses someone — behind a gondola,
 * in a crowd — and finds them again often gives them an id the store never announced, and the
 * cameras name that person's reaches by it. Such a track starts where a shopper's track has just
 * stopped. Once the new id has run for a while (a stray record is no track), the engine takes it
 * for the shopper whose track stopped nearest, shortly before, with no other such shopper about
 * as near: its fixes then extend that shopper's track, and the hand visits naming it are theirs
 * (those that came before, kept as anonymous, too). An id that matches no one, or more than one,
 * stays unknown: its fixes are set aside and its hands stay anonymous, as before. */
#ifndef RF_FUSE_STITCH_H
#define RF_FUSE_STITCH_H

#include <stddef.h>
#include <stdint.h>

#include "cart/ledger.h"
#include "record/record.h"
#include "retailfuse/engine.h"

/* Ids longer than this are never stitched (a tracker's own ids are short). */
#define RF__STITCH_ID 48
/* New ids followed at once; when full, the oldest is forgotten (fixed size: nothing is
 * allocated). */
#define RF__STITCHES 64

typedef struct f_stitch {
  char id[RF__STITCH_ID];
  int64_t slot; /* the shopper it is taken for; -1 not yet, -2 no one (given up) */
  rf__fix first, last;
  int fixes;
} f_stitch;

typedef struct f_stitches {
  f_stitch list[RF__STITCHES];
  size_t next, count;
} f_stitches;

/* A fix of an id the store does not know: followed, and once its track says whose it is, that
 * shopper's slot (>= 0); -1 while it does not (the fix is set aside). */
int64_t rf__stitch_position(rf_engine *e, const rf_position_rec *p);

/* The shopper an unknown id was taken for, or -1. */
int64_t rf__stitch_lookup(const rf_engine *e, const char *id);

/* Slot is taken by a new shopper: ids taken for its old one stay unknown from now on. */
void rf__stitch_forget(rf_engine *e, uint32_t slot);

#endif
