/* The two encodings of a scenario against each other: a simulated store written once as JSON
 * Lines and once as protocol buffers, in memory; then each read back whole by the library's
 * reader alone (median of `repeats` passes), and its size. Prints records/s, MB/s, readings/s for
 * raw readings, and the protobuf's size and speed as ratios of the JSON Lines' in the same run.
 *
 *   build-release/bin/bench_formats [repeats, default 5]
 *
 * Workloads: "deltas" is the busy preset with 600 shoppers over 3 hours (settled changes, hand
 * visits, one position per reach); "samples" the busy preset's raw 60 Hz readings for 40
 * shoppers over 10 minutes. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retailfuse/retailfuse.h"

typedef struct text {
  char *data;
  size_t len, cap;
} text;

static int text_write(const char *data, size_t len, void *payload) {
  text *t = payload;
  if (t->len + len > t->cap) {
    size_t cap = t->cap ? t->cap : 1 << 20;
    while (cap < t->len + len) cap *= 2;
    char *grown = realloc(t->data, cap);
    if (grown == NULL) return RF_ENOMEM;
    t->data = grown;
    t->cap = cap;
  }
  memcpy(t->data + t->len, data, len);
  t->len += len;
  return 0;
}

typedef struct both {
  rf_scenario_writer *json, *pb;
} both;

static int write_both(const rf_record *rec, void *payload) {
  both *b = payload;
  int rc = rf_scenario_writer_write(b->json, rec);
  return rc ? rc : rf_scenario_writer_write(b->pb, rec);
}

static int ignore(const rf_record *rec, void *payload) {
  (void)rec;
  (void)payload;
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads every record of t: the seconds it took; *records and *readings counted. */
static double read_all(const text *t, uint64_t *records, uint64_t *readings) {
  rf_scenario_reader *r = NULL;
  if (rf_scenario_reader_from_memory(&r, t->data, t->len, NULL, NULL) != 0) abort();
  rf_record rec;
  int rc;
  *records = *readings = 0;
  double start = now_s();
  while ((rc = rf_scenario_reader_next(r, &rec)) != RF_ITEROVER) {
    if (rc != 0) {
      fprintf(stderr, "bench_formats: %s\n", rf_scenario_reader_errmsg(r));
      exit(1);
    }
    ++*records;
    if (rec.type == RF_RECORD_SAMPLES) *readings += rec.u.samples.count;
  }
  double took = now_s() - start;
  rf_scenario_reader_free(r);
  return took;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_read(const text *t, int repeats, uint64_t *records, uint64_t *readings) {
  double s[32];
  for (int i = 0; i < repeats; ++i) s[i] = read_all(t, records, readings);
  qsort(s, (size_t)repeats, sizeof *s, by_value);
  return s[repeats / 2];
}

static void workload(const char *name, const char *const *knobs, int repeats) {
  rf_sim_params p;
  if (rf_sim_preset(&p, "busy") != 0) abort();
  for (const char *const *k = knobs; *k; k += 2)
    if (rf_sim_set(&p, k[0], k[1]) != 0) abort();
  text json = {0}, pb = {0};
  both b;
  if (rf_scenario_writer_new(&b.json, text_write, &json, NULL) != 0 ||
      rf_scenario_writer_new(&b.pb, text_write, &pb, NULL) != 0 ||
      rf_scenario_writer_set_format(b.pb, RF_FORMAT_PB) != 0)
    abort();
  if (rf_sim_run(&p, 1, write_both, &b, ignore, NULL, NULL) != 0 ||
      rf_scenario_writer_close(b.json) != 0 || rf_scenario_writer_close(b.pb) != 0)
    abort();
  uint64_t records, readings;
  double tj = median_read(&json, repeats, &records, &readings);
  double tp = median_read(&pb, repeats, &records, &readings);
  printf("%-8s %9llu records %11llu readings\n", name, (unsigned long long)records,
         (unsigned long long)readings);
  const char *fmt = "  %-6s %8.1f MB %12.0f records/s %9.1f MB/s %12.0f readings/s\n";
  printf(fmt, "jsonl", (double)json.len / 1e6, (double)records / tj, (double)json.len / 1e6 / tj,
         (double)readings / tj);
  printf(fmt, "pb", (double)pb.len / 1e6, (double)records / tp, (double)pb.len / 1e6 / tp,
         (double)readings / tp);
  printf("  pb / jsonl: size %.3f, reading time %.3f (%.1fx faster)\n",
         (double)pb.len / (double)json.len, tp / tj, tj / tp);
  free(json.data);
  free(pb.data);
}

int main(int argc, char **argv) {
  int repeats = argc > 1 ? atoi(argv[1]) : 5;
  if (repeats < 1 || repeats > 31) repeats = 5;
  static const char *const deltas[] = {"shoppers", "600", "duration_s", "10800", NULL};
  static const char *const samples[] = {"shoppers",     "40", "duration_s", "600",
                                        "samples_mode", "1",  NULL};
  printf("median of %d reads of each, in memory, by the library's reader alone\n", repeats);
  workload("deltas", deltas, repeats);
  workload("samples", samples, repeats);
  return 0;
}
