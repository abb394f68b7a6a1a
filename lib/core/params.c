/* Numbered parameters with bounds, shared by every configurable object. */
#include "params.h"

#include <math.h>
#include <string.h>

#include "retailfuse/status.h"

const char *rf__param_name(const rf__param_def *defs, int count, int p) {
  return p >= 0 && p < count ? defs[p].name : NULL;
}

const char *rf__param_help(const rf__param_def *defs, int count, int p) {
  return p >= 0 && p < count ? defs[p].help : NULL;
}

int rf__param_bounds(const rf__param_def *defs, int count, int p, double *min, double *max,
                     double *def) {
  if (p < 0 || p >= count) return RF_ERANGE;
  if (min) *min = defs[p].min;
  if (max) *max = defs[p].max;
  if (def) *def = defs[p].def;
  return 0;
}

int rf__param_check(const rf__param_def *defs, int count, int p, double value, rf__errbuf *err) {
  if (p < 0 || p >= count) return RF_EINVAL;
  if (isfinite(value) && value >= defs[p].min && value <= defs[p].max) return 0;
  if (err == NULL) return RF_ERANGE;
  return rf__error(err, RF_ERANGE, "%s = %g is outside [%g, %g]", defs[p].name, value, defs[p].min,
                   defs[p].max);
}

int rf__param_find(const rf__param_def *defs, int count, const char *name) {
  for (int p = 0; name != NULL && p < count; ++p)
    if (strcmp(defs[p].name, name) == 0) return p;
  return -1;
}

void rf__param_defaults(const rf__param_def *defs, int count, double *values) {
  for (int p = 0; p < count; ++p) values[p] = defs[p].def;
}
