#!/usr/bin/env bash
# Protocol buffers against JSON Lines through the command line (docs/format.md, "Protocol
# buffers"): every file of tests/data, and the simulator's easy, busy and adversarial stores
# (seeds 1-3, deltas and raw readings; raw readings of two shoppers, to keep the suite fast), go to .pb
# and back to the same bytes as JSON Lines written again, with the same errors; run, validate and
# eval read either and say the same; run -o OUT.pb writes protobuf.
#   pb_round_trip.sh RETAILFUSE DATA_DIR WORKDIR
set -euo pipefail
rf=$1 data=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Errors name lines in JSON and frames in protobuf: compare what they say, not where.
what() { sed -e 's/^retailfuse: convert: [^:]*: //' -e 's/^\(line\|frame\) [0-9]* \(([^)]*)\)\?: //' "$1"; }

for f in "$data"/*.jsonl; do
  name=$(basename "$f" .jsonl)
  "$rf" convert "$f" "$work/$name.jsonl" 2>"$work/$name.err1" && s1=0 || s1=$?
  "$rf" convert "$f" "$work/$name.pb" 2>"$work/$name.err2" && s2=0 || s2=$?
  "$rf" convert "$work/$name.pb" "$work/$name.back.jsonl" 2>/dev/null || fail "$name: the .pb does not read back"
  [ "$s1" = "$s2" ] || fail "$name: exit $s1 to JSON Lines, $s2 to protobuf"
  cmp -s "$work/$name.jsonl" "$work/$name.back.jsonl" || fail "$name: JSON Lines -> .pb -> JSON Lines differs"
  diff <(what "$work/$name.err1") <(what "$work/$name.err2") >/dev/null || fail "$name: the errors differ"
done

for preset in easy busy adversarial; do
  for weights in deltas samples; do
    short=()
    [ "$weights" = samples ] && short=(--set shoppers=2 --set duration_s=20 --set reaches_min=1 --set reaches_max=2)
    for seed in 1 2 3; do
      dir="$work/$preset-$weights-$seed"
      "$rf" sim --preset "$preset" --seed "$seed" --weights "$weights" ${short[@]+"${short[@]}"} --out "$dir-j" >/dev/null
      "$rf" sim --preset "$preset" --seed "$seed" --weights "$weights" ${short[@]+"${short[@]}"} --format pb --out "$dir-p" >/dev/null
      for kind in scenario truth; do
        "$rf" convert "$dir-p/$kind.pb" "$dir-p/$kind.jsonl" 2>/dev/null
        cmp -s "$dir-j/$kind.jsonl" "$dir-p/$kind.jsonl" || fail "$dir: $kind: sim --format pb, back to JSON Lines, differs"
        [ "$(stat -c %s "$dir-p/$kind.pb")" -lt "$(stat -c %s "$dir-j/$kind.jsonl")" ] || fail "$dir: $kind.pb is not smaller"
      done
    done
  done
  # The engine on either format, either output format: the same diffs and receipts.
  dir="$work/$preset-deltas-1"
  "$rf" run "$dir-j/scenario.jsonl" -o "$dir-j/out.jsonl" 2>/dev/null
  "$rf" run "$dir-p/scenario.pb" -o "$dir-p/out.pb" 2>/dev/null
  "$rf" convert "$dir-p/out.pb" "$dir-p/out.jsonl" 2>/dev/null
  cmp -s "$dir-j/out.jsonl" "$dir-p/out.jsonl" || fail "$preset: run on .pb to .pb differs from run on JSON Lines"
  a=$("$rf" eval --json --truth "$dir-j/truth.jsonl" "$dir-j/out.jsonl")
  b=$("$rf" eval --json --truth "$dir-p/truth.pb" "$dir-p/out.pb")
  [ "$a" = "$b" ] || fail "$preset: eval differs between the formats"
  "$rf" validate "$dir-p/scenario.pb" | sed 1d >"$work/v.pb"
  "$rf" validate "$dir-j/scenario.jsonl" | sed 1d >"$work/v.jsonl"
  cmp -s "$work/v.pb" "$work/v.jsonl" || fail "$preset: validate says different things"
done
echo "protobuf round trips ok"
