#!/usr/bin/env python3
"""The service's HTTP port (issue 16): /healthz, /metrics in the Prometheus text format with
counts that match what was fed, /carts/<shopper> equal to the sum of the diffs a subscriber got
for that shopper, and the errors (404, 405). GET /calibration (issue 17): 404 before the day's
first event, then every plate's gain and every product's weight of the store; a service given
--calibration-seed (a file of `retailfuse run --calibration`) starts from it; each day starts from
the day before's end values (the day's values those of `retailfuse run` on the same records,
their sd at least half of GAIN_SD / WEIGHT_SD), and a restart on the journal gives the same
calibration, byte for byte; a seed file that does not read stops serve (exit 1, naming it). Only
the standard library; every wait is bounded.
  serve_http.py RETAILFUSE WORKDIR
"""
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

RF, WORK = sys.argv[1], sys.argv[2]


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def metric(text, name, labels=""):
    m = re.search("^" + re.escape(name + labels) + r" (\S+)$", text, re.M)
    if m is None:
        fail(f"no {name}{labels} in the metrics:\n{text}")
    return float(m.group(1))


def run(args, **kw):
    """A retailfuse command that must succeed, bounded in time."""
    r = subprocess.run([RF] + args, capture_output=True, text=True, timeout=60, **kw)
    if r.returncode != 0:
        fail(f"retailfuse {' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r


def serve(args, name):
    """`retailfuse serve ARGS` started; its process and the addresses it printed (bounded)."""
    outp = os.path.join(WORK, name + ".out")
    proc = subprocess.Popen([RF, "serve"] + args, stdout=open(outp, "w"),
                            stderr=open(os.path.join(WORK, name + ".err"), "w"))
    deadline = time.time() + 10
    while not open(outp).read().endswith("\n"):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            proc.wait(timeout=10)
            fail(f"{name}: serve printed no addresses: "
                 + open(os.path.join(WORK, name + ".err")).read())
        time.sleep(0.05)
    return proc, open(outp).read().split()


def stop(proc, name):
    """SIGTERM, and serve exits 0 (bounded)."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        fail(f"{name}: serve did not stop on SIGTERM")
    if proc.returncode != 0:
        fail(f"{name}: serve exited {proc.returncode}")


def feed_to(addr, path, *more):
    """`retailfuse feed PATH --to ADDR`, acknowledged in full (bounded)."""
    return run(["feed", path, "--to", addr, "--timeout", "20"] + list(more))


def calibration(http, what):
    """GET /calibration: 200 with JSON; the body and its parse."""
    status, ctype, body = get(http + "/calibration")
    if status != 200 or ctype != "application/json":
        fail(f"{what}: GET /calibration: {status} {ctype} {body!r}")
    try:
        return body, json.loads(body)
    except ValueError as e:
        fail(f"{what}: GET /calibration is not JSON ({e}): {body!r}")


def store_ids(lines):
    """The store's plates (shelf by shelf) and products, in the file's order."""
    plates, skus = [], []
    for line in lines:
        r = json.loads(line)
        if r["type"] == "shelf":
            plates += [p["plate"] for p in r["plates"]]
        elif r["type"] == "product":
            skus.append(r["sku"])
    return plates, skus


def near(a, b, tol):
    return isinstance(a, (int, float)) and math.isfinite(a) and abs(a - b) <= tol


# A file of `run --calibration` prints gains and their sd with 7 decimals, grams with 4: a value
# read back from it is within half a unit of the last place (and a little for the float).
GAIN_TOL, GRAM_TOL = 5e-8 + 1e-12, 5e-5 + 1e-9


def check_store_shape(cal, plates, skus, what):
    """cal lists every plate of the store and every product, in the store's order, with finite
    numbers, each field the format names."""
    if [p.get("plate") for p in cal.get("plates", [])] != plates:
        fail(f"{what}: the plates listed are not the store's {len(plates)}: {cal.get('plates')}")
    if [p.get("sku") for p in cal.get("products", [])] != skus:
        fail(f"{what}: the products listed are not the store's {len(skus)}: "
             f"{cal.get('products')}")
    for p in cal["plates"]:
        if sorted(p) != ["evidence", "gain", "plate", "prior", "sd"]:
            fail(f"{what}: a plate's fields: {p}")
    for p in cal["products"]:
        if sorted(p) != ["evidence", "prior_g", "sd_g", "sku", "weight_g"]:
            fail(f"{what}: a product's fields: {p}")
    for p in cal["plates"] + cal["products"]:
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for k, v in p.items()
                   if k not in ("plate", "sku")):
            fail(f"{what}: not finite: {p}")


def check_first_calibration(http, lines):
    """Half a day of busy, no seeds: the store's plates and products; gains near 1 and started
    from 1, weights started from the catalogue's; something learned already."""
    _, cal = calibration(http, "half a day")
    plates, skus = store_ids(lines)
    check_store_shape(cal, plates, skus, "half a day")
    catalog = {r["sku"]: r["weight_g"] for r in map(json.loads, lines)
               if r["type"] == "product"}
    for p in cal["plates"]:
        if not (abs(p["gain"] - 1) < 0.05 and 0 < p["sd"] < 0.05 and p["prior"] == 1.0
                and p["evidence"] >= 0):
            fail(f"half a day: a plate unseeded: {p}")
    for p in cal["products"]:
        w = catalog[p["sku"]]
        if not (abs(p["weight_g"] / w - 1) < 0.1 and 0 < p["sd_g"] < 0.1 * w
                and p["prior_g"] == w and p["evidence"] >= 0):
            fail(f"half a day: a product unseeded (catalogue {w} g): {p}")
    if not any(p["evidence"] > 0 for p in cal["plates"]):
        fail("half a day: no plate has any evidence")
    if not any(p["evidence"] > 0 for p in cal["products"]):
        fail("half a day: no product has any evidence")
    if not any(p["gain"] != 1.0 for p in cal["plates"]):
        fail("half a day: every gain is still 1")
    if get(http + "/calibration", method="POST")[0] != 405:
        fail("POST /calibration is not 405")
    if get(http + "/calibration/x")[0] != 404:
        fail("/calibration/x is not 404")


def seeded_days(scenario, lines):
    """Two days of a service given --calibration-seed and a journal: day 1 starts from the seed
    file, day 2 from day 1's end values, a restart gives day 2's calibration again."""
    plates, skus = store_ids(lines)
    store = [x for x in lines if json.loads(x)["type"] in ("product", "shelf", "facing")]
    if lines[: len(store)] != store:
        fail("the scenario's store is not its first lines")
    events = lines[len(store):]
    half = os.path.join(WORK, "half.jsonl")  # the store and the first half of the events
    open(half, "w").writelines(store + events[: len(events) // 2])
    first = os.path.join(WORK, "first.jsonl")  # the store and the first three events
    open(first, "w").writelines(store + events[:3])
    # The seeds: what a day of run learned. Day 1 with them: a run seeded so (the service's day
    # is run's on the same records; feed_watch asserts it for the output). GAIN_SD=0.02: the
    # carried sd's floor, 0.01, is above what a day leaves a plate, so it is seen at work.
    seeds, day1 = os.path.join(WORK, "seeds.json"), os.path.join(WORK, "day1.json")
    run(["run", scenario, "-o", os.devnull, "--calibration", seeds])
    run(["run", scenario, "-o", os.devnull, "--param", "GAIN_SD=0.02", "--calibration-seed",
         seeds, "--calibration", day1])
    seed, end1 = json.load(open(seeds)), json.load(open(day1))
    if not any(abs(p["gain"] - 1) > 1e-5 for p in seed["plates"]):
        fail("the seed file's gains are all 1: seeding would not show")
    if not any(p["sd"] < 0.01 for p in end1["plates"]):
        fail("no plate ends day 1 within 0.01: the sd floor would not show")
    if not any(p["sd_g"] < 0.01 * p["prior_g"] for p in end1["products"]):
        fail("no product ends day 1 within 1 %: the sd floor would not show")

    journal = os.path.join(WORK, "seeded.journal")
    args = ["--store", scenario, "--listen", "tcp://127.0.0.1:0", "--http", "tcp://127.0.0.1:0",
            "--idle", "-1", "--journal", journal, "--param", "GAIN_SD=0.02",
            "--calibration-seed", seeds]
    proc, (addr, http) = serve(args, "seeded")
    try:
        status, _, body = get(http + "/calibration")
        if status != 404:
            fail(f"seeded, before any event: GET /calibration {status} {body!r}")

        # Day 1, half of it: every plate's prior is the seed file's gain, every product's its
        # weight_g.
        feed_to(addr, half)
        _, cal = calibration(http, "day 1")
        check_store_shape(cal, plates, skus, "day 1")
        for p, s in zip(cal["plates"], seed["plates"]):
            if not near(p["prior"], s["gain"], GAIN_TOL):
                fail(f"day 1: plate {p['plate']}'s prior is {p['prior']}, seeded {s['gain']}")
        for p, s in zip(cal["products"], seed["products"]):
            if not near(p["prior_g"], s["weight_g"], GRAM_TOL):
                fail(f"day 1: {p['sku']}'s prior_g is {p['prior_g']}, seeded {s['weight_g']}")
        if not any(p["evidence"] > 0 for p in cal["plates"]):
            fail("day 1: half a day and no evidence")

        # The rest of day 1 (the first half comes back a duplicate), and its end.
        r = feed_to(addr, scenario, "--finish")
        if "the day finished" not in r.stderr:
            fail("day 1's feed: " + r.stderr)
        status, _, body = get(http + "/calibration")
        if (status, body) != (404, "no day has begun\n"):
            fail(f"between the days: GET /calibration {status} {body!r}")

        # Day 2's first events (nothing decided yet): every scale where day 1 ended — run's end
        # values — its sd at least half GAIN_SD (0.01) or half WEIGHT_SD (1 % of its weight).
        feed_to(addr, first)
        _, cal = calibration(http, "day 2's start")
        check_store_shape(cal, plates, skus, "day 2's start")
        for p, e in zip(cal["plates"], end1["plates"]):
            sd = max(e["sd"], 0.01)
            if not (near(p["prior"], e["gain"], GAIN_TOL) and near(p["gain"], e["gain"], GAIN_TOL)
                    and near(p["sd"], sd, GAIN_TOL) and p["evidence"] == 0):
                fail(f"day 2's start: {p}; day 1 ended with {e}, so the prior {e['gain']} "
                     f"within {sd}, no evidence")
        for p, e in zip(cal["products"], end1["products"]):
            # 1 % of the weight: of the day's prior (as built) or of the catalogue's, either
            # reads "half WEIGHT_SD"
            sds = [max(e["sd_g"], 0.01 * e["prior_g"]), max(e["sd_g"], 0.01 * e["catalog_g"])]
            if not (near(p["prior_g"], e["weight_g"], GRAM_TOL)
                    and near(p["weight_g"], e["weight_g"], GRAM_TOL)
                    and any(near(p["sd_g"], sd, 2 * GRAM_TOL) for sd in sds)
                    and p["evidence"] == 0):
                fail(f"day 2's start: {p}; day 1 ended with {e}, so the prior "
                     f"{e['weight_g']} g within {sds[0]} g, no evidence")

        # Half of day 2, learning from there; then killed and started again on the journal.
        feed_to(addr, half)
        before, cal = calibration(http, "day 2")
        for p, e in zip(cal["plates"], end1["plates"]):
            if not near(p["prior"], e["gain"], GAIN_TOL):
                fail(f"day 2: plate {p['plate']}'s prior is {p['prior']}, day 1 ended {e['gain']}")
        if not any(p["evidence"] > 0 for p in cal["plates"]):
            fail("day 2: half a day and no evidence")
    finally:
        if proc.poll() is None:
            stop(proc, "seeded")
    proc, (addr, http) = serve(args, "seeded-again")
    try:
        after, _ = calibration(http, "day 2, restarted")
        if after != before:
            at = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b),
                      min(len(before), len(after)))
            fail(f"restarted on the journal, GET /calibration differs at byte {at}: "
                 f"{before[max(0, at - 80):at + 80]!r} became {after[max(0, at - 80):at + 80]!r}")
    finally:
        stop(proc, "seeded-again")


def bad_seed_files(scenario):
    """A seed file that does not read: serve exits 1 before listening, naming the file."""
    cases = {
        "truncated.json": '{"plates": [{"plate":"G1S1P1","gain":1.0',
        "no_gain.json": '{"plates": [{"plate":"G1S1P1","sd":0.01}], "products": []}',
        "array.json": '[{"plate":"G1S1P1","gain":1.0}]',
        "not_a_list.json": '{"plates": 3, "products": []}',
        "missing.json": None,
    }
    wrong = []
    for name, text in cases.items():
        path = os.path.join(WORK, name)
        if text is not None:
            open(path, "w").write(text)
        outp, errp = os.path.join(WORK, "bad.out"), os.path.join(WORK, "bad.err")
        proc = subprocess.Popen([RF, "serve", "--store", scenario, "--listen", "tcp://127.0.0.1:0",
                                 "--http", "tcp://127.0.0.1:0", "--idle", "-1",
                                 "--calibration-seed", path], stdout=open(outp, "w"),
                                stderr=open(errp, "w"))
        deadline = time.time() + 10
        while proc.poll() is None and not open(outp).read() and time.time() < deadline:
            time.sleep(0.02)
        if proc.poll() is None:  # it started (printed its addresses), or hangs
            proc.kill()
            proc.wait(timeout=10)
            wrong.append(f"{name}: serve started: {open(outp).read()!r}")
            continue
        out, err = open(outp).read(), open(errp).read()
        if proc.returncode != 1 or out != "" or f"'{path}'" not in err \
                or not err.startswith("retailfuse serve: --calibration-seed: "):
            wrong.append(f"{name}: exit {proc.returncode}, out {out!r}, err {err!r}")
    if wrong:
        fail("a seed file that does not read (serve must exit 1 naming it):\n  "
             + "\n  ".join(wrong))


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    subprocess.run([RF, "sim", "--preset", "busy", "--seed", "4", "--out",
                    os.path.join(WORK, "sim")], check=True, stdout=subprocess.DEVNULL)
    scenario = os.path.join(WORK, "sim", "scenario.jsonl")
    lines = open(scenario).read().splitlines(keepends=True)
    part = os.path.join(WORK, "part.jsonl")  # the first half of the day: shoppers in the store
    open(part, "w").writelines(lines[: len(lines) // 2])
    out = open(os.path.join(WORK, "serve.out"), "w")
    proc = subprocess.Popen([RF, "serve", "--store", scenario, "--listen", "tcp://127.0.0.1:0",
                             "--http", "tcp://127.0.0.1:0", "--idle", "-1"], stdout=out,
                            stderr=open(os.path.join(WORK, "serve.err"), "w"))
    try:
        deadline = time.time() + 10
        while not open(os.path.join(WORK, "serve.out")).read().endswith("\n"):
            if time.time() > deadline:
                fail("serve printed no addresses")
            time.sleep(0.05)
        addr, http = open(os.path.join(WORK, "serve.out")).read().split()
        if not re.fullmatch(r"http://127\.0\.0\.1:\d+", http):
            fail(f"serve printed {http!r} for its HTTP port")
        if get(http + "/healthz")[::2] != (200, "ok\n"):
            fail("/healthz: " + repr(get(http + "/healthz")))
        # No event yet, no engine: no calibration to show.
        status, _, body = get(http + "/calibration")
        if (status, body) != (404, "no day has begun\n"):
            fail(f"GET /calibration before any event: {status} {body!r}")

        feed = subprocess.run([RF, "feed", part, "--to", addr], capture_output=True, text=True,
                              timeout=60)
        if feed.returncode != 0:
            fail("feed: " + feed.stderr)
        watched = os.path.join(WORK, "watched.jsonl")
        watch = subprocess.Popen([RF, "watch", addr, "-o", watched], stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # everything fed is published: the watch has it all by now
        watch.terminate()
        watch.wait(timeout=10)

        status, ctype, text = get(http + "/metrics")
        if status != 200 or not ctype.startswith("text/plain; version=0.0.4"):
            fail(f"/metrics: {status} {ctype}")
        events = [json.loads(x) for x in lines[: len(lines) // 2]]
        by_kind = {"shelves": ("delta", "samples"), "cameras": ("hand",),
                   "tracker": ("enter", "exit", "link", "position")}
        for source, kinds in by_kind.items():
            want = sum(1 for e in events if e["type"] in kinds)
            got = metric(text, "retailfuse_records_total", f'{{source="{source}"}}')
            if got != want:
                fail(f"records_total for {source}: {got}, fed {want}")
        diffs = [json.loads(x) for x in open(watched) if '"type":"diff"' in x]
        if metric(text, "retailfuse_event_to_diff_seconds_count") != len(diffs):
            fail(f"the latency histogram counts other than the {len(diffs)} diffs")
        if metric(text, "retailfuse_outputs_published_total") < len(diffs):
            fail("fewer outputs published than diffs watched")
        for name in ("retailfuse_journal_sync_seconds_count", "retailfuse_connections_total"):
            metric(text, name)
        if not re.search(r'^retailfuse_watermark_lag_seconds\{source="tracker"\} ', text, re.M):
            fail("no watermark lag for the tracker")

        # A cart is the sum of its diffs so far.
        shopper = diffs[-1]["shopper"]
        want = {}
        for d in diffs:
            if d["shopper"] == shopper:
                want[d["sku"]] = want.get(d["sku"], 0) + d["qty"]
        status, ctype, body = get(http + "/carts/" + shopper)
        if status != 200 or ctype != "application/json":
            fail(f"/carts/{shopper}: {status} {ctype} {body}")
        cart = json.loads(body)
        got = {i["sku"]: i["qty"] for i in cart["items"]}
        if cart["shopper"] != shopper or got != {k: v for k, v in want.items() if v}:
            fail(f"/carts/{shopper} is {cart}, its diffs sum to {want}")

        if get(http + "/carts/nobody")[0] != 404:
            fail("/carts/nobody is not 404")
        if get(http + "/nothing")[0] != 404:
            fail("/nothing is not 404")
        if get(http + "/metrics", method="POST")[0] != 405:
            fail("POST /metrics is not 405")
        check_first_calibration(http, lines)
        # A client that opens the HTTP port and says nothing does not keep the service from
        # stopping (it did: SIGTERM left the process running).
        host, port = http[len("http://"):].rsplit(":", 1)
        idle = socket.create_connection((host, int(port)), timeout=10)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail("serve did not stop on SIGTERM with an HTTP client connected")
    if proc.returncode != 0:
        fail(f"serve exited {proc.returncode}")
    seeded_days(scenario, lines)
    bad_seed_files(scenario)
    print("ok")


main()
