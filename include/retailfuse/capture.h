/*
 * retailfuse/capture.h — frames from a camera on this machine, through libcamera.
 *
 * A small C face on libcamera's C++ API, built when the library is configured with
 * RF_WITH_LIBCAMERA (on when libcamera-dev is found). Without it every function here returns
 * RF_ENOTFOUND and says so in its message, so a program can link and run either way.
 *
 * libcamera itself logs to stderr; these functions keep it to errors unless LIBCAMERA_LOG_LEVELS
 * is set in the environment. (libcamera reads the variable once per process, when it first logs:
 * the first call here sets it to "*:ERROR" for that moment and removes it again, so a program
 * that used libcamera before keeps the levels it had.)
 *
 * libcamera allows one CameraManager per process: the listings and captures here share one,
 * started by the first and stopped with the last, so a program must not make its own beside it.
 *
 * Threads: rf_capture_list and rf_capture_open may be called from any thread; a capture is used
 * by one thread at a time; libcamera's own threads stay inside.
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

/* Lists the cameras libcamera sees, in its order, to fn (which may be NULL, to count them);
 * *count (when not NULL) is how many there are. Returns 0 (also when there are none),
 * RF_ENOTFOUND without libcamera, RF_EIO when libcamera cannot start, RF_ENOMEM, or the
 * callback's code; a message in err when not NULL. */
RF_EXTERN int rf_capture_list(rf_capture_camera_fn fn, void *payload, size_t *count, char *err,
                              size_t err_cap);

typedef struct rf_capture rf_capture;

/* Opens camera `id` for frames of about width x height (the camera may choose another size;
 * rf_capture_size says which) in a YUV 4:2:0 format (NV12 or YUV420) and starts it. Returns 0,
 * RF_EINVAL (NULL out or id, a size not > 0), RF_ENOTFOUND (no such camera, or no libcamera),
 * RF_EIO (it is in use, or cannot be configured or started), RF_ENOMEM; a message in err when
 * not NULL. */
RF_EXTERN int rf_capture_open(rf_capture **out, const char *id, int width, int height, char *err,
                              size_t err_cap);

/* The frames' size and luma row stride. */
RF_EXTERN void rf_capture_size(const rf_capture *capture, int *width, int *height, size_t *stride);

/* Waits up to timeout_ms (a negative one: as long as it takes) for the next frame and gives its
 * luma plane (height rows `stride` bytes apart; valid until the next call or rf_capture_close)
 * and its timestamp in nanoseconds: libcamera's SensorTimestamp (CLOCK_BOOTTIME's), or where the
 * camera gives none the buffer's (the driver's clock, usually CLOCK_MONOTONIC). Frames the camera
 * failed to fill are skipped. Returns 1 for a frame, 0 on timeout, RF_EINVAL for NULL, RF_EIO when
 * the camera failed or went away (a message in rf_capture_errmsg; every later call returns it
 * too), RF_ENOTFOUND without libcamera. */
RF_EXTERN int rf_capture_next(rf_capture *capture, const uint8_t **luma, int64_t *timestamp_ns,
                              int timeout_ms);
RF_EXTERN const char *rf_capture_errmsg(const rf_capture *capture);

/* Stops the camera and frees everything; NULL is a no-op. */
RF_EXTERN void rf_capture_close(rf_capture *capture);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_CAPTURE_H */
