"""The other commands under bad input and faults (issue 11, item 9): where the results go is checked
before the work starts; a run that is incomplete, damaged or not ours is not drawn or counted;
faults and Ctrl-C end in one line.
"""
from __future__ import annotations

import errno
import json

import pytest

from simulation import calibration as calibration_command
from simulation import plots as plots_command
from simulation import sensitivity as sensitivity_command
from simulation import sufficiency as sufficiency_command
from simulation.runs import digest

from .helpers import TINY, no_temp_files, one_line, snapshot

TABLES = ("stocks.parquet", "flows.parquet", "indicators.parquet", "manifest.json")


def _call(main, argv, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().err


def _never(*args, **kwargs):
    pytest.fail("the work started before its output directory was checked")


@pytest.mark.parametrize("command", ["sufficiency", "calibration", "sensitivity"])
@pytest.mark.parametrize("where", ["file", "not empty"])
def test_out_is_checked_before_the_work_starts(tmp_path, capsys, monkeypatch, command, where):
    target = tmp_path / "taken"
    if where == "file":
        target.write_text("a file\n")
        expected = f"--out={target}: is a file, not a directory"
    else:
        target.mkdir()
        (target / "old.csv").write_text("x\n")
        expected = f"--out={target}: is not empty; a report goes into a new or empty directory"
    before = snapshot(tmp_path)
    module, argv = {
        "sufficiency": (sufficiency_command, ["--replicates", "2", "--out", str(target), *TINY]),
        "calibration": (calibration_command, ["--max-evaluations", "1", "--no-preset", "--out", str(target), *TINY]),
        "sensitivity": (sensitivity_command, ["--out", str(target)]),
    }[command]
    monkeypatch.setattr(module, "fit" if command == "calibration" else "analyse", _never)
    code, err = _call(module.main, argv, capsys)
    assert code == 2
    assert one_line(err).endswith(expected) and one_line(err).startswith(("config error: ", "sufficiency error: "))
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("damage, expected", [
    ("incomplete", 'manifest.json: the run is incomplete ("complete": false): it was interrupted or failed; re-run it'),
    ("list", "manifest.json: not a run manifest (a JSON list, expected an object)"),
    ("not json", "manifest.json: damaged, not valid JSON (Expecting"),
    ("absent", "manifest.json: not found"),
    ("truncated", "stocks.parquet: 10 bytes, but manifest.json says"),
])
def test_plot_and_sufficiency_refuse_a_run_they_cannot_trust(earlier_run, capsys, damage, expected):
    manifest_path = earlier_run / "manifest.json"
    if damage == "incomplete":
        manifest_path.write_text(json.dumps({**json.loads(manifest_path.read_text()), "complete": False}))
    elif damage == "list":
        manifest_path.write_text("[1, 2, 3]")
    elif damage == "not json":
        manifest_path.write_text('{"complete": tr')
    elif damage == "absent":
        manifest_path.unlink()
    else:
        (earlier_run / "stocks.parquet").write_bytes((earlier_run / "stocks.parquet").read_bytes()[:10])
    before = snapshot(earlier_run)
    for main, argv in ((plots_command.main, [str(earlier_run)]),
                       (sufficiency_command.main, ["--from", str(earlier_run)])):
        code, err = _call(main, argv, capsys)
        assert code == 2
        line = one_line(err)
        assert str(earlier_run) in line and expected in line, line
    assert snapshot(earlier_run) == before


def test_a_disk_fault_while_drawing_is_one_line_and_leaves_the_tables(earlier_run, capsys, monkeypatch):
    from simulation.present import style

    tables = {k: v for k, v in snapshot(earlier_run).items() if k in TABLES}

    def full_disk(path, write):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(style, "atomic_write", full_disk)
    code, err = _call(plots_command.main, [str(earlier_run), "--lang", "nb"], capsys)
    assert code == 1
    assert one_line(err) == (f"python -m simulation.plots: error: {earlier_run / 'figures' / 'stocks_stacked.png'}: "
                             f"the disk is full ({earlier_run / 'figures'} left incomplete)")
    assert {k: v for k, v in snapshot(earlier_run).items() if k in TABLES} == tables
    assert no_temp_files(earlier_run)


def test_ctrl_c_while_drawing(earlier_run, capsys, monkeypatch):
    from simulation.present.figures import run as run_figures

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_figures, "make_figures", interrupted)
    code, err = _call(plots_command.main, [str(earlier_run)], capsys)
    assert code == 130 and one_line(err) == f"interrupted: {earlier_run / 'figures'} left incomplete"


def test_plot_removes_temporary_files_a_killed_plot_left(earlier_run, capsys):
    (earlier_run / "figures" / ".flows.png.0a1b2c3d.tmp").write_bytes(b"half a png")
    assert _call(plots_command.main, [str(earlier_run)], capsys)[0] == 0
    assert no_temp_files(earlier_run)


def test_digest_of_a_damaged_table_names_it(earlier_run, capsys):
    (earlier_run / "flows.parquet").write_bytes(b"PAR1 not really")
    code, err = _call(digest.main, [str(earlier_run)], capsys)
    assert code == 2 and one_line(err).startswith(f"digest: {earlier_run / 'flows.parquet'}: cannot be read (")


def test_a_sweep_manifest_that_is_not_ours(tmp_path, capsys):
    d = tmp_path / "sweep"
    d.mkdir()
    (d / "sweep_manifest.json").write_text("[]")
    (d / "sweep_differences.parquet").write_bytes(b"x")
    code, err = _call(plots_command.main, [str(d)], capsys)
    assert code == 2 and "sweep_manifest.json: not a sweep manifest of this program" in one_line(err)
