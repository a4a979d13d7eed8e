"""Capacities bind and queues form: NAV's measure budget and caseworker time, the county's adult-education
places and the labour market's apprenticeship places. Places go by right, then the youth guarantee, then
waiting time, then a random key; mechanisms 4 (public first) and 6 (combined paths) of docs/domain.md."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.api import run
from simulation.core import allocation, schema
from simulation.core import kernel as K
from simulation.core.params import build_params
from simulation.core.population import selected_counties
from simulation.core.states import Education, State
from simulation.institutions.model import CrossSectorModel
from simulation.runs.montecarlo import simulate
from tests.conftest import paired_change, small_config
from tests.test_rules import QUIET, _people

NO_NOISE = "funding.capacity_sample_noise_sd=0"


def _run_checked(cfg) -> tuple[int, np.ndarray]:
    """Run one replicate with the institutions deciding every step, and check after every step that no
    county's pool is fuller than its capacity unless it did not grow (capacity can fall under a stock,
    e.g. apprenticeship places in a recession; then nobody may enter). Returns (checks, any pool limited)."""
    counties = selected_counties(cfg)
    model = CrossSectorModel(cfg, 0)
    params = model.params
    assert model.period == 1
    use = np.zeros((schema.N_POOLS, len(counties)))
    queue = np.zeros((schema.N_POOLS, len(counties)), dtype=np.int64)
    state = {"prev": None, "checks": 0, "limited": False}

    def check(_n: int) -> None:
        K.pool_use_by_county(model.people, params, use, queue)
        cap = params.capacity
        if state["prev"] is not None:
            grew = use > state["prev"] + 1e-6
            over = use > cap + 1e-6
            assert not np.any(grew & over), \
                f"a pool filled beyond capacity at step {model.t}: {np.argwhere(grew & over)}"
            state["checks"] += 1
        state["limited"] |= bool(np.isfinite(cap).any())
        state["prev"] = use.copy()

    model.on_block = check
    model.run()
    return state["checks"], state["limited"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budget=st.floats(0.0, 8.0), caseworkers=st.floats(0.0, 1.5), adult=st.floats(0.0, 1.5),
       apprentices=st.floats(0.0, 1.5), noise=st.sampled_from([0.0, 2.0]), step_days=st.sampled_from([7, 14]),
       seed=st.integers(0, 10**6), recession=st.booleans(), enforced=st.booleans(), grant=st.sampled_from([0, 300]))
def test_no_institution_fills_more_places_than_it_has(budget, caseworkers, adult, apprentices, noise, step_days, seed,
                                                      recession, enforced, grant):
    o = [f"funding.measure_budget_bn_per_year={budget:.3f}", f"funding.caseworker_capacity_relative={caseworkers:.3f}",
         f"funding.adult_education_places_relative={adult:.3f}",
         f"funding.apprenticeship_places_relative={apprentices:.3f}", f"funding.capacity_sample_noise_sd={noise}",
         f"run.step_days={step_days}", f"cooperation.dynamics.update_days={step_days}", f"run.seed={seed}",
         f"scenario.public_first_enforced={str(enforced).lower()}",
         f"funding.earmarked_grants.adult_education_nok_m_per_year={grant}", "calibrated=none",
         "run.replicates=1", "run.years=1.5", "run.burn_in_years=1", "population.scale=1500"]
    if recession:
        o += ["economy=recession", "economy.recession.start_year=0.2", "economy.recession.depth=0.8"]
    checks, limited = _run_checked(small_config(*o))
    assert checks > 0 and limited  # the check ran, with capacities set


@pytest.mark.parametrize("pool, state", [("caseworker_capacity_relative", State.ASSESSMENT),
                                         ("apprenticeship_places_relative", State.APPRENTICE)])
def test_no_places_no_starts(pool, state):
    """Zero places (and no sample-noise allowance) after the burn-in: nobody enters, applicants queue."""
    cfg = small_config(f"funding.{pool}=0", NO_NOISE, "run.years=2", "run.burn_in_years=1")
    res = simulate(cfg, progress=False)
    s = int(state)
    starts = res.flows[:, 1:, :, s].sum() - res.flows[:, 1:, s, s].sum()
    assert starts == 0
    name = schema.POOL_NAMES[schema.POOL_ASSESSMENT if state == State.ASSESSMENT else schema.POOL_APPRENTICESHIP]
    assert res.events[:, 1:, schema.EV[f"{name}_admissions"]].sum() == 0
    assert res.events[:, 1:, schema.EV[f"stock_waiting_for_{name}"]].max() > 0


def test_no_adult_places_no_county_starts_and_nav_buys_on_the_market():
    cfg = small_config("funding.adult_education_places_relative=0", NO_NOISE, "scenario.public_first_enforced=true",
                       "run.years=2", "run.burn_in_years=1", "run.replicates=2")
    res = simulate(cfg, progress=False)
    ev = res.events[:, 1:, :].sum(axis=(0, 1))
    assert ev[schema.EV["adult_education_admissions"]] == 0
    assert ev[schema.EV["nav_vgo_starts_county_place"]] == 0
    assert ev[schema.EV["nav_vgo_starts_market"]] > 0  # public first asked, the county had nothing: bought at once
    county_stock = res.events[:, 1:, schema.EV["stock_county_adult_vgo"]]
    assert np.all(np.diff(county_stock, axis=1) <= 0)  # county places only empty


def _allocate(people, cfg, capacity):
    params = build_params(cfg, selected_counties(cfg), 0, 1)
    params.capacity[:] = capacity
    n_c = params.capacity.shape[1]
    app = np.arange(people.state.shape[0], dtype=np.int64)
    acc_pool = np.zeros((1, schema.N_POOLS, n_c), dtype=np.int64)
    allocation.allocate(people, params, np.uint64(7), 3, acc_pool, app, np.array([app.size], dtype=np.int64), app.size)
    return (people.want & np.uint8(schema.WANT_ADMITTED)) > 0


def test_places_go_to_those_with_a_right_first():
    """Six applicants for two adult-education places in one county: the two adults with the adult right (mode
    plain) get them before four adults NAV would buy a course for (public first), whatever their wait."""
    cfg = small_config(*QUIET)
    p = _people(6, State.JOBSEEKER, 40, education=int(Education.PRIMARY))  # 40, without VGO: the adult right
    p.education[:4] = int(Education.VGO)  # completed: no right
    p.want[:] = int(State.ADULT_VGO)
    p.want[:4] |= schema.M_PUBLIC << 4  # NAV-bought, asked of the county
    p.wait_since_step[:4] = 0  # they have waited longer
    p.wait_since_step[4:] = 3
    cap = np.full((schema.N_POOLS, len(selected_counties(cfg))), np.inf)
    cap[schema.POOL_ADULT_EDUCATION, 0] = 2 * cfg.population.scale
    want = p.want.copy()
    admitted = _allocate(p, cfg, cap)
    modes = (p.want >> schema.WANT_MODE_SHIFT) & schema.WANT_MODE
    # the right holders get the county places; NAV buys the other four courses on the market (budget unlimited)
    np.testing.assert_array_equal(admitted, [True] * 6)
    np.testing.assert_array_equal(modes, [schema.M_MARKET] * 4 + [schema.M_PLAIN] * 2)
    # with no measure budget, NAV cannot buy them at all: the four wait
    p.want[:] = want
    cap[schema.POOL_MEASURE, 0] = 0.0
    np.testing.assert_array_equal(_allocate(p, cfg, cap), [False] * 4 + [True] * 2)


def test_places_go_to_the_youth_guarantee_then_the_longest_wait():
    cfg = small_config(*QUIET)
    p = _people(5, State.JOBSEEKER, 40)
    p.age0_days[0] = int(22 * 365.25)  # a youth at the guarantee's deadline
    p.age0_days[1] = int(22 * 365.25)  # a youth
    p.want[:] = int(State.ASSESSMENT)
    p.want[0] |= schema.M_GUARANTEE << 4
    p.wait_since_step[:] = [3, 1, 3, 0, 2]  # adults: person 3 waited longest, then 4
    cap = np.full((schema.N_POOLS, len(selected_counties(cfg))), np.inf)
    for places, expected in ((1, [1, 0, 0, 0, 0]), (2, [1, 1, 0, 0, 0]), (3, [1, 1, 0, 1, 0]), (4, [1, 1, 0, 1, 1])):
        p.want[:] &= np.uint8(~schema.WANT_ADMITTED & 0xFF)  # forget the previous round's admissions
        cap[schema.POOL_ASSESSMENT, 0] = places * cfg.population.scale
        np.testing.assert_array_equal(_allocate(p, cfg, cap), np.array(expected, dtype=bool),
                                      err_msg=f"{places} places")


@pytest.fixture(scope="module")
def steady_and_recession():
    # the default 1:100 sample: about 25 simulated apprentices in the median county, enough for the recession's
    # cut of places (25 % at the trough, in the final year) to show above the sample's noise allowance
    size = ["run.replicates=8", "population.scale=100", "run.years=3", "run.burn_in_years=2",
            "economy.recession.start_year=1.0"]
    return run(small_config(*size)), run(small_config(*size, "economy=recession"))


def test_a_recession_makes_youth_wait_for_apprenticeship_places(steady_and_recession):
    """The labour market offers fewer apprenticeship places in a downturn (docs/domain.md): queues grow (paired)."""
    mean, half = paired_change(*steady_and_recession, "waiting_for_apprenticeship_final_year")
    assert mean - half > 0, f"{mean:.0f} +- {half:.0f} waiting"
    places = steady_and_recession[1].raw.institutions.query("variable == 'apprenticeship_cycle'")["value"]
    assert places.min() < 1.0


def test_a_recession_lengthens_the_wait_for_assessment(steady_and_recession):
    """More job seekers, the same caseworkers: the wait for assessment grows (paired)."""
    mean, half = paired_change(*steady_and_recession, "waiting_for_assessment_final_year")
    assert mean - half > 0, f"{mean:.0f} +- {half:.0f} waiting"


@pytest.fixture(scope="module")
def weak_and_strong():
    # calibrated=none: the calibrated preset sends few to NAV-bought adult VGO ([MeldSt32-2021]: 3 500 in training)
    size = ["run.replicates=12", "population.scale=300", "run.years=3", "run.burn_in_years=1", "calibrated=none"]
    return run(small_config(*size, "cooperation=weak")), run(small_config(*size, "cooperation=strong"))


def test_stronger_cooperation_delivers_more_nav_bought_vgo_in_county_places(weak_and_strong):
    """Mechanism 4 (public first): NAV asks the county more often; the course costs it the cost price."""
    mean, half = paired_change(*weak_and_strong, "nav_vgo_in_county_places")
    assert mean - half > 0, f"{mean:.3f} +- {half:.3f}"


def test_stronger_cooperation_opens_combined_paths(weak_and_strong):
    """Mechanism 6: more youth get a combined path (school part + work practice)."""
    mean, half = paired_change(*weak_and_strong, "combined_path_starts_per_year")
    assert mean - half > 0, f"{mean:.0f} +- {half:.0f} a year"


def test_combined_paths_end_as_in_the_pyk_pilot():
    """PYK ([SINTEF-2010]): 13 of 25 to an apprenticeship, 4 back to Vg1. With places unlimited the simulated ends
    match the configured shares within 3 binomial standard errors."""
    cfg = small_config("cooperation.strength=1", "cooperation.effects.combined_path=1", "run.replicates=4",
                       "population.scale=200", "run.years=3", "funding.apprenticeship_places_relative=null",
                       "funding.measure_budget_bn_per_year=null")  # places and NAV's budget (it pays them) unlimited
    res = simulate(cfg, progress=False)
    ev = res.events[:, 1:, :].sum(axis=(0, 1))
    n = ev[schema.EV["combined_path_ends"]]
    assert n > 200
    for name, share in (("combined_path_to_apprenticeship", 0.52), ("combined_path_to_school", 0.16)):
        se = np.sqrt(share * (1 - share) / n)
        assert abs(ev[schema.EV[name]] / n - share) < 3 * se, \
            f"{name}: {ev[schema.EV[name]] / n:.3f} vs {share} (n={n})"


def test_no_cooperation_no_combined_paths():
    res = simulate(small_config("cooperation.strength=0", "cooperation.dynamics.enabled=false", "run.years=2"),
                   progress=False)
    assert res.events[:, 1:, schema.EV["combined_path_starts"]].sum() == 0


def test_public_first_enforced_delivers_every_nav_bought_course_in_county_places_when_there_is_room():
    # an ample measure budget isolates the price: with a binding budget NAV spends it either way, buying more
    size = ["run.replicates=6", "population.scale=300", "run.years=2", "funding.adult_education_places_relative=null",
            "calibrated=none", "funding.measure_budget_bn_per_year=1000"]
    res = run(small_config(*size, "scenario=public_first_enforced"))
    share = res.per_replicate["nav_vgo_in_county_places"][1]
    np.testing.assert_array_equal(share, 1.0)
    base = run(small_config(*size))
    mean, half = paired_change(base, res, "cost_nav")
    assert mean + half < 0, f"NAV's cost: {mean:.3f} +- {half:.3f} NOK bn/yr"  # cost price below the market price


def test_an_earmarked_grant_pays_county_places_instead_of_nav():
    """Utdanningsløftet ([MeldSt32-2021]: NOK 300 m for about 5 000 adults without a right): the grant's places take
    adults NAV would otherwise buy a course for; the state pays, NAV pays less (paired)."""
    size = ["run.replicates=6", "population.scale=100", "run.years=2", "calibrated=none"]
    base = run(small_config(*size))
    grant = run(small_config(*size, "funding=utdanningsloftet_2020"))
    assert base.per_replicate["earmarked_place_starts_per_year"][1].max() == 0
    assert grant.per_replicate["earmarked_place_starts_per_year"][1].min() > 0
    mean, half = paired_change(base, grant, "cost_state")
    assert mean - half > 0, f"the state: {mean:.3f} +- {half:.3f} NOK bn/yr"
    mean, half = paired_change(base, grant, "in_nav_bought_adult_vgo_final_year")
    assert mean + half < 0, f"NAV-bought adult VGO: {mean:.0f} +- {half:.0f}"
    # never more grant places in use than the grant pays for: 300 m / 60 000 = 5 000 (scaled)
    booked = grant.raw.bookings[:, 1:, int(State.ADULT_VGO), 3].sum(axis=2) * grant.raw.scale
    assert 0 < booked.max() <= 5000
