/* Internal: items left where they do not belong — remembered where they were put back, so a
 * later take can be read as taking them, and forgotten once taken. */
#ifndef RF_FUSE_LOOSE_H
#define RF_FUSE_LOOSE_H

#include "hypotheses.h"

/* Items left where they do not belong are remembered, the oldest forgotten beyond this many
 * spots (staff tidy shelves; memory stays bounded over a day). */
#define RF__LOOSE_MAX 256

/* What a decided hypothesis w of change c leaves on the shelf: a take of loose items removes
 * them, an item put back where it does not belong stays known there. Room for RF__LOOSE_MAX
 * spots must be reserved (then it cannot fail); 0, or -1 when out of memory. */
int rf__note_loose(rf_engine *e, const f_change *c, const f_what *w);

#endif
