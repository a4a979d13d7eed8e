"""Upper secondary completion of starting cohorts, as Statistics Norway and the Directorate for Education
count it: of those who start upper secondary in a year, the share who have completed (with a certificate
of general studies or a trade or journeyman's certificate) within five years (general studies) or six
(vocational), wherever they completed. The kernel records each person's start (the step they enter school at
16) and their first completion; this module counts cohorts from those two steps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.core.rules import DAYS_PER_YEAR
from simulation.core.schema import NO_STEP

MAX_YEARS = 10
TRACKS = ("general", "vocational")


def cohort_table(start_step: np.ndarray, done_step: np.ndarray, vocational: np.ndarray, burn_steps: int,
                 total_steps: int, step_days: int, max_years: int = MAX_YEARS) -> pd.DataFrame:
    """One row per (cohort year, track): starters, completers within k years (k = 1..max_years), and how many
    years of follow-up the whole cohort has had by the end of the run (a share within k years is valid only when
    ``followed_years >= k``). Cohort years count from the start of reporting (negative: started in the burn-in)."""
    start = np.asarray(start_step, dtype=np.int64)
    done = np.asarray(done_step, dtype=np.int64)
    voc = np.asarray(vocational, dtype=bool)
    mask = start != NO_STEP
    year_of_start = np.floor((start[mask] - burn_steps) * step_days / DAYS_PER_YEAR).astype(np.int64)
    took = np.where(done[mask] != NO_STEP, (done[mask] - start[mask]) * step_days / DAYS_PER_YEAR, np.inf)
    rows = []
    for y in np.unique(year_of_start):
        # the cohort's last member started by the end of its year; all are followed until the run ends
        year_end_step = burn_steps + (y + 1) * DAYS_PER_YEAR / step_days
        followed = (total_steps - year_end_step) * step_days / DAYS_PER_YEAR
        for track, is_voc in zip(TRACKS, (False, True)):
            sel = (year_of_start == y) & (voc[mask] == is_voc)
            row = {"cohort_year": int(y), "track": track, "starters": int(sel.sum()), "followed_years": float(followed)}
            for k in range(1, max_years + 1):
                row[f"completed_within_{k}y"] = int((took[sel] <= k).sum())
            rows.append(row)
    columns = ["cohort_year", "track", "starters", "followed_years"] + \
        [f"completed_within_{k}y" for k in range(1, max_years + 1)]
    return pd.DataFrame(rows, columns=columns)


def completion_share(table: pd.DataFrame, years: int, track: str | None = None) -> float:
    """Of the starters of every cohort followed at least ``years`` years (one track, or both), the share who
    completed within ``years`` years; NaN when no cohort has been followed that long."""
    t = table[table["followed_years"] >= years]
    if track is not None:
        t = t[t["track"] == track]
    starters = t["starters"].sum()
    return float(t[f"completed_within_{years}y"].sum() / starters) if starters > 0 else float("nan")


def completion_share_public(table: pd.DataFrame, general_years: int = 5, vocational_years: int = 6) -> float:
    """The published total: completion within 5 years for general studies and 6 for vocational programmes,
    over the cohorts followed long enough for both (NaN when none has been)."""
    t = table[table["followed_years"] >= max(general_years, vocational_years)]
    done = (t.loc[t["track"] == "general", f"completed_within_{general_years}y"].sum()
            + t.loc[t["track"] == "vocational", f"completed_within_{vocational_years}y"].sum())
    starters = t["starters"].sum()
    return float(done / starters) if starters > 0 else float("nan")
