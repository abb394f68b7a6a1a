#!/usr/bin/env bash
# End to end: a simulated store filmed (sim --render), its hands found by the detector in each
# camera's video (zones), the same scenario with those hands in place of the simulator's
# (sim --hands), run and scored. The easy store at 160x120 and 15 frames/s, no passers (the
# bench measures the detector on busy video at 640x480; this checks that the parts fit):
#  1. every hand found is a true visit's (same shelf, overlapping, x within 5 cm), and most of
#     the true visits are found;
#  2. the scenario with the found hands has exactly those hand records, the same truth, is valid,
#     and its receipts are right;
#  3. a --hands file that does not exist is an error (exit 1), naming it.
#   render_zones_run.sh RETAILFUSE WORKDIR
set -euo pipefail
rf=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"

sim=(--preset easy --seed 3 --set duration_s=20)
"$rf" sim "${sim[@]}" --render vid --video 160x120 --fps 15 --video-set passers_per_min=0 \
  > /dev/null
for cam in cam-G1 cam-G2; do
  "$rf" zones --config vid/cameras.jsonl --name "$cam" --y4m "vid/$cam.y4m" -o "$cam.hands.jsonl" \
    2> /dev/null
done
rm vid/*.y4m # 36 MB each

# 1. Found against true.
python3 - vid/visits.jsonl cam-G1.hands.jsonl cam-G2.hands.jsonl <<'PY' || fail "visits"
import json, sys
truth = [json.loads(l) for l in open(sys.argv[1])]
found = [json.loads(l) for f in sys.argv[2:] for l in open(f)]
def same(a, b):
    return (a["shelf"] == b["shelf"] and a["t0"] < b["t1"] and b["t0"] < a["t1"]
            and abs(a["x"] - b["x"]) < 0.05)
for f in found:
    assert f["shopper"] is None and f["source"] in ("cam-G1", "cam-G2"), f
    assert any(same(f, t) for t in truth), ("a hand found where none was", f)
hit = sum(any(same(f, t) for f in found) for t in truth)
assert len(truth) == 9 and hit >= 6, (hit, len(truth))
PY

# 2. The scenario with the found hands.
found=$(cat cam-G1.hands.jsonl cam-G2.hands.jsonl | wc -l)
"$rf" sim "${sim[@]}" --out det --hands cam-G1.hands.jsonl --hands cam-G2.hands.jsonl \
  > sim.txt
grep -q "^det: the simulator's hands replaced by $found from --hands$" sim.txt || fail "$(cat sim.txt)"
[ "$(grep -c '"type":"hand"' det/scenario.jsonl)" = "$found" ] || fail "hand records"
grep '"type":"hand"' det/scenario.jsonl | sort > in_scenario.txt
cat cam-G1.hands.jsonl cam-G2.hands.jsonl | sort > detected.txt
cmp -s in_scenario.txt detected.txt || fail "the scenario's hands are not the detector's"
cmp -s det/truth.jsonl vid/truth.jsonl || fail "the truth changed"
"$rf" validate det/scenario.jsonl > /dev/null || fail "the scenario with found hands is not valid"
"$rf" run det/scenario.jsonl -o det/out.jsonl 2> /dev/null
"$rf" eval --truth det/truth.jsonl det/out.jsonl | grep -q '^receipt F1          1.0000$' ||
  fail "receipts: $("$rf" eval --truth det/truth.jsonl det/out.jsonl)"

# 3. A missing file.
set +e
"$rf" sim "${sim[@]}" --out bad --hands nowhere.jsonl > /dev/null 2> err.txt
[ $? = 1 ] && grep -q "cannot open 'nowhere.jsonl'" err.txt || fail "$(cat err.txt)"
set -e
echo "render_zones_run: all checks passed"
