/* retailfuse review: what the scenario shows around each decision, in one pass that keeps only
 * what falls in the decisions' windows (a day's raw readings are millions of records); and the
 * engine deciding a scenario again when the output has no explanations. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "review.h"

/* ---- one pass over a scenario: the store, then its events ---- */

typedef struct scan_hooks {
  int (*ready)(void *payload, char *err, size_t cap); /* the store is complete */
  int (*event)(void *payload, const rf_record *rec, char *err, size_t cap);
  void *payload;
} scan_hooks;

static int is_store(rf_record_type t) {
  return t == RF_RECORD_PRODUCT || t == RF_RECORD_SHELF || t == RF_RECORD_FACING ||
         t == RF_RECORD_CAMERA || t == RF_RECORD_ZONE;
}

static void bad_store_record(rv_report *r, const char *path, uint64_t line, const char *what) {
  if (r->scene_read) return;
  char message[700];
  snprintf(message, sizeof message, "line %llu: %s", (unsigned long long)line, what);
  rv_bad_line(path, message, ++r->scene_lines_bad);
}

static int add_to_store(rv_report *r, rf_store_builder *b, const char *path, const rf_record *rec) {
  int rc = 0;
  if (rec->type == RF_RECORD_PRODUCT) rc = rf_store_builder_add_product(b, &rec->u.product);
  else if (rec->type == RF_RECORD_SHELF) rc = rf_store_builder_add_shelf(b, &rec->u.shelf);
  else if (rec->type == RF_RECORD_FACING) rc = rf_store_builder_add_facing(b, &rec->u.facing);
  if (rc == RF_ENOMEM) return rc;
  if (rc != 0) bad_store_record(r, path, rec->line, rf_store_builder_errmsg(b));
  return 0;
}

/* Builds r->store from the store description (unless it is there from an earlier pass), calls
 * hooks->ready once it is complete and hooks->event for every record after it. */
static int scan(rv_report *r, const char *path, const char *label, const scan_hooks *hooks,
                char *err, size_t cap) {
  counted_input input;
  rf_scenario_reader *in = NULL;
  int rc = counted_input_open(&input, &in, path);
  if (rc != 0) {
    snprintf(err, cap, "cannot open '%s': %s", path,
             rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    return rc;
  }
  rf_store_builder *builder = NULL;
  if (r->store == NULL && (rc = rf_store_builder_new(&builder, NULL)) != 0) {
    counted_input_close(&input, in);
    snprintf(err, cap, "out of memory");
    return rc;
  }
  progress shown;
  progress_begin(&shown, label, input.size);
  uint64_t records = 0;
  int ready = 0;
  rf_record rec;
  while ((rc = rf_scenario_reader_next(in, &rec)) != RF_ITEROVER) {
    progress_update(&shown, input.bytes, ++records);
    if (rc == RF_EIO || rc == RF_ENOMEM) {
      snprintf(err, cap, "%s: %s", path, rf_scenario_reader_errmsg(in));
      break;
    }
    if (rc != 0) {
      if (!r->scene_read) rv_bad_line(path, rf_scenario_reader_errmsg(in), ++r->scene_lines_bad);
      rc = 0;
      continue;
    }
    if (is_store(rec.type)) {
      if (ready) bad_store_record(r, path, rec.line, "a store record after the events began");
      else if (builder != NULL && (rc = add_to_store(r, builder, path, &rec)) != 0) break;
      continue;
    }
    if (!ready) {
      if (builder != NULL && (rc = rf_store_builder_finish(builder, &r->store)) != 0) break;
      ready = 1;
      if ((rc = hooks->ready(hooks->payload, err, cap)) != 0) break;
    }
    if ((rc = hooks->event(hooks->payload, &rec, err, cap)) != 0) break;
  }
  if (rc == RF_ITEROVER) rc = 0;
  if (rc == 0 && !ready) {
    if (builder != NULL) rc = rf_store_builder_finish(builder, &r->store);
    if (rc == 0) rc = hooks->ready(hooks->payload, err, cap);
  }
  if (rc != 0 && err[0] == '\0') snprintf(err, cap, "%s: %s", path, rf_strerror(rc));
  progress_end(&shown);
  rf_store_builder_free(builder);
  counted_input_close(&input, in);
  r->scene_read = 1;
  return rc;
}

/* ---- deciding again ---- */

typedef struct again {
  rv_report *r;
  rf_engine *engine;
  int failed;
} again;

static int take_engine_output(const rf_record *rec, void *payload) {
  again *a = payload;
  if (rv_take_output(a->r, rec, 0) != 0) a->failed = 1;
  return 0;
}

static int again_ready(void *payload, char *err, size_t cap) {
  again *a = payload;
  int rc = rf_engine_new(&a->engine, a->r->store, NULL);
  if (rc != 0) {
    snprintf(err, cap, "cannot start the engine: %s", rf_strerror(rc));
    return rc;
  }
  rf_engine_set_explain(a->engine, 1);
  rf_engine_set_output(a->engine, take_engine_output, a);
  return 0;
}

static int is_input(rf_record_type t) {
  return t == RF_RECORD_ENTER || t == RF_RECORD_EXIT || t == RF_RECORD_LINK ||
         t == RF_RECORD_POSITION || t == RF_RECORD_SAMPLES || t == RF_RECORD_DELTA ||
         t == RF_RECORD_HAND || t == RF_RECORD_RESTOCK || t == RF_RECORD_REVIEW;
}

static int again_event(void *payload, const rf_record *rec, char *err, size_t cap) {
  again *a = payload;
  if (!is_input(rec->type)) return 0;
  int rc = rf_engine_push(a->engine, rec);
  if (rc == RF_SETASIDE) a->r->setaside++;
  else if (rc != 0 && rc != RF_EBEHIND) {
    snprintf(err, cap, "line %llu: %s", (unsigned long long)rec->line, rf_engine_errmsg(a->engine));
    return rc;
  }
  if (a->failed) {
    snprintf(err, cap, "out of memory");
    return RF_ENOMEM;
  }
  return 0;
}

int rv_decide_again(rv_report *r, const char *path, char *err, size_t cap) {
  again a = {r, NULL, 0};
  scan_hooks hooks = {again_ready, again_event, &a};
  char label[300];
  snprintf(label, sizeof label, "%s (deciding again)", path);
  int rc = scan(r, path, label, &hooks, err, cap);
  if (rc == 0 && a.engine != NULL && (rc = rf_engine_finish(a.engine)) != 0)
    snprintf(err, cap, "%s", rf_engine_errmsg(a.engine));
  if (rc == 0 && a.failed) {
    snprintf(err, cap, "out of memory");
    rc = RF_ENOMEM;
  }
  rf_engine_free(a.engine);
  return rc;
}

/* ---- the windows ---- */

/* Decisions whose windows may overlap a span: sorted by the window's start, with the latest end
 * so far, so that a query walks back from the last start before the span's end only while an
 * end reaches the span. */
typedef struct window_index {
  size_t *ids;
  int64_t *w0, *reach;
  size_t count;
} window_index;

typedef struct scene {
  rv_report *r;
  window_index *shelves; /* one per shelf of the store */
  size_t shelf_count;
  window_index everywhere; /* decisions with a point to measure distances to */
} scene;

static const rv_decision *sort_decisions; /* qsort has no context argument in C11 */

static int by_start(const void *a, const void *b) {
  int64_t x = sort_decisions[*(const size_t *)a].w0, y = sort_decisions[*(const size_t *)b].w0;
  return (x > y) - (x < y);
}

static int index_build(window_index *ix, rv_decision *d, const size_t *ids, size_t n) {
  ix->count = n;
  ix->ids = malloc((n ? n : 1) * sizeof *ix->ids);
  ix->w0 = malloc((n ? n : 1) * sizeof *ix->w0);
  ix->reach = malloc((n ? n : 1) * sizeof *ix->reach);
  if (ix->ids == NULL || ix->w0 == NULL || ix->reach == NULL) return RF_ENOMEM;
  if (n > 0) memcpy(ix->ids, ids, n * sizeof *ids);
  sort_decisions = d;
  qsort(ix->ids, n, sizeof *ix->ids, by_start);
  int64_t reach = INT64_MIN;
  for (size_t k = 0; k < n; ++k) {
    ix->w0[k] = d[ix->ids[k]].w0;
    if (d[ix->ids[k]].w1 > reach) reach = d[ix->ids[k]].w1;
    ix->reach[k] = reach;
  }
  return 0;
}

static void index_free(window_index *ix) {
  free(ix->ids);
  free(ix->w0);
  free(ix->reach);
}

/* Calls fn for each decision whose window overlaps [t0, t1]. */
typedef int (*overlap_fn)(scene *s, rv_decision *d, const rf_record *rec);

static int each_overlap(scene *s, const window_index *ix, int64_t t0, int64_t t1, overlap_fn fn,
                        const rf_record *rec) {
  size_t lo = 0, hi = ix->count;
  while (lo < hi) { /* the first window starting after t1 */
    size_t mid = lo + (hi - lo) / 2;
    if (ix->w0[mid] <= t1) lo = mid + 1;
    else hi = mid;
  }
  for (size_t k = lo; k-- > 0 && ix->reach[k] >= t0;) {
    rv_decision *d = &s->r->decisions[ix->ids[k]];
    if (d->w1 < t0) continue;
    int rc = fn(s, d, rec);
    if (rc != 0) return rc;
  }
  return 0;
}

/* The decision's window: the change with `window_s` either side, widened to the hand visits it
 * weighed with a second to spare (a minute more at most). */
#define MOST_WIDER_US 60000000

static void set_window(rv_decision *d, double window_s) {
  int64_t w = (int64_t)llround(window_s * 1e6);
  d->w0 = d->t0 - w;
  d->w1 = d->t1 + w;
  const int64_t least = d->w0 - MOST_WIDER_US, most = d->w1 + MOST_WIDER_US;
  for (size_t i = 0; i < d->hand_count; ++i) {
    if (d->hands[i].t0 - 1000000 < d->w0) d->w0 = d->hands[i].t0 - 1000000;
    if (d->hands[i].t1 + 1000000 > d->w1) d->w1 = d->hands[i].t1 + 1000000;
  }
  if (d->w0 < least) d->w0 = least;
  if (d->w1 > most) d->w1 = most;
}

/* Where on the floor the decision's distances are measured to: the point of the shelf's front
 * at the change's x when the shelf gives its direction, else its front centre. */
static void set_reference(rv_decision *d, const rf_shelf_def *def) {
  d->has_ref = def->has_pos;
  if (!def->has_pos) return;
  d->ref_x = def->pos_x;
  d->ref_y = def->pos_y;
  double len = hypot(def->dir_x, def->dir_y);
  if (!def->has_dir || !(len > 0.0)) return;
  double width = 0.0;
  for (size_t i = 0; i < def->plate_count; ++i)
    if (def->plates[i].x1 > width) width = def->plates[i].x1;
  d->ref_x += def->dir_x / len * (d->x - width / 2.0);
  d->ref_y += def->dir_y / len * (d->x - width / 2.0);
}

static int scene_ready(void *payload, char *err, size_t cap) {
  scene *s = payload;
  rv_report *r = s->r;
  s->shelf_count = rf_store_shelf_count(r->store);
  s->shelves = calloc(s->shelf_count + 1, sizeof *s->shelves);
  size_t *ids = malloc((r->decision_count + 1) * sizeof *ids);
  if (s->shelves == NULL || ids == NULL) goto nomem;
  for (size_t k = 0; k < r->decision_count; ++k) {
    rv_decision *d = &r->decisions[k];
    d->shelf_index = UINT32_MAX;
    uint32_t si;
    rf_shelf_def def;
    if (rf_store_find_shelf(r->store, d->shelf, &si) != 0 || rf_store_shelf(r->store, si, &def))
      continue;
    d->shelf_index = si;
    set_reference(d, &def);
    d->plate_count = def.plate_count;
    d->plates = calloc(def.plate_count, sizeof *d->plates);
    d->track_count = d->cand_count;
    d->tracks = calloc(d->cand_count + 1, sizeof *d->tracks);
    if (d->plates == NULL || d->tracks == NULL) goto nomem;
    for (size_t i = 0; i < d->plate_count; ++i) d->plates[i].base_t = INT64_MAX;
    for (size_t i = 0; i < d->track_count; ++i) {
      d->tracks[i].shopper = d->cands[i].shopper;
      d->tracks[i].last_bucket = INT64_MIN;
      d->tracks[i].before_t = INT64_MIN;
    }
  }
  for (uint32_t si = 0; si < s->shelf_count; ++si) {
    size_t n = 0;
    for (size_t k = 0; k < r->decision_count; ++k)
      if (r->decisions[k].shelf_index == si) ids[n++] = k;
    if (index_build(&s->shelves[si], r->decisions, ids, n) != 0) goto nomem;
  }
  size_t n = 0;
  for (size_t k = 0; k < r->decision_count; ++k)
    if (r->decisions[k].has_ref && r->decisions[k].track_count > 0) ids[n++] = k;
  if (index_build(&s->everywhere, r->decisions, ids, n) != 0) goto nomem;
  free(ids);
  return 0;
nomem:
  free(ids);
  snprintf(err, cap, "out of memory");
  return RF_ENOMEM;
}

/* ---- what falls in a window ---- */

static int add_samples(scene *s, rv_decision *d, const rf_record *rec) {
  const rf_samples_rec *m = &rec->u.samples;
  uint32_t plate, shelf;
  if (rf_store_find_plate(s->r->store, m->plate, &plate) != 0 ||
      rf_store_plate(s->r->store, plate, NULL, &shelf) != 0 || shelf != d->shelf_index)
    return 0;
  rv_trace *tr = &d->plates[plate - rf_store_shelf_first_plate(s->r->store, shelf)];
  if (tr->lo == NULL) {
    tr->lo = malloc(RV_BUCKETS * sizeof *tr->lo);
    tr->hi = malloc(RV_BUCKETS * sizeof *tr->hi);
    if (tr->lo == NULL || tr->hi == NULL) return RF_ENOMEM;
    for (int b = 0; b < RV_BUCKETS; ++b) tr->lo[b] = 1.0f, tr->hi[b] = -1.0f;
  }
  int64_t first = 0, last = (int64_t)m->count - 1, span = d->w1 - d->w0 + 1;
  if (m->t < d->w0) first = (d->w0 - m->t + m->dt_us - 1) / m->dt_us;
  if (m->t + last * m->dt_us > d->w1) last = (d->w1 - m->t) / m->dt_us;
  for (int64_t i = first; i <= last; ++i) {
    int64_t t = m->t + i * m->dt_us;
    double g = m->g[i];
    if (!isfinite(g)) continue;
    if (t < tr->base_t) {
      tr->base_t = t;
      tr->base = g;
    }
    int b = (int)((t - d->w0) * RV_BUCKETS / span);
    float v = (float)g;
    if (tr->lo[b] > tr->hi[b]) tr->lo[b] = tr->hi[b] = v;
    else if (v < tr->lo[b]) tr->lo[b] = v;
    else if (v > tr->hi[b]) tr->hi[b] = v;
  }
  return 0;
}

static int add_delta(scene *s, rv_decision *d, const rf_record *rec) {
  const rf_delta_rec *m = &rec->u.delta;
  uint32_t first = rf_store_shelf_first_plate(s->r->store, d->shelf_index);
  for (size_t i = 0; i < m->plate_count; ++i) {
    uint32_t plate, shelf;
    if (rf_store_find_plate(s->r->store, m->plates[i].plate, &plate) != 0 ||
        rf_store_plate(s->r->store, plate, NULL, &shelf) != 0 || shelf != d->shelf_index ||
        !isfinite(m->plates[i].g))
      continue;
    rv_trace *tr = &d->plates[plate - first];
    if (tr->step_count == tr->step_cap) {
      size_t n = tr->step_cap ? tr->step_cap * 2 : 4;
      rv_step *p = realloc(tr->steps, n * sizeof *p);
      if (p == NULL) return RF_ENOMEM;
      tr->steps = p;
      tr->step_cap = n;
    }
    tr->steps[tr->step_count++] = (rv_step){m->t0, m->t1, m->plates[i].g};
  }
  return 0;
}

#define MOST_BARS 256

static int add_bar(rv_decision *d, rv_bar bar) {
  if (d->bar_count == MOST_BARS) return 0;
  if (d->bar_count == d->bar_cap) {
    size_t n = d->bar_cap ? d->bar_cap * 2 : 8;
    rv_bar *p = realloc(d->bars, n * sizeof *p);
    if (p == NULL) return RF_ENOMEM;
    d->bars = p;
    d->bar_cap = n;
  }
  d->bars[d->bar_count++] = bar;
  return 0;
}

static int add_hand(scene *s, rv_decision *d, const rf_record *rec) {
  const rf_hand_rec *h = &rec->u.hand;
  /* the shopper as kept: an id no decision names is shown as itself all the same */
  int failed = 0;
  const char *who = rv_intern(s->r->pool, h->shopper, &failed);
  if (failed) return RF_ENOMEM;
  return add_bar(d, (rv_bar){who, h->t0, h->t1, h->has_x, h->x, -1.0});
}

/* Tracks are kept to a point per 200 ms, and 1500 points (a change of minutes) at most. */
#define TRACK_STEP_US 200000
#define MOST_POINTS 1500

static int add_point(rv_track *tr, int64_t t, float d) {
  if (tr->count == tr->cap) {
    size_t n = tr->cap ? tr->cap * 2 : 16;
    int64_t *tt = realloc(tr->t, n * sizeof *tt);
    if (tt == NULL) return RF_ENOMEM;
    tr->t = tt;
    float *dd = realloc(tr->d, n * sizeof *dd);
    if (dd == NULL) return RF_ENOMEM;
    tr->d = dd;
    tr->cap = n;
  }
  tr->t[tr->count] = t;
  tr->d[tr->count++] = d;
  return 0;
}

static int add_position(scene *s, rv_decision *d, const rf_record *rec) {
  const rf_position_rec *p = &rec->u.position;
  const char *who = rv_lookup(s->r->pool, p->shopper);
  for (size_t i = 0; i < d->track_count; ++i) {
    rv_track *tr = &d->tracks[i];
    if (tr->shopper != who) continue;
    float dist = (float)hypot(p->x - d->ref_x, p->y - d->ref_y);
    if (p->t < d->w0) { /* before the window: the latest such fix */
      if (p->t > tr->before_t) {
        tr->before_t = p->t;
        tr->before_d = dist;
      }
      return 0;
    }
    if (p->t > d->w1) return 0;
    int64_t bucket = (p->t - d->w0) / TRACK_STEP_US;
    if (bucket == tr->last_bucket || tr->count >= MOST_POINTS) return 0;
    tr->last_bucket = bucket;
    return add_point(tr, p->t, dist);
  }
  return 0;
}

static int scene_event(void *payload, const rf_record *rec, char *err, size_t cap) {
  scene *s = payload;
  const rf_store *store = s->r->store;
  uint32_t shelf = UINT32_MAX;
  int rc = 0;
  switch (rec->type) {
    case RF_RECORD_SAMPLES: {
      const rf_samples_rec *m = &rec->u.samples;
      uint32_t plate;
      if (m->count == 0 || m->dt_us <= 0 || rf_store_find_plate(store, m->plate, &plate) != 0 ||
          rf_store_plate(store, plate, NULL, &shelf) != 0)
        break;
      int64_t end = m->t + (int64_t)(m->count - 1) * m->dt_us;
      rc = each_overlap(s, &s->shelves[shelf], m->t, end, add_samples, rec);
      break;
    }
    case RF_RECORD_DELTA:
      if (rf_store_find_shelf(store, rec->u.delta.shelf, &shelf) == 0)
        rc = each_overlap(s, &s->shelves[shelf], rec->u.delta.t0, rec->u.delta.t1, add_delta, rec);
      break;
    case RF_RECORD_HAND:
      if (rf_store_find_shelf(store, rec->u.hand.shelf, &shelf) == 0)
        rc = each_overlap(s, &s->shelves[shelf], rec->u.hand.t0, rec->u.hand.t1, add_hand, rec);
      break;
    case RF_RECORD_POSITION:
      if (rv_lookup(s->r->pool, rec->u.position.shopper) != NULL)
        rc = each_overlap(s, &s->everywhere, rec->u.position.t, rec->u.position.t + RV_BEFORE_US,
                          add_position, rec);
      break;
    default: break;
  }
  if (rc != 0) snprintf(err, cap, "out of memory");
  return rc;
}

static int by_bar_start(const void *a, const void *b) {
  const rv_bar *x = a, *y = b;
  if (x->t0 != y->t0) return (x->t0 > y->t0) - (x->t0 < y->t0);
  return (x->t1 > y->t1) - (x->t1 < y->t1);
}

/* The engine's weighing of the hand visits onto the bars; a visit it weighed that the scenario
 * does not show so (a tracker's swapped id, read the other way round) becomes a bar of its own. */
static int weigh_bars(rv_decision *d) {
  for (size_t i = 0; i < d->hand_count; ++i) {
    const rv_xhand *h = &d->hands[i];
    size_t k = 0;
    while (k < d->bar_count && !(d->bars[k].shopper == h->shopper && d->bars[k].t0 == h->t0 &&
                                 d->bars[k].t1 == h->t1 && d->bars[k].p < 0.0))
      ++k;
    if (k < d->bar_count) d->bars[k].p = h->p;
    else if (add_bar(d, (rv_bar){h->shopper, h->t0, h->t1, h->has_x, h->x, h->p}) != 0)
      return RF_ENOMEM;
  }
  if (d->bar_count > 1) qsort(d->bars, d->bar_count, sizeof *d->bars, by_bar_start);
  return 0;
}

static int by_time(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return (*x > *y) - (*x < *y);
}

/* A track's points in time order (a tracker's records may come a little out of order), the
 * last fix before the window first. */
static int sort_track(rv_track *tr) {
  if (tr->before_t != INT64_MIN && add_point(tr, tr->before_t, tr->before_d) != 0) return RF_ENOMEM;
  int64_t *pairs = malloc((tr->count + 1) * 2 * sizeof *pairs);
  float *d = malloc((tr->count + 1) * sizeof *d);
  if (pairs == NULL || d == NULL) {
    free(pairs);
    free(d);
    return RF_ENOMEM;
  }
  for (size_t i = 0; i < tr->count; ++i) {
    pairs[2 * i] = tr->t[i];
    pairs[2 * i + 1] = (int64_t)i;
  }
  if (tr->count > 1) qsort(pairs, tr->count, 2 * sizeof *pairs, by_time);
  for (size_t i = 0; i < tr->count; ++i) {
    tr->t[i] = pairs[2 * i];
    d[i] = tr->d[pairs[2 * i + 1]];
  }
  free(tr->d);
  tr->d = d;
  free(pairs);
  return 0;
}

int rv_read_scene(rv_report *r, const char *path, char *err, size_t cap) {
  for (size_t k = 0; k < r->decision_count; ++k) set_window(&r->decisions[k], r->window_s);
  scene s = {.r = r};
  scan_hooks hooks = {scene_ready, scene_event, &s};
  int rc = scan(r, path, path, &hooks, err, cap);
  for (size_t k = 0; k < r->decision_count && rc == 0; ++k) {
    rv_decision *d = &r->decisions[k];
    rc = weigh_bars(d);
    for (size_t i = 0; i < d->track_count && rc == 0; ++i) rc = sort_track(&d->tracks[i]);
    if (rc != 0) snprintf(err, cap, "out of memory");
  }
  for (size_t i = 0; i < s.shelf_count && s.shelves != NULL; ++i) index_free(&s.shelves[i]);
  free(s.shelves);
  index_free(&s.everywhere);
  return rc;
}
