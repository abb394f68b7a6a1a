/* Internal: the detail message an object keeps for its last error. */
#ifndef RF_CORE_ERRBUF_H
#define RF_CORE_ERRBUF_H

#include <stddef.h>

#define RF__ERRMSG_MAX 512

typedef struct rf__errbuf {
  char msg[RF__ERRMSG_MAX];
} rf__errbuf;

/* Formats the message (truncating if needed) and returns `code`, so callers can
 * `return rf__error(&obj->err, RF_ERANGE, "...", ...)`. */
int rf__error(rf__errbuf *buf, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static inline void rf__error_clear(rf__errbuf *buf) { buf->msg[0] = '\0'; }

#endif
