/* The nearest-hand greedy baseline; see retailfuse/greedy.h for the rules it follows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "cart/ledger.h"
#include "core/params.h"
#include "record/record.h"
#include "retailfuse/greedy.h"
#include "retailfuse/status.h"

#define MAX_QTY 4 /* the most items one change is read as */
#define HAND_KEEP_US                                                            \
  60000000 /* hand visits older than this, beyond the gap and the wait allowed, \
              are dropped: room for long changes */

typedef struct g_hand {
  uint32_t shelf;
  int64_t shopper; /* -1: anonymous */
  uint32_t cart;   /* the shopper's cart when the hand was seen */
  rf_time_us t0, t1;
} g_hand;

typedef struct g_delta {
  uint32_t shelf;
  rf_time_us t0, t1;
  double total, noise_var; /* summed change and the variance the plates' noise adds to it */
  int64_t event;
} g_delta;

struct rf_greedy {
  rf_allocator alloc;
  const rf_store *store;
  double param[RF_GREEDY_PARAM_COUNT];
  rf_time_us lateness_us, max_gap_us; /* the same, in the store clock's unit */
  int started;                        /* events were pushed: the parameters are fixed */
  rf_output_fn output;
  void *payload;
  uint32_t products, shelves;
  uint32_t **shelf_products; /* per shelf: the products facing on it */
  size_t *shelf_product_count;
  rf__ledger ledger; /* shoppers and carts */
  g_hand *hands;
  size_t hand_count, hand_cap;
  g_delta *pending;
  size_t pending_head, pending_count, pending_cap;
  int64_t next_event, next_seq;
  rf_time_us clock;
  int has_clock;
  rf_item_qty *items; /* receipt scratch, one per product */
  rf__errbuf err;
};

void rf_greedy_free(rf_greedy *g) {
  if (g == NULL) return;
  const rf_allocator *a = &g->alloc;
  for (uint32_t s = 0; s < g->shelves && g->shelf_products; ++s) rf__free(a, g->shelf_products[s]);
  rf__free(a, g->shelf_products);
  rf__free(a, g->shelf_product_count);
  rf__ledger_free(&g->ledger);
  rf__free(a, g->hands);
  rf__free(a, g->pending);
  rf__free(a, g->items);
  rf_allocator copy = g->alloc;
  rf__free(&copy, g);
}

static const rf__param_def params[RF_GREEDY_PARAM_COUNT] = {RF_GREEDY_PARAM_MAP(RF__PARAM_DEF)};

const char *rf_greedy_param_name(rf_greedy_param p) {
  return rf__param_name(params, RF_GREEDY_PARAM_COUNT, (int)p);
}

const char *rf_greedy_param_help(rf_greedy_param p) {
  return rf__param_help(params, RF_GREEDY_PARAM_COUNT, (int)p);
}

int rf_greedy_param_bounds(rf_greedy_param p, double *min, double *max, double *def) {
  return rf__param_bounds(params, RF_GREEDY_PARAM_COUNT, (int)p, min, max, def);
}

static void read_params(rf_greedy *g) {
  g->lateness_us = (rf_time_us)llround(g->param[RF_GREEDY_LATENESS_S] * 1e6);
  g->max_gap_us = (rf_time_us)llround(g->param[RF_GREEDY_MAX_GAP_S] * 1e6);
}

int rf_greedy_param_set(rf_greedy *g, rf_greedy_param p, double value) {
  if (g == NULL) return RF_EINVAL;
  rf__error_clear(&g->err);
  int rc = rf__param_check(params, RF_GREEDY_PARAM_COUNT, (int)p, value, &g->err);
  if (rc != 0) return rc;
  if (g->started)
    return rf__error(&g->err, RF_EMISUSE, "%s: parameters are set before the first event",
                     params[p].name);
  g->param[p] = value;
  read_params(g);
  return 0;
}

double rf_greedy_param_get(const rf_greedy *g, rf_greedy_param p) {
  return g != NULL && (unsigned)p < RF_GREEDY_PARAM_COUNT ? g->param[p] : NAN;
}

void rf_greedy_set_output(rf_greedy *g, rf_output_fn output, void *payload) {
  if (g == NULL) return;
  g->output = output;
  g->payload = payload;
}

int rf_greedy_new(rf_greedy **out, const rf_store *store, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (store == NULL) return RF_EINVAL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_greedy *g = rf__calloc(&a, 1, sizeof *g);
  if (g == NULL) return RF_ENOMEM;
  g->alloc = a;
  g->store = store;
  rf__param_defaults(params, RF_GREEDY_PARAM_COUNT, g->param);
  read_params(g);
  g->products = rf_store_product_count(store);
  g->shelves = rf_store_shelf_count(store);
  g->shelf_products = rf__calloc(&a, (size_t)g->shelves + 1, sizeof *g->shelf_products);
  g->shelf_product_count = rf__calloc(&a, (size_t)g->shelves + 1, sizeof *g->shelf_product_count);
  g->items = rf__calloc(&a, (size_t)g->products + 1, sizeof *g->items);
  rf__ledger_init(&g->ledger, g->products, &g->alloc);
  if (!g->shelf_products || !g->shelf_product_count || !g->items) {
    rf_greedy_free(g);
    return RF_ENOMEM;
  }
  for (uint32_t s = 0; s < g->shelves; ++s) {
    const uint32_t *facings;
    size_t n;
    rf_store_shelf_facings(store, s, &facings, &n);
    g->shelf_products[s] = rf__calloc(&a, n + 1, sizeof(uint32_t));
    if (g->shelf_products[s] == NULL) {
      rf_greedy_free(g);
      return RF_ENOMEM;
    }
    for (size_t k = 0; k < n; ++k) {
      rf_facing_def f;
      uint32_t p;
      rf_store_facing(store, facings[k], &f);
      rf_store_find_product(store, f.sku, &p);
      g->shelf_products[s][g->shelf_product_count[s]++] = p;
    }
  }
  *out = g;
  return 0;
}

const char *rf_greedy_errmsg(const rf_greedy *g) { return g ? g->err.msg : ""; }

static int nomem(rf_greedy *g) { return rf__error(&g->err, RF_ENOMEM, "out of memory"); }

static int find_shopper(rf_greedy *g, const char *id, uint32_t *out) {
  return rf__ledger_find(&g->ledger, id, out, &g->err);
}

static double unit_weight(const rf_greedy *g, uint32_t product) {
  rf_product_def p;
  rf_store_product(g->store, product, &p);
  return p.weight_g;
}

/* How far q items of a product are from the change, in standard deviations of what q such
 * items plus the plates' noise would weigh: "nearest" that knows 2 g means more for a 50 g bar
 * than for a 2 kg bag. An undeclared spread is taken as 1 % of the weight. */
static double misfit(const rf_greedy *g, const g_delta *d, uint32_t product, int64_t q) {
  rf_product_def p;
  rf_store_product(g->store, product, &p);
  double sd = p.has_weight_sd ? p.weight_sd_g : 0.01 * p.weight_g;
  double var = (double)q * sd * sd + d->noise_var + 1e-6;
  return fabs(fabs(d->total) - (double)q * p.weight_g) / sqrt(var);
}

static int emit_diff(rf_greedy *g, const g_delta *d, uint32_t cart, uint32_t product, int64_t qty,
                     rf_time_us t) {
  rf_product_def p;
  rf_store_product(g->store, product, &p);
  rf__ledger_add(&g->ledger, cart, product, qty);
  rf_record rec;
  memset(&rec, 0, sizeof rec);
  rec.type = RF_RECORD_DIFF;
  rec.u.diff.seq = g->next_seq++;
  rec.u.diff.t = t;
  rec.u.diff.shopper = rf__ledger_id(&g->ledger, cart);
  rec.u.diff.sku = p.sku;
  rec.u.diff.qty = qty;
  rec.u.diff.conf = 1.0;
  rec.u.diff.review = 0;
  rec.u.diff.event = d->event;
  return g->output(&rec, g->payload);
}

/* Whether q items of a product are within half an item of the change: farther, it is not them. */
static int within_half_item(const rf_greedy *g, const g_delta *d, uint32_t product, int64_t q) {
  double w = unit_weight(g, product);
  return fabs(fabs(d->total) - (double)q * w) <= 0.5 * w;
}

/* The hand visit of an identified shopper on the shelf nearest in time to the change, or -1.
 * Shoppers who left before the change began, and carts already receipted, are not candidates. */
static int64_t nearest_hand(const rf_greedy *g, const g_delta *d) {
  int64_t best = -1;
  rf_time_us best_gap = 0;
  for (size_t h = 0; h < g->hand_count; ++h) {
    const g_hand *hv = &g->hands[h];
    if (hv->shelf != d->shelf || hv->shopper < 0 || rf__ledger_receipted(&g->ledger, hv->cart))
      continue;
    if (rf__ledger_left_before(&g->ledger, (uint32_t)hv->shopper, d->t0)) continue;
    rf_time_us gap = hv->t1 < d->t0 ? d->t0 - hv->t1 : hv->t0 > d->t1 ? hv->t0 - d->t1 : 0;
    if (gap > g->max_gap_us) continue;
    if (best < 0 || gap < best_gap) {
      best = (int64_t)h;
      best_gap = gap;
    }
  }
  return best;
}

static int decide(rf_greedy *g, const g_delta *d, rf_time_us t) {
  int64_t hand = nearest_hand(g, d);
  if (hand < 0) return 0;
  uint32_t cart = g->hands[hand].cart;
  int64_t best_qty = 0;
  uint32_t best_product = 0;
  double best = INFINITY;
  /* Of what lies within half an item of the change, the nearest in standard deviations; when
   * nothing does, it is noise, not an item. */
  if (d->total < 0) {
    for (size_t k = 0; k < g->shelf_product_count[d->shelf]; ++k) {
      uint32_t p = g->shelf_products[d->shelf][k];
      for (int64_t q = 1; q <= MAX_QTY; ++q) {
        if (!within_half_item(g, d, p, q)) continue;
        double m = misfit(g, d, p, q);
        if (m < best) {
          best = m;
          best_qty = q;
          best_product = p;
        }
      }
    }
  } else {
    const int64_t *qty = rf__ledger_qty(&g->ledger, cart);
    for (uint32_t p = 0; qty != NULL && p < g->products; ++p) {
      for (int64_t q = 1; q <= qty[p] && q <= MAX_QTY; ++q) {
        if (!within_half_item(g, d, p, q)) continue;
        double m = misfit(g, d, p, q);
        if (m < best) {
          best = m;
          best_qty = q;
          best_product = p;
        }
      }
    }
  }
  /* What staff move is nobody's purchase. */
  if (best_qty == 0 || rf__ledger_staff_cart(&g->ledger, cart)) return 0;
  return emit_diff(g, d, cart, best_product, d->total < 0 ? best_qty : -best_qty, t);
}

static int emit_receipt(uint32_t cart, rf_time_us t, void *payload) {
  rf_greedy *g = payload;
  if (rf__ledger_staff_cart(&g->ledger, cart)) return 0; /* staff get no receipt */
  rf_record rec;
  memset(&rec, 0, sizeof rec);
  rec.type = RF_RECORD_RECEIPT;
  rec.u.receipt.has_t = 1;
  rec.u.receipt.t = t;
  rec.u.receipt.shopper = rf__ledger_id(&g->ledger, cart);
  rec.u.receipt.items = g->items;
  rec.u.receipt.item_count = rf__ledger_items(&g->ledger, cart, g->store, g->items);
  rec.u.receipt.review = 0;
  return g->output(&rec, g->payload);
}

/* a + b for times >= 0, at most INT64_MAX. */
static rf_time_us sat_add(rf_time_us a, rf_time_us b) {
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Whether a hand visit kept still names this shopper or cart (the baseline revises nothing,
 * so that is all that refers to one after its receipt). */
static int slot_used(uint32_t slot, void *payload) {
  const rf_greedy *g = payload;
  for (size_t h = 0; h < g->hand_count; ++h)
    if (g->hands[h].shopper == (int64_t)slot || g->hands[h].cart == slot) return 1;
  return 0;
}

/* Decides every change whose wait is over, then hands out receipts that are due. With
 * `everything`, the end of input: nothing waits any more. */
static int catch_up(rf_greedy *g, int everything) {
  int rc = 0;
  while (rc == 0 && g->pending_count > 0) {
    g_delta *d = &g->pending[g->pending_head];
    rf_time_us due = d->t1 + g->lateness_us;
    if (!everything && due > g->clock) break;
    g_delta copy = *d;
    g->pending_head++;
    g->pending_count--;
    rc = decide(g, &copy, due);
  }
  rf_time_us first_open = INT64_MAX;
  for (size_t q = 0; q < g->pending_count; ++q)
    if (g->pending[g->pending_head + q].t0 < first_open)
      first_open = g->pending[g->pending_head + q].t0;
  if (rc == 0)
    rc = rf__ledger_receipts(&g->ledger, g->clock, g->lateness_us, first_open, everything,
                             emit_receipt, g);
  /* Forget hand visits no change can reach any more: a change still to decide ends after
   * clock - lateness and reaches max_gap before its start. */
  rf_time_us reach = sat_add(sat_add(g->max_gap_us, g->lateness_us), HAND_KEEP_US);
  size_t keep = 0;
  for (size_t h = 0; h < g->hand_count; ++h)
    if (g->clock - g->hands[h].t1 <= reach) g->hands[keep++] = g->hands[h];
  g->hand_count = keep;
  if (!everything) rf__ledger_release(&g->ledger, g->clock, g->lateness_us, slot_used, g);
  return rc;
}

int rf_greedy_push(rf_greedy *g, const rf_record *r) {
  if (g == NULL || r == NULL) return RF_EINVAL;
  rf__error_clear(&g->err);
  if (g->output == NULL)
    return rf__error(&g->err, RF_EMISUSE, "no output: rf_greedy_set_output comes first");
  g->started = 1;
  uint32_t i, shelf;
  int rc = 0;
  switch (r->type) {
    case RF_RECORD_ENTER: rc = rf__ledger_enter(&g->ledger, &r->u.enter, &g->err); break;
    case RF_RECORD_EXIT: rc = rf__ledger_exit(&g->ledger, &r->u.exit, &g->err); break;
    case RF_RECORD_LINK: rc = rf__ledger_link(&g->ledger, &r->u.link, &g->err); break;
    case RF_RECORD_POSITION: break; /* the baseline does not use positions */
    case RF_RECORD_RESTOCK: break;  /* nor staff's restocks */
    case RF_RECORD_HAND: {
      int64_t who = -1;
      if (rf_store_find_shelf(g->store, r->u.hand.shelf, &shelf) != 0) {
        rc = rf__error(&g->err, RF_ENOTFOUND, "shelf '%s' is not in the store", r->u.hand.shelf);
        break;
      }
      if (r->u.hand.shopper != NULL) {
        if ((rc = find_shopper(g, r->u.hand.shopper, &i)) != 0) break;
        who = i;
      }
      if (RF__RESERVE(&g->alloc, g->hands, g->hand_cap, g->hand_count + 1) != 0) return nomem(g);
      uint32_t hand_cart = who >= 0 ? rf__ledger_cart_of(&g->ledger, (uint32_t)who) : 0;
      g->hands[g->hand_count++] = (g_hand){shelf, who, hand_cart, r->u.hand.t0, r->u.hand.t1};
      break;
    }
    case RF_RECORD_DELTA: {
      if (rf_store_find_shelf(g->store, r->u.delta.shelf, &shelf) != 0) {
        rc = rf__error(&g->err, RF_ENOTFOUND, "shelf '%s' is not in the store", r->u.delta.shelf);
        break;
      }
      if (g->pending_head > 0 && g->pending_head >= g->pending_count) { /* reuse the front */
        memmove(g->pending, g->pending + g->pending_head, g->pending_count * sizeof *g->pending);
        g->pending_head = 0;
      }
      if (RF__RESERVE(&g->alloc, g->pending, g->pending_cap,
                      g->pending_head + g->pending_count + 1) != 0)
        return nomem(g);
      double total = 0.0;
      for (size_t k = 0; k < r->u.delta.plate_count; ++k) total += r->u.delta.plates[k].g;
      rf_shelf_def def;
      rf_store_shelf(g->store, shelf, &def);
      double noise = def.has_noise ? def.noise_g : 1.0;
      double noise_var = (double)r->u.delta.plate_count * noise * noise;
      g->pending[g->pending_head + g->pending_count++] =
          (g_delta){shelf, r->u.delta.t0, r->u.delta.t1, total, noise_var, g->next_event++};
      break;
    }
    case RF_RECORD_SAMPLES:
      return rf__error(&g->err, RF_EINVAL, "the greedy baseline needs delta records, not samples");
    default:
      return rf__error(&g->err, RF_EINVAL, "%s is not an input event",
                       rf_record_type_name(r->type));
  }
  if (rc != 0) return rc;
  rf_time_us t0 = 0, t = 0;
  rf__record_span(r, &t0, &t);
  if (!g->has_clock || t > g->clock) g->clock = t;
  g->has_clock = 1;
  return catch_up(g, 0);
}

int rf_greedy_finish(rf_greedy *g) {
  if (g == NULL) return RF_EINVAL;
  rf__error_clear(&g->err);
  return catch_up(g, 1);
}
