"""The yearly breakdowns the kernel collects (``schema.XT_*``), unpacked into arrays and tidy tables:
the cross-tabulation of states by age group, education, immigrant background and reduced work ability
(mean persons over the year's month-ends), stocks by months in the current state, and moves by months
spent in the state left, by age group and by the benefit held.

These are what the publishers' definitions need: NAV's fully unemployed exclude persons with reduced work
ability, the LFS and the OECD count employment by age and education, job finding is read by duration.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.core import schema
from simulation.core.states import (
    AGE_GROUP_NAMES,
    DURATION_NAMES,
    EDUCATION_NAMES,
    N_AGE_GROUPS,
    N_BENEFIT_CODES,
    N_DURATIONS,
    N_EDUCATION,
    N_STATES,
    STATE_NAMES,
    Benefit,
)

BENEFIT_NAMES = [b.name.lower() for b in Benefit]
XT_SHAPE = (N_STATES, N_AGE_GROUPS, N_EDUCATION, 2, 2)  # state, age group, education, immigrant, reduced work ability


def crosstab(res) -> np.ndarray:
    """Mean simulated persons over each reported year's month-ends: [R, years, S, age group, education,
    immigrant, reduced work ability] (float; NaN for a year without a month-end)."""
    b = res.breakdowns[:, :, schema.XT_CELLS:schema.XT_CELLS + N_STATES * schema.N_XCELLS]
    counts = b.reshape(b.shape[:2] + XT_SHAPE).astype(np.float64)
    snaps = np.asarray(res.snapshots, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / np.where(snaps > 0, snaps, np.nan)[None, :, None, None, None, None, None]


def duration_stocks(res) -> np.ndarray:
    """Mean simulated persons by state and months in the state over the year's month-ends: [R, years, S, D]."""
    b = res.breakdowns[:, :, schema.XT_DURATION_STOCK:schema.XT_DURATION_STOCK + N_STATES * N_DURATIONS]
    counts = b.reshape(b.shape[:2] + (N_STATES, N_DURATIONS)).astype(np.float64)
    snaps = np.asarray(res.snapshots, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / np.where(snaps > 0, snaps, np.nan)[None, :, None, None]


def exits(res, by: str) -> np.ndarray:
    """Moves per reported year: [R, years, from, to, group] with group the months in the old state
    (``by="months_in_state"``), the age group (``"age_group"``) or the benefit held (``"benefit"``)."""
    start, n = {"months_in_state": (schema.XT_EXIT_DURATION, N_DURATIONS),
                "age_group": (schema.XT_EXIT_AGE, N_AGE_GROUPS),
                "benefit": (schema.XT_EXIT_BENEFIT, N_BENEFIT_CODES)}[by]
    b = res.breakdowns[:, :, start:start + N_STATES * N_STATES * n]
    return b.reshape(b.shape[:2] + (N_STATES, N_STATES, n))


def _years(res, n: int) -> np.ndarray:
    return res.start_year + np.arange(n)


def crosstab_table(res) -> pd.DataFrame:
    """Tidy: replicate, year, state, age_group, education, immigrant, reduced_work_ability, persons (mean over
    the year's month-ends, simulated) and persons_scaled; a cell with no one in a year is left out of that year."""
    x = crosstab(res)
    R, Y = x.shape[:2]
    idx = np.nonzero(np.nan_to_num(x) > 0)
    r, y, s, a, e, m, w = idx
    values = x[idx]
    return pd.DataFrame({
        "replicate": r.astype(np.int16),
        "year": _years(res, Y)[y].astype(np.int16),
        "state": pd.Categorical.from_codes(s, STATE_NAMES),
        "age_group": pd.Categorical.from_codes(a, AGE_GROUP_NAMES),
        "education": pd.Categorical.from_codes(e, EDUCATION_NAMES),
        "immigrant": m.astype(bool),
        "reduced_work_ability": w.astype(bool),
        "persons": values,
        "persons_scaled": values * res.scale,
    })


def exits_table(res) -> pd.DataFrame:
    """Tidy: replicate, year, from_state, to_state, breakdown (months_in_state, age_group or benefit), group,
    count and count_scaled per reported year; zero counts are left out."""
    frames = []
    for by, names in (("months_in_state", DURATION_NAMES), ("age_group", AGE_GROUP_NAMES),
                      ("benefit", BENEFIT_NAMES)):
        x = exits(res, by)
        r, y, f, t, g = np.nonzero(x)
        c = x[r, y, f, t, g]
        frames.append(pd.DataFrame({
            "replicate": r.astype(np.int16), "year": _years(res, x.shape[1])[y].astype(np.int16),
            "from_state": pd.Categorical.from_codes(f, STATE_NAMES),
            "to_state": pd.Categorical.from_codes(t, STATE_NAMES),
            "breakdown": by, "group": np.asarray(names, dtype=object)[g], "count": c.astype(np.int64),
            "count_scaled": c * res.scale}))
    out = pd.concat(frames, ignore_index=True)
    out["breakdown"] = out["breakdown"].astype("category")
    out["group"] = out["group"].astype("category")
    return out


def durations_table(res) -> pd.DataFrame:
    """Tidy: replicate, year, state, months_in_state, persons (mean over the year's month-ends) and scaled."""
    x = duration_stocks(res)
    idx = np.nonzero(np.nan_to_num(x) > 0)
    r, y, s, d = idx
    values = x[idx]
    return pd.DataFrame({
        "replicate": r.astype(np.int16), "year": _years(res, x.shape[1])[y].astype(np.int16),
        "state": pd.Categorical.from_codes(s, STATE_NAMES),
        "months_in_state": pd.Categorical.from_codes(d, DURATION_NAMES),
        "persons": values, "persons_scaled": values * res.scale})
