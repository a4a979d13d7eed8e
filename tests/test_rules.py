"""The rules that act on a single person: age limits, rights, the 3+1-year cap, dagpenger running out,
the youth guarantee, OT ending at 22, ageing out at 67, duration dependence, the business cycle."""
from __future__ import annotations

import numpy as np
import pytest

from simulation.core import rules, schema
from simulation.core.economy import cycle_intensity, cycle_multipliers
from simulation.core.population import PERSON_DTYPES
from simulation.core.rng import person_key, replicate_key, uniform
from simulation.core.schema import FLAG_NAV_PAID, FLAG_REDUCED_WORK_ABILITY
from simulation.core.states import Benefit, Education, State
from simulation.institutions.model import CrossSectorModel
from tests.conftest import small_config

Y = rules.DAYS_PER_YEAR
QUIET = [  # switch off everything that is not the rule under test
    "run.burn_in_years=0", "run.replicates=1", "rates.health.reduced_work_ability_onset=0",
    "population.demography.enabled=false",  # no deaths, emigration or arrivals among the hand-made persons
]


def _people(n: int, state: State, age_years: float, **fields) -> schema.People:
    cols = {name: np.zeros(n, dtype=dt) for name, dt in PERSON_DTYPES.items()}
    cols["state"][:] = int(state)
    cols["age0_days"][:] = int(age_years * Y)
    cols["entered_step"][:] = -1
    cols["spell_start_step"][:] = -1
    cols["first_nav_step"][:] = -1
    cols["education"][:] = int(Education.VGO)
    for name, value in fields.items():
        cols[name][:] = value
    return schema.People(**cols)


def _only(key: str, first: str, *others: str) -> list[str]:
    """Overrides that send every case of a set of destination shares to its first destination."""
    return [f"{key}.{first}=1.0", *(f"{key}.{o}=0.0" for o in others)]


def _run(cfg, people):
    """Run the kernel on a hand-made population; returns (stocks[T+1, S], events[T+1, E])."""
    model = CrossSectorModel(cfg, 0, people=people)
    model.run()
    return model.stocks[:, :, 0], model.events


def test_age_bands_switch_where_the_rules_do():
    for age, band in ((15.99, 0), (16.0, 1), (18.99, 1), (19.0, 2), (22.0, 3), (25.0, 4), (30.0, 5), (50.0, 6),
                      (66.99, 6), (67.0, 7)):
        assert rules.age_band(int(round(age * Y))) == band, age


def test_rights_follow_age_and_education():
    vgo, some = int(Education.VGO), int(Education.SOME_VGO)
    assert rules.has_youth_right(some, int(20 * Y), int(22 * Y))
    assert not rules.has_youth_right(some, int(22 * Y), int(22 * Y))
    assert not rules.has_youth_right(vgo, int(17 * Y), int(22 * Y))
    assert rules.has_adult_right(some, int(25 * Y), int(25 * Y))
    assert not rules.has_adult_right(some, int(24.9 * Y), int(25 * Y))
    assert not rules.has_adult_right(vgo, int(40 * Y), int(25 * Y))


def test_studying_on_dagpenger_follows_the_three_regimes():
    dp, none = int(Benefit.DAGPENGER), int(Benefit.NONE)
    vgo_state, tert = int(State.ADULT_VGO), int(State.TERTIARY)
    young, old, he_min = int(25 * Y), int(35 * Y), int(30 * Y)
    f = rules.study_uptake
    assert f(rules.REGIME_BEFORE_2020, dp, vgo_state, old, he_min, 0.4) == 0.4
    assert f(rules.REGIME_BEFORE_2020, none, vgo_state, old, he_min, 0.4) == 1.0
    assert f(rules.REGIME_TEMPORARY_2020, dp, tert, young, he_min, 0.4) == 1.0
    assert f(rules.REGIME_PERMANENT_2021, dp, vgo_state, young, he_min, 0.4) == 1.0
    assert f(rules.REGIME_PERMANENT_2021, dp, tert, young, he_min, 0.4) == 0.4
    assert f(rules.REGIME_PERMANENT_2021, dp, tert, old, he_min, 0.4) == 1.0


def test_job_finding_falls_with_unemployment_duration_to_a_floor():
    table = rules.duration_table(0.8, 0.3)
    values = [rules.duration_factor(table, d) for d in (0, 30, 180, 365, 3 * 365, 40 * 365)]
    assert values[0] == 1.0
    assert all(a >= b for a, b in zip(values, values[1:]))
    assert values[-1] == pytest.approx(0.3)


def _pk(key, person):
    return np.uint64(person_key(key, person))  # compiled functions return uint64 as a Python int


def test_counter_based_draws_are_uniform_and_keyed_by_every_part():
    key = replicate_key(7, 0)
    u = np.array([uniform(_pk(key, i), 3, 0) for i in range(20000)])
    # 20 000 draws: the mean's standard error is 0.002; 5 standard errors
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert 0.0 <= u.min() and u.max() < 1.0
    pk = _pk(key, 11)
    draws = {uniform(pk, 3, 0), uniform(pk, 3, 1), uniform(pk, 4, 0), uniform(_pk(key, 12), 3, 0),
             uniform(_pk(replicate_key(7, 1), 11), 3, 0)}
    assert len(draws) == 5


def test_recession_hits_the_young_and_low_educated_harder():
    # the rule, with the assumed effects (every one non-zero; the fitted cycle sets ordinary layoffs' rise to 0)
    cfg = small_config("economy=recession", "cycle=assumed", "economy.recession.start_year=1", "run.years=4")
    intensity = cycle_intensity(cfg.economy, 200, 0, 7)
    job, layoff, appr, edu, _ = cycle_multipliers(cfg.economy, intensity, 7)
    trough = int(np.argmax(intensity))
    young_low, adult_vgo = (0, int(Education.PRIMARY)), (4, int(Education.VGO))
    assert job[trough][young_low] < job[trough][adult_vgo] < 1.0
    assert layoff[trough][young_low] > layoff[trough][adult_vgo] > 1.0
    assert appr[trough] < 1.0 < edu[trough]  # fewer apprenticeships, more apply for education
    assert np.all(job[:52] == 1.0) and np.all(layoff[:52] == 1.0)  # normal times before the start


def test_temporary_layoffs_follow_the_rise_of_the_cycle_not_its_level():
    """1 + temporary_layoff_onset x the intensity's rise in points a year: normal before a downturn, raised while it
    deepens (at the bump's steepest point by pi / length points a year), normal again at its trough, where the level
    effects are largest, and normal while it recovers."""
    cfg = small_config("economy=recession", "cycle=assumed", "economy.recession.start_year=1",
                       "economy.recession.length_years=2", "economy.recession.temporary_layoff_onset=4", "run.years=4")
    intensity = cycle_intensity(cfg.economy, 200, 0, 7)
    temporary = cycle_multipliers(cfg.economy, intensity, 7)[4]
    trough = int(np.argmax(intensity))
    assert np.all(temporary[:52] == 1.0)  # normal times
    steepest = 1.0 + 4.0 * np.pi / 2.0  # d/dt sin^2(pi t / 2) peaks at pi / 2 a year
    assert temporary[52:trough].max() == pytest.approx(steepest, rel=0.01)
    assert np.all(temporary[52:trough] > 1.0)
    assert np.all(temporary[trough + 1:] == 1.0)  # after the trough: the recovery


def test_a_jump_in_a_replay_lays_off_in_proportion_to_its_size():
    """A replay's jump of j points within one step of 7 days is a rise of j x 365.25 / 7 points a year in that step."""
    from simulation.core.economy import onset

    steps = onset(np.array([0.0, 0.0, 8.0, 8.0, 7.0]), 7)
    assert steps == pytest.approx([0.0, 0.0, 8.0 * 365.25 / 7, 0.0, 0.0])


def test_education_as_a_measure_stops_at_the_three_year_cap():
    cfg = small_config(*QUIET, "run.years=5", "rates.tertiary.years_nav=10", "rates.tertiary.dropout_rate_nav=0",
                       "scenario.education_measure_extension_share=0")
    people = _people(500, State.TERTIARY, 30, flags=FLAG_NAV_PAID | FLAG_REDUCED_WORK_ABILITY)
    stocks, events = _run(cfg, people)
    cap_step = int(np.ceil(3 * Y / 7))
    assert stocks[cap_step - 1, int(State.TERTIARY)] == 500
    assert stocks[cap_step + 1, int(State.TERTIARY)] == 0
    assert events[:, schema.EV["education_cap_exit"]].sum() == 500


def test_time_in_nav_bought_education_counts_towards_the_cap_whatever_comes_next():
    """NAV-bought adult VGO that ends in higher education: its days still count towards the 3 + 1-year cap
    (the books of the old programme are closed with what it was, not with what the person enters)."""
    cfg = small_config(*QUIET, "run.years=2", "rates.adult_vgo.years=1", "rates.adult_vgo.pass_share=1",
                       "rates.adult_vgo.dropout_rate_nav=0", "rates.adult_vgo.pass_destinations.work=0",
                       "rates.adult_vgo.pass_destinations.jobseeker=0", "rates.adult_vgo.pass_destinations.tertiary=1",
                       "rates.tertiary.dropout_rate=0", "rates.tertiary.years=5")
    people = _people(200, State.ADULT_VGO, 30, flags=FLAG_NAV_PAID, education=int(Education.SOME_VGO))
    model = CrossSectorModel(cfg, 0, people=people)
    model.run()
    assert (people.state == int(State.TERTIARY)).all()
    assert (people.education_measure_days >= int(Y) - 7).all()  # one year of NAV-bought VGO, counted


def test_the_extra_year_is_granted_then_the_cap_binds():
    cfg = small_config(*QUIET, "run.years=5", "rates.tertiary.years_nav=10", "rates.tertiary.dropout_rate_nav=0",
                       "scenario.education_measure_extension_share=1")
    stocks, events = _run(cfg, _people(300, State.TERTIARY, 30, flags=FLAG_NAV_PAID | FLAG_REDUCED_WORK_ABILITY))
    assert stocks[int(np.ceil(3.5 * Y / 7)), int(State.TERTIARY)] == 300
    assert stocks[int(np.ceil(4 * Y / 7)) + 1, int(State.TERTIARY)] == 0
    assert events[:, schema.EV["education_cap_extended"]].sum() == 300


def test_dagpenger_runs_out_on_its_day():
    cfg = small_config(*QUIET, "run.years=1", "rates.jobseeker.job_finding=0", "rates.jobseeker.assessment_rate=0",
                       "rates.jobseeker.aap_rate=0", "rates.jobseeker.deregister_rate=0",
                       "rates.jobseeker.adult_vgo_rate=0", "rates.school.return_rate=0",
                       "rates.jobseeker.social_assistance_share_after_exhaustion=1")
    people = _people(400, State.JOBSEEKER, 40, benefit=int(Benefit.DAGPENGER), dagpenger_end_step=20)
    stocks, events = _run(cfg, people)
    on_dp = events[:, schema.EV["stock_dagpenger"]]
    assert on_dp[20] == 400 and on_dp[21] == 0  # row r holds the end of global step r - 1
    assert events[:, schema.EV["dagpenger_exhausted"]].sum() == 400
    assert events[22, schema.EV["stock_social_assistance"]] == 400


@pytest.mark.parametrize("guarantee, expected_share", [(True, 1.0), (False, 0.0)])
def test_the_youth_guarantee_gives_an_offer_at_the_deadline(guarantee, expected_share):
    cfg = small_config(*QUIET, "run.years=1", f"scenario.youth_guarantee={guarantee}",
                       "scenario.youth_guarantee_compliance=1", "rates.inactive.to_jobseeker=50",
                       "rates.inactive.job_finding=0", "rates.inactive.to_aap=0", "rates.school.return_rate=0",
                       "rates.jobseeker.job_finding=0", "rates.jobseeker.assessment_rate=0",
                       "rates.jobseeker.aap_rate=0", "rates.jobseeker.deregister_rate=0",
                       "rates.jobseeker.adult_vgo_rate=0")
    _, events = _run(cfg, _people(400, State.INACTIVE, 24))
    offered = events[:, schema.EV["youth_offer_in_time"]].sum()
    missed = events[:, schema.EV["youth_no_offer_in_time"]].sum()
    assert offered + missed > 300
    assert offered / (offered + missed) == expected_share


def test_ot_follow_up_ends_at_22_and_everyone_ages_out_at_67():
    cfg = small_config(*QUIET, "run.years=1.5", "rates.ot.referral_rate=0", "rates.ot.job_finding=0",
                       "rates.ot.lost_contact_rate=0", "rates.school.return_rate=0")
    stocks, _ = _run(cfg, _people(200, State.OT_FOLLOWED, 21.5))
    turn_22 = int(np.ceil(0.5 * Y / 7))
    assert stocks[turn_22 - 1, int(State.OT_FOLLOWED)] == 200
    assert stocks[turn_22 + 1, int(State.OT_FOLLOWED)] == 0
    stocks, _ = _run(cfg, _people(200, State.DISABILITY, 66.5))
    assert stocks[-1, int(State.AGED_OUT)] == 200
    assert stocks[int(np.ceil(0.5 * Y / 7)) - 1, int(State.AGED_OUT)] == 0


def test_a_programme_that_ends_at_the_cap_is_completed():
    cfg = small_config(*QUIET, "run.years=4", "rates.tertiary.years_nav=3", "rates.tertiary.dropout_rate_nav=0",
                       "rates.tertiary.pass_share=1", "scenario.education_measure_cap_years=3",
                       "scenario.education_measure_extension_share=0")
    _, events = _run(cfg, _people(300, State.TERTIARY, 30, flags=FLAG_NAV_PAID | FLAG_REDUCED_WORK_ABILITY))
    assert events[:, schema.EV["tertiary_nav_pass"]].sum() == 300
    assert events[:, schema.EV["education_cap_exit"]].sum() == 0


def test_aap_goes_on_through_activities_and_an_ended_measure_leads_back_to_aap():
    """AAP recipients sent to assessment and a work-oriented measure keep AAP (NAV counts them as recipients),
    and a measure that ends 'back on the register' brings them back to AAP: no one becomes a job seeker."""
    cfg = small_config(*QUIET, "run.years=1", "rates.aap.to_assessment=20", "rates.aap.to_work=0",
                       "rates.aap.to_disability=0", "rates.aap.to_jobseeker=0", "rates.aap.max_years=10",
                       *_only("rates.assessment.destinations", "work_measure", "amo_course", "education", "jobseeker",
                              "work"), "rates.assessment.mean_weeks=2", "rates.work_measure.mean_months=1",
                       *_only("rates.work_measure.destinations", "jobseeker", "work", "inactive"),
                       "funding.measure_budget_bn_per_year=1000", "funding.caseworker_capacity_relative=100")
    people = _people(300, State.AAP, 40, flags=FLAG_REDUCED_WORK_ABILITY)
    stocks, events = _run(cfg, people)
    active = [int(s) for s in (State.AAP, State.ASSESSMENT, State.WORK_MEASURE)]
    assert (stocks[:, active].sum(axis=1) == 300).all()
    assert stocks[:, int(State.JOBSEEKER)].sum() == 0
    assert events[1:, schema.EV["stock_aap_in_activity"]].max() > 100  # most are in an activity, still on AAP
    on_aap_state = people.state == int(State.AAP)
    assert (people.benefit[on_aap_state] == int(Benefit.NONE)).all()  # AAP itself is the state, not a benefit
    assert (people.benefit[~on_aap_state] == int(Benefit.AAP)).all()


def _jobseekers_on_aap(share: float, n: int = 1000) -> np.ndarray:
    """Hand-made job seekers with reduced work ability, nothing but a fast move into AAP: who is on AAP after a year."""
    cfg = small_config(*QUIET, "run.years=1", f"rates.health.aap_eligible_share={share}", "rates.jobseeker.aap_rate=5",
                       "rates.jobseeker.job_finding=0", "rates.jobseeker.assessment_rate=0",
                       "rates.jobseeker.deregister_rate=0", "rates.jobseeker.adult_vgo_rate=0",
                       "rates.aap.to_work=0", "rates.aap.to_disability=0", "rates.aap.to_jobseeker=0",
                       "rates.aap.to_assessment=0", "rates.aap.max_years=10")
    people = _people(n, State.JOBSEEKER, 40, flags=FLAG_REDUCED_WORK_ABILITY)
    _run(cfg, people)
    return people.state == int(State.AAP)


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_only_those_whose_reduced_work_ability_qualifies_move_from_the_register_into_aap(share):
    """folketrygdloven § 11-5: the move into AAP happens for the eligible share only; the rest stay job seekers with
    NAV's status of reduced work ability. At 50 moves a year nearly every eligible person moves within the year, so
    the count is binomial(1000, share): within 4 standard deviations (exact at 0 and 1)."""
    on_aap = _jobseekers_on_aap(share)
    sd = np.sqrt(1000 * share * (1 - share))
    assert abs(on_aap.sum() - 1000 * share) <= 4 * sd + 1e-9


def test_eligibility_is_a_lifelong_type_so_a_larger_share_adds_persons_and_removes_none():
    """Common random numbers: the persons eligible at 0.3 are all eligible at 0.6 (one draw per person for life)."""
    low, high = _jobseekers_on_aap(0.3), _jobseekers_on_aap(0.6)
    assert low.sum() > 0 and (high & low).sum() == low.sum() and high.sum() > low.sum()


def test_long_sick_leave_always_qualifies_for_aap():
    """A sick leave that reaches its 52-week maximum leads to AAP whatever the eligible share (illness certified)."""
    cfg = small_config(*QUIET, "run.years=2", "rates.health.aap_eligible_share=0", "rates.sick_leave.recovery_rate=0",
                       "rates.sick_leave.to_aap=0", "rates.sick_leave.reduced_work_ability_onset=0",
                       *_only("rates.sick_leave.end_destinations", "aap", "work", "jobseeker", "inactive",
                              "disability"),
                       "rates.aap.to_work=0", "rates.aap.to_disability=0", "rates.aap.to_jobseeker=0",
                       "rates.aap.to_assessment=0", "rates.aap.max_years=10")
    people = _people(200, State.SICK_LEAVE, 40)
    _run(cfg, people)
    assert (people.state == int(State.AAP)).all()


def test_the_move_from_aap_to_disability_follows_the_age_multipliers():
    """rates.aap.to_disability times rates.aap.to_disability_by_age of the person's band: with nothing else leaving
    AAP, the share on disability benefit after half a year is 1 - exp(-rate * multiplier / 2) in each band (binomial,
    within 4 standard deviations), and a zero multiplier stops the move."""
    n, rate = 2000, 0.8
    cfg = small_config(*QUIET, "run.years=0.5", f"rates.aap.to_disability={rate}", "rates.aap.to_work=0",
                       "rates.aap.to_jobseeker=0", "rates.aap.to_assessment=0", "rates.aap.max_years=10",
                       "rates.aap.to_disability_by_age.25_29=0", "rates.aap.to_disability_by_age.30_49=1",
                       "rates.aap.to_disability_by_age.50_66=3")
    for age, mult in ((27.0, 0.0), (40.0, 1.0), (55.0, 3.0)):
        people = _people(n, State.AAP, age, benefit=int(Benefit.AAP), flags=FLAG_REDUCED_WORK_ABILITY)
        _run(cfg, people)
        moved = (people.state == int(State.DISABILITY)).sum()
        p = 1.0 - np.exp(-rate * mult * cfg.run.years)
        assert abs(moved - n * p) <= 4 * np.sqrt(n * p * (1 - p)) + 1e-9, (age, moved, n * p)
