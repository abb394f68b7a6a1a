/* The calibration's update, timed (bench/run-calibration): on the store of the `large` preset
 * (2,526 plates, 1,416 products, 240 shelves), every weight change of its scenario becomes an
 * equation (the half hour played eight times, an hour apart: time_blocks) — its plates' readings
 * against round(total / weight) items of the product faced under its heaviest plate — and is
 * committed to a calibration:
 *
 *   block   each equation staged and committed (its blocks checked, updated, solved): the
 *           engine's path; per update;
 *   dense   the whole system (N = plates + products) factored and solved at once; per solve.
 *
 * each with the plain C solver and with LAPACK over OpenBLAS, in the same run, alternating,
 * the median of --runs repetitions.
 *
 * And the experiment the issue asks for: the hypothesis scoring's plate loop (each hypothesis
 * span's "plates outside it saw only noise" term, rf__spans_of) as a matrix product — spans x
 * plates of 0/1 times the plates' squared z-scores, one change (dgemv) or a batch of changes
 * (dgemm) — against the plain loops, at the sizes the engine meets (a shelf's 12 plates, 64
 * hypotheses typical, 2,048 the most; 32 changes a batch at most in a rush).
 *
 *   build-release/bin/bench_calib_step [--runs N] [--dense-solves N] [--preset NAME]
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calib/calib.h"
#include "record/record.h"
#include "retailfuse/retailfuse.h"
#ifdef RF_WITH_BLAS
#  include <cblas.h>
#endif

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The equations, flattened: each a span of plates (readings) and one product with a count. */
typedef struct equation {
  int64_t t;
  size_t first, count;
  uint32_t product;
  double qty;
} equation;

typedef struct stream {
  rf_scenario_check *check;
  const rf_store *store;
  equation *eq;
  size_t n, cap;
  uint32_t *plate;
  double *reading;
  size_t readings, readings_cap;
} stream;

static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  *cap = need * 2;
  p = realloc(p, *cap * elem);
  if (p == NULL) abort();
  return p;
}

/* The product whose facing covers plate k's middle on the shelf, or -1. */
static int64_t product_at(const rf_store *store, uint32_t shelf, double x) {
  const uint32_t *fac;
  size_t nf;
  rf_store_shelf_facings(store, shelf, &fac, &nf);
  for (size_t i = 0; i < nf; ++i) {
    rf_facing_def f;
    rf_store_facing(store, fac[i], &f);
    uint32_t p;
    if (x >= f.x0 && x < f.x1 && rf_store_find_product(store, f.sku, &p) == 0) return p;
  }
  return -1;
}

static void add_delta(stream *s, const rf_delta_rec *d) {
  uint32_t shelf, plate, heaviest = 0;
  if (rf_store_find_shelf(s->store, d->shelf, &shelf) != 0) return;
  double total = 0.0, most = 0.0;
  for (size_t k = 0; k < d->plate_count; ++k) {
    total += d->plates[k].g;
    if (fabs(d->plates[k].g) > most &&
        rf_store_find_plate(s->store, d->plates[k].plate, &plate) == 0)
      most = fabs(d->plates[k].g), heaviest = plate;
  }
  rf_plate_def pd;
  rf_store_plate(s->store, heaviest, &pd, NULL);
  int64_t p = product_at(s->store, shelf, 0.5 * (pd.x0 + pd.x1));
  if (p < 0) return;
  rf_product_def prod;
  rf_store_product(s->store, (uint32_t)p, &prod);
  double qty = round(fabs(total) / prod.weight_g);
  if (qty < 1) return;
  s->eq = grow(s->eq, &s->cap, s->n + 1, sizeof *s->eq);
  s->plate = grow(s->plate, &s->readings_cap, s->readings + d->plate_count, sizeof *s->plate);
  s->reading = realloc(s->reading, s->readings_cap * sizeof *s->reading);
  if (s->reading == NULL) abort();
  equation *e = &s->eq[s->n++];
  e->t = d->t1;
  e->first = s->readings;
  e->product = (uint32_t)p;
  e->qty = qty;
  for (size_t k = 0; k < d->plate_count; ++k) {
    rf_store_find_plate(s->store, d->plates[k].plate, &plate);
    s->plate[s->readings] = plate;
    s->reading[s->readings++] = total < 0 ? -d->plates[k].g : d->plates[k].g;
  }
  e->count = s->readings - e->first;
}

static int on_record(const rf_record *rec, void *payload) {
  stream *s = payload;
  if (rf__record_is_store(rec->type)) return rf_scenario_check_record(s->check, rec);
  if (s->store == NULL) s->store = rf_scenario_check_store(s->check);
  if (rec->type == RF_RECORD_DELTA && s->store != NULL) add_delta(s, &rec->u.delta);
  return 0;
}

static int ignore(const rf_record *rec, void *payload) {
  (void)rec, (void)payload;
  return 0;
}

/* A calibration over the store: a block per shelf, products in their facing's shelf's. */
static rf__calib *calib_for(const rf_store *store, const rf__spd_ops *spd) {
  uint32_t plates = rf_store_plate_count(store), products = rf_store_product_count(store);
  uint32_t shelves = rf_store_shelf_count(store);
  uint32_t *pb = calloc(plates, sizeof *pb), *wb = calloc(products, sizeof *wb);
  double *cat = calloc(products, sizeof *cat);
  for (uint32_t s = 0; s < shelves; ++s) {
    rf_shelf_def def;
    rf_store_shelf(store, s, &def);
    for (size_t k = 0; k < def.plate_count; ++k) pb[rf_store_shelf_first_plate(store, s) + k] = s;
  }
  for (uint32_t p = 0; p < products; ++p) {
    rf_product_def d;
    rf_store_product(store, p, &d);
    cat[p] = d.weight_g;
    wb[p] = shelves;
  }
  for (uint32_t f = 0; f < rf_store_facing_count(store); ++f) {
    rf_facing_def fd;
    uint32_t p, s;
    rf_store_facing(store, f, &fd);
    rf_store_find_product(store, fd.sku, &p);
    rf_store_find_shelf(store, fd.shelf, &s);
    if (wb[p] == shelves) wb[p] = s;
  }
  rf__calib_config cfg = {plates, products, (size_t)shelves + 1,
                          pb,     wb,       cat,
                          0.01,   0.02,     14400.0,
                          0.003,  5.0,      spd,
                          NULL,   NULL,     NULL};
  rf__calib *c = NULL;
  if (rf__calib_new(&c, NULL, &cfg) != 0) abort();
  free(pb);
  free(wb);
  free(cat);
  return c;
}

/* Seconds per update of the block path over the whole stream. */
/* The scenario's half hour of equations is played REPLAYS times, each an hour later than the
 * one before, as a day of the store: every block then crosses forgetting steps and has its
 * covariance made anew (a factorisation and an inverse, plain C or LAPACK) as a store's would,
 * not only rank-one updates. */
#define REPLAYS 8
#define HOUR_US 3600000000LL

static double time_blocks(const stream *s, const rf__spd_ops *spd, rf__calib **keep) {
  rf__calib *c = calib_for(s->store, spd);
  double t0 = now_s();
  for (size_t i = 0; i < REPLAYS * s->n; ++i) {
    const equation *e = &s->eq[i % s->n];
    rf__calib_eq eq = {e->t + (int64_t)(i / s->n) * HOUR_US,
                       e->count,
                       s->plate + e->first,
                       s->reading + e->first,
                       1,
                       &e->product,
                       &e->qty,
                       4.0 * (double)e->count + 25.0,
                       1.0};
    rf__calib_stage(c, &eq);
    rf__calib_commit(c);
  }
  double dt = (now_s() - t0) / (double)(REPLAYS * s->n);
  if (keep != NULL) *keep = c;
  else rf__calib_free(c);
  return dt;
}

static double time_dense(const rf__calib *c, const rf__spd_ops *spd, int solves, double *corr,
                         double *weight) {
  double t0 = now_s();
  for (int k = 0; k < solves; ++k) rf__calib_solve_dense(c, spd, corr, weight);
  return (now_s() - t0) / solves;
}

/* ---- the scoring kernel: out[h] = sum over plates outside span h of z2[k] ---- */

typedef struct kernel {
  int spans, plates, changes;
  double *outside; /* spans x plates, row-major: 1 where plate k is outside span h */
  double *z2;      /* plates x changes, row-major */
  double *out;     /* spans x changes */
} kernel;

static void kernel_init(kernel *k, int spans, int plates, int changes) {
  k->spans = spans, k->plates = plates, k->changes = changes;
  k->outside = calloc((size_t)spans * plates, sizeof(double));
  k->z2 = calloc((size_t)plates * changes, sizeof(double));
  k->out = calloc((size_t)spans * changes, sizeof(double));
  uint64_t x = 88172645463325252ULL;
  for (int h = 0; h < spans; ++h) {
    int lo = h % plates, hi = lo + 1 + h % 3;
    for (int p = 0; p < plates; ++p) k->outside[h * plates + p] = p < lo || p >= hi;
  }
  for (int i = 0; i < plates * changes; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    k->z2[i] = (double)(x % 1000) / 100.0;
  }
}

static void kernel_free(kernel *k) {
  free(k->outside);
  free(k->z2);
  free(k->out);
}

/* The engine's way: for each change and span, the plate loop. */
static void kernel_plain(kernel *k) {
  for (int c = 0; c < k->changes; ++c)
    for (int h = 0; h < k->spans; ++h) {
      double s = 0.0;
      for (int p = 0; p < k->plates; ++p)
        s += k->outside[h * k->plates + p] * k->z2[p * k->changes + c];
      k->out[h * k->changes + c] = s;
    }
}

#ifdef RF_WITH_BLAS
static void kernel_blas(kernel *k) {
  if (k->changes == 1)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, k->spans, k->plates, 1.0, k->outside, k->plates, k->z2,
                1, 0.0, k->out, 1);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k->spans, k->changes, k->plates, 1.0,
                k->outside, k->plates, k->z2, k->changes, 0.0, k->out, k->changes);
}
#endif

/* Nanoseconds per (span, change) of kernel f, over enough repetitions to take ~50 ms. */
static double time_kernel(kernel *k, void (*f)(kernel *)) {
  int reps = (int)(5e6 / ((double)k->spans * k->changes * k->plates)) + 1;
  double t0 = now_s();
  for (int r = 0; r < reps; ++r) f(k);
  return (now_s() - t0) / reps / ((double)k->spans * k->changes) * 1e9;
}

static void scoring_kernel(void) {
  static const int sizes[][3] = {{64, 12, 1}, {2048, 12, 1}, {64, 12, 32}, {2048, 12, 32}};
  printf("%-34s %12s %12s %8s\n", "scoring kernel (spans x plates x changes)", "plain ns",
         "BLAS ns", "ratio");
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
    kernel k;
    kernel_init(&k, sizes[i][0], sizes[i][1], sizes[i][2]);
    double plain = time_kernel(&k, kernel_plain), blas = 0.0;
#ifdef RF_WITH_BLAS
    blas = time_kernel(&k, kernel_blas);
#endif
    printf("%6d x %2d x %2d %18s %12.2f %12.2f %8.2f\n", sizes[i][0], sizes[i][1], sizes[i][2], "",
           plain, blas, blas > 0 ? plain / blas : 0.0);
    kernel_free(&k);
  }
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_double);
  return v[n / 2];
}

int main(int argc, char **argv) {
  int runs = 5, dense_solves = 2;
  const char *preset = "large";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--runs") == 0) runs = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--dense-solves") == 0) dense_solves = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--preset") == 0) preset = argv[i + 1];
  }
  if (runs < 1 || runs > 100 || dense_solves < 1) return 2;
  rf_sim_params p;
  if (rf_sim_preset(&p, preset) != 0) return 2;
  stream s;
  memset(&s, 0, sizeof s);
  rf_scenario_check_new(&s.check, NULL);
  if (rf_sim_run(&p, 1001, on_record, &s, ignore, NULL, NULL) != 0 || s.store == NULL) return 1;
  const rf__spd_ops *plain = rf__spd(RF__SPD_PLAIN), *lapack = rf__spd(RF__SPD_LAPACK);
  uint32_t n = rf_store_plate_count(s.store) + rf_store_product_count(s.store);
  printf("store: %u plates, %u products, %u shelves; %zu equations; dense N = %u\n",
         rf_store_plate_count(s.store), rf_store_product_count(s.store),
         rf_store_shelf_count(s.store), s.n, n);
  double bp[100], bl[100], dp[100], dl[100];
  double *corr = calloc(rf_store_plate_count(s.store), sizeof *corr);
  double *weight = calloc(rf_store_product_count(s.store), sizeof *weight);
  for (int r = 0; r < runs; ++r) {
    rf__calib *c = NULL;
    bp[r] = time_blocks(&s, plain, &c);
    bl[r] = lapack != NULL ? time_blocks(&s, lapack, NULL) : 0.0;
    dp[r] = time_dense(c, plain, dense_solves, corr, weight);
    dl[r] = lapack != NULL ? time_dense(c, lapack, dense_solves, corr, weight) : 0.0;
    rf__calib_free(c);
  }
  double mbp = median(bp, runs), mbl = median(bl, runs), mdp = median(dp, runs),
         mdl = median(dl, runs);
  printf("%-28s %14s %14s %10s\n", "update (median of runs)", "plain C", "LAPACK+OpenBLAS",
         "ratio");
  printf("%-28s %11.2f us %11.2f us %10.2f\n", "block (per equation)", mbp * 1e6, mbl * 1e6,
         mbl > 0 ? mbp / mbl : 0.0);
  printf("%-28s %11.1f ms %11.1f ms %10.2f\n", "dense (per full solve)", mdp * 1e3, mdl * 1e3,
         mdl > 0 ? mdp / mdl : 0.0);
  printf("dense / block (plain): %.0fx; (LAPACK): %.0fx\n", mdp / mbp, mbl > 0 ? mdl / mbl : 0.0);
  free(corr);
  free(weight);
  scoring_kernel();
  return 0;
}
