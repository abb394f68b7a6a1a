/* Internal: the cart ledger every method keeps the same way — shoppers entering, leaving and
 * joining another's cart, each cart's items, and which carts are waiting for their receipt. The
 * methods decide what goes into the carts; the ledger only keeps account. */
#ifndef RF_CART_LEDGER_H
#define RF_CART_LEDGER_H

#include <stdint.h>

#include "core/errbuf.h"
#include "core/names.h"
#include "retailfuse/common.h"
#include "retailfuse/scenario.h"

typedef struct rf__shopper {
  uint32_t cart;               /* index of the cart owner (itself unless linked) */
  int present;
  rf_time_us entered, left;    /* when last seen entering / leaving */
  int has_pos;                 /* the last position seen */
  double px, py;
  rf_time_us pos_t;
} rf__shopper;

typedef struct rf__cart {
  int64_t *qty;                /* per product */
  int members_in, owner_left, receipted;
  int64_t flagged;             /* standing diffs into it that were flagged for review */
  rf_time_us last_exit;
} rf__cart;

typedef struct rf__ledger {
  rf_allocator alloc;
  uint32_t products;
  rf__names ids;               /* shopper ids, numbered as shoppers and carts */
  rf__shopper *shoppers;
  rf__cart *carts;
  size_t shopper_cap, cart_cap;
  uint32_t *waiting;           /* carts whose shoppers have all left, until their receipt */
  size_t waiting_count, waiting_cap;
} rf__ledger;

void rf__ledger_init(rf__ledger *l, uint32_t products, const rf_allocator *alloc);
void rf__ledger_free(rf__ledger *l);

static inline uint32_t rf__ledger_count(const rf__ledger *l) { return l->ids.count; }
static inline const char *rf__ledger_id(const rf__ledger *l, uint32_t i) {
  return rf__names_get(&l->ids, i);
}

/* The number of a shopper who entered: RF_EINVAL for a missing id, RF_ENOTFOUND. */
int rf__ledger_find(const rf__ledger *l, const char *id, uint32_t *out, rf__errbuf *err);

/* The pushes: each checks, then changes; a refused one changes nothing. enter: RF_EEXISTS for
 * one already in (a shopper back after their receipt starts a new cart); exit: RF_ERANGE for one
 * already gone; link: the shopper's items and followers move to the cart joined. */
int rf__ledger_enter(rf__ledger *l, const rf_shopper_rec *r, rf__errbuf *err);
int rf__ledger_exit(rf__ledger *l, const rf_shopper_rec *r, rf__errbuf *err);
int rf__ledger_link(rf__ledger *l, const rf_link_rec *r, rf__errbuf *err);
int rf__ledger_position(rf__ledger *l, const rf_position_rec *r, rf__errbuf *err);

/* Hands each waiting cart whose receipt is due — clock past its last exit + wait, and no
 * undecided change begun before that exit (first_open_t0: the earliest start of one, or
 * INT64_MAX) — to emit, then marks it receipted. With `everything` every waiting cart is due.
 * Stops at emit's first non-zero return. */
typedef int (*rf__receipt_fn)(uint32_t cart, rf_time_us t, void *payload);
int rf__ledger_receipts(rf__ledger *l, rf_time_us clock, rf_time_us wait, rf_time_us first_open_t0,
                        int everything, rf__receipt_fn emit, void *payload);

/* The items of a cart with qty > 0, in catalog order; items must hold `products` entries. */
size_t rf__ledger_items(const rf__ledger *l, uint32_t cart, const struct rf_store *store,
                        rf_item_qty *items);

#endif
