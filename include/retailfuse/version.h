/*
 * retailfuse/version.h — the version of the headers in hand, and of the library linked.
 *
 * Ownership: rf_version_string() returns a static string; do not free it.
 * Threads: both functions are safe from any thread.
 */
#ifndef RETAILFUSE_VERSION_H
#define RETAILFUSE_VERSION_H

#include "common.h"

/* The one place the version is written; CMake reads it from here. */
#define RF_VERSION_MAJOR 0
#define RF_VERSION_MINOR 1
#define RF_VERSION_PATCH 0
#define RF_VERSION_STRING "0.1.0"
/* One number that compares: 10000 * major + 100 * minor + patch. */
#define RF_VERSION_NUMBER (RF_VERSION_MAJOR * 10000 + RF_VERSION_MINOR * 100 + RF_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The linked library's RF_VERSION_NUMBER; compare it with the header's to catch a mismatch. */
RF_EXTERN unsigned rf_version(void);

/* The linked library's version as "MAJOR.MINOR.PATCH". */
RF_EXTERN const char *rf_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_VERSION_H */
