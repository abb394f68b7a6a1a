/* retailfuse cameras: being written (issue 18). */
#include "cli.h"

int cmd_cameras(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return usage_error("cameras: not built yet");
}
