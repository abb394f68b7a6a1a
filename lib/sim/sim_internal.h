/* Internal: the simulated world — store, inventory, shoppers, their reaches and the items they
 * move — shared by the parts of the simulator. Times are integer microseconds. */
#ifndef RF_SIM_INTERNAL_H
#define RF_SIM_INTERNAL_H

#include <stdint.h>

#include "retailfuse/sim.h"
#include "rng.h"

typedef struct sim_product {
  char sku[24];
  char name[48];
  double weight, sd;   /* the catalogue's: what its product record says */
  double weight_error; /* its true mean is weight x (1 + weight_error) (rf__sim_true_weight) */
  int facing;          /* its home facing */
} sim_product;

typedef struct sim_plate {
  char id[48];
  double x0, x1, noise;
  /* Its gain at t: (1 + gain_error) x (1 + gain_swing sin(2 pi t / 1 day + the store's phase))
   * (rf__sim_gain); both 0, so a gain of exactly 1, unless the scale knobs are set. */
  double gain_error, gain_swing;
} sim_plate;

typedef struct sim_shelf {
  char id[24];
  int gondola; /* shelves of a gondola are neighbours in the shelf list */
  int first_plate, plate_count;
  int first_facing, facing_count;
  double width, noise;
  double pos_x, pos_y; /* its front's centre on the floor plan (m) */
  double ax, ay;       /* unit vector along the shelf, from its left edge (x = 0) */
  double nx, ny;       /* unit normal from its front into the aisle, where shoppers stand */
} sim_shelf;

typedef struct sim_facing {
  int shelf, product;
  double x0, x1, lane_w;
  int lanes, depth;
  int *count;      /* items in each lane */
  double *weights; /* lanes x depth: each lane a stack of true item weights */
} sim_facing;

/* An item lying where it does not belong (put back on the wrong shelf). */
typedef struct sim_loose {
  int shelf, product, present;
  double weight, x;
} sim_loose;

typedef struct sim_item {
  int product;
  double weight;
  int64_t t; /* when it went into the cart */
} sim_item;

typedef struct sim_cart {
  sim_item *items;
  int count, cap;
} sim_cart;

typedef struct sim_shopper {
  char id[24];
  int64_t enter_us, exit_us;
  int cart;  /* index of the cart owner (itself unless linked) */
  int staff; /* staff: restocks, buys nothing, gets no receipt */
  int first_reach, reach_count;
} sim_shopper;

enum {
  REACH_TAKE,
  REACH_MULTI,
  REACH_BROWSE,
  REACH_PUTBACK,
  REACH_PICKUP,  /* takes an item to look at it ... */
  REACH_RETURN,  /* ... and puts that item back where it was (its `pair`) */
  REACH_RESTOCK, /* staff: fills a facing */
  REACH_KINDS
};

typedef struct sim_reach {
  int shopper, shelf, kind;
  int forced; /* a kind fixed when scheduled, or -1: drawn when the reach is played */
  int pair;   /* a pick-up's return, a return's pick-up; -1 */
  int lean;   /* the hand rests on the shelf for the whole reach */
  int64_t t0, t1;
  double x;
  int first_move, move_count;
  int took, put;    /* what the hand did: for the holding_* hints */
  int product;      /* the (first) product moved, -1 if none */
  int facing, lane; /* where a pick-up's item came from (-1: loose or none) */
  int announced;    /* a restock that staff announce with a restock record */
} sim_reach;

/* One item leaving (sign -1) or arriving on (+1) a shelf; or a hand's pressure (product -1,
 * cart -1) pressing (+1) and lifting (-1). Where the item left from or went to: a facing's
 * lane, or a loose item (an index into the world's loose items); the other -1 (both for a
 * hand's pressure). The rendered video shows the shelves change by them. */
typedef struct sim_move {
  int reach, shelf, product, sign, cart;
  int facing, lane, loose;
  int64_t t;
  double weight, x, width;
} sim_move;

typedef struct sim_world {
  const rf_sim_params *p;
  const rf_allocator *alloc;
  rf__rng rng_store, rng_people, rng_actions, rng_camera, rng_cells;
  /* stream faults (faults.c), one stream each so a fault's knob moves nothing else */
  rf__rng rng_stray, rng_unknown, rng_delivery, rng_duplicate;
  rf__rng rng_track, rng_blind; /* the tracker (tracker.c); blind zones (sensors.c) */
  /* the scales (world.c): plates' gains, products' true weights, batches; announcements */
  rf__rng rng_gain, rng_weight, rng_batch, rng_announce;
  double gain_phase; /* the store's temperature cycle: phi of every plate's gain swing */
  sim_product *products;
  int product_count;
  sim_shelf *shelves;
  int shelf_count;
  sim_plate *plates;
  int plate_count;
  sim_facing *facings;
  int facing_count;
  sim_loose *loose;
  size_t loose_count, loose_cap;
  sim_shopper *shoppers;
  int shopper_count;
  sim_cart *carts;
  sim_reach *reaches;
  size_t reach_count, reach_cap;
  sim_move *moves;
  size_t move_count, move_cap;
  struct sim_track *track; /* tracker.c: continuous tracks, when track_hz > 0 */
  int rush_shelf;          /* a shelf of the gondola a rush goes to */
} sim_world;

/* world.c: every random stream of a run of `seed` (w->p set first; the store's from layout_seed
 * when that is set). */
void rf__sim_seed(sim_world *w, uint64_t seed);
/* world.c: the world of rf_sim_run(p, seed) before its sensors — seeded, its store built, shown
 * full to `full` (when not NULL, before anyone shops: the samples' starting loads), and its people
 * shopped. The one path rf_sim_run and the rendered video (render_video.c) share, so both play the
 * same world. *w is set up first, so rf__sim_world_free is right for it whatever this returns;
 * w->p and w->alloc point at p and a, which must outlive it. Returns 0, RF_ENOMEM or full's
 * code. */
typedef int (*sim_full_fn)(sim_world *w, void *payload);
int rf__sim_play(sim_world *w, const rf_sim_params *p, uint64_t seed, const rf_allocator *a,
                 sim_full_fn full, void *payload);
/* world.c: the store and its full shelves (layout.c when p->layout is 1), then its scales: the
 * plates' gains, the products' true weights and each facing's batch, from their own streams. */
int rf__sim_build_store(sim_world *w);
int rf__sim_build_varied(sim_world *w);
/* Names product `index` (its sku from the index, a name drawn from rng_store). */
void rf__sim_name_product(sim_world *w, sim_product *pr, int index);
/* world.c: plate `plate`'s gain at store time t (a reading of a load L is gain x L); a
 * product's true mean item weight; a new batch of product `product`, its mean item weight
 * (drawn from rng_batch). */
double rf__sim_gain(const sim_world *w, int plate, int64_t t);
double rf__sim_true_weight(const sim_product *pr);
double rf__sim_batch_mean(sim_world *w, int product);
/* shoppers.c: arrivals, reaches, and what each reach does to the shelves and carts. */
int rf__sim_shop(sim_world *w);
void rf__sim_world_free(sim_world *w);

#endif
