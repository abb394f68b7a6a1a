/* Scoring an output against the ground truth; see retailfuse/eval.h for every definition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "core/names.h"
#include "retailfuse/eval.h"
#include "retailfuse/status.h"

/* How far before a diff the truth action it reports may lie (and after, for clock noise). */
#define MATCH_BEFORE_US 60000000
#define MATCH_AFTER_US 5000000

typedef struct cell { /* one (cart, sku) */
  uint32_t cart, sku;
  int64_t truth_receipt, truth_actions, output_receipt, diff_sum, unflagged_sum;
} cell;

typedef struct cart_flags {
  int truth_receipt, output_receipt;
} cart_flags;

typedef struct action { /* one truth record: `units` items moved one way */
  uint32_t cart, sku;
  int sign;
  int64_t t, units, unmatched;
} action;

typedef struct diff {
  size_t order; /* order added: ties of seq keep it */
  int64_t seq, t, qty, corrects;
  uint32_t cart, sku;
  int has_corrects, review;
  int moved; /* event < 0: items moved between carts by a link, not a decision */
  double conf;
} diff;

struct rf_eval {
  rf_allocator alloc;
  rf__names carts, skus;
  cell *cells;
  size_t cell_count, cell_cap;
  uint64_t *slots; /* open addressing: (key << 32 | cell index + 1), 0 empty */
  size_t slot_cap;
  cart_flags *flags;
  size_t flags_cap;
  action *actions;
  size_t action_count, action_cap;
  diff *diffs;
  size_t diff_count, diff_cap;
  rf__errbuf err;
};

int rf_eval_new(rf_eval **out, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_eval *e = rf__calloc(&a, 1, sizeof *e);
  if (e == NULL) return RF_ENOMEM;
  e->alloc = a;
  *out = e;
  return 0;
}

void rf_eval_free(rf_eval *e) {
  if (e == NULL) return;
  const rf_allocator *a = &e->alloc;
  rf__names_free(&e->carts, a);
  rf__names_free(&e->skus, a);
  rf__free(a, e->cells);
  rf__free(a, e->slots);
  rf__free(a, e->flags);
  rf__free(a, e->actions);
  rf__free(a, e->diffs);
  rf_allocator copy = e->alloc;
  rf__free(&copy, e);
}

const char *rf_eval_errmsg(const rf_eval *e) { return e ? e->err.msg : ""; }

static int intern(rf_eval *e, rf__names *n, const char *id, uint32_t *out) {
  return rf__names_intern(n, &e->alloc, id, out, NULL);
}

static uint64_t mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return k;
}

/* The cell of (cart, sku) if it exists, else NULL and the free slot for it in *slot. */
static cell *find_cell(const rf_eval *e, uint32_t cart, uint32_t sku, size_t *slot) {
  size_t h = mix((uint64_t)cart << 32 | sku) & (e->slot_cap - 1);
  while (e->slots[h]) {
    cell *c = &e->cells[e->slots[h] - 1];
    if (c->cart == cart && c->sku == sku) return c;
    h = (h + 1) & (e->slot_cap - 1);
  }
  *slot = h;
  return NULL;
}

/* The cell of (cart, sku), created on first use. */
static cell *get_cell(rf_eval *e, uint32_t cart, uint32_t sku) {
  if (2 * (e->cell_count + 1) > e->slot_cap) {
    size_t cap = e->slot_cap ? 2 * e->slot_cap : 64;
    uint64_t *slots = rf__calloc(&e->alloc, cap, sizeof *slots);
    if (slots == NULL) return NULL;
    for (size_t i = 0; i < e->cell_count; ++i) {
      uint64_t k = (uint64_t)e->cells[i].cart << 32 | e->cells[i].sku;
      size_t h = mix(k) & (cap - 1);
      while (slots[h]) h = (h + 1) & (cap - 1);
      slots[h] = (uint64_t)(i + 1);
    }
    rf__free(&e->alloc, e->slots);
    e->slots = slots;
    e->slot_cap = cap;
  }
  size_t h;
  cell *found = find_cell(e, cart, sku, &h);
  if (found != NULL) return found;
  if (RF__RESERVE(&e->alloc, e->cells, e->cell_cap, e->cell_count + 1) != 0) return NULL;
  cell *c = &e->cells[e->cell_count];
  memset(c, 0, sizeof *c);
  c->cart = cart;
  c->sku = sku;
  e->slots[h] = ++e->cell_count;
  return c;
}

static cart_flags *get_flags(rf_eval *e, uint32_t cart) {
  size_t old = e->flags_cap;
  if (RF__RESERVE(&e->alloc, e->flags, e->flags_cap, (size_t)cart + 1) != 0) return NULL;
  if (e->flags_cap > old) memset(e->flags + old, 0, (e->flags_cap - old) * sizeof *e->flags);
  return &e->flags[cart];
}

/* A cart's index, its flags made first: every known cart has them even when interning fails. */
static int intern_cart(rf_eval *e, const char *id, uint32_t *out) {
  if (get_flags(e, e->carts.count) == NULL) return RF_ENOMEM;
  return intern(e, &e->carts, id, out);
}

static int nomem(rf_eval *e) { return rf__error(&e->err, RF_ENOMEM, "out of memory"); }

static int add_receipt(rf_eval *e, const rf_receipt_rec *r, int truth) {
  uint32_t cart, sku;
  if (intern_cart(e, r->shopper, &cart) != 0) return nomem(e);
  cart_flags *f = &e->flags[cart];
  if (truth ? f->truth_receipt : f->output_receipt)
    return rf__error(&e->err, RF_EEXISTS, "a second %s receipt for cart '%s'",
                     truth ? "true" : "output", r->shopper);
  /* Every cell first, so that running out of memory half way leaves no item counted. */
  for (size_t i = 0; i < r->item_count; ++i)
    if (intern(e, &e->skus, r->items[i].sku, &sku) != 0 || get_cell(e, cart, sku) == NULL)
      return nomem(e);
  for (size_t i = 0; i < r->item_count; ++i) {
    size_t slot;
    rf__names_find(&e->skus, r->items[i].sku, &sku);
    cell *c = find_cell(e, cart, sku, &slot);
    if (truth) c->truth_receipt += r->items[i].qty;
    else c->output_receipt += r->items[i].qty;
  }
  if (truth) f->truth_receipt = 1;
  else f->output_receipt = 1;
  return 0;
}

int rf_eval_add_truth(rf_eval *e, const rf_record *rec) {
  if (e == NULL || rec == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  if (rec->type == RF_RECORD_RECEIPT) return add_receipt(e, &rec->u.receipt, 1);
  if (rec->type != RF_RECORD_TRUTH)
    return rf__error(&e->err, RF_EINVAL,
                     "line %llu: a truth file holds truth and receipt records, "
                     "not %s",
                     (unsigned long long)rec->line, rf_record_type_name(rec->type));
  const rf_truth_rec *t = &rec->u.truth;
  uint32_t cart, sku;
  cell *c;
  if (t->qty == INT64_MIN)
    return rf__error(&e->err, RF_ERANGE, "line %llu: truth qty out of range",
                     (unsigned long long)rec->line);
  if (intern_cart(e, t->shopper, &cart) != 0 || intern(e, &e->skus, t->sku, &sku) != 0 ||
      (c = get_cell(e, cart, sku)) == NULL ||
      RF__RESERVE(&e->alloc, e->actions, e->action_cap, e->action_count + 1) != 0)
    return nomem(e);
  c->truth_actions += t->qty;
  action *a = &e->actions[e->action_count++];
  a->cart = cart;
  a->sku = sku;
  a->sign = t->qty > 0 ? 1 : -1;
  a->t = t->t;
  a->units = a->unmatched = t->qty > 0 ? t->qty : -t->qty;
  return 0;
}

int rf_eval_add_output(rf_eval *e, const rf_record *rec) {
  if (e == NULL || rec == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  if (rec->type == RF_RECORD_RECEIPT) return add_receipt(e, &rec->u.receipt, 0);
  if (rec->type != RF_RECORD_DIFF) return 0;
  const rf_diff_rec *d = &rec->u.diff;
  if (d->qty == INT64_MIN)
    return rf__error(&e->err, RF_ERANGE, "line %llu: diff qty out of range",
                     (unsigned long long)rec->line);
  uint32_t cart, sku;
  cell *c;
  if (intern_cart(e, d->shopper, &cart) != 0 || intern(e, &e->skus, d->sku, &sku) != 0 ||
      (c = get_cell(e, cart, sku)) == NULL ||
      RF__RESERVE(&e->alloc, e->diffs, e->diff_cap, e->diff_count + 1) != 0)
    return nomem(e);
  c->diff_sum += d->qty;
  if (!d->review) c->unflagged_sum += d->qty;
  diff *x = &e->diffs[e->diff_count];
  x->order = e->diff_count++;
  x->seq = d->seq;
  x->t = d->t;
  x->qty = d->qty;
  x->corrects = d->corrects;
  x->has_corrects = d->has_corrects;
  x->moved = d->event < 0;
  x->cart = cart;
  x->sku = sku;
  x->review = d->review;
  x->conf = d->conf;
  return 0;
}

static int64_t truth_qty(const rf_eval *e, const cell *c) {
  if (e->flags[c->cart].truth_receipt) return c->truth_receipt;
  return c->truth_actions > 0 ? c->truth_actions : 0;
}

static int64_t predicted_qty(const rf_eval *e, const cell *c, int unflagged_only) {
  if (!unflagged_only && e->flags[c->cart].output_receipt) return c->output_receipt;
  int64_t q = unflagged_only ? c->unflagged_sum : c->diff_sum;
  return q > 0 ? q : 0;
}

static double f1_of(uint64_t matched, uint64_t predicted, uint64_t truth, double *p, double *r) {
  double precision = predicted ? (double)matched / (double)predicted : (truth ? 0.0 : 1.0);
  double recall = truth ? (double)matched / (double)truth : 1.0;
  if (p) *p = precision;
  if (r) *r = recall;
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

typedef struct gap { /* what one cell got wrong */
  uint32_t cart, sku;
  int64_t extra, missing;
  int both; /* the sku is in the cart both in truth and in the output */
} gap;

static int by_sku_cart(const void *a, const void *b) {
  const gap *x = a, *y = b;
  if (x->sku != y->sku) return x->sku < y->sku ? -1 : 1;
  return (x->cart > y->cart) - (x->cart < y->cart);
}

static int by_cart_sku(const void *a, const void *b) {
  const gap *x = a, *y = b;
  if (x->cart != y->cart) return x->cart < y->cart ? -1 : 1;
  return (x->sku > y->sku) - (x->sku < y->sku);
}

/* Within each run of gaps sharing a sku (by_sku) or a cart, cancels extra items against
 * missing ones, in order; returns how many items were paired. */
static uint64_t pair_off(gap *gaps, size_t n, int by_sku) {
  uint64_t paired = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && (by_sku ? gaps[j].sku == gaps[i].sku : gaps[j].cart == gaps[i].cart)) ++j;
    size_t x = i, m = i;
    for (;;) {
      while (x < j && gaps[x].extra == 0) ++x;
      while (m < j && gaps[m].missing == 0) ++m;
      if (x >= j || m >= j) break;
      int64_t k = gaps[x].extra < gaps[m].missing ? gaps[x].extra : gaps[m].missing;
      gaps[x].extra -= k;
      gaps[m].missing -= k;
      paired += (uint64_t)k;
    }
    i = j;
  }
  return paired;
}

static int count_errors(rf_eval *e, rf_eval_scores *out) {
  gap *gaps = rf__calloc(&e->alloc, e->cell_count + 1, sizeof *gaps);
  if (gaps == NULL) return nomem(e);
  size_t n = 0;
  for (size_t i = 0; i < e->cell_count; ++i) {
    int64_t t = truth_qty(e, &e->cells[i]), p = predicted_qty(e, &e->cells[i], 0);
    if (t == p) continue;
    gaps[n].cart = e->cells[i].cart;
    gaps[n].sku = e->cells[i].sku;
    gaps[n].extra = p > t ? p - t : 0;
    gaps[n].missing = t > p ? t - p : 0;
    gaps[n].both = t > 0 && p > 0;
    ++n;
  }
  /* 1. The same sku too many in one cart and too few in another: the wrong shopper. */
  if (n > 1) qsort(gaps, n, sizeof *gaps, by_sku_cart);
  out->wrong_shopper += pair_off(gaps, n, 1);
  /* 2. Too many of one sku and too few of another in the same cart: the wrong product. */
  if (n > 1) qsort(gaps, n, sizeof *gaps, by_cart_sku);
  out->wrong_product += pair_off(gaps, n, 0);
  /* 3. The rest. */
  for (size_t i = 0; i < n; ++i) {
    uint64_t rest = (uint64_t)(gaps[i].extra + gaps[i].missing);
    if (gaps[i].both) out->wrong_quantity += rest;
    else {
      out->missed += (uint64_t)gaps[i].missing;
      out->spurious += (uint64_t)gaps[i].extra;
    }
  }
  rf__free(&e->alloc, gaps);
  return 0;
}

static int by_seq(const void *a, const void *b) {
  const diff *x = a, *y = b;
  if (x->seq != y->seq) return (x->seq > y->seq) - (x->seq < y->seq);
  return (x->order > y->order) - (x->order < y->order);
}

static int by_time(const void *a, const void *b) {
  const action *x = a, *y = b;
  return (x->t > y->t) - (x->t < y->t);
}

static void calibrate(rf_eval *e, rf_eval_scores *out) {
  if (e->diff_count > 1) qsort(e->diffs, e->diff_count, sizeof *e->diffs, by_seq);
  if (e->action_count > 1) qsort(e->actions, e->action_count, sizeof *e->actions, by_time);
  for (size_t a = 0; a < e->action_count; ++a) e->actions[a].unmatched = e->actions[a].units;
  double conf_sum[10] = {0}, right_sum[10] = {0};
  uint64_t count[10] = {0}, total = 0;
  for (size_t i = 0; i < e->diff_count; ++i) {
    const diff *d = &e->diffs[i];
    if (d->moved) continue; /* a link's move: bookkeeping too */
    if (d->has_corrects) {
      /* An undo of an earlier diff is bookkeeping, not a decision. */
      const diff *old = NULL;
      for (size_t k = i; k-- > 0 && old == NULL;) /* the latest earlier diff with that seq */
        if (e->diffs[k].seq == d->corrects) old = &e->diffs[k];
      if (old != NULL && old->cart == d->cart && old->sku == d->sku && old->qty == -d->qty)
        continue;
    }
    int64_t units = llabs(d->qty), found = 0;
    int sign = d->qty > 0 ? 1 : -1;
    for (size_t a = 0; a < e->action_count && found < units; ++a) {
      action *x = &e->actions[a];
      if (x->unmatched == 0 || x->cart != d->cart || x->sku != d->sku || x->sign != sign) continue;
      if (x->t < d->t - MATCH_BEFORE_US || x->t > d->t + MATCH_AFTER_US) continue;
      int64_t take = units - found < x->unmatched ? units - found : x->unmatched;
      x->unmatched -= take;
      found += take;
    }
    int bin = (int)floor(d->conf * 10);
    if (bin > 9) bin = 9;
    if (bin < 0) bin = 0;
    conf_sum[bin] += d->conf;
    right_sum[bin] += found == units ? 1.0 : 0.0;
    count[bin]++;
    total++;
  }
  double ece = 0.0;
  for (int b = 0; b < 10; ++b)
    if (count[b]) ece += fabs(right_sum[b] - conf_sum[b]) / (double)(total ? total : 1);
  out->calibrated = total;
  out->calibration_error = ece;
  for (int b = 0; b < 10; ++b) {
    out->bin_count[b] = count[b];
    out->bin_right[b] = (uint64_t)right_sum[b];
    out->bin_conf_sum[b] = conf_sum[b];
  }
}

int rf_eval_score(rf_eval *e, rf_eval_scores *out) {
  if (e == NULL || out == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  memset(out, 0, sizeof *out);
  uint64_t unflagged_matched = 0, unflagged_predicted = 0;
  for (size_t i = 0; i < e->cell_count; ++i) {
    const cell *c = &e->cells[i];
    int64_t t = truth_qty(e, c), p = predicted_qty(e, c, 0), u = predicted_qty(e, c, 1);
    out->true_items += (uint64_t)t;
    out->predicted_items += (uint64_t)p;
    out->matched_items += (uint64_t)(t < p ? t : p);
    unflagged_predicted += (uint64_t)u;
    unflagged_matched += (uint64_t)(t < u ? t : u);
  }
  out->f1 = f1_of(out->matched_items, out->predicted_items, out->true_items, &out->precision,
                  &out->recall);
  out->f1_unflagged = f1_of(unflagged_matched, unflagged_predicted, out->true_items, NULL, NULL);
  /* Exact carts: every cell of the cart right. */
  unsigned char *wrong = rf__calloc(&e->alloc, (size_t)e->carts.count + 1, 1);
  if (wrong == NULL) return nomem(e);
  for (size_t i = 0; i < e->cell_count; ++i)
    if (truth_qty(e, &e->cells[i]) != predicted_qty(e, &e->cells[i], 0))
      wrong[e->cells[i].cart] = 1;
  for (uint32_t c = 0; c < e->carts.count; ++c) {
    int has_truth = e->flags[c].truth_receipt, has_output = e->flags[c].output_receipt;
    int counted = has_truth || has_output;
    if (!counted) {
      /* A cart known only from truth actions or diffs counts when it holds anything. */
      for (size_t i = 0; i < e->cell_count && !counted; ++i)
        counted = e->cells[i].cart == c &&
                  (truth_qty(e, &e->cells[i]) > 0 || predicted_qty(e, &e->cells[i], 0) > 0);
    }
    if (!counted) continue;
    out->carts++;
    if (!wrong[c]) out->exact_carts++;
  }
  rf__free(&e->alloc, wrong);
  out->exact = out->carts ? (double)out->exact_carts / (double)out->carts : 1.0;
  out->diffs = e->diff_count;
  for (size_t i = 0; i < e->diff_count; ++i) out->reviewed += (uint64_t)e->diffs[i].review;
  out->review_rate = out->diffs ? (double)out->reviewed / (double)out->diffs : 0.0;
  calibrate(e, out);
  return count_errors(e, out);
}
