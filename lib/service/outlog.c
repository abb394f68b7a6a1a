/* The output log: every message the service made for its subscribers, in order, as one
 * protocol-buffer stream in a file (DIR/output.pb beside the journal, else an unnamed temporary
 * file). It is made again from the journal at each start, so it is never synced: what a crash
 * loses of it, the replay writes again. Subscribers read it from any message on; a sparse index
 * of offsets finds the message to begin with. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "internal.h"
#include "retailfuse/status.h"

#define LOG_NAME "output.pb"

static int open_file(svc_outlog *log, const char *dir, const rf_allocator *a, rf__errbuf *err) {
  if (dir == NULL) {
    const char *tmp = getenv("TMPDIR");
    log->fd = open(tmp && tmp[0] ? tmp : "/tmp", O_TMPFILE | O_RDWR, 0600);
    if (log->fd < 0)
      return rf__error(err, RF_EIO, "cannot make a temporary output log: %s", strerror(errno));
    return 0;
  }
  size_t n = strlen(dir) + sizeof LOG_NAME + 1;
  log->path = rf__malloc(a, n);
  if (log->path == NULL) return RF_ENOMEM;
  snprintf(log->path, n, "%s/%s", dir, LOG_NAME);
  log->fd = open(log->path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
  if (log->fd < 0)
    return rf__error(err, RF_EIO, "cannot open the output log '%s': %s", log->path,
                     strerror(errno));
  return 0;
}

int svc_outlog_open(svc_outlog *log, const char *dir, const rf_allocator *a, rf__errbuf *err) {
  memset(log, 0, sizeof *log);
  log->fd = -1;
  log->alloc = a;
  int rc = open_file(log, dir, a, err);
  if (rc == 0 && (rc = rf_wire_encoder_new(&log->enc, RF_FORMAT_PB, a)) != 0)
    rf__error(err, rc, "out of memory");
  if (rc != 0) return rc;
  rf_wire_encoder_data(log->enc, &log->header_len);
  log->end = log->pub_end = log->header_len;
  return 0;
}

void svc_outlog_close(svc_outlog *log) {
  if (log->fd >= 0) close(log->fd);
  rf_wire_encoder_free(log->enc);
  rf__free(log->alloc, log->marks);
  rf__free(log->alloc, log->path);
  memset(log, 0, sizeof *log);
  log->fd = -1;
}

int svc_outlog_append(svc_outlog *log, const rf_wire_msg *msg) {
  if (log->count % SVC_MARK_EVERY == 0) {
    if (RF__RESERVE(log->alloc, log->marks, log->mark_cap, log->mark_count + 1) != 0)
      return RF_ENOMEM;
    log->marks[log->mark_count++] = log->end;
  }
  size_t before;
  rf_wire_encoder_data(log->enc, &before);
  int rc = rf_wire_encode(log->enc, msg);
  if (rc != 0) {
    if (log->count % SVC_MARK_EVERY == 0) log->mark_count--;
    return rc;
  }
  size_t after;
  rf_wire_encoder_data(log->enc, &after);
  log->end += after - before;
  log->count++;
  return 0;
}

int svc_outlog_publish(svc_outlog *log, rf__errbuf *err) {
  size_t len;
  const uint8_t *data = rf_wire_encoder_data(log->enc, &len);
  size_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(log->fd, data + done, len - done, (off_t)(log->written + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return rf__error(err, RF_EIO, "writing the output log: %s", strerror(errno));
    done += (size_t)n;
  }
  log->written += len;
  rf_wire_encoder_clear(log->enc);
  log->pub_end = log->end;
  log->pub_count = log->count;
  return 0;
}

/* The length of the frame at off (its varint and message), or 0 when it does not read. */
static uint64_t frame_at(const svc_outlog *log, uint64_t off) {
  uint8_t head[10];
  ssize_t n = pread(log->fd, head, sizeof head, (off_t)off);
  uint64_t size = 0;
  int shift = 0;
  for (ssize_t i = 0; i < n && shift < 64; ++i, shift += 7) {
    size |= (uint64_t)(head[i] & 0x7f) << shift;
    if ((head[i] & 0x80) == 0) return (uint64_t)i + 1 + size;
  }
  return 0;
}

int svc_outlog_find(const svc_outlog *log, int64_t seq, uint64_t *off, int64_t *found) {
  if (seq < 1) seq = 1;
  if ((uint64_t)seq > log->pub_count) {
    *off = log->pub_end;
    *found = (int64_t)log->pub_count + 1;
    return 0;
  }
  uint64_t k = (uint64_t)(seq - 1) / SVC_MARK_EVERY;
  uint64_t at = log->marks[k], n = k * SVC_MARK_EVERY + 1;
  for (; n < (uint64_t)seq; ++n) {
    uint64_t len = frame_at(log, at);
    if (len == 0) return RF_EIO;
    at += len;
  }
  *off = at;
  *found = seq;
  return 0;
}

long svc_outlog_read(const svc_outlog *log, uint64_t off, void *buf, size_t cap) {
  if (off >= log->pub_end) return 0;
  uint64_t left = log->pub_end - off;
  size_t want = left < cap ? (size_t)left : cap;
  ssize_t n;
  do n = pread(log->fd, buf, want, (off_t)off);
  while (n < 0 && errno == EINTR);
  return (long)n;
}
