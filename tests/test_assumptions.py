"""The assumptions inventory: classification on a hand-made config dir, the top-ten check on fake Morris reports,
the generated space read back by the sensitivity loader, and one-line errors for bad arguments."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulation import assumptions as command
from simulation.analysis import assumptions as am
from simulation.analysis import sensitivity as sa
from simulation.analysis.parameter_space import check_keys
from simulation.core.config import ConfigError
from simulation.runs.indicators import HEADLINE

# Ten sourced values s0..s9, so that an assumption can be ranked just inside or just outside the top ten.
SOURCED = "\n".join(f"  s{i}: {0.1 + i / 100:.2f}   # SSB table 1234{i}" for i in range(10))
RATES = f"""\
# Rates of a hand-made model.
job:
  fitted_rate: 0.5        # assumption; the calibration fits it
  sourced_share: 0.3      # SSB table 12345
  assumed_rate: 2.0       # per year; assumption
  unlabelled: 7           # something without a ground
  unapplied_rate: 0.2     # assumption
  # A block of values under one comment: assumptions.
  block_a: 0.4
  block_b: 0.6
{SOURCED}
"""
CALIBRATION = """\
parameters:
  - {key: rates.job.fitted_rate, low: 0.1, high: 0.9}
  - {key: rates.job.unapplied_rate, low: 0.1, high: 0.9}
settings:
  preset: fit_2019
"""
PRESET = """\
# @package _global_
rates:
  job:
    fitted_rate: 0.61  # calibrated
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """configs/: config.yaml composing rates/default.yaml and the preset calibrated/fit_2019.yaml."""
    root = tmp_path / "configs"
    for sub in ("rates", "calibrated", "calibration"):
        (root / sub).mkdir(parents=True)
    (root / "config.yaml").write_text("defaults:\n  - rates: default\n  - calibrated: fit_2019\n  - _self_\n\n"
                                      "run:\n  seed: 1\n")
    (root / "rates" / "default.yaml").write_text(RATES)
    (root / "calibration" / "x.yaml").write_text(CALIBRATION)
    (root / "calibrated" / "fit_2019.yaml").write_text(PRESET)
    (root / "calibrated" / "none.yaml").write_text("# @package _global_\n# nothing fitted\n")
    return root


def status(inv: pd.DataFrame, key: str) -> str:
    return am.status_of(inv, key)


def test_classifies_fitted_sourced_assumption_unknown_and_unapplied(config_dir):
    inv = am.inventory(config_dir)
    assert status(inv, "rates.job.fitted_rate") == "fitted"            # fitted by x.yaml, set by the preset
    assert status(inv, "rates.job.sourced_share") == "sourced"         # cites SSB
    assert status(inv, "rates.job.assumed_rate") == "assumption"       # says so on its line
    assert status(inv, "rates.job.block_b") == "assumption"            # says so in the comment block above
    assert status(inv, "rates.job.unlabelled") == "unknown"
    assert status(inv, "rates.job.unapplied_rate") == am.UNAPPLIED     # fitted by x.yaml, but not in the preset
    assert status(inv, "rates.job.nothing") == "not in the inventory"
    eff = am.effective(inv)
    # the preset's value is the one in effect; the file's row is overridden
    row = eff[eff["key"] == "rates.job.fitted_rate"]
    assert row["value"].tolist() == ["0.61"] and row["file"].iloc[0].endswith("calibrated/fit_2019.yaml")
    # without the preset the fit is not applied
    inv_none = am.inventory(config_dir, {"calibrated": "none"})
    assert status(inv_none, "rates.job.fitted_rate") == am.UNAPPLIED


def test_space_screens_every_labelled_number_with_the_same_relative_ranges(config_dir):
    """Fitted, sourced and assumed numbers are all screened (so assumptions are ranked among all of them); values
    without a label are not."""
    inv = am.inventory(config_dir)
    values = {"rates.job.fitted_rate": 0.61, "rates.job.sourced_share": 0.3, "rates.job.assumed_rate": 2.0,
              "rates.job.unlabelled": 7.0, "rates.job.unapplied_rate": 0.2, "rates.job.block_a": 0.4,
              "rates.job.block_b": 0.6, **{k: 0.1 for k in SOURCED_KEYS}}
    plan = am.screening_plan(inv, values)
    space = {p["key"]: p for p in am.morris_space(inv, values)}
    assert set(space) == set(values) - {"rates.job.unlabelled"}
    assert dict(zip(plan["key"], plan["cls"]))["rates.job.unapplied_rate"] == am.UNAPPLIED
    bounds = {k: (p["low"], p["high"]) for k, p in space.items()}
    assert bounds["rates.job.assumed_rate"] == (1.0, 3.0)               # a rate: 0.5x-1.5x
    assert bounds["rates.job.fitted_rate"] == (0.305, 0.915)            # around the preset's value, not the file's
    assert bounds["rates.job.sourced_share"] == (0.05, 0.55)            # a share (by its name): +-0.25
    assert space["rates.job.fitted_rate"]["note"].startswith("default 0.61; fitted (calibration/x.yaml")
    # only assumptions, when asked
    only = am.screening_plan(inv, values, classes=("assumption",))
    assert set(only.loc[only["screened"], "key"]) == {"rates.job.assumed_rate", "rates.job.block_a",
                                                      "rates.job.block_b"}


def fake_report(path: Path, order: list[str], null: str = "economy.recession.depth", complete: bool = True) -> Path:
    """A sensitivity report: morris.csv with two indicators whose normalised mu* fall along ``order``."""
    path.mkdir()
    rows = []
    for ind in ("ind_a", "ind_b"):
        for i, p in enumerate([*order, null]):
            score = 0.0 if p == null else 1.0 - i / (len(order) + 1)
            rows.append({"indicator": ind, "parameter": p, "mu_star": score * 3, "mu_star_normalised": score,
                         "null_control": p == null})
    pd.DataFrame(rows).to_csv(path / sa.MORRIS_FILE, index=False)
    (path / sa.MANIFEST_FILE).write_text(json.dumps({
        "complete": complete, "created": "2026-12-01T12:00:00", "runs": {"morris": 120},
        "settings": {"null_control": null, "scale": 200, "replicates": 2, "years": 3, "burn_in_years": 5,
                     "step_days": 14, "seed": 1, "base_overrides": [], "morris": {"trajectories": 4, "levels": 4}},
        "timings_s": {"morris_runs_s": 600.0}}))
    return path


SOURCED_KEYS = [f"rates.job.s{i}" for i in range(10)]


def test_top_ten_check_fails_when_an_assumption_is_in_the_top_ten(config_dir, tmp_path):
    inv = am.inventory(config_dir)
    order = ["rates.job.fitted_rate", "rates.job.assumed_rate", *SOURCED_KEYS]   # the assumption ranks 2nd
    screening = am.read_screening(fake_report(tmp_path / "report", order))
    assert screening.null_importance == 0.0 and "economy.recession.depth" not in screening.importance.index
    top = am.top_ten_check(inv, screening)
    assert len(top) == 10
    assert top.loc[~top["ok"], "parameter"].tolist() == ["rates.job.assumed_rate"]
    assert not am.check_passes(inv, screening)
    page = am.markdown(inv, am.screening_plan(inv, {}), screening, "cmd", "now", ["f"])
    assert "**Check failed:** 1 of the 10" in page and "`rates.job.assumed_rate` (rank 2" in page
    assert "Check passed" not in page


def test_top_ten_check_passes_when_the_assumptions_rank_below_ten(config_dir, tmp_path):
    inv = am.inventory(config_dir)
    order = ["rates.job.fitted_rate", *SOURCED_KEYS[:9], "rates.job.assumed_rate", "rates.job.unapplied_rate"]
    screening = am.read_screening(fake_report(tmp_path / "report", order))
    assert am.check_passes(inv, screening)
    page = am.markdown(inv, am.screening_plan(inv, {"rates.job.assumed_rate": 2.0}), screening, "cmd", "now", ["f"])
    assert "**Check passed:**" in page and "Check failed" not in page
    # the table of remaining assumptions gives the rank of the screened ones, and says which were not screened
    table = page.split("## Every remaining assumption")[1].split("## Values without a label")[0]
    assert "| 11 | `rates.job.assumed_rate` |" in table
    assert "| 12 | `rates.job.unapplied_rate` | 0.2 |" in table and am.UNAPPLIED in table
    assert "`rates.job.block_a`" in table and "not screened" in table
    # an unapplied fit in the top ten fails the check too
    order2 = ["rates.job.unapplied_rate", *SOURCED_KEYS]
    assert not am.check_passes(inv, am.read_screening(fake_report(tmp_path / "report2", order2)))


def test_bad_reports_are_one_line_errors(tmp_path, config_dir):
    with pytest.raises(ConfigError, match="no morris.csv"):
        am.read_screening(tmp_path)
    report = fake_report(tmp_path / "unfinished", ["rates.job.assumed_rate"], complete=False)
    with pytest.raises(ConfigError, match="not complete"):
        am.read_screening(report)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / sa.MORRIS_FILE).write_text("parameter,indicator\nx,y\n")
    with pytest.raises(ConfigError, match="needs the columns"):
        am.read_screening(bad)
    with pytest.raises(ConfigError, match=r"--override calibrated=nope: no file .*options: fit_2019, none"):
        am.inventory(config_dir, {"calibrated": "nope"})
    with pytest.raises(ConfigError, match="has no group 'economy'"):
        am.inventory(config_dir, {"economy": "steady"})
    with pytest.raises(ConfigError, match="expected GROUP=OPTION"):
        am.parse_choices(["calibrated"])


@pytest.mark.parametrize("args, message", [
    (["--override", "calibrated=nope"], "--override calibrated=nope: no file"),
    (["--override", "calibrated"], "--override 'calibrated': expected GROUP=OPTION"),
    (["--morris", "/nonexistent/report"], "--morris /nonexistent/report: not a directory"),
    (["--out", "page.txt"], "--out page.txt: expected a .md file"),
    (["--space", "/nonexistent/dir/space.yaml"], "--space /nonexistent/dir/space.yaml: no directory"),
])
def test_command_bad_arguments_exit_2_with_one_line(args, message, capsys, tmp_path):
    out = [] if "--out" in args else ["--out", str(tmp_path / "page.md")]
    assert command.main([*args, *out]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "page.md").exists()


def test_generated_space_is_accepted_by_the_sensitivity_loader(tmp_path, capsys):
    """The real configs: the space of the Norway fit's model loads, and holds only unsourced, unfitted values."""
    space_file, page = tmp_path / "space.yaml", tmp_path / "page.md"
    assert command.main(["--override", "calibrated=norway_2019", "--space", str(space_file), "--out", str(page)]) == 0
    settings, space = sa.load(space_file)
    assert settings.base_overrides == ("calibrated=norway_2019",)
    assert list(settings.indicators) == list(HEADLINE)
    assert settings.null_control == "economy.recession.depth" and space[-1].key == settings.null_control
    check_keys(space, sa.base_config(settings))   # every key is a key of the composed model
    inv = am.inventory(command.CONFIG_DIR, {"calibrated": "norway_2019"})
    statuses = {p.key: am.status_of(inv, p.key) for p in space[:-1]}
    assert {"fitted", "sourced", "assumption"} <= set(statuses.values()) <= set(am.SCREENED_CLASSES), statuses
    # a value of the preset is screened around the fitted value, not the one rates/default.yaml writes
    preset = yaml.safe_load((command.CONFIG_DIR / "calibrated" / "norway_2019.yaml").read_text())
    fitted = preset["rates"]["jobseeker"]["job_finding"]
    p = next(p for p in space if p.key == "rates.jobseeker.job_finding")
    assert statuses[p.key] == "fitted" and (p.low, p.high) == pytest.approx((0.5 * fitted, 1.5 * fitted), rel=1e-5)
    assert not page.exists()   # --space alone writes the space only


def test_command_check_exits_1_when_an_assumption_is_in_the_top_ten(tmp_path, capsys):
    """The real configs with a fake report: an assumption ranked first fails --check, and the page says which."""
    order = ["rates.ot.job_finding", "rates.jobseeker.job_finding"]   # an assumption, then a value of the preset
    report, page = fake_report(tmp_path / "report", order), tmp_path / "page.md"
    args = ["--override", "calibrated=norway_2019", "--morris", str(report), "--out", str(page)]
    assert command.main([*args, "--check"]) == 1
    text = page.read_text()
    assert "**Check failed:** 1 of the 2" in text and "`rates.ot.job_finding` (rank 1" in text
    assert "| 2 | `rates.jobseeker.job_finding` |" in text and "| fitted | ok |" in text
    assert "python -m simulation.assumptions --override calibrated=norway_2019 --morris" in text
    assert "1 still unsourced and unfitted: rates.ot.job_finding" in capsys.readouterr().out
    assert command.main(args) == 0   # without --check the page is written and the exit status is 0


def test_page_warns_when_the_space_held_only_unsourced_values(config_dir, tmp_path):
    """A report that screened assumptions only cannot say where they rank among the fitted and sourced values."""
    inv = am.inventory(config_dir)
    plan = am.screening_plan(inv, {})
    only = am.read_screening(fake_report(tmp_path / "only", ["rates.job.assumed_rate", "rates.job.block_a"]))
    page = am.markdown(inv, plan, only, "cmd", "now", ["f"])
    assert "The screened parameters by class: 2 assumption." in page and "**Warning:** the space held no fitted" in page
    mixed = am.read_screening(fake_report(tmp_path / "mixed", ["rates.job.assumed_rate", "rates.job.s0"]))
    page = am.markdown(inv, plan, mixed, "cmd", "now", ["f"])
    assert "1 sourced, 1 assumption." in page and "Warning" not in page
