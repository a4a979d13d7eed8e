"""The model against Norway's public statistics: every public target, the three business-cycle replays and the
steady state (``python -m simulation.validate``).

- **Targets** (``configs/targets/norway.yaml``): each measurable target's model quantity in the baseline run,
  with its 90 % interval over replicates, the tolerance, whether the fit saw it (in sample: ``fitted``; out
  of sample: ``validation``; a consistency ``check``) and whether it is met. Same table as the calibration's.
- **Replays** (``configs/targets/replays.yaml``): each episode run with the cycle's fitted effects; for every
  published annual value the model's value in that calendar year, the error in percentage points, and for
  NAV's registered rate whether it lies within 1 point and whether the peak year is right.
- **Steady state**: a long run in a steady economy; each headline share's change from the first to the last
  reported year with its 90 % interval, and a shift-share split of the change into composition (who is in
  the population: age group x education x immigrant background) and behaviour (rates within those cells).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from simulation.analysis.calibration import CI_LEVEL, Evaluation, Settings, fit_table, load_targets, moment_values
from simulation.core.config import ConfigError
from simulation.core.states import IN_SCOPE, State

REPO = Path(__file__).resolve().parents[2]
TARGETS = REPO / "configs" / "targets" / "norway.yaml"
REPLAYS = REPO / "configs" / "targets" / "replays.yaml"
PEAK_QUANTITY = "registered_fully_unemployed_rate"  # the path the out-of-sample check is about
MAX_ERROR = 0.01  # within 1 percentage point of the published annual value
SAMPLE = {"fitted": "in", "validation": "out", "checked": "check"}


# ---------------------------------------------------------------------------------------------- targets


def target_table(results, path: Path | str = TARGETS) -> pd.DataFrame:
    """Every target of the file against the run: the calibration's fit table plus the sample it belongs to."""
    targets = load_targets(path)
    values = {t.name: _values(results, t.quantity) for t in targets if t.measurable}
    table = fit_table(Settings([], targets, []), Evaluation(np.zeros(0), values, np.zeros(0), 0.0))
    table.insert(2, "sample", table["role"].map(SAMPLE).fillna("-"))
    return table


def _values(results, quantity: str) -> np.ndarray:
    try:
        return moment_values(results, quantity)
    except ConfigError:
        return np.full(results.raw.replicates, np.nan)


# ---------------------------------------------------------------------------------------------- replays


@dataclass(frozen=True)
class Series:
    """One published annual path of an episode and the model quantity with its definition."""

    quantity: str
    publisher: str
    definition: str
    values: dict[int, float]
    not_found: dict[int, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Episode:
    """A replay (an economy option), its calendar years and whether the cycle's effects were fitted on it."""

    economy: str
    first_year: int
    years: int
    sample: str
    series: tuple[Series, ...]

    @property
    def calendar_years(self) -> list[int]:
        return list(range(self.first_year, self.first_year + self.years))


def load_episodes(path: Path | str = REPLAYS) -> list[Episode]:
    """The replays file, checked: a bad entry raises ConfigError naming it."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the replays ({exc.__class__.__name__})") from None
    out = []
    for i, e in enumerate((data or {}).get("episodes") or []):
        where = f"{path}: episodes[{i}]"
        try:
            series = tuple(Series(str(s["quantity"]), str(s["publisher"]), str(s.get("definition", "")),
                                  {int(y): float(v) for y, v in (s.get("values") or {}).items()},
                                  {int(y): str(v) for y, v in (s.get("not_found") or {}).items()},
                                  tuple(str(u) for u in s.get("sources") or ())) for s in e["series"])
            ep = Episode(str(e["economy"]), int(e["first_year"]), int(e["years"]), str(e["sample"]), series)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc.__class__.__name__} {exc}") from None
        if ep.sample not in ("in", "out"):
            raise ConfigError(f"{where}.sample={ep.sample!r}: must be in or out")
        out.append(ep)
    if not out:
        raise ConfigError(f"{path}: needs a non-empty list 'episodes'")
    return out


def _mean_interval(v: np.ndarray) -> tuple[float, float, float]:
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if v.size < 2:
        return m, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + CI_LEVEL / 2, v.size - 1)) * float(v.std(ddof=1)) / np.sqrt(v.size)
    return m, m - half, m + half


def replay_table(results, episode: Episode) -> pd.DataFrame:
    """Per series and calendar year: the published value (or why there is none) and the model's, the error in
    points and, for NAV's registered rate, whether it lies within 1 point."""
    rows = []
    for s in episode.series:
        for year in episode.calendar_years:
            m, lo, hi = _mean_interval(moment_values(results, f"{s.quantity}@{year}"))
            published = s.values.get(year, np.nan)
            err = m - published if np.isfinite(published) else np.nan
            rows.append({"episode": episode.economy, "sample": episode.sample, "quantity": s.quantity,
                         "publisher": s.publisher, "year": year, "published": published, "model": m,
                         "ci90_low": lo, "ci90_high": hi, "error_points": err * 100.0,
                         "within_1_point": (abs(err) <= MAX_ERROR) if np.isfinite(err) else None,
                         "note": s.not_found.get(year, "") if not np.isfinite(published) else ""})
    return pd.DataFrame(rows)


def peak_check(table: pd.DataFrame, quantity: str = PEAK_QUANTITY) -> dict:
    """The published peak year (ties: any of them) and the model's peak among the years that have a value."""
    d = table[(table["quantity"] == quantity) & table["published"].notna()]
    if d.empty:
        return {"published_peak": [], "model_peak": None, "peak_right": None}
    top = d["published"].max()
    published_peak = [int(y) for y in d.loc[np.isclose(d["published"], top), "year"]]
    model_peak = int(d.loc[d["model"].idxmax(), "year"])
    return {"published_peak": published_peak, "model_peak": model_peak, "peak_right": model_peak in published_peak}


def episode_summary(table: pd.DataFrame, episode: Episode) -> dict:
    """The issue's check for one episode: NAV's registered rate within 1 point every year, and the peak year."""
    nav = table[(table["quantity"] == PEAK_QUANTITY) & table["published"].notna()]
    return {"economy": episode.economy, "sample": episode.sample,
            "years_compared": [int(y) for y in nav["year"]],
            "max_abs_error_points": float(nav["error_points"].abs().max()) if len(nav) else None,
            "all_within_1_point": bool(nav["within_1_point"].all()) if len(nav) else None,
            **peak_check(table)}


def driver_path(cfg) -> pd.DataFrame:
    """The replay's driver: the published points it is given (date, rate as a share)."""
    return pd.DataFrame([{"date": float(d), "rate": float(r) / 100.0} for d, r in cfg.economy.replay.path])


# ---------------------------------------------------------------------------------------------- steady state


HEADLINE_SHARES = {  # name: (numerator states, denominator states, ages) over the crosstab's cells
    "employment_rate": ((State.WORK, State.SICK_LEAVE, State.APPRENTICE), IN_SCOPE, None),
    "registered_unemployed_share": ((State.JOBSEEKER, State.ASSESSMENT), IN_SCOPE, None),
    "neet_share_16_24": ((State.OT_FOLLOWED, State.JOBSEEKER, State.ASSESSMENT, State.AAP, State.DISABILITY,
                          State.INACTIVE), IN_SCOPE, "16_24"),
    "disability_share": ((State.DISABILITY,), IN_SCOPE, None),
}


def _cells(results, states, ages) -> np.ndarray:
    """Persons per replicate, reported year and cell (age group x education x immigrant) in these states."""
    from simulation.runs import breakdowns as bd
    from simulation.runs.public import AGES_16_24

    x = bd.crosstab(results.raw)[:, :, [int(s) for s in states]].sum(axis=2)  # [R, Y, age, edu, imm, rwa]
    x = x.sum(axis=-1)  # reduced work ability is behaviour, not composition
    if ages == "16_24":
        keep = np.zeros(x.shape[2], dtype=bool)
        keep[AGES_16_24] = True
        x = np.where(keep[None, None, :, None, None], x, 0.0)
    return x.reshape(x.shape[0], x.shape[1], -1)


def _shares(results, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rate [R, Y], persons in the numerator [R, Y, cell], in the denominator [R, Y, cell]) of a headline share."""
    num_states, den_states, ages = HEADLINE_SHARES[name]
    num = _cells(results, num_states, ages)
    den = _cells(results, den_states, ages)
    return num.sum(axis=2) / den.sum(axis=2), num, den


def stationarity_years(results, first_year: int) -> pd.DataFrame:
    """Each headline share in every reported year: mean and 90 % interval over replicates."""
    rows = []
    for name in HEADLINE_SHARES:
        rate = _shares(results, name)[0]
        for k in range(rate.shape[1]):
            m, lo, hi = _mean_interval(rate[:, k])
            rows.append({"indicator": name, "year": first_year + k, "mean": m, "ci90_low": lo, "ci90_high": hi})
    return pd.DataFrame(rows)


def stationarity(results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(changes, decomposition): each headline share's value in the first and the last reported year, the change
    with its 90 % interval over replicates (stationary when the interval covers 0), and the change split into
    composition (sum of the change in cell weights times the mean rate) and behaviour (sum of the mean weight
    times the change in cell rates), symmetric so the parts add up."""
    changes, parts = [], []
    for name in HEADLINE_SHARES:
        rate, num, den = _shares(results, name)  # [R, Y], [R, Y, cell]
        first, last = rate[:, 0], rate[:, -1]
        m, lo, hi = _mean_interval(last - first)
        changes.append({"indicator": name, "first_year": float(first.mean()), "last_year": float(last.mean()),
                        "change": m, "ci90_low": lo, "ci90_high": hi,
                        "stationary": bool(lo <= 0.0 <= hi) if np.isfinite(lo) else None})
        w = den / den.sum(axis=2, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        dw, dr = w[:, -1] - w[:, 0], r[:, -1] - r[:, 0]
        comp = (dw * 0.5 * (r[:, -1] + r[:, 0])).sum(axis=1)
        behav = (0.5 * (w[:, -1] + w[:, 0]) * dr).sum(axis=1)
        for part, v in (("composition", comp), ("behaviour", behav)):
            pm, plo, phi = _mean_interval(v)
            parts.append({"indicator": name, "part": part, "change": pm, "ci90_low": plo, "ci90_high": phi})
    return pd.DataFrame(changes), pd.DataFrame(parts)


__all__ = ["target_table", "load_episodes", "replay_table", "peak_check", "episode_summary", "driver_path",
           "stationarity", "stationarity_years", "Episode", "Series", "TARGETS", "REPLAYS"]
