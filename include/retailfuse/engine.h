/*
 * retailfuse/engine.h — the fusion engine: who took what, with a confidence.
 *
 * An engine is built over a finished store and fed the input events of docs/format.md in arrival
 * order (rf_engine_push, or one function per kind). When a weight change has settled and its
 * wait for late hand records is over, the engine decides it together with the other changes
 * that share candidate shoppers: every change has hypotheses of what moved (products and
 * quantities fitted to the total weight and to the plates it left from, or items of a shopper's
 * cart put back) and of who moved it (identified hand visits, anonymous ones weighed by where
 * shoppers were, shoppers whose visit the cameras missed, or nobody); the assignment solvers'
 * marginals give each (change, shopper) pair a probability under the rule that one hand visit
 * explains at most one change. The most probable decision becomes a cart diff whose confidence
 * is its posterior probability, flagged for review below a threshold. Receipts follow a cart's
 * last exit once no change that began before it is open; a receipt is flagged for review when
 * a decision standing in it was (one later corrected no longer counts; its correction does).
 * The likelihood model, term by term, is written in docs/likelihood.md.
 *
 * Output records (diffs and receipts) are queued; take them with rf_engine_poll, or set a
 * callback with rf_engine_set_output to receive them as they are made.
 *
 * Tunables are numbered parameters with bounds (rf_engine_param_*), not one function each.
 *
 * Memory is bounded by the busiest moment, not by the length of the day: hand visits are kept
 * while a change can still use them, decisions for REVISION_S, and a shopper (id, cart) until
 * REVISION_S after their cart's receipt, when nothing refers to them any more; then the id is
 * forgotten, and the same id entering again starts a new, empty cart. For reviewers' verdicts
 * (review records) the engine also keeps a book of its diffs and of each visit's receipt for
 * REVIEW_S (56 bytes a diff, 80 a visit): set REVIEW_S 0 where no verdicts come.
 *
 * Ownership: the store must outlive the engine. A polled record is valid until the next call on
 * the engine. Errors: a refused push, or one set aside (RF_SETASIDE), leaves the engine as it
 * was — a set-aside record is only counted, and remembered to know a copy of it; a stray hand is
 * used as anonymous — and rf_engine_errmsg says why.
 * Out of memory: RF_ENOMEM from a push means the record was not taken — push it again. When the
 * record was taken but the decisions it made due could not all be made, the push returns
 * RF_EBEHIND: do not push it again; the next call (push, advance or finish) makes the rest
 * first, on the state they were due in, and returns RF_ENOMEM without taking its own input if it
 * still cannot. Decisions already made stand, so a host that retries this way gets the output of
 * a run that never failed. A non-zero return from the output callback does not stop the
 * engine (the record it was handed stands, and so does the rest of the call's work): the call
 * returns the first such value once it is done.
 * Threads: single-threaded; distinct engines are independent. Deterministic: the same pushes
 * give the same output, byte for byte, and so do the same records interleaved differently across
 * their sources (each within its delay, none stale); the engine has no clock of its own.
 */
#ifndef RETAILFUSE_ENGINE_H
#define RETAILFUSE_ENGINE_H

#include "common.h"
#include "allocator.h"
#include "loadcell.h"
#include "record.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_engine rf_engine;

/* XX(name, default, min, max, description) */
#define RF_ENGINE_PARAM_MAP(XX)                                                                    \
  XX(LATENESS_S, 5.0, 0.0, 60.0,                                                                   \
     "how far behind the clock (the sources' watermark) a record may be and still be used (s): "   \
     "below WAIT_S, a late record still reaches every change it could explain")                    \
  XX(SHELVES_DELAY_S, 1.0, 0.0, 60.0,                                                              \
     "allowed delay of a shelf source (delta, samples) unless set by name (s)")                    \
  XX(CAMERAS_DELAY_S, 5.0, 0.0, 60.0,                                                              \
     "allowed delay of a camera source (hand) unless set by name (s)")                             \
  XX(TRACKER_DELAY_S, 2.0, 0.0, 60.0,                                                              \
     "allowed delay of a tracker source (enter, exit, link, position) unless set by name (s); "    \
     "a tracker id swap found counts for the decisions due from this long before it")              \
  XX(SOURCE_TIMEOUT_S, 10.0, 0.1, 3600.0,                                                          \
     "a source silent this long on the other sources' clock is stale: "                            \
     "it no longer holds decisions back (s)")                                                      \
  XX(WAIT_S, 7.0, 0.0, 120.0,                                                                      \
     "how long after a change ends to wait for the hand visits around it: "                        \
     "a camera reports a visit when the hand leaves, which may be seconds after the item moved")   \
  XX(REVIEW_BELOW, 0.8, 0.0, 1.0, "decisions less probable than this are flagged for review")      \
  XX(MAX_GAP_S, 10.0, 0.0, 600.0, "hand visits farther in time from a change are not candidates")  \
  XX(HAND_TIME_SCALE_S, 0.7, 0.01, 60.0,                                                           \
     "how fast a hand visit's support fades with its time gap")                                    \
  XX(HAND_X_SCALE_M, 0.08, 0.001, 10.0, "spread of a hand's position along the shelf (m)")         \
  XX(WRONG_ID_RATE, 0.02, 0.0, 1.0, "chance a hand visit carries the wrong identity")              \
  XX(MISSED_HAND_RATE, 0.05, 0.0, 1.0, "chance a reach was not seen by the cameras")               \
  XX(BROWSE_RATE, 0.25, 0.001, 1.0, "chance a hand visit moves nothing (browsing, a false visit)") \
  XX(POSITION_SCALE_M, 0.3, 0.01, 100.0,                                                           \
     "spread of where a shopper reaching a shelf stands, around the spot the change was "          \
     "(along the shelf when its dir is known, else its front centre) (m)")                         \
  XX(WANDER_M2_S, 0.25, 0.0, 100.0,                                                                \
     "how fast the spread of a shopper's last known position "                                     \
     "grows, as variance per second (m^2/s)")                                                      \
  XX(NOBODY_PRIOR, 0.002, 0.0, 1.0, "prior that a change is nobody's (noise, a fault)")            \
  XX(NOISE_G, 1.5, 0.0, 1000.0, "load-cell noise for shelves that declare none (g)")               \
  XX(SD_FRACTION, 0.01, 0.0, 1.0, "item weight spread for products that declare none, as a share") \
  XX(MISPLACE_PRIOR, 0.2, 0.0, 1.0, "chance a put-back goes somewhere other than its facing")      \
  XX(MAX_ITEMS, 4.0, 1.0, 20.0, "most items one change is read as")                                \
  XX(HINT_WEIGHT, 1.0, 0.0, 10.0, "how much holding and sku hints count (0: ignored)")             \
  XX(REVISION_S, 120.0, 0.0, 3600.0, "how far back a later change may correct a decided take (s)") \
  XX(LEARN, 1.0, 0.0, 1.0,                                                                         \
     "1: learn MISSED_HAND_RATE, WRONG_ID_RATE, and NOISE_G and SD_FRACTION (for shelves and "     \
     "products that declare none) from the store's own decisions, starting from their values "     \
     "(a value set by hand is kept); 0: keep them as set")                                         \
  XX(CALIBRATE, 1.0, 0.0, 1.0,                                                                     \
     "1: learn each plate's gain and each product's item weight from confident readings and "      \
     "announced restocks, and read changes with them (rf_engine_calibration); 0: unit gains and "  \
     "the catalogue's weights")                                                                    \
  XX(CALIB_CONF, 0.95, 0.5, 1.0, "readings at least this probable teach the calibration")          \
  XX(CALIB_MEMORY_S, 14400.0, 3600.0, 1e7,                                                         \
     "the calibration forgets its evidence with this time constant, in hourly steps (s): gains "   \
     "drift with temperature, items' weights with their batch")                                    \
  XX(GAIN_SD, 0.01, 1e-4, 0.5, "how far a plate's gain may be from 1 before any evidence (share)") \
  XX(WEIGHT_SD, 0.02, 1e-4, 0.5,                                                                   \
     "how far a product's mean item weight may be from its catalogue weight before any evidence "  \
     "(share)")                                                                                    \
  XX(CALIB_STEP, 0.003, 1e-5, 0.5,                                                                 \
     "the most one reading moves a plate's gain or a product's weight (share): a wrong decision, " \
     "however sure, cannot drag them")                                                             \
  XX(REVIEW_S, 86400.0, 0.0, 1e7,                                                                  \
     "how long after a decision a reviewer's verdict (review record) is taken: the engine keeps "  \
     "each diff's cart and items, and each receipted visit, this long (s)")

/* The engine's own parameters, then its load-cell segmenter's (loadcell.h) as LOADCELL_<name>:
 * RF_PARAM_LOADCELL_SETTLE_S, ... — set before the first samples record. */
typedef enum rf_engine_param {
#define RF__PARAM_ENUM(name, def, lo, hi, desc) RF_PARAM_##name,
  RF_ENGINE_PARAM_MAP(RF__PARAM_ENUM)
#undef RF__PARAM_ENUM
#define RF__PARAM_LOADCELL_ENUM(name, def, lo, hi, desc) RF_PARAM_LOADCELL_##name,
      RF_LOADCELL_PARAM_MAP(RF__PARAM_LOADCELL_ENUM)
#undef RF__PARAM_LOADCELL_ENUM
          RF_PARAM_COUNT
} rf_engine_param;

/* A parameter's name ("LATENESS_S", "LOADCELL_SETTLE_S"), description and bounds; NULL /
 * RF_ERANGE out of range. */
RF_EXTERN const char *rf_engine_param_name(rf_engine_param param);
RF_EXTERN const char *rf_engine_param_help(rf_engine_param param);
RF_EXTERN int rf_engine_param_bounds(rf_engine_param param, double *min, double *max,
                                     double *default_value);

/* Why a record was set aside (rf_engine_push returned RF_SETASIDE): XX(name, string, meaning).
 * The strings are the `reason` of `retailfuse run --rejects`; the list only ever grows. */
#define RF_SETASIDE_MAP(XX)                                                                        \
  XX(DUPLICATE, "duplicate", "the same record again: same source and seq, or same content")        \
  XX(UNKNOWN_SHOPPER, "unknown_shopper",                                                           \
     "names a shopper not in the store (a hand is still used, as an anonymous visit)")             \
  XX(UNKNOWN_SHELF, "unknown_shelf", "names a shelf that is not in the store")                     \
  XX(UNKNOWN_PLATE, "unknown_plate",                                                               \
     "names a plate that is not in the store, or not on the shelf")                                \
  XX(UNKNOWN_CART, "unknown_cart", "a link into the cart of a shopper not in the store")           \
  XX(ALREADY_IN, "already_in", "an enter for a shopper already in the store")                      \
  XX(NOT_IN, "not_in", "an exit or link for a shopper not in the store")                           \
  XX(LATE, "late", "behind the clock by more than LATENESS_S, or readings older than the plate's") \
  XX(BAD_NUMBER, "bad_number", "a number not finite, out of its range, or times out of order")     \
  XX(UNKNOWN_SKU, "unknown_sku", "a restock or review naming a product that is not in the store")  \
  XX(UNKNOWN_DECISION, "unknown_decision",                                                         \
     "a review of a decision the engine never made, or made more than REVIEW_S ago")               \
  XX(NOT_IN_CART, "not_in_cart", "a review that would take a cart below zero")

typedef enum rf_setaside_reason {
#define RF__SETASIDE_ENUM(name, str, desc) RF_SETASIDE_##name,
  RF_SETASIDE_MAP(RF__SETASIDE_ENUM)
#undef RF__SETASIDE_ENUM
      RF_SETASIDE_REASON_COUNT
} rf_setaside_reason;

/* The reason's string ("duplicate") and meaning; NULL out of range. */
RF_EXTERN const char *rf_setaside_reason_name(rf_setaside_reason reason);
RF_EXTERN const char *rf_setaside_reason_help(rf_setaside_reason reason);

RF_EXTERN int rf_engine_new(rf_engine **out, const rf_store *store, const rf_allocator *allocator);
RF_EXTERN void rf_engine_free(rf_engine *engine);

/* RF_ERANGE for a value outside the bounds (or not finite), RF_EINVAL for an unknown param;
 * RF_EMISUSE for a LOADCELL_ parameter once samples were taken. */
RF_EXTERN int rf_engine_param_set(rf_engine *engine, rf_engine_param param, double value);
RF_EXTERN double rf_engine_param_get(const rf_engine *engine, rf_engine_param param);

/* Output as it is made instead of through rf_engine_poll (NULL: back to polling). */
RF_EXTERN void rf_engine_set_output(rf_engine *engine, rf_output_fn output, void *payload);

/* Receives each fault the engine's load cells find in raw samples (loadcell.h), once when it
 * begins: the plate's id, what is wrong, when. */
typedef void (*rf_engine_fault_fn)(const char *plate, rf_plate_fault fault, rf_time_us t,
                                   void *payload);
RF_EXTERN void rf_engine_set_fault_output(rf_engine *engine, rf_engine_fault_fn on_fault,
                                          void *payload);

/* Explanations (docs/format.md, "explain"): with `on` 1, every change decided is followed in the
 * output (queue or callback) by an RF_RECORD_EXPLAIN record saying why — its alternatives with
 * their probabilities and evidence terms, the candidates, the hand visits weighed. Off (0) by
 * default, and then free. An explanation that cannot be made for memory is left out (counted:
 * rf_engine_stats.explain_dropped); decisions never wait on one. */
RF_EXTERN void rf_engine_set_explain(rf_engine *engine, int on);

/* Sources (docs/format.md, "Sources and the clock"). Every event comes from a source: the one
 * its record names, or its kind's default ("shelves", "cameras", "tracker"). Each source has
 * an allowed delay: its kind's *_DELAY_S parameter, or one set by name here (before or after
 * its first record). The engine's clock is the watermark: the least, over live sources, of
 * (the source's latest time - its delay); decisions wait on it, so a slow source delays them
 * instead of losing its records. A source silent for SOURCE_TIMEOUT_S on the other sources'
 * clock is stale: it holds nothing back until it sends again. RF_ERANGE for a delay outside
 * [0, 60] s or not finite; RF_EINVAL for a NULL or empty name. */
RF_EXTERN int rf_engine_source_delay(rf_engine *engine, const char *source, double seconds);

/* Receives each change of a source's state: stale (1) when it fell silent, 0 when it sent
 * again; `t` is the other sources' clock at that moment. */
typedef void (*rf_engine_source_fn)(const char *source, int stale, rf_time_us t, void *payload);
RF_EXTERN void rf_engine_set_source_output(rf_engine *engine, rf_engine_source_fn on_source,
                                           void *payload);

/* Takes one input event: enter, exit, link, position, samples, delta, hand, restock — or a
 * reviewer's verdict (review: docs/format.md, "review"), which bears no time and takes effect at
 * once: correction diffs, and an amended receipt for a cart already receipted. Raw samples go
 * through the engine's load-cell segmenter (loadcell.h; its parameters are the engine's
 * LOADCELL_ ones): each settled shelf
 * event becomes a weight change as a delta record would. A plate found faulty says nothing:
 * its change is left out, and the rest of the change is trusted half as much (its diffs'
 * confidence halves); a change only faulty plates made is no change. Decisions whose wait is
 * over are made during the call.
 * Returns 0 for a record taken, or RF_SETASIDE for one that could not be used: it changed
 * nothing, it is counted by reason (rf_engine_setaside_reason, and the message names the field
 * or id), and the host goes on with the next record. A hand naming a shopper not in the store
 * is the one set aside that is still used: as an anonymous visit. Errors mean a bug in the
 * host, not in its data: RF_EINVAL for NULL, a missing id or an empty readings array, a record
 * that is not an input event; RF_ENOMEM and RF_EBEHIND as above. */
RF_EXTERN int rf_engine_push(rf_engine *engine, const rf_record *record);

/* Why the last push returned RF_SETASIDE; -1 when it did not. */
RF_EXTERN int rf_engine_setaside_reason(const rf_engine *engine);

/* The same, one function per event kind, for hosts that hold their events as separate types.
 */
RF_EXTERN int rf_engine_push_enter(rf_engine *engine, const rf_shopper_rec *enter);
RF_EXTERN int rf_engine_push_exit(rf_engine *engine, const rf_shopper_rec *exit);
RF_EXTERN int rf_engine_push_link(rf_engine *engine, const rf_link_rec *link);
RF_EXTERN int rf_engine_push_position(rf_engine *engine, const rf_position_rec *position);
RF_EXTERN int rf_engine_push_delta(rf_engine *engine, const rf_delta_rec *delta);
RF_EXTERN int rf_engine_push_hand(rf_engine *engine, const rf_hand_rec *hand);
RF_EXTERN int rf_engine_push_samples(rf_engine *engine, const rf_samples_rec *samples);

/* Moves the clock to `now` (store time) with no new event, making decisions that are due;
 * plates whose readings stopped more than the lateness ago are in a gap from then. */
RF_EXTERN int rf_engine_advance(rf_engine *engine, rf_time_us now);

/* End of input: decides everything still waiting and emits the remaining receipts. */
RF_EXTERN int rf_engine_finish(rf_engine *engine);

/* The next output record in *out: 0, or RF_ITEROVER when none is waiting. */
RF_EXTERN int rf_engine_poll(rf_engine *engine, rf_record *out);

/* The calibration (CALIBRATE; docs/format.md, "Calibration"): every plate's gain and every
 * product's item weight as the engine has learned them — from readings at least CALIB_CONF
 * probable and from restocks staff announced — and reads the store's changes with. */
typedef enum rf_scale_kind {
  RF_SCALE_GAIN = 0,  /* a plate's gain: grams it reads per gram laid on it */
  RF_SCALE_WEIGHT = 1 /* a product's mean item weight (g) */
} rf_scale_kind;

typedef struct rf_scale {
  rf_scale_kind kind;
  const char *id;  /* the plate's id, or the product's sku */
  double value;    /* the gain, or the weight in grams */
  double sd;       /* its uncertainty, in the same unit (a seed's: <= 0 for GAIN_SD, WEIGHT_SD) */
  double prior;    /* what it started from: 1 or a seed; the catalogue's weight or a seed */
  double evidence; /* the readings that involved it, each counted by its probability */
} rf_scale;

/* Receives one scale; a non-zero return stops the listing and is returned. */
typedef int (*rf_scale_fn)(const rf_scale *scale, void *payload);

/* Every plate's gain (in the store's plate order), then every product's weight, to fn. Before
 * any decision or seed, or with CALIBRATE 0, the priors (unit gains, the catalogue) with no
 * evidence. The values survive a journal restore as everything else does: the same records
 * (and seeds) give the same values. RF_EINVAL for NULL. */
RF_EXTERN int rf_engine_calibration(const rf_engine *engine, rf_scale_fn fn, void *payload);

/* Seeds one scale — yesterday's estimate, say: its prior becomes `value` within `sd` instead
 * of 1 or the catalogue (kind and id name it; prior and evidence are ignored), fitted with
 * whatever evidence there is. The sd is taken as given (a host carrying a day's values over
 * may widen it for the night's drift, as the service does). Set the parameters first: the
 * calibration is made at its first use (a seed, or the first decision) with the parameters of
 * that moment, and GAIN_SD, WEIGHT_SD, CALIB_MEMORY_S and CALIB_STEP set later are not used.
 * RF_ENOMEM; RF_ENOTFOUND for an id the store lacks; RF_ERANGE for a gain outside (0.5, 2), a
 * weight outside half to twice the catalogue's, or an sd not finite or, as a share of the
 * value, outside 1e-6..1 (<= 0: the default) — refused, nothing changes; RF_EMISUSE with
 * CALIBRATE 0; RF_EINVAL for NULL. */
RF_EXTERN int rf_engine_calibration_seed(rf_engine *engine, const rf_scale *scale);

/* A shopper's cart (its owner's, when linked): the quantity of every product into
 * qty[rf_store_product_count(store)]. RF_ENOTFOUND for a shopper who never entered, or one
 * forgotten REVISION_S after their receipt. */
RF_EXTERN int rf_engine_cart(const rf_engine *engine, const char *shopper, int64_t *qty);

RF_EXTERN const char *rf_engine_errmsg(const rf_engine *engine);

/* What the engine took, set aside and decided so far. Set `version` to RF_ENGINE_STATS_VERSION
 * (or an earlier version, to get that version's fields) before the call (RF_EVERSION
 * otherwise): fields are only ever appended. */
#define RF_ENGINE_STATS_VERSION 4
typedef struct rf_engine_stats {
  uint32_t version;
  uint64_t taken;                               /* records used (anonymous hands included) */
  uint64_t set_aside;                           /* records set aside, all reasons */
  uint64_t by_reason[RF_SETASIDE_REASON_COUNT]; /* set aside, by reason */
  uint64_t late_used;                           /* taken although later than their source's delay */
  uint64_t decisions;                           /* changes decided */
  uint64_t reviews;                             /* diffs flagged for review */
  uint64_t corrections;                         /* diffs that correct an earlier one */
  uint64_t diffs, receipts;
  size_t sources; /* rf_engine_get_source_stats(engine, 0 .. sources - 1) */
  int has_clock;
  rf_time_us clock; /* the watermark decisions wait on */
  /* version 2: */
  uint64_t staff_moves; /* items staff were found to move (restocks, tidying): no diffs */
  uint64_t track_swaps; /* tracker id swaps found (two tracks stepping onto each other's
                           place as they meet, or jumping back after passing close): their
                           records read the other way round, their decisions corrected */
  /* version 3: */
  uint64_t stitched; /* fixes and hand visits naming an id the tracker broke off a shopper's
                        track, taken as that shopper's */
  /* version 4: */
  uint64_t verdicts;        /* review records taken */
  uint64_t amended;         /* receipts amended by them */
  uint64_t explain_dropped; /* explanations left out for memory */
} rf_engine_stats;
RF_EXTERN int rf_engine_get_stats(const rf_engine *engine, rf_engine_stats *out);

/* One source: `name` is valid until the engine is freed. Delays are how far a record's time
 * lay behind the latest time seen from any source when it arrived (from a histogram: within
 * 1/16 of the value). RF_ERANGE for an index out of range. */
#define RF_ENGINE_SOURCE_STATS_VERSION 1
typedef struct rf_engine_source_stats {
  uint32_t version;
  const char *name;
  uint64_t records; /* received, set aside or not */
  int has_time;
  rf_time_us last_t; /* its latest time */
  double delay_s;    /* allowed */
  double delay_p50_s, delay_p99_s;
  int stale;
  uint64_t went_stale; /* times it fell silent */
} rf_engine_source_stats;
RF_EXTERN int rf_engine_get_source_stats(const rf_engine *engine, size_t index,
                                         rf_engine_source_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_ENGINE_H */
