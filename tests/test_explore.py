"""Exploratory modelling (simulation.analysis.explore): the design is reproducible and checked, scenario discovery
recovers a planted rule (variable and threshold), the regret ranking is right, and the command runs a tiny
design end to end through Hydra's multirun, one run directory per experiment."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulation.analysis import explore as ex
from simulation.core.config import ConfigError

REPO = Path(__file__).resolve().parent.parent


def test_the_default_design_is_valid_and_its_futures_reproducible():
    design = ex.load_design()
    ex.check_design(design)
    a, b = ex.sample_futures(design), ex.sample_futures(design)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == design.settings.futures
    for p in design.uncertainties:  # a Latin hypercube: one future in each of the n strata of every uncertainty
        strata = np.floor((a[p.key] - p.low) / (p.high - p.low) * len(a)).astype(int)
        assert sorted(strata) == list(range(len(a)))
    exps = ex.experiments(design, a)
    assert len(exps) == len(a) * len(design.policies)
    assert exps.groupby("future")["policy"].nunique().eq(len(design.policies)).all()


@pytest.mark.parametrize("change, message", [
    ("settings.futures=1", "settings.futures=1: must be a number in"),
    ("settings.reference_policy=nobody", "settings.reference_policy='nobody': must be one of the policies"),
    ("settings.futurs=3", "unknown setting (did you mean 'futures'?)"),
])
def test_a_bad_setting_is_one_line_naming_it(change, message):
    with pytest.raises(ConfigError) as err:
        ex.load_design(ex.DEFAULT_DESIGN, [change])
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_bad_policy_override_is_caught_before_any_run(tmp_path):
    data = yaml.safe_load(ex.DEFAULT_DESIGN.read_text())
    data["policies"]["typo"] = ["scenario=public_first_enforce"]
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"policy typo: config error: scenario='public_first_enforce'"):
        ex.check_design(ex.load_design(path))


def test_prim_recovers_a_planted_rule_on_the_real_designs_futures():
    """Failure exactly when one uncertainty is above a threshold: PRIM's box must restrict that uncertainty alone,
    from the threshold to the top of its range, within the design's resolution."""
    design = ex.load_design(ex.DEFAULT_DESIGN, ["settings.futures=200"])
    futures = ex.sample_futures(design)
    key, thr = "cooperation.effects.education_path", 1.0
    p = next(u for u in design.uncertainties if u.key == key)
    y = futures[key].to_numpy() > thr
    failures = pd.DataFrame({"criterion": "planted", "policy": "p", "future": futures["future"],
                             "value": futures[key], "fails": y})
    settings = ex.PrimSettings(threshold=1.0, peel_alpha=0.05, mass_min=0.05)
    design = ex.Design(design.question, ex.Settings(**{**design.settings.__dict__, "prim": settings}),
                       design.uncertainties, design.policies, design.criteria, design.robustness)
    boxes = ex.discover(failures, futures, design)[ex.PRIM_BOXES_FILE]
    restricted = boxes[boxes["restricted"]]
    assert list(restricted["uncertainty"]) == [key]
    box = restricted.iloc[0]
    # resolution: one Latin-hypercube stratum (range / n) plus one peel (peel_alpha of the range at most)
    tol = (p.high - p.low) * (1 / len(futures) + settings.peel_alpha)
    assert abs(box["low"] - thr) <= tol, (box["low"], thr, tol)
    assert box["high"] == pytest.approx(p.high, abs=(p.high - p.low) / len(futures))
    assert box["density"] == 1.0 and box["coverage"] >= 1 - settings.peel_alpha - 1 / len(futures)
    feats = ex.discover(failures, futures, design)[ex.FEATURES_FILE]
    assert feats.sort_values("score").iloc[-1]["uncertainty"] == key


def test_regret_ranks_by_the_largest_shortfall_and_counts_the_best():
    outcomes = pd.DataFrame({
        "future": [0, 0, 0, 1, 1, 1, 2, 2, 2], "policy": ["a", "b", "c"] * 3, "status": "complete",
        "cost": [1.0, 2.0, 3.0, 5.0, 1.0, 2.0, 2.0, 2.0, 9.0],
    })
    design = ex.Design("", ex.Settings(), (), {"a": (), "b": (), "c": ()}, (), (ex.Objective("cost", "min"),))
    table, per_future = ex.regret_table(outcomes, design)
    t = table.set_index("policy")
    assert t.loc["a", "max_regret"] == 4.0 and t.loc["b", "max_regret"] == 1.0 and t.loc["c", "max_regret"] == 7.0
    assert list(table.sort_values("rank_minimax_regret")["policy"]) == ["b", "a", "c"]
    assert t.loc["a", "share_best"] == pytest.approx((1 + 0.5) / 3)  # best in future 0, tied in future 2
    assert t.loc["b", "share_best"] == pytest.approx((1 + 0.5) / 3)
    assert per_future["regret"].min() == 0.0 and len(per_future) == 9


def test_the_command_runs_a_tiny_design_end_to_end(tiny_exploration):
    """4 futures x 3 policies through Hydra's multirun (tests/conftest.py); policy no_op changes only the figure
    language, which no rule reads, so every difference from the reference is exactly zero (common random numbers)."""
    out_dir, proc = tiny_exploration
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((out_dir / ex.MANIFEST_FILE).read_text())
    assert manifest["experiments"] == 12 and manifest["complete"] == 12 and not manifest["missing"]
    assert "hydra_plugins.simulation_design_sweeper" in manifest["runs_command"]
    for run_dir in manifest["run_dirs"].values():
        assert json.loads((Path(run_dir) / "manifest.json").read_text())["complete"] is True
        overrides = yaml.safe_load((Path(run_dir) / ".hydra" / "overrides.yaml").read_text())
        assert "run.seed=20241125" in overrides
    outcomes = pd.read_parquet(out_dir / ex.OUTCOMES_FILE)
    no_op = outcomes[outcomes["policy"] == "no_op"]
    assert (no_op["net_public_cost_pv_vs_reference"] == 0).all()
    assert (no_op["person_years_in_work_vs_reference"] == 0).all()
    real = outcomes[outcomes["policy"] == "strong_cooperation"]
    assert (real["net_public_cost_pv_vs_reference"] != 0).all()  # a policy that acts changes the costs
    boxes = pd.read_csv(out_dir / ex.PRIM_BOXES_FILE)
    no_op_boxes = boxes[(boxes["policy"] == "no_op") & (boxes["criterion"] == "net_cost_not_reduced")]
    assert list(no_op_boxes["note"]) == ["fails in every future"]  # a no-op never lowers the net cost
    for name in (ex.REGRET_FILE, ex.FAILURES_FILE, "tradeoff.png", "regret.png", ex.FUTURES_FILE):
        assert (out_dir / name).is_file(), name
    again = subprocess.run([sys.executable, "-m", "simulation.explore", "--analyse", str(out_dir)],
                           capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 0 and "robustness" in again.stdout
