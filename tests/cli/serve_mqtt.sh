#!/usr/bin/env bash
# MQTT end to end (issue 16): a real mosquitto broker on a free loopback port; a scenario's events
# published to PREFIX/in/... as JSON objects (one per message, then a finish), one as a protobuf
# Record message; the service's diffs and receipts on PREFIX/out/... equal `retailfuse run`'s
# output, line for line, and the protobuf record was taken (set aside as it should be: counted by
# /metrics). Every wait is bounded.
#   serve_mqtt.sh RETAILFUSE WORKDIR
set -euo pipefail
rf=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for tool in mosquitto mosquitto_pub mosquitto_sub; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup installs it)"
done

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  mosquitto_pub -p "$port" -t probe -m x 2>/dev/null && break
  sleep 0.05
done

"$rf" sim --preset busy --seed 6 --out "$work/sim" >/dev/null
scenario="$work/sim/scenario.jsonl"
"$rf" run "$scenario" -o "$work/ref.jsonl" 2>/dev/null

"$rf" serve --store "$scenario" --listen "unix:$work/s.sock" --http tcp://127.0.0.1:0 \
  --mqtt "127.0.0.1:$port" --topic store1 --idle -1 >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.05; done
read -r _ http <"$work/serve.out" || fail "serve printed no addresses"
sleep 0.3 # the service's subscription is in place

lines=$(wc -l <"$work/ref.jsonl")
timeout 60 mosquitto_sub -p "$port" -q 1 -t store1/out/diff -t store1/out/receipt -C "$lines" \
  >"$work/out.jsonl" &
sub=$!
pids+=($sub)
sleep 0.3

# One record as a bare protobuf Record message: an exit of a shopper who never entered.
echo '{"type":"exit","t":1000,"shopper":"nobody"}' >"$work/one.jsonl"
"$rf" convert "$work/one.jsonl" "$work/one.pb" 2>/dev/null
python3 -c '
import sys
data = open(sys.argv[1], "rb").read()[10:]  # past the stream header
n = 0
while data[n] & 0x80: n += 1
open(sys.argv[2], "wb").write(data[n + 1:])  # past the frame length
' "$work/one.pb" "$work/one.msg"
mosquitto_pub -p "$port" -q 1 -t store1/in/tracker -f "$work/one.msg"

{ grep -v '"type":"\(product\|shelf\|facing\)"' "$scenario"; echo '{"type":"finish"}'; } |
  mosquitto_pub -p "$port" -q 1 -t store1/in/all -l
wait "$sub" || fail "mosquitto_sub did not get the $lines outputs: $(wc -l <"$work/out.jsonl") came"
cmp "$work/ref.jsonl" "$work/out.jsonl" || fail "the output over MQTT differs from run's"

metrics=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/metrics", timeout=10).read().decode())' "$http")
grep -q '^retailfuse_set_aside_total{reason="not_in"} 1$' <<<"$metrics" ||
  fail "the protobuf record was not taken: $(grep set_aside <<<"$metrics")"
grep -q '^retailfuse_days_total 1$' <<<"$metrics" || fail "the finish did not end the day"
echo ok
