/* The light between the scene and the sensor, and the sensor's noise. A frame is the scene times
 * a gain, plus noise, clamped to bytes: gain(t, x, y) = level(t) x (1 + drift(t) + flicker(t_y)
 * + gx(t) u + gy(t) v), the level stepping when lights switch, the drift slow, the flicker mains
 * hum read row by row (t_y: when row y is read, a rolling shutter), and a gradient across the
 * image (u, v from -0.5 to 0.5) that turns slowly. The gain is split into a row term and a column
 * term so one frame costs one pass of integer multiply-adds, 16 pixels at a time with SSE2. */
#include <math.h>
#include <stdlib.h>

#include "render.h"

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

double rf__vid_level(const vid_camera *c, int64_t t) {
  size_t lo = 0, hi = c->step_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->steps[mid].t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? 1.0 : c->steps[lo - 1].level;
}

void rf__vid_gains(const rf_sim_video *v, const vid_camera *c, int64_t t, double level, int *rows,
                   int16_t *col) {
  const vid_light *l = &c->light;
  int width = v->opt.width, height = v->opt.height;
  double tt = (double)t;
  double base = 1 + l->drift_a[0] * sin(l->drift_w[0] * tt + l->drift_phase[0]) +
                l->drift_a[1] * sin(l->drift_w[1] * tt + l->drift_phase[1]);
  double gx = l->gx_a * sin(l->gx_w * tt + l->gx_phase);
  double gy = l->gy_a * sin(l->gy_w * tt + l->gy_phase);
  int most = 0;
  for (int x = 0; x < width; ++x) {
    int term = (int)lround(level * gx * ((x + 0.5) / width - 0.5) * VID_GAIN_ONE);
    col[x] = (int16_t)term;
    if (abs(term) > most) most = abs(term);
  }
  /* Whatever the light, a pixel's gain stays in [0, 2): bright scenes clip at 255 anyway. */
  double lo = most, hi = 2.0 * VID_GAIN_ONE - 1 - most;
  for (int y = 0; y < height; ++y) {
    double flicker = v->opt.flicker == 0
                         ? 0.0
                         : v->opt.flicker *
                               sin(l->flicker_w * (tt + y * l->row_us) + l->flicker_phase);
    double g = level * (base + flicker + gy * ((y + 0.5) / height - 0.5)) * VID_GAIN_ONE;
    rows[y] = (int)lround(fmin(hi, fmax(lo, g)));
  }
}

/* Scalar versions of the SSE2 steps, so both give the same bytes. */
static int sat16(int v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }

static uint8_t light_one(int s, int gain, int noise) {
  int p = (int)(((uint32_t)s << 8) * (uint32_t)gain >> 16); /* s x gain x 2^LUMA_SHIFT */
  int q = sat16(sat16(p + noise) + (1 << (VID_LUMA_SHIFT - 1)));
  int luma = (int)((uint32_t)(q + 32768) >> VID_LUMA_SHIFT) - (32768 >> VID_LUMA_SHIFT);
  return (uint8_t)(luma < 0 ? 0 : luma > 255 ? 255 : luma);
}

void rf__vid_light_row(uint8_t *out, const uint8_t *src, int row_gain, const int16_t *col,
                       const int16_t *noise, int n) {
  int x = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128(), row = _mm_set1_epi16((short)row_gain);
  const __m128i half = _mm_set1_epi16(1 << (VID_LUMA_SHIFT - 1));
  for (; x + 16 <= n; x += 16) {
    __m128i s = _mm_loadu_si128((const __m128i *)(src + x));
    /* Bytes into the high half of 16-bit lanes: s << 8, for the high half of a 16 x 16
     * multiply to be s x gain x 2^LUMA_SHIFT (gain in 2^14 units, below 2^15). */
    __m128i lo = _mm_unpacklo_epi8(zero, s), hi = _mm_unpackhi_epi8(zero, s);
    __m128i glo = _mm_add_epi16(row, _mm_loadu_si128((const __m128i *)(col + x)));
    __m128i ghi = _mm_add_epi16(row, _mm_loadu_si128((const __m128i *)(col + x + 8)));
    lo = _mm_mulhi_epu16(lo, glo);
    hi = _mm_mulhi_epu16(hi, ghi);
    lo = _mm_adds_epi16(lo, _mm_loadu_si128((const __m128i *)(noise + x)));
    hi = _mm_adds_epi16(hi, _mm_loadu_si128((const __m128i *)(noise + x + 8)));
    lo = _mm_srai_epi16(_mm_adds_epi16(lo, half), VID_LUMA_SHIFT);
    hi = _mm_srai_epi16(_mm_adds_epi16(hi, half), VID_LUMA_SHIFT);
    _mm_storeu_si128((__m128i *)(out + x), _mm_packus_epi16(lo, hi));
  }
#endif
  for (; x < n; ++x) out[x] = light_one(src[x], row_gain + col[x], noise[x]);
}
