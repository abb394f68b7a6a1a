/* retailfuse watch: subscribes to a service and writes its diffs and receipts as `retailfuse
 * run` writes them (JSON Lines, or protocol buffers when OUT ends in .pb), plate faults and
 * sources going stale as lines on standard error. A connection that drops is made again,
 * resuming from the output after the last one it has, until interrupted — or, with
 * --until-finish, until the end of a day's output. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

typedef struct watch {
  uv_loop_t *loop;
  const char *address, *out_path;
  rf_scenario_writer *out;
  client_conn conn;
  int64_t next; /* the output seq wanted next */
  int until_finish, done, failed, stopped;
  double timeout_s;
  uint64_t down_since_ms;
  unsigned retry_ms;
  uv_timer_t retry, watchdog;
  uv_signal_t sigint, sigterm;
  uint64_t written;
} watch;

static void connect_now(watch *w);

static void stop(watch *w) {
  if (w->stopped) return;
  w->stopped = 1;
  uv_close((uv_handle_t *)&w->retry, NULL);
  uv_close((uv_handle_t *)&w->watchdog, NULL);
  uv_close((uv_handle_t *)&w->sigint, NULL);
  uv_close((uv_handle_t *)&w->sigterm, NULL);
  client_close(&w->conn, NULL);
}

static void on_connected(client_conn *c, int status) {
  watch *w = c->payload;
  if (status != 0) return;
  if (client_hello(c, RF_WIRE_SUBSCRIBER, NULL, w->next) != 0) {
    client_close(c, "out of memory");
    return;
  }
  w->retry_ms = CLIENT_RETRY_FIRST_MS;
  w->down_since_ms = 0;
}

static int output(watch *w, const rf_wire_msg *m) {
  switch (m->kind) {
    case RF_WIRE_RECORD:
      if (rf_scenario_writer_write(w->out, &m->u.record) != 0) {
        fprintf(stderr, "retailfuse watch: %s\n", rf_scenario_writer_errmsg(w->out));
        return -1;
      }
      w->written++;
      return 0;
    case RF_WIRE_FAULT:
      fprintf(stderr, "retailfuse watch: plate '%s': %s at %.3f s\n", m->u.fault.plate,
              rf_plate_fault_name(m->u.fault.fault), (double)m->u.fault.t / 1e6);
      return 0;
    case RF_WIRE_SOURCE:
      fprintf(stderr, "retailfuse watch: source '%s' %s at %.3f s\n", m->u.source.source,
              m->u.source.stale ? "went quiet" : "is back", (double)m->u.source.t / 1e6);
      return 0;
    default: return 0; /* the end of a day */
  }
}

static int on_message(client_conn *c, const rf_wire_msg *m) {
  watch *w = c->payload;
  if (m->kind == RF_WIRE_HELLO) {
    w->next = m->u.hello.from; /* the service's log begins there */
    return 0;
  }
  if (m->kind == RF_WIRE_ERROR) {
    fprintf(stderr, "retailfuse watch: the service closed the subscription: %s\n", m->u.error);
    return 0; /* the connection ends; it is made again */
  }
  if (m->kind == RF_WIRE_ACK) return 0;
  if (output(w, m) != 0) {
    w->failed = 1;
    stop(w);
    return 1;
  }
  w->next++;
  if (m->kind == RF_WIRE_FINISH && w->until_finish) {
    w->done = 1;
    stop(w);
    return 1;
  }
  rf_scenario_writer_flush(w->out); /* the file is current whenever a message is in */
  return 0;
}

static void retry_now(uv_timer_t *t) { connect_now(t->data); }

static void on_closed(client_conn *c, const char *why) {
  watch *w = c->payload;
  (void)why;
  if (w->stopped) return;
  if (w->down_since_ms == 0) w->down_since_ms = uv_now(w->loop);
  uv_timer_start(&w->retry, retry_now, client_backoff(&w->retry_ms), 0);
}

static void connect_now(watch *w) {
  memset(&w->conn, 0, sizeof w->conn);
  w->conn.payload = w;
  w->conn.on_connected = on_connected;
  w->conn.on_message = on_message;
  w->conn.on_closed = on_closed;
  client_connect(&w->conn, w->loop, w->address);
}

static void watchdog_tick(uv_timer_t *t) {
  watch *w = t->data;
  if (w->timeout_s <= 0 || w->down_since_ms == 0 ||
      (double)(uv_now(w->loop) - w->down_since_ms) < w->timeout_s * 1e3)
    return;
  fprintf(stderr, "retailfuse watch: no service at %s for %g s: giving up\n", w->address,
          w->timeout_s);
  w->failed = 1;
  stop(w);
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  stop(h->data);
}

enum { OPT_OUT, OPT_FROM, OPT_UNTIL_FINISH, OPT_TIMEOUT, OPT_COUNT };

static const cli_option watch_options[OPT_COUNT] = {
    [OPT_OUT] = {"-o", NULL, "OUT",
                 "write to OUT (default: standard output; protocol buffers when OUT ends in "
                 ".pb)"},
    [OPT_FROM] = {"--from", NULL, "SEQ", "start from output SEQ (default 1: all of it)"},
    [OPT_UNTIL_FINISH] = {"--until-finish", NULL, NULL,
                          "stop when a day's output ends (else: until interrupted)"},
    [OPT_TIMEOUT] = {"--timeout", NULL, "SECONDS",
                     "give up after that long without a connection (default: never)"},
};

const cli_command watch_command = {
    "watch",
    "ADDR [OPTION]...",
    "Subscribes to the service at ADDR (tcp://HOST:PORT or unix:PATH) and writes its diffs and\n"
    "receipts as they are made; reconnects and resumes where it was when the connection drops.\n",
    watch_options,
    OPT_COUNT,
    NULL};

static int parse_args(int argc, char **argv, watch *w) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int opt = cli_option_find(&watch_command, a);
    if (opt >= 0 && watch_options[opt].value != NULL && i + 1 >= argc)
      return usage_error("watch: %s needs a value", a);
    char *end = NULL;
    if (opt == OPT_OUT) w->out_path = argv[++i];
    else if (opt == OPT_FROM) {
      w->next = strtoll(argv[++i], &end, 10);
      if (*end != '\0' || w->next < 1)
        return usage_error("watch: --from takes an output seq (1 or more), got '%s'", argv[i]);
    } else if (opt == OPT_TIMEOUT) {
      w->timeout_s = strtod(argv[++i], &end);
      if (*end != '\0' || !(w->timeout_s >= 0))
        return usage_error("watch: --timeout takes seconds, got '%s'", argv[i]);
    } else if (opt == OPT_UNTIL_FINISH) w->until_finish = 1;
    else if (a[0] == '-' && a[1] != '\0') return usage_error("watch: unknown option '%s'", a);
    else if (w->address != NULL) return usage_error("watch: takes one ADDR");
    else w->address = a;
  }
  char why[200];
  if (w->address == NULL) return usage_error("watch: no ADDR given");
  if (client_check_address(w->address, why, sizeof why) != 0) return usage_error("watch: %s", why);
  return 0;
}

int cmd_watch(int argc, char **argv) {
  watch w = {.next = 1, .retry_ms = CLIENT_RETRY_FIRST_MS};
  int rc = parse_args(argc, argv, &w);
  if (rc != 0) return rc;
  const char *path = w.out_path ? w.out_path : "-";
  if ((rc = rf_scenario_writer_open(&w.out, path, NULL)) == 0 &&
      rf_scenario_format_of_path(path) == RF_FORMAT_PB)
    rc = rf_scenario_writer_set_format(w.out, RF_FORMAT_PB);
  if (rc != 0) {
    fprintf(stderr, "retailfuse watch: cannot write '%s': %s\n", path, rf_strerror(rc));
    rf_scenario_writer_close(w.out);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  w.loop = uv_default_loop();
  uv_timer_init(w.loop, &w.retry);
  uv_timer_init(w.loop, &w.watchdog);
  uv_signal_init(w.loop, &w.sigint);
  uv_signal_init(w.loop, &w.sigterm);
  w.retry.data = w.watchdog.data = w.sigint.data = w.sigterm.data = &w;
  uv_timer_start(&w.watchdog, watchdog_tick, 100, 100);
  uv_signal_start(&w.sigint, on_signal, SIGINT);
  uv_signal_start(&w.sigterm, on_signal, SIGTERM);
  w.down_since_ms = uv_now(w.loop);
  connect_now(&w);
  uv_run(w.loop, UV_RUN_DEFAULT);
  uv_loop_close(w.loop);
  if (rf_scenario_writer_close(w.out) != 0) w.failed = 1;
  return w.failed ? 1 : 0;
}
