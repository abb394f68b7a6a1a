/* Internal: recognising a record delivered twice. A gateway delivers at least once, so the same
 * record may come again, soon after. Each record leaves a fingerprint — its source and seq when
 * it has one, otherwise its source and whole content — kept while a copy could still arrive in
 * time to be used (later copies are late anyway). */
#ifndef RF_FUSE_DEDUP_H
#define RF_FUSE_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/allocator.h"
#include "retailfuse/record.h"

typedef struct f_print {
  uint64_t hash; /* 0: empty */
  rf_time_us t;  /* the record's time: the print is dropped once that is far behind */
} f_print;

typedef struct f_dedup {
  f_print *table; /* open addressing, linear probing */
  f_print *spare; /* as big: the next table is rebuilt into it, so a steady store allocates none */
  size_t cap;     /* 0 or a power of two; it only grows, with the busiest moment */
  size_t count;
} f_dedup;

/* The fingerprint of a record from the source named `source`; never 0. With a seq, the source,
 * the seq and the record's end time make it (a source that restarts its count sends new
 * records under old numbers, at other times); without, its whole content. */
uint64_t rf__fingerprint(const rf_record *r, const char *source);

/* Whether the fingerprint was seen. */
int rf__dedup_seen(const f_dedup *d, uint64_t hash);

/* Room for one more print: prints of records before `forget_before` are dropped first, and the
 * table grows (allocating) only if that is not enough. 0 or RF_ENOMEM (table unchanged). */
int rf__dedup_reserve(f_dedup *d, const rf_allocator *a, rf_time_us forget_before);

/* Remembers a print not seen before, after a reserve. */
void rf__dedup_add(f_dedup *d, uint64_t hash, rf_time_us t);

void rf__dedup_free(f_dedup *d, const rf_allocator *a);

#endif
