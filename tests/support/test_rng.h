/* A small deterministic random generator for tests (xorshift64): the same seed gives the same
 * sequence on every machine, so a failing trial can be replayed. */
#ifndef RF_TEST_RNG_H
#define RF_TEST_RNG_H

#include <stdint.h>

static inline uint64_t test_rng_next(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}

/* Uniform in [0, 1). */
static inline double test_rng_uniform(uint64_t *state) {
  return (double)(test_rng_next(state) >> 11) / 9007199254740992.0;
}

#endif
