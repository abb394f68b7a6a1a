/* The service's HTTP port (Debian's http-parser over libuv): GET /healthz, GET /metrics (the
 * Prometheus text format), GET /carts/<shopper> (JSON), GET /calibration (JSON). One request per
 * connection: the answer ends with the connection closed. */
#include <http_parser.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "internal.h"
#include "io/json_write.h"
#include "retailfuse/status.h"

#define MOST_URL 1024

typedef struct http_conn {
  uv_tcp_t tcp;
  rf_service *svc;
  struct http_conn *prev, *next; /* the service's open ones, closed at its stop */
  http_parser parser;
  char url[MOST_URL + 1];
  size_t url_len;
  int too_long, answered;
  uv_write_t write;
  rf__jbuf out;
  char readbuf[4096];
} http_conn;

static void http_closed(uv_handle_t *h) {
  http_conn *c = h->data;
  rf_service *svc = c->svc;
  if (c->prev) c->prev->next = c->next;
  else svc->http_conns = c->next;
  if (c->next) c->next->prev = c->prev;
  rf__jbuf_free(&c->out);
  rf__free(&svc->alloc, c);
  svc->open_handles--;
}

static void written(uv_write_t *req, int status) {
  (void)status;
  http_conn *c = req->data;
  if (!uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, http_closed);
}

static void answer(http_conn *c, int code, const char *reason, const char *type, const char *body,
                   size_t len) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n",
                   code, reason, type, len);
  rf__jbuf reply;
  rf__jbuf_init(&reply, &c->svc->alloc);
  rf__jbuf_raw(&reply, head, (size_t)n);
  rf__jbuf_raw(&reply, body, len);
  rf__jbuf_free(&c->out);
  c->out = reply;
  c->answered = 1;
  uv_read_stop((uv_stream_t *)&c->tcp);
  if (reply.failed) {
    uv_close((uv_handle_t *)&c->tcp, http_closed);
    return;
  }
  uv_buf_t buf = uv_buf_init(c->out.data, (unsigned)c->out.len);
  c->write.data = c;
  if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, written) != 0)
    uv_close((uv_handle_t *)&c->tcp, http_closed);
}

static void text(http_conn *c, int code, const char *reason, const char *body) {
  answer(c, code, reason, "text/plain; charset=utf-8", body, strlen(body));
}

/* A cart as JSON: {"shopper":"s","items":[{"sku":"a","qty":2}]}; 404 for a shopper unknown. */
static void cart(http_conn *c, const char *shopper) {
  rf_service *svc = c->svc;
  const rf_engine *engine = svc->host ? rf_host_engine(svc->host) : NULL;
  const rf_store *store = svc->host ? rf_host_store(svc->host) : NULL;
  uint32_t n = store ? rf_store_product_count(store) : 0;
  int64_t *qty = rf__calloc(&svc->alloc, n + 1, sizeof *qty);
  if (qty == NULL) return text(c, 503, "Service Unavailable", "out of memory\n");
  if (engine == NULL || rf_engine_cart(engine, shopper, qty) != 0) {
    rf__free(&svc->alloc, qty);
    return text(c, 404, "Not Found", "no such shopper today\n");
  }
  rf__jbuf b;
  rf__jbuf_init(&b, &svc->alloc);
  rf__jbuf_cstr(&b, "{\"shopper\":");
  rf__jbuf_string(&b, shopper);
  rf__jbuf_cstr(&b, ",\"items\":[");
  int first = 1;
  for (uint32_t p = 0; p < n; ++p) {
    rf_product_def def;
    if (qty[p] == 0 || rf_store_product(store, p, &def) != 0) continue;
    rf__jbuf_cstr(&b, first ? "{\"sku\":" : ",{\"sku\":");
    rf__jbuf_string(&b, def.sku);
    rf__jbuf_cstr(&b, ",\"qty\":");
    rf__jbuf_int(&b, qty[p]);
    rf__jbuf_cstr(&b, "}");
    first = 0;
  }
  rf__jbuf_cstr(&b, "]}\n");
  rf__free(&svc->alloc, qty);
  if (b.failed) text(c, 503, "Service Unavailable", "out of memory\n");
  else answer(c, 200, "OK", "application/json", b.data, b.len);
  rf__jbuf_free(&b);
}

/* Today's calibration as JSON (scales.c); 404 before the day's first record. */
static void calibration(http_conn *c) {
  rf__jbuf b;
  rf__jbuf_init(&b, &c->svc->alloc);
  int rc = svc_scales_json(c->svc, &b);
  if (rc == RF_ENOTFOUND) text(c, 404, "Not Found", "no day has begun\n");
  else if (rc != 0) text(c, 503, "Service Unavailable", "out of memory\n");
  else answer(c, 200, "OK", "application/json", b.data, b.len);
  rf__jbuf_free(&b);
}

/* "%41" and the like in a path, decoded in place; -1 for a bad escape or a NUL. */
static int unescape(char *s) {
  char *w = s;
  for (const char *r = s; *r; ++r) {
    if (*r != '%') {
      *w++ = *r;
      continue;
    }
    unsigned v;
    if (sscanf(r + 1, "%2x", &v) != 1 || v == 0 || !r[1] || !r[2]) return -1;
    *w++ = (char)v;
    r += 2;
  }
  *w = '\0';
  return 0;
}

static void route(http_conn *c) {
  if (c->too_long) return text(c, 414, "URI Too Long", "the path is too long\n");
  if (c->parser.method != HTTP_GET) return text(c, 405, "Method Not Allowed", "GET only\n");
  char *q = strchr(c->url, '?');
  if (q) *q = '\0';
  if (strcmp(c->url, "/healthz") == 0) return text(c, 200, "OK", "ok\n");
  if (strcmp(c->url, "/metrics") == 0) {
    rf__jbuf b;
    rf__jbuf_init(&b, &c->svc->alloc);
    if (svc_metrics_text(c->svc, &b) != 0) text(c, 503, "Service Unavailable", "out of memory\n");
    else answer(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    rf__jbuf_free(&b);
    return;
  }
  if (strncmp(c->url, "/carts/", 7) == 0 && c->url[7] != '\0' && unescape(c->url + 7) == 0 &&
      rf__utf8_valid(c->url + 7))
    return cart(c, c->url + 7);
  if (strcmp(c->url, "/calibration") == 0) return calibration(c);
  text(c, 404, "Not Found", "GET /healthz, /metrics, /carts/<shopper> or /calibration\n");
}

static int on_url(http_parser *p, const char *at, size_t len) {
  http_conn *c = p->data;
  if (c->url_len + len > MOST_URL) c->too_long = 1;
  else memcpy(c->url + c->url_len, at, len), c->url_len += len;
  c->url[c->url_len] = '\0';
  return 0;
}

static int on_complete(http_parser *p) {
  http_conn *c = p->data;
  if (!c->answered) route(c);
  return 1; /* one request per connection */
}

static const http_parser_settings settings = {.on_url = on_url, .on_message_complete = on_complete};

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  http_conn *c = h->data;
  *buf = uv_buf_init(c->readbuf, sizeof c->readbuf);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  http_conn *c = s->data;
  if (c->answered || nread == 0) return; /* 0: nothing this time (not the end) */
  if (nread < 0) {
    uv_close((uv_handle_t *)&c->tcp, http_closed);
    return;
  }
  http_parser_execute(&c->parser, &settings, buf->base, (size_t)nread);
  if (!c->answered && HTTP_PARSER_ERRNO(&c->parser) != HPE_OK)
    text(c, 400, "Bad Request", http_errno_description(HTTP_PARSER_ERRNO(&c->parser)));
}

void svc_http_accept(uv_stream_t *server, int status) {
  svc_listener *l = server->data;
  rf_service *svc = l->svc;
  if (status < 0 || svc->stopping) return;
  http_conn *c = rf__calloc(&svc->alloc, 1, sizeof *c);
  if (c == NULL) return;
  c->svc = svc;
  rf__jbuf_init(&c->out, &svc->alloc);
  uv_tcp_init(svc->loop, &c->tcp);
  c->tcp.data = c;
  svc->open_handles++;
  c->next = svc->http_conns;
  if (c->next) c->next->prev = c;
  svc->http_conns = c;
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
      uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) != 0)
    uv_close((uv_handle_t *)&c->tcp, http_closed);
}

void svc_http_close_all(rf_service *svc) {
  for (http_conn *c = svc->http_conns; c != NULL; c = c->next)
    if (!uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, http_closed);
}
