/* Fuzz target: arbitrary bytes as a Y4M file (lib/camera/y4m_*.c). The reader refuses a header
 * with RF_EPARSE and a message, or gives an info within the documented bounds and reads frames
 * until the end (0) or an error with a message naming the frame, which every later call repeats.
 * The frames it read, written by the writer with the same info, read back to the same info and
 * the same luma, and end where they did. */
#define _POSIX_C_SOURCE 200809L /* fmemopen, open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "retailfuse/camera.h"
#include "retailfuse/status.h"

enum { MAX_LUMA = 1 << 20 }; /* larger frames: only the header is read */

static void check_info(const rf_y4m_info *i) {
  if (i->width < 1 || i->width > 32768 || i->height < 1 || i->height > 32768 || i->fps_num < 1 ||
      i->fps_den < 1 || (unsigned)i->space >= (unsigned)RF_Y4M_SPACE_COUNT ||
      i->interlace == '\0' || strchr("ptbm?", i->interlace) == NULL || i->aspect_num < 0 ||
      i->aspect_den < 0 || (i->aspect_num == 0) != (i->aspect_den == 0))
    fuzz_die("an info out of bounds: %dx%d F%d:%d C%d I%c A%d:%d", i->width, i->height, i->fps_num,
             i->fps_den, (int)i->space, i->interlace, i->aspect_num, i->aspect_den);
}

static int same_info(const rf_y4m_info *a, const rf_y4m_info *b) {
  return a->width == b->width && a->height == b->height && a->fps_num == b->fps_num &&
         a->fps_den == b->fps_den && a->space == b->space && a->interlace == b->interlace &&
         a->aspect_num == b->aspect_num && a->aspect_den == b->aspect_den;
}

/* Reads every frame into kept (frames x luma bytes): how many, after checking how it ended. */
static size_t read_frames(rf_y4m_reader *r, uint8_t *kept, size_t luma_bytes) {
  size_t n = 0;
  int rc;
  while ((rc = rf_y4m_read(r, kept + n * luma_bytes)) == 1) {
    if (rf_y4m_reader_frames(r) != (int64_t)++n) fuzz_die("the frame count is off");
  }
  if (rc == 0) return n;
  if (rc != RF_EPARSE) fuzz_die("a frame read returned %d from memory", rc);
  char prefix[32], message[512];
  snprintf(prefix, sizeof prefix, "frame %zu: ", n);
  snprintf(message, sizeof message, "%s", rf_y4m_reader_errmsg(r));
  if (strncmp(message, prefix, strlen(prefix)) != 0 || message[strlen(prefix)] == '\0')
    fuzz_die("the message does not name frame %zu: %s", n, message);
  if (rf_y4m_read(r, kept + n * luma_bytes) != rc || strcmp(rf_y4m_reader_errmsg(r), message) != 0)
    fuzz_die("the error is not sticky");
  return n;
}

/* The frames written again read back as they were. */
static void round_trip(const rf_y4m_info *info, const uint8_t *kept, size_t frames,
                       size_t luma_bytes) {
  char *file = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&file, &len);
  rf_y4m_writer *w;
  if (out == NULL || rf_y4m_writer_new(&w, out, info, NULL) != 0) fuzz_die("writer: cannot start");
  for (size_t f = 0; f < frames; ++f)
    if (rf_y4m_write(w, kept + f * luma_bytes) != 0) fuzz_die("writer: cannot write");
  rf_y4m_writer_free(w);
  fclose(out);
  FILE *in = fmemopen(file, len, "r");
  rf_y4m_reader *r;
  char err[256];
  if (in == NULL || rf_y4m_reader_new(&r, in, NULL, err, sizeof err) != 0)
    fuzz_die("what the writer wrote does not read: %s", err);
  if (!same_info(rf_y4m_reader_info(r), info)) fuzz_die("the info changed on the way");
  uint8_t *luma = malloc(luma_bytes);
  if (luma == NULL) fuzz_die("out of memory");
  for (size_t f = 0; f < frames; ++f) {
    if (rf_y4m_read(r, luma) != 1 || memcmp(luma, kept + f * luma_bytes, luma_bytes) != 0)
      fuzz_die("frame %zu changed on the way", f);
  }
  if (rf_y4m_read(r, luma) != 0) fuzz_die("written frames do not end where they did");
  free(luma);
  rf_y4m_reader_free(r);
  fclose(in);
  free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size + 1); /* fmemopen takes no const buffer */
  if (copy == NULL) fuzz_die("out of memory");
  if (size > 0) memcpy(copy, data, size);
  FILE *in = fmemopen(copy, size, "r");
  if (in == NULL) fuzz_die("fmemopen failed");
  rf_y4m_reader *r;
  char err[256] = "";
  int rc = rf_y4m_reader_new(&r, in, NULL, err, sizeof err);
  if (rc != 0) {
    if (rc != RF_EPARSE) fuzz_die("a header refused with %d from memory: %s", rc, err);
    if (err[0] == '\0') fuzz_die("a header refused without a message");
    if (r != NULL) fuzz_die("a refused header left a reader");
  } else {
    const rf_y4m_info *info = rf_y4m_reader_info(r);
    check_info(info);
    size_t luma_bytes = (size_t)info->width * (size_t)info->height;
    if (luma_bytes <= MAX_LUMA) {
      /* Each frame read took its luma from the input: size bytes hold them all. */
      uint8_t *kept = malloc(size + luma_bytes);
      if (kept == NULL) fuzz_die("out of memory");
      size_t frames = read_frames(r, kept, luma_bytes);
      round_trip(info, kept, frames, luma_bytes);
      free(kept);
    }
    rf_y4m_reader_free(r);
  }
  fclose(in);
  free(copy);
  return 0;
}
