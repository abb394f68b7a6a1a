/* retailfuse review: the reviewer's page. The decisions come from an output file's explain
 * records (review_output.c), what happened around each from one pass over the scenario
 * (review_scene.c), and the page is one HTML file with the decisions as JSON and the script
 * that draws them (review_page.c, the template in tools/review/). */
#ifndef RF_TOOLS_REVIEW_H
#define RF_TOOLS_REVIEW_H

#include <stdint.h>
#include <stdio.h>

#include "retailfuse/retailfuse.h"

/* ---- a pool: every id kept once (ids compare by pointer), and memory freed all at once ---- */

typedef struct rv_pool rv_pool;

int rv_pool_new(rv_pool **out);
void rv_pool_free(rv_pool *p);
/* The kept copy of text (NULL for NULL); NULL when out of memory (*failed set). */
const char *rv_intern(rv_pool *p, const char *text, int *failed);
/* The kept copy of text, or NULL when it was never kept. */
const char *rv_lookup(const rv_pool *p, const char *text);
/* n bytes, zeroed, aligned for any value, freed with the pool; NULL when out of memory. */
void *rv_alloc(rv_pool *p, size_t n);

/* ---- the decisions, from the output ---- */

typedef struct rv_item {
  const char *sku;
  int64_t qty;
} rv_item;

typedef struct rv_alt {
  const char *shopper; /* NULL: nobody */
  rv_item *items;
  size_t item_count;
  double p;
  rf_evidence terms;
} rv_alt;

typedef struct rv_cand {
  const char *shopper;
  double p;
  int has_distance;
  double distance;
} rv_cand;

typedef struct rv_xhand {
  const char *shopper; /* NULL: anonymous */
  int64_t t0, t1;
  int has_x;
  double x;
  double p;
} rv_xhand;

typedef struct rv_diff {
  int64_t seq, t, event, qty;
  const char *shopper, *sku;
  double conf;
  int review;
  int has_corrects, has_reviews;
  int64_t corrects, reviews;
} rv_diff;

/* A hand visit on the decision's shelf within its window (scenario), or one the engine weighed
 * that the scenario does not show so (explain: a swapped id, say). */
typedef struct rv_bar {
  const char *shopper; /* NULL: anonymous */
  int64_t t0, t1;
  int has_x;
  double x;
  double p; /* the engine's probability that it made this change, or -1: not weighed */
} rv_bar;

/* How a plate's weight went over the window: raw readings bucketed (min and max per bucket), or
 * the delta records' steps. */
#define RV_BUCKETS 100

typedef struct rv_step {
  int64_t t0, t1;
  double g;
} rv_step;

typedef struct rv_trace {
  float *lo, *hi; /* RV_BUCKETS each, once a reading fell in the window; lo > hi: empty */
  int64_t base_t; /* the first reading's time, and its value: the series is relative to it */
  double base;
  rv_step *steps; /* deltas */
  size_t step_count, step_cap;
} rv_trace;

/* A candidate's distance to the shelf over the window: (t, metres) points. */
typedef struct rv_track {
  const char *shopper;
  int64_t *t;
  float *d;
  size_t count, cap;
  int64_t last_bucket;
  int64_t before_t; /* the last fix within RV_BEFORE_US before the window (INT64_MIN: none) */
  float before_d;
} rv_track;

/* A fix this long before a window still says where a candidate came from (a tracker that
 * reports only now and then). */
#define RV_BEFORE_US 30000000

typedef struct rv_decision {
  /* the explain record */
  uint64_t line; /* in the output, 0 when the engine made it here */
  int64_t event, t, t0, t1;
  const char *shelf, *how;
  double total, x;
  int64_t *diff_seqs;
  size_t diff_count;
  rv_alt *alts;
  size_t alt_count;
  rv_cand *cands;
  size_t cand_count;
  rv_xhand *hands;
  size_t hand_count;
  /* resolved against the output's diffs */
  rv_diff *diffs; /* the explain's, in its order */
  rv_diff *later; /* diffs of the same event after it: corrections, verdicts */
  size_t later_count;
  int flagged;
  int decided;       /* the alternative that is what was decided, or -1 */
  double least;      /* the least confidence of its diffs */
  int verdict_shape; /* 1: the diffs make one cart's verdict (or none: nobody); 0: split */
  const char *accept_shopper;
  rv_item *accept_items; /* the net items for accept_shopper, later corrections included */
  size_t accept_count;
  double wrong;  /* the chance it is wrong */
  int64_t items; /* items its diffs move */
  double stake;  /* wrong * items */
  /* the window and what the scenario shows in it */
  int64_t w0, w1;
  uint32_t shelf_index; /* UINT32_MAX: not in the store */
  double ref_x, ref_y;  /* the point of the shelf's front distances are measured to */
  int has_ref;
  rv_trace *plates; /* one per plate of the shelf */
  size_t plate_count;
  rv_bar *bars;
  size_t bar_count, bar_cap;
  rv_track *tracks; /* one per candidate */
  size_t track_count;
} rv_decision;

typedef struct rv_report {
  rv_pool *pool;
  rv_diff *diffs; /* every diff of the output, by seq once read */
  size_t diff_count, diff_cap;
  rv_decision *decisions; /* every explain record, then those in the report, by stake */
  size_t decision_count, decision_cap;
  size_t explains;           /* explain records read (changes decided) */
  size_t flagged;            /* of them, flagged */
  size_t missing_diffs;      /* explain records naming diffs the output lacks: left out */
  uint64_t output_lines_bad; /* lines of the output that did not read */
  uint64_t scene_lines_bad;  /* lines of the scenario that did not read, or store records refused */
  uint64_t setaside;         /* events the engine set aside, when it decided again */
  int scene_read;            /* the scenario was read once already: its bad lines were told */
  int all;
  double window_s;
  rf_store *store;
} rv_report;

void rv_report_free(rv_report *r);

/* Takes one record of an output (diff, explain; others are ignored). 0 or RF_ENOMEM. */
int rv_take_output(rv_report *r, const rf_record *rec, uint64_t line);

/* Resolves the decisions against the diffs, keeps the flagged ones (every one with diffs when
 * r->all), with their stake, sorted by it (most at stake first). 0 or RF_ENOMEM. */
int rv_select(rv_report *r);

/* Reads an output file: 0, or non-zero with a message in err (the stream failed). Lines that do
 * not read are reported on stderr (the first few) and counted. */
int rv_read_output(rv_report *r, const char *path, char *err, size_t cap);

/* Decides the scenario again with explanations on (default parameters), taking its diffs and
 * explain records: 0, or non-zero with a message in err. */
int rv_decide_again(rv_report *r, const char *path, char *err, size_t cap);

/* One pass over the scenario: the store, and for each selected decision its window's plate
 * readings or deltas, hand visits on its shelf and its candidates' distances to the shelf. 0,
 * or non-zero with a message in err. */
int rv_read_scene(rv_report *r, const char *path, char *err, size_t cap);

/* Reports a line that did not read ("PATH: line N: ..."), the first `RV_SHOWN_ERRORS`. */
#define RV_SHOWN_ERRORS 10
void rv_bad_line(const char *path, const char *message, uint64_t count);

/* Writes the page: 0, or non-zero with a message in err. *bytes is the file's size. */
int rv_write_page(const rv_report *r, const char *path, const char *scenario, const char *output,
                  size_t *bytes, char *err, size_t cap);

/* The page's template, embedded at build time (tools/review/, review_assets.c). */
extern const unsigned char rf_review_page_html[], rf_review_page_css[], rf_review_page_js[];
extern const unsigned long rf_review_page_html_len, rf_review_page_css_len, rf_review_page_js_len;

#endif
