/* Internal: numbered parameters with bounds — the one configuration style of the library's
 * objects (engine, baseline, checker, load cells). Each object's public header has an X-macro
 * table XX(name, default, min, max, description); the object builds an rf__param_def array from
 * it and answers its _param_* calls through these. */
#ifndef RF_CORE_PARAMS_H
#define RF_CORE_PARAMS_H

#include "errbuf.h"

typedef struct rf__param_def {
  const char *name, *help;
  double def, min, max;
} rf__param_def;

/* Expands an XX table into rf__param_def initialisers. */
#define RF__PARAM_DEF(name, def, lo, hi, desc) {#name, desc, def, lo, hi},

/* name / help of parameter p, NULL when p is not one of the `count`. */
const char *rf__param_name(const rf__param_def *defs, int count, int p);
const char *rf__param_help(const rf__param_def *defs, int count, int p);

/* Its bounds and default (each pointer may be NULL): 0, or RF_ERANGE for an unknown p. */
int rf__param_bounds(const rf__param_def *defs, int count, int p, double *min, double *max,
                     double *def);

/* Whether value may be given to p: 0; RF_EINVAL for an unknown p; RF_ERANGE, with a message in
 * err (may be NULL) naming the parameter, for a value not finite or outside its bounds. */
int rf__param_check(const rf__param_def *defs, int count, int p, double value, rf__errbuf *err);

/* The number of the parameter called `name`, or -1. */
int rf__param_find(const rf__param_def *defs, int count, const char *name);

/* values[i] = defs[i].def for every parameter. */
void rf__param_defaults(const rf__param_def *defs, int count, double *values);

#endif
