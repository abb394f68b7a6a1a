/* Listening sockets: "tcp://HOST:PORT" (IPv4, or IPv6 in brackets) and "unix:PATH". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "internal.h"
#include "retailfuse/status.h"

#define BACKLOG 128

/* host and port of "tcp://HOST:PORT" into addr; 0 or RF_EINVAL. */
static int tcp_address(const char *spec, struct sockaddr_storage *addr) {
  char host[64];
  const char *colon = strrchr(spec, ':');
  if (colon == NULL || colon == spec || (size_t)(colon - spec) >= sizeof host) return RF_EINVAL;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535) return RF_EINVAL;
  memcpy(host, spec, (size_t)(colon - spec));
  host[colon - spec] = '\0';
  if (host[0] == '[') { /* [::1] */
    size_t n = strlen(host);
    if (n < 3 || host[n - 1] != ']') return RF_EINVAL;
    host[n - 1] = '\0';
    return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)addr) == 0 ? 0 : RF_EINVAL;
  }
  return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)addr) == 0 ? 0 : RF_EINVAL;
}

/* The address a TCP listener bound, as "tcp://HOST:PORT". */
static void tcp_bound(uv_tcp_t *tcp, char *bound, size_t cap) {
  struct sockaddr_storage addr;
  int len = sizeof addr;
  char host[64] = "";
  uv_tcp_getsockname(tcp, (struct sockaddr *)&addr, &len);
  if (addr.ss_family == AF_INET6) {
    uv_ip6_name((struct sockaddr_in6 *)&addr, host, sizeof host);
    snprintf(bound, cap, "tcp://[%s]:%d", host, ntohs(((struct sockaddr_in6 *)&addr)->sin6_port));
  } else {
    uv_ip4_name((struct sockaddr_in *)&addr, host, sizeof host);
    snprintf(bound, cap, "tcp://%s:%d", host, ntohs(((struct sockaddr_in *)&addr)->sin_port));
  }
}

static void listener_closed(uv_handle_t *h) {
  svc_listener *l = h->data;
  l->svc->open_handles--;
}

void svc_listeners_close(rf_service *svc) {
  for (svc_listener *l = svc->listeners; l != NULL; l = l->next)
    if (!uv_is_closing(&l->h.handle)) uv_close(&l->h.handle, listener_closed);
}

static int listen_tcp(rf_service *svc, svc_listener *l, const struct sockaddr_storage *addr,
                      const char *spec, char *bound, size_t cap, uv_connection_cb on_accept) {
  int rc = uv_tcp_bind(&l->h.tcp, (const struct sockaddr *)addr, 0);
  if (rc == 0) rc = uv_listen(&l->h.stream, BACKLOG, on_accept);
  if (rc != 0) return rf__error(&svc->err, RF_EIO, "tcp://%s: %s", spec, uv_strerror(rc));
  tcp_bound(&l->h.tcp, bound, cap);
  return 0;
}

static int listen_unix(rf_service *svc, svc_listener *l, const char *path, char *bound,
                       size_t cap) {
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* left by a killed service */
  int rc = uv_pipe_bind(&l->h.pipe, path);
  if (rc == 0) rc = uv_listen(&l->h.stream, BACKLOG, svc_accept);
  if (rc != 0) return rf__error(&svc->err, RF_EIO, "unix:%s: %s", path, uv_strerror(rc));
  snprintf(bound, cap, "unix:%s", path);
  return 0;
}

static int listen_on(rf_service *svc, const char *address, char *bound, size_t cap, int http) {
  if (svc == NULL || address == NULL || (bound == NULL && cap > 0)) return RF_EINVAL;
  if (!svc->started || svc->stopping)
    return rf__error(&svc->err, RF_EMISUSE, "listening comes after the start");
  int is_tcp = strncmp(address, "tcp://", 6) == 0;
  if (http && !is_tcp)
    return rf__error(&svc->err, RF_EINVAL, "'%s': HTTP listens on tcp://HOST:PORT", address);
  if (!is_tcp && strncmp(address, "unix:", 5) != 0)
    return rf__error(&svc->err, RF_EINVAL, "'%s': an address is tcp://HOST:PORT or unix:PATH",
                     address);
  struct sockaddr_storage addr;
  if (is_tcp && tcp_address(address + 6, &addr) != 0)
    return rf__error(&svc->err, RF_EINVAL, "'%s': not tcp://HOST:PORT", address);
  if (!is_tcp && address[5] == '\0')
    return rf__error(&svc->err, RF_EINVAL, "'%s': no path", address);
  svc_listener *l = rf__calloc(&svc->alloc, 1, sizeof *l);
  if (l == NULL) return RF_ENOMEM;
  l->svc = svc;
  l->is_tcp = is_tcp;
  if (is_tcp) uv_tcp_init(svc->loop, &l->h.tcp);
  else uv_pipe_init(svc->loop, &l->h.pipe, 0);
  l->h.handle.data = l;
  l->next = svc->listeners; /* closed with the others at the stop */
  svc->listeners = l;
  svc->open_handles++;
  char scratch[1];
  if (bound == NULL) bound = scratch, cap = sizeof scratch;
  int rc = is_tcp ? listen_tcp(svc, l, &addr, address + 6, bound, cap,
                               http ? svc_http_accept : svc_accept)
                  : listen_unix(svc, l, address + 5, bound, cap);
  if (rc != 0) uv_close(&l->h.handle, listener_closed);
  return rc;
}

int rf_service_listen(rf_service *svc, const char *address, char *bound, size_t cap) {
  return listen_on(svc, address, bound, cap, 0);
}

int rf_service_listen_http(rf_service *svc, const char *address, char *bound, size_t cap) {
  return listen_on(svc, address, bound, cap, 1);
}
