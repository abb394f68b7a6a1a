#!/usr/bin/python3
"""The page's "accept" is the decision as the carts hold it now: a flagged take by S1 that the
engine later corrected to S2 (a put-back showed it) is accepted as S2's, and that verdict taken
back changes nothing (it was S1's before, and would have moved the tea back: set aside).

usage: review_accept.py RETAILFUSE SCENARIO WORKDIR
"""
import json
import os
import re
import subprocess
import sys


def run(*cmd):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {done.returncode}\n{done.stderr}")
    return done


def main():
    cli, scenario, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    out, html = os.path.join(work, "out.jsonl"), os.path.join(work, "report.html")
    run(cli, "run", scenario, "-o", out, "--explain")
    corrected = [r for r in map(json.loads, open(out)) if r["type"] == "diff" and "corrects" in r]
    assert [(d["shopper"], d["qty"]) for d in corrected] == [("S1", -1), ("S2", 1)], corrected
    run(cli, "review", scenario, out, "--html", html)
    text = open(html, encoding="utf-8").read()
    data = json.loads(re.search(r'id="rf-data">(.*?)</script>', text, re.S).group(1))
    first = data["decisions"][0]
    assert first["seq"] == 0 and first["accept"] == ["S2", {"TEA1": 1}], first["accept"]
    verdicts = os.path.join(work, "verdicts.jsonl")
    with open(verdicts, "w") as f:
        f.write(json.dumps({"type": "review", "decision": 0, "shopper": first["accept"][0],
                            "items": first["accept"][1]}) + "\n")
    again = os.path.join(work, "again.jsonl")
    done = run(cli, "run", scenario, "-o", again, "--reviews", verdicts)
    assert "1 verdicts taken" in done.stderr and "set aside" not in done.stderr, done.stderr
    assert open(again).read() == "".join(
        line for line in open(out) if '"type":"explain"' not in line), "accepting changed the output"
    print("ok")


if __name__ == "__main__":
    main()
