/* The journal: segments of CRC-framed protocol buffers in a directory (journal.h says what and
 * why; pb_codec.c frames and encodes). */
#define _POSIX_C_SOURCE 200809L /* fdatasync, clock_gettime, openat-free POSIX file calls */

#include "retailfuse/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/errbuf.h"
#include "pb_codec.h"
#include "journal_internal.h"
#include "record_check.h"
#include "retailfuse/status.h"

#define DEFAULT_SYNC_MS 10
#define DEFAULT_SEGMENT_BYTES ((uint64_t)64 << 20)
/* Without an fsync per entry, entries wait in memory up to this many bytes or sync_ms. */
#define PENDING_BYTES (64 * 1024)
#define SEGMENT_FORMAT "journal-%06u.rfj"
#define NAME_MAX_LEN 32

struct rf_journal {
  rf_allocator alloc;
  char *dir;
  rf_journal_options opt;
  rf_journal_state st;
  unsigned *segments; /* segment numbers, ascending */
  size_t segment_cap;
  int fd;            /* the last segment, open for appending */
  uint64_t seg_size; /* its length */
  double last_sync_ms;
  rf__pb_encoder enc;
  uint8_t *out; /* one frame being appended */
  size_t out_len, out_cap;
  uint8_t *pending; /* frames not yet written (RF_JOURNAL_SYNC_INTERVAL, _NEVER) */
  size_t pending_len, pending_cap;
  uint64_t pending_entries; /* entries among them, not yet durable */
  int broken;               /* a write or sync failed: nothing more is taken */
  char broken_msg[RF__ERRMSG_MAX];
  uint8_t *in; /* one segment being read */
  size_t in_cap;
  rf__pb_decoder dec;
  rf__errbuf err;
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void segment_name(char *buf, unsigned number) {
  snprintf(buf, NAME_MAX_LEN, SEGMENT_FORMAT, number);
}

/* dir/name into path (PATH_MAX-ish room). */
static void path_of(const rf_journal *j, const char *name, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s", j->dir, name);
}

static int io_error(rf_journal *j, const char *what, const char *name) {
  int e = errno;
  rf__error(&j->err, RF_EIO, "%s %s: %s", what, name, strerror(e));
  errno = e;
  return RF_EIO;
}

/* ---- the segments in the directory ---- */

static int by_number(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return (x > y) - (x < y);
}

static int list_segments(rf_journal *j) {
  DIR *d = opendir(j->dir);
  if (d == NULL) return io_error(j, "opening", j->dir);
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    unsigned n;
    char tail;
    if (sscanf(e->d_name, "journal-%6u.rf%c", &n, &tail) != 2 || tail != 'j') continue;
    char canonical[NAME_MAX_LEN];
    segment_name(canonical, n);
    if (strcmp(canonical, e->d_name) != 0) continue;
    if (RF__RESERVE(&j->alloc, j->segments, j->segment_cap, j->st.segments + 1) != 0)
      rc = rf__error(&j->err, RF_ENOMEM, "out of memory");
    else j->segments[j->st.segments++] = n;
  }
  closedir(d);
  if (rc == 0 && j->st.segments > 1)
    qsort(j->segments, (size_t)j->st.segments, sizeof *j->segments, by_number);
  return rc;
}

/* The whole of segment `name` into j->in; its length in *size. */
static int read_segment(rf_journal *j, const char *name, size_t *size) {
  char path[4096];
  path_of(j, name, path, sizeof path);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return io_error(j, "opening", name);
  struct stat st;
  int rc = fstat(fd, &st) == 0 ? 0 : io_error(j, "reading", name);
  size_t n = rc == 0 ? (size_t)st.st_size : 0, got = 0;
  if (rc == 0 && rf__reserve(&j->alloc, (void **)&j->in, &j->in_cap, n + 1, 1) != 0)
    rc = rf__error(&j->err, RF_ENOMEM, "out of memory");
  while (rc == 0 && got < n) {
    ssize_t k = read(fd, j->in + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) rc = io_error(j, "reading", name);
    else got += (size_t)k;
  }
  close(fd);
  *size = got;
  return rc;
}

/* ---- reading a segment's frames ---- */

typedef struct scan {
  rf_journal_record_fn on_record;
  rf_journal_advance_fn on_advance;
  void *payload;
  int replaying;   /* hand the entries out; else count them */
  size_t good_end; /* the byte after the last whole frame */
  int torn;        /* the segment ends inside a frame */
} scan;

/* A bad frame: counted and passed when skip_bad, else the opening's error. */
static int bad_frame(rf_journal *j, const scan *s, const char *name, uint64_t frame, size_t at,
                     const char *why) {
  if (j->opt.skip_bad) {
    if (!s->replaying) j->st.skipped++;
    return 0;
  }
  return rf__error(&j->err, RF_EPARSE, "%s: frame %llu (byte %zu): %s", name,
                   (unsigned long long)frame, at, why);
}

/* The header of a segment: 0, or its error; *skip its length. */
static int check_header(rf_journal *j, const char *name, const uint8_t *d, size_t n, size_t *skip) {
  uint64_t version = 0, flags = 0;
  int a = n > RF__PB_MAGIC_LEN
              ? rf__pb_get_varint(d + RF__PB_MAGIC_LEN, n - RF__PB_MAGIC_LEN, &version)
              : 0;
  int b =
      a > 0 ? rf__pb_get_varint(d + RF__PB_MAGIC_LEN + a, n - RF__PB_MAGIC_LEN - (size_t)a, &flags)
            : 0;
  if (n < RF__PB_MAGIC_LEN && memcmp(d, RF__PB_MAGIC, n) == 0) return 1; /* cut short */
  if (n < RF__PB_MAGIC_LEN || memcmp(d, RF__PB_MAGIC, RF__PB_MAGIC_LEN) != 0 || a < 0 || b < 0)
    return rf__error(&j->err, RF_EPARSE, "%s: not a journal segment", name);
  if (a == 0 || b == 0) return 1; /* cut short */
  if (version != RF__PB_VERSION || flags != RF__PB_FLAG_CRC)
    return rf__error(&j->err, RF_EVERSION,
                     "%s: format version %llu (flags %llu); this journal reads version %d", name,
                     (unsigned long long)version, (unsigned long long)flags, RF__PB_VERSION);
  *skip = RF__PB_MAGIC_LEN + (size_t)a + (size_t)b;
  return 0;
}

/* One whole frame's message at d[at + k, + len): checked, decoded, handed out or counted. */
static int take_frame(rf_journal *j, scan *s, const char *name, uint64_t frame, size_t at,
                      const uint8_t *message, size_t len) {
  if (rf__crc32c(message, len) != rf__pb_get_u32(message + len))
    return bad_frame(j, s, name, frame, at, "its CRC does not match");
  rf_record rec;
  int is_advance = 0;
  rf_time_us clock = 0;
  rf__errbuf why;
  rf__error_clear(&why);
  int rc = rf__pb_decode_entry(&j->dec, message, len, &rec, &is_advance, &clock, &why);
  if (rc == RF_ENOMEM) return rf__error(&j->err, rc, "out of memory");
  if (rc != 0) return bad_frame(j, s, name, frame, at, why.msg);
  if (!s->replaying) {
    j->st.entries++;
    return 0;
  }
  if (is_advance) return s->on_advance ? s->on_advance(clock, s->payload) : 0;
  return s->on_record ? s->on_record(&rec, s->payload) : 0;
}

/* Every frame of segment d[0, n): s->good_end and s->torn say where the whole frames end. */
static int scan_frames(rf_journal *j, scan *s, const char *name, const uint8_t *d, size_t n) {
  size_t at = 0;
  s->torn = 0;
  int rc = check_header(j, name, d, n, &at);
  if (rc != 0) {
    s->good_end = 0;
    s->torn = rc == 1;
    return rc == 1 ? 0 : rc;
  }
  for (uint64_t frame = 1; at < n; ++frame) {
    uint64_t len = 0;
    int k = rf__pb_get_varint(d + at, n - at, &len);
    if (k < 0) return bad_frame(j, s, name, frame, at, "its length is not a varint");
    if (k == 0 || len > n - at - (size_t)k || n - at - (size_t)k - len < 4) {
      s->torn = 1;
      break;
    }
    if ((rc = take_frame(j, s, name, frame, at, d + at + k, (size_t)len)) != 0) return rc;
    at += (size_t)k + (size_t)len + 4;
  }
  s->good_end = at;
  return 0;
}

/* ---- appending ---- */

static int write_all(rf_journal *j, const uint8_t *data, size_t n) {
  while (n > 0) {
    ssize_t k = write(j->fd, data, n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return io_error(j, "writing", "the journal");
    data += k;
    n -= (size_t)k;
    j->seg_size += (uint64_t)k;
  }
  return 0;
}

/* An fsync of the directory: a segment created is there after a crash. */
static int sync_dir(rf_journal *j) {
  int fd = open(j->dir, O_RDONLY);
  if (fd < 0) return io_error(j, "opening", j->dir);
  int rc = fsync(fd) == 0 || errno == EINVAL ? 0 : io_error(j, "syncing", j->dir);
  close(fd);
  return rc;
}

/* A new segment after the last, with its header, open for appending. */
static int new_segment(rf_journal *j) {
  unsigned number = j->st.segments ? j->segments[j->st.segments - 1] + 1 : 1;
  if (RF__RESERVE(&j->alloc, j->segments, j->segment_cap, j->st.segments + 1) != 0)
    return rf__error(&j->err, RF_ENOMEM, "out of memory");
  char name[NAME_MAX_LEN], path[4096];
  segment_name(name, number);
  path_of(j, name, path, sizeof path);
  if (j->fd >= 0 && (fdatasync(j->fd) != 0 || close(j->fd) != 0)) {
    j->fd = -1;
    return io_error(j, "closing", "the last segment");
  }
  j->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644);
  if (j->fd < 0) return io_error(j, "creating", name);
  j->segments[j->st.segments++] = number;
  j->seg_size = 0;
  uint8_t header[RF__PB_HEADER_MAX];
  int rc = write_all(j, header, rf__pb_header(header, RF__PB_FLAG_CRC));
  if (rc == 0 && fdatasync(j->fd) != 0) rc = io_error(j, "syncing", name);
  return rc == 0 ? sync_dir(j) : rc;
}

/* The frames waiting in memory written, and (RF_JOURNAL_SYNC_INTERVAL) synced; only then are
 * they durable. A write or sync that fails breaks the journal for good: after a failed fsync the
 * kernel may have dropped the pages, and a second fsync that succeeds proves nothing. */
static int flush_pending(rf_journal *j) {
  if (j->broken) return rf__error(&j->err, RF_EIO, "%s", j->broken_msg);
  int rc = j->pending_len > 0 ? write_all(j, j->pending, j->pending_len) : 0;
  if (rc == 0) j->pending_len = 0;
  if (rc == 0 && j->opt.sync == RF_JOURNAL_SYNC_INTERVAL && fdatasync(j->fd) != 0)
    rc = io_error(j, "syncing", "the journal");
  if (rc != 0) {
    j->broken = 1;
    memcpy(j->broken_msg, j->err.msg, sizeof j->broken_msg);
    return rc;
  }
  j->pending_entries = 0;
  j->last_sync_ms = now_ms();
  return 0;
}

/* The frame in j->out (its length, the message) with its CRC, into the last segment: written
 * and synced at once (RF_JOURNAL_SYNC_EVERY), or held with the others until PENDING_BYTES or
 * sync_ms since the last write (a process killed loses them, and the entries after them: a
 * resumed run reads them again). */
static int append_frame(rf_journal *j) {
  uint64_t len;
  int k = rf__pb_get_varint(j->out, j->out_len, &len);
  uint32_t crc = rf__crc32c(j->out + k, (size_t)len);
  uint8_t tail[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
  if (rf__reserve(&j->alloc, (void **)&j->out, &j->out_cap, j->out_len + 4, 1) != 0)
    return rf__error(&j->err, RF_ENOMEM, "out of memory");
  memcpy(j->out + j->out_len, tail, 4);
  j->out_len += 4;
  int rc = 0;
  uint64_t size = j->seg_size + j->pending_len;
  if (size > RF__PB_HEADER_MAX && size + j->out_len > j->opt.segment_bytes &&
      (rc = flush_pending(j)) == 0)
    rc = new_segment(j);
  if (rc != 0) return rc;
  if (j->opt.sync == RF_JOURNAL_SYNC_EVERY) {
    rc = write_all(j, j->out, j->out_len);
    if (rc == 0 && fdatasync(j->fd) != 0) rc = io_error(j, "syncing", "the journal");
    if (rc != 0) { /* the entry may be in the file or not: the journal is broken (above) */
      j->broken = 1;
      memcpy(j->broken_msg, j->err.msg, sizeof j->broken_msg);
      return rc;
    }
    j->st.entries++;
    return 0;
  }
  if (rf__reserve(&j->alloc, (void **)&j->pending, &j->pending_cap, j->pending_len + j->out_len,
                  1) != 0)
    return rf__error(&j->err, RF_ENOMEM, "out of memory");
  memcpy(j->pending + j->pending_len, j->out, j->out_len);
  j->pending_len += j->out_len;
  j->pending_entries++;
  j->st.entries++;
  if (j->pending_len >= PENDING_BYTES || now_ms() - j->last_sync_ms >= j->opt.sync_ms)
    return flush_pending(j);
  return 0;
}

int rf_journal_append(rf_journal *j, const rf_record *rec) {
  if (j == NULL || rec == NULL) return RF_EINVAL;
  rf__error_clear(&j->err);
  if (j->broken) return rf__error(&j->err, RF_EIO, "%s", j->broken_msg);
  if (rf__record_check(rec, &j->err) != 0) return RF_EINVAL; /* it must read back */
  j->out_len = 0;
  int rc = rf__pb_encode(&j->enc, rec, &j->out, &j->out_len, &j->out_cap);
  if (rc != 0) return rf__error(&j->err, rc, "%s", rf_strerror(rc));
  return append_frame(j);
}

int rf__journal_append_message(rf_journal *j, const uint8_t *msg, size_t len, const char *source) {
  rf__error_clear(&j->err);
  if (j->broken) return rf__error(&j->err, RF_EIO, "%s", j->broken_msg);
  size_t extra = source ? strlen(source) : 0;
  size_t body = len + (source ? 1 + 10 + extra : 0);
  if (rf__reserve(&j->alloc, (void **)&j->out, &j->out_cap, body + 10, 1) != 0)
    return rf__error(&j->err, RF_ENOMEM, "out of memory");
  uint8_t field[11]; /* Record.source (field 1, length-delimited): its key and length */
  size_t field_len = 0;
  if (source != NULL) {
    field[0] = 0x0a;
    field_len = 1 + rf__pb_put_varint(field + 1, extra);
  }
  j->out_len = rf__pb_put_varint(j->out, len + field_len + extra);
  memcpy(j->out + j->out_len, msg, len);
  j->out_len += len;
  /* a field that comes again in a message replaces the earlier one: the source is the given */
  memcpy(j->out + j->out_len, field, field_len);
  j->out_len += field_len;
  memcpy(j->out + j->out_len, source ? source : "", extra);
  j->out_len += extra;
  return append_frame(j);
}

int rf_journal_advance(rf_journal *j, rf_time_us clock) {
  if (j == NULL) return RF_EINVAL;
  rf__error_clear(&j->err);
  if (j->broken) return rf__error(&j->err, RF_EIO, "%s", j->broken_msg);
  j->out_len = 0;
  int rc = rf__pb_encode_advance(&j->enc, clock, &j->out, &j->out_len, &j->out_cap);
  if (rc != 0) return rf__error(&j->err, rc, "%s", rf_strerror(rc));
  return append_frame(j);
}

uint64_t rf_journal_bytes(const rf_journal *j) {
  if (j == NULL) return 0;
  uint64_t total = j->seg_size + j->pending_len; /* the last segment, and what waits for it */
  for (uint64_t i = 0; i + 1 < j->st.segments; ++i) {
    char name[NAME_MAX_LEN], path[4096];
    struct stat st;
    segment_name(name, j->segments[i]);
    path_of(j, name, path, sizeof path);
    if (stat(path, &st) == 0) total += (uint64_t)st.st_size;
  }
  return total;
}

uint64_t rf_journal_durable(const rf_journal *j) {
  return j != NULL ? j->st.entries - j->pending_entries : 0;
}

int rf_journal_flush(rf_journal *j) {
  if (j == NULL) return RF_EINVAL;
  return j->pending_entries > 0 || j->broken ? flush_pending(j) : 0;
}

int rf_journal_sync(rf_journal *j) {
  if (j == NULL) return RF_EINVAL;
  int rc = j->pending_len > 0 ? flush_pending(j) : 0;
  if (rc != 0) return rc;
  if (j->fd >= 0 && fdatasync(j->fd) != 0) return io_error(j, "syncing", "the journal");
  j->last_sync_ms = now_ms();
  return 0;
}

/* ---- opening, replaying, closing ---- */

/* Segment i read and checked; the last one's torn tail cut off. */
static int recover_segment(rf_journal *j, size_t i) {
  char name[NAME_MAX_LEN];
  segment_name(name, j->segments[i]);
  size_t n;
  int rc = read_segment(j, name, &n);
  scan s = {0};
  if (rc == 0) rc = scan_frames(j, &s, name, j->in, n);
  if (rc != 0 || !s.torn) return rc;
  if (i + 1 < j->st.segments) { /* damage, not a torn tail: segments were begun after it */
    if (j->opt.skip_bad) {
      j->st.skipped++;
      return 0;
    }
    return rf__error(&j->err, RF_EPARSE, "%s: cut short at byte %zu, and segments follow it", name,
                     s.good_end);
  }
  char path[4096];
  path_of(j, name, path, sizeof path);
  if (truncate(path, (off_t)s.good_end) != 0) return io_error(j, "cutting the torn tail of", name);
  j->st.torn_bytes += n - s.good_end;
  return 0;
}

/* The last segment open for appending, or a new one: one with no whole header is begun again. */
static int open_last(rf_journal *j) {
  if (j->st.segments == 0) return new_segment(j);
  char name[NAME_MAX_LEN], path[4096];
  segment_name(name, j->segments[j->st.segments - 1]);
  path_of(j, name, path, sizeof path);
  j->fd = open(path, O_WRONLY | O_APPEND);
  if (j->fd < 0) return io_error(j, "opening", name);
  struct stat st;
  if (fstat(j->fd, &st) != 0) return io_error(j, "opening", name);
  j->seg_size = (uint64_t)st.st_size;
  if (j->seg_size > 0) return 0;
  uint8_t header[RF__PB_HEADER_MAX];
  int rc = write_all(j, header, rf__pb_header(header, RF__PB_FLAG_CRC));
  return rc == 0 && fdatasync(j->fd) != 0 ? io_error(j, "syncing", name) : rc;
}

static int open_dir(rf_journal *j) {
  if (mkdir(j->dir, 0755) != 0 && errno != EEXIST) return io_error(j, "creating", j->dir);
  int rc = list_segments(j);
  for (size_t i = 0; rc == 0 && i < j->st.segments; ++i) rc = recover_segment(j, i);
  if (rc == 0) rc = open_last(j);
  j->last_sync_ms = now_ms();
  return rc;
}

int rf_journal_open(rf_journal **out, const char *dir, const rf_journal_options *options,
                    const rf_allocator *allocator) {
  if (out == NULL) return RF_EINVAL;
  *out = NULL;
  if (dir == NULL || dir[0] == '\0') return RF_EINVAL;
  if (options != NULL && options->version != RF_JOURNAL_OPTIONS_VERSION) return RF_EVERSION;
  rf_allocator a;
  if (rf__allocator_init(&a, allocator) != 0) return RF_EINVAL;
  rf_journal *j = rf__calloc(&a, 1, sizeof *j);
  if (j == NULL) return RF_ENOMEM;
  j->alloc = a;
  j->fd = -1;
  j->opt = options ? *options : (rf_journal_options)RF_JOURNAL_OPTIONS_INIT;
  if (j->opt.sync_ms == 0) j->opt.sync_ms = DEFAULT_SYNC_MS;
  if (j->opt.segment_bytes == 0) j->opt.segment_bytes = DEFAULT_SEGMENT_BYTES;
  rf__pb_encoder_init(&j->enc, &j->alloc);
  j->enc.with_line = 1;
  rf__pb_decoder_init(&j->dec, &j->alloc);
  j->dir = rf__strdup(&j->alloc, dir);
  int rc = j->dir ? open_dir(j) : RF_ENOMEM;
  *out = j; /* even on failure: rf_journal_errmsg says why; close frees it */
  return rc;
}

void rf_journal_state_get(const rf_journal *j, rf_journal_state *out) {
  if (out != NULL) *out = j ? j->st : (rf_journal_state){0, 0, 0, 0};
}

int rf_journal_replay(rf_journal *j, rf_journal_record_fn on_record,
                      rf_journal_advance_fn on_advance, void *payload) {
  if (j == NULL) return RF_EINVAL;
  rf__error_clear(&j->err);
  scan s = {on_record, on_advance, payload, 1, 0, 0};
  int rc = j->pending_len > 0 ? flush_pending(j) : 0; /* they are replayed too */
  for (size_t i = 0; rc == 0 && i < j->st.segments; ++i) {
    char name[NAME_MAX_LEN];
    segment_name(name, j->segments[i]);
    size_t n;
    if ((rc = read_segment(j, name, &n)) == 0) rc = scan_frames(j, &s, name, j->in, n);
  }
  return rc;
}

int rf_journal_close(rf_journal *j) {
  if (j == NULL) return 0;
  int rc = j->fd >= 0 && j->pending_len > 0 ? flush_pending(j) : 0;
  if (j->fd >= 0 && (fdatasync(j->fd) != 0 || close(j->fd) != 0)) rc = RF_EIO;
  rf__pb_encoder_free(&j->enc);
  rf__pb_decoder_free(&j->dec);
  rf__free(&j->alloc, j->out);
  rf__free(&j->alloc, j->pending);
  rf__free(&j->alloc, j->in);
  rf__free(&j->alloc, j->segments);
  rf__free(&j->alloc, j->dir);
  rf_allocator a = j->alloc;
  rf__free(&a, j);
  return rc;
}

const char *rf_journal_errmsg(const rf_journal *j) { return j ? j->err.msg : ""; }
