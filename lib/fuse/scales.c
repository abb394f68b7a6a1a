/* The calibration's public face (engine.h): the scales listed, and a host's seeds. */
#include <math.h>

#include "calibrate.h"
#include "retailfuse/status.h"

static int list_gains(const rf_engine *e, rf_scale_fn fn, void *payload) {
  for (uint32_t i = 0; i < e->plates; ++i) {
    rf_plate_def def;
    rf_store_plate(e->store, i, &def, NULL);
    rf_scale s = {RF_SCALE_GAIN, def.plate, 1.0, e->param[RF_PARAM_GAIN_SD], 1.0, 0.0};
    if (e->calib != NULL) {
      s.value = rf__calib_gain(e->calib, i);
      /* The correction's sd, carried to its inverse (to first order). */
      s.sd = rf__calib_gain_sd(e->calib, i) * s.value * s.value;
      s.prior = rf__calib_gain_prior(e->calib, i);
      s.evidence = rf__calib_gain_seen(e->calib, i);
    }
    int rc = fn(&s, payload);
    if (rc != 0) return rc;
  }
  return 0;
}

static int list_weights(const rf_engine *e, rf_scale_fn fn, void *payload) {
  for (uint32_t p = 0; p < e->products; ++p) {
    rf_product_def def;
    rf_store_product(e->store, p, &def);
    rf_scale s = {RF_SCALE_WEIGHT, def.sku,
                  def.weight_g,    e->param[RF_PARAM_WEIGHT_SD] * def.weight_g,
                  def.weight_g,    0.0};
    if (e->calib != NULL) {
      s.value = rf__calib_weight(e->calib, p);
      s.sd = rf__calib_weight_sd(e->calib, p) * def.weight_g;
      s.prior = rf__calib_weight_prior(e->calib, p);
      s.evidence = rf__calib_weight_seen(e->calib, p);
    }
    int rc = fn(&s, payload);
    if (rc != 0) return rc;
  }
  return 0;
}

int rf_engine_calibration(const rf_engine *e, rf_scale_fn fn, void *payload) {
  if (e == NULL || fn == NULL) return RF_EINVAL;
  int rc = list_gains(e, fn, payload);
  return rc != 0 ? rc : list_weights(e, fn, payload);
}

/* The ranges lib/calib takes (calib.h), judged before the calibration is made, so a refused seed
 * changes nothing: a gain in (0.5, 2), a weight within half to twice the catalogue's, an sd
 * <= 0 (the default) or within 1e-6..1 of the value's scale. */
static int in_range(const rf_engine *e, const rf_scale *s, uint32_t i) {
  if (!isfinite(s->value) || !isfinite(s->sd)) return 0;
  double scale = 1.0, share;
  if (s->kind == RF_SCALE_GAIN) {
    if (!(s->value > 0.5 && s->value < 2.0)) return 0;
    share = s->sd / (s->value * s->value);
  } else {
    rf_product_def def;
    rf_store_product(e->store, i, &def);
    scale = def.weight_g;
    if (!(s->value >= 0.5 * scale && s->value <= 2.0 * scale)) return 0;
    share = s->sd / scale;
  }
  return s->sd <= 0 || (share >= 1e-6 && share <= 1.0);
}

int rf_engine_calibration_seed(rf_engine *e, const rf_scale *s) {
  if (e == NULL || s == NULL || s->id == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  if (e->param[RF_PARAM_CALIBRATE] == 0)
    return rf__error(&e->err, RF_EMISUSE, "%s: CALIBRATE is 0", s->id);
  uint32_t i;
  int found = s->kind == RF_SCALE_GAIN     ? rf_store_find_plate(e->store, s->id, &i)
              : s->kind == RF_SCALE_WEIGHT ? rf_store_find_product(e->store, s->id, &i)
                                           : RF_EINVAL;
  if (found == RF_EINVAL) return rf__error(&e->err, RF_EINVAL, "%s: no such kind of scale", s->id);
  if (found != 0)
    return rf__error(&e->err, RF_ENOTFOUND, "%s '%s' is not in the store",
                     s->kind == RF_SCALE_GAIN ? "plate" : "sku", s->id);
  if (!in_range(e, s, i))
    return rf__error(&e->err, RF_ERANGE, "%s: a seed of %g (sd %g) is out of range", s->id,
                     s->value, s->sd);
  if (rf__calibration_ready(e) != 0) return RF_ENOMEM;
  double sd = s->sd > 0 ? s->sd : 0.0;
  int rc = s->kind == RF_SCALE_GAIN ? rf__calib_seed_gain(e->calib, i, s->value, sd)
                                    : rf__calib_seed_weight(e->calib, i, s->value, sd);
  if (rc != 0)
    return rf__error(&e->err, RF_ERANGE, "%s: a seed of %g (sd %g) is out of range", s->id,
                     s->value, s->sd);
  return 0;
}
