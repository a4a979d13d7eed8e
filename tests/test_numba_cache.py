"""Numba's cache directory is keyed by the compiled sources, so an edit to an inlined function in
another file (kernel -> persons, rules -> kernel) can never run stale machine code."""
from __future__ import annotations

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
