"""Institutions (Mesa agents): NAV's caseload pressure lowers effective cooperation; key-person
shocks are common random numbers; switched off, cooperation stays as configured."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation.api import run
from simulation.runs.montecarlo import simulate
from tests.conftest import paired_change, small_config

REPLICATES = 6
RECESSION = ["economy.recession.start_year=0.5", "economy.recession.length_years=1.5", "run.years=2.5",
             "run.burn_in_years=1", f"run.replicates={REPLICATES}", "population.scale=1000"]


def _strength(res) -> np.ndarray:
    """Mean effective strength over counties and reporting steps, per replicate."""
    d = res.institutions
    d = d[d["variable"] == "strength"]
    return d.groupby("replicate")["value"].mean().to_numpy()


def test_a_recession_lowers_effective_cooperation_through_nav_caseloads():
    steady = simulate(small_config("economy=steady", *RECESSION), progress=False)
    slump = simulate(small_config("economy=recession", *RECESSION), progress=False)
    diff = _strength(slump) - _strength(steady)  # paired: same seed, same people, same shocks
    half = stats.t.ppf(0.95, REPLICATES - 1) * diff.std(ddof=1) / np.sqrt(REPLICATES)
    assert diff.mean() + half < 0, f"paired difference {diff.mean():.3f} +- {half:.3f} does not exclude 0"
    pressure = slump.institutions.query("variable == 'pressure'")["value"].max()
    assert pressure > 1.1  # the recession does raise NAV's caseload above normal


def test_key_person_shocks_are_common_random_numbers():
    a = simulate(small_config("economy=steady", *RECESSION, "cooperation.dynamics.key_person_shock_rate=2"),
                 progress=False).institutions
    b = simulate(small_config("economy=recession", *RECESSION, "cooperation.dynamics.key_person_shock_rate=2"),
                 progress=False).institutions
    sa = a[a["variable"] == "key_person_shock"]["value"].to_numpy()
    sb = b[b["variable"] == "key_person_shock"]["value"].to_numpy()
    assert sa.sum() > 0
    np.testing.assert_array_equal(sa, sb)


def test_without_dynamics_cooperation_stays_as_configured():
    res = simulate(small_config("cooperation.dynamics.enabled=false", "+cooperation.by_county.Troms=0.9"),
                   progress=False)
    assert set(res.institutions["variable"]) == {
        "caseload", "pressure", "measure_budget_used", "queue", "assessment_places", "assessment_used",
        "assessment_queue", "strength", "key_person_shock", "ot_caseload", "ot_pressure", "ot_follow_up",
        "adult_places", "adult_places_used", "adult_queue", "apprenticeship_places", "apprenticeship_places_used",
        "apprenticeship_queue", "apprenticeship_cycle"}
    strength = res.institutions.query("variable == 'strength'")
    assert np.all(strength.loc[strength.county == "Troms", "value"] == 0.9)
    assert np.all(strength.loc[strength.county == "Oslo", "value"] == 0.5)


@pytest.fixture(scope="module")
def weak_and_strong():
    # Completion of NAV-bought adult VGO rests on a few hundred simulated participants.
    # A 4-year burn-in: completion is counted over exits in the window, so while stronger cooperation is
    # still raising the inflow into (2-year) adult VGO, recent starters add drop-outs before completions
    # calibrated=none: these tests pin down mechanisms, not levels. The calibrated preset sends a third as many
    # persons to NAV-bought adult VGO (3 500 in training, [MeldSt32-2021]), too few at this size to see the drop-out
    # effect (+0.05 +- 0.10 with 12 replicates); the uncalibrated rates and 20 replicates give +0.09 +- 0.04
    size = ["run.replicates=20", "population.scale=300", "run.years=3", "run.burn_in_years=4", "calibrated=none"]
    return run(small_config(*size, "cooperation=weak")), run(small_config(*size, "cooperation=strong"))


@pytest.mark.parametrize("name", ["adult_vgo_completion_nav", "vgo_completion_youth"])
def test_stronger_cooperation_raises_completion_of_upper_secondary(weak_and_strong, name):
    """Joint follow-up lowers drop-out (mechanism 5), for NAV-bought and youth upper secondary."""
    mean, half = paired_change(*weak_and_strong, name)
    assert mean - half > 0, f"{name}: {mean:.3f} +- {half:.3f}"


@pytest.mark.parametrize("name", ["mean_ot_referral_weeks", "mean_weeks_to_assessment"])
def test_stronger_cooperation_shortens_referral_delays(weak_and_strong, name):
    """Mechanism 1: OT refers to NAV sooner and NAV sends job seekers to assessment sooner."""
    mean, half = paired_change(*weak_and_strong, name)
    assert mean + half < 0, f"{name}: {mean:.2f} +- {half:.2f}"


def test_stronger_cooperation_shortens_the_wait_before_a_programme_starts(weak_and_strong):
    """Mechanism 2: from assessment to the start of a measure or education, queue included (paired)."""
    mean, half = paired_change(*weak_and_strong, "mean_weeks_assessment_to_programme")
    assert mean + half < 0, f"{mean:.2f} +- {half:.2f} weeks"


def test_ot_beyond_its_capacity_refers_youth_to_nav_more_slowly():
    """The county authority thins OT's follow-up when more youth need it than OT can follow (paired)."""
    # the other institutions' places unlimited: youth waiting in OT for an apprenticeship place in the recession
    # would add noise (9 +- 10 weeks) to the one mechanism this test pins down
    size = ["run.replicates=6", "population.scale=300", "run.years=3", "run.burn_in_years=1", "economy=recession",
            "economy.recession.start_year=0.5", "funding.apprenticeship_places_relative=null",
            "funding.adult_education_places_relative=null", "funding.caseworker_capacity_relative=null"]
    ample = run(small_config(*size, "funding.ot_capacity_relative=null"))
    tight = run(small_config(*size, "funding.ot_capacity_relative=0.6"))
    mean, half = paired_change(ample, tight, "mean_ot_referral_weeks")
    assert mean - half > 0, f"{mean:.2f} +- {half:.2f} weeks"
    follow_up = tight.raw.institutions.query("variable == 'ot_follow_up'")["value"]
    assert follow_up.min() < 1.0 and follow_up.max() <= 1.0
    assert ample.raw.institutions.query("variable == 'ot_follow_up'")["value"].eq(1.0).all()
