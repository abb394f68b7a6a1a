"""retailfuse: who took what in a cashier-less store — the C library, from Python.

Records are plain dicts in the scenario format of docs/format.md (``{"type": "enter", "t": 0,
"shopper": "S1"}``); times are integer microseconds, weights grams. Every record is read by the
C library exactly as a line of a scenario file is: one that does not read (a missing field, a
wrong type, a number out of range) raises ``InputError`` (a ``ValueError``) naming what is
wrong. An event that reads but cannot be used (a copy, an unknown id, too late) is set aside:
``Engine.push`` returns why, the engine counts it (``Engine.stats()``) and goes on.

    store = retailfuse.Store.from_file("store.jsonl")
    engine = retailfuse.Engine(store)
    engine.push({"type": "enter", "t": 0, "shopper": "S1"})
    ...
    for record in engine.output():      # diffs and receipts (and explanations), as dicts
        ...

A `review` record (a reviewer's verdict) is an input event too; an `explain` record's
alternatives, candidates and hands are lists of dicts, its `terms` a dict of the terms that apply,
and nobody (or an anonymous hand) is ``None``.

numpy is needed only for the array functions (``linear_sum_assignment``, ``kbest``,
``marginals``, ``Engine.push_samples``, ``Engine.push_hands``), and matplotlib only for
``plot_decision`` (one decision's figure, as `retailfuse review`'s page draws it).
"""

import json

from . import _native
from ._native import Error, InputError, OutOfMemoryError
from .client import Client, ServiceError
from .plot import plot_decision

__all__ = [
    "Error", "InputError", "OutOfMemoryError", "Store", "Engine", "read_scenario",
    "write_scenario", "simulate", "evaluate", "run_scenario", "linear_sum_assignment", "kbest",
    "marginals", "plot_decision", "Client", "ServiceError", "__version__",
]

__version__ = _native.version

_STORE_TYPES = ("product", "shelf", "facing", "camera", "zone")
_INPUT_TYPES = ("enter", "exit", "link", "position", "samples", "delta", "hand", "restock",
                "review")


def _not_finite(value):
    """The keys leading to the first NaN or infinity in value ([] for value itself), or None."""
    import math
    if isinstance(value, float) and not math.isfinite(value):
        return []
    items = (value.items() if isinstance(value, dict) else
             enumerate(value) if isinstance(value, (list, tuple)) else ())
    for key, item in items:
        path = _not_finite(item)
        if path is not None:
            return [key] + path
    return None


def _dumps(record, line=1):
    """One record as a scenario line: the type first, as the format asks. InputError names the
    line (1 is the first record) as the C reader does."""
    if not isinstance(record, dict) or "type" not in record:
        raise InputError(f"line {line}: a record is a dict with a 'type'")
    ordered = {"type": record["type"]}
    ordered.update(record)
    try:
        return json.dumps(ordered, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN or infinity, which JSON cannot carry
        path = _not_finite(ordered)
        if not path:
            raise
        where = f"'{path[0]}'" + "".join(f"[{k!r}]" for k in path[1:])
        raise InputError(f"line {line}: {record['type']}: field {where}: number is not finite") \
            from None


def _lines(records):
    return "".join(_dumps(r, i) + "\n" for i, r in enumerate(records, 1))


def _vector(values, what, integer=False):
    """A 1-D array of float64 (or of int64 when integer: the values must be whole numbers)."""
    import numpy as np
    a = np.asarray(values)
    if a.ndim != 1:
        raise InputError(f"{what}: expected a 1-D array, got a {a.ndim}-D array")
    if a.size and not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise InputError(f"{what}: expected numbers, got dtype {a.dtype}")
    if np.iscomplexobj(a):
        raise InputError(f"{what}: expected real numbers, got complex ones")
    if not integer:
        return np.ascontiguousarray(a, dtype=np.float64)
    if not np.issubdtype(a.dtype, np.integer) and a.size:
        if not (np.isfinite(a).all() and (a == np.round(a)).all()):
            raise InputError(f"{what}: expected whole microseconds")
    return np.ascontiguousarray(a, dtype=np.int64)


def _records(text):
    # Lines end at "\n" only (str.splitlines would also split at U+2028 and others, which a
    # JSON string may hold), and blank lines are skipped, as the C reader does.
    return [json.loads(line) for line in text.split("\n") if line.strip(" \t\r")]


# A protocol-buffer stream's first bytes (docs/format.md, section 10).
_PB_MAGIC = b"\x89RFP\r\n\x1a\n"


def _scenario_text(path):
    """A scenario file's records as JSON Lines text, whichever format the file is in."""
    with open(path, "rb") as f:
        if f.read(len(_PB_MAGIC)) == _PB_MAGIC:
            f.seek(0)
            return _native.convert(f.read(), False)
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_scenario(path):
    """Every record of a scenario file, JSON Lines or protocol buffers, as dicts; InputError
    names the first bad line (or frame)."""
    text = _scenario_text(path)
    _native.check(text)
    return _records(text)


def write_scenario(path, records, format=None):
    """Writes records as a scenario file, checked first: JSON Lines (the type first), or
    protocol buffers when format is "pb" (by default when path ends in ".pb")."""
    if format is None:
        format = "pb" if str(path).endswith(".pb") else "jsonl"
    if format not in ("pb", "jsonl"):
        raise InputError(f"format: expected 'pb' or 'jsonl', got {format!r}")
    text = _lines(records)
    _native.check(text)
    if format == "pb":
        with open(path, "wb") as f:
            f.write(_native.convert(text.encode("utf-8"), True))
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class Store:
    """A store: products, shelves of plates, facings. Immutable once built."""

    def __init__(self, native):
        self._native = native

    @classmethod
    def from_records(cls, records):
        """From product, shelf and facing records, and camera and zone records, which are
        checked (a zone's camera and shelf, its place in the image) but not kept (other records
        are ignored)."""
        return cls(_native.Store(_lines(r for r in records if not isinstance(r, dict) or
                                        r.get("type") in _STORE_TYPES)))

    @classmethod
    def from_file(cls, path):
        """From a scenario file's store records (JSON Lines or protocol buffers)."""
        return cls(_native.Store(_scenario_text(path)))

    @property
    def counts(self):
        """{'products', 'shelves', 'plates', 'facings'}: how many of each."""
        return dict(zip(("products", "shelves", "plates", "facings"), self._native.counts()))

    def products(self):
        """[{'sku', 'name', 'weight_g', 'weight_sd_g'}] in store order."""
        return [dict(zip(("sku", "name", "weight_g", "weight_sd_g"), p))
                for p in self._native.products()]

    def plates(self):
        """[(plate, shelf)] in store order."""
        return self._native.plates()


class Engine:
    """The fusion engine over a store: push events, read diffs and receipts.

    An engine is not thread-safe; distinct engines are independent. Long calls release the GIL.
    """

    def __init__(self, store, params=None):
        if not isinstance(store, Store):
            raise InputError("Engine needs a retailfuse.Store")
        self.store = store
        self._native = _native.Engine(store._native)
        for name, value in (params or {}).items():
            self.set_param(name, value)

    # -- input --

    def push(self, record):
        """Takes one input event (a dict): enter, exit, link, position, samples, delta, hand,
        restock, review (a reviewer's verdict: it bears no time and takes effect at once).
        Returns None when it was taken, or why it was set aside ("duplicate", "late", ...: see
        stats()); a record set aside changed nothing, except a hand naming a shopper not in the
        store ("unknown_shopper"), which is used as an anonymous visit. InputError only for a
        record that does not read."""
        self._native.push(_dumps(record) + "\n")
        return self._native.setaside_reason()

    def push_many(self, records):
        """Takes events in order (one call into C) and returns how many were used; those set
        aside are counted in stats(). A record that does not read stops it, with an InputError
        naming its line (1 is the first record); those before it stay taken."""
        return self._native.push(_lines(records))

    def stats(self):
        """What the engine took, set aside (by reason) and decided, the items staff moved
        (staff_moves: no diffs), the tracker id swaps it found (track_swaps), the records of ids a
        tracker broke off a shopper's track taken as theirs (stitched), the reviewers' verdicts
        taken (verdicts), the receipts they amended (amended), the explanations left out for
        memory (explain_dropped), its clock (the sources' watermark, None before the first
        record) and per source: records, last time, allowed delay, measured delay p50/p99 (s),
        stale."""
        return self._native.stats()

    def set_explain(self, on=True):
        """With on, each change decided is followed in output() by an explain record saying why
        (its alternatives with their probabilities and evidence terms, the candidates, the hand
        visits weighed); off by default."""
        self._native.set_explain(bool(on))

    def source_delay(self, source, seconds):
        """Gives one source its own allowed delay (s)."""
        self._native.source_delay(source, float(seconds))

    def push_enter(self, t, shopper, staff=False):
        """A shopper (or, with staff=True, a member of staff: they restock, buy nothing and get
        no receipt) comes in."""
        record = {"type": "enter", "t": t, "shopper": shopper}
        if staff:
            record["staff"] = True
        return self.push(record)

    def push_exit(self, t, shopper):
        return self.push({"type": "exit", "t": t, "shopper": shopper})

    def push_link(self, t, shopper, cart):
        return self.push({"type": "link", "t": t, "shopper": shopper, "cart": cart})

    def push_position(self, t, shopper, x, y):
        return self.push({"type": "position", "t": t, "shopper": shopper, "x": x, "y": y})

    def push_delta(self, shelf, t0, t1, plates):
        """plates: {plate id: signed grams}."""
        return self.push({"type": "delta", "shelf": shelf, "t0": t0, "t1": t1, "plates": plates})

    def push_hand(self, shopper, shelf, t0, t1, **evidence):
        """evidence: x, conf, holding_in, holding_out, sku_scores, as in the format."""
        record = {"type": "hand", "shopper": shopper, "shelf": shelf, "t0": t0, "t1": t1}
        record.update(evidence)
        return self.push(record)

    def push_restock(self, shelf, sku, t0, t1, qty):
        """Staff put qty items of sku on the shelf (qty > 0) or took them off it (qty < 0) over
        [t0, t1]: what moved there is nobody's purchase."""
        return self.push({"type": "restock", "shelf": shelf, "sku": sku, "t0": t0, "t1": t1,
                          "qty": qty})

    def push_review(self, decision, shopper, items, reviewer=None):
        """A reviewer's verdict on the decision whose diff has seq `decision`: `shopper`'s cart
        (None: nobody's) gains `items` ({sku: qty}, qty < 0 giving back; {} for nobody). The
        engine writes the corrections (diffs with "reviews"), and an amended receipt for a cart
        already receipted. Returns as push does."""
        record = {"type": "review", "decision": decision, "shopper": shopper, "items": items}
        if reviewer is not None:
            record["reviewer"] = reviewer
        return self.push(record)

    def push_samples(self, plate, t, dt_us, readings):
        """A plate's readings (any 1-D array of numbers), the i-th at t + i * dt_us. Returns as
        push does."""
        self._native.push_samples(plate, int(t), int(dt_us), _vector(readings, "readings"))
        return self._native.setaside_reason()

    def push_hands(self, shoppers, shelves, t0, t1, x=None):
        """Many hand visits at once: lists of shopper ids (None: anonymous) and shelf ids, and
        arrays of t0, t1 (and x, NaN where unknown). Returns how many were used (a visit naming
        a shopper not in the store counts: it is used as anonymous); it goes on past visits set
        aside, which are counted in stats(). InputError only for arrays that do not fit."""
        import numpy as np
        n = len(shoppers)
        xs = np.full(n, np.nan) if x is None else _vector(x, "x")
        return self._native.push_hands(list(shoppers), list(shelves),
                                       _vector(t0, "t0", integer=True),
                                       _vector(t1, "t1", integer=True), xs)

    def advance(self, now):
        """Store time has reached `now`: makes the decisions that are due."""
        self._native.advance(int(now))

    def finish(self):
        """End of input: decides everything still waiting, emits the last receipts."""
        self._native.finish()

    # -- output --

    def output(self):
        """The diffs and receipts (and explanations, when on) made since the last call, as
        dicts, in order."""
        return _records(self._native.take_output())

    def output_text(self):
        """The same as JSON Lines text, byte for byte what `retailfuse run` writes."""
        return self._native.take_output()

    def faults(self):
        """Plate faults found in raw samples since the last call: [(plate, fault, t)]."""
        return self._native.take_faults()

    def cart(self, shopper):
        """A shopper's cart (the owner's, when linked): {sku: qty}."""
        return dict(self._native.cart(shopper))

    # -- parameters --

    def params(self):
        """{name: {'value', 'min', 'max', 'default', 'help'}} for every tunable."""
        return {name: {"value": v, "min": lo, "max": hi, "default": d, "help": h}
                for name, v, lo, hi, d, h in self._native.params()}

    def param(self, name):
        params = self.params()
        if name not in params:
            raise InputError(f"no engine parameter '{name}'")
        return params[name]["value"]

    def set_param(self, name, value):
        """InputError naming the bounds when value is outside them."""
        self._native.set_param(name, float(value))


def simulate(preset="busy", seed=1, weights="deltas", **knobs):
    """A simulated store: (scenario records, truth records), as dicts. knobs: the simulator's
    (see `retailfuse sim --list-knobs`), e.g. shoppers=10."""
    if weights not in ("deltas", "samples"):
        raise InputError("weights must be 'deltas' or 'samples'")
    knobs = {k: str(v) for k, v in knobs.items()}
    if weights == "samples":
        knobs["samples_mode"] = "1"
    scenario, truth = _native.simulate(preset, int(seed), knobs)
    return _records(scenario), _records(truth)


def evaluate(truth, output):
    """Scores output records against truth records (lists of dicts, or JSON Lines text):
    {'f1', 'precision', 'recall', 'exact', 'review_rate', 'calibration_error', 'errors', ...}."""
    as_text = lambda x: x if isinstance(x, str) else _lines(x)
    return _native.evaluate(as_text(truth), as_text(output))


def run_scenario(path, method="fused", params=None, explain=False):
    """Runs a scenario file as `retailfuse run` does: the diffs and receipts, as dicts; with
    explain=True (`retailfuse run --explain`) each change decided is followed by its explain
    record (the fused engine's; the greedy baseline has none), as plot_decision draws."""
    if method not in ("fused", "greedy"):
        raise InputError("method must be 'fused' or 'greedy'")
    text = _scenario_text(path)
    return _records(_native.run(text, method == "fused",
                                [(k, float(v)) for k, v in (params or {}).items()],
                                bool(explain)))


# -- assignment solvers (they know nothing about stores) --

def _matrix(cost):
    import numpy as np
    a = np.asarray(cost)
    if a.ndim != 2:
        raise InputError(f"expected a matrix (2-D array), got a {a.ndim}-D array")
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise InputError(f"expected a numeric matrix, got dtype {a.dtype}")
    if np.iscomplexobj(a):
        raise InputError("expected a real matrix, got a complex one")
    return np.ascontiguousarray(a, dtype=np.float64)


def linear_sum_assignment(cost_matrix, maximize=False):
    """scipy.optimize.linear_sum_assignment's signature and result: (row_ind, col_ind), the
    rows in increasing order. +inf (-inf when maximizing) forbids a pair; NaN is refused;
    InputError (a ValueError) when no complete assignment exists."""
    import numpy as np
    a = cost_matrix
    if not (type(a) is np.ndarray and a.dtype == np.float64 and a.ndim == 2
            and a.flags.c_contiguous):
        a = _matrix(cost_matrix)
    if a.size == 0:
        empty = np.array([], dtype=np.intp)
        return empty, empty.copy()
    rows, cols = _native.lsa(a, bool(maximize))
    return np.frombuffer(rows, dtype=np.intp), np.frombuffer(cols, dtype=np.intp)


def kbest(cost_matrix, k, maximize=False):
    """The k best assignments, best first: [(total, row_ind, col_ind)] (fewer if fewer exist)."""
    import numpy as np
    a = _matrix(cost_matrix)
    if np.isnan(a).any():
        raise InputError("matrix contains invalid numeric entries")
    rows = a.shape[0]
    assignments, totals = _native.kbest(a, bool(maximize), int(k))
    cols = np.frombuffer(assignments, dtype=np.int32).reshape(-1, rows) if rows else None
    out = []
    for s, total in enumerate(np.frombuffer(totals, dtype=np.float64)):
        c = cols[s].astype(np.intp) if rows else np.array([], dtype=np.intp)
        r = np.nonzero(c >= 0)[0].astype(np.intp)
        out.append((float(total), r, c[r]))
    return out


def marginals(like, like_none, method="auto"):
    """P(row i takes column j) over every joint assignment (a column at most once; a row may take
    none, weighed by like_none[i]): (prob, prob_none), each row summing to 1."""
    import numpy as np
    methods = {"auto": 0, "exact": 1, "bp": 2}
    if method not in methods:
        raise InputError("method must be 'auto', 'exact' or 'bp'")
    a = _matrix(like)
    none = np.ascontiguousarray(np.asarray(like_none, dtype=np.float64).reshape(-1))
    prob, prob_none = _native.marginals(a, none, methods[method])
    return (np.frombuffer(prob, dtype=np.float64).reshape(a.shape).copy(),
            np.frombuffer(prob_none, dtype=np.float64).copy())
