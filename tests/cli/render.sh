#!/usr/bin/env bash
# retailfuse sim --render: the scenario and truth as without it, cameras.jsonl (a camera record per
# gondola and a zone per shelf, valid after the store), visits.jsonl (a hand record per reach:
# easy misses none, so as many as the scenario's hands) and a Y4M file per camera with the right
# header and frame count; the same bytes again for the same seed.
#   render.sh RETAILFUSE WORKDIR
set -euo pipefail
rf=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$rf" sim --preset easy --seed 3 --render "$work/a" --video 160x120 >"$work/a.out"
"$rf" sim --preset easy --seed 3 --out "$work/plain" >/dev/null
for f in scenario.jsonl truth.jsonl cameras.jsonl visits.jsonl cam-G1.y4m cam-G2.y4m; do
  [ -s "$work/a/$f" ] || fail "no $f"
done
[ "$(ls "$work/a" | wc -l)" = 6 ] || fail "unexpected files: $(ls "$work/a")"
cmp -s "$work/a/scenario.jsonl" "$work/plain/scenario.jsonl" || fail "rendering changed the scenario"
cmp -s "$work/a/truth.jsonl" "$work/plain/truth.jsonl" || fail "rendering changed the truth"

# cameras.jsonl after the scenario's store: valid, 2 cameras and 12 zones.
grep -E '^\{"type":"(product|shelf|facing)"' "$work/a/scenario.jsonl" >"$work/store_cameras.jsonl"
cat "$work/a/cameras.jsonl" >>"$work/store_cameras.jsonl"
"$rf" validate "$work/store_cameras.jsonl" >"$work/validate.out" || fail "cameras.jsonl does not validate: $(cat "$work/validate.out")"
grep -q ", 2 cameras, 12 zones$" "$work/validate.out" || fail "cameras.jsonl: $(cat "$work/validate.out")"
grep -q '^{"type":"camera","camera":"cam-G1","width":160,"height":120,"fps":30,"t0":0}$' "$work/a/cameras.jsonl" ||
  fail "camera record: $(head -1 "$work/a/cameras.jsonl")"
[ "$(grep -c '"type":"zone".*"front":"bottom"' "$work/a/cameras.jsonl")" = 12 ] || fail "zones not 12 with front bottom"

# visits.jsonl: a hand record per reach, each from its gondola's camera, with conf 1.
hands=$(grep -c '"type":"hand"' "$work/a/scenario.jsonl")
[ "$(grep -c '^{"type":"hand","source":"cam-G\([0-9]*\)","shopper":"[SE][0-9]*","shelf":"G\1S[0-9]*",.*"conf":1}$' "$work/a/visits.jsonl")" = "$hands" ] ||
  fail "visits.jsonl: $(wc -l <"$work/a/visits.jsonl") records, the scenario has $hands hands"

# Each video: a Y4M mono header and every frame from 0 to the last exit plus a second at 30/s.
last_exit=$(grep -o '"type":"exit","t":[0-9]*' "$work/a/scenario.jsonl" | grep -o '[0-9]*$' | sort -n | tail -1)
frames=$(( (last_exit + 1000000) * 30 / 1000000 + 1 ))
grep -q "^$work/a: 2 cameras, $frames frames each (160x120 at 30:1)" "$work/a.out" || fail "summary: $(cat "$work/a.out")"
header="YUV4MPEG2 W160 H120 F30:1 Cmono"
for cam in cam-G1 cam-G2; do
  [ "$(head -c ${#header} "$work/a/$cam.y4m")" = "$header" ] || fail "$cam: header $(head -c 40 "$work/a/$cam.y4m" | head -1)"
  size=$(stat -c %s "$work/a/$cam.y4m")
  [ "$size" = $(( ${#header} + 1 + frames * (6 + 160 * 120) )) ] || fail "$cam: $size bytes, not $frames frames"
  for k in 0 $((frames - 1)); do
    at=$(( ${#header} + 1 + k * (6 + 160 * 120) ))
    [ "$(dd if="$work/a/$cam.y4m" bs=1 skip=$at count=5 2>/dev/null)" = FRAME ] || fail "$cam: no FRAME at frame $k"
  done
done

# The same seed, the same bytes; another rate and options change the video, not the scenario.
"$rf" sim --preset easy --seed 3 --render "$work/b" --video 160x120 >/dev/null
cmp -s "$work/a/cam-G1.y4m" "$work/b/cam-G1.y4m" || fail "same seed, different video"
"$rf" sim --preset easy --seed 3 --render "$work/c" --video 160x120 --fps 15:1 \
  --video-set noise_sd=0 --video-set passers_per_min=0 --out "$work/c-scenario" >/dev/null
[ "$(head -c 31 "$work/c/cam-G2.y4m")" = "YUV4MPEG2 W160 H120 F15:1 Cmono" ] || fail "--fps 15:1 not in the header"
[ ! -e "$work/c/scenario.jsonl" ] && cmp -s "$work/c-scenario/scenario.jsonl" "$work/a/scenario.jsonl" ||
  fail "--out with --render: the scenario goes to --out"
cmp -s "$work/c/visits.jsonl" "$work/a/visits.jsonl" || fail "video options changed the visits"
echo "render ok"
