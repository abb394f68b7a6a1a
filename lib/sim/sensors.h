/* Internal: sensor readings of the simulated world, before they become records. */
#ifndef RF_SIM_SENSORS_H
#define RF_SIM_SENSORS_H

#include "sim_internal.h"

typedef struct sensed_hand {
  int shopper;      /* -1: anonymous; <= -2: the broken-off track id k = -2 - shopper */
  int merged;       /* it covers two reaches (two hands seen as one) */
  int shelf, reach; /* reach -1: a false visit */
  int64_t t0, t1, arrives;
  double x, conf;
  int has_hints, holding_in, holding_out;
  int score_product; /* -1: sku_scores empty */
  double score;
} sensed_hand;

typedef struct sensed_change {
  int plate;
  double g;
} sensed_change;

typedef struct sensed_delta {
  int shelf, first, count; /* changes[first .. first + count) */
  int64_t t0, t1;
} sensed_delta;

typedef struct sensor_log {
  sensed_hand *hands;
  size_t hand_count, hand_cap;
  sensed_delta *deltas;
  size_t delta_count, delta_cap;
  sensed_change *changes;
  size_t change_count, change_cap;
} sensor_log;

int rf__sim_sense(sim_world *w, sensor_log *log);
void rf__sensor_log_free(const sim_world *w, sensor_log *log);

#endif
