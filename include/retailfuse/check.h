/*
 * retailfuse/check.h — checking a scenario as a whole, record by record.
 *
 * The reader checks each line on its own; the checker checks how records fit together: the store
 * description comes before any event and builds a valid store (each camera defined once, each
 * zone naming a camera and a shelf given before it and lying within that camera's image);
 * events name shelves, plates, products and shoppers that exist; shoppers enter before they act
 * and do not enter twice; every time lies within RF_TIME_LIMIT_US of 0 (engine output, diff and
 * receipt times, within 2^53); and, source by source, times do not go back by more than that
 * source's delay and a source's `seq` does not come twice. It is what `retailfuse validate`
 * runs, and the way to build a store from scenario records. The store (store.h) holds products,
 * shelves and facings; cameras and zones are checked and counted, and kept by whoever needs
 * them (the zone detector).
 *
 * Sources. Every input event comes from a source: its `source` (record.h), or else its kind's
 * default — "shelves" for delta, samples and restock, "cameras" for hand, "tracker" for enter,
 * exit, link and position (a record naming "shelves" joins the default one). Each source keeps
 * its own latest time: a record is late, and refused (RF_ELATE), when its time (a delta's,
 * hand's or restock's t1, a samples record's last reading, otherwise its t) is earlier than its
 * source's latest time minus the delay allowed for the record, which is, first that applies:
 *   1. the delay set for the source by name (rf_scenario_check_source_delay);
 *   2. LATENESS_S, once it was set (rf_scenario_check_param_set): one delay for every source;
 *   3. the default of the record's kind: RF_CHECK_SHELVES_DELAY_S for delta, samples and restock,
 *      RF_CHECK_CAMERAS_DELAY_S for hand, RF_CHECK_TRACKER_DELAY_S for the others (a named
 *      source takes the default of the kind of each record it sends).
 * A record exactly at the limit is in time. A record with a `seq` whose source already sent that
 * seq is refused as a duplicate (RF_EEXISTS) while a copy of the first could still be in time
 * (its time no more than the delay behind the source's latest); after that a copy would be late
 * anyway, and the seq is forgotten, so memory follows the records within the delays. Sources are
 * kept for good (a few bytes and their name each).
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

/* How far behind its source's latest time a record may be, by kind, while nothing else was set
 * (seconds): weight changes settle within a second; a camera reports a hand visit after tracking
 * it, seconds later; the tracker's default is the library's RF_LATENESS_DEFAULT_S. */
#define RF_CHECK_SHELVES_DELAY_S 1.0
#define RF_CHECK_CAMERAS_DELAY_S 5.0
#define RF_CHECK_TRACKER_DELAY_S RF_LATENESS_DEFAULT_S

/* XX(name, default, min, max, description); durations in seconds. LATENESS_S reads 2 (its
 * default) until set, but while it is not set each source keeps its kind's delay; once set (to
 * any value, 2 included) it is the delay of every source that has none set by name. Its bound,
 * an hour, is also the bound of a delay set by name. */
#define RF_CHECK_PARAM_MAP(XX)                     \
  XX(LATENESS_S, RF_LATENESS_DEFAULT_S, 0.0, 3600, \
     "when set, how far a record's time may lag its source's latest, for every source (s)")

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
  uint32_t cameras, zones; /* the cameras and their shelf zones (store description) */
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

/* Sets the delay allowed to the source called `source` (seconds, within LATENESS_S's bounds),
 * whether or not it has sent anything yet; it wins over LATENESS_S and the kinds' defaults (see
 * "Sources" above). 0, RF_EINVAL (NULL check, NULL or empty name), RF_ERANGE (out of bounds or
 * not finite; nothing changes), RF_ENOMEM. May be called between records. */
RF_EXTERN int rf_scenario_check_source_delay(rf_scenario_check *check, const char *source,
                                             double seconds);
RF_EXTERN double rf_scenario_check_param_get(const rf_scenario_check *check, rf_check_param param);

/* Checks one record and takes it in. Returns 0, or the reason it was refused (RF_ENOTFOUND,
 * RF_EEXISTS — a duplicate id, or a source's seq twice —, RF_ERANGE — a time out of range among
 * others —, RF_ELATE, RF_EMISUSE for a store record after events, RF_ENOMEM). The message names
 * the line (from record->line), the field and the id; a late record's, its source. */
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
