/* retailfuse review SCENARIO OUTPUT --html REPORT.html: the reviewer's page. One self-contained
 * HTML file (inline SVG and script, nothing fetched) with every flagged decision of OUTPUT (every
 * one with --all), most at stake first, each with a timeline figure of what the scenario shows
 * around it and a choice that the page downloads as review records (docs/review.md). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "help.h"
#include "review.h"

enum { OPT_HTML, OPT_ALL, OPT_WINDOW, OPT_COUNT };

static const cli_option review_options[OPT_COUNT] = {
    [OPT_HTML] = {"--html", NULL, "REPORT.html", "the page to write (required)"},
    [OPT_ALL] = {"--all", NULL, NULL, "every decision that moved items, not only the flagged ones"},
    [OPT_WINDOW] = {"--window", NULL, "SECONDS",
                    "time shown either side of each change (default 5, at most 60)"},
};

/* The command's help (help.h): main.c may print it for `review --help` and `help review`; the
 * command answers --help itself too. */
const cli_command review_command = {
    "review",
    "SCENARIO OUTPUT --html REPORT.html [--all] [--window SECONDS]",
    "Writes one self-contained HTML page for a reviewer: every flagged decision of OUTPUT (what\n"
    "'retailfuse run SCENARIO -o OUTPUT --explain' wrote), most at stake first (the chance it\n"
    "is wrong times the items it moved), each with a figure of its shelf's plate weights, the\n"
    "hand visits on the shelf by shopper and the candidates' distance to the shelf around it,\n"
    "the alternatives with their probabilities, and a choice: accept, an alternative, nobody,\n"
    "or other items. The page downloads the verdicts as review records (verdicts.jsonl) for\n"
    "'retailfuse run --reviews'. Nothing is fetched: the page opens offline.\n",
    review_options,
    OPT_COUNT,
    "When OUTPUT has no explain records, the scenario is decided again with the engine's\n"
    "default parameters and explanations on. Lines that do not read are reported and left out.\n"
    "docs/review.md describes the page.\n"};

typedef struct review_args {
  const char *scenario, *output, *html;
  int all;
  double window_s;
} review_args;

/* 0, or the exit status of a usage error. */
static int parse_args(int argc, char **argv, review_args *a) {
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int opt = cli_option_find(&review_command, arg);
    if (opt == OPT_HTML) {
      if (++i >= argc) return usage_error("review: --html needs a file name");
      a->html = argv[i];
    } else if (opt == OPT_WINDOW) {
      char *end = NULL;
      if (++i < argc) a->window_s = strtod(argv[i], &end);
      if (i >= argc || end == argv[i] || *end != '\0' || !(a->window_s >= 0.0) ||
          a->window_s > 60.0)
        return usage_error("review: --window needs a number of seconds within [0, 60]");
    } else if (opt == OPT_ALL) {
      a->all = 1;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      return usage_error("review: unknown option '%s'", arg);
    } else if (a->scenario == NULL) {
      a->scenario = arg;
    } else if (a->output == NULL) {
      a->output = arg;
    } else {
      return usage_error("review: takes SCENARIO and OUTPUT, got a third file '%s'", arg);
    }
  }
  if (a->scenario == NULL || a->output == NULL)
    return usage_error("review: needs SCENARIO and OUTPUT");
  if (a->html == NULL) return usage_error("review: --html REPORT.html is required");
  return 0;
}

static void report_left_out(const review_args *a, const rv_report *r) {
  if (r->output_lines_bad > RV_SHOWN_ERRORS)
    fprintf(stderr, "%s: ... and %llu more\n", a->output,
            (unsigned long long)(r->output_lines_bad - RV_SHOWN_ERRORS));
  if (r->output_lines_bad > 0)
    fprintf(stderr, "%s: %llu line%s set aside (not read)\n", a->output,
            (unsigned long long)r->output_lines_bad, r->output_lines_bad == 1 ? "" : "s");
  if (r->scene_lines_bad > RV_SHOWN_ERRORS)
    fprintf(stderr, "%s: ... and %llu more\n", a->scenario,
            (unsigned long long)(r->scene_lines_bad - RV_SHOWN_ERRORS));
  if (r->scene_lines_bad > 0)
    fprintf(stderr, "%s: %llu line%s set aside (not read)\n", a->scenario,
            (unsigned long long)r->scene_lines_bad, r->scene_lines_bad == 1 ? "" : "s");
  if (r->missing_diffs > 0)
    fprintf(stderr, "%s: %zu explanation%s name%s diffs the file does not hold: left out\n",
            a->output, r->missing_diffs, r->missing_diffs == 1 ? "" : "s",
            r->missing_diffs == 1 ? "s" : "");
}

static int review(const review_args *a, rv_report *r) {
  char err[800] = "";
  int rc = rv_read_output(r, a->output, err, sizeof err);
  if (rc == 0 && r->explains == 0) {
    fprintf(stderr,
            "%s has no explanations (retailfuse run --explain): deciding %s again with default "
            "parameters\n",
            a->output, a->scenario);
    r->diff_count = 0;
    r->decision_count = 0;
    r->output_lines_bad = 0;
    if (strcmp(a->scenario, "-") == 0) {
      snprintf(err, sizeof err, "%s: read twice, so it cannot be standard input", a->scenario);
      rc = RF_EINVAL;
    } else {
      rc = rv_decide_again(r, a->scenario, err, sizeof err);
    }
  }
  if (rc == 0 && (rc = rv_select(r)) != 0) snprintf(err, sizeof err, "out of memory");
  if (rc == 0) rc = rv_read_scene(r, a->scenario, err, sizeof err);
  size_t bytes = 0;
  if (rc == 0) rc = rv_write_page(r, a->html, a->scenario, a->output, &bytes, err, sizeof err);
  report_left_out(a, r);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: review: %s\n", err);
    return 1;
  }
  if (r->setaside > 0)
    fprintf(stderr, "%s: %llu record%s set aside by the engine\n", a->scenario,
            (unsigned long long)r->setaside, r->setaside == 1 ? "" : "s");
  size_t flagged = 0;
  for (size_t k = 0; k < r->decision_count; ++k) flagged += r->decisions[k].flagged ? 1 : 0;
  printf("%s: %zu decision%s (%zu flagged) of %zu changes decided, %.1f kB\n", a->html,
         r->decision_count, r->decision_count == 1 ? "" : "s", flagged, r->explains,
         (double)bytes / 1000.0);
  return 0;
}

int cmd_review(int argc, char **argv) {
  if (cli_help_asked(argc, argv)) {
    cli_print_help(stdout, &review_command);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
  }
  review_args a = {.window_s = 5.0};
  int rc = parse_args(argc, argv, &a);
  if (rc != 0) return rc;
  rv_report r = {.all = a.all, .window_s = a.window_s};
  if (rv_pool_new(&r.pool) != 0) {
    fprintf(stderr, "retailfuse: review: out of memory\n");
    return 1;
  }
  int status = review(&a, &r);
  rv_report_free(&r);
  return status;
}
