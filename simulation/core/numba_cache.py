"""Where Numba caches the compiled kernel: one directory per version of the compiled sources.

Numba's own cache only notices changes to the file that holds a function, not to the functions
it inlines from other files (``institutions.persons.step_one`` inlines the kernel's step, the kernel
inlines ``rules`` and ``rng``). A stale cache then runs old code without a word. Keying the cache
directory by a hash of every compiled source file rules that out. The base directory is
``$NUMBA_CACHE_DIR`` when set, else ``~/.cache/simulation/numba`` (``$XDG_CACHE_HOME`` respected).

Every compiled module imports this module first: importing it points Numba's cache here, which must
happen before any ``@njit(cache=True)`` function is defined.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # the simulation package
# every file with compiled code or code that compiled code inlines, relative to the package
# (tests/test_numba_cache.py checks that every module defining a compiled function is listed)
COMPILED_SOURCES = ("core/states.py", "core/schema.py", "core/rng.py", "core/rules.py", "core/hazards.py",
                    "core/places.py", "core/kernel.py", "core/step.py", "core/allocation.py", "core/counts.py",
                    "institutions/persons.py")


def cache_dir() -> Path:
    """The cache directory for the current sources."""
    digest = hashlib.sha256()
    for name in COMPILED_SOURCES:
        path = PACKAGE / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "simulation", "numba")
    return Path(base) / digest.hexdigest()[:16]


def configure() -> None:
    """Point Numba's cache at ``cache_dir()``; must run before any compiled module is imported.

    Also lets the kernel's threads sleep, not spin, while they wait for each other (``OMP_WAIT_POLICY=PASSIVE``,
    read by the OpenMP runtime when Numba first starts its threads), unless the environment says otherwise. The
    kernel meets its threads at a barrier a few times per step; spinning threads fight every other busy process
    for the cores (two sweep jobs side by side, a shared machine) and a step then waits for a thread that lost
    its core: on a loaded 2-core machine the kernel ran 10 to 70 times slower spinning than sleeping."""
    import numba

    numba.config.CACHE_DIR = str(cache_dir())
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


configure()
