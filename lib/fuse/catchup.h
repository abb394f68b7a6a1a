/* Internal: the engine's catching up (engine.c), shared with the push path (push.c). */
#ifndef RF_FUSE_CATCHUP_H
#define RF_FUSE_CATCHUP_H

#include "state.h"

/* Work a failed catch-up left, made first on the state it was due in: 0 or RF_ENOMEM. */
int rf__settle(rf_engine *e);

/* Decides what is due at the clock, hands out receipts and forgets; after a failure for memory
 * the next call finishes the work first. */
int rf__catch_up_or_owe(rf_engine *e, int everything);

/* What a call that went through returns: 0, or the output callback's first complaint. */
int rf__output_complaint(rf_engine *e);

#endif
