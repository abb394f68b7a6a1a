/* Internal: the two ways of computing assignment marginals, on validated, row-scaled input. */
#ifndef RF_ASSIGN_MARGINALS_H
#define RF_ASSIGN_MARGINALS_H

#include <stddef.h>

#include "workspace.h"

/* The largest smaller side the exact method takes. */
#define RF__MARGINALS_EXACT_MAX 20

/* Exact, by dynamic programming over subsets of the smaller side. 0, RF_ENOMEM, or
 * RF_EINFEASIBLE when no assignment has non-zero weight. */
int rf__marginals_exact(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                        size_t m, double *prob, double *prob_none);

/* Loopy belief propagation (Williams & Lau, 2014). 0 or RF_ENOMEM. */
int rf__marginals_bp(rf_assign_workspace *ws, const double *w, const double *w_none, size_t n,
                     size_t m, double *prob, double *prob_none);

#endif
