"""plot_decision: one decision's figure, checked value by value — the plates' lines (deltas as
ramps, raw readings relative to the window's first), the hand bars in seconds with the engine's
weights, the candidates' distances, the alternatives' probabilities, the shaded change, the
colours shared across panels — and its refusals."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import retailfuse  # noqa: E402
from retailfuse.plot import ANON, SHOPPER_COLOURS, _pct  # noqa: E402

S = 1_000_000
STORE = [
    {"type": "product", "sku": "111", "name": "Tea", "weight_g": 500.0, "weight_sd_g": 2.0},
    {"type": "product", "sku": "222", "weight_g": 300.0},
    {"type": "shelf", "shelf": "SH1", "noise_g": 1.0, "pos": [1.0, 1.0], "dir": [1, 0],
     "plates": [{"plate": "SH1P1", "x0": 0.0, "x1": 0.5},
                {"plate": "SH1P2", "x0": 0.5, "x1": 1.0}]},
    {"type": "shelf", "shelf": "SH2", "pos": [5.0, 1.0],
     "plates": [{"plate": "SH2P1", "x0": 0.0, "x1": 1.0}]},
    {"type": "facing", "shelf": "SH1", "sku": "111", "x0": 0.0, "x1": 0.5},
    {"type": "facing", "shelf": "SH1", "sku": "222", "x0": 0.5, "x1": 1.0},
    {"type": "facing", "shelf": "SH2", "sku": "222", "x0": 0.0, "x1": 1.0},
]
# A takes a Tea (SH1P1) over 11.2-11.8 s with a hand in; B reaches in later; an anonymous hand.
EVENTS = [
    {"type": "enter", "t": 0, "shopper": "A"},
    {"type": "enter", "t": 0, "shopper": "B"},
    {"type": "position", "t": 1 * S, "shopper": "A", "x": 0.75, "y": 3.0},   # not the latest
    {"type": "delta", "shelf": "SH1", "t0": 2 * S, "t1": 3 * S,              # before the window
     "plates": {"SH1P2": 300.2}},
    {"type": "position", "t": 5 * S, "shopper": "A", "x": 0.75, "y": 1.6},   # the last before
    {"type": "position", "t": 8 * S, "shopper": "A", "x": 0.75, "y": 1.5},
    {"type": "position", "t": 8_100_000, "shopper": "A", "x": 0.75, "y": 1.4},  # same 200 ms
    {"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 10_900_000, "t1": 12 * S, "x": 0.25},
    {"type": "position", "t": 11_400_000, "shopper": "B", "x": 1.2, "y": 1.0},
    {"type": "hand", "shelf": "SH1", "t0": 11_500_000, "t1": 12_500_000},
    {"type": "position", "t": 11_500_000, "shopper": "A", "x": 0.75, "y": 1.3},
    {"type": "delta", "shelf": "SH1", "t0": 11_200_000, "t1": 11_800_000,
     "plates": {"SH1P1": -500.3, "SH1P2": 0.2}},
    {"type": "hand", "shopper": "B", "shelf": "SH2", "t0": 12 * S, "t1": 13 * S},  # other shelf
    {"type": "hand", "shopper": "B", "shelf": "SH1", "t0": 14 * S, "t1": 14_500_000, "x": 0.8},
    {"type": "delta", "shelf": "SH1", "t0": 15 * S, "t1": 15_200_000, "plates": {"SH1P2": 0.3}},
    {"type": "position", "t": 16 * S, "shopper": "B", "x": 1.5, "y": 1.0},
    {"type": "position", "t": 30 * S, "shopper": "B", "x": 3.0, "y": 1.0},   # after the window
    {"type": "exit", "t": 40 * S, "shopper": "A"},
    {"type": "exit", "t": 40 * S, "shopper": "B"},
]


def panels(fig):
    axes = {ax.get_label(): ax for ax in fig.axes}
    assert list(axes) == ["plates", "hands", "distances", "alternatives"]
    return axes


def lines(ax):
    return {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}


def rgb(artist):
    return tuple(round(c, 4) for c in to_rgb(artist.get_facecolor()))


def colour(name):
    return tuple(round(c, 4) for c in to_rgb(name))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The scenario's file and what run_scenario(..., explain=True) wrote for it."""
    path = tmp_path_factory.mktemp("plot") / "scenario.jsonl"
    retailfuse.write_scenario(path, STORE + EVENTS)
    return path, retailfuse.run_scenario(path, explain=True)


@pytest.fixture(scope="module")
def explain(run):
    explains = [r for r in run[1] if r["type"] == "explain"]
    take = next(e for e in explains if e["t0"] == 11_200_000)
    assert take["shelf"] == "SH1" and take["t1"] == 11_800_000
    return take


def test_run_scenario_explains_only_when_asked(run):
    path, out = run
    assert not any(r["type"] == "explain" for r in retailfuse.run_scenario(path))
    kinds = [r["type"] for r in out]
    assert "explain" in kinds
    # each explain record follows its change's diffs
    for k, r in enumerate(out):
        if r["type"] == "explain" and r["diffs"]:
            assert out[k - 1]["type"] == "diff" and out[k - 1]["seq"] == r["diffs"][-1]
    assert not any(r["type"] == "explain"
                   for r in retailfuse.run_scenario(path, method="greedy", explain=True))


def test_the_figure_of_a_decision_from_deltas(run, explain):
    path, out = run
    diff = next(r for r in out if r["type"] == "diff" and r["seq"] == explain["diffs"][0])
    assert (diff["shopper"], diff["sku"], diff["qty"]) == ("A", "111", 1)
    fig = retailfuse.plot_decision(explain, retailfuse.read_scenario(path), output=out)
    assert isinstance(fig, Figure)
    ax = panels(fig)
    # the window: 5 s either side of the change, in seconds from its start
    assert ax["plates"].get_xlim() == pytest.approx((-5.0, 5.6))
    for name in ("hands", "distances"):
        assert ax[name].get_xlim() == ax["plates"].get_xlim()  # one time axis

    # plates: P1's deltas as a ramp from 0 at the window's start; the step before the window
    # is not in it; P2 moved by less than the noise allows: named unchanged
    plates = lines(ax["plates"])
    assert list(plates) == ["plate:SH1P1"]
    p1 = plates["plate:SH1P1"]
    assert list(p1.get_xdata()) == pytest.approx([-5.0, 0.0, 0.6, 5.6])
    assert list(p1.get_ydata()) == pytest.approx([0.0, 0.0, -500.3, -500.3])
    assert p1.get_label() == "P1 Tea"
    assert ax["plates"].get_title(loc="left") == \
        "plates of SH1 \u2014 g, change from start of window"
    assert ax["plates"].get_title(loc="right") == "unchanged: P2"

    # hand visits: A's row (the decided cart) first, then B's, anonymous last; the visit on
    # the other shelf is not there
    hands = ax["hands"]
    assert [t.get_text() for t in hands.get_yticklabels()] == ["A", "B", "anonymous"]
    bars = [p for p in hands.patches if (p.get_gid() or "").startswith("hand:")]
    got = [(b.get_gid(), round(b.get_x(), 6), round(b.get_width(), 6), b.get_y() + 0.35)
           for b in bars]
    assert got == [("hand:A", -0.3, 1.1, 0.0), ("hand:", 0.3, 1.0, 2.0),
                   ("hand:B", 2.8, 0.5, 1.0)]
    weighed = {(h["shopper"], h["t0"]): h["p"] for h in explain["hands"]}
    assert ("A", 10_900_000) in weighed
    for b, (who, t0) in zip(bars, [("A", 10_900_000), (None, 11_500_000), ("B", 14 * S)]):
        p = weighed.get((who, t0))
        assert b.get_alpha() == pytest.approx(0.35 if p is None else 0.4 + 0.6 * p)
    texts = [t.get_text() for t in hands.texts]
    assert texts[0] == " " + _pct(weighed[("A", 10_900_000)])

    # distances: from the shelf's front at the change's x (pos + dir * (x - width / 2)), the
    # last fix before the window first, one fix per 200 ms, none after the window
    ref = (1.0 + (explain["x"] - 0.5), 1.0)
    tracks = {k: v for k, v in lines(ax["distances"]).items() if k.startswith("track:")}
    assert set(tracks) == {"track:A", "track:B"}
    a, b = tracks["track:A"], tracks["track:B"]
    assert list(a.get_xdata()) == pytest.approx([-6.2, -3.2, 0.3])
    assert list(a.get_ydata()) == pytest.approx(
        [math.hypot(0.75 - ref[0], y - ref[1]) for y in (1.6, 1.5, 1.3)])
    assert list(b.get_xdata()) == pytest.approx([0.2, 4.8])
    assert list(b.get_ydata()) == pytest.approx([abs(1.2 - ref[0]), abs(1.5 - ref[0])])
    cands = {c["shopper"]: c for c in explain["candidates"]}
    assert cands["A"]["distance"] == pytest.approx(0.3, abs=0.11)  # the engine's, near ours
    reach = [line for line in ax["distances"].get_lines() if line.get_gid() == "reach"]
    assert len(reach) == 1 and list(reach[0].get_ydata()) == [0.8, 0.8]

    # the alternatives: bars as long as their probabilities, most probable first, the decided
    # one ticked
    alts = ax["alternatives"].patches
    assert [p.get_width() for p in alts] == [a["p"] for a in explain["alternatives"]]
    assert [p.get_gid() for p in alts] == \
        ["alternative:" + (a["shopper"] or "") for a in explain["alternatives"]]
    labels = [t.get_text() for t in ax["alternatives"].get_yticklabels()]
    assert labels[0] == "\u2713 A: 1 \u00d7 Tea"
    assert "nobody" in labels
    # one colour per shopper in every panel: A the first, B the second, anonymous and nobody grey
    assert rgb(bars[0]) == rgb(alts[0]) == colour(SHOPPER_COLOURS[0]) == \
        colour(a.get_color())
    assert rgb(bars[2]) == colour(SHOPPER_COLOURS[1]) == colour(b.get_color())
    assert rgb(bars[1]) == colour(ANON)
    assert rgb(alts[[x["shopper"] for x in explain["alternatives"]].index(None)]) == colour(ANON)

    # the change's span, shaded across the three time panels
    for name in ("plates", "hands", "distances"):
        spans = [p for p in ax[name].patches if p.get_gid() == "span"]
        assert len(spans) == 1
        xs = spans[0].get_xy()[:, 0]
        assert (xs.min(), xs.max()) == pytest.approx((0.0, 0.6))

    # the head: the decision, its shelf, what was decided and how sure
    head = " ".join(t.get_text() for t in fig.texts)
    assert head == (f"decision {diff['seq']} \u00b7 shelf SH1 \u00b7 change {explain['event']}"
                    f" \u00b7 whole, \u2212500.1 g at {explain['x']:.2f} m \u00b7 decided: A "
                    f"({_pct(explain['alternatives'][0]['p'])})" + (" \u00b7 flagged" if
                                                                   diff["review"] else ""))
    assert ax["distances"].get_xlabel() == "time from the change\u2019s start, s (00:00:11.2)"


def test_found_by_its_diff_and_read_from_the_file_alike(run, explain):
    """decision=SEQ with output= finds the explain record; the scenario's path (JSON Lines or
    protocol buffers, read as a stream) draws what its records draw."""
    path, out = run
    pb = path.with_suffix(".pb")
    retailfuse.write_scenario(pb, retailfuse.read_scenario(path))

    def data(fig):
        return [(ax.get_label(), [(l.get_gid(), list(l.get_xdata()), list(l.get_ydata()))
                                  for l in ax.get_lines()],
                 [(p.get_gid(), p.get_x() if hasattr(p, "get_x") else None,
                   p.get_width() if hasattr(p, "get_width") else None) for p in ax.patches],
                 [t.get_text() for t in ax.get_yticklabels()])
                for ax in fig.axes]

    first = data(retailfuse.plot_decision(explain, retailfuse.read_scenario(path)))
    assert data(retailfuse.plot_decision(explain, str(path))) == first
    assert data(retailfuse.plot_decision(explain, pb)) == first
    assert data(retailfuse.plot_decision(decision=explain["diffs"][0], output=out,
                                         records=path)) == first


def test_window_and_where_it_is_drawn(run, explain):
    path, out = run
    records = retailfuse.read_scenario(path)
    # a narrower window, widened to the hand visits weighed, with a second to spare
    fig = retailfuse.plot_decision(explain, records, window_s=0.5)
    hands = [h for h in explain["hands"]]
    w0 = min([explain["t0"] - 500_000] + [h["t0"] - S for h in hands])
    w1 = max([explain["t1"] + 500_000] + [h["t1"] + S for h in hands])
    assert panels(fig)["plates"].get_xlim() == pytest.approx(
        ((w0 - explain["t0"]) / S, (w1 - explain["t0"]) / S))
    # in a figure of one's own, and in an Axes' place
    mine = Figure()
    assert retailfuse.plot_decision(explain, records, ax=mine) is mine
    panels(mine)
    host = Figure(figsize=(12, 10))
    left, right = host.subplots(1, 2)
    assert retailfuse.plot_decision(explain, records, ax=right) is host
    assert left in host.axes and right not in host.axes
    assert [a.get_label() for a in host.subfigs[0].axes] == \
        ["plates", "hands", "distances", "alternatives"]
    png = path.parent / "decision.png"
    fig.savefig(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def ramp(t, at0, at1, before, after):
    """The level at t (µs) of a plate going from `before` to `after` over [at0, at1]."""
    if t <= at0:
        return before
    if t >= at1:
        return after
    return before + (after - before) * (t - at0) / (at1 - at0)


def test_the_figure_from_raw_readings():
    """60 Hz readings of both plates; P1 loses a Tea over 11.2-11.8 s. Its line is every
    reading in the window, relative to the window's first; P2 (readings within its noise) is
    named unchanged."""
    dt = 16_667
    records = [r for r in STORE if r["type"] == "product" or r.get("shelf") == "SH1"]
    events = [{"type": "enter", "t": 0, "shopper": "A"},
              {"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 11 * S, "t1": 12_100_000,
               "x": 0.25},
              {"type": "position", "t": 11 * S, "shopper": "A", "x": 0.5, "y": 1.5}]
    for second in range(30):
        t = second * S
        n = 60
        times = [t + i * dt for i in range(n)]
        wiggle = [0.4 * math.sin(0.7 * (second * n + i)) for i in range(n)]
        events.append({"type": "samples", "plate": "SH1P1", "t": t, "dt_us": dt,
                       "g": [round(ramp(u, 11_200_000, 11_800_000, 2000.0, 1500.0) + w, 2)
                             for u, w in zip(times, wiggle)]})
        events.append({"type": "samples", "plate": "SH1P2", "t": t, "dt_us": dt,
                       "g": [round(1200.0 - w, 2) for w in wiggle]})
    events.sort(key=lambda r: r.get("t", 0) + (len(r["g"]) - 1) * dt if "g" in r
                else r.get("t1", r.get("t")))
    engine = retailfuse.Engine(retailfuse.Store.from_records(records))
    engine.set_explain()
    engine.push_many(events)
    engine.finish()
    out = engine.output()
    explain = next(r for r in out if r["type"] == "explain" and r["diffs"])
    diff = next(r for r in out if r["type"] == "diff")
    assert (diff["shopper"], diff["sku"], diff["qty"]) == ("A", "111", 1)

    fig = retailfuse.plot_decision(explain, records + events, window_s=2.0, output=out)
    ax = panels(fig)
    w0 = min(explain["t0"] - 2 * S, explain["hands"][0]["t0"] - S)
    w1 = max(explain["t1"] + 2 * S, explain["hands"][0]["t1"] + S)
    every = [(r["t"] + i * dt, g) for r in events if r.get("plate") == "SH1P1"
             for i, g in enumerate(r["g"])]
    inside = [(t, g) for t, g in every if w0 <= t <= w1]
    plates = lines(ax["plates"])
    assert list(plates) == ["plate:SH1P1"]
    p1 = plates["plate:SH1P1"]
    assert np.array_equal(p1.get_xdata(), [(t - explain["t0"]) / S for t, _ in inside])
    assert np.allclose(p1.get_ydata(), [g - inside[0][1] for _, g in inside], atol=1e-9)
    assert p1.get_ydata()[-1] == pytest.approx(-500, abs=1.5)
    assert ax["plates"].get_title(loc="right") == "unchanged: P2"
    assert [t.get_text() for t in ax["hands"].get_yticklabels()] == ["A"]
    head = " ".join(t.get_text() for t in fig.texts)
    assert "shelf SH1" in head and "decided: A" in head


def test_a_shelf_without_position_or_readings(run, explain):
    """No pos: no distances, said so; no readings of the shelf in the window: said so."""
    path, out = run
    records = [dict(r, pos=None) if r.get("shelf") == "SH1" and r["type"] == "shelf" else r
               for r in retailfuse.read_scenario(path) if r["type"] != "delta"]
    records = [{k: v for k, v in r.items() if v is not None} for r in records]
    fig = retailfuse.plot_decision(explain, records)
    ax = panels(fig)
    assert not lines(ax["distances"])
    assert [t.get_text() for t in ax["distances"].texts] == \
        ["the shelf has no position: no distances"]
    assert not ax["plates"].get_lines()
    assert [t.get_text() for t in ax["plates"].texts] == ["no readings of this shelf in the window"]


def test_no_pyplot_and_matplotlib_only_when_drawing(run, explain):
    path, out = run
    code = ("import sys, json, retailfuse\n"
            "assert 'matplotlib' not in sys.modules\n"
            f"records = retailfuse.read_scenario({str(path)!r})\n"
            f"explain = json.loads({repr(__import__('json').dumps(explain))})\n"
            "fig = retailfuse.plot_decision(explain, records)\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n"
            "fig.savefig(sys.argv[1])\n")
    png = path.parent / "headless.png"
    env = dict(os.environ, MPLBACKEND="")
    env.pop("MPLBACKEND")
    subprocess.run([sys.executable, "-c", code, str(png)], check=True, env=env)
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("call,message", [
    (lambda e, r, o: retailfuse.plot_decision({"type": "diff", "seq": 0}, r),
     r"^explain: expected an explain record \(a dict with \"type\": \"explain\", as "
     r"run_scenario\(\.\.\., explain=True\) or Engine.set_explain\(\) write them\), "
     r"got a 'diff' record$"),
    (lambda e, r, o: retailfuse.plot_decision([e], r), r"got a list$"),
    (lambda e, r, o: retailfuse.plot_decision({k: v for k, v in e.items() if k != "hands"}, r),
     r"^explain: field 'hands' is missing$"),
    (lambda e, r, o: retailfuse.plot_decision(dict(e, t0="soon"), r),
     r"^explain: field 't0': expected int, got str$"),
    (lambda e, r, o: retailfuse.plot_decision(decision=0, records=r),
     r"^decision=SEQ needs output=\.\.\."),
    (lambda e, r, o: retailfuse.plot_decision(records=r),
     r"^plot_decision needs an explain record, or decision=SEQ"),
    (lambda e, r, o: retailfuse.plot_decision(decision=999, output=o, records=r),
     r"^output: no explain record names diff 999$"),
    (lambda e, r, o: retailfuse.plot_decision(
        decision=0, output=[x for x in o if x["type"] != "explain"], records=r),
     r"^output holds no explain record: run with explanations on"),
    (lambda e, r, o: retailfuse.plot_decision(e, None),
     r"^records: the scenario's records \(a list of dicts"),
    (lambda e, r, o: retailfuse.plot_decision(e, r[1]), r"^records: expected a list of records"),
    (lambda e, r, o: retailfuse.plot_decision(e, [x for x in r if x.get("shelf") != "SH1"]),
     r"^records: no shelf 'SH1' \(the scenario's store records, before its events, are needed\)$"),
    (lambda e, r, o: retailfuse.plot_decision(e, r, window_s=-1),
     r"^window_s: expected seconds from 0 to 60, got -1$"),
    (lambda e, r, o: retailfuse.plot_decision(e, r, ax="top"),
     r"^ax: expected None, a matplotlib Figure or SubFigure, or an Axes, got a str$"),
])
def test_refusals_say_what_is_wrong(run, explain, call, message):
    path, out = run
    with pytest.raises(ValueError, match=message):
        call(explain, retailfuse.read_scenario(path), out)
