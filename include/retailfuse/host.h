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
 * A run never stops for one bad record: a record that cannot be used is set aside — the push
 * returns RF_SETASIDE, rf_host_setaside_reason says why (the engine's reasons, engine.h, or
 * RF_HOST_INVALID for a store record the checker refuses), the message names the line and
 * the field — and the host goes on with the next. The fusion engine screens every event itself
 * (sources, lateness on its watermark, duplicates, ids); the baseline's events are checked by
 * the checker first, its refusals set aside under the nearest reason. Errors are for the host's
 * own failures: out of memory (push the record again — with the baseline, whose checker has
 * already counted it, a record refused for memory may read as a duplicate when pushed again: a
 * known gap), a method that cannot start (nothing started: push again).
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

/* The reasons a host sets a record aside: the engine's (RF_SETASIDE_*), then its own. */
/* A store record the checker refuses, or an event the method cannot take (the baseline takes no
 * samples). */
#define RF_HOST_INVALID RF_SETASIDE_REASON_COUNT
#define RF_HOST_REASON_COUNT (RF_SETASIDE_REASON_COUNT + 1)

/* A reason's string ("duplicate", ..., "invalid"); NULL out of range. */
RF_EXTERN const char *rf_host_reason_name(int reason);

typedef struct rf_host_counts {
  uint64_t records; /* records taken (checked, and pushed if events) */
  uint64_t events, deltas, hands;
  uint64_t diffs, receipts; /* output handed on */
  uint64_t set_aside;       /* records set aside (an anonymous hand is taken and set aside) */
  uint64_t by_reason[RF_HOST_REASON_COUNT];
  uint64_t seeds_refused; /* calibration seeds the engine refused when it started */
  uint64_t verdicts;      /* review records taken (not counted as events) */
} rf_host_counts;

RF_EXTERN int rf_host_new(rf_host **out, rf_method method, const rf_allocator *allocator);
RF_EXTERN void rf_host_free(rf_host *host);

/* A parameter of the method by name — the engine's ("WAIT_S", "LOADCELL_SETTLE_S", …) or the
 * baseline's ("MAX_GAP_S", …) — applied when the method starts. LATENESS_S sets the checker's
 * lateness too (the baseline's events are checked by it). RF_ENOTFOUND for a name the method does
 * not have, RF_ERANGE for a value outside its bounds, RF_EMISUSE once the method has started. */
RF_EXTERN int rf_host_param_set(rf_host *host, const char *name, double value);

/* Where diffs and receipts go (required before the first event), and plate faults (the
 * engine's, fused only; may be NULL). */
RF_EXTERN void rf_host_set_output(rf_host *host, rf_output_fn output, void *payload);
RF_EXTERN void rf_host_set_fault_output(rf_host *host, rf_engine_fault_fn on_fault, void *payload);

/* Explanations (rf_engine_set_explain) in the output after each decision: the engine's, fused
 * only (the baseline has none); before or after the method starts. */
RF_EXTERN void rf_host_set_explain(rf_host *host, int on);

/* Takes one record: 0; RF_SETASIDE for one set aside (above); or an error: RF_ENOMEM (nothing
 * taken: push it again), RF_EBEHIND (taken; go on), RF_EMISUSE (no output set), the method's
 * failure to start. Messages are prefixed "line N: ". An output callback's non-zero return is
 * passed back as the method passes it. */
RF_EXTERN int rf_host_push(rf_host *host, const rf_record *record);

/* Why the last push returned RF_SETASIDE (rf_host_reason_name), -1 if it did not. */
RF_EXTERN int rf_host_setaside_reason(const rf_host *host);

/* Gives a source its own allowed delay (rf_engine_source_delay), applied when the engine
 * starts: RF_EINVAL, RF_ERANGE as there; RF_ENOTFOUND for the baseline, which has no sources;
 * RF_EMISUSE once the method has started. */
RF_EXTERN int rf_host_source_delay(rf_host *host, const char *source, double seconds);

/* Tells the host of each source going stale or coming back (rf_engine_set_source_output). */
RF_EXTERN void rf_host_set_source_output(rf_host *host, rf_engine_source_fn on_source,
                                         void *payload);

/* The engine, once started (NULL for the baseline or before the first event): for its stats. */
RF_EXTERN const rf_engine *rf_host_engine(const rf_host *host);

/* Moves the engine's clock to `now` with no new record (rf_engine_advance): what a live host
 * does when its sources are quiet. Nothing for the baseline, or before the method started.
 * RF_ERANGE for a time beyond the engine's range; RF_ENOMEM and RF_EBEHIND as for a push. */
RF_EXTERN int rf_host_advance(rf_host *host, rf_time_us now);

/* Seeds a scale of the engine's calibration (rf_engine_calibration_seed), applied when the engine
 * starts, after the parameters: a host restarted from its journal seeds again and ends where it
 * was. The id is copied. A seed the engine refuses then (an id its store lacks, a value out of
 * range) is left out and counted (rf_host_counts.seeds_refused). RF_ENOTFOUND for the
 * baseline; RF_EMISUSE once the method has started; RF_EINVAL for NULL; RF_ENOMEM. */
RF_EXTERN int rf_host_calibration_seed(rf_host *host, const rf_scale *scale);

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
