/* retailfuse cameras: list the cameras libcamera sees on this machine. */
#include <stdio.h>

#include "cli.h"
#include "retailfuse/retailfuse.h"

const cli_command cameras_command = {
    "cameras",
    "",
    "Lists the cameras libcamera sees on this machine, one line each: its id (what\n"
    "'retailfuse zones --camera ID' takes), a tab, and its model when known. Prints\n"
    "'no cameras found' when there are none (exit status 0). A retailfuse built without\n"
    "libcamera says so on standard error with exit status 1, as when libcamera fails.\n"
    "libcamera's own log is kept to errors unless LIBCAMERA_LOG_LEVELS is set.\n",
    NULL,
    0,
    NULL};

static int print_camera(const char *id, const char *model, void *payload) {
  (void)payload;
  printf("%s\t%s\n", id, model);
  return 0;
}

int cmd_cameras(int argc, char **argv) {
  if (argc > 1) return usage_error("cameras: unknown argument '%s'", argv[1]);
  char err[256] = "";
  size_t count = 0;
  int rc = rf_capture_list(print_camera, NULL, &count, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "retailfuse: cameras: %s\n", err[0] != '\0' ? err : rf_strerror(rc));
    return 1;
  }
  if (count == 0) puts("no cameras found");
  return fflush(stdout) == 0 ? 0 : 1;
}
