"""The rules that act on a single person, as small compiled functions the kernel calls.

Each takes plain numbers (ages in days, codes from ``simulation.core.states``) so it can be read,
tested and reused on its own (the person-level engine calls the same functions).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from simulation.core import numba_cache  # noqa: F401  (first: points Numba's cache at this version's directory)
from simulation.core.states import AGE_BAND_EDGES, Benefit, Education, State

DAYS_PER_YEAR = 365.25
_EDGES = tuple(int(round(a * DAYS_PER_YEAR)) for a in AGE_BAND_EDGES)
E16, E19, E22, E25, E30, E50, E67 = _EDGES
_VGO = int(Education.VGO)
_DAGPENGER = int(Benefit.DAGPENGER)
_TERTIARY_STATE = int(State.TERTIARY)
REGIME_BEFORE_2020, REGIME_TEMPORARY_2020, REGIME_PERMANENT_2021 = 0, 1, 2


def years_to_days(years: float) -> int:
    """An age or duration in whole days, the unit of the kernel's clocks."""
    return int(round(years * DAYS_PER_YEAR))


@njit(cache=True, inline="always", _nrt=False)
def age_band(age_days):
    """Reporting age band: 0 under 16, 1..6 the rate bands 16-18 .. 50-66, 7 for 67 and over."""
    if age_days < E16:
        return 0
    if age_days < E19:
        return 1
    if age_days < E22:
        return 2
    if age_days < E25:
        return 3
    if age_days < E30:
        return 4
    if age_days < E50:
        return 5
    if age_days < E67:
        return 6
    return 7


@njit(cache=True, inline="always", _nrt=False)
def rate_band(age_days):
    """The age band whose rates apply (1..6): under-16s and 67+ never reach the rates."""
    b = age_band(age_days)
    return 1 if b < 1 else (6 if b > 6 else b)


@njit(cache=True, inline="always", _nrt=False)
def has_youth_right(education, age_days, youth_right_end_days):
    """Ungdomsrett: no completed VGO and younger than the right's end (21, or 24 with the completion reform)."""
    return education < _VGO and age_days < youth_right_end_days


@njit(cache=True, inline="always", _nrt=False)
def has_adult_right(education, age_days, adult_right_days):
    """Voksenrett: 25 or over without completed VGO."""
    return education < _VGO and age_days >= adult_right_days


@njit(cache=True, inline="always", _nrt=False)
def study_uptake(regime, benefit, dest_state, age_days, dp_higher_education_min_days, uptake_if_lost):
    """Relative chance of starting education on one's own when studying may cost dagpenger.

    Before 20 April 2020 studying largely ended dagpenger; the temporary 2020 rule allowed it;
    the permanent rules from 1 October 2021 allow VGO/fagskole, higher education only from 30.
    """
    if benefit != _DAGPENGER:
        return 1.0
    if regime == REGIME_TEMPORARY_2020:
        return 1.0
    if regime == REGIME_PERMANENT_2021:
        if dest_state != _TERTIARY_STATE or age_days >= dp_higher_education_min_days:
            return 1.0
    return uptake_if_lost


@njit(cache=True, inline="always", _nrt=False)
def duration_factor(table, unemployed_days):
    """Job-finding multiplier after this many days of unemployment (falls with duration)."""
    w = unemployed_days // 7
    n = table.shape[0]
    if w >= n:
        w = n - 1
    return table[w]


def duration_table(decay_per_year: float, floor: float, max_weeks: int = 1600) -> np.ndarray:
    """exp(-decay x years unemployed), not below ``floor``, by whole week."""
    weeks = np.arange(max_weeks, dtype=np.float64)
    return np.maximum(np.exp(-decay_per_year * weeks * 7.0 / DAYS_PER_YEAR), floor)
