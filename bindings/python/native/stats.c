/* An engine's stats (rf_engine_get_stats, rf_engine_get_source_stats) as a Python dict. */
#include "native.h"

/* Sets d[key] = value and drops the reference; -1 (exception set) on failure. */
static int put(PyObject *d, const char *key, PyObject *value) {
  if (value == NULL) return -1;
  int rc = PyDict_SetItemString(d, key, value);
  Py_DECREF(value);
  return rc;
}

static PyObject *by_reason(const rf_engine_stats *st) {
  PyObject *d = PyDict_New();
  for (int r = 0; d != NULL && r < RF_SETASIDE_REASON_COUNT; ++r)
    if (put(d, rf_setaside_reason_name((rf_setaside_reason)r),
            PyLong_FromUnsignedLongLong(st->by_reason[r])) != 0)
      Py_CLEAR(d);
  return d;
}

static PyObject *one_source(const rf_engine *engine, size_t i) {
  rf_engine_source_stats s = {.version = RF_ENGINE_SOURCE_STATS_VERSION};
  rf_engine_get_source_stats(engine, i, &s);
  PyObject *last = s.has_time ? PyLong_FromLongLong(s.last_t) : Py_NewRef(Py_None);
  if (last == NULL) return NULL;
  return Py_BuildValue("{s:s,s:K,s:N,s:d,s:d,s:d,s:O,s:K}", "name", s.name, "records",
                       (unsigned long long)s.records, "last_t", last, "delay_s", s.delay_s,
                       "delay_p50_s", s.delay_p50_s, "delay_p99_s", s.delay_p99_s, "stale",
                       s.stale ? Py_True : Py_False, "went_stale",
                       (unsigned long long)s.went_stale);
}

static PyObject *sources(const rf_engine *engine, size_t n) {
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list != NULL && i < n; ++i) {
    PyObject *item = one_source(engine, i);
    if (item == NULL || PyList_SetItem(list, (Py_ssize_t)i, item) != 0) Py_CLEAR(list);
  }
  return list;
}

PyObject *native_engine_stats(const rf_engine *engine) {
  rf_engine_stats st = {.version = RF_ENGINE_STATS_VERSION};
  rf_engine_get_stats(engine, &st);
  PyObject *d = PyDict_New();
  if (d == NULL) return NULL;
  const struct {
    const char *key;
    uint64_t value;
  } counts[] = {{"taken", st.taken},
                {"set_aside", st.set_aside},
                {"late_used", st.late_used},
                {"decisions", st.decisions},
                {"reviews", st.reviews},
                {"corrections", st.corrections},
                {"diffs", st.diffs},
                {"receipts", st.receipts},
                {"staff_moves", st.staff_moves},
                {"track_swaps", st.track_swaps},
                {"stitched", st.stitched},
                {"verdicts", st.verdicts},
                {"amended", st.amended},
                {"explain_dropped", st.explain_dropped}};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; ++k)
    if (put(d, counts[k].key, PyLong_FromUnsignedLongLong(counts[k].value)) != 0) goto fail;
  if (put(d, "by_reason", by_reason(&st)) != 0 ||
      put(d, "clock", st.has_clock ? PyLong_FromLongLong(st.clock) : Py_NewRef(Py_None)) != 0 ||
      put(d, "sources", sources(engine, st.sources)) != 0)
    goto fail;
  return d;
fail:
  Py_DECREF(d);
  return NULL;
}
