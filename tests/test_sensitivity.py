"""The sensitivity analysis: null control, the pipeline on a tiny design, failures and bad input."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from simulation import load_config, run, validate
from simulation import sensitivity as sensitivity_command
from simulation.analysis import sensitivity as sa
from simulation.analysis.parameter_space import Parameter
from simulation.analysis.parameter_space import overrides as space_overrides
from simulation.core.config import ConfigError
from simulation.present.figures.sensitivity import draw_figure
from tests.conftest import small_config

NULL = "economy.recession.depth"
SPACE = [
    Parameter("rates.jobseeker.assessment_rate", 1.0, 3.0),
    Parameter("cooperation.effects.dropout", 0.0, 1.0),
    Parameter("rates.ot.referral_rate", 0.25, 0.75),
    Parameter(NULL, 0.0, 0.95, "null control"),
]
INDICATORS = ("unemployment_rate_final_year", "neet_share_youth_final_year", "mean_nav_spell_weeks")
SMALL_SETTINGS = ["scale=2000", "years=1", "burn_in_years=0", "workers=1"]  # the bad-space cases fail before any run


def tiny_settings(**changes) -> sa.Settings:
    """A design of 3 x 5 Morris runs and 8 x 5 Sobol runs of about 1 700 persons each."""
    s = sa.Settings(base_overrides=("cooperation=strong",), scale=2000.0, replicates=1, years=2.0, burn_in_years=0.5,
                    step_days=14, seed=7, workers=1, conf_level=0.9, null_control=NULL, indicators=INDICATORS,
                    morris=sa.MorrisSettings(trajectories=3, levels=4, bootstrap=100),
                    sobol=sa.SobolSettings(top_k=2, base_samples=8, bootstrap=100))
    return replace(s, **changes)


def test_null_control_is_read_by_no_rule_in_a_steady_economy():
    """Common random numbers: the recession depth at its two bounds gives bit-identical runs."""
    a = run(small_config(f"{NULL}=0.0", "run.threads=1"), progress=False)
    b = run(small_config(f"{NULL}=0.95", "run.threads=1"), progress=False)
    assert np.array_equal(a.raw.stocks, b.raw.stocks)
    assert np.array_equal(a.raw.events, b.raw.events)
    pd.testing.assert_frame_equal(a.indicators, b.indicators)


def test_a_design_point_is_the_config_the_command_line_would_compose():
    settings = tiny_settings()
    base = sa.base_config(settings)
    x = [2.5, 0.7, 0.3, 0.4]
    direct = validate(load_config([*sa.model_overrides(settings), *space_overrides(SPACE, x)]))
    assert validate(sa.point_config(base, SPACE, x)) == direct
    # the shortcut the design points take gives the same config, and the same checks reject a bad value
    assert sa.point_sim_config(validate(base), SPACE, x) == direct
    with pytest.raises(ConfigError, match="rates.ot.referral_rate"):
        sa.point_sim_config(validate(base), SPACE, [2.5, 0.7, -0.3, 0.4])


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The whole pipeline on a tiny design, in two worker processes."""
    out = tmp_path_factory.mktemp("sensitivity")
    return sa.analyse(tiny_settings(workers=2), SPACE, out, progress=False, draw=draw_figure)


def test_pipeline_writes_a_complete_report(report):
    d = report["report_dir"]
    manifest = json.loads((d / sa.MANIFEST_FILE).read_text())
    assert manifest["complete"] is True and manifest["failed_points"] == {}
    assert manifest["runs"] == {"morris": 3 * 5, "sobol": 8 * (3 + 2)}
    for name in (sa.MORRIS_FILE, sa.SOBOL_FILE, sa.MORRIS_RUNS, sa.SOBOL_RUNS, sa.FIGURE_FILE):
        assert (d / name).stat().st_size > 0, name
    assert not (d / sa.FAILED_FILE).exists()
    assert not list(d.glob(".*.tmp"))
    morris = pd.read_csv(d / sa.MORRIS_FILE)
    assert len(morris) == len(SPACE) * len(INDICATORS)
    assert report["selected"][-1] == NULL and len(report["selected"]) == 3
    assert "null control" in report["summary"]


def test_null_control_indices_are_zero_within_their_interval(report):
    morris, sobol = report["morris"], report["sobol"]
    null_m = morris[morris["parameter"] == NULL]
    assert (null_m["mu_star"] == 0).all() and (null_m["sigma"] == 0).all()  # identical runs: exactly 0
    null_s = sobol[sobol["parameter"] == NULL]
    assert len(null_s) == len(INDICATORS)
    for s in ("S1", "ST"):
        assert ((null_s[f"{s}_low"] <= 0) & (null_s[f"{s}_high"] >= 0)).all(), null_s
    # ... while a parameter that rules do read moves the indicators
    real = morris[morris["parameter"] == "rates.jobseeker.assessment_rate"]
    assert (real["mu_star"] > 0).all()
    assert sobol[sobol["parameter"] != NULL]["ST"].max() > 0.1


def test_redraw_reads_only_the_report_files(report, tmp_path):
    d = tmp_path / "copy"
    d.mkdir()
    for name in (sa.MORRIS_FILE, sa.SOBOL_FILE, sa.MANIFEST_FILE):
        (d / name).write_bytes((report["report_dir"] / name).read_bytes())
    assert sensitivity_command.main(["--redraw", str(d)]) == 0
    assert (d / sa.FIGURE_FILE).stat().st_size > 0


def test_sobol_indices_of_a_known_additive_function(monkeypatch, tmp_path):
    """Y = 3 x0 + x1 (no model runs): ST = S1 = w_i^2 var_i / sum, the null and the third parameter 0;
    one failing point drops its Morris trajectory and Sobol block and is reported, not raised."""
    w = np.array([3.0, 1.0, 0.0, 0.0])
    lo, hi = np.array([[p.low, p.high] for p in SPACE]).T
    var = w ** 2 * (hi - lo) ** 2 / 12
    bad = {}

    def fake(base, space, x, indicators):
        x = np.asarray(x, dtype=float)
        full = np.array([x[[p.key for p in space].index(q.key)] if q.key in [p.key for p in space]
                         else (q.low + q.high) / 2 for q in SPACE])
        if not bad:
            bad["x"] = x.copy()
        if np.array_equal(x, bad["x"]):
            raise RuntimeError("kernel exploded\nsecond line")
        return np.full(len(indicators), full @ w)

    monkeypatch.setattr(sa, "evaluate_point", fake)
    settings = tiny_settings(morris=sa.MorrisSettings(trajectories=6, levels=4, bootstrap=200),
                             sobol=sa.SobolSettings(top_k=2, base_samples=512, bootstrap=200))
    res = sa.analyse(settings, SPACE, tmp_path, progress=False)
    assert res["failed"] == {"morris:0": "RuntimeError: kernel exploded"}
    failed = pd.read_csv(tmp_path / sa.FAILED_FILE)
    assert failed.loc[0, "error"] == "RuntimeError: kernel exploded"
    assert (res["morris"]["trajectories"] == 5).all()  # the trajectory with the failed point is left out
    assert res["selected"][:2] == ["rates.jobseeker.assessment_rate", "cooperation.effects.dropout"]
    s = res["sobol"][res["sobol"]["indicator"] == INDICATORS[0]].set_index("parameter")
    expected = var[:2] / var.sum()
    for s_name in ("S1", "ST"):
        est = s.loc[[p.key for p in SPACE[:2]], s_name].to_numpy()
        conf = s.loc[[p.key for p in SPACE[:2]], f"{s_name}_conf"].to_numpy()
        # 4 bootstrap half-widths (at 90 %: about 2.4 sd) for two indices: a false failure is very unlikely
        assert np.all(np.abs(est - expected) <= 4 * conf + 1e-9), (s_name, est, expected, conf)
    assert s.loc[NULL, "ST"] == 0 and s.loc[NULL, "S1"] == 0


@pytest.mark.parametrize("changes, needle", [
    (["settings.morris.trajectory=3"], "settings.morris.trajectory=3: unknown setting (did you mean 'trajectories'?)"),
    (["settings.morris.levels=3"], "settings.morris.levels=3: must be even"),
    (["settings.sobol.base_samples=100"], "settings.sobol.base_samples=100: must be a power of 2"),
    (["settings.null_control=rates.ot.job_findin"], "settings.null_control='rates.ot.job_findin': must be one of"),
    (["settings.workers=0"], "settings.workers=0: must be an integer >= 1"),
    (["settings.scale=-3"], "settings.scale=-3: must be a number in [1.0"),
    (["workers=2"], "'workers=2': expected settings.KEY=VALUE"),
])
def test_bad_settings_give_one_line_errors(changes, needle, capsys):
    assert sensitivity_command.main(changes) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err, err


def test_bad_space_gives_one_line_errors(tmp_path, capsys):
    def write(params, settings="settings: {null_control: null}\n"):
        path = tmp_path / f"space{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(settings + "parameters:\n" + "".join(f"  - {p}\n" for p in params))
        return path

    cases = [
        (write(["{key: rates.ot.job_findin, low: 0.1, high: 0.5}"]), "rates.ot.job_findin: not a key"),
        (write(["{key: rates.amo_course.pass_share, low: 0.5, high: 1.5}"]),
         "rates.amo_course.pass_share: bound 1.5 is rejected by the model"),
        (write(["{key: rates.ot.job_finding, low: 0.5, high: 0.1}"]),
         "bounds [0.5, 0.1] must be finite with low < high"),
        (write(["{key: rates.ot.job_finding, low: 0.1, high: 0.5}"],
               "settings: {base_overrides: [cooperation=medum]}\n"),
         "cooperation='medum': unknown option"),
    ]
    for path, needle in cases:
        assert sensitivity_command.main(["--space", str(path), *[f"settings.{k}" for k in SMALL_SETTINGS]]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err, (needle, err)

