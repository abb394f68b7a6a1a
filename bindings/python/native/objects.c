/* retailfuse._native.Store and .Engine: a store built from its records' text, and an engine
 * over it. Records go in as JSON Lines text (checked as a file's lines are) or, in batches, as
 * arrays: a plate's readings, many hand visits. Diffs and receipts come out as JSON Lines text,
 * written by the library; plate faults as tuples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"

/* ---- Store ---- */

typedef struct store_object {
  PyObject_HEAD
  rf_store *store;
} store_object;

static void store_dealloc(PyObject *self) {
  PyTypeObject *type = Py_TYPE(self);
  rf_store_free(((store_object *)self)->store);
  PyObject_Free(self);
  Py_DECREF(type);
}

/* Whether a record describes the store: its cameras and zones are checked with it, though the
 * store keeps only products, shelves and facings. */
static int is_store_record(rf_record_type type) {
  return type <= RF_RECORD_FACING || type == RF_RECORD_CAMERA || type == RF_RECORD_ZONE;
}

/* Store(text): the store records of a scenario (events are ignored). */
static PyObject *store_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  native_state *st = native_state_of_type(type);
  const char *text;
  Py_ssize_t len;
  static char *names[] = {"text", NULL};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s#", names, &text, &len)) return NULL;
  rf_scenario_reader *rd = NULL;
  rf_scenario_check *check = NULL;
  int rc = rf_scenario_reader_from_memory(&rd, text, (size_t)len, NULL, NULL);
  if (rc == 0) rc = rf_scenario_check_new(&check, NULL);
  rf_record rec;
  char message[512] = "";
  while (rc == 0 && (rc = rf_scenario_reader_next(rd, &rec)) == 0) {
    if (!is_store_record(rec.type)) continue;
    if ((rc = rf_scenario_check_record(check, &rec)) != 0)
      snprintf(message, sizeof message, "%s", rf_scenario_check_errmsg(check));
  }
  if (rc != 0 && rc != RF_ITEROVER && message[0] == '\0' && rd)
    snprintf(message, sizeof message, "%s", rf_scenario_reader_errmsg(rd));
  rf_store *store = rc == RF_ITEROVER ? rf_scenario_check_take_store(check) : NULL;
  if (rc == RF_ITEROVER && store == NULL) {
    rc = RF_EINVAL;
    snprintf(message, sizeof message, "%s", rf_scenario_check_errmsg(check));
  }
  rf_scenario_check_free(check);
  rf_scenario_reader_free(rd);
  if (store == NULL) return native_raise(st, rc, message);
  store_object *self = PyObject_New(store_object, type);
  if (self == NULL) {
    rf_store_free(store);
    return NULL;
  }
  self->store = store;
  return (PyObject *)self;
}

/* counts() -> (products, shelves, plates, facings) */
static PyObject *store_counts(PyObject *self, PyObject *unused) {
  (void)unused;
  const rf_store *s = ((store_object *)self)->store;
  return Py_BuildValue("(kkkk)", (unsigned long)rf_store_product_count(s),
                       (unsigned long)rf_store_shelf_count(s),
                       (unsigned long)rf_store_plate_count(s),
                       (unsigned long)rf_store_facing_count(s));
}

/* products() -> [(sku, name or None, weight_g, weight_sd_g or None)] */
static PyObject *store_products(PyObject *self, PyObject *unused) {
  (void)unused;
  const rf_store *s = ((store_object *)self)->store;
  uint32_t n = rf_store_product_count(s);
  PyObject *list = PyList_New(n);
  for (uint32_t i = 0; list && i < n; ++i) {
    rf_product_def p;
    rf_store_product(s, i, &p);
    /* "N" takes the reference made here (with "O" the float would leak) */
    PyObject *sd = p.has_weight_sd ? PyFloat_FromDouble(p.weight_sd_g) : Py_NewRef(Py_None);
    PyObject *item = sd ? Py_BuildValue("(szdN)", p.sku, p.name, p.weight_g, sd) : NULL;
    if (item == NULL || PyList_SetItem(list, i, item) != 0) {
      Py_DECREF(list);
      return NULL;
    }
  }
  return list;
}

/* plates() -> [(plate, shelf)] in store order */
static PyObject *store_plates(PyObject *self, PyObject *unused) {
  (void)unused;
  const rf_store *s = ((store_object *)self)->store;
  uint32_t n = rf_store_plate_count(s);
  PyObject *list = PyList_New(n);
  for (uint32_t i = 0; list && i < n; ++i) {
    rf_plate_def p;
    uint32_t shelf;
    rf_shelf_def sd;
    rf_store_plate(s, i, &p, &shelf);
    rf_store_shelf(s, shelf, &sd);
    PyObject *item = Py_BuildValue("(ss)", p.plate, sd.shelf);
    if (item == NULL || PyList_SetItem(list, i, item) != 0) {
      Py_DECREF(list);
      return NULL;
    }
  }
  return list;
}

static PyMethodDef store_methods[] = {
    {"counts", store_counts, METH_NOARGS, "(products, shelves, plates, facings)"},
    {"products", store_products, METH_NOARGS, "[(sku, name, weight_g, weight_sd_g)]"},
    {"plates", store_plates, METH_NOARGS, "[(plate, shelf)]"},
    {NULL, NULL, 0, NULL}};

static PyType_Slot store_slots[] = {{Py_tp_new, store_new},
                                    {Py_tp_dealloc, store_dealloc},
                                    {Py_tp_methods, store_methods},
                                    {Py_tp_doc,
                                     "Store(text): a store from its records' JSON Lines"},
                                    {0, NULL}};

static PyType_Spec store_spec = {"retailfuse._native.Store", sizeof(store_object), 0,
                                 Py_TPFLAGS_DEFAULT, store_slots};

/* ---- Engine ---- */

typedef struct engine_object {
  PyObject_HEAD
  PyObject *store; /* the Store it was built over, kept alive */
  rf_engine *engine;
  rf_scenario_writer *writer; /* output records as JSON Lines into out */
  text_buf out;
  PyObject *faults; /* [(plate, fault, t)] not taken yet */
  int fault_failed;
  int busy; /* a call is running with the GIL released */
} engine_object;

/* An engine is one thread's at a time (engine.h); a second thread's call while the first has
 * released the GIL is refused, not left to corrupt it. Checked (and, by calls that release the
 * GIL, set) holding the GIL. */
static int idle(engine_object *e) {
  if (!e->busy) return 0;
  PyErr_SetString(PyExc_RuntimeError, "retailfuse.Engine is in use by another thread");
  return -1;
}

static int claim(engine_object *e) {
  if (idle(e) != 0) return -1;
  e->busy = 1;
  return 0;
}

/* A failed write is the host's memory, not the engine's: it must not read as a refused
 * record. It is kept, and take_output raises it. */
static int engine_output(const rf_record *rec, void *payload) {
  engine_object *self = payload;
  if (rf_scenario_writer_write(self->writer, rec) != 0) self->out.failed = 1;
  return 0;
}

/* Faults arrive during a call that may have released the GIL: take it to record them. */
static void engine_fault(const char *plate, rf_plate_fault fault, rf_time_us t, void *payload) {
  engine_object *self = payload;
  PyGILState_STATE g = PyGILState_Ensure();
  PyObject *item = Py_BuildValue("(ssL)", plate, rf_plate_fault_name(fault), (long long)t);
  if (item == NULL || PyList_Append(self->faults, item) != 0) {
    self->fault_failed = 1;
    PyErr_Clear();
  }
  Py_XDECREF(item);
  PyGILState_Release(g);
}

static void engine_dealloc(PyObject *self) {
  engine_object *e = (engine_object *)self;
  PyTypeObject *type = Py_TYPE(self);
  rf_engine_free(e->engine);
  rf_scenario_writer_close(e->writer);
  text_free(&e->out);
  Py_XDECREF(e->faults);
  Py_XDECREF(e->store);
  PyObject_Free(self);
  Py_DECREF(type);
}

/* Engine(store) */
static PyObject *engine_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  native_state *st = native_state_of_type(type);
  PyObject *store;
  static char *names[] = {"store", NULL};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!", names, (PyTypeObject *)st->store_type,
                                   &store))
    return NULL;
  engine_object *self = PyObject_New(engine_object, type);
  if (self == NULL) return NULL;
  self->store = Py_NewRef(store);
  self->engine = NULL;
  self->writer = NULL;
  memset(&self->out, 0, sizeof self->out);
  self->fault_failed = 0;
  self->busy = 0;
  self->faults = PyList_New(0);
  self->writer = text_writer(&self->out);
  if (self->faults == NULL || self->writer == NULL ||
      rf_engine_new(&self->engine, ((store_object *)store)->store, NULL) != 0) {
    Py_DECREF(self);
    return PyErr_Occurred() ? NULL : PyErr_NoMemory();
  }
  rf_engine_set_output(self->engine, engine_output, self);
  rf_engine_set_fault_output(self->engine, engine_fault, self);
  return (PyObject *)self;
}

static native_state *state(PyObject *self) { return native_state_of_type(Py_TYPE(self)); }

static PyObject *engine_fail(PyObject *self, int rc) {
  return native_raise(state(self), rc, rf_engine_errmsg(((engine_object *)self)->engine));
}

/* push(text) -> count taken: every record of the JSON Lines text, in order. A record the engine
 * sets aside is counted there (stats, setaside_reason) and the next is taken; a line that does
 * not read, or an error, stops (InputError naming its line); records before it stay taken. */
static PyObject *engine_push(PyObject *self, PyObject *args) {
  engine_object *e = (engine_object *)self;
  const char *text;
  Py_ssize_t len;
  if (!PyArg_ParseTuple(args, "s#", &text, &len)) return NULL;
  rf_scenario_reader *rd = NULL;
  int rc = rf_scenario_reader_from_memory(&rd, text, (size_t)len, NULL, NULL);
  if (rc != 0) return native_raise(state(self), rc, NULL);
  rf_record rec;
  long count = 0;
  char message[512] = "";
  if (claim(e) != 0) {
    rf_scenario_reader_free(rd);
    return NULL;
  }
  Py_BEGIN_ALLOW_THREADS
  while ((rc = rf_scenario_reader_next(rd, &rec)) == 0) {
    if ((rec.type < RF_RECORD_ENTER || rec.type > RF_RECORD_HAND) &&
        rec.type != RF_RECORD_RESTOCK && rec.type != RF_RECORD_REVIEW) {
      rc = RF_EINVAL;
      snprintf(message, sizeof message, "line %llu: %s is not an input event",
               (unsigned long long)rec.line, rf_record_type_name(rec.type));
      break;
    }
    rc = rf_engine_push(e->engine, &rec);
    if (rc == RF_SETASIDE) {
      count += rf_engine_setaside_reason(e->engine) == RF_SETASIDE_UNKNOWN_SHOPPER; /* used */
      continue;
    }
    if (rc != 0 && rc != RF_EBEHIND) {
      snprintf(message, sizeof message, "line %llu: %s", (unsigned long long)rec.line,
               rf_engine_errmsg(e->engine));
      break;
    }
    rc = 0;
    ++count;
  }
  if (rc != 0 && rc != RF_ITEROVER && message[0] == '\0')
    snprintf(message, sizeof message, "%s", rf_scenario_reader_errmsg(rd));
  Py_END_ALLOW_THREADS
  e->busy = 0;
  rf_scenario_reader_free(rd);
  if (rc != RF_ITEROVER) return native_raise(state(self), rc, message);
  return PyLong_FromLong(count);
}

/* push_samples(plate, t, dt_us, readings: 1-D float64 buffer) */
static PyObject *engine_push_samples(PyObject *self, PyObject *args) {
  engine_object *e = (engine_object *)self;
  const char *plate;
  long long t, dt;
  PyObject *obj;
  if (!PyArg_ParseTuple(args, "sLLO", &plate, &t, &dt, &obj)) return NULL;
  Py_buffer view;
  if (native_doubles(state(self), obj, 1, &view) != 0) return NULL;
  rf_samples_rec r = {plate, (rf_time_us)t, (int64_t)dt, view.buf, (size_t)view.shape[0]};
  int rc;
  if (claim(e) != 0) {
    PyBuffer_Release(&view);
    return NULL;
  }
  Py_BEGIN_ALLOW_THREADS
  rc = rf_engine_push_samples(e->engine, &r);
  Py_END_ALLOW_THREADS
  e->busy = 0;
  PyBuffer_Release(&view);
  if (rc != 0 && rc != RF_EBEHIND && rc != RF_SETASIDE) return engine_fail(self, rc);
  Py_RETURN_NONE;
}

/* Whether a buffer format is a signed 64-bit integer ('q', or 'l' here), byte order aside. */
static int signed_64(const char *format) {
  if (format == NULL) return 1; /* unsigned bytes: itemsize alone was asked for */
  size_t n = strlen(format);
  return n > 0 && (format[n - 1] == 'q' || format[n - 1] == 'l');
}

/* push_hands(shoppers: list of str or None, shelves: list of str, t0, t1: int64 buffers,
 * x: float64 buffer (NaN: no x)) -> count taken: many hand visits at once, in order; those set
 * aside are counted by the engine (a stray shopper's is taken, as anonymous); an error stops
 * (InputError naming its index). */
static PyObject *engine_push_hands(PyObject *self, PyObject *args) {
  engine_object *e = (engine_object *)self;
  native_state *st = state(self);
  if (idle(e) != 0) return NULL; /* holds the GIL throughout */
  PyObject *shoppers, *shelves, *t0_obj, *t1_obj, *x_obj;
  if (!PyArg_ParseTuple(args, "O!O!OOO", &PyList_Type, &shoppers, &PyList_Type, &shelves, &t0_obj,
                        &t1_obj, &x_obj))
    return NULL;
  Py_ssize_t n = PyList_Size(shoppers);
  if (PyList_Size(shelves) != n) return native_raise(st, RF_EINVAL, "shelves: one per hand visit");
  Py_buffer t0, t1, x;
  if (PyObject_GetBuffer(t0_obj, &t0, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) return NULL;
  if (PyObject_GetBuffer(t1_obj, &t1, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
    PyBuffer_Release(&t0);
    return NULL;
  }
  if (native_doubles(st, x_obj, 1, &x) != 0) {
    PyBuffer_Release(&t0);
    PyBuffer_Release(&t1);
    return NULL;
  }
  PyObject *out = NULL;
  int ok = t0.ndim == 1 && t1.ndim == 1 && t0.itemsize == 8 && t1.itemsize == 8 &&
           t0.shape[0] == n && t1.shape[0] == n && x.shape[0] == n && signed_64(t0.format) &&
           signed_64(t1.format);
  if (!ok) {
    native_raise(st, RF_EINVAL, "t0, t1: int64 arrays and x: a float64 array, one per hand visit");
    goto done;
  }
  const int64_t *a = t0.buf, *b = t1.buf;
  const double *xs = x.buf;
  Py_ssize_t i = 0, taken = 0;
  for (; i < n; ++i) {
    PyObject *who = PyList_GetItem(shoppers, i), *where = PyList_GetItem(shelves, i);
    const char *shopper = who == Py_None ? NULL : PyUnicode_AsUTF8AndSize(who, NULL);
    const char *shelf = PyUnicode_AsUTF8AndSize(where, NULL);
    if ((who != Py_None && shopper == NULL) || shelf == NULL) goto done;
    rf_hand_rec h;
    memset(&h, 0, sizeof h);
    h.shopper = shopper;
    h.shelf = shelf;
    h.t0 = a[i];
    h.t1 = b[i];
    h.has_x = !isnan(xs[i]);
    h.x = xs[i];
    h.holding_in = h.holding_out = RF_UNKNOWN;
    int rc = rf_engine_push_hand(e->engine, &h);
    if (rc == RF_SETASIDE) {
      taken += rf_engine_setaside_reason(e->engine) == RF_SETASIDE_UNKNOWN_SHOPPER;
      continue;
    }
    taken++;
    if (rc != 0 && rc != RF_EBEHIND) {
      taken--;
      char message[512];
      snprintf(message, sizeof message, "hand visit %zd: %s", i, rf_engine_errmsg(e->engine));
      native_raise(st, rc, message);
      goto done;
    }
  }
  out = PyLong_FromSsize_t(taken);
done:
  PyBuffer_Release(&t0);
  PyBuffer_Release(&t1);
  PyBuffer_Release(&x);
  return out;
}

static PyObject *engine_advance(PyObject *self, PyObject *args) {
  long long now;
  if (!PyArg_ParseTuple(args, "L", &now)) return NULL;
  engine_object *e = (engine_object *)self;
  int rc;
  if (claim(e) != 0) return NULL;
  Py_BEGIN_ALLOW_THREADS
  rc = rf_engine_advance(e->engine, (rf_time_us)now);
  Py_END_ALLOW_THREADS
  e->busy = 0;
  if (rc != 0) return engine_fail(self, rc);
  Py_RETURN_NONE;
}

static PyObject *engine_finish(PyObject *self, PyObject *unused) {
  (void)unused;
  engine_object *e = (engine_object *)self;
  int rc;
  if (claim(e) != 0) return NULL;
  Py_BEGIN_ALLOW_THREADS
  rc = rf_engine_finish(e->engine);
  Py_END_ALLOW_THREADS
  e->busy = 0;
  if (rc != 0) return engine_fail(self, rc);
  Py_RETURN_NONE;
}

/* take_output() -> str: the diffs and receipts made since the last call, as JSON Lines */
static PyObject *engine_take_output(PyObject *self, PyObject *unused) {
  (void)unused;
  engine_object *e = (engine_object *)self;
  if (idle(e) != 0) return NULL;
  if (rf_scenario_writer_flush(e->writer) != 0) e->out.failed = 1;
  return text_take(&e->out);
}

/* take_faults() -> [(plate, fault, t)] found since the last call */
static PyObject *engine_take_faults(PyObject *self, PyObject *unused) {
  (void)unused;
  engine_object *e = (engine_object *)self;
  if (idle(e) != 0) return NULL;
  if (e->fault_failed) {
    e->fault_failed = 0;
    return PyErr_NoMemory();
  }
  PyObject *list = e->faults, *fresh = PyList_New(0);
  if (fresh == NULL) return NULL;
  e->faults = fresh;
  return list;
}

/* cart(shopper) -> [(sku, qty)] with qty != 0 */
static PyObject *engine_cart(PyObject *self, PyObject *args) {
  engine_object *e = (engine_object *)self;
  if (idle(e) != 0) return NULL;
  const char *shopper;
  if (!PyArg_ParseTuple(args, "s", &shopper)) return NULL;
  const rf_store *s = ((store_object *)e->store)->store;
  uint32_t n = rf_store_product_count(s);
  int64_t *qty = PyMem_Malloc(((size_t)n + 1) * sizeof *qty);
  if (qty == NULL) return PyErr_NoMemory();
  int rc = rf_engine_cart(e->engine, shopper, qty);
  PyObject *list = NULL;
  if (rc != 0) {
    char message[256];
    snprintf(message, sizeof message,
             "shopper '%s' is not in the store (or was forgotten after "
             "their receipt)",
             shopper);
    native_raise(state(self), rc, message);
  } else if ((list = PyList_New(0)) != NULL) {
    for (uint32_t p = 0; p < n; ++p) {
      if (qty[p] == 0) continue;
      rf_product_def def;
      rf_store_product(s, p, &def);
      PyObject *item = Py_BuildValue("(sL)", def.sku, (long long)qty[p]);
      if (item == NULL || PyList_Append(list, item) != 0) {
        Py_XDECREF(item);
        Py_CLEAR(list);
        break;
      }
      Py_DECREF(item);
    }
  }
  PyMem_Free(qty);
  return list;
}

/* params() -> [(name, value, min, max, default, help)] */
static PyObject *engine_params(PyObject *self, PyObject *unused) {
  (void)unused;
  engine_object *e = (engine_object *)self;
  PyObject *list = PyList_New(RF_PARAM_COUNT);
  for (int p = 0; list && p < RF_PARAM_COUNT; ++p) {
    double lo, hi, def;
    rf_engine_param_bounds((rf_engine_param)p, &lo, &hi, &def);
    PyObject *item = Py_BuildValue("(sdddds)", rf_engine_param_name((rf_engine_param)p),
                                   rf_engine_param_get(e->engine, (rf_engine_param)p), lo, hi, def,
                                   rf_engine_param_help((rf_engine_param)p));
    if (item == NULL || PyList_SetItem(list, p, item) != 0) {
      Py_DECREF(list);
      return NULL;
    }
  }
  return list;
}

static int param_index(PyObject *self, const char *name) {
  for (int p = 0; p < RF_PARAM_COUNT; ++p)
    if (strcmp(rf_engine_param_name((rf_engine_param)p), name) == 0) return p;
  char message[128];
  snprintf(message, sizeof message, "no engine parameter '%s'", name);
  native_raise(state(self), RF_ENOTFOUND, message);
  return -1;
}

/* set_param(name, value) */
static PyObject *engine_set_param(PyObject *self, PyObject *args) {
  const char *name;
  double value;
  if (!PyArg_ParseTuple(args, "sd", &name, &value)) return NULL;
  int p = param_index(self, name);
  if (p < 0) return NULL;
  int rc = rf_engine_param_set(((engine_object *)self)->engine, (rf_engine_param)p, value);
  if (rc != 0) return engine_fail(self, rc);
  Py_RETURN_NONE;
}

/* stats() -> dict */
static PyObject *engine_stats(PyObject *self, PyObject *unused) {
  (void)unused;
  return native_engine_stats(((engine_object *)self)->engine);
}

/* setaside_reason() -> why the last record pushed was set aside, or None */
static PyObject *engine_setaside_reason(PyObject *self, PyObject *unused) {
  (void)unused;
  int reason = rf_engine_setaside_reason(((engine_object *)self)->engine);
  if (reason < 0) Py_RETURN_NONE;
  return PyUnicode_FromString(rf_setaside_reason_name((rf_setaside_reason)reason));
}

/* source_delay(name, seconds) */
static PyObject *engine_source_delay(PyObject *self, PyObject *args) {
  const char *name;
  double seconds;
  if (!PyArg_ParseTuple(args, "sd", &name, &seconds)) return NULL;
  int rc = rf_engine_source_delay(((engine_object *)self)->engine, name, seconds);
  if (rc != 0) return engine_fail(self, rc);
  Py_RETURN_NONE;
}

/* set_explain(on): an explain record after each decided change, or none (the default) */
static PyObject *engine_set_explain(PyObject *self, PyObject *args) {
  int on;
  if (!PyArg_ParseTuple(args, "p", &on)) return NULL;
  if (idle((engine_object *)self) != 0) return NULL;
  rf_engine_set_explain(((engine_object *)self)->engine, on);
  Py_RETURN_NONE;
}

static PyMethodDef engine_methods[] = {
    {"stats", engine_stats, METH_NOARGS, "stats() -> dict"},
    {"setaside_reason", engine_setaside_reason, METH_NOARGS, "the last push's reason, or None"},
    {"source_delay", engine_source_delay, METH_VARARGS, "source_delay(name, seconds)"},
    {"set_explain", engine_set_explain, METH_VARARGS, "set_explain(on)"},
    {"push", engine_push, METH_VARARGS, "push(text) -> records taken"},
    {"push_samples", engine_push_samples, METH_VARARGS, "push_samples(plate, t, dt_us, readings)"},
    {"push_hands", engine_push_hands, METH_VARARGS, "push_hands(shoppers, shelves, t0, t1, x)"},
    {"advance", engine_advance, METH_VARARGS, "advance(now)"},
    {"finish", engine_finish, METH_NOARGS, "finish()"},
    {"take_output", engine_take_output, METH_NOARGS, "take_output() -> JSON Lines"},
    {"take_faults", engine_take_faults, METH_NOARGS, "take_faults() -> [(plate, fault, t)]"},
    {"cart", engine_cart, METH_VARARGS, "cart(shopper) -> [(sku, qty)]"},
    {"params", engine_params, METH_NOARGS, "[(name, value, min, max, default, help)]"},
    {"set_param", engine_set_param, METH_VARARGS, "set_param(name, value)"},
    {NULL, NULL, 0, NULL}};

static PyType_Slot engine_slots[] = {{Py_tp_new, engine_new},
                                     {Py_tp_dealloc, engine_dealloc},
                                     {Py_tp_methods, engine_methods},
                                     {Py_tp_doc, "Engine(store): the fusion engine"},
                                     {0, NULL}};

static PyType_Spec engine_spec = {"retailfuse._native.Engine", sizeof(engine_object), 0,
                                  Py_TPFLAGS_DEFAULT, engine_slots};

int native_add_store_and_engine(PyObject *module, native_state *st) {
  st->store_type = PyType_FromModuleAndSpec(module, &store_spec, NULL);
  if (st->store_type == NULL) return -1;
  st->engine_type = PyType_FromModuleAndSpec(module, &engine_spec, NULL);
  if (st->engine_type == NULL) return -1;
  if (PyModule_AddObjectRef(module, "Store", st->store_type) != 0 ||
      PyModule_AddObjectRef(module, "Engine", st->engine_type) != 0)
    return -1;
  return 0;
}
