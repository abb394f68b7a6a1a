/* Internal: taking a reviewer's verdict (review record; docs/format.md, "review"). */
#ifndef RF_FUSE_VERDICT_H
#define RF_FUSE_VERDICT_H

#include "state.h"

/* Replaces what the decision judged put into carts by the verdict's items: diffs into open carts,
 * amended receipts for receipted ones. 0; RF_SETASIDE (counted, with the reason and message) for
 * a decision not kept, a shopper not in the store then, an unknown sku, or a cart that would go
 * below zero — nothing changed; RF_EINVAL, RF_ENOMEM (nothing changed). */
int rf__take_review(rf_engine *e, const rf_review_rec *r);

#endif
