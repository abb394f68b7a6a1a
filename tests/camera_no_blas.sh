#!/usr/bin/env bash
# The camera detector without BLAS: lib/camera/*.c built without RF_WITH_BLAS (the eigenbackground
# in plain C loops, its bases by Jacobi rotations), with the lib/calib, lib/core and lib/record
# files it needs, straight with the C compiler and the project's warnings, and
# tests/test_detector.c run against it — what a build configured with -DRF_WITH_BLAS=OFF, on a
# machine with no OpenBLAS, gets. Nothing may reference BLAS or LAPACK.
#   camera_no_blas.sh CC SOURCE_DIR WORKDIR [SANITIZE=OFF]
set -euo pipefail
cc=$1 src=$2 work=$3 sanitize=${4:-OFF}
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

flags=(-std=c11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wpointer-arith -Wcast-qual -Wvla -URF_WITH_BLAS)
case "$sanitize" in
  ON | on | 1 | TRUE | true | YES | yes)
    # shellcheck disable=SC2054 # one flag: the sanitizers, comma-separated
    flags+=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer) ;;
esac
# shellcheck disable=SC2207 # pkg-config's words are flags
cmocka=($(pkg-config --cflags --libs cmocka))

for f in "$src"/lib/camera/*.c "$src"/lib/calib/*.c "$src"/lib/core/alloc.c "$src"/lib/core/errbuf.c \
  "$src"/lib/record/record.c; do
  "$cc" "${flags[@]}" -I"$src/include" -I"$src/lib" -c "$f" -o "$work/$(basename "$f" .c).o" ||
    fail "$f does not build without RF_WITH_BLAS"
done
if nm -u "$work"/*.o | grep -v ':$' | grep -i -E 'lapack|cblas|openblas|sgemm|dsyev|dpotr'; then
  fail "the detector built without RF_WITH_BLAS still references BLAS or LAPACK"
fi
"$cc" "${flags[@]}" -I"$src/include" -I"$src/lib" -I"$src/tests/support" \
  "$src/tests/test_detector.c" "$src/tests/support/test_alloc.c" "$work"/*.o \
  "${cmocka[@]}" -lm -o "$work/test_detector_plain" || fail "test_detector does not build without BLAS"
"$work/test_detector_plain" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; fail "test_detector failed"; }
grep -q "PASSED" "$work/out.txt" || fail "test_detector passed nothing"
echo "detector without BLAS ok: $(grep -c '^\[       OK \]' "$work/out.txt") tests"
