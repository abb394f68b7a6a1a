/* The host loop: records checked, the store built, the method started at the first event with
 * the parameters set on the host, events pushed, output counted and handed on. */
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "record/record.h"
#include "retailfuse/check.h"
#include "retailfuse/greedy.h"
#include "retailfuse/host.h"
#include "retailfuse/status.h"

#define MOST_SETTINGS 64
#define MOST_SOURCES 256

/* A seed kept until the engine starts: the scale, its id owned. */
struct host_seed {
  rf_scale scale;
  char *id;
};

struct rf_host {
  rf_allocator alloc;
  rf_method method;
  rf_scenario_check *check;
  rf_engine *engine; /* one of the two, from the first event */
  rf_greedy *greedy;
  int settings; /* parameters to set when the method starts */
  int setting[MOST_SETTINGS];
  double value[MOST_SETTINGS];
  rf_output_fn output;
  void *payload;
  rf_engine_fault_fn on_fault;
  void *fault_payload;
  rf_engine_source_fn on_source;
  void *source_payload;
  int sources; /* delays to set by name when the engine starts */
  char *source[MOST_SOURCES];
  double source_delay[MOST_SOURCES];
  struct host_seed *seeds; /* calibration seeds to give the engine when it starts */
  size_t seed_count, seed_cap;
  int setaside; /* the last push's reason, -1 */
  int explain;  /* rf_host_set_explain */
  rf_host_counts counts;
  rf__errbuf err;
};

void rf_host_set_explain(rf_host *h, int on) {
  if (h == NULL) return;
  h->explain = on != 0;
  if (h->engine != NULL) rf_engine_set_explain(h->engine, h->explain);
}

int rf_host_new(rf_host **out, rf_method method, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (method != RF_METHOD_FUSED && method != RF_METHOD_GREEDY) return RF_EINVAL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_host *h = rf__calloc(&a, 1, sizeof *h);
  if (h == NULL) return RF_ENOMEM;
  h->alloc = a;
  h->method = method;
  h->setaside = -1;
  int rc = rf_scenario_check_new(&h->check, &h->alloc);
  if (rc != 0) {
    rf__free(&a, h);
    return rc;
  }
  *out = h;
  return 0;
}

void rf_host_free(rf_host *h) {
  if (h == NULL) return;
  rf_engine_free(h->engine);
  rf_greedy_free(h->greedy);
  rf_scenario_check_free(h->check);
  for (int k = 0; k < h->sources; ++k) rf__free(&h->alloc, h->source[k]);
  for (size_t k = 0; k < h->seed_count; ++k) rf__free(&h->alloc, h->seeds[k].id);
  rf__free(&h->alloc, h->seeds);
  rf_allocator a = h->alloc;
  rf__free(&a, h);
}

/* The number of the method's parameter called `name`, or -1. */
static int find_param(const rf_host *h, const char *name) {
  if (h->method == RF_METHOD_FUSED) {
    for (int p = 0; p < RF_PARAM_COUNT; ++p)
      if (strcmp(rf_engine_param_name((rf_engine_param)p), name) == 0) return p;
  } else {
    for (int p = 0; p < RF_GREEDY_PARAM_COUNT; ++p)
      if (strcmp(rf_greedy_param_name((rf_greedy_param)p), name) == 0) return p;
  }
  return -1;
}

int rf_host_param_set(rf_host *h, const char *name, double value) {
  if (h == NULL || name == NULL) return RF_EINVAL;
  rf__error_clear(&h->err);
  if (h->engine != NULL || h->greedy != NULL)
    return rf__error(&h->err, RF_EMISUSE, "%s: parameters are set before the first event", name);
  int p = find_param(h, name);
  if (p < 0)
    return rf__error(&h->err, RF_ENOTFOUND, "no %s parameter '%s'",
                     h->method == RF_METHOD_FUSED ? "engine" : "baseline", name);
  double lo, hi;
  if (h->method == RF_METHOD_FUSED) rf_engine_param_bounds((rf_engine_param)p, &lo, &hi, NULL);
  else rf_greedy_param_bounds((rf_greedy_param)p, &lo, &hi, NULL);
  if (!(value >= lo && value <= hi))
    return rf__error(&h->err, RF_ERANGE, "%s = %g is outside [%g, %g]", name, value, lo, hi);
  if (h->settings == MOST_SETTINGS)
    return rf__error(&h->err, RF_ELIMIT, "more than %d parameters", MOST_SETTINGS);
  if (strcmp(name, "LATENESS_S") == 0)
    rf_scenario_check_param_set(h->check, RF_CHECK_LATENESS_S, value);
  h->setting[h->settings] = p;
  h->value[h->settings++] = value;
  return 0;
}

void rf_host_set_output(rf_host *h, rf_output_fn output, void *payload) {
  if (h == NULL) return;
  h->output = output;
  h->payload = payload;
}

int rf_host_source_delay(rf_host *h, const char *source, double seconds) {
  if (h == NULL || source == NULL || source[0] == '\0') return RF_EINVAL;
  rf__error_clear(&h->err);
  if (h->method != RF_METHOD_FUSED)
    return rf__error(&h->err, RF_ENOTFOUND, "%s: the baseline has no sources", source);
  if (h->engine != NULL)
    return rf__error(&h->err, RF_EMISUSE, "%s: delays are set before the first event", source);
  if (!(seconds >= 0.0 && seconds <= 60.0))
    return rf__error(&h->err, RF_ERANGE, "source '%s': a delay of %g s is outside [0, 60]", source,
                     seconds);
  if (h->sources == MOST_SOURCES)
    return rf__error(&h->err, RF_ELIMIT, "more than %d source delays", MOST_SOURCES);
  size_t len = strlen(source);
  char *copy = rf__malloc(&h->alloc, len + 1);
  if (copy == NULL) return rf__error(&h->err, RF_ENOMEM, "out of memory");
  memcpy(copy, source, len + 1);
  h->source[h->sources] = copy;
  h->source_delay[h->sources++] = seconds;
  return 0;
}

int rf_host_calibration_seed(rf_host *h, const rf_scale *scale) {
  if (h == NULL || scale == NULL || scale->id == NULL) return RF_EINVAL;
  rf__error_clear(&h->err);
  if (h->method != RF_METHOD_FUSED)
    return rf__error(&h->err, RF_ENOTFOUND, "%s: the baseline has no calibration", scale->id);
  if (h->engine != NULL)
    return rf__error(&h->err, RF_EMISUSE, "%s: seeds are set before the first event", scale->id);
  char *id = rf__strdup(&h->alloc, scale->id);
  if (id == NULL || RF__RESERVE(&h->alloc, h->seeds, h->seed_cap, h->seed_count + 1) != 0) {
    rf__free(&h->alloc, id);
    return rf__error(&h->err, RF_ENOMEM, "out of memory");
  }
  h->seeds[h->seed_count].scale = *scale;
  h->seeds[h->seed_count].scale.id = id;
  h->seeds[h->seed_count++].id = id;
  return 0;
}

void rf_host_set_source_output(rf_host *h, rf_engine_source_fn on_source, void *payload) {
  if (h == NULL) return;
  h->on_source = on_source;
  h->source_payload = payload;
}

const rf_engine *rf_host_engine(const rf_host *h) { return h != NULL ? h->engine : NULL; }

int rf_host_setaside_reason(const rf_host *h) { return h != NULL ? h->setaside : -1; }

const char *rf_host_reason_name(int reason) {
  if (reason == RF_HOST_INVALID) return "invalid";
  return rf_setaside_reason_name((rf_setaside_reason)reason);
}

void rf_host_set_fault_output(rf_host *h, rf_engine_fault_fn on_fault, void *payload) {
  if (h == NULL) return;
  h->on_fault = on_fault;
  h->fault_payload = payload;
}

/* Counts what the method made and hands it on. */
static int count_output(const rf_record *rec, void *payload) {
  rf_host *h = payload;
  h->counts.diffs += rec->type == RF_RECORD_DIFF;
  h->counts.receipts += rec->type == RF_RECORD_RECEIPT;
  return h->output(rec, h->payload);
}

static const char *method_errmsg(const rf_host *h) {
  return h->method == RF_METHOD_FUSED ? rf_engine_errmsg(h->engine) : rf_greedy_errmsg(h->greedy);
}

/* The method over the store the checker built, with the host's parameters. */
static int start_method_once(rf_host *h) {
  int rc;
  if (h->output == NULL)
    return rf__error(&h->err, RF_EMISUSE, "no output: rf_host_set_output first");
  const rf_store *store = rf_scenario_check_store(h->check);
  if (store == NULL) return rf__error(&h->err, RF_ENOMEM, "out of memory finishing the store");
  if (h->method == RF_METHOD_FUSED) {
    if ((rc = rf_engine_new(&h->engine, store, &h->alloc)) != 0)
      return rf__error(&h->err, rc, "starting the method: %s", rf_strerror(rc));
    rf_engine_set_output(h->engine, count_output, h);
    rf_engine_set_fault_output(h->engine, h->on_fault, h->fault_payload);
    rf_engine_set_source_output(h->engine, h->on_source, h->source_payload);
    rf_engine_set_explain(h->engine, h->explain);
    for (int k = 0; k < h->sources; ++k)
      if ((rc = rf_engine_source_delay(h->engine, h->source[k], h->source_delay[k])) != 0)
        return rf__error(&h->err, rc, "%s", rf_engine_errmsg(h->engine));
  } else {
    if ((rc = rf_greedy_new(&h->greedy, store, &h->alloc)) != 0)
      return rf__error(&h->err, rc, "starting the method: %s", rf_strerror(rc));
    rf_greedy_set_output(h->greedy, count_output, h);
  }
  for (int k = 0; k < h->settings; ++k) {
    rc = h->method == RF_METHOD_FUSED
             ? rf_engine_param_set(h->engine, (rf_engine_param)h->setting[k], h->value[k])
             : rf_greedy_param_set(h->greedy, (rf_greedy_param)h->setting[k], h->value[k]);
    if (rc != 0) return rf__error(&h->err, rc, "%s", method_errmsg(h));
  }
  h->counts.seeds_refused = 0;
  for (size_t k = 0; k < h->seed_count; ++k) {
    rc = rf_engine_calibration_seed(h->engine, &h->seeds[k].scale);
    if (rc == RF_ENOMEM) return rf__error(&h->err, rc, "out of memory");
    h->counts.seeds_refused += rc != 0;
  }
  return 0;
}

/* Starts the method, or leaves none started: a start that failed half way is tried afresh with
 * the next event, every setting applied again. */
static int start_method(rf_host *h) {
  int rc = start_method_once(h);
  if (rc != 0) {
    rf_engine_free(h->engine);
    rf_greedy_free(h->greedy);
    h->engine = NULL;
    h->greedy = NULL;
  }
  return rc;
}

static int set_aside(rf_host *h, const rf_record *rec, int reason, const char *why) {
  h->setaside = reason;
  h->counts.set_aside++;
  h->counts.by_reason[reason]++;
  /* The checker's messages name the line already; the methods' do not. */
  if (strncmp(why, "line ", 5) == 0) return rf__error(&h->err, RF_SETASIDE, "%s", why);
  return rf__error(&h->err, RF_SETASIDE, "line %llu: %s", (unsigned long long)rec->line, why);
}

/* The baseline's events go through the checker: its refusal (or the baseline's), set aside under
 * the nearest of the engine's reasons. */
static int checker_reason(rf_host *h, const rf_record *rec, int rc) {
  uint32_t shelf;
  switch (rc) {
    case RF_EEXISTS: return RF_SETASIDE_ALREADY_IN;
    case RF_ELATE: return RF_SETASIDE_LATE;
    case RF_EINVAL: return RF_HOST_INVALID;
    case RF_ENOTFOUND:
      if (rec->type == RF_RECORD_HAND &&
          rf_store_find_shelf(rf_scenario_check_store(h->check), rec->u.hand.shelf, &shelf) == 0)
        return RF_SETASIDE_UNKNOWN_SHOPPER;
      if (rec->type == RF_RECORD_HAND || rec->type == RF_RECORD_DELTA)
        return RF_SETASIDE_UNKNOWN_SHELF;
      if (rec->type == RF_RECORD_RESTOCK) /* its shelf, or else its sku, is not in the store */
        return rf_store_find_shelf(rf_scenario_check_store(h->check), rec->u.restock.shelf,
                                   &shelf) != 0
                   ? RF_SETASIDE_UNKNOWN_SHELF
                   : RF_SETASIDE_UNKNOWN_SKU;
      if (rec->type == RF_RECORD_SAMPLES) return RF_SETASIDE_UNKNOWN_PLATE;
      if (rec->type == RF_RECORD_POSITION) return RF_SETASIDE_UNKNOWN_SHOPPER;
      return RF_SETASIDE_NOT_IN;
    default: return RF_SETASIDE_BAD_NUMBER;
  }
}

static void count_event(rf_host *h, const rf_record *rec) {
  h->counts.records++;
  if (rec->type == RF_RECORD_REVIEW) { /* a verdict, not an event of the store */
    h->counts.verdicts++;
    return;
  }
  h->counts.events++;
  h->counts.deltas += rec->type == RF_RECORD_DELTA;
  h->counts.hands += rec->type == RF_RECORD_HAND;
}

/* An event into the engine: it screens the record itself. */
static int push_fused(rf_host *h, const rf_record *rec) {
  int rc = rf_engine_push(h->engine, rec);
  if (rc == RF_SETASIDE && rf_engine_setaside_reason(h->engine) < 0) /* the callback's own 1 */
    return rf__error(&h->err, RF_EINVAL,
                     "line %llu: the output callback returned %d (callbacks return 0 or a "
                     "negative value)",
                     (unsigned long long)rec->line, rc);
  if (rc == RF_SETASIDE) {
    int reason = rf_engine_setaside_reason(h->engine);
    if (reason == RF_SETASIDE_UNKNOWN_SHOPPER && rec->type == RF_RECORD_HAND) count_event(h, rec);
    return set_aside(h, rec, reason, rf_engine_errmsg(h->engine));
  }
  if (rc == 0 || rc == RF_EBEHIND) count_event(h, rec);
  if (rc != 0)
    return rf__error(&h->err, rc, "line %llu: %s", (unsigned long long)rec->line,
                     rf_engine_errmsg(h->engine)[0] ? rf_engine_errmsg(h->engine)
                                                    : rf_strerror(rc));
  return 0;
}

/* An event into the baseline, checked first. */
static int push_greedy(rf_host *h, const rf_record *rec) {
  int rc = rf_scenario_check_record(h->check, rec);
  if (rc == RF_ENOMEM) return rf__error(&h->err, rc, "%s", rf_scenario_check_errmsg(h->check));
  if (rc != 0)
    return set_aside(h, rec, checker_reason(h, rec, rc), rf_scenario_check_errmsg(h->check));
  rc = rf_greedy_push(h->greedy, rec);
  if (rc == RF_ENOMEM || rc > 0)
    return rf__error(&h->err, rc, "line %llu: %s", (unsigned long long)rec->line,
                     rf_greedy_errmsg(h->greedy));
  if (rc < 0) return set_aside(h, rec, checker_reason(h, rec, rc), rf_greedy_errmsg(h->greedy));
  count_event(h, rec);
  return 0;
}

int rf_host_push(rf_host *h, const rf_record *rec) {
  if (h == NULL || rec == NULL) return RF_EINVAL;
  rf__error_clear(&h->err);
  h->setaside = -1;
  int event = rf__record_is_input(rec->type);
  int rc;
  /* The method starts before the first event is taken (asking for the store finishes it), so a
   * start that fails leaves the record untaken: push it again. */
  if (event && h->engine == NULL && h->greedy == NULL && (rc = start_method(h)) != 0) return rc;
  if (event) return h->method == RF_METHOD_FUSED ? push_fused(h, rec) : push_greedy(h, rec);
  rc = rf_scenario_check_record(h->check, rec);
  if (rc == RF_ENOMEM) return rf__error(&h->err, rc, "%s", rf_scenario_check_errmsg(h->check));
  if (rc != 0) return set_aside(h, rec, RF_HOST_INVALID, rf_scenario_check_errmsg(h->check));
  h->counts.records++;
  return 0;
}

int rf_host_advance(rf_host *h, rf_time_us now) {
  if (h == NULL) return RF_EINVAL;
  rf__error_clear(&h->err);
  if (h->engine == NULL) return 0; /* not started, or the baseline: no clock to move */
  int rc = rf_engine_advance(h->engine, now);
  if (rc == RF_SETASIDE) /* advancing takes no record: a 1 is the output callback's own */
    return rf__error(&h->err, RF_EINVAL,
                     "advancing: the output callback returned 1 (callbacks return 0 or a "
                     "negative value)");
  if (rc != 0) return rf__error(&h->err, rc, "advancing: %s", method_errmsg(h));
  return 0;
}

int rf_host_finish(rf_host *h) {
  if (h == NULL) return RF_EINVAL;
  rf__error_clear(&h->err);
  if (h->engine == NULL && h->greedy == NULL) return 0;
  int rc = h->method == RF_METHOD_FUSED ? rf_engine_finish(h->engine) : rf_greedy_finish(h->greedy);
  if (rc == RF_SETASIDE) /* finishing takes no record: a 1 is the output callback's own */
    return rf__error(&h->err, RF_EINVAL,
                     "finishing: the output callback returned 1 (callbacks return 0 or a "
                     "negative value)");
  if (rc != 0)
    return rf__error(&h->err, rc, "finishing: %s",
                     method_errmsg(h)[0] ? method_errmsg(h) : rf_strerror(rc));
  return 0;
}

const char *rf_host_errmsg(const rf_host *h) { return h ? h->err.msg : ""; }

void rf_host_get_counts(const rf_host *h, rf_host_counts *out) {
  if (h != NULL && out != NULL) *out = h->counts;
}

const rf_store *rf_host_store(const rf_host *h) {
  return h != NULL && (h->engine != NULL || h->greedy != NULL) ? rf_scenario_check_store(h->check)
                                                               : NULL;
}
