/* retailfuse — the command line: validate and run scenario files. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

static const char help_text[] =
    "usage: retailfuse COMMAND [ARGS]\n"
    "\n"
    "Decides who took what in a cashier-less store from shelf weight changes and camera hand\n"
    "visits, given as a scenario file: JSON Lines, or their protocol-buffer twins (.pb), which\n"
    "every command reads alike.\n"
    "\n"
    "commands:\n"
    "  validate [--lateness SECONDS] [--source-delay SOURCE=SECONDS]... [--max-errors N] FILE\n"
    "        check a scenario file; print the store's size and the count of each record type,\n"
    "        or the first errors with their line numbers (exit status 1)\n"
    "  run FILE [-o OUT] [--method fused|greedy] [--param NAME=VALUE]... [--list-params]\n"
    "      [--explain] [--reviews FILE]\n"
    "      [--source-delay SOURCE=SECONDS]... [--rejects FILE] [--strict] [--sources]\n"
    "      [--journal DIR [--resume] [--journal-sync every|interval|never]]\n"
    "      [--calibration OUT.json] [--calibration-seed IN.json]\n"
    "        read a scenario and write cart diffs and receipts to OUT (default: standard output;\n"
    "        protocol buffers when OUT ends in .pb);\n"
    "        --param sets an engine parameter (--list-params shows them with their bounds);\n"
    "        records that cannot be used are set aside and counted (--rejects lists them, one\n"
    "        JSON line each); --strict stops at the first instead (exit status 1); --sources\n"
    "        prints each source's records and delays at the end; --journal journals every\n"
    "        record before the method takes it (into an empty DIR), and --resume restores a\n"
    "        killed run from DIR and goes on from where it stopped, writing OUT again whole;\n"
    "        --calibration writes the plate gains and product weights the engine learned,\n"
    "        --calibration-seed starts from such a file (yesterday's)\n"
    "  sim --out DIR [--preset NAME] [--seed N] [--layout-seed N] [--weights deltas|samples]\n"
    "      [--set KNOB=VALUE]... [--format jsonl|pb]\n"
    "      [--render VDIR [--video WxH] [--fps NUM[:DEN]] [--video-set NAME=VALUE]...]\n"
    "      [--hands FILE]...\n"
    "        simulate a store: DIR/scenario.jsonl and DIR/truth.jsonl (.pb); presets easy, busy,\n"
    "        adversarial, day, large, chaos (busy with late, duplicated and stray records);\n"
    "        --list-knobs shows every knob of the preset; --render films it too, a camera per\n"
    "        gondola: VDIR/<camera>.y4m (640x480 at 30:1 unless --video, --fps say), their\n"
    "        camera and zone records in VDIR/cameras.jsonl, the truth of their hand visits in\n"
    "        VDIR/visits.jsonl; --video-set noise_sd, flicker, drift, steps_per_hour,\n"
    "        passers_per_min, shakes_per_hour (DIR is VDIR unless --out says); --hands puts\n"
    "        the hand records of FILE (e.g. 'retailfuse zones' over that video) in the\n"
    "        scenario instead of the simulator's own\n"
    "  eval --truth TRUTH OUTPUT [--json]\n"
    "        score an output against the ground truth: receipt precision, recall, F1, exact\n"
    "        receipts, review rate, calibration, errors by cause\n"
    "  convert IN OUT [--to pb|jsonl]\n"
    "        convert a scenario, output or truth file between JSON Lines and protocol buffers\n"
    "        (the format from OUT's extension, .pb or other, unless --to says); records that\n"
    "        cannot be read are reported and left out (exit status 1)\n"
    "  serve --store STORE --listen ADDR... [--journal DIR] [--param NAME=VALUE]... [...]\n"
    "        run the store's engine as a service: gateways send records to ADDR\n"
    "        (tcp://HOST:PORT or unix:PATH), subscribers get diffs and receipts as they are\n"
    "        made; 'retailfuse serve --help' for every option\n"
    "  feed FILE --to ADDR [--speed X] [--finish]\n"
    "        send a scenario's events to a service, one connection per source, resending what\n"
    "        was not acknowledged; --finish ends the day\n"
    "  watch ADDR [-o OUT] [--from SEQ] [--until-finish]\n"
    "        write a service's diffs and receipts as they are made, resuming after a drop\n"
    "  zones --config ZONES.jsonl (--y4m FILE | --camera ID) [--name CAMERA] [-o OUT]\n"
    "        find hands in a camera's shelf zones and write them as hand records\n"
    "  cameras\n"
    "        list the cameras libcamera sees on this machine\n"
    "  review SCENARIO OUTPUT --html REPORT.html [--all] [--window SECONDS]\n"
    "        a reviewer's page of the flagged decisions: a timeline figure each and a choice\n"
    "        that downloads verdicts (review records for 'run --reviews')\n"
    "  demo [--preset NAME] [--seed N]\n"
    "        simulate a store (busy by default), run the methods, and compare their scores\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the version\n"
    "\n"
    "FILE may be '-' for standard input. 'retailfuse COMMAND --help' (or 'retailfuse help\n"
    "COMMAND') shows a command's usage and every option it takes.\n";

int usage_error(const char *fmt, ...) {
  va_list ap;
  fputs("retailfuse: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs(" (try 'retailfuse --help')\n", stderr);
  return EXIT_USAGE;
}

/* Each command: its name, its function and its help (NULL: it answers --help itself). */
static const struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const cli_command *help;
} commands[] = {{"validate", cmd_validate, &validate_command},
                {"run", cmd_run, &run_command},
                {"serve", cmd_serve, &serve_command},
                {"feed", cmd_feed, &feed_command},
                {"watch", cmd_watch, &watch_command},
                {"sim", cmd_sim, &sim_command},
                {"eval", cmd_eval, &eval_command},
                {"zones", cmd_zones, &zones_command},
                {"cameras", cmd_cameras, &cameras_command},
                {"demo", cmd_demo, &demo_command},
                {"convert", cmd_convert, &convert_command},
                {"review", cmd_review, &review_command}};

static const struct command *find_command(const char *name) {
  for (size_t k = 0; k < sizeof commands / sizeof commands[0]; ++k)
    if (strcmp(commands[k].name, name) == 0) return &commands[k];
  return NULL;
}

/* A command's help on standard output: 0, or 1 when it could not be written. */
static int print_help(const cli_command *c) {
  cli_print_help(stdout, c);
  return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

/* retailfuse help [COMMAND]: the overview, or a command's help as `COMMAND --help` gives it. */
static int help(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fputs(help_text, stdout);
    return 0;
  }
  if (argc > 2) return usage_error("help: takes one COMMAND, got '%s' and '%s'", argv[1], argv[2]);
  const struct command *c = find_command(argv[1]);
  if (c == NULL) return usage_error("help: unknown command '%s'", argv[1]);
  if (c->help != NULL) return print_help(c->help);
  static char flag[] = "--help";
  char *args[] = {argv[1], flag, NULL};
  return c->fn(2, args);
}

int main(int argc, char **argv) {
  if (argc < 2) return usage_error("no command given");
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
    fputs(help_text, stdout);
    return 0;
  }
  if (strcmp(cmd, "help") == 0) return help(argc - 1, argv + 1);
  if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
    if (rf_version() != RF_VERSION_NUMBER) {
      fprintf(stderr, "retailfuse: built with headers %s but linked with library %s\n",
              RF_VERSION_STRING, rf_version_string());
      return 1;
    }
    printf("retailfuse %s\n", rf_version_string());
    return 0;
  }
  const struct command *c = find_command(cmd);
  if (c == NULL) return usage_error("unknown command '%s'", cmd);
  /* -h or --help anywhere among a command's arguments: its help, whatever else is there. */
  if (c->help != NULL && cli_help_asked(argc - 1, argv + 1)) return print_help(c->help);
  return c->fn(argc - 1, argv + 1);
}
