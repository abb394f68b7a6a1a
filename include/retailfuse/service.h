/*
 * retailfuse/service.h — a store's engine as a service on a libuv loop: gateways in, output out.
 *
 * A service runs one store's engine (through a host, host.h) on the records its gateways send,
 * and hands every output — diffs, receipts, plate faults, sources going stale — to its
 * subscribers as it is made. It listens on TCP and Unix sockets; every connection speaks the
 * protocol of wire.h (protocol buffers or JSON Lines, sniffed) and says in its first message
 * whether it is a gateway or a subscriber (docs/format.md, "The service").
 *
 * Nothing acknowledged is ever lost: a gateway's record is journaled (journal.h) before the
 * engine takes it, and acknowledged once the journal holds it durably — taken, or set aside
 * with its reason, never to be sent again. Output is kept in an output log beside the journal
 * and given to subscribers only once the records that made it are durable too, so what a
 * subscriber saw is always what a restart on the journal makes again: a subscriber resumes from
 * any output seq since the journal began (from the log; on restart the log is made again by
 * replaying the journal). Without a journal, acks wait for nothing and the output log is a
 * temporary file.
 *
 * The clock is the engine's own (the watermark of its sources). When every source has been
 * quiet for `idle_s` of wall time, wall time moves the clock on (journaled, as an advance), so
 * that the last shoppers' receipts come out; a gateway's finish ends the day: everything open
 * is decided, every receipt due is made, and the next event begins a new day on the same store.
 *
 * Bounds: a frame longer than `max_frame` closes its connection with an error; a gateway whose
 * unread acks pass `gateway_queue_bytes` is not read from until it reads them; a subscriber
 * that falls more than `subscriber_lag_bytes` of output behind what was made since it came is
 * disconnected (and told why, when its socket takes it). A frame that does not decode closes
 * only its own connection, after an error message naming it.
 *
 * Loops: rf_service_new takes a host's uv_loop_t (the service's handles live on it; the host
 * runs it) or NULL for one of its own (rf_service_run runs it). rf_service_stop stops accepting,
 * acknowledges what is durable, syncs the journal and closes every handle; a loop the service
 * owns then ends. Free the service once its handles are closed (after rf_service_run returns,
 * or after the host's loop ran on past the stop).
 * Threads: everything runs on the loop's thread. Errors: rf_service_errmsg says why.
 */
#ifndef RETAILFUSE_SERVICE_H
#define RETAILFUSE_SERVICE_H

#include "common.h"
#include "allocator.h"
#include "host.h"
#include "journal.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uv_loop_s; /* libuv's uv_loop_t */

typedef struct rf_service rf_service;

typedef struct rf_service_options {
  unsigned version;            /* RF_SERVICE_OPTIONS_VERSION */
  rf_method method;            /* RF_METHOD_FUSED */
  const char *journal_dir;     /* NULL: no journal (nothing survives a restart) */
  rf_journal_sync_mode sync;   /* the journal's (RF_JOURNAL_SYNC_INTERVAL) */
  unsigned sync_ms;            /* 0: 10 ms */
  size_t max_frame;            /* 0: 16 MiB */
  size_t gateway_queue_bytes;  /* 0: 1 MiB */
  size_t subscriber_lag_bytes; /* 0: 64 MiB */
  double idle_s;               /* 0: 5 s; negative: wall time never moves the clock */
} rf_service_options;

#define RF_SERVICE_OPTIONS_VERSION 1
#define RF_SERVICE_OPTIONS_INIT \
  { RF_SERVICE_OPTIONS_VERSION, RF_METHOD_FUSED, NULL, RF_JOURNAL_SYNC_INTERVAL, 0, 0, 0, 0, 0.0 }

/* A service on `loop` (NULL: its own). RF_EINVAL, RF_EVERSION, RF_ENOMEM. */
RF_EXTERN int rf_service_new(rf_service **out, struct uv_loop_s *loop,
                             const rf_service_options *options, const rf_allocator *allocator);

/* Before rf_service_start: a method parameter by name (rf_host_param_set), a source's delay
 * (rf_host_source_delay), and the store description, one record at a time (product, shelf,
 * facing, camera, zone; RF_EINVAL for another kind). Errors as rf_host's. */
RF_EXTERN int rf_service_param_set(rf_service *service, const char *name, double value);
RF_EXTERN int rf_service_source_delay(rf_service *service, const char *source, double seconds);
RF_EXTERN int rf_service_add_store(rf_service *service, const rf_record *record);

/* Seeds the calibration (engine.h, rf_engine_calibration_seed) of the first day — yesterday's
 * values, say; every later day starts from the day before's end values (their sd at least half
 * of GAIN_SD or WEIGHT_SD, room for a night's drift). The seeds are not journaled: a restart
 * given the same seeds replays the same days from the journal, and ends with the same scales.
 * Before the start: RF_EMISUSE after it; RF_ENOTFOUND for the baseline; RF_ENOMEM. */
RF_EXTERN int rf_service_calibration_seed(rf_service *service, const rf_scale *scale);

/* Opens the journal and restores the engine from it (its first entries are the store it began
 * with: a store given now must be the same, else RF_EEXISTS), and makes the output log again.
 * RF_EIO, RF_EPARSE (a damaged journal), RF_EEXISTS, RF_ENOMEM. */
RF_EXTERN int rf_service_start(rf_service *service);

/* Listens on "tcp://HOST:PORT" (an IPv4 or IPv6 address; port 0 picks a free one) or
 * "unix:PATH"; the address bound is written into bound[cap] (the port picked). After
 * rf_service_start. RF_EINVAL for an address that does not parse, RF_EIO when it cannot bind. */
RF_EXTERN int rf_service_listen(rf_service *service, const char *address, char *bound, size_t cap);

/* HTTP on "tcp://HOST:PORT" (bound as above): GET /healthz ("ok"), GET /metrics (the Prometheus
 * text format: records by source, set aside by reason, decisions, reviews, corrections, the
 * latency from a record's arrival to the diff it settled being published, connections,
 * subscriber bytes, the journal's size and sync time, each source's lag), GET /carts/<shopper>
 * (today's cart as JSON; 404 for a shopper unknown), GET /calibration (today's plate gains and
 * product weights, as retailfuse run --calibration writes them). One request per connection. */
RF_EXTERN int rf_service_listen_http(rf_service *service, const char *address, char *bound,
                                     size_t cap);

/* MQTT through the broker at host:port (libmosquitto, on the service's loop): messages on
 * PREFIX/in/# are records — one per message, a JSON object or a protobuf Record message; a record
 * naming no source is its kind's default's, as in a file — or a finish ({"type":"finish"}); every
 * output goes to PREFIX/out/<kind> (diff, receipt, fault, source, finish) as a JSON object, QoS 1,
 * from the moment of the call on. The broker's QoS 1 handshake is done as a message arrives, so
 * what came within the last journal sync can be lost in a crash (the socket protocol acknowledges
 * only what is durable). Reconnects on its own. After rf_service_start; once. */
RF_EXTERN int rf_service_mqtt(rf_service *service, const char *host, int port, const char *prefix);

/* Runs the service's own loop until it is stopped and closed; RF_EMISUSE on a host's loop. */
RF_EXTERN int rf_service_run(rf_service *service);

/* Stops as above; safe to call again, and from a signal handler's uv callback. */
RF_EXTERN void rf_service_stop(rf_service *service);

/* Frees a service whose handles are closed (or that never started); NULL is a no-op. */
RF_EXTERN void rf_service_free(rf_service *service);

/* The loop the service runs on. */
RF_EXTERN struct uv_loop_s *rf_service_loop(rf_service *service);

/* What an operator should hear of — a connection closed for an error, a slow subscriber, a
 * plate fault, the journal failing — one line each, as it happens (NULL: nothing). */
typedef void (*rf_service_log_fn)(const char *line, void *payload);
RF_EXTERN void rf_service_set_log(rf_service *service, rf_service_log_fn log, void *payload);

/* Counts for health and metrics. Set `version` to RF_SERVICE_STATS_VERSION before the call. */
#define RF_SERVICE_STATS_VERSION 1
typedef struct rf_service_stats {
  uint32_t version;
  uint64_t records;               /* records taken from gateways (set aside included) */
  uint64_t set_aside;             /* of which set aside */
  uint64_t acks;                  /* acknowledgements sent */
  uint64_t outputs;               /* output messages made (the last output seq) */
  uint64_t published;             /* of which durable, given to subscribers */
  uint64_t days;                  /* days finished */
  uint64_t advances;              /* times wall time moved the clock */
  uint64_t gateways, subscribers; /* connections open now */
  uint64_t connections;           /* accepted since the start */
  uint64_t refused; /* connections closed for an error (bad frames, slow subscribers) */
  uint64_t journal_entries;
  uint64_t replayed; /* entries replayed at the start */
  uint64_t syncs;    /* journal syncs, and the time they took */
  uint64_t sync_ns;
} rf_service_stats;
RF_EXTERN int rf_service_get_stats(const rf_service *service, rf_service_stats *out);

/* The host running today's store (NULL before the start, and after a day's finish until the
 * next day's first record). */
RF_EXTERN const rf_host *rf_service_host(const rf_service *service);

RF_EXTERN const char *rf_service_errmsg(const rf_service *service);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_SERVICE_H */
