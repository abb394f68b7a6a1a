/* Internal: deciding the changes whose wait is over, together. */
#ifndef RF_FUSE_BATCH_H
#define RF_FUSE_BATCH_H

#include "state.h"

/* Decides every pending change whose wait is over (all of them with `everything`), a batch at a
 * time: the changes due together, up to the first put-back (which depends on the carts the
 * changes before it leave). Room for everything a batch can leave behind is reserved before it
 * changes anything: 0, or RF_ENOMEM with the batch undecided and nothing changed. */
int rf__decide_due(rf_engine *e, int everything);

#endif
