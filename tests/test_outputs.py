"""The run directory's output contract: files, manifest, tidy tables, conservation, atomic writes.

One small run directory is built through the CLI (``python -m simulation``) for the whole module;
every test reads it. The contract is what other tools and users rely on (README, simulation/outputs.py).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.core.states import STATE_NAMES
from simulation.runs import outputs as out

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["run.replicates=3", "run.years=2", "run.burn_in_years=0.5", "population.scale=2000", "run.progress=false"]
TABLES = ("stocks.parquet", "flows.parquet", "events.parquet", "indicator_series.parquet", "indicators.parquet")
FIGURES = ("stocks_stacked", "indicators_fan", "flows", "institutions", "queues")
DIMENSIONS = ("county", "age_band", "education", "immigrant")


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    run_dir = tmp_path_factory.mktemp("outrun") / "run"
    proc = subprocess.run([sys.executable, "-m", "simulation", *SMALL, "output.figures=true",
                           "output.figure_format=png", f"hydra.run.dir={run_dir}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, f"CLI failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return run_dir, proc


@pytest.fixture(scope="module")
def run_dir(cli_run) -> Path:
    return cli_run[0]


@pytest.fixture(scope="module")
def manifest(run_dir) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stocks(run_dir) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "stocks.parquet")


@pytest.fixture(scope="module")
def flows(run_dir) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "flows.parquet")


def _all_stocks(stocks: pd.DataFrame) -> np.ndarray:
    """[replicate, step, state] counts of the dimension "all", every state present (zeros included)."""
    a = stocks[stocks["dimension"] == "all"]
    R, T1, S = a["replicate"].max() + 1, a["step"].max() + 1, len(STATE_NAMES)
    arr = np.zeros((R, T1, S), dtype=np.int64)
    st = pd.Categorical(a["state"].astype(str), categories=STATE_NAMES).codes
    assert (st >= 0).all(), "unknown state names in stocks.parquet"
    np.add.at(arr, (a["replicate"].to_numpy(), a["step"].to_numpy(), st), a["count"].to_numpy())
    return arr


# ---------------------------------------------------------------- files


def test_expected_files_exist(run_dir):
    for name in ("manifest.json", *TABLES, "headline.csv"):
        p = run_dir / name
        assert p.is_file(), f"{name} missing"
        assert p.stat().st_size > 0, f"{name} is empty"
    assert (run_dir / ".hydra" / "config.yaml").is_file(), "Hydra's .hydra/config.yaml missing"


def test_three_nonempty_figures(run_dir):
    figs = sorted(p for p in (run_dir / "figures").iterdir() if p.is_file())
    assert len(figs) == len(FIGURES), [p.name for p in figs]
    assert sorted(p.stem for p in figs) == sorted(FIGURES)
    for p in figs:
        assert p.stat().st_size > 0, p


def test_no_leftover_temp_files(run_dir):
    left = [p for p in run_dir.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]
    assert not left, f"temporary files left behind: {left}"


def test_headline_csv_lists_headline_indicators(run_dir):
    from simulation.runs.indicators import HEADLINE

    df = pd.read_csv(run_dir / "headline.csv")
    assert "indicator" in df.columns and "mean" in df.columns
    assert list(df["indicator"]) == HEADLINE


# ---------------------------------------------------------------- manifest


def test_manifest_complete_and_fields(manifest):
    assert manifest["complete"] is True
    for key in ("seed", "replicates", "years", "step_days", "scale", "scenario", "economy",
                "persons_per_replicate", "versions", "git_revision", "timings_s", "files_bytes"):
        assert key in manifest, f"manifest lacks {key}"
    assert manifest["replicates"] == 3
    assert manifest["years"] == 2
    assert manifest["scale"] == 2000
    assert manifest["step_days"] == 7
    assert manifest["scenario"] == "baseline"
    assert manifest["economy"] == "steady"
    assert isinstance(manifest["seed"], int)
    ppr = manifest["persons_per_replicate"]
    assert isinstance(ppr, list) and len(ppr) == manifest["replicates"]
    assert all(isinstance(n, int) and n > 0 for n in ppr)
    for pkg in ("numpy", "numba", "hydra-core"):
        assert pkg in manifest["versions"], f"versions lacks {pkg}"
        assert manifest["versions"][pkg] not in ("", "not installed")
    assert isinstance(manifest["git_revision"], str) and manifest["git_revision"]
    assert isinstance(manifest["timings_s"], dict) and manifest["timings_s"]


def test_manifest_file_sizes_match_disk(run_dir, manifest):
    files = manifest["files_bytes"]
    for name in ("stocks.parquet", "flows.parquet", "events.parquet", "indicator_series.parquet",
                 "indicators.parquet", "headline.csv", *(f"figures/{f}.png" for f in FIGURES)):
        assert name in files, f"files_bytes does not list {name}"
    for name, size in files.items():
        if name == "manifest.json":
            continue
        p = run_dir / name
        assert p.is_file(), f"files_bytes lists {name}, which is not on disk"
        assert p.stat().st_size == size, f"{name}: manifest says {size} bytes, disk has {p.stat().st_size}"


# ---------------------------------------------------------------- stocks


def test_stocks_columns(stocks):
    assert list(stocks.columns) == ["replicate", "step", "year", "state", "dimension", "group", "count",
                                    "count_scaled"]
    assert set(stocks["dimension"].astype(str).unique()) == {"all", *DIMENSIONS}
    assert (stocks["count"] >= 0).all()


def test_stocks_all_sum_to_population(stocks, manifest):
    arr = _all_stocks(stocks)
    ppr = manifest["persons_per_replicate"]
    assert arr.shape[0] == len(ppr)
    assert arr.shape[1] == manifest["steps"] + 1
    totals = arr.sum(axis=2)  # [replicate, step]
    for r, n in enumerate(ppr):
        assert (totals[r] == n).all(), f"replicate {r}: totals {np.unique(totals[r])} != population {n}"


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_stocks_dimension_sums_equal_all(stocks, dimension):
    keys = ["replicate", "step", "state"]
    all_ = stocks[stocks["dimension"] == "all"].groupby(keys, observed=True)["count"].sum()
    dim = stocks[stocks["dimension"] == dimension]
    assert len(dim), f"no rows for dimension {dimension}"
    summed = dim.groupby(keys, observed=True)["count"].sum()
    summed = summed.reindex(all_.index, fill_value=0)
    diff = summed - all_
    assert (diff == 0).all(), f"{dimension}: sums differ from 'all' in {int((diff != 0).sum())} cells:\n" \
                              f"{diff[diff != 0].head(10)}"


# ---------------------------------------------------------------- flows


def test_flows_columns_and_moves_only(flows):
    assert list(flows.columns) == ["replicate", "step", "year", "from_state", "to_state", "count", "count_scaled"]
    assert (flows["from_state"].astype(str) != flows["to_state"].astype(str)).all()
    assert (flows["count"] > 0).all()
    assert (flows["step"] >= 1).all()


def test_flows_conserve_people(stocks, flows):
    st = _all_stocks(stocks)  # [R, T+1, S]
    R, T1, S = st.shape
    inflow = np.zeros_like(st)
    outflow = np.zeros_like(st)
    rep = flows["replicate"].to_numpy()
    step = flows["step"].to_numpy()
    src = pd.Categorical(flows["from_state"].astype(str), categories=STATE_NAMES).codes
    dst = pd.Categorical(flows["to_state"].astype(str), categories=STATE_NAMES).codes
    assert (src >= 0).all() and (dst >= 0).all()
    assert step.max() <= T1 - 1
    np.add.at(inflow, (rep, step, dst), flows["count"].to_numpy())
    np.add.at(outflow, (rep, step, src), flows["count"].to_numpy())
    lhs = st[:, 1:]
    rhs = st[:, :-1] + inflow[:, 1:] - outflow[:, 1:]
    bad = np.argwhere(lhs != rhs)
    assert bad.size == 0, "stock(t) != stock(t-1) + inflow - outflow at (replicate, step-1, state): " \
                          f"{[tuple(int(x) for x in b) for b in bad[:10]]}"


# ---------------------------------------------------------------- stdout


def test_stdout_has_headline_and_output_dir(cli_run):
    run_dir, proc = cli_run
    assert "employment_rate_final_year" in proc.stdout
    assert str(run_dir) in proc.stdout


# ---------------------------------------------------------------- atomic_write


class Boom(RuntimeError):
    pass


def _failing_writer(tmp: Path) -> None:
    tmp.write_text("half a table", encoding="utf-8")
    raise Boom("writer failed")


def _temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_atomic_write_failure_creates_nothing(tmp_path):
    target = tmp_path / "table.parquet"
    with pytest.raises(Boom):
        out.atomic_write(target, _failing_writer)
    assert not target.exists()
    assert not _temp_files(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_failure_keeps_existing_target(tmp_path):
    target = tmp_path / "headline.csv"
    target.write_text("old content\n", encoding="utf-8")
    with pytest.raises(Boom):
        out.atomic_write(target, _failing_writer)
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert not _temp_files(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["headline.csv"]


def test_atomic_write_success_replaces_target(tmp_path):
    target = tmp_path / "sub" / "headline.csv"
    out.atomic_write(target, lambda tmp: tmp.write_text("new\n", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "new\n"
    out.atomic_write(target, lambda tmp: tmp.write_text("newer\n", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "newer\n"
    assert not _temp_files(target.parent)
