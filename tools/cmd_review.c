/* retailfuse review SCENARIO OUTPUT --html REPORT.html: the reviewer's page (issue 19; being
 * built). */
#include "cli.h"

int cmd_review(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return usage_error("review: not built yet");
}
