/* The store simulator: the same seed gives the same text; every preset gives a valid scenario and
 * a truth that adds up; the sensors' imperfections come at their configured rates (measured on
 * hundreds of shoppers, within four binomial standard errors); load-cell noise and readings are
 * as described; behaviour knobs do what they say; the knob API refuses what it should; a sink
 * stops a run; the stream faults (sources, late and jittered cameras, duplicates, stray ids,
 * unknown shelves, an outage) do exactly what they say, are counted, and leave the truth alone.
 * Records are copied out of the sinks (they live only during the callback). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_text.h"

#include "record/record.h"
#include "retailfuse/retailfuse.h"
#include "test_alloc.h"

/* ---- growable arrays and interned names ---- */

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

/* What a name stands for; -1 where it is not that kind of thing. */
typedef struct name_info {
  int product, shelf, plate, shopper;
} name_info;

typedef struct names {
  char **s;
  name_info *info;
  size_t count, cap;
  int *slot; /* open addressing over s; -1 empty */
  size_t nslot;
} names;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int name_find(const names *n, const char *s) {
  if (n->nslot == 0 || s == NULL) return -1;
  for (size_t i = hash_str(s) & (n->nslot - 1);; i = (i + 1) & (n->nslot - 1)) {
    if (n->slot[i] < 0) return -1;
    if (strcmp(n->s[n->slot[i]], s) == 0) return n->slot[i];
  }
}

static void name_rehash(names *n, size_t nslot) {
  free(n->slot);
  n->slot = malloc(nslot * sizeof *n->slot);
  assert_non_null(n->slot);
  for (size_t i = 0; i < nslot; ++i) n->slot[i] = -1;
  n->nslot = nslot;
  for (size_t k = 0; k < n->count; ++k) {
    size_t i = hash_str(n->s[k]) & (nslot - 1);
    while (n->slot[i] >= 0) i = (i + 1) & (nslot - 1);
    n->slot[i] = (int)k;
  }
}

/* The name's number, added if new. */
static int name_id(names *n, const char *s) {
  assert_non_null(s);
  int id = name_find(n, s);
  if (id >= 0) return id;
  if (2 * (n->count + 1) > n->nslot) name_rehash(n, n->nslot ? 2 * n->nslot : 1024);
  size_t len = strlen(s) + 1;
  char *copy = malloc(len);
  assert_non_null(copy);
  memcpy(copy, s, len);
  size_t cap = n->cap;
  PUSH(n->s, n->count, n->cap, copy);
  if (n->cap != cap) {
    n->info = realloc(n->info, n->cap * sizeof *n->info);
    assert_non_null(n->info);
  }
  n->info[n->count - 1] = (name_info){-1, -1, -1, -1};
  size_t i = hash_str(s) & (n->nslot - 1);
  while (n->slot[i] >= 0) i = (i + 1) & (n->nslot - 1);
  n->slot[i] = (int)(n->count - 1);
  return (int)(n->count - 1);
}

static void names_free(names *n) {
  for (size_t k = 0; k < n->count; ++k) free(n->s[k]);
  free(n->s);
  free(n->info);
  free(n->slot);
}

/* ---- a simulation's records, copied out ---- */

typedef struct c_product {
  int name;
  double weight, sd;
  int home_shelf; /* the shelf of its facing; -1 if none */
} c_product;

typedef struct c_shelf {
  int name;
  double noise;
  int first_plate, plate_count;
  int first_facing, facing_count;
} c_shelf;

typedef struct c_plate {
  int shelf, k; /* k: position on the shelf, left to right */
  double x0, x1;
} c_plate;

typedef struct c_facing {
  int shelf, product;
  double x0, x1;
} c_facing;

typedef struct c_shopper {
  int name;
  int64_t enter, exit;
  int cart; /* the cart's owner (itself unless linked) */
  int linked;
} c_shopper;

typedef struct c_link {
  int64_t t;
  int shopper, cart;
} c_link;

typedef struct c_position {
  int64_t t;
  int shopper;
} c_position;

typedef struct c_hand {
  int shopper, shelf; /* shopper -1: anonymous */
  int64_t t0, t1;
  double x, conf;
  int holding_in, holding_out;
  int has_scores, score_count, product; /* product of the first score, -1 if none */
} c_hand;

typedef struct c_delta {
  int shelf;
  int64_t t0, t1;
  size_t first, count; /* changes[first .. first + count) */
} c_delta;

typedef struct c_change {
  int plate;
  double g;
} c_change;

typedef struct c_truth {
  int64_t t;
  int shopper, product;
  int64_t qty;
} c_truth;

typedef struct c_receipt {
  int shopper;
  size_t first, count; /* items[first .. first + count) */
} c_receipt;

typedef struct c_item {
  int product;
  int64_t qty;
} c_item;

typedef struct sim_out {
  names nm;
  c_product *products;
  size_t product_count, product_cap;
  c_shelf *shelves;
  size_t shelf_count, shelf_cap;
  c_plate *plates;
  size_t plate_count, plate_cap;
  c_facing *facings;
  size_t facing_count, facing_cap;
  c_shopper *shoppers;
  size_t shopper_count, shopper_cap;
  c_link *links;
  size_t link_count, link_cap;
  c_position *positions;
  size_t position_count, position_cap;
  c_hand *hands;
  size_t hand_count, hand_cap;
  c_delta *deltas;
  size_t delta_count, delta_cap;
  c_change *changes;
  size_t change_count, change_cap;
  c_truth *truths;
  size_t truth_count, truth_cap;
  c_receipt *receipts;
  size_t receipt_count, receipt_cap;
  c_item *items;
  size_t item_count, item_cap;
  size_t exits;
} sim_out;

static void out_free(sim_out *o) {
  names_free(&o->nm);
  free(o->products);
  free(o->shelves);
  free(o->plates);
  free(o->facings);
  free(o->shoppers);
  free(o->links);
  free(o->positions);
  free(o->hands);
  free(o->deltas);
  free(o->changes);
  free(o->truths);
  free(o->receipts);
  free(o->items);
  memset(o, 0, sizeof *o);
}

static int info_of(sim_out *o, const char *name, size_t field) {
  int id = name_find(&o->nm, name);
  if (id < 0) return -1;
  return *(const int *)((const char *)&o->nm.info[id] + field);
}

#define PRODUCT_OF(o, s) info_of((o), (s), offsetof(name_info, product))
#define SHELF_OF(o, s) info_of((o), (s), offsetof(name_info, shelf))
#define PLATE_OF(o, s) info_of((o), (s), offsetof(name_info, plate))
#define SHOPPER_OF(o, s) info_of((o), (s), offsetof(name_info, shopper))

/* Copies one record; ids must exist (the checker, when on, says so first). Returns 0, or -1
 * for a record that names something unknown (counted by the caller). */
static int collect(sim_out *o, const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_PRODUCT: {
      int id = name_id(&o->nm, r->u.product.sku);
      o->nm.info[id].product = (int)o->product_count;
      c_product p = {id, r->u.product.weight_g, r->u.product.weight_sd_g, -1};
      PUSH(o->products, o->product_count, o->product_cap, p);
      return 0;
    }
    case RF_RECORD_SHELF: {
      int id = name_id(&o->nm, r->u.shelf.shelf);
      int shelf = (int)o->shelf_count;
      o->nm.info[id].shelf = shelf;
      c_shelf s = {id, r->u.shelf.noise_g, (int)o->plate_count, (int)r->u.shelf.plate_count, 0, 0};
      PUSH(o->shelves, o->shelf_count, o->shelf_cap, s);
      for (size_t k = 0; k < r->u.shelf.plate_count; ++k) {
        int pid = name_id(&o->nm, r->u.shelf.plates[k].plate);
        o->nm.info[pid].plate = (int)o->plate_count;
        c_plate pl = {shelf, (int)k, r->u.shelf.plates[k].x0, r->u.shelf.plates[k].x1};
        PUSH(o->plates, o->plate_count, o->plate_cap, pl);
      }
      return 0;
    }
    case RF_RECORD_FACING: {
      c_facing f = {SHELF_OF(o, r->u.facing.shelf), PRODUCT_OF(o, r->u.facing.sku), r->u.facing.x0,
                    r->u.facing.x1};
      if (f.shelf < 0 || f.product < 0) return -1;
      c_shelf *s = &o->shelves[f.shelf];
      if (s->facing_count == 0) s->first_facing = (int)o->facing_count;
      if (s->first_facing + s->facing_count != (int)o->facing_count) return -1; /* not grouped */
      s->facing_count++;
      o->products[f.product].home_shelf = f.shelf;
      PUSH(o->facings, o->facing_count, o->facing_cap, f);
      return 0;
    }
    case RF_RECORD_ENTER: {
      int id = name_id(&o->nm, r->u.enter.shopper);
      if (o->nm.info[id].shopper >= 0) return -1; /* the simulator never re-uses an id */
      o->nm.info[id].shopper = (int)o->shopper_count;
      c_shopper s = {id, r->u.enter.t, -1, (int)o->shopper_count, 0};
      PUSH(o->shoppers, o->shopper_count, o->shopper_cap, s);
      return 0;
    }
    case RF_RECORD_EXIT: {
      int s = SHOPPER_OF(o, r->u.exit.shopper);
      if (s < 0 || o->shoppers[s].exit >= 0) return -1;
      o->shoppers[s].exit = r->u.exit.t;
      o->exits++;
      return 0;
    }
    case RF_RECORD_LINK: {
      c_link l = {r->u.link.t, SHOPPER_OF(o, r->u.link.shopper), SHOPPER_OF(o, r->u.link.cart)};
      if (l.shopper < 0 || l.cart < 0) return -1;
      o->shoppers[l.shopper].cart = l.cart;
      o->shoppers[l.shopper].linked = 1;
      PUSH(o->links, o->link_count, o->link_cap, l);
      return 0;
    }
    case RF_RECORD_POSITION: {
      c_position p = {r->u.position.t, SHOPPER_OF(o, r->u.position.shopper)};
      if (p.shopper < 0) return -1;
      PUSH(o->positions, o->position_count, o->position_cap, p);
      return 0;
    }
    case RF_RECORD_HAND: {
      const rf_hand_rec *h = &r->u.hand;
      c_hand c;
      memset(&c, 0, sizeof c);
      c.shopper = h->shopper ? SHOPPER_OF(o, h->shopper) : -1;
      if (h->shopper && c.shopper < 0) return -1;
      c.shelf = SHELF_OF(o, h->shelf);
      if (c.shelf < 0) return -1;
      c.t0 = h->t0;
      c.t1 = h->t1;
      c.x = h->has_x ? h->x : NAN;
      c.conf = h->has_conf ? h->conf : NAN;
      c.holding_in = h->holding_in;
      c.holding_out = h->holding_out;
      c.has_scores = h->has_sku_scores;
      c.score_count = (int)h->sku_score_count;
      c.product = h->sku_score_count > 0 ? PRODUCT_OF(o, h->sku_scores[0].sku) : -1;
      if (h->sku_score_count > 0 && c.product < 0) return -1;
      PUSH(o->hands, o->hand_count, o->hand_cap, c);
      return 0;
    }
    case RF_RECORD_DELTA: {
      c_delta d = {SHELF_OF(o, r->u.delta.shelf), r->u.delta.t0, r->u.delta.t1, o->change_count,
                   r->u.delta.plate_count};
      if (d.shelf < 0) return -1;
      for (size_t k = 0; k < r->u.delta.plate_count; ++k) {
        c_change c = {PLATE_OF(o, r->u.delta.plates[k].plate), r->u.delta.plates[k].g};
        if (c.plate < 0) return -1;
        PUSH(o->changes, o->change_count, o->change_cap, c);
      }
      PUSH(o->deltas, o->delta_count, o->delta_cap, d);
      return 0;
    }
    case RF_RECORD_TRUTH: {
      c_truth t = {r->u.truth.t, SHOPPER_OF(o, r->u.truth.shopper), PRODUCT_OF(o, r->u.truth.sku),
                   r->u.truth.qty};
      if (t.shopper < 0 || t.product < 0) return -1;
      PUSH(o->truths, o->truth_count, o->truth_cap, t);
      return 0;
    }
    case RF_RECORD_RECEIPT: {
      c_receipt c = {SHOPPER_OF(o, r->u.receipt.shopper), o->item_count, r->u.receipt.item_count};
      if (c.shopper < 0) return -1;
      for (size_t k = 0; k < r->u.receipt.item_count; ++k) {
        c_item it = {PRODUCT_OF(o, r->u.receipt.items[k].sku), r->u.receipt.items[k].qty};
        if (it.product < 0) return -1;
        PUSH(o->items, o->item_count, o->item_cap, it);
      }
      PUSH(o->receipts, o->receipt_count, o->receipt_cap, c);
      return 0;
    }
    default: return -1; /* samples, diff: the simulator writes none */
  }
}

/* ---- running ---- */

/* One sink for both streams: check, write, collect — whichever is on. Failures are remembered,
 * not raised, so the simulator finishes and frees its memory before the test fails. */
typedef struct sink_ctx {
  sim_out *out;
  rf_scenario_check *check;
  rf_scenario_writer *writer;
  size_t records;
  size_t failures;
  char first_failure[512];
} sink_ctx;

static void remember(sink_ctx *c, const char *what, const char *detail) {
  if (c->failures++ == 0) snprintf(c->first_failure, sizeof c->first_failure, "%s%s", what, detail);
}

static int sink(const rf_record *r, void *payload) {
  sink_ctx *c = payload;
  c->records++;
  if (c->check && rf_scenario_check_record(c->check, r) != 0)
    remember(c, "refused by the checker: ", rf_scenario_check_errmsg(c->check));
  if (c->writer && rf_scenario_writer_write(c->writer, r) != 0)
    remember(c, "refused by the writer: ", rf_scenario_writer_errmsg(c->writer));
  if (c->out && collect(c->out, r) != 0)
    remember(c, "a record names something unknown: ", rf_record_type_name(r->type));
  return 0;
}

typedef struct run_opts {
  int check; /* pass every record through one rf_scenario_check */
  test_text *scenario_text, *truth_text;
  sink_ctx *scenario_ctx, *truth_ctx; /* optional: the counts afterwards */
} run_opts;

static void run_sim(const rf_sim_params *p, uint64_t seed, sim_out *out, const run_opts *opts) {
  run_opts none;
  memset(&none, 0, sizeof none);
  if (opts == NULL) opts = &none;
  sink_ctx sc, tc;
  memset(&sc, 0, sizeof sc);
  memset(&tc, 0, sizeof tc);
  sc.out = tc.out = out;
  rf_scenario_check *check = NULL;
  if (opts->check) {
    assert_int_equal(rf_scenario_check_new(&check, NULL), 0);
    sc.check = tc.check = check;
  }
  if (opts->scenario_text)
    assert_int_equal(rf_scenario_writer_new(&sc.writer, test_text_write, opts->scenario_text, NULL),
                     0);
  if (opts->truth_text)
    assert_int_equal(rf_scenario_writer_new(&tc.writer, test_text_write, opts->truth_text, NULL),
                     0);
  int rc = rf_sim_run(p, seed, sink, &sc, sink, &tc, NULL);
  if (sc.writer) assert_int_equal(rf_scenario_writer_close(sc.writer), 0);
  if (tc.writer) assert_int_equal(rf_scenario_writer_close(tc.writer), 0);
  rf_scenario_check_free(check);
  if (rc != 0) fail_msg("rf_sim_run: %s", rf_err_name(rc));
  if (sc.failures) fail_msg("scenario: %zu failures; first: %s", sc.failures, sc.first_failure);
  if (tc.failures) fail_msg("truth: %zu failures; first: %s", tc.failures, tc.first_failure);
  if (opts->scenario_ctx) *opts->scenario_ctx = sc;
  if (opts->truth_ctx) *opts->truth_ctx = tc;
}

/* A preset with `--set`-style overrides: "shoppers=300 missed_rate=0.1". */
static rf_sim_params params(const char *preset, const char *sets) {
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, preset), 0);
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", sets ? sets : "");
  for (char *tok = buf, *next; *tok; tok = next) {
    while (*tok == ' ') ++tok;
    if (*tok == '\0') break;
    next = tok + strcspn(tok, " ");
    if (*next) *next++ = '\0';
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

/* ---- statistics ---- */

/* hits of n at rate p, within four binomial standard errors. */
static void expect_rate(const char *what, size_t hits, size_t n, double p) {
  assert_true(n > 0);
  double m = (double)hits / (double)n;
  double tol = 4 * sqrt(p * (1 - p) / (double)n) + 1e-12;
  print_message("  %-34s %.4f  (configured %.4f, n = %zu, 4 SE = %.4f)\n", what, m, p, n, tol);
  if (fabs(m - p) > tol)
    fail_msg("%s: measured %.4f (%zu of %zu), configured %.4f, tolerance %.4f", what, m, hits, n, p,
             tol);
}

/* Positions sorted by time, to find the one of a reach by its t0. */
static int by_position_time(const void *a, const void *b) {
  const c_position *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->shopper - y->shopper;
}

/* The first position at t or later. */
static size_t position_at(const sim_out *o, int64_t t) {
  size_t lo = 0, hi = o->position_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (o->positions[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The first truth record at t or later (truth is in time order). */
static size_t truth_at(const sim_out *o, int64_t t) {
  size_t lo = 0, hi = o->truth_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (o->truths[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* How a hand matches the positions (reaches) at its t0. */
enum { MATCH_NONE, MATCH_SAME, MATCH_OTHER };

static int match_hand(const sim_out *o, const c_hand *h) {
  size_t i = position_at(o, h->t0);
  if (i == o->position_count || o->positions[i].t != h->t0) return MATCH_NONE;
  for (; i < o->position_count && o->positions[i].t == h->t0; ++i)
    if (o->positions[i].shopper == h->shopper) return MATCH_SAME;
  return MATCH_OTHER;
}

/* ---- determinism ---- */

static void same_seed_same_text(void **state) {
  (void)state;
  const char *presets[] = {"busy", "adversarial"};
  for (size_t k = 0; k < 2; ++k) {
    rf_sim_params p = params(presets[k], "shoppers=40");
    test_text s[3], t[3];
    memset(s, 0, sizeof s);
    memset(t, 0, sizeof t);
    sink_ctx sc, tc;
    sim_out direct;
    memset(&direct, 0, sizeof direct);
    for (int run = 0; run < 3; ++run) {
      run_opts o = {0, &s[run], &t[run], &sc, &tc};
      run_sim(&p, run == 2 ? 8 : 7, run == 2 ? &direct : NULL, &o);
    }
    assert_true(s[0].len > 10000 && t[0].len > 1000);
    assert_int_equal(s[0].len, s[1].len);
    assert_int_equal(t[0].len, t[1].len);
    assert_memory_equal(s[0].data, s[1].data, s[0].len);
    assert_memory_equal(t[0].data, t[1].data, t[0].len);
    assert_true(s[0].len != s[2].len || memcmp(s[0].data, s[2].data, s[0].len) != 0);
    assert_true(t[0].len != t[2].len || memcmp(t[0].data, t[2].data, t[0].len) != 0);
    /* The text reads back to the very records the sinks saw. */
    sim_out read;
    memset(&read, 0, sizeof read);
    size_t lines[2] = {0, 0};
    for (int which = 0; which < 2; ++which) {
      test_text *m = which == 0 ? &s[2] : &t[2];
      rf_scenario_reader *r;
      assert_int_equal(rf_scenario_reader_from_memory(&r, m->data, m->len, NULL, NULL), 0);
      rf_record rec;
      int rc;
      while ((rc = rf_scenario_reader_next(r, &rec)) == 0) {
        lines[which]++;
        assert_int_equal(collect(&read, &rec), 0);
      }
      if (rc != RF_ITEROVER) fail_msg("reading back: %s", rf_scenario_reader_errmsg(r));
      rf_scenario_reader_free(r);
    }
    assert_int_equal(lines[0], sc.records);
    assert_int_equal(lines[1], tc.records);
    assert_int_equal(read.change_count, direct.change_count);
    for (size_t i = 0; i < read.change_count; ++i) {
      assert_int_equal(read.changes[i].plate, direct.changes[i].plate);
      assert_true(read.changes[i].g == direct.changes[i].g);
    }
    assert_int_equal(read.hand_count, direct.hand_count);
    for (size_t i = 0; i < read.hand_count; ++i) {
      const c_hand *a = &read.hands[i], *b = &direct.hands[i];
      assert_true(a->shopper == b->shopper && a->shelf == b->shelf && a->t0 == b->t0 &&
                  a->t1 == b->t1 && a->x == b->x && a->conf == b->conf &&
                  a->holding_in == b->holding_in && a->holding_out == b->holding_out &&
                  a->has_scores == b->has_scores && a->product == b->product);
    }
    assert_int_equal(read.truth_count, direct.truth_count);
    for (size_t i = 0; i < read.truth_count; ++i) {
      const c_truth *a = &read.truths[i], *b = &direct.truths[i];
      assert_true(a->t == b->t && a->shopper == b->shopper && a->product == b->product &&
                  a->qty == b->qty);
    }
    for (size_t i = 0; i < read.product_count; ++i)
      assert_true(read.products[i].weight == direct.products[i].weight &&
                  read.products[i].sd == direct.products[i].sd);
    out_free(&read);
    out_free(&direct);
    print_message("  %s, 40 shoppers: scenario %zu bytes / %zu records, truth %zu bytes / %zu "
                  "records\n",
                  presets[k], s[0].len, sc.records, t[0].len, tc.records);
    for (int run = 0; run < 3; ++run) {
      free(s[run].data);
      free(t[run].data);
    }
  }
}

/* ---- validity and truth ---- */

/* The store matches the parameters; each product has one facing on one shelf. */
static void check_store(const sim_out *o, const rf_sim_params *p) {
  assert_int_equal(o->shelf_count, (size_t)(p->gondolas * p->shelves_per_gondola));
  for (size_t s = 0; s < o->shelf_count; ++s) {
    const c_shelf *sh = &o->shelves[s];
    assert_in_range(sh->plate_count, p->plates_min, p->plates_max);
    assert_true(sh->noise >= 0.7 * p->noise_g - 0.005 && sh->noise <= 1.3 * p->noise_g + 0.005);
    for (int k = 0; k < sh->plate_count; ++k) {
      const c_plate *pl = &o->plates[sh->first_plate + k];
      assert_true(fabs(pl->x0 - k * p->plate_width_m) < 1e-9);
      assert_true(fabs(pl->x1 - pl->x0 - p->plate_width_m) < 1e-9);
    }
    assert_true(sh->facing_count >= 1);
    double width = sh->plate_count * p->plate_width_m;
    for (int f = 0; f < sh->facing_count; ++f) {
      const c_facing *fc = &o->facings[sh->first_facing + f];
      assert_true(fc->x0 >= 0 && fc->x0 < fc->x1 && fc->x1 <= width + 1e-4);
      if (f > 0) assert_true(o->facings[sh->first_facing + f - 1].x1 <= fc->x0);
    }
  }
  assert_int_equal(o->facing_count, o->product_count);
  for (size_t i = 0; i < o->product_count; ++i) {
    assert_true(o->products[i].home_shelf >= 0);
    assert_true(o->products[i].weight >= 1.0 && o->products[i].sd >= 0.5);
  }
}

/* Replays the truth per cart: never a put-back of what the cart does not hold at that moment;
 * each receipt is the sum of its cart's truth; receipts for exactly the cart owners. Returns the
 * number of put-backs. */
static size_t check_truth(const sim_out *o) {
  size_t np = o->product_count, ns = o->shopper_count, putbacks = 0;
  int64_t *held = calloc(ns * np + 1, sizeof *held);
  int *receipts = calloc(ns + 1, sizeof *receipts);
  assert_non_null(held);
  assert_non_null(receipts);
  for (size_t q = 0; q < o->truth_count; ++q) {
    const c_truth *t = &o->truths[q];
    if (q > 0) assert_true(o->truths[q - 1].t <= t->t);
    assert_true(t->qty == 1 || t->qty == -1);
    const c_shopper *s = &o->shoppers[t->shopper];
    if (s->linked) fail_msg("truth names %s, who shops into another cart", o->nm.s[s->name]);
    assert_true(t->t > s->enter);
    int64_t *h = &held[(size_t)t->shopper * np + (size_t)t->product];
    if (t->qty < 0) {
      ++putbacks;
      if (*h <= 0)
        fail_msg("truth at t=%lld: cart %s puts back %s, which it does not hold", (long long)t->t,
                 o->nm.s[s->name], o->nm.s[o->products[t->product].name]);
    }
    *h += t->qty;
  }
  for (size_t k = 0; k < o->receipt_count; ++k) {
    const c_receipt *r = &o->receipts[k];
    const c_shopper *s = &o->shoppers[r->shopper];
    if (s->linked) fail_msg("receipt for %s, who shops into another cart", o->nm.s[s->name]);
    if (receipts[r->shopper]++) fail_msg("two receipts for %s", o->nm.s[s->name]);
    int64_t sum = 0;
    for (size_t i = 0; i < r->count; ++i) {
      const c_item *it = &o->items[r->first + i];
      assert_true(it->qty > 0);
      if (held[(size_t)r->shopper * np + (size_t)it->product] != it->qty)
        fail_msg("receipt of %s: %lld of %s; its truth adds up to %lld", o->nm.s[s->name],
                 (long long)it->qty, o->nm.s[o->products[it->product].name],
                 (long long)held[(size_t)r->shopper * np + (size_t)it->product]);
      sum += it->qty;
    }
    int64_t total = 0;
    for (size_t i = 0; i < np; ++i) total += held[(size_t)r->shopper * np + i];
    assert_int_equal(sum, total); /* nothing held that the receipt leaves out */
  }
  for (size_t s = 0; s < ns; ++s) {
    if (o->shoppers[s].linked) continue;
    if (receipts[s] != 1) fail_msg("no receipt for cart owner %s", o->nm.s[o->shoppers[s].name]);
  }
  free(held);
  free(receipts);
  return putbacks;
}

/* Links name an owner (not someone linked), at the joiner's entry, after the owner's. */
static void check_links(const sim_out *o) {
  for (size_t k = 0; k < o->link_count; ++k) {
    const c_link *l = &o->links[k];
    const c_shopper *s = &o->shoppers[l->shopper], *owner = &o->shoppers[l->cart];
    assert_false(owner->linked);
    assert_int_equal(l->t, s->enter);
    assert_true(owner->enter < s->enter && s->enter - owner->enter <= 3000000);
    assert_true(owner->exit > s->enter);
  }
}

static void validate(const char *preset, const char *sets, uint64_t seed) {
  rf_sim_params p = params(preset, sets);
  sim_out o;
  memset(&o, 0, sizeof o);
  sink_ctx sc, tc;
  run_opts opts = {1, NULL, NULL, &sc, &tc};
  run_sim(&p, seed, &o, &opts);
  check_store(&o, &p);
  assert_int_equal(o.shopper_count, (size_t)p.shoppers);
  assert_int_equal(o.exits, (size_t)p.shoppers);
  for (size_t s = 0; s < o.shopper_count; ++s)
    assert_true(o.shoppers[s].exit > o.shoppers[s].enter);
  size_t owners = 0;
  for (size_t s = 0; s < o.shopper_count; ++s) owners += !o.shoppers[s].linked;
  assert_int_equal(o.receipt_count, owners);
  assert_int_equal(tc.records, o.truth_count + o.receipt_count);
  check_links(&o);
  size_t putbacks = check_truth(&o);
  /* A group member may shop on after the cart's owner left (not checked: see the report). */
  size_t after_owner = 0;
  for (size_t q = 0; q < o.truth_count; ++q)
    after_owner += o.truths[q].t >= o.shoppers[o.truths[q].shopper].exit;
  print_message("  %-11s %-40s %5zu records, %4zu hands, %4zu deltas, %4zu truth (%zu put back, "
                "%zu after the owner left), %zu receipts\n",
                preset, sets ? sets : "", sc.records, o.hand_count, o.delta_count, o.truth_count,
                putbacks, after_owner, o.receipt_count);
  out_free(&o);
}

static void every_preset_is_valid(void **state) {
  (void)state;
  validate("easy", NULL, 1);
  validate("busy", NULL, 2);
  validate("adversarial", NULL, 3);
  validate("day", "shoppers=20", 4);
  validate("large", "shoppers=20", 5);
}

/* Knobs at the ends of their ranges still give valid scenarios. */
static void extreme_knobs_are_valid(void **state) {
  (void)state;
  validate("busy", "shoppers=0", 1);
  validate("busy", "shoppers=1", 1);
  validate("busy", "reaches_min=0 reaches_max=0", 1);
  validate("busy", "reaches_min=1000 reaches_max=1000 shoppers=3", 1);
  validate("busy", "duration_s=1 shoppers=200 group_share=1", 1);
  validate("busy", "gondolas=1 shelves_per_gondola=1 plates_min=1 plates_max=1", 1);
  validate("busy",
           "plate_width_m=0.02 plates_min=1 plates_max=1 putback_share=0.5 "
           "wrong_shelf_share=1",
           1);
  /* Shelves whose width is not a whole number of 0.1 mm: the last facing ends on the last plate. */
  validate("busy", "plate_width_m=0.10165 shoppers=5", 1);
  validate("busy", "plate_width_m=0.03333 shoppers=5", 1);
  /* Every product close to its neighbour on 100-plate shelves: a long random walk of weights,
   * which went below zero for this seed. */
  validate("busy",
           "similar_weight_share=1 equal_weight_share=0 plates_min=100 plates_max=100 "
           "gondolas=50 shoppers=0",
           2);
}

/* Crowds, groups and put-backs stress the truth: many shoppers share carts and reach at once. */
static void truth_adds_up_in_a_crowd(void **state) {
  (void)state;
  validate("adversarial", "shoppers=300 group_share=0.4 putback_share=0.4 crowding=0.8", 11);
  validate("busy", "shoppers=300", 12);
}

/* ---- camera imperfections, one knob at a time ---- */

#define CAMERA_BASE                                                           \
  "shoppers=300 missed_rate=0 false_rate=0 anonymous_rate=0 wrong_id_rate=0 " \
  "time_jitter_s=0 hint_share=0 "

static void camera_run(const char *sets, uint64_t seed, sim_out *o) {
  char buf[512];
  snprintf(buf, sizeof buf, CAMERA_BASE "%s", sets);
  rf_sim_params p = params("busy", buf);
  memset(o, 0, sizeof *o);
  run_sim(&p, seed, o, NULL);
  qsort(o->positions, o->position_count, sizeof *o->positions, by_position_time);
}

static void cameras_miss_at_their_rate(void **state) {
  (void)state;
  sim_out o;
  /* Perfect cameras: one hand per reach, same shopper, same time, no hints. */
  camera_run("", 21, &o);
  assert_int_equal(o.hand_count, o.position_count);
  for (size_t k = 0; k < o.hand_count; ++k) {
    const c_hand *h = &o.hands[k];
    assert_int_equal(match_hand(&o, h), MATCH_SAME);
    assert_int_equal(h->holding_in, RF_UNKNOWN);
    assert_int_equal(h->holding_out, RF_UNKNOWN);
    assert_int_equal(h->has_scores, 0);
    assert_true(h->conf >= 0.6 && h->conf <= 1.0);
  }
  out_free(&o);

  camera_run("missed_rate=0.1", 22, &o);
  for (size_t k = 0; k < o.hand_count; ++k)
    assert_int_equal(match_hand(&o, &o.hands[k]), MATCH_SAME);
  assert_true(o.hand_count <= o.position_count);
  expect_rate("missed_rate", o.position_count - o.hand_count, o.position_count, 0.1);
  out_free(&o);
}

static void cameras_lose_identities_at_their_rate(void **state) {
  (void)state;
  sim_out o;
  camera_run("anonymous_rate=0.2", 23, &o);
  size_t anonymous = 0;
  for (size_t k = 0; k < o.hand_count; ++k) {
    const c_hand *h = &o.hands[k];
    if (h->shopper < 0) {
      ++anonymous;
      assert_true(h->conf >= 0.3 && h->conf <= 0.8);
    } else {
      assert_int_equal(match_hand(&o, h), MATCH_SAME);
    }
  }
  assert_int_equal(o.hand_count, o.position_count);
  expect_rate("anonymous_rate", anonymous, o.hand_count, 0.2);
  out_free(&o);

  camera_run("wrong_id_rate=0.05", 24, &o);
  size_t wrong = 0, identified = 0;
  for (size_t k = 0; k < o.hand_count; ++k) {
    const c_hand *h = &o.hands[k];
    assert_true(h->shopper >= 0);
    ++identified;
    int m = match_hand(&o, h);
    assert_true(m != MATCH_NONE);
    if (m == MATCH_OTHER) {
      ++wrong;
      /* Someone else who was in the store at the time. */
      const c_shopper *s = &o.shoppers[h->shopper];
      assert_true(s->enter < h->t0 && s->exit > h->t0);
    }
  }
  expect_rate("wrong_id_rate", wrong, identified, 0.05);
  out_free(&o);
}

/* False hands: hands matching no reach. They name someone in the store at the time: seen after
 * they came in and before they left. */
static void false_hands_at(double rate, uint64_t seed) {
  char sets[64];
  snprintf(sets, sizeof sets, "false_rate=%g", rate);
  sim_out o;
  camera_run(sets, seed, &o);
  size_t false_hands = 0, outside = 0;
  for (size_t k = 0; k < o.hand_count; ++k) {
    const c_hand *h = &o.hands[k];
    assert_true(h->shopper >= 0);
    if (match_hand(&o, h) != MATCH_NONE) continue;
    ++false_hands;
    const c_shopper *s = &o.shoppers[h->shopper];
    outside += h->t0 <= s->enter || h->t1 >= s->exit;
  }
  assert_int_equal(o.hand_count - false_hands, o.position_count);
  expect_rate("false_rate", false_hands, o.position_count, rate);
  print_message("  false hands outside their shopper's stay: %zu of %zu\n", outside, false_hands);
  assert_int_equal(outside, 0);
  out_free(&o);
}

static void cameras_see_false_hands_at_their_rate(void **state) {
  (void)state;
  false_hands_at(0.05, 25);
  false_hands_at(1, 30);
}

/* With hints on every hand, each hint is right at hint_reliability: holding_out is whether the
 * cart took something during the reach, holding_in whether it put something back, and the scored
 * sku is the first item moved. One shopper per cart and no crowding, so a cart's truth during a
 * hand's span is that reach's. */
static void hints_at(double reliability, uint64_t seed) {
  char sets[256];
  snprintf(sets, sizeof sets,
           "hint_share=1 hint_reliability=%g group_share=0 crowding=0 putback_share=0.2",
           reliability);
  sim_out o;
  camera_run(sets, seed, &o);
  size_t out_right = 0, in_right = 0, sku_right = 0, with_item = 0, takes = 0, puts = 0;
  for (size_t k = 0; k < o.hand_count; ++k) {
    const c_hand *h = &o.hands[k];
    assert_int_equal(match_hand(&o, h), MATCH_SAME);
    assert_true(h->holding_in == 0 || h->holding_in == 1);
    assert_true(h->holding_out == 0 || h->holding_out == 1);
    assert_int_equal(h->has_scores, 1);
    int took = 0, put = 0, first = -1;
    for (size_t q = truth_at(&o, h->t0); q < o.truth_count && o.truths[q].t <= h->t1; ++q) {
      const c_truth *t = &o.truths[q];
      if (t->shopper != h->shopper) continue;
      if (t->qty > 0) took = 1;
      else put = 1;
      if (first < 0) first = t->product;
    }
    takes += took;
    puts += put;
    out_right += h->holding_out == took;
    in_right += h->holding_in == put;
    if (first < 0) {
      assert_int_equal(h->score_count, 0); /* nothing moved: an empty sku_scores */
    } else {
      assert_int_equal(h->score_count, 1);
      ++with_item;
      sku_right += h->product == first;
    }
  }
  print_message("  %zu hands: %zu took, %zu put back\n", o.hand_count, takes, puts);
  assert_true(takes > o.hand_count / 2 && puts > o.hand_count / 20);
  expect_rate("hint_reliability (holding_out)", out_right, o.hand_count, reliability);
  expect_rate("hint_reliability (holding_in)", in_right, o.hand_count, reliability);
  expect_rate("hint_reliability (sku_scores)", sku_right, with_item, reliability);
  out_free(&o);
}

static void hints_are_right_at_their_rate(void **state) {
  (void)state;
  hints_at(0.8, 26);
  hints_at(0.4, 29);
  sim_out o;
  camera_run("hint_share=0.5", 27, &o);
  size_t hinted = 0;
  for (size_t k = 0; k < o.hand_count; ++k) {
    const c_hand *h = &o.hands[k];
    int has = h->holding_out != RF_UNKNOWN;
    assert_int_equal(h->holding_in != RF_UNKNOWN, has);
    assert_int_equal(h->has_scores, has);
    hinted += has;
  }
  expect_rate("hint_share", hinted, o.hand_count, 0.5);
  out_free(&o);
}

/* Timing noise moves hands around their reach by about time_jitter_s. */
static void camera_timing_jitters_at_its_sd(void **state) {
  (void)state;
  sim_out o;
  camera_run("time_jitter_s=0.2 crowding=0 group_share=0", 28, &o);
  assert_int_equal(o.hand_count, o.position_count);
  /* Each shopper's hands and positions in time order pair up one to one. */
  double sum = 0, sum2 = 0;
  size_t n = 0;
  for (size_t s = 0; s < o.shopper_count; ++s) {
    size_t hi = 0, pi = 0;
    for (;;) {
      while (hi < o.hand_count && o.hands[hi].shopper != (int)s) ++hi;
      while (pi < o.position_count && o.positions[pi].shopper != (int)s) ++pi;
      if (hi == o.hand_count || pi == o.position_count) break;
      double d = (double)(o.hands[hi].t0 - o.positions[pi].t) / 1e6;
      sum += d;
      sum2 += d * d;
      ++n;
      ++hi;
      ++pi;
    }
  }
  assert_int_equal(n, o.hand_count);
  double mean = sum / (double)n, sd = sqrt(sum2 / (double)n - mean * mean);
  print_message("  time jitter: mean %.4f s, sd %.4f s (configured 0.2, n = %zu)\n", mean, sd, n);
  assert_true(fabs(mean) < 4 * 0.2 / sqrt((double)n));
  assert_true(fabs(sd - 0.2) < 4 * 0.2 / sqrt(2.0 * (double)n));
  out_free(&o);
}

/* Whether truth move q is cancelled by a move of the same sku the other way within the load
 * cells' merge window (0.8 s): an item put back where it was just taken (a group shares a cart)
 * or taken right after it was put back. Same item, same place: the shelf sees no change at all.
 * `unseen`, when given, says which moves no delta covers; the partner must be one of them. */
static int cancelled(const sim_out *o, size_t q, const char *unseen) {
  const c_truth *t = &o->truths[q];
  for (size_t u = q; u-- > 0 && t->t - o->truths[u].t <= 800000;)
    if (o->truths[u].qty == -t->qty && o->truths[u].product == t->product && (!unseen || unseen[u]))
      return 1;
  for (size_t u = q + 1; u < o->truth_count && o->truths[u].t - t->t <= 800000; ++u)
    if (o->truths[u].qty == -t->qty && o->truths[u].product == t->product && (!unseen || unseen[u]))
      return 1;
  return 0;
}

/* Hands sorted by shopper, then start: with perfect cameras, each shopper's reaches in order. */
static int by_shopper_time(const void *a, const void *b) {
  const c_hand *x = a, *y = b;
  if (x->shopper != y->shopper) return x->shopper - y->shopper;
  if (x->t0 != y->t0) return x->t0 < y->t0 ? -1 : 1;
  return 0;
}

/* Crowding: a reach where another shopper reaches into the same shelf at nearly the same moment
 * (within 0.5 s). Without it, that is rare and a shopper's reaches follow one another with a walk
 * of at least 5 s between. With it, some of a shopper's own reaches overlap (a join may go back
 * up to 30 s): measured and printed, see the report. */
typedef struct crowd {
  size_t reaches, shared, gaps, overlaps, short_walks;
} crowd;

static crowd crowd_of(double crowding, uint64_t seed) {
  char sets[128];
  snprintf(sets, sizeof sets, "crowding=%g group_share=0 putback_share=0", crowding);
  sim_out o;
  camera_run(sets, seed, &o);
  crowd c = {o.hand_count, 0, 0, 0, 0};
  qsort(o.hands, o.hand_count, sizeof *o.hands, by_shopper_time);
  for (size_t k = 0; k < o.hand_count; ++k) {
    const c_hand *h = &o.hands[k];
    for (size_t j = 0; j < o.hand_count; ++j) {
      const c_hand *g = &o.hands[j];
      if (g->shopper != h->shopper && g->shelf == h->shelf && llabs(g->t0 - h->t0) <= 500000) {
        c.shared++;
        break;
      }
    }
    if (k > 0 && o.hands[k - 1].shopper == h->shopper) {
      c.gaps++;
      c.overlaps += h->t0 < o.hands[k - 1].t1;
      c.short_walks += h->t0 < o.hands[k - 1].t1 + 5000000;
    }
  }
  print_message("  crowding %.1f: %zu reaches, %.3f shared with another shopper; of %zu "
                "successive reaches of one shopper %zu overlap, %zu follow within 5 s\n",
                crowding, c.reaches, (double)c.shared / (double)c.reaches, c.gaps, c.overlaps,
                c.short_walks);
  out_free(&o);
  return c;
}

static void crowding_shares_shelves(void **state) {
  (void)state;
  crowd none = crowd_of(0, 51), half = crowd_of(0.5, 51);
  assert_int_equal(none.overlaps, 0);
  assert_int_equal(none.short_walks, 0);
  /* By chance alone: some 60 reaches per shelf, so ~6% have another within 0.5 s. */
  assert_true((double)none.shared / (double)none.reaches < 0.12);
  /* A joining reach and the one it joins are both shared. */
  assert_true((double)half.shared / (double)half.reaches > 0.5);
}

/* ---- load cells ---- */

/* Every delta's plates are on its shelf, each once, left to right. */
static void check_delta_plates(const sim_out *o) {
  for (size_t d = 0; d < o->delta_count; ++d) {
    const c_delta *dl = &o->deltas[d];
    assert_true(dl->count >= 1 && dl->t0 <= dl->t1);
    for (size_t k = 0; k < dl->count; ++k) {
      const c_plate *pl = &o->plates[o->changes[dl->first + k].plate];
      if (pl->shelf != dl->shelf)
        fail_msg("a delta of shelf %s lists a plate of shelf %s",
                 o->nm.s[o->shelves[dl->shelf].name], o->nm.s[o->shelves[pl->shelf].name]);
      if (k > 0) assert_true(o->plates[o->changes[dl->first + k - 1].plate].k < pl->k);
    }
  }
}

/* Whether the k-th change of a delta is a neighbour that saw no real change: a listed plate is
 * listed because it or a plate next to it changed, so one whose neighbour on either side exists
 * and is not listed did not change itself. */
static int quiet_neighbour(const sim_out *o, const c_delta *d, size_t k) {
  const c_plate *pl = &o->plates[o->changes[d->first + k].plate];
  const c_shelf *sh = &o->shelves[d->shelf];
  int left_listed = k > 0 && o->plates[o->changes[d->first + k - 1].plate].k == pl->k - 1;
  int right_listed = k + 1 < d->count &&
                     o->plates[o->changes[d->first + k + 1].plate].k == pl->k + 1;
  return (pl->k > 0 && !left_listed) || (pl->k + 1 < sh->plate_count && !right_listed);
}

static void load_cell_noise_is_as_configured(void **state) {
  (void)state;
  const double noise = 2.0;
  rf_sim_params p = params("busy", "shoppers=300 noise_g=2");
  sim_out o;
  memset(&o, 0, sizeof o);
  run_sim(&p, 31, &o, NULL);
  check_delta_plates(&o);
  /* Quiet readings, in units of their shelf's declared noise, per plate and per shelf. */
  size_t *plate_n = calloc(o.plate_count, sizeof *plate_n);
  double *shelf_s2 = calloc(o.shelf_count, sizeof *shelf_s2);
  size_t *shelf_n = calloc(o.shelf_count, sizeof *shelf_n);
  assert_true(plate_n && shelf_s2 && shelf_n);
  double sum = 0, sum2 = 0, raw2 = 0;
  size_t n = 0;
  for (size_t d = 0; d < o.delta_count; ++d) {
    const c_delta *dl = &o.deltas[d];
    for (size_t k = 0; k < dl->count; ++k) {
      if (!quiet_neighbour(&o, dl, k)) continue;
      const c_change *c = &o.changes[dl->first + k];
      assert_true(fabs(c->g) < 6 * 1.69 * noise);
      double r = c->g / o.shelves[dl->shelf].noise;
      sum += r;
      sum2 += r * r;
      raw2 += c->g * c->g;
      ++n;
      plate_n[c->plate]++;
      shelf_s2[dl->shelf] += r * r;
      shelf_n[dl->shelf]++;
    }
  }
  assert_true(n > 1000);
  /* Per-plate noise is the shelf's times U(0.7, 1.3): E[v^2] = 1.03. The spread of v^2 over the
   * plates sampled (sd 0.35, Kish effective count) and of s^2 (2/n) give the tolerance. */
  double plate_n2 = 0;
  for (size_t k = 0; k < o.plate_count; ++k) plate_n2 += (double)plate_n[k] * (double)plate_n[k];
  double effective = (double)n * (double)n / plate_n2;
  double var = sum2 / (double)n, expected = 1.03;
  double tol = 4 * sqrt(2.0 / (double)n + 0.35 * 0.35 / effective) + 0.01;
  print_message("  quiet plates: n = %zu on %.0f effective plates; mean %.4f, variance %.4f of the "
                "shelf's noise^2 (expected %.2f +- %.3f); sd %.3f g (noise_g %.1f, expected "
                "%.3f)\n",
                n, effective, sum / (double)n, var, expected, tol, sqrt(raw2 / (double)n), noise,
                noise * sqrt(1.03 * 1.03));
  assert_true(fabs(sum / (double)n) < 4 / sqrt((double)n) * 1.2);
  assert_true(fabs(var - expected) < tol);
  /* In grams against noise_g: shelf factor u and plate factor v, both U(0.7, 1.3), so
   * E[(uv)^2] = 1.0609; the spread of u^2 over the shelves sampled adds var 0.128 / shelves. */
  double shelf_n2 = 0;
  for (size_t k = 0; k < o.shelf_count; ++k) {
    shelf_n2 += (double)shelf_n[k] * (double)shelf_n[k];
    double u = o.shelves[k].noise / noise;
    assert_true(u >= 0.7 - 0.005 && u <= 1.3 + 0.005);
  }
  double raw = raw2 / (double)n / (noise * noise), shelves_eff = (double)n * (double)n / shelf_n2;
  double raw_tol = 4 * sqrt(2.0 / (double)n + 0.143 / effective + 0.128 / shelves_eff) + 0.01;
  print_message("  in grams: variance %.4f of noise_g^2 (expected 1.0609 +- %.3f, %.0f effective "
                "shelves)\n",
                raw, raw_tol, shelves_eff);
  assert_true(fabs(raw - 1.0609) < raw_tol);
  /* Each shelf's quiet readings spread within its plates' range: 0.7 .. 1.3 of the shelf's. */
  size_t shelves_tested = 0;
  for (size_t s = 0; s < o.shelf_count; ++s) {
    if (shelf_n[s] < 30) continue;
    ++shelves_tested;
    double sd = sqrt(shelf_s2[s] / (double)shelf_n[s]), slack = 4 / sqrt(2.0 * (double)shelf_n[s]);
    if (sd < 0.7 * (1 - slack) || sd > 1.3 * (1 + slack))
      fail_msg("shelf %s: quiet readings spread %.3f of its declared noise over %zu readings",
               o.nm.s[o.shelves[s].name], sd, shelf_n[s]);
  }
  assert_true(shelves_tested >= o.shelf_count / 2);
  free(plate_n);
  free(shelf_s2);
  free(shelf_n);
  out_free(&o);
}

/* Without noise a delta reads the items that moved: quiet neighbours exactly 0, every reading a
 * tenth of a gram, the shelf's sum minus the catalog weights of the truth moved there (each item
 * within a few of its product's sd), and every truth move inside exactly one delta of its home
 * shelf. No wrong-shelf put-backs, so every item moves on its home shelf. */
static void load_cells_without_noise_read_the_items(void **state) {
  (void)state;
  rf_sim_params p = params("busy", "shoppers=300 noise_g=0 wrong_shelf_share=0 putback_share=0.15");
  sim_out o;
  memset(&o, 0, sizeof o);
  run_sim(&p, 32, &o, NULL);
  check_delta_plates(&o);
  size_t quiet = 0, multi = 0;
  double worst = 0;
  char *covered = calloc(o.truth_count + 1, 1);
  assert_non_null(covered);
  for (size_t d = 0; d < o.delta_count; ++d) {
    const c_delta *dl = &o.deltas[d];
    double sum = 0;
    for (size_t k = 0; k < dl->count; ++k) {
      double g = o.changes[dl->first + k].g;
      assert_true(fabs(g * 10 - round(g * 10)) < 1e-6);
      if (quiet_neighbour(&o, dl, k)) {
        ++quiet;
        assert_true(g == 0.0);
      }
      sum += g;
    }
    double expected = 0, var = 0;
    size_t moves = 0;
    for (size_t q = truth_at(&o, dl->t0); q < o.truth_count && o.truths[q].t <= dl->t1; ++q) {
      const c_product *pr = &o.products[o.truths[q].product];
      if (pr->home_shelf != dl->shelf) continue;
      expected -= (double)o.truths[q].qty * pr->weight;
      var += pr->sd * pr->sd;
      ++moves;
      assert_int_equal(covered[q]++, 0);
    }
    if (moves == 0)
      fail_msg("a delta of shelf %s with no truth", o.nm.s[o.shelves[dl->shelf].name]);
    multi += moves > 1;
    double err = fabs(sum - expected), tol = 0.05 * (double)dl->count + 5 * sqrt(var) + 1e-6;
    if (err / tol > worst) worst = err / tol;
    if (err > tol)
      fail_msg("delta of shelf %s at %lld: reads %.1f g, the truth's items weigh %.2f g",
               o.nm.s[o.shelves[dl->shelf].name], (long long)dl->t0, sum, expected);
  }
  /* Every move is in a delta, but for moves that cancel out. */
  size_t unseen = 0, paired = 0;
  for (size_t q = 0; q < o.truth_count; ++q) covered[q] = !covered[q]; /* now: unseen */
  for (size_t q = 0; q < o.truth_count; ++q) {
    if (!covered[q]) continue;
    ++unseen;
    paired += cancelled(&o, q, covered);
  }
  print_message("  %zu deltas (%zu of several items), %zu quiet readings all 0, worst error "
                "%.2f of its tolerance; %zu of %zu moves unseen, %zu of them cancelled out\n",
                o.delta_count, multi, quiet, worst, unseen, o.truth_count, paired);
  assert_true(quiet > 500);
  assert_int_equal(unseen, paired);
  assert_true(unseen < o.truth_count / 100);
  free(covered);
  out_free(&o);
}

/* ---- behaviour knobs ---- */

static void browsers_take_nothing(void **state) {
  (void)state;
  rf_sim_params p =
      params("busy", "shoppers=100 browse_share=1 putback_share=0 multi_take_share=0");
  sim_out o;
  memset(&o, 0, sizeof o);
  run_sim(&p, 41, &o, NULL);
  assert_int_equal(o.delta_count, 0);
  assert_int_equal(o.truth_count, 0);
  assert_true(o.hand_count > 0 && o.position_count > 0);
  for (size_t k = 0; k < o.receipt_count; ++k) assert_int_equal(o.receipts[k].count, 0);
  out_free(&o);
}

static void no_putbacks_without_putback_share(void **state) {
  (void)state;
  rf_sim_params p = params("adversarial", "shoppers=200 putback_share=0");
  sim_out o;
  memset(&o, 0, sizeof o);
  run_sim(&p, 42, &o, NULL);
  assert_true(o.truth_count > 200);
  for (size_t q = 0; q < o.truth_count; ++q) assert_int_equal(o.truths[q].qty, 1);
  out_free(&o);
}

/* Where each put-back landed, found by time: on its home shelf (a delta there covers it), or
 * elsewhere (a delta of a shelf without that sku's facing covers it, with a plate gaining at
 * least 15 g: every item weighs 40 g or more and lies on at most two plates), or nowhere the
 * load cells saw (cancelled by a take), or unexplained. */
typedef struct putbacks {
  size_t total, home, wrong, cancelled, unexplained;
} putbacks;

static putbacks putback_places(const sim_out *o) {
  putbacks pb = {0, 0, 0, 0, 0};
  for (size_t q = 0; q < o->truth_count; ++q) {
    const c_truth *t = &o->truths[q];
    if (t->qty > 0) continue;
    ++pb.total;
    int at_home = 0, elsewhere = 0;
    int hs = o->products[t->product].home_shelf;
    for (size_t d = 0; d < o->delta_count; ++d) {
      const c_delta *dl = &o->deltas[d];
      if (dl->t0 > t->t || dl->t1 < t->t) continue;
      if (dl->shelf == hs) {
        at_home = 1;
        continue;
      }
      for (size_t k = 0; k < dl->count; ++k) elsewhere |= o->changes[dl->first + k].g >= 15.0;
    }
    if (at_home) pb.home++;
    else if (elsewhere) pb.wrong++;
    else if (cancelled(o, q, NULL)) pb.cancelled++;
    else pb.unexplained++;
  }
  return pb;
}

static void wrong_shelf_putbacks(void **state) {
  (void)state;
  double share[3] = {0, 0.5, 1};
  double rate[3];
  size_t seen[3];
  for (int k = 0; k < 3; ++k) {
    char sets[256];
    snprintf(sets, sizeof sets, "shoppers=300 putback_share=0.5 crowding=0 wrong_shelf_share=%g",
             share[k]);
    rf_sim_params p = params("busy", sets);
    sim_out o;
    memset(&o, 0, sizeof o);
    run_sim(&p, 43, &o, NULL);
    putbacks pb = putback_places(&o);
    assert_true(pb.total > 300);
    seen[k] = pb.home + pb.wrong;
    rate[k] = (double)pb.wrong / (double)seen[k];
    print_message("  wrong_shelf_share %.1f: %zu put-backs, %zu at home, %zu on another shelf "
                  "(%.3f), %zu cancelled by a take, %zu unexplained\n",
                  share[k], pb.total, pb.home, pb.wrong, rate[k], pb.cancelled, pb.unexplained);
    assert_true(pb.cancelled + pb.unexplained <= pb.total / 50);
    if (k == 0) {
      assert_int_equal(pb.wrong, 0);
      assert_int_equal(pb.unexplained, 0);
    }
    out_free(&o);
  }
  /* At 1 nearly every put-back lands away (all but those made at the item's own shelf). */
  assert_true(rate[2] > 0.8);
  /* At 0.5, about half of those. */
  double half = rate[2] / 2, se = sqrt(half * (1 - half) / (double)seen[1]);
  assert_true(fabs(rate[1] - half) < 4 * se + 0.02);
}

static void groups_share_carts(void **state) {
  (void)state;
  rf_sim_params p = params("busy", "shoppers=300 group_share=0");
  sim_out o;
  memset(&o, 0, sizeof o);
  run_sim(&p, 44, &o, NULL);
  assert_int_equal(o.link_count, 0);
  assert_int_equal(o.receipt_count, 300);
  out_free(&o);

  p = params("busy", "shoppers=300 group_share=0.5");
  memset(&o, 0, sizeof o);
  run_sim(&p, 45, &o, NULL);
  check_links(&o);
  check_truth(&o);
  /* The first shopper generated cannot join anyone: 299 trials. */
  expect_rate("group_share", o.link_count, 299, 0.5);
  assert_int_equal(o.receipt_count, 300 - o.link_count);
  out_free(&o);
}

/* ---- the knob API ---- */

static void knobs_are_listed_and_round_trip(void **state) {
  (void)state;
  size_t n = rf_sim_knob_count();
  assert_true(n >= 25);
  for (size_t i = 0; i < n; ++i) {
    const char *name = rf_sim_knob_name(i), *help = rf_sim_knob_help(i);
    assert_non_null(name);
    assert_non_null(help);
    assert_true(strlen(name) > 0 && strlen(help) > 0);
    for (size_t j = 0; j < i; ++j) assert_string_not_equal(rf_sim_knob_name(j), name);
  }
  assert_null(rf_sim_knob_name(n));
  assert_null(rf_sim_knob_help(n));
  /* Every preset's every knob: get, set on a copy, the copy is unchanged. */
  const char *presets[] = {"easy", "busy", "adversarial", "day", "large", "chaos"};
  for (size_t k = 0; k < 6; ++k) {
    rf_sim_params p, q;
    assert_int_equal(rf_sim_preset(&p, presets[k]), 0);
    char msg[256];
    assert_int_equal(rf_sim_check(&p, msg, sizeof msg), 0);
    q = p;
    for (size_t i = 0; i < n; ++i) {
      char buf[64];
      assert_int_equal(rf_sim_get(&p, rf_sim_knob_name(i), buf, sizeof buf), 0);
      assert_int_equal(rf_sim_set(&q, rf_sim_knob_name(i), buf), 0);
    }
    assert_memory_equal(&p, &q, sizeof p);
  }
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, "busy"), 0);
  char buf[64];
  assert_int_equal(rf_sim_set(&p, "shoppers", "123"), 0);
  assert_int_equal(p.shoppers, 123);
  assert_int_equal(rf_sim_get(&p, "shoppers", buf, sizeof buf), 0);
  assert_string_equal(buf, "123");
  assert_int_equal(rf_sim_set(&p, "missed_rate", "0.25"), 0);
  assert_true(p.missed_rate == 0.25);
  assert_int_equal(rf_sim_get(&p, "missed_rate", buf, sizeof buf), 0);
  assert_string_equal(buf, "0.25");
  assert_int_equal(rf_sim_set(&p, "gondolas", "1000"), 0); /* the bounds are in range */
  assert_int_equal(rf_sim_set(&p, "gondolas", "1"), 0);
  assert_int_equal(rf_sim_set(&p, "reaches_min", "3.0"), 0); /* a whole number written so */
  assert_int_equal(p.reaches_min, 3);
}

static void knobs_refuse_bad_values(void **state) {
  (void)state;
  rf_sim_params p, before;
  assert_int_equal(rf_sim_preset(&p, "busy"), 0);
  before = p;
  char buf[64];
  assert_int_equal(rf_sim_set(&p, "wobble", "1"), RF_ENOTFOUND);
  assert_int_equal(rf_sim_get(&p, "wobble", buf, sizeof buf), RF_ENOTFOUND);
  assert_int_equal(rf_sim_set(&p, NULL, "1"), RF_ENOTFOUND);
  assert_int_equal(rf_sim_set(&p, "shoppers", NULL), RF_EINVAL);
  assert_int_equal(rf_sim_set(NULL, "shoppers", "3"), RF_EINVAL);
  const char *bad[][2] = {
      {"shoppers", "2.5"},     {"shoppers", "-3"},
      {"shoppers", "abc"},     {"shoppers", ""},
      {"shoppers", "30x"},     {"shoppers", "1000001"},
      {"gondolas", "0"},       {"gondolas", "1001"},
      {"missed_rate", "1.5"},  {"missed_rate", "-0.1"},
      {"missed_rate", "nan"},  {"missed_rate", "inf"},
      {"noise_g", "1e400"},    {"plate_width_m", "0.01"},
      {"samples_mode", "2"},   {"camera_delay_max_s", "2.5"},
      {"reaches_max", "7.5"},  {"cameras", "0"},
      {"sources", "2"},        {"duplicate_rate", "1.01"},
      {"outage_camera", "-1"}, {"camera_jitter_s", "-1"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    int rc = rf_sim_set(&p, bad[i][0], bad[i][1]);
    if (rc != RF_ERANGE)
      fail_msg("rf_sim_set(%s, \"%s\") gave %s, not ERANGE", bad[i][0], bad[i][1], rf_err_name(rc));
  }
  assert_memory_equal(&p, &before, sizeof p); /* a refusal changes nothing */
}

static void check_refuses(const rf_sim_params *p, int code, const char *needle) {
  char msg[256] = "";
  int rc = rf_sim_check(p, msg, sizeof msg);
  if (rc != code || strstr(msg, needle) == NULL)
    fail_msg("rf_sim_check gave %s '%s'; expected %s naming '%s'", rf_err_name(rc), msg,
             rf_err_name(code), needle);
}

static void check_catches_inconsistent_parameters(void **state) {
  (void)state;
  rf_sim_params p, base;
  assert_int_equal(rf_sim_preset(&base, "busy"), 0);
  p = base;
  p.plates_min = 8;
  p.plates_max = 7;
  check_refuses(&p, RF_ERANGE, "plates_max");
  p = base;
  p.reaches_min = 5;
  p.reaches_max = 4;
  check_refuses(&p, RF_ERANGE, "reaches_max");
  p = base;
  p.browse_share = 0.5;
  p.putback_share = 0.3;
  p.multi_take_share = 0.25;
  check_refuses(&p, RF_ERANGE, "share");
  p = base;
  p.cameras = 4;
  p.outage_camera = 5;
  check_refuses(&p, RF_ERANGE, "outage_camera");
  p = base;
  p.version = RF_SIM_PARAMS_VERSION + 1;
  check_refuses(&p, RF_EVERSION, "version");
  p = base;
  p.missed_rate = 1.5;
  check_refuses(&p, RF_ERANGE, "missed_rate");
  p = base;
  p.noise_g = NAN;
  check_refuses(&p, RF_ERANGE, "noise_g");
  p = base;
  p.shoppers = -1;
  check_refuses(&p, RF_ERANGE, "shoppers");
  assert_int_equal(rf_sim_check(NULL, NULL, 0), RF_EINVAL);
  /* rf_sim_run checks first and calls no sink. */
  sink_ctx c;
  memset(&c, 0, sizeof c);
  p = base;
  p.plates_max = 0;
  assert_int_equal(rf_sim_run(&p, 1, sink, &c, sink, &c, NULL), RF_ERANGE);
  assert_int_equal(c.records, 0);
  assert_int_equal(rf_sim_run(NULL, 1, sink, &c, sink, &c, NULL), RF_EINVAL);
  assert_int_equal(rf_sim_run(&base, 1, NULL, &c, sink, &c, NULL), RF_EINVAL);
  assert_int_equal(rf_sim_run(&base, 1, sink, &c, NULL, &c, NULL), RF_EINVAL);
  /* Presets: six names, nothing else. */
  assert_int_equal(rf_sim_preset(&p, "chaotic"), RF_ENOTFOUND);
  assert_int_equal(rf_sim_preset(&p, ""), RF_ENOTFOUND);
  assert_int_equal(rf_sim_preset(&p, "Busy"), RF_ENOTFOUND);
  assert_int_equal(rf_sim_preset(NULL, "busy"), RF_EINVAL);
  assert_int_equal(rf_sim_preset(&p, NULL), RF_EINVAL);
}

/* ---- what the store declares ---- */

typedef struct declares {
  int shelves, products, noise, spread;
} declares;

static int count_declared(const rf_record *r, void *payload) {
  declares *d = payload;
  if (r->type == RF_RECORD_SHELF) {
    d->shelves++;
    d->noise += r->u.shelf.has_noise;
  }
  if (r->type == RF_RECORD_PRODUCT) {
    d->products++;
    d->spread += r->u.product.has_weight_sd;
  }
  return 0;
}

static int discard(const rf_record *r, void *payload) {
  (void)r;
  (void)payload;
  return 0;
}

/* Every shelf declares its noise and every product its spread, unless `declared` is 0: then
 * none does (a store that does not know them), on either layout. */
static void stores_may_leave_noise_undeclared(void **state) {
  (void)state;
  const char *presets[2] = {"busy", "realistic"};
  for (int k = 0; k < 2; ++k)
    for (int declared = 0; declared <= 1; ++declared) {
      rf_sim_params p = params(presets[k], declared ? "shoppers=2" : "shoppers=2 declared=0");
      declares d = {0, 0, 0, 0};
      assert_int_equal(rf_sim_run(&p, 5, count_declared, &d, discard, NULL, NULL), RF_OK);
      assert_true(d.shelves > 0 && d.products > 0);
      assert_int_equal(d.noise, declared ? d.shelves : 0);
      assert_int_equal(d.spread, declared ? d.products : 0);
    }
}

/* ---- sinks and allocation ---- */

typedef struct stopper {
  long calls, stop_at;
  int code;
} stopper;

static int stopping_sink(const rf_record *r, void *payload) {
  (void)r;
  stopper *s = payload;
  return ++s->calls == s->stop_at ? s->code : 0;
}

static void a_sink_stops_the_run(void **state) {
  (void)state;
  rf_sim_params p = params("busy", "shoppers=10");
  test_alloc ta;
  rf_allocator a = test_alloc_make(&ta, 0);
  stopper sc = {0, 0, 0}, tc = {0, 0, 0};
  assert_int_equal(rf_sim_run(&p, 5, stopping_sink, &sc, stopping_sink, &tc, &a), 0);
  assert_int_equal(ta.live, 0);
  long scenario_records = sc.calls, truth_records = tc.calls;
  assert_true(scenario_records > 100 && truth_records > 10);
  /* The scenario sink stops it: in the store description, among the events, at the last. */
  long stops[] = {1, 50, scenario_records / 2, scenario_records};
  for (size_t i = 0; i < 4; ++i) {
    sc = (stopper){0, stops[i], 42};
    tc = (stopper){0, 0, 0};
    a = test_alloc_make(&ta, 0);
    assert_int_equal(rf_sim_run(&p, 5, stopping_sink, &sc, stopping_sink, &tc, &a), 42);
    assert_int_equal(sc.calls, stops[i]);
    assert_int_equal(tc.calls, 0);
    assert_int_equal(ta.live, 0);
  }
  /* The truth sink stops it, with a library code too. */
  sc = (stopper){0, 0, 0};
  tc = (stopper){0, truth_records - 1, RF_EIO};
  a = test_alloc_make(&ta, 0);
  assert_int_equal(rf_sim_run(&p, 5, stopping_sink, &sc, stopping_sink, &tc, &a), RF_EIO);
  assert_int_equal(sc.calls, scenario_records);
  assert_int_equal(tc.calls, truth_records - 1);
  assert_int_equal(ta.live, 0);
}

/* Every allocation of a run fails in turn, with and without the stream faults. */
static void allocation_failures_are_clean(const char *sets) {
  rf_sim_params p = params("easy", sets);
  test_alloc ta;
  rf_allocator a = test_alloc_make(&ta, 0);
  stopper sc = {0, 0, 0}, tc = {0, 0, 0};
  assert_int_equal(rf_sim_run(&p, 9, stopping_sink, &sc, stopping_sink, &tc, &a), 0);
  long calls = ta.calls;
  assert_true(calls > 10);
  for (long k = 1; k <= calls; ++k) {
    a = test_alloc_make(&ta, k);
    sc.calls = tc.calls = 0;
    int rc = rf_sim_run(&p, 9, stopping_sink, &sc, stopping_sink, &tc, &a);
    if (rc != RF_ENOMEM)
      fail_msg("allocation %ld of %ld failing gave %s", k, calls, rf_err_name(rc));
    assert_int_equal(ta.live, 0);
  }
}

static void every_allocation_failure_is_clean(void **state) {
  (void)state;
  allocation_failures_are_clean(NULL);
  allocation_failures_are_clean("duplicate_rate=0.5 stray_id_rate=0.5 unknown_shelf_rate=0.5 "
                                "camera_delay_s=3 camera_jitter_s=1 cameras=3 outage_camera=1 "
                                "outage_s=30");
}

/* ---- samples mode ---- */

typedef struct samples_seen {
  rf_scenario_check *check;
  size_t failures, deltas, records;
  double product_weight[512];
  char skus[512][24];
  size_t products;
  double first_mean[4096], last_mean[4096];
  int64_t next_t[4096];
  size_t plates, gaps;
  int64_t dt;
  double moved_g; /* minus the weight the truth says left the shelves */
} samples_seen;

static size_t plate_slot(samples_seen *s, const char *plate) {
  /* Plates come shelf by shelf as G<g>S<s>P<k>; a linear table is enough for a test. */
  static char plate_names[4096][32];
  for (size_t i = 0; i < s->plates; ++i)
    if (strcmp(plate_names[i], plate) == 0) return i;
  snprintf(plate_names[s->plates], sizeof plate_names[0], "%s", plate);
  s->first_mean[s->plates] = NAN;
  s->next_t[s->plates] = -1;
  return s->plates++;
}

static int samples_sink(const rf_record *r, void *payload) {
  samples_seen *s = payload;
  if (r->type <= RF_RECORD_HAND && rf_scenario_check_record(s->check, r) != 0) s->failures++;
  if (r->type == RF_RECORD_PRODUCT) {
    snprintf(s->skus[s->products], sizeof s->skus[0], "%s", r->u.product.sku);
    s->product_weight[s->products++] = r->u.product.weight_g;
  }
  if (r->type == RF_RECORD_DELTA) s->deltas++;
  if (r->type == RF_RECORD_TRUTH)
    for (size_t i = 0; i < s->products; ++i)
      if (strcmp(s->skus[i], r->u.truth.sku) == 0)
        s->moved_g -= (double)r->u.truth.qty * s->product_weight[i];
  if (r->type == RF_RECORD_SAMPLES) {
    size_t slot = plate_slot(s, r->u.samples.plate);
    double mean = 0;
    for (size_t i = 0; i < r->u.samples.count; ++i) mean += r->u.samples.g[i];
    mean /= (double)r->u.samples.count;
    if (isnan(s->first_mean[slot])) s->first_mean[slot] = mean;
    s->last_mean[slot] = mean;
    /* Each plate's records follow each other with no gap and no overlap. */
    if (s->next_t[slot] >= 0 && r->u.samples.t != s->next_t[slot]) s->gaps++;
    s->next_t[slot] = r->u.samples.t + (int64_t)r->u.samples.count * r->u.samples.dt_us;
    s->dt = r->u.samples.dt_us;
    s->records++;
  }
  return 0;
}

static void samples_mode_reads_every_plate(void **state) {
  (void)state;
  rf_sim_params p = params("easy", "samples_mode=1 duration_s=20 gondolas=1 sample_hz=50");
  static samples_seen s;
  memset(&s, 0, sizeof s);
  assert_int_equal(rf_scenario_check_new(&s.check, NULL), 0);
  assert_int_equal(rf_sim_run(&p, 3, samples_sink, &s, samples_sink, &s, NULL), 0);
  rf_scenario_check_free(s.check);
  assert_int_equal(s.failures, 0);
  assert_int_equal(s.deltas, 0); /* readings instead of deltas */
  assert_int_equal(s.gaps, 0);
  assert_int_equal(s.dt, 20000); /* 50 Hz */
  assert_true(s.plates >= (size_t)(p.shelves_per_gondola * p.plates_min));
  assert_true(s.records >= s.plates * 20);
  /* What the plates lost between the first and the last second is what the truth says left,
   * within the items' spread, the drift and the noise of a one-second mean. */
  double change = 0;
  for (size_t i = 0; i < s.plates; ++i) change += s.last_mean[i] - s.first_mean[i];
  print_message("samples: %zu plates, %zu records, readings moved %.1f g, truth %.1f g\n", s.plates,
                s.records, change, s.moved_g);
  assert_true(fabs(s.moved_g) > 100.0); /* something was taken */
  assert_true(fabs(change - s.moved_g) < 0.03 * fabs(s.moved_g) + 15.0);
}

/* ---- stream faults ---- */

/* An event record as delivered, with the line the writer made of it. */
typedef struct ev_rec {
  rf_record_type type;
  char source[24];
  int has_seq;
  int64_t seq;
  int64_t end, t0;            /* end time (t, t1, the last reading); a hand's t0 */
  char shopper[32];           /* hand ("" anonymous), enter, exit */
  char shelf[32];             /* hand, delta */
  int plates, unknown_plates; /* delta: its plates, those not in the store */
  const char *text;
} ev_rec;

typedef struct stream {
  names store; /* shelves (info.shelf: their index) and plates (info.plate) */
  size_t shelves;
  names people; /* shoppers entered (info.shopper: index into enter, exit) */
  int64_t *enter, *exit;
  size_t people_count, people_cap, exit_cap;
  ev_rec *ev;
  size_t count, cap, store_records;
  rf_scenario_writer *writer;
  rf_scenario_check *check; /* optional */
  size_t refused;
  test_text text, truth;
  rf_sim_faults faults;
} stream;

static void stream_free(stream *s) {
  names_free(&s->store);
  names_free(&s->people);
  free(s->enter);
  free(s->exit);
  free(s->ev);
  free(s->text.data);
  free(s->truth.data);
  memset(s, 0, sizeof *s);
}

static void stream_store(stream *s, const rf_record *r) {
  s->store_records++;
  if (r->type != RF_RECORD_SHELF) return;
  int id = name_id(&s->store, r->u.shelf.shelf); /* may move info: not in one expression */
  s->store.info[id].shelf = (int)s->shelves++;
  for (size_t k = 0; k < r->u.shelf.plate_count; ++k) {
    id = name_id(&s->store, r->u.shelf.plates[k].plate);
    s->store.info[id].plate = (int)k;
  }
}

static void stream_person(stream *s, const rf_record *r) {
  if (r->type == RF_RECORD_ENTER) {
    int id = name_id(&s->people, r->u.enter.shopper);
    s->people.info[id].shopper = (int)s->people_count;
    size_t n = s->people_count, cap = s->exit_cap;
    PUSH(s->enter, s->people_count, s->people_cap, r->u.enter.t);
    PUSH(s->exit, n, cap, INT64_MAX);
    s->exit_cap = cap;
  } else if (r->type == RF_RECORD_EXIT) {
    s->exit[s->people.info[name_find(&s->people, r->u.exit.shopper)].shopper] = r->u.exit.t;
  }
}

static void stream_event(stream *s, const rf_record *r) {
  ev_rec e;
  memset(&e, 0, sizeof e);
  e.type = r->type;
  snprintf(e.source, sizeof e.source, "%s", r->source ? r->source : "");
  e.has_seq = r->has_seq;
  e.seq = r->seq;
  switch (r->type) {
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT:
      e.end = r->u.enter.t;
      snprintf(e.shopper, sizeof e.shopper, "%s", r->u.enter.shopper);
      break;
    case RF_RECORD_LINK: e.end = r->u.link.t; break;
    case RF_RECORD_POSITION: e.end = r->u.position.t; break;
    case RF_RECORD_SAMPLES:
      e.end = r->u.samples.t + (int64_t)(r->u.samples.count - 1) * r->u.samples.dt_us;
      break;
    case RF_RECORD_HAND:
      e.end = r->u.hand.t1;
      e.t0 = r->u.hand.t0;
      snprintf(e.shopper, sizeof e.shopper, "%s", r->u.hand.shopper ? r->u.hand.shopper : "");
      snprintf(e.shelf, sizeof e.shelf, "%s", r->u.hand.shelf);
      break;
    case RF_RECORD_DELTA:
      e.end = r->u.delta.t1;
      snprintf(e.shelf, sizeof e.shelf, "%s", r->u.delta.shelf);
      e.plates = (int)r->u.delta.plate_count;
      for (size_t k = 0; k < r->u.delta.plate_count; ++k)
        e.unknown_plates += name_find(&s->store, r->u.delta.plates[k].plate) < 0;
      break;
    default: break;
  }
  PUSH(s->ev, s->count, s->cap, e);
}

static int stream_sink(const rf_record *r, void *payload) {
  stream *s = payload;
  if (s->check && rf_scenario_check_record(s->check, r) != 0) s->refused++;
  assert_int_equal(rf_scenario_writer_write(s->writer, r), 0);
  if (rf__record_is_store(r->type)) stream_store(s, r);
  else {
    stream_person(s, r);
    stream_event(s, r);
  }
  return 0;
}

static int truth_text_sink(const rf_record *r, void *payload) {
  return rf_scenario_writer_write(payload, r);
}

/* Runs a preset with overrides; the scenario's lines are attached to the events. */
static void run_stream(const char *preset, const char *sets, uint64_t seed, int check, stream *s) {
  memset(s, 0, sizeof *s);
  rf_sim_params p = params(preset, sets);
  rf_scenario_writer *truth;
  assert_int_equal(rf_scenario_writer_new(&s->writer, test_text_write, &s->text, NULL), 0);
  assert_int_equal(rf_scenario_writer_new(&truth, test_text_write, &s->truth, NULL), 0);
  if (check) assert_int_equal(rf_scenario_check_new(&s->check, NULL), 0);
  int rc = rf_sim_run_faults(&p, seed, stream_sink, s, truth_text_sink, truth, NULL, &s->faults);
  assert_int_equal(rc, 0);
  assert_int_equal(rf_scenario_writer_close(s->writer), 0);
  assert_int_equal(rf_scenario_writer_close(truth), 0);
  rf_scenario_check_free(s->check);
  s->check = NULL;
  assert_int_equal(test_text_write("", 1, &s->text), 0); /* ends the last line's string */
  char *line = s->text.data;
  for (size_t k = 0; k < s->store_records + s->count; ++k) {
    char *nl = strchr(line, '\n');
    assert_non_null(nl);
    *nl = '\0';
    if (k >= s->store_records) s->ev[k - s->store_records].text = line;
    line = nl + 1;
  }
}

static int is_known_shelf(const stream *s, const char *shelf) {
  int id = name_find(&s->store, shelf);
  return id >= 0 && s->store.info[id].shelf >= 0;
}

/* The camera of a known shelf: neighbouring shelves in blocks, cam-1 .. cam-N. */
static void camera_name(const stream *s, const char *shelf, int cameras, char *out, size_t cap) {
  int k = s->store.info[name_find(&s->store, shelf)].shelf;
  snprintf(out, cap, "cam-%d", (int)((int64_t)k * cameras / (int64_t)s->shelves) + 1);
}

/* 1: the shopper never entered; 2: had left by t0; 0: in the store. */
static int absence(const stream *s, const char *shopper, int64_t t0) {
  int id = name_find(&s->people, shopper);
  if (id < 0) return 1;
  return s->exit[s->people.info[id].shopper] < t0 ? 2 : 0;
}

static const char *default_source(rf_record_type t) {
  if (t == RF_RECORD_DELTA || t == RF_RECORD_SAMPLES) return "shelves";
  return t == RF_RECORD_HAND ? NULL : "tracker";
}

/* The line without `"source":"...","seq":N,` (the writer puts them right after the type). */
static void strip_labels(const char *line, char *out, size_t cap) {
  const char *a = strstr(line, "\"source\":\"");
  if (a == NULL) {
    snprintf(out, cap, "%s", line);
    return;
  }
  const char *b = strstr(a, "\"seq\":");
  assert_non_null(b);
  b += 6;
  while (*b >= '0' && *b <= '9') ++b;
  assert_true(*b == ',');
  snprintf(out, cap, "%.*s%s", (int)(a - line), line, b + 1);
}

/* Each (source, seq) once in `s`; its slot: info.product the first position, info.plate the
 * count. */
static void count_deliveries(const stream *s, names *by) {
  memset(by, 0, sizeof *by);
  for (size_t k = 0; k < s->count; ++k) {
    char key[64];
    assert_true(s->ev[k].has_seq);
    snprintf(key, sizeof key, "%s#%lld", s->ev[k].source, (long long)s->ev[k].seq);
    int id = name_id(by, key);
    if (by->info[id].plate < 0) {
      by->info[id].plate = 0;
      by->info[id].product = (int)k;
    }
    by->info[id].plate++;
  }
}

static void sources_label_every_event(void **state) {
  (void)state;
  stream plain, lab;
  run_stream("busy", "shoppers=60", 31, 0, &plain);
  run_stream("busy", "shoppers=60 sources=1 cameras=4", 31, 1, &lab);
  assert_int_equal(lab.refused, 0); /* labels alone keep a valid stream */
  assert_int_equal(lab.faults.duplicates + lab.faults.stray_ids + lab.faults.unknown_shelves +
                       lab.faults.outage_held,
                   0);
  assert_int_equal(lab.count, plain.count);
  static char line[1 << 16];
  names by;
  count_deliveries(&lab, &by);
  int64_t last_end[8];
  for (size_t k = 0; k < lab.count; ++k) {
    const ev_rec *e = &lab.ev[k];
    assert_false(plain.ev[k].has_seq);
    assert_string_equal(plain.ev[k].source, "");
    strip_labels(e->text, line, sizeof line);
    assert_string_equal(line, plain.ev[k].text); /* the same stream, labelled */
    char want[24];
    if (e->type == RF_RECORD_HAND) camera_name(&lab, e->shelf, 4, want, sizeof want);
    else snprintf(want, sizeof want, "%s", default_source(e->type));
    assert_string_equal(e->source, want);
    /* Every (source, seq) once. */
    char key[64];
    snprintf(key, sizeof key, "%s#%lld", e->source, (long long)e->seq);
    assert_int_equal(by.info[name_find(&by, key)].plate, 1);
  }
  /* Each source's seq runs 0, 1, 2, ... in the order of the records' end times. */
  const char *sources[] = {"shelves", "tracker", "cam-1", "cam-2", "cam-3", "cam-4"};
  for (size_t q = 0; q < 6; ++q) {
    last_end[q] = INT64_MIN;
    for (int64_t seq = 0;; ++seq) {
      char key[64];
      snprintf(key, sizeof key, "%s#%lld", sources[q], (long long)seq);
      int id = name_find(&by, key);
      if (id < 0) {
        assert_true(seq > 10);
        break;
      }
      const ev_rec *e = &lab.ev[by.info[id].product];
      assert_true(e->end >= last_end[q]);
      last_end[q] = e->end;
    }
  }
  assert_int_equal(lab.truth.len, plain.truth.len);
  assert_memory_equal(lab.truth.data, plain.truth.data, plain.truth.len);
  names_free(&by);
  stream_free(&plain);
  stream_free(&lab);
}

/* When each record arrives, by a rule the test knows: the stream must be in that order. */
typedef int64_t (*arrival_fn)(const stream *s, const ev_rec *e, const void *arg);

static void expect_arrival_order(const stream *s, arrival_fn at, const void *arg) {
  int64_t last = INT64_MIN;
  for (size_t k = 0; k < s->count; ++k) {
    int64_t t = at(s, &s->ev[k], arg);
    if (t < last)
      fail_msg("record %zu (%s) arrives at %lld, after one at %lld", k, s->ev[k].text, (long long)t,
               (long long)last);
    last = t;
  }
}

typedef struct delivery_rule {
  int64_t delay, start, end; /* the outage window [start, end) of camera `camera` */
  const char *camera;
} delivery_rule;

static int64_t delivered_at(const stream *s, const ev_rec *e, const void *arg) {
  (void)s;
  const delivery_rule *d = arg;
  if (e->type != RF_RECORD_HAND) return e->end;
  int64_t t = e->end + d->delay;
  if (d->camera && strcmp(e->source, d->camera) == 0 && t >= d->start && t < d->end) t = d->end;
  return t;
}

/* Hands that may arrive anywhere in [t1 + lo, t1 + hi]: every other record before one has an
 * end time <= t1 + hi, every one after >= t1 + lo. */
static void expect_hands_within(const stream *s, int64_t lo, int64_t hi) {
  int64_t *after = malloc((s->count + 1) * sizeof *after);
  assert_non_null(after);
  after[s->count] = INT64_MAX;
  for (size_t k = s->count; k-- > 0;)
    after[k] = s->ev[k].type == RF_RECORD_HAND || s->ev[k].end > after[k + 1] ? after[k + 1]
                                                                              : s->ev[k].end;
  int64_t before = INT64_MIN;
  for (size_t k = 0; k < s->count; ++k) {
    const ev_rec *e = &s->ev[k];
    if (e->type != RF_RECORD_HAND) {
      if (e->end > before) before = e->end;
      continue;
    }
    assert_true(before <= e->end + hi);
    assert_true(after[k] >= e->end + lo);
  }
  free(after);
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Two streams hold the same lines, in any order. */
static void expect_same_lines(const stream *a, const stream *b) {
  assert_int_equal(a->count, b->count);
  const char **x = malloc(a->count * sizeof *x + 1), **y = malloc(b->count * sizeof *y + 1);
  assert_true(x && y);
  for (size_t k = 0; k < a->count; ++k) {
    x[k] = a->ev[k].text;
    y[k] = b->ev[k].text;
  }
  qsort(x, a->count, sizeof *x, by_text);
  qsort(y, b->count, sizeof *y, by_text);
  for (size_t k = 0; k < a->count; ++k) assert_string_equal(x[k], y[k]);
  free(x);
  free(y);
}

static void cameras_arrive_late_and_jittered(void **state) {
  (void)state;
  stream lab, s;
  run_stream("busy", "shoppers=60 sources=1 cameras=3", 32, 0, &lab);
  /* Delay 4 s, no jitter: each hand arrives at exactly t1 + 4 s. */
  run_stream("busy", "shoppers=60 cameras=3 camera_delay_s=4", 32, 0, &s);
  delivery_rule d = {4000000, 0, 0, NULL};
  expect_arrival_order(&s, delivered_at, &d);
  expect_same_lines(&s, &lab); /* records unchanged, seq included: only delivery moved */
  size_t moved = 0;
  for (size_t k = 0; k < s.count; ++k) moved += strcmp(s.ev[k].text, lab.ev[k].text) != 0;
  assert_true(moved > 0);
  stream_free(&s);
  /* Jitter: within [t1 + delay - jitter, t1 + delay + jitter], never before t1. */
  run_stream("busy", "shoppers=60 cameras=3 camera_delay_s=4 camera_jitter_s=1.5", 32, 0, &s);
  expect_hands_within(&s, 2500000, 5500000);
  expect_same_lines(&s, &lab);
  stream_free(&s);
  run_stream("busy", "shoppers=60 cameras=3 camera_jitter_s=3", 32, 0, &s);
  expect_hands_within(&s, 0, 3000000);
  expect_same_lines(&s, &lab);
  assert_int_equal(s.faults.duplicates + s.faults.stray_ids + s.faults.unknown_shelves, 0);
  stream_free(&s);
  stream_free(&lab);
}

/* Every record of `s` delivered `times` times, identically; the first deliveries are `once`. */
static size_t expect_duplicates(const stream *s, const stream *once) {
  names by;
  count_deliveries(s, &by);
  size_t k1 = 0, seconds = 0;
  for (size_t k = 0; k < s->count; ++k) {
    const ev_rec *e = &s->ev[k];
    char key[64];
    snprintf(key, sizeof key, "%s#%lld", e->source, (long long)e->seq);
    const name_info *in = &by.info[name_find(&by, key)];
    assert_in_range(in->plate, 1, 2);
    const ev_rec *first = &s->ev[in->product];
    assert_string_equal(e->text, first->text); /* a second delivery is identical */
    if (first != e) {
      ++seconds;
      /* Within 2 s of the first: records in between that arrive at their end are no later. */
      for (const ev_rec *m = first + 1; m < e && first->type != RF_RECORD_HAND; ++m)
        if (m->type != RF_RECORD_HAND) assert_true(m->end <= first->end + 2000000);
      continue;
    }
    assert_true(k1 < once->count);
    assert_string_equal(e->text, once->ev[k1++].text);
  }
  assert_int_equal(k1, once->count);
  names_free(&by);
  return seconds;
}

static void duplicates_are_identical(void **state) {
  (void)state;
  stream once, s;
  run_stream("busy", "shoppers=60 sources=1", 33, 0, &once);
  run_stream("busy", "shoppers=60 duplicate_rate=1", 33, 0, &s);
  assert_int_equal(expect_duplicates(&s, &once), once.count);
  assert_int_equal(s.faults.duplicates, once.count);
  assert_int_equal(s.truth.len, once.truth.len);
  assert_memory_equal(s.truth.data, once.truth.data, once.truth.len);
  stream_free(&s);
  run_stream("busy", "shoppers=300 duplicate_rate=0.05", 33, 0, &s);
  stream_free(&once);
  run_stream("busy", "shoppers=300 sources=1", 33, 0, &once);
  size_t seconds = expect_duplicates(&s, &once);
  assert_int_equal(s.faults.duplicates, seconds);
  expect_rate("duplicate_rate", seconds, once.count, 0.05);
  stream_free(&s);
  stream_free(&once);
  /* Raw readings too: samples records come twice, identical. */
  const char *samples = "samples_mode=1 duration_s=20 gondolas=1 sample_hz=10";
  char sets[256];
  snprintf(sets, sizeof sets, "%s sources=1", samples);
  run_stream("easy", sets, 34, 0, &once);
  snprintf(sets, sizeof sets, "%s duplicate_rate=1", samples);
  run_stream("easy", sets, 34, 0, &s);
  assert_int_equal(expect_duplicates(&s, &once), once.count);
  size_t readings = 0;
  for (size_t k = 0; k < s.count; ++k) readings += s.ev[k].type == RF_RECORD_SAMPLES;
  assert_true(readings > 100 && readings % 2 == 0);
  stream_free(&s);
  stream_free(&once);
}

/* Identified hands naming someone not in the store at their t0: how many, and of which kind. */
static size_t strays(const stream *s, size_t *identified, size_t *never, size_t *left) {
  size_t n = 0;
  *identified = *never = *left = 0;
  for (size_t k = 0; k < s->count; ++k) {
    const ev_rec *e = &s->ev[k];
    if (e->type != RF_RECORD_HAND || e->shopper[0] == '\0') continue;
    ++*identified;
    int a = absence(s, e->shopper, e->t0);
    n += a != 0;
    *never += a == 1;
    *left += a == 2;
  }
  return n;
}

static void stray_ids_name_absent_shoppers(void **state) {
  (void)state;
  size_t identified, never, left, n;
  stream s;
  run_stream("busy", "shoppers=100 sources=1", 35, 0, &s);
  assert_int_equal(strays(&s, &identified, &never, &left), 0); /* none without the knob */
  stream_free(&s);
  run_stream("busy", "shoppers=100 stray_id_rate=1", 35, 0, &s);
  n = strays(&s, &identified, &never, &left);
  print_message("  stray ids: %zu of %zu identified hands, %zu never entered, %zu had left\n", n,
                identified, never, left);
  assert_int_equal(n, identified);
  assert_int_equal(s.faults.stray_ids, n);
  assert_true(never > 0 && left > 0);
  stream_free(&s);
  run_stream("busy", "shoppers=300 stray_id_rate=0.05", 36, 0, &s);
  n = strays(&s, &identified, &never, &left);
  assert_int_equal(s.faults.stray_ids, n);
  expect_rate("stray_id_rate", n, identified, 0.05);
  stream_free(&s);
}

/* `text` with every `from` replaced by `to`. */
static void replace_all(const char *text, const char *from, const char *to, char *out, size_t cap) {
  size_t n = 0, lf = strlen(from), lt = strlen(to);
  for (const char *p = text; *p;) {
    if (strncmp(p, from, lf) == 0) {
      assert_true(n + lt < cap);
      memcpy(out + n, to, lt);
      n += lt;
      p += lf;
    } else {
      assert_true(n + 1 < cap);
      out[n++] = *p++;
    }
  }
  out[n] = '\0';
}

/* An unknown-shelf copy is its original, right before it, with the shelf (and the plates'
 * shelf) renamed and the next seq of the same source. */
static void expect_copy_of(const ev_rec *copy, const ev_rec *orig) {
  static char a[1 << 16], b[1 << 16], from[64], to[64];
  assert_string_equal(copy->source, orig->source);
  assert_true(copy->seq == orig->seq + 1);
  snprintf(from, sizeof from, "\"%s", orig->shelf);
  snprintf(to, sizeof to, "\"%s", copy->shelf);
  replace_all(orig->text, from, to, a, sizeof a);
  snprintf(from, sizeof from, "\"seq\":%lld,", (long long)orig->seq);
  snprintf(to, sizeof to, "\"seq\":%lld,", (long long)copy->seq);
  replace_all(a, from, to, b, sizeof b);
  assert_string_equal(copy->text, b);
}

static size_t unknown_copies(const stream *s, size_t *originals) {
  size_t n = 0;
  *originals = 0;
  for (size_t k = 0; k < s->count; ++k) {
    const ev_rec *e = &s->ev[k];
    if (e->type != RF_RECORD_HAND && e->type != RF_RECORD_DELTA) continue;
    if (is_known_shelf(s, e->shelf)) {
      assert_int_equal(e->unknown_plates, 0);
      ++*originals;
      continue;
    }
    ++n;
    assert_true(k > 0);
    expect_copy_of(e, &s->ev[k - 1]);
    assert_int_equal(e->unknown_plates, e->plates); /* a delta's plates are unknown too */
  }
  return n;
}

static void unknown_shelves_are_copies(void **state) {
  (void)state;
  stream s, plain;
  size_t originals, n;
  run_stream("busy", "shoppers=60 unknown_shelf_rate=1", 37, 0, &s);
  run_stream("busy", "shoppers=60", 37, 0, &plain);
  n = unknown_copies(&s, &originals);
  assert_int_equal(n, originals);
  assert_int_equal(s.faults.unknown_shelves, n);
  assert_int_equal(s.count, plain.count + n);
  assert_int_equal(s.truth.len, plain.truth.len); /* the truth does not change */
  assert_memory_equal(s.truth.data, plain.truth.data, plain.truth.len);
  stream_free(&s);
  stream_free(&plain);
  run_stream("busy", "shoppers=300 unknown_shelf_rate=0.02", 38, 0, &s);
  n = unknown_copies(&s, &originals);
  assert_int_equal(s.faults.unknown_shelves, n);
  expect_rate("unknown_shelf_rate", n, originals, 0.02);
  stream_free(&s);
}

static void an_outage_holds_a_camera(void **state) {
  (void)state;
  stream s;
  /* Hands arrive at t1 + 2 s; cam-2's that would arrive in [200 s, 320 s) arrive at 320 s. */
  run_stream("busy",
             "shoppers=80 cameras=3 outage_camera=2 outage_start_s=200 outage_s=120 "
             "camera_delay_s=2",
             39, 0, &s);
  delivery_rule d = {2000000, 200000000, 320000000, "cam-2"};
  expect_arrival_order(&s, delivered_at, &d);
  size_t held = 0;
  int64_t last_seq = -1;
  for (size_t k = 0; k < s.count; ++k) {
    const ev_rec *e = &s.ev[k];
    if (e->type != RF_RECORD_HAND || delivered_at(&s, e, &d) != d.end) continue;
    if (e->end + d.delay == d.end) continue; /* on time at the very end: not held */
    ++held;
    assert_true(e->seq > last_seq); /* flushed in the camera's order */
    last_seq = e->seq;
  }
  print_message("  outage: %zu hand records held to its end\n", held);
  assert_true(held > 0);
  assert_int_equal(s.faults.outage_held, held);
  assert_int_equal(s.faults.duplicates + s.faults.stray_ids + s.faults.unknown_shelves, 0);
  stream_free(&s);
}

/* The shopping, and so the truth, is the same whatever faults the stream has; so are the
 * tracker's and the shelves' records, once labels, second deliveries and copies are set aside. */
static void faults_leave_the_truth_alone(void **state) {
  (void)state;
  static char line[1 << 16];
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    stream plain, chaos;
    run_stream("busy", NULL, seed, 0, &plain);
    run_stream("chaos", NULL, seed, 0, &chaos);
    assert_int_equal(chaos.truth.len, plain.truth.len);
    assert_memory_equal(chaos.truth.data, plain.truth.data, plain.truth.len);
    assert_int_equal(chaos.store_records, plain.store_records);
    assert_memory_equal(chaos.text.data, plain.text.data,
                        (size_t)(chaos.ev[0].text - chaos.text.data));
    names seen;
    memset(&seen, 0, sizeof seen);
    size_t k = 0;
    for (size_t q = 0; q < chaos.count; ++q) {
      const ev_rec *e = &chaos.ev[q];
      if (e->type == RF_RECORD_HAND) continue;
      if (e->type == RF_RECORD_DELTA && !is_known_shelf(&chaos, e->shelf)) continue;
      char key[64];
      snprintf(key, sizeof key, "%s#%lld", e->source, (long long)e->seq);
      size_t before = seen.count;
      name_id(&seen, key);
      if (seen.count == before) continue; /* a second delivery */
      while (k < plain.count && plain.ev[k].type == RF_RECORD_HAND) ++k;
      assert_true(k < plain.count);
      strip_labels(e->text, line, sizeof line);
      assert_string_equal(line, plain.ev[k++].text);
    }
    while (k < plain.count && plain.ev[k].type == RF_RECORD_HAND) ++k;
    assert_int_equal(k, plain.count);
    names_free(&seen);
    stream_free(&plain);
    stream_free(&chaos);
  }
}

/* The chaos preset: busy with every fault, and its counts are what the stream shows. */
static void chaos_preset_counts_match_the_stream(void **state) {
  (void)state;
  rf_sim_params busy, chaos;
  assert_int_equal(rf_sim_preset(&busy, "busy"), 0);
  assert_int_equal(rf_sim_preset(&chaos, "chaos"), 0);
  assert_int_equal(chaos.shoppers, busy.shoppers);
  assert_true(chaos.sources == 1 && chaos.cameras == chaos.gondolas);
  assert_true(chaos.camera_delay_s == 3 && chaos.camera_jitter_s == 1);
  assert_true(chaos.duplicate_rate == 0.01 && chaos.stray_id_rate == 0.01);
  assert_true(chaos.unknown_shelf_rate == 0.005);
  assert_true(chaos.outage_camera >= 1 && chaos.outage_s == 60);
  rf_sim_faults total;
  memset(&total, 0, sizeof total);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    stream s;
    run_stream("chaos", NULL, seed, 0, &s);
    names seen;
    memset(&seen, 0, sizeof seen);
    size_t dups = 0, stray = 0, unknown = 0, held_min = 0, held_max = 0;
    char cam[24];
    snprintf(cam, sizeof cam, "cam-%d", chaos.outage_camera);
    int64_t start = (int64_t)(chaos.outage_start_s * 1e6),
            end = start + (int64_t)(chaos.outage_s * 1e6);
    for (size_t q = 0; q < s.count; ++q) {
      const ev_rec *e = &s.ev[q];
      char key[64];
      snprintf(key, sizeof key, "%s#%lld", e->source, (long long)e->seq);
      size_t before = seen.count;
      name_id(&seen, key);
      if (seen.count == before) {
        ++dups;
        continue;
      }
      if (e->type != RF_RECORD_HAND && e->type != RF_RECORD_DELTA) continue;
      unknown += !is_known_shelf(&s, e->shelf);
      if (e->type != RF_RECORD_HAND) continue;
      stray += e->shopper[0] != '\0' && absence(&s, e->shopper, e->t0) != 0;
      /* Held when t1 + 3 s +- 1 s falls in the window: surely for some, maybe for others. */
      if (strcmp(e->source, cam) != 0) continue;
      held_min += e->end + 2000000 >= start && e->end + 4000000 < end;
      held_max += e->end + 4000000 >= start && e->end + 2000000 < end;
    }
    print_message("  chaos seed %llu: %zu records, %zu duplicates, %zu stray ids, %zu unknown "
                  "shelves, %llu held (%zu..%zu)\n",
                  (unsigned long long)seed, s.count, dups, stray, unknown,
                  (unsigned long long)s.faults.outage_held, held_min, held_max);
    assert_int_equal(s.faults.duplicates, dups);
    assert_int_equal(s.faults.stray_ids, stray);
    assert_int_equal(s.faults.unknown_shelves, unknown);
    assert_in_range(s.faults.outage_held, held_min, held_max);
    total.duplicates += dups;
    total.stray_ids += stray;
    total.unknown_shelves += unknown;
    total.outage_held += s.faults.outage_held;
    names_free(&seen);
    stream_free(&s);
  }
  assert_true(total.duplicates > 0 && total.stray_ids > 0 && total.unknown_shelves > 0 &&
              total.outage_held > 0);
  /* rf_sim_run_faults zeroes the counts when it refuses to run. */
  rf_sim_faults f;
  memset(&f, 0xff, sizeof f);
  chaos.outage_camera = chaos.cameras + 1;
  assert_int_equal(rf_sim_run_faults(&chaos, 1, stopping_sink, NULL, stopping_sink, NULL, NULL, &f),
                   RF_ERANGE);
  assert_int_equal(f.duplicates + f.stray_ids + f.unknown_shelves + f.outage_held, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_seed_same_text),
      cmocka_unit_test(every_preset_is_valid),
      cmocka_unit_test(extreme_knobs_are_valid),
      cmocka_unit_test(truth_adds_up_in_a_crowd),
      cmocka_unit_test(cameras_miss_at_their_rate),
      cmocka_unit_test(cameras_lose_identities_at_their_rate),
      cmocka_unit_test(cameras_see_false_hands_at_their_rate),
      cmocka_unit_test(hints_are_right_at_their_rate),
      cmocka_unit_test(camera_timing_jitters_at_its_sd),
      cmocka_unit_test(crowding_shares_shelves),
      cmocka_unit_test(load_cell_noise_is_as_configured),
      cmocka_unit_test(load_cells_without_noise_read_the_items),
      cmocka_unit_test(stores_may_leave_noise_undeclared),
      cmocka_unit_test(browsers_take_nothing),
      cmocka_unit_test(no_putbacks_without_putback_share),
      cmocka_unit_test(wrong_shelf_putbacks),
      cmocka_unit_test(groups_share_carts),
      cmocka_unit_test(knobs_are_listed_and_round_trip),
      cmocka_unit_test(knobs_refuse_bad_values),
      cmocka_unit_test(check_catches_inconsistent_parameters),
      cmocka_unit_test(a_sink_stops_the_run),
      cmocka_unit_test(every_allocation_failure_is_clean),
      cmocka_unit_test(samples_mode_reads_every_plate),
      cmocka_unit_test(sources_label_every_event),
      cmocka_unit_test(cameras_arrive_late_and_jittered),
      cmocka_unit_test(duplicates_are_identical),
      cmocka_unit_test(stray_ids_name_absent_shoppers),
      cmocka_unit_test(unknown_shelves_are_copies),
      cmocka_unit_test(an_outage_holds_a_camera),
      cmocka_unit_test(faults_leave_the_truth_alone),
      cmocka_unit_test(chaos_preset_counts_match_the_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
