/*
 * retailfuse/camera.h — hand visits from camera frames: Y4M video files, and the zone detector.
 *
 * A camera looks at shelf fronts; each shelf it sees is a zone of its image (rf_zone_rec, given
 * by `camera` and `zone` records, docs/format.md). The detector takes the camera's frames, 8-bit
 * luma (the Y plane of NV12 or YUV 4:2:0), keeps a background model per zone that survives
 * lighting change and slow scene change, finds hands (foreground that reaches into a zone from
 * its front edge; not a body passing in front of the shelf, not a lighting step) and gives each
 * visit as a `hand` record with no shopper: the engine names the shopper from positions.
 *
 * Frames come from Y4M files (YUV4MPEG2, the raw format video tools read and write: rf_y4m_*),
 * from libcamera on a device (capture.h), or from the simulator's renderer (sim.h).
 *
 * Ownership: records passed to output callbacks point into detector memory valid only during the
 * callback. Threads: each object is used by one thread at a time; different objects are
 * independent.
 */
#ifndef RETAILFUSE_CAMERA_H
#define RETAILFUSE_CAMERA_H

#include <stdio.h>

#include "common.h"
#include "allocator.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The store time of frame `index` of a video whose frame 0 is at t0 and whose rate is num:den
 * frames per second: t0 + round(index x 10^6 x den / num), computed exactly in integers (half
 * away from zero). num and den > 0, index >= 0. */
RF_EXTERN rf_time_us rf_frame_time(rf_time_us t0, int64_t index, int num, int den);

/* ---- Y4M (YUV4MPEG2) ------------------------------------------------------------------------
 * A header line "YUV4MPEG2 W<w> H<h> F<num>:<den> [I<i>] [A<n>:<d>] [C<space>] [X<...>]...\n",
 * then frames, each "FRAME[ params]\n" and the planes. Read: the 4:2:0 colour spaces (C420jpeg,
 * C420paldv, C420mpeg2, C420; no C tag means 4:2:0) and Cmono; only the luma plane is kept (a
 * 4:2:0 frame's two chroma planes, ceil(w/2) x ceil(h/2) bytes each, are read past, never sought:
 * the file may be a pipe). Other tags (X...) and frame parameters are ignored. W and H are 1 to
 * 32768; the header line and a FRAME line are at most 4096 bytes.
 * Written: the info's space (Cmono, or a 4:2:0 one with grey chroma, 128). */

typedef enum rf_y4m_space {
  RF_Y4M_420JPEG,
  RF_Y4M_420PALDV,
  RF_Y4M_420MPEG2,
  RF_Y4M_420,
  RF_Y4M_MONO,
  RF_Y4M_SPACE_COUNT
} rf_y4m_space;

typedef struct rf_y4m_info {
  int width, height;          /* >= 1 */
  int fps_num, fps_den;       /* F: the frame rate num:den, both > 0 */
  rf_y4m_space space;         /* C; RF_Y4M_420 when absent */
  char interlace;             /* I: 'p', 't', 'b' or 'm'; '?' when absent */
  int aspect_num, aspect_den; /* A; 0:0 when absent or unknown */
} rf_y4m_info;

typedef struct rf_y4m_reader rf_y4m_reader;

/* Reads the header from `in` (a file open for reading; the reader does not close it). Returns 0
 * and a reader; RF_EPARSE for a malformed or unsupported header, RF_EIO for a read error,
 * RF_ENOMEM, RF_EINVAL (NULL out or in, an allocator without a hook) — with a message in err
 * (when not NULL) naming what was wrong. */
RF_EXTERN int rf_y4m_reader_new(rf_y4m_reader **out, FILE *in, const rf_allocator *allocator,
                                char *err, size_t err_cap);
RF_EXTERN void rf_y4m_reader_free(rf_y4m_reader *reader);
RF_EXTERN const rf_y4m_info *rf_y4m_reader_info(const rf_y4m_reader *reader);

/* Reads the next frame's luma plane into `luma` (width x height bytes, row after row) and skips
 * its chroma. Returns 1 for a frame, 0 at the end of the file (exactly between frames),
 * RF_EPARSE for a malformed FRAME line or a truncated frame, RF_EIO for a read error: the
 * message (rf_y4m_reader_errmsg) names the frame and what was missing. After an error every
 * further call returns the same code. */
RF_EXTERN int rf_y4m_read(rf_y4m_reader *reader, uint8_t *luma);
/* Frames read so far (the index of the next one). */
RF_EXTERN int64_t rf_y4m_reader_frames(const rf_y4m_reader *reader);
RF_EXTERN const char *rf_y4m_reader_errmsg(const rf_y4m_reader *reader);

typedef struct rf_y4m_writer rf_y4m_writer;

/* Writes the header for `info` (space RF_Y4M_MONO or one of the 4:2:0 spaces; interlace '?' and
 * aspect 0:0 are left out) to `out`, which the writer does not close. RF_EINVAL for bad info,
 * RF_EIO for a write error, RF_ENOMEM. */
RF_EXTERN int rf_y4m_writer_new(rf_y4m_writer **out, FILE *file, const rf_y4m_info *info,
                                const rf_allocator *allocator);
/* Writes one frame: `luma` is width x height bytes; 4:2:0 chroma is written grey (128). */
RF_EXTERN int rf_y4m_write(rf_y4m_writer *writer, const uint8_t *luma);
RF_EXTERN void rf_y4m_writer_free(rf_y4m_writer *writer);

/* ---- The zone detector ----------------------------------------------------------------------- */

typedef enum rf_background {
  /* Eigenbackground: a zone's recent background frames' principal components beside lighting
   * terms (the mean image scaled, tilted and offset); each frame is projected on them and the
   * residual thresholded. Projections of a batch of frames are matrix products through OpenBLAS
   * and the basis is refreshed with LAPACK (plain C when built without RF_WITH_BLAS). */
  RF_BACKGROUND_EIGEN,
  RF_BACKGROUND_EIGEN_PLAIN, /* the same model in plain C loops, to measure BLAS against */
  RF_BACKGROUND_AVERAGE,     /* a running average per pixel: the plain baseline */
  RF_BACKGROUND_COUNT
} rf_background;

/* "eigen", "eigen-plain", "average"; NULL out of range. And back: -1 for an unknown name. */
RF_EXTERN const char *rf_background_name(rf_background background);
RF_EXTERN int rf_background_parse(const char *name);

typedef struct rf_detector_options {
  unsigned version;         /* RF_DETECTOR_OPTIONS_VERSION */
  rf_background background; /* RF_BACKGROUND_EIGEN */
  int batch;                /* frames projected together, 1..64 (8): hands come out up to this
                               many frames later */
  int components;           /* principal components beside the lighting terms, 0..16 (3) */
  int history;              /* background snapshots a zone keeps, 4..64 (24) */
  double snapshot_s;        /* a background snapshot every this many seconds (0.5) */
  double threshold;         /* a pixel is foreground beyond this many noise sds (5) */
  double min_visit_s;       /* visits shorter than this are dropped (0.3) */
  double gap_s;             /* a hand unseen this long has left (0.1) */
  double hand_max_m;        /* a hand (or hand with an item) is at most this wide along the
                               shelf (0.3): wider foreground is a body or an occluder */
  int step;                 /* zones are read every `step` pixels both ways, 1..8; 0 (default):
                               every other pixel for zones at least 40 pixels deep, else every
                               pixel */
} rf_detector_options;

#define RF_DETECTOR_OPTIONS_VERSION 1

/* The defaults above. */
RF_EXTERN void rf_detector_options_init(rf_detector_options *options);

/* What a detector saw, summed over its zones. */
typedef struct rf_detector_stats {
  int64_t frames;          /* frames taken */
  int64_t visits;          /* hand records given */
  int64_t too_short;       /* foreground from the front edge, gone within min_visit_s */
  int64_t from_side;       /* foreground that came in from a side or moved along the shelf (a
                              body or a cart passing) */
  int64_t too_wide;        /* foreground wider than hand_max_m reaching in */
  int64_t disturbed;       /* zone-frames mostly foreground (a lighting step, an occluder,
                              the camera moved): visits neither begin nor end in them */
  int64_t basis_refreshes; /* eigenbackground bases made */
  int64_t too_long;        /* foreground from the front edge that stayed longer than a hand
                              would (15 s): a thing left on the shelf's edge */
} rf_detector_stats;

typedef struct rf_detector rf_detector;

/* A detector for one camera's zones (those whose `camera` is camera->camera; others are
 * refused). Each zone's rectangle must lie within the image. Memory is fixed here: frames
 * allocate nothing. Returns 0; RF_EINVAL (bad camera, zone or options; a zone fewer than 6
 * samples deep from its front at its step, or of more than 2^24 samples), RF_EVERSION,
 * RF_ENOMEM, with a message in err naming the zone and field when not NULL. */
RF_EXTERN int rf_detector_new(rf_detector **out, const rf_camera_rec *camera,
                              const rf_zone_rec *zones, size_t zone_count,
                              const rf_detector_options *options, const rf_allocator *allocator,
                              char *err, size_t err_cap);
RF_EXTERN void rf_detector_free(rf_detector *detector);

/* Where hand records go: `hand` records with no shopper, `source` the camera's id, t0 the first
 * frame the hand was in, t1 the last, x where along the shelf the foreground reached deepest,
 * conf how sure the detector is. Given when a visit ends (gap_s after its last frame, plus the
 * batch), in that order. */
RF_EXTERN void rf_detector_set_output(rf_detector *detector, rf_output_fn output, void *payload);

/* Takes a frame: `luma` is width x height bytes, rows `stride` bytes apart (>= width), taken at
 * store time t (later than the previous frame's). Returns 0, RF_EINVAL (NULL, stride), RF_ELATE
 * for a time not after the previous frame's (nothing changes), RF_EMISUSE after finish, or an
 * output callback's code — after which the detector has stopped: every later call returns that
 * code again. */
RF_EXTERN int rf_detector_frame(rf_detector *detector, const uint8_t *luma, size_t stride,
                                rf_time_us t);

/* Processes the frames still batched and ends every visit in progress (a last frame's visit ends
 * at that frame). The detector takes no frame after it; a second call returns 0, or the output
 * callback's code if one stopped the detector. */
RF_EXTERN int rf_detector_finish(rf_detector *detector);

RF_EXTERN int rf_detector_get_stats(const rf_detector *detector, rf_detector_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_CAMERA_H */
