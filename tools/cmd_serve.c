/* retailfuse serve: a store's engine as a service (retailfuse/service.h). It prints the
 * addresses it bound as its first line on standard output, what an operator should hear of on
 * standard error, and stops cleanly — the journal synced, every durable record acknowledged —
 * on SIGINT or SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"
#include "pipeline.h"

#define MOST_LISTENERS 8
#define MOST_SETTINGS 128

typedef struct serve_args {
  const char *store, *journal, *journal_sync, *method, *http, *mqtt, *topic, *calibration_seed;
  const char *listen[MOST_LISTENERS];
  int listen_count;
  run_setting settings[MOST_SETTINGS]; /* --param, then --source-delay when is_delay */
  int is_delay[MOST_SETTINGS];
  int setting_count;
  rf_service_options opt;
} serve_args;

enum {
  OPT_STORE,
  OPT_LISTEN,
  OPT_HTTP,
  OPT_MQTT,
  OPT_TOPIC,
  OPT_JOURNAL,
  OPT_JOURNAL_SYNC,
  OPT_METHOD,
  OPT_PARAM,
  OPT_SOURCE_DELAY,
  OPT_IDLE,
  OPT_MAX_FRAME,
  OPT_GATEWAY_QUEUE,
  OPT_SUBSCRIBER_LAG,
  OPT_CALIBRATION_SEED,
  OPT_COUNT
};

static const cli_option serve_options[OPT_COUNT] = {
    [OPT_STORE] = {"--store", NULL, "STORE",
                   "the store description: a file whose first records are the store's (a "
                   "scenario file will do); required"},
    [OPT_LISTEN] = {"--listen", NULL, "ADDR",
                    "take gateways and subscribers at ADDR, tcp://HOST:PORT (port 0: a free one) "
                    "or unix:PATH (repeatable, at least one)"},
    [OPT_HTTP] = {"--http", NULL, "tcp://HOST:PORT",
                  "serve GET /healthz, /metrics, /carts/<shopper> and /calibration there"},
    [OPT_MQTT] = {"--mqtt", NULL, "HOST:PORT",
                  "take records from an MQTT broker's PREFIX/in/# and publish output to "
                  "PREFIX/out/<kind> (with --topic)"},
    [OPT_TOPIC] = {"--topic", NULL, "PREFIX", "the MQTT topics' prefix (with --mqtt)"},
    [OPT_JOURNAL] = {"--journal", NULL, "DIR",
                     "journal every record in DIR, and restore the engine from it on a restart"},
    [OPT_JOURNAL_SYNC] = {"--journal-sync", NULL, "every|interval|never",
                          "when the journal is made durable: after every record, every 10 ms "
                          "(default) or never"},
    [OPT_METHOD] = {"--method", NULL, "fused|greedy",
                    "the fusion engine (default) or the greedy baseline"},
    [OPT_PARAM] = {"--param", NULL, "NAME=VALUE",
                   "set a parameter of the method (repeatable; 'retailfuse run --list-params' "
                   "names them)"},
    [OPT_SOURCE_DELAY] = {"--source-delay", NULL, "SOURCE=SECONDS",
                          "allow one source this delay (repeatable)"},
    [OPT_IDLE] = {"--idle", NULL, "SECONDS",
                  "how long every source may be quiet before wall time moves the clock "
                  "(default 5 s; negative: never)"},
    [OPT_MAX_FRAME] = {"--max-frame", NULL, "BYTES",
                       "a longer frame closes its connection (default 16 MiB)"},
    [OPT_GATEWAY_QUEUE] = {"--gateway-queue", NULL, "BYTES",
                           "a gateway with more unread acks than this is not read from until "
                           "it reads them (default 1 MiB)"},
    [OPT_SUBSCRIBER_LAG] = {"--subscriber-lag", NULL, "BYTES",
                            "a subscriber this far behind the output is disconnected (default "
                            "64 MiB)"},
    [OPT_CALIBRATION_SEED] = {"--calibration-seed", NULL, "FILE",
                              "start the first day's plate gains and product weights from a file "
                              "of 'retailfuse run --calibration' (GET /calibration gives one); "
                              "each later day starts from the day before's"},
};

const cli_command serve_command = {
    "serve",
    "--store STORE --listen ADDR... [OPTION]...",
    "Runs one store's engine as a service: gateways send records to ADDR, subscribers get\n"
    "diffs and receipts as they are made. The addresses bound are the first line on standard\n"
    "output (then http://HOST:PORT for --http); SIGINT or SIGTERM stops it cleanly, the journal\n"
    "synced.\n",
    serve_options,
    OPT_COUNT,
    NULL};

static void log_line(const char *line, void *payload) {
  (void)payload;
  fprintf(stderr, "retailfuse serve: %s\n", line);
}

static uv_signal_t sigint_handle, sigterm_handle;

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  rf_service_stop(h->data);
  uv_close((uv_handle_t *)&sigint_handle, NULL);
  uv_close((uv_handle_t *)&sigterm_handle, NULL);
}

/* The store description at the start of `path`: its records up to the first event. */
static int read_store(rf_service *svc, const char *path) {
  rf_scenario_reader *r = NULL;
  int rc = rf_scenario_reader_open(&r, path, NULL, NULL);
  rf_record rec;
  size_t taken = 0;
  while (rc == 0 && (rc = rf_scenario_reader_next(r, &rec)) == 0) {
    if (rec.type > RF_RECORD_FACING && rec.type != RF_RECORD_CAMERA && rec.type != RF_RECORD_ZONE)
      break;
    if ((rc = rf_service_add_store(svc, &rec)) != 0)
      fprintf(stderr, "retailfuse serve: %s: line %llu: %s\n", path, (unsigned long long)rec.line,
              rf_service_errmsg(svc));
    taken++;
  }
  if (rc != 0 && rc != RF_ITEROVER && r != NULL && rf_scenario_reader_errmsg(r)[0])
    fprintf(stderr, "retailfuse serve: %s: %s\n", path, rf_scenario_reader_errmsg(r));
  else if (rc != 0 && rc != RF_ITEROVER && r == NULL)
    fprintf(stderr, "retailfuse serve: cannot read '%s': %s\n", path, rf_strerror(rc));
  rf_scenario_reader_free(r);
  if (rc == 0 || rc == RF_ITEROVER)
    return taken > 0
               ? 0
               : (fprintf(stderr, "retailfuse serve: '%s' holds no store description\n", path), 1);
  return 1;
}

static int size_value(const char *option, const char *v, size_t *out) {
  char *end;
  double x = strtod(v, &end);
  if (end == v || *end != '\0' || !(x >= 1 && x < 1e15))
    return usage_error("serve: %s takes a number of bytes, got '%s'", option, v);
  *out = (size_t)x;
  return 0;
}

static int parse_args(int argc, char **argv, serve_args *a) {
  for (int i = 1; i < argc; ++i) {
    int opt = cli_option_find(&serve_command, argv[i]), rc = 0;
    if (opt < 0) return usage_error("serve: unknown option '%s'", argv[i]);
    if (i + 1 >= argc)
      return opt == OPT_PARAM || opt == OPT_SOURCE_DELAY
                 ? usage_error("serve: %s needs NAME=VALUE", argv[i])
                 : usage_error("serve: %s needs a value", argv[i]);
    const char *option = argv[i], *v = argv[++i];
    const char *name;
    double x;
    char *end;
    switch (opt) {
      case OPT_STORE: a->store = v; break;
      case OPT_JOURNAL: a->journal = v; break;
      case OPT_JOURNAL_SYNC: a->journal_sync = v; break;
      case OPT_METHOD: a->method = v; break;
      case OPT_HTTP: a->http = v; break;
      case OPT_MQTT: a->mqtt = v; break;
      case OPT_TOPIC: a->topic = v; break;
      case OPT_CALIBRATION_SEED: a->calibration_seed = v; break;
      case OPT_LISTEN:
        if (a->listen_count == MOST_LISTENERS)
          return usage_error("serve: more than %d --listen", MOST_LISTENERS);
        a->listen[a->listen_count++] = v;
        break;
      case OPT_IDLE:
        a->opt.idle_s = strtod(v, &end);
        if (end == v || *end != '\0' || a->opt.idle_s == 0)
          return usage_error("serve: --idle takes seconds (not 0), got '%s'", v);
        break;
      case OPT_MAX_FRAME: rc = size_value(option, v, &a->opt.max_frame); break;
      case OPT_GATEWAY_QUEUE: rc = size_value(option, v, &a->opt.gateway_queue_bytes); break;
      case OPT_SUBSCRIBER_LAG: rc = size_value(option, v, &a->opt.subscriber_lag_bytes); break;
      default: /* --param, --source-delay */
        if (a->setting_count == MOST_SETTINGS)
          return usage_error("serve: more than %d settings", MOST_SETTINGS);
        if ((rc = name_value("serve", option, argv[i], &name, &x)) != 0) return rc;
        a->is_delay[a->setting_count] = opt == OPT_SOURCE_DELAY;
        a->settings[a->setting_count++] = (run_setting){name, x};
    }
    if (rc != 0) return rc;
  }
  if (a->store == NULL) return usage_error("serve: no --store given");
  if (a->listen_count == 0) return usage_error("serve: no --listen given");
  if ((a->mqtt == NULL) != (a->topic == NULL))
    return usage_error("serve: --mqtt HOST:PORT and --topic PREFIX go together");
  return 0;
}

static int seed_service(const rf_scale *s, void *payload, char *err, size_t cap) {
  if (rf_service_calibration_seed(payload, s) == 0) return 0;
  snprintf(err, cap, "--calibration-seed: %s", rf_service_errmsg(payload));
  return 1;
}

static int apply_args(const serve_args *a, rf_service *svc) {
  for (int k = 0; k < a->setting_count; ++k) {
    const run_setting *s = &a->settings[k];
    int rc = a->is_delay[k] ? rf_service_source_delay(svc, s->name, s->value)
                            : rf_service_param_set(svc, s->name, s->value);
    if (rc != 0) return usage_error("serve: %s", rf_service_errmsg(svc));
  }
  char err[512] = "";
  if (a->calibration_seed != NULL &&
      read_calibration_file(a->calibration_seed, seed_service, svc, err, sizeof err) != 0) {
    fprintf(stderr, "retailfuse serve: %s\n", err);
    return 1;
  }
  return read_store(svc, a->store);
}

static int listen_all(const serve_args *a, rf_service *svc) {
  char line[MOST_LISTENERS * 160] = "", bound[160];
  for (int k = 0; k < a->listen_count; ++k) {
    if (rf_service_listen(svc, a->listen[k], bound, sizeof bound) != 0) {
      fprintf(stderr, "retailfuse serve: cannot listen: %s\n", rf_service_errmsg(svc));
      return 1;
    }
    if (k > 0) strcat(line, " ");
    strncat(line, bound, sizeof line - strlen(line) - 1);
  }
  if (a->http != NULL) {
    if (rf_service_listen_http(svc, a->http, bound, sizeof bound) != 0) {
      fprintf(stderr, "retailfuse serve: cannot listen for HTTP: %s\n", rf_service_errmsg(svc));
      return 1;
    }
    strncat(line, " http://", sizeof line - strlen(line) - 1);
    strncat(line, bound + 6, sizeof line - strlen(line) - 1); /* past "tcp://" */
  }
  printf("%s\n", line);
  fflush(stdout);
  return 0;
}

/* --mqtt HOST:PORT --topic PREFIX */
static int start_mqtt(const serve_args *a, rf_service *svc) {
  if (a->mqtt == NULL) return 0;
  char host[256];
  const char *colon = strrchr(a->mqtt, ':');
  char *end;
  long port = colon ? strtol(colon + 1, &end, 10) : 0;
  if (colon == NULL || colon == a->mqtt || *end != '\0' || port <= 0 || port > 65535 ||
      (size_t)(colon - a->mqtt) >= sizeof host)
    return usage_error("serve: --mqtt takes HOST:PORT, got '%s'", a->mqtt);
  memcpy(host, a->mqtt, (size_t)(colon - a->mqtt));
  host[colon - a->mqtt] = '\0';
  if (rf_service_mqtt(svc, host, (int)port, a->topic) != 0) {
    fprintf(stderr, "retailfuse serve: %s\n", rf_service_errmsg(svc));
    return 1;
  }
  return 0;
}

static int options_from(serve_args *a) {
  if (a->method != NULL && strcmp(a->method, "greedy") == 0) a->opt.method = RF_METHOD_GREEDY;
  else if (a->method != NULL && strcmp(a->method, "fused") != 0)
    return usage_error("serve: unknown method '%s' (fused, greedy)", a->method);
  a->opt.journal_dir = a->journal;
  const char *sync = a->journal_sync;
  if (sync != NULL && a->journal == NULL)
    return usage_error("serve: --journal-sync needs --journal DIR");
  if (sync == NULL || strcmp(sync, "interval") == 0) a->opt.sync = RF_JOURNAL_SYNC_INTERVAL;
  else if (strcmp(sync, "every") == 0) a->opt.sync = RF_JOURNAL_SYNC_EVERY;
  else if (strcmp(sync, "never") == 0) a->opt.sync = RF_JOURNAL_SYNC_NEVER;
  else return usage_error("serve: --journal-sync takes every, interval or never, not '%s'", sync);
  return 0;
}

int cmd_serve(int argc, char **argv) {
  serve_args a = {.opt = RF_SERVICE_OPTIONS_INIT};
  int rc = parse_args(argc, argv, &a);
  if (rc != 0) return rc;
  if ((rc = options_from(&a)) != 0) return rc;
  rf_service *svc = NULL;
  if (rf_service_new(&svc, NULL, &a.opt, NULL) != 0) {
    fprintf(stderr, "retailfuse serve: out of memory\n");
    return 1;
  }
  rf_service_set_log(svc, log_line, NULL);
  rc = apply_args(&a, svc);
  if (rc == 0 && rf_service_start(svc) != 0) {
    fprintf(stderr, "retailfuse serve: %s\n", rf_service_errmsg(svc));
    rc = 1;
  }
  if (rc == 0) rc = start_mqtt(&a, svc);
  if (rc == 0) rc = listen_all(&a, svc);
  if (rc != 0) {
    rf_service_stop(svc);
    rf_service_run(svc);
    rf_service_free(svc);
    return rc;
  }
  signal(SIGPIPE, SIG_IGN);
  uv_signal_init(rf_service_loop(svc), &sigint_handle);
  uv_signal_init(rf_service_loop(svc), &sigterm_handle);
  sigint_handle.data = sigterm_handle.data = svc;
  uv_signal_start(&sigint_handle, on_signal, SIGINT);
  uv_signal_start(&sigterm_handle, on_signal, SIGTERM);
  rf_service_run(svc);
  rf_service_free(svc);
  return 0;
}
