/* The day: one host over the store, fed alike by the journal's replay and by the gateways, its
 * output — diffs, receipts, plate faults, sources going stale, the end of the day — appended to
 * the output log. A finish ends the day; the next record begins a new one on the same store. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "internal.h"
#include "record/record.h"
#include "retailfuse/status.h"

static int on_output(const rf_record *rec, void *payload) {
  rf_service *svc = payload;
  rf_wire_msg m = {.kind = RF_WIRE_RECORD};
  m.u.record = *rec;
  svc->stats.outputs++;
  /* the diff's latency is measured from the arrival of the record that settled it */
  if (rec->type == RF_RECORD_DIFF && !svc->replaying &&
      RF__RESERVE(&svc->alloc, svc->arrivals, svc->arrival_cap, svc->arrival_count + 1) == 0)
    svc->arrivals[svc->arrival_count++] = svc->read_ns;
  return svc_outlog_append(&svc->out, &m);
}

static void on_fault(const char *plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  rf_service *svc = payload;
  rf_wire_msg m = {.kind = RF_WIRE_FAULT};
  m.u.fault = (rf_wire_fault){plate, fault, t};
  svc->stats.outputs++;
  if (svc_outlog_append(&svc->out, &m) != 0) svc_logf(svc, "out of memory logging a plate fault");
  if (!svc->replaying)
    svc_logf(svc, "plate '%s': %s at %.3f s", plate, rf_plate_fault_name(fault), (double)t / 1e6);
}

static void on_source(const char *source, int stale, rf_time_us t, void *payload) {
  rf_service *svc = payload;
  rf_wire_msg m = {.kind = RF_WIRE_SOURCE};
  m.u.source = (rf_wire_source){source, stale, t};
  svc->stats.outputs++;
  if (svc_outlog_append(&svc->out, &m) != 0) svc_logf(svc, "out of memory logging a source");
}

/* Every day after the first begins with the store the first began with. */
static int push_store(rf_service *svc) {
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(svc->store, &len);
  rf_wire_decoder *dec = NULL;
  int rc = rf_wire_decoder_new(&dec, 0, &svc->alloc);
  if (rc == 0) rc = rf_wire_decoder_feed(dec, data, len);
  rf_wire_msg m;
  while (rc == 0 && (rc = rf_wire_decoder_next(dec, &m)) == 0)
    if ((rc = rf_host_push(svc->host, &m.u.record)) != 0)
      rf__error(&svc->err, rc, "the store: %s", rf_host_errmsg(svc->host));
  rf_wire_decoder_free(dec);
  return rc == RF_ITEROVER ? 0 : rc;
}

static int begin_day(rf_service *svc) {
  int rc = rf_host_new(&svc->host, svc->opt.method, &svc->alloc);
  if (rc != 0) return rf__error(&svc->err, rc, "out of memory");
  rf_host_set_output(svc->host, on_output, svc);
  rf_host_set_fault_output(svc->host, on_fault, svc);
  rf_host_set_source_output(svc->host, on_source, svc);
  for (size_t k = 0; k < svc->setting_count && rc == 0; ++k) {
    const svc_setting *s = &svc->settings[k];
    rc = s->is_delay ? rf_host_source_delay(svc->host, s->name, s->value)
                     : rf_host_param_set(svc->host, s->name, s->value);
  }
  if (rc != 0) rf__error(&svc->err, rc, "%s", rf_host_errmsg(svc->host));
  if (rc == 0 && svc->opt.method == RF_METHOD_FUSED) rc = svc_scales_apply(svc);
  if (rc == 0 && svc->stats.days > 0) rc = push_store(svc);
  if (rc == 0) return 0;
  svc_day_free(svc);
  return rc;
}

void svc_day_free(rf_service *svc) {
  rf_host_free(svc->host);
  svc->host = NULL;
}

/* The latest time a record speaks of. */
static rf_time_us record_time(const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT: return r->u.enter.t;
    case RF_RECORD_LINK: return r->u.link.t;
    case RF_RECORD_POSITION: return r->u.position.t;
    case RF_RECORD_SAMPLES:
      return r->u.samples.t + (rf_time_us)(r->u.samples.count - 1) * r->u.samples.dt_us;
    case RF_RECORD_DELTA: return r->u.delta.t1;
    case RF_RECORD_HAND: return r->u.hand.t1;
    case RF_RECORD_RESTOCK: return r->u.restock.t1;
    default: return 0;
  }
}

int svc_take(rf_service *svc, const rf_record *rec, int *reason, char *message, size_t cap) {
  *reason = -1;
  int rc = svc->host == NULL ? begin_day(svc) : 0;
  if (rc != 0) return rc;
  if (rf__record_is_store(rec->type) && svc->stats.days == 0 &&
      (rc = rf_wire_encode(svc->store, &(rf_wire_msg){.kind = RF_WIRE_RECORD, .u.record = *rec})) !=
          0)
    return rf__error(&svc->err, rc, "the store: %s", rf_wire_encoder_errmsg(svc->store));
  rc = rf_host_push(svc->host, rec);
  if (rc == RF_SETASIDE) {
    *reason = rf_host_setaside_reason(svc->host);
    snprintf(message, cap, "%s", rf_host_errmsg(svc->host));
    return rc;
  }
  if (rc != 0 && rc != RF_EBEHIND) /* RF_EBEHIND: taken; the next call makes up the rest */
    return rf__error(&svc->err, rc, "%s", rf_host_errmsg(svc->host));
  if (!rf__record_is_store(rec->type)) {
    svc->day_has_events = 1;
    if (rec->type == RF_RECORD_REVIEW) return 0; /* a verdict bears no time: the clock stays */
    rf_time_us t = record_time(rec);
    if (!svc->has_latest || t > svc->latest) svc->latest = t;
    svc->has_latest = 1;
  }
  return 0;
}

int svc_advance(rf_service *svc, rf_time_us to) {
  if (svc->host == NULL) return 0;
  int rc = rf_host_advance(svc->host, to);
  if (rc != 0 && rc != RF_EBEHIND) return rf__error(&svc->err, rc, "%s", rf_host_errmsg(svc->host));
  if (to > svc->advanced_to) svc->advanced_to = to;
  return 0;
}

/* The day's decisions, reviews and corrections, kept for the metrics when its engine goes. */
static void keep_counts(rf_service *svc) {
  const rf_engine *engine = svc->host ? rf_host_engine(svc->host) : NULL;
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  if (engine == NULL || rf_engine_get_stats(engine, &st) != 0) return;
  svc->past[0] += st.decisions;
  svc->past[1] += st.reviews;
  svc->past[2] += st.corrections;
}

int svc_finish_day(rf_service *svc) {
  int rc = svc->host != NULL ? rf_host_finish(svc->host) : 0;
  if (rc != 0) rf__error(&svc->err, rc, "finishing the day: %s", rf_host_errmsg(svc->host));
  /* What today learned seeds tomorrow (a failure for memory leaves the old seeds: no day lost). */
  if (rc == 0) svc_scales_carry(svc);
  keep_counts(svc);
  svc_day_free(svc);
  svc->stats.days++;
  svc->has_latest = 0;
  svc->day_has_events = 0;
  svc->advanced_to = INT64_MIN;
  svc->stats.outputs++;
  int out = svc_outlog_append(&svc->out, &(rf_wire_msg){.kind = RF_WIRE_FINISH});
  return rc != 0 ? rc : out;
}
