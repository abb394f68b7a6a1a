"""bench/run's report: reads the raw results of every suite, takes medians over the repeated runs,
checks each target, and writes latest.json, report.md and the charts (PNG, matplotlib), with one
decision drawn as the reviewer sees it (retailfuse.plot_decision; the Python package must be
importable: PYTHONPATH=build-release/python).

    /usr/bin/python3 bench/report.py RAW_DIR OUT_DIR QUICK(0|1) SECONDS
    /usr/bin/python3 bench/report.py --decision OUT_DIR      # only OUT_DIR/decision.png
"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The decision figure: the first flagged decision of a simulated busy store with raw readings.
DECISION = {"preset": "busy", "seed": 3, "weights": "samples"}
INPUT_TYPES = ("enter", "exit", "link", "position", "samples", "delta", "hand", "restock", "review")


def decision_figure(out_dir):
    """Decides DECISION's store with explanations on and draws its first flagged decision with
    retailfuse.plot_decision into out_dir/decision.png: (file, caption), or None (no package, or
    nothing flagged)."""
    try:
        import retailfuse
    except ImportError as e:
        print(f"report: no decision figure (the Python package: {e})", file=sys.stderr)
        return None
    scenario, _ = retailfuse.simulate(DECISION["preset"], DECISION["seed"],
                                      weights=DECISION["weights"])
    engine = retailfuse.Engine(retailfuse.Store.from_records(scenario))
    engine.set_explain()
    engine.push_many([r for r in scenario if r["type"] in INPUT_TYPES])
    engine.finish()
    output = engine.output()
    flagged = next((r for r in output if r["type"] == "diff" and r["review"]), None)
    if flagged is None:
        print("report: no decision figure (nothing flagged)", file=sys.stderr)
        return None
    fig = retailfuse.plot_decision(decision=flagged["seq"], output=output, records=scenario)
    fig.savefig(os.path.join(out_dir, "decision.png"), dpi=100)
    return ("decision.png",
            f"The first flagged decision of the {DECISION['preset']} preset (seed "
            f"{DECISION['seed']}, raw readings), decision {flagged['seq']}, drawn by "
            "retailfuse.plot_decision as retailfuse review's page draws it")


if len(sys.argv) == 3 and sys.argv[1] == "--decision":
    os.makedirs(sys.argv[2], exist_ok=True)
    made = decision_figure(sys.argv[2])
    print(f"wrote {os.path.join(sys.argv[2], made[0])}" if made else "no decision figure")
    sys.exit(0 if made else 1)
raw, out, quick, seconds = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
os.makedirs(out, exist_ok=True)


def lines(name):
    path = os.path.join(raw, name)
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


def load(name):
    path = os.path.join(raw, name)
    return json.load(open(path)) if os.path.exists(path) else None


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
        dirty = subprocess.call(["git", "diff", "--quiet", "HEAD"]) != 0
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", False
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "commit": commit + ("+changes" if dirty else ""),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": quick, "seconds": seconds}


targets = []  # (suite, target, measured, met)


def target(suite, what, measured, met):
    targets.append({"suite": suite, "target": what, "measured": measured, "met": bool(met)})


report = {"machine": machine()}

# ---- solvers ----
solvers = load("solvers.json")
if solvers:
    report["solvers"] = solvers
    worst_big, worst_rest = solvers["lsa_worst_ratio_dense_500"], solvers["lsa_worst_ratio_rest"]
    target("solvers", "rf_lsa / scipy <= 0.5 on dense matrices with a side >= 500",
           f"worst {worst_big:.2f}" if worst_big else "not run (quick)",
           worst_big is not None and worst_big <= 0.5)
    target("solvers", "rf_lsa / scipy <= 1.0 elsewhere (from Python)", f"worst {worst_rest:.2f}",
           worst_rest <= 1.0)

# ---- load cells ----
lc = lines("loadcell.jsonl")
if lc:
    rate = statistics.median(r["readings_per_s"] for r in lc)
    peer = statistics.median(r["peer_per_s"] for r in lc)
    report["loadcell"] = {"runs": len(lc), "readings_per_s": rate, "peer_per_s": peer}
    target("load cells", "sample path >= 20 M readings/s on one core", f"{rate / 1e6:.1f} M/s",
           rate >= 20e6)
det = lines("detection.jsonl")
if det:
    report["detection"] = det

# ---- engine ----
eng = lines("engine.jsonl")
if eng:
    by = {}
    for r in eng:
        by.setdefault(r["preset"], []).append(r)
    report["engine"] = {}
    for preset, runs in by.items():
        m = {k: statistics.median(r[k] for r in runs)
             for k in ("decisions_per_s", "latency_median_us", "latency_p99_us", "latency_max_us")}
        m.update(runs=len(runs), decided=runs[0]["decided"], events=runs[0]["events"],
                 mem_at_hour=runs[0]["mem_at_hour"], mem_end=runs[0]["mem_end"],
                 mem_peak_after_hour=runs[0]["mem_peak_after_hour"],
                 rss_at_hour_kb=runs[0]["rss_at_hour_kb"], rss_end_kb=runs[0]["rss_end_kb"])
        report["engine"][preset] = m
    for preset in ("busy", "large"):
        if preset in report["engine"]:
            m = report["engine"][preset]
            target("engine", f"{preset}: >= 50,000 decisions/s on one core",
                   f"{m['decisions_per_s']:,.0f}/s", m["decisions_per_s"] >= 50000)
            target("engine", f"{preset}: p99 settle-to-decision CPU time <= 1 ms",
                   f"{m['latency_p99_us']:.0f} us", m["latency_p99_us"] <= 1000)
    if "day" in report["engine"]:
        m = report["engine"]["day"]
        growth = (m["mem_peak_after_hour"] - m["mem_at_hour"]) / max(m["mem_at_hour"], 1)
        target("memory", "day preset: engine memory grows <= 10 % after the first hour",
               f"{growth * 100:.1f} % ({m['mem_at_hour'] / 1024:.0f} KiB at 1 h, "
               f"{m['mem_peak_after_hour'] / 1024:.0f} KiB most after)", growth <= 0.10)
        rss = (m["rss_end_kb"] - m["rss_at_hour_kb"]) / max(m["rss_at_hour_kb"], 1)
        report["engine"]["day"]["rss_growth"] = rss

# ---- ingest ----
ing = lines("ingest.jsonl")
if ing:
    report["ingest"] = {}
    for w in ("deltas", "samples"):
        for f in ("jsonl", "pb"):
            runs = [r for r in ing if r["weights"] == w and r.get("format", "jsonl") == f]
            if runs:
                t = statistics.median(r["seconds"] for r in runs)
                report["ingest"][f"{w}/{f}"] = {
                    "preset": runs[0]["preset"], "records": runs[0]["records"],
                    "bytes": runs[0]["bytes"], "seconds": t,
                    "records_per_s": runs[0]["records"] / t,
                    "readings_per_s": runs[0].get("readings", 0) / t,
                    "mb_per_s": runs[0]["bytes"] / t / 1e6}

# ---- Python ----
pyr = load("python.json")
if pyr:
    report["python"] = pyr

# ---- accuracy ----
acc = lines("accuracy.jsonl")
if acc:
    report["accuracy"] = acc
    get = {(r["preset"], r["weights"], r["method"]): r for r in acc}
    for preset in ("easy", "busy"):
        f = get.get((preset, "deltas", "fused"))
        if f:
            target("accuracy", f"{preset}: receipt F1 >= 0.995", f"{f['f1_mean']:.3f}",
                   f["f1_mean"] >= 0.995)
            target("accuracy", f"{preset}: review rate <= 2 %", f"{f['review_rate'] * 100:.1f} %",
                   f["review_rate"] <= 0.02)
    f, g = get.get(("adversarial", "deltas", "fused")), get.get(("adversarial", "deltas", "greedy"))
    if f and g:
        target("accuracy", "adversarial: receipt F1 >= 0.97", f"{f['f1_mean']:.3f}", f["f1_mean"] >= 0.97)
        target("accuracy", "adversarial: exact receipts >= 90 %", f"{f['exact'] * 100:.1f} %",
               f["exact"] >= 0.9)
        target("accuracy", "adversarial: review rate <= 5 %", f"{f['review_rate'] * 100:.1f} %",
               f["review_rate"] <= 0.05)
        fe, ge = sum(f["errors"].values()), sum(g["errors"].values())
        target("accuracy", "adversarial: at most 1/3 of greedy's errors",
               f"{fe} vs {ge} ({fe / max(ge, 1) * 100:.0f} %)", fe * 3 <= ge)
    eces = [r["calibration_error"] for r in acc if r["method"] == "fused" and r["weights"] == "deltas"]
    if eces:
        target("accuracy", "calibration error <= 0.05 (every preset)", f"worst {max(eces):.3f}",
               max(eces) <= 0.05)
    for preset in ("easy", "busy", "adversarial"):
        d, s = get.get((preset, "deltas", "fused")), get.get((preset, "samples", "fused"))
        if d and s:
            gaps = [b - a for a, b in zip(d["f1_by_seed"], s["f1_by_seed"])]
            within = sum(abs(x) <= 0.01 for x in gaps)
            target("load cells", f"{preset}: samples-mode F1 within 0.01 of deltas mode, per seed",
                   f"mean gap {s['f1_mean'] - d['f1_mean']:+.4f}; {within}/{len(gaps)} seeds within",
                   within == len(gaps))

# ---- generalisation and calibration (issue 14): bench/run-accuracy over every preset ----
sets = load("accuracy_sets.json")
if sets:
    report["accuracy_sets"] = sets
    held = {k.rsplit("/", 1)[0]: v for k, v in sets.items() if v.get("set") == "held-out"}
    def fused(preset):
        return held.get(f"{preset}/fused")
    for preset, f1 in (("busy", 0.99), ("realistic", 0.99), ("adversarial", 0.95), ("rush", 0.97),
                       ("group", 0.97), ("blind", 0.97)):
        f = fused(preset)
        if f:
            target("accuracy", f"{preset}, held-out: receipt F1 >= {f1}", f"{f['f1_mean']:.3f}",
                   f["f1_mean"] >= f1)
    for preset, review in (("busy", 0.03), ("realistic", 0.03), ("adversarial", 0.08)):
        f = fused(preset)
        if f:
            target("accuracy", f"{preset}, held-out: review <= {review * 100:.0f} %",
                   f"{f['review_rate'] * 100:.1f} %", f["review_rate"] <= review)
    fs = [v for k, v in held.items() if k.endswith("/fused")]
    if fs:
        target("accuracy", "held-out: F1 of unflagged diffs >= 0.995 (every preset)",
               f"worst {min(v['f1_unflagged'] for v in fs):.3f}",
               min(v["f1_unflagged"] for v in fs) >= 0.995)
        target("accuracy", "held-out: calibration error <= 0.03 (every preset)",
               f"worst {max(v['calibration_error'] for v in fs):.3f}",
               max(v["calibration_error"] for v in fs) <= 0.03)

report["targets"] = targets
with open(os.path.join(out, "latest.json"), "w") as fh:
    json.dump(report, fh, indent=1)

# ---- charts ----
charts = []
if solvers:
    fig, ax = plt.subplots(figsize=(6, 4))
    rows = [r for r in solvers["lsa"] if r["workload"].startswith("uniform") and
            r["shape"][0] == r["shape"][1] and r["feasible"]]
    rows.sort(key=lambda r: r["shape"][0])
    ns = [r["shape"][0] for r in rows]
    ax.loglog(ns, [r["ours_ms"] for r in rows], "o-", label="retailfuse rf_lsa")
    ax.loglog(ns, [r["scipy_ms"] for r in rows], "s--", label="scipy linear_sum_assignment")
    ax.set_xlabel("n (uniform n x n)")
    ax.set_ylabel("ms per solve (median)")
    ax.set_title("Assignment: time against size")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "solvers.png"), dpi=110)
    charts.append(("solvers.png", "Solver time against size, against scipy"))
    plt.close(fig)
if acc:
    presets = [p for p in ("easy", "busy", "adversarial", "day", "large")
               if (p, "deltas", "fused") in get]
    fig, ax = plt.subplots(figsize=(7, 4))
    x = range(len(presets))
    series = [("greedy", "deltas", "greedy baseline"), ("fused", "deltas", "fused, deltas"),
              ("fused", "samples", "fused, raw readings")]
    for k, (method, weights, label) in enumerate(series):
        ys = [get[(p, weights, method)]["f1_mean"] if (p, weights, method) in get else 0
              for p in presets]
        ax.bar([i + (k - 1) * 0.27 for i in x], ys, width=0.27, label=label)
    ax.set_xticks(list(x))
    ax.set_xticklabels(presets)
    ax.set_ylim(0, 1)
    ax.set_ylabel("receipt F1 (mean over seeds)")
    ax.set_title("Accuracy by preset")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "accuracy.png"), dpi=110)
    charts.append(("accuracy.png", "Receipt F1 by preset: fused engine and greedy baseline"))
    plt.close(fig)
if eng:
    fig, ax = plt.subplots(figsize=(6, 4))
    for preset in ("busy", "large", "day"):
        lat = [x for r in eng if r["preset"] == preset for x in r["latency_us"]]
        if lat:
            ax.hist(lat, bins=60, histtype="step", label=preset, log=True)
    ax.set_xlabel("CPU time of the deciding call (us)")
    ax.set_ylabel("decisions")
    ax.set_title("Latency from settling (wait over) to decision")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "latency.png"), dpi=110)
    charts.append(("latency.png", "Decision latency distribution"))
    plt.close(fig)
    day = [r for r in eng if r["preset"] == "day"]
    if day:
        fig, ax = plt.subplots(figsize=(6, 4))
        mem = day[0]["mem_every_5min"]
        ax.plot([5 * i / 60 for i in range(len(mem))], [m / 1024 for m in mem])
        ax.set_xlabel("store time (h)")
        ax.set_ylabel("engine memory (KiB)")
        ax.set_title("Engine memory over the day preset")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "memory.png"), dpi=110)
        charts.append(("memory.png", "Engine memory over a long run"))
        plt.close(fig)

# ---- report.md ----
m = report["machine"]
md = [f"# retailfuse benchmark report{' (quick)' if quick else ''}", "",
      f"{m['date']} · commit {m['commit']} · {m['cpu']}, {m['cores']} cores · Python {m['python']}"
      f" · {m['seconds']} s", "", "Produced by `bench/run" + (" --quick" if quick else "") +
      "`; figures are medians of repeated runs, ratios are taken against a peer in the same run.",
      "", "## Targets", "", "| suite | target | measured | met |", "|---|---|---|---|"]
md += [f"| {t['suite']} | {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |"
       for t in targets]
if "engine" in report:
    md += ["", "## Engine", "", "| preset | events | decided | decisions/s | latency median | p99 |"
           " max | engine memory at 1 h | at end | peak RSS at 1 h | at end |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for p, e in report["engine"].items():
        md.append(f"| {p} | {e['events']} | {e['decided']} | {e['decisions_per_s']:,.0f} | "
                  f"{e['latency_median_us']:.0f} us | {e['latency_p99_us']:.0f} us | "
                  f"{e['latency_max_us']:.0f} us | "
                  + (f"{e['mem_at_hour'] / 1024:.0f} KiB" if e['rss_at_hour_kb'] else "—")
                  + f" | {e['mem_end'] / 1024:.0f} KiB | "
                  + (f"{e['rss_at_hour_kb'] / 1024:.1f} MiB" if e['rss_at_hour_kb'] else "—")
                  + f" | {e['rss_end_kb'] / 1024:.1f} MiB |")
    md += ["", "Latency is the CPU time of the engine call that decided a change, once its wait "
           "was over; peak RSS includes the simulator that feeds the engine in the same process."]
if "loadcell" in report:
    lc = report["loadcell"]
    md += ["", "## Load cells", "", f"Sample path: {lc['readings_per_s'] / 1e6:.1f} M readings/s "
           f"(one summing pass over the same readings: {lc['peer_per_s'] / 1e6:.0f} M/s), "
           f"median of {lc['runs']} runs.", ""]
    if det:
        md += ["| preset | seeds | changes | events | precision | recall | total error median |"
               " p95 | faults |", "|---|---|---|---|---|---|---|---|---|"]
        md += [f"| {d['preset']} | {d['seeds']} | {d['changes']} | {d['events']} | "
               f"{d['precision']:.4f} | {d['recall']:.4f} | {d['err_median_g']:.2f} g | "
               f"{d['err_p95_g']:.2f} g | {d['faults']} |" for d in det]
if "ingest" in report:
    md += ["", "## Ingest (`retailfuse run` on a scenario file, JSON Lines and protocol buffers)", "",
           "| weights / format | preset | records | MB | records/s | readings/s | MB/s |",
           "|---|---|---|---|---|---|---|"]
    md += [f"| {w} | {i['preset']} | {i['records']:,} | {i['bytes'] / 1e6:.1f} | "
           f"{i['records_per_s']:,.0f} | {i.get('readings_per_s', 0):,.0f} | {i['mb_per_s']:.1f} |"
           for w, i in report["ingest"].items()]
formats_txt = os.path.join(raw, "formats.txt")
if os.path.exists(formats_txt):
    with open(formats_txt) as f:
        md += ["", "## Formats (`bench_formats`: the reader alone, in memory)", "", "```",
               f.read().rstrip(), "```"]
if pyr:
    md += ["", "## Python", "", "| what | per second |", "|---|---|"]
    md += [f"| {r['what']} | {r['per_s']:,.0f} |" for r in pyr["rates"]]
    md += ["", "| matrix | ours | scipy | ratio |", "|---|---|---|---|"]
    md += [f"| {r['matrix']} | {r['ours_us']:.1f} us | {r['scipy_us']:.1f} us | {r['ratio']:.2f} |"
           for r in pyr["lsa"]]
if acc:
    md += ["", "## Accuracy", "", "| preset | weights | method | seeds | F1 mean (range) | exact |"
           " review | ECE | errors: shopper / product / qty / missed / spurious |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in acc:
        e = r["errors"]
        md.append(f"| {r['preset']} | {r['weights']} | {r['method']} | {r['seeds']} | "
                  f"{r['f1_mean']:.3f} ({r['f1_min']:.3f}–{r['f1_max']:.3f}) | {r['exact']:.3f} | "
                  f"{r['review_rate']:.3f} | {r['calibration_error']:.3f} | {e['wrong_shopper']} / "
                  f"{e['wrong_product']} / {e['wrong_quantity']} / {e['missed']} / {e['spurious']} |")
if sets:
    md += ["", "## Generalisation and calibration (bench/run-accuracy)", "",
           "Development seeds 1–N and held-out seeds 1001–1000+N, whose stores come from layout "
           "seeds never used while developing; the reliability diagrams are in "
           "`reliability.png`.", "",
           "| preset | method | F1 dev | F1 held-out | gap | review held-out | F1 unflagged "
           "held-out | ECE held-out |", "|---|---|---|---|---|---|---|---|"]
    for key, v in sets.items():
        if v.get("set") != "held-out":
            continue
        base = key.rsplit("/", 1)[0]
        d = sets.get(base)
        preset, method = base.split("/", 1)
        dev = f"{d['f1_mean']:.3f}" if d else "—"
        gap = f"{v['f1_mean'] - d['f1_mean']:+.3f}" if d else "—"
        md.append(f"| {preset} | {method} | {dev} | {v['f1_mean']:.3f} | {gap} | "
                  f"{v['review_rate']:.3f} | {v['f1_unflagged']:.3f} | "
                  f"{v['calibration_error']:.3f} |")
    charts.append(("reliability.png", "Reliability of the fused engine per preset and seed set"))
if solvers:
    md += ["", "## Solvers against scipy (through the Python package)", "",
           "| workload | shape | ours | scipy | ratio |", "|---|---|---|---|---|"]
    md += [f"| {r['workload']} | {r['shape'][0]} x {r['shape'][1]} | {r['ours_ms']:.3f} ms | "
           f"{r['scipy_ms']:.3f} ms | {r['ratio']:.2f} |" for r in solvers["lsa"]]
decision = decision_figure(out)
if decision:
    charts.append(decision)
md += ["", "## Charts", ""] + [f"![{t}]({f})" for f, t in charts] + [""]
with open(os.path.join(out, "report.md"), "w") as fh:
    fh.write("\n".join(md))
print("\n".join(f"{'met ' if t['met'] else 'MISS'}  {t['suite']}: {t['target']}: {t['measured']}"
                for t in targets))
print(f"\nwrote {out}/latest.json, {out}/report.md and {len(charts)} charts")
