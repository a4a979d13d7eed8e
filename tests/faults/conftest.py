"""Fault-injection suite: bad input, damaged files and faults, each checked for one line, its exit
status, and that no earlier result changed (SHA-256 of every file before and after).

Tiny configs throughout (one replicate of a 1:5000 sample, one year, no burn-in). A real process
is started only where one is needed (signals, exit statuses of a whole command); the rest runs in
this process. ``inject/sitecustomize.py`` injects faults into subprocesses (``SIMULATION_FAULT``).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from .helpers import EARLIER, cli


@pytest.fixture(scope="session")
def earlier_run_template(tmp_path_factory) -> Path:
    """A finished recession run with figures, made once by the command line (copied by ``earlier_run``)."""
    run_dir = tmp_path_factory.mktemp("earlier") / "run"
    proc = cli("simulation", *EARLIER, f"hydra.run.dir={run_dir}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return run_dir


@pytest.fixture
def earlier_run(earlier_run_template, tmp_path) -> Path:
    """A private copy of the finished run (so each test may damage its own)."""
    target = tmp_path / "earlier"
    shutil.copytree(earlier_run_template, target)
    return target


@pytest.fixture
def simulation_main(monkeypatch, capsys):
    """``python -m simulation ARGS`` in this process, for command lines refused before Hydra starts:
    returns (exit status, stderr)."""
    from hydra.core.global_hydra import GlobalHydra

    from simulation.__main__ import entry

    def call(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["simulation", *args])
        capsys.readouterr()
        try:
            entry()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            GlobalHydra.instance().clear()
        return code, capsys.readouterr().err

    return call
