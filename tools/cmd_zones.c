/* retailfuse zones: being written (issue 18). */
#include "cli.h"

int cmd_zones(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return usage_error("zones: not built yet");
}
