/* Collecting a method's output in tests: a copy of each diff and receipt (the method's record is
 * valid only during the callback or until the next call), compared field by field or whole.
 * Set RF_TEST_TRACE=1 to print every record taken. Include after <cmocka.h>. */
#ifndef RF_TEST_SINK_H
#define RF_TEST_SINK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/scenario.h"

enum { MAX_OUT = 64, MAX_ITEMS = 8, ID_MAX = 64 };

typedef struct out_item {
  char sku[ID_MAX];
  int64_t qty;
} out_item;

typedef struct out_rec {
  rf_record_type type;
  int64_t seq, qty, event, corrects;
  rf_time_us t;
  double conf;
  int review, has_corrects, has_t;
  char shopper[ID_MAX], sku[ID_MAX]; /* longer ids: their first ID_MAX - 1 bytes */
  uint64_t shopper_hash;             /* of the whole shopper id, so long ones compare too */
  size_t item_count;
  out_item items[MAX_ITEMS];
} out_rec;

typedef struct sink {
  out_rec rec[MAX_OUT];
  size_t count;
  int fail_with; /* non-zero: sink_collect returns it instead of taking the record */
} sink;

/* Copies id src (at most ID_MAX - 1 bytes of it) and returns a hash of the whole of it. */
static inline uint64_t sink_copy_id(char *dst, const char *src) {
  assert_non_null(src);
  size_t n = strlen(src);
  memcpy(dst, src, n < ID_MAX ? n : ID_MAX - 1);
  dst[n < ID_MAX ? n : ID_MAX - 1] = '\0';
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < n; ++i) h = (h ^ (unsigned char)src[i]) * 1099511628211ULL;
  return h;
}

static inline void sink_take(sink *s, const rf_record *r) {
  assert_true(s->count < MAX_OUT);
  out_rec *o = &s->rec[s->count++];
  memset(o, 0, sizeof *o); /* padding too, so records compare with memcmp */
  o->type = r->type;
  if (getenv("RF_TEST_TRACE") != NULL) {
    if (r->type == RF_RECORD_DIFF)
      fprintf(stderr, "  diff seq %lld t %lld %s %s %+lld conf %.4f review %d event %lld\n",
              (long long)r->u.diff.seq, (long long)r->u.diff.t, r->u.diff.shopper, r->u.diff.sku,
              (long long)r->u.diff.qty, r->u.diff.conf, r->u.diff.review,
              (long long)r->u.diff.event);
    else
      fprintf(stderr, "  receipt t %lld %s, %zu items\n", (long long)r->u.receipt.t,
              r->u.receipt.shopper, r->u.receipt.item_count);
  }
  if (r->type == RF_RECORD_DIFF) {
    o->seq = r->u.diff.seq;
    o->t = r->u.diff.t;
    o->shopper_hash = sink_copy_id(o->shopper, r->u.diff.shopper);
    sink_copy_id(o->sku, r->u.diff.sku);
    o->qty = r->u.diff.qty;
    o->conf = r->u.diff.conf;
    o->review = r->u.diff.review;
    o->event = r->u.diff.event;
    o->has_corrects = r->u.diff.has_corrects;
    o->corrects = r->u.diff.has_corrects ? r->u.diff.corrects : 0;
    return;
  }
  assert_int_equal(r->type, RF_RECORD_RECEIPT);
  o->has_t = r->u.receipt.has_t;
  o->t = r->u.receipt.t;
  o->review = r->u.receipt.review;
  o->shopper_hash = sink_copy_id(o->shopper, r->u.receipt.shopper);
  assert_true(r->u.receipt.item_count <= MAX_ITEMS);
  o->item_count = r->u.receipt.item_count;
  for (size_t i = 0; i < o->item_count; ++i) {
    sink_copy_id(o->items[i].sku, r->u.receipt.items[i].sku);
    o->items[i].qty = r->u.receipt.items[i].qty;
  }
}

/* An rf_output_fn over a sink (the payload). */
static inline int sink_collect(const rf_record *r, void *payload) {
  sink *s = payload;
  if (s->fail_with != 0) return s->fail_with;
  sink_take(s, r);
  return 0;
}

#endif
