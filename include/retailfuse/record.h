/*
 * retailfuse/record.h — the record model: the store description, input events, engine output
 * and ground truth as C values, independent of any file format.
 *
 * Every part of the library speaks in these records: the engine and the baseline take input
 * events and give diffs and receipts, the simulator makes events and truth, the scorer reads
 * output and truth, and the formats (scenario.h: JSON Lines) read and write them. Fields,
 * units and rules are specified in docs/format.md. Times are integer microseconds on the store
 * clock, weights grams, positions metres along the shelf from its left edge.
 *
 * Ownership: a record points at strings and arrays it does not own; whoever hands one out says
 * how long they stay valid (a reader until its next call, an output callback for the call).
 * Threads: plain values.
 */
#ifndef RETAILFUSE_RECORD_H
#define RETAILFUSE_RECORD_H

#include "common.h"
#include "store.h" /* the store records carry its definitions */

#ifdef __cplusplus
extern "C" {
#endif

/* XX(name, type string) — in the order of docs/format.md (restock, camera, zone, review and
 * explain, added later, last). */
#define RF_RECORD_TYPE_MAP(XX) \
  XX(PRODUCT, "product")       \
  XX(SHELF, "shelf")           \
  XX(FACING, "facing")         \
  XX(ENTER, "enter")           \
  XX(EXIT, "exit")             \
  XX(LINK, "link")             \
  XX(POSITION, "position")     \
  XX(SAMPLES, "samples")       \
  XX(DELTA, "delta")           \
  XX(HAND, "hand")             \
  XX(DIFF, "diff")             \
  XX(RECEIPT, "receipt")       \
  XX(TRUTH, "truth")           \
  XX(RESTOCK, "restock")       \
  XX(CAMERA, "camera")         \
  XX(ZONE, "zone")             \
  XX(REVIEW, "review")         \
  XX(EXPLAIN, "explain")

typedef enum rf_record_type {
#define RF__RECORD_ENUM(name, str) RF_RECORD_##name,
  RF_RECORD_TYPE_MAP(RF__RECORD_ENUM)
#undef RF__RECORD_ENUM
      RF_RECORD_TYPE_COUNT
} rf_record_type;

/* The JSON `type` string of a record type, or NULL for a value out of range. */
RF_EXTERN const char *rf_record_type_name(rf_record_type type);

/* enter, exit */
typedef struct rf_shopper_rec {
  rf_time_us t;
  const char *shopper;
  int staff; /* enter: 1 for staff (they restock; buy nothing; get no receipt), else 0; exit: 0 */
} rf_shopper_rec;

/* `shopper` shops into the cart of `cart`. */
typedef struct rf_link_rec {
  rf_time_us t;
  const char *shopper;
  const char *cart;
} rf_link_rec;

typedef struct rf_position_rec {
  rf_time_us t;
  const char *shopper;
  double x, y;
} rf_position_rec;

/* Absolute readings of one plate; sample i was taken at t + i * dt_us. */
typedef struct rf_samples_rec {
  const char *plate;
  rf_time_us t;
  int64_t dt_us; /* > 0 */
  const double *g;
  size_t count; /* >= 1 */
} rf_samples_rec;

typedef struct rf_plate_delta {
  const char *plate;
  double g; /* signed change in grams */
} rf_plate_delta;

/* An already segmented weight change of one shelf over [t0, t1]. */
typedef struct rf_delta_rec {
  const char *shelf;
  rf_time_us t0, t1;            /* t0 <= t1 */
  const rf_plate_delta *plates; /* in file order */
  size_t plate_count;           /* >= 1 */
} rf_delta_rec;

typedef struct rf_sku_score {
  const char *sku;
  double score;
} rf_sku_score;

/* Tri-state for optional booleans. */
#define RF_UNKNOWN (-1)

/* A hand seen in a shelf zone over [t0, t1]. */
typedef struct rf_hand_rec {
  const char *shopper; /* NULL: seen, not identified */
  const char *shelf;
  rf_time_us t0, t1; /* t0 <= t1 */
  int has_x;
  double x; /* where along the shelf, metres */
  int has_conf;
  double conf;        /* in [0, 1] */
  int holding_in;     /* 0, 1, or RF_UNKNOWN */
  int holding_out;    /* 0, 1, or RF_UNKNOWN */
  int has_sku_scores; /* 0: field absent (an empty object is present, with count 0) */
  const rf_sku_score *sku_scores;
  size_t sku_score_count;
} rf_hand_rec;

/* One change to a cart. */
typedef struct rf_diff_rec {
  int64_t seq;
  rf_time_us t;
  const char *shopper;
  const char *sku;
  int64_t qty; /* != 0: > 0 adds, < 0 removes */
  double conf; /* in [0, 1] */
  int review;  /* 0 or 1 */
  int64_t event;
  int has_corrects;
  int64_t corrects; /* seq of the diff this one corrects */
  int has_reviews;
  int64_t reviews; /* a reviewer's verdict made it: the seq of the decision judged (review) */
} rf_diff_rec;

typedef struct rf_item_qty {
  const char *sku;
  int64_t qty;
} rf_item_qty;

/* A cart's final content: engine output (with t and review) or ground truth (without). */
typedef struct rf_receipt_rec {
  int has_t;
  rf_time_us t;
  const char *shopper;
  const rf_item_qty *items; /* in file order */
  size_t item_count;
  int review; /* 0, 1, or RF_UNKNOWN when absent */
  int amends; /* 1: replaces the cart's receipt, after a reviewer's verdict changed it */
} rf_receipt_rec;

/* Ground truth: the cart of `shopper` (its owner, when shoppers share a cart) really gained
 * (qty > 0) or lost (qty < 0) an item at t. */
typedef struct rf_truth_rec {
  rf_time_us t;
  const char *shopper;
  const char *sku;
  int64_t qty; /* != 0 */
} rf_truth_rec;

/* Staff announce that they put `qty` items of `sku` on `shelf` (qty > 0) or took them off it
 * (qty < 0) over [t0, t1] — a store's staff app or back office says so. The shelf changes it
 * explains are nobody's purchase, and each tells the engine's calibration what the items weigh
 * on those plates. Appended after truth: the type numbers before it do not move. */
typedef struct rf_restock_rec {
  const char *shelf;
  const char *sku;
  rf_time_us t0, t1; /* t0 <= t1 */
  int64_t qty;       /* != 0 */
} rf_restock_rec;

/* A camera of the store (store description): the size of its image and when its frame 0 was
 * taken. Frame i of a video is at t0 + round(i x 10^6 x den / num) microseconds, num:den being
 * the video's own frame rate (a Y4M header's F); fps is the nominal rate, for live capture. */
typedef struct rf_camera_rec {
  const char *camera;
  int width, height; /* pixels, >= 1 */
  double fps;        /* > 0 */
  rf_time_us t0;     /* 0 when the field is absent */
} rf_camera_rec;

/* The side of a zone that faces the aisle: hands come in from there. */
typedef enum rf_zone_front {
  RF_FRONT_TOP,
  RF_FRONT_BOTTOM,
  RF_FRONT_LEFT,
  RF_FRONT_RIGHT,
  RF_FRONT_COUNT
} rf_zone_front;

/* The JSON name of a front ("top", "bottom", "left", "right"), or NULL for a value out of range;
 * and back: the front named `name`, or -1. */
RF_EXTERN const char *rf_zone_front_name(rf_zone_front front);
RF_EXTERN int rf_zone_front_parse(const char *name);

/* A shelf's zone in a camera's image (store description): the pixels [x0, x1) x [y0, y1), within
 * the camera's image. Pixel columns map linearly to metres along the shelf: the rectangle's left
 * edge (x0) is shelf_x0, its right edge (x1) shelf_x1, so column c's centre is at
 * shelf_x0 + (c + 0.5 - x0) / (x1 - x0) x (shelf_x1 - shelf_x0). */
typedef struct rf_zone_rec {
  const char *camera; /* a camera record's, given before it */
  const char *shelf;  /* a shelf of the store */
  int x0, y0, x1, y1; /* x0 < x1, y0 < y1 */
  rf_zone_front front;
  double shelf_x0, shelf_x1; /* finite, different */
} rf_zone_rec;

/* A reviewer's verdict on a decision (input): what the decision whose diff has seq `decision`
 * should have been — `shopper` (NULL: nobody) gaining `items` (qty < 0: giving back; none for
 * nobody). It replaces whatever that decision (every diff of its event, and corrections of them)
 * put in carts, at confidence 1: correction diffs, and an amended receipt for a cart already
 * receipted. It bears no time: it takes effect when it is pushed. */
typedef struct rf_review_rec {
  int64_t decision;
  const char *shopper;
  const rf_item_qty *items;
  size_t item_count;
  const char *reviewer; /* who judged it, or NULL */
} rf_review_rec;

/* Evidence terms of an alternative (explain): natural logs of likelihood factors, NAN where a
 * term does not apply (nobody has no hand or position). docs/format.md, "explain", defines
 * each. */
typedef struct rf_evidence {
  double weight;   /* the items' weight against the change's total */
  double plates;   /* which plates moved, against where the items sat */
  double prior;    /* how many items, how many facings, misplaced or loose */
  double hand;     /* the hand visit most likely theirs: its time and place (and sku hint) */
  double identity; /* the camera's naming of that visit (0 for none) */
  double position; /* where their track says they stood, among the candidates (normalised) */
} rf_evidence;

/* One way a decided change could have gone. */
typedef struct rf_alternative {
  const char *shopper;      /* the cart's owner, or NULL: nobody */
  const rf_item_qty *items; /* what the cart gains (qty < 0: gives back); none for nobody */
  size_t item_count;
  double p; /* its probability */
  rf_evidence terms;
} rf_alternative;

/* A shopper who could have made the change. */
typedef struct rf_candidate {
  const char *shopper;
  double p; /* the probability it was theirs (their cart's) */
  int has_distance;
  double distance; /* metres from the spot of the shelf's front where the weight centred (or the
                      shelf's front centre), by their track during the change */
} rf_candidate;

/* A hand visit the decision weighed. */
typedef struct rf_explain_hand {
  const char *shopper; /* NULL: anonymous */
  rf_time_us t0, t1;
  int has_x;
  double x;
  double p; /* the probability it made this change */
} rf_explain_hand;

/* Why a change was decided as it was (output, with rf_engine_set_explain / run --explain). */
typedef struct rf_explain_rec {
  int64_t event;
  rf_time_us t; /* when it was decided: the diffs' t */
  const char *shelf;
  rf_time_us t0, t1;    /* the change */
  double total;         /* grams the shelf gained (< 0: lost), as read */
  double x;             /* where along the shelf its weight centred (m) */
  const char *how;      /* "whole", "split", "merged", "runs", "restock" or "nobody" */
  const int64_t *diffs; /* the seqs of its diffs (none: nobody's) */
  size_t diff_count;
  const rf_alternative *alternatives; /* most probable first */
  size_t alternative_count;
  const rf_candidate *candidates; /* most probable first */
  size_t candidate_count;
  const rf_explain_hand *hands; /* by t0 */
  size_t hand_count;
} rf_explain_rec;

typedef struct rf_record {
  rf_record_type type;
  uint64_t line; /* 1-based line number when read; ignored by the writer */
  /* Input events only (docs/format.md, "Sources"): who sent the record — a camera, a shelf
   * gateway, the tracker; NULL for its kind's default ("shelves" for delta and samples,
   * "cameras" for hand, "tracker" for enter, exit, link, position) — and, when the source
   * numbers its records, that number (duplicates are recognised by it). Not a diff's seq. */
  const char *source;
  int has_seq;
  int64_t seq;
  union {
    rf_product_def product;
    rf_shelf_def shelf;
    rf_facing_def facing;
    rf_shopper_rec enter;
    rf_shopper_rec exit;
    rf_link_rec link;
    rf_position_rec position;
    rf_samples_rec samples;
    rf_delta_rec delta;
    rf_hand_rec hand;
    rf_diff_rec diff;
    rf_receipt_rec receipt;
    rf_truth_rec truth;
    rf_restock_rec restock;
    rf_camera_rec camera;
    rf_zone_rec zone;
    rf_review_rec review;
    rf_explain_rec explain;
  } u;
} rf_record;

/* Receives one output record (diff or receipt) from a method; a non-zero return is passed back
 * to the caller of the call that produced it. Return 0 or a negative value: a positive one
 * would read as a notice (RF_SETASIDE is 1). */
typedef int (*rf_output_fn)(const rf_record *record, void *payload);

/* The time span a record covers into *t0 and *t1 (an input event is complete at *t1: a sample
 * record at its last reading, an instant's record at its t); returns 1, or 0 for a record with
 * no time (the store's, a receipt without t, a review, an explanation) and leaves them unset. */
RF_EXTERN int rf_record_span(const rf_record *record, rf_time_us *t0, rf_time_us *t1);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_RECORD_H */
