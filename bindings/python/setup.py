"""Builds retailfuse._native against the C library.

Where the library comes from, in order:
  RETAILFUSE_BUILD=/path/to/cmake/build   a build tree (its lib/libretailfuse.a is linked in)
  pkg-config retailfuse                    an installed library (cmake --install)
  otherwise                                the repository this package sits in (../..), or the one
                                           RETAILFUSE_SOURCE names: CMake builds its static library
                                           (Release) under build_temp, and that is linked in
One command, offline (no package index here):  pip install --no-build-isolation ./bindings/python
"""
import glob
import os
import re
import shlex
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# realpath: pip (>= 21.3) builds in the directory it is given, so ../.. is the repository's root
# unless the package was copied out of it (then RETAILFUSE_SOURCE says where the repository is).
here = os.path.dirname(os.path.realpath(__file__))


def has_headers(path):
    return os.path.exists(os.path.join(path, "include", "retailfuse", "version.h"))


def is_buildable(path):
    """A whole retailfuse repository: the top-level CMakeLists.txt and lib/ besides the headers."""
    return has_headers(path) and all(os.path.exists(os.path.join(path, p))
                                     for p in ("CMakeLists.txt", "lib/CMakeLists.txt"))


def cmake_home(cache):
    """The source directory a CMake build tree was configured from, or None."""
    try:
        home = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", open(cache).read(), re.M)
    except OSError:
        return None
    return os.path.realpath(home.group(1)) if home else None


def source_root():
    """The repository root (at least its include/), or None when this package is not inside one."""
    named = os.environ.get("RETAILFUSE_SOURCE")
    if named:
        named = os.path.realpath(os.path.expanduser(named))
        if not is_buildable(named):
            raise SystemExit(f"retailfuse: RETAILFUSE_SOURCE={named} is not a retailfuse repository "
                             "(no CMakeLists.txt, include/retailfuse/version.h and lib/ there)")
        return named
    parent = os.path.normpath(os.path.join(here, "..", ".."))
    if has_headers(parent):
        return parent
    build = os.environ.get("RETAILFUSE_BUILD")  # a build tree knows its sources
    source = build and cmake_home(os.path.join(build, "CMakeCache.txt"))
    return source if source and has_headers(source) else None


root = source_root()


def version():
    if root:
        text = open(os.path.join(root, "include", "retailfuse", "version.h")).read()
        parts = [re.search(rf"#define RF_VERSION_{k} (\d+)", text).group(1)
                 for k in ("MAJOR", "MINOR", "PATCH")]
        return ".".join(parts)
    try:
        return subprocess.check_output(["pkg-config", "--modversion", "retailfuse"],
                                       text=True, stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit(no_source_message()) from None


def no_source_message():
    return ("retailfuse: the C library's sources are not here: this package directory "
            f"({here}) is not bindings/python of a retailfuse repository (pip may have copied it "
            "out). Install from the repository (pip install --no-build-isolation "
            "REPO/bindings/python), set RETAILFUSE_SOURCE=/path/to/the/repository, set "
            "RETAILFUSE_BUILD to a CMake build tree, or install the library so that pkg-config "
            "finds it")


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


def build_tree_library(build, include):
    """A CMake build tree's static library and what it links (its CMakeCache.txt says)."""
    archive = os.path.join(build, "lib", "libretailfuse.a")
    headers = sorted(glob.glob(os.path.join(include, "retailfuse", "*.h")))
    return dict(include_dirs=[include], extra_objects=[archive], depends=[archive] + headers,
                libraries=["cjson", "protobuf-c"] + blas_libraries(build)
                + camera_libraries(build) + ["m"])


def pkg_config_library():
    """An installed library, by pkg-config; None when pkg-config does not find it."""
    try:
        cflags = shlex.split(subprocess.check_output(
            ["pkg-config", "--cflags", "retailfuse"], text=True, stderr=subprocess.DEVNULL))
        libs = shlex.split(subprocess.check_output(
            ["pkg-config", "--libs", "retailfuse"], text=True, stderr=subprocess.DEVNULL))
    except (OSError, subprocess.CalledProcessError):
        return None
    return dict(include_dirs=[f[2:] for f in cflags if f.startswith("-I")],
                library_dirs=[f[2:] for f in libs if f.startswith("-L")],
                libraries=[f[2:] for f in libs if f.startswith("-l")],
                runtime_library_dirs=[f[2:] for f in libs if f.startswith("-L")])


def cmake_library(build, jobs):
    """Configures and builds the repository's static library in build (Release, no tests, no
    tools, no bench; BLAS and libcamera as the top-level CMakeLists.txt decides)."""
    if shutil.which("cmake") is None:
        raise SystemExit("retailfuse: building the C library needs cmake (scripts/setup installs "
                         "it), or set RETAILFUSE_BUILD to a CMake build tree")
    cache = os.path.join(build, "CMakeCache.txt")
    if os.path.exists(cache) and cmake_home(cache) != root:
        shutil.rmtree(build)  # configured from another checkout: CMake would refuse it
    print(f"retailfuse: building the C library with CMake in {build} (from {root})", flush=True)
    subprocess.check_call(["cmake", "-S", root, "-B", build,
                           "-DCMAKE_BUILD_TYPE=Release",
                           "-DCMAKE_POSITION_INDEPENDENT_CODE=ON",
                           "-DRF_BUILD_TESTS=OFF", "-DRF_BUILD_TOOLS=OFF",
                           "-DRF_BUILD_BENCH=OFF", "-DRF_BUILD_PYTHON=OFF",
                           "-DRF_SANITIZE=OFF", "-DRF_FUZZ=OFF"])
    subprocess.check_call(["cmake", "--build", build, "--target", "retailfuse_static",
                           "--parallel", str(jobs)])
    return build_tree_library(build, os.path.join(root, "include"))


class build_ext_with_library(build_ext):
    """Finds or builds the C library when the extension is built (not when setup.py is read, so
    metadata and sdists need no library), then links it into retailfuse._native."""

    def run(self):
        lib = self.find_library()
        for ext in self.extensions:
            for key, value in lib.items():
                setattr(ext, key, list(getattr(ext, key) or []) + value)
        super().run()

    def find_library(self):
        build = os.environ.get("RETAILFUSE_BUILD")
        if build:
            if not root:
                raise SystemExit(no_source_message())
            return build_tree_library(os.path.abspath(build), os.path.join(root, "include"))
        lib = pkg_config_library()
        if lib:
            return lib
        if not root or not is_buildable(root):
            raise SystemExit(no_source_message())
        jobs = self.parallel if isinstance(self.parallel, int) and self.parallel > 0 else None
        jobs = jobs or os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or os.cpu_count() or 1
        return cmake_library(os.path.join(os.path.abspath(self.build_temp), "retailfuse-cmake"),
                             jobs)


setup(
    version=version(),
    cmdclass={"build_ext": build_ext_with_library},
    ext_modules=[Extension(
        "retailfuse._native",
        sources=["native/native.c", "native/objects.c", "native/stats.c"],
        depends=sorted(glob.glob(os.path.join(here, "native", "*.h"))),
        define_macros=[("Py_LIMITED_API", "0x030B0000")],
        py_limited_api=True)],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
