/* The host loop: records checked, the store built, the method started at the first event with
 * the parameters set on the host, events pushed, output counted and handed on. */
#include <string.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "retailfuse/check.h"
#include "retailfuse/greedy.h"
#include "retailfuse/host.h"
#include "retailfuse/status.h"

#define MOST_SETTINGS 64

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
  rf_host_counts counts;
  rf__errbuf err;
};

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
static int start_method(rf_host *h) {
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
  return 0;
}

int rf_host_push(rf_host *h, const rf_record *rec) {
  if (h == NULL || rec == NULL) return RF_EINVAL;
  rf__error_clear(&h->err);
  int event = rec->type >= RF_RECORD_ENTER && rec->type <= RF_RECORD_HAND;
  int rc;
  /* The method starts before the checker takes the first event (asking for the store finishes
   * it), so a start that fails leaves the record untaken: push it again. */
  if (event && h->engine == NULL && h->greedy == NULL && (rc = start_method(h)) != 0) return rc;
  rc = rf_scenario_check_record(h->check, rec);
  if (rc != 0) return rf__error(&h->err, rc, "%s", rf_scenario_check_errmsg(h->check));
  h->counts.records++;
  if (!event) return 0;
  h->counts.events++;
  h->counts.deltas += rec->type == RF_RECORD_DELTA;
  h->counts.hands += rec->type == RF_RECORD_HAND;
  rc = h->method == RF_METHOD_FUSED ? rf_engine_push(h->engine, rec)
                                    : rf_greedy_push(h->greedy, rec);
  if (rc != 0)
    return rf__error(&h->err, rc, "line %llu: %s", (unsigned long long)rec->line,
                     method_errmsg(h)[0] ? method_errmsg(h) : rf_strerror(rc));
  return 0;
}

int rf_host_finish(rf_host *h) {
  if (h == NULL) return RF_EINVAL;
  rf__error_clear(&h->err);
  if (h->engine == NULL && h->greedy == NULL) return 0;
  int rc = h->method == RF_METHOD_FUSED ? rf_engine_finish(h->engine) : rf_greedy_finish(h->greedy);
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
