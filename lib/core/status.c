/* Status code names and messages, generated from the one table in status.h. */
#include "retailfuse/status.h"

const char *rf_strerror(int code) {
  switch (code) {
    case RF_OK: return "success";
    case RF_SETASIDE: return "record set aside";
#define RF__STATUS_MSG(name, value, msg) \
  case RF_##name: return msg;
      RF_STATUS_MAP(RF__STATUS_MSG)
#undef RF__STATUS_MSG
    default: return "unknown status code";
  }
}

const char *rf_err_name(int code) {
  switch (code) {
    case RF_OK: return "OK";
    case RF_SETASIDE: return "SETASIDE";
#define RF__STATUS_NAME(name, value, msg) \
  case RF_##name: return #name;
      RF_STATUS_MAP(RF__STATUS_NAME)
#undef RF__STATUS_NAME
    default: return "UNKNOWN";
  }
}
