/* What the fuzz targets share: the entry point every target defines, a small fixed store, and
 * a reader of the fuzz input as a stream of small numbers. */
#ifndef RF_FUZZ_COMMON_H
#define RF_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/store.h"

/* libFuzzer's entry point (the replay main calls it too). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A store small enough that fuzzed ids collide: 5 products (two of equal weight, side by side),
 * 3 shelves of 3, 2 and 1 plates, a facing or two per shelf. Built once, never freed. */
const rf_store *fuzz_store(void);

/* The fuzz input, read a byte (or two) at a time; past its end it reads zeros. */
typedef struct fuzz_in {
  const uint8_t *p;
  size_t left;
} fuzz_in;

static inline unsigned fuzz_byte(fuzz_in *in) {
  if (in->left == 0) return 0;
  in->left--;
  return *in->p++;
}

static inline unsigned fuzz_u16(fuzz_in *in) {
  unsigned hi = fuzz_byte(in);
  return (hi << 8) | fuzz_byte(in);
}

/* Prints why and aborts: what the fuzzer reports as a crash. */
void fuzz_die(const char *fmt, ...);

#endif
