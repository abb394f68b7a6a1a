/* The simulator's tracker on small hand-built worlds: shoppers stand at the stand point of each
 * reach, come from and go to the door, walk no faster than 1 m/s and never jump; fixes are the
 * true place at the rate asked when the tracker is perfect, and its noise, dropouts, id swaps
 * where two shoppers cross and broken-off ids come at the configured amounts; the label
 * function names what the fixes carry; the same seed gives the same fixes; allocation failures
 * give RF_ENOMEM and leak nothing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "retailfuse/status.h"
#include "sim/rng.h"
#include "sim/tracker.h"
#include "test_alloc.h"

#define US 1000000

static int64_t us(double s) { return (int64_t)llround(s * US); }

/* ---- a hand-built world: three shelves facing different ways ---- */

typedef struct fx {
  rf_sim_params p;
  test_alloc ta;
  rf_allocator a;
  sim_world w;
  int shopper_cap;
  size_t reach_cap;
} fx;

/* A shelf whose front's centre is at (px, py), running along (ax, ay), facing (nx, ny). */
static void set_shelf(sim_shelf *sh, double px, double py, double width, const double a[4]) {
  sh->pos_x = px;
  sh->pos_y = py;
  sh->width = width;
  sh->ax = a[0];
  sh->ay = a[1];
  sh->nx = a[2];
  sh->ny = a[3];
}

/* Shelf 0 faces +y from (0,0)-(2,0); shelf 1 faces -x along x = 5 from y 2.5 to 3.5; shelf 2
 * faces -y along y = 6 from x 2.6 down to 1.4. The door is at (-1.5, -1.5). */
static void fx_init(fx *f, int shoppers, size_t reaches, uint64_t seed) {
  memset(f, 0, sizeof *f);
  f->a = test_alloc_make(&f->ta, 0);
  f->p.track_hz = 10;
  f->w.p = &f->p;
  f->w.alloc = &f->a;
  rf__rng_seed(&f->w.rng_track, seed, 10);
  f->w.shelves = rf__calloc(&f->a, 3, sizeof *f->w.shelves);
  f->w.shoppers = rf__calloc(&f->a, (size_t)shoppers, sizeof *f->w.shoppers);
  f->w.carts = rf__calloc(&f->a, (size_t)shoppers, sizeof *f->w.carts);
  f->w.reaches = rf__calloc(&f->a, reaches + 1, sizeof *f->w.reaches);
  assert_true(f->w.shelves && f->w.shoppers && f->w.carts && f->w.reaches);
  f->w.shelf_count = 3;
  set_shelf(&f->w.shelves[0], 1.0, 0.0, 2.0, (const double[4]){1, 0, 0, 1});
  set_shelf(&f->w.shelves[1], 5.0, 3.0, 1.0, (const double[4]){0, 1, -1, 0});
  set_shelf(&f->w.shelves[2], 2.0, 6.0, 1.2, (const double[4]){-1, 0, 0, -1});
  f->shopper_cap = shoppers;
  f->reach_cap = reaches;
  f->w.reach_cap = reaches + 1;
}

static int add_shopper(fx *f, double enter_s, double exit_s) {
  assert_true(f->w.shopper_count < f->shopper_cap);
  int s = f->w.shopper_count++;
  sim_shopper *sh = &f->w.shoppers[s];
  sh->enter_us = us(enter_s);
  sh->exit_us = us(exit_s);
  sh->cart = s;
  sh->first_reach = (int)f->w.reach_count;
  return s;
}

/* A reach by the last shopper added. */
static void add_reach(fx *f, int shelf, double t0_s, double t1_s, double x) {
  assert_true(f->w.reach_count < f->reach_cap);
  int s = f->w.shopper_count - 1;
  sim_reach *r = &f->w.reaches[f->w.reach_count++];
  memset(r, 0, sizeof *r);
  r->shopper = s;
  r->shelf = shelf;
  r->t0 = us(t0_s);
  r->t1 = us(t1_s);
  r->x = x;
  r->forced = r->pair = r->product = r->facing = r->lane = -1;
  f->w.shoppers[s].reach_count++;
}

/* Shoppers coming in over `duration_s`, each reaching 2-8 times, like shoppers.c but with gaps
 * of 10 s or more: long enough to walk anywhere in this store at 1 m/s. */
static void add_crowd(fx *f, int shoppers, double duration_s, uint64_t seed) {
  rf__rng r;
  rf__rng_seed(&r, seed, 99);
  for (int k = 0; k < shoppers; ++k) {
    double t = rf__rng_range(&r, 0, duration_s);
    int s = add_shopper(f, t, 0), reaches = rf__rng_int(&r, 2, 8);
    for (int q = 0; q < reaches; ++q) {
      int shelf = rf__rng_int(&r, 0, 2);
      double x = rf__rng_range(&r, 0.05, f->w.shelves[shelf].width - 0.05);
      double t0 = t + rf__rng_range(&r, 10, 25);
      t = t0 + rf__rng_range(&r, 0.5, 4);
      add_reach(f, shelf, t0, t, x);
    }
    f->w.shoppers[s].exit_us = us(t + rf__rng_range(&r, 10, 20));
  }
}

static void fx_free(fx *f) {
  rf__sim_world_free(&f->w);
  assert_null(f->w.track);
  assert_int_equal(f->ta.live, 0);
}

static void where(fx *f, int s, double t_s, double *x, double *y) {
  rf__sim_where(&f->w, s, us(t_s), x, y);
}

#define assert_at(f, s, t_s, ex, ey)                               \
  do {                                                             \
    double x_, y_;                                                 \
    where((f), (s), (t_s), &x_, &y_);                              \
    assert_true(fabs(x_ - (ex)) < 1e-9 && fabs(y_ - (ey)) < 1e-9); \
  } while (0)

static double cm(double v) { return (double)llround(v * 100) / 100; }

/* ---- where shoppers are ---- */

/* One shopper: shelf 0 at 0.5 m, shelf 1 at 0.25 m, shelf 2 at 0.6 m. */
static void tour(fx *f) {
  add_shopper(f, 0, 100);
  add_reach(f, 0, 10, 20, 0.5);  /* stands at (0.5, 0.5) */
  add_reach(f, 1, 40, 45, 0.25); /* (4.5, 2.75) */
  add_reach(f, 2, 46, 80, 0.6);  /* (2.0, 5.5) */
}

static void test_where_stands_at_each_reach(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 1, 4, 1);
  tour(&f);
  assert_at(&f, 0, 10, 0.5, 0.5);
  assert_at(&f, 0, 15, 0.5, 0.5);
  assert_at(&f, 0, 20, 0.5, 0.5);
  assert_at(&f, 0, 42, 4.5, 2.75);
  assert_at(&f, 0, 46, 2.0, 5.5);
  assert_at(&f, 0, 79.9, 2.0, 5.5);
  fx_free(&f);
}

static void test_where_door_before_and_after(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 2, 4, 1);
  tour(&f);
  assert_at(&f, 0, -50, -1.5, -1.5);
  assert_at(&f, 0, 0, -1.5, -1.5);
  assert_at(&f, 0, 100, -1.5, -1.5);
  assert_at(&f, 0, 1000, -1.5, -1.5);
  /* Leaving at entry: 1 m along the way to (0.5, 0.5) after 1 s, there by 2.83 s. */
  double d = 1 / sqrt(2);
  assert_at(&f, 0, 1, -1.5 + d, -1.5 + d);
  assert_at(&f, 0, 5, 0.5, 0.5);
  /* To the door as late as it can: 7.826 m from (2.0, 5.5), leaving at 92.17 s. */
  assert_at(&f, 0, 92, 2.0, 5.5);
  double len = hypot(3.5, 7.0);
  assert_at(&f, 0, 99, -1.5 + 3.5 / len, -1.5 + 7.0 / len);
  /* Nobody to visit: at the door throughout. */
  add_shopper(&f, 10, 30);
  assert_at(&f, 1, 20, -1.5, -1.5);
  fx_free(&f);
}

static void test_where_walks_between_reaches(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 1, 4, 1);
  tour(&f);
  /* From (0.5, 0.5) at 20 s to (4.5, 2.75), 4.59 m: 2 m along after 22 s, waiting from 24.6 s. */
  double len = hypot(4.0, 2.25);
  assert_at(&f, 0, 22, 0.5 + 2 * 4.0 / len, 0.5 + 2 * 2.25 / len);
  assert_at(&f, 0, 30, 4.5, 2.75);
  assert_at(&f, 0, 39.99, 4.5, 2.75);
  /* 45 s to 46 s is too short for 3.86 m: linear over the gap. */
  assert_at(&f, 0, 45.5, (4.5 + 2.0) / 2, (2.75 + 5.5) / 2);
  fx_free(&f);
}

/* Two hands: a reach listed first but started later, inside a longer one. */
static void test_where_overlapping_reaches(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 1, 4, 1);
  add_shopper(&f, 0, 100);
  add_reach(&f, 1, 14, 16, 0.25); /* (4.5, 2.75) */
  add_reach(&f, 0, 10, 20, 0.5);  /* (0.5, 0.5) */
  assert_at(&f, 0, 12, 0.5, 0.5);
  assert_at(&f, 0, 15, 4.5, 2.75);
  assert_at(&f, 0, 18, 0.5, 0.5);
  assert_at(&f, 0, 16, 4.5, 2.75);
  assert_at(&f, 0, 16.01, 0.5, 0.5);
  assert_at(&f, 0, 21, 0.5, 0.5); /* nothing next: stays until it must walk to the door */
  fx_free(&f);
}

static void test_where_continuous_at_walking_pace(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 40, 400, 3);
  add_crowd(&f, 40, 600, 3);
  for (int s = 0; s < f.w.shopper_count; ++s) {
    const sim_shopper *sh = &f.w.shoppers[s];
    double px, py;
    rf__sim_where(&f.w, s, sh->enter_us - US, &px, &py);
    for (int64_t t = sh->enter_us - US; t <= sh->exit_us + US; t += 10000) {
      double x, y;
      rf__sim_where(&f.w, s, t, &x, &y);
      assert_true(hypot(x - px, y - py) <= 0.01 * 1.0 + 1e-9);
      px = x, py = y;
    }
  }
  fx_free(&f);
}

/* The door is cached in the track: where gives the same with and without it. */
static void test_where_same_with_track(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 20, 200, 4);
  add_crowd(&f, 20, 300, 4);
  double before[20][2];
  for (int s = 0; s < 20; ++s)
    where(&f, s, 1.0 * f.w.shoppers[s].enter_us / US + 1, &before[s][0], &before[s][1]);
  assert_int_equal(rf__sim_track(&f.w), 0);
  assert_non_null(f.w.track);
  for (int s = 0; s < 20; ++s)
    assert_at(&f, s, 1.0 * f.w.shoppers[s].enter_us / US + 1, before[s][0], before[s][1]);
  fx_free(&f);
}

/* ---- fixes ---- */

static void assert_sorted(const sim_world *w) {
  for (size_t i = 1; i < rf__sim_fix_count(w); ++i) {
    const sim_fix *a = rf__sim_fix_at(w, i - 1), *b = rf__sim_fix_at(w, i);
    assert_true(a->t < b->t || (a->t == b->t && a->label < b->label));
  }
}

static void test_no_track_without_rate(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 1, 4, 1);
  tour(&f);
  f.p.track_hz = 0;
  f.p.track_swap_rate = f.p.track_break_rate = 1;
  assert_int_equal(rf__sim_track(&f.w), 0);
  assert_null(f.w.track);
  assert_int_equal(rf__sim_fix_count(&f.w), 0);
  assert_null(rf__sim_fix_at(&f.w, 0));
  assert_int_equal(rf__sim_track_label(&f.w, 0, us(50)), 0);
  assert_int_equal(rf__sim_broken_ids(&f.w), 0);
  rf__sim_track_free(&f.w);
  assert_null(f.w.track);
  fx_free(&f);
}

/* A perfect tracker: every 1/hz s from entry to exit, at the true place to the centimetre. */
static void test_perfect_fixes_are_true_places(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 30, 300, 5);
  add_crowd(&f, 30, 300, 5);
  f.p.track_hz = 12;
  assert_int_equal(rf__sim_track(&f.w), 0);
  assert_sorted(&f.w);
  int64_t last[30] = {0};
  size_t count[30] = {0};
  for (size_t i = 0; i < rf__sim_fix_count(&f.w); ++i) {
    const sim_fix *fix = rf__sim_fix_at(&f.w, i);
    int s = fix->label;
    assert_true(s >= 0 && s < 30);
    const sim_shopper *sh = &f.w.shoppers[s];
    assert_true(fix->t >= sh->enter_us && fix->t <= sh->exit_us);
    double x, y;
    rf__sim_where(&f.w, s, fix->t, &x, &y);
    assert_true(fix->x == cm(x) && fix->y == cm(y));
    if (count[s]++ > 0) assert_true(llabs(fix->t - last[s] - US / 12) <= 1);
    else assert_true(fix->t - sh->enter_us < US / 12 + 1);
    last[s] = fix->t;
  }
  for (int s = 0; s < 30; ++s) {
    assert_true(f.w.shoppers[s].exit_us - last[s] < US / 12 + 1);
    assert_true(count[s] > 0);
  }
  assert_null(rf__sim_fix_at(&f.w, rf__sim_fix_count(&f.w)));
  fx_free(&f);
}

/* Bodies standing still (no reaches: at the door) make the error plain: its sd per axis, its
 * mean, and how much of it is left a second later (e^-1). */
static void test_noise_sd_and_correlation(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 10, 1, 6);
  for (int s = 0; s < 10; ++s) add_shopper(&f, 2000.0 * s, 2000.0 * s + 1000);
  f.p.track_noise_m = 0.2;
  assert_int_equal(rf__sim_track(&f.w), 0);
  size_t n = rf__sim_fix_count(&f.w);
  assert_true(n > 99000 && n < 101000);
  double sum[2] = {0}, sq[2] = {0}, lag = 0, lag_var = 0;
  for (size_t i = 0; i < n; ++i) {
    const sim_fix *fix = rf__sim_fix_at(&f.w, i);
    double e[2] = {fix->x + 1.5, fix->y + 1.5};
    for (int a = 0; a < 2; ++a) sum[a] += e[a], sq[a] += e[a] * e[a];
    if (i + 10 < n && rf__sim_fix_at(&f.w, i + 10)->label == fix->label) {
      lag += e[0] * (rf__sim_fix_at(&f.w, i + 10)->x + 1.5);
      lag_var += e[0] * e[0];
    }
  }
  for (int a = 0; a < 2; ++a) {
    double mean = sum[a] / (double)n, sd = sqrt(sq[a] / (double)n - mean * mean);
    assert_true(fabs(mean) < 0.02);
    assert_true(fabs(sd - 0.2) < 0.01);
  }
  assert_true(fabs(lag / lag_var - exp(-1)) < 0.06);
  fx_free(&f);
}

/* A share of the time without fixes, in gaps of at least a second. */
static void test_dropout_share(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 20, 1, 7);
  for (int s = 0; s < 20; ++s) add_shopper(&f, 3000.0 * s, 3000.0 * s + 2000);
  f.p.track_hz = 5;
  f.p.track_dropout_rate = 0.2;
  assert_int_equal(rf__sim_track(&f.w), 0);
  size_t n = rf__sim_fix_count(&f.w), gaps = 0;
  double lost = 1 - (double)n / (20 * 2000 * 5.0);
  assert_true(fabs(lost - 0.2) < 0.02);
  for (size_t i = 1; i < n; ++i) {
    const sim_fix *a = rf__sim_fix_at(&f.w, i - 1), *b = rf__sim_fix_at(&f.w, i);
    if (a->label != b->label || b->t - a->t <= US / 5 + 1) continue;
    assert_true(b->t - a->t >= US); /* lost 1 s and more, plus a tick */
    ++gaps;
  }
  /* About 40000 s x 0.8 / (12 s seen) passes from seen to lost. */
  assert_true(gaps > 2000 && gaps < 3300);
  fx_free(&f);
}

/* Two shoppers walking along shelf 0 in opposite directions cross at (1.0, 0.5) at 8.8 s, and
 * are never within 0.5 m otherwise; the scan (every 0.5 s from 0) finds them close at 9 s. */
static void crossing(fx *f) {
  add_shopper(f, 0, 40);
  add_reach(f, 0, 5, 8, 0.2);
  add_reach(f, 0, 20, 23, 1.8);
  add_shopper(f, 2, 100);
  add_reach(f, 0, 5, 8, 1.8);
  add_reach(f, 0, 20, 23, 0.2);
  for (int64_t t = 5000; t <= us(40); t += 10000) {
    double ax, ay, bx, by;
    rf__sim_where(&f->w, 0, t, &ax, &ay);
    rf__sim_where(&f->w, 1, t, &bx, &by);
    if (t < us(2)) continue; /* only while both are in the store */
    int close = hypot(ax - bx, ay - by) < 0.5;
    assert_true(close == (t > us(8.55) && t < us(9.05)));
  }
}

/* The body a noiseless fix is of: the one in the store there, -1 if two are (to the cm). */
static int body_of(fx *f, const sim_fix *fix) {
  int found = -1;
  for (int s = 0; s < f->w.shopper_count; ++s) {
    const sim_shopper *sh = &f->w.shoppers[s];
    if (fix->t < sh->enter_us || fix->t > sh->exit_us) continue;
    double x, y;
    rf__sim_where(&f->w, s, fix->t, &x, &y);
    if (cm(x) != fix->x || cm(y) != fix->y) continue;
    if (found >= 0) return -1;
    found = s;
  }
  return found;
}

static void test_swap_where_paths_cross(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 2, 4, 8);
  crossing(&f);
  f.p.track_swap_rate = 1;
  assert_int_equal(rf__sim_track(&f.w), 0);
  assert_int_equal(rf__sim_track_label(&f.w, 0, us(8.99)), 0);
  assert_int_equal(rf__sim_track_label(&f.w, 0, us(9)), 1);
  assert_int_equal(rf__sim_track_label(&f.w, 1, us(9)), 0);
  int64_t end = us(9);
  while (rf__sim_track_label(&f.w, 0, end) == 1) end += 1000;
  while (rf__sim_track_label(&f.w, 0, end - 1) != 1) --end;
  assert_true(end >= us(14) - 1000 && end <= us(40)); /* 5-60 s, ended early by 0 leaving */
  assert_int_equal(rf__sim_track_label(&f.w, 1, end - 1000), 0);
  assert_int_equal(rf__sim_track_label(&f.w, 1, end), 1);
  size_t swapped = 0, after = 0;
  for (size_t i = 0; i < rf__sim_fix_count(&f.w); ++i) {
    const sim_fix *fix = rf__sim_fix_at(&f.w, i);
    int body = body_of(&f, fix);
    if (body < 0) continue;
    int in_swap = fix->t >= us(9) && fix->t < end;
    assert_int_equal(fix->label, in_swap ? 1 - body : body);
    swapped += in_swap;
    after += fix->t >= end;
  }
  assert_true(swapped > 80 && after > 100);
  assert_int_equal(rf__sim_broken_ids(&f.w), 0);
  fx_free(&f);
}

static void test_no_swap_at_rate_zero(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 2, 4, 8);
  crossing(&f);
  assert_int_equal(rf__sim_track(&f.w), 0);
  for (size_t i = 0; i < rf__sim_fix_count(&f.w); ++i) {
    const sim_fix *fix = rf__sim_fix_at(&f.w, i);
    int body = body_of(&f, fix);
    if (body >= 0) assert_int_equal(fix->label, body);
    assert_true(fix->label == 0 || fix->label == 1);
  }
  fx_free(&f);
}

/* Every shopper's track breaks once with rate 1: ids -1, -2, ... minted in the order the breaks
 * begin, each on one body for 5-30 s (or until it leaves). */
static void test_breaks_mint_ids(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 5, 1, 9);
  for (int s = 0; s < 5; ++s) add_shopper(&f, 300.0 * s, 300.0 * s + 200);
  f.p.track_break_rate = 1;
  assert_int_equal(rf__sim_track(&f.w), 0);
  assert_int_equal(rf__sim_broken_ids(&f.w), 5);
  int64_t first[5] = {-1, -1, -1, -1, -1}, lastt[5] = {0};
  int body[5] = {0};
  for (size_t i = 0; i < rf__sim_fix_count(&f.w); ++i) {
    const sim_fix *fix = rf__sim_fix_at(&f.w, i);
    int s = (int)(fix->t / us(300)); /* the visits do not overlap */
    assert_int_equal(fix->label, rf__sim_track_label(&f.w, s, fix->t));
    if (fix->label >= 0) {
      assert_int_equal(fix->label, s);
      continue;
    }
    int k = -1 - fix->label;
    assert_true(k >= 0 && k < 5);
    if (first[k] < 0) first[k] = fix->t, body[k] = s;
    assert_int_equal(body[k], s);
    lastt[k] = fix->t;
  }
  for (int k = 0; k < 5; ++k) {
    assert_true(first[k] >= 0);
    assert_int_equal(body[k], k); /* minted in the order the breaks begin */
    if (k > 0) assert_true(first[k] > first[k - 1]);
    int64_t span = lastt[k] - first[k];
    int64_t exit = f.w.shoppers[body[k]].exit_us;
    assert_true(span <= us(30));
    assert_true(span >= us(5) - US / 5 || exit - lastt[k] <= US / 10);
  }
  fx_free(&f);
}

static void test_no_breaks_at_rate_zero(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 30, 300, 10);
  add_crowd(&f, 30, 300, 10);
  f.p.track_swap_rate = 0.5;
  f.p.track_noise_m = 0.3;
  assert_int_equal(rf__sim_track(&f.w), 0);
  assert_int_equal(rf__sim_broken_ids(&f.w), 0);
  assert_true(rf__sim_fix_count(&f.w) > 0);
  for (size_t i = 0; i < rf__sim_fix_count(&f.w); ++i)
    assert_true(rf__sim_fix_at(&f.w, i)->label >= 0);
  fx_free(&f);
}

/* A crowded store with everything on: each fix is of a body in the store that the label
 * function names so then, no id is on two bodies at once, and fixes are in order. */
static void test_labels_agree_with_fixes(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 60, 600, 11);
  add_crowd(&f, 60, 200, 11);
  f.p.track_swap_rate = 1;
  f.p.track_break_rate = 0.5;
  f.p.track_dropout_rate = 0.1;
  assert_int_equal(rf__sim_track(&f.w), 0);
  assert_sorted(&f.w);
  size_t checked = 0, relabelled = 0;
  for (size_t i = 0; i < rf__sim_fix_count(&f.w); ++i) {
    const sim_fix *fix = rf__sim_fix_at(&f.w, i);
    int body = body_of(&f, fix);
    if (body < 0) continue;
    assert_int_equal(fix->label, rf__sim_track_label(&f.w, body, fix->t));
    for (int s = 0; s < f.w.shopper_count; ++s) {
      const sim_shopper *sh = &f.w.shoppers[s];
      if (s == body || fix->t < sh->enter_us || fix->t > sh->exit_us) continue;
      assert_int_not_equal(rf__sim_track_label(&f.w, s, fix->t), fix->label);
    }
    ++checked;
    relabelled += fix->label != body;
  }
  assert_true(checked > rf__sim_fix_count(&f.w) * 17 / 20);
  assert_true(relabelled > 100);
  assert_true(rf__sim_broken_ids(&f.w) > 15 && rf__sim_broken_ids(&f.w) < 45);
  fx_free(&f);
}

/* With noise, a fix cannot be traced to a body, but its label must be one a body in the store
 * carries then. */
static void test_no_fixes_outside_visits(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 60, 600, 12);
  add_crowd(&f, 60, 200, 12);
  f.p.track_noise_m = 0.25;
  f.p.track_swap_rate = 0.5;
  f.p.track_break_rate = 0.5;
  f.p.track_dropout_rate = 0.05;
  assert_int_equal(rf__sim_track(&f.w), 0);
  for (size_t i = 0; i < rf__sim_fix_count(&f.w); ++i) {
    const sim_fix *fix = rf__sim_fix_at(&f.w, i);
    int carriers = 0;
    for (int s = 0; s < f.w.shopper_count; ++s) {
      const sim_shopper *sh = &f.w.shoppers[s];
      if (fix->t < sh->enter_us || fix->t > sh->exit_us) continue;
      carriers += rf__sim_track_label(&f.w, s, fix->t) == fix->label;
    }
    assert_int_equal(carriers, 1);
  }
  fx_free(&f);
}

static void run_crowd(fx *f, uint64_t seed) {
  fx_init(f, 40, 400, seed);
  add_crowd(f, 40, 200, 13);
  f->p.track_noise_m = 0.2;
  f->p.track_swap_rate = 0.5;
  f->p.track_break_rate = 0.3;
  f->p.track_dropout_rate = 0.05;
  assert_int_equal(rf__sim_track(&f->w), 0);
}

static void test_deterministic(void **state) {
  (void)state;
  fx a, b, c;
  run_crowd(&a, 21);
  run_crowd(&b, 21);
  run_crowd(&c, 22);
  size_t n = rf__sim_fix_count(&a.w);
  assert_true(n > 0);
  assert_int_equal(n, rf__sim_fix_count(&b.w));
  for (size_t i = 0; i < n; ++i) {
    const sim_fix *x = rf__sim_fix_at(&a.w, i), *y = rf__sim_fix_at(&b.w, i);
    assert_true(x->t == y->t && x->label == y->label && x->x == y->x && x->y == y->y);
  }
  assert_int_equal(rf__sim_broken_ids(&a.w), rf__sim_broken_ids(&b.w));
  int differ = rf__sim_fix_count(&c.w) != n;
  for (size_t i = 0; i < n && !differ; ++i)
    differ = rf__sim_fix_at(&a.w, i)->x != rf__sim_fix_at(&c.w, i)->x;
  assert_true(differ);
  fx_free(&a);
  fx_free(&b);
  fx_free(&c);
}

/* Failing each allocation in turn: RF_ENOMEM, no track, nothing left allocated. */
static void test_out_of_memory(void **state) {
  (void)state;
  fx f;
  fx_init(&f, 40, 400, 14);
  add_crowd(&f, 40, 200, 14);
  f.p.track_swap_rate = 1;
  f.p.track_break_rate = 0.5;
  long live = f.ta.live, k = 1;
  for (;; ++k) {
    f.ta.fail_at = f.ta.calls + k;
    f.ta.failed = 0;
    int rc = rf__sim_track(&f.w);
    if (!f.ta.failed) {
      assert_int_equal(rc, 0);
      break;
    }
    assert_int_equal(rc, RF_ENOMEM);
    assert_null(f.w.track);
    assert_int_equal(f.ta.live, live);
  }
  f.ta.fail_at = 0;
  assert_true(k > 5);
  assert_true(rf__sim_fix_count(&f.w) > 0);
  fx_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_where_stands_at_each_reach),
      cmocka_unit_test(test_where_door_before_and_after),
      cmocka_unit_test(test_where_walks_between_reaches),
      cmocka_unit_test(test_where_overlapping_reaches),
      cmocka_unit_test(test_where_continuous_at_walking_pace),
      cmocka_unit_test(test_where_same_with_track),
      cmocka_unit_test(test_no_track_without_rate),
      cmocka_unit_test(test_perfect_fixes_are_true_places),
      cmocka_unit_test(test_noise_sd_and_correlation),
      cmocka_unit_test(test_dropout_share),
      cmocka_unit_test(test_swap_where_paths_cross),
      cmocka_unit_test(test_no_swap_at_rate_zero),
      cmocka_unit_test(test_breaks_mint_ids),
      cmocka_unit_test(test_no_breaks_at_rate_zero),
      cmocka_unit_test(test_labels_agree_with_fixes),
      cmocka_unit_test(test_no_fixes_outside_visits),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
