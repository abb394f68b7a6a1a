#!/usr/bin/env python3
"""The service's HTTP port (issue 16): /healthz, /metrics in the Prometheus text format with
counts that match what was fed, /carts/<shopper> equal to the sum of the diffs a subscriber got
for that shopper, and the errors (404, 405). Only the standard library; every wait is bounded.
  serve_http.py RETAILFUSE WORKDIR
"""
import json
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
    print("ok")


main()
