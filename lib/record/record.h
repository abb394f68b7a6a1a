/* Internal: facts about records that several parts need. */
#ifndef RF_RECORD_RECORD_H
#define RF_RECORD_RECORD_H

#include "retailfuse/record.h"

/* The time span a record covers in *t0..*t1; returns 0 if it has none (store records, a
 * receipt without t). An input event is complete at *t1: lateness is measured on that. */
int rf__record_span(const rf_record *r, rf_time_us *t0, rf_time_us *t1);

#endif
