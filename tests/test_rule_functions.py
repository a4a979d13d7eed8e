"""Each domain rule of ``simulation.core.rules`` on hand-made values: one test per rule, at and around
its thresholds. (tests/test_rules.py checks the same rules through the kernel on hand-made populations.)"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulation.core import rules
from simulation.core.states import Benefit, Education, State

Y = rules.DAYS_PER_YEAR
D = rules.years_to_days
SOME, VGO, TERT = int(Education.SOME_VGO), int(Education.VGO), int(Education.TERTIARY)


def test_years_to_days_rounds_to_whole_days():
    assert D(1) == 365 and D(16) == 5844 and D(0.5) == 183


def test_entry_at_16_and_ageing_out_at_67():
    assert not rules.enters_scope(D(16) - 1, D(16)) and rules.enters_scope(D(16), D(16))
    assert not rules.ages_out(D(67) - 1, D(67)) and rules.ages_out(D(67), D(67))


def test_youth_right_ends_at_the_configured_age_and_needs_no_completed_vgo():
    end = D(22)  # the right to 21: younger than 22
    assert rules.has_youth_right(SOME, end - 1, end)
    assert not rules.has_youth_right(SOME, end, end)
    assert not rules.has_youth_right(VGO, D(17), end)
    assert rules.has_youth_right(int(Education.PRIMARY), D(16), end)


def test_adult_right_from_25_without_completed_vgo():
    assert rules.has_adult_right(SOME, D(25), D(25))
    assert not rules.has_adult_right(SOME, D(25) - 1, D(25))
    assert not rules.has_adult_right(VGO, D(40), D(25))
    assert not rules.has_adult_right(TERT, D(40), D(25))


def test_ot_follow_up_ends_at_22():
    assert not rules.ot_follow_up_ended(D(22) - 1, D(22))
    assert rules.ot_follow_up_ended(D(22), D(22))


def test_training_measures_from_19_and_higher_education_as_a_measure_from_22_with_reduced_work_ability():
    assert not rules.training_measure_allowed(D(19) - 1, D(19)) and rules.training_measure_allowed(D(19), D(19))
    assert rules.higher_education_measure_allowed(VGO, D(22), True, D(22))
    assert not rules.higher_education_measure_allowed(VGO, D(22), False, D(22))  # needs reduced work ability
    assert not rules.higher_education_measure_allowed(SOME, D(30), True, D(22))  # needs completed VGO
    assert not rules.higher_education_measure_allowed(VGO, D(22) - 1, True, D(22))


def test_education_cap_is_three_years_or_four_with_the_extension():
    cap, ext = 3 * Y, 1 * Y
    assert not rules.education_cap_reached(math.floor(cap) - 1, False, cap, ext)
    assert rules.education_cap_reached(math.ceil(cap), False, cap, ext)
    assert not rules.education_cap_reached(math.ceil(cap), True, cap, ext)  # the extra year runs
    assert not rules.education_cap_reached(math.floor(cap + ext) - 1, True, cap, ext)
    assert rules.education_cap_reached(math.ceil(cap + ext), True, cap, ext)


@given(days=st.integers(0, 3000), extended=st.booleans())
def test_education_cap_agrees_with_its_definition(days, extended):
    cap, ext = 3 * Y, 1 * Y
    assert rules.education_cap_reached(days, extended, cap, ext) == (days >= cap + (ext if extended else 0.0))


def test_youth_guarantee_covers_under_30s_with_an_eight_week_deadline():
    assert rules.youth_guarantee_applies(D(30) - 1, D(30)) and not rules.youth_guarantee_applies(D(30), D(30))
    eight_weeks = 56.0
    assert not rules.guarantee_deadline_passed(55, eight_weeks) and rules.guarantee_deadline_passed(56, eight_weeks)
    assert rules.offer_in_time(56, eight_weeks) and not rules.offer_in_time(57, eight_weeks)
    assert rules.offer_in_time(0, eight_weeks)


def test_nav_spell_states_and_what_counts_as_an_offer():
    nav = {State.JOBSEEKER, State.ASSESSMENT, State.WORK_MEASURE, State.AMO_COURSE}
    offers = {State.ASSESSMENT, State.WORK_MEASURE, State.AMO_COURSE, State.ADULT_VGO, State.TERTIARY, State.SCHOOL}
    for s in State:
        assert rules.in_nav_spell(int(s)) == (s in nav), s
        assert rules.is_offer(int(s)) == (s in offers), s


def test_long_term_unemployed_from_26_weeks():
    assert not rules.long_term_unemployed(181, 182) and rules.long_term_unemployed(182, 182)


def test_dagpenger_eligibility_depends_on_age():
    assert rules.dagpenger_eligible_share(D(24), D(25), 0.4, 0.8) == 0.4
    assert rules.dagpenger_eligible_share(D(25), D(25), 0.4, 0.8) == 0.8


def test_dagpenger_period_long_short_or_none():
    # eligible 0.8 of whom a share 0.8 have the long period: u < 0.64 long, 0.64 <= u < 0.8 short, else none
    assert rules.dagpenger_period_days(0.10, 0.8, 0.8, 728, 364) == 728
    assert rules.dagpenger_period_days(0.70, 0.8, 0.8, 728, 364) == 364
    assert rules.dagpenger_period_days(0.80, 0.8, 0.8, 728, 364) == 0
    assert rules.dagpenger_period_days(0.99, 0.8, 0.8, 728, 364) == 0


def test_dagpenger_run_out_at_the_end_of_the_period():
    assert not rules.dagpenger_exhausted(9, 10) and rules.dagpenger_exhausted(10, 10)


def test_studying_on_dagpenger_follows_the_three_regimes():
    dp, none = int(Benefit.DAGPENGER), int(Benefit.NONE)
    vgo_state, tert = int(State.ADULT_VGO), int(State.TERTIARY)
    young, old, he_min = D(25), D(35), D(30)
    f = rules.study_uptake
    assert f(rules.REGIME_BEFORE_2020, dp, vgo_state, old, he_min, 0.4) == 0.4
    assert f(rules.REGIME_BEFORE_2020, none, vgo_state, old, he_min, 0.4) == 1.0
    assert f(rules.REGIME_TEMPORARY_2020, dp, tert, young, he_min, 0.4) == 1.0
    assert f(rules.REGIME_PERMANENT_2021, dp, vgo_state, young, he_min, 0.4) == 1.0
    assert f(rules.REGIME_PERMANENT_2021, dp, tert, young, he_min, 0.4) == 0.4
    assert f(rules.REGIME_PERMANENT_2021, dp, tert, old, he_min, 0.4) == 1.0


def test_job_finding_falls_with_duration_to_a_floor():
    table = rules.duration_table(0.8, 0.3)
    assert rules.duration_factor(table, 0) == 1.0
    assert rules.duration_factor(table, 365) == pytest.approx(math.exp(-0.8 * 52 * 7 / Y))
    assert rules.duration_factor(table, 10_000) == 0.3
    assert rules.duration_factor(table, 10**6) == 0.3  # beyond the table: its last week


def test_cooperation_multiplier_is_one_at_the_reference_and_exp_effect_across_the_range():
    assert rules.cooperation_multiplier(0.7, 0.5, 0.5) == 1.0
    assert rules.cooperation_multiplier(1.0, 1.0, 0.5) / rules.cooperation_multiplier(1.0, 0.0, 0.5) == \
        pytest.approx(math.e)
    assert rules.cooperation_multiplier(0.4, 0.2, 0.5) == pytest.approx(math.exp(0.4 * -0.3))
    arr = rules.cooperation_multiplier(0.5, np.array([0.0, 0.5, 1.0]), 0.5)
    assert np.allclose(arr, np.exp(0.5 * np.array([-0.5, 0.0, 0.5])))


def test_age_bands_switch_where_the_rules_do():
    for age, band in ((15.99, 0), (16.0, 1), (18.99, 1), (19.0, 2), (22.0, 3), (25.0, 4), (30.0, 5), (50.0, 6),
                      (66.99, 6), (67.0, 7)):
        assert rules.age_band(int(round(age * Y))) == band, age
    assert rules.rate_band(D(10)) == 1 and rules.rate_band(D(70)) == 6


def test_an_immigrant_enters_in_the_step_of_arrival_and_one_born_here_at_16():
    assert not rules.arrives(9, 10) and rules.arrives(10, 10) and rules.arrives(11, 10)
    assert not rules.arrives(500, -1)  # born in Norway: no arrival step, enters at 16 (enters_scope)


def test_whole_years_of_age_index_the_population_change_tables():
    assert rules.whole_years(D(16)) == 16 and rules.whole_years(D(17) - 1) == 16
    assert rules.whole_years(-5) == 0 and rules.whole_years(D(80)) == 67


@pytest.mark.parametrize("state", [State.ASSESSMENT, State.WORK_MEASURE, State.AMO_COURSE])
def test_aap_goes_on_through_assessment_and_measures(state):
    assert rules.keeps_aap(int(state), False)


@pytest.mark.parametrize("state", [State.JOBSEEKER, State.WORK, State.INACTIVE, State.ADULT_VGO, State.TERTIARY])
def test_aap_ends_on_the_register_in_work_or_in_education_paid_by_others(state):
    assert not rules.keeps_aap(int(state), False)
    assert rules.keeps_aap(int(State.ADULT_VGO), True) and rules.keeps_aap(int(State.TERTIARY), True)


def test_an_aap_recipient_whose_activity_ended_goes_back_to_aap_not_to_the_register():
    aap, none = int(Benefit.AAP), int(Benefit.NONE)
    assert rules.back_to_aap(aap, int(State.JOBSEEKER)) == int(State.AAP)
    assert rules.back_to_aap(none, int(State.JOBSEEKER)) == int(State.JOBSEEKER)
    assert rules.back_to_aap(aap, int(State.WORK)) == int(State.WORK)


def test_aap_needs_an_eligible_type_unless_the_person_comes_from_long_sick_leave():
    js, sick = int(State.JOBSEEKER), int(State.SICK_LEAVE)
    assert rules.qualifies_for_aap(js, 0.29, 0.3) and not rules.qualifies_for_aap(js, 0.3, 0.3)
    assert not rules.qualifies_for_aap(js, 0.0, 0.0) and rules.qualifies_for_aap(js, 0.999, 1.0)
    assert rules.qualifies_for_aap(sick, 0.99, 0.0)
