"""Upper secondary completion of starting cohorts (SSB/Udir's definition), on hand-made persons: a pupil who
completes in year 5 counts within 5 years, one who completes in year 7 does not, general studies are counted
within 5 years and vocational within 6, and cohorts not yet followed long enough are left out."""
from __future__ import annotations

import math

import pytest

from simulation.core.rules import DAYS_PER_YEAR
from simulation.core.schema import NO_STEP
from simulation.runs.cohorts import cohort_table, completion_share, completion_share_public

STEP_DAYS = 7
BURN = 0


def step(years: float) -> int:
    """The step at this many years after the start of reporting."""
    return int(round(years * DAYS_PER_YEAR / STEP_DAYS))


def table(persons, total_years: float = 12.0):
    """persons: (start year, years to completion or None, vocational)."""
    start = [step(s) for s, _, _ in persons]
    done = [NO_STEP if took is None else step(s + took) for s, took, _ in persons]
    return cohort_table(start, done, [voc for _, _, voc in persons], BURN, step(total_years), STEP_DAYS)


def test_completion_in_year_five_counts_and_in_year_seven_does_not():
    t = table([(0.1, 4.5, False), (0.1, 6.5, False), (0.1, None, False), (0.1, 2.9, False)])
    row = t[(t["cohort_year"] == 0) & (t["track"] == "general")].iloc[0]
    assert row["starters"] == 4
    assert row["completed_within_5y"] == 2  # 2.9 and 4.5 years
    assert row["completed_within_7y"] == 3  # and 6.5 years
    assert completion_share(t, 5, "general") == pytest.approx(2 / 4)


def test_the_public_share_counts_general_within_five_and_vocational_within_six_years():
    t = table([(0.2, 4.8, False), (0.2, 5.5, False),     # general: 1 of 2 within 5 years
               (0.2, 5.5, True), (0.2, 6.5, True), (0.2, None, True)])  # vocational: 1 of 3 within 6
    assert completion_share_public(t) == pytest.approx((1 + 1) / 5)


def test_cohorts_not_yet_followed_long_enough_are_left_out():
    # a run of 6.5 reported years: the cohort starting in year 0 is followed 5.5 years, the one in year 3 only 2.5
    t = table([(0.5, 4.0, False), (3.5, 1.0, False), (3.5, None, False)], total_years=6.5)
    assert completion_share(t, 5, "general") == pytest.approx(1.0)  # only the year-0 cohort counts
    assert math.isnan(completion_share_public(t))  # none followed 6 years
    assert math.isnan(completion_share(table([(4.0, 1.0, False)], total_years=6.0), 5))
