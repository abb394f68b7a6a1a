#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void rf__rng_seed(rf__rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  for (int i = 0; i < 4; ++i) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rf__rng_next(rf__rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double rf__rng_uniform(rf__rng *r) { return (double)(rf__rng_next(r) >> 11) * 0x1.0p-53; }

double rf__rng_range(rf__rng *r, double lo, double hi) {
  return lo + (hi - lo) * rf__rng_uniform(r);
}

int rf__rng_int(rf__rng *r, int lo, int hi) {
  if (hi <= lo) return lo;
  uint64_t span = (uint64_t)((int64_t)hi - lo + 1);
  return lo + (int)(rf__rng_next(r) % span);
}

int rf__rng_chance(rf__rng *r, double p) { return rf__rng_uniform(r) < p; }

double rf__rng_normal(rf__rng *r, double sd) {
  /* Box-Muller; one of the pair is enough here. */
  double u1 = rf__rng_uniform(r), u2 = rf__rng_uniform(r);
  if (u1 < 1e-300) u1 = 1e-300;
  return sd * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
