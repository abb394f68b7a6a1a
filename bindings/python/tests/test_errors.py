"""Every way in which input is refused (the exception's class and the C library's message) or
set aside (the reason push returns, and that nothing changed)."""
import numpy as np
import pytest

import retailfuse
from conftest import TINY

NAN, INF = float("nan"), float("inf")
REASONS = ["duplicate", "unknown_shopper", "unknown_shelf", "unknown_plate", "unknown_cart",
           "already_in", "not_in", "late", "bad_number", "unknown_sku", "unknown_decision",
           "not_in_cart"]
SOURCE = {"enter": "tracker", "exit": "tracker", "link": "tracker", "position": "tracker",
          "delta": "shelves", "samples": "shelves", "hand": "cameras"}   # each kind's default


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

# Records that do not read (bad JSON, a missing field, a wrong type, a number out of range) or
# are not input events: InputError naming the line and the field.
@pytest.mark.parametrize("record,pattern", [
    ({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000, "plates": {}},
     r"^line 1: delta: field 'plates': needs at least one plate$"),
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
    ({"type": "samples", "plate": "P1", "t": 1_000_000, "dt_us": 0, "g": [1.0]},
     r"^line 1: samples: field 'dt_us': must be > 0, got 0$"),
    ({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000, "plates": {"P1": 1e9}},
     r"^line 1: delta: field 'plates.P1': out of range: more than 1e7 g by magnitude, got 1e\+09$"),
    ({"type": "enter", "t": 2**53, "shopper": "B"},
     r"^line 1: enter: field 't': out of range: more than 2\^52 microseconds from 0"),
    ({"type": "enter", "t": 5, "shopper": ""}, r"^line 1: enter: field 'shopper': id is empty$"),
    ({"type": "enter", "t": 5, "shopper": "B", "source": ""},
     r"^line 1: enter: field 'source': id is empty$"),
    ({"type": "enter", "t": 5, "shopper": "B", "seq": 1.5},
     r"^line 1: enter: field 'seq': expected an integer, got 1.5$"),
    # record types
    ({"type": "teleport", "t": 1}, r"^line 1: record: field 'type': unknown record type "
                                   r"'teleport'$"),
    ({"type": "product", "sku": "9", "weight_g": 1}, r"^line 1: product is not an input event$"),
    ({"t": 1}, r"^line 1: a record is a dict with a 'type'$"),
])
def test_bad_records(engine, record, pattern):
    refused(engine, record, pattern)
    stats = engine.stats()
    assert (stats["taken"], stats["set_aside"]) == (1, 0), "a record that does not read is " \
                                                          "neither taken nor set aside"


def go_on(engine):
    """The same take after whatever came before: its output text."""
    engine.push({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 2_000_000,
                 "t1": 3_000_000, "x": 0.25})
    engine.push({"type": "delta", "shelf": "SH1", "t0": 2_200_000, "t1": 2_800_000,
                 "plates": {"P1": -500.2}})
    engine.push({"type": "exit", "t": 4_000_000, "shopper": "A"})
    engine.finish()
    return engine.output_text()


# Records that read but cannot be used: set aside with a reason, changing nothing. (A is in the
# store since 1 s; the tracker's clock is 1 - 2 = -1 s.)
@pytest.mark.parametrize("record,reason", [
    ({"type": "enter", "t": 1_000_000, "shopper": "A"}, "duplicate"),    # the fixture's again
    ({"type": "enter", "t": 1_000_001, "shopper": "A"}, "already_in"),
    ({"type": "exit", "t": 1_000_000, "shopper": "Z"}, "not_in"),
    ({"type": "link", "t": 1_000_000, "shopper": "Z", "cart": "A"}, "not_in"),
    ({"type": "link", "t": 1_000_000, "shopper": "A", "cart": "Z"}, "unknown_cart"),
    ({"type": "position", "t": 1_000_000, "shopper": "Q", "x": 0, "y": 0}, "unknown_shopper"),
    ({"type": "delta", "shelf": "SH9", "t0": 1_000_000, "t1": 1_100_000, "plates": {"P1": -1}},
     "unknown_shelf"),
    ({"type": "hand", "shopper": "A", "shelf": "SHX", "t0": 1_000_000, "t1": 1_100_000},
     "unknown_shelf"),
    ({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000, "plates": {"PX": -1}},
     "unknown_plate"),
    ({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_100_000,
      "plates": {"P1": -500.0, "PX": 1.0}}, "unknown_plate"),
    ({"type": "samples", "plate": "PX", "t": 1_000_000, "dt_us": 10, "g": [1.0]},
     "unknown_plate"),
    ({"type": "enter", "t": -6_000_001, "shopper": "B"}, "late"),
    ({"type": "delta", "shelf": "SH1", "t0": -7_000_000, "t1": -6_000_001,
      "plates": {"P1": -500.0}}, "late"),
])
def test_set_aside_records(engine, tiny, record, reason):
    assert engine.push(record) == reason
    assert engine.output() == [] and engine.cart("A") == {} and engine.faults() == []
    stats = engine.stats()
    assert (stats["taken"], stats["set_aside"], stats["late_used"]) == (1, 1, 0)
    assert stats["by_reason"] == {r: int(r == reason) for r in REASONS}
    assert stats["clock"] == -1_000_000, "a record set aside does not move the clock"
    clean = retailfuse.Engine(tiny)
    clean.push_enter(1_000_000, "A")
    assert go_on(engine) == go_on(clean) != ""
    assert engine.stats()["taken"] == clean.stats()["taken"] == 4
    # a set-aside record counts as received by its source once that source is known (a source is
    # made by a record of it that is used: here only the tracker's was, by the fixture's enter)
    got = {s["name"]: s["records"] for s in engine.stats()["sources"]}
    assert got == {s["name"]: s["records"] + (s["name"] == SOURCE[record["type"]] == "tracker")
                   for s in clean.stats()["sources"]}


def test_late_records(engine):
    assert engine.push({"type": "enter", "t": 10_000_000, "shopper": "B"}) is None
    assert engine.stats()["clock"] == 8_000_000          # the tracker's latest - 2 s
    # more than LATENESS_S (5 s) behind the clock: set aside
    assert engine.push({"type": "enter", "t": 2_999_999, "shopper": "C"}) == "late"
    # exactly 5 s behind: used, and counted as later than the tracker's delay
    assert engine.push({"type": "enter", "t": 3_000_000, "shopper": "C"}) is None
    stats = engine.stats()
    assert (stats["taken"], stats["set_aside"], stats["late_used"]) == (3, 1, 1)
    engine.set_param("LATENESS_S", 0)
    assert engine.push({"type": "exit", "t": 7_999_999, "shopper": "C"}) == "late"
    assert engine.push({"type": "exit", "t": 8_000_000, "shopper": "C"}) is None
    engine.advance(20_000_000)
    assert engine.stats()["clock"] == 20_000_000
    assert engine.push_samples("P1", 0, 10, [1.0]) == "late"
    assert engine.push_samples("P1", 20_000_000, 10, [1.0]) is None
    # readings older than the plate's are late too, even within the lateness
    engine.set_param("LATENESS_S", 5)
    assert engine.push_samples("P1", 19_999_999, 10, [1.0]) == "late"
    assert engine.push_samples("P2", 19_999_999, 10, [1.0]) is None
    stats = engine.stats()
    assert (stats["taken"], stats["set_aside"], stats["late_used"]) == (6, 4, 1)
    assert stats["by_reason"] == {r: 4 * (r == "late") for r in REASONS}
    engine.finish()
    assert [(r["type"], r["shopper"]) for r in engine.output()] == [("receipt", "C")]


def test_a_set_aside_record_changes_nothing(tiny):
    e, f = retailfuse.Engine(tiny), retailfuse.Engine(tiny)
    for engine in (e, f):
        engine.push_enter(0, "A")
    assert e.push({"type": "delta", "shelf": "SH1", "t0": 100, "t1": 200,
                   "plates": {"P1": -500.0, "PX": 1.0}}) == "unknown_plate"
    # push_hands goes on past the visit set aside: the first was taken, as f is told here
    assert e.push_hands(["A", "A"], ["SH1", "NOPE"], [50, 60], [150, 160]) == 1
    f.push_hand("A", "SH1", 50, 150)
    for engine in (e, f):
        engine.push_delta("SH1", 100, 200, {"P1": -500.0})
        engine.push_exit(300, "A")
        engine.finish()
    assert e.output_text() == f.output_text() != ""
    se, sf = e.stats(), f.stats()
    assert (se["taken"], se["set_aside"], sf["taken"], sf["set_aside"]) == (4, 2, 4, 0)
    assert se["by_reason"] == {r: int(r in ("unknown_plate", "unknown_shelf")) for r in REASONS}
    assert {k: v for k, v in se.items() if k not in ("set_aside", "by_reason", "sources")} == \
        {k: v for k, v in sf.items() if k not in ("set_aside", "by_reason", "sources")}


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
    assert engine.stats()["set_aside"] == 0
    # numbers and ids the engine cannot use: set aside
    assert engine.push_samples("P1", 1_000_000, 0, [1.0]) == "bad_number"
    assert engine.push_samples("P1", 1_000_000, -10, [1.0]) == "bad_number"
    assert engine.push_samples("PX", 1_000_000, 10, [1.0]) == "unknown_plate"
    stats = engine.stats()
    assert (stats["taken"], stats["set_aside"]) == (1, 3)
    assert stats["by_reason"] == {r: {"bad_number": 2, "unknown_plate": 1}.get(r, 0)
                                  for r in REASONS}
    with pytest.raises(retailfuse.InputError, match=r"expected a 1-D array of float64"):
        engine._native.push_samples("P1", 1_000_000, 10, np.ones(3, dtype=np.float32))
    # NaN readings are taken: the load cell reports them as a fault
    assert engine.push_samples("P1", 1_000_000, 10, [1000.0, NAN]) is None
    assert engine.faults() == [("P1", "nonfinite", 1_000_010)]
    assert engine.stats()["taken"] == 2


def test_bad_hand_arrays(engine):
    for args, kwargs, pattern in [
            ((["A"], ["SH1"], [0.5], [1]), {}, r"^t0: expected whole microseconds$"),
            ((["A"], ["SH1"], [0], [NAN]), {}, r"^t1: expected whole microseconds$"),
            ((["A"], ["SH1"], [[0]], [1]), {}, r"^t0: expected a 1-D array, got a 2-D array$"),
            ((["A"], ["SH1"], [0], [1]), {"x": [1j]}, r"^x: expected real numbers"),
            ((["A"], ["SH1"], [0, 1], [1]), {}, r"t0, t1: int64 arrays and x: a float64 array, "
                                               r"one per hand visit"),
            ((["A"], ["SH1", "SH1"], [0], [1]), {}, r"^shelves: one per hand visit$")]:
        with pytest.raises(retailfuse.InputError, match=pattern):
            engine.push_hands(*args, **kwargs)
    with pytest.raises(TypeError):
        engine.push_hands([3], ["SH1"], [1_000_000], [1_100_000])
    assert engine.stats()["set_aside"] == 0, "arrays refused: nothing reached the engine"
    # visits the engine cannot use are set aside, and the call goes on past them
    for args, kwargs, used, reason in [
            ((["A"], ["SH1"], [1_000_000], [1_100_000]), {"x": [INF]}, 0, "bad_number"),
            ((["A", "A"], ["SH1", "SH1"], [1_000_000, 1_200_000], [1_100_000, 1_100_000]), {},
             1, "bad_number"),
            ((["A"], ["NOPE"], [1_000_000], [1_100_000]), {}, 0, "unknown_shelf"),
            # a shopper not in the store: used, as an anonymous visit
            ((["Q"], ["SH1"], [1_000_000], [1_100_000]), {}, 1, "unknown_shopper")]:
        before = engine.stats()
        assert engine.push_hands(*args, **kwargs) == used
        after = engine.stats()
        assert after["taken"] - before["taken"] == used
        assert after["set_aside"] - before["set_aside"] == 1
        assert after["by_reason"][reason] - before["by_reason"][reason] == 1
    stats = engine.stats()
    assert (stats["taken"], stats["set_aside"]) == (3, 4)
    assert stats["by_reason"] == {r: {"bad_number": 2, "unknown_shelf": 1,
                                      "unknown_shopper": 1}.get(r, 0) for r in REASONS}
    assert engine.output() == [] and engine.cart("A") == {}


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
    # Times are kept within 2**52 us so no difference of two overflows; beyond, a record is set
    # aside (it was undefined behaviour: a samples record's span overflowed) and advance refused.
    assert engine.push_samples("P1", 2**63 - 10, 100, np.array([1000.0, 1000.0])) == "bad_number"
    with pytest.raises(retailfuse.InputError, match="time range"):
        engine.advance(-(2**63) + 1)
    assert engine.push_hands([None], ["SH1"], np.array([2**62]), np.array([2**62 + 5])) == 0
    stats = engine.stats()
    assert (stats["taken"], stats["set_aside"], stats["by_reason"]["bad_number"]) == (1, 2, 2)
    assert stats["clock"] == -1_000_000, "nothing changed: the clock is the tracker's"
    assert engine.push({"type": "enter", "t": 0, "shopper": "S1"}) is None
    assert engine.cart("S1") == {}
