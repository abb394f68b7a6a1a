/* When a video's frame was taken: frame i at t0 + round(i x 10^6 x den / num). */
#include "retailfuse/camera.h"

rf_time_us rf_frame_time(rf_time_us t0, int64_t index, int num, int den) {
  if (num <= 0 || den <= 0 || index < 0) return t0;
  /* Exactly, without overflow for any int num and den: every num frames are den whole seconds;
   * of the rest, rest x den / num whole seconds and a remainder r / num of one. */
  int64_t whole = index / num, rest = index % num;
  int64_t secs = whole * den + (rest * den) / num; /* rest x den < 2^62 */
  int64_t r = (rest * den) % num;                  /* r x 10^6 < 2^51 */
  int64_t us = (r * 1000000 + num / 2) / num;      /* rounded half up: every term >= 0 */
  return t0 + secs * 1000000 + us;
}
