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

typedef struct output_sink {
  rf_scenario_writer *writer;
  run_counts *counts;
} output_sink;

static int write_output(const rf_record *rec, void *payload) {
  output_sink *s = payload;
  if (rec->type == RF_RECORD_DIFF) s->counts->diffs++;
  if (rec->type == RF_RECORD_RECEIPT) s->counts->receipts++;
  return rf_scenario_writer_write(s->writer, rec);
}

/* The two methods behind one face: a method is made over the store and fed events. */
typedef struct method {
  int fused;
  rf_greedy *greedy;
  rf_engine *engine;
} method;

/* A plate fault the load cells found: the operator should hear of it, so it goes to stderr. */
static void report_fault(const char *plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  (void)payload;
  fprintf(stderr, "retailfuse: plate '%s': %s at %.3f s\n", plate, rf_plate_fault_name(fault),
          (double)t / 1e6);
}

static int method_new(method *m, const rf_store *store, output_sink *sink) {
  if (m->fused) {
    int rc = rf_engine_new(&m->engine, store, NULL);
    if (rc == 0) {
      rf_engine_set_output(m->engine, write_output, sink);
      rf_engine_set_fault_output(m->engine, report_fault, NULL);
    }
    return rc;
  }
  return rf_greedy_new(&m->greedy, store, NULL, write_output, sink, NULL);
}

static int method_push(method *m, const rf_record *rec) {
  return m->fused ? rf_engine_push(m->engine, rec) : rf_greedy_push(m->greedy, rec);
}

static int method_finish(method *m) {
  return m->fused ? rf_engine_finish(m->engine) : rf_greedy_finish(m->greedy);
}

static const char *method_errmsg(const method *m) {
  return m->fused ? rf_engine_errmsg(m->engine) : rf_greedy_errmsg(m->greedy);
}

static void method_free(method *m) {
  rf_engine_free(m->engine);
  rf_greedy_free(m->greedy);
}

int run_method(rf_scenario_reader *in, rf_scenario_writer *out, int fused,
               const engine_setting *settings, size_t setting_count, run_counts *counts,
               char *err, size_t cap) {
  rf_scenario_check *check = NULL;
  method m = {fused, NULL, NULL};
  int started = 0;
  output_sink sink = {out, counts};
  memset(counts, 0, sizeof *counts);
  int rc = rf_scenario_check_new(&check, NULL, NULL);
  if (rc != 0) {
    snprintf(err, cap, "%s", rf_strerror(rc));
    return rc;
  }
  rf_record rec;
  while ((rc = rf_scenario_reader_next(in, &rec)) == 0) {
    if ((rc = rf_scenario_check_record(check, &rec)) != 0) {
      snprintf(err, cap, "%s", rf_scenario_check_errmsg(check));
      break;
    }
    if (rec.type < RF_RECORD_ENTER || rec.type > RF_RECORD_HAND) continue;
    if (!started) {
      rc = method_new(&m, rf_scenario_check_store(check), &sink);
      if (rc != 0) {
        snprintf(err, cap, "starting the method: %s", rf_strerror(rc));
        break;
      }
      for (size_t k = 0; k < setting_count && fused && rc == 0; ++k)
        if ((rc = rf_engine_param_set(m.engine, settings[k].param, settings[k].value)) != 0)
          snprintf(err, cap, "%s", rf_engine_errmsg(m.engine));
      if (rc != 0) break;
      started = 1;
    }
    counts->events++;
    counts->deltas += rec.type == RF_RECORD_DELTA;
    counts->hands += rec.type == RF_RECORD_HAND;
    if ((rc = method_push(&m, &rec)) != 0) {
      snprintf(err, cap, "line %llu: %s", (unsigned long long)rec.line,
               method_errmsg(&m)[0] ? method_errmsg(&m) : rf_strerror(rc));
      break;
    }
  }
  if (rc == RF_ITEROVER) {
    rc = 0;
    if (started && (rc = method_finish(&m)) != 0)
      snprintf(err, cap, "finishing: %s", method_errmsg(&m)[0] ? method_errmsg(&m) : rf_strerror(rc));
  } else if (rc != 0 && err[0] == '\0') {
    snprintf(err, cap, "%s", rf_scenario_reader_errmsg(in));
  }
  method_free(&m);
  rf_scenario_check_free(check);
  return rc;
}

int score_output(rf_scenario_reader *truth, rf_scenario_reader *output, rf_eval_scores *scores,
                 char *err, size_t cap) {
  rf_eval *eval = NULL;
  int rc = rf_eval_new(&eval, NULL);
  rf_record rec;
  while (rc == 0 && (rc = rf_scenario_reader_next(truth, &rec)) == 0)
    if ((rc = rf_eval_add_truth(eval, &rec)) != 0) snprintf(err, cap, "truth: %s", rf_eval_errmsg(eval));
  if (rc == RF_ITEROVER) rc = 0;
  else if (rc != 0 && err[0] == '\0') snprintf(err, cap, "truth: %s", rf_scenario_reader_errmsg(truth));
  while (rc == 0 && (rc = rf_scenario_reader_next(output, &rec)) == 0)
    if ((rc = rf_eval_add_output(eval, &rec)) != 0) snprintf(err, cap, "output: %s", rf_eval_errmsg(eval));
  if (rc == RF_ITEROVER) rc = 0;
  else if (rc != 0 && err[0] == '\0') snprintf(err, cap, "output: %s", rf_scenario_reader_errmsg(output));
  if (rc == 0 && (rc = rf_eval_score(eval, scores)) != 0) snprintf(err, cap, "%s", rf_eval_errmsg(eval));
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
  fprintf(f, "errors, in items    wrong shopper %llu, wrong product %llu, wrong quantity %llu, "
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
