"""The business cycle as multipliers on job finding, layoffs and apprenticeship contracts per step.

The cycle is an intensity per global step: 0 in normal times, and one unit of intensity is a
downturn that raises NAV's registered unemployment by one percentage point above normal times
(the unit the replays measure it in). Four kinds:

- ``steady``: always 0;
- ``recession``: one stylised dip, a raised-cosine bump ``sin^2(pi x)`` over ``length_years``, whose
  peak is intensity 1;
- ``replay``: a historical episode given as NAV's registered unemployment (per cent) at calendar
  dates, linearly interpolated onto the steps; the intensity is the rate minus ``baseline_rate``
  (normal times), so it is negative in a boom. Before the first date the first rate holds, after
  the last the last, burn-in included: the model settles in the conditions the episode starts from;
- ``regime_switching``: a two-state continuous-time Markov chain (normal, recession) with
  exponential sojourns, drawn per replicate; each recession ramps in and out smoothly (the two
  halves of the same raised-cosine bump) and reaches a depth drawn per episode.

The burn-in is normal times for every kind but the replay. The intensity scales the effects in the
``recession`` block (``depth``, ``layoff_rise``, ... are the effects of one unit; the ``cycle`` config
group holds the effects fitted on 2008-2010). The young (under 25) and the low-educated (no completed
VGO) feel the cycle more: their multipliers move by the cycle's effect times the sensitivities.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.core.config import EconomyConfig, EconomyKind, RegimeSwitchingConfig, ReplayConfig
from simulation.core.rules import DAYS_PER_YEAR
from simulation.core.states import AGE_BAND_EDGES, N_EDUCATION, N_RATE_BANDS, Education

MIN_JOB_MULTIPLIER = 0.02  # job finding never falls to zero, whatever the depth
MIN_LAYOFF_MULTIPLIER = 0.05  # nor do layoffs in a boom
# Third element of the regime-switching generator's seed: keeps the economy's draws apart from any
# other stream keyed on (seed, replicate). Changing it changes every regime-switching path.
REGIME_STREAM = 0xEC0C7C1E


def is_stochastic(econ: EconomyConfig) -> bool:
    """Whether the economy's path is drawn per replicate (then the kernel's parameters are too)."""
    return econ.kind is EconomyKind.regime_switching


# ---------------------------------------------------------------------------------------------
# shared pieces


def step_years(n_steps: int, burn_steps: int, step_days: int) -> np.ndarray:
    """Each global step's midpoint in years after the start of reporting (the burn-in is negative)."""
    t = np.arange(n_steps, dtype=np.float64)
    return (t - burn_steps + 0.5) * step_days / DAYS_PER_YEAR


def bump(x: np.ndarray) -> np.ndarray:
    """The raised-cosine bump sin^2(pi x) on [0, 1), 0 outside: rises smoothly over [0, 1/2], falls over [1/2, 1].

    A recession is one whole bump; a regime-switching recession ramps in along its first half
    and out along its second half."""
    x = np.asarray(x, dtype=np.float64)
    inside = (x >= 0.0) & (x < 1.0)
    return np.where(inside, np.sin(np.pi * np.clip(x, 0.0, 1.0)) ** 2, 0.0)


def _rise(u: np.ndarray) -> np.ndarray:
    """0 -> 1 smoothly as u goes 0 -> 1 (0 before, 1 after): the bump's first half."""
    return bump(0.5 * np.minimum(u, 1.0))


def _fall(u: np.ndarray) -> np.ndarray:
    """1 -> 0 smoothly as u goes 0 -> 1 (1 before, 0 after): the bump's second half."""
    return bump(0.5 + 0.5 * np.clip(u, 0.0, 1.0))


# ---------------------------------------------------------------------------------------------
# replay


def replay_rate(rp: ReplayConfig, calendar_years: np.ndarray) -> np.ndarray:
    """Registered unemployment (per cent) at these calendar dates (decimal years), linearly interpolated
    between the path's points; the first rate before them, the last after."""
    pts = np.asarray(rp.path, dtype=np.float64)
    return np.interp(calendar_years, pts[:, 0], pts[:, 1])


def replay_intensity(rp: ReplayConfig, calendar_years: np.ndarray) -> np.ndarray:
    """Percentage points of registered unemployment above normal times (negative below)."""
    return replay_rate(rp, calendar_years) - rp.baseline_rate


# ---------------------------------------------------------------------------------------------
# regime switching


@dataclass(frozen=True)
class Recession:
    """One recession of a regime-switching path: [start, end) in years after the start of reporting."""
    start: float
    end: float
    depth: float  # peak intensity, reached after ramp_years


def regime_rng(seed: int, replicate: int) -> np.random.Generator:
    """The economy's generator for one replicate: the same for every scenario on this seed."""
    return np.random.default_rng([int(seed), int(replicate), REGIME_STREAM])


def regime_recessions(rs: RegimeSwitchingConfig, horizon_years: float, rng: np.random.Generator) -> list[Recession]:
    """The recessions of one path over [0, horizon_years); the chain starts in normal times.

    Draw order per cycle: normal sojourn, recession sojourn, depth. Paths are therefore
    prefix-consistent: a longer horizon appends recessions and keeps the earlier ones."""
    lo, hi = (float(v) for v in rs.depth_draw)
    out: list[Recession] = []
    t = 0.0
    while True:
        t += rng.exponential(rs.mean_years_normal)
        length = rng.exponential(rs.mean_years_recession)
        depth = rng.uniform(lo, hi)
        if t >= horizon_years:
            return out
        out.append(Recession(t, t + length, depth))
        t += length


def recession_share(recessions: list[Recession], horizon_years: float) -> float:
    """Share of [0, horizon_years) the chain spends in the recession state."""
    return sum(min(r.end, horizon_years) - r.start for r in recessions) / horizon_years


def regime_intensity(rs: RegimeSwitchingConfig, recessions: list[Recession], years: np.ndarray) -> np.ndarray:
    """Each recession rises over ramp_years to its depth, holds it to its end, then falls over
    ramp_years (from the level it reached, if it ended before the ramp was done). Overlapping
    tails take the larger value."""
    out = np.zeros_like(years, dtype=np.float64)
    ramp = rs.ramp_years
    for r in recessions:
        if ramp > 0.0:
            reached = r.depth * float(_rise(np.array((r.end - r.start) / ramp)))
            level = np.where(years < r.end, r.depth * _rise((years - r.start) / ramp),
                             reached * _fall((years - r.end) / ramp))
        else:
            level = np.where((years >= r.start) & (years < r.end), r.depth, 0.0)
        out = np.maximum(out, np.where(years >= r.start, level, 0.0))
    return out


# ---------------------------------------------------------------------------------------------
# the intensity and its multipliers


def cycle_intensity(econ: EconomyConfig, n_steps: int, burn_steps: int, step_days: int, seed: int = 0,
                    replicate: int = 0, start_year: float = 0.0) -> np.ndarray:
    """The intensity of every global step (module docstring); the burn-in is normal times but for a replay.

    ``seed`` and ``replicate`` key the draws of a stochastic economy (common random numbers); ``start_year``
    is the calendar year at the start of reporting (a replay's dates are calendar dates)."""
    if econ.kind is EconomyKind.steady:
        return np.zeros(n_steps)
    years = step_years(n_steps, burn_steps, step_days)
    if econ.kind is EconomyKind.replay:
        return replay_intensity(econ.replay, start_year + years)
    if econ.kind is EconomyKind.recession:
        r = econ.recession
        intensity = bump((years - r.start_year) / r.length_years)
    elif econ.kind is EconomyKind.regime_switching:
        rs = econ.regime_switching
        recessions = regime_recessions(rs, float(years[-1]) + 1.0, regime_rng(seed, replicate))
        intensity = regime_intensity(rs, recessions, years)
    else:  # pragma: no cover - the schema admits only the kinds above
        raise ValueError(f"unknown economy kind {econ.kind}")
    return np.where(years < 0.0, 0.0, np.clip(intensity, 0.0, 1.0))


def sensitivity(econ: EconomyConfig) -> np.ndarray:
    """How strongly each (rate band, education) cell feels the cycle, relative to an adult with VGO."""
    sens = np.ones((N_RATE_BANDS, N_EDUCATION))
    youth_bands = [b for b in range(N_RATE_BANDS) if AGE_BAND_EDGES[b + 1] <= 25]
    sens[youth_bands, :] *= econ.youth_sensitivity
    sens[:, : int(Education.VGO)] *= econ.low_education_sensitivity
    return sens


def onset(intensity: np.ndarray, step_days: int) -> np.ndarray:
    """How fast the intensity rises at each step, in points a year (0 where it holds or falls; 0 at step 0)."""
    i = np.asarray(intensity, dtype=np.float64)
    return np.maximum(np.diff(i, prepend=i[:1]), 0.0) * DAYS_PER_YEAR / step_days


def cycle_multipliers(econ: EconomyConfig, intensity: np.ndarray, step_days: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(job finding [steps, band, edu], layoffs [steps, band, edu], apprenticeship contracts [steps],
    education uptake: return to school and adult VGO on a right [steps], temporary layoffs [steps]).
    Each moves linearly with the intensity (a boom's negative intensity moves it the other way), within
    bounds that keep rates positive; temporary layoffs move with the intensity's rise instead (:func:`onset`):
    firms lay off temporarily when demand falls suddenly and recall when it steadies, so a downturn that holds
    at a high level adds no new temporary layoffs."""
    sens = sensitivity(econ)[None, :, :]
    i = intensity[:, None, None]
    r = econ.recession
    job = np.maximum(1.0 - r.depth * i * sens, MIN_JOB_MULTIPLIER)
    layoff = np.maximum(1.0 + r.layoff_rise * i * sens, MIN_LAYOFF_MULTIPLIER)
    apprenticeship = np.maximum(1.0 - r.apprenticeship_fall * intensity, 0.0)
    education = np.maximum(1.0 + r.education_uptake_rise * intensity, 0.0)
    temporary = 1.0 + r.temporary_layoff_onset * onset(intensity, step_days)
    return (np.ascontiguousarray(job), np.ascontiguousarray(layoff), np.ascontiguousarray(apprenticeship),
            np.ascontiguousarray(education), np.ascontiguousarray(temporary))
