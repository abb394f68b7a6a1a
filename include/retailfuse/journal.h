/*
 * retailfuse/journal.h — a crash-safe journal of what an engine took, to restore it exactly.
 *
 * A host appends each record before the engine takes it (rf_journal_append) and each advance of
 * the engine's clock before making it (rf_journal_advance). After a crash, opening the journal
 * finds the last whole entry, cuts off a torn tail, and rf_journal_replay hands every entry back
 * in order: pushed into a new engine (and its clock advanced), they give it exactly the state of
 * the engine that wrote them, and the same output, numbered by the same `seq` — a host that had
 * handled output up to seq N takes N + 1 onward.
 *
 * On disk: a directory of segments, journal-NNNNNN.rfj, each a protocol-buffer stream
 * (docs/format.md §10) whose header sets the CRC flag: every frame is a Record (or a clock
 * `advance`) followed by the CRC32C of its message. A segment is closed and a new one begun once
 * it holds `segment_bytes`.
 *
 * Durability (`sync`): RF_JOURNAL_SYNC_EVERY writes and fsyncs every entry before the append
 * returns, so no entry appended is ever lost. RF_JOURNAL_SYNC_INTERVAL (the default) holds entries
 * in memory and writes and fsyncs them together once 64 KiB wait or `sync_ms` (10 ms) have passed
 * since the last time; RF_JOURNAL_SYNC_NEVER the same without the fsync. A crash then loses at
 * most that last stretch of entries, and always whole ones from the end: a run resumed from the
 * journal reads them again from its input. rf_journal_sync, _replay and _close write them first.
 *
 * Recovery: a frame of the last segment cut short is a torn tail, cut off (and counted). A frame
 * whose CRC does not match, or that does not decode, stops the opening (RF_EPARSE, naming the
 * segment, the frame and its byte) unless `skip_bad` is set: then it is skipped and counted. A
 * frame cut short in an earlier segment is damage, treated the same way.
 *
 * Ownership: records handed to the replay callback belong to the journal until it returns.
 * Threads: one journal is used by one thread at a time; one directory by one journal at a time.
 */
#ifndef RETAILFUSE_JOURNAL_H
#define RETAILFUSE_JOURNAL_H

#include "common.h"
#include "allocator.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_journal rf_journal;

typedef enum rf_journal_sync_mode {
  RF_JOURNAL_SYNC_INTERVAL = 0, /* fsync once sync_ms have passed since the last (default) */
  RF_JOURNAL_SYNC_EVERY = 1,    /* fsync after every entry */
  RF_JOURNAL_SYNC_NEVER = 2     /* leave it to the operating system */
} rf_journal_sync_mode;

typedef struct rf_journal_options {
  unsigned version;          /* RF_JOURNAL_OPTIONS_VERSION */
  rf_journal_sync_mode sync; /* RF_JOURNAL_SYNC_INTERVAL */
  unsigned sync_ms;          /* 0: 10 ms */
  uint64_t segment_bytes;    /* 0: 64 MiB */
  int skip_bad;              /* recovery: skip a bad frame rather than stop */
} rf_journal_options;

#define RF_JOURNAL_OPTIONS_VERSION 1
#define RF_JOURNAL_OPTIONS_INIT \
  { RF_JOURNAL_OPTIONS_VERSION, RF_JOURNAL_SYNC_INTERVAL, 0, 0, 0 }

/* What opening found. */
typedef struct rf_journal_state {
  uint64_t entries;    /* whole entries kept */
  uint64_t segments;   /* segment files */
  uint64_t torn_bytes; /* cut off the end of the last segment */
  uint64_t skipped;    /* bad frames skipped (skip_bad) */
} rf_journal_state;

/* Opens the journal in directory `dir` (created if missing), recovering it as above, ready to
 * append after its last entry. RF_EIO (errno says why), RF_EPARSE for a bad frame, RF_EVERSION
 * for a segment of another format version, RF_ENOMEM. `options` and `allocator` may be NULL.
 * When it fails after allocating, *out is still set, so that rf_journal_errmsg can say why:
 * rf_journal_close it. */
RF_EXTERN int rf_journal_open(rf_journal **out, const char *dir, const rf_journal_options *options,
                              const rf_allocator *allocator);

RF_EXTERN void rf_journal_state_get(const rf_journal *journal, rf_journal_state *out);

/* An advance to this time is the end of a day: the host finished its engine (rf_host_finish),
 * and events after it begin a new one. */
#define RF_JOURNAL_FINISH INT64_MAX

/* Appends a record (any kind the scenario format has; its `line` is kept and replayed), or an
 * advance of the engine's clock;
 * written at once, synced as the options say. RF_EINVAL for a record the format refuses
 * (nothing written), RF_EIO, RF_ENOMEM. */
RF_EXTERN int rf_journal_append(rf_journal *journal, const rf_record *record);
RF_EXTERN int rf_journal_advance(rf_journal *journal, rf_time_us clock);

/* How many entries (since the journal began: rf_journal_state's `entries` at opening, plus
 * those appended since) are safe: written, and synced as the options say (SYNC_NEVER: written).
 * A host acknowledges what it journaled once the entry is among them. */
RF_EXTERN uint64_t rf_journal_durable(const rf_journal *journal);

/* The journal's size in bytes: its segments, and entries not yet written. */
RF_EXTERN uint64_t rf_journal_bytes(const rf_journal *journal);

/* The entries held in memory written now, and synced as the options say (SYNC_NEVER: written
 * only): what a host that commits in groups calls once a round of input is taken. */
RF_EXTERN int rf_journal_flush(rf_journal *journal);

/* An fsync now, whatever the options say. */
RF_EXTERN int rf_journal_sync(rf_journal *journal);

/* Each entry, in the order appended: a record to on_record, an advance to on_advance (either may
 * be NULL to pass over them). A callback's non-zero return stops the replay and is returned.
 * Entries appended since opening are replayed too. */
typedef int (*rf_journal_record_fn)(const rf_record *record, void *payload);
typedef int (*rf_journal_advance_fn)(rf_time_us clock, void *payload);
RF_EXTERN int rf_journal_replay(rf_journal *journal, rf_journal_record_fn on_record,
                                rf_journal_advance_fn on_advance, void *payload);

/* Syncs and closes; NULL is a no-op. Returns the sync's or close's error. */
RF_EXTERN int rf_journal_close(rf_journal *journal);

/* The last error's detail, e.g. "journal-000002.rfj: frame 17 (byte 2410): its CRC does not
 * match". */
RF_EXTERN const char *rf_journal_errmsg(const rf_journal *journal);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_JOURNAL_H */
