"""ctypes access to the C library's assignment solvers, for benchmarks, until the Python
bindings exist. Works on numpy arrays without copying when they are C-contiguous float64."""
import ctypes
import os

import numpy as np

RF_EINFEASIBLE = -10
RF_LSA_MAXIMIZE = 1


class Solvers:
    def __init__(self, path):
        lib = ctypes.CDLL(os.path.abspath(path))
        self._lib = lib
        dp = ctypes.POINTER(ctypes.c_double)
        ip = ctypes.POINTER(ctypes.c_int32)
        lib.rf_assign_workspace_new.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
        lib.rf_assign_workspace_free.argtypes = [ctypes.c_void_p]
        lib.rf_assign_errmsg.argtypes = [ctypes.c_void_p]
        lib.rf_assign_errmsg.restype = ctypes.c_char_p
        # Arrays go as plain addresses (c_void_p): building typed pointers costs more than the
        # solve on small matrices.
        lib.rf_lsa.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t,
                               ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.rf_kbest.argtypes = [ctypes.c_void_p, dp, ctypes.c_size_t, ctypes.c_size_t,
                                 ctypes.c_uint, ctypes.c_size_t, ip, dp,
                                 ctypes.POINTER(ctypes.c_size_t)]
        lib.rf_marginals.argtypes = [ctypes.c_void_p, dp, dp, ctypes.c_size_t, ctypes.c_size_t,
                                     ctypes.c_int, dp, dp]
        lib.rf_version_string.restype = ctypes.c_char_p
        ws = ctypes.c_void_p()
        if lib.rf_assign_workspace_new(ctypes.byref(ws), None) != 0:
            raise MemoryError("rf_assign_workspace_new failed")
        self._ws = ws
        self._dp = dp
        self._ip = ip
        self.version = lib.rf_version_string().decode()
        self._lsa = lib.rf_lsa
        self._total = ctypes.c_double()
        self._total_addr = ctypes.addressof(self._total)

    def close(self):
        if self._ws:
            self._lib.rf_assign_workspace_free(self._ws)
            self._ws = None

    def _error(self, rc):
        msg = self._lib.rf_assign_errmsg(self._ws).decode()
        if rc == RF_EINFEASIBLE:
            return ValueError("infeasible: " + msg)
        return RuntimeError(f"retailfuse error {rc}: {msg}")

    def lsa(self, cost, maximize=False):
        """Returns (row_to_col int32 array, total); raises ValueError when infeasible."""
        if cost.dtype != np.float64 or not cost.flags.c_contiguous:
            cost = np.ascontiguousarray(cost, dtype=np.float64)
        rows, cols = cost.shape
        out = np.empty(rows, dtype=np.int32)
        rc = self._lsa(self._ws, cost.ctypes.data, rows, cols, RF_LSA_MAXIMIZE if maximize else 0,
                       out.ctypes.data, self._total_addr)
        if rc != 0:
            raise self._error(rc)
        return out, self._total.value

    def kbest(self, cost, k, maximize=False):
        cost = np.ascontiguousarray(cost, dtype=np.float64)
        rows, cols = cost.shape
        sols = np.empty((k, rows), dtype=np.int32)
        totals = np.empty(k)
        found = ctypes.c_size_t()
        rc = self._lib.rf_kbest(self._ws, cost.ctypes.data_as(self._dp), rows, cols,
                                RF_LSA_MAXIMIZE if maximize else 0, k,
                                sols.ctypes.data_as(self._ip), totals.ctypes.data_as(self._dp),
                                ctypes.byref(found))
        if rc != 0:
            raise self._error(rc)
        return sols[:found.value], totals[:found.value]

    def marginals(self, like, like_none, method=0):
        like = np.ascontiguousarray(like, dtype=np.float64)
        like_none = np.ascontiguousarray(like_none, dtype=np.float64)
        rows, cols = like.shape
        prob = np.empty((rows, cols))
        prob_none = np.empty(rows)
        rc = self._lib.rf_marginals(self._ws, like.ctypes.data_as(self._dp),
                                    like_none.ctypes.data_as(self._dp), rows, cols, method,
                                    prob.ctypes.data_as(self._dp),
                                    prob_none.ctypes.data_as(self._dp))
        if rc != 0:
            raise self._error(rc)
        return prob, prob_none
