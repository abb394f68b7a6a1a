/*
 * retailfuse/capture.h — frames from a camera on this machine, through libcamera.
 *
 * A small C face on libcamera's C++ API, built when the library is configured with
 * RF_WITH_LIBCAMERA (on when libcamera-dev is found). Without it every function here returns
 * RF_ENOTFOUND and says so in its message, so a program can link and run either way.
 *
 * libcamera itself logs to stderr; these functions keep it to errors unless LIBCAMERA_LOG_LEVELS
 * is set in the environment.
 *
 * Threads: a capture is used by one thread; libcamera's own threads stay inside.
 */
#ifndef RETAILFUSE_CAPTURE_H
#define RETAILFUSE_CAPTURE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when built with libcamera, else 0. */
RF_EXTERN int rf_capture_available(void);

/* Receives one camera: libcamera's id (what rf_capture_open takes) and its model, if known
 * (else ""). A non-zero return stops the listing with that code. */
typedef int (*rf_capture_camera_fn)(const char *id, const char *model, void *payload);

/* Lists the cameras libcamera sees, in its order; *count (when not NULL) is how many. Returns
 * 0 (also when there are none), RF_ENOTFOUND without libcamera, RF_EIO when libcamera cannot
 * start, or the callback's code; a message in err when not NULL. */
RF_EXTERN int rf_capture_list(rf_capture_camera_fn fn, void *payload, size_t *count, char *err,
                              size_t err_cap);

typedef struct rf_capture rf_capture;

/* Opens camera `id` for frames of about width x height (the camera may choose another size;
 * rf_capture_size says which) in a YUV 4:2:0 format (NV12 or YUV420) and starts it. Returns 0,
 * RF_ENOTFOUND (no such camera, or no libcamera), RF_EIO (it cannot be configured or started),
 * RF_ENOMEM; a message in err when not NULL. */
RF_EXTERN int rf_capture_open(rf_capture **out, const char *id, int width, int height, char *err,
                              size_t err_cap);

/* The frames' size and luma row stride. */
RF_EXTERN void rf_capture_size(const rf_capture *capture, int *width, int *height,
                               size_t *stride);

/* Waits up to timeout_ms for the next frame and gives its luma plane (valid until the next call
 * or rf_capture_close) and its sensor timestamp in nanoseconds (CLOCK_BOOTTIME's). Returns 1 for
 * a frame, 0 on timeout, RF_EIO when the camera failed (a message in rf_capture_errmsg). */
RF_EXTERN int rf_capture_next(rf_capture *capture, const uint8_t **luma, int64_t *timestamp_ns,
                              int timeout_ms);
RF_EXTERN const char *rf_capture_errmsg(const rf_capture *capture);

/* Stops the camera and frees everything. */
RF_EXTERN void rf_capture_close(rf_capture *capture);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_CAPTURE_H */
