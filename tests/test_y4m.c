/* Y4M video (lib/camera/y4m_*.c) and frame times: what the writer writes reads back exactly, in
 * every colour space and at odd sizes; files written by hand with every tag read as the format
 * says; each malformed header and truncated frame is refused with a message naming what was
 * wrong; a pipe reads like a file; and frame i's time is exact in integers. */
#define _GNU_SOURCE /* fopencookie: streams that fail on demand */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"
#include "test_alloc.h"

/* ---- Helpers ------------------------------------------------------------------------------- */

/* A stream holding `len` bytes of data, at its start. */
static FILE *stream_of(const void *data, size_t len) {
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  rewind(f);
  return f;
}

static FILE *stream_str(const char *s) { return stream_of(s, strlen(s)); }

/* A growing byte buffer (files assembled by hand). */
typedef struct bytes {
  uint8_t *p;
  size_t len, cap;
} bytes;

static void put(bytes *b, const void *data, size_t len) {
  if (b->len + len > b->cap) {
    b->cap = (b->len + len) * 2;
    b->p = realloc(b->p, b->cap);
    assert_non_null(b->p);
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
}

static void put_str(bytes *b, const char *s) { put(b, s, strlen(s)); }

static void put_fill(bytes *b, int value, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    uint8_t v = (uint8_t)value;
    put(b, &v, 1);
  }
}

/* Frame f's luma: a pattern that differs by frame, row and column. */
static void pattern(uint8_t *luma, int w, int h, int f) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) luma[(size_t)y * w + x] = (uint8_t)(f * 31 + y * 7 + x * 3 + 1);
}

static size_t chroma_of(int w, int h, rf_y4m_space space) {
  return space == RF_Y4M_MONO ? 0 : 2 * (size_t)((w + 1) / 2) * (size_t)((h + 1) / 2);
}

static rf_y4m_info info_of(int w, int h, rf_y4m_space space) {
  rf_y4m_info info = {.width = w,
                      .height = h,
                      .fps_num = 30000,
                      .fps_den = 1001,
                      .space = space,
                      .interlace = '?',
                      .aspect_num = 0,
                      .aspect_den = 0};
  return info;
}

static void same_info(const rf_y4m_info *a, const rf_y4m_info *b) {
  assert_int_equal(a->width, b->width);
  assert_int_equal(a->height, b->height);
  assert_int_equal(a->fps_num, b->fps_num);
  assert_int_equal(a->fps_den, b->fps_den);
  assert_int_equal(a->space, b->space);
  assert_int_equal(a->interlace, b->interlace);
  assert_int_equal(a->aspect_num, b->aspect_num);
  assert_int_equal(a->aspect_den, b->aspect_den);
}

/* Opens a reader on `text`, expecting it refused with `code` and exactly `message`. */
static void refused(const char *text, size_t len, int code, const char *message) {
  FILE *f = stream_of(text, len);
  rf_y4m_reader *r = (rf_y4m_reader *)1;
  char err[256] = "untouched";
  int rc = rf_y4m_reader_new(&r, f, NULL, err, sizeof err);
  if (rc != code || strcmp(err, message) != 0)
    fail_msg("header %.60s: got %d '%s', expected %d '%s'", text, rc, err, code, message);
  assert_null(r);
  fclose(f);
}

static void refused_str(const char *text, int code, const char *message) {
  refused(text, strlen(text), code, message);
}

/* ---- Round trips --------------------------------------------------------------------------- */

static void test_written_frames_read_back_in_every_space_and_odd_size(void **state) {
  (void)state;
  const int sizes[][2] = {{1, 1}, {3, 5}, {7, 2}, {2, 7}, {64, 48}, {33, 17}};
  for (int s = 0; s < RF_Y4M_SPACE_COUNT; ++s) {
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; ++k) {
      int w = sizes[k][0], h = sizes[k][1];
      rf_y4m_info info = info_of(w, h, (rf_y4m_space)s);
      info.interlace = "pt?bm"[k % 5];
      if (k % 2) info.aspect_num = 128, info.aspect_den = 117;
      char *data = NULL;
      size_t len = 0;
      FILE *out = open_memstream(&data, &len);
      rf_y4m_writer *wr;
      assert_int_equal(rf_y4m_writer_new(&wr, out, &info, NULL), RF_OK);
      uint8_t *luma = malloc((size_t)w * h), *back = malloc((size_t)w * h);
      for (int f = 0; f < 4; ++f) {
        pattern(luma, w, h, f);
        assert_int_equal(rf_y4m_write(wr, luma), RF_OK);
      }
      rf_y4m_writer_free(wr);
      fclose(out);
      /* Header, then per frame "FRAME\n", the luma and grey chroma. */
      size_t header = (size_t)(strchr(data, '\n') - data) + 1;
      size_t frame = 6 + (size_t)w * h + chroma_of(w, h, info.space);
      assert_int_equal(len, header + 4 * frame);
      for (size_t i = 0; i < chroma_of(w, h, info.space); ++i)
        assert_int_equal((uint8_t)data[header + frame - 1 - i], 128);

      FILE *in = stream_of(data, len);
      rf_y4m_reader *r;
      char err[256];
      assert_int_equal(rf_y4m_reader_new(&r, in, NULL, err, sizeof err), RF_OK);
      same_info(rf_y4m_reader_info(r), &info);
      for (int f = 0; f < 4; ++f) {
        assert_int_equal(rf_y4m_reader_frames(r), f);
        assert_int_equal(rf_y4m_read(r, back), 1);
        pattern(luma, w, h, f);
        assert_memory_equal(back, luma, (size_t)w * h);
      }
      assert_int_equal(rf_y4m_read(r, back), 0);
      assert_int_equal(rf_y4m_read(r, back), 0); /* the end stays the end */
      assert_int_equal(rf_y4m_reader_frames(r), 4);
      assert_string_equal(rf_y4m_reader_errmsg(r), "");
      rf_y4m_reader_free(r);
      fclose(in);
      free(luma);
      free(back);
      free(data);
    }
  }
}

static void test_writer_header_names_only_what_is_known(void **state) {
  (void)state;
  static const struct {
    rf_y4m_info info;
    const char *header;
  } cases[] = {
      {{3, 5, 25, 1, RF_Y4M_MONO, '?', 0, 0}, "YUV4MPEG2 W3 H5 F25:1 Cmono\n"},
      {{640, 480, 30000, 1001, RF_Y4M_420JPEG, 'p', 1, 1},
       "YUV4MPEG2 W640 H480 F30000:1001 Ip A1:1 C420jpeg\n"},
      {{2, 2, 50, 1, RF_Y4M_420PALDV, 't', 0, 0}, "YUV4MPEG2 W2 H2 F50:1 It C420paldv\n"},
      {{2, 2, 24, 1, RF_Y4M_420MPEG2, '?', 4, 3}, "YUV4MPEG2 W2 H2 F24:1 A4:3 C420mpeg2\n"},
      {{2, 2, 24, 1, RF_Y4M_420, 'm', 0, 0}, "YUV4MPEG2 W2 H2 F24:1 Im C420\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&data, &len);
    rf_y4m_writer *w;
    assert_int_equal(rf_y4m_writer_new(&w, out, &cases[i].info, NULL), RF_OK);
    rf_y4m_writer_free(w);
    fclose(out);
    assert_string_equal(data, cases[i].header);
    free(data);
  }
}

static void test_writer_refuses_bad_info_and_writes_nothing(void **state) {
  (void)state;
  rf_y4m_info bad[] = {
      info_of(0, 4, RF_Y4M_MONO),      info_of(4, 0, RF_Y4M_MONO),
      info_of(32769, 4, RF_Y4M_MONO),  info_of(4, 4, RF_Y4M_SPACE_COUNT),
      info_of(4, 4, (rf_y4m_space)-1),
  };
  rf_y4m_info fps = info_of(4, 4, RF_Y4M_420), interlace = fps, aspect = fps, aspect_neg = fps;
  fps.fps_den = 0;
  interlace.interlace = 'x';
  aspect.aspect_num = 1; /* 1:0 */
  aspect_neg.aspect_num = -1, aspect_neg.aspect_den = 1;
  rf_y4m_info more[] = {fps, interlace, aspect, aspect_neg};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0] + 4; ++i) {
    const rf_y4m_info *info = i < 5 ? &bad[i] : &more[i - 5];
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&data, &len);
    rf_y4m_writer *w = (rf_y4m_writer *)1;
    assert_int_equal(rf_y4m_writer_new(&w, out, info, NULL), RF_EINVAL);
    assert_null(w);
    fclose(out);
    assert_int_equal(len, 0);
    free(data);
  }
  rf_y4m_writer *w;
  rf_y4m_info ok = info_of(4, 4, RF_Y4M_MONO);
  assert_int_equal(rf_y4m_writer_new(&w, NULL, &ok, NULL), RF_EINVAL);
  assert_int_equal(rf_y4m_writer_new(&w, stdout, NULL, NULL), RF_EINVAL);
  assert_int_equal(rf_y4m_write(NULL, (const uint8_t *)"x"), RF_EINVAL);
  rf_y4m_writer_free(NULL);
}

/* ---- Files written by hand ----------------------------------------------------------------- */

/* Two 4x3 frames in `space_tag` (NULL: no C tag), chroma planes of distinct bytes so a reader
 * that skipped too little or too much would read them as the second frame's luma. */
static void read_two_frames(const char *space_tag, rf_y4m_space expect, size_t chroma) {
  bytes b = {0};
  char header[128];
  snprintf(header, sizeof header, "YUV4MPEG2 W4 H3 F25:1%s%s\n", space_tag ? " C" : "",
           space_tag ? space_tag : "");
  put_str(&b, header);
  for (int f = 0; f < 2; ++f) {
    put_str(&b, "FRAME\n");
    put_fill(&b, 10 + f, 12);
    put_fill(&b, 200 + f, chroma);
  }
  FILE *in = stream_of(b.p, b.len);
  rf_y4m_reader *r;
  char err[256];
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, err, sizeof err), RF_OK);
  assert_int_equal(rf_y4m_reader_info(r)->space, expect);
  uint8_t luma[12], want[12];
  for (int f = 0; f < 2; ++f) {
    assert_int_equal(rf_y4m_read(r, luma), 1);
    memset(want, 10 + f, sizeof want);
    assert_memory_equal(luma, want, sizeof want);
  }
  assert_int_equal(rf_y4m_read(r, luma), 0);
  rf_y4m_reader_free(r);
  fclose(in);
  free(b.p);
}

static void test_every_supported_colour_space_reads(void **state) {
  (void)state;
  read_two_frames("420jpeg", RF_Y4M_420JPEG, 8);
  read_two_frames("420paldv", RF_Y4M_420PALDV, 8);
  read_two_frames("420mpeg2", RF_Y4M_420MPEG2, 8);
  read_two_frames("420", RF_Y4M_420, 8);
  read_two_frames(NULL, RF_Y4M_420, 8); /* no C: 4:2:0 */
  read_two_frames("mono", RF_Y4M_MONO, 0);
}

static void test_tags_in_any_order_extensions_and_frame_parameters(void **state) {
  (void)state;
  bytes b = {0};
  /* What ffmpeg writes, with tags reordered, an unknown letter, and two extensions. */
  put_str(&b, "YUV4MPEG2 C420jpeg XYSCSS=420JPEG It A128:117 H2 Zfuture F30000:1001 W3 "
              "XCOLORRANGE=LIMITED\n");
  put_str(&b, "FRAME Ixyz XFOO=bar\n");
  put_fill(&b, 1, 6);
  put_fill(&b, 9, 4);
  put_str(&b, "FRAME\n");
  put_fill(&b, 2, 6);
  put_fill(&b, 9, 4);
  FILE *in = stream_of(b.p, b.len);
  rf_y4m_reader *r;
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, NULL, 0), RF_OK);
  const rf_y4m_info *info = rf_y4m_reader_info(r);
  assert_int_equal(info->width, 3);
  assert_int_equal(info->height, 2);
  assert_int_equal(info->fps_num, 30000);
  assert_int_equal(info->fps_den, 1001);
  assert_int_equal(info->space, RF_Y4M_420JPEG);
  assert_int_equal(info->interlace, 't');
  assert_int_equal(info->aspect_num, 128);
  assert_int_equal(info->aspect_den, 117);
  uint8_t luma[6];
  assert_int_equal(rf_y4m_read(r, luma), 1);
  assert_int_equal(luma[5], 1);
  assert_int_equal(rf_y4m_read(r, luma), 1);
  assert_int_equal(luma[0], 2);
  assert_int_equal(rf_y4m_read(r, luma), 0);
  rf_y4m_reader_free(r);
  fclose(in);
  free(b.p);

  /* The fewest tags: W, H, F; everything else at its default. */
  in = stream_str("YUV4MPEG2 W1 H1 F1:1\n");
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, NULL, 0), RF_OK);
  info = rf_y4m_reader_info(r);
  assert_int_equal(info->space, RF_Y4M_420);
  assert_int_equal(info->interlace, '?');
  assert_int_equal(info->aspect_num, 0);
  assert_int_equal(info->aspect_den, 0);
  assert_int_equal(rf_y4m_read(r, luma), 0); /* no frames: a clean end */
  assert_int_equal(rf_y4m_reader_frames(r), 0);
  rf_y4m_reader_free(r);
  fclose(in);
}

/* ---- Malformed headers --------------------------------------------------------------------- */

static void test_each_malformed_header_is_refused_with_its_message(void **state) {
  (void)state;
  refused_str("", RF_EPARSE, "empty file: no YUV4MPEG2 header");
  refused_str("RIFF\x10\0\0\0WAVEfmt ", RF_EPARSE,
              "not a Y4M file: it does not begin with YUV4MPEG2");
  refused_str("YUV4MPEG", RF_EPARSE, "not a Y4M file: it does not begin with YUV4MPEG2");
  refused_str("YUV4MPEG2X W2 H2 F25:1\n", RF_EPARSE,
              "not a Y4M file: it does not begin with YUV4MPEG2");
  refused_str("yuv4mpeg2 W2 H2 F25:1\n", RF_EPARSE,
              "not a Y4M file: it does not begin with YUV4MPEG2");
  refused_str("YUV4MPEG2 H2 F25:1\n", RF_EPARSE, "header has no W (width)");
  refused_str("YUV4MPEG2\n", RF_EPARSE, "header has no W (width)");
  refused_str("YUV4MPEG2 W2 F25:1\n", RF_EPARSE, "header has no H (height)");
  refused_str("YUV4MPEG2 W2 H2 C420jpeg\n", RF_EPARSE, "header has no F (frame rate)");
  refused_str("YUV4MPEG2 W0 H2 F25:1\n", RF_EPARSE,
              "tag W0: the width must be a whole number from 1 to 32768");
  refused_str("YUV4MPEG2 W2 H0 F25:1\n", RF_EPARSE,
              "tag H0: the height must be a whole number from 1 to 32768");
  refused_str("YUV4MPEG2 W-2 H2 F25:1\n", RF_EPARSE,
              "tag W-2: the width must be a whole number from 1 to 32768");
  refused_str("YUV4MPEG2 W+2 H2 F25:1\n", RF_EPARSE,
              "tag W+2: the width must be a whole number from 1 to 32768");
  refused_str("YUV4MPEG2 W2x H2 F25:1\n", RF_EPARSE,
              "tag W2x: the width must be a whole number from 1 to 32768");
  refused_str("YUV4MPEG2 W32769 H2 F25:1\n", RF_EPARSE,
              "tag W32769: the width must be a whole number from 1 to 32768");
  refused_str("YUV4MPEG2 W2 H99999999999999999999999 F25:1\n", RF_EPARSE,
              "tag H99999999999999999999999: the height must be a whole number from 1 to 32768");
  const char *rate = "the frame rate must be num:den, both whole numbers above 0";
  const char *bad_rates[] = {"F30",  "F30:0",   "F0:1",   "F:1",
                             "F30:", "F30:1:1", "F-30:1", "F3000000000:1"};
  for (size_t i = 0; i < sizeof bad_rates / sizeof bad_rates[0]; ++i) {
    char text[64], message[128];
    snprintf(text, sizeof text, "YUV4MPEG2 W2 H2 %s\n", bad_rates[i]);
    snprintf(message, sizeof message, "tag %s: %s", bad_rates[i], rate);
    refused_str(text, RF_EPARSE, message);
  }
  refused_str("YUV4MPEG2 W2 H2 F25:1 Ix\n", RF_EPARSE,
              "tag Ix: the interlacing must be p, t, b, m or ?");
  refused_str("YUV4MPEG2 W2 H2 F25:1 Ipp\n", RF_EPARSE,
              "tag Ipp: the interlacing must be p, t, b, m or ?");
  refused_str("YUV4MPEG2 W2 H2 F25:1 A1\n", RF_EPARSE,
              "tag A1: the pixel aspect must be num:den, both whole numbers above 0 (or 0:0, "
              "unknown)");
  refused_str("YUV4MPEG2 W2 H2 F25:1 A1:0\n", RF_EPARSE,
              "tag A1:0: the pixel aspect must be num:den, both whole numbers above 0 (or 0:0, "
              "unknown)");
  refused_str("YUV4MPEG2 W2 H2 F25:1 C444\n", RF_EPARSE,
              "colour space C444 not supported: 4:2:0 and mono only");
  refused_str("YUV4MPEG2 W2 H2 F25:1 C422\n", RF_EPARSE,
              "colour space C422 not supported: 4:2:0 and mono only");
  refused_str("YUV4MPEG2 W2 H2 F25:1 C420p10 XYSCSS=420P10\n", RF_EPARSE,
              "colour space C420p10 not supported: 4:2:0 and mono only");
  refused_str("YUV4MPEG2 W2 H2 F25:1 Cmono16\n", RF_EPARSE,
              "colour space Cmono16 not supported: 4:2:0 and mono only");
  refused_str("YUV4MPEG2 W H2 F25:1\n", RF_EPARSE, "tag W has no value");
  refused_str("YUV4MPEG2 W2 H2 F25:1 C\n", RF_EPARSE, "tag C has no value");
  refused_str("YUV4MPEG2 W2 H2 F25:1 X\n", RF_EPARSE, "tag X has no value");
  refused_str("YUV4MPEG2 W2 H2 F25:1", RF_EPARSE,
              "header line has no end: the file ends within it");
  refused_str("YUV4MPEG2", RF_EPARSE, "header line has no end: the file ends within it");
  refused("YUV4MPEG2 W2 H2 F25:1\0C444\n", 27, RF_EPARSE, "header line holds a NUL byte");
  /* Bytes that do not print are shown as '?', and long values cut. */
  refused_str("YUV4MPEG2 W2 H2 F25:1 C\x01\x7f"
              "abcdefghijklmnopqrstuvwxyz0123456789\n",
              RF_EPARSE,
              "colour space C??abcdefghijklmnopqrstuvwxyz0123... not supported: 4:2:0 and mono "
              "only");
}

static void test_header_line_is_bounded(void **state) {
  (void)state;
  /* Exactly 4096 bytes with its newline: read. */
  char line[5000];
  const char *start = "YUV4MPEG2 W2 H2 F25:1 X";
  size_t n = strlen(start);
  memcpy(line, start, n);
  memset(line + n, 'a', 4095 - n);
  line[4095] = '\n';
  FILE *in = stream_of(line, 4096);
  rf_y4m_reader *r;
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, NULL, 0), RF_OK);
  rf_y4m_reader_free(r);
  fclose(in);
  /* One more: refused, after reading no more than the limit. */
  memset(line + n, 'a', 4096 - n);
  line[4096] = '\n';
  in = stream_of(line, 4097);
  char err[256];
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, err, sizeof err), RF_EPARSE);
  assert_string_equal(err, "header line longer than 4096 bytes");
  assert_true(ftell(in) <= 4096);
  fclose(in);
  /* Garbage of any length is given up on within the magic's length. */
  memset(line, 'Y', sizeof line);
  in = stream_of(line, sizeof line);
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, err, sizeof err), RF_EPARSE);
  assert_true(ftell(in) <= 10);
  fclose(in);
  /* A short message buffer holds the start of the message; none at all is fine. */
  in = stream_str("YUV4MPEG2 W2 H2\n");
  char small[7];
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, small, sizeof small), RF_EPARSE);
  assert_string_equal(small, "header");
  rewind(in);
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, NULL, 0), RF_EPARSE);
  fclose(in);
}

/* ---- Truncated and malformed frames -------------------------------------------------------- */

/* A 4x3 4:2:0 file whose frame 0 is whole, then `tail`. */
static rf_y4m_reader *after_one_frame(const void *tail, size_t tail_len, FILE **in) {
  bytes b = {0};
  put_str(&b, "YUV4MPEG2 W4 H3 F25:1 C420jpeg\nFRAME\n");
  put_fill(&b, 1, 12 + 8);
  put(&b, tail, tail_len);
  *in = stream_of(b.p, b.len);
  free(b.p);
  rf_y4m_reader *r;
  assert_int_equal(rf_y4m_reader_new(&r, *in, NULL, NULL, 0), RF_OK);
  uint8_t luma[12];
  assert_int_equal(rf_y4m_read(r, luma), 1);
  return r;
}

/* Frame 1 fails with code and message, and so does every later call. */
static void second_frame_fails(const void *tail, size_t tail_len, int code, const char *message) {
  FILE *in;
  rf_y4m_reader *r = after_one_frame(tail, tail_len, &in);
  uint8_t luma[12];
  for (int again = 0; again < 3; ++again) {
    int rc = rf_y4m_read(r, luma);
    if (rc != code || strcmp(rf_y4m_reader_errmsg(r), message) != 0)
      fail_msg("got %d '%s', expected %d '%s'", rc, rf_y4m_reader_errmsg(r), code, message);
  }
  assert_int_equal(rf_y4m_reader_frames(r), 1);
  rf_y4m_reader_free(r);
  fclose(in);
}

static void test_truncated_frames_name_the_frame_and_what_was_missing(void **state) {
  (void)state;
  char tail[64] = "FRAME\n";
  memset(tail + 6, 5, 20);
  second_frame_fails(tail, 6 + 5, RF_EPARSE, "frame 1: truncated: 5 of 12 luma bytes");
  second_frame_fails(tail, 6, RF_EPARSE, "frame 1: truncated: 0 of 12 luma bytes");
  second_frame_fails(tail, 6 + 12 + 3, RF_EPARSE, "frame 1: truncated: 3 of 8 chroma bytes");
  second_frame_fails(tail, 6 + 12, RF_EPARSE, "frame 1: truncated: 0 of 8 chroma bytes");
  second_frame_fails("FRA", 3, RF_EPARSE, "frame 1: truncated: the file ends within FRAME");
  second_frame_fails("FRAME", 5, RF_EPARSE,
                     "frame 1: truncated: the file ends within the FRAME line");
  second_frame_fails("FRAME Ip", 8, RF_EPARSE,
                     "frame 1: truncated: the file ends within the FRAME line");
  second_frame_fails("FRAMX\n", 6, RF_EPARSE, "frame 1: expected FRAME, found 'FRAMX'");
  second_frame_fails("\n", 1, RF_EPARSE, "frame 1: expected FRAME, found '?'");
  second_frame_fails("FRAME\t\n", 7, RF_EPARSE,
                     "frame 1: FRAME is followed by byte 9, not a space or newline");
  /* Frame parameters are bounded like the header. */
  char *long_line = malloc(5000);
  memcpy(long_line, "FRAME X", 7);
  memset(long_line + 7, 'a', 5000 - 8);
  long_line[4999] = '\n';
  second_frame_fails(long_line, 5000, RF_EPARSE, "frame 1: FRAME line longer than 4096 bytes");
  free(long_line);
}

static void test_a_large_frame_cut_short_names_its_index(void **state) {
  (void)state;
  rf_y4m_info info = info_of(640, 480, RF_Y4M_MONO);
  char *data = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&data, &len);
  rf_y4m_writer *w;
  assert_int_equal(rf_y4m_writer_new(&w, out, &info, NULL), RF_OK);
  uint8_t *luma = calloc(640, 480);
  for (int f = 0; f < 13; ++f) assert_int_equal(rf_y4m_write(w, luma), RF_OK);
  rf_y4m_writer_free(w);
  fclose(out);
  FILE *in = stream_of(data, len - (640 * 480 - 1200)); /* frame 12 keeps 1200 luma bytes */
  rf_y4m_reader *r;
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, NULL, 0), RF_OK);
  for (int f = 0; f < 12; ++f) assert_int_equal(rf_y4m_read(r, luma), 1);
  assert_int_equal(rf_y4m_read(r, luma), RF_EPARSE);
  assert_string_equal(rf_y4m_reader_errmsg(r), "frame 12: truncated: 1200 of 307200 luma bytes");
  assert_int_equal(rf_y4m_reader_frames(r), 12);
  rf_y4m_reader_free(r);
  fclose(in);
  free(luma);
  free(data);
}

/* ---- Read and write errors ----------------------------------------------------------------- */

/* A stream that gives `ok` bytes of `data`, then fails with EIO. */
typedef struct failing {
  const char *data;
  size_t ok, pos;
} failing;

static ssize_t failing_read(void *cookie, char *buf, size_t size) {
  failing *f = cookie;
  if (f->pos >= f->ok) {
    errno = EIO;
    return -1;
  }
  size_t n = f->ok - f->pos < size ? f->ok - f->pos : size;
  memcpy(buf, f->data + f->pos, n);
  f->pos += n;
  return (ssize_t)n;
}

static FILE *failing_stream(failing *f) {
  cookie_io_functions_t io = {.read = failing_read};
  FILE *s = fopencookie(f, "r", io);
  assert_non_null(s);
  return s;
}

static void test_read_errors_are_eio_with_a_message(void **state) {
  (void)state;
  static const char file[] = "YUV4MPEG2 W2 H2 F25:1 Cmono\nFRAME\nabcdFRAME\nab";
  failing f = {file, 10, 0};
  FILE *in = failing_stream(&f);
  rf_y4m_reader *r;
  char err[256];
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, err, sizeof err), RF_EIO);
  assert_string_equal(err, "header: read error: Input/output error");
  fclose(in);

  f = (failing){file, strlen(file), 0};
  in = failing_stream(&f);
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, err, sizeof err), RF_OK);
  uint8_t luma[4];
  assert_int_equal(rf_y4m_read(r, luma), 1);
  assert_memory_equal(luma, "abcd", 4);
  assert_int_equal(rf_y4m_read(r, luma), RF_EIO);
  assert_string_equal(rf_y4m_reader_errmsg(r), "frame 1: read error: Input/output error");
  assert_int_equal(rf_y4m_read(r, luma), RF_EIO);
  rf_y4m_reader_free(r);
  fclose(in);

  assert_int_equal(rf_y4m_read(NULL, luma), RF_EINVAL);
  assert_int_equal(rf_y4m_reader_new(&r, NULL, NULL, err, sizeof err), RF_EINVAL);
  assert_null(rf_y4m_reader_info(NULL));
  assert_int_equal(rf_y4m_reader_frames(NULL), 0);
  rf_y4m_reader_free(NULL);
}

static void test_write_errors_are_eio(void **state) {
  (void)state;
  FILE *full = fopen("/dev/full", "w");
  if (full == NULL) skip();
  rf_y4m_info info = info_of(200, 200, RF_Y4M_420JPEG);
  rf_y4m_writer *w;
  assert_int_equal(rf_y4m_writer_new(&w, full, &info, NULL), RF_OK); /* buffered */
  uint8_t *luma = calloc(200, 200);
  assert_int_equal(rf_y4m_write(w, luma), RF_EIO); /* more than the buffer */
  rf_y4m_writer_free(w);
  fclose(full);
  free(luma);
  FILE *read_only = fopen("/dev/null", "r");
  assert_non_null(read_only);
  assert_int_equal(rf_y4m_writer_new(&w, read_only, &info, NULL), RF_EIO);
  assert_null(w);
  fclose(read_only);
}

/* ---- Pipes ---------------------------------------------------------------------------------- */

static void test_a_pipe_reads_like_a_file(void **state) {
  (void)state;
  /* 10 frames of 4:2:0 (115 KiB each), written by a child in small pieces. */
  rf_y4m_info info = info_of(321, 241, RF_Y4M_420);
  char *data = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&data, &len);
  rf_y4m_writer *w;
  assert_int_equal(rf_y4m_writer_new(&w, out, &info, NULL), RF_OK);
  uint8_t *luma = malloc(321 * 241);
  for (int f = 0; f < 10; ++f) {
    pattern(luma, 321, 241, f);
    assert_int_equal(rf_y4m_write(w, luma), RF_OK);
  }
  rf_y4m_writer_free(w);
  fclose(out);

  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    close(fds[0]);
    for (size_t done = 0; done < len;) {
      size_t n = len - done < 1000 ? len - done : 1000;
      ssize_t k = write(fds[1], data + done, n);
      if (k <= 0) _exit(1);
      done += (size_t)k;
    }
    _exit(0);
  }
  close(fds[1]);
  FILE *in = fdopen(fds[0], "r");
  assert_non_null(in);
  rf_y4m_reader *r;
  assert_int_equal(rf_y4m_reader_new(&r, in, NULL, NULL, 0), RF_OK);
  uint8_t *back = malloc(321 * 241);
  for (int f = 0; f < 10; ++f) {
    assert_int_equal(rf_y4m_read(r, back), 1);
    pattern(luma, 321, 241, f);
    assert_memory_equal(back, luma, 321 * 241);
  }
  assert_int_equal(rf_y4m_read(r, back), 0);
  rf_y4m_reader_free(r);
  fclose(in);
  int status;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  free(back);
  free(luma);
  free(data);
}

/* ---- Allocation failures ------------------------------------------------------------------- */

static void test_every_allocation_failure_is_clean(void **state) {
  (void)state;
  static const char file[] = "YUV4MPEG2 W2 H2 F25:1\n";
  rf_y4m_info info = info_of(2, 2, RF_Y4M_420);
  for (long at = 1;; ++at) {
    test_alloc t;
    rf_allocator a = test_alloc_make(&t, at);
    FILE *in = stream_str(file);
    rf_y4m_reader *r;
    char err[256];
    int rc = rf_y4m_reader_new(&r, in, &a, err, sizeof err);
    fclose(in);
    if (!t.failed) {
      assert_int_equal(rc, RF_OK);
      rf_y4m_reader_free(r);
      assert_int_equal(t.live, 0);
      assert_true(at > 1);
      break;
    }
    assert_int_equal(rc, RF_ENOMEM);
    assert_string_equal(err, "out of memory");
    assert_null(r);
    assert_int_equal(t.live, 0);
  }
  for (long at = 1;; ++at) {
    test_alloc t;
    rf_allocator a = test_alloc_make(&t, at);
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&data, &len);
    rf_y4m_writer *w;
    int rc = rf_y4m_writer_new(&w, out, &info, &a);
    fclose(out);
    if (!t.failed) {
      assert_int_equal(rc, RF_OK);
      rf_y4m_writer_free(w);
      assert_int_equal(t.live, 0);
      free(data);
      break;
    }
    assert_int_equal(rc, RF_ENOMEM);
    assert_int_equal(len, 0); /* nothing written */
    assert_int_equal(t.live, 0);
    free(data);
  }
  /* Reading frames allocates nothing. */
  test_alloc t;
  rf_allocator a = test_alloc_make(&t, 0);
  char frames[] = "YUV4MPEG2 W2 H2 F25:1\nFRAME\nabcdefFRAME\nabcdef";
  FILE *in = stream_str(frames);
  rf_y4m_reader *r;
  assert_int_equal(rf_y4m_reader_new(&r, in, &a, NULL, 0), RF_OK);
  long calls = t.calls;
  uint8_t luma[4];
  while (rf_y4m_read(r, luma) == 1) {}
  assert_int_equal(t.calls, calls);
  rf_y4m_reader_free(r);
  fclose(in);
}

/* ---- Frame times ---------------------------------------------------------------------------- */

static void test_frame_times_are_exact(void **state) {
  (void)state;
  /* 30:1: a third of a microsecond rounds down, two thirds up. */
  assert_int_equal(rf_frame_time(0, 0, 30, 1), 0);
  assert_int_equal(rf_frame_time(0, 1, 30, 1), 33333);
  assert_int_equal(rf_frame_time(0, 2, 30, 1), 66667);
  assert_int_equal(rf_frame_time(0, 30, 30, 1), 1000000);
  /* NTSC's 30000:1001: frame 1 at 33366.67 us, frame 30000 at exactly 1001 s. */
  assert_int_equal(rf_frame_time(0, 1, 30000, 1001), 33367);
  assert_int_equal(rf_frame_time(0, 2, 30000, 1001), 66733);
  assert_int_equal(rf_frame_time(0, 30000, 30000, 1001), 1001000000);
  assert_int_equal(rf_frame_time(0, 29999, 30000, 1001), 1000966633);
  /* Half a microsecond rounds away from zero (2,000,000 frames a second). */
  assert_int_equal(rf_frame_time(0, 1, 2000000, 1), 1);
  /* A large index, without overflow: 10^12 frames at 30000:1001 is 1001 x 10^14 / 3 us. */
  assert_int_equal(rf_frame_time(0, 1000000000000LL, 30000, 1001), 33366666666666667LL);
  assert_int_equal(rf_frame_time(0, INT64_C(1) << 40, 60, 1),
                   ((INT64_C(1) << 40) / 60) * 1000000 +
                       (((INT64_C(1) << 40) % 60) * 1000000 + 30) / 60);
  /* Odd rates with large terms. */
  assert_int_equal(rf_frame_time(0, 2147483646, 2147483647, 2147483647), 2147483646000000LL);
  /* t0 offsets every frame, negative or not. */
  assert_int_equal(rf_frame_time(5000000, 1, 30000, 1001), 5033367);
  assert_int_equal(rf_frame_time(-1000000, 30, 30, 1), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_written_frames_read_back_in_every_space_and_odd_size),
      cmocka_unit_test(test_writer_header_names_only_what_is_known),
      cmocka_unit_test(test_writer_refuses_bad_info_and_writes_nothing),
      cmocka_unit_test(test_every_supported_colour_space_reads),
      cmocka_unit_test(test_tags_in_any_order_extensions_and_frame_parameters),
      cmocka_unit_test(test_each_malformed_header_is_refused_with_its_message),
      cmocka_unit_test(test_header_line_is_bounded),
      cmocka_unit_test(test_truncated_frames_name_the_frame_and_what_was_missing),
      cmocka_unit_test(test_a_large_frame_cut_short_names_its_index),
      cmocka_unit_test(test_read_errors_are_eio_with_a_message),
      cmocka_unit_test(test_write_errors_are_eio),
      cmocka_unit_test(test_a_pipe_reads_like_a_file),
      cmocka_unit_test(test_every_allocation_failure_is_clean),
      cmocka_unit_test(test_frame_times_are_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
