/* Internal: turning one parsed JSON object into an rf_record (and checking it on its own). */
#ifndef RF_IO_RECORD_PARSE_H
#define RF_IO_RECORD_PARSE_H

#include <cjson/cJSON.h>

#include "core/errbuf.h"
#include "retailfuse/scenario.h"

/* Arrays a record points into; reused from line to line. */
typedef struct rf__record_scratch {
  rf_plate_def *plates;
  size_t plates_cap;
  rf_plate_delta *deltas;
  size_t deltas_cap;
  double *g;
  size_t g_cap;
  rf_sku_score *scores;
  size_t scores_cap;
  rf_item_qty *items; /* a receipt's or a review's, or every alternative's of an explanation */
  size_t items_cap;
  int64_t *seqs; /* an explanation's diffs */
  size_t seqs_cap;
  rf_alternative *alternatives;
  size_t alternatives_cap;
  rf_candidate *candidates;
  size_t candidates_cap;
  rf_explain_hand *hands;
  size_t hands_cap;
  const char **keys; /* an object's keys, sorted to find one that appears twice */
  size_t keys_cap;
} rf__record_scratch;

void rf__record_scratch_free(rf__record_scratch *s, const rf_allocator *a);

/* Fills *out from `root` (strings point into root). On error, the message names the line, the
 * record type and the field. Every string and key must be UTF-8 and every key unique within its
 * object; `nul_string` is the place, counting the line's strings (keys included) in file order
 * from 0, of the first that held a \u0000 escape (cJSON cuts it there), or -1 for none. */
int rf__record_from_json(const cJSON *root, uint64_t line, long nul_string, rf_record *out,
                         rf__record_scratch *scratch, const rf_allocator *a, rf__errbuf *err);

/* One line of JSON Lines, text[0, len) (NUL-terminated; a trailing \r is dropped), parsed into
 * *root (set whenever cJSON allocated it: the caller deletes it). RF_EPARSE naming the line and
 * column for bad syntax, nesting deeper than cJSON's limit, or text after the value. */
int rf__json_line_parse(char *text, size_t len, uint64_t line, cJSON **root, rf__errbuf *err);

/* The place among the strings of a well-formed JSON text (keys included, counted in file order
 * from 0) of the first that holds a \u0000 escape, or -1. cJSON ends the string at the NUL, so
 * this is the only way to know that it was there. */
long rf__json_first_nul_string(const char *text, size_t len);

/* Whether a line holds nothing but spaces, tabs and a carriage return (JSON Lines skip it). */
int rf__json_is_blank(const char *s, size_t n);

#endif
