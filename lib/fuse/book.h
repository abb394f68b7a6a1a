/* Internal: what the engine keeps for reviewers' verdicts (docs/format.md, "review") — every diff
 * it made (cart visit, product, quantity, its part in a correction) and every cart's visit (its
 * owner's id, its receipt) — for REVIEW_S after the visit's receipt, long after the ledger has
 * forgotten the cart. A verdict reads its decision's diffs from here and, for a receipted cart,
 * amends the receipt from here. Emission (emit.c) writes into it; nothing else does. */
#ifndef RF_FUSE_BOOK_H
#define RF_FUSE_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/allocator.h"
#include "retailfuse/common.h"

typedef enum f_entry_kind {
  F_ENTRY_ORIGINAL, /* a decision's diff */
  F_ENTRY_UNDO,     /* a correction's first diff ... */
  F_ENTRY_REDO,     /* ... and its second */
  F_ENTRY_MOVE,     /* a link moving items between carts */
  F_ENTRY_VERDICT,  /* a reviewer's verdict, as a diff */
  F_ENTRY_AMEND     /* a reviewer's verdict on a receipted cart: no diff, an amended receipt */
} f_entry_kind;

typedef struct f_entry {
  int64_t seq; /* the diff's, -1 for an amendment */
  int64_t event;
  uint64_t visit; /* the cart's visit (f_visit.id) */
  uint32_t product;
  int64_t qty;
  rf_time_us t;
  uint8_t kind;
  uint8_t review; /* flagged */
  uint8_t undone; /* an original a correction undid */
  uint8_t judged; /* of a decision a reviewer judged */
} f_entry;

typedef struct f_held { /* a product's quantity in a receipt */
  uint32_t product;
  int64_t qty;
} f_held;

typedef struct f_visit {
  uint64_t id;      /* from 1, in the order visits began */
  char *owner;      /* owned */
  uint32_t slot;    /* the cart's ledger slot while it is not receipted */
  rf_time_us start; /* its first enter */
  int receipted;
  rf_time_us receipt_t;
  uint64_t merged_into; /* the visit a link merged it into, or 0 */
  int drop;             /* forgetting: it goes */
  int staff;            /* staff's: what they move is nobody's purchase */
  f_held *receipt;      /* owned: what its receipt billed (amendments are entries) */
  size_t receipt_count;
} f_visit;

typedef struct f_book {
  f_entry *entries; /* in seq order (amendments where they were made) */
  size_t count, cap;
  f_visit *visits; /* by id */
  size_t visit_count, visit_cap;
  uint64_t *visit_of_slot; /* per ledger slot: its cart's current visit, 0 if none */
  size_t slot_cap;
  uint64_t next_visit;
  char *spare_owner;     /* owned: rf__book_prepare's copy of the next id to enter */
  int checked;           /* forgetting last looked ... */
  rf_time_us next_check; /* ... and looks again from here */
} f_book;

void rf__book_free(f_book *b, const rf_allocator *a);

/* Room for `count` more entries: 0 or RF_ENOMEM. */
int rf__book_reserve(f_book *b, const rf_allocator *a, size_t count);

/* Room for a shopper `owner` to enter into a slot below `slots`: 0 or RF_ENOMEM. Then, once
 * the ledger took them into `slot` at t, rf__book_enter books a new visit when the ledger began
 * one (`fresh`: a new cart), else the slot's visit goes on (it cannot fail). */
int rf__book_prepare(f_book *b, const rf_allocator *a, size_t slots, const char *owner);
void rf__book_enter(f_book *b, uint32_t slot, rf_time_us t, int staff, int fresh);

/* The visit's receipt went out at t, billing `items` (product, qty > 0): 0 or RF_ENOMEM. */
int rf__book_receipt(f_book *b, const rf_allocator *a, f_visit *v, rf_time_us t,
                     const f_held *items, size_t count);

/* What a receipted visit holds now: its receipt and the amendments since. */
int64_t rf__book_held(const f_book *b, const f_visit *v, uint32_t product);

/* The visit with this id, or NULL (forgotten). */
f_visit *rf__book_visit(const f_book *b, uint64_t id);

/* The visit of a slot's own cart (not following links): its id, or 0. */
static inline uint64_t rf__book_slot(const f_book *b, uint32_t slot) {
  return slot < b->slot_cap ? b->visit_of_slot[slot] : 0;
}

/* The visit a slot's cart is in now, following links: its id, or 0. */
uint64_t rf__book_visit_of_slot(const f_book *b, uint32_t slot);

/* Where a visit's items are now: the visit it was merged into, followed to the end. */
uint64_t rf__book_final(const f_book *b, uint64_t visit);

/* Appends an entry (room reserved). An undo marks the original it undoes. */
void rf__book_add(f_book *b, const f_entry *entry, int64_t corrects);

/* Forgets visits receipted before `before` (and the visits merged into them), and entries made
 * before it. */
void rf__book_forget(f_book *b, const rf_allocator *a, rf_time_us before);

#endif
