/* Capture in a library built without libcamera (RF_WITH_LIBCAMERA off): every function says so,
 * so that programs link and run alike either way. */
#include <stdio.h>

#include "retailfuse/capture.h"
#include "retailfuse/status.h"

static const char missing[] = "retailfuse was built without libcamera";

static int say_missing(char *err, size_t err_cap) {
  if (err != NULL && err_cap > 0) snprintf(err, err_cap, "%s", missing);
  return RF_ENOTFOUND;
}

int rf_capture_available(void) { return 0; }

int rf_capture_list(rf_capture_camera_fn fn, void *payload, size_t *count, char *err,
                    size_t err_cap) {
  (void)fn;
  (void)payload;
  if (count != NULL) *count = 0;
  return say_missing(err, err_cap);
}

int rf_capture_open(rf_capture **out, const char *id, int width, int height, char *err,
                    size_t err_cap) {
  (void)id;
  (void)width;
  (void)height;
  if (out != NULL) *out = NULL;
  return say_missing(err, err_cap);
}

void rf_capture_size(const rf_capture *capture, int *width, int *height, size_t *stride) {
  (void)capture;
  if (width != NULL) *width = 0;
  if (height != NULL) *height = 0;
  if (stride != NULL) *stride = 0;
}

int rf_capture_next(rf_capture *capture, const uint8_t **luma, int64_t *timestamp_ns,
                    int timeout_ms) {
  (void)capture;
  (void)timeout_ms;
  if (luma != NULL) *luma = NULL;
  if (timestamp_ns != NULL) *timestamp_ns = 0;
  return RF_ENOTFOUND;
}

const char *rf_capture_errmsg(const rf_capture *capture) {
  (void)capture;
  return missing;
}

void rf_capture_close(rf_capture *capture) { (void)capture; }
