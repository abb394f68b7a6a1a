/* Internal: the cart ledger every method keeps the same way — shoppers entering, leaving and
 * joining another's cart, each cart's items, and which carts are waiting for their receipt. The
 * methods decide what goes into the carts; the ledger only keeps account. */
#ifndef RF_CART_LEDGER_H
#define RF_CART_LEDGER_H

#include <stdint.h>

#include "core/errbuf.h"
#include "core/idmap.h"
#include "track.h"
#include "retailfuse/common.h"
#include "retailfuse/record.h"
#include "retailfuse/status.h"

typedef struct rf__shopper {
  uint32_t cart; /* index of the cart owner (itself unless linked) */
  int in_use;    /* 0: a released slot, free for the next shopper to enter */
  int present;
  int staff;                /* entered as staff: their cart is nobody's purchase */
  int afresh;               /* their next enter begins a new visit (a cart of their own) */
  rf_time_us entered, left; /* when last seen entering / leaving */
  rf__track track;          /* where they were seen (track.h) */
} rf__shopper;

typedef struct rf__cart {
  int64_t *qty; /* per product */
  int members_in, owner_left, receipted;
  int64_t flagged; /* standing diffs into it that were flagged for review */
  int has_exit;    /* a member left: last_exit holds (times may be negative) */
  rf_time_us last_exit;
  rf_time_us receipt_t; /* when its receipt was due (once receipted) */
} rf__cart;

typedef struct rf__ledger {
  rf_allocator alloc;
  uint32_t products;
  /* Shoppers and carts live in slots numbered 0..slots-1 (a cart has its owner's number). A
   * slot is released once its cart's receipt is out and nothing refers to it any more, and
   * the next shopper to enter takes it: the ledger is as big as the busiest moment, not the
   * day. */
  rf__idmap map; /* shopper id -> slot */
  char **ids;    /* per slot: its shopper's id (owned), NULL when free */
  rf__shopper *shoppers;
  rf__cart *carts;
  uint32_t slots;       /* slots ever used (in use or free) */
  uint32_t *free_slots; /* released slots, taken last-released first */
  size_t free_count;
  uint32_t *waiting; /* carts whose shoppers have all left, until their receipt */
  size_t waiting_count;
  uint32_t *done; /* receipted carts, until their slots are released */
  size_t done_count;
  size_t ids_cap, shopper_cap, cart_cap, free_cap, waiting_cap, done_cap;
} rf__ledger;

void rf__ledger_init(rf__ledger *l, uint32_t products, const rf_allocator *alloc);
void rf__ledger_free(rf__ledger *l);

/* The number of slots: shoppers are numbered below it (skip those not in_use). */
static inline uint32_t rf__ledger_count(const rf__ledger *l) { return l->slots; }
static inline const char *rf__ledger_id(const rf__ledger *l, uint32_t i) { return l->ids[i]; }

/* A shopper's cart: its owner's number (its own unless linked). */
static inline uint32_t rf__ledger_cart_of(const rf__ledger *l, uint32_t s) {
  return l->shoppers[s].cart;
}

/* A cart's quantities, per product (read only: rf__ledger_add changes them). */
static inline const int64_t *rf__ledger_qty(const rf__ledger *l, uint32_t cart) {
  return l->carts[cart].qty;
}

/* Whether the cart is staff's (its owner entered as staff): it takes no items and gets no
 * receipt; what staff move is nobody's purchase. */
static inline int rf__ledger_staff_cart(const rf__ledger *l, uint32_t cart) {
  return l->shoppers[cart].staff;
}

/* Shopper s's recent fixes, oldest first: rf__ledger_track_fix(l, s, k) for k below
 * rf__ledger_track_count(l, s). */
static inline int rf__ledger_track_count(const rf__ledger *l, uint32_t s) {
  return l->shoppers[s].track.count;
}

static inline const rf__fix *rf__ledger_track_fix(const rf__ledger *l, uint32_t s, int k) {
  return rf__track_at(&l->shoppers[s].track, k);
}

/* Whether the cart's receipt is out. */
static inline int rf__ledger_receipted(const rf__ledger *l, uint32_t cart) {
  return l->carts[cart].receipted;
}

/* Whether shopper s is in the store at t: entered at or before it, and not left since. */
static inline int rf__ledger_in_at(const rf__ledger *l, uint32_t s, rf_time_us t) {
  return l->shoppers[s].present && l->shoppers[s].entered <= t;
}

/* Whether shopper s is in the store now (entered, and not left since). */
static inline int rf__ledger_present(const rf__ledger *l, uint32_t s) {
  return l->shoppers[s].present;
}

/* Whether shopper s had left before t (and is not back). */
static inline int rf__ledger_left_before(const rf__ledger *l, uint32_t s, rf_time_us t) {
  return !l->shoppers[s].present && l->shoppers[s].left < t;
}

/* Whether slot s is a shopper who was in the store at some moment of [t0, t1]. */
static inline int rf__ledger_in_store_during(const rf__ledger *l, uint32_t s, rf_time_us t0,
                                             rf_time_us t1) {
  const rf__shopper *sh = &l->shoppers[s];
  if (!sh->in_use || sh->entered > t1) return 0;
  return sh->present || sh->left >= t0;
}

/* A decided diff: qty items of product (negative: removed) into the cart. */
static inline void rf__ledger_add(rf__ledger *l, uint32_t cart, uint32_t product, int64_t qty) {
  l->carts[cart].qty[product] += qty;
}

/* A standing diff into the cart was flagged for review (its receipt will be), or such a diff
 * was undone (never below none). */
static inline void rf__ledger_flag(rf__ledger *l, uint32_t cart) { l->carts[cart].flagged++; }
static inline void rf__ledger_unflag(rf__ledger *l, uint32_t cart) {
  if (l->carts[cart].flagged > 0) l->carts[cart].flagged--;
}

/* Whether a diff standing in the cart was flagged for review. */
static inline int rf__ledger_flagged(const rf__ledger *l, uint32_t cart) {
  return l->carts[cart].flagged > 0;
}

/* The number of a shopper who entered: 0, or RF_ENOTFOUND (no message). */
static inline int rf__ledger_lookup(const rf__ledger *l, const char *id, uint32_t *out) {
  return rf__idmap_find(&l->map, id, out) == 0 ? 0 : RF_ENOTFOUND;
}

/* The number of a shopper who entered: RF_EINVAL for a missing id, RF_ENOTFOUND. */
int rf__ledger_find(const rf__ledger *l, const char *id, uint32_t *out, rf__errbuf *err);

/* The pushes: each checks, then changes; a refused one changes nothing. enter: RF_EEXISTS for
 * one already in (a shopper back after their receipt starts a new cart); exit: RF_ERANGE for one
 * already gone; link: the shopper's items and followers move to the cart joined. */
int rf__ledger_enter(rf__ledger *l, const rf_shopper_rec *r, rf__errbuf *err);
int rf__ledger_exit(rf__ledger *l, const rf_shopper_rec *r, rf__errbuf *err);
int rf__ledger_link(rf__ledger *l, const rf_link_rec *r, rf__errbuf *err);
/* A fix for the shopper in slot i, whatever id the record names (one found to name another),
 * kept with every fix since keep_since (track.h). RF_EINVAL for coordinates not finite,
 * RF_ENOMEM; nothing changed. */
int rf__ledger_position_of(rf__ledger *l, uint32_t i, const rf_position_rec *r,
                           rf_time_us keep_since, rf__errbuf *err);

/* Hands each waiting cart whose receipt is due — clock past its last exit + wait, and no
 * undecided change begun before that exit (first_open_t0: the earliest start of one, or
 * INT64_MAX) — to emit, then marks it receipted. With `everything` every waiting cart is due.
 * Stops at emit's first non-zero return. */
typedef int (*rf__receipt_fn)(uint32_t cart, rf_time_us t, void *payload);
int rf__ledger_receipts(rf__ledger *l, rf_time_us clock, rf_time_us wait, rf_time_us first_open_t0,
                        int everything, rf__receipt_fn emit, void *payload);

/* Releases the slots of receipted carts that `still_used` (may be NULL: none are) says
 * nothing refers to any more — the cart and every shopper who shopped into it — once `clock`
 * is `after` past the receipt. Their ids are forgotten: reading such a cart gives
 * RF_ENOTFOUND, and the same id entering again starts afresh. */
typedef int (*rf__slot_used_fn)(uint32_t slot, void *payload);
void rf__ledger_release(rf__ledger *l, rf_time_us clock, rf_time_us after,
                        rf__slot_used_fn still_used, void *payload);

/* Room for rf__ledger_swap_tracks of a and b: 0 or RF_ENOMEM (nothing changed). */
int rf__ledger_reserve_swap(rf__ledger *l, uint32_t a, uint32_t b);

/* Shoppers a and b exchange their fixes from t0 up to (not including) t1: a tracker had their
 * ids swapped then. Room must have been reserved since the last fix came. */
void rf__ledger_swap_tracks(rf__ledger *l, uint32_t a, uint32_t b, rf_time_us t0, rf_time_us t1);

/* The fix of shopper s nearest in time to t among those from not_before to not_after: 0 and *out,
 * or RF_ENOTFOUND when there is none. (A later fix may or may not have come in yet, depending on
 * how the sources' records interleaved: a decision never looks at one.) */
int rf__ledger_fix_near(const rf__ledger *l, uint32_t s, rf_time_us t, rf_time_us not_before,
                        rf_time_us not_after, rf__fix *out);

/* The items of a cart with qty > 0, in catalog order; items must hold `products` entries. */
size_t rf__ledger_items(const rf__ledger *l, uint32_t cart, const struct rf_store *store,
                        rf_item_qty *items);

#endif
