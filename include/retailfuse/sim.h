/*
 * retailfuse/sim.h — a simulated store with ground truth.
 *
 * The simulator builds a store (gondolas of shelves of plates, a crowded catalog, facings of
 * items), lets shoppers walk in, reach into shelves, take and put back items (on the wrong shelf
 * too), and records what the sensors would report — load-cell weight changes and camera hand
 * visits with their imperfections, and staff's restock announcements when asked — as scenario
 * records, plus the truth: every real take and put-back and every cart's final content. Plates
 * may misread by a drifting gain and items weigh other than the catalogue says; rf_sim_scales
 * tells by how much. The same parameters and seed give the same records.
 *
 * Parameters are named knobs (rf_sim_knob_count / rf_sim_knob) so a preset can be adjusted one
 * knob at a time, from code or from the command line (`retailfuse sim --set name=value`).
 *
 * Ownership: records passed to the sinks point into simulator memory valid only during the
 * callback. Threads: rf_sim_run is reentrant; nothing is shared between calls.
 * Determinism: the same parameters and seed give the same bytes on the same platform; the
 * random streams are portable, but log/exp/cos of another C library may differ in the last bit.
 */
#ifndef RETAILFUSE_SIM_H
#define RETAILFUSE_SIM_H

#include "common.h"
#include "allocator.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_sim_params {
  unsigned version; /* RF_SIM_PARAMS_VERSION */
  /* store */
  int gondolas, shelves_per_gondola, plates_min, plates_max;
  double plate_width_m;
  double similar_weight_share; /* share of products weighing within a few grams of a neighbour */
  double equal_weight_share;   /* share of those that weigh exactly the same */
  double noise_g;              /* load-cell noise per plate (deltas: per reported change) */
  /* shoppers */
  int shoppers;
  double duration_s; /* arrivals spread over this time */
  int reaches_min, reaches_max;
  double group_share;       /* share of shoppers who join another's cart (link) */
  double multi_take_share;  /* reaches that take 2-3 items */
  double browse_share;      /* reaches that take nothing */
  double putback_share;     /* reaches that put an item back */
  double wrong_shelf_share; /* put-backs onto a shelf the item does not belong to */
  double crowding;          /* 0..1: how often a reach goes where another shopper is reaching */
  /* cameras */
  double missed_rate, false_rate, anonymous_rate, wrong_id_rate;
  double time_jitter_s, x_noise_m;
  double hint_share;         /* share of hand records that carry holding_* and sku_scores */
  double hint_reliability;   /* chance a hint is right */
  double camera_delay_max_s; /* hand records arrive up to this late (< the 2 s lateness) */
  /* load cells */
  int samples_mode;     /* 0: delta records; 1: raw readings of every plate instead: an
                           unknown offset, drift, noise, hand pressure, the steps */
  double sample_hz;     /* readings per second in samples mode; a record holds 1 s */
  double drift_g_per_h; /* drift of each plate (a normal spread of this many g/h) */
  /* stream faults, all off by default: what real stores' event streams do to records on their
   * way to the host, so a host's handling of them can be measured (docs/format.md, "Sources") */
  int sources;               /* 1: events carry `source` and that source's `seq` (any fault
                                below implies it) */
  int cameras;               /* camera streams "cam-1".."cam-N"; shelves split among them in
                                blocks of neighbouring shelves, by shelf index */
  double camera_delay_s;     /* when this or the jitter is set, a hand record arrives at its
                                t1 + delay +- jitter (never before t1), instead of within
                                camera_delay_max_s */
  double camera_jitter_s;    /* uniform in [-jitter, +jitter] */
  double duplicate_rate;     /* event records delivered twice (same source and seq), 0-2 s apart */
  double stray_id_rate;      /* identified hand records naming a shopper not in the store */
  double unknown_shelf_rate; /* hand and delta records followed by a copy naming a shelf that is
                                not in the store */
  int outage_camera;         /* 0: none; else the camera whose records in the window are held
                                back and delivered together when it ends */
  double outage_start_s, outage_s; /* the window: start on the store clock, length */
  /* realism (docs/simulator.md gives each default's source), all off in the classic presets */
  int layout;                /* 0: gondolas in a row of equal plates (the knobs above); 1: varied
                                layouts drawn from the layout seed: aisles of 2-8 gondolas, 4-7
                                shelves, 3-12 plates of 8-15 cm, catalogues of 50-500 products */
  int layout_seed;           /* the store is built from this seed; 0: from the run's seed */
  double track_hz;           /* 0: one exact position fix per reach; else continuous tracks at this
                                rate, walked between the reaches */
  double track_noise_m;      /* tracker position noise (sd, m, correlated over about a second) */
  double track_dropout_rate; /* share of a track's time without fixes (gaps of 1-5 s) */
  double track_swap_rate;    /* chance two shoppers passing within 0.5 m swap track ids */
  double track_break_rate;   /* chance a shopper's track breaks into a new id for a while */
  double merge_rate;         /* two hands overlapping on one shelf within 0.3 m seen as one visit */
  double crowd_gain;         /* missed, anonymous and wrong-id rates grow by this per other
                                shopper within 1.5 m of the reach */
  double wrong_id_nearby;    /* share of wrong ids naming the nearest other shopper (else anyone) */
  double blind_share;        /* share of each shelf's zone time the cameras cannot see (per shelf
                                between 2/3 and 4/3 of this) */
  double pickup_share;       /* reaches that pick an item up and put it back 2-20 s later */
  double two_hand_share;     /* reaches made together with a second hand on the same gondola */
  double lean_share;         /* reaches whose hand rests on the shelf, pressing 50-500 g */
  double group_together;     /* share of a group member's reaches made beside its cart's owner */
  int staff;         /* staff members (`"staff": true`) who restock shelves during the run */
  int rush_shoppers; /* shoppers who rush one gondola together at rush_at_s (15+: a rush) */
  double rush_at_s;  /* when the rush starts on the store clock */
  int declared;      /* 1: shelf records declare their noise and product records their items'
                        spread; 0: neither (a store that does not know them) */
  /* scales and catalogue errors (docs/simulator.md), 0 in every preset: what a store's load
   * cells and products really do, unlike what is declared. Drawn from streams of their own right
   * after the store is built; rf_sim_scales reports the values a run uses */
  double gain_sd;           /* each plate's gain: 1 + a normal of this sd (0.01: 1 %); a plate
                               reads gain x load */
  double gain_drift;        /* temperature: each plate's gain times 1 + a_k sin(2 pi t / 1 day +
                               phi), a_k normal of this sd, phi one phase for the store */
  double weight_error;      /* each product's true mean item weight: the catalogue's (its product
                               record's) x (1 + u), u uniform in [-this, +this] */
  double batch_sd;          /* batches (a facing's first stock, each restock): the batch's mean is
                               the true mean x (1 + a normal of this sd) */
  double restock_announced; /* share of staff restock reaches announced with a restock record */
} rf_sim_params;

#define RF_SIM_PARAMS_VERSION 5

/* The presets: "easy", "busy", "adversarial", "day", "large", "chaos" (busy with every
 * stream fault on), and the realistic ones: "realistic" (busy traffic in a varied layout with
 * noisy tracks, imperfect cameras, browsing, leaning, staff), "rush" (15+ shoppers at one
 * gondola), "group" (groups sharing carts, shopping side by side) and "blind" (cameras blind
 * for 20-40 % of each shelf's zone time). RF_ENOTFOUND for another name. */
RF_EXTERN int rf_sim_preset(rf_sim_params *out, const char *name);

/* The knobs, by index: name, a one-line description, and the current value as text. */
RF_EXTERN size_t rf_sim_knob_count(void);
RF_EXTERN const char *rf_sim_knob_name(size_t index);
RF_EXTERN const char *rf_sim_knob_help(size_t index);

/* Sets a knob from text ("shoppers", "30"). RF_ENOTFOUND for an unknown name, RF_ERANGE for a
 * value that does not parse or is out of the knob's range. */
RF_EXTERN int rf_sim_set(rf_sim_params *params, const char *name, const char *value);

/* Formats a knob's value into buf; returns 0 or RF_ENOTFOUND. */
RF_EXTERN int rf_sim_get(const rf_sim_params *params, const char *name, char *buf, size_t cap);

/* Receives one record; a non-zero return stops the run with that code. */
typedef int (*rf_sim_sink)(const rf_record *record, void *payload);

/* Runs the simulation: the scenario (store description, then events in arrival order) goes to
 * `scenario`, the truth (takes and put-backs in time order, each naming the cart, then one
 * receipt per cart owner) to `truth`. Returns 0, rf_sim_check's code for bad parameters
 * (RF_ERANGE, RF_EVERSION; call rf_sim_check for the message), RF_EINVAL for NULL arguments,
 * RF_ELIMIT when samples mode would need more than 2^31 records, RF_ENOMEM, or a sink's code. */
RF_EXTERN int rf_sim_run(const rf_sim_params *params, uint64_t seed, rf_sim_sink scenario,
                         void *scenario_payload, rf_sim_sink truth, void *truth_payload,
                         const rf_allocator *allocator);

/* What a run injected into the scenario stream, by kind. Records are counted once each (by
 * source and seq), a record's second delivery only under `duplicates`. */
typedef struct rf_sim_faults {
  uint64_t duplicates;      /* records delivered a second time */
  uint64_t stray_ids;       /* hand records naming a shopper not in the store at the time */
  uint64_t unknown_shelves; /* extra records naming a shelf that is not in the store */
  uint64_t outage_held;     /* hand records held back by a camera outage */
} rf_sim_faults;

/* rf_sim_run, and fills *faults (when not NULL) with what it injected; zeroed first. */
RF_EXTERN int rf_sim_run_faults(const rf_sim_params *params, uint64_t seed, rf_sim_sink scenario,
                                void *scenario_payload, rf_sim_sink truth, void *truth_payload,
                                const rf_allocator *allocator, rf_sim_faults *faults);

/* Checks parameters; on error writes a message naming the knob into buf. */
RF_EXTERN int rf_sim_check(const rf_sim_params *params, char *buf, size_t cap);

/* The truth of the scales, for measuring calibration: receive one plate's gain at a time (a
 * reading of a load L is gain x L), and one product's true mean item weight (before the spread
 * of its batches) with its catalogue weight (what its product record says). A non-zero return
 * stops rf_sim_scales with that code. */
typedef int (*rf_sim_plate_fn)(const char *plate, double gain, void *payload);
typedef int (*rf_sim_product_fn)(const char *sku, double true_mean_g, double catalog_g,
                                 void *payload);

/* Builds the store rf_sim_run builds with the same parameters and seed (no shoppers) and reports
 * the values that run uses: every plate's gain at store time t (microseconds, as event times)
 * to `plates`, in store order (shelf by shelf, left to right), then every product's weights to
 * `products`, in catalogue order; either may be NULL. With every scale knob 0 each gain is 1 and
 * each true mean is the catalogue weight. Returns 0, rf_sim_check's code for bad parameters,
 * RF_EINVAL for NULL params, RF_ENOMEM, or a callback's code. */
RF_EXTERN int rf_sim_scales(const rf_sim_params *params, uint64_t seed, rf_time_us t,
                            rf_sim_plate_fn plates, rf_sim_product_fn products, void *payload,
                            const rf_allocator *allocator);

/* ---- Rendered video (docs/simulator.md, "Video") ----------------------------------------------
 * The same world rf_sim_run plays with the same parameters and seed, filmed: one camera per
 * gondola looking at its shelf fronts, each shelf a zone of the image (`camera` and `zone`
 * records, docs/format.md); shelves with products as blocks whose lanes empty as items are taken,
 * arms and hands reaching into the zones from their front edge at the reaches' places and times,
 * bodies passing in front, lighting that drifts, flickers and steps, sensor noise, an occasional
 * small camera shake. The renderer draws from random streams of its own: the scenario and truth
 * of rf_sim_run are the same with or without it, and the same seed gives the same frames.
 *
 * Ownership: the video owns its copy of the parameters and options. Threads: a video is only read
 * once made, so its cameras may be rendered on several threads at once; each rendering allocates
 * its buffers through the video's allocator, which must then be thread-safe (the C library's is).
 */

typedef struct rf_sim_video_options {
  unsigned version;       /* RF_SIM_VIDEO_OPTIONS_VERSION */
  int width, height;      /* each camera's image (640 x 480), 32..8192 each */
  int fps_num, fps_den;   /* frame rate num:den (30:1), both >= 1, at most 1000 frames/s */
  double noise_sd;        /* sensor noise, luma levels (2.5), 0..50 */
  double flicker;         /* mains flicker: the light's amplitude (0.02 of its level), 0..0.25 */
  double drift;           /* slow light drift over minutes (0.08 of its level), 0..0.3; the light's
                             gradient across the image is a quarter to 60 % of it (0: none) */
  double steps_per_hour;  /* lights switching: sudden steps of 10-30 % (6 an hour), 0..3600 */
  double passers_per_min; /* bodies passing in front of a gondola (2 a minute), 0..120 */
  double shakes_per_hour; /* small camera shakes of 1-2 pixels for 0.1-0.5 s (6 an hour),
                             0..3600 */
} rf_sim_video_options;

#define RF_SIM_VIDEO_OPTIONS_VERSION 1

/* The defaults above. */
RF_EXTERN void rf_sim_video_options_init(rf_sim_video_options *options);

typedef struct rf_sim_video rf_sim_video;

/* Builds the world of rf_sim_run(params, seed) and plans its video (options NULL: the defaults).
 * Returns 0 and *out, or leaves *out NULL and returns rf_sim_check's code for bad parameters,
 * RF_EINVAL (NULL out or params, an option outside its bounds, an allocator without hooks),
 * RF_EVERSION (options of another version), RF_ELIMIT (the image too short for a gondola's
 * shelves: each zone needs 6 rows, with at least 6 between zones), RF_ENOMEM. */
RF_EXTERN int rf_sim_video_new(rf_sim_video **out, const rf_sim_params *params, uint64_t seed,
                               const rf_sim_video_options *options, const rf_allocator *allocator);
/* Frees the video; NULL is a no-op. */
RF_EXTERN void rf_sim_video_free(rf_sim_video *video);

/* Cameras: one per gondola, in gondola order ("cam-G1" for the gondola of shelves "G1S1"...),
 * and the frames each has: all cameras film the same span, every frame taken from 0 to the last
 * shopper's exit plus a second, frame i at rf_frame_time(0, i, fps_num, fps_den) (camera.h).
 * 0 for NULL. */
RF_EXTERN size_t rf_sim_video_camera_count(const rf_sim_video *video);
RF_EXTERN int64_t rf_sim_video_frame_count(const rf_sim_video *video);

/* The cameras' `camera` records (the image's size, fps num/den, t0 0) and their zones' `zone`
 * records: each camera's, then its zones, its first shelf (the highest, at the top of the image)
 * first; a zone is its shelf's band of products and price rail, front "bottom", shelf_x from 0 to
 * the shelf's width. RF_EINVAL for NULL; a sink's non-zero return stops with that code. */
RF_EXTERN int rf_sim_video_layout(const rf_sim_video *video, rf_sim_sink sink, void *payload);

/* The truth of what the cameras see: one `hand` record per hand visit (each reach of a shopper or
 * staff member, of every kind), in order of t0 (ties: by camera): `source` the camera's id,
 * `shopper` who reached (the scenario's id), `shelf`, `t0` when the hand crossed the zone's front
 * edge, `t1` when it left (the reach's times), `x` where along the shelf its tip reached (the
 * reach's x), `conf` 1. RF_EINVAL for NULL; a sink's non-zero return stops with that code. */
RF_EXTERN int rf_sim_video_visits(const rf_sim_video *video, rf_sim_sink sink, void *payload);

/* What else each camera films, for telling a detector's false visits by their cause: bodies
 * passing (from when they come into sight to when they leave it), light steps (t0 = t1: when
 * the level jumps) and shakes. Camera by camera, each kind in time order; a non-zero return
 * stops with that code. */
typedef enum rf_sim_video_event {
  RF_SIM_VIDEO_PASSER,
  RF_SIM_VIDEO_LIGHT_STEP,
  RF_SIM_VIDEO_SHAKE
} rf_sim_video_event;
typedef int (*rf_sim_video_event_fn)(size_t camera, rf_sim_video_event kind, rf_time_us t0,
                                     rf_time_us t1, void *payload);
RF_EXTERN int rf_sim_video_events(const rf_sim_video *video, rf_sim_video_event_fn fn,
                                  void *payload);

/* Receives frame `index` of camera `camera` (taken at t): width x height luma bytes, row after
 * row, valid during the call. A non-zero return stops rf_sim_video_render with that code. */
typedef int (*rf_sim_frame_fn)(size_t camera, int64_t index, rf_time_us t, const uint8_t *luma,
                               void *payload);

/* Renders every frame of one camera, in order. Memory is allocated before the first frame and
 * freed at the end (three images and the shelves' state): a frame allocates nothing. Calls for
 * different cameras of one video may run at once on different threads (the video is only read).
 * Returns 0, RF_EINVAL (NULL video or callback, no such camera), RF_ENOMEM, or the callback's
 * code. */
RF_EXTERN int rf_sim_video_render(const rf_sim_video *video, size_t camera, rf_sim_frame_fn frame,
                                  void *payload);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_SIM_H */
