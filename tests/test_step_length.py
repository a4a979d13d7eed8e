"""Stocks do not depend on the step length beyond Monte Carlo error (rates are per year) where no place is
rationed. Queues are another matter: places are handed out once a step, so a wait lasts up to a step longer
with longer steps, and where budgets or places bind (as NAV's measure budget does by default) the stock of those
waiting grows with the step (docs/configuration.md, run.step_days)."""
from __future__ import annotations

import numpy as np
from scipy import stats

from simulation.core.states import STATE_NAMES
from simulation.runs.montecarlo import simulate
from tests.conftest import small_config

REPLICATES = 12
# Bonferroni over states x checkpoints at a family-wise false-alarm rate of 1 %
FAMILY_ALPHA = 0.01
# no rationed places: budgets and places unlimited
UNRATIONED = ("funding.measure_budget_bn_per_year=null", "funding.caseworker_capacity_relative=null",
              "funding.adult_education_places_relative=null", "funding.apprenticeship_places_relative=null")


def _stocks_at_days(step_days: int, days: list[int]) -> np.ndarray:
    cfg = small_config(f"run.step_days={step_days}", f"run.replicates={REPLICATES}", "run.years=2",
                       "run.burn_in_years=1", "population.scale=400", "run.check_invariants=false", *UNRATIONED)
    res = simulate(cfg, progress=False)
    steps = [d // step_days for d in days]
    return res.stocks[:, steps][..., 0].astype(np.float64)  # [R, checkpoints, S]


def test_stocks_agree_for_weekly_and_fortnightly_steps():
    days = [364, 728]
    a = _stocks_at_days(7, days)
    b = _stocks_at_days(14, days)
    big = a.mean(axis=(0, 1)) >= 30  # states with enough people for a meaningful comparison
    n_tests = int(big.sum()) * len(days)
    z = stats.t.ppf(1 - FAMILY_ALPHA / (2 * n_tests), REPLICATES - 1)
    # same seed, same synthetic population in both runs: the replicate-by-replicate difference is paired
    d = a - b
    se = d.std(axis=0, ddof=1) / np.sqrt(REPLICATES)
    diff = d.mean(axis=0)
    bad = [(STATE_NAMES[s], days[k], round(diff[k, s], 1), round(z * se[k, s], 1))
           for k in range(len(days)) for s in np.nonzero(big)[0] if abs(diff[k, s]) > z * se[k, s]]
    assert not bad, f"step length changes stocks beyond Monte Carlo error: {bad}"
