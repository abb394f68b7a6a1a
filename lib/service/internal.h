/* Internal: the service's parts and what they share (retailfuse/service.h). The data flows one
 * way: connections (conn.c) decode frames; a gateway's records are journaled and taken by the
 * day's host (ingest.c, day.c); the host's output goes to the output log (outlog.c); once the
 * journal holds what made it, acks go back (ingest.c) and subscribers get the output
 * (subscriber.c). clock.c syncs the journal and moves the clock when the sources are quiet. */
#ifndef RF_SERVICE_INTERNAL_H
#define RF_SERVICE_INTERNAL_H

#include <uv.h>

#include "core/errbuf.h"
#include "io/json_write.h"
#include "retailfuse/service.h"
#include "retailfuse/wire.h"

/* ---- the output log: every output message, in order, as a protocol-buffer stream ---- */

typedef struct svc_outlog {
  const rf_allocator *alloc;
  int fd;
  char *path;           /* NULL for an unnamed temporary file */
  rf_wire_encoder *enc; /* messages not yet written to the file */
  uint64_t written;     /* bytes in the file */
  uint64_t end;         /* bytes in the file and in enc */
  uint64_t count;       /* messages made */
  uint64_t pub_end;     /* bytes of whole messages subscribers may have */
  uint64_t pub_count;   /* and how many */
  uint64_t *marks;      /* the offset of message 1 + k * SVC_MARK_EVERY */
  size_t mark_count, mark_cap;
  size_t header_len; /* the stream header's bytes at the file's start */
} svc_outlog;

#define SVC_MARK_EVERY 256

/* ---- metrics ---- */

#define SVC_HIST_BUCKETS 12

typedef struct svc_hist {
  uint64_t buckets[SVC_HIST_BUCKETS]; /* cumulative: observations at or below each bound */
  uint64_t count;
  double sum;
} svc_hist;

typedef struct svc_source {
  char *name;
  uint64_t records;
} svc_source;

/* ---- connections ---- */

typedef enum svc_role { SVC_NEW = 0, SVC_GATEWAY, SVC_SUBSCRIBER } svc_role;

typedef struct svc_conn {
  rf_service *svc;
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  uv_timer_t close_timer; /* a peer that does not read its last message is closed anyway */
  int open_handles;       /* handles not yet closed (the connection is freed at 0) */
  struct svc_conn *prev, *next;
  uint64_t id;
  svc_role role;
  int closing, reading;
  rf_wire_decoder *dec; /* what the peer sends */
  rf_wire_encoder *enc; /* what is sent to it (acks; a JSON subscriber's output) */
  /* gateway */
  char *source;         /* its hello's source, or NULL */
  uint64_t ack_entries; /* acks in enc wait for this many journal entries to be durable */
  uint64_t pending_acks;
  int close_after_write; /* its last message (an error) is on the way */
  uint64_t sent_bytes;
  /* subscriber */
  uint64_t off;            /* the next byte of the output log it gets */
  uint64_t joined_end;     /* the log's published end when it came */
  rf_wire_decoder *logdec; /* JSON subscribers: the log's frames, decoded to be written again */
} svc_conn;

typedef struct svc_listener {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  rf_service *svc;
  struct svc_listener *next;
  int is_tcp;
} svc_listener;

/* ---- the service ---- */

typedef struct svc_setting {
  char *name;
  double value;
  int is_delay;
} svc_setting;

/* A calibration seed the service keeps: the scale, its id owned (scales.c). */
typedef struct svc_scale {
  rf_scale scale;
  char *id;
} svc_scale;

typedef struct svc_scales {
  svc_scale *list;
  size_t count, cap;
} svc_scales;

struct rf_service {
  rf_allocator alloc;
  rf_service_options opt;
  uv_loop_t own_loop;
  uv_loop_t *loop;
  int owns_loop, started, stopping;
  rf__errbuf err;
  rf_service_log_fn log;
  void *log_payload;
  /* the day */
  svc_setting *settings;
  size_t setting_count, setting_cap;
  svc_scales seeds; /* the calibration's seeds: the operator's, then each day's end values */
  rf_wire_encoder *given_store; /* the store given before the start */
  rf_wire_encoder *store;       /* the store the journal began with */
  rf_host *host;                /* today's; NULL until the day's first record */
  int replaying;
  int day_has_events; /* an event was taken since the day began */
  int has_latest;
  rf_time_us latest;      /* the latest time a record of the day brought */
  rf_time_us advanced_to; /* the latest time wall time moved the clock to */
  /* keeping */
  rf_journal *journal;
  svc_outlog out;
  uint64_t last_sync_ms, last_input_ms;
  /* handles */
  uv_timer_t sync_timer, idle_timer;
  uv_check_t check; /* after each round of input: sync, ack, publish */
  uv_idle_t spin;   /* active while entries wait for a sync: the loop does not sleep */
  int input_this_round;
  char readbuf[64 * 1024];
  int open_handles;
  svc_listener *listeners;
  struct svc_mqtt *mqtt;
  struct http_conn *http_conns;
  svc_conn *conns;
  uint64_t next_conn_id;
  rf_service_stats stats;
  /* metrics */
  svc_source *sources;
  size_t source_count, source_cap;
  uint64_t set_aside_by[RF_HOST_REASON_COUNT];
  uint64_t past[3];   /* decisions, reviews, corrections of the days finished */
  uint64_t read_ns;   /* when the bytes being taken arrived */
  uint64_t *arrivals; /* of the records that settled the diffs not yet published */
  size_t arrival_count, arrival_cap;
  svc_hist latency, syncs;
};

/* service.c */
void svc_logf(rf_service *svc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void svc_handle_closed(uv_handle_t *handle); /* a uv_close callback counting handles down */

/* day.c: the day's host, fed from the journal or the gateways alike. */
int svc_take(rf_service *svc, const rf_record *rec, int *reason, char *message, size_t cap);
int svc_advance(rf_service *svc, rf_time_us to);
int svc_finish_day(rf_service *svc);
void svc_day_free(rf_service *svc);

/* scales.c: the calibration across days — the seeds given before the start seed the first
 * day; each day's end values (their sd at least half the prior's, room for a night's drift)
 * seed the next, so a service restored from its journal carries the same; GET /calibration. */
int svc_scales_apply(rf_service *svc);
int svc_scales_carry(rf_service *svc);
void svc_scales_free(rf_service *svc);
int svc_scales_json(const rf_service *svc, rf__jbuf *out);

/* outlog.c */
int svc_outlog_open(svc_outlog *log, const char *dir, const rf_allocator *a, rf__errbuf *err);
void svc_outlog_close(svc_outlog *log);
int svc_outlog_append(svc_outlog *log, const rf_wire_msg *msg);
int svc_outlog_publish(svc_outlog *log, rf__errbuf *err); /* written to the file; all published */
/* The byte offset of message `seq` (1-based; past the end: the published end) into *off. */
int svc_outlog_find(const svc_outlog *log, int64_t seq, uint64_t *off, int64_t *found);
/* Up to cap published bytes from off; the count, or -1 (errno). */
long svc_outlog_read(const svc_outlog *log, uint64_t off, void *buf, size_t cap);

/* listen.c */
void svc_listeners_close(rf_service *svc);
/* ingest.c: counts by source (metrics) */
void svc_count_source(rf_service *svc, const char *source);

/* conn.c */
void svc_accept(uv_stream_t *server, int status);
int svc_send(svc_conn *c, const void *data, size_t len);
int svc_send_encoded(svc_conn *c);            /* what c->enc holds, then cleared */
void svc_close(svc_conn *c, const char *why); /* an error message to the peer (if not NULL) */
void svc_close_gently(svc_conn *c);           /* once what is queued for it has gone */
size_t svc_queued(const svc_conn *c);

/* ingest.c: a record (or a day's end) from anywhere — journaled, then taken: 0, RF_SETASIDE
 * (*reason, message), or an error (in svc->err); and a gateway's messages, acked once durable. */
typedef struct svc_raw { /* the Record message a record came in, if protobuf */
  const uint8_t *message;
  size_t len;
  const char *source; /* its source, when the gateway's hello gave it */
} svc_raw;
int svc_ingest(rf_service *svc, const rf_record *rec, const svc_raw *raw, int *reason,
               char *message, size_t cap);
int svc_ingest_finish(rf_service *svc);
int svc_gateway_message(svc_conn *c, const rf_wire_msg *m);
void svc_release_acks(rf_service *svc);

/* subscriber.c */
int svc_subscriber_hello(svc_conn *c, const rf_wire_msg *m);
void svc_pump(svc_conn *c);
void svc_pump_all(rf_service *svc);

/* metrics.c, http.c */
void svc_hist_observe(svc_hist *h, double seconds);
int svc_metrics_text(const rf_service *svc, rf__jbuf *b);
void svc_http_accept(uv_stream_t *server, int status);
void svc_http_close_all(rf_service *svc); /* at the stop: every HTTP connection still open */

/* mqtt.c */
typedef struct svc_mqtt svc_mqtt;
void svc_mqtt_publish(svc_mqtt *m);
void svc_mqtt_stop(svc_mqtt *m);
void svc_mqtt_free(svc_mqtt *m, const rf_allocator *a);

/* clock.c */
int svc_clock_start(rf_service *svc);
void svc_clock_stop(rf_service *svc);
void svc_settle(rf_service *svc); /* after input: sync as due, ack, publish */

#endif
