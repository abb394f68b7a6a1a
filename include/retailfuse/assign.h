/*
 * retailfuse/assign.h — assignment solvers: optimal, k-best and probabilistic assignment.
 *
 * These know nothing about stores. A problem is a dense rows x cols matrix in row-major order.
 *
 * - rf_lsa: linear sum assignment. Every row of the smaller side is matched to a distinct
 *   element of the other side at least total cost (or greatest, with RF_LSA_MAXIMIZE). A
 *   forbidden pair is +inf (when maximizing, -inf), as with scipy.optimize.linear_sum_assignment.
 *   The solver is Jonker–Volgenant: column reduction, reduction transfer and augmenting row
 *   reduction, then shortest augmenting paths.
 * - rf_kbest: the k cheapest assignments in order (Murty's partitioning, each child solved by one
 *   shortest augmenting path from its parent's dual variables).
 * - rf_marginals: given likelihoods L[i][j] >= 0 that row i takes column j and L_none[i] that it
 *   takes none, the probability of every pair over all joint assignments in which each column is
 *   used at most once. Exact (dynamic programming over subsets of the smaller side) or by loopy
 *   belief propagation (Williams & Lau, 2014) for large problems.
 *
 * Ownership: a workspace owns the scratch memory the solvers need and grows it as problems grow,
 * so repeated solves of similar size do not allocate. Inputs are only read during a call; outputs
 * are written into caller-owned arrays. Passing a NULL workspace is allowed: the call then uses a
 * temporary one from malloc.
 * Range: rf_lsa and rf_kbest take any finite costs. Costs so large that sums of them could
 * overflow (beyond DBL_MAX / (16 (larger side + 4)), e.g. +-1e308) are solved scaled by a power
 * of two, which changes no optimum; as with any solver in doubles, assignments are optimal up to
 * the rounding of sums at the scale of the largest finite cost. A total beyond +-DBL_MAX cannot
 * be reported: RF_ERANGE. rf_marginals takes any finite likelihoods, subnormal ones included:
 * each row is divided by its largest, and when products of likelihoods would leave the double
 * range (1e-200 x 1e-200) the exact method sums in logarithms instead (slower; then accurate to
 * about 1e-13 rather than 1e-15).
 * Errors: RF_EINVAL for a NaN, a value of the wrong infinite sign or a negative likelihood
 * (rf_assign_errmsg says which row and column), RF_EINFEASIBLE when no complete matching exists,
 * RF_ERANGE as above, RF_ENOMEM. On error the outputs are left undefined, except after
 * RF_ERANGE (see rf_lsa and rf_kbest).
 * Threads: a workspace is single-threaded; distinct workspaces are independent.
 */
#ifndef RETAILFUSE_ASSIGN_H
#define RETAILFUSE_ASSIGN_H

#include "common.h"
#include "allocator.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_assign_workspace rf_assign_workspace;

RF_EXTERN int rf_assign_workspace_new(rf_assign_workspace **out, const rf_allocator *allocator);
RF_EXTERN void rf_assign_workspace_free(rf_assign_workspace *ws);

/* The detail of the workspace's last error; "" if none. */
RF_EXTERN const char *rf_assign_errmsg(const rf_assign_workspace *ws);

/* Flags for rf_lsa and rf_kbest. */
#define RF_LSA_MAXIMIZE 1u

/* Marks a row left without a column (only when rows > cols). */
#define RF_UNASSIGNED (-1)

/* Solves one problem. row_to_col[rows] receives each row's column or RF_UNASSIGNED; *total (may
 * be NULL) the sum of the chosen entries. Empty matrices are solved with total 0. RF_ERANGE when
 * total is asked for and the optimum's is beyond +-DBL_MAX: row_to_col still holds the optimal
 * assignment, *total is +-inf. */
RF_EXTERN int rf_lsa(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols,
                     unsigned flags, int32_t *row_to_col, double *total);

/* The k best assignments, best first: solution s is row_to_col[s * rows ... s * rows + rows - 1]
 * with total totals[s]. *found receives how many exist, at most k (fewer when the problem has
 * fewer distinct assignments of the smaller side). Ties are broken deterministically. RF_ERANGE
 * when a total is beyond +-DBL_MAX: the list is still complete and in order, that total +-inf. */
RF_EXTERN int rf_kbest(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols,
                       unsigned flags, size_t k, int32_t *row_to_col, double *totals,
                       size_t *found);

typedef enum rf_marginals_method {
  RF_MARGINALS_AUTO = 0,  /* exact while larger * smaller * 2^smaller <= 2^22 (e.g. 14 x 14,
                             8 x 200), else BP */
  RF_MARGINALS_EXACT = 1, /* refused with RF_ELIMIT when the smaller side exceeds 20 */
  RF_MARGINALS_BP = 2
} rf_marginals_method;

/* prob[rows * cols] receives P(row i takes column j) and prob_none[rows] P(row i takes none);
 * each row sums to 1. A row whose likelihoods are all 0, or a problem with no assignment of
 * non-zero likelihood, is RF_EINFEASIBLE. */
RF_EXTERN int rf_marginals(rf_assign_workspace *ws, const double *like, const double *like_none,
                           size_t rows, size_t cols, rf_marginals_method method, double *prob,
                           double *prob_none);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_ASSIGN_H */
