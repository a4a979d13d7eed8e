"""The replicate rule (on synthetic data with a known sd) and the Monte Carlo sufficiency report."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulation import sufficiency as sufficiency_command
from simulation.analysis import sufficiency as su
from simulation.present.figures.sufficiency import draw_figure
from simulation.runs.indicators import CI_LEVEL
from tests.conftest import SMALL


@given(sd=st.floats(1e-4, 1e4), ratio=st.floats(0.02, 50.0))
@settings(max_examples=300, deadline=None)
def test_rule_gives_the_smallest_replicate_count_that_reaches_the_target(sd, ratio):
    """R = ceil((t sd / h)^2) with t at R - 1 degrees of freedom: the smallest R >= (t sd / h)^2, so R
    reaches the target and R - 1 does not (unless R is the minimum, 2)."""
    h = sd / ratio
    r = su.replicates_for(sd, h)
    t = stats.t.ppf(0.5 + CI_LEVEL / 2, r - 1)
    assert t * sd / math.sqrt(r) <= h * (1 + 1e-12)
    assert r >= (t * sd / h) ** 2 * (1 - 1e-12)
    if r > 2:
        assert stats.t.ppf(0.5 + CI_LEVEL / 2, r - 2) * sd / math.sqrt(r - 1) > h


def test_rule_on_synthetic_replicates_with_known_sd():
    """With the R the rule asks for, the mean of R draws lands within the target at least 90 % of the time.

    The sd is known (2.0), so P(|mean - mu| <= h) = P(|Z| <= h sqrt(R) / sd) >= P(|Z| <= t) > 0.90 exactly;
    4 000 experiments estimate it with sd <= 0.005, so a bound 3 sd below 0.90 cannot fail by chance."""
    sd, h, mu = 2.0, 0.25, 10.0
    r = su.replicates_for(sd, h)
    assert r >= (stats.t.ppf(0.95, r - 1) * sd / h) ** 2
    assert stats.t.ppf(0.95, r - 2) * sd / math.sqrt(r - 1) > h  # one fewer is not enough
    assert stats.norm.cdf(h * math.sqrt(r) / sd) * 2 - 1 >= CI_LEVEL
    rng = np.random.default_rng(20241125)
    means = rng.normal(mu, sd, size=(4000, r)).mean(axis=1)
    assert np.mean(np.abs(means - mu) <= h) >= CI_LEVEL - 3 * math.sqrt(CI_LEVEL * (1 - CI_LEVEL) / 4000)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), sd=st.floats(0.01, 100.0))
@settings(max_examples=50, deadline=None)
def test_replicates_needed_reads_the_sd_of_the_replicates(seed, n, sd):
    values = np.random.default_rng(seed).normal(5.0, sd, size=n)
    per = {"x": (SimpleNamespace(unit="weeks"), values)}
    table = su.replicates_needed(per, half_width=0.1 * sd)
    row = table.iloc[0]
    assert row["sd"] == pytest.approx(values.std(ddof=1))
    assert row["needed"] == su.replicates_for(values.std(ddof=1), 0.1 * sd)
    assert row["enough"] == (n >= row["needed"])
    assert row["half_width"] == pytest.approx(stats.t.ppf(0.95, n - 1) * values.std(ddof=1) / math.sqrt(n))


def test_rule_edge_cases():
    assert su.replicates_for(0.0, 0.1) == 2
    assert su.replicates_for(float("nan"), 0.1) is None
    with pytest.raises(ValueError):
        su.replicates_for(1.0, 0.0)
    assert su.ladder(32) == [2, 4, 8, 16, 32]
    assert su.ladder(20) == [2, 4, 8, 16, 20]
    per = {"share": (SimpleNamespace(unit="share"), np.array([0.5, 0.52, 0.48])),
           "none": (SimpleNamespace(unit="share"), np.array([np.nan, np.nan]))}
    table = su.replicates_needed(per).set_index("indicator")
    assert table.loc["share", "target"] == su.SHARE_TARGET
    assert pd.isna(table.loc["none", "needed"]) and not table.loc["none", "enough"]


def test_halfwidths_follow_the_inverse_square_root_law():
    """For iid normal replicates the ladder's half-widths track t sd / sqrt(R) within sampling error."""
    v = np.random.default_rng(3).normal(0.0, 1.0, size=64)
    table = su.halfwidth_table({"x": v}, {"x": "weeks"}, "level")
    assert list(table["replicates"]) == [2, 4, 8, 16, 32, 64]
    last = table.iloc[-1]
    assert last["half_width"] == pytest.approx(last["law_half_width"])
    # the sd of a sample of R normal values is within a factor 2 of the truth for R >= 8 (very likely)
    big = table[table["replicates"] >= 8]
    assert np.all((big["half_width"] / big["law_half_width"]).between(0.5, 2.0))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("sufficiency")
    over = [o for o in SMALL if not o.startswith("run.replicates")] + ["run.threads=1"]
    return su.analyse(over, replicates=8, indicators=["unemployment_rate_final_year", "neet_share_youth_final_year",
                                                       "cost_nav"], report_dir=out, progress=False,
                       draw=draw_figure)


def test_report_tables_and_figure(report):
    d = report["report_dir"]
    for name in (su.HALFWIDTHS_FILE, su.NEEDED_FILE, su.VALUES_FILE, su.MANIFEST_FILE, su.FIGURE_FILE):
        assert (d / name).stat().st_size > 0, name
    hw = pd.read_csv(d / su.HALFWIDTHS_FILE)
    assert set(hw["kind"]) == {"level", "paired_difference"}
    assert sorted(set(hw["replicates"])) == [2, 4, 8]
    need = pd.read_csv(d / su.NEEDED_FILE)
    assert len(need) == 2 * 3 and (need["default_replicates"] == 20).all()  # the config default
    assert "difference: R" in report["summary"]


def test_paired_difference_needs_fewer_replicates_than_a_level(report):
    """Common random numbers: the replicate-by-replicate difference of weak and strong cooperation
    varies less than either scenario, here for the cost to NAV (a sum over all persons)."""
    need = report["needed"].set_index(["indicator", "kind"])
    assert need.loc[("cost_nav", "paired_difference"), "sd"] < need.loc[("cost_nav", "level"), "sd"]


def test_from_a_run_directory(tmp_path, capsys):
    from simulation import run, write_outputs
    from tests.conftest import small_config

    res = run(small_config("run.replicates=3"), progress=False)
    write_outputs(res, tmp_path)
    assert sufficiency_command.main(["--from", str(tmp_path), "--target", "cost_nav=0.001"]) == 0
    out = capsys.readouterr().out
    assert "cost_nav" in out and "too few replicates" in out


@pytest.mark.parametrize("argv, needle", [
    (["--target", "cost_nav=-1"], "--target 'cost_nav=-1': expected INDICATOR=HALF_WIDTH"),
    (["--target", "cost_na=1"], "'cost_na' is not a headline indicator"),
    (["--replicates", "1"], "--replicates=1: need at least 2"),
    (["run.replicate=3"], "run.replicate"),
    (["--from", "/nonexistent/dir"], "neither indicators_by_replicate.parquet"),
])
def test_bad_input_gives_one_line_errors(argv, needle, capsys):
    assert sufficiency_command.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err, err


def test_from_a_sweep_directory_recovers_the_sd_of_the_differences(tmp_path):
    """sweep_differences.parquet holds the interval, not the sd: sd = half-width * sqrt(n) / t."""
    sd, n = 0.004, 20
    half = stats.t.ppf(0.95, n - 1) * sd / math.sqrt(n)
    pd.DataFrame({"job": ["1_cooperation=strong"], "indicator": ["neet_share_youth_final_year"], "unit": ["share"],
                  "mean_reference": [0.12], "mean_difference": [-0.01], "ci90_low": [-0.01 - half],
                  "ci90_high": [-0.01 + half], "n_pairs": [n], "paired": [True]}).to_parquet(
        tmp_path / "sweep_differences.parquet")
    (tmp_path / "sweep_manifest.json").write_text('{"reference": "0_reference"}')  # a finished aggregation
    row = su.from_directory(tmp_path).iloc[0]
    assert row["sd"] == pytest.approx(sd)
    assert row["needed"] == su.replicates_for(sd, su.SHARE_TARGET)
    assert row["enough"] == (n >= row["needed"])


def test_a_sweep_directory_without_its_manifest_is_refused(tmp_path):
    """sweep_differences.parquet alone means the aggregation did not finish: say so, count nothing."""
    pd.DataFrame({"job": ["1"], "indicator": ["neet_share_youth_final_year"]}).to_parquet(
        tmp_path / "sweep_differences.parquet")
    with pytest.raises(ValueError, match="sweep_manifest.json"):
        su.from_directory(tmp_path)
