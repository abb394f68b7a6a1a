/* Progress of long work on standard error: one line redrawn in place ("\r") at most five times a
 * second, cleared at the end. Shown only when standard error is a terminal, unless the
 * environment says otherwise: RETAILFUSE_PROGRESS=0 never, RETAILFUSE_PROGRESS=1 always (tests).
 * When it is not shown, nothing at all is written.
 *
 * The line, by what the work counts (LABEL's end only, when it is long):
 *   bytes       "LABEL: 12034 records, 3.2 / 10.5 MB (30 %), 4 s left, 1.6 MB/s, 45120 records/s"
 *               (with no size known, e.g. a pipe: "LABEL: 12034 records, 3.2 MB, 1.6 MB/s, ...")
 *   store time  "LABEL: 300 / 900 s of store time (33 %), 4 s left, 12034 records, 45120 records/s"
 *   count       "LABEL: 1234 / 9040 frames (13 %), 37 s left, 210.0 frames/s"
 * The rate and the time left appear once there is something to measure them by.
 *
 * Use: progress_begin (or _store_time, _count), then progress_update as the work goes — it is
 * cheap enough to call for every record: the clock is read only every so many calls —, then
 * progress_end. One progress is drawn at a time. Anything else written to stderr while it is
 * drawn should call progress_clear first (the next update draws the line again). Not
 * thread-safe: callers on several threads update under their own lock. */
#ifndef RF_TOOLS_PROGRESS_H
#define RF_TOOLS_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "retailfuse/retailfuse.h"

typedef enum progress_kind { PROGRESS_BYTES, PROGRESS_STORE_TIME, PROGRESS_COUNT } progress_kind;

typedef struct progress {
  int on; /* drawn at all (progress_wanted() when begun) */
  progress_kind kind;
  char label[64];
  const char *things; /* what the count counts: "records", "frames" */
  uint64_t total;     /* bytes, microseconds of store time, or things; 0: not known */
  uint64_t done, records;
  double start, last_draw, last_check; /* monotonic seconds */
  unsigned calls, stride;              /* updates since the clock was read; read every `stride` */
  int width;                           /* columns of the line on the screen; 0: none is */
  int noted;                           /* the line on the screen is a progress_note's */
} progress;

/* Whether progress is to be shown: RETAILFUSE_PROGRESS=1 yes, =0 no, else whether standard
 * error is a terminal. */
int progress_wanted(void);

/* Work over a file of total_bytes (0 when not known: a pipe, standard input); updates give the
 * bytes read and the records done. `label` is copied (its start cut off when long). */
void progress_begin(progress *p, const char *label, uint64_t total_bytes);

/* Work over store time, total_us of it (0: not known); updates give the store time reached
 * (microseconds from 0) and the records written. */
void progress_begin_store_time(progress *p, const char *label, uint64_t total_us);

/* A count of `things` ("frames"), `total` of them (0: not known); updates give the count done
 * (their `records` argument is not used). */
void progress_begin_count(progress *p, const char *label, const char *things, uint64_t total);

/* Where the work is: `done` in the begin call's unit, and the records done. */
void progress_update(progress *p, uint64_t done, uint64_t records);

/* Shows `text` as the line now (a step of the work: "scoring..."), when progress is on. */
void progress_note(progress *p, const char *text);

/* The end: a line on the screen is brought up to date, then cleared. */
void progress_end(progress *p);

/* Clears the line of the progress being drawn, if any, so that a message can go to stderr; the
 * next update draws it again. */
void progress_clear(void);

/* A scenario file read through a reader that counts its bytes, for progress over the file: as
 * rf_scenario_reader_open ("-" is standard input; a directory is refused, errno EISDIR), and
 * `bytes` is how much the reader has taken from the file so far, `size` the file's size (0 when
 * it is not a regular file). The counted_input must stay where it is while the reader lives. */
typedef struct counted_input {
  FILE *file;
  int is_stdin;
  uint64_t bytes, size;
} counted_input;

/* 0, or RF_EIO (errno says why) or another RF_ code; *reader is NULL on failure. */
int counted_input_open(counted_input *in, rf_scenario_reader **reader, const char *path);

/* Frees the reader and closes the file (not standard input). */
void counted_input_close(counted_input *in, rf_scenario_reader *reader);

#endif
