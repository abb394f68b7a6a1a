/* The zone detector on the simulator's rendered video, all in one process (a busy store's video
 * is tens of GB): every camera's frames are rendered and handed straight to a detector, two
 * cameras at a time on two threads; the hand visits found are matched to the renderer's truth;
 * and the store's receipts are scored with the detected visits in place of the simulator's own.
 *
 *   bench_camera SEEDS [--first N] [--preset NAME] [--duration S] [--background MODEL]
 *                [--threads N] [--video WxH] [--json]
 *   bench_camera --speed [--frames N] [--runs N]
 *
 * Matching: a detected visit and a true one on the same shelf match when their spans overlap by
 * at least half their union (intersection over union >= 0.5 — a visit of 1 s found 0.25 s late
 * at both ends still matches), one to one, best overlap first. Precision is matched over found,
 * recall matched over true; time and place errors are over matched pairs.
 *
 * --speed times the detector alone on frames rendered once into memory (camera 1 of seed 1001
 * of busy), each model in turn, alternating, the median of --runs runs: frames per second of
 * one core. */
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retailfuse/retailfuse.h"

typedef struct visit {
  char shelf[24];
  int64_t t0, t1;
  double x;
  int matched;
  int camera; /* found visits: the camera that saw it */
} visit;

typedef struct visits {
  visit *v;
  size_t count, cap;
} visits;

static int push_visit(visits *vs, const rf_hand_rec *h) {
  if (vs->count == vs->cap) {
    size_t cap = vs->cap ? 2 * vs->cap : 256;
    visit *grown = realloc(vs->v, cap * sizeof *grown);
    if (grown == NULL) return RF_ENOMEM;
    vs->v = grown;
    vs->cap = cap;
  }
  visit *v = &vs->v[vs->count++];
  snprintf(v->shelf, sizeof v->shelf, "%s", h->shelf);
  v->t0 = h->t0;
  v->t1 = h->t1;
  v->x = h->has_x ? h->x : NAN;
  v->matched = 0;
  return 0;
}

static int on_visit(const rf_record *r, void *payload) {
  if (r->type != RF_RECORD_HAND) return 0;
  visits *vs = payload;
  int rc = push_visit(vs, &r->u.hand);
  /* The renderer's cameras are "cam-G<n>", gondola n: camera n - 1. */
  if (rc == 0 && r->source != NULL && strncmp(r->source, "cam-G", 5) == 0)
    vs->v[vs->count - 1].camera = atoi(r->source + 5) - 1;
  return rc;
}

/* ---- rendering and detecting, a camera per job ----------------------------------------------- */

typedef struct job {
  const rf_sim_video *video;
  rf_camera_rec camera;
  rf_zone_rec *zones;
  size_t zone_count;
  rf_detector_options options;
  visits found; /* this camera's detections */
  rf_detector *detector;
  int rc;
} job;

typedef struct layout {
  job *jobs;
  size_t count;
  char **strings;
  size_t string_count;
} layout;

static const char *keep(layout *l, const char *s) {
  char **grown = realloc(l->strings, (l->string_count + 1) * sizeof *grown);
  if (grown == NULL) return NULL;
  l->strings = grown;
  return l->strings[l->string_count++] = strdup(s);
}

static int on_layout(const rf_record *r, void *payload) {
  layout *l = payload;
  if (r->type == RF_RECORD_CAMERA) {
    job *j = &l->jobs[l->count++];
    memset(j, 0, sizeof *j);
    j->camera = r->u.camera;
    j->camera.camera = keep(l, r->u.camera.camera);
  } else if (r->type == RF_RECORD_ZONE) {
    job *j = &l->jobs[l->count - 1];
    rf_zone_rec *grown = realloc(j->zones, (j->zone_count + 1) * sizeof *grown);
    if (grown == NULL) return RF_ENOMEM;
    j->zones = grown;
    rf_zone_rec *z = &j->zones[j->zone_count++];
    *z = r->u.zone;
    z->camera = j->camera.camera;
    z->shelf = keep(l, r->u.zone.shelf);
  }
  return 0;
}

static int on_frame(size_t camera, int64_t index, rf_time_us t, const uint8_t *luma,
                    void *payload) {
  (void)camera;
  (void)index;
  job *j = payload;
  return rf_detector_frame(j->detector, luma, (size_t)j->camera.width, t);
}

static void run_job(job *j, size_t camera) {
  char err[256];
  j->rc = rf_detector_new(&j->detector, &j->camera, j->zones, j->zone_count, &j->options, NULL, err,
                          sizeof err);
  if (j->rc != 0) {
    fprintf(stderr, "bench_camera: %s: %s\n", j->camera.camera, err);
    return;
  }
  rf_detector_set_output(j->detector, on_visit, &j->found);
  j->rc = rf_sim_video_render(j->video, camera, on_frame, j);
  if (j->rc == 0) j->rc = rf_detector_finish(j->detector);
}

typedef struct pool {
  layout *l;
  size_t next;
  pthread_mutex_t lock;
} pool;

static void *worker(void *arg) {
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    size_t i = p->next++;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->l->count) return NULL;
    run_job(&p->l->jobs[i], i);
  }
}

static void layout_free(layout *l) {
  for (size_t i = 0; i < l->count; i++) {
    free(l->jobs[i].zones);
    free(l->jobs[i].found.v);
    rf_detector_free(l->jobs[i].detector);
  }
  free(l->jobs);
  for (size_t i = 0; i < l->string_count; i++) free(l->strings[i]);
  free(l->strings);
}

/* ---- what else the cameras filmed ---------------------------------------------------------- */

typedef struct event {
  size_t camera;
  int kind;
  int64_t t0, t1;
} event;

typedef struct events {
  event *e;
  size_t count, cap;
} events;

static int on_event(size_t camera, rf_sim_video_event kind, rf_time_us t0, rf_time_us t1,
                    void *payload) {
  events *es = payload;
  if (es->count == es->cap) {
    es->cap = es->cap ? 2 * es->cap : 256;
    event *grown = realloc(es->e, es->cap * sizeof *grown);
    if (grown == NULL) return RF_ENOMEM;
    es->e = grown;
  }
  es->e[es->count++] = (event){camera, (int)kind, t0, t1};
  return 0;
}

enum { CAUSE_PASSER, CAUSE_STEP, CAUSE_SHAKE, CAUSE_OTHER, CAUSES };
static const char *const cause_names[CAUSES] = {"a body passing", "a light step", "a shake",
                                                "nothing filmed"};

/* Why a false visit was seen: a body passing in front of its camera while it lasted (with half
 * a second's slack), a light step within a second of it, a shake during it; else nothing the
 * renderer filmed explains it. */
static int cause_of(const visit *v, const events *es) {
  int best = CAUSE_OTHER;
  for (size_t i = 0; i < es->count; i++) {
    const event *e = &es->e[i];
    if (e->camera != (size_t)v->camera) continue;
    int64_t slack = e->kind == RF_SIM_VIDEO_LIGHT_STEP ? 1000000 : 500000;
    if (e->t0 - slack > v->t1 || e->t1 + slack < v->t0) continue;
    int cause = e->kind == RF_SIM_VIDEO_PASSER       ? CAUSE_PASSER
                : e->kind == RF_SIM_VIDEO_LIGHT_STEP ? CAUSE_STEP
                                                     : CAUSE_SHAKE;
    if (cause < best) best = cause;
  }
  return best;
}

enum { MISS_MERGED, MISS_PASSER, MISS_OTHER, MISSES };
static const char *const miss_names[MISSES] = {
    "beside another hand on its shelf (one visit found for two)",
    "behind a body passing for most of it", "neither"};

/* Why a true visit was missed: another true visit on its shelf overlapping it was found (two
 * hands seen as one); a body passed in front of its camera for at least half of it; else
 * neither. */
static int miss_of(const visit *v, const visits *truth, const events *es) {
  for (size_t i = 0; i < truth->count; i++) {
    const visit *w = &truth->v[i];
    if (w != v && w->matched && strcmp(w->shelf, v->shelf) == 0 && w->t0 < v->t1 && v->t0 < w->t1)
      return MISS_MERGED;
  }
  int64_t covered = 0;
  for (size_t i = 0; i < es->count; i++) {
    const event *e = &es->e[i];
    if (e->camera != (size_t)v->camera || e->kind != RF_SIM_VIDEO_PASSER) continue;
    int64_t lo = e->t0 > v->t0 ? e->t0 : v->t0, hi = e->t1 < v->t1 ? e->t1 : v->t1;
    if (hi > lo) covered += hi - lo;
  }
  return 2 * covered >= v->t1 - v->t0 ? MISS_PASSER : MISS_OTHER;
}

/* ---- matching ------------------------------------------------------------------------------ */

typedef struct pair {
  size_t found, truth;
  double iou;
} pair;

static double iou(const visit *a, const visit *b) {
  int64_t lo = a->t0 > b->t0 ? a->t0 : b->t0, hi = a->t1 < b->t1 ? a->t1 : b->t1;
  int64_t ulo = a->t0 < b->t0 ? a->t0 : b->t0, uhi = a->t1 > b->t1 ? a->t1 : b->t1;
  if (hi <= lo || uhi <= ulo) return 0;
  return (double)(hi - lo) / (double)(uhi - ulo);
}

static int by_iou(const void *a, const void *b) {
  double x = ((const pair *)a)->iou, y = ((const pair *)b)->iou;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* Growing arrays of doubles, for medians and percentiles over every seed. */
typedef struct series {
  double *v;
  size_t count, cap;
} series;

static void add(series *s, double x) {
  if (s->count == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 1024;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (s->v == NULL) abort();
  }
  s->v[s->count++] = x;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double quantile(series *s, double q) {
  if (s->count == 0) return NAN;
  qsort(s->v, s->count, sizeof *s->v, by_value);
  size_t i = (size_t)floor(q * (double)(s->count - 1) + 0.5);
  return s->v[i];
}

typedef struct totals {
  long found, truth, matched;
  series t0_ms, t1_ms, x_cm;
  double f1_sim, f1_sim_anonymous, f1_detected;
  int seeds;
  long false_by_cause[CAUSES];
  long missed_by_cause[MISSES];
} totals;

/* Matches found to truth one to one, best overlap first (pairs on one shelf, IoU >= 0.5). */
static void match(visits *found, visits *truth, totals *t) {
  size_t n = 0, cap = 1024;
  pair *pairs = malloc(cap * sizeof *pairs);
  for (size_t i = 0; i < found->count; i++)
    for (size_t j = 0; j < truth->count; j++) {
      const visit *a = &found->v[i], *b = &truth->v[j];
      if (strcmp(a->shelf, b->shelf) != 0) continue;
      double o = iou(a, b);
      if (o < 0.5) continue;
      if (n == cap) pairs = realloc(pairs, (cap *= 2) * sizeof *pairs);
      pairs[n++] = (pair){i, j, o};
    }
  qsort(pairs, n, sizeof *pairs, by_iou);
  for (size_t k = 0; k < n; k++) {
    visit *a = &found->v[pairs[k].found], *b = &truth->v[pairs[k].truth];
    if (a->matched || b->matched) continue;
    a->matched = b->matched = 1;
    t->matched++;
    add(&t->t0_ms, fabs((double)(a->t0 - b->t0)) / 1000);
    add(&t->t1_ms, fabs((double)(a->t1 - b->t1)) / 1000);
    add(&t->x_cm, fabs(a->x - b->x) * 100);
  }
  t->found += (long)found->count;
  t->truth += (long)truth->count;
  free(pairs);
}

/* Unmatched visits, found and true, for looking into (BENCH_CAMERA_DUMP set): each with the
 * nearest true visit in time on any shelf. */
static void dump(const visits *found, const visits *truth) {
  for (int kind = 0; kind < 2; kind++) {
    const visits *a = kind ? truth : found, *b = kind ? found : truth;
    for (size_t i = 0; i < a->count; i++) {
      const visit *v = &a->v[i];
      if (v->matched) continue;
      const visit *near = NULL;
      for (size_t j = 0; j < b->count; j++) {
        const visit *w = &b->v[j];
        if (near == NULL || llabs((w->t0 + w->t1) - (v->t0 + v->t1)) <
                                llabs((near->t0 + near->t1) - (v->t0 + v->t1)))
          near = w;
      }
      fprintf(stderr, "%s %s %.3f-%.3f x %.3f", kind ? "missed" : "false", v->shelf, v->t0 / 1e6,
              v->t1 / 1e6, v->x);
      if (near)
        fprintf(stderr, "  nearest %s %s %.3f-%.3f x %.3f", kind ? "found" : "true", near->shelf,
                near->t0 / 1e6, near->t1 / 1e6, near->x);
      fputc('\n', stderr);
    }
  }
}

/* ---- receipts ------------------------------------------------------------------------------ */

/* Detected visits go into the stream this long after they end: the detector gives a visit
 * gap_s after its last frame, plus a batch. */
#define DETECTED_LATENCY_US 500000

typedef struct detected {
  const char *source;
  visit v;
} detected;

enum { HANDS_SIM, HANDS_ANONYMOUS, HANDS_DETECTED };

typedef struct scoring {
  rf_host *host;
  rf_eval *eval;
  int hands;
  const detected *found;
  size_t found_count, next;
} scoring;

/* When a simulated record is complete (the stream is ordered by that, plus each kind's delay);
 * INT64_MIN for the store's records. */
static int64_t record_time(const rf_record *r) {
  rf_time_us t0, t1;
  return rf_record_span(r, &t0, &t1) ? t1 : INT64_MIN;
}

static void push_found_until(scoring *s, int64_t t) {
  for (; s->next < s->found_count; s->next++) {
    const detected *d = &s->found[s->next];
    if (t != INT64_MAX && d->v.t1 + DETECTED_LATENCY_US > t) return;
    rf_record r;
    memset(&r, 0, sizeof r);
    r.type = RF_RECORD_HAND;
    r.source = d->source;
    r.u.hand.shelf = d->v.shelf;
    r.u.hand.t0 = d->v.t0;
    r.u.hand.t1 = d->v.t1;
    r.u.hand.has_x = 1;
    r.u.hand.x = d->v.x;
    r.u.hand.holding_in = r.u.hand.holding_out = RF_UNKNOWN;
    rf_host_push(s->host, &r);
  }
}

static int on_scenario(const rf_record *rec, void *payload) {
  scoring *s = payload;
  if (rec->type == RF_RECORD_HAND && s->hands == HANDS_DETECTED) return 0;
  if (s->hands == HANDS_DETECTED) {
    int64_t t = record_time(rec);
    if (t != INT64_MIN) push_found_until(s, t);
  }
  if (rec->type == RF_RECORD_HAND && s->hands == HANDS_ANONYMOUS) {
    rf_record copy = *rec;
    copy.u.hand.shopper = NULL;
    rf_host_push(s->host, &copy);
    return 0;
  }
  rf_host_push(s->host, rec); /* a refused record is the host's to count */
  return 0;
}

static int on_output(const rf_record *rec, void *payload) {
  return rf_eval_add_output(((scoring *)payload)->eval, rec);
}

static int on_truth(const rf_record *rec, void *payload) {
  return rf_eval_add_truth(((scoring *)payload)->eval, rec);
}

static double receipt_f1(const rf_sim_params *p, uint64_t seed, int hands, const detected *found,
                         size_t found_count) {
  scoring s = {NULL, NULL, hands, found, found_count, 0};
  double f1 = NAN;
  if (rf_host_new(&s.host, RF_METHOD_FUSED, NULL) == 0 && rf_eval_new(&s.eval, NULL) == 0) {
    rf_host_set_output(s.host, on_output, &s);
    int rc = rf_sim_run(p, seed, on_scenario, &s, on_truth, &s, NULL);
    if (rc == 0 && hands == HANDS_DETECTED) push_found_until(&s, INT64_MAX);
    if (rc == 0) rc = rf_host_finish(s.host);
    rf_eval_scores sc;
    if (rc == 0 && rf_eval_score(s.eval, &sc) == 0) f1 = sc.f1;
  }
  rf_host_free(s.host);
  rf_eval_free(s.eval);
  return f1;
}

static int by_end(const void *a, const void *b) {
  int64_t x = ((const detected *)a)->v.t1, y = ((const detected *)b)->v.t1;
  return x < y ? -1 : x > y;
}

/* ---- one seed ------------------------------------------------------------------------------ */

typedef struct config {
  const char *preset;
  double duration_s;
  rf_detector_options options;
  rf_sim_video_options video;
  int threads, json;
} config;

static int sim_params(const config *c, rf_sim_params *p) {
  if (rf_sim_preset(p, c->preset) != 0) return RF_ENOTFOUND;
  if (c->duration_s > 0) p->duration_s = c->duration_s;
  return 0;
}

static int one_seed(const config *c, uint64_t seed, totals *t) {
  rf_sim_params p;
  int rc = sim_params(c, &p);
  rf_sim_video *video = NULL;
  if (rc == 0) rc = rf_sim_video_new(&video, &p, seed, &c->video, NULL);
  if (rc != 0) return rc;
  layout l;
  memset(&l, 0, sizeof l);
  l.jobs = calloc(rf_sim_video_camera_count(video) + 1, sizeof *l.jobs);
  visits truth = {0};
  events filmed = {0};
  rc = l.jobs ? rf_sim_video_layout(video, on_layout, &l) : RF_ENOMEM;
  if (rc == 0) rc = rf_sim_video_visits(video, on_visit, &truth);
  if (rc == 0) rc = rf_sim_video_events(video, on_event, &filmed);
  for (size_t i = 0; i < l.count; i++) {
    l.jobs[i].video = video;
    l.jobs[i].options = c->options;
  }
  pool pl = {&l, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t th[8];
  int threads = c->threads < 1 ? 1 : c->threads > 8 ? 8 : c->threads;
  for (int i = 0; rc == 0 && i < threads; i++) pthread_create(&th[i], NULL, worker, &pl);
  for (int i = 0; rc == 0 && i < threads; i++) pthread_join(th[i], NULL);
  size_t total_found = 0;
  for (size_t i = 0; rc == 0 && i < l.count; i++) {
    if (l.jobs[i].rc != 0) rc = l.jobs[i].rc;
    total_found += l.jobs[i].found.count;
  }
  detected *all = calloc(total_found + 1, sizeof *all);
  visits found = {calloc(total_found + 1, sizeof(visit)), 0, total_found + 1};
  for (size_t i = 0, k = 0; rc == 0 && i < l.count; i++)
    for (size_t j = 0; j < l.jobs[i].found.count; j++, k++) {
      l.jobs[i].found.v[j].camera = (int)i;
      all[k].source = l.jobs[i].camera.camera;
      all[k].v = l.jobs[i].found.v[j];
      found.v[found.count++] = l.jobs[i].found.v[j];
    }
  if (rc == 0) {
    long matched_before = t->matched;
    match(&found, &truth, t);
    for (size_t i = 0; i < found.count; i++)
      if (!found.v[i].matched) t->false_by_cause[cause_of(&found.v[i], &filmed)]++;
    for (size_t i = 0; i < truth.count; i++)
      if (!truth.v[i].matched) t->missed_by_cause[miss_of(&truth.v[i], &truth, &filmed)]++;
    if (getenv("BENCH_CAMERA_DUMP")) dump(&found, &truth);
    qsort(all, total_found, sizeof *all, by_end);
    double f_sim = receipt_f1(&p, seed, HANDS_SIM, NULL, 0);
    double f_anon = receipt_f1(&p, seed, HANDS_ANONYMOUS, NULL, 0);
    double f_det = receipt_f1(&p, seed, HANDS_DETECTED, all, total_found);
    t->f1_sim += f_sim, t->f1_sim_anonymous += f_anon, t->f1_detected += f_det;
    t->seeds++;
    long m = t->matched - matched_before;
    printf("seed %llu: %zu true visits, %zu found, %ld matched (precision %.4f, recall %.4f); "
           "receipt F1 %.4f with the simulator's hands, %.4f with them anonymous, %.4f detected\n",
           (unsigned long long)seed, truth.count, found.count, m,
           found.count ? (double)m / (double)found.count : 0,
           truth.count ? (double)m / (double)truth.count : 0, f_sim, f_anon, f_det);
    fflush(stdout);
  }
  free(filmed.e);
  free(all);
  free(found.v);
  free(truth.v);
  layout_free(&l);
  rf_sim_video_free(video);
  return rc;
}

static void report(totals *t, const config *c) {
  double n = t->seeds ? t->seeds : 1;
  double precision = t->found ? (double)t->matched / (double)t->found : 0;
  double recall = t->truth ? (double)t->matched / (double)t->truth : 0;
  printf("\n%s, %d seeds, background %s: %ld true visits, %ld found, %ld matched\n", c->preset,
         t->seeds, rf_background_name(c->options.background), t->truth, t->found, t->matched);
  printf("precision %.4f, recall %.4f\n", precision, recall);
  printf("enter time error: median %.0f ms, p95 %.0f ms; leave: median %.0f ms, p95 %.0f ms\n",
         quantile(&t->t0_ms, 0.5), quantile(&t->t0_ms, 0.95), quantile(&t->t1_ms, 0.5),
         quantile(&t->t1_ms, 0.95));
  printf("false visits by what the camera filmed then:");
  for (int k = 0; k < CAUSES; k++)
    printf("%s %s %ld", k ? "," : "", cause_names[k], t->false_by_cause[k]);
  printf("\n");
  printf("missed visits:");
  for (int k = 0; k < MISSES; k++)
    printf("%s %s %ld", k ? "," : "", miss_names[k], t->missed_by_cause[k]);
  printf("\n");
  printf("x error: median %.2f cm, p95 %.2f cm\n", quantile(&t->x_cm, 0.5),
         quantile(&t->x_cm, 0.95));
  printf("receipt F1 (mean over seeds): simulator's hands %.4f, anonymous %.4f, detected %.4f "
         "(detected - simulator's %+.4f)\n",
         t->f1_sim / n, t->f1_sim_anonymous / n, t->f1_detected / n,
         (t->f1_detected - t->f1_sim) / n);
}

/* ---- speed --------------------------------------------------------------------------------- */

typedef struct film {
  uint8_t *frames;
  int64_t *t;
  size_t count, want, size;
} film;

#define STOP 1 /* the render callback's "enough" */

static int keep_frame(size_t camera, int64_t index, rf_time_us t, const uint8_t *luma,
                      void *payload) {
  (void)camera;
  (void)index;
  film *f = payload;
  memcpy(f->frames + f->count * f->size, luma, f->size);
  f->t[f->count++] = t;
  return f->count == f->want ? STOP : 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double time_model(const film *f, const job *cam, rf_background model) {
  rf_detector_options o;
  rf_detector_options_init(&o);
  o.background = model;
  rf_detector *d = NULL;
  if (rf_detector_new(&d, &cam->camera, cam->zones, cam->zone_count, &o, NULL, NULL, 0) != 0)
    return NAN;
  double start = now_s();
  for (size_t i = 0; i < f->count; i++)
    rf_detector_frame(d, f->frames + i * f->size, (size_t)cam->camera.width, f->t[i]);
  rf_detector_finish(d);
  double seconds = now_s() - start;
  rf_detector_free(d);
  return (double)f->count / seconds;
}

static int speed(const config *c, size_t frames, int runs) {
  rf_sim_params p;
  rf_sim_video *video = NULL;
  int rc = sim_params(c, &p);
  if (rc == 0) rc = rf_sim_video_new(&video, &p, 1001, &c->video, NULL);
  if (rc != 0) return rc;
  layout l;
  memset(&l, 0, sizeof l);
  l.jobs = calloc(rf_sim_video_camera_count(video) + 1, sizeof *l.jobs);
  rc = rf_sim_video_layout(video, on_layout, &l);
  film f = {NULL, NULL, 0, frames, (size_t)l.jobs[0].camera.width * l.jobs[0].camera.height};
  f.frames = malloc(frames * f.size);
  f.t = malloc(frames * sizeof *f.t);
  double start = now_s();
  if (rc == 0) rc = rf_sim_video_render(video, 0, keep_frame, &f);
  double render_fps = (double)f.count / (now_s() - start);
  if (rc == STOP) rc = 0;
  series fps[RF_BACKGROUND_COUNT] = {{0}};
  for (int r = 0; rc == 0 && r < runs; r++)
    for (int m = 0; m < RF_BACKGROUND_COUNT; m++) add(&fps[m], time_model(&f, &l.jobs[0], m));
  if (rc == 0) {
    printf("%zu frames of %dx%d, camera %s of %s seed 1001 (%zu zones); rendering %.0f frames/s\n",
           f.count, l.jobs[0].camera.width, l.jobs[0].camera.height, l.jobs[0].camera.camera,
           c->preset, l.jobs[0].zone_count, render_fps);
    for (int m = 0; m < RF_BACKGROUND_COUNT; m++)
      printf("%-12s %8.0f frames/s (median of %d; range %.0f-%.0f)\n",
             rf_background_name((rf_background)m), quantile(&fps[m], 0.5), runs,
             quantile(&fps[m], 0), quantile(&fps[m], 1));
  }
  for (int m = 0; m < RF_BACKGROUND_COUNT; m++) free(fps[m].v);
  free(f.frames);
  free(f.t);
  layout_free(&l);
  rf_sim_video_free(video);
  return rc;
}

int main(int argc, char **argv) {
  config c = {"busy", 600, {0}, {0}, 2, 0};
  rf_detector_options_init(&c.options);
  rf_sim_video_options_init(&c.video);
  int seeds = 0, first = 1001, do_speed = 0, runs = 5;
  size_t frames = 900;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (strcmp(a, "--speed") == 0) do_speed = 1;
    else if (strcmp(a, "--first") == 0 && has) first = atoi(argv[++i]);
    else if (strcmp(a, "--preset") == 0 && has) c.preset = argv[++i];
    else if (strcmp(a, "--duration") == 0 && has) c.duration_s = atof(argv[++i]);
    else if (strcmp(a, "--threads") == 0 && has) c.threads = atoi(argv[++i]);
    else if (strcmp(a, "--frames") == 0 && has) frames = (size_t)atol(argv[++i]);
    else if (strcmp(a, "--runs") == 0 && has) runs = atoi(argv[++i]);
    else if (strcmp(a, "--video") == 0 && has &&
             sscanf(argv[++i], "%dx%d", &c.video.width, &c.video.height) == 2) {
    } else if (strcmp(a, "--background") == 0 && has && rf_background_parse(argv[i + 1]) >= 0)
      c.options.background = (rf_background)rf_background_parse(argv[++i]);
    else if (seeds == 0 && atoi(a) > 0) seeds = atoi(a);
    else {
      fprintf(stderr, "usage: bench_camera SEEDS [--first N] [--preset NAME] [--duration S] "
                      "[--background MODEL] [--threads N] [--video WxH]\n"
                      "       bench_camera --speed [--frames N] [--runs N]\n");
      return 2;
    }
  }
  if (!do_speed && seeds == 0) {
    fprintf(stderr, "bench_camera: how many seeds? (bench_camera SEEDS ..., or --speed)\n");
    return 2;
  }
  if (do_speed) {
    int rc = speed(&c, frames, runs);
    if (rc != 0) fprintf(stderr, "bench_camera: %s\n", rf_strerror(rc));
    return rc != 0;
  }
  totals t;
  memset(&t, 0, sizeof t);
  for (int s = 0; s < seeds; s++) {
    int rc = one_seed(&c, (uint64_t)(first + s), &t);
    if (rc != 0) {
      fprintf(stderr, "bench_camera: seed %d: %s\n", first + s, rf_strerror(rc));
      return 1;
    }
  }
  report(&t, &c);
  return 0;
}
