/*
 * retailfuse/common.h — the export macro and the few plain types every other header shares.
 *
 * Ownership: nothing here owns memory.
 * Threads: nothing here has state; every retailfuse object is single-threaded unless its own
 * header says otherwise (use one object from one thread at a time; distinct objects are
 * independent).
 */
#ifndef RETAILFUSE_COMMON_H
#define RETAILFUSE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && !defined(RF_STATIC)
#  ifdef RF_BUILDING_LIBRARY
#    define RF_EXTERN __declspec(dllexport)
#  else
#    define RF_EXTERN __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define RF_EXTERN __attribute__((visibility("default")))
#else
#  define RF_EXTERN
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Store-clock time in integer microseconds. (Durations given as parameters are seconds: see
 * docs/format.md.) */
typedef int64_t rf_time_us;

/* The one time range every part accepts and emits: |t| <= 2^52 us (about 142 years around the
 * store clock's zero). Inputs beyond it are refused (the reader and checker by field, the engine
 * by record); what the engine adds to an input time (a wait, a revision horizon: hours at most)
 * keeps its output within 2^53, where every integer is exact in JSON's doubles. */
#define RF_TIME_LIMIT_US ((rf_time_us)1 << 52)

/* The largest weight (and weight change) in grams any record may carry, by magnitude: far
 * beyond any shelf (10 t), so a value past it is a fault of the sender, not a heavy item. */
#define RF_WEIGHT_LIMIT_G 1e7

/* How far behind the latest time seen a record may arrive, by default (s): the baseline's
 * lateness, and the checker's delay for the tracker (and its LATENESS_S). The engine judges
 * lateness on its sources' watermark instead (engine.h: *_DELAY_S, LATENESS_S). */
#define RF_LATENESS_DEFAULT_S 2.0

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_COMMON_H */
