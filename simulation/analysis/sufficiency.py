"""How many Monte Carlo replicates a result needs: the interval width against the replicate count.

The 90 % confidence interval of a mean over R replicates has half-width t(0.95, R-1) * sd / sqrt(R),
so it shrinks like 1/sqrt(R). For a target half-width h the rule is

    R = ceil((t * sd / h)^2)        (t at R - 1 degrees of freedom: the smallest R that reaches h)

For a comparison of two scenarios on the same seed, sd is the sd of the replicate-by-replicate
differences, which common random numbers make much smaller than the sd of either scenario.

``python -m simulation.sufficiency`` runs R_max replicates of a config (and of two variants for a
paired comparison) once, then for R = 2, 4, 8, ..., R_max reports the half-width from the first R
replicates next to the 1/sqrt(R) law, and the replicates each headline indicator needs for a
target half-width (table and figure). ``--from RUN_OR_SWEEP_DIR`` applies the rule to a finished
run (``indicators_by_replicate.parquet``) or sweep (``sweep_differences.parquet``) without running
anything. Layer rule: this module calls the model; the figure is drawn from the report's CSV files.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import stats

from simulation.core.config import ConfigError, validate
from simulation.runs.atomic import atomic_write
from simulation.runs.compose import load_config
from simulation.runs.indicators import CI_LEVEL, HEADLINE
from simulation.runs.memory import check_memory
from simulation.runs.outputs import check_complete, write_json
from simulation.runs.overrides import check_overrides
from simulation.runs.results import run

HALFWIDTHS_FILE, NEEDED_FILE, VALUES_FILE, MANIFEST_FILE = ("halfwidths.csv", "replicates_needed.csv",
                                                             "replicates.csv", "manifest.json")
FIGURE_FILE = "sufficiency.png"
SHARE_TARGET = 0.002  # default target half-width of a share: 0.2 percentage points
RELATIVE_TARGET = 0.01  # default target of other units: 1 % of the mean's magnitude
DEFAULT_COMPARE = ("cooperation=weak", "cooperation=strong")


# --------------------------------------------------------------------------------------- the rule


def _t(level: float, df: int) -> float:
    return float(stats.t.ppf(0.5 + level / 2, df))


def ci_half_width(sd: float, replicates: int, level: float = CI_LEVEL) -> float:
    """Half-width of the ``level`` confidence interval of a mean of ``replicates`` values with this sd."""
    if replicates < 2:
        return math.nan
    return _t(level, replicates - 1) * sd / math.sqrt(replicates)


def replicates_for(sd: float, target: float, level: float = CI_LEVEL) -> int | None:
    """Smallest R >= 2 with t(R-1) * sd / sqrt(R) <= target, i.e. R = ceil((t * sd / target)^2).

    None when sd is not finite (no cases). Starts from the normal-quantile answer, which is never
    too large because t > z, and steps up until the t interval is narrow enough."""
    if not target > 0:
        raise ValueError(f"target half-width must be > 0, got {target!r}")
    if not np.isfinite(sd):
        return None
    if sd <= 0:
        return 2
    z = float(stats.norm.ppf(0.5 + level / 2))
    r = max(2, math.ceil((z * sd / target) ** 2))
    while ci_half_width(sd, r, level) > target:
        r = max(r + 1, math.ceil((_t(level, r - 1) * sd / target) ** 2))
    # the jump above can overshoot by a little when t falls with r: step back to the smallest r
    while r > 2 and ci_half_width(sd, r - 1, level) <= target:
        r -= 1
    return r


def default_target(unit: str, mean: float) -> float:
    """A share to 0.2 percentage points; other units to 1 % of the mean's magnitude."""
    if unit == "share":
        return SHARE_TARGET
    return RELATIVE_TARGET * abs(mean) if np.isfinite(mean) and mean != 0 else math.nan


def replicates_needed(per_replicate: Mapping[str, tuple], half_width: float | Mapping[str, float] | None = None,
                      level: float = CI_LEVEL, names: Sequence[str] | None = None) -> pd.DataFrame:
    """For each indicator of ``Results.per_replicate``: the replicates needed for a target half-width.

    ``half_width`` is one number for all, a mapping name -> number, or None for the defaults
    (:func:`default_target`). Columns: indicator, unit, replicates (valid values now), mean, sd,
    half_width (now), target, needed, enough."""
    rows = []
    for name in names or list(per_replicate):
        if name not in per_replicate:
            continue
        ind, values = per_replicate[name]
        v = np.asarray(values, dtype=np.float64)
        v = v[np.isfinite(v)]
        mean = float(v.mean()) if v.size else math.nan
        sd = float(v.std(ddof=1)) if v.size >= 2 else math.nan
        if isinstance(half_width, Mapping):
            target = half_width.get(name, default_target(ind.unit, mean))
        else:
            target = default_target(ind.unit, mean) if half_width is None else float(half_width)
        need = replicates_for(sd, target, level) if np.isfinite(target) and target > 0 else None
        rows.append({"indicator": name, "unit": ind.unit, "replicates": int(v.size), "mean": mean, "sd": sd,
                     "half_width": half_width_of(v, level), "target": target, "needed": need,
                     "enough": bool(need is not None and v.size >= need)})
    df = pd.DataFrame(rows, columns=["indicator", "unit", "replicates", "mean", "sd", "half_width", "target",
                                     "needed", "enough"])
    df["needed"] = df["needed"].astype("Int64")  # missing (no cases) stays missing
    return df


def half_width_of(values: np.ndarray, level: float = CI_LEVEL) -> float:
    """The half-width of the interval of the mean of these values (NaN below 2 values)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return ci_half_width(float(v.std(ddof=1)), v.size, level) if v.size >= 2 else math.nan


def ladder(r_max: int) -> list[int]:
    """2, 4, 8, ... up to r_max, and r_max itself."""
    if r_max < 2:
        raise ValueError(f"need at least 2 replicates, got {r_max}")
    out = [2 ** k for k in range(1, int(math.log2(r_max)) + 1)]
    return out if out[-1] == r_max else [*out, r_max]


def halfwidth_table(values: Mapping[str, np.ndarray], units: Mapping[str, str], kind: str,
                    level: float = CI_LEVEL) -> pd.DataFrame:
    """Half-width from the first R replicates for R in the ladder, and the 1/sqrt(R) law from all of them.

    The law is t(R-1) * sd_all / sqrt(R): what R replicates give if the sd is the one all R_max show."""
    rows = []
    for name, v in values.items():
        v = np.asarray(v, dtype=np.float64)
        sd_all = float(np.nanstd(v, ddof=1)) if np.isfinite(v).sum() >= 2 else math.nan
        for r in ladder(v.size):
            rows.append({"indicator": name, "unit": units[name], "kind": kind, "replicates": r,
                         "half_width": half_width_of(v[:r], level), "law_half_width": ci_half_width(sd_all, r, level),
                         "sd_all": sd_all})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ report


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def _targets(means: Mapping[str, float], units: Mapping[str, str], given: Mapping[str, float]) -> dict[str, float]:
    return {n: float(given[n]) if n in given else default_target(units[n], means[n]) for n in means}


def needed_table(values: Mapping[str, np.ndarray], units: Mapping[str, str], kind: str, targets: Mapping[str, float],
                 default_replicates: int, level: float = CI_LEVEL) -> pd.DataFrame:
    rows = []
    for name, v in values.items():
        v = np.asarray(v, dtype=np.float64)
        v = v[np.isfinite(v)]
        sd = float(v.std(ddof=1)) if v.size >= 2 else math.nan
        target = targets[name]
        need = replicates_for(sd, target, level) if np.isfinite(target) and target > 0 else None
        rows.append({"indicator": name, "unit": units[name], "kind": kind,
                     "mean": float(v.mean()) if v.size else math.nan,
                     "sd": sd, "target_half_width": target, "needed": need,
                     "half_width_at_default": ci_half_width(sd, default_replicates, level),
                     "default_replicates": default_replicates,
                     "default_enough": bool(need is not None and default_replicates >= need)})
    df = pd.DataFrame(rows)
    df["needed"] = df["needed"].astype("Int64")
    return df


def analyse(base_overrides: Sequence[str] = (), replicates: int = 32, compare: Sequence[str] | None = DEFAULT_COMPARE,
            targets: Mapping[str, float] | None = None, indicators: Sequence[str] = tuple(HEADLINE),
            report_dir: Path | str | None = None, progress: bool | None = None,
            draw: Callable[[Path], Path] | None = None) -> dict:
    """Run the replicates, write the report directory (and its figure with ``draw``, which reads the
    directory's files), return the tables and a printed summary."""

    t0 = time.perf_counter()
    report_dir = Path(report_dir) if report_dir is not None else default_report_dir()
    if replicates < 2:
        raise ConfigError(f"sufficiency error: --replicates={replicates}: need at least 2")
    if compare is not None and len(compare) != 2:
        raise ConfigError(f"sufficiency error: --compare={list(compare)!r}: give two overrides, A and B")
    scenarios = {"level": list(base_overrides)}
    if compare:
        scenarios.update(A=[*base_overrides, compare[0]], B=[*base_overrides, compare[1]])
    for over in scenarios.values():
        error = check_overrides(over)
        if error:
            raise ConfigError(f"sufficiency error: {error}")
    # every scenario is validated (and its memory estimated) before the first replicate runs
    cfgs = {k: validate(load_config([*over, f"run.replicates={replicates}"])) for k, over in scenarios.items()}
    for cfg in cfgs.values():
        check_memory(cfg)
    default_replicates = int(load_config(list(base_overrides)).run.replicates)
    results = {}
    for k, cfg in cfgs.items():
        results[k] = run(cfg, progress=progress)
    first = results["level"].per_replicate
    unknown = [n for n in indicators if n not in first]
    if unknown:
        raise ConfigError(f"sufficiency error: --indicators: {unknown[0]!r} is not an indicator")
    units = {n: first[n][0].unit for n in indicators}
    level_values = {n: np.asarray(first[n][1], dtype=np.float64) for n in indicators}
    means = {n: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan for n, v in level_values.items()}
    tg = _targets(means, units, targets or {})
    tables = [halfwidth_table(level_values, units, "level")]
    needed = [needed_table(level_values, units, "level", tg, default_replicates)]
    raw = [pd.DataFrame({"indicator": n, "kind": "level", "replicate": np.arange(v.size), "value": v})
           for n, v in level_values.items()]
    if compare:
        a, b = results["A"].per_replicate, results["B"].per_replicate
        diff = {n: np.asarray(b[n][1], dtype=np.float64) - np.asarray(a[n][1], dtype=np.float64) for n in indicators}
        tables.append(halfwidth_table(diff, units, "paired_difference"))
        needed.append(needed_table(diff, units, "paired_difference", tg, default_replicates))
        raw += [pd.DataFrame({"indicator": n, "kind": "paired_difference", "replicate": np.arange(v.size), "value": v})
                for n, v in diff.items()]
    halfwidths, need = pd.concat(tables, ignore_index=True), pd.concat(needed, ignore_index=True)
    _write_csv(pd.concat(raw, ignore_index=True), report_dir / VALUES_FILE)
    _write_csv(halfwidths, report_dir / HALFWIDTHS_FILE)
    _write_csv(need, report_dir / NEEDED_FILE)
    manifest = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "base_overrides": list(base_overrides),
                "replicates": replicates, "default_replicates": default_replicates,
                "compare": list(compare) if compare else None, "ci_level": CI_LEVEL,
                "targets": "shares 0.2 percentage points, other units 1 % of the mean, unless given",
                "timings_s": {"total": time.perf_counter() - t0}, "complete": True,
                "persons_per_replicate": results["level"].raw.n_persons[0],
                "scale": float(results["level"].config.population.scale)}
    if draw is not None:
        _write_manifest(manifest, report_dir)
        draw(report_dir)
    manifest["timings_s"]["total"] = time.perf_counter() - t0
    _write_manifest(manifest, report_dir)
    return {"report_dir": report_dir, "halfwidths": halfwidths, "needed": need, "manifest": manifest,
            "summary": summary_text(need, default_replicates, compare)}


def default_report_dir() -> Path:
    """outputs/sufficiency/<date>_<time> under the current directory."""
    return Path("outputs") / "sufficiency" / time.strftime("%Y-%m-%d_%H-%M-%S")


def _write_manifest(data: dict, report_dir: Path) -> None:
    write_json(data, Path(report_dir) / MANIFEST_FILE)


def _fmt(x: float, unit: str) -> str:
    if not np.isfinite(x):
        return "n/a"
    if unit == "share":
        return f"{100 * x:.2f} pp"
    if unit == "persons":
        return f"{x:,.0f}"
    return f"{x:.3g}"


def summary_text(need: pd.DataFrame, default_replicates: int, compare: Sequence[str] | None) -> str:
    """The table the command prints: replicates needed for the target, for the level and the paired difference."""
    lev = need[need["kind"] == "level"].set_index("indicator")
    dif = need[need["kind"] == "paired_difference"].set_index("indicator") if compare else None
    w = max(len(i) for i in lev.index)
    head = f"{'indicator':<{w}}  {'target ±':>11}  {'level: R':>8}"
    if dif is not None:
        head += f"  {'difference: R':>13}"
    lines = [(f"replicates needed for a 90 % interval of ± target (default run: {default_replicates} replicates; "
              "* = too few):"), head]
    for name, r in lev.iterrows():
        def cell(row):
            if pd.isna(row["needed"]):
                return "n/a"
            return f"{int(row['needed'])}{'*' if int(row['needed']) > default_replicates else ''}"
        line = f"{name:<{w}}  {_fmt(r['target_half_width'], r['unit']):>11}  {cell(r):>8}"
        if dif is not None and name in dif.index:
            line += f"  {cell(dif.loc[name]):>13}"
        lines.append(line)
    if dif is not None:
        lines.append(f"difference = ({compare[1]}) - ({compare[0]}), paired by replicate (common random numbers)")
    return "\n".join(lines)


def from_directory(directory: Path | str, targets: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The rule applied to a finished run (levels) or sweep (paired differences), without running anything."""
    directory = Path(directory)
    targets = targets or {}
    if (directory / "indicators_by_replicate.parquet").is_file():
        check_complete(directory)  # a killed, failed or damaged run: say so rather than count its replicates
        df = _table(directory / "indicators_by_replicate.parquet", ("indicator", "unit", "replicate", "value"))

        per = {n: (SimpleNamespace(unit=g["unit"].iloc[0]), g.sort_values("replicate")["value"].to_numpy())
               for n, g in df.groupby("indicator", sort=False)}
        out = replicates_needed(per, targets, names=[h for h in HEADLINE if h in per])
        out.insert(0, "job", directory.name)
        return out
    if (directory / "sweep_differences.parquet").is_file():
        if not (directory / "sweep_manifest.json").is_file():
            raise ValueError(f"{directory}: sweep_differences.parquet without sweep_manifest.json (the aggregation "
                             f"did not finish); aggregate again: python -m simulation.sweep {directory}")
        d = _table(directory / "sweep_differences.parquet",
                   ("job", "indicator", "unit", "paired", "n_pairs", "ci90_low", "ci90_high", "mean_difference",
                    "mean_reference"))
        d = d[d["indicator"].isin(HEADLINE) & d["paired"]].copy()
        rows = []
        for _, r in d.iterrows():
            n = int(r["n_pairs"])
            half = (r["ci90_high"] - r["ci90_low"]) / 2
            sd = half * math.sqrt(n) / _t(CI_LEVEL, n - 1) if n >= 2 and np.isfinite(half) else math.nan
            target = targets.get(r["indicator"], default_target(r["unit"], r["mean_reference"]))
            need = replicates_for(sd, target) if np.isfinite(target) and target > 0 else None
            rows.append({"job": r["job"], "indicator": r["indicator"], "unit": r["unit"], "replicates": n,
                         "mean": r["mean_difference"], "sd": sd, "half_width": half, "target": target,
                         "needed": need, "enough": bool(need is not None and n >= need)})
        return pd.DataFrame(rows)
    raise FileNotFoundError(f"{directory}: neither indicators_by_replicate.parquet (a run) "
                            "nor sweep_differences.parquet (a sweep)")




def _table(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """A result table with the columns this analysis needs; ValueError (one line, naming the file) otherwise."""
    try:
        df = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 -- Arrow's errors for a damaged file are of several types
        raise ValueError(f"{path}: unreadable ({type(err).__name__}: {str(err).strip().splitlines()[0][:120]})") \
            from None
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        raise ValueError(f"{path}: has no column {lacking[0]!r} (not a table of this program)")
    return df


def parse_targets(items: Sequence[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            v = float(value)
        except ValueError:
            v = math.nan
        if not name or not (v > 0 and np.isfinite(v)):
            raise ConfigError(f"sufficiency error: --target {item!r}: expected INDICATOR=HALF_WIDTH with a number > 0")
        if name not in HEADLINE:
            raise ConfigError(f"sufficiency error: --target {item!r}: {name!r} is not a headline indicator")
        out[name] = v
    return out
