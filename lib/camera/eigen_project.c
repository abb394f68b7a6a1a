/* The eigenbackground's arithmetic: matrix products, through OpenBLAS (cblas_sgemm) or in plain C
 * loops — the same products, so the benchmark can time one against the other — and the
 * threshold that turns a frame and its reconstruction into foreground. */
#include <math.h>

#include "detector_internal.h"

#ifdef RF_WITH_BLAS
#  include <cblas.h>
#endif

/* C = alpha A^T B + beta C: each entry a dot product of two columns, both read in order. */
static void plain_tn(int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                     int ldb, float beta, float *c, int ldc) {
  for (int j = 0; j < n; j++) {
    const float *bj = b + (size_t)j * (size_t)ldb;
    for (int i = 0; i < m; i++) {
      const float *ai = a + (size_t)i * (size_t)lda;
      float dot = 0;
      for (int p = 0; p < k; p++) dot += ai[p] * bj[p];
      float *cij = c + (size_t)j * (size_t)ldc + i;
      *cij = alpha * dot + (beta == 0 ? 0 : beta * *cij);
    }
  }
}

/* C = alpha A B + beta C: column j of C gathers columns of A, each read in order. */
static void plain_nn(int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                     int ldb, float beta, float *c, int ldc) {
  for (int j = 0; j < n; j++) {
    float *cj = c + (size_t)j * (size_t)ldc;
    for (int i = 0; i < m; i++) cj[i] = beta == 0 ? 0 : beta * cj[i];
    for (int p = 0; p < k; p++) {
      const float *ap = a + (size_t)p * (size_t)lda;
      float s = alpha * b[(size_t)j * (size_t)ldb + p];
      for (int i = 0; i < m; i++) cj[i] += s * ap[i];
    }
  }
}

void rf__cam_gemm(int blas, int trans_a, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc) {
#ifdef RF_WITH_BLAS
  if (blas) {
    cblas_sgemm(CblasColMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, alpha, a,
                lda, b, ldb, beta, c, ldc);
    return;
  }
#else
  (void)blas;
#endif
  if (trans_a) plain_tn(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else plain_nn(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int rf__cam_threshold(const float *x, const float *recon, const float *tau, float base,
                      uint8_t *mask, int n) {
  int count = 0;
  for (int i = 0; i < n; i++) {
    uint8_t fg = fabsf(x[i] - recon[i]) > base + tau[i];
    mask[i] = fg;
    count += fg;
  }
  return count;
}
