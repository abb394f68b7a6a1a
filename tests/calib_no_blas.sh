#!/usr/bin/env bash
# The calibration without BLAS: lib/calib/*.c built without RF_WITH_BLAS (the plain C solves
# only; rf__spd(RF__SPD_LAPACK) is NULL), with the one lib/core file it needs, straight with the
# C compiler and the project's warnings, and tests/test_calib.c run against it — what a build
# configured with -DRF_WITH_BLAS=OFF, on a machine with no LAPACK, gets. Its LAPACK comparisons
# must say they were skipped, and nothing may reference LAPACK.
#   calib_no_blas.sh CC SOURCE_DIR WORKDIR [SANITIZE=OFF]
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

# The library's part alone first, so a reference to LAPACK in it is seen before the test's.
for f in "$src"/lib/calib/*.c "$src"/lib/core/alloc.c; do
  "$cc" "${flags[@]}" -I"$src/include" -I"$src/lib" -c "$f" -o "$work/$(basename "$f" .c).o" ||
    fail "$f does not build without RF_WITH_BLAS"
done
if nm -u "$work"/*.o | grep -v ':$' | grep -i -E 'lapack|cblas|openblas|dpotr'; then
  fail "the calibration built without RF_WITH_BLAS still references LAPACK"
fi
"$cc" "${flags[@]}" -I"$src/include" -I"$src/lib" -I"$src/tests/support" \
  "$src/tests/test_calib.c" "$src/tests/support/test_alloc.c" "$work"/*.o \
  "${cmocka[@]}" -lm -o "$work/test_calib_plain" || fail "test_calib does not build without BLAS"
"$work/test_calib_plain" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; fail "test_calib failed"; }
grep -q "LAPACK not built: its checks skipped" "$work/out.txt" ||
  { cat "$work/out.txt" >&2; fail "test_calib did not skip its LAPACK checks"; }
grep -q "PASSED" "$work/out.txt" || fail "test_calib passed nothing"
echo "calibration without BLAS ok: $(grep -c '^\[       OK \]' "$work/out.txt") tests"
