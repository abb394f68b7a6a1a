/* Sources and the watermark: per source its latest time, delay histogram and staleness. */
#include "sources.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"

void rf__sources_init(f_sources *s) {
  memset(s, 0, sizeof *s);
  rf__idmap_init(&s->by_name);
}

void rf__sources_free(f_sources *s, const rf_allocator *a) {
  for (size_t i = 0; i < s->count; ++i) {
    rf__free(a, s->list[i].name);
    rf__free(a, s->list[i].histogram);
  }
  rf__free(a, s->list);
  rf__idmap_free(&s->by_name, a);
  memset(s, 0, sizeof *s);
}

int64_t rf__sources_find(const f_sources *s, const char *name) {
  uint32_t found;
  return rf__idmap_find(&s->by_name, name, &found) == 0 ? (int64_t)found : -1;
}

int rf__sources_find_or_add(f_sources *s, const rf_allocator *a, const char *name,
                            f_source_kind kind, size_t *index) {
  uint32_t found;
  if (rf__idmap_find(&s->by_name, name, &found) == 0) {
    *index = found;
    return 0;
  }
  size_t len = strlen(name);
  char *copy = rf__malloc(a, len + 1);
  uint32_t *histogram = rf__calloc(a, F_DELAY_BUCKETS, sizeof *histogram);
  if (copy == NULL || histogram == NULL || RF__RESERVE(a, s->list, s->cap, s->count + 1) != 0 ||
      rf__idmap_reserve(&s->by_name, a, 1) != 0) {
    rf__free(a, copy);
    rf__free(a, histogram);
    return RF_ENOMEM;
  }
  memcpy(copy, name, len + 1);
  f_source *src = &s->list[s->count];
  memset(src, 0, sizeof *src);
  src->name = copy;
  src->histogram = histogram;
  src->kind = kind;
  rf__idmap_insert(&s->by_name, copy, (uint32_t)s->count);
  *index = s->count++;
  return 0;
}

rf_time_us rf__sources_delay_us(const f_sources *s, size_t i, const double kind_delay_s[3]) {
  const f_source *src = &s->list[i];
  return (rf_time_us)llround((src->has_delay ? src->delay_s : kind_delay_s[src->kind]) * 1e6);
}

/* The histogram bucket of a delay in microseconds: 16 per power of two (1/16 resolution). */
static size_t delay_bucket(uint64_t us) {
  if (us < F_DELAY_SUB) return (size_t)us;
  int top = 63 - __builtin_clzll(us); /* us >= 16: top >= 4 */
  uint64_t sub = (us >> (top - 4)) & (F_DELAY_SUB - 1);
  return (size_t)(top - 3) * F_DELAY_SUB + (size_t)sub;
}

/* The smallest delay of a bucket, the inverse of delay_bucket. */
static uint64_t bucket_floor(size_t b) {
  if (b < F_DELAY_SUB) return b;
  int top = (int)(b / F_DELAY_SUB) + 3;
  return ((uint64_t)(F_DELAY_SUB + b % F_DELAY_SUB)) << (top - 4);
}

static void measure_delay(f_source *src, uint64_t us) {
  src->histogram[delay_bucket(us)]++;
  src->delays++;
}

/* Sources silent for longer than the timeout behind the frontier go stale; told once. */
static void mark_stale(f_sources *s, rf_time_us timeout_us) {
  for (size_t k = 0; k < s->count; ++k) {
    f_source *o = &s->list[k];
    if (!o->seen || o->stale || s->frontier - o->latest <= timeout_us) continue;
    o->stale = 1;
    o->went_stale++;
    if (s->on_change) s->on_change(o->name, 1, s->frontier, s->payload);
  }
}

void rf__sources_note(f_sources *s, size_t i, rf_time_us t, rf_time_us timeout_us, int taken) {
  f_source *src = &s->list[i];
  src->records++;
  measure_delay(src, s->has_frontier && t < s->frontier ? (uint64_t)(s->frontier - t) : 0);
  if (!taken) return;
  if (!src->seen || t > src->latest) src->latest = t;
  src->seen = 1;
  if (!s->has_frontier || t > s->frontier) s->frontier = t;
  s->has_frontier = 1;
  if (src->stale && s->frontier - src->latest <= timeout_us) {
    src->stale = 0;
    if (s->on_change) s->on_change(src->name, 0, s->frontier, s->payload);
  }
  mark_stale(s, timeout_us);
}

int rf__sources_watermark(const f_sources *s, const double kind_delay_s[3], rf_time_us *out) {
  int any = 0;
  rf_time_us w = 0;
  for (size_t k = 0; k < s->count; ++k) {
    const f_source *o = &s->list[k];
    if (!o->seen || o->stale) continue;
    rf_time_us mark = o->latest - rf__sources_delay_us(s, k, kind_delay_s);
    if (!any || mark < w) w = mark;
    any = 1;
  }
  if (any) *out = w;
  return any;
}

rf_time_us rf__sources_lead_us(const f_sources *s, f_source_kind kind,
                               const double kind_delay_s[3]) {
  rf_time_us lead = -1;
  for (size_t k = 0; k < s->count; ++k) {
    const f_source *o = &s->list[k];
    if (!o->seen || o->stale || o->kind != kind) continue;
    rf_time_us d = rf__sources_delay_us(s, k, kind_delay_s);
    if (lead < 0 || d < lead) lead = d;
  }
  return lead < 0 ? 0 : lead;
}

double rf__sources_delay_quantile(const f_sources *s, size_t i, double q) {
  const f_source *src = &s->list[i];
  if (src->delays == 0) return 0.0;
  /* The smallest bucket by which at least q of the delays are counted. */
  uint64_t need = (uint64_t)ceil(q * (double)src->delays);
  if (need == 0) need = 1;
  uint64_t seen = 0;
  for (size_t b = 0; b < F_DELAY_BUCKETS; ++b) {
    seen += src->histogram[b];
    if (seen >= need) return (double)bucket_floor(b) / 1e6;
  }
  return (double)bucket_floor(F_DELAY_BUCKETS - 1) / 1e6;
}
