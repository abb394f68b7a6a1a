/* Internal: the names the service's messages use in JSON and in their protocol buffers. */
#ifndef RF_IO_WIRE_NAMES_H
#define RF_IO_WIRE_NAMES_H

#include "retailfuse/wire.h"

/* "gateway", "subscriber", "service"; NULL for another value. */
const char *rf__wire_role_name(rf_wire_role role);
/* The role of a name, or 0 for none. */
rf_wire_role rf__wire_role_of(const char *name);
/* The fault of a name ("gap", ...), or 0 for none. */
rf_plate_fault rf__wire_fault_of(const char *name);
/* The message kind of a JSON `type` that is not a record's, or -1. */
int rf__wire_kind_of(const char *type);

#endif
