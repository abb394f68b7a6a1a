"""True and learned gain through a simulated day, for the plates read most (bench/run-calibration).

  /usr/bin/python3 bench/calibration_chart.py SERIES.jsonl OUT.png
SERIES: bench_calib_day --series, one line per sample: {"t": s, "plates": [[true, learned,
evidence], ...]}. Needs matplotlib (Debian's python3-matplotlib)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(series_path, out_path, shown=6):
    samples = [json.loads(line) for line in open(series_path)]
    last = samples[-1]["plates"]
    most = sorted(range(len(last)), key=lambda i: -last[i][2])[:shown]
    hours = [s["t"] / 3600 for s in samples]
    fig, ax = plt.subplots(figsize=(9, 5))
    for n, i in enumerate(most):
        colour = f"C{n}"
        ax.plot(hours, [100 * (s["plates"][i][0] - 1) for s in samples], color=colour,
                linestyle="--", linewidth=1)
        ax.plot(hours, [100 * (s["plates"][i][1] - 1) for s in samples], color=colour,
                linewidth=2, label=f"plate {i} ({last[i][2]:.0f} readings)")
    ax.set_xlabel("store time (h)")
    ax.set_ylabel("gain - 1 (%)")
    ax.set_title("Plate gains through a day: true (dashed) and learned (solid)")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
