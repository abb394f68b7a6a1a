/* The service's life: made, told its store and parameters, started (the journal replayed and
 * the output log made again), run, stopped, freed. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "internal.h"
#include "record/record.h"
#include "retailfuse/status.h"

void svc_logf(rf_service *svc, const char *fmt, ...) {
  if (svc->log == NULL) return;
  char line[RF__ERRMSG_MAX + 128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  svc->log(line, svc->log_payload);
}

void svc_handle_closed(uv_handle_t *handle) {
  rf_service *svc = handle->data;
  svc->open_handles--;
}

static void normalise(rf_service_options *o) {
  if (o->sync_ms == 0) o->sync_ms = 10;
  if (o->max_frame == 0) o->max_frame = 16u << 20;
  if (o->gateway_queue_bytes == 0) o->gateway_queue_bytes = 1u << 20;
  if (o->subscriber_lag_bytes == 0) o->subscriber_lag_bytes = (size_t)64 << 20;
  if (o->idle_s == 0.0) o->idle_s = 5.0;
}

int rf_service_new(rf_service **out, uv_loop_t *loop, const rf_service_options *options,
                   const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  rf_service_options o = RF_SERVICE_OPTIONS_INIT;
  if (options != NULL && options->version != RF_SERVICE_OPTIONS_VERSION) return RF_EVERSION;
  if (options != NULL) o = *options;
  if (o.idle_s != o.idle_s || (o.method != RF_METHOD_FUSED && o.method != RF_METHOD_GREEDY))
    return RF_EINVAL;
  normalise(&o);
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_service *svc = rf__calloc(&a, 1, sizeof *svc);
  if (svc == NULL) return RF_ENOMEM;
  svc->alloc = a;
  svc->opt = o;
  svc->advanced_to = INT64_MIN;
  svc->out.fd = -1;
  svc->loop = loop;
  if (loop == NULL && uv_loop_init(&svc->own_loop) == 0) {
    svc->loop = &svc->own_loop;
    svc->owns_loop = 1;
  }
  if (svc->loop == NULL || rf_wire_encoder_new(&svc->given_store, RF_FORMAT_PB, &a) != 0 ||
      rf_wire_encoder_new(&svc->store, RF_FORMAT_PB, &a) != 0) {
    rf_service_free(svc);
    return RF_ENOMEM;
  }
  *out = svc;
  return 0;
}

/* A setting, checked on a host of its own, kept to be applied at the start of every day. */
static int add_setting(rf_service *svc, const char *name, double value, int is_delay) {
  if (svc == NULL || name == NULL) return RF_EINVAL;
  if (svc->started) return rf__error(&svc->err, RF_EMISUSE, "settings come before the start");
  rf_host *probe = NULL;
  int rc = rf_host_new(&probe, svc->opt.method, &svc->alloc);
  if (rc == 0)
    rc = is_delay ? rf_host_source_delay(probe, name, value)
                  : rf_host_param_set(probe, name, value);
  if (rc != 0) rf__error(&svc->err, rc, "%s", probe ? rf_host_errmsg(probe) : "out of memory");
  rf_host_free(probe);
  if (rc != 0) return rc;
  if (RF__RESERVE(&svc->alloc, svc->settings, svc->setting_cap, svc->setting_count + 1) != 0)
    return RF_ENOMEM;
  svc_setting *s = &svc->settings[svc->setting_count];
  if ((s->name = rf__strdup(&svc->alloc, name)) == NULL) return RF_ENOMEM;
  s->value = value;
  s->is_delay = is_delay;
  svc->setting_count++;
  return 0;
}

int rf_service_param_set(rf_service *svc, const char *name, double value) {
  return add_setting(svc, name, value, 0);
}

int rf_service_source_delay(rf_service *svc, const char *source, double seconds) {
  return add_setting(svc, source, seconds, 1);
}

int rf_service_add_store(rf_service *svc, const rf_record *rec) {
  if (svc == NULL || rec == NULL) return RF_EINVAL;
  if (svc->started) return rf__error(&svc->err, RF_EMISUSE, "the store comes before the start");
  if (!rf__record_is_store(rec->type))
    return rf__error(&svc->err, RF_EINVAL,
                     "a record of type '%s' is not part of a store description",
                     rf_record_type_name(rec->type));
  int rc =
      rf_wire_encode(svc->given_store, &(rf_wire_msg){.kind = RF_WIRE_RECORD, .u.record = *rec});
  if (rc != 0) rf__error(&svc->err, rc, "%s", rf_wire_encoder_errmsg(svc->given_store));
  return rc;
}

/* A record the engine failed on live (out of memory, say) was journaled all the same: replayed,
 * it is logged and passed over as it was then, not a reason to refuse the journal. */
static int replay_record(const rf_record *rec, void *payload) {
  rf_service *svc = payload;
  int reason;
  char message[RF__ERRMSG_MAX];
  int rc = svc_take(svc, rec, &reason, message, sizeof message);
  svc->stats.replayed++;
  if (rc != 0 && rc != RF_SETASIDE)
    svc_logf(svc, "replaying line %llu: %s", (unsigned long long)rec->line, svc->err.msg);
  return 0;
}

static int replay_advance(rf_time_us clock, void *payload) {
  rf_service *svc = payload;
  svc->stats.replayed++;
  return clock == RF_JOURNAL_FINISH ? svc_finish_day(svc) : svc_advance(svc, clock);
}

/* A new journal begins with the store; one that holds entries gives it back. */
static int restore(rf_service *svc) {
  svc->replaying = 1;
  int rc = rf_journal_replay(svc->journal, replay_record, replay_advance, svc);
  svc->replaying = 0;
  if (rc != 0 && svc->err.msg[0] == '\0')
    rf__error(&svc->err, rc, "replaying the journal: %s", rf_journal_errmsg(svc->journal));
  if (rc != 0) return rc;
  size_t given_len, kept_len;
  const uint8_t *given = rf_wire_encoder_data(svc->given_store, &given_len);
  const uint8_t *kept = rf_wire_encoder_data(svc->store, &kept_len);
  if (svc->stats.replayed > 0 && given_len > 0 &&
      (given_len != kept_len || memcmp(given, kept, given_len) != 0))
    return rf__error(&svc->err, RF_EEXISTS,
                     "the journal began with another store: start with that store, or a new "
                     "journal");
  return 0;
}

/* The store given, journaled and taken as the first records of a new journal. */
static int begin(rf_service *svc) {
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(svc->given_store, &len);
  rf_wire_decoder *dec = NULL;
  int rc = rf_wire_decoder_new(&dec, 0, &svc->alloc), reason;
  if (rc == 0) rc = rf_wire_decoder_feed(dec, data, len);
  rf_wire_msg m;
  char message[RF__ERRMSG_MAX];
  while (rc == 0 && (rc = rf_wire_decoder_next(dec, &m)) == 0) {
    if (svc->journal != NULL && (rc = rf_journal_append(svc->journal, &m.u.record)) != 0)
      rf__error(&svc->err, rc, "journaling the store: %s", rf_journal_errmsg(svc->journal));
    else if ((rc = svc_take(svc, &m.u.record, &reason, message, sizeof message)) != 0)
      rf__error(&svc->err, rc, "the store: %s", rc == RF_SETASIDE ? message : svc->err.msg);
  }
  rf_wire_decoder_free(dec);
  if (rc != RF_ITEROVER) return rc;
  size_t kept;
  rf_wire_encoder_data(svc->store, &kept);
  return kept > svc->out.header_len ? 0 : rf__error(&svc->err, RF_EINVAL, "no store was given");
}

int rf_service_start(rf_service *svc) {
  if (svc == NULL) return RF_EINVAL;
  if (svc->started) return rf__error(&svc->err, RF_EMISUSE, "already started");
  rf__error_clear(&svc->err);
  int rc = 0;
  if (svc->opt.journal_dir != NULL) {
    rf_journal_options jo = RF_JOURNAL_OPTIONS_INIT;
    jo.sync = svc->opt.sync;
    jo.sync_ms = svc->opt.sync_ms;
    rc = rf_journal_open(&svc->journal, svc->opt.journal_dir, &jo, &svc->alloc);
    if (rc != 0) {
      rf__error(&svc->err, rc, "the journal: %s", rf_journal_errmsg(svc->journal));
      rf_journal_close(svc->journal);
      svc->journal = NULL;
      return rc;
    }
  }
  if ((rc = svc_outlog_open(&svc->out, svc->opt.journal_dir, &svc->alloc, &svc->err)) != 0)
    return rc;
  rc = svc->journal != NULL ? restore(svc) : 0;
  if (rc == 0 && svc->stats.replayed == 0) rc = begin(svc);
  if (rc == 0 && svc->journal != NULL && (rc = rf_journal_sync(svc->journal)) != 0)
    rf__error(&svc->err, rc, "the journal: %s", rf_journal_errmsg(svc->journal));
  if (rc == 0) rc = svc_outlog_publish(&svc->out, &svc->err);
  if (rc != 0) return rc;
  svc->stats.published = svc->out.pub_count;
  svc->started = 1;
  return svc_clock_start(svc);
}

int rf_service_run(rf_service *svc) {
  if (svc == NULL) return RF_EINVAL;
  if (!svc->owns_loop) return rf__error(&svc->err, RF_EMISUSE, "the loop is the host's to run");
  uv_run(svc->loop, UV_RUN_DEFAULT);
  return 0;
}

void rf_service_stop(rf_service *svc) {
  if (svc == NULL || svc->stopping) return;
  svc->stopping = 1;
  svc_listeners_close(svc);
  if (!svc->started) return;
  svc_settle(svc); /* the journal synced, every durable record acknowledged */
  for (svc_conn *c = svc->conns; c != NULL; c = c->next) svc_close_gently(c);
  svc_mqtt_stop(svc->mqtt);
  svc_http_close_all(svc);
  svc_clock_stop(svc);
}

void rf_service_free(rf_service *svc) {
  if (svc == NULL) return;
  rf_allocator a = svc->alloc;
  if (svc->owns_loop) {
    uv_run(svc->loop, UV_RUN_NOWAIT); /* close callbacks still due */
    uv_loop_close(svc->loop);
  }
  svc_mqtt_free(svc->mqtt, &a);
  rf_journal_close(svc->journal);
  svc_outlog_close(&svc->out);
  svc_day_free(svc);
  rf_wire_encoder_free(svc->given_store);
  rf_wire_encoder_free(svc->store);
  svc_scales_free(svc);
  for (size_t k = 0; k < svc->setting_count; ++k) rf__free(&a, svc->settings[k].name);
  for (size_t k = 0; k < svc->source_count; ++k) rf__free(&a, svc->sources[k].name);
  rf__free(&a, svc->sources);
  rf__free(&a, svc->arrivals);
  rf__free(&a, svc->settings);
  for (svc_listener *l = svc->listeners, *next; l != NULL; l = next) {
    next = l->next;
    rf__free(&a, l);
  }
  rf__free(&a, svc);
}

uv_loop_t *rf_service_loop(rf_service *svc) { return svc ? svc->loop : NULL; }

void rf_service_set_log(rf_service *svc, rf_service_log_fn log, void *payload) {
  if (svc == NULL) return;
  svc->log = log;
  svc->log_payload = payload;
}

int rf_service_get_stats(const rf_service *svc, rf_service_stats *out) {
  if (svc == NULL || out == NULL) return RF_EINVAL;
  if (out->version != RF_SERVICE_STATS_VERSION) return RF_EVERSION;
  *out = svc->stats;
  out->version = RF_SERVICE_STATS_VERSION;
  rf_journal_state st = {0};
  if (svc->journal != NULL) rf_journal_state_get(svc->journal, &st);
  out->journal_entries = st.entries;
  return 0;
}

const rf_host *rf_service_host(const rf_service *svc) { return svc ? svc->host : NULL; }

const char *rf_service_errmsg(const rf_service *svc) { return svc ? svc->err.msg : ""; }
