"""Helpers of the fault-injection suite: tiny configs, running a command, file digests, one-line checks."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INJECT = Path(__file__).resolve().parent / "inject"
TINY = ["population.scale=5000", "run.replicates=1", "run.years=1", "run.burn_in_years=0", "run.progress=false",
        "output.figures=false", "output.headline=false", "run.threads=1"]
# the earlier run every probe must leave alone: a recession run with its figures
EARLIER = ["population.scale=5000", "run.replicates=1", "run.years=2", "run.burn_in_years=0", "run.progress=false",
           "output.headline=false", "run.threads=1", "economy=recession", "economy.recession.start_year=1",
           "output.figures=true"]


def snapshot(directory: Path) -> dict[str, str]:
    """Every file below ``directory`` (hidden ones and Hydra's included) with its SHA-256."""
    return {p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(directory).rglob("*")) if p.is_file()}


def _as_from_a_terminal() -> None:
    """In the child before it starts Python: Ctrl-C's default disposition and no blocked signals, as a command typed
    in a terminal has them. A test suite started in the background by a non-interactive shell (``cmd &``, a CI
    runner) ignores SIGINT, children inherit that, and Python then keeps ignoring it: a Ctrl-C test would see the
    command finish normally."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def cli(module: str, *args: str, fault: str | None = None, timeout: float = 180, cwd: Path = REPO,
        **popen) -> subprocess.CompletedProcess:
    """``python -m <module> args`` in a real process, started as from a terminal; ``fault`` is SIMULATION_FAULT
    (inject/sitecustomize.py)."""
    env = dict(os.environ)
    if fault:
        env["SIMULATION_FAULT"] = fault
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(INJECT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, check=False, capture_output=True, text=True,
                          timeout=timeout, env=env, preexec_fn=_as_from_a_terminal, **popen)


def one_line(text: str) -> str:
    """The only line of a command's error output (fails when there are more, or a traceback)."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{text[-3000:]}"
    assert "Traceback" not in text
    return lines[0]


def no_temp_files(directory: Path) -> bool:
    return not [p for p in Path(directory).rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


