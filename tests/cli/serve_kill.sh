#!/usr/bin/env bash
# The service killed (SIGKILL) at random moments of a feed and started again on the same journal:
# feed sends again what was not acknowledged, watch resumes from the last output it has, and the
# day's output still equals `retailfuse run`'s on the same file, byte for byte; every record was
# acknowledged once, and none acknowledged was lost (it would be missing from the output). Then a
# SIGTERM during a feed: the service exits 0, and started again it carries on (issue 16).
# Bounded: KILLS kills, every command under a timeout.
# SPEED, when given, paces the feed at that many times store time (a fast build finishes the day
# before many kills land otherwise).
#   serve_kill.sh RETAILFUSE WORKDIR [KILLS=10] [SYNC=interval] [SPEED]
set -euo pipefail
rf=$1 work=$2 kills=${3:-10} sync=${4:-interval} speed=${5:-}
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
serve_pid= feed_pid= watch_pid=
cleanup() {
  for p in $serve_pid $feed_pid $watch_pid; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

"$rf" sim --preset day --seed 5 --out "$work/sim" >/dev/null
scenario="$work/sim/scenario.jsonl"
"$rf" run "$scenario" -o "$work/ref.jsonl" 2>"$work/run.err"
events=$(sed -n 's/.*: \([0-9]*\) events .*/\1/p' "$work/run.err")
addr="unix:$work/s.sock"

start_service() {
  : >"$work/serve.out"
  "$rf" serve --store "$scenario" --listen "$addr" --journal "$work/j" --journal-sync "$sync" \
    >"$work/serve.out" 2>>"$work/serve.err" &
  serve_pid=$!
  for _ in $(seq 200); do [ -s "$work/serve.out" ] && return; sleep 0.05; done
  fail "serve did not start: $(tail -3 "$work/serve.err")"
}

# One feed and one watch across every kill.
run_day() { # $1: the output file; then the kills happen in the caller
  timeout 300 "$rf" watch "$addr" -o "$1" --until-finish --timeout 60 2>/dev/null &
  watch_pid=$!
  timeout 300 "$rf" feed "$scenario" --to "$addr" --finish --timeout 60 ${speed:+--speed "$speed"} \
    2>"$work/feed.err" &
  feed_pid=$!
}

finish_day() { # $1: the output file
  wait "$feed_pid" || { cat "$work/feed.err" >&2; fail "feed failed"; }
  feed_pid=
  wait "$watch_pid" || fail "watch failed"
  watch_pid=
  cmp "$work/ref.jsonl" "$1" || fail "$1: the output differs from run's"
  grep -q "^retailfuse feed: $events records acknowledged from 3 sources" "$work/feed.err" ||
    fail "feed acknowledged other than the $events events: $(cat "$work/feed.err")"
}

start_service
run_day "$work/killed.jsonl"
landed=0
for i in $(seq "$kills"); do
  sleep "0.$((RANDOM % 4 + 1))"
  kill -0 "$feed_pid" 2>/dev/null && landed=$((landed + 1))
  kill -9 "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  start_service
done
finish_day "$work/killed.jsonl"
[ "$landed" -ge $((kills / 2)) ] || fail "only $landed of $kills kills landed during the feed"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve did not exit 0 on SIGTERM"

# SIGTERM during a feed: a clean exit, and the restarted service carries on.
rm -rf "$work/j"
start_service
run_day "$work/termed.jsonl"
sleep 0.5
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve did not exit 0 on SIGTERM during a feed"
! grep -q "the journal" "$work/serve.err" || fail "the journal failed: $(cat "$work/serve.err")"
start_service
finish_day "$work/termed.jsonl"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve did not exit 0"
serve_pid=
echo "ok: $landed of $kills kills landed during the feed"
