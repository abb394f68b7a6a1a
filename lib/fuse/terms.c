/* The likelihood terms the decisions share: how well items of a weight fit a change's plates,
 * the priors, and how plausibly a shopper or a hand visit made a change. terms.h says what each
 * one gives. */
#include <math.h>

#include "terms.h"

#include "calibrate.h"

#define TWO_PI 6.283185307179586
/* Nobody's change (noise, an unknown item) is spread flat over this many grams. */
#define UNEXPLAINED_SPAN_G 2000.0
/* A shopper's track is wrong this often: their position then says nothing. */
#define TRACK_WRONG_RATE 0.05
/* Anyone standing within this of a shelf's front line can reach into it (m). */
#define REACH_M 0.8
/* The fixes that say where a shopper stood during a change: from this before its start to this
 * after its end (us) — a reach begins a moment before the weight moves. */
#define TRACK_BEFORE_US 1000000
#define TRACK_AFTER_US 500000
/* A shopper whose hand is seen in another shelf's zone within this of a change (us) is that
 * much less likely to have made it. */
#define ELSEWHERE_MARGIN_US 500000
#define ELSEWHERE_FACTOR 0.1
/* Against a point (a change's centre of weight) an item may have stood this far either side
 * (m); a hand's place never costs more than POINT_FLOOR. */
#define POINT_SPREAD_M 0.05
#define PLACE_FLOOR 0.05
/* A hand that says it held nothing (holding_out for a take, holding_in for a put-back). */
#define HOLDING_CONTRADICTS 0.5
/* An sku score is trusted within [HINT_MIN, 1 - HINT_MIN]. */
#define HINT_MIN 0.05

double rf__noise_of(const rf_engine *e, uint32_t shelf) {
  rf_shelf_def def;
  rf_store_shelf(e->store, shelf, &def);
  double n = def.has_noise ? def.noise_g : e->param[RF_PARAM_NOISE_G];
  return n > 0.05 ? n : 0.05;
}

void rf__item_weight(const rf_engine *e, uint32_t p, double *w, double *sd) {
  rf_product_def def;
  rf_store_product(e->store, p, &def);
  *w = rf__learned_weight(e, p, def.weight_g);
  *sd = def.has_weight_sd ? def.weight_sd_g : e->param[RF_PARAM_SD_FRACTION] * *w;
}

void rf__product_weight(const rf_engine *e, uint32_t p, double *w, double *sd) {
  rf__item_weight(e, p, w, sd);
  const double scale = rf__scale_sd(e, p) * *w;
  if (scale > 0) *sd = sqrt(*sd * *sd + scale * scale);
}

void rf__spans_of(const rf_engine *e, const f_change *c, const double *lo, const double *hi,
                  int spans, f_spans *out) {
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  const double sigma = rf__noise_of(e, c->shelf);
  const double *g = rf__change_g(e, c);
  out->spans = spans;
  out->reported = c->reported;
  out->sigma = sigma;
  out->shared = 0;
  out->outside = 0.0;
  out->mass[0] = out->mass[1] = 0.0;
  out->plates_in[0] = out->plates_in[1] = 0;
  for (size_t k = 0; k < def.plate_count; ++k) {
    int in[2] = {0, 0};
    /* Span i and the plate overlap (fmin/fmax written out: this is the engine's hottest loop). */
    for (int i = 0; i < spans; ++i)
      in[i] = hi[i] > lo[i] && hi[i] > def.plates[k].x0 && lo[i] < def.plates[k].x1;
    if (!in[0] && !in[1]) out->outside -= 0.5 * (g[k] / sigma) * (g[k] / sigma);
    if (in[0] && in[1]) out->shared = 1;
    for (int i = 0; i < 2; ++i)
      if (in[i] && !in[1 - i]) {
        out->mass[i] += c->total < 0 ? -g[k] : g[k];
        out->plates_in[i]++;
      }
  }
}

double rf__fit_weights(const f_change *c, const f_spans *s, const double *weight,
                       const double *var_items) {
  double w_sum = 0.0, v_sum = 0.0, sigma = s->sigma;
  for (int i = 0; i < s->spans; ++i) {
    w_sum += weight[i];
    v_sum += var_items[i];
  }
  double var = v_sum + (double)s->reported * sigma * sigma;
  double z = fabs(c->total) - w_sum;
  double l = -0.5 * z * z / var - 0.5 * (RF__LOG_2PI + log(var)) + s->outside;
  if (s->spans == 2 && !s->shared && s->plates_in[0] > 0 && s->plates_in[1] > 0) {
    /* The first span's mass given the two spans' sum (independent normals). */
    double v0 = var_items[0] + (double)s->plates_in[0] * sigma * sigma;
    double v1 = var_items[1] + (double)s->plates_in[1] * sigma * sigma;
    double mean = weight[0] + v0 / (v0 + v1) * (s->mass[0] + s->mass[1] - weight[0] - weight[1]);
    double vc = v0 * v1 / (v0 + v1);
    double d = s->mass[0] - mean;
    l += -0.5 * d * d / vc - 0.5 * (RF__LOG_2PI + log(vc)) + log(fmax(fabs(c->total), 1.0));
  }
  return l;
}

double rf__unexplained_logl(const rf_engine *e) {
  return log(fmax(e->param[RF_PARAM_NOBODY_PRIOR], 1e-300)) - log(UNEXPLAINED_SPAN_G);
}

static rf_time_us gap_between(rf_time_us a0, rf_time_us a1, rf_time_us b0, rf_time_us b1) {
  return a1 < b0 ? b0 - a1 : b1 < a0 ? a0 - b1 : 0;
}

/* A receipt is final: a change that settles after a shopper's receipt went out is decided among
 * the others (docs/format.md, "What the output promises"). */
int rf__candidate(const rf_engine *e, uint32_t s, const f_change *c) {
  return rf__ledger_in_store_during(&e->ledger, s, c->t0, c->t1) &&
         !rf__ledger_receipted(&e->ledger, rf__ledger_cart_of(&e->ledger, s));
}

/* How dense a fix makes the shopper's presence where the change happened, with variance var:
 * without the shelf's direction, around its front centre; with it, around the point of the
 * front line where the change's weight centred — anyone within REACH_M of the front line can
 * reach it, and along the shelf a reach lands within an arm of where they stand. */
static double fix_density(const rf_shelf_def *def, double width, const f_change *c,
                          const rf__fix *fix, double var, double floor_area) {
  double dx = fix->x - def->pos_x, dy = fix->y - def->pos_y, d2;
  if (def->has_dir) {
    double along = dx * def->dir_x + dy * def->dir_y + width / 2;
    double spot = fmin(fmax(c->center_x, 0.0), width);
    double off = fmax(0.0, fabs(dx * def->dir_y - dy * def->dir_x) - REACH_M);
    d2 = (along - spot) * (along - spot) + off * off;
  } else {
    d2 = dx * dx + dy * dy;
  }
  return exp(-0.5 * d2 / var) / fmin(TWO_PI * var, floor_area);
}

static double shelf_width(const rf_shelf_def *def) {
  double w = 0.0;
  for (size_t k = 0; k < def->plate_count; ++k) w = fmax(w, def->plates[k].x1);
  return w;
}

/* The track's word on where shopper s stood during change c: the mean density of their fixes
 * from TRACK_BEFORE_US before it to TRACK_AFTER_US after it (none later than the decision);
 * with none then, the fix nearest in time (none older than RF__TRACK_READ_BEFORE_US before it),
 * its variance grown by the wander since. -1: no fix at all. */
static double track_density(const rf_engine *e, uint32_t s, const f_change *c,
                            const rf_shelf_def *def) {
  const rf__ledger *l = &e->ledger;
  rf_time_us decided = c->t1 + rf__param_us(e, RF_PARAM_WAIT_S);
  double scale = e->param[RF_PARAM_POSITION_SCALE_M], var = scale * scale, width = 0.0;
  if (def->has_dir) width = shelf_width(def);
  double sum = 0.0;
  int in = 0;
  for (int k = 0; k < rf__ledger_track_count(l, s); ++k) {
    const rf__fix *f = rf__ledger_track_fix(l, s, k);
    if (f->t > decided || f->t < c->t0 - TRACK_BEFORE_US || f->t > c->t1 + TRACK_AFTER_US) continue;
    sum += fix_density(def, width, c, f, var, e->floor_area);
    ++in;
  }
  if (in > 0) return sum / in;
  rf__fix fix;
  if (rf__ledger_fix_near(l, s, c->t0, c->t0 - RF__TRACK_READ_BEFORE_US, decided, &fix) != 0)
    return -1.0;
  double age_s = fabs((double)(fix.t - c->t0)) / 1e6;
  return fix_density(def, width, c, &fix, var + e->param[RF_PARAM_WANDER_M2_S] * age_s,
                     e->floor_area);
}

/* The spot a reach of change c starts from, on the floor: the point of the shelf's front line
 * where its weight centred, or the shelf's front centre without a direction. */
static void change_spot(const rf_shelf_def *def, const f_change *c, double *x, double *y) {
  *x = def->pos_x;
  *y = def->pos_y;
  if (!def->has_dir) return;
  double along = fmin(fmax(c->center_x, 0.0), shelf_width(def)) - shelf_width(def) / 2;
  *x += along * def->dir_x;
  *y += along * def->dir_y;
}

int rf__distance_to_change(const rf_engine *e, uint32_t s, const f_change *c, double *out) {
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  if (!def.has_pos) return -1;
  const rf__ledger *l = &e->ledger;
  rf_time_us decided = c->t1 + rf__param_us(e, RF_PARAM_WAIT_S);
  double x = 0.0, y = 0.0;
  int in = 0;
  for (int k = 0; k < rf__ledger_track_count(l, s); ++k) {
    const rf__fix *f = rf__ledger_track_fix(l, s, k);
    if (f->t > decided || f->t < c->t0 - TRACK_BEFORE_US || f->t > c->t1 + TRACK_AFTER_US) continue;
    x += f->x;
    y += f->y;
    ++in;
  }
  rf__fix fix;
  if (in == 0) {
    if (rf__ledger_fix_near(l, s, c->t0, c->t0 - RF__TRACK_READ_BEFORE_US, decided, &fix) != 0)
      return -1;
    x = fix.x;
    y = fix.y;
    in = 1;
  }
  double sx, sy;
  change_spot(&def, c, &sx, &sy);
  *out = hypot(x / in - sx, y / in - sy);
  return 0;
}

double rf__proximity(const rf_engine *e, uint32_t s, const f_change *c) {
  const double anywhere = 1.0 / e->floor_area;
  double p = anywhere;
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  double seen = def.has_pos ? track_density(e, s, c, &def) : -1.0;
  if (seen >= 0) p = (1.0 - TRACK_WRONG_RATE) * seen + TRACK_WRONG_RATE * anywhere;
  for (size_t h = 0; h < e->hand_count; ++h) {
    const f_hand *hv = &e->hands[h];
    if (hv->shopper == (int64_t)s && hv->shelf != c->shelf &&
        gap_between(hv->t0, hv->t1, c->t0 - ELSEWHERE_MARGIN_US, c->t1 + ELSEWHERE_MARGIN_US) ==
            0) {
      p *= ELSEWHERE_FACTOR;
      break;
    }
  }
  return p;
}

double rf__hand_fit_at(const rf_engine *e, const f_hand *h, const f_change *c, double lo,
                       double hi) {
  if (h->shelf != c->shelf) return -INFINITY;
  rf_time_us gap = gap_between(h->t0, h->t1, c->t0, c->t1);
  if ((double)gap > e->param[RF_PARAM_MAX_GAP_S] * 1e6) return -INFINITY;
  double l = -(double)gap / (e->param[RF_PARAM_HAND_TIME_SCALE_S] * 1e6);
  if (h->has_x) {
    /* Against a point (the change's centre of weight) the item may have stood ~5 cm either
     * side; against a span (a facing) that is already the span. */
    double sx = e->param[RF_PARAM_HAND_X_SCALE_M] + (hi > lo ? 0.0 : POINT_SPREAD_M);
    double dx = (h->x < lo ? lo - h->x : h->x > hi ? h->x - hi : 0.0) / sx;
    l += fmax(-0.5 * dx * dx, log(PLACE_FLOOR));
  }
  double hint = e->param[RF_PARAM_HINT_WEIGHT];
  int says = c->total < 0 ? h->holding_out : h->holding_in;
  if (hint > 0 && says != RF_UNKNOWN && !says) l += hint * log(HOLDING_CONTRADICTS);
  return l;
}

void rf__hint_terms(f_hand *h, size_t n) {
  h->hint_n = n;
  if (h->hint_product < 0 || n < 2) return;
  double score = fmin(fmax(h->hint_score, HINT_MIN), 1.0 - HINT_MIN);
  h->hint_match = log(score) + log((double)n);
  h->hint_other = log((1.0 - score) / (double)(n - 1)) + log((double)n);
}

double rf__hint_logl(const rf_engine *e, const f_hand *h, uint32_t p, size_t n) {
  double weight = e->param[RF_PARAM_HINT_WEIGHT];
  if (weight <= 0 || h == NULL || h->hint_product < 0 || n < 2) return 0.0;
  if (n == h->hint_n)
    return weight * ((int64_t)p == h->hint_product ? h->hint_match : h->hint_other);
  double score = fmin(fmax(h->hint_score, HINT_MIN), 1.0 - HINT_MIN);
  double l = (int64_t)p == h->hint_product ? log(score) : log((1.0 - score) / (double)(n - 1));
  return weight * (l + log((double)n));
}

size_t rf__shelf_facings(const rf_engine *e, uint32_t shelf) {
  const uint32_t *fac;
  size_t nf;
  rf_store_shelf_facings(e->store, shelf, &fac, &nf);
  return nf;
}

double rf__hand_who(const rf_engine *e, const f_row_terms *row, const f_hand *hv, uint32_t k) {
  if (hv->shopper < 0) return row->prox[k];
  const double w = e->param[RF_PARAM_WRONG_ID_RATE];
  const uint32_t named = (uint32_t)hv->shopper;
  const double other = row->candidates > 1 ? w / (double)(row->candidates - 1) : w;
  double p_named = row->what[named] > -INFINITY ? row->prox[named] : 0.0;
  double total = (1.0 - w) * p_named + other * (1.0 - p_named);
  if (total <= 0) return 0.0;
  return (k == named ? 1.0 - w : other) * row->prox[k] / total;
}

double rf__run_floor(const rf_engine *e, uint32_t shelf) {
  return fmax(4 * rf__noise_of(e, shelf), 5.0);
}
