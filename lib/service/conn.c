/* Connections: accepted, read into their decoder, told what they are by their first message,
 * written to with bounded queues, and closed — after an error message that names the reason,
 * when there is one — without any other connection noticing. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "internal.h"
#include "retailfuse/status.h"

/* How long a closed connection's last message (an error) may take to leave. */
#define CLOSE_WAIT_MS 1000

typedef struct svc_write {
  uv_write_t req;
  svc_conn *c;
  char data[];
} svc_write;

size_t svc_queued(const svc_conn *c) { return uv_stream_get_write_queue_size(&c->h.stream); }

static void unlink_conn(svc_conn *c) {
  rf_service *svc = c->svc;
  if (c->prev) c->prev->next = c->next;
  else svc->conns = c->next;
  if (c->next) c->next->prev = c->prev;
}

static void conn_closed(uv_handle_t *h) {
  svc_conn *c = h->data;
  if (--c->open_handles > 0) return;
  rf_service *svc = c->svc;
  unlink_conn(c);
  rf_wire_decoder_free(c->dec);
  rf_wire_decoder_free(c->logdec);
  rf_wire_encoder_free(c->enc);
  rf__free(&svc->alloc, c->source);
  rf__free(&svc->alloc, c);
  svc->open_handles--;
}

static void close_handles(svc_conn *c) {
  if (!uv_is_closing(&c->h.handle)) uv_close(&c->h.handle, conn_closed);
  if (!uv_is_closing((uv_handle_t *)&c->close_timer)) {
    uv_timer_stop(&c->close_timer);
    uv_close((uv_handle_t *)&c->close_timer, conn_closed);
  }
}

static void stop_reading(svc_conn *c) {
  if (c->reading) uv_read_stop(&c->h.stream);
  c->reading = 0;
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  svc_conn *c = h->data;
  buf->base = c->svc->readbuf;
  buf->len = sizeof c->svc->readbuf;
}

static void start_reading(svc_conn *c) {
  if (!c->reading && !c->closing && uv_read_start(&c->h.stream, alloc_cb, read_cb) == 0)
    c->reading = 1;
}

static void write_done(uv_write_t *req, int status) {
  svc_write *w = (svc_write *)req;
  svc_conn *c = w->c;
  rf__free(&c->svc->alloc, w);
  if (c->closing) {
    if (c->close_after_write && svc_queued(c) == 0) close_handles(c);
    return;
  }
  if (status < 0) { /* the peer went away */
    svc_close(c, NULL);
    return;
  }
  if (c->role == SVC_GATEWAY && !c->reading && svc_queued(c) < c->svc->opt.gateway_queue_bytes / 2)
    start_reading(c);
  if (c->role == SVC_SUBSCRIBER) svc_pump(c);
}

int svc_send(svc_conn *c, const void *data, size_t len) {
  if (len == 0 || uv_is_closing(&c->h.handle)) return 0;
  svc_write *w = rf__malloc(&c->svc->alloc, sizeof *w + len);
  if (w == NULL) return RF_ENOMEM;
  w->c = c;
  memcpy(w->data, data, len);
  uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
  if (uv_write(&w->req, &c->h.stream, &buf, 1, write_done) != 0) {
    rf__free(&c->svc->alloc, w);
    return RF_EIO;
  }
  c->sent_bytes += len;
  return 0;
}

int svc_send_encoded(svc_conn *c) {
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(c->enc, &len);
  int rc = svc_send(c, data, len);
  rf_wire_encoder_clear(c->enc);
  return rc;
}

static void close_timeout(uv_timer_t *t) { close_handles(t->data); }

static void begin_closing(svc_conn *c) {
  stop_reading(c);
  c->closing = 1;
  if (c->role == SVC_GATEWAY) c->svc->stats.gateways--;
  if (c->role == SVC_SUBSCRIBER) c->svc->stats.subscribers--;
}

void svc_close_gently(svc_conn *c) {
  if (c->closing) return;
  begin_closing(c);
  if (svc_queued(c) == 0) {
    close_handles(c);
    return;
  }
  c->close_after_write = 1;
  uv_timer_start(&c->close_timer, close_timeout, CLOSE_WAIT_MS, 0);
}

void svc_close(svc_conn *c, const char *why) {
  if (c->closing) return;
  rf_service *svc = c->svc;
  begin_closing(c);
  if (why == NULL) {
    close_handles(c);
    return;
  }
  svc->stats.refused++;
  svc_logf(svc, "connection %llu closed: %s", (unsigned long long)c->id, why);
  /* Acks not yet due stay unsent (their records come again). An encoder that has sent nothing
   * yet still owes the peer a protocol-buffer stream's header: a new one begins with it. */
  if (c->sent_bytes == 0) {
    rf_wire_encoder_free(c->enc);
    c->enc = NULL;
  }
  rf_wire_encoder_clear(c->enc);
  rf_wire_msg m = {.kind = RF_WIRE_ERROR};
  m.u.error = why;
  if (c->enc == NULL && rf_wire_encoder_new(&c->enc, rf_wire_decoder_format(c->dec), &svc->alloc))
    c->enc = NULL;
  if (c->enc == NULL || rf_wire_encode(c->enc, &m) != 0 || svc_send_encoded(c) != 0) {
    close_handles(c);
    return;
  }
  c->close_after_write = 1;
  uv_timer_start(&c->close_timer, close_timeout, CLOSE_WAIT_MS, 0);
}

/* The first message: what the connection is. */
static int hello(svc_conn *c, const rf_wire_msg *m) {
  rf_service *svc = c->svc;
  if (m->kind != RF_WIRE_HELLO ||
      (m->u.hello.role != RF_WIRE_GATEWAY && m->u.hello.role != RF_WIRE_SUBSCRIBER)) {
    svc_close(c, "the first message must be a hello from a gateway or a subscriber");
    return RF_EPARSE;
  }
  if (rf_wire_encoder_new(&c->enc, rf_wire_decoder_format(c->dec), &svc->alloc) != 0) {
    svc_close(c, "out of memory");
    return RF_ENOMEM;
  }
  if (m->u.hello.role == RF_WIRE_SUBSCRIBER) return svc_subscriber_hello(c, m);
  c->role = SVC_GATEWAY;
  svc->stats.gateways++;
  if (m->u.hello.source != NULL &&
      (c->source = rf__strdup(&svc->alloc, m->u.hello.source)) == NULL) {
    svc_close(c, "out of memory");
    return RF_ENOMEM;
  }
  /* a protocol-buffer stream's header goes out with the first ack */
  return 0;
}

static void take_messages(svc_conn *c) {
  rf_wire_msg m;
  int rc;
  while (!c->closing && (rc = rf_wire_decoder_next(c->dec, &m)) != RF_ITEROVER) {
    if (rc != 0) {
      svc_close(c, rf_wire_decoder_errmsg(c->dec));
      return;
    }
    if (c->role == SVC_NEW) rc = hello(c, &m);
    else if (c->role == SVC_GATEWAY) rc = svc_gateway_message(c, &m);
    /* a subscriber has nothing more to say: what it sends is read and passed over */
  }
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  svc_conn *c = stream->data;
  (void)buf;
  if (nread == 0) return;
  if (nread < 0) {
    size_t half = rf_wire_decoder_pending(c->dec);
    if (half > 0)
      svc_logf(c->svc, "connection %llu ended %zu bytes into a message: they are dropped",
               (unsigned long long)c->id, half);
    svc_close(c, NULL);
    return;
  }
  c->svc->input_this_round = 1;
  c->svc->read_ns = uv_hrtime();
  if (rf_wire_decoder_feed(c->dec, c->svc->readbuf, (size_t)nread) != 0) {
    svc_close(c, "out of memory");
    return;
  }
  take_messages(c);
  /* a gateway that does not read its acks is not read from until it does */
  if (c->role == SVC_GATEWAY && !c->closing && svc_queued(c) > c->svc->opt.gateway_queue_bytes)
    stop_reading(c);
}

static svc_conn *new_conn(rf_service *svc, int is_tcp) {
  svc_conn *c = rf__calloc(&svc->alloc, 1, sizeof *c);
  if (c == NULL) return NULL;
  c->svc = svc;
  c->id = ++svc->next_conn_id;
  int rc = is_tcp ? uv_tcp_init(svc->loop, &c->h.tcp) : uv_pipe_init(svc->loop, &c->h.pipe, 0);
  if (rc != 0) {
    rf__free(&svc->alloc, c);
    return NULL;
  }
  uv_timer_init(svc->loop, &c->close_timer);
  c->h.handle.data = c;
  c->close_timer.data = c;
  c->open_handles = 2;
  svc->open_handles++; /* until both are closed */
  c->next = svc->conns;
  if (svc->conns) svc->conns->prev = c;
  svc->conns = c;
  return c;
}

void svc_accept(uv_stream_t *server, int status) {
  svc_listener *l = server->data;
  rf_service *svc = l->svc;
  if (status < 0 || svc->stopping) return;
  svc_conn *c = new_conn(svc, l->is_tcp);
  if (c == NULL) {
    svc_logf(svc, "cannot take a connection: out of memory");
    return;
  }
  if (uv_accept(server, &c->h.stream) != 0 ||
      rf_wire_decoder_new(&c->dec, svc->opt.max_frame, &svc->alloc) != 0) {
    svc_close(c, NULL);
    return;
  }
  if (l->is_tcp) uv_tcp_nodelay(&c->h.tcp, 1);
  svc->stats.connections++;
  start_reading(c);
}
