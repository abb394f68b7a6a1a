/*
 * retailfuse/host.h — the loop every host writes: a stream of records in, a method's output out.
 *
 * A host checks each record as it comes (check.h: the store description first, known ids,
 * entered shoppers, lateness), builds the store from the store description, starts the method —
 * the fusion engine (engine.h) or the nearest-hand baseline (greedy.h), which take input and
 * give output the same way — at the first event with the parameters set on the host, pushes
 * every event to it, and hands its diffs and receipts to the output callback. `retailfuse run`,
 * the Python package and the benchmarks all run methods through it.
 *
 * Records other than events (the store description, outputs, truth) are checked and not pushed.
 * A record the checker refuses, or refused because the method could not start, changes nothing:
 * push it again or go on with the next. One the method itself refuses has been checked already
 * (the checker has counted its ids and time): do not push it again; go on with the next. (A
 * run that sets records aside by reason, and retries out of memory, is the next step.)
 *
 * Ownership: records are read during the call only. Errors: rf_host_errmsg names the line (from
 * record->line) and the reason. Threads: single-threaded. Deterministic.
 */
#ifndef RETAILFUSE_HOST_H
#define RETAILFUSE_HOST_H

#include "common.h"
#include "allocator.h"
#include "engine.h"
#include "record.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rf_method {
  RF_METHOD_FUSED = 0, /* the fusion engine */
  RF_METHOD_GREEDY = 1 /* the nearest-hand baseline */
} rf_method;

typedef struct rf_host rf_host;

typedef struct rf_host_counts {
  uint64_t records; /* records taken (checked, and pushed if events) */
  uint64_t events, deltas, hands;
  uint64_t diffs, receipts; /* output handed on */
} rf_host_counts;

RF_EXTERN int rf_host_new(rf_host **out, rf_method method, const rf_allocator *allocator);
RF_EXTERN void rf_host_free(rf_host *host);

/* A parameter of the method by name — the engine's ("WAIT_S", "LOADCELL_SETTLE_S", …) or the
 * baseline's ("MAX_GAP_S", …) — applied when the method starts. LATENESS_S sets the checker's
 * lateness too. RF_ENOTFOUND for a name the method does not have, RF_ERANGE for a value outside
 * its bounds, RF_EMISUSE once the method has started. */
RF_EXTERN int rf_host_param_set(rf_host *host, const char *name, double value);

/* Where diffs and receipts go (required before the first event), and plate faults (the
 * engine's, fused only; may be NULL). */
RF_EXTERN void rf_host_set_output(rf_host *host, rf_output_fn output, void *payload);
RF_EXTERN void rf_host_set_fault_output(rf_host *host, rf_engine_fault_fn on_fault, void *payload);

/* Takes one record: 0, or the checker's refusal (RF_ENOTFOUND, RF_EEXISTS, RF_ERANGE, RF_ELATE,
 * RF_EMISUSE) or the method's (its push's codes, the message prefixed "line N: "). An output
 * callback's non-zero return is passed back as the method passes it. */
RF_EXTERN int rf_host_push(rf_host *host, const rf_record *record);

/* End of input: the method decides what is left and emits the remaining receipts (nothing when
 * no event came). */
RF_EXTERN int rf_host_finish(rf_host *host);

RF_EXTERN const char *rf_host_errmsg(const rf_host *host);
RF_EXTERN void rf_host_get_counts(const rf_host *host, rf_host_counts *out);

/* The store described so far (NULL before the first event). */
RF_EXTERN const rf_store *rf_host_store(const rf_host *host);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_HOST_H */
