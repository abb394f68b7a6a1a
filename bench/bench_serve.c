/* Load on a running service (bench/run-serve): G gateways over loopback send a scenario's events,
 * repeated R times (each repeat later by the scenario's span, its shoppers renamed), as fast as
 * acks come, at most W records in flight per gateway. Records go to the gateway of their shelf
 * (or plate) or shopper, so each gateway is one in-order source ("g<k>"). With TIMEWIN > 0, a
 * record is sent only once every gateway has had acked what came TIMEWIN seconds of store time
 * before it — the gateways keep pace with each other as a store's do, and the engine takes
 * their records as on time; with 0 they run free, each as fast as its acks come, and the engine
 * finds most records late (set aside: cheaper than taken). Prints one JSON line: records, bytes,
 * seconds, records/s, MB/s, and the set-aside reasons acked.
 * Repeats are numbered from FIRST (default 0), so that runs one after the other on the same
 * service go on where the last stopped (later times, new shoppers, new seqs).
 *   bench_serve ADDR SCENARIO GATEWAYS REPEAT WINDOW TIMEWIN [FIRST] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "retailfuse/retailfuse.h"

typedef struct gateway {
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_stream_t stream;
  } h;
  uv_connect_t connect;
  rf_wire_encoder *enc;
  rf_wire_decoder *dec;
  uint8_t *bytes; /* every frame, in order */
  size_t len, cap;
  size_t *ends;   /* where frame i ends */
  int64_t *times; /* frame i's latest time */
  int up;
  size_t count, cap_ends, sent, acked;
  char readbuf[65536];
} gateway;

static gateway *gateways;
static int gateway_count, window;
static double time_window_s;
static uint64_t total_acked, total_records, set_aside[RF_HOST_REASON_COUNT + 1];
static uint64_t started_ns, finished_ns;

static unsigned hash(const char *s) {
  unsigned h = 2166136261u;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static const char *entity(const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_DELTA: return r->u.delta.shelf;
    case RF_RECORD_HAND: return r->u.hand.shelf;
    case RF_RECORD_SAMPLES: return r->u.samples.plate;
    case RF_RECORD_LINK: return r->u.link.shopper;
    case RF_RECORD_POSITION: return r->u.position.shopper;
    default: return r->u.enter.shopper;
  }
}

static void append(gateway *g, const uint8_t *data, size_t n, int64_t t) {
  if (g->len + n > g->cap) {
    while (g->len + n > g->cap) g->cap = g->cap ? 2 * g->cap : 1 << 20;
    g->bytes = realloc(g->bytes, g->cap);
  }
  if (g->count == g->cap_ends) {
    g->cap_ends = g->cap_ends ? 2 * g->cap_ends : 4096;
    g->ends = realloc(g->ends, g->cap_ends * sizeof *g->ends);
    g->times = realloc(g->times, g->cap_ends * sizeof *g->times);
  }
  if (g->bytes == NULL || g->ends == NULL || g->times == NULL) {
    fprintf(stderr, "bench_serve: out of memory\n");
    exit(1);
  }
  memcpy(g->bytes + g->len, data, n);
  g->len += n;
  g->times[g->count] = t;
  g->ends[g->count++] = g->len;
}

/* The repeat r of a record: its times later by r * span, its shoppers renamed. */
static void shift(rf_record *r, int64_t by, int repeat, char *a, char *b) {
  if (repeat == 0) return;
  switch (r->type) {
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT:
      r->u.enter.t += by;
      snprintf(a, 128, "%s~%d", r->u.enter.shopper, repeat);
      r->u.enter.shopper = a;
      break;
    case RF_RECORD_LINK:
      r->u.link.t += by;
      snprintf(a, 128, "%s~%d", r->u.link.shopper, repeat);
      snprintf(b, 128, "%s~%d", r->u.link.cart, repeat);
      r->u.link.shopper = a;
      r->u.link.cart = b;
      break;
    case RF_RECORD_POSITION:
      r->u.position.t += by;
      snprintf(a, 128, "%s~%d", r->u.position.shopper, repeat);
      r->u.position.shopper = a;
      break;
    case RF_RECORD_SAMPLES: r->u.samples.t += by; break;
    case RF_RECORD_DELTA:
      r->u.delta.t0 += by;
      r->u.delta.t1 += by;
      break;
    case RF_RECORD_HAND:
      r->u.hand.t0 += by;
      r->u.hand.t1 += by;
      if (r->u.hand.shopper) {
        snprintf(a, 128, "%s~%d", r->u.hand.shopper, repeat);
        r->u.hand.shopper = a;
      }
      break;
    default: break;
  }
}

static int64_t last_time(const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_DELTA: return r->u.delta.t1;
    case RF_RECORD_HAND: return r->u.hand.t1;
    case RF_RECORD_SAMPLES:
      return r->u.samples.t + (int64_t)r->u.samples.count * r->u.samples.dt_us;
    case RF_RECORD_LINK: return r->u.link.t;
    case RF_RECORD_POSITION: return r->u.position.t;
    default: return r->u.enter.t;
  }
}

/* The scenario's span: the latest time of its events. */
static int64_t span_of(const char *path) {
  rf_scenario_reader *reader = NULL;
  int64_t span = 0;
  rf_record rec;
  if (rf_scenario_reader_open(&reader, path, NULL, NULL) != 0) return 0;
  while (rf_scenario_reader_next(reader, &rec) == 0)
    if (rec.type >= RF_RECORD_ENTER && rec.type <= RF_RECORD_HAND && last_time(&rec) > span)
      span = last_time(&rec);
  rf_scenario_reader_free(reader);
  return span;
}

static void load(const char *path, int first, int repeats) {
  int64_t span = span_of(path);
  int64_t *seq = calloc((size_t)gateway_count, sizeof *seq);
  char(*names)[16] = calloc((size_t)gateway_count, sizeof *names);
  for (int k = 0; k < gateway_count; ++k) snprintf(names[k], sizeof names[k], "g%d", k);
  for (int r = first; r < first + repeats; ++r) {
    rf_scenario_reader *reader = NULL;
    if (rf_scenario_reader_open(&reader, path, NULL, NULL) != 0) {
      fprintf(stderr, "bench_serve: cannot read %s\n", path);
      exit(1);
    }
    rf_record rec;
    char a[128], b[128];
    while (rf_scenario_reader_next(reader, &rec) == 0) {
      if (rec.type < RF_RECORD_ENTER || rec.type > RF_RECORD_HAND) continue;
      int k = (int)(hash(entity(&rec)) % (unsigned)gateway_count);
      shift(&rec, (span + 60000000) * r, r, a, b);
      rec.source = names[k];
      rec.has_seq = 1;
      rec.seq = (int64_t)r * 100000000 + ++seq[k];
      rf_wire_msg m = {.kind = RF_WIRE_RECORD};
      m.u.record = rec;
      gateway *g = &gateways[k];
      if (rf_wire_encode(g->enc, &m) != 0) continue;
      size_t n;
      const uint8_t *data = rf_wire_encoder_data(g->enc, &n);
      append(g, data, n, last_time(&rec));
      rf_wire_encoder_clear(g->enc);
      total_records++;
    }
    rf_scenario_reader_free(reader);
  }
  free(seq);
  /* names stay: the encoded frames do not point at them, but they are tiny */
  free(names);
}

static void written(uv_write_t *req, int status) {
  (void)status;
  free(req);
}

/* The store time every gateway has reached: the least time of what each still has to get acked. */
static int64_t low_time(void) {
  int64_t low = INT64_MAX;
  for (int k = 0; k < gateway_count; ++k)
    if (gateways[k].acked < gateways[k].count && gateways[k].times[gateways[k].acked] < low)
      low = gateways[k].times[gateways[k].acked];
  return low;
}

static void send_more(gateway *g) {
  size_t upto = g->acked + (size_t)window < g->count ? g->acked + (size_t)window : g->count;
  if (time_window_s > 0) {
    int64_t limit = low_time() + (int64_t)(time_window_s * 1e6);
    size_t i = g->sent;
    while (i < upto && g->times[i] <= limit) ++i;
    upto = i;
  }
  if (g->sent >= upto) return;
  size_t from = g->sent ? g->ends[g->sent - 1] : 0;
  uv_write_t *req = malloc(sizeof *req);
  uv_buf_t buf = uv_buf_init((char *)g->bytes + from, (unsigned)(g->ends[upto - 1] - from));
  uv_write(req, &g->h.stream, &buf, 1, written);
  g->sent = upto;
}

static void alloc_cb(uv_handle_t *h, size_t s, uv_buf_t *buf) {
  (void)s;
  gateway *g = h->data;
  *buf = uv_buf_init(g->readbuf, sizeof g->readbuf);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gateway *g = s->data;
  if (n < 0) {
    fprintf(stderr, "bench_serve: a gateway's connection ended: %s\n", uv_strerror((int)n));
    exit(1);
  }
  rf_wire_decoder_feed(g->dec, buf->base, (size_t)n);
  rf_wire_msg m;
  while (rf_wire_decoder_next(g->dec, &m) == 0) {
    if (m.kind != RF_WIRE_ACK) continue;
    g->acked++;
    total_acked++;
    if (m.u.ack.reason != NULL) {
      int r = 0;
      while (r < RF_HOST_REASON_COUNT && strcmp(rf_host_reason_name(r), m.u.ack.reason) != 0) ++r;
      set_aside[r]++;
    }
  }
  if (g->acked == g->count) uv_close((uv_handle_t *)&g->h, NULL);
  if (total_acked == total_records) finished_ns = uv_hrtime();
  if (time_window_s <= 0) {
    if (g->acked < g->count) send_more(g);
    return;
  }
  for (int k = 0; k < gateway_count; ++k) /* the others may have waited for this one */
    if (gateways[k].acked < gateways[k].count && gateways[k].up) send_more(&gateways[k]);
}

static void connected(uv_connect_t *req, int status) {
  gateway *g = req->data;
  if (status != 0) {
    fprintf(stderr, "bench_serve: cannot connect: %s\n", uv_strerror(status));
    exit(1);
  }
  rf_wire_encoder *hello_enc = NULL;
  rf_wire_encoder_new(&hello_enc, RF_FORMAT_PB, NULL);
  rf_wire_msg hello = {.kind = RF_WIRE_HELLO};
  hello.u.hello = (rf_wire_hello){RF_WIRE_GATEWAY, NULL, 0};
  rf_wire_encode(hello_enc, &hello);
  size_t n;
  const uint8_t *data = rf_wire_encoder_data(hello_enc, &n);
  uv_write_t *w = malloc(sizeof *w + n);
  memcpy(w + 1, data, n);
  uv_buf_t buf = uv_buf_init((char *)(w + 1), (unsigned)n);
  uv_write(w, &g->h.stream, &buf, 1, written);
  rf_wire_encoder_free(hello_enc);
  uv_read_start(&g->h.stream, alloc_cb, read_cb);
  if (started_ns == 0) started_ns = uv_hrtime();
  g->up = 1;
  if (g->count == 0) uv_close((uv_handle_t *)&g->h, NULL);
  else send_more(g);
}

int main(int argc, char **argv) {
  if (argc != 7 && argc != 8) {
    fprintf(stderr, "usage: bench_serve ADDR SCENARIO GATEWAYS REPEAT WINDOW TIMEWIN [FIRST]\n");
    return 2;
  }
  time_window_s = atof(argv[6]);
  const char *addr = argv[1];
  gateway_count = atoi(argv[3]);
  window = atoi(argv[5]);
  gateways = calloc((size_t)gateway_count, sizeof *gateways);
  for (int k = 0; k < gateway_count; ++k) {
    rf_wire_encoder_new(&gateways[k].enc, RF_FORMAT_PB, NULL);
    rf_wire_encoder_clear(gateways[k].enc); /* the header goes with the hello */
    rf_wire_decoder_new(&gateways[k].dec, 0, NULL);
  }
  load(argv[2], argc == 8 ? atoi(argv[7]) : 0, atoi(argv[4]));
  uv_loop_t *loop = uv_default_loop();
  struct sockaddr_in sin;
  for (int k = 0; k < gateway_count; ++k) {
    gateway *g = &gateways[k];
    g->connect.data = g;
    if (strncmp(addr, "unix:", 5) == 0) {
      uv_pipe_init(loop, &g->h.pipe, 0);
      g->h.stream.data = g;
      uv_pipe_connect(&g->connect, &g->h.pipe, addr + 5, connected);
    } else {
      char host[64];
      const char *colon = strrchr(addr + 6, ':');
      snprintf(host, sizeof host, "%.*s", (int)(colon - addr - 6), addr + 6);
      uv_ip4_addr(host, atoi(colon + 1), &sin);
      uv_tcp_init(loop, &g->h.tcp);
      g->h.stream.data = g;
      uv_tcp_connect(&g->connect, &g->h.tcp, (struct sockaddr *)&sin, connected);
    }
  }
  uv_run(loop, UV_RUN_DEFAULT);
  uint64_t bytes = 0;
  for (int k = 0; k < gateway_count; ++k) bytes += gateways[k].len;
  double s = (double)(finished_ns - started_ns) / 1e9;
  printf("{\"records\":%llu,\"bytes\":%llu,\"seconds\":%.4f,\"records_per_s\":%.0f,"
         "\"mb_per_s\":%.2f,\"set_aside\":{",
         (unsigned long long)total_records, (unsigned long long)bytes, s, (double)total_records / s,
         (double)bytes / s / 1e6);
  const char *sep = "";
  for (int r = 0; r <= RF_HOST_REASON_COUNT; ++r)
    if (set_aside[r]) {
      printf("%s\"%s\":%llu", sep, r < RF_HOST_REASON_COUNT ? rf_host_reason_name(r) : "other",
             (unsigned long long)set_aside[r]);
      sep = ",";
    }
  printf("}}\n");
  return 0;
}
