/* Internal: what a decoder keeps of the last frame, for hosts that pass it on as it came. */
#ifndef RF_IO_WIRE_INTERNAL_H
#define RF_IO_WIRE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/wire.h"

/* The Record message of the record rf_wire_decoder_next gave last, when it came as protocol
 * buffers (NULL for JSON, or after a service message or an error); valid until the next feed. */
const uint8_t *rf__wire_decoder_message(const rf_wire_decoder *decoder, size_t *len);

#endif
