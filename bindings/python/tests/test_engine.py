"""Store and Engine: every method, with the values they give."""
import json

import numpy as np
import pytest

import retailfuse
from conftest import TINY, events

WAIT_US = 7_000_000  # WAIT_S's default


# -- Store --

def test_store_counts_products_plates(easy, store):
    scenario = easy[0]
    shelves = [r for r in scenario if r["type"] == "shelf"]
    assert store.counts == {
        "products": sum(r["type"] == "product" for r in scenario),
        "shelves": len(shelves),
        "plates": sum(len(s["plates"]) for s in shelves),
        "facings": sum(r["type"] == "facing" for r in scenario),
    }
    assert store.counts == {"products": 72, "shelves": 12, "plates": 129, "facings": 72}
    want = [{"sku": r["sku"], "name": r.get("name"), "weight_g": r["weight_g"],
             "weight_sd_g": r.get("weight_sd_g")} for r in scenario if r["type"] == "product"]
    assert store.products() == want
    assert store.plates() == [(p["plate"], s["shelf"]) for s in shelves for p in s["plates"]]


def test_store_optional_fields_and_from_file(tiny, tmp_path):
    assert tiny.counts == {"products": 2, "shelves": 1, "plates": 2, "facings": 2}
    assert tiny.products() == [
        {"sku": "111", "name": "Tea", "weight_g": 500.0, "weight_sd_g": 2.0},
        {"sku": "222", "name": None, "weight_g": 300.0, "weight_sd_g": None}]
    assert tiny.plates() == [("P1", "SH1"), ("P2", "SH1")]
    path = tmp_path / "tiny.jsonl"
    retailfuse.write_scenario(path, TINY + [{"type": "enter", "t": 0, "shopper": "A"}])
    from_file = retailfuse.Store.from_file(path)
    assert from_file.counts == tiny.counts and from_file.products() == tiny.products()
    # events among the records are ignored
    mixed = retailfuse.Store.from_records(TINY + [{"type": "enter", "t": 0, "shopper": "A"}])
    assert mixed.plates() == tiny.plates()
    # cameras and zones are checked with the store, and not kept in it
    cameras = [
        {"type": "camera", "camera": "C1", "width": 640, "height": 480, "fps": 30, "t0": 0},
        {"type": "zone", "camera": "C1", "shelf": "SH1", "px": [0, 40, 600, 120],
         "front": "bottom", "shelf_x": [0, 1]}]
    with_cameras = retailfuse.Store.from_records(TINY + cameras)
    assert with_cameras.counts == tiny.counts and with_cameras.plates() == tiny.plates()
    retailfuse.write_scenario(path, TINY + cameras + [{"type": "enter", "t": 0, "shopper": "A"}])
    assert retailfuse.Store.from_file(path).counts == tiny.counts
    with pytest.raises(retailfuse.InputError,
                       match=r"^line 7: zone: field 'shelf': shelf 'SH9' is not in the store "
                             r"\(shelves come before their zones\)$"):
        retailfuse.Store.from_records(TINY + [cameras[0], dict(cameras[1], shelf="SH9")])
    # an engine takes events only: a camera is refused as a product is
    e = retailfuse.Engine(tiny)
    for record in (cameras[0], TINY[0]):
        with pytest.raises(retailfuse.InputError,
                           match=rf"^line 1: {record['type']} is not an input event$"):
            e.push(record)
    assert e.stats()["taken"] == 0
    empty = retailfuse.Store.from_records([])
    assert empty.counts == {"products": 0, "shelves": 0, "plates": 0, "facings": 0}
    assert empty.products() == [] and empty.plates() == []


# -- Engine: a take, step by step --

def test_take_diff_cart_receipt(tiny):
    e = retailfuse.Engine(tiny)
    assert e.store is tiny
    e.push_enter(0, "A")
    e.push_position(100, "A", 1.0, 1.5)
    e.push_hand("A", "SH1", 1_000_000, 2_000_000, x=0.25, conf=0.9)
    e.push_delta("SH1", 1_200_000, 1_800_000, {"P1": -500.3, "P2": 0.2})
    assert e.output() == [] and e.cart("A") == {}
    e.advance(1_800_000 + WAIT_US - 1)          # the wait is not over yet
    assert e.output() == [] and e.cart("A") == {}
    e.advance(1_800_000 + WAIT_US)
    diff = {"type": "diff", "seq": 0, "t": 1_800_000 + WAIT_US, "shopper": "A", "sku": "111",
            "qty": 1, "conf": 1, "review": False, "event": 0}
    assert e.output() == [diff]
    assert e.cart("A") == {"111": 1}
    assert e.output() == []                     # taken once
    e.push_exit(12_000_000, "A")
    e.finish()
    # the receipt waits as long after the exit as a change would for its hand visits
    assert e.output() == [{"type": "receipt", "t": 12_000_000 + WAIT_US, "shopper": "A",
                           "items": {"111": 1}, "review": False}]
    assert e.faults() == []
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"], stats["decisions"], stats["diffs"],
            stats["receipts"]) == (5, 0, 1, 1, 1)


def test_staff_restock_makes_no_diff_and_no_receipt(tiny):
    e = retailfuse.Engine(tiny)
    e.push_enter(0, "A")
    e.push_enter(0, "E", staff=True)
    e.push_hand("E", "SH1", 1_000_000, 4_000_000, x=0.25, conf=0.9)
    e.push_delta("SH1", 1_500_000, 3_000_000, {"P1": 1500.4, "P2": 0.1})  # three teas
    e.push_exit(10_000_000, "E")
    e.push_exit(10_000_000, "A")
    e.finish()
    assert e.output() == [{"type": "receipt", "t": 10_000_000 + WAIT_US, "shopper": "A",
                           "items": {}, "review": False}]
    stats = e.stats()
    assert (stats["decisions"], stats["diffs"], stats["receipts"], stats["staff_moves"]) == \
        (1, 0, 1, 3)


def test_restocks_go_in_one_by_one_and_in_bulk(tiny):
    # a restock is an input event: push, push_restock and push_many take it as a dict
    e = retailfuse.Engine(tiny)
    assert e.push_restock("SH1", "111", 1_000_000, 3_000_000, 3) is None
    assert e.push_many([{"type": "restock", "source": "staff-app", "seq": 1, "shelf": "SH1",
                         "sku": "222", "t0": 4_000_000, "t1": 5_000_000, "qty": -1}]) == 1
    assert e.stats()["taken"] == 2
    with pytest.raises(retailfuse.InputError,
                       match=r"^line 1: restock: field 'qty': must not be 0$"):
        e.push_restock("SH1", "111", 6_000_000, 7_000_000, 0)
    assert e.stats()["taken"] == 2


def test_link_put_back_and_output_text(tiny):
    def run(engine):
        engine.push_enter(0, "A")
        engine.push_enter(0, "B")
        engine.push_link(10, "B", "A")            # B shops into A's cart
        engine.push_hand("B", "SH1", 1_000_000, 2_000_000, x=0.75)
        engine.push_delta("SH1", 1_200_000, 1_800_000, {"P2": -600.1})
        engine.advance(10_000_000)
        cart_b = engine.cart("B")
        engine.push_hand("A", "SH1", 11_000_000, 12_000_000, x=0.7, holding_in=True,
                         holding_out=False, sku_scores={"222": 0.9})
        engine.push_delta("SH1", 11_200_000, 11_800_000, {"P2": 299.8})
        engine.push_exit(13_000_000, "B")
        engine.push_exit(13_000_000, "A")
        engine.finish()
        return cart_b

    a, b = retailfuse.Engine(tiny), retailfuse.Engine(tiny)
    assert run(a) == {"222": 2} and run(b) == {"222": 2}
    assert a.cart("A") == a.cart("B") == {"222": 1}
    out = a.output()
    text = b.output_text()
    assert [json.loads(line) for line in text.splitlines()] == out
    assert text.endswith("\n") and all(line.startswith('{"type":') for line in text.splitlines())
    assert [(r["type"], r["shopper"], r.get("qty"), r.get("items")) for r in out] == [
        ("diff", "A", 2, None), ("diff", "A", -1, None), ("receipt", "A", None, {"222": 1})]
    assert out[0]["sku"] == out[1]["sku"] == "222"
    assert out[1]["seq"] == 1 and out[1]["event"] == 1
    assert a.output() == [] and b.output_text() == ""
    for engine in (a, b):
        stats = engine.stats()
        assert (stats["taken"], stats["set_aside"], stats["decisions"], stats["diffs"],
                stats["receipts"]) == (9, 0, 2, 2, 1)


def test_push_many_counts_goes_on_and_stops_at_unreadable(tiny):
    e = retailfuse.Engine(tiny)
    assert e.push_many([{"type": "enter", "t": 0, "shopper": s} for s in "ABC"]) == 3
    assert e.push_many([]) == 0
    # a record set aside is counted, not used, and the next one is taken
    assert e.push_many([{"type": "exit", "t": 5, "shopper": "A"},
                        {"type": "exit", "t": 5, "shopper": "Z"},
                        {"type": "exit", "t": 5, "shopper": "B"}]) == 2
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"]) == (5, 1)
    assert stats["by_reason"]["not_in"] == 1
    # a record that does not read stops it, naming its line; those before it stay taken
    with pytest.raises(retailfuse.InputError, match=r"^line 2: exit: field 't': is missing$"):
        e.push_many([{"type": "exit", "t": 6, "shopper": "C"},
                     {"type": "exit", "shopper": "Z"},
                     {"type": "enter", "t": 6, "shopper": "D"}])
    assert e.push({"type": "exit", "t": 6, "shopper": "C"}) == "duplicate"  # the same again
    assert e.push({"type": "exit", "t": 7, "shopper": "C"}) == "not_in"    # C has left
    assert e.push({"type": "exit", "t": 7, "shopper": "A"}) == "not_in"
    assert e.push({"type": "exit", "t": 7, "shopper": "D"}) == "not_in"    # D never entered
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"]) == (6, 5)
    assert {r: n for r, n in stats["by_reason"].items() if n} == {"duplicate": 1, "not_in": 4}
    e.finish()
    assert sorted(r["shopper"] for r in e.output()) == ["A", "B", "C"]


# -- parameters --

def test_params_bounds_and_setting(tiny):
    e = retailfuse.Engine(tiny)
    params = e.params()
    # the engine's own 30, then its load-cell segmenter's 9 as LOADCELL_<name>
    assert len(params) == 39 and list(params)[:7] == [
        "LATENESS_S", "SHELVES_DELAY_S", "CAMERAS_DELAY_S", "TRACKER_DELAY_S", "SOURCE_TIMEOUT_S",
        "WAIT_S", "REVIEW_BELOW"]
    assert list(params)[22] == "LEARN" and params["LEARN"]["default"] == 1
    assert list(params)[23:29] == ["CALIBRATE", "CALIB_CONF", "CALIB_MEMORY_S", "GAIN_SD",
                                   "WEIGHT_SD", "CALIB_STEP"]
    assert params["CALIBRATE"]["default"] == 1
    assert list(params)[29] == "REVIEW_S" and params["REVIEW_S"]["default"] == 86400
    assert list(params)[30:] == ["LOADCELL_" + n for n in (
        "SETTLE_S", "MIN_STEP_G", "GROUP_S", "HOLD_S", "GAP_S", "STUCK_S", "MIN_G", "MAX_G",
        "MAX_JUMP_G")]
    assert {n: (p["default"], p["min"], p["max"]) for n, p in params.items()
            if n in ("LATENESS_S", "SHELVES_DELAY_S", "CAMERAS_DELAY_S", "TRACKER_DELAY_S",
                     "SOURCE_TIMEOUT_S")} == {
        "LATENESS_S": (5.0, 0.0, 60.0), "SHELVES_DELAY_S": (1.0, 0.0, 60.0),
        "CAMERAS_DELAY_S": (5.0, 0.0, 60.0), "TRACKER_DELAY_S": (2.0, 0.0, 60.0),
        "SOURCE_TIMEOUT_S": (10.0, 0.1, 3600.0)}
    assert params["LOADCELL_MIN_STEP_G"]["default"] == 5.0
    assert params["WAIT_S"] == {"value": 7.0, "min": 0.0, "max": 120.0, "default": 7.0,
                                "help": params["WAIT_S"]["help"]}
    assert "hand visits" in params["WAIT_S"]["help"]
    for name, p in params.items():
        assert p["min"] <= p["default"] <= p["max"] and p["value"] == p["default"], name
        assert e.param(name) == p["default"]
    e.set_param("WAIT_S", 3)
    e.set_param("MAX_ITEMS", 20)
    assert e.param("WAIT_S") == 3.0 and e.params()["MAX_ITEMS"]["value"] == 20.0
    with pytest.raises(retailfuse.InputError, match=r"WAIT_S = 500 is outside \[0, 120\]"):
        e.set_param("WAIT_S", 500)
    with pytest.raises(retailfuse.InputError, match=r"HAND_X_SCALE_M = 0 is outside "
                                                   r"\[0.001, 10\]"):
        e.set_param("HAND_X_SCALE_M", 0)
    assert e.param("WAIT_S") == 3.0, "a refused value changes nothing"
    with pytest.raises(retailfuse.InputError, match="no engine parameter 'WAIT'"):
        e.set_param("WAIT", 1)
    with pytest.raises(retailfuse.InputError, match="no engine parameter 'wait_s'"):
        e.param("wait_s")
    f = retailfuse.Engine(tiny, params={"WAIT_S": 1.5, "REVIEW_BELOW": 0.99})
    assert f.param("WAIT_S") == 1.5 and f.param("REVIEW_BELOW") == 0.99
    with pytest.raises(retailfuse.InputError, match=r"REVIEW_BELOW = 2 is outside \[0, 1\]"):
        retailfuse.Engine(tiny, params={"REVIEW_BELOW": 2})


def test_wait_param_changes_when_decisions_are_made(tiny):
    e = retailfuse.Engine(tiny, params={"WAIT_S": 1, "REVIEW_BELOW": 1})
    e.push_enter(0, "A")
    e.push_hand("A", "SH1", 1_000_000, 2_000_000, x=0.25)
    e.push_delta("SH1", 1_200_000, 1_800_000, {"P1": -499.8})
    e.advance(2_800_000)
    [diff] = e.output()
    assert diff["t"] == 2_800_000 and diff["sku"] == "111"
    assert diff["review"] == (diff["conf"] < 1), "REVIEW_BELOW = 1 flags all but certainty"


# -- faults --

def test_faults_from_raw_samples(tiny):
    rng = np.random.default_rng(0)
    dt = 16_667
    e = retailfuse.Engine(tiny)
    e.push_samples("P1", 0, dt, np.round(1000 + rng.normal(0, 0.5, 300), 1))
    assert e.faults() == []
    e.push_samples("P1", 300 * dt, dt, np.full(300, 1000.3))        # stuck at one value
    [(plate, fault, t)] = e.faults()
    assert (plate, fault) == ("P1", "stuck") and 300 * dt < t <= 600 * dt
    assert e.faults() == []                                          # taken once
    e.push_samples("P1", 600 * dt, dt, np.round(1000 + rng.normal(0, 0.5, 60), 1))
    e.push_samples("P1", 660 * dt, dt, [np.nan])
    assert e.faults() == [("P1", "nonfinite", 660 * dt)]
    e.push_samples("P1", 661 * dt, dt, [1e9])
    assert e.faults() == [("P1", "saturated", 661 * dt)]
    e.advance(661 * dt + 10_000_000)                                # no readings since: a gap
    [(plate, fault, t)] = e.faults()
    assert (plate, fault) == ("P1", "gap") and 661 * dt < t <= 661 * dt + 10_000_000
    e.finish()
    assert e.output() == [] and e.faults() == []


def test_samples_make_the_same_take_as_a_delta(tiny):
    rng = np.random.default_rng(1)
    dt = 16_667
    e = retailfuse.Engine(tiny)
    e.push_enter(0, "A")
    levels = {"P1": 2500.0, "P2": 1500.0}
    n = 60 * 8
    for second in range(8):
        i = np.arange(second * 60, second * 60 + 60)
        for plate, level in levels.items():
            g = np.full(60, level) + rng.normal(0, 0.3, 60)
            if plate == "P1":
                g[i >= 60 * 3] -= 500.0                             # one 111 leaves at 3 s
            e.push_samples(plate, int(i[0]) * dt, dt, np.round(g, 1))
        if second == 4:
            e.push_hand("A", "SH1", 2_500_000, 3_600_000, x=0.3)
    e.push_exit(n * dt, "A")
    e.finish()
    out = e.output()
    assert [(r["type"], r.get("sku"), r.get("qty")) for r in out] == [
        ("diff", "111", 1), ("receipt", None, None)]
    assert out[1]["items"] == {"111": 1}
    assert e.faults() == []


# -- batch calls equal record calls --

def strip_hand(r):
    """A hand record with only what push_hands carries: shopper, shelf, t0, t1, x."""
    out = {k: r[k] for k in ("type", "shopper", "shelf", "t0", "t1")}
    if "x" in r:
        out["x"] = r["x"]
    return out


def test_push_hands_equals_push_hand():
    scenario, _ = retailfuse.simulate("busy", 4, anonymous_rate=0.2, shoppers=12)
    store = retailfuse.Store.from_records(scenario)
    evs = [strip_hand(r) if r["type"] == "hand" else r for r in events(scenario)]
    assert any(r["type"] == "hand" and r["shopper"] is None for r in evs)
    one = retailfuse.Engine(store)
    for r in evs:
        if r["type"] == "hand":
            evidence = {"x": r["x"]} if "x" in r else {}
            one.push_hand(r["shopper"], r["shelf"], r["t0"], r["t1"], **evidence)
        else:
            one.push(r)
    one.finish()

    batch, runs, i = retailfuse.Engine(store), 0, 0
    while i < len(evs):
        j = i
        while j < len(evs) and evs[j]["type"] == "hand":
            j += 1
        if j == i:
            batch.push(evs[i])
            i += 1
            continue
        hands = evs[i:j]
        taken = batch.push_hands([h["shopper"] for h in hands], [h["shelf"] for h in hands],
                                 np.array([h["t0"] for h in hands]),
                                 [h["t1"] for h in hands],       # any sequence of ints
                                 np.array([h.get("x", np.nan) for h in hands]))
        assert taken == len(hands)
        runs += len(hands) > 1
        i = j
    batch.finish()
    assert runs > 0, "some runs of several hand visits went in one call"
    text = one.output_text()
    assert text and batch.output_text() == text


def test_push_hands_without_x_and_counts(tiny):
    e = retailfuse.Engine(tiny)
    e.push_enter(0, "A")
    assert e.push_hands(["A", None], ["SH1", "SH1"], [1_000_000, 1_100_000],
                        [2_000_000, 2_100_000]) == 2
    assert e.push_hands([], [], [], []) == 0
    f = retailfuse.Engine(tiny)
    f.push_enter(0, "A")
    f.push_hand("A", "SH1", 1_000_000, 2_000_000)
    f.push_hand(None, "SH1", 1_100_000, 2_100_000)
    for engine in (e, f):
        engine.push_delta("SH1", 1_200_000, 1_800_000, {"P1": -500.1})
        engine.push_exit(3_000_000, "A")
        engine.finish()
    assert e.output_text() == f.output_text() != ""


def test_push_samples_equals_samples_records(small_samples):
    scenario, truth = small_samples
    store = retailfuse.Store.from_records(scenario)
    evs = events(scenario)
    samples = [r for r in evs if r["type"] == "samples"]
    assert len(samples) > 1000 and len({r["plate"] for r in samples}) == store.counts["plates"]
    records = retailfuse.Engine(store)
    for r in evs:
        records.push(r)
    records.finish()
    arrays = retailfuse.Engine(store)
    for r in evs:
        if r["type"] == "samples":
            arrays.push_samples(r["plate"], r["t"], r["dt_us"], np.array(r["g"]))
        else:
            arrays.push(r)
    arrays.finish()
    text = records.output_text()
    assert text.count('"type":"receipt"') == 3
    assert arrays.output_text() == text
    assert arrays.faults() == records.faults()
    # and the samples found the takes: most of the truth is in the receipts
    assert retailfuse.evaluate(truth, text)["f1"] > 0.8


def test_push_samples_accepts_any_1d_numbers(tiny):
    dt = 16_667
    base = np.full(120, 1000.0) + np.tile([0.0, 0.2, -0.1, 0.3], 30)
    outs = []
    for readings in (base, base.tolist(), base.astype(np.float32).astype(np.float64),
                     base[::-1][::-1].copy(), np.ascontiguousarray(base[::1])):
        e = retailfuse.Engine(tiny)
        e.push_samples("P2", 0, dt, readings)
        e.advance(5_000_000)
        outs.append((e.output_text(), e.faults()))
    assert all(o == outs[0] for o in outs)
    ints = retailfuse.Engine(tiny)
    ints.push_samples("P2", 0, dt, np.full(10, 1000, dtype=np.int32))   # converted to float
    ints.push_samples("P2", 10 * dt, dt, np.full(10, 1000.0)[::2])       # strided view


def test_ids_outside_ascii(tiny):
    # U+2028 and U+0085 end a line for str.splitlines, not for JSON Lines
    who = "Zoë\u2028Ω\x85"
    e = retailfuse.Engine(tiny)
    e.push_enter(0, who)
    e.push_hand(who, "SH1", 1000, 2000, x=0.2)
    e.push_delta("SH1", 1000, 2000, {"P1": -500.0})
    e.push_exit(3000, who)
    e.finish()
    assert e.cart(who) == {"111": 1}
    out = e.output()
    assert [(r["type"], r["shopper"]) for r in out] == [("diff", who), ("receipt", who)]
