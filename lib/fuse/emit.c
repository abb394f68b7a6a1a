/* The engine's output: diffs and receipts as records, through the queue or the host's callback,
 * each diff booked into the ledger as it goes out. */
#include "emit.h"

#include "explain.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"

static void to_record(rf_engine *e, const f_out *o, rf_record *rec) {
  memset(rec, 0, sizeof *rec);
  if (o->explain != NULL) {
    rec->type = RF_RECORD_EXPLAIN;
    rec->u.explain = *rf__explain_record(o->explain);
    return;
  }
  if (o->is_receipt) {
    rec->type = RF_RECORD_RECEIPT;
    rec->u.receipt.has_t = 1;
    rec->u.receipt.t = o->t;
    rec->u.receipt.shopper = o->who != NULL ? o->who : rf__ledger_id(&e->ledger, o->cart);
    rec->u.receipt.amends = o->amends;
    memcpy(e->poll_items, e->item_pool + o->first_item, o->item_count * sizeof *e->poll_items);
    rec->u.receipt.items = e->poll_items;
    rec->u.receipt.item_count = o->item_count;
    rec->u.receipt.review = o->review;
    return;
  }
  rf_product_def p;
  rf_store_product(e->store, o->product, &p);
  rec->type = RF_RECORD_DIFF;
  rec->u.diff.seq = o->seq;
  rec->u.diff.t = o->t;
  rec->u.diff.shopper = rf__ledger_id(&e->ledger, o->cart);
  rec->u.diff.sku = p.sku;
  rec->u.diff.qty = o->qty;
  rec->u.diff.conf = o->conf;
  rec->u.diff.review = o->review;
  rec->u.diff.event = o->event;
  rec->u.diff.has_corrects = o->has_corrects;
  rec->u.diff.corrects = o->corrects;
  rec->u.diff.has_reviews = o->has_reviews;
  rec->u.diff.reviews = o->reviews;
}

int rf__emit_reserve(rf_engine *e, size_t count) {
  if (rf__book_reserve(&e->book, &e->alloc, count) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  if (e->output != NULL) return 0;
  if (e->out_count == 0) e->out_head = 0;
  if (RF__RESERVE(&e->alloc, e->out, e->out_cap, e->out_head + e->out_count + count) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  return 0;
}

/* Queues o (room reserved by the caller), or hands it to the callback at once. The callback's
 * complaint does not stop the engine (what it was handed stands): the call that made the record
 * returns the first one. */
static void emit(rf_engine *e, const f_out *o) {
  if (e->output != NULL) {
    rf_record rec;
    to_record(e, o, &rec);
    int rc = e->output(&rec, e->payload);
    if (rc != 0 && e->output_rc == 0) e->output_rc = rc;
    if (o->is_receipt) e->item_len = o->first_item; /* the items were only needed for the call */
    if (o->explain != NULL) rf__explain_free(e, o->explain);
    return;
  }
  if (e->out_count == 0) e->out_head = 0;
  e->out[e->out_head + e->out_count++] = *o;
}

int rf__emit_next(rf_engine *e, rf_record *out) {
  rf__explain_free(e, e->polled_explain); /* valid until this call */
  e->polled_explain = NULL;
  if (e->out_count == 0) {
    e->item_len = 0;
    return RF_ITEROVER;
  }
  e->polled_explain = e->out[e->out_head].explain;
  to_record(e, &e->out[e->out_head++], out);
  e->out_count--;
  return 0;
}

int rf__emit_explain(rf_engine *e, f_explain *x) {
  if (rf__emit_reserve(e, 1) != 0) return RF_ENOMEM;
  f_out o;
  memset(&o, 0, sizeof o);
  o.explain = x;
  emit(e, &o);
  return 0;
}

int rf__emit_names(const rf_engine *e, uint32_t cart) {
  for (size_t o = e->out_head; o < e->out_head + e->out_count; ++o)
    if (e->out[o].cart == cart) return 1;
  return 0;
}

int rf__emit_flags_review(const rf_engine *e, double conf) {
  return round(conf * 1e4) / 1e4 < e->param[RF_PARAM_REVIEW_BELOW];
}

int rf__emit_diff(rf_engine *e, int64_t event, uint32_t cart, uint32_t product, int64_t qty,
                  double conf, rf_time_us t, int64_t corrects, int64_t *seq) {
  if (rf__ledger_staff_cart(&e->ledger, cart)) {
    /* Staff restocking or tidying: nobody's purchase, so no diff (and nothing to correct). */
    if (seq) *seq = -1;
    e->stats.staff_moves += qty < 0 ? (uint64_t)-qty : (uint64_t)qty;
    return 0;
  }
  rf__ledger_add(&e->ledger, cart, product, qty);
  f_out o;
  memset(&o, 0, sizeof o);
  o.seq = e->next_seq++;
  f_entry entry = {.seq = o.seq,
                   .event = event,
                   .visit = rf__book_slot(&e->book, cart),
                   .product = product,
                   .qty = qty,
                   .t = t};
  o.event = event;
  o.qty = qty;
  o.t = t;
  o.cart = cart;
  o.product = product;
  /* A change resting on a faulty plate is trusted half as much. */
  if (e->deciding_faulty) conf *= 0.5;
  o.conf = round(conf * 1e4) / 1e4; /* four decimals say all a confidence can */
  o.review = rf__emit_flags_review(e, conf);
  if (o.review && corrects < 0) rf__ledger_flag(&e->ledger, cart);
  o.has_corrects = corrects >= 0;
  o.corrects = corrects;
  e->stats.diffs++;
  e->stats.reviews += (uint64_t)o.review;
  e->stats.corrections += (uint64_t)o.has_corrects;
  if (seq) *seq = o.seq;
  if (!o.has_corrects) rf__explain_note_diff(e, &o);
  entry.kind = event == RF__MOVE_EVENT ? F_ENTRY_MOVE
               : corrects < 0          ? F_ENTRY_ORIGINAL
               : qty < 0               ? F_ENTRY_UNDO
                                       : F_ENTRY_REDO;
  entry.review = (uint8_t)o.review;
  rf__book_add(&e->book, &entry, corrects);
  emit(e, &o);
  return 0;
}

int rf__emit_link_moves(rf_engine *e, uint32_t who, uint32_t into, rf_time_us t) {
  uint32_t target = rf__ledger_cart_of(&e->ledger, into);
  /* Only an own cart moves: one who shops into another's has nothing of their own. */
  if (rf__ledger_cart_of(&e->ledger, who) == who && target != who) {
    const int64_t *qty = rf__ledger_qty(&e->ledger, who);
    size_t moves = 0;
    for (uint32_t p = 0; p < e->products; ++p) moves += qty[p] != 0;
    if (rf__emit_reserve(e, 2 * moves) != 0) return RF_ENOMEM;
    for (uint32_t p = 0; p < e->products; ++p) {
      int64_t q = qty[p];
      if (q == 0) continue;
      rf__emit_diff(e, RF__MOVE_EVENT, who, p, -q, 1.0, t, -1, NULL);
      rf__emit_diff(e, RF__MOVE_EVENT, target, p, q, 1.0, t, -1, NULL);
    }
  }
  /* The book follows the joiner's visit into the cart joined (a member moving on too). */
  f_visit *joiner = rf__book_visit(&e->book, rf__book_slot(&e->book, who));
  if (joiner != NULL && target != who) joiner->merged_into = rf__book_slot(&e->book, target);
  return 0;
}

/* The book keeps what the receipt bills, for amending it (the items' room as scratch). */
static int book_receipt(rf_engine *e, f_visit *v, uint32_t cart, rf_time_us t) {
  const int64_t *qty = rf__ledger_qty(&e->ledger, cart);
  size_t n = 0;
  for (uint32_t p = 0; p < e->products; ++p) n += qty[p] > 0;
  f_held *held = rf__malloc(&e->alloc, (n + 1) * sizeof *held);
  if (held == NULL) return RF_ENOMEM;
  n = 0;
  for (uint32_t p = 0; p < e->products; ++p)
    if (qty[p] > 0) held[n++] = (f_held){p, qty[p]};
  int rc = rf__book_receipt(&e->book, &e->alloc, v, t, held, n);
  rf__free(&e->alloc, held);
  return rc;
}

int rf__emit_receipt(uint32_t cart, rf_time_us t, void *payload) {
  rf_engine *e = payload;
  f_visit *v = rf__book_visit(&e->book, rf__book_slot(&e->book, cart));
  if (rf__ledger_staff_cart(&e->ledger, cart)) /* staff get no receipt, and nothing to review */
    return v != NULL ? rf__book_receipt(&e->book, &e->alloc, v, t, NULL, 0) : 0;
  if (RF__RESERVE(&e->alloc, e->item_pool, e->item_cap, e->item_len + e->products + 1) != 0 ||
      rf__emit_reserve(e, 1) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  f_out o;
  memset(&o, 0, sizeof o);
  o.is_receipt = 1;
  o.t = t;
  o.cart = cart;
  o.first_item = e->item_len;
  o.review = rf__ledger_flagged(&e->ledger, cart);
  if (v != NULL && book_receipt(e, v, cart, t) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  o.item_count = rf__ledger_items(&e->ledger, cart, e->store, e->item_pool + e->item_len);
  e->item_len += o.item_count;
  e->stats.receipts++;
  /* A receipt is final: the takes it bills are corrected no more (the same id entering again
   * starts a new visit, and must not pay for the old one's corrections). */
  for (size_t i = 0; i < e->decision_count; ++i)
    if (rf__ledger_cart_of(&e->ledger, e->decisions[i].cart) == cart) e->decisions[i].corrected = 1;
  emit(e, &o);
  return 0;
}

void rf__emit_verdict_diff(rf_engine *e, int64_t event, uint32_t cart, uint32_t product,
                           int64_t qty, rf_time_us t, int64_t decision) {
  rf__ledger_add(&e->ledger, cart, product, qty);
  f_out o;
  memset(&o, 0, sizeof o);
  o.seq = e->next_seq++;
  o.event = event;
  o.qty = qty;
  o.t = t;
  o.cart = cart;
  o.product = product;
  o.conf = 1.0;
  o.has_reviews = 1;
  o.reviews = decision;
  e->stats.diffs++;
  f_entry entry = {.seq = o.seq,
                   .event = event,
                   .visit = rf__book_slot(&e->book, cart),
                   .product = product,
                   .qty = qty,
                   .t = t,
                   .kind = F_ENTRY_VERDICT};
  rf__book_add(&e->book, &entry, -1);
  emit(e, &o);
}

void rf__emit_amended_receipt(rf_engine *e, const f_visit *v, int review, int64_t *qty) {
  f_out o;
  memset(&o, 0, sizeof o);
  o.is_receipt = 1;
  o.amends = 1;
  o.t = v->receipt_t;
  o.who = v->owner;
  o.first_item = e->item_len;
  o.review = review;
  /* The receipt, then the amendments since: one pass over the book, not one per product. */
  memset(qty, 0, (size_t)e->products * sizeof *qty);
  for (size_t i = 0; i < v->receipt_count; ++i) qty[v->receipt[i].product] += v->receipt[i].qty;
  for (size_t i = 0; i < e->book.count; ++i) {
    const f_entry *x = &e->book.entries[i];
    if (x->kind == F_ENTRY_AMEND && x->visit == v->id) qty[x->product] += x->qty;
  }
  for (uint32_t p = 0; p < e->products; ++p) {
    if (qty[p] <= 0) continue;
    rf_product_def def;
    rf_store_product(e->store, p, &def);
    e->item_pool[e->item_len + o.item_count++] = (rf_item_qty){def.sku, qty[p]};
  }
  e->item_len += o.item_count;
  e->stats.receipts++;
  emit(e, &o);
}
