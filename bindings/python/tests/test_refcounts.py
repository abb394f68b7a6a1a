"""Nothing leaks: live objects, traced Python memory (and the total reference count, on a debug
Python) do not grow over many calls, measured after a warm-up."""
import gc
import sys
import tracemalloc

import numpy as np
import pytest

import retailfuse


def growth(call, n, warm=None):
    """Runs call(i) n times after warm-up runs; returns (objects, bytes, refs) grown."""
    warm = warm if warm is not None else max(10, n // 10)
    tracemalloc.start()
    try:
        for i in range(warm):
            call(i)
        gc.collect()
        objects, memory = len(gc.get_objects()), tracemalloc.get_traced_memory()[0]
        refs = sys.gettotalrefcount() if hasattr(sys, "gettotalrefcount") else 0
        for i in range(warm, warm + n):
            call(i)
        gc.collect()
        refs = sys.gettotalrefcount() - refs if hasattr(sys, "gettotalrefcount") else 0
        return (len(gc.get_objects()) - objects, tracemalloc.get_traced_memory()[0] - memory,
                refs)
    finally:
        tracemalloc.stop()


def assert_flat(call, n, warm=None, max_bytes=32 * 1024):
    objects, memory, refs = growth(call, n, warm)
    assert objects <= 20, f"{objects} more live objects after {n} calls"
    assert memory <= max_bytes, f"{memory} more bytes of Python memory after {n} calls"
    assert abs(refs) <= 200, f"total reference count moved by {refs} over {n} calls"


@pytest.fixture()
def engine(store):
    e = retailfuse.Engine(store)
    e.push_enter(0, "S1")
    return e


def test_100000_position_pushes(engine):
    # 100,000 position records of one shopper through push_many (100 a call: each record is
    # made into a line in Python), then single pushes (each one a call into C)
    def batch(i):
        t = i * 100
        engine.push_many([{"type": "position", "t": t + k, "shopper": "S1",
                           "x": 1.0 + (k % 7) * 0.1, "y": 2.0} for k in range(100)])
    assert_flat(batch, 1000, warm=50)

    base = 10_000_000

    def single(i):
        engine.push_position(base + i, "S1", 1.5, 2.0 + (i % 3))
    assert_flat(single, 2000, warm=200)
    assert engine.output() == [] and engine.cart("S1") == {}


def test_sample_and_hand_pushes(tiny):
    e = retailfuse.Engine(tiny)
    e.push_enter(0, "A")
    readings = np.full(4, 1000.0) + np.array([0.0, 0.2, -0.1, 0.1])
    dt = 16_667

    def samples(i):
        e.push_samples("P1" if i % 2 else "P2", (i // 2) * 4 * dt, dt, readings)
    assert_flat(samples, 30_000, warm=2000)
    t = 40_000 * 4 * dt
    f = retailfuse.Engine(tiny)
    f.push_enter(t, "A")
    shoppers, shelves = ["A", None] * 5, ["SH1"] * 10
    x = np.linspace(0.1, 0.9, 10)

    def hands(i):
        t0 = np.arange(10, dtype=np.int64) * 1000 + t + i * 10_000
        f.push_hands(shoppers, shelves, t0, t0 + 500, x)
        if i % 100 == 0:
            f.advance(int(t0[-1]) + 1)
    assert_flat(hands, 2000, warm=200)


def test_errors_do_not_leak(engine):
    bad = {"type": "exit", "t": 5}                      # no shopper: does not read

    def refused(i):
        for call in (lambda: engine.push(bad),
                     lambda: engine.push_many([{"type": "enter", "t": 5}]),
                     lambda: engine.push_samples("P1", 0, 10, []),
                     lambda: engine.set_param("WAIT_S", 1e9),
                     lambda: engine.source_delay("cam-1", 61),
                     lambda: engine.cart("NOBODY"),
                     lambda: retailfuse.linear_sum_assignment([[np.inf]]),
                     lambda: retailfuse.kbest([[np.inf]], 2),
                     lambda: retailfuse.marginals([[0.0]], [0.0])):
            try:
                call()
            except retailfuse.InputError:
                pass
            else:
                raise AssertionError("not refused")
    assert_flat(refused, 2000)


def test_set_aside_records_do_not_leak(engine):
    def stray(i, k):
        return {"type": "exit", "t": 5, "shopper": "NOBODY", "seq": 3 * i + k}

    def set_aside(i):
        assert engine.push(stray(i, 0)) == "not_in"
        assert engine.push_many([stray(i, 1), stray(i, 2)]) == 0
        assert engine.push_samples("NOPE", 10 * i, 10, [1.0]) == "unknown_plate"
        t0 = np.array([10 * i, 10 * i + 1])
        assert engine.push_hands(["A", "B"], ["NOPE", "NOPE"], t0, t0 + 5) == 0
        assert engine.stats()["set_aside"] == 6 * (i + 1)
    assert_flat(set_aside, 2000)
    assert engine.stats()["by_reason"] == {
        "duplicate": 0, "unknown_shopper": 0, "unknown_shelf": 2 * 2200,
        "unknown_plate": 2200, "unknown_cart": 0, "already_in": 0, "not_in": 3 * 2200,
        "late": 0, "bad_number": 0, "unknown_sku": 0, "unknown_decision": 0, "not_in_cart": 0}


def test_queries_do_not_leak(engine, store, tiny):
    engine.push_hand("S1", "G1S1", 1000, 2000, x=0.2)

    def queries(i):
        assert len(store.products()) == 72      # a float per product, None for tiny's 222
        assert len(tiny.products()) == 2
        assert len(store.plates()) == 129
        assert store.counts["facings"] == 72
        assert len(engine.params()) == 39
        stats = engine.stats()
        assert (stats["taken"], stats["set_aside"]) == (2, 0)
        assert [s["name"] for s in stats["sources"]] == \
            ["tracker", "cameras"] + ["cam-%d" % k for k in range(min(i, 3))]
        engine.source_delay("cam-%d" % (i % 3), 1 + i % 4)
        assert engine.stats()["sources"][2 + i % 3]["delay_s"] == 1 + i % 4
        engine.set_param("REVIEW_BELOW", 0.5 + (i % 5) / 10)
        assert engine.param("REVIEW_BELOW") == 0.5 + (i % 5) / 10
        assert engine.cart("S1") == {}
        assert engine.output() == [] and engine.output_text() == "" and engine.faults() == []
        engine.advance(3000 + i)
    assert_flat(queries, 1000)


def test_products_keep_none_balanced(tiny):
    # the missing name and weight_sd_g of product 222 are None: its count must not move
    before = sys.getrefcount(None)
    for _ in range(20_000):
        tiny.products()
    assert abs(sys.getrefcount(None) - before) < 100


def test_solvers_do_not_leak():
    rng = np.random.default_rng(0)
    mats = [rng.random((n, n + 1)) for n in range(1, 8)]

    def solve(i):
        a = mats[i % len(mats)]
        retailfuse.linear_sum_assignment(a, maximize=bool(i % 2))
        retailfuse.kbest(a, 3)
        retailfuse.marginals(a, np.full(a.shape[0], 0.1))
    assert_flat(solve, 3000)


def test_engines_and_stores_are_freed(tiny, small_samples):
    engine_type, store_type = retailfuse._native.Engine, retailfuse._native.Store
    store_refs = sys.getrefcount(tiny._native)
    type_refs = sys.getrefcount(engine_type), sys.getrefcount(store_type)

    def lifecycle(i):
        e = retailfuse.Engine(tiny)
        e.push_enter(0, "A")
        e.push_samples("P1", 0, 10, [np.nan])       # a fault waiting, never taken
        e.push_delta("SH1", 100, 200, {"P1": -500.0})
        s = retailfuse.Store.from_records(small_samples[0][:40])
        assert retailfuse.Engine(s).cart is not None
    assert_flat(lifecycle, 500)
    gc.collect()
    # counted before asserting: pytest's rewritten assert holds the object it shows
    now = sys.getrefcount(tiny._native), sys.getrefcount(engine_type), sys.getrefcount(store_type)
    assert now == (store_refs, *type_refs), "each engine gave its store back, each type its own"


def test_text_functions_do_not_leak(easy, tmp_path):
    scenario, truth = easy
    path = tmp_path / "s.jsonl"
    retailfuse.write_scenario(path, scenario)
    output = retailfuse.run_scenario(path)

    def text(i):
        assert retailfuse.evaluate(truth, output)["carts"] == 2
        assert len(retailfuse.read_scenario(path)) == len(scenario)
        assert retailfuse.run_scenario(path) == output
        try:
            retailfuse.simulate("easy", 1, nope=1)
        except retailfuse.InputError:
            pass
    assert_flat(text, 60, warm=5, max_bytes=64 * 1024)
