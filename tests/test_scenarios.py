"""Named policy scenarios change what they should, shown with paired (common random number) runs."""
from __future__ import annotations

from simulation.api import run
from tests.conftest import paired_change, small_config

SIZE = ["run.replicates=6", "population.scale=800", "run.years=2", "run.burn_in_years=1"]


def test_without_public_first_nav_buys_adult_vgo_and_pays_more():
    """With a measure budget that does not bind, NAV buying all adult VGO costs NAV more."""
    ample = [*SIZE, "funding.measure_budget_bn_per_year=1000"]
    base = run(small_config(*ample))
    nav_buys = run(small_config(*ample, "scenario=nav_buys_all_adult_vgo"))
    mean, half = paired_change(base, nav_buys, "in_nav_bought_adult_vgo_final_year")
    assert mean - half > 0
    mean, half = paired_change(base, nav_buys, "cost_nav")
    assert mean - half > 0


def test_switching_off_the_youth_guarantee_lowers_offers_within_the_deadline():
    base = run(small_config(*SIZE))
    off = run(small_config(*SIZE, "scenario=youth_guarantee_off"))
    mean, half = paired_change(base, off, "youth_offer_within_deadline")
    assert mean + half < 0
