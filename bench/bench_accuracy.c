/* Accuracy of the methods on simulated stores, all in memory: the simulator's records go
 * straight into the method and its output straight into the scorer, so raw 60 Hz readings and
 * day-long presets cost no files. One JSON object per preset, weight mode and method on stdout:
 * the scores summed or averaged over the seeds as bench/run-accuracy reports them.
 *
 *   build-release/bin/bench_accuracy SEEDS PRESET... [--weights deltas|samples|both]
 *
 * The greedy baseline takes settled deltas only; in samples mode only the engine runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/retailfuse.h"

typedef struct run {
  rf_host *host; /* the library's host loop, as `retailfuse run` uses it */
  rf_eval *eval;
  long failed;
} run;

static int to_eval(const rf_record *rec, void *payload) {
  return rf_eval_add_output(((run *)payload)->eval, rec);
}

/* A refused record is counted and the run goes on. */
static int on_record(const rf_record *rec, void *payload) {
  run *r = payload;
  if (rf_host_push(r->host, rec) != 0) r->failed++;
  return 0;
}

static int on_truth(const rf_record *rec, void *payload) {
  return rf_eval_add_truth(((run *)payload)->eval, rec);
}

typedef struct total {
  int seeds;
  double f1, precision, recall, exact, review, ece, f1_min, f1_max;
  double f1_seed[64];
  uint64_t errors[5], bin_count[10], bin_right[10];
  double bin_conf[10];
  long failed;
} total;

static int one(const char *preset, int seed, int samples, int fused, total *t) {
  rf_sim_params p;
  if (rf_sim_preset(&p, preset) != 0) return RF_ENOTFOUND;
  p.samples_mode = samples;
  run r;
  memset(&r, 0, sizeof r);
  if (rf_host_new(&r.host, fused ? RF_METHOD_FUSED : RF_METHOD_GREEDY, NULL) != 0 ||
      rf_eval_new(&r.eval, NULL) != 0) {
    rf_host_free(r.host);
    return RF_ENOMEM;
  }
  rf_host_set_output(r.host, to_eval, &r);
  int rc = rf_sim_run(&p, (uint64_t)seed, on_record, &r, on_truth, &r, NULL);
  if (rc == 0) rc = rf_host_finish(r.host);
  rf_eval_scores s;
  if (rc == 0) rc = rf_eval_score(r.eval, &s);
  if (rc == 0) {
    if (t->seeds < 64) t->f1_seed[t->seeds] = s.f1;
    if (t->seeds == 0 || s.f1 < t->f1_min) t->f1_min = s.f1;
    if (t->seeds == 0 || s.f1 > t->f1_max) t->f1_max = s.f1;
    t->seeds++;
    t->f1 += s.f1;
    t->precision += s.precision;
    t->recall += s.recall;
    t->exact += s.exact;
    t->review += s.review_rate;
    t->ece += s.calibration_error;
    uint64_t e[5] = {s.wrong_shopper, s.wrong_product, s.wrong_quantity, s.missed, s.spurious};
    for (int k = 0; k < 5; ++k) t->errors[k] += e[k];
    for (int b = 0; b < 10; ++b) {
      t->bin_count[b] += s.bin_count[b];
      t->bin_right[b] += s.bin_right[b];
      t->bin_conf[b] += s.bin_conf_sum[b];
    }
    t->failed += r.failed;
  }
  rf_host_free(r.host);
  rf_eval_free(r.eval);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_accuracy SEEDS PRESET... [--weights deltas|samples|both]\n");
    return 2;
  }
  int seeds = atoi(argv[1]);
  const char *weights = "both";
  int last = argc;
  if (argc >= 5 && strcmp(argv[argc - 2], "--weights") == 0) {
    weights = argv[argc - 1];
    last = argc - 2;
  }
  for (int i = 2; i < last; ++i) {
    for (int samples = 0; samples <= 1; ++samples) {
      if ((samples && strcmp(weights, "deltas") == 0) ||
          (!samples && strcmp(weights, "samples") == 0))
        continue;
      for (int fused = samples ? 1 : 0; fused <= 1; ++fused) {
        total t;
        memset(&t, 0, sizeof t);
        for (int seed = 1; seed <= seeds; ++seed) {
          int rc = one(argv[i], seed, samples, fused, &t);
          if (rc != 0) {
            fprintf(stderr, "bench_accuracy: %s seed %d: %s\n", argv[i], seed, rf_strerror(rc));
            return 1;
          }
        }
        double n = t.seeds;
        printf("{\"preset\":\"%s\",\"weights\":\"%s\",\"method\":\"%s\",\"seeds\":%d,"
               "\"f1_mean\":%.6f,\"f1_min\":%.6f,\"f1_max\":%.6f,\"precision\":%.6f,"
               "\"recall\":%.6f,\"exact\":%.6f,\"review_rate\":%.6f,\"calibration_error\":%.6f,"
               "\"errors\":{\"wrong_shopper\":%llu,\"wrong_product\":%llu,\"wrong_quantity\":%llu,"
               "\"missed\":%llu,\"spurious\":%llu},\"refused_records\":%ld,\"f1_by_seed\":[",
               argv[i], samples ? "samples" : "deltas", fused ? "fused" : "greedy", t.seeds,
               t.f1 / n, t.f1_min, t.f1_max, t.precision / n, t.recall / n, t.exact / n,
               t.review / n, t.ece / n, (unsigned long long)t.errors[0],
               (unsigned long long)t.errors[1], (unsigned long long)t.errors[2],
               (unsigned long long)t.errors[3], (unsigned long long)t.errors[4], t.failed);
        for (int s = 0; s < t.seeds && s < 64; ++s) printf("%s%.6f", s ? "," : "", t.f1_seed[s]);
        printf("],\"reliability\":[");
        for (int b = 0; b < 10; ++b)
          printf("%s{\"count\":%llu,\"conf_sum\":%.6f,\"right\":%llu}", b ? "," : "",
                 (unsigned long long)t.bin_count[b], t.bin_conf[b],
                 (unsigned long long)t.bin_right[b]);
        printf("]}\n");
        fflush(stdout);
      }
    }
  }
  return 0;
}
