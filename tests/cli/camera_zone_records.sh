#!/usr/bin/env bash
# Cameras and zones in a scenario (docs/format.md, `camera` and `zone`): the store's, for the zone
# detector, not the engine's. A scenario with them gives what the same scenario without them gives
# — run with either method, from JSON Lines or protocol buffers, journaled and resumed, and served
# (serve --store reading them, feed sending events only) — and they go through convert and come
# back byte for byte.
#   camera_zone_records.sh RETAILFUSE DATA_DIR EXAMPLES_DIR WORKDIR
set -euo pipefail
rf=$1 data=$2 examples=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
serve_pid=
cleanup() { [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true; }
trap cleanup EXIT

plain=$examples/small.jsonl
cameras=$data/small_with_cameras.jsonl
[ "$(grep -c '"type":"camera"' "$cameras")" = 2 ] || fail "small_with_cameras.jsonl lost its cameras"
[ "$(grep -v -e '"type":"camera"' -e '"type":"zone"' "$cameras")" = "$(cat "$plain")" ] ||
  fail "small_with_cameras.jsonl is no longer small.jsonl with cameras and zones"

for method in fused greedy; do
  "$rf" run "$plain" --method "$method" -o "$work/plain.$method.jsonl" 2>"$work/plain.err"
  "$rf" run "$cameras" --method "$method" -o "$work/cameras.$method.jsonl" 2>"$work/cameras.err"
  [ -s "$work/plain.$method.jsonl" ] || fail "$method: no output"
  cmp "$work/plain.$method.jsonl" "$work/cameras.$method.jsonl" ||
    fail "$method: cameras and zones changed the output"
  [ "$(sed 's/^[^:]*: //' "$work/plain.err")" = "$(sed 's/^[^:]*: //' "$work/cameras.err")" ] ||
    fail "$method: cameras and zones changed the summary"
done

# Protocol buffers: there and back the same bytes, and the same output.
"$rf" convert "$cameras" "$work/cameras.pb" 2>/dev/null
"$rf" convert "$cameras" "$work/cameras.jsonl" 2>/dev/null
"$rf" convert "$work/cameras.pb" "$work/back.jsonl" 2>/dev/null
cmp "$work/cameras.jsonl" "$work/back.jsonl" || fail "JSON Lines -> .pb -> JSON Lines differs"
grep -qx '{"type":"zone","camera":"C2","shelf":"G1S1","px":\[0,0,1920,300\],"front":"top","shelf_x":\[0.4064,0\]}' \
  "$work/back.jsonl" || fail "the zone of C2 did not come back as written"
"$rf" run "$work/cameras.pb" -o "$work/cameras.pb.out.jsonl" 2>/dev/null
cmp "$work/plain.fused.jsonl" "$work/cameras.pb.out.jsonl" || fail "run on the .pb differs"

# Journaled, and resumed from the journal of a finished run: the same output.
"$rf" run "$cameras" -o "$work/journaled.jsonl" --journal "$work/j" 2>/dev/null
cmp "$work/plain.fused.jsonl" "$work/journaled.jsonl" || fail "a journaled run differs"
"$rf" run "$cameras" -o "$work/resumed.jsonl" --journal "$work/j" --resume 2>/dev/null
cmp "$work/plain.fused.jsonl" "$work/resumed.jsonl" || fail "a resumed run differs"

# Served: the store file holds cameras and zones; feed sends the events alone.
"$rf" serve --store "$cameras" --listen "unix:$work/s.sock" --journal "$work/serve.journal" \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.05; done
read -r unix <"$work/serve.out" || fail "serve printed no address: $(cat "$work/serve.err")"
timeout 60 "$rf" watch "$unix" -o "$work/watched.jsonl" --until-finish --timeout 20 2>/dev/null &
watch_pid=$!
timeout 60 "$rf" feed "$cameras" --to "$unix" --finish --timeout 20 2>"$work/feed.err" ||
  { cat "$work/feed.err" >&2; fail "feed failed"; }
grep -q "^retailfuse feed: 16 records acknowledged from 3 sources; the day finished" \
  "$work/feed.err" || fail "feed said: $(cat "$work/feed.err")"
wait "$watch_pid" || fail "watch failed"
cmp "$work/plain.fused.jsonl" "$work/watched.jsonl" || fail "the service's output differs"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve did not exit 0 on SIGTERM"
serve_pid=
[ ! -s "$work/serve.err" ] || fail "serve said: $(cat "$work/serve.err")"
echo "cameras and zones ok"
