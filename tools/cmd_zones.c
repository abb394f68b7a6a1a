/* retailfuse zones: hand visits from a camera's frames — a Y4M file, or a camera on this machine
 * through libcamera — found in the shelf zones of a config file (camera and zone records) and
 * written as hand records. A config record that cannot be read is reported and left out; frames
 * of the wrong size stop the run (the zones would mean nothing). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

enum {
  OPT_CONFIG,
  OPT_NAME,
  OPT_Y4M,
  OPT_CAMERA,
  OPT_OUT,
  OPT_BACKGROUND,
  OPT_BATCH,
  OPT_FRAMES,
  OPT_COUNT
};

static const cli_option zones_options[OPT_COUNT] = {
    [OPT_CONFIG] = {"--config", NULL, "FILE",
                    "camera and zone records (docs/format.md); other records are ignored"},
    [OPT_NAME] = {"--name", NULL, "CAMERA", "the config's camera to use, when it has several"},
    [OPT_Y4M] = {"--y4m", NULL, "FILE",
                 "frames from a YUV4MPEG2 file (4:2:0 or mono; '-' for standard input), frame i "
                 "at the camera's t0 + i x 10^6 x den / num microseconds"},
    [OPT_CAMERA] = {"--camera", NULL, "ID",
                    "frames from libcamera's camera ID ('retailfuse cameras' lists them), "
                    "stamped on the system clock (microseconds since 1970); until --frames or an "
                    "interrupt"},
    [OPT_OUT] = {"-o", NULL, "OUT",
                 "where the hand records go (default: standard output; .pb: protocol buffers)"},
    [OPT_BACKGROUND] = {"--background", NULL, "M",
                        "the background model: eigen (default; through OpenBLAS), eigen-plain "
                        "(the same in plain C), average (a running average: the baseline)"},
    [OPT_BATCH] = {"--batch", NULL, "N", "frames projected together, 1..64 (8)"},
    [OPT_FRAMES] = {"--frames", NULL, "N", "stop after N frames"},
};

const cli_command zones_command = {
    "zones",
    "--config ZONES.jsonl (--y4m FILE | --camera ID) [OPTION]...",
    "Finds hands reaching into a camera's shelf zones and writes each visit as a hand record\n"
    "(no shopper; source the camera; t0, t1, x along the shelf, conf).\n",
    zones_options,
    OPT_COUNT,
    "At the end a line on standard error counts the frames, the visits, and what was not a\n"
    "hand (too short, from the side, too wide, disturbed frames).\n"};

/* The config's chosen camera and its zones, with their own copies of every string. */
typedef struct config {
  rf_camera_rec camera;
  rf_zone_rec *zones;
  size_t zone_count, zone_cap;
  int found;
  char **strings;
  size_t string_count, string_cap;
} config;

static const char *keep(config *c, const char *s) {
  if (c->string_count == c->string_cap) {
    size_t cap = c->string_cap ? 2 * c->string_cap : 16;
    char **grown = realloc(c->strings, cap * sizeof *grown);
    if (grown == NULL) return NULL;
    c->strings = grown;
    c->string_cap = cap;
  }
  char *copy = strdup(s);
  if (copy != NULL) c->strings[c->string_count++] = copy;
  return copy;
}

static void config_free(config *c) {
  for (size_t i = 0; i < c->string_count; i++) free(c->strings[i]);
  free(c->strings);
  free(c->zones);
}

static int add_zone(config *c, const rf_zone_rec *z) {
  if (c->zone_count == c->zone_cap) {
    size_t cap = c->zone_cap ? 2 * c->zone_cap : 8;
    rf_zone_rec *grown = realloc(c->zones, cap * sizeof *grown);
    if (grown == NULL) return -1;
    c->zones = grown;
    c->zone_cap = cap;
  }
  rf_zone_rec *dst = &c->zones[c->zone_count];
  *dst = *z;
  dst->camera = c->camera.camera;
  dst->shelf = keep(c, z->shelf);
  if (dst->shelf == NULL) return -1;
  c->zone_count++;
  return 0;
}

/* One config record: the camera (the named one, or the first when none is named — a second
 * camera without --name is an error), or one of its zones. Returns 0, or 1 on an error already
 * printed. */
static int take(config *c, const rf_record *r, const char *name, const char *path) {
  if (r->type == RF_RECORD_CAMERA) {
    const rf_camera_rec *cam = &r->u.camera;
    if (name != NULL && strcmp(cam->camera, name) != 0) return 0;
    if (c->found) {
      fprintf(stderr,
              "retailfuse: zones: %s has several cameras (%s, %s): choose one with --name\n", path,
              c->camera.camera, cam->camera);
      return 1;
    }
    c->camera = *cam;
    c->camera.camera = keep(c, cam->camera);
    c->found = 1;
    return c->camera.camera == NULL;
  }
  if (r->type != RF_RECORD_ZONE || !c->found) return 0;
  if (strcmp(r->u.zone.camera, c->camera.camera) != 0) return 0;
  if (add_zone(c, &r->u.zone) == 0) return 0;
  fputs("retailfuse: zones: out of memory\n", stderr);
  return 1;
}

static int load_config(config *c, const char *path, const char *name) {
  rf_scenario_reader *reader = NULL;
  errno = 0;
  if (rf_scenario_reader_open(&reader, path, NULL, NULL) != 0) {
    fprintf(stderr, "retailfuse: zones: cannot open '%s': %s\n", path,
            errno ? strerror(errno) : "failed");
    return 1;
  }
  rf_record rec;
  int rc, status = 0;
  while (status == 0 && (rc = rf_scenario_reader_next(reader, &rec)) != RF_ITEROVER) {
    if (rc == 0) status = take(c, &rec, name, path);
    else fprintf(stderr, "retailfuse: zones: %s: %s\n", path, rf_scenario_reader_errmsg(reader));
    if (rc == RF_EIO || rc == RF_ENOMEM) status = 1;
  }
  rf_scenario_reader_free(reader);
  if (status == 0 && !c->found) {
    if (name) fprintf(stderr, "retailfuse: zones: %s has no camera '%s'\n", path, name);
    else fprintf(stderr, "retailfuse: zones: %s has no camera record\n", path);
    status = 1;
  }
  if (status == 0 && c->zone_count == 0) {
    fprintf(stderr, "retailfuse: zones: %s has no zone of camera %s\n", path, c->camera.camera);
    status = 1;
  }
  return status;
}

typedef struct zones_args {
  const char *config, *y4m, *camera_id, *name, *out;
  rf_detector_options options;
  long long frames; /* 0: all */
} zones_args;

static int write_hand(const rf_record *r, void *payload) {
  return rf_scenario_writer_write(payload, r);
}

/* Frames from a Y4M file, each at the camera's t0 and the file's own rate. */
static int from_y4m(rf_detector *d, const zones_args *a, const rf_camera_rec *cam) {
  FILE *in = strcmp(a->y4m, "-") == 0 ? stdin : fopen(a->y4m, "rb");
  if (in == NULL) {
    fprintf(stderr, "retailfuse: zones: cannot open '%s': %s\n", a->y4m, strerror(errno));
    return 1;
  }
  char err[256] = "";
  rf_y4m_reader *r = NULL;
  int status = 0;
  if (rf_y4m_reader_new(&r, in, NULL, err, sizeof err) != 0) {
    fprintf(stderr, "retailfuse: zones: %s: %s\n", a->y4m, err);
    status = 1;
  }
  const rf_y4m_info *info = status ? NULL : rf_y4m_reader_info(r);
  if (info && (info->width != cam->width || info->height != cam->height)) {
    fprintf(stderr, "retailfuse: zones: %s is %dx%d, camera %s is %dx%d\n", a->y4m, info->width,
            info->height, cam->camera, cam->width, cam->height);
    status = 1;
  }
  uint8_t *luma = status ? NULL : malloc((size_t)cam->width * (size_t)cam->height);
  if (status == 0 && luma == NULL) {
    fputs("retailfuse: zones: out of memory\n", stderr);
    status = 1;
  }
  for (int64_t i = 0; status == 0 && (a->frames == 0 || i < a->frames); i++) {
    int rc = rf_y4m_read(r, luma);
    if (rc == 0) break;
    if (rc < 0) {
      fprintf(stderr, "retailfuse: zones: %s: %s\n", a->y4m, rf_y4m_reader_errmsg(r));
      status = 1;
      break;
    }
    rf_time_us t = rf_frame_time(cam->t0, i, info->fps_num, info->fps_den);
    if ((rc = rf_detector_frame(d, luma, (size_t)cam->width, t)) != 0) {
      fprintf(stderr, "retailfuse: zones: frame %lld: %s\n", (long long)i, rf_strerror(rc));
      status = 1;
    }
  }
  free(luma);
  rf_y4m_reader_free(r);
  if (in != stdin) fclose(in);
  return status;
}

static volatile sig_atomic_t interrupted;
static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

/* Microseconds to add to a sensor timestamp (CLOCK_BOOTTIME) to put it on the system clock. */
static int64_t boot_to_epoch_us(void) {
  struct timespec real, boot;
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  return ((int64_t)real.tv_sec - boot.tv_sec) * 1000000 + (real.tv_nsec - boot.tv_nsec) / 1000;
}

/* Frames from libcamera until --frames or an interrupt, stamped on the system clock. */
static int from_camera(rf_detector *d, const zones_args *a, const rf_camera_rec *cam) {
  char err[256] = "";
  rf_capture *c = NULL;
  if (rf_capture_open(&c, a->camera_id, cam->width, cam->height, err, sizeof err) != 0) {
    fprintf(stderr, "retailfuse: zones: camera %s: %s\n", a->camera_id, err);
    return 1;
  }
  int w, h, status = 0;
  size_t stride;
  rf_capture_size(c, &w, &h, &stride);
  if (w != cam->width || h != cam->height) {
    fprintf(stderr, "retailfuse: zones: camera %s gives %dx%d frames, %s's zones are for %dx%d\n",
            a->camera_id, w, h, cam->camera, cam->width, cam->height);
    status = 1;
  }
  signal(SIGINT, on_interrupt);
  signal(SIGTERM, on_interrupt);
  int64_t offset = boot_to_epoch_us();
  for (long long i = 0; status == 0 && !interrupted && (a->frames == 0 || i < a->frames);) {
    const uint8_t *luma;
    int64_t ns;
    int rc = rf_capture_next(c, &luma, &ns, 1000);
    if (rc == 0) continue;
    if (rc < 0) {
      fprintf(stderr, "retailfuse: zones: camera %s: %s\n", a->camera_id, rf_capture_errmsg(c));
      status = 1;
      break;
    }
    rc = rf_detector_frame(d, luma, stride, offset + ns / 1000);
    if (rc != 0 && rc != RF_ELATE) status = 1; /* a repeated timestamp: the frame is dropped */
    i++;
  }
  rf_capture_close(c);
  return status;
}

static void summary(const rf_detector *d) {
  rf_detector_stats s;
  rf_detector_get_stats(d, &s);
  fprintf(stderr,
          "retailfuse: zones: %lld frames, %lld visits; not hands: %lld too short, %lld from the "
          "side, %lld too wide; %lld zone-frames disturbed\n",
          (long long)s.frames, (long long)s.visits, (long long)s.too_short, (long long)s.from_side,
          (long long)s.too_wide, (long long)s.disturbed);
}

static int detect(const zones_args *a, const config *c) {
  char err[256] = "";
  rf_detector *d = NULL;
  if (rf_detector_new(&d, &c->camera, c->zones, c->zone_count, &a->options, NULL, err,
                      sizeof err) != 0) {
    fprintf(stderr, "retailfuse: zones: %s: %s\n", a->config, err);
    return 1;
  }
  rf_scenario_writer *w = NULL;
  const char *out = a->out ? a->out : "-";
  errno = 0;
  if (rf_scenario_writer_open(&w, out, NULL) != 0 ||
      rf_scenario_writer_set_format(w, rf_scenario_format_of_path(out)) != 0) {
    fprintf(stderr, "retailfuse: zones: cannot write '%s': %s\n", out,
            errno ? strerror(errno) : "failed");
    rf_scenario_writer_close(w);
    rf_detector_free(d);
    return 1;
  }
  rf_detector_set_output(d, write_hand, w);
  int status = a->y4m ? from_y4m(d, a, &c->camera) : from_camera(d, a, &c->camera);
  /* What was seen before a bad frame is kept: the visits in progress end there. */
  if (rf_detector_finish(d) != 0) status = 1;
  if (rf_scenario_writer_close(w) != 0) {
    fprintf(stderr, "retailfuse: zones: cannot write '%s'\n", out);
    status = 1;
  }
  summary(d);
  rf_detector_free(d);
  return status;
}

static int parse(int argc, char **argv, zones_args *a) {
  rf_detector_options_init(&a->options);
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    int k = i + 1 < argc ? cli_option_find(&zones_command, opt) : -1;
    if (k == OPT_CONFIG) a->config = argv[++i];
    else if (k == OPT_Y4M) a->y4m = argv[++i];
    else if (k == OPT_CAMERA) a->camera_id = argv[++i];
    else if (k == OPT_NAME) a->name = argv[++i];
    else if (k == OPT_OUT) a->out = argv[++i];
    else if (k == OPT_BACKGROUND) {
      int m = rf_background_parse(argv[++i]);
      if (m < 0) return usage_error("zones: --background takes eigen, eigen-plain or average");
      a->options.background = (rf_background)m;
    } else if (k == OPT_BATCH) {
      char *end;
      long n = strtol(argv[++i], &end, 10);
      if (*end || n < 1 || n > 64) return usage_error("zones: --batch takes 1..64");
      a->options.batch = (int)n;
    } else if (k == OPT_FRAMES) {
      char *end;
      a->frames = strtoll(argv[++i], &end, 10);
      if (*end || a->frames < 1) return usage_error("zones: --frames takes a count >= 1");
    } else return usage_error("zones: unknown option or missing value '%s'", opt);
  }
  if (a->config == NULL) return usage_error("zones: needs --config ZONES.jsonl");
  if ((a->y4m == NULL) == (a->camera_id == NULL))
    return usage_error("zones: needs one of --y4m FILE and --camera ID");
  return 0;
}

int cmd_zones(int argc, char **argv) {
  zones_args a;
  memset(&a, 0, sizeof a);
  int rc = parse(argc, argv, &a);
  if (rc != 0) return rc;
  config c;
  memset(&c, 0, sizeof c);
  int status = load_config(&c, a.config, a.name);
  if (status == 0) status = detect(&a, &c);
  config_free(&c);
  return status;
}
