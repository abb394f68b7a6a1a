#include "ledger.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "retailfuse/store.h"

void rf__ledger_init(rf__ledger *l, uint32_t products, const rf_allocator *alloc) {
  memset(l, 0, sizeof *l);
  l->alloc = *alloc;
  l->products = products;
  rf__idmap_init(&l->map);
}

void rf__ledger_free(rf__ledger *l) {
  const rf_allocator *a = &l->alloc;
  for (uint32_t c = 0; c < l->slots; ++c) {
    rf__free(a, l->carts[c].qty);
    rf__free(a, l->ids[c]);
    rf__track_free(&l->shoppers[c].track, a);
  }
  rf__idmap_free(&l->map, a);
  rf__free(a, l->ids);
  rf__free(a, l->shoppers);
  rf__free(a, l->carts);
  rf__free(a, l->free_slots);
  rf__free(a, l->waiting);
  rf__free(a, l->done);
}

int rf__ledger_find(const rf__ledger *l, const char *id, uint32_t *out, rf__errbuf *err) {
  if (id == NULL || id[0] == '\0') return rf__error(err, RF_EINVAL, "a shopper id is missing");
  if (rf__idmap_find(&l->map, id, out) == 0) return 0;
  return rf__error(err, RF_ENOTFOUND, "shopper '%s' has not entered", id);
}

/* Takes cart c off the list (in order: receipts due together go out in list order). */
static void drop_from(uint32_t *list, size_t *count, uint32_t c) {
  size_t keep = 0;
  for (size_t k = 0; k < *count; ++k)
    if (list[k] != c) list[keep++] = list[k];
  *count = keep;
}

/* Cart c starts afresh (a new visit) or is no more its own (it joined another): it waits for no
 * receipt, and no slot is released for it. */
static void forget_cart(rf__ledger *l, uint32_t c) {
  drop_from(l->waiting, &l->waiting_count, c);
  drop_from(l->done, &l->done_count, c);
}

/* Everything a new shopper needs, reserved before anything changes: a slot (a released one, or
 * a new one with its per-slot arrays grown), its cart's quantities, its id's copy. */
static int take_slot(rf__ledger *l, const char *id, uint32_t *out) {
  const rf_allocator *a = &l->alloc;
  uint32_t i = l->free_count > 0 ? l->free_slots[l->free_count - 1] : l->slots;
  int fresh = l->free_count == 0;
  if (fresh && l->slots == UINT32_MAX) return RF_ELIMIT;
  size_t n = (size_t)l->slots + 1;
  int64_t *qty = NULL;
  char *copy = NULL;
  if (fresh && (RF__RESERVE(a, l->ids, l->ids_cap, n) != 0 ||
                RF__RESERVE(a, l->shoppers, l->shopper_cap, n) != 0 ||
                RF__RESERVE(a, l->carts, l->cart_cap, n) != 0 ||
                RF__RESERVE(a, l->free_slots, l->free_cap, n) != 0 ||
                RF__RESERVE(a, l->waiting, l->waiting_cap, n) != 0 ||
                RF__RESERVE(a, l->done, l->done_cap, n) != 0 ||
                (qty = rf__calloc(a, (size_t)l->products + 1, sizeof *qty)) == NULL))
    return RF_ENOMEM;
  if (rf__idmap_reserve(&l->map, a, 1) != 0 || (copy = rf__strdup(a, id)) == NULL) {
    rf__free(a, qty);
    return RF_ENOMEM;
  }
  if (fresh) {
    l->carts[i].qty = qty;
    l->slots++;
  } else {
    l->free_count--;
    qty = l->carts[i].qty;
    memset(qty, 0, (size_t)l->products * sizeof *qty);
  }
  if (!fresh) forget_cart(l, i); /* (released only once off both lists; kept so) */
  /* A reused slot keeps its track's room for the next shopper; a fresh one has none yet. */
  rf__track track = {0};
  if (!fresh) track = l->shoppers[i].track;
  memset(&l->shoppers[i], 0, sizeof l->shoppers[i]);
  l->shoppers[i].track = track;
  rf__track_clear(&l->shoppers[i].track);
  memset(&l->carts[i], 0, sizeof l->carts[i]);
  l->carts[i].qty = qty;
  l->ids[i] = copy;
  rf__idmap_insert(&l->map, copy, i);
  *out = i;
  return 0;
}

/* Shopper i's cart, its own again and empty: a new visit. */
static void start_afresh(rf__ledger *l, uint32_t i) {
  forget_cart(l, i);
  l->shoppers[i].cart = i;
  l->shoppers[i].afresh = 1;
  rf__cart *cart = &l->carts[i];
  memset(cart->qty, 0, (size_t)l->products * sizeof *cart->qty);
  cart->receipted = cart->owner_left = cart->members_in = cart->has_exit = 0;
  cart->flagged = 0;
}

/* Owner i starts a new visit after the receipt of `receipt_t`: members of the old one who left
 * keep no place in it — each has a cart of their own to come back to — and their own visit
 * ended with that receipt: a closed cart, no candidate for a change, released in its time. */
static void release_members(rf__ledger *l, uint32_t i, rf_time_us receipt_t) {
  for (uint32_t s = 0; s < l->slots; ++s) {
    if (s == i || !l->shoppers[s].in_use || l->shoppers[s].cart != i || l->shoppers[s].present)
      continue;
    start_afresh(l, s);
    l->carts[s].receipted = 1;
    l->carts[s].receipt_t = receipt_t;
    l->done[l->done_count++] = s; /* room for every slot, reserved with it */
  }
}

int rf__ledger_enter(rf__ledger *l, const rf_shopper_rec *r, rf__errbuf *err) {
  uint32_t i;
  if (r->shopper == NULL || r->shopper[0] == '\0')
    return rf__error(err, RF_EINVAL, "enter: the shopper id is missing");
  if (rf__idmap_find(&l->map, r->shopper, &i) == 0) {
    if (l->shoppers[i].present)
      return rf__error(err, RF_EEXISTS, "shopper '%s' is already in the store", r->shopper);
    rf__cart *cart = &l->carts[l->shoppers[i].cart];
    if (cart->receipted || l->shoppers[i].staff) {
      /* A new visit after the receipt (or staff's, who hold nothing to go on with): a new,
       * empty cart of their own; and those who shopped into the old one and have not come back
       * are no members of the new one. */
      uint32_t old = l->shoppers[i].cart;
      int closed = cart->receipted;
      rf_time_us receipt_t = cart->receipt_t;
      start_afresh(l, i);
      if (old == i && closed) release_members(l, i, receipt_t);
      cart = &l->carts[i];
    }
    /* A new visit (after the receipt, the owner's new one, or staff's) takes the role it says;
     * back before the receipt, a shopper's visit goes on as a shopper's. */
    if (l->shoppers[i].afresh) l->shoppers[i].staff = r->staff != 0;
    l->shoppers[i].afresh = 0;
    l->shoppers[i].present = 1;
    l->shoppers[i].entered = r->t;
    if (l->shoppers[i].cart == i) cart->owner_left = 0; /* the owner is back */
    cart->members_in++;
    return 0;
  }
  int rc = take_slot(l, r->shopper, &i);
  if (rc != 0) return rf__error(err, rc, rc == RF_ENOMEM ? "out of memory" : "too many shoppers");
  l->shoppers[i].cart = i;
  l->shoppers[i].in_use = 1;
  l->shoppers[i].present = 1;
  l->shoppers[i].staff = r->staff != 0;
  l->shoppers[i].entered = r->t;
  l->carts[i].members_in = 1;
  return 0;
}

static int is_waiting(const rf__ledger *l, uint32_t cart) {
  for (size_t w = 0; w < l->waiting_count; ++w)
    if (l->waiting[w] == cart) return 1;
  return 0;
}

/* Cart c waits for its receipt once its owner and every member have left. Room was reserved at
 * enter: a cart waits at most once, and carts never outnumber shoppers. */
static void wait_if_done(rf__ledger *l, uint32_t c) {
  rf__cart *cart = &l->carts[c];
  if (cart->owner_left && cart->members_in == 0 && !cart->receipted && !is_waiting(l, c))
    l->waiting[l->waiting_count++] = c;
}

int rf__ledger_exit(rf__ledger *l, const rf_shopper_rec *r, rf__errbuf *err) {
  uint32_t i;
  int rc = rf__ledger_find(l, r->shopper, &i, err);
  if (rc != 0) return rc;
  if (!l->shoppers[i].present)
    return rf__error(err, RF_ERANGE, "shopper '%s' has already left", r->shopper);
  uint32_t c = l->shoppers[i].cart;
  rf__cart *cart = &l->carts[c];
  l->shoppers[i].present = 0;
  l->shoppers[i].left = r->t;
  cart->members_in--;
  if (!cart->has_exit || r->t > cart->last_exit) cart->last_exit = r->t;
  cart->has_exit = 1;
  if (c == i) cart->owner_left = 1;
  wait_if_done(l, c);
  return 0;
}

int rf__ledger_link(rf__ledger *l, const rf_link_rec *r, rf__errbuf *err) {
  uint32_t i, target;
  int rc;
  if ((rc = rf__ledger_find(l, r->shopper, &i, err)) != 0 ||
      (rc = rf__ledger_find(l, r->cart, &target, err)) != 0)
    return rc;
  uint32_t cart = l->shoppers[target].cart; /* joining a joiner joins the owner */
  if (cart == l->shoppers[i].cart) return 0;
  if (l->shoppers[i].cart == i) {
    /* i's own cart joins too: its items and anyone shopping into it move over, and it waits
     * for no receipt of its own any more. */
    forget_cart(l, i);
    for (uint32_t p = 0; p < l->products; ++p) {
      l->carts[cart].qty[p] += l->carts[i].qty[p];
      l->carts[i].qty[p] = 0;
    }
    l->carts[cart].flagged += l->carts[i].flagged;
    l->carts[i].flagged = 0;
    for (uint32_t s = 0; s < l->slots; ++s) {
      if (s == i || !l->shoppers[s].in_use || l->shoppers[s].cart != i) continue;
      l->shoppers[s].cart = cart;
      if (l->shoppers[s].present) {
        l->carts[i].members_in--;
        l->carts[cart].members_in++;
      }
    }
  }
  if (l->shoppers[i].present) {
    uint32_t left = l->shoppers[i].cart;
    l->carts[left].members_in--;
    l->carts[cart].members_in++;
    if (left != i) wait_if_done(l, left); /* the last one in a cart whose owner left: done */
  }
  l->shoppers[i].cart = cart;
  return 0;
}

int rf__ledger_position_of(rf__ledger *l, uint32_t i, const rf_position_rec *r,
                           rf_time_us keep_since, rf__errbuf *err) {
  if (!isfinite(r->x) || !isfinite(r->y)) return rf__error(err, RF_EINVAL, "position: not finite");
  const rf__fix fix = {r->t, r->x, r->y};
  if (rf__track_add(&l->shoppers[i].track, &l->alloc, &fix, keep_since) != 0)
    return rf__error(err, RF_ENOMEM, "out of memory");
  return 0;
}

int rf__ledger_reserve_swap(rf__ledger *l, uint32_t a, uint32_t b) {
  return rf__track_reserve_swap(&l->shoppers[a].track, &l->shoppers[b].track, &l->alloc);
}

void rf__ledger_swap_tracks(rf__ledger *l, uint32_t a, uint32_t b, rf_time_us t0, rf_time_us t1) {
  rf__track_swap(&l->shoppers[a].track, &l->shoppers[b].track, t0, t1);
}

int rf__ledger_fix_near(const rf__ledger *l, uint32_t s, rf_time_us t, rf_time_us not_before,
                        rf_time_us not_after, rf__fix *out) {
  const rf__track *tr = &l->shoppers[s].track;
  int best = -1;
  rf_time_us best_gap = 0;
  for (int k = 0; k < tr->count; ++k) {
    const rf__fix *f = rf__track_at(tr, k);
    if (f->t > not_after || f->t < not_before) continue;
    rf_time_us gap = f->t > t ? f->t - t : t - f->t;
    if (best < 0 || gap <= best_gap) { /* ties: the later fix */
      best = k;
      best_gap = gap;
    }
  }
  if (best < 0) return RF_ENOTFOUND;
  *out = *rf__track_at(tr, best);
  return 0;
}

/* The waiting carts in the order their receipts fall due (last exit, then cart), so receipts go
 * out in that order whatever order the exits came in. Few wait at once: an insertion sort. */
static void sort_waiting(rf__ledger *l) {
  for (size_t k = 1; k < l->waiting_count; ++k) {
    uint32_t c = l->waiting[k];
    size_t j = k;
    while (j > 0) {
      const rf__cart *p = &l->carts[l->waiting[j - 1]], *q = &l->carts[c];
      if (p->last_exit < q->last_exit || (p->last_exit == q->last_exit && l->waiting[j - 1] < c))
        break;
      l->waiting[j] = l->waiting[j - 1];
      --j;
    }
    l->waiting[j] = c;
  }
}

int rf__ledger_receipts(rf__ledger *l, rf_time_us clock, rf_time_us wait, rf_time_us first_open_t0,
                        int everything, rf__receipt_fn emit, void *payload) {
  int rc = 0;
  sort_waiting(l);
  size_t still = 0;
  for (size_t w = 0; w < l->waiting_count; ++w) {
    uint32_t c = l->waiting[w];
    rf__cart *cart = &l->carts[c];
    if (cart->members_in > 0 || cart->receipted) continue; /* back in the store, or done */
    rf_time_us due = cart->last_exit + wait;
    if (rc == 0 && (everything || (due <= clock && first_open_t0 > cart->last_exit))) {
      rc = emit(c, due, payload);
      if (rc == 0) {
        cart->receipted = 1;
        cart->receipt_t = due;
        l->done[l->done_count++] = c; /* reserved at enter, as waiting */
      }
    }
    if (!cart->receipted) l->waiting[still++] = c;
  }
  l->waiting_count = still;
  return rc;
}

/* Whether nothing refers to cart c and the shoppers who shopped into it any more. */
static int releasable(const rf__ledger *l, uint32_t c, rf__slot_used_fn still_used, void *payload) {
  if (still_used && still_used(c, payload)) return 0;
  for (uint32_t s = 0; s < l->slots; ++s) {
    if (!l->shoppers[s].in_use || l->shoppers[s].cart != c) continue;
    if (l->shoppers[s].present || (still_used && still_used(s, payload))) return 0;
  }
  return 1;
}

void rf__ledger_release(rf__ledger *l, rf_time_us clock, rf_time_us after,
                        rf__slot_used_fn still_used, void *payload) {
  size_t keep = 0;
  for (size_t d = 0; d < l->done_count; ++d) {
    uint32_t c = l->done[d];
    if (clock - l->carts[c].receipt_t < after || !releasable(l, c, still_used, payload)) {
      l->done[keep++] = c;
      continue;
    }
    for (uint32_t s = 0; s < l->slots; ++s) {
      if (!l->shoppers[s].in_use || l->shoppers[s].cart != c) continue;
      rf__idmap_remove(&l->map, l->ids[s]);
      rf__free(&l->alloc, l->ids[s]);
      l->ids[s] = NULL;
      rf__track track = l->shoppers[s].track;
      memset(&l->shoppers[s], 0, sizeof l->shoppers[s]);
      l->shoppers[s].track = track;
      rf__track_clear(&l->shoppers[s].track);
      l->shoppers[s].cart = s;
      l->free_slots[l->free_count++] = s; /* room for every slot, reserved with it */
    }
  }
  l->done_count = keep;
}

size_t rf__ledger_items(const rf__ledger *l, uint32_t cart, const rf_store *store,
                        rf_item_qty *items) {
  size_t n = 0;
  const int64_t *qty = l->carts[cart].qty;
  for (uint32_t p = 0; p < l->products; ++p) {
    if (qty[p] <= 0) continue;
    rf_product_def def;
    rf_store_product(store, p, &def);
    items[n].sku = def.sku;
    items[n].qty = qty[p];
    ++n;
  }
  return n;
}
