#!/usr/bin/env bash
# A journaled run killed (SIGKILL) at random moments and resumed: every final output equals the
# output of the run never killed, byte for byte (issue 15). Bounded: TRIALS kills, or BUDGET
# seconds, whichever comes first; at least a third of the kills must land while the run works.
#   journal_kill.sh RETAILFUSE WORKDIR [TRIALS=100] [BUDGET_S=150] [SYNC=every|interval|never]
set -euo pipefail
rf=$1 work=$2 trials=${3:-100} budget=${4:-150} sync=${5:-every}
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$rf" sim --preset busy --seed 2 --out "$work/sim" >/dev/null
scenario="$work/sim/scenario.jsonl"
"$rf" run "$scenario" -o "$work/ref.jsonl" 2>/dev/null
# How long a journaled run takes, to aim the kills inside it.
start=$(date +%s%N)
"$rf" run "$scenario" -o "$work/out.jsonl" --journal "$work/timing" --journal-sync "$sync" 2>/dev/null
span_ms=$(( ($(date +%s%N) - start) / 1000000 + 1 ))
cmp -s "$work/ref.jsonl" "$work/out.jsonl" || fail "a journaled run writes other output"

began=$(date +%s)
landed=0 done_trials=0
for i in $(seq "$trials"); do
  [ $(( $(date +%s) - began )) -lt "$budget" ] || break
  rm -rf "$work/j" "$work/out.jsonl"
  "$rf" run "$scenario" -o "$work/out.jsonl" --journal "$work/j" --journal-sync "$sync" \
    2>/dev/null &
  pid=$!
  ms=$(( RANDOM % (span_ms + span_ms / 4 + 1) ))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then landed=$((landed + 1)); fi
  wait "$pid" 2>/dev/null || true
  "$rf" run "$scenario" -o "$work/out.jsonl" --journal "$work/j" --resume 2>"$work/resume.err" ||
    { cat "$work/resume.err" >&2; fail "kill $i (after ${ms} ms): the resumed run failed"; }
  cmp -s "$work/ref.jsonl" "$work/out.jsonl" ||
    fail "kill $i (after ${ms} ms): the resumed output differs from the unkilled run's"
  done_trials=$((done_trials + 1))
done
[ "$done_trials" -ge 10 ] || fail "only $done_trials kills in the time budget"
[ $((landed * 3)) -ge "$done_trials" ] || fail "only $landed of $done_trials kills landed while the run worked"
echo "journal kills ok: $done_trials kills, $landed while the run worked (a run takes ${span_ms} ms)"
