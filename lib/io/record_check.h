/* Internal: the format's rules for one record, as the readers keep them (docs/format.md). */
#ifndef RF_IO_RECORD_CHECK_H
#define RF_IO_RECORD_CHECK_H

#include "core/errbuf.h"
#include "retailfuse/record.h"

/* 0 when rec keeps every rule a record read from a file must (the writer's, and input times
 * within RF_TIME_LIMIT_US), else RF_EINVAL-free codes: RF_EPARSE or RF_ERANGE with the record
 * kind and field in err, as the JSON reader names them. */
int rf__record_check(const rf_record *rec, rf__errbuf *err);

#endif
