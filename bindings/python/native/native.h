/* The native part of the Python package: what the module's files share. Written against the
 * limited C API of Python 3.11 (one binary for every later 3.x), with no state outside the
 * module object. */
#ifndef RF_PY_NATIVE_H
#define RF_PY_NATIVE_H

#ifndef Py_LIMITED_API
#  define Py_LIMITED_API 0x030B0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "retailfuse/retailfuse.h"

typedef struct native_state {
  PyObject *error;        /* retailfuse.Error */
  PyObject *input_error;  /* retailfuse.InputError (Error, ValueError) */
  PyObject *memory_error; /* retailfuse.OutOfMemoryError (Error, MemoryError) */
  PyObject *store_type, *engine_type;
  rf_assign_workspace *ws; /* for small solves, used only while holding the GIL */
} native_state;

native_state *native_state_of(PyObject *module);

/* The state of the module that defined `type` (for methods of its objects). */
native_state *native_state_of_type(PyTypeObject *type);

/* Raises the exception for status `rc` with `message` (or the status's own text when empty):
 * InputError for bad input, OutOfMemoryError for RF_ENOMEM, Error otherwise. Returns NULL. */
PyObject *native_raise(native_state *st, int rc, const char *message);

/* Growing text, for JSON Lines made by a rf_scenario_writer. */
typedef struct text_buf {
  char *data;
  size_t len, cap;
  int failed; /* out of memory while growing */
} text_buf;

void text_free(text_buf *t);
/* A rf_write_fn appending to a text_buf. */
int text_write(const char *data, size_t len, void *payload);

/* A scenario writer into t; NULL when out of memory. */
rf_scenario_writer *text_writer(text_buf *t);

/* The text as a Python str (then emptied), or NULL with an exception set. */
PyObject *text_take(text_buf *t);

/* A C-contiguous buffer of doubles of `ndim` dimensions from obj; 0, or -1 with an exception. */
int native_doubles(native_state *st, PyObject *obj, int ndim, Py_buffer *view);

/* An engine's stats as a dict (stats.c): counts, by_reason, clock, sources. */
PyObject *native_engine_stats(const rf_engine *engine);

/* The types, added to the module by native.c. */
int native_add_store_and_engine(PyObject *module, native_state *st);

#endif
