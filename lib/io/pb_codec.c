/* Records as protocol buffers: pb_codec.h says what, proto/retailfuse.proto how. */
#include "pb_codec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "record/record.h"
#include "record_check.h"
#include "retailfuse.pb-c.h"
#include "retailfuse/status.h"

/* ---- grams as centigrams ---- */

/* Whether g is exactly a whole number of centigrams as a double (then *cg holds it): what the
 * JSON "4610.3" reads as is 461030 / 100.0, correctly rounded both ways. -0 is not (the JSON
 * writer writes it as "-0"). */
static int centigrams(double g, int64_t *cg) {
  if (g == 0.0 && signbit(g)) return 0; /* -0 reads back as 0: it goes as a double */
  double c = g * 100.0;
  if (!(fabs(c) < 9.0e15)) return 0;
  int64_t k = llround(c);
  if ((double)k / 100.0 != g) return 0;
  *cg = k;
  return 1;
}

/* ---- encoding ---- */

enum {
  E_PLATES,
  E_PLATE_PTRS,
  E_DELTAS,
  E_DELTA_PTRS,
  E_SCORES,
  E_SCORE_PTRS,
  E_ITEMS,
  E_STEPS,
  E_ALTERNATIVES,
  E_CANDIDATES,
  E_HANDS
};

void rf__pb_encoder_init(rf__pb_encoder *enc, const rf_allocator *a) {
  memset(enc, 0, sizeof *enc);
  enc->alloc = *a;
}

void rf__pb_encoder_free(rf__pb_encoder *enc) {
  for (size_t k = 0; k < sizeof enc->slots / sizeof enc->slots[0]; ++k)
    rf__free(&enc->alloc, enc->slots[k]);
  memset(enc->slots, 0, sizeof enc->slots);
  memset(enc->caps, 0, sizeof enc->caps);
}

/* Room for n elements of `size` bytes in the encoder's slot k, or NULL. */
static void *slot(rf__pb_encoder *enc, int k, size_t n, size_t size) {
  if (rf__reserve(&enc->alloc, &enc->slots[k], &enc->caps[k], n ? n : 1, size) != 0) return NULL;
  return enc->slots[k];
}

/* The message's strings are the record's: protobuf-c only reads them while packing. */
#define STR(s) ((char *)(uintptr_t)(s))

static int encode_shelf(rf__pb_encoder *enc, const rf_shelf_def *s, Retailfuse__Shelf *m,
                        Retailfuse__Point *pos, Retailfuse__Point *dir) {
  m->shelf = STR(s->shelf);
  m->has_noise_g = s->has_noise;
  m->noise_g = s->noise_g;
  if (s->has_pos) {
    pos->x = s->pos_x;
    pos->y = s->pos_y;
    m->pos = pos;
  }
  if (s->has_dir) {
    dir->x = s->dir_x;
    dir->y = s->dir_y;
    m->dir = dir;
  }
  Retailfuse__Plate *plates = slot(enc, E_PLATES, s->plate_count, sizeof *plates);
  Retailfuse__Plate **ptrs = slot(enc, E_PLATE_PTRS, s->plate_count, sizeof *ptrs);
  if (plates == NULL || ptrs == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < s->plate_count; ++i) {
    retailfuse__plate__init(&plates[i]);
    plates[i].plate = STR(s->plates[i].plate);
    plates[i].x0 = s->plates[i].x0;
    plates[i].x1 = s->plates[i].x1;
    ptrs[i] = &plates[i];
  }
  m->n_plates = s->plate_count;
  m->plates = ptrs;
  return 0;
}

static int encode_samples(rf__pb_encoder *enc, const rf_samples_rec *s, Retailfuse__Samples *m) {
  m->plate = STR(s->plate);
  m->t = s->t;
  m->dt_us = s->dt_us;
  int64_t *steps = slot(enc, E_STEPS, s->count, sizeof *steps);
  if (steps == NULL) return RF_ENOMEM;
  int64_t before = 0, cg;
  for (size_t i = 0; i < s->count; ++i) {
    if (!centigrams(s->g[i], &cg)) { /* not centigrams: every reading as a double */
      m->n_g = s->count;
      m->g = (double *)(uintptr_t)s->g;
      return 0;
    }
    steps[i] = cg - before;
    before = cg;
  }
  m->n_cg_steps = s->count;
  m->cg_steps = steps;
  return 0;
}

static int encode_delta(rf__pb_encoder *enc, const rf_delta_rec *d, Retailfuse__Delta *m) {
  m->shelf = STR(d->shelf);
  m->t0 = d->t0;
  m->t1 = d->t1;
  Retailfuse__PlateDelta *plates = slot(enc, E_DELTAS, d->plate_count, sizeof *plates);
  Retailfuse__PlateDelta **ptrs = slot(enc, E_DELTA_PTRS, d->plate_count, sizeof *ptrs);
  if (plates == NULL || ptrs == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < d->plate_count; ++i) {
    retailfuse__plate_delta__init(&plates[i]);
    plates[i].plate = STR(d->plates[i].plate);
    if (centigrams(d->plates[i].g, &plates[i].cg)) {
      plates[i].has_cg = 1;
    } else {
      plates[i].has_g = 1;
      plates[i].g = d->plates[i].g;
    }
    ptrs[i] = &plates[i];
  }
  m->n_plates = d->plate_count;
  m->plates = ptrs;
  return 0;
}

static int encode_hand(rf__pb_encoder *enc, const rf_hand_rec *h, Retailfuse__Hand *m,
                       Retailfuse__SkuScores *scores) {
  m->shopper = STR(h->shopper);
  m->shelf = STR(h->shelf);
  m->t0 = h->t0;
  m->t1 = h->t1;
  m->has_x = h->has_x;
  m->x = h->x;
  m->has_conf = h->has_conf;
  m->conf = h->conf;
  m->has_holding_in = h->holding_in != RF_UNKNOWN;
  m->holding_in = h->holding_in == 1;
  m->has_holding_out = h->holding_out != RF_UNKNOWN;
  m->holding_out = h->holding_out == 1;
  if (!h->has_sku_scores) return 0;
  size_t n = h->sku_score_count;
  Retailfuse__SkuScore *each = slot(enc, E_SCORES, n, sizeof *each);
  Retailfuse__SkuScore **ptrs = slot(enc, E_SCORE_PTRS, n, sizeof *ptrs);
  if (each == NULL || ptrs == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < n; ++i) {
    retailfuse__sku_score__init(&each[i]);
    each[i].sku = STR(h->sku_scores[i].sku);
    each[i].score = h->sku_scores[i].score;
    ptrs[i] = &each[i];
  }
  scores->n_scores = n;
  scores->scores = ptrs;
  m->sku_scores = scores;
  return 0;
}

/* Room in slot k for n messages of `size` bytes followed by n pointers to them (*ptrs), or
 * NULL. */
static void *messages_slot(rf__pb_encoder *enc, int k, size_t n, size_t size, void ***ptrs) {
  char *room = slot(enc, k, n, size + sizeof(void *));
  if (room != NULL) *ptrs = (void **)(void *)(room + n * size);
  return room;
}

/* n ItemQty messages of items, and the pointers to them. */
static void item_messages(const rf_item_qty *items, size_t n, Retailfuse__ItemQty *each,
                          Retailfuse__ItemQty **ptrs) {
  for (size_t i = 0; i < n; ++i) {
    retailfuse__item_qty__init(&each[i]);
    each[i].sku = STR(items[i].sku);
    each[i].qty = items[i].qty;
    ptrs[i] = &each[i];
  }
}

/* The items of a receipt or a review. */
static int encode_items(rf__pb_encoder *enc, const rf_item_qty *items, size_t n, size_t *n_out,
                        Retailfuse__ItemQty ***out) {
  void **ptrs = NULL;
  Retailfuse__ItemQty *each = messages_slot(enc, E_ITEMS, n, sizeof *each, &ptrs);
  if (each == NULL) return RF_ENOMEM;
  item_messages(items, n, each, (Retailfuse__ItemQty **)ptrs);
  *n_out = n;
  *out = (Retailfuse__ItemQty **)ptrs;
  return 0;
}

static int encode_receipt(rf__pb_encoder *enc, const rf_receipt_rec *r, Retailfuse__Receipt *m) {
  m->has_t = r->has_t;
  m->t = r->t;
  m->shopper = STR(r->shopper);
  m->has_review = r->review != RF_UNKNOWN;
  m->review = r->review == 1;
  m->has_amends = m->amends = r->amends != 0;
  return encode_items(enc, r->items, r->item_count, &m->n_items, &m->items);
}

static int encode_review(rf__pb_encoder *enc, const rf_review_rec *v, Retailfuse__Review *m) {
  m->decision = v->decision;
  m->shopper = STR(v->shopper);
  m->reviewer = STR(v->reviewer);
  return encode_items(enc, v->items, v->item_count, &m->n_items, &m->items);
}

/* The terms that apply (not NAN) into t; whether any does (else the message is left out). */
static int encode_terms(const rf_evidence *e, Retailfuse__Terms *t) {
  protobuf_c_boolean *has[RF__EVIDENCE_TERMS] = {&t->has_weight,   &t->has_plates,
                                                 &t->has_prior,    &t->has_hand,
                                                 &t->has_identity, &t->has_position};
  double *value[RF__EVIDENCE_TERMS] = {&t->weight, &t->plates,   &t->prior,
                                       &t->hand,   &t->identity, &t->position};
  int any = 0;
  retailfuse__terms__init(t);
  for (int k = 0; k < RF__EVIDENCE_TERMS; ++k) {
    double v = rf__evidence_term(e, k);
    *has[k] = !isnan(v);
    *value[k] = v;
    any |= !isnan(v);
  }
  return any;
}

/* An explanation's alternatives, each with its items (all in one slot) and terms. */
static int encode_alternatives(rf__pb_encoder *enc, const rf_explain_rec *x,
                               Retailfuse__Explain *m) {
  size_t n = x->alternative_count, item_count = 0;
  for (size_t i = 0; i < n; ++i) item_count += x->alternatives[i].item_count;
  void **ptrs = NULL, **item_ptrs = NULL;
  char *room = messages_slot(enc, E_ALTERNATIVES, n,
                             sizeof(Retailfuse__Alternative) + sizeof(Retailfuse__Terms), &ptrs);
  Retailfuse__ItemQty *items =
      messages_slot(enc, E_ITEMS, item_count, sizeof(Retailfuse__ItemQty), &item_ptrs);
  if (room == NULL || items == NULL) return RF_ENOMEM;
  /* messages_slot put the pointers after n (alternative + terms) pairs: alternatives first,
   * then the terms. */
  Retailfuse__Alternative *each = (Retailfuse__Alternative *)(void *)room;
  Retailfuse__Terms *terms = (Retailfuse__Terms *)(void *)(room + n * sizeof *each);
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    const rf_alternative *a = &x->alternatives[i];
    retailfuse__alternative__init(&each[i]);
    each[i].shopper = STR(a->shopper);
    item_messages(a->items, a->item_count, items + at, (Retailfuse__ItemQty **)item_ptrs + at);
    each[i].n_items = a->item_count;
    each[i].items = (Retailfuse__ItemQty **)item_ptrs + at;
    at += a->item_count;
    each[i].p = a->p;
    if (encode_terms(&a->terms, &terms[i])) each[i].terms = &terms[i];
    ptrs[i] = &each[i];
  }
  m->n_alternatives = n;
  m->alternatives = (Retailfuse__Alternative **)ptrs;
  return 0;
}

static int encode_explain(rf__pb_encoder *enc, const rf_explain_rec *x, Retailfuse__Explain *m) {
  m->event = x->event;
  m->t = x->t;
  m->shelf = STR(x->shelf);
  m->t0 = x->t0;
  m->t1 = x->t1;
  m->total = x->total;
  m->x = x->x;
  m->how = STR(x->how);
  m->n_diffs = x->diff_count;
  m->diffs = (int64_t *)(uintptr_t)x->diffs;
  void **cptrs = NULL, **hptrs = NULL;
  Retailfuse__Candidate *cands =
      messages_slot(enc, E_CANDIDATES, x->candidate_count, sizeof *cands, &cptrs);
  Retailfuse__ExplainHand *hands =
      messages_slot(enc, E_HANDS, x->hand_count, sizeof *hands, &hptrs);
  if (cands == NULL || hands == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < x->candidate_count; ++i) {
    const rf_candidate *c = &x->candidates[i];
    retailfuse__candidate__init(&cands[i]);
    cands[i].shopper = STR(c->shopper);
    cands[i].p = c->p;
    cands[i].has_distance = c->has_distance != 0;
    cands[i].distance = c->distance;
    cptrs[i] = &cands[i];
  }
  for (size_t i = 0; i < x->hand_count; ++i) {
    const rf_explain_hand *h = &x->hands[i];
    retailfuse__explain_hand__init(&hands[i]);
    hands[i].shopper = STR(h->shopper);
    hands[i].t0 = h->t0;
    hands[i].t1 = h->t1;
    hands[i].has_x = h->has_x != 0;
    hands[i].x = h->x;
    hands[i].p = h->p;
    hptrs[i] = &hands[i];
  }
  m->n_candidates = x->candidate_count;
  m->candidates = (Retailfuse__Candidate **)cptrs;
  m->n_hands = x->hand_count;
  m->hands = (Retailfuse__ExplainHand **)hptrs;
  return encode_alternatives(enc, x, m);
}

/* Every kind's message, on the stack of the one call that packs it. */
typedef struct messages {
  Retailfuse__Product product;
  Retailfuse__Shelf shelf;
  Retailfuse__Point pos, dir;
  Retailfuse__Facing facing;
  Retailfuse__Enter enter;
  Retailfuse__Exit exit;
  Retailfuse__Link link;
  Retailfuse__Position position;
  Retailfuse__Samples samples;
  Retailfuse__Delta delta;
  Retailfuse__Hand hand;
  Retailfuse__SkuScores scores;
  Retailfuse__Diff diff;
  Retailfuse__Receipt receipt;
  Retailfuse__Review review;
  Retailfuse__Explain explain;
  Retailfuse__Truth truth;
  Retailfuse__Restock restock;
  Retailfuse__Camera camera;
  Retailfuse__Zone zone;
  Retailfuse__PixelRect px;
  Retailfuse__ShelfSpan shelf_x;
} messages;

static void init_messages(messages *m) {
  retailfuse__product__init(&m->product);
  retailfuse__shelf__init(&m->shelf);
  retailfuse__point__init(&m->pos);
  retailfuse__point__init(&m->dir);
  retailfuse__facing__init(&m->facing);
  retailfuse__enter__init(&m->enter);
  retailfuse__exit__init(&m->exit);
  retailfuse__link__init(&m->link);
  retailfuse__position__init(&m->position);
  retailfuse__samples__init(&m->samples);
  retailfuse__delta__init(&m->delta);
  retailfuse__hand__init(&m->hand);
  retailfuse__sku_scores__init(&m->scores);
  retailfuse__diff__init(&m->diff);
  retailfuse__receipt__init(&m->receipt);
  retailfuse__review__init(&m->review);
  retailfuse__explain__init(&m->explain);
  retailfuse__truth__init(&m->truth);
  retailfuse__restock__init(&m->restock);
  retailfuse__camera__init(&m->camera);
  retailfuse__zone__init(&m->zone);
  retailfuse__pixel_rect__init(&m->px);
  retailfuse__shelf_span__init(&m->shelf_x);
}

static void encode_store(const rf_record *rec, messages *m, Retailfuse__Record *r) {
  if (rec->type == RF_RECORD_PRODUCT) {
    const rf_product_def *p = &rec->u.product;
    m->product.sku = STR(p->sku);
    m->product.name = STR(p->name);
    m->product.weight_g = p->weight_g;
    m->product.has_weight_sd_g = p->has_weight_sd;
    m->product.weight_sd_g = p->weight_sd_g;
    r->kind_case = RETAILFUSE__RECORD__KIND_PRODUCT;
    r->product = &m->product;
  } else {
    const rf_facing_def *f = &rec->u.facing;
    m->facing.shelf = STR(f->shelf);
    m->facing.sku = STR(f->sku);
    m->facing.x0 = f->x0;
    m->facing.x1 = f->x1;
    m->facing.has_count = f->count != RF_COUNT_UNKNOWN;
    m->facing.count = f->count;
    r->kind_case = RETAILFUSE__RECORD__KIND_FACING;
    r->facing = &m->facing;
  }
}

static void encode_tracker(const rf_record *rec, messages *m, Retailfuse__Record *r) {
  switch (rec->type) {
    case RF_RECORD_ENTER:
      m->enter.t = rec->u.enter.t;
      m->enter.shopper = STR(rec->u.enter.shopper);
      m->enter.has_staff = m->enter.staff = rec->u.enter.staff != 0;
      r->kind_case = RETAILFUSE__RECORD__KIND_ENTER;
      r->enter = &m->enter;
      break;
    case RF_RECORD_EXIT:
      m->exit.t = rec->u.exit.t;
      m->exit.shopper = STR(rec->u.exit.shopper);
      r->kind_case = RETAILFUSE__RECORD__KIND_EXIT;
      r->exit = &m->exit;
      break;
    case RF_RECORD_LINK:
      m->link.t = rec->u.link.t;
      m->link.shopper = STR(rec->u.link.shopper);
      m->link.cart = STR(rec->u.link.cart);
      r->kind_case = RETAILFUSE__RECORD__KIND_LINK;
      r->link = &m->link;
      break;
    default:
      m->position.t = rec->u.position.t;
      m->position.shopper = STR(rec->u.position.shopper);
      m->position.x = rec->u.position.x;
      m->position.y = rec->u.position.y;
      r->kind_case = RETAILFUSE__RECORD__KIND_POSITION;
      r->position = &m->position;
      break;
  }
}

static void encode_outcome(const rf_record *rec, messages *m, Retailfuse__Record *r) {
  if (rec->type == RF_RECORD_DIFF) {
    const rf_diff_rec *d = &rec->u.diff;
    m->diff.seq = d->seq;
    m->diff.t = d->t;
    m->diff.shopper = STR(d->shopper);
    m->diff.sku = STR(d->sku);
    m->diff.qty = d->qty;
    m->diff.conf = d->conf;
    m->diff.review = d->review != 0;
    m->diff.event = d->event;
    m->diff.has_corrects = d->has_corrects;
    m->diff.corrects = d->corrects;
    m->diff.has_reviews = d->has_reviews;
    m->diff.reviews = d->reviews;
    r->kind_case = RETAILFUSE__RECORD__KIND_DIFF;
    r->diff = &m->diff;
  } else {
    const rf_truth_rec *t = &rec->u.truth;
    m->truth.t = t->t;
    m->truth.shopper = STR(t->shopper);
    m->truth.sku = STR(t->sku);
    m->truth.qty = t->qty;
    r->kind_case = RETAILFUSE__RECORD__KIND_TRUTH;
    r->truth = &m->truth;
  }
}

static void encode_restock(const rf_restock_rec *x, messages *m, Retailfuse__Record *r) {
  m->restock.shelf = STR(x->shelf);
  m->restock.sku = STR(x->sku);
  m->restock.t0 = x->t0;
  m->restock.t1 = x->t1;
  m->restock.qty = x->qty;
  r->kind_case = RETAILFUSE__RECORD__KIND_RESTOCK;
  r->restock = &m->restock;
}

static void encode_camera(const rf_camera_rec *c, messages *m, Retailfuse__Record *r) {
  m->camera.camera = STR(c->camera);
  m->camera.width = c->width;
  m->camera.height = c->height;
  m->camera.fps = c->fps;
  m->camera.has_t0 = 1; /* always, as the JSON writer writes it */
  m->camera.t0 = c->t0;
  r->kind_case = RETAILFUSE__RECORD__KIND_CAMERA;
  r->camera = &m->camera;
}

static void encode_zone(const rf_zone_rec *z, messages *m, Retailfuse__Record *r) {
  m->zone.camera = STR(z->camera);
  m->zone.shelf = STR(z->shelf);
  m->px.x0 = z->x0;
  m->px.y0 = z->y0;
  m->px.x1 = z->x1;
  m->px.y1 = z->y1;
  m->zone.px = &m->px;
  m->zone.front = STR(rf_zone_front_name(z->front));
  m->shelf_x.x0 = z->shelf_x0;
  m->shelf_x.x1 = z->shelf_x1;
  m->zone.shelf_x = &m->shelf_x;
  r->kind_case = RETAILFUSE__RECORD__KIND_ZONE;
  r->zone = &m->zone;
}

/* rec's message into *r (pointing into m and the encoder's slots). */
static int encode_record(rf__pb_encoder *enc, const rf_record *rec, messages *m,
                         Retailfuse__Record *r) {
  if (rf__record_is_input(rec->type)) {
    r->source = STR(rec->source);
    r->has_seq = rec->has_seq;
    r->seq = rec->seq;
  }
  switch (rec->type) {
    case RF_RECORD_PRODUCT:
    case RF_RECORD_FACING: encode_store(rec, m, r); return 0;
    case RF_RECORD_SHELF:
      r->kind_case = RETAILFUSE__RECORD__KIND_SHELF;
      r->shelf = &m->shelf;
      return encode_shelf(enc, &rec->u.shelf, &m->shelf, &m->pos, &m->dir);
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT:
    case RF_RECORD_LINK:
    case RF_RECORD_POSITION: encode_tracker(rec, m, r); return 0;
    case RF_RECORD_SAMPLES:
      r->kind_case = RETAILFUSE__RECORD__KIND_SAMPLES;
      r->samples = &m->samples;
      return encode_samples(enc, &rec->u.samples, &m->samples);
    case RF_RECORD_DELTA:
      r->kind_case = RETAILFUSE__RECORD__KIND_DELTA;
      r->delta = &m->delta;
      return encode_delta(enc, &rec->u.delta, &m->delta);
    case RF_RECORD_HAND:
      r->kind_case = RETAILFUSE__RECORD__KIND_HAND;
      r->hand = &m->hand;
      return encode_hand(enc, &rec->u.hand, &m->hand, &m->scores);
    case RF_RECORD_RECEIPT:
      r->kind_case = RETAILFUSE__RECORD__KIND_RECEIPT;
      r->receipt = &m->receipt;
      return encode_receipt(enc, &rec->u.receipt, &m->receipt);
    case RF_RECORD_DIFF:
    case RF_RECORD_TRUTH: encode_outcome(rec, m, r); return 0;
    case RF_RECORD_RESTOCK: encode_restock(&rec->u.restock, m, r); return 0;
    case RF_RECORD_CAMERA: encode_camera(&rec->u.camera, m, r); return 0;
    case RF_RECORD_ZONE: encode_zone(&rec->u.zone, m, r); return 0;
    case RF_RECORD_REVIEW:
      r->kind_case = RETAILFUSE__RECORD__KIND_REVIEW;
      r->review = &m->review;
      return encode_review(enc, &rec->u.review, &m->review);
    case RF_RECORD_EXPLAIN:
      r->kind_case = RETAILFUSE__RECORD__KIND_EXPLAIN;
      r->explain = &m->explain;
      return encode_explain(enc, &rec->u.explain, &m->explain);
    case RF_RECORD_TYPE_COUNT: break;
  }
  return RF_EINVAL;
}

int rf__pb_pack(rf__pb_encoder *enc, const Retailfuse__Record *r, uint8_t **buf, size_t *len,
                size_t *cap) {
  size_t size = retailfuse__record__get_packed_size(r);
  if (rf__reserve(&enc->alloc, (void **)buf, cap, *len + size + 10, 1) != 0) return RF_ENOMEM;
  *len += rf__pb_put_varint(*buf + *len, size);
  *len += retailfuse__record__pack(r, *buf + *len);
  return 0;
}

int rf__pb_encode(rf__pb_encoder *enc, const rf_record *rec, uint8_t **buf, size_t *len,
                  size_t *cap) {
  messages m;
  init_messages(&m);
  Retailfuse__Record r = RETAILFUSE__RECORD__INIT;
  int rc = encode_record(enc, rec, &m, &r);
  r.has_line = enc->with_line && rec->line > 0;
  r.line = rec->line;
  return rc != 0 ? rc : rf__pb_pack(enc, &r, buf, len, cap);
}

int rf__pb_encode_advance(rf__pb_encoder *enc, rf_time_us clock, uint8_t **buf, size_t *len,
                          size_t *cap) {
  Retailfuse__Record r = RETAILFUSE__RECORD__INIT;
  r.kind_case = RETAILFUSE__RECORD__KIND_ADVANCE;
  r.advance = clock;
  return rf__pb_pack(enc, &r, buf, len, cap);
}

/* ---- decoding ---- */

enum {
  D_PLATES,
  D_DELTAS,
  D_SCORES,
  D_ITEMS,
  D_GRAMS,
  D_KEYS,
  D_ALTERNATIVES,
  D_CANDIDATES,
  D_HANDS
};

static void *pb_alloc(void *data, size_t size) { return rf__malloc(data, size); }
static void pb_free(void *data, void *ptr) { rf__free(data, ptr); }

void rf__pb_decoder_init(rf__pb_decoder *dec, const rf_allocator *a) {
  memset(dec, 0, sizeof *dec);
  dec->alloc = *a;
  dec->pb_alloc = (ProtobufCAllocator){pb_alloc, pb_free, &dec->alloc};
}

static void drop_message(rf__pb_decoder *dec) {
  if (dec->message != NULL) retailfuse__record__free_unpacked(dec->message, &dec->pb_alloc);
  dec->message = NULL;
}

void rf__pb_decoder_free(rf__pb_decoder *dec) {
  drop_message(dec);
  for (size_t k = 0; k < sizeof dec->slots / sizeof dec->slots[0]; ++k)
    rf__free(&dec->alloc, dec->slots[k]);
  memset(dec->slots, 0, sizeof dec->slots);
  memset(dec->caps, 0, sizeof dec->caps);
}

static void *dslot(rf__pb_decoder *dec, int k, size_t n, size_t size) {
  if (rf__reserve(&dec->alloc, &dec->slots[k], &dec->caps[k], n ? n : 1, size) != 0) return NULL;
  return dec->slots[k];
}

static int by_string(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key JSON would hold in one object (a delta's plates, a hand's skus, a receipt's items) that
 * comes twice: the JSON reader refuses that line, so the twin frame is refused too. */
static const char *repeated_key(rf__pb_decoder *dec, const char *const *keys, size_t stride,
                                size_t n, int *rc) {
  *rc = 0;
  const char **sorted = dslot(dec, D_KEYS, n, sizeof *sorted);
  if (sorted == NULL) {
    *rc = RF_ENOMEM;
    return NULL;
  }
  for (size_t i = 0; i < n; ++i)
    sorted[i] = *(const char *const *)((const char *)keys + i * stride);
  qsort(sorted, n, sizeof *sorted, by_string);
  for (size_t i = 1; i < n; ++i)
    if (strcmp(sorted[i - 1], sorted[i]) == 0) return sorted[i];
  return NULL;
}

static int decode_shelf(rf__pb_decoder *dec, const Retailfuse__Shelf *m, rf_shelf_def *s) {
  s->shelf = m->shelf;
  s->has_noise = m->has_noise_g;
  s->noise_g = m->noise_g;
  if ((s->has_pos = m->pos != NULL)) {
    s->pos_x = m->pos->x;
    s->pos_y = m->pos->y;
  }
  if ((s->has_dir = m->dir != NULL)) {
    s->dir_x = m->dir->x;
    s->dir_y = m->dir->y;
  }
  rf_plate_def *plates = dslot(dec, D_PLATES, m->n_plates, sizeof *plates);
  if (plates == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < m->n_plates; ++i)
    plates[i] = (rf_plate_def){m->plates[i]->plate, m->plates[i]->x0, m->plates[i]->x1};
  s->plates = plates;
  s->plate_count = m->n_plates;
  return 0;
}

static int decode_samples(rf__pb_decoder *dec, const Retailfuse__Samples *m, rf_samples_rec *s,
                          rf__errbuf *err) {
  s->plate = m->plate;
  s->t = m->t;
  s->dt_us = m->dt_us;
  if (m->n_cg_steps > 0 && m->n_g > 0)
    return rf__error(err, RF_EPARSE, "samples: fields 'cg_steps' and 'g' are both present");
  if (m->n_g > 0) {
    s->g = m->g;
    s->count = m->n_g;
    return 0;
  }
  double *g = dslot(dec, D_GRAMS, m->n_cg_steps, sizeof *g);
  if (g == NULL) return RF_ENOMEM;
  int64_t cg = 0;
  for (size_t i = 0; i < m->n_cg_steps; ++i) {
    /* Each step and the sum stay within 2^50 centigrams, far beyond RF_WEIGHT_LIMIT_G. */
    int64_t step = m->cg_steps[i];
    if (step > ((int64_t)1 << 50) || step < -((int64_t)1 << 50) || cg + step > ((int64_t)1 << 50) ||
        cg + step < -((int64_t)1 << 50))
      return rf__error(err, RF_ERANGE, "samples: field 'g' is beyond 1e7 g");
    cg += step;
    g[i] = (double)cg / 100.0;
  }
  s->g = g;
  s->count = m->n_cg_steps;
  return 0;
}

static int decode_delta(rf__pb_decoder *dec, const Retailfuse__Delta *m, rf_delta_rec *d,
                        rf__errbuf *err) {
  d->shelf = m->shelf;
  d->t0 = m->t0;
  d->t1 = m->t1;
  rf_plate_delta *plates = dslot(dec, D_DELTAS, m->n_plates, sizeof *plates);
  if (plates == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < m->n_plates; ++i) {
    const Retailfuse__PlateDelta *p = m->plates[i];
    if (p->has_cg == p->has_g)
      return rf__error(err, RF_EPARSE, "delta: field 'plates.%s' needs one of 'cg' and 'g'",
                       p->plate);
    if (p->has_cg && (p->cg > ((int64_t)1 << 50) || p->cg < -((int64_t)1 << 50)))
      return rf__error(err, RF_ERANGE, "delta: field 'plates.%s' is beyond 1e7 g", p->plate);
    plates[i] = (rf_plate_delta){p->plate, p->has_cg ? (double)p->cg / 100.0 : p->g};
  }
  d->plates = plates;
  d->plate_count = m->n_plates;
  int rc;
  const char *twice = repeated_key(dec, &plates[0].plate, sizeof *plates, m->n_plates, &rc);
  if (rc != 0) return rc;
  if (twice) return rf__error(err, RF_EPARSE, "delta: field 'plates.%s' appears twice", twice);
  return 0;
}

static int decode_hand(rf__pb_decoder *dec, const Retailfuse__Hand *m, rf_hand_rec *h,
                       rf__errbuf *err) {
  h->shopper = m->shopper;
  h->shelf = m->shelf;
  h->t0 = m->t0;
  h->t1 = m->t1;
  h->has_x = m->has_x;
  h->x = m->x;
  h->has_conf = m->has_conf;
  h->conf = m->conf;
  h->holding_in = m->has_holding_in ? m->holding_in != 0 : RF_UNKNOWN;
  h->holding_out = m->has_holding_out ? m->holding_out != 0 : RF_UNKNOWN;
  if ((h->has_sku_scores = m->sku_scores != NULL) == 0) return 0;
  size_t n = m->sku_scores->n_scores;
  rf_sku_score *scores = dslot(dec, D_SCORES, n, sizeof *scores);
  if (scores == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < n; ++i)
    scores[i] = (rf_sku_score){m->sku_scores->scores[i]->sku, m->sku_scores->scores[i]->score};
  h->sku_scores = scores;
  h->sku_score_count = n;
  int rc;
  const char *twice = repeated_key(dec, &scores[0].sku, sizeof *scores, n, &rc);
  if (rc != 0) return rc;
  if (twice) return rf__error(err, RF_EPARSE, "hand: field 'sku_scores.%s' appears twice", twice);
  return 0;
}

/* ItemQty messages into items; "<what>: field '<field>.SKU' appears twice" for a sku that
 * comes twice, as the JSON reader refuses a key that does. */
static int decode_items(rf__pb_decoder *dec, Retailfuse__ItemQty *const *m, size_t n,
                        rf_item_qty *items, const char *what, const char *field, rf__errbuf *err) {
  for (size_t i = 0; i < n; ++i) items[i] = (rf_item_qty){m[i]->sku, m[i]->qty};
  int rc;
  const char *twice = repeated_key(dec, &items[0].sku, sizeof *items, n, &rc);
  if (rc != 0) return rc;
  if (twice)
    return rf__error(err, RF_EPARSE, "%s: field '%s.%s' appears twice", what, field, twice);
  return 0;
}

static int decode_receipt(rf__pb_decoder *dec, const Retailfuse__Receipt *m, rf_receipt_rec *r,
                          rf__errbuf *err) {
  r->has_t = m->has_t;
  r->t = m->t;
  r->shopper = m->shopper;
  r->review = m->has_review ? m->review != 0 : RF_UNKNOWN;
  r->amends = m->has_amends && m->amends;
  rf_item_qty *items = dslot(dec, D_ITEMS, m->n_items, sizeof *items);
  if (items == NULL) return RF_ENOMEM;
  r->items = items;
  r->item_count = m->n_items;
  return decode_items(dec, m->items, m->n_items, items, "receipt", "items", err);
}

static int decode_review(rf__pb_decoder *dec, const Retailfuse__Review *m, rf_review_rec *r,
                         rf__errbuf *err) {
  r->decision = m->decision;
  r->shopper = m->shopper;
  r->reviewer = m->reviewer;
  rf_item_qty *items = dslot(dec, D_ITEMS, m->n_items, sizeof *items);
  if (items == NULL) return RF_ENOMEM;
  r->items = items;
  r->item_count = m->n_items;
  return decode_items(dec, m->items, m->n_items, items, "review", "items", err);
}

/* An alternative's terms: NAN for each absent, and all of them without the message. */
static void decode_terms(const Retailfuse__Terms *t, rf_evidence *e) {
  for (int k = 0; k < RF__EVIDENCE_TERMS; ++k) rf__evidence_set(e, k, NAN);
  if (t == NULL) return;
  const protobuf_c_boolean has[RF__EVIDENCE_TERMS] = {
      t->has_weight, t->has_plates, t->has_prior, t->has_hand, t->has_identity, t->has_position};
  const double value[RF__EVIDENCE_TERMS] = {t->weight, t->plates,   t->prior,
                                            t->hand,   t->identity, t->position};
  for (int k = 0; k < RF__EVIDENCE_TERMS; ++k)
    if (has[k]) rf__evidence_set(e, k, value[k]);
}

static int decode_alternatives(rf__pb_decoder *dec, const Retailfuse__Explain *m, rf_explain_rec *x,
                               rf__errbuf *err) {
  size_t n = m->n_alternatives, item_count = 0;
  for (size_t i = 0; i < n; ++i) item_count += m->alternatives[i]->n_items;
  rf_alternative *alts = dslot(dec, D_ALTERNATIVES, n, sizeof *alts);
  rf_item_qty *items = dslot(dec, D_ITEMS, item_count, sizeof *items);
  if (alts == NULL || items == NULL) return RF_ENOMEM;
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    const Retailfuse__Alternative *a = m->alternatives[i];
    char field[48];
    snprintf(field, sizeof field, "alternatives[%zu].items", i);
    alts[i] = (rf_alternative){a->shopper, items + at, a->n_items, a->p, {0, 0, 0, 0, 0, 0}};
    decode_terms(a->terms, &alts[i].terms);
    int rc = decode_items(dec, a->items, a->n_items, items + at, "explain", field, err);
    if (rc != 0) return rc;
    at += a->n_items;
  }
  x->alternatives = alts;
  x->alternative_count = n;
  return 0;
}

static int decode_explain(rf__pb_decoder *dec, const Retailfuse__Explain *m, rf_explain_rec *x,
                          rf__errbuf *err) {
  *x = (rf_explain_rec){m->event, m->t,       m->shelf, m->t0, m->t1, m->total, m->x, m->how,
                        m->diffs, m->n_diffs, NULL,     0,     NULL,  0,        NULL, 0};
  rf_candidate *cands = dslot(dec, D_CANDIDATES, m->n_candidates, sizeof *cands);
  rf_explain_hand *hands = dslot(dec, D_HANDS, m->n_hands, sizeof *hands);
  if (cands == NULL || hands == NULL) return RF_ENOMEM;
  for (size_t i = 0; i < m->n_candidates; ++i) {
    const Retailfuse__Candidate *c = m->candidates[i];
    cands[i] = (rf_candidate){c->shopper, c->p, c->has_distance, c->distance};
  }
  for (size_t i = 0; i < m->n_hands; ++i) {
    const Retailfuse__ExplainHand *h = m->hands[i];
    hands[i] = (rf_explain_hand){h->shopper, h->t0, h->t1, h->has_x, h->x, h->p};
  }
  x->candidates = cands;
  x->candidate_count = m->n_candidates;
  x->hands = hands;
  x->hand_count = m->n_hands;
  return decode_alternatives(dec, m, x, err);
}

/* The kinds whose message holds only scalars and strings. */
static int decode_plain(const Retailfuse__Record *m, rf_record *out) {
  switch (m->kind_case) {
    case RETAILFUSE__RECORD__KIND_PRODUCT:
      out->type = RF_RECORD_PRODUCT;
      out->u.product = (rf_product_def){m->product->sku, m->product->name, m->product->weight_g,
                                        m->product->has_weight_sd_g, m->product->weight_sd_g};
      return 1;
    case RETAILFUSE__RECORD__KIND_FACING:
      out->type = RF_RECORD_FACING;
      out->u.facing = (rf_facing_def){m->facing->shelf, m->facing->sku, m->facing->x0,
                                      m->facing->x1,
                                      m->facing->has_count ? m->facing->count : RF_COUNT_UNKNOWN};
      return 1;
    case RETAILFUSE__RECORD__KIND_ENTER:
      out->type = RF_RECORD_ENTER;
      out->u.enter =
          (rf_shopper_rec){m->enter->t, m->enter->shopper, m->enter->has_staff && m->enter->staff};
      return 1;
    case RETAILFUSE__RECORD__KIND_EXIT:
      out->type = RF_RECORD_EXIT;
      out->u.exit = (rf_shopper_rec){m->exit->t, m->exit->shopper, 0};
      return 1;
    case RETAILFUSE__RECORD__KIND_LINK:
      out->type = RF_RECORD_LINK;
      out->u.link = (rf_link_rec){m->link->t, m->link->shopper, m->link->cart};
      return 1;
    case RETAILFUSE__RECORD__KIND_POSITION:
      out->type = RF_RECORD_POSITION;
      out->u.position =
          (rf_position_rec){m->position->t, m->position->shopper, m->position->x, m->position->y};
      return 1;
    case RETAILFUSE__RECORD__KIND_DIFF: {
      const Retailfuse__Diff *d = m->diff;
      out->type = RF_RECORD_DIFF;
      out->u.diff = (rf_diff_rec){d->seq,          d->t,        d->shopper,     d->sku,
                                  d->qty,          d->conf,     d->review,      d->event,
                                  d->has_corrects, d->corrects, d->has_reviews, d->reviews};
      return 1;
    }
    case RETAILFUSE__RECORD__KIND_TRUTH:
      out->type = RF_RECORD_TRUTH;
      out->u.truth = (rf_truth_rec){m->truth->t, m->truth->shopper, m->truth->sku, m->truth->qty};
      return 1;
    case RETAILFUSE__RECORD__KIND_RESTOCK: {
      const Retailfuse__Restock *x = m->restock;
      out->type = RF_RECORD_RESTOCK;
      out->u.restock = (rf_restock_rec){x->shelf, x->sku, x->t0, x->t1, x->qty};
      return 1;
    }
    case RETAILFUSE__RECORD__KIND_CAMERA: {
      const Retailfuse__Camera *c = m->camera;
      out->type = RF_RECORD_CAMERA;
      out->u.camera = (rf_camera_rec){c->camera, c->width, c->height, c->fps, c->t0};
      return 1;
    }
    case RETAILFUSE__RECORD__KIND_ZONE: {
      const Retailfuse__Zone *z = m->zone;
      /* A front that is no front's name stays out of range: the checks after refuse it. */
      int front = rf_zone_front_parse(z->front);
      out->type = RF_RECORD_ZONE;
      out->u.zone = (rf_zone_rec){z->camera,
                                  z->shelf,
                                  z->px->x0,
                                  z->px->y0,
                                  z->px->x1,
                                  z->px->y1,
                                  front < 0 ? RF_FRONT_COUNT : (rf_zone_front)front,
                                  z->shelf_x->x0,
                                  z->shelf_x->x1};
      return 1;
    }
    default: return 0;
  }
}

static int decode_kind(rf__pb_decoder *dec, const Retailfuse__Record *m, rf_record *out,
                       rf__errbuf *err) {
  if (decode_plain(m, out)) return 0;
  switch (m->kind_case) {
    case RETAILFUSE__RECORD__KIND_SHELF:
      out->type = RF_RECORD_SHELF;
      return decode_shelf(dec, m->shelf, &out->u.shelf);
    case RETAILFUSE__RECORD__KIND_SAMPLES:
      out->type = RF_RECORD_SAMPLES;
      return decode_samples(dec, m->samples, &out->u.samples, err);
    case RETAILFUSE__RECORD__KIND_DELTA:
      out->type = RF_RECORD_DELTA;
      return decode_delta(dec, m->delta, &out->u.delta, err);
    case RETAILFUSE__RECORD__KIND_HAND:
      out->type = RF_RECORD_HAND;
      return decode_hand(dec, m->hand, &out->u.hand, err);
    case RETAILFUSE__RECORD__KIND_RECEIPT:
      out->type = RF_RECORD_RECEIPT;
      return decode_receipt(dec, m->receipt, &out->u.receipt, err);
    case RETAILFUSE__RECORD__KIND_REVIEW:
      out->type = RF_RECORD_REVIEW;
      return decode_review(dec, m->review, &out->u.review, err);
    case RETAILFUSE__RECORD__KIND_EXPLAIN:
      out->type = RF_RECORD_EXPLAIN;
      return decode_explain(dec, m->explain, &out->u.explain, err);
    default: return rf__error(err, RF_EPARSE, "record: no known record kind");
  }
}

int rf__pb_decode(rf__pb_decoder *dec, const uint8_t *data, size_t len, rf_record *out,
                  rf__errbuf *err) {
  int is_advance;
  rf_time_us clock;
  int rc = rf__pb_decode_entry(dec, data, len, out, &is_advance, &clock, err);
  if (rc == 0 && is_advance) return rf__error(err, RF_EPARSE, "record: no known record kind");
  return rc;
}

/* Whether a string field of the message data[0, len) of type `desc`, or of a message within it,
 * holds a NUL: protobuf-c ends each string there, so the record would name a shorter id than the
 * frame does. Run on a frame protobuf-c has unpacked (so well formed): 1, 0, or -1 if not. */
static int holds_nul(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                     int depth) {
  size_t at = 0;
  while (at < len) {
    uint64_t key, n = 0;
    int k = rf__pb_get_varint(data + at, len - at, &key);
    if (k <= 0 || depth > 8) return -1;
    at += (size_t)k;
    switch (key & 7) {
      case 0:
        k = rf__pb_get_varint(data + at, len - at, &n);
        if (k <= 0) return -1;
        at += (size_t)k;
        continue;
      case 1: at += 8; continue;
      case 5: at += 4; continue;
      case 2: break;
      default: return -1;
    }
    k = rf__pb_get_varint(data + at, len - at, &n);
    if (k <= 0 || n > len - at - (size_t)k) return -1;
    at += (size_t)k;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(desc, (unsigned)(key >> 3));
    int nul = 0;
    if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING) nul = memchr(data + at, 0, n) != NULL;
    if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE)
      nul = holds_nul(f->descriptor, data + at, (size_t)n, depth + 1);
    if (nul != 0) return nul;
    at += (size_t)n;
  }
  return at == len ? 0 : -1;
}

const Retailfuse__Record *rf__pb_unpack(rf__pb_decoder *dec, const uint8_t *data, size_t len,
                                        rf__errbuf *err) {
  drop_message(dec);
  Retailfuse__Record *m = retailfuse__record__unpack(&dec->pb_alloc, len, data);
  if (m == NULL) {
    rf__error(err, RF_EPARSE, "not a Record message (malformed, or a required field is missing)");
    return NULL;
  }
  dec->message = m;
  if (holds_nul(&retailfuse__record__descriptor, data, len, 0) != 0) {
    rf__error(err, RF_EPARSE, "a string holds a NUL");
    return NULL;
  }
  return m;
}

int rf__pb_record_of(rf__pb_decoder *dec, const Retailfuse__Record *m, rf_record *out,
                     rf__errbuf *err) {
  memset(out, 0, sizeof *out);
  int rc = decode_kind(dec, m, out, err);
  if (rc != 0) return rc == RF_ENOMEM ? rf__error(err, rc, "out of memory") : rc;
  if (m->has_line) out->line = m->line;
  if (rf__record_is_input(out->type)) {
    out->source = m->source;
    out->has_seq = m->has_seq;
    out->seq = m->seq;
  }
  return rf__record_check(out, err);
}

int rf__pb_decode_entry(rf__pb_decoder *dec, const uint8_t *data, size_t len, rf_record *out,
                        int *is_advance, rf_time_us *clock, rf__errbuf *err) {
  *is_advance = 0;
  const Retailfuse__Record *m = rf__pb_unpack(dec, data, len, err);
  if (m == NULL) return RF_EPARSE;
  if (m->kind_case == RETAILFUSE__RECORD__KIND_ADVANCE) {
    memset(out, 0, sizeof *out);
    *is_advance = 1;
    *clock = m->advance;
    return 0;
  }
  return rf__pb_record_of(dec, m, out, err);
}
