/* Explanations of decided changes (explain.h): alternatives from the row's posterior over carts
 * and, for each likely cart, its readings of what moved — grouped as decisions group them, by the
 * diffs they would make — each with the factors of its likelihood; then the candidates and the
 * hand visits. Everything is copied into one block, so a queued explanation outlives the
 * shoppers it names. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "emit.h"
#include "retailfuse/status.h"

#define MAX_CARTS 4    /* carts whose readings are listed */
#define MAX_READINGS 3 /* readings listed per cart */
#define MAX_DIFFS 64
#define MIN_P 0.001
#define MIN_READING_P 0.01

struct f_explain {
  rf_explain_rec rec;
  rf_alternative alts[MAX_ALTS];
  rf_item_qty items[MAX_ALTS * 2 + MAX_DIFFS];
  rf_candidate candidates[MAX_CANDIDATES];
  rf_explain_hand hands[MAX_HANDS];
  int64_t diffs[MAX_DIFFS];
  size_t names_len;
  char names[]; /* the ids named, copied */
};

typedef f_explain_draft draft;

void rf__explain_begin_row(rf_engine *e, int64_t event) {
  e->explain_event = event;
  e->explain_diff_count = 0;
}

void rf__explain_note_diff(rf_engine *e, const f_out *diff) {
  if (!e->explain_on || diff->event != e->explain_event || e->explain_diff_count >= MAX_DIFFS)
    return;
  e->explain_diffs[e->explain_diff_count++] = *diff;
}

/* The hand visit of the batch most likely shopper k's (theirs or anonymous), or NULL. */
static const f_hand *hand_of_shopper(const rf_engine *e, const f_explain_row *x, uint32_t k) {
  const f_hand *their = NULL;
  double their_p = 0.0;
  for (size_t j = 0; j < x->cols; ++j) {
    const f_hand *hv = &e->hands[x->hand_of[j]];
    if ((hv->shopper == (int64_t)k || hv->shopper < 0) && x->P[j] > their_p) {
      their = hv;
      their_p = x->P[j];
    }
  }
  return their;
}

/* The log-likelihood of w's items' weight against the change's total, alone. */
static double weight_term(const rf_engine *e, const f_change *c, const f_what *w) {
  double sum = 0.0, var = 0.0;
  for (int k = 0; k < w->parts; ++k) {
    double unit, sd;
    rf__product_weight(e, w->product[k], &unit, &sd);
    sum += (double)w->qty[k] * unit;
    var += (double)w->qty[k] * sd * sd;
  }
  double sigma = rf__noise_of(e, c->shelf);
  var += (double)c->reported * sigma * sigma;
  double z = fabs(c->total) - sum;
  return -0.5 * z * z / var - 0.5 * (RF__LOG_2PI + log(var));
}

/* The priors hypotheses.c adds to w's fit: items, facings, loose or misplaced, a revised take. */
static double prior_term(const rf_engine *e, const f_change *c, uint32_t cart, const f_what *w) {
  int64_t items = 0;
  for (int k = 0; k < w->parts; ++k) items += w->qty[k];
  if (c->total > 0 && rf__ledger_staff_cart(&e->ledger, cart))
    return -log((double)RF__RESTOCK_MOST);
  double l = rf__quantity_prior(items);
  if (w->parts == 2) l += log(RF__TWO_FACING_PRIOR);
  if (c->total < 0) return w->loose >= 0 ? l + log(RF__LOOSE_TAKE_PRIOR) : l;
  double misplace = e->param[RF_PARAM_MISPLACE_PRIOR];
  l += w->misplaced ? log(misplace > 0 ? misplace : 1e-12) : log1p(-misplace);
  if (w->decision >= 0) l += log(e->decisions[w->decision].alt[w->alt].prob);
  return l;
}

static void evidence(const rf_engine *e, const f_explain_row *x, uint32_t k, const f_hand *h,
                     draft *d) {
  const f_change *c = x->c;
  uint32_t cart = rf__ledger_cart_of(&e->ledger, k);
  d->terms.weight = weight_term(e, c, &d->w);
  d->terms.prior = prior_term(e, c, cart, &d->w);
  d->terms.plates = d->w.logl - d->terms.weight - d->terms.prior;
  size_t nf = rf__shelf_facings(e, c->shelf);
  if (h == NULL) {
    d->terms.hand = log(x->missed > 0 ? x->missed : 1e-300);
    d->terms.identity = NAN;
  } else {
    d->terms.hand = c->total < 0
                        ? rf__hand_items_logl(e, h, c, d->w.product[0], d->w.lo, d->w.hi, nf)
                        : rf__hand_fit(e, h, c);
    double who = rf__hand_who(e, x->row, h, k);
    d->terms.identity = who > 0 ? log(who) : NAN; /* no chance: not a term, and JSON has no -inf */
  }
  d->terms.position = x->row->prox[k] > 0 ? log(x->row->prox[k]) : NAN;
  double *all[] = {&d->terms.weight, &d->terms.plates, &d->terms.prior, &d->terms.hand};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i)
    if (!isfinite(*all[i])) *all[i] = NAN;
}

/* Whether a and b would make the same diffs. */
static int same_items(const f_what *a, const f_what *b) {
  if (a->parts != b->parts) return 0;
  for (int k = 0; k < a->parts; ++k)
    if (a->product[k] != b->product[k] || a->qty[k] != b->qty[k]) return 0;
  return 1;
}

/* Cart k's likeliest readings as drafts: the hypotheses (weighed with the sku hint and place
 * of the visit most likely theirs) grouped by the items they move. */
static size_t readings_of(rf_engine *e, const f_explain_row *x, uint32_t k, double p_cart,
                          draft *out, size_t room) {
  const f_change *c = x->c;
  f_hyps *s = x->s;
  const f_what *list;
  size_t count;
  if (c->total < 0) {
    rf__takes_of(e, c, s);
    list = s->takes;
    count = s->take_count;
  } else {
    rf__enumerate_puts(e, c, k, s);
    list = s->puts;
    count = s->put_count;
  }
  const f_hand *h = hand_of_shopper(e, x, k);
  size_t nf = rf__shelf_facings(e, c->shelf);
  double *hinted = e->scratch.buf[F_SLOT_HINTED];
  int32_t *group = e->scratch.buf[F_SLOT_ORDER]; /* each hypothesis's group, by its first */
  double all = -INFINITY;
  for (size_t i = 0; i < count; ++i) {
    const f_what *o = &list[i];
    hinted[i] =
        o->logl +
        (c->total < 0 && h ? rf__hand_items_logl(e, h, c, o->product[0], o->lo, o->hi, nf) : 0.0);
    all = rf__logsumexp_add(all, hinted[i]);
    group[i] = (int32_t)i;
    for (size_t g = 0; g < i; ++g)
      if (group[g] == (int32_t)g && same_items(&list[g], o)) {
        group[i] = (int32_t)g;
        break;
      }
  }
  size_t n = 0;
  for (size_t g = 0; g < count; ++g) {
    if (group[g] != (int32_t)g) continue;
    double sum = -INFINITY;
    size_t top = g;
    for (size_t i = g; i < count; ++i)
      if (group[i] == (int32_t)g) {
        sum = rf__logsumexp_add(sum, hinted[i]);
        if (hinted[i] > hinted[top]) top = i;
      }
    double p = p_cart * exp(sum - all);
    if (exp(sum - all) < MIN_READING_P || p < MIN_P) continue;
    draft d = {.shopper = k, .w = list[top], .sign = c->total < 0 ? 1 : -1, .p = p};
    /* Keep the `room` likeliest: replace the least likely kept when this one beats it. */
    size_t at = n < room ? n++ : room;
    if (at == room) {
      size_t least = 0;
      for (size_t i = 1; i < room; ++i)
        if (out[i].p < out[least].p) least = i;
      if (out[least].p >= p) continue;
      at = least;
    }
    evidence(e, x, k, h, &d);
    out[at] = d;
  }
  return n;
}

static int by_p_desc(const void *a, const void *b) {
  double pa = ((const draft *)a)->p, pb = ((const draft *)b)->p;
  return pa > pb ? -1 : pa < pb ? 1 : 0;
}

/* Up to MAX_CARTS of the likeliest carts (each by the member most plausibly there), most
 * probable first, into who[]; returns how many. */
static size_t likely_carts(const rf_engine *e, const f_explain_row *x, uint32_t *who, size_t room) {
  const rf__ledger *l = &e->ledger;
  uint32_t shoppers = rf__ledger_count(l);
  size_t n = 0;
  for (uint32_t k = 0; k < shoppers; ++k) {
    if (x->post[k] < MIN_P || x->row->prox[k] <= 0 || x->row->what[k] == -INFINITY) continue;
    uint32_t cart = rf__ledger_cart_of(l, k);
    size_t i = 0;
    while (i < n && rf__ledger_cart_of(l, who[i]) != cart) ++i;
    if (i < n) {
      if (x->row->prox[k] > x->row->prox[who[i]]) who[i] = k;
      continue;
    }
    if (n < room) {
      who[n++] = k;
    } else {
      size_t least = 0;
      for (size_t j = 1; j < n; ++j)
        if (x->post[who[j]] < x->post[who[least]]) least = j;
      if (x->post[who[least]] < x->post[k]) who[least] = k;
    }
  }
  for (size_t i = 1; i < n; ++i) /* insertion sort: a handful */
    for (size_t j = i; j > 0 && x->post[who[j]] > x->post[who[j - 1]]; --j) {
      uint32_t t = who[j];
      who[j] = who[j - 1];
      who[j - 1] = t;
    }
  return n;
}

/* The alternatives, most probable first, nobody's always among them. */
static size_t alternatives(rf_engine *e, const f_explain_row *x, draft *alts) {
  size_t n = 0;
  if (x->row != NULL) {
    uint32_t who[MAX_CARTS];
    size_t carts = likely_carts(e, x, who, MAX_CARTS);
    draft found[MAX_CARTS * MAX_READINGS];
    size_t nf = 0;
    for (size_t i = 0; i < carts; ++i)
      nf += readings_of(e, x, who[i], x->post[who[i]], found + nf, MAX_READINGS);
    qsort(found, nf, sizeof *found, by_p_desc);
    for (size_t i = 0; i < nf && n < MAX_ALTS - 1; ++i) alts[n++] = found[i];
  }
  draft nobody = {.shopper = -1, .p = x->row != NULL ? x->nobody : 1.0};
  nobody.terms = (rf_evidence){NAN, NAN, NAN, NAN, NAN, NAN};
  size_t at = n++;
  while (at > 0 && alts[at - 1].p < nobody.p) {
    alts[at] = alts[at - 1];
    --at;
  }
  alts[at] = nobody;
  return n;
}

/* Room for one id in the block's names (NULL ids take none). */
static size_t name_size(const char *id) { return id ? strlen(id) + 1 : 0; }

static const char *copy_name(f_explain *b, const char *id) {
  if (id == NULL) return NULL;
  char *to = b->names + b->names_len;
  size_t n = strlen(id) + 1;
  memcpy(to, id, n);
  b->names_len += n;
  return to;
}

static const char *owner_id(const rf_engine *e, int64_t k) {
  if (k < 0) return NULL;
  return rf__ledger_id(&e->ledger, rf__ledger_cart_of(&e->ledger, (uint32_t)k));
}

/* The hand visits the batch weighed that fit this change: the MAX_HANDS likeliest, by t0. */
static size_t hands_of(const rf_engine *e, const f_explain_row *x, int32_t *cols) {
  size_t n = 0;
  for (size_t j = 0; j < x->cols; ++j) {
    if (rf__hand_fit(e, &e->hands[x->hand_of[j]], x->c) == -INFINITY) continue;
    if (n < MAX_HANDS) {
      cols[n++] = (int32_t)j;
      continue;
    }
    size_t least = 0;
    for (size_t i = 1; i < n; ++i)
      if (x->P[cols[i]] < x->P[cols[least]]) least = i;
    if (x->P[cols[least]] < x->P[j]) cols[least] = (int32_t)j;
  }
  for (size_t i = 1; i < n; ++i) /* insertion sort by t0: a handful */
    for (size_t k = i;
         k > 0 && e->hands[x->hand_of[cols[k]]].t0 < e->hands[x->hand_of[cols[k - 1]]].t0; --k) {
      int32_t t = cols[k];
      cols[k] = cols[k - 1];
      cols[k - 1] = t;
    }
  return n;
}

/* The candidates: the likeliest carts' members most plausibly there. */
static size_t candidates_of(const rf_engine *e, const f_explain_row *x, uint32_t *who) {
  if (x->row == NULL) return 0;
  return likely_carts(e, x, who, MAX_CANDIDATES);
}

/* qty of product p into alternative a (its items last in `all`): added to its line for p, or a
 * new line; returns the lines added (0 or 1). A sku is listed once. */
static size_t add_item(const rf_engine *e, rf_item_qty *all, rf_alternative *a, uint32_t p,
                       int64_t qty) {
  rf_product_def def;
  rf_store_product(e->store, p, &def);
  rf_item_qty *lines = all + (a->items - all);
  for (size_t i = 0; i < a->item_count; ++i)
    if (lines[i].sku == def.sku) {
      lines[i].qty += qty;
      return 0;
    }
  lines[a->item_count++] = (rf_item_qty){def.sku, qty};
  return 1;
}

/* Drops a's lines that came to 0 (a take and a put-back of one product): how many. */
static size_t drop_empty(rf_item_qty *all, rf_alternative *a) {
  rf_item_qty *lines = all + (a->items - all);
  size_t kept = 0, n = a->item_count;
  for (size_t i = 0; i < n; ++i)
    if (lines[i].qty != 0) lines[kept++] = lines[i];
  a->item_count = kept;
  return n - kept;
}

/* With split, merged and runs the decision is none of the whole readings: its parts come
 * first, one alternative per cart its diffs went to (p: the least confidence of them), into
 * b->alts from *n; returns the items used. */
static size_t decided_parts(rf_engine *e, const f_explain_row *x, f_explain *b, size_t *n) {
  size_t items = 0;
  if (strcmp(x->how, "whole") == 0) return 0;
  const f_out *d = e->explain_diffs;
  for (size_t i = 0; i < e->explain_diff_count && *n < MAX_ALTS - 1; ++i) {
    int seen = 0;
    for (size_t k = 0; k < i && !seen; ++k) seen = d[k].cart == d[i].cart;
    if (seen) continue;
    rf_alternative *a = &b->alts[(*n)++];
    a->shopper = copy_name(b, rf__ledger_id(&e->ledger, d[i].cart));
    a->items = b->items + items;
    a->p = 1.0;
    a->terms = (rf_evidence){NAN, NAN, NAN, NAN, NAN, NAN};
    for (size_t k = i; k < e->explain_diff_count; ++k) {
      if (d[k].cart != d[i].cart) continue;
      items += add_item(e, b->items, a, d[k].product, d[k].qty);
      a->p = fmin(a->p, d[k].conf);
    }
    items -= drop_empty(b->items, a);
  }
  return items;
}

/* The room the names of the block take. */
static size_t names_size(const rf_engine *e, const f_explain_row *x, const draft *alts, size_t na,
                         const uint32_t *cands, size_t nc, const int32_t *hcols, size_t nh) {
  size_t names = 0;
  for (size_t i = 0; i < na; ++i) names += name_size(owner_id(e, alts[i].shopper));
  for (size_t i = 0; i < nc; ++i) names += name_size(owner_id(e, cands[i]));
  for (size_t i = 0; i < nh; ++i) {
    int64_t s = e->hands[x->hand_of[hcols[i]]].shopper;
    names += name_size(s >= 0 ? rf__ledger_id(&e->ledger, (uint32_t)s) : NULL);
  }
  for (size_t i = 0; i < e->explain_diff_count; ++i)
    names += name_size(rf__ledger_id(&e->ledger, e->explain_diffs[i].cart));
  return names;
}

static f_explain *pack(rf_engine *e, const f_explain_row *x, const draft *alts, size_t na,
                       const uint32_t *cands, size_t nc, const int32_t *hcols, size_t nh) {
  size_t names = names_size(e, x, alts, na, cands, nc, hcols, nh);
  f_explain *b = rf__malloc(&e->alloc, sizeof *b + names);
  if (b == NULL) return NULL;
  memset(b, 0, sizeof *b);
  const f_change *c = x->c;
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  rf_explain_rec *r = &b->rec;
  *r = (rf_explain_rec){.event = c->event,
                        .t = x->t,
                        .shelf = def.shelf,
                        .t0 = c->t0,
                        .t1 = c->t1,
                        .total = c->total,
                        .x = c->center_x,
                        .how = x->how};
  for (size_t i = 0; i < e->explain_diff_count; ++i) b->diffs[i] = e->explain_diffs[i].seq;
  r->diffs = b->diffs;
  r->diff_count = e->explain_diff_count;
  size_t n = 0, items = decided_parts(e, x, b, &n), room = MAX_ALTS - n, parts = n;
  /* Beside a decision's parts the whole readings' nobody says little (a change no whole reading
   * explains is nobody's to them): nobody's is what the likeliest part leaves. */
  double most_part = 0.0;
  for (size_t i = 0; i < parts; ++i) most_part = fmax(most_part, b->alts[i].p);
  for (size_t i = 0; i < na; ++i) {
    /* The last room left is nobody's. */
    if (alts[i].shopper >= 0 && (room == 1 || (room == 0))) continue;
    if (room == 0) break;
    rf_alternative *a = &b->alts[n++];
    room--;
    a->shopper = copy_name(b, owner_id(e, alts[i].shopper));
    a->items = b->items + items;
    for (int k = 0; alts[i].shopper >= 0 && k < alts[i].w.parts; ++k) {
      items += add_item(e, b->items, a, alts[i].w.product[k], alts[i].sign * alts[i].w.qty[k]);
    }
    a->p = fmin(1.0, alts[i].p);
    a->terms = alts[i].terms;
    if (alts[i].shopper < 0 && parts > 0) a->p = fmax(0.0, 1.0 - most_part); /* see above */
  }
  na = n;
  r->alternatives = b->alts;
  r->alternative_count = na;
  for (size_t i = 0; i < nc; ++i) {
    rf_candidate *cd = &b->candidates[i];
    cd->shopper = copy_name(b, owner_id(e, cands[i]));
    cd->p = fmin(1.0, x->post[cands[i]]);
    cd->has_distance = rf__distance_to_change(e, cands[i], c, &cd->distance) == 0;
  }
  r->candidates = b->candidates;
  r->candidate_count = nc;
  for (size_t i = 0; i < nh; ++i) {
    const f_hand *h = &e->hands[x->hand_of[hcols[i]]];
    b->hands[i] = (rf_explain_hand){
        .shopper =
            copy_name(b, h->shopper >= 0 ? rf__ledger_id(&e->ledger, (uint32_t)h->shopper) : NULL),
        .t0 = h->t0,
        .t1 = h->t1,
        .has_x = h->has_x,
        .x = h->x,
        .p = fmin(1.0, x->P[hcols[i]])};
  }
  r->hands = b->hands;
  r->hand_count = nh;
  return b;
}

void rf__explain_prepare(rf_engine *e, const f_explain_row *x, f_explain_prep *p) {
  if (!e->explain_on) return;
  p->na = alternatives(e, x, p->alts);
  p->nc = candidates_of(e, x, p->cands);
  p->nh = hands_of(e, x, p->hcols);
}

void rf__explain_finish(rf_engine *e, const f_explain_row *x, const f_explain_prep *p) {
  if (!e->explain_on) return;
  f_explain *b = pack(e, x, p->alts, p->na, p->cands, p->nc, p->hcols, p->nh);
  if (b == NULL || rf__emit_explain(e, b) != 0) {
    rf__explain_free(e, b);
    e->stats.explain_dropped++;
  }
}

const rf_explain_rec *rf__explain_record(const f_explain *x) { return &x->rec; }

void rf__explain_free(rf_engine *e, f_explain *x) { rf__free(&e->alloc, x); }
