/* Fingerprints of recent records, to recognise one delivered twice. */
#include "dedup.h"

#include <string.h>

#include "core/alloc.h"
#include "record/record.h"
#include "retailfuse/status.h"

/* A 64-bit multiply-xorshift mix: cheap, and every input bit reaches every output bit. */
static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

static uint64_t mix_double(uint64_t h, double v) {
  uint64_t bits;
  if (v == 0.0) v = 0.0; /* -0 and +0 read alike */
  memcpy(&bits, &v, sizeof bits);
  return mix(h, bits);
}

/* Strings by bytes, then their length, so ("ab","c") and ("a","bc") differ; NULL apart from "". */
static uint64_t mix_string(uint64_t h, const char *s) {
  if (s == NULL) return mix(h, 0x6e756c6cull);
  size_t n = 0;
  for (; s[n] != '\0'; ++n) h = mix(h, (unsigned char)s[n]);
  return mix(h, n + 1);
}

static uint64_t hand_print(uint64_t h, const rf_hand_rec *x) {
  h = mix_string(mix_string(h, x->shopper), x->shelf);
  h = mix(mix(h, (uint64_t)x->t0), (uint64_t)x->t1);
  h = mix_double(mix(h, (uint64_t)x->has_x), x->has_x ? x->x : 0.0);
  h = mix_double(mix(h, (uint64_t)x->has_conf), x->has_conf ? x->conf : 0.0);
  h = mix(mix(h, (uint64_t)(x->holding_in + 2)), (uint64_t)(x->holding_out + 2));
  h = mix(h, (uint64_t)x->has_sku_scores);
  for (size_t k = 0; k < x->sku_score_count; ++k)
    h = mix_double(mix_string(h, x->sku_scores[k].sku), x->sku_scores[k].score);
  return mix(h, x->sku_score_count);
}

static uint64_t content_print(uint64_t h, const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT: return mix_string(mix(h, (uint64_t)r->u.enter.t), r->u.enter.shopper);
    case RF_RECORD_LINK:
      h = mix_string(mix(h, (uint64_t)r->u.link.t), r->u.link.shopper);
      return mix_string(h, r->u.link.cart);
    case RF_RECORD_POSITION:
      h = mix_string(mix(h, (uint64_t)r->u.position.t), r->u.position.shopper);
      return mix_double(mix_double(h, r->u.position.x), r->u.position.y);
    case RF_RECORD_SAMPLES:
      h = mix_string(h, r->u.samples.plate);
      h = mix(mix(mix(h, (uint64_t)r->u.samples.t), (uint64_t)r->u.samples.dt_us),
              r->u.samples.count);
      for (size_t k = 0; k < r->u.samples.count; ++k) h = mix_double(h, r->u.samples.g[k]);
      return h;
    case RF_RECORD_DELTA:
      h = mix_string(h, r->u.delta.shelf);
      h = mix(mix(mix(h, (uint64_t)r->u.delta.t0), (uint64_t)r->u.delta.t1),
              r->u.delta.plate_count);
      for (size_t k = 0; k < r->u.delta.plate_count; ++k)
        h = mix_double(mix_string(h, r->u.delta.plates[k].plate), r->u.delta.plates[k].g);
      return h;
    case RF_RECORD_HAND: return hand_print(h, &r->u.hand);
    case RF_RECORD_RESTOCK:
      h = mix_string(mix_string(h, r->u.restock.shelf), r->u.restock.sku);
      h = mix(mix(h, (uint64_t)r->u.restock.t0), (uint64_t)r->u.restock.t1);
      return mix(h, (uint64_t)r->u.restock.qty);
    default: return h;
  }
}

uint64_t rf__fingerprint(const rf_record *r, const char *source) {
  uint64_t h = mix(mix_string(0x72657461696c6675ull, source), (uint64_t)r->type);
  /* A source that numbers its records says which are the same: its number (at that time). */
  if (r->has_seq) {
    rf_time_us t0, t1;
    rf__record_span(r, &t0, &t1);
    h = mix(mix(mix(h, 1), (uint64_t)r->seq), (uint64_t)t1);
  } else {
    h = content_print(mix(h, 2), r);
  }
  return h != 0 ? h : 1;
}

static size_t home(const f_dedup *d, uint64_t hash) {
  return (size_t)(hash ^ (hash >> 29)) & (d->cap - 1);
}

int rf__dedup_seen(const f_dedup *d, uint64_t hash) {
  if (d->cap == 0) return 0;
  for (size_t i = home(d, hash);; i = (i + 1) & (d->cap - 1)) {
    if (d->table[i].hash == hash) return 1;
    if (d->table[i].hash == 0) return 0;
  }
}

static void place(f_print *table, size_t cap, f_print p) {
  size_t i = (size_t)(p.hash ^ (p.hash >> 29)) & (cap - 1);
  while (table[i].hash != 0) i = (i + 1) & (cap - 1);
  table[i] = p;
}

/* The prints still worth keeping, placed again into `into` (cap slots, zeroed here). */
static size_t rehash(const f_dedup *d, f_print *into, size_t cap, rf_time_us forget_before) {
  memset(into, 0, cap * sizeof *into);
  size_t count = 0;
  for (size_t i = 0; i < d->cap; ++i)
    if (d->table[i].hash != 0 && d->table[i].t >= forget_before) {
      place(into, cap, d->table[i]);
      count++;
    }
  return count;
}

int rf__dedup_reserve(f_dedup *d, const rf_allocator *a, rf_time_us forget_before) {
  if (2 * (d->count + 1) <= d->cap) return 0;
  /* Full to a half: keep what is still worth it, in a table at least four times that. */
  size_t keep = 0;
  for (size_t i = 0; i < d->cap; ++i)
    keep += d->table[i].hash != 0 && d->table[i].t >= forget_before;
  size_t cap = d->cap > 0 ? d->cap : 64;
  while (cap < 4 * (keep + 1)) cap *= 2;
  if (cap == d->cap) { /* as busy as before: the spare takes it, nothing is allocated */
    d->count = rehash(d, d->spare, cap, forget_before);
    f_print *old = d->table;
    d->table = d->spare;
    d->spare = old;
    return 0;
  }
  f_print *table = rf__malloc(a, cap * sizeof *table), *spare = rf__malloc(a, cap * sizeof *spare);
  if (table == NULL || spare == NULL) {
    rf__free(a, table);
    rf__free(a, spare);
    return RF_ENOMEM;
  }
  d->count = rehash(d, table, cap, forget_before);
  rf__free(a, d->table);
  rf__free(a, d->spare);
  d->table = table;
  d->spare = spare;
  d->cap = cap;
  return 0;
}

void rf__dedup_add(f_dedup *d, uint64_t hash, rf_time_us t) {
  place(d->table, d->cap, (f_print){hash, t});
  d->count++;
}

void rf__dedup_free(f_dedup *d, const rf_allocator *a) {
  rf__free(a, d->table);
  rf__free(a, d->spare);
  memset(d, 0, sizeof *d);
}
