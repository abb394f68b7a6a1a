/* Internal: evidence that comes after the decision it bears on. A camera back from an outage
 * delivers hand visits the decisions of their changes never saw; one that names a shopper the
 * decision thought less likely can still correct it, inside the revision horizon. */
#ifndef RF_FUSE_LATE_H
#define RF_FUSE_LATE_H

#include "state.h"

/* A hand record that came too late for its change: if it names a shopper whose cart was an
 * alternative of a decided take it fits (same shelf, within MAX_GAP_S, ended by the time the
 * take fell due), the take is weighed again with it — the visit is that shopper's reach, or a
 * browse — and corrected (undo and redo diffs) when that shopper is now the more probable and
 * more probable than not. 1 corrected, 0 nothing to do, RF_ENOMEM (nothing changed). */
int rf__late_hand_corrects(rf_engine *e, const rf_hand_rec *r);

#endif
