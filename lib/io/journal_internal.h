/* Internal: journaling a record as the protocol-buffer message it came in, for hosts that have
 * it (the service): no encoding again, no checking again. */
#ifndef RF_IO_JOURNAL_INTERNAL_H
#define RF_IO_JOURNAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "retailfuse/journal.h"

/* Appends the Record message msg[0, len) — one that decoded and passed the format's checks —
 * with its `source` set to `source` when that is not NULL (the field appended after the
 * message's own: the last one read wins), as rf_journal_append would a record. */
int rf__journal_append_message(rf_journal *journal, const uint8_t *msg, size_t len,
                               const char *source);

#endif
