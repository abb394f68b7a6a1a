"""Assignment solvers against scipy.optimize.linear_sum_assignment, on the same matrices in the
same run: times (medians of repeated runs, the two solvers interleaved), the ratio ours/scipy,
and a check that both reach the same optimal cost (or both find the matrix infeasible).

Ours is called as a user calls it, through the Python package: retailfuse.linear_sum_assignment
(scipy's signature and result; both timed calls also sum the cost of the assignment they return),
retailfuse.kbest and retailfuse.marginals.

Run through bench/run-solvers, which builds the release library with the Python package first
and puts it on the path (PYTHONPATH=build-release/python). Needs Debian's python3-numpy and
python3-scipy (use /usr/bin/python3)."""
import argparse
import heapq
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

import retailfuse


# ---- workloads: scipy's own benchmark families ------------------------------------------------

def uniform(rng, shape):
    return rng.uniform(-20, 20, shape)


def spatial(rng, shape):
    p = rng.uniform(-1, 1, size=(shape[0], 2))
    q = rng.uniform(-1, 1, size=(shape[1], 2))
    return cdist(p, q, "sqeuclidean")


def logarithmic(rng, shape):
    return 10 ** rng.uniform(-20, 20, shape)


def integer(rng, shape):
    return rng.integers(-1000, 1000, shape).astype(np.float64)


def binary(rng, shape):
    return rng.integers(0, 2, shape).astype(np.float64)


FAMILIES = {"uniform": uniform, "spatial": spatial, "logarithmic": logarithmic,
            "integer": integer, "binary": binary}


def store_shaped(rng, rows, cols, density, feasible):
    """Events x shoppers: most pairs impossible (+inf). A feasible one has a planted matching;
    an infeasible one has two events, at random rows, whose only possible shopper is the same."""
    cost = np.full((rows, cols), np.inf)
    mask = rng.random((rows, cols)) < density
    cost[mask] = rng.uniform(0, 10, mask.sum())
    perm = rng.permutation(cols)[:rows]
    cost[np.arange(rows), perm] = rng.uniform(0, 10, rows)
    if not feasible:
        a, b = rng.choice(rows, 2, replace=False)
        cost[a, :] = np.inf
        cost[b, :] = np.inf
        cost[a, perm[a]] = 1.0
        cost[b, perm[a]] = 2.0
    return cost


# ---- timing --------------------------------------------------------------------------------

def timed(fn):
    t = time.perf_counter()
    try:
        result = fn()
    except ValueError:
        result = None
    return time.perf_counter() - t, result


def compare(ours_fn, peer_fn, budget):
    """Median seconds of each, interleaved; repeats chosen so each side spends about `budget`."""
    t_ours, r_ours = timed(ours_fn)
    t_peer, r_peer = timed(peer_fn)
    repeats = int(min(200, max(5, budget / max(t_ours, t_peer, 1e-6))))
    ours, peer = [t_ours], [t_peer]
    for _ in range(repeats - 1):
        ours.append(timed(ours_fn)[0])
        peer.append(timed(peer_fn)[0])
    return statistics.median(ours), statistics.median(peer), r_ours, r_peer, repeats


# The two sides do the same work around the solve: the call, then the optimal cost summed from
# the (row_ind, col_ind) it returns. A matrix with no complete assignment raises ValueError in
# both (retailfuse.InputError is one), which timed() turns into None.

def scipy_cost(cost):
    def run():
        r, c = linear_sum_assignment(cost)
        return float(cost[r, c].sum())
    return run


def ours_cost(cost):
    def run():
        r, c = retailfuse.linear_sum_assignment(cost)
        return float(cost[r, c].sum())
    return run


def kbest_totals(cost, k):
    return [total for total, _, _ in retailfuse.kbest(cost, k)]


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# ---- k-best peer: Murty's method with scipy solving every child from scratch ----------------

def murty_with_scipy(cost, k):
    def solve(c):
        try:
            r, col = linear_sum_assignment(c)
        except ValueError:
            return None
        total = c[r, col].sum()
        return (float(total), col) if np.isfinite(total) else None

    n = cost.shape[0]
    root = solve(cost)
    heap = [(root[0], 0, root[1], (), ())]
    seq = 1
    out = []
    while heap and len(out) < k:
        total, _, cols, forced, forbidden = heapq.heappop(heap)
        out.append(total)
        forced_rows = {i for i, _ in forced}
        free = [i for i in range(n) if i not in forced_rows]
        for t, r in enumerate(free):
            c = cost.copy()
            for i, j in forbidden:
                c[i, j] = np.inf
            new_forced = forced + tuple((q, cols[q]) for q in free[:t])
            for i, j in new_forced:
                keep = c[i, j]
                c[i, :] = np.inf
                c[:, j] = np.inf
                c[i, j] = keep
            c[r, cols[r]] = np.inf
            child = solve(c)
            if child is not None:
                heapq.heappush(heap, (child[0], seq, child[1], new_forced,
                                      forbidden + ((r, cols[r]),)))
                seq += 1
    return out


# ---- main ----------------------------------------------------------------------------------

def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except OSError:
        commit = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "commit": commit}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer sizes and shorter timing")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    budget = 0.05 if args.quick else 0.3
    info = machine()
    print(f"retailfuse {retailfuse.__version__} (Python package, commit {info['commit']}) vs "
          f"scipy {info['scipy']}, numpy {info['numpy']}; {info['cpu']}, {info['cores']} cores")
    print("times are medians of repeated runs, ours and scipy interleaved; ratio = ours / scipy\n")

    rows = []

    def run(label, cost, dense):
        t_ours, t_peer, c_ours, c_peer, reps = compare(ours_cost(cost), scipy_cost(cost), budget)
        ok = same(c_ours, c_peer)
        ratio = t_ours / t_peer
        rows.append({"workload": label, "shape": list(cost.shape), "dense": dense,
                     "ours_ms": t_ours * 1e3, "scipy_ms": t_peer * 1e3, "ratio": ratio,
                     "repeats": reps, "same_cost": ok, "feasible": c_peer is not None})
        shape = f"{cost.shape[0]}x{cost.shape[1]}"
        print(f"{label:<28} {shape:>10} {t_ours * 1e3:10.3f} {t_peer * 1e3:10.3f} {ratio:7.2f} "
              f"{'ok' if ok else 'DIFFERENT COST'}", flush=True)

    print(f"{'workload':<28} {'shape':>10} {'ours ms':>10} {'scipy ms':>10} {'ratio':>7} check")
    sizes = [100, 300] if args.quick else [100, 200, 300, 400]
    for name, make in FAMILIES.items():
        for n in sizes:
            for shape in ((n, n), (n, 2 * n), (2 * n, n)):
                run(name, make(rng, shape), dense=True)
    run("uniform", uniform(rng, (1000, 1000)), dense=True)
    if not args.quick:
        run("uniform", uniform(rng, (2000, 2000)), dense=True)
    run("uniform", uniform(rng, (5000, 300)), dense=True)
    for r, c in ((5, 20), (10, 50), (20, 100), (50, 200)):
        for density in (0.02, 0.2):
            for feasible in (True, False):
                label = f"store {int(density * 100)}% {'feasible' if feasible else 'infeasible'}"
                run(label, store_shaped(rng, r, c, density, feasible), dense=False)

    big = [r for r in rows if r["dense"] and max(r["shape"]) >= 500]
    rest = [r for r in rows if r not in big]
    worst_big = max(r["ratio"] for r in big)
    worst_rest = max(r["ratio"] for r in rest)
    all_same = all(r["same_cost"] for r in rows)
    print(f"\nlargest ratio, dense matrices of size >= 500: {worst_big:.2f} (target <= 0.5) "
          f"{'met' if worst_big <= 0.5 else 'NOT MET'}")
    print(f"largest ratio, everything else:              {worst_rest:.2f} (target <= 1.0) "
          f"{'met' if worst_rest <= 1.0 else 'NOT MET'}")
    print(f"same optimal cost on every matrix: {'yes' if all_same else 'NO'}")

    # k-best: 25 best of a 50 x 50 uniform matrix.
    cost = uniform(rng, (50, 50))
    t_ours, t_peer, _, _, reps = compare(lambda: kbest_totals(cost, 25),
                                         lambda: murty_with_scipy(cost, 25), budget)
    ours_totals = kbest_totals(cost, 25)
    peer_totals = murty_with_scipy(cost, 25)
    kbest_same = len(ours_totals) == 25 and np.allclose(ours_totals, peer_totals, rtol=0, atol=1e-9)
    print(f"\nk-best, 25 best of 50x50 uniform: ours {t_ours * 1e3:.3f} ms, Murty over scipy "
          f"{t_peer * 1e3:.3f} ms, ratio {t_ours / t_peer:.3f}; same 25 totals: "
          f"{'yes' if kbest_same else 'NO'}")

    # Marginals: exact up to the largest square size under 1 ms; BP at 30 x 60.
    print("\nmarginals (no scipy peer): exact, n x n with likelihoods uniform(0, 1)")
    marg = {"exact": []}
    largest_under_1ms = None
    for n in range(4, 17):
        like = rng.uniform(0, 1, (n, n))
        none = rng.uniform(0, 1, n)
        times = []
        for _ in range(5 if n > 12 else 20):
            t = time.perf_counter()
            retailfuse.marginals(like, none, method="exact")
            times.append(time.perf_counter() - t)
        ms = statistics.median(times) * 1e3
        marg["exact"].append({"n": n, "ms": ms})
        if ms < 1.0:
            largest_under_1ms = n
        print(f"  {n:2d} x {n:<2d} {ms:9.3f} ms")
    like = rng.uniform(0, 1, (30, 60))
    none = rng.uniform(0, 1, 30)
    times = []
    for _ in range(50):
        t = time.perf_counter()
        retailfuse.marginals(like, none, method="bp")
        times.append(time.perf_counter() - t)
    bp_ms = statistics.median(times) * 1e3
    print(f"largest exact size under 1 ms: {largest_under_1ms} x {largest_under_1ms}")
    print(f"belief propagation, 30 x 60: {bp_ms:.3f} ms")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "ours": "retailfuse Python package "
                       "(linear_sum_assignment, kbest, marginals)", "lsa": rows,
                       "lsa_worst_ratio_dense_500": worst_big, "lsa_worst_ratio_rest": worst_rest,
                       "kbest": {"ours_ms": t_ours * 1e3, "murty_scipy_ms": t_peer * 1e3,
                                 "same": bool(kbest_same)},
                       "marginals": {**marg, "largest_exact_under_1ms": largest_under_1ms,
                                     "bp_30x60_ms": bp_ms}}, f, indent=1)
    return 0 if all_same and kbest_same else 1


if __name__ == "__main__":
    sys.exit(main())
