/* A decrease no one shopper explains, read as several reaches merged into one change: items of
 * up to MERGED_FACINGS facings over the plates that lost weight, each facing's items taken by the
 * hand visit that fits them best. merged.h says when a reading is decided. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "merged.h"

#include "emit.h"

#define MERGED_FACINGS 6    /* most facings a merged change is read over */
#define MERGED_PER_FACING 3 /* most items of one facing in it */
#define MERGED_ITEMS 6      /* most items in it */
#define MERGED_HANDS 8      /* most hand visits considered for it */

/* A decrease read as several reaches: its facings and the hands that could have made them,
 * with everything that does not depend on how many items each facing gave computed once. */
typedef struct merged {
  const rf_engine *e;
  const f_change *c;
  rf_shelf_def shelf;
  double sigma; /* the shelf's noise */
  size_t n, nh, nf_all;
  uint32_t fac[MERGED_FACINGS];
  size_t place[MERGED_FACINGS];                  /* each facing's place among the shelf's facings */
  double lo[MERGED_FACINGS], hi[MERGED_FACINGS]; /* its span */
  double unit[MERGED_FACINGS], sd[MERGED_FACINGS]; /* its product's weight and spread */
  /* Who takes each facing's items: the best hand, its term (place, time, hint, who), how much
   * the other hands add (log), and the share of them in the best hand's cart. */
  int by[MERGED_FACINGS];
  double top[MERGED_FACINGS], spread[MERGED_FACINGS], share[MERGED_FACINGS];
  const f_hand *hands[MERGED_HANDS];
  uint32_t cart[MERGED_HANDS]; /* of the shopper most likely behind each hand */
  double who[MERGED_HANDS];    /* log of that shopper's probability */
  double spared, shift;
} merged;

/* Whether facing i's span and plate k overlap. */
static int over_plate(const merged *m, size_t i, size_t k) {
  return m->hi[i] > m->shelf.plates[k].x0 && m->lo[i] < m->shelf.plates[k].x1;
}

/* log L of the plates of the decrease if q[i] items of facing i left: facings whose spans share
 * a plate form a group, and each group's plates lost its items' weight; plates under no facing
 * saw only noise. Against a one-span reading (which only scores the total) each further group
 * says how the total divides, at density 1 / total. */
static double fit_groups(const merged *m, const int64_t *q) {
  const size_t n = m->n;
  const double sigma = m->sigma;
  const double *g = rf__change_g(m->e, m->c);
  int group[MERGED_FACINGS];
  double w[MERGED_FACINGS], v[MERGED_FACINGS];
  for (size_t i = 0; i < n; ++i) {
    w[i] = (double)q[i] * m->unit[i];
    v[i] = (double)q[i] * m->sd[i] * m->sd[i];
    group[i] = (int)i;
  }
  /* Join facings that share a plate (n is small: relabel by hand). */
  for (size_t k = 0; k < m->shelf.plate_count; ++k) {
    int first = -1;
    for (size_t i = 0; i < n; ++i) {
      if (q[i] == 0 || !over_plate(m, i, k)) continue;
      if (first < 0) {
        first = group[i];
        continue;
      }
      int old = group[i];
      for (size_t j = 0; j < n; ++j)
        if (group[j] == old) group[j] = first;
    }
  }
  double mass[MERGED_FACINGS] = {0}, weight[MERGED_FACINGS] = {0}, var[MERGED_FACINGS] = {0};
  int plates[MERGED_FACINGS] = {0};
  double l = 0.0;
  for (size_t k = 0; k < m->shelf.plate_count; ++k) {
    int in = -1;
    for (size_t i = 0; i < n && in < 0; ++i)
      if (q[i] > 0 && over_plate(m, i, k)) in = group[i];
    if (in < 0) {
      l -= 0.5 * (g[k] / sigma) * (g[k] / sigma);
    } else {
      mass[in] += -g[k];
      plates[in]++;
    }
  }
  int groups = 0;
  for (size_t i = 0; i < n; ++i) {
    if (q[i] == 0) continue;
    weight[group[i]] += w[i];
    var[group[i]] += v[i];
  }
  for (size_t i = 0; i < n; ++i) {
    if (plates[i] == 0 && weight[i] == 0) continue;
    if (plates[i] == 0) return -INFINITY; /* items from a facing over no plate of the change */
    double vv = var[i] + (double)plates[i] * sigma * sigma;
    double d = mass[i] - weight[i];
    l += -0.5 * d * d / vv - 0.5 * (RF__LOG_2PI + log(vv));
    groups++;
  }
  return l + (double)(groups - 1) * log(fmax(fabs(m->c->total), 1.0));
}

/* Each facing's best hand and the terms around it (they do not depend on the quantities). 0, or
 * -1 when some facing has no hand at all. */
static int choose_hands(merged *m) {
  const rf_engine *e = m->e;
  for (size_t k = 0; k < m->n; ++k) {
    double t[MERGED_HANDS], top = -INFINITY, any = -INFINITY;
    m->by[k] = -1;
    for (size_t h = 0; h < m->nh; ++h) {
      t[h] = rf__hand_fit_at(e, m->hands[h], m->c, m->lo[k], m->hi[k]) + m->who[h] +
             rf__hint_logl(e, m->hands[h], e->facing_product[m->fac[k]], m->nf_all);
      any = rf__logsumexp_add(any, t[h]);
      if (t[h] > top) {
        top = t[h];
        m->by[k] = (int)h;
      }
    }
    if (m->by[k] < 0) return -1;
    double same_cart = -INFINITY;
    for (size_t h = 0; h < m->nh; ++h)
      if (m->cart[h] == m->cart[m->by[k]]) same_cart = rf__logsumexp_add(same_cart, t[h]);
    m->share[k] = exp(same_cart - any);
    m->top[k] = top;
    m->spread[k] = any - top;
  }
  return 0;
}

/* One reading: q[k] items of facing k, each facing's items by the hand that fits them best
 * (m->by[k]). Returns its log L on the row's scale, or -inf; *spread gets how much (in log) the
 * other hands that could have taken the items add to it. */
static double score_reading(const merged *m, const int64_t *q, double *spread) {
  int64_t items = 0;
  size_t parts = 0;
  for (size_t k = 0; k < m->n; ++k) {
    items += q[k];
    parts += q[k] > 0;
  }
  if (items < 2 || items > MERGED_ITEMS) return -INFINITY;
  double l = fit_groups(m, q);
  if (l == -INFINITY) return l;
  int64_t hand_items[MERGED_HANDS] = {0};
  int hand_parts[MERGED_HANDS] = {0};
  *spread = 0.0;
  for (size_t k = 0; k < m->n; ++k) {
    if (q[k] == 0) continue;
    l += m->top[k] - m->who[m->by[k]]; /* who is counted once a hand, below */
    *spread += m->spread[k];
    hand_items[m->by[k]] += q[k];
    hand_parts[m->by[k]]++;
  }
  int used = 0;
  for (size_t h = 0; h < m->nh; ++h) {
    if (hand_parts[h] == 0) continue;
    l += m->who[h] + m->spared + rf__quantity_prior(hand_items[h]) +
         (hand_parts[h] - 1) * log(RF__TWO_FACING_PRIOR) +
         (used++ > 0 ? log(RF__SPLIT_MERGE_RATE) : 0.0);
  }
  /* One hand at one facing, or at two neighbouring ones, is a one-shopper reading. */
  if (used < 2 && parts < 2) return -INFINITY;
  if (used < 2 && parts == 2) {
    size_t a = SIZE_MAX, b = SIZE_MAX;
    for (size_t k = 0; k < m->n; ++k)
      if (q[k] > 0) {
        if (a == SIZE_MAX) a = m->place[k];
        else b = m->place[k];
      }
    if (b == a + 1) return -INFINITY;
  }
  return l + m->shift;
}

/* The next quantity vector (an odometer over the facings); 0 after the last. */
static int next_quantities(int64_t *q, size_t n) {
  size_t i = 0;
  while (i < n && q[i] == MERGED_PER_FACING) q[i++] = 0;
  if (i == n) return 0;
  q[i]++;
  return 1;
}

/* The facings over plates that lost weight, at most MERGED_FACINGS of them: 0, or -1 when
 * there are more. */
static int gather_facings(merged *m) {
  const rf_engine *e = m->e;
  const double floor_g = rf__run_floor(e, m->c->shelf);
  const double *g = rf__change_g(e, m->c);
  const uint32_t *all_fac;
  rf_store_shelf_facings(e->store, m->c->shelf, &all_fac, &m->nf_all);
  for (size_t i = 0; i < m->nf_all; ++i) {
    rf_facing_def f;
    rf_store_facing(e->store, all_fac[i], &f);
    int over = 0;
    for (size_t k = 0; k < m->shelf.plate_count && !over; ++k)
      over = rf__run_sign(g[k], floor_g) < 0 &&
             fmin(f.x1, m->shelf.plates[k].x1) - fmax(f.x0, m->shelf.plates[k].x0) > 0;
    if (!over) continue;
    if (m->n == MERGED_FACINGS) return -1;
    m->place[m->n] = i;
    m->lo[m->n] = f.x0;
    m->hi[m->n] = f.x1;
    rf__product_weight(e, e->facing_product[all_fac[i]], &m->unit[m->n], &m->sd[m->n]);
    m->fac[m->n++] = all_fac[i];
  }
  return 0;
}

/* The batch's hand visits on the shelf (at most MERGED_HANDS), each with the shopper most
 * likely behind it. */
static void gather_hands(merged *m, const f_row_terms *row, const f_columns *k) {
  const rf_engine *e = m->e;
  const uint32_t everyone = rf__ledger_count(&e->ledger);
  for (size_t j = 0; j < k->cols && m->nh < MERGED_HANDS; ++j) {
    const f_hand *hv = &e->hands[k->hand_of[j]];
    if (hv->shelf != m->c->shelf) continue;
    double best = 0.0;
    uint32_t best_k = 0;
    for (uint32_t s = 0; s < everyone; ++s) {
      if (row->what[s] == -INFINITY || row->prox[s] <= 0) continue;
      double p = rf__hand_who(e, row, hv, s);
      if (p > best) {
        best = p;
        best_k = s;
      }
    }
    if (best <= 0) continue;
    m->hands[m->nh] = hv;
    m->cart[m->nh] = rf__ledger_cart_of(&e->ledger, best_k);
    m->who[m->nh++] = log(best);
  }
}

/* The best reading into best_q and its log L (-inf: none), and every reading's summed, the
 * one-shopper evidence (single_log) included, in *all; each reading's log L with its spread in
 * scored[], in the odometer's order (-inf: no reading), for agreement() to read again. */
static double best_reading(const merged *m, double single_log, int64_t *best_q, double *all,
                           double *scored) {
  int64_t q[MERGED_FACINGS] = {0};
  double spread, best = -INFINITY;
  size_t at = 0;
  *all = single_log;
  while (next_quantities(q, m->n)) {
    double l = score_reading(m, q, &spread);
    scored[at++] = l == -INFINITY ? l : l + spread;
    if (l == -INFINITY) continue;
    *all = rf__logsumexp_add(*all, l + spread);
    if (l > best) {
      best = l;
      memcpy(best_q, q, sizeof q);
    }
  }
  return best;
}

/* Each diff's confidence: the readings with as many items of its facing, times the share of
 * their hands that put them in its cart. */
static void agreement(const merged *m, const int64_t *best_q, double all, const double *scored,
                      double *agree) {
  int64_t q[MERGED_FACINGS] = {0};
  size_t at = 0;
  for (size_t k = 0; k < m->n; ++k) agree[k] = 0.0;
  while (next_quantities(q, m->n)) {
    double l = scored[at++];
    if (l == -INFINITY) continue;
    double p = exp(l - all);
    for (size_t k = 0; k < m->n; ++k)
      if (best_q[k] > 0 && q[k] == best_q[k]) agree[k] += p * m->share[k];
  }
}

size_t rf__merged_scratch_size(void) {
  size_t n = 1;
  for (int i = 0; i < MERGED_FACINGS; ++i) n *= MERGED_PER_FACING + 1;
  return n;
}

int rf__explain_merged(rf_engine *e, const f_change *c, const f_row_terms *row, const f_columns *k,
                       size_t r, rf_time_us wait, double *scored) {
  merged m;
  memset(&m, 0, sizeof m);
  m.e = e;
  m.c = c;
  rf_store_shelf(e->store, c->shelf, &m.shelf);
  m.sigma = rf__noise_of(e, c->shelf);
  if (gather_facings(&m) != 0 || m.n == 0) return 0;
  gather_hands(&m, row, k);
  /* One hand at one facing is a one-shopper reading: nothing to read here. */
  if (m.nh == 0 || (m.nh == 1 && m.n == 1) || choose_hands(&m) != 0) return 0;
  m.spared = -log(e->param[RF_PARAM_BROWSE_RATE]);
  /* row->what was shifted by the row's top term: the readings come onto the same scale. */
  m.shift = row->unexplained - rf__unexplained_logl(e);
  const double single_log = log(rf__row_single(k, r));
  int64_t best_q[MERGED_FACINGS] = {0};
  double all;
  double best = best_reading(&m, single_log, best_q, &all, scored);
  if (best <= single_log) return 0;
  double agree[MERGED_FACINGS];
  agreement(&m, best_q, all, scored, agree);
  rf_time_us t = c->t1 + wait;
  for (size_t f = 0; f < m.n; ++f) {
    if (best_q[f] == 0) continue;
    double conf = fmin(agree[f], 1.0);
    if (rf__emit_diff(e, c->event, m.cart[m.by[f]], e->facing_product[m.fac[f]], best_q[f], conf, t,
                      -1, NULL) != 0)
      return -1;
  }
  return 1;
}
