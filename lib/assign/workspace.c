/* The assignment workspace: scratch buffers by slot, grown on demand and kept for reuse, so
 * solving many problems of similar size allocates only at the start. */
#include "workspace.h"

#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"

int rf_assign_workspace_new(rf_assign_workspace **out, const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_assign_workspace *ws = rf__calloc(&a, 1, sizeof *ws);
  if (ws == NULL) return RF_ENOMEM;
  ws->alloc = a;
  *out = ws;
  return 0;
}

void rf_assign_workspace_free(rf_assign_workspace *ws) {
  if (ws == NULL) return;
  for (int i = 0; i < RF__WS_SLOTS; ++i) rf__free(&ws->alloc, ws->buf[i]);
  rf_allocator a = ws->alloc;
  rf__free(&a, ws);
}

const char *rf_assign_errmsg(const rf_assign_workspace *ws) { return ws ? ws->err.msg : ""; }

static void *get(rf_assign_workspace *ws, rf__ws_slot slot, size_t bytes, int keep) {
  if (bytes == 0) bytes = 1; /* a valid pointer even for an empty problem */
  if (bytes <= ws->cap[slot]) return ws->buf[slot];
  size_t cap = ws->cap[slot] ? ws->cap[slot] : 256;
  while (cap < bytes) cap = cap > SIZE_MAX / 2 ? bytes : cap * 2;
  void *p;
  if (keep) {
    p = rf__realloc(&ws->alloc, ws->buf[slot], cap);
  } else {
    p = rf__malloc(&ws->alloc, cap);
    if (p != NULL) rf__free(&ws->alloc, ws->buf[slot]);
  }
  if (p == NULL) return NULL;
  ws->buf[slot] = p;
  ws->cap[slot] = cap;
  return p;
}

void *rf__ws_get(rf_assign_workspace *ws, rf__ws_slot slot, size_t bytes) {
  return get(ws, slot, bytes, 0);
}

void *rf__ws_grow(rf_assign_workspace *ws, rf__ws_slot slot, size_t bytes) {
  return get(ws, slot, bytes, 1);
}
