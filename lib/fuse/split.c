/* Two shoppers in one change: the decrease divided between two identified hands, each taking
 * items of one facing. The plates' fit of each facing pair and pair of quantities does not
 * depend on the hands, so it is tabled once a change; the hands add their place, hint and who.
 * Pass 0 finds the best split; pass 1 sums, for each of its two diffs, the splits that make
 * that diff. */
#include "split.h"

#include "emit.h"

typedef struct split {
  rf_engine *e;
  const f_change *c;
  const f_row_terms *row;
  const f_columns *k;
  const uint32_t *fac; /* the shelf's facings */
  size_t nf;
  int64_t most;  /* MAX_ITEMS */
  double spared; /* a used hand's browse cost */
  double *fits;  /* by fit_at(), filled when the first pair of hands qualifies */
  int fitted;
  double best, all; /* the best split's log L, and every split's summed */
  size_t best_h[2]; /* its hand visits, products and quantities */
  uint32_t best_p[2], best_cart[2];
  int64_t best_q[2];
  double made[2]; /* pass 1: the splits that make each of its diffs */
} split;

size_t rf__split_fit_size(const rf_engine *e) {
  size_t most = (size_t)e->param[RF_PARAM_MAX_ITEMS];
  return e->most_facings * e->most_facings * most * most + 1;
}

static double *fit_at(const split *s, size_t a, size_t b, int64_t qa, int64_t qb) {
  return &s->fits[((a * s->nf + b) * (size_t)s->most + (size_t)qa) * (size_t)s->most + (size_t)qb];
}

/* The plates' fit (and the quantity priors) of qa items of facing a and qb of facing b. */
static void fill_fits(split *s) {
  const rf_engine *e = s->e;
  for (size_t a = 0; a < s->nf; ++a) {
    rf_facing_def fa;
    rf_store_facing(e->store, s->fac[a], &fa);
    double wa, sa;
    rf__product_weight(e, e->facing_product[s->fac[a]], &wa, &sa);
    for (size_t b = 0; b < s->nf; ++b) {
      rf_facing_def fb;
      rf_store_facing(e->store, s->fac[b], &fb);
      double wb, sb;
      rf__product_weight(e, e->facing_product[s->fac[b]], &wb, &sb);
      double lo[2] = {fa.x0, fb.x0}, hi[2] = {fa.x1, fb.x1};
      f_spans on;
      rf__spans_of(e, s->c, lo, hi, 2, &on); /* once for every count of items on them */
      for (int64_t qa = 1; qa < s->most; ++qa)
        for (int64_t qb = 1; qa + qb <= s->most; ++qb) {
          double weights[2] = {(double)qa * wa, (double)qb * wb};
          double vars[2] = {(double)qa * sa * sa, (double)qb * sb * sb};
          *fit_at(s, a, b, qa, qb) = rf__fit_weights(s->c, &on, weights, vars) +
                                     rf__quantity_prior(qa) + rf__quantity_prior(qb);
        }
    }
  }
  s->fitted = 1;
}

/* Pass 0: a split of l, its hands and items, against the best so far. Pass 1: l counted for
 * each diff of the best split it makes. */
static void count_split(split *s, int pass, double l, size_t h[2], uint32_t p[2], int64_t q[2]) {
  if (pass == 1) {
    uint32_t cart[2];
    for (int i = 0; i < 2; ++i)
      cart[i] = rf__ledger_cart_of(&s->e->ledger, (uint32_t)s->e->hands[h[i]].shopper);
    for (int k = 0; k < 2; ++k)
      if ((cart[0] == s->best_cart[k] && p[0] == s->best_p[k] && q[0] == s->best_q[k]) ||
          (cart[1] == s->best_cart[k] && p[1] == s->best_p[k] && q[1] == s->best_q[k]))
        s->made[k] = rf__logsumexp_add(s->made[k], l);
    return;
  }
  s->all = rf__logsumexp_add(s->all, l);
  if (l > s->best) {
    s->best = l;
    for (int i = 0; i < 2; ++i) {
      s->best_h[i] = h[i];
      s->best_p[i] = p[i];
      s->best_q[i] = q[i];
    }
  }
}

/* Every split of the change between hand visits h1 and h2 (who: the log of their shoppers
 * being who the cameras say, and the cost of two reaches read as one). */
static void pair_splits(split *s, int pass, size_t i1, size_t i2, double who) {
  const rf_engine *e = s->e;
  const f_hand *h1 = &e->hands[i1], *h2 = &e->hands[i2];
  size_t h[2] = {i1, i2};
  for (size_t a = 0; a < s->nf; ++a) {
    rf_facing_def fa;
    rf_store_facing(e->store, s->fac[a], &fa);
    for (size_t b = 0; b < s->nf; ++b) {
      rf_facing_def fb;
      rf_store_facing(e->store, s->fac[b], &fb);
      uint32_t p[2] = {e->facing_product[s->fac[a]], e->facing_product[s->fac[b]]};
      /* Each hand where its own items were, and what its sku hint says of them. */
      double place = rf__hand_fit_at(e, h1, s->c, fa.x0, fa.x1) +
                     rf__hand_fit_at(e, h2, s->c, fb.x0, fb.x1) +
                     rf__hint_logl(e, h1, p[0], s->nf) + rf__hint_logl(e, h2, p[1], s->nf);
      for (int64_t qa = 1; qa < s->most; ++qa)
        for (int64_t qb = 1; qa + qb <= s->most; ++qb) {
          int64_t q[2] = {qa, qb};
          count_split(s, pass, *fit_at(s, a, b, qa, qb) + who + place, h, p, q);
        }
    }
  }
}

/* Every pair of identified hands of different shoppers that could have made the change. */
static void scan_pairs(split *s, int pass) {
  const rf_engine *e = s->e;
  const f_columns *k = s->k;
  for (size_t j1 = 0; j1 < k->cols; ++j1) {
    const f_hand *h1 = &e->hands[k->hand_of[j1]];
    /* Named, and by a shopper who could have made it (in the store, no receipt out). */
    if (h1->shopper < 0 || s->row->what[h1->shopper] == -INFINITY) continue;
    if (rf__hand_fit(e, h1, s->c) == -INFINITY) continue;
    for (size_t j2 = j1 + 1; j2 < k->cols; ++j2) {
      const f_hand *h2 = &e->hands[k->hand_of[j2]];
      if (h2->shopper < 0 || h2->shopper == h1->shopper || s->row->what[h2->shopper] == -INFINITY)
        continue;
      if (rf__hand_fit(e, h2, s->c) == -INFINITY) continue;
      double who = log(rf__hand_who(e, s->row, h1, (uint32_t)h1->shopper)) +
                   log(rf__hand_who(e, s->row, h2, (uint32_t)h2->shopper)) + 2 * s->spared +
                   log(RF__SPLIT_MERGE_RATE);
      if (who == -INFINITY) continue;
      if (!s->fitted) fill_fits(s);
      pair_splits(s, pass, (size_t)k->hand_of[j1], (size_t)k->hand_of[j2], who);
    }
  }
}

int rf__split_change(rf_engine *e, const f_change *c, const f_row_terms *row, const f_columns *k,
                     size_t r, double *fits, rf_time_us wait) {
  split s = {.e = e, .c = c, .row = row, .k = k, .fits = fits};
  s.most = (int64_t)e->param[RF_PARAM_MAX_ITEMS];
  s.spared = -log(e->param[RF_PARAM_BROWSE_RATE]);
  s.best = s.all = -INFINITY;
  s.made[0] = s.made[1] = -INFINITY;
  /* The one-shopper evidence of this row, on the same scale as row->what. */
  double single_log = log(rf__row_single(k, r));
  rf_store_shelf_facings(e->store, c->shelf, &s.fac, &s.nf);
  scan_pairs(&s, 0);
  if (s.best == -INFINITY) return 0;
  for (int i = 0; i < 2; ++i)
    s.best_cart[i] = rf__ledger_cart_of(&e->ledger, (uint32_t)e->hands[s.best_h[i]].shopper);
  scan_pairs(&s, 1);
  /* row->what was shifted by the row's top term: bring the split onto the same scale. */
  double shift = row->unexplained - rf__unexplained_logl(e);
  double best = s.best + shift, all = s.all + shift;
  if (best <= single_log) return 0;
  double conf = exp(best - rf__logsumexp_add(all, single_log));
  rf_time_us t = c->t1 + wait;
  for (int part = 0; part < 2; ++part) {
    double p =
        fmin(1.0, fmax(conf, exp(s.made[part] + shift - rf__logsumexp_add(all, single_log))));
    if (rf__emit_diff(e, c->event, s.best_cart[part], s.best_p[part], s.best_q[part], p, t, -1,
                      NULL) != 0)
      return -1;
  }
  return 1;
}
