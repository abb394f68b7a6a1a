#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

int membuf_write(const char *data, size_t len, void *payload) {
  membuf *b = payload;
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + len) cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) return RF_ENOMEM;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return 0;
}

void membuf_free(membuf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

/* A plate fault the load cells found: the operator should hear of it, so it goes to stderr. */
static void report_fault(const char *plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  (void)payload;
  fprintf(stderr, "retailfuse: plate '%s': %s at %.3f s\n", plate, rf_plate_fault_name(fault),
          (double)t / 1e6);
}

static int write_output(const rf_record *rec, void *payload) {
  return rf_scenario_writer_write(payload, rec);
}

int run_method(rf_scenario_reader *in, rf_scenario_writer *out, rf_method method,
               const run_setting *settings, size_t setting_count, rf_host_counts *counts, char *err,
               size_t cap) {
  rf_host *host = NULL;
  memset(counts, 0, sizeof *counts);
  int rc = rf_host_new(&host, method, NULL);
  if (rc != 0) {
    snprintf(err, cap, "%s", rf_strerror(rc));
    return rc;
  }
  rf_host_set_output(host, write_output, out);
  rf_host_set_fault_output(host, report_fault, NULL);
  for (size_t k = 0; k < setting_count && rc == 0; ++k)
    if ((rc = rf_host_param_set(host, settings[k].name, settings[k].value)) != 0)
      snprintf(err, cap, "%s", rf_host_errmsg(host));
  rf_record rec;
  while (rc == 0 && (rc = rf_scenario_reader_next(in, &rec)) == 0)
    if ((rc = rf_host_push(host, &rec)) != 0) snprintf(err, cap, "%s", rf_host_errmsg(host));
  if (rc == RF_ITEROVER) {
    if ((rc = rf_host_finish(host)) != 0) snprintf(err, cap, "%s", rf_host_errmsg(host));
  } else if (rc != 0 && err[0] == '\0') {
    snprintf(err, cap, "%s", rf_scenario_reader_errmsg(in));
  }
  rf_host_get_counts(host, counts);
  rf_host_free(host);
  return rc;
}

int score_output(rf_scenario_reader *truth, rf_scenario_reader *output, rf_eval_scores *scores,
                 char *err, size_t cap) {
  rf_eval *eval = NULL;
  int rc = rf_eval_new(&eval, NULL);
  rf_record rec;
  while (rc == 0 && (rc = rf_scenario_reader_next(truth, &rec)) == 0)
    if ((rc = rf_eval_add_truth(eval, &rec)) != 0)
      snprintf(err, cap, "truth: %s", rf_eval_errmsg(eval));
  if (rc == RF_ITEROVER) rc = 0;
  else if (rc != 0 && err[0] == '\0')
    snprintf(err, cap, "truth: %s", rf_scenario_reader_errmsg(truth));
  while (rc == 0 && (rc = rf_scenario_reader_next(output, &rec)) == 0)
    if ((rc = rf_eval_add_output(eval, &rec)) != 0)
      snprintf(err, cap, "output: %s", rf_eval_errmsg(eval));
  if (rc == RF_ITEROVER) rc = 0;
  else if (rc != 0 && err[0] == '\0')
    snprintf(err, cap, "output: %s", rf_scenario_reader_errmsg(output));
  if (rc == 0 && (rc = rf_eval_score(eval, scores)) != 0)
    snprintf(err, cap, "%s", rf_eval_errmsg(eval));
  rf_eval_free(eval);
  return rc;
}

void print_scores(FILE *f, const rf_eval_scores *s) {
  fprintf(f, "carts               %llu\n", (unsigned long long)s->carts);
  fprintf(f, "receipt precision   %.4f\n", s->precision);
  fprintf(f, "receipt recall      %.4f\n", s->recall);
  fprintf(f, "receipt F1          %.4f\n", s->f1);
  fprintf(f, "exact receipts      %.4f (%llu of %llu)\n", s->exact,
          (unsigned long long)s->exact_carts, (unsigned long long)s->carts);
  fprintf(f, "review rate         %.4f (%llu of %llu diffs)\n", s->review_rate,
          (unsigned long long)s->reviewed, (unsigned long long)s->diffs);
  fprintf(f, "F1 of unflagged     %.4f\n", s->f1_unflagged);
  fprintf(f, "calibration error   %.4f (over %llu decisions)\n", s->calibration_error,
          (unsigned long long)s->calibrated);
  fprintf(f,
          "errors, in items    wrong shopper %llu, wrong product %llu, wrong quantity %llu, "
          "missed %llu, spurious %llu\n",
          (unsigned long long)s->wrong_shopper, (unsigned long long)s->wrong_product,
          (unsigned long long)s->wrong_quantity, (unsigned long long)s->missed,
          (unsigned long long)s->spurious);
}

void print_scores_json(FILE *f, const rf_eval_scores *s) {
  fprintf(f,
          "{\"f1\":%.6f,\"precision\":%.6f,\"recall\":%.6f,\"exact\":%.6f,\"review_rate\":%.6f,"
          "\"f1_unflagged\":%.6f,\"calibration_error\":%.6f,\"carts\":%llu,\"exact_carts\":%llu,"
          "\"true_items\":%llu,\"predicted_items\":%llu,\"matched_items\":%llu,\"diffs\":%llu,"
          "\"reviewed\":%llu,\"calibrated\":%llu,\"errors\":{\"wrong_shopper\":%llu,"
          "\"wrong_product\":%llu,\"wrong_quantity\":%llu,\"missed\":%llu,\"spurious\":%llu},"
          "\"reliability\":[",
          s->f1, s->precision, s->recall, s->exact, s->review_rate, s->f1_unflagged,
          s->calibration_error, (unsigned long long)s->carts, (unsigned long long)s->exact_carts,
          (unsigned long long)s->true_items, (unsigned long long)s->predicted_items,
          (unsigned long long)s->matched_items, (unsigned long long)s->diffs,
          (unsigned long long)s->reviewed, (unsigned long long)s->calibrated,
          (unsigned long long)s->wrong_shopper, (unsigned long long)s->wrong_product,
          (unsigned long long)s->wrong_quantity, (unsigned long long)s->missed,
          (unsigned long long)s->spurious);
  for (int b = 0; b < 10; ++b)
    fprintf(f, "%s{\"count\":%llu,\"conf_sum\":%.6f,\"right\":%llu}", b ? "," : "",
            (unsigned long long)s->bin_count[b], s->bin_conf_sum[b],
            (unsigned long long)s->bin_right[b]);
  fprintf(f, "]}\n");
}
