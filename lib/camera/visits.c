/* Visits: what reaches in from a zone's front edge, followed from frame to frame, and given as a
 * hand record when it has gone. A hand grows in from the front edge and stays about where it
 * went in; a body or a cart passing in front of the shelf comes in from the side, or at once
 * through the whole zone, or moves along it, or is wider than a hand — those are counted and
 * dropped. A frame that is mostly foreground (a lighting step the model has not taken in, an
 * occluder, the camera moved) neither starts nor ends anything. */
#include <math.h>
#include <string.h>

#include "detector_internal.h"

/* Lateral samples of slack when matching an interval to a track of the frame before. */
#define MATCH_SLACK 3
/* A zone mostly foreground is disturbed; disturbed this long, its tracks are ended. */
#define DISTURBED_SHARE 0.5
#define DISTURBED_MAX_US 2000000
/* A hand stays about where it went in: a centre moving along the shelf further than this
 * (metres, or a hand's width if more) is something passing. */
#define MOVE_MAX_M 0.25

static int overlaps(const cam_interval *iv, const cam_track *t) {
  return iv->l0 <= t->l1 + MATCH_SLACK && iv->l1 >= t->l0 - MATCH_SLACK;
}

static double centre(int l0, int l1) { return 0.5 * (l0 + l1); }

static void track_begin(const cam_zone *z, cam_track *t, const cam_interval *iv, rf_time_us now) {
  memset(t, 0, sizeof *t);
  t->used = 1;
  t->first_t = t->last_t = t->held_t = now;
  t->l0 = iv->l0;
  t->l1 = iv->l1;
  t->birth_centre = centre(iv->l0, iv->l1);
  t->reach = iv->reach;
  t->deep_l = iv->deep_l;
  t->frames = 1;
  t->area = iv->reach;
  /* Through the whole zone at once, or wider than a hand, or in from the side reaching far: not
   * a hand coming over the front edge. */
  if (iv->wide) t->kind = TRACK_WIDE;
  else if (iv->through || (iv->touches_side && 10 * iv->reach >= 6 * z->depth))
    t->kind = TRACK_SIDE;
}

/* The hand record of an ended track, or the count of why it was not one. */
static int track_end(rf_detector *d, cam_zone *z, cam_track *t) {
  t->used = 0;
  double seconds = (double)(t->last_t - t->first_t) / 1e6;
  if (t->kind == TRACK_WIDE) return d->stats.too_wide++, 0;
  if (t->kind == TRACK_SIDE) return d->stats.from_side++, 0;
  if (seconds < d->opt.min_visit_s) return d->stats.too_short++, 0;
  d->stats.visits++;
  if (d->output == NULL) return 0;
  /* How sure: a visit that lasts and goes well in looks like a hand; a brief shallow one less. */
  double depth_share = (double)t->reach / z->depth;
  double lasting = fmin(1.0, seconds / 0.6), deep = fmin(1.0, depth_share / 0.4);
  double seen = fmin(1.0, t->frames / fmax(1.0, seconds * 30.0));
  rf_record r;
  memset(&r, 0, sizeof r);
  r.type = RF_RECORD_HAND;
  r.source = d->camera_id;
  r.u.hand.shelf = z->rec.shelf;
  r.u.hand.t0 = t->first_t;
  r.u.hand.t1 = t->last_t;
  r.u.hand.has_x = 1;
  /* To a tenth of a millimetre: finer than any camera resolves, and printed as it reads. */
  double x = rf__cam_zone_metres(z, rf__cam_zone_column(z, t->deep_l, t->reach - 1));
  r.u.hand.x = round(x * 1e4) / 1e4;
  r.u.hand.has_conf = 1;
  r.u.hand.conf = round((0.5 + 0.49 * lasting * deep * seen) * 1000) / 1000;
  r.u.hand.holding_in = r.u.hand.holding_out = RF_UNKNOWN;
  return d->output(&r, d->payload);
}

/* The track moves on with an interval it alone matched. */
static void track_see(cam_zone *z, cam_track *t, const cam_interval *iv, rf_time_us now,
                      double hand_max_m) {
  t->last_t = t->held_t = now;
  t->l0 = iv->l0;
  t->l1 = iv->l1;
  t->frames++;
  t->area += iv->reach;
  if (iv->reach > t->reach) t->reach = iv->reach, t->deep_l = iv->deep_l;
  if (t->kind != TRACK_HAND) return;
  double moved = fabs(centre(iv->l0, iv->l1) - t->birth_centre) * z->metres_per_lat;
  if (iv->wide) t->kind = TRACK_WIDE;
  else if (iv->through || moved > fmax(MOVE_MAX_M, hand_max_m)) t->kind = TRACK_SIDE;
}

/* Matches this frame's intervals to the tracks: an interval that one track alone touches moves
 * it on; one touching several hides them (held, not ended: a body passed over a hand) unless
 * it is a hand-sized interval, which moves on the track it overlaps most; an interval touching
 * none starts a track. */
static void match(rf_detector *d, cam_zone *z, rf_time_us now, int may_start) {
  for (int i = 0; i < z->interval_count; i++) {
    const cam_interval *iv = &z->intervals[i];
    int hits = 0, only = -1;
    for (int k = 0; k < CAM_MAX_TRACKS; k++)
      if (z->tracks[k].used && overlaps(iv, &z->tracks[k])) hits++, only = k;
    if (hits == 1) {
      cam_track *t = &z->tracks[only];
      if (iv->wide && t->kind == TRACK_HAND && t->frames > 1) t->held_t = now;
      else track_see(z, t, iv, now, d->opt.hand_max_m);
    } else if (hits > 1) {
      for (int k = 0; k < CAM_MAX_TRACKS; k++) {
        cam_track *t = &z->tracks[k];
        if (!t->used || !overlaps(iv, t)) continue;
        if (t->kind == TRACK_HAND && !iv->wide) track_see(z, t, iv, now, d->opt.hand_max_m);
        else if (t->kind == TRACK_HAND) t->held_t = now;
        else track_see(z, t, iv, now, d->opt.hand_max_m);
      }
    } else if (may_start) {
      for (int k = 0; k < CAM_MAX_TRACKS; k++) {
        if (z->tracks[k].used) continue;
        track_begin(z, &z->tracks[k], iv, now);
        break;
      }
    }
  }
}

int rf__cam_visits_frame(rf_detector *d, cam_zone *z, int b, rf_time_us now) {
  rf__cam_zone_intervals(z, b, d->opt.hand_max_m);
  int disturbed = rf__cam_zone_fg_share(z, b) > DISTURBED_SHARE;
  if (disturbed) {
    d->stats.disturbed++;
    if (z->disturbed_since < 0) z->disturbed_since = now;
    /* Nothing ends while the zone cannot be seen, unless that lasts. */
    int lasting = now - z->disturbed_since > DISTURBED_MAX_US;
    for (int k = 0; k < CAM_MAX_TRACKS; k++) {
      cam_track *t = &z->tracks[k];
      if (!t->used) continue;
      if (!lasting) {
        t->held_t = now;
        continue;
      }
      int rc = track_end(d, z, t);
      if (rc != 0) return rc;
    }
    return 0;
  }
  z->disturbed_since = -1;
  match(d, z, now, 1);
  int64_t gap_us = (int64_t)llround(d->opt.gap_s * 1e6);
  for (int k = 0; k < CAM_MAX_TRACKS; k++) {
    cam_track *t = &z->tracks[k];
    if (!t->used || now - t->held_t <= gap_us) continue;
    int rc = track_end(d, z, t);
    if (rc != 0) return rc;
  }
  return 0;
}

int rf__cam_visits_flush(rf_detector *d, cam_zone *z) {
  for (int k = 0; k < CAM_MAX_TRACKS; k++) {
    if (!z->tracks[k].used) continue;
    int rc = track_end(d, z, &z->tracks[k]);
    if (rc != 0) return rc;
  }
  return 0;
}

int rf__cam_visits_active(const cam_zone *z) {
  for (int k = 0; k < CAM_MAX_TRACKS; k++)
    if (z->tracks[k].used) return 1;
  return 0;
}
