/* retailfuse._native: the module, its exceptions, and the functions that are not objects — the
 * assignment solvers, the simulator, the scorer, a whole scenario run. Records cross between C
 * and Python as JSON Lines text, read and written by the library itself, so a record from
 * Python is checked exactly as a line of a file is; arrays of numbers cross as buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"

/* ---- module state, errors, text ---- */

native_state *native_state_of(PyObject *module) { return PyModule_GetState(module); }

native_state *native_state_of_type(PyTypeObject *type) {
  PyObject *module = PyType_GetModule(type); /* our types are final: never a subclass */
  return module ? PyModule_GetState(module) : NULL;
}

PyObject *native_raise(native_state *st, int rc, const char *message) {
  const char *text = message && message[0] ? message : rf_strerror(rc);
  PyObject *kind = st->error;
  if (rc == RF_ENOMEM) kind = st->memory_error;
  else if (rc == RF_EINVAL || rc == RF_EPARSE || rc == RF_ENOTFOUND || rc == RF_EEXISTS ||
           rc == RF_ERANGE || rc == RF_EINFEASIBLE || rc == RF_ELATE || rc == RF_EVERSION)
    kind = st->input_error;
  PyErr_SetString(kind, text);
  return NULL;
}

void text_free(text_buf *t) {
  free(t->data);
  memset(t, 0, sizeof *t);
}

int text_write(const char *data, size_t len, void *payload) {
  text_buf *t = payload;
  if (t->len + len + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + len + 1) cap *= 2;
    char *grown = realloc(t->data, cap);
    if (grown == NULL) {
      t->failed = 1;
      return RF_ENOMEM;
    }
    t->data = grown;
    t->cap = cap;
  }
  memcpy(t->data + t->len, data, len);
  t->len += len;
  return 0;
}

rf_scenario_writer *text_writer(text_buf *t) {
  rf_scenario_writer *w = NULL;
  return rf_scenario_writer_new(&w, text_write, t, NULL) == 0 ? w : NULL;
}

PyObject *text_take(text_buf *t) {
  if (t->failed) {
    t->failed = 0;
    t->len = 0;
    return PyErr_NoMemory();
  }
  PyObject *s = PyUnicode_DecodeUTF8(t->data ? t->data : "", (Py_ssize_t)t->len, "strict");
  t->len = 0;
  return s;
}

int native_doubles(native_state *st, PyObject *obj, int ndim, Py_buffer *view) {
  if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) return -1;
  int ok = view->ndim == ndim && view->itemsize == (Py_ssize_t)sizeof(double) &&
           (view->format == NULL || strcmp(view->format, "d") == 0 ||
            strcmp(view->format, "<d") == 0 || strcmp(view->format, "=d") == 0);
  if (!ok) {
    PyBuffer_Release(view);
    native_raise(st, RF_EINVAL,
                 ndim == 1 ? "expected a 1-D array of float64" : "expected a 2-D array of float64");
    return -1;
  }
  return 0;
}

/* ---- solvers ---- */

/* Small problems are solved holding the GIL on the module's own workspace (no allocation, no
 * thread switch: at 5 x 20 those cost more than the solve); larger ones release the GIL and
 * solve on a workspace of their own. */
#define LSA_SMALL 4096

/* lsa(cost, maximize) -> (row_ind, col_ind): bytearrays of int64 (numpy's intp here), the rows
 * that got a column in increasing order, and their columns — scipy's result. */
static PyObject *py_lsa(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  PyObject *obj;
  int maximize;
  if (!PyArg_ParseTuple(args, "Op", &obj, &maximize)) return NULL;
  Py_buffer view;
  if (native_doubles(st, obj, 2, &view) != 0) return NULL;
  size_t rows = (size_t)view.shape[0], cols = (size_t)view.shape[1];
  unsigned flags = maximize ? RF_LSA_MAXIMIZE : 0;
  int32_t small_buf[256];
  int32_t *row_to_col = rows <= 256 ? small_buf : malloc(rows * sizeof *row_to_col);
  int rc = row_to_col == NULL ? RF_ENOMEM : 0;
  char message[256] = "";
  if (rc == 0 && rows * cols <= LSA_SMALL && st->ws != NULL) {
    rc = rf_lsa(st->ws, view.buf, rows, cols, flags, row_to_col, NULL);
    if (rc != 0) snprintf(message, sizeof message, "%s", rf_assign_errmsg(st->ws));
  } else if (rc == 0) {
    rf_assign_workspace *ws = NULL;
    rc = rf_assign_workspace_new(&ws, NULL);
    if (rc == 0) {
      Py_BEGIN_ALLOW_THREADS
      rc = rf_lsa(ws, view.buf, rows, cols, flags, row_to_col, NULL);
      Py_END_ALLOW_THREADS
      if (rc != 0) snprintf(message, sizeof message, "%s", rf_assign_errmsg(ws));
    }
    rf_assign_workspace_free(ws);
  }
  PyBuffer_Release(&view);
  PyObject *out = NULL;
  if (rc == 0) {
    size_t n = 0;
    for (size_t i = 0; i < rows; ++i) n += row_to_col[i] >= 0;
    PyObject *r = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(int64_t)));
    PyObject *c = r ? PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(int64_t))) : NULL;
    if (r && c) {
      int64_t *ri = (int64_t *)(void *)PyByteArray_AsString(r);
      int64_t *ci = (int64_t *)(void *)PyByteArray_AsString(c);
      for (size_t i = 0, k = 0; i < rows; ++i)
        if (row_to_col[i] >= 0) {
          ri[k] = (int64_t)i;
          ci[k++] = row_to_col[i];
        }
      out = PyTuple_Pack(2, r, c);
    }
    Py_XDECREF(r);
    Py_XDECREF(c);
  } else {
    native_raise(st, rc, message);
  }
  if (row_to_col != small_buf) free(row_to_col);
  return out;
}

/* kbest(cost, maximize, k) -> (row_to_col of each: bytes of int32, totals: bytes of double) */
static PyObject *py_kbest(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  PyObject *obj;
  int maximize;
  Py_ssize_t k;
  if (!PyArg_ParseTuple(args, "Opn", &obj, &maximize, &k)) return NULL;
  if (k < 0) return native_raise(st, RF_EINVAL, "k must not be negative");
  Py_buffer view;
  if (native_doubles(st, obj, 2, &view) != 0) return NULL;
  size_t rows = (size_t)view.shape[0], cols = (size_t)view.shape[1], found = 0;
  /* No more than the distinct assignments of the smaller side exist (n!/(n-m)!, saturating at
   * k): asking for more must not size the buffers by k, whose products could wrap around. */
  size_t small = rows < cols ? rows : cols, large = rows < cols ? cols : rows, count = 1;
  for (size_t i = 0; i < small && count < (size_t)k; ++i)
    count = count > (size_t)k / (large - i) ? (size_t)k : count * (large - i);
  if ((size_t)k > count) k = (Py_ssize_t)count;
  if (rows && (size_t)k > (SIZE_MAX / 2 / sizeof(int32_t) - 1) / rows) {
    PyBuffer_Release(&view);
    return native_raise(st, RF_ENOMEM, "k too large: the assignments would not fit in memory");
  }
  int32_t *row_to_col = malloc(((size_t)k * rows + 1) * sizeof *row_to_col);
  double *totals = malloc(((size_t)k + 1) * sizeof *totals);
  rf_assign_workspace *ws = NULL;
  int rc = row_to_col == NULL || totals == NULL ? RF_ENOMEM : rf_assign_workspace_new(&ws, NULL);
  char message[256] = "";
  if (rc == 0) {
    Py_BEGIN_ALLOW_THREADS
    rc = rf_kbest(ws, view.buf, rows, cols, maximize ? RF_LSA_MAXIMIZE : 0, (size_t)k, row_to_col,
                  totals, &found);
    Py_END_ALLOW_THREADS
    if (rc != 0) snprintf(message, sizeof message, "%s", rf_assign_errmsg(ws));
  }
  rf_assign_workspace_free(ws);
  PyBuffer_Release(&view);
  PyObject *out = NULL;
  if (rc == 0)
    out = Py_BuildValue("(y#y#)", (const char *)row_to_col,
                        (Py_ssize_t)(found * rows * sizeof *row_to_col), (const char *)totals,
                        (Py_ssize_t)(found * sizeof *totals));
  else native_raise(st, rc, message);
  free(row_to_col);
  free(totals);
  return out;
}

/* marginals(like, like_none, method) -> (prob: bytes of double, prob_none: bytes of double) */
static PyObject *py_marginals(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  PyObject *like_obj, *none_obj;
  int method;
  if (!PyArg_ParseTuple(args, "OOi", &like_obj, &none_obj, &method)) return NULL;
  if (method < RF_MARGINALS_AUTO || method > RF_MARGINALS_BP)
    return native_raise(st, RF_EINVAL, "method must be 'auto', 'exact' or 'bp'");
  Py_buffer like, none;
  if (native_doubles(st, like_obj, 2, &like) != 0) return NULL;
  if (native_doubles(st, none_obj, 1, &none) != 0) {
    PyBuffer_Release(&like);
    return NULL;
  }
  size_t rows = (size_t)like.shape[0], cols = (size_t)like.shape[1];
  PyObject *out = NULL;
  if ((size_t)none.shape[0] != rows) {
    native_raise(st, RF_EINVAL, "like_none must have one entry per row of like");
  } else {
    double *prob = malloc((rows * cols + 1) * sizeof *prob);
    double *prob_none = malloc((rows + 1) * sizeof *prob_none);
    rf_assign_workspace *ws = NULL;
    int rc = prob == NULL || prob_none == NULL ? RF_ENOMEM : rf_assign_workspace_new(&ws, NULL);
    char message[256] = "";
    if (rc == 0) {
      Py_BEGIN_ALLOW_THREADS
      rc = rf_marginals(ws, like.buf, none.buf, rows, cols, (rf_marginals_method)method, prob,
                        prob_none);
      Py_END_ALLOW_THREADS
      if (rc != 0) snprintf(message, sizeof message, "%s", rf_assign_errmsg(ws));
    }
    rf_assign_workspace_free(ws);
    if (rc == 0)
      out = Py_BuildValue("(y#y#)", (const char *)prob, (Py_ssize_t)(rows * cols * sizeof *prob),
                          (const char *)prob_none, (Py_ssize_t)(rows * sizeof *prob_none));
    else native_raise(st, rc, message);
    free(prob);
    free(prob_none);
  }
  PyBuffer_Release(&like);
  PyBuffer_Release(&none);
  return out;
}

/* ---- scenario text: checking, simulating, scoring, running ---- */

/* check(text) -> None: every line read and checked as a scenario file's would be; InputError
 * naming the first bad line. */
static PyObject *py_check(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  const char *text;
  Py_ssize_t len;
  if (!PyArg_ParseTuple(args, "s#", &text, &len)) return NULL;
  rf_scenario_reader *rd = NULL;
  rf_scenario_check *check = NULL;
  int rc = rf_scenario_reader_from_memory(&rd, text, (size_t)len, NULL, NULL);
  if (rc == 0) rc = rf_scenario_check_new(&check, NULL);
  rf_record rec;
  char message[512] = "";
  while (rc == 0 && (rc = rf_scenario_reader_next(rd, &rec)) == 0)
    if ((rc = rf_scenario_check_record(check, &rec)) != 0)
      snprintf(message, sizeof message, "%s", rf_scenario_check_errmsg(check));
  if (rc != 0 && rc != RF_ITEROVER && message[0] == '\0' && rd)
    snprintf(message, sizeof message, "%s", rf_scenario_reader_errmsg(rd));
  rf_scenario_check_free(check);
  rf_scenario_reader_free(rd);
  if (rc != 0 && rc != RF_ITEROVER) return native_raise(st, rc, message);
  Py_RETURN_NONE;
}

/* convert(data: bytes, to_pb: bool) -> bytes (protocol buffers) or str (JSON Lines): every record
 * of data, in either format, written in the other; InputError naming the first bad line or
 * frame. */
static PyObject *py_convert(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  const char *data;
  Py_ssize_t len;
  int to_pb;
  if (!PyArg_ParseTuple(args, "y#p", &data, &len, &to_pb)) return NULL;
  text_buf out = {0};
  rf_scenario_reader *rd = NULL;
  rf_scenario_writer *w = text_writer(&out);
  int rc = w ? rf_scenario_reader_from_memory(&rd, data, (size_t)len, NULL, NULL) : RF_ENOMEM;
  if (rc == 0) rc = rf_scenario_writer_set_format(w, to_pb ? RF_FORMAT_PB : RF_FORMAT_JSONL);
  char message[512] = "";
  rf_record rec;
  while (rc == 0 && (rc = rf_scenario_reader_next(rd, &rec)) == 0)
    if ((rc = rf_scenario_writer_write(w, &rec)) != 0)
      snprintf(message, sizeof message, "%s", rf_scenario_writer_errmsg(w));
  if (rc != 0 && rc != RF_ITEROVER && message[0] == '\0' && rd)
    snprintf(message, sizeof message, "%s", rf_scenario_reader_errmsg(rd));
  if (rc == RF_ITEROVER) rc = rf_scenario_writer_flush(w);
  rf_scenario_reader_free(rd);
  rf_scenario_writer_close(w);
  PyObject *result = NULL;
  if (rc != 0) native_raise(st, rc, message);
  else if (out.failed) PyErr_NoMemory();
  else if (to_pb) result = PyBytes_FromStringAndSize(out.data ? out.data : "", (Py_ssize_t)out.len);
  else result = text_take(&out);
  text_free(&out);
  return result;
}

typedef struct sim_out {
  rf_scenario_writer *w;
} sim_out;

static int sim_write(const rf_record *rec, void *payload) {
  return rf_scenario_writer_write(((sim_out *)payload)->w, rec);
}

/* simulate(preset, seed, knobs: dict[str, str]) -> (scenario text, truth text) */
static PyObject *py_simulate(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  const char *preset;
  unsigned long long seed;
  PyObject *knobs;
  if (!PyArg_ParseTuple(args, "sKO!", &preset, &seed, &PyDict_Type, &knobs)) return NULL;
  rf_sim_params p;
  if (rf_sim_preset(&p, preset) != 0) {
    char message[128];
    snprintf(message, sizeof message,
             "unknown preset '%s' (easy, busy, adversarial, day, large, chaos)", preset);
    return native_raise(st, RF_ENOTFOUND, message);
  }
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(knobs, &pos, &key, &value)) {
    const char *name = PyUnicode_AsUTF8AndSize(key, NULL);
    PyObject *text = PyObject_Str(value);
    const char *v = text ? PyUnicode_AsUTF8AndSize(text, NULL) : NULL;
    int rc = name && v ? rf_sim_set(&p, name, v) : RF_EINVAL;
    char message[256];
    if (rc != 0 && name && v)
      snprintf(message, sizeof message, "%s = %s: %s", name, v,
               rc == RF_ENOTFOUND ? "no such knob" : "not a valid value for it");
    Py_XDECREF(text);
    if (rc != 0) return PyErr_Occurred() ? NULL : native_raise(st, rc, message);
  }
  char message[256] = "";
  int rc = rf_sim_check(&p, message, sizeof message);
  if (rc != 0) return native_raise(st, rc, message);
  text_buf scenario = {0}, truth = {0};
  sim_out so = {text_writer(&scenario)}, to = {text_writer(&truth)};
  rc = so.w && to.w ? 0 : RF_ENOMEM;
  if (rc == 0) {
    Py_BEGIN_ALLOW_THREADS
    rc = rf_sim_run(&p, (uint64_t)seed, sim_write, &so, sim_write, &to, NULL);
    if (rc == 0) rc = rf_scenario_writer_flush(so.w);
    if (rc == 0) rc = rf_scenario_writer_flush(to.w);
    Py_END_ALLOW_THREADS
  }
  rf_scenario_writer_close(so.w);
  rf_scenario_writer_close(to.w);
  PyObject *out = NULL;
  if (rc == 0) {
    PyObject *a = text_take(&scenario), *b = a ? text_take(&truth) : NULL;
    if (a && b) out = PyTuple_Pack(2, a, b);
    Py_XDECREF(a);
    Py_XDECREF(b);
  } else {
    native_raise(st, rc, NULL);
  }
  text_free(&scenario);
  text_free(&truth);
  return out;
}

/* Feeds every record of text to fn; the reader's or fn's first error into message. */
typedef int (*record_fn)(const rf_record *rec, void *payload, char *message, size_t cap);

static int each_record(const char *text, size_t len, record_fn fn, void *payload, char *message,
                       size_t cap) {
  rf_scenario_reader *rd = NULL;
  int rc = rf_scenario_reader_from_memory(&rd, text, len, NULL, NULL);
  rf_record rec;
  while (rc == 0 && (rc = rf_scenario_reader_next(rd, &rec)) == 0)
    rc = fn(&rec, payload, message, cap);
  if (rc != 0 && rc != RF_ITEROVER && message[0] == '\0' && rd)
    snprintf(message, cap, "%s", rf_scenario_reader_errmsg(rd));
  rf_scenario_reader_free(rd);
  return rc == RF_ITEROVER ? 0 : rc;
}

static int add_truth(const rf_record *rec, void *payload, char *message, size_t cap) {
  int rc = rf_eval_add_truth(payload, rec);
  if (rc != 0) snprintf(message, cap, "truth: %s", rf_eval_errmsg(payload));
  return rc;
}

static int add_output(const rf_record *rec, void *payload, char *message, size_t cap) {
  int rc = rf_eval_add_output(payload, rec);
  if (rc != 0) snprintf(message, cap, "output: %s", rf_eval_errmsg(payload));
  return rc;
}

static int set_item(PyObject *dict, const char *key, PyObject *value) {
  if (value == NULL) return -1;
  int rc = PyDict_SetItemString(dict, key, value);
  Py_DECREF(value);
  return rc;
}

/* evaluate(truth text, output text) -> dict of scores */
static PyObject *py_evaluate(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  const char *truth, *output;
  Py_ssize_t truth_len, output_len;
  if (!PyArg_ParseTuple(args, "s#s#", &truth, &truth_len, &output, &output_len)) return NULL;
  rf_eval *ev = NULL;
  char message[512] = "";
  rf_eval_scores s;
  int rc = rf_eval_new(&ev, NULL);
  if (rc == 0) rc = each_record(truth, (size_t)truth_len, add_truth, ev, message, sizeof message);
  if (rc == 0)
    rc = each_record(output, (size_t)output_len, add_output, ev, message, sizeof message);
  if (rc == 0 && (rc = rf_eval_score(ev, &s)) != 0)
    snprintf(message, sizeof message, "%s", rf_eval_errmsg(ev));
  rf_eval_free(ev);
  if (rc != 0) return native_raise(st, rc, message);
  PyObject *d = PyDict_New(), *errors = PyDict_New(), *bins = PyList_New(10);
  if (d == NULL || errors == NULL || bins == NULL) goto fail;
  if (set_item(d, "carts", PyLong_FromUnsignedLongLong(s.carts)) ||
      set_item(d, "true_items", PyLong_FromUnsignedLongLong(s.true_items)) ||
      set_item(d, "predicted_items", PyLong_FromUnsignedLongLong(s.predicted_items)) ||
      set_item(d, "matched_items", PyLong_FromUnsignedLongLong(s.matched_items)) ||
      set_item(d, "calibrated", PyLong_FromUnsignedLongLong(s.calibrated)) ||
      set_item(d, "precision", PyFloat_FromDouble(s.precision)) ||
      set_item(d, "recall", PyFloat_FromDouble(s.recall)) ||
      set_item(d, "f1", PyFloat_FromDouble(s.f1)) ||
      set_item(d, "exact", PyFloat_FromDouble(s.exact)) ||
      set_item(d, "exact_carts", PyLong_FromUnsignedLongLong(s.exact_carts)) ||
      set_item(d, "diffs", PyLong_FromUnsignedLongLong(s.diffs)) ||
      set_item(d, "reviewed", PyLong_FromUnsignedLongLong(s.reviewed)) ||
      set_item(d, "review_rate", PyFloat_FromDouble(s.review_rate)) ||
      set_item(d, "f1_unflagged", PyFloat_FromDouble(s.f1_unflagged)) ||
      set_item(d, "calibration_error", PyFloat_FromDouble(s.calibration_error)) ||
      set_item(errors, "wrong_shopper", PyLong_FromUnsignedLongLong(s.wrong_shopper)) ||
      set_item(errors, "wrong_product", PyLong_FromUnsignedLongLong(s.wrong_product)) ||
      set_item(errors, "wrong_quantity", PyLong_FromUnsignedLongLong(s.wrong_quantity)) ||
      set_item(errors, "missed", PyLong_FromUnsignedLongLong(s.missed)) ||
      set_item(errors, "spurious", PyLong_FromUnsignedLongLong(s.spurious)))
    goto fail;
  for (Py_ssize_t b = 0; b < 10; ++b) {
    PyObject *bin = Py_BuildValue("{s:K,s:d,s:K}", "count", (unsigned long long)s.bin_count[b],
                                  "conf_sum", s.bin_conf_sum[b], "right",
                                  (unsigned long long)s.bin_right[b]);
    if (bin == NULL || PyList_SetItem(bins, b, bin) != 0) goto fail;
  }
  if (PyDict_SetItemString(d, "errors", errors) || PyDict_SetItemString(d, "reliability", bins))
    goto fail;
  Py_DECREF(errors);
  Py_DECREF(bins);
  return d;
fail:
  Py_XDECREF(d);
  Py_XDECREF(errors);
  Py_XDECREF(bins);
  return NULL;
}

/* A whole run over scenario text, as `retailfuse run` does it: through the library's host loop
 * (host.h), records checked as they come, the method started at the first event. */
static int run_write(const rf_record *rec, void *payload) {
  return rf_scenario_writer_write(payload, rec);
}

static int run_record(const rf_record *rec, void *payload, char *message, size_t cap) {
  rf_host *host = payload;
  int rc = rf_host_push(host, rec);
  if (rc == RF_SETASIDE) return 0; /* set aside and counted: a run goes on */
  if (rc != 0) snprintf(message, cap, "%s", rf_host_errmsg(host));
  return rc;
}

/* run(text, fused, params: [(name, value)], explain=False) -> output text */
static PyObject *py_run(PyObject *module, PyObject *args) {
  native_state *st = native_state_of(module);
  const char *text;
  Py_ssize_t len;
  int fused, explain = 0;
  PyObject *params;
  if (!PyArg_ParseTuple(args, "s#pO!|p", &text, &len, &fused, &PyList_Type, &params, &explain))
    return NULL;
  rf_host *host = NULL;
  int rc = rf_host_new(&host, fused ? RF_METHOD_FUSED : RF_METHOD_GREEDY, NULL);
  if (rc != 0) return native_raise(st, rc, rf_strerror(rc));
  rf_host_set_explain(host, explain);
  Py_ssize_t np = PyList_Size(params);
  for (Py_ssize_t k = 0; k < np; ++k) {
    const char *name;
    double value;
    if (!PyArg_ParseTuple(PyList_GetItem(params, k), "sd", &name, &value)) {
      rf_host_free(host);
      return NULL;
    }
    /* Checked here, as Engine.set_param does, not only once the first event starts the engine
     * (a scenario without events would take any value). */
    if ((rc = rf_host_param_set(host, name, value)) != 0) {
      PyObject *raised = native_raise(st, rc, rf_host_errmsg(host));
      rf_host_free(host);
      return raised;
    }
  }
  text_buf out = {0};
  char message[600] = "";
  rf_scenario_writer *writer = text_writer(&out);
  if (writer == NULL) rc = RF_ENOMEM;
  if (rc == 0) {
    rf_host_set_output(host, run_write, writer);
    Py_BEGIN_ALLOW_THREADS
    rc = each_record(text, (size_t)len, run_record, host, message, sizeof message);
    if (rc == 0 && (rc = rf_host_finish(host)) != 0)
      snprintf(message, sizeof message, "%s", rf_host_errmsg(host));
    if (rc == 0) rc = rf_scenario_writer_flush(writer);
    Py_END_ALLOW_THREADS
  }
  rf_host_free(host);
  rf_scenario_writer_close(writer);
  PyObject *result = rc == 0 ? text_take(&out) : native_raise(st, rc, message);
  text_free(&out);
  return result;
}

/* ---- the module ---- */

static PyMethodDef native_methods[] = {
    {"lsa", py_lsa, METH_VARARGS, "lsa(cost, maximize) -> (row_ind, col_ind) as int64 bytes"},
    {"kbest", py_kbest, METH_VARARGS, "kbest(cost, maximize, k) -> (assignments, totals)"},
    {"marginals", py_marginals, METH_VARARGS, "marginals(like, like_none, method) -> (P, P0)"},
    {"check", py_check, METH_VARARGS, "check(text): read and check scenario text"},
    {"convert", py_convert, METH_VARARGS,
     "convert(data, to_pb) -> bytes or str: records in the other format"},
    {"simulate", py_simulate, METH_VARARGS, "simulate(preset, seed, knobs) -> (scenario, truth)"},
    {"evaluate", py_evaluate, METH_VARARGS, "evaluate(truth, output) -> scores"},
    {"run", py_run, METH_VARARGS, "run(text, fused, params, explain=False) -> output text"},
    {NULL, NULL, 0, NULL}};

static int native_exec(PyObject *module) {
  native_state *st = native_state_of(module);
  /* The headers this was built with against the library it loaded. */
  if (rf_version() != RF_VERSION_NUMBER) {
    PyErr_Format(PyExc_ImportError, "retailfuse: built for library %s but loaded %s",
                 RF_VERSION_STRING, rf_version_string());
    return -1;
  }
  st->error = PyErr_NewException("retailfuse.Error", NULL, NULL);
  if (st->error == NULL) return -1;
  PyObject *input_bases = PyTuple_Pack(2, st->error, PyExc_ValueError);
  PyObject *memory_bases = PyTuple_Pack(2, st->error, PyExc_MemoryError);
  if (input_bases == NULL || memory_bases == NULL) return -1;
  st->input_error = PyErr_NewException("retailfuse.InputError", input_bases, NULL);
  st->memory_error = PyErr_NewException("retailfuse.OutOfMemoryError", memory_bases, NULL);
  Py_DECREF(input_bases);
  Py_DECREF(memory_bases);
  if (st->input_error == NULL || st->memory_error == NULL) return -1;
  if (PyModule_AddObjectRef(module, "Error", st->error) != 0 ||
      PyModule_AddObjectRef(module, "InputError", st->input_error) != 0 ||
      PyModule_AddObjectRef(module, "OutOfMemoryError", st->memory_error) != 0 ||
      PyModule_AddStringConstant(module, "version", rf_version_string()) != 0)
    return -1;
  if (rf_assign_workspace_new(&st->ws, NULL) != 0) {
    PyErr_NoMemory();
    return -1;
  }
  return native_add_store_and_engine(module, st);
}

static int native_traverse(PyObject *module, visitproc visit, void *arg) {
  native_state *st = native_state_of(module);
  Py_VISIT(st->error);
  Py_VISIT(st->input_error);
  Py_VISIT(st->memory_error);
  Py_VISIT(st->store_type);
  Py_VISIT(st->engine_type);
  return 0;
}

static int native_clear(PyObject *module) {
  native_state *st = native_state_of(module);
  Py_CLEAR(st->error);
  Py_CLEAR(st->input_error);
  Py_CLEAR(st->memory_error);
  Py_CLEAR(st->store_type);
  Py_CLEAR(st->engine_type);
  return 0;
}

static void native_free(void *module) {
  native_clear(module);
  native_state *st = native_state_of(module);
  rf_assign_workspace_free(st->ws);
  st->ws = NULL;
}

static PyModuleDef_Slot native_slots[] = {{Py_mod_exec, native_exec}, {0, NULL}};

static PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "retailfuse._native", "The C library under retailfuse.",
    sizeof(native_state),  native_methods,       native_slots,
    native_traverse,       native_clear,         native_free};

PyMODINIT_FUNC PyInit__native(void);
PyMODINIT_FUNC PyInit__native(void) { return PyModuleDef_Init(&native_module); }
