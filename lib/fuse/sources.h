/* Internal: the sources records come from, and the clock they make. Each source keeps its latest
 * time, its allowed delay, whether it is stale, and a histogram of how far behind the latest
 * time seen its records arrive; the watermark is the least (latest - delay) over live sources.
 * The engine knows sources only by name: a camera, a shelf gateway, the tracker. */
#ifndef RF_FUSE_SOURCES_H
#define RF_FUSE_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "core/errbuf.h"
#include "core/idmap.h"
#include "retailfuse/allocator.h"
#include "retailfuse/engine.h"

/* Which default delay a source takes: its first record's kind. */
typedef enum f_source_kind { F_SHELVES, F_CAMERAS, F_TRACKER } f_source_kind;

/* Delays are kept to 1/16 of their value: 16 buckets per power of two of microseconds. */
#define F_DELAY_SUB 16
#define F_DELAY_BUCKETS (64 * F_DELAY_SUB)

typedef struct f_source {
  char *name; /* owned */
  f_source_kind kind;
  int has_delay; /* set by name; otherwise the kind's parameter */
  double delay_s;
  int seen; /* a record with a usable time came */
  rf_time_us latest;
  int stale;
  uint64_t records, went_stale;
  uint64_t delays;     /* how many delays the histogram holds */
  uint32_t *histogram; /* F_DELAY_BUCKETS */
} f_source;

typedef struct f_sources {
  f_source *list;
  size_t count, cap;
  rf__idmap by_name; /* name -> index; keys are the list's names */
  int has_frontier;
  rf_time_us frontier; /* the latest time seen from any source */
  rf_engine_source_fn on_change;
  void *payload;
} f_sources;

void rf__sources_init(f_sources *s);
void rf__sources_free(f_sources *s, const rf_allocator *a);

/* The index of the source called `name`, or -1 when none is known by it. */
int64_t rf__sources_find(const f_sources *s, const char *name);

/* The index of the source called `name`, added (with kind's default delay) when new.
 * 0 or RF_ENOMEM (nothing added). */
int rf__sources_find_or_add(f_sources *s, const rf_allocator *a, const char *name,
                            f_source_kind kind, size_t *index);

/* The allowed delay of source i, given the kinds' delay parameters (s) by kind. */
rf_time_us rf__sources_delay_us(const f_sources *s, size_t i, const double kind_delay_s[3]);

/* A record of source i at time t arrived: it is counted and its delay measured against the
 * frontier. When it was taken (`taken`), its source's latest time and the frontier move, and
 * sources go stale or recover, told through on_change; a record set aside moves nothing, so a
 * bad one far ahead cannot make the good ones after it late. */
void rf__sources_note(f_sources *s, size_t i, rf_time_us t, rf_time_us timeout_us, int taken);

/* How far ahead of the watermark every live source of `kind` has surely sent all its records:
 * the least of their allowed delays (a source's records come in its own order), 0 with none. */
rf_time_us rf__sources_lead_us(const f_sources *s, f_source_kind kind,
                               const double kind_delay_s[3]);

/* The watermark: 1 and *out when a live source was seen, else 0. */
int rf__sources_watermark(const f_sources *s, const double kind_delay_s[3], rf_time_us *out);

/* The q-quantile (0..1) of source i's delays in seconds; 0 when none was measured. */
double rf__sources_delay_quantile(const f_sources *s, size_t i, double q);

#endif
