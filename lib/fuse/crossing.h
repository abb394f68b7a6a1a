/* Internal: did a tracker cross two ids where their people passed? Where two people pass close,
 * a tracker may carry each one's id on onwards with the other, and the swap shows no jump: both
 * tracks go on from where they were. What gives it away is motion. People keep their pace
 * through a pass, so the difference of the two tracks' velocities keeps its direction when the
 * ids stayed with their people, and turns round when they crossed (a walker passing someone who
 * stands: afterwards the walker's id stands and the other walks on). Over a long pass (two
 * people side by side at a shelf) pace changes anyway, and the evidence fades to nothing. */
#ifndef RF_FUSE_CROSSING_H
#define RF_FUSE_CROSSING_H

#include <stdint.h>

#include "cart/track.h"

/* A track's mean velocity over a window of its fixes (m/s); known 0 when too few to tell. */
typedef struct f_motion {
  double vx, vy;
  int known;
} f_motion;

/* A track's motion from its fixes in [t0, t1]: a least-squares slope, known when at least
 * three fixes span a second. */
f_motion rf__motion_of(const rf__track *tr, rf_time_us t0, rf_time_us t1);

/* Log-odds that two ids crossed bodies in a pass lasting `pass_us`, from each track's motion
 * before it and after it: above 0 they crossed, below 0 they stayed, 0 when a motion is unknown.
 */
double rf__crossing_log_odds(f_motion a_before, f_motion b_before, f_motion a_after,
                             f_motion b_after, rf_time_us pass_us);

#endif
