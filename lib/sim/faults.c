/* Stream faults: every event labelled with its source (the shelves' gateway, the tracker, one of
 * the cameras) and numbered in the order that source sent it, then delivered as a live store's
 * streams deliver: camera records late and jittered, some records twice, some identified hands
 * naming a shopper who is not in the store, some records copied onto a shelf nobody declared, a
 * camera's records held back during an outage and flushed when it ends. Each fault draws from its
 * own random stream, so turning one on changes neither the shopping nor the other faults. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "faults.h"
#include "retailfuse/status.h"

#define US 1000000.0
#define DUPLICATE_WITHIN_S 2.0 /* a retry arrives this soon after the first delivery, at most */

static int64_t us(double seconds) { return (int64_t)llround(seconds * US); }

int rf__faults_on(const rf_sim_params *p) {
  return p->sources || p->camera_delay_s > 0 || p->camera_jitter_s > 0 || p->duplicate_rate > 0 ||
         p->stray_id_rate > 0 || p->unknown_shelf_rate > 0 || p->outage_camera > 0;
}

/* The store's gondolas (numbered from 0, their shelves in order), and how many shelves the
 * first has: an unknown shelf is named like a real one, on a gondola beyond the last. */
static int gondolas_of(const sim_world *w) { return w->shelves[w->shelf_count - 1].gondola + 1; }

static int shelves_of_first_gondola(const sim_world *w) {
  int n = 0;
  while (n < w->shelf_count && w->shelves[n].gondola == 0) ++n;
  return n;
}

/* Neighbouring shelves share a camera: shelf s of S goes to camera floor(s * N / S). */
static int camera_of(const sim_world *w, int shelf) {
  return (int)((int64_t)shelf * w->p->cameras / w->shelf_count);
}

/* Staff's restock announcements come in the shelves' stream, numbered with the deltas. */
static int source_of(const sim_world *w, const sensor_log *log, const out_event *ev) {
  switch (ev->kind) {
    case EV_SAMPLES:
    case EV_DELTA:
    case EV_RESTOCK: return SOURCE_SHELVES;
    case EV_HAND: return SOURCE_CAMERA + camera_of(w, log->hands[ev->index].shelf);
    default: return SOURCE_TRACKER;
  }
}

/* A source sends a record at its end time; a camera when the hand leaves, before any delay. */
static int64_t sent_at(const sensor_log *log, const out_event *ev) {
  return ev->kind == EV_HAND ? log->hands[ev->index].t1 : ev->key;
}

/* An id not in the store during a hand seen from t0: half the time (when anyone has left by
 * then) a shopper who left, else an id the tracker minted that never entered. */
static int stray_id(sim_world *w, int64_t t0) {
  rf__rng *r = &w->rng_stray;
  int left = 0;
  for (int s = 0; s < w->shopper_count; ++s) left += w->shoppers[s].exit_us < t0;
  int ghost = w->shopper_count + rf__rng_int(r, 1, 1000);
  if (left == 0 || rf__rng_chance(r, 0.5)) return ghost;
  int pick = rf__rng_int(r, 0, left - 1);
  for (int s = 0; s < w->shopper_count; ++s)
    if (w->shoppers[s].exit_us < t0 && pick-- == 0) return -s - 1;
  return ghost;
}

static sent_event labelled(const sim_world *w, const sensor_log *log, const out_event *ev) {
  sent_event se;
  memset(&se, 0, sizeof se);
  se.ev = *ev;
  se.sent = sent_at(log, ev);
  se.source = source_of(w, log, ev);
  return se;
}

/* The base events labelled, identified hands given stray ids, and after each hand or delta
 * chosen for it a copy naming an unknown shelf. */
static int label(sim_world *w, const sensor_log *log, const out_event *base, size_t n,
                 sent_event **out, size_t *count, rf_sim_faults *f) {
  const rf_sim_params *p = w->p;
  size_t cap = n + n / 64 + 16, m = 0;
  sent_event *all = rf__calloc(w->alloc, cap, sizeof *all);
  if (all == NULL) return RF_ENOMEM;
  for (size_t q = 0; q < n; ++q) {
    sent_event se = labelled(w, log, &base[q]);
    const int kind = base[q].kind;
    if (kind == EV_HAND && log->hands[base[q].index].shopper >= 0 &&
        rf__rng_chance(&w->rng_stray, p->stray_id_rate))
      se.stray = stray_id(w, log->hands[base[q].index].t0);
    int copy = (kind == EV_HAND || kind == EV_DELTA) &&
               rf__rng_chance(&w->rng_unknown, p->unknown_shelf_rate);
    if (RF__RESERVE(w->alloc, all, cap, m + 2) != 0) {
      rf__free(w->alloc, all);
      return RF_ENOMEM;
    }
    all[m++] = se;
    if (!copy) continue;
    /* A shelf on a gondola beyond the declared ones, laid out like the original. */
    se.unknown_g = gondolas_of(w) + rf__rng_int(&w->rng_unknown, 1, 2);
    se.unknown_s = rf__rng_int(&w->rng_unknown, 1, shelves_of_first_gondola(w));
    all[m++] = se;
    f->unknown_shelves++;
  }
  *out = all;
  *count = m;
  return 0;
}

/* The order the sources sent in: by end time, then as the plain stream orders ties, a copy onto
 * an unknown shelf right after its original. */
static int by_sending(const void *a, const void *b) {
  const sent_event *x = a, *y = b;
  if (x->sent != y->sent) return x->sent < y->sent ? -1 : 1;
  if (x->ev.kind != y->ev.kind) return x->ev.kind - y->ev.kind;
  if (x->ev.index != y->ev.index) return x->ev.index < y->ev.index ? -1 : 1;
  return (x->unknown_g > 0) - (y->unknown_g > 0);
}

/* The host receives in arrival order; a source's records arriving together keep their order. */
static int by_delivery(const void *a, const void *b) {
  const sent_event *x = a, *y = b;
  if (x->ev.key != y->ev.key) return x->ev.key < y->ev.key ? -1 : 1;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  return x->duplicate - y->duplicate;
}

static int number(sim_world *w, sent_event *all, size_t m) {
  int64_t *next = rf__calloc(w->alloc, (size_t)SOURCE_CAMERA + (size_t)w->p->cameras, sizeof *next);
  if (next == NULL) return RF_ENOMEM;
  qsort(all, m, sizeof *all, by_sending);
  for (size_t q = 0; q < m; ++q) {
    all[q].rank = q;
    all[q].seq = next[all[q].source]++;
  }
  rf__free(w->alloc, next);
  return 0;
}

/* Camera records late and jittered; an outage camera's held to the window's end. */
static void arrive(sim_world *w, const sensor_log *log, sent_event *all, size_t m,
                   rf_sim_faults *f) {
  const rf_sim_params *p = w->p;
  int delayed = p->camera_delay_s > 0 || p->camera_jitter_s > 0;
  int64_t start = us(p->outage_start_s), end = start + us(p->outage_s);
  for (size_t q = 0; q < m; ++q) {
    sent_event *se = &all[q];
    if (se->ev.kind != EV_HAND) continue;
    if (delayed) {
      int64_t t1 = log->hands[se->ev.index].t1;
      double late = p->camera_delay_s +
                    rf__rng_range(&w->rng_delivery, -p->camera_jitter_s, p->camera_jitter_s);
      se->ev.key = t1 + us(late);
      if (se->ev.key < t1) se->ev.key = t1;
    }
    if (p->outage_camera > 0 && se->source == SOURCE_CAMERA + p->outage_camera - 1 &&
        se->ev.key >= start && se->ev.key < end) {
      se->ev.key = end;
      f->outage_held++;
    }
  }
}

static int duplicate(sim_world *w, sent_event **all, size_t *m, rf_sim_faults *f) {
  size_t cap = *m, n = *m;
  for (size_t q = 0; q < n; ++q) {
    if (!rf__rng_chance(&w->rng_duplicate, w->p->duplicate_rate)) continue;
    if (RF__RESERVE(w->alloc, *all, cap, *m + 1) != 0) return RF_ENOMEM;
    sent_event again = (*all)[q];
    again.duplicate = 1;
    again.ev.key += us(rf__rng_range(&w->rng_duplicate, 0.0, DUPLICATE_WITHIN_S));
    (*all)[(*m)++] = again;
    f->duplicates++;
  }
  return 0;
}

static void count_strays(const sent_event *all, size_t m, rf_sim_faults *f) {
  for (size_t q = 0; q < m; ++q) f->stray_ids += all[q].stray != 0;
}

int rf__faults_deliver(sim_world *w, const sensor_log *log, const out_event *base, size_t n,
                       sent_event **out, size_t *count, rf_sim_faults *f) {
  sent_event *all = NULL;
  size_t m = 0;
  int rc = label(w, log, base, n, &all, &m, f);
  if (rc == 0) rc = number(w, all, m);
  if (rc == 0) {
    count_strays(all, m, f);
    arrive(w, log, all, m, f);
    rc = duplicate(w, &all, &m, f);
  }
  if (rc != 0) {
    rf__free(w->alloc, all);
    return rc;
  }
  qsort(all, m, sizeof *all, by_delivery);
  *out = all;
  *count = m;
  return 0;
}

static void source_name(const sent_event *se, fault_names *names) {
  if (se->source == SOURCE_SHELVES) snprintf(names->source, sizeof names->source, "shelves");
  else if (se->source == SOURCE_TRACKER) snprintf(names->source, sizeof names->source, "tracker");
  else snprintf(names->source, sizeof names->source, "cam-%d", se->source - SOURCE_CAMERA + 1);
}

/* The unknown shelf's plates are named as the original's, position for position. */
static void unknown_shelf(const sim_world *w, const sensor_log *log, const sent_event *se,
                          rf_record *rec, rf_plate_delta *deltas, fault_names *names) {
  snprintf(names->shelf, sizeof names->shelf, "G%dS%d", se->unknown_g, se->unknown_s);
  if (rec->type == RF_RECORD_HAND) {
    rec->u.hand.shelf = names->shelf;
    return;
  }
  const sensed_delta *d = &log->deltas[se->ev.index];
  int first = w->shelves[d->shelf].first_plate;
  for (int k = 0; k < d->count && k < 101; ++k) {
    int local = log->changes[d->first + k].plate - first;
    snprintf(names->plates[k], sizeof names->plates[k], "%sP%d", names->shelf, local + 1);
    deltas[k].plate = names->plates[k];
  }
  rec->u.delta.shelf = names->shelf;
}

void rf__faults_dress(const sim_world *w, const sensor_log *log, const sent_event *se,
                      rf_record *rec, rf_plate_delta *deltas, fault_names *names) {
  source_name(se, names);
  rec->source = names->source;
  rec->has_seq = 1;
  rec->seq = se->seq;
  if (se->stray > 0) {
    snprintf(names->shopper, sizeof names->shopper, "S%d", se->stray);
    rec->u.hand.shopper = names->shopper;
  } else if (se->stray < 0) {
    rec->u.hand.shopper = w->shoppers[-se->stray - 1].id;
  }
  if (se->unknown_g > 0) unknown_shelf(w, log, se, rec, deltas, names);
}
