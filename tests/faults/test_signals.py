"""Ctrl-C, kill -9 and a failing disk during the simulation and during the writes (issue 11, item 9).

Real processes: the fault is injected by ``inject/sitecustomize.py`` at a known point (a replicate
starting, a file written but not yet renamed into place), and the process sends itself the signal.
Ctrl-C ends in one line and status 130, a disk fault in one line and status 1; a killed run leaves
an incomplete directory that the next run replaces only with ``output.overwrite=true``, removing
the temporary file the kill left.
"""
from __future__ import annotations

import errno
import json
import os
import signal

import pytest

from simulation.runs.rundir import describe_os_error

from .helpers import TINY, cli, no_temp_files, one_line


def _complete(run_dir) -> bool:
    try:
        return json.loads((run_dir / "manifest.json").read_text())["complete"] is True
    except (OSError, ValueError, KeyError):
        return False


@pytest.mark.parametrize("where", ["replicate:1", "write:flows.parquet"])
def test_ctrl_c_says_which_directory_it_left_incomplete(tmp_path, where):
    run_dir = tmp_path / "run"
    proc = cli("simulation", *TINY, "run.replicates=2", f"hydra.run.dir={run_dir}", fault=f"sigint@{where}")
    assert proc.returncode == 130, proc.stderr[-3000:]
    assert one_line(proc.stderr) == f"interrupted: {run_dir} left incomplete"
    assert not _complete(run_dir) and no_temp_files(run_dir)
    if where.startswith("write"):
        assert (run_dir / "stocks.parquet").is_file() and not (run_dir / "flows.parquet").exists()


def test_kill_during_the_simulation_leaves_an_incomplete_run_that_is_replaced_only_when_asked(tmp_path,
                                                                                              simulation_main):
    run_dir = tmp_path / "run"
    proc = cli("simulation", *TINY, f"hydra.run.dir={run_dir}", fault="sigkill@replicate:0")
    assert proc.returncode == -signal.SIGKILL
    assert sorted(p.name for p in run_dir.iterdir()) == [".hydra", "app.log"]
    code, err = simulation_main(*TINY, f"hydra.run.dir={run_dir}")
    assert code == 2
    assert one_line(err) == (f"config error: hydra.run.dir={run_dir}: holds an incomplete earlier run; choose another "
                             "directory, or add output.overwrite=true to replace it")


def test_kill_during_a_write_leaves_a_temporary_file_that_the_next_run_removes(tmp_path):
    run_dir = tmp_path / "run"
    proc = cli("simulation", *TINY, f"hydra.run.dir={run_dir}", fault="sigkill@write:events.parquet")
    assert proc.returncode == -signal.SIGKILL
    left = [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    # stocks.parquet is encoded on a second thread while the other tables are written, so its temporary file
    # may be left as well; what matters: no half-written table under a final name ...
    assert any(n.startswith(".events.parquet.") for n in left)
    assert set(left) <= {n for n in left if n.startswith((".events.parquet.", ".stocks.parquet."))}
    assert not (run_dir / "events.parquet").exists() and not _complete(run_dir)  # ... and not complete
    again = cli("simulation", *TINY, "output.overwrite=true", f"hydra.run.dir={run_dir}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert _complete(run_dir) and no_temp_files(run_dir)


def test_a_disk_fault_while_writing_is_one_line_and_status_1(tmp_path):
    run_dir = tmp_path / "run"
    proc = cli("simulation", *TINY, f"hydra.run.dir={run_dir}", fault="erofs@write:indicators.parquet")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert one_line(proc.stderr) == (f"error: {run_dir / 'indicators.parquet'}: read-only file system ({run_dir} left "
                                     "incomplete)")
    assert not _complete(run_dir) and no_temp_files(run_dir)


@pytest.mark.parametrize("code, why", [(errno.ENOSPC, "the disk is full"), (errno.EIO, "input/output error"),
                                       (errno.EDQUOT, "the disk quota is exceeded"),
                                       (errno.EACCES, "permission denied")])
def test_file_system_faults_are_named_in_words(tmp_path, code, why):
    """The file being written is named, not its temporary name."""
    err = OSError(code, os.strerror(code), str(tmp_path / ".stocks.parquet.0a1b2c3d.tmp"))
    assert describe_os_error(err) == f"{tmp_path / 'stocks.parquet'}: {why}"
