"""Public-definition quantities (simulation.runs.public) on hand-made populations: a fake run carrying only what
public.py and breakdowns.py read (the yearly cross-tabulation, moves by benefit held, per-step events, snapshots,
scale), with persons placed cell by cell, so that each published definition is checked on numbers counted by hand."""
from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd

from simulation.core import schema
from simulation.core.states import AGE_GROUP_NAMES, N_BENEFIT_CODES, N_EDUCATION, N_STATES, Benefit, Education
from simulation.core.states import State as S
from simulation.runs import breakdowns as bd
from simulation.runs.cohorts import cohort_table
from simulation.runs.public import quantities

STEP_DAYS = 7
STEPS_PER_YEAR = 52  # round(365.25 / 7): what public._year_events takes as a year of steps
SCALE = 250.0
AG = {name: i for i, name in enumerate(AGE_GROUP_NAMES)}
E = Education
RTOL = 1e-12


def fake_result(replicates: int = 1, snapshots=(12, 12)) -> SimpleNamespace:
    """An empty run: `replicates` replicates, one reported year per entry of `snapshots` (month-ends in the year)."""
    years = len(snapshots)
    no_cohorts = cohort_table(np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([], dtype=bool),
                              0, years * STEPS_PER_YEAR, STEP_DAYS)
    return SimpleNamespace(
        breakdowns=np.zeros((replicates, years, schema.XT_SIZE), dtype=np.int64),
        events=np.zeros((replicates, years * STEPS_PER_YEAR + 1, schema.N_PUBLIC_EVENTS), dtype=np.int64),
        snapshots=np.asarray(snapshots, dtype=np.int64),
        cohorts=no_cohorts.assign(replicate=pd.Series(dtype=np.int64)),
        scale=SCALE, step_days=STEP_DAYS, replicates=replicates, start_year=2024)


def place(res, n: int, state: S, age: str = "30_34", edu: Education = E.VGO, rwa: int = 0, immigrant: int = 0,
          r: int = 0, year: int = -1) -> None:
    """n persons in this cell at every month-end of the year (so the year's mean is n)."""
    cell = ((AG[age] * N_EDUCATION + int(edu)) * 2 + immigrant) * 2 + rwa
    res.breakdowns[r, year, schema.XT_CELLS + int(state) * schema.N_XCELLS + cell] += n * res.snapshots[year]


def move(res, n: int, frm: S, to: S, benefit: Benefit = Benefit.NONE, r: int = 0, year: int = -1) -> None:
    """n moves frm -> to in the year, by persons holding `benefit` in the state they leave."""
    res.breakdowns[r, year, schema.XT_EXIT_BENEFIT + (int(frm) * N_STATES + int(to)) * N_BENEFIT_CODES
                   + int(benefit)] += n


def stock(res, event: str, value: int, r: int = 0, year: int = -1) -> None:
    """A per-step stock event at `value` in every step of one reported year (year -1: the last year of steps)."""
    first = 1 + (year % res.snapshots.size) * STEPS_PER_YEAR
    res.events[r, first:first + STEPS_PER_YEAR, schema.EV[event]] = value


def config(student: float = 0.0, student_25: float = 0.0, search: float = 0.0, inactive: float = 0.0,
           recall_rate: float = 0.0, disability_working: float = 0.0) -> SimpleNamespace:
    """The indicators and rates public.py reads."""
    return SimpleNamespace(
        indicators=SimpleNamespace(lfs_student_employment_share=student,
                                   lfs_student_employment_share_25_plus=student_25,
                                   lfs_student_job_search_share=search, lfs_inactive_job_search_share=inactive,
                                   lfs_disability_employment_share=disability_working),
        rates=SimpleNamespace(jobseeker=SimpleNamespace(recall_rate=recall_rate)))


def q(res, cfg=None, year: int = -1) -> dict[str, np.ndarray]:
    """name -> values per replicate."""
    return {name: v for name, (_, _, v) in quantities(res, config() if cfg is None else cfg, year).items()}


def check(found: dict, name: str, expected) -> None:
    np.testing.assert_allclose(found[name], np.atleast_1d(np.asarray(expected, dtype=np.float64)), rtol=RTOL,
                               err_msg=name)


def test_the_fake_run_puts_persons_and_moves_where_breakdowns_read_them():
    """The fake run's layout: bd.crosstab gives month-end means per cell, bd.exits moves by benefit held."""
    res = fake_result(replicates=2, snapshots=(12, 6))
    place(res, 3, S.JOBSEEKER, "22_24", E.SOME_VGO, rwa=1, immigrant=1, r=1)
    move(res, 2, S.WORK_MEASURE, S.AAP, Benefit.AAP, r=1)
    x = bd.crosstab(res)
    assert x[1, 1, int(S.JOBSEEKER), AG["22_24"], int(E.SOME_VGO), 1, 1] == 3.0
    assert np.nansum(x) == 3.0
    ex = bd.exits(res, "benefit")
    assert ex[1, 1, int(S.WORK_MEASURE), int(S.AAP), int(Benefit.AAP)] == 2
    assert ex.sum() == 2


def test_registered_fully_unemployed_rate_leaves_out_reduced_work_ability_and_measures():
    """registered_fully_unemployed_rate: NAV's helt ledige (registered, rwa=0, not in a measure) over the LFS labour
    force."""
    res = fake_result()
    place(res, 50, S.WORK)
    place(res, 4, S.SICK_LEAVE)
    place(res, 2, S.APPRENTICE, "19")
    place(res, 6, S.JOBSEEKER)
    place(res, 2, S.ASSESSMENT)
    place(res, 3, S.JOBSEEKER, rwa=1)  # reduced work ability: NAV counts them apart, the LFS not as unemployed
    place(res, 4, S.WORK_MEASURE)
    place(res, 1, S.AMO_COURSE)
    place(res, 2, S.WORK_MEASURE, rwa=1)
    place(res, 7, S.AAP)
    place(res, 5, S.DISABILITY)
    place(res, 10, S.INACTIVE)
    found = q(res)
    employed = 50 + 4 + 2
    unemployed = 6 + 2 + 4 + 1  # registered and measure participants without reduced work ability
    labour_force = employed + unemployed  # 69
    check(found, "registered_fully_unemployed_rate", (6 + 2) / labour_force)
    check(found, "registered_fully_unemployed_count", (6 + 2) * SCALE)
    check(found, "registered_gross_unemployment_rate", (6 + 2 + 4 + 1) / labour_force)
    check(found, "lfs_unemployment_rate", unemployed / labour_force)
    check(found, "population_16_66", (50 + 4 + 2 + 6 + 2 + 3 + 4 + 1 + 2 + 7 + 5 + 10) * SCALE)
    check(found, "sick_leave_stock", 4 * SCALE)
    check(found, "disability_recipients", 5 * SCALE)


def test_lfs_employed_counts_working_pupils_sick_leave_and_apprentices():
    """LFS employed: in work, on sick leave, apprentices, and the student employment share of pupils and students
    (one share under 25, another from 25)."""
    res = fake_result()
    place(res, 8, S.SCHOOL, "16_18", E.PRIMARY)
    place(res, 4, S.TERTIARY, "22_24")
    place(res, 2, S.ADULT_VGO, "30_34", E.SOME_VGO)
    place(res, 2, S.TERTIARY, "25_29")
    place(res, 20, S.WORK)
    place(res, 3, S.SICK_LEAVE)
    place(res, 2, S.APPRENTICE, "19")
    place(res, 10, S.INACTIVE)
    found = q(res, config(student=0.25, student_25=0.5))
    employed = 20 + 3 + 2 + 0.25 * (8 + 4) + 0.5 * (2 + 2)  # 30
    population = 8 + 4 + 2 + 2 + 20 + 3 + 2 + 10
    check(found, "lfs_unemployment_rate", 0.0)  # no one searching: the labour force is the employed
    check(found, "employment_rate_25_66", (20 + 3 + 0.5 * 4) / (2 + 2 + 20 + 3 + 10))
    check(found, "employment_rate_16_24", (2 + 0.25 * 12) / (8 + 4 + 2))
    # the whole population's employment, through the helt ledige rate's denominator: one job seeker added
    place(res, 1, S.JOBSEEKER)
    found = q(res, config(student=0.25, student_25=0.5))
    check(found, "registered_fully_unemployed_rate", 1 / (employed + 1))
    check(found, "population_16_66", (population + 1) * SCALE)


def test_lfs_unemployed_counts_searching_students_and_inactive_but_not_reduced_work_ability():
    """LFS unemployed: registered and measure participants without reduced work ability, the job-search share of
    students without work and the inactive job-search share; AAP, disability and rwa=1 job seekers are not."""
    res = fake_result()
    place(res, 20, S.WORK)
    place(res, 4, S.JOBSEEKER)
    place(res, 1, S.AMO_COURSE)
    place(res, 5, S.JOBSEEKER, rwa=1)
    place(res, 2, S.WORK_MEASURE, rwa=1)
    place(res, 8, S.SCHOOL, "16_18")
    place(res, 10, S.INACTIVE)
    place(res, 6, S.AAP)
    place(res, 3, S.DISABILITY)
    found = q(res, config(student=0.25, search=0.2, inactive=0.1))
    employed = 20 + 0.25 * 8
    unemployed = 4 + 1 + 0.2 * (8 - 0.25 * 8) + 0.1 * 10  # 7.2
    check(found, "lfs_unemployment_rate", unemployed / (employed + unemployed))
    check(found, "registered_fully_unemployed_rate", 4 / (employed + unemployed))
    check(found, "lfs_unemployed_share_students", 0.2 * (8 - 0.25 * 8) / unemployed)


def test_lfs_rates_16_24_count_only_those_ages():
    """LFS unemployment and employment rates 16-24 and helt ledige 16-24 / 16-19: persons 16-24 (16-19) only."""
    res = fake_result()
    place(res, 8, S.SCHOOL, "16_18")
    place(res, 2, S.APPRENTICE, "19")
    place(res, 1, S.JOBSEEKER, "19")
    place(res, 3, S.JOBSEEKER, "20_21")
    place(res, 5, S.WORK, "22_24")
    place(res, 4, S.INACTIVE, "22_24")
    # not 16-24
    place(res, 40, S.WORK, "25_29")
    place(res, 9, S.JOBSEEKER, "25_29")
    place(res, 6, S.SCHOOL, "25_29")
    found = q(res, config(student=0.25, student_25=0.5, search=0.5, inactive=0.25))
    employed = 2 + 5 + 0.25 * 8
    unemployed = 1 + 3 + 0.5 * (8 - 2) + 0.25 * 4
    check(found, "lfs_unemployment_rate_16_24", unemployed / (employed + unemployed))
    check(found, "employment_rate_16_24", employed / (8 + 2 + 1 + 3 + 5 + 4))
    check(found, "registered_fully_unemployed_rate_16_24", (1 + 3) / (employed + unemployed))
    # 16-19: the pupils, the apprentices and the 19-year-old job seeker
    check(found, "registered_fully_unemployed_rate_16_19", 1 / ((2 + 0.25 * 8) + (1 + 0.5 * 6)))


def test_temporarily_laid_off_under_three_months_are_lfs_employed_in_the_totals():
    """LFS totals: the laid-off stock times the share under 13 weeks (recall rate) moves from unemployed to
    employed; NAV's helt ledige keep them."""
    res = fake_result()
    place(res, 30, S.WORK)
    place(res, 6, S.JOBSEEKER)
    place(res, 2, S.JOBSEEKER, "22_24")
    stock(res, "stock_temporarily_laid_off", 4)
    stock(res, "stock_temporarily_laid_off", 40, year=0)  # another year: not read
    found = q(res, config(recall_rate=2.0))
    laid_off = 4 * (1.0 - math.exp(-2.0 * 0.25))
    check(found, "lfs_unemployment_rate", (8 - laid_off) / 38)
    check(found, "registered_fully_unemployed_rate", 8 / 38)
    check(found, "lfs_unemployment_rate_16_24", 1.0)  # in the totals only


def test_temporarily_laid_off_at_month_end_reads_the_step_ending_at_the_months_last_day():
    """temporarily_laid_off_rate_end_june / _end_october: NAV's helt permitterte on one date (the step ending nearest
    30 June, day 182.6, is week 26; 31 October, day 304.4, week 43), over the year's labour force; other steps and
    years are not read."""
    res = fake_result()
    for year in (0, 1):
        place(res, 30, S.WORK, year=year)
        place(res, 6, S.JOBSEEKER, year=year)
    first = 1 + STEPS_PER_YEAR  # the final year's first step
    ev = schema.EV["stock_temporarily_laid_off"]
    res.events[0, first:first + STEPS_PER_YEAR, ev] = 1
    res.events[0, first + 25, ev] = 5  # week 26 ends on day 182
    res.events[0, first + 42, ev] = 3  # week 43 ends on day 301
    res.events[0, 1 + 25, ev] = 50  # the year before: read only as that year's
    found = q(res)
    check(found, "temporarily_laid_off_rate_end_june", 5 / 36)
    check(found, "temporarily_laid_off_rate_end_october", 3 / 36)
    check(q(res, year=0), "temporarily_laid_off_rate_end_june", 50 / 36)


def test_measures_and_reduced_work_ability_counts_and_aap_recipients():
    """jobseekers_on_measures_count, reduced_work_ability_count, reduced_work_ability_share_on_aap (AAP kept in
    activity via stock_aap_in_activity) and aap_recipients, scaled by res.scale."""
    res = fake_result()
    place(res, 3, S.WORK_MEASURE)
    place(res, 2, S.AMO_COURSE)
    place(res, 4, S.WORK_MEASURE, rwa=1)
    place(res, 1, S.AMO_COURSE, rwa=1)
    place(res, 2, S.JOBSEEKER, rwa=1)
    place(res, 3, S.ASSESSMENT, rwa=1)
    place(res, 5, S.JOBSEEKER)
    place(res, 10, S.AAP)
    place(res, 6, S.SCHOOL, "16_18")
    stock(res, "stock_aap_in_activity", 3)  # 3 of the rwa=1 persons in assessment or a measure keep AAP
    stock(res, "stock_aap_in_activity", 50, year=0)  # another year: not read
    found = q(res)
    reduced = 10 + 4 + 1 + 2 + 3  # on AAP, or in a NAV state with rwa=1
    check(found, "jobseekers_on_measures_count", (3 + 2) * SCALE)
    check(found, "reduced_work_ability_count", reduced * SCALE)
    check(found, "reduced_work_ability_share_on_aap", (10 + 3) / reduced)
    check(found, "reduced_work_ability_share_in_measure", (4 + 1) / reduced)
    check(found, "aap_recipients", (10 + 3) * SCALE)
    check(found, "aap_share_of_population", (10 + 3) / (3 + 2 + 4 + 1 + 2 + 3 + 5 + 10))  # 19-66: not the pupils


def test_employment_rate_25_34_by_highest_education():
    """employment_rate_25_34 by education: below upper secondary is primary plus some upper secondary; 25-34 only."""
    res = fake_result()
    place(res, 2, S.WORK, "25_29", E.PRIMARY)
    place(res, 3, S.INACTIVE, "25_29", E.PRIMARY)
    place(res, 3, S.WORK, "30_34", E.SOME_VGO)
    place(res, 2, S.JOBSEEKER, "30_34", E.SOME_VGO)
    place(res, 6, S.WORK, "25_29", E.VGO)
    place(res, 1, S.SICK_LEAVE, "30_34", E.VGO)
    place(res, 1, S.DISABILITY, "25_29", E.VGO)
    place(res, 8, S.WORK, "30_34", E.TERTIARY)
    place(res, 2, S.TERTIARY, "30_34", E.TERTIARY)  # students 25+ with the 25+ employment share
    # not 25-34
    place(res, 10, S.WORK, "35_39", E.VGO)
    place(res, 5, S.INACTIVE, "22_24", E.PRIMARY)
    place(res, 4, S.INACTIVE, "35_39", E.TERTIARY)
    found = q(res, config(student=0.25, student_25=0.5))
    check(found, "employment_rate_25_34_below_upper_secondary", (2 + 3) / (2 + 3 + 3 + 2))
    check(found, "employment_rate_25_34_upper_secondary", (6 + 1) / (6 + 1 + 1))
    check(found, "employment_rate_25_34_tertiary", (8 + 0.5 * 2) / (8 + 2))


def test_neet_16_29_excludes_measures_students_and_employed():
    """neet_16_29: OT-followed, job seekers, assessment, AAP, disability and inactive 16-29 over the population
    16-29; measure participants, students and the employed are not NEET."""
    res = fake_result()
    for n, state, age, rwa in [(1, S.OT_FOLLOWED, "16_18", 0), (2, S.JOBSEEKER, "20_21", 0),
                               (1, S.JOBSEEKER, "22_24", 1), (1, S.ASSESSMENT, "19", 0), (2, S.AAP, "25_29", 0),
                               (1, S.DISABILITY, "25_29", 0), (3, S.INACTIVE, "22_24", 0)]:
        place(res, n, state, age, rwa=rwa)
    neet = 1 + 2 + 1 + 1 + 2 + 1 + 3
    for n, state, age, rwa in [(2, S.WORK_MEASURE, "22_24", 1), (1, S.AMO_COURSE, "25_29", 0),
                               (5, S.SCHOOL, "16_18", 0), (4, S.TERTIARY, "22_24", 0), (1, S.ADULT_VGO, "25_29", 0),
                               (6, S.WORK, "25_29", 0), (2, S.APPRENTICE, "19", 0), (1, S.SICK_LEAVE, "25_29", 0)]:
        place(res, n, state, age, rwa=rwa)
    not_neet = 2 + 1 + 5 + 4 + 1 + 6 + 2 + 1
    place(res, 20, S.INACTIVE, "30_34")  # not 16-29
    found = q(res)
    check(found, "neet_16_29", neet / (neet + not_neet))


def test_aap_and_disability_inflows_of_the_final_year():
    """aap_inflow_per_year leaves out returns to AAP by persons holding AAP in an activity; the share from sick
    leave; disability_inflow_share_from_aap counts the AAP state and the AAP benefit as origins."""
    res = fake_result()
    move(res, 6, S.SICK_LEAVE, S.AAP)
    move(res, 3, S.JOBSEEKER, S.AAP, Benefit.DAGPENGER)
    move(res, 1, S.INACTIVE, S.AAP)
    move(res, 2, S.WORK_MEASURE, S.AAP, Benefit.AAP)  # back from a measure with AAP kept: not a new recipient
    move(res, 1, S.ASSESSMENT, S.AAP, Benefit.AAP)
    move(res, 4, S.AAP, S.DISABILITY)
    move(res, 2, S.WORK_MEASURE, S.DISABILITY, Benefit.AAP)
    move(res, 1, S.ASSESSMENT, S.DISABILITY, Benefit.AAP)
    move(res, 3, S.INACTIVE, S.DISABILITY)
    move(res, 1, S.JOBSEEKER, S.DISABILITY, Benefit.SOCIAL_ASSISTANCE)
    move(res, 100, S.SICK_LEAVE, S.AAP, year=0)  # another year: not counted
    move(res, 100, S.INACTIVE, S.DISABILITY, year=0)
    place(res, 100, S.WORK)
    place(res, 10, S.DISABILITY)
    found = q(res)
    new_aap = 6 + 3 + 1
    new_disability = 4 + 2 + 1 + 3 + 1
    check(found, "aap_inflow_per_year", new_aap * SCALE)
    check(found, "aap_inflow_per_quarter", new_aap * SCALE / 4)
    check(found, "aap_inflow_share_from_sick_leave", 6 / new_aap)
    check(found, "disability_inflow_per_year", new_disability * SCALE)
    check(found, "disability_inflow_share_from_aap", (4 + 2 + 1) / new_disability)
    check(found, "disability_inflow_rate", new_disability / 100)


def test_new_disability_recipients_by_age_at_entry():
    """disability_inflow_share_30_49 / _50_plus: of the year's moves into disability (every origin), the share made at
    30-49 and at 50 or over; the moves are counted by benefit held and by age group, as the kernel counts each move."""
    res = fake_result()
    for n, frm, age in ((2, S.AAP, "25_29"), (3, S.AAP, "35_39"), (1, S.INACTIVE, "45_49"), (4, S.AAP, "55_59"),
                        (2, S.SICK_LEAVE, "60_66")):
        move(res, n, frm, S.DISABILITY)
        res.breakdowns[0, -1, schema.XT_EXIT_AGE + (int(frm) * N_STATES + int(S.DISABILITY)) * len(AGE_GROUP_NAMES)
                       + AG[age]] += n
    res.breakdowns[0, 0, schema.XT_EXIT_AGE + (int(S.AAP) * N_STATES + int(S.DISABILITY)) * len(AGE_GROUP_NAMES)
                   + AG["35_39"]] += 50  # another year: not counted
    place(res, 10, S.WORK)
    found = q(res)
    check(found, "disability_inflow_share_30_49", (3 + 1) / 12)
    check(found, "disability_inflow_share_50_plus", (4 + 2) / 12)


def test_a_partial_final_year_is_scaled_to_a_year():
    """Inflows per year in a partial final year (6 month-ends): the year's moves times 12 / snapshots; stocks are
    month-end means."""
    res = fake_result(snapshots=(12, 6))
    move(res, 5, S.SICK_LEAVE, S.AAP)
    move(res, 3, S.AAP, S.DISABILITY)
    place(res, 60, S.WORK)
    found = q(res)
    check(found, "aap_inflow_per_year", 5 * SCALE * 12 / 6)
    check(found, "aap_inflow_per_quarter", 5 * SCALE * 12 / 6 / 4)
    check(found, "disability_inflow_per_year", 3 * SCALE * 12 / 6)
    check(found, "disability_inflow_rate", 3 * 12 / 6 / 60)
    check(found, "population_16_66", 60 * SCALE)


def test_a_replicate_with_empty_denominators_gives_nan_without_division_errors():
    """Every share: NaN for a replicate with no one in its denominator, computed without a division warning."""
    res = fake_result(replicates=2)
    place(res, 9, S.WORK, r=0)
    place(res, 1, S.JOBSEEKER, r=0)
    move(res, 2, S.SICK_LEAVE, S.AAP, r=0)
    move(res, 1, S.AAP, S.DISABILITY, r=0)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        found = quantities(res, config(student=0.25, search=0.2, inactive=0.1, recall_rate=1.0))
    shares = {name: v for name, (unit, _, v) in found.items() if unit == "share"}
    assert shares and all(v.shape == (2,) for v in shares.values())
    assert [name for name, v in shares.items() if not math.isnan(v[1])] == []
    check(shares, "registered_fully_unemployed_rate", [1 / 10, np.nan])
    check(shares, "aap_inflow_share_from_sick_leave", [1.0, np.nan])
    check(shares, "disability_inflow_share_from_aap", [1.0, np.nan])
    check({n: v for n, (_, _, v) in found.items()}, "aap_inflow_per_year", [2 * SCALE, 0.0])


def test_working_disability_recipients_are_lfs_employed_and_immigrants_employment_is_their_own():
    """The LFS counts a disability recipient with paid work (graded benefit) as employed; SSB's employment of immigrants
    20-66 counts immigrants only, and 16-19-year-olds not at all."""
    res = fake_result()
    place(res, 10, S.WORK, "40_44", immigrant=1)
    place(res, 10, S.DISABILITY, "40_44", immigrant=1)
    place(res, 5, S.INACTIVE, "22_24", immigrant=1)
    place(res, 40, S.WORK, "30_34")
    place(res, 10, S.DISABILITY, "50_54")
    place(res, 7, S.WORK, "16_18", immigrant=1)  # under 20: outside SSB's 20-66
    found = q(res, config(disability_working=0.2))
    check(found, "employment_rate_20_66_immigrants", (10 + 0.2 * 10) / (10 + 10 + 5))
    check(found, "employment_rate_20_66_non_immigrants", (40 + 0.2 * 10) / (40 + 10))
    check(found, "employment_rate_25_66", (10 + 40 + 0.2 * 20) / (10 + 10 + 40 + 10))
    assert q(res)["employment_rate_25_66"][0] == (10 + 40) / (10 + 10 + 40 + 10)  # share 0: none of them counted


def test_the_disability_stocks_change_is_the_final_year_minus_the_year_before():
    """disability_recipients_change_per_year: the yearly mean stock's change, scaled; NaN without a year before."""
    res = fake_result()
    place(res, 10, S.DISABILITY, year=0)
    place(res, 13, S.DISABILITY, "60_66", year=1)
    check(q(res), "disability_recipients_change_per_year", 3 * SCALE)
    assert np.isnan(q(res, year=0)["disability_recipients_change_per_year"]).all()
