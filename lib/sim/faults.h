/* Internal: the event stream as a host would receive it from several sources — each record
 * labelled with its source and that source's counter — and the faults real streams have: late
 * and jittered camera records, duplicates, stray shopper ids, records naming an unknown shelf,
 * a camera outage. The world and its truth are untouched: faults change only delivery. */
#ifndef RF_SIM_FAULTS_H
#define RF_SIM_FAULTS_H

#include "retailfuse/record.h"
#include "sensors.h"
#include "sim_internal.h"

/* Event kinds; at equal arrival times the plain stream delivers them in this order. */
enum { EV_ENTER, EV_LINK, EV_POSITION, EV_SAMPLES, EV_HAND, EV_DELTA, EV_RESTOCK, EV_EXIT };

typedef struct out_event {
  int64_t key; /* when it reaches the host */
  int kind, index;
} out_event;

/* One delivery of a labelled event. */
typedef struct sent_event {
  out_event ev;  /* ev.key: when this delivery arrives */
  int64_t sent;  /* when its source sent it: its end time (a hand's t1) */
  int64_t seq;   /* its source's counter */
  size_t rank;   /* its place in the sources' sending order: ties of arrival keep it */
  int source;    /* SOURCE_SHELVES, SOURCE_TRACKER, or SOURCE_CAMERA + camera index */
  int stray;     /* 0; > 0: an id that never entered, "S<stray>"; < 0: shopper -stray - 1,
                    who has left */
  int unknown_g; /* > 0: a copy naming shelf G<unknown_g>S<unknown_s>, not in the store */
  int unknown_s;
  int duplicate; /* 1: the second delivery */
} sent_event;

enum { SOURCE_SHELVES, SOURCE_TRACKER, SOURCE_CAMERA };

/* Names a dressed record points at: valid until the next rf__faults_dress. */
typedef struct fault_names {
  char source[24], shopper[32], shelf[32];
  char plates[101][48]; /* plates_max is at most 100 */
} fault_names;

/* Whether any labelling or fault knob is set (else the plain stream is written, unchanged). */
int rf__faults_on(const rf_sim_params *p);

/* The deliveries of the events `base` (n of them, in plain arrival order) in their arrival
 * order: *out (freed by the caller with rf__free) gets *count of them. Adds what was injected to
 * *faults. */
int rf__faults_deliver(sim_world *w, const sensor_log *log, const out_event *base, size_t n,
                       sent_event **out, size_t *count, rf_sim_faults *faults);

/* Labels a record built from se->ev and applies its faults. `deltas` is the record's plate
 * array (writable scratch) when it is a delta. */
void rf__faults_dress(const sim_world *w, const sensor_log *log, const sent_event *se,
                      rf_record *rec, rf_plate_delta *deltas, fault_names *names);

#endif
