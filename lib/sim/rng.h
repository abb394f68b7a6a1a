/* Internal: the simulator's random numbers — xoshiro256** seeded through splitmix64, so a seed
 * and a stream number give the same sequence on every machine. */
#ifndef RF_SIM_RNG_H
#define RF_SIM_RNG_H

#include <stdint.h>

typedef struct rf__rng {
  uint64_t s[4];
} rf__rng;

/* Independent streams of one seed: one per concern, so changing how often one part draws does
 * not shift every other part's numbers. */
void rf__rng_seed(rf__rng *r, uint64_t seed, uint64_t stream);
uint64_t rf__rng_next(rf__rng *r);
/* Uniform in [0, 1). */
double rf__rng_uniform(rf__rng *r);
/* Uniform in [lo, hi). */
double rf__rng_range(rf__rng *r, double lo, double hi);
/* Uniform integer in [lo, hi], inclusive. */
int rf__rng_int(rf__rng *r, int lo, int hi);
/* 1 with probability p. */
int rf__rng_chance(rf__rng *r, double p);
/* Normal with mean 0 and standard deviation sd. */
double rf__rng_normal(rf__rng *r, double sd);

#endif
