/* Announced restocks, matched to the changes they made: restock.h. */
#include "restock.h"

#include <math.h>
#include <string.h>

#include "calibrate.h"
#include "core/alloc.h"
#include "retailfuse/status.h"
#include "terms.h"

/* A change reads as k items when it is within this many sds of k items' weight, plus this
 * share of it (the catalogue's weights may be off before the calibration has learned them). */
#define FIT_SDS 4.0
#define FIT_SHARE 0.03

/* Whether a goes after b: by end, then start, shelf, product and quantity — so announcements
 * that end together are tried in the same order however they arrived. */
static int after(const f_restock *a, const f_restock *b) {
  if (a->t1 != b->t1) return a->t1 > b->t1;
  if (a->t0 != b->t0) return a->t0 > b->t0;
  if (a->shelf != b->shelf) return a->shelf > b->shelf;
  if (a->product != b->product) return a->product > b->product;
  return a->qty > b->qty;
}

int rf__take_restock(rf_engine *e, const rf_restock_rec *r) {
  if (RF__RESERVE(&e->alloc, e->restocks, e->restock_cap, e->restock_count + 1) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  f_restock k;
  memset(&k, 0, sizeof k);
  rf_store_find_shelf(e->store, r->shelf, &k.shelf);
  rf_store_find_product(e->store, r->sku, &k.product);
  k.t0 = r->t0;
  k.t1 = r->t1;
  k.qty = k.left = r->qty;
  /* In the order of their ends, so the same announcements match the same changes however
   * they arrived. */
  size_t at = e->restock_count;
  while (at > 0 && after(&e->restocks[at - 1], &k)) --at;
  memmove(e->restocks + at + 1, e->restocks + at, (e->restock_count - at) * sizeof k);
  e->restocks[at] = k;
  e->restock_count++;
  return 0;
}

/* How many of restock k's items change c reads as: 1.. its unmatched ones, or 0. */
static int64_t items_in(const rf_engine *e, const f_restock *k, const f_change *c) {
  const int64_t left = k->left - k->held;
  if (k->shelf != c->shelf || left == 0 || (left > 0) != (c->total > 0)) return 0;
  if (c->t0 > k->t1 + RF__RESTOCK_MARGIN_US || c->t1 < k->t0 - RF__RESTOCK_MARGIN_US) return 0;
  double w, sd;
  rf__product_weight(e, k->product, &w, &sd);
  const double total = fabs(c->total);
  const int64_t n = llround(total / w), most = left > 0 ? left : -left;
  if (n < 1 || n > most) return 0;
  const double sigma = rf__noise_of(e, c->shelf);
  const double var = (double)c->reported * sigma * sigma + (double)n * sd * sd;
  return fabs(total - (double)n * w) <= FIT_SDS * sqrt(var) + FIT_SHARE * (double)n * w ? n : 0;
}

int rf__restock_decide(rf_engine *e, const f_change *c) {
  for (size_t i = 0; i < e->restock_count; ++i) {
    f_restock *k = &e->restocks[i];
    int64_t n = items_in(e, k, c);
    if (n == 0) continue;
    if (rf__teach_items(e, c, k->product, n, 1.0) != 0) return RF_ENOMEM;
    k->held += k->left > 0 ? n : -n;
    return 1;
  }
  return 0;
}

void rf__restocks_commit(rf_engine *e) {
  for (size_t i = 0; i < e->restock_count; ++i) {
    e->restocks[i].left -= e->restocks[i].held;
    e->restocks[i].held = 0;
  }
}

void rf__restocks_unstage(rf_engine *e) {
  for (size_t i = 0; i < e->restock_count; ++i) e->restocks[i].held = 0;
}

void rf__restocks_forget(rf_engine *e, rf_time_us decided_at) {
  /* A change that could still match began before the announcement's end (and margin), and is
   * decided at its own end and wait, after this batch's: allow it LATENESS_S and half a minute
   * more. Measured from the batch, not the clock, which jumps as the sources' records come. */
  const rf_time_us before = decided_at - rf__param_us(e, RF_PARAM_WAIT_S) -
                            rf__param_us(e, RF_PARAM_LATENESS_S) - 30000000 - RF__RESTOCK_MARGIN_US;
  size_t kept = 0;
  for (size_t i = 0; i < e->restock_count; ++i)
    if (e->restocks[i].t1 >= before && e->restocks[i].left != 0)
      e->restocks[kept++] = e->restocks[i];
  e->restock_count = kept;
}
