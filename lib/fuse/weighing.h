/* Internal: what a decided reading of a change teaches about the store's weighing noise (the
 * shelves' noise and the products' spread that the store did not declare; learn.h says how it
 * is learned). */
#ifndef RF_FUSE_WEIGHING_H
#define RF_FUSE_WEIGHING_H

#include "hypotheses.h"

/* Change c was read as w, as probable as `p`: the gap between them, and each listed plate outside
 * the items' place, taught to the engine's learning. */
void rf__teach_weighing(rf_engine *e, const f_change *c, const f_what *w, double p);

#endif
