"""Reliability diagrams of the fused engine, one panel per preset: for each confidence bin the
share of decisions that were right against the confidence said, with how many fell in each bin
and the calibration error. Reads the JSON of bench/run-accuracy --json; needs matplotlib (Debian's
/usr/bin/python3 with python3-matplotlib).

    /usr/bin/python3 bench/reliability_chart.py accuracy.json reliability.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)


def panels(results):
    """(name, bins, ece, set) of every fused entry, development sets first."""
    keys = [k for k, v in results.items() if "reliability" in v]
    keys.sort(key=lambda k: (results[k].get("set", "dev") != "dev", k))
    return [(k, results[k]["reliability"], results[k]["calibration_error"]) for k in keys]


def draw(results, path):
    items = panels(results)
    if not items:
        sys.exit("reliability_chart: no fused results with reliability bins")
    cols = min(4, len(items))
    rows = (len(items) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False)
    for ax, (name, bins, ece) in zip(axes.flat, items):
        xs = [b["mean_conf"] for b in bins if b["count"]]
        ys = [b["accuracy"] for b in bins if b["count"]]
        ns = [b["count"] for b in bins if b["count"]]
        ax.plot([0, 1], [0, 1], color="0.7", linewidth=1)
        ax.scatter(xs, ys, s=[max(8, 200 * n / max(ns)) for n in ns], color="tab:blue")
        ax.plot(xs, ys, color="tab:blue", linewidth=1)
        ax.set_title(f"{name}\nECE {ece:.3f}", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence said", fontsize=8)
        ax.set_ylabel("share right", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(items):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: reliability_chart.py ACCURACY.json OUT.png")
    with open(sys.argv[1]) as f:
        draw(json.load(f), sys.argv[2])
