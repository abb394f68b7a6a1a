/*
 * retailfuse/greedy.h — the nearest-hand greedy baseline (DESIGN.md §5).
 *
 * What most open implementations do, kept simple and honest as the yardstick every other method
 * is measured against: each settled weight change goes to the identified shopper whose hand
 * visit on that shelf is nearest in time (overlapping counts as 0); a decrease becomes the
 * product of that shelf, and the quantity, whose unit weight times the quantity is nearest the
 * change (measured in standard deviations of that many items' weight plus the plates' noise);
 * an increase is the item (and quantity) of that shopper's cart nearest in weight, put back.
 * Where the change lies on the shelf is not used: that is the point of comparison. A shopper who
 * left before a change began is not a candidate for it. A cart's receipt comes at its last
 * member's exit plus the lateness, once no change that began before that exit is undecided. It waits out the allowed lateness before deciding, so late hand records count. Every
 * diff has confidence 1 and no review flag: the baseline does not know doubt.
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

typedef struct rf_greedy_options {
  unsigned version;            /* RF_GREEDY_OPTIONS_VERSION */
  rf_time_us lateness_us;      /* how long to wait for late hand records; default 2 s */
  rf_time_us max_gap_us;       /* hand visits farther than this from a change are ignored; 10 s */
} rf_greedy_options;

#define RF_GREEDY_OPTIONS_VERSION 1
#define RF_GREEDY_OPTIONS_INIT { RF_GREEDY_OPTIONS_VERSION, 2000000, 10000000 }

RF_EXTERN int rf_greedy_new(rf_greedy **out, const rf_store *store,
                            const rf_greedy_options *options, rf_output_fn output, void *payload,
                            const rf_allocator *allocator);
RF_EXTERN void rf_greedy_free(rf_greedy *greedy);

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
