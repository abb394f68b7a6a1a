/* Capture (capture.h) as far as a machine without a camera can tell: the build says whether it
 * has libcamera; listing works and counts what the callback is given; an unknown camera is
 * RF_ENOTFOUND with a message; the shared CameraManager comes and goes as often as asked; and
 * none of it writes to stderr (libcamera's own INFO and WARN lines are kept off). Built without
 * libcamera, every function says so. */
#define _POSIX_C_SOURCE 200809L /* unsetenv, fileno, dup, glob */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <unistd.h>

#include <cmocka.h>

#include "retailfuse/retailfuse.h"

#ifndef RF_TEST_WITH_LIBCAMERA
#  error "tests/CMakeLists.txt defines RF_TEST_WITH_LIBCAMERA for this test"
#endif

/* ---- Standard error, caught ---------------------------------------------------------------- */

typedef struct caught_stderr {
  FILE *file;
  int saved;
} caught_stderr;

/* From here on, what goes to fd 2 (libcamera writes there, from any thread) goes to a file. */
static caught_stderr catch_stderr(void) {
  caught_stderr c;
  fflush(stderr);
  c.file = tmpfile();
  assert_non_null(c.file);
  c.saved = dup(2);
  assert_true(c.saved >= 0);
  assert_true(dup2(fileno(c.file), 2) >= 0);
  return c;
}

/* Puts fd 2 back and asserts nothing was written to it. */
static void assert_stderr_empty(caught_stderr *c) {
  fflush(stderr);
  assert_true(dup2(c->saved, 2) >= 0);
  close(c->saved);
  char text[512] = "";
  rewind(c->file);
  size_t n = fread(text, 1, sizeof text - 1, c->file);
  text[n] = '\0';
  fclose(c->file);
  if (n != 0) fail_msg("stderr was written: %s", text);
}

/* Whether the machine has a media or video device: without one libcamera can see no camera. */
static int has_video_devices(void) {
  int found = 0;
  const char *patterns[] = {"/dev/media*", "/dev/video*"};
  for (int i = 0; i < 2; ++i) {
    glob_t g;
    if (glob(patterns[i], 0, NULL, &g) == 0) found |= g.gl_pathc > 0;
    globfree(&g);
  }
  return found;
}

/* ---- Listing ------------------------------------------------------------------------------- */

typedef struct listed {
  size_t calls;
  int bad_id;
} listed;

static int count_camera(const char *id, const char *model, void *payload) {
  listed *l = payload;
  l->calls++;
  if (id == NULL || id[0] == '\0' || model == NULL) l->bad_id = 1;
  return 0;
}

/* Runs first: the first call of the process is when libcamera's log is set up. */
static void test_listing_is_quiet_and_counts_what_it_gives(void **state) {
  (void)state;
  unsetenv("LIBCAMERA_LOG_LEVELS"); /* the test's environment, not the user's choice */
  caught_stderr c = catch_stderr();
  listed l = {0, 0};
  size_t count = 99;
  char err[256] = "untouched";
  int rc = rf_capture_list(count_camera, &l, &count, err, sizeof err);
  assert_stderr_empty(&c);
  if (RF_TEST_WITH_LIBCAMERA) {
    assert_int_equal(rc, RF_OK);
    assert_string_equal(err, "");
    assert_int_equal(count, l.calls);
    if (!has_video_devices()) assert_int_equal(count, 0);
    assert_false(l.bad_id);
    /* The environment is left as it was found. */
    assert_null(getenv("LIBCAMERA_LOG_LEVELS"));
  } else {
    assert_int_equal(rc, RF_ENOTFOUND);
    assert_string_equal(err, "retailfuse was built without libcamera");
    assert_int_equal(count, 0);
    assert_int_equal(l.calls, 0);
  }
}

static void test_build_says_whether_it_has_libcamera(void **state) {
  (void)state;
  assert_int_equal(rf_capture_available(), RF_TEST_WITH_LIBCAMERA);
}

static void test_listing_takes_no_callback_or_count(void **state) {
  (void)state;
  caught_stderr c = catch_stderr();
  size_t count = 99;
  int expect = RF_TEST_WITH_LIBCAMERA ? RF_OK : RF_ENOTFOUND;
  assert_int_equal(rf_capture_list(NULL, NULL, &count, NULL, 0), expect);
  assert_int_equal(rf_capture_list(NULL, NULL, NULL, NULL, 0), expect);
  assert_stderr_empty(&c);
  listed l = {0, 0};
  assert_int_equal(rf_capture_list(count_camera, &l, NULL, NULL, 0), expect);
  assert_int_equal(count, l.calls);
}

/* ---- Opening ------------------------------------------------------------------------------- */

static void test_an_unknown_camera_is_not_found_with_a_message(void **state) {
  (void)state;
  caught_stderr c = catch_stderr();
  rf_capture *cap = (rf_capture *)1;
  char err[256] = "untouched";
  int rc = rf_capture_open(&cap, "no-such-camera", 640, 480, err, sizeof err);
  assert_stderr_empty(&c);
  assert_int_equal(rc, RF_ENOTFOUND);
  assert_null(cap);
  if (RF_TEST_WITH_LIBCAMERA)
    assert_string_equal(err, "no camera 'no-such-camera' (retailfuse cameras lists those "
                             "libcamera sees)");
  else assert_string_equal(err, "retailfuse was built without libcamera");
}

static void test_bad_arguments(void **state) {
  (void)state;
  rf_capture *cap;
  char err[256];
  if (RF_TEST_WITH_LIBCAMERA) {
    assert_int_equal(rf_capture_open(NULL, "x", 640, 480, err, sizeof err), RF_EINVAL);
    assert_int_equal(rf_capture_open(&cap, NULL, 640, 480, err, sizeof err), RF_EINVAL);
    assert_null(cap);
    assert_int_equal(rf_capture_open(&cap, "x", 0, 480, err, sizeof err), RF_EINVAL);
    assert_int_equal(rf_capture_open(&cap, "x", 640, -1, NULL, 0), RF_EINVAL);
    assert_string_equal(err, "no place for the capture, no id, or a size not > 0");
  }
  const uint8_t *luma = (const uint8_t *)1;
  int64_t t = 1;
  assert_int_equal(rf_capture_next(NULL, &luma, &t, 0),
                   RF_TEST_WITH_LIBCAMERA ? RF_EINVAL : RF_ENOTFOUND);
  int w = 1, h = 1;
  size_t stride = 1;
  rf_capture_size(NULL, &w, &h, &stride);
  assert_int_equal(w, 0);
  assert_int_equal(h, 0);
  assert_int_equal(stride, 0);
  rf_capture_close(NULL);
  assert_non_null(rf_capture_errmsg(NULL));
}

/* libcamera aborts a process that makes a second CameraManager while one lives: the shim's one
 * is made and dropped again and again (and, where there are cameras, opened inside a listing's
 * callback while the listing holds it). */
static int open_unknown_inside(const char *id, const char *model, void *payload) {
  (void)id;
  (void)model;
  rf_capture *cap;
  *(int *)payload = rf_capture_open(&cap, "no-such-camera", 64, 48, NULL, 0);
  return 0;
}

static void test_the_camera_manager_comes_and_goes(void **state) {
  (void)state;
  caught_stderr c = catch_stderr();
  int expect = RF_TEST_WITH_LIBCAMERA ? RF_OK : RF_ENOTFOUND;
  for (int i = 0; i < 5; ++i) {
    rf_capture *cap;
    assert_int_equal(rf_capture_list(NULL, NULL, NULL, NULL, 0), expect);
    assert_int_equal(rf_capture_open(&cap, "no-such-camera", 64, 48, NULL, 0), RF_ENOTFOUND);
    int inner = RF_ENOTFOUND;
    assert_int_equal(rf_capture_list(open_unknown_inside, &inner, NULL, NULL, 0), expect);
    assert_int_equal(inner, RF_ENOTFOUND);
  }
  assert_stderr_empty(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_listing_is_quiet_and_counts_what_it_gives),
      cmocka_unit_test(test_build_says_whether_it_has_libcamera),
      cmocka_unit_test(test_listing_takes_no_callback_or_count),
      cmocka_unit_test(test_an_unknown_camera_is_not_found_with_a_message),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_the_camera_manager_comes_and_goes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
