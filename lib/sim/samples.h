/* Internal: raw plate readings, as a load cell under each plate would report them at a fixed
 * rate: an unknown offset, slow drift, noise, hand pressure while a hand rests on the shelf, and
 * the steps when items leave or arrive, the load read through the plate's gain. */
#ifndef RF_SIM_SAMPLES_H
#define RF_SIM_SAMPLES_H

#include "sim_internal.h"

/* One plate's weight steps, in time order. */
typedef struct plate_step {
  int64_t t;
  double g;
} plate_step;

typedef struct sample_model {
  uint64_t seed;
  int64_t period_us; /* between readings, whole microseconds as the format has them */
  int per_record;    /* readings in one samples record */
  int64_t start_us, end_us;
  size_t records_per_plate;
  double *initial;     /* per plate: the load before anyone shops */
  double *offset;      /* per plate: tare and fixture, unknown to the host */
  double *drift;       /* per plate: grams per second */
  plate_step *steps;   /* all plates' steps, grouped by plate */
  size_t *first_step;  /* per plate, plus one past the end */
  int *reach_order;    /* reaches by shelf then start time */
  size_t *first_reach; /* per shelf, plus one past the end */
  int *plate_shelf;    /* per plate */
} sample_model;

/* Before shopping: the load on every plate from the full shelves. */
int rf__samples_prepare(sample_model *m, sim_world *w, uint64_t seed);

/* After shopping: every plate's steps and the readings' time span. */
int rf__samples_plan(sample_model *m, sim_world *w);

/* Fills out[0 .. count) with plate `plate`'s readings of record `k`; returns the record's first
 * time. */
int64_t rf__samples_fill(const sample_model *m, const sim_world *w, int plate, size_t k,
                         double *out, size_t *count);

void rf__samples_free(sample_model *m, const sim_world *w);

#endif
