"""The Python API: ``run(load_config(overrides))`` summarises a run like the CLI, deterministically."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulation
from simulation import format_headline, load_config
from simulation.runs import outputs as out
from simulation.runs.indicators import HEADLINE

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["run.replicates=3", "run.years=2", "run.burn_in_years=0.5", "population.scale=2000", "run.progress=false"]
COLUMNS = ["indicator", "unit", "description", "mean", "ci90_low", "ci90_high", "p05", "p95", "sd", "n_valid"]


@pytest.fixture(scope="module")
def results() -> simulation.Results:
    return simulation.run(load_config(SMALL))


def test_indicator_table_shape(results):
    df = results.indicators
    assert isinstance(df, pd.DataFrame)
    missing = [c for c in COLUMNS if c not in df.columns]
    assert not missing, f"indicator table lacks columns {missing}"
    assert df["indicator"].is_unique
    assert list(df["indicator"]) == list(results.per_replicate)
    assert set(HEADLINE) <= set(df["indicator"])
    assert set(df["unit"]) <= {"share", "persons", "weeks", "NOK bn/yr"}
    assert ((df["n_valid"] >= 0) & (df["n_valid"] <= results.raw.replicates)).all()


def test_share_means_in_unit_interval(results):
    shares = results.indicators[results.indicators["unit"] == "share"]
    assert len(shares)
    defined = shares[shares["mean"].notna()]
    bad = defined[(defined["mean"] < 0) | (defined["mean"] > 1)]
    assert bad.empty, bad[["indicator", "mean"]]


def test_confidence_interval_contains_mean(results):
    df = results.indicators
    defined = df[df["ci90_low"].notna() & df["ci90_high"].notna()]
    assert len(defined)
    bad = defined[~((defined["ci90_low"] <= defined["mean"]) & (defined["mean"] <= defined["ci90_high"]))]
    assert bad.empty, bad[["indicator", "ci90_low", "mean", "ci90_high"]]


def test_api_and_cli_give_the_same_numbers(results, tmp_path):
    run_dir = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "simulation", *SMALL, "output.figures=false",
                           f"hydra.run.dir={run_dir}"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, f"CLI failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    cli = pd.read_parquet(run_dir / "indicators.parquet")
    api = results.indicators
    assert list(cli["indicator"]) == list(api["indicator"])
    for col in ("mean", "ci90_low", "ci90_high", "p05", "p95", "sd"):
        a = api[col].to_numpy(dtype=np.float64)
        c = cli[col].to_numpy(dtype=np.float64)
        assert np.array_equal(a, c, equal_nan=True), f"{col} differs:\n" \
            f"""{pd.DataFrame({'indicator': api['indicator'], 'api': a, 'cli': c})[
                ~((a == c) | (np.isnan(a) & np.isnan(c)))]}"""
    assert list(cli["n_valid"]) == list(api["n_valid"])


def test_same_config_twice_is_identical(results):
    again = simulation.run(load_config(SMALL))
    assert np.array_equal(results.raw.stocks, again.raw.stocks)
    assert np.array_equal(results.raw.flows, again.raw.flows)
    assert np.array_equal(results.raw.events, again.raw.events)
    assert results.raw.n_persons == again.raw.n_persons


def test_format_headline_names_each_headline_indicator(results):
    text = format_headline(results)
    assert isinstance(text, str)
    lines = text.splitlines()
    assert len(lines) >= 1 + len(HEADLINE), text
    for name in HEADLINE:
        assert name in text, f"{name} missing from the headline:\n{text}"


def test_stocks_are_reported_raw_and_scaled(results):
    df = out.stocks_table(results.raw)
    scale = results.raw.scale
    assert scale == 2000
    assert np.array_equal(df["count_scaled"].to_numpy(), df["count"].to_numpy(dtype=np.float64) * scale)
    # the raw counts are the kernel's tallies
    assert int(df["count"].sum()) == int(results.raw.stocks.sum())
