"""The Python bindings' speed: records per second through the per-record and the batch calls,
and linear_sum_assignment against scipy's on the same matrices in the same run (interleaved,
medians of repeated runs). Run by bench/run-python with Debian's /usr/bin/python3.

    PYTHONPATH=build-release/python /usr/bin/python3 bench/python_rates.py [--quick] [--json F]
"""
import statistics
import sys
import time

import numpy as np
import scipy.optimize

import retailfuse as rf

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 7


def median_time(fn, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def store_and_engine():
    scenario, _ = rf.simulate("easy", 1)
    store = rf.Store.from_records(scenario)
    plate, shelf = store.plates()[0]
    return store, plate, shelf


def rates():
    store, plate, shelf = store_and_engine()
    n = 5000 if QUICK else 20000
    print(f"records per second through the bindings (median of {REPEAT} runs)")

    def per_record_hands():
        e = rf.Engine(store)
        e.push_enter(0, "S1")
        for i in range(n):
            e.push_hand("S1", shelf, 1000 + i * 100000, 50000 + i * 100000, x=0.1)

    def batch_hands():
        e = rf.Engine(store)
        e.push_enter(0, "S1")
        t0 = 1000 + np.arange(n, dtype=np.int64) * 100000
        e.push_hands(["S1"] * n, [shelf] * n, t0, t0 + 49000, np.full(n, 0.1))

    secs = 20 if QUICK else 60
    readings = [np.round(2000 + np.random.default_rng(s).normal(0, 1.5, 60), 1) for s in range(secs)]

    def per_record_samples():
        e = rf.Engine(store)
        for s in range(secs):
            e.push({"type": "samples", "plate": plate, "t": s * 1000000, "dt_us": 16667,
                    "g": readings[s].tolist()})

    def batch_samples():
        e = rf.Engine(store)
        for s in range(secs):
            e.push_samples(plate, s * 1000000, 16667, readings[s])

    rows = [
        ("hand visits, push_hand (a dict each)", n, median_time(per_record_hands)),
        ("hand visits, push_hands (arrays)", n, median_time(batch_hands)),
        ("readings, push of samples dicts", secs * 60, median_time(per_record_samples)),
        ("readings, push_samples (arrays)", secs * 60, median_time(batch_samples)),
    ]
    for what, count, t in rows:
        print(f"  {what:<40} {count / t:12,.0f} /s")
    return rows


def matrices():
    rng = np.random.default_rng(7)
    shapes = [(5, 20), (10, 50), (20, 100), (50, 200), (100, 100), (300, 300)]
    if not QUICK:
        shapes += [(1000, 1000)]
    for rows, cols in shapes:
        yield f"uniform {rows} x {cols}", rng.random((rows, cols))
    # store-shaped: most pairs impossible
    for rows, cols in [(5, 20), (20, 100)]:
        c = np.where(rng.random((rows, cols)) < 0.2, rng.random((rows, cols)) * 10, np.inf)
        for i in range(rows):
            c[i, (i * 7) % cols] = rng.random() * 10
        yield f"store-shaped {rows} x {cols}", c


def solvers():
    print(f"\nlinear_sum_assignment through the bindings vs scipy (same matrices, interleaved, "
          f"median of {REPEAT} batches)")
    print(f"  {'matrix':<26} {'ours':>11} {'scipy':>11} {'ratio':>6}")
    out = []
    for name, c in matrices():
        ours_r, ours_c = rf.linear_sum_assignment(c)
        sp_r, sp_c = scipy.optimize.linear_sum_assignment(c)
        assert np.isclose(c[ours_r, ours_c].sum(), c[sp_r, sp_c].sum()), name
        calls = max(1, int(2e5 / c.size)) if QUICK else max(1, int(1e6 / c.size))
        ours, theirs = [], []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            for _ in range(calls):
                rf.linear_sum_assignment(c)
            ours.append((time.perf_counter() - t0) / calls)
            t0 = time.perf_counter()
            for _ in range(calls):
                scipy.optimize.linear_sum_assignment(c)
            theirs.append((time.perf_counter() - t0) / calls)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"  {name:<26} {a * 1e6:9.1f} us {b * 1e6:9.1f} us {a / b:6.2f}")
        out.append((name, a, b))
    return out


if __name__ == "__main__":
    r, m = rates(), solvers()
    if "--json" in sys.argv:
        import json
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump({"rates": [{"what": w, "count": c, "per_s": c / t} for w, c, t in r],
                       "lsa": [{"matrix": n, "ours_us": a * 1e6, "scipy_us": b * 1e6,
                                "ratio": a / b} for n, a, b in m]}, f, indent=1)
