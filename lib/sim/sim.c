/* rf_sim_run: builds the world, lets the shoppers shop, reads the sensors, and hands out the
 * scenario (store description, then every event in the order it would reach a host, staff's
 * restock announcements among them) and the truth (every real take and put-back in time order,
 * then one receipt per cart). rf_sim_scales: the store's scales, as a run uses them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "faults.h"
#include "retailfuse/sim.h"
#include "retailfuse/status.h"
#include "samples.h"
#include "sensors.h"
#include "sim_internal.h"
#include "tracker.h"

static int by_arrival(const void *a, const void *b) {
  const out_event *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  if (x->kind != y->kind) return x->kind - y->kind;
  return x->index - y->index;
}

typedef struct emitter {
  sim_world *w;
  sensor_log *log;
  rf_sim_sink sink;
  void *payload;
  /* scratch for records with arrays */
  rf_plate_def *plates;
  rf_plate_delta *deltas;
  rf_item_qty *items;
  int *qty;
  rf_sku_score score;
  const sample_model *samples; /* NULL in deltas mode */
  double *readings;
  rf_sim_faults *faults; /* what the stream faults injected */
  fault_names *names;    /* what labelled records point at */
  char label[24];        /* a broken-off track's id, "T<k>" */
} emitter;

static int emit_store(emitter *e) {
  sim_world *w = e->w;
  rf_record rec;
  int rc;
  for (int i = 0; i < w->product_count; ++i) {
    memset(&rec, 0, sizeof rec);
    rec.type = RF_RECORD_PRODUCT;
    rec.u.product.sku = w->products[i].sku;
    rec.u.product.name = w->products[i].name;
    rec.u.product.weight_g = w->products[i].weight;
    rec.u.product.has_weight_sd = w->p->declared;
    rec.u.product.weight_sd_g = w->products[i].sd;
    if ((rc = e->sink(&rec, e->payload)) != 0) return rc;
  }
  for (int s = 0; s < w->shelf_count; ++s) {
    const sim_shelf *sh = &w->shelves[s];
    for (int k = 0; k < sh->plate_count; ++k) {
      e->plates[k].plate = w->plates[sh->first_plate + k].id;
      e->plates[k].x0 = w->plates[sh->first_plate + k].x0;
      e->plates[k].x1 = w->plates[sh->first_plate + k].x1;
    }
    memset(&rec, 0, sizeof rec);
    rec.type = RF_RECORD_SHELF;
    rec.u.shelf.shelf = sh->id;
    rec.u.shelf.has_noise = w->p->declared;
    rec.u.shelf.noise_g = (double)(int)(sh->noise * 100 + 0.5) / 100;
    rec.u.shelf.has_pos = 1;
    rec.u.shelf.pos_x = sh->pos_x;
    rec.u.shelf.pos_y = sh->pos_y;
    rec.u.shelf.has_dir = 1;
    rec.u.shelf.dir_x = sh->ax;
    rec.u.shelf.dir_y = sh->ay;
    rec.u.shelf.plates = e->plates;
    rec.u.shelf.plate_count = (size_t)sh->plate_count;
    if ((rc = e->sink(&rec, e->payload)) != 0) return rc;
  }
  for (int f = 0; f < w->facing_count; ++f) {
    const sim_facing *fc = &w->facings[f];
    memset(&rec, 0, sizeof rec);
    rec.type = RF_RECORD_FACING;
    rec.u.facing.shelf = w->shelves[fc->shelf].id;
    rec.u.facing.sku = w->products[fc->product].sku;
    rec.u.facing.x0 = (double)(int64_t)(fc->x0 * 10000 + 0.5) / 10000;
    /* Rounded to 0.1 mm, but not past the last plate when the shelf's width is not. */
    rec.u.facing.x1 =
        fmin((double)(int64_t)(fc->x1 * 10000 + 0.5) / 10000, w->shelves[fc->shelf].width);
    rec.u.facing.count = (int64_t)fc->lanes * fc->depth;
    if ((rc = e->sink(&rec, e->payload)) != 0) return rc;
  }
  return 0;
}

/* The id a tracker label stands for: a shopper's, or a broken-off track's "T<k+1>". */
static const char *label_name(emitter *e, int label) {
  if (label >= 0) return e->w->shoppers[label].id;
  snprintf(e->label, sizeof e->label, "T%d", -label);
  return e->label;
}

/* A position: the tracker's fix, or without a tracker one exact fix as each reach begins. */
static void build_position(emitter *e, const out_event *ev, rf_record *rec) {
  const sim_world *w = e->w;
  rec->type = RF_RECORD_POSITION;
  if (w->track != NULL) {
    const sim_fix *f = rf__sim_fix_at(w, (size_t)ev->index);
    rec->u.position.t = f->t;
    rec->u.position.shopper = label_name(e, f->label);
    rec->u.position.x = f->x;
    rec->u.position.y = f->y;
    return;
  }
  const sim_reach *r = &w->reaches[ev->index];
  double x, y;
  rf__sim_where(w, r->shopper, r->t0, &x, &y);
  rec->u.position.t = ev->key;
  rec->u.position.shopper = w->shoppers[r->shopper].id;
  rec->u.position.x = round(x * 100) / 100;
  rec->u.position.y = round(y * 100) / 100;
}

/* The record of an event, in rec (pointing into the world and the emitter's scratch). */
/* Staff's announcement of restock reach r: the items it put on its shelf. */
static void restock_record(const sim_world *w, const sim_reach *r, rf_record *rec) {
  rec->type = RF_RECORD_RESTOCK;
  rec->u.restock.shelf = w->shelves[r->shelf].id;
  rec->u.restock.sku = w->products[r->product].sku;
  rec->u.restock.t0 = r->t0;
  rec->u.restock.t1 = r->t1;
  rec->u.restock.qty = r->move_count;
}

static void build_event(emitter *e, const out_event *ev, rf_record *out) {
  sim_world *w = e->w;
  rf_record rec;
  memset(&rec, 0, sizeof rec);
  switch (ev->kind) {
    case EV_ENTER:
    case EV_EXIT: {
      const sim_shopper *s = &w->shoppers[ev->index];
      rec.type = ev->kind == EV_ENTER ? RF_RECORD_ENTER : RF_RECORD_EXIT;
      rec.u.enter.t = ev->key;
      rec.u.enter.shopper = s->id;
      rec.u.enter.staff = ev->kind == EV_ENTER && s->staff;
      break;
    }
    case EV_LINK: {
      const sim_shopper *s = &w->shoppers[ev->index];
      rec.type = RF_RECORD_LINK;
      rec.u.link.t = ev->key;
      rec.u.link.shopper = s->id;
      rec.u.link.cart = w->shoppers[s->cart].id;
      break;
    }
    case EV_POSITION: build_position(e, ev, &rec); break;
    case EV_HAND: {
      const sensed_hand *h = &e->log->hands[ev->index];
      rf_hand_rec *o = &rec.u.hand;
      rec.type = RF_RECORD_HAND;
      o->shopper = h->shopper == -1 ? NULL
                                    : label_name(e, h->shopper >= 0 ? h->shopper : h->shopper + 1);
      o->shelf = w->shelves[h->shelf].id;
      o->t0 = h->t0;
      o->t1 = h->t1;
      o->has_x = 1;
      o->x = h->x;
      o->has_conf = 1;
      o->conf = h->conf;
      o->holding_in = o->holding_out = RF_UNKNOWN;
      if (h->has_hints) {
        o->holding_in = h->holding_in;
        o->holding_out = h->holding_out;
        o->has_sku_scores = 1;
        static const rf_sku_score none[1] = {{NULL, 0}};
        if (h->score_product >= 0) {
          e->score.sku = w->products[h->score_product].sku;
          e->score.score = h->score;
          o->sku_scores = &e->score;
          o->sku_score_count = 1;
        } else {
          o->sku_scores = none;
          o->sku_score_count = 0;
        }
      }
      break;
    }
    case EV_SAMPLES: {
      const sample_model *m = e->samples;
      int plate = (int)((size_t)ev->index % (size_t)w->plate_count);
      size_t k = (size_t)ev->index / (size_t)w->plate_count, count;
      rec.type = RF_RECORD_SAMPLES;
      rec.u.samples.plate = w->plates[plate].id;
      rec.u.samples.t = rf__samples_fill(m, w, plate, k, e->readings, &count);
      rec.u.samples.dt_us = m->period_us;
      rec.u.samples.g = e->readings;
      rec.u.samples.count = count;
      break;
    }
    case EV_RESTOCK: restock_record(w, &w->reaches[ev->index], &rec); break;
    case EV_DELTA: {
      const sensed_delta *d = &e->log->deltas[ev->index];
      rec.type = RF_RECORD_DELTA;
      rec.u.delta.shelf = w->shelves[d->shelf].id;
      rec.u.delta.t0 = d->t0;
      rec.u.delta.t1 = d->t1;
      for (int k = 0; k < d->count; ++k) {
        const sensed_change *c = &e->log->changes[d->first + k];
        e->deltas[k].plate = w->plates[c->plate].id;
        e->deltas[k].g = c->g;
      }
      rec.u.delta.plates = e->deltas;
      rec.u.delta.plate_count = (size_t)d->count;
      break;
    }
  }
  *out = rec;
}

static int emit_event(emitter *e, const out_event *ev) {
  rf_record rec;
  build_event(e, ev, &rec);
  return e->sink(&rec, e->payload);
}

/* The events as several sources deliver them, labelled, with the faults the knobs ask for. */
static int emit_delivered(emitter *e, const out_event *ev, size_t n) {
  sent_event *sent = NULL;
  size_t count = 0;
  int rc = rf__faults_deliver(e->w, e->log, ev, n, &sent, &count, e->faults);
  for (size_t q = 0; q < count && rc == 0; ++q) {
    /* The record as its source made it: the tracker's records carry their time in the key. */
    out_event made = sent[q].ev;
    made.key = sent[q].sent;
    rf_record rec;
    build_event(e, &made, &rec);
    rf__faults_dress(e->w, e->log, &sent[q], &rec, e->deltas, e->names);
    rc = e->sink(&rec, e->payload);
  }
  rf__free(e->w->alloc, sent);
  return rc;
}

static int emit_events(emitter *e) {
  sim_world *w = e->w;
  const sample_model *m = e->samples;
  size_t sample_records = m ? m->records_per_plate * (size_t)w->plate_count : 0;
  if (sample_records > (size_t)INT32_MAX) return RF_ELIMIT;
  size_t positions = w->track != NULL ? rf__sim_fix_count(w) : w->reach_count;
  size_t restocks = 0;
  for (size_t r = 0; r < w->reach_count; ++r) restocks += w->reaches[r].announced;
  size_t n = 3 * (size_t)w->shopper_count + positions + e->log->hand_count + restocks +
             (m ? sample_records : e->log->delta_count);
  out_event *ev = rf__calloc(w->alloc, n + 1, sizeof *ev);
  if (ev == NULL) return RF_ENOMEM;
  size_t k = 0;
  for (int s = 0; s < w->shopper_count; ++s) {
    ev[k++] = (out_event){w->shoppers[s].enter_us, EV_ENTER, s};
    if (w->shoppers[s].cart != s) ev[k++] = (out_event){w->shoppers[s].enter_us, EV_LINK, s};
    ev[k++] = (out_event){w->shoppers[s].exit_us, EV_EXIT, s};
  }
  if (w->track != NULL) {
    for (size_t f = 0; f < positions; ++f)
      ev[k++] = (out_event){rf__sim_fix_at(w, f)->t, EV_POSITION, (int)f};
  } else {
    for (size_t r = 0; r < w->reach_count; ++r)
      ev[k++] = (out_event){w->reaches[r].t0, EV_POSITION, (int)r};
  }
  for (size_t h = 0; h < e->log->hand_count; ++h)
    ev[k++] = (out_event){e->log->hands[h].arrives, EV_HAND, (int)h};
  if (m != NULL) {
    /* Record j of every plate is sent once its last reading is taken. */
    int64_t record_us = m->period_us * m->per_record;
    for (size_t q = 0; q < sample_records; ++q) {
      size_t j = q / (size_t)w->plate_count;
      ev[k++] = (out_event){m->start_us + (int64_t)j * record_us + record_us - m->period_us,
                            EV_SAMPLES, (int)q};
    }
  } else {
    for (size_t d = 0; d < e->log->delta_count; ++d)
      ev[k++] = (out_event){e->log->deltas[d].t1, EV_DELTA, (int)d};
  }
  /* An announced restock is sent when the staff member's reach ends. */
  for (size_t r = 0; r < w->reach_count; ++r)
    if (w->reaches[r].announced) ev[k++] = (out_event){w->reaches[r].t1, EV_RESTOCK, (int)r};
  qsort(ev, k, sizeof *ev, by_arrival);
  int rc = 0;
  if (rf__faults_on(w->p)) rc = emit_delivered(e, ev, k);
  else
    for (size_t q = 0; q < k && rc == 0; ++q) rc = emit_event(e, &ev[q]);
  rf__free(w->alloc, ev);
  return rc;
}

typedef struct truth_key {
  int64_t t;
  int index;
} truth_key;

static int by_truth_time(const void *a, const void *b) {
  const truth_key *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->index - y->index;
}

static int emit_truth(emitter *e) {
  sim_world *w = e->w;
  truth_key *keys = rf__calloc(w->alloc, w->move_count + 1, sizeof *keys);
  if (keys == NULL) return RF_ENOMEM;
  for (size_t q = 0; q < w->move_count; ++q) keys[q] = (truth_key){w->moves[q].t, (int)q};
  qsort(keys, w->move_count, sizeof *keys, by_truth_time);
  int rc = 0;
  rf_record rec;
  for (size_t q = 0; q < w->move_count && rc == 0; ++q) {
    const sim_move *m = &w->moves[keys[q].index];
    /* A hand's pressure and staff's restocking are nobody's purchase. */
    if (m->product < 0 || w->shoppers[m->cart].staff) continue;
    memset(&rec, 0, sizeof rec);
    rec.type = RF_RECORD_TRUTH;
    rec.u.truth.t = m->t;
    rec.u.truth.shopper = w->shoppers[m->cart].id;
    rec.u.truth.sku = w->products[m->product].sku;
    rec.u.truth.qty = -m->sign;
    rc = e->sink(&rec, e->payload);
  }
  rf__free(w->alloc, keys);
  /* One receipt per cart owner, items in catalog order. */
  for (int s = 0; s < w->shopper_count && rc == 0; ++s) {
    if (w->shoppers[s].cart != s || w->shoppers[s].staff) continue;
    memset(e->qty, 0, (size_t)w->product_count * sizeof *e->qty);
    const sim_cart *c = &w->carts[s];
    for (int i = 0; i < c->count; ++i) e->qty[c->items[i].product]++;
    size_t n = 0;
    for (int pidx = 0; pidx < w->product_count; ++pidx) {
      if (e->qty[pidx] == 0) continue;
      e->items[n].sku = w->products[pidx].sku;
      e->items[n].qty = e->qty[pidx];
      ++n;
    }
    memset(&rec, 0, sizeof rec);
    rec.type = RF_RECORD_RECEIPT;
    rec.u.receipt.shopper = w->shoppers[s].id;
    rec.u.receipt.items = e->items;
    rec.u.receipt.item_count = n;
    rec.u.receipt.review = RF_UNKNOWN;
    rc = e->sink(&rec, e->payload);
  }
  return rc;
}

/* Samples mode: every plate's load on the full shelves, before anyone shops. */
static int prepare_samples(sim_world *w, void *payload) {
  sample_model *m = payload;
  return rf__samples_prepare(m, w, m->seed);
}

int rf_sim_run(const rf_sim_params *params, uint64_t seed, rf_sim_sink scenario,
               void *scenario_payload, rf_sim_sink truth, void *truth_payload,
               const rf_allocator *allocator) {
  return rf_sim_run_faults(params, seed, scenario, scenario_payload, truth, truth_payload,
                           allocator, NULL);
}

int rf_sim_run_faults(const rf_sim_params *params, uint64_t seed, rf_sim_sink scenario,
                      void *scenario_payload, rf_sim_sink truth, void *truth_payload,
                      const rf_allocator *allocator, rf_sim_faults *faults) {
  char msg[256];
  rf_sim_faults injected;
  memset(&injected, 0, sizeof injected);
  if (faults != NULL) *faults = injected;
  if (params == NULL || scenario == NULL || truth == NULL) return RF_EINVAL;
  int rc = rf_sim_check(params, msg, sizeof msg);
  if (rc != 0) return rc;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  sim_world w;
  sensor_log log;
  memset(&log, 0, sizeof log);
  emitter e;
  memset(&e, 0, sizeof e);
  e.w = &w;
  e.log = &log;
  e.sink = scenario;
  e.payload = scenario_payload;
  e.faults = &injected;
  sample_model samples;
  memset(&samples, 0, sizeof samples);
  samples.seed = seed;
  if ((rc = rf__sim_play(&w, params, seed, &a, params->samples_mode ? prepare_samples : NULL,
                         &samples)) == 0 &&
      (rc = rf__sim_track(&w)) == 0 && (rc = rf__sim_sense(&w, &log)) == 0 &&
      (!params->samples_mode || (rc = rf__samples_plan(&samples, &w)) == 0)) {
    if (params->samples_mode) {
      e.samples = &samples;
      e.readings = rf__calloc(&a, (size_t)samples.per_record + 1, sizeof *e.readings);
      if (e.readings == NULL) rc = RF_ENOMEM;
    }
    size_t most = (size_t)w.plate_count + (size_t)w.product_count + 1;
    e.plates = rf__calloc(&a, most, sizeof *e.plates);
    e.deltas = rf__calloc(&a, most, sizeof *e.deltas);
    e.items = rf__calloc(&a, most, sizeof *e.items);
    e.qty = rf__calloc(&a, most, sizeof *e.qty);
    if (rf__faults_on(params)) e.names = rf__calloc(&a, 1, sizeof *e.names);
    if (!e.plates || !e.deltas || !e.items || !e.qty) rc = RF_ENOMEM;
    if (rf__faults_on(params) && e.names == NULL) rc = RF_ENOMEM;
    if (rc == 0) rc = emit_store(&e);
    if (rc == 0) rc = emit_events(&e);
    e.sink = truth;
    e.payload = truth_payload;
    if (rc == 0) rc = emit_truth(&e);
  }
  rf__free(&a, e.plates);
  rf__free(&a, e.deltas);
  rf__free(&a, e.items);
  rf__free(&a, e.qty);
  rf__free(&a, e.readings);
  rf__free(&a, e.names);
  rf__samples_free(&samples, &w);
  rf__sensor_log_free(&w, &log);
  rf__sim_world_free(&w);
  if (faults != NULL) *faults = injected;
  return rc;
}

int rf_sim_scales(const rf_sim_params *params, uint64_t seed, rf_time_us t, rf_sim_plate_fn plates,
                  rf_sim_product_fn products, void *payload, const rf_allocator *allocator) {
  char msg[256];
  if (params == NULL) return RF_EINVAL;
  int rc = rf_sim_check(params, msg, sizeof msg);
  if (rc != 0) return rc;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  /* The run's world up to its store: seeded and built alike, its scales drawn as it is built. */
  sim_world w;
  memset(&w, 0, sizeof w);
  w.p = params;
  w.alloc = &a;
  rf__sim_seed(&w, seed);
  rc = rf__sim_build_store(&w);
  for (int k = 0; k < w.plate_count && rc == 0 && plates != NULL; ++k)
    rc = plates(w.plates[k].id, rf__sim_gain(&w, k, t), payload);
  for (int i = 0; i < w.product_count && rc == 0 && products != NULL; ++i)
    rc = products(w.products[i].sku, rf__sim_true_weight(&w.products[i]), w.products[i].weight,
                  payload);
  rf__sim_world_free(&w);
  return rc;
}
