/* Subscribers: told the seq they begin with, then given the published output log from there —
 * its bytes as they are to a protocol-buffer subscriber, each message written again as a JSON
 * line to a JSON one — never more at once than a bounded write queue, and disconnected when
 * what was made since they came and they have not taken passes the bound. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "retailfuse/status.h"

#define QUEUE_BYTES (256u << 10) /* written ahead of a subscriber at most */
#define CHUNK_BYTES (64u << 10)
#define SNDBUF_MOST (1u << 20)

int svc_subscriber_hello(svc_conn *c, const rf_wire_msg *m) {
  rf_service *svc = c->svc;
  int64_t from;
  if (svc_outlog_find(&svc->out, m->u.hello.from, &c->off, &from) != 0) {
    svc_close(c, "the output log does not read");
    return RF_EIO;
  }
  c->role = SVC_SUBSCRIBER;
  svc->stats.subscribers++;
  /* The kernel's send buffer is part of what a subscriber may lag by: left to grow on its own
   * (to megabytes on loopback), it would hide a subscriber that never reads. */
  int sndbuf = (int)(svc->opt.subscriber_lag_bytes / 2 < SNDBUF_MOST
                         ? svc->opt.subscriber_lag_bytes / 2
                         : SNDBUF_MOST);
  uv_send_buffer_size(&c->h.handle, &sndbuf);
  c->joined_end = svc->out.pub_end;
  int rc = 0;
  if (rf_wire_decoder_format(c->dec) == RF_FORMAT_JSONL) { /* the log's frames are decoded */
    uint8_t header[64];
    size_t n = svc->out.header_len;
    rc = rf_wire_decoder_new(&c->logdec, 0, &svc->alloc);
    if (rc == 0 && (n > sizeof header || svc_outlog_read(&svc->out, 0, header, n) != (long)n))
      rc = RF_EIO;
    if (rc == 0) rc = rf_wire_decoder_feed(c->logdec, header, n);
  }
  rf_wire_msg welcome = {.kind = RF_WIRE_HELLO};
  welcome.u.hello = (rf_wire_hello){RF_WIRE_SERVICE, NULL, from};
  if (rc == 0) rc = rf_wire_encode(c->enc, &welcome);
  if (rc == 0) rc = svc_send_encoded(c);
  if (rc != 0) {
    svc_close(c, "out of memory");
    return rc;
  }
  svc_pump(c);
  return 0;
}

/* A chunk of the log as JSON lines: its whole messages decoded and encoded again. */
static int send_as_json(svc_conn *c, const void *chunk, size_t n) {
  int rc = rf_wire_decoder_feed(c->logdec, chunk, n);
  rf_wire_msg m;
  while (rc == 0 && (rc = rf_wire_decoder_next(c->logdec, &m)) == 0)
    rc = rf_wire_encode(c->enc, &m);
  if (rc != RF_ITEROVER) return rc;
  return svc_send_encoded(c);
}

static int too_slow(svc_conn *c) {
  const svc_outlog *log = &c->svc->out;
  uint64_t since = c->off > c->joined_end ? c->off : c->joined_end;
  uint64_t waiting = log->pub_end > since ? log->pub_end - since : 0;
  if (waiting <= c->svc->opt.subscriber_lag_bytes) return 0;
  char why[160];
  snprintf(why, sizeof why,
           "a subscriber too slow: %llu bytes of output made since it came wait for it, over "
           "the bound of %zu",
           (unsigned long long)waiting, c->svc->opt.subscriber_lag_bytes);
  svc_close(c, why);
  return 1;
}

void svc_pump(svc_conn *c) {
  rf_service *svc = c->svc;
  uint8_t chunk[CHUNK_BYTES];
  /* never more written ahead than the lag a subscriber is allowed */
  size_t ahead = svc->opt.subscriber_lag_bytes < QUEUE_BYTES ? svc->opt.subscriber_lag_bytes
                                                             : QUEUE_BYTES;
  while (!c->closing && c->off < svc->out.pub_end && svc_queued(c) < ahead) {
    long n = svc_outlog_read(&svc->out, c->off, chunk, sizeof chunk);
    int rc = n <= 0              ? RF_EIO
             : c->logdec != NULL ? send_as_json(c, chunk, (size_t)n)
                                 : svc_send(c, chunk, (size_t)n);
    if (rc != 0) {
      svc_close(c, rc == RF_ENOMEM ? "out of memory" : "the output log does not read");
      return;
    }
    c->off += (uint64_t)n;
  }
  if (!c->closing) too_slow(c);
}

void svc_pump_all(rf_service *svc) {
  for (svc_conn *c = svc->conns; c != NULL; c = c->next)
    if (c->role == SVC_SUBSCRIBER && !c->closing) svc_pump(c);
}
