"""Numba's cache directory is keyed by the compiled sources, so an edit to an inlined function in
another file (kernel -> persons, rules -> kernel) can never run stale machine code."""
from __future__ import annotations

import numba

from simulation import numba_cache


def test_the_cache_in_use_is_the_one_for_these_sources():
    assert numba.config.CACHE_DIR == str(numba_cache.cache_dir())


def test_editing_a_compiled_source_moves_the_cache(tmp_path, monkeypatch):
    src = tmp_path / "simulation"
    src.mkdir()
    for name in numba_cache.COMPILED_SOURCES:
        (src / name).write_text(f"# {name}\n")
    monkeypatch.setattr(numba_cache, "__file__", str(src / "numba_cache.py"))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    before = numba_cache.cache_dir()
    (src / "rules.py").write_text("# rules.py, edited\n")
    after = numba_cache.cache_dir()
    assert before != after and before.parent == after.parent == tmp_path / "cache"
