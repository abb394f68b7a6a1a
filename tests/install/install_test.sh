#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds the example hosts against it:
# examples/store_summary and examples/checkout_host through find_package(retailfuse), both again
# through pkg-config. Each must run on the example scenario and print what it should
# (checkout_host: exactly tests/install/checkout_host_*.expected).
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
cmake -S "$src/examples/checkout_host" -B "$work/cmake-host" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/cmake-host" >/dev/null
"$work/cmake-host/checkout_host" "$src/examples/small.jsonl" >"$work/host.out"
diff -u "$src/tests/install/checkout_host_small.expected" "$work/host.out"
out=$("$work/cmake-build/store_summary" "$src/examples/small.jsonl")
echo "$out"
grep -qx "$expected" <<<"$out"
grep -q "^G1S1: Sweet Tea (540.67 g) \[0.0000, 0.2032\] Green Tea" <<<"$out"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Werror $flags "$src/examples/store_summary/main.c" -o "$work/pc-summary" \
  $(pkg-config --cflags --libs retailfuse)
out=$(LD_LIBRARY_PATH="$libdir" "$work/pc-summary" "$src/examples/small.jsonl")
grep -qx "$expected" <<<"$out"
cc -std=c11 -Wall -Werror $flags "$src/examples/checkout_host/main.c" -o "$work/pc-host" \
  $(pkg-config --cflags --libs retailfuse)
LD_LIBRARY_PATH="$libdir" "$work/pc-host" "$src/examples/small.jsonl" >"$work/pc-host.out"
diff -u "$src/tests/install/checkout_host_small.expected" "$work/pc-host.out"
# Corrections reach the host's carts too: undo and redo diffs, both receipts still match.
LD_LIBRARY_PATH="$libdir" "$work/pc-host" "$src/tests/data/correction.jsonl" >"$work/pc-fix.out"
diff -u "$src/tests/install/checkout_host_correction.expected" "$work/pc-fix.out"

# The Python package, pip-installed offline into a scratch environment against the installed
# library (pkg-config), runs the Python host loop: the same lines as checkout_host.
py=/usr/bin/python3
if [ -x "$py" ] && "$py" -c "import venv, setuptools" 2>/dev/null; then
  "$py" -m venv --system-site-packages "$work/venv"
  # A copy: pip builds in the tree it is given, and the package finds the library by pkg-config.
  cp -r "$src/bindings/python" "$work/pysrc"
  rm -rf "$work/pysrc/build" "$work/pysrc/tests"
  "$work/venv/bin/pip" install -q --no-build-isolation --no-index "$work/pysrc" \
    >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
  pyenv=()
  [ "$sanitize" = ON ] && pyenv=(env "LD_PRELOAD=$(cc -print-file-name=libasan.so):$(cc -print-file-name=libubsan.so)" ASAN_OPTIONS=detect_leaks=0)
  (cd "$work" && "${pyenv[@]}" "$work/venv/bin/python" "$src/examples/python_host/host.py" \
    "$src/examples/small.jsonl") >"$work/py-host.out"
  diff -u "$src/tests/install/checkout_host_small.expected" "$work/py-host.out"
  (cd "$work" && "${pyenv[@]}" "$work/venv/bin/python" "$src/examples/python_host/host.py" \
    "$src/tests/data/correction.jsonl") >"$work/py-fix.out"
  diff -u "$src/tests/install/checkout_host_correction.expected" "$work/py-fix.out"
  # Against the build tree instead (RETAILFUSE_BUILD: its static library and what it links).
  "$py" -m venv --system-site-packages "$work/venv-build"
  # A fresh copy (nothing built before reused) beside the headers, as in the source tree.
  mkdir -p "$work/tree/bindings"
  cp -r "$src/include" "$work/tree/include"
  cp -r "$src/bindings/python" "$work/tree/bindings/python"
  rm -rf "$work/tree/bindings/python/build" "$work/tree/bindings/python/tests"
  RETAILFUSE_BUILD="$build" "$work/venv-build/bin/pip" install -q --no-build-isolation --no-index \
    "$work/tree/bindings/python" >"$work/pip-build.log" 2>&1 || { cat "$work/pip-build.log"; exit 1; }
  (cd "$work" && "${pyenv[@]}" "$work/venv-build/bin/python" "$src/examples/python_host/host.py" \
    "$src/examples/small.jsonl") >"$work/py-build-host.out"
  diff -u "$src/tests/install/checkout_host_small.expected" "$work/py-build-host.out"
  echo "pip install and the Python host work"
fi
echo "find_package and pkg-config consumers both work"
