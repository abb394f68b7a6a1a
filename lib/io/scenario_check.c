/* Whole-scenario checks: the store description first, then events that name what exists, with
 * shoppers who entered, at times within the time range and, source by source, within that
 * source's allowed delay, and no source's seq twice. A refused record changes nothing. */
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
#include "store/store_internal.h"

enum { SHOPPER_PRESENT = 1, SHOPPER_LEFT = 2 };

/* Output times are input times plus the engine's waits: they may pass RF_TIME_LIMIT_US by hours,
 * and are taken up to 2^53 as the reader and the writer do. */
#define OUTPUT_TIME_LIMIT_US ((rf_time_us)1 << 53)

/* A free slot of a source's seq table: no real deadline is that small. */
#define NO_SEQ INT64_MIN

/* A seq a source sent, remembered while a copy of its record could still arrive in time: until
 * the source's latest time passes the record's time plus its delay (its deadline). */
typedef struct seq_slot {
  int64_t seq;
  rf_time_us deadline; /* NO_SEQ: the slot is free */
} seq_slot;

/* A camera's image, which its zones must lie within. */
typedef struct image_size {
  int width, height;
} image_size;

/* One source of events (a gateway, a camera, the tracker), by name. */
typedef struct source {
  int has_latest;
  rf_time_us latest; /* the latest time of its records accepted */
  int has_delay;     /* a delay set for it by name */
  rf_time_us delay_us;
  seq_slot *seqs; /* open addressing, seq_cap a power of two (or 0) */
  size_t seq_cap, seq_count;
} source;

struct rf_scenario_check {
  rf_allocator alloc;
  double param[RF_CHECK_PARAM_COUNT];
  int lateness_set;          /* LATENESS_S was set: one delay for every source */
  rf_time_us lateness_us;    /* LATENESS_S in the store clock's unit */
  rf_store_builder *builder; /* until the first event */
  rf_store *store;           /* NULL before the first event and after it was taken */
  int store_taken;
  rf__names cameras; /* every camera defined, numbering `images` */
  image_size *images;
  size_t image_cap;
  rf__names shoppers; /* every shopper id that entered */
  unsigned char *shopper_state;
  size_t shopper_cap;
  rf__names source_names; /* every source seen or given a delay, numbering `sources` */
  source *sources;
  size_t source_cap;
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
  c->lateness_set = 1;
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
  rf__names_init(&c->cameras);
  rf__names_init(&c->shoppers);
  rf__names_init(&c->source_names);
  *out = c;
  return 0;
}

void rf_scenario_check_free(rf_scenario_check *c) {
  if (c == NULL) return;
  rf_store_builder_free(c->builder);
  rf_store_free(c->store);
  rf__names_free(&c->cameras, &c->alloc);
  rf__free(&c->alloc, c->images);
  rf__names_free(&c->shoppers, &c->alloc);
  rf__free(&c->alloc, c->shopper_state);
  for (uint32_t i = 0; i < c->source_names.count; ++i) rf__free(&c->alloc, c->sources[i].seqs);
  rf__names_free(&c->source_names, &c->alloc);
  rf__free(&c->alloc, c->sources);
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

/* ---- sources ---- */

/* The source of a record that names none, by its kind. */
static const char *default_source(rf_record_type type) {
  switch (type) {
    case RF_RECORD_SAMPLES:
    case RF_RECORD_DELTA:
    case RF_RECORD_RESTOCK: return "shelves";
    case RF_RECORD_HAND: return "cameras";
    default: return "tracker";
  }
}

static rf_time_us kind_delay_us(rf_record_type type) {
  int shelves = type == RF_RECORD_SAMPLES || type == RF_RECORD_DELTA || type == RF_RECORD_RESTOCK;
  double s = shelves                  ? RF_CHECK_SHELVES_DELAY_S
             : type == RF_RECORD_HAND ? RF_CHECK_CAMERAS_DELAY_S
                                      : RF_CHECK_TRACKER_DELAY_S;
  return (rf_time_us)llround(s * 1e6);
}

/* A delay set by name wins; then LATENESS_S when it was set; then the kind's default. */
static rf_time_us delay_of(const rf_scenario_check *c, const source *s, rf_record_type type) {
  if (s != NULL && s->has_delay) return s->delay_us;
  return c->lateness_set ? c->lateness_us : kind_delay_us(type);
}

static source *find_source(const rf_scenario_check *c, const char *name) {
  uint32_t i;
  return rf__names_find(&c->source_names, name, &i) == 0 ? &c->sources[i] : NULL;
}

/* The source called `name`, added (with no records and no delay) when new. */
static int add_source(rf_scenario_check *c, const char *name, source **out) {
  uint32_t i;
  int added, rc;
  if ((rc = RF__RESERVE(&c->alloc, c->sources, c->source_cap, c->source_names.count + 1)) != 0 ||
      (rc = rf__names_intern(&c->source_names, &c->alloc, name, &i, &added)) != 0)
    return rc;
  if (added) memset(&c->sources[i], 0, sizeof c->sources[i]);
  *out = &c->sources[i];
  return 0;
}

int rf_scenario_check_source_delay(rf_scenario_check *c, const char *name, double seconds) {
  if (c == NULL) return RF_EINVAL;
  rf__error_clear(&c->err);
  if (name == NULL || name[0] == '\0')
    return rf__error(&c->err, RF_EINVAL, "a source delay needs a source name");
  double lo, hi;
  rf_scenario_check_param_bounds(RF_CHECK_LATENESS_S, &lo, &hi, NULL);
  if (!(seconds >= lo && seconds <= hi))
    return rf__error(&c->err, RF_ERANGE, "the delay of source '%s' (%g s) is outside [%g, %g] s",
                     name, seconds, lo, hi);
  source *s;
  int rc = add_source(c, name, &s);
  if (rc != 0) return rf__error(&c->err, rc, "source '%s': %s", name, rf_strerror(rc));
  s->has_delay = 1;
  s->delay_us = (rf_time_us)llround(seconds * 1e6);
  return 0;
}

static size_t seq_home(int64_t seq, size_t cap) {
  uint64_t h = (uint64_t)seq * 0x9E3779B97F4A7C15u;
  return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

/* The slot holding seq, or the free slot where it would go (the table is never full). */
static seq_slot *seq_slot_of(const source *s, int64_t seq) {
  size_t i = seq_home(seq, s->seq_cap);
  while (s->seqs[i].deadline != NO_SEQ && s->seqs[i].seq != seq) i = (i + 1) & (s->seq_cap - 1);
  return &s->seqs[i];
}

/* Whether seq was sent by s in a record whose copy would still be in time. */
static int seq_live(const source *s, int64_t seq) {
  if (s == NULL || s->seq_cap == 0) return 0;
  const seq_slot *slot = seq_slot_of(s, seq);
  return slot->deadline != NO_SEQ && slot->deadline >= s->latest;
}

/* Room for one more seq. A half-full table is rebuilt with only the seqs still live, at most a
 * quarter full, so memory follows the records within the delay, not the day. The new table is
 * made before the old one goes: a failure changes nothing. */
static int seq_reserve(rf_scenario_check *c, source *s) {
  if ((s->seq_count + 1) * 2 <= s->seq_cap) return 0;
  size_t live = 0, cap = 16;
  for (size_t i = 0; i < s->seq_cap; ++i) live += s->seqs[i].deadline >= s->latest;
  while (cap < 4 * (live + 1)) cap *= 2;
  seq_slot *fresh = rf__calloc(&c->alloc, cap, sizeof *fresh);
  if (fresh == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < cap; ++i) fresh[i].deadline = NO_SEQ;
  source old = *s;
  s->seqs = fresh;
  s->seq_cap = cap;
  s->seq_count = live;
  for (size_t i = 0; i < old.seq_cap; ++i)
    if (old.seqs[i].deadline >= s->latest) *seq_slot_of(s, old.seqs[i].seq) = old.seqs[i];
  rf__free(&c->alloc, old.seqs);
  return 0;
}

/* Takes an accepted record's time (and seq) into its source, after seq_reserve. */
static void source_take(source *s, const rf_record *r, rf_time_us t, rf_time_us delay) {
  if (!s->has_latest || t > s->latest) s->latest = t;
  s->has_latest = 1;
  if (!r->has_seq) return;
  seq_slot *slot = seq_slot_of(s, r->seq);
  if (slot->deadline == NO_SEQ) s->seq_count++;
  slot->seq = r->seq;
  slot->deadline = t + delay;
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

static int time_in_range(const rec_ctx *x, const char *field, rf_time_us t, rf_time_us limit) {
  if (t >= -limit && t <= limit) return 0;
  return refuse(x, RF_ERANGE, "field '%s': time %lld us is out of range (more than 2^%d us from 0)",
                field, (long long)t, limit == RF_TIME_LIMIT_US ? 52 : 53);
}

/* A samples record's readings, checked so that its last reading's time cannot overflow. */
static int samples_in_range(const rec_ctx *x, const rf_samples_rec *s) {
  int rc = time_in_range(x, "t", s->t, RF_TIME_LIMIT_US);
  if (rc != 0) return rc;
  if (s->count == 0 || s->g == NULL) return refuse(x, RF_ERANGE, "field 'g': has no readings");
  if (s->dt_us <= 0)
    return refuse(x, RF_ERANGE, "field 'dt_us': must be > 0, got %lld", (long long)s->dt_us);
  if ((uint64_t)(s->count - 1) > (uint64_t)((RF_TIME_LIMIT_US - s->t) / s->dt_us))
    return refuse(x, RF_ERANGE, "field 'dt_us': the last reading's time is out of range");
  return 0;
}

/* An explanation's times, output times all (its change's span and hand visits included). */
static int explain_in_range(const rec_ctx *x, const rf_explain_rec *e) {
  const rf_time_us out = OUTPUT_TIME_LIMIT_US;
  if (e->hand_count > 0 && e->hands == NULL) return refuse(x, RF_EINVAL, "field 'hands': is NULL");
  int rc = time_in_range(x, "t", e->t, out);
  if (rc == 0) rc = time_in_range(x, "t0", e->t0, out);
  if (rc == 0) rc = time_in_range(x, "t1", e->t1, out);
  for (size_t i = 0; rc == 0 && i < e->hand_count; ++i) {
    char field[48];
    snprintf(field, sizeof field, "hands[%zu].t0", i);
    rc = time_in_range(x, field, e->hands[i].t0, out);
    snprintf(field, sizeof field, "hands[%zu].t1", i);
    if (rc == 0) rc = time_in_range(x, field, e->hands[i].t1, out);
  }
  return rc;
}

/* Every time field within the one time range (record.h, common.h) before any arithmetic. */
static int times_in_range(const rec_ctx *x) {
  const rf_record *r = x->rec;
  const rf_time_us in = RF_TIME_LIMIT_US, out = OUTPUT_TIME_LIMIT_US;
  int rc;
  switch (r->type) {
    case RF_RECORD_ENTER: return time_in_range(x, "t", r->u.enter.t, in);
    case RF_RECORD_EXIT: return time_in_range(x, "t", r->u.exit.t, in);
    case RF_RECORD_LINK: return time_in_range(x, "t", r->u.link.t, in);
    case RF_RECORD_POSITION: return time_in_range(x, "t", r->u.position.t, in);
    case RF_RECORD_SAMPLES: return samples_in_range(x, &r->u.samples);
    case RF_RECORD_DELTA:
      rc = time_in_range(x, "t0", r->u.delta.t0, in);
      return rc != 0 ? rc : time_in_range(x, "t1", r->u.delta.t1, in);
    case RF_RECORD_HAND:
      rc = time_in_range(x, "t0", r->u.hand.t0, in);
      return rc != 0 ? rc : time_in_range(x, "t1", r->u.hand.t1, in);
    case RF_RECORD_RESTOCK:
      rc = time_in_range(x, "t0", r->u.restock.t0, in);
      return rc != 0 ? rc : time_in_range(x, "t1", r->u.restock.t1, in);
    case RF_RECORD_DIFF: return time_in_range(x, "t", r->u.diff.t, out);
    case RF_RECORD_RECEIPT:
      return r->u.receipt.has_t ? time_in_range(x, "t", r->u.receipt.t, out) : 0;
    case RF_RECORD_TRUTH: return time_in_range(x, "t", r->u.truth.t, in);
    case RF_RECORD_EXPLAIN: return explain_in_range(x, &r->u.explain);
    default: return 0; /* a review bears no time */
  }
}

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

/* Restock: the shelf and the product exist (the reader checked the rest; a record made in C
 * has not been through it, so qty and the times' order are checked here too). */
static int check_restock(const rec_ctx *x, const rf_restock_rec *r, int ids) {
  uint32_t shelf;
  if (r->t1 < r->t0)
    return refuse(x, RF_ERANGE, "field 't1': t1 %lld is before t0 %lld", (long long)r->t1,
                  (long long)r->t0);
  if (r->qty == 0) return refuse(x, RF_ERANGE, "field 'qty': must not be 0");
  if (!ids) return 0;
  int rc = check_shelf(x, r->shelf, &shelf);
  return rc != 0 ? rc : check_sku(x, "sku", r->sku);
}

/* What a verdict gains a cart: each quantity not 0, none for nobody (records made in C have not
 * been through the reader), skus of the store (when there is one to ask). */
static int check_items_gained(const rec_ctx *x, const char *field, const char *shopper,
                              const rf_item_qty *items, size_t n, int ids) {
  if (shopper == NULL && n > 0)
    return refuse(x, RF_ERANGE, "field '%s': must be {} when shopper is null", field);
  if (n > 0 && items == NULL) return refuse(x, RF_EINVAL, "field '%s': is NULL", field);
  for (size_t i = 0; i < n; ++i) {
    if (items[i].sku == NULL || items[i].sku[0] == '\0')
      return refuse(x, RF_EINVAL, "field '%s': names an empty sku", field);
    if (items[i].qty == 0)
      return refuse(x, RF_ERANGE, "field '%s.%s': must not be 0", field, items[i].sku);
    int rc = ids ? check_sku(x, field, items[i].sku) : 0;
    if (rc != 0) return rc;
  }
  return 0;
}

/* A verdict: on a decision (a diff's seq, >= 0), giving a cart of a shopper who entered, or
 * nobody, items of the store. Its time is when it comes: no lateness, no source's clock. A file
 * of verdicts alone (no store described, no one entering) is checked for what it can be, as
 * output and truth files are. */
static int check_review(const rec_ctx *x, const rf_review_rec *v) {
  const rf_store *store = x->c->store;
  int scenario = store != NULL && rf_store_product_count(store) > 0;
  if (v->decision < 0)
    return refuse(x, RF_ERANGE, "field 'decision': must be >= 0, got %lld", (long long)v->decision);
  int rc = v->shopper != NULL && scenario ? known_shopper(x, "shopper", v->shopper, 0) : 0;
  return rc != 0 ? rc
                 : check_items_gained(x, "items", v->shopper, v->items, v->item_count, scenario);
}

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
    case RF_RECORD_RESTOCK: return check_restock(x, &r->u.restock, ids);
    case RF_RECORD_REVIEW: return check_review(x, &r->u.review);
    default: break;
  }
  return 0;
}

/* An explanation names a shelf and skus of the store. */
static int check_explain(const rec_ctx *x, const rf_explain_rec *e) {
  uint32_t shelf;
  if (e->shelf == NULL) return refuse(x, RF_EINVAL, "field 'shelf': id is missing");
  if (e->alternative_count > 0 && e->alternatives == NULL)
    return refuse(x, RF_EINVAL, "field 'alternatives': is NULL");
  int rc = check_shelf(x, e->shelf, &shelf);
  for (size_t i = 0; rc == 0 && i < e->alternative_count; ++i) {
    const rf_alternative *a = &e->alternatives[i];
    for (size_t k = 0; rc == 0 && a->items != NULL && k < a->item_count; ++k) {
      char field[48];
      snprintf(field, sizeof field, "alternatives[%zu].items", i);
      rc = a->items[k].sku != NULL ? check_sku(x, field, a->items[k].sku)
                                   : refuse(x, RF_EINVAL, "field '%s': names an empty sku", field);
    }
  }
  return rc;
}

/* Output and ground truth name skus of the store, when the file has one. */
static int check_output(const rec_ctx *x) {
  const rf_record *r = x->rec;
  if (x->c->store == NULL || rf_store_product_count(x->c->store) == 0) return 0;
  switch (r->type) {
    case RF_RECORD_DIFF: return check_sku(x, "sku", r->u.diff.sku);
    case RF_RECORD_TRUTH: return check_sku(x, "sku", r->u.truth.sku);
    case RF_RECORD_EXPLAIN: return check_explain(x, &r->u.explain);
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

/* ---- cameras and zones: checked here, for the store (store.h) does not hold them ---- */

static int no_id(const char *s) { return s == NULL || s[0] == '\0'; }

/* A camera: its own rules (records made in C have not been through the reader), and a name no
 * camera had. Reserves before it changes anything. */
static int add_camera(const rec_ctx *x, const rf_camera_rec *cam) {
  rf_scenario_check *c = x->c;
  uint32_t i;
  if (no_id(cam->camera)) return refuse(x, RF_EINVAL, "field 'camera': id is missing or empty");
  if (cam->width < 1 || cam->width > RF__IMAGE_MAX)
    return refuse(x, RF_ERANGE, "field 'width': must be within [1, %d], got %d", RF__IMAGE_MAX,
                  cam->width);
  if (cam->height < 1 || cam->height > RF__IMAGE_MAX)
    return refuse(x, RF_ERANGE, "field 'height': must be within [1, %d], got %d", RF__IMAGE_MAX,
                  cam->height);
  if (!(isfinite(cam->fps) && cam->fps > 0.0))
    return refuse(x, RF_ERANGE, "field 'fps': must be a finite number > 0, got %g", cam->fps);
  int rc = time_in_range(x, "t0", cam->t0, RF_TIME_LIMIT_US);
  if (rc != 0) return rc;
  if (rf__names_find(&c->cameras, cam->camera, &i) == 0)
    return refuse(x, RF_EEXISTS, "field 'camera': camera '%s' is defined twice", cam->camera);
  if ((rc = RF__RESERVE(&c->alloc, c->images, c->image_cap, c->cameras.count + 1)) != 0 ||
      (rc = rf__names_intern(&c->cameras, &c->alloc, cam->camera, &i, NULL)) != 0)
    return refuse(x, rc, "%s", rf_strerror(rc));
  c->images[i] = (image_size){cam->width, cam->height};
  return 0;
}

/* A zone: a camera and a shelf given before it, a rectangle within the camera's image, a front,
 * and shelf ends that map its columns to metres. */
static int check_zone(const rec_ctx *x, const rf_zone_rec *z) {
  rf_scenario_check *c = x->c;
  uint32_t cam, shelf;
  if (no_id(z->camera)) return refuse(x, RF_EINVAL, "field 'camera': id is missing or empty");
  if (no_id(z->shelf)) return refuse(x, RF_EINVAL, "field 'shelf': id is missing or empty");
  if (rf__names_find(&c->cameras, z->camera, &cam) != 0)
    return refuse(x, RF_ENOTFOUND,
                  "field 'camera': camera '%s' is not defined (cameras come before their zones)",
                  z->camera);
  if (rf_store_find_shelf(rf__store_builder_peek(c->builder), z->shelf, &shelf) != 0)
    return refuse(x, RF_ENOTFOUND,
                  "field 'shelf': shelf '%s' is not in the store (shelves come before their zones)",
                  z->shelf);
  if (z->x1 <= z->x0)
    return refuse(x, RF_ERANGE, "field 'px': x1 %d must be greater than x0 %d", z->x1, z->x0);
  if (z->y1 <= z->y0)
    return refuse(x, RF_ERANGE, "field 'px': y1 %d must be greater than y0 %d", z->y1, z->y0);
  const image_size *im = &c->images[cam];
  if (z->x0 < 0 || z->y0 < 0 || z->x1 > im->width || z->y1 > im->height)
    return refuse(x, RF_ERANGE,
                  "field 'px': [%d, %d, %d, %d] is not within the image of camera '%s' (%d x %d)",
                  z->x0, z->y0, z->x1, z->y1, z->camera, im->width, im->height);
  if (rf_zone_front_name(z->front) == NULL)
    return refuse(x, RF_ERANGE, "field 'front': must be top, bottom, left or right, got %d",
                  (int)z->front);
  if (!isfinite(z->shelf_x0) || !isfinite(z->shelf_x1))
    return refuse(x, RF_ERANGE, "field 'shelf_x': must be finite, got [%g, %g]", z->shelf_x0,
                  z->shelf_x1);
  if (z->shelf_x0 == z->shelf_x1)
    return refuse(x, RF_ERANGE, "field 'shelf_x': its two ends must differ, got %g twice",
                  z->shelf_x0);
  return 0;
}

/* Products, shelves and facings go into the store being built. */
static int build(const rec_ctx *x) {
  rf_store_builder *b = x->c->builder;
  const rf_record *r = x->rec;
  int rc = r->type == RF_RECORD_PRODUCT ? rf_store_builder_add_product(b, &r->u.product)
           : r->type == RF_RECORD_SHELF ? rf_store_builder_add_shelf(b, &r->u.shelf)
                                        : rf_store_builder_add_facing(b, &r->u.facing);
  return rc != 0 ? refuse(x, rc, "%s", rf_store_builder_errmsg(b)) : 0;
}

static void count_store(rf_scenario_summary *s, const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_PRODUCT: s->products++; break;
    case RF_RECORD_SHELF:
      s->shelves++;
      s->plates += (uint32_t)r->u.shelf.plate_count;
      break;
    case RF_RECORD_FACING: s->facings++; break;
    case RF_RECORD_CAMERA: s->cameras++; break;
    case RF_RECORD_ZONE: s->zones++; break;
    default: break;
  }
}

static int add_store_record(const rec_ctx *x) {
  rf_scenario_check *c = x->c;
  const rf_record *r = x->rec;
  if (c->builder == NULL)
    return refuse(x, RF_EMISUSE, "the store description must come before the first event");
  int rc = r->type == RF_RECORD_CAMERA ? add_camera(x, &r->u.camera)
           : r->type == RF_RECORD_ZONE ? check_zone(x, &r->u.zone)
                                       : build(x);
  if (rc != 0) return rc;
  count_record(&c->sum, r);
  count_store(&c->sum, r);
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

/* Late or repeated for its source: refused. */
static int in_time_for_source(const rec_ctx *x, const char *name, const source *s, rf_time_us t,
                              rf_time_us delay) {
  const rf_record *r = x->rec;
  if (s != NULL && s->has_latest && t < s->latest - delay)
    return refuse(x, RF_ELATE,
                  "time %.6f s is %.6f s behind the latest time of source '%s' (%.6f s); at most "
                  "%.6f s is allowed",
                  seconds(t), seconds(s->latest - t), name, seconds(s->latest), seconds(delay));
  if (r->has_seq && seq_live(s, r->seq))
    return refuse(x, RF_EEXISTS, "field 'seq': duplicate: source '%s' already sent seq %lld", name,
                  (long long)r->seq);
  return 0;
}

/* An input event: in time for its source, naming what exists; then taken in. Everything that
 * allocates is reserved before anything changes. */
static int take_event(const rec_ctx *x) {
  rf_scenario_check *c = x->c;
  const rf_record *r = x->rec;
  if (r->source != NULL && r->source[0] == '\0')
    return refuse(x, RF_ERANGE, "field 'source': is empty");
  if (r->type == RF_RECORD_REVIEW) return check_event(x); /* no time: nothing to be late by */
  const char *name = r->source != NULL ? r->source : default_source(r->type);
  source *s = find_source(c, name);
  rf_time_us t0, t, delay = delay_of(c, s, r->type);
  rf__record_span(r, &t0, &t);
  int rc = in_time_for_source(x, name, s, t, delay);
  if (rc == 0) rc = check_event(x);
  if (rc != 0) return rc;
  if ((s == NULL && (rc = add_source(c, name, &s)) != 0) ||
      (r->has_seq && (rc = seq_reserve(c, s)) != 0))
    return refuse(x, rc, "%s", rf_strerror(rc));
  if (r->type == RF_RECORD_ENTER && (rc = admit_shopper(x, r->u.enter.shopper)) != 0) return rc;
  if (r->type == RF_RECORD_EXIT) {
    uint32_t i;
    rf__names_find(&c->shoppers, r->u.exit.shopper, &i);
    c->shopper_state[i] = SHOPPER_LEFT;
  }
  source_take(s, r, t, delay);
  return 0;
}

int rf_scenario_check_record(rf_scenario_check *c, const rf_record *r) {
  if (c == NULL || r == NULL) return RF_EINVAL;
  rf__error_clear(&c->err);
  const char *type = rf_record_type_name(r->type);
  if (type == NULL) return rf__error(&c->err, RF_EINVAL, "record: unknown type %d", (int)r->type);
  rec_ctx x = {c, r, type};
  int rc;
  if (rf__record_is_store(r->type)) {
    rc = add_store_record(&x);
    if (rc != 0) c->sum.refused++;
    return rc;
  }
  if ((rc = finish_store(c)) != 0) {
    c->sum.refused++;
    return refuse(&x, rc, "finishing the store: %s", rf_strerror(rc));
  }
  rc = times_in_range(&x);
  if (rc == 0) rc = rf__record_is_input(r->type) ? take_event(&x) : check_output(&x);
  if (rc != 0) {
    c->sum.refused++;
    return rc;
  }
  count_record(&c->sum, r);
  return 0;
}
