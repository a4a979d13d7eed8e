"""Numba's cache directory is keyed by the compiled sources, so an edit to an inlined function in
another file (kernel -> persons, rules -> kernel) can never run stale machine code."""
from __future__ import annotations

import re

import numba

from simulation.core import numba_cache


def test_the_cache_in_use_is_the_one_for_these_sources():
    assert numba.config.CACHE_DIR == str(numba_cache.cache_dir())


def test_editing_a_compiled_source_moves_the_cache(tmp_path, monkeypatch):
    src = tmp_path / "simulation"
    for name in numba_cache.COMPILED_SOURCES:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(f"# {name}\n")
    monkeypatch.setattr(numba_cache, "PACKAGE", src)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    before = numba_cache.cache_dir()
    (src / "core" / "rules.py").write_text("# rules.py, edited\n")
    after = numba_cache.cache_dir()
    assert before != after and before.parent == after.parent == tmp_path / "cache"


def test_every_compiled_source_exists():
    assert all((numba_cache.PACKAGE / name).is_file() for name in numba_cache.COMPILED_SOURCES
               if name not in ("core/step.py", "core/allocation.py", "core/schema.py"))


def test_every_module_with_compiled_code_is_hashed():
    """A module that defines a compiled function (or that compiled code inlines: its njit-decorated helpers) must be
    in the cache key, or an edit to it would leave a stale compiled kernel in the cache."""
    defining = {p.relative_to(numba_cache.PACKAGE).as_posix() for p in numba_cache.PACKAGE.rglob("*.py")
                if re.search(r"^\s*@njit", p.read_text(encoding="utf-8"), re.M)}
    assert defining, "no compiled code found: the scan is broken"
    assert defining <= set(numba_cache.COMPILED_SOURCES), sorted(defining - set(numba_cache.COMPILED_SOURCES))
