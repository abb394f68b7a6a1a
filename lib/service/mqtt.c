/* MQTT (libmosquitto) on the service's own loop, through the client's socket — no second thread:
 * a uv_poll watches the socket (writable only while libmosquitto has bytes to send), a timer runs
 * its keepalive and reconnects. Messages on PREFIX/in/# are records (one per message, a JSON
 * object or a protobuf Record message) or a finish; each is journaled and taken as a gateway's
 * would be. Every published output goes to PREFIX/out/<kind> (diff, receipt, fault, source,
 * finish) as a JSON object, QoS 1, in order.
 *
 * The broker's QoS 1 handshake for a message coming in is libmosquitto's, done when the message
 * arrives; the record is journaled at once and synced with the next group commit. So over MQTT a
 * crash can lose what came within the last sync (--journal-sync every narrows it to the message
 * being read); the service's own socket protocol acknowledges only what is durable. */
#include <mosquitto.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "internal.h"
#include "retailfuse/status.h"

#define KEEPALIVE_S 30
#define TICK_MS 500
#define RECONNECT_MS 1000

struct svc_mqtt {
  rf_service *svc;
  struct mosquitto *mosq;
  char *host, *prefix, *in_topic;
  int port, fd, connected;
  uv_poll_t *poll; /* on the client's socket while it has one */
  uv_timer_t tick;
  uint64_t last_attempt_ms;
  uint64_t off;            /* the next byte of the output log to publish */
  rf_wire_decoder *logdec; /* the log's frames */
  rf_wire_encoder *json;   /* each output as a JSON object */
  uint64_t received, refused, published;
};

static void watch_socket(svc_mqtt *m);
static void poll_cb(uv_poll_t *h, int status, int events);

static int take_message(svc_mqtt *m, const void *payload, size_t len) {
  static const uint8_t header[] = {0x89, 'R', 'F', 'P', '\r', '\n', 0x1a, '\n', 1, 0};
  rf_wire_decoder *dec = NULL;
  int rc = rf_wire_decoder_new(&dec, m->svc->opt.max_frame, &m->svc->alloc);
  const uint8_t *p = payload;
  if (rc == 0 && len > 0 && p[0] != '{') { /* a bare Record message: framed as in a stream */
    uint8_t prefix[sizeof header + 10];
    size_t n = sizeof header;
    memcpy(prefix, header, n);
    for (uint64_t v = len;; v >>= 7) {
      prefix[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      if (v <= 0x7f) break;
    }
    rc = rf_wire_decoder_feed(dec, prefix, n);
  }
  if (rc == 0) rc = rf_wire_decoder_feed(dec, payload, len);
  if (rc == 0 && len > 0 && p[0] == '{') rc = rf_wire_decoder_feed(dec, "\n", 1);
  rf_wire_msg msg;
  int reason;
  char message[RF__ERRMSG_MAX + 64];
  if (rc == 0 && (rc = rf_wire_decoder_next(dec, &msg)) != 0)
    svc_logf(m->svc, "mqtt: a message that is not a record: %s", rf_wire_decoder_errmsg(dec));
  else if (rc == 0 && msg.kind == RF_WIRE_FINISH) rc = svc_ingest_finish(m->svc);
  else if (rc == 0 && msg.kind == RF_WIRE_RECORD)
    rc = svc_ingest(m->svc, &msg.u.record, NULL, &reason, message, sizeof message);
  else if (rc == 0) rc = RF_EPARSE;
  if (rc != 0 && rc != RF_SETASIDE && rc != RF_EPARSE)
    svc_logf(m->svc, "mqtt: %s", m->svc->err.msg);
  rf_wire_decoder_free(dec);
  return rc;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg) {
  (void)mosq;
  svc_mqtt *m = obj;
  m->received++;
  m->svc->input_this_round = 1;
  m->svc->read_ns = uv_hrtime();
  if (take_message(m, msg->payload, (size_t)msg->payloadlen) != 0) m->refused++;
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc) {
  svc_mqtt *m = obj;
  if (rc != 0) {
    svc_logf(m->svc, "mqtt: the broker refused: %s", mosquitto_connack_string(rc));
    return;
  }
  m->connected = 1;
  mosquitto_subscribe(mosq, NULL, m->in_topic, 1);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc) {
  (void)mosq;
  svc_mqtt *m = obj;
  m->connected = 0;
  if (rc != 0) svc_logf(m->svc, "mqtt: disconnected: %s", mosquitto_strerror(rc));
}

static void poll_cb(uv_poll_t *h, int status, int events) {
  svc_mqtt *m = h->data;
  int rc = MOSQ_ERR_SUCCESS;
  if (status == 0 && (events & UV_READABLE)) rc = mosquitto_loop_read(m->mosq, 1);
  if (rc == MOSQ_ERR_SUCCESS && status == 0 && (events & UV_WRITABLE))
    rc = mosquitto_loop_write(m->mosq, 1);
  if (status < 0 || rc != MOSQ_ERR_SUCCESS) m->connected = 0;
  watch_socket(m);
}

/* The poll follows libmosquitto's socket: made again when it changes, writable while it wants. */
static void poll_closed(uv_handle_t *h) {
  svc_mqtt *m = h->data;
  m->svc->open_handles--;
  rf__free(&m->svc->alloc, h);
}

static void tick_closed(uv_handle_t *h) {
  svc_mqtt *m = h->data;
  m->svc->open_handles--;
}

static void unwatch(svc_mqtt *m) {
  if (m->poll == NULL) return;
  uv_poll_stop(m->poll);
  uv_close((uv_handle_t *)m->poll, poll_closed);
  m->poll = NULL;
}

static void watch_socket(svc_mqtt *m) {
  int fd = mosquitto_socket(m->mosq);
  if (m->poll != NULL && fd != m->fd) unwatch(m);
  if (fd < 0 || m->svc->stopping) return;
  if (m->poll == NULL) {
    uv_poll_t *p = rf__malloc(&m->svc->alloc, sizeof *p);
    if (p == NULL || uv_poll_init_socket(m->svc->loop, p, fd) != 0) {
      rf__free(&m->svc->alloc, p);
      return;
    }
    p->data = m;
    m->svc->open_handles++;
    m->poll = p;
    m->fd = fd;
  }
  int events = UV_READABLE | (mosquitto_want_write(m->mosq) ? UV_WRITABLE : 0);
  uv_poll_start(m->poll, events, poll_cb);
}

static void tick(uv_timer_t *t) {
  svc_mqtt *m = t->data;
  uint64_t now = uv_now(m->svc->loop);
  if (mosquitto_socket(m->mosq) < 0 && now - m->last_attempt_ms >= RECONNECT_MS) {
    m->last_attempt_ms = now;
    mosquitto_reconnect(m->mosq);
  }
  mosquitto_loop_misc(m->mosq);
  watch_socket(m);
}

/* Published output not yet sent to the broker, each message to its topic. */
void svc_mqtt_publish(svc_mqtt *m) {
  if (m == NULL || !m->connected) return;
  const svc_outlog *log = &m->svc->out;
  uint8_t chunk[64 * 1024];
  char topic[512];
  while (m->off < log->pub_end) {
    long n = svc_outlog_read(log, m->off, chunk, sizeof chunk);
    if (n <= 0 || rf_wire_decoder_feed(m->logdec, chunk, (size_t)n) != 0) return;
    m->off += (uint64_t)n;
    rf_wire_msg msg;
    while (rf_wire_decoder_next(m->logdec, &msg) == 0) {
      const char *kind = msg.kind == RF_WIRE_RECORD ? rf_record_type_name(msg.u.record.type)
                                                    : rf_wire_kind_name(msg.kind);
      snprintf(topic, sizeof topic, "%s/out/%s", m->prefix, kind);
      rf_wire_encoder_clear(m->json);
      size_t len;
      const uint8_t *data;
      if (rf_wire_encode(m->json, &msg) != 0) continue;
      data = rf_wire_encoder_data(m->json, &len);
      if (len > 0 && data[len - 1] == '\n') --len; /* the object, without the line's end */
      if (mosquitto_publish(m->mosq, NULL, topic, (int)len, data, 1, false) == MOSQ_ERR_SUCCESS)
        m->published++;
    }
  }
  watch_socket(m);
}

static int setup(svc_mqtt *m, const char *host, int port, const char *prefix) {
  rf_service *svc = m->svc;
  size_t n = strlen(prefix) + 8;
  m->host = rf__strdup(&svc->alloc, host);
  m->prefix = rf__strdup(&svc->alloc, prefix);
  m->in_topic = rf__malloc(&svc->alloc, n);
  if (m->host == NULL || m->prefix == NULL || m->in_topic == NULL) return RF_ENOMEM;
  snprintf(m->in_topic, n, "%s/in/#", prefix);
  m->port = port;
  m->fd = -1;
  if (rf_wire_decoder_new(&m->logdec, 0, &svc->alloc) != 0 ||
      rf_wire_encoder_new(&m->json, RF_FORMAT_JSONL, &svc->alloc) != 0)
    return RF_ENOMEM;
  /* from the output made from now on: the log's header first */
  uint8_t header[64];
  size_t h = svc->out.header_len;
  if (h > sizeof header || svc_outlog_read(&svc->out, 0, header, h) != (long)h ||
      rf_wire_decoder_feed(m->logdec, header, h) != 0)
    return RF_EIO;
  m->off = svc->out.pub_end;
  char id[64];
  snprintf(id, sizeof id, "retailfuse-%.40s", prefix);
  mosquitto_lib_init();
  m->mosq = mosquitto_new(id, false, m); /* a lasting session: the broker keeps what comes */
  if (m->mosq == NULL) return RF_ENOMEM;
  mosquitto_connect_callback_set(m->mosq, on_connect);
  mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
  mosquitto_message_callback_set(m->mosq, on_message);
  return 0;
}

int rf_service_mqtt(rf_service *svc, const char *host, int port, const char *prefix) {
  if (svc == NULL || host == NULL || prefix == NULL || prefix[0] == '\0' || port <= 0 ||
      port > 65535)
    return RF_EINVAL;
  if (!svc->started || svc->stopping || svc->mqtt != NULL)
    return rf__error(&svc->err, RF_EMISUSE, "MQTT is set once, after the start");
  svc_mqtt *m = rf__calloc(&svc->alloc, 1, sizeof *m);
  if (m == NULL) return RF_ENOMEM;
  m->svc = svc;
  svc->mqtt = m;
  uv_timer_init(svc->loop, &m->tick); /* first: the stop closes it whatever follows */
  m->tick.data = m;
  svc->open_handles++;
  int rc = setup(m, host, port, prefix);
  if (rc != 0) return rf__error(&svc->err, rc, "mqtt: %s", rf_strerror(rc));
  uv_timer_start(&m->tick, tick, TICK_MS, TICK_MS);
  m->last_attempt_ms = uv_now(svc->loop);
  rc = mosquitto_connect(m->mosq, host, port, KEEPALIVE_S);
  if (rc != MOSQ_ERR_SUCCESS)
    svc_logf(svc, "mqtt: cannot connect to %s:%d (%s); trying again", host, port,
             mosquitto_strerror(rc));
  watch_socket(m);
  return 0;
}

void svc_mqtt_stop(svc_mqtt *m) {
  if (m == NULL) return;
  if (m->connected) {
    mosquitto_disconnect(m->mosq);
    mosquitto_loop_write(m->mosq, 1);
  }
  unwatch(m);
  uv_close((uv_handle_t *)&m->tick, tick_closed);
}

void svc_mqtt_free(svc_mqtt *m, const rf_allocator *a) {
  if (m == NULL) return;
  if (m->mosq) mosquitto_destroy(m->mosq);
  mosquitto_lib_cleanup();
  rf_wire_decoder_free(m->logdec);
  rf_wire_encoder_free(m->json);
  rf__free(a, m->host);
  rf__free(a, m->prefix);
  rf__free(a, m->in_topic);
  rf__free(a, m);
}
