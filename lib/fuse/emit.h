/* Internal: the engine's output — diffs and receipts made into records, queued for
 * rf_engine_poll or handed to the host's callback, and the cart ledger kept in step with them.
 * Every job of lib/fuse that decides calls down into this; it calls none of them. */
#ifndef RF_FUSE_EMIT_H
#define RF_FUSE_EMIT_H

#include "state.h"

/* Makes room to queue `count` more output records (none needed with a callback): 0 or
 * RF_ENOMEM, with the engine's message set. */
int rf__emit_reserve(rf_engine *e, size_t count);

/* Whether a diff of this confidence is flagged for review. */
int rf__emit_flags_review(const rf_engine *e, double conf);

/* Queues a diff (room reserved), or hands it to the callback; *seq (may be NULL) receives its
 * number. corrects < 0: none. The cart takes the items; a flagged diff that corrects nothing
 * counts against its cart's receipt (corrections keep that count themselves: revise.c). */
int rf__emit_diff(rf_engine *e, int64_t event, uint32_t cart, uint32_t product, int64_t qty,
                  double conf, rf_time_us t, int64_t corrects, int64_t *seq);

/* The event of diffs that decide no weight change: items moved between carts by a link. */
#define RF__MOVE_EVENT (-1)

/* Shopper `who` joins the cart of `into` (a link, screened): the items of who's own cart move
 * over as diffs — out of who's cart, into the other, event RF__MOVE_EVENT, confidence 1 — so a
 * host that keeps carts from the diffs alone sees the move. 0 or RF_ENOMEM (nothing done). */
int rf__emit_link_moves(rf_engine *e, uint32_t who, uint32_t into, rf_time_us t);

/* An rf__receipt_fn (ledger.h) for the engine (payload): the cart's receipt, due at t. */
int rf__emit_receipt(uint32_t cart, rf_time_us t, void *payload);

/* Queues explanation x (taking it), or hands it to the callback and frees it: 0, or RF_ENOMEM
 * (x not taken). */
int rf__emit_explain(rf_engine *e, f_explain *x);

/* A reviewer's diff into an open cart (room reserved): confidence 1, not flagged, `reviews` the
 * decision judged. */
void rf__emit_verdict_diff(rf_engine *e, int64_t event, uint32_t cart, uint32_t product,
                           int64_t qty, rf_time_us t, int64_t decision);

/* A receipted visit's receipt again, amended from the book (room reserved: one record, and
 * items for every product; qty: scratch for a quantity per product). */
void rf__emit_amended_receipt(rf_engine *e, const f_visit *v, int review, int64_t *qty);

/* The next queued record in *out: 0, or RF_ITEROVER when none is waiting. */
int rf__emit_next(rf_engine *e, rf_record *out);

/* Whether a queued output record names this cart. */
int rf__emit_names(const rf_engine *e, uint32_t cart);

#endif
