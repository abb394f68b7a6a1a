/* A batch of changes decided jointly: each change a row, each hand visit that could explain one
 * a column; the assignment marginals (one visit explains at most one change) give every row's
 * posterior over shoppers; then each row is decided — split between two hands (split.c), read
 * as merged reaches (merged.c), as runs of plates (runs.c), or whole, as the most probable
 * hypothesis of the most probable cart. docs/likelihood.md writes the model out. */
#include "batch.h"

#include <string.h>

#include "calibrate.h"
#include "core/alloc.h"
#include "emit.h"
#include "explain.h"
#include "loose.h"
#include "merged.h"
#include "retailfuse/status.h"
#include "revise.h"
#include "runs.h"
#include "restock.h"
#include "split.h"
#include "weighing.h"

typedef struct f_batch {
  size_t due;        /* rows: the first `due` pending changes */
  uint32_t shoppers; /* slots of the ledger */
  size_t hands;      /* hand visits kept */
  size_t cols;       /* columns: hand visits that could explain a row */
  f_row_terms *rows;
  double *per_shopper;     /* per row: what and prox, shoppers + 1 each */
  double *L, *L0, *P, *P0; /* likelihoods and their marginals */
  double *post;            /* per shopper, then per cart: a row's posterior */
  int32_t *column_of, *hand_of;
  f_hyps s;
  double missed; /* MISSED_HAND_RATE */
  double spared; /* the browse cost a used hand no longer pays */
  rf_time_us wait;
  rf_time_us decided_at; /* the latest due time of its changes (t1 + wait) */
} f_batch;

/* Room for everything deciding the first `due` pending changes can leave behind, so that once
 * the batch starts to change the engine nothing can fail for memory: per change at most two
 * diffs for each plate (its runs, each of two products) and four more (a decision of two parts
 * and a correction of two diffs), a kept decision, a sub-change's plates, and the spots of
 * items left loose. */
static int reserve_outcomes(rf_engine *e, size_t due) {
  size_t diffs = 0, plates = 0;
  for (size_t r = 0; r < due; ++r) {
    rf_shelf_def def;
    rf_store_shelf(e->store, e->pending[r].shelf, &def);
    diffs += 2 * def.plate_count + 4;
    if (def.plate_count > plates) plates = def.plate_count;
  }
  const rf_allocator *a = &e->alloc;
  if (RF__RESERVE(a, e->decisions, e->decision_cap, e->decision_count + due) != 0 ||
      RF__RESERVE(a, e->g_pool, e->g_cap, e->g_len + plates) != 0 ||
      RF__RESERVE(a, e->loose, e->loose_cap, RF__LOOSE_MAX) != 0)
    return -1;
  return rf__emit_reserve(e, diffs);
}

/* The engine's scratch slot `slot`, room for `count` of `type` (NULL: out of memory). */
#define SLOT(slot, count, type) \
  ((type *)rf__slots_reserve(&e->scratch, &e->alloc, (slot), (count), sizeof(type)))

/* The batch's buffers from the engine's scratch, and room for its outcomes: 0 or -1. */
static int reserve_batch(rf_engine *e, f_batch *b) {
  const size_t due = b->due, hands = b->hands, per = (size_t)b->shoppers + 1;
  b->s.takes = SLOT(F_SLOT_TAKES, RF__MAX_WHAT, f_what);
  b->s.puts = SLOT(F_SLOT_PUTS, RF__MAX_WHAT, f_what);
  b->rows = SLOT(F_SLOT_ROWS, due, f_row_terms);
  b->per_shopper = SLOT(F_SLOT_PER_SHOPPER, 2 * due * per, double);
  b->column_of = SLOT(F_SLOT_COLUMN_OF, hands + 1, int32_t);
  b->L = SLOT(F_SLOT_L, due * (hands + 1), double);
  b->L0 = SLOT(F_SLOT_L0, due, double);
  b->P = SLOT(F_SLOT_P, due * (hands + 1), double);
  b->P0 = SLOT(F_SLOT_P0, due, double);
  b->post = SLOT(F_SLOT_POST, 2 * per, double);
  b->hand_of = SLOT(F_SLOT_HAND_OF, hands + 1, int32_t);
  if (b->s.takes == NULL || b->s.puts == NULL || b->rows == NULL || b->per_shopper == NULL ||
      b->column_of == NULL || b->L == NULL || b->L0 == NULL || b->P == NULL || b->P0 == NULL ||
      b->post == NULL || b->hand_of == NULL ||
      SLOT(F_SLOT_SPLIT_FIT, rf__split_fit_size(e), double) == NULL ||
      SLOT(F_SLOT_MERGED, rf__merged_scratch_size(), double) == NULL ||
      SLOT(F_SLOT_HINTED, RF__MAX_WHAT, double) == NULL ||
      SLOT(F_SLOT_ORDER, RF__MAX_WHAT, int32_t) == NULL ||
      SLOT(F_SLOT_ORDER_TMP, RF__MAX_WHAT, int32_t) == NULL || reserve_outcomes(e, due) != 0)
    return -1;
  b->s.takes_of = NULL;
  memset(b->rows, 0, due * sizeof *b->rows);
  return 0;
}

/* Columns: hand visits that could explain at least one change of the batch, and had ended by the
 * time it fell due. A visit ending later may or may not have arrived yet, depending on how the
 * sources' records interleaved: leaving it out makes the decision the same either way. */
static void choose_columns(const rf_engine *e, f_batch *b) {
  b->cols = 0;
  for (size_t h = 0; h < b->hands; ++h) {
    b->column_of[h] = -1;
    if (e->hands[h].t1 > b->decided_at) continue;
    for (size_t r = 0; r < b->due; ++r)
      if (rf__hand_fit(e, &e->hands[h], &e->pending[r]) > -INFINITY) {
        b->column_of[h] = (int32_t)b->cols;
        b->hand_of[b->cols++] = (int32_t)h;
        break;
      }
  }
}

/* Row r's terms per shopper: what they would have moved (log L), and how plausibly they stood
 * there, normalised over the candidates. */
static void row_shoppers(const rf_engine *e, f_batch *b, size_t r) {
  f_row_terms *row = &b->rows[r];
  const f_change *c = &row->change;
  row->what = b->per_shopper + 2 * r * ((size_t)b->shoppers + 1);
  row->prox = row->what + b->shoppers + 1;
  rf__takes_of(e, c, &b->s);
  double prox_sum = 0.0;
  for (uint32_t k = 0; k < b->shoppers; ++k) {
    row->what[k] = -INFINITY;
    row->prox[k] = 0.0;
    if (!rf__candidate(e, k, c)) continue;
    row->what[k] = rf__what_logl(e, c, k, &b->s);
    row->prox[k] = rf__proximity(e, k, c);
    prox_sum += row->prox[k];
  }
  row->candidates = 0;
  for (uint32_t k = 0; k < b->shoppers && prox_sum > 0; ++k) {
    row->prox[k] /= prox_sum;
    row->candidates += row->prox[k] > 0;
  }
}

/* Row r of the likelihoods: each column (the hand's shopper, or rarely someone else; anyone, if
 * anonymous), and no column (a reach the cameras missed, by someone near, or nobody), shifted
 * so the row's largest term is 1: the marginals do not change, nothing underflows. */
static void build_row(const rf_engine *e, f_batch *b, size_t r) {
  f_row_terms *row = &b->rows[r];
  row->change = e->pending[r];
  const f_change *c = &row->change;
  row_shoppers(e, b, r);
  /* Nobody: an unknown item or noise, spread flat over a couple of kilograms. */
  row->unexplained = rf__unexplained_logl(e);
  double top = row->unexplained;
  double *Lr = b->L + r * (b->cols + 1);
  for (size_t j = 0; j < b->cols; ++j) {
    const f_hand *hv = &e->hands[b->hand_of[j]];
    double fitl = rf__visit_fit(e, c, &b->s, hv), acc = -INFINITY;
    if (fitl > -INFINITY)
      for (uint32_t k = 0; k < b->shoppers; ++k) {
        double t = rf__column_term(e, row, hv, fitl, b->spared, k);
        if (t > -INFINITY) acc = rf__logsumexp_add(acc, t);
      }
    Lr[j] = acc;
    if (acc > top) top = acc;
  }
  double none = row->unexplained;
  for (uint32_t k = 0; k < b->shoppers; ++k) {
    double t = rf__missed_term(row, b->missed, k);
    if (t > -INFINITY) none = rf__logsumexp_add(none, t);
  }
  b->L0[r] = none;
  if (none > top) top = none;
  for (size_t j = 0; j < b->cols; ++j) Lr[j] = Lr[j] == -INFINITY ? 0.0 : exp(Lr[j] - top);
  b->L0[r] = exp(b->L0[r] - top);
  row->unexplained -= top;
  for (uint32_t k = 0; k < b->shoppers; ++k)
    if (row->what[k] > -INFINITY) row->what[k] -= top;
}

/* Row r's posterior of each shopper — through every hand column, and through "no column" —
 * pooled by cart (shoppers who share one pool theirs) into b->post; returns the best cart's
 * likeliest member, who stands for it (their hand's hints, their put-backs), and the
 * probability that nobody made the change in *unexplained_p. */
static uint32_t row_posterior(rf_engine *e, f_batch *b, size_t r, double *unexplained_p) {
  const f_row_terms *row = &b->rows[r];
  const f_change *c = &row->change;
  const size_t cols = b->cols;
  const double *L = b->L, *L0 = b->L0, *P = b->P, *P0 = b->P0;
  double *post = b->post;
  *unexplained_p = L0[r] > 0 ? P0[r] * exp(row->unexplained) / L0[r] : 0.0;
  for (uint32_t k = 0; k < b->shoppers; ++k) post[k] = 0.0;
  rf__takes_of(e, c, &b->s);
  for (size_t j = 0; j < cols; ++j) {
    double pj = P[r * cols + j], lj = L[r * cols + j];
    if (pj <= 0 || lj <= 0) continue;
    const f_hand *hv = &e->hands[b->hand_of[j]];
    double fitl = rf__visit_fit(e, c, &b->s, hv), named = 0.0;
    for (uint32_t k = 0; k < b->shoppers; ++k) {
      double t = rf__column_term(e, row, hv, fitl, b->spared, k);
      if (t > -INFINITY) post[k] += pj * exp(t) / lj;
      if (t > -INFINITY && (int64_t)k == hv->shopper) named = exp(t) / lj;
    }
    /* A named visit that made the change: how likely its name was another's. */
    if (hv->shopper >= 0) rf__learn_add(&e->learn, F_LEARN_WRONG_ID, pj, pj * (1.0 - named));
  }
  for (uint32_t k = 0; k < b->shoppers && L0[r] > 0; ++k) {
    double t = rf__missed_term(row, b->missed, k);
    if (t > -INFINITY) post[k] += P0[r] * exp(t) / L0[r];
  }
  /* Made by someone: how likely through no visit at all (a reach the cameras missed). */
  rf__learn_add(&e->learn, F_LEARN_MISSED, 1.0 - *unexplained_p, P0[r] - *unexplained_p);
  double *cart_post = post + b->shoppers + 1;
  const rf__ledger *l = &e->ledger;
  for (uint32_t k = 0; k < b->shoppers; ++k) cart_post[k] = 0.0;
  for (uint32_t k = 0; k < b->shoppers; ++k) cart_post[rf__ledger_cart_of(l, k)] += post[k];
  uint32_t best = 0;
  for (uint32_t k = 1; k < b->shoppers; ++k) {
    double ck = cart_post[rf__ledger_cart_of(l, k)];
    double cb = cart_post[rf__ledger_cart_of(l, best)];
    if (ck > cb || (ck == cb && post[k] > post[best])) best = k;
  }
  for (uint32_t k = 0; k < b->shoppers; ++k) post[k] = cart_post[rf__ledger_cart_of(l, k)];
  return best;
}

/* The hand visit of the batch most likely the best shopper's (theirs or anonymous), or NULL. */
static const f_hand *their_hand(const rf_engine *e, const f_batch *b, size_t r, uint32_t best) {
  const f_hand *their = NULL;
  double their_p = 0.0;
  for (size_t j = 0; j < b->cols; ++j) {
    const f_hand *hv = &e->hands[b->hand_of[j]];
    if ((hv->shopper == (int64_t)best || hv->shopper < 0) && b->P[r * b->cols + j] > their_p) {
      their = hv;
      their_p = b->P[r * b->cols + j];
    }
  }
  return their;
}

/* The diffs of choice ch, its items' own probabilities: a diff is right when these items
 * moved, whatever else moved with them, so its probability sums every hypothesis that makes
 * it, not only those that make the same decision. *seq gets the first diff's number. */
static int emit_choice(rf_engine *e, const f_choice *ch, const f_what *list, size_t count,
                       const double *hinted, rf_time_us t, int64_t *seq) {
  const f_what *w = ch->w;
  int rc = 0;
  int64_t seqs[2] = {-1, -1};
  for (int part = 0; part < w->parts && rc == 0; ++part) {
    int64_t q = ch->c->total < 0 ? w->qty[part] : -w->qty[part];
    double made = -INFINITY;
    for (size_t i = 0; i < count; ++i)
      for (int k = 0; k < list[i].parts; ++k)
        if (list[i].product[k] == w->product[part] && list[i].qty[k] == w->qty[part]) {
          made = rf__logsumexp_add(made, hinted[i]);
          break;
        }
    double p = fmin(1.0, fmax(ch->conf, ch->post[ch->best] * exp(made - ch->all)));
    rc = rf__emit_diff(e, ch->c->event, ch->cart, w->product[part], q, p, t, -1, &seqs[part]);
  }
  *seq = seqs[0];
  return rc;
}

/* Row r decided whole, for the best shopper: their most likely hypothesis, each weighed with
 * the sku hint and place of the hand visit most likely theirs; a put-back that shows an earlier
 * take went the other way corrects it. 0, RF_ENOMEM, or the output's error. */
static int decide_whole(rf_engine *e, f_batch *b, size_t r, uint32_t best) {
  const f_change *c = &b->rows[r].change;
  f_hyps *s = &b->s;
  rf__takes_of(e, c, s);
  rf__what_logl(e, c, best, s);
  f_choice ch = {.c = c, .s = s, .best = best, .post = b->post, .shoppers = b->shoppers};
  ch.their = their_hand(e, b, r, best);
  const f_what *list = c->total < 0 ? s->takes : s->puts;
  size_t count = c->total < 0 ? s->take_count : s->put_count;
  if (count == 0) return 0;
  size_t nf = rf__shelf_facings(e, c->shelf);
  ch.hinted = c->total < 0 && ch.their;
  double *hinted = e->scratch.buf[F_SLOT_HINTED];
  ch.all = -INFINITY;
  for (size_t i = 0; i < count; ++i) {
    const f_what *o = &list[i];
    hinted[i] =
        o->logl +
        (ch.hinted ? rf__hand_items_logl(e, ch.their, c, o->product[0], o->lo, o->hi, nf) : 0.0);
    ch.all = rf__logsumexp_add(ch.all, hinted[i]);
  }
  double same;
  ch.w = rf__most_probable(list, hinted, count, e->scratch.buf[F_SLOT_ORDER],
                           e->scratch.buf[F_SLOT_ORDER_TMP], &same);
  ch.conf = b->post[best] * exp(same - ch.all);
  if (ch.conf > 1.0) ch.conf = 1.0;
  /* The reading teaches the store's weighing noise, as probable as it is whoever made it. */
  rf__teach_weighing(e, c, ch.w, exp(same - ch.all));
  /* And, when sure enough, the plates' gains and the items' weights. */
  if (rf__teach_reading(e, c, ch.w, exp(same - ch.all)) != 0) return RF_ENOMEM;
  ch.cart = rf__ledger_cart_of(&e->ledger, best);
  rf_time_us t = c->t1 + b->wait;
  int64_t seq;
  int rc;
  if (ch.w->decision >= 0 && (rc = rf__correct(e, &ch, t)) != 0) return rc;
  if ((rc = emit_choice(e, &ch, list, count, hinted, t, &seq)) != 0) return rc;
  if (rf__ledger_staff_cart(&e->ledger, ch.cart)) return 0; /* nothing to revise or mislay */
  if (c->total < 0 && ch.w->parts == 1 && ch.w->loose < 0 && rf__remember(e, &ch, seq) != 0)
    return RF_ENOMEM;
  return rf__note_loose(e, c, ch.w) != 0 ? RF_ENOMEM : 0;
}

/* Row r, weighed (its posterior in b->post), decided: split between two hands, read as merged
 * reaches, whole for the best cart, or — when nobody explains it whole — as runs of plates;
 * otherwise nobody's, reported by silence. *how names the way (explain.h). 0, RF_ENOMEM, or the
 * output's error. */
static int decide_weighed(rf_engine *e, f_batch *b, size_t r, uint32_t best, double unexplained_p,
                          const char **how) {
  const f_row_terms *row = &b->rows[r];
  const f_change *c = &row->change;
  const f_columns k = {b->hand_of, b->cols, b->L, b->L0};
  *how = "split";
  if (c->total < 0 && b->cols >= 2) {
    int split = rf__split_change(e, c, row, &k, r, e->scratch.buf[F_SLOT_SPLIT_FIT], b->wait);
    if (split != 0) return split < 0 ? RF_ENOMEM : 0;
  }
  *how = "merged";
  if (c->total < 0 && b->cols >= 1) {
    int read = rf__explain_merged(e, c, row, &k, r, b->wait, e->scratch.buf[F_SLOT_MERGED]);
    if (read != 0) return read < 0 ? RF_ENOMEM : 0;
  }
  *how = "runs";
  if (b->shoppers == 0 || b->post[best] <= unexplained_p)
    return rf__decide_runs(e, c, &b->s, b->wait) < 0 ? RF_ENOMEM : 0;
  *how = "whole";
  return decide_whole(e, b, r, best);
}

/* What an explanation of row r reads (unexplained_p < 0: not weighed, staff announced it). */
static f_explain_row explain_row(f_batch *b, size_t r, double unexplained_p) {
  const int weighed = unexplained_p >= 0;
  const f_change *c = &b->rows[r].change;
  return (f_explain_row){.c = c,
                         .row = weighed ? &b->rows[r] : NULL,
                         .post = b->post,
                         .nobody = weighed ? unexplained_p : 1.0,
                         .hand_of = b->hand_of,
                         .cols = b->cols,
                         .P = b->P + r * b->cols,
                         .s = &b->s,
                         .missed = b->missed,
                         .t = c->t1 + b->wait,
                         .how = "restock"};
}

/* Row r decided — staff's when they announced it, else weighed and decided — and explained when
 * the host asked (read before deciding, handed out after the diffs). */
static int decide_row(rf_engine *e, f_batch *b, size_t r) {
  const f_change *c = &b->rows[r].change;
  e->deciding_faulty = c->faulty;
  rf__explain_begin_row(e, c->event);
  f_explain_prep prep;
  int restock = rf__restock_decide(e, c); /* staff said so: nobody's, no diff */
  if (restock != 0) {
    if (restock < 0) return RF_ENOMEM;
    f_explain_row x = explain_row(b, r, -1.0);
    rf__explain_prepare(e, &x, &prep);
    rf__explain_finish(e, &x, &prep);
    return 0;
  }
  double unexplained_p;
  uint32_t best = row_posterior(e, b, r, &unexplained_p);
  f_explain_row x = explain_row(b, r, unexplained_p);
  rf__explain_prepare(e, &x, &prep);
  int rc = decide_weighed(e, b, r, best, unexplained_p, &x.how);
  if (rc != 0) return rc;
  if (e->explain_diff_count == 0) x.how = "nobody";
  rf__explain_finish(e, &x, &prep);
  return 0;
}

/* What this batch's visits explained is theirs: a later batch sees them as used. */
static void mark_used(rf_engine *e, const f_batch *b) {
  for (size_t j = 0; j < b->cols; ++j) {
    double u = 0.0;
    for (size_t r = 0; r < b->due; ++r) u += b->P[r * b->cols + j];
    f_hand *hu = &e->hands[b->hand_of[j]];
    hu->used = fmin(1.0, hu->used + u);
  }
}

/* The changes decided together next: the first pending change, once due, and the changes right
 * after it that ended no later (due no later). Which changes go together is so fixed by the data,
 * not by how far the clock jumped: however the sources' records interleaved, the decisions are
 * the same. (Later changes see what earlier batches' hand visits explained: f_hand.used.) A
 * put-back goes alone: it depends on the carts the changes before it leave, and the changes
 * after it on what it left where. */
static size_t batch_size(const rf_engine *e, int everything, rf_time_us wait) {
  if (e->pending_count == 0) return 0;
  const f_change *first = &e->pending[0];
  if (!everything && first->t1 + wait > e->clock) return 0;
  if (first->total > 0) return 1;
  size_t due = 1;
  while (due < e->pending_count && e->pending[due].t1 <= first->t1 && e->pending[due].total <= 0)
    ++due;
  return due;
}

rf_time_us rf__next_due(const rf_engine *e, int everything) {
  rf_time_us wait = rf__param_us(e, RF_PARAM_WAIT_S);
  return batch_size(e, everything, wait) > 0 ? e->pending[0].t1 + wait : INT64_MAX;
}

static int decide_batch(rf_engine *e, int everything) {
  f_batch b;
  memset(&b, 0, sizeof b);
  b.wait = rf__param_us(e, RF_PARAM_WAIT_S);
  b.due = batch_size(e, everything, b.wait);
  if (b.due == 0) return 0;
  b.decided_at = INT64_MIN;
  for (size_t r = 0; r < b.due; ++r) {
    if (e->pending[r].t1 + b.wait > b.decided_at) b.decided_at = e->pending[r].t1 + b.wait;
    /* Changes are numbered as they are decided (kept if a try fails for memory). */
    if (e->pending[r].event < 0) e->pending[r].event = e->next_event++;
  }
  b.shoppers = rf__ledger_count(&e->ledger);
  b.hands = e->hand_count;
  if (reserve_batch(e, &b) != 0 || rf__calibration_ready(e) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  for (size_t r = 0; r < b.due; ++r) rf__calibrate_change(e, &e->pending[r]);
  b.missed = e->param[RF_PARAM_MISSED_HAND_RATE];
  /* A hand visit that explains no change must have moved nothing: explaining a change by it
   * spares that cost. Dividing every column by it is the same as charging the unused ones. */
  b.spared = -log(e->param[RF_PARAM_BROWSE_RATE]);
  choose_columns(e, &b);
  for (size_t r = 0; r < b.due; ++r) build_row(e, &b, r);
  for (size_t r = 0; r < b.due; ++r)
    for (size_t j = 0; j < b.cols; ++j) b.L[r * b.cols + j] = b.L[r * (b.cols + 1) + j];
  int rc = rf_marginals(e->ws, b.L, b.L0, b.due, b.cols, RF_MARGINALS_AUTO, b.P, b.P0);
  const f_learn learnt = e->learn; /* a try that fails for memory teaches nothing */
  for (size_t r = 0; r < b.due && rc == 0; ++r) rc = decide_row(e, &b, r);
  e->deciding_faulty = 0;
  if (rc != 0) {
    e->learn = learnt;
    rf__calibration_unstage(e);
    rf__restocks_unstage(e);
  }
  if (rc == 0) {
    rf__calibration_commit(e);
    rf__restocks_commit(e);
    rf__restocks_forget(e, b.decided_at);
    mark_used(e, &b);
    rf__learn_apply(&e->learn, e->param);
    e->stats.decisions += b.due;
    /* Room was reserved: once the first diff is out nothing fails, and the batch is decided. */
    memmove(e->pending, e->pending + b.due, (e->pending_count - b.due) * sizeof *e->pending);
    e->pending_count -= b.due;
    return 0;
  }
  if (rc == RF_ENOMEM) return rf__error(&e->err, rc, "out of memory");
  if (e->err.msg[0] == '\0') return rf__error(&e->err, rc, "deciding: %s", rf_strerror(rc));
  return rc;
}

int rf__decide_next(rf_engine *e, int everything) { return decide_batch(e, everything); }
