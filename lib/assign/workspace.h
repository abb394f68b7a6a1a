/* Internal: the assignment workspace — named scratch buffers that grow and are reused. */
#ifndef RF_ASSIGN_WORKSPACE_H
#define RF_ASSIGN_WORKSPACE_H

#include "core/errbuf.h"
#include "retailfuse/assign.h"

typedef enum rf__ws_slot {
  RF__WS_MATRIX, /* a transposed / negated / masked copy of the cost matrix */
  RF__WS_V,      /* column dual variables */
  RF__WS_D,      /* shortest-path distances */
  RF__WS_ROWSOL,
  RF__WS_COLSOL,
  RF__WS_PRED,
  RF__WS_COLLIST,
  RF__WS_FREE,
  RF__WS_MATCHES,
  RF__WS_IMIN,
  RF__WS_BLOCKED,
  RF__WS_KBEST_NODES,
  RF__WS_KBEST_SOLS,
  RF__WS_KBEST_DUALS,
  RF__WS_KBEST_HEAP,
  RF__WS_KBEST_PAIRS,
  RF__WS_KBEST_ORDER,
  RF__WS_MARG_A,
  RF__WS_MARG_B,
  RF__WS_MARG_C,
  RF__WS_MARG_D,
  RF__WS_LAZY_READY,
  RF__WS_LAZY_MIN1,
  RF__WS_LAZY_MIN2,
  RF__WS_LAZY_ARG1,
  RF__WS_LAZY_ARG2,
  RF__WS_SLOTS
} rf__ws_slot;

struct rf_assign_workspace {
  rf_allocator alloc;
  void *buf[RF__WS_SLOTS];
  size_t cap[RF__WS_SLOTS];
  rf__errbuf err;
};

/* A buffer of at least `bytes` for `slot`; its old contents are not kept. NULL when out of
 * memory (the slot's previous buffer stays valid). */
void *rf__ws_get(rf_assign_workspace *ws, rf__ws_slot slot, size_t bytes);

/* Grows a slot keeping its contents (for arrays that grow during a solve). */
void *rf__ws_grow(rf_assign_workspace *ws, rf__ws_slot slot, size_t bytes);

#endif
