/* The linked library's version, so hosts can compare it with the headers they built against. */
#include "retailfuse/version.h"

unsigned rf_version(void) { return RF_VERSION_NUMBER; }

const char *rf_version_string(void) { return RF_VERSION_STRING; }
