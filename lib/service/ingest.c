/* A gateway's messages: each record journaled, then taken by the day's host, then acknowledged
 * — taken, or set aside with its reason — once the journal holds it durably. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "internal.h"
#include "io/journal_internal.h"
#include "io/wire_internal.h"
#include "record/record.h"
#include "retailfuse/status.h"

static int is_event(rf_record_type type) { return rf__record_is_input(type); }

static uint64_t journal_entries(const rf_service *svc) {
  rf_journal_state st = {0};
  rf_journal_state_get(svc->journal, &st);
  return st.entries;
}

/* The ack waits in c->enc until the journal holds what it answers. */
static int queue_ack(svc_conn *c, const rf_wire_msg *ack) {
  int rc = rf_wire_encode(c->enc, ack);
  if (rc != 0) {
    svc_close(c, "out of memory");
    return rc;
  }
  c->pending_acks++;
  if (c->svc->journal != NULL) c->ack_entries = journal_entries(c->svc);
  return 0;
}

void svc_count_source(rf_service *svc, const char *source) {
  if (source == NULL) return;
  size_t k = 0;
  while (k < svc->source_count && strcmp(svc->sources[k].name, source) != 0) ++k;
  if (k == svc->source_count) {
    char *name = rf__strdup(&svc->alloc, source);
    if (name == NULL ||
        RF__RESERVE(&svc->alloc, svc->sources, svc->source_cap, svc->source_count + 1) != 0) {
      rf__free(&svc->alloc, name);
      return; /* a metric missed, nothing else */
    }
    svc->sources[svc->source_count++] = (svc_source){name, 0};
  }
  svc->sources[k].records++;
}

/* Journals rec: as the protobuf message it came in when there is one (its source filled in), else
 * encoded again. */
static int journal(rf_service *svc, const rf_record *rec, const svc_raw *raw) {
  if (svc->journal == NULL) return 0;
  if (raw == NULL || raw->message == NULL) return rf_journal_append(svc->journal, rec);
  return rf__journal_append_message(svc->journal, raw->message, raw->len, raw->source);
}

int svc_ingest(rf_service *svc, const rf_record *rec, const svc_raw *raw, int *reason,
               char *message, size_t cap) {
  *reason = -1;
  svc->stats.records++;
  svc_count_source(svc, rec->source);
  if (!is_event(rec->type)) {
    snprintf(message, cap, "line %llu: a gateway sends input events; a %s record is not one",
             (unsigned long long)rec->line, rf_record_type_name(rec->type));
    *reason = RF_HOST_INVALID;
  } else {
    int rc = journal(svc, rec, raw);
    if (rc != 0)
      return rf__error(&svc->err, rc, "the journal failed: %s", rf_journal_errmsg(svc->journal));
    svc->last_input_ms = uv_now(svc->loop);
    rc = svc_take(svc, rec, reason, message, cap);
    if (rc != 0 && rc != RF_SETASIDE) {
      char why[RF__ERRMSG_MAX];
      memcpy(why, svc->err.msg, sizeof why);
      return rf__error(&svc->err, rc, "the engine failed: %s", why);
    }
  }
  if (*reason < 0) return 0;
  svc->stats.set_aside++;
  if (*reason < RF_HOST_REASON_COUNT) svc->set_aside_by[*reason]++;
  return RF_SETASIDE;
}

int svc_ingest_finish(rf_service *svc) {
  /* No event since the last finish (or the start): nothing to end. So a finish sent again (its
   * ack lost with a connection) does not end an empty day. */
  if (!svc->day_has_events) return 0;
  int rc = svc->journal != NULL ? rf_journal_advance(svc->journal, RF_JOURNAL_FINISH) : 0;
  if (rc != 0)
    return rf__error(&svc->err, rc, "the journal failed: %s", rf_journal_errmsg(svc->journal));
  if ((rc = svc_finish_day(svc)) != 0) svc_logf(svc, "%s", svc->err.msg);
  return 0; /* the day is over either way */
}

static int take_record(svc_conn *c, const rf_record *received) {
  rf_record rec = *received;
  if (rec.source == NULL) rec.source = c->source; /* a gateway's records are its source's */
  rf_wire_msg ack = {.kind = RF_WIRE_ACK};
  ack.u.ack = (rf_wire_ack){rec.source, rec.has_seq, rec.seq, NULL, NULL, 0};
  char message[RF__ERRMSG_MAX + 64];
  int reason;
  svc_raw raw = {NULL, 0, received->source == NULL ? c->source : NULL};
  raw.message = rf__wire_decoder_message(c->dec, &raw.len);
  int rc = svc_ingest(c->svc, &rec, &raw, &reason, message, sizeof message);
  if (rc != 0 && rc != RF_SETASIDE) {
    svc_close(c, c->svc->err.msg);
    return rc;
  }
  if (rc == RF_SETASIDE) {
    ack.u.ack.reason = rf_host_reason_name(reason);
    ack.u.ack.message = message;
  }
  return queue_ack(c, &ack);
}

/* The end of the day, journaled as such, answered once it is durable. */
static int take_finish(svc_conn *c) {
  int rc = svc_ingest_finish(c->svc);
  if (rc != 0) {
    svc_close(c, c->svc->err.msg);
    return rc;
  }
  rf_wire_msg ack = {.kind = RF_WIRE_ACK};
  ack.u.ack.finish = 1;
  return queue_ack(c, &ack);
}

int svc_gateway_message(svc_conn *c, const rf_wire_msg *m) {
  if (m->kind == RF_WIRE_RECORD) return take_record(c, &m->u.record);
  if (m->kind == RF_WIRE_FINISH) return take_finish(c);
  char why[128];
  snprintf(why, sizeof why, "message %llu: a gateway sends records and finish, not %s",
           (unsigned long long)rf_wire_decoder_count(c->dec), rf_wire_kind_name(m->kind));
  svc_close(c, why);
  return RF_EPARSE;
}

void svc_release_acks(rf_service *svc) {
  uint64_t durable = svc->journal != NULL ? rf_journal_durable(svc->journal) : UINT64_MAX;
  for (svc_conn *c = svc->conns; c != NULL; c = c->next) {
    if (c->role != SVC_GATEWAY || c->closing || c->pending_acks == 0 || c->ack_entries > durable)
      continue;
    svc->stats.acks += c->pending_acks;
    c->pending_acks = 0;
    if (svc_send_encoded(c) != 0) svc_close(c, NULL); /* its records come again */
  }
}
