"""A run never mixes with what was in its directory, and a rejected run touches nothing (issue 11, items 2, 3, 9).

Everything is decided before Hydra writes ``.hydra/`` and ``app.log``: a directory that holds
anything this program did not write is refused, an earlier run is replaced whole only with
``output.overwrite=true``, and a bad value leaves a finished run's files byte-identical.
"""
from __future__ import annotations

import json
import os

import pytest

from .helpers import TINY, cli, no_temp_files, one_line, snapshot


def test_a_users_file_is_never_overwritten(tmp_path, simulation_main):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "headline.csv").write_text("my own numbers\n")
    for extra in ([], ["output.overwrite=true"]):
        code, err = simulation_main(*TINY, *extra, f"hydra.run.dir={target}")
        assert code == 2
        line = one_line(err)
        assert line.startswith(f"config error: hydra.run.dir={target}: holds headline.csv, which this program did "
                               "not write")
        assert (target / "headline.csv").read_text() == "my own numbers\n"
        assert sorted(p.name for p in target.iterdir()) == ["headline.csv"]


def test_notes_in_a_finished_run_are_never_removed(earlier_run, simulation_main):
    (earlier_run / "notes.txt").write_text("what I saw in this run\n")
    before = snapshot(earlier_run)
    code, err = simulation_main(*TINY, "output.overwrite=true", f"hydra.run.dir={earlier_run}")
    assert code == 2 and "holds notes.txt, which this program did not write" in one_line(err)
    assert snapshot(earlier_run) == before


def test_a_finished_run_is_not_replaced_without_overwrite(earlier_run, simulation_main):
    before = snapshot(earlier_run)
    code, err = simulation_main(*TINY, "economy=steady", f"hydra.run.dir={earlier_run}")
    assert code == 2
    line = one_line(err)
    assert "holds a finished run (scenario baseline, economy recession" in line
    assert line.endswith("choose another directory, or add output.overwrite=true to replace it")
    assert snapshot(earlier_run) == before


def test_a_rejected_value_leaves_a_finished_run_byte_identical(earlier_run):
    """The issue's reproduction: run.seed=-1 into a finished run's folder (a real process: exit status 2)."""
    before = snapshot(earlier_run)
    proc = cli("simulation", *TINY, "run.seed=-1", f"hydra.run.dir={earlier_run}")
    assert proc.returncode == 2
    assert one_line(proc.stderr) == "config error: run.seed=-1: must be >= 0"
    assert snapshot(earlier_run) == before  # .hydra/config.yaml and app.log included


def test_overwrite_replaces_the_earlier_run_whole(earlier_run):
    """A steady run without figures into a recession run's folder: no recession figure stays, and the
    manifest lists exactly the files this run wrote."""
    (earlier_run / ".stocks.parquet.a1b2c3d4.tmp").write_bytes(b"left by a killed write")
    proc = cli("simulation", *TINY, "output.overwrite=true", f"hydra.run.dir={earlier_run}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((earlier_run / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["economy"] == "steady"
    assert not (earlier_run / "figures").exists()
    on_disk = {p.relative_to(earlier_run).as_posix() for p in earlier_run.rglob("*") if p.is_file()}
    hydra_and_log = {".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml", "app.log", "manifest.json"}
    assert on_disk - hydra_and_log == set(manifest["files_bytes"])
    assert no_temp_files(earlier_run)
    assert "output.overwrite=true" not in manifest["overrides"]  # says what to do with the folder, not the run


@pytest.mark.parametrize("case", ["file", "below_a_file", "name_too_long", "empty"])
def test_a_run_directory_that_cannot_be_one(tmp_path, simulation_main, case):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    target, expect = {
        "file": (blocker, "is a file, not a directory"),
        "below_a_file": (blocker / "run", f"is below {blocker}, which is a file"),
        "name_too_long": (tmp_path / ("n" * 300), "a folder name is too long (300 bytes"),
        "empty": ("''", "empty; give a directory"),
    }[case]
    before = snapshot(tmp_path)
    code, err = simulation_main(*TINY, f"hydra.run.dir={target}")
    assert code == 2 and expect in one_line(err) and one_line(err).startswith("config error: hydra.run.dir=")
    assert snapshot(tmp_path) == before


def test_a_read_only_place_is_refused_before_anything_runs(tmp_path, simulation_main, monkeypatch):
    """Tests run as root, which may write anywhere: the file system's answer is what is simulated here."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(tmp_path) else real_access(p, mode))
    code, err = simulation_main(*TINY, f"hydra.run.dir={tmp_path / 'run'}")
    assert code == 2
    assert one_line(err) == (f"config error: hydra.run.dir={tmp_path / 'run'}: cannot write in {tmp_path} "
                             "(no permission to write)")
    assert not (tmp_path / "run").exists()


def test_a_sweep_directory_with_an_earlier_sweep_or_foreign_files(earlier_run, tmp_path, simulation_main):
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    earlier_run.rename(sweep_dir / "0_run.replicates=1")
    (sweep_dir / "multirun.yaml").write_text("hydra: {}\n")
    before = snapshot(sweep_dir)
    code, err = simulation_main("-m", *TINY, "run.seed=1,2", f"hydra.sweep.dir={sweep_dir}")
    assert code == 2
    assert "holds a finished sweep; choose another directory, or add output.overwrite=true" in one_line(err)
    (sweep_dir / "README.txt").write_text("notes\n")
    code, err = simulation_main("-m", *TINY, "run.seed=1,2", "output.overwrite=true", f"hydra.sweep.dir={sweep_dir}")
    assert code == 2 and "holds README.txt, which this program did not write" in one_line(err)
    assert snapshot(sweep_dir) == {**before, "README.txt": snapshot(sweep_dir)["README.txt"]}


def test_every_job_of_a_sweep_is_validated_before_the_first_starts(tmp_path, simulation_main):
    """The third job's value is bad: nothing of the sweep is written, not even the first job."""
    sweep_dir = tmp_path / "sweep"
    code, err = simulation_main("-m", *TINY, "cooperation.strength=0.2,0.5,1.5", f"hydra.sweep.dir={sweep_dir}")
    assert code == 2 and one_line(err) == "config error: cooperation.strength=1.5: must be <= 1.0"
    assert not sweep_dir.exists()


@pytest.mark.parametrize("args", [["hydra.run.dir={run}/sub"], ["-m", "run.seed=1,2", "hydra.sweep.dir={run}/sweep"]])
def test_nothing_is_written_inside_another_runs_directory(earlier_run, simulation_main, args):
    before = snapshot(earlier_run)
    code, err = simulation_main(*TINY, *(a.format(run=earlier_run) for a in args))
    assert code == 2 and f"is inside the run directory {earlier_run};" in one_line(err)
    assert snapshot(earlier_run) == before


def test_a_folder_that_cannot_be_created_is_said_before_hydra_starts(simulation_main, tmp_path, monkeypatch):
    from pathlib import Path

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    code, err = simulation_main(*TINY, f"hydra.run.dir={tmp_path / 'run'}")
    assert code == 2 and one_line(err) == f"config error: hydra.run.dir={tmp_path / 'run'}: cannot create it " \
                                          "(permission denied)"
