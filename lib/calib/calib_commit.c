/* The calibration's updates: equations staged, then committed one by one — each checked against
 * the current estimate, clipped, added to its blocks' normal equations, and those blocks solved
 * again. calib.h says why. */
#include <math.h>
#include <string.h>

#include "calib_internal.h"
#include "core/alloc.h"
#include "retailfuse/status.h"

/* Forgetting is applied in steps of this much store time: often enough to follow a drift of
 * hours (a step forgets 1 - exp(-1 h / CALIB_MEMORY_S), 22 % at the default), rarely enough that
 * a block's covariance is seldom made anew (a factorisation and an inverse) for an equation:
 * between steps, each equation updates it by a rank-one correction. */
#define FORGET_TICK_US 3600000000

/* The bounds of what an equation may say: a store's weights are grams to tonnes, its noise a
 * fraction of a gram and more. Beyond them the sums would overflow or one equation would be
 * worth more than every other: refused. */
#define MOST_G 1e7
#define MOST_ITEMS 1e6
#define LEAST_VAR 1e-6
#define MOST_VAR 1e14

static int eq_ok(const rf__calib *c, const rf__calib_eq *eq) {
  if (!(eq->var >= LEAST_VAR && eq->var <= MOST_VAR) || !(eq->p > 0) || !(eq->p <= 1)) return 0;
  if (eq->readings + eq->items == 0 ||
      (eq->readings > 0 && (eq->gain == NULL || eq->reading == NULL)) ||
      (eq->items > 0 && (eq->weight == NULL || eq->qty == NULL)))
    return 0;
  for (size_t i = 0; i < eq->readings; ++i)
    if (eq->gain[i] >= c->gains || !(fabs(eq->reading[i]) <= MOST_G)) return 0;
  for (size_t j = 0; j < eq->items; ++j)
    if (eq->weight[j] >= c->weights || !(eq->qty[j] > 0 && eq->qty[j] <= MOST_ITEMS) ||
        !(eq->qty[j] * c->catalog[eq->weight[j]] <= MOST_G))
      return 0;
  return 1;
}

/* Adds coefficient a for unknown u to the staged terms [first, term_count), merging a repeat. */
static void add_term(rf__calib *c, size_t first, uint32_t u, double a) {
  for (size_t t = first; t < c->term_count; ++t)
    if (c->terms[t].u == u) {
      c->terms[t].a += a;
      return;
    }
  c->terms[c->term_count].u = u;
  c->terms[c->term_count++].a = a;
}

/* Room in each block for the couplings an equation of these terms may add (one per pair of
 * unknowns of different blocks, each side). */
static int reserve_couplings(rf__calib *c, size_t first, size_t count) {
  for (size_t i = first; i < first + count; ++i) {
    size_t foreign = 0;
    uint32_t bi = c->block_of[c->terms[i].u];
    for (size_t j = first; j < first + count; ++j) foreign += c->block_of[c->terms[j].u] != bi;
    c_block *k = &c->block[bi];
    if (foreign == 0) continue;
    if (RF__RESERVE(&c->alloc, k->couple, k->couple_cap,
                    k->couple_count + k->couple_pending + foreign) != 0)
      return RF_ENOMEM;
    k->couple_pending += foreign;
  }
  return 0;
}

int rf__calib_stage(rf__calib *c, const rf__calib_eq *eq) {
  if (!eq_ok(c, eq)) return RF_EINVAL;
  size_t need = eq->readings + eq->items;
  if (RF__RESERVE(&c->alloc, c->terms, c->term_cap, c->term_count + need) != 0 ||
      RF__RESERVE(&c->alloc, c->staged, c->staged_cap, c->staged_count + 1) != 0)
    return RF_ENOMEM;
  const size_t first = c->term_count;
  double y = 0.0;
  /* sum (1 + z_k) r_k = sum q_j cat_j (1 + z_j)  =>  sum r_k z_k - sum q_j cat_j z_j = y */
  for (size_t i = 0; i < eq->readings; ++i) {
    add_term(c, first, eq->gain[i], eq->reading[i]);
    y -= eq->reading[i];
  }
  for (size_t j = 0; j < eq->items; ++j) {
    const double w = eq->qty[j] * c->catalog[eq->weight[j]];
    add_term(c, first, (uint32_t)(c->gains + eq->weight[j]), -w);
    y += w;
  }
  if (reserve_couplings(c, first, c->term_count - first) != 0) {
    c->term_count = first;
    return RF_ENOMEM;
  }
  c_staged *s = &c->staged[c->staged_count++];
  s->t = eq->t;
  s->first = first;
  s->count = c->term_count - first;
  s->y = y;
  s->var = eq->var;
  s->p = eq->p;
  c->counts.staged++;
  return 0;
}

void rf__calib_unstage(rf__calib *c) {
  c->term_count = 0;
  c->staged_count = 0;
  for (size_t k = 0; k < c->blocks; ++k) c->block[k].couple_pending = 0;
}

/* The forgetting step t falls in. Every part of the data — a block's equations, the couplings
 * the same equations make — is forgotten on this one grid, as if it came at its step's start:
 * so the blocks and the couplings always add up to one positive definite system. */
static int64_t step_of(int64_t t) {
  return t >= 0 ? t / FORGET_TICK_US : -((-(t + 1)) / FORGET_TICK_US) - 1;
}

double rf__calib_left(const rf__calib *c, int64_t from, int64_t to) {
  const int64_t steps = step_of(to) - step_of(from);
  return steps > 0 ? exp(-(double)steps * FORGET_TICK_US / c->memory_us) : 1.0;
}

int rf__calib_age(rf__calib *c, size_t bi, int64_t t) {
  c_block *k = &c->block[bi];
  if (!k->has_t) {
    k->has_t = 1;
    k->t_last = t;
    return 0;
  }
  if (step_of(t) <= step_of(k->t_last)) return 0;
  const double f = rf__calib_left(c, k->t_last, t);
  for (size_t i = 0; i < k->n * k->n; ++i) k->h[i] *= f;
  for (size_t i = 0; i < k->n; ++i) k->b[i] *= f;
  k->t_last = t;
  k->stale = 1;
  return 1;
}

int64_t rf__calib_latest(const rf__calib *c) {
  int64_t latest = INT64_MIN;
  for (size_t k = 0; k < c->blocks; ++k)
    if (c->block[k].has_t && c->block[k].t_last > latest) latest = c->block[k].t_last;
  return latest;
}

/* Makes block k's covariance anew: (h + P)^-1 through its Cholesky factor. A block whose numbers
 * went wrong (they cannot: every input is checked) would start again from its priors rather than
 * carry a NaN. */
static void make_cov(rf__calib *c, c_block *k) {
  const size_t n = k->n;
  for (int attempt = 0; attempt < 2; ++attempt) {
    memcpy(c->factor, k->h, n * n * sizeof *c->factor);
    for (size_t i = 0; i < n; ++i) c->factor[i * (n + 1)] += c->prior_p[k->ids[i]];
    if (c->spd->factor(c->factor, n) == 0) {
      c->spd->inverse(c->factor, n, k->cov);
      k->stale = 0;
      return;
    }
    memset(k->h, 0, n * n * sizeof *k->h);
    memset(k->b, 0, n * sizeof *k->b);
  }
  /* Not even the priors factor (a prior precision out of any range: refused at seeding, so
   * never): the priors' diagonal, which is what a block with no data has. */
  memset(k->cov, 0, n * n * sizeof *k->cov);
  for (size_t i = 0; i < n; ++i) k->cov[i * (n + 1)] = 1.0 / c->prior_p[k->ids[i]];
  k->stale = 0;
}

/* The sd of a typical reading of weight unknown u (in block k): a^T S a for a = (its home gains'
 * shares, -1 for the weight), S the block's covariance — a handful of its entries. */
static void scale_sd_of(rf__calib *c, const c_block *k, size_t u) {
  const size_t j = u - c->gains, n = k->n;
  size_t at[65];
  double a[65];
  size_t m = 0;
  at[m] = c->local_of[u];
  a[m++] = -1.0;
  for (size_t h = c->home_start ? c->home_start[j] : 0;
       c->home_start && h < c->home_start[j + 1] && m < 65; ++h)
    if (c->block_of[c->home_gain[h]] == c->block_of[u]) {
      at[m] = c->local_of[c->home_gain[h]];
      a[m++] = c->home_share[h];
    }
  double v = 0.0;
  for (size_t p = 0; p < m; ++p)
    for (size_t q = 0; q < m; ++q) v += a[p] * a[q] * k->cov[at[p] * n + at[q]];
  c->scale_sd[j] = sqrt(fmax(v, 0.0));
}

void rf__calib_scale_sds(rf__calib *c, size_t bi) {
  const c_block *k = &c->block[bi];
  for (size_t i = 0; i < k->n; ++i)
    if (k->ids[i] >= c->gains) scale_sd_of(c, k, k->ids[i]);
}

void rf__calib_refresh(rf__calib *c, size_t bi) {
  c_block *k = &c->block[bi];
  const size_t n = k->n;
  if (n == 0) return;
  const int remade = k->stale;
  if (k->stale) make_cov(c, k);
  double *rhs = c->work, *x = c->work + c->most_n;
  for (size_t i = 0; i < n; ++i) rhs[i] = k->b[i] + c->prior_p[k->ids[i]] * c->prior_m[k->ids[i]];
  for (size_t q = 0; q < k->couple_count; ++q) {
    const c_coupling *cp = &k->couple[q];
    rhs[cp->local] -= cp->v * rf__calib_left(c, cp->t, k->t_last) * c->z[cp->other];
  }
  int finite = 1;
  for (size_t i = 0; i < n; ++i) {
    double v = 0.0;
    for (size_t q = 0; q < n; ++q) v += k->cov[q * n + i] * rhs[q];
    x[i] = v;
    finite &= isfinite(v) != 0;
  }
  for (size_t i = 0; i < n && finite; ++i) c->z[k->ids[i]] = x[i];
  if (remade) rf__calib_scale_sds(c, bi);
}

/* The distinct blocks of a staged equation's terms into out; 0 when there are more than cap
 * (an equation spans one shelf's plates and a few items: it never comes near). */
static size_t blocks_of(const rf__calib *c, const c_staged *s, uint32_t *out, size_t cap) {
  size_t n = 0;
  for (size_t t = s->first; t < s->first + s->count; ++t) {
    uint32_t b = c->block_of[c->terms[t].u], seen = 0;
    for (size_t i = 0; i < n; ++i) seen |= out[i] == b;
    if (seen) continue;
    if (n == cap) return 0;
    out[n++] = b;
  }
  return n;
}

/* For block k: S a (S its covariance, a the equation's coefficients on its unknowns) into sa,
 * a^T S a and the largest |S a| — how far the estimate moves per unit of residual, before the
 * update's denominator. a is sparse: a column of S per term. */
static void block_reach(const rf__calib *c, const c_staged *s, uint32_t bi, double *sa, double *asa,
                        double *most) {
  const c_block *k = &c->block[bi];
  const size_t n = k->n;
  memset(sa, 0, n * sizeof *sa);
  for (size_t t = s->first; t < s->first + s->count; ++t) {
    if (c->block_of[c->terms[t].u] != bi) continue;
    const double a = c->terms[t].a, *col = k->cov + (size_t)c->local_of[c->terms[t].u] * n;
    for (size_t i = 0; i < n; ++i) sa[i] += a * col[i];
  }
  double q = 0.0, m = 0.0;
  for (size_t t = s->first; t < s->first + s->count; ++t)
    if (c->block_of[c->terms[t].u] == bi) q += c->terms[t].a * sa[c->local_of[c->terms[t].u]];
  for (size_t i = 0; i < n; ++i) m = fmax(m, fabs(sa[i]));
  *asa = q;
  *most = m;
}

/* Couplings of the equation's terms in block k to the other blocks' (room reserved at staging). */
static void couple(rf__calib *c, const c_staged *s, uint32_t bi, double w) {
  c_block *k = &c->block[bi];
  for (size_t t = s->first; t < s->first + s->count; ++t) {
    const c_term *own = &c->terms[t];
    if (c->block_of[own->u] != bi) continue;
    for (size_t o = s->first; o < s->first + s->count; ++o) {
      const c_term *other = &c->terms[o];
      if (c->block_of[other->u] == bi) continue;
      size_t q = 0;
      while (q < k->couple_count &&
             (k->couple[q].local != c->local_of[own->u] || k->couple[q].other != other->u))
        ++q;
      c_coupling *cp = &k->couple[q];
      if (q == k->couple_count) {
        cp->local = c->local_of[own->u];
        cp->other = other->u;
        cp->v = 0.0;
        cp->t = s->t;
        k->couple_count++;
      }
      /* Both copies see the same updates at the same times: they stay equal. */
      cp->v = cp->v * rf__calib_left(c, cp->t, s->t) + w * own->a * other->a;
      if (s->t > cp->t) cp->t = s->t;
    }
  }
}

/* Adds the equation, weight w and right-hand side y, to block k: its own terms to h and b, and
 * couplings to the other blocks' unknowns. */
static void add_to_block(rf__calib *c, const c_staged *s, uint32_t bi, double w, double y) {
  c_block *k = &c->block[bi];
  const size_t n = k->n;
  for (size_t t = s->first; t < s->first + s->count; ++t) {
    if (c->block_of[c->terms[t].u] != bi) continue;
    const size_t j = c->local_of[c->terms[t].u];
    const double aj = c->terms[t].a;
    k->b[j] += w * aj * y;
    for (size_t o = s->first; o < s->first + s->count; ++o)
      if (c->block_of[c->terms[o].u] == bi)
        k->h[j * n + c->local_of[c->terms[o].u]] += w * aj * c->terms[o].a;
  }
  couple(c, s, bi, w);
}

/* The equation's residual at the current estimate, and over its blocks a^T S a and the largest
 * |S a|. */
static double residual(const rf__calib *c, const c_staged *s, const uint32_t *touched, size_t nb,
                       double *asa, double *most) {
  double r = s->y;
  for (size_t t = s->first; t < s->first + s->count; ++t) r -= c->terms[t].a * c->z[c->terms[t].u];
  *asa = 0.0;
  *most = 0.0;
  for (size_t i = 0; i < nb; ++i) {
    double q, m;
    block_reach(c, s, touched[i], c->work + 2 * c->most_n, &q, &m);
    *asa += q;
    *most = fmax(*most, m);
  }
  return r;
}

/* Whether the equation is to be set aside: its residual beyond reject_z of what its noise (a
 * less sure reading is noisier) and the estimate's own uncertainty allow, or not a number. */
static int rejected(const rf__calib *c, const c_staged *s, double r, double asa) {
  const double sd = sqrt(s->var / s->p + asa);
  return !isfinite(r) || !isfinite(sd) || fabs(r) > c->reject_z * sd;
}

static void commit_one(rf__calib *c, const c_staged *s) {
  uint32_t touched[16];
  size_t nb = blocks_of(c, s, touched, 16);
  if (nb == 0) return;
  /* Forgotten up to the equation's time first, set aside or not: a block whose every reading is
   * now rejected (a plate re-tared, a batch far off) must still forget, so its uncertainty grows
   * back until the new readings fit and teach. Forgetting depends on time alone. */
  for (size_t i = 0; i < nb; ++i)
    if (rf__calib_age(c, touched[i], s->t) || c->block[touched[i]].stale)
      rf__calib_refresh(c, touched[i]);
  double asa, most, r = residual(c, s, touched, nb, &asa, &most);
  if (rejected(c, s, r, asa)) {
    c->counts.rejected++;
    return;
  }
  /* Its weight, lowered until the move it makes (most w |r| / (1 + w a^T S a), a Kalman step) is
   * no more than `step`: a doubtful reading counts for less, as in a Huber fit, rather than
   * being told it was closer than it was — which would pull the estimate back to its start. */
  double w = s->p / s->var;
  if (most * w * fabs(r) / (1.0 + w * asa) > c->step) {
    w = c->step / (most * fabs(r) - c->step * asa);
    c->counts.clipped++;
  }
  if (!isfinite(w) || !(w > 0)) {
    c->counts.rejected++;
    return;
  }
  for (size_t i = 0; i < nb; ++i) add_to_block(c, s, touched[i], w, s->y);
  for (size_t t = s->first; t < s->first + s->count; ++t) c->seen[c->terms[t].u] += s->p;
  if (nb == 1) {
    /* One block: Sherman-Morrison — the estimate moves along S a, and S loses w S a (S a)^T /
     * (1 + w a^T S a) — with S a block_reach's, still in the work area: no factorisation. Its
     * couplings' pull is taken up when it is next made anew. */
    c_block *k = &c->block[touched[0]];
    const size_t n = k->n;
    const double *sa = c->work + 2 * c->most_n, g = w / (1.0 + w * asa);
    for (size_t i = 0; i < n; ++i) c->z[k->ids[i]] += g * r * sa[i];
    for (size_t j = 0; j < n; ++j)
      for (size_t i = 0; i < n; ++i) k->cov[j * n + i] -= g * sa[i] * sa[j];
  } else {
    for (size_t i = 0; i < nb; ++i) {
      c->block[touched[i]].stale = 1;
      rf__calib_refresh(c, touched[i]);
    }
  }
  for (size_t t = s->first; t < s->first + s->count; ++t)
    if (c->terms[t].u >= c->gains)
      scale_sd_of(c, &c->block[c->block_of[c->terms[t].u]], c->terms[t].u);
  c->counts.taken++;
  c->counts.cross += nb > 1;
}

void rf__calib_commit(rf__calib *c) {
  for (size_t i = 0; i < c->staged_count; ++i) commit_one(c, &c->staged[i]);
  rf__calib_unstage(c);
}
