"""What keeps a run's start-up short stays correct: the override check leaves composing to Hydra only when
composing cannot fail, Student's t quantile without scipy.stats is scipy's to the last bit, and the
command's modules load no heavy library that the first simulated step does not need."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import types
import typing

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from simulation import load_config
from simulation.core.config import SimConfig
from simulation.runs import overrides as ov
from simulation.runs.indicators import t_quantile


def _schema_keys(tp, prefix: str = "") -> list[str]:
    """Every key of the config schema, sections and values, dotted."""
    keys = []
    for name, hint in typing.get_type_hints(tp).items():
        if name not in {f.name for f in dataclasses.fields(tp)}:
            continue
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1:
            hint = args[0]
        key = f"{prefix}{name}"
        keys.append(key)
        if dataclasses.is_dataclass(hint):
            keys += _schema_keys(hint, key + ".")
    return keys


def test_every_schema_key_is_in_the_default_config_or_listed_as_absent():
    """What lets check_overrides leave a plain change to Hydra: the key is there, so composing succeeds."""
    cfg = load_config()
    missing = [k for k in _schema_keys(SimConfig) if OmegaConf.select(cfg, k, default="<missing>") == "<missing>"]
    unlisted = [k for k in missing if not any(k == p or k.startswith(p + ".") for p in ov.ABSENT_FROM_DEFAULTS)]
    assert not unlisted, "add these sections to overrides.ABSENT_FROM_DEFAULTS"
    assert all(p in missing for p in ov.ABSENT_FROM_DEFAULTS)  # the list names nothing the defaults have


def test_plain_overrides_are_not_composed_twice(monkeypatch):
    composed = []
    monkeypatch.setattr(ov, "_check_composition", lambda overrides: composed.append(overrides) or None)
    assert ov.check_overrides(["run.replicates=3", "population.scale=1000", "run.progress=false",
                               "hydra.run.dir=/tmp/x", "output.figures=false"]) is None
    assert composed == []
    for needs in (["economy=recession"], ["+cooperation.by_county.Oslo=0.3"], ["cooperation.by_county={}"],
                  ["~run.seed"], ["run=3"], ["-m", "run.replicates=2,3", "cooperation=weak,strong"],
                  ["economy.replay.first_year=2009"]):
        composed.clear()
        assert ov.check_overrides(needs) is None
        assert len(composed) == 1, needs


def test_a_bad_override_still_fails_in_one_line():
    assert ov.check_overrides(["run.replicate=3"]).startswith("config error: run.replicate: unknown key")
    assert "unknown option" in ov.check_overrides(["economy=recesion"])
    assert ov.check_overrides(["economy.replay.first_year=2009"]).startswith("config error: economy.replay")


@settings(max_examples=200, deadline=None)
@given(p=st.floats(0.5, 0.999), df=st.one_of(st.integers(1, 400).map(float), st.floats(0.05, 1e6)))
def test_t_quantile_is_scipys(p, df):
    from scipy import stats

    assert t_quantile(p, df) == float(stats.t.ppf(p, df))


def test_t_quantile_without_degrees_of_freedom_is_nan():
    assert np.isnan(t_quantile(0.95, 0)) and np.isnan(t_quantile(0.95, float("nan")))


@pytest.mark.parametrize("module, absent", [
    ("simulation.app", ["matplotlib", "scipy.stats"]),
    ("simulation.api", ["matplotlib", "scipy.stats"]),
])
def test_the_commands_modules_load_no_library_the_first_step_does_not_need(module, absent):
    code = f"import sys, {module}; print(' '.join(m for m in {absent!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"{module} imports {out}"


def test_sweep_jobs_can_leave_their_figures_to_the_plot_command(tmp_path):
    sweep_dir = tmp_path / "multirun"
    proc = subprocess.run([sys.executable, "-m", "simulation", "-m", "cooperation=weak,strong",
                           "output.sweep_figures=false", "population.scale=8000", "run.years=1",
                           "run.burn_in_years=0.5", "run.replicates=2",
                           "run.progress=false", "output.headline=false", f"hydra.sweep.dir={sweep_dir}"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    jobs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and p.name[0].isdigit())
    assert len(jobs) == 2
    for job in jobs:
        assert '"complete": true' in (job / "manifest.json").read_text()
        assert not (job / "figures").exists()
    assert (sweep_dir / "sweep_indicators.parquet").is_file() and (sweep_dir / "sweep_differences.png").is_file()
    proc = subprocess.run([sys.executable, "-m", "simulation.plots", str(sweep_dir)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for job in jobs:
        assert len(list((job / "figures").glob("*.png"))) == 5


@pytest.mark.parametrize("overrides", [[], ["run.replicates=3", "hydra.run.dir=/tmp/x"], ["economy=recession"],
                                       ["cooperation=weak,strong"], ["+experiment=recession_cooperation"],
                                       ["hydra.mode=MULTIRUN"], ["hydra.mode=RUN"]])
def test_hydras_mode_is_read_without_composing_where_composing_would_say_none(overrides):
    from hydra import initialize_config_dir
    from hydra._internal.hydra import Hydra
    from hydra.core.global_hydra import GlobalHydra

    import simulation.app  # noqa: F401  (puts the shortcut in place)
    from simulation.runs.compose import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
        hydra = GlobalHydra.instance().hydra
        fast = Hydra.get_mode(hydra, "config", list(overrides))
        assert fast == Hydra.get_mode.composing(hydra, "config", list(overrides))


def _draw_categorical_per_person(rng, p):
    """The population's categorical draw as it was: one row of probabilities per person."""
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = np.maximum(cum[:, -1], 1.0)
    u = rng.random(p.shape[0])[:, None]
    return np.argmax(u < cum, axis=1)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_rows=st.integers(1, 7), n_cat=st.integers(1, 14), n=st.integers(0, 3000),
       zeros=st.floats(0.0, 0.8))
def test_categorical_draw_by_row_is_the_per_person_draw(seed, n_rows, n_cat, n, zeros):
    from simulation.core.population import draw_categorical

    rng = np.random.default_rng(seed)
    p = rng.random((n_rows, n_cat)) * (rng.random((n_rows, n_cat)) >= zeros)
    p[:, -1] += 1e-3
    p /= p.sum(axis=1, keepdims=True)
    rows = rng.integers(0, n_rows, n)
    mine = draw_categorical(np.random.default_rng(seed + 1), p, rows)
    theirs = _draw_categorical_per_person(np.random.default_rng(seed + 1), p[rows])
    assert np.array_equal(mine, theirs)
