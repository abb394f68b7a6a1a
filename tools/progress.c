#include "progress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DRAW_EVERY_S 0.2  /* at most five lines a second */
#define MOST_STRIDE 4096  /* updates between two looks at the clock, at most */
#define RATE_AFTER_S 0.05 /* a rate over less time says little */
#define DEFAULT_WIDTH 80  /* when standard error is no terminal */
#define MOST_LINE 256

static progress *drawn; /* the progress whose line is on the screen */

int progress_wanted(void) {
  const char *env = getenv("RETAILFUSE_PROGRESS");
  if (env != NULL && strcmp(env, "1") == 0) return 1;
  if (env != NULL && strcmp(env, "0") == 0) return 0;
  return isatty(STDERR_FILENO);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The terminal's columns, or DEFAULT_WIDTH. */
static int columns(void) {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return DEFAULT_WIDTH;
}

static void begin(progress *p, progress_kind kind, const char *label, const char *things,
                  uint64_t total) {
  memset(p, 0, sizeof *p);
  p->on = progress_wanted();
  p->kind = kind;
  p->things = things;
  p->total = total;
  size_t n = strlen(label), cap = sizeof p->label - 1;
  if (n <= cap) memcpy(p->label, label, n + 1);
  else snprintf(p->label, sizeof p->label, "...%s", label + n - (cap - 3));
  p->start = now_s();
  p->last_draw = -1.0; /* the first update draws */
  p->stride = 1;
}

void progress_begin(progress *p, const char *label, uint64_t total_bytes) {
  begin(p, PROGRESS_BYTES, label, "records", total_bytes);
}

void progress_begin_store_time(progress *p, const char *label, uint64_t total_us) {
  begin(p, PROGRESS_STORE_TIME, label, "records", total_us);
}

void progress_begin_count(progress *p, const char *label, const char *things, uint64_t total) {
  begin(p, PROGRESS_COUNT, label, things, total);
}

/* Appends to line[*len] (bounded by cap). */
static void add(char *line, size_t cap, size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void add(char *line, size_t cap, size_t *len, const char *fmt, ...) {
  if (*len >= cap - 1) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n > 0) *len += (size_t)n < cap - *len ? (size_t)n : cap - 1 - *len;
}

/* ", 4 s left", ", 3 min 20 s left", ", 1 h 5 min left" */
static void add_left(char *line, size_t cap, size_t *len, double s) {
  long t = (long)(s + 0.5);
  if (t < 60) add(line, cap, len, ", %ld s left", t);
  else if (t < 3600) add(line, cap, len, ", %ld min %ld s left", t / 60, t % 60);
  else add(line, cap, len, ", %ld h %ld min left", t / 3600, t % 3600 / 60);
}

static void add_share(char *line, size_t cap, size_t *len, const progress *p) {
  double share = (double)p->done / (double)p->total;
  add(line, cap, len, " (%d %%)", share >= 1.0 ? 100 : (int)(share * 100.0));
}

#define SHOWN_LABEL 28 /* columns of the label, at most (its end kept) */

static void format_line(const progress *p, double elapsed, char *line, size_t cap) {
  size_t len = 0, n = strlen(p->label);
  int rated = elapsed >= RATE_AFTER_S;
  if (n <= SHOWN_LABEL) add(line, cap, &len, "%s: ", p->label);
  else add(line, cap, &len, "...%s: ", p->label + n - (SHOWN_LABEL - 3));
  if (p->kind == PROGRESS_BYTES) {
    add(line, cap, &len, "%llu record%s, %.1f", (unsigned long long)p->records,
        p->records == 1 ? "" : "s", (double)p->done / 1e6);
    if (p->total > 0) add(line, cap, &len, " / %.1f", (double)p->total / 1e6);
    add(line, cap, &len, " MB");
  } else if (p->kind == PROGRESS_STORE_TIME) {
    add(line, cap, &len, "%.0f", (double)p->done / 1e6);
    if (p->total > 0) add(line, cap, &len, " / %.0f", (double)p->total / 1e6);
    add(line, cap, &len, " s of store time");
  } else {
    add(line, cap, &len, "%llu", (unsigned long long)p->done);
    if (p->total > 0) add(line, cap, &len, " / %llu", (unsigned long long)p->total);
    add(line, cap, &len, " %s", p->things);
  }
  if (p->total > 0) add_share(line, cap, &len, p);
  if (rated && p->total > 0 && p->done > 0 && p->done < p->total)
    add_left(line, cap, &len, elapsed * (double)(p->total - p->done) / (double)p->done);
  if (p->kind == PROGRESS_STORE_TIME)
    add(line, cap, &len, ", %llu record%s", (unsigned long long)p->records,
        p->records == 1 ? "" : "s");
  if (rated && p->kind == PROGRESS_BYTES)
    add(line, cap, &len, ", %.1f MB/s, %.0f records/s", (double)p->done / 1e6 / elapsed,
        (double)p->records / elapsed);
  else if (rated && p->kind == PROGRESS_STORE_TIME)
    add(line, cap, &len, ", %.0f records/s", (double)p->records / elapsed);
  else if (rated) add(line, cap, &len, ", %.1f %s/s", (double)p->done / elapsed, p->things);
}

/* Writes `text` over the line on the screen (cut to the terminal's width). */
static void draw_text(progress *p, const char *text) {
  int width = columns() - 1;
  int n = (int)strlen(text);
  if (n > width) n = width;
  /* Spaces over what is left of a longer line before. */
  fprintf(stderr, "\r%.*s%*s", n, text, p->width > n ? p->width - n : 0, "");
  if (p->width > n) fprintf(stderr, "\r%.*s", n, text);
  fflush(stderr);
  p->width = n > 0 ? n : 1;
  drawn = p;
}

static void draw(progress *p, double t) {
  char line[MOST_LINE];
  format_line(p, t - p->start, line, sizeof line);
  draw_text(p, line);
  p->last_draw = t;
  p->noted = 0;
}

void progress_update(progress *p, uint64_t done, uint64_t records) {
  if (!p->on) return;
  p->done = done;
  p->records = records;
  if (++p->calls < p->stride) return;
  p->calls = 0;
  double t = now_s();
  /* The clock read every 10 to 50 ms or so, however fast the updates come. */
  if (t - p->last_check < 0.01 && p->stride < MOST_STRIDE) p->stride *= 2;
  else if (t - p->last_check > 0.05 && p->stride > 1) p->stride /= 2;
  p->last_check = t;
  if (p->last_draw >= 0 && t - p->last_draw < DRAW_EVERY_S) return;
  draw(p, t);
}

void progress_note(progress *p, const char *text) {
  if (!p->on) return;
  draw_text(p, text);
  p->last_draw = now_s();
  p->noted = 1;
}

static void clear(progress *p) {
  if (p->width > 0) {
    fprintf(stderr, "\r%*s\r", p->width, "");
    fflush(stderr);
  }
  p->width = 0;
  if (drawn == p) drawn = NULL;
}

void progress_end(progress *p) {
  if (p->on && drawn == p && !p->noted) draw(p, now_s()); /* up to date */
  if (p->on) clear(p);
  p->on = 0;
}

void progress_clear(void) {
  if (drawn != NULL) clear(drawn);
}

static long read_counted(char *buf, size_t cap, void *payload) {
  counted_input *in = payload;
  size_t n = fread(buf, 1, cap, in->file);
  if (n == 0 && ferror(in->file)) return RF_EIO;
  in->bytes += n;
  return (long)n;
}

int counted_input_open(counted_input *in, rf_scenario_reader **reader, const char *path) {
  memset(in, 0, sizeof *in);
  *reader = NULL;
  in->is_stdin = strcmp(path, "-") == 0;
  in->file = in->is_stdin ? stdin : fopen(path, "rb");
  if (in->file == NULL) return RF_EIO;
  struct stat st;
  int rc = 0;
  if (fstat(fileno(in->file), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      rc = RF_EIO;
    } else if (S_ISREG(st.st_mode)) {
      in->size = (uint64_t)st.st_size;
    }
  }
  if (rc == 0) rc = rf_scenario_reader_new(reader, read_counted, in, NULL, NULL);
  if (rc != 0) {
    int saved = errno;
    if (!in->is_stdin) fclose(in->file);
    in->file = NULL;
    errno = saved;
  }
  return rc;
}

void counted_input_close(counted_input *in, rf_scenario_reader *reader) {
  rf_scenario_reader_free(reader);
  if (in->file != NULL && !in->is_stdin) fclose(in->file);
  in->file = NULL;
}
