/*
 * retailfuse/check.h — checking a scenario as a whole, record by record.
 *
 * The reader checks each line on its own; the checker checks how records fit together: the store
 * description comes before any event and builds a valid store; events name shelves, plates,
 * products and shoppers that exist; shoppers enter before they act and do not enter twice; times
 * do not go back by more than the allowed lateness. It is what `retailfuse validate` runs, and
 * the way to build a store from scenario records.
 *
 * Ownership: the checker copies what it keeps; the store it builds belongs to it (see
 * rf_scenario_check_store). rf_scenario_check_free accepts NULL.
 * Errors: a refused record changes nothing, with one exception that is about the file's
 * structure: the first record that is not part of the store description ends it, even when
 * that record itself is refused. Checking goes on with the next record.
 * Threads: single-threaded.
 */
#ifndef RETAILFUSE_CHECK_H
#define RETAILFUSE_CHECK_H

#include "common.h"
#include "allocator.h"
#include "record.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_scenario_check rf_scenario_check;

/* XX(name, default, min, max, description); durations in seconds. */
#define RF_CHECK_PARAM_MAP(XX)                    \
  XX(LATENESS_S, RF_LATENESS_DEFAULT_S, 0.0, 1e9, \
     "how far a record's time may lag the latest seen (s)")

typedef enum rf_check_param {
#define RF__CHECK_PARAM_ENUM(name, def, lo, hi, desc) RF_CHECK_##name,
  RF_CHECK_PARAM_MAP(RF__CHECK_PARAM_ENUM)
#undef RF__CHECK_PARAM_ENUM
      RF_CHECK_PARAM_COUNT
} rf_check_param;

/* A parameter's name ("LATENESS_S"), description and bounds; NULL / RF_ERANGE out of range. */
RF_EXTERN const char *rf_scenario_check_param_name(rf_check_param param);
RF_EXTERN const char *rf_scenario_check_param_help(rf_check_param param);
RF_EXTERN int rf_scenario_check_param_bounds(rf_check_param param, double *min, double *max,
                                             double *default_value);

typedef struct rf_scenario_summary {
  uint64_t records;                       /* records accepted */
  uint64_t refused;                       /* records refused by rf_scenario_check_record */
  uint64_t by_type[RF_RECORD_TYPE_COUNT]; /* records accepted, by type */
  uint32_t products, shelves, plates, facings;
  uint32_t shoppers;       /* distinct shopper ids that entered */
  uint64_t samples;        /* plate readings in all samples records */
  int has_time;            /* 0: no timed record seen */
  rf_time_us t_min, t_max; /* over every time field of accepted records */
} rf_scenario_summary;

/* A checker with every parameter at its default: RF_ENOMEM, RF_EINVAL for bad hooks. */
RF_EXTERN int rf_scenario_check_new(rf_scenario_check **out, const rf_allocator *allocator);
RF_EXTERN void rf_scenario_check_free(rf_scenario_check *check);

/* RF_ERANGE for a value outside the bounds (or not finite), RF_EINVAL for an unknown param. */
RF_EXTERN int rf_scenario_check_param_set(rf_scenario_check *check, rf_check_param param,
                                          double value);
RF_EXTERN double rf_scenario_check_param_get(const rf_scenario_check *check, rf_check_param param);

/* Checks one record and takes it in. Returns 0, or the reason it was refused (RF_ENOTFOUND,
 * RF_EEXISTS, RF_ERANGE, RF_ELATE, RF_EMISUSE for a store record after events, RF_ENOMEM).
 * The message names the line (from record->line), the field and the id. */
RF_EXTERN int rf_scenario_check_record(rf_scenario_check *check, const rf_record *record);

/* The detail of the last refusal; "" if none. */
RF_EXTERN const char *rf_scenario_check_errmsg(const rf_scenario_check *check);

/* Counts so far. */
RF_EXTERN void rf_scenario_check_summary(const rf_scenario_check *check, rf_scenario_summary *out);

/* The store described so far, finished when the first non-store record arrived or now. It
 * belongs to the checker; NULL when finishing it ran out of memory or it was taken. */
RF_EXTERN const rf_store *rf_scenario_check_store(rf_scenario_check *check);

/* Hands the store over to the caller, who must rf_store_free it; same rules as above. The
 * checker goes on counting records and checking shoppers and times, but no longer checks the
 * ids of shelves, plates and products. */
RF_EXTERN rf_store *rf_scenario_check_take_store(rf_scenario_check *check);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_CHECK_H */
