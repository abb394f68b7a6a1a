/* Writing records as JSON Lines, `type` first, into a buffer handed to a sink in large pieces.
 * A record is emitted whole or not at all: on a refusal the buffer is cut back. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "json_write.h"
#include "pb_codec.h"
#include "record/record.h"
#include "record_check.h"
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"

#define FLUSH_AT (64 * 1024)
/* JSON numbers read back as doubles: integers beyond 2^53 would not come back exactly, and the
 * reader refuses them. */
#define MAX_EXACT_INT 9007199254740992LL

struct rf_scenario_writer {
  rf_allocator alloc;
  rf_write_fn write;
  void *payload;
  FILE *file; /* opened by rf_scenario_writer_open */
  rf__jbuf out;
  rf__errbuf err;
  rf_scenario_format format;
  int written;       /* a record was written: the format is set */
  rf__pb_encoder pb; /* protocol buffers: the messages' arrays */
};

rf_scenario_format rf_scenario_format_of_path(const char *path) {
  size_t n = path ? strlen(path) : 0;
  return n >= 3 && strcmp(path + n - 3, ".pb") == 0 ? RF_FORMAT_PB : RF_FORMAT_JSONL;
}

static int write_file(const char *data, size_t len, void *payload) {
  rf_scenario_writer *w = payload;
  return fwrite(data, 1, len, w->file) == len ? 0 : RF_EIO;
}

int rf_scenario_writer_new(rf_scenario_writer **out, rf_write_fn write, void *payload,
                           const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (write == NULL) return RF_EINVAL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_scenario_writer *w = rf__calloc(&a, 1, sizeof *w);
  if (w == NULL) return RF_ENOMEM;
  w->alloc = a;
  w->write = write;
  w->payload = payload;
  rf__jbuf_init(&w->out, &w->alloc);
  rf__pb_encoder_init(&w->pb, &w->alloc);
  *out = w;
  return 0;
}

int rf_scenario_writer_open(rf_scenario_writer **out, const char *path,
                            const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (path == NULL) return RF_EINVAL;
  int is_stdout = strcmp(path, "-") == 0;
  FILE *f = is_stdout ? stdout : fopen(path, "wb");
  if (f == NULL) return RF_EIO;
  rf_scenario_writer *w;
  int rc = rf_scenario_writer_new(&w, write_file, NULL, allocator);
  if (rc != 0) {
    if (!is_stdout) fclose(f);
    return rc;
  }
  w->payload = w;
  w->file = f;
  *out = w;
  return 0;
}

const char *rf_scenario_writer_errmsg(const rf_scenario_writer *w) { return w ? w->err.msg : ""; }

/* ---- emitting one record; each helper checks its value and names the field if it is bad ---- */

typedef struct emit {
  rf__jbuf *out;
  rf__errbuf *err;
  const char *type;
  int rc;
} emit;

static void refuse(emit *e, const char *field, const char *why) {
  if (e->rc == 0) e->rc = rf__error(e->err, RF_EINVAL, "%s: field '%s' %s", e->type, field, why);
}

static void key(emit *e, const char *k) { rf__jbuf_key(e->out, k, 0); }

/* Whether text (an id, a name, a key) may be written: the reader takes only UTF-8. */
static int text_ok(emit *e, const char *field, const char *v) {
  if (rf__utf8_valid(v)) return 1;
  refuse(e, field, "is not valid UTF-8");
  return 0;
}

static void id(emit *e, const char *k, const char *v) {
  if (v == NULL || v[0] == '\0') {
    refuse(e, k, "is missing or empty");
    return;
  }
  if (!text_ok(e, k, v)) return;
  key(e, k);
  rf__jbuf_string(e->out, v);
}

static void number(emit *e, const char *k, double v) {
  if (!isfinite(v)) {
    refuse(e, k, "is not finite");
    return;
  }
  key(e, k);
  rf__jbuf_double(e->out, v);
}

/* Whether grams may be written: the reader refuses more than RF_WEIGHT_LIMIT_G by magnitude.
 * (A value that is not finite is number()'s to refuse.) */
static int grams_ok(emit *e, const char *field, double g) {
  if (!isfinite(g) || fabs(g) <= RF_WEIGHT_LIMIT_G) return 1;
  refuse(e, field, "is beyond 1e7 g");
  return 0;
}

static void weight(emit *e, const char *k, double g) {
  if (grams_ok(e, k, g)) number(e, k, g);
}

static void integer(emit *e, const char *k, int64_t v) {
  if (v > MAX_EXACT_INT || v < -MAX_EXACT_INT) {
    refuse(e, k, "is beyond 2^53");
    return;
  }
  key(e, k);
  rf__jbuf_int(e->out, v);
}

static void boolean(emit *e, const char *k, int v) {
  key(e, k);
  rf__jbuf_cstr(e->out, v ? "true" : "false");
}

static void conf(emit *e, const char *k, double v) {
  if (!(v >= 0.0 && v <= 1.0)) {
    refuse(e, k, "must be within [0, 1]");
    return;
  }
  number(e, k, v);
}

static void nonzero_qty(emit *e, int64_t qty) {
  if (qty == 0) {
    refuse(e, "qty", "must not be 0");
    return;
  }
  integer(e, "qty", qty);
}

static void span(emit *e, rf_time_us t0, rf_time_us t1) {
  if (t1 < t0) {
    refuse(e, "t1", "is before t0");
    return;
  }
  integer(e, "t0", t0);
  integer(e, "t1", t1);
}

static void emit_product(emit *e, const rf_product_def *p) {
  id(e, "sku", p->sku);
  if (p->name && text_ok(e, "name", p->name)) {
    key(e, "name");
    rf__jbuf_string(e->out, p->name);
  }
  weight(e, "weight_g", p->weight_g);
  if (!(p->weight_g > 0.0)) refuse(e, "weight_g", "must be > 0");
  if (p->has_weight_sd) {
    weight(e, "weight_sd_g", p->weight_sd_g);
    if (p->weight_sd_g < 0.0) refuse(e, "weight_sd_g", "must be >= 0");
  }
}

/* "k":[x,y], or a refusal (-1) when either is not finite. */
static int pair(emit *e, const char *k, double x, double y) {
  rf__jbuf *b = e->out;
  if (!isfinite(x) || !isfinite(y)) {
    refuse(e, k, "is not finite");
    return -1;
  }
  key(e, k);
  rf__jbuf_raw(b, "[", 1);
  rf__jbuf_double(b, x);
  rf__jbuf_raw(b, ",", 1);
  rf__jbuf_double(b, y);
  rf__jbuf_raw(b, "]", 1);
  return 0;
}

static void emit_shelf(emit *e, const rf_shelf_def *s) {
  rf__jbuf *b = e->out;
  id(e, "shelf", s->shelf);
  if (s->has_noise) {
    weight(e, "noise_g", s->noise_g);
    if (s->noise_g < 0.0) refuse(e, "noise_g", "must be >= 0");
  }
  if (s->has_pos && pair(e, "pos", s->pos_x, s->pos_y) != 0) return;
  if (s->has_dir && (s->dir_x == 0.0 && s->dir_y == 0.0)) {
    refuse(e, "dir", "must not be [0, 0]");
    return;
  }
  if (s->has_dir && pair(e, "dir", s->dir_x, s->dir_y) != 0) return;
  if (s->plate_count == 0 || s->plates == NULL) {
    refuse(e, "plates", "is empty");
    return;
  }
  key(e, "plates");
  rf__jbuf_raw(b, "[", 1);
  for (size_t i = 0; i < s->plate_count; ++i) {
    rf__jbuf_raw(b, i ? ",{" : "{", i ? 2 : 1);
    const rf_plate_def *p = &s->plates[i];
    if (p->plate == NULL || p->plate[0] == '\0') {
      refuse(e, "plates.plate", "is missing");
      return;
    }
    if (!text_ok(e, "plates.plate", p->plate)) return;
    rf__jbuf_key(b, "plate", 1);
    rf__jbuf_string(b, p->plate);
    number(e, "x0", p->x0);
    number(e, "x1", p->x1);
    rf__jbuf_raw(b, "}", 1);
  }
  rf__jbuf_raw(b, "]", 1);
}

static void emit_facing(emit *e, const rf_facing_def *f) {
  id(e, "shelf", f->shelf);
  id(e, "sku", f->sku);
  number(e, "x0", f->x0);
  number(e, "x1", f->x1);
  if (f->x1 <= f->x0) refuse(e, "x1", "must be greater than x0");
  if (f->count != RF_COUNT_UNKNOWN) {
    if (f->count < 0) {
      refuse(e, "count", "is negative");
      return;
    }
    integer(e, "count", f->count);
  }
}

static void emit_samples(emit *e, const rf_samples_rec *s) {
  rf__jbuf *b = e->out;
  id(e, "plate", s->plate);
  integer(e, "t", s->t);
  if (s->dt_us <= 0) {
    refuse(e, "dt_us", "must be > 0");
    return;
  }
  integer(e, "dt_us", s->dt_us);
  if (s->count == 0 || s->g == NULL) {
    refuse(e, "g", "is empty");
    return;
  }
  if ((double)s->t + (double)(s->count - 1) * (double)s->dt_us > (double)MAX_EXACT_INT) {
    refuse(e, "dt_us", "puts the last reading's time beyond 2^53");
    return;
  }
  key(e, "g");
  rf__jbuf_raw(b, "[", 1);
  for (size_t i = 0; i < s->count; ++i) {
    if (!isfinite(s->g[i])) {
      refuse(e, "g", "holds a non-finite reading");
      return;
    }
    if (!grams_ok(e, "g", s->g[i])) return;
    if (i) rf__jbuf_raw(b, ",", 1);
    rf__jbuf_double(b, s->g[i]);
  }
  rf__jbuf_raw(b, "]", 1);
}

static void emit_delta(emit *e, const rf_delta_rec *d) {
  rf__jbuf *b = e->out;
  id(e, "shelf", d->shelf);
  span(e, d->t0, d->t1);
  if (d->plate_count == 0 || d->plates == NULL) {
    refuse(e, "plates", "is empty");
    return;
  }
  key(e, "plates");
  rf__jbuf_raw(b, "{", 1);
  for (size_t i = 0; i < d->plate_count; ++i) {
    if (d->plates[i].plate == NULL || d->plates[i].plate[0] == '\0') {
      refuse(e, "plates", "names an empty plate");
      return;
    }
    if (!isfinite(d->plates[i].g)) {
      refuse(e, "plates", "holds a non-finite change");
      return;
    }
    if (!text_ok(e, "plates", d->plates[i].plate) || !grams_ok(e, "plates", d->plates[i].g)) return;
    rf__jbuf_key(b, d->plates[i].plate, i == 0);
    rf__jbuf_double(b, d->plates[i].g);
  }
  rf__jbuf_raw(b, "}", 1);
}

static void emit_hand(emit *e, const rf_hand_rec *h) {
  rf__jbuf *b = e->out;
  key(e, "shopper");
  if (h->shopper == NULL) {
    rf__jbuf_cstr(b, "null");
  } else {
    if (h->shopper[0] == '\0') {
      refuse(e, "shopper", "is empty");
      return;
    }
    if (!text_ok(e, "shopper", h->shopper)) return;
    rf__jbuf_string(b, h->shopper);
  }
  id(e, "shelf", h->shelf);
  span(e, h->t0, h->t1);
  if (h->has_x) number(e, "x", h->x);
  if (h->has_conf) conf(e, "conf", h->conf);
  if (h->holding_in != RF_UNKNOWN) boolean(e, "holding_in", h->holding_in);
  if (h->holding_out != RF_UNKNOWN) boolean(e, "holding_out", h->holding_out);
  if (h->has_sku_scores) {
    if (h->sku_score_count > 0 && h->sku_scores == NULL) {
      refuse(e, "sku_scores", "is NULL");
      return;
    }
    key(e, "sku_scores");
    rf__jbuf_raw(b, "{", 1);
    for (size_t i = 0; i < h->sku_score_count; ++i) {
      const rf_sku_score *s = &h->sku_scores[i];
      if (s->sku == NULL || s->sku[0] == '\0') {
        refuse(e, "sku_scores", "names an empty sku");
        return;
      }
      if (!isfinite(s->score)) {
        refuse(e, "sku_scores", "holds a non-finite score");
        return;
      }
      if (!text_ok(e, "sku_scores", s->sku)) return;
      rf__jbuf_key(b, s->sku, i == 0);
      rf__jbuf_double(b, s->score);
    }
    rf__jbuf_raw(b, "}", 1);
  }
}

static void emit_diff(emit *e, const rf_diff_rec *d) {
  integer(e, "seq", d->seq);
  integer(e, "t", d->t);
  id(e, "shopper", d->shopper);
  id(e, "sku", d->sku);
  nonzero_qty(e, d->qty);
  conf(e, "conf", d->conf);
  boolean(e, "review", d->review);
  integer(e, "event", d->event);
  if (d->has_corrects) integer(e, "corrects", d->corrects);
  if (d->has_reviews) {
    if (d->reviews < 0) refuse(e, "reviews", "must be >= 0");
    integer(e, "reviews", d->reviews);
  }
}

/* "items":{...} of n items, each quantity >= 0 (a receipt's) or, when `nonzero`, != 0 (what a
 * cart gains: a review's, an alternative's). `field` names it in a refusal. */
static void emit_items(emit *e, const char *field, const rf_item_qty *list, size_t n, int nonzero) {
  rf__jbuf *b = e->out;
  if (n > 0 && list == NULL) {
    refuse(e, field, "is NULL");
    return;
  }
  key(e, "items");
  rf__jbuf_raw(b, "{", 1);
  for (size_t i = 0; i < n; ++i) {
    const rf_item_qty *it = &list[i];
    if (it->sku == NULL || it->sku[0] == '\0') {
      refuse(e, field, "names an empty sku");
      return;
    }
    if (nonzero && it->qty == 0) {
      refuse(e, field, "holds a quantity of 0");
      return;
    }
    for (size_t k = 0; k < i; ++k) /* the readers refuse a sku twice: so does the writer */
      if (strcmp(list[k].sku, it->sku) == 0) {
        refuse(e, field, "names a sku twice");
        return;
      }
    if (!nonzero && it->qty < 0) {
      refuse(e, field, "holds a negative quantity");
      return;
    }
    if (!text_ok(e, field, it->sku)) return;
    if (it->qty > MAX_EXACT_INT || it->qty < -MAX_EXACT_INT) {
      refuse(e, field, "holds a quantity beyond 2^53");
      return;
    }
    rf__jbuf_key(b, it->sku, i == 0);
    rf__jbuf_int(b, it->qty);
  }
  rf__jbuf_raw(b, "}", 1);
}

static void emit_receipt(emit *e, const rf_receipt_rec *r) {
  if (r->has_t) integer(e, "t", r->t);
  id(e, "shopper", r->shopper);
  emit_items(e, "items", r->items, r->item_count, 0);
  if (r->review != RF_UNKNOWN) boolean(e, "review", r->review);
  if (r->amends) boolean(e, "amends", 1);
}

/* `"k":"id"` as an object's first member or after others; NULL is written as null when
 * `nullable` (nobody, anonymous), else refused. `field` names it in a refusal. */
static void member_id(emit *e, const char *field, const char *k, const char *v, int nullable,
                      int first) {
  if (v == NULL && nullable) {
    rf__jbuf_key(e->out, k, first);
    rf__jbuf_cstr(e->out, "null");
    return;
  }
  if (v == NULL || v[0] == '\0') {
    refuse(e, field, "is missing or empty");
    return;
  }
  if (!text_ok(e, field, v)) return;
  rf__jbuf_key(e->out, k, first);
  rf__jbuf_string(e->out, v);
}

/* `"k":number` after other members; `field` names it in a refusal. */
static void member_number(emit *e, const char *field, const char *k, double v) {
  if (!isfinite(v)) {
    refuse(e, field, "is not finite");
    return;
  }
  key(e, k);
  rf__jbuf_double(e->out, v);
}

/* A probability: within [0, 1]. */
static void member_prob(emit *e, const char *field, double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    refuse(e, field, "must be within [0, 1]");
    return;
  }
  member_number(e, field, "p", p);
}

/* Nobody (a NULL shopper) gains nothing. */
static void nobody_gains_nothing(emit *e, const char *field, const char *shopper, size_t n) {
  if (shopper == NULL && n > 0) refuse(e, field, "must be empty when shopper is null");
}

static void emit_review(emit *e, const rf_review_rec *r) {
  if (r->decision < 0) refuse(e, "decision", "must be >= 0");
  integer(e, "decision", r->decision);
  member_id(e, "shopper", "shopper", r->shopper, 1, 0);
  nobody_gains_nothing(e, "items", r->shopper, r->item_count);
  emit_items(e, "items", r->items, r->item_count, 1);
  if (r->reviewer != NULL && text_ok(e, "reviewer", r->reviewer)) {
    key(e, "reviewer");
    rf__jbuf_string(e->out, r->reviewer);
  }
}

/* The field `name` of element i of the array `array`, for a refusal: "hands[2].t0". */
typedef struct element_field {
  char text[128];
} element_field;

static const char *at(element_field *f, const char *array, size_t i, const char *name) {
  snprintf(f->text, sizeof f->text, "%s[%zu].%s", array, i, name);
  return f->text;
}

/* `"array":[` with a refusal for a NULL array of n > 0 elements; 0 when refused. */
static int open_array(emit *e, const char *array, const void *list, size_t n) {
  if (n > 0 && list == NULL) {
    refuse(e, array, "is NULL");
    return 0;
  }
  key(e, array);
  rf__jbuf_raw(e->out, "[", 1);
  return 1;
}

/* "terms":{...} with the terms that apply (not NAN); left out when none does. */
static void emit_terms(emit *e, size_t i, const rf_evidence *t) {
  rf__jbuf *b = e->out;
  int first = 1;
  element_field f;
  for (int k = 0; k < RF__EVIDENCE_TERMS; ++k) {
    double v = rf__evidence_term(t, k);
    if (isnan(v)) continue;
    if (!isfinite(v)) {
      char name[32];
      snprintf(name, sizeof name, "terms.%s", rf__evidence_term_name(k));
      refuse(e, at(&f, "alternatives", i, name), "is not finite");
      return;
    }
    if (first) key(e, "terms");
    rf__jbuf_raw(b, first ? "{" : ",", 1);
    rf__jbuf_key(b, rf__evidence_term_name(k), 1);
    rf__jbuf_double(b, v);
    first = 0;
  }
  if (!first) rf__jbuf_raw(b, "}", 1);
}

static void emit_alternatives(emit *e, const rf_alternative *list, size_t n) {
  element_field f;
  if (!open_array(e, "alternatives", list, n)) return;
  for (size_t i = 0; i < n; ++i) {
    const rf_alternative *a = &list[i];
    rf__jbuf_raw(e->out, i ? ",{" : "{", i ? 2 : 1);
    member_id(e, at(&f, "alternatives", i, "shopper"), "shopper", a->shopper, 1, 1);
    nobody_gains_nothing(e, at(&f, "alternatives", i, "items"), a->shopper, a->item_count);
    emit_items(e, at(&f, "alternatives", i, "items"), a->items, a->item_count, 1);
    member_prob(e, at(&f, "alternatives", i, "p"), a->p);
    emit_terms(e, i, &a->terms);
    rf__jbuf_raw(e->out, "}", 1);
  }
  rf__jbuf_raw(e->out, "]", 1);
}

static void emit_candidates(emit *e, const rf_candidate *list, size_t n) {
  element_field f;
  if (!open_array(e, "candidates", list, n)) return;
  for (size_t i = 0; i < n; ++i) {
    const rf_candidate *k = &list[i];
    rf__jbuf_raw(e->out, i ? ",{" : "{", i ? 2 : 1);
    member_id(e, at(&f, "candidates", i, "shopper"), "shopper", k->shopper, 0, 1);
    member_prob(e, at(&f, "candidates", i, "p"), k->p);
    if (k->has_distance && k->distance < 0.0)
      refuse(e, at(&f, "candidates", i, "distance"), "must be >= 0");
    if (k->has_distance)
      member_number(e, at(&f, "candidates", i, "distance"), "distance", k->distance);
    rf__jbuf_raw(e->out, "}", 1);
  }
  rf__jbuf_raw(e->out, "]", 1);
}

static void emit_explain_hands(emit *e, const rf_explain_hand *list, size_t n) {
  element_field f;
  if (!open_array(e, "hands", list, n)) return;
  for (size_t i = 0; i < n; ++i) {
    const rf_explain_hand *h = &list[i];
    rf__jbuf_raw(e->out, i ? ",{" : "{", i ? 2 : 1);
    member_id(e, at(&f, "hands", i, "shopper"), "shopper", h->shopper, 1, 1);
    if (h->t1 < h->t0) refuse(e, at(&f, "hands", i, "t1"), "is before t0");
    if (h->t0 > MAX_EXACT_INT || h->t0 < -MAX_EXACT_INT)
      refuse(e, at(&f, "hands", i, "t0"), "is beyond 2^53");
    if (h->t1 > MAX_EXACT_INT || h->t1 < -MAX_EXACT_INT)
      refuse(e, at(&f, "hands", i, "t1"), "is beyond 2^53");
    key(e, "t0");
    rf__jbuf_int(e->out, h->t0);
    key(e, "t1");
    rf__jbuf_int(e->out, h->t1);
    if (h->has_x) member_number(e, at(&f, "hands", i, "x"), "x", h->x);
    member_prob(e, at(&f, "hands", i, "p"), h->p);
    rf__jbuf_raw(e->out, "}", 1);
  }
  rf__jbuf_raw(e->out, "]", 1);
}

static void emit_explain(emit *e, const rf_explain_rec *x) {
  rf__jbuf *b = e->out;
  if (x->event < 0) refuse(e, "event", "must be >= 0");
  integer(e, "event", x->event);
  integer(e, "t", x->t);
  id(e, "shelf", x->shelf);
  span(e, x->t0, x->t1);
  number(e, "total", x->total);
  number(e, "x", x->x);
  if (rf__explain_how_known(x->how)) {
    key(e, "how");
    rf__jbuf_string(b, x->how);
  } else {
    refuse(e, "how", "must be whole, split, merged, runs, restock or nobody");
  }
  if (open_array(e, "diffs", x->diffs, x->diff_count)) {
    for (size_t i = 0; i < x->diff_count; ++i) {
      if (x->diffs[i] < 0 || x->diffs[i] > MAX_EXACT_INT) {
        refuse(e, "diffs", x->diffs[i] < 0 ? "holds a seq < 0" : "holds a seq beyond 2^53");
        return;
      }
      if (i) rf__jbuf_raw(b, ",", 1);
      rf__jbuf_int(b, x->diffs[i]);
    }
    rf__jbuf_raw(b, "]", 1);
  }
  emit_alternatives(e, x->alternatives, x->alternative_count);
  emit_candidates(e, x->candidates, x->candidate_count);
  emit_explain_hands(e, x->hands, x->hand_count);
}

/* A size or corner in pixels, within [lo, RF__IMAGE_MAX]; written only when it is. */
static int pixels_ok(emit *e, const char *field, int v, int lo) {
  if (v >= lo && v <= RF__IMAGE_MAX) return 1;
  refuse(e, field, lo == 0 ? "must be within [0, 65535]" : "must be within [1, 65535]");
  return 0;
}

static void emit_camera(emit *e, const rf_camera_rec *c) {
  id(e, "camera", c->camera);
  if (pixels_ok(e, "width", c->width, 1)) integer(e, "width", c->width);
  if (pixels_ok(e, "height", c->height, 1)) integer(e, "height", c->height);
  number(e, "fps", c->fps);
  if (!(c->fps > 0.0)) refuse(e, "fps", "must be > 0");
  integer(e, "t0", c->t0); /* always: a record cannot tell 0 from absent */
}

static void emit_zone(emit *e, const rf_zone_rec *z) {
  rf__jbuf *b = e->out;
  id(e, "camera", z->camera);
  id(e, "shelf", z->shelf);
  const int px[4] = {z->x0, z->y0, z->x1, z->y1};
  for (int k = 0; k < 4; ++k)
    if (!pixels_ok(e, "px", px[k], 0)) return;
  if (z->x1 <= z->x0 || z->y1 <= z->y0) {
    refuse(e, "px",
           z->x1 <= z->x0 ? "must have x1 greater than x0" : "must have y1 greater than y0");
    return;
  }
  key(e, "px");
  for (int k = 0; k < 4; ++k) {
    rf__jbuf_raw(b, k ? "," : "[", 1);
    rf__jbuf_int(b, px[k]);
  }
  rf__jbuf_raw(b, "]", 1);
  const char *front = rf_zone_front_name(z->front);
  if (front == NULL) {
    refuse(e, "front", "must be top, bottom, left or right");
    return;
  }
  key(e, "front");
  rf__jbuf_string(b, front);
  if (pair(e, "shelf_x", z->shelf_x0, z->shelf_x1) == 0 && z->shelf_x0 == z->shelf_x1)
    refuse(e, "shelf_x", "must have two different ends");
}

static void emit_record(emit *e, const rf_record *rec) {
  const char *type = rf_record_type_name(rec->type);
  if (type == NULL) {
    e->rc = rf__error(e->err, RF_EINVAL, "record: unknown type %d", (int)rec->type);
    return;
  }
  e->type = type;
  rf__jbuf *b = e->out;
  rf__jbuf_raw(b, "{", 1);
  rf__jbuf_key(b, "type", 1);
  rf__jbuf_string(b, type);
  if (rf__record_is_input(rec->type)) {
    if (rec->source != NULL) id(e, "source", rec->source);
    if (rec->has_seq) integer(e, "seq", rec->seq);
  }
  switch (rec->type) {
    case RF_RECORD_PRODUCT: emit_product(e, &rec->u.product); break;
    case RF_RECORD_SHELF: emit_shelf(e, &rec->u.shelf); break;
    case RF_RECORD_FACING: emit_facing(e, &rec->u.facing); break;
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT: {
      const rf_shopper_rec *s = rec->type == RF_RECORD_ENTER ? &rec->u.enter : &rec->u.exit;
      integer(e, "t", s->t);
      id(e, "shopper", s->shopper);
      if (rec->type == RF_RECORD_ENTER && s->staff) boolean(e, "staff", 1);
      break;
    }
    case RF_RECORD_LINK:
      integer(e, "t", rec->u.link.t);
      id(e, "shopper", rec->u.link.shopper);
      id(e, "cart", rec->u.link.cart);
      break;
    case RF_RECORD_POSITION:
      integer(e, "t", rec->u.position.t);
      id(e, "shopper", rec->u.position.shopper);
      number(e, "x", rec->u.position.x);
      number(e, "y", rec->u.position.y);
      break;
    case RF_RECORD_SAMPLES: emit_samples(e, &rec->u.samples); break;
    case RF_RECORD_DELTA: emit_delta(e, &rec->u.delta); break;
    case RF_RECORD_HAND: emit_hand(e, &rec->u.hand); break;
    case RF_RECORD_DIFF: emit_diff(e, &rec->u.diff); break;
    case RF_RECORD_RECEIPT: emit_receipt(e, &rec->u.receipt); break;
    case RF_RECORD_TRUTH:
      integer(e, "t", rec->u.truth.t);
      id(e, "shopper", rec->u.truth.shopper);
      id(e, "sku", rec->u.truth.sku);
      nonzero_qty(e, rec->u.truth.qty);
      break;
    case RF_RECORD_RESTOCK:
      id(e, "shelf", rec->u.restock.shelf);
      id(e, "sku", rec->u.restock.sku);
      span(e, rec->u.restock.t0, rec->u.restock.t1);
      nonzero_qty(e, rec->u.restock.qty);
      break;
    case RF_RECORD_CAMERA: emit_camera(e, &rec->u.camera); break;
    case RF_RECORD_ZONE: emit_zone(e, &rec->u.zone); break;
    case RF_RECORD_REVIEW: emit_review(e, &rec->u.review); break;
    case RF_RECORD_EXPLAIN: emit_explain(e, &rec->u.explain); break;
    case RF_RECORD_TYPE_COUNT: break;
  }
  rf__jbuf_raw(b, "}\n", 2);
}

int rf_scenario_writer_set_format(rf_scenario_writer *w, rf_scenario_format format) {
  if (w == NULL || (format != RF_FORMAT_JSONL && format != RF_FORMAT_PB)) return RF_EINVAL;
  if (w->written || w->out.len > 0)
    return rf__error(&w->err, RF_EMISUSE, "the format is set before the first record");
  w->format = format;
  if (format == RF_FORMAT_PB) {
    uint8_t header[RF__PB_HEADER_MAX];
    size_t n = rf__pb_header(header, 0);
    rf__jbuf_raw(&w->out, (const char *)header, n);
    if (w->out.failed) {
      w->out.failed = 0;
      w->out.len = 0;
      return rf__error(&w->err, RF_ENOMEM, "out of memory");
    }
  }
  return 0;
}

/* rec as a frame at the end of the buffer, once emit_record (into nothing) has checked it. */
static int write_frame(rf_scenario_writer *w, const rf_record *rec, emit *e) {
  rf__jbuf none;
  rf__jbuf_init(&none, NULL);
  none.discard = 1;
  e->out = &none;
  emit_record(e, rec);
  if (e->rc != 0) return e->rc;
  uint8_t *data = (uint8_t *)w->out.data;
  int rc = rf__pb_encode(&w->pb, rec, &data, &w->out.len, &w->out.cap);
  w->out.data = (char *)data;
  return rc == 0 ? 0 : rf__error(&w->err, rc, "%s: %s", e->type, rf_strerror(rc));
}

int rf_scenario_writer_write(rf_scenario_writer *w, const rf_record *rec) {
  if (w == NULL || rec == NULL) return RF_EINVAL;
  rf__error_clear(&w->err);
  size_t mark = w->out.len;
  emit e = {&w->out, &w->err, "record", 0};
  w->written = 1;
  if (w->format == RF_FORMAT_PB) e.rc = write_frame(w, rec, &e);
  else emit_record(&e, rec);
  if (e.rc == 0 && w->out.failed) e.rc = rf__error(&w->err, RF_ENOMEM, "%s: out of memory", e.type);
  if (e.rc != 0) {
    w->out.len = mark;
    w->out.failed = 0;
    return e.rc;
  }
  return w->out.len >= FLUSH_AT ? rf_scenario_writer_flush(w) : 0;
}

int rf_scenario_writer_flush(rf_scenario_writer *w) {
  if (w == NULL) return RF_EINVAL;
  if (w->out.len > 0) {
    int rc = w->write(w->out.data, w->out.len, w->payload);
    if (rc != 0) return rf__error(&w->err, rc < 0 ? rc : RF_EIO, "writing: %s", rf_strerror(rc));
    w->out.len = 0;
  }
  if (w->file != NULL && fflush(w->file) != 0)
    return rf__error(&w->err, RF_EIO, "writing: flush failed");
  return 0;
}

int rf_scenario_writer_close(rf_scenario_writer *w) {
  if (w == NULL) return 0;
  int rc = rf_scenario_writer_flush(w);
  if (w->file != NULL && w->file != stdout && fclose(w->file) != 0 && rc == 0) rc = RF_EIO;
  rf__jbuf_free(&w->out);
  rf__pb_encoder_free(&w->pb);
  rf_allocator a = w->alloc;
  rf__free(&a, w);
  return rc;
}

/* ---- the rules alone, for records read in other formats ---- */

/* Input, truth and camera times keep within RF_TIME_LIMIT_US (engine output may pass it: its
 * times are input times plus waits); the writer allows 2^53 for all. */
static int input_time(rf__errbuf *err, const char *type, const char *field, rf_time_us t) {
  if (t <= RF_TIME_LIMIT_US && t >= -RF_TIME_LIMIT_US) return 0;
  return rf__error(err, RF_ERANGE,
                   "%s: field '%s': out of range: more than 2^52 microseconds from 0", type, field);
}

static int input_times(const rf_record *rec, rf__errbuf *err) {
  const char *type = rf_record_type_name(rec->type);
  switch (rec->type) {
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT: return input_time(err, type, "t", rec->u.enter.t);
    case RF_RECORD_LINK: return input_time(err, type, "t", rec->u.link.t);
    case RF_RECORD_POSITION: return input_time(err, type, "t", rec->u.position.t);
    case RF_RECORD_TRUTH: return input_time(err, type, "t", rec->u.truth.t);
    case RF_RECORD_SAMPLES: {
      const rf_samples_rec *s = &rec->u.samples;
      if (input_time(err, type, "t", s->t) != 0) return RF_ERANGE;
      double last = (double)s->t + (double)(s->count - 1) * (double)s->dt_us;
      return fabs(last) > (double)RF_TIME_LIMIT_US ? input_time(err, type, "dt_us", INT64_MAX) : 0;
    }
    case RF_RECORD_DELTA:
      return input_time(err, type, "t0", rec->u.delta.t0) ||
                     input_time(err, type, "t1", rec->u.delta.t1)
                 ? RF_ERANGE
                 : 0;
    case RF_RECORD_HAND:
      return input_time(err, type, "t0", rec->u.hand.t0) ||
                     input_time(err, type, "t1", rec->u.hand.t1)
                 ? RF_ERANGE
                 : 0;
    case RF_RECORD_RESTOCK:
      return input_time(err, type, "t0", rec->u.restock.t0) ||
                     input_time(err, type, "t1", rec->u.restock.t1)
                 ? RF_ERANGE
                 : 0;
    case RF_RECORD_CAMERA: return input_time(err, type, "t0", rec->u.camera.t0);
    default: return 0;
  }
}

int rf__record_check(const rf_record *rec, rf__errbuf *err) {
  rf__jbuf none;
  rf__jbuf_init(&none, NULL);
  none.discard = 1;
  emit e = {&none, err, "record", 0};
  emit_record(&e, rec);
  /* The writer refuses with RF_EINVAL; a reader reports a bad record as one that does not parse,
   * or a number out of range. */
  if (e.rc == RF_EINVAL) e.rc = RF_EPARSE;
  return e.rc != 0 ? e.rc : input_times(rec, err);
}
