/* The names of the service's messages, roles and plate faults, and back. */
#include "wire_names.h"

#include <string.h>

static const char *const kind_names[] = {"record", "hello", "ack",   "error",
                                         "finish", "fault", "source"};
static const char *const role_names[] = {NULL, "gateway", "subscriber", "service"};

const char *rf_wire_kind_name(rf_wire_kind kind) {
  return kind >= RF_WIRE_RECORD && kind <= RF_WIRE_SOURCE ? kind_names[kind] : NULL;
}

const char *rf__wire_role_name(rf_wire_role role) {
  return role >= RF_WIRE_GATEWAY && role <= RF_WIRE_SERVICE ? role_names[role] : NULL;
}

rf_wire_role rf__wire_role_of(const char *name) {
  for (int r = RF_WIRE_GATEWAY; r <= RF_WIRE_SERVICE; ++r)
    if (name != NULL && strcmp(name, role_names[r]) == 0) return (rf_wire_role)r;
  return (rf_wire_role)0;
}

rf_plate_fault rf__wire_fault_of(const char *name) {
  for (int f = RF_FAULT_GAP; f <= RF_FAULT_ORDER; ++f)
    if (name != NULL && strcmp(name, rf_plate_fault_name((rf_plate_fault)f)) == 0)
      return (rf_plate_fault)f;
  return (rf_plate_fault)0;
}

int rf__wire_kind_of(const char *type) {
  for (int k = RF_WIRE_HELLO; k <= RF_WIRE_SOURCE; ++k)
    if (type != NULL && strcmp(type, kind_names[k]) == 0) return k;
  return -1;
}
