/* The simulated store's scales and catalogue errors, and staff's restock announcements: plates
 * read every change times their gain (rf_sim_scales's, drifting over the day as it says), in
 * deltas and in raw samples; products' true means stay within weight_error of the catalogue,
 * which the product records keep; items weigh their batch's mean; restock records come one per
 * announced restock reach, right, in time order and in the shelves' sequence; and the new knobs
 * move nothing but what they model. The "true change" a gain is measured against is the same run
 * without gains (noise 0): the knobs draw from streams of their own, so nothing else moves. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "retailfuse/retailfuse.h"
#include "sim/sim_internal.h"
#include "test_alloc.h"

#define SEC 1000000LL
#define HOUR (3600 * SEC)

static char *dup_text(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  assert_non_null(d);
  memcpy(d, s, n);
  return d;
}

#define PUSH(arr, count, cap, value)                        \
  do {                                                      \
    if ((count) == (cap)) {                                 \
      (cap) = (cap) ? 2 * (cap) : 64;                       \
      void *grown_ = realloc((arr), (cap) * sizeof *(arr)); \
      assert_non_null(grown_);                              \
      (arr) = grown_;                                       \
    }                                                       \
    (arr)[(count)++] = (value);                             \
  } while (0)

/* A preset with `--set`-style overrides: "shoppers=300 gain_sd=0.02". */
static rf_sim_params params(const char *preset, const char *sets) {
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, preset), 0);
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", sets ? sets : "");
  for (char *tok = strtok(buf, " "); tok != NULL; tok = strtok(NULL, " ")) {
    char *eq = strchr(tok, '=');
    assert_non_null(eq);
    *eq = '\0';
    int rc = rf_sim_set(&p, tok, eq + 1);
    if (rc != 0) fail_msg("rf_sim_set(%s, %s): %s", tok, eq + 1, rf_err_name(rc));
  }
  char msg[256] = "";
  int rc = rf_sim_check(&p, msg, sizeof msg);
  if (rc != 0) fail_msg("rf_sim_check: %s", msg);
  return p;
}

/* ---- a run's records, copied out ---- */

typedef struct c_change {
  int plate; /* index in the store's plate order */
  double g;
} c_change;

typedef struct c_delta {
  char shelf[24];
  int64_t t0, t1;
  size_t first, count; /* changes[first .. first + count) */
} c_delta;

typedef struct c_samples {
  int plate;
  int64_t t, dt;
  size_t first, count; /* readings[first .. first + count) */
} c_samples;

typedef struct c_restock {
  char shelf[24], sku[24], source[24];
  int64_t t0, t1, qty, seq;
  int has_seq;
} c_restock;

typedef struct c_truth {
  int64_t t, qty;
  char sku[24];
} c_truth;

/* One event record of the stream, in order: its type, source and seq, and its time (t1 for
 * deltas and restocks). */
typedef struct c_event {
  rf_record_type type;
  char source[24];
  int has_seq;
  int64_t seq, t;
} c_event;

typedef struct run_out {
  char **plates; /* names, in the shelf records' order */
  size_t plate_count, plate_cap;
  char **skus;
  double *catalog_g, *sd_g; /* the product records' weight and spread */
  size_t product_count, product_cap, catalog_cap, sd_cap;
  c_delta *deltas;
  size_t delta_count, delta_cap;
  c_change *changes;
  size_t change_count, change_cap;
  c_samples *samples;
  size_t samples_count, samples_cap;
  double *readings;
  size_t reading_count, reading_cap;
  c_restock *restocks;
  size_t restock_count, restock_cap;
  c_truth *truths;
  size_t truth_count, truth_cap;
  c_event *events;
  size_t event_count, event_cap;
  /* Every record as text: in full, and with load-cell values left out ("masked"). */
  char **full, **masked;
  size_t text_count, full_cap, masked_cap;
} run_out;

static void out_free(run_out *o) {
  for (size_t k = 0; k < o->plate_count; ++k) free(o->plates[k]);
  for (size_t k = 0; k < o->product_count; ++k) free(o->skus[k]);
  for (size_t k = 0; k < o->text_count; ++k) {
    free(o->full[k]);
    free(o->masked[k]);
  }
  free(o->plates);
  free(o->skus);
  free(o->catalog_g);
  free(o->sd_g);
  free(o->deltas);
  free(o->changes);
  free(o->samples);
  free(o->readings);
  free(o->restocks);
  free(o->truths);
  free(o->events);
  free(o->full);
  free(o->masked);
  memset(o, 0, sizeof *o);
}

static int plate_index(const run_out *o, const char *name) {
  for (size_t k = 0; k < o->plate_count; ++k)
    if (strcmp(o->plates[k], name) == 0) return (int)k;
  fail_msg("plate %s is not in the store", name);
  return -1;
}

/* Growing text of one record. */
typedef struct text {
  char *s;
  size_t len, cap;
} text;

static void cat(text *t, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (t->s && t->len + (size_t)n < t->cap) {
      t->len += (size_t)n;
      return;
    }
    t->cap = 2 * (t->cap + (size_t)n + 64);
    t->s = realloc(t->s, t->cap);
    assert_non_null(t->s);
    if (t->len == 0) t->s[0] = '\0';
  }
}

#define STR(x) ((x) ? (x) : "-")

/* A record as text, every value exact (%a); with values 0 delta and samples readings are left
 * out (their plates and times stay). */
static char *record_text(const rf_record *r, int values) {
  text t = {NULL, 0, 0};
  cat(&t, "%s %s %d %lld:", rf_record_type_name(r->type), STR(r->source), r->has_seq,
      (long long)r->seq);
  switch (r->type) {
    case RF_RECORD_PRODUCT:
      cat(&t, "%s %s %a %d %a", r->u.product.sku, STR(r->u.product.name), r->u.product.weight_g,
          r->u.product.has_weight_sd, r->u.product.weight_sd_g);
      break;
    case RF_RECORD_SHELF:
      cat(&t, "%s %d %a %a %a %a %a", r->u.shelf.shelf, r->u.shelf.has_noise, r->u.shelf.noise_g,
          r->u.shelf.pos_x, r->u.shelf.pos_y, r->u.shelf.dir_x, r->u.shelf.dir_y);
      for (size_t k = 0; k < r->u.shelf.plate_count; ++k)
        cat(&t, " %s %a %a", r->u.shelf.plates[k].plate, r->u.shelf.plates[k].x0,
            r->u.shelf.plates[k].x1);
      break;
    case RF_RECORD_FACING:
      cat(&t, "%s %s %a %a %lld", r->u.facing.shelf, r->u.facing.sku, r->u.facing.x0,
          r->u.facing.x1, (long long)r->u.facing.count);
      break;
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT:
      cat(&t, "%lld %s %d", (long long)r->u.enter.t, r->u.enter.shopper, r->u.enter.staff);
      break;
    case RF_RECORD_LINK:
      cat(&t, "%lld %s %s", (long long)r->u.link.t, r->u.link.shopper, r->u.link.cart);
      break;
    case RF_RECORD_POSITION:
      cat(&t, "%lld %s %a %a", (long long)r->u.position.t, r->u.position.shopper, r->u.position.x,
          r->u.position.y);
      break;
    case RF_RECORD_SAMPLES:
      cat(&t, "%s %lld %lld %zu", r->u.samples.plate, (long long)r->u.samples.t,
          (long long)r->u.samples.dt_us, r->u.samples.count);
      for (size_t k = 0; k < r->u.samples.count && values; ++k) cat(&t, " %a", r->u.samples.g[k]);
      break;
    case RF_RECORD_DELTA:
      cat(&t, "%s %lld %lld", r->u.delta.shelf, (long long)r->u.delta.t0, (long long)r->u.delta.t1);
      for (size_t k = 0; k < r->u.delta.plate_count; ++k) {
        cat(&t, " %s", r->u.delta.plates[k].plate);
        if (values) cat(&t, " %a", r->u.delta.plates[k].g);
      }
      break;
    case RF_RECORD_HAND: {
      const rf_hand_rec *h = &r->u.hand;
      cat(&t, "%s %s %lld %lld %a %a %d %d %d", STR(h->shopper), h->shelf, (long long)h->t0,
          (long long)h->t1, h->x, h->conf, h->holding_in, h->holding_out, h->has_sku_scores);
      for (size_t k = 0; k < h->sku_score_count; ++k)
        cat(&t, " %s %a", h->sku_scores[k].sku, h->sku_scores[k].score);
      break;
    }
    case RF_RECORD_RECEIPT:
      cat(&t, "%s", r->u.receipt.shopper);
      for (size_t k = 0; k < r->u.receipt.item_count; ++k)
        cat(&t, " %s %lld", r->u.receipt.items[k].sku, (long long)r->u.receipt.items[k].qty);
      break;
    case RF_RECORD_TRUTH:
      cat(&t, "%lld %s %s %lld", (long long)r->u.truth.t, r->u.truth.shopper, r->u.truth.sku,
          (long long)r->u.truth.qty);
      break;
    case RF_RECORD_RESTOCK:
      cat(&t, "%s %s %lld %lld %lld", r->u.restock.shelf, r->u.restock.sku,
          (long long)r->u.restock.t0, (long long)r->u.restock.t1, (long long)r->u.restock.qty);
      break;
    default: fail_msg("the simulator wrote a %s record", rf_record_type_name(r->type));
  }
  return t.s;
}

static void keep_event(run_out *o, const rf_record *r, int64_t t) {
  c_event e;
  memset(&e, 0, sizeof e);
  e.type = r->type;
  snprintf(e.source, sizeof e.source, "%s", STR(r->source));
  e.has_seq = r->has_seq;
  e.seq = r->seq;
  e.t = t;
  PUSH(o->events, o->event_count, o->event_cap, e);
}

static int collect(const rf_record *r, void *payload) {
  run_out *o = payload;
  size_t n = o->text_count;
  PUSH(o->full, n, o->full_cap, record_text(r, 1));
  n = o->text_count;
  PUSH(o->masked, n, o->masked_cap, record_text(r, 0));
  o->text_count++;
  switch (r->type) {
    case RF_RECORD_PRODUCT: {
      size_t n2 = o->product_count;
      PUSH(o->catalog_g, n2, o->catalog_cap, r->u.product.weight_g);
      n2 = o->product_count;
      PUSH(o->sd_g, n2, o->sd_cap, r->u.product.weight_sd_g);
      PUSH(o->skus, o->product_count, o->product_cap, dup_text(r->u.product.sku));
      break;
    }
    case RF_RECORD_SHELF:
      for (size_t k = 0; k < r->u.shelf.plate_count; ++k)
        PUSH(o->plates, o->plate_count, o->plate_cap, dup_text(r->u.shelf.plates[k].plate));
      break;
    case RF_RECORD_DELTA: {
      c_delta d;
      memset(&d, 0, sizeof d);
      snprintf(d.shelf, sizeof d.shelf, "%s", r->u.delta.shelf);
      d.t0 = r->u.delta.t0;
      d.t1 = r->u.delta.t1;
      d.first = o->change_count;
      d.count = r->u.delta.plate_count;
      for (size_t k = 0; k < r->u.delta.plate_count; ++k) {
        c_change c = {plate_index(o, r->u.delta.plates[k].plate), r->u.delta.plates[k].g};
        PUSH(o->changes, o->change_count, o->change_cap, c);
      }
      PUSH(o->deltas, o->delta_count, o->delta_cap, d);
      keep_event(o, r, d.t1);
      break;
    }
    case RF_RECORD_SAMPLES: {
      c_samples s = {plate_index(o, r->u.samples.plate), r->u.samples.t, r->u.samples.dt_us,
                     o->reading_count, r->u.samples.count};
      for (size_t k = 0; k < r->u.samples.count; ++k)
        PUSH(o->readings, o->reading_count, o->reading_cap, r->u.samples.g[k]);
      PUSH(o->samples, o->samples_count, o->samples_cap, s);
      keep_event(o, r, s.t);
      break;
    }
    case RF_RECORD_RESTOCK: {
      c_restock c;
      memset(&c, 0, sizeof c);
      snprintf(c.shelf, sizeof c.shelf, "%s", r->u.restock.shelf);
      snprintf(c.sku, sizeof c.sku, "%s", r->u.restock.sku);
      snprintf(c.source, sizeof c.source, "%s", STR(r->source));
      c.t0 = r->u.restock.t0;
      c.t1 = r->u.restock.t1;
      c.qty = r->u.restock.qty;
      c.has_seq = r->has_seq;
      c.seq = r->seq;
      PUSH(o->restocks, o->restock_count, o->restock_cap, c);
      keep_event(o, r, c.t1);
      break;
    }
    case RF_RECORD_TRUTH: {
      c_truth c;
      memset(&c, 0, sizeof c);
      c.t = r->u.truth.t;
      c.qty = r->u.truth.qty;
      snprintf(c.sku, sizeof c.sku, "%s", r->u.truth.sku);
      PUSH(o->truths, o->truth_count, o->truth_cap, c);
      break;
    }
    case RF_RECORD_HAND: keep_event(o, r, r->u.hand.t1); break;
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT: keep_event(o, r, r->u.enter.t); break;
    case RF_RECORD_LINK: keep_event(o, r, r->u.link.t); break;
    case RF_RECORD_POSITION: keep_event(o, r, r->u.position.t); break;
    default: break;
  }
  return 0;
}

static void run(const rf_sim_params *p, uint64_t seed, run_out *o) {
  memset(o, 0, sizeof *o);
  int rc = rf_sim_run(p, seed, collect, o, collect, o, NULL);
  if (rc != 0) fail_msg("rf_sim_run: %s", rf_err_name(rc));
}

/* ---- rf_sim_scales, collected ---- */

typedef struct scales {
  char **plates;
  double *gain;
  size_t plate_count, plate_cap, gain_cap;
  char **skus;
  double *true_g, *catalog_g;
  size_t product_count, product_cap, true_cap, catalog_cap;
  int stop_after; /* > 0: the callbacks return RF_EIO at this call */
  int calls;
} scales;

static int on_plate(const char *plate, double gain, void *payload) {
  scales *s = payload;
  if (++s->calls == s->stop_after) return RF_EIO;
  size_t n = s->plate_count;
  PUSH(s->gain, n, s->gain_cap, gain);
  PUSH(s->plates, s->plate_count, s->plate_cap, dup_text(plate));
  return 0;
}

static int on_product(const char *sku, double true_mean_g, double catalog_g, void *payload) {
  scales *s = payload;
  if (++s->calls == s->stop_after) return RF_EIO;
  size_t n = s->product_count;
  PUSH(s->true_g, n, s->true_cap, true_mean_g);
  n = s->product_count;
  PUSH(s->catalog_g, n, s->catalog_cap, catalog_g);
  PUSH(s->skus, s->product_count, s->product_cap, dup_text(sku));
  return 0;
}

static void scales_free(scales *s) {
  for (size_t k = 0; k < s->plate_count; ++k) free(s->plates[k]);
  for (size_t k = 0; k < s->product_count; ++k) free(s->skus[k]);
  free(s->plates);
  free(s->gain);
  free(s->skus);
  free(s->true_g);
  free(s->catalog_g);
  memset(s, 0, sizeof *s);
}

static void get_scales(const rf_sim_params *p, uint64_t seed, int64_t t, scales *s) {
  memset(s, 0, sizeof *s);
  int rc = rf_sim_scales(p, seed, t, on_plate, on_product, s, NULL);
  if (rc != 0) fail_msg("rf_sim_scales: %s", rf_err_name(rc));
}

/* Each plate's gain at t alone, in the store's plate order. */
static void gains_at(const rf_sim_params *p, uint64_t seed, int64_t t, double *out, size_t n) {
  scales s;
  memset(&s, 0, sizeof s);
  assert_int_equal(rf_sim_scales(p, seed, t, on_plate, NULL, &s, NULL), 0);
  assert_int_equal(s.plate_count, n);
  memcpy(out, s.gain, n * sizeof *out);
  scales_free(&s);
}

static double sd_of(const double *v, size_t n, double *mean) {
  double m = 0, ss = 0;
  for (size_t k = 0; k < n; ++k) m += v[k];
  m /= (double)n;
  for (size_t k = 0; k < n; ++k) ss += (v[k] - m) * (v[k] - m);
  if (mean) *mean = m;
  return sqrt(ss / (double)(n - 1));
}

/* A sample sd of n normal draws is within 4 standard errors (sd / sqrt(2 (n - 1))) of sd. */
static void expect_sd(const char *what, double measured, double sd, size_t n) {
  double tol = 4 * sd / sqrt(2.0 * (double)(n - 1));
  print_message("  %-30s sd %.5f (configured %.5f, n = %zu, 4 SE = %.5f)\n", what, measured, sd, n,
                tol);
  if (fabs(measured - sd) > tol)
    fail_msg("%s: sd %.5f, configured %.5f, tolerance %.5f", what, measured, sd, tol);
}

/* ---- rf_sim_scales and the run ---- */

/* rf_sim_scales names the run's plates and products, in the run's order, with the catalogue
 * weights the product records say; every knob 0: gains exactly 1, true means the catalogue's. */
static void scales_agree_with_the_run(void **state) {
  (void)state;
  const char *cases[][2] = {
      {"busy", "shoppers=3"},
      {"busy", "shoppers=3 gain_sd=0.02 gain_drift=0.01 weight_error=0.05 batch_sd=0.02"},
      {"realistic", "shoppers=3 weight_error=0.05 gain_sd=0.01"},
      {"realistic", "shoppers=3 layout_seed=1003 weight_error=0.05 gain_sd=0.01"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    rf_sim_params p = params(cases[c][0], cases[c][1]);
    run_out o;
    run(&p, 4, &o);
    scales s;
    get_scales(&p, 4, 0, &s);
    assert_true(o.plate_count > 20);
    assert_int_equal(s.plate_count, o.plate_count);
    for (size_t k = 0; k < s.plate_count; ++k) assert_string_equal(s.plates[k], o.plates[k]);
    assert_int_equal(s.product_count, o.product_count);
    int off = 0;
    for (size_t i = 0; i < s.product_count; ++i) {
      assert_string_equal(s.skus[i], o.skus[i]);
      assert_true(s.catalog_g[i] == o.catalog_g[i]);
      off += s.true_g[i] != s.catalog_g[i];
    }
    int unit = 0;
    for (size_t k = 0; k < s.plate_count; ++k) unit += s.gain[k] == 1.0;
    if (p.weight_error == 0 && p.gain_sd == 0) {
      assert_int_equal(off, 0);
      assert_int_equal(unit, (int)s.plate_count);
    } else {
      assert_int_equal(off, (int)s.product_count);
      assert_int_equal(unit, 0);
    }
    /* The same again: the values are the seed's, not the call's. */
    scales again;
    get_scales(&p, 4, 0, &again);
    assert_memory_equal(again.gain, s.gain, s.plate_count * sizeof *s.gain);
    assert_memory_equal(again.true_g, s.true_g, s.product_count * sizeof *s.true_g);
    scales_free(&again);
    get_scales(&p, 5, 0, &again);
    if (p.gain_sd > 0) assert_true(again.gain[0] != s.gain[0]);
    scales_free(&again);
    scales_free(&s);
    out_free(&o);
  }
}

/* Refusals, a callback's stop, NULL callbacks, and every allocation failing in turn. */
static void scales_refuse_and_stop(void **state) {
  (void)state;
  rf_sim_params p = params("busy", "gain_sd=0.01 weight_error=0.02");
  scales s;
  memset(&s, 0, sizeof s);
  assert_int_equal(rf_sim_scales(NULL, 1, 0, on_plate, on_product, &s, NULL), RF_EINVAL);
  rf_sim_params bad = p;
  bad.gain_sd = 0.5;
  assert_int_equal(rf_sim_scales(&bad, 1, 0, on_plate, on_product, &s, NULL), RF_ERANGE);
  bad = p;
  bad.version = 4;
  assert_int_equal(rf_sim_scales(&bad, 1, 0, on_plate, on_product, &s, NULL), RF_EVERSION);
  assert_int_equal(s.calls, 0);
  assert_int_equal(rf_sim_scales(&p, 1, 0, NULL, NULL, NULL, NULL), 0);
  /* Stopped at the 5th plate, then at the 3rd product: nothing after. */
  s.stop_after = 5;
  assert_int_equal(rf_sim_scales(&p, 1, 0, on_plate, on_product, &s, NULL), RF_EIO);
  assert_int_equal(s.calls, 5);
  assert_int_equal(s.plate_count, 4);
  assert_int_equal(s.product_count, 0);
  scales_free(&s);
  s.stop_after = 3;
  assert_int_equal(rf_sim_scales(&p, 1, 0, NULL, on_product, &s, NULL), RF_EIO);
  assert_int_equal(s.calls, 3);
  assert_int_equal(s.product_count, 2);
  scales_free(&s);
  /* Allocation failures: each gives RF_ENOMEM and leaves nothing allocated. */
  for (int layout = 0; layout <= 1; ++layout) {
    p.layout = layout;
    test_alloc ta;
    rf_allocator a = test_alloc_make(&ta, 0);
    assert_int_equal(rf_sim_scales(&p, 2, 0, NULL, NULL, NULL, &a), 0);
    long calls = ta.calls;
    assert_true(calls > 3);
    assert_int_equal(ta.live, 0);
    for (long k = 1; k <= calls; ++k) {
      a = test_alloc_make(&ta, k);
      assert_int_equal(rf_sim_scales(&p, 2, 0, NULL, NULL, NULL, &a), RF_ENOMEM);
      assert_int_equal(ta.live, 0);
    }
  }
}

/* The knobs: in range, 0 in every preset, refused outside [0, max]. */
static void knobs_default_to_zero(void **state) {
  (void)state;
  const char *presets[] = {"easy",  "busy",      "adversarial", "day",   "large",
                           "chaos", "realistic", "rush",        "group", "blind"};
  for (size_t k = 0; k < sizeof presets / sizeof presets[0]; ++k) {
    rf_sim_params p = params(presets[k], NULL);
    assert_int_equal(p.version, 5);
    assert_true(p.gain_sd == 0 && p.gain_drift == 0 && p.weight_error == 0 && p.batch_sd == 0 &&
                p.restock_announced == 0);
  }
  rf_sim_params p = params("busy", NULL), before = p;
  const char *bad[][2] = {{"gain_sd", "-0.01"},        {"gain_sd", "0.2"},
                          {"gain_drift", "0.11"},      {"weight_error", "0.6"},
                          {"batch_sd", "-1"},          {"restock_announced", "1.5"},
                          {"restock_announced", "nan"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
    assert_int_equal(rf_sim_set(&p, bad[i][0], bad[i][1]), RF_ERANGE);
  assert_memory_equal(&p, &before, sizeof p);
  assert_int_equal(rf_sim_set(&p, "restock_announced", "0.25"), 0);
  assert_true(p.restock_announced == 0.25);
  char buf[32];
  assert_int_equal(rf_sim_get(&p, "restock_announced", buf, sizeof buf), 0);
  assert_string_equal(buf, "0.25");
  p.gain_sd = 0.5;
  char msg[256] = "";
  assert_int_equal(rf_sim_check(&p, msg, sizeof msg), RF_ERANGE);
  assert_non_null(strstr(msg, "gain_sd"));
}

/* ---- gains ---- */

/* Delta plate changes, divided by the true change (the same run without gains), are the plate's
 * gain: checked on every change of at least 50 g, single-item takes and the rest, to within the
 * 0.1 g rounding of both. The gains spread as gain_sd says. */
static void deltas_read_through_the_gains(void **state) {
  (void)state;
  const char *layouts[] = {"busy", "realistic"};
  for (size_t l = 0; l < 2; ++l) {
    rf_sim_params p0 = params(layouts[l], "shoppers=120 noise_g=0");
    rf_sim_params p = p0;
    p.gain_sd = 0.02;
    run_out o0, o;
    run(&p0, 21, &o0);
    run(&p, 21, &o);
    scales s;
    get_scales(&p, 21, 0, &s);
    assert_int_equal(s.plate_count, o.plate_count);
    assert_int_equal(o.delta_count, o0.delta_count);
    assert_int_equal(o.change_count, o0.change_count);
    size_t checked = 0, off_one = 0;
    for (size_t d = 0; d < o.delta_count; ++d) {
      assert_string_equal(o.deltas[d].shelf, o0.deltas[d].shelf);
      assert_true(o.deltas[d].t0 == o0.deltas[d].t0 && o.deltas[d].t1 == o0.deltas[d].t1);
    }
    for (size_t q = 0; q < o.change_count; ++q) {
      const c_change *c = &o.changes[q], *c0 = &o0.changes[q];
      assert_int_equal(c->plate, c0->plate);
      if (fabs(c0->g) < 50) continue;
      double gain = s.gain[c->plate], ratio = c->g / c0->g;
      double tol = (0.05 + 0.05 * gain) / fabs(c0->g) + 1e-12;
      if (fabs(ratio - gain) > tol)
        fail_msg("%s: plate %s read %.1f g of a true %.1f g: %.5f, its gain %.5f", layouts[l],
                 o.plates[c->plate], c->g, c0->g, ratio, gain);
      ++checked;
      off_one += fabs(ratio - 1.0) > 0.01;
    }
    print_message("  %s: %zu plate changes checked, %zu of them off by more than 1 %%\n",
                  layouts[l], checked, off_one);
    assert_true(checked > 200);
    assert_true(off_one > checked / 4);
    double mean, sd = sd_of(s.gain, s.plate_count, &mean);
    expect_sd("plate gains", sd, 0.02, s.plate_count);
    assert_true(fabs(mean - 1.0) < 4 * 0.02 / sqrt((double)s.plate_count));
    /* Without drift a gain is the same all day. */
    double *later = calloc(s.plate_count, sizeof *later);
    assert_non_null(later);
    gains_at(&p, 21, 13 * HOUR, later, s.plate_count);
    assert_memory_equal(later, s.gain, s.plate_count * sizeof *later);
    free(later);
    scales_free(&s);
    out_free(&o0);
    out_free(&o);
  }
}

/* The daily swing: gain(t) = g0 (1 + a sin(2 pi t / day + phi)) for every plate, one phi for the
 * store, a normal of sd gain_drift; the same a day later. */
static void gains_swing_over_the_day(void **state) {
  (void)state;
  rf_sim_params p = params("large", "gain_sd=0.01 gain_drift=0.02");
  scales s;
  get_scales(&p, 8, 0, &s);
  size_t n = s.plate_count;
  assert_true(n > 1000);
  double *g[5];
  for (int q = 0; q < 5; ++q) {
    g[q] = calloc(n, sizeof *g[q]);
    assert_non_null(g[q]);
    gains_at(&p, 8, q * 6 * HOUR, g[q], n);
  }
  assert_memory_equal(g[0], s.gain, n * sizeof *g[0]);
  double *g0 = calloc(n, sizeof *g0), *a = calloc(n, sizeof *a);
  double *as = calloc(n, sizeof *as), *ac = calloc(n, sizeof *ac);
  assert_true(g0 && a && as && ac);
  size_t ref = 0;
  for (size_t k = 0; k < n; ++k) {
    /* Half a day apart, the swings cancel: both pairs give g0; a day later, the same gain. */
    g0[k] = (g[0][k] + g[2][k]) / 2;
    assert_true(fabs((g[1][k] + g[3][k]) / 2 - g0[k]) < 1e-12);
    assert_true(fabs(g[4][k] - g[0][k]) < 1e-12);
    as[k] = g[0][k] / g0[k] - 1; /* a sin phi */
    ac[k] = g[1][k] / g0[k] - 1; /* a cos phi */
    a[k] = sqrt(as[k] * as[k] + ac[k] * ac[k]);
    if (a[k] > a[ref]) ref = k;
  }
  /* One phase: every plate's (a sin phi, a cos phi) on the line of the widest swing's. */
  for (size_t k = 0; k < n; ++k) assert_true(fabs(as[k] * ac[ref] - ac[k] * as[ref]) < 1e-12);
  assert_true(a[ref] > 0.04);
  double rms = 0;
  for (size_t k = 0; k < n; ++k) rms += a[k] * a[k];
  rms = sqrt(rms / (double)n);
  expect_sd("daily swings (rms)", rms, 0.02, n + 1);
  double sd = sd_of(g0, n, NULL);
  expect_sd("installation gains", sd, 0.01, n);
  for (int q = 0; q < 5; ++q) free(g[q]);
  free(g0);
  free(a);
  free(as);
  free(ac);
  scales_free(&s);
}

/* Over a day of deltas, each plate change is the true change times the gain at its time. */
static void deltas_follow_the_swing(void **state) {
  (void)state;
  rf_sim_params p0 = params("busy", "shoppers=150 duration_s=86000 noise_g=0");
  rf_sim_params p = p0;
  p.gain_sd = 0.01;
  p.gain_drift = 0.02;
  run_out o0, o;
  run(&p0, 5, &o0);
  run(&p, 5, &o);
  assert_int_equal(o.change_count, o0.change_count);
  size_t n = o.plate_count, checked = 0, missed_by_g0 = 0;
  double *at0 = calloc(n, sizeof *at0), *now = calloc(n, sizeof *now), swing = 0;
  assert_non_null(at0);
  assert_non_null(now);
  gains_at(&p, 5, 0, at0, n);
  for (size_t d = 0; d < o.delta_count; ++d) {
    const c_delta *dl = &o.deltas[d];
    int any = 0;
    for (size_t k = 0; k < dl->count; ++k) any |= fabs(o0.changes[dl->first + k].g) >= 50;
    if (!any) continue;
    /* A delta reads through the gains at its first change, 0.15 s after t0. */
    gains_at(&p, 5, dl->t0 + 150000, now, n);
    for (size_t k = 0; k < dl->count; ++k) {
      const c_change *c = &o.changes[dl->first + k], *c0 = &o0.changes[dl->first + k];
      if (fabs(c0->g) < 50) continue;
      double gain = now[c->plate], ratio = c->g / c0->g;
      double tol = (0.05 + 0.05 * gain) / fabs(c0->g) + 1e-12;
      if (fabs(ratio - gain) > tol)
        fail_msg("plate %s at %.0f s read %.1f g of a true %.1f g: %.5f, its gain then %.5f",
                 o.plates[c->plate], (double)dl->t0 / 1e6, c->g, c0->g, ratio, gain);
      missed_by_g0 += fabs(ratio - at0[c->plate]) > tol;
      swing = fmax(swing, fabs(gain - at0[c->plate]));
      ++checked;
    }
  }
  print_message("  %zu plate changes over a day; gains moved up to %.4f, %zu of them beyond the "
                "rounding from the gain at 0 s\n",
                checked, swing, missed_by_g0);
  assert_true(checked > 300);
  assert_true(swing > 0.01);
  assert_true(missed_by_g0 > checked / 4);
  free(at0);
  free(now);
  out_free(&o0);
  out_free(&o);
}

/* Raw readings: a step in a plate's load (items, a hand's press) shows times the plate's gain;
 * offsets and drift are not scaled (drift 0 here, so consecutive readings differ by load). */
static void samples_read_through_the_gains(void **state) {
  (void)state;
  rf_sim_params p0 =
      params("easy", "samples_mode=1 sample_hz=10 shoppers=3 noise_g=0 drift_g_per_h=0");
  rf_sim_params p = p0;
  p.gain_sd = 0.03;
  run_out o0, o;
  run(&p0, 6, &o0);
  run(&p, 6, &o);
  scales s;
  get_scales(&p, 6, 0, &s);
  assert_int_equal(o.reading_count, o0.reading_count);
  assert_int_equal(o.samples_count, o0.samples_count);
  size_t checked = 0, offsets_same = 0;
  for (size_t r = 0; r < o.samples_count; ++r) {
    const c_samples *a = &o.samples[r], *a0 = &o0.samples[r];
    assert_int_equal(a->plate, a0->plate);
    assert_true(a->t == a0->t && a->count == a0->count);
    for (size_t k = 1; k < a->count; ++k) {
      double step = o.readings[a->first + k] - o.readings[a->first + k - 1];
      double step0 = o0.readings[a0->first + k] - o0.readings[a0->first + k - 1];
      if (fabs(step0) < 20) continue;
      double gain = s.gain[a->plate], tol = (0.1 + 0.1 * gain) / fabs(step0) + 1e-12;
      if (fabs(step / step0 - gain) > tol)
        fail_msg("plate %s stepped %.1f g for a true %.1f g: gain %.5f", o.plates[a->plate], step,
                 step0, gain);
      ++checked;
    }
    /* The readings differ by (gain - 1) x load, the load being the reading less an offset of
     * 800-4000 g that is not scaled: a scaled offset would add (gain - 1) x 800 g or more. */
    double diff = o.readings[a->first] - o0.readings[a0->first];
    double reading = o0.readings[a0->first];
    assert_true(reading >= 800);
    offsets_same += fabs(diff) <= fabs(s.gain[a->plate] - 1.0) * (reading - 700) + 0.1;
  }
  print_message("  %zu steps checked\n", checked);
  assert_true(checked > 20);
  assert_int_equal(offsets_same, o.samples_count);
  scales_free(&s);
  out_free(&o0);
  out_free(&o);
}

/* ---- weights ---- */

/* True means within weight_error of the catalogue, spread over all of it (uniform); the product
 * records keep the catalogue's weights. */
static void true_weights_stay_within_bounds(void **state) {
  (void)state;
  const char *presets[] = {"large", "realistic"};
  const double errors[] = {0.05, 0.2};
  for (size_t k = 0; k < 2; ++k) {
    for (size_t e = 0; e < 2; ++e) {
      char sets[64];
      snprintf(sets, sizeof sets, "weight_error=%g", errors[e]);
      rf_sim_params p = params(presets[k], sets);
      scales s;
      get_scales(&p, 31, 0, &s);
      size_t n = s.product_count;
      assert_true(n >= 50);
      double lo = INFINITY, hi = -INFINITY, sum = 0;
      for (size_t i = 0; i < n; ++i) {
        double u = s.true_g[i] / s.catalog_g[i] - 1;
        assert_true(fabs(u) <= errors[e] * (1 + 1e-12));
        lo = fmin(lo, u);
        hi = fmax(hi, u);
        sum += u;
      }
      /* Uniform: the extremes near the bounds, the mean near 0 (sd of a mean: e / sqrt(3n)). */
      print_message("  %s weight_error %g: %zu products, u in [%.4f, %.4f], mean %.5f\n",
                    presets[k], errors[e], n, lo, hi, sum / (double)n);
      assert_true(lo < -0.9 * errors[e] && hi > 0.9 * errors[e]);
      assert_true(fabs(sum / (double)n) < 4 * errors[e] / sqrt(3.0 * (double)n));
      /* The catalogue is the one without errors. */
      rf_sim_params plain = p;
      plain.weight_error = 0;
      scales s0;
      get_scales(&plain, 31, 0, &s0);
      assert_int_equal(s0.product_count, n);
      for (size_t i = 0; i < n; ++i) {
        assert_true(s0.catalog_g[i] == s.catalog_g[i]);
        assert_true(s0.true_g[i] == s0.catalog_g[i]);
      }
      scales_free(&s0);
      scales_free(&s);
    }
  }
  /* And a run's product records say the catalogue weight, not the true one. */
  rf_sim_params p = params("busy", "shoppers=2 weight_error=0.3");
  run_out o;
  run(&p, 3, &o);
  scales s;
  get_scales(&p, 3, 0, &s);
  for (size_t i = 0; i < o.product_count; ++i) {
    assert_true(o.catalog_g[i] == s.catalog_g[i]);
    assert_true(o.catalog_g[i] != s.true_g[i]);
  }
  scales_free(&s);
  out_free(&o);
}

/* The items shoppers take weigh the true mean, not the catalogue's: single-item takes (a delta
 * holding one take and nothing else, noise 0, gains 1) averaged per product. */
static void items_weigh_the_true_mean(void **state) {
  (void)state;
  rf_sim_params p = params("busy", "shoppers=400 duration_s=20000 noise_g=0 weight_error=0.1 "
                                   "multi_take_share=0 putback_share=0 crowding=0 group_share=0");
  run_out o;
  run(&p, 12, &o);
  scales s;
  get_scales(&p, 12, 0, &s);
  size_t n = s.product_count;
  double *sum = calloc(n, sizeof *sum);
  int *count = calloc(n, sizeof *count);
  assert_non_null(sum);
  assert_non_null(count);
  size_t takes = 0;
  for (size_t d = 0; d < o.delta_count; ++d) {
    const c_delta *dl = &o.deltas[d];
    int64_t t = dl->t0 + 150000;
    size_t in = 0, at = 0;
    for (size_t q = 0; q < o.truth_count; ++q) {
      if (o.truths[q].t < dl->t0 || o.truths[q].t > dl->t1 + 2 * SEC) continue;
      ++in;
      at = q;
    }
    if (in != 1 || o.truths[at].t != t || o.truths[at].qty != 1) continue;
    double g = 0;
    for (size_t k = 0; k < dl->count; ++k) g -= o.changes[dl->first + k].g;
    size_t i = 0;
    while (i < n && strcmp(s.skus[i], o.truths[at].sku) != 0) ++i;
    assert_true(i < n);
    sum[i] += g;
    count[i]++;
    ++takes;
  }
  /* Per product with 3+ takes: within 4 standard errors of its items' declared spread (plus the
   * rounding of up to four plates) of the true mean; most are far from the catalogue's. */
  size_t products = 0, near_true = 0, near_catalog = 0;
  for (size_t i = 0; i < n; ++i) {
    if (count[i] < 3) continue;
    double mean = sum[i] / count[i];
    assert_string_equal(o.skus[i], s.skus[i]);
    double tol = 4 * o.sd_g[i] / sqrt((double)count[i]) + 0.2;
    ++products;
    near_true += fabs(mean - s.true_g[i]) <= tol;
    near_catalog += fabs(mean - s.catalog_g[i]) <= tol;
  }
  print_message("  %zu single takes; %zu products with 3+: %zu at their true mean, %zu at the "
                "catalogue's\n",
                takes, products, near_true, near_catalog);
  assert_true(products > 50);
  assert_int_equal(near_true, products);
  assert_true(near_catalog < products / 2);
  free(sum);
  free(count);
  scales_free(&s);
  out_free(&o);
}

/* ---- batches (the world, lib/sim internals) ---- */

typedef struct world_run {
  rf_sim_params p;
  rf_allocator a;
  sim_world w;
} world_run;

/* The run's world, seeded as rf_sim_run seeds it: the store, and with `shop` the shopping. */
static world_run *play_world(const rf_sim_params *p, uint64_t seed, int shop) {
  world_run *x = calloc(1, sizeof *x);
  assert_non_null(x);
  x->p = *p;
  assert_int_equal(rf__allocator_init(&x->a, NULL), 0);
  x->w.p = &x->p;
  x->w.alloc = &x->a;
  rf__sim_seed(&x->w, seed);
  assert_int_equal(rf__sim_build_store(&x->w), 0);
  if (shop) assert_int_equal(rf__sim_shop(&x->w), 0);
  return x;
}

static void world_done(world_run *x) {
  rf__sim_world_free(&x->w);
  free(x);
}

/* Each facing's first stock is a batch around the true mean: the facing's mean item, over the
 * true mean, spreads as batch_sd says (plus its items' own spread over their number); with
 * batch_sd 0 it is the true mean, within the items' spread. Restocks are batches of their own. */
static void batches_spread_around_the_true_mean(void **state) {
  (void)state;
  const double sds[] = {0.0, 0.03};
  for (size_t b = 0; b < 2; ++b) {
    char sets[128];
    snprintf(sets, sizeof sets, "gondolas=20 weight_error=0.05 batch_sd=%g", sds[b]);
    rf_sim_params p = params("busy", sets);
    world_run *x = play_world(&p, 17, 0);
    const sim_world *w = &x->w;
    size_t n = (size_t)w->facing_count;
    double *dev = calloc(n, sizeof *dev), own = 0;
    assert_non_null(dev);
    for (size_t f = 0; f < n; ++f) {
      const sim_facing *fc = &w->facings[f];
      const sim_product *pr = &w->products[fc->product];
      double sum = 0;
      int items = fc->lanes * fc->depth;
      for (int q = 0; q < items; ++q) sum += fc->weights[q];
      double truth = rf__sim_true_weight(pr), mean = sum / items;
      dev[f] = mean / truth - 1;
      own += pr->sd * pr->sd / (truth * truth) / items;
      if (sds[b] == 0) assert_true(fabs(mean - truth) <= 4.5 * pr->sd / sqrt((double)items));
    }
    double expected = sqrt(sds[b] * sds[b] + own / (double)n);
    expect_sd("first stocks' means", sd_of(dev, n, NULL), expected, n);
    free(dev);
    world_done(x);
    /* Restocks, on a small store many shoppers empty and many staff fill. */
    snprintf(sets, sizeof sets, "gondolas=1 shoppers=300 staff=40 weight_error=0.05 batch_sd=%g",
             sds[b]);
    p = params("busy", sets);
    x = play_world(&p, 17, 1);
    w = &x->w;
    double devs[4096];
    size_t nd = 0;
    own = 0;
    for (size_t r = 0; r < w->reach_count && nd < 4096; ++r) {
      const sim_reach *reach = &w->reaches[r];
      if (reach->kind != REACH_RESTOCK || reach->move_count < 2) continue;
      double sum = 0;
      const sim_product *pr = &w->products[reach->product];
      for (int k = 0; k < reach->move_count; ++k) sum += w->moves[reach->first_move + k].weight;
      double mean = sum / reach->move_count, truth = rf__sim_true_weight(pr);
      devs[nd++] = mean / truth - 1;
      own += pr->sd * pr->sd / (truth * truth) / reach->move_count;
      if (sds[b] == 0)
        assert_true(fabs(mean - truth) <= 4.5 * pr->sd / sqrt((double)reach->move_count));
    }
    assert_true(nd > 100);
    expected = sqrt(sds[b] * sds[b] + own / (double)nd);
    expect_sd("restocks' means", sd_of(devs, nd, NULL), expected, nd);
    world_done(x);
  }
}

/* ---- restock announcements ---- */

/* The announced restock reaches of the run's world, in the order the stream sends them (their
 * t1, then their index). */
static size_t announced_reaches(const sim_world *w, size_t *out, size_t cap, size_t *restocks) {
  size_t n = 0;
  *restocks = 0;
  for (size_t r = 0; r < w->reach_count; ++r) {
    const sim_reach *reach = &w->reaches[r];
    if (reach->kind != REACH_RESTOCK) continue;
    *restocks += reach->move_count > 0;
    if (!reach->announced) continue;
    assert_true(reach->move_count > 0);
    assert_true(n < cap);
    size_t at = n++;
    while (at > 0 && w->reaches[out[at - 1]].t1 > reach->t1) {
      out[at] = out[at - 1];
      --at;
    }
    out[at] = r;
  }
  return n;
}

/* restock_announced 1: one restock record per restock reach that put items, naming its shelf,
 * its product, its t0 and t1 and the items put; in time order among the deltas; 0: none; and
 * the rest of the stream is as without them. */
static void restocks_are_announced(void **state) {
  (void)state;
  const char *modes[] = {"shoppers=40 staff=3",
                         "gondolas=1 shoppers=40 staff=3 samples_mode=1 sample_hz=1"};
  for (size_t m = 0; m < 2; ++m) {
    char sets[128];
    snprintf(sets, sizeof sets, "%s restock_announced=1", modes[m]);
    rf_sim_params p = params("busy", sets), quiet = p;
    quiet.restock_announced = 0;
    run_out o, o0;
    run(&p, 9, &o);
    run(&quiet, 9, &o0);
    world_run *x = play_world(&p, 9, 1);
    const sim_world *w = &x->w;
    size_t order[512], restocks;
    size_t n = announced_reaches(w, order, 512, &restocks);
    print_message("  %s: %zu restock reaches, %zu records\n", modes[m], restocks, o.restock_count);
    assert_true(restocks >= 6);
    assert_int_equal(n, restocks);
    assert_int_equal(o.restock_count, restocks);
    assert_int_equal(o0.restock_count, 0);
    for (size_t k = 0; k < n; ++k) {
      const sim_reach *reach = &w->reaches[order[k]];
      const c_restock *c = &o.restocks[k];
      assert_string_equal(c->shelf, w->shelves[reach->shelf].id);
      assert_true(c->t0 == reach->t0 && c->t1 == reach->t1);
      assert_int_equal(c->qty, reach->move_count);
      assert_true(c->qty >= 1 && c->qty <= 6);
      assert_int_equal(c->has_seq, 0);
      /* Every item put is of that sku, onto that shelf, within the reach. */
      for (int q = 0; q < reach->move_count; ++q) {
        const sim_move *mv = &w->moves[reach->first_move + q];
        assert_string_equal(w->products[mv->product].sku, c->sku);
        assert_int_equal(mv->shelf, reach->shelf);
        assert_int_equal(mv->sign, 1);
        assert_true(mv->t > c->t0 && mv->t < c->t1);
      }
    }
    /* In time order: restocks and deltas by their t1, as sent. */
    int64_t last = INT64_MIN;
    for (size_t e = 0; e < o.event_count; ++e) {
      if (o.events[e].type != RF_RECORD_RESTOCK && o.events[e].type != RF_RECORD_DELTA) continue;
      assert_true(o.events[e].t >= last);
      last = o.events[e].t;
    }
    /* Without the restock records, the stream is the one without announcements. */
    size_t k0 = 0;
    for (size_t k = 0; k < o.text_count; ++k) {
      if (strncmp(o.full[k], "restock ", 8) == 0) continue;
      assert_true(k0 < o0.text_count);
      assert_string_equal(o.full[k], o0.full[k0]);
      ++k0;
    }
    assert_int_equal(k0, o0.text_count);
    world_done(x);
    out_free(&o);
    out_free(&o0);
  }
}

/* A share of restocks is announced: within four binomial standard errors. */
static void a_share_of_restocks_is_announced(void **state) {
  (void)state;
  rf_sim_params p = params("busy", "gondolas=1 shoppers=300 staff=60 restock_announced=0.3");
  world_run *x = play_world(&p, 2, 1);
  size_t order[1024], restocks;
  size_t n = announced_reaches(&x->w, order, 1024, &restocks);
  run_out o;
  run(&p, 2, &o);
  assert_int_equal(o.restock_count, n);
  double share = (double)n / (double)restocks, tol = 4 * sqrt(0.3 * 0.7 / (double)restocks);
  print_message("  %zu of %zu restocks announced: %.4f (configured 0.3, 4 SE = %.4f)\n", n,
                restocks, share, tol);
  assert_true(restocks > 200);
  assert_true(fabs(share - 0.3) <= tol);
  world_done(x);
  out_free(&o);
}

/* With sources, a restock record is the shelves' and numbered in their sequence: the shelves'
 * records carry seq 0, 1, 2, ... in the order they come (nothing delays them). */
static void restocks_come_from_the_shelves(void **state) {
  (void)state;
  rf_sim_params p = params("busy", "shoppers=30 staff=3 sources=1 restock_announced=1");
  run_out o;
  run(&p, 4, &o);
  assert_true(o.restock_count >= 6);
  for (size_t k = 0; k < o.restock_count; ++k) {
    assert_string_equal(o.restocks[k].source, "shelves");
    assert_int_equal(o.restocks[k].has_seq, 1);
  }
  int64_t next = 0;
  size_t restocks = 0;
  for (size_t e = 0; e < o.event_count; ++e) {
    const c_event *ev = &o.events[e];
    if (strcmp(ev->source, "shelves") != 0) continue;
    assert_true(ev->type == RF_RECORD_DELTA || ev->type == RF_RECORD_RESTOCK);
    assert_int_equal(ev->has_seq, 1);
    assert_int_equal(ev->seq, next);
    ++next;
    restocks += ev->type == RF_RECORD_RESTOCK;
  }
  assert_int_equal(restocks, o.restock_count);
  assert_int_equal((size_t)next, o.restock_count + o.delta_count);
  out_free(&o);
}

/* ---- what the knobs leave alone ---- */

/* Gains, true weights and batches change the load cells' values and nothing else: every record
 * is the same but for delta and samples readings (their plates and times the same too), in the
 * classic and the varied store, with stream faults on. */
static void scales_move_only_the_readings(void **state) {
  (void)state;
  const char *cases[][2] = {
      {"busy", "shoppers=40 staff=2"},
      {"realistic", "shoppers=40"},
      {"chaos", "shoppers=40"},
      {"easy", "samples_mode=1 sample_hz=5 staff=1"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    rf_sim_params p0 = params(cases[c][0], cases[c][1]);
    rf_sim_params p = p0;
    p.gain_sd = 0.02;
    p.gain_drift = 0.01;
    p.weight_error = 0.05;
    p.batch_sd = 0.02;
    run_out o0, o;
    run(&p0, 3, &o0);
    run(&p, 3, &o);
    assert_int_equal(o.text_count, o0.text_count);
    size_t differ = 0, cells = 0;
    for (size_t k = 0; k < o.text_count; ++k) {
      assert_string_equal(o.masked[k], o0.masked[k]);
      int cell = strncmp(o.full[k], "delta ", 6) == 0 || strncmp(o.full[k], "samples ", 8) == 0;
      cells += cell;
      if (strcmp(o.full[k], o0.full[k]) == 0) continue;
      assert_true(cell);
      ++differ;
    }
    print_message("  %s: %zu records, %zu load-cell records, %zu of them changed\n", cases[c][0],
                  o.text_count, cells, differ);
    assert_true(differ > cells / 2);
    out_free(&o0);
    out_free(&o);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(scales_agree_with_the_run),
      cmocka_unit_test(scales_refuse_and_stop),
      cmocka_unit_test(knobs_default_to_zero),
      cmocka_unit_test(deltas_read_through_the_gains),
      cmocka_unit_test(gains_swing_over_the_day),
      cmocka_unit_test(deltas_follow_the_swing),
      cmocka_unit_test(samples_read_through_the_gains),
      cmocka_unit_test(true_weights_stay_within_bounds),
      cmocka_unit_test(items_weigh_the_true_mean),
      cmocka_unit_test(batches_spread_around_the_true_mean),
      cmocka_unit_test(restocks_are_announced),
      cmocka_unit_test(a_share_of_restocks_is_announced),
      cmocka_unit_test(restocks_come_from_the_shelves),
      cmocka_unit_test(scales_move_only_the_readings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
