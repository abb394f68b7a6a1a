#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds examples/store_summary against it twice:
# through find_package(retailfuse) and through pkg-config. Both must run on the example scenario.
#   install_test.sh BUILD_DIR SOURCE_DIR SANITIZE(ON|OFF)
set -euo pipefail
build=$1 src=$2 sanitize=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=""
[ "$sanitize" = ON ] && flags="-fsanitize=address,undefined"
expected="5 products, 2 shelves, 8 plates, 5 facings"

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/retailfuse/retailfuse.h"
libdir=$(ls -d "$work"/prefix/lib*/ | head -n 1)

cmake -S "$src/examples/store_summary" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
out=$("$work/cmake-build/store_summary" "$src/examples/small.jsonl")
echo "$out"
grep -qx "$expected" <<<"$out"
grep -q "^G1S1: Sweet Tea (540.67 g) \[0.0000, 0.2032\] Green Tea" <<<"$out"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Werror $flags "$src/examples/store_summary/main.c" -o "$work/pc-summary" \
  $(pkg-config --cflags --libs retailfuse)
out=$(LD_LIBRARY_PATH="$libdir" "$work/pc-summary" "$src/examples/small.jsonl")
grep -qx "$expected" <<<"$out"
echo "find_package and pkg-config consumers both work"
