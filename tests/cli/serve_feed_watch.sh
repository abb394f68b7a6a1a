#!/usr/bin/env bash
# retailfuse serve, fed by `retailfuse feed` and watched by `retailfuse watch`, gives the output of
# `retailfuse run` on the same file, byte for byte: busy and day scenarios, over TCP and a Unix
# socket, watched as JSON Lines and as protocol buffers (issue 16). Every wait is bounded.
#   serve_feed_watch.sh RETAILFUSE WORKDIR OTHER_STORE
set -euo pipefail
rf=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
serve_pid=
cleanup() { [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true; }
trap cleanup EXIT

# Starts a service for $1 (a scenario) with journal $2; its addresses in $tcp and $unix.
start_service() {
  "$rf" serve --store "$1" --listen tcp://127.0.0.1:0 --listen "unix:$work/s.sock" \
    --journal "$2" >"$work/serve.out" 2>"$work/serve.err" &
  serve_pid=$!
  for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.05; done
  read -r tcp unix <"$work/serve.out" || fail "serve printed no addresses"
  [[ "$tcp" =~ ^tcp://127\.0\.0\.1:[0-9]+$ ]] || fail "serve bound '$tcp'"
  [ "$unix" = "unix:$work/s.sock" ] || fail "serve bound '$unix'"
}

stop_service() {
  kill -TERM "$serve_pid"
  wait "$serve_pid" || fail "serve did not exit 0 on SIGTERM"
  serve_pid=
}

for preset in busy day; do
  "$rf" sim --preset "$preset" --seed 3 --out "$work/$preset" >/dev/null
  scenario="$work/$preset/scenario.jsonl"
  "$rf" run "$scenario" -o "$work/$preset.ref.jsonl" 2>/dev/null
  start_service "$scenario" "$work/$preset.journal"
  timeout 120 "$rf" watch "$tcp" -o "$work/$preset.tcp.jsonl" --until-finish --timeout 20 \
    2>/dev/null &
  watch_tcp=$!
  timeout 120 "$rf" watch "$unix" -o "$work/$preset.unix.pb" --until-finish --timeout 20 \
    2>/dev/null &
  watch_unix=$!
  timeout 120 "$rf" feed "$scenario" --to "$unix" --finish --timeout 20 2>"$work/feed.err" ||
    { cat "$work/feed.err" >&2; fail "$preset: feed failed"; }
  grep -q "records acknowledged from 3 sources; the day finished" "$work/feed.err" ||
    fail "$preset: feed said: $(cat "$work/feed.err")"
  wait "$watch_tcp" || fail "$preset: watch over TCP failed"
  wait "$watch_unix" || fail "$preset: watch over the Unix socket failed"
  cmp "$work/$preset.ref.jsonl" "$work/$preset.tcp.jsonl" ||
    fail "$preset: watched over TCP differs from run's output"
  "$rf" convert "$work/$preset.unix.pb" "$work/$preset.unix.jsonl"
  cmp "$work/$preset.ref.jsonl" "$work/$preset.unix.jsonl" ||
    fail "$preset: watched as protocol buffers differs from run's output"
  # A subscriber joining once the day is over gets all of it (from the output log).
  timeout 60 "$rf" watch "$tcp" -o "$work/$preset.late.jsonl" --until-finish --timeout 20 \
    2>/dev/null || fail "$preset: a late watch failed"
  cmp "$work/$preset.ref.jsonl" "$work/$preset.late.jsonl" ||
    fail "$preset: a late subscriber got other output"
  stop_service
done

# Paced at 4000 times store time (the busy store's quarter hour in a quarter second), with a finish
# sent twice (the second, an empty day's, ends nothing): the same output, one finish.
start_service "$work/busy/scenario.jsonl" "$work/paced.journal"
timeout 60 "$rf" watch "$unix" -o "$work/paced.jsonl" --until-finish --timeout 20 2>/dev/null &
watch_paced=$!
timeout 60 "$rf" feed "$work/busy/scenario.jsonl" --to "$tcp" --speed 4000 --finish \
  --timeout 20 2>/dev/null || fail "a paced feed failed"
wait "$watch_paced" || fail "watching a paced feed failed"
cmp "$work/busy.ref.jsonl" "$work/paced.jsonl" || fail "a paced feed gave other output"
printf '{"type":"hello","role":"gateway"}\n{"type":"finish"}\n' >"$work/finish.jsonl"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(open(sys.argv[2], "rb").read())
print(s.recv(4096).decode(), end="")' "$work/s.sock" "$work/finish.jsonl" >"$work/finish.ack"
[ "$(cat "$work/finish.ack")" = '{"type":"ack","finish":true}' ] ||
  fail "a second finish was answered $(cat "$work/finish.ack")"
finishes=$(python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.settimeout(0.5); s.connect(sys.argv[1])
s.sendall(b"{\"type\":\"hello\",\"role\":\"subscriber\",\"from\":1}\n")
data, end = b"", time.time() + 3
while time.time() < end:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    data += chunk
print(sum(1 for line in data.split(b"\n") if line.startswith(b"{\"type\":\"finish\"")))' "$work/s.sock")
[ "$finishes" = 1 ] || fail "the output log holds $finishes finishes, not 1"
stop_service

# The journal restores the service: started again on the busy journal, a subscriber gets the
# whole day's output again, and the service exits 0 on SIGTERM.
start_service "$work/busy/scenario.jsonl" "$work/busy.journal"
timeout 60 "$rf" watch "$unix" -o "$work/again.jsonl" --until-finish --timeout 20 2>/dev/null ||
  fail "watching a restarted service failed"
cmp "$work/busy.ref.jsonl" "$work/again.jsonl" || fail "a restarted service gave other output"
stop_service

# A stream the service refuses (a frame over its --max-frame) ends the feed with status 1 and
# the service's reason, instead of being sent again forever.
"$rf" serve --store "$work/busy/scenario.jsonl" --listen "unix:$work/s3.sock" --max-frame 60 \
  >"$work/serve3.out" 2>/dev/null &
serve_pid=$!
for _ in $(seq 100); do [ -s "$work/serve3.out" ] && break; sleep 0.05; done
if timeout 60 "$rf" feed "$work/busy/scenario.jsonl" --to "unix:$work/s3.sock" --timeout 20 \
  2>"$work/refused-feed.err"; then
  fail "feed went on through a stream the service refused"
fi
grep -q "the service refused source '.*': frame [0-9]* (byte [0-9]*): [0-9]* bytes, over the limit of 60" \
  "$work/refused-feed.err" || fail "feed said: $(cat "$work/refused-feed.err")"
stop_service

# Reviewers' verdicts through the service: the busy scenario followed by a verdict on each of
# its first flagged decisions (nobody's), fed to a service, gives run's output of the same file —
# the verdicts' diffs and amended receipts included — and feed numbers them under 'reviews'.
python3 -c '
import json, sys
out = [json.loads(l) for l in open(sys.argv[1])]
seqs = [r["seq"] for r in out if r["type"] == "diff" and r["review"] and "corrects" not in r][:4]
for s in seqs:
    print(json.dumps({"type": "review", "decision": s, "shopper": None, "items": {}}))
' "$work/busy.ref.jsonl" >"$work/verdicts.jsonl"
cat "$work/busy/scenario.jsonl" "$work/verdicts.jsonl" >"$work/reviewed.jsonl"
"$rf" run "$work/reviewed.jsonl" -o "$work/reviewed.ref.jsonl" 2>"$work/reviewed.err"
grep -q "verdicts taken" "$work/reviewed.err" || fail "no verdict taken: $(cat "$work/reviewed.err")"
grep -q '"amends":true\|"reviews":' "$work/reviewed.ref.jsonl" || fail "the verdicts changed nothing"
start_service "$work/reviewed.jsonl" "$work/reviewed.journal"
timeout 60 "$rf" watch "$unix" -o "$work/reviewed.served.jsonl" --until-finish --timeout 20 \
  2>/dev/null &
watch_reviewed=$!
timeout 60 "$rf" feed "$work/reviewed.jsonl" --to "$tcp" --finish --timeout 20 \
  2>"$work/reviewed-feed.err" || fail "feeding verdicts failed: $(cat "$work/reviewed-feed.err")"
grep -q "655 records acknowledged from 4 sources; .*the day finished" "$work/reviewed-feed.err" ||
  fail "feed said: $(cat "$work/reviewed-feed.err")"
wait "$watch_reviewed" || fail "watching the verdicts failed"
cmp "$work/reviewed.ref.jsonl" "$work/reviewed.served.jsonl" ||
  fail "the service's verdicts differ from run's"
stop_service

# Another store on the same journal is refused, naming why.
if timeout 20 "$rf" serve --store "$3" --listen "unix:$work/s2.sock" \
  --journal "$work/busy.journal" >/dev/null 2>"$work/refused.err"; then
  fail "serve took a journal that began with another store"
fi
grep -q "the journal began with another store" "$work/refused.err" ||
  fail "serve said: $(cat "$work/refused.err")"
echo ok
