/* Internal: the engine's state and the types every part of lib/fuse shares — shoppers and
 * carts (the ledger), recent hand visits, changes waiting to be decided, items left where they
 * do not belong, decisions kept for revision, and the output queue. It sits below the jobs
 * (batch, hypotheses, split, merged, runs, revise, loose) and the emission of diffs (emit.h):
 * they include it, it includes none of them. */
#ifndef RF_FUSE_STATE_H
#define RF_FUSE_STATE_H

#include "calib/calib.h"
#include "cart/ledger.h"
#include "core/errbuf.h"
#include "core/slots.h"
#include "book.h"
#include "dedup.h"
#include "learn.h"
#include "sources.h"
#include "stitch.h"
#include "swaps.h"

#include <math.h>
#include "retailfuse/assign.h"
#include "retailfuse/engine.h"
#include "retailfuse/loadcell.h"

typedef struct f_hand {
  uint32_t shelf;
  int64_t shopper; /* -1: anonymous */
  rf_time_us t0, t1;
  int has_x;
  double x, conf;
  int holding_in, holding_out; /* RF_UNKNOWN when absent */
  int64_t hint_product;        /* the best-scored sku's product, -1 if none */
  double hint_score;
  size_t hint_n;                 /* rf__hint_logl's terms, for this many facings: */
  double hint_match, hint_other; /* for the hinted product, for any other (unweighted) */
  double used;                   /* probability it explained a change decided in an earlier batch */
  char *awaited; /* owned: the id it named, not yet entered (anonymous till they do), or NULL */
} f_hand;

typedef struct f_change {
  uint32_t shelf;
  rf_time_us t0, t1;
  int64_t event;
  size_t first_g;  /* per-plate changes of the shelf in g_pool, plate_count of them */
  int reported;    /* how many plates the record listed */
  int faulty;      /* a plate that moved in it was faulty (raw readings only) */
  int lists_quiet; /* the plates listed that did not move show their noise (delta records) */
  int calibrated;  /* its plates' changes were read with the calibration's gains (calibrate.h) */
  double total, center_x;
} f_change;

/* A restock staff announced (restock.h): `left` of its items not yet matched to a change, `held`
 * of those matched in the batch being decided (theirs once it stands). */
typedef struct f_restock {
  uint32_t shelf, product;
  rf_time_us t0, t1;
  int64_t qty, left, held;
} f_restock;

typedef struct f_loose { /* an item put back where it does not belong */
  uint32_t shelf, product;
  double x;
  int64_t count;
} f_loose;

typedef struct f_explain f_explain; /* explain.h */

typedef struct f_out { /* a queued output record */
  int is_receipt;
  f_explain *explain; /* an explanation (owned while queued), or NULL */
  const char *who;    /* the cart's owner when the ledger may have forgotten it (the book's) */
  int amends;         /* a receipt amended by a verdict */
  int has_reviews;
  int64_t reviews; /* a verdict's diff: the decision judged */
  int has_corrects;
  int64_t seq, event, qty, corrects;
  rf_time_us t;
  uint32_t cart, product;
  double conf;
  int review;
  size_t first_item, item_count; /* receipts: into item_pool */
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
  rf_time_us t0, t1;
  double center_x; /* where on the shelf the change's weight centred */
  int parts, corrected;
  uint32_t product[2];
  int64_t qty[2], seq[2];
  double conf;
  int review; /* its diffs were flagged for review */
  int alt_count;
  f_alt alt[RF__ALTS];
} f_decision;

/* The buffers deciding reuses (rf__slots), grown to the largest batch seen: deciding allocates
 * only while the store is busier than it has been. */
typedef enum f_slot {
  F_SLOT_TAKES,       /* one change's take hypotheses (hypotheses.h) */
  F_SLOT_PUTS,        /* one shopper's put-back hypotheses */
  F_SLOT_ROWS,        /* the batch's rows (f_row_terms) */
  F_SLOT_PER_SHOPPER, /* per row and shopper: what and prox */
  F_SLOT_L,
  F_SLOT_L0, /* the likelihood matrix and its no-column terms */
  F_SLOT_P,
  F_SLOT_P0,        /* their marginals */
  F_SLOT_POST,      /* per shopper, and per cart: a row's posterior */
  F_SLOT_COLUMN_OF, /* per hand visit: its column, -1 if none */
  F_SLOT_HAND_OF,   /* per column: its hand visit */
  F_SLOT_SPLIT_FIT, /* the two-hand split's plate fits (split.c) */
  F_SLOT_HINTED,    /* a decision's hypotheses, weighed by their hand ... */
  F_SLOT_ORDER,
  F_SLOT_ORDER_TMP, /* ... sorted so those making the same diffs are neighbours */
  F_SLOT_MERGED,    /* each merged reading's score (merged.c) */
  F_SLOT_COUNT
} f_slot;

struct rf_engine {
  rf_allocator alloc;
  const rf_store *store;
  double param[RF_PARAM_COUNT];
  rf_output_fn output;
  void *payload;
  uint32_t products, shelves, plates;
  uint32_t *facing_product; /* per facing */
  double floor_area;        /* m^2 the shelves' positions span (with a margin), at least 1 */
  size_t most_facings;      /* the most facings one shelf has */
  int32_t *product_facing;  /* per product: its (first) facing, -1 if none */
  rf__ledger ledger;        /* shoppers and carts */
  f_hand *hands;
  size_t hand_count, hand_cap;
  f_change *pending;
  size_t pending_count, pending_cap;
  double *g_pool;
  size_t g_len, g_cap;
  f_loose *loose;
  size_t loose_count, loose_cap;
  size_t loose_version; /* counts changes to `loose` */
  f_out *out;
  size_t out_head, out_count, out_cap;
  rf__slots scratch;     /* by f_slot, freed in one call */
  f_decision *decisions; /* recent takes, oldest first */
  size_t decision_count, decision_cap;
  rf_time_us decisions_oldest_t1; /* the least t1 among them (when there are any) */
  rf_item_qty *item_pool;
  size_t item_len, item_cap;
  rf_item_qty *poll_items; /* the polled receipt's items */
  rf_assign_workspace *ws;
  rf_loadcell *loadcell;       /* raw readings -> settled shelf changes */
  double *event_g;             /* one shelf's per-plate changes, while an event is taken */
  int deciding_faulty;         /* the change being decided rests on a faulty plate */
  rf_engine_fault_fn on_fault; /* the host's, for plate faults */
  void *fault_payload;
  int64_t next_event, next_seq;
  rf_time_us clock;
  int has_clock;
  f_sources sources;   /* who sends records, and the watermark they make */
  f_dedup dedup;       /* fingerprints of recent records */
  f_swaps swaps;       /* tracks passing close, and jumps that may swap them back */
  f_stitches stitches; /* ids a tracker broke off from shoppers' tracks */
  f_learn learn;       /* the nuisance rates the store shows */
  rf__calib *calib;    /* plate gains and product weights (calibrate.h); NULL until first used */
  f_restock *restocks; /* announced, in the order of their ends */
  size_t restock_count, restock_cap;
  f_book book;             /* diffs and visits, for reviewers' verdicts (book.h) */
  int explain_on;          /* rf_engine_set_explain */
  int64_t explain_event;   /* the row being decided: its event ... */
  f_out explain_diffs[64]; /* ... and its diffs (the first 64) */
  size_t explain_diff_count;
  f_explain *polled_explain; /* the last one polled: freed at the next poll */
  rf_engine_stats stats;
  int setaside;  /* the last push's reason (rf_setaside_reason), -1 if it was taken */
  int behind;    /* a catch-up failed for memory: the next call makes it first */
  int output_rc; /* the output callback's first non-zero return in this call */
  rf__errbuf err;
};

/* A duration parameter (seconds) in the microseconds of the store clock. */
static inline rf_time_us rf__param_us(const rf_engine *e, rf_engine_param p) {
  return (rf_time_us)llround(e->param[p] * 1e6);
}

/* The per-plate changes of a pending change (one per plate of its shelf). */
static inline const double *rf__change_g(const rf_engine *e, const f_change *c) {
  return e->g_pool + c->first_g;
}

#endif
