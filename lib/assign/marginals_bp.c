/* Approximate marginals by loopy belief propagation on the assignment graph, as in Williams &
 * Lau (2014), "Approximate evaluation of marginal association probabilities with belief
 * propagation". Rows send mu[i][j] = w[i][j] / (w_none[i] + sum_{k != j} w[i][k] nu[i][k]),
 * columns answer nu[i][j] = 1 / (1 + sum_{k != i} mu[k][j]); the iteration converges, and
 * P(i takes j) is proportional to w[i][j] nu[i][j], P(none) to w_none[i]. Sums that leave one
 * term out are built from prefix and suffix sums rather than by subtraction, so a dominant term
 * cannot cancel the rest away. */
#include <math.h>
#include <string.h>

#include "marginals.h"
#include "retailfuse/status.h"

#define BP_MAX_ITERATIONS 1000
#define BP_TOLERANCE 1e-12
/* Stands in for an infinite message (a row with one possible column and no "none"). */
#define BP_HUGE 1e300

/* P(i takes j) in proportion to w[i][j] nu[i][j], P(none) to w_none[i]. The sum is positive (a
 * row's largest weight is 1 and no nu is below 1 / (1 + n BP_HUGE)) but may be too small for its
 * reciprocal to be a double: then divide. */
static void normalise(const double *w, const double *w_none, const double *nu, size_t n, size_t m,
                      double *prob, double *prob_none) {
  for (size_t i = 0; i < n; ++i) {
    double sum = w_none[i];
    for (size_t j = 0; j < m; ++j) sum += w[i * m + j] * nu[i * m + j];
    if (sum < 0x1p-1000) {
      prob_none[i] = w_none[i] / sum;
      for (size_t j = 0; j < m; ++j) prob[i * m + j] = w[i * m + j] * nu[i * m + j] / sum;
      continue;
    }
    double inv = 1.0 / sum;
    prob_none[i] = w_none[i] * inv;
    for (size_t j = 0; j < m; ++j) prob[i * m + j] = w[i * m + j] * nu[i * m + j] * inv;
  }
}

int rf__marginals_bp(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                     size_t m, double *prob, double *prob_none) {
  double *mu = rf__ws_get(ws, RF__WS_MARG_A, n * m * sizeof(double));
  double *nu = rf__ws_get(ws, RF__WS_MARG_B, n * m * sizeof(double));
  size_t longest = n > m ? n : m;
  double *prefix = rf__ws_get(ws, RF__WS_MARG_C, (longest + 1) * sizeof(double));
  double *suffix = rf__ws_get(ws, RF__WS_MARG_D, (longest + 1) * sizeof(double));
  if (!mu || !nu || !prefix || !suffix) return RF_ENOMEM;
  for (size_t k = 0; k < n * m; ++k) nu[k] = 1.0;
  for (int iter = 0; iter < BP_MAX_ITERATIONS; ++iter) {
    for (size_t i = 0; i < n; ++i) {
      const double *wi = w + i * m, *nui = nu + i * m;
      double *mui = mu + i * m;
      prefix[0] = 0.0;
      for (size_t j = 0; j < m; ++j) prefix[j + 1] = prefix[j] + wi[j] * nui[j];
      suffix[m] = 0.0;
      for (size_t j = m; j-- > 0;) suffix[j] = suffix[j + 1] + wi[j] * nui[j];
      for (size_t j = 0; j < m; ++j) {
        double others = w_none[i] + prefix[j] + suffix[j + 1];
        /* A tiny (subnormal) `others` makes the ratio overflow: it is as good as infinite. */
        double ratio = others > 0.0 ? wi[j] / others : (wi[j] > 0.0 ? BP_HUGE : 0.0);
        mui[j] = ratio < BP_HUGE ? ratio : BP_HUGE;
      }
    }
    double change = 0.0;
    for (size_t j = 0; j < m; ++j) {
      prefix[0] = 0.0;
      for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + mu[i * m + j];
      suffix[n] = 0.0;
      for (size_t i = n; i-- > 0;) suffix[i] = suffix[i + 1] + mu[i * m + j];
      for (size_t i = 0; i < n; ++i) {
        double updated = 1.0 / (1.0 + prefix[i] + suffix[i + 1]);
        double delta = fabs(updated - nu[i * m + j]);
        if (delta > change) change = delta;
        nu[i * m + j] = updated;
      }
    }
    if (change < BP_TOLERANCE) break;
  }
  normalise(w, w_none, nu, n, m, prob, prob_none);
  return 0;
}
