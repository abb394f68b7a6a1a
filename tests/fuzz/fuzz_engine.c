/* Fuzz target: the engine over the small fixed store, fed a bounded sequence of events decoded
 * from the input (small ids, so shoppers, shelves and plates collide; times that wander back
 * and forth around the lateness), with the output invariant checker on everything it hands
 * out. A push may take its record (0), set it aside (RF_SETASIDE) or refuse it (a negative
 * code): all are allowed; only a taken record is fed to the checker. A broken invariant or an
 * output record that breaks the format aborts.
 *
 * RF_FUZZ_IGNORE=negative,final (rule names of invariants.h) passes over known violations to
 * look past them; RF_FUZZ_TRACE=1 prints what goes in and comes out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "invariants.h"
#include "retailfuse/engine.h"
#include "retailfuse/status.h"

enum { MAX_RECORDS = 200, MAX_READINGS = 48, PLATES = 6 };

static const char *const shoppers[] = {"A", "B", "C", "D"};
static const char *const skus[] = {"tea", "green", "bar", "water", "chips"};
static const double weights[] = {540.67, 540.67, 52.7, 523.4, 226.8};
static const char *const plate_ids[PLATES] = {"P0", "P1", "P2", "Q0", "Q1", "R0"};
static const char *const shelf_ids[] = {"S0", "S1", "S2"};
static const int shelf_first[] = {0, 3, 5}, shelf_plates[] = {3, 2, 1};

/* What one input decodes into, with room for the arrays records point at. */
typedef struct decoder {
  fuzz_in in;
  rf_time_us now; /* the latest time decoded */
  rf_time_us plate_next[PLATES];
  double level[PLATES]; /* each plate's raw reading */
  rf_plate_delta plates[3];
  rf_sku_score scores[2];
  double g[MAX_READINGS];
} decoder;

/* A time near the latest: up to 12.8 s either side, never below 0. */
static rf_time_us next_time(decoder *d) {
  rf_time_us t = d->now + (rf_time_us)(int8_t)fuzz_byte(&d->in) * 100000;
  if (t < 0) t = 0;
  if (t > d->now) d->now = t;
  return t;
}

static const char *shopper(decoder *d) { return shoppers[fuzz_byte(&d->in) % 4]; }

/* A weight change: a whole number of one product's items with a little noise, or any value. */
static double weight_change(decoder *d) {
  unsigned mode = fuzz_byte(&d->in);
  if (mode >= 240) return (double)(int16_t)fuzz_u16(&d->in) * 0.25;
  int qty = (int)(mode % 7) - 3;
  return (qty ? qty : 1) * weights[(mode / 7) % 5] + (int8_t)fuzz_byte(&d->in) * 0.05;
}

static void decode_delta(decoder *d, rf_record *r, rf_time_us t) {
  unsigned s = fuzz_byte(&d->in) % 3, n = 1 + fuzz_byte(&d->in) % shelf_plates[s];
  unsigned first = fuzz_byte(&d->in);
  double total = weight_change(d);
  for (unsigned i = 0; i < n; ++i)
    d->plates[i] =
        (rf_plate_delta){plate_ids[shelf_first[s] + (first + i) % shelf_plates[s]], total / n};
  r->type = RF_RECORD_DELTA;
  r->u.delta = (rf_delta_rec){shelf_ids[s], t - (rf_time_us)(fuzz_byte(&d->in) % 20) * 100000, t,
                              d->plates, n};
}

static int tri(unsigned b) { return b % 3 == 2 ? RF_UNKNOWN : (int)(b % 3); }

static void decode_hand(decoder *d, rf_record *r, rf_time_us t) {
  unsigned who = fuzz_byte(&d->in), flags = fuzz_byte(&d->in);
  rf_hand_rec *h = &r->u.hand;
  r->type = RF_RECORD_HAND;
  h->shopper = who % 5 == 4 ? NULL : shoppers[who % 4];
  h->shelf = shelf_ids[fuzz_byte(&d->in) % 3];
  h->t1 = t;
  h->t0 = t - (rf_time_us)(fuzz_byte(&d->in) % 30) * 100000;
  h->has_x = flags & 1;
  h->x = fuzz_byte(&d->in) / 255.0 * 0.35;
  h->has_conf = (flags >> 1) & 1;
  h->conf = fuzz_byte(&d->in) / 255.0;
  h->holding_in = tri(flags >> 2);
  h->holding_out = tri(flags >> 4);
  h->has_sku_scores = (flags >> 6) & 1;
  h->sku_score_count = (flags >> 7) + h->has_sku_scores;
  for (size_t i = 0; i < h->sku_score_count; ++i)
    d->scores[i] = (rf_sku_score){skus[fuzz_byte(&d->in) % 5], fuzz_byte(&d->in) / 255.0};
  h->sku_scores = d->scores;
  if (!h->has_sku_scores) h->sku_score_count = 0;
}

/* Raw readings of one plate: its level, a step of items part way, a little noise, and now and
 * then a reading no plate should give. Mostly after the plate's last reading, not always. */
static void decode_samples(decoder *d, rf_record *r, rf_time_us t) {
  unsigned p = fuzz_byte(&d->in) % PLATES, shape = fuzz_byte(&d->in);
  size_t n = 1 + fuzz_byte(&d->in) % MAX_READINGS, step_at = fuzz_byte(&d->in) % n;
  int64_t dt = shape & 1 ? 100000 : 16667;
  if (!(shape & 2) && t < d->plate_next[p]) t = d->plate_next[p];
  double step = shape & 4 ? weight_change(d) : 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (i == step_at) d->level[p] += step;
    unsigned b = fuzz_byte(&d->in);
    d->g[i] = b == 255 ? NAN : b == 254 ? INFINITY : b == 253 ? 1e9 : d->level[p] + (b % 16) * 0.1;
  }
  r->type = RF_RECORD_SAMPLES;
  r->u.samples = (rf_samples_rec){plate_ids[p], t, dt, d->g, n};
  d->plate_next[p] = t + (rf_time_us)n * dt;
  if (d->plate_next[p] > d->now) d->now = d->plate_next[p];
}

/* The next event into *r: 1, or 0 for an advance of the clock to *advance. */
static int decode(decoder *d, rf_record *r, rf_time_us *advance) {
  unsigned byte = fuzz_byte(&d->in), op = byte % 8;
  rf_time_us t = next_time(d);
  memset(r, 0, sizeof *r);
  switch (op) {
    case 0: /* the top of the byte's range enters staff */
      r->type = RF_RECORD_ENTER, r->u.enter = (rf_shopper_rec){t, shopper(d), byte >= 224};
      break;
    case 1: r->type = RF_RECORD_EXIT, r->u.exit = (rf_shopper_rec){t, shopper(d), 0}; break;
    case 2:
      r->type = RF_RECORD_LINK;
      r->u.link.t = t;
      r->u.link.shopper = shopper(d);
      r->u.link.cart = shopper(d);
      break;
    case 3:
      r->type = RF_RECORD_POSITION;
      r->u.position =
          (rf_position_rec){t, shopper(d), fuzz_byte(&d->in) / 25.5, fuzz_byte(&d->in) / 25.5};
      break;
    case 4: decode_delta(d, r, t); break;
    case 5: decode_hand(d, r, t); break;
    case 6: decode_samples(d, r, t); break;
    default: *advance = d->now += (rf_time_us)fuzz_byte(&d->in) * 1000000; return 0;
  }
  return 1;
}

/* The format's rules for one output record (docs/format.md §5). */
static void check_format(const rf_record *r) {
  if (r->type == RF_RECORD_DIFF) {
    const rf_diff_rec *d = &r->u.diff;
    uint32_t p;
    if (d->shopper == NULL || d->sku == NULL || rf_store_find_product(fuzz_store(), d->sku, &p))
      fuzz_die("diff #%lld names no shopper or an unknown sku", (long long)d->seq);
    /* event -1: items a link moved between carts, certain and correcting nothing. */
    int move = d->event == -1 && d->conf == 1.0 && !d->has_corrects;
    if (d->qty == 0 || !(d->conf >= 0.0 && d->conf <= 1.0) || (d->event < 0 && !move))
      fuzz_die("diff #%lld: qty %lld, conf %g, event %lld", (long long)d->seq, (long long)d->qty,
               d->conf, (long long)d->event);
  } else if (r->type == RF_RECORD_RECEIPT) {
    if (r->u.receipt.shopper == NULL || !r->u.receipt.has_t)
      fuzz_die("a receipt without shopper or t");
  } else {
    fuzz_die("output of type %d", (int)r->type);
  }
}

/* RF_FUZZ_TRACE=1: each record pushed (type, time, first id, the push's code) and each output. */
static void trace_in(const rf_record *r, int rc) {
  if (getenv("RF_FUZZ_TRACE") == NULL) return;
  rf_time_us t0 = 0, t1 = 0;
  const char *id = "";
  switch (r->type) {
    case RF_RECORD_ENTER: t1 = r->u.enter.t, id = r->u.enter.shopper; break;
    case RF_RECORD_EXIT: t1 = r->u.exit.t, id = r->u.exit.shopper; break;
    case RF_RECORD_LINK: t1 = r->u.link.t, id = r->u.link.shopper; break;
    case RF_RECORD_POSITION: t1 = r->u.position.t, id = r->u.position.shopper; break;
    case RF_RECORD_DELTA: t0 = r->u.delta.t0, t1 = r->u.delta.t1, id = r->u.delta.shelf; break;
    case RF_RECORD_HAND: t0 = r->u.hand.t0, t1 = r->u.hand.t1, id = r->u.hand.shelf; break;
    default: t0 = r->u.samples.t, id = r->u.samples.plate; break;
  }
  fprintf(stderr, "in  %-8s %lld..%lld %s%s%s%s -> %d\n", rf_record_type_name(r->type),
          (long long)t0, (long long)t1, id, r->type == RF_RECORD_LINK ? " into " : "",
          r->type == RF_RECORD_LINK ? r->u.link.cart : "",
          r->type == RF_RECORD_ENTER && r->u.enter.staff ? " (staff)" : "", rc);
}

static void trace_out(const rf_record *r) {
  if (getenv("RF_FUZZ_TRACE") == NULL) return;
  if (r->type == RF_RECORD_DIFF)
    fprintf(stderr, "out diff #%lld t %lld %s %s %+lld event %lld%s\n", (long long)r->u.diff.seq,
            (long long)r->u.diff.t, r->u.diff.shopper, r->u.diff.sku, (long long)r->u.diff.qty,
            (long long)r->u.diff.event, r->u.diff.has_corrects ? " (correction)" : "");
  else
    fprintf(stderr, "out receipt t %lld %s, %zu skus\n", (long long)r->u.receipt.t,
            r->u.receipt.shopper, r->u.receipt.item_count);
}

static void check(inv_checker *inv, int rc) {
  if (rc == INV_VIOLATION) fuzz_die("invariant: %s", inv_message(inv));
  if (rc != 0) fuzz_die("the invariant checker failed: %d", rc);
}

/* Everything the engine has queued, through the checks. */
static void drain(rf_engine *e, inv_checker *inv) {
  rf_record out;
  while (rf_engine_poll(e, &out) == 0) {
    trace_out(&out);
    check_format(&out);
    check(inv, inv_output(inv, &out));
  }
}

/* One record pushed as a host would: again when out of memory (a few times), fed to the
 * checker when taken, before the output its push made. */
static void push(rf_engine *e, inv_checker *inv, const rf_record *r) {
  int rc = rf_engine_push(e, r);
  for (int retry = 0; rc == RF_ENOMEM && retry < 3; ++retry) rc = rf_engine_push(e, r);
  trace_in(r, rc);
  if (rc == 0 || rc == RF_EBEHIND) check(inv, inv_input(inv, r));
  else if (rc != RF_SETASIDE && rc >= 0) fuzz_die("push returned %d", rc);
  drain(e, inv);
}

/* The first byte picks the wait and the revision horizon, so receipts and forgetting come
 * early as well as late. */
static rf_time_us set_params(rf_engine *e, unsigned b) {
  static const double wait[] = {7.0, 0.0, 2.0, 20.0}, revision[] = {120.0, 5.0, 0.0, 30.0};
  if (rf_engine_param_set(e, RF_PARAM_WAIT_S, wait[b % 4]) != 0 ||
      rf_engine_param_set(e, RF_PARAM_REVISION_S, revision[(b / 4) % 4]) != 0)
    fuzz_die("param: %s", rf_engine_errmsg(e));
  return (rf_time_us)(wait[b % 4] * 1e6);
}

static inv_checker *new_checker(rf_time_us wait_us) {
  inv_checker *inv;
  if (inv_new(&inv) != 0) fuzz_die("out of memory");
  inv_set_wait(inv, wait_us);
  const char *ignore = getenv("RF_FUZZ_IGNORE");
  if (ignore != NULL && inv_ignore(inv, ignore) != 0) fuzz_die("RF_FUZZ_IGNORE: unknown rule");
  return inv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rf_engine *e;
  if (rf_engine_new(&e, fuzz_store(), NULL) != 0) fuzz_die("rf_engine_new");
  decoder *d = calloc(1, sizeof *d);
  if (d == NULL) fuzz_die("out of memory");
  d->in = (fuzz_in){data, size};
  for (int p = 0; p < PLATES; ++p) d->level[p] = 3000.0 + 250.0 * p;
  inv_checker *inv = new_checker(set_params(e, fuzz_byte(&d->in)));
  rf_record r;
  rf_time_us advance;
  for (int i = 0; i < MAX_RECORDS && d->in.left > 0; ++i) {
    if (decode(d, &r, &advance)) {
      push(e, inv, &r);
    } else {
      int rc = rf_engine_advance(e, advance);
      if (rc > 0) fuzz_die("advance returned %d", rc);
      drain(e, inv);
    }
  }
  if (rf_engine_finish(e) != 0) fuzz_die("finish: %s", rf_engine_errmsg(e));
  drain(e, inv);
  check(inv, inv_finish(inv));
  inv_free(inv);
  free(d);
  rf_engine_free(e);
  return 0;
}
