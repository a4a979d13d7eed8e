"""The fiscal ledger balances: every person is booked once a step, and agencies' totals are the
priced sum of those bookings."""
from __future__ import annotations

import numpy as np
import pytest

from simulation.core.schema import E_BOOK, EV, N_BENEFITS, N_PAYMENT_VARIANTS
from simulation.core.states import Benefit, State
from simulation.runs import ledger
from simulation.runs.montecarlo import simulate
from tests.conftest import small_config
from tests.test_rules import QUIET, _people, _run


@pytest.fixture(scope="module")
def result():
    cfg = small_config("run.replicates=2", "run.years=2")
    return cfg, simulate(cfg, progress=False)


def test_every_person_is_booked_once_each_step(result):
    _, res = result
    booked = res.bookings[:, 1:].sum(axis=(3, 4))  # [R, T, S]
    np.testing.assert_array_equal(booked, res.stocks[:, 1:, :, 0])
    by_benefit = res.bookings[:, 1:].sum(axis=(2, 3))
    np.testing.assert_array_equal(by_benefit[:, :, int(Benefit.DAGPENGER)], res.events[:, 1:, EV["stock_dagpenger"]])
    np.testing.assert_array_equal(by_benefit[:, :, int(Benefit.SOCIAL_ASSISTANCE)],
                                  res.events[:, 1:, EV["stock_social_assistance"]])
    # market + county place
    np.testing.assert_array_equal(res.bookings[:, 1:, int(State.ADULT_VGO), 1:].sum(axis=(2, 3)),
                                  res.events[:, 1:, EV["stock_nav_paid_adult_vgo"]])


def test_agency_totals_are_the_sum_of_priced_bookings(result):
    cfg, res = result
    by_agency = ledger.agency_costs(res.bookings, cfg.funding, res.step_days, res.scale)
    prices = ledger.price_table(cfg.funding)
    months = res.step_days / ledger.DAYS_PER_MONTH
    for a, agency in enumerate(ledger.AGENCIES):
        cols = [i for i, (_, who) in enumerate(ledger.items(cfg.funding)) if who == agency]
        per_booking = prices[:, :, :, cols].sum(axis=3)  # NOK per person-month for this agency
        expected = (res.bookings * per_booking[None, None]).sum(axis=(2, 3, 4)) * months * res.scale
        np.testing.assert_allclose(by_agency[:, :, a], expected, rtol=1e-12)
    table = ledger.ledger_table(res.bookings, cfg.funding, res.step_days, res.scale, res.start_year)
    assert table["nok"].sum() == pytest.approx(by_agency[:, 1:].sum(), rel=1e-12)


def test_a_year_of_disability_costs_nav_the_monthly_benefit_times_twelve():
    cfg = small_config(*QUIET, "run.years=1", "rates.disability.to_work=0")
    stocks, events = _run(cfg, _people(100, State.DISABILITY, 40))
    bookings = events[None, :, E_BOOK:].reshape(1, events.shape[0], -1, N_PAYMENT_VARIANTS, N_BENEFITS)
    costs = ledger.agency_costs(bookings, cfg.funding, cfg.run.step_days, cfg.population.scale)
    steps = stocks.shape[0] - 1
    expected = 100 * cfg.funding.benefits.disability * steps * cfg.run.step_days / ledger.DAYS_PER_MONTH
    assert costs[0, :, ledger.AGENCIES.index("nav")].sum() == pytest.approx(expected * cfg.population.scale)
    assert costs[0, :, ledger.AGENCIES.index("county")].sum() == 0


def test_co_financing_moves_half_of_the_joint_service_to_the_county(result):
    cfg, res = result
    half = small_config("run.replicates=2", "run.years=2", "funding.joint_services_county_share=0.5")
    names = [n for n, _ in ledger.items(cfg.funding)]
    nav_only = ledger.item_costs(res.bookings, cfg.funding, res.step_days, res.scale)
    shared = ledger.item_costs(res.bookings, half.funding, res.step_days, res.scale)
    a, c = names.index("assessment"), names.index("assessment_county_share")
    np.testing.assert_allclose(shared[..., a], 0.5 * nav_only[..., a])
    np.testing.assert_allclose(shared[..., c], 0.5 * nav_only[..., a])
    assert nav_only[..., c].sum() == 0


def test_the_payer_rule_moves_bought_adult_vgo_to_the_municipality():
    cfg = small_config("funding.adult_vgo_without_right_payer=municipality")
    names = dict(ledger.items(cfg.funding))
    assert names["adult_vgo_bought"] == "municipality"
