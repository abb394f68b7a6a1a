/* The zone detector's face: options, the camera's zones set up once (all memory here), frames
 * batched, and each batch handed to the background model and then, frame by frame, to the
 * zones' visit tracking — so records come out in the order their visits ended. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detector_internal.h"

/* Zones at least this many pixels deep are read every other pixel (step 0). */
#define AUTO_STEP_DEPTH 40
/* A zone read shallower than this (samples) cannot tell a hand growing in from a passer; one of
 * more samples than this would need more memory than any camera's zone should. */
#define MIN_DEPTH 6
#define MAX_SAMPLES (1 << 24)

static const char *const background_names[RF_BACKGROUND_COUNT] = {"eigen", "eigen-plain",
                                                                  "average"};

const char *rf_background_name(rf_background background) {
  if ((int)background < 0 || background >= RF_BACKGROUND_COUNT) return NULL;
  return background_names[background];
}

int rf_background_parse(const char *name) {
  for (int i = 0; name != NULL && i < RF_BACKGROUND_COUNT; i++)
    if (strcmp(name, background_names[i]) == 0) return i;
  return -1;
}

void rf_detector_options_init(rf_detector_options *o) {
  if (o == NULL) return;
  memset(o, 0, sizeof *o);
  o->version = RF_DETECTOR_OPTIONS_VERSION;
  o->background = RF_BACKGROUND_EIGEN;
  o->batch = 8;
  o->components = 3;
  o->history = 24;
  o->snapshot_s = 0.5;
  o->threshold = 5;
  o->min_visit_s = 0.3;
  o->gap_s = 0.1;
  o->hand_max_m = 0.3;
  o->step = 0;
}

static int fail(char *err, size_t cap, int rc, const char *fmt, ...) {
  if (err != NULL && cap > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return rc;
}

static int check_options(const rf_detector_options *o, char *err, size_t cap) {
  if (o->version != RF_DETECTOR_OPTIONS_VERSION)
    return fail(err, cap, RF_EVERSION, "detector options: version %u, expected %u", o->version,
                RF_DETECTOR_OPTIONS_VERSION);
#define RANGE(cond, field) \
  if (!(cond)) return fail(err, cap, RF_EINVAL, "detector options: %s out of range", field)
  RANGE((int)o->background >= 0 && o->background < RF_BACKGROUND_COUNT, "background");
  RANGE(o->batch >= 1 && o->batch <= 64, "batch (1..64)");
  RANGE(o->components >= 0 && o->components <= CAM_MAX_COMPONENTS, "components (0..16)");
  RANGE(o->history >= 4 && o->history <= 64, "history (4..64)");
  RANGE(o->snapshot_s > 0 && o->snapshot_s <= 3600, "snapshot_s");
  RANGE(o->threshold > 0 && o->threshold <= 100, "threshold");
  RANGE(o->min_visit_s >= 0 && o->min_visit_s <= 3600, "min_visit_s");
  RANGE(o->gap_s >= 0 && o->gap_s <= 60, "gap_s");
  RANGE(o->hand_max_m > 0 && o->hand_max_m <= 100, "hand_max_m");
  RANGE(o->step >= 0 && o->step <= 8, "step (0..8)");
#undef RANGE
  return 0;
}

/* How finely to read a zone when the options leave it to the detector: every other pixel when
 * the zone is deep enough that a hand still spans a dozen samples or more (a 640 x 480 view of
 * a gondola), every pixel when it is not. */
static int auto_step(const rf_zone_rec *z) {
  int vertical = z->front == RF_FRONT_TOP || z->front == RF_FRONT_BOTTOM;
  int depth = vertical ? z->y1 - z->y0 : z->x1 - z->x0;
  return depth >= AUTO_STEP_DEPTH ? 2 : 1;
}

static int check_zone(const rf_camera_rec *cam, const rf_zone_rec *z, const rf_detector_options *o,
                      size_t i, char *err, size_t cap) {
  if (z->camera == NULL || strcmp(z->camera, cam->camera) != 0)
    return fail(err, cap, RF_EINVAL, "zone %zu: camera '%s' is not this detector's ('%s')", i,
                z->camera ? z->camera : "(null)", cam->camera);
  if (z->shelf == NULL || z->shelf[0] == '\0')
    return fail(err, cap, RF_EINVAL, "zone %zu: no shelf", i);
  if (z->x0 < 0 || z->y0 < 0 || z->x0 >= z->x1 || z->y0 >= z->y1 || z->x1 > cam->width ||
      z->y1 > cam->height)
    return fail(err, cap, RF_EINVAL,
                "zone %zu (shelf %s): px [%d,%d,%d,%d] is not a rectangle within the %dx%d image",
                i, z->shelf, z->x0, z->y0, z->x1, z->y1, cam->width, cam->height);
  if ((int)z->front < 0 || z->front >= RF_FRONT_COUNT)
    return fail(err, cap, RF_EINVAL, "zone %zu (shelf %s): bad front", i, z->shelf);
  if (!isfinite(z->shelf_x0) || !isfinite(z->shelf_x1) || z->shelf_x0 == z->shelf_x1)
    return fail(err, cap, RF_EINVAL, "zone %zu (shelf %s): shelf_x must be two different numbers",
                i, z->shelf);
  /* Read at its step, a zone must be deep enough for a hand to grow in and small enough to
   * index. */
  int64_t step = o->step > 0 ? o->step : auto_step(z);
  int vertical = z->front == RF_FRONT_TOP || z->front == RF_FRONT_BOTTOM;
  int64_t cols = (z->x1 - z->x0 + step - 1) / step, rows = (z->y1 - z->y0 + step - 1) / step;
  int64_t depth = vertical ? rows : cols;
  if (depth < MIN_DEPTH)
    return fail(err, cap, RF_EINVAL,
                "zone %zu (shelf %s): %lld samples deep from its front, at least %d needed", i,
                z->shelf, (long long)depth, MIN_DEPTH);
  if (cols * rows > MAX_SAMPLES)
    return fail(err, cap, RF_EINVAL, "zone %zu (shelf %s): %lld samples, at most %d", i, z->shelf,
                (long long)(cols * rows), MAX_SAMPLES);
  return 0;
}

/* A zone's own memory: its copy of the record, the grid's buffers and its model's. */
static int zone_setup(rf_detector *d, cam_zone *z, const rf_zone_rec *rec) {
  const rf_allocator *a = &d->alloc;
  z->rec = *rec;
  z->rec.camera = d->camera_id;
  z->rec.shelf = rf__strdup(a, rec->shelf);
  if (z->rec.shelf == NULL) return RF_ENOMEM;
  rf__cam_zone_geometry(z, d->opt.step > 0 ? d->opt.step : auto_step(rec));
  size_t n = (size_t)z->n, batch = (size_t)d->opt.batch;
  z->x = rf__calloc(a, n * batch, sizeof *z->x);
  z->mask = rf__calloc(a, n * batch, 1);
  z->tau = rf__calloc(a, n, sizeof *z->tau);
  z->reach = rf__calloc(a, (size_t)z->lat, sizeof *z->reach);
  z->intervals = rf__calloc(a, (size_t)z->lat / 2 + 1, sizeof *z->intervals);
  z->closed = rf__calloc(a, n, 1);
  z->joined = rf__calloc(a, n, 1);
  z->scratch = rf__calloc(a, n, 1);
  z->stack = rf__calloc(a, n, sizeof *z->stack);
  if (!z->x || !z->mask || !z->tau || !z->reach || !z->intervals || !z->closed || !z->joined ||
      !z->scratch || !z->stack)
    return RF_ENOMEM;
  z->sigma = 2;
  if (d->opt.background == RF_BACKGROUND_AVERAGE) return rf__cam_average_alloc(d, z);
  return rf__cam_eigen_alloc(d, z);
}

/* The eigenbackground's refresh workspace, shared by the zones (one refresh at a time), sized
 * for the largest. */
static int workspace(rf_detector *d) {
  const rf_allocator *a = &d->alloc;
  size_t n = 1, hist = (size_t)d->opt.history, batch = (size_t)d->opt.batch;
  for (size_t i = 0; i < d->zone_count; i++)
    if ((size_t)d->zones[i].n > n) n = (size_t)d->zones[i].n;
  d->work = rf__calloc(a, n * hist, sizeof *d->work);
  d->recon = rf__calloc(a, n * batch, sizeof *d->recon);
  d->gram = rf__calloc(a, hist * hist, sizeof *d->gram);
  d->evec = rf__calloc(a, hist * hist, sizeof *d->evec);
  d->eig = rf__calloc(a, hist, sizeof *d->eig);
  return d->work && d->recon && d->gram && d->evec && d->eig ? 0 : RF_ENOMEM;
}

static void zone_free(const rf_allocator *a, cam_zone *z) {
  rf__free(a, (void *)(uintptr_t)z->rec.shelf);
  void *bufs[] = {z->x,       z->mask,      z->tau,    z->reach,   z->intervals, z->sub,  z->xs,
                  z->basis,   z->basis_sub, z->proj,   z->coef,    z->ring,      z->mean, z->rs,
                  z->outlier, z->closed,    z->joined, z->scratch, z->stack};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) rf__free(a, bufs[i]);
}

void rf_detector_free(rf_detector *d) {
  if (d == NULL) return;
  const rf_allocator *a = &d->alloc;
  for (size_t i = 0; d->zones != NULL && i < d->zone_count; i++) zone_free(a, &d->zones[i]);
  rf__free(a, d->zones);
  rf__free(a, d->camera_id);
  rf__free(a, d->batch_t);
  rf__free(a, d->work);
  rf__free(a, d->gram);
  rf__free(a, d->eig);
  rf__free(a, d->evec);
  rf__free(a, d->recon);
  rf__free(a, d);
}

static int check_camera(const rf_camera_rec *c, char *err, size_t cap) {
  if (c->camera == NULL || c->camera[0] == '\0') return fail(err, cap, RF_EINVAL, "camera: no id");
  if (c->width < 1 || c->height < 1 || c->width > 65535 || c->height > 65535)
    return fail(err, cap, RF_EINVAL, "camera %s: image size %dx%d out of range", c->camera,
                c->width, c->height);
  return 0;
}

int rf_detector_new(rf_detector **out, const rf_camera_rec *camera, const rf_zone_rec *zones,
                    size_t zone_count, const rf_detector_options *options,
                    const rf_allocator *allocator, char *err, size_t err_cap) {
  if (out == NULL || camera == NULL || (zones == NULL && zone_count > 0))
    return fail(err, err_cap, RF_EINVAL, "detector: NULL argument");
  *out = NULL;
  rf_detector_options defaults;
  rf_detector_options_init(&defaults);
  const rf_detector_options *o = options != NULL ? options : &defaults;
  int rc = check_options(o, err, err_cap);
  if (rc == 0) rc = check_camera(camera, err, err_cap);
  for (size_t i = 0; rc == 0 && i < zone_count; i++)
    rc = check_zone(camera, &zones[i], o, i, err, err_cap);
  if (rc != 0) return rc;
  rf_allocator hooks;
  if (rf__allocator_init(&hooks, allocator) != 0)
    return fail(err, err_cap, RF_EINVAL, "detector: an allocator hook is missing");
  rf_detector *d = rf__calloc(&hooks, 1, sizeof *d);
  if (d == NULL) return fail(err, err_cap, RF_ENOMEM, "detector: out of memory");
  d->alloc = hooks;
  const rf_allocator *a = &d->alloc;
  d->opt = *o;
  d->width = camera->width;
  d->height = camera->height;
  d->camera_id = rf__strdup(a, camera->camera);
  d->batch_t = rf__calloc(a, (size_t)o->batch, sizeof *d->batch_t);
  d->zones = rf__calloc(a, zone_count + 1, sizeof *d->zones);
  rc = (d->camera_id && d->batch_t && d->zones) ? 0 : RF_ENOMEM;
  d->zone_count = zone_count;
  for (size_t i = 0; rc == 0 && i < zone_count; i++) rc = zone_setup(d, &d->zones[i], &zones[i]);
  if (rc == 0 && o->background != RF_BACKGROUND_AVERAGE) rc = workspace(d);
  if (rc != 0) {
    rf_detector_free(d);
    return fail(err, err_cap, rc, "detector: out of memory");
  }
  *out = d;
  return 0;
}

void rf_detector_set_output(rf_detector *d, rf_output_fn output, void *payload) {
  if (d == NULL) return;
  d->output = output;
  d->payload = payload;
}

/* One zone's pixels of a frame onto its grid, as floats, into batch slot b. */
static void gather(cam_zone *z, const uint8_t *luma, size_t stride, int b) {
  float *dst = z->x + (size_t)b * (size_t)z->n;
  const int step = z->step;
  for (int i = 0; i < z->rows; i++) {
    const uint8_t *row = luma + (size_t)(z->rec.y0 + i * step) * stride + z->rec.x0;
    float *o = dst + (size_t)i * (size_t)z->cols;
    for (int j = 0; j < z->cols; j++) o[j] = row[j * step];
  }
}

static void zone_masks(rf_detector *d, cam_zone *z) {
  switch (d->opt.background) {
    case RF_BACKGROUND_AVERAGE: rf__cam_average_masks(d, z); break;
    case RF_BACKGROUND_EIGEN_PLAIN: rf__cam_eigen_masks(d, z, 0); break;
    default: rf__cam_eigen_masks(d, z, 1); break;
  }
}

/* The batch: every zone's masks (the model's matrix products over the whole batch), then frame
 * by frame every zone's visits, so visits end in time order across zones. */
static int run_batch(rf_detector *d) {
  int count = d->batch_n, rc = 0;
  if (count == 0) return 0;
  for (size_t i = 0; i < d->zone_count; i++) zone_masks(d, &d->zones[i]);
  for (int b = 0; b < count && rc == 0; b++) {
    for (size_t i = 0; i < d->zone_count && rc == 0; i++) {
      cam_zone *z = &d->zones[i];
      rc = rf__cam_visits_frame(d, z, b, d->batch_t[b]);
      if (d->opt.background != RF_BACKGROUND_AVERAGE)
        rf__cam_eigen_snapshot(d, z, b, d->batch_t[b]);
    }
  }
  for (size_t i = 0; d->opt.background != RF_BACKGROUND_AVERAGE && i < d->zone_count; i++)
    rf__cam_eigen_refresh(d, &d->zones[i], d->opt.background == RF_BACKGROUND_EIGEN);
  d->batch_n = 0;
  /* An output that refused a record leaves visits half given: the detector stops there. */
  if (rc != 0) d->failed = rc;
  return rc;
}

int rf_detector_frame(rf_detector *d, const uint8_t *luma, size_t stride, rf_time_us t) {
  if (d == NULL || luma == NULL || stride < (size_t)d->width) return RF_EINVAL;
  if (d->failed) return d->failed;
  if (d->finished) return RF_EMISUSE;
  if (d->any_frame && t <= d->last_t) return RF_ELATE;
  d->any_frame = 1;
  d->last_t = t;
  d->stats.frames++;
  int b = d->batch_n++;
  d->batch_t[b] = t;
  for (size_t i = 0; i < d->zone_count; i++) gather(&d->zones[i], luma, stride, b);
  return d->batch_n == d->opt.batch ? run_batch(d) : 0;
}

int rf_detector_finish(rf_detector *d) {
  if (d == NULL) return RF_EINVAL;
  if (d->failed) return d->failed;
  if (d->finished) return 0;
  int rc = run_batch(d);
  for (size_t i = 0; rc == 0 && i < d->zone_count; i++) rc = rf__cam_visits_flush(d, &d->zones[i]);
  if (rc != 0) d->failed = rc;
  d->finished = 1;
  return rc;
}

int rf_detector_get_stats(const rf_detector *d, rf_detector_stats *out) {
  if (d == NULL || out == NULL) return RF_EINVAL;
  *out = d->stats;
  return 0;
}
