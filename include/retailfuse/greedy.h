/*
 * retailfuse/greedy.h — the nearest-hand greedy baseline: each change to the shopper
 * whose hand visit is nearest in time, the product by nearest weight.
 *
 * What most open implementations do, kept simple and honest as the yardstick every other method
 * is measured against: each settled weight change goes to the identified shopper whose hand
 * visit on that shelf is nearest in time (overlapping counts as 0); a decrease becomes the
 * product of that shelf, and the quantity, whose unit weight times the quantity is nearest the
 * change (measured in standard deviations of that many items' weight plus the plates' noise);
 * an increase is the item (and quantity) of that shopper's cart nearest in weight, put back.
 * Where the change lies on the shelf is not used: that is the point of comparison. A shopper who
 * left before a change began is not a candidate for it. A cart's receipt comes at its last
 * member's exit plus the lateness, once no change that began before that exit is undecided. It
 * waits out the allowed lateness before deciding, so late hand records count. Every diff has
 * confidence 1 and no review flag: the baseline does not know doubt.
 *
 * Ownership: the store must outlive the baseline. Records given to the output callback are
 * valid during the call only. Threads: single-threaded.
 */
#ifndef RETAILFUSE_GREEDY_H
#define RETAILFUSE_GREEDY_H

#include "common.h"
#include "allocator.h"
#include "record.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_greedy rf_greedy;

/* XX(name, default, min, max, description); durations in seconds. */
#define RF_GREEDY_PARAM_MAP(XX)                                                                  \
  XX(LATENESS_S, RF_LATENESS_DEFAULT_S, 0.0, 60.0, "how long to wait for late hand records (s)") \
  XX(MAX_GAP_S, 10.0, 0.0, 600.0, "hand visits farther in time from a change are ignored (s)")

typedef enum rf_greedy_param {
#define RF__GREEDY_PARAM_ENUM(name, def, lo, hi, desc) RF_GREEDY_##name,
  RF_GREEDY_PARAM_MAP(RF__GREEDY_PARAM_ENUM)
#undef RF__GREEDY_PARAM_ENUM
      RF_GREEDY_PARAM_COUNT
} rf_greedy_param;

/* A parameter's name ("LATENESS_S"), description and bounds; NULL / RF_ERANGE out of range. */
RF_EXTERN const char *rf_greedy_param_name(rf_greedy_param param);
RF_EXTERN const char *rf_greedy_param_help(rf_greedy_param param);
RF_EXTERN int rf_greedy_param_bounds(rf_greedy_param param, double *min, double *max,
                                     double *default_value);

/* A baseline with every parameter at its default: RF_EINVAL for a NULL store, RF_ENOMEM. */
RF_EXTERN int rf_greedy_new(rf_greedy **out, const rf_store *store, const rf_allocator *allocator);
RF_EXTERN void rf_greedy_free(rf_greedy *greedy);

/* RF_ERANGE for a value outside the bounds (or not finite), RF_EINVAL for an unknown param,
 * RF_EMISUSE once events were pushed. */
RF_EXTERN int rf_greedy_param_set(rf_greedy *greedy, rf_greedy_param param, double value);
RF_EXTERN double rf_greedy_param_get(const rf_greedy *greedy, rf_greedy_param param);

/* Where diffs and receipts go, as they are made — the engine's rf_engine_set_output. The
 * baseline keeps no queue: set it before the first push (RF_EMISUSE otherwise). */
RF_EXTERN void rf_greedy_set_output(rf_greedy *greedy, rf_output_fn output, void *payload);

/* Takes one input event (enter, exit, link, position, delta, hand; samples are RF_EINVAL: the
 * baseline needs segmented deltas). Decisions whose wait is over are emitted during the call. */
RF_EXTERN int rf_greedy_push(rf_greedy *greedy, const rf_record *record);

/* End of input: decides everything still waiting and emits the remaining receipts. */
RF_EXTERN int rf_greedy_finish(rf_greedy *greedy);

RF_EXTERN const char *rf_greedy_errmsg(const rf_greedy *greedy);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_GREEDY_H */
