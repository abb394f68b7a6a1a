/* The live service (service.h) embedded in a vendor's own libuv loop, in one process and one
 * thread: the service made on a uv_loop_t of the test's, told the store of examples/small.jsonl,
 * started, listening on a Unix socket, and clients on the same loop — a gateway sending the
 * file's events, a subscriber reading the output — everything driven by bounded uv_run rounds.
 * A gateway gets one ack per record in order, then the finish's; a subscriber gets exactly what
 * an rf_host gives for the same records, then a finish; the stats count it all; a restart on the
 * journal replays the day and gives the same output again, and refuses another store; the API's
 * errors are the documented codes; a record set aside comes back acked with its reason; a finish
 * with no event since the last ends nothing. The calibration's seeds (rf_service_calibration_seed)
 * are taken before the start only, and by the fused method only; seeded, the first day starts
 * from them, and the next from the first's end values (an rf_host's on the same records). */
#define _GNU_SOURCE /* uv.h needs POSIX threads' types; mkdtemp, nanosleep */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"
#include "test_dir.h"
#include "test_text.h"

/* Two bugs this file found, fixed: a record that is not an input event was counted set aside
 * but not as a record (test_set_aside_records_are_acked_with_their_reason); a gateway's finish
 * before any event ended a day of nothing (test_finish_with_no_event_ends_nothing). */

#define SMALL_PATH RF_TEST_DATA_DIR "/../../examples/small.jsonl"

/* Every wait: at most this many rounds of the loop, and this much time. */
#define WAIT_ROUNDS 20000
#define WAIT_NS 3000000000ULL

/* One round of the loop, then a short nap so that a round with nothing to do does not spin. */
static void round_of(uv_loop_t *loop) {
  uv_run(loop, UV_RUN_NOWAIT);
  struct timespec nap = {0, 100000};
  nanosleep(&nap, NULL);
}

/* Runs the loop until cond holds, bounded in rounds and time; fails the test if it never does. */
#define RUN_UNTIL(loop, cond)                                                                 \
  do {                                                                                        \
    uint64_t end_ = uv_hrtime() + WAIT_NS;                                                    \
    for (int i_ = 0; i_ < WAIT_ROUNDS && !(cond) && uv_hrtime() < end_; ++i_) round_of(loop); \
    if (!(cond)) fail_msg("waited in vain for %s", #cond);                                    \
  } while (0)

/* ---- clients on the test's loop -------------------------------------------------------------- */

typedef struct client {
  uv_pipe_t pipe;
  uv_connect_t req;
  int connected; /* 1 once connected; a libuv error if connecting failed */
  int eof;       /* the service closed its end */
  int closed;    /* the handle's close callback ran */
  int write_status;
  size_t writes; /* writes not yet done */
  test_text got; /* every byte the service sent */
  char buf[64 * 1024];
} client;

typedef struct client_write {
  uv_write_t req;
  client *c;
  char data[];
} client_write;

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  client *c = h->data;
  *buf = uv_buf_init(c->buf, sizeof c->buf);
}

static void client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  client *c = s->data;
  if (nread > 0) {
    if (test_text_write(buf->base, (size_t)nread, &c->got) != 0) c->write_status = UV_ENOMEM;
  } else if (nread < 0) {
    c->eof = 1;
    uv_read_stop(s);
  }
}

static void client_connected(uv_connect_t *req, int status) {
  client *c = req->handle->data;
  c->connected = status == 0 ? 1 : status;
  if (status == 0) uv_read_start((uv_stream_t *)&c->pipe, client_alloc, client_read);
}

static void client_closed(uv_handle_t *h) { ((client *)h->data)->closed = 1; }

/* c connected to the service at path ("DIR/s.sock"). */
static void client_connect(client *c, uv_loop_t *loop, const char *path) {
  memset(c, 0, sizeof *c);
  assert_int_equal(uv_pipe_init(loop, &c->pipe, 0), 0);
  c->pipe.data = c;
  uv_pipe_connect(&c->req, &c->pipe, path, client_connected);
  RUN_UNTIL(loop, c->connected != 0);
  assert_int_equal(c->connected, 1);
}

static void write_done(uv_write_t *req, int status) {
  client_write *w = (client_write *)req;
  if (status != 0) w->c->write_status = status;
  w->c->writes--;
  free(w);
}

/* Sends a copy of data[0, len). */
static void client_send_bytes(client *c, const void *data, size_t len) {
  client_write *w = malloc(sizeof *w + len);
  assert_non_null(w);
  w->c = c;
  memcpy(w->data, data, len);
  uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
  assert_int_equal(uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, write_done), 0);
  c->writes++;
}

/* Sends what enc holds, and clears it. */
static void client_send(client *c, rf_wire_encoder *enc) {
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(enc, &len);
  client_send_bytes(c, data, len);
  rf_wire_encoder_clear(enc);
}

static void client_close(client *c, uv_loop_t *loop) {
  uv_close((uv_handle_t *)&c->pipe, client_closed);
  RUN_UNTIL(loop, c->closed);
  assert_int_equal(c->write_status, 0);
  free(c->got.data);
  c->got.data = NULL;
}

static size_t count_lines(const test_text *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->len; ++i) n += t->data[i] == '\n';
  return n;
}

/* ---- the feed: small.jsonl's events as a gateway sends them, and what a host makes of them -- */

enum { MAX_EVENTS = 32 };

typedef struct expected_ack {
  const char *source;
  int64_t seq;
  const char *reason; /* NULL: taken */
} expected_ack;

typedef struct feed {
  rf_wire_encoder *gateway; /* hello, the events, finish: JSON Lines */
  size_t events;
  expected_ack acks[MAX_EVENTS];
  test_text output;   /* a subscriber's from=1: the service's hello, the host's output, finish */
  size_t output_msgs; /* the host's output messages, the finish not counted */
} feed;

/* m as a JSON line, appended to t. */
static void encode_msg(test_text *t, const rf_wire_msg *m) {
  rf_wire_encoder *enc = NULL;
  assert_int_equal(rf_wire_encoder_new(&enc, RF_FORMAT_JSONL, NULL), RF_OK);
  assert_int_equal(rf_wire_encode(enc, m), RF_OK);
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(enc, &len);
  assert_int_equal(test_text_write((const char *)data, len, t), 0);
  rf_wire_encoder_free(enc);
}

static int encode_output(const rf_record *rec, void *payload) {
  feed *f = payload;
  rf_wire_msg m = {.kind = RF_WIRE_RECORD};
  m.u.record = *rec;
  f->output_msgs++;
  encode_msg(&f->output, &m);
  return 0;
}

static void on_fault(const char *plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  feed *f = payload;
  rf_wire_msg m = {.kind = RF_WIRE_FAULT};
  m.u.fault = (rf_wire_fault){plate, fault, t};
  f->output_msgs++;
  encode_msg(&f->output, &m);
}

static void on_source(const char *source, int stale, rf_time_us t, void *payload) {
  feed *f = payload;
  rf_wire_msg m = {.kind = RF_WIRE_SOURCE};
  m.u.source = (rf_wire_source){source, stale, t};
  f->output_msgs++;
  encode_msg(&f->output, &m);
}

static const char *default_source(rf_record_type type) {
  switch (type) {
    case RF_RECORD_DELTA:
    case RF_RECORD_SAMPLES: return "shelves";
    case RF_RECORD_HAND: return "cameras";
    default: return "tracker";
  }
}

static int is_event(rf_record_type type) {
  return type >= RF_RECORD_ENTER && type <= RF_RECORD_HAND;
}

/* A subscriber's first message: the service's hello naming the seq that follows. */
static void encode_welcome(test_text *t, int64_t from) {
  rf_wire_msg m = {.kind = RF_WIRE_HELLO};
  m.u.hello = (rf_wire_hello){RF_WIRE_SERVICE, NULL, from};
  encode_msg(t, &m);
}

/* Reads small.jsonl: every event named by its kind's source and numbered 1, 2, ... per source,
 * encoded for the gateway after its hello, and pushed with the store to an rf_host whose output
 * (diffs, receipts, faults, sources) is the subscriber's expected stream. */
static void feed_make(feed *f) {
  memset(f, 0, sizeof *f);
  encode_welcome(&f->output, 1);
  assert_int_equal(rf_wire_encoder_new(&f->gateway, RF_FORMAT_JSONL, NULL), RF_OK);
  rf_wire_msg hello = {.kind = RF_WIRE_HELLO};
  hello.u.hello = (rf_wire_hello){RF_WIRE_GATEWAY, NULL, 0};
  assert_int_equal(rf_wire_encode(f->gateway, &hello), RF_OK);

  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  rf_host_set_output(h, encode_output, f);
  rf_host_set_fault_output(h, on_fault, f);
  rf_host_set_source_output(h, on_source, f);
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_open(&r, SMALL_PATH, NULL, NULL), RF_OK);
  const char *names[] = {"shelves", "cameras", "tracker"};
  int64_t seqs[3] = {0, 0, 0};
  rf_record rec;
  int rc;
  while ((rc = rf_scenario_reader_next(r, &rec)) == RF_OK) {
    if (is_event(rec.type)) {
      assert_true(f->events < MAX_EVENTS);
      rec.source = default_source(rec.type);
      size_t k = 0;
      while (strcmp(names[k], rec.source) != 0) ++k;
      rec.has_seq = 1;
      rec.seq = ++seqs[k];
      rf_wire_msg m = {.kind = RF_WIRE_RECORD};
      m.u.record = rec;
      assert_int_equal(rf_wire_encode(f->gateway, &m), RF_OK);
      f->acks[f->events] = (expected_ack){names[k], rec.seq, NULL};
    }
    int prc = rf_host_push(h, &rec);
    if (prc == RF_SETASIDE && is_event(rec.type))
      f->acks[f->events].reason = rf_host_reason_name(rf_host_setaside_reason(h));
    else if (prc != RF_OK)
      fail_msg("line %llu: %s: %s", (unsigned long long)rec.line, rf_err_name(prc),
               rf_host_errmsg(h));
    if (is_event(rec.type)) f->events++;
  }
  assert_int_equal(rc, RF_ITEROVER);
  rf_scenario_reader_free(r);
  assert_int_equal(rf_host_finish(h), RF_OK);
  rf_host_free(h);
  encode_msg(&f->output, &(rf_wire_msg){.kind = RF_WIRE_FINISH});
  assert_int_equal(rf_wire_encode(f->gateway, &(rf_wire_msg){.kind = RF_WIRE_FINISH}), RF_OK);
  /* small.jsonl: 16 events; the host makes 4 diffs, 2 receipts and 4 source changes of them
   * (the tracker stale and back, then the shelves and the cameras stale) */
  assert_int_equal(f->events, 16);
  assert_int_equal(f->output_msgs, 10);
}

static void feed_free(feed *f) {
  rf_wire_encoder_free(f->gateway);
  free(f->output.data);
}

/* The expected stream of a subscriber whose hello said `from`: the service's hello, then the
 * output messages from seq `from` on (the finish is the last, seq output_msgs + 1). */
static void expected_from(const feed *f, int64_t from, test_text *out) {
  memset(out, 0, sizeof *out);
  encode_welcome(out, from);
  const char *p = strchr(f->output.data, '\n') + 1; /* past the hello */
  for (int64_t k = 1; k < from; ++k) p = strchr(p, '\n') + 1;
  assert_int_equal(test_text_write(p, strlen(p), out), 0);
}

/* ---- the service on the test's loop --------------------------------------------------------- */

typedef struct fixture {
  char dir[64];      /* scratch: the socket, and the journal when there is one */
  char path[128];    /* DIR/s.sock */
  char address[160]; /* unix:DIR/s.sock */
  uv_loop_t loop;
  feed f;
  test_text log; /* what the services said to the operator, one line each */
} fixture;

static void log_line(const char *line, void *payload) {
  test_text *t = payload;
  assert_int_equal(test_text_write(line, strlen(line), t), 0);
  assert_int_equal(test_text_write("\n", 1, t), 0);
}

/* The store of small.jsonl (every record before the first event), to the service; with
 * `other`, the first product's weight one gram more: another store. */
static void add_store(rf_service *svc, int other) {
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_open(&r, SMALL_PATH, NULL, NULL), RF_OK);
  rf_record rec;
  size_t n = 0;
  while (rf_scenario_reader_next(r, &rec) == RF_OK && !is_event(rec.type)) {
    if (other && n == 0) rec.u.product.weight_g += 1.0;
    int rc = rf_service_add_store(svc, &rec);
    if (rc != RF_OK) fail_msg("%s: %s", rf_err_name(rc), rf_service_errmsg(svc));
    n++;
  }
  rf_scenario_reader_free(r);
  assert_int_equal(n, 12);
}

/* small.jsonl's store and, after it, a camera and its zones on both shelves: 15 records. */
static void add_store_with_cameras(rf_service *svc) {
  add_store(svc, 0);
  rf_record cam = {.type = RF_RECORD_CAMERA}, zone = {.type = RF_RECORD_ZONE};
  cam.u.camera = (rf_camera_rec){"C1", 640, 480, 30, 0};
  assert_int_equal(rf_service_add_store(svc, &cam), RF_OK);
  zone.u.zone = (rf_zone_rec){"C1", "G1S1", 0, 40, 600, 200, RF_FRONT_BOTTOM, 0, 0.4064};
  assert_int_equal(rf_service_add_store(svc, &zone), RF_OK);
  zone.u.zone = (rf_zone_rec){"C1", "G1S2", 0, 260, 600, 420, RF_FRONT_BOTTOM, 0, 0.4064};
  assert_int_equal(rf_service_add_store(svc, &zone), RF_OK);
}

static rf_service_options options(const char *journal_dir) {
  rf_service_options o = RF_SERVICE_OPTIONS_INIT;
  o.journal_dir = journal_dir;
  o.idle_s = -1; /* wall time never moves the clock: the output is the file's alone */
  return o;
}

/* A service on the fixture's loop, given the store, started (and listening on the socket). */
static rf_service *service_up(fixture *fx, const char *journal_dir) {
  rf_service_options o = options(journal_dir);
  rf_service *svc = NULL;
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  assert_non_null(svc);
  assert_ptr_equal(rf_service_loop(svc), &fx->loop);
  rf_service_set_log(svc, log_line, &fx->log);
  add_store(svc, 0);
  int rc = rf_service_start(svc);
  if (rc != RF_OK) fail_msg("start: %s: %s", rf_err_name(rc), rf_service_errmsg(svc));
  char bound[256] = "";
  rc = rf_service_listen(svc, fx->address, bound, sizeof bound);
  if (rc != RF_OK) fail_msg("listen: %s: %s", rf_err_name(rc), rf_service_errmsg(svc));
  assert_string_equal(bound, fx->address);
  return svc;
}

static rf_service_stats stats_of(const rf_service *svc) {
  rf_service_stats st;
  memset(&st, 0, sizeof st);
  st.version = RF_SERVICE_STATS_VERSION;
  assert_int_equal(rf_service_get_stats(svc, &st), RF_OK);
  return st;
}

/* Stopped, its handles closed (the loop has nothing left), freed. */
static void service_down(fixture *fx, rf_service *svc) {
  rf_service_stop(svc);
  rf_service_stop(svc); /* again: nothing more */
  RUN_UNTIL(&fx->loop, !uv_loop_alive(&fx->loop));
  rf_service_free(svc);
}

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof *fx);
  if (fx == NULL) return -1;
  feed_make(&fx->f); /* first: it asserts, and nothing else is made yet */
  if (test_dir_make(fx->dir, sizeof fx->dir, "rf-service") != 0) return -1;
  snprintf(fx->path, sizeof fx->path, "%s/s.sock", fx->dir);
  snprintf(fx->address, sizeof fx->address, "unix:%s", fx->path);
  if (uv_loop_init(&fx->loop) != 0) return -1;
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  int rc = uv_loop_close(&fx->loop);
  feed_free(&fx->f);
  free(fx->log.data);
  test_dir_remove(fx->dir);
  free(fx);
  return rc == 0 ? 0 : -1;
}

/* The acks a gateway got: one per event, in order, with its source and seq and the host's
 * verdict, then the finish's. */
static void check_acks(const feed *f, const test_text *got) {
  rf_wire_decoder *dec = NULL;
  assert_int_equal(rf_wire_decoder_new(&dec, 0, NULL), RF_OK);
  assert_int_equal(rf_wire_decoder_feed(dec, got->data, got->len), RF_OK);
  rf_wire_msg m;
  for (size_t k = 0; k < f->events; ++k) {
    assert_int_equal(rf_wire_decoder_next(dec, &m), RF_OK);
    assert_int_equal(m.kind, RF_WIRE_ACK);
    assert_non_null(m.u.ack.source);
    assert_string_equal(m.u.ack.source, f->acks[k].source);
    assert_int_equal(m.u.ack.has_seq, 1);
    assert_int_equal(m.u.ack.seq, f->acks[k].seq);
    if (f->acks[k].reason == NULL) {
      assert_null(m.u.ack.reason);
      assert_null(m.u.ack.message);
    } else {
      assert_non_null(m.u.ack.reason);
      assert_string_equal(m.u.ack.reason, f->acks[k].reason);
      assert_non_null(m.u.ack.message);
    }
    assert_int_equal(m.u.ack.finish, 0);
  }
  assert_int_equal(rf_wire_decoder_next(dec, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_ACK);
  assert_int_equal(m.u.ack.finish, 1);
  assert_null(m.u.ack.source);
  assert_int_equal(m.u.ack.has_seq, 0);
  assert_null(m.u.ack.reason);
  assert_int_equal(rf_wire_decoder_next(dec, &m), RF_ITEROVER);
  rf_wire_decoder_free(dec);
}

/* A subscriber's hello: the output from seq `from` on, wanted. */
static void subscriber_hello(client *c, int64_t from) {
  rf_wire_encoder *enc = NULL;
  assert_int_equal(rf_wire_encoder_new(&enc, RF_FORMAT_JSONL, NULL), RF_OK);
  rf_wire_msg hello = {.kind = RF_WIRE_HELLO};
  hello.u.hello = (rf_wire_hello){RF_WIRE_SUBSCRIBER, NULL, from};
  assert_int_equal(rf_wire_encode(enc, &hello), RF_OK);
  client_send(c, enc);
  rf_wire_encoder_free(enc);
}

/* Test 1's day: a subscriber (from=1) first, then a gateway sending the feed; every ack and the
 * whole output checked; then both close, and the service counts them gone. */
static void serve_day(fixture *fx, rf_service *svc) {
  uv_loop_t *loop = &fx->loop;
  client sub, gw;
  client_connect(&sub, loop, fx->path);
  subscriber_hello(&sub, 1);
  /* the service's hello first, with the seq that follows: 1 */
  test_text welcome = {0};
  encode_welcome(&welcome, 1);
  RUN_UNTIL(loop, sub.got.len >= welcome.len);
  assert_int_equal(sub.got.len, welcome.len);
  assert_memory_equal(sub.got.data, welcome.data, welcome.len);
  free(welcome.data);
  assert_int_equal(stats_of(svc).subscribers, 1);

  client_connect(&gw, loop, fx->path);
  size_t len;
  const uint8_t *bytes = rf_wire_encoder_data(fx->f.gateway, &len);
  client_send_bytes(&gw, bytes, len);
  size_t want_acks = fx->f.events + 1;
  RUN_UNTIL(loop, count_lines(&gw.got) >= want_acks && sub.got.len >= fx->f.output.len);
  /* nothing more comes */
  for (int k = 0; k < 20; ++k) round_of(loop);
  assert_int_equal(gw.write_status, 0);
  assert_int_equal(gw.writes, 0);
  assert_int_equal(gw.eof, 0);
  assert_int_equal(sub.eof, 0);
  assert_int_equal(count_lines(&gw.got), want_acks);
  check_acks(&fx->f, &gw.got);
  assert_string_equal(sub.got.data, fx->f.output.data);

  rf_service_stats st = stats_of(svc);
  assert_int_equal(st.gateways, 1);
  assert_int_equal(st.subscribers, 1);
  client_close(&gw, loop);
  client_close(&sub, loop);
  RUN_UNTIL(loop, stats_of(svc).gateways == 0 && stats_of(svc).subscribers == 0);
  assert_int_equal(fx->log.len, 0); /* nothing for the operator */
}

/* ---- 1. a gateway's day, a subscriber's output ----------------------------------------------- */

static void test_gateway_acks_and_subscriber_gets_the_hosts_output(void **state) {
  fixture *fx = *state;
  rf_service *svc = service_up(fx, NULL);
  serve_day(fx, svc);
  service_down(fx, svc);
}

/* ---- 2. the stats after it ------------------------------------------------------------------- */

static void test_stats_count_the_day(void **state) {
  fixture *fx = *state;
  rf_service *svc = service_up(fx, NULL);
  rf_service_stats st = stats_of(svc);
  assert_int_equal(st.records, 0);
  assert_int_equal(st.outputs, 0);
  assert_int_equal(st.connections, 0);
  assert_non_null(rf_service_host(svc)); /* the store's day began at the start */
  serve_day(fx, svc);
  st = stats_of(svc);
  assert_int_equal(st.version, RF_SERVICE_STATS_VERSION);
  assert_int_equal(st.records, fx->f.events);
  size_t set_aside = 0;
  for (size_t k = 0; k < fx->f.events; ++k) set_aside += fx->f.acks[k].reason != NULL;
  assert_int_equal(st.set_aside, set_aside);
  assert_int_equal(st.acks, fx->f.events + 1);
  assert_int_equal(st.outputs, fx->f.output_msgs + 1); /* and the finish */
  assert_int_equal(st.published, st.outputs);
  assert_int_equal(st.days, 1);
  assert_int_equal(st.advances, 0);
  assert_int_equal(st.gateways, 0);
  assert_int_equal(st.subscribers, 0);
  assert_int_equal(st.connections, 2);
  assert_int_equal(st.refused, 0);
  assert_int_equal(st.journal_entries, 0); /* no journal */
  assert_int_equal(st.replayed, 0);
  assert_null(rf_service_host(svc)); /* the finish ended the day */
  /* a wrong stats version */
  rf_service_stats bad;
  memset(&bad, 0, sizeof bad);
  bad.version = RF_SERVICE_STATS_VERSION + 1;
  assert_int_equal(rf_service_get_stats(svc, &bad), RF_EVERSION);
  service_down(fx, svc);
}

/* ---- 3. the journal, a restart in the same process ------------------------------------------- */

static void test_restart_on_the_journal_gives_the_same_output(void **state) {
  fixture *fx = *state;
  const char *journal = fx->dir; /* beside the socket: teardown removes them all */

  rf_service *svc = service_up(fx, journal);
  serve_day(fx, svc);
  rf_service_stats st = stats_of(svc);
  /* the store's 12 records, the 16 events, the finish */
  assert_int_equal(st.journal_entries, 12 + fx->f.events + 1);
  assert_true(st.syncs > 0);
  service_down(fx, svc);

  /* the same store on the same journal: the day replayed, the output made again */
  svc = service_up(fx, journal);
  st = stats_of(svc);
  assert_true(st.replayed > 0);
  assert_int_equal(st.replayed, 12 + fx->f.events + 1);
  assert_int_equal(st.days, 1);
  assert_int_equal(st.outputs, fx->f.output_msgs + 1);
  assert_int_equal(st.published, st.outputs);
  assert_int_equal(st.records, 0); /* none from gateways since this start */
  assert_int_equal(st.journal_entries, 12 + fx->f.events + 1);
  client sub;
  client_connect(&sub, &fx->loop, fx->path);
  subscriber_hello(&sub, 1);
  RUN_UNTIL(&fx->loop, sub.got.len >= fx->f.output.len);
  assert_string_equal(sub.got.data, fx->f.output.data);
  client_close(&sub, &fx->loop);
  /* one resuming from seq 3 gets the rest, one from past the end gets the hello alone */
  int64_t froms[] = {3, (int64_t)fx->f.output_msgs + 1, (int64_t)fx->f.output_msgs + 9};
  for (size_t k = 0; k < sizeof froms / sizeof froms[0]; ++k) {
    test_text want;
    int64_t from = froms[k] > (int64_t)fx->f.output_msgs + 2 ? (int64_t)fx->f.output_msgs + 2
                                                             : froms[k];
    expected_from(&fx->f, from, &want);
    client_connect(&sub, &fx->loop, fx->path);
    subscriber_hello(&sub, froms[k]);
    RUN_UNTIL(&fx->loop, sub.got.len >= want.len);
    for (int r = 0; r < 20; ++r) round_of(&fx->loop);
    assert_string_equal(sub.got.data, want.data);
    free(want.data);
    client_close(&sub, &fx->loop);
  }
  service_down(fx, svc);

  /* another store on that journal: refused */
  rf_service_options o = options(journal);
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  add_store(svc, 1);
  assert_int_equal(rf_service_start(svc), RF_EEXISTS);
  assert_non_null(strstr(rf_service_errmsg(svc), "another store"));
  assert_string_equal(rf_service_errmsg(svc),
                      "the journal began with another store: start with that store, or a new "
                      "journal");
  char bound[64];
  assert_int_equal(rf_service_listen(svc, fx->address, bound, sizeof bound), RF_EMISUSE);
  rf_service_free(svc);
  assert_int_equal(uv_loop_alive(&fx->loop), 0);
}

/* ---- 3b. a store with cameras and zones ------------------------------------------------------ */

/* A store may describe its cameras and zones (`serve --store` reads them with the rest): the
 * day's output is the one without them, they are journaled with the store, each new day's host
 * takes them again, and a restart on the journal knows the store by them. */
static void test_a_store_with_cameras_and_zones(void **state) {
  fixture *fx = *state;
  const char *journal = fx->dir;
  rf_service_options o = options(journal);
  rf_service *svc = NULL;
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  rf_service_set_log(svc, log_line, &fx->log);
  add_store_with_cameras(svc);
  assert_int_equal(rf_service_start(svc), RF_OK);
  char bound[256];
  assert_int_equal(rf_service_listen(svc, fx->address, bound, sizeof bound), RF_OK);
  serve_day(fx, svc); /* the output of small.jsonl, which has no camera */
  assert_int_equal(stats_of(svc).journal_entries, 15 + fx->f.events + 1);

  /* day 2: an enter begins it, on the store of day 1, cameras and zones included */
  client gw;
  client_connect(&gw, &fx->loop, fx->path);
  rf_wire_encoder *enc = NULL;
  assert_int_equal(rf_wire_encoder_new(&enc, RF_FORMAT_JSONL, NULL), RF_OK);
  rf_wire_msg hello = {.kind = RF_WIRE_HELLO};
  hello.u.hello = (rf_wire_hello){RF_WIRE_GATEWAY, "tracker", 0};
  assert_int_equal(rf_wire_encode(enc, &hello), RF_OK);
  rf_wire_msg m = {.kind = RF_WIRE_RECORD};
  m.u.record.type = RF_RECORD_ENTER;
  m.u.record.source = "tracker";
  m.u.record.has_seq = 1;
  m.u.record.seq = 1;
  m.u.record.u.enter = (rf_shopper_rec){1000000, "S1", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  client_send(&gw, enc);
  RUN_UNTIL(&fx->loop, count_lines(&gw.got) >= 1);
  assert_string_equal(gw.got.data, "{\"type\":\"ack\",\"source\":\"tracker\",\"seq\":1}\n");
  const rf_host *host = rf_service_host(svc);
  assert_non_null(host);
  rf_host_counts counts;
  rf_host_get_counts(host, &counts);
  assert_int_equal(counts.records, 15 + 1);
  assert_int_equal(counts.set_aside, 0);
  rf_wire_encoder_free(enc);
  client_close(&gw, &fx->loop);
  service_down(fx, svc);

  /* the same store again: the journal replays; without its cameras it is another store */
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  add_store_with_cameras(svc);
  assert_int_equal(rf_service_start(svc), RF_OK);
  assert_int_equal(stats_of(svc).replayed, 15 + fx->f.events + 1 + 1);
  service_down(fx, svc);
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  add_store(svc, 0);
  assert_int_equal(rf_service_start(svc), RF_EEXISTS);
  assert_string_equal(rf_service_errmsg(svc),
                      "the journal began with another store: start with that store, or a new "
                      "journal");
  rf_service_free(svc);
  assert_int_equal(fx->log.len, 0);
}

/* ---- 4. the API's errors --------------------------------------------------------------------- */

static void test_api_errors(void **state) {
  fixture *fx = *state;
  rf_service *svc = (rf_service *)&svc; /* overwritten with NULL on failure */
  rf_service_options o = options(NULL);
  o.version = RF_SERVICE_OPTIONS_VERSION + 1;
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_EVERSION);
  assert_null(svc);
  o = options(NULL);
  o.method = (rf_method)7;
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_EINVAL);
  assert_null(svc);
  assert_int_equal(rf_service_new(NULL, &fx->loop, NULL, NULL), RF_EINVAL);

  o = options(NULL);
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  assert_string_equal(rf_service_errmsg(svc), "");
  /* the host's loop is the host's to run */
  assert_int_equal(rf_service_run(svc), RF_EMISUSE);
  assert_string_equal(rf_service_errmsg(svc), "the loop is the host's to run");
  /* listening comes after the start */
  char bound[256] = "";
  assert_int_equal(rf_service_listen(svc, fx->address, bound, sizeof bound), RF_EMISUSE);
  assert_string_equal(rf_service_errmsg(svc), "listening comes after the start");
  assert_string_equal(bound, "");
  /* an event is not part of a store */
  rf_record enter;
  memset(&enter, 0, sizeof enter);
  enter.type = RF_RECORD_ENTER;
  enter.u.enter = (rf_shopper_rec){0, "S1", 0};
  assert_int_equal(rf_service_add_store(svc, &enter), RF_EINVAL);
  assert_non_null(strstr(rf_service_errmsg(svc),
                         "a record of type 'enter' is not part of a store description"));
  /* a parameter the engine does not have: the host's RF_ENOTFOUND; one out of range */
  assert_int_equal(rf_service_param_set(svc, "NO_SUCH_PARAM", 1.0), RF_ENOTFOUND);
  assert_non_null(strstr(rf_service_errmsg(svc), "NO_SUCH_PARAM"));
  assert_int_equal(rf_service_param_set(svc, "WAIT_S", 1e9), RF_ERANGE);
  assert_int_equal(rf_service_param_set(svc, "WAIT_S", 7.0), RF_OK);
  assert_int_equal(rf_service_source_delay(svc, "cameras", 5.0), RF_OK);
  assert_int_equal(rf_service_source_delay(svc, "cameras", 1e9), RF_ERANGE);

  add_store(svc, 0);
  assert_int_equal(rf_service_start(svc), RF_OK);
  assert_string_equal(rf_service_errmsg(svc), "");
  assert_int_equal(rf_service_start(svc), RF_EMISUSE);
  assert_string_equal(rf_service_errmsg(svc), "already started");
  /* settings and the store come before the start */
  assert_int_equal(rf_service_param_set(svc, "WAIT_S", 7.0), RF_EMISUSE);
  assert_string_equal(rf_service_errmsg(svc), "settings come before the start");
  assert_int_equal(rf_service_param_set(svc, "NO_SUCH_PARAM", 1.0), RF_EMISUSE);
  assert_int_equal(rf_service_source_delay(svc, "cameras", 5.0), RF_EMISUSE);
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_open(&r, SMALL_PATH, NULL, NULL), RF_OK);
  rf_record product;
  assert_int_equal(rf_scenario_reader_next(r, &product), RF_OK);
  assert_int_equal(product.type, RF_RECORD_PRODUCT);
  assert_int_equal(rf_service_add_store(svc, &product), RF_EMISUSE);
  assert_string_equal(rf_service_errmsg(svc), "the store comes before the start");
  rf_scenario_reader_free(r);

  /* addresses that do not parse */
  const char *bad[] = {
      "tcp://nohost",       "ftp://x", "unix:",        "tcp://127.0.0.1:65536", "tcp://127.0.0.1:",
      "tcp://not.an.ip:80", "",        "tcp://[::1:80"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
    int rc = rf_service_listen(svc, bad[k], bound, sizeof bound);
    if (rc != RF_EINVAL) fail_msg("'%s': %s, not EINVAL", bad[k], rf_err_name(rc));
    assert_non_null(strstr(rf_service_errmsg(svc), bad[k]));
    assert_string_equal(bound, "");
  }
  assert_int_equal(rf_service_listen(svc, NULL, bound, sizeof bound), RF_EINVAL);
  /* HTTP listens on TCP only */
  assert_int_equal(rf_service_listen_http(svc, fx->address, bound, sizeof bound), RF_EINVAL);
  /* a socket where a plain file is in the way: it cannot bind */
  char blocked[160];
  snprintf(blocked, sizeof blocked, "%s/file", fx->dir);
  FILE *f = fopen(blocked, "w");
  assert_non_null(f);
  fclose(f);
  char blocked_address[200];
  snprintf(blocked_address, sizeof blocked_address, "unix:%s", blocked);
  assert_int_equal(rf_service_listen(svc, blocked_address, bound, sizeof bound), RF_EIO);
  assert_non_null(strstr(rf_service_errmsg(svc), blocked_address));
  /* a good one */
  assert_int_equal(rf_service_listen(svc, fx->address, bound, sizeof bound), RF_OK);
  assert_string_equal(bound, fx->address);

  service_down(fx, svc);
  /* a service that never started frees too */
  assert_int_equal(rf_service_new(&svc, &fx->loop, NULL, NULL), RF_OK);
  rf_service_stop(svc);
  rf_service_free(svc);
  rf_service_free(NULL);
  /* and one given no store does not start */
  assert_int_equal(rf_service_new(&svc, &fx->loop, NULL, NULL), RF_OK);
  assert_int_equal(rf_service_start(svc), RF_EINVAL);
  assert_string_equal(rf_service_errmsg(svc), "no store was given");
  rf_service_free(svc);
  assert_int_equal(uv_loop_alive(&fx->loop), 0);
}

/* ---- 5. records set aside, acked with their reason ------------------------------------------- */

static void test_set_aside_records_are_acked_with_their_reason(void **state) {
  fixture *fx = *state;
  rf_service *svc = service_up(fx, NULL);
  client gw;
  client_connect(&gw, &fx->loop, fx->path);
  rf_wire_encoder *enc = NULL;
  assert_int_equal(rf_wire_encoder_new(&enc, RF_FORMAT_JSONL, NULL), RF_OK);
  rf_wire_msg m = {.kind = RF_WIRE_HELLO};
  m.u.hello = (rf_wire_hello){RF_WIRE_GATEWAY, "gw-1", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  /* line 2: an exit for a shopper who never came in */
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_RECORD;
  m.u.record.type = RF_RECORD_EXIT;
  m.u.record.has_seq = 1;
  m.u.record.seq = 1;
  m.u.record.u.exit = (rf_shopper_rec){1000000, "S9", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  /* line 3: a truth record: not an input event */
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_RECORD;
  m.u.record.type = RF_RECORD_TRUTH;
  m.u.record.has_seq = 1;
  m.u.record.seq = 2;
  m.u.record.u.truth = (rf_truth_rec){2000000, "S9", "859000002121", 1};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  /* line 4: an enter, taken, naming its own source */
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_RECORD;
  m.u.record.type = RF_RECORD_ENTER;
  m.u.record.source = "door";
  m.u.record.has_seq = 1;
  m.u.record.seq = 7;
  m.u.record.u.enter = (rf_shopper_rec){3000000, "S1", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  client_send(&gw, enc);
  RUN_UNTIL(&fx->loop, count_lines(&gw.got) >= 3);
  for (int k = 0; k < 20; ++k) round_of(&fx->loop);
  assert_int_equal(count_lines(&gw.got), 3);

  rf_wire_decoder *dec = NULL;
  assert_int_equal(rf_wire_decoder_new(&dec, 0, NULL), RF_OK);
  assert_int_equal(rf_wire_decoder_feed(dec, gw.got.data, gw.got.len), RF_OK);
  assert_int_equal(rf_wire_decoder_next(dec, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_ACK);
  assert_string_equal(m.u.ack.source, "gw-1"); /* the hello's source */
  assert_int_equal(m.u.ack.has_seq, 1);
  assert_int_equal(m.u.ack.seq, 1);
  assert_string_equal(m.u.ack.reason, "not_in");
  assert_string_equal(m.u.ack.message, "line 2: exit: shopper 'S9' is not in the store");
  assert_int_equal(m.u.ack.finish, 0);
  /* a truth record travels without source or seq (they are an input event's): the ack has the
   * hello's source and no seq */
  assert_int_equal(rf_wire_decoder_next(dec, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_ACK);
  assert_string_equal(m.u.ack.source, "gw-1");
  assert_int_equal(m.u.ack.has_seq, 0);
  assert_string_equal(m.u.ack.reason, "invalid");
  assert_non_null(m.u.ack.message);
  assert_non_null(
      strstr(m.u.ack.message, " 3: a gateway sends input events; a truth record is not one"));
  assert_int_equal(m.u.ack.finish, 0);
  assert_int_equal(rf_wire_decoder_next(dec, &m), RF_OK);
  assert_int_equal(m.kind, RF_WIRE_ACK);
  assert_string_equal(m.u.ack.source, "door");
  assert_int_equal(m.u.ack.seq, 7);
  assert_null(m.u.ack.reason);
  assert_null(m.u.ack.message);
  assert_int_equal(rf_wire_decoder_next(dec, &m), RF_ITEROVER);
  rf_wire_decoder_free(dec);

  rf_service_stats st = stats_of(svc);
  assert_int_equal(st.set_aside, 2);
  assert_int_equal(st.acks, 3);
  assert_int_equal(st.records, 3);       /* "set aside included": failed before, 2 */
  assert_non_null(rf_service_host(svc)); /* the exit began the day */
  /* a gateway's hello again is not a record: an error, and the connection closed */
  m = (rf_wire_msg){.kind = RF_WIRE_HELLO};
  m.u.hello = (rf_wire_hello){RF_WIRE_GATEWAY, "gw-1", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  client_send(&gw, enc);
  size_t before = gw.got.len;
  RUN_UNTIL(&fx->loop, gw.eof);
  assert_string_equal(gw.got.data + before,
                      "{\"type\":\"error\",\"message\":\"message 5: a gateway sends records and "
                      "finish, not hello\"}\n");
  st = stats_of(svc);
  assert_int_equal(st.refused, 1);
  assert_string_equal(fx->log.data,
                      "connection 1 closed: message 5: a gateway sends records and finish, not "
                      "hello\n");
  assert_int_equal(st.gateways, 0);
  rf_wire_encoder_free(enc);
  client_close(&gw, &fx->loop);
  service_down(fx, svc);
}

/* ---- 6. a finish with no event since the last (or since the start) ends nothing ------------ */

/* A gateway's finish: the ack says finish. */
static void send_finish(fixture *fx, client *gw, rf_wire_encoder *enc) {
  size_t lines = count_lines(&gw->got);
  assert_int_equal(rf_wire_encode(enc, &(rf_wire_msg){.kind = RF_WIRE_FINISH}), RF_OK);
  client_send(gw, enc);
  RUN_UNTIL(&fx->loop, count_lines(&gw->got) == lines + 1);
  const char *last = gw->got.data + gw->got.len;
  do --last;
  while (last > gw->got.data && last[-1] != '\n');
  assert_string_equal(last, "{\"type\":\"ack\",\"finish\":true}\n");
}

static void test_finish_with_no_event_ends_nothing(void **state) {
  fixture *fx = *state;
  rf_service *svc = service_up(fx, NULL);
  client gw;
  client_connect(&gw, &fx->loop, fx->path);
  rf_wire_encoder *enc = NULL;
  assert_int_equal(rf_wire_encoder_new(&enc, RF_FORMAT_JSONL, NULL), RF_OK);
  rf_wire_msg m = {.kind = RF_WIRE_HELLO};
  m.u.hello = (rf_wire_hello){RF_WIRE_GATEWAY, "gw-1", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  client_send(&gw, enc);

  /* a finish before any event */
  send_finish(fx, &gw, enc);
  rf_service_stats st = stats_of(svc);
  assert_int_equal(st.acks, 1);
  assert_int_equal(st.days, 0);    /* failed before: a day of nothing, 1 */
  assert_int_equal(st.outputs, 0); /* and its finish */
  uint64_t days = st.days, outputs = st.outputs;

  /* an event, then a finish: a day */
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_RECORD;
  m.u.record.type = RF_RECORD_ENTER;
  m.u.record.has_seq = 1;
  m.u.record.seq = 1;
  m.u.record.u.enter = (rf_shopper_rec){1000000, "S1", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  client_send(&gw, enc);
  RUN_UNTIL(&fx->loop, count_lines(&gw.got) == 2);
  assert_non_null(rf_service_host(svc));
  send_finish(fx, &gw, enc);
  assert_null(rf_service_host(svc));
  st = stats_of(svc);
  assert_int_equal(st.days, days + 1);
  assert_true(st.outputs > outputs); /* its finish at least */
  days = st.days;
  outputs = st.outputs;

  /* a finish again (its ack lost, say): nothing */
  send_finish(fx, &gw, enc);
  st = stats_of(svc);
  assert_int_equal(st.days, days);
  assert_int_equal(st.outputs, outputs);
  assert_int_equal(st.acks, 4);
  assert_null(rf_service_host(svc));

  rf_wire_encoder_free(enc);
  client_close(&gw, &fx->loop);
  service_down(fx, svc);
}

/* A protobuf gateway's records are journaled as they came, with the source its hello named
 * filled in: restarted on the journal, the engine knows the source by that name. */
static void test_protobuf_records_keep_the_hellos_source(void **state) {
  fixture *fx = *state;
  rf_service *svc = service_up(fx, fx->dir);
  client gw;
  client_connect(&gw, &fx->loop, fx->path);
  rf_wire_encoder *enc = NULL;
  assert_int_equal(rf_wire_encoder_new(&enc, RF_FORMAT_PB, NULL), RF_OK);
  rf_wire_msg m = {.kind = RF_WIRE_HELLO};
  m.u.hello = (rf_wire_hello){RF_WIRE_GATEWAY, "door-cam", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  memset(&m, 0, sizeof m);
  m.kind = RF_WIRE_RECORD;
  m.u.record.type = RF_RECORD_ENTER;
  m.u.record.has_seq = 1;
  m.u.record.seq = 1;
  m.u.record.u.enter = (rf_shopper_rec){1000000, "S1", 0}; /* no source: the hello's */
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  m.u.record.seq = 2;
  m.u.record.source = "tracker-2"; /* its own source: kept */
  m.u.record.u.enter = (rf_shopper_rec){1500000, "S2", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  client_send(&gw, enc);
  RUN_UNTIL(&fx->loop, stats_of(svc).acks == 2);
  client_close(&gw, &fx->loop);
  rf_wire_encoder_free(enc);
  service_down(fx, svc);

  svc = service_up(fx, fx->dir);
  assert_true(stats_of(svc).replayed > 0);
  const rf_engine *engine = rf_host_engine(rf_service_host(svc));
  assert_non_null(engine);
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  assert_int_equal(rf_engine_get_stats(engine, &st), RF_OK);
  assert_int_equal(st.sources, 2);
  for (size_t i = 0; i < st.sources; ++i) {
    rf_engine_source_stats src = {.version = RF_ENGINE_SOURCE_STATS_VERSION};
    assert_int_equal(rf_engine_get_source_stats(engine, i, &src), RF_OK);
    assert_true(strcmp(src.name, "door-cam") == 0 || strcmp(src.name, "tracker-2") == 0);
    assert_int_equal(src.records, 1);
  }
  service_down(fx, svc);
}

/* ---- 8. the calibration across days --------------------------------------------------------- */

/* A day's scales as rf_engine_calibration lists them: the store's 8 plates, then its 5
 * products. */
enum { MAX_SCALES = 16 };

typedef struct scale_list {
  size_t n;
  rf_scale s[MAX_SCALES];
  char id[MAX_SCALES][32];
} scale_list;

static int collect_scale(const rf_scale *s, void *payload) {
  scale_list *l = payload;
  assert_true(l->n < MAX_SCALES);
  assert_true(strlen(s->id) < sizeof l->id[0]);
  strcpy(l->id[l->n], s->id);
  l->s[l->n] = *s;
  l->s[l->n].id = l->id[l->n];
  l->n++;
  return 0;
}

/* Into *l, in place (its scales' ids point into it). */
static void scales_of(const rf_engine *engine, scale_list *l) {
  memset(l, 0, sizeof *l);
  assert_non_null(engine);
  assert_int_equal(rf_engine_calibration(engine, collect_scale, l), RF_OK);
  assert_int_equal(l->n, 8 + 5);
}

/* a within a relative 1e-12 of b */
static void assert_close(double a, double b, const char *what, const char *id) {
  if (!(fabs(a - b) <= 1e-12 * fabs(b))) fail_msg("%s of %s: %.17g, not %.17g", what, id, a, b);
}

/* Yesterday's values: G1S1P1 read 2 % high within 0.001 (tighter than half GAIN_SD), a product
 * at its catalogue weight within 0.5 g (tighter than half WEIGHT_SD, 1 % of 540.67 g), and a
 * plate the store lacks (left out when the engine starts, counted). */
static const rf_scale seeds[] = {
    {RF_SCALE_GAIN, "G1S1P1", 1.02, 0.001, 0, 0},
    {RF_SCALE_WEIGHT, "859000002138", 540.67, 0.5, 0, 0},
    {RF_SCALE_GAIN, "NO_SUCH_PLATE", 1.01, 0.0, 0, 0},
};
enum { SEEDS = sizeof seeds / sizeof seeds[0] };

static int ignore_output(const rf_record *rec, void *payload) {
  (void)rec;
  (void)payload;
  return 0;
}

/* small.jsonl's day on an rf_host seeded as above, finished: the end values the service's second
 * day must start from. */
static void seeded_day(scale_list *end) {
  rf_host *h = NULL;
  assert_int_equal(rf_host_new(&h, RF_METHOD_FUSED, NULL), RF_OK);
  rf_host_set_output(h, ignore_output, NULL);
  for (size_t k = 0; k < SEEDS; ++k) assert_int_equal(rf_host_calibration_seed(h, &seeds[k]), 0);
  rf_scenario_reader *r = NULL;
  assert_int_equal(rf_scenario_reader_open(&r, SMALL_PATH, NULL, NULL), RF_OK);
  const char *names[] = {"shelves", "cameras", "tracker"};
  int64_t seqs[3] = {0, 0, 0};
  rf_record rec;
  int rc;
  while ((rc = rf_scenario_reader_next(r, &rec)) == RF_OK) {
    if (is_event(rec.type)) { /* numbered as the feed's gateway numbers them */
      rec.source = default_source(rec.type);
      size_t k = 0;
      while (strcmp(names[k], rec.source) != 0) ++k;
      rec.has_seq = 1;
      rec.seq = ++seqs[k];
    }
    int prc = rf_host_push(h, &rec);
    if (prc != RF_OK && prc != RF_SETASIDE)
      fail_msg("line %llu: %s: %s", (unsigned long long)rec.line, rf_err_name(prc),
               rf_host_errmsg(h));
  }
  assert_int_equal(rc, RF_ITEROVER);
  rf_scenario_reader_free(r);
  assert_int_equal(rf_host_finish(h), RF_OK);
  rf_host_counts counts;
  rf_host_get_counts(h, &counts);
  assert_int_equal(counts.seeds_refused, 1);
  scales_of(rf_host_engine(h), end);
  /* it learned: G1S1P1 moved from its seed, and ends tighter than half GAIN_SD */
  assert_string_equal(end->s[0].id, "G1S1P1");
  assert_true(end->s[0].evidence > 0);
  assert_true(end->s[0].value != 1.02);
  assert_true(end->s[0].sd < 0.005);
  assert_string_equal(end->s[9].id, "859000002138");
  assert_true(end->s[9].evidence > 0);
  assert_true(end->s[9].sd < 0.01 * 540.67);
  rf_host_free(h);
}

static void test_calibration_seed_api(void **state) {
  fixture *fx = *state;
  /* NULL */
  rf_service *svc = NULL;
  rf_service_options o = options(NULL);
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  assert_int_equal(rf_service_calibration_seed(NULL, &seeds[0]), RF_EINVAL);
  assert_int_equal(rf_service_calibration_seed(svc, NULL), RF_EINVAL);
  rf_scale no_id = seeds[0];
  no_id.id = NULL;
  assert_int_equal(rf_service_calibration_seed(svc, &no_id), RF_EINVAL);
  /* before the start: taken (the one the store lacks too: the engine leaves it out) */
  for (size_t k = 0; k < SEEDS; ++k)
    assert_int_equal(rf_service_calibration_seed(svc, &seeds[k]), RF_OK);
  assert_string_equal(rf_service_errmsg(svc), "");
  add_store(svc, 0);
  assert_int_equal(rf_service_start(svc), RF_OK);
  /* after it: refused */
  assert_int_equal(rf_service_calibration_seed(svc, &seeds[0]), RF_EMISUSE);
  assert_string_equal(rf_service_errmsg(svc), "seeds come before the start");
  service_down(fx, svc);

  /* the baseline has none */
  o.method = RF_METHOD_GREEDY;
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  assert_int_equal(rf_service_calibration_seed(svc, &seeds[0]), RF_ENOTFOUND);
  assert_string_equal(rf_service_errmsg(svc), "the baseline has no calibration");
  assert_int_equal(rf_service_calibration_seed(svc, NULL), RF_EINVAL);
  add_store(svc, 0);
  assert_int_equal(rf_service_start(svc), RF_OK);
  assert_int_equal(rf_service_calibration_seed(svc, &seeds[0]), RF_EMISUSE);
  service_down(fx, svc);
}

/* Seeded, the service's first day starts from the seeds; its second from the first's end values
 * (an rf_host's on the same records and seeds), each sd at least half GAIN_SD (0.005) or half
 * WEIGHT_SD (1 % of the weight). */
static void test_calibration_carries_over_the_days(void **state) {
  fixture *fx = *state;
  scale_list end1;
  seeded_day(&end1);

  rf_service_options o = options(NULL);
  rf_service *svc = NULL;
  assert_int_equal(rf_service_new(&svc, &fx->loop, &o, NULL), RF_OK);
  rf_service_set_log(svc, log_line, &fx->log);
  for (size_t k = 0; k < SEEDS; ++k)
    assert_int_equal(rf_service_calibration_seed(svc, &seeds[k]), RF_OK);
  add_store(svc, 0);
  assert_int_equal(rf_service_start(svc), RF_OK);
  char bound[256];
  assert_int_equal(rf_service_listen(svc, fx->address, bound, sizeof bound), RF_OK);

  /* day 1: the feed's events, its finish held back */
  client gw;
  client_connect(&gw, &fx->loop, fx->path);
  size_t len;
  const char *bytes = (const char *)rf_wire_encoder_data(fx->f.gateway, &len);
  const char *finish = "{\"type\":\"finish\"}\n";
  assert_true(len > strlen(finish));
  assert_memory_equal(bytes + len - strlen(finish), finish, strlen(finish)); /* not NUL-ended */
  client_send_bytes(&gw, bytes, len - strlen(finish));
  RUN_UNTIL(&fx->loop, count_lines(&gw.got) >= fx->f.events);
  const rf_host *host = rf_service_host(svc);
  assert_non_null(host);
  rf_host_counts counts;
  rf_host_get_counts(host, &counts);
  assert_int_equal(counts.seeds_refused, 1); /* NO_SUCH_PLATE */
  scale_list day1;
  scales_of(rf_host_engine(host), &day1);
  assert_string_equal(day1.s[0].id, "G1S1P1");
  assert_close(day1.s[0].prior, 1.02, "day 1's prior", "G1S1P1");
  assert_string_equal(day1.s[9].id, "859000002138");
  assert_close(day1.s[9].prior, 540.67, "day 1's prior", "859000002138");
  for (size_t k = 1; k < 8; ++k) assert_close(day1.s[k].prior, 1.0, "day 1's prior", day1.id[k]);

  /* its end */
  client_send_bytes(&gw, finish, strlen(finish));
  RUN_UNTIL(&fx->loop, count_lines(&gw.got) >= fx->f.events + 1);
  assert_null(rf_service_host(svc));
  assert_int_equal(stats_of(svc).days, 1);

  /* day 2: an enter begins it (seq 1 again: the day before has ended) */
  rf_wire_encoder *enc = NULL;
  assert_int_equal(rf_wire_encoder_new(&enc, RF_FORMAT_JSONL, NULL), RF_OK);
  rf_wire_msg m = {.kind = RF_WIRE_RECORD};
  m.u.record.type = RF_RECORD_ENTER;
  m.u.record.source = "tracker";
  m.u.record.has_seq = 1;
  m.u.record.seq = 1;
  m.u.record.u.enter = (rf_shopper_rec){1000000, "S1", 0};
  assert_int_equal(rf_wire_encode(enc, &m), RF_OK);
  client_send(&gw, enc);
  RUN_UNTIL(&fx->loop, count_lines(&gw.got) >= fx->f.events + 2);
  const char *ack = "{\"type\":\"ack\",\"source\":\"tracker\",\"seq\":1}\n"; /* taken */
  assert_true(gw.got.len > strlen(ack));
  assert_string_equal(gw.got.data + gw.got.len - strlen(ack), ack);
  host = rf_service_host(svc);
  assert_non_null(host);
  rf_host_get_counts(host, &counts);
  assert_int_equal(counts.seeds_refused, 0); /* day 1's scales: the store's own */
  scale_list day2;
  scales_of(rf_host_engine(host), &day2);
  for (size_t k = 0; k < day2.n; ++k) {
    const rf_scale *got = &day2.s[k], *was = &end1.s[k];
    assert_int_equal(got->kind, was->kind);
    assert_string_equal(got->id, was->id);
    const double floor = got->kind == RF_SCALE_GAIN ? 0.005 : 0.01 * was->prior;
    assert_close(got->prior, was->value, "day 2's prior", got->id);
    assert_close(got->value, was->value, "day 2's value", got->id);
    assert_close(got->sd, was->sd > floor ? was->sd : floor, "day 2's sd", got->id);
    assert_true(got->evidence == 0.0);
  }
  /* the tight seeds: their sd floored */
  assert_close(day2.s[0].sd, 0.005, "day 2's sd", "G1S1P1");
  assert_close(day2.s[9].sd, 5.4067, "day 2's sd", "859000002138");

  rf_wire_encoder_free(enc);
  client_close(&gw, &fx->loop);
  service_down(fx, svc);
  assert_int_equal(fx->log.len, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_gateway_acks_and_subscriber_gets_the_hosts_output, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_stats_count_the_day, setup, teardown),
      cmocka_unit_test_setup_teardown(test_restart_on_the_journal_gives_the_same_output, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_a_store_with_cameras_and_zones, setup, teardown),
      cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_set_aside_records_are_acked_with_their_reason, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_finish_with_no_event_ends_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_protobuf_records_keep_the_hellos_source, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_calibration_seed_api, setup, teardown),
      cmocka_unit_test_setup_teardown(test_calibration_carries_over_the_days, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
