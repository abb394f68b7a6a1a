"""Every way in which input is refused: the exception's class and the C library's message."""
import numpy as np
import pytest

import retailfuse
from conftest import TINY

NAN, INF = float("nan"), float("inf")


def test_exception_hierarchy():
    assert issubclass(retailfuse.Error, Exception)
    assert issubclass(retailfuse.InputError, retailfuse.Error)
    assert issubclass(retailfuse.InputError, ValueError)
    assert issubclass(retailfuse.OutOfMemoryError, retailfuse.Error)
    assert issubclass(retailfuse.OutOfMemoryError, MemoryError)
    assert not issubclass(retailfuse.InputError, MemoryError)
    assert retailfuse.InputError.__name__ == "InputError"
    assert retailfuse.InputError.__module__ == "retailfuse"
    for name in retailfuse.__all__:
        assert hasattr(retailfuse, name), name
    assert retailfuse.__version__.count(".") == 2


@pytest.fixture()
def engine(tiny):
    e = retailfuse.Engine(tiny)
    e.push_enter(1_000_000, "A")
    return e


def refused(engine, record, pattern):
    with pytest.raises(retailfuse.InputError, match=pattern) as info:
        engine.push(record)
    assert isinstance(info.value, ValueError) and isinstance(info.value, retailfuse.Error)
    return str(info.value)


# -- records --

@pytest.mark.parametrize("record,pattern", [
    # unknown ids
    ({"type": "exit", "t": 1_000_000, "shopper": "Z"}, r"^line 1: shopper 'Z' has not entered$"),
    ({"type": "enter", "t": 1_000_000, "shopper": "A"},
     r"^line 1: shopper 'A' is already in the store$"),
    ({"type": "link", "t": 1_000_000, "shopper": "A", "cart": "Z"}, r"'Z'"),
    ({"type": "delta", "shelf": "SH9", "t0": 1_000_000, "t1": 1_100_000, "plates": {"P1": -1}},
     r"^line 1: .*shelf 'SH9'"),
    ({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000, "plates": {"PX": -1}},
     r"^line 1: delta: plate 'PX' is not in the store$"),
    ({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000, "plates": {}},
     r"^line 1: delta: field 'plates': needs at least one plate$"),
    ({"type": "hand", "shopper": "A", "shelf": "SHX", "t0": 1_000_000, "t1": 1_100_000},
     r"^line 1: .*shelf 'SHX'"),
    ({"type": "samples", "plate": "PX", "t": 1_000_000, "dt_us": 10, "g": [1.0]}, r"'PX'"),
    # NaN and infinities
    ({"type": "position", "t": 1_000_000, "shopper": "A", "x": NAN, "y": 0},
     r"^line 1: position: field 'x': number is not finite$"),
    ({"type": "samples", "plate": "P1", "t": 1_000_000, "dt_us": 10, "g": [1.0, INF]},
     r"^line 1: samples: field 'g'\[1\]: number is not finite$"),
    ({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000, "plates": {"P1": -INF}},
     r"^line 1: delta: field 'plates'\['P1'\]: number is not finite$"),
    ({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000,
      "sku_scores": {"111": NAN}}, r"field 'sku_scores'\['111'\]: number is not finite"),
    # missing fields, wrong types, values out of range
    ({"type": "enter", "shopper": "B"}, r"^line 1: enter: field 't': is missing$"),
    ({"type": "position", "t": 1_000_000, "shopper": "A", "y": 0},
     r"^line 1: position: field 'x': is missing$"),
    ({"type": "position", "t": 1_000_000, "shopper": "A", "x": "left", "y": 0},
     r"^line 1: position: field 'x': expected a number, got a string$"),
    ({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 1_200_000, "t1": 1_100_000},
     r"^line 1: hand: field 't1': t1 1100000 is before t0 1200000$"),
    ({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000,
      "conf": 2}, r"^line 1: hand: field 'conf': must be within \[0, 1\], got 2$"),
    ({"type": "samples", "plate": "P1", "t": 1_000_000, "dt_us": 10, "g": []},
     r"^line 1: samples: field 'g': needs at least one reading$"),
    # record types
    ({"type": "teleport", "t": 1}, r"^line 1: record: field 'type': unknown record type "
                                   r"'teleport'$"),
    ({"type": "product", "sku": "9", "weight_g": 1}, r"^line 1: product is not an input event$"),
    ({"t": 1}, r"^line 1: a record is a dict with a 'type'$"),
])
def test_bad_records(engine, record, pattern):
    refused(engine, record, pattern)


def test_late_records(engine):
    engine.push_enter(10_000_000, "B")
    refused(engine, {"type": "enter", "t": 7_000_000, "shopper": "C"},
            r"^line 1: enter at 7.000000 s is more than 2.000 s behind the clock "
            r"\(10.000000 s\)$")
    engine.push_enter(8_000_000, "C")           # within the lateness: taken
    engine.set_param("LATENESS_S", 0)
    refused(engine, {"type": "exit", "t": 9_999_999, "shopper": "C"}, "behind the clock")
    engine.advance(20_000_000)
    with pytest.raises(retailfuse.InputError, match=r"samples at 0.000000 s is more than"):
        engine.push_samples("P1", 0, 10, [1.0])


def test_a_refused_record_changes_nothing(tiny):
    e, f = retailfuse.Engine(tiny), retailfuse.Engine(tiny)
    for engine in (e, f):
        engine.push_enter(0, "A")
    with pytest.raises(retailfuse.InputError):
        e.push_delta("SH1", 100, 200, {"P1": -500.0, "PX": 1.0})
    with pytest.raises(retailfuse.InputError):
        e.push_hands(["A", "A"], ["SH1", "NOPE"], [50, 60], [150, 160])
    # push_hands stops at the refused visit: the first was taken, as f is told here
    f.push_hand("A", "SH1", 50, 150)
    for engine in (e, f):
        engine.push_delta("SH1", 100, 200, {"P1": -500.0})
        engine.push_exit(300, "A")
        engine.finish()
    assert e.output_text() == f.output_text() != ""


def test_malformed_text_through_push_many(engine):
    with pytest.raises(retailfuse.InputError, match=r"^line 3: a record is a dict"):
        engine.push_many([{"type": "enter", "t": 1_000_000, "shopper": "B"},
                          {"type": "enter", "t": 1_000_000, "shopper": "C"}, ["enter"]])
    with pytest.raises(retailfuse.InputError, match=r"^line 2: position: field 'x': number is "
                                                   r"not finite"):
        engine.push_many([{"type": "enter", "t": 1_000_000, "shopper": "D"},
                          {"type": "position", "t": 1_000_000, "shopper": "D", "x": NAN,
                           "y": 0}])
    with pytest.raises(retailfuse.InputError, match=r"^line 1: malformed JSON near column 44$"):
        engine._native.push('{"type":"position","t":0,"shopper":"A","x":NaN,"y":0}\n')


def test_bad_store_records(tmp_path):
    with pytest.raises(retailfuse.InputError,
                       match=r"^line 1: product: field 'weight_g': is missing$"):
        retailfuse.Store.from_records([{"type": "product", "sku": "1"}])
    with pytest.raises(retailfuse.InputError, match=r"^line 2: facing: facing of '1': unknown "
                                                   r"shelf 'Z' \(shelves come before"):
        retailfuse.Store.from_records([TINY[0] | {"sku": "1"},
                                       {"type": "facing", "shelf": "Z", "sku": "1", "x0": 0,
                                        "x1": 0.1}])
    with pytest.raises(retailfuse.InputError, match=r"^line 1: product: field 'weight_g': number "
                                                   r"is not finite$"):
        retailfuse.Store.from_records([{"type": "product", "sku": "1", "weight_g": NAN}])
    with pytest.raises(retailfuse.InputError, match=r"^line 1: a record is a dict"):
        retailfuse.Store.from_records(["product"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type":"product","sku":"1","weight_g":3}\n{"type":"product"\n')
    with pytest.raises(retailfuse.InputError, match=r"^line 2: malformed JSON"):
        retailfuse.Store.from_file(bad)
    with pytest.raises(retailfuse.InputError, match=r"^line 2: malformed JSON"):
        retailfuse.read_scenario(bad)
    with pytest.raises(retailfuse.InputError, match="Engine needs a retailfuse.Store"):
        retailfuse.Engine("store")
    with pytest.raises(TypeError):
        retailfuse._native.Engine("store")


def test_read_scenario_names_the_bad_line(tmp_path):
    path = tmp_path / "s.jsonl"
    lines = ['{"type":"product","sku":"1","weight_g":3}', '{"type":"enter","t":5000000,'
             '"shopper":"S1"}', '{"type":"exit","t":0,"shopper":"S1"}']
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(retailfuse.InputError, match=r"^line 3: exit: time 0.000000 s is "
                                                   r"5.000000 s behind"):
        retailfuse.read_scenario(path)
    path.write_text(lines[0] + '\n{"type":"exit","t":0,"shopper":"S2"}\n')
    with pytest.raises(retailfuse.InputError, match=r"^line 2: exit: field 'shopper': shopper "
                                                   r"'S2' has not entered$"):
        retailfuse.read_scenario(path)


def test_cart_of_unknown_shopper(engine):
    assert engine.cart("A") == {}
    with pytest.raises(retailfuse.InputError, match=r"^shopper 'Q' is not in the store"):
        engine.cart("Q")


# -- parameters, presets, knobs, methods --

def test_bad_parameters(engine, tiny):
    for name, value, pattern in [
            ("WAIT_S", -1, r"^WAIT_S = -1 is outside \[0, 120\]$"),
            ("MAX_ITEMS", 21, r"^MAX_ITEMS = 21 is outside \[1, 20\]$"),
            ("REVIEW_BELOW", NAN, r"^REVIEW_BELOW = nan is outside \[0, 1\]$"),
            ("LATENESS_S", INF, r"^LATENESS_S = inf is outside \[0, 60\]$"),
            ("SPEED", 1, r"^no engine parameter 'SPEED'$")]:
        with pytest.raises(retailfuse.InputError, match=pattern) as info:
            engine.set_param(name, value)
        assert isinstance(info.value, ValueError)
    with pytest.raises(retailfuse.InputError, match="no engine parameter 'SPEED'"):
        engine.param("SPEED")
    with pytest.raises(retailfuse.InputError, match=r"BROWSE_RATE = 0 is outside \[0.001, 1\]"):
        retailfuse.Engine(tiny, params={"BROWSE_RATE": 0})
    with pytest.raises(ValueError):
        engine.set_param("WAIT_S", "soon")
    with pytest.raises(TypeError):
        engine.set_param(3, 1.0)


def test_unknown_preset_knob_and_method_names(tmp_path):
    with pytest.raises(retailfuse.InputError, match="unknown preset 'medium'"):
        retailfuse.simulate("medium")
    with pytest.raises(retailfuse.InputError, match="speed = 2: no such knob"):
        retailfuse.simulate("easy", speed=2)
    with pytest.raises(retailfuse.InputError, match="weights must be"):
        retailfuse.simulate("easy", weights="kg")
    path = tmp_path / "s.jsonl"
    retailfuse.write_scenario(path, TINY)
    with pytest.raises(retailfuse.InputError, match="method must be 'fused' or 'greedy'"):
        retailfuse.run_scenario(path, method="Fused")
    with pytest.raises(retailfuse.InputError, match="method must be 'auto', 'exact' or 'bp'"):
        retailfuse.marginals([[1.0]], [1.0], method="belief")


# -- arrays --

def test_bad_sample_arrays(engine):
    for readings, pattern in [
            (np.ones((2, 3)), r"^readings: expected a 1-D array, got a 2-D array$"),
            (1.0, r"^readings: expected a 1-D array, got a 0-D array$"),
            (np.array([1 + 2j, 3]), r"^readings: expected real numbers, got complex ones$"),
            (["a", "b"], r"^readings: expected numbers, got dtype <U1$"),
            ([], r"^samples: no readings$")]:
        with pytest.raises(retailfuse.InputError, match=pattern) as info:
            engine.push_samples("P1", 1_000_000, 16_667, readings)
        assert isinstance(info.value, ValueError)
    with pytest.raises(retailfuse.InputError, match=r"^samples: dt_us must be positive$"):
        engine.push_samples("P1", 1_000_000, 0, [1.0])
    with pytest.raises(retailfuse.InputError, match=r"^samples: plate 'PX' is not in the store$"):
        engine.push_samples("PX", 1_000_000, 10, [1.0])
    with pytest.raises(retailfuse.InputError, match=r"expected a 1-D array of float64"):
        engine._native.push_samples("P1", 1_000_000, 10, np.ones(3, dtype=np.float32))
    # NaN readings are taken: the load cell reports them as a fault
    engine.push_samples("P1", 1_000_000, 10, [1000.0, NAN])
    assert engine.faults() == [("P1", "nonfinite", 1_000_010)]


def test_bad_hand_arrays(engine):
    for args, kwargs, pattern in [
            ((["A"], ["SH1"], [0.5], [1]), {}, r"^t0: expected whole microseconds$"),
            ((["A"], ["SH1"], [0], [NAN]), {}, r"^t1: expected whole microseconds$"),
            ((["A"], ["SH1"], [[0]], [1]), {}, r"^t0: expected a 1-D array, got a 2-D array$"),
            ((["A"], ["SH1"], [0], [1]), {"x": [1j]}, r"^x: expected real numbers"),
            ((["A"], ["SH1"], [0, 1], [1]), {}, r"t0, t1: int64 arrays and x: a float64 array, "
                                               r"one per hand visit"),
            ((["A"], ["SH1", "SH1"], [0], [1]), {}, r"^shelves: one per hand visit$"),
            ((["A"], ["SH1"], [1_000_000], [1_100_000]), {"x": [INF]},
             r"^hand visit 0: hand: x is not finite$"),
            ((["A", "A"], ["SH1", "SH1"], [1_000_000, 1_200_000], [1_100_000, 1_100_000]), {},
             r"^hand visit 1: hand: t1 is before t0$"),
            ((["Q"], ["SH1"], [1_000_000], [1_100_000]), {},
             r"^hand visit 0: shopper 'Q' has not entered$"),
            ((["A"], ["NOPE"], [1_000_000], [1_100_000]), {},
             r"^hand visit 0: hand: shelf 'NOPE' is not in the store$")]:
        with pytest.raises(retailfuse.InputError, match=pattern):
            engine.push_hands(*args, **kwargs)
    with pytest.raises(TypeError):
        engine.push_hands([3], ["SH1"], [1_000_000], [1_100_000])


def test_bad_matrices():
    for f in (retailfuse.linear_sum_assignment, lambda a: retailfuse.kbest(a, 3),
              lambda a: retailfuse.marginals(a, np.ones(np.shape(a)[0]))):
        for bad, pattern in [([1.0, 2.0], r"expected a matrix \(2-D array\), got a 1-D array"),
                             ([[1 + 1j, 2.0]], "expected a real matrix, got a complex one"),
                             ([["x", "y"]], "expected a numeric matrix, got dtype <U1"),
                             ([[1.0, NAN], [2.0, 3.0]], r"(?i)\bnan\b|invalid numeric entries")]:
            with pytest.raises(retailfuse.InputError, match=pattern) as info:
                f(bad)
            assert isinstance(info.value, ValueError)


def test_times_beyond_the_engine_range(engine):
    # Times are kept within 2**62 us so no difference of two overflows; beyond is refused
    # (it was undefined behaviour: a samples record's span overflowed).
    with pytest.raises(retailfuse.InputError, match="time range"):
        engine.push_samples("P1", 2**63 - 10, 100, np.array([1000.0, 1000.0]))
    with pytest.raises(retailfuse.InputError, match="time range"):
        engine.advance(-(2**63) + 1)
    with pytest.raises(retailfuse.InputError, match="time range"):
        engine.push_hands([None], ["SH1"], np.array([2**62]), np.array([2**62 + 5]))
    engine.push_enter(0, "S1")  # nothing changed: time 0 is still the first
    assert engine.cart("S1") == {}
