/* retailfuse feed: a scenario's events sent to a service as its gateways would send them — one
 * connection per source, in the file's order across sources, each record numbered by its
 * source (its own seq, else its place among the source's records) — as fast as acks come, or at
 * --speed times store time. A window of records sent and not yet acknowledged bounds how far one
 * source may run ahead of the others. A connection that drops is made again and what it had not
 * acknowledged is sent again, until everything is: exit 0 then (after --finish's end of day).
 * The service refusing a stream (an error message) ends the feed with exit status 1. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "pipeline.h"

#define WINDOW 256 /* records sent and not yet acknowledged, over every source */
#define MOST_SOURCES 256

typedef struct sent {
  size_t off, len; /* in the gateway's bytes */
  int64_t seq;
  rf_time_us clock; /* the file's clock when it was read: the latest time read so far */
} sent;

typedef struct gateway {
  struct feed *feed;
  char *source;
  client_conn conn;
  int up;           /* connected, hello sent */
  int64_t next_seq; /* for records that carry none */
  rf_wire_encoder *enc;
  char *bytes; /* the encoded records not yet acknowledged, in order */
  size_t bytes_len, bytes_cap;
  sent *queue;                      /* their places: queue[head, count) */
  size_t head, count, cap, written; /* written: of them, sent on this connection */
  unsigned retry_ms;
  uv_timer_t retry;
} gateway;

typedef struct feed {
  uv_loop_t *loop;
  const char *address;
  rf_scenario_reader *reader;
  double speed;
  int finish, finish_sent, finished, failed, input_done, stopped;
  gateway *gateways[MOST_SOURCES];
  size_t gateway_count;
  size_t in_flight;
  uint64_t records, skipped, acked, set_aside, by_reason[RF_HOST_REASON_COUNT + 1];
  rf_time_us first_t, clock;
  int has_first, has_clock;
  double window_s;
  uint64_t start_ms, last_progress_ms;
  double timeout_s;
  uv_timer_t pace, watchdog;
  rf_record held; /* the record read next, waiting for its moment */
  gateway *held_for;
  int has_held;
} feed;

static const char *default_source(rf_record_type type) {
  if (type == RF_RECORD_DELTA || type == RF_RECORD_SAMPLES || type == RF_RECORD_RESTOCK)
    return "shelves";
  if (type == RF_RECORD_HAND) return "cameras";
  if (type == RF_RECORD_REVIEW) return "reviews";
  return "tracker";
}

static void stop_all(feed *f);
static void refill(feed *f);
static void send_finish(feed *f);
static void connect_gateway(gateway *g);

/* ---- a gateway's connection ---- */

static void send_from(gateway *g, size_t from) {
  for (size_t k = from; k < g->count; ++k) {
    const sent *s = &g->queue[g->head + k];
    client_write(&g->conn, g->bytes + s->off, s->len);
  }
  g->written = g->count;
}

static void on_connected(client_conn *c, int status) {
  gateway *g = c->payload;
  if (status != 0) return; /* on_closed follows and retries */
  if (client_hello(c, RF_WIRE_GATEWAY, g->source, 0) != 0) {
    client_close(c, "out of memory");
    return;
  }
  g->up = 1;
  g->retry_ms = CLIENT_RETRY_FIRST_MS;
  send_from(g, 0); /* whatever was not acknowledged, again */
  feed *f = g->feed;
  if (f->finish_sent && !f->finished && g == f->gateways[0]) { /* its ack may have been lost */
    f->finish_sent = 0;
    send_finish(f);
  }
}

/* What was acknowledged leaves the front of the gateway's bytes and queue, so that a long feed
 * that never drains holds only what is in flight. */
static void compact(gateway *g) {
  size_t from = g->queue[g->head].off;
  memmove(g->bytes, g->bytes + from, g->bytes_len - from);
  g->bytes_len -= from;
  memmove(g->queue, g->queue + g->head, g->count * sizeof *g->queue);
  g->head = 0;
  for (size_t k = 0; k < g->count; ++k) g->queue[k].off -= from;
}

/* The oldest record sent is acknowledged. */
static int take_ack(gateway *g, const rf_wire_ack *ack) {
  feed *f = g->feed;
  if (ack->finish) {
    f->finished = 1;
    stop_all(f);
    return 1;
  }
  if (g->count == 0 || (ack->has_seq && ack->seq != g->queue[g->head].seq)) {
    fprintf(stderr, "retailfuse feed: source '%s': an ack for seq %lld, not for what was sent\n",
            g->source, (long long)ack->seq);
    f->failed = 1;
    stop_all(f);
    return 1;
  }
  g->head++;
  g->count--;
  g->written--;
  f->in_flight--;
  f->acked++;
  f->last_progress_ms = uv_now(f->loop);
  if (ack->reason != NULL) {
    int r = 0;
    while (r < RF_HOST_REASON_COUNT && strcmp(rf_host_reason_name(r), ack->reason) != 0) ++r;
    f->by_reason[r]++; /* the last slot: a reason this build does not know */
    f->set_aside++;
  }
  if (g->count == 0) g->head = g->bytes_len = 0;
  else if (g->head >= 4096 && g->head > g->count) compact(g);
  return 0;
}

static int on_message(client_conn *c, const rf_wire_msg *m) {
  gateway *g = c->payload;
  feed *f = g->feed;
  if (m->kind == RF_WIRE_ACK) {
    if (take_ack(g, &m->u.ack) != 0) return 1;
    refill(f);
    return 0;
  }
  if (m->kind == RF_WIRE_ERROR) {
    fprintf(stderr, "retailfuse feed: the service refused source '%s': %s\n", g->source,
            m->u.error);
    f->failed = 1;
    stop_all(f);
    return 1;
  }
  return 0; /* nothing else is for a gateway */
}

static void retry_now(uv_timer_t *t) { connect_gateway(t->data); }

static void on_closed(client_conn *c, const char *why) {
  gateway *g = c->payload;
  feed *f = g->feed;
  g->up = 0;
  g->written = 0;
  (void)why;
  if (f->stopped) return;
  uv_timer_start(&g->retry, retry_now, client_backoff(&g->retry_ms), 0);
}

static void connect_gateway(gateway *g) {
  memset(&g->conn, 0, sizeof g->conn);
  g->conn.payload = g;
  g->conn.on_connected = on_connected;
  g->conn.on_message = on_message;
  g->conn.on_closed = on_closed;
  client_connect(&g->conn, g->feed->loop, g->feed->address);
}

/* ---- the records ---- */

static gateway *gateway_of(feed *f, const char *source) {
  for (size_t k = 0; k < f->gateway_count; ++k)
    if (strcmp(f->gateways[k]->source, source) == 0) return f->gateways[k];
  if (f->gateway_count == MOST_SOURCES) return NULL;
  gateway *g = calloc(1, sizeof *g);
  if (g == NULL || (g->source = strdup(source)) == NULL ||
      rf_wire_encoder_new(&g->enc, RF_FORMAT_PB, NULL) != 0) {
    if (g) free(g->source);
    free(g);
    return NULL;
  }
  rf_wire_encoder_clear(g->enc); /* its stream header goes out with each connection's hello */
  g->feed = f;
  g->next_seq = 1;
  g->retry_ms = CLIENT_RETRY_FIRST_MS;
  uv_timer_init(f->loop, &g->retry);
  g->retry.data = g;
  f->gateways[f->gateway_count++] = g;
  connect_gateway(g);
  return g;
}

/* The record encoded at the end of the gateway's bytes, sent when it is up. 0 or -1. */
static int enqueue(gateway *g, rf_record *rec, rf_time_us clock) {
  if (!rec->has_seq) {
    rec->has_seq = 1;
    rec->seq = g->next_seq;
  }
  g->next_seq = rec->seq + 1;
  rf_wire_msg m = {.kind = RF_WIRE_RECORD};
  m.u.record = *rec;
  if (rf_wire_encode(g->enc, &m) != 0) {
    fprintf(stderr, "retailfuse feed: line %llu: %s\n", (unsigned long long)rec->line,
            rf_wire_encoder_errmsg(g->enc));
    return -1;
  }
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(g->enc, &len);
  if (g->bytes_len + len > g->bytes_cap) {
    size_t cap = g->bytes_cap ? g->bytes_cap : 65536;
    while (cap < g->bytes_len + len) cap *= 2;
    char *p = realloc(g->bytes, cap);
    if (p == NULL) return -1;
    g->bytes = p;
    g->bytes_cap = cap;
  }
  if (g->head + g->count == g->cap) {
    if (g->head > 0) { /* acknowledged ones leave room at the front */
      memmove(g->queue, g->queue + g->head, g->count * sizeof *g->queue);
      g->head = 0;
    } else {
      size_t cap = g->cap ? 2 * g->cap : 64;
      sent *q = realloc(g->queue, cap * sizeof *q);
      if (q == NULL) return -1;
      g->queue = q;
      g->cap = cap;
    }
  }
  memcpy(g->bytes + g->bytes_len, data, len);
  g->queue[g->head + g->count++] = (sent){g->bytes_len, len, rec->seq, clock};
  g->bytes_len += len;
  rf_wire_encoder_clear(g->enc);
  g->feed->in_flight++;
  g->feed->records++;
  if (g->up) send_from(g, g->written);
  return 0;
}

static rf_time_us record_time(const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_SAMPLES: return r->u.samples.t;
    case RF_RECORD_DELTA: return r->u.delta.t1;
    case RF_RECORD_HAND: return r->u.hand.t1;
    case RF_RECORD_RESTOCK: return r->u.restock.t1;
    case RF_RECORD_LINK: return r->u.link.t;
    case RF_RECORD_POSITION: return r->u.position.t;
    default: return r->u.enter.t;
  }
}

/* When the held record goes, on the file's clock: a review bears no time and goes where it
 * stands in the file. */
static rf_time_us held_time(const feed *f) {
  return f->held.type == RF_RECORD_REVIEW ? f->clock : record_time(&f->held);
}

/* The file's clock when the oldest record not yet acknowledged was read. */
static int oldest_in_flight(const feed *f, rf_time_us *clock) {
  int any = 0;
  for (size_t k = 0; k < f->gateway_count; ++k) {
    const gateway *g = f->gateways[k];
    if (g->count == 0) continue;
    rf_time_us c = g->queue[g->head].clock;
    if (!any || c < *clock) *clock = c;
    any = 1;
  }
  return any;
}

static void pace_due(uv_timer_t *t) { refill(t->data); }

/* Whether the held record may go now: the window has room, it is no further ahead of the
 * oldest record in flight than window_s of store time (so that the service, reading each
 * source's connection in turn, takes them close to the file's order), and with --speed its
 * moment has come (else a timer is set). */
static int may_send(feed *f) {
  rf_time_us oldest = 0;
  if (f->in_flight >= WINDOW) return 0;
  if (oldest_in_flight(f, &oldest) && (double)(f->clock - oldest) > f->window_s * 1e6) return 0;
  if (f->speed <= 0) return 1;
  rf_time_us t = held_time(f);
  if (!f->has_first) f->first_t = t, f->has_first = 1;
  double due_ms = (double)(t - f->first_t) / 1e3 / f->speed;
  uint64_t now = uv_now(f->loop) - f->start_ms;
  if (due_ms <= (double)now) return 1;
  if (!uv_is_active((uv_handle_t *)&f->pace))
    uv_timer_start(&f->pace, pace_due, (uint64_t)(due_ms - (double)now) + 1, 0);
  return 0;
}

/* The next event of the file into f->held (the reader's strings stay valid: it is not read
 * again until the record is sent). 0, or RF_ITEROVER at the end. */
static int read_next(feed *f) {
  int rc;
  while ((rc = rf_scenario_reader_next(f->reader, &f->held)) != RF_ITEROVER) {
    if (rc != 0) {
      fprintf(stderr, "retailfuse feed: %s (left out)\n", rf_scenario_reader_errmsg(f->reader));
      f->skipped++;
      continue;
    }
    if ((f->held.type < RF_RECORD_ENTER || f->held.type > RF_RECORD_HAND) &&
        f->held.type != RF_RECORD_RESTOCK && f->held.type != RF_RECORD_REVIEW) {
      f->skipped++; /* the store (its cameras and zones too), outputs, truth: not a gateway's */
      continue;
    }
    f->held_for = gateway_of(f, f->held.source ? f->held.source : default_source(f->held.type));
    if (f->held_for == NULL) {
      fprintf(stderr, "retailfuse feed: out of memory, or more than %d sources\n", MOST_SOURCES);
      return RF_ENOMEM;
    }
    rf_time_us t = held_time(f);
    if (!f->has_clock || t > f->clock) f->clock = t;
    f->has_clock = 1;
    f->has_held = 1;
    return 0;
  }
  f->input_done = 1;
  return rc;
}

static void send_finish(feed *f) {
  if (f->finish_sent || f->gateway_count == 0) return;
  gateway *g = f->gateways[0];
  if (!g->up) return; /* sent when it is back: see refill */
  rf_wire_msg m = {.kind = RF_WIRE_FINISH};
  if (rf_wire_encode(g->enc, &m) == 0) {
    size_t len;
    const uint8_t *data = rf_wire_encoder_data(g->enc, &len);
    client_write(&g->conn, data, len);
  }
  rf_wire_encoder_clear(g->enc);
  f->finish_sent = 1;
}

/* Sends records while the window lets them go; at the end, the finish or the stop. */
static void refill(feed *f) {
  while (!f->input_done && !f->stopped) {
    int rc = f->has_held ? 0 : read_next(f);
    if (rc == RF_ITEROVER || (rc == 0 && !may_send(f))) break;
    f->has_held = 0;
    if (rc != 0 || enqueue(f->held_for, &f->held, f->clock) != 0) {
      f->failed = 1;
      stop_all(f);
      return;
    }
  }
  if (f->input_done && f->in_flight == 0 && !f->stopped) {
    if (f->finish && f->gateway_count > 0) send_finish(f);
    else stop_all(f);
  }
}

static void watchdog_tick(uv_timer_t *t) {
  feed *f = t->data;
  if (f->finish && f->finish_sent == 0 && f->input_done && f->in_flight == 0) send_finish(f);
  if (f->timeout_s <= 0 || (double)(uv_now(f->loop) - f->last_progress_ms) < f->timeout_s * 1e3)
    return;
  fprintf(stderr, "retailfuse feed: no acknowledgement from %s for %g s: giving up\n", f->address,
          f->timeout_s);
  f->failed = 1;
  stop_all(f);
}

static void stop_all(feed *f) {
  if (f->stopped) return;
  f->stopped = 1;
  uv_timer_stop(&f->pace);
  uv_timer_stop(&f->watchdog);
  uv_close((uv_handle_t *)&f->pace, NULL);
  uv_close((uv_handle_t *)&f->watchdog, NULL);
  for (size_t k = 0; k < f->gateway_count; ++k) {
    gateway *g = f->gateways[k];
    uv_timer_stop(&g->retry);
    if (!uv_is_closing((uv_handle_t *)&g->retry)) uv_close((uv_handle_t *)&g->retry, NULL);
    client_close(&g->conn, NULL);
  }
}

enum { OPT_TO, OPT_SPEED, OPT_FINISH, OPT_TIMEOUT, OPT_WINDOW, OPT_COUNT };

static const cli_option feed_options[OPT_COUNT] = {
    [OPT_TO] = {"--to", NULL, "ADDR", "the service: tcp://HOST:PORT or unix:PATH (required)"},
    [OPT_SPEED] = {"--speed", NULL, "X",
                   "send at X times store time (default: as fast as acks come)"},
    [OPT_FINISH] = {"--finish", NULL, NULL,
                    "end the day once everything is acknowledged: everything open is decided "
                    "and every receipt due is made"},
    [OPT_TIMEOUT] = {"--timeout", NULL, "SECONDS",
                     "give up after that long without an acknowledgement (default 60 s, 0: "
                     "never)"},
    [OPT_WINDOW] = {"--window", NULL, "SECONDS",
                    "how far in store time a record may be read ahead of the oldest one not yet "
                    "acknowledged (default 0.5 s), so that the sources arrive close to the "
                    "file's order"},
};

const cli_command feed_command = {
    "feed",
    "FILE --to ADDR [OPTION]...",
    "Sends FILE's events to the service at ADDR as its gateways would: one connection per\n"
    "source, in the file's order across sources. A connection that drops is made again and\n"
    "what was not acknowledged is sent again. At the end a line on standard error counts the\n"
    "records acknowledged and those set aside.\n",
    feed_options,
    OPT_COUNT,
    NULL};

static int parse_args(int argc, char **argv, feed *f, const char **path) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int opt = cli_option_find(&feed_command, a);
    if (opt >= 0 && feed_options[opt].value != NULL && i + 1 >= argc)
      return usage_error("feed: %s needs a value", a);
    char *end = NULL;
    if (opt == OPT_TO) f->address = argv[++i];
    else if (opt == OPT_SPEED) {
      f->speed = strtod(argv[++i], &end);
      if (*end != '\0' || !(f->speed > 0))
        return usage_error("feed: --speed takes a positive number, got '%s'", argv[i]);
    } else if (opt == OPT_TIMEOUT) {
      f->timeout_s = strtod(argv[++i], &end);
      if (*end != '\0' || !(f->timeout_s >= 0))
        return usage_error("feed: --timeout takes seconds, got '%s'", argv[i]);
    } else if (opt == OPT_WINDOW) {
      f->window_s = strtod(argv[++i], &end);
      if (*end != '\0' || !(f->window_s > 0))
        return usage_error("feed: --window takes seconds of store time, got '%s'", argv[i]);
    } else if (opt == OPT_FINISH) f->finish = 1;
    else if (a[0] == '-' && a[1] != '\0') return usage_error("feed: unknown option '%s'", a);
    else if (*path != NULL) return usage_error("feed: takes one FILE");
    else *path = a;
  }
  char why[200];
  if (*path == NULL) return usage_error("feed: no FILE given");
  if (f->address == NULL) return usage_error("feed: no --to ADDR given");
  if (client_check_address(f->address, why, sizeof why) != 0) return usage_error("feed: %s", why);
  return 0;
}

static void print_summary(const feed *f) {
  fprintf(stderr, "retailfuse feed: %llu records acknowledged from %zu sources",
          (unsigned long long)f->acked, f->gateway_count);
  if (f->set_aside > 0) {
    fprintf(stderr, "; %llu set aside:", (unsigned long long)f->set_aside);
    const char *sep = " ";
    for (int r = 0; r <= RF_HOST_REASON_COUNT; ++r)
      if (f->by_reason[r] > 0) {
        fprintf(stderr, "%s%llu %s", sep, (unsigned long long)f->by_reason[r],
                r < RF_HOST_REASON_COUNT ? rf_host_reason_name(r) : "other");
        sep = ", ";
      }
  }
  fprintf(stderr, "%s\n", f->finished ? "; the day finished" : "");
}

int cmd_feed(int argc, char **argv) {
  static feed f; /* large: the gateways' table */
  memset(&f, 0, sizeof f);
  f.timeout_s = 60;
  f.window_s = 0.5;
  const char *path = NULL;
  int rc = parse_args(argc, argv, &f, &path);
  if (rc != 0) return rc;
  if ((rc = rf_scenario_reader_open(&f.reader, path, NULL, NULL)) != 0) {
    fprintf(stderr, "retailfuse feed: cannot read '%s': %s\n", path, rf_strerror(rc));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  f.loop = uv_default_loop();
  f.start_ms = f.last_progress_ms = uv_now(f.loop);
  uv_timer_init(f.loop, &f.pace);
  uv_timer_init(f.loop, &f.watchdog);
  f.pace.data = f.watchdog.data = &f;
  uv_timer_start(&f.watchdog, watchdog_tick, 100, 100);
  refill(&f);
  uv_run(f.loop, UV_RUN_DEFAULT);
  print_summary(&f);
  for (size_t k = 0; k < f.gateway_count; ++k) {
    gateway *g = f.gateways[k];
    rf_wire_encoder_free(g->enc);
    free(g->bytes);
    free(g->queue);
    free(g->source);
    free(g);
  }
  rf_scenario_reader_free(f.reader);
  uv_loop_close(f.loop);
  return f.failed || !(f.finished || (!f.finish && f.input_done && f.in_flight == 0)) ? 1 : 0;
}
