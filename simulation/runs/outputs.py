"""Tidy tables, the manifest and atomic writes: the output contract other tools and users rely on.

Every file is written to a temporary name in the same folder and renamed into place, so a
killed job never leaves a half-written table under the final name. ``manifest.json`` is
written first without and last with ``"complete": true``: only then is the directory complete.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.core.schema import EVENT_NAMES
from simulation.core.states import STATE_NAMES
from simulation.runs import breakdowns
from simulation.runs.atomic import atomic_write
from simulation.runs.ledger import ledger_table
from simulation.runs.montecarlo import SimResult

MANIFEST = "manifest.json"
TABLES = ("stocks.parquet", "flows.parquet", "events.parquet", "indicator_series.parquet", "indicators.parquet",
          "crosstab.parquet", "exits.parquet", "durations.parquet", "cohorts.parquet",
          "indicators_by_replicate.parquet", "ledger.parquet", "institutions.parquet", "headline.csv")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False, compression="zstd"))


def write_text(text: str, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _years(res: SimResult, steps: np.ndarray) -> np.ndarray:
    return res.start_year + steps * res.step_days / 365.25


def stocks_table(res: SimResult) -> pd.DataFrame:
    """step x state x group x replicate, raw and scaled to the real population."""
    R, T1, S, G = res.stocks.shape
    rep, step, state, group = (a.ravel() for a in np.meshgrid(np.arange(R), np.arange(T1), np.arange(S), np.arange(G),
                                                             indexing="ij"))
    counts = res.stocks.ravel()
    dims = pd.Categorical([d for d, _ in res.groups])
    groups = pd.Categorical([g for _, g in res.groups])
    return pd.DataFrame({
        "replicate": rep.astype(np.int16),
        "step": step.astype(np.int32),
        "year": _years(res, step),
        "state": pd.Categorical.from_codes(state, STATE_NAMES),
        "dimension": dims[group],
        "group": groups[group],
        "count": counts.astype(np.int32),
        "count_scaled": counts * res.scale,
    })


def flows_table(res: SimResult) -> pd.DataFrame:
    """Moves between different states per step (stayers are not listed), raw and scaled."""
    R, T1, S, _ = res.flows.shape
    fl = res.flows.copy()
    idx = np.arange(S)
    fl[:, :, idx, idx] = 0
    rep, step, src, dst = np.nonzero(fl)
    counts = fl[rep, step, src, dst]
    return pd.DataFrame({
        "replicate": rep.astype(np.int16),
        "step": step.astype(np.int32),
        "year": _years(res, step),
        "from_state": pd.Categorical.from_codes(src, STATE_NAMES),
        "to_state": pd.Categorical.from_codes(dst, STATE_NAMES),
        "count": counts.astype(np.int32),
        "count_scaled": counts * res.scale,
    })


def events_table(res: SimResult) -> pd.DataFrame:
    """Programme outcomes, youth-guarantee offers, spells and attribute stocks per step, raw and scaled
    (``nav_spell_days`` is a sum of days, so its scaled value is person-days)."""
    R, T1, E = res.events.shape
    rep, step, ev = (a.ravel() for a in np.meshgrid(np.arange(R), np.arange(T1), np.arange(E), indexing="ij"))
    return pd.DataFrame({
        "replicate": rep.astype(np.int16),
        "step": step.astype(np.int32),
        "year": _years(res, step),
        "event": pd.Categorical.from_codes(ev, EVENT_NAMES),
        "count": res.events.ravel(),
        "count_scaled": res.events.ravel() * res.scale,
    })


def series_table(res: SimResult, series: dict) -> pd.DataFrame:
    """Indicators over time per replicate (what the fan chart shows)."""
    frames = []
    for name, (ind, arr) in series.items():
        R, T1 = arr.shape
        rep, step = (a.ravel() for a in np.meshgrid(np.arange(R), np.arange(T1), indexing="ij"))
        frames.append(pd.DataFrame({"replicate": rep.astype(np.int16), "step": step.astype(np.int32),
                                    "year": _years(res, step), "indicator": name, "unit": ind.unit,
                                    "value": arr.ravel()}))
    df = pd.concat(frames, ignore_index=True)
    return df[np.isfinite(df["value"])].reset_index(drop=True)


def institutions_table(res: SimResult) -> pd.DataFrame:
    """The institutions' records (Mesa DataCollector) with calendar years."""
    df = res.institutions.copy()
    if df.empty:
        return pd.DataFrame({"replicate": pd.Series(dtype=np.int16), "step": pd.Series(dtype=np.int32),
                             "year": pd.Series(dtype=np.float64), "county": pd.Series(dtype=str),
                             "institution": pd.Series(dtype=str), "variable": pd.Series(dtype=str),
                             "value": pd.Series(dtype=np.float64)})
    df["year"] = _years(res, df["step"].to_numpy())
    for col in ("county", "institution", "variable"):
        df[col] = df[col].astype("category")
    return df[["replicate", "step", "year", "county", "institution", "variable", "value"]]


def replicate_table(per_replicate: dict) -> pd.DataFrame:
    """Every headline indicator's value in every replicate: what paired scenario differences need."""
    frames = []
    for name, (ind, values) in per_replicate.items():
        frames.append(pd.DataFrame({"indicator": name, "unit": ind.unit, "replicate": np.arange(len(values), dtype=np.int16),
                                    "value": np.asarray(values, dtype=np.float64)}))
    return pd.concat(frames, ignore_index=True)


def git_revision(where: Path) -> str:
    """The code's git revision (with '+dirty' when changed), or 'unknown' outside a checkout."""
    try:
        rev = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return (rev + ("+dirty" if dirty else "")) if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("simulation", "numpy", "numba", "llvmlite", "pandas", "pyarrow", "scipy", "hydra-core", "omegaconf",
                "matplotlib", "mesa"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def manifest(cfg, res: SimResult, timings: dict, files: dict[str, int], overrides: list[str], complete: bool) -> dict:
    """What reproduces and describes the run; ``complete`` is true only once every file is in place."""
    import numba

    return {
        "complete": complete,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seed": cfg.run.seed,
        "replicates": res.replicates,
        "years": cfg.run.years,
        "step_days": cfg.run.step_days,
        "steps": res.steps,
        "burn_in_years": cfg.run.burn_in_years,
        "start_year": res.start_year,
        "scale": res.scale,
        "scenario": cfg.scenario.name,
        "economy": cfg.economy.name,
        "cooperation": cfg.cooperation.name,
        "engine": cfg.run.engine,
        "counties": res.counties,
        "persons_per_replicate": res.n_persons,
        "population_16_66_represented": float(sum(cfg.counties[c].population_16_66 for c in res.counties)),
        "figure_format": cfg.output.figure_format,
        "bytes_per_person": res.bytes_per_person,
        "groups": [list(g) for g in res.groups],
        "overrides": overrides,
        "git_revision": git_revision(Path(__file__).resolve().parent),
        "versions": versions(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "numba_threads": numba.get_num_threads()},
        "timings_s": timings,
        "files_bytes": files,
        "language": cfg.output.language,
    }


def write_json(data: dict, path: Path) -> None:
    """A JSON file (indented, UTF-8, anything else as str), written atomically."""
    write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", Path(path))


def write_manifest(data: dict, directory: Path) -> None:
    write_json(data, Path(directory) / MANIFEST)


def read_manifest(directory: Path) -> dict:
    return json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))


def youth_max_age(run_dir: Path) -> int | None:
    """The configured upper youth age, from Hydra's saved config when the run has it (for labels)."""
    try:
        import yaml

        cfg = yaml.safe_load((Path(run_dir) / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
        return int(cfg["indicators"]["youth_max_age"])
    except Exception:  # noqa: BLE001 -- no or an unreadable saved config: the labels say "youth"
        return None


def write_tables(results, directory: Path | str, overrides: list[str]) -> None:
    """The run directory's tables and headline, then a manifest that says ``complete: false``
    (figures read it for their labels; :func:`finish` rewrites it last)."""
    directory = Path(directory)
    t0 = time.perf_counter()
    raw = results.raw
    write_parquet(stocks_table(raw), directory / "stocks.parquet")
    write_parquet(flows_table(raw), directory / "flows.parquet")
    write_parquet(events_table(raw), directory / "events.parquet")
    write_parquet(series_table(raw, results.series), directory / "indicator_series.parquet")
    write_parquet(institutions_table(raw), directory / "institutions.parquet")
    write_parquet(ledger_table(raw.bookings, results.config.funding, raw.step_days, raw.scale, raw.start_year),
                  directory / "ledger.parquet")
    write_parquet(results.indicators, directory / "indicators.parquet")
    write_parquet(replicate_table(results.per_replicate), directory / "indicators_by_replicate.parquet")
    write_parquet(breakdowns.crosstab_table(raw), directory / "crosstab.parquet")
    write_parquet(breakdowns.exits_table(raw), directory / "exits.parquet")
    write_parquet(breakdowns.durations_table(raw), directory / "durations.parquet")
    write_parquet(raw.cohorts, directory / "cohorts.parquet")
    write_text(results.headline().to_csv(index=False), directory / "headline.csv")
    raw.timings["tables_s"] = time.perf_counter() - t0
    write_manifest(manifest(results.config, raw, raw.timings, {}, list(overrides), complete=False), directory)


def finish(results, directory: Path | str, overrides: list[str]) -> dict[str, int]:
    """List the run directory's files and write the manifest last, with ``complete: true``. Returns file sizes."""
    directory = Path(directory)
    raw = results.raw
    files = {str(p.relative_to(directory)): p.stat().st_size for p in sorted(directory.rglob("*"))
             if p.is_file() and not p.name.startswith(".") and ".hydra" not in p.parts
             and p.name != MANIFEST and p.suffix != ".log"}
    write_manifest(manifest(results.config, raw, raw.timings, files, list(overrides), complete=True), directory)
    return files
