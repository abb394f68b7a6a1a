/* The plain baseline: a running average of each sample, foreground where a frame is further
 * from it than `threshold` times the zone's noise. It follows slow change, but a lighting step
 * turns the whole zone to foreground until the average catches up (the detector then holds its
 * visits as disturbed), which the eigenbackground does not. */
#include <math.h>

#include "detector_internal.h"

/* How fast the average follows a background sample, and a foreground one (so a changed shelf is
 * taken in within some seconds), per frame. */
#define RATE_BACKGROUND 0.05f
#define RATE_FOREGROUND 0.0005f

int rf__cam_average_alloc(rf_detector *d, cam_zone *z) {
  z->mean = rf__calloc(&d->alloc, (size_t)z->n, sizeof *z->mean);
  return z->mean == NULL ? RF_ENOMEM : 0;
}

void rf__cam_average_masks(rf_detector *d, cam_zone *z) {
  const int n = z->n;
  for (int b = 0; b < d->batch_n; b++) {
    const float *x = z->x + (size_t)b * (size_t)n;
    uint8_t *m = z->mask + (size_t)b * (size_t)n;
    if (z->basis_count == 0) { /* the first frame is the first background */
      for (int i = 0; i < n; i++) z->mean[i] = x[i];
      z->basis_count = 1;
    }
    float tau = (float)d->opt.threshold * z->sigma;
    double abs_sum = 0;
    long quiet = 0;
    for (int i = 0; i < n; i++) {
      float diff = x[i] - z->mean[i];
      int fg = fabsf(diff) > tau;
      m[i] = (uint8_t)fg;
      z->mean[i] += (fg ? RATE_FOREGROUND : RATE_BACKGROUND) * diff;
      if (!fg) abs_sum += fabsf(diff), quiet++;
    }
    /* The noise from the background's own differences: mean |diff| is 0.8 sd for a normal. */
    if (quiet > n / 4) z->sigma = 0.95f * z->sigma + 0.05f * (float)(abs_sum / quiet / 0.8);
    if (z->sigma < 0.5f) z->sigma = 0.5f;
  }
}
