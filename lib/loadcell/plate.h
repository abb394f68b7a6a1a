/* Internal: one plate's readings, one at a time — the level it has settled at and its noise,
 * whether it is moving, and what is wrong with it. Fixed size, no allocation, O(1) a reading. */
#ifndef RF_LOADCELL_PLATE_H
#define RF_LOADCELL_PLATE_H

#include <stdint.h>

#include "retailfuse/common.h"
#include "retailfuse/loadcell.h"

/* The segmenter's parameters as its code reads them (the RF_LOADCELL_* table of loadcell.h). */
typedef struct rf__loadcell_opts {
  double settle_s, min_step_g, group_s, hold_s, gap_s, stuck_s, min_g, max_g, max_jump_g;
} rf__loadcell_opts;

/* The most readings a settle window holds. */
#define RF__PLATE_RING 64

typedef enum rf__plate_mode {
  RF__PLATE_NEW = 0, /* no level yet (or lost it to a fault): acquiring one */
  RF__PLATE_SETTLED,
  RF__PLATE_MOVING
} rf__plate_mode;

typedef struct rf__plate {
  rf__plate_mode mode;
  int has_last;
  rf_time_us last_t; /* the last reading taken */
  double last_g;
  int same;              /* the last readings were identical ... */
  rf_time_us same_since; /* ... since then */
  double level;          /* where it settled (offset included); follows slow drift */
  double level_n;        /* readings behind the level, capped: how sure it is */
  double noise_var;      /* reading noise, from successive differences while settled */
  double noise_n;
  int beyond;                  /* readings in a row off the level */
  rf_time_us move_t0;          /* when the current move began */
  int since_move;              /* readings since then */
  int window;                  /* readings a settle takes */
  int64_t dt_us;               /* between its readings */
  rf_time_us span_us;          /* of its last record: how far behind its neighbours it may be */
  int jumps;                   /* absurd jumps in a row */
  double ring[RF__PLATE_RING]; /* the last `window` readings */
  int ring_head, ring_count;
  double sum, sumsq;    /* of the ring */
  int faulty;           /* a fault since it last settled cleanly */
  rf_plate_fault fault; /* the one being reported (0: none), so each is reported once */
} rf__plate;

/* What a reading did. */
typedef enum rf__plate_news {
  RF__PLATE_QUIET = 0,
  RF__PLATE_STARTED,      /* began to move (at move_t0) */
  RF__PLATE_SETTLED_STEP, /* settled at a new level: a step */
  RF__PLATE_SETTLED_SAME, /* settled back where it was: no step */
  RF__PLATE_ACQUIRED,     /* found its level (first, or after a fault) */
  RF__PLATE_FAULT         /* a fault begins (reported once); the reading was skipped */
} rf__plate_news;

typedef struct rf__plate_step {
  rf_time_us t0, t1;        /* began to move; had settled */
  double before, after, sd; /* levels, and the sd of their difference */
} rf__plate_step;

void rf__plate_init(rf__plate *p);

/* Takes one reading at t (dt_us apart from the plate's others). On a step, *step says what;
 * on a fault, *fault which. */
rf__plate_news rf__plate_read(rf__plate *p, const rf__loadcell_opts *o, rf_time_us t, int64_t dt_us,
                              double g, rf__plate_step *step, rf_plate_fault *fault);

/* How long a plate read every dt_us may be silent before it is in a gap: gap_s, and never less
 * than three readings. */
double rf__plate_gap_us(const rf__loadcell_opts *o, int64_t dt_us);

/* No reading since last_t and store time is `now`: RF__PLATE_FAULT (gap) once it is silent for
 * longer than that plus `allowance_us`, else RF__PLATE_QUIET. */
rf__plate_news rf__plate_silence(rf__plate *p, const rf__loadcell_opts *o, rf_time_us now,
                                 rf_time_us allowance_us);

/* The reading noise sd (at least the 0.1 g a reading is rounded to). */
double rf__plate_noise(const rf__plate *p);

#endif
