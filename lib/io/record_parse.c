/* Field by field conversion of a JSON object into a record, with an error that names the line,
 * the record type and the field for anything missing, mistyped, non-finite or out of range. */
#include "record_parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "json_write.h"
#include "record/record.h"
#include "retailfuse/status.h"

/* Largest magnitude at which every integer is exactly a double. */
#define MAX_EXACT_INT 9007199254740992.0

/* Times of engine output (diff, receipt, explain) are input times plus the engine's waits, so they
 * may pass RF_TIME_LIMIT_US by hours; the writer writes them up to 2^53, and the reader takes back
 * what the writer wrote. Every other time field keeps to RF_TIME_LIMIT_US. */
#define OUTPUT_TIME_BITS 53
#define INPUT_TIME_BITS 52

/* Objects up to this many members are checked for repeated keys pair by pair, in file order and
 * without allocating; bigger ones are sorted. */
#define FEW_KEYS 16

typedef struct ctx {
  const cJSON *obj;
  uint64_t line;
  const char *type;
  rf__errbuf *err;
  const rf_allocator *alloc;
  rf__record_scratch *scratch;
  int time_bits;      /* times may be up to 2^time_bits us from 0 */
  const char *prefix; /* where obj is within the record ("hands[2]."), before field names */
} ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail(const ctx *c, int code, const char *field, const char *fmt, ...) {
  char detail[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  return rf__error(c->err, code, "line %llu: %s: field '%s%s': %s", (unsigned long long)c->line,
                   c->type, c->prefix, field, detail);
}

static const cJSON *member(const ctx *c, const char *field) {
  return cJSON_GetObjectItemCaseSensitive(c->obj, field);
}

static const char *json_kind(const cJSON *v) {
  if (cJSON_IsString(v)) return "a string";
  if (cJSON_IsNumber(v)) return "a number";
  if (cJSON_IsBool(v)) return "a boolean";
  if (cJSON_IsNull(v)) return "null";
  if (cJSON_IsArray(v)) return "an array";
  if (cJSON_IsObject(v)) return "an object";
  return "an unknown value";
}

/* A JSON string value that must be a non-empty id. */
static int id_value(const ctx *c, const cJSON *v, const char *field, const char **out) {
  if (!cJSON_IsString(v))
    return fail(c, RF_EPARSE, field, "expected a string id, got %s", json_kind(v));
  if (v->valuestring[0] == '\0') return fail(c, RF_EPARSE, field, "id is empty");
  *out = v->valuestring;
  return 0;
}

static int req_id(const ctx *c, const char *field, const char **out) {
  const cJSON *v = member(c, field);
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  return id_value(c, v, field, out);
}

/* Absent or null give NULL. */
static int nullable_id(const ctx *c, const char *field, const char **out) {
  const cJSON *v = member(c, field);
  *out = NULL;
  if (v == NULL || cJSON_IsNull(v)) return 0;
  return id_value(c, v, field, out);
}

/* Present, and an id or null (NULL). */
static int req_nullable_id(const ctx *c, const char *field, const char **out) {
  const cJSON *v = member(c, field);
  *out = NULL;
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  if (cJSON_IsNull(v)) return 0;
  return id_value(c, v, field, out);
}

static int opt_string(const ctx *c, const char *field, const char **out) {
  const cJSON *v = member(c, field);
  *out = NULL;
  if (v == NULL) return 0;
  if (!cJSON_IsString(v))
    return fail(c, RF_EPARSE, field, "expected a string, got %s", json_kind(v));
  *out = v->valuestring;
  return 0;
}

static int number_value(const ctx *c, const cJSON *v, const char *field, double *out) {
  if (!cJSON_IsNumber(v))
    return fail(c, RF_EPARSE, field, "expected a number, got %s", json_kind(v));
  if (!isfinite(v->valuedouble)) return fail(c, RF_ERANGE, field, "number is not finite");
  *out = v->valuedouble;
  return 0;
}

static int req_number(const ctx *c, const char *field, double *out) {
  const cJSON *v = member(c, field);
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  return number_value(c, v, field, out);
}

static int opt_number(const ctx *c, const char *field, int *has, double *out) {
  const cJSON *v = member(c, field);
  *has = 0;
  *out = 0.0;
  if (v == NULL) return 0;
  *has = 1;
  return number_value(c, v, field, out);
}

static int int_value(const ctx *c, const cJSON *v, const char *field, int64_t *out) {
  if (!cJSON_IsNumber(v))
    return fail(c, RF_EPARSE, field, "expected an integer, got %s", json_kind(v));
  double d = 0.0;
  int rc = number_value(c, v, field, &d);
  if (rc != 0) return rc;
  if (d != floor(d) || fabs(d) > MAX_EXACT_INT)
    return fail(c, RF_ERANGE, field, "expected an integer, got %.17g", d);
  *out = (int64_t)d;
  return 0;
}

static int req_int(const ctx *c, const char *field, int64_t *out) {
  const cJSON *v = member(c, field);
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  return int_value(c, v, field, out);
}

/* An integer number of microseconds within the record's time range (RF_TIME_LIMIT_US). */
static int time_value(const ctx *c, const cJSON *v, const char *field, rf_time_us *out) {
  if (!cJSON_IsNumber(v))
    return fail(c, RF_EPARSE, field, "expected an integer (microseconds), got %s", json_kind(v));
  double d = 0.0;
  int rc = number_value(c, v, field, &d);
  if (rc != 0) return rc;
  if (d != floor(d))
    return fail(c, RF_ERANGE, field, "expected an integer (microseconds), got %.17g", d);
  if (fabs(d) > ldexp(1.0, c->time_bits))
    return fail(c, RF_ERANGE, field, "out of range: more than 2^%d microseconds from 0, got %.17g",
                c->time_bits, d);
  *out = (rf_time_us)d;
  return 0;
}

static int req_time(const ctx *c, const char *field, rf_time_us *out) {
  const cJSON *v = member(c, field);
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  return time_value(c, v, field, out);
}

static int opt_time(const ctx *c, const char *field, int *has, rf_time_us *out) {
  const cJSON *v = member(c, field);
  *has = 0;
  *out = 0;
  if (v == NULL) return 0;
  *has = 1;
  return time_value(c, v, field, out);
}

/* Grams (a weight, a change, a reading) within RF_WEIGHT_LIMIT_G by magnitude. */
static int weight_bound(const ctx *c, const char *field, double g) {
  if (fabs(g) > RF_WEIGHT_LIMIT_G)
    return fail(c, RF_ERANGE, field, "out of range: more than 1e7 g by magnitude, got %g", g);
  return 0;
}

static int weight_value(const ctx *c, const cJSON *v, const char *field, double *out) {
  int rc = number_value(c, v, field, out);
  return rc != 0 ? rc : weight_bound(c, field, *out);
}

static int opt_int(const ctx *c, const char *field, int *has, int64_t *out) {
  const cJSON *v = member(c, field);
  *has = 0;
  *out = 0;
  if (v == NULL) return 0;
  *has = 1;
  return int_value(c, v, field, out);
}

static int bool_value(const ctx *c, const cJSON *v, const char *field, int *out) {
  if (!cJSON_IsBool(v))
    return fail(c, RF_EPARSE, field, "expected true or false, got %s", json_kind(v));
  *out = cJSON_IsTrue(v) ? 1 : 0;
  return 0;
}

static int req_bool(const ctx *c, const char *field, int *out) {
  const cJSON *v = member(c, field);
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  return bool_value(c, v, field, out);
}

/* Absent gives RF_UNKNOWN. */
static int opt_bool(const ctx *c, const char *field, int *out) {
  const cJSON *v = member(c, field);
  *out = RF_UNKNOWN;
  if (v == NULL) return 0;
  return bool_value(c, v, field, out);
}

static int req_container(const ctx *c, const char *field, int want_array, const cJSON **out) {
  const cJSON *v = member(c, field);
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  if (want_array ? !cJSON_IsArray(v) : !cJSON_IsObject(v))
    return fail(c, RF_EPARSE, field, "expected %s, got %s", want_array ? "an array" : "an object",
                json_kind(v));
  *out = v;
  return 0;
}

static int reserve(const ctx *c, void **array, size_t *cap, size_t need, size_t elem,
                   const char *field) {
  int rc = rf__reserve(c->alloc, array, cap, need, elem);
  if (rc != 0) return fail(c, rc, field, "%s", rf_strerror(rc));
  return 0;
}

static size_t child_count(const cJSON *v) {
  size_t n = 0;
  for (const cJSON *e = v->child; e != NULL; e = e->next) ++n;
  return n;
}

static int time_order(const ctx *c, rf_time_us t0, rf_time_us t1) {
  if (t1 < t0)
    return fail(c, RF_ERANGE, "t1", "t1 %lld is before t0 %lld", (long long)t1, (long long)t0);
  return 0;
}

static int parse_product(const ctx *c, rf_product_def *p) {
  int rc;
  memset(p, 0, sizeof *p);
  if ((rc = req_id(c, "sku", &p->sku)) || (rc = opt_string(c, "name", &p->name)) ||
      (rc = req_number(c, "weight_g", &p->weight_g)) ||
      (rc = opt_number(c, "weight_sd_g", &p->has_weight_sd, &p->weight_sd_g)))
    return rc;
  if (p->weight_g <= 0.0) return fail(c, RF_ERANGE, "weight_g", "must be > 0, got %g", p->weight_g);
  if ((rc = weight_bound(c, "weight_g", p->weight_g))) return rc;
  if (p->has_weight_sd && p->weight_sd_g < 0.0)
    return fail(c, RF_ERANGE, "weight_sd_g", "must be >= 0, got %g", p->weight_sd_g);
  return p->has_weight_sd ? weight_bound(c, "weight_sd_g", p->weight_sd_g) : 0;
}

/* An optional pair of finite numbers, `shape` naming them ("[x, y]"): *has 0 when absent. */
static int opt_pair(const ctx *c, const char *field, const char *shape, int *has, double *x,
                    double *y) {
  const cJSON *v = member(c, field);
  char name[16];
  int rc;
  *has = 0;
  if (v == NULL) return 0;
  if (!cJSON_IsArray(v))
    return fail(c, RF_EPARSE, field, "expected an array %s, got %s", shape, json_kind(v));
  if (child_count(v) != 2)
    return fail(c, RF_EPARSE, field, "expected an array %s, got %zu value%s", shape, child_count(v),
                child_count(v) == 1 ? "" : "s");
  snprintf(name, sizeof name, "%s[0]", field);
  if ((rc = number_value(c, v->child, name, x))) return rc;
  snprintf(name, sizeof name, "%s[1]", field);
  if ((rc = number_value(c, v->child->next, name, y))) return rc;
  *has = 1;
  return 0;
}

static int parse_shelf(const ctx *c, rf_shelf_def *s) {
  int rc;
  const cJSON *plates = NULL;
  memset(s, 0, sizeof *s);
  if ((rc = req_id(c, "shelf", &s->shelf)) ||
      (rc = opt_number(c, "noise_g", &s->has_noise, &s->noise_g)) ||
      (rc = req_container(c, "plates", 1, &plates)))
    return rc;
  if (s->has_noise && s->noise_g < 0.0)
    return fail(c, RF_ERANGE, "noise_g", "must be >= 0, got %g", s->noise_g);
  if (s->has_noise && (rc = weight_bound(c, "noise_g", s->noise_g))) return rc;
  if ((rc = opt_pair(c, "pos", "[x, y]", &s->has_pos, &s->pos_x, &s->pos_y)) ||
      (rc = opt_pair(c, "dir", "[x, y]", &s->has_dir, &s->dir_x, &s->dir_y)))
    return rc;
  if (s->has_dir && s->dir_x == 0.0 && s->dir_y == 0.0)
    return fail(c, RF_ERANGE, "dir", "must not be [0, 0]");
  size_t n = child_count(plates);
  if (n == 0) return fail(c, RF_EPARSE, "plates", "needs at least one plate");
  rf__record_scratch *sc = c->scratch;
  if ((rc = reserve(c, (void **)&sc->plates, &sc->plates_cap, n, sizeof *sc->plates, "plates")))
    return rc;
  size_t i = 0;
  for (const cJSON *e = plates->child; e != NULL; e = e->next, ++i) {
    char field[48];
    snprintf(field, sizeof field, "plates[%zu]", i);
    if (!cJSON_IsObject(e))
      return fail(c, RF_EPARSE, field, "expected an object, got %s", json_kind(e));
    ctx sub = *c;
    sub.obj = e;
    const cJSON *v;
    rf_plate_def *p = &sc->plates[i];
    const char *names[3] = {"plate", "x0", "x1"};
    for (int k = 0; k < 3; ++k) {
      snprintf(field, sizeof field, "plates[%zu].%s", i, names[k]);
      if ((v = member(&sub, names[k])) == NULL) return fail(c, RF_EPARSE, field, "is missing");
      rc = k == 0 ? id_value(c, v, field, &p->plate)
                  : number_value(c, v, field, k == 1 ? &p->x0 : &p->x1);
      if (rc) return rc;
    }
  }
  s->plates = sc->plates;
  s->plate_count = n;
  return 0;
}

static int parse_facing(const ctx *c, rf_facing_def *f) {
  int rc, has_count;
  memset(f, 0, sizeof *f);
  if ((rc = req_id(c, "shelf", &f->shelf)) || (rc = req_id(c, "sku", &f->sku)) ||
      (rc = req_number(c, "x0", &f->x0)) || (rc = req_number(c, "x1", &f->x1)) ||
      (rc = opt_int(c, "count", &has_count, &f->count)))
    return rc;
  if (!has_count) f->count = RF_COUNT_UNKNOWN;
  else if (f->count < 0)
    return fail(c, RF_ERANGE, "count", "must be >= 0, got %lld", (long long)f->count);
  if (f->x1 <= f->x0) return fail(c, RF_ERANGE, "x1", "must be greater than x0");
  return 0;
}

static int parse_shopper(const ctx *c, rf_shopper_rec *s) {
  int rc;
  if ((rc = req_time(c, "t", &s->t)) || (rc = req_id(c, "shopper", &s->shopper))) return rc;
  return 0;
}

static int parse_enter(const ctx *c, rf_shopper_rec *s) {
  int rc, staff = RF_UNKNOWN;
  if ((rc = parse_shopper(c, s)) || (rc = opt_bool(c, "staff", &staff))) return rc;
  s->staff = staff == 1;
  return 0;
}

static int parse_link(const ctx *c, rf_link_rec *l) {
  int rc;
  if ((rc = req_time(c, "t", &l->t)) || (rc = req_id(c, "shopper", &l->shopper)) ||
      (rc = req_id(c, "cart", &l->cart)))
    return rc;
  return 0;
}

static int parse_position(const ctx *c, rf_position_rec *p) {
  int rc;
  if ((rc = req_time(c, "t", &p->t)) || (rc = req_id(c, "shopper", &p->shopper)) ||
      (rc = req_number(c, "x", &p->x)) || (rc = req_number(c, "y", &p->y)))
    return rc;
  return 0;
}

static int parse_samples(const ctx *c, rf_samples_rec *s) {
  int rc;
  const cJSON *g = NULL;
  if ((rc = req_id(c, "plate", &s->plate)) || (rc = req_time(c, "t", &s->t)) ||
      (rc = req_time(c, "dt_us", &s->dt_us)) || (rc = req_container(c, "g", 1, &g)))
    return rc;
  if (s->dt_us <= 0)
    return fail(c, RF_ERANGE, "dt_us", "must be > 0, got %lld", (long long)s->dt_us);
  size_t n = child_count(g);
  if (n == 0) return fail(c, RF_EPARSE, "g", "needs at least one reading");
  /* Exact: every term is an integer below 2^53 until the sum is clearly beyond the limit. */
  if ((double)s->t + (double)(n - 1) * (double)s->dt_us > ldexp(1.0, c->time_bits))
    return fail(c, RF_ERANGE, "dt_us",
                "the last reading's time is out of range (more than 2^%d microseconds from 0)",
                c->time_bits);
  rf__record_scratch *sc = c->scratch;
  if ((rc = reserve(c, (void **)&sc->g, &sc->g_cap, n, sizeof *sc->g, "g"))) return rc;
  size_t i = 0;
  for (const cJSON *e = g->child; e != NULL; e = e->next, ++i) {
    char field[32];
    snprintf(field, sizeof field, "g[%zu]", i);
    if ((rc = weight_value(c, e, field, &sc->g[i]))) return rc;
  }
  s->g = sc->g;
  s->count = n;
  return 0;
}

static int parse_delta(const ctx *c, rf_delta_rec *d) {
  int rc;
  const cJSON *plates = NULL;
  if ((rc = req_id(c, "shelf", &d->shelf)) || (rc = req_time(c, "t0", &d->t0)) ||
      (rc = req_time(c, "t1", &d->t1)) || (rc = time_order(c, d->t0, d->t1)) ||
      (rc = req_container(c, "plates", 0, &plates)))
    return rc;
  size_t n = child_count(plates);
  if (n == 0) return fail(c, RF_EPARSE, "plates", "needs at least one plate");
  rf__record_scratch *sc = c->scratch;
  if ((rc = reserve(c, (void **)&sc->deltas, &sc->deltas_cap, n, sizeof *sc->deltas, "plates")))
    return rc;
  size_t i = 0;
  for (const cJSON *e = plates->child; e != NULL; e = e->next, ++i) {
    char field[160];
    snprintf(field, sizeof field, "plates.%s", e->string);
    if (e->string[0] == '\0') return fail(c, RF_EPARSE, "plates", "a plate id is empty");
    sc->deltas[i].plate = e->string;
    if ((rc = weight_value(c, e, field, &sc->deltas[i].g))) return rc;
  }
  d->plates = sc->deltas;
  d->plate_count = n;
  return 0;
}

static int parse_hand(const ctx *c, rf_hand_rec *h) {
  int rc;
  memset(h, 0, sizeof *h);
  if ((rc = nullable_id(c, "shopper", &h->shopper)) || (rc = req_id(c, "shelf", &h->shelf)) ||
      (rc = req_time(c, "t0", &h->t0)) || (rc = req_time(c, "t1", &h->t1)) ||
      (rc = time_order(c, h->t0, h->t1)) || (rc = opt_number(c, "x", &h->has_x, &h->x)) ||
      (rc = opt_number(c, "conf", &h->has_conf, &h->conf)) ||
      (rc = opt_bool(c, "holding_in", &h->holding_in)) ||
      (rc = opt_bool(c, "holding_out", &h->holding_out)))
    return rc;
  if (h->has_conf && (h->conf < 0.0 || h->conf > 1.0))
    return fail(c, RF_ERANGE, "conf", "must be within [0, 1], got %g", h->conf);
  const cJSON *scores = member(c, "sku_scores");
  if (scores == NULL) return 0;
  if (!cJSON_IsObject(scores))
    return fail(c, RF_EPARSE, "sku_scores", "expected an object, got %s", json_kind(scores));
  size_t n = child_count(scores);
  rf__record_scratch *sc = c->scratch;
  if ((rc = reserve(c, (void **)&sc->scores, &sc->scores_cap, n, sizeof *sc->scores, "sku_scores")))
    return rc;
  size_t i = 0;
  for (const cJSON *e = scores->child; e != NULL; e = e->next, ++i) {
    char field[160];
    snprintf(field, sizeof field, "sku_scores.%s", e->string);
    if (e->string[0] == '\0') return fail(c, RF_EPARSE, "sku_scores", "a sku is empty");
    sc->scores[i].sku = e->string;
    if ((rc = number_value(c, e, field, &sc->scores[i].score))) return rc;
  }
  h->has_sku_scores = 1;
  h->sku_scores = sc->scores;
  h->sku_score_count = n;
  return 0;
}

static int parse_diff(const ctx *c, rf_diff_rec *d) {
  int rc;
  memset(d, 0, sizeof *d);
  if ((rc = req_int(c, "seq", &d->seq)) || (rc = req_time(c, "t", &d->t)) ||
      (rc = req_id(c, "shopper", &d->shopper)) || (rc = req_id(c, "sku", &d->sku)) ||
      (rc = req_int(c, "qty", &d->qty)) || (rc = req_number(c, "conf", &d->conf)) ||
      (rc = req_bool(c, "review", &d->review)) || (rc = req_int(c, "event", &d->event)) ||
      (rc = opt_int(c, "corrects", &d->has_corrects, &d->corrects)) ||
      (rc = opt_int(c, "reviews", &d->has_reviews, &d->reviews)))
    return rc;
  if (d->qty == 0) return fail(c, RF_ERANGE, "qty", "must not be 0");
  if (d->has_reviews && d->reviews < 0)
    return fail(c, RF_ERANGE, "reviews", "must be >= 0, got %lld", (long long)d->reviews);
  if (d->conf < 0.0 || d->conf > 1.0)
    return fail(c, RF_ERANGE, "conf", "must be within [0, 1], got %g", d->conf);
  return 0;
}

/* The object `items` (sku -> int) into the scratch's items from index `at` on, each quantity
 * != 0 when `nonzero` (a review's, an alternative's: what a cart gains), else >= 0 (a
 * receipt's). The room was reserved. */
static int parse_items(const ctx *c, const cJSON *items, int nonzero, size_t at) {
  rf_item_qty *it = c->scratch->items + at;
  for (const cJSON *e = items->child; e != NULL; e = e->next, ++it) {
    char field[160];
    int rc;
    snprintf(field, sizeof field, "items.%s", e->string);
    if (e->string[0] == '\0') return fail(c, RF_EPARSE, "items", "a sku is empty");
    it->sku = e->string;
    if ((rc = int_value(c, e, field, &it->qty))) return rc;
    if (nonzero && it->qty == 0) return fail(c, RF_ERANGE, field, "must not be 0");
    if (!nonzero && it->qty < 0)
      return fail(c, RF_ERANGE, field, "must be >= 0, got %lld", (long long)it->qty);
  }
  return 0;
}

static int parse_receipt(const ctx *c, rf_receipt_rec *r) {
  int rc, amends = RF_UNKNOWN;
  const cJSON *items = NULL;
  memset(r, 0, sizeof *r);
  if ((rc = opt_time(c, "t", &r->has_t, &r->t)) || (rc = req_id(c, "shopper", &r->shopper)) ||
      (rc = req_container(c, "items", 0, &items)) || (rc = opt_bool(c, "review", &r->review)) ||
      (rc = opt_bool(c, "amends", &amends)))
    return rc;
  r->amends = amends == 1;
  size_t n = child_count(items);
  rf__record_scratch *sc = c->scratch;
  if ((rc = reserve(c, (void **)&sc->items, &sc->items_cap, n, sizeof *sc->items, "items")) ||
      (rc = parse_items(c, items, 0, 0)))
    return rc;
  r->items = sc->items;
  r->item_count = n;
  return 0;
}

static int parse_truth(const ctx *c, rf_truth_rec *t) {
  int rc;
  if ((rc = req_time(c, "t", &t->t)) || (rc = req_id(c, "shopper", &t->shopper)) ||
      (rc = req_id(c, "sku", &t->sku)) || (rc = req_int(c, "qty", &t->qty)))
    return rc;
  if (t->qty == 0) return fail(c, RF_ERANGE, "qty", "must not be 0");
  return 0;
}

static int parse_restock(const ctx *c, rf_restock_rec *r) {
  int rc;
  if ((rc = req_id(c, "shelf", &r->shelf)) || (rc = req_id(c, "sku", &r->sku)) ||
      (rc = req_time(c, "t0", &r->t0)) || (rc = req_time(c, "t1", &r->t1)) ||
      (rc = time_order(c, r->t0, r->t1)) || (rc = req_int(c, "qty", &r->qty)))
    return rc;
  if (r->qty == 0) return fail(c, RF_ERANGE, "qty", "must not be 0");
  return 0;
}

/* An integer within [lo, hi] (pixels: a camera's size, a zone's corners). */
static int int_within(const ctx *c, const cJSON *v, const char *field, int64_t lo, int64_t hi,
                      int *out) {
  int64_t n = 0;
  int rc = int_value(c, v, field, &n);
  if (rc != 0) return rc;
  if (n < lo || n > hi)
    return fail(c, RF_ERANGE, field, "must be within [%lld, %lld], got %lld", (long long)lo,
                (long long)hi, (long long)n);
  *out = (int)n;
  return 0;
}

static int req_int_within(const ctx *c, const char *field, int64_t lo, int64_t hi, int *out) {
  const cJSON *v = member(c, field);
  if (v == NULL) return fail(c, RF_EPARSE, field, "is missing");
  return int_within(c, v, field, lo, hi, out);
}

static int parse_camera(const ctx *c, rf_camera_rec *cam) {
  int rc, has_t0;
  memset(cam, 0, sizeof *cam);
  if ((rc = req_id(c, "camera", &cam->camera)) ||
      (rc = req_int_within(c, "width", 1, RF__IMAGE_MAX, &cam->width)) ||
      (rc = req_int_within(c, "height", 1, RF__IMAGE_MAX, &cam->height)) ||
      (rc = req_number(c, "fps", &cam->fps)) || (rc = opt_time(c, "t0", &has_t0, &cam->t0)))
    return rc;
  if (cam->fps <= 0.0) return fail(c, RF_ERANGE, "fps", "must be > 0, got %g", cam->fps);
  return 0;
}

/* A zone's px: [x0, y0, x1, y1], each within an image, the rectangle not empty. Whether it lies
 * within its camera's image is the checker's to say: the camera is another record. */
static int parse_px(const ctx *c, rf_zone_rec *z) {
  const cJSON *px = member(c, "px");
  int rc;
  if (px == NULL) return fail(c, RF_EPARSE, "px", "is missing");
  if (!cJSON_IsArray(px))
    return fail(c, RF_EPARSE, "px", "expected an array [x0, y0, x1, y1] of 4 integers, got %s",
                json_kind(px));
  if (child_count(px) != 4)
    return fail(c, RF_EPARSE, "px",
                "expected an array [x0, y0, x1, y1] of 4 integers, got %zu value%s",
                child_count(px), child_count(px) == 1 ? "" : "s");
  int *corner[4] = {&z->x0, &z->y0, &z->x1, &z->y1};
  const cJSON *e = px->child;
  for (int k = 0; k < 4; ++k, e = e->next) {
    char field[16];
    snprintf(field, sizeof field, "px[%d]", k);
    if ((rc = int_within(c, e, field, 0, RF__IMAGE_MAX, corner[k]))) return rc;
  }
  if (z->x1 <= z->x0)
    return fail(c, RF_ERANGE, "px", "x1 %d must be greater than x0 %d", z->x1, z->x0);
  if (z->y1 <= z->y0)
    return fail(c, RF_ERANGE, "px", "y1 %d must be greater than y0 %d", z->y1, z->y0);
  return 0;
}

static int parse_front(const ctx *c, rf_zone_front *out) {
  const cJSON *v = member(c, "front");
  if (v == NULL) return fail(c, RF_EPARSE, "front", "is missing");
  if (!cJSON_IsString(v))
    return fail(c, RF_EPARSE, "front", "expected a string, got %s", json_kind(v));
  int front = rf_zone_front_parse(v->valuestring);
  if (front < 0)
    return fail(c, RF_EPARSE, "front",
                "expected \"top\", \"bottom\", \"left\" or \"right\", got '%.32s'", v->valuestring);
  *out = (rf_zone_front)front;
  return 0;
}

static int parse_zone(const ctx *c, rf_zone_rec *z) {
  int rc, has;
  memset(z, 0, sizeof *z);
  if ((rc = req_id(c, "camera", &z->camera)) || (rc = req_id(c, "shelf", &z->shelf)) ||
      (rc = parse_px(c, z)) || (rc = parse_front(c, &z->front)))
    return rc;
  if (member(c, "shelf_x") == NULL) return fail(c, RF_EPARSE, "shelf_x", "is missing");
  if ((rc = opt_pair(c, "shelf_x", "[a, b] of 2 numbers", &has, &z->shelf_x0, &z->shelf_x1)))
    return rc;
  if (z->shelf_x0 == z->shelf_x1)
    return fail(c, RF_ERANGE, "shelf_x", "its two ends must differ, got %g twice", z->shelf_x0);
  return 0;
}

/* ---- reviews and explanations ---- */

/* Nobody (a null shopper) gains nothing: their items are {}. */
static int nobody_gains_nothing(const ctx *c, const char *shopper, size_t item_count) {
  if (shopper == NULL && item_count > 0)
    return fail(c, RF_ERANGE, "items", "must be {} when shopper is null");
  return 0;
}

static int parse_review(const ctx *c, rf_review_rec *r) {
  int rc;
  const cJSON *items = NULL;
  memset(r, 0, sizeof *r);
  if ((rc = req_int(c, "decision", &r->decision))) return rc;
  if (r->decision < 0)
    return fail(c, RF_ERANGE, "decision", "must be >= 0, got %lld", (long long)r->decision);
  if ((rc = req_nullable_id(c, "shopper", &r->shopper)) ||
      (rc = req_container(c, "items", 0, &items)) || (rc = opt_string(c, "reviewer", &r->reviewer)))
    return rc;
  size_t n = child_count(items);
  rf__record_scratch *sc = c->scratch;
  if ((rc = reserve(c, (void **)&sc->items, &sc->items_cap, n, sizeof *sc->items, "items")) ||
      (rc = parse_items(c, items, 1, 0)))
    return rc;
  r->items = sc->items;
  r->item_count = n;
  return nobody_gains_nothing(c, r->shopper, n);
}

/* A probability: a number within [0, 1]. */
static int req_prob(const ctx *c, const char *field, double *out) {
  int rc = req_number(c, field, out);
  if (rc == 0 && !(*out >= 0.0 && *out <= 1.0))
    return fail(c, RF_ERANGE, field, "must be within [0, 1], got %g", *out);
  return rc;
}

/* The required array `field`, each element an object; their count in *n. */
static int req_objects(const ctx *c, const char *field, const cJSON **out, size_t *n) {
  int rc = req_container(c, field, 1, out);
  if (rc != 0) return rc;
  *n = 0;
  for (const cJSON *e = (*out)->child; e != NULL; e = e->next, ++*n)
    if (!cJSON_IsObject(e)) {
      char name[48];
      snprintf(name, sizeof name, "%s[%zu]", field, *n);
      return fail(c, RF_EPARSE, name, "expected an object, got %s", json_kind(e));
    }
  return 0;
}

/* A context for element i of the array `field`, its fields named "field[i].name". */
static ctx element_ctx(const ctx *c, const cJSON *e, const char *field, size_t i, char *prefix,
                       size_t cap) {
  ctx sub = *c;
  sub.obj = e;
  snprintf(prefix, cap, "%s%s[%zu].", c->prefix, field, i);
  sub.prefix = prefix;
  return sub;
}

static int parse_how(const ctx *c, const char **out) {
  const cJSON *v = member(c, "how");
  if (v == NULL) return fail(c, RF_EPARSE, "how", "is missing");
  if (!cJSON_IsString(v))
    return fail(c, RF_EPARSE, "how", "expected a string, got %s", json_kind(v));
  if (!rf__explain_how_known(v->valuestring))
    return fail(c, RF_EPARSE, "how",
                "expected \"whole\", \"split\", \"merged\", \"runs\", \"restock\" or \"nobody\", "
                "got '%.32s'",
                v->valuestring);
  *out = v->valuestring;
  return 0;
}

static int parse_diff_seqs(const ctx *c, rf_explain_rec *x) {
  const cJSON *diffs = NULL;
  int rc = req_container(c, "diffs", 1, &diffs);
  if (rc != 0) return rc;
  size_t n = child_count(diffs), i = 0;
  rf__record_scratch *sc = c->scratch;
  if ((rc = reserve(c, (void **)&sc->seqs, &sc->seqs_cap, n, sizeof *sc->seqs, "diffs"))) return rc;
  for (const cJSON *e = diffs->child; e != NULL; e = e->next, ++i) {
    char field[32];
    snprintf(field, sizeof field, "diffs[%zu]", i);
    if ((rc = int_value(c, e, field, &sc->seqs[i]))) return rc;
    if (sc->seqs[i] < 0)
      return fail(c, RF_ERANGE, field, "must be >= 0, got %lld", (long long)sc->seqs[i]);
  }
  x->diffs = sc->seqs;
  x->diff_count = n;
  return 0;
}

/* An alternative's terms: each absent (NAN) or a finite number; unknown ones are ignored. */
static int parse_terms(const ctx *c, rf_evidence *t) {
  for (int k = 0; k < RF__EVIDENCE_TERMS; ++k) rf__evidence_set(t, k, NAN);
  const cJSON *terms = member(c, "terms");
  if (terms == NULL) return 0;
  if (!cJSON_IsObject(terms))
    return fail(c, RF_EPARSE, "terms", "expected an object, got %s", json_kind(terms));
  char prefix[96];
  ctx sub = *c;
  sub.obj = terms;
  snprintf(prefix, sizeof prefix, "%sterms.", c->prefix);
  sub.prefix = prefix;
  for (int k = 0; k < RF__EVIDENCE_TERMS; ++k) {
    int has, rc;
    double v;
    if ((rc = opt_number(&sub, rf__evidence_term_name(k), &has, &v))) return rc;
    if (has) rf__evidence_set(t, k, v);
  }
  return 0;
}

/* The items of every alternative, counted to reserve them at once: each alternative's point
 * into one array. Malformed ones count nothing; parsing them says what is wrong. */
static size_t alternatives_items(const cJSON *alternatives) {
  size_t n = 0;
  for (const cJSON *e = alternatives->child; e != NULL; e = e->next) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(e, "items");
    if (cJSON_IsObject(items)) n += child_count(items);
  }
  return n;
}

static int parse_alternatives(const ctx *c, rf_explain_rec *x) {
  const cJSON *list = NULL;
  size_t n;
  int rc = req_objects(c, "alternatives", &list, &n);
  if (rc != 0) return rc;
  rf__record_scratch *sc = c->scratch;
  size_t at = 0, i = 0;
  if ((rc = reserve(c, (void **)&sc->alternatives, &sc->alternatives_cap, n,
                    sizeof *sc->alternatives, "alternatives")) ||
      (rc = reserve(c, (void **)&sc->items, &sc->items_cap, alternatives_items(list),
                    sizeof *sc->items, "alternatives")))
    return rc;
  for (const cJSON *e = list->child; e != NULL; e = e->next, ++i) {
    char prefix[48];
    ctx sub = element_ctx(c, e, "alternatives", i, prefix, sizeof prefix);
    rf_alternative *a = &sc->alternatives[i];
    const cJSON *items = NULL;
    if ((rc = req_nullable_id(&sub, "shopper", &a->shopper)) ||
        (rc = req_container(&sub, "items", 0, &items)) || (rc = req_prob(&sub, "p", &a->p)) ||
        (rc = parse_terms(&sub, &a->terms)) || (rc = parse_items(&sub, items, 1, at)))
      return rc;
    a->items = sc->items + at;
    a->item_count = child_count(items);
    at += a->item_count;
    if ((rc = nobody_gains_nothing(&sub, a->shopper, a->item_count))) return rc;
  }
  x->alternatives = sc->alternatives;
  x->alternative_count = n;
  return 0;
}

static int parse_candidates(const ctx *c, rf_explain_rec *x) {
  const cJSON *list = NULL;
  size_t n, i = 0;
  int rc = req_objects(c, "candidates", &list, &n);
  rf__record_scratch *sc = c->scratch;
  if (rc != 0 || (rc = reserve(c, (void **)&sc->candidates, &sc->candidates_cap, n,
                               sizeof *sc->candidates, "candidates")))
    return rc;
  for (const cJSON *e = list->child; e != NULL; e = e->next, ++i) {
    char prefix[48];
    ctx sub = element_ctx(c, e, "candidates", i, prefix, sizeof prefix);
    rf_candidate *k = &sc->candidates[i];
    if ((rc = req_id(&sub, "shopper", &k->shopper)) || (rc = req_prob(&sub, "p", &k->p)) ||
        (rc = opt_number(&sub, "distance", &k->has_distance, &k->distance)))
      return rc;
    if (k->has_distance && k->distance < 0.0)
      return fail(&sub, RF_ERANGE, "distance", "must be >= 0, got %g", k->distance);
  }
  x->candidates = sc->candidates;
  x->candidate_count = n;
  return 0;
}

static int parse_explain_hands(const ctx *c, rf_explain_rec *x) {
  const cJSON *list = NULL;
  size_t n, i = 0;
  int rc = req_objects(c, "hands", &list, &n);
  rf__record_scratch *sc = c->scratch;
  if (rc != 0 ||
      (rc = reserve(c, (void **)&sc->hands, &sc->hands_cap, n, sizeof *sc->hands, "hands")))
    return rc;
  for (const cJSON *e = list->child; e != NULL; e = e->next, ++i) {
    char prefix[48];
    ctx sub = element_ctx(c, e, "hands", i, prefix, sizeof prefix);
    rf_explain_hand *h = &sc->hands[i];
    if ((rc = req_nullable_id(&sub, "shopper", &h->shopper)) ||
        (rc = req_time(&sub, "t0", &h->t0)) || (rc = req_time(&sub, "t1", &h->t1)) ||
        (rc = time_order(&sub, h->t0, h->t1)) || (rc = opt_number(&sub, "x", &h->has_x, &h->x)) ||
        (rc = req_prob(&sub, "p", &h->p)))
      return rc;
  }
  x->hands = sc->hands;
  x->hand_count = n;
  return 0;
}

static int parse_explain(const ctx *c, rf_explain_rec *x) {
  int rc;
  memset(x, 0, sizeof *x);
  if ((rc = req_int(c, "event", &x->event))) return rc;
  if (x->event < 0)
    return fail(c, RF_ERANGE, "event", "must be >= 0, got %lld", (long long)x->event);
  if ((rc = req_time(c, "t", &x->t)) || (rc = req_id(c, "shelf", &x->shelf)) ||
      (rc = req_time(c, "t0", &x->t0)) || (rc = req_time(c, "t1", &x->t1)) ||
      (rc = time_order(c, x->t0, x->t1)) || (rc = req_number(c, "total", &x->total)) ||
      (rc = req_number(c, "x", &x->x)) || (rc = parse_how(c, &x->how)) ||
      (rc = parse_diff_seqs(c, x)) || (rc = parse_alternatives(c, x)) ||
      (rc = parse_candidates(c, x)))
    return rc;
  return parse_explain_hands(c, x);
}

/* ---- the whole object, before any field is read: text and keys ---- */

/* A walk over the parse tree in file order, naming each value as the fields do ("plates[0].x0",
 * "plates.P1"). Strings are counted in file order, keys included, because the reader can only
 * tell which string held a \u0000 by its place among the strings of the line: cJSON cuts the
 * string there. */
typedef struct walk {
  const ctx *c;
  long nul_string; /* the place of the first string holding \u0000, or -1 */
  long strings;    /* strings passed so far */
  char path[160];
  size_t len;
} walk;

/* Appends ".key" (or "key" at the top) or "[index]" to the path; returns the length to restore. */
static size_t path_push(walk *w, const char *key, size_t index) {
  size_t old = w->len, room = sizeof w->path - old;
  int n = key != NULL ? snprintf(w->path + old, room, "%s%s", old ? "." : "", key)
                      : snprintf(w->path + old, room, "[%zu]", index);
  w->len = (n < 0 || (size_t)n >= room) ? sizeof w->path - 1 : old + (size_t)n;
  return old;
}

static void path_pop(walk *w, size_t old) {
  w->len = old;
  w->path[old] = '\0';
}

/* Whether the next string in file order is the one that held a NUL. */
static int next_string_has_nul(walk *w) { return w->strings++ == w->nul_string; }

/* A key that is not text; named by the object holding it, never echoed. */
static int bad_key(const walk *w, const char *why) {
  if (w->len == 0)
    return rf__error(w->c->err, RF_EPARSE, "line %llu: %s: a field name %s",
                     (unsigned long long)w->c->line, w->c->type, why);
  return fail(w->c, RF_EPARSE, w->path, "a key %s", why);
}

static int text_value(walk *w, const char *s) {
  if (next_string_has_nul(w)) return fail(w->c, RF_EPARSE, w->path, "contains a NUL (\\u0000)");
  if (!rf__utf8_valid(s)) return fail(w->c, RF_EPARSE, w->path, "is not valid UTF-8");
  return 0;
}

static int by_key(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key in `obj` that appears twice (file order for few keys, else the least), or NULL;
 * RF_ENOMEM in *rc when sorting found no room. */
static const char *repeated_key(const walk *w, const cJSON *obj, int *rc) {
  size_t n = child_count(obj);
  *rc = 0;
  if (n <= FEW_KEYS) {
    for (const cJSON *e = obj->child; e != NULL; e = e->next)
      for (const cJSON *f = obj->child; f != e; f = f->next)
        if (strcmp(e->string, f->string) == 0) return e->string;
    return NULL;
  }
  rf__record_scratch *sc = w->c->scratch;
  if ((*rc = rf__reserve(w->c->alloc, (void **)&sc->keys, &sc->keys_cap, n, sizeof *sc->keys)))
    return NULL;
  size_t i = 0;
  for (const cJSON *e = obj->child; e != NULL; e = e->next) sc->keys[i++] = e->string;
  qsort(sc->keys, n, sizeof *sc->keys, by_key);
  for (i = 1; i < n; ++i)
    if (strcmp(sc->keys[i - 1], sc->keys[i]) == 0) return sc->keys[i];
  return NULL;
}

static int walk_value(walk *w, const cJSON *v);

static int walk_object(walk *w, const cJSON *obj) {
  for (const cJSON *e = obj->child; e != NULL; e = e->next) {
    if (next_string_has_nul(w)) return bad_key(w, "contains a NUL (\\u0000)");
    if (!rf__utf8_valid(e->string)) return bad_key(w, "is not valid UTF-8");
    size_t old = path_push(w, e->string, 0);
    int rc = walk_value(w, e);
    if (rc != 0) return rc;
    path_pop(w, old);
  }
  int rc;
  const char *twice = repeated_key(w, obj, &rc);
  if (rc != 0)
    return rf__error(w->c->err, rc, "line %llu: %s: %s", (unsigned long long)w->c->line, w->c->type,
                     rf_strerror(rc));
  if (twice == NULL) return 0;
  path_push(w, twice, 0);
  return fail(w->c, RF_EPARSE, w->path, "appears twice");
}

/* Recursion is bounded by cJSON's nesting limit (CJSON_NESTING_LIMIT) and frames are small. */
static int walk_value(walk *w, const cJSON *v) {
  if (cJSON_IsString(v)) return text_value(w, v->valuestring);
  if (cJSON_IsObject(v)) return walk_object(w, v);
  if (!cJSON_IsArray(v)) return 0;
  size_t i = 0;
  for (const cJSON *e = v->child; e != NULL; e = e->next, ++i) {
    size_t old = path_push(w, NULL, i);
    int rc = walk_value(w, e);
    if (rc != 0) return rc;
    path_pop(w, old);
  }
  return 0;
}

/* ---- one record ---- */

/* The record type named by `type`, or RF_RECORD_TYPE_COUNT. */
static rf_record_type type_of(const cJSON *type) {
  for (int i = 0; cJSON_IsString(type) && i < RF_RECORD_TYPE_COUNT; ++i)
    if (strcmp(type->valuestring, rf_record_type_name((rf_record_type)i)) == 0)
      return (rf_record_type)i;
  return RF_RECORD_TYPE_COUNT;
}

/* Checks the whole object's text and keys, then `type`; fills out->type and c->type. */
static int check_object(ctx *c, long nul_string, rf_record *out) {
  const cJSON *type = member(c, "type");
  rf_record_type t = type_of(type);
  if (t != RF_RECORD_TYPE_COUNT) c->type = rf_record_type_name(t); /* names it in messages */
  walk w = {c, nul_string, 0, "", 0};
  int rc = walk_object(&w, c->obj);
  if (rc != 0) return rc;
  if (type == NULL) return fail(c, RF_EPARSE, "type", "is missing");
  if (!cJSON_IsString(type))
    return fail(c, RF_EPARSE, "type", "expected a string, got %s", json_kind(type));
  if (t == RF_RECORD_TYPE_COUNT)
    return fail(c, RF_EPARSE, "type", "unknown record type '%.64s'", type->valuestring);
  out->type = t;
  c->time_bits = (t == RF_RECORD_DIFF || t == RF_RECORD_RECEIPT || t == RF_RECORD_EXPLAIN)
                     ? OUTPUT_TIME_BITS
                     : INPUT_TIME_BITS;
  return 0;
}

int rf__record_from_json(const cJSON *root, uint64_t line, long nul_string, rf_record *out,
                         rf__record_scratch *scratch, const rf_allocator *a, rf__errbuf *err) {
  ctx c = {root, line, "record", err, a, scratch, INPUT_TIME_BITS, ""};
  memset(out, 0, sizeof *out);
  out->line = line;
  if (!cJSON_IsObject(root))
    return rf__error(err, RF_EPARSE, "line %llu: expected a JSON object, got %s",
                     (unsigned long long)line, json_kind(root));
  int rc = check_object(&c, nul_string, out);
  if (rc != 0) return rc;
  if (rf__record_is_input(out->type)) {
    rc = nullable_id(&c, "source", &out->source);
    if (rc == 0) rc = opt_int(&c, "seq", &out->has_seq, &out->seq);
    if (rc != 0) return rc;
  }
  switch (out->type) {
    case RF_RECORD_PRODUCT: return parse_product(&c, &out->u.product);
    case RF_RECORD_SHELF: return parse_shelf(&c, &out->u.shelf);
    case RF_RECORD_FACING: return parse_facing(&c, &out->u.facing);
    case RF_RECORD_ENTER: return parse_enter(&c, &out->u.enter);
    case RF_RECORD_EXIT: return parse_shopper(&c, &out->u.exit);
    case RF_RECORD_LINK: return parse_link(&c, &out->u.link);
    case RF_RECORD_POSITION: return parse_position(&c, &out->u.position);
    case RF_RECORD_SAMPLES: return parse_samples(&c, &out->u.samples);
    case RF_RECORD_DELTA: return parse_delta(&c, &out->u.delta);
    case RF_RECORD_HAND: return parse_hand(&c, &out->u.hand);
    case RF_RECORD_DIFF: return parse_diff(&c, &out->u.diff);
    case RF_RECORD_RECEIPT: return parse_receipt(&c, &out->u.receipt);
    case RF_RECORD_TRUTH: return parse_truth(&c, &out->u.truth);
    case RF_RECORD_RESTOCK: return parse_restock(&c, &out->u.restock);
    case RF_RECORD_CAMERA: return parse_camera(&c, &out->u.camera);
    case RF_RECORD_ZONE: return parse_zone(&c, &out->u.zone);
    case RF_RECORD_REVIEW: return parse_review(&c, &out->u.review);
    case RF_RECORD_EXPLAIN: return parse_explain(&c, &out->u.explain);
    case RF_RECORD_TYPE_COUNT: break;
  }
  return rf__error(err, RF_EPARSE, "line %llu: unhandled record type", (unsigned long long)line);
}

void rf__record_scratch_free(rf__record_scratch *s, const rf_allocator *a) {
  rf__free(a, s->plates);
  rf__free(a, s->deltas);
  rf__free(a, s->g);
  rf__free(a, s->scores);
  rf__free(a, s->items);
  rf__free(a, s->seqs);
  rf__free(a, s->alternatives);
  rf__free(a, s->candidates);
  rf__free(a, s->hands);
  rf__free(a, s->keys);
  memset(s, 0, sizeof *s);
}

/* The JSON nesting depth (objects and arrays open) at `stop`, strings skipped. */
static long depth_at(const char *text, const char *stop) {
  long depth = 0;
  int in_string = 0;
  for (const char *p = text; p < stop; ++p) {
    if (in_string) {
      if (*p == '\\' && p + 1 < stop) ++p; /* an escaped character, perhaps a quote */
      else if (*p == '"') in_string = 0;
    } else if (*p == '"') {
      in_string = 1;
    } else if (*p == '{' || *p == '[') {
      ++depth;
    } else if (*p == '}' || *p == ']') {
      --depth;
    }
  }
  return depth;
}

long rf__json_first_nul_string(const char *text, size_t len) {
  long index = -1;
  int in_string = 0;
  for (size_t i = 0; i < len; ++i) {
    if (!in_string) {
      if (text[i] == '"') {
        in_string = 1;
        ++index;
      }
    } else if (text[i] == '"') {
      in_string = 0;
    } else if (text[i] == '\\') {
      if (len - i > 5 && memcmp(text + i + 1, "u0000", 5) == 0) return index;
      ++i; /* whatever is escaped, including a quote or a backslash */
    }
  }
  return -1;
}

static int malformed(rf__errbuf *err, uint64_t line, const char *text, const char *end) {
  size_t column = (end != NULL && end >= text) ? (size_t)(end - text) + 1 : 1;
  /* cJSON stops at its nesting limit without saying so: tell that apart from bad syntax. */
  if (end != NULL && end >= text && depth_at(text, end) >= CJSON_NESTING_LIMIT)
    return rf__error(err, RF_EPARSE,
                     "line %llu: JSON nested too deep (more than %d levels) near column %zu",
                     (unsigned long long)line, CJSON_NESTING_LIMIT, column);
  return rf__error(err, RF_EPARSE, "line %llu: malformed JSON near column %zu",
                   (unsigned long long)line, column);
}

int rf__json_line_parse(char *text, size_t len, uint64_t line, cJSON **root, rf__errbuf *err) {
  if (len > 0 && text[len - 1] == '\r') text[--len] = '\0';
  const char *end = NULL;
  *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (*root == NULL) return malformed(err, line, text, end);
  for (const char *p = end; p < text + len; ++p)
    if (*p != ' ' && *p != '\t')
      return rf__error(err, RF_EPARSE,
                       "line %llu: unexpected text after the JSON value at column %zu",
                       (unsigned long long)line, (size_t)(p - text) + 1);
  return 0;
}

int rf__json_is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
  return 1;
}
