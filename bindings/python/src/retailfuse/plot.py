"""One decision's figure with matplotlib, as `retailfuse review`'s page draws it (docs/review.md,
"The page"): for notebooks and reports. matplotlib and numpy are imported only when a figure is
drawn, and no pyplot state is touched (the figure is a matplotlib.figure.Figure), so it works
headless and beside a user's own figures."""

import json
import math
import os
import textwrap

__all__ = ["plot_decision"]

# The page's colours (tools/review/page.js): a shopper's colour is the same in every panel.
SHOPPER_COLOURS = ["#e4572e", "#2e86ab", "#5b8c2a", "#a23b72", "#f18f01", "#6a4c93", "#17a398",
                   "#c9a227", "#8c564b", "#3d5a80"]
ANON = "#94a3b8"
PLATE_COLOURS = ["#1e3a8a", "#0f766e", "#9a3412", "#4d7c0f", "#86198f", "#334155", "#b45309",
                 "#0e7490"]
SPAN = "#fde68a"
MUTED = "#94a3b8"

REACH_M = 0.8                 # anyone this near the shelf's front can reach in
BEFORE_US = 30_000_000        # a fix this long before the window still says where one came from
TRACK_STEP_US = 200_000       # a fix per 200 ms at most
MOST_WIDER_US = 60_000_000    # hand visits widen the window by a minute at most
BUCKETS = 100                 # the page's buckets, for whether raw readings moved

_STORE_TYPES = ("product", "shelf", "facing", "camera", "zone")
_PANELS = ("plates", "hands", "distances", "alternatives")


# ---- the explain record ----

def _what(value):
    if isinstance(value, dict):
        return (f"a {value['type']!r} record" if isinstance(value.get("type"), str)
                else "a dict without a 'type'")
    return f"a {type(value).__name__}"


def _check_explain(explain):
    if not isinstance(explain, dict) or explain.get("type") != "explain":
        raise ValueError(
            "explain: expected an explain record (a dict with \"type\": \"explain\", as "
            "run_scenario(..., explain=True) or Engine.set_explain() write them), got "
            + _what(explain))
    for key, kind in (("shelf", str), ("t0", int), ("t1", int), ("alternatives", list),
                      ("candidates", list), ("hands", list), ("diffs", list)):
        if key not in explain:
            raise ValueError(f"explain: field {key!r} is missing")
        if not isinstance(explain[key], kind) or isinstance(explain[key], bool):
            raise ValueError(f"explain: field {key!r}: expected {kind.__name__}, got "
                             f"{type(explain[key]).__name__}")
    if explain["t1"] < explain["t0"]:
        raise ValueError(f"explain: t1 {explain['t1']} is before t0 {explain['t0']}")
    return explain


def _as_records(records, what):
    if isinstance(records, (str, bytes, os.PathLike)):
        from . import read_scenario
        return read_scenario(records)
    if records is None or isinstance(records, dict):
        raise ValueError(f"{what}: expected a list of records (dicts) or a file's path, got "
                         + _what(records))
    return records


def _find_explain(explain, decision, output):
    if explain is not None:
        return _check_explain(explain)
    if decision is None:
        raise ValueError("plot_decision needs an explain record, or decision=SEQ (a diff's seq) "
                         "with output=... (the run's output with its explain records)")
    if output is None:
        raise ValueError("decision=SEQ needs output=...: the run's output with its explain records "
                         "(run_scenario(..., explain=True))")
    if isinstance(decision, bool) or not isinstance(decision, int):
        raise ValueError(f"decision: expected a diff's seq (an int), got {_what(decision)}")
    explains = [r for r in output if isinstance(r, dict) and r.get("type") == "explain"]
    if not explains:
        raise ValueError("output holds no explain record: run with explanations on "
                         "(run_scenario(..., explain=True), Engine.set_explain(), "
                         "retailfuse run --explain)")
    for r in explains:
        if decision in r.get("diffs", ()):
            return _check_explain(r)
    raise ValueError(f"output: no explain record names diff {decision}")


# ---- what the scenario shows in the window ----

class _Lines:
    """A scenario file's records, read as a stream. Once `needles` is set (after the store),
    a line is parsed only when it holds one of them (the shelf's, its plates' and the
    candidates' ids as JSON strings): a day of raw readings is mostly other shelves'."""

    def __init__(self, path):
        self.path = path
        self.needles = None

    def __iter__(self):
        from . import _PB_MAGIC, read_scenario
        with open(self.path, "rb") as f:
            head = f.read(len(_PB_MAGIC))
        if head == _PB_MAGIC:
            yield from read_scenario(self.path)
            return
        with open(self.path, encoding="utf-8", newline="\n") as f:
            for number, line in enumerate(f, 1):
                needles = self.needles
                if needles is not None and not any(n in line for n in needles):
                    continue
                if not line.strip(" \t\r\n"):
                    continue
                try:
                    yield json.loads(line)
                except ValueError as e:
                    raise ValueError(f"{self.path}: line {number}: not a record: {e}") from None


def _plain(ident):
    """Whether an id is written as itself in any JSON writer (no escapes)."""
    return isinstance(ident, str) and all(" " <= c <= "~" and c not in "\"\\/" for c in ident)


def _window(explain, window_s):
    """The page's window: the change with window_s either side, widened to the hand visits it
    weighed with a second to spare (a minute more at most)."""
    w = round(window_s * 1e6)
    w0, w1 = explain["t0"] - w, explain["t1"] + w
    least, most = w0 - MOST_WIDER_US, w1 + MOST_WIDER_US
    for h in explain["hands"]:
        w0 = min(w0, h["t0"] - 1_000_000)
        w1 = max(w1, h["t1"] + 1_000_000)
    return max(w0, least), min(w1, most)


class _Scene:
    """One pass over the records: the store, then for the decision's shelf and window its
    plates' readings or deltas and its hand visits, and the candidates' fixes."""

    def __init__(self, explain, w0, w1):
        self.explain, self.w0, self.w1 = explain, w0, w1
        self.products = {}      # sku -> name
        self.shelf = None       # the shelf record
        self.facings = []       # (x0, x1, sku) of the shelf
        self.plate_index = {}   # plate id -> its place on the shelf
        self.samples = []       # per plate: [(times, grams)] arrays
        self.steps = []         # per plate: [(t0, t1, g)]
        self.bars = []          # [shopper, t0, t1, x, p]
        self.ref = None         # (x, y) distances are measured to
        cands = [c.get("shopper") for c in explain["candidates"]]
        self.fixes = {s: [] for s in cands if s is not None}    # shopper -> [(t, metres)]
        self.before = {s: None for s in self.fixes}             # shopper -> (t, metres)
        self.last_bucket = {s: None for s in self.fixes}

    # the store
    def store_record(self, rec):
        kind = rec.get("type")
        if kind == "product":
            self.products[rec.get("sku")] = rec.get("name") or rec.get("sku")
        elif kind == "shelf" and rec.get("shelf") == self.explain["shelf"] and self.shelf is None:
            self.shelf = rec
        elif kind == "facing" and rec.get("shelf") == self.explain["shelf"]:
            self.facings.append((rec["x0"], rec["x1"], rec["sku"]))

    def store_done(self):
        shelf = self.shelf
        if shelf is None:
            raise ValueError(f"records: no shelf {self.explain['shelf']!r} (the scenario's store "
                             "records, before its events, are needed)")
        plates = shelf.get("plates", [])
        self.plate_index = {p["plate"]: k for k, p in enumerate(plates)}
        self.samples = [[] for _ in plates]
        self.steps = [[] for _ in plates]
        pos = shelf.get("pos")
        if pos is not None:
            rx, ry = float(pos[0]), float(pos[1])
            direction, x = shelf.get("dir"), self.explain.get("x")
            if direction is not None and x is not None:
                length = math.hypot(direction[0], direction[1])
                if length > 0:
                    width = max((p["x1"] for p in plates), default=0.0)
                    rx += direction[0] / length * (x - width / 2)
                    ry += direction[1] / length * (x - width / 2)
            self.ref = (rx, ry)
        ids = [self.explain["shelf"], *self.plate_index, *self.fixes]
        return [f'"{i}"' for i in ids] if all(_plain(i) for i in ids) else None

    # the events
    def on_samples(self, rec):
        k = self.plate_index.get(rec.get("plate"))
        if k is None:
            return
        t, dt, g = rec["t"], rec["dt_us"], rec["g"]
        n = len(g)
        if n == 0 or dt <= 0 or t > self.w1 or t + (n - 1) * dt < self.w0:
            return
        import numpy as np
        i0 = max(0, -((t - self.w0) // dt))             # the first reading at or after w0
        i1 = min(n - 1, (self.w1 - t) // dt)            # the last at or before w1
        grams = np.asarray(g[i0:i1 + 1], dtype=np.float64)
        times = t + dt * np.arange(i0, i1 + 1, dtype=np.int64)
        self.samples[k].append((times, grams))

    def on_delta(self, rec):
        if rec.get("shelf") != self.explain["shelf"] or rec["t1"] < self.w0 or rec["t0"] > self.w1:
            return
        for plate, g in rec["plates"].items():
            k = self.plate_index.get(plate)
            if k is not None and isinstance(g, (int, float)) and math.isfinite(g):
                self.steps[k].append((rec["t0"], rec["t1"], float(g)))

    def on_hand(self, rec):
        if rec.get("shelf") != self.explain["shelf"] or rec["t1"] < self.w0 or rec["t0"] > self.w1:
            return
        self.bars.append([rec.get("shopper"), rec["t0"], rec["t1"], rec.get("x"), None])

    def on_position(self, rec):
        who = rec.get("shopper")
        if self.ref is None or who not in self.fixes:
            return
        t = rec["t"]
        if t > self.w1 or t < self.w0 - BEFORE_US:
            return
        d = math.hypot(rec["x"] - self.ref[0], rec["y"] - self.ref[1])
        if t < self.w0:  # before the window: the latest such fix
            if self.before[who] is None or t > self.before[who][0]:
                self.before[who] = (t, d)
            return
        bucket = (t - self.w0) // TRACK_STEP_US
        if bucket != self.last_bucket[who]:
            self.last_bucket[who] = bucket
            self.fixes[who].append((t, d))

    def read(self, records):
        handlers = {"samples": self.on_samples, "delta": self.on_delta, "hand": self.on_hand,
                    "position": self.on_position}
        events = False
        for rec in records:
            if not isinstance(rec, dict):
                raise ValueError(f"records: expected dicts, got {_what(rec)}")
            kind = rec.get("type")
            if kind in _STORE_TYPES:
                if not events:  # a store record after the events began is not read
                    self.store_record(rec)
                continue
            if not events:
                events = True
                needles = self.store_done()
                if isinstance(records, _Lines):
                    records.needles = needles
            handler = handlers.get(kind)
            if handler is not None:
                handler(rec)
        if not events:
            self.store_done()
        self._weigh_bars()
        return self

    def _weigh_bars(self):
        """The engine's weighing of the hand visits onto the bars; a visit it weighed that the
        records do not show so (a tracker's swapped id) becomes a bar of its own."""
        for h in self.explain["hands"]:
            for bar in self.bars:
                if (bar[0], bar[1], bar[2]) == (h.get("shopper"), h["t0"], h["t1"]) \
                        and bar[4] is None:
                    bar[4] = h["p"]
                    break
            else:
                self.bars.append([h.get("shopper"), h["t0"], h["t1"], h.get("x"), h["p"]])
        self.bars.sort(key=lambda b: (b[1], b[2]))

    # what is drawn
    def plate_series(self):
        """[(plate id, label, times (µs), grams from the window's start, raw)] for the plates
        that moved (and the one under the change), and the ids of those that did not."""
        import numpy as np
        plates = self.shelf.get("plates", [])
        noise = self.shelf.get("noise_g", 1.5)
        x = self.explain.get("x")
        any_data = any(self.samples[k] or self.steps[k] for k in range(len(plates)))
        drawn, still = [], []
        for k, p in enumerate(plates) if any_data else ():
            under = x is not None and p["x0"] <= x < p["x1"]
            if self.samples[k]:
                times = np.concatenate([s[0] for s in self.samples[k]])
                grams = np.concatenate([s[1] for s in self.samples[k]])
                keep = np.isfinite(grams)
                times, grams = times[keep], grams[keep]
                order = np.argsort(times, kind="stable")
                times, grams = times[order], grams[order]
                if not times.size:
                    still.append(p["plate"])
                    continue
                moved = under or _samples_moved(times, grams, self.w0, self.w1, noise)
                series = (times, grams - grams[0], True)
            elif self.steps[k]:
                moved = under or any(abs(s[2]) > max(5.0, 3.0 * noise) for s in self.steps[k])
                series = _steps_series(sorted(self.steps[k], key=lambda s: s[0]), self.w0,
                                       self.w1) + (False,)
            else:
                still.append(p["plate"])
                continue
            if not moved:
                still.append(p["plate"])
                continue
            sku = self._plate_sku(p)
            label = _short_plate(self.explain["shelf"], p["plate"])
            if sku is not None:
                label += " " + self.products.get(sku, sku)
            drawn.append((p["plate"], label) + series)
        return drawn, still

    def _plate_sku(self, plate):
        best, most = None, 0.0
        for x0, x1, sku in self.facings:
            overlap = min(x1, plate["x1"]) - max(x0, plate["x0"])
            if overlap > most:
                best, most = sku, overlap
        return best

    def tracks(self):
        """{candidate: [(t, metres)]} in time order, the last fix before the window first."""
        out = {}
        for who, fixes in self.fixes.items():
            points = ([self.before[who]] if self.before[who] else []) + fixes
            if points:
                out[who] = sorted(points, key=lambda p: p[0])
        return out


def _samples_moved(times, grams, w0, w1, noise):
    """As the page: a level that changed (the first bucket's middle to the last's), or a press
    or a lift well beyond the noise."""
    import numpy as np
    buckets = (times - w0) * BUCKETS // (w1 - w0 + 1)
    first, last = grams[buckets == buckets[0]], grams[buckets == buckets[-1]]
    start, end = (first.min() + first.max()) / 2, (last.min() + last.max()) / 2
    return bool(np.ptp(grams) > max(20.0, 8.0 * noise) or abs(end - start) > max(5.0, 3.0 * noise))


def _steps_series(steps, w0, w1):
    """The deltas as a cumulative line: 0 at the window's start, each change a ramp over its
    span (clipped to the window), on to the window's end."""
    times, grams, c = [w0], [0.0], 0.0
    for t0, t1, g in steps:
        times.append(max(t0, w0))
        grams.append(c)
        c += g
        times.append(min(t1, w1))
        grams.append(c)
    times.append(w1)
    grams.append(c)
    return times, grams


def _short_plate(shelf, plate):
    """A plate's id without its shelf's ("G1S4P3" on G1S4: "P3"), when what is left reads alone."""
    rest = ""
    if plate.startswith(shelf):
        rest = plate[len(shelf):]
        if rest[:1] and rest[:1] in "-_.:":
            rest = rest[1:]
    return rest if rest[:1].isascii() and rest[:1].isalpha() else plate


def _pct(p):
    if p is None:
        return ""
    return "100 %" if p >= 0.995 else "<1 %" if 0 < p < 0.005 else f"{round(p * 100)} %"


def _clock(us):
    sec = us / 1e6
    if abs(sec) > 1e9:
        import datetime
        return datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S.%f")[:-5] + " UTC"
    sign, r = ("\u2212" if sec < 0 else ""), abs(sec)
    hh, r = divmod(r, 3600)
    mm, r = divmod(r, 60)
    return f"{sign}{int(hh):02d}:{int(mm):02d}:{r:04.1f}"


def _items_text(items, products):
    parts = []
    for sku, q in items.items():
        name = products.get(sku, sku)
        parts.append(f"\u2212{-q} \u00d7 {name} (back)" if q < 0 else f"{q} \u00d7 {name}")
    return ", ".join(parts) if parts else "nothing"


def _who(shopper):
    return "nobody" if shopper is None else shopper


# ---- what was decided ----

def _decided(explain, output):
    """(the decided carts, the index of the alternative that is what was decided or -1, the
    decision's diffs or None, flagged or None). From the output's diffs when given (as the
    page: the alternative whose cart and items are the diffs' net items); else the engine's
    order — a change with no diff is nobody's, another the first alternative (the decided one,
    or a split's first part)."""
    alts = explain["alternatives"]
    diffs = None
    if output is not None:
        by_seq = {r["seq"]: r for r in output if isinstance(r, dict) and r.get("type") == "diff"}
        diffs = [by_seq[s] for s in explain["diffs"] if s in by_seq]
        if len(diffs) < len(explain["diffs"]):
            diffs = None  # the output does not hold them all: as without it
    if not explain["diffs"]:
        diffs = []
    if diffs is None:
        return ([alts[0].get("shopper")] if alts else []), (0 if alts else -1), None, None
    carts = []
    for d in diffs:
        if d["shopper"] not in carts:
            carts.append(d["shopper"])
    flagged = any(d.get("review") for d in diffs) if diffs else False
    if len(carts) > 1:
        return carts, -1, diffs, flagged
    who = carts[0] if carts else None
    net = {}
    for d in diffs:
        net[d["sku"]] = net.get(d["sku"], 0) + d["qty"]
    net = {k: v for k, v in net.items() if v}
    for i, a in enumerate(alts):
        if a.get("shopper") == who and a.get("items", {}) == net:
            return [who], i, diffs, flagged
    return [who], -1, diffs, flagged


def _colours(explain, decided, bars):
    """Each shopper of the decision its colour: the decided cart's first, then the
    alternatives', the candidates', and whoever else reached in."""
    order = list(decided)
    order += [a.get("shopper") for a in explain["alternatives"]]
    order += [c.get("shopper") for c in explain["candidates"]]
    order += [b[0] for b in bars]
    colours = {}
    for who in order:
        if who is not None and who not in colours:
            colours[who] = SHOPPER_COLOURS[len(colours) % len(SHOPPER_COLOURS)]
    return colours


# ---- drawing ----

def _panels(ax):
    """(root figure, container, {panel: Axes}) for where to draw."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, FigureBase
    if ax is None:
        container = Figure(figsize=(11, 6.3), layout="constrained")
    elif isinstance(ax, FigureBase):
        container = ax
    elif isinstance(ax, Axes):
        spec = ax.get_subplotspec()
        if spec is None:
            raise ValueError("ax: an Axes placed on a grid (add_subplot, subplots) is needed, "
                             "to divide its place into the panels")
        parent = ax.figure
        ax.remove()
        container = parent.add_subfigure(spec)
    else:
        raise ValueError("ax: expected None, a matplotlib Figure or SubFigure, or an Axes, got "
                         + _what(ax))
    grid = container.add_gridspec(3, 2, width_ratios=[3.4, 1], height_ratios=[1.7, 1.35, 0.95])
    plates = container.add_subplot(grid[0, 0], label="plates")
    hands = container.add_subplot(grid[1, 0], sharex=plates, label="hands")
    distances = container.add_subplot(grid[2, 0], sharex=plates, label="distances")
    alternatives = container.add_subplot(grid[:, 1], label="alternatives")
    root = container if isinstance(container, Figure) else container.figure
    return root, container, dict(zip(_PANELS, (plates, hands, distances, alternatives)))


def _draw_plates(ax, scene, s, shelf):
    ax.set_title(f"plates of {shelf} \u2014 g, change from start of window", loc="left",
                 fontsize=9, color="#64748b")
    drawn, still = scene.plate_series()
    if still:
        text = "unchanged: " + " ".join(_short_plate(shelf, p) for p in still)
        ax.set_title(text if len(text) <= 58 else text[:57] + "\u2026", loc="right", fontsize=8,
                     color=MUTED)
    if not drawn:
        ax.text(0.5, 0.5, "no readings of this shelf in the window", transform=ax.transAxes,
                ha="center", va="center", color=MUTED)
    for k, (plate, label, times, grams, raw) in enumerate(drawn):
        ax.plot([s(t) for t in times], list(grams), color=PLATE_COLOURS[k % len(PLATE_COLOURS)],
                linewidth=1.2 if raw else 1.6, label=label, gid="plate:" + plate)
    if drawn:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
                  borderaxespad=0.3, handlelength=1.2)
    ax.set_ylabel("g")
    ax.tick_params(labelbottom=False)
    return drawn, still


def _draw_hands(ax, scene, colours, s, shelf, candidates):
    ax.set_title(f"hand visits on {shelf}, by shopper", loc="left", fontsize=9, color="#64748b")
    bars = scene.bars
    rows = [w for w in colours if any(b[0] == w for b in bars) or w in candidates]
    if any(b[0] is None for b in bars):
        rows.append(None)
    if not rows:
        ax.text(0.5, 0.5, "no hand visits on this shelf in the window", transform=ax.transAxes,
                ha="center", va="center", color=MUTED)
        ax.set_yticks([])
        ax.tick_params(labelbottom=False)
        return rows
    for k in range(1, len(rows), 2):
        ax.axhspan(k - 0.5, k + 0.5, color="#f8fafc", zorder=0)
    for b in bars:
        who, t0, t1, x, p = b
        y = rows.index(who) if who in rows else None
        if y is None:
            continue
        colour = ANON if who is None else colours.get(who, ANON)
        left, width = s(t0), (t1 - t0) / 1e6
        ax.barh(y, width, left=left, height=0.7, color=colour,
                alpha=0.35 if p is None else 0.4 + 0.6 * p, edgecolor="#0f172a", linewidth=0.6,
                gid="hand:" + ("" if who is None else who))
        if p is not None:
            ax.text(left + width, y, " " + _pct(p), va="center", ha="left", fontsize=7,
                    color="#475569", clip_on=True)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(["anonymous" if w is None else w for w in rows], fontsize=8)
    for label, who in zip(ax.get_yticklabels(), rows):
        label.set_color(ANON if who is None else colours.get(who, ANON))
        label.set_fontweight("bold")
    ax.set_ylim(max(len(rows), 5) - 0.5, -0.5)  # rows as thin as the page's, from the top
    ax.tick_params(labelbottom=False)
    return rows


def _draw_distances(ax, scene, colours, s):
    ax.set_title("candidates\u2019 distance to the shelf (m)", loc="left", fontsize=9,
                 color="#64748b")
    tracks = scene.tracks()
    if scene.ref is None or not tracks:
        ax.text(0.5, 0.5, "the shelf has no position: no distances" if scene.ref is None
                else "no track of a candidate in the window", transform=ax.transAxes,
                ha="center", va="center", color=MUTED)
        ax.set_yticks([])
        return tracks
    top = max([1.5] + [min(4.0, d) for t in tracks.values() for _, d in t])
    ax.axhline(REACH_M, color=MUTED, linestyle=(0, (3, 3)), linewidth=1, gid="reach")
    ax.text(0.005, REACH_M, "within reach", transform=ax.get_yaxis_transform(), va="bottom",
            fontsize=7, color=MUTED)
    for who, points in tracks.items():
        ax.plot([s(t) for t, _ in points], [d for _, d in points], color=colours.get(who, ANON),
                linewidth=1.8, marker="o" if len(points) == 1 else None, markersize=3,
                label=who, gid="track:" + who)
    ax.set_ylim(0, top * 1.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
              borderaxespad=0.3, handlelength=1.2)
    ax.set_ylabel("m")
    return tracks


def _draw_alternatives(ax, explain, colours, decided, products):
    alts = explain["alternatives"]
    ax.set_title("alternatives", loc="left", fontsize=9, color="#64748b")
    labels = []
    for i, a in enumerate(alts):
        who = a.get("shopper")
        colour = ANON if who is None else colours.get(who, ANON)
        ax.barh(i, a["p"], height=0.6, color=colour, gid="alternative:" + ("" if who is None
                                                                            else who))
        ax.text(a["p"] + 0.02, i, _pct(a["p"]), va="center", fontsize=8, color="#475569")
        text = ("nobody" if who is None else f"{who}: "
                + textwrap.shorten(_items_text(a.get("items", {}), products), 40))
        labels.append(("\u2713 " if i == decided else "") + textwrap.fill(text, 22))
    ax.set_yticks(range(len(alts)))
    ax.set_yticklabels(labels, fontsize=8)
    for i, label in enumerate(ax.get_yticklabels()):
        who = alts[i].get("shopper")
        label.set_color(ANON if who is None else colours.get(who, ANON))
        if i == decided:
            label.set_fontweight("bold")
    ax.set_xlim(0, 1.18)
    ax.set_xticks([0, 0.5, 1])
    ax.set_ylim(max(len(alts), 8) - 0.5, -0.5)  # bars as thin for 2 alternatives as for 8
    ax.set_xlabel("probability", fontsize=8)
    if not alts:
        ax.text(0.5, 0.5, "none", transform=ax.transAxes, ha="center", color=MUTED)


def plot_decision(explain=None, records=None, ax=None, window_s=5.0, *, decision=None,
                  output=None):
    """One decision's figure, as `retailfuse review`'s page draws it: returns the matplotlib
    Figure.

    explain: an explain record (a dict), from run_scenario(..., explain=True) or an Engine with
    set_explain() on; or None with decision=SEQ (the seq of any diff of the decision) and
    output=... (the run's output list, or its file) to find it. records: the scenario's records
    (a list of dicts, as read_scenario gives) or its file's path (read as a stream: only the
    lines naming the shelf, its plates or the candidates are parsed). output, when given, also
    says what was decided (the diffs) and whether it was flagged.

    Over the window [t0 - window_s, t1 + window_s] (widened to the hand visits weighed, with a
    second to spare; a minute more at most), time in seconds from the change's start, the
    change's span shaded across the three panels:

    - plates: each plate of the shelf that moved, in grams from the window's start: raw
      readings (`samples`) relative to the plate's first reading in the window, or the sum of
      its `delta` changes, each a ramp over its span; the plate under the change always, the
      others that did not move named "unchanged";
    - hand visits: every `hand` record on the shelf in the window, a row per shopper (the
      decided cart's first, then the alternatives', the candidates', anyone's; anonymous last),
      each bar as dark as the engine judged it likely to have made the change (its `p`, printed
      beside it; pale: not weighed);
    - distances: each candidate's distance in metres from the shelf's front at the change's `x`
      (the shelf's `pos` when it has no `dir`), a fix per 200 ms at most, from their last fix up
      to 30 s before the window; a dashed line at 0.8 m, within reach;

    and beside them the alternatives' probabilities as bars (the decided one ticked). A shopper's
    colour is the same in every panel. The axes are labelled "plates", "hands", "distances" and
    "alternatives" (Axes.get_label()).

    ax: None (a new Figure, no pyplot state), a Figure or SubFigure to draw in, or an Axes whose
    place in its figure is divided into the panels. ValueError for an argument that is not
    what it should be, naming it.

        out = retailfuse.run_scenario("busy/scenario.jsonl", explain=True)
        flagged = next(d["seq"] for d in out if d["type"] == "diff" and d["review"])
        fig = retailfuse.plot_decision(decision=flagged, output=out,
                                       records="busy/scenario.jsonl")
        fig.savefig("decision.png")       # or leave `fig` last in a notebook cell
    """
    if output is not None:
        output = _as_records(output, "output")
    explain = _find_explain(explain, decision, output)
    if records is None:
        raise ValueError("records: the scenario's records (a list of dicts, as read_scenario "
                         "gives) or its file's path are needed")
    if isinstance(window_s, bool) or not isinstance(window_s, (int, float)) \
            or not 0 <= window_s <= 60:
        raise ValueError(f"window_s: expected seconds from 0 to 60, got {window_s!r}")
    w0, w1 = _window(explain, window_s)
    scene = _Scene(explain, w0, w1)
    if isinstance(records, (str, bytes, os.PathLike)):
        scene.read(_Lines(os.fsdecode(records)))
    else:
        scene.read(_as_records(records, "records"))

    decided, index, diffs, flagged = _decided(explain, output)
    colours = _colours(explain, decided, scene.bars)
    root, container, panels = _panels(ax)
    t0, t1, shelf = explain["t0"], explain["t1"], explain["shelf"]

    def s(t):
        return (t - t0) / 1e6

    candidates = {c.get("shopper") for c in explain["candidates"]}
    for name in ("plates", "hands", "distances"):
        panels[name].axvspan(0.0, max(s(t1), 0.02), color=SPAN, alpha=0.45, linewidth=0,
                             zorder=0.5, gid="span")
    _draw_plates(panels["plates"], scene, s, shelf)
    _draw_hands(panels["hands"], scene, colours, s, shelf, candidates)
    _draw_distances(panels["distances"], scene, colours, s)
    _draw_alternatives(panels["alternatives"], explain, colours, index, scene.products)
    panels["plates"].set_xlim(s(w0), s(w1))
    panels["distances"].set_xlabel(
        f"time from the change\u2019s start, s ({_clock(t0)})", fontsize=9)

    who = " + ".join(_who(c) for c in decided) if decided else "nobody"
    if index >= 0:
        who += f" ({_pct(explain['alternatives'][index]['p'])})"
    head = []
    if explain["diffs"]:
        head.append(f"decision {explain['diffs'][0]}")
    head.append(f"shelf {shelf}")
    if "event" in explain:
        head.append(f"change {explain['event']}")
    read = explain.get("how", "")
    if "total" in explain:
        read += f", {explain['total']:+.1f} g".replace("-", "\u2212")
    if explain.get("x") is not None:
        read += f" at {explain['x']:.2f} m"
    head += [read.strip(", "), f"decided: {who}"]
    if flagged:
        head.append("flagged")
    container.suptitle(" \u00b7 ".join(h for h in head if h), fontsize=10, x=0.01,
                       horizontalalignment="left")
    return root
