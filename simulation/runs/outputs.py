"""Tidy tables, the manifest and atomic writes: the output contract other tools and users rely on.

Every file is written to a temporary name in the same folder and renamed into place, so a
killed job never leaves a half-written table under the final name. ``manifest.json`` is
written first without and last with ``"complete": true``: only then is the directory complete.
:func:`check_complete` is what readers use to trust a run directory (complete, no table changed).
"""
from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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
FAILED_FILE = "job_failed.txt"  # a sweep job that raised: the one-line reason, then the traceback (simulation.app)
FIGURES_DIR = "figures"
RUN_FIGURES = ("stocks_stacked", "indicators_fan", "flows", "institutions", "queues")  # figures/<name>.<format>
FIGURE_FORMATS = ("png", "svg", "pdf")


class ManifestError(ValueError):
    """A run directory's manifest that is absent, damaged or not a run's; the message is one line naming the file."""


def write_parquet(table: pd.DataFrame | pa.Table, path: Path) -> None:
    """A table (a DataFrame, or an Arrow table built to a DataFrame's schema) as zstd-compressed Parquet."""
    if isinstance(table, pd.DataFrame):
        atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False, compression="zstd"))
    else:
        atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_text(text: str, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _years(res: SimResult, steps: np.ndarray) -> np.ndarray:
    return res.start_year + steps * res.step_days / 365.25


def _arrow(columns: dict[str, np.ndarray | tuple[np.ndarray, list[str]]]) -> pa.Table:
    """An Arrow table with exactly the schema (pandas metadata included) that ``DataFrame.to_parquet`` writes
    for the same columns: numbers as they are, labels as categoricals given as (codes, categories).

    Built straight from the arrays: a long table (millions of rows) never becomes a DataFrame, whose
    categorical columns are slow to make and to convert."""
    head = pd.DataFrame({name: pd.Categorical.from_codes(col[0][:1], col[1]) if isinstance(col, tuple) else col[:1]
                         for name, col in columns.items()})
    schema = pa.Schema.from_pandas(head, preserve_index=False)
    arrays = []
    for field, col in zip(schema, columns.values()):
        if isinstance(col, tuple):
            codes = np.asarray(col[0]).astype(field.type.index_type.to_pandas_dtype(), copy=False)
            arrays.append(pa.DictionaryArray.from_arrays(codes, pa.array(col[1], type=field.type.value_type)))
        else:
            arrays.append(pa.array(col, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def stocks_arrow(res: SimResult) -> pa.Table:
    """step x state x group x replicate, raw and scaled to the real population (``stocks.parquet``)."""
    R, T1, S, G = res.stocks.shape
    dims = pd.Categorical([d for d, _ in res.groups])
    groups = pd.Categorical([g for _, g in res.groups])
    counts = res.stocks.ravel()
    return _arrow({
        "replicate": np.repeat(np.arange(R, dtype=np.int16), T1 * S * G),
        "step": np.tile(np.repeat(np.arange(T1, dtype=np.int32), S * G), R),
        "year": np.tile(np.repeat(_years(res, np.arange(T1)), S * G), R),
        "state": (np.tile(np.repeat(np.arange(S, dtype=np.int8), G), R * T1), STATE_NAMES),
        "dimension": (np.tile(dims.codes, R * T1 * S), list(dims.categories)),
        "group": (np.tile(groups.codes, R * T1 * S), list(groups.categories)),
        "count": counts.astype(np.int32, copy=False),
        "count_scaled": counts * res.scale,
    })


def stocks_table(res: SimResult) -> pd.DataFrame:
    """``stocks.parquet`` as a DataFrame."""
    return stocks_arrow(res).to_pandas()


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


def events_arrow(res: SimResult) -> pa.Table:
    """Programme outcomes, youth-guarantee offers, spells and attribute stocks per step, raw and scaled
    (``nav_spell_days`` is a sum of days, so its scaled value is person-days): ``events.parquet``."""
    R, T1, E = res.events.shape
    counts = res.events.ravel()
    return _arrow({
        "replicate": np.repeat(np.arange(R, dtype=np.int16), T1 * E),
        "step": np.tile(np.repeat(np.arange(T1, dtype=np.int32), E), R),
        "year": np.tile(np.repeat(_years(res, np.arange(T1)), E), R),
        "event": (np.tile(np.arange(E), R * T1), EVENT_NAMES),
        "count": counts,
        "count_scaled": counts * res.scale,
    })


def events_table(res: SimResult) -> pd.DataFrame:
    """``events.parquet`` as a DataFrame."""
    return events_arrow(res).to_pandas()


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
        frames.append(pd.DataFrame({"indicator": name, "unit": ind.unit,
                                    "replicate": np.arange(len(values), dtype=np.int16),
                                    "value": np.asarray(values, dtype=np.float64)}))
    return pd.concat(frames, ignore_index=True)


@functools.lru_cache(maxsize=8)
def git_revision(where: Path) -> str:
    """The code's git revision (with '+dirty' when changed), or 'unknown' outside a checkout. Asked once per
    process: the code that runs is the code imported at the start, whatever happens to the checkout later."""
    try:
        rev = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return (rev + ("+dirty" if dirty else "")) if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    return dict(_versions())


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    out = {"python": platform.python_version()}
    for pkg in ("simulation", "numpy", "numba", "llvmlite", "pandas", "pyarrow", "scipy", "hydra-core", "omegaconf",
                "matplotlib", "mesa"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return tuple(out.items())


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
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "numba_threads": res.threads or numba.get_num_threads()},
        "timings_s": timings,
        "files_bytes": files,
        "language": cfg.output.language,
        "youth_max_age": cfg.indicators.youth_max_age,
    }


def write_json(data: dict, path: Path) -> None:
    """A JSON file (indented, UTF-8, anything else as str), written atomically."""
    write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", Path(path))


def write_manifest(data: dict, directory: Path) -> None:
    write_json(data, Path(directory) / MANIFEST)


def read_manifest(directory: Path) -> dict:
    """The run directory's ``manifest.json`` as a dict; :class:`ManifestError` (one line, naming the file)
    when it is absent, unreadable, not JSON or not a JSON object."""
    path = Path(directory) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: not found (not a run directory, or the run was killed before it started "
                            "writing)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ManifestError(f"{path}: unreadable ({type(err).__name__}: {getattr(err, 'strerror', None) or err})") \
            from None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ManifestError(f"{path}: damaged, not valid JSON ({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: not a run manifest (a JSON {type(data).__name__}, expected an object)")
    return data


def check_complete(directory: Path | str) -> dict:
    """The manifest of a finished run whose files are all in place; :class:`ManifestError` otherwise.

    A run is finished when its manifest says ``"complete": true`` (written last). Every table it
    lists must still have the size it had then, so a truncated or replaced table is caught before
    anything is drawn or computed from it. (Figures are left out: the plot command redraws them.)
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest.get("complete") is not True:
        raise ManifestError(f"{directory / MANIFEST}: the run is incomplete (\"complete\": "
                            f"{json.dumps(manifest.get('complete'))}): it was interrupted or failed; re-run it")
    files = manifest.get("files_bytes")
    if not isinstance(files, dict):
        raise ManifestError(f"{directory / MANIFEST}: lists no files (files_bytes); not a manifest of this program")
    for name, size in files.items():
        if name.startswith(f"{FIGURES_DIR}/"):
            continue
        path = directory / name
        try:
            actual = path.stat().st_size
        except OSError:
            raise ManifestError(f"{path}: listed in {MANIFEST} but missing") from None
        if actual != size:
            raise ManifestError(f"{path}: {actual} bytes, but {MANIFEST} says {size} (damaged or changed since "
                                "the run)")
    return manifest


def youth_max_age(run_dir: Path) -> int | None:
    """The configured upper youth age (for labels): from the manifest, else from Hydra's saved config."""
    try:
        value = read_manifest(run_dir).get("youth_max_age")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    except ManifestError:
        pass
    try:
        import yaml

        cfg = yaml.safe_load((Path(run_dir) / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
        return int(cfg["indicators"]["youth_max_age"])
    except Exception:  # noqa: BLE001 -- no or an unreadable saved config: the labels say "youth"
        return None


def write_tables(results, directory: Path | str, overrides: list[str]) -> list[Path]:
    """The run directory's tables and headline, then a manifest that says ``complete: false``
    (figures read it for their labels; :func:`finish` rewrites it last). Returns the files written."""
    directory = Path(directory)
    t0 = time.perf_counter()
    raw = results.raw
    # first a manifest that says the run is not complete: the directory is marked as a run of this
    # program from its first file on, so a run killed while writing can be replaced (output.overwrite)
    write_manifest(manifest(results.config, raw, raw.timings, {}, list(overrides), complete=False), directory)
    # the largest table is encoded on a second thread (Arrow works without the GIL) while this one does the rest
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stocks") as pool:
        stocks = pool.submit(lambda: write_parquet(stocks_arrow(raw), directory / "stocks.parquet"))
        written = _write_small_tables(results, directory)
        stocks.result()
    written.insert(0, directory / "stocks.parquet")
    raw.timings["tables_s"] = time.perf_counter() - t0
    write_manifest(manifest(results.config, raw, raw.timings, {}, list(overrides), complete=False), directory)
    return written


def _write_small_tables(results, directory: Path) -> list[Path]:
    """Every table but stocks.parquet, and the headline; returns the files written."""
    raw = results.raw
    tables = {
        "flows.parquet": lambda: flows_table(raw),
        "events.parquet": lambda: events_arrow(raw),
        "indicator_series.parquet": lambda: series_table(raw, results.series),
        "institutions.parquet": lambda: institutions_table(raw),
        "ledger.parquet": lambda: ledger_table(raw.bookings, results.config.funding, raw.step_days, raw.scale,
                                               raw.start_year),
        "indicators.parquet": lambda: results.indicators,
        "indicators_by_replicate.parquet": lambda: replicate_table(results.per_replicate),
        "crosstab.parquet": lambda: breakdowns.crosstab_table(raw),
        "exits.parquet": lambda: breakdowns.exits_table(raw),
        "durations.parquet": lambda: breakdowns.durations_table(raw),
        "cohorts.parquet": lambda: raw.cohorts,
    }
    written = []
    for name, table in tables.items():
        write_parquet(table(), directory / name)
        written.append(directory / name)
    write_text(results.headline().to_csv(index=False), directory / "headline.csv")
    written.append(directory / "headline.csv")
    return written


def finish(results, directory: Path | str, overrides: list[str], written: list[Path] | None = None) -> dict[str, int]:
    """Write the manifest last, with ``complete: true`` and the sizes of the files this run wrote
    (``written``; by default the tables and figures the run writes that are present). Returns the sizes."""
    directory = Path(directory)
    raw = results.raw
    if written is None:
        names = [*TABLES, *(f"{FIGURES_DIR}/{n}.{results.config.output.figure_format}" for n in RUN_FIGURES)]
        written = [directory / n for n in names if (directory / n).is_file()]
    files = {Path(p).relative_to(directory).as_posix(): Path(p).stat().st_size for p in sorted(written)}
    write_manifest(manifest(results.config, raw, raw.timings, files, list(overrides), complete=True), directory)
    return files
