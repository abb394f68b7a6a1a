"""The measurements of bench/run-faults: python3 bench/faults.py RETAILFUSE SEEDS [JSON]."""
import json
import os
import re
import subprocess
import sys
import tempfile

RF, SEEDS = sys.argv[1], int(sys.argv[2])
JSON_OUT = sys.argv[3] if len(sys.argv) > 3 else ""
FAULTS = ["camera_delay_s=3", "camera_jitter_s=1", "duplicate_rate=0.01", "stray_id_rate=0.01"]
OUTAGE = ["cameras=5", "outage_camera=2", "outage_start_s=120", "outage_s=600"]
INJECTED = re.compile(r"injected (\d+) duplicates, (\d+) stray ids, (\d+) unknown-shelf records, "
                      r"(\d+) records held by an outage")


def sim(work, preset, seed, knobs):
    out = os.path.join(work, f"{preset}-{seed}-{len(knobs)}")
    args = [RF, "sim", "--preset", preset, "--seed", str(seed), "--out", out]
    for k in knobs:
        args += ["--set", k]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    m = INJECTED.search(done.stderr)
    injected = dict(zip(["duplicate", "unknown_shopper", "unknown_shelf", "held"],
                        map(int, m.groups()))) if m else {}
    return out, injected


def run(scenario_dir):
    """Runs the engine; returns (F1 or None if it stopped, rejects by reason, peak RSS in KiB)."""
    out = os.path.join(scenario_dir, "out.jsonl")
    rejects = os.path.join(scenario_dir, "rejects.jsonl")
    proc = subprocess.Popen([RF, "run", os.path.join(scenario_dir, "scenario.jsonl"), "-o", out,
                             "--rejects", rejects], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None, {}, usage.ru_maxrss
    by_reason = {}
    for line in open(rejects):
        reason = json.loads(line)["reason"]
        by_reason[reason] = by_reason.get(reason, 0) + 1
    score = subprocess.run([RF, "eval", "--json", "--truth",
                            os.path.join(scenario_dir, "truth.jsonl"), out],
                           capture_output=True, text=True, check=True)
    return json.loads(score.stdout)["f1"], by_reason, usage.ru_maxrss


def mean(values):
    return sum(values) / len(values) if values else float("nan")


def late_cameras(work):
    clean, faulty, stopped = [], [], 0
    for seed in range(1, SEEDS + 1):
        f1, _, _ = run(sim(work, "busy", seed, [])[0])
        g1, _, _ = run(sim(work, "busy", seed, FAULTS)[0])
        stopped += (f1 is None) + (g1 is None)
        clean.append(f1 or 0.0)
        faulty.append(g1 or 0.0)
    gaps = [g - f for f, g in zip(clean, faulty)]
    print(f"1. busy seeds 1-{SEEDS}, {' '.join(FAULTS)}")
    print(f"   F1 clean {mean(clean):.4f}, with faults {mean(faulty):.4f}: mean gap "
          f"{mean(gaps):+.4f} (per seed {min(gaps):+.4f} .. {max(gaps):+.4f}); runs stopped: "
          f"{stopped}")
    return {"f1_clean": mean(clean), "f1_faults": mean(faulty), "gap_mean": mean(gaps),
            "gap_min": min(gaps), "gap_max": max(gaps), "stopped": stopped}


def chaos(work):
    rows, stopped = [], 0
    for seed in range(1, SEEDS + 1):
        scenario, injected = sim(work, "chaos", seed, [])
        f1, aside, _ = run(scenario)
        stopped += f1 is None
        rows.append((seed, f1 or 0.0, injected, aside))
    print(f"2. chaos seeds 1-{SEEDS}: runs stopped {stopped}, F1 mean "
          f"{mean([r[1] for r in rows]):.4f}")
    print("   seed  injected dup/stray/shelf/held   set aside dup/stray/shelf/late   other")
    same = 0
    for seed, f1, inj, aside in rows:
        got = [aside.get(k, 0) for k in ("duplicate", "unknown_shopper", "unknown_shelf", "late")]
        want = [inj.get(k, 0) for k in ("duplicate", "unknown_shopper", "unknown_shelf", "held")]
        other = {k: v for k, v in aside.items()
                 if k not in ("duplicate", "unknown_shopper", "unknown_shelf", "late")}
        same += got[:3] == want[:3] and got[3] <= want[3]
        print(f"   {seed:4d}  {'/'.join(map(str, want)):>28}   {'/'.join(map(str, got)):>30}   "
              f"{other or ''}")
    print(f"   {same} of {len(rows)} seeds: duplicates, stray ids and unknown shelves set aside "
          f"exactly as injected, late at most the records held")
    return {"stopped": stopped, "seeds_matching": same, "rows": [
        {"seed": s, "f1": f, "injected": i, "set_aside": a} for s, f, i, a in rows]}


def outage(work):
    results = {}
    for label, knobs in (("clean", OUTAGE[:1]), ("outage", OUTAGE)):
        f1s, late, rss = [], 0, []
        for seed in range(1, min(SEEDS, 5) + 1):
            scenario, injected = sim(work, "busy", seed, knobs)
            f1, aside, peak = run(scenario)
            f1s.append(f1 or 0.0)
            late += aside.get("late", 0)
            rss.append(peak)
        results[label] = {"f1": mean(f1s), "late": late, "peak_rss_kib": max(rss)}
    c, o = results["clean"], results["outage"]
    print(f"3. busy seeds 1-{min(SEEDS, 5)}, camera 2 of 5 silent 120-720 s: F1 {o['f1']:.4f} "
          f"(clean {c['f1']:.4f}), late records set aside {o['late']}, peak memory "
          f"{o['peak_rss_kib'] / 1024:.1f} MiB (clean {c['peak_rss_kib'] / 1024:.1f} MiB)")
    return results


with tempfile.TemporaryDirectory() as work:
    report = {"late_cameras": late_cameras(work), "chaos": chaos(work), "outage": outage(work)}
if JSON_OUT:
    with open(JSON_OUT, "w") as f:
        json.dump(report, f, indent=1)
