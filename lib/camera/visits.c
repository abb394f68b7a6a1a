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
/* A hand in this long (us) is held when something wider covers it; a younger track under a
 * cover is the cover's own edge, or what it pushed ahead of it. */
#define HOLD_MIN_US 300000
/* ... for at most this long (us) unseen: a hand hidden longer ends at its last sighting, so its
 * visit goes out within the cameras' allowed delay and the zone may learn again. */
#define HOLD_MAX_US 2000000
/* Two hands seen apart this long (us) stay two when their pieces touch; a piece younger than
 * this was split off the hand it touches. */
#define APART_MIN_US 150000
/* A track that touches a side of the zone reaching far in its first frames came in from the
 * side; a hand at the shelf's end starts shallow, and is deep only later. */
#define YOUNG_FRAMES 2
/* Something sweeping along the shelf (a head passing above the shelf's rail) moves faster than a
 * hand searching: at least this far, faster than this (m/s). */
#define SWEEP_MIN_M 0.08
#define SWEEP_SPEED 0.5
/* No hand stays in a zone longer than this (s): what does is something left there. */
#define HAND_MAX_S 15.0
/* Something not a hand that lingers longer than this (s) is the background changed. */
#define LINGER_S 3.0
/* A hand is seen in at least this many tenths of the frames of its visit. */
#define PRESENT_TENTHS 6
/* A track in at a side that widens by more than this (m) is a body coming into view. */
#define WIDEN_MAX_M 0.12
/* A track that begins this close (m) to something passing is a piece of it. */
#define NEAR_PASSER_M 0.3

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
  t->frames = t->present = t->alive = t->alive_last = 1;
  t->area = iv->reach;
  t->born_side = iv->touches_side;
  t->birth_width = iv->l1 - iv->l0 + 1;
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
  if (t->kind == TRACK_STATIC) return d->stats.too_long++, 0;
  if (t->kind == TRACK_WIDE) return d->stats.too_wide++, 0;
  if (t->kind == TRACK_SIDE) return d->stats.from_side++, 0;
  /* Too brief, or seen in too few of its frames (flicker at an edge, not a hand held in). */
  if (seconds < d->opt.min_visit_s || t->present * 10 < PRESENT_TENTHS * t->alive_last)
    return d->stats.too_short++, 0;
  d->stats.visits++;
  if (d->output == NULL) return 0;
  /* How sure: a visit that lasts and goes well in looks like a hand; a brief shallow one less. */
  double depth_share = (double)t->reach / z->depth;
  double lasting = fmin(1.0, seconds / 0.6), deep = fmin(1.0, depth_share / 0.4);
  double seen = (double)t->present / t->alive_last; /* of its frames, at any frame rate */
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
  t->present++;
  t->alive_last = t->alive;
  t->area += iv->reach;
  if (iv->reach > t->reach) t->reach = iv->reach, t->deep_l = iv->deep_l;
  if (t->kind != TRACK_HAND) return;
  /* No hand stays this long: a thing left on the shelf's edge, to become background. */
  if (now - t->first_t > (int64_t)(HAND_MAX_S * 1e6)) {
    t->kind = TRACK_STATIC;
    return;
  }
  double moved = fabs(centre(iv->l0, iv->l1) - t->birth_centre) * z->metres_per_lat;
  /* Deep at once — through the zone, or far in from a side — is something passing; a hand
   * grows in and may reach the back later. */
  int young = t->frames <= YOUNG_FRAMES;
  int side_deep = iv->touches_side && 10 * iv->reach >= 6 * z->depth;
  double seconds = (double)(now - t->first_t) / 1e6;
  int fast = moved > SWEEP_MIN_M && moved > SWEEP_SPEED * seconds;
  /* In at a side and widening: a body coming into view, not a hand (which keeps its width). */
  int widening = t->born_side &&
                 (iv->l1 - iv->l0 + 1 - t->birth_width) * z->metres_per_lat > WIDEN_MAX_M;
  if (iv->wide) t->kind = TRACK_WIDE;
  else if (fast || widening || moved > fmax(MOVE_MAX_M, hand_max_m)) t->kind = TRACK_SIDE;
  else if (young && (iv->through || side_deep)) t->kind = TRACK_SIDE;
}

/* Folds track `from` into `into` (the same hand seen as two for a while). */
static void track_merge(cam_track *into, cam_track *from) {
  if (from->first_t < into->first_t) into->first_t = from->first_t;
  if (from->last_t > into->last_t) into->last_t = from->last_t;
  if (from->held_t > into->held_t) into->held_t = from->held_t;
  if (from->reach > into->reach) into->reach = from->reach, into->deep_l = from->deep_l;
  into->frames += from->frames;
  into->area += from->area;
  from->used = 0;
}

/* The tracks interval iv overlaps, into hit[]; returns how many. */
static int overlapping(const cam_zone *z, const cam_interval *iv, int *hit) {
  int n = 0;
  for (int k = 0; k < CAM_MAX_TRACKS; k++)
    if (z->tracks[k].used && overlaps(iv, &z->tracks[k])) hit[n++] = k;
  return n;
}

/* Something wider than a hand over the tracks hit[]: a hand seen for a
 * while is hidden by it, not gone (held); anything younger was the cover's own edge coming in. */
static void covered(cam_zone *z, const cam_interval *iv, const int *hit, int n, rf_time_us now,
                    double hand_max_m) {
  for (int i = 0; i < n; i++) {
    cam_track *t = &z->tracks[hit[i]];
    /* Only a hand that came in over the front edge a while ago is hidden; one that came in at
     * a side and grew into the cover, or just before it, was the cover's all along. */
    if (t->kind != TRACK_HAND || now - t->first_t < HOLD_MIN_US || t->born_side) {
      track_see(z, t, iv, now, hand_max_m);
    } else if (now - t->last_t < HOLD_MAX_US) {
      t->held_t = now, t->present++, t->alive_last = t->alive;
    } /* else hidden too long: it is left to end at its last sighting */
  }
}

/* Track t seen again, but in one piece with another hand: it was there, where it was is not
 * known this frame. */
static void track_touch(cam_track *t, rf_time_us now) {
  t->last_t = t->held_t = now;
  t->frames++;
  t->present++;
  t->alive_last = t->alive;
}

/* A hand-sized interval over the tracks hit[]. The others move on as what they are. Of the
 * hands, those seen apart for a while (APART_MIN_US) are each a hand — two hands side by side, seen
 * as one piece now — and stay where they were; a younger one is a piece of the hand it touches (the
 * mask split it), folded into the oldest. */
static void seen(cam_zone *z, const cam_interval *iv, const int *hit, int n, rf_time_us now,
                 double hand_max_m) {
  cam_track *oldest = NULL;
  int established = 0, others = 0;
  for (int i = 0; i < n; i++) {
    cam_track *t = &z->tracks[hit[i]];
    if (t->kind != TRACK_HAND) {
      track_see(z, t, iv, now, hand_max_m);
      others++;
      continue;
    }
    established += now - t->first_t >= APART_MIN_US;
    if (oldest == NULL || t->first_t < oldest->first_t) oldest = t;
  }
  if (oldest == NULL) return;
  /* One piece with something passing: the hands are there still, but the piece's shape is
   * the passer's — it must not drag them along with it. */
  if (others > 0) {
    for (int i = 0; i < n; i++)
      if (z->tracks[hit[i]].kind == TRACK_HAND) track_touch(&z->tracks[hit[i]], now);
    return;
  }
  for (int i = 0; i < n; i++) {
    cam_track *t = &z->tracks[hit[i]];
    if (t == oldest || !t->used || t->kind != TRACK_HAND) continue;
    if (now - t->first_t < APART_MIN_US || established < 2) track_merge(oldest, t);
    else track_touch(t, now);
  }
  if (established >= 2) track_touch(oldest, now);
  else track_see(z, oldest, iv, now, hand_max_m);
}

/* Whether something passing (a track from the side, or wider than a hand) is within
 * NEAR_PASSER_M of interval iv: a body's mask breaks into pieces where its clothes match the
 * shelf, and a piece that shows up beside it is the body's, not a hand. */
static int near_passer(const cam_zone *z, const cam_interval *iv) {
  int slack = (int)ceil(NEAR_PASSER_M / z->metres_per_lat);
  for (int k = 0; k < CAM_MAX_TRACKS; k++) {
    const cam_track *t = &z->tracks[k];
    if (!t->used || (t->kind != TRACK_SIDE && t->kind != TRACK_WIDE)) continue;
    if (iv->l0 <= t->l1 + slack && iv->l1 >= t->l0 - slack) return 1;
  }
  return 0;
}

/* Matches this frame's intervals to the tracks: what no track touches starts one; the rest move
 * their tracks on (seen), or hide them (covered). */
static void match(rf_detector *d, cam_zone *z, rf_time_us now) {
  int hit[CAM_MAX_TRACKS];
  for (int i = 0; i < z->interval_count; i++) {
    const cam_interval *iv = &z->intervals[i];
    int n = overlapping(z, iv, hit);
    /* Through the zone but hand-sized is a hand reaching the back, or (young) something passing:
     * track_see tells which. */
    if (n > 0 && iv->wide) covered(z, iv, hit, n, now, d->opt.hand_max_m);
    else if (n > 0) seen(z, iv, hit, n, now, d->opt.hand_max_m);
    else
      for (int k = 0; k < CAM_MAX_TRACKS; k++) {
        if (z->tracks[k].used) continue;
        track_begin(z, &z->tracks[k], iv, now);
        if (near_passer(z, iv)) z->tracks[k].kind = TRACK_SIDE;
        break;
      }
  }
}

int rf__cam_visits_frame(rf_detector *d, cam_zone *z, int b, rf_time_us now) {
  rf__cam_zone_intervals(z, b, d->opt.hand_max_m);
  int disturbed = rf__cam_zone_fg_share(z, b) > DISTURBED_SHARE;
  if (disturbed) {
    d->stats.disturbed++;
    if (!z->disturbed) z->disturbed = 1, z->disturbed_since = now;
    /* Nothing ends while the zone cannot be seen, unless that lasts. */
    int lasting = now - z->disturbed_since > DISTURBED_MAX_US;
    for (int k = 0; k < CAM_MAX_TRACKS; k++) {
      cam_track *t = &z->tracks[k];
      if (!t->used) continue;
      /* A hand well in is held through it; a track just begun was the disturbance coming. */
      if (t->kind == TRACK_HAND && (now - t->first_t < HOLD_MIN_US || t->born_side))
        t->kind = TRACK_SIDE;
      if (!lasting) {
        t->held_t = now;
        continue;
      }
      int rc = track_end(d, z, t);
      if (rc != 0) return rc;
    }
    return 0;
  }
  z->disturbed = 0;
  for (int k = 0; k < CAM_MAX_TRACKS; k++) z->tracks[k].alive += z->tracks[k].used;
  match(d, z, now);
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

int rf__cam_visits_active(const cam_zone *z, rf_time_us now) {
  for (int k = 0; k < CAM_MAX_TRACKS; k++) {
    const cam_track *t = &z->tracks[k];
    if (!t->used || t->kind == TRACK_STATIC) continue;
    /* A body passing takes a second or two; what lasts longer, not a hand, is the background
     * changed (light the basis cannot yet explain, a thing moved): snapshots must take it in. */
    if (t->kind == TRACK_HAND || now - t->first_t < (int64_t)(LINGER_S * 1e6)) return 1;
  }
  return 0;
}
