#include "plate.h"

#include <math.h>
#include <string.h>

/* Readings behind a settled level at most: it follows drift with this time constant in
 * readings (30 s at 60 Hz). */
#define LEVEL_MEMORY 1800.0
/* Successive differences behind the noise estimate at most. */
#define NOISE_MEMORY 1000.0
/* Readings in a row off the level before the plate counts as moving. */
#define START_RUN 3

void rf__plate_init(rf__plate *p) {
  memset(p, 0, sizeof *p);
  p->mode = RF__PLATE_NEW;
}

double rf__plate_noise(const rf__plate *p) {
  double sd = p->noise_n > 0 ? sqrt(p->noise_var) : 0.0;
  return sd > 0.1 ? sd : 0.1;
}

static void ring_clear(rf__plate *p) {
  p->ring_head = p->ring_count = 0;
  p->sum = p->sumsq = 0.0;
}

/* Sums again from the readings themselves, so rounding does not pile up over a day. */
static void ring_resum(rf__plate *p) {
  double sum = 0.0;
  for (int i = 0; i < p->ring_count; ++i) sum += p->ring[i];
  double mean = p->ring_count > 0 ? sum / p->ring_count : 0.0, sq = 0.0;
  for (int i = 0; i < p->ring_count; ++i) sq += (p->ring[i] - mean) * (p->ring[i] - mean);
  p->sum = sum;
  p->sumsq = sq + (p->ring_count > 0 ? sum * mean : 0.0);
}

static void ring_add(rf__plate *p, double g) {
  if (p->ring_count < p->window) {
    p->ring[p->ring_count++] = g;
    p->sum += g;
    p->sumsq += g * g;
    return;
  }
  double old = p->ring[p->ring_head];
  p->ring[p->ring_head] = g;
  p->ring_head = (p->ring_head + 1) % p->window;
  p->sum += g - old;
  p->sumsq += g * g - old * old;
  if (p->ring_head == 0) ring_resum(p);
}

static double ring_mean(const rf__plate *p) { return p->sum / p->ring_count; }

static double ring_sd(const rf__plate *p) {
  double mean = ring_mean(p);
  double var = p->sumsq / p->ring_count - mean * mean;
  return var > 0 ? sqrt(var) : 0.0;
}

/* Whether the window holds still: its spread no more than the noise allows. */
static int ring_still(const rf__plate *p) {
  if (p->ring_count < p->window) return 0;
  if (p->noise_n == 0) return 1; /* nothing to judge by yet */
  return ring_sd(p) <= fmax(2.0 * rf__plate_noise(p), 0.15);
}

static void lose_level(rf__plate *p) {
  p->mode = RF__PLATE_NEW;
  p->beyond = 0;
  ring_clear(p);
}

static rf__plate_news fault(rf__plate *p, rf_plate_fault kind, rf_plate_fault *out) {
  p->faulty = 1;
  if (p->fault == kind) return RF__PLATE_QUIET; /* still the same fault: reported already */
  p->fault = kind;
  *out = kind;
  return RF__PLATE_FAULT;
}

static void set_window(rf__plate *p, const rf__loadcell_opts *o, int64_t dt_us) {
  p->dt_us = dt_us;
  long w = lround(o->settle_s * 1e6 / (double)dt_us);
  int window = w < 3 ? 3 : w > RF__PLATE_RING ? RF__PLATE_RING : (int)w;
  if (window == p->window) return;
  p->window = window;
  ring_clear(p);
  p->since_move = 0;
}

double rf__plate_gap_us(const rf__loadcell_opts *o, int64_t dt_us) {
  return fmax(o->gap_s * 1e6, 3.0 * (double)dt_us);
}

rf__plate_news rf__plate_silence(rf__plate *p, const rf__loadcell_opts *o, rf_time_us now,
                                 rf_time_us allowance_us) {
  if (!p->has_last || now <= p->last_t ||
      (double)now - (double)p->last_t <= rf__plate_gap_us(o, p->dt_us) + (double)allowance_us ||
      p->fault == RF_FAULT_GAP)
    return RF__PLATE_QUIET;
  rf_plate_fault ignored;
  lose_level(p);
  return fault(p, RF_FAULT_GAP, &ignored);
}

/* The reading is sound: move the level, the window and the state on. A move seen now began after
 * the reading before it, at `after` (t itself for the first): at most one dt_us earlier. */
static rf__plate_news take(rf__plate *p, const rf__loadcell_opts *o, rf_time_us t, int64_t dt_us,
                           double g, double prev, rf_time_us after, rf__plate_step *step) {
  ring_add(p, g);
  switch (p->mode) {
    case RF__PLATE_NEW:
      if (!ring_still(p)) return RF__PLATE_QUIET;
      p->level = ring_mean(p);
      p->level_n = p->window;
      if (p->noise_n == 0) {
        double sd = ring_sd(p);
        p->noise_var = sd * sd;
        p->noise_n = p->window;
      }
      p->mode = RF__PLATE_SETTLED;
      if (p->fault == 0) p->faulty = 0;
      return RF__PLATE_ACQUIRED;
    case RF__PLATE_SETTLED: {
      double off = g - p->level;
      if (fabs(off) > fmax(4.0 * rf__plate_noise(p), 0.5 * o->min_step_g)) {
        if (p->beyond++ == 0) p->move_t0 = t - dt_us > after ? t - dt_us : after;
        if (p->beyond < START_RUN) return RF__PLATE_QUIET;
        p->mode = RF__PLATE_MOVING;
        p->since_move = p->beyond;
        p->beyond = 0;
        return RF__PLATE_STARTED;
      }
      p->beyond = 0;
      if (p->level_n < LEVEL_MEMORY) p->level_n += 1.0;
      p->level += off / p->level_n;
      double d = g - prev;
      if (p->noise_n < NOISE_MEMORY) p->noise_n += 1.0;
      p->noise_var += (0.5 * d * d - p->noise_var) / p->noise_n;
      return RF__PLATE_QUIET;
    }
    case RF__PLATE_MOVING:
      p->since_move++;
      if (p->since_move < p->window || !ring_still(p)) return RF__PLATE_QUIET;
      step->t0 = p->move_t0;
      step->t1 = t - (rf_time_us)(p->window - 1) * dt_us;
      step->before = p->level;
      step->after = ring_mean(p);
      step->sd = rf__plate_noise(p) * sqrt(1.0 / p->level_n + 1.0 / p->window);
      p->level = step->after;
      p->level_n = p->window;
      p->mode = RF__PLATE_SETTLED;
      if (p->fault == 0) p->faulty = 0;
      return fabs(step->after - step->before) >= fmax(o->min_step_g, 6.0 * step->sd)
                 ? RF__PLATE_SETTLED_STEP
                 : RF__PLATE_SETTLED_SAME;
  }
  return RF__PLATE_QUIET;
}

rf__plate_news rf__plate_read(rf__plate *p, const rf__loadcell_opts *o, rf_time_us t, int64_t dt_us,
                              double g, rf__plate_step *step, rf_plate_fault *out) {
  rf__plate_news news = RF__PLATE_QUIET;
  set_window(p, o, dt_us);
  if (p->has_last && (double)(t - p->last_t) > rf__plate_gap_us(o, dt_us)) {
    /* Back after a gap (reported now if no one noticed the silence): settle afresh. */
    lose_level(p);
    news = fault(p, RF_FAULT_GAP, out);
  }
  if (p->fault == RF_FAULT_GAP) p->fault = 0;
  if (!isfinite(g)) {
    p->last_t = t;
    return fault(p, RF_FAULT_NONFINITE, out) == RF__PLATE_FAULT ? RF__PLATE_FAULT : news;
  }
  if (g <= o->min_g || g >= o->max_g) {
    p->last_t = t;
    return fault(p, RF_FAULT_SATURATED, out) == RF__PLATE_FAULT ? RF__PLATE_FAULT : news;
  }
  int had_last = p->has_last;
  double last_g = p->last_g;
  rf_time_us after = had_last ? p->last_t : t;
  p->last_t = t;
  if (had_last && fabs(g - last_g) > o->max_jump_g) {
    /* A spike is skipped and the next reading compared with the last sound one; a jump that
     * stays (three readings) is a new level, to be settled afresh. */
    rf__plate_news news_jump = fault(p, RF_FAULT_JUMP, out);
    if (++p->jumps >= 3) {
      lose_level(p);
      p->last_g = g;
      p->jumps = 0;
    }
    return news_jump == RF__PLATE_FAULT ? RF__PLATE_FAULT : news;
  }
  p->jumps = 0;
  p->has_last = 1;
  p->last_g = g;
  if (had_last && g == last_g) {
    if (!p->same) p->same_since = t - dt_us;
    p->same = 1;
    /* Stuck: identical for stuck_s; or for a whole settle window on a plate whose noise
     * (0.3 g or more, against readings of 0.1 g) makes that all but impossible — before its
     * new level can be taken for a change. */
    double run = (double)(t - p->same_since), sd = p->noise_n > 0 ? sqrt(p->noise_var) : 0.0;
    /* (A plate quieter than its 0.1 g resolution repeats itself; that is no fault.) */
    if (((sd >= 0.05 && run >= o->stuck_s * 1e6) ||
         (sd >= 0.3 && run >= (double)(p->window - 1) * (double)dt_us)) &&
        fault(p, RF_FAULT_STUCK, out) == RF__PLATE_FAULT)
      news = RF__PLATE_FAULT;
  } else {
    p->same = 0;
  }
  /* A sound reading ends a fault (a stuck plate's, one that differs). */
  if (p->fault != 0 && (p->fault != RF_FAULT_STUCK || !p->same)) p->fault = 0;
  rf__plate_news taken = take(p, o, t, dt_us, g, had_last ? last_g : g, after, step);
  return news == RF__PLATE_FAULT ? news : taken;
}
