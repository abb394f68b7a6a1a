#!/usr/bin/env python3
"""python_host — the integration loop of examples/checkout_host, in Python:

  1. build the store from its records (here a scenario file's; a vendor's planogram the same way);
  2. push events to the engine as they arrive (here, the file's events in order);
  3. apply the diffs the engine hands out to the host's own carts, corrections included, and
     check each receipt against them.

  python_host.py FILE

Prints what checkout_host prints, line for line; exit status 0 when every event was taken and
every receipt matched the host's cart.
"""
import collections
import sys

import retailfuse


def main(path):
    records = retailfuse.read_scenario(path)
    store = retailfuse.Store.from_records(records)
    engine = retailfuse.Engine(store)
    names = {p["sku"]: p["name"] or p["sku"] for p in store.products()}
    counts = store.counts
    print(f"store: {counts['products']} products on {counts['shelves']} shelves")
    carts = collections.defaultdict(collections.Counter)  # the host's own, from the diffs only
    status = 0

    def apply(output):
        nonlocal status
        for r in output:
            if r["type"] == "diff":
                carts[r["shopper"]][r["sku"]] += r["qty"]
                line = (f"{r['t'] / 1e6:8.3f} s  diff #{r['seq']}  {r['shopper']:<3} "
                        f"{r['qty']:+d} {names[r['sku']]:<16} conf {r['conf']:.4f}")
                line += "  review" if r["review"] else ""
                line += f"  (corrects #{r['corrects']})" if "corrects" in r else ""
                print(line)
            elif r["type"] == "receipt":
                held = {sku: q for sku, q in carts[r["shopper"]].items() if q}
                same = held == r["items"]
                listed = ",".join(f" {q} {names[sku]}" for sku, q in r["items"].items())
                print(f"{r['t'] / 1e6:8.3f} s  receipt {r['shopper']}:{listed or ' nothing'}"
                      f"{'  review' if r['review'] else ''} -- "
                      f"{'matches the host' if same else 'DIFFERS from the host'}'s cart")
                status |= not same

    for record in records:
        if record["type"] in ("product", "shelf", "facing"):
            continue
        try:
            engine.push(record)
        except retailfuse.InputError as e:  # refused: nothing changed; log it and go on
            print(f"{path}: refused: {e}", file=sys.stderr)
            status = 1
        apply(engine.output())
    engine.finish()  # end of the day (or of the file): whatever waits is decided now
    apply(engine.output())
    return status


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python_host.py FILE")
    sys.exit(main(sys.argv[1]))
