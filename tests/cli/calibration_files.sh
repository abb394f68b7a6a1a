#!/usr/bin/env bash
# The calibration file of `retailfuse run` (docs/format.md, "Calibration: the engine's scales"):
#  1. a run seeded with the file another run wrote starts from it: every plate's "prior" is the
#     first run's "gain", every product's "prior_g" its "weight_g" (and the seeded run differs);
#  2. a run stopped halfway and resumed from its journal (--journal DIR --resume) writes the same
#     calibration file, byte for byte, as one never stopped — and the same output; with seeds
#     too (given again at the restart);
#  3. the same with a simulated store whose plates and products are off (gain_sd, weight_error)
#     and whose staff announce their restocks;
#  4. the same records interleaved otherwise across their sources give the same calibration:
#     a late camera's hand arriving before or after a restock's change (restock announcements
#     were forgotten by the clock, which jumped with it), and two staff apps announcing restocks
#     that end together in either order (they were tried in arrival order).
#   calibration_files.sh RETAILFUSE DATA_DIR WORKDIR
set -euo pipefail
rf=$1 data=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

high=$data/calibration_high_plates.jsonl

# 1. Seeded from its own file.
"$rf" run "$high" -o "$work/out.jsonl" --calibration "$work/a.json" 2>/dev/null
"$rf" run "$high" -o "$work/seeded.jsonl" --calibration-seed "$work/a.json" \
  --calibration "$work/b.json" 2>/dev/null
python3 - "$work/a.json" "$work/b.json" <<'EOF' || fail "the seeded run's priors are not the seeds"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert [p["plate"] for p in a["plates"]] == ["A1", "A2", "A3", "A4", "B1", "B2"], a
assert [p["sku"] for p in a["products"]] == ["X", "Y", "Z"], a
for pa, pb in zip(a["plates"], b["plates"]):
    assert pb["plate"] == pa["plate"], (pa, pb)
    assert pb["prior"] == pa["gain"], ("prior is not the seed", pa, pb)
    assert pb["evidence"] == pa["evidence"], (pa, pb)
for pa, pb in zip(a["products"], b["products"]):
    assert pb["sku"] == pa["sku"], (pa, pb)
    assert pb["prior_g"] == pa["weight_g"], ("prior_g is not the seed", pa, pb)
    assert pb["catalog_g"] == pa["catalog_g"], (pa, pb)
# What the first run learned is where the second started: A1 and X had moved, and moved on.
a1, x = a["plates"][0], a["products"][0]
assert a1["gain"] > 1.001 and a1["evidence"] == 7.0, a1
assert x["weight_g"] > 252.0 and x["evidence"] == 13.0, x
assert b["plates"][0]["gain"] != a1["gain"], b["plates"][0]
assert b["products"][0]["weight_g"] != x["weight_g"], b["products"][0]
# Untouched plates: a seed of 1 within 0.01 is where they stay.
for pb in b["plates"][2:]:
    assert (pb["gain"], pb["sd"], pb["prior"], pb["evidence"]) == (1.0, 0.01, 1.0, 0.0), pb
EOF

# 2 and 3. Stopped halfway, resumed from the journal: the same file as the run never stopped.
"$rf" sim --preset easy --seed 3 --set shoppers=12 --set duration_s=900 --set staff=1 \
  --set gain_sd=0.02 --set weight_error=0.03 --set restock_announced=1 --out "$work/sim" >/dev/null
resumes() { # NAME SCENARIO [OPTIONS...]: a whole run, then a run cut in half and resumed
  local name=$1 scenario=$2
  shift 2
  local lines half
  lines=$(wc -l <"$scenario")
  half=$((lines / 2))
  head -n "$half" "$scenario" >"$work/$name.half.jsonl"
  "$rf" run "$scenario" -o "$work/$name.ref.jsonl" --calibration "$work/$name.ref.json" "$@" \
    2>/dev/null
  "$rf" run "$work/$name.half.jsonl" -o /dev/null --journal "$work/$name.journal" "$@" \
    2>/dev/null
  "$rf" run "$scenario" -o "$work/$name.resumed.jsonl" --journal "$work/$name.journal" --resume \
    --calibration "$work/$name.resumed.json" "$@" 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; fail "$name: the resumed run failed"; }
  cmp "$work/$name.ref.json" "$work/$name.resumed.json" ||
    fail "$name: the resumed run's calibration differs from the run never stopped"
  cmp "$work/$name.ref.jsonl" "$work/$name.resumed.jsonl" ||
    fail "$name: the resumed run's output differs from the run never stopped"
  grep -q '"evidence":[1-9]' "$work/$name.ref.json" || fail "$name: nothing was learned"
}
resumes high "$high"
resumes high_seeded "$high" --calibration-seed "$work/a.json"
grep -q '"prior":1.0022' "$work/high_seeded.resumed.json" || fail "high_seeded: not seeded"
resumes sim "$work/sim/scenario.jsonl"
grep -q '"type":"restock"' "$work/sim/scenario.jsonl" || fail "the simulated store announces no restock"
same_either_way() { # NAME: restock_NAME_a and _b hold the same records, interleaved otherwise
  for v in a b; do
    "$rf" run "$data/restock_$1_$v.jsonl" -o "$work/$1_$v.jsonl" --param SOURCE_TIMEOUT_S=1000 \
      --calibration "$work/$1_$v.json" 2>/dev/null
  done
  cmp "$work/$1_a.json" "$work/$1_b.json" || fail "$1: the calibration depends on arrival order"
  cmp "$work/$1_a.jsonl" "$work/$1_b.jsonl" || fail "$1: the output depends on arrival order"
  grep -q '"sku":"X","weight_g":[0-9.]*,"sd_g":[0-9.]*,"catalog_g":250.0000,"prior_g":250.0000,"evidence":1.00' \
    "$work/$1_a.json" || fail "$1: the restock did not teach X"
}
same_either_way late_hand
same_either_way same_end
echo "calibration files ok"
