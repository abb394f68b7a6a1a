/*
 * retailfuse/loadcell.h — from raw plate readings to settled shelf weight events.
 *
 * Each plate reports absolute readings at a steady rate (the `samples` records of docs/format.md):
 * an unknown offset that drifts over hours, noise that differs by plate, and transients while a
 * hand presses on the shelf. The segmenter keeps, per plate, the level it has settled at (which
 * follows slow drift) and an estimate of its noise; a plate whose readings leave that level by
 * more than the smallest reportable step starts to move, and has settled again once a short
 * window of readings holds still. The plates of one shelf that move close together in time
 * form one shelf event, reported once every plate of the shelf has settled, with each plate's
 * change between its level before and after and the uncertainty of that change. An event whose
 * net change on some plate is an increase waits HOLD_S for more before it is reported: a hand
 * resting on the shelf weighs on it until it takes the item, and the rest and the take must
 * read as one event of one item, not a put-back and a bigger take.
 *
 * Faults are detected and reported, never passed on as purchases: a gap in a plate's readings,
 * a plate stuck at one value, readings at the end of the plate's range, jumps no item explains,
 * readings that are not finite, readings older than ones already taken. A plate's faults are
 * reported as they are found; while it is faulty, events it moves in say so (`faulty`), and a
 * plate that reads again after a gap or a fault settles afresh without reporting the jump.
 *
 * Cost: a reading costs a fixed, small amount of work and no allocation; all memory is taken at
 * rf_loadcell_new (a few hundred bytes a plate).
 *
 * Ownership: the store must outlive the segmenter. Events and their arrays are valid during the
 * callback only. Errors: a refused call changes nothing. Threads: single-threaded; distinct
 * segmenters are independent. Deterministic; no clock of its own.
 */
#ifndef RETAILFUSE_LOADCELL_H
#define RETAILFUSE_LOADCELL_H

#include "common.h"
#include "allocator.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_loadcell rf_loadcell;

/* The segmenter's parameters: XX(name, default, min, max, description). Durations in seconds,
 * weights in grams. A plate's range lies within RF_WEIGHT_LIMIT_G, as every reading must, so
 * every difference and square the segmenter forms from readings stays finite. */
#define RF_LOADCELL_PARAM_MAP(XX)                                                                  \
  XX(SETTLE_S, 0.3, 0.001, 10.0, "readings must hold still this long for a level to settle")       \
  XX(MIN_STEP_G, 5.0, 0.001, 1e6, "the smallest change reported (and never under 6 noise sd)")     \
  XX(GROUP_S, 0.5, 0.0, 3600.0, "plates of a shelf that settle this close form one event")         \
  XX(HOLD_S, 6.0, 0.0, 3600.0,                                                                     \
     "how long an event with an increase waits for more "                                          \
     "(at least GROUP_S)")                                                                         \
  XX(GAP_S, 0.5, 0.001, 3600.0, "no reading for this long is a gap")                               \
  XX(STUCK_S, 2.0, 0.001, 3600.0, "the same reading for this long is a stuck plate")               \
  XX(MIN_G, -20000.0, -RF_WEIGHT_LIMIT_G, RF_WEIGHT_LIMIT_G,                                       \
     "a plate's range: readings at or below this saturate "                                        \
     "(below MAX_G)")                                                                              \
  XX(MAX_G, 200000.0, -RF_WEIGHT_LIMIT_G, RF_WEIGHT_LIMIT_G, "readings at or above this saturate") \
  XX(MAX_JUMP_G, 30000.0, 0.001, 2.0 * RF_WEIGHT_LIMIT_G,                                          \
     "a change between two readings beyond this is absurd")

typedef enum rf_loadcell_param {
#define RF__LOADCELL_PARAM_ENUM(name, def, lo, hi, desc) RF_LOADCELL_##name,
  RF_LOADCELL_PARAM_MAP(RF__LOADCELL_PARAM_ENUM)
#undef RF__LOADCELL_PARAM_ENUM
      RF_LOADCELL_PARAM_COUNT
} rf_loadcell_param;

/* A parameter's name ("SETTLE_S"), description and bounds; NULL / RF_ERANGE out of range. */
RF_EXTERN const char *rf_loadcell_param_name(rf_loadcell_param param);
RF_EXTERN const char *rf_loadcell_param_help(rf_loadcell_param param);
RF_EXTERN int rf_loadcell_param_bounds(rf_loadcell_param param, double *min, double *max,
                                       double *default_value);

typedef enum rf_plate_fault {
  RF_FAULT_GAP = 1,   /* no readings for longer than GAP_S */
  RF_FAULT_STUCK,     /* the same reading for STUCK_S */
  RF_FAULT_SATURATED, /* a reading at or beyond MIN_G or MAX_G */
  RF_FAULT_JUMP,      /* a change between two readings beyond MAX_JUMP_G */
  RF_FAULT_NONFINITE, /* a reading that is NaN or infinite */
  RF_FAULT_ORDER      /* readings older than ones already taken (refused) */
} rf_plate_fault;

/* "gap", "stuck", ... ; NULL for another value. */
RF_EXTERN const char *rf_plate_fault_name(rf_plate_fault fault);

/* A settled change of one shelf over [t0, t1]: for each plate of the shelf (in shelf order),
 * its change in grams, the standard deviation of that change, whether it moved during the
 * event, and whether it was faulty then. */
typedef struct rf_shelf_event {
  uint32_t shelf;    /* store index */
  rf_time_us t0, t1; /* the first plate began to move; the last had settled */
  size_t plate_count;
  const double *delta_g;
  const double *sd_g;
  const unsigned char *moved;
  const unsigned char *faulty;
} rf_shelf_event;

/* Receives events and faults as they are found; a non-zero return is passed back to the call
 * that produced them (the event or fault still counts as delivered). */
typedef int (*rf_shelf_event_fn)(const rf_shelf_event *event, void *payload);
typedef int (*rf_plate_fault_fn)(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload);

/* A segmenter with every parameter at its default. RF_EINVAL for a NULL store, RF_ENOMEM. */
RF_EXTERN int rf_loadcell_new(rf_loadcell **out, const rf_store *store,
                              const rf_allocator *allocator);
RF_EXTERN void rf_loadcell_free(rf_loadcell *loadcell);

/* Sets a parameter before the first reading: RF_ERANGE for a value outside its bounds (or one
 * that breaks HOLD_S >= GROUP_S or MIN_G < MAX_G), RF_EINVAL for an unknown parameter,
 * RF_EMISUSE once readings were taken. */
RF_EXTERN int rf_loadcell_param_set(rf_loadcell *loadcell, rf_loadcell_param param, double value);
RF_EXTERN double rf_loadcell_param_get(const rf_loadcell *loadcell, rf_loadcell_param param);

RF_EXTERN void rf_loadcell_set_output(rf_loadcell *loadcell, rf_shelf_event_fn on_event,
                                      rf_plate_fault_fn on_fault, void *payload);

/* Takes count readings of plate `plate` (store index), the i-th at t + i * dt_us. RF_ERANGE for
 * an unknown plate, for times outside |t| <= RF_TIME_LIMIT_US (the first reading's, the last's,
 * or a dt_us beyond it) and for a finite reading beyond RF_WEIGHT_LIMIT_G by magnitude (the
 * message names the field); RF_EINVAL for dt_us <= 0 or no readings; all refused whole, nothing
 * taken. Readings older than the plate's last are refused whole with RF_FAULT_ORDER reported.
 * Bad single readings (not finite, at or past MIN_G / MAX_G, absurd jumps) are reported and
 * skipped; the call still succeeds. */
RF_EXTERN int rf_loadcell_push(rf_loadcell *loadcell, uint32_t plate, rf_time_us t, int64_t dt_us,
                               const double *g, size_t count);

/* Store time has reached `now` (no readings are coming from before it): reports gaps of plates
 * that fell silent and the events whose wait is over. RF_ERANGE (nothing done) for
 * |now| > RF_TIME_LIMIT_US. */
RF_EXTERN int rf_loadcell_advance(rf_loadcell *loadcell, rf_time_us now);

/* End of input: reports every open event whose plates have settled. */
RF_EXTERN int rf_loadcell_finish(rf_loadcell *loadcell);

/* The level plate `plate` has settled at (offset included) and its noise estimate: 0, or
 * RF_ENOTFOUND when it has not settled yet, RF_ERANGE for an unknown plate. */
RF_EXTERN int rf_loadcell_level(const rf_loadcell *loadcell, uint32_t plate, double *level_g,
                                double *noise_g);

RF_EXTERN const char *rf_loadcell_errmsg(const rf_loadcell *loadcell);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_LOADCELL_H */
