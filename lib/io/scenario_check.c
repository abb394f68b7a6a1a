/* Whole-scenario checks: the store description first, then events that name what exists, with
 * shoppers who entered, at times within the allowed lateness. A refused record changes nothing. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "core/names.h"
#include "core/params.h"
#include "record/record.h"
#include "retailfuse/check.h"
#include "retailfuse/status.h"

enum { SHOPPER_PRESENT = 1, SHOPPER_LEFT = 2 };

struct rf_scenario_check {
  rf_allocator alloc;
  double param[RF_CHECK_PARAM_COUNT];
  rf_time_us lateness_us;    /* LATENESS_S in the store clock's unit */
  rf_store_builder *builder; /* until the first event */
  rf_store *store;           /* NULL before the first event and after it was taken */
  int store_taken;
  rf__names shoppers; /* every shopper id that entered */
  unsigned char *shopper_state;
  size_t shopper_cap;
  int has_latest;
  rf_time_us latest; /* the latest input-event time accepted */
  rf_scenario_summary sum;
  rf__errbuf err;
};

static const rf__param_def params[RF_CHECK_PARAM_COUNT] = {RF_CHECK_PARAM_MAP(RF__PARAM_DEF)};

const char *rf_scenario_check_param_name(rf_check_param p) {
  return rf__param_name(params, RF_CHECK_PARAM_COUNT, (int)p);
}

const char *rf_scenario_check_param_help(rf_check_param p) {
  return rf__param_help(params, RF_CHECK_PARAM_COUNT, (int)p);
}

int rf_scenario_check_param_bounds(rf_check_param p, double *min, double *max, double *def) {
  return rf__param_bounds(params, RF_CHECK_PARAM_COUNT, (int)p, min, max, def);
}

int rf_scenario_check_param_set(rf_scenario_check *c, rf_check_param p, double value) {
  if (c == NULL) return RF_EINVAL;
  rf__error_clear(&c->err);
  int rc = rf__param_check(params, RF_CHECK_PARAM_COUNT, (int)p, value, &c->err);
  if (rc != 0) return rc;
  c->param[p] = value;
  c->lateness_us = (rf_time_us)llround(c->param[RF_CHECK_LATENESS_S] * 1e6);
  return 0;
}

double rf_scenario_check_param_get(const rf_scenario_check *c, rf_check_param p) {
  return c != NULL && (unsigned)p < RF_CHECK_PARAM_COUNT ? c->param[p] : NAN;
}

int rf_scenario_check_new(rf_scenario_check **out, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_scenario_check *c = rf__calloc(&a, 1, sizeof *c);
  if (c == NULL) return RF_ENOMEM;
  c->alloc = a;
  rf__param_defaults(params, RF_CHECK_PARAM_COUNT, c->param);
  c->lateness_us = (rf_time_us)llround(c->param[RF_CHECK_LATENESS_S] * 1e6);
  int rc = rf_store_builder_new(&c->builder, &c->alloc);
  if (rc != 0) {
    rf__free(&a, c);
    return rc;
  }
  rf__names_init(&c->shoppers);
  *out = c;
  return 0;
}

void rf_scenario_check_free(rf_scenario_check *c) {
  if (c == NULL) return;
  rf_store_builder_free(c->builder);
  rf_store_free(c->store);
  rf__names_free(&c->shoppers, &c->alloc);
  rf__free(&c->alloc, c->shopper_state);
  rf_allocator a = c->alloc;
  rf__free(&a, c);
}

const char *rf_scenario_check_errmsg(const rf_scenario_check *c) { return c ? c->err.msg : ""; }

static int finish_store(rf_scenario_check *c) {
  if (c->builder == NULL) return 0;
  int rc = rf_store_builder_finish(c->builder, &c->store);
  if (rc != 0) return rc;
  rf_store_builder_free(c->builder);
  c->builder = NULL;
  return 0;
}

const rf_store *rf_scenario_check_store(rf_scenario_check *c) {
  if (c == NULL || c->store_taken || finish_store(c) != 0) return NULL;
  return c->store;
}

rf_store *rf_scenario_check_take_store(rf_scenario_check *c) {
  if (c == NULL || c->store_taken || finish_store(c) != 0) return NULL;
  rf_store *s = c->store;
  c->store = NULL;
  c->store_taken = 1;
  return s;
}

void rf_scenario_check_summary(const rf_scenario_check *c, rf_scenario_summary *out) {
  if (c == NULL || out == NULL) return;
  *out = c->sum;
}

/* ---- one record ---- */

typedef struct rec_ctx {
  rf_scenario_check *c;
  const rf_record *rec;
  const char *type;
} rec_ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
refuse(const rec_ctx *x, int code, const char *fmt, ...) {
  char detail[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  return rf__error(&x->c->err, code, "line %llu: %s: %s", (unsigned long long)x->rec->line, x->type,
                   detail);
}

static double seconds(rf_time_us t) { return (double)t / 1e6; }

/* 0 if `shopper` has entered (and, when `must_be_in`, not left). */
static int known_shopper(const rec_ctx *x, const char *field, const char *shopper, int must_be_in) {
  uint32_t i;
  if (rf__names_find(&x->c->shoppers, shopper, &i) != 0)
    return refuse(x, RF_ENOTFOUND, "field '%s': shopper '%s' has not entered", field, shopper);
  if (must_be_in && x->c->shopper_state[i] != SHOPPER_PRESENT)
    return refuse(x, RF_ERANGE, "field '%s': shopper '%s' has already left", field, shopper);
  return 0;
}

static int check_shelf(const rec_ctx *x, const char *shelf, uint32_t *index) {
  if (rf_store_find_shelf(x->c->store, shelf, index) != 0)
    return refuse(x, RF_ENOTFOUND, "field 'shelf': shelf '%s' is not in the store", shelf);
  return 0;
}

static int check_sku(const rec_ctx *x, const char *field, const char *sku) {
  uint32_t i;
  if (rf_store_find_product(x->c->store, sku, &i) != 0)
    return refuse(x, RF_ENOTFOUND, "field '%s': sku '%s' is not in the store", field, sku);
  return 0;
}

static int check_delta(const rec_ctx *x, const rf_delta_rec *d) {
  uint32_t shelf, plate, plate_shelf;
  int rc = check_shelf(x, d->shelf, &shelf);
  if (rc != 0) return rc;
  for (size_t i = 0; i < d->plate_count; ++i) {
    const char *id = d->plates[i].plate;
    if (rf_store_find_plate(x->c->store, id, &plate) != 0)
      return refuse(x, RF_ENOTFOUND, "field 'plates': plate '%s' is not in the store", id);
    rf_store_plate(x->c->store, plate, NULL, &plate_shelf);
    if (plate_shelf != shelf)
      return refuse(x, RF_ERANGE, "field 'plates': plate '%s' is not on shelf '%s'", id, d->shelf);
    for (size_t j = 0; j < i; ++j)
      if (strcmp(d->plates[j].plate, id) == 0)
        return refuse(x, RF_EEXISTS, "field 'plates': plate '%s' is listed twice", id);
  }
  return 0;
}

static int check_hand(const rec_ctx *x, const rf_hand_rec *h) {
  uint32_t shelf;
  int rc = check_shelf(x, h->shelf, &shelf);
  if (rc == 0 && h->shopper != NULL) rc = known_shopper(x, "shopper", h->shopper, 0);
  for (size_t i = 0; rc == 0 && i < h->sku_score_count; ++i)
    rc = check_sku(x, "sku_scores", h->sku_scores[i].sku);
  return rc;
}

static int is_input_event(rf_record_type t) { return t >= RF_RECORD_ENTER && t <= RF_RECORD_HAND; }

static int check_event(const rec_ctx *x) {
  const rf_record *r = x->rec;
  rf_scenario_check *c = x->c;
  int ids = c->store != NULL; /* no id checks once the store was taken */
  switch (r->type) {
    case RF_RECORD_ENTER: {
      uint32_t i;
      if (rf__names_find(&c->shoppers, r->u.enter.shopper, &i) == 0 &&
          c->shopper_state[i] == SHOPPER_PRESENT)
        return refuse(x, RF_EEXISTS, "field 'shopper': shopper '%s' is already in the store",
                      r->u.enter.shopper);
      break;
    }
    case RF_RECORD_EXIT: return known_shopper(x, "shopper", r->u.exit.shopper, 1);
    case RF_RECORD_LINK: {
      int rc = known_shopper(x, "shopper", r->u.link.shopper, 1);
      if (rc == 0) rc = known_shopper(x, "cart", r->u.link.cart, 0);
      if (rc == 0 && strcmp(r->u.link.shopper, r->u.link.cart) == 0)
        rc = refuse(x, RF_ERANGE, "field 'cart': shopper '%s' cannot link to their own cart",
                    r->u.link.shopper);
      return rc;
    }
    case RF_RECORD_POSITION: return known_shopper(x, "shopper", r->u.position.shopper, 0);
    case RF_RECORD_SAMPLES: {
      uint32_t i;
      if (ids && rf_store_find_plate(c->store, r->u.samples.plate, &i) != 0)
        return refuse(x, RF_ENOTFOUND, "field 'plate': plate '%s' is not in the store",
                      r->u.samples.plate);
      break;
    }
    case RF_RECORD_DELTA: return ids ? check_delta(x, &r->u.delta) : 0;
    case RF_RECORD_HAND: return ids ? check_hand(x, &r->u.hand) : 0;
    default: break;
  }
  return 0;
}

/* Output and ground truth name skus of the store, when the file has one. */
static int check_output(const rec_ctx *x) {
  const rf_record *r = x->rec;
  if (x->c->store == NULL || rf_store_product_count(x->c->store) == 0) return 0;
  switch (r->type) {
    case RF_RECORD_DIFF: return check_sku(x, "sku", r->u.diff.sku);
    case RF_RECORD_TRUTH: return check_sku(x, "sku", r->u.truth.sku);
    case RF_RECORD_RECEIPT:
      for (size_t i = 0; i < r->u.receipt.item_count; ++i) {
        int rc = check_sku(x, "items", r->u.receipt.items[i].sku);
        if (rc != 0) return rc;
      }
      return 0;
    default: return 0;
  }
}

static void count_record(rf_scenario_summary *s, const rf_record *r) {
  rf_time_us t0, t1;
  s->records++;
  s->by_type[r->type]++;
  if (r->type == RF_RECORD_SAMPLES) s->samples += r->u.samples.count;
  if (!rf__record_span(r, &t0, &t1)) return;
  if (!s->has_time || t0 < s->t_min) s->t_min = t0;
  if (!s->has_time || t1 > s->t_max) s->t_max = t1;
  s->has_time = 1;
}

static int add_store_record(const rec_ctx *x) {
  rf_scenario_check *c = x->c;
  const rf_record *r = x->rec;
  if (c->builder == NULL)
    return refuse(x, RF_EMISUSE, "the store description must come before the first event");
  int rc = r->type == RF_RECORD_PRODUCT ? rf_store_builder_add_product(c->builder, &r->u.product)
           : r->type == RF_RECORD_SHELF ? rf_store_builder_add_shelf(c->builder, &r->u.shelf)
                                        : rf_store_builder_add_facing(c->builder, &r->u.facing);
  if (rc != 0) return refuse(x, rc, "%s", rf_store_builder_errmsg(c->builder));
  count_record(&c->sum, r);
  if (r->type == RF_RECORD_PRODUCT) c->sum.products++;
  if (r->type == RF_RECORD_SHELF) {
    c->sum.shelves++;
    c->sum.plates += (uint32_t)r->u.shelf.plate_count;
  }
  if (r->type == RF_RECORD_FACING) c->sum.facings++;
  return 0;
}

/* Takes an enter in; the only event that allocates, so it reserves before changing anything. */
static int admit_shopper(const rec_ctx *x, const char *shopper) {
  rf_scenario_check *c = x->c;
  uint32_t i;
  if (rf__names_find(&c->shoppers, shopper, &i) == 0) {
    c->shopper_state[i] = SHOPPER_PRESENT;
    return 0;
  }
  size_t n = c->shoppers.count;
  int rc;
  if ((rc = RF__RESERVE(&c->alloc, c->shopper_state, c->shopper_cap, n + 1)) != 0 ||
      (rc = rf__names_intern(&c->shoppers, &c->alloc, shopper, &i, NULL)) != 0)
    return refuse(x, rc, "%s", rf_strerror(rc));
  c->shopper_state[i] = SHOPPER_PRESENT;
  c->sum.shoppers++;
  return 0;
}

int rf_scenario_check_record(rf_scenario_check *c, const rf_record *r) {
  if (c == NULL || r == NULL) return RF_EINVAL;
  rf__error_clear(&c->err);
  const char *type = rf_record_type_name(r->type);
  if (type == NULL) return rf__error(&c->err, RF_EINVAL, "record: unknown type %d", (int)r->type);
  rec_ctx x = {c, r, type};
  int rc;
  if (r->type <= RF_RECORD_FACING) {
    rc = add_store_record(&x);
    if (rc != 0) c->sum.refused++;
    return rc;
  }
  if ((rc = finish_store(c)) != 0) {
    c->sum.refused++;
    return refuse(&x, rc, "finishing the store: %s", rf_strerror(rc));
  }
  if (is_input_event(r->type)) {
    rf_time_us t0, t;
    rf__record_span(r, &t0, &t);
    if (c->has_latest && t < c->latest - c->lateness_us)
      rc = refuse(&x, RF_ELATE,
                  "time %.6f s is %.6f s behind the latest time seen (%.6f s); at most %.6f s "
                  "is allowed",
                  seconds(t), seconds(c->latest - t), seconds(c->latest), seconds(c->lateness_us));
    if (rc == 0) rc = check_event(&x);
    if (rc == 0 && r->type == RF_RECORD_ENTER) rc = admit_shopper(&x, r->u.enter.shopper);
    if (rc == 0) {
      if (r->type == RF_RECORD_EXIT) {
        uint32_t i;
        rf__names_find(&c->shoppers, r->u.exit.shopper, &i);
        c->shopper_state[i] = SHOPPER_LEFT;
      }
      if (!c->has_latest || t > c->latest) c->latest = t;
      c->has_latest = 1;
    }
  } else {
    rc = check_output(&x);
  }
  if (rc != 0) {
    c->sum.refused++;
    return rc;
  }
  count_record(&c->sum, r);
  return 0;
}
