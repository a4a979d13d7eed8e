"""Budgets bind: NAV never starts more measure places than its monthly budget pays for; places go
through a queue, and waiting times are an output."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.api import run
from simulation.kernel import EV
from simulation.montecarlo import simulate
from simulation.params import _measure_budgets
from simulation.population import selected_counties
from simulation.states import State
from tests.conftest import paired_change, small_config

LIMITED = (State.WORK_MEASURE, State.AMO_COURSE)


def _spending(cfg, res) -> np.ndarray:
    """NOK per month spent on budget-limited measures: [R, T+1, C]."""
    price, _ = _measure_budgets(cfg, selected_counties(cfg))
    cols = [g for g, (d, _) in enumerate(res.groups) if d == "county"]
    st_ = res.stocks[:, :, :, cols].astype(np.float64)
    return sum(st_[:, :, int(s), :] * price[int(s)] for s in LIMITED) * res.scale


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budget=st.floats(0.0, 8.0), step_days=st.sampled_from([7, 14]), seed=st.integers(0, 10**6),
       recession=st.booleans())
def test_no_county_starts_places_beyond_its_budget(budget, step_days, seed, recession):
    o = [f"funding.measure_budget_bn_per_year={budget:.3f}", f"run.step_days={step_days}", f"run.seed={seed}",
         "run.replicates=1", "run.years=2", "run.burn_in_years=1", "population.scale=1500"]
    if recession:
        o += ["economy=recession", "economy.recession.start_year=0.2", "economy.recession.depth=0.8"]
    cfg = small_config(*o)
    res = simulate(cfg, progress=False)
    _, monthly = _measure_budgets(cfg, selected_counties(cfg))
    spend = _spending(cfg, res)[0]
    # spending may only rise while it stays within the budget (it can start above a small budget and fall)
    rise = spend[1:] > spend[:-1] + 1e-6
    over = spend[1:] > monthly[None, :] + 1e-6
    assert not np.any(rise & over), "a county started places beyond its budget"


def test_a_zero_budget_yields_zero_starts():
    cfg = small_config("funding.measure_budget_bn_per_year=0", "run.years=2")
    res = simulate(cfg, progress=False)
    starts = sum(res.flows[:, 1:, :, int(s)].sum() - res.flows[:, 1:, int(s), int(s)].sum() for s in LIMITED)
    assert starts == 0
    assert res.events[:, :, EV["measure_admissions"]].sum() == 0
    assert res.events[:, 1:, EV["stock_waiting_for_measure"]].max() > 0  # they queue instead


def test_a_larger_budget_shortens_the_wait():
    size = ["run.replicates=4", "population.scale=600", "run.years=2", "run.burn_in_years=1"]
    tight = run(small_config(*size, "funding.measure_budget_bn_per_year=3.5"))
    ample = run(small_config(*size, "funding.measure_budget_bn_per_year=8"))
    mean, half = paired_change(tight, ample, "mean_wait_weeks_for_measure")
    assert mean + half < 0, f"{mean:.2f} +- {half:.2f} weeks"
    assert tight.indicators.set_index("indicator").loc["mean_wait_weeks_for_measure", "mean"] > 0
