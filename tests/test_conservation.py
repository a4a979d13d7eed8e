"""People are conserved: every step all persons are in exactly one state, and each state's
stock(t) = stock(t-1) + inflow(t) - outflow(t), across a wide range of random valid configs."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.core.states import IN_SCOPE, N_STATES, State
from simulation.runs.montecarlo import check_conservation, simulate
from tests.conftest import small_config

COUNTY_SUBSETS = [[], ["Oslo"], ["Troms", "Finnmark"], ["Vestland", "Agder", "Innlandet"]]


@st.composite
def random_configs(draw):
    """Valid configs that differ in step length, horizon, economy, cooperation, rules and rates."""
    o = [
        f"run.seed={draw(st.integers(0, 2**40))}",
        f"run.step_days={draw(st.sampled_from([1, 3, 7, 14, 30, 31]))}",
        f"run.years={draw(st.floats(0.3, 3.0)):.3f}",
        f"run.burn_in_years={draw(st.floats(0.0, 1.5)):.3f}",
        f"population.scale={draw(st.floats(1500, 6000)):.1f}",
        f"cooperation.strength={draw(st.floats(0, 1)):.3f}",
        f"scenario.youth_guarantee={draw(st.booleans())}",
        f"scenario.completion_reform={draw(st.booleans())}",
        "scenario.dagpenger_while_studying="
        f"{draw(st.sampled_from(['before_2020', 'temporary_2020', 'permanent_2021']))}",
        f"scenario.education_measure_cap_years={draw(st.floats(0.1, 4.0)):.3f}",
        f"rates.jobseeker.job_finding={draw(st.floats(0.0, 20.0)):.3f}",
        f"rates.work.layoff_rate={draw(st.floats(0.0, 2.0)):.3f}",
        f"rates.assessment.mean_weeks={draw(st.floats(0.5, 30.0)):.3f}",
        f"rates.school.dropout_rate={draw(st.floats(0.0, 3.0)):.3f}",
        f"rates.adult_vgo.years={draw(st.floats(0.05, 5.0)):.3f}",
        f"rates.aap.max_years={draw(st.floats(0.05, 5.0)):.3f}",
        f"rates.health.reduced_work_ability_onset={draw(st.floats(0.0, 1.0)):.3f}",
    ]
    counties = draw(st.sampled_from(COUNTY_SUBSETS))
    if counties:
        o.append(f"population.only_counties=[{','.join(counties)}]")
    if draw(st.booleans()):
        years = float(o[2].split("=")[1])
        o += ["economy=recession", f"economy.recession.depth={draw(st.floats(0, 0.95)):.3f}",
              f"economy.recession.start_year={draw(st.floats(0, years * 0.9)):.3f}",
              f"economy.recession.length_years={draw(st.floats(0.1, 3)):.3f}",
              f"economy.recession.layoff_rise={draw(st.floats(0, 5)):.3f}"]
    return small_config(*o, "run.replicates=1", "run.check_invariants=false")


def _assert_conserved(res) -> None:
    for r in range(res.replicates):
        stocks, flows = res.stocks[r], res.flows[r]
        n = res.n_persons[r]
        assert np.all(stocks[:, :, 0].sum(axis=1) == n), "people created or lost"
        off = flows.copy()
        off[:, np.arange(N_STATES), np.arange(N_STATES)] = 0
        inflow = off[1:].sum(axis=1)
        outflow = off[1:].sum(axis=2)
        np.testing.assert_array_equal(stocks[1:, :, 0], stocks[:-1, :, 0] + inflow - outflow)
        # every reporting dimension splits the same total
        for dim in ("county", "age_band", "education", "immigrant"):
            cols = [g for g, (d, _) in enumerate(res.groups) if d == dim]
            np.testing.assert_array_equal(stocks[:, :, cols].sum(axis=2), stocks[:, :, 0])
        check_conservation(stocks, flows, n)  # the run-time check agrees


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_configs())
def test_people_are_conserved_each_step(cfg):
    _assert_conserved(simulate(cfg, progress=False))


def test_no_one_out_of_scope_holds_a_working_age_state():
    """Under-16s are only 'pre_entry', 67+ only 'aged_out' (or 'departed'), and OT follows only 16-21-year-olds."""
    res = simulate(small_config("run.replicates=2", "run.years=3"), progress=False)
    g = {name: i for i, (d, name) in enumerate(res.groups) if d == "age_band"}
    stocks = res.stocks
    in_scope_states = list(IN_SCOPE)
    assert stocks[:, :, [int(s) for s in in_scope_states], g["under_16"]].sum() == 0
    assert stocks[:, :, [int(s) for s in in_scope_states], g["67_plus"]].sum() == 0
    assert stocks[:, :, int(State.AGED_OUT), :][..., [g[b] for b in g if b != "67_plus"]].sum() == 0
    older = [g[b] for b in ("22_24", "25_29", "30_49", "50_66")]
    assert stocks[:, :, int(State.OT_FOLLOWED), :][..., older].sum() == 0
    assert stocks[:, :, int(State.AGED_OUT), 0].max() > 0  # and people do age out
