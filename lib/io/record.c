/* Record type names, from the one table in scenario.h. */
#include "retailfuse/scenario.h"

const char *rf_record_type_name(rf_record_type type) {
  static const char *const names[] = {
#define RF__RECORD_NAME(name, str) str,
      RF_RECORD_TYPE_MAP(RF__RECORD_NAME)
#undef RF__RECORD_NAME
  };
  if ((int)type < 0 || type >= RF_RECORD_TYPE_COUNT) return NULL;
  return names[type];
}
