"""Where Numba caches the compiled kernel: one directory per version of the compiled sources.

Numba's own cache only notices changes to the file that holds a function, not to the functions
it inlines from other files (``persons.step_one`` inlines ``kernel._step_person``, the kernel
inlines ``rules`` and ``rng``). A stale cache then runs old code without a word. Keying the cache
directory by a hash of every compiled source file rules that out. The base directory is
``$NUMBA_CACHE_DIR`` when set, else ``~/.cache/simulation/numba`` (``$XDG_CACHE_HOME`` respected).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

COMPILED_SOURCES = ("states.py", "rng.py", "rules.py", "kernel.py", "persons.py")


def cache_dir() -> Path:
    """The cache directory for the current sources."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in COMPILED_SOURCES:
        digest.update(name.encode())
        digest.update((here / name).read_bytes())
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "simulation", "numba")
    return Path(base) / digest.hexdigest()[:16]


def configure() -> None:
    """Point Numba's cache at ``cache_dir()``; must run before any compiled module is imported."""
    import numba

    numba.config.CACHE_DIR = str(cache_dir())
