"""Sweep aggregation with damaged and foreign files in the sweep directory (issue 11, item 8).

A job whose files are damaged or of another schema is named as missing, never crashes the
aggregation; a folder no job wrote is left out (and said so); a fault while writing the sweep files
leaves no stale ``sweep_manifest.json``; the job directories are never changed.
"""
from __future__ import annotations

import errno
import json
import shutil

import pandas as pd
import pytest

from simulation import sweep as sweep_command
from simulation.analysis import sweep
from simulation.runs import outputs as out

from .helpers import no_temp_files, one_line, snapshot


@pytest.fixture
def sweep_dir(earlier_run_template, tmp_path):
    """A sweep directory with two finished jobs (copies of the earlier run, as jobs 0 and 1)."""
    d = tmp_path / "sweep"
    for name in ("0_run.seed=1", "1_run.seed=2"):
        shutil.copytree(earlier_run_template, d / name)
    return d


def _jobs_snapshot(d):
    return {p.name: snapshot(p) for p in d.iterdir() if p.is_dir()}


def _aggregate(d, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = sweep_command.main([str(d), "--no-figure"])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_a_job_table_of_another_schema_makes_that_job_missing(sweep_dir, capsys):
    job = sweep_dir / "1_run.seed=2"
    pd.DataFrame({"name": ["x"], "score": [1.0]}).to_parquet(job / "indicators.parquet")
    manifest = json.loads((job / "manifest.json").read_text())  # sizes as if the foreign table had been listed
    manifest["files_bytes"]["indicators.parquet"] = (job / "indicators.parquet").stat().st_size
    (job / "manifest.json").write_text(json.dumps(manifest))
    jobs = _jobs_snapshot(sweep_dir)
    code, stdout, err = _aggregate(sweep_dir, capsys)
    assert code == 0 and "sweep: 1 complete job, 1 missing" in stdout
    assert "1_run.seed=2 (indicators.parquet has no column 'indicator' (not a table of this program))" in one_line(err)
    assert set(pd.read_parquet(sweep_dir / sweep.INDICATORS_FILE)["job"]) == {"0_run.seed=1"}
    assert _jobs_snapshot(sweep_dir) == jobs


def test_a_truncated_table_makes_that_job_missing(sweep_dir, capsys):
    stocks = sweep_dir / "1_run.seed=2" / "stocks.parquet"
    size = stocks.stat().st_size
    stocks.write_bytes(stocks.read_bytes()[: size // 2])
    code, stdout, err = _aggregate(sweep_dir, capsys)
    assert code == 0 and "1 missing" in stdout
    assert (f"1_run.seed=2 (damaged: stocks.parquet: {size // 2} bytes, but manifest.json says {size} (damaged or "
            "changed since the run))") in one_line(err)
    man = json.loads((sweep_dir / sweep.MANIFEST_FILE).read_text())
    assert man["complete"] == ["0_run.seed=1"] and "output.overwrite=true" in man["rerun"]["1_run.seed=2"]


@pytest.mark.parametrize("damage", ["list", "not json", "no replicates"])
def test_a_damaged_manifest_makes_that_job_missing(sweep_dir, capsys, damage):
    path = sweep_dir / "1_run.seed=2" / "manifest.json"
    path.write_text({"list": "[1, 2]", "not json": "{complete: tru",
                     "no replicates": json.dumps({"complete": True, "files_bytes": {}})}[damage])
    code, stdout, err = _aggregate(sweep_dir, capsys)
    assert code == 0 and "sweep: 1 complete job, 1 missing" in stdout
    assert "1_run.seed=2 (" in one_line(err)


def test_a_foreign_numbered_folder_is_not_a_job(sweep_dir, capsys):
    (sweep_dir / "7_holiday_photos").mkdir()
    (sweep_dir / "7_holiday_photos" / "beach.jpg").write_bytes(b"\xff\xd8")
    code, stdout, err = _aggregate(sweep_dir, capsys)
    assert code == 0 and "sweep: 2 complete jobs;" in stdout
    assert one_line(err) == "warning: left out 1 folder that no job of this program wrote: 7_holiday_photos"
    man = json.loads((sweep_dir / sweep.MANIFEST_FILE).read_text())
    assert man["ignored_folders"] == ["7_holiday_photos"] and man["rerun"] == {} and man["missing"] == []
    assert not (sweep_dir / sweep.MISSING_FILE).exists()


def test_a_disk_fault_while_aggregating_leaves_no_stale_manifest(sweep_dir, capsys, monkeypatch):
    assert _aggregate(sweep_dir, capsys)[0] == 0
    jobs = _jobs_snapshot(sweep_dir)
    real = out.write_parquet

    def full_disk(df, path):
        if path.name == sweep.DIFFERENCES_FILE:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(df, path)

    monkeypatch.setattr(out, "write_parquet", full_disk)
    code, _, err = _aggregate(sweep_dir, capsys)
    assert code == 1
    assert one_line(err) == (f"python -m simulation.sweep: error: {sweep_dir / sweep.DIFFERENCES_FILE}: the disk is "
                             f"full ({sweep_dir} left incomplete)")
    assert not (sweep_dir / sweep.MANIFEST_FILE).exists()  # the earlier aggregation no longer claims to be current
    assert _jobs_snapshot(sweep_dir) == jobs and no_temp_files(sweep_dir)


def test_ctrl_c_while_aggregating(sweep_dir, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(out, "write_text", interrupted)
    code, _, err = _aggregate(sweep_dir, capsys)
    assert code == 130 and one_line(err) == f"interrupted: {sweep_dir} left incomplete"


def test_a_leftover_temporary_file_is_removed(sweep_dir, capsys):
    (sweep_dir / ".sweep_summary.csv.deadbeef.tmp").write_text("half")
    assert _aggregate(sweep_dir, capsys)[0] == 0
    assert no_temp_files(sweep_dir)


def test_a_run_directory_is_not_aggregated_as_a_sweep(earlier_run, capsys):
    before = snapshot(earlier_run)
    code, _, err = _aggregate(earlier_run, capsys)
    assert code == 2 and one_line(err) == (f"error: {earlier_run} is a run directory (it holds manifest.json), not a "
                                           "sweep directory")
    assert snapshot(earlier_run) == before
