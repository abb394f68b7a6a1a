/* Internal: deciding the changes whose wait is over, together. */
#ifndef RF_FUSE_BATCH_H
#define RF_FUSE_BATCH_H

#include "state.h"

/* When the next batch falls due (its first change's t1 + WAIT_S), if it is due at the clock (any
 * time with `everything`); INT64_MAX when none is. */
rf_time_us rf__next_due(const rf_engine *e, int everything);

/* Decides that batch: the first pending change and those right after it that ended no later, or
 * a put-back alone. Room for everything a batch can leave behind is reserved before it changes
 * anything: 0 (nothing when none is due), or RF_ENOMEM with the batch undecided and nothing
 * changed. */
int rf__decide_next(rf_engine *e, int everything);

#endif
