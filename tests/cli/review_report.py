#!/usr/bin/python3
"""retailfuse review on a hand-written scenario and output (tests/data/review_*.jsonl): the
report's embedded JSON, value by value — which decisions, their order by stake, windows, the
plate readings bucketed, the deltas as steps, hand visits with the engine's weights, the
candidates' distances —, what is said on stdout and stderr, the page fetching nothing, --all,
--window, and deciding again when the output has no explanations.

usage: review_report.py RETAILFUSE DATADIR WORKDIR"""
import json
import os
import re
import shutil
import subprocess
import sys

FAILED = []


def check(cond, message):
    if not cond:
        FAILED.append(message)
        print(f"FAIL: {message}", file=sys.stderr)


def review(cli, *args):
    return subprocess.run([cli, "review", *args], capture_output=True, text=True, timeout=120)


def blob(html_path):
    with open(html_path, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r'<script type="application/json" id="rf-data">(.*?)</script>', html, re.S)
    return html, json.loads(m.group(1))


def main():
    cli, data, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    scenario = os.path.join(data, "review_scenario.jsonl")
    output = os.path.join(data, "review_output.jsonl")
    page = os.path.join(work, "report.html")

    r = review(cli, scenario, output, "--html", page)
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    check(re.fullmatch(re.escape(page) + r": 3 decisions \(3 flagged\) of 6 changes decided, [0-9.]+ kB\n",
                       r.stdout), f"stdout {r.stdout!r}")
    want_err = [f"{output}: line 11: malformed JSON near column 21",
                f"{scenario}: line 23: hand: field 't0': expected an integer (microseconds), got a string",
                f"{output}: 1 line set aside (not read)",
                f"{scenario}: 1 line set aside (not read)",
                f"{output}: 1 explanation names diffs the file does not hold: left out"]
    check(r.stderr.splitlines() == want_err, f"stderr {r.stderr!r}")

    html, d = blob(page)
    # self-contained: nothing to fetch; ids and names cannot end the script element
    for pattern in (r"<script[^>]*\ssrc=", r"<link", r"<img", r"@import", r"url\(", r"https://",
                    r"http://(?!www\.w3\.org/2000/svg)"):
        check(not re.search(pattern, html), f"the page has {pattern}")
    check("Soap </script>" not in html and d["products"]["Y"] == ["Soap </script>", 100],
          "a product's name is escaped in the JSON")
    top = {k: v for k, v in d.items() if k not in ("decisions", "key")}
    check(top == {"v": 1, "scenario": scenario, "output": output, "all": 0, "window_s": 5,
                  "changes": 6, "flagged": 3, "buckets": 100,
                  "products": {"X": ["Tea", 300], "Y": ["Soap </script>", 100]}}, f"top {top}")
    check(re.fullmatch(r"[0-9a-f]{16}", d["key"]), f"key {d['key']}")
    ds = d["decisions"]
    # by what is at stake: the split (1 - 0.5) x 2 items, then (1 - 0.7) x 2, then the take the
    # engine corrected since with confidence 0.9: (1 - 0.9) x 1
    check([(x["n"], x["seq"], x["event"], x["stake"], x["wrong"], x["items"]) for x in ds] ==
          [(1, 3, 3, 1, 0.5, 2), (2, 1, 1, 0.6, 0.3, 2), (3, 0, 0, 0.1, 0.1, 1)],
          f"order {[(x['seq'], x['stake']) for x in ds]}")
    split, b, a = ds
    # the split: no one cart accepts it; shelf A has no readings in its window
    check(split["accept"] is None and split["dec"] == -1 and split["line"] == 9, "split accept")
    check((split["w0"], split["w"], split["t0"], split["t1"]) == (45000000, 10800, 5000, 5800),
          f"split window {split['w0'], split['w'], split['t0'], split['t1']}")
    check(split["plates"] == [] and split["still"] == [], f"split plates {split['plates']}")
    check(split["bars"] == [["S1", 4500, 5900, 0.2, 0.5], ["S2", 4800, 6000, 0.3, 0.5]],
          f"split bars {split['bars']}")
    # S1's fix at 48 s, 0.43 m from the front point at x = 0.25 m; S2 has none within 30 s
    check(split["tracks"] == [["S1", [3000, 0.43]], ["S2", []]], f"split tracks {split['tracks']}")
    # shelf B: deltas as steps, a 3 g wobble then the take; no position, so no distances
    check(b["accept"] == ["S2", {"Y": 2}] and b["dec"] == 0, "b accept")
    check((b["w0"], b["w"], b["t0"], b["t1"]) == (25000000, 10500, 5000, 5500), "b window")
    check(b["plates"] == [{"id": "B1", "x0": 0, "x1": 0.4, "sku": "Y",
                           "d": [0, 0, 2000, 0, 2200, 3, 5000, 3, 5500, -197.4, 10500, -197.4]}],
          f"b plates {b['plates']}")
    check(b["ref"] == 0 and b["tracks"] == [["S2", []], ["S3", []]], f"b tracks {b['tracks']}")
    check(b["bars"] == [["S2", 4900, 5600, 0.2, 0.9]], f"b bars {b['bars']}")
    # decision 0: raw readings of A1 (10 Hz) in 100 buckets of 110 ms, from the first reading
    # in the window (1000 g at 5.0 s); A2 did not move
    check((a["w0"], a["w"], a["t0"], a["t1"]) == (5000000, 11000, 5000, 6000), "a window")
    # accepting it is the carts as they are: S2's since the correction (S1's undid it)
    check(a["accept"] == ["S2", {"X": 1}] and a["dec"] == 1, "a accept")
    check(a["diffs"] == [[0, "S1", "X", 1, 0.6, 1]], f"a diffs {a['diffs']}")
    check(a["later"] == [[5, "S1", "X", -1, 0.9, 0, 0, None], [6, "S2", "X", 1, 0.9, 0, 0, None]],
          f"a later {a['later']}")
    check(a["alts"] == [["S1", {"X": 1}, 0.6, [-3.1, -0.4, -0.22, -1.1, -0.02, -0.5]],
                        ["S2", {"X": 1}, 0.3, [-3.1, -0.4, -0.22, -1.1, -0.02, -0.5]],
                        [None, {}, 0.1, None]], f"a alts {a['alts']}")
    check(a["cands"] == [["S1", 0.6, 0.42], ["S2", 0.3, 1.56]], f"a cands {a['cands']}")
    check(a["still"] == ["A2"] and [p["id"] for p in a["plates"]] == ["A1"], "a plates")
    s = a["plates"][0]["s"]
    check(len(s) == 1 + 2 * 100 and s[0] == 0, f"a buckets {len(s)}")
    check(s[1:3] == [0, 0.5] and s[-2:] == [-300, -299.5], f"a first and last bucket {s[1:3]} {s[-2:]}")
    check(s[1 + 2 * 49:3 + 2 * 49] == [-149.5, -120], f"a bucket 49 {s[99:101]}")
    # hand visits on A in the window, by start; the engine's weights where it weighed them
    check(a["bars"] == [["S1", 4800, 6200, 0.3, 0.6], [None, 5200, 5900, 0.35, 0.2],
                        ["S2", 7000, 7500, 0.7, None]], f"a bars {a['bars']}")
    # distances to (0.8, 0.5): S1 at 9 s and 10 s (10.1 s within the same 200 ms); S2's fix at
    # 2 s, before the window, then 10 s
    check(a["tracks"] == [["S1", [4000, 0.57, 5000, 0.42]], ["S2", [-3000, 1.72, 5000, 1.56]]],
          f"a tracks {a['tracks']}")

    # --all: the unflagged decision too (stake 0.05); the one that moved nothing is not
    r = review(cli, scenario, output, "--html", page, "--all")
    check(r.returncode == 0 and " 4 decisions (3 flagged) of 6 changes decided, " in r.stdout,
          f"--all: {r.stdout!r}")
    _, d = blob(page)
    check([(x["seq"], x["flag"]) for x in d["decisions"]] == [(3, 1), (1, 1), (0, 1), (2, 0)],
          "--all order")
    check(d["all"] == 1, "--all in the data")

    # --window 2: decision 0 from 8 s (its hands widen nothing) to 13 s
    r = review(cli, scenario, output, "--html", page, "--window", "2")
    _, d = blob(page)
    a = d["decisions"][2]
    check((a["w0"], a["w"], a["t0"], a["t1"], d["window_s"]) == (8000000, 5000, 2000, 3000, 2),
          f"--window 2: {a['w0'], a['w'], a['t0'], a['t1']}")
    check(a["tracks"] == [["S1", [1000, 0.57, 2000, 0.42]], ["S2", [-6000, 1.72, 2000, 1.56]]],
          f"--window 2 tracks {a['tracks']}")

    # an output without explanations: the scenario is decided again
    bare = os.path.join(work, "bare.jsonl")
    with open(bare, "w") as f:
        f.write('{"type":"receipt","t":1,"shopper":"S1","items":{},"review":false}\n')
    r = review(cli, scenario, bare, "--html", page)
    check(r.returncode == 0, f"deciding again: exit {r.returncode} {r.stderr}")
    check(f"{bare} has no explanations (retailfuse run --explain): deciding {scenario} again "
          "with default parameters\n" in r.stderr, f"deciding again: {r.stderr!r}")
    check(re.fullmatch(re.escape(page) + r": \d+ decisions? \(\d+ flagged\) of \d+ changes decided, "
                       r"[0-9.]+ kB\n", r.stdout), f"deciding again: {r.stdout!r}")

    # nothing flagged: a page that says so
    quiet = os.path.join(work, "quiet.jsonl")
    with open(output) as src, open(quiet, "w") as f:
        f.writelines(line for line in src.read().splitlines(True)[4:6])
    r = review(cli, scenario, quiet, "--html", page)
    check(r.returncode == 0 and " 0 decisions (0 flagged) of 1 changes decided, " in r.stdout,
          f"nothing flagged: {r.stdout!r}")
    html, d = blob(page)
    check(d["decisions"] == [] and "none was flagged" in html, "nothing flagged: the page")

    # files that cannot be read
    r = review(cli, scenario, os.path.join(work, "none.jsonl"), "--html", page)
    check(r.returncode == 1 and r.stderr.endswith(
        f"retailfuse: review: cannot open '{os.path.join(work, 'none.jsonl')}': "
        "No such file or directory\n"), f"missing output: {r.stderr!r}")
    r = review(cli, scenario, output, "--html", os.path.join(work, "no", "dir", "r.html"))
    check(r.returncode == 1 and "review: cannot write '" in r.stderr, f"unwritable page: {r.stderr!r}")

    if FAILED:
        return 1
    print("review report: decisions, order, windows, readings, steps, hands, distances exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
