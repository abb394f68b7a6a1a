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
  double weight, sd;
  int facing; /* its home facing */
} sim_product;

typedef struct sim_plate {
  char id[48];
  double x0, x1, noise;
} sim_plate;

typedef struct sim_shelf {
  char id[24];
  int first_plate, plate_count;
  int first_facing, facing_count;
  double width, noise, pos_x, pos_y;
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
  int cart; /* index of the cart owner (itself unless linked) */
  int first_reach, reach_count;
} sim_shopper;

enum { REACH_TAKE, REACH_MULTI, REACH_BROWSE, REACH_PUTBACK };

typedef struct sim_reach {
  int shopper, shelf, kind;
  int64_t t0, t1;
  double x;
  int first_move, move_count;
  int took, put; /* what the hand did: for the holding_* hints */
  int product;   /* the (first) product moved, -1 if none */
} sim_reach;

/* One item leaving (sign -1) or arriving on (+1) a shelf. */
typedef struct sim_move {
  int reach, shelf, product, sign, cart;
  int64_t t;
  double weight, x, width;
} sim_move;

typedef struct sim_world {
  const rf_sim_params *p;
  const rf_allocator *alloc;
  rf__rng rng_store, rng_people, rng_actions, rng_camera, rng_cells;
  /* stream faults (faults.c), one stream each so a fault's knob moves nothing else */
  rf__rng rng_stray, rng_unknown, rng_delivery, rng_duplicate;
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
} sim_world;

/* world.c: the store and its full shelves. */
int rf__sim_build_store(sim_world *w);
/* shoppers.c: arrivals, reaches, and what each reach does to the shelves and carts. */
int rf__sim_shop(sim_world *w);
void rf__sim_world_free(sim_world *w);

#endif
