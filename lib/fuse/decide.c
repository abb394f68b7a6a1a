/* Deciding settled changes: what moved (likelihood of products and quantities from the total
 * weight and the plates it left from, or of cart items put back), who moved it (hand visits,
 * anonymous or missed ones weighed by where shoppers were), jointly over the changes due
 * together through the assignment marginals, then the most probable decision as a cart diff
 * with its posterior probability. docs/likelihood.md writes the model out term by term; the
 * terms themselves are in terms.c, and the reading of several reaches merged into one change in
 * merged.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "engine_internal.h"
#include "merged.h"
#include "retailfuse/status.h"
#include "terms.h"

#define MAX_WHAT 2048
#define LOOSE_HALF_WIDTH 0.07   /* an item lying loose rests on about this much either side */
/* Items left where they do not belong are remembered, the oldest forgotten beyond this many
 * spots (staff tidy shelves; memory stays bounded over a day). */
#define LOOSE_MAX 256

typedef struct what {
  double logl;
  double lo, hi;               /* where along the shelf the items were (takes) */
  uint32_t product[2];
  int64_t qty[2];
  int parts;
  int loose;                   /* taken from e->loose[loose], or -1 */
  int misplaced;               /* put back away from its facing */
  int decision, alt;           /* a put-back of an item an earlier take should have given this
                                  shopper: e->decisions[decision].alt[alt]; -1 if none */
} what;

typedef struct scratch {       /* one change's hypotheses */
  what *takes;
  size_t take_count;
  double take_logl;            /* log of the summed likelihood of all takes */
  const f_change *takes_of;    /* the change they were enumerated for (NULL: none) ... */
  size_t loose_seen;           /* ... with the engine's loose items as they were then */
  what *puts;                  /* for one shopper at a time */
  size_t put_count;
} scratch;

static void add(what *list, size_t *count, const what *w) {
  if (*count < MAX_WHAT) list[(*count)++] = *w;
}

/* Every way the shelf could have lost this weight: q items of one facing, items of two
 * neighbouring facings, or items lying loose where someone left them. */
static void enumerate_takes(const rf_engine *e, const f_change *c, scratch *s) {
  s->takes_of = NULL;
  s->take_count = 0;
  s->take_logl = -INFINITY;
  if (c->total >= 0) return;
  const int64_t most = (int64_t)e->param[RF_PARAM_MAX_ITEMS];
  const uint32_t *fac;
  size_t nf;
  rf_store_shelf_facings(e->store, c->shelf, &fac, &nf);
  what w;
  for (size_t i = 0; i < nf; ++i) {
    rf_facing_def f;
    rf_store_facing(e->store, fac[i], &f);
    uint32_t p = e->facing_product[fac[i]];
    double unit, sd;
    rf__product_weight(e, p, &unit, &sd);
    for (int64_t q = 1; q <= most; ++q) {
      memset(&w, 0, sizeof w);
      w.parts = 1;
      w.product[0] = p;
      w.qty[0] = q;
      w.loose = -1;
      w.decision = w.alt = -1;
      w.logl = rf__fit(e, c, (double)q * unit, (double)q * sd * sd, f.x0, f.x1) +
               rf__quantity_prior(q);
      w.lo = f.x0;
      w.hi = f.x1;
      add(s->takes, &s->take_count, &w);
    }
    /* Items of two neighbouring facings in one reach. (Any two facings were tried: more
     * hypotheses confused more single takes than they explained; measured with
     * bench/run-accuracy.) */
    for (size_t j = i + 1; j < nf && j == i + 1; ++j) {
      rf_facing_def f2;
      rf_store_facing(e->store, fac[j], &f2);
      uint32_t p2 = e->facing_product[fac[j]];
      double unit2, sd2;
      rf__product_weight(e, p2, &unit2, &sd2);
      double lo[2] = {f.x0, f2.x0}, hi[2] = {f.x1, f2.x1};
      double prior = log(0.05);
      for (int64_t q1 = 1; q1 < most; ++q1)
        for (int64_t q2 = 1; q1 + q2 <= most; ++q2) {
          memset(&w, 0, sizeof w);
          w.parts = 2;
          w.product[0] = p;
          w.qty[0] = q1;
          w.product[1] = p2;
          w.qty[1] = q2;
          w.loose = -1;
          w.decision = w.alt = -1;
          double weights[2] = {(double)q1 * unit, (double)q2 * unit2};
          double vars[2] = {(double)q1 * sd * sd, (double)q2 * sd2 * sd2};
          w.logl = rf__fit_spans(e, c, weights, vars, lo, hi, 2) + prior +
                   rf__quantity_prior(q1 + q2);
          w.lo = fmin(f.x0, f2.x0);
          w.hi = fmax(f.x1, f2.x1);
          add(s->takes, &s->take_count, &w);
        }
    }
  }
  for (size_t l = 0; l < e->loose_count; ++l) {
    const f_loose *lo = &e->loose[l];
    if (lo->shelf != c->shelf || lo->count <= 0) continue;
    double unit, sd;
    rf__product_weight(e, lo->product, &unit, &sd);
    for (int64_t q = 1; q <= lo->count && q <= most; ++q) {
      memset(&w, 0, sizeof w);
      w.parts = 1;
      w.product[0] = lo->product;
      w.qty[0] = q;
      w.loose = (int)l;
      w.decision = w.alt = -1;
      w.logl = rf__fit(e, c, (double)q * unit, (double)q * sd * sd, lo->x - LOOSE_HALF_WIDTH,
                       lo->x + LOOSE_HALF_WIDTH) + rf__quantity_prior(q) + log(0.5);
      w.lo = lo->x - LOOSE_HALF_WIDTH;
      w.hi = lo->x + LOOSE_HALF_WIDTH;
      add(s->takes, &s->take_count, &w);
    }
  }
  for (size_t i = 0; i < s->take_count; ++i)
    s->take_logl = rf__logsumexp_add(s->take_logl, s->takes[i].logl);
}

/* The takes of one of the batch's changes, enumerated again only if another change's (or a
 * loose item's) were enumerated since. */
static void takes_of_row(const rf_engine *e, const f_change *c, scratch *s) {
  if (s->takes_of == c && s->loose_seen == e->loose_version) return;
  enumerate_takes(e, c, s);
  s->takes_of = c;
  s->loose_seen = e->loose_version;
}

/* The hypotheses of putting back q items of product p: home to its facing, or left here;
 * `prior` is added to each (an item not in the cart is costlier). */
static void add_puts(const rf_engine *e, const f_change *c, uint32_t p, int64_t max_q, double prior,
                     int decision, int alt, scratch *s) {
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
  what w;
  for (int64_t q = 1; q <= max_q && q <= most; ++q) {
    memset(&w, 0, sizeof w);
    w.parts = 1;
    w.product[0] = p;
    w.qty[0] = q;
    w.loose = -1;
    w.decision = decision;
    w.alt = alt;
    if (home_here) {
      w.logl = rf__fit(e, c, (double)q * unit, (double)q * sd * sd, f.x0, f.x1) + log1p(-misplace) +
               rf__quantity_prior(q) + prior;
      add(s->puts, &s->put_count, &w);
    }
    w.misplaced = 1;
    w.logl = rf__fit(e, c, (double)q * unit, (double)q * sd * sd, c->center_x - LOOSE_HALF_WIDTH,
                     c->center_x + LOOSE_HALF_WIDTH) +
             log(misplace > 0 ? misplace : 1e-12) + rf__quantity_prior(q) + prior;
    add(s->puts, &s->put_count, &w);
  }
}

/* Every item this shopper could have put back: what their cart holds, and what an earlier take,
 * decided otherwise, may have given them after all (at that alternative's probability). */
static double enumerate_puts(const rf_engine *e, const f_change *c, uint32_t shopper, scratch *s) {
  uint32_t cart = e->ledger.shoppers[shopper].cart;
  s->put_count = 0;
  double total = -INFINITY;
  if (c->total <= 0) return total;
  const int64_t *qty = e->ledger.carts[cart].qty;
  for (uint32_t p = 0; p < e->products; ++p)
    if (qty[p] > 0) add_puts(e, c, p, qty[p], 0.0, -1, -1, s);
  for (size_t i = 0; i < e->decision_count; ++i) {
    const f_decision *d = &e->decisions[i];
    if (d->corrected || d->t1 > c->t0 || e->ledger.carts[d->cart].receipted) continue;
    for (int a = 0; a < d->alt_count; ++a)
      if (d->alt[a].shopper == shopper && d->alt[a].prob > 0)
        add_puts(e, c, d->alt[a].product, d->alt[a].qty, log(d->alt[a].prob), (int)i, a, s);
  }
  for (size_t i = 0; i < s->put_count; ++i) total = rf__logsumexp_add(total, s->puts[i].logl);
  return total;
}

/* log L(what | shopper): takes do not depend on the shopper, put-backs on their cart. */
static double what_logl(const rf_engine *e, const f_change *c, uint32_t shopper, scratch *s) {
  if (c->total < 0) return s->take_logl;
  return enumerate_puts(e, c, shopper, s);
}

/* log of how well a hand visit fits a change: for a decrease, its place (and sku hint) scored
 * against where each take hypothesis says the items were, weighed by the hypotheses'
 * likelihoods; for an increase, against the change's centre of weight. -inf: not a candidate. */
static double visit_fit(const rf_engine *e, const f_change *c, const scratch *s, const f_hand *h) {
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

/* Splits a decrease between the shoppers of two hand visits when that beats every one-shopper
 * explanation of it: each takes items of one facing (the same or two), the rest of the shelf
 * saw only noise. Returns 1 when it decided the split (diffs emitted), 0 when not, -1 when out
 * of memory. L and L0 hold the row's one-shopper terms, scaled by the same factor as
 * row->unexplained. */
/* The room split_change's table of plate fits takes: a facing pair by two quantities. */
static size_t split_fit_size(const rf_engine *e) {
  size_t most = (size_t)e->param[RF_PARAM_MAX_ITEMS];
  return e->most_facings * e->most_facings * most * most + 1;
}

static int split_change(rf_engine *e, const f_change *c, const f_row_terms *row,
                        const int32_t *hand_of, size_t cols, const double *L, const double *L0,
                        size_t r, rf_time_us wait) {
  const int64_t most = (int64_t)e->param[RF_PARAM_MAX_ITEMS];
  const double spared = -log(e->param[RF_PARAM_BROWSE_RATE]);
  /* The one-shopper evidence of this row, on the same scale as row->what. */
  double single = L0[r];
  for (size_t j = 0; j < cols; ++j) single += L[r * cols + j];
  double single_log = log(single);
  const uint32_t *fac;
  size_t nf;
  rf_store_shelf_facings(e->store, c->shelf, &fac, &nf);
  double best = -INFINITY, all = -INFINITY;
  size_t best_h[2] = {0, 0};
  uint32_t best_p[2] = {0, 0};
  int64_t best_q[2] = {0, 0};
  /* Pass 0 finds the best split; pass 1 sums, for each of its two diffs, the splits that make
   * that diff (a diff is right whatever the other hand took). */
  double made[2] = {-INFINITY, -INFINITY};
  uint32_t best_cart[2] = {0, 0};
  /* How the plates fit each facing pair and quantities does not depend on the hands: it is
   * computed once, when the first pair of hands qualifies. */
  double *fits = e->scratch.split_fit;
  int fitted = 0;
#define SPLIT_FIT(a, b, qa, qb) \
  fits[(((a) * nf + (b)) * (size_t)most + (size_t)(qa)) * (size_t)most + (size_t)(qb)]
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      if (best == -INFINITY) break;
      for (int k = 0; k < 2; ++k)
        best_cart[k] = e->ledger.shoppers[e->hands[best_h[k]].shopper].cart;
    }
    for (size_t j1 = 0; j1 < cols; ++j1) {
      const f_hand *h1 = &e->hands[hand_of[j1]];
      if (h1->shopper < 0) continue;
      if (rf__hand_fit(e, h1, c) == -INFINITY) continue;
      for (size_t j2 = j1 + 1; j2 < cols; ++j2) {
        const f_hand *h2 = &e->hands[hand_of[j2]];
        if (h2->shopper < 0 || h2->shopper == h1->shopper) continue;
        if (rf__hand_fit(e, h2, c) == -INFINITY) continue;
        double who = log(rf__hand_who(e, row, h1, (uint32_t)h1->shopper)) +
                     log(rf__hand_who(e, row, h2, (uint32_t)h2->shopper)) + 2 * spared +
                     log(RF__SPLIT_MERGE_RATE);
        if (who == -INFINITY) continue;
        for (size_t a = 0; a < nf && !fitted; ++a) {
          rf_facing_def fa;
          rf_store_facing(e->store, fac[a], &fa);
          double wa, sa;
          rf__product_weight(e, e->facing_product[fac[a]], &wa, &sa);
          for (size_t b = 0; b < nf; ++b) {
            rf_facing_def fb;
            rf_store_facing(e->store, fac[b], &fb);
            double wb, sb;
            rf__product_weight(e, e->facing_product[fac[b]], &wb, &sb);
            double lo[2] = {fa.x0, fb.x0}, hi[2] = {fa.x1, fb.x1};
            for (int64_t qa = 1; qa < most; ++qa)
              for (int64_t qb = 1; qa + qb <= most; ++qb) {
                double weights[2] = {(double)qa * wa, (double)qb * wb};
                double vars[2] = {(double)qa * sa * sa, (double)qb * sb * sb};
                SPLIT_FIT(a, b, qa, qb) = rf__fit_spans(e, c, weights, vars, lo, hi, 2) +
                                          rf__quantity_prior(qa) + rf__quantity_prior(qb);
              }
          }
        }
        fitted = 1;
        for (size_t a = 0; a < nf; ++a) {
          rf_facing_def fa;
          rf_store_facing(e->store, fac[a], &fa);
          for (size_t b = 0; b < nf; ++b) {
            rf_facing_def fb;
            rf_store_facing(e->store, fac[b], &fb);
            /* Each hand where its own items were, and what its sku hint says of them. */
            double place = rf__hand_fit_at(e, h1, c, fa.x0, fa.x1) +
                           rf__hand_fit_at(e, h2, c, fb.x0, fb.x1) +
                           rf__hint_logl(e, h1, e->facing_product[fac[a]], nf) +
                           rf__hint_logl(e, h2, e->facing_product[fac[b]], nf);
            for (int64_t qa = 1; qa < most; ++qa)
              for (int64_t qb = 1; qa + qb <= most; ++qb) {
                double l = SPLIT_FIT(a, b, qa, qb) + who + place;
                if (pass == 1) {
                  uint32_t c1 = e->ledger.shoppers[h1->shopper].cart;
                  uint32_t c2 = e->ledger.shoppers[h2->shopper].cart;
                  uint32_t pa = e->facing_product[fac[a]], pb = e->facing_product[fac[b]];
                  for (int k = 0; k < 2; ++k)
                    if ((c1 == best_cart[k] && pa == best_p[k] && qa == best_q[k]) ||
                        (c2 == best_cart[k] && pb == best_p[k] && qb == best_q[k]))
                      made[k] = rf__logsumexp_add(made[k], l);
                  continue;
                }
                all = rf__logsumexp_add(all, l);
                if (l > best) {
                  best = l;
                  best_h[0] = (size_t)hand_of[j1];
                  best_h[1] = (size_t)hand_of[j2];
                  best_p[0] = e->facing_product[fac[a]];
                  best_p[1] = e->facing_product[fac[b]];
                  best_q[0] = qa;
                  best_q[1] = qb;
                }
              }
          }
        }
      }
    }
  }
#undef SPLIT_FIT
  if (best == -INFINITY) return 0;
  /* row->what was shifted by the row's top term: bring the split onto the same scale. */
  double shift = row->unexplained - rf__unexplained_logl(e);
  best += shift;
  all += shift;
  if (best <= single_log) return 0;
  double conf = exp(best - rf__logsumexp_add(all, single_log));
  rf_time_us t = c->t1 + wait;
  for (int part = 0; part < 2; ++part) {
    uint32_t cart = e->ledger.shoppers[e->hands[best_h[part]].shopper].cart;
    double p = fmin(1.0, fmax(conf, exp(made[part] + shift - rf__logsumexp_add(all, single_log))));
    int rc = rf__engine_emit_diff(e, c->event, cart, best_p[part], best_q[part], p, t, -1, NULL);
    if (rc != 0) return -1;
  }
  return 1;
}


/* Whether two hypotheses make the same diffs: the same items, and the same earlier decision
 * corrected (or none). */
static int same_diffs(const what *a, const what *b) {
  if (a->parts != b->parts || a->decision != b->decision || a->alt != b->alt) return 0;
  for (int part = 0; part < a->parts; ++part)
    if (a->product[part] != b->product[part] || a->qty[part] != b->qty[part]) return 0;
  return 1;
}

/* Orders hypotheses so that those making the same diffs are neighbours: by what same_diffs
 * compares, then by their place in the list. */
static int diffs_before(const what *a, const what *b, int32_t ia, int32_t ib) {
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
static void sort_by_diffs(const what *list, int32_t *order, int32_t *tmp, size_t n) {
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

/* Keeps a decided take with the other ways it could have gone: other shoppers (same items) and,
 * for the shopper chosen, another product. */
static int remember(rf_engine *e, const f_change *c, uint32_t cart, const what *w,
                    const int64_t *seqs, double conf, const double *post, uint32_t shoppers,
                    uint32_t best, const scratch *s, double all, const f_hand *their,
                    double hint_of_best) {
  rf__engine_forget_decisions(e, (rf_time_us)llround(e->param[RF_PARAM_REVISION_S] * 1e6));
  if (RF__RESERVE(&e->alloc, e->decisions, e->decision_cap, e->decision_count + 1) != 0) return -1;
  if (e->decision_count == 0 || c->t1 < e->decisions_oldest_t1) e->decisions_oldest_t1 = c->t1;
  f_decision *d = &e->decisions[e->decision_count++];
  memset(d, 0, sizeof *d);
  d->event = c->event;
  d->shelf = c->shelf;
  d->cart = cart;
  d->t1 = c->t1;
  d->parts = 1;
  d->product[0] = w->product[0];
  d->qty[0] = w->qty[0];
  d->seq[0] = seqs[0];
  d->conf = conf;
  d->review = rf__engine_flags_review(e, conf);
  double what_p = conf / (post[best] > 0 ? post[best] : 1);
  for (int n = 0; n < RF__ALTS - 1; ++n) {
    int64_t pick = -1;
    for (uint32_t k = 0; k < shoppers; ++k) {
      uint32_t cart_k = e->ledger.shoppers[k].cart;
      if (cart_k == e->ledger.shoppers[best].cart || post[k] < 0.01) continue;
      int taken = 0;  /* a cart once: post[] is its members' sum */
      for (int a = 0; a < d->alt_count && !taken; ++a)
        taken = e->ledger.shoppers[d->alt[a].shopper].cart == cart_k;
      if (!taken && (pick < 0 || post[k] > post[pick])) pick = k;
    }
    if (pick < 0) break;
    d->alt[d->alt_count++] = (f_alt){(uint32_t)pick, w->product[0], w->qty[0], post[pick] * what_p};
  }
  /* The other product, weighed as the decision weighed it: with the sku hint of the hand. */
  size_t nf = rf__shelf_facings(e, c->shelf);
  const what *other = NULL;
  double other_l = -INFINITY;
  for (size_t i = 0; i < s->take_count; ++i) {
    const what *o = &s->takes[i];
    if (o->parts != 1 || o->loose >= 0 || o->product[0] == w->product[0]) continue;
    double l = o->logl + (their && hint_of_best > 0 ? rf__hint_logl(e, their, o->product[0], nf) +
                                                          rf__hand_fit_at(e, their, c, o->lo, o->hi)
                                                    : 0.0);
    if (other == NULL || l > other_l) {
      other = o;
      other_l = l;
    }
  }
  if (other != NULL && d->alt_count < RF__ALTS) {
    double p = post[best] * exp(other_l - all);
    if (p >= 0.01) d->alt[d->alt_count++] = (f_alt){best, other->product[0], other->qty[0], p};
  }
  return 0;
}

/* What a decided hypothesis leaves on the shelf: a take of loose items removes them, an item
 * put back where it does not belong stays known there. -1 when out of memory. */
static int note_loose(rf_engine *e, const f_change *c, const what *w) {
  if (w->loose >= 0 || w->misplaced) e->loose_version++;  /* takes enumerated before are stale */
  if (w->loose >= 0 && (e->loose[w->loose].count -= w->qty[0]) <= 0) {
    /* All taken: forget the spot (in order, so later hypotheses keep theirs). */
    memmove(e->loose + w->loose, e->loose + w->loose + 1,
            (e->loose_count - (size_t)w->loose - 1) * sizeof *e->loose);
    e->loose_count--;
  }
  if (!w->misplaced) return 0;
  if (e->loose_count == LOOSE_MAX) {
    memmove(e->loose, e->loose + 1, (e->loose_count - 1) * sizeof *e->loose);
    e->loose_count--;
  }
  if (RF__RESERVE(&e->alloc, e->loose, e->loose_cap, e->loose_count + 1) != 0) return -1;
  f_loose *lo = &e->loose[e->loose_count++];
  lo->shelf = c->shelf;
  lo->product = w->product[0];
  lo->x = c->center_x;
  lo->count = w->qty[0];
  return 0;
}


/* The plates [k, end) of change c as a change of their own, with their quiet neighbours (not a
 * plate of another run) and every other plate zero, in the scratch plates at the end of the
 * pool (reserved by the caller); [*lo, *hi] is where the weight moved. */
static void run_change(rf_engine *e, const f_change *c, size_t k, size_t end, f_change *sub,
                       double *lo, double *hi) {
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  const double floor_g = rf__run_floor(e, c->shelf);
  const double *g = rf__change_g(e, c);
  size_t n = def.plate_count;
  *sub = *c;
  sub->first_g = e->g_len;
  double *sg = e->g_pool + e->g_len;
  memset(sg, 0, n * sizeof *sg);
  size_t from = k > 0 && rf__run_sign(g[k - 1], floor_g) == 0 ? k - 1 : k;
  size_t to = end < n && rf__run_sign(g[end], floor_g) == 0 ? end + 1 : end;
  double total = 0.0, mass = 0.0, moment = 0.0;
  for (size_t q = from; q < to; ++q) {
    sg[q] = g[q];
    total += g[q];
    mass += fabs(g[q]);
    moment += fabs(g[q]) * 0.5 * (def.plates[q].x0 + def.plates[q].x1);
  }
  sub->total = total;
  sub->center_x = mass > 0 ? moment / mass : c->center_x;
  sub->reported = (int)(to - from);
  *lo = def.plates[k].x0;
  *hi = def.plates[end - 1].x1;
}

/* Explains one run (sign < 0: a take, > 0: a put-back) of change c, made a change of its own in
 * sub, and decides it for the identified hand that fits best. 1 when it made diffs, 0 when it
 * could not explain the run, -1 when out of memory. */
static int explain_run(rf_engine *e, const f_change *c, const f_change *sub, int sign,
                       double run_lo, double run_hi, scratch *s, rf_time_us wait) {
  const double unexplained = rf__unexplained_logl(e);
  const double missed = log(e->param[RF_PARAM_MISSED_HAND_RATE]);
  /* The identified hands that could have made this run, and what each would have moved. */
  const what *w = NULL;
  double best_score = -INFINITY, all = missed + unexplained, p_what = 0.0;
  int64_t best_hand = -1;
  if (sign < 0) {
    enumerate_takes(e, sub, s);
    if (s->take_count == 0) return 0;
    w = &s->takes[0];
    for (size_t i = 1; i < s->take_count; ++i)
      if (s->takes[i].logl > w->logl) w = &s->takes[i];
    /* Explained well enough on its own? */
    if (w->logl < unexplained) return 0;
    p_what = exp(w->logl - rf__logsumexp_add(s->take_logl, unexplained));
    all = missed;
  }
  for (size_t h = 0; h < e->hand_count; ++h) {
    const f_hand *hv = &e->hands[h];
    if (hv->shopper < 0) continue;
    double score = rf__hand_fit_at(e, hv, sub, run_lo, run_hi);
    if (score == -INFINITY) continue;
    if (sign > 0) {
      /* What this hand's shopper could have put back: their cart, at its own weight. */
      double puts = enumerate_puts(e, sub, (uint32_t)hv->shopper, s);
      if (puts == -INFINITY) continue;
      score += puts;
    }
    all = rf__logsumexp_add(all, score);
    if (score > best_score) {
      best_score = score;
      best_hand = (int64_t)h;
    }
  }
  if (best_hand < 0) return 0;
  uint32_t shopper = (uint32_t)e->hands[best_hand].shopper;
  if (sign > 0) {
    /* The best shopper's likeliest put-back that corrects nothing. */
    double puts = enumerate_puts(e, sub, shopper, s);
    w = NULL;
    for (size_t i = 0; i < s->put_count; ++i)
      if (s->puts[i].decision < 0 && (w == NULL || s->puts[i].logl > w->logl)) w = &s->puts[i];
    if (w == NULL || w->logl < unexplained) return 0;
    p_what = exp(w->logl - puts);
  }
  double conf = p_what * exp(best_score - all);
  uint32_t cart = e->ledger.shoppers[shopper].cart;
  for (int part = 0; part < w->parts; ++part)
    if (rf__engine_emit_diff(e, c->event, cart, w->product[part],
                             sign < 0 ? w->qty[part] : -w->qty[part], conf, c->t1 + wait, -1,
                             NULL) != 0)
      return -1;
  return note_loose(e, sub, w) != 0 ? -1 : 1;
}

/* A change nobody explains whole may be several reaches merged into one, each at its own place
 * on the shelf, some taking and some putting back: split the plates into runs that lost or
 * gained weight and explain each run on its own (explain_run). A single run that lost weight
 * (a reach of three facings, or two reaches side by side) is cut in two where both sides are
 * best explained as takes. Returns the number of runs decided, or -1 when out of memory. */
static int decide_regions(rf_engine *e, const f_change *c, scratch *s, rf_time_us wait) {
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  const double floor_g = rf__run_floor(e, c->shelf);
  size_t n = def.plate_count;
  /* Room for one sub-change's plates at the end of the pool. */
  if (RF__RESERVE(&e->alloc, e->g_pool, e->g_cap, e->g_len + n) != 0) return -1;
  const double *g = rf__change_g(e, c);
  int regions = 0;
  size_t first = 0, first_end = 0;
  for (size_t k = 0; k < n; ++k) {
    int sign = rf__run_sign(g[k], floor_g);
    if (sign == 0 || (k > 0 && rf__run_sign(g[k - 1], floor_g) == sign)) continue;
    if (regions++ == 0) {
      first = k;
      for (first_end = k; first_end < n && rf__run_sign(g[first_end], floor_g) == sign;)
        ++first_end;
    }
  }
  f_change sub;
  double lo, hi;
  int made = 0, rc;
  if (regions == 1) {
    if (rf__run_sign(g[first], floor_g) > 0 || first_end - first < 2) return 0;
    const double unexplained = rf__unexplained_logl(e);
    size_t cut = 0;
    double best = -INFINITY;
    for (size_t m = first + 1; m < first_end; ++m) {
      run_change(e, c, first, m, &sub, &lo, &hi);
      enumerate_takes(e, &sub, s);
      double left = -INFINITY, right = -INFINITY;
      for (size_t i = 0; i < s->take_count; ++i) left = fmax(left, s->takes[i].logl);
      run_change(e, c, m, first_end, &sub, &lo, &hi);
      enumerate_takes(e, &sub, s);
      for (size_t i = 0; i < s->take_count; ++i) right = fmax(right, s->takes[i].logl);
      if (left >= unexplained && right >= unexplained && left + right > best) {
        best = left + right;
        cut = m;
      }
    }
    if (cut == 0) return 0;
    size_t bounds[3] = {first, cut, first_end};
    for (int part = 0; part < 2; ++part) {
      run_change(e, c, bounds[part], bounds[part + 1], &sub, &lo, &hi);
      if ((rc = explain_run(e, c, &sub, -1, lo, hi, s, wait)) < 0) return -1;
      made += rc;
    }
    return made;
  }
  if (regions < 2) return 0;
  for (size_t k = 0; k < n;) {
    int sign = rf__run_sign(g[k], floor_g);
    if (sign == 0) {
      ++k;
      continue;
    }
    size_t end = k;
    while (end < n && rf__run_sign(g[end], floor_g) == sign) ++end;
    run_change(e, c, k, end, &sub, &lo, &hi);
    k = end;
    if ((rc = explain_run(e, c, &sub, sign, lo, hi, s, wait)) < 0) return -1;
    made += rc;
  }
  return made;
}

static int decide_batch(rf_engine *e, int everything);

/* Room for everything deciding the first `due` pending changes can leave behind, so that once
 * the batch starts to change the engine nothing can fail for memory: per change at most two
 * diffs for each plate (its runs, each of two products) and four more (a decision of two parts
 * and a correction of two diffs), a kept decision, a sub-change's plates, and the spots of
 * items left loose. */
static int reserve_outcomes(rf_engine *e, size_t due) {
  size_t diffs = 0, plates = 0;
  for (size_t r = 0; r < due; ++r) {
    rf_shelf_def def;
    rf_store_shelf(e->store, e->pending[r].shelf, &def);
    diffs += 2 * def.plate_count + 4;
    if (def.plate_count > plates) plates = def.plate_count;
  }
  const rf_allocator *a = &e->alloc;
  if (RF__RESERVE(a, e->decisions, e->decision_cap, e->decision_count + due) != 0 ||
      RF__RESERVE(a, e->g_pool, e->g_cap, e->g_len + plates) != 0 ||
      RF__RESERVE(a, e->loose, e->loose_cap, LOOSE_MAX) != 0)
    return -1;
  return rf__engine_reserve_output(e, diffs);
}

void rf__engine_forget_decisions(rf_engine *e, rf_time_us horizon) {
  /* Called on every push: a pass only when the oldest kept decision has aged out. */
  if (e->decision_count == 0 || e->decisions_oldest_t1 + horizon >= e->clock) return;
  size_t keep = 0;
  rf_time_us oldest = INT64_MAX;
  for (size_t i = 0; i < e->decision_count; ++i)
    if (e->decisions[i].t1 + horizon >= e->clock) {
      e->decisions[keep++] = e->decisions[i];
      if (e->decisions[i].t1 < oldest) oldest = e->decisions[i].t1;
    }
  e->decision_count = keep;
  e->decisions_oldest_t1 = oldest;
}

int rf__engine_decide_due(rf_engine *e, int everything) {
  size_t before;
  do {
    before = e->pending_count;
    int rc = decide_batch(e, everything);
    if (rc != 0) return rc;
  } while (e->pending_count > 0 && e->pending_count < before);
  return 0;
}

static int decide_batch(rf_engine *e, int everything) {
  const rf_time_us wait = (rf_time_us)llround(e->param[RF_PARAM_WAIT_S] * 1e6);
  size_t due = 0;
  while (due < e->pending_count && (everything || e->pending[due].t1 + wait <= e->clock)) ++due;
  if (due == 0) return 0;
  /* A put-back depends on the carts as the changes before it left them: decide those first. */
  for (size_t r = 1; r < due; ++r)
    if (e->pending[r].total > 0) {
      due = r;
      break;
    }
  const uint32_t shoppers = rf__ledger_count(&e->ledger);
  /* Scratch, reused from batch to batch. */
  size_t hands = e->hand_count;
  f_scratch *sc = &e->scratch;
  const rf_allocator *a = &e->alloc;
  if (rf__reserve(a, &sc->takes, &sc->takes_cap, MAX_WHAT, sizeof(what)) != 0 ||
      rf__reserve(a, &sc->puts, &sc->puts_cap, MAX_WHAT, sizeof(what)) != 0 ||
      rf__reserve(a, &sc->rows, &sc->rows_cap, due, sizeof(f_row_terms)) != 0 ||
      RF__RESERVE(a, sc->per_shopper, sc->per_shopper_cap, 2 * due * ((size_t)shoppers + 1)) != 0 ||
      RF__RESERVE(a, sc->column_of, sc->column_of_cap, hands + 1) != 0 ||
      RF__RESERVE(a, sc->L, sc->L_cap, due * (hands + 1)) != 0 ||
      RF__RESERVE(a, sc->L0, sc->L0_cap, due) != 0 ||
      RF__RESERVE(a, sc->P, sc->P_cap, due * (hands + 1)) != 0 ||
      RF__RESERVE(a, sc->P0, sc->P0_cap, due) != 0 ||
      RF__RESERVE(a, sc->post, sc->post_cap, 2 * ((size_t)shoppers + 1)) != 0 ||
      RF__RESERVE(a, sc->hand_of, sc->hand_of_cap, hands + 1) != 0 ||
      RF__RESERVE(a, sc->split_fit, sc->split_fit_cap, split_fit_size(e)) != 0 ||
      RF__RESERVE(a, sc->hinted, sc->hinted_cap, MAX_WHAT) != 0 ||
      RF__RESERVE(a, sc->order, sc->order_cap, MAX_WHAT) != 0 ||
      RF__RESERVE(a, sc->order_tmp, sc->order_tmp_cap, MAX_WHAT) != 0 ||
      reserve_outcomes(e, due) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  scratch s;
  s.takes = sc->takes;
  s.puts = sc->puts;
  s.takes_of = NULL;
  f_row_terms *rows = sc->rows;
  memset(rows, 0, due * sizeof *rows);
  double *per_shopper = sc->per_shopper, *L = sc->L, *L0 = sc->L0, *P = sc->P, *P0 = sc->P0,
         *post = sc->post;
  int32_t *column_of = sc->column_of, *hand_of = sc->hand_of;
  int rc = 0;
  /* Columns: hand visits that could explain at least one change of the batch. */
  size_t cols = 0;
  for (size_t h = 0; h < hands; ++h) {
    column_of[h] = -1;
    for (size_t r = 0; r < due; ++r)
      if (rf__hand_fit(e, &e->hands[h], &e->pending[r]) > -INFINITY) {
        column_of[h] = (int32_t)cols;
        hand_of[cols++] = (int32_t)h;
        break;
      }
  }
  const double missed = e->param[RF_PARAM_MISSED_HAND_RATE];
  /* A hand visit that explains no change must have moved nothing: explaining a change by it
   * spares that cost. Dividing every column by it is the same as charging the unused ones. */
  const double spared = -log(e->param[RF_PARAM_BROWSE_RATE]);
  for (size_t r = 0; r < due; ++r) {
    f_row_terms *row = &rows[r];
    row->change = e->pending[r];
    const f_change *c = &row->change;
    row->what = per_shopper + 2 * r * ((size_t)shoppers + 1);
    row->prox = row->what + shoppers + 1;
    takes_of_row(e, c, &s);
    double prox_sum = 0.0;
    for (uint32_t k = 0; k < shoppers; ++k) {
      row->what[k] = -INFINITY;
      row->prox[k] = 0.0;
      if (!rf__candidate(e, k, c)) continue;
      row->what[k] = what_logl(e, c, k, &s);
      row->prox[k] = rf__proximity(e, k, c);
      prox_sum += row->prox[k];
    }
    row->candidates = 0;
    for (uint32_t k = 0; k < shoppers && prox_sum > 0; ++k) {
      row->prox[k] /= prox_sum;
      row->candidates += row->prox[k] > 0;
    }
    /* Nobody: an unknown item or noise, spread flat over a couple of kilograms. */
    row->unexplained = rf__unexplained_logl(e);
    /* Each column: the hand's shopper (or, rarely, someone else; anyone, if anonymous). */
    double top = row->unexplained;
    double *Lr = L + r * (cols + 1);
    for (size_t j = 0; j < cols; ++j) {
      const f_hand *hv = &e->hands[hand_of[j]];
      double fitl = visit_fit(e, c, &s, hv), acc = -INFINITY;
      if (fitl > -INFINITY) {
        for (uint32_t k = 0; k < shoppers; ++k) {
          if (row->what[k] == -INFINITY || row->prox[k] <= 0) continue;
          double id = rf__hand_who(e, row, hv, k);
          if (id > 0) acc = rf__logsumexp_add(acc, log(id) + fitl + spared + row->what[k]);
        }
      }
      Lr[j] = acc;
      if (acc > top) top = acc;
    }
    /* No column: a reach the cameras missed, by someone near, or nobody. */
    double none = row->unexplained;
    for (uint32_t k = 0; k < shoppers; ++k)
      if (row->what[k] > -INFINITY && row->prox[k] > 0)
        none = rf__logsumexp_add(none, log(missed * row->prox[k]) + row->what[k]);
    L0[r] = none;
    if (none > top) top = none;
    /* Shift the row so its largest term is 1: marginals do not change, nothing underflows. */
    for (size_t j = 0; j < cols; ++j) Lr[j] = Lr[j] == -INFINITY ? 0.0 : exp(Lr[j] - top);
    L0[r] = exp(L0[r] - top);
    row->unexplained -= top;
    for (uint32_t k = 0; k < shoppers; ++k)
      if (row->what[k] > -INFINITY) row->what[k] -= top;
  }
  for (size_t r = 0; r < due; ++r)
    for (size_t j = 0; j < cols; ++j) L[r * cols + j] = L[r * (cols + 1) + j];
  rc = rf_marginals(e->ws, L, L0, due, cols, RF_MARGINALS_AUTO, P, P0);
  if (rc != 0) goto done;

  for (size_t r = 0; r < due && rc == 0; ++r) {
    f_row_terms *row = &rows[r];
    const f_change *c = &row->change;
    e->deciding_faulty = c->faulty;
    /* The posterior of each shopper: through every hand column, and through "no column". */
    double unexplained_p = L0[r] > 0 ? P0[r] * exp(row->unexplained) / L0[r] : 0.0;
    for (uint32_t k = 0; k < shoppers; ++k) post[k] = 0.0;
    takes_of_row(e, c, &s);
    for (size_t j = 0; j < cols; ++j) {
      double pj = P[r * cols + j], lj = L[r * cols + j];
      if (pj <= 0 || lj <= 0) continue;
      const f_hand *hv = &e->hands[hand_of[j]];
      double fitl = visit_fit(e, c, &s, hv);
      for (uint32_t k = 0; k < shoppers; ++k) {
        if (row->what[k] == -INFINITY || row->prox[k] <= 0) continue;
        double id = rf__hand_who(e, row, hv, k);
        if (id > 0) post[k] += pj * exp(log(id) + fitl + spared + row->what[k]) / lj;
      }
    }
    for (uint32_t k = 0; k < shoppers && L0[r] > 0; ++k)
      if (row->what[k] > -INFINITY && row->prox[k] > 0)
        post[k] += P0[r] * exp(log(missed * row->prox[k]) + row->what[k]) / L0[r];
    /* A diff goes to a cart: shoppers who share one pool their posteriors. The best cart's
     * likeliest member stands for it (their hand's hints, their put-backs). */
    double *cart_post = post + shoppers + 1;
    for (uint32_t k = 0; k < shoppers; ++k) cart_post[k] = 0.0;
    for (uint32_t k = 0; k < shoppers; ++k) cart_post[e->ledger.shoppers[k].cart] += post[k];
    uint32_t best = 0;
    for (uint32_t k = 1; k < shoppers; ++k) {
      double ck = cart_post[e->ledger.shoppers[k].cart];
      double cb = cart_post[e->ledger.shoppers[best].cart];
      if (ck > cb || (ck == cb && post[k] > post[best])) best = k;
    }
    for (uint32_t k = 0; k < shoppers; ++k) post[k] = cart_post[e->ledger.shoppers[k].cart];
    /* Two shoppers in one change: when splitting it between two hands explains it better
     * than any one shopper (or nobody), decide the split. */
    if (c->total < 0 && cols >= 2) {
      int split = split_change(e, c, row, hand_of, cols, L, L0, r, wait);
      if (split < 0) {
        rc = RF_ENOMEM;
        break;
      }
      if (split > 0) continue;
    }
    if (c->total < 0 && cols >= 1) {
      int read = rf__explain_merged(e, c, row, hand_of, cols, L, L0, r, wait);
      if (read < 0) {
        rc = RF_ENOMEM;
        break;
      }
      if (read > 0) continue;
    }
    if (shoppers == 0 || post[best] <= unexplained_p) {
      /* Nobody explains it whole; maybe several reaches merged into it. */
      if (decide_regions(e, c, &s, wait) < 0) {
        rc = RF_ENOMEM;
        break;
      }
      continue;  /* otherwise nobody's: reported by silence */
    }
    /* What the best shopper moved: their most likely hypothesis, with the sku hint of the
     * hand visit most likely theirs. */
    takes_of_row(e, c, &s);
    what_logl(e, c, best, &s);
    const f_hand *their = NULL;
    double their_p = 0.0;
    for (size_t j = 0; j < cols; ++j) {
      const f_hand *hv = &e->hands[hand_of[j]];
      if ((hv->shopper == (int64_t)best || hv->shopper < 0) && P[r * cols + j] > their_p) {
        their = hv;
        their_p = P[r * cols + j];
      }
    }
    const what *list = c->total < 0 ? s.takes : s.puts;
    size_t count = c->total < 0 ? s.take_count : s.put_count;
    if (count == 0) continue;
    size_t nf = rf__shelf_facings(e, c->shelf);
    double hint_of_best = c->total < 0 && their ? 1.0 : 0.0;
#define HINTED(o)                                                                      \
  ((o)->logl + (their && hint_of_best > 0                                            \
                    ? rf__hint_logl(e, their, (o)->product[0], nf) +                   \
                          rf__hand_fit_at(e, their, c, (o)->lo, (o)->hi)               \
                    : 0.0))
    /* Hypotheses that make the same diffs (home or left at the same spot, for one) are one
     * decision: their probabilities add, and the most probable decision is made, through its
     * most probable hypothesis. The groups are found by sorting, not by comparing every pair;
     * sums run in the hypotheses' order and ties go to the group seen first, as they would in
     * a pass over the list. */
    double *hinted = sc->hinted;
    double all = -INFINITY;
    for (size_t i = 0; i < count; ++i) {
      hinted[i] = HINTED(&list[i]);
      all = rf__logsumexp_add(all, hinted[i]);
    }
    int32_t *order = sc->order;
    for (size_t i = 0; i < count; ++i) order[i] = (int32_t)i;
    sort_by_diffs(list, order, sc->order_tmp, count);
    const what *w = &list[0];
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
    double conf = post[best] * exp(same - all);
    if (conf > 1.0) conf = 1.0;
    uint32_t cart = e->ledger.shoppers[best].cart;
    rf_time_us t = c->t1 + wait;
    int64_t seqs[2] = {-1, -1};
    if (w->decision >= 0) {
      /* This put-back shows an earlier take went the other way: undo it and redo it as its
       * alternative; both diffs name the one they correct. */
      f_decision *d = &e->decisions[w->decision];
      const f_alt *alt = &d->alt[w->alt];
      if ((rc = rf__engine_emit_diff(e, d->event, d->cart, d->product[0], -d->qty[0], conf, t,
                                     d->seq[0], NULL)) != 0 ||
          (rc = rf__engine_emit_diff(e, d->event, cart, alt->product, alt->qty, conf, t,
                                     d->seq[0], NULL)) != 0)
        break;
      d->corrected = 1;
      /* The receipt's doubt follows the decision: the undone take's flag goes, the redo's comes. */
      if (d->review && e->ledger.carts[d->cart].flagged > 0) e->ledger.carts[d->cart].flagged--;
      if (rf__engine_flags_review(e, conf)) e->ledger.carts[cart].flagged++;
    }
    for (int part = 0; part < w->parts && rc == 0; ++part) {
      int64_t q = c->total < 0 ? w->qty[part] : -w->qty[part];
      /* A diff is right when these items moved, whatever else moved with them: its probability
       * sums every hypothesis that makes it, not only those that make the same decision. */
      double made = -INFINITY;
      for (size_t i = 0; i < count; ++i)
        for (int k = 0; k < list[i].parts; ++k)
          if (list[i].product[k] == w->product[part] && list[i].qty[k] == w->qty[part]) {
            made = rf__logsumexp_add(made, hinted[i]);
            break;
          }
      double p = fmin(1.0, fmax(conf, post[best] * exp(made - all)));
      rc = rf__engine_emit_diff(e, c->event, cart, w->product[part], q, p, t, -1, &seqs[part]);
    }
#undef HINTED
    if (rc != 0) break;
    if (c->total < 0 && w->parts == 1 && w->loose < 0 &&
        remember(e, c, cart, w, seqs, conf, post, shoppers, best, &s, all, their,
                 hint_of_best) != 0) {
      rc = RF_ENOMEM;
      break;
    }
    if (note_loose(e, c, w) != 0) {
      rc = RF_ENOMEM;
      break;
    }
  }
  e->deciding_faulty = 0;
  /* What this batch's visits explained is theirs: a later batch sees them as used. */
  if (rc == 0)
    for (size_t j = 0; j < cols; ++j) {
      double u = 0.0;
      for (size_t r = 0; r < due; ++r) u += P[r * cols + j];
      f_hand *hu = &e->hands[hand_of[j]];
      hu->used = fmin(1.0, hu->used + u);
    }
  /* Room was reserved: once the first diff is out nothing fails, and the batch is decided. */
  if (rc == 0) {
    memmove(e->pending, e->pending + due, (e->pending_count - due) * sizeof *e->pending);
    e->pending_count -= due;
  }
done:
  if (rc == RF_ENOMEM) return rf__error(&e->err, rc, "out of memory");
  if (rc != 0 && e->err.msg[0] == '\0')
    return rf__error(&e->err, rc, "deciding: %s", rf_strerror(rc));
  return rc;
}
