/* Whether a pass crossed two tracks' ids: crossing.h says what and why. */
#include "crossing.h"

/* How far a velocity read off two seconds of fixes is from the walker's (m/s): the tracker's
 * noise drifts over about a second, so a short window's slope carries part of it. */
#define MEASURED_SD 0.2
/* How much a shopper's velocity wanders per second of a pass (m^2/s^3): people slow down,
 * stop at a shelf and turn, so over ten seconds their pace before says little of it after. */
#define WANDER 0.1
#define MIN_FIXES 3
#define MIN_SPAN_US 1000000

f_motion rf__motion_of(const rf__track *tr, rf_time_us t0, rf_time_us t1) {
  f_motion m = {0, 0, 0};
  double n = 0, st = 0, sx = 0, sy = 0, stt = 0, stx = 0, sty = 0;
  rf_time_us first = 0, last = 0;
  for (int k = 0; k < tr->count; ++k) {
    const rf__fix *f = rf__track_at(tr, k);
    if (f->t < t0 || f->t > t1) continue;
    if (n == 0) first = f->t;
    last = f->t;
    double t = (double)(f->t - t0) / 1e6;
    n += 1;
    st += t;
    sx += f->x;
    sy += f->y;
    stt += t * t;
    stx += t * f->x;
    sty += t * f->y;
  }
  if (n < MIN_FIXES || last - first < MIN_SPAN_US) return m;
  double spread = stt - st * st / n; /* > 0: the fixes span a second */
  m.vx = (stx - st * sx / n) / spread;
  m.vy = (sty - st * sy / n) / spread;
  m.known = 1;
  return m;
}

/* The difference of a's and b's velocities turned round or kept: with u = a - b before and
 * w = a - b after, the squared velocity changes of the straight pairing exceed the crossed
 * pairing's by -2 u.w; a Gaussian change of variance V per axis makes that -u.w / V in
 * log-likelihood. V: both readings' error, and the walker's own change of pace over the pass. */
double rf__crossing_log_odds(f_motion a_before, f_motion b_before, f_motion a_after,
                             f_motion b_after, rf_time_us pass_us) {
  if (!a_before.known || !b_before.known || !a_after.known || !b_after.known) return 0;
  double ux = a_before.vx - b_before.vx, uy = a_before.vy - b_before.vy;
  double wx = a_after.vx - b_after.vx, wy = a_after.vy - b_after.vy;
  double change_var = 2 * MEASURED_SD * MEASURED_SD + WANDER * (double)pass_us / 1e6;
  return -(ux * wx + uy * wy) / change_var;
}
