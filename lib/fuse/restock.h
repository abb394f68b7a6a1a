/* Internal: restocks staff announce (`restock` records). A change on the restocked shelf within
 * the announcement's time (give or take RF__RESTOCK_MARGIN_US), moving weight the way it says,
 * that reads as a whole number of its items — no more than are still unmatched — is theirs:
 * nobody's purchase, no diff, and a sure equation for the calibration (qty items of the
 * product, with the plates that bore them). A change that fits no announcement is decided as
 * any other (staff still present are candidates). */
#ifndef RF_FUSE_RESTOCK_H
#define RF_FUSE_RESTOCK_H

#include "state.h"

#define RF__RESTOCK_MARGIN_US ((rf_time_us)2000000)

/* Keeps an announcement (screened: its shelf and product exist, qty != 0): 0 or RF_ENOMEM. */
int rf__take_restock(rf_engine *e, const rf_restock_rec *r);

/* Whether change c is an announced restock's: 1 (matched and taught), 0, or RF_ENOMEM. */
int rf__restock_decide(rf_engine *e, const f_change *c);

/* The batch stands: its matches are final (commit); or it failed: they are undone. */
void rf__restocks_commit(rf_engine *e);
void rf__restocks_unstage(rf_engine *e);

/* Forgets announcements no change still to be decided can match, after a batch whose latest
 * change fell due at decided_at. */
void rf__restocks_forget(rf_engine *e, rf_time_us decided_at);

#endif
