#include "pipeline.h"

#include "cli.h"

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

/* A plate fault the load cells found: the operator should hear of it as it begins, so it goes to
 * stderr (over the progress line), and it is counted for the run's summary (payload). */
static void report_fault(const char *plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  run_report *r = payload;
  int kind = fault > 0 && fault < PLATE_FAULT_KINDS ? (int)fault : 0;
  r->faults++;
  r->faults_by_kind[kind]++;
  progress_clear();
  fprintf(stderr, "retailfuse: plate '%s': %s at %.3f s\n", plate,
          kind != 0 ? rf_plate_fault_name(fault) : "fault", (double)t / 1e6);
}

static int write_output(const rf_record *rec, void *payload) {
  return rf_scenario_writer_write(payload, rec);
}

/* The host with the run's method, parameters and source delays; NULL with err on failure. */
static rf_host *open_host(const run_options *o, rf_scenario_writer *out, run_report *report,
                          char *err, size_t cap) {
  rf_host *host = NULL;
  int rc = rf_host_new(&host, o->method, NULL);
  if (rc != 0) {
    snprintf(err, cap, "%s", rf_strerror(rc));
    return NULL;
  }
  rf_host_set_output(host, write_output, out);
  rf_host_set_fault_output(host, report_fault, report);
  rf_host_set_explain(host, o->explain);
  for (size_t k = 0; k < o->setting_count && rc == 0; ++k)
    rc = rf_host_param_set(host, o->settings[k].name, o->settings[k].value);
  for (size_t k = 0; k < o->delay_count && rc == 0; ++k)
    rc = rf_host_source_delay(host, o->delays[k].name, o->delays[k].value);
  if (rc == 0 && o->calibration_seed != NULL)
    rc = read_calibration_seeds(o->calibration_seed, host, err, cap);
  if (rc == 0) return host;
  if (err[0] != '\0') {
    rf_host_free(host);
    return NULL;
  }
  snprintf(err, cap, "%s", rf_host_errmsg(host));
  rf_host_free(host);
  return NULL;
}

/* The length of the UTF-8 sequence at s (1-4), or 0 when it is not a whole, valid one. */
static size_t utf8_length(const unsigned char *s) {
  size_t n = s[0] < 0x80             ? 1
             : (s[0] & 0xe0) == 0xc0 ? 2
             : (s[0] & 0xf0) == 0xe0 ? 3
             : (s[0] & 0xf8) == 0xf0 ? 4
                                     : 0;
  for (size_t k = 1; k < n; ++k)
    if ((s[k] & 0xc0) != 0x80) return 0;
  return n;
}

/* s as a JSON string: quotes, backslashes and control characters escaped (with in_script, <, >
 * and & too, so the string is safe inside an HTML <script> element); a byte that is not part of
 * a whole UTF-8 sequence (a message cut short mid-character) as U+FFFD. */
void put_json_text(FILE *f, const char *s, int in_script) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    size_t n = utf8_length(p);
    if (n == 0) fputs("\\ufffd", f), n = 1;
    else if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20 || (in_script && (*p == '<' || *p == '>' || *p == '&')))
      fprintf(f, "\\u%04x", *p);
    else fwrite(p, 1, n, f);
    p += n;
  }
  fputc('"', f);
}

void put_json_string(FILE *f, const char *s) { put_json_text(f, s, 0); }

/* One line per source the engine heard from: records, how late they came, how often it fell
 * silent long enough to stop holding the clock back. */
static void print_sources(FILE *f, const rf_engine *engine) {
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  if (engine == NULL || rf_engine_get_stats(engine, &st) != 0) return;
  for (size_t i = 0; i < st.sources; ++i) {
    rf_engine_source_stats s = {.version = RF_ENGINE_SOURCE_STATS_VERSION};
    rf_engine_get_source_stats(engine, i, &s);
    fprintf(f,
            "source %-10s %8llu records, behind the latest by p50 %.3f s, p99 %.3f s (allowed "
            "%.3f s), silent %llu times\n",
            s.name, (unsigned long long)s.records, s.delay_p50_s, s.delay_p99_s, s.delay_s,
            (unsigned long long)s.went_stale);
  }
}

/* One JSON line of the rejects file: the line, the reason, the message and the record as read
 * (written again by the library), or no record for a line that did not read. */
static void write_reject(FILE *f, const char *file, uint64_t line, const char *reason,
                         const char *message, const rf_record *rec) {
  if (f == NULL) return;
  membuf text = {0};
  rf_scenario_writer *w = NULL;
  if (rec != NULL && rf_scenario_writer_new(&w, membuf_write, &text, NULL) == 0 &&
      rf_scenario_writer_write(w, rec) == 0)
    rf_scenario_writer_flush(w);
  rf_scenario_writer_close(w);
  fputc('{', f);
  if (file != NULL) { /* a line of another file than the input's (run --reviews) */
    fputs("\"file\":", f);
    put_json_string(f, file);
    fputc(',', f);
  }
  fprintf(f, "\"line\":%llu,\"reason\":\"%s\",\"message\":", (unsigned long long)line, reason);
  put_json_string(f, message);
  if (text.len > 1) fprintf(f, ",\"record\":%.*s", (int)(text.len - 1), text.data);
  fputs("}\n", f);
  membuf_free(&text);
}

/* Whether the run goes on after a record `rc` says could not be used; lists it. */
static int goes_on(const run_options *o, const char *file, int rc, uint64_t line,
                   const char *reason, const char *message, const rf_record *rec) {
  if (o->strict) return 0;
  write_reject(o->rejects, file, line, reason, message, rec);
  return rc == RF_SETASIDE || rc == RF_EPARSE || rc == RF_ERANGE || rc == RF_ELIMIT;
}

/* One record read into the host: 0 to go on, else the run stops (err says why). */
static int take(rf_host *host, const run_options *o, const char *file, const rf_record *rec,
                char *err, size_t cap) {
  int rc = rf_host_push(host, rec);
  if (rc == 0 || rc == RF_EBEHIND) return 0; /* EBEHIND: taken, its decisions follow: go on */
  snprintf(err, cap, "%s", rf_host_errmsg(host));
  if (rc != RF_SETASIDE) return rc;
  return goes_on(o, file, rc, rec->line, rf_host_reason_name(rf_host_setaside_reason(host)), err,
                 rec)
             ? 0
             : rc;
}

typedef struct replaying {
  rf_host *host;
  const run_options *o;
  char *err;
  size_t cap;
  uint64_t records;
} replaying;

static int replay_one(const rf_record *rec, void *payload) {
  replaying *r = payload;
  r->records++;
  return take(r->host, r->o, NULL, rec, r->err, r->cap);
}

/* The verdicts of o->reviews_path, after the input's end: only review records belong there. */
static int take_reviews(rf_host *host, const run_options *o, run_report *report, char *err,
                        size_t cap) {
  rf_scenario_reader *in = NULL;
  int rc = rf_scenario_reader_open(&in, o->reviews_path, NULL, NULL);
  if (rc != 0) {
    snprintf(err, cap, "cannot read '%s': %s", o->reviews_path, rf_strerror(rc));
    rf_scenario_reader_free(in);
    return rc;
  }
  rf_record rec;
  char why[500];
  while ((rc = rf_scenario_reader_next(in, &rec)) != RF_ITEROVER) {
    if (rc == 0 && rec.type != RF_RECORD_REVIEW) {
      snprintf(why, sizeof why, "line %llu: %s: not a review record", (unsigned long long)rec.line,
               rf_record_type_name(rec.type));
      rc = RF_EPARSE;
    } else if (rc != 0) {
      snprintf(why, sizeof why, "%s", rf_scenario_reader_errmsg(in));
    } else {
      rc = take(host, o, o->reviews_path, &rec, why, sizeof why);
      if (rc == 0) continue;
    }
    snprintf(err, cap, "%s: %s", o->reviews_path, why);
    if (!goes_on(o, o->reviews_path, rc, rf_scenario_reader_line(in), "malformed", err, NULL))
      break;
    report->malformed++;
    rc = 0;
  }
  rf_scenario_reader_free(in);
  return rc == RF_ITEROVER ? 0 : rc;
}

int run_method(rf_scenario_reader *in, rf_scenario_writer *out, const run_options *o,
               run_report *report, char *err, size_t cap) {
  memset(report, 0, sizeof *report);
  rf_host *host = open_host(o, out, report, err, cap);
  if (host == NULL) return RF_EINVAL;
  uint64_t records = 0; /* read, for the progress */
  rf_record rec;
  int rc = 0;
  replaying done = {host, o, err, cap, 0};
  if (o->journal != NULL && o->resume &&
      (rc = rf_journal_replay(o->journal, replay_one, NULL, &done)) != 0 && err[0] == '\0')
    snprintf(err, cap, "resuming: %s", rf_journal_errmsg(o->journal));
  uint64_t passed = 0; /* records of the input the journal held */
  while (rc == 0 && (rc = rf_scenario_reader_next(in, &rec)) != RF_ITEROVER) {
    if (o->progress != NULL)
      progress_update(o->progress, o->bytes_read != NULL ? *o->bytes_read : 0, ++records);
    if (rc != 0) { /* a line that does not read: set aside unless strict (or the stream failed) */
      snprintf(err, cap, "%s", rf_scenario_reader_errmsg(in));
      if (!goes_on(o, NULL, rc, rf_scenario_reader_line(in), "malformed", err, NULL)) break;
      report->malformed++;
      rc = 0;
      continue;
    }
    if (passed < done.records) {
      ++passed;
      continue;
    }
    if (o->journal != NULL && (rc = rf_journal_append(o->journal, &rec)) != 0) {
      snprintf(err, cap, "journaling: %s", rf_journal_errmsg(o->journal));
      break;
    }
    rc = take(host, o, NULL, &rec, err, cap);
  }
  if (rc == RF_ITEROVER) {
    rc = rf_host_finish(host);
    snprintf(err, cap, "%s", rc != 0 ? rf_host_errmsg(host) : "");
  }
  if (rc == 0 && o->reviews_path != NULL) rc = take_reviews(host, o, report, err, cap);
  if (o->progress != NULL) progress_end(o->progress);
  rf_host_get_counts(host, &report->counts);
  if (o->sources_to != NULL) print_sources(o->sources_to, rf_host_engine(host));
  if (rc == 0 && o->calibration_out != NULL && rf_host_engine(host) != NULL &&
      write_calibration(o->calibration_out, rf_host_engine(host), rf_host_store(host), err, cap) !=
          0)
    rc = RF_EIO;
  rf_host_free(host);
  return rc;
}

void print_run_summary(FILE *f, const char *path, const run_report *r) {
  uint64_t total = r->counts.set_aside + r->malformed;
  if (total == 0 && r->faults == 0) return;
  fprintf(f, "%s: ", path);
  if (total > 0) {
    fprintf(f, "set aside %llu", (unsigned long long)total);
    const char *sep = " (";
    if (r->malformed > 0) {
      fprintf(f, "%s%llu malformed", sep, (unsigned long long)r->malformed);
      sep = ", ";
    }
    for (int k = 0; k < RF_HOST_REASON_COUNT; ++k) {
      if (r->counts.by_reason[k] == 0) continue;
      fprintf(f, "%s%llu %s", sep, (unsigned long long)r->counts.by_reason[k],
              rf_host_reason_name(k));
      sep = ", ";
    }
    if (sep[0] == ',') fputc(')', f);
  }
  if (r->faults > 0) {
    fprintf(f, "%splate faults %llu", total > 0 ? "; " : "", (unsigned long long)r->faults);
    const char *sep = " (";
    for (int k = 1; k <= PLATE_FAULT_KINDS; ++k) {
      int kind = k % PLATE_FAULT_KINDS; /* the named kinds, then any other */
      if (r->faults_by_kind[kind] == 0) continue;
      fprintf(f, "%s%llu %s", sep, (unsigned long long)r->faults_by_kind[kind],
              kind != 0 ? rf_plate_fault_name((rf_plate_fault)kind) : "other");
      sep = ", ";
    }
    fputc(')', f);
  }
  fputc('\n', f);
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

int name_value(const char *command, const char *option, char *arg, const char **name,
               double *value) {
  char *eq = strchr(arg, '=');
  if (eq == NULL || eq == arg)
    return usage_error("%s: %s takes NAME=VALUE, got '%s'", command, option, arg);
  char *end;
  *value = strtod(eq + 1, &end);
  if (end == eq + 1 || *end != '\0')
    return usage_error("%s: '%s' is not a number", command, eq + 1);
  *eq = '\0';
  *name = arg;
  return 0;
}
