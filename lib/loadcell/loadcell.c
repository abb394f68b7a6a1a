/* The segmenter: plates' readings in, shelf events and faults out. The plates of a shelf that
 * move close together in time form one event; it is reported once every plate of the shelf has
 * settled and has readings far enough past the last settle (group_s, or hold_s when the event
 * raised a plate, as a resting hand does) that nothing more belongs to it. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/params.h"
#include "core/errbuf.h"
#include "plate.h"
#include "retailfuse/loadcell.h"
#include "retailfuse/status.h"

typedef struct shelf_state {
  uint32_t first, count; /* its plates */
  int open;              /* an event is gathering */
  rf_time_us t0, t1;
  rf_time_us check_at; /* it cannot close before readings reach this */
} shelf_state;

struct rf_loadcell {
  rf_allocator alloc;
  const rf_store *store;
  double param[RF_LOADCELL_PARAM_COUNT];
  rf__loadcell_opts o; /* the same, as the code reads them */
  int started;         /* readings were taken: the parameters are fixed */
  rf_shelf_event_fn on_event;
  rf_plate_fault_fn on_fault;
  void *payload;
  uint32_t plates, shelves;
  rf__plate *plate;
  uint32_t *plate_shelf;
  shelf_state *shelf;
  /* Per plate, for the event its shelf is gathering: the level before, whether that was known,
   * and the event's changes as reported. */
  double *before, *delta, *sd;
  unsigned char *known, *moved, *faulty;
  rf_time_us now; /* store time the host has reached (rf_loadcell_advance) */
  int has_now;
  int output_rc; /* the callbacks' first complaint in this call */
  rf__errbuf err;
};

static const char *fault_names[] = {NULL,   "gap",       "stuck", "saturated",
                                    "jump", "nonfinite", "order"};

const char *rf_plate_fault_name(rf_plate_fault fault) {
  return fault >= RF_FAULT_GAP && fault <= RF_FAULT_ORDER ? fault_names[fault] : NULL;
}

static const rf__param_def params[RF_LOADCELL_PARAM_COUNT] = {RF_LOADCELL_PARAM_MAP(RF__PARAM_DEF)};

const char *rf_loadcell_param_name(rf_loadcell_param p) {
  return rf__param_name(params, RF_LOADCELL_PARAM_COUNT, (int)p);
}

const char *rf_loadcell_param_help(rf_loadcell_param p) {
  return rf__param_help(params, RF_LOADCELL_PARAM_COUNT, (int)p);
}

int rf_loadcell_param_bounds(rf_loadcell_param p, double *min, double *max, double *def) {
  return rf__param_bounds(params, RF_LOADCELL_PARAM_COUNT, (int)p, min, max, def);
}

static void read_params(rf_loadcell *lc) {
  const double *v = lc->param;
  lc->o = (rf__loadcell_opts){v[RF_LOADCELL_SETTLE_S],  v[RF_LOADCELL_MIN_STEP_G],
                              v[RF_LOADCELL_GROUP_S],   v[RF_LOADCELL_HOLD_S],
                              v[RF_LOADCELL_GAP_S],     v[RF_LOADCELL_STUCK_S],
                              v[RF_LOADCELL_MIN_G],     v[RF_LOADCELL_MAX_G],
                              v[RF_LOADCELL_MAX_JUMP_G]};
}

int rf_loadcell_param_set(rf_loadcell *lc, rf_loadcell_param p, double value) {
  if (lc == NULL) return RF_EINVAL;
  rf__error_clear(&lc->err);
  int rc = rf__param_check(params, RF_LOADCELL_PARAM_COUNT, (int)p, value, &lc->err);
  if (rc != 0) return rc;
  if (lc->started)
    return rf__error(&lc->err, RF_EMISUSE, "%s: parameters are set before the first reading",
                     params[p].name);
  double v[RF_LOADCELL_PARAM_COUNT];
  memcpy(v, lc->param, sizeof v);
  v[p] = value;
  if (v[RF_LOADCELL_HOLD_S] < v[RF_LOADCELL_GROUP_S])
    return rf__error(&lc->err, RF_ERANGE, "HOLD_S (%g) must be at least GROUP_S (%g)",
                     v[RF_LOADCELL_HOLD_S], v[RF_LOADCELL_GROUP_S]);
  if (v[RF_LOADCELL_MIN_G] >= v[RF_LOADCELL_MAX_G])
    return rf__error(&lc->err, RF_ERANGE, "MIN_G (%g) must be below MAX_G (%g)",
                     v[RF_LOADCELL_MIN_G], v[RF_LOADCELL_MAX_G]);
  lc->param[p] = value;
  read_params(lc);
  return 0;
}

double rf_loadcell_param_get(const rf_loadcell *lc, rf_loadcell_param p) {
  return lc != NULL && (unsigned)p < RF_LOADCELL_PARAM_COUNT ? lc->param[p] : NAN;
}

void rf_loadcell_free(rf_loadcell *lc) {
  if (lc == NULL) return;
  const rf_allocator *a = &lc->alloc;
  rf__free(a, lc->plate);
  rf__free(a, lc->plate_shelf);
  rf__free(a, lc->shelf);
  rf__free(a, lc->before);
  rf__free(a, lc->delta);
  rf__free(a, lc->sd);
  rf__free(a, lc->known);
  rf__free(a, lc->moved);
  rf__free(a, lc->faulty);
  rf_allocator copy = lc->alloc;
  rf__free(&copy, lc);
}

int rf_loadcell_new(rf_loadcell **out, const rf_store *store, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (store == NULL) return RF_EINVAL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_loadcell *lc = rf__calloc(&a, 1, sizeof *lc);
  if (lc == NULL) return RF_ENOMEM;
  lc->alloc = a;
  lc->store = store;
  rf__param_defaults(params, RF_LOADCELL_PARAM_COUNT, lc->param);
  read_params(lc);
  lc->plates = rf_store_plate_count(store);
  lc->shelves = rf_store_shelf_count(store);
  size_t np = (size_t)lc->plates + 1, ns = (size_t)lc->shelves + 1;
  lc->plate = rf__calloc(&a, np, sizeof *lc->plate);
  lc->plate_shelf = rf__calloc(&a, np, sizeof *lc->plate_shelf);
  lc->shelf = rf__calloc(&a, ns, sizeof *lc->shelf);
  lc->before = rf__calloc(&a, np, sizeof *lc->before);
  lc->delta = rf__calloc(&a, np, sizeof *lc->delta);
  lc->sd = rf__calloc(&a, np, sizeof *lc->sd);
  lc->known = rf__calloc(&a, np, 1);
  lc->moved = rf__calloc(&a, np, 1);
  lc->faulty = rf__calloc(&a, np, 1);
  if (!lc->plate || !lc->plate_shelf || !lc->shelf || !lc->before || !lc->delta || !lc->sd ||
      !lc->known || !lc->moved || !lc->faulty) {
    rf_loadcell_free(lc);
    return RF_ENOMEM;
  }
  for (uint32_t p = 0; p < lc->plates; ++p) rf__plate_init(&lc->plate[p]);
  for (uint32_t s = 0; s < lc->shelves; ++s) {
    rf_shelf_def def;
    rf_store_shelf(store, s, &def);
    lc->shelf[s].first = rf_store_shelf_first_plate(store, s);
    lc->shelf[s].count = (uint32_t)def.plate_count;
    for (uint32_t k = 0; k < def.plate_count; ++k) lc->plate_shelf[lc->shelf[s].first + k] = s;
  }
  *out = lc;
  return 0;
}

void rf_loadcell_set_output(rf_loadcell *lc, rf_shelf_event_fn on_event, rf_plate_fault_fn on_fault,
                            void *payload) {
  if (lc == NULL) return;
  lc->on_event = on_event;
  lc->on_fault = on_fault;
  lc->payload = payload;
}

const char *rf_loadcell_errmsg(const rf_loadcell *lc) { return lc ? lc->err.msg : ""; }

int rf_loadcell_level(const rf_loadcell *lc, uint32_t plate, double *level_g, double *noise_g) {
  if (lc == NULL) return RF_EINVAL;
  if (plate >= lc->plates) return RF_ERANGE;
  const rf__plate *p = &lc->plate[plate];
  if (p->mode == RF__PLATE_NEW) return RF_ENOTFOUND;
  if (level_g) *level_g = p->level;
  if (noise_g) *noise_g = rf__plate_noise(p);
  return 0;
}

static void complain(rf_loadcell *lc, int rc) {
  if (rc != 0 && lc->output_rc == 0) lc->output_rc = rc;
}

static void report_fault(rf_loadcell *lc, uint32_t plate, rf_plate_fault fault, rf_time_us t) {
  uint32_t s = lc->plate_shelf[plate];
  if (lc->shelf[s].open) lc->faulty[plate] = 1;
  if (lc->on_fault) complain(lc, lc->on_fault(plate, fault, t, lc->payload));
}

/* ---- a shelf's event ---- */

static void open_event(rf_loadcell *lc, shelf_state *sh, rf_time_us t0) {
  sh->open = 1;
  sh->t0 = sh->t1 = t0;
  sh->check_at = 0;
  for (uint32_t k = sh->first; k < sh->first + sh->count; ++k) {
    const rf__plate *p = &lc->plate[k];
    lc->known[k] = p->mode != RF__PLATE_NEW;
    lc->before[k] = p->level;
    lc->moved[k] = 0;
    lc->faulty[k] = (unsigned char)p->faulty;
  }
}

/* Each plate's change so far; 1 if one of them is a rise (a hand may still be resting). */
static int event_changes(rf_loadcell *lc, const shelf_state *sh) {
  int rise = 0;
  for (uint32_t k = sh->first; k < sh->first + sh->count; ++k) {
    const rf__plate *p = &lc->plate[k];
    double noise = rf__plate_noise(p);
    lc->sd[k] = noise * sqrt(2.0 / (p->window > 0 ? p->window : 3));
    if (!lc->known[k] || p->mode == RF__PLATE_NEW) {
      lc->delta[k] = 0.0;
      if (lc->moved[k]) lc->faulty[k] = 1;
      continue;
    }
    double after = p->mode == RF__PLATE_MOVING && p->ring_count > 0 ? p->sum / p->ring_count
                                                                    : p->level;
    lc->delta[k] = after - lc->before[k];
    if (p->faulty) lc->faulty[k] = 1;
    if (lc->moved[k] && lc->delta[k] >= fmax(lc->o.min_step_g, 6.0 * lc->sd[k])) rise = 1;
  }
  return rise;
}

/* Reports the event if the shelf changed on the whole, and closes it. */
static void close_event(rf_loadcell *lc, shelf_state *sh, uint32_t s) {
  double total = 0.0, var = 0.0;
  int moved = 0;
  for (uint32_t k = sh->first; k < sh->first + sh->count; ++k) {
    if (!lc->moved[k]) continue;
    moved = 1;
    total += lc->delta[k];
    var += lc->sd[k] * lc->sd[k];
  }
  sh->open = 0;
  /* An item that slid to the next plate, a hand that pressed and let go: nothing left. */
  if (!moved || fabs(total) < fmax(lc->o.min_step_g, 6.0 * sqrt(var))) return;
  if (lc->on_event == NULL) return;
  rf_shelf_event ev;
  ev.shelf = s;
  ev.t0 = sh->t0;
  ev.t1 = sh->t1;
  ev.plate_count = sh->count;
  ev.delta_g = lc->delta + sh->first;
  ev.sd_g = lc->sd + sh->first;
  ev.moved = lc->moved + sh->first;
  ev.faulty = lc->faulty + sh->first;
  complain(lc, lc->on_event(&ev, lc->payload));
}

/* Closes the shelf's event if nothing more can belong to it: every plate has settled, and the
 * plates still reading have readings (or the host's clock) past its wait. */
static void try_close(rf_loadcell *lc, uint32_t s, int everything, rf_time_us now) {
  shelf_state *sh = &lc->shelf[s];
  if (!sh->open) return;
  rf_time_us seen = INT64_MAX;
  for (uint32_t k = sh->first; k < sh->first + sh->count; ++k) {
    rf__plate *p = &lc->plate[k];
    /* A plate of the shelf silent while its neighbours read (a record of theirs may run ahead
     * of its own by a record's length) is in a gap: it holds nothing up. (At the end of input
     * silence is no fault: the readings simply stopped.) */
    if (!everything && rf__plate_silence(p, &lc->o, now, p->span_us) == RF__PLATE_FAULT)
      report_fault(lc, k, RF_FAULT_GAP, now);
    if (p->mode == RF__PLATE_MOVING && !everything) return;
    if (p->has_last && p->fault != RF_FAULT_GAP && p->last_t < seen) seen = p->last_t;
  }
  if (lc->has_now && lc->now > seen) seen = lc->now;
  int rise = event_changes(lc, sh);
  double wait_s = rise ? lc->o.hold_s : lc->o.group_s;
  if (!everything && (seen == INT64_MAX || (double)(seen - sh->t1) < wait_s * 1e6)) {
    sh->check_at = sh->t1 + (rf_time_us)(wait_s * 1e6);
    return;
  }
  close_event(lc, sh, s);
}

/* ---- readings ---- */

/* Times beyond the range every part shares are refused before anything is taken (times within
 * it also keep every difference the plates form in range). */
static int check_readings(rf_loadcell *lc, rf_time_us t, int64_t dt_us, const double *g,
                          size_t count) {
  if (t < -RF_TIME_LIMIT_US || t > RF_TIME_LIMIT_US)
    return rf__error(&lc->err, RF_ERANGE, "samples: field 't': %lld us is beyond +-2^52 us",
                     (long long)t);
  if (dt_us > RF_TIME_LIMIT_US)
    return rf__error(&lc->err, RF_ERANGE, "samples: field 'dt_us': %lld us is beyond 2^52 us",
                     (long long)dt_us);
  if ((uint64_t)(count - 1) > (uint64_t)((RF_TIME_LIMIT_US - t) / dt_us))
    return rf__error(&lc->err, RF_ERANGE,
                     "samples: field 't': the last of %zu readings, at t + (n - 1) * dt_us, is "
                     "beyond 2^52 us",
                     count);
  /* Readings are not refused: one beyond the plate's range (which stops at the weight limit)
   * is a saturated reading, a fault of that plate the host is told of, and no reading in a
   * second of them is lost for it. */
  (void)g;
  return 0;
}

int rf_loadcell_push(rf_loadcell *lc, uint32_t plate, rf_time_us t, int64_t dt_us, const double *g,
                     size_t count) {
  if (lc == NULL) return RF_EINVAL;
  rf__error_clear(&lc->err);
  lc->output_rc = 0;
  if (g == NULL || count == 0) return rf__error(&lc->err, RF_EINVAL, "samples: no readings");
  if (dt_us <= 0) return rf__error(&lc->err, RF_EINVAL, "samples: dt_us must be positive");
  if (plate >= lc->plates)
    return rf__error(&lc->err, RF_ERANGE, "samples: plate %u is not in the store", plate);
  int rc = check_readings(lc, t, dt_us, g, count);
  if (rc != 0) return rc;
  rf__plate *p = &lc->plate[plate];
  lc->started = 1;
  if (p->has_last && t <= p->last_t) {
    if (lc->on_fault) complain(lc, lc->on_fault(plate, RF_FAULT_ORDER, t, lc->payload));
    return rf__error(&lc->err, RF_ERANGE,
                     "samples: plate %u readings at %.6f s are not after "
                     "its last at %.6f s",
                     plate, (double)t / 1e6, (double)p->last_t / 1e6);
  }
  uint32_t s = lc->plate_shelf[plate];
  shelf_state *sh = &lc->shelf[s];
  p->span_us = (rf_time_us)(count - 1) * dt_us + dt_us;
  for (size_t i = 0; i < count; ++i) {
    rf_time_us ti = t + (rf_time_us)i * dt_us;
    rf__plate_step step;
    rf_plate_fault fault = 0;
    switch (rf__plate_read(p, &lc->o, ti, dt_us, g[i], &step, &fault)) {
      case RF__PLATE_STARTED:
        if (!sh->open) open_event(lc, sh, p->move_t0);
        if (p->move_t0 < sh->t0) sh->t0 = p->move_t0;
        lc->moved[plate] = 1;
        break;
      case RF__PLATE_SETTLED_STEP:
      case RF__PLATE_SETTLED_SAME:
        if (sh->open && step.t1 > sh->t1) sh->t1 = step.t1;
        sh->check_at = 0;
        break;
      case RF__PLATE_FAULT: report_fault(lc, plate, fault, ti); break;
      default: break;
    }
    /* A plate's readings come a record at a time: the shelf's event may be done before its
     * end (another plate may start a new one within it). */
    if (sh->open && p->mode != RF__PLATE_MOVING && ti >= sh->check_at) try_close(lc, s, 0, ti);
  }
  return lc->output_rc;
}

int rf_loadcell_advance(rf_loadcell *lc, rf_time_us now) {
  if (lc == NULL) return RF_EINVAL;
  rf__error_clear(&lc->err);
  lc->output_rc = 0;
  if (now < -RF_TIME_LIMIT_US || now > RF_TIME_LIMIT_US)
    return rf__error(&lc->err, RF_ERANGE, "advance: 'now': %lld us is beyond +-2^52 us",
                     (long long)now);
  if (!lc->has_now || now > lc->now) lc->now = now;
  lc->has_now = 1;
  for (uint32_t k = 0; k < lc->plates; ++k)
    if (rf__plate_silence(&lc->plate[k], &lc->o, lc->now, 0) == RF__PLATE_FAULT)
      report_fault(lc, k, RF_FAULT_GAP, lc->now);
  for (uint32_t s = 0; s < lc->shelves; ++s) try_close(lc, s, 0, lc->now);
  return lc->output_rc;
}

int rf_loadcell_finish(rf_loadcell *lc) {
  if (lc == NULL) return RF_EINVAL;
  rf__error_clear(&lc->err);
  lc->output_rc = 0;
  for (uint32_t s = 0; s < lc->shelves; ++s) try_close(lc, s, 1, INT64_MIN);
  return lc->output_rc;
}
