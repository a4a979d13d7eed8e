"""Population change: entries at 16 from the cohorts, deaths and emigration at the configured rates,
immigrants arriving as SSB projects, and a closed population when it is switched off."""
from __future__ import annotations

import numpy as np
import pytest

from simulation.core import demography as dm
from simulation.core.config import ConfigError
from simulation.core.params import steps_for
from simulation.core.population import arrival_counts, synthesise
from simulation.core.rules import DAYS_PER_YEAR
from simulation.core.schema import EV
from simulation.core.states import IN_SCOPE, State
from simulation.runs.montecarlo import simulate
from tests.conftest import small_config


def test_per_step_probabilities_compound_to_the_yearly_ones():
    cfg = small_config()
    death, emig = dm.yearly_departure(cfg)
    depart, die, _ = dm.kernel_tables(cfg, 7)
    steps = DAYS_PER_YEAR / 7
    np.testing.assert_allclose(1 - (1 - depart[16:67]) ** steps, death + emig, rtol=1e-9)
    np.testing.assert_allclose(die[16:67] / depart[16:67], death / (death + emig), rtol=1e-12)
    assert depart[:16].sum() == 0 and depart[67].sum() == 0


def test_emigration_rates_give_back_the_published_counts_on_the_starting_population():
    """Rate x population summed over 16-64 = the year's emigrations x the profile's share aged 16-64 (the
    65-66-year-olds take the 60-64 rate, so they are left out of the identity)."""
    cfg = small_config()
    d = cfg.population.demography
    pop = dm.starting_population(cfg)
    young = dm.AGES < 65
    for flow, b in ((d.emigration_native, 0), (d.emigration_immigrant, 1)):
        rates = dm.emigration_rates(cfg, flow, b)
        # the 15-19 group's rate is over five ages, of which the model holds four
        expected = dm.per_year(flow, cfg.population.start_year) * sum(
            v * (0.8 if g == "15_19" else 1.0) for g, v in flow.age_profile.items() if g not in ("0_14", "65_plus")) \
            / sum(flow.age_profile.values())
        assert (rates[young] * pop[young, b]).sum() == pytest.approx(expected, rel=0.03)


def test_arrivals_follow_the_projection_between_its_years():
    cfg = small_config("population.start_year=2019")
    im = cfg.population.demography.immigration
    a = dm.arrivals(cfg, 8)  # 2019 .. 2026
    share = dm.share_16_66(im)
    assert a[0] == pytest.approx(im.per_year[2019] * share)
    assert a[6] == pytest.approx(im.per_year[2025] * share)
    assert a[3] == pytest.approx((im.per_year[2019] + (im.per_year[2025] - im.per_year[2019]) * 3 / 6) * share)
    assert 0.7 < share < 0.9  # most immigrants are young adults


def test_arrival_counts_are_unbiased_at_any_scale():
    cfg = small_config("population.scale=50000", "run.years=3")
    expected = dm.arrivals(cfg, 3).sum() / 50000
    draws = [arrival_counts(cfg, np.random.default_rng(s)).sum() for s in range(400)]
    assert np.mean(draws) == pytest.approx(expected, abs=4 * np.std(draws) / np.sqrt(len(draws)) + 1e-9)


def test_immigrants_wait_outside_until_their_arrival_step_and_then_enter_at_their_age():
    cfg = small_config("run.replicates=1", "run.years=1", "run.burn_in_years=0.5")
    people = synthesise(cfg, cfg.run.seed, 0)
    arriving = (people.state == State.PRE_ENTRY) & (people.entered_step >= 0)
    assert arriving.sum() > 0
    burn, _ = steps_for(cfg)
    assert people.entered_step[arriving].min() >= burn  # only in the reported years
    age_at_arrival = people.age0_days[arriving].astype(int) + (people.entered_step[arriving].astype(int) + 1) * 7
    assert age_at_arrival.min() >= 16 * DAYS_PER_YEAR - 1 and age_at_arrival.max() < 67 * DAYS_PER_YEAR


def test_yearly_events_and_the_population_path_match_the_expected_values():
    """Deaths, emigrations and arrivals per year, and the population 16-66 after two years, against the
    deterministic projection of the same rates: within 4 Monte Carlo standard errors (Poisson counts)."""
    scale, years, reps = 500.0, 2, 2
    cfg = small_config(f"population.scale={scale}", f"run.years={years}", f"run.replicates={reps}",
                       "run.burn_in_years=0.5")
    res = simulate(cfg, progress=False)
    ev = res.events.sum(axis=1).astype(float)  # [replicate, event]
    pop = dm.starting_population(cfg)
    death, emig = dm.yearly_departure(cfg)
    for name, per_year in (("deaths", (pop * death).sum()), ("emigrations", (pop * emig).sum()),
                           ("immigrations", dm.arrivals(cfg, years).mean())):
        expected = per_year * years * reps / scale
        got = ev[:, EV[name]].sum()
        assert abs(got - expected) < 4 * np.sqrt(expected), (name, got, expected)
    in_scope = res.stocks[:, -1, list(IN_SCOPE), 0].sum(axis=1).mean() * scale
    assert in_scope == pytest.approx(dm.expected_path(cfg, years)[-1], rel=4 * np.sqrt(scale / 3.5e6 / reps) + 0.005)


def test_without_population_change_no_one_dies_emigrates_or_arrives():
    cfg = small_config("population.demography.enabled=false", "run.replicates=1")
    res = simulate(cfg, progress=False)
    for name in ("deaths", "emigrations", "immigrations"):
        assert res.events[..., EV[name]].sum() == 0
    assert res.stocks[:, :, int(State.DEPARTED), 0].sum() == 0
    people = synthesise(cfg, cfg.run.seed, 0)
    assert not np.any((people.state == State.PRE_ENTRY) & (people.entered_step >= 0))


@pytest.mark.parametrize("override, key", [
    ("population.demography.cohorts_under_16=[60000,60000]", "population.demography.cohorts_under_16"),
    ("~population.persons_by_age.20_24", "population.persons_by_age"),
    ("population.demography.mortality_per_100k.20_24=-1", "population.demography.mortality_per_100k.20_24"),
    ("+population.demography.immigration.arrival_state_by_age.50_66.aap=0.1",
     "population.demography.immigration.arrival_state_by_age.50_66.aap"),
    ("population.demography.immigration.education.primary=0.9", "population.demography.immigration.education"),
])
def test_bad_population_change_config_is_one_line_naming_the_key(override, key):
    with pytest.raises(ConfigError) as err:
        small_config(override)
    msg = str(err.value)
    assert key in msg and "\n" not in msg
