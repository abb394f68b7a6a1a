/* Internal: the engine's state — shoppers and carts, recent hand visits, changes waiting to be
 * decided, items left where they do not belong, and the output queue. */
#ifndef RF_FUSE_ENGINE_INTERNAL_H
#define RF_FUSE_ENGINE_INTERNAL_H

#include "core/errbuf.h"
#include "cart/ledger.h"
#include "retailfuse/assign.h"
#include "retailfuse/engine.h"
#include "retailfuse/loadcell.h"

/* Times the engine takes: within ±2^62 us (146,000 years), so sums and differences of two of
 * them, and of them and a parameter, never overflow. */
#define RF__TIME_LIMIT ((rf_time_us)1 << 62)

typedef struct f_hand {
  uint32_t shelf;
  int64_t shopper;             /* -1: anonymous */
  rf_time_us t0, t1;
  int has_x;
  double x, conf;
  int holding_in, holding_out; /* RF_UNKNOWN when absent */
  int64_t hint_product;        /* the best-scored sku's product, -1 if none */
  double hint_score;
  double used;                 /* probability it explained a change decided in an earlier batch */
} f_hand;

typedef struct f_change {
  uint32_t shelf;
  rf_time_us t0, t1;
  int64_t event;
  size_t first_g;              /* per-plate changes of the shelf in g_pool, plate_count of them */
  int reported;                /* how many plates the record listed */
  int faulty;                  /* a plate that moved in it was faulty (raw readings only) */
  double total, center_x;
} f_change;

typedef struct f_loose {       /* an item put back where it does not belong */
  uint32_t shelf, product;
  double x;
  int64_t count;
} f_loose;

typedef struct f_out {         /* a queued output record */
  int is_receipt;
  int has_corrects;
  int64_t seq, event, qty, corrects;
  rf_time_us t;
  uint32_t cart, product;
  double conf;
  int review;
  size_t first_item, item_count;  /* receipts: into item_pool */
} f_out;

/* Another way a decided change could have gone, kept so a later change can revise it. */
typedef struct f_alt {
  uint32_t shopper, product;
  int64_t qty;
  double prob;
} f_alt;

#define RF__ALTS 4

/* A decided take, kept for the revision horizon. */
typedef struct f_decision {
  int64_t event;
  uint32_t shelf, cart;
  rf_time_us t1;
  int parts, corrected;
  uint32_t product[2];
  int64_t qty[2], seq[2];
  double conf;
  int review;                  /* its diffs were flagged for review */
  int alt_count;
  f_alt alt[RF__ALTS];
} f_decision;

/* Buffers the decisions reuse, grown to the largest batch seen: deciding allocates only while
 * the store is busier than it has been. */
typedef struct f_scratch {
  void *takes, *puts, *rows;
  double *per_shopper, *L, *L0, *P, *P0, *post;
  int32_t *column_of, *hand_of;
  double *split_fit;           /* split_change's plate fits, per facing pair and quantities */
  size_t split_fit_cap;
  double *hinted;              /* a decision's hypotheses, weighed by their hand */
  int32_t *order, *order_tmp;  /* ... sorted so those making the same diffs are neighbours */
  size_t hinted_cap, order_cap, order_tmp_cap;
  size_t takes_cap, puts_cap, rows_cap, per_shopper_cap, L_cap, L0_cap, P_cap, P0_cap, post_cap,
      column_of_cap, hand_of_cap;
} f_scratch;

struct rf_engine {
  rf_allocator alloc;
  const rf_store *store;
  double param[RF_PARAM_COUNT];
  rf_output_fn output;
  void *payload;
  uint32_t products, shelves, plates;
  uint32_t *facing_product;    /* per facing */
  double floor_area;           /* m^2 the shelves' positions span (with a margin), at least 1 */
  size_t most_facings;         /* the most facings one shelf has */
  int32_t *product_facing;     /* per product: its (first) facing, -1 if none */
  rf__ledger ledger;           /* shoppers and carts */
  f_hand *hands;
  size_t hand_count, hand_cap;
  f_change *pending;
  size_t pending_count, pending_cap;
  double *g_pool;
  size_t g_len, g_cap;
  f_loose *loose;
  size_t loose_count, loose_cap;
  size_t loose_version;        /* counts changes to `loose` */
  f_out *out;
  size_t out_head, out_count, out_cap;
  f_scratch scratch;
  f_decision *decisions;       /* recent takes, oldest first */
  size_t decision_count, decision_cap;
  rf_time_us decisions_oldest_t1;  /* the least t1 among them (when there are any) */
  rf_item_qty *item_pool;
  size_t item_len, item_cap;
  rf_item_qty *poll_items;     /* the polled receipt's items */
  rf_assign_workspace *ws;
  rf_loadcell *loadcell;       /* raw readings -> settled shelf changes */
  double *event_g;             /* one shelf's per-plate changes, while an event is taken */
  int deciding_faulty;         /* the change being decided rests on a faulty plate */
  rf_engine_fault_fn on_fault;  /* the host's, for plate faults */
  void *fault_payload;
  int64_t next_event, next_seq;
  rf_time_us clock;
  int has_clock;
  int behind;                  /* a catch-up failed for memory: the next call makes it first */
  int output_rc;               /* the output callback's first non-zero return in this call */
  rf__errbuf err;
};

/* decide.c: decides every pending change whose wait is over (all of them with `everything`). */
int rf__engine_decide_due(rf_engine *e, int everything);

/* decide.c: forgets the decisions the revision horizon no longer reaches. */
void rf__engine_forget_decisions(rf_engine *e, rf_time_us horizon);

/* engine.c: makes room to queue `count` more output records (none needed with a callback). */
int rf__engine_reserve_output(rf_engine *e, size_t count);

/* engine.c: queues a diff, or hands it to the callback; *seq (may be NULL) receives its number.
 * corrects < 0: none. A flagged diff that corrects nothing counts against its cart's receipt;
 * corrections keep that count themselves (rf__ledger's cart.flagged). */
int rf__engine_emit_diff(rf_engine *e, int64_t event, uint32_t cart, uint32_t product,
                         int64_t qty, double conf, rf_time_us t, int64_t corrects, int64_t *seq);

/* engine.c: whether a diff of this confidence is flagged for review. */
int rf__engine_flags_review(const rf_engine *e, double conf);

/* The per-plate changes of a pending change (one per plate of its shelf). */
static inline const double *rf__change_g(const rf_engine *e, const f_change *c) {
  return e->g_pool + c->first_g;
}

#endif
