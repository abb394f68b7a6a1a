#!/usr/bin/env bash
# The Python package installed as a user would, in one command: from a clean clone of the
# repository (its last commit), into a fresh venv, with no CMake build before it, no installed
# library and no RETAILFUSE_BUILD — setup.py builds the C library with CMake itself, offline.
# Then `pip wheel`, and that wheel installed into a second fresh venv. Each environment must
# import the package from outside the source tree and work: a 3x3 assignment's exact answer, and
# examples/python_host on small.jsonl printing exactly tests/install/checkout_host_small.expected.
#   pip_install.sh SOURCE_DIR
# Only committed files are in the clone. To try uncommitted changes, name the files (relative to
# SOURCE_DIR) to copy from the working tree over the clone:
#   RF_PIP_OVERLAY="bindings/python/setup.py bindings/python/pyproject.toml" ctest -R python_pip
# Exit status 77 (ctest: skipped) without git, a git repository, or Debian's Python with venv,
# setuptools and numpy (scripts/setup).
set -euo pipefail
src=$(cd "$1" && pwd)
py=/usr/bin/python3
skip() { echo "skipped: $*"; exit 77; }
if ! [ -x "$py" ] || ! "$py" -c "import venv, ensurepip, setuptools, numpy" 2>/dev/null; then
  skip "$py with venv, setuptools and numpy is needed (scripts/setup)"
fi
command -v git >/dev/null || skip "git is needed"
git -C "$src" rev-parse --verify -q HEAD >/dev/null || skip "$src is not a git repository"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
git clone -q "$src" "$work/src"
for f in ${RF_PIP_OVERLAY:-}; do
  cp "$src/$f" "$work/src/$f"
  echo "overlay: $f (from the working tree)"
done
# Nothing from the caller's builds: the package must find everything itself.
unset RETAILFUSE_BUILD RETAILFUSE_SOURCE PYTHONPATH PYTHONHOME CFLAGS LDFLAGS LD_PRELOAD
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
export CMAKE_BUILD_PARALLEL_LEVEL=2
if pkg-config --exists retailfuse 2>/dev/null; then
  echo "pkg-config finds an installed retailfuse ($(pkg-config --variable=prefix retailfuse)):" \
    "setup.py would link it instead of building the clone's library" >&2
  exit 1
fi
mkdir "$work/run" # where the checks run: outside the source tree

# check VENV: imports retailfuse from VENV and checks what it computes.
check() {
  local venv=$1
  (cd "$work/run" && "$venv/bin/python" - "$venv" <<'EOF'
import os, sys
import numpy as np
import retailfuse
venv = os.path.realpath(sys.argv[1])
where = os.path.realpath(retailfuse._native.__file__)
assert where.startswith(venv + os.sep), f"retailfuse._native imported from {where}, not {venv}"
rows, cols = retailfuse.linear_sum_assignment(np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]]))
assert rows.tolist() == [0, 1, 2] and cols.tolist() == [1, 0, 2], (rows, cols)
print(f"retailfuse {retailfuse.__version__} from {where}: the 3x3 assignment is right")
EOF
  )
  (cd "$work/run" && "$venv/bin/python" "$work/src/examples/python_host/host.py" \
    "$work/src/examples/small.jsonl") >"$work/host.out"
  diff -u "$work/src/tests/install/checkout_host_small.expected" "$work/host.out"
}

# pip install into a fresh venv (system site packages: numpy and setuptools offline).
"$py" -m venv --system-site-packages "$work/venv"
(cd "$work/src" && "$work/venv/bin/pip" install -v --no-build-isolation --no-index \
  ./bindings/python) >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
grep -q "^ *retailfuse: building the C library with CMake in " "$work/pip.log" \
  || { cat "$work/pip.log"; echo "setup.py did not build the library with CMake" >&2; exit 1; }
grep "^ *retailfuse: building the C library" "$work/pip.log"
check "$work/venv"
echo "pip install: works ($((SECONDS - start)) s so far)"

# pip wheel (the same tree: CMake's build under build_temp is reused), into a second venv.
(cd "$work/src" && "$work/venv/bin/pip" wheel --no-build-isolation --no-index --no-deps \
  -w "$work/wheels" ./bindings/python) >"$work/wheel.log" 2>&1 \
  || { cat "$work/wheel.log"; exit 1; }
wheel=$(ls "$work"/wheels/retailfuse-*.whl)
echo "wheel: $(basename "$wheel")"
"$py" -m venv --system-site-packages "$work/venv2"
"$work/venv2/bin/pip" install -q --no-index "$wheel" >"$work/pip2.log" 2>&1 \
  || { cat "$work/pip2.log"; exit 1; }
check "$work/venv2"
echo "pip wheel: the wheel installs and works in another venv ($((SECONDS - start)) s in all)"
