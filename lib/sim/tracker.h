/* Internal: where shoppers walk, and what an overhead tracker reports of it — continuous,
 * noisy fixes with dropouts, identity swaps where two shoppers pass close, and tracks broken
 * off under a new id for a while. The cameras name a hand by the tracker's id for its shopper
 * (rf__sim_track_label), so a swapped track gives their hands the wrong name too. */
#ifndef RF_SIM_TRACKER_H
#define RF_SIM_TRACKER_H

#include "sim_internal.h"

/* One reported fix. label >= 0: the shopper whose id the tracker gives it; label < 0: the
 * k-th id a broken track was given (k = -1 - label), named "T<k+1>", never entered. */
typedef struct sim_fix {
  int64_t t;
  int label;
  double x, y;
} sim_fix;

/* Where shopper s truly stands at t (floor plan, m): in front of the shelf, at the place they
 * reach into, during each reach; walking from one reach to the next between them; from and to
 * the door before the first and after the last. Defined for any t (clamped to their visit). */
void rf__sim_where(const sim_world *w, int s, int64_t t, double *x, double *y);

/* Builds w->track (after rf__sim_shop): does nothing when track_hz is 0. 0 or RF_ENOMEM. */
int rf__sim_track(sim_world *w);

/* The fixes, in time order (ties by label). 0 of them without a track. */
size_t rf__sim_fix_count(const sim_world *w);
const sim_fix *rf__sim_fix_at(const sim_world *w, size_t i);

/* The id the tracker gives shopper s at t (a label, as in sim_fix): s itself without a track. */
int rf__sim_track_label(const sim_world *w, int s, int64_t t);

/* How many broken-off ids the tracker minted. */
int rf__sim_broken_ids(const sim_world *w);

void rf__sim_track_free(sim_world *w);

#endif
