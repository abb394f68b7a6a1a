#!/usr/bin/env bash
# sim -> validate -> run -> eval on every preset small enough for a test, with determinism checks.
#   sim_pipeline.sh RETAILFUSE WORKDIR
set -euo pipefail
rf=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

for preset in easy busy adversarial; do
  "$rf" sim --preset "$preset" --seed 7 --out "$work/$preset-a" >/dev/null
  "$rf" sim --preset "$preset" --seed 7 --out "$work/$preset-b" >/dev/null
  "$rf" sim --preset "$preset" --seed 8 --out "$work/$preset-c" >/dev/null
  cmp -s "$work/$preset-a/scenario.jsonl" "$work/$preset-b/scenario.jsonl" || fail "$preset: same seed, different scenario"
  cmp -s "$work/$preset-a/truth.jsonl" "$work/$preset-b/truth.jsonl" || fail "$preset: same seed, different truth"
  cmp -s "$work/$preset-a/scenario.jsonl" "$work/$preset-c/scenario.jsonl" && fail "$preset: seeds 7 and 8 gave the same scenario"
  "$rf" validate "$work/$preset-a/scenario.jsonl" | grep -q ": valid$" || fail "$preset: scenario does not validate"
  "$rf" validate "$work/$preset-a/truth.jsonl" | grep -q ": valid$" || fail "$preset: truth does not validate"
  for method in greedy fused; do
    "$rf" run "$work/$preset-a/scenario.jsonl" --method "$method" -o "$work/$preset-a/$method.jsonl" 2>/dev/null
    "$rf" validate "$work/$preset-a/$method.jsonl" | grep -q ": valid$" || fail "$preset: $method output does not validate"
    json=$("$rf" eval --json --truth "$work/$preset-a/truth.jsonl" "$work/$preset-a/$method.jsonl")
    grep -q '^{"f1":[01]\.[0-9]\{6\},' <<<"$json" || fail "$preset: $method: eval gave no F1: $json"
  done
  # The same input gives the same output bytes.
  "$rf" run "$work/$preset-a/scenario.jsonl" -o "$work/$preset-a/fused-again.jsonl" 2>/dev/null
  cmp -s "$work/$preset-a/fused.jsonl" "$work/$preset-a/fused-again.jsonl" || fail "$preset: fused output differs between runs"
  # The truth's own receipts scored against themselves are perfect.
  self=$("$rf" eval --json --truth "$work/$preset-a/truth.jsonl" "$work/$preset-a/truth.jsonl")
  grep -q '"f1":1.000000,"precision":1.000000,"recall":1.000000,"exact":1.000000' <<<"$self" || fail "$preset: truth against itself: $self"
done
# A knob set on the command line changes the world.
"$rf" sim --preset easy --seed 7 --set shoppers=5 --out "$work/easy-5" >/dev/null
grep -c '"type":"enter"' "$work/easy-5/scenario.jsonl" | grep -qx 5 || fail "--set shoppers=5 did not give 5 shoppers"
echo "sim pipeline ok"
