#!/usr/bin/python3
"""A verdict round trip through the command line: a busy store is run with --explain; for every
flagged decision a reviewer picks another alternative (another shopper's, or nobody's); the
verdicts go back in with run --reviews; each amended receipt must be exactly the receipt the
reviewer's choices make, and a verdict that would take a cart below zero is set aside.

usage: review_round_trip.py RETAILFUSE WORKDIR
"""
import json
import os
import subprocess
import sys


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {done.returncode}\n{done.stderr}")
    return done


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def choose(explain, diffs):
    """The decided cart and items, and the reviewer's other choice, or None."""
    made = [diffs[s] for s in explain["diffs"]]
    carts = {d["shopper"] for d in made}
    if explain["how"] != "whole" or len(carts) != 1:
        return None
    decided = carts.pop()
    items = {}
    for d in made:
        items[d["sku"]] = items.get(d["sku"], 0) + d["qty"]
    for alt in explain["alternatives"]:
        if alt["shopper"] != decided:
            return decided, items, alt["shopper"], alt["items"]
    return None


def main():
    cli, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    store = os.path.join(work, "busy")
    run([cli, "sim", "--preset", "busy", "--seed", "3", "--out", store])
    scenario, out = os.path.join(store, "scenario.jsonl"), os.path.join(work, "out.jsonl")
    run([cli, "run", scenario, "-o", out, "--explain"])
    records = read(out)
    diffs = {r["seq"]: r for r in records if r["type"] == "diff"}
    corrected = {r["corrects"] for r in records if r["type"] == "diff" and "corrects" in r}
    receipts = {r["shopper"]: dict(r["items"]) for r in records if r["type"] == "receipt"}
    verdicts, expected, refused = [], {k: dict(v) for k, v in receipts.items()}, 0
    for x in (r for r in records if r["type"] == "explain"):
        if not any(diffs[s]["review"] for s in x["diffs"]) or corrected & set(x["diffs"]):
            continue
        picked = choose(x, diffs)
        if picked is None:
            continue
        decided, items, chosen, chosen_items = picked
        verdicts.append({"type": "review", "decision": x["diffs"][0], "shopper": chosen,
                         "items": chosen_items})
        after = {k: dict(v) for k, v in expected.items()}
        for sku, q in items.items():
            after[decided][sku] = after[decided].get(sku, 0) - q
        if chosen is not None:
            for sku, q in chosen_items.items():
                after.setdefault(chosen, {})[sku] = after[chosen].get(sku, 0) + q
        if any(q < 0 for cart in after.values() for q in cart.values()):
            refused += 1  # the cart no longer holds what the decision put there
            continue
        expected = after
    if len(verdicts) < 3:
        sys.exit(f"only {len(verdicts)} flagged decisions to judge: the test needs more")
    path = os.path.join(work, "verdicts.jsonl")
    with open(path, "w") as f:
        f.writelines(json.dumps(v) + "\n" for v in verdicts)
    rejects, out2 = os.path.join(work, "rejects.jsonl"), os.path.join(work, "out2.jsonl")
    done = run([cli, "run", scenario, "-o", out2, "--explain", "--reviews", path,
                "--rejects", rejects])
    again = read(out2)
    assert again[:len(records)] == records, "the run before the verdicts changed"
    amended = {}
    for r in again[len(records):]:
        assert r["type"] == "receipt" and r.get("amends") is True, r
        amended[r["shopper"]] = {k: v for k, v in r["items"].items()}
    final = {k: {s: q for s, q in v.items() if q > 0} for k, v in receipts.items()}
    final.update(amended)
    want = {k: {s: q for s, q in v.items() if q > 0} for k, v in expected.items()}
    assert final == want, f"receipts after the verdicts:\n{final}\nexpected:\n{want}"
    taken = len(verdicts) - refused
    assert f"{taken} verdicts taken" in done.stderr, done.stderr
    with open(rejects) as f:
        reasons = [json.loads(line)["reason"] for line in f]
    assert reasons == ["not_in_cart"] * refused, reasons
    print(f"{len(verdicts)} verdicts: {taken} taken, {len(amended)} receipts amended, "
          f"{refused} set aside")


if __name__ == "__main__":
    main()
