#!/usr/bin/env python3
"""Progress on stderr (tools/progress.h): with RETAILFUSE_PROGRESS=1 run, convert and sim draw a
line ("\\r", records, MB or store time) and clear it at the end, and without the progress stderr
is what it always was; with the variable unset and stderr not a terminal (a pipe here), there is
no progress at all: stderr is compared whole. Under a terminal (script(1), when installed) the
line is shown unless RETAILFUSE_PROGRESS=0.

    progress.py RETAILFUSE EXAMPLES_DIR CLI_DATA_DIR WORKDIR
"""
import os
import re
import shutil
import subprocess
import sys

rf, examples, data, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
small = os.path.join(examples, "small.jsonl")
faults = os.path.join(data, "plate_faults.jsonl")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(args, progress, stdin=None):
    env = dict(os.environ)
    env.pop("RETAILFUSE_PROGRESS", None)
    if progress is not None:
        env["RETAILFUSE_PROGRESS"] = progress
    p = subprocess.run([rf] + args, env=env, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        fail(f"{args}: exit {p.returncode}: {p.stderr!r}")
    return p.stderr.decode()


# A drawn line is "\r" and text up to the next "\r" or "\n" that is not the start of a message;
# a clear is "\r", spaces, "\r". Taking both out leaves what would be printed without progress.
DRAWN = re.compile(r"\r[^\r\n]*(?=\r)")


def without_progress(err):
    return DRAWN.sub("", err).replace("\r", "")


def check_progress(what, err, plain, must):
    if "\r" not in err:
        fail(f"{what}: no progress line: {err!r}")
    if not re.search(must, err):
        fail(f"{what}: the progress does not match {must!r}: {err!r}")
    if without_progress(err) != plain:
        fail(f"{what}: stderr without the progress differs:\n{without_progress(err)!r}\n{plain!r}")


# run: the exact stderr without progress, then the same with it, drawn and cleared.
plain = run(["run", small, "-o", os.devnull], None)
expected = f"{small}: 16 events (4 weight changes, 4 hand visits) -> 4 diffs, 2 receipts (method fused)\n"
if plain != expected:
    fail(f"run: stderr with no terminal and no RETAILFUSE_PROGRESS: {plain!r}, not {expected!r}")
if run(["run", small, "-o", os.devnull], "0") != expected:
    fail("run: RETAILFUSE_PROGRESS=0 changed stderr")
err = run(["run", small, "-o", os.devnull], "1")
label = re.escape(small[-28:] if len(small) <= 28 else "..." + small[-25:])
check_progress("run", err, plain,
               r"^\r" + label + r": 1 record, 0\.0 / 0\.0 MB \(100 %\)[^\r\n]*\r" + label
               + r": 28 records, 0\.0 / 0\.0 MB \(100 %\)[^\r\n]*\r +\r[^\r]*$")

# run with plate faults: each fault line starts a line of its own (the progress cleared first).
plain = run(["run", faults, "-o", os.devnull], None)
if not plain.startswith("retailfuse: plate 'P1': stuck at 6.983 s\nretailfuse: plate 'P2': gap at 14.000 s\n"):
    fail(f"run: the fault lines: {plain!r}")
err = run(["run", faults, "-o", os.devnull], "1")
check_progress("run with faults", err, plain, r"^\r[^\r\n]*: 1 record, [^\r\n]*\r +\rretailfuse: plate 'P1'")

# run from a pipe: the size is not known, so no share of it.
with open(small, "rb") as f:
    content = f.read()
env = dict(os.environ, RETAILFUSE_PROGRESS="1")
p = subprocess.run([rf, "run", "-", "-o", os.devnull], input=content, env=env,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
err = p.stderr.decode()
if p.returncode != 0 or not re.match(r"^\r-: 1 record, 0\.0 MB[^\r\n%]*\r-: 28 records, 0\.0 MB[^\r\n%]*\r +\r-: 16 events", err):
    fail(f"run from a pipe: {err!r}")

# convert
out = os.path.join(work, "small.pb")
plain = run(["convert", small, out], None)
if plain != "retailfuse: convert: 28 records converted, 0 left out\n":
    fail(f"convert: stderr {plain!r}")
err = run(["convert", small, out], "1")
check_progress("convert", err, plain, r"^\r[^\r\n]*: 1 record, [^\r\n]*\r[^\r\n]*: 28 records, [^\r\n]*\r +\r")

# sim: the store time simulated out of the preset's
plain = run(["sim", "--preset", "easy", "--seed", "3", "--out", os.path.join(work, "easy")], None)
if plain != "":
    fail(f"sim: stderr {plain!r}")
err = run(["sim", "--preset", "easy", "--seed", "3", "--out", os.path.join(work, "easy")], "1")
check_progress("sim", err, plain,
               r"^\rsim easy: 0 / 60 s of store time \(0 %\), 1 record[^\r\n]*\rsim easy: [0-9]+ / 60 s of store time \([0-9]+ %\)[^\r\n]*, 175 records[^\r\n]*\r +\r$")

# Under a terminal: shown unless RETAILFUSE_PROGRESS=0.
if shutil.which("script"):
    for value, shown in ((None, True), ("0", False)):
        env = dict(os.environ)
        env.pop("RETAILFUSE_PROGRESS", None)
        if value is not None:
            env["RETAILFUSE_PROGRESS"] = value
        log = os.path.join(work, "typescript")
        cmd = f"'{rf}' run '{small}' -o /dev/null"
        subprocess.run(["script", "-qec", cmd, log], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=120, check=True)
        with open(log, "rb") as f:
            typed = f.read().decode(errors="replace")
        if ("28 records" in typed) != shown:
            fail(f"under a terminal, RETAILFUSE_PROGRESS={value}: {typed!r}")
print("progress ok")
