/* The eigenbackground (Oliver, Rosario and Pentland's, with lighting terms): a zone's background
 * is what its recent quiet frames span — the mean of its snapshots scaled, tilted left to right
 * and top to bottom, and offset (so a light dimming, brightening or changing its slope is
 * background from the first frame), and their principal components beyond that (flicker
 * patterns, a shadow that comes and goes, a product taken). Each frame is projected on that
 * basis; what the basis cannot explain, beyond the zone's noise, is foreground.
 *
 * The basis is made again every few snapshots: the snapshots' Gram matrix and its eigenvectors
 * (LAPACK's dsyev, or Jacobi rotations in plain C), the projection's normal equations factored
 * (calib's spd: LAPACK or plain). Snapshots are taken only while the zone is quiet, so a hand is
 * never learned as background, but a shelf that changed is, within a few seconds. */
#include <math.h>
#include <string.h>

#include "calib/spd.h"
#include "detector_internal.h"

#ifdef RF_WITH_BLAS
#  include <cblas.h>
#  include <lapacke.h>
#endif

#define REFRESH_EVERY 4    /* snapshots between bases, once the history has filled a little */
#define QUIET_SHARE 0.2    /* no snapshot while more of the zone than this is foreground */
#define SIGNIFICANT 3.0    /* a component is kept when it explains this many times the noise */
#define REFIT_SHARE 0.01   /* projections refitted without outliers beyond this share */
#define ROBUST_ROUNDS 4    /* refits at most */
#define SLOW_WEIGHT 4.0    /* how hard the slow terms are held to their reference */
#define SLOW_RATE 0.05f    /* how fast the reference follows the fits, per frame */
#define CLEAN_SHARE_INV 10 /* ... from frames with at most a tenth of outliers */

int rf__cam_eigen_alloc(rf_detector *d, cam_zone *z) {
  const rf_allocator *a = &d->alloc;
  size_t n = (size_t)z->n, batch = (size_t)d->opt.batch, hist = (size_t)d->opt.history;
  /* The projection reads every other sample of every other row of the grid. */
  int sub_cols = (z->cols + 1) / 2, sub_rows = (z->rows + 1) / 2;
  z->nsub = sub_cols * sub_rows;
  size_t ns = (size_t)z->nsub;
  z->sub = rf__calloc(a, ns, sizeof *z->sub);
  z->xs = rf__calloc(a, ns * batch, sizeof *z->xs);
  z->basis = rf__calloc(a, n * CAM_MAX_BASIS, sizeof *z->basis);
  z->basis_sub = rf__calloc(a, ns * CAM_MAX_BASIS, sizeof *z->basis_sub);
  z->proj = rf__calloc(a, ns * CAM_MAX_BASIS, sizeof *z->proj);
  z->coef = rf__calloc(a, CAM_MAX_BASIS * batch, sizeof *z->coef);
  z->ring = rf__calloc(a, n * hist, 1);
  z->rs = rf__calloc(a, ns * batch, sizeof *z->rs);
  z->outlier = rf__calloc(a, 2 * ns, 1);
  if (!z->sub || !z->xs || !z->basis || !z->basis_sub || !z->proj || !z->coef || !z->ring ||
      !z->rs || !z->outlier)
    return RF_ENOMEM;
  int k = 0;
  for (int i = 0; i < z->rows; i += 2)
    for (int j = 0; j < z->cols; j += 2) z->sub[k++] = i * z->cols + j;
  return 0;
}

/* Symmetric eigenvalues and vectors of the m x m matrix g (column-major, overwritten by the
 * vectors, ascending values into w): cyclic Jacobi rotations, enough for m <= 64. */
static void jacobi(double *g, int m, double *w, double *v) {
  for (int i = 0; i < m * m; i++) v[i] = 0;
  for (int i = 0; i < m; i++) v[i * m + i] = 1;
  for (int sweep = 0; sweep < 60; sweep++) {
    double off = 0;
    for (int p = 0; p < m; p++)
      for (int q = p + 1; q < m; q++) off += g[q * m + p] * g[q * m + p];
    if (off < 1e-22) break;
    for (int p = 0; p < m; p++) {
      for (int q = p + 1; q < m; q++) {
        double apq = g[q * m + p];
        if (fabs(apq) < 1e-300) continue;
        double theta = (g[q * m + q] - g[p * m + p]) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < m; k++) { /* columns p and q */
          double gkp = g[p * m + k], gkq = g[q * m + k];
          g[p * m + k] = c * gkp - s * gkq;
          g[q * m + k] = s * gkp + c * gkq;
        }
        for (int k = 0; k < m; k++) { /* rows p and q */
          double gpk = g[k * m + p], gqk = g[k * m + q];
          g[k * m + p] = c * gpk - s * gqk;
          g[k * m + q] = s * gpk + c * gqk;
        }
        for (int k = 0; k < m; k++) {
          double vkp = v[p * m + k], vkq = v[q * m + k];
          v[p * m + k] = c * vkp - s * vkq;
          v[q * m + k] = s * vkp + c * vkq;
        }
      }
    }
  }
  /* Ascending, as dsyev gives them. */
  for (int i = 0; i < m; i++) w[i] = g[i * m + i];
  for (int i = 0; i < m; i++) {
    int best = i;
    for (int j = i + 1; j < m; j++)
      if (w[j] < w[best]) best = j;
    if (best == i) continue;
    double t = w[i];
    w[i] = w[best], w[best] = t;
    for (int k = 0; k < m; k++)
      t = v[i * m + k], v[i * m + k] = v[best * m + k], v[best * m + k] = t;
  }
  memcpy(g, v, sizeof *g * (size_t)m * (size_t)m);
}

/* Eigen-decomposes d->gram (m x m) in place: vectors into d->gram, values into d->eig. */
static void decompose(rf_detector *d, int m, int blas) {
#ifdef RF_WITH_BLAS
  if (blas && LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', m, d->gram, m, d->eig) == 0) return;
#else
  (void)blas;
#endif
  jacobi(d->gram, m, d->eig, d->evec);
}

/* Makes column j of the basis unit length and orthogonal to columns 0..j-1 (Gram-Schmidt, twice
 * over for float's sake). Returns 0 when nothing of it is left: it depended on the others. */
static int orthonormalize(float *basis, int n, int j) {
  float *c = basis + (size_t)j * (size_t)n;
  double before = 0, after = 0;
  for (int i = 0; i < n; i++) before += (double)c[i] * c[i];
  for (int pass = 0; pass < 2; pass++) {
    for (int k = 0; k < j; k++) {
      const float *q = basis + (size_t)k * (size_t)n;
      double dot = 0;
      for (int i = 0; i < n; i++) dot += (double)q[i] * c[i];
      for (int i = 0; i < n; i++) c[i] -= (float)dot * q[i];
    }
  }
  for (int i = 0; i < n; i++) after += (double)c[i] * c[i];
  if (!(after > 1e-8 * before) || after <= 0) return 0;
  float scale = (float)(1 / sqrt(after));
  for (int i = 0; i < n; i++) c[i] *= scale;
  return 1;
}

/* The lighting terms from the snapshots' mean: it scaled, an offset, and it tilted left to
 * right and top to bottom. Returns how many independent ones there are (a flat zone's scale is
 * its offset); the first z->free_terms of them (scale and offset: the light's level) are free
 * from frame to frame, the rest change slowly (robust_fit). */
static int lighting_terms(cam_zone *z, const float *mean) {
  const int n = z->n;
  int count = 0;
  z->free_terms = 0;
  for (int term = 0; term < CAM_LIGHT_TERMS; term++) {
    float *c = z->basis + (size_t)count * (size_t)n;
    for (int i = 0; i < z->rows; i++) {
      float v = 2.0f * ((float)i + 0.5f) / (float)z->rows - 1.0f;
      for (int j = 0; j < z->cols; j++) {
        float u = 2.0f * ((float)j + 0.5f) / (float)z->cols - 1.0f;
        int p = i * z->cols + j;
        c[p] = term == 0 ? mean[p] : term == 1 ? 1.0f : term == 2 ? mean[p] * u : mean[p] * v;
      }
    }
    int independent = orthonormalize(z->basis, n, count);
    count += independent;
    if (term < 2) z->free_terms += independent;
  }
  return count;
}

/* The principal components of the snapshots beyond the lighting terms (the first `terms` basis
 * columns): the snapshots less their lighting fit, the eigenvectors of their Gram matrix that
 * stand clear of the noise, as images. Returns how many were added to the basis. */
static int components(rf_detector *d, cam_zone *z, int m, int terms, int blas) {
  const int n = z->n;
  float *w = d->work, t[CAM_MAX_BASIS * 64], gram[64 * 64], v[64];
  rf__cam_gemm(blas, 1, terms, m, n, 1, z->basis, n, w, n, 0, t, terms);
  rf__cam_gemm(blas, 0, n, m, terms, -1, z->basis, n, t, terms, 1, w, n);
  rf__cam_gemm(blas, 1, m, m, n, 1, w, n, w, n, 0, gram, m);
  for (int i = 0; i < m * m; i++) d->gram[i] = gram[i];
  decompose(d, m, blas);
  int kept = 0;
  double floor = SIGNIFICANT * n * (double)z->sigma * z->sigma;
  for (int e = m - 1; e >= 0 && kept < d->opt.components; e--) {
    if (!(d->eig[e] > floor)) break;
    for (int s = 0; s < m; s++) v[s] = (float)d->gram[(size_t)e * m + s];
    float *col = z->basis + (size_t)(terms + kept) * (size_t)n;
    rf__cam_gemm(blas, 0, n, 1, m, (float)(1 / sqrt(d->eig[e])), w, n, v, m, 0, col, n);
    kept += orthonormalize(z->basis, n, terms + kept);
  }
  return kept;
}

/* Each sample's allowance for a shake of CAM_SHAKE_PX pixels: the largest step to a neighbour
 * of the mean image, scaled to the pixels a sample spans, so an edge that shivers is not a hand.
 * The threshold is then `threshold` noise sds plus this. */
static void shake_allowance(cam_zone *z, const float *mean) {
  float shake = (float)(CAM_SHAKE_PX / z->step < 1 ? 1 : CAM_SHAKE_PX / z->step);
  for (int i = 0; i < z->rows; i++)
    for (int j = 0; j < z->cols; j++) {
      int p = i * z->cols + j;
      float g = 0, mp = mean[p];
      if (j > 0) g = fmaxf(g, fabsf(mp - mean[p - 1]));
      if (j + 1 < z->cols) g = fmaxf(g, fabsf(mp - mean[p + 1]));
      if (i > 0) g = fmaxf(g, fabsf(mp - mean[p - z->cols]));
      if (i + 1 < z->rows) g = fmaxf(g, fabsf(mp - mean[p + z->cols]));
      z->tau[p] = shake * g;
    }
}

/* The zone's noise, followed from frame residuals at the projection's samples: the median
 * absolute residual as a normal's sd (robust to a hand in the zone), averaged over batches.
 * Not from the snapshots: the basis was fitted to them, their residuals are too small. */
static void follow_noise(cam_zone *z, const float *x, const float *recon, const uint8_t *mask) {
  unsigned hist[256] = {0}; /* |residual| in tenths of a level */
  unsigned half = 0, seen = 0;
  for (int s = 0; s < z->nsub; s++) {
    int p = z->sub[s];
    if (mask[p]) continue; /* the hand's or body's residuals are not noise */
    half++;
    int bin = (int)(fabsf(x[p] - recon[p]) * 10);
    hist[bin < 255 ? bin : 255]++;
  }
  /* Only a quiet frame tells the noise: around a body the fit is rougher than the sensor. */
  if (50 * ((unsigned)z->nsub - half) > (unsigned)z->nsub) return;
  half /= 2;
  int bin = 0;
  while (bin < 255 && (seen += hist[bin]) < half) bin++;
  float sigma = 1.4826f * ((float)bin + 0.5f) / 10;
  if (sigma < 0.5f) sigma = 0.5f;
  z->sigma = z->noise_known ? 0.9f * z->sigma + 0.1f * sigma : sigma;
  z->noise_known = 1;
}

/* The snapshots as floats into d->work (n x m), their mean into d->recon. */
static void load_snapshots(rf_detector *d, const cam_zone *z, int m) {
  const int n = z->n;
  float *w = d->work, *mean = d->recon;
  for (int i = 0; i < n; i++) mean[i] = 0;
  for (int s = 0; s < m; s++) {
    const uint8_t *snap = z->ring + (size_t)s * (size_t)n;
    float *col = w + (size_t)s * (size_t)n;
    for (int i = 0; i < n; i++) col[i] = snap[i], mean[i] += snap[i];
  }
  for (int i = 0; i < n; i++) mean[i] /= (float)m;
}

/* The projection's matrices from the basis: the basis at the projection's samples, their normal
 * equations (kept for refits) and proj = basis_sub (basis_sub^T basis_sub)^-1. */
static int make_projection(cam_zone *z, int blas) {
  const int ns = z->nsub, k = z->basis_count;
  for (int j = 0; j < k; j++)
    for (int s = 0; s < ns; s++)
      z->basis_sub[(size_t)j * ns + s] = z->basis[(size_t)j * z->n + z->sub[s]];
  double *g = z->gram_sub, l[CAM_MAX_BASIS * CAM_MAX_BASIS], inv[CAM_MAX_BASIS * CAM_MAX_BASIS];
  for (int a = 0; a < k; a++)
    for (int b = 0; b <= a; b++) {
      double dot = 0;
      const float *ca = z->basis_sub + (size_t)a * ns, *cb = z->basis_sub + (size_t)b * ns;
      for (int s = 0; s < ns; s++) dot += (double)ca[s] * cb[s];
      g[b * k + a] = g[a * k + b] = dot;
    }
  const rf__spd_ops *ops = rf__spd(blas ? RF__SPD_LAPACK : RF__SPD_PLAIN);
  if (ops == NULL) ops = &rf__spd_plain_ops;
  memcpy(l, g, sizeof *l * (size_t)(k * k));
  if (ops->factor(l, (size_t)k) != 0) return -1;
  ops->inverse(l, (size_t)k, inv);
  float invf[CAM_MAX_BASIS * CAM_MAX_BASIS];
  for (int i = 0; i < k * k; i++) invf[i] = (float)inv[i];
  rf__cam_gemm(blas, 0, ns, k, k, 1, z->basis_sub, ns, invf, k, 0, z->proj, ns);
  return 0;
}

/* The slow terms' reference after a new basis: the newest snapshot's coefficients (a quiet frame,
 * taken while nothing was in the zone). */
static void reference_from_newest(const rf_detector *d, cam_zone *z) {
  int newest = (z->ring_next + d->opt.history - 1) % d->opt.history;
  const uint8_t *snap = z->ring + (size_t)newest * (size_t)z->n;
  const int ns = z->nsub;
  for (int j = 0; j < z->basis_count; j++) {
    double dot = 0;
    for (int s = 0; s < ns; s++) dot += (double)z->proj[(size_t)j * ns + s] * snap[z->sub[s]];
    z->ref_coef[j] = (float)dot;
  }
}

void rf__cam_eigen_refresh(rf_detector *d, cam_zone *z, int blas) {
  int m = z->ring_count;
  int due = z->basis_count == 0 || z->since_refresh >= (m < REFRESH_EVERY ? 1 : REFRESH_EVERY);
  if (m == 0 || !due) return;
  z->since_refresh = 0;
  z->have_last_coef = 0; /* coefficients of another basis */
  load_snapshots(d, z, m);
  int terms = lighting_terms(z, d->recon);
  z->basis_count = terms + components(d, z, m, terms, blas);
  /* The mean is d->recon's: lighting_terms and components leave it be. */
  if (make_projection(z, blas) != 0) { /* cannot happen with orthonormal columns; be safe */
    z->basis_count = terms;
    if (make_projection(z, blas) != 0) z->basis_count = 0;
  }
  if (z->basis_count > 0) {
    shake_allowance(z, d->recon);
    reference_from_newest(d, z);
  }
  d->stats.basis_refreshes++;
}

static void add_snapshot(rf_detector *d, cam_zone *z, int b, rf_time_us t) {
  const float *x = z->x + (size_t)b * (size_t)z->n;
  uint8_t *slot = z->ring + (size_t)z->ring_next * (size_t)z->n;
  for (int i = 0; i < z->n; i++) slot[i] = (uint8_t)(x[i] + 0.5f);
  z->ring_next = (z->ring_next + 1) % d->opt.history;
  if (z->ring_count < d->opt.history) z->ring_count++;
  z->since_refresh++;
  z->last_snapshot = t;
}

void rf__cam_eigen_snapshot(rf_detector *d, cam_zone *z, int b, rf_time_us t) {
  if (t - z->last_snapshot < (int64_t)(d->opt.snapshot_s * 1e6)) return;
  if (rf__cam_visits_active(z, t) || rf__cam_zone_fg_share(z, b) > QUIET_SHARE) return;
  add_snapshot(d, z, b, t);
}

/* Frame b's residuals at the projection's samples, from its coefficients, into rs; returns how
 * many are beyond the threshold (outliers), marking them in out. */
static int sub_residuals(const cam_zone *z, int b, float base, uint8_t *out) {
  const int ns = z->nsub, k = z->basis_count;
  const float *xs = z->xs + (size_t)b * ns, *c = z->coef + (size_t)b * k;
  float *rs = z->rs + (size_t)b * ns;
  int count = 0;
  for (int s = 0; s < ns; s++) {
    float r = xs[s];
    for (int j = 0; j < k; j++) r -= z->basis_sub[(size_t)j * ns + s] * c[j];
    rs[s] = r;
    out[s] = fabsf(r) > base + z->tau[z->sub[s]];
    count += out[s];
  }
  return count;
}

/* Frame b's coefficients again without the outliers marked in `out`: the normal equations over
 * the projection's samples less those (the kept ones, downdated by the few outliers), with the
 * slow terms held towards their reference: (G + L) c = rhs + L ref, L = SLOW_WEIGHT G's diagonal
 * on the slow terms. */
static int refit(cam_zone *z, int b, const uint8_t *out) {
  const int ns = z->nsub, k = z->basis_count;
  const float *xs = z->xs + (size_t)b * ns;
  double g[CAM_MAX_BASIS * CAM_MAX_BASIS], rhs[CAM_MAX_BASIS] = {0};
  memcpy(g, z->gram_sub, sizeof *g * (size_t)(k * k));
  for (int s = 0; s < ns; s++) {
    double bs[CAM_MAX_BASIS];
    for (int j = 0; j < k; j++) bs[j] = z->basis_sub[(size_t)j * ns + s];
    if (!out[s]) {
      for (int j = 0; j < k; j++) rhs[j] += bs[j] * xs[s];
      continue;
    }
    for (int j = 0; j < k; j++)
      for (int i = 0; i < k; i++) g[j * k + i] -= bs[i] * bs[j];
  }
  for (int j = z->free_terms; j < k; j++) {
    double hold = SLOW_WEIGHT * z->gram_sub[j * k + j];
    g[j * k + j] += hold;
    rhs[j] += hold * z->ref_coef[j];
  }
  if (rf__spd_plain_ops.factor(g, (size_t)k) != 0) return 0;
  rf__spd_plain_ops.solve(g, (size_t)k, rhs);
  for (int j = 0; j < k; j++) z->coef[(size_t)b * k + j] = (float)rhs[j];
  return 1;
}

/* A least-squares fit is pulled towards a hand or a body in the zone — the tilt and the
 * components can darken a corner to meet it — and then sees the body as background, or the
 * whole zone as changed. So only the light's level (scale, offset) is fitted freely each frame;
 * the slow terms are held towards a reference that follows the fits over a second or so. A
 * frame's outliers are first judged against the frame before's fit (the light changes little
 * from one frame to the next; when it does, a step, most of the zone is off and the frame's own
 * least squares is the start), then it is fitted again without them, and again without its own
 * until they no longer change: a trimmed fit, robust while most of the zone is background. */
static void robust_fit(cam_zone *z, int b, float base) {
  const size_t ns = (size_t)z->nsub, k = (size_t)z->basis_count;
  uint8_t *out = z->outlier, *prev = z->outlier + ns;
  float *c = z->coef + (size_t)b * k, own[CAM_MAX_BASIS];
  memcpy(own, c, sizeof *c * k);
  int count = -1;
  if (z->have_last_coef) {
    memcpy(c, z->last_coef, sizeof *c * k);
    count = sub_residuals(z, b, base, out);
    if (2 * count > z->nsub) count = -1, memcpy(c, own, sizeof *c * k);
  }
  if (count < 0) count = sub_residuals(z, b, base, out);
  for (int round = 0; round < ROBUST_ROUNDS; round++) {
    if (2 * count > z->nsub) break;
    memcpy(prev, out, ns);
    if (!refit(z, b, prev)) break;
    count = sub_residuals(z, b, base, out);
    if (memcmp(prev, out, ns) == 0) break;
  }
  memcpy(z->last_coef, c, sizeof *c * k);
  z->have_last_coef = 1;
  /* The reference learns from clean frames only: one fitted around a body covering much of
   * the zone would drag the slow terms after it, and leave its after-image. */
  if (count * CLEAN_SHARE_INV > z->nsub) return;
  for (size_t j = 0; j < k; j++) z->ref_coef[j] += SLOW_RATE * (c[j] - z->ref_coef[j]);
}

void rf__cam_eigen_masks(rf_detector *d, cam_zone *z, int blas) {
  const int count = d->batch_n, n = z->n, ns = z->nsub;
  int first = z->basis_count == 0;
  if (first) { /* the first frame is the first background */
    add_snapshot(d, z, 0, d->batch_t[0]);
    rf__cam_eigen_refresh(d, z, blas);
  }
  const int k = z->basis_count;
  const float base = (float)d->opt.threshold * z->sigma;
  for (int b = 0; b < count; b++)
    for (int s = 0; s < ns; s++) z->xs[(size_t)b * ns + s] = z->x[(size_t)b * n + z->sub[s]];
  rf__cam_gemm(blas, 1, k, count, ns, 1, z->proj, ns, z->xs, ns, 0, z->coef, k);
  for (int b = 0; b < count; b++) robust_fit(z, b, base);
  rf__cam_gemm(blas, 0, n, count, k, 1, z->basis, n, z->coef, k, 0, d->recon, n);
  for (int b = 0; b < count; b++) {
    size_t at = (size_t)b * n;
    rf__cam_threshold(z->x + at, d->recon + at, z->tau, base, z->mask + at, n);
  }
  /* The noise from the batch's last frame, fitted around its foreground — unless that frame is
   * the first background itself. */
  if (!(first && count == 1))
    follow_noise(z, z->x + (size_t)(count - 1) * n, d->recon + (size_t)(count - 1) * n,
                 z->mask + (size_t)(count - 1) * n);
}
