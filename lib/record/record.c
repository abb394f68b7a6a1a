/* Record type names and zone fronts, from the tables in record.h. */
#include "record.h"
#include <string.h>

const char *rf_record_type_name(rf_record_type type) {
  static const char *const names[] = {
#define RF__RECORD_NAME(name, str) str,
      RF_RECORD_TYPE_MAP(RF__RECORD_NAME)
#undef RF__RECORD_NAME
  };
  if ((int)type < 0 || type >= RF_RECORD_TYPE_COUNT) return NULL;
  return names[type];
}

/* The time span a record covers; 0 if it has none. An input event is complete at *t1, and
 * lateness is measured on that. */
int rf__record_span(const rf_record *r, rf_time_us *t0, rf_time_us *t1) {
  switch (r->type) {
    case RF_RECORD_ENTER: *t0 = *t1 = r->u.enter.t; return 1;
    case RF_RECORD_EXIT: *t0 = *t1 = r->u.exit.t; return 1;
    case RF_RECORD_LINK: *t0 = *t1 = r->u.link.t; return 1;
    case RF_RECORD_POSITION: *t0 = *t1 = r->u.position.t; return 1;
    case RF_RECORD_SAMPLES:
      *t0 = r->u.samples.t;
      *t1 = r->u.samples.t + (rf_time_us)(r->u.samples.count - 1) * r->u.samples.dt_us;
      return 1;
    case RF_RECORD_DELTA:
      *t0 = r->u.delta.t0;
      *t1 = r->u.delta.t1;
      return 1;
    case RF_RECORD_HAND:
      *t0 = r->u.hand.t0;
      *t1 = r->u.hand.t1;
      return 1;
    case RF_RECORD_RESTOCK:
      *t0 = r->u.restock.t0;
      *t1 = r->u.restock.t1;
      return 1;
    case RF_RECORD_DIFF: *t0 = *t1 = r->u.diff.t; return 1;
    case RF_RECORD_TRUTH: *t0 = *t1 = r->u.truth.t; return 1;
    case RF_RECORD_RECEIPT: *t0 = *t1 = r->u.receipt.t; return r->u.receipt.has_t;
    /* A verdict takes effect when it arrives; an explanation comes with its change's diffs,
     * whose times are the output's. */
    case RF_RECORD_REVIEW:
    case RF_RECORD_EXPLAIN:
    default: return 0;
  }
}

int rf_record_span(const rf_record *r, rf_time_us *t0, rf_time_us *t1) {
  rf_time_us a, b;
  if (r == NULL || t0 == NULL || t1 == NULL || !rf__record_span(r, &a, &b)) return 0;
  *t0 = a;
  *t1 = b;
  return 1;
}

static const char *const term_names[RF__EVIDENCE_TERMS] = {"weight", "plates",   "prior",
                                                           "hand",   "identity", "position"};

const char *rf__evidence_term_name(int k) { return term_names[k]; }

double rf__evidence_term(const rf_evidence *e, int k) {
  const double v[RF__EVIDENCE_TERMS] = {e->weight, e->plates,   e->prior,
                                        e->hand,   e->identity, e->position};
  return v[k];
}

void rf__evidence_set(rf_evidence *e, int k, double v) {
  double *slot[RF__EVIDENCE_TERMS] = {&e->weight, &e->plates,   &e->prior,
                                      &e->hand,   &e->identity, &e->position};
  *slot[k] = v;
}

int rf__explain_how_known(const char *how) {
  static const char *const names[] = {"whole", "split", "merged", "runs", "restock", "nobody"};
  for (size_t k = 0; how != NULL && k < sizeof names / sizeof names[0]; ++k)
    if (strcmp(how, names[k]) == 0) return 1;
  return 0;
}

static const char *const front_names[RF_FRONT_COUNT] = {"top", "bottom", "left", "right"};

const char *rf_zone_front_name(rf_zone_front front) {
  if ((int)front < 0 || front >= RF_FRONT_COUNT) return NULL;
  return front_names[front];
}

int rf_zone_front_parse(const char *name) {
  if (name == NULL) return -1;
  for (int i = 0; i < RF_FRONT_COUNT; i++)
    if (strcmp(name, front_names[i]) == 0) return i;
  return -1;
}
