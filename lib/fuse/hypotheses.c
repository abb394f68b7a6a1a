/* What a change could have been: take and put-back hypotheses with their likelihoods (terms.h
 * gives the terms), and the grouping of hypotheses into decisions. */
#include "hypotheses.h"

#include <string.h>

static void add(f_what *list, size_t *count, const f_what *w) {
  if (*count < RF__MAX_WHAT) list[(*count)++] = *w;
}

/* A hypothesis of `parts` items (products p[], quantities q[]) with no loose spot and no
 * earlier decision behind it. */
static f_what what_of(int parts, const uint32_t *p, const int64_t *q) {
  f_what w;
  memset(&w, 0, sizeof w);
  w.parts = parts;
  for (int k = 0; k < parts; ++k) {
    w.product[k] = p[k];
    w.qty[k] = q[k];
  }
  w.loose = -1;
  w.decision = w.alt = -1;
  return w;
}

/* How well q items of a product (unit weight, spread sd) on the spans `on` fit the change. */
static double items_fit(const f_change *c, const f_spans *on, int64_t q, double unit, double sd) {
  double weight = (double)q * unit, var = (double)q * sd * sd;
  return rf__fit_weights(c, on, &weight, &var);
}

/* q items of facing f (product p) for q up to `most`. */
static void add_facing_takes(const rf_engine *e, const f_change *c, const rf_facing_def *f,
                             uint32_t p, int64_t most, f_hyps *s) {
  double unit, sd;
  rf__product_weight(e, p, &unit, &sd);
  f_spans on;
  rf__spans_of(e, c, &f->x0, &f->x1, 1, &on);
  for (int64_t q = 1; q <= most; ++q) {
    f_what w = what_of(1, &p, &q);
    w.logl = items_fit(c, &on, q, unit, sd) + rf__quantity_prior(q);
    w.lo = f->x0;
    w.hi = f->x1;
    add(s->takes, &s->take_count, &w);
  }
}

/* Items of two neighbouring facings f (product p) and f2 (p2) in one reach. (Any two facings
 * were tried: more hypotheses confused more single takes than they explained; measured with
 * bench/run-accuracy.) */
static void add_pair_takes(const rf_engine *e, const f_change *c, const rf_facing_def *f,
                           uint32_t p, const rf_facing_def *f2, uint32_t p2, int64_t most,
                           f_hyps *s) {
  double unit, sd, unit2, sd2;
  rf__product_weight(e, p, &unit, &sd);
  rf__product_weight(e, p2, &unit2, &sd2);
  double lo[2] = {f->x0, f2->x0}, hi[2] = {f->x1, f2->x1};
  double prior = log(RF__TWO_FACING_PRIOR);
  const uint32_t products[2] = {p, p2};
  f_spans on;
  rf__spans_of(e, c, lo, hi, 2, &on);
  for (int64_t q1 = 1; q1 < most; ++q1)
    for (int64_t q2 = 1; q1 + q2 <= most; ++q2) {
      const int64_t qs[2] = {q1, q2};
      f_what w = what_of(2, products, qs);
      double weights[2] = {(double)q1 * unit, (double)q2 * unit2};
      double vars[2] = {(double)q1 * sd * sd, (double)q2 * sd2 * sd2};
      w.logl = rf__fit_weights(c, &on, weights, vars) + prior + rf__quantity_prior(q1 + q2);
      w.lo = fmin(f->x0, f2->x0);
      w.hi = fmax(f->x1, f2->x1);
      add(s->takes, &s->take_count, &w);
    }
}

/* Items lying loose on the change's shelf where someone left them. */
static void add_loose_takes(const rf_engine *e, const f_change *c, int64_t most, f_hyps *s) {
  for (size_t l = 0; l < e->loose_count; ++l) {
    const f_loose *lo = &e->loose[l];
    if (lo->shelf != c->shelf || lo->count <= 0) continue;
    double unit, sd, span_lo = lo->x - RF__LOOSE_HALF_WIDTH, span_hi = lo->x + RF__LOOSE_HALF_WIDTH;
    rf__product_weight(e, lo->product, &unit, &sd);
    f_spans on;
    rf__spans_of(e, c, &span_lo, &span_hi, 1, &on);
    for (int64_t q = 1; q <= lo->count && q <= most; ++q) {
      f_what w = what_of(1, &lo->product, &q);
      w.loose = (int)l;
      w.lo = span_lo;
      w.hi = span_hi;
      w.logl = items_fit(c, &on, q, unit, sd) + rf__quantity_prior(q) + log(RF__LOOSE_TAKE_PRIOR);
      add(s->takes, &s->take_count, &w);
    }
  }
}

void rf__enumerate_takes(const rf_engine *e, const f_change *c, f_hyps *s) {
  s->takes_of = NULL;
  s->take_count = 0;
  s->take_logl = -INFINITY;
  if (c->total >= 0) return;
  const int64_t most = (int64_t)e->param[RF_PARAM_MAX_ITEMS];
  const uint32_t *fac;
  size_t nf;
  rf_store_shelf_facings(e->store, c->shelf, &fac, &nf);
  for (size_t i = 0; i < nf; ++i) {
    rf_facing_def f;
    rf_store_facing(e->store, fac[i], &f);
    add_facing_takes(e, c, &f, e->facing_product[fac[i]], most, s);
    if (i + 1 < nf) {
      rf_facing_def f2;
      rf_store_facing(e->store, fac[i + 1], &f2);
      add_pair_takes(e, c, &f, e->facing_product[fac[i]], &f2, e->facing_product[fac[i + 1]], most,
                     s);
    }
  }
  add_loose_takes(e, c, most, s);
  for (size_t i = 0; i < s->take_count; ++i)
    s->take_logl = rf__logsumexp_add(s->take_logl, s->takes[i].logl);
}

void rf__takes_of(const rf_engine *e, const f_change *c, f_hyps *s) {
  if (s->takes_of == c && s->loose_seen == e->loose_version) return;
  rf__enumerate_takes(e, c, s);
  s->takes_of = c;
  s->loose_seen = e->loose_version;
}

/* The hypotheses of putting back q items of product p: home to its facing, or left here;
 * `prior` is added to each (an item not in the cart is costlier). */
static void add_puts(const rf_engine *e, const f_change *c, uint32_t p, int64_t max_q, double prior,
                     int decision, int alt, f_hyps *s) {
  const int64_t most = (int64_t)e->param[RF_PARAM_MAX_ITEMS];
  const double misplace = e->param[RF_PARAM_MISPLACE_PRIOR];
  double unit, sd;
  rf__product_weight(e, p, &unit, &sd);
  int32_t home = e->product_facing[p];
  rf_facing_def f;
  int home_here = 0;
  if (home >= 0) {
    rf_store_facing(e->store, (uint32_t)home, &f);
    uint32_t shelf;
    home_here = rf_store_find_shelf(e->store, f.shelf, &shelf) == 0 && shelf == c->shelf;
  }
  f_spans at_home, here;
  double here_lo = c->center_x - RF__LOOSE_HALF_WIDTH, here_hi = c->center_x + RF__LOOSE_HALF_WIDTH;
  if (home_here) rf__spans_of(e, c, &f.x0, &f.x1, 1, &at_home);
  rf__spans_of(e, c, &here_lo, &here_hi, 1, &here);
  for (int64_t q = 1; q <= max_q && q <= most; ++q) {
    f_what w = what_of(1, &p, &q);
    w.decision = decision;
    w.alt = alt;
    if (home_here) {
      w.logl = items_fit(c, &at_home, q, unit, sd) + log1p(-misplace) + rf__quantity_prior(q) +
               prior;
      add(s->puts, &s->put_count, &w);
    }
    w.misplaced = 1;
    w.logl = items_fit(c, &here, q, unit, sd) + log(misplace > 0 ? misplace : 1e-12) +
             rf__quantity_prior(q) + prior;
    add(s->puts, &s->put_count, &w);
  }
}

int rf__correctable(const rf_engine *e, const f_decision *d, uint32_t into) {
  const rf__ledger *l = &e->ledger;
  uint32_t from = rf__ledger_cart_of(l, d->cart); /* where the items are now (links move them) */
  /* Nor into staff's cart: a correction is an undo and a redo, and staff get no diffs. */
  return !d->corrected && !rf__ledger_receipted(l, from) && !rf__ledger_receipted(l, into) &&
         !rf__ledger_staff_cart(l, into) && rf__ledger_qty(l, from)[d->product[0]] >= d->qty[0];
}

/* Staff restocking: up to RF__RESTOCK_MOST items of a facing of this shelf put on it. Staff carry
 * stock, not a cart, so any facing's product, any count, equally likely. */
static void add_restocks(const rf_engine *e, const f_change *c, f_hyps *s) {
  const uint32_t *fac;
  size_t nf;
  rf_store_shelf_facings(e->store, c->shelf, &fac, &nf);
  for (size_t i = 0; i < nf; ++i) {
    rf_facing_def f;
    rf_store_facing(e->store, fac[i], &f);
    uint32_t p = e->facing_product[fac[i]];
    double unit, sd;
    rf__product_weight(e, p, &unit, &sd);
    f_spans on;
    rf__spans_of(e, c, &f.x0, &f.x1, 1, &on);
    for (int64_t q = 1; q <= RF__RESTOCK_MOST; ++q) {
      f_what w = what_of(1, &p, &q);
      w.logl = items_fit(c, &on, q, unit, sd) - log((double)RF__RESTOCK_MOST);
      w.lo = f.x0;
      w.hi = f.x1;
      add(s->puts, &s->put_count, &w);
    }
  }
}

double rf__enumerate_puts(const rf_engine *e, const f_change *c, uint32_t shopper, f_hyps *s) {
  uint32_t cart = rf__ledger_cart_of(&e->ledger, shopper);
  s->put_count = 0;
  double total = -INFINITY;
  if (c->total <= 0) return total;
  if (rf__ledger_staff_cart(&e->ledger, cart)) {
    add_restocks(e, c, s);
    for (size_t i = 0; i < s->put_count; ++i) total = rf__logsumexp_add(total, s->puts[i].logl);
    return total;
  }
  const int64_t *qty = rf__ledger_qty(&e->ledger, cart);
  for (uint32_t p = 0; p < e->products; ++p)
    if (qty[p] > 0) add_puts(e, c, p, qty[p], 0.0, -1, -1, s);
  for (size_t i = 0; i < e->decision_count; ++i) {
    const f_decision *d = &e->decisions[i];
    if (d->t1 > c->t0 || !rf__correctable(e, d, cart)) continue;
    for (int a = 0; a < d->alt_count; ++a)
      if (d->alt[a].shopper == shopper && d->alt[a].prob > 0)
        add_puts(e, c, d->alt[a].product, d->alt[a].qty, log(d->alt[a].prob), (int)i, a, s);
  }
  for (size_t i = 0; i < s->put_count; ++i) total = rf__logsumexp_add(total, s->puts[i].logl);
  return total;
}

double rf__what_logl(const rf_engine *e, const f_change *c, uint32_t shopper, f_hyps *s) {
  if (c->total < 0) return s->take_logl;
  return rf__enumerate_puts(e, c, shopper, s);
}

double rf__visit_fit(const rf_engine *e, const f_change *c, const f_hyps *s, const f_hand *h) {
  double f = rf__hand_fit(e, h, c);
  if (f == -INFINITY || c->total >= 0 || s->take_count == 0) return f;
  size_t nf = rf__shelf_facings(e, c->shelf);
  double total = -INFINITY;
  for (size_t i = 0; i < s->take_count; ++i)
    total = rf__logsumexp_add(total, s->takes[i].logl +
                                         rf__hand_fit_at(e, h, c, s->takes[i].lo, s->takes[i].hi) +
                                         rf__hint_logl(e, h, s->takes[i].product[0], nf));
  double l = total - s->take_logl;
  /* A visit that explained a change decided before can explain this one only if it did not. */
  return h->used < 1 ? l + log1p(-h->used) : -INFINITY;
}

/* Whether two hypotheses make the same diffs: the same items, and the same earlier decision
 * corrected (or none). */
static int same_diffs(const f_what *a, const f_what *b) {
  if (a->parts != b->parts || a->decision != b->decision || a->alt != b->alt) return 0;
  for (int part = 0; part < a->parts; ++part)
    if (a->product[part] != b->product[part] || a->qty[part] != b->qty[part]) return 0;
  return 1;
}

/* Orders hypotheses so that those making the same diffs are neighbours: by what same_diffs
 * compares, then by their place in the list. */
static int diffs_before(const f_what *a, const f_what *b, int32_t ia, int32_t ib) {
  if (a->parts != b->parts) return a->parts < b->parts;
  if (a->decision != b->decision) return a->decision < b->decision;
  if (a->alt != b->alt) return a->alt < b->alt;
  for (int part = 0; part < a->parts; ++part) {
    if (a->product[part] != b->product[part]) return a->product[part] < b->product[part];
    if (a->qty[part] != b->qty[part]) return a->qty[part] < b->qty[part];
  }
  return ia < ib;
}

/* Merge sort of the indices order[0..n) (tmp: n more), by diffs_before. */
static void sort_by_diffs(const f_what *list, int32_t *order, int32_t *tmp, size_t n) {
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi)
        tmp[k++] = diffs_before(&list[order[b]], &list[order[a]], order[b], order[a]) ? order[b++]
                                                                                      : order[a++];
      while (a < mid) tmp[k++] = order[a++];
      while (b < hi) tmp[k++] = order[b++];
    }
    memcpy(order, tmp, n * sizeof *order);
  }
}

/* The groups are found by sorting, not by comparing every pair; sums run in the hypotheses'
 * order, as they would in a pass over the list. */
const f_what *rf__most_probable(const f_what *list, const double *hinted, size_t count,
                                int32_t *order, int32_t *tmp, double *group_logl) {
  for (size_t i = 0; i < count; ++i) order[i] = (int32_t)i;
  sort_by_diffs(list, order, tmp, count);
  const f_what *w = &list[0];
  double same = -INFINITY;
  size_t same_first = SIZE_MAX;
  for (size_t g = 0; g < count;) {
    size_t end = g + 1;
    while (end < count && same_diffs(&list[order[end]], &list[order[g]])) ++end;
    size_t top = (size_t)order[g];
    double group = -INFINITY;
    for (size_t k = g; k < end; ++k) {
      size_t i = (size_t)order[k];
      group = rf__logsumexp_add(group, hinted[i]);
      if (hinted[i] > hinted[top]) top = i;
    }
    size_t first = (size_t)order[g];
    if (group > same || (group == same && first < same_first)) {
      same = group;
      same_first = first;
      w = &list[top];
    }
    g = end;
  }
  *group_logl = same;
  return w;
}
