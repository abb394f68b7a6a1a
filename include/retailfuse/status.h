/*
 * retailfuse/status.h — status codes.
 *
 * Every function that can fail returns an int: 0 (RF_OK) on success, one of the negative codes
 * below for an error, or a positive notice: the call did its job and has something to say. A
 * failed call changes nothing that was already accepted. Negative means the caller must act
 * (retry, fix a bug, stop); positive means go on. Objects that take input also
 * keep a detail message for their last error (see each object's `_errmsg` function).
 *
 * Codes are stable: new ones are only ever appended.
 * Threads: both functions are safe from any thread; they return static strings.
 */
#ifndef RETAILFUSE_STATUS_H
#define RETAILFUSE_STATUS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* XX(name, value, message) */
#define RF_STATUS_MAP(XX)                                       \
  XX(ENOMEM, -1, "out of memory")                               \
  XX(EINVAL, -2, "invalid argument")                            \
  XX(EPARSE, -3, "malformed input")                             \
  XX(ENOTFOUND, -4, "unknown id")                               \
  XX(EEXISTS, -5, "duplicate id")                               \
  XX(ERANGE, -6, "value out of range")                          \
  XX(EVERSION, -7, "unsupported structure version")             \
  XX(EIO, -8, "input/output error")                             \
  XX(ITEROVER, -9, "no more items")                             \
  XX(EINFEASIBLE, -10, "no feasible assignment")                \
  XX(EMISUSE, -11, "call out of order or on a finished object") \
  XX(ELATE, -12, "time out of the allowed lateness")            \
  XX(ELIMIT, -13, "size limit exceeded")                        \
  XX(EBEHIND, -14, "input taken, but the work it made due was deferred")

typedef enum rf_status {
  /* Notice: the record could not be used, and was set aside (counted by reason; nothing already
   * accepted changed). The object that took it says why (e.g. rf_engine_setaside_reason). */
  RF_SETASIDE = 1,
  RF_OK = 0,
#define RF__STATUS_ENUM(name, value, msg) RF_##name = value,
  RF_STATUS_MAP(RF__STATUS_ENUM)
#undef RF__STATUS_ENUM
      RF__STATUS_LAST = -15
} rf_status;

/* A short English description of `code`; "unknown status code" for a value not in the table. */
RF_EXTERN const char *rf_strerror(int code);

/* The code's name without the prefix, e.g. "ENOMEM"; "UNKNOWN" for a value not in the table. */
RF_EXTERN const char *rf_err_name(int code);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_STATUS_H */
