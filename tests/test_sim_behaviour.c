/* The simulator's realistic behaviour, checked on the world it plays (lib/sim internals): staff
 * restock and buy nothing, pick-ups come back to where they were, leaning hands press and lift,
 * a rush crowds one gondola, group members shop beside their owner, second hands overlap the
 * first, and the cameras' blind moments, merged hands and crowding do what their knobs say. The
 * public stream is checked too: staff enter with `"staff": true` and appear in no truth. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "retailfuse/retailfuse.h"
#include "sim/sensors.h"
#include "sim/sim_internal.h"
#include "sim/tracker.h"

#define SEC 1000000LL

typedef struct played {
  rf_sim_params p;
  rf_allocator a;
  sim_world w;
  sensor_log log;
} played;

/* Busy in the classic layout, with `sets` applied ("name=value ..."), played with `seed`. */
static played *play(const char *sets, uint64_t seed) {
  played *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(rf_sim_preset(&x->p, "busy"), 0);
  char buf[512];
  snprintf(buf, sizeof buf, "%s", sets);
  for (char *tok = strtok(buf, " "); tok != NULL; tok = strtok(NULL, " ")) {
    char *eq = strchr(tok, '=');
    assert_non_null(eq);
    *eq = '\0';
    assert_int_equal(rf_sim_set(&x->p, tok, eq + 1), 0);
  }
  assert_int_equal(rf__allocator_init(&x->a, NULL), 0);
  sim_world *w = &x->w;
  w->p = &x->p;
  w->alloc = &x->a;
  rf__sim_seed(w, seed);
  assert_int_equal(rf__sim_build_store(w), 0);
  assert_int_equal(rf__sim_shop(w), 0);
  assert_int_equal(rf__sim_track(w), 0);
  assert_int_equal(rf__sim_sense(w, &x->log), 0);
  return x;
}

static void done(played *x) {
  rf__sensor_log_free(&x->w, &x->log);
  rf__sim_world_free(&x->w);
  free(x);
}

/* Staff come in as many as asked, only restock (items onto shelves), and no cart gets theirs. */
static void staff_restock_only(void **state) {
  (void)state;
  played *x = play("staff=3 shoppers=40", 5);
  const sim_world *w = &x->w;
  int staff = 0, restocked = 0;
  for (int s = 0; s < w->shopper_count; ++s) {
    const sim_shopper *sh = &w->shoppers[s];
    if (!sh->staff) continue;
    ++staff;
    assert_int_equal(sh->id[0], 'E');
    assert_int_equal(sh->cart, s);
    assert_true(sh->reach_count >= 3 && sh->reach_count <= 8);
    for (int k = 0; k < sh->reach_count; ++k)
      assert_int_equal(w->reaches[sh->first_reach + k].kind, REACH_RESTOCK);
  }
  assert_int_equal(staff, 3);
  for (size_t m = 0; m < w->move_count; ++m) {
    const sim_move *mv = &w->moves[m];
    if (mv->cart < 0 || !w->shoppers[mv->cart].staff) continue;
    assert_int_equal(mv->sign, 1);
    assert_true(mv->product >= 0);
    ++restocked;
  }
  /* Facings empty as the store is shopped: staff find something to fill. */
  assert_true(restocked > 0);
  done(x);
}

/* A pick-up takes one item; its return puts that very item back where it lay, 2-20 s later. */
static void pickups_come_back(void **state) {
  (void)state;
  played *x = play("pickup_share=0.3 shoppers=60", 7);
  const sim_world *w = &x->w;
  int pickups = 0, returned = 0;
  for (size_t q = 0; q < w->reach_count; ++q) {
    const sim_reach *r = &w->reaches[q];
    if (r->kind != REACH_PICKUP) continue;
    ++pickups;
    assert_true(r->pair >= 0);
    const sim_reach *back = &w->reaches[r->pair];
    assert_int_equal(back->kind, REACH_RETURN);
    assert_int_equal(back->pair, (int)q);
    assert_int_equal(back->shopper, r->shopper);
    assert_true(back->t0 - r->t1 >= 2 * SEC && back->t0 - r->t1 <= 20 * SEC);
    assert_true(r->move_count <= 1);
    if (r->move_count == 0 || back->move_count == 0) continue;
    const sim_move *took = &w->moves[r->first_move], *put = &w->moves[back->first_move];
    assert_int_equal(took->sign, -1);
    assert_int_equal(put->sign, 1);
    assert_int_equal(put->product, took->product);
    assert_true(put->weight == took->weight);
    assert_int_equal(put->shelf, took->shelf);
    ++returned;
  }
  /* About 0.3 of the planned reaches; most returns find their item. */
  assert_true(pickups > 40);
  assert_true(returned > pickups * 3 / 4);
  done(x);
}

/* A leaning hand presses 50-500 g just after it enters and lifts it just before it leaves. */
static void leaning_presses_and_lifts(void **state) {
  (void)state;
  played *x = play("lean_share=0.5", 3);
  const sim_world *w = &x->w;
  int leaning = 0, pressed = 0;
  for (size_t q = 0; q < w->reach_count; ++q) leaning += w->reaches[q].lean;
  for (size_t m = 0; m < w->move_count; ++m) {
    const sim_move *mv = &w->moves[m];
    if (mv->product >= 0) continue;
    const sim_reach *r = &w->reaches[mv->reach];
    assert_true(r->lean);
    assert_int_equal(mv->cart, -1);
    assert_true(mv->weight >= 50 && mv->weight <= 500);
    assert_true(mv->t == (mv->sign > 0 ? r->t0 + 150000 : r->t1 - 150000));
    pressed += mv->sign > 0;
  }
  assert_int_equal(pressed, leaning);
  assert_true(leaning > (int)w->reach_count / 3 && leaning < (int)w->reach_count * 2 / 3);
  done(x);
}

/* A rush: most of its shoppers reach into one gondola within two minutes of its start. */
static void rush_crowds_one_gondola(void **state) {
  (void)state;
  played *x = play("rush_shoppers=18 rush_at_s=300", 11);
  const sim_world *w = &x->w;
  int g = w->shelves[w->rush_shelf].gondola, there = 0;
  for (int s = 0; s < w->shopper_count; ++s) {
    const sim_shopper *sh = &w->shoppers[s];
    int hit = 0;
    for (int k = 0; k < sh->reach_count; ++k) {
      const sim_reach *r = &w->reaches[sh->first_reach + k];
      hit |= w->shelves[r->shelf].gondola == g && r->t0 >= 300 * SEC && r->t0 <= 420 * SEC;
    }
    there += hit;
  }
  assert_int_equal(w->shopper_count, 30 + 18);
  assert_true(there >= 18);
  done(x);
}

/* Group members mostly reach beside their cart's owner: same gondola, within 2 s. */
static void groups_shop_together(void **state) {
  (void)state;
  played *x = play("group_share=0.5 group_together=0.8 shoppers=60", 13);
  const sim_world *w = &x->w;
  int member_reaches = 0, beside = 0;
  for (int s = 0; s < w->shopper_count; ++s) {
    const sim_shopper *sh = &w->shoppers[s];
    if (sh->cart == s) continue;
    const sim_shopper *owner = &w->shoppers[sh->cart];
    for (int k = 0; k < sh->reach_count; ++k) {
      const sim_reach *r = &w->reaches[sh->first_reach + k];
      if (r->forced == REACH_RETURN) continue;
      ++member_reaches;
      for (int j = 0; j < owner->reach_count; ++j) {
        const sim_reach *o = &w->reaches[owner->first_reach + j];
        if (w->shelves[o->shelf].gondola == w->shelves[r->shelf].gondola &&
            llabs(o->t0 - r->t0) <= 2 * SEC) {
          ++beside;
          break;
        }
      }
    }
  }
  assert_true(member_reaches > 50);
  assert_true(beside > member_reaches / 2);
  done(x);
}

/* A second hand reaches into the same gondola while the first is still in. */
static void two_hands_overlap(void **state) {
  (void)state;
  played *x = play("two_hand_share=0.3", 17);
  const sim_world *w = &x->w;
  int overlapping = 0;
  for (int s = 0; s < w->shopper_count; ++s) {
    const sim_shopper *sh = &w->shoppers[s];
    for (int k = 1; k < sh->reach_count; ++k) {
      const sim_reach *a = &w->reaches[sh->first_reach + k - 1], *b = a + 1;
      /* A put-back walks to the item's home shelf when played: only the others stay put. */
      if (a->kind == REACH_PUTBACK || b->kind == REACH_PUTBACK) continue;
      if (b->t0 < a->t1 && a->t0 < b->t1) {
        assert_int_equal(w->shelves[a->shelf].gondola, w->shelves[b->shelf].gondola);
        ++overlapping;
      }
    }
  }
  assert_true(overlapping > (int)w->reach_count / 8);
  done(x);
}

/* Reaches seen, of those not missed by chance: blind_share 0.3 hides 20-40 % of them. */
static double seen_share(const char *sets, uint64_t seed) {
  played *x = play(sets, seed);
  size_t seen = 0;
  for (size_t h = 0; h < x->log.hand_count; ++h) seen += x->log.hands[h].reach >= 0;
  double share = (double)seen / (double)x->w.reach_count;
  done(x);
  return share;
}

static void blind_zones_hide_their_share(void **state) {
  (void)state;
  const char *base = "missed_rate=0 false_rate=0 shoppers=200 duration_s=3600";
  assert_true(seen_share(base, 19) == 1.0);
  char sets[256];
  snprintf(sets, sizeof sets, "%s blind_share=0.3", base);
  double seen = seen_share(sets, 19);
  assert_true(seen > 0.6 && seen < 0.8);
}

/* Two hands close together on one shelf are seen as one visit as often as merge_rate says;
 * the visit covers both reaches. */
static void merged_hands_cover_both(void **state) {
  (void)state;
  const char *sets = "crowding=0.6 missed_rate=0 false_rate=0 shoppers=80 merge_rate=1";
  played *x = play(sets, 23);
  size_t merged = 0;
  for (size_t h = 0; h < x->log.hand_count; ++h) {
    const sensed_hand *hv = &x->log.hands[h];
    if (!hv->merged) continue;
    ++merged;
    const sim_reach *r = &x->w.reaches[hv->reach];
    assert_true(hv->t0 <= r->t0 + 1000000 && hv->t1 >= r->t1 - 1000000);
  }
  assert_true(merged > 10);
  assert_true(x->log.hand_count + merged == x->w.reach_count);
  done(x);
  x = play("crowding=0.6 missed_rate=0 false_rate=0 shoppers=80", 23);
  assert_int_equal(x->log.hand_count, x->w.reach_count);
  done(x);
}

/* Crowding costs the cameras: with crowd_gain, reaches near others are missed more. */
static void crowds_are_missed_more(void **state) {
  (void)state;
  played *x = play(
      "crowding=0.3 missed_rate=0.1 false_rate=0 shoppers=80 crowd_gain=2 duration_s=3600", 29);
  const sim_world *w = &x->w;
  char *seen = calloc(w->reach_count + 1, 1);
  assert_non_null(seen);
  for (size_t h = 0; h < x->log.hand_count; ++h)
    if (x->log.hands[h].reach >= 0) seen[x->log.hands[h].reach] = 1;
  size_t n[2] = {0, 0}, missed[2] = {0, 0};
  for (size_t q = 0; q < w->reach_count; ++q) {
    const sim_reach *r = &w->reaches[q];
    int64_t mid = r->t0 + (r->t1 - r->t0) / 2;
    double x0, y0;
    rf__sim_where(w, r->shopper, mid, &x0, &y0);
    int crowded = 0;
    for (int o = 0; o < w->shopper_count; ++o) {
      if (o == r->shopper || w->shoppers[o].enter_us >= mid || w->shoppers[o].exit_us <= mid)
        continue;
      double x1, y1;
      rf__sim_where(w, o, mid, &x1, &y1);
      crowded |= hypot(x1 - x0, y1 - y0) < 1.5;
    }
    n[crowded]++;
    missed[crowded] += !seen[q];
  }
  free(seen);
  print_message("alone %zu (missed %zu), crowded %zu (missed %zu)\n", n[0], missed[0], n[1],
                missed[1]);
  assert_true(n[0] > 100 && n[1] > 100);
  double alone = (double)missed[0] / (double)n[0], crowd = (double)missed[1] / (double)n[1];
  assert_true(alone > 0.05 && alone < 0.15);
  assert_true(crowd > 0.25);
  done(x);
}

/* ---- the public stream ---- */

typedef struct counts {
  int staff_enters, staff_named, enters;
} counts;

static int count_scenario(const rf_record *r, void *payload) {
  counts *c = payload;
  if (r->type == RF_RECORD_ENTER) {
    c->enters++;
    c->staff_enters += r->u.enter.staff;
    assert_int_equal(r->u.enter.staff, r->u.enter.shopper[0] == 'E');
  }
  return 0;
}

static int count_truth(const rf_record *r, void *payload) {
  counts *c = payload;
  const char *who = r->type == RF_RECORD_TRUTH ? r->u.truth.shopper : r->u.receipt.shopper;
  c->staff_named += who[0] == 'E';
  return 0;
}

static void staff_in_the_stream(void **state) {
  (void)state;
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, "busy"), 0);
  p.staff = 2;
  p.lean_share = 0.2;
  counts c = {0, 0, 0};
  assert_int_equal(rf_sim_run(&p, 3, count_scenario, &c, count_truth, &c, NULL), 0);
  assert_int_equal(c.staff_enters, 2);
  assert_int_equal(c.enters, 32);
  assert_int_equal(c.staff_named, 0);
}

/* The realistic presets give scenarios the checker takes whole, but for the records of tracks
 * broken off under a new id ("T<k>", never entered): a tracker's stray ids, which a host sets
 * aside. Their truth adds up: each receipt is its cart's takes less its put-backs. */
typedef struct whole {
  rf_scenario_check *check;
  int refused, stray;
} whole;

static int check_one(const rf_record *r, void *payload) {
  whole *x = payload;
  if (rf_scenario_check_record(x->check, r) != 0) {
    x->refused++;
    const char *who = r->type == RF_RECORD_POSITION ? r->u.position.shopper
                      : r->type == RF_RECORD_HAND   ? r->u.hand.shopper
                                                    : NULL;
    if (who == NULL || who[0] != 'T') fail_msg("refused: %s", rf_scenario_check_errmsg(x->check));
    x->stray++;
  }
  return 0;
}

typedef struct tally {
  int truths, receipts, staff_named;
  int64_t taken, receipted;
} tally;

static int tally_truth(const rf_record *r, void *payload) {
  tally *t = payload;
  if (r->type == RF_RECORD_TRUTH) {
    t->truths++;
    t->taken += r->u.truth.qty;
    t->staff_named += r->u.truth.shopper[0] != 'S';
  } else {
    t->receipts++;
    t->staff_named += r->u.receipt.shopper[0] != 'S';
    for (size_t i = 0; i < r->u.receipt.item_count; ++i) t->receipted += r->u.receipt.items[i].qty;
  }
  return 0;
}

static void realistic_presets_are_whole(void **state) {
  (void)state;
  const char *presets[] = {"realistic", "rush", "group", "blind"};
  for (size_t k = 0; k < 4; ++k)
    for (uint64_t seed = 1; seed <= 2; ++seed) {
      rf_sim_params p;
      assert_int_equal(rf_sim_preset(&p, presets[k]), 0);
      whole x;
      memset(&x, 0, sizeof x);
      assert_int_equal(rf_scenario_check_new(&x.check, NULL), 0);
      tally t = {0, 0, 0, 0, 0};
      assert_int_equal(rf_sim_run(&p, seed, check_one, &x, tally_truth, &t, NULL), 0);
      rf_scenario_check_free(x.check);
      print_message("  %-9s seed %d: %d truths, %d receipts, %d stray track records\n", presets[k],
                    (int)seed, t.truths, t.receipts, x.stray);
      assert_true(t.truths > 100);
      assert_int_equal(t.staff_named, 0);
      assert_int_equal(t.taken, t.receipted);
      assert_int_equal(x.refused, x.stray);
      assert_true(x.stray > 0); /* broken tracks are on in every realistic preset */
    }
}

/* A layout seed fixes the store whatever the run's seed; without one the run's seed draws it. */
typedef struct store_print {
  double sum; /* of every product weight and plate edge, weighted by order */
  int records;
} store_print;

static int print_store(const rf_record *r, void *payload) {
  store_print *p = payload;
  if (r->type == RF_RECORD_PRODUCT) p->sum += r->u.product.weight_g * ++p->records;
  if (r->type == RF_RECORD_SHELF)
    for (size_t k = 0; k < r->u.shelf.plate_count; ++k)
      p->sum += r->u.shelf.plates[k].x1 * ++p->records;
  return 0;
}

static int ignore(const rf_record *r, void *payload) {
  (void)r, (void)payload;
  return 0;
}

static store_print store_of(int layout_seed, uint64_t seed) {
  rf_sim_params p;
  assert_int_equal(rf_sim_preset(&p, "realistic"), 0);
  p.layout_seed = layout_seed;
  p.shoppers = 3;
  store_print sp = {0, 0};
  assert_int_equal(rf_sim_run(&p, seed, print_store, &sp, ignore, NULL, NULL), 0);
  return sp;
}

static void layout_seed_fixes_the_store(void **state) {
  (void)state;
  store_print a = store_of(1001, 1), b = store_of(1001, 2), c = store_of(0, 1), d = store_of(0, 2);
  assert_true(a.sum == b.sum && a.records == b.records);
  assert_true(c.sum != d.sum);
  assert_true(a.sum != c.sum);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(staff_restock_only),           cmocka_unit_test(pickups_come_back),
      cmocka_unit_test(leaning_presses_and_lifts),    cmocka_unit_test(rush_crowds_one_gondola),
      cmocka_unit_test(groups_shop_together),         cmocka_unit_test(two_hands_overlap),
      cmocka_unit_test(blind_zones_hide_their_share), cmocka_unit_test(merged_hands_cover_both),
      cmocka_unit_test(crowds_are_missed_more),       cmocka_unit_test(staff_in_the_stream),
      cmocka_unit_test(realistic_presets_are_whole),  cmocka_unit_test(layout_seed_fixes_the_store),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
