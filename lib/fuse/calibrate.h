/* Internal: the engine's side of the calibration (lib/calib, calib.h): changes read with the
 * plates' learned gains, hypotheses weighed with the products' learned weights, and the
 * readings that teach both.
 *
 * A change is read with the gains when its batch comes due, not when it arrives, so the reading
 * does not depend on how the sources' records interleaved; what the batch's decisions teach is
 * staged and committed once the batch stands (a batch that fails for memory teaches nothing),
 * so every change of a batch is read with the same gains. CALIBRATE 0 reads raw changes and
 * catalogue weights, and learns nothing. */
#ifndef RF_FUSE_CALIBRATE_H
#define RF_FUSE_CALIBRATE_H

#include "hypotheses.h"

/* The calibration, made at first need from the parameters then set (and the store): 0 or
 * RF_ENOMEM. Nothing when CALIBRATE is 0. */
int rf__calibration_ready(rf_engine *e);

/* Reads change c's plates with the current gains (once), and its total and centre again. */
void rf__calibrate_change(rf_engine *e, f_change *c);

/* The learned item weight of product p, or its catalogue weight before any evidence or with
 * CALIBRATE 0. */
double rf__learned_weight(const rf_engine *e, uint32_t p, double catalog_g);

/* How well a typical reading of an item of product p is known, as a share of its weight: the
 * calibration's uncertainty about its weight and its plates' gains (0 with CALIBRATE 0). */
double rf__scale_sd(const rf_engine *e, uint32_t p);

/* Change c was read as the items of w (or `qty` items of product p when w is NULL), as probable
 * as `p`: staged as an equation when it is at least CALIB_CONF. 0 or RF_ENOMEM. */
int rf__teach_reading(rf_engine *e, const f_change *c, const f_what *w, double p);
int rf__teach_items(rf_engine *e, const f_change *c, uint32_t product, int64_t qty, double p);

/* The batch stands (commit) or failed (forget what it taught). */
void rf__calibration_commit(rf_engine *e);
void rf__calibration_unstage(rf_engine *e);

#endif
