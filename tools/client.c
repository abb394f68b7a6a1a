/* A client connection to a service (client.h). */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct write_req {
  uv_write_t req;
  char data[];
} write_req;

static int split_tcp(const char *spec, struct sockaddr_storage *addr) {
  char host[64];
  const char *colon = strrchr(spec, ':');
  if (colon == NULL || colon == spec || (size_t)(colon - spec) >= sizeof host) return -1;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || colon[1] == '\0' || port <= 0 || port > 65535) return -1;
  memcpy(host, spec, (size_t)(colon - spec));
  host[colon - spec] = '\0';
  if (host[0] == '[' && host[strlen(host) - 1] == ']') {
    host[strlen(host) - 1] = '\0';
    return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)addr);
  }
  return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)addr);
}

int client_check_address(const char *address, char *why, size_t cap) {
  struct sockaddr_storage addr;
  if (strncmp(address, "tcp://", 6) == 0 && split_tcp(address + 6, &addr) == 0) return 0;
  if (strncmp(address, "unix:", 5) == 0 && address[5] != '\0') return 0;
  snprintf(why, cap, "'%s' is not tcp://HOST:PORT (a port above 0) or unix:PATH", address);
  return -1;
}

static void closed(uv_handle_t *h) {
  client_conn *c = h->data;
  c->open = 0;
  rf_wire_decoder_free(c->dec);
  c->dec = NULL;
  if (c->on_closed) c->on_closed(c, c->why[0] ? c->why : NULL);
}

void client_close(client_conn *c, const char *why) {
  if (c->closing || !c->open) return;
  c->closing = 1;
  if (why != NULL) snprintf(c->why, sizeof c->why, "%s", why);
  uv_close(&c->h.handle, closed);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  client_conn *c = h->data;
  *buf = uv_buf_init(c->readbuf, sizeof c->readbuf);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  client_conn *c = s->data;
  (void)buf;
  if (nread < 0) {
    client_close(c, nread == UV_EOF ? NULL : uv_strerror((int)nread));
    return;
  }
  if (nread == 0 || c->closing) return;
  if (rf_wire_decoder_feed(c->dec, c->readbuf, (size_t)nread) != 0) {
    client_close(c, "out of memory");
    return;
  }
  rf_wire_msg m;
  int rc;
  while (!c->closing && (rc = rf_wire_decoder_next(c->dec, &m)) != RF_ITEROVER) {
    if (rc != 0) {
      client_close(c, rf_wire_decoder_errmsg(c->dec));
      return;
    }
    if (c->on_message(c, &m) != 0) return;
  }
}

static void connected(uv_connect_t *req, int status) {
  client_conn *c = req->data;
  if (status == 0 && rf_wire_decoder_new(&c->dec, 0, NULL) != 0) status = UV_ENOMEM;
  if (status == 0) status = uv_read_start(&c->h.stream, alloc_cb, read_cb);
  if (status != 0) {
    snprintf(c->why, sizeof c->why, "%s", uv_strerror(status));
    c->closing = 1;
    uv_close(&c->h.handle, closed);
  }
  c->on_connected(c, status);
}

int client_connect(client_conn *c, uv_loop_t *loop, const char *address) {
  c->why[0] = '\0';
  c->closing = 0;
  c->connect_req.data = c;
  struct sockaddr_storage addr;
  int rc;
  if (strncmp(address, "tcp://", 6) == 0) {
    if (split_tcp(address + 6, &addr) != 0) return UV_EINVAL;
    uv_tcp_init(loop, &c->h.tcp);
    c->h.handle.data = c;
    c->open = 1;
    rc = uv_tcp_connect(&c->connect_req, &c->h.tcp, (struct sockaddr *)&addr, connected);
    if (rc == 0) uv_tcp_nodelay(&c->h.tcp, 1);
  } else {
    uv_pipe_init(loop, &c->h.pipe, 0);
    c->h.handle.data = c;
    c->open = 1;
    uv_pipe_connect(&c->connect_req, &c->h.pipe, address + 5, connected);
    rc = 0;
  }
  if (rc != 0) {
    snprintf(c->why, sizeof c->why, "%s", uv_strerror(rc));
    c->closing = 1;
    uv_close(&c->h.handle, closed);
  }
  return rc;
}

static void written(uv_write_t *req, int status) {
  (void)status; /* a failed write ends the connection; its read callback says so */
  free(req);
}

int client_write(client_conn *c, const void *data, size_t len) {
  if (!c->open || c->closing || len == 0) return 0;
  write_req *w = malloc(sizeof *w + len);
  if (w == NULL) return UV_ENOMEM;
  memcpy(w->data, data, len);
  uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
  int rc = uv_write(&w->req, &c->h.stream, &buf, 1, written);
  if (rc != 0) free(w);
  return rc;
}

size_t client_queued(const client_conn *c) {
  return c->open ? uv_stream_get_write_queue_size(&c->h.stream) : 0;
}

int client_hello(client_conn *c, rf_wire_role role, const char *source, int64_t from) {
  rf_wire_encoder *enc = NULL;
  rf_wire_msg hello = {.kind = RF_WIRE_HELLO};
  hello.u.hello = (rf_wire_hello){role, source, from};
  int rc = rf_wire_encoder_new(&enc, RF_FORMAT_PB, NULL);
  if (rc == 0) rc = rf_wire_encode(enc, &hello);
  if (rc == 0) {
    size_t len;
    const uint8_t *data = rf_wire_encoder_data(enc, &len);
    client_write(c, data, len);
  }
  rf_wire_encoder_free(enc);
  return rc;
}

unsigned client_backoff(unsigned *ms) {
  unsigned now = *ms;
  *ms = *ms * 2 > CLIENT_RETRY_MOST_MS ? CLIENT_RETRY_MOST_MS : *ms * 2;
  return now;
}
