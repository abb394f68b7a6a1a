/*
 * retailfuse/store.h — the store model: products, shelves made of plates, facings.
 *
 * A store is built once through an rf_store_builder, which checks every definition as it is
 * added, and is then immutable. Products are named by sku, shelves and plates by their ids; each
 * kind is numbered densely from 0 in the order added (facings too), and lookups map ids to those
 * indices. Positions are metres along the shelf from its left edge; weights are grams.
 *
 * Ownership: the builder copies every string and array it is given, so definitions need not
 * outlive the call. Pointers a store hands out (ids, names, plate arrays) live as long as the
 * store. rf_store_free and rf_store_builder_free accept NULL.
 * Errors: an add that fails leaves the builder as it was; rf_store_builder_errmsg says which id
 * and which rule.
 * Threads: a builder is single-threaded. A finished store is read-only, so any number of threads
 * may read it at once.
 */
#ifndef RETAILFUSE_STORE_H
#define RETAILFUSE_STORE_H

#include "common.h"
#include "allocator.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_store rf_store;
typedef struct rf_store_builder rf_store_builder;

typedef struct rf_product_def {
  const char *sku;    /* required, non-empty, unique in the store */
  const char *name;   /* optional display name, NULL if none */
  double weight_g;    /* unit weight, finite and > 0 */
  int has_weight_sd;  /* 0: spread not declared */
  double weight_sd_g; /* spread of one item's weight, finite and >= 0 */
} rf_product_def;

typedef struct rf_plate_def {
  const char *plate; /* required, non-empty, unique over the whole store */
  double x0, x1;     /* 0 <= x0 < x1; plates of one shelf do not overlap */
} rf_plate_def;

typedef struct rf_shelf_def {
  const char *shelf;   /* required, non-empty, unique */
  int has_noise;       /* 0: noise not declared */
  double noise_g;      /* load-cell noise per plate, finite and >= 0 */
  int has_pos;         /* 0: no position */
  double pos_x, pos_y; /* the shelf's front centre in store metres */
  const rf_plate_def *plates;
  size_t plate_count;  /* at least 1 */
  int has_dir;         /* 0: no direction */
  double dir_x, dir_y; /* along the shelf, from its left edge (x = 0) to its right, on the same
                          floor plan as pos: finite, not both 0; only the direction counts (the
                          store keeps it as a unit vector) */
} rf_shelf_def;

/* No count given. */
#define RF_COUNT_UNKNOWN (-1)

typedef struct rf_facing_def {
  const char *shelf; /* an added shelf */
  const char *sku;   /* an added product */
  double x0, x1;     /* within the span of the shelf's plates (from the leftmost edge to
                        the rightmost, gaps included); no overlap with another facing */
  int64_t count;     /* items on the facing, >= 0, or RF_COUNT_UNKNOWN */
} rf_facing_def;

/* A new, empty builder in *out. */
RF_EXTERN int rf_store_builder_new(rf_store_builder **out, const rf_allocator *allocator);
RF_EXTERN void rf_store_builder_free(rf_store_builder *builder);

/* Adds one definition after checking it. Products and shelves must be added before the facings
 * that name them. Returns RF_EEXISTS for a duplicate id, RF_ENOTFOUND for an unknown sku or shelf,
 * RF_ERANGE for a bad number or geometry, RF_EINVAL for a missing id or a shelf without plates,
 * RF_EMISUSE after finish. */
RF_EXTERN int rf_store_builder_add_product(rf_store_builder *builder, const rf_product_def *def);
RF_EXTERN int rf_store_builder_add_shelf(rf_store_builder *builder, const rf_shelf_def *def);
RF_EXTERN int rf_store_builder_add_facing(rf_store_builder *builder, const rf_facing_def *def);

/* The detail of the builder's last error, e.g. "shelf 'G1S3': plate 'G1S3P2' overlaps plate
 * 'G1S3P1'"; "" if there was none. Valid until the next call on the builder. */
RF_EXTERN const char *rf_store_builder_errmsg(const rf_store_builder *builder);

/* Moves everything added into a new store in *out. The builder is spent afterwards (adds return
 * RF_EMISUSE) but must still be freed. An empty store is allowed. */
RF_EXTERN int rf_store_builder_finish(rf_store_builder *builder, rf_store **out);

RF_EXTERN void rf_store_free(rf_store *store);

RF_EXTERN uint32_t rf_store_product_count(const rf_store *store);
RF_EXTERN uint32_t rf_store_shelf_count(const rf_store *store);
RF_EXTERN uint32_t rf_store_plate_count(const rf_store *store);
RF_EXTERN uint32_t rf_store_facing_count(const rf_store *store);

/* Index of an id in *out; RF_ENOTFOUND if the store has no such id. */
RF_EXTERN int rf_store_find_product(const rf_store *store, const char *sku, uint32_t *out);
RF_EXTERN int rf_store_find_shelf(const rf_store *store, const char *shelf, uint32_t *out);
RF_EXTERN int rf_store_find_plate(const rf_store *store, const char *plate, uint32_t *out);

/* The definition at an index, with pointers into the store; RF_ERANGE for an index past the end.
 * A shelf's plates are in the order given; plates are numbered shelf by shelf, so the shelf's
 * first plate has index rf_store_shelf_first_plate(). */
RF_EXTERN int rf_store_product(const rf_store *store, uint32_t index, rf_product_def *out);
RF_EXTERN int rf_store_shelf(const rf_store *store, uint32_t index, rf_shelf_def *out);
RF_EXTERN int rf_store_facing(const rf_store *store, uint32_t index, rf_facing_def *out);
RF_EXTERN int rf_store_plate(const rf_store *store, uint32_t index, rf_plate_def *out,
                             uint32_t *shelf_index);
/* UINT32_MAX for a shelf index past the end. */
RF_EXTERN uint32_t rf_store_shelf_first_plate(const rf_store *store, uint32_t shelf_index);

/* The facings of one shelf, ordered left to right, as facing indices. */
RF_EXTERN int rf_store_shelf_facings(const rf_store *store, uint32_t shelf_index,
                                     const uint32_t **out, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_STORE_H */
