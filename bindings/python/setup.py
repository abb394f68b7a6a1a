"""Builds retailfuse._native against the C library.

Where the library is found, in order:
  RETAILFUSE_BUILD=/path/to/cmake/build   a build tree (its lib/libretailfuse.a is linked in)
  pkg-config retailfuse                    an installed library (cmake --install)
Offline (no package index here):  pip install --no-build-isolation ./bindings/python
"""
import os
import re
import shlex
import subprocess

from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))


def version():
    header = os.path.join(root, "include", "retailfuse", "version.h")
    if os.path.exists(header):
        text = open(header).read()
        parts = [re.search(rf"#define RF_VERSION_{k} (\d+)", text).group(1)
                 for k in ("MAJOR", "MINOR", "PATCH")]
        return ".".join(parts)
    return subprocess.check_output(["pkg-config", "--modversion", "retailfuse"], text=True).strip()


def blas_libraries(build):
    """LAPACKE and OpenBLAS when the build tree calibrates with them (RF_WITH_BLAS)."""
    try:
        cache = open(os.path.join(build, "CMakeCache.txt")).read()
    except OSError:
        return []
    return ["lapacke", "openblas"] if "RF_WITH_BLAS:BOOL=ON" in cache else []


def camera_libraries(build):
    """libcamera and the C++ runtime when the build tree captures through it (RF_WITH_LIBCAMERA)."""
    try:
        cache = open(os.path.join(build, "CMakeCache.txt")).read()
    except OSError:
        return []
    return ["camera", "camera-base", "stdc++"] if "RF_WITH_LIBCAMERA:BOOL=ON" in cache else []


def library():
    build = os.environ.get("RETAILFUSE_BUILD")
    if build:
        return dict(include_dirs=[os.path.join(root, "include")],
                    extra_objects=[os.path.join(build, "lib", "libretailfuse.a")],
                    libraries=["cjson", "protobuf-c"] + blas_libraries(build)
                    + camera_libraries(build) + ["m"])
    try:
        cflags = shlex.split(subprocess.check_output(
            ["pkg-config", "--cflags", "retailfuse"], text=True))
        libs = shlex.split(subprocess.check_output(
            ["pkg-config", "--libs", "retailfuse"], text=True))
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit("retailfuse: set RETAILFUSE_BUILD to a CMake build tree, or install the "
                         f"library so that pkg-config finds it ({e})")
    return dict(include_dirs=[f[2:] for f in cflags if f.startswith("-I")],
                library_dirs=[f[2:] for f in libs if f.startswith("-L")],
                libraries=[f[2:] for f in libs if f.startswith("-l")],
                runtime_library_dirs=[f[2:] for f in libs if f.startswith("-L")])


setup(
    version=version(),
    ext_modules=[Extension(
        "retailfuse._native",
        sources=["native/native.c", "native/objects.c", "native/stats.c"],
        define_macros=[("Py_LIMITED_API", "0x030B0000")],
        py_limited_api=True,
        **library())],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
