#!/usr/bin/env bash
# run --explain writes output its own reader takes: a split, merged or runs decision lists each
# sku once per cart (it listed one per diff, and validate refused the file). The stores where a
# review found such decisions: group seed 3, rush seed 2.
#   explain_valid.sh RETAILFUSE WORKDIR
set -euo pipefail
rf=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
for case in "group 3" "rush 2"; do
  set -- $case
  "$rf" sim --preset "$1" --seed "$2" --out "$work/$1" >/dev/null 2>&1
  "$rf" run "$work/$1/scenario.jsonl" -o "$work/$1/out.jsonl" --explain 2>/dev/null
  grep -q '"how":"\(split\|merged\|runs\)"' "$work/$1/out.jsonl" ||
    { echo "FAIL: $1 $2: no split, merged or runs decision to check" >&2; exit 1; }
  "$rf" validate "$work/$1/out.jsonl" >"$work/$1/validate.txt" 2>&1 ||
    { cat "$work/$1/validate.txt" >&2; echo "FAIL: $1 $2: the output does not read" >&2; exit 1; }
done
echo ok
