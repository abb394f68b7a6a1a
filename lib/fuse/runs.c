/* Runs of plates that lost or gained weight, each read as a change of its own: the reading of
 * last resort for a change no one shopper (and no two, and no merged reading) explains. */
#include "runs.h"

#include <string.h>

#include "core/alloc.h"
#include "emit.h"
#include "loose.h"

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
                       double run_lo, double run_hi, f_hyps *s, rf_time_us wait) {
  const double unexplained = rf__unexplained_logl(e);
  const double missed = log(e->param[RF_PARAM_MISSED_HAND_RATE]);
  /* The identified hands that could have made this run, and what each would have moved. */
  const f_what *w = NULL;
  double best_score = -INFINITY, all = missed + unexplained, p_what = 0.0;
  int64_t best_hand = -1;
  if (sign < 0) {
    rf__enumerate_takes(e, sub, s);
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
    /* Named by a shopper who could have made it, and ended by the time it fell due (as the
     * batch's columns: batch.c). */
    if (hv->shopper < 0 || hv->t1 > c->t1 + wait || !rf__candidate(e, (uint32_t)hv->shopper, sub))
      continue;
    double score = rf__hand_fit_at(e, hv, sub, run_lo, run_hi);
    if (score == -INFINITY) continue;
    if (sign > 0) {
      /* What this hand's shopper could have put back: their cart, at its own weight. */
      double puts = rf__enumerate_puts(e, sub, (uint32_t)hv->shopper, s);
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
    double puts = rf__enumerate_puts(e, sub, shopper, s);
    w = NULL;
    for (size_t i = 0; i < s->put_count; ++i)
      if (s->puts[i].decision < 0 && (w == NULL || s->puts[i].logl > w->logl)) w = &s->puts[i];
    if (w == NULL || w->logl < unexplained) return 0;
    p_what = exp(w->logl - puts);
  }
  double conf = p_what * exp(best_score - all);
  uint32_t cart = rf__ledger_cart_of(&e->ledger, shopper);
  for (int part = 0; part < w->parts; ++part)
    if (rf__emit_diff(e, c->event, cart, w->product[part], sign < 0 ? w->qty[part] : -w->qty[part],
                      conf, c->t1 + wait, -1, NULL) != 0)
      return -1;
  return rf__note_loose(e, sub, w) != 0 ? -1 : 1;
}

/* A single run [first, end) that lost weight, cut in two where both sides are best explained
 * as takes, and each side decided. The number of sides decided, or -1 when out of memory. */
static int decide_cut(rf_engine *e, const f_change *c, f_hyps *s, rf_time_us wait, size_t first,
                      size_t first_end) {
  const double *g = rf__change_g(e, c);
  const double floor_g = rf__run_floor(e, c->shelf);
  f_change sub;
  double lo, hi;
  int made = 0, rc;
  if (rf__run_sign(g[first], floor_g) > 0 || first_end - first < 2) return 0;
  const double unexplained = rf__unexplained_logl(e);
  size_t cut = 0;
  double best = -INFINITY;
  for (size_t m = first + 1; m < first_end; ++m) {
    run_change(e, c, first, m, &sub, &lo, &hi);
    rf__enumerate_takes(e, &sub, s);
    double left = -INFINITY, right = -INFINITY;
    for (size_t i = 0; i < s->take_count; ++i) left = fmax(left, s->takes[i].logl);
    run_change(e, c, m, first_end, &sub, &lo, &hi);
    rf__enumerate_takes(e, &sub, s);
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

/* The plates of the change into runs, each explained (explain_run). */
int rf__decide_runs(rf_engine *e, const f_change *c, f_hyps *s, rf_time_us wait) {
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
  if (regions == 1) return decide_cut(e, c, s, wait, first, first_end);
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
