/* The same calls through LAPACK (spd.h): LAPACKE's column-major entry points (their _work forms,
 * which skip LAPACKE's NaN scans: the calibration checks its numbers itself), so nothing is
 * transposed on the way; Debian's liblapack.so.3 is OpenBLAS's when libopenblas is installed. */
#include <string.h>

#include "spd.h"

#ifdef RF_WITH_BLAS
#  include <lapacke.h>

static int lapack_factor(double *a, size_t n) {
  return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, a, (lapack_int)n) == 0 ? 0 : -1;
}

static void lapack_solve(const double *l, size_t n, double *b) {
  LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, 1, l, (lapack_int)n, b, (lapack_int)n);
}

/* dpotri makes the inverse's lower triangle from the factor in place: on a copy, mirrored. */
static void lapack_inverse(const double *l, size_t n, double *out) {
  memcpy(out, l, n * n * sizeof *out);
  LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, out, (lapack_int)n);
  for (size_t j = 0; j < n; ++j)
    for (size_t i = j + 1; i < n; ++i) out[i * n + j] = out[j * n + i];
}

static const rf__spd_ops lapack_ops = {lapack_factor, lapack_solve, lapack_inverse};
#endif

const rf__spd_ops *rf__spd(rf__spd_kind k) {
#ifdef RF_WITH_BLAS
  if (k == RF__SPD_LAPACK) return &lapack_ops;
#endif
  return k == RF__SPD_PLAIN ? &rf__spd_plain_ops : NULL;
}

const rf__spd_ops *rf__spd_default(void) { return &rf__spd_plain_ops; }
