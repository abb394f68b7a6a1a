/* A reviewer's verdict (docs/format.md, "review"): what a decision's change put into carts is
 * replaced by what the reviewer says, at confidence 1. The book (book.h) says what the decision
 * holds now — every diff of its event, corrections and earlier verdicts included, each where a
 * link has since moved it. Carts not yet receipted get diffs; a receipted one gets its receipt
 * again, amended, with no diff: the host has closed it. */
#include "verdict.h"

#include <string.h>

#include "core/alloc.h"
#include "emit.h"
#include "retailfuse/status.h"

/* One (visit, product) the verdict changes, and by how much. */
typedef struct f_move {
  uint64_t visit;
  uint32_t product;
  int64_t held, wanted;
} f_move;

typedef struct verdict {
  rf_engine *e;
  const rf_review_rec *r;
  int64_t event;
  rf_time_us decided; /* the decision's diffs' t */
  uint64_t target;    /* the chosen cart's visit, 0 for nobody */
  f_move *moves;      /* room for every entry of the decision and every item of the verdict */
  size_t count, cap;
  int64_t *scratch; /* per product: an amended receipt's quantities */
} verdict;

static int set_aside(rf_engine *e, int reason) {
  e->setaside = reason;
  e->stats.set_aside++;
  e->stats.by_reason[reason]++;
  return RF_SETASIDE;
}

static f_move *move_of(verdict *v, uint64_t visit, uint32_t product) {
  for (size_t i = 0; i < v->count; ++i)
    if (v->moves[i].visit == visit && v->moves[i].product == product) return &v->moves[i];
  if (v->count == v->cap) return NULL; /* sized beforehand: never */
  v->moves[v->count] = (f_move){visit, product, 0, 0};
  return &v->moves[v->count++];
}

/* The decision behind diff `seq`: its event and time; RF_SETASIDE when the book has none. */
static int find_decision(verdict *v) {
  rf_engine *e = v->e;
  const f_book *b = &e->book;
  for (size_t i = 0; i < b->count; ++i) {
    const f_entry *x = &b->entries[i];
    if (x->seq != v->r->decision) continue;
    if (x->event < 0) break; /* a link's move decides no change */
    if (e->has_clock && x->t < e->clock - rf__param_us(e, RF_PARAM_REVIEW_S)) break;
    v->event = x->event;
    v->decided = x->t;
    return 0;
  }
  rf__error(&e->err, RF_SETASIDE,
            "review: decision %lld: no such decision (or older than REVIEW_S)",
            (long long)v->r->decision);
  return set_aside(e, RF_SETASIDE_UNKNOWN_DECISION);
}

/* The visit of the shopper named, in the store around the decision: their latest visit begun
 * before it and not receipted more than a minute before it (a member's: the cart they joined). */
static int find_target(verdict *v) {
  rf_engine *e = v->e;
  const f_book *b = &e->book;
  v->target = 0;
  if (v->r->shopper == NULL) return 0;
  for (size_t i = b->visit_count; i-- > 0;) {
    const f_visit *x = &b->visits[i];
    if (strcmp(x->owner, v->r->shopper) != 0 || x->start > v->decided) continue;
    /* Their cart's receipt (a member's is their owner's) says when the visit ended. */
    v->target = rf__book_final(b, x->id);
    const f_visit *cart = rf__book_visit(b, v->target);
    if (cart == NULL ||
        (cart->receipted && cart->receipt_t + 60 * (rf_time_us)1000000 < v->decided))
      break;
    if (cart != NULL && cart->staff) v->target = 0; /* staff buy nothing: nobody's */
    return 0;
  }
  rf__error(&e->err, RF_SETASIDE, "review: shopper '%s' was not in the store at decision %lld",
            v->r->shopper, (long long)v->r->decision);
  return set_aside(e, RF_SETASIDE_UNKNOWN_SHOPPER);
}

/* What the decision holds now and what the verdict wants, per (visit, product). */
static int tally(verdict *v) {
  rf_engine *e = v->e;
  const f_book *b = &e->book;
  for (size_t i = 0; i < b->count; ++i) {
    const f_entry *x = &b->entries[i];
    if (x->event != v->event || x->kind == F_ENTRY_MOVE) continue;
    f_move *m = move_of(v, rf__book_final(b, x->visit), x->product);
    if (m == NULL) return rf__error(&e->err, RF_EINVAL, "review: the book's tally overflowed");
    m->held += x->qty;
  }
  for (size_t k = 0; k < v->r->item_count; ++k) {
    uint32_t p;
    if (rf_store_find_product(e->store, v->r->items[k].sku, &p) != 0) {
      rf__error(&e->err, RF_SETASIDE, "review: items: '%s' is not a product of the store",
                v->r->items[k].sku);
      return set_aside(e, RF_SETASIDE_UNKNOWN_SKU);
    }
    if (v->target == 0) continue; /* staff's: nobody's purchase */
    f_move *m = move_of(v, v->target, p);
    if (m == NULL) return rf__error(&e->err, RF_EINVAL, "review: the verdict's tally overflowed");
    m->wanted += v->r->items[k].qty;
  }
  return 0;
}

/* A visit's quantity of a product now: the ledger's for an open cart, the book's once
 * receipted. */
static int64_t content(const rf_engine *e, const f_visit *x, uint32_t product) {
  if (!x->receipted) return rf__ledger_qty(&e->ledger, x->slot)[product];
  return rf__book_held(&e->book, x, product);
}

/* Every change must leave its cart at 0 or more, and the carts must still be known. */
static int feasible(verdict *v) {
  rf_engine *e = v->e;
  for (size_t i = 0; i < v->count; ++i) {
    const f_move *m = &v->moves[i];
    if (m->wanted == m->held) continue;
    const f_visit *x = rf__book_visit(&e->book, m->visit);
    if (x == NULL) {
      rf__error(&e->err, RF_SETASIDE, "review: decision %lld: its cart is no longer kept",
                (long long)v->r->decision);
      return set_aside(e, RF_SETASIDE_UNKNOWN_DECISION);
    }
    if (content(e, x, m->product) + m->wanted - m->held < 0) {
      rf_product_def p;
      rf_store_product(e->store, m->product, &p);
      rf__error(&e->err, RF_SETASIDE, "review: '%s' would have %lld of '%s'", x->owner,
                (long long)(content(e, x, m->product) + m->wanted - m->held), p.sku);
      return set_aside(e, RF_SETASIDE_NOT_IN_CART);
    }
  }
  return 0;
}

/* Whether a receipted visit's receipt still has a flagged decision standing that nobody judged:
 * a flagged diff not undone, or a flagged redo. */
static int still_flagged(const f_book *b, uint64_t visit) {
  for (size_t i = 0; i < b->count; ++i) {
    const f_entry *x = &b->entries[i];
    if (!x->review || x->judged || rf__book_final(b, x->visit) != visit) continue;
    if ((x->kind == F_ENTRY_ORIGINAL && !x->undone) || x->kind == F_ENTRY_REDO) return 1;
  }
  return 0;
}

/* The decision is settled: its flags no longer count, and no later change revises it. */
static void settle(verdict *v) {
  rf_engine *e = v->e;
  f_book *b = &e->book;
  for (size_t i = 0; i < b->count; ++i) {
    f_entry *x = &b->entries[i];
    if (x->event != v->event || x->judged) continue;
    x->judged = 1;
    const f_visit *at = rf__book_visit(b, rf__book_final(b, x->visit));
    int standing = (x->kind == F_ENTRY_ORIGINAL && !x->undone) || x->kind == F_ENTRY_REDO;
    if (x->review && standing && at != NULL && !at->receipted)
      rf__ledger_unflag(&e->ledger, at->slot);
  }
  for (size_t i = 0; i < e->decision_count; ++i)
    if (e->decisions[i].event == v->event) e->decisions[i].corrected = 1;
}

/* Whether move i's cart was amended already by an earlier move of this pass or the last. */
static int amended(const verdict *v, size_t i, int pass) {
  for (int p = 0; p <= pass; ++p)
    for (size_t k = 0; k < (p < pass ? v->count : i); ++k) {
      int64_t d = v->moves[k].wanted - v->moves[k].held;
      if (v->moves[k].visit == v->moves[i].visit && d != 0 && (p == 0) == (d < 0)) return 1;
    }
  return 0;
}

/* The diffs into open carts (takings out first), the amendments of receipted ones. */
static int apply(verdict *v, rf_time_us t) {
  rf_engine *e = v->e;
  size_t changed = 0;
  for (size_t i = 0; i < v->count; ++i) changed += v->moves[i].wanted != v->moves[i].held;
  if (rf__emit_reserve(e, 2 * changed) != 0 ||
      RF__RESERVE(&e->alloc, e->item_pool, e->item_cap,
                  e->item_len + changed * (e->products + 1)) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < v->count; ++i) {
      const f_move *m = &v->moves[i];
      int64_t d = m->wanted - m->held;
      if (d == 0 || (pass == 0) != (d < 0)) continue;
      const f_visit *x = rf__book_visit(&e->book, m->visit);
      if (!x->receipted) {
        rf__emit_verdict_diff(e, v->event, x->slot, m->product, d, t, v->r->decision);
      } else {
        f_entry amend = {.seq = -1,
                         .event = v->event,
                         .visit = x->id,
                         .product = m->product,
                         .qty = d,
                         .t = t,
                         .kind = F_ENTRY_AMEND};
        rf__book_add(&e->book, &amend, -1);
      }
    }
  settle(v);
  /* Each receipted cart changed gets its receipt again, in the order of the changes. */
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < v->count; ++i) {
      const f_move *m = &v->moves[i];
      int64_t d = m->wanted - m->held;
      const f_visit *x = rf__book_visit(&e->book, m->visit);
      if (d == 0 || (pass == 0) != (d < 0) || !x->receipted || amended(v, i, pass)) continue;
      rf__emit_amended_receipt(e, x, still_flagged(&e->book, x->id), v->scratch);
      e->stats.amended++;
    }
  return 0;
}

/* Room for the tally: every entry of the decision's event and every item of the verdict, and a
 * quantity per product. 0 or RF_ENOMEM. */
static int make_room(verdict *v) {
  rf_engine *e = v->e;
  size_t need = v->r->item_count + 1;
  for (size_t i = 0; i < e->book.count; ++i) need += e->book.entries[i].event == v->event;
  v->moves = rf__malloc(&e->alloc, need * sizeof *v->moves);
  v->scratch = rf__calloc(&e->alloc, (size_t)e->products + 1, sizeof *v->scratch);
  v->cap = need;
  return v->moves != NULL && v->scratch != NULL ? 0
                                                : rf__error(&e->err, RF_ENOMEM, "out of memory");
}

int rf__take_review(rf_engine *e, const rf_review_rec *r) {
  if (r->shopper == NULL && r->item_count > 0)
    return rf__error(&e->err, RF_EINVAL, "review: nobody's, with items");
  for (size_t k = 0; k < r->item_count; ++k)
    if (r->items == NULL || r->items[k].sku == NULL || r->items[k].qty == 0)
      return rf__error(&e->err, RF_EINVAL, "review: items: an item without a sku or quantity");
  if (r->decision < 0) return rf__error(&e->err, RF_EINVAL, "review: decision below 0");
  verdict v = {.e = e, .r = r};
  int rc = find_decision(&v);
  if (rc == 0) rc = make_room(&v);
  if (rc == 0) rc = find_target(&v);
  if (rc == 0) rc = tally(&v);
  if (rc == 0) rc = feasible(&v);
  if (rc == 0) {
    rf_time_us t = e->has_clock && e->clock > v.decided ? e->clock : v.decided;
    rc = apply(&v, t);
  }
  if (rc == 0) {
    e->stats.verdicts++;
    e->stats.taken++;
  }
  rf__free(&e->alloc, v.moves);
  rf__free(&e->alloc, v.scratch);
  return rc;
}
