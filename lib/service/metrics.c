/* The service's metrics in the Prometheus text exposition format (version 0.0.4): counters and
 * gauges of what it took, set aside, decided and sent, two latency histograms (a record's
 * arrival to the diff it settled being published; a journal sync), and per source the records
 * taken and how far its clock lags the latest source's. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "io/json_write.h"
#include "retailfuse/status.h"

/* Upper bounds (seconds) of the histograms' buckets; +Inf follows. */
static const double bucket_le[SVC_HIST_BUCKETS] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                   0.05,   0.1,   0.25,  0.5,   1.0,  2.5};

void svc_hist_observe(svc_hist *h, double seconds) {
  for (int k = 0; k < SVC_HIST_BUCKETS; ++k)
    if (seconds <= bucket_le[k]) h->buckets[k]++;
  h->count++;
  h->sum += seconds;
}

static void printf_to(rf__jbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void printf_to(rf__jbuf *b, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) rf__jbuf_raw(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void head(rf__jbuf *b, const char *name, const char *type, const char *help) {
  printf_to(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(rf__jbuf *b, const char *name, const char *type, const char *help, double v) {
  head(b, name, type, help);
  printf_to(b, "%s %.10g\n", name, v);
}

/* A label value with backslash, quote and newline escaped. */
static void label_value(rf__jbuf *b, const char *s) {
  for (; *s; ++s) {
    if (*s == '\\') rf__jbuf_raw(b, "\\\\", 2);
    else if (*s == '"') rf__jbuf_raw(b, "\\\"", 2);
    else if (*s == '\n') rf__jbuf_raw(b, "\\n", 2);
    else rf__jbuf_raw(b, s, 1);
  }
}

static void labelled(rf__jbuf *b, const char *name, const char *label, const char *value,
                     double v) {
  printf_to(b, "%s{%s=\"", name, label);
  label_value(b, value);
  printf_to(b, "\"} %.10g\n", v);
}

static void histogram(rf__jbuf *b, const char *name, const char *help, const svc_hist *h) {
  head(b, name, "histogram", help);
  for (int k = 0; k < SVC_HIST_BUCKETS; ++k)
    printf_to(b, "%s_bucket{le=\"%g\"} %llu\n", name, bucket_le[k],
              (unsigned long long)h->buckets[k]);
  printf_to(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9g\n%s_count %llu\n", name,
            (unsigned long long)h->count, name, h->sum, name, (unsigned long long)h->count);
}

/* Decisions, reviews and corrections: the days finished, and today's engine. */
static void decided(const rf_service *svc, uint64_t out[3]) {
  memcpy(out, svc->past, sizeof svc->past);
  const rf_engine *engine = svc->host ? rf_host_engine(svc->host) : NULL;
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  if (engine == NULL || rf_engine_get_stats(engine, &st) != 0) return;
  out[0] += st.decisions;
  out[1] += st.reviews;
  out[2] += st.corrections;
}

static void sources(const rf_service *svc, rf__jbuf *b) {
  head(b, "retailfuse_records_total", "counter", "records taken from gateways, by source");
  for (size_t k = 0; k < svc->source_count; ++k)
    labelled(b, "retailfuse_records_total", "source", svc->sources[k].name,
             (double)svc->sources[k].records);
  const rf_engine *engine = svc->host ? rf_host_engine(svc->host) : NULL;
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  if (engine == NULL || rf_engine_get_stats(engine, &st) != 0) return;
  rf_time_us latest = 0;
  int any = 0;
  for (size_t i = 0; i < st.sources; ++i) {
    rf_engine_source_stats s = {.version = RF_ENGINE_SOURCE_STATS_VERSION};
    if (rf_engine_get_source_stats(engine, i, &s) == 0 && s.has_time && (!any || s.last_t > latest))
      latest = s.last_t, any = 1;
  }
  head(b, "retailfuse_watermark_lag_seconds", "gauge",
       "how far a source's latest time lies behind the latest of any source (store time)");
  for (size_t i = 0; i < st.sources; ++i) {
    rf_engine_source_stats s = {.version = RF_ENGINE_SOURCE_STATS_VERSION};
    if (rf_engine_get_source_stats(engine, i, &s) == 0 && s.has_time)
      labelled(b, "retailfuse_watermark_lag_seconds", "source", s.name,
               (double)(latest - s.last_t) / 1e6);
  }
}

static void subscribers(const rf_service *svc, rf__jbuf *b) {
  uint64_t waiting = 0, queued = 0;
  for (const svc_conn *c = svc->conns; c != NULL; c = c->next) {
    if (c->role != SVC_SUBSCRIBER || c->closing) continue;
    waiting += svc->out.pub_end > c->off ? svc->out.pub_end - c->off : 0;
    queued += svc_queued(c);
  }
  one(b, "retailfuse_subscriber_waiting_bytes", "gauge",
      "published output the subscribers have not been sent yet", (double)waiting);
  one(b, "retailfuse_subscriber_queued_bytes", "gauge",
      "output written to subscribers and not yet taken by their sockets", (double)queued);
}

int svc_metrics_text(const rf_service *svc, rf__jbuf *b) {
  const rf_service_stats *s = &svc->stats;
  one(b, "retailfuse_up", "gauge", "1 while the service runs", 1);
  sources(svc, b);
  head(b, "retailfuse_set_aside_total", "counter", "records set aside, by reason");
  for (int r = 0; r < RF_HOST_REASON_COUNT; ++r)
    labelled(b, "retailfuse_set_aside_total", "reason", rf_host_reason_name(r),
             (double)svc->set_aside_by[r]);
  uint64_t d[3];
  decided(svc, d);
  one(b, "retailfuse_decisions_total", "counter",
      "weight changes decided (since the journal began)", (double)d[0]);
  one(b, "retailfuse_reviews_total", "counter", "diffs flagged for review", (double)d[1]);
  one(b, "retailfuse_corrections_total", "counter", "diffs correcting an earlier one",
      (double)d[2]);
  one(b, "retailfuse_outputs_total", "counter", "output messages made (the last output seq)",
      (double)s->outputs);
  one(b, "retailfuse_outputs_published_total", "counter", "output given to subscribers",
      (double)s->published);
  one(b, "retailfuse_acks_total", "counter", "acknowledgements sent to gateways", (double)s->acks);
  one(b, "retailfuse_days_total", "counter", "days finished", (double)s->days);
  one(b, "retailfuse_clock_advances_total", "counter", "times wall time moved the clock",
      (double)s->advances);
  histogram(b, "retailfuse_event_to_diff_seconds",
            "from a record's arrival to the diff it settled being published", &svc->latency);
  head(b, "retailfuse_connections", "gauge", "connections open, by role");
  labelled(b, "retailfuse_connections", "role", "gateway", (double)s->gateways);
  labelled(b, "retailfuse_connections", "role", "subscriber", (double)s->subscribers);
  one(b, "retailfuse_connections_total", "counter", "connections accepted", (double)s->connections);
  one(b, "retailfuse_connections_refused_total", "counter",
      "connections closed for an error (bad frames, slow subscribers)", (double)s->refused);
  subscribers(svc, b);
  one(b, "retailfuse_journal_bytes", "gauge", "the journal's size",
      (double)rf_journal_bytes(svc->journal));
  histogram(b, "retailfuse_journal_sync_seconds", "how long a journal sync took", &svc->syncs);
  return b->failed ? RF_ENOMEM : 0;
}
