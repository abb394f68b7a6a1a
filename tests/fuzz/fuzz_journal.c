/* Fuzz target: arbitrary bytes as the one segment of a journal (after the target's own header,
 * so the mutations land in frames; the first byte's low bit asks recovery to skip bad frames).
 * Opening must return a documented code; once open, the recovery must be final — a second
 * opening finds the same entries and nothing more to cut — and a replay must hand out exactly
 * the entries counted, each record writing as the format allows. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "io/pb_codec.h"
#include "retailfuse/journal.h"
#include "retailfuse/scenario.h"
#include "retailfuse/status.h"
#include "test_dir.h"
#include "test_text.h"

typedef struct counted {
  uint64_t entries;
} counted;

static int on_record(const rf_record *rec, void *payload) {
  ((counted *)payload)->entries++;
  test_text t = {0};
  rf_scenario_writer *w;
  if (rf_scenario_writer_new(&w, test_text_write, &t, NULL) != 0) fuzz_die("out of memory");
  if (rf_scenario_writer_write(w, rec) != 0) fuzz_die("a replayed record does not write");
  rf_scenario_writer_close(w);
  free(t.data);
  return 0;
}

static int on_advance(rf_time_us clock, void *payload) {
  (void)clock;
  ((counted *)payload)->entries++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char dir[64];
  if (test_dir_make(dir, sizeof dir, "rf-fuzz-journal") != 0) fuzz_die("mkdtemp failed");
  char path[128];
  snprintf(path, sizeof path, "%s/journal-000001.rfj", dir);
  FILE *f = fopen(path, "wb");
  uint8_t header[RF__PB_HEADER_MAX];
  size_t n = rf__pb_header(header, RF__PB_FLAG_CRC);
  if (f == NULL || fwrite(header, 1, n, f) != n ||
      (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1) || fclose(f) != 0)
    fuzz_die("writing the segment failed");
  rf_journal_options o = RF_JOURNAL_OPTIONS_INIT;
  o.sync = RF_JOURNAL_SYNC_NEVER;
  o.skip_bad = size > 0 && (data[0] & 1);
  rf_journal *j = NULL;
  int rc = rf_journal_open(&j, dir, &o, NULL);
  if (rc != 0) {
    if (rc != RF_EPARSE && rc != RF_EVERSION) fuzz_die("open returned %d", rc);
    if (rf_journal_errmsg(j)[0] == '\0') fuzz_die("an error (%d) without a message", rc);
  } else {
    rf_journal_state first, again;
    rf_journal_state_get(j, &first);
    counted c = {0};
    if (rf_journal_replay(j, on_record, on_advance, &c) != 0) fuzz_die("replay failed");
    if (c.entries != first.entries)
      fuzz_die("replayed %llu of %llu entries", (unsigned long long)c.entries,
               (unsigned long long)first.entries);
    rf_journal_close(j);
    j = NULL;
    if (rf_journal_open(&j, dir, &o, NULL) != 0) fuzz_die("a recovered journal does not reopen");
    rf_journal_state_get(j, &again);
    if (again.entries != first.entries || again.torn_bytes != 0)
      fuzz_die("recovery is not final: %llu then %llu entries, %llu bytes torn again",
               (unsigned long long)first.entries, (unsigned long long)again.entries,
               (unsigned long long)again.torn_bytes);
  }
  rf_journal_close(j);
  test_dir_remove(dir);
  return 0;
}
