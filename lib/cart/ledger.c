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
  rf__names_init(&l->ids);
}

void rf__ledger_free(rf__ledger *l) {
  const rf_allocator *a = &l->alloc;
  for (uint32_t c = 0; c < l->ids.count; ++c) rf__free(a, l->carts[c].qty);
  rf__names_free(&l->ids, a);
  rf__free(a, l->shoppers);
  rf__free(a, l->carts);
  rf__free(a, l->waiting);
}

int rf__ledger_find(const rf__ledger *l, const char *id, uint32_t *out, rf__errbuf *err) {
  if (id == NULL || id[0] == '\0') return rf__error(err, RF_EINVAL, "a shopper id is missing");
  if (rf__names_find(&l->ids, id, out) == 0) return 0;
  return rf__error(err, RF_ENOTFOUND, "shopper '%s' has not entered", id);
}

int rf__ledger_enter(rf__ledger *l, const rf_shopper_rec *r, rf__errbuf *err) {
  uint32_t i;
  if (r->shopper == NULL || r->shopper[0] == '\0')
    return rf__error(err, RF_EINVAL, "enter: the shopper id is missing");
  if (rf__names_find(&l->ids, r->shopper, &i) == 0) {
    if (l->shoppers[i].present)
      return rf__error(err, RF_EEXISTS, "shopper '%s' is already in the store", r->shopper);
    rf__cart *cart = &l->carts[l->shoppers[i].cart];
    if (cart->receipted) {
      /* A new visit after the receipt: a new, empty cart of their own. */
      l->shoppers[i].cart = i;
      cart = &l->carts[i];
      memset(cart->qty, 0, (size_t)l->products * sizeof *cart->qty);
      cart->receipted = cart->owner_left = cart->members_in = 0;
      cart->flagged = 0;
    }
    l->shoppers[i].present = 1;
    l->shoppers[i].entered = r->t;
    cart->members_in++;
    return 0;
  }
  size_t n = l->ids.count;
  int64_t *qty = NULL;
  if (RF__RESERVE(&l->alloc, l->shoppers, l->shopper_cap, n + 1) != 0 ||
      RF__RESERVE(&l->alloc, l->carts, l->cart_cap, n + 1) != 0 ||
      RF__RESERVE(&l->alloc, l->waiting, l->waiting_cap, n + 1) != 0 ||
      (qty = rf__calloc(&l->alloc, (size_t)l->products + 1, sizeof *qty)) == NULL)
    return rf__error(err, RF_ENOMEM, "out of memory");
  if (rf__names_intern(&l->ids, &l->alloc, r->shopper, &i, NULL) != 0) {
    rf__free(&l->alloc, qty);
    return rf__error(err, RF_ENOMEM, "out of memory");
  }
  memset(&l->shoppers[i], 0, sizeof l->shoppers[i]);
  l->shoppers[i].cart = i;
  l->shoppers[i].present = 1;
  l->shoppers[i].entered = r->t;
  memset(&l->carts[i], 0, sizeof l->carts[i]);
  l->carts[i].qty = qty;
  l->carts[i].members_in = 1;
  return 0;
}

static int is_waiting(const rf__ledger *l, uint32_t cart) {
  for (size_t w = 0; w < l->waiting_count; ++w)
    if (l->waiting[w] == cart) return 1;
  return 0;
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
  if (r->t > cart->last_exit) cart->last_exit = r->t;
  if (c == i) cart->owner_left = 1;
  /* Reserved at enter: a cart waits at most once, and carts never outnumber shoppers. */
  if (cart->owner_left && cart->members_in == 0 && !cart->receipted && !is_waiting(l, c))
    l->waiting[l->waiting_count++] = c;
  return 0;
}

int rf__ledger_link(rf__ledger *l, const rf_link_rec *r, rf__errbuf *err) {
  uint32_t i, target;
  int rc;
  if ((rc = rf__ledger_find(l, r->shopper, &i, err)) != 0 ||
      (rc = rf__ledger_find(l, r->cart, &target, err)) != 0)
    return rc;
  uint32_t cart = l->shoppers[target].cart;  /* joining a joiner joins the owner */
  if (cart == l->shoppers[i].cart) return 0;
  if (l->shoppers[i].cart == i) {
    /* i's own cart joins too: its items and anyone shopping into it move over. */
    for (uint32_t p = 0; p < l->products; ++p) {
      l->carts[cart].qty[p] += l->carts[i].qty[p];
      l->carts[i].qty[p] = 0;
    }
    l->carts[cart].flagged += l->carts[i].flagged;
    l->carts[i].flagged = 0;
    for (uint32_t s = 0; s < l->ids.count; ++s) {
      if (s == i || l->shoppers[s].cart != i) continue;
      l->shoppers[s].cart = cart;
      if (l->shoppers[s].present) {
        l->carts[i].members_in--;
        l->carts[cart].members_in++;
      }
    }
  }
  if (l->shoppers[i].present) {
    l->carts[l->shoppers[i].cart].members_in--;
    l->carts[cart].members_in++;
  }
  l->shoppers[i].cart = cart;
  return 0;
}

int rf__ledger_position(rf__ledger *l, const rf_position_rec *r, rf__errbuf *err) {
  uint32_t i;
  int rc = rf__ledger_find(l, r->shopper, &i, err);
  if (rc != 0) return rc;
  if (!isfinite(r->x) || !isfinite(r->y))
    return rf__error(err, RF_EINVAL, "position: not finite");
  l->shoppers[i].has_pos = 1;
  l->shoppers[i].px = r->x;
  l->shoppers[i].py = r->y;
  l->shoppers[i].pos_t = r->t;
  return 0;
}

int rf__ledger_receipts(rf__ledger *l, rf_time_us clock, rf_time_us wait, rf_time_us first_open_t0,
                        int everything, rf__receipt_fn emit, void *payload) {
  int rc = 0;
  size_t still = 0;
  for (size_t w = 0; w < l->waiting_count; ++w) {
    uint32_t c = l->waiting[w];
    rf__cart *cart = &l->carts[c];
    if (cart->members_in > 0 || cart->receipted) continue;  /* back in the store, or done */
    rf_time_us due = cart->last_exit + wait;
    if (rc == 0 && (everything || (due <= clock && first_open_t0 > cart->last_exit))) {
      rc = emit(c, due, payload);
      if (rc == 0) cart->receipted = 1;
    }
    if (!cart->receipted) l->waiting[still++] = c;
  }
  l->waiting_count = still;
  return rc;
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
