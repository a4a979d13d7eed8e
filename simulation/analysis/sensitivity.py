"""Global sensitivity analysis of the headline indicators to the assumption parameters (SALib).

Many rates and all cooperation effect sizes have no source (docs/domain.md): they are marked
"assumption" in the configs. This module shows which of them move the headline indicators:

1. **Morris screening** of every parameter in the space (``configs/sensitivity/default.yaml``):
   ``r`` one-at-a-time trajectories through a ``p``-level grid; per indicator and parameter
   ``mu*`` (mean absolute elementary effect: how much it matters), ``sigma`` (spread of the
   effects: non-linearity or interaction) and ``mu*_conf`` (bootstrap half-width).
2. **Sobol indices** of the ``top_k`` parameters with the largest normalised ``mu*`` (plus the null
   control): first-order ``S1`` (share of the output variance the parameter explains alone) and
   total ``ST`` (alone and through interactions), with bootstrap confidence intervals, from
   Saltelli's design (``N x (k + 2)`` runs).

Every design point is one model run (``simulation.run``) of ``replicates`` replicates on the same
seed, so all design points meet the same random draws (common random numbers): differences
between them come from the parameters only. A parameter that no rule reads therefore gives
bit-identical runs, and its indices are exactly 0; the space carries one such **null control**
to prove that the design leaks no noise. The runs go to ``workers`` processes (one Numba thread
each; the compiled kernel is loaded from the on-disk cache). A design point that fails is
reported (``failed_points.csv``, stderr, exit status 1) and the trajectory or Sobol sample that
holds it is left out of the analysis; the others are still analysed.

Layer rule: this module calls the model, never the reverse. The figure is drawn from the
report's CSV files only (``python -m simulation.sensitivity --redraw REPORT_DIR``)::

    python -m simulation.sensitivity                       # the default analysis, ~10 min on 2 cores
    python -m simulation.sensitivity settings.morris.trajectories=4 settings.sobol.base_samples=64
"""
from __future__ import annotations

import copy
import multiprocessing
import os
import resource
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from tqdm.auto import tqdm

from simulation.analysis.parameter_space import Parameter, bounds, check_keys, parse_space
from simulation.analysis.parameter_space import overrides as space_overrides
from simulation.core.config import ConfigError, SimConfig, check_ranges, check_semantics, validate
from simulation.runs.atomic import atomic_write
from simulation.runs.compose import CONFIG_DIR, load_config
from simulation.runs.indicators import HEADLINE
from simulation.runs.outputs import write_json
from simulation.runs.results import run

DEFAULT_SPACE = CONFIG_DIR / "sensitivity" / "default.yaml"
MORRIS_FILE, SOBOL_FILE, FAILED_FILE, MANIFEST_FILE = "morris.csv", "sobol.csv", "failed_points.csv", "manifest.json"
MORRIS_RUNS, SOBOL_RUNS = "morris_runs.csv", "sobol_runs.csv"
FIGURE_FILE = "sensitivity.png"


# ------------------------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class MorrisSettings:
    trajectories: int = 10
    levels: int = 4
    bootstrap: int = 1000


@dataclass(frozen=True)
class SobolSettings:
    top_k: int = 5
    base_samples: int = 256
    bootstrap: int = 1000


@dataclass(frozen=True)
class Settings:
    """How the analysis is run; the defaults live in ``configs/sensitivity/default.yaml``."""

    base_overrides: tuple[str, ...] = ()
    scale: float = 400.0
    replicates: int = 2
    years: float = 4.0
    burn_in_years: float = 2.0
    step_days: int = 14
    seed: int = 20241125
    workers: int = 2
    conf_level: float = 0.90
    null_control: str | None = None
    indicators: tuple[str, ...] = tuple(HEADLINE)
    morris: MorrisSettings = field(default_factory=MorrisSettings)
    sobol: SobolSettings = field(default_factory=SobolSettings)


def _bad(key: str, value: Any, why: str) -> ConfigError:
    return ConfigError(f"sensitivity error: settings.{key}={value!r}: {why}")


def _int(data: dict, key: str, lo: int, prefix: str = "") -> int:
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise _bad(prefix + key, v, f"must be an integer >= {lo}")
    return v


def _num(data: dict, key: str, lo: float, hi: float, lo_open: bool = False) -> float:
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) \
            or v < lo or v > hi or (lo_open and v == lo):
        raise _bad(key, v, f"must be a number in {'(' if lo_open else '['}{lo}, {hi}]")
    return float(v)


def _known(data: dict, allowed: Sequence[str], prefix: str) -> None:
    import difflib

    for k, v in data.items():
        if k not in allowed:
            near = difflib.get_close_matches(str(k), list(allowed), n=1)
            raise _bad(prefix + str(k), v, "unknown setting" + (f" (did you mean '{near[0]}'?)" if near else ""))


def parse_settings(data: Any) -> Settings:
    """Settings from the ``settings`` mapping of a space file; a bad value raises a one-line ConfigError."""
    if not isinstance(data, dict):
        raise ConfigError(f"sensitivity error: settings={data!r}: must be a mapping")
    defaults = asdict(Settings())
    _known(data, list(defaults), "")
    d = {**defaults, **{k: v for k, v in data.items() if k not in ("morris", "sobol")}}
    morris = {**defaults["morris"], **(data.get("morris") or {})}
    sobol = {**defaults["sobol"], **(data.get("sobol") or {})}
    _known(morris, list(defaults["morris"]), "morris.")
    _known(sobol, list(defaults["sobol"]), "sobol.")
    if not isinstance(d["base_overrides"], (list, tuple)) or not all(isinstance(o, str) for o in d["base_overrides"]):
        raise _bad("base_overrides", d["base_overrides"], "must be a list of overrides like 'cooperation=strong'")
    inds = d["indicators"]
    if not isinstance(inds, (list, tuple)) or not inds or not all(isinstance(i, str) for i in inds):
        raise _bad("indicators", inds, "must be a non-empty list of indicator names")
    if len(set(inds)) != len(inds):
        raise _bad("indicators", inds, "an indicator is listed twice")
    levels = _int(morris, "levels", 2, "morris.")
    if levels % 2:
        raise _bad("morris.levels", levels, "must be even (Morris' step p / (2 (p - 1)) needs it)")
    n = _int(sobol, "base_samples", 2, "sobol.")
    if n & (n - 1):
        raise _bad("sobol.base_samples", n, "must be a power of 2 (Sobol' sequences balance only then)")
    null = d["null_control"]
    if null is not None and not isinstance(null, str):
        raise _bad("null_control", null, "must be a parameter key or null")
    return Settings(
        base_overrides=tuple(d["base_overrides"]),
        scale=_num(d, "scale", 1.0, 1e7),
        replicates=_int(d, "replicates", 1),
        years=_num(d, "years", 0.0, 60.0, lo_open=True),
        burn_in_years=_num(d, "burn_in_years", 0.0, 20.0),
        step_days=int(_num(d, "step_days", 1, 31)),
        seed=_int(d, "seed", 0),
        workers=_int(d, "workers", 1),
        conf_level=_num(d, "conf_level", 0.5, 0.999),
        null_control=null,
        indicators=tuple(inds),
        morris=MorrisSettings(trajectories=_int(morris, "trajectories", 2, "morris."), levels=levels,
                              bootstrap=_int(morris, "bootstrap", 10, "morris.")),
        sobol=SobolSettings(top_k=_int(sobol, "top_k", 1, "sobol."), base_samples=n,
                            bootstrap=_int(sobol, "bootstrap", 10, "sobol.")),
    )


def load(path: Path | str = DEFAULT_SPACE, changes: Sequence[str] = ()) -> tuple[Settings, list[Parameter]]:
    """Settings and parameter space from a file, with ``section.key=value`` changes (command-line style)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"sensitivity error: {path}: cannot read ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or "parameters" not in data:
        raise ConfigError(f"sensitivity error: {path}: needs a 'settings' mapping and a 'parameters' list")
    unknown = sorted(set(data) - {"settings", "parameters"})
    if unknown:
        raise ConfigError(f"sensitivity error: {path}: unknown section {unknown[0]!r} (expected settings, parameters)")
    if changes:
        for c in changes:
            if "=" not in c or not c.split("=", 1)[0].startswith(("settings.", "parameters")):
                raise ConfigError(f"sensitivity error: {c!r}: expected settings.KEY=VALUE")
        try:
            merged = OmegaConf.merge(OmegaConf.create({"settings": data.get("settings") or {}}),
                                     OmegaConf.from_dotlist(list(changes)))
        except OmegaConfBaseException as exc:
            raise ConfigError(f"sensitivity error: {' '.join(str(exc).split()[:12])}") from None
        data = {**data, "settings": OmegaConf.to_container(merged["settings"])}
    settings = parse_settings(data.get("settings") or {})
    space = parse_space(data["parameters"], f"{path}:parameters")
    if settings.null_control is not None and settings.null_control not in {p.key for p in space}:
        raise _bad("null_control", settings.null_control, "must be one of the parameters")
    return settings, space


# ----------------------------------------------------------------------------------- model runs


def model_overrides(settings: Settings) -> list[str]:
    """The overrides of every design point's base config (the scenario, the run size, quiet, one thread)."""
    return [*settings.base_overrides, f"population.scale={settings.scale!r}", f"run.replicates={settings.replicates}",
            f"run.years={settings.years!r}", f"run.burn_in_years={settings.burn_in_years!r}",
            f"run.step_days={settings.step_days}", f"run.seed={settings.seed}", "run.threads=1",
            "run.progress=false", "output.figures=false"]


def base_config(settings: Settings) -> DictConfig:
    """The composed config every design point starts from; a bad override raises a one-line ConfigError."""
    from simulation.runs.overrides import check_overrides

    over = model_overrides(settings)
    error = check_overrides(over)
    if error:
        raise ConfigError(f"sensitivity error: settings.base_overrides: {error}")
    return load_config(over)


def point_config(base: DictConfig, space: Sequence[Parameter], x: Sequence[float]) -> DictConfig:
    """The config of one design point: the base with each parameter set as a command-line override would."""
    return OmegaConf.merge(base, OmegaConf.from_dotlist(space_overrides(space, x)))


def point_sim_config(base: SimConfig, space: Sequence[Parameter], x: Sequence[float]) -> SimConfig:
    """The validated config of one design point, set on a copy of the validated base.

    The same config as ``validate(point_config(...))`` (tests/test_sensitivity.py checks it), with
    the same range and consistency checks, but without OmegaConf's merges, which cost as much as
    a small run: thousands of design points make that worth the shortcut."""
    obj = copy.deepcopy(base)
    for p, v in zip(space, x):
        *path, leaf = p.key.split(".")
        node = obj
        for part in path:
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        old = node[leaf] if isinstance(node, dict) else getattr(node, leaf)
        if isinstance(old, bool) or not isinstance(old, (int, float)):
            raise ConfigError(f"sensitivity error: {p.key}={old!r}: not a number, cannot be a parameter")
        if isinstance(old, int) and not float(v).is_integer():
            raise ConfigError(f"sensitivity error: {p.key}={v!r}: must be a whole number")
        value = type(old)(v)
        if isinstance(node, dict):
            node[leaf] = value
        else:
            setattr(node, leaf, value)
    check_ranges(obj, "")
    check_semantics(obj)
    return obj


def check_space(space: Sequence[Parameter], base: DictConfig, settings: Settings) -> None:
    """Fail early, in one line: unknown keys and indicators, and bounds the model rejects."""
    check_keys(space, base)
    validate(base)
    lows, highs = bounds(space).T
    for corner in (lows, highs):  # two validations for the usual case; one per parameter only to name a culprit
        try:
            validate(point_config(base, space, corner))
        except ConfigError:
            for p, v in zip(space, corner):
                try:
                    validate(point_config(base, [p], [v]))
                except ConfigError as err:
                    raise ConfigError(f"sensitivity error: {p.key}: bound {v:g} is rejected by the model "
                                      f"({err})") from None
            raise
    for p in space:  # e.g. a value a calibrated preset moved: the analysis would then be about other values
        v = OmegaConf.select(base, p.key)
        if isinstance(v, (int, float)) and not p.low <= v <= p.high and p.key != settings.null_control:
            print(f"warning: {p.key}: the scenario's value {v:g} lies outside the bounds [{p.low:g}, {p.high:g}]",
                  file=sys.stderr)
    unknown = [i for i in settings.indicators if i not in _indicator_names(base)]
    if unknown:
        raise _bad("indicators", unknown[0], "not an indicator (see simulation/indicators.py)")


_NAMES: list[str] = []


def _indicator_names(base: DictConfig) -> list[str]:
    """Every indicator name, from one tiny run of the base scenario (computed once)."""
    if not _NAMES:
        tiny = OmegaConf.from_dotlist(["population.scale=20000", "run.replicates=1", "run.years=0.1",
                                       "run.burn_in_years=0"])
        _NAMES.extend(run(OmegaConf.merge(base, tiny), progress=False).per_replicate)
    return _NAMES


def evaluate_point(base: SimConfig, space: Sequence[Parameter], x: Sequence[float],
                   indicators: Sequence[str]) -> np.ndarray:
    """One design point: the mean over replicates of each indicator (NaN where no replicate had a case)."""
    res = run(point_sim_config(base, space, x), progress=False)
    out = np.full(len(indicators), np.nan)
    for j, name in enumerate(indicators):
        v = np.asarray(res.per_replicate[name][1], dtype=np.float64)
        v = v[np.isfinite(v)]
        if v.size:
            out[j] = v.mean()
    return out


# worker state: set once per process by _init_worker (the base config is large; design points are small)
_WORKER: dict[str, Any] = {}


def _init_worker(base: SimConfig, space: list[Parameter], indicators: list[str]) -> None:
    _WORKER.update(base=base, space=space, indicators=indicators)


def _error_text(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0] if lines else ''}"


def _run_batch(rows: list[int], points: np.ndarray) -> list[tuple[int, np.ndarray | None, str]]:
    """Evaluate design points in a worker; a failing point is returned with its error, never raised."""
    out = []
    for row, x in zip(rows, points):
        try:
            out.append((row, evaluate_point(_WORKER["base"], _WORKER["space"], x, _WORKER["indicators"]), ""))
        except Exception as err:  # noqa: BLE001 -- one bad point must not stop the analysis
            out.append((row, None, _error_text(err)))
    return out


def evaluate(base: DictConfig, space: Sequence[Parameter], X: np.ndarray, indicators: Sequence[str], workers: int,
             desc: str = "design points", progress: bool = True) -> tuple[np.ndarray, dict[int, str]]:
    """Outputs Y [points, indicators] of the design X, and the failed rows with their error.

    ``workers`` > 1 uses spawned processes with one Numba thread each; 1 runs here (tests, debugging)."""
    Y = np.full((X.shape[0], len(indicators)), np.nan)
    failed: dict[int, str] = {}
    base_obj = validate(base)
    # on a terminal a live bar; in a log file (not a TTY) a line every 30 s, so a long analysis shows its pace
    tty = sys.stderr.isatty()
    bar = tqdm(total=X.shape[0], desc=desc, unit="run", disable=not progress, dynamic_ncols=tty,
               mininterval=1.0 if tty else 30.0, file=sys.stderr)

    def take(results):
        for row, y, err in results:
            if err:
                failed[row] = err
            else:
                Y[row] = y
        bar.update(len(results))

    try:
        rows = list(range(X.shape[0]))
        if workers <= 1:
            _init_worker(base_obj, list(space), list(indicators))
            for r in rows:
                take(_run_batch([r], X[[r]]))
            return Y, failed
        # small batches: little inter-process traffic, yet an even load at the end
        size = max(1, min(8, X.shape[0] // (workers * 8)))
        batches = [rows[i:i + size] for i in range(0, len(rows), size)]
        old = os.environ.get("NUMBA_NUM_THREADS")
        os.environ["NUMBA_NUM_THREADS"] = "1"  # inherited by the spawned workers before they import numba
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_init_worker,
                                     initargs=(base_obj, list(space), list(indicators))) as pool:
                futures = {pool.submit(_run_batch, b, X[b]): b for b in batches}
                for fut in as_completed(futures):
                    try:
                        take(fut.result())
                    except Exception as err:  # noqa: BLE001 -- a dead worker: its points failed, the rest go on
                        take([(r, None, _error_text(err)) for r in futures[fut]])
        finally:
            if old is None:
                os.environ.pop("NUMBA_NUM_THREADS", None)
            else:
                os.environ["NUMBA_NUM_THREADS"] = old
    finally:
        bar.close()
    return Y, failed


# -------------------------------------------------------------------------------------- analysis


def salib_problem(space: Sequence[Parameter]) -> dict:
    return {"num_vars": len(space), "names": [p.key for p in space], "bounds": bounds(space).tolist()}


def complete_groups(Y: np.ndarray, group: int) -> np.ndarray:
    """Mask of rows whose whole group (a Morris trajectory, a Sobol sample block) has finite outputs."""
    ok = np.isfinite(Y).reshape(-1, group).all(axis=1)
    return np.repeat(ok, group)


def morris_table(space: Sequence[Parameter], X: np.ndarray, Y: np.ndarray, indicators: Sequence[str],
                 settings: Settings) -> pd.DataFrame:
    """mu, mu*, sigma, mu*_conf per indicator and parameter, from complete trajectories only.

    ``mu_star_normalised`` divides mu* by the largest mu* of that indicator, so that indicators in
    different units can be ranked together."""
    from SALib.analyze import morris

    problem, k = salib_problem(space), len(space)
    rows = []
    for j, name in enumerate(indicators):
        keep = complete_groups(Y[:, [j]], k + 1)
        n_traj = int(keep.sum()) // (k + 1)
        if n_traj < 2:
            rows += [{"indicator": name, "parameter": p.key, "trajectories": n_traj} for p in space]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = morris.analyze(problem, X[keep], Y[keep, j], num_resamples=settings.morris.bootstrap,
                                 conf_level=settings.conf_level, num_levels=settings.morris.levels,
                                 seed=settings.seed)
        top = float(np.nanmax(res["mu_star"])) if np.any(np.asarray(res["mu_star"]) > 0) else 0.0
        for i, p in enumerate(space):
            rows.append({"indicator": name, "parameter": p.key, "mu": float(res["mu"][i]),
                         "mu_star": float(res["mu_star"][i]), "sigma": float(res["sigma"][i]),
                         "mu_star_conf": float(res["mu_star_conf"][i]),
                         "mu_star_normalised": float(res["mu_star"][i]) / top if top > 0 else 0.0,
                         "trajectories": n_traj})
    df = pd.DataFrame(rows, columns=["indicator", "parameter", "mu", "mu_star", "sigma", "mu_star_conf",
                                     "mu_star_normalised", "trajectories"])
    df["null_control"] = df["parameter"] == settings.null_control
    return df


def importance(morris: pd.DataFrame) -> pd.Series:
    """One score per parameter: its normalised mu* (mu* / the indicator's largest mu*) averaged over the indicators.

    1 would mean the top parameter of every indicator; the per-indicator values are in the heat map."""
    return morris.groupby("parameter", sort=False)["mu_star_normalised"].mean().fillna(0.0).sort_values(
        ascending=False, kind="stable")


def select_for_sobol(morris: pd.DataFrame, top_k: int, null_control: str | None) -> list[str]:
    """The ``top_k`` parameters by importance, then the null control (if any and not already in)."""
    score = importance(morris)
    chosen = [p for p in score.index if p != null_control][:top_k]
    if null_control is not None:
        chosen.append(null_control)
    return chosen


def sobol_table(space: Sequence[Parameter], Y: np.ndarray, indicators: Sequence[str],
                settings: Settings) -> pd.DataFrame:
    """S1 and ST with bootstrap intervals per indicator and parameter, from complete sample blocks only."""
    from SALib.analyze import sobol

    problem, d = salib_problem(space), len(space)
    rows = []
    for j, name in enumerate(indicators):
        keep = complete_groups(Y[:, [j]], d + 2)
        y = Y[keep, j]
        n = y.size // (d + 2)
        base = {"indicator": name, "samples": n}
        if n < 4 or np.var(y) == 0.0:
            rows += [{**base, "parameter": p.key, "note": "constant output" if n >= 4 else "too few samples"}
                     for p in space]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=settings.sobol.bootstrap,
                                conf_level=settings.conf_level, seed=settings.seed)
        for i, p in enumerate(space):
            rows.append({**base, "parameter": p.key, "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                         "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i]), "note": ""})
    df = pd.DataFrame(rows, columns=["indicator", "parameter", "S1", "S1_conf", "ST", "ST_conf", "samples", "note"])
    for s in ("S1", "ST"):
        df[f"{s}_low"] = df[s] - df[f"{s}_conf"]
        df[f"{s}_high"] = df[s] + df[f"{s}_conf"]
    df["null_control"] = df["parameter"] == settings.null_control
    return df


# ---------------------------------------------------------------------------------------- report


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def _runs_frame(space: Sequence[Parameter], X: np.ndarray, Y: np.ndarray, indicators: Sequence[str],
                failed: dict[int, str]) -> pd.DataFrame:
    df = pd.DataFrame(X, columns=[p.key for p in space])
    df.insert(0, "point", np.arange(X.shape[0]))
    for j, name in enumerate(indicators):
        df[name] = Y[:, j]
    df["error"] = [failed.get(i, "") for i in range(X.shape[0])]
    return df


def _versions() -> dict[str, str]:
    from simulation.runs.outputs import versions

    out = versions()
    try:
        out["SALib"] = metadata.version("SALib")
    except metadata.PackageNotFoundError:
        out["SALib"] = "not installed"
    return out


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the workers), user + system."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def default_report_dir() -> Path:
    return Path("outputs") / "sensitivity" / time.strftime("%Y-%m-%d_%H-%M-%S")


def analyse(settings: Settings, space: Sequence[Parameter], report_dir: Path | str | None = None,
            progress: bool = True, draw: Callable[[Path], Path] | None = None) -> dict:
    """Morris over the whole space, then Sobol over the selected parameters; writes the report directory
    (and its figure with ``draw``, which reads the directory's files).

    Returns a dict with ``report_dir``, ``morris``, ``sobol`` (DataFrames), ``selected``, ``failed``
    (point label -> error), ``timings_s`` and ``summary`` (the text printed at the end)."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    t0, c0 = time.perf_counter(), _cpu_seconds()
    report_dir = Path(report_dir) if report_dir is not None else default_report_dir()
    space = list(space)
    indicators = list(settings.indicators)
    base = base_config(settings)
    check_space(space, base, settings)
    timings: dict[str, float] = {}
    manifest: dict[str, Any] = {"complete": False, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                "settings": asdict(settings), "model_overrides": model_overrides(settings),
                                "parameters": [asdict(p) for p in space]}
    _write_manifest(manifest, report_dir)

    # 1. Morris screening of every parameter
    k = len(space)
    X_m = morris_sample.sample(salib_problem(space), settings.morris.trajectories, num_levels=settings.morris.levels,
                               seed=settings.seed)
    t1 = time.perf_counter()
    Y_m, failed_m = evaluate(base, space, X_m, indicators, settings.workers,
                             f"Morris: {settings.morris.trajectories} trajectories x {k + 1}", progress)
    timings["morris_runs_s"] = time.perf_counter() - t1
    _write_csv(_runs_frame(space, X_m, Y_m, indicators, failed_m), report_dir / MORRIS_RUNS)
    morris = morris_table(space, X_m, Y_m, indicators, settings)
    score = importance(morris)
    morris["importance"] = morris["parameter"].map(score)
    selected = select_for_sobol(morris, settings.sobol.top_k, settings.null_control)
    morris["selected_for_sobol"] = morris["parameter"].isin(selected)
    _write_csv(morris, report_dir / MORRIS_FILE)

    # 2. Sobol indices of the selected parameters
    sub = [p for p in space if p.key in selected]
    sub.sort(key=lambda p: selected.index(p.key))
    X_s = sobol_sample.sample(salib_problem(sub), settings.sobol.base_samples, calc_second_order=False,
                              scramble=True, seed=settings.seed)
    # the parameters left out of Sobol stay at their config value (the scenario's), not at a Morris point
    t2 = time.perf_counter()
    Y_s, failed_s = evaluate(base, sub, X_s, indicators, settings.workers,
                             f"Sobol: {settings.sobol.base_samples} samples x {len(sub) + 2}", progress)
    timings["sobol_runs_s"] = time.perf_counter() - t2
    _write_csv(_runs_frame(sub, X_s, Y_s, indicators, failed_s), report_dir / SOBOL_RUNS)
    sobol = sobol_table(sub, Y_s, indicators, settings)
    _write_csv(sobol, report_dir / SOBOL_FILE)

    failed = {f"morris:{r}": e for r, e in sorted(failed_m.items())}
    failed.update({f"sobol:{r}": e for r, e in sorted(failed_s.items())})
    if failed:
        rows = [{"stage": s.split(":")[0], "point": int(s.split(":")[1]), "error": e} for s, e in failed.items()]
        _write_csv(pd.DataFrame(rows), report_dir / FAILED_FILE)
    if draw is not None:
        t3 = time.perf_counter()
        draw(report_dir)
        timings["figure_s"] = time.perf_counter() - t3
    timings["total_s"] = time.perf_counter() - t0
    timings["cpu_s"] = _cpu_seconds() - c0
    manifest.update(complete=True, runs={"morris": int(X_m.shape[0]), "sobol": int(X_s.shape[0])},
                    selected_for_sobol=selected, failed_points=failed, timings_s=timings,
                    git_revision=_git(), versions=_versions(), machine={"cpus": os.cpu_count()},
                    files=sorted(p.name for p in report_dir.iterdir() if p.is_file() and not p.name.startswith(".")
                                 and p.name != MANIFEST_FILE))
    _write_manifest(manifest, report_dir)
    result = {"report_dir": report_dir, "morris": morris, "sobol": sobol, "selected": selected, "failed": failed,
              "timings_s": timings, "settings": settings}
    result["summary"] = summary_text(result)
    return result


def _git() -> str:
    from simulation.runs.outputs import git_revision

    return git_revision(Path(__file__).resolve().parent)


def _write_manifest(data: dict, report_dir: Path) -> None:
    write_json(data, Path(report_dir) / MANIFEST_FILE)


def summary_text(result: dict) -> str:
    """What the command prints: the ranking, the Sobol indices of the selected parameters, the null control."""
    morris, sobol, settings = result["morris"], result["sobol"], result["settings"]
    score = importance(morris)
    lines = [(f"Morris screening: {morris['parameter'].nunique()} parameters, importance = mu*/max(mu*) "
              "averaged over the indicators (top 10):")]
    for p, s in score.head(10).items():
        best = morris[morris["parameter"] == p].sort_values("mu_star_normalised", ascending=False).iloc[0]
        lines.append(f"  {s:5.2f}  {p:<55} (most on {best['indicator']})")
    lines.append(f"Sobol indices ({int(settings.conf_level * 100)} % intervals), ST averaged over the indicators:")
    ok = sobol.dropna(subset=["ST"])
    for p in result["selected"]:
        d = ok[ok["parameter"] == p]
        if d.empty:
            lines.append(f"  {p}: no indices (constant output or too few samples)")
            continue
        lines.append(f"  ST {d['ST'].mean():5.3f}  S1 {d['S1'].mean():5.3f}  max ST {d['ST'].max():5.3f}"
                     f" ({d.loc[d['ST'].idxmax(), 'indicator']})  {p}")
    if settings.null_control is not None:
        m = morris[morris["parameter"] == settings.null_control]
        s = ok[ok["parameter"] == settings.null_control]
        inside = bool(((s["ST_low"] <= 0) & (s["ST_high"] >= 0)).all()
                      and ((s["S1_low"] <= 0) & (s["S1_high"] >= 0)).all())
        lines.append(f"null control {settings.null_control}: max mu* {m['mu_star'].max():.3g}, "
                     f"max |S1| {s['S1'].abs().max():.3g}, max ST {s['ST'].max():.3g}; "
                     f"{'all intervals include 0' if inside else 'SOME INTERVAL EXCLUDES 0: the design leaks noise'}")
    t = result["timings_s"]
    lines.append(f"wall {t['total_s']:.0f} s, CPU {t['cpu_s']:.0f} s; report: {result['report_dir']}")
    if result["failed"]:
        lines.append(f"{len(result['failed'])} design points FAILED (left out; see {FAILED_FILE}): "
                     + "; ".join(f"{k} {v}" for k, v in list(result["failed"].items())[:3]))
    return "\n".join(lines)
