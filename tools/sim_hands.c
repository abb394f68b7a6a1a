/* retailfuse sim --hands FILE...: the simulated scenario with hand records from elsewhere (a
 * detector's, `retailfuse zones` over the rendered video) in place of the simulator's own. The
 * hands are read whole, ordered by when they would arrive — their end plus HAND_LATENCY_US, the
 * detector's own delay — and each goes into the stream before the first simulated event that
 * completes after it arrives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_hands.h"

/* A detector gives a visit gap_s after its last frame, plus a batch of frames: half a second
 * covers the defaults at any usual frame rate. */
#define HAND_LATENCY_US 500000

typedef struct kept_hand {
  rf_record rec;
  char *source, *shelf;
} kept_hand;

struct sim_hands {
  kept_hand *hands;
  size_t count, cap, next;
  rf_sim_sink sink;
  void *payload;
};

static int keep(sim_hands *h, const rf_record *r) {
  if (h->count == h->cap) {
    size_t cap = h->cap ? 2 * h->cap : 256;
    kept_hand *grown = realloc(h->hands, cap * sizeof *grown);
    if (grown == NULL) return -1;
    h->hands = grown;
    h->cap = cap;
  }
  kept_hand *k = &h->hands[h->count];
  k->rec = *r;
  k->rec.u.hand.sku_scores = NULL; /* a detector's hands carry none; the copy keeps only these */
  k->rec.u.hand.sku_score_count = 0;
  k->rec.u.hand.has_sku_scores = 0;
  k->rec.u.hand.shopper = NULL;
  k->source = r->source ? strdup(r->source) : NULL;
  k->shelf = strdup(r->u.hand.shelf);
  if ((r->source && k->source == NULL) || k->shelf == NULL) {
    free(k->source);
    free(k->shelf);
    return -1;
  }
  k->rec.source = k->source;
  k->rec.u.hand.shelf = k->shelf;
  h->count++;
  return 0;
}

/* Every hand record of `path` (other records are left out). 0, or 1 after saying why. */
static int load(sim_hands *h, const char *path) {
  rf_scenario_reader *reader = NULL;
  errno = 0;
  if (rf_scenario_reader_open(&reader, path, NULL, NULL) != 0) {
    fprintf(stderr, "retailfuse: sim: cannot open '%s': %s\n", path,
            errno ? strerror(errno) : "failed");
    return 1;
  }
  rf_record rec;
  int rc, status = 0;
  while (status == 0 && (rc = rf_scenario_reader_next(reader, &rec)) != RF_ITEROVER) {
    if (rc != 0) {
      fprintf(stderr, "retailfuse: sim: %s: %s\n", path, rf_scenario_reader_errmsg(reader));
      status = 1;
    } else if (rec.type == RF_RECORD_HAND && keep(h, &rec) != 0) {
      fputs("retailfuse: sim: out of memory\n", stderr);
      status = 1;
    }
  }
  rf_scenario_reader_free(reader);
  return status;
}

static int by_arrival(const void *a, const void *b) {
  const rf_hand_rec *x = &((const kept_hand *)a)->rec.u.hand,
                    *y = &((const kept_hand *)b)->rec.u.hand;
  return x->t1 < y->t1 ? -1 : x->t1 > y->t1 ? 1 : (x->t0 > y->t0) - (x->t0 < y->t0);
}

int sim_hands_load(sim_hands **out, char **paths, size_t path_count) {
  sim_hands *h = calloc(1, sizeof *h);
  if (h == NULL) return fputs("retailfuse: sim: out of memory\n", stderr), 1;
  for (size_t i = 0; i < path_count; i++)
    if (load(h, paths[i]) != 0) {
      sim_hands_free(h);
      return 1;
    }
  /* Stable for equal times: qsort is not, so equal ends fall back on starts, then file order
   * does not matter for the engine (one source's records are in time order either way). */
  qsort(h->hands, h->count, sizeof *h->hands, by_arrival);
  *out = h;
  return 0;
}

void sim_hands_free(sim_hands *h) {
  if (h == NULL) return;
  for (size_t i = 0; i < h->count; i++) {
    free(h->hands[i].source);
    free(h->hands[i].shelf);
  }
  free(h->hands);
  free(h);
}

/* When a simulated event is complete; INT64_MIN for the store's records (no hand goes before
 * them). */
static int64_t completed(const rf_record *r) {
  rf_time_us t0, t1;
  return rf_record_span(r, &t0, &t1) ? t1 : INT64_MIN;
}

static int flush_until(sim_hands *h, int64_t t) {
  for (; h->next < h->count; h->next++) {
    const rf_record *r = &h->hands[h->next].rec;
    if (r->u.hand.t1 + HAND_LATENCY_US > t) return 0;
    int rc = h->sink(r, h->payload);
    if (rc != 0) return rc;
  }
  return 0;
}

static int filter(const rf_record *r, void *payload) {
  sim_hands *h = payload;
  if (r->type == RF_RECORD_HAND) return 0; /* the simulator's own: replaced */
  int64_t t = completed(r);
  if (t != INT64_MIN) {
    int rc = flush_until(h, t);
    if (rc != 0) return rc;
  }
  return h->sink(r, h->payload);
}

rf_sim_sink sim_hands_sink(sim_hands *h, rf_sim_sink sink, void *payload, void **filter_payload) {
  h->sink = sink;
  h->payload = payload;
  h->next = 0;
  *filter_payload = h;
  return filter;
}

int sim_hands_finish(sim_hands *h) { return flush_until(h, INT64_MAX); }

size_t sim_hands_count(const sim_hands *h) { return h->count; }
