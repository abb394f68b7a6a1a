/* Internal: the zone detector's state, shared by its parts — the frames in (detector.c), the
 * background models that turn a zone's pixels into a foreground mask (eigen.c with
 * eigen_project.c, average.c), the mask read from the zone's front edge (zone.c), and the visits
 * followed from frame to frame (visits.c).
 *
 * A zone is analysed on a grid of its pixels sampled every `step` pixels both ways; the grid is
 * also seen in "front coordinates": a lateral index l along the front edge and a depth d from it
 * (d = 0 the row or column at the front edge), sample (l, d) at grid index base + l dl + d dd. */
#ifndef RF_CAMERA_DETECTOR_INTERNAL_H
#define RF_CAMERA_DETECTOR_INTERNAL_H

#include <stdint.h>

#include "core/alloc.h"
#include "retailfuse/camera.h"
#include "retailfuse/status.h"

#define CAM_MAX_TRACKS 8      /* things followed at once in one zone */
#define CAM_LIGHT_TERMS 4     /* the mean image scaled, tilted both ways, and an offset */
#define CAM_MAX_COMPONENTS 16 /* principal components beside them */
#define CAM_MAX_BASIS (CAM_LIGHT_TERMS + CAM_MAX_COMPONENTS)
#define CAM_SUBSAMPLE 4  /* the projection reads every 4th sample of the grid */
#define CAM_SHAKE_PX 2.0 /* a shake of this many pixels is not foreground */

/* A run of lateral positions where foreground reaches in from the front edge, in one frame. */
typedef struct cam_interval {
  int l0, l1;    /* lateral extent, inclusive */
  int reach;     /* deepest depth reached (samples) */
  double deep_l; /* the lateral position of that deepest point (the middle of ties) */
  int through;   /* most of it reaches the zone's far edge */
  int wide;      /* wider than a hand */
  int touches_side;
} cam_interval;

/* What a track looks like so far: a hand; something from the side or passing; something wider
 * than a hand; something that stays (to become background). */
enum { TRACK_HAND, TRACK_SIDE, TRACK_WIDE, TRACK_STATIC };

/* Something reaching in from the front edge, followed from frame to frame. */
typedef struct cam_track {
  int used;
  int kind;            /* TRACK_*: a hand until shown otherwise */
  rf_time_us first_t;  /* the first frame it was seen in */
  rf_time_us last_t;   /* the last frame it was seen in, clear */
  rf_time_us held_t;   /* the last frame it was hidden (under something wider): not gone */
  int l0, l1;          /* its latest lateral extent */
  double birth_centre; /* lateral centre when first seen */
  int reach;           /* its deepest point so far: how deep, */
  double deep_l;       /* and where */
  int frames;          /* frames seen */
  int64_t area;        /* sum over frames of the samples' reach: how much it showed */
  int born_side;       /* it first showed touching a side of the zone */
  int birth_width;     /* lateral samples it first showed */
  int alive;           /* frames of the zone since it began (disturbed ones not counted) */
  int present;         /* of those, frames it was seen or hidden in */
  int alive_last;      /* `alive` when it was last seen or hidden */
} cam_track;

typedef struct cam_zone {
  rf_zone_rec rec; /* camera and shelf point into the detector's copies */
  int step;
  int cols, rows, n;     /* the sampled grid */
  int lat, depth;        /* its size in front coordinates */
  int base, dl, dd;      /* grid index of (l, d): base + l dl + d dd */
  double metres_per_lat; /* along the shelf per lateral sample */
  float *x;              /* the batch's frames on the grid: n x batch, frame after frame */
  uint8_t *mask;         /* foreground, n x batch */
  float *tau;            /* each sample's allowance for shake, added to the threshold, n */
  int *reach;            /* this frame's reach at each lateral position, lat */
  uint8_t *closed, *joined, *scratch; /* the mask closed, what of it joins the front: n each */
  int *stack;                         /* the flood's, n */
  cam_interval *intervals;            /* this frame's, at most lat / 2 + 1 */
  int interval_count;
  cam_track tracks[CAM_MAX_TRACKS];
  int disturbed;              /* the frame before was disturbed, */
  rf_time_us disturbed_since; /* since this frame */
  /* eigenbackground (eigen.c) */
  int nsub;         /* samples the projection reads */
  int *sub;         /* their grid indices */
  float *xs;        /* the batch at those samples: nsub x batch */
  float *rs;        /* their residuals: nsub x batch */
  uint8_t *outlier; /* a robust fit's outliers at those samples, this round's and the last */
  float last_coef[CAM_MAX_BASIS]; /* the frame before's coefficients */
  float ref_coef[CAM_MAX_BASIS];  /* where the slow terms are held (robust_fit) */
  int free_terms; /* the basis's first terms, fitted freely each frame: the light's level */
  int have_last_coef;
  float *basis;     /* n x basis_count, column after column */
  float *basis_sub; /* the basis at the projection's samples: nsub x basis_count */
  float *proj;      /* the projection: nsub x basis_count, c = proj^T xs */
  double gram_sub[CAM_MAX_BASIS * CAM_MAX_BASIS]; /* basis_sub^T basis_sub, for refits */
  float *coef;     /* the batch's coefficients: basis_count x batch */
  int basis_count; /* 0 until the first snapshot */
  uint8_t *ring;   /* background snapshots: n x history */
  int ring_count, ring_next, since_refresh;
  rf_time_us last_snapshot;
  float sigma;     /* the zone's noise, luma levels */
  int noise_known; /* sigma measured yet */
  /* running average (average.c) */
  float *mean;
} cam_zone;

struct rf_detector {
  rf_allocator alloc;
  rf_detector_options opt;
  char *camera_id; /* the hand records' source */
  int width, height;
  cam_zone *zones;
  size_t zone_count;
  rf_time_us *batch_t; /* the batched frames' times */
  int batch_n;
  rf_time_us last_t;
  int any_frame, finished;
  int failed; /* an output callback's code: every later call returns it */
  rf_output_fn output;
  void *payload;
  rf_detector_stats stats;
  /* the eigenbackground's refresh workspace, sized for the largest zone */
  float *work;  /* n x history */
  double *gram; /* history x history */
  double *eig;  /* history: eigenvalues */
  double *evec; /* history x history: Jacobi's rotations */
  float *recon; /* a batch's reconstruction: n x batch; a refresh's mean image */
  char errmsg[256];
};

/* zone.c: the zone's grid and front coordinates from its rectangle and the step; the mask of
 * frame b read from the front edge into z->intervals. */
void rf__cam_zone_geometry(cam_zone *z, int step);
void rf__cam_zone_intervals(cam_zone *z, int b, double hand_max_m);
/* The image column (a pixel centre, x0-based image coordinates) of lateral/depth sample (l, d),
 * and the shelf metres there. */
double rf__cam_zone_column(const cam_zone *z, double l, int d);
double rf__cam_zone_metres(const cam_zone *z, double column);
/* The share of the zone's samples that are foreground in frame b. */
double rf__cam_zone_fg_share(const cam_zone *z, int b);

/* visits.c: frame b (taken at t) of zone z moves its tracks on; ended visits go out. Returns 0
 * or the output's code. */
int rf__cam_visits_frame(rf_detector *d, cam_zone *z, int b, rf_time_us t);
/* Ends every track of z (the detector finishes). */
int rf__cam_visits_flush(rf_detector *d, cam_zone *z);
/* 1 when z may have a hand or a passing body in it at `now` (no background snapshot then: they
 * must not become background; what lingers, not a hand — a thing left, light the basis lacks —
 * must). */
int rf__cam_visits_active(const cam_zone *z, rf_time_us now);

/* eigen.c: memory; the batch's masks; a snapshot of frame b when due; the basis made again. */
int rf__cam_eigen_alloc(rf_detector *d, cam_zone *z);
void rf__cam_eigen_masks(rf_detector *d, cam_zone *z, int blas);
void rf__cam_eigen_snapshot(rf_detector *d, cam_zone *z, int b, rf_time_us t);
void rf__cam_eigen_refresh(rf_detector *d, cam_zone *z, int blas);

/* eigen_project.c: C (m x n) = alpha op(A) B + beta C, column-major, op(A) = A^T (A k x m)
 * when trans_a, else A (m x k): cblas_sgemm when blas (and built with it), else plain loops. */
void rf__cam_gemm(int blas, int trans_a, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc);
/* mask[i] = |x[i] - recon[i]| > base + tau[i] for the n samples of one frame; returns how
 * many. */
int rf__cam_threshold(const float *x, const float *recon, const float *tau, float base,
                      uint8_t *mask, int n);

/* average.c */
int rf__cam_average_alloc(rf_detector *d, cam_zone *z);
void rf__cam_average_masks(rf_detector *d, cam_zone *z);

#endif
