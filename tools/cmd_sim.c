/* retailfuse sim: write a simulated store's scenario and its ground truth, and with --render
 * its cameras' video (render.c's job here: sim_render). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "progress.h"
#include "retailfuse/retailfuse.h"
#include "sim_hands.h"

typedef struct counted_writer {
  rf_scenario_writer *writer;
  uint64_t records;
  progress *shown; /* when not NULL, told of the store time each record reaches */
  rf_time_us latest;
} counted_writer;

static int write_record(const rf_record *rec, void *payload) {
  counted_writer *cw = payload;
  cw->records++;
  rf_time_us t0, t1;
  if (cw->shown != NULL && rf_record_span(rec, &t0, &t1) && t1 > cw->latest) cw->latest = t1;
  if (cw->shown != NULL) progress_update(cw->shown, (uint64_t)cw->latest, cw->records);
  return rf_scenario_writer_write(cw->writer, rec);
}

static void list_knobs(const rf_sim_params *p, const char *preset) {
  printf("knobs of preset '%s' (set with --set NAME=VALUE):\n", preset);
  for (size_t i = 0; i < rf_sim_knob_count(); ++i) {
    char value[64];
    rf_sim_get(p, rf_sim_knob_name(i), value, sizeof value);
    printf("  %-22s %-10s %s\n", rf_sim_knob_name(i), value, rf_sim_knob_help(i));
  }
}

/* One line on stderr when the stream faults injected anything, so a run's conditions are known. */
static void print_faults(const rf_sim_faults *f) {
  if (f->duplicates + f->stray_ids + f->unknown_shelves + f->outage_held == 0) return;
  fprintf(stderr,
          "retailfuse: sim: injected %" PRIu64 " duplicates, %" PRIu64 " stray ids, %" PRIu64
          " unknown-shelf records, %" PRIu64 " records held by an outage\n",
          f->duplicates, f->stray_ids, f->unknown_shelves, f->outage_held);
}

/* ---- --render: the cameras' video ---- */

/* --video WxH, --fps NUM[:DEN], --video-set NAME=VALUE into *o; 0 or a usage error's status. */
static int sim_video_option(rf_sim_video_options *o, const char *flag, const char *value) {
  char *end;
  if (strcmp(flag, "--video") == 0) {
    long w = strtol(value, &end, 10), h = 0;
    if (end != value && (*end == 'x' || *end == 'X')) h = strtol(end + 1, &end, 10);
    if (*end != '\0' || w < 32 || w > 8192 || h < 32 || h > 8192)
      return usage_error("sim: --video needs WIDTHxHEIGHT, each 32 to 8192, got '%s'", value);
    o->width = (int)w;
    o->height = (int)h;
    return 0;
  }
  if (strcmp(flag, "--fps") == 0) {
    long num = strtol(value, &end, 10), den = 1;
    if (end != value && *end == ':') den = strtol(end + 1, &end, 10);
    if (*end != '\0' || num < 1 || den < 1 || num > 1000000 || den > 1000000 || num > 1000 * den)
      return usage_error("sim: --fps needs NUM[:DEN], at most 1000 frames a second, got '%s'",
                         value);
    o->fps_num = (int)num;
    o->fps_den = (int)den;
    return 0;
  }
  static const struct {
    const char *name;
    size_t offset;
  } knobs[] = {{"noise_sd", offsetof(rf_sim_video_options, noise_sd)},
               {"flicker", offsetof(rf_sim_video_options, flicker)},
               {"drift", offsetof(rf_sim_video_options, drift)},
               {"steps_per_hour", offsetof(rf_sim_video_options, steps_per_hour)},
               {"passers_per_min", offsetof(rf_sim_video_options, passers_per_min)},
               {"shakes_per_hour", offsetof(rf_sim_video_options, shakes_per_hour)}};
  const char *eq = strchr(value, '=');
  for (size_t k = 0; eq != NULL && k < sizeof knobs / sizeof knobs[0]; ++k) {
    if (strlen(knobs[k].name) != (size_t)(eq - value) ||
        strncmp(value, knobs[k].name, (size_t)(eq - value)) != 0)
      continue;
    double x = strtod(eq + 1, &end);
    if (end == eq + 1 || *end != '\0' || !(x >= 0 && x <= 3600))
      return usage_error("sim: --video-set %s needs a number", knobs[k].name);
    *(double *)((char *)o + knobs[k].offset) = x;
    return 0;
  }
  return usage_error("sim: --video-set needs NAME=VALUE, NAME one of noise_sd, flicker, drift, "
                     "steps_per_hour, passers_per_min, shakes_per_hour; got '%s'",
                     value);
}

/* The cameras' ids, in camera order, from their layout records. */
typedef struct camera_ids {
  char (*id)[64];
  size_t count;
} camera_ids;

static int keep_camera_id(const rf_record *rec, void *payload) {
  camera_ids *ids = payload;
  if (rec->type == RF_RECORD_CAMERA)
    snprintf(ids->id[ids->count++], sizeof ids->id[0], "%s", rec->u.camera.camera);
  return 0;
}

/* DIR/NAME written with `emit` (the layout or the visits) as JSON Lines. */
static int write_jsonl(const rf_sim_video *v, const char *dir, const char *name,
                       int (*emit)(const rf_sim_video *, rf_sim_sink, void *), uint64_t *records) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  counted_writer cw = {NULL, 0, NULL, 0};
  int rc = rf_scenario_writer_open(&cw.writer, path, NULL);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: cannot write '%s': %s\n", path, strerror(errno));
    return rc;
  }
  rc = emit(v, write_record, &cw);
  if (rc != 0)
    fprintf(stderr, "retailfuse: sim: %s: %s\n", path, rf_scenario_writer_errmsg(cw.writer));
  int closed = rf_scenario_writer_close(cw.writer);
  if (rc == 0 && closed != 0) fprintf(stderr, "retailfuse: sim: cannot write '%s'\n", path);
  *records = cw.records;
  return rc != 0 ? rc : closed;
}

/* Cameras rendered on up to two threads, each taking the next camera not yet taken. */
typedef struct render_work {
  const rf_sim_video *video;
  const char *dir;
  const camera_ids *ids;
  rf_y4m_info info;
  pthread_mutex_t lock;
  size_t next;
  int rc; /* the first failure */
  progress shown;
  uint64_t frames; /* written, over every camera */
} render_work;

/* Where one camera's frames go. */
typedef struct frame_sink {
  rf_y4m_writer *writer;
  render_work *work;
} frame_sink;

static int write_frame(size_t camera, int64_t index, rf_time_us t, const uint8_t *luma,
                       void *payload) {
  (void)camera, (void)index, (void)t;
  frame_sink *sink = payload;
  render_work *work = sink->work;
  pthread_mutex_lock(&work->lock);
  progress_update(&work->shown, ++work->frames, 0);
  pthread_mutex_unlock(&work->lock);
  return rf_y4m_write(sink->writer, luma);
}

/* DIR/<camera>.y4m: camera k's frames, Y4M mono. */
static int render_camera(render_work *work, size_t k) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.y4m", work->dir, work->ids->id[k]);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    int saved = errno;
    pthread_mutex_lock(&work->lock);
    progress_clear();
    fprintf(stderr, "retailfuse: cannot write '%s': %s\n", path, strerror(saved));
    pthread_mutex_unlock(&work->lock);
    return RF_EIO;
  }
  rf_y4m_writer *w = NULL;
  int rc = rf_y4m_writer_new(&w, f, &work->info, NULL);
  frame_sink sink = {w, work};
  if (rc == 0) rc = rf_sim_video_render(work->video, k, write_frame, &sink);
  rf_y4m_writer_free(w);
  if (fclose(f) != 0 && rc == 0) rc = RF_EIO;
  if (rc != 0) {
    pthread_mutex_lock(&work->lock);
    progress_clear();
    fprintf(stderr, "retailfuse: sim: %s: %s\n", path, rf_strerror(rc));
    pthread_mutex_unlock(&work->lock);
  }
  return rc;
}

static void *render_worker(void *arg) {
  render_work *work = arg;
  for (;;) {
    pthread_mutex_lock(&work->lock);
    size_t k = work->next++;
    int stop = work->rc != 0 || k >= work->ids->count;
    pthread_mutex_unlock(&work->lock);
    if (stop) return NULL;
    int rc = render_camera(work, k);
    pthread_mutex_lock(&work->lock);
    if (rc != 0 && work->rc == 0) work->rc = rc;
    pthread_mutex_unlock(&work->lock);
  }
}

/* Every camera's video, two at a time (a thread each; this one is the second). */
static int render_all(render_work *work) {
  pthread_t helper;
  int threads = work->ids->count > 1 && pthread_create(&helper, NULL, render_worker, work) == 0;
  render_worker(work);
  if (threads) pthread_join(helper, NULL);
  return work->rc;
}

static const char *video_error(int rc) {
  if (rc == RF_ELIMIT) return "the image is too small for a gondola's shelves";
  if (rc == RF_EINVAL) return "a video option is out of range (docs/simulator.md, \"Video\")";
  return rf_strerror(rc);
}

/* --render DIR: cameras.jsonl (camera and zone records), visits.jsonl (the hand visits'
 * truth) and a Y4M file per camera. */
static int sim_render(const rf_sim_video *v, const rf_sim_video_options *o, const char *dir) {
  int rc;
  camera_ids ids = {calloc(rf_sim_video_camera_count(v) + 1, sizeof *ids.id), 0};
  uint64_t layout = 0, visits = 0;
  rc = ids.id == NULL ? RF_ENOMEM : rf_sim_video_layout(v, keep_camera_id, &ids);
  if (rc == 0) rc = write_jsonl(v, dir, "cameras.jsonl", rf_sim_video_layout, &layout);
  if (rc == 0) rc = write_jsonl(v, dir, "visits.jsonl", rf_sim_video_visits, &visits);
  if (rc == 0) {
    render_work work = {v,
                        dir,
                        &ids,
                        {o->width, o->height, o->fps_num, o->fps_den, RF_Y4M_MONO, '?', 0, 0},
                        PTHREAD_MUTEX_INITIALIZER,
                        0,
                        0,
                        {0},
                        0};
    char label[80];
    snprintf(label, sizeof label, "sim: rendering %zu cameras", ids.count);
    progress_begin_count(&work.shown, label, "frames",
                         (uint64_t)rf_sim_video_frame_count(v) * ids.count);
    rc = render_all(&work);
    progress_end(&work.shown);
  }
  if (rc == 0)
    printf("%s: %zu cameras, %" PRId64 " frames each (%dx%d at %d:%d) in <camera>.y4m, %" PRIu64
           " camera and zone records in cameras.jsonl, %" PRIu64 " visits in visits.jsonl\n",
           dir, ids.count, rf_sim_video_frame_count(v), o->width, o->height, o->fps_num, o->fps_den,
           layout, visits);
  free(ids.id);
  return rc == 0 ? 0 : 1;
}

static int make_dir(const char *dir) {
  if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
  fprintf(stderr, "retailfuse: cannot create '%s': %s\n", dir, strerror(errno));
  return 1;
}

/* DIR/scenario and DIR/truth, in `format`; 0, or 1 after saying why on stderr. */
static int simulate(const rf_sim_params *params, uint64_t seed, const char *preset, const char *out,
                    rf_scenario_format format, sim_hands *hands) {
  char scenario_path[4096], truth_path[4096];
  const char *ext = format == RF_FORMAT_PB ? "pb" : "jsonl";
  snprintf(scenario_path, sizeof scenario_path, "%s/scenario.%s", out, ext);
  snprintf(truth_path, sizeof truth_path, "%s/truth.%s", out, ext);
  progress shown;
  counted_writer scenario = {NULL, 0, &shown, 0}, truth = {NULL, 0, NULL, 0};
  int rc = rf_scenario_writer_open(&scenario.writer, scenario_path, NULL);
  if (rc == 0) rc = rf_scenario_writer_open(&truth.writer, truth_path, NULL);
  if (rc == 0) rc = rf_scenario_writer_set_format(scenario.writer, format);
  if (rc == 0) rc = rf_scenario_writer_set_format(truth.writer, format);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: cannot write into '%s': %s\n", out, strerror(errno));
    rf_scenario_writer_close(scenario.writer);
    rf_scenario_writer_close(truth.writer);
    return 1;
  }
  rf_sim_faults faults;
  /* With --hands, the scenario's hand records are those files', in time. */
  rf_sim_sink scenario_sink = write_record;
  void *scenario_payload = &scenario;
  if (hands != NULL)
    scenario_sink = sim_hands_sink(hands, write_record, &scenario, &scenario_payload);
  char label[80];
  snprintf(label, sizeof label, "sim %s", preset);
  progress_begin_store_time(&shown, label,
                            params->duration_s > 0 ? (uint64_t)(params->duration_s * 1e6) : 0);
  rc = rf_sim_run_faults(params, seed, scenario_sink, scenario_payload, write_record, &truth, NULL,
                         &faults);
  if (rc == 0 && hands != NULL) rc = sim_hands_finish(hands);
  progress_end(&shown);
  int close_scenario = rf_scenario_writer_close(scenario.writer);
  int close_truth = rf_scenario_writer_close(truth.writer);
  if (rc == 0) rc = close_scenario ? close_scenario : close_truth;
  if (rc != 0) {
    fprintf(stderr, "retailfuse: sim failed: %s\n", rf_strerror(rc));
    return 1;
  }
  print_faults(&faults);
  printf("%s: preset %s, seed %" PRIu64 ": %" PRIu64 " records in scenario.%s, %" PRIu64
         " in truth.%s\n",
         out, preset, seed, scenario.records, ext, truth.records, ext);
  return 0;
}

/* The command line, parsed. */
typedef struct sim_args {
  const char *preset, *out, *render;
  char *hand_files[64];
  size_t hand_file_count;
  uint64_t seed;
  int list, video_args;
  rf_sim_video_options video;
  rf_scenario_format format;
  rf_sim_params params;
} sim_args;

enum {
  OPT_OUT,
  OPT_PRESET,
  OPT_SEED,
  OPT_LAYOUT_SEED,
  OPT_WEIGHTS,
  OPT_SET,
  OPT_LIST_KNOBS,
  OPT_FORMAT,
  OPT_RENDER,
  OPT_VIDEO,
  OPT_FPS,
  OPT_VIDEO_SET,
  OPT_HANDS,
  OPT_COUNT
};

static const cli_option sim_options[OPT_COUNT] = {
    [OPT_OUT] = {"--out", "-o", "DIR",
                 "write DIR/scenario.jsonl and DIR/truth.jsonl (.pb with --format pb); "
                 "required unless --render says"},
    [OPT_PRESET] = {"--preset", NULL, "NAME",
                    "the store and its shoppers: easy, busy (default), adversarial, day, large, "
                    "chaos, realistic, rush, group or blind"},
    [OPT_SEED] = {"--seed", NULL, "N", "the run's seed (default 1): the same seed, the same bytes"},
    [OPT_LAYOUT_SEED] = {"--layout-seed", NULL, "N",
                         "build the store from its own seed (0: the run's), so runs and layouts "
                         "vary apart"},
    [OPT_WEIGHTS] = {"--weights", NULL, "deltas|samples",
                     "segmented weight changes (default) or raw plate readings"},
    [OPT_SET] = {"--set", NULL, "KNOB=VALUE", "set a knob of the preset (repeatable)"},
    [OPT_LIST_KNOBS] = {"--list-knobs", NULL, NULL,
                        "list the preset's knobs with their values and meaning, and exit"},
    [OPT_FORMAT] = {"--format", NULL, "jsonl|pb", "JSON Lines (default) or protocol buffers"},
    [OPT_RENDER] = {"--render", NULL, "VDIR",
                    "film the store too, a camera per gondola: VDIR/<camera>.y4m, the cameras' "
                    "camera and zone records in VDIR/cameras.jsonl and the truth of their hand "
                    "visits in VDIR/visits.jsonl"},
    [OPT_VIDEO] = {"--video", NULL, "WxH", "the rendered frames' size (default 640x480)"},
    [OPT_FPS] = {"--fps", NULL, "NUM[:DEN]",
                 "the rendered frame rate (default 30:1), at most 1000 frames a second"},
    [OPT_VIDEO_SET] = {"--video-set", NULL, "NAME=VALUE",
                       "a knob of the rendering: noise_sd, flicker, drift, steps_per_hour, "
                       "passers_per_min or shakes_per_hour (repeatable)"},
    [OPT_HANDS] = {"--hands", NULL, "FILE",
                   "put the hand records of FILE (e.g. 'retailfuse zones' over the video) in the "
                   "scenario instead of the simulator's own (repeatable)"},
};

const cli_command sim_command = {
    "sim",
    "--out DIR [OPTION]...",
    "Simulates a store with ground truth: DIR/scenario.jsonl (what the sensors saw) and\n"
    "DIR/truth.jsonl (what happened); the same preset and seed give the same bytes. What the\n"
    "stream faults injected is counted on standard error, and while it runs, how much of the\n"
    "preset's time is simulated, when standard error is a terminal (RETAILFUSE_PROGRESS=0\n"
    "turns it off, =1 on). docs/simulator.md says what each knob models.\n",
    sim_options,
    OPT_COUNT,
    NULL};

/* One option at argv[*i] (and its value, *i moved past it). 0, or the exit status of a usage
 * error already printed. */
static int parse_option(sim_args *s, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  int opt = cli_option_find(&sim_command, a);
  if (opt < 0) return usage_error("sim: unknown argument '%s'", a);
  if (opt == OPT_LIST_KNOBS) {
    s->list = 1;
    return 0;
  }
  if (opt == OPT_PRESET) return ++*i, 0; /* taken first, by parse_sim_args */
  if (*i + 1 >= argc) {
    static const char *const needs[OPT_COUNT] = {[OPT_SEED] = "a number",
                                                 [OPT_LAYOUT_SEED] = "a number",
                                                 [OPT_OUT] = "a directory",
                                                 [OPT_WEIGHTS] = "samples or deltas",
                                                 [OPT_SET] = "NAME=VALUE",
                                                 [OPT_FORMAT] = "jsonl or pb",
                                                 [OPT_HANDS] = "a file of hand records",
                                                 [OPT_RENDER] = "a directory",
                                                 [OPT_VIDEO] = "a value",
                                                 [OPT_FPS] = "a value",
                                                 [OPT_VIDEO_SET] = "a value"};
    return usage_error("sim: %s needs %s", a, needs[opt]);
  }
  const char *value = argv[++*i];
  if (opt == OPT_SEED) {
    char *end;
    errno = 0;
    s->seed = strtoull(value, &end, 10);
    if (errno != 0 || *end != '\0' || end == value)
      return usage_error("sim: --seed needs a number");
  } else if (opt == OPT_LAYOUT_SEED) {
    /* The store's own seed: held-out evaluations pair unseen runs with unseen layouts. */
    if (rf_sim_set(&s->params, "layout_seed", value) != 0)
      return usage_error("sim: --layout-seed needs a number from 0 (the run's seed) to 2147483647");
  } else if (opt == OPT_OUT) {
    s->out = value;
  } else if (opt == OPT_WEIGHTS) {
    if (strcmp(value, "deltas") == 0) s->params.samples_mode = 0;
    else if (strcmp(value, "samples") == 0) s->params.samples_mode = 1;
    else return usage_error("sim: --weights takes samples or deltas, not '%s'", value);
  } else if (opt == OPT_SET) {
    char knob[64];
    const char *eq = strchr(value, '=');
    if (eq == NULL || (size_t)(eq - value) >= sizeof knob)
      return usage_error("sim: --set needs NAME=VALUE, got '%s'", value);
    memcpy(knob, value, (size_t)(eq - value));
    knob[eq - value] = '\0';
    int rc = rf_sim_set(&s->params, knob, eq + 1);
    if (rc == RF_ENOTFOUND) return usage_error("sim: no knob '%s' (see --list-knobs)", knob);
    if (rc != 0) return usage_error("sim: '%s' is not a valid value for %s", eq + 1, knob);
  } else if (opt == OPT_FORMAT) {
    if (strcmp(value, "jsonl") == 0) s->format = RF_FORMAT_JSONL;
    else if (strcmp(value, "pb") == 0) s->format = RF_FORMAT_PB;
    else return usage_error("sim: --format takes jsonl or pb, not '%s'", value);
  } else if (opt == OPT_HANDS) {
    if (s->hand_file_count == sizeof s->hand_files / sizeof s->hand_files[0])
      return usage_error("sim: at most 64 --hands files");
    s->hand_files[s->hand_file_count++] = argv[*i];
  } else if (opt == OPT_RENDER) {
    s->render = value;
  } else { /* --video, --fps, --video-set */
    s->video_args = 1;
    return sim_video_option(&s->video, sim_options[opt].name, value);
  }
  return 0;
}

static int parse_sim_args(sim_args *s, int argc, char **argv) {
  memset(s, 0, sizeof *s);
  s->preset = "busy";
  s->seed = 1;
  s->format = RF_FORMAT_JSONL;
  rf_sim_video_options_init(&s->video);
  /* Presets first, so --set applies on top whatever the order on the line. */
  for (int i = 1; i + 1 < argc; ++i)
    if (strcmp(argv[i], "--preset") == 0) s->preset = argv[i + 1];
  if (rf_sim_preset(&s->params, s->preset) != 0)
    return usage_error("sim: unknown preset '%s' (easy, busy, adversarial, day, large, chaos, "
                       "realistic, rush, group, blind)",
                       s->preset);
  for (int i = 1; i < argc; ++i) {
    int rc = parse_option(s, argc, argv, &i);
    if (rc != 0) return rc;
  }
  if (s->video_args && s->render == NULL && !s->list)
    return usage_error("sim: --video, --fps and --video-set go with --render DIR");
  if (s->out == NULL) s->out = s->render; /* the scenario and truth beside the video */
  if (s->out == NULL && !s->list)
    return usage_error("sim: --out DIR is required (or --render DIR)");
  return 0;
}

int cmd_sim(int argc, char **argv) {
  sim_args a;
  int rc = parse_sim_args(&a, argc, argv);
  if (rc != 0) return rc;
  if (a.list) {
    list_knobs(&a.params, a.preset);
    return 0;
  }
  char msg[256];
  if (rf_sim_check(&a.params, msg, sizeof msg) != 0) {
    fprintf(stderr, "retailfuse: sim: %s\n", msg);
    return 1;
  }
  /* The video first, so a size or option it refuses stops the command before it writes. */
  rf_sim_video *v = NULL;
  int made = a.render != NULL ? rf_sim_video_new(&v, &a.params, a.seed, &a.video, NULL) : 0;
  if (made != 0) {
    fprintf(stderr, "retailfuse: sim: cannot render: %s\n", video_error(made));
    return 1;
  }
  sim_hands *hands = NULL;
  if (a.hand_file_count > 0 && sim_hands_load(&hands, a.hand_files, a.hand_file_count) != 0) {
    rf_sim_video_free(v);
    return 1;
  }
  int status = make_dir(a.out) || (a.render != NULL && make_dir(a.render))
                   ? 1
                   : simulate(&a.params, a.seed, a.preset, a.out, a.format, hands);
  if (status == 0 && hands != NULL)
    printf("%s: the simulator's hands replaced by %zu from --hands\n", a.out,
           sim_hands_count(hands));
  if (status == 0 && v != NULL) status = sim_render(v, &a.video, a.render);
  sim_hands_free(hands);
  rf_sim_video_free(v);
  return status;
}
