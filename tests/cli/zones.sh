#!/usr/bin/env bash
# `retailfuse zones` on a small Y4M file made here (100x60 mono at 30 fps, a textured shelf, a
# hand coming in over the zone's bottom edge at frame 60 and last in at frame 88, at 0.30 m):
#  1. one hand record, exactly: the camera as source, no shopper, t0 frame 60, t1 frame 88;
#  2. the same from standard input, with each background model, and from a 4:2:0 file;
#  3. the camera's t0 shifts the times; --name picks a camera of several, and several without
#     it are refused; a video of another size, a truncated frame, a config without zones of the
#     camera: each a clear error (exit 1), the visits before a bad frame still written;
#  4. usage errors (exit 2) and --help.
#   zones.sh RETAILFUSE WORKDIR
set -euo pipefail
rf=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The video: python3 of any kind (no numpy needed).
make_video() { # OUT SPACE FRAMES [WIDTH]
  python3 - "$@" <<'EOF'
import sys
out, space, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
W = int(sys.argv[4]) if len(sys.argv) > 4 else 100
H = 60
depth = [8, 14, 20, 26] + [30] * 21 + [26, 20, 14, 8]
with open(out, "wb") as f:
    f.write(b"YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C%s\n" % (W, H, space.encode()))
    for i in range(frames):
        px = bytearray()
        for y in range(H):
            for x in range(W):
                h = (x * 73856093 ^ y * 19349663 ^ i * 83492791) & 0xFFFFFFFF
                h ^= h >> 13; h = (h * 0x5BD1E995) & 0xFFFFFFFF; h ^= h >> 15
                px.append(70 + 40 * (((x // 7) + (y // 5)) & 1) + h % 5 - 2)
        d = depth[i - 60] if 60 <= i < 60 + len(depth) else 0
        if d:
            for y in range(50 - d, 54):
                for x in range(36, 44):
                    px[y * W + x] = 200
        f.write(b"FRAME\n" + bytes(px))
        if space != "mono":
            f.write(bytes([128]) * (2 * ((W + 1) // 2) * ((H + 1) // 2)))
EOF
}
make_video "$work/mono.y4m" mono 150
make_video "$work/c420.y4m" 420jpeg 150
make_video "$work/wide.y4m" mono 2 120
head -c $(( $(stat -c %s "$work/mono.y4m") - 3000 )) "$work/mono.y4m" > "$work/cut.y4m"

cat > "$work/zones.jsonl" <<'EOF'
{"type":"camera","camera":"cam-1","width":100,"height":60,"fps":30}
{"type":"zone","camera":"cam-1","shelf":"G1S1","px":[10,10,90,50],"front":"bottom","shelf_x":[0.0,0.8]}
EOF
expect='{"type":"hand","source":"cam-1","shopper":null,"shelf":"G1S1","t0":2000000,"t1":2933333,"x":0.3,'

# 1. One visit, exactly.
"$rf" zones --config "$work/zones.jsonl" --y4m "$work/mono.y4m" -o "$work/out.jsonl" \
  2> "$work/err.txt"
[ "$(wc -l < "$work/out.jsonl")" = 1 ] || fail "not one visit: $(cat "$work/out.jsonl")"
grep -q "^$expect\"conf\":0.99}$" "$work/out.jsonl" ||
  fail "unexpected visit: $(cat "$work/out.jsonl")"
grep -q '^retailfuse: zones: 150 frames, 1 visits; not hands: ' "$work/err.txt" ||
  fail "no summary: $(cat "$work/err.txt")"

# 2. Standard input, every model, 4:2:0.
for model in eigen eigen-plain average; do
  "$rf" zones --config "$work/zones.jsonl" --y4m - --background "$model" < "$work/mono.y4m" \
    > "$work/$model.jsonl" 2>/dev/null
  grep -q "^$expect" "$work/$model.jsonl" || fail "$model: $(cat "$work/$model.jsonl")"
done
"$rf" zones --config "$work/zones.jsonl" --y4m "$work/c420.y4m" > "$work/c420.jsonl" 2>/dev/null
cmp -s "$work/c420.jsonl" "$work/out.jsonl" || fail "4:2:0 differs from mono"

# 3. t0, --name, errors.
sed 's/"fps":30}/"fps":30,"t0":1000000}/' "$work/zones.jsonl" > "$work/t0.jsonl"
"$rf" zones --config "$work/t0.jsonl" --y4m "$work/mono.y4m" 2>/dev/null |
  grep -q '"t0":3000000,"t1":3933333,' || fail "the camera's t0 did not shift the visit"
{ cat "$work/zones.jsonl"
  echo '{"type":"camera","camera":"cam-2","width":120,"height":60,"fps":30}'
  echo '{"type":"zone","camera":"cam-2","shelf":"G1S1","px":[0,0,120,60],"front":"top","shelf_x":[0,1]}'
} > "$work/two.jsonl"
set +e
"$rf" zones --config "$work/two.jsonl" --y4m "$work/mono.y4m" > /dev/null 2> "$work/err.txt"
[ $? = 1 ] || fail "two cameras without --name accepted"
grep -q "has several cameras (cam-1, cam-2): choose one with --name" "$work/err.txt" ||
  fail "$(cat "$work/err.txt")"
"$rf" zones --config "$work/two.jsonl" --name cam-1 --y4m "$work/mono.y4m" 2>/dev/null |
  grep -q "^$expect" || fail "--name cam-1 did not find the visit"
"$rf" zones --config "$work/two.jsonl" --name cam-2 --y4m "$work/mono.y4m" > /dev/null \
  2> "$work/err.txt"
[ $? = 1 ] || fail "a 100x60 video accepted for a 120x60 camera"
grep -q "mono.y4m is 100x60, camera cam-2 is 120x60" "$work/err.txt" || fail "$(cat "$work/err.txt")"
"$rf" zones --config "$work/zones.jsonl" --y4m "$work/cut.y4m" > "$work/cut.jsonl" \
  2> "$work/err.txt"
[ $? = 1 ] || fail "a truncated video accepted"
grep -q "cut.y4m: frame 149: truncated" "$work/err.txt" || fail "$(cat "$work/err.txt")"
grep -q "^$expect" "$work/cut.jsonl" || fail "the visit before the bad frame was lost"
"$rf" zones --config "$work/zones.jsonl" --name cam-9 --y4m "$work/mono.y4m" 2> "$work/err.txt"
[ $? = 1 ] && grep -q "has no camera 'cam-9'" "$work/err.txt" || fail "$(cat "$work/err.txt")"
head -1 "$work/zones.jsonl" > "$work/nozone.jsonl"
"$rf" zones --config "$work/nozone.jsonl" --y4m "$work/mono.y4m" 2> "$work/err.txt"
[ $? = 1 ] && grep -q "has no zone of camera cam-1" "$work/err.txt" || fail "$(cat "$work/err.txt")"

# 4. Usage.
"$rf" zones --y4m "$work/mono.y4m" 2> /dev/null
[ $? = 2 ] || fail "no --config accepted"
"$rf" zones --config "$work/zones.jsonl" 2> /dev/null
[ $? = 2 ] || fail "neither --y4m nor --camera accepted"
"$rf" zones --config "$work/zones.jsonl" --y4m a --camera b 2> /dev/null
[ $? = 2 ] || fail "both --y4m and --camera accepted"
"$rf" zones --config "$work/zones.jsonl" --y4m a --background pca 2> /dev/null
[ $? = 2 ] || fail "an unknown model accepted"
set -e
"$rf" zones --help | grep -q '^usage: retailfuse zones --config' || fail "--help"
echo "zones: all checks passed"
