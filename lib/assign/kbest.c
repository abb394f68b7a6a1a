/* rf_kbest: Murty's method. The solution space of a node (some rows forced to columns, some
 * pairs forbidden) is split by its best assignment s over the free real rows r0, r1, ...: child
 * t forbids (rt, s(rt)) and forces r0..r(t-1) to keep s. Each child starts from its parent's
 * optimal assignment and dual prices with rt unassigned; those prices stay feasible, so one
 * shortest augmenting path from rt solves it (Miller, Stone & Cox 1997), O(m^2) instead of a
 * full O(m^3) solve. Children are not even solved when made: each is queued with a lower bound,
 * its parent's total plus the cheapest reduced cost left to the freed row, and solved only if it
 * reaches the head of the queue, so most are never solved at all (Miller, Stone & Cox's lazy
 * evaluation in order of best bound). Rectangular problems are padded to square with zero-cost
 * rows, which keeps every column assigned (prices then need no special rule); only real rows are
 * partitioned, so assignments that differ in padding alone are never listed twice. */
#include <math.h>
#include <string.h>

#include "core/errbuf.h"
#include "jv.h"
#include "problem.h"
#include "retailfuse/assign.h"
#include "retailfuse/status.h"

typedef struct kb_node {
  double total; /* solved: its optimum; unsolved: a lower bound (solver's terms) */
  uint64_t seq; /* queue order among equal totals: the older first */
  size_t sol;   /* solved: offset of rowsol[m] in the solutions pool */
  size_t dual;  /* solved: offset of v[m] in the duals pool */
  size_t pairs; /* offset in the pairs pool: forbidden pairs, then forced pairs */
  int32_t forbidden, forced;
  int solved;
  size_t parent; /* unsolved: the solved node it starts from */
  int32_t row;   /* unsolved: the row freed from its parent's column */
} kb_node;

typedef struct kbest {
  rf_assign_workspace *ws;
  rf__problem prob;
  rf__lap lap;
  double *c; /* the working copy; forbidden pairs are set to +inf in place */
  int32_t m; /* square size after padding */
  kb_node *nodes;
  size_t node_count, node_cap;
  int32_t *sols;
  double *duals;
  int32_t *pairs;
  size_t pairs_len;
  size_t solved_count;
  size_t *heap;
  size_t heap_len;
  unsigned char *blocked; /* blocked[j] for columns, then forced flags for rows */
} kbest;

static int grow(kbest *kb, rf__ws_slot slot, void **ptr, size_t bytes) {
  void *p = rf__ws_grow(kb->ws, slot, bytes);
  if (p == NULL) return RF_ENOMEM;
  *ptr = p;
  return 0;
}

/* Appends a node with room for its pairs (filled by the caller). */
static int add_node(kbest *kb, double total, int32_t forbidden, int32_t forced, size_t *out) {
  size_t i = kb->node_count;
  int rc;
  if ((rc = grow(kb, RF__WS_KBEST_NODES, (void **)&kb->nodes, (i + 1) * sizeof(kb_node))) ||
      (rc = grow(kb, RF__WS_KBEST_PAIRS, (void **)&kb->pairs,
                 (kb->pairs_len + 2 * (size_t)(forbidden + forced)) * sizeof(int32_t))) ||
      (rc = grow(kb, RF__WS_KBEST_HEAP, (void **)&kb->heap, (kb->heap_len + 1) * sizeof(size_t))))
    return rc;
  kb_node *n = &kb->nodes[i];
  memset(n, 0, sizeof *n);
  n->total = total;
  n->seq = i;
  n->pairs = kb->pairs_len;
  n->forbidden = forbidden;
  n->forced = forced;
  kb->pairs_len += 2 * (size_t)(forbidden + forced);
  kb->node_count++;
  *out = i;
  return 0;
}

/* Keeps the lap's current solution and prices as node i's. */
static int store_solution(kbest *kb, size_t i) {
  size_t m = (size_t)kb->m, slot = kb->solved_count;
  int rc;
  if ((rc = grow(kb, RF__WS_KBEST_SOLS, (void **)&kb->sols, (slot + 1) * m * sizeof(int32_t))) ||
      (rc = grow(kb, RF__WS_KBEST_DUALS, (void **)&kb->duals, (slot + 1) * m * sizeof(double))))
    return rc;
  kb_node *n = &kb->nodes[i];
  n->sol = n->dual = slot * m;
  n->solved = 1;
  memcpy(kb->sols + n->sol, kb->lap.rowsol, m * sizeof(int32_t));
  memcpy(kb->duals + n->dual, kb->lap.v, m * sizeof(double));
  kb->solved_count++;
  return 0;
}

static int before(const kbest *kb, size_t a, size_t b) {
  const kb_node *x = &kb->nodes[a], *y = &kb->nodes[b];
  return x->total < y->total || (x->total == y->total && x->seq < y->seq);
}

static void heap_push(kbest *kb, size_t node) {
  size_t i = kb->heap_len++;
  kb->heap[i] = node;
  while (i > 0 && before(kb, kb->heap[i], kb->heap[(i - 1) / 2])) {
    size_t p = (i - 1) / 2, t = kb->heap[p];
    kb->heap[p] = kb->heap[i];
    kb->heap[i] = t;
    i = p;
  }
}

static size_t heap_pop(kbest *kb) {
  size_t top = kb->heap[0];
  kb->heap[0] = kb->heap[--kb->heap_len];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, best = i;
    if (l < kb->heap_len && before(kb, kb->heap[l], kb->heap[best])) best = l;
    if (r < kb->heap_len && before(kb, kb->heap[r], kb->heap[best])) best = r;
    if (best == i) break;
    size_t t = kb->heap[i];
    kb->heap[i] = kb->heap[best];
    kb->heap[best] = t;
    i = best;
  }
  return top;
}

/* The working matrix's entry before any forbidding. */
static double pristine(const kbest *kb, int32_t i, int32_t j) {
  const rf__problem *p = &kb->prob;
  if (i >= p->n) return 0.0;
  double x = p->transposed ? p->orig[(size_t)j * p->cols + (size_t)i]
                           : p->orig[(size_t)i * p->cols + (size_t)j];
  return p->factor * x;
}

static double real_total(const kbest *kb) {
  double t = 0.0;
  for (int32_t i = 0; i < kb->prob.n; ++i)
    t += kb->c[(size_t)i * (size_t)kb->m + (size_t)kb->lap.rowsol[i]];
  return t;
}

/* Loads a node's solution and prices into the lap. */
static void load(kbest *kb, const kb_node *node) {
  size_t m = (size_t)kb->m;
  memcpy(kb->lap.rowsol, kb->sols + node->sol, m * sizeof(int32_t));
  memcpy(kb->lap.v, kb->duals + node->dual, m * sizeof(double));
  for (int32_t i = 0; i < kb->m; ++i) kb->lap.colsol[kb->lap.rowsol[i]] = i;
}

/* Applies a node's constraints to the working matrix: forbidden pairs to +inf, forced rows and
 * their columns marked. */
static void constrain(kbest *kb, const kb_node *node) {
  const size_t m = (size_t)kb->m;
  unsigned char *blocked = kb->blocked, *forced_row = kb->blocked + m;
  memset(blocked, 0, m + (size_t)kb->prob.n);
  const int32_t *pp = kb->pairs + node->pairs;
  for (int32_t k = 0; k < node->forbidden; ++k)
    kb->c[(size_t)pp[2 * k] * m + (size_t)pp[2 * k + 1]] = INFINITY;
  for (int32_t k = node->forbidden; k < node->forbidden + node->forced; ++k) {
    forced_row[pp[2 * k]] = 1;
    blocked[pp[2 * k + 1]] = 1;
  }
}

static void unconstrain(kbest *kb, const kb_node *node) {
  const size_t m = (size_t)kb->m;
  const int32_t *pp = kb->pairs + node->pairs;
  for (int32_t k = 0; k < node->forbidden; ++k) {
    int32_t i = pp[2 * k], j = pp[2 * k + 1];
    kb->c[(size_t)i * m + (size_t)j] = pristine(kb, i, j);
  }
}

/* Queues every child of a solved node with its lower bound. */
static int expand(kbest *kb, size_t parent_index) {
  const size_t m = (size_t)kb->m;
  const int32_t n = kb->prob.n;
  unsigned char *blocked = kb->blocked, *forced_row = kb->blocked + m;
  kb_node parent = kb->nodes[parent_index];
  constrain(kb, &parent);
  const int32_t *sol = kb->sols + parent.sol;
  const double *v = kb->duals + parent.dual;
  int rc = 0;
  int32_t newly_forced = 0;
  for (int32_t r = 0; r < n && rc == 0; ++r) {
    if (forced_row[r]) continue;
    int32_t s = sol[r];
    /* With r freed and (r, s) forbidden, the child costs at least the parent plus the cheapest
     * reduced cost r has left: every augmenting path starts with one of those edges. */
    const double *row = kb->c + (size_t)r * m;
    double u = row[s] - v[s], slack = INFINITY;
    for (size_t j = 0; j < m; ++j) {
      if (blocked[j] || (int32_t)j == s) continue;
      double h = row[j] - v[j] - u;
      if (h < slack) slack = h;
    }
    if (slack < INFINITY) {
      size_t child;
      /* Lowered by a rounding margin: a bound a hair above the total the child's solve will
       * add up would let a costlier solution out first. */
      double bound = parent.total + (slack > 0.0 ? slack : 0.0);
      bound -= 1e-9 * (1.0 + fabs(parent.total) + fabs(slack));
      rc = add_node(kb, bound, parent.forbidden + 1, parent.forced + newly_forced, &child);
      if (rc == 0) {
        const int32_t *pp = kb->pairs + parent.pairs; /* the pool may have moved */
        int32_t *cp = kb->pairs + kb->nodes[child].pairs;
        memcpy(cp, pp, 2 * (size_t)parent.forbidden * sizeof(int32_t));
        cp[2 * parent.forbidden] = r;
        cp[2 * parent.forbidden + 1] = s;
        memcpy(cp + 2 * (parent.forbidden + 1), pp + 2 * parent.forbidden,
               2 * (size_t)parent.forced * sizeof(int32_t));
        /* Rows forced here: the free rows before r, on the parent's columns. */
        int32_t *nf = cp + 2 * (parent.forbidden + 1 + parent.forced);
        int32_t w = 0;
        for (int32_t q = 0; q < r; ++q) {
          if (forced_row[q] != 2) continue;
          nf[2 * w] = q;
          nf[2 * w + 1] = sol[q];
          ++w;
        }
        kb->nodes[child].parent = parent_index;
        kb->nodes[child].row = r;
        heap_push(kb, child);
        sol = kb->sols + parent.sol;
        v = kb->duals + parent.dual;
      }
    }
    /* Later children keep r on s. */
    forced_row[r] = 2;
    blocked[s] = 1;
    newly_forced++;
  }
  unconstrain(kb, &parent);
  return rc;
}

/* Solves a queued child by one augmenting path from its parent's solution. Returns 0 and
 * requeues it with its exact total, RF_EINFEASIBLE when it has no solution, or RF_ENOMEM. */
static int solve_child(kbest *kb, size_t index) {
  kb_node node = kb->nodes[index];
  const kb_node *parent = &kb->nodes[node.parent];
  constrain(kb, &node);
  load(kb, parent);
  int32_t r = node.row, s = kb->lap.rowsol[r];
  kb->lap.rowsol[r] = -1;
  kb->lap.colsol[s] = -1;
  int rc = rf__lap_augment(&kb->lap, r, kb->blocked);
  unconstrain(kb, &node);
  if (rc != 0) return rc;
  if ((rc = store_solution(kb, index)) != 0) return rc;
  kb->nodes[index].total = real_total(kb);
  heap_push(kb, index);
  return 0;
}

/* Takes solutions off the queue, best first, until k are listed or none is left. The order is
 * the solver's (scaled) totals'; a total reported in the caller's terms may be beyond a double:
 * listed as +-inf and the call ends RF_ERANGE. */
static int list(kbest *kb, size_t k, int32_t *row_to_col, double *totals, size_t *found) {
  rf_assign_workspace *ws = kb->ws;
  const size_t rows = kb->prob.rows;
  int rc, overflow = 0;
  while (*found < k && kb->heap_len > 0) {
    size_t best = heap_pop(kb);
    if (!kb->nodes[best].solved) {
      rc = solve_child(kb, best);
      if (rc == RF_ENOMEM) return rf__error(&ws->err, rc, "out of memory");
      continue; /* requeued with its exact total, or dropped when infeasible */
    }
    size_t s = *found;
    totals[s] =
        rf__problem_answer(&kb->prob, kb->sols + kb->nodes[best].sol, row_to_col + s * rows);
    overflow |= isinf(totals[s]);
    *found = s + 1;
    if (*found == k) break;
    if ((rc = expand(kb, best)) != 0) return rf__error(&ws->err, rc, "out of memory");
  }
  if (overflow)
    return rf__error(&ws->err, RF_ERANGE,
                     "a total is beyond the range of a double (listed as +-inf; the "
                     "assignments are written)");
  return 0;
}

static int solve(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols,
                 unsigned flags, size_t k, int32_t *row_to_col, double *totals, size_t *found) {
  rf__error_clear(&ws->err);
  if (found == NULL || (k > 0 && (totals == NULL || (row_to_col == NULL && rows != 0))) ||
      (cost == NULL && rows * cols != 0))
    return rf__error(&ws->err, RF_EINVAL, "cost, row_to_col, totals and found are required");
  if (flags & ~RF_LSA_MAXIMIZE) return rf__error(&ws->err, RF_EINVAL, "unknown flags %#x", flags);
  *found = 0;
  kbest kb;
  memset(&kb, 0, sizeof kb);
  kb.ws = ws;
  size_t small = rows < cols ? rows : cols, large = rows < cols ? cols : rows;
  if (large > INT32_MAX) return rf__error(&ws->err, RF_ELIMIT, "matrix too large");
  int rc = rf__problem_init(&kb.prob, ws, cost, rows, cols, flags, (int32_t)(large - small), 1);
  if (rc != 0) return rc;
  if (k == 0) return 0;
  if (small == 0) {
    for (size_t r = 0; r < rows; ++r) row_to_col[r] = RF_UNASSIGNED;
    totals[0] = 0.0;
    *found = 1;
    return 0;
  }
  kb.m = kb.prob.m;
  kb.c = ws->buf[RF__WS_MATRIX]; /* the copy rf__problem_init was asked for */
  kb.blocked = rf__ws_get(ws, RF__WS_BLOCKED, (size_t)kb.m + (size_t)kb.prob.n);
  if (kb.blocked == NULL || rf__lap_prepare(&kb.lap, ws, kb.c, kb.m, kb.m) != 0)
    return rf__error(&ws->err, RF_ENOMEM, "out of memory");
  rc = rf__lap_solve(&kb.lap);
  if (rc != 0)
    return rf__error(&ws->err, rc, "no complete matching of the %s exists (forbidden pairs)",
                     kb.prob.transposed ? "columns" : "rows");
  size_t root;
  if (add_node(&kb, 0.0, 0, 0, &root) != 0 || store_solution(&kb, root) != 0)
    return rf__error(&ws->err, RF_ENOMEM, "out of memory");
  kb.nodes[root].total = real_total(&kb);
  heap_push(&kb, root);
  return list(&kb, k, row_to_col, totals, found);
}

int rf_kbest(rf_assign_workspace *ws, const double *cost, size_t rows, size_t cols, unsigned flags,
             size_t k, int32_t *row_to_col, double *totals, size_t *found) {
  if (ws != NULL) return solve(ws, cost, rows, cols, flags, k, row_to_col, totals, found);
  int rc = rf_assign_workspace_new(&ws, NULL);
  if (rc != 0) return rc;
  rc = solve(ws, cost, rows, cols, flags, k, row_to_col, totals, found);
  rf_assign_workspace_free(ws);
  return rc;
}
