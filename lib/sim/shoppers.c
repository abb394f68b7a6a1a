/* Shoppers: they arrive over the run (some joining another's cart), walk from shelf to shelf,
 * and reach in — sometimes where another shopper is reaching at the same moment. Reaches are
 * then played in time order against the shelves: takes empty lanes (or pick up items others left
 * on the wrong shelf), put-backs return items home or leave them on the wrong shelf. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "sim_internal.h"
#include "tracker.h"

#define US 1000000.0

static int64_t us(double seconds) { return (int64_t)llround(seconds * US); }

typedef struct arrival {
  int64_t enter;
  int leader; /* index in generation order, or -1 */
  int order;  /* generation index */
  int role;   /* ROLE_* */
} arrival;

enum { ROLE_SHOPPER, ROLE_STAFF, ROLE_RUSH };

static int by_enter(const void *a, const void *b) {
  const arrival *x = a, *y = b;
  if (x->enter != y->enter) return x->enter < y->enter ? -1 : 1;
  return x->order - y->order;
}

static int add_reach(sim_world *w, const sim_reach *r) {
  if (RF__RESERVE(w->alloc, w->reaches, w->reach_cap, w->reach_count + 1) != 0) return RF_ENOMEM;
  w->reaches[w->reach_count++] = *r;
  return 0;
}

static sim_reach new_reach(int shopper, int shelf, int64_t t0) {
  sim_reach reach;
  memset(&reach, 0, sizeof reach);
  reach.shopper = shopper;
  reach.shelf = shelf;
  reach.t0 = t0;
  reach.product = reach.forced = reach.pair = reach.facing = reach.lane = -1;
  return reach;
}

/* A random shelf of the gondola shelf `near` stands in (a gondola's shelves are neighbours). */
static int shelf_beside(const sim_world *w, rf__rng *r, int near) {
  int g = w->shelves[near].gondola, first = near, count = 0;
  while (first > 0 && w->shelves[first - 1].gondola == g) --first;
  while (first + count < w->shelf_count && w->shelves[first + count].gondola == g) ++count;
  return first + rf__rng_int(r, 0, count - 1);
}

/* Who comes in when: shoppers (some joining another's cart), then staff and a rush. */
static void arrivals(sim_world *w, arrival *arr) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_people;
  int k = 0;
  for (; k < p->shoppers; ++k) {
    arr[k].order = k;
    arr[k].leader = -1;
    if (k > 0 && rf__rng_chance(r, p->group_share)) {
      int leader = rf__rng_int(r, 0, k - 1);
      while (arr[leader].leader >= 0) leader = arr[leader].leader;
      arr[k].leader = leader;
      arr[k].enter = arr[leader].enter + us(rf__rng_range(r, 0.5, 3.0));
    } else {
      arr[k].enter = us(rf__rng_range(r, 0.0, p->duration_s));
    }
  }
  for (int q = 0; q < p->staff; ++q, ++k)
    arr[k] = (arrival){us(rf__rng_range(r, 0.0, 0.8 * p->duration_s)), -1, k, ROLE_STAFF};
  for (int q = 0; q < p->rush_shoppers; ++q, ++k)
    arr[k] = (arrival){us(p->rush_at_s + rf__rng_range(r, 0.0, 60.0)), -1, k, ROLE_RUSH};
  if (p->rush_shoppers > 0)
    w->rush_shelf = shelf_beside(w, r, rf__rng_int(r, 0, w->shelf_count - 1));
}

/* Joins another shopper's reach around t (same shelf, nearly the same moment), as crowding
 * asks; 0 when nobody reaches then. */
static int join_someone(sim_world *w, int i, int64_t t, int64_t free_from, sim_reach *reach) {
  rf__rng *r = &w->rng_people;
  for (size_t q = (size_t)w->shoppers[i].first_reach; q-- > 0;) {
    const sim_reach *o = &w->reaches[q];
    if (o->shopper == i || llabs(o->t0 - t) > us(30.0)) continue;
    int64_t t0 = o->t0 + us(rf__rng_range(r, -0.5, 0.5));
    if (t0 <= free_from) continue; /* one hand cannot be in two reaches at once */
    reach->shelf = o->shelf;
    reach->t0 = t0;
    return 1;
  }
  return 0;
}

/* A group member reaches beside its cart's owner: the owner's next reach after free_from, at
 * a shelf of the same gondola, within two seconds of it. */
static int beside_owner(sim_world *w, int i, int64_t free_from, sim_reach *reach) {
  rf__rng *r = &w->rng_people;
  const sim_shopper *owner = &w->shoppers[w->shoppers[i].cart];
  for (int k = 0; k < owner->reach_count; ++k) {
    const sim_reach *o = &w->reaches[owner->first_reach + k];
    if (o->t0 - us(2.0) <= free_from) continue;
    reach->shelf = shelf_beside(w, r, o->shelf);
    reach->t0 = o->t0 + us(rf__rng_range(r, -2.0, 2.0));
    return 1;
  }
  return 0;
}

/* Where a shopper's next reach goes: beside the owner (groups), into someone's reach
 * (crowding), the same gondola again, or anywhere. */
static void place(sim_world *w, int i, int previous_shelf, int64_t free_from, sim_reach *reach) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_people;
  if (w->shoppers[i].cart != i && p->group_together > 0 && rf__rng_chance(r, p->group_together) &&
      beside_owner(w, i, free_from, reach))
    return;
  if (rf__rng_chance(r, p->crowding) && join_someone(w, i, reach->t0, free_from, reach)) return;
  if (previous_shelf >= 0 && rf__rng_chance(r, 0.5))
    reach->shelf = shelf_beside(w, r, previous_shelf);
  else reach->shelf = rf__rng_int(r, 0, w->shelf_count - 1);
}

/* What may come with a reach just placed: a second hand on the same gondola at the same time,
 * or (a pick-up) the return of the item looked at. Returns when the shopper is free again. */
static int64_t extras(sim_world *w, size_t main, int64_t free_from, int *rc) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_people;
  sim_reach first = w->reaches[main];
  if (p->two_hand_share > 0 && rf__rng_chance(r, p->two_hand_share)) {
    sim_reach second = new_reach(first.shopper, shelf_beside(w, r, first.shelf),
                                 first.t0 + us(rf__rng_range(r, -0.3, 0.6)));
    second.t1 = second.t0 + us(rf__rng_range(r, 0.5, 3.0));
    if (second.t0 > w->shoppers[first.shopper].enter_us + us(1.0)) {
      if ((*rc = add_reach(w, &second)) != 0) return free_from;
      if (second.t1 + us(1.0) > free_from) free_from = second.t1 + us(1.0);
    }
  }
  if (p->pickup_share > 0 && rf__rng_chance(r, p->pickup_share)) {
    sim_reach back =
        new_reach(first.shopper, first.shelf, free_from + us(rf__rng_range(r, 1.0, 19.0)));
    back.t1 = back.t0 + us(rf__rng_range(r, 0.5, 2.0));
    back.forced = REACH_RETURN;
    back.pair = (int)main;
    w->reaches[main].forced = REACH_PICKUP;
    w->reaches[main].pair = (int)w->reach_count;
    if ((*rc = add_reach(w, &back)) != 0) return free_from;
    free_from = back.t1 + us(1.0);
  }
  return free_from;
}

/* A shopper's reaches, where and when (what they do is decided when played). */
static int plan_shopper(sim_world *w, int i) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_people;
  sim_shopper *s = &w->shoppers[i];
  s->first_reach = (int)w->reach_count;
  int count = rf__rng_int(r, p->reaches_min, p->reaches_max), rc = 0;
  int64_t t = s->enter_us + us(rf__rng_range(r, 3.0, 15.0));
  int previous_shelf = -1;
  int64_t free_from = s->enter_us + us(1.0);
  for (int k = 0; k < count && rc == 0; ++k) {
    sim_reach reach = new_reach(i, -1, t);
    place(w, i, previous_shelf, free_from, &reach);
    reach.t1 = reach.t0 + us(rf__rng_range(r, 0.5, 4.0));
    if (p->lean_share > 0) reach.lean = rf__rng_chance(r, p->lean_share);
    previous_shelf = reach.shelf;
    free_from = reach.t1 + us(1.0);
    if ((rc = add_reach(w, &reach)) != 0) break;
    free_from = extras(w, w->reach_count - 1, free_from, &rc);
    t = free_from - us(1.0) + us(rf__rng_range(r, 5.0, 25.0));
  }
  s->reach_count = (int)w->reach_count - s->first_reach;
  return rc;
}

/* A rush: one to three reaches at the rush gondola soon after coming in, then a few
 * elsewhere. */
static int plan_rush(sim_world *w, int i) {
  rf__rng *r = &w->rng_people;
  sim_shopper *s = &w->shoppers[i];
  s->first_reach = (int)w->reach_count;
  int there = rf__rng_int(r, 1, 3), elsewhere = rf__rng_int(r, 0, 2), rc = 0;
  int64_t t = s->enter_us + us(rf__rng_range(r, 3.0, 10.0));
  for (int k = 0; k < there + elsewhere && rc == 0; ++k) {
    int shelf = k < there ? shelf_beside(w, r, w->rush_shelf)
                          : rf__rng_int(r, 0, w->shelf_count - 1);
    sim_reach reach = new_reach(i, shelf, t);
    reach.t1 = reach.t0 + us(rf__rng_range(r, 0.5, 4.0));
    rc = add_reach(w, &reach);
    t = reach.t1 + us(k + 1 < there ? rf__rng_range(r, 2.0, 8.0) : rf__rng_range(r, 5.0, 25.0));
  }
  s->reach_count = (int)w->reach_count - s->first_reach;
  return rc;
}

/* Staff: a round of restocking shelves. */
static int plan_staff(sim_world *w, int i) {
  rf__rng *r = &w->rng_people;
  sim_shopper *s = &w->shoppers[i];
  s->first_reach = (int)w->reach_count;
  int count = rf__rng_int(r, 3, 8), rc = 0;
  int64_t t = s->enter_us + us(rf__rng_range(r, 5.0, 20.0));
  for (int k = 0; k < count && rc == 0; ++k) {
    sim_reach reach = new_reach(i, rf__rng_int(r, 0, w->shelf_count - 1), t);
    reach.t1 = reach.t0 + us(rf__rng_range(r, 3.0, 8.0));
    reach.forced = REACH_RESTOCK;
    rc = add_reach(w, &reach);
    t = reach.t1 + us(rf__rng_range(r, 10.0, 40.0));
  }
  s->reach_count = (int)w->reach_count - s->first_reach;
  return rc;
}

/* A shopper leaves a little after their last reach. */
static void set_exit(sim_world *w, int i) {
  sim_shopper *s = &w->shoppers[i];
  int64_t last = s->enter_us;
  for (int k = 0; k < s->reach_count; ++k)
    if (w->reaches[s->first_reach + k].t1 > last) last = w->reaches[s->first_reach + k].t1;
  s->exit_us = last + us(rf__rng_range(&w->rng_people, 5.0, 20.0));
}

static void group_exits(sim_world *w) {
  rf__rng *r = &w->rng_people;
  /* A group leaves together: the cart's owner goes last, so no item joins the cart after the
   * owner's exit (when its receipt is due). */
  for (int i = 0; i < w->shopper_count; ++i) {
    sim_shopper *owner = &w->shoppers[w->shoppers[i].cart];
    if (w->shoppers[i].cart != i && owner->exit_us <= w->shoppers[i].exit_us)
      owner->exit_us = w->shoppers[i].exit_us + us(rf__rng_range(r, 1.0, 5.0));
  }
}

/* Arrivals, groups, and every shopper's reaches (where and when, not yet what). */
static int schedule(sim_world *w) {
  const rf_sim_params *p = w->p;
  int n = p->shoppers + p->staff + p->rush_shoppers;
  arrival *arr = rf__calloc(w->alloc, (size_t)n + 1, sizeof *arr);
  int *slot = rf__calloc(w->alloc, (size_t)n + 1, sizeof *slot);
  w->shoppers = rf__calloc(w->alloc, (size_t)n + 1, sizeof *w->shoppers);
  w->carts = rf__calloc(w->alloc, (size_t)n + 1, sizeof *w->carts);
  if (!arr || !slot || !w->shoppers || !w->carts) {
    rf__free(w->alloc, arr);
    rf__free(w->alloc, slot);
    return RF_ENOMEM;
  }
  arrivals(w, arr);
  qsort(arr, (size_t)n, sizeof *arr, by_enter);
  for (int i = 0; i < n; ++i) slot[arr[i].order] = i;
  w->shopper_count = n;
  for (int i = 0; i < n; ++i) {
    sim_shopper *s = &w->shoppers[i];
    s->staff = arr[i].role == ROLE_STAFF;
    snprintf(s->id, sizeof s->id, s->staff ? "E%d" : "S%d", i + 1);
    s->enter_us = arr[i].enter;
    s->cart = arr[i].leader >= 0 ? slot[arr[i].leader] : i;
  }
  int rc = 0;
  for (int i = 0; i < n && rc == 0; ++i) {
    rc = arr[i].role == ROLE_STAFF  ? plan_staff(w, i)
         : arr[i].role == ROLE_RUSH ? plan_rush(w, i)
                                    : plan_shopper(w, i);
    set_exit(w, i);
  }
  rf__free(w->alloc, arr);
  rf__free(w->alloc, slot);
  if (rc == 0) group_exits(w);
  return rc;
}

static int add_move(sim_world *w, const sim_move *m) {
  if (RF__RESERVE(w->alloc, w->moves, w->move_cap, w->move_count + 1) != 0) return RF_ENOMEM;
  w->moves[w->move_count++] = *m;
  return 0;
}

static int cart_add(sim_world *w, sim_cart *c, int product, double weight, int64_t t) {
  if (c->count == c->cap) {
    int cap = c->cap ? 2 * c->cap : 8;
    sim_item *items = rf__realloc(w->alloc, c->items, (size_t)cap * sizeof *items);
    if (items == NULL) return RF_ENOMEM;
    c->items = items;
    c->cap = cap;
  }
  c->items[c->count].product = product;
  c->items[c->count].weight = weight;
  c->items[c->count].t = t;
  c->count++;
  return 0;
}

/* Takes one item from a facing of the shelf (or a loose one lying there); 0 if the shelf is
 * empty. `prefer` is a facing to take from if it has items, else -1. */
static int take_one(sim_world *w, sim_reach *reach, int prefer, int64_t t, int *facing_out) {
  rf__rng *r = &w->rng_actions;
  const sim_shelf *sh = &w->shelves[reach->shelf];
  sim_move m;
  memset(&m, 0, sizeof m);
  m.facing = m.lane = m.loose = -1;
  m.reach = (int)(reach - w->reaches);
  m.shelf = reach->shelf;
  m.sign = -1;
  m.t = t;
  m.cart = w->shoppers[reach->shopper].cart;
  if (prefer < 0 && rf__rng_chance(r, 0.3)) {
    for (size_t q = 0; q < w->loose_count; ++q) {
      sim_loose *l = &w->loose[q];
      if (!l->present || l->shelf != reach->shelf) continue;
      l->present = 0;
      m.product = l->product;
      m.weight = l->weight;
      m.x = l->x;
      m.width = 0.07;
      m.loose = (int)q;
      *facing_out = -1;
      if (cart_add(w, &w->carts[m.cart], m.product, m.weight, t) != 0) return RF_ENOMEM;
      return add_move(w, &m) == 0 ? 1 : RF_ENOMEM;
    }
  }
  int f = prefer;
  if (f < 0 || w->facings[f].count == NULL) f = -1;
  if (f >= 0) {
    int any = 0;
    for (int lane = 0; lane < w->facings[f].lanes; ++lane) any |= w->facings[f].count[lane] > 0;
    if (!any) f = -1;
  }
  if (f < 0) {
    int candidates = 0;
    for (int k = 0; k < sh->facing_count; ++k) {
      const sim_facing *fc = &w->facings[sh->first_facing + k];
      for (int lane = 0; lane < fc->lanes; ++lane)
        if (fc->count[lane] > 0) {
          ++candidates;
          break;
        }
    }
    if (candidates == 0) return 0;
    int pick = rf__rng_int(r, 0, candidates - 1);
    for (int k = 0; k < sh->facing_count && f < 0; ++k) {
      const sim_facing *fc = &w->facings[sh->first_facing + k];
      for (int lane = 0; lane < fc->lanes; ++lane)
        if (fc->count[lane] > 0) {
          if (pick-- == 0) f = sh->first_facing + k;
          break;
        }
    }
  }
  sim_facing *fc = &w->facings[f];
  int lane;
  do lane = rf__rng_int(r, 0, fc->lanes - 1);
  while (fc->count[lane] == 0);
  m.product = fc->product;
  m.weight = fc->weights[lane * fc->depth + --fc->count[lane]];
  m.x = fc->x0 + (lane + 0.5) * fc->lane_w;
  m.width = 0.9 * fc->lane_w;
  m.facing = f;
  m.lane = lane;
  *facing_out = f;
  if (cart_add(w, &w->carts[m.cart], m.product, m.weight, t) != 0) return RF_ENOMEM;
  return add_move(w, &m) == 0 ? 1 : RF_ENOMEM;
}

/* Moves cart item k onto the reach's shelf at t: into facing f's emptiest lane when f >= 0 and
 * it has room, else left lying loose at x (drawn when x is NAN). */
static int place_item(sim_world *w, sim_reach *reach, int k, int64_t t, int f, double x) {
  sim_cart *c = &w->carts[w->shoppers[reach->shopper].cart];
  sim_item item = c->items[k];
  c->items[k] = c->items[--c->count];
  sim_move m;
  memset(&m, 0, sizeof m);
  m.facing = m.lane = m.loose = -1;
  m.reach = (int)(reach - w->reaches);
  m.sign = 1;
  m.t = t;
  m.cart = w->shoppers[reach->shopper].cart;
  m.product = item.product;
  m.weight = item.weight;
  m.shelf = reach->shelf;
  int lane = -1;
  sim_facing *home = f >= 0 ? &w->facings[f] : NULL;
  for (int q = 0; home != NULL && q < home->lanes; ++q)
    if (home->count[q] < home->depth && (lane < 0 || home->count[q] < home->count[lane])) lane = q;
  if (lane >= 0) {
    home->weights[lane * home->depth + home->count[lane]++] = item.weight;
    m.x = home->x0 + (lane + 0.5) * home->lane_w;
    m.width = 0.9 * home->lane_w;
    m.facing = f;
    m.lane = lane;
  } else {
    const sim_shelf *sh = &w->shelves[m.shelf];
    m.x = isnan(x) ? rf__rng_range(&w->rng_actions, 0.04, sh->width - 0.04) : x;
    m.width = 0.07;
    if (RF__RESERVE(w->alloc, w->loose, w->loose_cap, w->loose_count + 1) != 0) return RF_ENOMEM;
    m.loose = (int)w->loose_count;
    sim_loose *l = &w->loose[w->loose_count++];
    l->shelf = m.shelf;
    l->product = item.product;
    l->present = 1;
    l->weight = item.weight;
    l->x = m.x;
  }
  return add_move(w, &m) == 0 ? 1 : RF_ENOMEM;
}

/* Puts a random item of the reaching shopper's cart back: home, or on this wrong shelf; 0 if
 * the cart held nothing yet at t. Reaches are played in order of their start, but a reach that
 * started earlier may take its item later than this one puts back (a cart shared by a group,
 * overlapping reaches): only items that were in the cart by t can go back. */
static int put_back(sim_world *w, sim_reach *reach, int64_t t) {
  rf__rng *r = &w->rng_actions;
  sim_cart *c = &w->carts[w->shoppers[reach->shopper].cart];
  int held = 0, k = -1;
  for (int q = 0; q < c->count; ++q) held += c->items[q].t < t;
  if (held == 0) return 0;
  int pick = rf__rng_int(r, 0, held - 1);
  for (int q = 0; q < c->count && k < 0; ++q)
    if (c->items[q].t < t && pick-- == 0) k = q;
  int home = w->products[c->items[k].product].facing;
  int wrong = reach->shelf != w->facings[home].shelf && rf__rng_chance(r, w->p->wrong_shelf_share);
  if (wrong) return place_item(w, reach, k, t, -1, NAN);
  reach->shelf = w->facings[home].shelf;
  return place_item(w, reach, k, t, home, NAN);
}

/* A pick-up's return: the very item looked at goes back where it came from (its facing, or
 * where it lay), if the cart still holds it (a group member may have put it back already). */
static int give_back(sim_world *w, sim_reach *reach, int64_t t) {
  const sim_reach *pickup = &w->reaches[reach->pair];
  if (pickup->move_count != 1) return 0;
  const sim_move *taken = &w->moves[pickup->first_move];
  sim_cart *c = &w->carts[w->shoppers[reach->shopper].cart];
  for (int k = 0; k < c->count; ++k)
    if (c->items[k].product == taken->product && c->items[k].weight == taken->weight &&
        c->items[k].t == taken->t) {
      reach->shelf = taken->shelf;
      return place_item(w, reach, k, t, pickup->facing, taken->x);
    }
  return 0;
}

/* Staff fill the facing of the shelf that lacks most (2-6 items, as far as it has room), with
 * items of a new batch; a share of such restocks they announce. */
static int restock(sim_world *w, sim_reach *reach, int64_t t) {
  rf__rng *r = &w->rng_actions;
  const sim_shelf *sh = &w->shelves[reach->shelf];
  int best = -1, most = 0;
  for (int k = 0; k < sh->facing_count; ++k) {
    const sim_facing *f = &w->facings[sh->first_facing + k];
    int missing = 0;
    for (int lane = 0; lane < f->lanes; ++lane) missing += f->depth - f->count[lane];
    if (missing > most) best = sh->first_facing + k, most = missing;
  }
  if (best < 0) return 0;
  sim_facing *f = &w->facings[best];
  const sim_product *pr = &w->products[f->product];
  int items = rf__rng_int(r, 2, 6);
  if (items > most) items = most;
  double mean = rf__sim_batch_mean(w, f->product);
  reach->announced = rf__rng_chance(&w->rng_announce, w->p->restock_announced);
  for (int k = 0; k < items; ++k) {
    int lane = 0;
    for (int q = 1; q < f->lanes; ++q)
      if (f->count[q] < f->count[lane]) lane = q;
    sim_move m;
    memset(&m, 0, sizeof m);
    m.facing = m.lane = m.loose = -1;
    m.reach = (int)(reach - w->reaches);
    m.shelf = reach->shelf;
    m.product = f->product;
    m.sign = 1;
    m.cart = reach->shopper;
    m.t = t;
    m.weight = fmax(1.0, mean + rf__rng_normal(r, pr->sd));
    m.x = f->x0 + (lane + 0.5) * f->lane_w;
    m.width = 0.9 * f->lane_w;
    m.facing = best;
    m.lane = lane;
    f->weights[lane * f->depth + f->count[lane]++] = m.weight;
    if (add_move(w, &m) != 0) return RF_ENOMEM;
    t += us(rf__rng_range(r, 0.2, 0.6));
    if (t > reach->t1 - us(0.05)) t = reach->t1 - us(0.05);
  }
  return items > 0;
}

static int by_time(const void *a, const void *b) {
  const sim_reach *x = *(const sim_reach *const *)a, *y = *(const sim_reach *const *)b;
  if (x->t0 != y->t0) return x->t0 < y->t0 ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* A reach's kind, unless fixed when it was scheduled. */
static int draw_kind(sim_world *w, const sim_reach *reach) {
  const rf_sim_params *p = w->p;
  if (reach->forced >= 0) return reach->forced;
  const sim_cart *cart = &w->carts[w->shoppers[reach->shopper].cart];
  double u = rf__rng_uniform(&w->rng_actions);
  if (u < p->putback_share && cart->count > 0) return REACH_PUTBACK;
  if (u < p->putback_share + p->browse_share) return REACH_BROWSE;
  if (u < p->putback_share + p->browse_share + p->multi_take_share) return REACH_MULTI;
  return REACH_TAKE;
}

/* A take of one item (a pick-up too) or of 2-3, often from neighbouring facings. */
static int take_items(sim_world *w, sim_reach *reach, int64_t t) {
  rf__rng *r = &w->rng_actions;
  int items = reach->kind == REACH_MULTI ? rf__rng_int(r, 2, 3) : 1, facing = -1;
  for (int k = 0; k < items; ++k) {
    int prefer = facing;
    if (k > 0 && facing >= 0 && rf__rng_chance(r, 0.3)) {
      /* A neighbouring facing on the same shelf. */
      const sim_shelf *sh = &w->shelves[reach->shelf];
      int next = facing + (rf__rng_chance(r, 0.5) ? 1 : -1);
      if (next >= sh->first_facing && next < sh->first_facing + sh->facing_count) prefer = next;
    }
    int got = take_one(w, reach, k == 0 ? -1 : prefer, t, &facing);
    if (got <= 0) return got;
    if (k == 0) reach->facing = facing;
    reach->took = 1;
    t += us(rf__rng_range(r, 0.1, 0.6));
    if (t > reach->t1 - us(0.05)) t = reach->t1 - us(0.05);
  }
  return 0;
}

static int play(sim_world *w, sim_reach *reach) {
  rf__rng *r = &w->rng_actions;
  reach->kind = draw_kind(w, reach);
  reach->first_move = (int)w->move_count;
  double span = (double)(reach->t1 - reach->t0) / US;
  int64_t t = reach->t0 + us(rf__rng_range(r, 0.2, fmax(0.25, span * 0.6)));
  int got = 0;
  switch (reach->kind) {
    case REACH_PUTBACK: got = put_back(w, reach, t), reach->put = got > 0; break;
    case REACH_RETURN: got = give_back(w, reach, t), reach->put = got > 0; break;
    case REACH_RESTOCK: got = restock(w, reach, t), reach->put = got > 0; break;
    case REACH_TAKE:
    case REACH_MULTI:
    case REACH_PICKUP: got = take_items(w, reach, t); break;
    default: break;
  }
  reach->move_count = (int)w->move_count - reach->first_move;
  if (reach->move_count > 0) {
    const sim_move *m = &w->moves[reach->first_move];
    reach->x = m->x;
    reach->product = m->product;
  } else {
    reach->x = rf__rng_range(r, 0.05, w->shelves[reach->shelf].width - 0.05);
  }
  return got < 0 ? got : 0;
}

/* A hand resting on the shelf presses 50-500 g where it reaches, from just after it enters to
 * just before it leaves: a rise and a fall the load cells see (product -1: no item). */
static int leans(sim_world *w) {
  rf__rng *r = &w->rng_actions;
  size_t reaches = w->reach_count;
  for (size_t q = 0; q < reaches; ++q) {
    const sim_reach *reach = &w->reaches[q];
    if (!reach->lean) continue;
    sim_move m;
    memset(&m, 0, sizeof m);
    m.facing = m.lane = m.loose = -1;
    m.reach = (int)q;
    m.shelf = reach->shelf;
    m.product = m.cart = -1;
    m.weight = rf__rng_range(r, 50.0, 500.0);
    m.x = reach->x;
    m.width = 0.1;
    m.sign = 1;
    m.t = reach->t0 + us(0.15);
    if (add_move(w, &m) != 0) return RF_ENOMEM;
    m.sign = -1;
    m.t = reach->t1 - us(0.15);
    if (add_move(w, &m) != 0) return RF_ENOMEM;
  }
  return 0;
}

/* Plays every reach in time order against the shelves and carts. */
static int act(sim_world *w) {
  sim_reach **order = rf__calloc(w->alloc, w->reach_count + 1, sizeof *order);
  if (order == NULL) return RF_ENOMEM;
  for (size_t q = 0; q < w->reach_count; ++q) order[q] = &w->reaches[q];
  qsort(order, w->reach_count, sizeof *order, by_time);
  int rc = 0;
  for (size_t q = 0; q < w->reach_count && rc == 0; ++q) rc = play(w, order[q]);
  rf__free(w->alloc, order);
  return rc == 0 ? leans(w) : rc;
}

int rf__sim_shop(sim_world *w) {
  int rc = schedule(w);
  return rc != 0 ? rc : act(w);
}

void rf__sim_world_free(sim_world *w) {
  for (int f = 0; f < w->facing_count; ++f) {
    rf__free(w->alloc, w->facings[f].count);
    rf__free(w->alloc, w->facings[f].weights);
  }
  for (int c = 0; c < w->shopper_count; ++c) rf__free(w->alloc, w->carts[c].items);
  rf__free(w->alloc, w->products);
  rf__free(w->alloc, w->shelves);
  rf__free(w->alloc, w->plates);
  rf__free(w->alloc, w->facings);
  rf__free(w->alloc, w->loose);
  rf__free(w->alloc, w->shoppers);
  rf__free(w->alloc, w->carts);
  rf__free(w->alloc, w->reaches);
  rf__free(w->alloc, w->moves);
  rf__sim_track_free(w);
}
