/*
 * retailfuse/scenario.h — scenario files: JSON Lines records, or their protocol-buffer twins,
 * read and written as streams.
 *
 * The format (a stable interface, specified in docs/format.md) has one JSON object per line
 * with its `type` first: the store description (product, shelf, facing, camera, zone), input
 * events (enter, exit, link, position, samples, delta, hand, restock), engine output (diff,
 * receipt) and ground truth (truth, receipt), each line one rf_record (record.h). Times are
 * integer microseconds on the store clock, weights grams, positions metres.
 *
 * Reading is one line at a time in constant memory (bounded by the longest line). Unknown fields
 * are ignored; an unknown type, a missing required field, a wrong JSON type, a non-finite number
 * or a malformed line is an error naming the line and the field. So is, anywhere in the line
 * (unknown fields included): a string or key that is not UTF-8 or holds a NUL (\u0000), and a
 * key that appears twice in one object (RF_EPARSE); a time beyond RF_TIME_LIMIT_US from 0 (2^53
 * for the times of engine output, diff and receipt) and grams beyond RF_WEIGHT_LIMIT_G by
 * magnitude (RF_ERANGE). JSON nested deeper than 1000 levels is an error that says so. After an
 * error the reader goes on with the next line, so a caller can collect several errors.
 *
 * The same records travel as protocol buffers (proto/retailfuse.proto, docs/format.md "Protocol
 * buffers"): a header (magic, format version, flags), then frames of a varint length and one
 * Record message. The reader takes either, telling them apart by the first bytes; frames are
 * numbered like lines (rf_scenario_reader_line) and an error names the frame and its byte
 * offset. The writer writes JSON Lines unless told otherwise (rf_scenario_writer_set_format).
 *
 * Ownership: a record returned by the reader, with every string and array it points to, belongs
 * to the reader and stays valid until the next call to rf_scenario_reader_next or _free. Records
 * passed to the writer are only read during the call.
 * Threads: readers and writers are single-threaded.
 */
#ifndef RETAILFUSE_SCENARIO_H
#define RETAILFUSE_SCENARIO_H

#include "common.h"
#include "allocator.h"
#include "record.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The two encodings of a scenario stream. */
typedef enum rf_scenario_format {
  RF_FORMAT_JSONL = 0, /* JSON Lines */
  RF_FORMAT_PB = 1     /* protocol buffers: a header, then length-prefixed Record messages */
} rf_scenario_format;

/* The format a path names by its extension: ".pb" protocol buffers, anything else JSON Lines. */
RF_EXTERN rf_scenario_format rf_scenario_format_of_path(const char *path);

/* ---- reading ---- */

typedef struct rf_scenario_reader rf_scenario_reader;

/* Fills buf with up to cap bytes; returns the count, 0 at the end, or a negative RF_ code. */
typedef long (*rf_read_fn)(char *buf, size_t cap, void *payload);

typedef struct rf_scenario_reader_options {
  unsigned version;      /* RF_SCENARIO_READER_OPTIONS_VERSION */
  size_t max_line_bytes; /* longer lines are an RF_ELIMIT error; 0: 64 MiB */
} rf_scenario_reader_options;

#define RF_SCENARIO_READER_OPTIONS_VERSION 1
#define RF_SCENARIO_READER_OPTIONS_INIT \
  { RF_SCENARIO_READER_OPTIONS_VERSION, 0 }

/* A reader over a callback source. `options` and `allocator` may be NULL for the defaults. */
RF_EXTERN int rf_scenario_reader_new(rf_scenario_reader **out, rf_read_fn read, void *payload,
                                     const rf_scenario_reader_options *options,
                                     const rf_allocator *allocator);

/* A reader over a file ("-" is standard input); RF_EIO if it cannot be opened, with errno set
 * (EISDIR for a directory, which is refused here rather than failing at the first read). */
RF_EXTERN int rf_scenario_reader_open(rf_scenario_reader **out, const char *path,
                                      const rf_scenario_reader_options *options,
                                      const rf_allocator *allocator);

/* A reader over len bytes of memory, which must outlive the reader. */
RF_EXTERN int rf_scenario_reader_from_memory(rf_scenario_reader **out, const char *data, size_t len,
                                             const rf_scenario_reader_options *options,
                                             const rf_allocator *allocator);

/* Closes the file it opened, if any. */
RF_EXTERN void rf_scenario_reader_free(rf_scenario_reader *reader);

/* Reads the next record into *out. Returns 0, RF_ITEROVER at the end, or an error for this line
 * or frame (RF_EPARSE, RF_ERANGE, RF_ELIMIT; reading may go on with the next call) or for the
 * stream (RF_EIO, RF_ENOMEM; the reader is then finished). A protocol-buffer stream of another
 * version, or a frame that cannot be read past (its length unreadable, or cut short), is one
 * RF_EVERSION or RF_EPARSE and then the end. Blank lines are skipped. */
RF_EXTERN int rf_scenario_reader_next(rf_scenario_reader *reader, rf_record *out);

/* The last error's detail, e.g. "line 7: field 't': expected an integer (microseconds)". */
RF_EXTERN const char *rf_scenario_reader_errmsg(const rf_scenario_reader *reader);

/* The number of the line (or frame) last read (1-based; 0 before the first). */
RF_EXTERN uint64_t rf_scenario_reader_line(const rf_scenario_reader *reader);

/* The format the stream is in: known once the first record (or the end) has been read,
 * RF_FORMAT_JSONL before. */
RF_EXTERN rf_scenario_format rf_scenario_reader_format(const rf_scenario_reader *reader);

/* ---- writing ---- */

typedef struct rf_scenario_writer rf_scenario_writer;

/* Takes len bytes; returns 0 or a negative RF_ code. */
typedef int (*rf_write_fn)(const char *data, size_t len, void *payload);

RF_EXTERN int rf_scenario_writer_new(rf_scenario_writer **out, rf_write_fn write, void *payload,
                                     const rf_allocator *allocator);

/* A writer to a file, created or truncated ("-" is standard output). */
RF_EXTERN int rf_scenario_writer_open(rf_scenario_writer **out, const char *path,
                                      const rf_allocator *allocator);

/* Writes `format` from now on: RF_FORMAT_PB writes the stream's header at once. Only before the
 * first record (RF_EMISUSE after); RF_EINVAL for another value. */
RF_EXTERN int rf_scenario_writer_set_format(rf_scenario_writer *writer, rf_scenario_format format);

/* Writes one record as one line (or one frame), `type` first, numbers in the shortest form that
 * reads back to the same double. A record that breaks the format's rules (a NULL id, a non-finite
 * number, qty 0, text that is not UTF-8, grams beyond RF_WEIGHT_LIMIT_G, an integer or time beyond
 * 2^53, …) is refused with RF_EINVAL and nothing is written. Output is buffered. */
RF_EXTERN int rf_scenario_writer_write(rf_scenario_writer *writer, const rf_record *record);

/* Hands buffered output to the sink (and flushes a file). When the sink fails, during this call
 * or during a write's automatic flush, the output stays buffered: call flush again to retry;
 * do not write the record again. A callback sink must take all the bytes or none; a file may
 * have taken part of them before failing, so after a failed write to a file its content is
 * undefined. */
RF_EXTERN int rf_scenario_writer_flush(rf_scenario_writer *writer);

/* Flushes, closes a file it opened, frees; returns the first error of the flush or close. */
RF_EXTERN int rf_scenario_writer_close(rf_scenario_writer *writer);

/* The last error's detail, e.g. "diff: field 'conf' is not finite". */
RF_EXTERN const char *rf_scenario_writer_errmsg(const rf_scenario_writer *writer);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_SCENARIO_H */
