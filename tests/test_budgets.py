"""Budgets bind: NAV never starts more measure places than its monthly budget pays for; places go
through a queue, and waiting times are an output."""
from __future__ import annotations

import numpy as np

from simulation.api import run
from simulation.core.schema import EV
from simulation.core.states import State
from simulation.runs.montecarlo import simulate
from tests.conftest import paired_change, small_config

LIMITED = (State.WORK_MEASURE, State.AMO_COURSE)
# That no county ever spends beyond its budget (nor fills more places of any kind than it has) is the
# property test in tests/test_capacity.py, checked after every step over random budgets and places.


def test_a_zero_budget_yields_zero_starts():
    cfg = small_config("funding.measure_budget_bn_per_year=0", "run.years=2")
    res = simulate(cfg, progress=False)
    starts = sum(res.flows[:, 1:, :, int(s)].sum() - res.flows[:, 1:, int(s), int(s)].sum() for s in LIMITED)
    assert starts == 0
    assert res.events[:, :, EV["measure_admissions"]].sum() == 0
    assert res.events[:, 1:, EV["stock_waiting_for_measure"]].max() > 0  # they queue instead


def test_a_zero_budget_stops_nav_bought_education_while_county_adult_vgo_goes_on():
    """Training measures (NAV-bought upper secondary and higher education) are paid from the same appropriation
    as the other measures: with none, no one starts them, while adults on the adult right still start upper
    secondary in the county's places."""
    cfg = small_config("funding.measure_budget_bn_per_year=0", "run.years=2", "run.replicates=2")
    res = simulate(cfg, progress=False)
    ev = res.events[:, 1:]
    assert ev[..., EV["nav_vgo_starts_county_place"]].sum() == 0
    assert ev[..., EV["nav_vgo_starts_market"]].sum() == 0
    nav_tertiary = res.events[..., EV["stock_nav_paid_tertiary"]]
    assert (np.diff(nav_tertiary[:, 1:], axis=1) <= 0).all()  # those who started before the run only leave
    vgo = int(State.ADULT_VGO)
    county_starts = res.flows[:, 1:, :, vgo].sum(axis=(1, 2)) - res.flows[:, 1:, vgo, vgo].sum(axis=1)
    assert (county_starts > 0).all()  # in every replicate; every start is a county place: NAV bought none
    assert (ev[..., EV["stock_county_adult_vgo"]].mean(axis=1) > 0).all()


def test_a_larger_budget_shortens_the_wait():
    size = ["run.replicates=4", "population.scale=600", "run.years=2", "run.burn_in_years=1"]
    tight = run(small_config(*size, "funding.measure_budget_bn_per_year=3.5"))
    ample = run(small_config(*size, "funding.measure_budget_bn_per_year=8"))
    mean, half = paired_change(tight, ample, "mean_wait_weeks_for_measure")
    assert mean + half < 0, f"{mean:.2f} +- {half:.2f} weeks"
    assert tight.indicators.set_index("indicator").loc["mean_wait_weeks_for_measure", "mean"] > 0
