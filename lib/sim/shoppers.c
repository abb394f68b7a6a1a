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

#define US 1000000.0

static int64_t us(double seconds) { return (int64_t)llround(seconds * US); }

typedef struct arrival {
  int64_t enter;
  int leader; /* index in generation order, or -1 */
  int order;  /* generation index */
} arrival;

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

/* Arrivals, groups, and every shopper's reaches (where and when, not yet what). */
static int schedule(sim_world *w) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_people;
  int n = p->shoppers;
  arrival *arr = rf__calloc(w->alloc, (size_t)n + 1, sizeof *arr);
  int *slot = rf__calloc(w->alloc, (size_t)n + 1, sizeof *slot);
  w->shoppers = rf__calloc(w->alloc, (size_t)n + 1, sizeof *w->shoppers);
  w->carts = rf__calloc(w->alloc, (size_t)n + 1, sizeof *w->carts);
  if (!arr || !slot || !w->shoppers || !w->carts) {
    rf__free(w->alloc, arr);
    rf__free(w->alloc, slot);
    return RF_ENOMEM;
  }
  for (int k = 0; k < n; ++k) {
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
  qsort(arr, (size_t)n, sizeof *arr, by_enter);
  for (int i = 0; i < n; ++i) slot[arr[i].order] = i;
  w->shopper_count = n;
  for (int i = 0; i < n; ++i) {
    sim_shopper *s = &w->shoppers[i];
    snprintf(s->id, sizeof s->id, "S%d", i + 1);
    s->enter_us = arr[i].enter;
    s->cart = arr[i].leader >= 0 ? slot[arr[i].leader] : i;
  }
  rf__free(w->alloc, arr);
  rf__free(w->alloc, slot);

  for (int i = 0; i < n; ++i) {
    sim_shopper *s = &w->shoppers[i];
    s->first_reach = (int)w->reach_count;
    s->reach_count = rf__rng_int(r, p->reaches_min, p->reaches_max);
    int64_t t = s->enter_us + us(rf__rng_range(r, 3.0, 15.0));
    int previous_shelf = -1;
    int64_t free_from = s->enter_us + us(1.0);
    for (int k = 0; k < s->reach_count; ++k) {
      sim_reach reach;
      memset(&reach, 0, sizeof reach);
      reach.shopper = i;
      reach.product = -1;
      reach.t0 = t;
      reach.shelf = -1;
      if (rf__rng_chance(r, p->crowding)) {
        /* Join someone else's reach around this time: same shelf, nearly the same moment. */
        for (size_t q = (size_t)s->first_reach; q-- > 0;) {
          const sim_reach *o = &w->reaches[q];
          if (o->shopper == i || llabs(o->t0 - t) > us(30.0)) continue;
          int64_t t0 = o->t0 + us(rf__rng_range(r, -0.5, 0.5));
          if (t0 <= free_from) continue; /* one hand cannot be in two reaches at once */
          reach.shelf = o->shelf;
          reach.t0 = t0;
          break;
        }
      }
      if (reach.shelf < 0) {
        if (previous_shelf >= 0 && rf__rng_chance(r, 0.5)) {
          int g = previous_shelf / p->shelves_per_gondola;
          reach.shelf = g * p->shelves_per_gondola + rf__rng_int(r, 0, p->shelves_per_gondola - 1);
        } else {
          reach.shelf = rf__rng_int(r, 0, w->shelf_count - 1);
        }
      }
      reach.t1 = reach.t0 + us(rf__rng_range(r, 0.5, 4.0));
      previous_shelf = reach.shelf;
      free_from = reach.t1 + us(1.0);
      if (add_reach(w, &reach) != 0) return RF_ENOMEM;
      t = reach.t1 + us(rf__rng_range(r, 5.0, 25.0));
    }
    int64_t last = s->enter_us;
    for (int k = 0; k < s->reach_count; ++k)
      if (w->reaches[s->first_reach + k].t1 > last) last = w->reaches[s->first_reach + k].t1;
    s->exit_us = last + us(rf__rng_range(r, 5.0, 20.0));
  }
  /* A group leaves together: the cart's owner goes last, so no item joins the cart after the
   * owner's exit (when its receipt is due). */
  for (int i = 0; i < n; ++i) {
    sim_shopper *owner = &w->shoppers[w->shoppers[i].cart];
    if (w->shoppers[i].cart != i && owner->exit_us <= w->shoppers[i].exit_us)
      owner->exit_us = w->shoppers[i].exit_us + us(rf__rng_range(r, 1.0, 5.0));
  }
  return 0;
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
  *facing_out = f;
  if (cart_add(w, &w->carts[m.cart], m.product, m.weight, t) != 0) return RF_ENOMEM;
  return add_move(w, &m) == 0 ? 1 : RF_ENOMEM;
}

/* Puts a random item of the reaching shopper's cart back: home, or on this wrong shelf; 0 if
 * the cart held nothing yet at t. Reaches are played in order of their start, but a reach that
 * started earlier may take its item later than this one puts back (a cart shared by a group,
 * overlapping reaches): only items that were in the cart by t can go back. */
static int put_back(sim_world *w, sim_reach *reach, int64_t t) {
  rf__rng *r = &w->rng_actions;
  int cart = w->shoppers[reach->shopper].cart;
  sim_cart *c = &w->carts[cart];
  int held = 0, k = -1;
  for (int q = 0; q < c->count; ++q) held += c->items[q].t < t;
  if (held == 0) return 0;
  int pick = rf__rng_int(r, 0, held - 1);
  for (int q = 0; q < c->count && k < 0; ++q)
    if (c->items[q].t < t && pick-- == 0) k = q;
  sim_item item = c->items[k];
  c->items[k] = c->items[--c->count];
  const sim_product *pr = &w->products[item.product];
  sim_facing *home = &w->facings[pr->facing];
  sim_move m;
  memset(&m, 0, sizeof m);
  m.reach = (int)(reach - w->reaches);
  m.sign = 1;
  m.t = t;
  m.cart = cart;
  m.product = item.product;
  m.weight = item.weight;
  int wrong = reach->shelf != home->shelf && rf__rng_chance(r, w->p->wrong_shelf_share);
  if (!wrong) reach->shelf = home->shelf;
  m.shelf = reach->shelf;
  int lane = -1;
  if (!wrong) {
    for (int q = 0; q < home->lanes; ++q)
      if (home->count[q] < home->depth && (lane < 0 || home->count[q] < home->count[lane]))
        lane = q;
  }
  if (lane >= 0) {
    home->weights[lane * home->depth + home->count[lane]++] = item.weight;
    m.x = home->x0 + (lane + 0.5) * home->lane_w;
    m.width = 0.9 * home->lane_w;
  } else {
    /* Left lying on the shelf (the wrong one, or a full home facing). */
    const sim_shelf *sh = &w->shelves[m.shelf];
    m.x = rf__rng_range(r, 0.04, sh->width - 0.04);
    m.width = 0.07;
    if (RF__RESERVE(w->alloc, w->loose, w->loose_cap, w->loose_count + 1) != 0) return RF_ENOMEM;
    sim_loose *l = &w->loose[w->loose_count++];
    l->shelf = m.shelf;
    l->product = item.product;
    l->present = 1;
    l->weight = item.weight;
    l->x = m.x;
  }
  return add_move(w, &m) == 0 ? 1 : RF_ENOMEM;
}

static int by_time(const void *a, const void *b) {
  const sim_reach *x = *(const sim_reach *const *)a, *y = *(const sim_reach *const *)b;
  if (x->t0 != y->t0) return x->t0 < y->t0 ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* Plays every reach in time order against the shelves and carts. */
static int act(sim_world *w) {
  const rf_sim_params *p = w->p;
  rf__rng *r = &w->rng_actions;
  sim_reach **order = rf__calloc(w->alloc, w->reach_count + 1, sizeof *order);
  if (order == NULL) return RF_ENOMEM;
  for (size_t q = 0; q < w->reach_count; ++q) order[q] = &w->reaches[q];
  qsort(order, w->reach_count, sizeof *order, by_time);
  int rc = 0;
  for (size_t q = 0; q < w->reach_count && rc == 0; ++q) {
    sim_reach *reach = order[q];
    const sim_cart *cart = &w->carts[w->shoppers[reach->shopper].cart];
    double u = rf__rng_uniform(r);
    if (u < p->putback_share && cart->count > 0) reach->kind = REACH_PUTBACK;
    else if (u < p->putback_share + p->browse_share) reach->kind = REACH_BROWSE;
    else if (u < p->putback_share + p->browse_share + p->multi_take_share)
      reach->kind = REACH_MULTI;
    else reach->kind = REACH_TAKE;
    reach->first_move = (int)w->move_count;
    double span = (double)(reach->t1 - reach->t0) / US;
    int64_t t = reach->t0 + us(rf__rng_range(r, 0.2, fmax(0.25, span * 0.6)));
    if (reach->kind == REACH_PUTBACK) {
      int got = put_back(w, reach, t);
      if (got < 0) rc = got;
      reach->put = got > 0;
    } else if (reach->kind == REACH_TAKE || reach->kind == REACH_MULTI) {
      int items = reach->kind == REACH_MULTI ? rf__rng_int(r, 2, 3) : 1, facing = -1;
      for (int k = 0; k < items && rc == 0; ++k) {
        int prefer = facing;
        if (k > 0 && facing >= 0 && rf__rng_chance(r, 0.3)) {
          /* A neighbouring facing on the same shelf. */
          const sim_shelf *sh = &w->shelves[reach->shelf];
          int next = facing + (rf__rng_chance(r, 0.5) ? 1 : -1);
          if (next >= sh->first_facing && next < sh->first_facing + sh->facing_count) prefer = next;
        }
        int got = take_one(w, reach, k == 0 ? -1 : prefer, t, &facing);
        if (got < 0) rc = got;
        if (got <= 0) break;
        reach->took = 1;
        t += us(rf__rng_range(r, 0.1, 0.6));
        if (t > reach->t1 - us(0.05)) t = reach->t1 - us(0.05);
      }
    }
    reach->move_count = (int)w->move_count - reach->first_move;
    if (reach->move_count > 0) {
      const sim_move *m = &w->moves[reach->first_move];
      reach->x = m->x;
      reach->product = m->product;
    } else {
      reach->x = rf__rng_range(r, 0.05, w->shelves[reach->shelf].width - 0.05);
    }
  }
  rf__free(w->alloc, order);
  return rc;
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
}
