#!/usr/bin/env bash
# A part of the library without BLAS: its sources built without RF_WITH_BLAS (the plain C paths
# only), with the few other files it needs, straight with the C compiler and the project's
# warnings, and its test run against them — what a build configured with -DRF_WITH_BLAS=OFF, on
# a machine with no LAPACK or OpenBLAS, gets. Nothing may reference BLAS or LAPACK, and the
# test's output must hold EXPECT (a line it prints only without them; "" for none).
#   no_blas.sh CC SOURCE_DIR WORKDIR SANITIZE TEST EXPECT SOURCE... (relative to SOURCE_DIR)
set -euo pipefail
cc=$1 src=$2 work=$3 sanitize=$4 test=$5 expect=$6
shift 6
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

# The library's files alone first, so a reference to BLAS in them is seen before the test's.
for rel in "$@"; do
  for f in "$src"/$rel; do
    "$cc" "${flags[@]}" -I"$src/include" -I"$src/lib" -c "$f" -o "$work/$(basename "$f" .c).o" ||
      fail "$f does not build without RF_WITH_BLAS"
  done
done
if nm -u "$work"/*.o | grep -v ':$' | grep -i -E 'lapack|cblas|openblas|sgemm|dsyev|dpotr'; then
  fail "built without RF_WITH_BLAS, it still references BLAS or LAPACK"
fi
"$cc" "${flags[@]}" -I"$src/include" -I"$src/lib" -I"$src/tests/support" \
  "$src/tests/$test.c" "$src/tests/support/test_alloc.c" "$work"/*.o \
  "${cmocka[@]}" -lm -o "$work/$test" || fail "$test does not build without BLAS"
"$work/$test" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; fail "$test failed"; }
if [ -n "$expect" ]; then
  grep -q "$expect" "$work/out.txt" || { cat "$work/out.txt" >&2; fail "$test did not say '$expect'"; }
fi
grep -q "PASSED" "$work/out.txt" || fail "$test passed nothing"
echo "$test without BLAS ok: $(grep -c '^\[       OK \]' "$work/out.txt") tests"
