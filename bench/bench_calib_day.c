/* How well the engine learns the store's scales (bench/run-calibration): a simulated store whose
 * plates have gain errors and drift, and whose products weigh other than the catalogue says,
 * goes through the engine; every --every seconds of store time the engine's calibration is read
 * beside the simulator's truth at that moment (rf_sim_scales).
 *
 * At the end, over plates whose gain saw at least --min-evidence confident readings: the median
 * gain error, after removing the one scale gains and weights share (only the catalogue anchors
 * it: every correction and weight times a, every gain over a, fits the same readings) — a is
 * the median over those plates of true gain / estimated gain; and over products with as much
 * evidence, the share whose learned weight is within 0.5 % of the truth (times a), and the
 * median error. Both also without removing a.
 *
 *   build-release/bin/bench_calib_day [--preset day] [--seed N] [--every S] [--min-evidence N]
 *                                     [--param NAME=VALUE]... [--set KNOB=VALUE]...
 *                                     [--series FILE]
 * The knobs default to gain_sd=0.01 gain_drift=0.003 weight_error=0.03 batch_sd=0.005; --set
 * replaces them. --series writes one JSON line per sample: t, and per plate its true and
 * learned gain and evidence (for the report's chart). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/retailfuse.h"

#define MOST_SETTINGS 16

typedef struct day {
  rf_host *host;
  const rf_sim_params *p;
  uint64_t seed;
  double every_s;
  rf_time_us next;
  FILE *series;
  size_t plates, products;
  double *true_gain, *est_gain, *gain_evidence;
  double *true_weight, *est_weight, *weight_evidence;
  size_t at; /* the listing's position */
} day;

static int discard(const rf_record *rec, void *payload) {
  (void)rec, (void)payload;
  return 0;
}

static int truth_plate(const char *plate, double gain, void *payload) {
  day *d = payload;
  (void)plate;
  if (d->at < d->plates) d->true_gain[d->at] = gain;
  d->at++;
  return 0;
}

static int truth_product(const char *sku, double true_g, double catalog_g, void *payload) {
  day *d = payload;
  (void)sku, (void)catalog_g;
  size_t j = d->at - d->plates;
  if (j < d->products) d->true_weight[j] = true_g;
  d->at++;
  return 0;
}

static int learned(const rf_scale *s, void *payload) {
  day *d = payload;
  if (s->kind == RF_SCALE_GAIN && d->at < d->plates) {
    d->est_gain[d->at] = s->value;
    d->gain_evidence[d->at] = s->evidence;
  } else if (s->kind == RF_SCALE_WEIGHT && d->at - d->plates < d->products) {
    d->est_weight[d->at - d->plates] = s->value;
    d->weight_evidence[d->at - d->plates] = s->evidence;
  }
  d->at++;
  return 0;
}

/* Both sides at store time t into the arrays. */
static void sample(day *d, rf_time_us t) {
  const rf_engine *e = rf_host_engine(d->host);
  if (e == NULL) return;
  if (d->true_gain == NULL) {
    const rf_store *store = rf_host_store(d->host);
    d->plates = rf_store_plate_count(store);
    d->products = rf_store_product_count(store);
    d->true_gain = calloc(d->plates, sizeof(double));
    d->est_gain = calloc(d->plates, sizeof(double));
    d->gain_evidence = calloc(d->plates, sizeof(double));
    d->true_weight = calloc(d->products, sizeof(double));
    d->est_weight = calloc(d->products, sizeof(double));
    d->weight_evidence = calloc(d->products, sizeof(double));
  }
  d->at = 0;
  rf_sim_scales(d->p, d->seed, t, truth_plate, truth_product, d, NULL);
  d->at = 0;
  rf_engine_calibration(e, learned, d);
  if (d->series == NULL) return;
  fprintf(d->series, "{\"t\":%.1f,\"plates\":[", (double)t / 1e6);
  for (size_t i = 0; i < d->plates; ++i)
    fprintf(d->series, "%s[%.6f,%.6f,%.1f]", i ? "," : "", d->true_gain[i], d->est_gain[i],
            d->gain_evidence[i]);
  fprintf(d->series, "]}\n");
}

static int on_record(const rf_record *rec, void *payload) {
  day *d = payload;
  rf_time_us t0, t1;
  int timed = rec->type >= RF_RECORD_ENTER && rec->type <= RF_RECORD_HAND;
  if (timed) {
    t1 = rec->type == RF_RECORD_DELTA  ? rec->u.delta.t1
         : rec->type == RF_RECORD_HAND ? rec->u.hand.t1
                                       : rec->u.enter.t;
    while (t1 >= d->next) {
      sample(d, d->next);
      d->next += (rf_time_us)(d->every_s * 1e6);
    }
  }
  (void)t0;
  int rc = rf_host_push(d->host, rec);
  return rc == RF_SETASIDE ? 0 : rc;
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  if (n == 0) return NAN;
  qsort(v, n, sizeof *v, by_double);
  return v[n / 2];
}

/* The end's figures (see the header comment). */
static void report(const day *d, double min_evidence) {
  double *r = calloc(d->plates + d->products + 1, sizeof *r);
  size_t n = 0;
  for (size_t i = 0; i < d->plates; ++i)
    if (d->gain_evidence[i] >= min_evidence) r[n++] = d->true_gain[i] / d->est_gain[i];
  const size_t plates = n;
  const double a = median(r, n);
  n = 0;
  double raw_g[4096];
  size_t nr = 0;
  for (size_t i = 0; i < d->plates; ++i)
    if (d->gain_evidence[i] >= min_evidence) {
      r[n++] = fabs(d->est_gain[i] * a / d->true_gain[i] - 1.0);
      if (nr < 4096) raw_g[nr++] = fabs(d->est_gain[i] / d->true_gain[i] - 1.0);
    }
  double gain_err = median(r, n), gain_raw = median(raw_g, nr);
  size_t products = 0, within = 0, within_raw = 0;
  n = 0;
  nr = 0;
  for (size_t j = 0; j < d->products; ++j) {
    if (d->weight_evidence[j] < min_evidence) continue;
    ++products;
    double e = fabs(d->est_weight[j] / (a * d->true_weight[j]) - 1.0);
    double raw = fabs(d->est_weight[j] / d->true_weight[j] - 1.0);
    within += e <= 0.005;
    within_raw += raw <= 0.005;
    r[n++] = e;
    if (nr < 4096) raw_g[nr++] = raw;
  }
  double weight_err = median(r, n), weight_raw = median(raw_g, nr);
  printf("common scale a = %.5f (true gain / learned gain, median over %zu plates)\n", a, plates);
  printf("gain error, plates with >= %.0f readings: median %.3f %% (%.3f %% without removing a)\n",
         min_evidence, 100 * gain_err, 100 * gain_raw);
  printf("weights, products with >= %.0f readings: %zu of %zu within 0.5 %% (%zu without "
         "removing a); median error %.3f %% (%.3f %%)\n",
         min_evidence, within, products, within_raw, 100 * weight_err, 100 * weight_raw);
  size_t seen = 0;
  for (size_t i = 0; i < d->plates; ++i) seen += d->gain_evidence[i] >= min_evidence;
  printf("plates: %zu of %zu with >= %.0f readings\n", seen, d->plates, min_evidence);
  free(r);
}

int main(int argc, char **argv) {
  const char *preset = "day", *series = NULL;
  uint64_t seed = 1001;
  double every = 900, min_evidence = 20;
  const char *params[MOST_SETTINGS],
      *knobs[MOST_SETTINGS] = {"gain_sd=0.01", "gain_drift=0.003", "weight_error=0.03",
                               "batch_sd=0.005"};
  int np = 0, nk = 4, knobs_given = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--preset") == 0) preset = argv[i + 1];
    else if (strcmp(argv[i], "--seed") == 0) seed = strtoull(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--every") == 0) every = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--min-evidence") == 0) min_evidence = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--series") == 0) series = argv[i + 1];
    else if (strcmp(argv[i], "--param") == 0 && np < MOST_SETTINGS) params[np++] = argv[i + 1];
    else if (strcmp(argv[i], "--set") == 0 && nk < MOST_SETTINGS) {
      if (!knobs_given) nk = 0, knobs_given = 1;
      knobs[nk++] = argv[i + 1];
    } else {
      fprintf(stderr, "bench_calib_day: unknown option '%s'\n", argv[i]);
      return 2;
    }
  }
  rf_sim_params p;
  if (rf_sim_preset(&p, preset) != 0 || !(every > 0)) return 2;
  for (int k = 0; k < nk; ++k) {
    char name[64];
    const char *eq = strchr(knobs[k], '=');
    if (eq == NULL || (size_t)(eq - knobs[k]) >= sizeof name) return 2;
    memcpy(name, knobs[k], (size_t)(eq - knobs[k]));
    name[eq - knobs[k]] = '\0';
    if (rf_sim_set(&p, name, eq + 1) != 0) {
      fprintf(stderr, "bench_calib_day: cannot set %s\n", knobs[k]);
      return 2;
    }
  }
  day d;
  memset(&d, 0, sizeof d);
  d.p = &p;
  d.seed = seed;
  d.every_s = every;
  if (rf_host_new(&d.host, RF_METHOD_FUSED, NULL) != 0) return 1;
  rf_host_set_output(d.host, discard, NULL);
  for (int k = 0; k < np; ++k) {
    char name[64];
    const char *eq = strchr(params[k], '=');
    if (eq == NULL || (size_t)(eq - params[k]) >= sizeof name) return 2;
    memcpy(name, params[k], (size_t)(eq - params[k]));
    name[eq - params[k]] = '\0';
    if (rf_host_param_set(d.host, name, atof(eq + 1)) != 0) return 2;
  }
  if (series != NULL && (d.series = fopen(series, "w")) == NULL) return 1;
  int rc = rf_sim_run(&p, seed, on_record, &d, discard, NULL, NULL);
  if (rc == 0) rc = rf_host_finish(d.host);
  if (rc != 0) {
    fprintf(stderr, "bench_calib_day: %s\n", rf_host_errmsg(d.host));
    return 1;
  }
  sample(&d, d.next);
  if (d.series != NULL) fclose(d.series);
  printf("%s, seed %llu:\n", preset, (unsigned long long)seed);
  report(&d, min_evidence);
  rf_host_free(d.host);
  return 0;
}
