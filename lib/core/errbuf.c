#include "errbuf.h"

#include <stdarg.h>
#include <stdio.h>

int rf__error(rf__errbuf *buf, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf->msg, sizeof buf->msg, fmt, ap);
  va_end(ap);
  return code;
}
